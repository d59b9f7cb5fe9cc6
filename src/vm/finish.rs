//! The work the interpreter loop hands off around calls: finishing an instruction that a call
//! interrupted, and taking a native's results without leaving the loop.
//!
//! # Design
//! An instruction that calls (a metamethod, a `__close` handler, a tail-called native) leaves
//! its frame with its `pc` past it; when the call returns, the frame is re-entered with
//! `resuming = true` and [`finish_op`] completes the instruction from the call's result, as
//! PUC-Rio's `luaV_finishOp` does beside `luaV_execute`. What is left for the loop itself (a
//! conditional jump, a return, another metamethod call) comes back as a [`Finish`], so the
//! control flow of the loop (`continue 'frame`, its return paths) stays in one place.
//!
//! [`call_native`] is the loop's fast path for a native called from `Call` or `TForCall`
//! (and, out of line, `TailCall`) with no hook set: it runs the native and, when it simply
//! returns, moves its results where the caller wants them, as `drive` would
//! (`Action::Return`, then `Todo::Deliver` to the Lua frame, then dropping the call's C-call
//! mark), without a round trip through `drive`.

use super::closure::NativeRef;
use super::error::LuaResult;
use super::exec::{lua_results, native_outcome, run_native, run_native_raw, Flow, Todo};
use super::meta::MetaCall;
use super::native::{Action, KnownNative};
use super::ops::{concat_step_named, reg_info};
use super::state::Ctx;
use super::thread::{Frame, Thread, ThreadState};
use super::value::Value;
use crate::compiler::opcodes::Op;
use crate::limits::fuel::Fuel;

/// What the interpreter loop still has to do after [`finish_op`].
pub(super) enum Finish<'gc> {
    /// Nothing: go on with the instruction at `pc`.
    Done,
    /// Run the instruction again (`Close` and `Return` after a `__close` handler): go on
    /// at `pc - 1`.
    Again,
    /// A comparison's outcome: skip the next instruction (its jump) unless `res == k`.
    CondJump {
        /// The comparison's result.
        res: bool,
        /// The instruction's `k` flag.
        k: bool,
    },
    /// A tail call to a native finished: return the `n` values at slot `first`.
    Return {
        /// First result slot (absolute).
        first: usize,
        /// Number of results.
        n: usize,
    },
    /// A concatenation met another operand with `__concat`: call it (the frame's progress
    /// counter already says how many operands remain).
    Call(MetaCall<'gc>),
}

