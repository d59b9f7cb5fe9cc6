//! Interpreter benchmark: runs the Lua programs in `benches/lua/*.lua` on several engines in the
//! same run and prints a markdown table of median wall times.
//!
//! Run: `cargo bench --bench interp` (all programs) or `cargo bench --bench interp -- fib loop`
//! (programs whose name contains one of the words). Environment:
//! - `BENCH_REPS` (default 5): timed runs per program and engine; the table shows the median.
//! - `BENCH_MAX_SECS` (default 40): an engine stops repeating a program once its runs of that
//!   program have taken this long in total (so a slow engine gets fewer, not endless, runs).
//! - `BENCH_ENGINES`: comma-separated subset of `puc,lua5.4,telelua,piccolo`.
//!
//! Engines:
//! - `telelua`: this crate, through `telelua::Vm` (sandbox profile, stdout discarded),
//!   `step` with a huge budget until finished.
//! - `PUC (mlua)`: PUC-Rio Lua 5.4 compiled from source by `mlua` (`vendored`), in process.
//! - `lua5.4`: the system binary, if installed; its times include process start-up (~1 ms).
//! - `piccolo`: the stackless Rust Lua VM from crates.io, run to completion with `Lua::finish`.
//!
//! Ratios: telelua's median time over PUC's (mlua), over the `lua5.4` binary's, piccolo's over
//! PUC's, and telelua's over PUC's computed from each engine's fastest run (the steadier
//! estimate when the machine is shared and loaded); the last row holds their geometric means.
//!
//! Peak memory (set `BENCH_MEMORY=0` to skip): one extra, untimed run per program of the
//! `telelua` CLI (`--sandbox`) and of the `lua5.4` binary as child processes, compared by their
//! peak resident set size (`VmHWM`, polled): whole processes, start-up included, so the two
//! include their own binaries and libraries (a few MB; compare on programs that allocate).
//! For steady figures on a noisy machine, count instructions instead:
//! `valgrind --tool=callgrind target/release/telelua benches/lua/fib.lua` against
//! `valgrind --tool=callgrind lua5.4 benches/lua/fib.lua`.
//!
//! Every run creates a fresh VM, compiles the source and runs it: compile time is included but
//! is negligible at these program sizes. Engines are interleaved (the order rotates each round)
//! so that drift in machine load affects all of them alike. Each program returns one value (an
//! integer); every engine's result is checked against PUC's, and a mismatch is shown as `wrong`.
//! A program an engine cannot run shows `error: <message>` (telelua) or `n/a` (piccolo, whose
//! standard library lacks e.g. `string.format` and `table.sort`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use telelua::Host;
use telelua::{HostValue, Profile, StepResult, Vm};

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
enum Engine {
    Puc,
    LuaBin,
    Telelua,
    Piccolo,
}

impl Engine {
    fn label(self) -> &'static str {
        match self {
            Engine::Puc => "PUC 5.4 (mlua)",
            Engine::LuaBin => "lua5.4 binary",
            Engine::Telelua => "telelua",
            Engine::Piccolo => "piccolo 0.3",
        }
    }
    fn key(self) -> &'static str {
        match self {
            Engine::Puc => "puc",
            Engine::LuaBin => "lua5.4",
            Engine::Telelua => "telelua",
            Engine::Piccolo => "piccolo",
        }
    }
}

struct Program {
    name: String,
    path: PathBuf,
    source: String,
}

/// What one run produced: the program's result rendered as text, or why it could not run.
type Outcome = Result<String, String>;

fn one_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or("").trim();
    let mut out: String = line.chars().take(60).collect();
    if line.chars().count() > 60 {
        out.push('…');
    }
    out.replace('|', "\\|")
}

fn run_telelua(p: &Program) -> Outcome {
    let host = Host {
        stdout: Box::new(std::io::sink()),
        stderr: Box::new(std::io::sink()),
        ..Host::default()
    };
    let mut vm = Vm::with_profile(Profile::Sandbox, host);
    vm.load(p.source.as_bytes(), &format!("@{}.lua", p.name))
        .map_err(|e| e.message)?;
    loop {
        match vm.step(1 << 40) {
            StepResult::OutOfFuel => continue,
            StepResult::Finished(v) => {
                return Ok(match v.first() {
                    None | Some(HostValue::Nil) => "nil".into(),
                    Some(HostValue::Int(i)) => i.to_string(),
                    Some(HostValue::Float(f)) => format!("{f:?}"),
                    Some(HostValue::Str(s)) => String::from_utf8_lossy(s).into_owned(),
                    Some(HostValue::Bool(b)) => b.to_string(),
                    Some(other) => other.type_name().to_string(),
                })
            }
            StepResult::Yielded(_) => return Err("main chunk yielded".into()),
            StepResult::Waiting { kind } => {
                return Err(format!("main chunk waits for the host ({kind})"))
            }
            StepResult::Error(e) => return Err(e.message),
        }
    }
}

