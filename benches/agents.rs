//! Many agents on one scheduler: 10,000 agents forked from one image, each a behaviour loop
//! (wait for an event, update its table, send a message to a neighbour). Reports spawn time,
//! memory per agent (idle in `receive()` and after running), ticks/s, fuel/s, and the
//! scheduler's share of the time against the same agents run as coroutines of one plain VM
//! (and against the bare table work inline, a floor).
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

/// The same agents in one plain VM, as the host would write them without a scheduler: each
/// agent is a coroutine running the very same `AGENT` chunk, and `receive`, `send` and
/// `agent_id` are Lua functions over per-agent ring buffers (a message is a value and its
/// sender, inboxes hold at most 16, an agent with an empty inbox yields). Each tick posts one event
/// to every agent, then resumes, in id order, every agent with something in its inbox: the
/// scheduler's semantics, so the difference is what the scheduler itself costs.
const COROUTINES: &str = r#"
local n, src = ...
local agent = assert(load(src, "=agent"))
local vals, froms, first, last = {}, {}, {}, {}
local current = 0
for i = 1, n do vals[i], froms[i], first[i], last[i] = {}, {}, 1, 0 end
local function push(to, v, from)
  local l = last[to]
  if l - first[to] + 1 >= 16 then return false end
  l = l + 1
  last[to] = l
  local slot = l % 16 + 1
  vals[to][slot], froms[to][slot] = v, from
  return true
end
agent_id = function() return current end
send = function(to, v) return push(to, v, current) end
local yield = coroutine.yield
receive = function()
  local me = current
  local f = first[me]
  if f > last[me] then yield() f = first[me] end
  local vs, fs, slot = vals[me], froms[me], f % 16 + 1
  local v, from = vs[slot], fs[slot]
  vs[slot], fs[slot] = nil, nil
  first[me] = f + 1
  return v, from
end
local cos = {}
local resume = coroutine.resume
for i = 1, n do
  cos[i] = coroutine.create(agent)
  current = i
  assert(resume(cos[i], n))
end
function run_ticks(ticks)
  for t = 0, ticks - 1 do
    for i = 1, n do push(i, t, 0) end
    for i = 1, n do
      if first[i] <= last[i] then
        current = i
        assert(resume(cos[i]))
      end
    end
  end
end
"#;

/// Runs `vm`'s main chunk to its end; returns the wall time and fuel it took.
fn run_plain(vm: &mut telelua::Vm) -> (std::time::Duration, u64) {
    let t = Instant::now();
    let fuel0 = vm.fuel_used();
    loop {
        match vm.step(u64::MAX / 4) {
            StepResult::Finished(_) => break,
            StepResult::OutOfFuel => continue,
            other => panic!("{other:?}"),
        }
    }
    (t.elapsed(), vm.fuel_used() - fuel0)
}

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

    // The same table work inline in one plain VM (no calls, no messages): a floor.
    let mut vm = VmOptions::new().build();
    vm.load_with_args(
        PLAIN.as_bytes(),
        "=plain",
        &[(n as i64).into(), (ticks as i64).into()],
    )
    .unwrap();
    let (plain, plain_fuel) = run_plain(&mut vm);
    drop(vm);

    // The same agents as coroutines of one plain VM (the fair baseline: same Lua work,
    // receives, sends and switches, without the scheduler).
    // Setting up (creating the coroutines, their first run to `receive()`) is not timed, as
    // spawning and the first tick are not in the scheduler's figure.
    let mut vm = VmOptions::new().build();
    vm.load_with_args(
        COROUTINES.as_bytes(),
        "=coroutines",
        &[
            (n as i64).into(),
            telelua::HostValue::Str(AGENT.as_bytes().to_vec()),
        ],
    )
    .unwrap();
    run_plain(&mut vm);
    vm.load_with_args(b"run_ticks(...)", "=run", &[(ticks as i64).into()])
        .unwrap();
    let (co, co_fuel) = run_plain(&mut vm);
    drop(vm);

    let secs = run.as_secs_f64();
    let events = (n * ticks) as f64;
    let per_event_sched = secs / events;
    let per_event_plain = plain.as_secs_f64() / events;
    let per_event_co = co.as_secs_f64() / events;
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
    let per = |f: u64| f / (n * ticks);
    println!(
        "per host event (2 messages)    {:.2} µs scheduler ({} fuel)",
        per_event_sched * 1e6,
        per(fuel)
    );
    println!(
        "  same agents as coroutines    {:.2} µs in one plain VM ({} fuel)",
        per_event_co * 1e6,
        per(co_fuel)
    );
    println!(
        "  same table work inline       {:.2} µs in one plain VM ({} fuel)",
        per_event_plain * 1e6,
        per(plain_fuel)
    );
    println!(
        "scheduler's share of the time  {:.0}% against the coroutines, {:.0}% against the inline work",
        (1.0 - per_event_co / per_event_sched) * 100.0,
        (1.0 - per_event_plain / per_event_sched) * 100.0
    );
}
