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
//! The last column is the same ratio computed from each engine's fastest run, which is the
//! steadier estimate when the machine is shared and loaded.
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

    let mut rows: Vec<(String, Vec<Cell>)> = Vec::new();
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
        eprintln!("{:<12} {}", p.name, summary.join(", "));
        rows.push((p.name.clone(), cells));
    }

    // The markdown table.
    let puc = engines.iter().position(|e| *e == Engine::Puc);
    let ratio_of: Vec<usize> = [Engine::Telelua, Engine::Piccolo]
        .iter()
        .filter_map(|x| engines.iter().position(|e| e == x))
        .collect();
    let mut header = String::from("| program |");
    let mut rule = String::from("|---|");
    for e in &engines {
        header += &format!(" {} (s) |", e.label());
        rule += "---:|";
    }
    if puc.is_some() {
        for &i in &ratio_of {
            header += &format!(" {} / PUC |", engines[i].key());
            rule += "---:|";
        }
        if let Some(&i) = ratio_of.first() {
            header += &format!(" {} / PUC (min) |", engines[i].key());
            rule += "---:|";
        }
    }
    println!();
    println!("{header}");
    println!("{rule}");
    let time_of = |c: &Cell| match c {
        Cell::Time(d, _, _) => Some(d.as_secs_f64()),
        _ => None,
    };
    let min_of = |c: &Cell| match c {
        Cell::Time(_, m, _) => Some(m.as_secs_f64()),
        _ => None,
    };
    for (name, cells) in &rows {
        let mut line = format!("| {name} |");
        for c in cells {
            line += &match c {
                Cell::Time(d, _, _) => format!(" {} |", fmt_time(*d)),
                Cell::Wrong(v) => format!(" wrong: {} |", one_line(v)),
                Cell::Failed(m) => format!(" {m} |"),
                Cell::Skipped => " – |".to_string(),
            };
        }
        if let Some(pi) = puc {
            for &i in &ratio_of {
                line += &match (time_of(&cells[i]), time_of(&cells[pi])) {
                    (Some(a), Some(b)) if b > 0.0 => format!(" {:.2}× |", a / b),
                    _ => " – |".to_string(),
                };
            }
            if let Some(&i) = ratio_of.first() {
                line += &match (min_of(&cells[i]), min_of(&cells[pi])) {
                    (Some(a), Some(b)) if b > 0.0 => format!(" {:.2}× |", a / b),
                    _ => " – |".to_string(),
                };
            }
        }
        println!("{line}");
    }
    // Geometric mean of the ratios over the programs where both ran.
    if let Some(pi) = puc {
        let mut line = String::from("| geometric mean |");
        for _ in &engines {
            line += " |";
        }
        for &i in &ratio_of {
            let rs: Vec<f64> = rows
                .iter()
                .filter_map(|(_, c)| Some(time_of(&c[i])? / time_of(&c[pi])?))
                .collect();
            line += &if rs.is_empty() {
                " – |".to_string()
            } else {
                let g = (rs.iter().map(|r| r.ln()).sum::<f64>() / rs.len() as f64).exp();
                format!(" {g:.2}× ({} programs) |", rs.len())
            };
        }
        if let Some(&i) = ratio_of.first() {
            let rs: Vec<f64> = rows
                .iter()
                .filter_map(|(_, c)| Some(min_of(&c[i])? / min_of(&c[pi])?))
                .collect();
            if !rs.is_empty() {
                let g = (rs.iter().map(|r| r.ln()).sum::<f64>() / rs.len() as f64).exp();
                line += &format!(" {g:.2}× |");
            } else {
                line += " – |";
            }
        }
        println!("{line}");
    }
}
