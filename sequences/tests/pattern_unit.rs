//! Known lua5.4 results, every error message, preemption of long and backtracking matches,
//! and robustness against corrupt snapshots and mismatched inputs.

mod common;

use common::reference::{Repl, Val};
use common::{find, gmatch, gsub, str_match, Schedule};
use sequences::pattern::{
    expand_replacement, Find, FindKind, GMatch, Gsub, Match, PatternError, Replacement,
};
use sequences::{Fuel, Sequence, Step};

fn s(b: &str) -> Val {
    Val::Str(b.as_bytes().to_vec())
}

fn i(n: i64) -> Val {
    Val::Int(n)
}

#[track_caller]
fn check_find(subject: &str, pattern: &str, init: usize, plain: bool, want: Option<Vec<Val>>) {
    for sched in [Schedule::oneshot(), Schedule::sliced(&[1, 2, 3], true)] {
        let (r, _) = find(subject.as_bytes(), pattern.as_bytes(), init, plain, &sched);
        let got = r.unwrap().map(|(a, b, caps)| {
            let mut v = vec![i(a), i(b)];
            v.extend(caps);
            v
        });
        assert_eq!(got, want, "find({subject:?}, {pattern:?})");
    }
}

#[track_caller]
fn check_match(subject: &str, pattern: &str, init: usize, want: Option<Vec<Val>>) {
    for sched in [Schedule::oneshot(), Schedule::sliced(&[1, 2, 3], true)] {
        let (r, _) = str_match(subject.as_bytes(), pattern.as_bytes(), init, &sched);
        assert_eq!(r.unwrap(), want, "match({subject:?}, {pattern:?})");
    }
}

#[track_caller]
fn check_gsub(subject: &str, pattern: &str, repl: &str, max: Option<i64>, want: (&str, i64)) {
    let max = max.unwrap_or(subject.len() as i64 + 1);
    let repl = Repl::Template(repl.as_bytes().to_vec());
    for sched in [Schedule::oneshot(), Schedule::sliced(&[1, 2, 3], true)] {
        let (r, _) = gsub(subject.as_bytes(), pattern.as_bytes(), &repl, max, &sched);
        let (out, n) = r.unwrap();
        assert_eq!(
            (String::from_utf8(out).unwrap().as_str(), n),
            want,
            "gsub({subject:?})"
        );
    }
}

#[track_caller]
fn check_gmatch(subject: &str, pattern: &str, want: Vec<Vec<Val>>) {
    for sched in [Schedule::oneshot(), Schedule::sliced(&[1, 2, 3], true)] {
        let ((items, err), _) = gmatch(subject.as_bytes(), pattern.as_bytes(), 0, &sched);
        assert_eq!(err, None);
        assert_eq!(items, want, "gmatch({subject:?}, {pattern:?})");
    }
}

#[test]
fn find_known_results() {
    check_find("hello world", "o w", 0, false, Some(vec![i(5), i(7)]));
    check_find("hello world", "l+", 0, false, Some(vec![i(3), i(4)]));
    check_find("hello", "l", 0, true, Some(vec![i(3), i(3)]));
    check_find("a.b", ".", 0, true, Some(vec![i(2), i(2)]));
    check_find("abc", "", 9, false, None);
    check_find("abc", "", 3, false, Some(vec![i(4), i(3)]));
    check_find("aaa", ")", 0, false, None); // no specials: a plain search
    check_find("aaa", "x%", 0, false, None); // the bad '%' is never reached
    check_find("aaa", &"a?".repeat(200), 0, false, Some(vec![i(1), i(3)]));
}

#[test]
fn match_known_results() {
    check_match(
        "key = value",
        "(%w+)%s*=%s*(%w+)",
        0,
        Some(vec![s("key"), s("value")]),
    );
    check_match("  trim  ", "^%s*(.-)%s*$", 0, Some(vec![s("trim")]));
    check_match("hello", "()ll()", 0, Some(vec![i(3), i(5)]));
    check_match("THE (quick) fox", "%((%a+)%)", 0, Some(vec![s("quick")]));
    check_match("f(a(b)c)d", "%b()", 0, Some(vec![s("(a(b)c)")]));
    check_match("THE (quick) fox", "%f[%a]%a+", 4, Some(vec![s("quick")]));
    check_match("abcabc", "(abc)%1", 0, Some(vec![s("abc")]));
    check_match("x = 1e10", "%d+[eE]%d+", 0, Some(vec![s("1e10")]));
}

