//! The scheduler: fair slices and weights, messages between agents, sleep, isolation of
//! failures and budgets, agents moving between schedulers as bytes, determinism.

use telelua::{
    AgentId, AgentState, Image, Message, Scheduler, SchedulerOptions, StopReason, Value, VmOptions,
    WaitingOn, HOST,
};

/// An image of `src` loaded in a VM with the scheduler's natives.
#[track_caller]
fn image(sched: &Scheduler, src: &str) -> Image {
    let mut vm = sched.with_natives(VmOptions::new()).build();
    vm.load(src.as_bytes(), "=agent").unwrap();
    vm.image().unwrap()
}

/// Spawns one agent running `src`.
#[track_caller]
fn spawn(sched: &mut Scheduler, src: &str) -> AgentId {
    let img = image(sched, src);
    sched.spawn_from_image(&img, VmOptions::new()).unwrap()
}

fn opts(slice: u64) -> SchedulerOptions {
    SchedulerOptions {
        slice,
        ..SchedulerOptions::default()
    }
}

const SPIN: &str = "local n = 0 while true do n = n + 1 end";

#[test]
fn equal_agents_get_equal_fuel() {
    let mut s = Scheduler::new(opts(1_000));
    let ids: Vec<_> = (0..3).map(|_| spawn(&mut s, SPIN)).collect();
    s.run_ticks(20);
    let fuel: Vec<u64> = ids.iter().map(|id| s.fuel_used(*id).unwrap()).collect();
    for f in &fuel {
        // A step may overshoot by one instruction's charge.
        assert!((20_000..20_100).contains(f), "{fuel:?}");
        assert_eq!(*f, fuel[0]);
    }
    assert!(ids
        .iter()
        .all(|id| s.state(*id) == Some(&AgentState::Runnable)));
}

#[test]
fn weights_scale_the_slice() {
    let mut s = Scheduler::new(opts(1_000));
    let a = spawn(&mut s, SPIN);
    let b = spawn(&mut s, SPIN);
    let paused = spawn(&mut s, SPIN);
    s.set_weight(b, 3);
    s.set_weight(paused, 0);
    s.run_ticks(10);
    let (fa, fb) = (s.fuel_used(a).unwrap(), s.fuel_used(b).unwrap());
    assert!((10_000..10_100).contains(&fa), "{fa}");
    assert!((30_000..30_100).contains(&fb), "{fb}");
    assert_eq!(s.fuel_used(paused), Some(0));
}

#[test]
fn tick_budget_rotates_fairly() {
    let mut s = Scheduler::new(SchedulerOptions {
        slice: 1_000,
        tick_budget: Some(2_000),
        ..SchedulerOptions::default()
    });
    let ids: Vec<_> = (0..4).map(|_| spawn(&mut s, SPIN)).collect();
    // Two agents a tick: after 2 ticks every agent had one slice, after 4 two.
    let spent = s.run_ticks(4);
    assert!((8_000..8_100).contains(&spent), "{spent}");
    for id in &ids {
        let f = s.fuel_used(*id).unwrap();
        assert!((2_000..2_100).contains(&f), "{id}: {f}");
    }
}

#[test]
fn agents_send_and_receive() {
    let mut s = Scheduler::new(opts(10_000));
    // The ponger answers each number with the next one; the pinger counts to 10.
    let pong = spawn(
        &mut s,
        "while true do local n, from = receive() send(from, n + 1) end",
    );
    let ping = spawn(
        &mut s,
        &format!(
            "local n = 0 while n < 10 do send({}, n) n = receive() end send(0, n) return n",
            pong.0
        ),
    );
    s.run_ticks(30);
    assert_eq!(s.take_host_messages(), vec![(ping, Message::Int(10))]);
    assert_eq!(
        s.state(ping),
        Some(&AgentState::Finished(vec![Value::Int(10)]))
    );
    assert_eq!(
        s.state(pong),
        Some(&AgentState::Waiting(WaitingOn::Message))
    );
    // A message to a finished agent is refused; to a missing one too.
    assert!(s.post(ping, Message::Nil).is_err());
    assert!(s.post(AgentId(999), Message::Nil).is_err());
}

