//! `coroutine.resume` and `coroutine.yield`, and the interpreter's switch at a `Call` of
//! either: the whole native call and the switch it asks for, in one go.
//!
//! # Design
//! In general a Lua `Call` of `resume` runs the native (`exec::run_native`), which asks for
//! the switch (`Action::Resume`); the interpreter pushes the native's waiting frame and
//! leaves with `Event::Resume`, and the scheduler makes the switch (its common case in
//! `switch::at_once`, the general one in `exec::run`). [`at_call`] does all of that at the
//! `Call` itself when the common case applies (a Lua frame waiting in the other coroutine,
//! no hook, see `switch::deliver_to_lua`): it checks everything first, changing nothing
//! when the general path must run, and then makes every change the general path makes, in
//! its effects (stacks, frames, modeled capacities, statuses, C-call levels, the running
//! chain, the fuel charged), so a run is the same whichever path a switch takes. The
//! interpreter then leaves with `Event::Switched`: the scheduler only swaps which
//! coroutine's state it runs. The natives are recognised by their code (these functions,
//! and the library's `coroutine.wrap` function, `wrap_aux`, which resumes the coroutine in
//! its upvalue with all its arguments and returns what it yields without a leading `true`;
//! the interpreter tests only for the first two, [`go_on`] for all three), which the
//! library registers: a native with another function takes the general path.
//!
//! After such a switch the coroutine switched to goes on in [`go_on`]: its frame's next
//! instructions run in `fast::hot` and the next switch at a call is made from there, without
//! re-entering `interp::execute` (whose entry reloads the frame's state, ~100 instructions a
//! switch) until something `hot` leaves to it.
//!
//! Where a switch goes (session 26, callgrind, release, scaled `coroutine`: a resume and a
//! yield ~1,770 machine instructions, lua5.4 ~1,370): `hot`'s runs between them ~810 (its
//! entries and the four `coroutine.resume`/`coroutine.yield` lookups, `GetTabUp` and
//! `GetField`, ~60 each, included), [`at_call`] ~340 a switch and `Vec::push`'s out-of-line
//! `push_mut` ~22, [`go_on`] ~120. In [`at_call`] no part stands out (its largest lines:
//! the push of the waiting frame ~11, the nils written above the results ~11, its entry and
//! exit ~16). Tried and not kept (against the code here, the same link order file): the
//! waiting frame pushed by `extend(Some(frame))` (`extend_trusted` is out of line too):
//! +0.7%; [`resume_at_call`] and [`yield_at_call`] out of line, called from [`at_call`]
//! (`push_mut` stayed out of line): +3.2%; [`at_call`] given the native its callers have
//! read (not reading `stack[func]` again): +1.5% (an eighth argument, more spills in both).
//! Session 27 (a pair ~1,760: [`at_call`] ~332 a switch, [`go_on`] ~116): also not kept,
//! [`at_call`] giving back the state it borrowed, kept by [`execute`] as the running one's
//! (one borrow and barrier a switch instead of two): +2.0% (the three-word result returned
//! in memory, the guard moved, more spills in [`at_call`] +10 and [`go_on`] +8 a switch);
//! the waiting frame pushed without testing the model again and `resume`'s `true` written
//! over the native's slot instead of pushed: [`at_call`] +0.5 a switch, `coroutine_wrap`
//! +0.4%. What is left is mostly the waiting native frame itself (built, pushed with the
//! out-of-line `push_mut`, popped and matched on the other side, its continuation's box
//! rewritten: ~60-70 instructions a switch, read off the listing), which only a leaner frame
//! shape (a snapshot format change) would remove.
//!
//! Session 29: [`go_on`] makes the switch itself, the bodies of [`resume_at_call`] and
//! [`yield_at_call`] inline there (the native told by its own test, not tested again), so a
//! ping-pong makes no call per switch but `hot`'s; the waiting frame's push then stays
//! inline too, under one test of the frame list's room and model ([`push_waiting`]).
//! Callgrind, scaled: `coroutine` 264.10M -> 248.51M (-5.9%, a pair ~1,660),
//! `coroutine_wrap` 247.61M -> 229.93M (-7.1%), the other programs within 0.13% (the same
//! with a regenerated link order file); then a wrap function's switch inline there too:
//! `coroutine` 247.32M (-0.5%), `coroutine_wrap` 220.04M (-4.3%). Tried and
//! not kept: the values and nils of `switch::deliver` written on a local copy of the stack's
//! `Vec` (taken and put back, so that its length and buffer stay in registers; before the
//! inlining, with [`push_waiting`]): +0.7% against the code before; after it, the nils by
//! `extend(repeat_n(..))`: +1.6%, and [`go_on`] keeping the state the switch borrowed as the
//! running one's (again, now inline): +0.9%, `coroutine_wrap` +1.6%. `panic = "abort"` in
//! the release profile (no landing pads): `coroutine` -1.2%, but `closures` +3.9%, `fib`
//! +3.2%, `binary_trees` +1.3% (same order file).

