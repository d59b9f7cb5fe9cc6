//! Calls, returns, errors and coroutine switches: the machinery around the interpreter loop.
//!
//! # Design
//! Everything here is iterative. A call either pushes a Lua frame (and the interpreter picks it
//! up) or runs a native to completion, whose [`Action`] may ask for more calls; results are
//! delivered to whatever waits below (a Lua frame resumes, a native frame's continuation runs).
//! [`drive`] loops over these [`Todo`] items, so no chain of natives returning into natives can
//! grow the Rust stack. Errors unwind the explicit frame stack to the nearest catching
//! continuation ([`throw`]), running `__close` handlers on the way as ordinary calls.
//! Coroutine resume/yield are [`Event`]s handled by [`run`], which switches the running thread.

use crate::compiler::opcodes::Op;
use crate::limits::fuel::Fuel;
use gc_arena::Gc;
use smallvec::SmallVec;

use super::closure::{NativeRef, UpState, Upvalue, UpvalueExt};
use super::cont::Cont;
use super::convert;
use super::error::{LuaError, LuaResult};
use super::native::{Action, NativeCtx};
use super::state::{Ctx, Tm, LOADED_KEY};
use super::thread::{Frame, LuaFrame, NativeFrame, Status, Thread, ThreadState};
use super::value::Value;

#[path = "exec_room.rs"]
mod room;
pub use room::call_chain_room;
use room::{frame_needed, frame_room};
#[path = "exec_throw.rs"]
mod unwind;
pub use unwind::throw;
#[path = "exec_finalize.rs"]
mod finalize;
use finalize::{next_finalizer, push_next_finalizer, start_finalizers, FinalizerStep};

/// Most stack slots a thread may use (Lua's `LUAI_MAXSTACK`): beyond it, "stack overflow".
pub const MAX_STACK: usize = 1_000_000;
/// Extra stack slots granted to an `xpcall` message handler running after a stack overflow
/// (Lua's `ERRORSTACKSIZE` idea), so the handler itself can run.
pub const ERROR_EXTRA_STACK: usize = 200;

/// Whether the stack may grow to `needed` slots: the normal limit, plus some room while an
/// `xpcall` handler runs (only checked on the rare overflow path).
#[cold]
fn stack_room_for_handler(ts: &ThreadState<'_>, needed: usize) -> bool {
    // (A message handler frame catches errors: only frames below the catch bound can be one.)
    needed <= MAX_STACK + ERROR_EXTRA_STACK
        && ts.frames[..ts.catch_bound()]
            .iter()
            .rev()
            .any(|f| matches!(f, Frame::Native(n) if matches!(*n.cont, Cont::XpcallHandler { .. })))
}

/// What the thread loop should do next.
pub enum Flow<'gc> {
    /// The top frame is a Lua frame: run it. `resuming`: a call it made just returned, so
    /// the instruction before its pc must be finished first.
    Lua {
        /// Whether to finish the interrupted instruction.
        resuming: bool,
    },
    /// Something only the scheduler can handle.
    Event(Event<'gc>),
}

/// A thread-level event.
pub enum Event<'gc> {
    /// The fuel budget is spent; the thread is resumable as is.
    OutOfFuel,
    /// The thread's outermost function returned; results are `stack[0..top]`.
    Finished,
    /// The top native frame yields the values in its window.
    Yield,
    /// The top native frame resumes this coroutine with the values in its window.
    Resume(Thread<'gc>),
    /// The thread died with an uncaught error (value, traceback).
    Error(Value<'gc>, String),
    /// The top native frame waits for the host (`Action::Wait`).
    Wait,
    /// A `Call` of `resume` or `yield` made its switch (see `switch_call`): this coroutine,
    /// now the running chain's last, goes on in its top Lua frame.
    Switched(Thread<'gc>),
}

/// A unit of call/return work for [`drive`].
pub enum Todo<'gc> {
    /// Call `stack[func]` with `nargs` arguments, wanting `want` results (-1: all).
    Call {
        /// Slot of the callee.
        func: usize,
        /// Number of arguments after it.
        nargs: usize,
        /// Results wanted.
        want: i32,
    },
    /// The native called at `func` returned `action`.
    Action {
        /// The native (for frames and traceback).
        native: Option<NativeRef<'gc>>,
        /// Its slot.
        func: usize,
        /// Results its caller wants.
        want: i32,
        /// What it asked for.
        action: Action<'gc>,
    },
    /// A call at `func` finished with `n` results at `stack[func..func+n]`.
    Deliver {
        /// Where the results are.
        func: usize,
        /// How many.
        n: usize,
        /// How many the caller wants.
        want: i32,
    },
}

/// The source line being executed by a Lua frame (-1 in a function without line
/// information, as Lua's `currentline`).
pub fn frame_line(f: &LuaFrame<'_>) -> i64 {
    let p = f.closure.proto();
    p.lines
        .get((f.pc as usize).saturating_sub(1))
        .map_or(-1, |&l| l as i64)
}

/// `chunk:line:` of a Lua frame.
pub fn frame_where(f: &LuaFrame<'_>) -> String {
    let p = f.closure.proto();
    format!(
        "{}:{}:",
        crate::compiler::proto::short_source(&p.source),
        frame_line(f)
    )
}

/// Lua's `luaL_where(L, level)` from a native's point of view: level 1 is the frame that called
/// the running native (the top frame), level 2 the one below, and so on.
pub fn where_at_level(frames: &[Frame<'_>], level: usize) -> String {
    if level == 0 || level > frames.len() {
        return String::new();
    }
    match &frames[frames.len() - level] {
        Frame::Lua(f) => lua_where(f),
        Frame::Native(_) => String::new(),
    }
}

/// `luaL_where` of a Lua frame: `chunk:line: `, or nothing in a function without line
/// information.
pub fn lua_where(f: &LuaFrame<'_>) -> String {
    if frame_line(f) > 0 {
        format!("{} ", frame_where(f))
    } else {
        String::new()
    }
}

/// Pushes a Lua frame for a call that cannot be retried after a collection (a native asked
/// for it, or a tail call already moved its arguments): if the stacks cannot grow within the
/// memory budget and no collection just ran, they grow anyway and a full collection is
/// requested for the end of the slice, where the budget is enforced; right after a
/// collection, or while the last check point found the budget exhausted (see
/// `State::budget_exhausted`), "not enough memory".
pub fn push_late<'gc>(
    ctx: Ctx<'gc>,
    ts: &mut ThreadState<'gc>,
    closure: super::closure::Closure<'gc>,
    func: usize,
    nargs: usize,
    want: i32,
) -> LuaResult<'gc, ()> {
    match push_lua_frame(ts, closure, func, nargs, want, true) {
        Err(LuaError::RetryAfterGc)
            if !ctx.state.just_collected.get() && !ctx.state.budget_exhausted.get() =>
        {
            ctx.ask_collection_for_memory(false);
            push_lua_frame(ts, closure, func, nargs, want, false).map(|_| ())
        }
        Err(LuaError::RetryAfterGc) => Err(ctx.not_enough_memory()),
        r => r.map(|_| ()),
    }
}

