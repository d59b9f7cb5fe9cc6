//! The interpreter's small loop: the common cases of the common instructions, with few
//! values live across it.
//!
//! # Design
//! `interp::execute` handles every instruction in every case, and is so large that the
//! register allocator keeps its loop's state (`pc`, the fuel counter, the code's bounds, the
//! stack) in stack slots: ~20 instructions of dispatch per bytecode, and ~5 more per
//! register access. [`hot`] does only what calls nothing: integer and float arithmetic and
//! comparisons, moves and constants, jumps and numeric `for` loops, upvalues, and table
//! reads and writes that hit at once (a constant key at its position hint, an integer key
//! in the array part). With no call in its loop, its state (the code, `pc`, the fuel, the
//! registers) stays in registers.
//!
//! Anything else *bails*: `hot` returns before the instruction, having changed nothing for
//! it (its fuel not charged, `pc` on it), and `execute` runs it. So every instruction
//! behaves exactly as `execute` makes it behave, errors and their messages included; `hot`
//! is only a shortcut for some of its cases, charging the same fuel (one unit per
//! instruction) at the same points. It never runs while a hook is set.
//!
//! Entering and leaving `hot` costs about as much as a few instructions save in it, so
//! `execute` enters it only at a loop's head (after a backward jump) when the next
//! instructions are ones it runs ([`worth`]), and passes a loop by for a while when `hot`
//! stopped there at once ([`cool`]): straight-line code between calls, and loops that need
//! `execute` at every turn, stay in `execute`. Measured with callgrind (fast profile, the
//! bench programs): integer and float loops −22–26% instructions, array loops −16%, call-
//! and allocation-heavy programs within ±3%.

use std::cell::Cell;

use gc_arena::lock::Lock;
use gc_arena::{Gc, Mutation};

use super::closure::{ClosureData, UpState, Upvalue};
use super::meta::{self, ArithOp};
use super::thread::Thread;
use super::value::Value;
use crate::compiler::opcodes::Op;
use crate::limits::fuel as fuelc;
use crate::number;

/// How many instructions [`hot`] must be able to run from a loop's head for `execute` to
/// enter it there (entering and leaving cost about as much as that many instructions save).
const WORTH: usize = 5;

/// Times `execute` passes a loop's head without entering [`hot`] after it found the loop
/// not worth it ([`cool`]): a loop that needs `execute` at every turn (a call, a store of a
/// new key) then pays for the test only once in this many turns.
pub(super) const COOLDOWN: u32 = 64;

/// Whether `execute` should enter [`hot`] at `pc`, the head of a loop: the next [`WORTH`]
/// instructions are ones it runs (a loop whose body calls a function soon stays in
/// `execute`).
#[inline]
pub(super) fn worth(code: &[Op], pc: usize) -> bool {
    code.get(pc..pc + WORTH)
        .is_some_and(|ops| ops.iter().all(|&op| runs(op)))
}

/// Whether `execute` should enter [`hot`] at `pc`, just after a native call returned (in
/// the middle of a loop's body, say after a `sqrt`): the next [`WORTH_AFTER_CALL`]
/// instructions are ones it runs. (A longer run than at a loop's head: this test is paid
/// on every native call, and the loop's head enters `hot` anyway.)
#[inline]
pub(super) fn worth_after_call(code: &[Op], pc: usize) -> bool {
    code.get(pc..pc + WORTH_AFTER_CALL)
        .is_some_and(|ops| ops.iter().all(|&op| runs(op)))
}

/// See [`worth_after_call`].
const WORTH_AFTER_CALL: usize = 8;

