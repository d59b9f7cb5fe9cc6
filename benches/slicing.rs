//! What preemption costs: each program of `benches/lua/*.lua` run as one big `step` and as
//! steps of 1,000 fuel (the target: under 5% slower), in the same process,
//! interleaved, with the same fuel and result checked. Prints a markdown table of the best
//! times and their ratio.
//!
//! Run: `cargo bench --profile fast --bench slicing` (all programs) or `... -- fib loop`.
//! `BENCH_REPS` (default 5) sets the runs per program and mode. For instruction counts
//! (steady on a shared machine), run one mode of one program under callgrind:
//! `SLICING_ONLY=sliced valgrind --tool=callgrind target/fast/deps/slicing-* fib`
//! (`SLICING_ONLY=whole` for the other).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use telelua::{Host, HostValue, Profile, StepResult, Vm};

/// The slice of the sliced runs.
const SLICE: u64 = 1_000;

/// One run: the result (as text), the fuel used and the time taken.
fn run(name: &str, source: &str, slice: u64) -> Result<(String, u64, Duration), String> {
    let host = Host {
        stdout: Box::new(std::io::sink()),
        stderr: Box::new(std::io::sink()),
        ..Host::default()
    };
    let start = Instant::now();
    let mut vm = Vm::with_profile(Profile::Sandbox, host);
    vm.load(source.as_bytes(), &format!("@{name}.lua"))
        .map_err(|e| e.message)?;
    loop {
        match vm.step(slice) {
            StepResult::OutOfFuel => continue,
            StepResult::Finished(v) => {
                let result = match v.first() {
                    Some(HostValue::Int(i)) => i.to_string(),
                    Some(HostValue::Float(f)) => format!("{f:?}"),
                    Some(other) => other.type_name().to_string(),
                    None => "nothing".into(),
                };
                return Ok((result, vm.fuel_used(), start.elapsed()));
            }
            StepResult::Error(e) => return Err(e.message),
            other => return Err(format!("unexpected {other:?}")),
        }
    }
}

fn programs(filter: &[String]) -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/lua");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.sort();
    paths
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "lua"))
        .filter_map(|p| {
            let name = p.file_stem()?.to_string_lossy().into_owned();
            let keep = filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
            let source = std::fs::read_to_string(&p).ok()?;
            keep.then_some((name, source))
        })
        .collect()
}

fn main() {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let reps: usize = std::env::var("BENCH_REPS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let only = std::env::var("SLICING_ONLY").ok();
    if let Some(mode) = only {
        // One mode, once, for an instruction count.
        let slice = if mode == "sliced" { SLICE } else { 1 << 40 };
        for (name, source) in programs(&filter) {
            match run(&name, &source, slice) {
                Ok((r, fuel, t)) => println!("{name} {mode}: {r}, {fuel} fuel, {t:?}"),
                Err(e) => println!("{name} {mode}: error: {e}"),
            }
        }
        return;
    }
    println!("| program | fuel | one step (best) | steps of {SLICE} (best) | ratio |");
    println!("|---|---:|---:|---:|---:|");
    let mut log_sum = 0.0;
    let mut count = 0;
    for (name, source) in programs(&filter) {
        let mut best = [Duration::MAX, Duration::MAX];
        let mut seen: Option<(String, u64)> = None;
        let mut failed = None;
        for rep in 0..reps {
            // Interleaved, the order alternating, so drift in load affects both alike.
            for k in 0..2 {
                let mode = (rep + k) % 2;
                let slice = if mode == 0 { 1 << 40 } else { SLICE };
                match run(&name, &source, slice) {
                    Ok((r, fuel, t)) => {
                        match &seen {
                            None => seen = Some((r, fuel)),
                            Some(s) if *s != (r.clone(), fuel) => {
                                failed = Some(format!("differs: {s:?} against {:?}", (r, fuel)));
                            }
                            Some(_) => {}
                        }
                        best[mode] = best[mode].min(t);
                    }
                    Err(e) => failed = Some(e),
                }
            }
        }
        match (failed, seen) {
            (Some(e), _) => println!("| {name} | | | | error: {e} |"),
            (None, None) => println!("| {name} | | | | no run |"),
            (None, Some((_, fuel))) => {
                let ratio = best[1].as_secs_f64() / best[0].as_secs_f64();
                log_sum += ratio.ln();
                count += 1;
                println!(
                    "| {name} | {fuel} | {:.1} ms | {:.1} ms | {ratio:.3} |",
                    best[0].as_secs_f64() * 1e3,
                    best[1].as_secs_f64() * 1e3
                );
            }
        }
    }
    if count > 0 {
        println!(
            "| geometric mean | | | | {:.3} |",
            (log_sum / count as f64).exp()
        );
    }
}