/// A tail call from the Lua frame on top (registers at `base`) to the Lua function at
/// `stack[func]` with `nargs` arguments, in the common case: a fixed-parameter callee given
/// enough arguments, whose frame fits the stack's modeled capacity, with a frame list below
/// its model. The callee takes the frame's place as in `interp`'s general path
/// (`call_chain_room`, which has nothing to check then, `close_upvalues`, the arguments moved
/// down, the frame replaced by one marked as a tail call, the stack grown to the new frame):
/// the same frames and upvalues, without the general path's steps, and the stack above the
/// arguments left as it was (see below). `false`, changing nothing, in other cases.
#[inline(never)]
pub fn tail_call_lua<'gc>(
    ctx: Ctx<'gc>,
    ts: &mut ThreadState<'gc>,
    base: usize,
    func: usize,
    nargs: usize,
) -> bool {
    let Some(&Value::Function(callee)) = ts.stack.get(func) else {
        return false;
    };
    let frame_func = match ts.frames.last() {
        Some(Frame::Lua(f)) => f.func as usize,
        _ => return false,
    };
    let p = callee.proto();
    let needed = frame_func + 2 + p.max_stack as usize;
    let args_end = func + 1 + nargs;
    if p.is_vararg
        || nargs < p.num_params as usize
        || needed > ts.stack_model
        || needed > MAX_STACK
        || ts.frames.len() >= ts.frames_model
        || args_end > ts.stack.len()
        || frame_func >= func
    {
        return false;
    }
    if ts
        .open_upvalues
        .last()
        .is_some_and(|u| matches!(u.get(), UpState::Open { slot, .. } if slot as usize >= base))
    {
        close_upvalues(ctx, ts, base);
    }
    // (Element by element: a handful of values, where `copy_within` calls `memmove`.)
    for i in 0..=nargs {
        ts.stack[frame_func + i] = ts.stack[func + i];
    }
    // (The general path also cuts the stack after the arguments and lengthens it with nils:
    // not needed for the callee, whose registers above its parameters are written before
    // they are read, as after a plain call, which leaves what the stack held there. What
    // calls left above a frame is garbage that full collections clear, see
    // `gc::clear_stale_slots`; which path a tail call takes is a function of saved state.)
    ts.grow_stack(needed);
    if let Some(Frame::Lua(f)) = ts.frames.last_mut() {
        f.closure = callee;
        f.base = (frame_func + 1) as u32;
        f.pc = 0;
        f.nvarargs = 0;
        f.aux = LuaFrame::TAIL;
    }
    true
}

/// A tail call from the Lua frame on top (registers at `base`) to `stack[func]` with `nargs`
/// arguments, in every case [`tail_call_lua`] declines: checks the call chain's room, closes
/// the frame's upvalues and resolves `__call`. A Lua callee then takes the frame's place
/// (marked as a tail call) and `None` is returned; otherwise the stack holds the callee
/// (a native, or a value that is not callable) at `func` and its argument count is returned.
pub fn tail_call_general<'gc>(
    ctx: Ctx<'gc>,
    ts: &mut ThreadState<'gc>,
    base: usize,
    func: usize,
    nargs: usize,
) -> LuaResult<'gc, Option<usize>> {
    let (frame_func, want) = match ts.frames.last() {
        Some(Frame::Lua(f)) => (f.func as usize, f.want),
        _ => return Err(LuaError::rt("internal error: no Lua frame")),
    };
    call_chain_room(ctx, ts, func, frame_func, nargs)?;
    close_upvalues(ctx, ts, base);
    // Resolve `__call` so a Lua callee can replace this frame.
    let mut nargs = nargs;
    let mut guard = 0;
    while !matches!(
        ts.stack[func],
        Value::Function(_) | Value::Native(_) | Value::LightNative(_)
    ) {
        let tm = ctx.metamethod(ts.stack[func], Tm::Call);
        if tm.is_nil() || guard > super::meta::MAX_TAG_LOOP {
            break;
        }
        guard += 1;
        ts.stack.truncate(func + 1 + nargs);
        ts.stack.insert(func, tm);
        ts.sync_model();
        nargs += 1;
    }
    let Value::Function(callee) = ts.stack[func] else {
        return Ok(Some(nargs));
    };
    // A proper tail call: the callee takes this frame's place.
    for i in 0..=nargs {
        ts.stack[frame_func + i] = ts.stack[func + i];
    }
    ts.pop_frame();
    ts.stack.truncate(frame_func + 1 + nargs);
    // The arguments were already moved down: no retry (see `push_late`).
    push_late(ctx, ts, callee, frame_func, nargs, want)?;
    if let Some(Frame::Lua(f)) = ts.frames.last_mut() {
        f.aux |= LuaFrame::TAIL;
    }
    Ok(None)
}

/// Pushes a Lua frame for the closure at `stack[func]` called with `nargs` arguments, and
/// returns its base (the interpreter switches to the new frame without reading it back).
///
/// # Errors
/// "stack overflow"; `RetryAfterGc` when `check_memory` and the stacks cannot grow within
/// the memory budget (nothing was changed: the caller decides whether the call can be retried
/// after a collection, see `Ctx::out_of_memory`, or pushes it anyway, see [`push_late`]).
#[inline(always)]
pub fn push_lua_frame<'gc>(
    ts: &mut ThreadState<'gc>,
    closure: super::closure::Closure<'gc>,
    func: usize,
    nargs: usize,
    want: i32,
    check_memory: bool,
) -> LuaResult<'gc, usize> {
    // The common case, inline: enough arguments for a fixed-parameter function, and a stack
    // and frame list within their modeled capacities (so no memory check and no growth of
    // the model; a stack shorter than the frame, after a tail call or a native's return, is
    // lengthened with nils exactly as the general path does). Every other case, or any
    // doubt, takes the general path below.
    let p = closure.proto();
    let needed = func + 2 + p.max_stack as usize;
    if !p.is_vararg
        && nargs >= p.num_params as usize
        && needed <= ts.stack_model
        && needed <= MAX_STACK
        && ts.frames.len() < ts.frames_model
    {
        // (A stack cut short by a native's return, within its buffer: the frame's few
        // slots pushed here, not by `grow_stack`'s out-of-line `resize`.)
        if ts.stack.len() < needed {
            if needed <= ts.stack.capacity() {
                ts.fill_nil_to(needed);
            } else {
                ts.grow_stack(needed);
            }
        }
        ts.push_lua(LuaFrame {
            closure,
            func: func as u32,
            base: (func + 1) as u32,
            pc: 0,
            nvarargs: 0,
            want,
            aux: 0,
        });
        return Ok(func + 1);
    }
    push_lua_frame_general(ts, closure, func, nargs, want, check_memory)
}

