//! The fast path of a match attempt: lstrlib's recursive `match` on the Rust stack.
//!
//! Design note. [`Attempt::run`](super::matcher::Attempt) is a state machine so that it can
//! stop at any unit and be saved; its bookkeeping (an `Exec` moved in and out per unit, a
//! `Cont` pushed per nested call, checked position arithmetic that builds `Result`s) was most
//! of a short attempt's instructions. Most attempts need no stop: they end long before the
//! fuel does. So a fresh attempt first runs here, recursively like C, charging exactly what
//! the state machine charges unit by unit (the same charges in the same order: the sums for
//! the scanning loops are computed per chunk as the machine's chunks charge them, see
//! [`count_fuel`]), and gives up — [`attempt`] returns `None` with the fuel and capture
//! array restored — on anything the machine would stop or fail on:
//!
//! * fuel exhausted after any unit (the machine would have stopped at the next unit
//!   boundary): since charges only lower the fuel, a run whose fuel is left positive at its
//!   end passed every boundary where the machine checks it, so its result is the machine's;
//! * any error (malformed pattern, too many captures, "pattern too complex" at the same
//!   depth as the machine's stack limit).
//!
//! The state machine then runs the attempt from its start, so stops, saved states and
//! errors are exactly the machine's. Work wasted by a give-up is at most what the fuel
//! already paid for (the fast run stops at the first unit after the fuel is gone), and the
//! Rust stack holds at most [`MAX_MATCH_DEPTH`] frames of this recursion.

use super::class::{at, class_end, match_bracket_class, single_match, Item, L_ESC};
use super::matcher::{
    class_work, first_item_end, push_capture, CapLen, RawCapture, MAX_CAPTURES, MAX_MATCH_DEPTH,
};
use crate::fuel::{cost, Fuel};

/// The fast path gave up (see the module documentation).
struct GiveUp;

type R = Result<Option<usize>, GiveUp>;

/// Runs a fresh attempt of `pat` (de-anchored) at subject position `s` to its end: `Some`
/// of its result (`Some(end)` on a match, with its captures in `caps`) when it finished
/// with fuel left, else `None` with `fuel` as it was and `caps` empty (as it must be on
/// entry).
pub(crate) fn attempt(
    subj: &[u8],
    pat: &[u8],
    s: usize,
    caps: &mut Vec<RawCapture>,
    fuel: &mut Fuel,
) -> Option<Option<usize>> {
    let mut m = Fast {
        subj,
        pat,
        left: fuel.remaining(),
        caps,
    };
    match m.do_match(s, 0, 0) {
        Ok(r) if m.left > 0 => {
            fuel.remaining = m.left;
            Some(r)
        }
        _ => {
            m.caps.clear();
            None
        }
    }
}

/// lstrlib's loop of attempts at `s`, `s + 1`, ... up to the end of the subject inclusive
/// (only at `s` when `anchor`) as the drivers run it (`Find`, `GMatch`): each attempt after
/// the first charged [`cost::MATCH_ATTEMPT`] (the caller charges the first), positions the
/// pattern's first item rejects charged as they are there (`skip_rejected`), the attempts on
/// the fast path. `Some` of the first match's `(start, end)` (its captures in `caps`, empty
/// on entry) or of `None`; `None` where an attempt gives up. The caller restores the fuel
/// and empties `caps` then, and gives up as well when its fuel is exhausted at the end.
pub(crate) fn search(
    subj: &[u8],
    pat: &[u8],
    anchor: bool,
    mut s: usize,
    caps: &mut Vec<RawCapture>,
    fuel: &mut Fuel,
) -> Option<Option<(usize, usize)>> {
    let quick = first_item_end(pat).map(|ep| {
        let reject = cost::MATCH_STEP.saturating_add(cost::work_floor(class_work(0, ep)));
        (ep, Item::decode(pat, 0, ep), reject)
    });
    loop {
        if fuel.is_exhausted() {
            return None; // (bounds the work done after the fuel ran out)
        }
        let r = match quick {
            Some((ep, item, reject)) => {
                if !anchor {
                    let rest = subj.get(s..)?;
                    let k = rest
                        .iter()
                        .position(|&c| item.matches(c, pat))
                        .unwrap_or(rest.len());
                    let per = reject.saturating_add(cost::MATCH_ATTEMPT);
                    fuel.charge(per.saturating_mul(i64::try_from(k).ok()?));
                    s += k;
                }
                if single_match(subj, s, pat, 0, ep) {
                    attempt(subj, pat, s, caps, fuel)?
                } else {
                    fuel.charge(reject);
                    None
                }
            }
            None => attempt(subj, pat, s, caps, fuel)?,
        };
        if let Some(end) = r {
            return Some(Some((s, end)));
        }
        if anchor || s >= subj.len() {
            return Some(None);
        }
        s += 1;
        fuel.charge(cost::MATCH_ATTEMPT);
    }
}

