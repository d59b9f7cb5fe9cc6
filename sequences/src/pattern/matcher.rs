//! One match attempt: lstrlib's recursive `match` as an explicit state machine.
//!
//! Design note. `lstrlib.c` matches recursively: `match(ms, s, p)` calls itself for captures,
//! `?`, `*`/`+` (via `max_expand`) and `-` (via `min_expand`), and loops (`goto init`) for
//! everything else. Here each suspended C activation is a [`Cont`] on an explicit stack — "the
//! caller is waiting for the result of a nested `match` and will do *this* with it" — and the
//! running activation is an [`Exec`] value. The transitions are the C code, line for line, so
//! results, captures, and *which error is raised when* are identical to Lua 5.4; in particular
//! the C recursion limit (`MAXCCALLS` = 200 nested `match` activations) is enforced on the
//! explicit stack at exactly the point where C raises "pattern too complex", even though we
//! could go deeper.
//!
//! The inner loops that C runs without recursion but that can be long — counting repetitions
//! in `max_expand`, scanning for the closing delimiter of `%b`, comparing a back-reference —
//! are states of their own that do at most [`cost::SCAN_CHUNK`] work per unit, so a 10 MB
//! subject is preemptible anywhere.
//!
//! Positions are byte offsets into the subject (`s`) and the pattern (`p`); the pattern is the
//! slice the driver matches against (after removing a leading `^` anchor). All reads go through
//! bounds-checked accessors and all position arithmetic is checked, so an inconsistent state
//! (from a corrupt snapshot) yields [`PatternError::Corrupt`], never a panic.

use super::class::{at, class_end, match_bracket_class, single_match, Item, L_ESC};
use super::error::PatternError;
use crate::fuel::{cost, Fuel};
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::thread::LocalKey;

/// Lua's `LUA_MAXCAPTURES`.
pub const MAX_CAPTURES: usize = 32;

/// Lua's `MAXCCALLS` for the matcher: nested `match` activations allowed.
pub const MAX_MATCH_DEPTH: usize = 200;

/// The length field of a capture, as lstrlib keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CapLen {
    /// Opened by `(` and not yet closed (`CAP_UNFINISHED`).
    Unfinished,
    /// A position capture `()` (`CAP_POSITION`).
    Position,
    /// A closed substring capture of this many bytes.
    Len(usize),
}

/// A capture as the matcher records it: where it starts in the subject and its length field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RawCapture {
    /// Byte offset in the subject where the capture starts.
    pub start: usize,
    /// Length, or the unfinished/position marker.
    pub len: CapLen,
}

/// The running activation of `match`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Exec {
    /// At label `init` with subject position `s` and pattern position `p`.
    Match { s: usize, p: usize },
    /// The activation returns this result to its caller (the top [`Cont`]).
    Return(Option<usize>),
    /// `max_expand`'s counting loop: `i` repetitions of `pat[p..ep]` seen from `s` so far.
    MaxCount {
        s: usize,
        p: usize,
        ep: usize,
        i: usize,
    },
    /// `matchbalance`: `p` is the `%` of `%bxy`, `next` the next subject byte to examine,
    /// `depth` the number of unclosed `x`.
    Balance { next: usize, p: usize, depth: usize },
    /// `match_capture`: compare `len` bytes at `cap` with those at `s`; `k` are equal so far.
    /// `p` is the `%` of `%N`.
    BackRef {
        s: usize,
        p: usize,
        cap: usize,
        len: usize,
        k: usize,
    },
}

/// A suspended activation waiting for the result of a nested `match`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Cont {
    /// In `start_capture`: on failure, undo the capture; return the result.
    StartCapture,
    /// In `end_capture` of capture `l`: on failure, reopen it; return the result.
    EndCapture { l: usize },
    /// In `max_expand` trying `i` repetitions of `pat[p..ep]` from `s`.
    MaxExpand {
        s: usize,
        p: usize,
        ep: usize,
        i: usize,
    },
    /// In `min_expand` trying the rest of the pattern at `s`.
    MinExpand { s: usize, p: usize, ep: usize },
    /// In the `?` case having consumed one character at `s`; on failure, retry without it
    /// (continuing the same activation at `ep + 1`).
    Optional { s: usize, ep: usize },
}

