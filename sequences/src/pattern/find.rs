//! `string.find` and `string.match` (lstrlib's `str_find_aux`) as a sequence.
//!
//! Design note. `str_find_aux` either does a plain substring search (`find` with `plain` set,
//! or a pattern without special characters) or tries the matcher at `init`, `init + 1`, ...,
//! up to and including the end of the subject (only at `init` when the pattern starts with
//! `^`). Each of those loops is a phase here: the specials check and the plain search scan
//! at most [`cost::SCAN_CHUNK`] bytes per unit; each match attempt is an [`Attempt`] driven
//! until it finishes. The plain search is `lmemfind`'s result (the first occurrence), charged
//! per byte a naive scan would compare (see [`plain_chunk`]).

use super::captures::Match;
use super::fast;
use super::matcher::{first_item_end, recycle_captures, skip_rejected, Attempt, Outcome};
use super::{check_input, validated_serde, PatternError, PatternInput};
use crate::fuel::{cost, Fuel};
use crate::sequence::{Never, Sequence, Step};
use serde::{Deserialize, Serialize};

/// Which library function a [`Find`] implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FindKind {
    /// `string.find(s, p, init)`: a plain search when `p` has no special characters.
    Find,
    /// `string.find(s, p, init, true)`: always a plain search.
    PlainFind,
    /// `string.match(s, p, init)`.
    Match,
}

