//! Properties of the pattern sequences: for arbitrary subjects, patterns and fuel slicings
//! (with a serde round trip between any two steps), the result and the fuel used equal a
//! one-shot run, and the result equals the plain recursive reference port of lstrlib.c.

mod common;

use common::reference::{self, Repl};
use common::{find, gmatch, gsub, str_match, Schedule};
use quickcheck::{Arbitrary, Gen, QuickCheck};
use reference::table_policy;
use sequences::pattern::{
    expand_replacement, gsub_whole, Find, FindKind, GMatch, Gsub, Match, Replacement, WholeHost,
};
use sequences::{Fuel, Step};

/// Common items (repeated to weigh them up), then rarer and malformed ones.
const PATTERN_TOKENS: &[&str] = &[
    "a", "b", "a", "b", "a", "b", ".", ".", "%a", "%d", "%s", "%w", "%A", "%.", "%%", "[ab]",
    "[^a]", "[a-c]", "[%d)]", "[]]", "[^]a]", "*", "+", "-", "?", "*", "+", "-", "?", "(", ")",
    "(", ")", "(", ")", "()", "%1", "%1", "%2", "%0", "%b()", "%bab", "%f[a]", "%f[%w]", "%f[^%s]",
    "^", "$", "%", "[", "]", "x", "1", " ", "%z", "%f", "%b", "%b(",
];

const SUBJECT_BYTES: &[u8] = b"aaaabbb((()))ab1 .x%\0";

const TEMPLATE_TOKENS: &[&str] = &["x", "%0", "%1", "%2", "%%", "y", "%3", "-", "%a", "%"];

#[derive(Clone, Debug)]
struct Pat(Vec<u8>);

/// Token soup: finds malformed patterns and odd corners.
fn soup(g: &mut Gen) -> Vec<u8> {
    let n = usize::arbitrary(g) % 7;
    let mut p = vec![];
    for _ in 0..n {
        if u8::arbitrary(g) % 32 == 0 {
            p.push(u8::arbitrary(g));
        } else {
            p.extend_from_slice(g.choose(PATTERN_TOKENS).unwrap().as_bytes());
        }
    }
    p
}

const CLASSES: &[&str] = &[
    "a", "b", "a", "b", ".", "%a", "[ab]", "[^b]", "%(", "%)", "[()]", "%W",
];
const QUANTIFIERS: &[&str] = &["", "", "", "*", "+", "-", "?"];

/// Well-formed-ish patterns that often match subjects over "ab()".
fn structured_items(g: &mut Gen, depth: u32, out: &mut Vec<u8>, caps: &mut u32) {
    let n = 1 + usize::arbitrary(g) % 4;
    for _ in 0..n {
        match u8::arbitrary(g) % 12 {
            0 if depth < 2 => {
                out.push(b'(');
                structured_items(g, depth + 1, out, caps);
                out.push(b')');
                *caps += 1;
            }
            1 => {
                out.extend_from_slice(b"()");
                *caps += 1;
            }
            2 if *caps > 0 => {
                out.extend_from_slice(format!("%{}", 1 + u32::arbitrary(g) % *caps).as_bytes())
            }
            3 => out.extend_from_slice(b"%b()"),
            4 => out.extend_from_slice(
                g.choose(&["%f[ab]", "%f[^a]", "%f[(]", "%f[%w]"])
                    .unwrap()
                    .as_bytes(),
            ),
            _ => {
                out.extend_from_slice(g.choose(CLASSES).unwrap().as_bytes());
                out.extend_from_slice(g.choose(QUANTIFIERS).unwrap().as_bytes());
            }
        }
    }
}

impl Arbitrary for Pat {
    fn arbitrary(g: &mut Gen) -> Self {
        if u8::arbitrary(g) % 4 == 0 {
            return Pat(soup(g));
        }
        let mut p = vec![];
        if u8::arbitrary(g) % 6 == 0 {
            p.push(b'^');
        }
        structured_items(g, 0, &mut p, &mut 0);
        if u8::arbitrary(g) % 6 == 0 {
            p.push(b'$');
        }
        Pat(p)
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        Box::new(self.0.shrink().map(Pat))
    }
}

#[derive(Clone, Debug)]
struct Subj(Vec<u8>);

impl Arbitrary for Subj {
    fn arbitrary(g: &mut Gen) -> Self {
        let n = usize::arbitrary(g) % 24;
        Subj((0..n).map(|_| *g.choose(SUBJECT_BYTES).unwrap()).collect())
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        Box::new(self.0.shrink().map(Subj))
    }
}