/// What [`Attempt::run`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Out of fuel; call `run` again.
    NeedFuel,
    /// The attempt finished: `Some(end)` on a match, `None` otherwise.
    Finished(Option<usize>),
}

/// The state of one top-level call of lstrlib's `match(ms, s, p)`, plus the capture array
/// (`ms->level` is `captures.len()`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Attempt {
    captures: Vec<RawCapture>,
    stack: Vec<Cont>,
    exec: Exec,
}

const CORRUPT: PatternError = PatternError::Corrupt("position out of range");

#[inline]
fn add(a: usize, b: usize) -> Result<usize, PatternError> {
    a.checked_add(b).ok_or(CORRUPT)
}

#[inline]
fn sub(a: usize, b: usize) -> Result<usize, PatternError> {
    a.checked_sub(b).ok_or(CORRUPT)
}

/// Work (≈ bytes scanned) of one single-character test against the class `pat[p..ep]`.
#[inline]
pub(crate) fn class_work(p: usize, ep: usize) -> usize {
    ep.saturating_sub(p).max(1)
}

/// The end of the pattern's first item when it is a single-character class that must
/// match at least once (no `*`, `?` or `-` after it; not a capture, `$`, `%b`, `%f` or a
/// back reference): an attempt whose first character fails that class fails at once, so
/// searches can test it without running an attempt ([`Attempt::fails_at_once`]). `None` otherwise,
/// and for a malformed class (the attempt reports that).
pub(crate) fn first_item_end(pat: &[u8]) -> Option<usize> {
    match *pat.first()? {
        b'(' | b')' => return None,
        b'$' if pat.len() == 1 => return None,
        L_ESC if matches!(pat.get(1), Some(b'b' | b'f' | b'0'..=b'9')) => return None,
        _ => {}
    }
    let ep = class_end(pat, 0).ok()?;
    (!matches!(at(pat, ep), b'*' | b'?' | b'-')).then_some(ep)
}

/// For `find` and `gmatch`: the positions from `s` at which the pattern's first item (a
/// single-character class that must match, ending at `ep`: see [`first_item_end`]) rejects
/// the subject byte, passed in one tight loop, each charged and fuel tested exactly as
/// [`Attempt::fails_at_once`] and the driver's next attempt would (lstrlib tries `match` at
/// every position; the attempt machine per position was most of a short search's cost).
/// The caller's attempt must be fresh at `s`. Returns the first position that needs an
/// attempt run (or the end of the subject), and whether fuel ran out once the attempt at
/// that position was charged (the driver then suspends with it, not started).
pub(crate) fn skip_rejected(
    subj: &[u8],
    pat: &[u8],
    ep: usize,
    mut s: usize,
    fuel: &mut Fuel,
) -> (usize, bool) {
    let item = Item::decode(pat, 0, ep);
    let reject = cost::MATCH_STEP.saturating_add(cost::work_floor(class_work(0, ep)));
    s += skip_batch(subj, pat, item, reject, s, fuel);
    loop {
        if fuel.is_exhausted() {
            return (s, false);
        }
        match subj.get(s) {
            Some(&c) if !item.matches(c, pat) => {}
            _ => return (s, false),
        }
        fuel.charge(reject);
        s += 1;
        fuel.charge(cost::MATCH_ATTEMPT);
        if fuel.is_exhausted() {
            return (s, true);
        }
    }
}

/// The fast part of the skip loops ([`skip_rejected`], gsub's): how many positions from
/// `s` reject `item` and can be passed whole with fuel left after each (each costs `reject`
/// and the next attempt's `MATCH_ATTEMPT`), charged at once. The loops then go on position
/// by position for the last ones, where fuel runs out.
pub(crate) fn skip_batch(
    subj: &[u8],
    pat: &[u8],
    item: Item,
    reject: i64,
    s: usize,
    fuel: &mut Fuel,
) -> usize {
    let per = reject.saturating_add(cost::MATCH_ATTEMPT).max(1);
    // Passing `k` positions whole needs `remaining - k * per > 0`.
    let affordable = usize::try_from(fuel.remaining().saturating_sub(1) / per).unwrap_or(0);
    let end = subj.len().min(s.saturating_add(affordable));
    let rest = subj.get(s..end).unwrap_or_default();
    let k = rest
        .iter()
        .position(|&c| item.matches(c, pat))
        .unwrap_or(rest.len());
    fuel.charge(per.saturating_mul(i64::try_from(k).unwrap_or(i64::MAX)));
    k
}

