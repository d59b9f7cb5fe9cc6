//! Behaviour tests: every `tests/lua/NAME.lua` is run by the `telelua` binary and compared with
//! the output PUC-Rio Lua 5.4 produced for it (see `tests/regen.sh`).
//!
//! * `NAME.out`: the exact expected stdout.
//! * `NAME.err`: present only when the script ends with an uncaught error: the expected stderr,
//!   message and traceback (a one-line file, as older `regen.sh` wrote, is compared with the
//!   first line only). Exit status 1 is then expected, 0 otherwise.
//! * `KNOWN_FAILURES`: scripts that do not pass yet, one name per line (`#` starts a comment; give
//!   a reason). They are still run; the test fails if one of them now passes, so the list stays
//!   true, but their failures are otherwise tolerated.
//!
//! Environment variables:
//! * `TELELUA_SCRIPTS=a,b,c`: only run scripts whose name contains one of these substrings.
//! * `TELELUA_SCRIPT_TIMEOUT=secs`: per-run timeout (default 60).
//! * `TELELUA_TEST_THREADS=n`: worker threads per test (default: available parallelism, max 4).
//! * `TELELUA_SNAPSHOT_TESTS=1|0`: force the `--snapshot-every` test on (failing if the CLI does
//!   not support it) or off. By default it runs only when a probe shows the CLI supports it.
//! * `TELELUA_SNAPSHOT_PERIODS=1,2,3,7,61,1009`: the periods the snapshot test uses (this default).
//! * `TELELUA_SNAPSHOT_MAX_TRIPS=n`: skip a period when a run would make more than `n` round
//!   trips of a 100 KB heap (fuel used / period, scaled by the script's peak memory; default
//!   40,000). The largest period always runs.
//! * `TELELUA_SNAPSHOT_ALL=1`: run every script with every period (no trip cap, no `SNAPSHOT_SLOW`).
//! * `TELELUA_FORK_TESTS=1|0`, `TELELUA_FORK_PERIODS=3,61,1009`: the same for the `--fork-every`
//!   test (an in-memory `Image` and a fork of it instead of bytes), which otherwise follows the
//!   snapshot test's rules (`TELELUA_SNAPSHOT_MAX_TRIPS`, `TELELUA_SNAPSHOT_ALL`, `SNAPSHOT_SLOW`).
//!
//! The snapshot test runs each script once with `--stats` to learn the fuel and memory it uses, and runs
//! every snapshot variant with `--stats` too, so the fuel used must match exactly as well, and
//! so must the digest of the state's snapshot where the run ended (down to the collector's
//! counters, which output and fuel do not show).
//! `SNAPSHOT_SLOW` (same format as `KNOWN_FAILURES`) lists the few scripts with stacks so deep
//! that each snapshot is megabytes: they run only with the period given there.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_telelua");
const SNAPSHOT_PERIODS: &[u64] = &[1, 2, 3, 7, 61, 1009];
/// The periods of the `--fork-every` test (fewer: it repeats the snapshot test's coverage
/// through `Image::fork` instead of bytes).
const FORK_PERIODS: &[u64] = &[3, 61, 1009];
/// How much snapshot work one `--snapshot-every` run may do, in round trips of a 100 KB heap:
/// a round trip costs about 0.1 ms plus 1.5 ms per MB of heap, so a run makes at most
/// `MAX_ROUND_TRIPS * 100 KB / (peak memory + 64 KB)` round trips (fuel used / period) and
/// stays within a few seconds; smaller periods of longer or bigger scripts are left out (the
/// largest period always runs). `TELELUA_SNAPSHOT_MAX_TRIPS` overrides it.
const MAX_ROUND_TRIPS: u64 = 40_000;

/// The periods listed in the environment variable `var` (`1,7,61`), or `default`.
fn periods_from_env(var: &str, default: &[u64]) -> Vec<u64> {
    match std::env::var(var) {
        Ok(s) if !s.trim().is_empty() => s
            .split(',')
            .map(|p| {
                p.trim()
                    .parse::<u64>()
                    .unwrap_or_else(|_| panic!("bad {var} entry {p:?}"))
            })
            .collect(),
        _ => default.to_vec(),
    }
}
/// Scripts that the determinism test runs twice (names that do not exist are ignored).
const DETERMINISM_SCRIPTS: &[&str] = &[
    "lib_math_random",
    "prog_json",
    "coro_generators",
    "base_next_pairs",
    "prog_interpreter",
    "base_gc_weak",
    "prog_event_sim",
];

