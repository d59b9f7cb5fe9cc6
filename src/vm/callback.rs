//! A native's calls into Lua (a `sort` comparator, a `gsub` replacement function, ...): the
//! common round trip, a Lua function returning to the native's continuation which calls
//! Lua again, without going through `drive`'s general loop.
//!
//! # Design
//! When a Lua function called by a native returns, `drive` delivers its results to the
//! native frame (`Todo::Deliver`), runs the native's continuation, and performs what it asks
//! for (`Todo::Action`), which for a comparator is the next call (`Todo::Call`): three turns
//! of its loop, each moving the work item and matching every case. [`deliver`] does the
//! same steps in the same order for a library continuation with no hook set, through the
//! same functions (`call_from_native` is the one `drive` uses for `Action::Call`), and hands
//! anything else to `drive` at the point it reached, so the outcome is `drive`'s by
//! construction.

use super::closure::NativeRef;
use super::cont::Cont;
use super::error::{LuaError, LuaResult};
use super::exec::{cont_outcome, drive, lua_results, push_late, run_cont, Event, Flow, Todo};
use super::memory::Charge;
use super::native::Action;
use super::state::Ctx;
use super::thread::{Frame, Thread, ThreadState};
use super::value::Value;
use crate::limits::fuel::Fuel;

/// A Lua function returned `n` results at `stack[func..]` to a caller wanting `want`, and
/// the caller is not a Lua frame: `drive`'s `Todo::Deliver`, with its common case for a
/// library continuation here.
///
/// That case keeps the native's frame in place while its continuation runs (seeing only
/// the frames below it, as always) and, when the continuation calls a Lua function again,
/// makes it the frame of the new wait: the general path pops the frame and pushes an equal
/// one (same native, slot, wanted results, C-call marks, frame count) holding the new
/// continuation, charged for the new continuation's buffers. Any other outcome pops the
/// frame first and goes on as the general path does.
///
/// # Errors
/// Those of the continuation and of the call it makes.
pub(super) fn deliver<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    func: usize,
    n: usize,
    want: i32,
) -> LuaResult<'gc, Flow<'gc>> {
    let lib = thread.0.hookmask.get() == 0
        && matches!(ts.frames.last(), Some(Frame::Native(nf)) if matches!(*nf.cont, Cont::Lib(_)));
    if !lib {
        // (The coroutine's last frame returns without `drive`'s round trip.)
        let todo = Todo::Deliver { func, n, want };
        return super::exec::deliver_results(ctx, thread, ts, fuel, todo);
    }
    lua_results(ts, func, n, want);
    ts.stack.truncate(ts.top as usize);
    let below = ts.frames.len() - 1;
    // (The native's own mark stays: it still runs inside its caller's call.)
    ts.trim_c_calls(below + 1);
    let Some(Frame::Native(nf)) = ts.frames.last_mut() else {
        return Err(LuaError::rt("internal error: frame"));
    };
    let (native, func, want) = (nf.native, nf.func as usize, nf.want);
    let cont = std::mem::replace(&mut *nf.cont, Cont::Discard);
    let r = run_cont(ctx, thread, ts, fuel, below, native, func, cont, Ok(()));
    if let Ok(Action::Call {
        func: callee @ Value::Function(cl),
        cont,
    }) = r
    {
        let at = Wait::Kept(below);
        let (func, nargs) = call_from_native(ctx, ts, fuel, native, func, want, callee, cont, at)?;
        if thread.0.hookmask.get() != 0 {
            // (The continuation set a hook: `drive` reports the call.)
            let call = Todo::Call {
                func,
                nargs,
                want: -1,
            };
            return drive(ctx, thread, ts, fuel, call);
        }
        push_late(ctx, ts, cl, func, nargs, -1)?;
        return Ok(Flow::Lua { resuming: false });
    }
    ts.pop_frame();
    let action = cont_outcome(ctx, ts, native, func, r)?;
    drive(
        ctx,
        thread,
        ts,
        fuel,
        Todo::Action {
            native,
            func,
            want,
            action,
        },
    )
}