use super::ccalls::MAX_C_CALLS;
use super::closure::ClosureData;
use super::closure::NativeRef;
use super::cont::Cont;
use super::error::LuaResult;
use super::exec::{Event, Flow};
use super::native::{Action, NativeCtx, NativeFn};
use super::state::Ctx;
use super::switch::deliver;
use super::thread::{Frame, NativeFrame, Status, Thread, ThreadState};
use super::value::Value;
use crate::compiler::opcodes::Op;
use crate::limits::fuel::{Fuel, COROUTINE_SWITCH, INSTRUCTION, NATIVE_CALL};
use gc_arena::Gc;
use std::cell::RefMut;

/// Runs Lua frames with `interp::execute` until something only the scheduler can handle
/// happens, in `thread` (its state borrowed in `guard`), going on in the coroutine a
/// `resume` or `yield` switched to at its call ([`at_call`]): then `thread` and `guard` are
/// that coroutine's, the running one.
#[inline]
pub fn execute<'gc>(
    ctx: Ctx<'gc>,
    thread: &mut Thread<'gc>,
    guard: &mut RefMut<'gc, ThreadState<'gc>>,
    fuel: &mut Fuel,
    mut resuming: bool,
) -> LuaResult<'gc, Flow<'gc>> {
    loop {
        match super::interp::execute(ctx, *thread, guard, fuel, resuming) {
            // (A switch is always to another coroutine, whose state is not borrowed.)
            Ok(Flow::Event(Event::Switched(mut to))) => loop {
                *guard = to.borrow_mut_inline(ctx.mc);
                *thread = to;
                match go_on(ctx, to, guard, fuel) {
                    GoOn::Switched(next) => to = next,
                    GoOn::Execute { resuming: r } => {
                        resuming = r;
                        break;
                    }
                }
            },
            r => return r,
        }
    }
}

/// The native of a call [`go_on`] switches at.
#[derive(Clone, Copy)]
enum Which {
    /// [`resume`].
    Resume,
    /// [`yield_`].
    Yield,
    /// A registered `coroutine.wrap` function.
    Wrap,
}

/// What [`go_on`] did.
enum GoOn<'gc> {
    /// It switched again, to this coroutine, now running.
    Switched(Thread<'gc>),
    /// `interp::execute` goes on in the top frame (`resuming`: finishing the instruction
    /// before its `pc`, as after any switch).
    Execute { resuming: bool },
}