/// Whether `execute` should not try [`hot`] at a loop's head for a while ([`COOLDOWN`]),
/// after `hot` ran `ran` instructions from it (-1: not entered, [`worth`] said no) and
/// stopped at `pc`: it was not entered, or it stopped soon on an instruction it runs in
/// other cases (a case it leaves to `execute`, such as a store of a new key), so the loop
/// likely needs `execute` at every turn. (Stopping on an instruction it never runs, a call
/// or the code after the loop, says nothing against the loop.)
#[inline]
pub(super) fn cool(code: &[Op], pc: usize, ran: i64) -> bool {
    ran < 0 || (ran < 2 * WORTH as i64 && code.get(pc).is_some_and(|&op| runs(op)))
}

/// Runs [`hot`] on the Lua frame of `cdata` whose registers start at `stack[base]`: the
/// `pc` and fuel where it stopped (unchanged if the stack is shorter than `base`).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(super) fn enter<'gc>(
    mc: &'gc Mutation<'gc>,
    thread: Thread<'gc>,
    cdata: &'gc ClosureData<'gc>,
    stack: &mut [Value<'gc>],
    base: usize,
    code: &[Op],
    pc: usize,
    fuel: i64,
) -> (usize, i64) {
    let fp = Gc::as_ref(cdata.proto);
    let env = Env {
        mc,
        thread,
        base,
        consts: &fp.constants,
        hints: &fp.key_hints,
        upvals: &cdata.upvalues,
    };
    match stack.get_mut(base..) {
        Some(regs) => hot(&env, regs, code, pc, fuel),
        None => (pc, fuel),
    }
}

/// Whether [`hot`] may run `op` (in its common case).
#[inline(always)]
pub(super) fn runs(op: Op) -> bool {
    !matches!(
        op,
        Op::LoadKX { .. }
            | Op::SetTabUpK { .. }
            | Op::SetTableK { .. }
            | Op::NewTable { .. }
            | Op::SetUpval { .. }
            | Op::Concat { .. }
            | Op::Close { .. }
            | Op::Tbc { .. }
            | Op::Call { .. }
            | Op::TailCall { .. }
            | Op::Return { .. }
            | Op::Return0 { .. }
            | Op::Return1 { .. }
            | Op::ForPrep { .. }
            | Op::TForPrep { .. }
            | Op::TForCall { .. }
            | Op::SetList { .. }
            | Op::Closure { .. }
            | Op::Vararg { .. }
            | Op::ExtraArg { .. }
    )
}

/// What [`hot`] reads besides its registers and code: loaded where used, not kept in
/// registers across its loop.
struct Env<'a, 'gc> {
    mc: &'gc Mutation<'gc>,
    thread: Thread<'gc>,
    base: usize,
    consts: &'gc [Value<'gc>],
    hints: &'gc [Cell<u32>],
    upvals: &'a [Lock<Upvalue<'gc>>],
}