#[derive(Clone, Debug)]
struct ArbRepl(Repl);

impl Arbitrary for ArbRepl {
    fn arbitrary(g: &mut Gen) -> Self {
        ArbRepl(match u8::arbitrary(g) % 3 {
            0 => Repl::Function,
            1 => Repl::Table,
            _ => {
                let n = usize::arbitrary(g) % 4;
                let t = (0..n)
                    .flat_map(|_| g.choose(TEMPLATE_TOKENS).unwrap().bytes())
                    .collect();
                Repl::Template(t)
            }
        })
    }
}

fn qc() -> QuickCheck {
    QuickCheck::new().tests(3000).max_tests(30000)
}

/// Half the time 0 (the common case), else anywhere up to past the end.
fn init_of(s: &[u8], i: u8) -> usize {
    if i.is_multiple_of(2) {
        0
    } else {
        usize::from(i / 2) % (s.len() + 3)
    }
}

#[test]
fn find_sliced_equals_oneshot_and_reference() {
    fn prop(s: Subj, p: Pat, init: u8, plain: u8, budgets: Vec<u8>) -> bool {
        let (s, p) = (&s.0[..], &p.0[..]);
        let plain = plain.is_multiple_of(5);
        let init = init_of(s, init);
        let (one, fuel1) = find(s, p, init, plain, &Schedule::oneshot());
        let (sliced, fuel2) = find(s, p, init, plain, &Schedule::sliced(&budgets, true));
        let want = reference::find(s, p, init, plain);
        assert_eq!(one, want, "oneshot vs reference: {:?} {:?} {init}", s, p);
        assert_eq!(sliced, one, "sliced vs oneshot");
        assert_eq!(fuel1, fuel2, "fuel differs with slicing");
        true
    }
    qc().quickcheck(prop as fn(Subj, Pat, u8, u8, Vec<u8>) -> bool);
    let steps = common::STEPS.with(|s| s.get());
    assert!(steps > 10_000, "only {steps} steps");
}

#[test]
fn match_sliced_equals_oneshot_and_reference() {
    fn prop(s: Subj, p: Pat, init: u8, budgets: Vec<u8>) -> bool {
        let (s, p) = (&s.0[..], &p.0[..]);
        let init = init_of(s, init);
        let (one, fuel1) = str_match(s, p, init, &Schedule::oneshot());
        let (sliced, fuel2) = str_match(s, p, init, &Schedule::sliced(&budgets, true));
        assert_eq!(one, reference::str_match(s, p, init), "{:?} {:?}", s, p);
        assert_eq!(sliced, one);
        assert_eq!(fuel1, fuel2);
        true
    }
    qc().quickcheck(prop as fn(Subj, Pat, u8, Vec<u8>) -> bool);
}

#[test]
fn gmatch_sliced_equals_oneshot_and_reference() {
    fn prop(s: Subj, p: Pat, init: u8, budgets: Vec<u8>) -> bool {
        let (s, p) = (&s.0[..], &p.0[..]);
        let init = init_of(s, init);
        let (one, fuel1) = gmatch(s, p, init, &Schedule::oneshot());
        let (sliced, fuel2) = gmatch(s, p, init, &Schedule::sliced(&budgets, true));
        assert_eq!(one, reference::gmatch(s, p, init), "{:?} {:?}", s, p);
        assert_eq!(sliced, one);
        assert_eq!(fuel1, fuel2);
        true
    }
    qc().quickcheck(prop as fn(Subj, Pat, u8, Vec<u8>) -> bool);
}

#[test]
fn gsub_sliced_equals_oneshot_and_reference() {
    fn prop(s: Subj, p: Pat, repl: ArbRepl, max: Option<i8>, budgets: Vec<u8>) -> bool {
        let (s, p, repl) = (&s.0[..], &p.0[..], &repl.0);
        let max_n = max.map_or(s.len() as i64 + 1, i64::from);
        let (one, fuel1) = gsub(s, p, repl, max_n, &Schedule::oneshot());
        let (sliced, fuel2) = gsub(s, p, repl, max_n, &Schedule::sliced(&budgets, true));
        assert_eq!(
            one,
            reference::gsub(s, p, repl, max_n),
            "{:?} {:?} {:?}",
            s,
            p,
            repl
        );
        assert_eq!(sliced, one);
        assert_eq!(fuel1, fuel2);
        true
    }
    qc().quickcheck(prop as fn(Subj, Pat, ArbRepl, Option<i8>, Vec<u8>) -> bool);
}

