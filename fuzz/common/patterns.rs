//! The `patterns` fuzz target's check, shared with the corpus replay in `tests/fuzz_corpus.rs`
//! (both include this file with `#[path]`): the `sequences` pattern engine against a plain
//! reference matcher, on arbitrary patterns and subjects, under arbitrary fuel slicing.
//!
//! Design note. The reference is the obvious recursive transcription of `lstrlib.c`'s
//! `match` (5.4.4), errors included and raised at the same moment (Lua checks a pattern
//! lazily, as the matcher reaches each piece, so a malformed tail that is never reached is
//! no error). It has no fuel, no explicit stack and no state to save, which is what makes it
//! easy to trust; the engine is a resumable state machine. Both give the Lua-visible results
//! of `find`, `find` plain, `match`, `gmatch` (every iteration) and `gsub` with a replacement
//! string (or "keep" answers, as a function returning nil gives): values, `fail`, or the error
//! message. The engine runs twice: with one large budget, and in slices of a few fuel each
//! with its state serialized and restored between slices; results and total fuel charged must
//! be equal (fuel charged never depends on slicing).
#![allow(dead_code)]

use sequences::pattern::{
    expand_replacement, start_offset, Capture, Find, FindKind, GMatch, Gsub, Match, PatternError,
    Replacement,
};
use sequences::{Fuel, Step};

/// A Lua value a pattern function returns.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    /// A string.
    Str(Vec<u8>),
    /// An integer (positions, counts, position captures).
    Int(i64),
    /// `fail`.
    Nil,
    /// Between two `gmatch` iterations.
    Next,
}

/// What a call returned: its values, or the error message.
pub type Outcome = Result<Vec<Val>, String>;

/// The library function exercised.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    /// `string.find(s, p, init)`.
    Find,
    /// `string.find(s, p, init, true)`.
    PlainFind,
    /// `string.match(s, p, init)`.
    Match,
    /// Every iteration of `string.gmatch(s, p, init)`.
    GMatch,
    /// `string.gsub(s, p, repl, max)` with a replacement string.
    Gsub,
    /// `string.gsub(s, p, f, max)` with `f` returning nil for odd-numbered matches and the
    /// replacement string otherwise.
    GsubKeep,
}

/// One decoded input.
#[derive(Clone, Debug)]
pub struct Case {
    /// The function.
    pub op: Op,
    /// The subject.
    pub subject: Vec<u8>,
    /// The pattern.
    pub pattern: Vec<u8>,
    /// Lua's `init` argument (find, match, gmatch).
    pub init: i64,
    /// The gsub replacement string.
    pub repl: Vec<u8>,
    /// gsub's `max` argument (`None`: the default, `#s + 1`).
    pub max: Option<i64>,
    /// Fuel slices for the sliced run (cycled).
    pub slices: Vec<i64>,
}

/// Pieces patterns are made of, so most inputs are (nearly) well-formed patterns.
const PIECES: &[&str] = &[
    "a", "b", "x", ".", "%a", "%d", "%s", "%w", "%p", "%u", "%l", "%c", "%x", "%g", "%z", "%A",
    "%D", "%S", "%.", "%%", "*", "+", "-", "?", "(", ")", "()", "[", "]", "[ab]", "[^a]", "[a-c]",
    "[%d%a]", "[%]]", "[]", "[^]", "^", "$", "%b()", "%bab", "%f[%w]", "%f[^a]", "%f", "%1", "%2",
    "%0", "%", "%b", "[a-", "(a)", "((b))", "a*", "b+", "x?", ".-", "%d+", "\0",
];
/// Bytes subjects are made of.
const SUBJECT: &[u8] = b"aabx()1 2.%-]^$\0Zb(a)";
/// Replacement strings for gsub.
const REPLS: &[&str] = &[
    "", "%0", "<%1>", "%2%1", "%%", "x", "%", "%x", "[%0|%1]", "%9",
];

