//! A call of a small Lua function made without its frame, all or nothing: a `sort`
//! comparator (`function(a, b) return a.key < b.key end`) called again and again by a native.
//!
//! # Design
//! A native's call of a Lua function goes through a frame pushed on the stack, `execute`'s way
//! in, its dispatch, its return and the native's continuation (see `callback`): ~500 machine
//! instructions around a comparator of five instructions. [`call`] runs such a function on a
//! few registers of its own instead, and only the instructions that have no effect but on
//! those registers and the fuel (moves, constants, upvalue and field reads that hit,
//! comparisons of numbers and strings, tests, forward jumps, `Return1`), each exactly as
//! `execute` runs it: the same result, the same fuel (one unit per instruction, a string
//! comparison's length charge), the same reads (a field read through the constant's position
//! hint, which may move the hint: a cache, as in `execute`).
//!
//! Anything else (another instruction, a case `execute` would take a slower path for: a
//! metamethod, an error, a table read that misses) and running out of fuel *bail*: [`call`]
//! answers `None` and has changed nothing that the call made the usual way would not change
//! in the same way (the fuel it charged is given back; the only other writes are the
//! position hints). The caller then makes the call the usual way, from its start, which
//! runs the same instructions again (a bail costs a comparator's few instructions twice).
//! No frame is ever seen by anything else: nothing runs between the call's start and its
//! end, no snapshot, no hook (the caller makes sure none is set), no collection.

use super::closure::Closure;
use super::meta;
use super::ops::{long_compare_cost, upval_get};
use super::state::Ctx;
use super::thread::{Thread, ThreadState};
use super::value::Value;
use crate::compiler::opcodes::Op;
use crate::limits::fuel::{self as fuelc, Fuel};

/// The registers [`call`] has: a function needing more is called the usual way. (A power of
/// two: a register operand masked by `REGS - 1` indexes them without a bounds check, and is
/// unchanged, as the operands of a function with at most `REGS` registers are below it.)
pub(super) const REGS: usize = 8;

/// Whether [`call`] may run a call of `cl` with two arguments at all (its frame would be a
/// fixed-parameter one of at most [`REGS`] registers).
#[inline]
pub(super) fn fits(cl: Closure<'_>) -> bool {
    let p = cl.proto();
    !p.is_vararg && p.num_params <= 2 && p.max_stack >= 1 && (p.max_stack as usize) <= REGS
}

/// Runs the Lua function `cl` (see [`fits`]) called with `args`, its frame as `execute` would
/// run it (registers 0 and 1 the arguments, the others nil), charging `fuel` for its
/// instructions, and returns its first result and how many it returned (0 or 1); `None`, with
/// `fuel` as it was, if it bails (see the module docs). The call's own charge (`CALL_FROM_NATIVE`) is the caller's.
#[inline(never)]
pub(super) fn call<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &ThreadState<'gc>,
    cl: Closure<'gc>,
    args: [Value<'gc>; 2],
    fuel: &mut Fuel,
) -> Option<(Value<'gc>, usize)> {
    let mut f = *fuel;
    let v = run(ctx, thread, ts, cl, args, &mut f)?;
    *fuel = f;
    Some(v)
}

