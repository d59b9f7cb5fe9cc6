//! Light natives that the interpreter's small loop (`fast::hot`) runs in place: `math.abs`,
//! `math.sqrt`, `math.floor` and `math.ceil` called with one argument for one result (and
//! `math.max` and `math.min` with two), where a loop reads them as
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
    /// `math.floor`: an integer unchanged; a float rounded down, as an integer if it fits
    /// (5.4's `pushnumint`), else the float.
    Floor,
    /// `math.ceil`: as [`Unary::Floor`], rounding up.
    Ceil,
}

impl Unary {
    /// The function on a float (an integer argument of `math.sqrt` is converted first;
    /// `math.floor`'s and `math.ceil`'s float result is then made an integer if it fits).
    #[inline(always)]
    pub fn of_float(self, x: f64) -> f64 {
        match self {
            Unary::Abs => x.abs(),
            Unary::Sqrt => x.sqrt(),
            Unary::Floor => x.floor(),
            Unary::Ceil => x.ceil(),
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
            (Unary::Floor | Unary::Ceil, Value::Int(_)) => Some(x),
            (Unary::Floor | Unary::Ceil, Value::Float(f)) => Some(self.rounded(f.get())),
            (_, Value::Int(i)) => Some(Value::float(self.of_float(i as f64))),
            (_, Value::Float(f)) => Some(Value::float(self.of_float(f.get()))),
            _ => None,
        }
    }

    /// `math.floor`'s or `math.ceil`'s result for the float `x`: rounded, then
    /// [`int_if_exact`].
    #[inline(always)]
    pub fn rounded<'gc>(self, x: f64) -> Value<'gc> {
        int_if_exact(self.of_float(x))
    }
}

/// The float `r` as an integer if it is one exactly and fits, else as the float (5.4's
/// `pushnumint` in the math library).
#[inline(always)]
pub fn int_if_exact<'gc>(r: f64) -> Value<'gc> {
    match crate::number::float_to_int_exact(r) {
        Some(i) => Value::Int(i),
        None => Value::float(r),
    }
}

/// The lowest and highest addresses of the `NativeDef`s registered here (`usize::MAX` and 0:
/// none): a native outside them is not light, found without a call (the library's light
/// natives lie in one array of definitions, other natives outside it).
static LOWEST: AtomicUsize = AtomicUsize::new(usize::MAX);
/// See [`LOWEST`].
static HIGHEST: AtomicUsize = AtomicUsize::new(0);

/// Whether `def` may be a registered light native (see [`LOWEST`]); [`unary`] and
/// [`binary`] decide.
#[inline(always)]
pub(super) fn may_be_light(def: &'static NativeDef) -> bool {
    let p = def as *const NativeDef as usize;
    p >= LOWEST.load(Ordering::Relaxed) && p <= HIGHEST.load(Ordering::Relaxed)
}

/// Records `def`'s address in [`LOWEST`] and [`HIGHEST`], and in `slot` if it is empty.
fn record(slot: &AtomicUsize, def: &'static NativeDef) {
    let p = def as *const NativeDef as usize;
    if slot
        .compare_exchange(0, p, Ordering::Relaxed, Ordering::Relaxed)
        .is_ok()
    {
        LOWEST.fetch_min(p, Ordering::Relaxed);
        HIGHEST.fetch_max(p, Ordering::Relaxed);
    }
}

/// The address of the `NativeDef` registered for [`Unary::Abs`] (0: none).
static ABS: AtomicUsize = AtomicUsize::new(0);
/// The address of the `NativeDef` registered for [`Unary::Sqrt`] (0: none).
static SQRT: AtomicUsize = AtomicUsize::new(0);
/// The address of the `NativeDef` registered for [`Unary::Floor`] (0: none).
static FLOOR: AtomicUsize = AtomicUsize::new(0);
/// The address of the `NativeDef` registered for [`Unary::Ceil`] (0: none).
static CEIL: AtomicUsize = AtomicUsize::new(0);

/// What a registered light native computes from two arguments (`math.max(a, b)`,
/// `math.min(a, b)`): the native's result for two numbers, charged what the native charges
/// for them (`NATIVE_CALL` and one `MINMAX_ARG`, see [`Binary::CHARGE`]).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Binary {
    /// `math.max`: the second argument if the first is less than it, else the first.
    Max,
    /// `math.min`: the second argument if it is less than the first, else the first.
    Min,
}

impl Binary {
    /// The fuel the native charges beyond `NATIVE_CALL` for two arguments (one comparison).
    pub const CHARGE: i64 = crate::limits::fuel::MINMAX_ARG;

    /// The native's result for two numbers (the first of equal ones, as 5.4's loop over
    /// its arguments keeps it); `None` if either is not a number.
    #[inline(always)]
    pub fn of_numbers<'gc>(self, x: Value<'gc>, y: Value<'gc>) -> Option<Value<'gc>> {
        let (lo, hi) = match self {
            Binary::Max => (x, y),
            Binary::Min => (y, x),
        };
        Some(if super::meta::num_lt(lo, hi)? { y } else { x })
    }
}

/// The address of the `NativeDef` registered for [`Binary::Max`] (0: none).
static MAX: AtomicUsize = AtomicUsize::new(0);
/// The address of the `NativeDef` registered for [`Binary::Min`] (0: none).
static MIN: AtomicUsize = AtomicUsize::new(0);

/// Registers `def` as the native computing `op` for two arguments (as [`register`]). The
/// caller vouches that `def`'s function returns [`Binary::of_numbers`]' value for two
/// numbers, charging [`Binary::CHARGE`] beyond the call.
pub fn register_binary(def: &'static NativeDef, op: Binary) {
    let slot = match op {
        Binary::Max => &MAX,
        Binary::Min => &MIN,
    };
    record(slot, def);
}

/// The result of the light native `def` called with the two arguments `x` and `y`, if `def`
/// is a registered one and both are numbers; `None` otherwise.
#[inline(always)]
pub(super) fn binary<'gc>(
    def: &'static NativeDef,
    x: Value<'gc>,
    y: Value<'gc>,
) -> Option<Value<'gc>> {
    let p = def as *const NativeDef as usize;
    if p == MAX.load(Ordering::Relaxed) {
        Binary::Max.of_numbers(x, y)
    } else if p == MIN.load(Ordering::Relaxed) {
        Binary::Min.of_numbers(x, y)
    } else {
        None
    }
}

/// Registers `def` as the native computing `op` (the same for every VM: the first
/// registration stays). The caller vouches that `def`'s function returns exactly
/// [`Unary::of_number`]'s value for a number argument (the math library computes with it).
pub fn register(def: &'static NativeDef, op: Unary) {
    let slot = match op {
        Unary::Abs => &ABS,
        Unary::Sqrt => &SQRT,
        Unary::Floor => &FLOOR,
        Unary::Ceil => &CEIL,
    };
    record(slot, def);
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
    } else if p == FLOOR.load(Ordering::Relaxed) {
        Unary::Floor.of_number(x)
    } else if p == CEIL.load(Ordering::Relaxed) {
        Unary::Ceil.of_number(x)
    } else {
        None
    }
}