/// [`push_lua_frame`] in every case (varargs, missing parameters, growth, limits).
#[inline(never)]
fn push_lua_frame_general<'gc>(
    ts: &mut ThreadState<'gc>,
    closure: super::closure::Closure<'gc>,
    func: usize,
    nargs: usize,
    want: i32,
    check_memory: bool,
) -> LuaResult<'gc, usize> {
    let p = closure.proto();
    let np = p.num_params as usize;
    if !p.is_vararg && nargs >= np {
        // Common case: no varargs, no missing parameters.
        let base = func + 1;
        let needed = base + p.max_stack as usize + 1;
        if needed > MAX_STACK && !stack_room_for_handler(ts, needed) {
            return Err(LuaError::rt("stack overflow"));
        }
        if check_memory {
            frame_room(ts, needed)?;
        }
        ts.grow_stack(needed);
        ts.push_frame(Frame::Lua(LuaFrame {
            closure,
            func: func as u32,
            base: base as u32,
            pc: 0,
            nvarargs: 0,
            want,
            aux: 0,
        }));
        return Ok(base);
    }
    let nargs_adj = nargs.max(np);
    let (base, nvarargs) = if p.is_vararg {
        (func + 1 + nargs_adj + 1, nargs_adj - np)
    } else {
        (func + 1, 0)
    };
    let needed = frame_needed(p, func, nargs);
    if needed > MAX_STACK && !stack_room_for_handler(ts, needed) {
        return Err(LuaError::rt("stack overflow"));
    }
    if check_memory {
        frame_room(ts, needed)?;
    }
    // Missing parameters are nil.
    ts.grow_stack(func + 1 + nargs_adj);
    for slot in func + 1 + nargs..func + 1 + nargs_adj {
        ts.stack[slot] = Value::Nil;
    }
    ts.grow_stack(needed);
    if p.is_vararg {
        // Copy the function and fixed parameters above the varargs (Lua's layout).
        ts.stack[base - 1] = ts.stack[func];
        for i in 0..np {
            ts.stack[base + i] = ts.stack[func + 1 + i];
            ts.stack[func + 1 + i] = Value::Nil;
        }
    }
    ts.push_frame(Frame::Lua(LuaFrame {
        closure,
        func: func as u32,
        base: base as u32,
        pc: 0,
        nvarargs: nvarargs as u32,
        want,
        aux: 0,
    }));
    Ok(base)
}

/// Wording for "attempt to call a X value (kind 'name')" when `stack[func]` isn't callable.
fn call_error<'gc>(ctx: Ctx<'gc>, ts: &ThreadState<'gc>, func: usize) -> LuaError<'gc> {
    let v = ts.stack.get(func).copied().unwrap_or(Value::Nil);
    let mut info = String::new();
    if let Some(Frame::Lua(f)) = ts.frames.last() {
        let p = f.closure.proto();
        if func >= f.base as usize {
            if let Some((kind, name)) = p.describe_call((f.pc as usize).saturating_sub(1)) {
                info = format!(" ({} '{}')", kind, String::from_utf8_lossy(&name));
            }
        }
    }
    LuaError::rt(format!(
        "attempt to call a {} value{}",
        convert::type_name_for_msg(ctx, v),
        info
    ))
}

/// The name of a native that its call site does not name, as `luaL_argerror` finds it
/// (`pushglobalfuncname`) for a function named `module.name`: that name while the loaded
/// module (`package.loaded`, or else a global table: how hosts usually publish theirs) holds
/// it under that name, none (Lua's `'?'`) once the script removed or replaced it there, or
/// when there is no such module (methods such as `FILE*.write`, which Lua finds nowhere
/// either). Natives named without a module (base functions, host functions registered so)
/// keep their registered name.
fn loaded_name<'gc>(ctx: Ctx<'gc>, native: NativeRef<'gc>) -> Option<String> {
    let name = native.def().name;
    if name.is_empty() {
        return None;
    }
    let Some((module, field)) = name.split_once('.') else {
        return Some(name.to_string());
    };
    let field_of =
        |t: super::table::Table<'gc>, key: &str| t.data(ctx.mc).get_str_bytes(key.as_bytes());
    let Value::Table(loaded) = field_of(ctx.state.registry, LOADED_KEY) else {
        return Some(name.to_string());
    };
    // A host's module is often a global table only (Lua's would be in `package.loaded`).
    let m = match field_of(loaded, module) {
        Value::Table(m) => m,
        _ => match field_of(ctx.state.globals, module) {
            Value::Table(m) => m,
            _ => return None,
        },
    };
    field_of(m, field)
        .raw_eq(native.value())
        .then(|| name.to_string())
}

/// Turns a native's `BadArg` into Lua's "bad argument #n to 'name' (msg)".
fn resolve_native_error<'gc>(
    ctx: Ctx<'gc>,
    ts: &ThreadState<'gc>,
    native: Option<NativeRef<'gc>>,
    e: LuaError<'gc>,
) -> LuaError<'gc> {
    let (mut arg, msg) = match e {
        LuaError::BadArg { arg, msg } => (arg, msg),
        // An operation failing inside a native: the running function is not Lua, no position.
        LuaError::Op(msg) => return LuaError::Value(ctx.str_value(&msg)),
        other => return other,
    };
    let mut name: Option<String> = None;
    if let Some(Frame::Lua(f)) = ts.frames.last() {
        let p = f.closure.proto();
        if let Some((kind, n)) = p.describe_call((f.pc as usize).saturating_sub(1)) {
            let n = String::from_utf8_lossy(&n).into_owned();
            if kind == "method" {
                arg -= 1;
                if arg == 0 {
                    return LuaError::rt(format!("calling '{n}' on bad self ({msg})"));
                }
            }
            if kind != "metamethod" && kind != "for iterator" {
                name = Some(n);
            } else {
                name = Some(n);
            }
        }
    }
    let name = name
        .or_else(|| native.and_then(|n| loaded_name(ctx, n)))
        .unwrap_or_else(|| "?".to_string());
    LuaError::rt(format!("bad argument #{arg} to '{name}' ({msg})"))
}

/// Removes the function slot below a returned native's results (they start at `func`
/// then) and charges for them; returns how many there are. Results are moved (here and to
/// where the caller wants them): many results cost in proportion, whoever made them.
#[inline(always)]
pub(super) fn take_native_results(ts: &mut ThreadState<'_>, func: usize, fuel: &mut Fuel) -> usize {
    let n = ts.stack.len() - (func + 1);
    ts.stack.remove(func);
    fuel.charge(n as i64 / crate::limits::fuel::VALUES_MOVED_PER_FUEL);
    n
}

