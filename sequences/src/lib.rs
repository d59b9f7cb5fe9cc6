//! Resumable, fuel-metered, serializable algorithms for telelua.
//!
//! This crate knows nothing about Lua values: it works on byte slices and indices. It holds
//!
//! * [`fuel`]: the [`Fuel`] budget and the documented cost table shared with the VM;
//! * [`sequence`]: the [`Sequence`] contract ([`Step`]: need fuel / need the host / done);
//! * [`pattern`]: Lua 5.4 pattern matching — `find`, `match`, `gmatch`, `gsub` — as state
//!   machines with an explicit backtracking stack;
//! * [`sort`]: Lua 5.4's `table.sort` quicksort, asking its host for every comparison.
//!
//! Every state is plain data with serde support and a stable kind tag (`"lua.sort/v1"`, ...),
//! validated when deserialized; no input (script or snapshot) can make this crate panic.
#![forbid(unsafe_code)]

pub mod fuel;
pub mod pattern;
pub mod sequence;
pub mod sort;

pub use fuel::Fuel;
pub use sequence::{Never, Sequence, Step};
