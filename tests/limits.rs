//! Deep recursion is bounded by the Lua stack limit, never by the Rust stack; tail calls run
//! in constant space; object ids are deterministic.

use telelua::{HostValue, StepResult, Vm};

fn run(src: &str) -> StepResult {
    let mut vm = Vm::new();
    vm.load(src.as_bytes(), "=t").unwrap();
    loop {
        match vm.step(10_000_000) {
            StepResult::OutOfFuel => continue,
            r => return r,
        }
    }
}

#[test]
fn deep_recursion_works_to_190000() {
    let r = run(
        "local function f(n) if n == 0 then return 0 end return 1 + f(n - 1) end return f(190000)",
    );
    assert_eq!(r, StepResult::Finished(vec![HostValue::Int(190000)]));
}

#[test]
fn runaway_recursion_is_a_catchable_stack_overflow() {
    let r = run(
        "local function f(n) if n == 0 then return 0 end return 1 + f(n - 1) end
         local ok, e = pcall(f, 1e8) return ok, e",
    );
    match r {
        StepResult::Finished(v) => {
            assert_eq!(v[0], HostValue::Bool(false));
            match &v[1] {
                HostValue::Str(s) => assert!(
                    String::from_utf8_lossy(s).ends_with("stack overflow"),
                    "{v:?}"
                ),
                other => panic!("{other:?}"),
            }
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn ten_million_tail_calls_run_in_constant_space() {
    let r = run("local function loop(n) if n == 0 then return 'done' end return loop(n - 1) end return loop(10000000)");
    assert_eq!(
        r,
        StepResult::Finished(vec![HostValue::Str(b"done".to_vec())])
    );
}

#[test]
fn tostring_ids_are_deterministic() {
    let src = "local a, b = {}, function() end return tostring(a), tostring(b), tostring(print)";
    let first = run(src);
    assert_eq!(first, run(src));
    if let StepResult::Finished(v) = first {
        let HostValue::Str(s) = &v[0] else { panic!() };
        assert!(
            s.starts_with(b"table: 0x"),
            "{}",
            String::from_utf8_lossy(s)
        );
    } else {
        panic!("{first:?}");
    }
}

#[test]
fn host_interrupt_preempts_and_the_vm_resumes() {
    let mut vm = Vm::new();
    vm.load(
        b"local n = 0 for i = 1, 3e6 do n = n + i end return n",
        "=t",
    )
    .unwrap();
    let flag = vm.interrupt_handle();
    // Set from another thread while the script runs with an ample budget.
    let setter = std::thread::spawn(move || flag.store(true, std::sync::atomic::Ordering::Relaxed));
    setter.join().unwrap();
    let first = vm.step(u64::MAX / 2);
    assert!(matches!(first, StepResult::OutOfFuel), "{first:?}");
    let used = vm.fuel_used();
    assert!(used > 0 && used <= 20_000, "stopped within a slice: {used}");
    // The flag was consumed: the next step runs to the end.
    match vm.step(u64::MAX / 2) {
        StepResult::Finished(v) => assert_eq!(v, vec![HostValue::Int(4_500_001_500_000)]),
        other => panic!("{other:?}"),
    }
}
