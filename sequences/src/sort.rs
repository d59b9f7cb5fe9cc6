//! `table.sort` (ltablib's `auxsort`) as a sequence that asks its host to compare.
//!
//! Design note. This is Lua 5.4's quicksort exactly — same median-of-three, same pivot
//! choice, same partition loop, same swaps in the same order, same two "invalid order function
//! for sorting" checks — so the result is identical to `lua5.4` for any comparator, including
//! inconsistent ones and ties (quicksort is not stable, so ties depend on every detail).
//!
//! Two things differ, by design:
//!
//! * Instead of `lua_geti`/`lua_seti` on the table, the sort permutes a vector `perm` of
//!   *element indices*: `perm[k]` is the index (0-based, in the table as it was when the sort
//!   started) of the element now at position `k + 1`. Every Lua comparison `lt(a, b)` becomes
//!   a [`Step::Need`]`(`[`Compare`]`{ a, b })` with element indices; the VM compares
//!   `values[a] < values[b]` (by calling the order function or with the default `<`, which
//!   may run Lua code, yield, error or be snapshotted) and hands back the boolean with
//!   [`Sort::answer`]. At the end (or after an error, to leave the table partially sorted as
//!   Lua does) the VM writes `t[k + 1] = values[perm[k]]`. Because every C `set2` is a swap of
//!   two positions, the table in Lua is always this permutation of the original values
//!   between comparisons (unless the comparator itself mutates the table, which this model
//!   does not reproduce).
//! * C's recursion on the smaller partition becomes an explicit stack of [`Pending`] frames
//!   (at most ~31 deep, since the smaller half is at most half the interval).
//!
//! `l_randomizePivot` in C mixes `clock()` and `time()`, which would make results depend on
//! the moment of the call. Here it is [`randomize_pivot`]: murmur3's 32-bit finalizer of the
//! caller's `seed` and the interval being continued, a pure function, so sorting is
//! deterministic. It is used exactly where C calls `l_randomizePivot` (after a partition is
//! found to be very unbalanced, for intervals of at least `RANLIMIT` = 100 elements).

use crate::fuel::{cost, Fuel};
use crate::sequence::{Sequence, Step};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Lua's `RANLIMIT`: intervals at least this long may use randomized pivots.
const RANLIMIT: u32 = 100;

/// Lua's `INT_MAX` limit on the array length.
const INT_MAX: i64 = i32::MAX as i64;

/// A comparison request: "is element `a` less than element `b`?" (element indices, 0-based,
/// into the values as they were when the sort started).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Compare {
    /// Left operand's element index.
    pub a: u32,
    /// Right operand's element index.
    pub b: u32,
}

/// A sort failure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortError {
    /// `invalid order function for sorting` (a Lua error).
    InvalidOrder,
    /// `array too big` (a Lua argument error on argument 1).
    ArrayTooBig,
    /// Not a Lua error: misuse of the protocol or an inconsistent state.
    Corrupt(&'static str),
}

impl SortError {
    /// True for errors Lua itself raises.
    pub fn is_lua_error(&self) -> bool {
        !matches!(self, SortError::Corrupt(_))
    }
}

impl fmt::Display for SortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SortError::InvalidOrder => f.write_str("invalid order function for sorting"),
            SortError::ArrayTooBig => f.write_str("array too big"),
            SortError::Corrupt(what) => write!(f, "corrupt sort state: {what}"),
        }
    }
}

impl std::error::Error for SortError {}

/// A suspended `auxsort` activation: after its recursive call returns it continues its loop
/// on `lo..=up` with `rnd`, first re-randomizing if the smaller side (`n` elements) was tiny.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    lo: u32,
    up: u32,
    rnd: u32,
    n: u32,
}