/// Runs a native called at `stack[func]` with `nargs` arguments.
pub(super) fn run_native<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    native: NativeRef<'gc>,
    func: usize,
    nargs: usize,
) -> LuaResult<'gc, Action<'gc>> {
    let r = run_native_raw(ctx, thread, ts, fuel, native, func, nargs);
    native_outcome(ctx, ts, native, func, r)
}

/// The first part of [`run_native`], inline: the native run in its window, its result as
/// it returned it (the interpreter's call of a native without hooks, `finish::call_native`,
/// tests it for a plain return before anything else: the result moved on as
/// [`native_outcome`]'s cost the call ~10 machine instructions).
#[inline(always)]
pub(super) fn run_native_raw<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    native: NativeRef<'gc>,
    func: usize,
    nargs: usize,
) -> LuaResult<'gc, Action<'gc>> {
    ts.stack.truncate(func + 1 + nargs);
    ts.model_native_frame();
    let ThreadState {
        stack,
        frames,
        stack_model,
        ..
    } = ts;
    let mut nc = NativeCtx {
        ctx,
        thread,
        stack,
        stack_model: *stack_model,
        base: func + 1,
        frames,
        native: Some(native),
        fuel,
    };
    nc.fuel.charge(crate::limits::fuel::NATIVE_CALL);
    let r = (native.def().func)(&mut nc);
    // Natives push results straight onto the stack: keep its charge current.
    ts.sync_model();
    r
}

/// The second part of [`run_native`]: what the native at `func` asks for, from what it
/// returned ([`run_native_raw`]).
#[inline(always)]
pub(super) fn native_outcome<'gc>(
    ctx: Ctx<'gc>,
    ts: &mut ThreadState<'gc>,
    native: NativeRef<'gc>,
    func: usize,
    r: LuaResult<'gc, Action<'gc>>,
) -> LuaResult<'gc, Action<'gc>> {
    match r {
        // Nothing was done yet: run the native again, with the same arguments, after a full
        // collection (see `memory`).
        Err(LuaError::RetryAfterGc) => {
            ctx.ask_collection_for_memory(true);
            Ok(Action::RetryAfterGc)
        }
        Ok(a) => Ok(a),
        Err(e) => Err(native_failed(ctx, ts, Some(native), func, e)),
    }
}

/// Performs call/return work until a Lua frame is on top (or an event happens).
pub fn drive<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    mut todo: Todo<'gc>,
) -> LuaResult<'gc, Flow<'gc>> {
    loop {
        todo = match todo {
            Todo::Call {
                func,
                mut nargs,
                want,
            } => {
                let mut tries = 0;
                loop {
                    match ts.stack.get(func).copied() {
                        Some(Value::Function(cl)) => {
                            // A native may have done work before asking for this call, so
                            // it cannot be retried after a collection.
                            push_late(ctx, ts, cl, func, nargs, want)?;
                            if thread.0.hookmask.get() != 0 {
                                if let Some(t) = super::hook::enter_lua(ctx, thread, ts, fuel) {
                                    break t;
                                }
                            }
                            return Ok(Flow::Lua { resuming: false });
                        }
                        Some(f @ (Value::Native(_) | Value::LightNative(_))) => {
                            let Some(nf) = NativeRef::of(f) else {
                                return Err(LuaError::rt("internal error: native"));
                            };
                            if thread.0.hookmask.get() & super::hook::CALL != 0 {
                                if let Some(t) = super::hook::native_call(
                                    ctx, thread, ts, fuel, nf, func, nargs, want,
                                ) {
                                    break t;
                                }
                            }
                            let action = run_native(ctx, thread, ts, fuel, nf, func, nargs)?;
                            break Todo::Action {
                                native: Some(nf),
                                func,
                                want,
                                action,
                            };
                        }
                        Some(other) => {
                            let tm = ctx.metamethod(other, Tm::Call);
                            if tm.is_nil() || tries >= super::meta::MAX_TAG_LOOP {
                                return Err(call_error(ctx, ts, func));
                            }
                            tries += 1;
                            ts.stack.truncate(func + 1 + nargs);
                            ts.stack.insert(func, tm);
                            ts.sync_model();
                            nargs += 1;
                        }
                        None => return Err(LuaError::rt("attempt to call a nil value")),
                    }
                }
            }
            Todo::Action {
                native,
                func,
                want,
                action,
            } => match action {
                Action::Return => {
                    if thread.0.hookmask.get() & super::hook::RET != 0 && native.is_some() {
                        if let Some(t) =
                            super::hook::native_return(ctx, thread, ts, fuel, native, func, want)
                        {
                            todo = t;
                            continue;
                        }
                    }
                    let n = take_native_results(ts, func, fuel);
                    Todo::Deliver { func, n, want }
                }
                Action::Call { func: callee, cont } => {
                    let (func, nargs) = super::callback::call_from_native(
                        ctx,
                        ts,
                        fuel,
                        native,
                        func,
                        want,
                        callee,
                        cont,
                        super::callback::Wait::New,
                    )?;
                    Todo::Call {
                        func,
                        nargs,
                        want: -1,
                    }
                }
                Action::TailCall { func: callee } => {
                    let nargs = ts.stack.len() - (func + 1);
                    ts.stack[func] = callee;
                    Todo::Call { func, nargs, want }
                }
                Action::Yield { cont } => {
                    let frame =
                        ts.native_frame(native, func as u32, want, cont.unwrap_or(Cont::Yielded));
                    ts.push_frame(Frame::Native(frame));
                    return Ok(Flow::Event(Event::Yield));
                }
                Action::RetryAfterGc => {
                    // Keep the arguments in the window for the second attempt.
                    let frame = ts.native_frame(native, func as u32, want, Cont::RetryNative);
                    ts.push_frame(Frame::Native(frame));
                    return Ok(Flow::Event(Event::OutOfFuel));
                }
                Action::Preempt { cont } => {
                    ts.stack.truncate(func + 1);
                    let frame = ts.native_frame(native, func as u32, want, cont);
                    ts.push_frame(Frame::Native(frame));
                    return Ok(Flow::Event(Event::OutOfFuel));
                }
                Action::Wait { cont } => {
                    ts.stack.truncate(func + 1);
                    // (In the spare box, as every other native frame: an agent waits in
                    // `receive()` on every turn.)
                    let frame = ts.native_frame(native, func as u32, want, cont);
                    ts.push_frame(Frame::Native(frame));
                    return Ok(Flow::Event(Event::Wait));
                }
                Action::Resume {
                    thread: target,
                    cont,
                } => {
                    let frame = ts.native_frame(native, func as u32, want, cont);
                    ts.push_frame(Frame::Native(frame));
                    return Ok(Flow::Event(Event::Resume(target)));
                }
                Action::Raise { cont } => {
                    // The native is the raising level as the catching frame itself (not as a
                    // level above it, which `native_failed` would add).
                    let error = ts.stack.get(func + 1).copied().unwrap_or(Value::Nil);
                    ts.stack.truncate(func + 1);
                    let frame = ts.native_frame(native, func as u32, want, cont);
                    ts.push_frame(Frame::Native(frame));
                    return Err(LuaError::Value(error));
                }
            },
            Todo::Deliver { func, n, want } => match ts.frames.last() {
                Some(Frame::Lua(f)) => {
                    let needed = f.base as usize + f.closure.proto().max_stack as usize + 1;
                    if thread.0.hookmask.get() != 0 {
                        super::hook::returned_to(thread, f.pc);
                    }
                    lua_results(ts, func, n, want);
                    ts.grow_stack(needed);
                    return Ok(Flow::Lua { resuming: true });
                }
                None => {
                    lua_results(ts, func, n, want);
                    ts.stack.truncate(ts.top as usize);
                    return Ok(Flow::Event(Event::Finished));
                }
                Some(Frame::Native(_)) => {
                    lua_results(ts, func, n, want);
                    ts.stack.truncate(ts.top as usize);
                    let Some(Frame::Native(nf)) = ts.frames.pop() else {
                        return Err(LuaError::rt("internal error: frame"));
                    };
                    // (The native's own mark stays: it still runs inside its caller's call.)
                    ts.trim_c_calls(ts.frames.len() + 1);
                    match *nf.cont {
                        Cont::Hook { .. } => match super::hook::finish(thread, ts, nf) {
                            super::hook::After::Lua => return Ok(Flow::Lua { resuming: false }),
                            super::hook::After::LuaResume => {
                                return Ok(Flow::Lua { resuming: true })
                            }
                            super::hook::After::Todo(t) => {
                                todo = t;
                                continue;
                            }
                        },
                        Cont::ErrorToString { error } => {
                            return Err(tostring_done(ctx, ts, nf.func as usize, error, Ok(())));
                        }
                        Cont::GcFinalizer { top } => {
                            // (A loop, not a call: a run of native finalizers that return at
                            // once must not nest `drive` in `next_finalizer` without bound.)
                            let slot = nf.func as usize;
                            match push_next_finalizer(ctx, ts, fuel, slot, top) {
                                Some(FinalizerStep::Call(t)) => {
                                    todo = t;
                                    continue;
                                }
                                Some(FinalizerStep::Preempt) => {
                                    return Ok(Flow::Event(Event::OutOfFuel))
                                }
                                None => return start_flow(ctx, thread, ts, fuel),
                            }
                        }
                        _ => {}
                    }
                    let cont = ts.take_cont(nf.cont);
                    if let (Cont::Pcall, 0) = (&cont, thread.0.hookmask.get()) {
                        todo = pcall_returned(ts, fuel, nf.func as usize, nf.want);
                        continue;
                    }
                    let action = resume_cont(
                        ctx,
                        thread,
                        ts,
                        fuel,
                        nf.native,
                        nf.func as usize,
                        cont,
                        Ok(()),
                    )?;
                    Todo::Action {
                        native: nf.native,
                        func: nf.func as usize,
                        want: nf.want,
                        action,
                    }
                }
            },
        };
    }
}

