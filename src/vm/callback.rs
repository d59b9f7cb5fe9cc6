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
//!
//! A continuation that calls Lua again and again (`sort`'s comparator) goes further
//! ([`LibCont::resume_kept`](super::cont::LibCont::resume_kept)): it runs in place in its
//! frame's box, gets the call's first result as a value, and hands back the next callee and
//! its two arguments, which go straight into the callee's frame over the stack the previous
//! call left (the same stack and frames the general path makes, without cutting the stack,
//! pushing the arguments, inserting the callee under them and lengthening it with nils
//! again). Only a continuation that asks for it (`LibCont::runs_kept`) takes that path, in
//! [`deliver_kept`]: trying it on every continuation cost `gsub`'s callbacks ~60
//! instructions each. Measured with callgrind on the scaled `sort` bench (132,204 comparator
//! calls): 178.4M -> 163.4M instructions, fuel unchanged.
//!
//! And the callee itself, when it is a small function of reads and comparisons (most
//! comparators), runs without a frame (`vm::pure`, see [`call_pure`]), so the continuation's
//! loop goes on in [`deliver_kept`] with its result: no frame pushed and popped, no way
//! through `execute`.

use super::closure::NativeRef;
use super::cont::{Cont, Kept};
use super::error::{LuaError, LuaResult};
use super::exec::{cont_outcome, drive, lua_results, push_late, run_cont, Event, Flow, Todo};
use super::memory::Charge;
use super::native::{Action, NativeCtx};
use super::state::Ctx;
use super::thread::{Frame, NativeFrame, Thread, ThreadState};
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
/// frame first and goes on as the general path does. A continuation that runs in place
/// ([`deliver_kept`]) sees the stack not yet cut at `top`.
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
    // (Whether the top frame is a library continuation's, and whether it runs kept.)
    let lib = match ts.frames.last() {
        Some(Frame::Native(nf)) if thread.0.hookmask.get() == 0 => match &*nf.cont {
            Cont::Lib(l) => Some(l.runs_kept()),
            _ => None,
        },
        _ => None,
    };
    let Some(kept) = lib else {
        // (The coroutine's last frame returns without `drive`'s round trip.)
        let todo = Todo::Deliver { func, n, want };
        return super::exec::deliver_results(ctx, thread, ts, fuel, todo);
    };
    lua_results(ts, func, n, want);
    if kept {
        return deliver_kept(ctx, thread, ts, fuel);
    }
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
    after_cont(ctx, thread, ts, fuel, below, native, func, want, r)
}

/// What [`deliver`] does with what the continuation of the native at `func` (its frame at
/// `below`, on top) returned, `r`.
///
/// # Errors
/// Those of the continuation and of the call it makes.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn after_cont<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    below: usize,
    native: Option<NativeRef<'gc>>,
    func: usize,
    want: i32,
    r: LuaResult<'gc, Action<'gc>>,
) -> LuaResult<'gc, Flow<'gc>> {
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

/// [`deliver`] for a continuation that runs in place ([`LibCont::resume_kept`]): results
/// delivered at `top`, the stack not cut there yet (stale values above, which it does not
/// read).
///
/// # Errors
/// Those of the continuation and of the call it makes.
///
/// [`LibCont::resume_kept`]: super::cont::LibCont::resume_kept
#[inline(never)]
fn deliver_kept<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
) -> LuaResult<'gc, Flow<'gc>> {
    let below = ts.frames.len() - 1;
    // The mark of the call that returned (the frame at `below + 1`) is dropped, as the
    // general path drops it, before anything but the next call: that call's mark is the
    // same one, checked against the same count, so it stays for it (the continuation does
    // not see the marks). Marks above it, if any, go now. (The native's own mark stays: it
    // still runs inside its caller's call.)
    ts.trim_c_calls(below + 2);
    let marked = ts.c_calls.last() == Some(&((below + 1) as u32));
    let Some(Frame::Native(nf)) = ts.frames.last() else {
        ts.trim_c_calls(below + 1);
        return Err(LuaError::rt("internal error: frame"));
    };
    let (native, func, want) = (nf.native, nf.func as usize, nf.want);
    // (The window's first value once cut at `top`, as the continuation would read it.)
    let mut first = if (ts.top as usize) > func + 1 {
        ts.stack[func + 1]
    } else {
        Value::Nil
    };
    // Whether `call_kept` takes its fast path as far as the marks and the frame list go
    // (see [`call_pure`]): the same for every call of the loop, as a call made without a
    // frame changes neither.
    let pure = marked
        && ts.c_level() < super::ccalls::MAX_C_CALLS
        && ts.frames.len() < ts.frames_model
        && ts.frames.len() < ts.frames.capacity();
    loop {
        let kept = run_kept(ctx, thread, ts, fuel, below, native, func, first);
        if let Some(Ok(Kept::Call {
            func: Value::Function(cl),
            args,
            bytes,
        })) = kept
        {
            if thread.0.hookmask.get() == 0 {
                // (The fields are copies, so `kept` itself is still live: forgetting it
                // skips an out-of-line call of its drop glue on every comparison, ~10
                // instructions, and leaks nothing, as a `Kept::Call` owns nothing.)
                std::mem::forget(kept);
                if let Some(v) = call_pure(ctx, thread, ts, fuel, func, cl, args, bytes, pure) {
                    first = v;
                    continue;
                }
                return call_kept(ctx, ts, fuel, below, func, cl, args, bytes, marked);
            }
        }
        let r = match kept {
            None => {
                ts.trim_c_calls(below + 1);
                ts.stack.truncate(ts.top as usize);
                let cont = take_cont(ts);
                run_cont(ctx, thread, ts, fuel, below, native, func, cont, Ok(()))
            }
            Some(kept) => {
                ts.trim_c_calls(below + 1);
                kept_action(ts, func, kept)
            }
        };
        return after_cont(ctx, thread, ts, fuel, below, native, func, want, r);
    }
}