/// Where the running `auxsort` activation is. `Wait*` states have a comparison outstanding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Pc {
    /// Filling `perm` with `0..n`; `perm.len()` entries done.
    Init,
    /// Top of `while (lo < up)`.
    Loop,
    /// Asked `a[up] < a[lo]`.
    WaitUpLo,
    /// Asked `a[p] < a[lo]`.
    WaitPLo { p: u32 },
    /// Asked `a[up] < a[p]`.
    WaitUpP { p: u32 },
    /// Partition, asked `a[i] < P`.
    WaitI { i: u32, j: u32, pivot: u32 },
    /// Partition, asked `P < a[j]`.
    WaitJ { i: u32, j: u32, pivot: u32 },
    /// The activation returns to its caller.
    Return,
    /// Finished (or failed); the permutation has been handed out or is final.
    Finished,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct State {
    n: u32,
    seed: u32,
    perm: Vec<u32>,
    stack: Vec<Pending>,
    lo: u32,
    up: u32,
    rnd: u32,
    pc: Pc,
    answer: Option<bool>,
}

/// A `table.sort` in progress.
///
/// ```
/// use sequences::{Fuel, Step, sort::Sort};
/// let values = [30, 10, 20];
/// let mut sort = Sort::new(values.len() as i64, 0).unwrap();
/// let perm = loop {
///     match sort.step(&mut Fuel::new(100)).unwrap() {
///         Step::Need(c) => sort.answer(values[c.a as usize] < values[c.b as usize]).unwrap(),
///         Step::NeedFuel => {}
///         Step::Done(perm) => break perm,
///     }
/// };
/// assert_eq!(perm, vec![1, 2, 0]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sort(State);

impl Serialize for Sort {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Sort {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let state = State::deserialize(d)?;
        state
            .validate()
            .map_err(<D::Error as serde::de::Error>::custom)?;
        Ok(Sort(state))
    }
}

/// The deterministic replacement of C's `l_randomizePivot`: murmur3's `fmix32` of the seed
/// and the interval `lo..=up` being continued with smaller side `n`; never 0 (0 would turn
/// randomization off; C's own comment suggests `~0` as a fixed choice).
pub fn randomize_pivot(seed: u32, lo: u32, up: u32, n: u32) -> u32 {
    let mut x = seed
        ^ lo.wrapping_mul(0x9E37_79B1)
        ^ up.wrapping_mul(0x85EB_CA77)
        ^ n.wrapping_mul(0xC2B2_AE3D);
    x ^= x >> 16;
    x = x.wrapping_mul(0x85EB_CA6B);
    x ^= x >> 13;
    x = x.wrapping_mul(0xC2B2_AE35);
    x ^= x >> 16;
    if x == 0 {
        !0
    } else {
        x
    }
}

const CORRUPT: SortError = SortError::Corrupt("position out of range");