#[test]
fn gsub_known_results() {
    check_gsub("hello world", "o", "0", None, ("hell0 w0rld", 2));
    check_gsub("hello world", "(%w+)", "<%1>", None, ("<hello> <world>", 2));
    check_gsub("abc", "", "-", None, ("-a-b-c-", 4));
    check_gsub(
        "hello world",
        "%w+",
        "%0 %0",
        Some(1),
        ("hello hello world", 1),
    );
    check_gsub("abc", "%w", "%%", None, ("%%%", 3));
    check_gsub("hello", "l*", "x", None, ("xhxexox", 4));
    check_gsub("THE (quick) fox", "%f[%a]%a+", "W", None, ("W (W) W", 3));
    check_gsub("a,b,,c", ",", ";", None, ("a;b;;c", 3));
    check_gsub("abc", "^a", "x", None, ("xbc", 1));
    check_gsub("aaa", "^a", "x", None, ("xaa", 1));
    check_gsub("hello", "()", "%1", None, ("1h2e3l4l5o6", 6));
    check_gsub("abc", "(b", "x", None, ("axc", 1)); // unfinished capture never looked at
}

#[test]
fn gmatch_known_results() {
    check_gmatch(
        "one two  three",
        "%a+",
        vec![vec![s("one")], vec![s("two")], vec![s("three")]],
    );
    check_gmatch(
        "a=1, b=2",
        "(%w+)=(%w+)",
        vec![vec![s("a"), s("1")], vec![s("b"), s("2")]],
    );
    check_gmatch("abc", "", vec![vec![s("")]; 4]);
    check_gmatch(
        "hello",
        "l*",
        vec![vec![s("")], vec![s("")], vec![s("ll")], vec![s("")]],
    );
    check_gmatch(
        "abc",
        "()",
        vec![vec![i(1)], vec![i(2)], vec![i(3)], vec![i(4)]],
    );
    check_gmatch("^a^a", "^a", vec![vec![s("^a")], vec![s("^a")]]); // no anchor in gmatch
}

#[track_caller]
fn find_err(pattern: &str) -> String {
    let (r, _) = find(b"aaa", pattern.as_bytes(), 0, false, &Schedule::oneshot());
    r.unwrap_err()
}

#[test]
fn error_messages_are_luas() {
    assert_eq!(find_err("%"), "malformed pattern (ends with '%')");
    assert_eq!(find_err("[a"), "malformed pattern (missing ']')");
    assert_eq!(find_err("[^"), "malformed pattern (missing ']')");
    assert_eq!(find_err("[%"), "malformed pattern (missing ']')");
    assert_eq!(find_err("%f"), "missing '[' after '%f' in pattern");
    assert_eq!(find_err("%fa"), "missing '[' after '%f' in pattern");
    assert_eq!(
        find_err("%b"),
        "malformed pattern (missing arguments to '%b')"
    );
    assert_eq!(
        find_err("%ba"),
        "malformed pattern (missing arguments to '%b')"
    );
    assert_eq!(find_err("%1"), "invalid capture index %1");
    assert_eq!(find_err("(%1)"), "invalid capture index %1");
    assert_eq!(find_err("%0"), "invalid capture index %0");
    assert_eq!(find_err("%a)"), "invalid pattern capture");
    // ")" is not special: "a)" is searched for literally, no error
    check_find("aaa", "a)", 0, false, None);
    assert_eq!(find_err("("), "unfinished capture");
    assert_eq!(
        find_err(&format!("{}a", "(".repeat(33))),
        "too many captures"
    );
    // the limit is exactly Lua's: 199 nested '?' are fine, 200 are not
    let (r, _) = find(
        &[b'a'; 300],
        &b"a?".repeat(200),
        0,
        false,
        &Schedule::oneshot(),
    );
    assert_eq!(r.unwrap_err(), "pattern too complex");
    let (r, _) = find(
        &[b'a'; 300],
        &b"a?".repeat(199),
        0,
        false,
        &Schedule::oneshot(),
    );
    assert_eq!(r.unwrap(), Some((1, 199, vec![])));
    let (r, _) = find(
        &[b'a'; 300],
        "a?".repeat(198).as_bytes(),
        0,
        false,
        &Schedule::oneshot(),
    );
    assert!(r.is_ok());
    let p = format!("{}(a)", "a?".repeat(198));
    let (r, _) = find(&[b'a'; 300], p.as_bytes(), 0, false, &Schedule::oneshot());
    assert_eq!(r.unwrap_err(), "pattern too complex");
}

