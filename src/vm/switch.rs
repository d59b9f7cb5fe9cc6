//! The common case of a coroutine switch, without the general machinery: the values of a
//! `coroutine.resume` or `coroutine.yield` moved from one thread's stack to the Lua frame
//! that waits for them in the other.
//!
//! # Design
//! In general a switch is an event for the scheduler (`exec::run`): it takes the values out
//! of the top native frame's window into a buffer, updates the coroutines' statuses and the
//! running chain, and delivers the buffer to the native frame on top of the thread that goes
//! on, `resume`'s (`Cont::Resume`, results `true, ...`), `yield`'s (`Cont::Yielded`,
//! results `...`) or a `coroutine.wrap` function's (a library continuation that
//! `returns_delivered`, results `...`), by running its continuation and returning its
//! results through `drive`.
//! Here, when that native was called by a Lua frame and no hook is set, the values go
//! straight from one stack to the other and the results are written in place. Every
//! observable effect is the general path's: the same stacks, results and `top`, statuses,
//! C-call levels, the same fuel charged, and the same modeled stack capacities (the general
//! path's stack is one slot longer for a moment, which the model sees), so a run is the same
//! whichever path a switch takes. Anything else (a coroutine's first resume, a dead or
//! running target, errors, hooks, the host's threads) takes the general path.

use super::ccalls::MAX_C_CALLS;
use super::cont::Cont;
use crate::limits::fuel::Fuel;
use std::cell::RefMut;

use super::exec::{Event, Flow};
use super::state::Ctx;
use super::thread::{Frame, NativeFrame, Status, Thread, ThreadState};
use super::value::Value;
use crate::limits::fuel::VALUES_MOVED_PER_FUEL;

/// Delivers `vals` (taken from a resume's or a yield's window) to the top native frame of
/// `ts`, `thread`'s state, when it is a resume or a yield called from a Lua frame, with no
/// hook set: `None` (nothing changed) in every other case.
#[inline]
pub(super) fn deliver_to_lua<'gc>(
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    vals: &[Value<'gc>],
) -> Option<Flow<'gc>> {
    let cont = deliver(thread, ts, fuel, 0, vals)?;
    // (Its box is the spare for the next native frame; what is in it does not matter. The
    // spare was taken for this frame, so there is none to drop: tested, not assigned over,
    // which would call the drop glue of the old `Option` out of line on every switch.)
    if ts.spare_cont.is_none() {
        ts.spare_cont = Some(cont);
    }
    Some(Flow::Lua { resuming: true })
}

/// [`deliver_to_lua`], inline (`switch_call` makes a switch with it at every turn), giving
/// back the box of the frame it popped instead of keeping it as the spare, and charging
/// `charge` more with its own: `None`, having changed nothing, when it does not apply.
#[inline(always)]
pub(super) fn deliver<'gc>(
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    charge: i64,
    vals: &[Value<'gc>],
) -> Option<Box<Cont<'gc>>> {
    if thread.0.hookmask.get() != 0 {
        return None;
    }
    let [.., Frame::Lua(caller), Frame::Native(nf)] = &ts.frames[..] else {
        return None;
    };
    let func = nf.func as usize;
    let resume = match *nf.cont {
        Cont::Resume if ts.stack.len() > func => true,
        // (A yield's window would be kept before the values: empty but in odd cases.)
        Cont::Yielded if ts.stack.len() == func + 1 => false,
        // (A `coroutine.wrap` function: as `resume`'s, without the leading `true`.)
        Cont::Lib(ref l) if ts.stack.len() > func && l.returns_delivered() => false,
        _ => return None,
    };
    let needed = caller.base as usize + caller.closure.proto().max_stack as usize + 1;
    let want = nf.want;
    if needed <= func {
        return None;
    }
    let lead = usize::from(resume);
    let n = lead + vals.len();
    let end = if want >= 0 {
        func + want as usize
    } else {
        func + n
    };
    // The stack's final length: the caller's registers, the results adjusted to `want`.
    let top = end.max(needed).max(func + n);
    if top > ts.stack.capacity() {
        return None;
    }
    let Some(Frame::Native(NativeFrame { cont, .. })) = ts.frames.pop() else {
        return None;
    };
    // The general path's lengths, in its order: the native below its results, the results
    // adjusted to `want`, the caller's registers.
    if (func + 1 + n).max(end).max(needed) > ts.stack_model {
        ts.model_stack_len(func + 1 + n);
        ts.model_stack_len(end);
        ts.model_stack_len(needed);
    }
    // What truncating to the native, lengthening with nils and writing the results over
    // them leaves, written once (within the buffer: checked above): the results at `func`,
    // nils above them up to `top`.
    ts.stack.truncate(func);
    if resume {
        ts.stack.push(Value::True);
    }
    // (Element by element: a handful of values, where `extend_from_slice` calls `memcpy`.
    // `resize` to `top` with nils and the values written over them is an out-of-line call:
    // callgrind, `coroutine` +1.8%.)
    for &v in vals {
        ts.stack.push(v);
    }
    while ts.stack.len() < top {
        ts.stack.push(Value::Nil);
    }
    ts.top = end as u32;
    // Moved into a buffer, and from it as the native's results. (Charges are saturating
    // subtractions of amounts at least 0: their sum charged at once leaves the same.)
    let moved = vals.len() as i64 / VALUES_MOVED_PER_FUEL + n as i64 / VALUES_MOVED_PER_FUEL;
    fuel.charge(charge + moved);
    Some(cont)
}

