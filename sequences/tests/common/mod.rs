//! Test harness: drive sequences under a fuel schedule with serde round trips, and the
//! Lua-level wrappers (what the VM will do) around the crate's drivers.
#![allow(dead_code)]

pub mod reference;

use reference::{function_policy, table_policy, Repl, Val};
use sequences::pattern::{
    expand_replacement, Capture, Find, FindKind, GMatch, Gsub, Match, PatternError, Replacement,
};
use sequences::sort::{Compare, Sort, SortError};
use sequences::{Fuel, Step};
use serde::{de::DeserializeOwned, Serialize};

/// How to slice the fuel: budgets used in turn (cycled); empty means one huge budget.
/// With `roundtrip`, the state goes through rmp-serde between every two steps.
#[derive(Clone, Debug)]
pub struct Schedule {
    pub budgets: Vec<i64>,
    pub roundtrip: bool,
}

impl Schedule {
    pub fn oneshot() -> Self {
        Schedule {
            budgets: vec![],
            roundtrip: false,
        }
    }

    pub fn sliced(budgets: &[u8], roundtrip: bool) -> Self {
        Schedule {
            budgets: budgets.iter().map(|&b| i64::from(b % 5) + 1).collect(),
            roundtrip,
        }
    }

    fn budget(&self, k: usize) -> i64 {
        if self.budgets.is_empty() {
            1 << 40
        } else {
            self.budgets[k % self.budgets.len()]
        }
    }
}