fn lua_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("lua")
}

fn timeout() -> Duration {
    let secs = std::env::var("TELELUA_SCRIPT_TIMEOUT")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(60);
    Duration::from_secs(secs)
}

fn thread_count() -> usize {
    if let Some(n) = std::env::var("TELELUA_TEST_THREADS")
        .ok()
        .and_then(|s| s.trim().parse::<usize>().ok())
    {
        return n.max(1);
    }
    thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 4)
}

/// All script names (without `.lua`), sorted, filtered by `TELELUA_SCRIPTS`.
fn script_names() -> Vec<String> {
    let filter: Option<Vec<String>> = std::env::var("TELELUA_SCRIPTS").ok().map(|s| {
        s.split(',')
            .map(|p| p.trim().trim_end_matches(".lua").to_string())
            .filter(|p| !p.is_empty())
            .collect()
    });
    let mut names: Vec<String> = fs::read_dir(lua_dir())
        .expect("cannot read tests/lua")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".lua").map(str::to_string)
        })
        .filter(|n| match &filter {
            Some(f) => f.iter().any(|p| n.contains(p.as_str())),
            None => true,
        })
        .collect();
    names.sort();
    names
}

fn known_failures() -> BTreeSet<String> {
    name_list("KNOWN_FAILURES")
}

/// Reads a list file in tests/lua: one script name per line (first word; `.lua` optional),
/// `#` starts a comment.
/// `SNAPSHOT_SLOW` entries: script name → the one period to use (`name period` sets it;
/// a bare name uses the largest period).
fn slow_periods(largest: u64) -> std::collections::BTreeMap<String, u64> {
    let text = fs::read_to_string(lua_dir().join("SNAPSHOT_SLOW")).unwrap_or_default();
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut words = l.split_whitespace();
            let name = words
                .next()
                .unwrap_or("")
                .trim_end_matches(".lua")
                .to_string();
            let period = words.next().and_then(|w| w.parse().ok()).unwrap_or(largest);
            (name, period)
        })
        .collect()
}

/// `stderr` without the `telelua: peak memory: N` line of `--stats`.
fn without_peak(stderr: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(stderr);
    text.split_inclusive('\n')
        .filter(|l| !l.starts_with("telelua: peak memory: "))
        .collect::<String>()
        .into_bytes()
}

/// A number `--stats` reported on stderr (`telelua: <what>: N`).
fn stat(stderr: &[u8], what: &str) -> Option<u64> {
    let text = String::from_utf8_lossy(stderr);
    let prefix = format!("telelua: {what}: ");
    text.lines()
        .rev()
        .find_map(|l| l.strip_prefix(prefix.as_str()))?
        .trim()
        .parse()
        .ok()
}

fn name_list(file: &str) -> BTreeSet<String> {
    let path = lua_dir().join(file);
    let text = fs::read_to_string(&path).unwrap_or_default();
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(|l| {
            // Allow "name", "name.lua" and "name  reason..." (first word is the name).
            let word = l.split_whitespace().next().unwrap();
            word.trim_end_matches(".lua").to_string()
        })
        .collect()
}

#[derive(Clone, PartialEq, Eq, Debug)]
struct Outcome {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    /// Exit code; `None` if killed by a signal.
    status: Option<i32>,
    timed_out: bool,
}

impl Outcome {
    fn status_text(&self) -> String {
        if self.timed_out {
            format!("timed out after {}s (killed)", timeout().as_secs())
        } else {
            match self.status {
                Some(c) => format!("exit status {c}"),
                None => "killed by a signal".to_string(),
            }
        }
    }

    fn first_stderr_line(&self) -> String {
        let text = String::from_utf8_lossy(&self.stderr);
        text.lines()
            .next()
            .unwrap_or("")
            .trim_end_matches('\r')
            .to_string()
    }
}

