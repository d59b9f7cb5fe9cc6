//! The small loop's helpers that leave its registers alone: the light natives it calls in
//! place (`math.abs`, `math.floor`, `math.max`... of numbers: see `vm::light`), on the stack or on its
//! register window, and the cold calls through which its table-making variant makes tables,
//! stores lists and adds fields (see `fast`'s module docs, "Calls", "Register window" and
//! "Tables"). Split from `fast.rs`, which holds the loop.

use gc_arena::{Gc, Mutation};

use super::closure::ClosureData;
use super::fast::WINDOW;
use super::state::{Ctx, State, Tm};
use super::table::{Table, TableData};
use super::thread::ThreadState;
use super::value::Value;
use crate::compiler::opcodes::Op;
use crate::limits::fuel as fuelc;

/// [`light_call`] on the copy of the frame's registers `regs` (`fast::windowed_below`): the same
/// tests and the same effects, the registers' part of them made in `regs` (the call's
/// function and arguments must be registers of the frame).
#[inline(always)]
pub(super) fn light_call_window<'gc>(
    ts: &mut ThreadState<'gc>,
    regs: &mut [Value<'gc>; WINDOW],
    cdata: &'gc ClosureData<'gc>,
    base: usize,
    pc: usize,
    fuel: &mut i64,
) -> bool {
    let fp = Gc::as_ref(cdata.proto);
    let Some(&Op::Call { a, b, c: 2 }) = fp.proto.code.get(pc) else {
        return false;
    };
    let (a, n) = (a as usize, fp.proto.max_stack as usize);
    if b != 2 {
        // (Two arguments out of line: one, `sqrt` in float loops, stays as fast as it was.)
        return b == 3 && light_call_window2(ts, regs, base, a, n, fuel);
    }
    let end = base + n + 1;
    let (Some(&Value::LightNative(l)), Some(&x)) = (regs.get(a), regs.get(a + 1)) else {
        return false;
    };
    if a + 1 >= n || *fuel < fuelc::INSTRUCTION + fuelc::NATIVE_CALL || !in_place_ok(ts, end) {
        return false;
    }
    let Some(v) = super::light::unary(l.0, x) else {
        return false;
    };
    place_window(ts, regs, base, a, n, v);
    *fuel -= fuelc::INSTRUCTION + fuelc::NATIVE_CALL;
    true
}

/// [`light_call_window`] of a `Call` with two arguments (`a`: its register, `n`: the
/// frame's size).
#[inline(never)]
fn light_call_window2<'gc>(
    ts: &mut ThreadState<'gc>,
    regs: &mut [Value<'gc>; WINDOW],
    base: usize,
    a: usize,
    n: usize,
    fuel: &mut i64,
) -> bool {
    if a + 2 >= n {
        return false;
    }
    let Some((v, charge)) = light_result(regs.get(a..a + 3).unwrap_or_default()) else {
        return false;
    };
    if *fuel < fuelc::INSTRUCTION + charge || !in_place_ok(ts, base + n + 1) {
        return false;
    }
    place_window(ts, regs, base, a, n, v);
    *fuel -= fuelc::INSTRUCTION + charge;
    true
}

/// What [`place`] does, the frame's registers in `regs` (see [`light_call_window`]).
#[inline(always)]
fn place_window<'gc>(
    ts: &mut ThreadState<'gc>,
    regs: &mut [Value<'gc>; WINDOW],
    base: usize,
    a: usize,
    n: usize,
    v: Value<'gc>,
) {
    ts.stack.truncate(base + n + 1);
    regs[a] = v;
    for slot in regs.get_mut(a + 1..n).unwrap_or_default() {
        *slot = Value::Nil;
    }
    for slot in ts.stack.get_mut(base + n..).unwrap_or_default() {
        *slot = Value::Nil;
    }
    ts.top = (base + a + 1) as u32;
}

