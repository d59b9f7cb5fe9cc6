//! A game loop: 1,000 scripted entities forked from one image, each given a fuel slice per
//! tick by a `Scheduler`. Every frame the host posts each entity an event; entities move,
//! count what they saw and report to the host now and then. Three of them misbehave — an
//! infinite loop, a memory bomb and a script error — and are stopped or failed on their own
//! while the other 997 run exactly as they would alone. The loop ends with a summary of
//! every entity's state.
//!
//! Run it with `cargo run --release --example host_loop`.

use std::collections::BTreeMap;

use telelua::{
    AgentId, AgentState, Message, Scheduler, SchedulerOptions, StopReason, Value, VmOptions,
    WaitingOn,
};

/// Every entity runs this; the first message it receives is its role.
const ENTITY: &str = r#"
local role = receive()
if role == "loop" then
  while true do end                                   -- a runaway loop
elseif role == "bomb" then
  local hoard, i = {}, 0
  while true do i = i + 1 hoard[i] = string.rep("x", 1000) .. i end  -- a memory bomb
elseif role == "error" then
  local target = nil
  return target.hp                                    -- a script error
end
local me = agent_id()
local state = {x = 0, y = 0, seen = 0, trail = {}}
while true do
  local ev = receive()
  if ev.kind == "quit" then break end
  state.x, state.y = state.x + ev.dx, state.y + ev.dy
  state.seen = state.seen + 1
  state.trail[#state.trail % 8 + 1] = ev.dx * ev.dy
  if state.seen % 10 == 0 then send(0, {id = me, x = state.x, y = state.y}) end
end
return state.seen, state.x + state.y
"#;

/// Frames the loop runs before telling the entities to quit.
const FRAMES: i64 = 30;

/// What the loop saw.
#[derive(Debug)]
pub struct Summary {
    /// How many entities ended in each state ("finished", "failed", "stopped: fuel", ...).
    pub counts: BTreeMap<String, usize>,
    /// Position reports the host received.
    pub reports: usize,
    /// Entities that finished having seen every frame, with the expected position.
    pub healthy: usize,
    /// The misbehaving entities' states.
    pub misbehaving: Vec<(AgentId, &'static str, AgentState)>,
}

/// A `move` event as a message (a table `{kind = "move", dx = .., dy = ..}`).
fn move_event(dx: i64, dy: i64) -> Message {
    Message::Table(vec![
        (Message::from("kind"), Message::from("move")),
        (Message::from("dx"), Message::Int(dx)),
        (Message::from("dy"), Message::Int(dy)),
    ])
}

/// The state's name for the summary.
fn kind(state: &AgentState) -> String {
    match state {
        AgentState::Runnable => "runnable".into(),
        AgentState::Waiting(WaitingOn::Message) => "waiting: message".into(),
        AgentState::Waiting(WaitingOn::Sleep { .. }) => "waiting: sleep".into(),
        AgentState::Waiting(WaitingOn::Other(k)) => format!("waiting: {k}"),
        AgentState::Finished(_) => "finished".into(),
        AgentState::Failed(_) => "failed".into(),
        AgentState::Stopped(StopReason::Fuel) => "stopped: fuel budget".into(),
        AgentState::Stopped(StopReason::Memory) => "stopped: memory budget".into(),
        AgentState::Stopped(StopReason::Host) => "stopped: by the host".into(),
    }
}

/// Runs the loop with `entities` entities (three of which misbehave).
///
/// # Errors
/// If the image cannot be made or forked.
pub fn run(entities: usize) -> telelua::Result<Summary> {
    let mut sched = Scheduler::new(SchedulerOptions {
        slice: 5_000,                // fuel per entity per tick
        fuel_limit: Some(2_000_000), // total fuel per entity
        memory_limit: Some(1 << 20), // 1 MB per entity
        ..SchedulerOptions::default()
    });
    let mut base = sched.with_natives(VmOptions::new()).build();
    base.load(ENTITY.as_bytes(), "=entity")
        .map_err(telelua::Error::from)?;
    let image = base.image()?;
    let ids: Vec<AgentId> = (0..entities)
        .map(|_| sched.spawn_from_image(&image, VmOptions::new()))
        .collect::<telelua::Result<_>>()?;
    let roles = ["loop", "bomb", "error"];
    let mut misbehaving = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let role = match i {
            // Spread the three among the others.
            _ if i == entities / 4 => roles[0],
            _ if i == entities / 2 => roles[1],
            _ if i == entities * 3 / 4 => roles[2],
            _ => "walker",
        };
        if role != "walker" {
            misbehaving.push((*id, role));
        }
        sched.post(*id, Message::from(role))?;
    }
    let mut reports = 0;
    for frame in 0..FRAMES {
        for id in &ids {
            // The misbehaving ones are over (or never read it): a refused post is fine.
            let _ = sched.post(*id, move_event(frame % 3 - 1, 1));
        }
        sched.run_ticks(1);
        reports += sched.take_host_messages().len();
    }
    for id in &ids {
        let _ = sched.post(
            *id,
            Message::Table(vec![(Message::from("kind"), Message::from("quit"))]),
        );
    }
    // Enough ticks for the runaway loop to reach its fuel budget.
    sched.run_ticks(400);
    reports += sched.take_host_messages().len();

    let mut counts = BTreeMap::new();
    let mut healthy = 0;
    // dx cycles -1, 0, 1: the sum over 30 frames is 0; dy is 1 each frame.
    let expected = vec![Value::Int(FRAMES), Value::Int(FRAMES)];
    for (_, state) in sched.states() {
        *counts.entry(kind(state)).or_insert(0) += 1;
        if *state == AgentState::Finished(expected.clone()) {
            healthy += 1;
        }
    }
    let misbehaving = misbehaving
        .into_iter()
        .map(|(id, role)| {
            (
                id,
                role,
                sched.state(id).cloned().unwrap_or(AgentState::Runnable),
            )
        })
        .collect();
    Ok(Summary {
        counts,
        reports,
        healthy,
        misbehaving,
    })
}

/// Runs the example with 1,000 entities and prints the summary.
///
/// # Errors
/// As [`run`].
pub fn main() -> telelua::Result<()> {
    let summary = run(1_000)?;
    println!("entities by state:");
    for (kind, n) in &summary.counts {
        println!("  {n:>5}  {kind}");
    }
    println!(
        "healthy entities (saw all {FRAMES} frames): {}",
        summary.healthy
    );
    println!("position reports received: {}", summary.reports);
    println!("the three that misbehaved:");
    for (id, role, state) in &summary.misbehaving {
        let detail = match state {
            AgentState::Failed(e) => format!("failed: {}", e.message),
            other => kind(other),
        };
        println!("  entity {id} ({role}): {detail}");
    }
    Ok(())
}