/// The first slot of the window of `ts`'s top native frame (where a resume's arguments or a
/// yield's values are).
fn window(ts: &ThreadState<'_>) -> Option<usize> {
    match ts.frames.last() {
        Some(Frame::Native(nf)) if (nf.func as usize) < ts.stack.len() => {
            Some(nf.func as usize + 1)
        }
        _ => None,
    }
}

/// The switch `event` asks for, when it is a common case: `Some` coroutine to run now and
/// its state, borrowed, with its Lua frame ready to go on; `None`, changing nothing, for
/// the general path. `ts` is the state of `thread`, which raised the event.
pub(super) fn at_once<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    event: &Event<'gc>,
) -> Option<(Thread<'gc>, RefMut<'gc, ThreadState<'gc>>)> {
    match *event {
        Event::Resume(target) => resume(ctx, thread, ts, target, fuel),
        Event::Yield => yield_to(ctx, thread, ts, fuel),
        _ => None,
    }
}

/// `thread` resumes `target`, which is suspended in a yield called from Lua.
fn resume<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    target: Thread<'gc>,
    fuel: &mut Fuel,
) -> Option<(Thread<'gc>, RefMut<'gc, ThreadState<'gc>>)> {
    if target == thread
        || target
            .0
            .state
            .try_borrow()
            .map_or(true, |t| t.status != Status::Suspended)
    {
        return None;
    }
    let tts = hand_over(ctx, ts, target, fuel, Status::Normal)?;
    ctx.state.running.borrow_mut(ctx.mc).push(target);
    Some((target, tts))
}

/// `thread` yields to the coroutine that resumed it, which waits in a resume called from
/// Lua.
fn yield_to<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
) -> Option<(Thread<'gc>, RefMut<'gc, ThreadState<'gc>>)> {
    let to = {
        let running = ctx.state.running.borrow();
        match running[..] {
            [.., to, last] if last == thread && to != thread => to,
            _ => return None,
        }
    };
    let tts = hand_over(ctx, ts, to, fuel, Status::Suspended)?;
    ctx.state.running.borrow_mut(ctx.mc).pop();
    Some((to, tts))
}

/// Moves the values in the window of the top native frame of `ts` (the switching
/// coroutine's state) to the Lua frame waiting in `to` ([`deliver_to_lua`]); the switching
/// coroutine becomes `status` (`Normal` when it resumes `to`, which then runs at its C-call
/// level plus one, as `lua_resume` counts; `Suspended` when it yields to it) and `to` runs.
/// `None`, changing nothing, when the general path must do it.
#[inline(always)]
fn hand_over<'gc>(
    ctx: Ctx<'gc>,
    ts: &mut ThreadState<'gc>,
    to: Thread<'gc>,
    fuel: &mut Fuel,
    status: Status,
) -> Option<RefMut<'gc, ThreadState<'gc>>> {
    let resuming = status == Status::Normal;
    let level = ts.c_level();
    let start = window(ts)?;
    if resuming && level >= MAX_C_CALLS {
        return None;
    }
    let mut tts = to.borrow_mut(ctx.mc);
    deliver_to_lua(to, &mut tts, fuel, &ts.stack[start..])?;
    ts.stack.truncate(start);
    ts.status = status;
    if resuming {
        tts.c_base = level + 1;
    }
    tts.status = Status::Running;
    Some(tts)
}
