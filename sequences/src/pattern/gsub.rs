//! `string.gsub`'s scanning loop (lstrlib's `str_gsub`) as a sequence.
//!
//! Design note. gsub alternates between matching (ours) and computing a replacement (the
//! VM's: expanding a replacement string, indexing a table, or calling a function — which may
//! run Lua code, yield, error or be snapshotted). So at each accepted match the sequence
//! returns [`Step::Need`] with a [`GsubRequest`]; the VM computes the replacement and answers
//! with a [`Replacement`]: the bytes to insert, or [`Replacement::Keep`] when the function or
//! table produced `nil`/`false` (keep the original text; that alone does not count as a
//! change). The result buffer is built here, so the VM never sees partial results.
//!
//! The loop is C's: at most `max_n` replacements; an accepted match must not end where the
//! previous one ended (5.4's `lastmatch` rule); otherwise one subject byte is copied and the
//! search moves on; with a `^` anchor only one position is tried. If nothing changed the
//! result is the original string ([`GsubResult::output`] is `None`), as Lua returns the very
//! same string object.

use super::captures::Match;
use super::class::Item;
use super::gsub_whole::{attempt_after_skip, Quick};
use super::matcher::{class_work, first_item_end, recycle_captures, skip_batch, Attempt, Outcome};
use super::{check_input, validated_serde, PatternError, PatternInput};
use crate::fuel::{cost, Fuel};
use crate::sequence::{Sequence, Step};
use serde::{Deserialize, Serialize};

/// The host's answer to a [`GsubRequest`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Replacement {
    /// Keep the matched text (a function or table gave `nil` or `false`).
    Keep,
    /// Insert these bytes instead (a replacement string expanded with
    /// [`super::expand_replacement`], or the string value a function/table gave). Counts as a
    /// change even if the bytes equal the original text, as in Lua.
    Bytes(Vec<u8>),
}

/// A request for the replacement of one match.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GsubRequest {
    /// The match to replace; [`Match::match_captures`] are a function's arguments,
    /// [`Match::get_capture`]`(0)` a table's key.
    pub m: Match,
}