/// Goes on in the Lua frame a switch at a call ([`at_call`]) just resumed in `thread`
/// (state `ts`), without re-entering `interp::execute` (whose entry reloads the frame and
/// its spilled state, ~100 instructions a switch): when that frame waits in a plain
/// `Call` (nothing to finish) and no hook is set, its next instructions run in `fast::hot`,
/// and when it stops at a `Call` of `coroutine.resume`, `yield` or a `coroutine.wrap`
/// function, that call and its switch are made here as `execute` makes them (the instruction's fuel unit, the frame's `pc`
/// after it, [`at_call`]). Anything else is left to `execute` at the `pc` where `hot`
/// stopped (saved in the frame), which runs the same instructions the same way: `hot` is
/// only a shortcut for some of `execute`'s cases, with the same fuel at the same points,
/// so a run (and a snapshot taken when the fuel runs out, at any instruction) is the same
/// whichever runs them.
#[inline(always)]
fn go_on<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
) -> GoOn<'gc> {
    let Some(&Frame::Lua(f)) = ts.frames.last() else {
        return GoOn::Execute { resuming: true };
    };
    let cdata: &'gc ClosureData<'gc> = Gc::as_ref(f.closure.0);
    let code: &'gc [Op] = &Gc::as_ref(cdata.proto).proto.code;
    let (base, start) = (f.base as usize, f.pc as usize);
    // (No hook is set in `thread`: `at_call` switched to it only so, and nothing ran since.)
    debug_assert!(thread.0.hookmask.get() == 0);
    if !matches!(code.get(start.wrapping_sub(1)), Some(Op::Call { .. })) {
        return GoOn::Execute { resuming: true };
    }
    let (pc, rem) =
        super::fast::enter_resumed(ctx.mc, thread, cdata, ts, base, start, fuel.remaining());
    fuel.remaining = rem;
    // (`hot::<false>` neither pushes nor pops frames: the frame is still the top one.)
    let set_pc = |ts: &mut ThreadState<'gc>, pc: usize| {
        if let Some(Frame::Lua(f)) = ts.frames.last_mut() {
            f.pc = pc as u32;
        }
    };
    let stopped = GoOn::Execute { resuming: false };
    // `execute`'s fuel check before the instruction (no hook: the limit is 0).
    if rem <= 0 {
        set_pc(ts, pc);
        return stopped;
    }
    // `execute`'s `Call` as far as `call_native!`'s test for a switch.
    let Some(&Op::Call { a, b, c }) = code.get(pc) else {
        set_pc(ts, pc);
        return stopped;
    };
    let func = base + a as usize;
    let Some(nf) = ts.stack.get(func).and_then(|&v| NativeRef::of(v)) else {
        set_pc(ts, pc);
        return stopped;
    };
    let f = nf.def().func;
    let which = if std::ptr::fn_addr_eq(f, resume as NativeFn) {
        Which::Resume
    } else if std::ptr::fn_addr_eq(f, yield_ as NativeFn) {
        Which::Yield
    } else if WRAP_NATIVE
        .get()
        .is_some_and(|w| std::ptr::fn_addr_eq(f, w.func))
    {
        Which::Wrap
    } else {
        set_pc(ts, pc);
        return stopped;
    };
    let nargs = if b == 0 {
        (ts.top as usize)
            .min(ts.stack.len())
            .saturating_sub(func + 1)
    } else {
        b as usize - 1
    };
    // The instruction's unit (the fuel is not exhausted) and its `pc` saved, as `execute`
    // does before `call_native!`.
    fuel.charge_unexhausted(INSTRUCTION);
    set_pc(ts, pc + 1);
    // (`at_call` inline, without testing the native again: the switch of a ping-pong is
    // made here on every turn but the first.)
    let want = c as i32 - 1;
    let to = match which {
        Which::Resume => resume_at_call::<false>(ctx, thread, ts, fuel, nf, func, nargs, want),
        Which::Yield => yield_at_call(ctx, thread, ts, fuel, nf, func, nargs, want),
        // (Inline too: `coroutine_wrap` -4.3%, `coroutine` -0.5%.)
        Which::Wrap => resume_at_call::<true>(ctx, thread, ts, fuel, nf, func, nargs, want),
    };
    match to {
        Some(to) => GoOn::Switched(to),
        None => {
            // (`at_call` changed nothing: undone, `execute` makes the call.)
            fuel.remaining = rem;
            set_pc(ts, pc);
            stopped
        }
    }
}