/// [`call`] on its own fuel counter (given up when it bails).
#[inline(always)]
fn run<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &ThreadState<'gc>,
    cl: Closure<'gc>,
    args: [Value<'gc>; 2],
    fuel: &mut Fuel,
) -> Option<(Value<'gc>, usize)> {
    let cdata = gc_arena::Gc::as_ref(cl.0);
    let fp = gc_arena::Gc::as_ref(cdata.proto);
    let code: &[Op] = &fp.proto.code;
    let mut pc = 0usize;
    let mut regs = [Value::Nil; REGS];
    regs[0] = args[0];
    regs[1] = args[1];
    macro_rules! r {
        ($i:expr) => {
            regs[($i as usize) & (REGS - 1)]
        };
    }
    macro_rules! kst {
        ($i:expr) => {
            fp.constants.get($i as usize).copied().unwrap_or(Value::Nil)
        };
    }
    macro_rules! upval {
        ($i:expr) => {
            upval_get(thread, ts, cdata.upvalues.get($i as usize)?.get())
        };
    }
    // `execute`'s `get_field!` when it calls nothing (a hit, or a miss with no metatable).
    macro_rules! get_field {
        ($a:expr, $obj:expr, $c:expr) => {{
            let (obj, key) = ($obj, kst!($c));
            let v = match (obj, key, fp.key_hints.get($c as usize)) {
                (Value::Table(t), Value::Str(s), Some(hint)) => t.get_field(ctx, s, hint, fuel)?,
                (Value::Table(t), _, _) => {
                    let (v, has_meta) = t.get_and_meta(ctx.mc, key);
                    if v.is_nil() && has_meta {
                        return None;
                    }
                    v
                }
                _ => return None,
            };
            r!($a) = v;
        }};
    }
    // `execute`'s `get_int!` when it calls nothing.
    macro_rules! get_int {
        ($a:expr, $obj:expr, $i:expr) => {{
            let v = match $obj {
                Value::Table(t) => t.get_index_int(ctx.mc, $i)?,
                _ => return None,
            };
            r!($a) = v;
        }};
    }
    // `execute`'s `cond_jump!`: the `Jmp` after a test is taken with it, not charged. (A
    // backward one bails: a loop could run long before bailing, all of it to run again.)
    macro_rules! cond_jump {
        ($cond:expr, $k:expr) => {{
            if $cond != $k {
                pc += 1;
            } else {
                match code.get(pc) {
                    Some(Op::Jmp { sj }) if sj.get() >= 0 => pc += 1 + sj.get() as usize,
                    _ => return None,
                }
            }
        }};
    }
    // `execute`'s `compare!` when it calls nothing (numbers, or two strings).
    macro_rules! compare {
        ($x:expr, $y:expr, $le:expr, $k:expr) => {{
            let (x, y) = ($x, $y);
            let fast = if $le {
                meta::num_le(x, y)
            } else {
                meta::num_lt(x, y)
            };
            let res = match (fast, x, y) {
                (Some(b), _, _) => b,
                (None, Value::Str(p), Value::Str(q)) => {
                    fuel.charge(long_compare_cost(p.len().min(q.len())));
                    match meta::less(ctx, x, y, $le) {
                        Ok(meta::Meta::Done(b)) => b,
                        _ => return None,
                    }
                }
                _ => return None,
            };
            cond_jump!(res, $k);
        }};
    }
    loop {
        // (As `execute`: out of fuel before an instruction, it stops there.)
        if fuel.is_exhausted() {
            return None;
        }
        fuel.charge_unexhausted(fuelc::INSTRUCTION);
        let op = *code.get(pc)?;
        pc += 1;
        match op {
            Op::Move { a, b } => r!(a) = r!(b),
            Op::LoadI { a, sbx } => r!(a) = Value::Int(sbx as i64),
            Op::LoadF { a, sbx } => r!(a) = Value::float(sbx as f64),
            Op::LoadK { a, bx } => r!(a) = kst!(bx),
            Op::LoadFalse { a } => r!(a) = Value::False,
            Op::LFalseSkip { a } => {
                r!(a) = Value::False;
                pc += 1;
            }
            Op::LoadTrue { a } => r!(a) = Value::True,
            Op::LoadNil { a, b } => {
                for i in 0..=b as usize {
                    r!(a as usize + i) = Value::Nil;
                }
            }
            Op::GetUpval { a, b } => r!(a) = upval!(b),
            Op::GetTabUp { a, b, c } => {
                let obj = upval!(b);
                get_field!(a, obj, c);
            }
            Op::GetField { a, b, c } => get_field!(a, r!(b), c),
            Op::GetI { a, b, c } => get_int!(a, r!(b), c as i64),
            Op::GetTable { a, b, c } => match r!(c) {
                Value::Int(i) => get_int!(a, r!(b), i),
                _ => return None,
            },
            Op::Not { a, b } => r!(a) = Value::boolean(!r!(b).truthy()),
            Op::Jmp { sj } if sj.get() >= 0 => pc += sj.get() as usize,
            Op::Eq { a, b, k } => {
                let (x, y) = (r!(a), r!(b));
                let res = match (x, y) {
                    (Value::Int(p), Value::Int(q)) => p == q,
                    (Value::Str(p), Value::Str(q)) => {
                        if p.len() == q.len() && !gc_arena::Gc::ptr_eq(p.0, q.0) {
                            fuel.charge(long_compare_cost(p.len()));
                        }
                        p == q
                    }
                    (Value::Table(_), Value::Table(_))
                    | (Value::Userdata(_), Value::Userdata(_)) => return None,
                    _ => x.raw_eq(y),
                };
                cond_jump!(res, k);
            }
            Op::Lt { a, b, k } => compare!(r!(a), r!(b), false, k),
            Op::Le { a, b, k } => compare!(r!(a), r!(b), true, k),
            Op::EqK { a, b, k } => {
                let res = r!(a).raw_eq(kst!(b));
                cond_jump!(res, k);
            }
            Op::Test { a, k } => {
                let c = r!(a).truthy();
                cond_jump!(c, k);
            }
            Op::Return1 { a } => return Some((r!(a), 1)),
            Op::Return0 {} => return Some((Value::Nil, 0)),
            _ => return None,
        }
    }
}
