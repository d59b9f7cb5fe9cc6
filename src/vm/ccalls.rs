//! Nested "C calls": Lua's `nCcalls` bound (`LUAI_MAXCCALLS`), kept without a C stack.
//!
//! # Why a stackless VM still counts them
//! PUC-Rio Lua recurses on the C stack whenever something other than a Lua call instruction
//! calls a function: a metamethod (`luaT_callTMres`), a generic `for` iterator, a `__close`
//! method, a message handler, and every library function that calls back into Lua (`pcall`,
//! `xpcall`, `table.sort`'s comparator, `gsub`'s callback, `tostring`'s `__tostring`, `load`'s
//! reader, a coroutine resume). It counts those nested calls and raises "C stack overflow" when
//! the count reaches 200, and "error in error handling" at 220 (the extra room lets a message
//! handler run after the first error). telelua needs no C stack for any of them, but it keeps
//! the same bound, for two reasons:
//!
//! - **Bounded work per fuel unit.** Without it, `local function f() return pcall(f) end`
//!   nests 10^5 `pcall`s before the Lua stack runs out, and every level then moves all the
//!   results of the levels inside it: quadratic work that no instruction pays for. With the
//!   bound, any work proportional to the nesting is at most 200 times a charged operation.
//! - **Lua's behaviour.** Scripts see the same depths and messages as under `lua5.4`.
//!
//! # How they are counted
//! A thread keeps the frame indices entered through such a call ([`ThreadState::c_calls`]),
//! innermost last, and the count of the coroutines that resumed it ([`ThreadState::c_base`]:
//! Lua's `lua_resume` starts a coroutine at its resumer's count plus one). A mark is pushed,
//! with the bound checked, where the call is made (the interpreter's metamethod, iterator and
//! `__close` calls, a native's [`crate::vm::Action::Call`], a message handler or `__close`
//! while unwinding, a debug hook), and marks at or above the frame count are dropped where
//! frames go away (a call returning to the interpreter or to a native, unwinding). Marks are
//! never counted by walking the frames on a hot path: an error thrown at depth 10^5 costs
//! nothing more than one thrown at depth 1.
//!
//! After a snapshot restore the marks are recomputed from the frames ([`recount`]); the rule
//! there, [`c_calls_between`], gives exactly the marks the running VM pushed (tested by running
//! every script under `--snapshot-every 1`).
//!
//! # Where telelua differs
//! The main chunk starts at [`HOST_C_CALLS`] (as `lua.c` runs it, inside two protected calls),
//! so the depths a script observes are `lua5.4`'s. Lua unrolls a coroutine's suspended C calls
//! when it resumes it (`pcall`s it yielded across no longer count); telelua keeps counting
//! them, so such a coroutine reaches the bound slightly earlier. A message handler runs one
//! level lower than in Lua (Lua counts the failed call that raised the error), which leaves
//! the handler one more level before "error in error handling".

use super::cont::Cont;
use super::error::{LuaError, LuaResult};
use super::state::Ctx;
use super::thread::{Frame, ThreadState};

/// Nested C calls at which Lua raises "C stack overflow" (`LUAI_MAXCCALLS`).
pub const MAX_C_CALLS: u32 = 200;

/// Nested C calls at which even error handling stops with "error in error handling"
/// (`LUAI_MAXCCALLS / 10 * 11`).
pub const MAX_C_CALLS_IN_ERROR: u32 = MAX_C_CALLS / 10 * 11;

/// The count the main chunk starts at: `lua.c` runs it inside two protected calls (`pmain`,
/// then the chunk), so a script reaches the bound at the same depth as under `lua5.4`.
pub const HOST_C_CALLS: u32 = 2;

/// The message of the bound.
pub const C_STACK_OVERFLOW: &str = "C stack overflow";

/// The message once error handling itself overflows.
pub const ERROR_IN_ERROR_HANDLING: &str = "error in error handling";

impl<'gc> ThreadState<'gc> {
    /// The thread's nested C calls now (Lua's `getCcalls`).
    #[inline]
    pub fn c_level(&self) -> u32 {
        self.c_base
            .saturating_add(u32::try_from(self.c_calls.len()).unwrap_or(u32::MAX))
    }

