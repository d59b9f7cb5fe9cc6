//! Replays the fuzz targets' seed corpora (fuzz/corpus/<target>/*) under `cargo test`, through
//! the same entry points the fuzz targets call.

use std::path::Path;

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
