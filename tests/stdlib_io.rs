//! The standalone `io` library as a host sees it: open files are host resources that no
//! snapshot carries (saving fails, naming the file, and works again once it is closed), the
//! standard and closed files are plain data that survive a round trip, and the sandbox
//! profile has none of it.

use telelua::{Profile, SnapshotError, StepResult, Vm, VmOptions};

fn standalone() -> VmOptions {
    VmOptions::new()
        .profile(Profile::Standalone)
        .main_yieldable(true)
}

#[test]
fn the_sandbox_has_no_files_or_processes() {
    let mut vm = Vm::new();
    let kinds: String = vm
        .eval("return type(io) .. type(os.remove) .. type(os.rename) .. type(os.tmpname) .. type(os.execute)")
        .unwrap();
    assert_eq!(kinds, "nilnilnilnilnil");
}

#[test]
fn saving_a_vm_holding_an_open_file_fails_naming_it() {
    let dir = std::env::temp_dir().join(format!("telelua_io_test_{}", std::process::id()));
    let name = dir.to_string_lossy().into_owned();
    let mut vm = standalone().build();
    vm.set_global("name", name.as_str()).unwrap();
    vm.load(
        br#"
        local f = assert(io.open(name, "w"))
        f:write("kept")
        coroutine.yield()                     -- the host tries to save here
        f:close()
        coroutine.yield()                     -- and here
        local g = assert(io.open(name))
        local s = g:read("a")
        g:close()
        return s, io.type(f), tostring(f), io.type(io.stdout)
    "#,
        "=files",
    )
    .unwrap();
    assert!(matches!(vm.step(100_000), StepResult::Yielded(_)));
    let err = vm.save().unwrap_err();
    assert_eq!(err, SnapshotError::OpenFile(name.clone()));
    assert!(
        err.to_string().contains(&format!("open file ('{name}')")),
        "{err}"
    );
    assert!(vm.image().is_err());
    // The VM is unharmed by the refusal, and saveable once the file is closed.
    assert!(matches!(vm.step(100_000), StepResult::Yielded(_)));
    let bytes = vm.save().unwrap();
    let mut restored = standalone().restore(&bytes).unwrap();
    assert_eq!(restored.save().unwrap(), bytes);
    for vm in [&mut vm, &mut restored] {
        let r = vm.step(100_000);
        let StepResult::Finished(vals) = r else {
            panic!("{r:?}")
        };
        let texts: Vec<String> = vals
            .iter()
            .map(|v| v.as_str().map(|s| s.into_owned()).unwrap_or_default())
            .collect();
        assert_eq!(texts, ["kept", "closed file", "file (closed)", "file"]);
    }
    std::fs::remove_file(&dir).unwrap();
}