/// `coroutine.resume(co, ...)`: asks the scheduler to resume `co` with the other
/// arguments (its window holds them then).
///
/// # Errors
/// "bad argument #1 to 'resume' (thread expected)".
pub fn resume<'gc>(nc: &mut NativeCtx<'gc, '_>) -> LuaResult<'gc, Action<'gc>> {
    let co = match nc.arg(1) {
        Value::Thread(t) => t,
        _ => return Err(nc.arg_type_error(1, "thread")),
    };
    // (`Vec::remove` of the coroutine, element by element: a handful of values, where
    // `remove` calls `memmove`. The window is not empty: it holds the coroutine.)
    let (b, n) = (nc.base, nc.stack.len());
    for i in b..n.saturating_sub(1) {
        nc.stack[i] = nc.stack[i + 1];
    }
    nc.stack.truncate(n.saturating_sub(1).max(b));
    nc.charge(COROUTINE_SWITCH);
    Ok(Action::Resume {
        thread: co,
        cont: Cont::Resume,
    })
}

/// `coroutine.yield(...)`: asks the scheduler to yield the window's values.
///
/// # Errors
/// Outside a coroutine (the main one, unless its host lets it yield), in a finalizer, or
/// across a C-call boundary.
pub fn yield_<'gc>(nc: &mut NativeCtx<'gc, '_>) -> LuaResult<'gc, Action<'gc>> {
    use super::error::LuaError;
    if nc.thread == nc.ctx.state.main && !nc.ctx.state.main_yieldable.get() {
        return Err(LuaError::op("attempt to yield from outside a coroutine"));
    }
    if super::gc::thread_in_finalizer(nc.ctx, nc.frames) || behind_boundary(nc.ctx, nc.frames) {
        return Err(LuaError::op("attempt to yield across a C-call boundary"));
    }
    Ok(Action::Yield { cont: None })
}

/// Whether `frames` (a running coroutine's) hold a native that is a C-call boundary, when
/// the VM has them (`State::c_call_boundaries`).
pub fn behind_boundary(ctx: Ctx<'_>, frames: &[Frame<'_>]) -> bool {
    ctx.state.c_call_boundaries.get()
        && frames
            .iter()
            .any(|f| matches!(f, Frame::Native(n) if !n.cont.yieldable()))
}

/// Whether `nf` is [`resume`] or [`yield_`] (then the interpreter tries [`at_call`]). (The
/// test inline, on every native call from a `Call`; the switch out of line.) A
/// `coroutine.wrap` function is left to the general path there (testing for it too cost
/// every native call, callgrind `nbody` and `table_lib` +0.1%): once a switch at a call
/// was made, [`go_on`] tests for it ([`Which`]), and a ping-pong through a
/// wrap function then stays in `go_on`.
#[inline(always)]
pub(super) fn is_switch(nf: NativeRef<'_>) -> bool {
    let f = nf.def().func;
    std::ptr::fn_addr_eq(f, resume as NativeFn) || std::ptr::fn_addr_eq(f, yield_ as NativeFn)
}

/// The coroutine library's `coroutine.wrap` function (its native) and the continuation its
/// frame waits in, registered by the library ([`register_wrap`]) so that the core switches at
/// a call of it without knowing the library. Unregistered, such calls take the general path.
#[derive(Clone, Copy)]
pub struct WrapNative {
    /// The native a `coroutine.wrap` function runs (its coroutine is its upvalue).
    pub func: NativeFn,
    /// The continuation its frame waits in while the coroutine runs.
    pub cont: for<'gc> fn(Ctx<'gc>) -> Cont<'gc>,
}

static WRAP_NATIVE: std::sync::OnceLock<WrapNative> = std::sync::OnceLock::new();

/// Registers the `coroutine.wrap` native (the same for every VM: the first registration
/// stays).
pub fn register_wrap(w: WrapNative) {
    let _ = WRAP_NATIVE.set(w);
}