/// The result of a gsub.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GsubResult {
    /// The new string, or `None` when nothing changed (return the original string).
    pub output: Option<Vec<u8>>,
    /// Number of matches replaced (Lua's second result).
    pub count: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Phase {
    /// Top of `while (n < max_s)`.
    Loop,
    /// A match attempt at `src`.
    Attempt(Attempt),
    /// Waiting for the replacement of `m`.
    Await {
        m: Match,
        reply: Option<Replacement>,
    },
    /// Appending the rest of the subject from `src`.
    Tail,
    /// Finished; stepping again is an error.
    Finished,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct State {
    subject_len: usize,
    pattern_len: usize,
    max_n: i64,
    n: i64,
    changed: bool,
    anchor: Option<bool>,
    src: usize,
    lastmatch: Option<usize>,
    buf: Vec<u8>,
    phase: Phase,
    #[serde(skip)]
    spare: Spare,
}

/// The buffers of the last attempt that ended in a match, kept for the next search, and the
/// last replacement's buffer, kept for the next answer (a cache: never saved, equal to any
/// other).
#[derive(Clone, Debug, Default)]
struct Spare(Option<Attempt>, Vec<u8>);

/// The largest replacement buffer kept for the next answer: a gsub of many small
/// replacements allocates one buffer, not one per match, and a large one is not held.
const SPARE_REPLACEMENT: usize = 256;

impl PartialEq for Spare {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Spare {}

/// A `string.gsub` in progress. See the module documentation for the protocol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gsub(State);

validated_serde!(Gsub, State);

impl State {
    fn validate(&self) -> bool {
        let sl = self.subject_len;
        let pl = match self.anchor {
            Some(true) => self.pattern_len.checked_sub(1),
            _ => Some(self.pattern_len),
        };
        let phase_ok = match &self.phase {
            Phase::Loop | Phase::Tail | Phase::Finished => true,
            Phase::Attempt(a) => self.anchor.is_some() && pl.is_some_and(|pl| a.validate(sl, pl)),
            Phase::Await { m, .. } => m.start == self.src && m.validate(sl),
        };
        self.src <= sl
            && self.lastmatch.is_none_or(|e| e <= sl)
            && (self.n >= 0)
            && (matches!(self.phase, Phase::Loop) || self.anchor.is_some())
            && pl.is_some()
            && phase_ok
    }
}

impl Gsub {
    /// Bytes of output built so far (for the VM's memory checks).
    pub fn output_len(&self) -> usize {
        self.0.buf.len()
    }

    /// Kind tag for the VM's registry of native continuations.
    pub const KIND: &'static str = "lua.pattern.gsub/v1";

    /// A gsub over a subject of `subject_len` bytes with a pattern of `pattern_len` bytes,
    /// replacing at most `max_n` matches (Lua's 4th argument; default `subject_len + 1`).
    pub fn new(subject_len: usize, pattern_len: usize, max_n: i64) -> Self {
        Gsub(State {
            subject_len,
            pattern_len,
            max_n,
            n: 0,
            changed: false,
            anchor: None,
            src: 0,
            lastmatch: None,
            buf: Vec::new(),
            phase: Phase::Loop,
            spare: Spare::default(),
        })
    }

    /// Bytes accumulated in the result buffer so far (for the VM's memory accounting).
    pub fn buffer_len(&self) -> usize {
        self.0.buf.len()
    }

    /// An empty buffer for the next [`Replacement::Bytes`]: the last answer's, when small
    /// (see `SPARE_REPLACEMENT`).
    pub fn replacement_buffer(&mut self) -> Vec<u8> {
        let mut b = std::mem::take(&mut self.0.spare.1);
        b.clear();
        b
    }

    /// The request awaiting an answer, if any.
    pub fn pending(&self) -> Option<&Match> {
        match &self.0.phase {
            Phase::Await { m, reply: None } => Some(m),
            _ => None,
        }
    }

    /// Answer the pending request.
    ///
    /// # Errors
    /// `Corrupt` if no request is pending.
    pub fn answer(&mut self, replacement: Replacement) -> Result<(), PatternError> {
        match &mut self.0.phase {
            Phase::Await {
                reply: reply @ None,
                ..
            } => {
                *reply = Some(replacement);
                Ok(())
            }
            _ => Err(PatternError::Corrupt(
                "gsub answered without a pending request",
            )),
        }
    }

    /// Advance under `fuel`.
    ///
    /// # Errors
    /// The pattern errors of Lua, or `Corrupt` for a mismatched input or a step after the end.
    pub fn step(
        &mut self,
        subject: &[u8],
        pattern: &[u8],
        fuel: &mut Fuel,
    ) -> Result<Step<GsubResult, GsubRequest>, PatternError> {
        check_input(subject, pattern, self.0.subject_len, self.0.pattern_len)?;
        let result = self.run(subject, pattern, fuel);
        if result.is_err() {
            self.0.phase = Phase::Finished;
        }
        result
    }

    fn run(
        &mut self,
        subject: &[u8],
        pattern: &[u8],
        fuel: &mut Fuel,
    ) -> Result<Step<GsubResult, GsubRequest>, PatternError> {
        let st = &mut self.0;
        let actual = pattern.first() == Some(&b'^');
        let anchor = *st.anchor.get_or_insert(actual);
        if anchor != actual {
            return Err(PatternError::Corrupt(
                "gsub pattern differs from the original",
            ));
        }
        let pat = pattern.get(usize::from(anchor)..).unwrap_or(&[]);
        let slen = subject.len();
        loop {
            if let Phase::Await { m, reply: None } = &st.phase {
                return Ok(Step::Need(GsubRequest { m: m.clone() }));
            }
            if fuel.is_exhausted() {
                return Ok(Step::NeedFuel);
            }
            let phase = std::mem::replace(&mut st.phase, Phase::Finished);
            st.phase = match phase {
                Phase::Finished => {
                    return Err(PatternError::Corrupt("gsub stepped after it finished"))
                }
                Phase::Loop => st.scan(subject, pat, anchor, fuel, None)?,
                Phase::Attempt(attempt) => st.scan(subject, pat, anchor, fuel, Some(attempt))?,
                Phase::Await { m, reply } => {
                    match reply {
                        Some(Replacement::Bytes(bytes)) => {
                            fuel.charge_work(bytes.len());
                            st.buf.extend_from_slice(&bytes);
                            st.changed = true;
                            if bytes.capacity() <= SPARE_REPLACEMENT {
                                st.spare.1 = bytes;
                            }
                        }
                        Some(Replacement::Keep) | None => {
                            let orig = subject.get(m.start..m.end).ok_or(CORRUPT)?;
                            fuel.charge_work(orig.len());
                            st.buf.extend_from_slice(orig);
                        }
                    }
                    st.src = m.end;
                    st.lastmatch = Some(m.end);
                    m.recycle();
                    if anchor {
                        st.finish()
                    } else {
                        Phase::Loop
                    }
                }
                Phase::Tail => {
                    let end = st.src.saturating_add(cost::SCAN_CHUNK).min(slen);
                    let chunk = subject.get(st.src..end).ok_or(CORRUPT)?;
                    fuel.charge_work(chunk.len());
                    st.buf.extend_from_slice(chunk);
                    st.src = end;
                    if end >= slen {
                        return Ok(Step::Done(GsubResult {
                            output: Some(std::mem::take(&mut st.buf)),
                            count: st.n,
                        }));
                    }
                    Phase::Tail
                }
            };
            if let Phase::Finished = st.phase {
                // `finish` with nothing changed: the original string is the result.
                st.buf = Vec::new();
                return Ok(Step::Done(GsubResult {
                    output: None,
                    count: st.n,
                }));
            }
        }
    }
}

const CORRUPT: PatternError = PatternError::Corrupt("gsub position out of range");

/// Where [`State::skip_rejected`] stopped.
enum Skip {
    /// At a position that needs its attempt run (or the end of the subject).
    Run,
    /// Fuel ran out after a skipped byte: at the top of `while (n < max_s)`.
    Loop,
    /// Fuel ran out after the next attempt was charged: that attempt, not started.
    Attempt,
    /// `n >= max_n` at the top of the loop (only from an inconsistent restored state).
    Finish,
}

impl State {
    /// The search for the next match, from the top of `while (n < max_s)` or inside a
    /// `pending` attempt: attempts at successive positions (one subject byte copied after
    /// each that fails) until one matches, fuel runs out or the loop ends, without going
    /// through the phase machine for every position (one attempt's buffers serve them all).
    /// Charges and stops exactly where one pass of the machine per phase would.
    fn scan(
        &mut self,
        subject: &[u8],
        pat: &[u8],
        anchor: bool,
        fuel: &mut Fuel,
        pending: Option<Attempt>,
    ) -> Result<Phase, PatternError> {
        if pending.is_none() {
            if let Some(phase) = self.scan_at_once(subject, pat, anchor, fuel) {
                return Ok(phase);
            }
        }
        let mut attempt = match pending {
            Some(a) => a,
            None => {
                if self.n >= self.max_n {
                    return Ok(self.finish());
                }
                fuel.charge(cost::MATCH_ATTEMPT);
                let a = match self.spare.0.take() {
                    Some(mut a) => {
                        a.reset(self.src);
                        a
                    }
                    None => Attempt::new(self.src),
                };
                if fuel.is_exhausted() {
                    return Ok(Phase::Attempt(a));
                }
                a
            }
        };
        let quick = first_item_end(pat);
        loop {
            if let (Some(ep), false) = (quick, anchor) {
                let at = self.src;
                let skip = self.skip_rejected(subject, pat, ep, fuel, &attempt);
                if self.src != at {
                    attempt.reset(self.src);
                }
                match skip {
                    Skip::Run => {}
                    Skip::Loop => return Ok(Phase::Loop),
                    Skip::Attempt => return Ok(Phase::Attempt(attempt)),
                    Skip::Finish => return Ok(self.finish()),
                }
            }
            match attempt.run_or_reject(subject, pat, quick, fuel)? {
                Outcome::NeedFuel => return Ok(Phase::Attempt(attempt)),
                Outcome::Finished(Some(end)) if Some(end) != self.lastmatch => {
                    self.n = self.n.checked_add(1).ok_or(CORRUPT)?;
                    let captures = attempt.take_captures();
                    let m = Match {
                        start: self.src,
                        end,
                        captures,
                    };
                    self.spare.0 = Some(attempt);
                    return Ok(Phase::Await { m, reply: None });
                }
                Outcome::Finished(_) => {
                    let Some(&c) = subject.get(self.src) else {
                        return Ok(self.finish()); // end of subject
                    };
                    // otherwise, skip one character
                    self.buf.push(c);
                    self.src += 1;
                    if anchor {
                        return Ok(self.finish());
                    }
                }
            }
            // Back at the top of the loop.
            if fuel.is_exhausted() {
                return Ok(Phase::Loop);
            }
            if self.n >= self.max_n {
                return Ok(self.finish());
            }
            fuel.charge(cost::MATCH_ATTEMPT);
            attempt.reset(self.src);
            if fuel.is_exhausted() {
                return Ok(Phase::Attempt(attempt));
            }
        }
    }

    /// [`State::scan`] from the top of `while (n < max_s)` at once, as lstrlib's loop with
    /// the attempts on the fast path (`super::gsub_whole`'s), where the scan would not stop
    /// nor fail before its match or the end of the loop: the same phase, state and fuel.
    /// Else `None`, with the fuel and state untouched.
    fn scan_at_once(
        &mut self,
        subject: &[u8],
        pat: &[u8],
        anchor: bool,
        fuel: &mut Fuel,
    ) -> Option<Phase> {
        let (saved, len, src, n) = (*fuel, self.buf.len(), self.src, self.n);
        let mut caps = Vec::new();
        let found = self.search_at_once(subject, pat, anchor, fuel, &mut caps);
        recycle_captures(&mut caps);
        match found {
            Some(phase) if !fuel.is_exhausted() => Some(phase),
            _ => {
                *fuel = saved;
                self.buf.truncate(len);
                (self.src, self.n) = (src, n);
                None
            }
        }
    }

    fn search_at_once(
        &mut self,
        subject: &[u8],
        pat: &[u8],
        anchor: bool,
        fuel: &mut Fuel,
        caps: &mut Vec<super::RawCapture>,
    ) -> Option<Phase> {
        let quick = Quick::of(pat);
        loop {
            if self.n >= self.max_n {
                return Some(self.finish());
            }
            if fuel.is_exhausted() {
                return None; // (bounds the work done after the fuel ran out)
            }
            fuel.charge(cost::MATCH_ATTEMPT);
            let (subj, buf, src) = (subject, &mut self.buf, &mut self.src);
            match attempt_after_skip(subj, pat, anchor, quick, src, buf, caps, fuel)? {
                Some(end) if Some(end) != self.lastmatch => {
                    self.n = self.n.checked_add(1)?;
                    let m = Match {
                        start: self.src,
                        end,
                        captures: std::mem::take(caps),
                    };
                    return Some(Phase::Await { m, reply: None });
                }
                _ => {
                    caps.clear();
                    let Some(&c) = subject.get(self.src) else {
                        return Some(self.finish()); // end of subject
                    };
                    self.buf.push(c); // otherwise, skip one character
                    self.src += 1;
                    if anchor {
                        return Some(self.finish());
                    }
                }
            }
        }
    }

    /// The positions from `src` at which the pattern's first item (a single-character class
    /// that must match, ending at `ep`: see [`first_item_end`]) rejects the subject byte,
    /// passed in one tight loop when `attempt` is fresh there: each charged, and fuel tested,
    /// exactly as [`Attempt::fails_at_once`] and the bottom of [`State::scan`]'s loop would
    /// for it, the skipped bytes copied at once. (lstrlib tries `match` at every position;
    /// going through the attempt machine for each was most of a short `gsub`'s cost.) Leaves
    /// `src` at the first position that needs an attempt run (or the end of the subject).
    fn skip_rejected(
        &mut self,
        subject: &[u8],
        pat: &[u8],
        ep: usize,
        fuel: &mut Fuel,
        attempt: &Attempt,
    ) -> Skip {
        if !attempt.is_fresh_at(self.src) {
            return Skip::Run;
        }
        let item = Item::decode(pat, 0, ep);
        let reject = cost::MATCH_STEP.saturating_add(cost::work_floor(class_work(0, ep)));
        let start = self.src;
        let mut src = start;
        if self.n < self.max_n && !fuel.is_exhausted() {
            src += skip_batch(subject, pat, item, reject, src, fuel);
        }
        let skip = loop {
            if fuel.is_exhausted() {
                break Skip::Run;
            }
            match subject.get(src) {
                Some(&c) if !item.matches(c, pat) => {}
                _ => break Skip::Run,
            }
            fuel.charge(reject);
            src += 1;
            if fuel.is_exhausted() {
                break Skip::Loop;
            }
            if self.n >= self.max_n {
                break Skip::Finish;
            }
            fuel.charge(cost::MATCH_ATTEMPT);
            if fuel.is_exhausted() {
                break Skip::Attempt;
            }
        };
        self.buf
            .extend_from_slice(subject.get(start..src).unwrap_or_default());
        self.src = src;
        skip
    }

    /// Leave the loop: copy the tail if something changed, else finish with the original.
    fn finish(&mut self) -> Phase {
        if self.changed {
            Phase::Tail
        } else {
            Phase::Finished
        }
    }
}

impl Sequence for Gsub {
    const KIND: &'static str = Gsub::KIND;
    type Input<'a> = PatternInput<'a>;
    type Output = GsubResult;
    type Request = GsubRequest;
    type Answer = Replacement;
    type Error = PatternError;

    fn step(
        &mut self,
        input: PatternInput<'_>,
        fuel: &mut Fuel,
    ) -> Result<Step<GsubResult, GsubRequest>, PatternError> {
        Gsub::step(self, input.subject, input.pattern, fuel)
    }

    fn answer(&mut self, answer: Replacement) -> Result<(), PatternError> {
        Gsub::answer(self, answer)
    }
}
