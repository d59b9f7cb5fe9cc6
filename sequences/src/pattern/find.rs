//! `string.find` and `string.match` (lstrlib's `str_find_aux`) as a sequence.
//!
//! Design note. `str_find_aux` either does a plain substring search (`find` with `plain` set,
//! or a pattern without special characters) or tries the matcher at `init`, `init + 1`, ...,
//! up to and including the end of the subject (only at `init` when the pattern starts with
//! `^`). Each of those loops is a phase here: the specials check and the plain search scan
//! at most [`cost::SCAN_CHUNK`] bytes per unit; each match attempt is an [`Attempt`] driven
//! until it finishes. The plain search is `lmemfind`'s result (the first occurrence) by a
//! naive scan charged per byte compared, like C's memchr+memcmp.

use super::captures::Match;
use super::matcher::{first_item_end, Attempt, Outcome};
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
                Phase::Plain { mut cand, mut k } => {
                    let lp = pattern.len();
                    let mut work = 0usize;
                    loop {
                        if cand.checked_add(lp).is_none_or(|e| e > slen) {
                            fuel.charge_work(work);
                            return Ok(Step::Done(None));
                        }
                        if k >= lp {
                            fuel.charge_work(work);
                            let m = Match {
                                start: cand,
                                end: cand + lp,
                                captures: Vec::new(),
                            };
                            return Ok(Step::Done(Some(m)));
                        }
                        if work >= cost::SCAN_CHUNK {
                            fuel.charge_work(work);
                            break Phase::Plain { cand, k };
                        }
                        work += 1;
                        if subject.get(cand + k) == pattern.get(k) {
                            k += 1;
                        } else {
                            cand += 1;
                            k = 0;
                        }
                    }
                }
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
                        match attempt.run_or_reject(subject, pat, quick, fuel)? {
                            Outcome::NeedFuel => {
                                break Phase::Pattern {
                                    s1,
                                    anchor,
                                    attempt,
                                }
                            }
                            Outcome::Finished(Some(end)) => {
                                let captures = attempt.captures().to_vec();
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