/// The largest buffers a finished attempt leaves for the next (a pattern that needed more
/// is rare; its buffers are freed).
const SPARE_CAPACITY: usize = 64;

thread_local! {
    /// The emptied capture array of the last attempt or match recycled on this thread
    /// ([`Attempt::recycle`], `Match::recycle`), for the next attempt that needs one:
    /// lstrlib keeps its capture array in a `MatchState` on the C stack, and a `find` or
    /// `match` with captures on a short subject here spent about as many instructions
    /// allocating and freeing its buffers as matching. A cache of capacity only: never
    /// saved, invisible to every result.
    static SPARE_CAPTURES: Cell<Vec<RawCapture>> = const { Cell::new(Vec::new()) };
    /// The same for the activation stack.
    static SPARE_STACK: Cell<Vec<Cont>> = const { Cell::new(Vec::new()) };
}

/// Leaves `buf`'s allocation in `spare` (emptied), unless it has none or a large one.
fn give_back<T>(spare: &'static LocalKey<Cell<Vec<T>>>, buf: &mut Vec<T>) {
    if buf.capacity() != 0 && buf.capacity() <= SPARE_CAPACITY {
        let mut buf = std::mem::take(buf);
        buf.clear();
        // (Fails only while the thread exits: the buffer is then freed.)
        let _ = spare.try_with(|spare| spare.set(buf));
    }
}

/// Leaves a used [`Match`](super::Match)'s capture array for the next attempt.
pub(crate) fn recycle_captures(captures: &mut Vec<RawCapture>) {
    give_back(&SPARE_CAPTURES, captures);
}

/// Pushes a capture on an attempt's capture array, taking the spare allocation if the array
/// has none yet (for the fast path, `super::fast`).
#[inline]
pub(super) fn push_capture(captures: &mut Vec<RawCapture>, capture: RawCapture) {
    push_reusing(&SPARE_CAPTURES, captures, capture);
}

/// Pushes `v` on `buf`, taking the allocation left in `spare` if `buf` has none yet.
#[inline]
fn push_reusing<T>(spare: &'static LocalKey<Cell<Vec<T>>>, buf: &mut Vec<T>, v: T) {
    if buf.capacity() == 0 {
        if let Ok(spare) = spare.try_with(Cell::take) {
            *buf = spare;
        }
    }
    buf.push(v);
}

impl Attempt {
    /// A fresh attempt at subject position `s` (lstrlib's `reprepstate` + `match(ms, s, p)`).
    /// Its buffers are allocated when first needed (see [`SPARE_CAPTURES`]).
    pub(crate) fn new(s: usize) -> Self {
        Attempt {
            captures: Vec::new(),
            stack: Vec::new(),
            exec: Exec::Match { s, p: 0 },
        }
    }

    /// Whether this attempt, not started yet, fails on the pattern's first item (which ends
    /// at `ep`, from [`first_item_end`]): what its first step would find, charged as that
    /// step is, without running it. False when the step must run (the attempt has started,
    /// fuel is exhausted, or the item matches).
    #[inline]
    fn fails_at_once(&self, subj: &[u8], pat: &[u8], ep: usize, fuel: &mut Fuel) -> bool {
        let Exec::Match { s, p: 0 } = self.exec else {
            return false;
        };
        if !self.stack.is_empty()
            || !self.captures.is_empty()
            || fuel.is_exhausted()
            || single_match(subj, s, pat, 0, ep)
        {
            return false;
        }
        fuel.charge(cost::MATCH_STEP);
        fuel.charge(cost::work_floor(class_work(0, ep)));
        true
    }

    /// Runs the attempt under `fuel` ([`Attempt::run`]), or, when `quick` (the end of the
    /// pattern's first item, from [`first_item_end`]) shows at once that it fails, finishes
    /// it without a match ([`Attempt::fails_at_once`]).
    #[inline]
    pub(crate) fn run_or_reject(
        &mut self,
        subj: &[u8],
        pat: &[u8],
        quick: Option<usize>,
        fuel: &mut Fuel,
    ) -> Result<Outcome, PatternError> {
        match quick {
            Some(ep) if self.fails_at_once(subj, pat, ep, fuel) => Ok(Outcome::Finished(None)),
            _ => self.run(subj, pat, fuel),
        }
    }

