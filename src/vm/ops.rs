//! The parts of single instructions that are not dispatch: upvalue access, numeric `for`
//! preparation, string concatenation, closure creation, `SetList`, and the wording of
//! operand errors. `interp` calls these from its loop; keeping them apart keeps the loop
//! itself readable.

use gc_arena::Gc;

use super::closure::{Closure, ClosureData, UpState, Upvalue, UpvalueExt};
use super::convert;
use super::error::{LuaError, LuaResult};
use super::exec::{drive, find_upvalue, Flow, Todo};
use super::meta::{self, ArithError, MetaCall};
use super::state::{Ctx, Tm};
use super::thread::{Frame, Thread, ThreadState};
use super::value::Value;
use crate::compiler::opcodes::Op;
use crate::limits::fuel as fuelc;
use crate::limits::fuel::Fuel;
use crate::number;

/// Reads an upvalue.
#[inline]
pub(super) fn upval_get<'gc>(
    thread: Thread<'gc>,
    ts: &ThreadState<'gc>,
    uv: Upvalue<'gc>,
) -> Value<'gc> {
    match uv.get() {
        UpState::Closed(v) => v,
        UpState::Open { thread: t, slot } => {
            if t == thread {
                ts.stack.get(slot as usize).copied().unwrap_or(Value::Nil)
            } else {
                t.borrow()
                    .stack
                    .get(slot as usize)
                    .copied()
                    .unwrap_or(Value::Nil)
            }
        }
    }
}

/// Writes an upvalue.
#[inline]
pub(super) fn upval_set<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    uv: Upvalue<'gc>,
    v: Value<'gc>,
) {
    match uv.get() {
        UpState::Closed(_) => uv.set(ctx.mc, UpState::Closed(v)),
        UpState::Open { thread: t, slot } => {
            if t == thread {
                if let Some(s) = ts.stack.get_mut(slot as usize) {
                    *s = v;
                }
            } else if let Some(s) = t.borrow_mut(ctx.mc).stack.get_mut(slot as usize) {
                *s = v;
            }
        }
    }
}

/// " (kind 'name')" for a register, or "".
pub(super) fn reg_info(proto: &crate::compiler::Proto, pc: usize, reg: u8) -> String {
    match proto.describe_register(pc, reg) {
        Some((kind, name)) => format!(" ({} '{}')", kind, String::from_utf8_lossy(&name)),
        None => String::new(),
    }
}

/// " (upvalue 'name')" for an upvalue index.
pub(super) fn upval_info(proto: &crate::compiler::Proto, idx: u8) -> String {
    match proto.upvalues.get(idx as usize) {
        Some(d) => format!(" (upvalue '{}')", String::from_utf8_lossy(&d.name)),
        None => String::new(),
    }
}

#[cold]
#[inline(never)]
pub(super) fn type_error<'gc>(
    ctx: Ctx<'gc>,
    what: &str,
    v: Value<'gc>,
    info: String,
) -> LuaError<'gc> {
    LuaError::rt(format!(
        "attempt to {} a {} value{}",
        what,
        convert::type_name_for_msg(ctx, v),
        info
    ))
}

#[cold]
#[inline(never)]
pub(super) fn arith_error<'gc>(
    ctx: Ctx<'gc>,
    e: ArithError,
    operands: [Value<'gc>; 2],
    infos: [String; 2],
) -> LuaError<'gc> {
    let [i0, i1] = infos;
    let pick = |i: usize| {
        if i == 0 {
            (operands[0], i0.clone())
        } else {
            (operands[1], i1.clone())
        }
    };
    match e {
        ArithError::Arith(i) => {
            let (v, info) = pick(i);
            type_error(ctx, "perform arithmetic on", v, info)
        }
        ArithError::Bitwise(i) => {
            let (v, info) = pick(i);
            type_error(ctx, "perform bitwise operation on", v, info)
        }
        ArithError::NoInteger(i) => {
            let (_, info) = pick(i);
            LuaError::rt(format!("number{info} has no integer representation"))
        }
    }
}