/// Deep patterns exercise the explicit stack and the "pattern too complex" limit. (The
/// tails all succeed after little backtracking: a failing tail would make both sides explore
/// 2^n paths.)
#[test]
fn deep_patterns_sliced_equal_reference() {
    const TAILS: &[&str] = &["", "()", "a*", "(a*)", "(.-)$", ".*$", "(()a?)", "(a?)(a?)"];
    fn prop(reps: u8, tail: u8, extra: u8, budgets: Vec<u8>) -> bool {
        let n = 190 + usize::from(reps % 20);
        let s = vec![b'a'; n + usize::from(extra % 4)];
        let mut p = b"a?".repeat(n);
        p.extend_from_slice(TAILS[usize::from(tail) % TAILS.len()].as_bytes());
        let (one, _) = find(&s, &p, 0, false, &Schedule::oneshot());
        let (sliced, _) = find(&s, &p, 0, false, &Schedule::sliced(&budgets, true));
        assert_eq!(one, reference::find(&s, &p, 0, false), "n={n} p={:?}", p);
        assert_eq!(sliced, one);
        true
    }
    QuickCheck::new()
        .tests(100)
        .quickcheck(prop as fn(u8, u8, u8, Vec<u8>) -> bool);
}

/// The host of `gsub_whole_equals_the_sequence`: templates expanded and tables looked up
/// (charged 3 per lookup, like a host's own cost), a function never inline; a memory
/// check passing below `room` bytes and a length limit of `max_len`.
struct TestHost<'a> {
    repl: &'a Repl,
    room: usize,
    max_len: usize,
}

impl TestHost<'_> {
    fn replacement(&self, m: &Match, s: &[u8], fuel: &mut Fuel) -> Result<Replacement, String> {
        match self.repl {
            Repl::Template(t) => {
                let mut out = vec![];
                expand_replacement(t, m, s, &mut out, fuel).map_err(|e| e.to_string())?;
                Ok(Replacement::Bytes(out))
            }
            Repl::Table => {
                fuel.charge(3);
                let key = m.get_capture(0).map_err(|e| e.to_string())?;
                Ok(match table_policy(&common::cap_val(key, s)) {
                    Some(b) => Replacement::Bytes(b),
                    None => Replacement::Keep,
                })
            }
            Repl::Function => Err("a call".into()),
        }
    }
}

impl WholeHost for TestHost<'_> {
    fn replace(&mut self, m: &Match, s: &[u8], out: &mut Vec<u8>, fuel: &mut Fuel) -> Option<bool> {
        match self.replacement(m, s, fuel).ok()? {
            Replacement::Bytes(b) => {
                out.extend_from_slice(&b);
                Some(true)
            }
            Replacement::Keep => Some(false),
        }
    }

    fn room(&mut self, len: usize) -> bool {
        len < self.room
    }

    fn max_len(&self) -> usize {
        self.max_len
    }
}

/// A gsub's (changed, result, count).
type GsubOut = (bool, Vec<u8>, i64);

/// How the sequence with [`TestHost`] and one budget ends: its result and the fuel left, or
/// where it stopped (out of fuel, an error, a call, a failed check).
fn gsub_sequence(
    s: &[u8],
    p: &[u8],
    host: &TestHost,
    max_n: i64,
    budget: i64,
) -> Result<(GsubOut, i64), String> {
    let mut g = Gsub::new(s.len(), p.len(), max_n);
    let mut fuel = Fuel::new(budget);
    loop {
        if g.buffer_len() >= host.room {
            return Err("no room".into());
        }
        match g.step(s, p, &mut fuel).map_err(|e| e.to_string())? {
            Step::NeedFuel => return Err("out of fuel".into()),
            Step::Done(r) => {
                let changed = r.output.is_some();
                let out = r.output.unwrap_or_default();
                return Ok(((changed, out, r.count), fuel.remaining()));
            }
            Step::Need(req) => {
                let rep = host.replacement(&req.m, s, &mut fuel)?;
                let add = match &rep {
                    Replacement::Bytes(b) => b.len(),
                    Replacement::Keep => req.m.end - req.m.start,
                };
                if g.buffer_len() + add > host.max_len {
                    return Err("too long".into());
                }
                g.answer(rep).map_err(|e| e.to_string())?;
            }
        }
    }
}