/// A Lua frame of `thread` (state `ts`, no hook set) calls [`resume`], [`yield_`] or a
/// `coroutine.wrap` function at `stack[func]` with `nargs`
/// arguments, wanting `want` results: the call and the switch it asks for, if they are the
/// common case (see the module docs). `Some` coroutine, now
/// running (the running chain's last), whose Lua frame goes on; `None`, having changed
/// nothing, for the general path.
#[inline(never)]
pub(super) fn at_call<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    func: usize,
    nargs: usize,
    want: i32,
) -> Option<Thread<'gc>> {
    let nf = NativeRef::of(*ts.stack.get(func)?)?;
    // (Both inline here: one call from the interpreter per switch, not two.)
    let f = nf.def().func;
    if std::ptr::fn_addr_eq(f, resume as NativeFn) {
        resume_at_call::<false>(ctx, thread, ts, fuel, nf, func, nargs, want)
    } else if std::ptr::fn_addr_eq(f, yield_ as NativeFn) {
        yield_at_call(ctx, thread, ts, fuel, nf, func, nargs, want)
    } else if WRAP_NATIVE
        .get()
        .is_some_and(|w| std::ptr::fn_addr_eq(f, w.func))
    {
        wrap_at_call(ctx, thread, ts, fuel, nf, func, nargs, want)
    } else {
        None
    }
}

/// [`resume_at_call`] of a `coroutine.wrap` function, out of line in [`at_call`] (inline, it
/// made [`at_call`] larger and `resume` and `yield` slower: callgrind, `coroutine` +1.8%).
/// ([`go_on`], where a ping-pong makes its switches, has it inline: faster there, see above.)
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn wrap_at_call<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    nf: NativeRef<'gc>,
    func: usize,
    nargs: usize,
    want: i32,
) -> Option<Thread<'gc>> {
    resume_at_call::<true>(ctx, thread, ts, fuel, nf, func, nargs, want)
}

/// `run_native`'s model of the frame list (grown for one more frame) and of the stack (at
/// `len`, the native's window), then the native's waiting frame pushed, with `cont`: in the
/// common case, a frame list with room within its model, one test of it and a plain push.
#[inline(always)]
fn push_waiting<'gc>(
    ts: &mut ThreadState<'gc>,
    nf: NativeRef<'gc>,
    func: usize,
    want: i32,
    cont: Box<Cont<'gc>>,
    len: usize,
) {
    let n = ts.frames.len();
    if n < ts.frames_model && n < ts.frames.capacity() {
        // (Neither model grows the frame list's: `model_native_frame` and
        // `push_waiting_boxed` would do nothing else.)
        ts.model_stack_len(len);
        ts.frames.push(Frame::Native(NativeFrame {
            native: Some(nf),
            func: func as u32,
            want,
            cont,
            charge: super::memory::Charge::transient(0),
        }));
    } else {
        push_waiting_grown(ts, nf, func, want, cont, len);
    }
}

/// [`push_waiting`] when the frame list's model or buffer grows, out of line.
#[cold]
#[inline(never)]
fn push_waiting_grown<'gc>(
    ts: &mut ThreadState<'gc>,
    nf: NativeRef<'gc>,
    func: usize,
    want: i32,
    cont: Box<Cont<'gc>>,
    len: usize,
) {
    ts.model_native_frame();
    ts.model_stack_len(len);
    ts.push_waiting_boxed(Some(nf), func as u32, want, cont);
}

