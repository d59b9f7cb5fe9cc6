//! Tables hash with their VM's key, which the table records do not keep: lookups after
//! round trips, forks and other VMs with other keys. (Out of `tests/snapshot.rs` for its
//! length.)

use telelua::{Host, StepResult, Vm};

/// Tables hash with their VM's key (`VmOptions::hash_key`), which they do not keep: the
/// entered VM's key is used (`vm::memory::hash_key`). Keys of every kind in indexed and small
/// hash parts, long strings hashed on first use among them, are found again in the VM, after
/// a round trip, in lazy and eager forks, and after another VM with another key ran between.
#[test]
fn tables_hash_with_their_vm_s_key() {
    let script = r#"
        local long = string.rep("k", 50)
        local t, s = {}, {}
        for i = 1, 40 do t[i * 1.5] = i; t[long .. i] = i; t[-i] = i end
        t[true] = "yes"; t[false] = "no"; t[t] = "self"
        s[long] = 1; s[2.5] = 2
        coroutine.yield()
        local n = 0
        for i = 1, 40 do n = n + t[i * 1.5] + t[string.rep("k", 50) .. i] + t[-i] end
        assert(t[true] == "yes" and t[false] == "no" and t[t] == "self")
        assert(s[string.rep("k", 50)] == 1 and s[2.5] == 2 and s[long .. "x"] == nil)
        t[string.rep("k", 50) .. "new"] = 7
        return n + t[long .. "new"]
    "#;
    let other = || {
        let mut vm = telelua::VmOptions::new().hash_key(99).build();
        let got: i64 = vm
            .eval("local t = {} for i = 1, 20 do t[i * 1.5] = i; t[string.rep('k', 50) .. i] = i end return t[3.0] + t[string.rep('k', 50) .. 5]")
            .expect("other VM");
        assert_eq!(got, 7);
    };
    let finish = |mut vm: Vm| {
        other();
        // (A lookup by a name's bytes hashes them with the key: the globals are indexed.)
        let print: telelua::Value = vm.global("print").expect("print");
        assert_eq!(print.type_name(), "function");
        match vm.step(1_000_000) {
            StepResult::Finished(v) => {
                assert!(matches!(v.first(), Some(telelua::Value::Int(2467))))
            }
            r => panic!("unexpected {r:?}"),
        }
    };
    let start = || {
        let mut vm = telelua::VmOptions::new()
            .hash_key(0x1234_5678_9abc_def1)
            .main_yieldable(true)
            .build();
        vm.load(script.as_bytes(), "=keys").expect("compiles");
        assert!(matches!(vm.step(1_000_000), StepResult::Yielded(_)));
        vm
    };
    finish(start());
    let bytes = start().save().expect("save");
    finish(Vm::restore(&bytes).expect("restore"));
    let image = start().image().expect("image");
    finish(image.fork().expect("lazy fork"));
    finish(image.fork_eager_with(Host::default()).expect("eager fork"));
}