/// Runs the `Call` at `pc` of the Lua frame of `cdata` at `base` in place, if it calls a
/// light native that [`super::light::unary`] (or [`super::light::binary`]) computes, with
/// one argument (or two) for one result, and the general call (`execute`'s `call_native`: `run_native`, then
/// `finish::results_to_lua`) would leave no other trace: then it leaves what that call
/// leaves (the result in the call slot, the stack cut to the frame's end with nils above the
/// result, `top` after it), charges the same fuel (the instruction's unit, `NATIVE_CALL`
/// and the native's own charge) and answers `true`. Else `false`, having changed nothing: another
/// instruction, native or argument, the stack shorter than the frame, the stack or frame
/// list model to grow (`run_native` grows the frame list's for a native's frame), a C-call
/// mark to trim, too little fuel (an overshoot, left to `execute`).
#[inline(always)]
pub(super) fn light_call<'gc>(
    ts: &mut ThreadState<'gc>,
    cdata: &'gc ClosureData<'gc>,
    base: usize,
    pc: usize,
    fuel: &mut i64,
) -> bool {
    let fp = Gc::as_ref(cdata.proto);
    let Some(&Op::Call {
        a,
        b: b @ (2 | 3),
        c: 2,
    }) = fp.proto.code.get(pc)
    else {
        return false;
    };
    let func = base + a as usize;
    let end = base + fp.proto.max_stack as usize + 1;
    match light_in_place(ts, func, b as usize - 1, end, *fuel - fuelc::INSTRUCTION) {
        Some(charge) => {
            *fuel -= fuelc::INSTRUCTION + charge;
            true
        }
        None => false,
    }
}

/// `execute`'s call (its `Call` instruction charged already) of a light native with `nargs`
/// arguments for one result at `stack[func]`, made in place as [`light_call`] makes it
/// (`end`: the frame's end, `base + max_stack + 1`), charging what the general call charges: `true` if
/// made, else `false` having changed nothing (and `execute` makes the general call): ~80
/// machine instructions a call, ~180 fewer than the general call (`run_native` and its way
/// back; callgrind, scaled oop). Out of line, so that `execute`'s registers stay as they were.
#[inline(never)]
pub(super) fn light_native(
    ts: &mut ThreadState<'_>,
    func: usize,
    nargs: usize,
    end: usize,
    fuel: &mut crate::limits::fuel::Fuel,
) -> bool {
    match light_in_place(ts, func, nargs, end, fuel.remaining()) {
        Some(charge) => {
            fuel.charge(charge);
            true
        }
        None => false,
    }
}

/// What [`light_call`] and [`light_native`] leave of a call of the light native at
/// `stack[func]` with `nargs` arguments after it (see [`light_call`]), if `fuel` pays for it
/// and the call can be made so: the fuel it charges, having placed the result; else `None`,
/// having changed nothing. (The native and its arguments are tested first: most natives
/// called from `execute` are not light ones, or not of numbers.)
#[inline(always)]
fn light_in_place(
    ts: &mut ThreadState<'_>,
    func: usize,
    nargs: usize,
    end: usize,
    fuel: i64,
) -> Option<i64> {
    let (v, charge) = light_result(ts.stack.get(func..=func + nargs)?)?;
    if fuel < charge || !in_place_ok(ts, end) {
        return None;
    }
    place(ts, func, end, v);
    Some(charge)
}

/// The result of a call of a light native (`call[0]`) with the arguments `call[1..]`, and
/// the fuel the general call charges for it (`NATIVE_CALL` and the native's own), if the
/// native is light for that many arguments and computes them in place (see `vm::light`).
/// (One argument first, as before there were two: `sqrt` in float loops.)
#[inline(always)]
fn light_result<'gc>(call: &[Value<'gc>]) -> Option<(Value<'gc>, i64)> {
    if let [Value::LightNative(l), x] = *call {
        return Some((super::light::unary(l.0, x)?, fuelc::NATIVE_CALL));
    }
    let [Value::LightNative(l), x, y] = *call else {
        return None;
    };
    Some((
        super::light::binary(l.0, x, y)?,
        fuelc::NATIVE_CALL + super::light::Binary::CHARGE,
    ))
}

/// Whether a light native's result can be placed as its general call leaves it, the frame
/// ending at `end` (see [`light_call`]).
#[inline(always)]
fn in_place_ok(ts: &ThreadState<'_>, end: usize) -> bool {
    ts.stack.len() >= end
        && end <= ts.stack_model
        && ts.frames.len() < ts.frames_model
        && ts
            .c_calls
            .last()
            .is_none_or(|&m| (m as usize) < ts.frames.len())
}