/// Decodes fuzz bytes into a case.
pub fn decode(data: &[u8]) -> Case {
    let mut it = data.iter().copied();
    let mut next = move || it.next().unwrap_or(0);
    let op = match next() % 6 {
        0 => Op::Find,
        1 => Op::PlainFind,
        2 => Op::Match,
        3 => Op::GMatch,
        4 => Op::Gsub,
        _ => Op::GsubKeep,
    };
    let init = i64::from(next() % 16) - 4;
    let repl = REPLS[usize::from(next()) % REPLS.len()].as_bytes().to_vec();
    let max = match next() % 4 {
        0 => None,
        n => Some(i64::from(n) - 2),
    };
    let slices = (0..3).map(|_| 1 + i64::from(next() % 8)).collect();
    let mut pattern = Vec::new();
    for _ in 0..next() % 32 {
        let b = next();
        if b >= 0xF0 {
            pattern.push(next());
        } else {
            pattern.extend_from_slice(PIECES[usize::from(b) % PIECES.len()].as_bytes());
        }
    }
    let mut subject = Vec::new();
    for _ in 0..next() % 48 {
        subject.push(SUBJECT[usize::from(next()) % SUBJECT.len()]);
    }
    Case {
        op,
        subject,
        pattern,
        init,
        repl,
        max,
        slices,
    }
}

/// The check: panics (a fuzz finding) when the engine and the reference disagree, or when
/// slicing changes results or fuel.
pub fn check(data: &[u8]) {
    let case = decode(data);
    // Backtracking is exponential in the worst case (in Lua too): cases over the work
    // bounds prove nothing and are skipped.
    let Some(expected) = reference(&case) else {
        return;
    };
    let (whole, fuel_whole) = engine(&case, None);
    if whole == Err(PatternError::Corrupt(TOO_LONG).to_string()) {
        return;
    }
    if fuel_whole > SLICED_MAX {
        return;
    }
    assert_eq!(whole, expected, "engine vs reference for {case:?}");
    let (sliced, fuel_sliced) = engine(&case, Some(&case.slices));
    assert_eq!(sliced, whole, "sliced vs whole for {case:?}");
    assert_eq!(fuel_sliced, fuel_whole, "fuel sliced vs whole for {case:?}");
}

// ---------------------------------------------------------------------------------------
// The engine, driven as the string library drives it.

/// Runs the engine; returns the outcome and the total fuel charged.
pub fn engine(case: &Case, slices: Option<&[i64]>) -> (Outcome, i64) {
    let mut d = Driver {
        slices,
        turn: 0,
        charged: 0,
    };
    let out = run_engine(case, &mut d);
    (out, d.charged)
}

struct Driver<'a> {
    slices: Option<&'a [i64]>,
    turn: usize,
    charged: i64,
}

/// Budget of the unsliced run; a case that needs more is skipped.
const BIG: i64 = 100_000;
/// Largest fuel of a case also run in small slices (each slice serializes the state).
const SLICED_MAX: i64 = 10_000;
/// The unsliced run's error when [`BIG`] is not enough.
const TOO_LONG: &str = "over the work bound";
/// Reference matcher steps after which a case is skipped.
const REFERENCE_MAX: usize = 200_000;

impl Driver<'_> {
    /// Steps `seq` until it is not out of fuel, round-tripping its state through bytes
    /// between slices.
    fn drive<S, T, R>(
        &mut self,
        seq: &mut S,
        mut step: impl FnMut(&mut S, &mut Fuel) -> Result<Step<T, R>, PatternError>,
    ) -> Result<Step<T, R>, PatternError>
    where
        S: serde::Serialize + serde::de::DeserializeOwned,
    {
        loop {
            let budget = match self.slices {
                None => BIG,
                Some(s) => s[self.turn % s.len()],
            };
            self.turn += 1;
            let mut fuel = Fuel::new(budget);
            let r = step(seq, &mut fuel);
            self.charged += budget - fuel.remaining();
            match r {
                Ok(Step::NeedFuel) => {
                    if self.slices.is_none() || self.charged > BIG {
                        return Err(PatternError::Corrupt(TOO_LONG));
                    }
                    let bytes =
                        rmp_serde::to_vec(seq).map_err(|_| PatternError::Corrupt("save"))?;
                    *seq = rmp_serde::from_slice(&bytes)
                        .map_err(|_| PatternError::Corrupt("restore"))?;
                }
                other => return other,
            }
        }
    }
}