/// [`drive`]'s way on from a function called by `pcall` that returned (`pcall`'s frame
/// popped, its window at `stack[func + 1..]` holding exactly the results), with no hook
/// set: what `Cont::Pcall`'s resume (`true` inserted before the results, the stack's model
/// grown for the longer stack) and the `Action::Return` after it (`take_native_results`:
/// the window moved down over the native's slot, charged) leave, made in place: `true` in
/// the native's slot, the results where they are. The same stack, model and charge,
/// without the continuation's run and two moves of the results.
#[inline]
fn pcall_returned<'gc>(
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    func: usize,
    want: i32,
) -> Todo<'gc> {
    let n = ts.stack.len().saturating_sub(func + 1) + 1;
    ts.model_stack_len(ts.stack.len() + 1);
    if let Some(slot) = ts.stack.get_mut(func) {
        *slot = Value::True;
    }
    fuel.charge(n as i64 / crate::limits::fuel::VALUES_MOVED_PER_FUEL);
    Todo::Deliver { func, n, want }
}

/// [`drive`] of a `Todo::Deliver` (a Lua frame returning to a native frame, or to the host
/// when it is the coroutine's last frame: then without `drive`'s round trip, as `drive`
/// does it).
#[inline]
pub fn deliver_results<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    todo: Todo<'gc>,
) -> LuaResult<'gc, Flow<'gc>> {
    if let (Todo::Deliver { func, n, want }, true) = (&todo, ts.frames.is_empty()) {
        lua_results(ts, *func, *n, *want);
        ts.stack.truncate(ts.top as usize);
        return Ok(Flow::Event(Event::Finished));
    }
    drive(ctx, thread, ts, fuel, todo)
}

/// Adjusts `n` results at `stack[func..]` to the `want`ed count (nil-padding) and sets `top`
/// to their end. Values above are left alone (a Lua caller's registers).
#[inline]
pub fn lua_results<'gc>(ts: &mut ThreadState<'gc>, func: usize, n: usize, want: i32) {
    let end = if want >= 0 {
        func + want as usize
    } else {
        func + n
    };
    ts.grow_stack(end);
    for slot in func + n..end {
        ts.stack[slot] = Value::Nil;
    }
    ts.top = end as u32;
}

/// Runs a native frame's continuation. Its frame has been popped; its window is
/// `stack[func + 1..]`.
#[allow(clippy::too_many_arguments)]
pub(super) fn resume_cont<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    native: Option<NativeRef<'gc>>,
    func: usize,
    cont: Cont<'gc>,
    outcome: Result<(), Value<'gc>>,
) -> LuaResult<'gc, Action<'gc>> {
    let below = ts.frames.len();
    let r = run_cont(ctx, thread, ts, fuel, below, native, func, cont, outcome);
    cont_outcome(ctx, ts, native, func, r)
}

/// [`resume_cont`]'s run of the continuation, which sees the first `below` frames (the
/// frames below its own), without the wording of its error (see [`cont_outcome`]).
#[allow(clippy::too_many_arguments)]
#[inline]
pub(super) fn run_cont<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    below: usize,
    native: Option<NativeRef<'gc>>,
    func: usize,
    cont: Cont<'gc>,
    outcome: Result<(), Value<'gc>>,
) -> LuaResult<'gc, Action<'gc>> {
    let ThreadState {
        stack,
        frames,
        stack_model,
        ..
    } = ts;
    let mut nc = NativeCtx {
        ctx,
        thread,
        stack,
        stack_model: *stack_model,
        base: func + 1,
        frames: frames.get(..below).unwrap_or(frames),
        native,
        fuel,
    };
    let r = cont.resume(&mut nc, outcome);
    ts.sync_model();
    r
}

