//! The sandbox profile: only safe libraries; escapes are refused; VMs share nothing.

use telelua::{HostValue, StepResult, Vm};

fn eval(vm: &mut Vm, src: &str) -> StepResult {
    vm.load(src.as_bytes(), "=sandbox").unwrap();
    loop {
        match vm.step(1_000_000) {
            StepResult::OutOfFuel => continue,
            r => return r,
        }
    }
}

#[test]
fn dangerous_functions_are_absent() {
    let mut vm = Vm::new();
    let r = eval(
        &mut vm,
        "return string and string.dump, io, os and os.execute, os and os.remove, os and os.getenv,
                package, debug.getregistry, debug.sethook, dofile, loadfile, require",
    );
    let StepResult::Finished(v) = r else {
        panic!("{r:?}")
    };
    assert!(v.iter().all(|x| *x == HostValue::Nil), "{v:?}");
}

/// Bytecode never loads: a binary chunk is only a telelua chunk (source and a path, compiled
/// again, see `string.dump`); anything else with Lua's signature is refused.
#[test]
fn binary_chunks_are_never_bytecode() {
    let mut vm = Vm::new();
    for chunk in [
        "return load('\\27Lua')",
        "return load('\\27Lua\\x54\\0\\x19\\x93\\r\\n\\x1a\\n\\4\\8\\8' .. string.rep('x', 40))",
    ] {
        let r = eval(&mut vm, chunk);
        let StepResult::Finished(v) = r else {
            panic!("{r:?}")
        };
        assert_eq!(v[0], HostValue::Nil);
        let HostValue::Str(msg) = &v[1] else {
            panic!("{v:?}")
        };
        assert!(
            String::from_utf8_lossy(msg).contains("bad binary format"),
            "{v:?}"
        );
    }
    // The sandbox has no string.dump (it would show any reachable function's source).
    let r = eval(&mut vm, "return string.dump");
    assert_eq!(r, StepResult::Finished(vec![HostValue::Nil]));
}

#[test]
fn two_vms_share_nothing() {
    let mut a = Vm::new();
    let mut b = Vm::new();
    eval(
        &mut a,
        "secret = 42 getmetatable('').__index = {upper = function() return 'pwned' end}",
    );
    let r = eval(&mut b, "return secret, ('x'):upper()");
    assert_eq!(
        r,
        StepResult::Finished(vec![HostValue::Nil, HostValue::Str(b"X".to_vec())])
    );
}

#[test]
fn fuel_preempts_infinite_loops() {
    let mut vm = Vm::new();
    vm.load(b"while true do end", "=loop").unwrap();
    for _ in 0..100 {
        assert_eq!(vm.step(1_000), StepResult::OutOfFuel);
    }
    assert!(
        vm.fuel_used() >= 100_000 && vm.fuel_used() <= 100_100,
        "{}",
        vm.fuel_used()
    );
}
