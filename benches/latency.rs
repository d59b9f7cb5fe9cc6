//! Bounded latency (issue 5): adversarial scripts driven with `step(10_000)` under a 256 MiB
//! budget; reports for each the longest single step (wall and thread CPU time), the mean
//! step's CPU time and the VM's peak accounted memory. Goal: under 2 ms on the development
//! machine. The scripts over a million live tables (issue 13) show what the collector's
//! pauses cost on a big heap.
//! Run: `cargo bench --bench latency`. Each script runs for at most `STEPS` steps (or to its
//! end); scripts that would run forever are simply cut off there. With `LATENCY_TRACE` set,
//! every step over 3 ms (CPU) is printed with its number and the VM's memory count.

use std::time::{Duration, Instant};

use telelua::{StepResult, Vm};

const FUEL_PER_STEP: u64 = 10_000;
const STEPS: usize = 3_000;
const MEMORY_BUDGET: u64 = 256 << 20;

const SCRIPTS: &[(&str, &str)] = &[
    ("infinite loop", "while true do end"),
    (
        "deep recursion",
        "local function f(n) return 1 + f(n + 1) end print(pcall(f, 1))",
    ),
    (
        "backtracking pattern",
        r#"local s = string.rep("a", 5000) .. "b" for i = 1, 100 do s:find("a-a-a-a-a-a-a-c") end"#,
    ),
    (
        "string.rep 50 MB",
        r#"local s = string.rep("x", 50e6) print(#s)"#,
    ),
    (
        "gsub over 10 MB",
        r#"local s = string.rep("abc ", 25e5) local r, n = s:gsub("%w+", "%0%0") print(#r, n)"#,
    ),
    (
        "sort 1e6 with a Lua comparator",
        r#"local t = {} local x = 1 for i = 1, 1e6 do x = (x * 1103515245 + 12345) % 2147483648 t[i] = x end
           table.sort(t, function(a, b) return a > b end)"#,
    ),
    (
        "table.concat of 1e6 items",
        r#"local t = {} for i = 1, 1e6 do t[i] = "item" end print(#table.concat(t, ","))"#,
    ),
    (
        "metamethod ping-pong",
        r#"local mt = {} mt.__index = function(t, k) return k end
           local p = setmetatable({}, mt) local n = 0 while true do n = n + p[1] end"#,
    ),
    (
        "coroutine ping-pong",
        r#"local co = coroutine.wrap(function() while true do coroutine.yield(1) end end)
           local n = 0 while true do n = n + co() end"#,
    ),
    (
        "allocation churn (GC)",
        r#"while true do local t = {} for i = 1, 100 do t[i] = {i, tostring(i)} end end"#,
    ),
    (
        "filling a table with 1e6 objects",
        r#"local t = {} for i = 1, 1e6 do t[i] = {} end
           local x = 0 while true do x = x + 1 end"#,
    ),
    (
        "filling a hash part with 1e6 objects",
        r#"local t = {} for i = 1, 1e6 do t["k" .. i] = {} end
           local x = 0 while true do x = x + 1 end"#,
    ),
    (
        "churn over a hash part of 1e6 objects",
        r#"local t = {} for i = 1, 1e6 do t["k" .. i] = {} end
           while true do local g = {} for i = 1, 100 do g[i] = {i} end end"#,
    ),
    (
        "removals and inserts in a hash part of 1e6 keys",
        r#"local t = {} for i = 1, 1e6 do t["k" .. i] = true end
           local lo, hi = 1, 1e6
           while true do t["k" .. lo] = nil lo = lo + 1 hi = hi + 1 t["k" .. hi] = true end"#,
    ),
    (
        "full collections of 1e6 objects",
        r#"local t = {} for i = 1, 1e6 do t[i] = {} end
           while true do collectgarbage() end"#,
    ),
    (
        "churn over 1e6 objects",
        r#"local t = {} for i = 1, 1e6 do t[i] = {} end
           while true do local g = {} for i = 1, 100 do g[i] = {i} end end"#,
    ),
    (
        "churn over 1e6 objects with a finalizer",
        r#"local t = {} for i = 1, 1e6 do t[i] = {} end
           setmetatable({}, {__gc = function() end})
           while true do local g = {} for i = 1, 100 do g[i] = {i} end end"#,
    ),
    (
        "string concat churn (GC)",
        r#"local s = "" while true do s = s .. "x" if #s > 100000 then s = "" end end"#,
    ),
];

/// CPU time this thread has run (`CLOCK_THREAD_CPUTIME_ID`). Unlike wall time it leaves out
/// moments the OS gave the core to another process, which on a shared machine would otherwise
/// dominate the maximum.
#[cfg(unix)]
fn thread_cpu_time() -> Option<Duration> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the call only writes into it.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

#[cfg(not(unix))]
fn thread_cpu_time() -> Option<Duration> {
    None
}

/// Set in a child process: run the one script with this exact name.
const CHILD_ENV: &str = "TELELUA_LATENCY_SCRIPT";

fn main() {
    if let Ok(name) = std::env::var(CHILD_ENV) {
        if let Some((name, src)) = SCRIPTS.iter().find(|(n, _)| *n == name) {
            measure(name, src);
        }
        return;
    }
    // `cargo bench --bench latency -- NAME` runs only the scripts whose name contains NAME.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    println!(
        "| script | steps | max step (wall) | max step (CPU) | mean step (CPU) | peak memory |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    // Each script runs in a fresh process: what the allocator keeps from an earlier script
    // (glibc raises its mmap threshold after a big buffer is freed, so later big buffers grow
    // by copying) would otherwise decide the next one's worst step.
    let exe = std::env::current_exe().expect("the bench's own path");
    for (name, _) in SCRIPTS {
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        let out = std::process::Command::new(&exe)
            .env(CHILD_ENV, name)
            .output()
            .expect("runs the bench in a child process");
        print!("{}", String::from_utf8_lossy(&out.stdout));
    }
}

/// Runs one script with `step(FUEL_PER_STEP)` and prints its table row.
fn measure(name: &str, src: &str) {
    let mut vm = Vm::new();
    vm.set_memory_limit(Some(MEMORY_BUDGET));
    vm.load(src.as_bytes(), "=bench").expect("compiles");
    let mut max = Duration::ZERO;
    let mut max_cpu = Duration::ZERO;
    let mut total_cpu = Duration::ZERO;
    let mut steps = 0;
    for _ in 0..STEPS {
        let cpu = thread_cpu_time();
        let t = Instant::now();
        let r = vm.step(FUEL_PER_STEP);
        let dt = t.elapsed();
        if let (Some(before), Some(after)) = (cpu, thread_cpu_time()) {
            let dt_cpu = after.saturating_sub(before);
            max_cpu = max_cpu.max(dt_cpu);
            if std::env::var("LATENCY_TRACE").is_ok() && dt_cpu > Duration::from_millis(3) {
                println!(
                    "step {steps}: {:.3} ms, memory {}",
                    dt_cpu.as_secs_f64() * 1e3,
                    vm.memory_used()
                );
            }
            total_cpu += dt_cpu;
        }
        max = max.max(dt);
        steps += 1;
        if !matches!(r, StepResult::OutOfFuel) {
            break;
        }
    }
    println!(
        "| {name} | {steps} | {:.3} ms | {:.3} ms | {:.3} ms | {:.1} MB |",
        max.as_secs_f64() * 1e3,
        max_cpu.as_secs_f64() * 1e3,
        total_cpu.as_secs_f64() * 1e3 / steps as f64,
        vm.memory_peak() as f64 / 1e6
    );
}