impl State {
    fn validate(&self) -> Result<(), &'static str> {
        let n = self.n;
        if i64::from(n) >= INT_MAX {
            return Err("array too big");
        }
        let filled = self.perm.len();
        let full = filled == n as usize;
        let partial_ok = self.pc == Pc::Init || (self.pc == Pc::Finished && filled == 0);
        if filled > n as usize || (!full && !partial_ok) {
            return Err("permutation length");
        }
        let mut seen = vec![false; filled];
        for &e in &self.perm {
            match seen.get_mut(e as usize) {
                Some(s) if !*s => *s = true,
                _ => return Err("not a permutation"),
            }
        }
        if self.pc == Pc::Finished || n <= 1 {
            return Ok(());
        }
        let interval_ok = |lo: u32, up: u32| lo >= 1 && up <= n && lo <= n && up >= 1;
        if self.stack.len() > 64 || !self.stack.iter().all(|f| interval_ok(f.lo, f.up)) {
            return Err("sort stack");
        }
        if !interval_ok(self.lo, self.up) {
            return Err("sort interval");
        }
        let (lo, up) = (self.lo, self.up);
        let in_range = |x: u32| lo <= x && x <= up;
        let waiting_ok = match self.pc {
            Pc::Init | Pc::Loop | Pc::Return | Pc::Finished => true,
            Pc::WaitUpLo => lo < up,
            Pc::WaitPLo { p } | Pc::WaitUpP { p } => lo < up && in_range(p),
            Pc::WaitI { i, j, pivot } | Pc::WaitJ { i, j, pivot } => {
                lo < up && in_range(i) && in_range(j) && pivot < n
            }
        };
        if !waiting_ok {
            return Err("sort program counter");
        }
        Ok(())
    }

    /// The element at 1-based position `pos`.
    fn at(&self, pos: u32) -> Result<u32, SortError> {
        let k = pos.checked_sub(1).ok_or(CORRUPT)?;
        self.perm.get(k as usize).copied().ok_or(CORRUPT)
    }

    /// `set2`: exchange the elements at 1-based positions `x` and `y`.
    fn swap(&mut self, x: u32, y: u32, fuel: &mut Fuel) -> Result<(), SortError> {
        fuel.charge(cost::SORT_SWAP);
        let (x, y) = (
            x.checked_sub(1).ok_or(CORRUPT)?,
            y.checked_sub(1).ok_or(CORRUPT)?,
        );
        if x as usize >= self.perm.len() || y as usize >= self.perm.len() {
            return Err(CORRUPT);
        }
        self.perm.swap(x as usize, y as usize);
        Ok(())
    }

    /// The request a `Wait*` state has outstanding.
    fn request(&self) -> Result<Option<Compare>, SortError> {
        let (lo, up) = (self.lo, self.up);
        Ok(Some(match self.pc {
            Pc::WaitUpLo => Compare {
                a: self.at(up)?,
                b: self.at(lo)?,
            },
            Pc::WaitPLo { p } => Compare {
                a: self.at(p)?,
                b: self.at(lo)?,
            },
            Pc::WaitUpP { p } => Compare {
                a: self.at(up)?,
                b: self.at(p)?,
            },
            Pc::WaitI { i, pivot, .. } => Compare {
                a: self.at(i)?,
                b: pivot,
            },
            Pc::WaitJ { j, pivot, .. } => Compare {
                a: pivot,
                b: self.at(j)?,
            },
            _ => return Ok(None),
        }))
    }

    /// Enter a `Wait*` state (issuing its comparison).
    fn ask(&mut self, pc: Pc, fuel: &mut Fuel) -> Pc {
        fuel.charge(cost::SORT_COMPARE);
        pc
    }

    /// After the median-of-three: stop for 3 elements, else set the pivot aside and start
    /// the partition (`i` is incremented before its first use).
    fn after_median(&mut self, p: u32, fuel: &mut Fuel) -> Result<Pc, SortError> {
        let (lo, up) = (self.lo, self.up);
        if up.checked_sub(lo).ok_or(CORRUPT)? == 2 {
            return Ok(Pc::Return); // only 3 elements: already sorted
        }
        let pivot = self.at(p)?;
        let up1 = up.checked_sub(1).ok_or(CORRUPT)?;
        self.swap(p, up1, fuel)?; // swap Pivot (a[p]) with a[up - 1]
        let i = lo.checked_add(1).ok_or(CORRUPT)?;
        Ok(self.ask(Pc::WaitI { i, j: up1, pivot }, fuel))
    }

    /// After `partition` returned `p`: recurse on the smaller side, continue on the larger.
    fn split(&mut self, p: u32) -> Result<Pc, SortError> {
        let (lo, up, rnd) = (self.lo, self.up, self.rnd);
        let below = p.checked_sub(lo).ok_or(CORRUPT)?;
        let above = up.checked_sub(p).ok_or(CORRUPT)?;
        let (p_dec, p_inc) = (
            p.checked_sub(1).ok_or(CORRUPT)?,
            p.checked_add(1).ok_or(CORRUPT)?,
        );
        let (child, parent, n) = if below < above {
            ((lo, p_dec), (p_inc, up), below) // lower interval is smaller
        } else {
            ((p_inc, up), (lo, p_dec), above)
        };
        self.stack.push(Pending {
            lo: parent.0,
            up: parent.1,
            rnd,
            n,
        });
        (self.lo, self.up) = child;
        Ok(Pc::Loop)
    }

    /// One unit of work. `answer` is the answer to the outstanding request (for `Wait*`).
    fn unit(&mut self, answer: bool, fuel: &mut Fuel) -> Result<Option<Vec<u32>>, SortError> {
        let (lo, up) = (self.lo, self.up);
        self.pc = match self.pc {
            Pc::Init => {
                let start = self.perm.len() as u32;
                let end = start
                    .saturating_add(cost::SORT_INIT_PER_FUEL as u32 * 16)
                    .min(self.n);
                self.perm.extend(start..end);
                fuel.charge(i64::from(
                    (end - start).div_ceil(cost::SORT_INIT_PER_FUEL as u32),
                ));
                if end >= self.n {
                    if self.n <= 1 {
                        Pc::Finished
                    } else {
                        Pc::Loop
                    }
                } else {
                    Pc::Init
                }
            }
            Pc::Loop => {
                fuel.charge(cost::SORT_STEP);
                if lo < up {
                    self.ask(Pc::WaitUpLo, fuel) // a[up] < a[lo]?
                } else {
                    Pc::Return
                }
            }
            Pc::WaitUpLo => {
                if answer {
                    self.swap(lo, up, fuel)?;
                }
                let width = up.checked_sub(lo).ok_or(CORRUPT)?;
                if width == 1 {
                    Pc::Return // only 2 elements: already sorted
                } else {
                    let p = if width < RANLIMIT || self.rnd == 0 {
                        ((u64::from(lo) + u64::from(up)) / 2) as u32 // the middle element
                    } else {
                        // choosePivot: in the middle half, "randomized" by rnd
                        let r4 = width / 4;
                        (self.rnd % r4.saturating_mul(2).max(1)).saturating_add(lo + r4)
                    };
                    self.ask(Pc::WaitPLo { p }, fuel) // a[p] < a[lo]?
                }
            }
            Pc::WaitPLo { p } => {
                if answer {
                    self.swap(p, lo, fuel)?;
                    self.after_median(p, fuel)?
                } else {
                    self.ask(Pc::WaitUpP { p }, fuel) // a[up] < a[p]?
                }
            }
            Pc::WaitUpP { p } => {
                if answer {
                    self.swap(p, up, fuel)?;
                }
                self.after_median(p, fuel)?
            }
            Pc::WaitI { i, j, pivot } => {
                if answer {
                    // a[i] < P: repeat ++i, unless a[up - 1] (== P) was found less than P
                    if i == up.checked_sub(1).ok_or(CORRUPT)? {
                        return Err(SortError::InvalidOrder);
                    }
                    let i = i.checked_add(1).ok_or(CORRUPT)?;
                    self.ask(Pc::WaitI { i, j, pivot }, fuel)
                } else {
                    let j = j.checked_sub(1).ok_or(CORRUPT)?; // repeat --j while P < a[j]
                    self.ask(Pc::WaitJ { i, j, pivot }, fuel)
                }
            }
            Pc::WaitJ { i, j, pivot } => {
                if answer {
                    if j < i {
                        return Err(SortError::InvalidOrder); // j < i but a[j] > P
                    }
                    let j = j.checked_sub(1).ok_or(CORRUPT)?;
                    self.ask(Pc::WaitJ { i, j, pivot }, fuel)
                } else if j < i {
                    // no elements out of place: put the pivot at i; partition returns i
                    self.swap(up.checked_sub(1).ok_or(CORRUPT)?, i, fuel)?;
                    self.split(i)?
                } else {
                    self.swap(i, j, fuel)?; // restore invariant and repeat
                    let i = i.checked_add(1).ok_or(CORRUPT)?;
                    self.ask(Pc::WaitI { i, j, pivot }, fuel)
                }
            }
            Pc::Return => {
                fuel.charge(cost::SORT_STEP);
                match self.stack.pop() {
                    None => Pc::Finished,
                    Some(Pending { lo, up, rnd, n }) => {
                        self.lo = lo;
                        self.up = up;
                        self.rnd = rnd;
                        if up.wrapping_sub(lo) / 128 > n {
                            // partition too imbalanced: try a new randomization
                            self.rnd = randomize_pivot(self.seed, lo, up, n);
                        }
                        Pc::Loop
                    }
                }
            }
            Pc::Finished => return Err(SortError::Corrupt("sort stepped after it finished")),
        };
        if self.pc == Pc::Finished {
            return Ok(Some(std::mem::take(&mut self.perm)));
        }
        Ok(None)
    }
}

