//! Differential tests against PUC-Rio Lua 5.4: replay the cases recorded by
//! `tests/fixtures/gen.lua` (see its header for the format) through the sequences, under a
//! sliced fuel schedule with serde round trips, and compare with what lua5.4 printed.

mod common;

use common::reference::{Repl, Val};
use common::Schedule;

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|c| format!("{c:02x}")).collect()
}

fn val(v: &Val) -> String {
    match v {
        Val::Str(b) => format!("s{}", hex(b)),
        Val::Int(i) => format!("i{i}"),
    }
}

fn vals(v: &[Val]) -> String {
    v.iter().map(val).collect::<Vec<_>>().join(",")
}

fn err(e: &str) -> String {
    format!("!err:{}", hex(e.as_bytes()))
}

/// Lua prefixes an error with `luaL_where(L, 1)`, the position of the *caller* of the
/// library function when that is a Lua function (a gmatch iterator called by a `for`): that
/// is the VM's business, so drop a leading `chunk:line: ` from the expected message.
fn strip_where(want: &str) -> String {
    let Some((before, e)) = want.split_once("!err:") else {
        return want.to_string();
    };
    let msg = String::from_utf8(unhex(e)).unwrap();
    let msg = match msg.split_once(": ") {
        Some((place, rest))
            if place
                .rsplit_once(':')
                .is_some_and(|(_, l)| l.parse::<u32>().is_ok()) =>
        {
            rest.to_string()
        }
        _ => msg,
    };
    format!("{before}{}", err(&msg))
}

fn schedules() -> [Schedule; 2] {
    [
        Schedule::oneshot(),
        Schedule::sliced(&[1, 3, 0, 7, 2], true),
    ]
}

#[test]
fn patterns_match_lua54() {
    let text = include_str!("fixtures/patterns.txt");
    let mut checked = 0;
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let (s, p) = (unhex(f[1]), unhex(f[2]));
        for sched in schedules() {
            let (got, want) = match f[0] {
                "find" => {
                    let init: usize = f[3].parse().unwrap();
                    let (r, _) = common::find(&s, &p, init, f[4] == "1", &sched);
                    let got = match r {
                        Ok(None) => "nil".to_string(),
                        Ok(Some((a, b, caps))) => {
                            let mut v = vec![Val::Int(a), Val::Int(b)];
                            v.extend(caps);
                            vals(&v)
                        }
                        Err(e) => err(&e),
                    };
                    (got, f[5])
                }
                "match" => {
                    let init: usize = f[3].parse().unwrap();
                    let (r, _) = common::str_match(&s, &p, init, &sched);
                    let got = match r {
                        Ok(None) => "nil".to_string(),
                        Ok(Some(v)) => vals(&v),
                        Err(e) => err(&e),
                    };
                    (got, f[4])
                }
                "gmatch" => {
                    let init: usize = f[3].parse().unwrap();
                    let ((items, e), _) = common::gmatch(&s, &p, init, &sched);
                    let items: Vec<String> =
                        items.iter().map(|v| vals(&v[..v.len().min(4)])).collect();
                    let mut got = items.join(";");
                    if let Some(e) = e {
                        got += &err(&e);
                    }
                    (got, f[4])
                }
                "gsub" => {
                    let repl = match f[3] {
                        "function" => Repl::Function,
                        "table" => Repl::Table,
                        _ => Repl::Template(unhex(f[4])),
                    };
                    let max = if f[5] == "-" {
                        s.len() as i64 + 1
                    } else {
                        f[5].parse().unwrap()
                    };
                    let (r, _) = common::gsub(&s, &p, &repl, max, &sched);
                    let got = match r {
                        Ok((out, n)) => vals(&[Val::Str(out), Val::Int(n)]),
                        Err(e) => err(&e),
                    };
                    (got, f[6])
                }
                other => panic!("unknown fixture kind {other}"),
            };
            let want = strip_where(want.strip_prefix("ok:").unwrap());
            assert_eq!(
                got,
                want,
                "{line}\nsubject {:?} pattern {:?}",
                String::from_utf8_lossy(&s),
                String::from_utf8_lossy(&p)
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 3200);
}

#[test]
fn sort_matches_lua54() {
    let text = include_str!("fixtures/sort.txt");
    let mut checked = 0;
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let keys: Vec<i64> = if f[2].is_empty() {
            vec![]
        } else {
            f[2].split(',').map(|k| k.parse().unwrap()).collect()
        };
        let n = keys.len() as u32;
        let key = |e: u32| keys[e as usize];
        let id = |e: u32| i64::from(e) + 1;
        let mut lt: Box<dyn FnMut(u32, u32) -> bool> = match f[1] {
            "lt" => Box::new(|a, b| key(a) < key(b)),
            "le" => Box::new(|a, b| key(a) <= key(b)),
            "gt" => Box::new(|a, b| key(a) > key(b)),
            "hash" => Box::new(|a, b| (id(a) * 7 + id(b) * 13 + key(a)) % 5 < 2),
            "always" => Box::new(|_, _| true),
            "never" => Box::new(|_, _| false),
            other => panic!("unknown comparator {other}"),
        };
        for sched in schedules() {
            let (r, _) = common::sort(n, 0, &mut *lt, &sched);
            let ids = |perm: &[u32]| {
                perm.iter()
                    .map(|&e| (e + 1).to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            };
            let got = match r {
                Ok(perm) => ids(&perm),
                Err((e, perm)) => ids(&perm) + &err(&e),
            };
            assert_eq!(got, f[3].strip_prefix("ok:").unwrap(), "{line}");
        }
        checked += 1;
    }
    assert_eq!(checked, 600);
}