/// The call [`call_kept`] would make (the native at `func`, waiting in the top frame, calls
/// the Lua function `cl` with `args`), made without a frame by `pure::call` when it can be
/// made so: its first result. That is when `call_kept` would take its fast path (`pure`:
/// `marked`, under the C-call bound, room in the frame list; and `call_in_place`'s frame
/// within the stack as it is) and changes nothing but what is
/// done here: the fuel, the native frame's charge for its continuation's `bytes`, `top`
/// after the result. The stack keeps its length and its values above `top` (the previous
/// call's), where that call would have cut it at its frame's end and left its registers:
/// stale values, which nothing reads, and every way out of the continuation's loop cuts
/// the stack or writes over them (a call made the usual way, a preemption, an error, the
/// native's results). `None` (nothing changed): `call_kept` makes the call.
///
/// Measured with callgrind (release): a sort of 5,000 integers with
/// `function(a, b) return a > b end` (65,115 comparisons) 52.30M -> 36.60M instructions
/// (~740 -> ~500 a comparison; lua5.4 35.41M), the scaled `sort` bench 150.6M -> 112.4M
/// (lua5.4 115.2M), the other bench programs unchanged; fuel, peak memory and snapshots
/// at any step the same bytes. With `pure` tested once for the loop: 36.60M -> 35.62M, the
/// scaled `sort` 112.4M -> 110.4M.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn call_pure<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    func: usize,
    cl: super::closure::Closure<'gc>,
    args: [Value<'gc>; 2],
    bytes: usize,
    pure: bool,
) -> Option<Value<'gc>> {
    let needed = func + 3 + cl.proto().max_stack as usize;
    if !pure
        || !super::pure::fits(cl)
        || needed > ts.stack.len()
        || needed > ts.stack_model
        || needed > super::exec::MAX_STACK
    {
        return None;
    }
    let before = *fuel;
    fuel.charge(crate::limits::fuel::CALL_FROM_NATIVE);
    let Some((v, n)) = super::pure::call(ctx, thread, ts, cl, args, fuel) else {
        *fuel = before;
        return None;
    };
    if let Some(Frame::Native(nf)) = ts.frames.last_mut() {
        if nf.charge.get() != bytes {
            drop(std::mem::take(&mut nf.charge));
            nf.charge = Charge::transient(bytes);
        }
    }
    ts.top = (func + 1 + n) as u32;
    Some(v)
}

/// Runs the top native frame's library continuation in place ([`LibCont::resume_kept`],
/// with the call's first result), as `run_cont` runs one taken out of its frame: `None` when
/// it declined (nothing done).
///
/// [`LibCont::resume_kept`]: super::cont::LibCont::resume_kept
#[allow(clippy::too_many_arguments)]
#[inline]
fn run_kept<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    below: usize,
    native: Option<NativeRef<'gc>>,
    func: usize,
    first: Value<'gc>,
) -> Option<LuaResult<'gc, Kept<'gc>>> {
    let r = {
        let ThreadState {
            stack,
            frames,
            stack_model,
            ..
        } = &mut *ts;
        let (lower, top) = frames.split_at_mut(below);
        let Some(Frame::Native(nf)) = top.first_mut() else {
            return None;
        };
        let Cont::Lib(lib) = &mut *nf.cont else {
            return None;
        };
        let mut nc = NativeCtx {
            ctx,
            thread,
            stack,
            stack_model: *stack_model,
            base: func + 1,
            frames: lower,
            native,
            fuel,
        };
        lib.resume_kept(&mut nc, first)
    };
    // (Returned as it came, not unwrapped and wrapped again: that moved the whole value
    // twice, ~20 instructions a comparison.)
    if r.is_some() {
        ts.sync_model();
    }
    r
}

