//! Golden snapshots: scripts in `tests/golden/NAME.lua`, saved at a fixed point (the script's
//! `coroutine.yield` from the main chunk, inside a gsub callback or a sort comparator so a
//! native continuation is in the snapshot), must be saved byte for byte as
//! `tests/golden/NAME.snap` by every build on every machine, and the checked-in bytes must
//! restore and finish with the output in `tests/golden/NAME.out`. Between them the scripts hold
//! every object and frame kind: tables with metatables and cycles, closures sharing upvalues,
//! strings with NULs, a coroutine suspended in a yield under `pcall`, a pending `__close`, an
//! `xpcall` handler, a host userdata, native continuations (gsub, sort, a metamethod).
//!
//! This pins determinism (no address, time or process-random state reaches a snapshot) and
//! format stability: a change to what is saved fails here, on purpose.
//!
//! # Changing the format (the version bump procedure)
//! 1. Bump `FORMAT_VERSION` in `src/snapshot/format.rs` for any incompatible change (a new
//!    or changed `ContG` variant, object layout, body field). Old snapshots must then be
//!    rejected with a version error, never misread.
//! 2. Rewrite the golden files deliberately: `TELELUA_BLESS=1 cargo test --test golden`
//!    (this also rewrites `NAME.out` from an uninterrupted run; check its diff by eye: it
//!    must not change unless the scripts did).
//! 3. Commit the new `.snap` files with the version bump, saying why the format changed.
//!
//! A `.snap` that changes without a version bump means saved bytes changed meaning or
//! became nondeterministic: find out why instead of blessing.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use telelua::{StepResult, UserData, UserDataMethods, Vm, VmOptions};

/// A host type the scripts use (`ud`), saved through serde.
#[derive(Serialize, Deserialize)]
struct Counter {
    n: i64,
}

impl UserData for Counter {
    const NAME: &'static str = "Counter";
    fn add_methods(m: &mut UserDataMethods<Self>) {
        m.method_mut("bump", |_cx, this, k: i64| {
            this.n += k;
            Ok(this.n)
        });
        m.field("n", |_cx, this| Ok(this.n));
        m.meta("__tostring", |_cx, this, ()| {
            Ok(format!("Counter({})", this.n))
        });
    }
}

type Out = Rc<RefCell<Vec<u8>>>;

fn options(out: &Out) -> VmOptions {
    let out = out.clone();
    VmOptions::new()
        .main_yieldable(true)
        .register_userdata::<Counter>()
        .print(move |b| out.borrow_mut().extend_from_slice(b))
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// A fresh VM with `NAME.lua` loaded and `ud` set.
fn start(name: &str, out: &Out) -> Vm {
    let src = std::fs::read(dir().join(format!("{name}.lua"))).expect("golden script");
    let mut vm = options(out).build();
    vm.set_global("ud", Counter { n: 40 }).expect("ud");
    vm.load(&src, &format!("={name}"))
        .expect("golden script compiles");
    vm
}

/// Steps until the result is not `OutOfFuel`.
fn step(vm: &mut Vm) -> StepResult {
    for _ in 0..1000 {
        match vm.step(100_000) {
            StepResult::OutOfFuel => continue,
            r => return r,
        }
    }
    panic!("golden script did not finish");
}

/// Runs to the save point; returns the snapshot and the output so far.
fn save_point(name: &str) -> (Vec<u8>, Vec<u8>) {
    let out = Out::default();
    let mut vm = start(name, &out);
    match step(&mut vm) {
        StepResult::Yielded(_) => {}
        r => panic!("{name}: expected the save point, got {r:?}"),
    }
    let bytes = vm.save().expect("save");
    let text = out.borrow().clone();
    (bytes, text)
}

/// Restores `bytes` and finishes; returns the output after the restore.
fn finish(name: &str, bytes: &[u8]) -> Vec<u8> {
    let out = Out::default();
    let mut vm = options(&out)
        .restore(bytes)
        .expect("golden snapshot restores");
    match step(&mut vm) {
        StepResult::Finished(_) => {}
        r => panic!("{name}: expected the end after the restore, got {r:?}"),
    }
    let text = out.borrow().clone();
    text
}

/// The whole output of an uninterrupted run (the yield just continues).
fn uninterrupted(name: &str) -> Vec<u8> {
    let out = Out::default();
    let mut vm = start(name, &out);
    loop {
        match step(&mut vm) {
            StepResult::Yielded(_) => continue,
            StepResult::Finished(_) => break,
            r => panic!("{name}: {r:?}"),
        }
    }
    let text = out.borrow().clone();
    text
}

fn golden(name: &str) {
    let snap_path = dir().join(format!("{name}.snap"));
    let out_path = dir().join(format!("{name}.out"));
    let (bytes, before) = save_point(name);
    let whole = uninterrupted(name);
    if std::env::var("TELELUA_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&snap_path, &bytes).expect("write .snap");
        std::fs::write(&out_path, &whole).expect("write .out");
    }
    let expected_out = std::fs::read(&out_path).expect("golden .out (TELELUA_BLESS=1 writes it)");
    assert!(
        whole == expected_out,
        "{name}: the uninterrupted output differs from {}:\n{}",
        out_path.display(),
        String::from_utf8_lossy(&whole)
    );
    let golden = std::fs::read(&snap_path).expect("golden .snap (TELELUA_BLESS=1 writes it)");
    // The checked-in bytes restore and finish the run, whatever this build saves.
    let after = finish(name, &golden);
    let mut both = before.clone();
    both.extend_from_slice(&after);
    assert!(
        both == expected_out,
        "{name}: restoring the golden snapshot gives:\n{}",
        String::from_utf8_lossy(&both)
    );
    assert!(
        bytes == golden,
        "{name}: this build saves different bytes than {} ({} vs {} bytes, first difference at \
         {:?}); see this file's doc comment before blessing",
        snap_path.display(),
        bytes.len(),
        golden.len(),
        bytes.iter().zip(&golden).position(|(a, b)| a != b)
    );
    // Saving the restored VM at once gives the same bytes again.
    let again = options(&Out::default())
        .restore(&golden)
        .expect("restore")
        .save()
        .expect("save");
    assert!(again == golden, "{name}: save(restore(golden)) differs");
}

#[test]
fn golden_objects() {
    golden("objects");
}

#[test]
fn golden_sort() {
    golden("sort");
}