/// Where a native that calls Lua waits: in a new frame, or in its frame kept at this index
/// (see [`deliver`]).
#[derive(Copy, Clone)]
pub(super) enum Wait {
    /// Push a frame.
    New,
    /// Reuse the native frame at this index (the top one).
    Kept(usize),
}

/// What a native called by the interpreter asked for, when it did not simply return: a
/// coroutine switch here (its frame waits, and the scheduler takes over), anything else in
/// `drive`.
///
/// # Errors
/// Those of `drive`.
pub(super) fn after_native<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    todo: Todo<'gc>,
) -> LuaResult<'gc, Flow<'gc>> {
    // (`drive`'s `Action::Yield` and `Action::Resume`, for the continuations `yield` and
    // `resume` use, which neither catch errors nor hold buffers.)
    match todo {
        Todo::Action {
            native,
            func,
            want,
            action: Action::Yield { cont: None },
        } => {
            ts.push_waiting(native, func as u32, want, Cont::Yielded);
            Ok(Flow::Event(Event::Yield))
        }
        Todo::Action {
            native,
            func,
            want,
            action:
                Action::Resume {
                    thread: target,
                    cont: Cont::Resume,
                },
        } => {
            ts.push_waiting(native, func as u32, want, Cont::Resume);
            Ok(Flow::Event(Event::Resume(target)))
        }
        todo => drive(ctx, thread, ts, fuel, todo),
    }
}

/// `Action::Call` from the native at `func` (its caller wanting `want`): the native waits
/// in a frame with `cont` while `callee` is called with the values in its window. Returns
/// the callee's slot and its number of arguments (it wants all results).
///
/// # Errors
/// "C stack overflow" over the C-call bound.
#[allow(clippy::too_many_arguments)]
#[inline]
pub(super) fn call_from_native<'gc>(
    ctx: Ctx<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    native: Option<NativeRef<'gc>>,
    func: usize,
    want: i32,
    callee: Value<'gc>,
    cont: Cont<'gc>,
    at: Wait,
) -> LuaResult<'gc, (usize, usize)> {
    fuel.charge(crate::limits::fuel::CALL_FROM_NATIVE);
    let nargs = ts.stack.len() - (func + 1);
    // A message handler called again counts each failed run (see `ccalls`).
    let (handler, levels) = match &cont {
        Cont::XpcallHandler { depth, .. } => (true, depth.saturating_add(1)),
        _ => (false, 1),
    };
    match (at, ts.frames.last_mut()) {
        (Wait::Kept(index), Some(Frame::Native(nf))) => {
            // What popping it and pushing `native_frame(native, func, want, cont)` leaves.
            let bytes = cont.heap_bytes();
            if cont.catches() {
                ts.catch_top = index + 1;
            }
            Cont::put(&mut nf.cont, cont);
            if nf.charge.get() != bytes {
                drop(std::mem::take(&mut nf.charge));
                nf.charge = Charge::transient(bytes);
            }
        }
        _ => {
            let frame = ts.native_frame(native, func as u32, want, cont);
            ts.push_frame(Frame::Native(frame));
        }
    }
    // A native calling Lua is a C call: over the bound, the error is raised inside the
    // native (a `pcall` catches it, as in Lua).
    if let Err(e) = ts.enter_c_calls(ctx, levels) {
        return Err(c_overflow_in(ts, handler, e));
    }
    ts.stack.insert(func + 1, callee);
    Ok((func + 1, nargs))
}

/// A call from the native frame on top failed the C-call bound with `e`. A message handler's
/// frame catches "C stack overflow" (the handler is called again for it, one level up, as
/// in Lua) but not "error in error handling", which no handler sees: that frame goes.
#[cold]
pub(super) fn c_overflow_in<'gc>(
    ts: &mut ThreadState<'gc>,
    handler: bool,
    e: LuaError<'gc>,
) -> LuaError<'gc> {
    if handler && matches!(e, LuaError::Handled(_)) {
        ts.frames.pop();
    }
    e
}
