//! The `patterns` fuzz target's check, shared with the corpus replay in `tests/fuzz_corpus.rs`
//! (both include this file with `#[path]`): the `sequences` pattern engine against a plain
//! reference matcher, on arbitrary patterns and subjects, under arbitrary fuel slicing.
//!
//! Design note. The reference and the engine's drivers are the `sequences` crate's own test
//! harness (`sequences/tests/common/`, included below): the reference is the recursive
//! transcription of `lstrlib.c`'s `match` (5.4.4) its property tests trust, errors included
//! and raised at the same moment; the drivers run the resumable engine as the string library
//! does. So there is one reference matcher, and a finding here is a case the property tests
//! can replay. What this file adds is the decoding of fuzz bytes into cases that are mostly
//! well-formed patterns, and the bounds: backtracking is exponential (in Lua too), so cases
//! past the reference's step limit are skipped, and only cheap ones are also run in slices of
//! a few fuel each with the state serialized and restored between slices. Results, and the
//! total fuel charged, must not depend on the slicing.
#![allow(dead_code)]

#[path = "../../sequences/tests/common/mod.rs"]
mod harness;

use harness::reference::{self, Repl, OVER_STEP_LIMIT};
use harness::Schedule;
use sequences::pattern::start_offset;

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
    /// `string.gsub(s, p, f, max)` with the harness's function of the captures (which
    /// returns nil, keeping the match, for some of them).
    GsubFunction,
    /// `string.gsub(s, p, t, max)` with the harness's table indexed by the first capture.
    GsubTable,
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
    pub slices: Vec<u8>,
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
    let op = match next() % 7 {
        0 => Op::Find,
        1 => Op::PlainFind,
        2 => Op::Match,
        3 => Op::GMatch,
        4 => Op::Gsub,
        5 => Op::GsubFunction,
        _ => Op::GsubTable,
    };
    let init = i64::from(next() % 16) - 4;
    let repl = REPLS[usize::from(next()) % REPLS.len()].as_bytes().to_vec();
    let max = match next() % 4 {
        0 => None,
        n => Some(i64::from(n) - 2),
    };
    let slices = (0..3).map(|_| next()).collect();
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

/// `match` activations of the reference after which a case is skipped.
const REFERENCE_MAX: usize = 20_000;
/// Largest fuel of a case also run in small slices (each slice serializes the state).
const SLICED_MAX: i64 = 10_000;

/// A call's Lua-visible outcome, whichever function it was.
#[derive(Debug, PartialEq)]
enum Outcome {
    Find(Result<reference::FindOut, String>),
    Match(Result<Option<Vec<reference::Val>>, String>),
    GMatch((Vec<Vec<reference::Val>>, Option<String>)),
    Gsub(Result<(Vec<u8>, i64), String>),
}

impl Outcome {
    /// Whether the reference gave up at its step limit.
    fn over_limit(&self) -> bool {
        let limit = Some(OVER_STEP_LIMIT);
        match self {
            Outcome::Find(r) => r.as_ref().err().map(String::as_str) == limit,
            Outcome::Match(r) => r.as_ref().err().map(String::as_str) == limit,
            Outcome::GMatch((_, e)) => e.as_deref() == limit,
            Outcome::Gsub(r) => r.as_ref().err().map(String::as_str) == limit,
        }
    }
}

/// The check: panics (a fuzz finding) when the engine and the reference disagree, or when
/// slicing changes results or fuel.
pub fn check(data: &[u8]) {
    let case = decode(data);
    reference::set_step_limit(REFERENCE_MAX);
    let expected = run(&case, None);
    if expected.0.over_limit() {
        return;
    }
    let whole = run(&case, Some(&Schedule::oneshot()));
    assert_eq!(whole.0, expected.0, "engine vs reference for {case:?}");
    if whole.1 > SLICED_MAX {
        return;
    }
    let sliced = run(&case, Some(&Schedule::sliced(&case.slices, true)));
    assert_eq!(sliced.0, whole.0, "sliced vs whole for {case:?}");
    assert_eq!(sliced.1, whole.1, "fuel sliced vs whole for {case:?}");
}

/// lstrlib's `posrelatI(init, len) - 1`, by its definition (the engine side uses the crate's
/// `start_offset`, so the two are checked against each other too).
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

/// Runs the case through the reference (`sched` is `None`) or the engine under `sched`;
/// returns the outcome and the fuel the engine charged.
fn run(case: &Case, sched: Option<&Schedule>) -> (Outcome, i64) {
    let (s, p) = (&case.subject[..], &case.pattern[..]);
    let init = match sched {
        None => init0(case.init, s.len()),
        Some(_) => start_offset(case.init, s.len()),
    };
    let repl = match case.op {
        Op::GsubFunction => Repl::Function,
        Op::GsubTable => Repl::Table,
        _ => Repl::Template(case.repl.clone()),
    };
    let max = case.max.unwrap_or(s.len() as i64 + 1);
    match (case.op, sched) {
        (Op::Find | Op::PlainFind, None) => {
            let plain = case.op == Op::PlainFind;
            (Outcome::Find(reference::find(s, p, init, plain)), 0)
        }
        // The library answers `fail` before starting a search past the end.
        (Op::Find | Op::PlainFind, Some(_)) if init > s.len() => (Outcome::Find(Ok(None)), 0),
        (Op::Find | Op::PlainFind, Some(sc)) => {
            let (r, fuel) = harness::find(s, p, init, case.op == Op::PlainFind, sc);
            (Outcome::Find(r), fuel)
        }
        (Op::Match, None) => (Outcome::Match(reference::str_match(s, p, init)), 0),
        (Op::Match, Some(_)) if init > s.len() => (Outcome::Match(Ok(None)), 0),
        (Op::Match, Some(sc)) => {
            let (r, fuel) = harness::str_match(s, p, init, sc);
            (Outcome::Match(r), fuel)
        }
        (Op::GMatch, None) => (Outcome::GMatch(reference::gmatch(s, p, init)), 0),
        (Op::GMatch, Some(sc)) => {
            let (r, fuel) = harness::gmatch(s, p, init.min(s.len() + 1), sc);
            (Outcome::GMatch(r), fuel)
        }
        (_, None) => (Outcome::Gsub(reference::gsub(s, p, &repl, max)), 0),
        (_, Some(sc)) => {
            let (r, fuel) = harness::gsub(s, p, &repl, max, sc);
            (Outcome::Gsub(r), fuel)
        }
    }
}