impl Sort {
    /// Kind tag for the VM's registry of native continuations.
    pub const KIND: &'static str = "lua.sort/v1";

    /// Sort `n` elements (Lua's `#t`). `seed` feeds [`randomize_pivot`]; any fixed value
    /// (or one derived from VM state) keeps the sort deterministic.
    ///
    /// # Errors
    /// [`SortError::ArrayTooBig`] when `n >= INT_MAX`, as Lua.
    pub fn new(n: i64, seed: u32) -> Result<Sort, SortError> {
        if n >= INT_MAX {
            return Err(SortError::ArrayTooBig);
        }
        let n = n.clamp(0, INT_MAX - 1) as u32;
        Ok(Sort(State {
            n,
            seed,
            perm: Vec::new(),
            stack: Vec::new(),
            lo: 1,
            up: n,
            rnd: 0,
            pc: Pc::Init,
            answer: None,
        }))
    }

    /// Bytes of the sort's buffers (a model from their lengths, for a VM's memory account).
    pub fn heap_bytes(&self) -> usize {
        self.0.perm.len() * std::mem::size_of::<u32>()
            + self.0.stack.len() * std::mem::size_of::<Pending>()
    }

    /// Number of elements being sorted.
    pub fn len(&self) -> u32 {
        self.0.n
    }