/// Runs `telelua ARGS...` in tests/lua with stdin null and a timeout (in the same environment
/// regen.sh gives lua5.4: no LUA_INIT, C locale, UTC time zone).
fn run(args: &[String]) -> Outcome {
    let mut child = Command::new(BIN)
        .arg0("telelua")
        .args(args)
        .current_dir(lua_dir())
        .env_remove("LUA_INIT")
        .env_remove("LUA_INIT_5_4")
        .env("LC_ALL", "C")
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot spawn {BIN}: {e}"));

    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out_pipe.read_to_end(&mut buf);
        buf
    });
    let err_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err_pipe.read_to_end(&mut buf);
        buf
    });

    let deadline = Instant::now() + timeout();
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => panic!("waiting for telelua: {e}"),
        }
        if Instant::now() >= deadline {
            timed_out = true;
            let _ = child.kill();
            break child.wait().expect("waiting for killed telelua");
        }
        thread::sleep(Duration::from_millis(5));
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    Outcome {
        stdout,
        stderr,
        status: status.code(),
        timed_out,
    }
}

/// Runs `job` over `items` on a few worker threads; results are in the order of `items`.
fn parallel_map<T: Sync, R: Send>(items: &[T], job: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    thread::scope(|s| {
        for _ in 0..thread_count().min(items.len().max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= items.len() {
                    break;
                }
                let r = job(&items[i]);
                results.lock().unwrap()[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.expect("worker died"))
        .collect()
}

fn clip(s: &str) -> String {
    const MAX: usize = 160;
    if s.chars().count() <= MAX {
        format!("{s:?}")
    } else {
        let head: String = s.chars().take(MAX).collect();
        format!("{head:?}...")
    }
}

/// A compact description of the first difference between two texts.
fn first_diff(what: &str, expected: &[u8], got: &[u8]) -> String {
    let e = String::from_utf8_lossy(expected);
    let g = String::from_utf8_lossy(got);
    let el: Vec<&str> = e.split_inclusive('\n').collect();
    let gl: Vec<&str> = g.split_inclusive('\n').collect();
    let mut i = 0;
    while i < el.len() && i < gl.len() && el[i] == gl[i] {
        i += 1;
    }
    let show = |v: &Vec<&str>| match v.get(i) {
        Some(l) => clip(l),
        None => "<end of output>".to_string(),
    };
    format!(
        "{what} differs at line {} ({} vs {} lines):\n      expected: {}\n      got:      {}",
        i + 1,
        el.len(),
        gl.len(),
        show(&el),
        show(&gl)
    )
}

/// Checks one plain run against the expected files. `Ok(())` if it matches.
fn check_expected(name: &str, got: &Outcome) -> Result<(), String> {
    let dir = lua_dir();
    let expected_out = fs::read(dir.join(format!("{name}.out")))
        .map_err(|_| format!("missing {name}.out (run tests/regen.sh)"))?;
    let expected_err = fs::read_to_string(dir.join(format!("{name}.err"))).ok();
    let expected_status = if expected_err.is_some() { 1 } else { 0 };

    let mut problems = Vec::new();
    if got.timed_out || got.status != Some(expected_status) {
        problems.push(format!(
            "expected exit status {expected_status}, got {}",
            got.status_text()
        ));
    }
    if got.stdout != expected_out {
        problems.push(first_diff("stdout", &expected_out, &got.stdout));
    }
    if let Some(exp) = &expected_err {
        if exp.lines().count() > 1 {
            if got.stderr != exp.as_bytes() {
                problems.push(first_diff("stderr", exp.as_bytes(), &got.stderr));
            }
        } else {
            let exp = exp.lines().next().unwrap_or("");
            let line = got.first_stderr_line();
            if line != exp {
                problems.push(format!(
                    "first stderr line differs:\n      expected: {}\n      got:      {}",
                    clip(exp),
                    clip(&line)
                ));
            }
        }
    } else if got.status != Some(0) && !got.stderr.is_empty() {
        problems.push(format!("stderr: {}", clip(&got.first_stderr_line())));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n    "))
    }
}

fn script_arg(name: &str) -> String {
    format!("{name}.lua")
}

#[test]
fn lua_scripts_match_reference() {
    let names = script_names();
    assert!(
        !names.is_empty() || std::env::var("TELELUA_SCRIPTS").is_ok(),
        "no scripts in tests/lua"
    );
    let known = known_failures();
    let all: BTreeSet<String> = fs::read_dir(lua_dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".lua").map(str::to_string))
        .collect();

    let mut failures = Vec::new();
    for k in &known {
        if !all.contains(k) {
            failures.push(format!("KNOWN_FAILURES lists {k}, but there is no {k}.lua"));
        }
    }

    let results = parallel_map(&names, |name| {
        let got = run(&[script_arg(name)]);
        check_expected(name, &got)
    });

    let mut passed = 0;
    let mut known_failed = 0;
    for (name, result) in names.iter().zip(results) {
        match (result, known.contains(name)) {
            (Ok(()), false) => passed += 1,
            (Ok(()), true) => failures.push(format!(
                "{name}: listed in KNOWN_FAILURES but now passes; remove it from the list"
            )),
            (Err(_), true) => known_failed += 1,
            (Err(msg), false) => failures.push(format!("{name}: {msg}")),
        }
    }
    eprintln!(
        "lua scripts: {} run, {passed} passed, {known_failed} known failures, {} problems",
        names.len(),
        failures.len()
    );
    if !failures.is_empty() {
        panic!(
            "{} of {} Lua script(s) have problems:\n  {}\n",
            failures.len(),
            names.len(),
            failures.join("\n  ")
        );
    }
}

/// Does the CLI support `flag` (`--snapshot-every`, `--fork-every`)? Decided by `env_var`
/// (`TELELUA_SNAPSHOT_TESTS`, `TELELUA_FORK_TESTS`) or a probe.
fn round_trip_supported(flag: &str, env_var: &str) -> bool {
    match std::env::var(env_var).as_deref() {
        Ok("1") | Ok("yes") | Ok("true") => return true,
        Ok("0") | Ok("no") | Ok("false") => return false,
        _ => {}
    }
    let probe = run(&[
        flag.into(),
        "1".into(),
        "-e".into(),
        "print('snapshot probe')".into(),
    ]);
    probe.status == Some(0) && probe.stdout == b"snapshot probe\n"
}

/// The plain `--stats` runs of every script, made once and shared by the snapshot and fork
/// tests (which run in parallel threads of this process).
fn baselines(names: &[String]) -> &'static [Outcome] {
    static BASELINES: std::sync::OnceLock<Vec<Outcome>> = std::sync::OnceLock::new();
    BASELINES.get_or_init(|| parallel_map(names, |name| run(&["--stats".into(), script_arg(name)])))
}

/// Runs every script with `flag N` (`--snapshot-every`, `--fork-every`) for each period `N`
/// the budget allows and compares stdout, stderr (fuel used included) and status with a plain
/// run. `what` names the kind of run in messages.
fn unchanged_by_round_trips(flag: &str, what: &str, periods: &[u64]) {
    let names = script_names();
    let largest = periods.iter().copied().max().unwrap_or(1009);
    let all = std::env::var("TELELUA_SNAPSHOT_ALL").as_deref() == Ok("1");
    let slow = if all {
        Default::default()
    } else {
        slow_periods(largest)
    };
    let max_trips = if all {
        u64::MAX
    } else {
        std::env::var("TELELUA_SNAPSHOT_MAX_TRIPS")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(MAX_ROUND_TRIPS)
    };
    // Baseline: a plain run of each script, reporting the fuel it used.
    let baselines = baselines(&names);
    let mut skipped = 0;
    let mut jobs = Vec::new();
    let mut failures = Vec::new();
    for (name, base) in names.iter().zip(baselines) {
        if base.timed_out {
            // Reported by lua_scripts_match_reference; nothing to compare against here.
            eprintln!("note: {name}: plain run timed out; {what} runs skipped");
            continue;
        }
        if let Some(&n) = slow.get(name) {
            jobs.push((name.clone(), n, base));
            continue;
        }
        let fuel = stat(&base.stderr, "fuel used")
            .unwrap_or_else(|| panic!("{name}: no 'fuel used' line from --stats"));
        let peak = stat(&base.stderr, "peak memory").unwrap_or(0);
        let trips = max_trips.saturating_mul(100 << 10) / (peak + (64 << 10));
        for &n in periods {
            if n == largest || fuel / n <= trips {
                jobs.push((name.clone(), n, base));
            } else {
                skipped += 1;
            }
        }
    }
    eprintln!(
        "note: {} {what} runs; {skipped} left out (over the round-trip budget of {max_trips})",
        jobs.len()
    );
    let results = parallel_map(&jobs, |(name, n, base)| {
        let got = run(&[
            "--stats".into(),
            flag.into(),
            n.to_string(),
            script_arg(name),
        ]);
        let mut problems = Vec::new();
        if got.status != base.status || got.timed_out {
            problems.push(format!(
                "status: plain run {}, {what} run {}",
                base.status_text(),
                got.status_text()
            ));
        }
        if got.stdout != base.stdout {
            problems.push(first_diff("stdout", &base.stdout, &got.stdout));
        }
        // Peak memory depends on when garbage was collected (and a restored VM starts
        // without garbage): everything else on stderr, fuel used included, must match.
        let (base_err, got_err) = (without_peak(&base.stderr), without_peak(&got.stderr));
        if got_err != base_err {
            problems.push(first_diff("stderr", &base_err, &got_err));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{name} with {flag} {n} (expected = plain run):\n    {}",
                problems.join("\n    ")
            ))
        }
    });
    failures.extend(results.into_iter().filter_map(Result::err));
    if !failures.is_empty() {
        panic!(
            "{} {what} run(s) differ from plain runs:\n  {}\n",
            failures.len(),
            failures.join("\n  ")
        );
    }
}

