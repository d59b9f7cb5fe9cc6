//! telelua: a stackless, serializable, fuel-metered Lua 5.4 virtual machine.
//!
//! Pipeline (one folder per stage, data flowing one way):
//! source → [`compiler`] → immutable `Proto` → [`vm`] (values, tables, interpreter) →
//! [`stdlib`] → `snapshot`; `limits` (fuel, memory) and [`api`] (what embedders use) sit
//! beside them.
#![forbid(unsafe_code)]

pub mod api;
pub mod compiler;
pub mod limits;
pub mod snapshot;
pub mod stdlib;
pub mod vm;
