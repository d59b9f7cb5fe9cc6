//! The lean entry of a host call into Lua ([`Vm::call`](super::Vm::call)): the first slice
//! of a call starts its Lua function directly instead of through the interpreter's general
//! call machinery, when it can do exactly what that machinery would. A child of `api::vm`.
//!
//! What it replaces (for a Lua function with fixed parameters, called with at least that
//! many arguments, on a fresh coroutine): `exec::run` starting the coroutine (`start_flow`,
//! `drive`'s call of the function at `stack[0]`, `push_late`), which grows the coroutine's
//! modeled capacities from those of a new coroutine in three steps (its arguments, its
//! stack, its frame list), each with its own memory check and charge. Here the same models
//! are computed in one step with the same memory check, charged as one difference (the same
//! bytes counted and allocated), and the frame is run as `exec::run` would run it. Any other
//! case — a native or callable value, a vararg function, missing arguments, a growth that
//! does not fit the memory budget (the general path asks for a collection), a pending memory
//! error or finalizers (the general path's first slice treats a coroutine with no frames
//! specially) — is left to the general path, untouched.
//!
//! A small function (straight-line code the interpreter's small loop runs, ending in a
//! `return` of at most one value) runs in one borrow of the coroutine from its reset to its
//! parking: its frame is never pushed (the small loop without calls does not read the frame
//! list; the frame is pushed where the loop stopped if the function does not return at
//! once), its result is read from the stack, and the coroutine is parked for the next call
//! in the same borrow. The state left behind, the charges, and the fuel are those of the
//! general path (see `tests/embedding.rs`, `small_functions_cost_the_same_...`).

use super::*;
use crate::limits::fuel::Fuel;
use crate::vm::exec::{Event, Flow};
use crate::vm::thread::{LuaFrame, ThreadState};
use std::cell::RefMut;

impl Vm {
    /// The first slice of [`Vm::call`], without registering the call: most calls finish in
    /// it, and then cost no handle and no entry in the table of calls in flight. A call that
    /// does not finish is registered and returned to be continued by `step_call`. (Its error
    /// boxed: an [`Error`] is many words, and the result is moved through several layers on
    /// every call.)
    pub(super) fn call_first_slice<R: FromLuaMulti>(
        &mut self,
        func: impl IntoLua,
        args: impl IntoLuaMulti,
        fuel: u64,
    ) -> std::result::Result<FirstSlice<R>, Box<Error>> {
        let _memory = self.memory.enter();
        let slice = self.before_slice(fuel.min(i64::MAX as u64) as i64);
        let releases = self.releases.clone();
        let (result, used, ask) = self.arena.mutate(|mc, state| {
            let ctx = Ctx { mc, state };
            handle::release(ctx, &releases);
            let cx = Context::new(ctx, releases);
            let (co, ts, may_start) = match new_started_thread(&cx, func, args) {
                Ok(r) => r,
                Err(e) => return (Err(Box::new(e)), 0, gc_ask(ctx)),
            };
            let main_chain = enter_chain(ctx, co);
            let mut f = Fuel::new(slice);
            let r = run_first(ctx, co, ts, may_start, &mut f);
            // The script ran: the handle table the context cached may have been replaced.
            cx.forget_handle_table();
            let out = match r {
                First::Leaf(result, parked) => {
                    main_chain.restore(ctx);
                    if parked {
                        *state.spare_thread.borrow_mut(mc) = Some(co);
                    }
                    match result {
                        Some(v) => R::from_lua_multi(&[LuaValue(v)], 1, &cx),
                        None => R::from_lua_multi(&[], 1, &cx),
                    }
                    .map(FirstSlice::Done)
                    .map_err(Box::new)
                }
                First::Other(r) => match r {
                    Some(RunResult::Finished(vals)) => {
                        main_chain.restore(ctx);
                        // Nothing can refer to the finished coroutine unless Lua obtained it:
                        // keep it for the next call instead of making (and collecting) another.
                        if co.park_if_reusable(mc) {
                            *state.spare_thread.borrow_mut(mc) = Some(co);
                        }
                        crate::api::convert::with_lua_values(&vals, |vals| {
                            R::from_lua_multi(vals, 1, &cx).map(FirstSlice::Done)
                        })
                        .map_err(Box::new)
                    }
                    None => {
                        let co = VmValue::Thread(co);
                        leave_call(ctx, main_chain.as_slice(), co, false);
                        Ok(FirstSlice::Pending(
                            Call(Thread(Handle::new(&cx, co))),
                            (slice - f.remaining()).max(0) as u64,
                        ))
                    }
                    Some(other) => {
                        main_chain.restore(ctx);
                        Err(Box::new(match step_result(&cx, other) {
                            StepResult::Error(e) => e.into(),
                            StepResult::Waiting { kind } => Error::Waiting { kind },
                            _ => Error::msg("attempt to yield from outside a coroutine"),
                        }))
                    }
                },
            };
            (out, slice - f.remaining(), gc_ask(ctx))
        });
        let charged = self.after_slice(used, ask);
        match result {
            Ok(FirstSlice::Pending(call, spent)) => Ok(FirstSlice::Pending(
                call,
                spent.saturating_add(charged.max(0) as u64),
            )),
            other => other,
        }
    }
}