/// [`at_call`] of [`resume`] (`WRAP`: of a `coroutine.wrap` function, `wrap_aux`, whose
/// coroutine is its upvalue and whose window is all its arguments; its frame waits in its
/// own continuation, which returns the values delivered as they are): `run_native` and the
/// native, `after_native`'s (for a wrap function `drive`'s) waiting frame, then
/// `switch::at_once`'s resume of a coroutine suspended in a yield called from Lua.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn resume_at_call<'gc, const WRAP: bool>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    nf: NativeRef<'gc>,
    func: usize,
    nargs: usize,
    want: i32,
) -> Option<Thread<'gc>> {
    let end = func + 1 + nargs;
    if end > ts.stack.len() {
        return None;
    }
    // The coroutine, and the first slot of the values it is resumed with.
    let (co, from) = if WRAP {
        let Some(&Value::Thread(co)) = nf.upvalues().first() else {
            return None;
        };
        (co, func + 1)
    } else {
        let Some(&Value::Thread(co)) = ts.stack.get(func + 1) else {
            return None;
        };
        (co, func + 2)
    };
    if (!WRAP && nargs == 0)
        || co == thread
        || co
            .0
            .state
            .try_borrow()
            .map_or(true, |t| t.status != Status::Suspended)
    {
        return None;
    }
    // (The level `hand_over` reads: the waiting frame pushed below adds no C call.)
    let level = ts.c_level();
    if level >= MAX_C_CALLS {
        return None;
    }
    let mut tts = co.borrow_mut_inline(ctx.mc);
    // The arguments after the coroutine: the native's window once it removed it. (The
    // charges of `run_native` and the native, with the values moved: a sum of charges is
    // one charge. The box of the frame it pops holds this side's waiting frame.)
    let charge = NATIVE_CALL + COROUTINE_SWITCH;
    let mut cont = deliver(co, &mut tts, fuel, charge, &ts.stack[from..end])?;
    Cont::put(
        &mut cont,
        if WRAP {
            // (The library's unit continuation: its box allocates nothing.)
            (WRAP_NATIVE.get()?.cont)(ctx)
        } else {
            Cont::Resume
        },
    );
    // `run_native` (the stack cut to the window, the frame modeled, the call charged), the
    // native (`resume`: the coroutine removed from the window, one slot shorter, synced), the
    // waiting frame, and the window taken.
    push_waiting(ts, nf, func, want, cont, if WRAP { end } else { end - 1 });
    ts.stack.truncate(func + 1);
    ts.status = Status::Normal;
    // `lua_resume`: the coroutine runs at its resumer's C calls plus one.
    tts.c_base = level + 1;
    tts.status = Status::Running;
    drop(tts);
    // (The barrier and the borrow inline: `borrow_mut` is an out-of-line call.)
    ctx.state.running.unlock(ctx.mc).borrow_mut().push(co);
    Some(co)
}

/// [`at_call`] of [`yield_`]: `run_native` and the native (whose errors the checks here
/// leave to the general path), `after_native`'s waiting frame, then `switch::at_once`'s
/// yield to a resumer waiting in a resume called from Lua.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn yield_at_call<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    nf: NativeRef<'gc>,
    func: usize,
    nargs: usize,
    want: i32,
) -> Option<Thread<'gc>> {
    let end = func + 1 + nargs;
    if end > ts.stack.len()
        || thread == ctx.state.main
        || super::gc::thread_in_finalizer(ctx, &ts.frames)
        || behind_boundary(ctx, &ts.frames)
    {
        return None;
    }
    // (Borrowed once, to read the resumer and to pop this coroutine: the barrier is the
    // general path's, which pops it too whenever it yields.)
    let mut running = ctx.state.running.unlock(ctx.mc).borrow_mut();
    let to = match running[..] {
        [.., to, last] if last == thread && to != thread => to,
        _ => return None,
    };
    let mut tts = to.borrow_mut_inline(ctx.mc);
    // (With `run_native`'s charge; the box of the frame it pops holds the waiting frame.)
    let mut cont = deliver(to, &mut tts, fuel, NATIVE_CALL, &ts.stack[func + 1..end])?;
    Cont::put(&mut cont, Cont::Yielded);
    push_waiting(ts, nf, func, want, cont, end);
    ts.stack.truncate(func + 1);
    ts.status = Status::Suspended;
    tts.status = Status::Running;
    drop(tts);
    running.pop();
    Some(to)
}