/// Finishes `op`, the instruction before `pc` of the Lua frame on top (registers at `base`),
/// after the call it made returned its result at `call_slot` (`hooked`: a hook is set, see
/// `hook::reexecute`). Out of line: it runs once per metamethod or tail call, not per
/// instruction, and the loop's registers are scarce (`pc` is passed by value: a reference to
/// the loop's `pc` would keep it in memory for the whole loop).
///
/// # Errors
/// Those of the rest of a concatenation.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
pub(super) fn finish_op<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    op: Option<Op>,
    pc: usize,
    base: usize,
    call_slot: usize,
    hooked: bool,
) -> LuaResult<'gc, Finish<'gc>> {
    let aux = match ts.frames.last() {
        Some(Frame::Lua(f)) => f.progress(),
        _ => 0,
    };
    let result = ts.stack.get(call_slot).copied().unwrap_or(Value::Nil);
    ts.trim_c_calls(ts.frames.len());
    match op {
        Some(Op::Call { .. } | Op::TForCall { .. }) => {}
        Some(Op::TailCall { a, .. }) => {
            let first = base + a as usize;
            let n = (ts.top as usize).min(ts.stack.len()).saturating_sub(first);
            return Ok(Finish::Return { first, n });
        }
        Some(
            Op::GetTabUp { a, .. }
            | Op::GetTable { a, .. }
            | Op::GetI { a, .. }
            | Op::GetField { a, .. }
            | Op::SelfK { a, .. }
            | Op::AddI { a, .. }
            | Op::AddK { a, .. }
            | Op::SubK { a, .. }
            | Op::MulK { a, .. }
            | Op::ModK { a, .. }
            | Op::PowK { a, .. }
            | Op::DivK { a, .. }
            | Op::IDivK { a, .. }
            | Op::BAndK { a, .. }
            | Op::BOrK { a, .. }
            | Op::BXorK { a, .. }
            | Op::ShrI { a, .. }
            | Op::ShlI { a, .. }
            | Op::Add { a, .. }
            | Op::Sub { a, .. }
            | Op::Mul { a, .. }
            | Op::Mod { a, .. }
            | Op::Pow { a, .. }
            | Op::Div { a, .. }
            | Op::IDiv { a, .. }
            | Op::BAnd { a, .. }
            | Op::BOr { a, .. }
            | Op::BXor { a, .. }
            | Op::Shl { a, .. }
            | Op::Shr { a, .. }
            | Op::Unm { a, .. }
            | Op::BNot { a, .. }
            | Op::Len { a, .. },
        ) => ts.stack[base + a as usize] = result,
        Some(Op::Eq { k, .. } | Op::Lt { k, .. } | Op::Le { k, .. }) => {
            // (`aux == 1`: a `__le` emulated by `not __lt(b, a)`.)
            let res = result.truthy() != (aux == 1);
            return Ok(Finish::CondJump { res, k });
        }
        Some(
            Op::LtI { flags, .. }
            | Op::LeI { flags, .. }
            | Op::GtI { flags, .. }
            | Op::GeI { flags, .. },
        ) => {
            let res = result.truthy() != (aux == 1);
            return Ok(Finish::CondJump {
                res,
                k: flags & 1 != 0,
            });
        }
        Some(Op::Concat { a, .. }) => {
            let n = aux as usize;
            let first = base + a as usize;
            ts.stack[first + n - 2] = result;
            if let Some(Frame::Lua(f)) = ts.frames.last_mut() {
                f.pc = pc as u32;
            }
            // The operand an error names is the register it sits in, as the interpreter
            // words its own concatenation errors (a metamethod's result is in the register of
            // the operand it replaced: lua5.4 names that one's variable too).
            let proto = match ts.frames.last() {
                Some(Frame::Lua(f)) => Some(f.closure.proto()),
                _ => None,
            };
            let name = |slot: usize| match (proto, slot.checked_sub(base).map(u8::try_from)) {
                (Some(p), Some(Ok(reg))) => reg_info(p, pc - 1, reg),
                _ => String::new(),
            };
            let step = concat_step_named(ctx, &mut ts.stack, first, n - 1, fuel, false, name);
            if let Err((left, mc)) = step? {
                if let Some(Frame::Lua(f)) = ts.frames.last_mut() {
                    f.aux = (f.aux & super::thread::LuaFrame::TAIL) | left as u32;
                }
                return Ok(Finish::Call(mc));
            }
        }
        Some(Op::Close { .. }) => {
            if hooked {
                super::hook::reexecute(thread);
            }
            return Ok(Finish::Again);
        }
        Some(Op::Return { a, .. }) => {
            if hooked {
                super::hook::reexecute(thread);
            }
            ts.top = (base + a as usize + aux as usize) as u32;
            return Ok(Finish::Again);
        }
        _ => {}
    }
    Ok(Finish::Done)
}

/// Calls the native `nf` at `stack[func]` with `nargs` arguments for a Lua frame whose call
/// slot is `call_slot`, wanting `want` results. `None`: it returned, its results are in
/// place and the frame goes on; otherwise what `drive` must do with what it asked for.
///
/// # Errors
/// The native's error.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn call_native_todo<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    nf: NativeRef<'gc>,
    func: usize,
    nargs: usize,
    want: i32,
    call_slot: usize,
) -> LuaResult<'gc, Option<Todo<'gc>>> {
    let action = run_native(ctx, thread, ts, fuel, nf, func, nargs)?;
    // (A native may set a hook: then `drive` reports its return.)
    if thread.0.hookmask.get() == 0 && matches!(action, Action::Return) {
        // (Owns nothing: forgetting it spares a call of its drop glue per native call.)
        std::mem::forget(action);
        results_to_lua(ts, func, want, call_slot, fuel);
        ts.trim_c_calls(ts.frames.len());
        return Ok(None);
    }
    Ok(Some(Todo::Action {
        native: Some(nf),
        func,
        want,
        action,
    }))
}

