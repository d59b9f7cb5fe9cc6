//! The embedding API: everything a host needs, re-exported at the crate root.
//!
//! - [`Vm`] and [`VmOptions`]: make a VM (or restore one, or fork an [`Image`]), load a chunk,
//!   drive it with [`Vm::step`].
//! - Handles ([`Table`], [`Function`], [`Thread`], [`AnyUserData`], [`LuaString`]): references
//!   to Lua objects the host keeps between steps; they survive saves, restores and forks.
//! - Conversions ([`IntoLua`], [`FromLua`], their multi-value forms, [`Value`], serde through
//!   [`Serde`]): Rust values in, Rust values out, with errors that say where.
//! - Calls into Lua ([`Vm::call`], [`Vm::start_call`]/[`Vm::step_call`]): preemptible and
//!   saveable half-way like everything else.
//! - Host functions ([`Vm::register`]) and waits ([`Vm::register_waiting`],
//!   [`Wait`], [`Vm::deliver`]): Rust closures Lua calls, which may suspend the script until
//!   the host has something for it — also saved with the VM.
//! - Userdata ([`UserData`]): host types with methods, fields and metamethods, saved through
//!   serde.
//! - Many agents ([`Scheduler`]): VMs stepped fairly on fuel slices, talking through copied
//!   [`Message`]s (`receive`, `send`, `sleep`), moved between processes as bytes.
//! - One error type, [`Error`].
//!
//! ```
//! use telelua::{Vm, VmOptions};
//! let mut vm = VmOptions::new().build();
//! vm.register("double", |_cx, n: i64| Ok(n * 2));
//! let r: i64 = vm.eval("return double(21)").unwrap();
//! assert_eq!(r, 42);
//! ```

#![warn(missing_docs)]

mod context;
mod convert;
mod error;
#[doc(hidden)]
pub mod fuzz;
mod handle;
mod host;
mod message;
mod options;
pub mod record;
mod record_scheduler;
mod registration;
mod scheduler;
mod serde_lua;
mod table;
mod userdata;
mod vm;

pub use context::{Access, Context};
pub use convert::{
    Bytes, FromLua, FromLuaMulti, IntoLua, IntoLuaMulti, LightUserData, LuaValue, MultiValue, Nil,
    Value, Variadic,
};
pub use error::{Error, Result};
pub use handle::{AnyUserData, AsHandle, Function, LuaString, Table, Thread};
pub use host::{Registrations, Reply, Resume, Wait, HOST_CALL_FUEL, WAIT_RESUME_FUEL};
pub use message::{Message, MESSAGE_MAX_BYTES, MESSAGE_MAX_DEPTH};
pub use options::{VmOptions, LIBRARIES};
pub use scheduler::{
    AgentId, AgentState, Scheduler, SchedulerOptions, StopReason, WaitingOn, HOST, SLEEP_KIND,
};
pub use serde_lua::Serde;
pub use table::METAMETHOD_FUEL;
pub use userdata::{UserData, UserDataMethods};
pub use vm::{error_message, Call, ExitRequest, Image, Vm, EVAL_FUEL};

pub use crate::stdlib::Profile;

/// The old name of [`Value`].
pub type HostValue = Value;

/// An error that escaped the script.
#[derive(Clone, Debug, PartialEq)]
pub struct RuntimeError {
    /// The error message (`chunk:line: message`), or a description of a non-string error value.
    pub message: String,
    /// A Lua-style traceback.
    pub traceback: String,
}

impl std::fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RuntimeError {}

/// What `step` did.
#[derive(Clone, Debug, PartialEq)]
pub enum StepResult {
    /// The chunk (or call) returned these values.
    Finished(Vec<Value>),
    /// The main coroutine (or the call's) yielded these values to the host; the next step
    /// continues it ([`Vm::deliver`] sets what `coroutine.yield` returns).
    Yielded(Vec<Value>),
    /// The fuel given to this step is spent; call `step` again to continue.
    OutOfFuel,
    /// The script waits in a host function of this wait kind; it continues when the wait
    /// ends ([`Vm::deliver`], or the kind's resume function on a later step).
    Waiting {
        /// The wait kind.
        kind: String,
    },
    /// An error escaped the script.
    Error(RuntimeError),
}

/// What `luaL_loadfile` does to a file's text before compiling it (`load` of a string does
/// not): drops a UTF-8 byte-order mark and a first line starting with `#`, keeping its line
/// break so line numbers stay right.
pub fn file_source(source: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    crate::compiler::file_source(source)
}

/// The bytecode listing of a chunk, as `luac -l` prints it (the CLI's `--dump`).
///
/// # Errors
/// The compile error, worded as `lua5.4` words it.
pub fn disassemble(source: &[u8], chunk_name: &str) -> Result<String> {
    crate::compiler::compile(source, chunk_name.as_bytes())
        .map(|p| crate::compiler::dump(&p))
        .map_err(|e| Error::Syntax(e.to_string()))
}