#[test]
fn lua_scripts_unchanged_by_snapshots() {
    if !round_trip_supported("--snapshot-every", "TELELUA_SNAPSHOT_TESTS") {
        eprintln!(
            "note: skipping the --snapshot-every test: `telelua --snapshot-every 1 -e ...` is not \
             supported yet (set TELELUA_SNAPSHOT_TESTS=1 to force it)"
        );
        return;
    }
    unchanged_by_round_trips(
        "--snapshot-every",
        "snapshot",
        &periods_from_env("TELELUA_SNAPSHOT_PERIODS", SNAPSHOT_PERIODS),
    );
}

/// Forks (`--fork-every`: an in-memory image, the VM dropped, a fork of the image) must be
/// indistinguishable from uninterrupted runs, exactly as byte round trips are.
#[test]
fn lua_scripts_unchanged_by_forks() {
    if !round_trip_supported("--fork-every", "TELELUA_FORK_TESTS") {
        eprintln!(
            "note: skipping the --fork-every test: `telelua --fork-every 1 -e ...` is not \
             supported yet (set TELELUA_FORK_TESTS=1 to force it)"
        );
        return;
    }
    unchanged_by_round_trips(
        "--fork-every",
        "fork",
        &periods_from_env("TELELUA_FORK_PERIODS", FORK_PERIODS),
    );
}