/// The interpreter's call of the native `nf` at `stack[func]` from a `Call` or a `TForCall`,
/// with `nargs` arguments, for a Lua frame whose call slot is `call_slot`, wanting `want`
/// results, no hook set, in one function out of line: the native run (`exec::run_native`'s
/// work, inline here) and, when it returns, its results moved where the caller wants them.
/// `None`: the frame goes on; otherwise the flow the rest of the call
/// (`callback::after_native`) leads to.
///
/// (One function for the whole call: run out of line from here, the native's window set
/// up in a second function, and its outcome handed back as a `Todo` that the loop stored
/// and reloaded, cost a call ~30 machine instructions more.)
///
/// # Errors
/// The native's error, or those of the rest of the call.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
pub(super) fn call_native<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    nf: NativeRef<'gc>,
    func: usize,
    nargs: usize,
    want: i32,
    call_slot: usize,
) -> LuaResult<'gc, Option<Flow<'gc>>> {
    let r = run_native_raw(ctx, thread, ts, fuel, nf, func, nargs);
    // (A native may set a hook: then `drive` reports its return.)
    if thread.0.hookmask.get() == 0 && matches!(r, Ok(Action::Return)) {
        // (Owns nothing: forgetting it spares a call of its drop glue per native call.)
        std::mem::forget(r);
        results_to_lua(ts, func, want, call_slot, fuel);
        ts.trim_c_calls(ts.frames.len());
        return Ok(None);
    }
    native_asked(ctx, thread, ts, fuel, nf, func, want, r)
}

/// The rest of [`call_native`] after a native that did not simply return (or set a hook),
/// out of line: its error, or what it asked for (`callback::after_native`).
///
/// # Errors
/// The native's error, or those of the rest of the call.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn native_asked<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    nf: NativeRef<'gc>,
    func: usize,
    want: i32,
    r: LuaResult<'gc, Action<'gc>>,
) -> LuaResult<'gc, Option<Flow<'gc>>> {
    let action = native_outcome(ctx, ts, nf, func, r)?;
    let todo = Todo::Action {
        native: Some(nf),
        func,
        want,
        action,
    };
    super::callback::after_native(ctx, thread, ts, fuel, todo).map(Some)
}

/// What `take_native_results`, `lua_results` and growing the stack back to the caller's
/// frame (`call_slot + 1`) do after a native returned, in one pass: the results (the
/// native's whole window) move down over the function slot one by one instead of by
/// `Vec::remove`, and the slot they leave is cleared in place instead of truncated and
/// grown back. The stack, its modeled capacity and the fuel charged end exactly as there.
#[inline(always)]
fn results_to_lua(
    ts: &mut ThreadState<'_>,
    func: usize,
    want: i32,
    call_slot: usize,
    fuel: &mut Fuel,
) {
    let len = ts.stack.len();
    let n = len - (func + 1);
    if n > 8 {
        fuel.charge(n as i64 / crate::limits::fuel::VALUES_MOVED_PER_FUEL);
        take_native_results_slow(ts, func);
    } else {
        // (The charge for moving `n <= 8` results, `n / VALUES_MOVED_PER_FUEL`, is 0.)
        const _: () = assert!(crate::limits::fuel::VALUES_MOVED_PER_FUEL > 8);
        for i in func..func + n {
            ts.stack[i] = ts.stack[i + 1];
        }
        let end = if want >= 0 {
            func + want as usize
        } else {
            func + n
        };
        // `stack[func + n]` (the last result's old slot) is past the results: what
        // truncating and growing back leaves there is nil, or nothing.
        if end.max(call_slot + 1) > func + n {
            ts.stack[func + n] = Value::Nil;
            // `lua_results`, inline (the slot at `func + n` is nil already).
            ts.grow_stack(end);
            for slot in func + n + 1..end {
                ts.stack[slot] = Value::Nil;
            }
            ts.top = end as u32;
            // The caller's registers back (the native's window was cut to its arguments):
            // within the model and the buffer, as `grow_stack` would, without its call.
            let target = call_slot + 1;
            if target <= ts.stack_model && target <= ts.stack.capacity() {
                while ts.stack.len() < target {
                    ts.stack.push(Value::Nil);
                }
            } else {
                ts.grow_stack(target);
            }
        } else {
            ts.stack.truncate(func + n);
            ts.top = end as u32;
        }
        return;
    }
    lua_results(ts, func, n, want);
    ts.grow_stack(call_slot + 1);
}