    /// Whether this attempt is fresh at `s` (not started: what [`Attempt::fails_at_once`]
    /// can decide).
    #[inline]
    pub(crate) fn is_fresh_at(&self, s: usize) -> bool {
        matches!(self.exec, Exec::Match { s: at, p: 0 } if at == s)
            && self.stack.is_empty()
            && self.captures.is_empty()
    }

    /// Reuse this attempt's allocations for a fresh attempt at `s`.
    pub(crate) fn reset(&mut self, s: usize) {
        self.captures.clear();
        self.stack.clear();
        self.exec = Exec::Match { s, p: 0 };
    }

    /// The captures of a finished attempt (all of them, finished or not: `ms->level`
    /// entries), for its [`Match`](super::Match), which can leave the array for the next
    /// attempt ([`Match::recycle`](super::Match::recycle)).
    pub(crate) fn take_captures(&mut self) -> Vec<RawCapture> {
        std::mem::take(&mut self.captures)
    }

    /// The captures recorded so far (for tests).
    #[cfg(test)]
    pub(crate) fn captures(&self) -> &[RawCapture] {
        &self.captures
    }

    /// Leaves a finished attempt's buffers for the next one on this thread (see
    /// [`SPARE_CAPTURES`]). (Not a `Drop`: its glue cost the drivers' state machines more
    /// than the cache saved them.)
    pub(crate) fn recycle(mut self) {
        give_back(&SPARE_CAPTURES, &mut self.captures);
        give_back(&SPARE_STACK, &mut self.stack);
    }

    /// Is every position in this state consistent with a subject of `slen` bytes and a
    /// (de-anchored) pattern of `plen` bytes? Used when restoring from a snapshot.
    pub(crate) fn validate(&self, slen: usize, plen: usize) -> bool {
        let within = |start: usize, len: usize, limit: usize| {
            start.checked_add(len).is_some_and(|end| end <= limit)
        };
        let caps_ok = self.captures.len() <= MAX_CAPTURES
            && self.captures.iter().all(|c| match c.len {
                CapLen::Len(l) => within(c.start, l, slen),
                _ => c.start <= slen,
            });
        let stack_ok = self.stack.len() < MAX_MATCH_DEPTH
            && self.stack.iter().all(|c| match *c {
                Cont::StartCapture => true,
                Cont::EndCapture { l } => l < self.captures.len(),
                Cont::MaxExpand { s, p, ep, i } => within(s, i, slen) && p < ep && ep < plen,
                Cont::MinExpand { s, p, ep } => s <= slen && p < ep && ep < plen,
                Cont::Optional { s, ep } => s < slen && ep < plen,
            });
        let exec_ok = match self.exec {
            Exec::Match { s, p } => s <= slen && p <= plen,
            Exec::Return(r) => r.is_none_or(|e| e <= slen),
            Exec::MaxCount { s, p, ep, i } => within(s, i, slen) && p < ep && ep < plen,
            Exec::Balance { next, p, depth } => next <= slen && within(p, 4, plen) && depth > 0,
            Exec::BackRef { s, p, cap, len, k } => {
                within(s, len, slen) && within(cap, len, slen) && k <= len && within(p, 2, plen)
            }
        };
        caps_ok && stack_ok && exec_ok
    }

    /// Advance the attempt under `fuel`: a fresh attempt first on the fast path
    /// (`super::fast`), which finishes it exactly as the state machine would or gives up
    /// without a trace.
    pub(crate) fn run(
        &mut self,
        subj: &[u8],
        pat: &[u8],
        fuel: &mut Fuel,
    ) -> Result<Outcome, PatternError> {
        if let Exec::Match { s, p: 0 } = self.exec {
            if self.stack.is_empty() && self.captures.is_empty() {
                if let Some(r) = super::fast::attempt(subj, pat, s, &mut self.captures, fuel) {
                    self.exec = Exec::Return(r);
                    return Ok(Outcome::Finished(r));
                }
            }
        }
        self.run_machine(subj, pat, fuel)
    }