thread_local! {
    /// Number of `step` calls made by `drive` on this thread (to check tests do slice).
    pub static STEPS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Serialize and deserialize, checking that re-serializing gives the same bytes.
pub fn roundtrip<T: Serialize + DeserializeOwned>(t: T) -> T {
    let bytes = rmp_serde::to_vec(&t).expect("serialize");
    let back: T = rmp_serde::from_slice(&bytes).expect("deserialize");
    assert_eq!(
        rmp_serde::to_vec(&back).expect("serialize"),
        bytes,
        "unstable serialization"
    );
    back
}

/// Drive a sequence to its end. `step` advances it; `answer` handles a request (returning
/// `Err` aborts like a Lua error in the host would). Returns the result and the fuel used.
pub fn drive<S, T, Req, E>(
    seq: &mut S,
    sched: &Schedule,
    mut step: impl FnMut(&mut S, &mut Fuel) -> Result<Step<T, Req>, E>,
    mut answer: impl FnMut(&mut S, Req) -> Result<(), E>,
) -> (Result<T, E>, i64)
where
    S: Serialize + DeserializeOwned + Clone,
{
    let mut used = 0i64;
    for k in 0..50_000_000usize {
        STEPS.with(|s| s.set(s.get() + 1));
        let budget = sched.budget(k);
        let mut fuel = Fuel::new(budget);
        let r = step(seq, &mut fuel);
        let spent = budget - fuel.remaining();
        assert!(spent >= 0);
        used += spent;
        match r {
            Err(e) => return (Err(e), used),
            Ok(Step::Done(t)) => return (Ok(t), used),
            Ok(Step::NeedFuel) => assert!(fuel.is_exhausted(), "NeedFuel with fuel left"),
            Ok(Step::Need(req)) => {
                if sched.roundtrip {
                    *seq = roundtrip(seq.clone());
                }
                if let Err(e) = answer(seq, req) {
                    return (Err(e), used);
                }
            }
        }
        if sched.roundtrip {
            *seq = roundtrip(seq.clone());
        }
    }
    panic!("sequence did not finish");
}

pub fn cap_val(c: Capture, subject: &[u8]) -> Val {
    match c {
        Capture::Substring { .. } => Val::Str(c.bytes(subject).expect("in range").to_vec()),
        Capture::Position(_) => Val::Int(c.lua_position().expect("position")),
    }
}

pub fn vals(caps: Result<Vec<Capture>, PatternError>, s: &[u8]) -> Result<Vec<Val>, String> {
    caps.map(|v| v.into_iter().map(|c| cap_val(c, s)).collect())
        .map_err(|e| e.to_string())
}

fn no_answer<S>(_: &mut S, n: sequences::Never) -> Result<(), PatternError> {
    match n {}
}

/// `string.find` through the crate, as the VM would do it. Also returns the fuel used.
pub fn find(
    s: &[u8],
    p: &[u8],
    init: usize,
    plain: bool,
    sched: &Schedule,
) -> (Result<reference::FindOut, String>, i64) {
    let kind = if plain {
        FindKind::PlainFind
    } else {
        FindKind::Find
    };
    let mut f = Find::new(kind, s.len(), p.len(), init);
    let (r, used) = drive(&mut f, sched, |f, fuel| f.step(s, p, fuel), no_answer);
    let out = match r {
        Err(e) => Err(e.to_string()),
        Ok(None) => Ok(None),
        Ok(Some(m)) => {
            vals(m.find_captures(), s).map(|caps| Some((m.start as i64 + 1, m.end as i64, caps)))
        }
    };
    (out, used)
}

/// `string.match` through the crate.
pub fn str_match(
    s: &[u8],
    p: &[u8],
    init: usize,
    sched: &Schedule,
) -> (Result<Option<Vec<Val>>, String>, i64) {
    let mut f = Find::new(FindKind::Match, s.len(), p.len(), init);
    let (r, used) = drive(&mut f, sched, |f, fuel| f.step(s, p, fuel), no_answer);
    let out = match r {
        Err(e) => Err(e.to_string()),
        Ok(None) => Ok(None),
        Ok(Some(m)) => vals(m.match_captures(), s).map(Some),
    };
    (out, used)
}

/// A whole `for ... in string.gmatch(...)` loop through the crate.
pub fn gmatch(
    s: &[u8],
    p: &[u8],
    init: usize,
    sched: &Schedule,
) -> ((Vec<Vec<Val>>, Option<String>), i64) {
    let mut g = GMatch::new(s.len(), p.len(), init);
    let mut out = vec![];
    let mut used = 0;
    loop {
        let (r, u) = drive(&mut g, sched, |g, fuel| g.step(s, p, fuel), no_answer);
        used += u;
        match r {
            Err(e) => return ((out, Some(e.to_string())), used),
            Ok(None) => return ((out, None), used),
            Ok(Some(m)) => match vals(m.match_captures(), s) {
                Ok(v) => out.push(v),
                Err(e) => return ((out, Some(e)), used),
            },
        }
        if sched.roundtrip {
            g = roundtrip(g);
        }
    }
}

fn host_replacement(m: &Match, s: &[u8], repl: &Repl) -> Result<Replacement, PatternError> {
    let to_bytes = |v: Option<Vec<u8>>| match v {
        Some(b) => Replacement::Bytes(b),
        None => Replacement::Keep,
    };
    Ok(match repl {
        Repl::Template(t) => {
            let mut out = vec![];
            expand_replacement(t, m, s, &mut out, &mut Fuel::new(1 << 40))?;
            Replacement::Bytes(out)
        }
        Repl::Function => {
            let v: Vec<Val> = m
                .match_captures()?
                .into_iter()
                .map(|c| cap_val(c, s))
                .collect();
            to_bytes(function_policy(&v))
        }
        Repl::Table => to_bytes(table_policy(&cap_val(m.get_capture(0)?, s))),
    })
}

/// `string.gsub` through the crate: (result, count), the result with "unchanged" resolved
/// to the subject.
pub fn gsub(
    s: &[u8],
    p: &[u8],
    repl: &Repl,
    max_n: i64,
    sched: &Schedule,
) -> (Result<(Vec<u8>, i64), String>, i64) {
    let mut g = Gsub::new(s.len(), p.len(), max_n);
    let (r, used) = drive(
        &mut g,
        sched,
        |g, fuel| g.step(s, p, fuel),
        |g, req| {
            let rep = host_replacement(&req.m, s, repl)?;
            g.answer(rep)
        },
    );
    let out = r
        .map(|res| (res.output.unwrap_or_else(|| s.to_vec()), res.count))
        .map_err(|e| e.to_string());
    (out, used)
}

/// A sort's outcome: the final permutation, or the error and the permutation at that moment.
pub type SortOut = Result<Vec<u32>, (String, Vec<u32>)>;

/// Sort through the crate: the final permutation, or the error and the permutation then.
pub fn sort(
    n: u32,
    seed: u32,
    lt: &mut dyn FnMut(u32, u32) -> bool,
    sched: &Schedule,
) -> (SortOut, i64) {
    let mut st = Sort::new(i64::from(n), seed).expect("size");
    let (r, used) = drive(
        &mut st,
        sched,
        |st, fuel| st.step(fuel),
        |st, Compare { a, b }| -> Result<(), SortError> { st.answer(lt(a, b)) },
    );
    let out = r.map_err(|e| (e.to_string(), st.permutation().to_vec()));
    (out, used)
}
