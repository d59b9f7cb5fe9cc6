//! A whole `string.gsub` in one go, when its replacements need no Lua code.
//!
//! Design note. [`Gsub`](super::Gsub) returns to the host at every match for its
//! replacement and goes through its phase machine between matches, so that a replacement
//! function can run Lua code, and the loop can stop at any unit and be saved. For a
//! replacement string or a table whose values need no `__index` call, the host computes a
//! replacement on the spot, and most such gsubs end long before the fuel does: they run
//! here as lstrlib's `str_gsub` loop, with the host's replacement inline ([`WholeHost`]),
//! charging exactly what the sequence and its host charge (attempts and their rejected
//! first items, matches through the attempt fast path, appends, the tail) and checking
//! what the host checks between the sequence's steps (its memory check, the length limit).
//! Like the attempt fast path (`super::fast`), [`gsub_whole`] gives up without a trace —
//! `None`, the fuel as it was — wherever the sequence would stop or fail: the fuel runs
//! out (charges only lower it, so fuel left at the end means no unit boundary saw it
//! exhausted), an attempt gives up, the host cannot replace a match inline or would raise
//! an error, or a check fails. The host then runs the sequence from its start.

use super::captures::Match;
use super::class::{single_match, Item};
use super::fast;
use super::matcher::{class_work, first_item_end, recycle_captures};
use crate::fuel::{cost, Fuel};

/// What [`gsub_whole`] asks of the host for each match.
pub trait WholeHost {
    /// Appends the replacement of `m` to `out` and returns `Some(true)`, or returns
    /// `Some(false)` to keep the matched text (a `nil` or `false` value), charging `fuel`
    /// what the host charges when it answers a [`GsubRequest`](super::GsubRequest) for it
    /// (not the sequence's append). `None`: the replacement needs Lua code or raises an
    /// error ([`gsub_whole`] gives up).
    fn replace(
        &mut self,
        m: &Match,
        subject: &[u8],
        out: &mut Vec<u8>,
        fuel: &mut Fuel,
    ) -> Option<bool>;

    /// The host's check before each step of the sequence, with `len` bytes of output built:
    /// false stops the sequence there (it must be monotone: true for any `len` at most one it
    /// is true for).
    fn room(&mut self, len: usize) -> bool;

    /// The longest result the host accepts (it raises an error when an answer would make
    /// the output longer).
    fn max_len(&self) -> usize;
}

/// `string.gsub(subject, pattern, repl, max_n)` from its start to its end, the result
/// appended to `out` (empty on entry): `Some((changed, count))` — `changed` false means the
/// result is the subject itself — or `None`, with `out` cleared and `fuel` untouched, where
/// the [`Gsub`](super::Gsub) sequence must run instead (see the module documentation).
pub fn gsub_whole(
    subject: &[u8],
    pattern: &[u8],
    max_n: i64,
    fuel: &mut Fuel,
    host: &mut impl WholeHost,
    out: &mut Vec<u8>,
) -> Option<(bool, i64)> {
    let saved = *fuel;
    let mut caps = Vec::new();
    let r = run(subject, pattern, max_n, fuel, host, out, &mut caps);
    recycle_captures(&mut caps);
    match r {
        Some(r) if !fuel.is_exhausted() => Some(r),
        _ => {
            *fuel = saved;
            out.clear();
            None
        }
    }
}

fn run(
    subject: &[u8],
    pattern: &[u8],
    max_n: i64,
    fuel: &mut Fuel,
    host: &mut impl WholeHost,
    out: &mut Vec<u8>,
    caps: &mut Vec<super::RawCapture>,
) -> Option<(bool, i64)> {
    let anchor = pattern.first() == Some(&b'^');
    let pat = pattern.get(usize::from(anchor)..)?;
    let quick = Quick::of(pat);
    let (mut n, mut src, mut lastmatch, mut changed) = (0i64, 0usize, None, false);
    if !host.room(0) {
        return None;
    }
    loop {
        // (Top of `while (n < max_s)`; the sequence checks the fuel at every unit, a check
        // per position bounds the work done after it ran out.)
        if fuel.is_exhausted() {
            return None;
        }
        if n >= max_n {
            break;
        }
        fuel.charge(cost::MATCH_ATTEMPT);
        let result = attempt_after_skip(subject, pat, anchor, quick, &mut src, out, caps, fuel)?;
        match result {
            Some(end) if Some(end) != lastmatch => {
                n = n.checked_add(1)?;
                let m = Match {
                    start: src,
                    end,
                    captures: std::mem::take(caps),
                };
                let before = out.len();
                let replaced = host.replace(&m, subject, out, fuel);
                *caps = m.captures;
                caps.clear();
                if replaced? {
                    changed = true;
                } else {
                    out.extend_from_slice(subject.get(src..end)?);
                }
                // (The sequence's append of the answer, after the host's checks.)
                fuel.charge_work(out.len() - before);
                if out.len() > host.max_len() || !host.room(before) {
                    return None;
                }
                src = end;
                lastmatch = Some(end);
            }
            _ => {
                caps.clear(); // (of a match rejected for ending where the last one did)
                let Some(&c) = subject.get(src) else {
                    break; // end of subject
                };
                out.push(c); // otherwise, skip one character
                src += 1;
            }
        }
        if anchor {
            break;
        }
    }
    if changed {
        let tail = subject.get(src..)?;
        fuel.charge_work(tail.len());
        out.extend_from_slice(tail);
    }
    Some((changed, n))
}

/// The pattern's first item when it is a single-character class that must match (see
/// `first_item_end`): where it ends, the class, and what an attempt it rejects costs.
#[derive(Clone, Copy)]
pub(crate) struct Quick {
    ep: usize,
    item: Item,
    reject: i64,
}

impl Quick {
    pub(crate) fn of(pat: &[u8]) -> Option<Quick> {
        first_item_end(pat).map(|ep| Quick {
            ep,
            item: Item::decode(pat, 0, ep),
            reject: cost::MATCH_STEP.saturating_add(cost::work_floor(class_work(0, ep))),
        })
    }
}

/// One attempt of gsub's loop at `*src`, its `MATCH_ATTEMPT` charged: unless `anchor`, the
/// positions the first item rejects are passed first, each charged as an attempt failing at
/// once and the next one started (`Gsub`'s `skip_rejected`), their bytes copied to `out`.
/// `Some` of the attempt's result at the new `*src` (its captures in `caps`, empty on
/// entry); `None` where the attempt gives up.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(crate) fn attempt_after_skip(
    subject: &[u8],
    pat: &[u8],
    anchor: bool,
    quick: Option<Quick>,
    src: &mut usize,
    out: &mut Vec<u8>,
    caps: &mut Vec<super::RawCapture>,
    fuel: &mut Fuel,
) -> Option<Option<usize>> {
    let Some(q) = quick else {
        return fast::attempt(subject, pat, *src, caps, fuel);
    };
    if !anchor {
        let rest = subject.get(*src..)?;
        let k = rest
            .iter()
            .position(|&c| q.item.matches(c, pat))
            .unwrap_or(rest.len());
        let per = q.reject.saturating_add(cost::MATCH_ATTEMPT);
        fuel.charge(per.saturating_mul(i64::try_from(k).ok()?));
        out.extend_from_slice(rest.get(..k)?);
        *src += k;
    }
    if single_match(subject, *src, pat, 0, q.ep) {
        fast::attempt(subject, pat, *src, caps, fuel)
    } else {
        fuel.charge(q.reject);
        Some(None)
    }
}