/// `gsub_whole` finishes exactly where the sequence with the same host and fuel finishes
/// without stopping, with its result and fuel, and otherwise gives up without a trace.
#[test]
fn gsub_whole_equals_the_sequence() {
    fn prop(s: Subj, p: Pat, repl: ArbRepl, max: Option<i8>, budget: u8, room: u8) -> bool {
        let (s, p, repl) = (&s.0[..], &p.0[..], &repl.0);
        let max_n = max.map_or(s.len() as i64 + 1, i64::from);
        for budget in [1 << 40, i64::from(budget)] {
            let small = usize::from(room % 40);
            for (room, max_len) in [(usize::MAX, 1 << 20), (small, 1 << 20), (1 << 20, small)] {
                let mut host = TestHost {
                    repl,
                    room,
                    max_len,
                };
                let want = gsub_sequence(s, p, &host, max_n, budget);
                let mut fuel = Fuel::new(budget);
                let mut out = Vec::new();
                match gsub_whole(s, p, max_n, &mut fuel, &mut host, &mut out) {
                    Some((changed, count)) => {
                        let out = if changed { out } else { Vec::new() };
                        let got = ((changed, out, count), fuel.remaining());
                        assert_eq!(Ok(got), want, "{s:?} {p:?} {repl:?} {budget}");
                    }
                    None => {
                        assert!(out.is_empty() && fuel.remaining() == budget, "a trace");
                        if budget == 1 << 40 && room == usize::MAX {
                            assert!(
                                want.is_err(),
                                "gave up where the sequence finished: {s:?} {p:?} {repl:?}"
                            );
                        }
                    }
                }
            }
        }
        true
    }
    qc().quickcheck(prop as fn(Subj, Pat, ArbRepl, Option<i8>, u8, u8) -> bool);
}

/// `Find::at_once` finishes exactly where one step with the same fuel finishes, with its
/// result, fuel and state, and otherwise gives up without a trace.
#[test]
fn find_at_once_equals_the_steps() {
    fn prop(s: Subj, p: Pat, init: u8, kind: u8, budget: u8) -> bool {
        let (s, p) = (&s.0[..], &p.0[..]);
        let kind = [FindKind::Find, FindKind::PlainFind, FindKind::Match][usize::from(kind % 3)];
        for budget in [1 << 40, i64::from(budget)] {
            let mut fast = Find::new(kind, s.len(), p.len(), init_of(s, init));
            let mut machine = fast.clone();
            let (mut fast_fuel, mut machine_fuel) = (Fuel::new(budget), Fuel::new(budget));
            let want = machine.step(s, p, &mut machine_fuel);
            match fast.at_once(s, p, &mut fast_fuel) {
                Some(found) => {
                    assert_eq!(Ok(Step::Done(found)), want, "{s:?} {p:?} {kind:?}");
                    assert_eq!((fast_fuel, &fast), (machine_fuel, &machine));
                }
                None => {
                    assert_eq!(fast_fuel, Fuel::new(budget), "a trace");
                    assert!(budget != 1 << 40 || want.is_err(), "{s:?} {p:?} {kind:?}");
                }
            }
        }
        true
    }
    qc().quickcheck(prop as fn(Subj, Pat, u8, u8, u8) -> bool);
}

/// The same for `GMatch::at_once` on a fresh iterator.
#[test]
fn gmatch_at_once_equals_the_steps() {
    fn prop(s: Subj, p: Pat, init: u8, budget: u8) -> bool {
        let (s, p) = (&s.0[..], &p.0[..]);
        for budget in [1 << 40, i64::from(budget)] {
            let mut fast = GMatch::new(s.len(), p.len(), init_of(s, init));
            let mut machine = fast.clone();
            let (mut fast_fuel, mut machine_fuel) = (Fuel::new(budget), Fuel::new(budget));
            let want = machine.step(s, p, &mut machine_fuel);
            match fast.at_once(s, p, &mut fast_fuel) {
                Some(found) => {
                    assert_eq!(Ok(Step::Done(found)), want, "{s:?} {p:?}");
                    assert_eq!((fast_fuel, &fast), (machine_fuel, &machine));
                }
                None => {
                    assert_eq!(fast_fuel, Fuel::new(budget), "a trace");
                    assert!(budget != 1 << 40 || want.is_err(), "{s:?} {p:?}");
                }
            }
        }
        true
    }
    qc().quickcheck(prop as fn(Subj, Pat, u8, u8) -> bool);
}
