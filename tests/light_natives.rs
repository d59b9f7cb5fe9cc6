//! `math.sqrt` and `math.abs` called in a loop of the interpreter's small loop run in place
//! (`vm::light`, `fast::run_below`) only as a shortcut: a program run in one big step and
//! in slices of a few fuel units (the small loop entered with almost no fuel, the call left
//! to the general path when fewer than its units remain) gives the same results and
//! consumes exactly the same fuel. (`tests/lua/math_light_in_loops.lua` checks the results
//! against `lua5.4`'s.)

use telelua::{StepResult, Vm};

/// Runs `src` in steps of `slice` fuel: the result and the total fuel used.
fn run(src: &str, slice: u64) -> (StepResult, u64) {
    let mut vm = Vm::new();
    vm.load(src.as_bytes(), "=t").unwrap();
    loop {
        match vm.step(slice) {
            StepResult::OutOfFuel => continue,
            r => return (r, vm.fuel_used()),
        }
    }
}

fn same_in_any_slices(src: &str) {
    let (whole, fuel) = run(src, u64::MAX / 2);
    assert!(matches!(whole, StepResult::Finished(_)), "{src}: {whole:?}");
    for slice in [1, 2, 3, 4, 5, 7, 11, 64] {
        assert_eq!(
            run(src, slice),
            (whole.clone(), fuel),
            "{src}: slices of {slice}"
        );
    }
}

/// A loop body of float arithmetic around the calls, reading them as upvalues open below
/// the loop's frame (as `nbody` reads `sqrt`).
const LOOP: &str = "
    local sqrt, abs = math.sqrt, math.abs
    local function f(n)
      local s, a = 0.0, 0
      for i = 1, n do
        local w = i * 2.0 + 1 - i * 2 - 1
        local r = sqrt(i + w)
        w = w + r * 0.5 - r * 0.25 + 1 - 1
        s = s + r + w
        a = a + abs(i - 40)
        s = s + abs(-w) * 1.0 + 0 - 0
      end
      return s, a
    end
    return f(100)
";

#[test]
fn light_calls_in_a_loop_same_fuel_in_any_slices() {
    same_in_any_slices(LOOP);
}

#[test]
fn light_calls_with_strings_and_errors_same_fuel_in_any_slices() {
    same_in_any_slices(
        "local sqrt, abs = math.sqrt, math.abs
         local function f(n)
           local s, bad = 0.0, 0
           for i = 1, n do
             local w = i * 2.0 + 1 - i * 2 - 1
             local arg = (i % 3 == 0) and tostring(i) or i
             s = s + sqrt(arg) + w * 0 + 1 - 1
             if not pcall(abs, i % 5 == 0 and {} or i) then bad = bad + 1 end
           end
           return s, bad
         end
         return f(60)",
    );
}
