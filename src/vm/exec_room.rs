//! Room for a Lua frame within the memory budget: whether pushing one would grow the value
//! stack or the frame list past it (checked before a call that can still run again after a
//! collection). A child of `vm::exec`.

use super::MAX_STACK;
use crate::vm::error::{LuaError, LuaResult};
use crate::vm::state::{Ctx, Tm};
use crate::vm::thread::{Frame, ThreadState};
use crate::vm::value::Value;

/// Before a call through `__call` from a Lua instruction (which can run again after a
/// collection, unlike the call `drive` makes once it has put the metamethods in place, see
/// [`push_late`](super::push_late)): the memory error (`RetryAfterGc` first, see `Ctx::out_of_memory`) if the
/// Lua function that the chain of `__call`s at `stack[func]` ends at needs the stacks to
/// grow beyond the memory budget for its frame at `frame_func` (`func`, or lower for a tail
/// call). Changes nothing.
pub fn call_chain_room<'gc>(
    ctx: Ctx<'gc>,
    ts: &ThreadState<'gc>,
    func: usize,
    frame_func: usize,
    nargs: usize,
) -> LuaResult<'gc, ()> {
    let Some(mut v) = ts.stack.get(func).copied() else {
        return Ok(());
    };
    let mut inserted = 0;
    while !matches!(
        v,
        Value::Function(_) | Value::Native(_) | Value::LightNative(_)
    ) {
        let tm = ctx.metamethod(v, Tm::Call);
        if tm.is_nil() || inserted > crate::vm::meta::MAX_TAG_LOOP {
            return Ok(());
        }
        v = tm;
        inserted += 1;
    }
    match v {
        Value::Function(cl) => {
            let needed = frame_needed(cl.proto(), frame_func, nargs + inserted)
                .max(func + 1 + nargs + inserted);
            if needed > MAX_STACK {
                return Ok(()); // the push raises "stack overflow"
            }
            frame_room(ts, needed).map_err(|_| ctx.out_of_memory(true))
        }
        _ => Ok(()),
    }
}

/// The stack length a Lua frame for `p` at `func` with `nargs` arguments needs.
pub(super) fn frame_needed(p: &crate::compiler::Proto, func: usize, nargs: usize) -> usize {
    let np = p.num_params as usize;
    let base = if p.is_vararg {
        func + 1 + nargs.max(np) + 1
    } else {
        func + 1
    };
    base + p.max_stack as usize + 1
}

/// `RetryAfterGc` if pushing a frame that needs `needed` stack slots reallocates the stacks
/// beyond the memory budget (checked only when a buffer is full, so the common call pays two
/// comparisons).
#[inline]
pub(super) fn frame_room<'gc>(ts: &ThreadState<'gc>, needed: usize) -> LuaResult<'gc, ()> {
    if (needed > ts.stack_model || ts.frames.len() >= ts.frames_model)
        && !frame_growth_fits(ts, needed)
    {
        return Err(LuaError::RetryAfterGc);
    }
    Ok(())
}

/// Whether pushing a frame that needs `needed` stack slots can reallocate the value stack and
/// the frame list within the memory budget. The old buffers live until the new ones are
/// filled, so the new ones must fit on top of the current count (sizes from the modeled
/// capacities, see `ThreadState::sync_model`).
#[cold]
fn frame_growth_fits(ts: &ThreadState<'_>, needed: usize) -> bool {
    use crate::vm::memory::VALUE_BYTES;
    let mut bytes = 0usize;
    if needed > ts.stack_model {
        bytes = bytes.saturating_add(ts.next_stack_model(needed).saturating_mul(VALUE_BYTES));
    }
    if ts.frames.len() >= ts.frames_model {
        bytes = bytes.saturating_add(
            ts.next_frames_model(ts.frames.len() + 1)
                .saturating_mul(std::mem::size_of::<Frame<'static>>()),
        );
    }
    crate::vm::memory::fits(bytes)
}