/// What a continuation run by [`run_cont`] returned, its error worded (its frame popped).
#[inline]
pub(super) fn cont_outcome<'gc>(
    ctx: Ctx<'gc>,
    ts: &mut ThreadState<'gc>,
    native: Option<NativeRef<'gc>>,
    func: usize,
    r: LuaResult<'gc, Action<'gc>>,
) -> LuaResult<'gc, Action<'gc>> {
    match r {
        Ok(a) => Ok(a),
        // A continuation cannot be run again from its start after a collection (its frame
        // is gone and it may have done work): a failed reservation there is final.
        Err(LuaError::RetryAfterGc) => Err(native_failed(
            ctx,
            ts,
            native,
            func,
            ctx.not_enough_memory(),
        )),
        Err(e) => Err(native_failed(ctx, ts, native, func, e)),
    }
}

/// A native (or its continuation) at slot `func` failed with `e`: notes it as the raising
/// level and words the error. Its window is emptied, as when it is preempted or raises
/// through `Action::Raise`: what a raising native leaves on the stack must not depend on
/// whether it ran in one go or was resumed after a preemption (a dead thread keeps its
/// stack, and a snapshot of it must be the same whatever the step sizes).
#[cold]
#[inline(never)]
fn native_failed<'gc>(
    ctx: Ctx<'gc>,
    ts: &mut ThreadState<'gc>,
    native: Option<NativeRef<'gc>>,
    func: usize,
    e: LuaError<'gc>,
) -> LuaError<'gc> {
    ts.stack.truncate(func + 1);
    if let Some(n) = native {
        ts.raising = Some((n, func as u32));
    }
    resolve_native_error(ctx, ts, native, e)
}

/// The `__tostring` of an uncaught error object returned (results at `func + 1`): its
/// string is the whole message (no traceback, as in `lua.c`); anything else gives
/// "(error object is a X value)" with the traceback.
#[cold]
fn tostring_done<'gc>(
    ctx: Ctx<'gc>,
    ts: &mut ThreadState<'gc>,
    func: usize,
    error: Value<'gc>,
    outcome: Result<(), Value<'gc>>,
) -> LuaError<'gc> {
    match (outcome, ts.stack.get(func + 1).copied()) {
        (Ok(()), Some(Value::Str(s))) => {
            ts.traceback = Some(String::new());
            LuaError::Handled(Value::Str(s))
        }
        (Err(e), _) => LuaError::Handled(e),
        _ => LuaError::Handled(
            ctx.str_value(&format!("(error object is a {} value)", error.type_name())),
        ),
    }
}

/// Pushes the level of native `n` that raised the error being handled (see `Cont::Raised`).
fn push_raised<'gc>(ts: &mut ThreadState<'gc>, n: NativeRef<'gc>) {
    let func = ts.stack.len();
    ts.stack.push(n.value());
    let frame = ts.native_frame(Some(n), func as u32, 0, Cont::Raised);
    ts.push_frame(Frame::Native(frame));
}

/// Removes the frames above the first `n`, turning hooks back on if a hook was unwound.
fn cut_frames(thread: Thread<'_>, ts: &mut ThreadState<'_>, n: usize) {
    if let Some(removed) = ts.frames.get(n..) {
        super::hook::unwound(thread, removed);
    }
    ts.frames.truncate(n);
    ts.trim_c_calls(n);
}

/// Finds or creates the open upvalue for `slot` of the running thread.
pub fn find_upvalue<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    slot: usize,
) -> Upvalue<'gc> {
    let list = &mut ts.open_upvalues;
    let mut i = list.len();
    while i > 0 {
        if let UpState::Open { slot: s, .. } = list[i - 1].get() {
            if s as usize == slot {
                return list[i - 1];
            }
            if (s as usize) < slot {
                break;
            }
        }
        i -= 1;
    }
    let uv = super::closure::UpCell::new(
        ctx.mc,
        UpState::Open {
            thread,
            slot: slot as u32,
        },
    );
    list.insert(i, uv);
    uv
}

/// Closes every open upvalue at or above `level`.
pub fn close_upvalues<'gc>(ctx: Ctx<'gc>, ts: &mut ThreadState<'gc>, level: usize) {
    while let Some(&uv) = ts.open_upvalues.last() {
        match uv.get() {
            UpState::Open { slot, .. } if slot as usize >= level => {
                let v = ts.stack.get(slot as usize).copied().unwrap_or(Value::Nil);
                uv.set(ctx.mc, UpState::Closed(v));
                ts.open_upvalues.pop();
            }
            _ => break,
        }
    }
}

pub use super::traceback::frame_visible;

/// Outcome of [`run`].
pub enum RunResult<'gc> {
    /// Fuel ran out; call again to continue.
    OutOfFuel,
    /// The main function returned these values.
    Finished(Transfer<'gc>),
    /// The main coroutine yielded these values to the host.
    Yielded(Transfer<'gc>),
    /// An uncaught error (value, traceback).
    Error(Value<'gc>, String),
    /// The running coroutine waits in a host function (its top frame holds a `Cont::Host`):
    /// the whole chain of coroutines stops until the host delivers or the wait ends.
    Waiting,
}

/// How to enter the current thread.
enum Entry<'gc> {
    /// Continue where it is.
    Continue,
    /// Deliver the outcome of a resume/yield to its top native frame.
    Deliver(Result<Transfer<'gc>, Value<'gc>>),
    /// Go on from what `interp::execute` returned for its top Lua frame (see [`run_after`]).
    Executed(LuaResult<'gc, Flow<'gc>>),
}

/// An instruction found, before changing anything, that its allocation exceeds the memory
/// budget: rewind to it, refund its fuel (so fuel use does not depend on how much garbage
/// there was), and stop for a full collection; it runs again afterwards.
fn retry_instruction<'gc>(ctx: Ctx<'gc>, ts: &mut ThreadState<'gc>, fuel: &mut Fuel) -> Flow<'gc> {
    if let Some(Frame::Lua(f)) = ts.frames.last_mut() {
        f.pc = f.pc.saturating_sub(1);
    }
    fuel.refuel(crate::limits::fuel::INSTRUCTION);
    ctx.ask_collection_for_memory(true);
    Flow::Event(Event::OutOfFuel)
}

/// Runs the VM until the fuel is spent, the main coroutine finishes or yields, or an error
/// escapes it.
pub fn run<'gc>(ctx: Ctx<'gc>, fuel: &mut Fuel) -> RunResult<'gc> {
    run_from(ctx, fuel, Entry::Continue)
}