#[test]
fn replacement_errors_are_luas() {
    let sched = Schedule::oneshot();
    let t = |r: &str| Repl::Template(r.as_bytes().to_vec());
    let err = |p: &str, r: Repl| gsub(b"abc", p.as_bytes(), &r, 4, &sched).0.unwrap_err();
    assert_eq!(err("b", t("%2")), "invalid capture index %2");
    assert_eq!(
        err("b", t("%x")),
        "invalid use of '%' in replacement string"
    );
    assert_eq!(
        err("b", t("x%")),
        "invalid use of '%' in replacement string"
    );
    assert_eq!(err("(b", t("%1")), "unfinished capture");
    assert_eq!(err("(b", Repl::Function), "unfinished capture");
}

#[test]
fn expand_replacement_formats_positions() {
    let m = Match {
        start: 1,
        end: 3,
        captures: vec![
            sequences::pattern::RawCapture {
                start: 1,
                len: sequences::pattern::CapLen::Position,
            },
            sequences::pattern::RawCapture {
                start: 1,
                len: sequences::pattern::CapLen::Len(2),
            },
        ],
    };
    let mut out = vec![];
    let mut fuel = Fuel::new(100);
    expand_replacement(b"[%0|%1|%2|%%]", &m, b"abcd", &mut out, &mut fuel).unwrap();
    assert_eq!(out, b"[bc|2|bc|%]");
    assert!(fuel.remaining() < 100);
}

/// Run `seq` with small budgets; return the number of preemptions before the end.
fn preemptions<T>(
    mut step: impl FnMut(&mut Fuel) -> Result<Step<T, sequences::Never>, PatternError>,
    budget: i64,
) -> (u64, T) {
    let mut n = 0;
    loop {
        let mut fuel = Fuel::new(budget);
        let r = step(&mut fuel).unwrap();
        // overshoot is bounded by one unit (a scan chunk of 256 work = 16 fuel, plus a step)
        assert!(fuel.remaining() > -40, "overshoot {}", fuel.remaining());
        match r {
            Step::NeedFuel => n += 1,
            Step::Done(t) => return (n, t),
            Step::Need(never) => match never {},
        }
    }
}

#[test]
fn backtracking_is_preemptible() {
    // exponential-ish backtracking: never finishes in practice, but yields every budget
    let subject = [&b"a".repeat(5000)[..], b"b"].concat();
    let pattern = b"a-a-a-a-a-a-a-c";
    let mut f = Find::new(FindKind::Match, subject.len(), pattern.len(), 0);
    for _ in 0..1000 {
        let mut fuel = Fuel::new(100);
        assert_eq!(
            f.step(&subject, pattern, &mut fuel).unwrap(),
            Step::NeedFuel
        );
        assert!(fuel.remaining() > -40);
        // and its state stays small (the explicit stack is bounded by the pattern)
        let bytes = rmp_serde::to_vec(&f).unwrap();
        assert!(bytes.len() < 200, "{}", bytes.len());
        f = rmp_serde::from_slice(&bytes).unwrap();
    }
}

#[test]
fn long_scans_are_preemptible() {
    let big = vec![b'a'; 10 << 20]; // 10 MB
                                    // greedy repetition over the whole subject
    let p = b"^a*$";
    let mut f = Find::new(FindKind::Find, big.len(), p.len(), 0);
    let (n, r) = preemptions(|fuel| f.step(&big, p, fuel), 1000);
    assert!(n > 500, "{n}");
    assert_eq!(r.map(|m| (m.start, m.end)), Some((0, big.len())));
    // plain find of an absent needle
    let p = b"aab";
    let mut f = Find::new(FindKind::PlainFind, big.len(), p.len(), 0);
    let (n, r) = preemptions(|fuel| f.step(&big, p, fuel), 1000);
    assert!(n > 500, "{n}");
    assert_eq!(r, None);
    // %b over an unbalanced subject, and a long back-reference
    let mut paren = vec![b'('; 1 << 20];
    paren.push(b')');
    let p = b"^%b()";
    let mut f = Find::new(FindKind::Find, paren.len(), p.len(), 0);
    let (n, r) = preemptions(|fuel| f.step(&paren, p, fuel), 1000);
    assert!(n > 50, "{n}");
    assert_eq!(r, None);
    let p = b"^(a*)%1$";
    let half = &big[..4 << 20];
    let mut f = Find::new(FindKind::Match, half.len(), p.len(), 0);
    let (n, r) = preemptions(|fuel| f.step(half, p, fuel), 1000);
    assert!(n > 500, "{n}");
    assert_eq!(r.map(|m| m.end), Some(half.len()));
}