/// Runs the instructions that call nothing (or only on a rare path) from `pc` with `f` fuel
/// left, and returns the `pc` and fuel where it stopped: before an instruction, or a case of
/// one, that it leaves to `execute` (not charged yet), or out of fuel. With no calls in its
/// loop, its few live values (the code, `pc`, the fuel, the registers) stay in registers:
/// that is the whole point of this function, so keep calls out of it.
#[inline(never)]
fn hot<'gc>(
    env: &Env<'_, 'gc>,
    regs: &mut [Value<'gc>],
    code: &[Op],
    mut pc: usize,
    mut f: i64,
) -> (usize, i64) {
    macro_rules! bail {
        () => {{
            return (pc - 1, f + fuelc::INSTRUCTION);
        }};
    }
    macro_rules! r {
        ($i:expr) => {
            regs[$i as usize]
        };
    }
    macro_rules! kst {
        ($i:expr) => {
            env.consts.get($i as usize).copied().unwrap_or(Value::Nil)
        };
    }
    macro_rules! jump_next {
        () => {{
            match code.get(pc) {
                Some(Op::Jmp { sj }) => pc = (pc as i64 + 1 + sj.get() as i64) as usize,
                _ => bail!(),
            }
        }};
    }
    macro_rules! cond_jump {
        ($cond:expr, $k:expr) => {{
            if $cond != $k {
                pc += 1;
            } else {
                jump_next!();
            }
        }};
    }
    macro_rules! arith {
        ($a:expr, $x:expr, $y:expr, $iop:expr, $fop:expr) => {{
            let v = match ($x, $y) {
                (Value::Int(a), Value::Int(b)) => Value::Int($iop(a, b)),
                (Value::Float(a), Value::Float(b)) => Value::float($fop(a.get(), b.get())),
                (Value::Int(a), Value::Float(b)) => Value::float($fop(a as f64, b.get())),
                (Value::Float(a), Value::Int(b)) => Value::float($fop(a.get(), b as f64)),
                _ => bail!(),
            };
            r!($a) = v;
        }};
    }
    // `/` and `^` (float results), `%` and `//` (integer case with a positive divisor).
    macro_rules! arith_f {
        ($a:expr, $x:expr, $y:expr, $op:expr) => {{
            let v = match ($x, $y) {
                (Value::Int(a), Value::Int(b)) => {
                    if matches!($op, ArithOp::Mod | ArithOp::IDiv) {
                        if b <= 0 {
                            bail!()
                        }
                        if matches!($op, ArithOp::Mod) {
                            Value::Int(a.rem_euclid(b))
                        } else {
                            Value::Int(a.div_euclid(b))
                        }
                    } else {
                        Value::float(meta::float_arith($op, a as f64, b as f64))
                    }
                }
                (Value::Float(a), Value::Float(b)) => {
                    Value::float(meta::float_arith($op, a.get(), b.get()))
                }
                (Value::Int(a), Value::Float(b)) => {
                    Value::float(meta::float_arith($op, a as f64, b.get()))
                }
                (Value::Float(a), Value::Int(b)) => {
                    Value::float(meta::float_arith($op, a.get(), b as f64))
                }
                _ => bail!(),
            };
            r!($a) = v;
        }};
    }
    macro_rules! bitwise {
        ($a:expr, $x:expr, $y:expr, $iop:expr) => {{
            let v = match ($x, $y) {
                (Value::Int(a), Value::Int(b)) => Value::Int($iop(a, b)),
                _ => bail!(),
            };
            r!($a) = v;
        }};
    }
    macro_rules! compare {
        ($x:expr, $y:expr, $le:expr, $k:expr) => {{
            let fast = if $le {
                meta::num_le($x, $y)
            } else {
                meta::num_lt($x, $y)
            };
            match fast {
                Some(res) => cond_jump!(res, $k),
                None => bail!(),
            }
        }};
    }
    macro_rules! upval {
        ($i:expr) => {
            match env.upvals.get($i as usize) {
                Some(u) => u.get(),
                None => bail!(),
            }
        };
    }
    // An upvalue's value if it is closed or a register of this frame.
    macro_rules! upval_get {
        ($uv:expr) => {
            match $uv.get() {
                UpState::Closed(v) => v,
                UpState::Open { thread: t, slot }
                    if t == env.thread && slot as usize >= env.base =>
                {
                    match regs.get(slot as usize - env.base) {
                        Some(&v) => v,
                        None => bail!(),
                    }
                }
                _ => bail!(),
            }
        };
    }
    macro_rules! get_field {
        ($a:expr, $obj:expr, $c:expr) => {{
            let v = match ($obj, kst!($c), env.hints.get($c as usize)) {
                (Value::Table(t), Value::Str(s), Some(hint)) => match t.probe_field(s, hint) {
                    Some(v) => v,
                    None => bail!(),
                },
                _ => bail!(),
            };
            r!($a) = v;
        }};
    }
    macro_rules! get_int {
        ($a:expr, $obj:expr, $i:expr) => {{
            let v = match $obj {
                Value::Table(t) => match t.probe_int($i) {
                    Some(v) => v,
                    None => bail!(),
                },
                _ => bail!(),
            };
            r!($a) = v;
        }};
    }
    macro_rules! set_field {
        ($obj:expr, $b:expr, $val:expr) => {{
            let done = match ($obj, kst!($b), env.hints.get($b as usize)) {
                (Value::Table(t), Value::Str(s), Some(hint)) => {
                    t.probe_set_field(env.mc, s, hint, $val)
                }
                _ => false,
            };
            if !done {
                bail!()
            }
        }};
    }
    macro_rules! set_int {
        ($obj:expr, $i:expr, $val:expr) => {{
            let done = match $obj {
                Value::Table(t) => t.probe_set_int(env.mc, $i, $val),
                _ => false,
            };
            if !done {
                bail!()
            }
        }};
    }
    loop {
        if f <= 0 {
            return (pc, f);
        }
        let Some(&op) = code.get(pc) else {
            return (pc, f);
        };
        f -= fuelc::INSTRUCTION;
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
            Op::GetUpval { a, b } => {
                let uv = upval!(b);
                r!(a) = upval_get!(uv);
            }
            Op::GetTabUp { a, b, c } => {
                let uv = upval!(b);
                let obj = upval_get!(uv);
                get_field!(a, obj, c);
            }
            Op::GetTable { a, b, c } => match r!(c) {
                Value::Int(i) => get_int!(a, r!(b), i),
                _ => bail!(),
            },
            Op::GetI { a, b, c } => get_int!(a, r!(b), c as i64),
            Op::GetField { a, b, c } => get_field!(a, r!(b), c),
            Op::SelfK { a, b, c } => {
                let obj = r!(b);
                get_field!(a, obj, c);
                r!(a as usize + 1) = obj;
            }
            Op::SetTabUp { a, b, c } => {
                let uv = upval!(a);
                let obj = upval_get!(uv);
                set_field!(obj, b, r!(c));
            }
            Op::SetTable { a, b, c } => match r!(b) {
                Value::Int(i) => set_int!(r!(a), i, r!(c)),
                _ => bail!(),
            },
            Op::SetI { a, b, c } => set_int!(r!(a), b as i64, r!(c)),
            Op::SetIK { a, b, c } => set_int!(r!(a), b as i64, kst!(c)),
            Op::SetField { a, b, c } => set_field!(r!(a), b, r!(c)),
            Op::SetFieldK { a, b, c } => set_field!(r!(a), b, kst!(c)),
            Op::AddI { a, b, sc } => arith!(
                a,
                r!(b),
                Value::Int(sc as i64),
                |x: i64, y: i64| x.wrapping_add(y),
                |x: f64, y: f64| x + y
            ),
            Op::AddK { a, b, c } => arith!(
                a,
                r!(b),
                kst!(c),
                |x: i64, y: i64| x.wrapping_add(y),
                |x: f64, y: f64| x + y
            ),
            Op::SubK { a, b, c } => arith!(
                a,
                r!(b),
                kst!(c),
                |x: i64, y: i64| x.wrapping_sub(y),
                |x: f64, y: f64| x - y
            ),
            Op::MulK { a, b, c } => arith!(
                a,
                r!(b),
                kst!(c),
                |x: i64, y: i64| x.wrapping_mul(y),
                |x: f64, y: f64| x * y
            ),
            Op::ModK { a, b, c } => arith_f!(a, r!(b), kst!(c), ArithOp::Mod),
            Op::PowK { a, b, c } => arith_f!(a, r!(b), kst!(c), ArithOp::Pow),
            Op::DivK { a, b, c } => arith_f!(a, r!(b), kst!(c), ArithOp::Div),
            Op::IDivK { a, b, c } => arith_f!(a, r!(b), kst!(c), ArithOp::IDiv),
            Op::BAndK { a, b, c } => bitwise!(a, r!(b), kst!(c), |x: i64, y: i64| x & y),
            Op::BOrK { a, b, c } => bitwise!(a, r!(b), kst!(c), |x: i64, y: i64| x | y),
            Op::BXorK { a, b, c } => bitwise!(a, r!(b), kst!(c), |x: i64, y: i64| x ^ y),
            Op::ShrI { a, b, sc } => bitwise!(a, r!(b), Value::Int(sc as i64), |x: i64, y: i64| {
                number::shift_left(x, y.wrapping_neg())
            }),
            Op::ShlI { a, b, sc } => bitwise!(a, Value::Int(sc as i64), r!(b), |x: i64, y: i64| {
                number::shift_left(x, y)
            }),
            Op::Add { a, b, c } => arith!(
                a,
                r!(b),
                r!(c),
                |x: i64, y: i64| x.wrapping_add(y),
                |x: f64, y: f64| x + y
            ),
            Op::Sub { a, b, c } => arith!(
                a,
                r!(b),
                r!(c),
                |x: i64, y: i64| x.wrapping_sub(y),
                |x: f64, y: f64| x - y
            ),
            Op::Mul { a, b, c } => arith!(
                a,
                r!(b),
                r!(c),
                |x: i64, y: i64| x.wrapping_mul(y),
                |x: f64, y: f64| x * y
            ),
            Op::Mod { a, b, c } => arith_f!(a, r!(b), r!(c), ArithOp::Mod),
            Op::Pow { a, b, c } => arith_f!(a, r!(b), r!(c), ArithOp::Pow),
            Op::Div { a, b, c } => arith_f!(a, r!(b), r!(c), ArithOp::Div),
            Op::IDiv { a, b, c } => arith_f!(a, r!(b), r!(c), ArithOp::IDiv),
            Op::BAnd { a, b, c } => bitwise!(a, r!(b), r!(c), |x: i64, y: i64| x & y),
            Op::BOr { a, b, c } => bitwise!(a, r!(b), r!(c), |x: i64, y: i64| x | y),
            Op::BXor { a, b, c } => bitwise!(a, r!(b), r!(c), |x: i64, y: i64| x ^ y),
            Op::Shl { a, b, c } => bitwise!(a, r!(b), r!(c), |x: i64, y: i64| {
                number::shift_left(x, y)
            }),
            Op::Shr { a, b, c } => bitwise!(a, r!(b), r!(c), |x: i64, y: i64| {
                number::shift_left(x, y.wrapping_neg())
            }),
            Op::Unm { a, b } => {
                let v = match r!(b) {
                    Value::Int(i) => Value::Int(i.wrapping_neg()),
                    Value::Float(x) => Value::float(-x.get()),
                    _ => bail!(),
                };
                r!(a) = v;
            }
            Op::BNot { a, b } => {
                let v = match r!(b) {
                    Value::Int(i) => Value::Int(!i),
                    _ => bail!(),
                };
                r!(a) = v;
            }
            Op::Not { a, b } => r!(a) = Value::boolean(!r!(b).truthy()),
            Op::Len { a, b } => {
                let v = match r!(b) {
                    Value::Str(s) => Value::Int(s.len() as i64),
                    _ => bail!(),
                };
                r!(a) = v;
            }
            Op::Jmp { sj } => pc = (pc as i64 + sj.get() as i64) as usize,
            Op::Eq { a, b, k } => {
                let res = match (r!(a), r!(b)) {
                    (Value::Int(p), Value::Int(q)) => p == q,
                    (Value::Float(p), Value::Float(q)) => p.get() == q.get(),
                    (Value::Str(p), Value::Str(q)) if Gc::ptr_eq(p.0, q.0) => true,
                    (Value::Nil, Value::Nil)
                    | (Value::False, Value::False)
                    | (Value::True, Value::True) => true,
                    (Value::Nil | Value::False | Value::True, _)
                    | (_, Value::Nil | Value::False | Value::True) => false,
                    _ => bail!(),
                };
                cond_jump!(res, k);
            }
            Op::Lt { a, b, k } => compare!(r!(a), r!(b), false, k),
            Op::Le { a, b, k } => compare!(r!(a), r!(b), true, k),
            Op::EqK { a, b, k } => {
                let res = match (r!(a), kst!(b)) {
                    (Value::Int(p), Value::Int(q)) => p == q,
                    (Value::Str(p), Value::Str(q)) if Gc::ptr_eq(p.0, q.0) => true,
                    (Value::Nil, Value::Nil)
                    | (Value::False, Value::False)
                    | (Value::True, Value::True) => true,
                    (Value::Nil | Value::False | Value::True, _)
                    | (_, Value::Nil | Value::False | Value::True) => false,
                    _ => bail!(),
                };
                cond_jump!(res, k);
            }
            Op::EqI { a, sb, flags } => {
                let res = match r!(a) {
                    Value::Int(i) => i == sb as i64,
                    Value::Float(x) => x.get() == sb as f64,
                    _ => false,
                };
                cond_jump!(res, flags & 1 != 0);
            }
            Op::LtI { a, sb, flags } => {
                let res = match r!(a) {
                    Value::Int(i) => i < sb as i64,
                    Value::Float(x) => x.get() < sb as f64,
                    _ => bail!(),
                };
                cond_jump!(res, flags & 1 != 0);
            }
            Op::LeI { a, sb, flags } => {
                let res = match r!(a) {
                    Value::Int(i) => i <= sb as i64,
                    Value::Float(x) => x.get() <= sb as f64,
                    _ => bail!(),
                };
                cond_jump!(res, flags & 1 != 0);
            }
            Op::GtI { a, sb, flags } => {
                let res = match r!(a) {
                    Value::Int(i) => i > sb as i64,
                    Value::Float(x) => x.get() > sb as f64,
                    _ => bail!(),
                };
                cond_jump!(res, flags & 1 != 0);
            }
            Op::GeI { a, sb, flags } => {
                let res = match r!(a) {
                    Value::Int(i) => i >= sb as i64,
                    Value::Float(x) => x.get() >= sb as f64,
                    _ => bail!(),
                };
                cond_jump!(res, flags & 1 != 0);
            }
            Op::Test { a, k } => {
                let c = r!(a).truthy();
                cond_jump!(c, k);
            }
            Op::TestSet { a, b, k } => {
                let v = r!(b);
                if v.truthy() != k {
                    pc += 1;
                } else {
                    r!(a) = v;
                    jump_next!();
                }
            }
            Op::ForLoop { a, bx } => {
                let ra = a as usize;
                let Some(fs) = regs.get_mut(ra..ra + 4) else {
                    bail!()
                };
                match (fs[0], fs[1], fs[2]) {
                    (Value::Int(idx), Value::Int(count), Value::Int(step)) => {
                        if count as u64 > 0 {
                            let idx = idx.wrapping_add(step);
                            fs[1] = Value::Int((count as u64 - 1) as i64);
                            fs[0] = Value::Int(idx);
                            fs[3] = Value::Int(idx);
                            pc -= bx as usize;
                        }
                    }
                    (Value::Float(idx), Value::Float(limit), Value::Float(step)) => {
                        let (step, limit) = (step.get(), limit.get());
                        let idx = idx.get() + step;
                        if if 0.0 < step {
                            idx <= limit
                        } else {
                            limit <= idx
                        } {
                            fs[0] = Value::float(idx);
                            fs[3] = Value::float(idx);
                            pc -= bx as usize;
                        }
                    }
                    _ => bail!(),
                }
            }
            Op::TForLoop { a, bx } => {
                let ra = a as usize;
                let v = r!(ra + 4);
                if !v.is_nil() {
                    r!(ra + 2) = v;
                    pc -= bx as usize;
                }
            }
            _ => bail!(),
        }
    }
}