/// The Lua function `cl` called at slot `at` with `args` by the native frame on top, which
/// left the stack as the previous such call had it (at least as long as the new frame, with
/// stale values above the window): the stack and frame `push_late` would make (the callee
/// and its arguments in place, nils above them to the frame's end, the stack cut there), in
/// the common case that `push_lua_frame` takes inline. `false`, changing nothing, otherwise.
#[inline]
fn call_in_place<'gc>(
    ts: &mut ThreadState<'gc>,
    at: usize,
    cl: super::closure::Closure<'gc>,
    args: [Value<'gc>; 2],
) -> bool {
    let p = cl.proto();
    let needed = at + 2 + p.max_stack as usize;
    if p.is_vararg
        || (p.num_params as usize) > args.len()
        || needed < at + 1 + args.len()
        || needed > ts.stack.len()
        || needed > ts.stack_model
        || needed > super::exec::MAX_STACK
        || ts.frames.len() >= ts.frames_model
        || ts.frames.len() >= ts.frames.capacity()
    {
        return false;
    }
    let Some(window) = ts.stack.get_mut(at..needed) else {
        return false;
    };
    let (head, rest) = window.split_at_mut(1 + args.len());
    head[0] = Value::Function(cl);
    head[1..].copy_from_slice(&args);
    rest.fill(Value::Nil);
    ts.stack.truncate(needed);
    // (Within the capacity, checked above: `push_lua`'s `push` here became an out-of-line
    // call of `Vec::push_mut`, ~15 instructions a comparison.)
    ts.frames.extend([Frame::Lua(super::thread::LuaFrame {
        closure: cl,
        func: at as u32,
        base: (at + 1) as u32,
        pc: 0,
        nvarargs: 0,
        want: -1,
        aux: 0,
    })]);
    true
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
            Cont::put(&mut nf.cont, cont);
            kept_wait(nf, &mut ts.catch_top, index);
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

/// Whether `nf` is a native whose call from Lua the interpreter makes itself: `pcall`, or a
/// switch (`coroutine.resume`, `coroutine.yield`, see `switch_call`).
#[inline(always)]
pub(super) fn is_special(nf: NativeRef<'_>) -> bool {
    super::switch_call::is_switch(nf)
        || std::ptr::fn_addr_eq(
            nf.def().func,
            super::finish::pcall as super::native::NativeFn,
        )
}

/// The call from Lua of a native [`is_special`] says yes to (no hook set): made here, `Some`
/// with what follows; or `None`, having changed nothing, for the general path.
///
/// # Errors
/// Those of [`pcall_at_call`].
#[allow(clippy::too_many_arguments)]
#[inline(never)]
pub(super) fn special_call<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    nf: NativeRef<'gc>,
    func: usize,
    nargs: usize,
    want: i32,
) -> LuaResult<'gc, Option<Flow<'gc>>> {
    if std::ptr::fn_addr_eq(
        nf.def().func,
        super::finish::pcall as super::native::NativeFn,
    ) {
        if nargs == 0 {
            return Ok(None);
        }
        return pcall_at_call(ctx, thread, ts, fuel, nf, func, nargs, want).map(Some);
    }
    Ok(
        super::switch_call::at_call(ctx, thread, ts, fuel, func, nargs, want)
            .map(|to| Flow::Event(Event::Switched(to))),
    )
}