/// Lua's `SPECIALS`: a pattern without any of these is searched for literally by `find`.
const SPECIALS: &[u8] = b"^$*+?.([%-";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Phase {
    /// Nothing done yet.
    Start { init: usize },
    /// `nospecials`: pattern bytes `..pos` have no special character.
    Specials { init: usize, pos: usize },
    /// `lmemfind`: candidate start `cand`, `k` bytes of it equal so far.
    Plain { cand: usize, k: usize },
    /// The match loop: attempt at `s1`.
    Pattern {
        s1: usize,
        anchor: bool,
        attempt: Attempt,
    },
    /// Finished (or failed); stepping again is an error.
    Finished,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct State {
    kind: FindKind,
    subject_len: usize,
    pattern_len: usize,
    phase: Phase,
}

/// A `string.find` / `string.match` in progress.
///
/// Drive with [`Find::step`] until `Done(result)`: `None` means Lua's `fail` (nil);
/// `Some(m)` gives `m.start + 1`, `m.end` and [`Match::find_captures`] for `find`, or
/// [`Match::match_captures`] for `match`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Find(State);

validated_serde!(Find, State);

impl State {
    fn validate(&self) -> bool {
        let (sl, pl) = (self.subject_len, self.pattern_len);
        match &self.phase {
            Phase::Start { init } => *init <= sl.saturating_add(1),
            Phase::Specials { init, pos } => *init <= sl && *pos <= pl,
            Phase::Plain { cand, k } => *cand <= sl && *k <= pl,
            Phase::Pattern {
                s1,
                anchor,
                attempt,
            } => {
                let pl = if *anchor { pl.checked_sub(1) } else { Some(pl) };
                *s1 <= sl && pl.is_some_and(|pl| attempt.validate(sl, pl))
            }
            Phase::Finished => true,
        }
    }
}

impl Find {
    /// Kind tag for the VM's registry of native continuations.
    pub const KIND: &'static str = "lua.pattern.find/v1";

    /// Start a search of a pattern of `pattern_len` bytes in a subject of `subject_len` bytes
    /// from byte offset `init` (0-based; an `init` past the end finds nothing, as in Lua).
    pub fn new(kind: FindKind, subject_len: usize, pattern_len: usize, init: usize) -> Self {
        let init = init.min(subject_len.saturating_add(1));
        Find(State {
            kind,
            subject_len,
            pattern_len,
            phase: Phase::Start { init },
        })
    }

    /// Which function this is.
    pub fn kind(&self) -> FindKind {
        self.0.kind
    }

    /// Advance under `fuel`; `subject` and `pattern` must be the ones given (by length) to
    /// [`Find::new`].
    ///
    /// # Errors
    /// The pattern errors of Lua ([`PatternError`]), or `Corrupt` for a mismatched input or a
    /// step after the end.
    pub fn step(
        &mut self,
        subject: &[u8],
        pattern: &[u8],
        fuel: &mut Fuel,
    ) -> Result<Step<Option<Match>, Never>, PatternError> {
        check_input(subject, pattern, self.0.subject_len, self.0.pattern_len)?;
        let result = self.run(subject, pattern, fuel);
        if !matches!(result, Ok(Step::NeedFuel)) {
            self.0.phase = Phase::Finished;
        }
        result
    }

    /// The whole search at once, for a `Find` not stepped yet: `Some` of what
    /// [`Find::step`] would return as `Done`, where the steps would run to their end without
    /// stopping or failing (charging the same fuel: the specials check and the plain search
    /// by chunks of [`cost::SCAN_CHUNK`], a multiple of [`cost::WORK_PER_FUEL`], so their
    /// sum is the work of all at once; the attempts on the fast path, `super::fast`). Else
    /// `None`, with the fuel untouched: step as usual.
    pub fn at_once(
        &mut self,
        subject: &[u8],
        pattern: &[u8],
        fuel: &mut Fuel,
    ) -> Option<Option<Match>> {
        let Phase::Start { init } = self.0.phase else {
            return None;
        };
        if check_input(subject, pattern, self.0.subject_len, self.0.pattern_len).is_err() {
            return None;
        }
        let saved = *fuel;
        let mut captures = Vec::new();
        match self.search_at_once(init, subject, pattern, fuel, &mut captures) {
            Some(found) if !fuel.is_exhausted() => {
                self.0.phase = Phase::Finished;
                if found.is_none() {
                    recycle_captures(&mut captures);
                }
                Some(found.map(|(start, end)| Match {
                    start,
                    end,
                    captures,
                }))
            }
            _ => {
                *fuel = saved;
                recycle_captures(&mut captures);
                None
            }
        }
    }

    fn search_at_once(
        &self,
        init: usize,
        subject: &[u8],
        pattern: &[u8],
        fuel: &mut Fuel,
        captures: &mut Vec<super::RawCapture>,
    ) -> Option<Option<(usize, usize)>> {
        if init > subject.len() {
            return Some(None); // start after string's end
        }
        let plain = match self.0.kind {
            FindKind::PlainFind => true,
            FindKind::Match => false,
            FindKind::Find => match pattern.iter().position(|c| SPECIALS.contains(c)) {
                None => {
                    fuel.charge_work(pattern.len());
                    true
                }
                Some(j) => {
                    let chunk_end = (j / cost::SCAN_CHUNK + 1).saturating_mul(cost::SCAN_CHUNK);
                    fuel.charge_work(chunk_end.min(pattern.len()));
                    false
                }
            },
        };
        if plain {
            let (mut cand, mut k) = (init, 0);
            loop {
                match plain_chunk(subject, pattern, cand, k, fuel) {
                    Ok(found) => return Some(found.map(|m| (m.start, m.end))),
                    Err(next) => (cand, k) = next,
                }
                if fuel.is_exhausted() {
                    return None;
                }
            }
        }
        fuel.charge(cost::MATCH_ATTEMPT);
        let anchor = pattern.first() == Some(&b'^');
        let pat = pattern.get(usize::from(anchor)..)?;
        fast::search(subject, pat, anchor, init, captures, fuel)
    }

    fn run(
        &mut self,
        subject: &[u8],
        pattern: &[u8],
        fuel: &mut Fuel,
    ) -> Result<Step<Option<Match>, Never>, PatternError> {
        let slen = subject.len();
        loop {
            if fuel.is_exhausted() {
                return Ok(Step::NeedFuel);
            }
            let phase = std::mem::replace(&mut self.0.phase, Phase::Finished);
            self.0.phase = match phase {
                Phase::Finished => {
                    return Err(PatternError::Corrupt("find stepped after it finished"))
                }
                Phase::Start { init } => {
                    if init > slen {
                        return Ok(Step::Done(None)); // start after string's end
                    }
                    match self.0.kind {
                        FindKind::Find => Phase::Specials { init, pos: 0 },
                        FindKind::PlainFind => Phase::Plain { cand: init, k: 0 },
                        FindKind::Match => start_pattern(init, pattern, fuel),
                    }
                }
                Phase::Specials { init, mut pos } => {
                    let end = pos.saturating_add(cost::SCAN_CHUNK).min(pattern.len());
                    let chunk = pattern.get(pos..end).unwrap_or(&[]);
                    fuel.charge_work(chunk.len());
                    if chunk.iter().any(|c| SPECIALS.contains(c)) {
                        start_pattern(init, pattern, fuel)
                    } else {
                        pos = end;
                        if pos >= pattern.len() {
                            Phase::Plain { cand: init, k: 0 }
                        } else {
                            Phase::Specials { init, pos }
                        }
                    }
                }
                Phase::Plain { cand, k } => match plain_chunk(subject, pattern, cand, k, fuel) {
                    Ok(found) => return Ok(Step::Done(found)),
                    Err((cand, k)) => Phase::Plain { cand, k },
                },
                Phase::Pattern {
                    mut s1,
                    anchor,
                    mut attempt,
                } => {
                    let pat = pattern.get(usize::from(anchor)..).unwrap_or(&[]);
                    let quick = first_item_end(pat);
                    // (Attempts at successive positions without a pass of the phase machine
                    // for each: it would only check the fuel, as here.)
                    loop {
                        if let (Some(ep), false) = (quick, anchor) {
                            if attempt.is_fresh_at(s1) {
                                let (at, stopped) = skip_rejected(subject, pat, ep, s1, fuel);
                                if at != s1 {
                                    s1 = at;
                                    attempt.reset(s1);
                                }
                                if stopped {
                                    break Phase::Pattern {
                                        s1,
                                        anchor,
                                        attempt,
                                    };
                                }
                            }
                        }
                        match attempt.run_or_reject(subject, pat, quick, fuel)? {
                            Outcome::NeedFuel => {
                                break Phase::Pattern {
                                    s1,
                                    anchor,
                                    attempt,
                                }
                            }
                            Outcome::Finished(Some(end)) => {
                                let captures = attempt.take_captures();
                                attempt.recycle();
                                return Ok(Step::Done(Some(Match {
                                    start: s1,
                                    end,
                                    captures,
                                })));
                            }
                            Outcome::Finished(None) => {
                                if s1 < slen && !anchor {
                                    s1 += 1;
                                    attempt.reset(s1);
                                    fuel.charge(cost::MATCH_ATTEMPT);
                                    if fuel.is_exhausted() {
                                        break Phase::Pattern {
                                            s1,
                                            anchor,
                                            attempt,
                                        };
                                    }
                                } else {
                                    attempt.recycle();
                                    return Ok(Step::Done(None));
                                }
                            }
                        }
                    }
                }
            };
        }
    }
}

/// One chunk (at most [`cost::SCAN_CHUNK`] work units) of `lmemfind` from candidate start
/// `cand` with `k` bytes of it known equal: `Ok` when the search is over (the first
/// occurrence, or none), `Err((cand, k))` where the next chunk goes on.
///
/// The work charged is exactly a naive scan's — one unit per byte comparison: each rejected
/// candidate costs its equal bytes plus the unequal one, a match its length — but the
/// comparisons run as slice scans (a search for the first byte, then a run of equal bytes)
/// instead of one pass of a state machine per byte, so a unit costs about as much time as
/// an instruction. Chunk ends, and so preemption points and saved states, are the naive
/// scan's too.
fn plain_chunk(
    subject: &[u8],
    pattern: &[u8],
    mut cand: usize,
    mut k: usize,
    fuel: &mut Fuel,
) -> Result<Option<Match>, (usize, usize)> {
    let (slen, lp) = (subject.len(), pattern.len());
    let mut work = 0usize;
    let result = loop {
        let Some(last_start) = slen.checked_sub(lp).filter(|&l| cand <= l) else {
            break Ok(None);
        };
        if k >= lp {
            let end = cand + lp;
            let captures = Vec::new();
            break Ok(Some(Match {
                start: cand,
                end,
                captures,
            }));
        }
        let budget = cost::SCAN_CHUNK.saturating_sub(work);
        if budget == 0 {
            break Err((cand, k));
        }
        if k == 0 {
            // Candidates whose first byte differs: one unit each.
            let end = last_start
                .saturating_add(1)
                .min(cand.saturating_add(budget));
            let window = subject.get(cand..end).unwrap_or(&[]);
            match window.iter().position(|b| Some(b) == pattern.first()) {
                Some(i) => {
                    work += i + 1;
                    cand += i;
                    k = 1;
                }
                None => {
                    work += window.len();
                    cand = end;
                }
            }
        } else {
            // The rest of a candidate, at most `budget` bytes of it.
            let n = (lp - k).min(budget);
            let have = subject.get(cand + k..cand + k + n).unwrap_or(&[]);
            let want = pattern.get(k..k + n).unwrap_or(&[]);
            match have.iter().zip(want).position(|(a, b)| a != b) {
                Some(j) => {
                    work += j + 1;
                    cand += 1;
                    k = 0;
                }
                None => {
                    work += n;
                    k += n;
                }
            }
        }
    };
    fuel.charge_work(work);
    result
}

/// Enter the match loop at `init`, removing a `^` anchor.
fn start_pattern(init: usize, pattern: &[u8], fuel: &mut Fuel) -> Phase {
    fuel.charge(cost::MATCH_ATTEMPT);
    let anchor = pattern.first() == Some(&b'^');
    Phase::Pattern {
        s1: init,
        anchor,
        attempt: Attempt::new(init),
    }
}

impl Sequence for Find {
    const KIND: &'static str = Find::KIND;
    type Input<'a> = PatternInput<'a>;
    type Output = Option<Match>;
    type Request = Never;
    type Answer = Never;
    type Error = PatternError;

    fn step(
        &mut self,
        input: PatternInput<'_>,
        fuel: &mut Fuel,
    ) -> Result<Step<Option<Match>, Never>, PatternError> {
        Find::step(self, input.subject, input.pattern, fuel)
    }

    fn answer(&mut self, answer: Never) -> Result<(), PatternError> {
        match answer {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::{QuickCheck, TestResult};

    /// The byte-at-a-time `lmemfind` `plain_chunk` replaced: its result, work and chunk ends
    /// are the specification.
    fn naive_chunk(
        subject: &[u8],
        pattern: &[u8],
        mut cand: usize,
        mut k: usize,
        fuel: &mut Fuel,
    ) -> Result<Option<(usize, usize)>, (usize, usize)> {
        let (slen, lp) = (subject.len(), pattern.len());
        let mut work = 0usize;
        let result = loop {
            if cand.checked_add(lp).is_none_or(|e| e > slen) {
                break Ok(None);
            }
            if k >= lp {
                break Ok(Some((cand, cand + lp)));
            }
            if work >= cost::SCAN_CHUNK {
                break Err((cand, k));
            }
            work += 1;
            if subject.get(cand + k) == pattern.get(k) {
                k += 1;
            } else {
                cand += 1;
                k = 0;
            }
        };
        fuel.charge_work(work);
        result
    }

    /// Every chunk of a whole search: the same outcome, the same state at every chunk end and
    /// the same fuel as the naive scan, over subjects and needles from a two-letter alphabet
    /// (so partial matches are frequent) and long runs (so chunks end mid-candidate).
    #[test]
    fn plain_chunks_are_the_naive_scan_s() {
        fn prop(subject: Vec<bool>, pattern: Vec<bool>, run: u16, init: u8) -> TestResult {
            let mut subject: Vec<u8> = subject.iter().map(|&b| b'a' + u8::from(b)).collect();
            let mut pattern: Vec<u8> = pattern.iter().map(|&b| b'a' + u8::from(b)).collect();
            let run = usize::from(run % 700);
            subject.splice(0..0, std::iter::repeat_n(b'a', run));
            pattern.splice(0..0, std::iter::repeat_n(b'a', run / 2));
            let (mut cand, mut k) = (usize::from(init) % (subject.len() + 1), 0);
            let (mut fast, mut slow) = (Fuel::new(0), Fuel::new(0));
            loop {
                let a = plain_chunk(&subject, &pattern, cand, k, &mut fast);
                let b = naive_chunk(&subject, &pattern, cand, k, &mut slow);
                let a = a.map(|m| m.map(|m| (m.start, m.end)));
                if a != b || fast != slow {
                    return TestResult::error(format!("{a:?} != {b:?} at {cand}/{k}"));
                }
                match a {
                    Err(next) => (cand, k) = next,
                    Ok(_) => return TestResult::passed(),
                }
            }
        }
        QuickCheck::new()
            .tests(2000)
            .quickcheck(prop as fn(Vec<bool>, Vec<bool>, u16, u8) -> TestResult);
    }

    /// A state saved mid-candidate (`k > 0`) goes on from where it was.
    #[test]
    fn a_chunk_resumes_mid_candidate() {
        let subject = b"xxabcabd";
        let mut fuel = Fuel::new(0);
        let m = plain_chunk(subject, b"abd", 5, 2, &mut fuel).map(|m| m.map(|m| m.start));
        assert_eq!(m, Ok(Some(5)));
        assert_eq!(
            plain_chunk(subject, b"abd", 2, 2, &mut fuel).map(|m| m.map(|m| m.start)),
            Ok(Some(5))
        );
    }
}