/// An integer loop's iteration count after the first (`forprep`'s `count`), or `None` when
/// the loop runs no iteration (`step` is not 0). The small loop's `ForPrep` and
/// [`for_prep`] both use it.
#[inline(always)]
pub(super) fn int_for_count(init: i64, limit: i64, step: i64) -> Option<i64> {
    if if step > 0 { init > limit } else { init < limit } {
        return None;
    }
    let count = if step > 0 {
        let c = (limit as u64).wrapping_sub(init as u64);
        if step != 1 {
            c / step as u64
        } else {
            c
        }
    } else {
        let c = (init as u64).wrapping_sub(limit as u64);
        c / ((-(step + 1)) as u64 + 1)
    };
    Some(count as i64)
}

/// Prepares a numeric `for` loop (Lua's `forprep`); returns `true` if the loop must be skipped.
pub(super) fn for_prep<'gc>(ctx: Ctx<'gc>, r: &mut [Value<'gc>]) -> LuaResult<'gc, bool> {
    let for_error = |what: &str, v: Value<'gc>| {
        LuaError::rt(format!(
            "bad 'for' {} (number expected, got {})",
            what,
            convert::type_name_for_msg(ctx, v)
        ))
    };
    if let (Value::Int(init), Value::Int(step)) = (r[0], r[2]) {
        if step == 0 {
            return Err(LuaError::rt("'for' step is zero"));
        }
        r[3] = Value::Int(init);
        // forlimit: the limit as an integer, clipping floats.
        let limit = match r[1] {
            Value::Int(l) => l,
            lim => {
                let f = match convert::to_number(lim) {
                    Some(Value::Int(l)) => l as f64,
                    Some(Value::Float(f)) => f.get(),
                    _ => return Err(for_error("limit", lim)),
                };
                if let Value::Int(l) = convert::to_number(lim).unwrap_or(Value::Nil) {
                    l
                } else {
                    let fl = if step < 0 { f.ceil() } else { f.floor() };
                    match number::float_to_int_exact(fl) {
                        Some(l) => l,
                        None if f.is_nan() => return Ok(true),
                        None if f > 0.0 => {
                            if step < 0 {
                                return Ok(true);
                            }
                            i64::MAX
                        }
                        None => {
                            if step > 0 {
                                return Ok(true);
                            }
                            i64::MIN
                        }
                    }
                }
            }
        };
        match int_for_count(init, limit, step) {
            None => Ok(true),
            Some(count) => {
                r[1] = Value::Int(count);
                Ok(false)
            }
        }
    } else {
        let limit = convert::to_float(r[1]).ok_or_else(|| for_error("limit", r[1]))?;
        let step = convert::to_float(r[2]).ok_or_else(|| for_error("step", r[2]))?;
        let init = convert::to_float(r[0]).ok_or_else(|| for_error("initial value", r[0]))?;
        if step == 0.0 {
            return Err(LuaError::rt("'for' step is zero"));
        }
        if if 0.0 < step {
            limit < init
        } else {
            init < limit
        } {
            return Ok(true);
        }
        r[1] = Value::float(limit);
        r[2] = Value::float(step);
        r[0] = Value::float(init);
        r[3] = Value::float(init);
        Ok(false)
    }
}

/// How many bytes of a concatenation's result are built on the stack (a number's text is
/// counted as 64 bytes before it is made: `"k" .. i` fits).
const CONCAT_INLINE: usize = 96;

