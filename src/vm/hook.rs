//! Debug hooks (`debug.sethook`): call, return, line and count events.
//!
//! # Design
//! A hook is a Lua call the VM makes by itself, so it is data like any other call: the VM
//! pushes a native frame holding [`Cont::Hook`] (the *hook frame*), calls the hook function
//! above it, and when that returns, the hook frame says how to continue ([`HookThen`]): run
//! the interrupted instruction of the Lua frame below, or go on calling or returning from a
//! native. A snapshot taken inside a hook restores like any other stack. While a hook runs,
//! the thread's `hookmask` keeps only the count bit, so hooks do not nest (Lua's
//! `allowhook`) while the hook's instructions still count as in Lua; an error that unwinds
//! a hook frame turns them back on ([`unwound`]).
//!
//! Cost when no hook is set: the interpreter compares fuel with a per-frame limit that is 0
//! without line/count hooks and `i64::MAX` with them, so those hooks ride on the existing
//! fuel check; call and return hooks test a per-frame local at Lua calls and returns, and
//! the thread's `hookmask` at native calls and returns.
//!
//! A hook on a Lua frame runs *before* an instruction executes (or before its `Return`
//! completes). While it runs, the frame's `pc` is one past that instruction, so `getinfo`
//! reports its line as Lua does; when the hook returns, the pc moves back and `skip` bits
//! are set so that the instruction then runs without reporting the same event again.
//! The hook frame's `top` keeps the thread's multiple-results top across the hook call.

use crate::limits::fuel::Fuel;
use serde::{Deserialize, Serialize};

use super::cont::Cont;
use super::exec::Todo;
use super::native::Action;
use super::state::Ctx;
use super::thread::{Frame, NativeFrame, Thread, ThreadState};
use super::value::Value;
use crate::limits::fuel as fuelc;

/// Mask bit: call events.
pub const CALL: u8 = 1;
/// Mask bit: return events.
pub const RET: u8 = 2;
/// Mask bit: line events.
pub const LINE: u8 = 4;
/// Mask bit: count events.
pub const COUNT: u8 = 8;

/// Skip bit: the count event of the current instruction was handled.
const SKIP_COUNT: u8 = 1;
/// Skip bit: the line (and count) events of the current instruction were handled.
const SKIP_LINE: u8 = 2;
/// Skip bit: the return event of the current `Return` was reported.
const SKIP_RET: u8 = 4;
/// Skip bit: the call event of the native about to run was reported.
const SKIP_CALL: u8 = 8;

/// A thread's hook settings and bookkeeping (plain data; the function is `hook_func`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookData {
    /// Events to report (`CALL | RET | LINE | COUNT`); 0: no hook.
    pub mask: u8,
    /// Instructions between count events (Lua's `basehookcount`).
    pub count: i32,
    /// Instructions left until the next count event.
    pub counter: i32,
    /// A hook is running on this thread (Lua's `!allowhook`).
    pub in_hook: bool,
    /// Index of the instruction of the last line check (Lua's `oldpc`).
    pub oldpc: u32,
    /// Events already reported for the instruction about to run (`SKIP_*` bits).
    pub skip: u8,
}

/// What a hook frame does when the hook function returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HookThen {
    /// Run the instruction before the pc of the Lua frame below (moving the pc back), with
    /// these `skip` bits set.
    Lua {
        /// Events not to report again.
        skip: u8,
    },
    /// Finish the instruction before the pc of the Lua frame below (a tail call to a native
    /// returning), with these `skip` bits set.
    LuaResume {
        /// Events not to report again.
        skip: u8,
    },
    /// Call the native at the hook frame's slot with its `nargs` arguments.
    NativeCall {
        /// Number of arguments.
        nargs: u32,
    },
    /// The native at the hook frame's slot returns the values in its window.
    NativeReturn,
}

