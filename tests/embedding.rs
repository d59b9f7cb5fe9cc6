//! The embedding API as a host uses it: values and handles, calls into Lua, host functions,
//! waits and userdata — each also through `save`→`restore` and `image().fork()` in the middle
//! of a call or a wait, and every misuse an error, never a panic.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use telelua::{
    AnyUserData, Bytes, Error, Function, Reply, Resume, Serde, StepResult, Table, UserData,
    UserDataMethods, Value, Variadic, Vm, VmOptions, Wait,
};

/// Output collected from `print`.
#[derive(Clone, Default)]
struct Out(Rc<RefCell<String>>);

impl Out {
    fn options(&self) -> VmOptions {
        let o = self.0.clone();
        VmOptions::new().print(move |b| o.borrow_mut().push_str(&String::from_utf8_lossy(b)))
    }
    fn take(&self) -> String {
        std::mem::take(&mut *self.0.borrow_mut())
    }
}

/// Steps until the VM stops for something other than fuel.
#[track_caller]
fn run(vm: &mut Vm) -> StepResult {
    for _ in 0..10_000 {
        match vm.step(1_000) {
            StepResult::OutOfFuel => continue,
            other => return other,
        }
    }
    panic!("did not stop");
}

#[test]
fn conversions_of_plain_values_round_trip() {
    let mut vm = Vm::new();
    vm.set_global("i", 42_i32).unwrap();
    vm.set_global("f", 1.5_f32).unwrap();
    vm.set_global("s", "héllo").unwrap();
    vm.set_global("b", Bytes(vec![0, 255])).unwrap();
    vm.set_global("o", Some(3_u8)).unwrap();
    vm.set_global("n", None::<i64>).unwrap();
    vm.set_global("v", vec![1, 2, 3]).unwrap();
    let mut m = BTreeMap::new();
    m.insert("a".to_string(), 1);
    m.insert("b".to_string(), 2);
    vm.set_global("m", m.clone()).unwrap();
    let (i, f, s, b): (i64, f64, String, Bytes) = vm.eval("return i, f, s, b").unwrap();
    assert_eq!((i, f, s.as_str(), b.0), (42, 1.5, "héllo", vec![0, 255]));
    let (o, n): (Option<u8>, Option<i64>) = vm.eval("return o, n").unwrap();
    assert_eq!((o, n), (Some(3), None));
    let v: Vec<i64> = vm.eval("return v").unwrap();
    assert_eq!(v, vec![1, 2, 3]);
    let back: BTreeMap<String, i64> = vm.eval("return m").unwrap();
    assert_eq!(back, m);
    let h: HashMap<String, i64> = vm.eval("return {x = 1, y = 2}").unwrap();
    assert_eq!(h.len(), 2);
    // Numbers convert as Lua converts them.
    let (a, c): (i64, String) = vm.eval("return 3.0, 7").unwrap();
    assert_eq!((a, c.as_str()), (3, "7"));
    let all: Variadic<i64> = vm.eval("return 1, 2, 3, 4").unwrap();
    assert_eq!(all.0, vec![1, 2, 3, 4]);
}

