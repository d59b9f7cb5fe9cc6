//! Errors raised inside the VM.
//!
//! A Lua error is any value. Messages raised by natives and by the interpreter are created
//! without their `chunk:line:` prefix; the VM adds it where the error is thrown, from the frame
//! that called the native (Lua's `luaL_where(L, 1)`) or the frame executing the instruction.

use super::value::Value;

/// An error travelling through the VM.
#[derive(Clone, Debug)]
pub enum LuaError<'gc> {
    /// A value thrown as is (`error(v)`, or a message already positioned).
    Value(Value<'gc>),
    /// A message that gets the position of the current Lua frame prepended.
    Runtime(String),
    /// An error raised by an operation (indexing, arithmetic, comparison) as Lua's
    /// `luaG_runerror` does: positioned at the *running* function if that is a Lua function,
    /// so an operation failing inside a native carries no position.
    Op(String),
    /// `bad argument #arg to 'name' (msg)`: the VM fills in the function name as Lua does.
    BadArg {
        /// 1-based argument number.
        arg: usize,
        /// The parenthesised detail.
        msg: String,
    },
    /// A string that gets the position of the current Lua frame prepended (`coroutine.wrap`).
    Where(super::string::LuaStr<'gc>),
    /// An error no message handler sees: a handler's result (delivered without calling it
    /// again), "error in error handling", a memory error (Lua's `LUA_ERRMEM`).
    Handled(Value<'gc>),
    /// An allocation would exceed the VM's memory budget, but a full collection has not been
    /// tried yet: the operation is retried after one (natives from their start, instructions
    /// from their beginning; see `memory`). Where a retry is impossible it becomes
    /// "not enough memory".
    RetryAfterGc,
}

/// The message of the memory error (Lua's `LUA_ERRMEM` message; no position).
pub const NOT_ENOUGH_MEMORY: &str = "not enough memory";

impl<'gc> LuaError<'gc> {
    /// A runtime error with a message (position added when thrown).
    pub fn rt(msg: impl Into<String>) -> Self {
        LuaError::Runtime(msg.into())
    }

    /// An operation error (see [`LuaError::Op`]).
    pub fn op(msg: impl Into<String>) -> Self {
        LuaError::Op(msg.into())
    }

    /// A bad-argument error.
    pub fn bad_arg(arg: usize, msg: impl Into<String>) -> Self {
        LuaError::BadArg {
            arg,
            msg: msg.into(),
        }
    }
}

/// Result type of VM operations.
pub type LuaResult<'gc, T> = Result<T, LuaError<'gc>>;