/// Fuel for `tests` single-character tests of `per` work each in a scanning loop that
/// charges per chunk (`max_expand`'s count): a chunk ends at the first test that brings its
/// work to [`cost::SCAN_CHUNK`] or more, and each chunk's work is rounded up on its own.
fn count_fuel(tests: usize, per: usize) -> i64 {
    let per = per.max(1);
    let k = cost::SCAN_CHUNK.div_ceil(per);
    let full = i64::try_from(tests / k).unwrap_or(i64::MAX);
    full.saturating_mul(cost::work(k.saturating_mul(per)))
        .saturating_add(cost::work((tests % k).saturating_mul(per)))
}

struct Fast<'a> {
    subj: &'a [u8],
    pat: &'a [u8],
    /// The fuel left (as `Fuel::remaining`).
    left: i64,
    caps: &'a mut Vec<RawCapture>,
}

impl Fast<'_> {
    #[inline(always)]
    fn charge(&mut self, n: i64) {
        self.left = self.left.saturating_sub(n);
    }

    /// A nested call from an activation at `depth` (the state machine's stack length)
    /// passes its depth check (else the machine raises "pattern too complex").
    #[inline(always)]
    fn nest(depth: usize) -> Result<usize, GiveUp> {
        if depth.saturating_add(2) > MAX_MATCH_DEPTH {
            return Err(GiveUp);
        }
        Ok(depth + 1)
    }

    /// lstrlib's `match` from `s`, `p`, as an activation at `depth`.
    fn do_match(&mut self, mut s: usize, mut p: usize, depth: usize) -> R {
        let (subj, pat) = (self.subj, self.pat);
        let plen = pat.len();
        loop {
            // (The machine checks the fuel before every unit; a check per dispatch bounds
            // the work done after it ran out.)
            if self.left <= 0 {
                return Err(GiveUp);
            }
            self.charge(cost::MATCH_STEP);
            if p >= plen {
                return Ok(Some(s)); // end of pattern
            }
            match at(pat, p) {
                b'(' => {
                    return if at(pat, p + 1) == b')' {
                        self.start_capture(s, p + 2, CapLen::Position, depth)
                    } else {
                        self.start_capture(s, p + 1, CapLen::Unfinished, depth)
                    };
                }
                b')' => return self.end_capture(s, p + 1, depth),
                b'$' if p + 1 == plen => return Ok((s == subj.len()).then_some(s)),
                L_ESC => match at(pat, p + 1) {
                    b'b' => match self.balance(s, p)? {
                        Some(next) => {
                            (s, p) = (next, p + 4);
                            continue;
                        }
                        None => return Ok(None),
                    },
                    b'f' => {
                        let p2 = p + 2;
                        if at(pat, p2) != b'[' {
                            return Err(GiveUp);
                        }
                        let ep = class_end(pat, p2).map_err(|_| GiveUp)?;
                        self.charge(cost::work_floor(class_work(p2, ep).saturating_mul(2)));
                        let previous = if s == 0 { 0 } else { at(subj, s - 1) };
                        let current = at(subj, s);
                        let ec = ep.saturating_sub(1);
                        if !match_bracket_class(previous, pat, p2, ec)
                            && match_bracket_class(current, pat, p2, ec)
                        {
                            p = ep;
                            continue;
                        }
                        return Ok(None);
                    }
                    d @ b'0'..=b'9' => match self.back_ref(s, d)? {
                        Some(next) => {
                            (s, p) = (next, p + 2);
                            continue;
                        }
                        None => return Ok(None),
                    },
                    _ => {}
                },
                _ => {}
            }
            // default: pattern class plus optional suffix
            let ep = class_end(pat, p).map_err(|_| GiveUp)?;
            self.charge(cost::work_floor(class_work(p, ep)));
            let suffix = at(pat, ep);
            if !single_match(subj, s, pat, p, ep) {
                if matches!(suffix, b'*' | b'?' | b'-') {
                    p = ep + 1; // accept empty
                    continue;
                }
                return Ok(None); // '+' or no suffix
            }
            match suffix {
                b'?' => {
                    let r = self.do_match(s + 1, ep + 1, Self::nest(depth)?)?;
                    self.charge(cost::MATCH_STEP);
                    if r.is_some() {
                        return Ok(r);
                    }
                    p = ep + 1;
                }
                b'+' => return self.max_expand(s + 1, p, ep, depth),
                b'*' => return self.max_expand(s, p, ep, depth),
                b'-' => return self.min_expand(s, p, ep, depth),
                _ => (s, p) = (s + 1, ep),
            }
        }
    }

    fn start_capture(&mut self, s: usize, p: usize, what: CapLen, depth: usize) -> R {
        if self.caps.len() >= MAX_CAPTURES {
            return Err(GiveUp);
        }
        let inner = Self::nest(depth)?;
        push_capture(
            self.caps,
            RawCapture {
                start: s,
                len: what,
            },
        );
        let r = self.do_match(s, p, inner)?;
        self.charge(cost::MATCH_STEP);
        if r.is_none() {
            self.caps.pop(); // undo capture
        }
        Ok(r)
    }

    fn end_capture(&mut self, s: usize, p: usize, depth: usize) -> R {
        let l = self
            .caps
            .iter()
            .rposition(|c| c.len == CapLen::Unfinished)
            .ok_or(GiveUp)?;
        let inner = Self::nest(depth)?;
        let cap = self.caps.get_mut(l).ok_or(GiveUp)?;
        cap.len = CapLen::Len(s.checked_sub(cap.start).ok_or(GiveUp)?);
        let r = self.do_match(s, p, inner)?;
        self.charge(cost::MATCH_STEP);
        if r.is_none() {
            if let Some(cap) = self.caps.get_mut(l) {
                cap.len = CapLen::Unfinished;
            }
        }
        Ok(r)
    }

    /// `max_expand` for `pat[p..ep]` from `s`: the count (charged as the machine's chunks
    /// are), then the tries from the longest.
    fn max_expand(&mut self, s: usize, p: usize, ep: usize, depth: usize) -> R {
        let item = Item::decode(self.pat, p, ep);
        let rest = self.subj.get(s..).unwrap_or_default();
        let mut i = rest
            .iter()
            .position(|&c| !item.matches(c, self.pat))
            .unwrap_or(rest.len());
        self.charge(count_fuel(i + 1, class_work(p, ep)));
        let inner = Self::nest(depth)?;
        loop {
            let r = self.do_match(s + i, ep + 1, inner)?;
            self.charge(cost::MATCH_STEP);
            if r.is_some() || i == 0 {
                return Ok(r);
            }
            i -= 1; // reduce 1 repetition to try again
        }
    }

    /// `min_expand` for `pat[p..ep]` from `s`.
    fn min_expand(&mut self, mut s: usize, p: usize, ep: usize, depth: usize) -> R {
        let inner = Self::nest(depth)?;
        loop {
            let r = self.do_match(s, ep + 1, inner)?;
            self.charge(cost::MATCH_STEP);
            if r.is_some() {
                return Ok(r);
            }
            self.charge(cost::work_floor(class_work(p, ep)));
            if !single_match(self.subj, s, self.pat, p, ep) {
                return Ok(None);
            }
            s += 1; // try with one more repetition
        }
    }

    /// `matchbalance` for the `%bxy` at `p` from `s`: where the match goes on, if it does.
    /// Charged as the machine's chunks of [`cost::SCAN_CHUNK`] bytes (a multiple of
    /// [`cost::WORK_PER_FUEL`], so their sum is the work of all the bytes at once).
    fn balance(&mut self, s: usize, p: usize) -> R {
        let pat = self.pat;
        if p + 3 >= pat.len() {
            return Err(GiveUp); // missing arguments to '%b'
        }
        let (b, e) = (at(pat, p + 2), at(pat, p + 3));
        if self.subj.get(s) != Some(&b) {
            return Ok(None);
        }
        let mut cont = 1usize;
        let rest = self.subj.get(s + 1..).unwrap_or_default();
        for (k, &c) in rest.iter().enumerate() {
            if c == e {
                cont -= 1;
                if cont == 0 {
                    self.charge(cost::work(k + 1));
                    return Ok(Some(s + k + 2));
                }
            } else if c == b {
                cont += 1;
            }
        }
        self.charge(cost::work(rest.len()));
        Ok(None) // string ends out of balance
    }

    /// `%0`-`%9` at `s` (`check_capture`, `match_capture`): where the match goes on, if it
    /// does. The comparison is charged as the machine's chunks (see [`Fast::balance`]).
    fn back_ref(&mut self, s: usize, digit: u8) -> R {
        let l = usize::from(digit).wrapping_sub(usize::from(b'1'));
        let cap = match self.caps.get(l) {
            Some(c) if c.len != CapLen::Unfinished => *c,
            _ => return Err(GiveUp), // invalid capture index
        };
        let CapLen::Len(len) = cap.len else {
            return Ok(None); // a position capture
        };
        if self.subj.len().saturating_sub(s) < len {
            return Ok(None);
        }
        let have = self.subj.get(s..s + len).ok_or(GiveUp)?;
        let want = self
            .subj
            .get(cap.start..cap.start.checked_add(len).ok_or(GiveUp)?)
            .ok_or(GiveUp)?;
        match have.iter().zip(want).position(|(a, b)| a != b) {
            Some(k) => {
                self.charge(cost::work(k + 1));
                Ok(None)
            }
            None => {
                self.charge(cost::work(len));
                Ok(Some(s + len))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::matcher::{Attempt, Outcome};
    use super::*;
    use quickcheck::{QuickCheck, TestResult};

    /// Pattern pieces: items of every kind, long sets (a class test that costs fuel), and
    /// malformed ones.
    const TOKENS: &[&str] = &[
        "a",
        "b",
        ".",
        "%a",
        "%d",
        "%s",
        "[ab]",
        "[^a]",
        "[abcdefghijklmnopqrstuvwxyz_]",
        "[^abcdefghijklmnopqrstuvwxyz0123456789]",
        "*",
        "+",
        "-",
        "?",
        "*",
        "+",
        "-",
        "?",
        "(",
        ")",
        "(",
        ")",
        "()",
        "%1",
        "%2",
        "%0",
        "%b()",
        "%bab",
        "%f[a]",
        "%f[%w]",
        "$",
        "^",
        "%",
        "[",
        "x",
        " ",
    ];

    /// One attempt on the machine alone: its outcome (`None`: out of fuel or an error), its
    /// captures and the fuel left.
    fn machine(
        subj: &[u8],
        pat: &[u8],
        s: usize,
        fuel: i64,
    ) -> (Option<Option<usize>>, Vec<RawCapture>, i64) {
        let mut a = Attempt::new(s);
        let mut f = Fuel::new(fuel);
        match a.run_machine(subj, pat, &mut f) {
            Ok(Outcome::Finished(r)) => (Some(r), a.captures().to_vec(), f.remaining()),
            _ => (None, Vec::new(), f.remaining()),
        }
    }

    /// Where the fast path finishes, its result, captures and fuel are the machine's, for
    /// any fuel; where it gives up, it leaves no trace, and the machine with that fuel runs
    /// out or fails. Subjects have long runs, so counts and `%b` span several chunks.
    #[test]
    fn the_fast_path_is_the_machine_s() {
        fn prop(tokens: Vec<u8>, runs: Vec<(u8, u16)>, fuel: u16) -> TestResult {
            let pat: Vec<u8> = tokens
                .iter()
                .take(8)
                .flat_map(|&t| TOKENS[usize::from(t) % TOKENS.len()].bytes())
                .collect();
            let mut subj = Vec::new();
            for &(c, n) in runs.iter().take(6) {
                let c = b"ab( )x_1"[usize::from(c) % 8];
                subj.extend(std::iter::repeat_n(c, usize::from(n % 700)));
            }
            for s in [0, 1, subj.len() / 2, subj.len()] {
                let s = s.min(subj.len());
                for budget in [i64::MAX / 2, i64::from(fuel) + 1, i64::from(fuel % 40) + 1] {
                    let (want, want_caps, want_left) = machine(&subj, &pat, s, budget);
                    let mut caps = Vec::new();
                    let mut f = Fuel::new(budget);
                    match attempt(&subj, &pat, s, &mut caps, &mut f) {
                        Some(r) => {
                            if want != Some(r) || caps != want_caps || f.remaining() != want_left {
                                return TestResult::error(format!(
                                    "{:?} at {s} with {budget}: {r:?} {caps:?} {} vs \
                                     {want:?} {want_caps:?} {want_left}",
                                    String::from_utf8_lossy(&pat),
                                    f.remaining()
                                ));
                            }
                        }
                        None => {
                            if !caps.is_empty() || f.remaining() != budget {
                                return TestResult::error("a give-up left a trace");
                            }
                            if budget == i64::MAX / 2 && want.is_some() {
                                return TestResult::error(format!(
                                    "{:?} at {s}: gave up where the machine finished",
                                    String::from_utf8_lossy(&pat)
                                ));
                            }
                        }
                    }
                }
            }
            TestResult::passed()
        }
        QuickCheck::new()
            .tests(3000)
            .quickcheck(prop as fn(Vec<u8>, Vec<(u8, u16)>, u16) -> TestResult);
    }

    /// `count_fuel` is what `max_count`'s loop charges, chunk by chunk.
    #[test]
    fn count_fuel_is_the_chunked_loop_s() {
        for per in [1, 2, 3, 5, 7, 16, 17, 100, 255, 256, 257, 600] {
            for tests in 0..2000 {
                let (mut fuel, mut work, mut done) = (0i64, 0usize, 0usize);
                while done < tests {
                    if work >= cost::SCAN_CHUNK {
                        fuel += cost::work(work);
                        work = 0;
                    }
                    work += per;
                    done += 1;
                }
                fuel += cost::work(work);
                assert_eq!(count_fuel(tests, per), fuel, "{tests} tests of {per}");
            }
        }
    }
}