/// A spawn skips registering the natives when the image already has this scheduler's; an
/// image made with another scheduler's natives, a plain VM's image, or host registrations
/// naming a native still get this scheduler's natives (they win, as before the shortcut).
#[test]
fn spawned_agents_get_this_schedulers_natives() {
    const ECHO: &str = "local v, from = receive() send(0, v * 2) return agent_id()";
    let mut other = Scheduler::new(opts(10_000));
    let foreign = image(&other, ECHO);
    let mut plain = telelua::Vm::new();
    plain.load(ECHO.as_bytes(), "=agent").unwrap();
    let plain = plain.image().unwrap();
    let mut s = Scheduler::new(opts(10_000));
    let own = image(&s, ECHO);
    let overridden = VmOptions::new().register("send", |_cx, (_to, _v): (i64, i64)| Ok(false));
    let ids = [
        s.spawn_from_image(&own, VmOptions::new()).unwrap(),
        s.spawn_from_image(&own, VmOptions::new()).unwrap(),
        s.spawn_from_image(&foreign, VmOptions::new()).unwrap(),
        s.spawn_from_image(&plain, VmOptions::new()).unwrap(),
        s.spawn_from_image(&own, overridden).unwrap(),
    ];
    s.run_ticks(1);
    for (i, id) in ids.iter().enumerate() {
        s.post(*id, Message::Int(i as i64)).unwrap();
    }
    s.run_ticks(1);
    let expected: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, Message::Int(2 * i as i64)))
        .collect();
    assert_eq!(s.take_host_messages(), expected);
    for id in ids {
        assert_eq!(
            s.state(id),
            Some(&AgentState::Finished(vec![Value::Int(id.0 as i64)]))
        );
    }
    // The other scheduler saw nothing.
    other.run_ticks(1);
    assert!(other.take_host_messages().is_empty());
}

#[test]
fn messages_are_copies() {
    let mut s = Scheduler::new(opts(10_000));
    let recv = spawn(
        &mut s,
        "local t = receive() t.x = 99 t.list[1] = 'changed' send(0, t) local t2 = receive() send(0, t2.x)",
    );
    let sender = spawn(
        &mut s,
        &format!(
            "local t = {{x = 1, list = {{'a', 'b'}}}} send({id}, t) sleep(3) send({id}, t) send(0, t.x)",
            id = recv.0
        ),
    );
    s.run_ticks(10);
    let msgs = s.take_host_messages();
    assert_eq!(msgs.len(), 3, "{msgs:?}");
    // The receiver changed its copy; the sender's table (sent again later) is unchanged.
    let Message::Table(first) = &msgs[0].1 else {
        panic!("{msgs:?}")
    };
    assert!(first.contains(&(Message::from("x"), Message::Int(99))));
    assert_eq!(msgs[1], (sender, Message::Int(1)));
    assert_eq!(msgs[2], (recv, Message::Int(1)));
}

#[test]
fn sending_a_function_is_an_error_in_the_sender() {
    let mut s = Scheduler::new(opts(10_000));
    let a = spawn(&mut s, "send(0, function() end)");
    s.run_ticks(1);
    let Some(AgentState::Failed(e)) = s.state(a) else {
        panic!("{:?}", s.state(a))
    };
    assert!(e.message.contains("plain data"), "{}", e.message);
}

#[test]
fn sleep_wakes_on_its_tick() {
    let mut s = Scheduler::new(opts(10_000));
    let a = spawn(&mut s, "sleep(5) send(0, 'woke') sleep(0) send(0, 'again')");
    s.run_ticks(1);
    assert_eq!(
        s.state(a),
        Some(&AgentState::Waiting(WaitingOn::Sleep { until: 6 }))
    );
    s.run_ticks(4);
    assert!(s.take_host_messages().is_empty());
    // A sleeping agent's turn costs no fuel.
    let f = s.fuel_used(a).unwrap();
    s.run_ticks(1);
    assert!(s.fuel_used(a).unwrap() > f);
    assert_eq!(
        s.take_host_messages(),
        vec![(a, Message::from("woke")), (a, Message::from("again"))]
    );
    assert_eq!(s.state(a), Some(&AgentState::Finished(vec![])));
}