#[test]
fn gsub_protocol() {
    let (subject, pattern) = (b"a-b", b"%a");
    let mut g = Gsub::new(subject.len(), pattern.len(), 10);
    assert!(g.answer(Replacement::Keep).is_err(), "no request pending");
    let mut fuel = Fuel::new(1000);
    let Step::Need(req) = g.step(subject, pattern, &mut fuel).unwrap() else {
        panic!()
    };
    assert_eq!((req.m.start, req.m.end), (0, 1));
    assert_eq!(g.pending(), Some(&req.m));
    // stepping again repeats the request
    assert_eq!(
        g.step(subject, pattern, &mut fuel).unwrap(),
        Step::Need(req.clone())
    );
    g.answer(Replacement::Keep).unwrap();
    let Step::Need(req) = g.step(subject, pattern, &mut fuel).unwrap() else {
        panic!()
    };
    assert_eq!((req.m.start, req.m.end), (2, 3));
    g.answer(Replacement::Keep).unwrap();
    // only "keep" answers: the result is the original string (None) with the count
    let r = g.step(subject, pattern, &mut fuel).unwrap();
    assert_eq!(
        r,
        Step::Done(sequences::pattern::GsubResult {
            output: None,
            count: 2
        })
    );
    assert!(
        g.step(subject, pattern, &mut fuel).is_err(),
        "stepped after the end"
    );
}

#[test]
fn mismatched_inputs_are_errors() {
    let mut f = Find::new(FindKind::Match, 3, 2, 0);
    let e = f.step(b"abcd", b"%a", &mut Fuel::new(10)).unwrap_err();
    assert!(matches!(e, PatternError::Corrupt(_)));
    assert!(!e.is_lua_error());
    let mut g = GMatch::new(3, 2, 0);
    assert!(g.step(b"abc", b"%", &mut Fuel::new(10)).is_err());
    let mut g = Gsub::new(3, 2, 1);
    assert!(g.step(b"ab", b"%a", &mut Fuel::new(10)).is_err());
}

#[test]
fn kind_tags() {
    assert_eq!(<Find as Sequence>::KIND, "lua.pattern.find/v1");
    assert_eq!(<GMatch as Sequence>::KIND, "lua.pattern.gmatch/v1");
    assert_eq!(<Gsub as Sequence>::KIND, "lua.pattern.gsub/v1");
}

/// Flip bytes of real mid-run snapshots: restoring either fails cleanly or gives a state
/// that steps without panicking (the result may be nonsense, never a crash).
#[test]
fn corrupt_snapshots_never_panic() {
    let subject = b"(a(b)c) key=value, x=y ((()))";
    let patterns: [&[u8]; 5] = [
        b"(%w+)=(%w+)",
        b"%b()",
        b"^(.-)%s*(%a+)=()",
        b"(a*(.)%w(%s*))",
        b"%f[%w]%w+",
    ];
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for p in patterns {
        for stop in 1..12 {
            let mut g = Gsub::new(subject.len(), p.len(), 100);
            let mut fuel = Fuel::new(stop);
            let _ = g.step(subject, p, &mut fuel);
            let mut m = GMatch::new(subject.len(), p.len(), 0);
            let _ = m.step(subject, p, &mut Fuel::new(stop));
            let mut f = Find::new(FindKind::Match, subject.len(), p.len(), 0);
            let _ = f.step(subject, p, &mut Fuel::new(stop));
            let snaps = [
                rmp_serde::to_vec(&g).unwrap(),
                rmp_serde::to_vec(&m).unwrap(),
                rmp_serde::to_vec(&f).unwrap(),
            ];
            for (k, snap) in snaps.iter().enumerate() {
                for _ in 0..200 {
                    let mut bytes = snap.clone();
                    let flips = 1 + next() % 3;
                    for _ in 0..flips {
                        let at = (next() % bytes.len() as u64) as usize;
                        bytes[at] = next() as u8;
                    }
                    let run = |fuel: &mut Fuel| match k {
                        0 => rmp_serde::from_slice::<Gsub>(&bytes).ok().map(|mut g| {
                            for _ in 0..50 {
                                if let Ok(Step::Need(_)) = g.step(subject, p, fuel) {
                                    let _ = g.answer(Replacement::Bytes(b"x".to_vec()));
                                }
                            }
                        }),
                        1 => rmp_serde::from_slice::<GMatch>(&bytes).ok().map(|mut g| {
                            for _ in 0..50 {
                                let _ = g.step(subject, p, fuel);
                            }
                        }),
                        _ => rmp_serde::from_slice::<Find>(&bytes).ok().map(|mut f| {
                            for _ in 0..50 {
                                let _ = f.step(subject, p, fuel);
                            }
                        }),
                    };
                    let _ = run(&mut Fuel::new(1_000));
                }
            }
        }
    }
}
