//! Many agents on one scheduler: 10,000 agents forked from one image, each a behaviour loop
//! (wait for an event, update its table, send a message to a neighbour). Reports spawn time,
//! memory per agent (idle in `receive()` and after running), ticks/s, fuel/s, and the
//! scheduler's share of the time against the same Lua work run as one plain VM.
//!
//! Run with `cargo bench --bench agents` (`AGENTS=n TICKS=n` to change the size).

use std::time::Instant;

use telelua::{AgentId, Message, Scheduler, SchedulerOptions, StepResult, VmOptions};

/// The agent: an event from the host (sender 0) updates its table and is passed on to its
/// neighbour; an event from a neighbour only updates the table.
const AGENT: &str = r#"
local n = ...
local me = agent_id()
local state = {events = 0, sum = 0, last = 0}
while true do
  local ev, from = receive()
  state.events = state.events + 1
  state.sum = state.sum + ev
  state.last = from
  if from == 0 then send(me % n + 1, ev + 1) end
end
"#;

/// The same work in one VM: every agent's table, the events and the neighbour's update, in
/// one loop (no scheduler, no messages).
const PLAIN: &str = r#"
local n, ticks = ...
local states = {}
for i = 1, n do states[i] = {events = 0, sum = 0, last = 0} end
for t = 1, ticks do
  for me = 1, n do
    local state = states[me]
    local ev = t
    state.events = state.events + 1
    state.sum = state.sum + ev
    state.last = 0
    local other = states[me % n + 1]
    other.events = other.events + 1
    other.sum = other.sum + ev + 1
    other.last = me
  end
end
return states[1].events
"#;

/// Resident memory of this process in bytes (Linux), to measure what forks really take.
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let n = env("AGENTS", 10_000);
    let ticks = env("TICKS", 50);
    let mut sched = Scheduler::new(SchedulerOptions {
        slice: 10_000,
        inbox_limit: 16,
        ..SchedulerOptions::default()
    });
    let mut base = sched.with_natives(VmOptions::new()).build();
    base.load_with_args(AGENT.as_bytes(), "=agent", &[(n as i64).into()])
        .unwrap();
    let image = base.image().unwrap();

    let rss0 = rss();
    let t = Instant::now();
    let ids: Vec<AgentId> = (0..n)
        .map(|_| sched.spawn_from_image(&image, VmOptions::new()).unwrap())
        .collect();
    let spawn = t.elapsed();
    // One tick: every agent runs its prologue and waits in receive().
    sched.run_ticks(1);
    let idle_rss = rss().saturating_sub(rss0) as f64 / n as f64;
    let idle_counted: u64 = ids
        .iter()
        .map(|id| sched.vm(*id).unwrap().memory_used())
        .sum();

    let fuel0: u64 = ids.iter().map(|id| sched.fuel_used(*id).unwrap()).sum();
    let t = Instant::now();
    for tick in 0..ticks {
        for id in &ids {
            sched.post(*id, Message::Int(tick as i64)).unwrap();
        }
        sched.run_ticks(1);
    }
    let run = t.elapsed();
    let fuel: u64 = ids
        .iter()
        .map(|id| sched.fuel_used(*id).unwrap())
        .sum::<u64>()
        - fuel0;
    let busy_rss = rss().saturating_sub(rss0) as f64 / n as f64;
    let busy_counted: u64 = ids
        .iter()
        .map(|id| sched.vm(*id).unwrap().memory_used())
        .sum();

    // The same Lua work in one plain VM.
    let mut vm = VmOptions::new().build();
    vm.load_with_args(
        PLAIN.as_bytes(),
        "=plain",
        &[(n as i64).into(), (ticks as i64).into()],
    )
    .unwrap();
    let t = Instant::now();
    let plain_fuel0 = vm.fuel_used();
    loop {
        match vm.step(u64::MAX / 4) {
            StepResult::Finished(_) => break,
            StepResult::OutOfFuel => continue,
            other => panic!("{other:?}"),
        }
    }
    let plain = t.elapsed();
    let plain_fuel = vm.fuel_used() - plain_fuel0;

    let secs = run.as_secs_f64();
    let per_event_sched = secs / (n * ticks) as f64;
    let per_event_plain = plain.as_secs_f64() / (n * ticks) as f64;
    println!("agents                         {n}");
    println!("ticks                          {ticks}");
    println!(
        "spawn from image               {:.2} µs/agent",
        spawn.as_secs_f64() * 1e6 / n as f64
    );
    println!(
        "idle agent in receive()        {:.1} KB resident, {:.1} KB counted",
        idle_rss / 1024.0,
        idle_counted as f64 / n as f64 / 1024.0
    );
    println!(
        "agent after {ticks} ticks          {:.1} KB resident, {:.1} KB counted",
        busy_rss / 1024.0,
        busy_counted as f64 / n as f64 / 1024.0
    );
    println!("ticks/s                        {:.1}", ticks as f64 / secs);
    println!(
        "fuel/s                         {:.1} M",
        fuel as f64 / secs / 1e6
    );
    println!(
        "per host event (2 messages)    {:.2} µs scheduler, {:.2} µs plain VM ({} vs {} fuel)",
        per_event_sched * 1e6,
        per_event_plain * 1e6,
        fuel / (n * ticks),
        plain_fuel / (n * ticks)
    );
    println!(
        "scheduler's share of the time  {:.0}%",
        (1.0 - per_event_plain / per_event_sched) * 100.0
    );
}