fn run_puc(p: &Program) -> Outcome {
    let lua = mlua::Lua::new();
    let v: mlua::Value = lua
        .load(p.source.as_str())
        .set_name(format!("@{}.lua", p.name))
        .eval()
        .map_err(|e| e.to_string())?;
    Ok(match v {
        mlua::Value::Nil => "nil".into(),
        mlua::Value::Integer(i) => i.to_string(),
        mlua::Value::Number(f) => format!("{f:?}"),
        mlua::Value::Boolean(b) => b.to_string(),
        mlua::Value::String(s) => String::from_utf8_lossy(&s.as_bytes()).into_owned(),
        other => format!("{other:?}"),
    })
}

fn run_lua_bin(p: &Program) -> Outcome {
    let path = p
        .path
        .to_str()
        .ok_or("non-UTF-8 path")?
        .replace('\\', "\\\\")
        .replace('\'', "\\'");
    let out = Command::new("lua5.4")
        .arg("-e")
        .arg(format!("io.write(tostring((dofile('{path}'))))"))
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn run_piccolo(p: &Program) -> Outcome {
    use piccolo::{Closure, Executor, Lua, Value};
    let mut lua = Lua::core();
    let name = format!("{}.lua", p.name);
    let ex = lua
        .try_enter(|ctx| {
            let closure = Closure::load(ctx, Some(name.as_str()), p.source.as_bytes())?;
            Ok(ctx.stash(Executor::start(ctx, closure.into(), ())))
        })
        .map_err(|e| e.to_string())?;
    lua.finish(&ex);
    lua.enter(|ctx| match ctx.fetch(&ex).take_result::<Value>(ctx) {
        Ok(Ok(v)) => Ok(match v {
            Value::Integer(i) => i.to_string(),
            Value::Number(f) => format!("{f:?}"),
            other => other.to_string(),
        }),
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) => Err(e.to_string()),
    })
}

/// Runs `cmd` to completion with its output discarded and returns its peak resident set size
/// in bytes (`VmHWM` of `/proc/PID/status`, polled every millisecond while it runs: growth in
/// its last millisecond is missed), or `None` if it could not run or failed.
///
/// (Not `wait4`'s `ru_maxrss`: Linux starts a child's with its parent's, this benchmark's.)
fn peak_rss(mut cmd: Command) -> Option<u64> {
    use std::process::Stdio;
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kb: u64 = 0;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_path) {
            if let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak_kb = peak_kb.max(kb);
            }
        }
        match child.try_wait() {
            Ok(Some(st)) => break st,
            Ok(None) => std::thread::sleep(Duration::from_millis(1)),
            Err(_) => return None,
        }
    };
    (status.success() && peak_kb > 0).then_some(peak_kb * 1024)
}

/// Peak memory of `(telelua CLI, lua5.4 binary)` on one program.
fn peak_memory(p: &Program, lua_bin: bool) -> (Option<u64>, Option<u64>) {
    let mut t = Command::new(env!("CARGO_BIN_EXE_telelua"));
    t.arg("--sandbox").arg(&p.path);
    let tele = peak_rss(t);
    let puc = if lua_bin {
        let mut l = Command::new("lua5.4");
        l.arg(&p.path);
        peak_rss(l)
    } else {
        None
    };
    (tele, puc)
}

fn geomean(rs: &[f64]) -> Option<f64> {
    if rs.is_empty() {
        None
    } else {
        Some((rs.iter().map(|r| r.ln()).sum::<f64>() / rs.len() as f64).exp())
    }
}

fn run(engine: Engine, p: &Program) -> (Duration, Outcome) {
    let start = Instant::now();
    let outcome = match engine {
        Engine::Puc => run_puc(p),
        Engine::LuaBin => run_lua_bin(p),
        Engine::Telelua => run_telelua(p),
        Engine::Piccolo => run_piccolo(p),
    };
    (start.elapsed(), outcome)
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    }
}

/// The table cell for one engine on one program.
enum Cell {
    /// Median, minimum, number of runs.
    Time(Duration, Duration, usize),
    Wrong(String),
    Failed(String),
    Skipped,
}

