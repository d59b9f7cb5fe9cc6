//! Limits: fuel (the deterministic clock) and, later, the memory budget.
//!
//! Fuel is charged by every instruction and by natives in proportion to their work, so the
//! same program under the same fuel schedule consumes the same fuel on every machine and
//! build. The cost table is the constants in [`fuel`] (documented in `docs/FUEL.md`); the
//! stdlib and the `sequences` crate define the per-library costs next to their code.

pub mod fuel;
