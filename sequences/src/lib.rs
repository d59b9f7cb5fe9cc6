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
//!
//! # How the VM drives the sequences
//!
//! | Lua function | sequence | input to `step` | request → answer | result |
//! |---|---|---|---|---|
//! | `string.find` | [`pattern::Find`] (`Find`/`PlainFind`) | subject, pattern | — | `Option<Match>`: `start+1`, `end`, [`pattern::Match::find_captures`] |
//! | `string.match` | [`pattern::Find`] (`Match`) | subject, pattern | — | `Option<Match>`: [`pattern::Match::match_captures`] |
//! | `gmatch` iterator call | [`pattern::GMatch`] (kept in the iterator) | subject, pattern | — | `Option<Match>`: `match_captures`, `None` ends the loop |
//! | `string.gsub` | [`pattern::Gsub`] | subject, pattern | [`pattern::GsubRequest`] → [`pattern::Replacement`] | [`pattern::GsubResult`] |
//! | `table.sort` | [`sort::Sort`] | — | [`sort::Compare`] → `bool` | permutation of element indices |
//!
//! Every `step` takes a [`Fuel`]; [`Step::NeedFuel`] means "call again later", possibly after
//! a snapshot and restore. A request is answered with the sequence's `answer` method before
//! the next `step`. Lua errors come back as `Err` with Lua's exact message (`Display`); the VM
//! adds position information as `luaL_error` would.
#![forbid(unsafe_code)]

pub mod fuel;
pub mod pattern;
pub mod sequence;
pub mod sort;

pub use fuel::Fuel;
pub use sequence::{Never, Sequence, Step};