#[test]
fn failed_conversions_say_what_and_where() {
    let mut vm = Vm::new();
    let e = vm.eval::<u8>("return 300").unwrap_err();
    assert_eq!(
        e.to_string(),
        "value #1: expected u8, got 300 (out of range)"
    );
    let e = vm.eval::<i64>("return 1.5").unwrap_err();
    assert!(e.to_string().contains("no integer representation"), "{e}");
    let e = vm.eval::<Vec<i64>>("return {1, 2, 'x'}").unwrap_err();
    assert_eq!(
        e.to_string(),
        "value #1, element [3]: expected integer, got string"
    );
    let e = vm
        .eval::<HashMap<String, Vec<f64>>>("return {pos = {1, 'a'}}")
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "value #1, field 'pos[2]': expected number, got string"
    );
    let e = vm.set_global("big", u64::MAX).unwrap_err();
    assert!(matches!(e, Error::Conversion { .. }), "{e:?}");
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum Action {
    Idle,
    Move { x: i32, y: i32 },
    Say(String),
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Entity {
    name: String,
    hp: u32,
    tags: Vec<String>,
    plan: Vec<Action>,
    home: Option<(f64, f64)>,
}

#[test]
fn serde_values_cross_both_ways() {
    let mut vm = Vm::new();
    let e = Entity {
        name: "gob".into(),
        hp: 7,
        tags: vec!["a".into(), "b".into()],
        plan: vec![
            Action::Idle,
            Action::Move { x: 1, y: -2 },
            Action::Say("hi".into()),
        ],
        home: Some((1.0, 2.5)),
    };
    vm.set_global("e", Serde(e.clone())).unwrap();
    let shape: String = vm
        .eval("return e.name .. e.hp .. #e.tags .. e.plan[1] .. e.plan[2].Move.y .. e.plan[3].Say .. e.home[2]")
        .unwrap();
    assert_eq!(shape, "gob72Idle-2hi2.5");
    let Serde(back): Serde<Entity> = vm.eval("return e").unwrap();
    assert_eq!(back, e);
    // Lua writes what it likes: missing optional fields are nil, integral floats are fine.
    let Serde(lua): Serde<Entity> = vm
        .eval("return { name = 'x', hp = 3.0, tags = {}, plan = { 'Idle', { Say = 'yo' } } }")
        .unwrap();
    assert_eq!(lua.home, None);
    assert_eq!(lua.plan, vec![Action::Idle, Action::Say("yo".into())]);
    let err = vm
        .eval::<Serde<Entity>>("return { name = 'x', hp = -1, tags = {}, plan = {} }")
        .unwrap_err();
    assert!(err.to_string().starts_with("value #1, field 'hp'"), "{err}");
}

#[test]
fn tables_from_the_host() {
    let mut vm = Vm::new();
    let t = vm.create_table();
    t.raw_set(&vm, "b", 2).unwrap();
    t.raw_set(&vm, "a", 1).unwrap();
    t.push(&vm, "first").unwrap();
    vm.set_global("t", &t).unwrap();
    let pairs: Vec<(Value, Value)> = t.pairs(&vm).unwrap();
    // Insertion order for the hash part, as the VM iterates it.
    assert_eq!(pairs.len(), 3);
    assert_eq!(t.raw_len(&vm).unwrap(), 1);
    let n: i64 = vm.eval("return t.a + t.b").unwrap();
    assert_eq!(n, 3);
    // With metamethods.
    vm.eval::<()>(
        "setmetatable(t, { __index = function(_, k) return k .. '!' end, \
                           __newindex = function(t, k, v) rawset(t, k, v * 10) end, \
                           __len = function() return 99 end })",
    )
    .unwrap();
    assert_eq!(t.get::<String>(&mut vm, "zz").unwrap(), "zz!");
    assert_eq!(t.raw_get::<Option<String>>(&vm, "zz").unwrap(), None);
    t.set(&mut vm, "c", 4).unwrap();
    assert_eq!(t.raw_get::<i64>(&vm, "c").unwrap(), 40);
    assert_eq!(t.len(&mut vm).unwrap(), 99);
    let g = vm.globals();
    assert_eq!(
        g.raw_get::<Table>(&vm, "t")
            .unwrap()
            .raw_get::<i64>(&vm, "a")
            .unwrap(),
        1
    );
    assert!(t.raw_set(&vm, Value::Nil, 1).is_err());
}

#[test]
fn calls_into_lua_and_their_errors() {
    let mut vm = Vm::new();
    vm.load(
        b"function add(a, b) return a + b end \
          function boom(x) error('bad ' .. x) end \
          function spin() while true do end end",
        "=lib",
    )
    .unwrap();
    assert!(matches!(run(&mut vm), StepResult::Finished(_)));
    let add: Function = vm.global("add").unwrap();
    assert_eq!(vm.call::<i64>(&add, (2, 3), 1_000).unwrap(), 5);
    assert_eq!(vm.call_global::<f64>("add", (0.5, 1), 1_000).unwrap(), 1.5);
    match vm.call_global::<()>("boom", "thing", 1_000) {
        Err(Error::Runtime { message, traceback }) => {
            assert_eq!(message, "lib:1: bad thing");
            assert!(traceback.contains("in function 'boom'"), "{traceback}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        vm.call_global::<()>("spin", (), 5_000),
        Err(Error::FuelExhausted { fuel: 5_000 })
    );
    let e = vm.call_global::<()>("nope", (), 1_000).unwrap_err();
    assert!(matches!(e, Error::Conversion { .. }), "{e:?}");
}

const WORKER: &[u8] = b"
function work(n, tag)
  local acc = {}
  local co = coroutine.wrap(function() for i = 1, n do coroutine.yield(i) end end)
  local s = 0
  for i = 1, n do
    s = s + co()
    acc[#acc + 1] = tag .. i
    if i % 50 == 0 then s = s + select('#', string.gsub(tag, '%w', function(c) return c end)) end
  end
  return s, #acc, acc[n]
end
";

/// Runs a call to the end in slices, with `between` applied after every slice (a snapshot
/// round trip, a fork...).
fn finish_call(vm: &mut Vm, call: &telelua::Call, mut between: impl FnMut(&mut Vm)) -> Vec<Value> {
    loop {
        match vm.step_call(call, 97) {
            StepResult::OutOfFuel => between(vm),
            StepResult::Finished(v) => return v,
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn calls_in_flight_survive_saves_restores_and_forks() {
    let mut vm = Vm::new();
    vm.load(WORKER, "=worker").unwrap();
    run(&mut vm);
    let work: Function = vm.global("work").unwrap();
    let plain = {
        let call = vm.start_call(&work, (300, "ab")).unwrap();
        finish_call(&mut vm, &call, |_| {})
    };
    assert_eq!(
        plain,
        vec![
            Value::Int(45150 + 6 * 2),
            Value::Int(300),
            Value::Str(b"ab300".to_vec())
        ]
    );

    // Two calls in flight at once, with a save/restore after every slice.
    let c1 = vm.start_call(&work, (300, "ab")).unwrap();
    let c2 = vm.start_call(&work, (120, "zz")).unwrap();
    let _ = vm.step_call(&c2, 500);
    let r1 = finish_call(&mut vm, &c1, |vm| {
        let bytes = vm.save().unwrap();
        *vm = Vm::restore(&bytes).unwrap();
    });
    assert_eq!(r1, plain);
    // The other call went on existing through all those restores.
    let r2 = finish_call(&mut vm, &c2, |_| {});
    assert_eq!(r2[1], Value::Int(120));

    // A fork of an image taken half-way through a call finishes it the same way.
    let c3 = vm.start_call(&work, (300, "ab")).unwrap();
    for _ in 0..20 {
        assert_eq!(vm.step_call(&c3, 97), StepResult::OutOfFuel);
    }
    let image = vm.image().unwrap();
    let mut fork = image.fork().unwrap();
    assert_eq!(finish_call(&mut fork, &c3, |_| {}), plain);
    assert_eq!(finish_call(&mut vm, &c3, |_| {}), plain);
    // A finished call is over.
    assert!(matches!(vm.step_call(&c3, 100), StepResult::Error(_)));
}

/// A finished call's coroutine is kept for the next call (a cache the VM does not save or
/// charge): a VM that has one and its restore, which has none, show the same memory count and
/// save the same bytes, before and after making the same calls.
#[test]
fn reusing_a_call_coroutine_changes_no_count_and_no_snapshot() {
    let mut a = Vm::new();
    a.load(
        b"function f(a, b) local t = {a, b} return a + b, #t end \
          function count() return collectgarbage('count') end",
        "=calls",
    )
    .unwrap();
    run(&mut a);
    let f: Function = a.global("f").unwrap();
    for i in 0..3 {
        assert_eq!(a.call::<(i64, i64)>(&f, (i, 1), 1_000).unwrap(), (i + 1, 2));
    }
    a.collect();
    let mut b = Vm::restore(&a.save().unwrap()).unwrap();
    b.collect();
    assert_eq!(a.memory_used(), b.memory_used());
    let count = |vm: &mut Vm| vm.call_global::<f64>("count", (), 1_000).unwrap();
    assert_eq!(count(&mut a), count(&mut b));
    for vm in [&mut a, &mut b] {
        for i in 0..3 {
            assert_eq!(
                vm.call::<(i64, i64)>(&f, (i, 1), 1_000).unwrap(),
                (i + 1, 2)
            );
        }
    }
    assert_eq!(a.save().unwrap(), b.save().unwrap());
    assert_eq!(count(&mut a), count(&mut b));
}

/// A host call charges the same memory and fuel whether its first slice starts the function
/// through the lean entry (`api/vm_call.rs`) or through the interpreter's general call
/// path, which it takes while finalizers are pending (VM `a` here): the same bytes for the
/// call's coroutine, seen from inside the call, and the same fuel.
#[test]
fn a_call_costs_the_same_on_the_lean_and_the_general_path() {
    let script = b"finalized = false \
        function arm() setmetatable({}, {__gc = function() finalized = true end}) end \
        function f(a, b) local t = {a, b} return collectgarbage('count') * 1024, a + b, finalized end";
    let mut a = Vm::new();
    let mut b = Vm::new();
    for vm in [&mut a, &mut b] {
        vm.load(script, "=calls").unwrap();
        run(vm);
    }
    a.call_global::<()>("arm", (), 1_000).unwrap();
    a.collect();
    let mut seen = Vec::new();
    for vm in [&mut a, &mut b] {
        let f: Function = vm.global("f").unwrap();
        let mut costs = Vec::new();
        for i in 0..3 {
            let (before, fuel) = (vm.memory_used(), vm.fuel_used());
            let (inside, sum, finalized): (f64, i64, bool) = vm.call(&f, (i, 1), 1_000).unwrap();
            assert_eq!(sum, i + 1);
            // (In `a` the finalizer stays pending: every call there takes the general path.)
            assert!(!finalized);
            costs.push((inside as i64 - before as i64, vm.fuel_used() - fuel));
        }
        seen.push(costs);
    }
    assert_eq!(seen[0], seen[1]);
}

/// Small functions, which the lean path runs in the interpreter's small loop and returns
/// from to the host directly, give the same results, errors, fuel and memory as through the
/// general path, whatever the fuel: running out at any instruction, or at a slice's end.
#[test]
fn small_functions_cost_the_same_on_the_lean_and_the_general_path() {
    let script = b"finalized = false \
        function arm() setmetatable({}, {__gc = function() finalized = true end}) end \
        local k = 10 \
        fs = { \
          function(a, b) return a + b end, \
          function(a, b) return a * b - k end, \
          function(a, b) end, \
          function(a, b) local s = 0 for i = 1, b do s = s + i * a end return s end, \
          function(a, b) local c return a + c end, \
          function(a, b) local x = a local f = function() return x end return x + b end, \
          function(a, b) return a // b, b end, \
          function(a, b) if a > b then return a end return b end, \
        }";
    let mut vms = [Vm::new(), Vm::new()];
    for (i, vm) in vms.iter_mut().enumerate() {
        vm.load(script, "=calls").unwrap();
        run(vm);
        if i == 0 {
            // A pending finalizer: every call in this VM takes the general path.
            vm.call_global::<()>("arm", (), 1_000).unwrap();
            vm.collect();
        }
    }
    let mut seen = Vec::new();
    for vm in vms.iter_mut() {
        let fs: Table = vm.global("fs").unwrap();
        // (The first call in the first VM that runs out of fuel meets its pending finalizer.)
        let first: Function = fs.get(vm, 1).unwrap();
        assert!(vm.call::<i64>(&first, (1, 2), 1).is_err());
        let mut costs = Vec::new();
        for n in 1..=8i64 {
            let f: Function = fs.get(vm, n).unwrap();
            for fuel in (1..=40).chain([1_000, 100_000]) {
                let (before, used) = (vm.memory_used(), vm.fuel_used());
                let r = vm.call::<Variadic<Value>>(&f, (n, 3 + fuel as i64 % 5), fuel);
                let r = format!("{r:?}");
                costs.push((
                    r,
                    vm.memory_used() as i64 - before as i64,
                    vm.fuel_used() - used,
                ));
            }
        }
        seen.push(costs);
    }
    assert!(!vms[0].global::<bool>("finalized").unwrap());
    // (The memory a call took is compared when it finished and neither VM collected during
    // it: their heaps differ, and so do the points where they collect and the handle tables
    // that keep an abandoned call.)
    for (x, y) in seen[0].iter().zip(&seen[1]) {
        assert_eq!((&x.0, x.2), (&y.0, y.2));
        if x.0.starts_with("Ok(") && x.1 >= 0 && y.1 >= 0 {
            assert_eq!(x.1, y.1, "{x:?}");
        }
    }
}

/// A call's coroutine that Lua got hold of (`coroutine.running`, a hook set on it) is never
/// reused for a later call.
#[test]
fn a_call_coroutine_lua_holds_is_not_reused() {
    let mut vm = VmOptions::new()
        .profile(telelua::Profile::Standalone)
        .build();
    vm.load(
        b"function keep() kept = coroutine.running() end \
          function same() return kept == coroutine.running(), coroutine.status(kept) end \
          function hook() debug.sethook(function() end, 'c') end \
          function hooked() \
            for k in pairs(debug.getregistry()._HOOKKEY) do \
              if k == coroutine.running() then return true end \
            end \
            return false \
          end",
        "=t",
    )
    .unwrap();
    run(&mut vm);
    vm.call_global::<()>("keep", (), 1_000).unwrap();
    let (same, status): (bool, String) = vm.call_global("same", (), 1_000).unwrap();
    assert_eq!((same, status.as_str()), (false, "dead"));
    vm.call_global::<()>("hook", (), 1_000).unwrap();
    assert!(!vm.call_global::<bool>("hooked", (), 1_000).unwrap());
}

#[test]
fn host_functions_with_state_and_fuel() {
    let world = Rc::new(RefCell::new(Vec::<String>::new()));
    let out = Out::default();
    let w = world.clone();
    let mut vm = out.options().build();
    vm.register("game.log", move |_cx, msg: String| {
        w.borrow_mut().push(msg);
        Ok(())
    });
    vm.register("game.sum", |cx, nums: Variadic<f64>| {
        cx.charge(nums.0.len() as u64);
        Ok(nums.0.iter().sum::<f64>())
    });
    vm.register("game.spawn", |cx, Serde(e): Serde<Entity>| {
        let t = cx.create_table();
        t.raw_set(cx, "name", e.name.to_uppercase())?;
        Ok(t)
    });
    vm.load(
        b"game.log('hello') \
          print(game.sum(1, 2, 3.5)) \
          print(game.spawn({ name = 'orc', hp = 1, tags = {}, plan = {} }).name) \
          print(pcall(game.sum, 1, 'x')) \
          print(pcall(game.spawn, { name = 1 }))",
        "=script",
    )
    .unwrap();
    assert!(matches!(run(&mut vm), StepResult::Finished(_)));
    assert_eq!(*world.borrow(), vec!["hello".to_string()]);
    assert_eq!(
        out.take(),
        "6.5\nORC\nfalse\tbad argument #2 to 'game.sum' (number expected, got string)\n\
         false\tbad argument #1 to 'game.spawn' (field 'name': expected string, got number)\n"
    );
}

#[test]
fn host_functions_are_rehydrated_by_name() {
    let mut vm = Vm::new();
    vm.register("double", |_cx, n: i64| Ok(n * 2));
    vm.load(b"local f = double return f(4)", "=x").unwrap();
    let bytes = vm.save().unwrap();
    // Without the name registered, the restore names what is missing.
    match VmOptions::new().restore(&bytes) {
        Err(e) => assert!(e.to_string().contains("double"), "{e}"),
        Ok(_) => panic!("restored without its host function"),
    }
    // With it (another closure, as another process would register), the script runs.
    let mut back = VmOptions::new()
        .register("double", |_cx, n: i64| Ok(n * 3))
        .restore(&bytes)
        .unwrap();
    assert_eq!(run(&mut back), StepResult::Finished(vec![Value::Int(12)]));
}

/// A host with an inbox for `receive()` and a tick counter for `sleep(ticks)`.
fn agent_options(out: &Out, tick: Rc<RefCell<u64>>) -> VmOptions {
    let t = tick.clone();
    out.options()
        .register_waiting("receive", |_cx, ()| Ok(Reply::<()>::Wait(Wait::delivery())))
        .register_waiting("sleep", move |_cx, ticks: u64| {
            let until = *t.borrow() + ticks;
            Ok(Reply::<()>::Wait(Wait::new("sleep", &until)?))
        })
        .register_wait_kind("sleep", 1, move |_cx, until: u64, _delivered| {
            Ok(if *tick.borrow() >= until {
                Resume::Return(Variadic(vec![Value::Int(until as i64)]))
            } else {
                Resume::Wait(until)
            })
        })
}

const AGENT: &[u8] = b"
local seen = {}
local co = coroutine.wrap(function()
  while true do
    local msg = receive()
    seen[#seen + 1] = msg
    coroutine.yield(#seen)
  end
end)
print('got', co(), seen[1])
local woke = sleep(3)
print('woke at', woke)
local text = ('a-b-c'):gsub('%w', function(c) return receive() .. c end)
print(text)
return #seen
";

#[test]
fn waits_survive_a_restore_in_a_fresh_vm() {
    let out = Out::default();
    let tick = Rc::new(RefCell::new(0_u64));
    let mut vm = agent_options(&out, tick.clone()).build();
    vm.load(AGENT, "=agent").unwrap();
    assert_eq!(
        run(&mut vm),
        StepResult::Waiting {
            kind: "telelua.delivery".into()
        }
    );
    // Waiting costs nothing and changes nothing until the host acts.
    assert_eq!(
        run(&mut vm),
        StepResult::Waiting {
            kind: "telelua.delivery".into()
        }
    );

    // Save in the middle of the wait; restore in a fresh VM with the same names registered
    // (new closures, as in another process), deliver there.
    let bytes = vm.save().unwrap();
    drop(vm);
    let out2 = Out::default();
    let tick2 = Rc::new(RefCell::new(0_u64));
    let mut vm = agent_options(&out2, tick2.clone()).restore(&bytes).unwrap();
    vm.deliver("ping").unwrap();
    assert_eq!(
        run(&mut vm),
        StepResult::Waiting {
            kind: "sleep".into()
        }
    );
    assert_eq!(out2.take(), "got\t1\tping\n");
    *tick2.borrow_mut() = 2;
    assert_eq!(
        run(&mut vm),
        StepResult::Waiting {
            kind: "sleep".into()
        }
    );
    // A fork taken during the sleep wakes in its own VM.
    let image = vm.image().unwrap();
    *tick2.borrow_mut() = 3;
    assert_eq!(
        run(&mut vm),
        StepResult::Waiting {
            kind: "telelua.delivery".into()
        }
    );
    assert_eq!(out2.take(), "woke at\t3\n");
    // Inside gsub's callback: three deliveries, with a round trip in between.
    vm.deliver("1").unwrap();
    run(&mut vm);
    let bytes = vm.save().unwrap();
    let mut vm = agent_options(&out2, tick2.clone()).restore(&bytes).unwrap();
    vm.deliver("2").unwrap();
    run(&mut vm);
    vm.deliver("3").unwrap();
    assert_eq!(run(&mut vm), StepResult::Finished(vec![Value::Int(1)]));
    assert_eq!(out2.take(), "1a-2b-3c\n");

    let mut fork = image.fork().unwrap();
    assert_eq!(
        run(&mut fork),
        StepResult::Waiting {
            kind: "telelua.delivery".into()
        }
    );
    assert!(
        vm.deliver("late").is_err(),
        "nothing waits in a finished VM"
    );
    let _ = out.take();
}

#[test]
fn a_wait_kind_missing_or_of_another_version_is_an_error() {
    let out = Out::default();
    let tick = Rc::new(RefCell::new(0_u64));
    let mut vm = agent_options(&out, tick).build();
    vm.load(b"sleep(5) return 1", "=s").unwrap();
    assert_eq!(
        run(&mut vm),
        StepResult::Waiting {
            kind: "sleep".into()
        }
    );
    let bytes = vm.save().unwrap();
    let mut other = VmOptions::new()
        .register_waiting("receive", |_cx, ()| Ok(Reply::<()>::Wait(Wait::delivery())))
        .register_waiting("sleep", |_cx, _t: u64| Ok(Reply::Return(())))
        .register_wait_kind("sleep", 2, |_cx, until: u64, _| Ok(Resume::Wait(until)))
        .restore(&bytes)
        .unwrap();
    match run(&mut other) {
        StepResult::Error(e) => assert!(e.message.contains("version"), "{}", e.message),
        r => panic!("{r:?}"),
    }
}

#[derive(Serialize, Deserialize)]
struct Player {
    name: String,
    hp: i64,
}

impl UserData for Player {
    const NAME: &'static str = "Player";
    fn add_methods(m: &mut UserDataMethods<Self>) {
        m.method("name", |_cx, this, ()| Ok(this.name.clone()));
        m.method_mut("hurt", |_cx, this, n: i64| {
            this.hp -= n;
            Ok(this.hp)
        });
        m.field("hp", |_cx, this| Ok(this.hp));
        m.field_setter("hp", |_cx, this, v: i64| {
            this.hp = v;
            Ok(())
        });
        m.meta("__tostring", |_cx, this, ()| {
            Ok(format!("Player({}, {})", this.name, this.hp))
        });
        m.meta_function("__eq", |cx, (a, b): (AnyUserData, AnyUserData)| {
            let na = a.borrow(cx, |p: &Player| p.name.clone())?;
            let nb = b.borrow(cx, |p: &Player| p.name.clone())?;
            Ok(na == nb)
        });
        // Re-enters its own object while it is borrowed mutably: an error, not a panic.
        m.method_mut("selfish", |cx, _this, me: AnyUserData| {
            me.borrow(cx, |p: &Player| p.hp)
        });
    }
}

struct Socket;

impl UserData for Socket {
    const NAME: &'static str = "Socket";
}

#[test]
fn userdata_methods_fields_metamethods_and_persistence() {
    let out = Out::default();
    let mut vm = out.options().build();
    vm.register_userdata::<Player>();
    vm.set_global(
        "p",
        Player {
            name: "ann".into(),
            hp: 10,
        },
    )
    .unwrap();
    vm.set_global(
        "q",
        Player {
            name: "ann".into(),
            hp: 1,
        },
    )
    .unwrap();
    vm.load(
        b"print(p:name(), p:hurt(3), p.hp, tostring(p), p == q) \
          p.hp = 50 \
          print(p.hp, pcall(p.selfish, p, p)) \
          print(pcall(function() p.mana = 1 end)) \
          print(pcall(p.hurt, q, 'x')) \
          print(pcall(p.hurt, {}, 1))",
        "=ud",
    )
    .unwrap();
    assert!(matches!(run(&mut vm), StepResult::Finished(_)));
    assert_eq!(
        out.take(),
        "ann\t7\t7\tPlayer(ann, 7)\ttrue\n\
         50\tfalse\tuserdata 'Player' is already borrowed\n\
         false\tud:1: no writable field 'mana' in 'Player'\n\
         false\tbad argument #2 to 'Player:hurt' (integer expected, got string)\n\
         false\tbad argument #1 to 'Player:hurt' (Player expected, got table)\n"
    );
    // Saved through serde, and restored into a VM that registers the type.
    let bytes = vm.save().unwrap();
    let mut back = out
        .options()
        .register_userdata::<Player>()
        .restore(&bytes)
        .unwrap();
    let hp: i64 = back.eval("return p:hurt(1)").unwrap();
    assert_eq!(hp, 49);
    let p: AnyUserData = back.global("p").unwrap();
    assert_eq!(p.borrow(&back, |p: &Player| p.hp).unwrap(), 49);
    assert!(!p.is::<Socket>(&back));
    // A fork gets its own copy of the value.
    let image = back.image().unwrap();
    let mut fork = image.fork().unwrap();
    let _: i64 = fork.eval("return p:hurt(40)").unwrap();
    assert_eq!(p.borrow(&fork, |p: &Player| p.hp).unwrap(), 9);
    assert_eq!(p.borrow(&back, |p: &Player| p.hp).unwrap(), 49);

    // A type registered without serde cannot be saved, and the error names it.
    vm.register_userdata_unsaved::<Socket>();
    vm.set_global("sock", Socket).unwrap();
    let e = vm.save().unwrap_err();
    assert!(e.to_string().contains("Socket"), "{e}");
    // An unregistered type cannot even be made.
    let mut fresh = Vm::new();
    assert!(matches!(
        fresh.set_global(
            "p",
            Player {
                name: "x".into(),
                hp: 1
            }
        ),
        Err(Error::Unknown { .. })
    ));
}

#[test]
fn handles_survive_restores_and_forks_and_misuse_is_an_error() {
    let mut vm = Vm::new();
    let t: Table = vm.eval("local t = {n = 1} keep = t return t").unwrap();
    let bytes = vm.save().unwrap();
    let back = Vm::restore(&bytes).unwrap();
    assert_eq!(t.raw_get::<i64>(&back, "n").unwrap(), 1);
    let fork = vm.image().unwrap().fork().unwrap();
    t.raw_set(&fork, "n", 2).unwrap();
    assert_eq!(t.raw_get::<i64>(&fork, "n").unwrap(), 2);
    assert_eq!(t.raw_get::<i64>(&vm, "n").unwrap(), 1);
    // Another VM never had this handle.
    let other = Vm::new();
    assert!(matches!(
        t.raw_get::<i64>(&other, "n"),
        Err(Error::BadHandle(_))
    ));
    // Dropping a handle releases it.
    let before = vm.handle_count();
    let extra: Vec<Table> = (0..10).map(|_| vm.create_table()).collect();
    assert_eq!(vm.handle_count(), before + 10);
    drop(extra);
    assert_eq!(vm.handle_count(), before);
}

#[test]
fn a_restored_vm_releases_the_handles_its_host_does_not_keep() {
    let mut vm = Vm::new();
    let kept: Table = vm.eval("return {name = 'kept'}").unwrap();
    let f: Function = vm.eval("return function() return 1 end").unwrap();
    let as_value: Value = vm.eval("return {}").unwrap();
    let dropped: Vec<Table> = (0..5).map(|_| vm.create_table()).collect();
    let bytes = vm.save().unwrap();
    drop(dropped);
    assert_eq!(vm.handle_count(), 3);
    for mut back in [
        Vm::restore(&bytes).unwrap(),
        vm.image().unwrap().fork().unwrap(),
    ] {
        // The restore predates the drop: its slots are still held.
        let held = back.handle_count();
        assert!(held >= 3);
        let plain = Value::Int(7);
        assert_eq!(
            back.release_handles_except(&[&kept, &f, &as_value, &plain]),
            held - 3
        );
        assert_eq!(back.handle_count(), 3);
        assert_eq!(kept.raw_get::<String>(&back, "name").unwrap(), "kept");
        assert_eq!(back.call::<i64>(&f, (), 100).unwrap(), 1);
        // Freed slots are reused by new handles, and old names of them stay invalid.
        let t = back.create_table();
        assert_eq!(back.handle_count(), 4);
        drop(t);
        assert_eq!(back.release_handles_except(&[]), 3);
        assert_eq!(back.handle_count(), 0);
        assert!(matches!(
            kept.raw_get::<String>(&back, "name"),
            Err(Error::BadHandle(_))
        ));
    }
    // The same releases in the same order give the same bytes.
    let a = Vm::restore(&bytes).unwrap();
    let b = Vm::restore(&bytes).unwrap();
    a.release_handles_except(&[&f, &kept]);
    b.release_handles_except(&[&kept, &f]);
    assert_eq!(a.save().unwrap(), b.save().unwrap());
}

#[test]
fn options_shape_the_vm() {
    let warnings = Rc::new(RefCell::new(Vec::<String>::new()));
    let w = warnings.clone();
    let mut vm = VmOptions::new()
        .without_library("os")
        .seed(7)
        .virtual_clock(1_000)
        .warn(move |m| w.borrow_mut().push(String::from_utf8_lossy(m).into_owned()))
        .memory_limit(1 << 20)
        .build();
    let (os, r): (Option<Table>, i64) = vm.eval("return os, math.random(1, 1 << 40)").unwrap();
    assert!(os.is_none());
    let mut same = VmOptions::new().seed(7).build();
    let r2: i64 = same.eval("return math.random(1, 1 << 40)").unwrap();
    assert_eq!(r, r2);
    vm.eval::<()>("warn('careful')").unwrap();
    assert_eq!(*warnings.borrow(), vec!["careful".to_string()]);
    assert!(matches!(
        vm.eval::<()>("local t = {} for i = 1, 1e7 do t[i] = i end"),
        Err(Error::Memory)
    ));
    let mut clocked = VmOptions::new()
        .profile(telelua::Profile::Sandbox)
        .virtual_clock(1_000)
        .build();
    assert_eq!(clocked.eval::<i64>("return os.time()").unwrap(), 1_000);
}

/// Yields across natives: the sandbox profile (the library's default) lets a coroutine yield
/// from a `sort` comparator; the standalone profile, like `lua`, stops it at the C-call
/// boundary. Either choice is an option, and survives a save and restore.
#[test]
fn yields_across_natives_follow_the_option() {
    let prog = r#"
        local co = coroutine.wrap(function()
            table.sort({2, 1}, function(a, b) coroutine.yield("cmp") return a < b end)
            return "sorted"
        end)
        local ok, v = pcall(co)
        return tostring(ok) .. " " .. tostring(v)
    "#;
    let mut sandbox = Vm::new();
    assert_eq!(sandbox.eval::<String>(prog).unwrap(), "true cmp");
    let standalone = || VmOptions::new().profile(telelua::Profile::Standalone);
    let mut lua = standalone().build();
    assert_eq!(
        lua.eval::<String>(prog).unwrap(),
        "false attempt to yield across a C-call boundary"
    );
    let mut through = standalone().yield_across_natives(true).build();
    assert_eq!(through.eval::<String>(prog).unwrap(), "true cmp");
    let mut strict = VmOptions::new().yield_across_natives(false).build();
    let mut restored = Vm::restore(&strict.save().unwrap()).unwrap();
    for vm in [&mut strict, &mut restored] {
        assert_eq!(
            vm.eval::<String>(prog).unwrap(),
            "false attempt to yield across a C-call boundary"
        );
    }
    let mut back = Vm::restore(&through.save().unwrap()).unwrap();
    assert_eq!(back.eval::<String>(prog).unwrap(), "true cmp");
}

#[test]
fn light_userdata_is_a_plain_value_across_saves_and_forks() {
    use telelua::LightUserData;
    let out = Out::default();
    let mut vm = out.options().main_yieldable(true).build();
    vm.set_global("h", LightUserData(0xdead_beef)).unwrap();
    vm.set_global("other", Value::LightUserData(LightUserData(1)))
        .unwrap();
    vm.load(
        b"local t = {[h] = 'entity'} coroutine.yield() \
          print(type(h), tostring(h), t[h], h == other, rawequal(h, h)) \
          print(pcall(function() return h + 1 end)) return h",
        "=lu",
    )
    .unwrap();
    assert!(matches!(run(&mut vm), StepResult::Yielded(_)));
    let bytes = vm.save().unwrap();
    let mut restored = out.options().main_yieldable(true).restore(&bytes).unwrap();
    assert_eq!(restored.save().unwrap(), bytes);
    let mut fork = vm.image().unwrap().fork().unwrap();
    for vm in [&mut restored, &mut fork] {
        assert_eq!(
            run(vm),
            StepResult::Finished(vec![Value::LightUserData(LightUserData(0xdead_beef))])
        );
    }
    assert!(out.take().starts_with(
        "userdata\tuserdata: 0x000000deadbeef\tentity\tfalse\ttrue\n\
         false\tlu:1: attempt to perform arithmetic on a userdata value (global 'h')\n"
    ));
    let got: Result<LightUserData, _> = vm.eval("return 1");
    assert!(got
        .unwrap_err()
        .to_string()
        .contains("expected light userdata"));
}

/// Forks of one image share its installed host functions and wait kinds (a spawn builds no
/// maps): a registration in one fork, new or replacing, stays in that fork, and a fork made
/// with more registrations of its own has them alone.
#[test]
fn registrations_in_one_fork_stay_in_that_fork() {
    let mut base = VmOptions::new()
        .register("f", |_cx, ()| Ok(1))
        .register_wait_kind("nap", 1, |_cx, (): (), _| {
            Ok(Resume::Return(Variadic(vec![Value::Int(7)])))
        })
        .build();
    base.load(b"", "=base").unwrap();
    let image = base.image().unwrap();
    let (mut a, mut b) = (image.fork().unwrap(), image.fork().unwrap());
    a.register("f", |_cx, ()| Ok(10));
    a.register("g", |_cx, ()| Ok(2));
    a.register_wait_kind("nap", 1, |_cx, (): (), _| {
        Ok(Resume::Return(Variadic(vec![Value::Int(70)])))
    });
    assert_eq!(a.eval::<(i64, i64)>("return f(), g()").unwrap(), (10, 2));
    assert_eq!(
        b.eval::<(i64, bool)>("return f(), g == nil").unwrap(),
        (1, true)
    );
    let mut c = image
        .fork_with_options(VmOptions::new().register("h", |_cx, ()| Ok(3)))
        .unwrap();
    assert_eq!(c.eval::<i64>("return f()").unwrap(), 1);
    // A wait of kind "nap" ends by each fork's own resume function.
    let waits = |vm: &mut Vm| {
        vm.register_waiting("doze", |_cx, ()| {
            Ok(Reply::<()>::Wait(Wait::new("nap", &()).unwrap()))
        });
        vm.load(b"return doze()", "=w").unwrap();
        let waiting = StepResult::Waiting { kind: "nap".into() };
        assert_eq!(run(vm), waiting);
        run(vm)
    };
    assert_eq!(waits(&mut a), StepResult::Finished(vec![Value::Int(70)]));
    assert_eq!(waits(&mut b), StepResult::Finished(vec![Value::Int(7)]));
    let mut d = image.fork().unwrap();
    assert_eq!(
        d.eval::<(i64, bool)>("return f(), g == nil").unwrap(),
        (1, true)
    );
    assert_eq!(waits(&mut d), StepResult::Finished(vec![Value::Int(7)]));
}