fn load_programs(dir: &Path, filters: &[String]) -> Vec<Program> {
    let mut programs: Vec<Program> = std::fs::read_dir(dir)
        .expect("benches/lua exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "lua"))
        .map(|path| Program {
            name: path.file_stem().unwrap().to_string_lossy().into_owned(),
            source: std::fs::read_to_string(&path).expect("readable program"),
            path,
        })
        .filter(|p| filters.is_empty() || filters.iter().any(|f| p.name.contains(f.as_str())))
        .collect();
    programs.sort_by(|a, b| a.name.cmp(&b.name));
    programs
}

fn fmt_time(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

fn main() {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let reps: usize = std::env::var("BENCH_REPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
        .max(1);
    let max_secs: f64 = std::env::var("BENCH_MAX_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(40.0);
    let wanted: Option<Vec<String>> = std::env::var("BENCH_ENGINES")
        .ok()
        .map(|s| s.split(',').map(|x| x.trim().to_string()).collect());

    let lua_bin = Command::new("lua5.4")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success());
    if !lua_bin {
        eprintln!("lua5.4 not found on PATH: skipping the binary column");
    }
    let mut engines = vec![Engine::Puc];
    if lua_bin {
        engines.push(Engine::LuaBin);
    }
    engines.push(Engine::Telelua);
    engines.push(Engine::Piccolo);
    if let Some(w) = &wanted {
        engines.retain(|e| w.iter().any(|k| k == e.key()));
    }

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/lua");
    let programs = load_programs(&dir, &filters);
    eprintln!(
        "{} programs x {} engines, {} timed runs each (median shown), engines interleaved",
        programs.len(),
        engines.len(),
        reps
    );

    let measure_memory = std::env::var("BENCH_MEMORY").map_or(true, |v| v != "0");
    let mut rows: Vec<Row> = Vec::new();
    for p in &programs {
        // The reference answer: PUC's result (computed once, untimed, if PUC is not benchmarked).
        let reference = run_puc(p).ok();
        let mut times: Vec<Vec<Duration>> = vec![Vec::new(); engines.len()];
        let mut spent: Vec<f64> = vec![0.0; engines.len()];
        let mut cells: Vec<Option<Cell>> = engines.iter().map(|_| None).collect();
        for round in 0..reps {
            for k in 0..engines.len() {
                // Rotate the order each round so no engine always runs first (or last).
                let i = (k + round) % engines.len();
                if cells[i].is_some() || (round > 0 && spent[i] >= max_secs) {
                    continue;
                }
                let engine = engines[i];
                let (t, outcome) = run(engine, p);
                match outcome {
                    Ok(v) if reference.as_ref().is_none_or(|r| *r == v) => {
                        times[i].push(t);
                        spent[i] += t.as_secs_f64();
                    }
                    Ok(v) => cells[i] = Some(Cell::Wrong(v)),
                    Err(e) if engine == Engine::Piccolo => {
                        eprintln!("  {} on {}: {}", engine.key(), p.name, one_line(&e));
                        cells[i] = Some(Cell::Failed("n/a".into()))
                    }
                    Err(e) => cells[i] = Some(Cell::Failed(format!("error: {}", one_line(&e)))),
                }
            }
        }
        let cells: Vec<Cell> = cells
            .into_iter()
            .zip(times)
            .map(|(c, mut t)| match c {
                Some(c) => c,
                None if t.is_empty() => Cell::Skipped,
                None => {
                    let n = t.len();
                    let min = *t.iter().min().unwrap();
                    Cell::Time(median(&mut t), min, n)
                }
            })
            .collect();
        let summary: Vec<String> = engines
            .iter()
            .zip(&cells)
            .map(|(e, c)| match c {
                Cell::Time(d, m, n) => format!(
                    "{} {} s (min {}, n={n})",
                    e.key(),
                    fmt_time(*d),
                    fmt_time(*m)
                ),
                Cell::Wrong(v) => format!("{} wrong ({v})", e.key()),
                Cell::Failed(m) => format!("{} {m}", e.key()),
                Cell::Skipped => format!("{} skipped", e.key()),
            })
            .collect();
        let memory = if measure_memory {
            peak_memory(p, lua_bin)
        } else {
            (None, None)
        };
        let mb =
            |m: Option<u64>| m.map_or("–".to_string(), |b| format!("{:.1} MB", b as f64 / 1e6));
        eprintln!(
            "{:<14} {}; peak memory telelua {}, lua5.4 {}",
            p.name,
            summary.join(", "),
            mb(memory.0),
            mb(memory.1)
        );
        rows.push(Row {
            name: p.name.clone(),
            cells,
            memory,
        });
    }
    print_table(&engines, &rows, measure_memory && lua_bin);
}

/// One program's results.
struct Row {
    name: String,
    /// One cell per engine.
    cells: Vec<Cell>,
    /// Peak resident set size of (telelua CLI, lua5.4 binary), bytes.
    memory: (Option<u64>, Option<u64>),
}

/// Prints the markdown table: times, ratios, peak memory, and a geometric-mean row.
fn print_table(engines: &[Engine], rows: &[Row], memory: bool) {
    let pos = |x: Engine| engines.iter().position(|e| *e == x);
    let time_of = |c: &Cell| match c {
        Cell::Time(d, _, _) => Some(d.as_secs_f64()),
        _ => None,
    };
    let min_of = |c: &Cell| match c {
        Cell::Time(_, m, _) => Some(m.as_secs_f64()),
        _ => None,
    };
    // (label, numerator engine, denominator engine, from the fastest runs)
    let mut ratios: Vec<(String, usize, usize, bool)> = Vec::new();
    let (puc, bin, tele, pic) = (
        pos(Engine::Puc),
        pos(Engine::LuaBin),
        pos(Engine::Telelua),
        pos(Engine::Piccolo),
    );
    if let (Some(t), Some(p)) = (tele, puc) {
        ratios.push(("telelua / PUC".into(), t, p, false));
    }
    if let (Some(t), Some(b)) = (tele, bin) {
        ratios.push(("telelua / lua5.4".into(), t, b, false));
    }
    if let (Some(x), Some(p)) = (pic, puc) {
        ratios.push(("piccolo / PUC".into(), x, p, false));
    }
    if let (Some(t), Some(p)) = (tele, puc) {
        ratios.push(("telelua / PUC (min)".into(), t, p, true));
    }
    let ratio = |cells: &[Cell], &(_, a, b, min): &(String, usize, usize, bool)| {
        let f = if min { min_of } else { time_of };
        match (f(&cells[a]), f(&cells[b])) {
            (Some(x), Some(y)) if y > 0.0 => Some(x / y),
            _ => None,
        }
    };
    let mem_ratio = |r: &Row| match r.memory {
        (Some(t), Some(l)) if l > 0 => Some(t as f64 / l as f64),
        _ => None,
    };

    let mut header = String::from("| program |");
    let mut rule = String::from("|---|");
    for e in engines {
        header += &format!(" {} (s) |", e.label());
        rule += "---:|";
    }
    for r in &ratios {
        header += &format!(" {} |", r.0);
        rule += "---:|";
    }
    if memory {
        header += " peak MB telelua / lua5.4 |";
        rule += "---:|";
    }
    println!();
    println!("{header}");
    println!("{rule}");
    for row in rows {
        let mut line = format!("| {} |", row.name);
        for c in &row.cells {
            line += &match c {
                Cell::Time(d, _, _) => format!(" {} |", fmt_time(*d)),
                Cell::Wrong(v) => format!(" wrong: {} |", one_line(v)),
                Cell::Failed(m) => format!(" {m} |"),
                Cell::Skipped => " – |".to_string(),
            };
        }
        for r in &ratios {
            line += &ratio(&row.cells, r).map_or(" – |".to_string(), |x| format!(" {x:.2}× |"));
        }
        if memory {
            line += &match (row.memory, mem_ratio(row)) {
                ((Some(t), Some(l)), Some(x)) => {
                    format!(" {:.1} / {:.1} = {x:.2}× |", t as f64 / 1e6, l as f64 / 1e6)
                }
                _ => " – |".to_string(),
            };
        }
        println!("{line}");
    }
    // Geometric means over the programs where both engines of a ratio ran.
    let mut line = String::from("| geometric mean |");
    for _ in engines {
        line += " |";
    }
    for r in &ratios {
        let rs: Vec<f64> = rows.iter().filter_map(|row| ratio(&row.cells, r)).collect();
        line += &geomean(&rs).map_or(" – |".to_string(), |g| {
            format!(" {g:.2}× ({} programs) |", rs.len())
        });
    }
    if memory {
        let rs: Vec<f64> = rows.iter().filter_map(mem_ratio).collect();
        line += &geomean(&rs).map_or(" – |".to_string(), |g| format!(" {g:.2}× |"));
    }
    println!("{line}");
}