/// Many results: moved by `Vec::remove` (see [`results_to_lua`]).
#[cold]
#[inline(never)]
fn take_native_results_slow(ts: &mut ThreadState<'_>, func: usize) {
    ts.stack.remove(func);
}

/// [`call_native`] out of line, for the less frequent callers (a native in tail position):
/// every inline copy makes the interpreter loop bigger and its registers scarcer.
///
/// # Errors
/// The native's error.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
pub(super) fn call_native_outlined<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    nf: NativeRef<'gc>,
    func: usize,
    nargs: usize,
    want: i32,
    call_slot: usize,
) -> LuaResult<'gc, Option<Todo<'gc>>> {
    if nargs == 2 && set_metatable_light(ctx, thread, ts, fuel, nf, func, want, call_slot) {
        return Ok(None);
    }
    call_native_todo(ctx, thread, ts, fuel, nf, func, nargs, want, call_slot)
}

/// `pcall`'s native, defined here and registered by the base library under its name: the
/// interpreter makes a call `pcall(f, ...)` from Lua without running it
/// (`callback::pcall_at_call`), recognizing it by address as `coroutine.resume`'s (a test
/// through a registration cost every other native call ~10 machine instructions).
pub fn pcall<'gc>(nc: &mut super::native::NativeCtx<'gc, '_>) -> LuaResult<'gc, Action<'gc>> {
    let f = nc.check_any(1)?;
    nc.stack.remove(nc.base);
    Ok(Action::Call {
        func: f,
        cont: super::cont::Cont::Pcall,
    })
}

/// The base library's `setmetatable`, registered by the library
/// so that the core makes a constructor's
/// `return setmetatable(o, C)` without the native call. Unregistered, the call is made.
pub static SETMETATABLE: KnownNative = KnownNative::new();

/// [`call_native`] of `setmetatable(t, mt)` (`stack[func]`, two arguments, both tables, `t`'s
/// metatable not protected, no hook set), done here as the native does it (the metatable
/// set, `gc::metatable_set`, `t` as the one result) with what `run_native` and
/// [`call_native`] do around it (the frame model, `NATIVE_CALL`, the window cut to the
/// arguments and then to the result, the results moved down, the C-call marks), in the
/// same order: `true`. `false`, having changed nothing: the call is made (another native,
/// other arguments: the native's errors then come from the native).
///
/// Measured with callgrind (release, scaled bench programs): oop 297.9M -> 293.6M
/// instructions (-1.4%: its constructors' 60k tail calls, ~70 instructions each), the
/// others within 0.01%.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn set_metatable_light<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    nf: NativeRef<'gc>,
    func: usize,
    want: i32,
    call_slot: usize,
) -> bool {
    if thread.0.hookmask.get() != 0 || !SETMETATABLE.is(nf) {
        return false;
    }
    let (Some(&Value::Table(t)), Some(&Value::Table(mt))) =
        (ts.stack.get(func + 1), ts.stack.get(func + 2))
    else {
        return false;
    };
    if let Some(old) = t.metatable() {
        if !ctx.tm_of(old, super::state::Tm::Metatable).is_nil() {
            return false;
        }
    }
    // `run_native`: the window cut to the arguments, the native frame's model, the charge.
    ts.stack.truncate(func + 3);
    ts.model_native_frame();
    fuel.charge(crate::limits::fuel::NATIVE_CALL);
    // The native: `setmetatable`'s work, and its result as `NativeCtx::ret1` leaves it.
    t.set_metatable(ctx.mc, Some(mt));
    super::gc::metatable_set(ctx, Value::Table(t), Some(mt));
    ts.stack.truncate(func + 1);
    ts.stack.push(Value::Table(t));
    ts.sync_model();
    // `call_native` after a native that returned.
    results_to_lua(ts, func, want, call_slot, fuel);
    ts.trim_c_calls(ts.frames.len());
    true
}