/// The running chain a host call replaced: nearly always the main coroutine alone.
enum Prev<'gc> {
    One([VmThread<'gc>; 1]),
    Chain(Chain<'gc>),
}

impl<'gc> Prev<'gc> {
    fn as_slice(&self) -> &[VmThread<'gc>] {
        match self {
            Prev::One(t) => t,
            Prev::Chain(c) => c,
        }
    }

    /// Makes this chain the running one again. (Inline, with the rare case out of line: it
    /// ends every host call.)
    #[inline(always)]
    fn restore(self, ctx: Ctx<'gc>) {
        if let Prev::One([t]) = self {
            let mut running = ctx.state.running.borrow_mut(ctx.mc);
            if let [old] = running.as_mut_slice() {
                *old = t;
                return;
            }
        }
        self.restore_chain(ctx);
    }

    /// [`Self::restore`] of a longer chain (or into one).
    #[cold]
    #[inline(never)]
    fn restore_chain(self, ctx: Ctx<'gc>) {
        swap_chain(ctx, self.as_slice());
    }
}

/// Makes the host call's coroutine `co` the running chain (as `swap_chain` does, without
/// building a list for the common case).
#[inline(always)]
fn enter_chain<'gc>(ctx: Ctx<'gc>, co: VmThread<'gc>) -> Prev<'gc> {
    {
        let mut running = ctx.state.running.borrow_mut(ctx.mc);
        if let [old] = running.as_mut_slice() {
            return Prev::One([std::mem::replace(old, co)]);
        }
    }
    Prev::Chain(swap_chain(ctx, &[co]))
}

/// What the first slice of a host call did: a small function ran and returned in the
/// coroutine's borrow (its result, if any, and whether the coroutine was parked for the next
/// call), or anything else (`None`: out of fuel).
enum First<'gc> {
    Leaf(Option<VmValue<'gc>>, bool),
    Other(Option<RunResult<'gc>>),
}

/// Runs the first slice of a host call whose fresh coroutine `co` (borrowed: `ts`) is the
/// running chain (see [`super::run_slice`]).
///
/// It first starts its function's frame when that is exactly what starting it would do
/// (`may_start`: no hook, no pending memory error or finalizers; see [`start_lua`]), and
/// then runs it with the interpreter directly, as `exec::run` would first, and finishes the
/// call as `exec::run` does when it simply returns; anything else it returned goes on
/// through `exec::run_after`. A small function run whole by `exec::run_leaf` is finished in
/// the same borrow: its result taken from the stack as `exec::finished_values` takes it (by
/// `run_leaf`), and the coroutine parked as `Thread::park_if_reusable` parks it.
#[inline(always)]
fn run_first<'gc>(
    ctx: Ctx<'gc>,
    co: VmThread<'gc>,
    mut ts: RefMut<'gc, ThreadState<'gc>>,
    may_start: bool,
    fuel: &mut Fuel,
) -> First<'gc> {
    let state = ctx.state;
    // (The general path's result is written here, and the pacing region returns only the
    // small leaf result: a `RunResult` is many words, moved out of every layer.)
    let mut other = None;
    let leaf = memory::with_pacing(true, || {
        // What the first slice would do first, so counted as it is (see `memory::with_pacing`).
        let Some(frame) = (if may_start { start_lua(&mut ts) } else { None }) else {
            drop(ts);
            other = Some(exec::run(ctx, fuel));
            return None;
        };
        let executed = {
            let mut running = co;
            // (A small function runs in the interpreter's small loop, and returns here
            // without `execute`'s entry: `may_start` says there is no hook. Else its frame
            // is pushed, where the loop stopped.)
            if let Some(result) = exec::run_leaf(ctx, co, &mut ts, frame, fuel) {
                return Some((result, co.park_borrowed(&mut ts)));
            }
            let r = crate::vm::switch_call::execute(ctx, &mut running, &mut ts, fuel, false);
            // (Unless it switched to a coroutine that finished.)
            if let (Ok(Flow::Event(Event::Finished)), true) = (&r, running == co) {
                let vals = exec::finished_values(&mut ts);
                other = Some(RunResult::Finished(vals));
                return None;
            }
            r
        };
        drop(ts);
        other = Some(exec::run_after(ctx, fuel, executed));
        None
    });
    state.memory_error.set(false);
    if let Some((result, parked)) = leaf {
        return First::Leaf(result, parked);
    }
    match other {
        Some(RunResult::OutOfFuel) => First::Other(None),
        other => First::Other(other),
    }
}

/// A coroutine to run a host call: `func` with `args` on its stack (as `new_call_thread`
/// makes it), borrowed, and whether its Lua function's frame may be pushed at once (see the
/// module docs; `run_first` does it, where what it allocates is counted as the first
/// slice's).
#[inline]
fn new_started_thread<'gc>(
    cx: &Context<'gc>,
    func: impl IntoLua,
    args: impl IntoLuaMulti,
) -> Result<(VmThread<'gc>, RefMut<'gc, ThreadState<'gc>>, bool)> {
    let f = func.into_lua(cx)?.0;
    let args = args.into_lua_multi(cx)?;
    let ctx = cx.ctx;
    let mc = ctx.mc;
    let spare = ctx.state.spare_thread.borrow_mut(mc).take();
    let (co, ts) = match spare {
        // (Reset, filled and its model synced in one borrow, with one charge.)
        Some(co) => (co, co.reset_call(mc, f, args.iter().map(|v| v.0))),
        None => {
            let co = VmThread::new(mc, f);
            let mut guard = co.borrow_mut(mc);
            let ts = &mut *guard;
            ts.stack.extend(args.iter().map(|v| v.0));
            // `sync_model` (no frames yet).
            ts.model_stack_len(ts.stack.len());
            (co, guard)
        }
    };
    // (Whether its frame may be pushed at once: `run_first` tries it.)
    let may_start =
        !ctx.state.memory_error.get() && !crate::vm::gc::pending(ctx) && co.0.hookmask.get() == 0;
    Ok((co, ts, may_start))
}