    /// Advance the attempt under `fuel` on the state machine.
    pub(crate) fn run_machine(
        &mut self,
        subj: &[u8],
        pat: &[u8],
        fuel: &mut Fuel,
    ) -> Result<Outcome, PatternError> {
        loop {
            if let Exec::Return(r) = self.exec {
                if self.stack.is_empty() {
                    return Ok(Outcome::Finished(r));
                }
            }
            if fuel.is_exhausted() {
                return Ok(Outcome::NeedFuel);
            }
            let exec = std::mem::replace(&mut self.exec, Exec::Return(None));
            self.exec = match exec {
                Exec::Return(r) => {
                    fuel.charge(cost::MATCH_STEP);
                    let cont = self.stack.pop().ok_or(CORRUPT)?;
                    self.resume(cont, r, subj, pat, fuel)?
                }
                Exec::Match { s, p } => self.dispatch(s, p, subj, pat, fuel)?,
                Exec::MaxCount { s, p, ep, i } => self.max_count(s, p, ep, i, subj, pat, fuel)?,
                Exec::Balance { next, p, depth } => balance(next, p, depth, subj, pat, fuel)?,
                Exec::BackRef { s, p, cap, len, k } => back_ref(s, p, cap, len, k, subj, fuel)?,
            };
        }
    }

    /// A nested call `match(ms, s, p)` from an activation that suspends as `cont`.
    fn call(&mut self, cont: Cont, s: usize, p: usize) -> Result<Exec, PatternError> {
        // C checks `matchdepth-- == 0` on entry: with the caller suspended on the stack, the
        // new activation is number `stack.len() + 1`, counting the outermost one as 1.
        if self.stack.len().saturating_add(2) > MAX_MATCH_DEPTH {
            return Err(PatternError::TooComplex);
        }
        push_reusing(&SPARE_STACK, &mut self.stack, cont);
        Ok(Exec::Match { s, p })
    }

    /// Deliver result `r` of a nested `match` to the suspended activation `cont`.
    fn resume(
        &mut self,
        cont: Cont,
        r: Option<usize>,
        subj: &[u8],
        pat: &[u8],
        fuel: &mut Fuel,
    ) -> Result<Exec, PatternError> {
        Ok(match cont {
            Cont::StartCapture => {
                if r.is_none() {
                    self.captures.pop(); // undo capture
                }
                Exec::Return(r)
            }
            Cont::EndCapture { l } => {
                if r.is_none() {
                    self.captures.get_mut(l).ok_or(CORRUPT)?.len = CapLen::Unfinished;
                }
                Exec::Return(r)
            }
            Cont::MaxExpand { s, p, ep, i } => match (r, i) {
                (Some(_), _) | (None, 0) => Exec::Return(r),
                (None, i) => {
                    let i = i - 1; // reduce 1 repetition to try again
                    self.call(Cont::MaxExpand { s, p, ep, i }, add(s, i)?, add(ep, 1)?)?
                }
            },
            Cont::MinExpand { s, p, ep } => {
                if r.is_some() {
                    Exec::Return(r)
                } else {
                    fuel.charge(cost::work_floor(class_work(p, ep)));
                    if single_match(subj, s, pat, p, ep) {
                        let s = add(s, 1)?; // try with one more repetition
                        self.call(Cont::MinExpand { s, p, ep }, s, add(ep, 1)?)?
                    } else {
                        Exec::Return(None)
                    }
                }
            }
            Cont::Optional { s, ep } => match r {
                Some(_) => Exec::Return(r),
                None => Exec::Match { s, p: add(ep, 1)? },
            },
        })
    }

