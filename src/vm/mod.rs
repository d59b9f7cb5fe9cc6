//! The virtual machine: values, tables, strings, closures, threads, the interpreter loop and
//! the call/error/coroutine machinery around it.
//!
//! # Design
//! Every Lua object lives in a gc-arena 0.7 arena whose root is [`state::State`]. A running
//! computation is entirely data: each coroutine ([`thread::Thread`]) has a value stack and an
//! explicit frame stack; a native function that needs to call Lua returns a request and waits
//! as a frame holding a serializable continuation ([`cont::Cont`]). The Rust stack therefore
//! never grows with Lua call depth, and [`exec::run`] can stop after any instruction when its
//! fuel runs out and continue later exactly where it stopped.

mod callback;
pub mod ccalls;
pub mod chunk;
pub mod closure;
pub mod cont;
pub mod convert;
pub mod error;
pub mod exec;
mod fast;
mod fast_light;
pub mod finish;
pub mod gc;
pub mod hook;
pub mod interp;
pub mod lazy;
pub mod light;
pub mod memory;
pub mod meta;
pub mod native;
pub mod ops;
mod pure;
pub mod state;
pub mod string;
mod switch;
pub mod switch_call;
pub mod table;
pub mod thread;
pub mod traceback;
pub mod userdata;
pub mod value;

pub use error::{LuaError, LuaResult};
pub use native::{Action, NativeCtx, NativeDef};
pub use state::{Ctx, State};
pub use value::Value;
