//! Light natives that the interpreter's small loop (`fast::hot`) runs in place: `math.abs`
//! and `math.sqrt` called with one argument for one result, where a loop reads them as
//! upvalues open below its frame (`local m = sqrt(d2)` in `nbody`'s loop of float code,
//! `sqrt` a local of the main chunk; see `fast::run_below`).
//!
//! # Why
//! A native call leaves the small loop for `execute` (its `Call` arm, `run_native` with its
//! `NativeCtx`, the results moved back, `worth_after_call`, and the small loop entered
//! again): ~300 instructions for a `sqrt` whose own work is a few; run in place, ~100 (the
//! way out of the small loop and back). The libraries register such natives here
//! ([`register`]), by the address of their `NativeDef`, so the core knows them without
//! importing the library (a host's native is never one of them).
//!
//! # Exactness
//! [`unary`] computes exactly what the native returns for a number argument, and answers
//! `None` for anything else (a string to convert, a wrong type: the native's own conversion
//! or error then runs on the general path). The small loop takes this path only where the
//! general one would leave no other trace (see `fast::light_call`): the same result in the
//! call slot, the stack cut to the frame's end with nils above the result, `top`, the same
//! fuel (the instruction and `NATIVE_CALL`), no growth of the stacks or their models.
//! Tested by `tests/fast_loop.rs` (fuel in any slices) and
//! `tests/lua/math_light_in_loops.lua` (results against `lua5.4`).

use std::sync::atomic::{AtomicUsize, Ordering};

use super::native::NativeDef;
use super::value::Value;

/// What a registered light native computes from its one argument.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Unary {
    /// `math.abs`: an integer's wrapping absolute value, a float's absolute value.
    Abs,
    /// `math.sqrt`: the square root, as a float.
    Sqrt,
}

impl Unary {
    /// The function on a float (an integer argument of `math.sqrt` is converted first).
    #[inline(always)]
    pub fn of_float(self, x: f64) -> f64 {
        match self {
            Unary::Abs => x.abs(),
            Unary::Sqrt => x.sqrt(),
        }
    }

    /// The native's result for a number argument (`math.abs` keeps an integer an integer,
    /// wrapping at the minimum, as 5.4's `l_mathop(abs)` on `lua_Unsigned`); `None` for
    /// anything else. The math library's natives compute with this too, so the small
    /// loop's shortcut and the native cannot disagree.
    #[inline(always)]
    pub fn of_number<'gc>(self, x: Value<'gc>) -> Option<Value<'gc>> {
        match (self, x) {
            (Unary::Abs, Value::Int(i)) => Some(Value::Int(i.wrapping_abs())),
            (_, Value::Int(i)) => Some(Value::float(self.of_float(i as f64))),
            (_, Value::Float(f)) => Some(Value::float(self.of_float(f.get()))),
            _ => None,
        }
    }
}

/// The address of the `NativeDef` registered for [`Unary::Abs`] (0: none).
static ABS: AtomicUsize = AtomicUsize::new(0);
/// The address of the `NativeDef` registered for [`Unary::Sqrt`] (0: none).
static SQRT: AtomicUsize = AtomicUsize::new(0);

/// Registers `def` as the native computing `op` (the same for every VM: the first
/// registration stays). The caller vouches that `def`'s function returns exactly
/// [`Unary::of_number`]'s value for a number argument (the math library computes with it).
pub fn register(def: &'static NativeDef, op: Unary) {
    let slot = match op {
        Unary::Abs => &ABS,
        Unary::Sqrt => &SQRT,
    };
    let _ = slot.compare_exchange(
        0,
        def as *const NativeDef as usize,
        Ordering::Relaxed,
        Ordering::Relaxed,
    );
}

/// The result of the light native `def` called with the one argument `x`, if `def` is a
/// registered one and `x` a number; `None` otherwise (the general call then runs it).
#[inline(always)]
pub(super) fn unary<'gc>(def: &'static NativeDef, x: Value<'gc>) -> Option<Value<'gc>> {
    let p = def as *const NativeDef as usize;
    if p == SQRT.load(Ordering::Relaxed) {
        Unary::Sqrt.of_number(x)
    } else if p == ABS.load(Ordering::Relaxed) {
        Unary::Abs.of_number(x)
    } else {
        None
    }
}