    /// One visit of label `init` in lstrlib's `match`.
    fn dispatch(
        &mut self,
        s: usize,
        p: usize,
        subj: &[u8],
        pat: &[u8],
        fuel: &mut Fuel,
    ) -> Result<Exec, PatternError> {
        fuel.charge(cost::MATCH_STEP);
        let plen = pat.len();
        if p >= plen {
            return Ok(Exec::Return(Some(s))); // end of pattern
        }
        match at(pat, p) {
            b'(' => {
                return if at(pat, add(p, 1)?) == b')' {
                    self.start_capture(s, add(p, 2)?, CapLen::Position)
                } else {
                    self.start_capture(s, add(p, 1)?, CapLen::Unfinished)
                };
            }
            b')' => return self.end_capture(s, add(p, 1)?),
            b'$' if add(p, 1)? == plen => {
                // the '$' is the last char in pattern: check end of string
                return Ok(Exec::Return(if s == subj.len() { Some(s) } else { None }));
            }
            L_ESC => match at(pat, add(p, 1)?) {
                b'b' => return start_balance(s, p, subj, pat),
                b'f' => return frontier(s, p, subj, pat, fuel),
                d @ b'0'..=b'9' => return self.start_back_ref(s, p, d, subj),
                _ => {} // default
            },
            _ => {} // default
        }
        // default: pattern class plus optional suffix
        let ep = class_end(pat, p)?;
        fuel.charge(cost::work_floor(class_work(p, ep)));
        let suffix = at(pat, ep);
        if !single_match(subj, s, pat, p, ep) {
            // does not match at least once: accept empty?
            return Ok(if matches!(suffix, b'*' | b'?' | b'-') {
                Exec::Match { s, p: add(ep, 1)? }
            } else {
                Exec::Return(None) // '+' or no suffix
            });
        }
        match suffix {
            b'?' => self.call(Cont::Optional { s, ep }, add(s, 1)?, add(ep, 1)?),
            b'+' => Ok(Exec::MaxCount {
                s: add(s, 1)?,
                p,
                ep,
                i: 0,
            }),
            b'*' => Ok(Exec::MaxCount { s, p, ep, i: 0 }),
            b'-' => self.call(Cont::MinExpand { s, p, ep }, s, add(ep, 1)?),
            _ => Ok(Exec::Match {
                s: add(s, 1)?,
                p: ep,
            }),
        }
    }

    fn start_capture(&mut self, s: usize, p: usize, what: CapLen) -> Result<Exec, PatternError> {
        if self.captures.len() >= MAX_CAPTURES {
            return Err(PatternError::TooManyCaptures);
        }
        let capture = RawCapture {
            start: s,
            len: what,
        };
        push_reusing(&SPARE_CAPTURES, &mut self.captures, capture);
        self.call(Cont::StartCapture, s, p)
    }

    fn end_capture(&mut self, s: usize, p: usize) -> Result<Exec, PatternError> {
        // capture_to_close: the innermost unfinished capture
        let l = self
            .captures
            .iter()
            .rposition(|c| c.len == CapLen::Unfinished)
            .ok_or(PatternError::InvalidPatternCapture)?;
        let cap = self.captures.get_mut(l).ok_or(CORRUPT)?;
        cap.len = CapLen::Len(sub(s, cap.start)?);
        self.call(Cont::EndCapture { l }, s, p)
    }

    /// `%0`-`%9`: `check_capture` then `match_capture`'s length test.
    fn start_back_ref(
        &mut self,
        s: usize,
        p: usize,
        digit: u8,
        subj: &[u8],
    ) -> Result<Exec, PatternError> {
        let l = i32::from(digit) - i32::from(b'1');
        let invalid = PatternError::InvalidCaptureIndex(l + 1);
        let cap = usize::try_from(l)
            .ok()
            .and_then(|l| self.captures.get(l))
            .filter(|c| c.len != CapLen::Unfinished)
            .ok_or(invalid)?;
        Ok(match cap.len {
            // C compares against (size_t)CAP_POSITION, which no subject is long enough for.
            CapLen::Position | CapLen::Unfinished => Exec::Return(None),
            CapLen::Len(len) => {
                if sub(subj.len(), s)? >= len {
                    Exec::BackRef {
                        s,
                        p,
                        cap: cap.start,
                        len,
                        k: 0,
                    }
                } else {
                    Exec::Return(None)
                }
            }
        })
    }

