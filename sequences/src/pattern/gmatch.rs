//! The state of a `string.gmatch` iterator (lstrlib's `GMatchState` and `gmatch_aux`).
//!
//! Design note. A gmatch iterator keeps `src` (where the next search starts) and `lastmatch`
//! (the end of the last match). Each call of the iterator searches from `src` to the end of
//! the subject inclusive and accepts the first match whose end differs from `lastmatch`; this
//! is 5.4's rule that stops an empty match from being found again right where the previous
//! match ended. The pattern is used whole: in gmatch a leading `^` is an ordinary character.
//! A failed search leaves `src` unchanged, so calling the iterator again searches again (and
//! fails again), exactly like C.
//!
//! The search in progress lives inside the iterator state, so the VM keeps one [`GMatch`] in
//! the iterator's upvalue and calls [`GMatch::step`] until `Done` on every iterator call.

use super::captures::Match;
use super::fast;
use super::matcher::{first_item_end, recycle_captures, skip_rejected, Attempt, Outcome};
use super::{check_input, validated_serde, PatternError, PatternInput};
use crate::fuel::{cost, Fuel};
use crate::sequence::{Never, Sequence, Step};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Search {
    /// The position being tried (`src` in `gmatch_aux`'s loop).
    at: usize,
    attempt: Attempt,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct State {
    subject_len: usize,
    pattern_len: usize,
    /// Where the next search starts (`gm->src`); may be `subject_len + 1`.
    src: usize,
    /// End of the last match (`gm->lastmatch`).
    lastmatch: Option<usize>,
    /// The search of the current iterator call, if one is in progress.
    search: Option<Search>,
}

/// A `string.gmatch` iterator.
///
/// Each iterator call: [`GMatch::step`] until `Done(r)`. `Some(m)` yields
/// [`Match::match_captures`]; `None` ends the loop (Lua returns nothing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GMatch(State);

validated_serde!(GMatch, State);

impl State {
    fn validate(&self) -> bool {
        let sl = self.subject_len;
        self.src <= sl.saturating_add(1)
            && self.lastmatch.is_none_or(|e| e <= sl)
            && self.search.as_ref().is_none_or(|s| {
                s.at >= self.src && s.at <= sl && s.attempt.validate(sl, self.pattern_len)
            })
    }
}

impl GMatch {
    /// Kind tag for the VM's registry of native continuations.
    pub const KIND: &'static str = "lua.pattern.gmatch/v1";

    /// An iterator over a subject of `subject_len` bytes for a pattern of `pattern_len` bytes,
    /// starting at byte offset `init` (0-based; past the end means no matches).
    pub fn new(subject_len: usize, pattern_len: usize, init: usize) -> Self {
        let src = init.min(subject_len.saturating_add(1));
        GMatch(State {
            subject_len,
            pattern_len,
            src,
            lastmatch: None,
            search: None,
        })
    }

    /// True while an iterator call's search is under way.
    pub fn in_progress(&self) -> bool {
        self.0.search.is_some()
    }

    /// A whole iterator call at once, for a fresh iterator (no call in progress, no match
    /// yet): `Some` of what [`GMatch::step`] would return as `Done`, where its steps would
    /// run to their end without stopping or failing (the attempts on the fast path,
    /// `super::fast`, charging the same fuel). Else `None`, with the fuel untouched.
    pub fn at_once(
        &mut self,
        subject: &[u8],
        pattern: &[u8],
        fuel: &mut Fuel,
    ) -> Option<Option<Match>> {
        let st = &mut self.0;
        if st.search.is_some()
            || st.lastmatch.is_some()
            || check_input(subject, pattern, st.subject_len, st.pattern_len).is_err()
        {
            return None;
        }
        if st.src > subject.len() {
            return Some(None);
        }
        let saved = *fuel;
        fuel.charge(cost::MATCH_ATTEMPT);
        let mut captures = Vec::new();
        let found = fast::search(subject, pattern, false, st.src, &mut captures, fuel);
        match found {
            Some(Some((start, end))) if !fuel.is_exhausted() => {
                st.src = end;
                st.lastmatch = Some(end);
                Some(Some(Match {
                    start,
                    end,
                    captures,
                }))
            }
            Some(None) if !fuel.is_exhausted() => {
                recycle_captures(&mut captures);
                Some(None)
            }
            _ => {
                *fuel = saved;
                recycle_captures(&mut captures);
                None
            }
        }
    }

    /// Advance the current iterator call (starting one if none is in progress).
    ///
    /// # Errors
    /// The pattern errors of Lua, or `Corrupt` for a mismatched input.
    pub fn step(
        &mut self,
        subject: &[u8],
        pattern: &[u8],
        fuel: &mut Fuel,
    ) -> Result<Step<Option<Match>, Never>, PatternError> {
        check_input(subject, pattern, self.0.subject_len, self.0.pattern_len)?;
        let slen = subject.len();
        let st = &mut self.0;
        let mut search = match st.search.take() {
            Some(search) => search,
            None => {
                if st.src > slen {
                    return Ok(Step::Done(None));
                }
                if fuel.is_exhausted() {
                    return Ok(Step::NeedFuel);
                }
                fuel.charge(cost::MATCH_ATTEMPT);
                Search {
                    at: st.src,
                    attempt: Attempt::new(st.src),
                }
            }
        };
        let quick = first_item_end(pattern);
        loop {
            if let Some(ep) = quick {
                if search.attempt.is_fresh_at(search.at) {
                    let (at, stopped) = skip_rejected(subject, pattern, ep, search.at, fuel);
                    if at != search.at {
                        search.at = at;
                        search.attempt.reset(at);
                    }
                    if stopped {
                        st.search = Some(search);
                        return Ok(Step::NeedFuel);
                    }
                }
            }
            // on an error the search is dropped: the next call starts afresh from `src`
            match search
                .attempt
                .run_or_reject(subject, pattern, quick, fuel)?
            {
                Outcome::NeedFuel => {
                    st.search = Some(search);
                    return Ok(Step::NeedFuel);
                }
                Outcome::Finished(Some(end)) if Some(end) != st.lastmatch => {
                    st.src = end;
                    st.lastmatch = Some(end);
                    let captures = search.attempt.take_captures();
                    search.attempt.recycle();
                    return Ok(Step::Done(Some(Match {
                        start: search.at,
                        end,
                        captures,
                    })));
                }
                Outcome::Finished(_) => {
                    if search.at >= slen {
                        search.attempt.recycle();
                        return Ok(Step::Done(None)); // not found
                    }
                    search.at += 1;
                    search.attempt.reset(search.at);
                    fuel.charge(cost::MATCH_ATTEMPT);
                    if fuel.is_exhausted() {
                        st.search = Some(search);
                        return Ok(Step::NeedFuel);
                    }
                }
            }
        }
    }
}

impl Sequence for GMatch {
    const KIND: &'static str = GMatch::KIND;
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
        GMatch::step(self, input.subject, input.pattern, fuel)
    }

    fn answer(&mut self, answer: Never) -> Result<(), PatternError> {
        match answer {}
    }
}
