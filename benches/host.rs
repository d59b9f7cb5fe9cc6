//! Host ↔ Lua call costs, side by side with mlua (PUC-Rio Lua 5.4, vendored) in the same run:
//!
//! - host → Lua: the host calls a small Lua function (2 arguments, 1 result) and converts
//!   the result (`vm.call(&f, (a, b), fuel)` / mlua's `f.call::<i64>((a, b))`);
//! - Lua → host: a Lua loop calls a registered host function (2 arguments, 1 result); the
//!   figure is the time per iteration, loop included (the same loop in both).
//!
//! Run with `cargo bench --bench host`. Prints nanoseconds per call (median of 7 runs) and the
//! ratio to mlua. Not a timed test: the numbers go in the README. For profiling, `-- host-to-lua`
//! or `-- lua-to-host` runs one row, `--ours` skips mlua, and `SCALE=n` divides the calls per
//! run by n (`SCALE=100 RUNS=1` under callgrind).

use std::time::Instant;

use telelua::{Function, Vm};

const CALLS: u32 = 200_000;
const LOOP_CALLS: i64 = 2_000_000;
const RUNS: usize = 7;

/// `name` from the environment (`SCALE=100 RUNS=1` for a run under callgrind), else `default`.
fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Calls per run: the constants divided by `SCALE`.
fn calls() -> u32 {
    (u64::from(CALLS) / env("SCALE", 1).max(1)) as u32
}

/// Loop iterations per run: `LOOP_CALLS` divided by `SCALE`.
fn loop_calls() -> i64 {
    LOOP_CALLS / env("SCALE", 1).max(1) as i64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// ns per host → Lua call in telelua.
fn telelua_host_to_lua() -> f64 {
    let mut vm = Vm::new();
    let f: Function = vm
        .eval("return function(a, b) return a + b end")
        .expect("compiles");
    let mut acc = 0i64;
    let calls = calls();
    let t = Instant::now();
    for i in 0..calls {
        acc += vm.call::<i64>(&f, (i64::from(i), 1), 1_000).expect("call");
    }
    let ns = t.elapsed().as_nanos() as f64 / f64::from(calls);
    assert_eq!(acc, (0..i64::from(calls)).map(|i| i + 1).sum::<i64>());
    ns
}

/// ns per host → Lua call in mlua.
fn mlua_host_to_lua() -> f64 {
    let lua = mlua::Lua::new();
    let f: mlua::Function = lua
        .load("return function(a, b) return a + b end")
        .eval()
        .expect("compiles");
    let mut acc = 0i64;
    let calls = calls();
    let t = Instant::now();
    for i in 0..calls {
        acc += f.call::<i64>((i64::from(i), 1)).expect("call");
    }
    let ns = t.elapsed().as_nanos() as f64 / f64::from(calls);
    assert_eq!(acc, (0..i64::from(calls)).map(|i| i + 1).sum::<i64>());
    ns
}

const LOOP: &str = "local f, n = ... local s = 0 for i = 1, n do s = s + f(i, 1) end return s";

/// ns per loop iteration calling a host function, in telelua.
fn telelua_lua_to_host() -> f64 {
    let mut vm = Vm::new();
    vm.register("add", |_cx, (a, b): (i64, i64)| Ok(a + b));
    let body = vm
        .load_function(LOOP.as_bytes(), "=loop")
        .expect("compiles");
    let host: Function = vm.global("add").expect("registered");
    let n = loop_calls();
    let t = Instant::now();
    let s: i64 = vm.call(&body, (host, n), u64::MAX).expect("runs");
    assert_eq!(s, (1..=n).map(|i| i + 1).sum::<i64>());
    t.elapsed().as_nanos() as f64 / n as f64
}

/// ns per loop iteration calling a host function, in mlua.
fn mlua_lua_to_host() -> f64 {
    let lua = mlua::Lua::new();
    let host = lua
        .create_function(|_, (a, b): (i64, i64)| Ok(a + b))
        .expect("function");
    let body: mlua::Function = lua.load(LOOP).into_function().expect("compiles");
    let n = loop_calls();
    let t = Instant::now();
    let s: i64 = body.call((host, n)).expect("runs");
    assert_eq!(s, (1..=n).map(|i| i + 1).sum::<i64>());
    t.elapsed().as_nanos() as f64 / n as f64
}

fn main() {
    if std::env::args().any(|a| a == "--test") {
        // `cargo test --benches` runs benches once as tests: check they work, quickly.
        return;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let only_ours = args.iter().any(|a| a == "--ours");
    let only_theirs = args.iter().any(|a| a == "--theirs");
    let filter = args.iter().find(|a| !a.starts_with("--"));
    let rows: [(&str, &str, fn() -> f64, fn() -> f64); 2] = [
        (
            "host-to-lua",
            "host → Lua call (2 args, 1 result)",
            telelua_host_to_lua,
            mlua_host_to_lua,
        ),
        (
            "lua-to-host",
            "Lua → host call (2 args, 1 result), per loop iteration",
            telelua_lua_to_host,
            mlua_lua_to_host,
        ),
    ];
    println!("| call | telelua ns | mlua (PUC 5.4) ns | ratio |");
    println!("|---|---|---|---|");
    for (key, name, ours, theirs) in rows {
        if filter.is_some_and(|f| f != key) {
            continue;
        }
        let runs = env("RUNS", RUNS as u64).max(1) as usize;
        if only_theirs {
            let b = median((0..runs).map(|_| theirs()).collect());
            println!("| {name} | - | {b:.0} | - |");
            continue;
        }
        let a = median((0..runs).map(|_| ours()).collect());
        if only_ours {
            println!("| {name} | {a:.0} | - | - |");
            continue;
        }
        let b = median((0..runs).map(|_| theirs()).collect());
        println!("| {name} | {a:.0} | {b:.0} | {:.2}× |", a / b);
    }
}