/// Whether `f` is a hook frame.
#[inline]
pub fn is_hook_frame(f: &Frame<'_>) -> bool {
    matches!(f, Frame::Native(n) if matches!(*n.cont, Cont::Hook { .. }))
}

/// Recomputes the thread's active mask from its settings.
fn update_active(thread: Thread<'_>) {
    let d = thread.0.hook.get();
    // Inside a hook only counting goes on (Lua counts the hook's own instructions too,
    // without reporting them).
    thread
        .0
        .hookmask
        .set(if d.in_hook { d.mask & COUNT } else { d.mask });
}

/// `lua_sethook`: sets `thread`'s hook (`func` nil or `mask` 0: no hook).
pub fn set<'gc>(ctx: Ctx<'gc>, thread: Thread<'gc>, func: Value<'gc>, mask: u8, count: i32) {
    let (func, mask) = if func.is_nil() || mask == 0 {
        (Value::Nil, 0)
    } else {
        (func, mask)
    };
    let mut d = thread.0.hook.get();
    d.mask = mask;
    d.count = count;
    d.counter = count;
    d.skip = 0;
    thread.0.hook.set(d);
    thread.set_hook_func(ctx.mc, func);
    update_active(thread);
}

/// Restores a thread's hook from a snapshot.
pub fn restore<'gc>(
    mc: &gc_arena::Mutation<'gc>,
    thread: Thread<'gc>,
    func: Value<'gc>,
    data: HookData,
) {
    thread.0.hook.set(data);
    thread.set_hook_func(mc, func);
    update_active(thread);
}

/// Hook frames were removed by an error unwinding: hooks run again.
pub fn unwound(thread: Thread<'_>, removed: &[Frame<'_>]) {
    // Hook frames exist only while a hook runs: no need to read deep stacks otherwise.
    if thread.0.hook.get().in_hook && removed.iter().any(is_hook_frame) {
        let mut d = thread.0.hook.get();
        d.in_hook = false;
        d.skip = 0;
        thread.0.hook.set(d);
        update_active(thread);
    }
}

/// Pushes `frame` (a hook frame) and prepares the call of the hook function at slot `at`
/// (above the frame's slot) with `(event, line)`.
#[allow(clippy::too_many_arguments)]
fn start<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    frame: NativeFrame<'gc>,
    at: usize,
    event: &str,
    line: Option<u32>,
) -> Todo<'gc> {
    let mut d = thread.0.hook.get();
    d.in_hook = true;
    thread.0.hook.set(d);
    update_active(thread);
    fuel.charge(fuelc::INSTRUCTION);
    ts.grow_stack(at);
    ts.stack.truncate(at);
    ts.push_frame(Frame::Native(frame));
    // The hook function is a C call (Lua's hook calls it with `lua_call`); hooks do not nest.
    ts.mark_c_call();
    ts.stack.push(thread.0.hook_func.get());
    ts.stack.push(ctx.str_value(event));
    ts.stack
        .push(line.map_or(Value::Nil, |l| Value::Int(l as i64)));
    Todo::Call {
        func: at,
        nargs: 2,
        want: 0,
    }
}

/// Starts a hook on the Lua frame on top, which is about to run instruction `pc` (or
/// finish its `Return` at `pc`): the hook frame goes at `slot` (at or above the frame's
/// registers and any live values).
#[allow(clippy::too_many_arguments)]
fn start_on_lua<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    pc: usize,
    slot: usize,
    event: &str,
    line: Option<u32>,
    then: HookThen,
    transfer: (u32, u32),
) -> Todo<'gc> {
    if let Some(Frame::Lua(f)) = ts.frames.last_mut() {
        f.pc = pc as u32 + 1;
    }
    let frame = NativeFrame::new(
        None,
        slot as u32,
        0,
        Cont::Hook {
            then,
            top: ts.top,
            ftransfer: transfer.0,
            ntransfer: transfer.1,
        },
    );
    ts.grow_stack(slot + 1);
    ts.stack.truncate(slot + 1);
    ts.stack[slot] = Value::Nil;
    start(ctx, thread, ts, fuel, frame, slot + 1, event, line)
}