#[test]
fn lua_scripts_are_deterministic() {
    let all: BTreeSet<String> = script_names().into_iter().collect();
    let names: Vec<String> = DETERMINISM_SCRIPTS
        .iter()
        .map(|s| s.to_string())
        .filter(|s| all.contains(s))
        .collect();
    let runs = parallel_map(&names, |name| {
        (run(&[script_arg(name)]), run(&[script_arg(name)]))
    });
    let mut failures = Vec::new();
    for (name, (a, b)) in names.iter().zip(runs) {
        if a != b {
            let mut why = Vec::new();
            if a.status != b.status || a.timed_out != b.timed_out {
                why.push(format!("status {} vs {}", a.status_text(), b.status_text()));
            }
            if a.stdout != b.stdout {
                why.push(first_diff("stdout", &a.stdout, &b.stdout));
            }
            if a.stderr != b.stderr {
                why.push(first_diff("stderr", &a.stderr, &b.stderr));
            }
            failures.push(format!("{name}: two runs differ: {}", why.join("; ")));
        }
    }
    if !failures.is_empty() {
        panic!("{}", failures.join("\n"));
    }
}

/// Every script has its expected output checked in, and every expectation file has a script.
#[test]
fn expected_files_are_consistent() {
    let dir = lua_dir();
    let mut by_stem: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in fs::read_dir(&dir).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        if let Some((stem, ext)) = name.rsplit_once('.') {
            by_stem
                .entry(stem.to_string())
                .or_default()
                .insert(ext.to_string());
        }
    }
    let mut problems = Vec::new();
    for (stem, exts) in &by_stem {
        let has = |x: &str| exts.contains(x);
        if has("lua") && !has("out") {
            problems.push(format!("{stem}.lua has no {stem}.out (run tests/regen.sh)"));
        }
        for x in ["out", "err"] {
            if has(x) && !has("lua") {
                problems.push(format!("{stem}.{x} has no {stem}.lua"));
            }
        }
    }
    for list in ["KNOWN_FAILURES", "SNAPSHOT_SLOW"] {
        for name in name_list(list) {
            if !by_stem.get(&name).is_some_and(|e| e.contains("lua")) {
                problems.push(format!("{list} lists {name}, but there is no {name}.lua"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
