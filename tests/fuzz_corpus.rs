//! Replays the fuzz targets' seed corpora (fuzz/corpus/<target>/*) under `cargo test`, through
//! the same entry points the fuzz targets call (the library's `api::fuzz` for compile, run and
//! restore; the checks in `fuzz/common/`, included here, for the others).

use std::path::Path;

#[path = "../fuzz/common/differential.rs"]
mod differential;
#[path = "../fuzz/common/gen.rs"]
mod gen;
#[path = "../fuzz/common/patterns.rs"]
mod patterns;
#[path = "../fuzz/common/roundtrip.rs"]
mod roundtrip;

fn replay(target: &str, f: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("corpus entry").path();
        if path.is_file() {
            let data = std::fs::read(&path).expect("corpus file");
            f(&data);
            n += 1;
        }
    }
    assert!(n > 0, "empty corpus for {target}");
}

#[test]
fn compile_corpus() {
    replay("compile", telelua::api::fuzz::compile_bytes);
}

#[test]
fn run_corpus() {
    replay("run", telelua::api::fuzz::run_bytes);
}

#[test]
fn restore_corpus() {
    replay("restore", telelua::api::fuzz::restore_bytes);
}

#[test]
fn roundtrip_corpus() {
    replay("roundtrip", roundtrip::check);
}

#[test]
fn patterns_corpus() {
    replay("patterns", patterns::check);
}

#[test]
fn differential_corpus() {
    replay("differential", differential::check);
}

/// Writes seed inputs for the generator-driven targets when `TELELUA_WRITE_SEEDS=1` (they
/// are checked in; the fuzzers add their own findings next to them).
#[test]
fn write_generator_seeds() {
    if std::env::var("TELELUA_WRITE_SEEDS").is_err() {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for target in ["roundtrip", "differential", "patterns"] {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).expect("corpus dir");
        for seed in 0..16u64 {
            let len = if target == "patterns" { 64 } else { 400 };
            let data = gen::seed_bytes(seed * 7919 + 1, len);
            std::fs::write(dir.join(format!("seed{seed}")), data).expect("seed file");
        }
    }
}

/// A native preempted in the middle of its work left a frame that grew its thread's modeled
/// frame capacity, so a run sliced into steps ended with different snapshot bytes (and memory
/// count) than an uninterrupted one. Found by the `roundtrip` target (its input is in the
/// corpus as `finding-preempted-native-frame-model`); this is the reduced program.
#[test]
fn preempted_native_does_not_change_the_frame_model() {
    let src = "print(pcall(function() print(pcall(string.gsub, '  5  ', '(.)(.)', '%%', 2)) end))";
    let whole = roundtrip::run(src, &[4_000_000], &[]).expect("finishes");
    for first in 1..whole.fuel {
        for second in 1..30 {
            let slices = [first, second, 4_000_000];
            let sliced =
                roundtrip::run(src, &slices, &[roundtrip::Trip::Continue]).expect("finishes");
            assert!(
                sliced == whole,
                "slices {slices:?}: {sliced:?}\nvs {whole:?}"
            );
        }
    }
}

/// The session 28 finding (`fuzz/corpus/roundtrip/finding-fork-gsub-table-in-image`),
/// reduced: `gsub` with a table replacement looks the match up by its bytes, and in a lazy
/// fork whose table was still in the image it made the key string instead, an allocation
/// the uninterrupted run never made. Output and fuel agreed; the collector's counters, saved
/// in every snapshot, did not.
#[test]
fn fork_reads_gsub_table_in_image_without_allocating() {
    let src = r#"
        local map = {a = "A", b = 1, xy = "XY"}
        local out = {}
        for i = 1, 20 do
          local s = ("xa"):rep(i % 5) .. "b" .. ("xy"):rep(i % 3)
          out[#out + 1] = s:gsub("[ab]", map) .. s:gsub("xy", map)
        end
        print(table.concat(out, " "))
    "#;
    let whole = roundtrip::run(src, &[1 << 30], &[]).expect("whole run");
    for slice in [1, 3, 7, 40] {
        for trips in [[roundtrip::Trip::Fork], [roundtrip::Trip::Bytes]] {
            let sliced = roundtrip::run(src, &[slice], &trips).expect("sliced run");
            assert_eq!(sliced, whole, "slices of {slice} with {trips:?}");
        }
    }
}
