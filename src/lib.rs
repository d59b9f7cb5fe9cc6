//! telelua: a stackless, serializable, fuel-metered Lua 5.4 virtual machine for hosts that
//! run many people's scripts side by side.
//!
//! The supported API is at the crate root (see the [`api`] module's docs for the tour):
//! [`Vm`], [`VmOptions`], handles ([`Table`], [`Function`], ...), conversions ([`IntoLua`],
//! [`FromLua`], [`Serde`]), host functions and waits ([`Vm::register`], [`Wait`]),
//! [`UserData`], [`Image`] for forks, and one [`Error`] type.
//!
//! ```
//! let mut vm = telelua::Vm::new();
//! let n: i64 = vm.eval("local s = 0 for i = 1, 10 do s = s + i end return s").unwrap();
//! assert_eq!(n, 55);
//! ```
//!
//! Pipeline inside (one folder per stage, data flowing one way): source → `compiler` →
//! immutable `Proto` → `vm` (values, tables, interpreter) → `stdlib` → `snapshot`; `limits`
//! (the fuel cost table; the memory budget is `vm::memory`) and `api` (what embedders use) sit beside them. The stages are reachable
//! through [`internal`] for the fuzz targets, benches and tests: not a supported API.
#![forbid(unsafe_code)]

pub mod api;
pub(crate) use internal::{compiler, limits, number, snapshot, stdlib, vm};

pub use api::*;
pub use snapshot::{ChunkStore, MapChunkStore, Registry, SaveOptions, SnapshotError};
pub use stdlib::os::SystemClock;
pub use vm::state::{Clock, Host, VirtualClock};

/// The VM's stages, for the crate's fuzz targets, benches and tests. Not a supported API:
/// anything here may change without notice.
#[doc(hidden)]
pub mod internal;

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