/// [`run`] after its caller ran the current coroutine's top Lua frame with
/// `interp::execute` itself (`executed`: what that returned; the coroutine's state no longer
/// borrowed), doing with it what `run` does with what `execute` returns: a host call's lean
/// entry (see `api::vm_call`) runs its function so when it needs none of this.
pub fn run_after<'gc>(
    ctx: Ctx<'gc>,
    fuel: &mut Fuel,
    executed: LuaResult<'gc, Flow<'gc>>,
) -> RunResult<'gc> {
    run_from(ctx, fuel, Entry::Executed(executed))
}

fn run_from<'gc>(ctx: Ctx<'gc>, fuel: &mut Fuel, mut entry: Entry<'gc>) -> RunResult<'gc> {
    loop {
        let mut thread = ctx.current_thread();
        let event = {
            let mut guard = thread.borrow_mut(ctx.mc);
            let ts = &mut *guard;
            let first = match std::mem::replace(&mut entry, Entry::Continue) {
                // The host loop found the VM over its memory budget after a full collection.
                Entry::Continue
                    if ctx.state.memory_error.replace(false) && !ts.frames.is_empty() =>
                {
                    Err(ctx.not_enough_memory())
                }
                // The host asked for an error where the coroutine stopped (`lua.c`'s Ctrl-C).
                Entry::Continue
                    if !ts.frames.is_empty() && ctx.state.host_error.borrow().is_some() =>
                {
                    match ctx.state.host_error.take() {
                        Some(msg) => {
                            Err(LuaError::Value(Value::Str(ctx.new_string(msg.into_vec()))))
                        }
                        None => start_flow(ctx, thread, ts, fuel),
                    }
                }
                Entry::Continue if super::gc::pending(ctx) && !ts.frames.is_empty() => {
                    start_finalizers(ctx, thread, ts, fuel)
                }
                Entry::Continue => start_flow(ctx, thread, ts, fuel),
                Entry::Deliver(outcome) => deliver_outcome(ctx, thread, ts, fuel, outcome),
                Entry::Executed(Err(LuaError::RetryAfterGc)) => {
                    Ok(retry_instruction(ctx, ts, fuel))
                }
                Entry::Executed(r) => r,
            };
            let mut flow = match first {
                Ok(f) => f,
                Err(e) => throw(ctx, thread, ts, fuel, e),
            };
            loop {
                let ts = &mut *guard;
                match flow {
                    // A coroutine switch's common case, here (see `switch`): the other
                    // coroutine's Lua frame goes on at once.
                    Flow::Event(e) => match super::switch::at_once(ctx, thread, ts, fuel, &e) {
                        Some((to, to_guard)) => {
                            (thread, guard) = (to, to_guard);
                            flow = Flow::Lua { resuming: true };
                        }
                        None => break e,
                    },
                    Flow::Lua { resuming } => {
                        // (It may switch coroutines: `thread` and `guard` follow.)
                        let r = super::switch_call::execute(
                            ctx,
                            &mut thread,
                            &mut guard,
                            fuel,
                            resuming,
                        );
                        let ts = &mut *guard;
                        flow = match r {
                            Ok(f) => f,
                            Err(LuaError::RetryAfterGc) => retry_instruction(ctx, ts, fuel),
                            Err(e) => throw(ctx, thread, ts, fuel, e),
                        }
                    }
                }
            }
        };
        match event {
            Event::OutOfFuel => return RunResult::OutOfFuel,
            Event::Wait => return RunResult::Waiting,
            // (`interp::execute` goes on in the coroutine it switched to: never here.)
            Event::Switched(_) => entry = Entry::Continue,
            Event::Resume(target) => {
                let args: Transfer<'gc> = take_window(&mut thread.borrow_mut(ctx.mc));
                // `lua_resume`: the coroutine runs at its resumer's C calls plus one.
                let level = thread.borrow().c_level();
                let target_status = if target == thread {
                    Status::Running
                } else {
                    target.status()
                };
                let error = match target_status {
                    Status::Initial | Status::Suspended if level >= super::ccalls::MAX_C_CALLS => {
                        Some(super::ccalls::C_STACK_OVERFLOW)
                    }
                    Status::Initial | Status::Suspended => None,
                    Status::Dead => Some("cannot resume dead coroutine"),
                    _ => Some("cannot resume non-suspended coroutine"),
                };
                if let Some(msg) = error {
                    entry = Entry::Deliver(Err(ctx.str_value(msg)));
                    continue;
                }
                if target_status == Status::Initial && level + 1 >= super::ccalls::MAX_C_CALLS {
                    // Lua's `resume` calls the body with the bound checked: the coroutine
                    // dies of it.
                    let msg = ctx.str_value(super::ccalls::C_STACK_OVERFLOW);
                    let mut tts = target.borrow_mut(ctx.mc);
                    tts.status = Status::Dead;
                    tts.error = Some(msg);
                    tts.stack.clear();
                    tts.top = 0;
                    entry = Entry::Deliver(Err(msg));
                    continue;
                }
                thread.borrow_mut(ctx.mc).status = Status::Normal;
                ctx.state.running.borrow_mut(ctx.mc).push(target);
                let mut tts = target.borrow_mut(ctx.mc);
                tts.c_base = level + 1;
                if target_status == Status::Initial {
                    tts.stack.truncate(1);
                    tts.stack.extend_from_slice(&args);
                    tts.sync_model();
                    tts.status = Status::Running;
                    entry = Entry::Continue;
                } else {
                    tts.status = Status::Running;
                    entry = Entry::Deliver(Ok(args));
                }
            }
            Event::Yield | Event::Finished => {
                let values: Transfer<'gc> = {
                    let mut ts = thread.borrow_mut(ctx.mc);
                    if matches!(event, Event::Yield) {
                        ts.status = Status::Suspended;
                        take_window(&mut ts)
                    } else {
                        finished_values(&mut ts)
                    }
                };
                if ctx.state.running.borrow().len() <= 1 {
                    return if matches!(event, Event::Yield) {
                        RunResult::Yielded(values)
                    } else {
                        RunResult::Finished(values)
                    };
                }
                ctx.state.running.borrow_mut(ctx.mc).pop();
                ctx.current_thread().borrow_mut(ctx.mc).status = Status::Running;
                entry = Entry::Deliver(Ok(values));
            }
            Event::Error(value, tb) => {
                if ctx.state.running.borrow().len() <= 1 {
                    return RunResult::Error(value, tb);
                }
                ctx.state.running.borrow_mut(ctx.mc).pop();
                ctx.current_thread().borrow_mut(ctx.mc).status = Status::Running;
                entry = Entry::Deliver(Err(value));
            }
        }
    }
}

/// Values passed between coroutines (resume arguments, yielded and returned values), moved
/// through several layers on every switch: three inline (a move stays a few registers' worth,
/// where eight made each a `memcpy` call); more spill to the heap. Also what a run hands the
/// host (a host call's results: most fit inline, so returning them allocates nothing).
pub type Transfer<'gc> = SmallVec<[Value<'gc>; 3]>;