/// Starts the Lua function at `stack[0]` of a fresh coroutine when that is exactly what
/// starting it would do (see the module docs): the stack and the frame list grown and
/// charged for its frame, and the frame returned, for the caller to push (`exec::run_leaf`
/// pushes it only if the function does not return at once). Else leaves it as it is.
#[inline]
fn start_lua<'gc>(ts: &mut ThreadState<'gc>) -> Option<LuaFrame<'gc>> {
    let Some(&VmValue::Function(closure)) = ts.stack.first() else {
        return None;
    };
    let p = closure.proto();
    let nargs = ts.stack.len() - 1;
    // `frame_needed` for a fixed-parameter function at slot 0.
    let needed = 2 + p.max_stack as usize;
    if p.is_vararg
        || nargs < p.num_params as usize
        || !ts.frames.is_empty()
        || ts.frames_model != 0
        || ts.status != Status::Initial
        || needed > exec::MAX_STACK
    {
        return None;
    }
    // `push_lua_frame_general`'s growth: the value stack to `needed` (if shorter), the frame
    // list from none to its first modeled capacity; `frame_room`'s check of the two.
    let grow_stack = ts.stack.len() < needed && needed > ts.stack_model;
    let stack_model = if grow_stack {
        ts.next_stack_model(needed)
    } else {
        ts.stack_model
    };
    let frames_model = ts.next_frames_model(1);
    let mut bytes = frames_model.saturating_mul(std::mem::size_of::<Frame<'static>>());
    if needed > ts.stack_model {
        bytes = bytes.saturating_add(stack_model.saturating_mul(memory::VALUE_BYTES));
    }
    if !memory::fits(bytes) {
        return None;
    }
    ts.status = Status::Running;
    ts.stack_model = stack_model;
    ts.frames_model = frames_model;
    // (A reused coroutine has the room: no call of the growth code.)
    if ts.stack.capacity() < stack_model {
        ts.stack
            .reserve_exact(stack_model.saturating_sub(ts.stack.len()));
    }
    if ts.frames.capacity() < frames_model {
        ts.frames.reserve_exact(frames_model);
    }
    ts.update_charge_inline();
    while ts.stack.len() < needed {
        ts.stack.push(VmValue::Nil);
    }
    Some(LuaFrame {
        closure,
        func: 0,
        base: 1,
        pc: 0,
        nvarargs: 0,
        want: -1,
        aux: 0,
    })
}