/// Places a light native's result `v` as its general call leaves it (see [`light_call`]).
#[inline(always)]
fn place<'gc>(ts: &mut ThreadState<'gc>, func: usize, end: usize, v: Value<'gc>) {
    ts.stack.truncate(end);
    ts.stack[func] = v;
    for slot in &mut ts.stack[func + 1..] {
        *slot = Value::Nil;
    }
    ts.top = (func + 1) as u32;
}

/// A table made as `execute`'s `NewTable` makes it, if the memory budget has the room for
/// it (else `None`, having made nothing). Out of line: the allocation's registers stay out
/// of `fast::hot`'s loop.
#[cold]
#[inline(never)]
pub(super) fn new_table<'gc>(mc: &Mutation<'gc>, array: usize, hash: usize) -> Option<Value<'gc>> {
    if !super::memory::fits(TableData::new_bytes(array, hash)) {
        return None;
    }
    Some(Value::Table(Table::with_sizes(mc, 0, array, hash)))
}

/// `ops::set_list`'s work, `vals` stored into table `t` from index `start + 1` on, if `t` is
/// a table whose array part can grow to them within the memory budget (else `false`, having
/// changed nothing). Out of line, as [`new_table`].
#[cold]
#[inline(never)]
pub(super) fn set_list<'gc>(
    mc: &Mutation<'gc>,
    t: Value<'gc>,
    start: usize,
    vals: &[Value<'gc>],
) -> bool {
    let Value::Table(t) = t else {
        return false;
    };
    let mut tb = t.data_mut(mc);
    if tb.ensure_array(start + vals.len()).is_err() {
        return false;
    }
    tb.set_list(start, vals);
    true
}

/// `execute`'s store at a constant string key (`Table::set_field`), for a key that
/// [`Table::probe_set_field`] did not find at its hint (a new key). Cold, as [`new_table`].
#[cold]
#[inline(never)]
pub(super) fn set_new_field<'gc>(
    mc: &Mutation<'gc>,
    t: Table<'gc>,
    key: super::string::LuaStr<'gc>,
    hint: &std::cell::Cell<u32>,
    value: Value<'gc>,
) -> bool {
    t.set_field(mc, key, hint, value)
}

/// `execute`'s `Lt`/`Le` (`le`) of two strings `x` and `y` with `left` fuel: the outcome and
/// the fuel charged beyond the instruction (`ops::long_compare_cost`), or `None` (not two
/// strings, or not the fuel for it), having done nothing. Out of line, for the keyed
/// variant's registers.
#[inline(never)]
pub(super) fn str_compare(
    x: Value<'_>,
    y: Value<'_>,
    le: bool,
    left: usize,
) -> Option<(bool, usize)> {
    let (Value::Str(x), Value::Str(y)) = (x, y) else {
        return None;
    };
    let cost = super::ops::long_compare_cost(x.len().min(y.len())) as usize;
    (cost <= left).then(|| (super::meta::str_less(x, y, le), cost))
}

/// `execute`'s `GetField`/`SelfK` for a constant string key that [`Table::probe_field`] did
/// not answer (an object's method or a field of its class, found through `__index` tables:
/// see `Table::get_field_chained`), for `hot`'s variant for methods (see `fast`'s module
/// docs, "Methods"): the value and the fuel the chain's links cost, if that is at most
/// `fuel` (the fuel left after the instruction's unit); `None` (nothing charged, nothing
/// changed but caches) otherwise, and for anything `Table::get_field_chained` leaves to
/// `execute` (an `__index` function, a pending table, the `__index` name still to make in a
/// lazy fork), which then runs the instruction. Cold, as [`new_table`].
#[cold]
#[inline(never)]
pub(super) fn get_chained<'gc>(
    mc: &'gc Mutation<'gc>,
    state: Option<&'gc State<'gc>>,
    t: Table<'gc>,
    key: super::string::LuaStr<'gc>,
    hint: &std::cell::Cell<u32>,
    fuel: usize,
) -> Option<(Value<'gc>, usize)> {
    let state = state?;
    state.tm_names[Tm::Index as usize]?;
    let (v, links) = t.get_field_chained(Ctx { mc, state }, key, hint)?;
    let cost = usize::try_from(links * fuelc::INDEX_CHAIN_LINK).ok()?;
    (cost <= fuel).then_some((v, cost))
}