/// The first stack slot a hook may use above the Lua frame on top whose registers end at
/// `call_slot`: above the registers and any multiple results in flight.
fn free_slot(ts: &ThreadState<'_>, call_slot: usize) -> usize {
    call_slot.max((ts.top as usize).min(ts.stack.len()))
}

/// Line and count events before instruction `pc` of the Lua frame on top (whose registers
/// end at `call_slot`). Returns the hook call to make, if any.
pub fn before_instruction<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    pc: usize,
    call_slot: usize,
) -> Option<Todo<'gc>> {
    let mask = thread.0.hookmask.get();
    let mut d = thread.0.hook.get();
    if d.in_hook {
        d.counter = d.counter.wrapping_sub(1);
        if d.counter == 0 {
            d.counter = d.count;
        }
        thread.0.hook.set(d);
        return None;
    }
    if d.skip & SKIP_LINE != 0 {
        d.skip &= !(SKIP_LINE | SKIP_COUNT);
        thread.0.hook.set(d);
        return None;
    }
    if d.skip & SKIP_COUNT != 0 {
        d.skip &= !SKIP_COUNT;
    } else if mask & COUNT != 0 {
        d.counter = d.counter.wrapping_sub(1);
        if d.counter == 0 {
            d.counter = d.count;
            thread.0.hook.set(d);
            let slot = free_slot(ts, call_slot);
            return Some(start_on_lua(
                ctx,
                thread,
                ts,
                fuel,
                pc,
                slot,
                "count",
                None,
                HookThen::Lua { skip: SKIP_COUNT },
                (0, 0),
            ));
        }
    }
    if mask & LINE != 0 {
        let Some(Frame::Lua(f)) = ts.frames.last() else {
            thread.0.hook.set(d);
            return None;
        };
        let p = f.closure.proto();
        let oldpc = if (d.oldpc as usize) < p.code.len() {
            d.oldpc as usize
        } else {
            0
        };
        // Without line information only the first instruction and backward jumps fire, with
        // no line (`luaG_traceexec`'s `changedline` is false).
        let line = p.lines.get(pc).copied();
        let fire = pc <= oldpc || (line.is_some() && p.lines.get(oldpc).copied() != line);
        d.oldpc = pc as u32;
        thread.0.hook.set(d);
        if fire {
            let slot = free_slot(ts, call_slot);
            return Some(start_on_lua(
                ctx,
                thread,
                ts,
                fuel,
                pc,
                slot,
                "line",
                line,
                HookThen::Lua {
                    skip: SKIP_LINE | SKIP_COUNT,
                },
                (0, 0),
            ));
        }
        return None;
    }
    thread.0.hook.set(d);
    None
}

/// A Lua frame was just pushed (any hook active): resets the line tracking and reports
/// the call event.
pub fn enter_lua<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
) -> Option<Todo<'gc>> {
    let mut d = thread.0.hook.get();
    d.oldpc = 0;
    thread.0.hook.set(d);
    if thread.0.hookmask.get() & CALL == 0 {
        return None;
    }
    let Some(Frame::Lua(f)) = ts.frames.last() else {
        return None;
    };
    let p = f.closure.proto();
    let slot = f.base as usize + p.max_stack as usize;
    let event = if f.is_tail() { "tail call" } else { "call" };
    let np = p.num_params as u32;
    Some(start_on_lua(
        ctx,
        thread,
        ts,
        fuel,
        0,
        slot,
        event,
        None,
        HookThen::Lua { skip: 0 },
        (1, np),
    ))
}

