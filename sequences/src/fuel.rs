//! Fuel: the only clock.
//!
//! Design note. A [`Fuel`] is a signed budget that work is charged against *as it happens*.
//! Every algorithm in this crate is a loop of small atomic *units*; before each unit it checks
//! [`Fuel::is_exhausted`] and, if so, returns [`crate::Step::NeedFuel`] with its state intact.
//! A unit is charged after (or while) it runs, so the budget can go slightly negative: the
//! overshoot is at most the cost of one unit, and every unit's cost is bounded (see
//! [`cost`]). A unit never depends on how much fuel is left, so the total charged for a whole
//! run is the same however the run is sliced into steps — the property the tests check.
//!
//! One fuel unit is meant to be about one simple VM instruction. Byte-oriented work (scanning a
//! subject, copying into a buffer, scanning a long character class) is measured in *work
//! units* (roughly one byte each) and converted to fuel at [`cost::WORK_PER_FUEL`] work units
//! per fuel, rounded up per unit of work.

use serde::{Deserialize, Serialize};

/// A fuel budget. Negative `remaining` means the last unit overshot the budget.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Fuel {
    /// Fuel left; the work stops (at the next unit boundary) once this is `<= 0`.
    pub remaining: i64,
}

impl Fuel {
    /// A budget of `remaining` fuel.
    #[inline]
    pub const fn new(remaining: i64) -> Self {
        Fuel { remaining }
    }

    /// Fuel left (may be negative after an overshoot).
    #[inline]
    pub const fn remaining(&self) -> i64 {
        self.remaining
    }

    /// True when no more units may start.
    #[inline]
    pub const fn is_exhausted(&self) -> bool {
        self.remaining <= 0
    }

    /// Charge `n` fuel (saturating; never panics).
    #[inline]
    pub fn charge(&mut self, n: i64) {
        self.remaining = self.remaining.saturating_sub(n);
    }

    /// Charge `n` fuel when the budget is known not to be exhausted (`remaining > 0`) and `n`
    /// is a small constant: a plain subtraction, which cannot overflow then. For a charge on
    /// every instruction, where `charge`'s saturation would cost a few machine instructions.
    #[inline(always)]
    pub fn charge_unexhausted(&mut self, n: i64) {
        self.remaining = self.remaining.wrapping_sub(n);
    }

    /// Charge for `work` work units: `ceil(work / WORK_PER_FUEL)` fuel.
    #[inline]
    pub fn charge_work(&mut self, work: usize) {
        self.charge(cost::work(work));
    }

    /// Add `n` fuel (saturating).
    #[inline]
    pub fn refuel(&mut self, n: i64) {
        self.remaining = self.remaining.saturating_add(n);
    }
}

/// The cost table. Every constant is in fuel units (≈ one simple VM instruction), except the
/// `*_WORK` / `*_CHUNK` constants which are in work units (≈ one byte handled).
///
/// Overshoot bound: one unit of work costs at most
/// `MATCH_STEP + work(pattern length)` for a pattern dispatch (a huge character class is
/// scanned in one go), and `work(SCAN_CHUNK + pattern length)` for a scanning loop; a gsub
/// append costs `work(replacement length)`. Everything else is a small constant.
pub mod cost {
    /// Work units per fuel unit for byte-oriented loops: a byte scan is ~16× cheaper than a
    /// VM instruction (memchr/memcmp-like inner loops versus decode-dispatch-execute).
    pub const WORK_PER_FUEL: usize = 16;

    /// A scanning loop (greedy repetition count, `%b`, back-reference compare, plain find,
    /// the specials check, copying) does at most this much work per unit before it re-checks
    /// the budget. 256 work units = 16 fuel: long enough to amortise the check, short enough
    /// that a tiny budget still preempts a 10 MB scan many times.
    pub const SCAN_CHUNK: usize = 256;

    /// One pattern-matcher dispatch: one visit of lstrlib's `match` at label `init`, one
    /// backtracking retry (`max_expand` giving back a repetition, `min_expand` taking one
    /// more, `?` falling back), or one nested call/return. A single-character test against a
    /// class additionally costs `work(class length)` with the length floored to multiples of
    /// [`WORK_PER_FUEL`] (so short classes are free).
    pub const MATCH_STEP: i64 = 1;

    /// Starting a match attempt at one subject position (find/match/gmatch/gsub drivers).
    pub const MATCH_ATTEMPT: i64 = 1;

    /// Issuing one comparison request in sort (the VM charges the comparison itself).
    pub const SORT_COMPARE: i64 = 1;

    /// Swapping two elements of the sort permutation.
    pub const SORT_SWAP: i64 = 1;

    /// One iteration of `auxsort`'s outer loop or one return from a (virtual) recursive call.
    pub const SORT_STEP: i64 = 1;

    /// Initialising this many permutation entries costs one fuel.
    pub const SORT_INIT_PER_FUEL: usize = 64;

    /// Fuel for `work` work units, rounded up (0 for 0).
    #[inline]
    pub const fn work(work: usize) -> i64 {
        let f = work / WORK_PER_FUEL + !work.is_multiple_of(WORK_PER_FUEL) as usize;
        if f > i64::MAX as usize {
            i64::MAX
        } else {
            f as i64
        }
    }

    /// Fuel for work that is charged floored (class scanning on a dispatch).
    pub const fn work_floor(work: usize) -> i64 {
        let f = work / WORK_PER_FUEL;
        if f > i64::MAX as usize {
            i64::MAX
        } else {
            f as i64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charge_saturates_and_exhausts() {
        let mut f = Fuel::new(3);
        assert!(!f.is_exhausted());
        f.charge(3);
        assert!(f.is_exhausted());
        f.charge(i64::MAX);
        f.charge(i64::MAX);
        assert_eq!(f.remaining(), i64::MIN);
        f.refuel(i64::MAX);
        assert_eq!(f.remaining(), -1);
    }

    #[test]
    fn work_rounds_up() {
        assert_eq!(cost::work(0), 0);
        assert_eq!(cost::work(1), 1);
        assert_eq!(cost::work(16), 1);
        assert_eq!(cost::work(17), 2);
        assert_eq!(cost::work_floor(15), 0);
        assert_eq!(cost::work(usize::MAX), (usize::MAX / 16 + 1) as i64);
    }
}