/// Concatenates `stack[first..first+n]` right to left as far as possible without
/// metamethods; returns the new count, or the metamethod call for the top two values. A type
/// error names the operand at fault: `name(slot)` is the " (local 'x')" suffix for the stack
/// slot of the operand `luaG_concaterror` blames (the left one of the failing pair unless it
/// is a string or a number). Only this function knows which pair failed: earlier runs of
/// strings have been folded into one slot by then.
pub(super) fn concat_step_named<'gc>(
    ctx: Ctx<'gc>,
    stack: &mut [Value<'gc>],
    first: usize,
    mut n: usize,
    fuel: &mut Fuel,
    mut restartable: bool,
    name: impl Fn(usize) -> String,
) -> LuaResult<'gc, Result<usize, (usize, MetaCall<'gc>)>> {
    while n > 1 {
        let top = first + n;
        let (x, y) = (stack[top - 2], stack[top - 1]);
        if meta::concatenable(x) && meta::concatenable(y) {
            // Collect as many concatenable values as possible.
            let mut k = 2;
            while k < n && meta::concatenable(stack[top - k - 1]) {
                k += 1;
            }
            // Check the result against the memory budget before building it. Numbers take at
            // most 64 bytes of text.
            let len: usize = stack[top - k..top]
                .iter()
                .map(|v| match v {
                    Value::Str(s) => s.len(),
                    _ => 64,
                })
                .fold(0usize, |a, b| a.saturating_add(b));
            if !super::memory::fits(super::string::StrData::charge_for(len)) {
                // Retry the whole instruction after a collection if nothing was done yet.
                return Err(ctx.out_of_memory(restartable));
            }
            restartable = false;
            // `len` was checked against the budget: reserve it all (no doubling, no copy).
            // A short result is built on the stack and copied into its string (inline in
            // it up to `StrData`'s inline size): no buffer allocated and freed for it.
            let mut buf = smallvec::SmallVec::<[u8; CONCAT_INLINE]>::with_capacity(len);
            for v in &stack[top - k..top] {
                fuel.charge(meta::push_concat_text(&mut buf, *v));
            }
            fuel.charge(buf.len() as i64 / fuelc::CONCAT_BYTES_PER_FUEL);
            let s = if buf.spilled() {
                ctx.new_string(buf.into_vec())
            } else {
                ctx.new_str(&buf)
            };
            stack[top - k] = Value::Str(s);
            fuel.charge(fuelc::NEW_STRING);
            n -= k - 1;
        } else {
            let mut tm = ctx.metamethod(x, Tm::Concat);
            if tm.is_nil() {
                tm = ctx.metamethod(y, Tm::Concat);
            }
            if tm.is_nil() {
                let (bad, slot) = if meta::concatenable(x) {
                    (y, top - 1)
                } else {
                    (x, top - 2)
                };
                return Err(LuaError::rt(format!(
                    "attempt to concatenate a {} value{}",
                    convert::type_name_for_msg(ctx, bad),
                    name(slot)
                )));
            }
            return Ok(Err((n, MetaCall::two(tm, x, y))));
        }
    }
    Ok(Ok(n))
}

/// Fuel for a table constructor's table, presized for `array` items and `hash` fields
/// (allocating and clearing its parts; the items themselves are charged as they are set).
#[inline]
pub(super) fn new_table_cost(array: usize, hash: usize) -> i64 {
    fuelc::NEW_OBJECT + (array / fuelc::PRESIZED_SLOTS_PER_FUEL + hash) as i64
}

/// Fuel for comparing two strings' first `len` bytes (nothing for short ones).
#[inline]
pub(super) fn long_compare_cost(len: usize) -> i64 {
    (len / fuelc::STRING_COMPARE_BYTES_PER_FUEL) as i64
}

/// `Vararg`: copies the frame's extra arguments (`c - 1` of them, nil-padded; all of them
/// when `c` is 0, setting `top`) to `stack[ra..]`. The frame's extra arguments are between
/// its function slot (plus `num_params`) and its base (Lua's layout, see `push_lua_frame`).
///
/// # Errors
/// "stack overflow" (nothing changed).
pub(super) fn vararg<'gc>(
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    num_params: usize,
    ra: usize,
    c: u8,
) -> LuaResult<'gc, ()> {
    let (frame_func, nvarargs) = match ts.frames.last() {
        Some(Frame::Lua(f)) => (f.func as usize, f.nvarargs as usize),
        _ => return Err(LuaError::rt("internal error: no Lua frame")),
    };
    let vstart = frame_func + 1 + num_params;
    let n = if c == 0 { nvarargs } else { c as usize - 1 };
    if ts.stack.len() < ra + n + 1 {
        if ra + n + 1 > super::exec::MAX_STACK {
            return Err(LuaError::rt("stack overflow"));
        }
        ts.grow_stack(ra + n + 1);
    }
    for i in 0..n {
        ts.stack[ra + i] = if i < nvarargs {
            ts.stack[vstart + i]
        } else {
            Value::Nil
        };
    }
    if c == 0 {
        ts.top = (ra + n) as u32;
        fuel.charge(n as i64 / fuelc::VALUES_MOVED_PER_FUEL);
    }
    Ok(())
}