/// The Lua frame on top returns `n` values at `first` (its `Return` at `pc`, or with `resume`
/// its `TailCall` at `pc` to a native that returned; registers end at `call_slot`; any hook
/// active): reports the return event, or notes the caller's position for line events.
#[allow(clippy::too_many_arguments)]
pub fn on_return<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    pc: usize,
    first: usize,
    n: usize,
    call_slot: usize,
    resume: bool,
) -> Option<Todo<'gc>> {
    let mut d = thread.0.hook.get();
    if d.skip & SKIP_RET == 0 && thread.0.hookmask.get() & RET != 0 {
        let base = match ts.frames.last() {
            Some(Frame::Lua(f)) => f.base as usize,
            _ => return None,
        };
        let slot = call_slot.max(first + n);
        let ftransfer = (first + 1).saturating_sub(base) as u32;
        return Some(start_on_lua(
            ctx,
            thread,
            ts,
            fuel,
            pc,
            slot,
            "return",
            None,
            if resume {
                HookThen::LuaResume { skip: SKIP_RET }
            } else {
                HookThen::Lua {
                    skip: SKIP_LINE | SKIP_COUNT | SKIP_RET,
                }
            },
            (ftransfer, n as u32),
        ));
    }
    d.skip = 0;
    let len = ts.frames.len();
    if let Some(Frame::Lua(caller)) = len.checked_sub(2).and_then(|i| ts.frames.get(i)) {
        d.oldpc = caller.pc.saturating_sub(1);
    }
    thread.0.hook.set(d);
    None
}

/// The instruction about to run again (after a `__close` call) already reported its line
/// and count events.
pub fn reexecute(thread: Thread<'_>) {
    let mut d = thread.0.hook.get();
    d.skip |= SKIP_LINE | SKIP_COUNT;
    thread.0.hook.set(d);
}

/// A native returned into the Lua frame `pc` (any hook active): notes the position for
/// line events.
pub fn returned_to(thread: Thread<'_>, pc: u32) {
    let mut d = thread.0.hook.get();
    d.oldpc = pc.saturating_sub(1);
    thread.0.hook.set(d);
}

/// Before a native runs (call hooks active): `Some` hook call to make first, or `None`
/// when the call event was already reported.
#[allow(clippy::too_many_arguments)]
pub fn native_call<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    native: super::closure::NativeRef<'gc>,
    func: usize,
    nargs: usize,
    want: i32,
) -> Option<Todo<'gc>> {
    let mut d = thread.0.hook.get();
    if d.skip & SKIP_CALL != 0 {
        d.skip &= !SKIP_CALL;
        thread.0.hook.set(d);
        return None;
    }
    let frame = NativeFrame::new(
        Some(native),
        func as u32,
        want,
        Cont::Hook {
            then: HookThen::NativeCall {
                nargs: nargs as u32,
            },
            top: ts.top,
            ftransfer: 1,
            ntransfer: nargs as u32,
        },
    );
    Some(start(
        ctx,
        thread,
        ts,
        fuel,
        frame,
        func + 1 + nargs,
        "call",
        None,
    ))
}

/// A native returned the values in its window (return hooks active): `Some` hook call to
/// make first, or `None` when the return event was already reported.
pub fn native_return<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    native: Option<super::closure::NativeRef<'gc>>,
    func: usize,
    want: i32,
) -> Option<Todo<'gc>> {
    let mut d = thread.0.hook.get();
    if d.skip & SKIP_RET != 0 {
        d.skip &= !SKIP_RET;
        thread.0.hook.set(d);
        return None;
    }
    let n = ts.stack.len().saturating_sub(func + 1);
    let frame = NativeFrame::new(
        native,
        func as u32,
        want,
        Cont::Hook {
            then: HookThen::NativeReturn,
            top: ts.top,
            ftransfer: 1,
            ntransfer: n as u32,
        },
    );
    let at = ts.stack.len();
    Some(start(ctx, thread, ts, fuel, frame, at, "return", None))
}