    /// `max_expand`'s counting loop, up to one chunk of work; then the first retry.
    #[allow(clippy::too_many_arguments)]
    fn max_count(
        &mut self,
        s: usize,
        p: usize,
        ep: usize,
        mut i: usize,
        subj: &[u8],
        pat: &[u8],
        fuel: &mut Fuel,
    ) -> Result<Exec, PatternError> {
        let per = class_work(p, ep);
        let item = Item::decode(pat, p, ep);
        let mut work = 0usize;
        loop {
            if work >= cost::SCAN_CHUNK {
                fuel.charge_work(work);
                return Ok(Exec::MaxCount { s, p, ep, i });
            }
            work = work.saturating_add(per);
            match subj.get(add(s, i)?) {
                Some(&c) if item.matches(c, pat) => i = add(i, 1)?,
                _ => break,
            }
        }
        fuel.charge_work(work);
        // keeps trying to match with the maximum repetitions
        self.call(Cont::MaxExpand { s, p, ep, i }, add(s, i)?, add(ep, 1)?)
    }
}

/// `%bxy` at pattern position `p` (the `%`), first part of `matchbalance`.
fn start_balance(s: usize, p: usize, subj: &[u8], pat: &[u8]) -> Result<Exec, PatternError> {
    // C: `p >= ms->p_end - 1` with its `p` pointing at 'x'
    if add(p, 3)? >= pat.len() {
        return Err(PatternError::MissingBalanceArgs);
    }
    match subj.get(s) {
        Some(&c) if c == at(pat, p + 2) => Ok(Exec::Balance {
            next: add(s, 1)?,
            p,
            depth: 1,
        }),
        _ => Ok(Exec::Return(None)),
    }
}

/// `matchbalance`'s scanning loop, up to one chunk of work.
fn balance(
    mut next: usize,
    p: usize,
    mut depth: usize,
    subj: &[u8],
    pat: &[u8],
    fuel: &mut Fuel,
) -> Result<Exec, PatternError> {
    let b = at(pat, add(p, 2)?);
    let e = at(pat, add(p, 3)?);
    let mut work = 0usize;
    loop {
        let Some(&c) = subj.get(next) else {
            fuel.charge_work(work);
            return Ok(Exec::Return(None)); // string ends out of balance
        };
        if work >= cost::SCAN_CHUNK {
            fuel.charge_work(work);
            return Ok(Exec::Balance { next, p, depth });
        }
        work += 1;
        next = add(next, 1)?;
        if c == e {
            depth = sub(depth, 1)?;
            if depth == 0 {
                fuel.charge_work(work);
                return Ok(Exec::Match {
                    s: next,
                    p: add(p, 4)?,
                });
            }
        } else if c == b {
            depth = add(depth, 1)?;
        }
    }
}

/// `match_capture`'s `memcmp`, up to one chunk of work.
fn back_ref(
    s: usize,
    p: usize,
    cap: usize,
    len: usize,
    mut k: usize,
    subj: &[u8],
    fuel: &mut Fuel,
) -> Result<Exec, PatternError> {
    let mut work = 0usize;
    while k < len {
        if work >= cost::SCAN_CHUNK {
            fuel.charge_work(work);
            return Ok(Exec::BackRef { s, p, cap, len, k });
        }
        work += 1;
        let a = subj.get(add(cap, k)?).ok_or(CORRUPT)?;
        let b = subj.get(add(s, k)?).ok_or(CORRUPT)?;
        if a != b {
            fuel.charge_work(work);
            return Ok(Exec::Return(None));
        }
        k += 1;
    }
    fuel.charge_work(work);
    Ok(Exec::Match {
        s: add(s, len)?,
        p: add(p, 2)?,
    })
}

/// `%f[set]` at pattern position `p` (the `%`).
fn frontier(
    s: usize,
    p: usize,
    subj: &[u8],
    pat: &[u8],
    fuel: &mut Fuel,
) -> Result<Exec, PatternError> {
    let p = add(p, 2)?;
    if at(pat, p) != b'[' {
        return Err(PatternError::MissingFrontierBracket);
    }
    let ep = class_end(pat, p)?; // points to what is next
    fuel.charge(cost::work_floor(class_work(p, ep).saturating_mul(2)));
    let previous = if s == 0 { 0 } else { at(subj, s - 1) };
    let current = at(subj, s);
    let ec = ep.saturating_sub(1);
    if !match_bracket_class(previous, pat, p, ec) && match_bracket_class(current, pat, p, ec) {
        Ok(Exec::Match { s, p: ep })
    } else {
        Ok(Exec::Return(None))
    }
}