    /// True for an empty sort.
    pub fn is_empty(&self) -> bool {
        self.0.n == 0
    }

    /// The permutation so far (`perm[k]` = element index at position `k + 1`). After an error
    /// the VM writes this back to leave the table as Lua would. Shorter than `len()` only
    /// before the first comparison; empty once `Done` handed it out.
    pub fn permutation(&self) -> &[u32] {
        &self.0.perm
    }

    /// The comparison awaiting an answer, if any.
    pub fn pending(&self) -> Option<Compare> {
        if self.0.answer.is_some() {
            return None;
        }
        self.0.request().ok().flatten()
    }

    /// Answer the outstanding comparison: `true` iff element `a` < element `b`.
    ///
    /// # Errors
    /// `Corrupt` if no comparison is outstanding.
    pub fn answer(&mut self, less: bool) -> Result<(), SortError> {
        // (`pending()` without building the comparison: a state restored from a snapshot was
        // validated, so a waiting one has its elements.)
        let waiting = matches!(
            self.0.pc,
            Pc::WaitUpLo
                | Pc::WaitPLo { .. }
                | Pc::WaitUpP { .. }
                | Pc::WaitI { .. }
                | Pc::WaitJ { .. }
        );
        if self.0.answer.is_some() || !waiting {
            return Err(SortError::Corrupt(
                "sort answered without a pending comparison",
            ));
        }
        self.0.answer = Some(less);
        Ok(())
    }

    /// Advance under `fuel`. Returns `Need(Compare)` when a comparison is outstanding (again
    /// and again until answered), `Done(perm)` at the end.
    ///
    /// # Errors
    /// [`SortError::InvalidOrder`] as Lua detects it; `Corrupt` after the end.
    pub fn step(&mut self, fuel: &mut Fuel) -> Result<Step<Vec<u32>, Compare>, SortError> {
        let st = &mut self.0;
        loop {
            // (An answered comparison is not built again.)
            if st.answer.is_none() {
                if let Some(req) = st.request()? {
                    return Ok(Step::Need(req));
                }
            }
            if fuel.is_exhausted() {
                return Ok(Step::NeedFuel);
            }
            let answer = st.answer.take().unwrap_or(false);
            let done = st.unit(answer, fuel);
            match done {
                Ok(Some(perm)) => return Ok(Step::Done(perm)),
                Ok(None) => {}
                Err(e) => {
                    st.pc = Pc::Finished;
                    return Err(e);
                }
            }
        }
    }
}

impl Sequence for Sort {
    const KIND: &'static str = Sort::KIND;
    type Input<'a> = ();
    type Output = Vec<u32>;
    type Request = Compare;
    type Answer = bool;
    type Error = SortError;

    fn step(&mut self, _input: (), fuel: &mut Fuel) -> Result<Step<Vec<u32>, Compare>, SortError> {
        Sort::step(self, fuel)
    }

    fn answer(&mut self, answer: bool) -> Result<(), SortError> {
        Sort::answer(self, answer)
    }
}