/// What to do after a hook function returned.
#[allow(clippy::large_enum_variant)]
pub enum After<'gc> {
    /// Run the Lua frame on top (not resuming an instruction).
    Lua,
    /// Finish the instruction the Lua frame on top was completing.
    LuaResume,
    /// Go on with this call/return work.
    Todo(Todo<'gc>),
}

/// The hook function returned to hook frame `nf` (already popped; the stack ends where the
/// hook function was): turn hooks back on and continue what the hook interrupted.
pub fn finish<'gc>(
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    nf: NativeFrame<'gc>,
) -> After<'gc> {
    let Cont::Hook { then, top, .. } = *nf.cont else {
        return After::Lua;
    };
    let mut d = thread.0.hook.get();
    d.in_hook = false;
    let func = nf.func as usize;
    let after = match then {
        HookThen::Lua { skip } => {
            d.skip = skip;
            ts.stack.truncate(func);
            ts.top = top;
            if let Some(Frame::Lua(f)) = ts.frames.last_mut() {
                f.pc = f.pc.saturating_sub(1);
                if skip & SKIP_LINE != 0 {
                    // Calls made inside the hook moved it (Lua sets it after the hook).
                    d.oldpc = f.pc;
                }
                let needed = f.base as usize + f.closure.proto().max_stack as usize + 1;
                ts.grow_stack(needed);
            }
            After::Lua
        }
        HookThen::LuaResume { skip } => {
            d.skip = skip;
            ts.stack.truncate(func);
            ts.top = top;
            if let Some(Frame::Lua(f)) = ts.frames.last() {
                let needed = f.base as usize + f.closure.proto().max_stack as usize + 1;
                ts.grow_stack(needed);
            }
            After::LuaResume
        }
        HookThen::NativeCall { nargs } => {
            d.skip = SKIP_CALL;
            ts.stack.truncate(func + 1 + nargs as usize);
            ts.top = top;
            After::Todo(Todo::Call {
                func,
                nargs: nargs as usize,
                want: nf.want,
            })
        }
        HookThen::NativeReturn => {
            d.skip = SKIP_RET;
            ts.top = top;
            After::Todo(Todo::Action {
                native: nf.native,
                func,
                want: nf.want,
                action: Action::Return,
            })
        }
    };
    thread.0.hook.set(d);
    update_active(thread);
    after
}

/// `getinfo`'s transfer information (`ftransfer`, `ntransfer`) of raw frame `i` of `frames`:
/// set while a call or return hook reports on it.
pub fn transfer(frames: &[Frame<'_>], i: usize) -> (u32, u32) {
    let hook_of = |f: Option<&Frame<'_>>, lua: bool| match f {
        Some(Frame::Native(n)) if lua == n.native.is_none() => match *n.cont {
            Cont::Hook {
                ftransfer,
                ntransfer,
                ..
            } => Some((ftransfer, ntransfer)),
            _ => None,
        },
        _ => None,
    };
    match frames.get(i) {
        // A native reporting on itself is its own hook frame.
        Some(Frame::Native(_)) => hook_of(frames.get(i), false),
        // A Lua frame has its hook frame right above.
        Some(Frame::Lua(_)) => hook_of(frames.get(i + 1), true),
        None => None,
    }
    .unwrap_or((0, 0))
}

/// `debug.sethook`'s mask string to bits (`count > 0` adds count events).
pub fn make_mask(s: &[u8], count: i32) -> u8 {
    let mut m = 0;
    if s.contains(&b'c') {
        m |= CALL;
    }
    if s.contains(&b'r') {
        m |= RET;
    }
    if s.contains(&b'l') {
        m |= LINE;
    }
    if count > 0 {
        m |= COUNT;
    }
    m
}

/// `debug.gethook`'s mask string.
pub fn unmake_mask(m: u8) -> String {
    let mut s = String::new();
    if m & CALL != 0 {
        s.push('c');
    }
    if m & RET != 0 {
        s.push('r');
    }
    if m & LINE != 0 {
        s.push('l');
    }
    s
}