/// Runs `frame`, the first frame of a host call's fresh coroutine `thread`, not pushed yet,
/// when its function is a leaf that `fast::hot` runs to its `Return0` or `Return1`, and
/// returns from it to the host as `execute` would (`deliver_results` with no frame left),
/// then takes its result as [`finished_values`] does: `Some(result)` if it finished (the
/// coroutine is then dead, its stack emptied). Otherwise it pushes the frame at the `pc`
/// where `hot` stopped, with the fuel `hot` charged, for `execute` to go on from: `hot` only
/// runs what `execute` would, charging the same fuel at the same points (see `fast`), so
/// either way the call runs and costs exactly as through `execute` alone. (`hot` without
/// calls never reads or writes the frame list, so the frame need not be in it while `hot`
/// runs; a function that returns at once never pushes it, nor pops it.)
///
/// The caller makes sure there is no hook (`hot` never runs with one) and has grown and
/// charged the stack and the frame list for `frame`; `frame` must be at `stack[0]`, wanting
/// all results, and the frame list empty (as for a host call's first frame), else nothing
/// runs.
pub fn run_leaf<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    mut frame: LuaFrame<'gc>,
    fuel: &mut Fuel,
) -> Option<Option<Value<'gc>>> {
    let cdata = Gc::as_ref(frame.closure.0);
    let code = &Gc::as_ref(cdata.proto).proto.code;
    // (A function that calls or loops at once gains nothing here.)
    if !ts.frames.is_empty()
        || frame.func != 0
        || frame.want >= 0
        || !ts.open_upvalues.is_empty()
        || !code.first().is_some_and(|&op| super::fast::runs(op))
    {
        ts.frames.push(Frame::Lua(frame));
        return None;
    }
    let base = frame.base as usize;
    // (No upvalue is open on the coroutine: its list of open upvalues is empty.)
    let (pc, rem, switched) = super::fast::enter_fresh(
        ctx.mc,
        thread,
        cdata,
        ts,
        base,
        frame.pc as usize,
        fuel.remaining(),
    );
    fuel.remaining = rem;
    // `execute`'s `Return0`/`Return1` with no hook, no upvalue to close and no Lua caller.
    let result = match code.get(pc) {
        Some(Op::Return0 {}) => None,
        // (`a` is a register of the frame, which `hot` found on the stack.)
        Some(Op::Return1 { a }) => Some(ts.stack.get(base + *a as usize).copied()),
        _ => Some(None),
    };
    if switched || matches!(result, Some(None)) || fuel.is_exhausted() {
        frame.pc = pc as u32;
        ts.frames.push(Frame::Lua(frame));
        return None;
    }
    fuel.charge_unexhausted(crate::limits::fuel::INSTRUCTION);
    // The frame returns (never pushed, so not popped), its result (if any) moved to
    // `stack[0]` and taken from there by `finished_values`: the coroutine dead with an empty
    // stack.
    ts.status = Status::Dead;
    ts.stack.clear();
    ts.top = 0;
    Some(result.flatten())
}

/// A coroutine whose outermost function returned: dead, its results (`stack[..top]`) taken.
#[inline]
pub fn finished_values<'gc>(ts: &mut ThreadState<'gc>) -> Transfer<'gc> {
    ts.status = Status::Dead;
    let top = (ts.top as usize).min(ts.stack.len());
    let v = Transfer::from_slice(&ts.stack[..top]);
    ts.stack.clear();
    ts.top = 0;
    v
}

/// Takes the values in the window of the top native frame.
fn take_window<'gc>(ts: &mut ThreadState<'gc>) -> Transfer<'gc> {
    let start = match ts.frames.last() {
        Some(Frame::Native(nf)) => nf.func as usize + 1,
        _ => ts.stack.len(),
    };
    let start = start.min(ts.stack.len());
    // (Copied in one piece, then cut: cheaper than collecting a drain, on every switch.)
    let vals = Transfer::from_slice(&ts.stack[start..]);
    ts.stack.truncate(start);
    vals
}

/// How a thread starts running at the beginning of a step.
fn start_flow<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
) -> LuaResult<'gc, Flow<'gc>> {
    if ts.frames.is_empty() {
        // Not started: the function is stack[0], its arguments follow.
        ts.status = Status::Running;
        let nargs = ts.stack.len().saturating_sub(1);
        return drive(
            ctx,
            thread,
            ts,
            fuel,
            Todo::Call {
                func: 0,
                nargs,
                want: -1,
            },
        );
    }
    // A coroutine the host runs (the main one, or a host call's) may have yielded to it.
    ts.status = Status::Running;
    match ts.frames.last() {
        Some(Frame::Lua(_)) => Ok(Flow::Lua { resuming: false }),
        _ => deliver_outcome(ctx, thread, ts, fuel, Ok(SmallVec::new())),
    }
}

/// Delivers a resume/yield outcome to the thread's top native frame.
fn deliver_outcome<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    outcome: Result<Transfer<'gc>, Value<'gc>>,
) -> LuaResult<'gc, Flow<'gc>> {
    let outcome = match outcome {
        Ok(vals) => match super::switch::deliver_to_lua(thread, ts, fuel, &vals) {
            Some(flow) => return Ok(flow),
            None => Ok(vals),
        },
        Err(e) => Err(e),
    };
    let Some(Frame::Native(nf)) = ts.frames.pop() else {
        return Err(LuaError::rt("internal error: no native frame to resume"));
    };
    let func = nf.func as usize;
    if let (Cont::GcFinalizer { top }, Ok(_)) = (&*nf.cont, &outcome) {
        // Preempted between two finalizers (see `push_next_finalizer`): on to the next.
        return next_finalizer(ctx, thread, ts, fuel, func, *top);
    }
    // A native waiting to run again after a collection keeps its arguments in its window,
    // and a host wait receives what the host delivered there.
    if !matches!(
        *nf.cont,
        Cont::RetryNative | Cont::Host { .. } | Cont::Yielded
    ) {
        ts.stack.truncate(func + 1);
    }
    let outcome = match outcome {
        Ok(vals) => {
            // The values of a resume or yield went through a buffer: charged as moved.
            fuel.charge(vals.len() as i64 / crate::limits::fuel::VALUES_MOVED_PER_FUEL);
            ts.stack.extend_from_slice(&vals);
            Ok(())
        }
        Err(e) => Err(e),
    };
    let cont = ts.take_cont(nf.cont);
    let action = resume_cont(ctx, thread, ts, fuel, nf.native, func, cont, outcome)?;
    drive(
        ctx,
        thread,
        ts,
        fuel,
        Todo::Action {
            native: nf.native,
            func,
            want: nf.want,
            action,
        },
    )
}
