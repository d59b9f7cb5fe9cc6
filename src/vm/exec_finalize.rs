//! Finalizers run by the executor: at the start of a step with finalizers due, each `__gc`
//! is called in a finalizer frame above whatever the thread was doing, one after another in
//! a loop (not nested calls), preemptible between two of them. A child of `vm::exec`, moved
//! out of it when it passed 1,500 lines.

use super::*;

/// At the beginning of a step with finalizers due: unless one is already running, runs
/// them in a finalizer frame above whatever the thread was doing (see `vm::gc`).
pub(super) fn start_finalizers<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
) -> LuaResult<'gc, Flow<'gc>> {
    if crate::vm::gc::thread_in_finalizer(ctx, &ts.frames) || crate::vm::gc::in_finalizer(ctx) {
        return start_flow(ctx, thread, ts, fuel);
    }
    let (slot, top) = (ts.stack.len(), ts.top);
    next_finalizer(ctx, thread, ts, fuel, slot, top)
}

/// Calls the next due finalizer from a finalizer frame at `slot` (the thread's stack ends
/// there), or, when none is left, lets the thread continue where it was.
pub(super) fn next_finalizer<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    slot: usize,
    top: u32,
) -> LuaResult<'gc, Flow<'gc>> {
    match push_next_finalizer(ctx, ts, fuel, slot, top) {
        Some(FinalizerStep::Call(todo)) => drive(ctx, thread, ts, fuel, todo),
        Some(FinalizerStep::Preempt) => Ok(Flow::Event(Event::OutOfFuel)),
        None => start_flow(ctx, thread, ts, fuel),
    }
}

/// What [`push_next_finalizer`] did.
pub(super) enum FinalizerStep<'gc> {
    /// The next finalizer's call is pushed above its finalizer frame: run it.
    Call(Todo<'gc>),
    /// The budget is spent: the finalizer frame stays on top, with nothing above it, and the
    /// next step goes on from it (see [`deliver_outcome`]).
    Preempt,
}

/// Pushes the call of the next due finalizer in a finalizer frame at `slot`; `None` when
/// none is left (the thread's stack is back as it was, `top` restored). Between two
/// finalizers it stops when the budget is spent, so a long run of finalizers that return at
/// once (natives) is preempted as Lua code is.
pub(super) fn push_next_finalizer<'gc>(
    ctx: Ctx<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    slot: usize,
    top: u32,
) -> Option<FinalizerStep<'gc>> {
    loop {
        ts.stack.truncate(slot);
        if fuel.is_exhausted() && crate::vm::gc::pending(ctx) {
            // (The frame's own slot, as while a finalizer runs above it.)
            ts.stack.push(Value::Nil);
            ts.push_frame(Frame::Native(NativeFrame::new(
                None,
                slot as u32,
                0,
                Cont::GcFinalizer { top },
            )));
            return Some(FinalizerStep::Preempt);
        }
        let Some((obj, f)) = crate::vm::gc::next_finalizer(ctx) else {
            ts.top = top;
            if let Some(Frame::Lua(f)) = ts.frames.last() {
                let needed = f.base as usize + f.closure.proto().max_stack as usize + 1;
                ts.grow_stack(needed);
            }
            return None;
        };
        let callable = f.is_function() || !ctx.metamethod(f, Tm::Call).is_nil();
        if f.is_nil() {
            continue;
        }
        if !callable {
            // What Lua's call of the finalizer raises, as a warning.
            let msg = format!(
                "error in __gc (attempt to call a {} value (metamethod '__gc'))",
                f.type_name()
            );
            crate::vm::gc::warn(ctx, msg.as_bytes());
            continue;
        }
        fuel.charge(crate::limits::fuel::INSTRUCTION);
        ctx.state.gc.borrow_mut(ctx.mc).maybe_finalizing = true;
        ts.stack.push(Value::Nil);
        ts.push_frame(Frame::Native(NativeFrame::new(
            None,
            slot as u32,
            0,
            Cont::GcFinalizer { top },
        )));
        ts.stack.push(f);
        ts.stack.push(obj);
        return Some(FinalizerStep::Call(Todo::Call {
            func: slot + 1,
            nargs: 1,
            want: 0,
        }));
    }
}
