//! A successful match and what the string library makes of its captures.
//!
//! Design note. The drivers report a [`Match`]: where it starts and ends plus the raw capture
//! array exactly as the matcher left it (`ms->level` entries, possibly unfinished). Turning
//! that into Lua values is a separate, explicit step because *when* Lua raises
//! "unfinished capture" or "invalid capture index" depends on the caller: `find` and `match`
//! push every capture, a gsub replacement string only touches the ones it names, a gsub table
//! only the first. [`Match::get_capture`] is lstrlib's `get_onecapture`,
//! [`Match::find_captures`] / [`Match::match_captures`] are `push_captures` as `find` and
//! `match`/`gmatch`/gsub-with-a-function call it, and [`expand_replacement`] is `add_s`.

use super::error::PatternError;
use super::matcher::{recycle_captures, CapLen, RawCapture};
use crate::fuel::Fuel;
use serde::{Deserialize, Serialize};

/// A successful match of a pattern against a subject.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Match {
    /// Byte offset of the first matched byte (Lua's 1-based start is `start + 1`).
    pub start: usize,
    /// Byte offset just past the match (Lua's 1-based inclusive end is `end`).
    pub end: usize,
    /// The capture array (`ms->level` entries, in order of their opening parenthesis).
    pub captures: Vec<RawCapture>,
}

/// One capture as a Lua value: a substring of the subject or a position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Capture {
    /// The subject bytes `start .. start + len`.
    Substring {
        /// Byte offset in the subject.
        start: usize,
        /// Length in bytes.
        len: usize,
    },
    /// A position capture `()` at this byte offset; Lua's value is the integer `offset + 1`.
    Position(usize),
}

impl Capture {
    /// The captured bytes of a substring capture (`None` for positions or out-of-range).
    pub fn bytes<'s>(&self, subject: &'s [u8]) -> Option<&'s [u8]> {
        match *self {
            Capture::Substring { start, len } => subject.get(start..start.checked_add(len)?),
            Capture::Position(_) => None,
        }
    }

    /// The Lua integer of a position capture (1-based).
    pub fn lua_position(&self) -> Option<i64> {
        match *self {
            Capture::Position(p) => i64::try_from(p).ok()?.checked_add(1),
            Capture::Substring { .. } => None,
        }
    }
}

impl Match {
    /// Leaves the capture array for the next match attempt on this thread, once the match
    /// has been used (a dropped match frees it): lstrlib's capture array is on the C stack,
    /// and allocating one per `find` or `match` cost as much as a short match.
    pub fn recycle(mut self) {
        recycle_captures(&mut self.captures);
    }

    /// Are all positions within a subject of `slen` bytes (used when restoring a snapshot)?
    pub(crate) fn validate(&self, slen: usize) -> bool {
        let within = |start: usize, len: usize| start.checked_add(len).is_some_and(|e| e <= slen);
        self.start <= self.end
            && self.end <= slen
            && self.captures.len() <= super::MAX_CAPTURES
            && self.captures.iter().all(|c| match c.len {
                CapLen::Len(l) => within(c.start, l),
                _ => c.start <= slen,
            })
    }

    /// Number of captures the pattern recorded (`ms->level`).
    pub fn level(&self) -> usize {
        self.captures.len()
    }

    /// Capture `i` (0-based) as lstrlib's `get_onecapture`: with no captures, index 0 is the
    /// whole match.
    ///
    /// # Errors
    /// `invalid capture index %N` when `i` is out of range (and not the whole-match case),
    /// `unfinished capture` when capture `i` was never closed.
    pub fn get_capture(&self, i: usize) -> Result<Capture, PatternError> {
        match self.captures.get(i) {
            None => {
                if i != 0 {
                    let shown = i32::try_from(i).map_or(i32::MAX, |i| i.saturating_add(1));
                    return Err(PatternError::InvalidCaptureIndex(shown));
                }
                Ok(Capture::Substring {
                    start: self.start,
                    len: self.end.saturating_sub(self.start),
                })
            }
            Some(c) => match c.len {
                CapLen::Unfinished => Err(PatternError::UnfinishedCapture),
                CapLen::Position => Ok(Capture::Position(c.start)),
                CapLen::Len(len) => Ok(Capture::Substring {
                    start: c.start,
                    len,
                }),
            },
        }
    }

    /// The values `string.find` returns after the two positions: every capture (none when the
    /// pattern has no captures).
    ///
    /// # Errors
    /// `unfinished capture`.
    pub fn find_captures(&self) -> Result<Vec<Capture>, PatternError> {
        (0..self.level()).map(|i| self.get_capture(i)).collect()
    }

    /// The values `string.match`, a `gmatch` iteration or a gsub function receive: every
    /// capture, or the whole match when the pattern has none.
    ///
    /// # Errors
    /// `unfinished capture`.
    pub fn match_captures(&self) -> Result<Vec<Capture>, PatternError> {
        (0..self.level().max(1))
            .map(|i| self.get_capture(i))
            .collect()
    }

    /// The whole match as a capture.
    pub fn whole(&self) -> Capture {
        Capture::Substring {
            start: self.start,
            len: self.end.saturating_sub(self.start),
        }
    }
}

/// Append the expansion of a gsub replacement string to `out` (lstrlib's `add_s`): `%%` is a
/// `%`, `%0` the whole match, `%1`-`%9` a capture (a position capture as its decimal integer),
/// anything else after `%` is an error. Charges `work(template + output bytes)`.
///
/// # Errors
/// `invalid use of '%' in replacement string`, and the errors of [`Match::get_capture`].
pub fn expand_replacement(
    template: &[u8],
    m: &Match,
    subject: &[u8],
    out: &mut Vec<u8>,
    fuel: &mut Fuel,
) -> Result<(), PatternError> {
    let before = out.len();
    let mut rest = template;
    while let Some(i) = rest.iter().position(|&c| c == b'%') {
        let (lit, tail) = rest.split_at(i);
        out.extend_from_slice(lit);
        // C reads the NUL terminator after a trailing '%'.
        let c = tail.get(1).copied().unwrap_or(0);
        if c == b'%' {
            out.push(b'%');
        } else if c == b'0' {
            out.extend_from_slice(m.whole().bytes(subject).ok_or(CORRUPT)?);
        } else if c.is_ascii_digit() {
            match m.get_capture(usize::from(c - b'1'))? {
                cap @ Capture::Substring { .. } => {
                    out.extend_from_slice(cap.bytes(subject).ok_or(CORRUPT)?)
                }
                cap @ Capture::Position(_) => {
                    let n = cap.lua_position().ok_or(CORRUPT)?;
                    out.extend_from_slice(n.to_string().as_bytes());
                }
            }
        } else {
            return Err(PatternError::InvalidReplacementEscape);
        }
        rest = tail.get(2..).unwrap_or(&[]);
    }
    out.extend_from_slice(rest);
    fuel.charge_work(template.len().saturating_add(out.len() - before));
    Ok(())
}

const CORRUPT: PatternError = PatternError::Corrupt("capture out of range");