fn caps(subject: &[u8], caps: Result<Vec<Capture>, PatternError>) -> Result<Vec<Val>, String> {
    let caps = caps.map_err(|e| e.to_string())?;
    Ok(caps
        .iter()
        .map(|c| match c {
            Capture::Position(_) => Val::Int(c.lua_position().unwrap_or(-1)),
            Capture::Substring { .. } => Val::Str(c.bytes(subject).unwrap_or(b"?").to_vec()),
        })
        .collect())
}

fn run_engine(case: &Case, d: &mut Driver<'_>) -> Outcome {
    let (s, p) = (&case.subject[..], &case.pattern[..]);
    let err = |e: PatternError| e.to_string();
    match case.op {
        Op::Find | Op::PlainFind | Op::Match => {
            let init = start_offset(case.init, s.len());
            if init > s.len() {
                return Ok(vec![Val::Nil]);
            }
            let kind = match case.op {
                Op::Find => FindKind::Find,
                Op::PlainFind => FindKind::PlainFind,
                _ => FindKind::Match,
            };
            let mut find = Find::new(kind, s.len(), p.len(), init);
            let r = d
                .drive(&mut find, |f, fuel| f.step(s, p, fuel))
                .map_err(err)?;
            match r {
                Step::Done(None) => Ok(vec![Val::Nil]),
                Step::Done(Some(m)) if case.op == Op::Match => caps(s, m.match_captures()),
                Step::Done(Some(m)) => {
                    let mut v = vec![Val::Int(m.start as i64 + 1), Val::Int(m.end as i64)];
                    v.extend(caps(s, m.find_captures())?);
                    Ok(v)
                }
                _ => Err("unexpected step".into()),
            }
        }
        Op::GMatch => {
            let init = start_offset(case.init, s.len());
            let mut gm = GMatch::new(s.len(), p.len(), init);
            let mut out = Vec::new();
            loop {
                match d
                    .drive(&mut gm, |g, fuel| g.step(s, p, fuel))
                    .map_err(err)?
                {
                    Step::Done(Some(m)) => {
                        out.extend(caps(s, m.match_captures())?);
                        out.push(Val::Next);
                    }
                    Step::Done(None) => return Ok(out),
                    _ => return Err("unexpected step".into()),
                }
            }
        }
        Op::Gsub | Op::GsubKeep => {
            let max = case.max.unwrap_or(s.len() as i64 + 1);
            let mut gs = Gsub::new(s.len(), p.len(), max);
            let mut asked = 0;
            loop {
                match d
                    .drive(&mut gs, |g, fuel| g.step(s, p, fuel))
                    .map_err(err)?
                {
                    Step::Need(req) => {
                        asked += 1;
                        let reply = if case.op == Op::GsubKeep && asked % 2 == 1 {
                            Replacement::Keep
                        } else {
                            let mut out = Vec::new();
                            let mut fuel = Fuel::new(BIG);
                            expand_replacement(&case.repl, &req.m, s, &mut out, &mut fuel)
                                .map_err(err)?;
                            d.charged += BIG - fuel.remaining();
                            Replacement::Bytes(out)
                        };
                        gs.answer(reply).map_err(err)?;
                    }
                    Step::Done(r) => {
                        let text = r.output.unwrap_or_else(|| s.to_vec());
                        return Ok(vec![Val::Str(text), Val::Int(r.count)]);
                    }
                    Step::NeedFuel => return Err("unexpected step".into()),
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The reference: lstrlib.c's matcher, recursive, as plainly as possible.

/// lstrlib's `MAXCCALLS`.
const MAXCCALLS: usize = 200;
/// lstrlib's `LUA_MAXCAPTURES`.
const MAXCAPTURES: usize = 32;

#[derive(Clone, Copy, Debug, PartialEq)]
enum CapL {
    Unfinished,
    Position,
    Len(usize),
}

struct Ms<'a> {
    src: &'a [u8],
    pat: &'a [u8],
    depth: usize,
    /// `match` activations so far, over the whole call (bounded by [`REFERENCE_MAX`]).
    steps: usize,
    caps: Vec<(usize, CapL)>,
}

type R<T> = Result<T, String>;

fn lua_err(e: PatternError) -> String {
    e.to_string()
}

impl Ms<'_> {
    /// The pattern byte at `i`, or NUL past the end (C strings are NUL-terminated).
    fn p(&self, i: usize) -> u8 {
        self.pat.get(i).copied().unwrap_or(0)
    }
    /// The subject byte at `i`, or NUL past the end.
    fn s(&self, i: usize) -> u8 {
        self.src.get(i).copied().unwrap_or(0)
    }

    fn class_end(&self, mut p: usize) -> R<usize> {
        let c = self.p(p);
        p += 1;
        if c == b'%' {
            if p >= self.pat.len() {
                return Err(lua_err(PatternError::EndsWithPercent));
            }
            return Ok(p + 1);
        }
        if c == b'[' {
            if self.p(p) == b'^' {
                p += 1;
            }
            loop {
                if p >= self.pat.len() {
                    return Err(lua_err(PatternError::MissingBracket));
                }
                let c = self.p(p);
                p += 1;
                if c == b'%' && p < self.pat.len() {
                    p += 1;
                }
                if self.p(p) == b']' {
                    break;
                }
            }
            return Ok(p + 1);
        }
        Ok(p)
    }

    fn single_match(&self, s: usize, p: usize, ep: usize) -> bool {
        if s >= self.src.len() {
            return false;
        }
        let c = self.src[s];
        match self.p(p) {
            b'.' => true,
            b'%' => match_class(c, self.p(p + 1)),
            b'[' => self.bracket(c, p, ep - 1),
            pc => pc == c,
        }
    }

    /// `matchbracketclass`: `p` at `[`, `ec` at the closing `]`.
    fn bracket(&self, c: u8, mut p: usize, ec: usize) -> bool {
        let mut sig = true;
        if self.p(p + 1) == b'^' {
            sig = false;
            p += 1;
        }
        loop {
            p += 1;
            if p >= ec {
                break;
            }
            if self.p(p) == b'%' {
                p += 1;
                if match_class(c, self.p(p)) {
                    return sig;
                }
            } else if self.p(p + 1) == b'-' && p + 2 < ec {
                p += 2;
                if self.p(p - 2) <= c && c <= self.p(p) {
                    return sig;
                }
            } else if self.p(p) == c {
                return sig;
            }
        }
        !sig
    }

    fn do_match(&mut self, s: usize, p: usize) -> R<Option<usize>> {
        self.steps += 1;
        if self.steps > REFERENCE_MAX {
            return Err(TOO_LONG.to_string());
        }
        if self.depth == 0 {
            return Err(lua_err(PatternError::TooComplex));
        }
        self.depth -= 1;
        let r = self.match_body(s, p);
        self.depth += 1;
        r
    }

    fn match_body(&mut self, mut s: usize, mut p: usize) -> R<Option<usize>> {
        loop {
            if p == self.pat.len() {
                return Ok(Some(s));
            }
            match self.p(p) {
                b'(' => {
                    return if self.p(p + 1) == b')' {
                        self.start_capture(s, p + 2, CapL::Position)
                    } else {
                        self.start_capture(s, p + 1, CapL::Unfinished)
                    };
                }
                b')' => return self.end_capture(s, p + 1),
                b'$' if p + 1 == self.pat.len() => {
                    return Ok((s == self.src.len()).then_some(s));
                }
                b'%' if self.p(p + 1) == b'b' => match self.balance(s, p + 2)? {
                    Some(e) => {
                        s = e;
                        p += 4;
                        continue;
                    }
                    None => return Ok(None),
                },
                b'%' if self.p(p + 1) == b'f' => {
                    p += 2;
                    if self.p(p) != b'[' {
                        return Err(lua_err(PatternError::MissingFrontierBracket));
                    }
                    let ep = self.class_end(p)?;
                    let prev = if s == 0 { 0 } else { self.s(s - 1) };
                    if !self.bracket(prev, p, ep - 1) && self.bracket(self.s(s), p, ep - 1) {
                        p = ep;
                        continue;
                    }
                    return Ok(None);
                }
                b'%' if self.p(p + 1).is_ascii_digit() => {
                    match self.match_capture(s, self.p(p + 1))? {
                        Some(e) => {
                            s = e;
                            p += 2;
                            continue;
                        }
                        None => return Ok(None),
                    }
                }
                _ => {
                    let ep = self.class_end(p)?;
                    let next = self.p(ep);
                    if !self.single_match(s, p, ep) {
                        if next == b'*' || next == b'?' || next == b'-' {
                            p = ep + 1;
                            continue;
                        }
                        return Ok(None);
                    }
                    match next {
                        b'?' => {
                            if let Some(r) = self.do_match(s + 1, ep + 1)? {
                                return Ok(Some(r));
                            }
                            p = ep + 1;
                        }
                        b'+' => return self.max_expand(s + 1, p, ep),
                        b'*' => return self.max_expand(s, p, ep),
                        b'-' => return self.min_expand(s, p, ep),
                        _ => {
                            s += 1;
                            p = ep;
                        }
                    }
                }
            }
        }
    }

    fn max_expand(&mut self, s: usize, p: usize, ep: usize) -> R<Option<usize>> {
        let mut i = 0;
        while self.single_match(s + i, p, ep) {
            i += 1;
        }
        loop {
            if let Some(r) = self.do_match(s + i, ep + 1)? {
                return Ok(Some(r));
            }
            if i == 0 {
                return Ok(None);
            }
            i -= 1;
        }
    }

    fn min_expand(&mut self, mut s: usize, p: usize, ep: usize) -> R<Option<usize>> {
        loop {
            if let Some(r) = self.do_match(s, ep + 1)? {
                return Ok(Some(r));
            }
            if self.single_match(s, p, ep) {
                s += 1;
            } else {
                return Ok(None);
            }
        }
    }

    fn start_capture(&mut self, s: usize, p: usize, what: CapL) -> R<Option<usize>> {
        if self.caps.len() >= MAXCAPTURES {
            return Err(lua_err(PatternError::TooManyCaptures));
        }
        self.caps.push((s, what));
        let r = self.do_match(s, p)?;
        if r.is_none() {
            self.caps.pop();
        }
        Ok(r)
    }

    fn end_capture(&mut self, s: usize, p: usize) -> R<Option<usize>> {
        let Some(l) = self.caps.iter().rposition(|c| c.1 == CapL::Unfinished) else {
            return Err(lua_err(PatternError::InvalidPatternCapture));
        };
        self.caps[l].1 = CapL::Len(s - self.caps[l].0);
        let r = self.do_match(s, p)?;
        if r.is_none() {
            self.caps[l].1 = CapL::Unfinished;
        }
        Ok(r)
    }

    fn match_capture(&self, s: usize, digit: u8) -> R<Option<usize>> {
        let l = i32::from(digit) - i32::from(b'1');
        let cap = usize::try_from(l).ok().and_then(|l| self.caps.get(l));
        match cap {
            Some(&(start, CapL::Len(len))) => {
                let ok = self.src.len() - s >= len
                    && self.src[start..start + len] == self.src[s..s + len];
                Ok(ok.then_some(s + len))
            }
            Some(&(_, CapL::Position)) => Ok(None),
            _ => Err(lua_err(PatternError::InvalidCaptureIndex(l + 1))),
        }
    }

    fn balance(&self, s: usize, p: usize) -> R<Option<usize>> {
        if p + 1 >= self.pat.len() {
            return Err(lua_err(PatternError::MissingBalanceArgs));
        }
        if self.s(s) != self.p(p) {
            return Ok(None);
        }
        let (b, e) = (self.p(p), self.p(p + 1));
        let mut cont = 1;
        let mut s = s;
        loop {
            s += 1;
            if s >= self.src.len() {
                return Ok(None);
            }
            let c = self.src[s];
            if c == e {
                cont -= 1;
                if cont == 0 {
                    return Ok(Some(s + 1));
                }
            } else if c == b {
                cont += 1;
            }
        }
    }

    /// `get_onecapture` for a match `s..e`.
    fn one_capture(&self, i: usize, s: usize, e: usize) -> R<Val> {
        match self.caps.get(i) {
            None if i == 0 => Ok(Val::Str(self.src[s..e].to_vec())),
            None => Err(lua_err(PatternError::InvalidCaptureIndex(i as i32 + 1))),
            Some(&(_, CapL::Unfinished)) => Err(lua_err(PatternError::UnfinishedCapture)),
            Some(&(start, CapL::Position)) => Ok(Val::Int(start as i64 + 1)),
            Some(&(start, CapL::Len(len))) => Ok(Val::Str(self.src[start..start + len].to_vec())),
        }
    }

    /// `push_captures`: every capture, or the whole match when there is none and `whole`.
    fn captures(&self, s: usize, e: usize, whole: bool) -> R<Vec<Val>> {
        let n = if self.caps.is_empty() && whole {
            1
        } else {
            self.caps.len()
        };
        (0..n).map(|i| self.one_capture(i, s, e)).collect()
    }

    fn reset(&mut self) {
        self.caps.clear();
        self.depth = MAXCCALLS;
    }
}

/// `match_class` in the C locale, `%z` included (5.4 keeps it).
fn match_class(c: u8, cl: u8) -> bool {
    let res = match cl.to_ascii_lowercase() {
        b'a' => c.is_ascii_alphabetic(),
        b'c' => c.is_ascii_control(),
        b'd' => c.is_ascii_digit(),
        b'g' => c.is_ascii_graphic(),
        b'l' => c.is_ascii_lowercase(),
        b'p' => c.is_ascii_punctuation(),
        b's' => c == b' ' || (9..=13).contains(&c),
        b'u' => c.is_ascii_uppercase(),
        b'w' => c.is_ascii_alphanumeric(),
        b'x' => c.is_ascii_hexdigit(),
        b'z' => c == 0,
        _ => return cl == c,
    };
    if cl.is_ascii_uppercase() {
        !res
    } else {
        res
    }
}

/// lstrlib's `posrelatI(init, len) - 1`, by its definition.
fn init0(init: i64, len: usize) -> usize {
    let len = len as i64;
    let pos = if init > 0 {
        init
    } else if init == 0 || init < -len {
        1
    } else {
        len + init + 1
    };
    (pos - 1) as usize
}

/// The Lua-visible result of the case by the reference matcher (`None` past its work bound).
pub fn reference(case: &Case) -> Option<Outcome> {
    let s = &case.subject[..];
    let full = &case.pattern[..];
    let mut ms = Ms {
        src: s,
        pat: full,
        depth: MAXCCALLS,
        steps: 0,
        caps: Vec::new(),
    };
    let r = reference_with(case, &mut ms);
    if ms.steps > REFERENCE_MAX {
        return None;
    }
    Some(r)
}

fn reference_with<'a>(case: &'a Case, ms: &mut Ms<'a>) -> Outcome {
    let s = &case.subject[..];
    let full = &case.pattern[..];
    match case.op {
        Op::Find | Op::PlainFind | Op::Match => {
            let init = init0(case.init, s.len());
            if init > s.len() {
                return Ok(vec![Val::Nil]);
            }
            let find = case.op != Op::Match;
            let specials = full.iter().any(|c| b"^$*+?.([%-".contains(c));
            if find && (case.op == Op::PlainFind || !specials) {
                let hay = &s[init..];
                let at = if full.is_empty() {
                    Some(0)
                } else {
                    hay.windows(full.len()).position(|w| w == full)
                };
                return Ok(match at {
                    Some(i) => vec![
                        Val::Int((init + i + 1) as i64),
                        Val::Int((init + i + full.len()) as i64),
                    ],
                    None => vec![Val::Nil],
                });
            }
            let anchor = full.first() == Some(&b'^');
            ms.pat = &full[usize::from(anchor)..];
            let mut s1 = init;
            loop {
                ms.reset();
                if let Some(e) = ms.do_match(s1, 0)? {
                    return if find {
                        let mut v = vec![Val::Int(s1 as i64 + 1), Val::Int(e as i64)];
                        v.extend(ms.captures(s1, e, false)?);
                        Ok(v)
                    } else {
                        ms.captures(s1, e, true)
                    };
                }
                s1 += 1;
                if s1 > s.len() || anchor {
                    return Ok(vec![Val::Nil]);
                }
            }
        }
        Op::GMatch => {
            let mut src = init0(case.init, s.len()).min(s.len() + 1);
            let mut last = None;
            let mut out = Vec::new();
            while src <= s.len() {
                ms.reset();
                match ms.do_match(src, 0)? {
                    Some(e) if Some(e) != last => {
                        out.extend(ms.captures(src, e, true)?);
                        out.push(Val::Next);
                        src = e;
                        last = Some(e);
                    }
                    _ => src += 1,
                }
            }
            Ok(out)
        }
        Op::Gsub | Op::GsubKeep => {
            let anchor = full.first() == Some(&b'^');
            ms.pat = &full[usize::from(anchor)..];
            let max = case.max.unwrap_or(s.len() as i64 + 1);
            let (mut src, mut last, mut n, mut changed) = (0, None, 0, false);
            let mut buf = Vec::new();
            while n < max {
                ms.reset();
                match ms.do_match(src, 0)? {
                    Some(e) if Some(e) != last => {
                        n += 1;
                        if case.op == Op::GsubKeep && n % 2 == 1 {
                            buf.extend_from_slice(&s[src..e]);
                        } else {
                            changed = true;
                            add_s(ms, &case.repl, src, e, &mut buf)?;
                        }
                        src = e;
                        last = Some(e);
                    }
                    _ if src < s.len() => {
                        buf.push(s[src]);
                        src += 1;
                    }
                    _ => break,
                }
                if anchor {
                    break;
                }
            }
            if !changed {
                return Ok(vec![Val::Str(s.to_vec()), Val::Int(n)]);
            }
            buf.extend_from_slice(&s[src..]);
            Ok(vec![Val::Str(buf), Val::Int(n)])
        }
    }
}

/// lstrlib's `add_s`: a replacement string expanded for match `s..e`.
fn add_s(ms: &Ms<'_>, repl: &[u8], s: usize, e: usize, buf: &mut Vec<u8>) -> R<()> {
    let mut i = 0;
    while i < repl.len() {
        let c = repl[i];
        if c != b'%' {
            buf.push(c);
            i += 1;
            continue;
        }
        let d = repl.get(i + 1).copied().unwrap_or(0);
        if d == b'%' {
            buf.push(b'%');
        } else if d == b'0' {
            buf.extend_from_slice(&ms.src[s..e]);
        } else if d.is_ascii_digit() {
            match ms.one_capture(usize::from(d - b'1'), s, e)? {
                Val::Str(b) => buf.extend_from_slice(&b),
                Val::Int(n) => buf.extend_from_slice(n.to_string().as_bytes()),
                _ => {}
            }
        } else {
            return Err(lua_err(PatternError::InvalidReplacementEscape));
        }
        i += 2;
    }
    Ok(())
}

/// Matches `m` against the reference (unused by the check; kept for debugging findings).
pub fn show(m: &Match) -> String {
    format!("{}..{} {:?}", m.start, m.end, m.captures)
}
