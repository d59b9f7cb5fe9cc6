//! Limits: fuel (the deterministic clock) and the structural limits. (The memory budget is
//! accounted in `vm::memory`.)
//!
//! Fuel is charged by every instruction and by natives in proportion to their work, so the
//! same program under the same fuel schedule consumes the same fuel on every machine and
//! build. The cost table is [`fuel`] (documented in `docs/FUEL.md`, checked by a test):
//! every library's costs are defined there, and the `sequences` crate's are listed there.

pub mod fuel;