/// A well-behaved agent's script: its messages to the host are its output.
const WORKER: &str = r#"
local acc = {}
for round = 1, 20 do
  local ev = receive()
  acc[#acc + 1] = ev * round
  if round % 5 == 0 then
    local s = 0 for _, v in ipairs(acc) do s = s + v end
    send(0, s)
  end
  for i = 1, 300 do acc[i % 7 + 1] = (acc[i % 7 + 1] or 0) + i end
end
return #acc
"#;

/// Runs `n` workers beside whatever `extra` spawns, feeding each worker one event a tick;
/// returns the host messages of the workers.
fn run_workers(
    n: usize,
    extra: impl FnOnce(&mut Scheduler),
) -> (Scheduler, Vec<AgentId>, Vec<(AgentId, Message)>) {
    let mut s = Scheduler::new(SchedulerOptions {
        slice: 20_000,
        fuel_limit: Some(500_000),
        memory_limit: Some(2 << 20),
        ..SchedulerOptions::default()
    });
    let img = image(&s, WORKER);
    let ids: Vec<_> = (0..n)
        .map(|_| s.spawn_from_image(&img, VmOptions::new()).unwrap())
        .collect();
    extra(&mut s);
    for t in 0..30 {
        for id in &ids {
            let _ = s.post(*id, Message::Int(t + id.0 as i64));
        }
        s.run_ticks(1);
    }
    let msgs = s.take_host_messages();
    (s, ids, msgs)
}

#[test]
fn failures_and_budgets_are_isolated() {
    let (alone, ids_alone, msgs_alone) = run_workers(3, |_| {});
    let mut bad = Vec::new();
    let (s, ids, msgs) = run_workers(3, |s| {
        bad.push(spawn(s, SPIN));
        // (Without garbage to collect on the way: every collection the budget makes for a
        // failed allocation is charged by the heap it leaves, and a bomb that churns garbage
        // near its budget pays for many, which can spend its fuel first.)
        bad.push(spawn(
            s,
            "local t = {} while true do t[#t + 1] = string.rep('x', 100000) end",
        ));
        bad.push(spawn(s, "local x = nil\nreturn x.field"));
    });
    assert_eq!(ids, ids_alone);
    assert_eq!(msgs, msgs_alone);
    for id in &ids {
        assert!(matches!(s.state(*id), Some(AgentState::Finished(_))));
        assert_eq!(s.state(*id), alone.state(*id));
        assert_eq!(s.fuel_used(*id), alone.fuel_used(*id));
    }
    assert_eq!(
        s.state(bad[0]),
        Some(&AgentState::Stopped(StopReason::Fuel))
    );
    let f = s.fuel_used(bad[0]).unwrap();
    assert!((500_000..500_100).contains(&f), "{f}");
    assert_eq!(
        s.state(bad[1]),
        Some(&AgentState::Stopped(StopReason::Memory))
    );
    let Some(AgentState::Failed(e)) = s.state(bad[2]) else {
        panic!("{:?}", s.state(bad[2]))
    };
    assert!(e.message.contains("attempt to index a nil value"), "{e:?}");
    assert!(e.traceback.contains("stack traceback"), "{e:?}");
}

#[test]
fn stop_ends_an_agent() {
    let mut s = Scheduler::new(opts(1_000));
    let a = spawn(&mut s, SPIN);
    s.run_ticks(2);
    s.stop(a);
    let f = s.fuel_used(a);
    s.run_ticks(2);
    assert_eq!(s.fuel_used(a), f);
    assert_eq!(s.state(a), Some(&AgentState::Stopped(StopReason::Host)));
    assert!(s.emigrate(a).is_err());
}

/// An agent with tables, a closure and a coroutine, which receives, sleeps and computes.
const ROAMER: &str = r#"
local seen = {}
local function count(k) seen[k] = (seen[k] or 0) + 1 return seen[k] end
local gen = coroutine.wrap(function() local i = 0 while true do i = i + 1 coroutine.yield(i * i) end end)
for round = 1, 12 do
  local msg, from = receive()
  local n = count(msg)
  local busy = 0
  for i = 1, 200 do busy = busy + (i % 3) end
  send(0, msg .. ":" .. n .. ":" .. gen() .. ":" .. busy .. ":" .. from)
  if round % 4 == 0 then sleep(2) end
end
return "done"
"#;

/// Runs a roaming agent for 40 ticks, posting two messages every other tick; after each
/// tick in `hops`, the agent moves to a new scheduler (with a different tick count)
/// after each. Returns its messages, its final state and its final snapshot.
fn roam(hops: &[u64]) -> (Vec<(AgentId, Message)>, AgentState, u64) {
    let mut s = Scheduler::new(opts(1_500));
    let img = image(&s, ROAMER);
    let id = s.spawn_from_image(&img, VmOptions::new()).unwrap();
    let mut out = Vec::new();
    for t in 1..=40u64 {
        if t % 2 == 0 {
            let words = ["red", "green", "blue"];
            // Refused once the agent has finished.
            let _ = s.post(id, Message::from(words[(t / 2 % 3) as usize]));
            let _ = s.post(id, Message::from(words[(t % 3) as usize]));
        }
        s.run_ticks(1);
        out.extend(s.take_host_messages());
        // A finished agent stays (it cannot move).
        if hops.contains(&t) && !s.state(id).unwrap().is_over() {
            let bytes = s.emigrate(id).unwrap();
            assert!(s.state(id).is_none());
            let mut next = Scheduler::new(opts(1_500));
            next.run_ticks(t * 7 % 5 + 1); // another process, another clock
            assert_eq!(next.immigrate(&bytes, VmOptions::new()).unwrap(), id);
            s = next;
        }
    }
    let state = s.state(id).unwrap().clone();
    (out, state, s.fuel_used(id).unwrap())
}

#[test]
fn emigrate_and_immigrate_continue_identically() {
    let (plain, state, fuel) = roam(&[]);
    assert_eq!(plain.len(), 12, "{plain:?}");
    assert_eq!(
        state,
        AgentState::Finished(vec![Value::Str(b"done".to_vec())])
    );
    // Hops while running (mid-loop), waiting for a message with messages queued, asleep.
    for hops in [vec![1], vec![3, 4, 5, 6], (1..40).collect::<Vec<_>>()] {
        let (moved, state2, fuel2) = roam(&hops);
        assert_eq!(moved, plain, "hops {hops:?}");
        assert_eq!(state2, state);
        assert_eq!(fuel2, fuel);
    }
}

#[test]
fn emigrated_agent_keeps_wait_and_inbox() {
    let mut s = Scheduler::new(opts(1_000));
    let a = spawn(
        &mut s,
        "local m = receive() sleep(3) send(0, m .. '+' .. receive())",
    );
    s.run_ticks(1);
    s.post(a, Message::from("one")).unwrap();
    s.run_ticks(1);
    assert!(matches!(
        s.state(a),
        Some(AgentState::Waiting(WaitingOn::Sleep { .. }))
    ));
    s.post(a, Message::from("two")).unwrap();
    let bytes = s.emigrate(a).unwrap();
    let mut t = Scheduler::new(opts(1_000));
    t.run_ticks(100);
    let b = t.immigrate(&bytes, VmOptions::new()).unwrap();
    assert_eq!(a, b);
    assert_eq!(t.inbox_len(a), 1);
    assert_eq!(
        t.state(a),
        Some(&AgentState::Waiting(WaitingOn::Sleep { until: 5 }))
    );
    t.run_ticks(2);
    assert!(t.take_host_messages().is_empty());
    t.run_ticks(1);
    assert_eq!(t.take_host_messages(), vec![(a, Message::from("one+two"))]);
    // The same id cannot come in twice; damaged bytes are an error, never a panic.
    assert!(t.immigrate(&bytes, VmOptions::new()).is_err());
    let mut u = Scheduler::new(opts(1_000));
    for cut in [0, 1, 10, bytes.len() / 2, bytes.len() - 1] {
        assert!(u.immigrate(&bytes[..cut], VmOptions::new()).is_err());
    }
    assert!(u.immigrate(b"garbage", VmOptions::new()).is_err());
}

/// A world of agents messaging each other; returns the host messages and every agent's
/// snapshot.
fn world() -> (Vec<(AgentId, Message)>, Vec<Vec<u8>>) {
    let mut s = Scheduler::new(SchedulerOptions {
        slice: 700,
        tick_budget: Some(5_000),
        ..SchedulerOptions::default()
    });
    let img = image(
        &s,
        r#"
        local me = agent_id()
        local t = {}
        for i = 1, 50 do
          local peer = (me + i) % 8 + 1
          send(peer, {from = me, i = i, r = math.random(1000)})
          local m = receive()
          t[#t + 1] = m.from * m.i + m.r
          if i % 10 == 0 then send(0, #t) sleep(1) end
        end
        "#,
    );
    let ids: Vec<_> = (0..8)
        .map(|_| s.spawn_from_image(&img, VmOptions::new()).unwrap())
        .collect();
    s.run_ticks(60);
    let msgs = s.take_host_messages();
    let snaps = ids
        .iter()
        .map(|id| s.vm(*id).unwrap().save().unwrap())
        .collect();
    (msgs, snaps)
}

#[test]
fn same_run_twice_same_outputs_and_snapshots() {
    let (m1, s1) = world();
    let (m2, s2) = world();
    assert!(!m1.is_empty());
    assert_eq!(m1, m2);
    assert_eq!(s1, s2);
}

#[test]
fn spawn_takes_a_host_built_vm() {
    let mut s = Scheduler::new(opts(1_000));
    let mut vm = VmOptions::new().build();
    vm.load(b"send(0, agent_id() * 10)", "=plain").unwrap();
    let a = s.spawn(vm);
    s.run_ticks(1);
    assert_eq!(
        s.take_host_messages(),
        vec![(a, Message::Int(a.0 as i64 * 10))]
    );
    assert_eq!(HOST, AgentId(0));
}