    /// Records that the next frame pushed (at index `frames.len()`) is entered through a C
    /// call, bounded as Lua's `luaE_checkcstack` bounds it.
    ///
    /// # Errors
    /// "C stack overflow" (positioned at the running Lua frame, if that is the top frame) at
    /// exactly the bound. Between it and [`MAX_C_CALLS_IN_ERROR`] calls go on: only the
    /// handling of that error gets there (the handler runs one level above the failed call).
    /// Past it, "error in error handling" as [`LuaError::Handled`], which no message handler
    /// sees. Nothing is recorded then.
    #[inline]
    pub fn enter_c_call(&mut self, ctx: Ctx<'gc>) -> LuaResult<'gc, ()> {
        self.enter_c_calls(ctx, 1)
    }

    /// [`Self::enter_c_call`] for a call that counts `n` levels (a message handler called
    /// again after it failed `n - 1` times: in Lua each failed run stays on the C stack).
    pub fn enter_c_calls(&mut self, ctx: Ctx<'gc>, n: u32) -> LuaResult<'gc, ()> {
        let level = self.c_level().saturating_add(n);
        if level >= MAX_C_CALLS && (level == MAX_C_CALLS || level >= MAX_C_CALLS_IN_ERROR) {
            return Err(overflow(ctx, level));
        }
        for _ in 0..n {
            self.c_calls.push(self.frames.len() as u32);
        }
        Ok(())
    }

    /// Records a C call without checking the bound (debug hooks, which cannot nest).
    pub fn mark_c_call(&mut self) {
        self.c_calls.push(self.frames.len() as u32);
    }

    /// Drops the marks of frames at index `n` and above (they are gone, or never came).
    #[inline]
    pub fn trim_c_calls(&mut self, n: usize) {
        while let Some(&m) = self.c_calls.last() {
            if (m as usize) < n {
                break;
            }
            self.c_calls.pop();
        }
    }
}

/// The error for reaching `level` nested C calls.
#[cold]
#[inline(never)]
fn overflow<'gc>(ctx: Ctx<'gc>, level: u32) -> LuaError<'gc> {
    if level >= MAX_C_CALLS_IN_ERROR {
        // Lua throws LUA_ERRERR: no message handler is called for it.
        LuaError::Handled(ctx.str_value(ERROR_IN_ERROR_HANDLING))
    } else {
        LuaError::rt(C_STACK_OVERFLOW)
    }
}

/// How many C calls the frame `above` was entered through, made by the frame `below` (the
/// rule [`recount`] applies to a restored thread; the running VM pushes the same marks).
pub fn c_calls_between(below: &Frame<'_>, above: &Frame<'_>) -> u32 {
    use super::hook::HookThen;
    use crate::compiler::opcodes::Op;
    let hook_on_native = match above {
        Frame::Native(n) => match &*n.cont {
            // Frames the unwinder pushes sit above the erroring frame; the call they make
            // is the counted one. (A `Raised` frame stands for the native that raised the
            // error, and counts as that native's call did.)
            Cont::XpcallHandler { .. } | Cont::CloseTbc { .. } | Cont::ErrorToString { .. } => {
                return 0
            }
            // A hook on a native's call or return stands where that native runs.
            Cont::Hook { then, .. } => Some(matches!(
                then,
                HookThen::NativeCall { .. } | HookThen::NativeReturn
            )),
            _ => None,
        },
        Frame::Lua(_) => None,
    };
    match below {
        // A native with a frame above it is waiting for a call it made.
        Frame::Native(n) => match &*n.cont {
            Cont::Raised => 0,
            // (Capped: a forged snapshot must not make `recount` allocate without bound.)
            Cont::XpcallHandler { depth, .. } => depth.saturating_add(1).min(MAX_C_CALLS_IN_ERROR),
            _ => 1,
        },
        Frame::Lua(f) => {
            if hook_on_native == Some(false) {
                return 0;
            }
            // Anything but a call instruction calls through a metamethod (or the generic
            // `for` iterator, or `__close` on return), as Lua's `luaD_call` from C does.
            let op = f
                .closure
                .proto()
                .code
                .get((f.pc as usize).wrapping_sub(1))
                .copied();
            u32::from(!matches!(
                op,
                Some(Op::Call { .. } | Op::TailCall { .. }) | None
            ))
        }
    }
}

/// Recomputes a thread's marks from its frames (after a restore).
pub fn recount(ts: &mut ThreadState<'_>) {
    let mut marks = Vec::new();
    for (i, w) in ts.frames.windows(2).enumerate() {
        for _ in 0..c_calls_between(&w[0], &w[1]) {
            marks.push(i as u32 + 1);
        }
    }
    ts.c_calls = marks;
}