/// The base library's `next`, registered by the library so that the core steps a `pairs`
/// loop without knowing the library. Unregistered, the loop calls it.
pub static NEXT: KnownNative = KnownNative::new();

/// `ipairs`' iterator, registered by the library as `next` is.
pub static IPAIRS_AUX: KnownNative = KnownNative::new();

/// The step of a `pairs` or `ipairs` loop over a table that the interpreter makes without
/// the native call (see [`tfor_next`]): the iterator `nf` called with `t` and `control`
/// gives the entry (`None` at the end) and the fuel the call charges, `run_native`'s
/// included; `None` for anything the call itself must do (another iterator, a pending
/// table, a key `next` rejects, a control that is not an integer, an `__index` to follow).
#[inline]
#[allow(clippy::type_complexity)]
pub(super) fn loop_step<'gc>(
    nf: NativeRef<'gc>,
    t: super::table::Table<'gc>,
    control: Value<'gc>,
) -> Option<(Option<(Value<'gc>, Value<'gc>)>, i64)> {
    use crate::limits::fuel::{EMPTY_SLOTS_PER_FUEL, NATIVE_CALL};
    if NEXT.is(nf) {
        let (entry, skipped) = t.loop_next(control)?;
        return Some((entry, NATIVE_CALL + skipped as i64 / EMPTY_SLOTS_PER_FUEL));
    }
    if let (true, Value::Int(i)) = (IPAIRS_AUX.is(nf), control) {
        let i = i.wrapping_add(1);
        // (The raw value unless nil with a metatable, whose `__index` the call follows.)
        let v = t.loop_get(Value::Int(i))?;
        return Some(((!v.is_nil()).then_some((Value::Int(i), v)), NATIVE_CALL));
    }
    None
}

/// `TForCall` of `next` or `ipairs`' iterator over a table (a `pairs` or `ipairs` loop's
/// step, [`loop_step`]) with no hook set: the step the general call makes (`run_native` of
/// the iterator, then [`results_to_lua`]), without the native call. `func` is the call slot (`ra + 4`, the iterator, state and control already
/// copied there), `want` the loop's variables, `call_slot` the frame's (`base + max_stack`).
/// `true`: done, the stack, its model, the C-call count and the fuel exactly as the call
/// leaves them; `false`, having changed nothing: the general path (another iterator, not a
/// table, a C stack at its bound, see [`loop_step`] for the rest, a frame shorter than the
/// call's window).
#[inline(never)]
pub(super) fn tfor_next<'gc>(
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    func: usize,
    want: usize,
    call_slot: usize,
) -> bool {
    let (Some(nf), Some(&Value::Table(t)), Some(&key)) = (
        NativeRef::of(ts.stack[func]),
        ts.stack.get(func + 1),
        ts.stack.get(func + 2),
    ) else {
        return false;
    };
    // The call's window (`func + 3` slots, two results) within the frame's, so the stack's
    // length and its model are as the call leaves them; and a C level the call can take.
    if func + 3 > call_slot + 1
        || ts.stack.len() != call_slot + 1
        || ts.stack.len() > ts.stack_model
        || want == 0
        || ts.c_level().saturating_add(1) >= super::ccalls::MAX_C_CALLS
    {
        return false;
    }
    let Some((entry, cost)) = loop_step(nf, t, key) else {
        return false;
    };
    let n = match entry {
        Some((k, v)) => {
            ts.stack[func] = k;
            ts.stack[func + 1] = v;
            2
        }
        None => {
            ts.stack[func] = Value::Nil;
            1
        }
    };
    // `run_native`'s frame model, its charge and the iterator's; the results moved (`n <= 2`,
    // under one fuel unit) charge nothing.
    ts.model_native_frame();
    fuel.charge(cost);
    // The call cut the stack to its window and grew it back with nils.
    for slot in &mut ts.stack[func + n..] {
        *slot = Value::Nil;
    }
    ts.top = (func + want) as u32;
    // (The call's C-call mark, made and dropped: with it go any marks it would drop.)
    ts.trim_c_calls(ts.frames.len());
    true
}