/// `pcall(f, ...)` at `stack[func]` with `nargs >= 1` arguments, called from Lua with no
/// hook set (its caller wanting `want`), in one go: what `run_native` of `pcall` (the stack
/// cut to its window, the frame list's model, the call's charge) and the call it asks for
/// (`Action::Call` of `f` with `Cont::Pcall`, made by [`call_from_native`]) leave, without
/// the native's run: `pcall` takes `f` out of its window and `call_from_native` puts it back
/// at the same slot, so the stack stays as it is. Then the call of `f`, made by `drive`.
///
/// # Errors
/// Those of the call ("C stack overflow" over the C-call bound, with `f` out of the window
/// as `pcall` left it; a stack overflow).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn pcall_at_call<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    nf: NativeRef<'gc>,
    func: usize,
    nargs: usize,
    want: i32,
) -> LuaResult<'gc, Flow<'gc>> {
    ts.stack.truncate(func + 1 + nargs);
    ts.model_native_frame();
    fuel.charge(crate::limits::fuel::NATIVE_CALL);
    fuel.charge(crate::limits::fuel::CALL_FROM_NATIVE);
    let frame = ts.native_frame(Some(nf), func as u32, want, Cont::Pcall);
    ts.push_frame(Frame::Native(frame));
    if let Err(e) = ts.enter_c_calls(ctx, 1) {
        if func + 1 < ts.stack.len() {
            ts.stack.remove(func + 1);
        }
        return Err(c_overflow_in(ts, false, e));
    }
    let todo = Todo::Call {
        func: func + 1,
        nargs: nargs - 1,
        want: -1,
    };
    super::exec::drive(ctx, thread, ts, fuel, todo)
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

/// The native frame `nf` at `index` (the top one) waits again with the continuation it
/// holds: whether it catches errors, and the charge for its buffers, as for a frame pushed
/// with it.
#[inline]
fn kept_wait(nf: &mut NativeFrame<'_>, catch_top: &mut usize, index: usize) {
    if nf.cont.catches() {
        *catch_top = index + 1;
    }
    let bytes = nf.cont.heap_bytes();
    if nf.charge.get() != bytes {
        drop(std::mem::take(&mut nf.charge));
        nf.charge = Charge::transient(bytes);
    }
}

/// The native at `func`, waiting in the top frame (at `below`), calls the Lua function `cl`
/// again with `args`, its continuation kept as it is: what `call_from_native` and the push
/// of the callee's frame do for it. `marked`: the previous call's mark (for the frame at
/// `below + 1`) is still the top one, and stands for this call's; otherwise the marks are
/// as the general path leaves them after the return. `bytes`: the continuation's heap
/// bytes (see [`Kept::Call`]).
///
/// Inlined in [`deliver_kept`], its one caller (out of line, the call and the arguments
/// passed on the stack cost a comparison ~28 instructions).
///
/// # Errors
/// Those of the C-call bound and of pushing the frame.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn call_kept<'gc>(
    ctx: Ctx<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    below: usize,
    func: usize,
    cl: super::closure::Closure<'gc>,
    args: [Value<'gc>; 2],
    bytes: usize,
    marked: bool,
) -> LuaResult<'gc, Flow<'gc>> {
    fuel.charge(crate::limits::fuel::CALL_FROM_NATIVE);
    if let Some(Frame::Native(nf)) = ts.frames.last_mut() {
        // (A continuation that runs kept never catches: see `LibCont::runs_kept`.)
        debug_assert!(!nf.cont.catches());
        debug_assert_eq!(nf.cont.heap_bytes(), bytes);
        if nf.charge.get() != bytes {
            drop(std::mem::take(&mut nf.charge));
            nf.charge = Charge::transient(bytes);
        }
    }
    // (The count with the mark kept is the one its push was checked at.)
    if !marked || ts.c_level() >= super::ccalls::MAX_C_CALLS {
        if marked {
            ts.trim_c_calls(below + 1);
        }
        if let Err(e) = ts.enter_c_calls(ctx, 1) {
            return Err(c_overflow_in(ts, false, e));
        }
    }
    if !call_in_place(ts, func + 1, cl, args) {
        ts.stack.truncate(func + 1);
        ts.stack.extend_from_slice(&args);
        ts.stack.insert(func + 1, Value::Function(cl));
        push_late(ctx, ts, cl, func + 1, args.len(), -1)?;
    }
    Ok(Flow::Lua { resuming: false })
}

/// Any other outcome of a continuation run in place (see [`LibCont::resume_kept`]) as the
/// action `resume` would have returned (a continuation it holds taken from the frame), with
/// the window as that action wants it.
///
/// [`LibCont::resume_kept`]: super::cont::LibCont::resume_kept
#[cold]
#[inline(never)]
fn kept_action<'gc>(
    ts: &mut ThreadState<'gc>,
    func: usize,
    kept: LuaResult<'gc, Kept<'gc>>,
) -> LuaResult<'gc, Action<'gc>> {
    match kept? {
        Kept::Call {
            func: callee, args, ..
        } => {
            ts.stack.truncate(func + 1);
            ts.stack.extend_from_slice(&args);
            Ok(Action::Call {
                func: callee,
                cont: take_cont(ts),
            })
        }
        Kept::Preempt => Ok(Action::Preempt {
            cont: take_cont(ts),
        }),
        Kept::Then(action) => Ok(action),
    }
}

/// The top frame's continuation (a native frame's), leaving `Discard` in its place.
fn take_cont<'gc>(ts: &mut ThreadState<'gc>) -> Cont<'gc> {
    match ts.frames.last_mut() {
        Some(Frame::Native(nf)) => std::mem::replace(&mut *nf.cont, Cont::Discard),
        _ => Cont::Discard,
    }
}