/// `Closure`: a new closure of the running function's child `bx`, its upvalues found on the
/// stack (registers from `base`) or taken from the running closure `cdata`.
pub(super) fn new_closure<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    cdata: &ClosureData<'gc>,
    base: usize,
    bx: u16,
) -> LuaResult<'gc, Value<'gc>> {
    let Some(&child) = cdata.proto.children.get(bx as usize) else {
        return Err(LuaError::rt("internal error: bad closure index"));
    };
    let descs = &child.proto.upvalues;
    let mut ups = Vec::with_capacity(descs.len());
    for d in descs.iter() {
        if d.in_stack {
            ups.push(find_upvalue(ctx, thread, ts, base + d.index as usize));
        } else {
            let up = cdata.upvalues.get(d.index as usize).map(|u| u.get());
            ups.push(up.ok_or_else(|| LuaError::rt("internal error: bad upvalue index"))?);
        }
    }
    let cl = Closure(Gc::new(
        ctx.mc,
        ClosureData {
            proto: child,
            charge: ClosureData::charge(ups.len()),
            upvalues: Closure::upvalue_array(ups),
            id: Default::default(),
        },
    ));
    fuel.charge(fuelc::NEW_OBJECT + descs.len() as i64);
    Ok(Value::Function(cl))
}

/// `SetList` at register `ra` with count `b`; `pc` is past the instruction and moves past its
/// `ExtraArg`. On failing to grow the table's array within the memory budget, `pc` is left
/// so that the instruction is retried (after a collection), not its `ExtraArg`.
pub(super) fn set_list<'gc>(
    ctx: Ctx<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    code: &[Op],
    pc: &mut usize,
    ra: usize,
    b: u8,
) -> LuaResult<'gc, ()> {
    let start = match code.get(*pc) {
        Some(Op::ExtraArg { ax }) => ax.get() as usize,
        _ => 0,
    };
    let n = if b == 0 {
        (ts.top as usize).min(ts.stack.len()).saturating_sub(ra + 1)
    } else {
        b as usize
    };
    if let Value::Table(t) = ts.stack[ra] {
        let mut tb = t.data_mut(ctx.mc);
        if tb.ensure_array(start + n).is_err() {
            return Err(ctx.out_of_memory(true));
        }
        if let Some(vals) = ts.stack.get(ra + 1..ra + 1 + n) {
            tb.set_list(start, vals);
        }
    }
    *pc += 1;
    fuel.charge(n as i64 / fuelc::SETLIST_VALUES_PER_FUEL);
    Ok(())
}

/// Calls the metamethod `mc` for the running frame's instruction (its pc saved), its
/// result(s) (`want`) delivered at `slot`, the first slot above the frame's registers.
/// Out of line: the interpreter makes these calls from many places, all slow paths.
#[inline(never)]
pub(super) fn call_meta<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    mc: &MetaCall<'gc>,
    slot: usize,
    want: i32,
) -> LuaResult<'gc, Flow<'gc>> {
    fuel.charge(fuelc::METAMETHOD_CALL);
    ts.enter_c_call(ctx)?;
    ts.stack.truncate(slot);
    ts.stack.push(mc.func);
    ts.stack.extend_from_slice(&mc.args[..mc.nargs as usize]);
    let nargs = mc.nargs as usize;
    drive(
        ctx,
        thread,
        ts,
        fuel,
        Todo::Call {
            func: slot,
            nargs,
            want,
        },
    )
}
