//! Snapshot guarantees: exact round trips, identical continuation, untrusted bytes never
//! panic, versions are checked.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use quickcheck::{Arbitrary, Gen, QuickCheck};
use telelua::Host;
use telelua::{HostValue, Profile, StepResult, Vm};
use telelua::{Registry, SnapshotError};

/// A `Write` that appends to a shared buffer.
#[derive(Clone, Default)]
struct Sink(Rc<RefCell<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn host(out: &Sink) -> Host {
    Host {
        stdout: Box::new(out.clone()),
        stderr: Box::new(std::io::sink()),
        ..Host::default()
    }
}

/// Standard input shared by the hosts of one run (each round trip makes a new host): what
/// a read consumed stays consumed.
#[derive(Clone)]
struct Input {
    shared: Rc<RefCell<(Vec<u8>, usize)>>,
    /// What `fill_buf` showed (a copy of the unread rest; the shared position moves only on
    /// `consume`).
    shown: Vec<u8>,
}

impl Input {
    fn new(text: &str) -> Input {
        Input {
            shared: Rc::new(RefCell::new((text.as_bytes().to_vec(), 0))),
            shown: Vec::new(),
        }
    }
}

impl std::io::Read for Input {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = std::io::BufRead::fill_buf(self)?.len().min(buf.len());
        buf[..n].copy_from_slice(&self.shown[..n]);
        std::io::BufRead::consume(self, n);
        Ok(n)
    }
}

impl std::io::BufRead for Input {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        let (data, pos) = &*self.shared.borrow();
        self.shown = data[*pos..].to_vec();
        Ok(&self.shown)
    }
    fn consume(&mut self, n: usize) {
        self.shared.borrow_mut().1 += n;
        self.shown.clear();
    }
}

/// The commands `debug.debug` reads in [`EVERY_LIBRARY_CONTINUATION`] (each does a little
/// work, so a step of 1 fuel stops inside it; the second fails with an error whose
/// `__tostring` works too).
const DEBUG_COMMANDS: &str = "local s = 0 for i = 1, 20 do s = s + i end print('debug', s)\n\
    error(setmetatable({}, {__tostring = function() local s = 0 for i = 1, 20 do s = s + i end return 'E' .. s end}))\n\
    cont\n";

const SCRIPT: &str = r#"
local t = {}
for i = 1, 50 do t[i] = i * i end
t.name = "squares"
local function sum(xs) local s = 0 for _, x in ipairs(xs) do s = s + x end return s end
print(t.name, sum(t))
local co = coroutine.wrap(function(a)
  local acc = a
  for i = 1, 5 do acc = acc + coroutine.yield(acc) end
  return acc
end)
local v = co(1)
for i = 1, 5 do v = co(i) print("co", v) end
local ok, err = pcall(function() local x = nil; return x.field end)
print(ok, err)
local mt = {__index = function(_, k) return k .. "!" end, __add = function(a, b) return 42 end}
local obj = setmetatable({}, mt)
print(obj.hello, obj + 1)
local keys = {}
for k, v in pairs({a = 1, b = 2, c = 3, 10, 20}) do keys[#keys + 1] = tostring(k) .. "=" .. tostring(v) end
print(table and #keys or #keys)
return sum(t)
"#;

/// Runs to completion with `step(period)`, optionally round-tripping through bytes at every
/// preemption; returns (output, fuel used, result).
fn run(period: u64, roundtrip: bool) -> (Vec<u8>, u64, StepResult) {
    let trip = if roundtrip { Trip::Bytes } else { Trip::None };
    run_script(SCRIPT, period, trip)
}

/// What [`run_script`] does with the VM at each preemption.
#[derive(Copy, Clone, PartialEq)]
enum Trip {
    None,
    /// Save to bytes and restore (checking `save(restore(save(vm))) == save(vm)`).
    Bytes,
    /// Make an image and continue in a fork of it.
    Fork,
}

/// [`run`] for any script.
fn run_script(script: &str, period: u64, trip: Trip) -> (Vec<u8>, u64, StepResult) {
    run_limited(script, period, trip, None)
}

/// [`run_script`] with a memory budget (kept across round trips).
fn run_limited(
    script: &str,
    period: u64,
    trip: Trip,
    limit: Option<u64>,
) -> (Vec<u8>, u64, StepResult) {
    run_profile(Profile::Sandbox, script, period, trip, limit)
}

/// [`run_limited`] with the libraries of `profile`.
fn run_profile(
    profile: Profile,
    script: &str,
    period: u64,
    trip: Trip,
    limit: Option<u64>,
) -> (Vec<u8>, u64, StepResult) {
    let out = Sink::default();
    let input = Input::new(DEBUG_COMMANDS);
    let host = |out: &Sink| Host {
        stdin: Box::new(input.clone()),
        ..host(out)
    };
    let mut vm = Vm::with_profile(profile, host(&out));
    vm.set_memory_limit(limit);
    // (As the `telelua` command runs its chunks.)
    vm.set_main_message_handler(profile == Profile::Standalone);
    vm.load(script.as_bytes(), "=test").unwrap();
    loop {
        match vm.step(period) {
            StepResult::OutOfFuel => {
                if trip == Trip::Fork {
                    vm = vm
                        .image()
                        .expect("image")
                        .fork_with(host(&out))
                        .expect("fork");
                    vm.set_memory_limit(limit);
                } else if trip == Trip::Bytes {
                    let bytes = vm.save().expect("save");
                    let again = Vm::restore_with(&bytes, Registry::standard(), host(&out), None)
                        .expect("restore");
                    assert_eq!(
                        again.save().expect("save again"),
                        bytes,
                        "save(restore(save(vm))) != save(vm)"
                    );
                    vm = again;
                    vm.set_memory_limit(limit);
                }
            }
            r => {
                let o = out.0.borrow().clone();
                return (o, vm.fuel_used(), r);
            }
        }
    }
}

#[test]
fn restored_vm_continues_identically() {
    let (out, fuel, result) = run(1_000_000, false);
    assert!(matches!(result, StepResult::Finished(_)), "{result:?}");
    for period in [1, 2, 3, 7, 61, 1009] {
        let (o, f, r) = run(period, true);
        assert_eq!(
            String::from_utf8_lossy(&o),
            String::from_utf8_lossy(&out),
            "output, period {period}"
        );
        assert_eq!(f, fuel, "fuel, period {period}");
        assert_eq!(r, result, "result, period {period}");
        let (o, f, r) = run_script(SCRIPT, period, Trip::Fork);
        assert_eq!(
            String::from_utf8_lossy(&o),
            String::from_utf8_lossy(&out),
            "output, period {period}"
        );
        assert_eq!(f, fuel, "fuel, period {period}");
        assert_eq!(r, result, "result, period {period}");
    }
}

/// Stacks that grew deep and shrank again: the memory count (charged by the stacks' modeled
/// capacities, which snapshots keep) must not change across round trips.
const DEEP_STACKS: &str = r##"
local function depth(n) if n == 0 then return 0 end return 1 + depth(n - 1) end
local function report(label) collectgarbage() print(label, collectgarbage("count")) end
report("start")
print(depth(600))
report("after main recursion")
local co = coroutine.create(function()
  print(depth(400))
  coroutine.yield(select("#", table.unpack({}, 1, 300)))
  report("inside the coroutine")
  print(depth(900))
  coroutine.yield()
end)
print(coroutine.resume(co))
report("coroutine suspended")
print(coroutine.resume(co))
report("coroutine suspended again")
-- A saved string that is a constant of a nested function no closure refers to.
local kept = {}
local function outer()
  local function inner() return "a constant of a nested function" end
  kept[1] = inner()
end
outer()
report("nested constant")
"##;

/// Runs `script` to the end plainly, then with byte round trips and forks every 1, 7, 61
/// and 1009 fuel units: the output (which prints memory counts), fuel and result must agree.
#[track_caller]
fn same_whatever_the_trips(script: &str) {
    let (out, fuel, result) = run_script(script, 1_000_000, Trip::None);
    assert!(matches!(result, StepResult::Finished(_)), "{result:?}");
    for (period, trip) in [1, 7, 61, 1009]
        .into_iter()
        .flat_map(|p| [(p, Trip::Bytes), (p, Trip::Fork)])
    {
        let (o, f, r) = run_script(script, period, trip);
        assert_eq!(
            String::from_utf8_lossy(&o),
            String::from_utf8_lossy(&out),
            "output, period {period}"
        );
        assert_eq!(f, fuel, "fuel, period {period}");
        assert_eq!(r, result, "result, period {period}");
    }
}

/// A frame waits in every kind of library continuation while the script runs a little Lua
/// (so a step of 1 fuel preempts it there); each is expected in some snapshot.
const EVERY_LIBRARY_CONTINUATION: &str = r##"
local function work(n) local s = 0 for i = 1, n do s = s + i end return s end
local T = setmetatable({}, {__tostring = function() return "T" .. work(20) end})
print("print", T, 1)
print(tostring(T))
local P = setmetatable({}, {__pairs = function(t) return next, {work(10)}, nil end})
for k, v in pairs(P) do print("pairs", k, v) end
local I = setmetatable({}, {__index = function(_, i) if i <= 3 then return i * work(10) end end})
for i, v in ipairs(I) do print("ipairs", i, v) end
local parts = {"return ", "1 ", "+ 41"}
local f = load(function() work(10) return table.remove(parts, 1) end)
print("load", f())
local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i + work(10)) end end)
print("wrap", gen(), gen(), gen())
local co = coroutine.create(function()
  local x <close> = setmetatable({}, {__close = function() print("closed", work(20)) end})
  coroutine.yield(1)
end)
coroutine.resume(co)
print("close", coroutine.close(co))
local w = coroutine.wrap(function()
  local y <close> = setmetatable({}, {__close = function() print("wrap closed", work(20)) end})
  coroutine.yield()
  error("boom")
end)
w()
print("wrap close", pcall(w))
local L = {__lt = function(a, b) work(10) return a.v < b.v end}
local a, b, c = setmetatable({v = 3}, L), setmetatable({v = 1}, L), setmetatable({v = 2}, L)
print("minmax", math.min(a, b, c).v, math.max(a, b, c).v)
print("gsub", (string.gsub("hello world", "%w+", function(s) return s:upper() .. work(10) end)))
local arr = {5, 3, 8, 1, 9, 2}
table.sort(arr, function(x, y) work(5) return x > y end)
print("sort", table.concat(arr, ","))
package.preload.m = function(name) return {name = name, n = work(10)} end
print("require", require("m").n)
debug.debug()
print("read", io.read("a"), io.read("l"))
local E = setmetatable({}, {__tostring = function() return "E" .. work(20) end})
print("msghandler", load(function() error(E) end))
"##;

#[test]
fn every_library_continuation_survives_round_trips() {
    use telelua::internal::stdlib::all_continuations;
    use telelua::internal::vm::cont::{ContG, LibSaved, SavedCont};
    let plain = run_profile(
        Profile::Standalone,
        EVERY_LIBRARY_CONTINUATION,
        1_000_000,
        Trip::None,
        None,
    );
    assert!(matches!(plain.2, StepResult::Finished(_)), "{:?}", plain.2);
    assert!(String::from_utf8_lossy(&plain.0).contains("require\t55"));
    assert!(String::from_utf8_lossy(&plain.0).contains("debug\t210"));
    for trip in [Trip::Bytes, Trip::Fork] {
        let r = run_profile(
            Profile::Standalone,
            EVERY_LIBRARY_CONTINUATION,
            1,
            trip,
            None,
        );
        assert_eq!(
            String::from_utf8_lossy(&r.0),
            String::from_utf8_lossy(&plain.0)
        );
        assert_eq!((r.1, &r.2), (plain.1, &plain.2));
    }
    // Which kinds the snapshots held: each saves a `Lib` continuation that starts with its
    // kind's name (found by the encoding's bytes up to the name's end).
    let prefix = |name: &str| {
        let c: SavedCont<u8> = ContG::Lib(LibSaved {
            kind: name.to_string(),
            values: Vec::new(),
            state: Vec::new(),
        });
        let mut bytes = rmp_serde::to_vec(&c).expect("encode");
        let end = bytes
            .windows(name.len())
            .position(|w| w == name.as_bytes())
            .expect("name in the encoding")
            + name.len();
        bytes.truncate(end);
        bytes
    };
    let with_input = Host {
        stdin: Box::new(Input::new(DEBUG_COMMANDS)),
        ..host(&Sink::default())
    };
    let mut vm = Vm::with_profile(Profile::Standalone, with_input);
    vm.set_main_message_handler(true);
    vm.load(EVERY_LIBRARY_CONTINUATION.as_bytes(), "=test")
        .unwrap();
    let mut seen = std::collections::BTreeSet::new();
    while vm.step(1) == StepResult::OutOfFuel {
        let bytes = vm.save().expect("save");
        for k in all_continuations() {
            let p = prefix(k.name);
            if bytes.windows(p.len()).any(|w| w == p) {
                seen.insert(k.name);
            }
        }
    }
    let all: std::collections::BTreeSet<_> = all_continuations().iter().map(|k| k.name).collect();
    assert_eq!(seen, all, "kinds never saved");
}

#[test]
fn memory_count_survives_round_trips() {
    same_whatever_the_trips(DEEP_STACKS);
}

/// The same chunk loaded twice: two instances of its functions (constants and all), which a
/// round trip must keep apart or the restored count would be an instance smaller. Also a
/// nested function whose parent instance is gone, and one of a chunk whose main function
/// is still alive.
const LOADED_TWICE: &str = r##"
local function report(label) collectgarbage() print(label, collectgarbage("count")) end
local src = [[
  local n = 0
  local function bump(k) n = n + k return "a constant of the chunk", n end
  return bump, function() return "another constant", n end
]]
local f1, g1 = load(src, "=same")()
local f2, g2 = load(src, "=same")()
report("both loaded")
print(f1(1), f2(10), g1(), g2())
local main = load(src, "=same")
report("a main function kept")
local f3 = main()
g1, g2 = nil, nil
report("outer functions dropped")
print(f1(1), f2(1), f3(5))
for i = 1, 20 do local f = load(src, "=same")() f(i) end
report("garbage instances")
print(main ~= nil, f1(0), f2(0), f3(0))
"##;

#[test]
fn a_chunk_loaded_twice_counts_the_same_across_round_trips() {
    same_whatever_the_trips(LOADED_TWICE);
}

/// String constants shared as one object (equal constants of one chunk, a metamethod name;
/// see `closure::instantiate`) where no saved object holds them: by the functions of a chunk
/// whose main function is gone, and with a metamethod name; and equal constants of two
/// chunks, which are two objects. A round trip must keep each as it was or the restored
/// count would differ.
const SHARED_CONSTANTS: &str = r##"
local function report(label) collectgarbage() print(label, collectgarbage("count")) end
local f, g = load([[
  local function f() return "a shared constant" end
  local function g() return "a shared constant", "__index", "__close" end
  return f, g
]], "=one")()
report("two trees of one chunk")
shared_global_key_x = 1
local h = load([[ return function() return shared_global_key_x, "shared_global_key_x" end ]])()
local k = load([[ return function() return "shared_global_key_x", "__index" end ]])()
shared_global_key_x = nil
report("two chunks")
print(f(), g())
print(h(), k())
for i = 1, 10 do local t = {} t[i] = f() end
report("end")
"##;

#[test]
fn shared_constants_count_the_same_across_round_trips() {
    same_whatever_the_trips(SHARED_CONSTANTS);
}

/// Near the memory budget, whether a reservation fails for good must not depend on when the
/// collector last ran (a restore starts with no garbage and a fresh collector): a native and
/// a continuation (`table.unpack` after `__len`) reserving right after garbage was dropped.
const NEAR_BUDGET: [&str; 2] = [
    r##"
local LIMIT = 1024 * 1024
local g = string.rep("x", LIMIT - math.floor(collectgarbage("count") * 1024) - 5000)
g = nil
print(select("#", table.unpack({}, 1, 20000)))
"##,
    r##"
local LIMIT = 1024 * 1024
local t = setmetatable({}, {__len = function() return 20000 end})
local g = string.rep("x", LIMIT - math.floor(collectgarbage("count") * 1024) - 5000)
g = nil
print(select("#", table.unpack(t)))
"##,
];

#[test]
fn memory_errors_do_not_depend_on_collection_times() {
    let limit = Some(1 << 20);
    for script in NEAR_BUDGET {
        let (out, _, result) = run_limited(script, 1_000_000, Trip::None, limit);
        assert!(matches!(result, StepResult::Finished(_)), "{result:?}");
        for period in [61, 101, 1009] {
            let (o, _, r) = run_limited(script, period, Trip::Bytes, limit);
            assert_eq!(
                String::from_utf8_lossy(&o),
                String::from_utf8_lossy(&out),
                "output, period {period}"
            );
            assert_eq!(r, result, "result, period {period}");
        }
    }
}

/// The final snapshot of `script` run with `step(period)`, round-tripping through bytes at
/// every preemption when `trip`.
fn final_snapshot(script: &str, period: u64, trip: bool) -> Vec<u8> {
    let mut vm = Vm::with_profile(Profile::Sandbox, host(&Sink::default()));
    vm.load(script.as_bytes(), "=test").unwrap();
    while vm.step(period) == StepResult::OutOfFuel {
        if trip {
            let bytes = vm.save().expect("save");
            vm = Vm::restore_with(&bytes, Registry::standard(), host(&Sink::default()), None)
                .expect("restore");
        }
    }
    vm.save().expect("final save")
}

/// Natives that fail on their first run and after being preempted (a malformed pattern found
/// by `gsub` before or after a preemption; a callback's error): what a failing native leaves
/// on its thread's stack must not depend on the step sizes, or the final snapshots differ
/// (found by the roundtrip fuzz target).
const FAILING_NATIVES: [&str; 3] = [
    r##"string.gsub("abc", "[a", "#")"##,
    r#"local co = coroutine.create(function() return ("x"):rep(50):gsub("x+%f", "") end)
print(coroutine.resume(co))"#,
    r#"local t = {3, 1, 2}
print(pcall(table.sort, t, function(a, b) if a == 1 then error("cmp") end return a < b end))
table.sort(t, function(a, b) error({}) end)"#,
];

#[test]
fn failing_natives_save_the_same_whatever_the_step_sizes() {
    for script in FAILING_NATIVES {
        let whole = final_snapshot(script, 1_000_000, false);
        for period in [1, 2, 3, 7] {
            for trip in [false, true] {
                assert!(
                    final_snapshot(script, period, trip) == whole,
                    "{script}: period {period}, trip {trip}"
                );
            }
        }
    }
}

/// Finalizers due at the start of a step run above whatever the thread was doing, which may
/// be a Lua function a native has just called and that has not started (`pcall`, a `sort`
/// comparator): a save taken while the finalizer runs must restore (it was refused as "pc
/// out of range").
#[test]
fn finalizers_above_a_function_not_started_round_trip() {
    let script = r#"
local function f() local a = 1 return a end
local t = {3, 1, 2}
local c = 0
for i = 1, 600 do
  setmetatable({}, {__gc = function() local s = 0 for j = 1, 3 do s = s + j end c = c + 1 end})
  pcall(f)
  table.sort(t, function(a, b) return a < b end)
end
collectgarbage()
print(c)"#;
    // (Failed at both periods without the fix; smaller ones take seconds.)
    for period in [5, 7] {
        let out = Sink::default();
        let mut vm = Vm::with_profile(Profile::Sandbox, host(&out));
        vm.load(script.as_bytes(), "=fin").unwrap();
        loop {
            match vm.step(period) {
                StepResult::OutOfFuel => {
                    let bytes = vm.save().expect("save");
                    vm = Vm::restore_with(&bytes, Registry::standard(), host(&out), None)
                        .unwrap_or_else(|e| panic!("period {period}: {e}"));
                }
                r => {
                    assert_eq!(r, StepResult::Finished(vec![]), "period {period}");
                    break;
                }
            }
        }
        assert_eq!(
            String::from_utf8_lossy(&out.0.borrow()),
            "600\n",
            "period {period}"
        );
    }
}

#[test]
fn execution_is_deterministic() {
    let a = run(97, false);
    let b = run(97, false);
    assert_eq!(a.0, b.0);
    assert_eq!(a.1, b.1);
}

#[test]
fn iteration_in_progress_survives_restore() {
    let src = r#"
        local t = {}
        for i = 1, 40 do t["k" .. i] = i end
        local seen, n = {}, 0
        for k, v in pairs(t) do
          n = n + 1
          seen[#seen + 1] = k
          if v % 3 == 0 then t[k] = nil end      -- removal during traversal
          if v % 5 == 0 then t[k] = v * 2 end    -- assignment to an existing field
        end
        return n, seen[1], seen[40]
    "#;
    let run_it = |period: u64| {
        let mut vm = Vm::new();
        vm.load(src.as_bytes(), "=iter").unwrap();
        loop {
            match vm.step(period) {
                StepResult::OutOfFuel => vm = Vm::restore(&vm.save().unwrap()).unwrap(),
                r => return r,
            }
        }
    };
    let expected = run_it(1 << 40);
    for p in [1, 5, 13] {
        assert_eq!(run_it(p), expected);
    }
}

#[test]
fn version_mismatch_is_refused_with_both_versions() {
    let mut vm = Vm::new();
    vm.load(b"return 1", "=v").unwrap();
    let bytes = vm.save().unwrap();
    // Rewrite the compiler version inside the header.
    let needle = telelua::internal::vm::chunk::COMPILER_VERSION.as_bytes();
    let pos = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap();
    let mut bad = bytes.clone();
    bad[pos + needle.len() - 1] ^= 1;
    match Vm::restore(&bad) {
        Err(SnapshotError::Version {
            found_compiler,
            expected_compiler,
            ..
        }) => {
            assert_ne!(found_compiler, expected_compiler);
        }
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("accepted a foreign version"),
    }
}

#[test]
fn garbage_is_not_a_snapshot() {
    assert!(matches!(
        Vm::restore(b"hello"),
        Err(SnapshotError::NotASnapshot)
    ));
    assert!(Vm::restore(b"").is_err());
}

/// A snapshot taken in the middle of a script with coroutines, pcall and metamethods.
fn mid_run_snapshot() -> Vec<u8> {
    let mut vm = Vm::with_profile(Profile::Sandbox, host(&Sink::default()));
    vm.load(SCRIPT.as_bytes(), "=test").unwrap();
    assert_eq!(vm.step(300), StepResult::OutOfFuel);
    vm.save().unwrap()
}

#[derive(Clone, Debug)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Set(usize, u8),
    Swap(usize, usize, usize),
}

impl Arbitrary for Mutation {
    fn arbitrary(g: &mut Gen) -> Self {
        match u8::arbitrary(g) % 4 {
            0 => Mutation::Flip(usize::arbitrary(g), u8::arbitrary(g) % 8),
            1 => Mutation::Truncate(usize::arbitrary(g)),
            2 => Mutation::Set(usize::arbitrary(g), u8::arbitrary(g)),
            _ => Mutation::Swap(
                usize::arbitrary(g),
                usize::arbitrary(g),
                1 + usize::arbitrary(g) % 16,
            ),
        }
    }
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let n = bytes.len();
    if n == 0 {
        return;
    }
    match *m {
        Mutation::Flip(i, bit) => bytes[i % n] ^= 1 << bit,
        Mutation::Truncate(i) => bytes.truncate(i % n),
        Mutation::Set(i, v) => bytes[i % n] = v,
        Mutation::Swap(a, b, len) => {
            let (a, b) = (a % n, b % n);
            let len = len.min(n - a).min(n - b);
            for k in 0..len {
                bytes.swap(a + k, b + k);
            }
        }
    }
}

#[test]
fn mutated_snapshots_never_panic() {
    fn prop(muts: Vec<Mutation>) -> bool {
        static BASE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        let mut bytes = BASE.get_or_init(mid_run_snapshot).clone();
        for m in muts.iter().take(4) {
            apply(&mut bytes, m);
        }
        if let Ok(mut vm) =
            Vm::restore_with(&bytes, Registry::standard(), host(&Sink::default()), None)
        {
            for _ in 0..20 {
                if vm.step(200) != StepResult::OutOfFuel {
                    break;
                }
            }
            let _ = vm.save();
        }
        true
    }
    QuickCheck::new()
        .tests(400)
        .quickcheck(prop as fn(Vec<Mutation>) -> bool);
}

#[test]
fn forks_are_independent_and_share_the_image_state() {
    let mut base = Vm::new();
    base.load(
        b"counter = 10 function bump() counter = counter + 1 return counter end",
        "=base",
    )
    .unwrap();
    assert!(matches!(base.step(1000), StepResult::Finished(_)));
    let image = base.image().unwrap();
    let mut a = image.fork().unwrap();
    let mut b = image.fork().unwrap();
    a.load(b"bump() bump() return bump()", "=a").unwrap();
    b.load(b"return bump()", "=b").unwrap();
    assert_eq!(
        a.step(1000),
        StepResult::Finished(vec![telelua::HostValue::Int(13)])
    );
    assert_eq!(
        b.step(1000),
        StepResult::Finished(vec![telelua::HostValue::Int(11)])
    );
    let mut c = image.fork().unwrap();
    c.load(b"return counter", "=c").unwrap();
    assert_eq!(
        c.step(1000),
        StepResult::Finished(vec![telelua::HostValue::Int(10)])
    );
    // A fork saves to the same bytes as the image.
    assert_eq!(
        image.fork().unwrap().save().unwrap(),
        image.to_bytes().unwrap()
    );
}

#[test]
fn unregistered_natives_are_named_when_saving() {
    use telelua::internal::vm::native::{Action, NativeCtx, NativeDef};
    fn hello<'gc>(
        nc: &mut NativeCtx<'gc, '_>,
    ) -> telelua::internal::vm::LuaResult<'gc, Action<'gc>> {
        nc.ret0()
    }
    static HELLO: NativeDef = NativeDef {
        name: "game.hello",
        func: hello,
    };
    let mut vm = Vm::new();
    vm.set_native("hello", &HELLO);
    match vm.save() {
        Err(SnapshotError::UnregisteredNative(n)) => assert_eq!(n, "game.hello"),
        other => panic!("{other:?}"),
    }
    vm.registry_mut().add_native(&HELLO);
    let bytes = vm.save().unwrap();
    assert!(
        matches!(Vm::restore(&bytes), Err(SnapshotError::UnregisteredNative(n)) if n == "game.hello")
    );
    let mut reg = Registry::standard();
    reg.add_native(&HELLO);
    assert!(Vm::restore_with(&bytes, reg, Host::default(), None).is_ok());
}

#[test]
fn snapshots_are_plain_messagepack() {
    // Two MessagePack values (header, body) and nothing else, as a generic decoder sees them.
    let bytes = mid_run_snapshot();
    let mut de = rmp_serde::Deserializer::new(&bytes[..]);
    let _: serde::de::IgnoredAny = serde::Deserialize::deserialize(&mut de).unwrap();
    let _: serde::de::IgnoredAny = serde::Deserialize::deserialize(&mut de).unwrap();
    assert!(de.get_ref().is_empty());
}

#[test]
fn forks_of_a_running_image_save_like_the_original() {
    let mut vm = Vm::with_profile(Profile::Sandbox, host(&Sink::default()));
    vm.load(SCRIPT.as_bytes(), "=test").unwrap();
    for fuel in [1u64, 40, 300, 700] {
        if vm.step(fuel) != StepResult::OutOfFuel {
            break;
        }
        let bytes = vm.save().unwrap();
        let image = vm.image().unwrap();
        assert_eq!(image.to_bytes().unwrap(), bytes);
        assert_eq!(image.fork().unwrap().save().unwrap(), bytes);
    }
}

#[test]
fn forks_can_use_functions_nested_in_ones_that_are_gone() {
    // `make`'s function is nested in `outer`, which no closure refers to any more: a fork
    // instantiates `make`'s function with its own nested functions only.
    let setup =
        b"local function outer() return function(y) return function(z) return y + z end end end
                  make = outer() outer = nil";
    let run = b"local add = make(40) return add(2)";
    let mut base = Vm::new();
    base.load(setup, "=setup").unwrap();
    assert!(matches!(base.step(1000), StepResult::Finished(_)));
    let image = base.image().unwrap();
    let mut fork = image.fork().unwrap();
    fork.load(run, "=run").unwrap();
    assert_eq!(
        fork.step(1000),
        StepResult::Finished(vec![telelua::HostValue::Int(42)])
    );
    base.load(run, "=run").unwrap();
    assert!(matches!(base.step(1000), StepResult::Finished(_)));
    assert_eq!(fork.save().unwrap(), base.save().unwrap());
    assert_eq!(fork.fuel_used(), base.fuel_used());
}

#[test]
fn huge_counts_are_refused_before_anything_is_reserved() {
    let bytes = mid_run_snapshot();
    // The body follows the header: [tail offset (uint 32), objects (array 32), ...] (16
    // fields: an `array 16` header of 3 bytes).
    let mut de = rmp_serde::Deserializer::new(&bytes[..]);
    let _: serde::de::IgnoredAny = serde::Deserialize::deserialize(&mut de).unwrap();
    let body = bytes.len() - de.get_ref().len() + 2;
    assert_eq!(bytes[body - 2], 0xdc);
    assert_eq!(bytes[body + 1], 0xce);
    assert_eq!(bytes[body + 6], 0xdd);
    for count in [u32::MAX, 1 << 28, (bytes.len() as u32) / 2] {
        let mut b = bytes.clone();
        b[body + 7..body + 11].copy_from_slice(&count.to_be_bytes());
        assert!(Vm::restore(&b).is_err());
    }
}

/// Debug hooks (a hook frame, the thread's hook settings), tail-call frames, upvalue ids and a
/// message handler's levels are all VM state: every snapshot in the middle of them restores
/// byte-identically and the run goes on exactly as without snapshots (or through forks).
#[test]
fn hooks_survive_round_trips_byte_identically() {
    const HOOKED: &str = r#"
local log = {}
local function tail(n) if n == 0 then return "t" end return tail(n - 1) end
local a, b = 1, 2
local function f() return a + b end
local id = debug.upvalueid(f, 1)
debug.sethook(function(e, l)
  local info = debug.getinfo(2, "nlt")
  log[#log + 1] = e .. ":" .. tostring(l) .. ":" .. tostring(info.name) .. ":" .. tostring(info.istailcall)
end, "crl", 5)
local x = tail(3) .. f()
local ok, tb = xpcall(function() error("boom") end, debug.traceback)
debug.sethook()
print(#log, log[1], log[#log], x, ok, (tb:gsub("\n", "|")), debug.upvalueid(f, 1) == id)
"#;
    let run = |period: u64, roundtrip: bool, fork: bool| {
        let out = Sink::default();
        let mut vm = Vm::with_profile(Profile::Standalone, host(&out));
        vm.load(HOOKED.as_bytes(), "=hooked").unwrap();
        loop {
            match vm.step(period) {
                StepResult::OutOfFuel if fork => {
                    vm = vm
                        .image()
                        .expect("image")
                        .fork_with(host(&out))
                        .expect("fork");
                }
                StepResult::OutOfFuel if roundtrip => {
                    let bytes = vm.save().expect("save");
                    let again = Vm::restore_with(&bytes, Registry::standard(), host(&out), None)
                        .expect("restore");
                    assert_eq!(again.save().expect("save again"), bytes);
                    vm = again;
                }
                StepResult::OutOfFuel => {}
                r => {
                    let o = out.0.borrow().clone();
                    return (o, vm.fuel_used(), r);
                }
            }
        }
    };
    let (out, fuel, result) = run(1_000_000, false, false);
    assert!(matches!(result, StepResult::Finished(_)), "{result:?}");
    assert!(String::from_utf8_lossy(&out).contains("boom"));
    for (period, fork) in [1, 2, 5, 13]
        .into_iter()
        .flat_map(|p| [(p, false), (p, true)])
    {
        let (o, f, r) = run(period, !fork, fork);
        assert_eq!(
            String::from_utf8_lossy(&o),
            String::from_utf8_lossy(&out),
            "output, period {period}"
        );
        assert_eq!(f, fuel, "fuel, period {period}");
        assert_eq!(r, result, "result, period {period}");
    }
}

#[test]
fn light_natives_keep_their_identity_across_vms_and_snapshots() {
    let src = b"return tostring(print), string.format('%p', string.rep), print == print, tostring(coroutine.wrap(print))";
    let run = |vm: &mut Vm| {
        vm.load(src, "=t").unwrap();
        vm.step(10_000)
    };
    let first = run(&mut Vm::new());
    assert!(matches!(&first, StepResult::Finished(v) if v.len() == 4));
    let restored = run(&mut Vm::restore(&Vm::new().save().unwrap()).unwrap());
    let forked = run(&mut Vm::new().image().unwrap().fork().unwrap());
    assert_eq!(first, restored);
    assert_eq!(first, forked);
}

#[test]
fn forks_do_not_share_tables_upvalues_or_coroutines() {
    use telelua::Value::{Int, Nil, Str};
    let mut base = Vm::new();
    base.load(
        b"local n = 0
          function inc() n = n + 1 return n end
          t = {list = {1, 2}, name = 'x'}
          co = coroutine.create(function(x) local y = coroutine.yield(x + 1) return y * 2 end)
          coroutine.resume(co, 1)",
        "=base",
    )
    .unwrap();
    assert!(matches!(base.step(10_000), StepResult::Finished(_)));
    let image = base.image().unwrap();
    let before = image.to_bytes().unwrap();
    let probe = b"return inc(), t.list[1], t.name, t.new, select(2, coroutine.resume(co, 5))";
    let mut a = image.fork().unwrap();
    let mut b = image.fork().unwrap();
    a.load(
        b"inc() inc() t.list[1] = 99 t.name = 'changed' t.new = true
          coroutine.resume(co, 7)
          return inc(), t.list[1], coroutine.status(co)",
        "=a",
    )
    .unwrap();
    assert_eq!(
        a.step(10_000),
        StepResult::Finished(vec![Int(3), Int(99), Str(b"dead".to_vec())])
    );
    let expected = StepResult::Finished(vec![Int(1), Int(1), Str(b"x".to_vec()), Nil, Int(10)]);
    b.load(probe, "=b").unwrap();
    assert_eq!(b.step(10_000), expected);
    let mut c = image.fork().unwrap();
    c.load(probe, "=c").unwrap();
    assert_eq!(c.step(10_000), expected);
    assert_eq!(image.to_bytes().unwrap(), before);
}

// ---------------------------------------------------------------------------------------------
// Forks against bytes restores. A fork of an `Image` must be indistinguishable from
// `Vm::restore(&image.to_bytes())`: same output and fuel at every step, same `save()` bytes,
// and forks of one image must never see each other's writes — however the fork shares the
// image's objects internally (eagerly copied, or copied on first write).
// ---------------------------------------------------------------------------------------------

/// A VM under test with the output it has written.
struct Twin {
    vm: Vm,
    out: Sink,
    /// Whether [`lockstep`] also compares the host's memory count after every step.
    memory: bool,
}

impl Twin {
    /// A fork of `image` and a restore of its bytes, each writing to a fresh sink. With
    /// `memory` (the memory count is compared after every step), the twin is a second fork
    /// instead: a lazy fork's collector keeps its own schedule (it starts later than a
    /// restore's, which is what lets a short-lived fork stay lazy), as a restore's differs
    /// from the original VM's, so between collections the count of a fork equals that of
    /// another fork of the same image, not that of a restore.
    fn pair(image: &telelua::Image, memory: bool) -> (Twin, Twin) {
        let out = Sink::default();
        let vm = image.fork_with(host(&out)).expect("fork");
        let fork = Twin { vm, out, memory };
        let out = Sink::default();
        let vm = if memory {
            image.fork_with(host(&out)).expect("fork")
        } else {
            let bytes = image.to_bytes().expect("image bytes");
            Vm::restore_with(&bytes, Registry::standard(), host(&out), None).expect("restore")
        };
        (fork, Twin { vm, out, memory })
    }

    /// Takes (and clears) the output written so far.
    fn take_output(&self) -> String {
        String::from_utf8_lossy(&std::mem::take(&mut *self.out.0.borrow_mut())).into_owned()
    }
}

/// Runs the VMs' current code to the end in lockstep, `period` fuel at a time, checking at
/// every preemption and at the end that they used the same fuel and wrote the same output.
/// Returns the common result and output. (Saving would complete a lazy fork, so the callers
/// compare [`same_save`] only when they are done with the fork.)
fn lockstep(what: &str, a: &mut Twin, b: &mut Twin, period: u64) -> (StepResult, String) {
    let mut output = String::new();
    for step in 0.. {
        let (ra, rb) = (a.vm.step(period), b.vm.step(period));
        let (oa, ob) = (a.take_output(), b.take_output());
        assert_eq!(oa, ob, "{what}: output at step {step}");
        output.push_str(&oa);
        assert_eq!(ra, rb, "{what}: result at step {step}");
        assert_eq!(
            a.vm.fuel_used(),
            b.vm.fuel_used(),
            "{what}: fuel at step {step}"
        );
        if a.memory {
            assert_eq!(
                a.vm.memory_used(),
                b.vm.memory_used(),
                "{what}: memory at step {step}"
            );
        }
        if ra != StepResult::OutOfFuel {
            return (ra, output);
        }
    }
    unreachable!()
}

/// Checks that the VMs save to the same bytes.
fn same_save(what: &str, a: &Twin, b: &Twin) {
    assert!(
        a.vm.save().expect("save") == b.vm.save().expect("save"),
        "{what}: save() bytes differ"
    );
}

/// Loads `chunk` into both VMs and runs it with [`lockstep`].
fn run_both(what: &str, a: &mut Twin, b: &mut Twin, chunk: &str) -> (StepResult, String) {
    a.vm.load(chunk.as_bytes(), "=cont").expect("load");
    b.vm.load(chunk.as_bytes(), "=cont").expect("load");
    lockstep(what, a, b, 1009)
}

/// Everything a lazy fork could get wrong, with the image taken at every point of it: tables
/// with tombstones, a `pairs` loop in progress (and one inside a suspended coroutine), an
/// `__index` chain and an `__newindex`, closures sharing upvalues, weak tables whose entries
/// only the image still refers to, and the memory count.
const FORK_SCRIPT: &str = r#"
shared = {n = 0, list = {}}
local data = {}
for i = 1, 24 do data["k" .. i] = i; data[i] = i * 10 end
for i = 1, 24, 5 do data["k" .. i] = nil end
local base = {kind = "base"}
function base.greet(self) return "hi " .. self.name .. " from " .. self.kind end
local mid = setmetatable({kind = "mid"}, {__index = base})
obj = setmetatable({name = "obj"}, {__index = mid,
  __newindex = function(t, k, v) rawset(t, k, v * 2) end})
local counter = 0
function inc() counter = counter + 1 return counter end
function get() return counter end
local genco = coroutine.create(function()
  for k, v in pairs(data) do coroutine.yield(k, v) end
  return "done"
end)
local function gen() return select(2, coroutine.resume(genco)) end
local weakk = setmetatable({}, {__mode = "k"})
local weakv = setmetatable({}, {__mode = "v"})
local keep = {}
for i = 1, 8 do
  local key = {i}
  weakk[key] = i
  weakv[i] = {i}
  if i % 2 == 0 then keep[#keep + 1] = key; keep[#keep + 1] = weakv[i] end
end
local function count(t) local n = 0 for _ in pairs(t) do n = n + 1 end return n end
local visited, sum = 0, 0
for k, v in pairs(data) do
  visited = visited + 1
  sum = sum + v
  if visited % 7 == 0 then data[k] = v + 1 end
  if visited % 11 == 0 then data[k] = nil end
  inc()
  print("visit", visited, k, v, gen())
  obj["x" .. visited % 3] = visited
  shared.list[#shared.list + 1] = obj:greet() .. visited
  mid.kind = "mid" .. visited
end
print("sum", sum, get(), obj.x0, obj.x1, obj.x2, #shared.list, shared.list[5])
-- (no count before the collection: when automatic collections clear weak entries depends on
-- the collector's schedule, which forks and restores keep each their own; see vm::gc)
collectgarbage()
print("weak after", count(weakk), count(weakv), #keep)
print("count", collectgarbage("count"))
keep = nil
collectgarbage()
print("weak dropped", count(weakk), count(weakv))
print("count", collectgarbage("count"))
for i = 1, 3 do print("gen", gen()) end
"#;

/// The code run on top of [`FORK_SCRIPT`]'s final state: reads and writes of what it left.
const FORK_CONTINUATION: &str = r#"
local n = 0
for k, v in pairs(shared.list) do n = n + #v end
print("cont", n, inc(), get(), obj:greet(), obj.x1, rawget(obj, "kind"))
getmetatable(obj).__index.kind = "changed"
obj.y = 21
shared.list[3] = nil
print("cont", obj:greet(), obj.y, #shared.list, next(shared.list, 3))
collectgarbage()
print("count", collectgarbage("count"))
"#;

#[test]
fn forks_continue_like_bytes_restores_from_every_point() {
    forks_continue_from_every_point(false);
}

/// [`forks_continue_like_bytes_restores_from_every_point`] (`memory`: comparing the memory
/// count after every step too).
fn forks_continue_from_every_point(memory: bool) {
    let mut vm = Vm::with_profile(Profile::Standalone, host(&Sink::default()));
    vm.load(FORK_SCRIPT.as_bytes(), "=forked").unwrap();
    let mut points = 0;
    loop {
        let image = vm.image().expect("image");
        let what = format!("image at fuel {}", vm.fuel_used());
        let (mut fork, mut restored) = Twin::pair(&image, memory);
        let (r, out) = lockstep(&what, &mut fork, &mut restored, 211);
        assert!(matches!(r, StepResult::Finished(_)), "{what}: {r:?}");
        if points == 0 {
            assert!(out.contains("weak dropped"), "{out}");
        }
        let (r, _) = run_both(&what, &mut fork, &mut restored, FORK_CONTINUATION);
        assert!(matches!(r, StepResult::Finished(_)), "{what}: {r:?}");
        same_save(&what, &fork, &restored);
        points += 1;
        match vm.step(97) {
            StepResult::OutOfFuel => {}
            StepResult::Finished(_) => break,
            r => panic!("{r:?}"),
        }
    }
    assert!(points > 20, "only {points} images");
}

/// An image whose state every probe of the isolation test looks at.
const ISOLATION_SETUP: &str = r#"
g = "image"
T = {a = "image", sub = {x = "image"}, list = {"image"}}
alias = T.sub
K = {}
T[K] = "keyed"
MT = {__index = function(_, k) return "default " .. k end}
obj = setmetatable({}, MT)
local up = "image"
function set_up(v) up = v end
function get_up() return up end
function get_up_too() return up end
co = coroutine.create(function(x)
  local y = coroutine.yield(x)
  up = "coroutine " .. tostring(y)
  return y
end)
coroutine.resume(co, 1)
getmetatable("").__index.custom = function() return "image" end
function dump()
  local keys = {}
  for k in pairs(T) do keys[#keys + 1] = tostring(k == K and "K" or k) end
  return table.concat({g, tostring(T.a), tostring(T.sub and T.sub.x), tostring(alias.x),
    tostring(rawequal(T.sub, alias)), tostring(T.new), tostring(T[K]), tostring(K.field),
    table.concat(T.list, "+"), table.concat(keys, "+"), tostring(obj.missing),
    tostring(getmetatable(obj) == MT), tostring(rawget(MT, "extra")), get_up(), get_up_too(),
    coroutine.status(co), ("s"):custom(), tostring(rawget(_G, "fresh"))}, " | ")
end
"#;

/// A standalone VM that ran [`ISOLATION_SETUP`] (the base the fork tests take images of).
fn isolation_base() -> Vm {
    let mut base = Vm::with_profile(Profile::Standalone, host(&Sink::default()));
    base.load(ISOLATION_SETUP.as_bytes(), "=setup").unwrap();
    assert!(matches!(base.step(100_000), StepResult::Finished(_)));
    base
}

#[test]
fn forks_of_one_image_never_see_each_others_writes() {
    forks_are_isolated(false);
}

/// [`forks_of_one_image_never_see_each_others_writes`] (`memory`: as in
/// [`forks_continue_from_every_point`]).
fn forks_are_isolated(memory: bool) {
    use telelua::HostValue;
    let mut base = isolation_base();
    let image = base.image().unwrap();
    let image_bytes = image.to_bytes().unwrap();
    // Each fork runs its writes beside a bytes restore doing the same: their dumps must agree.
    let (mut a, mut a_twin) = Twin::pair(&image, memory);
    let (mut b, mut b_twin) = Twin::pair(&image, memory);
    let dump = |x: &mut Twin, y: &mut Twin| match run_both("dump()", x, y, "return dump()") {
        (StepResult::Finished(v), _) => match v.as_slice() {
            [HostValue::Str(s)] => String::from_utf8_lossy(s).into_owned(),
            other => panic!("{other:?}"),
        },
        (r, _) => panic!("{r:?}"),
    };
    let pristine = dump(&mut a, &mut a_twin);
    assert!(pristine.starts_with("image | image | image"), "{pristine}");
    let writes_a = [
        "g = 'A' T.a = 'A' T.new = 'A'",
        "T.sub.x = 'A' K.field = 'A' table.insert(T.list, 'A') T.list[1] = 'A1'",
        "set_up('A') MT.extra = 'A' MT.__index = function() return 'A' end",
        "getmetatable('').__index.custom = function() return 'A' end fresh = 'A'",
        "coroutine.resume(co, 'A')",
    ];
    let writes_b = [
        "rawset(T, 'a', 'B') T.sub = nil table.remove(T.list) T[K] = nil",
        "setmetatable(obj, nil) rawset(_G, 'g', 'B') debug.setupvalue(get_up, 1, 'B')",
        "alias.x = 'B' table.sort(T.list) fresh = 'B' MT.__index = nil",
        "local other = 'joined' debug.upvaluejoin(get_up_too, 1, function() return other end, 1)
         getmetatable('').__index.custom = nil
         getmetatable('').__index.custom = function() return 'B' end",
        "coroutine.close(co)",
    ];
    for (i, (wa, wb)) in writes_a.iter().zip(writes_b).enumerate() {
        let (r, _) = run_both("writes of a", &mut a, &mut a_twin, wa);
        assert!(matches!(r, StepResult::Finished(_)), "{wa}: {r:?}");
        let da = dump(&mut a, &mut a_twin);
        if i == 0 {
            // b has written nothing yet: a's writes must not show there.
            assert_eq!(dump(&mut b, &mut b_twin), pristine, "b after a's {wa}");
        }
        let (r, _) = run_both("writes of b", &mut b, &mut b_twin, wb);
        assert!(matches!(r, StepResult::Finished(_)), "{wb}: {r:?}");
        let db = dump(&mut b, &mut b_twin);
        // b's writes must not show in a, nor a's in b (their twins never shared anything).
        assert_eq!(dump(&mut a, &mut a_twin), da, "a after b's {wb}");
        assert_ne!(da, pristine);
        assert_ne!(db, pristine);
        // A fork made now still starts from the image.
        let (mut c, mut c_twin) = Twin::pair(&image, memory);
        assert_eq!(
            dump(&mut c, &mut c_twin),
            pristine,
            "a new fork after step {i}"
        );
        same_save("a new fork", &c, &c_twin);
    }
    same_save("fork a", &a, &a_twin);
    same_save("fork b", &b, &b_twin);
    assert_eq!(image.to_bytes().unwrap(), image_bytes);
    // The VM the image was taken from is untouched by its forks too (it has the garbage of
    // its setup, so only what it computes is compared).
    base.load(b"return dump()", "=base").unwrap();
    assert_eq!(
        base.step(100_000),
        StepResult::Finished(vec![HostValue::Str(pristine.into_bytes())])
    );
}

#[test]
fn a_fork_that_only_reads_saves_like_a_restore() {
    a_fork_only_reads(false);
}

/// [`a_fork_that_only_reads_saves_like_a_restore`] (`memory`: as in
/// [`forks_continue_from_every_point`]).
fn a_fork_only_reads(memory: bool) {
    let mut base = isolation_base();
    // A `pairs` loop over the image's data stays suspended in a coroutine of the image.
    base.load(
        b"walker = coroutine.wrap(function()
            for k, v in pairs(T) do coroutine.yield(k) end
            for k, v in pairs(_G) do coroutine.yield(k) end
          end)
          walker()",
        "=walker",
    )
    .unwrap();
    assert!(matches!(base.step(100_000), StepResult::Finished(_)));
    let image = base.image().unwrap();
    // Untouched, a fork saves the image's bytes.
    let restored = Vm::restore(&image.to_bytes().unwrap()).unwrap();
    assert_eq!(
        image.fork().unwrap().save().unwrap(),
        restored.save().unwrap()
    );
    // Reads everywhere (every table reachable from the globals, metatables, upvalues through
    // calls, the suspended walker): the fork saves exactly as a restore that read the same.
    let reads = r#"
        local seen, n = {}, 0
        local function walk(t)
          if seen[t] then return end
          seen[t] = true
          for k, v in pairs(t) do
            n = n + 1
            if type(v) == "table" then walk(v) end
            if type(k) == "table" then walk(k) end
          end
          local mt = getmetatable(t)
          if type(mt) == "table" then walk(mt) end
        end
        walk(_G)
        walk(getmetatable(""))
        local s = get_up() .. get_up_too() .. obj.missing .. ("s"):custom() .. #T.list
        local w = 0
        while walker() do w = w + 1 end
        print(n > 50, s, w, coroutine.status(co), rawlen(T.list), type((next(T))))
        return dump()
    "#;
    let (mut fork, mut twin) = Twin::pair(&image, memory);
    let (r, out) = run_both("reads", &mut fork, &mut twin, reads);
    assert!(matches!(r, StepResult::Finished(_)), "{r:?}");
    assert!(
        out.starts_with("true\timageimagedefault missingimage1\t"),
        "{out}"
    );
    same_save("reads", &fork, &twin);
    // A host-side collection of the (now complete) fork agrees too.
    fork.vm.collect();
    twin.vm.collect();
    assert_eq!(fork.vm.memory_used(), twin.vm.memory_used());
    assert_eq!(fork.vm.save().unwrap(), twin.vm.save().unwrap());
}

#[test]
fn garbage_left_by_a_fork_is_counted_like_a_restores() {
    garbage_of_a_fork(false);
}

/// [`garbage_left_by_a_fork_is_counted_like_a_restores`] (`memory`: as in
/// [`forks_continue_from_every_point`]).
fn garbage_of_a_fork(memory: bool) {
    let mut base = isolation_base();
    base.load(
        b"big = {} for i = 1, 2000 do big[i] = {i, tostring(i)} end
          cache = setmetatable({}, {__mode = 'v'})
          for i = 1, 100 do cache[i] = big[i] end
          strings = {} for i = 1, 300 do strings[i] = string.rep('s', i) end",
        "=more",
    )
    .unwrap();
    assert!(matches!(base.step(1_000_000), StepResult::Finished(_)));
    let image = base.image().unwrap();
    let drops = [
        "print('count', collectgarbage('count'))",
        "big = nil collectgarbage() print('count', collectgarbage('count'))",
        "local n = 0 for _ in pairs(cache) do n = n + 1 end print('cache', n)",
        "T.sub = nil alias = nil K = nil strings = nil obj = nil MT = nil
         collectgarbage() print('count', collectgarbage('count'))",
        "co = nil set_up = nil get_up_too = nil collectgarbage('step')
         print('count', collectgarbage('count'))",
        "local G = _G
         for k in pairs(G) do if k ~= 'print' and k ~= 'collectgarbage' then G[k] = nil end end
         collectgarbage() collectgarbage() print('count', collectgarbage('count'))",
        "local t = {} for i = 1, 500 do t[i] = {} end t = nil
         print('count', collectgarbage('count')) collectgarbage()
         print('count', collectgarbage('count'))",
    ];
    let (mut fork, mut twin) = Twin::pair(&image, memory);
    for chunk in drops {
        let (r, out) = run_both(chunk, &mut fork, &mut twin, chunk);
        assert!(matches!(r, StepResult::Finished(_)), "{chunk}: {r:?}");
        assert!(!out.is_empty());
    }
    // The host's own collection agrees as well.
    fork.vm.collect();
    twin.vm.collect();
    assert_eq!(fork.vm.memory_used(), twin.vm.memory_used());
    assert_eq!(fork.vm.save().unwrap(), twin.vm.save().unwrap());
}

/// Garbage made in small steps, with no explicit collection: what the collector did (and so
/// `collectgarbage("count")`, finalizers and weak entries) must be the same in every fork of
/// one image (a fork's collection schedule is its own, as a restore's is: see [`Twin::pair`]).
const PACED: &str = r#"
local finalized = 0
local weak = setmetatable({}, {__mode = "k"})
for i = 1, 6000 do
  local t = {i, tostring(i)}
  if i % 10 == 0 then setmetatable(t, {__gc = function() finalized = finalized + 1 end}) end
  if i % 7 == 0 then weak[t] = i end
  if i % 1000 == 0 then
    local n = 0
    for _ in pairs(weak) do n = n + 1 end
    print(i, collectgarbage("count"), finalized, n)
  end
end
"#;

#[test]
fn forks_of_one_image_collect_garbage_alike() {
    let base = isolation_base();
    let image = base.image().unwrap();
    for period in [100, 1000, 10_000] {
        // The count printed after a continuation that made garbage (no collection since).
        let (mut fork, mut twin) = Twin::pair(&image, true);
        let chunk = "local t = {} for i = 1, 200 do t[i] = {i} end t = nil \
                     print(collectgarbage('count'))";
        fork.vm.load(chunk.as_bytes(), "=count").unwrap();
        twin.vm.load(chunk.as_bytes(), "=count").unwrap();
        lockstep(
            &format!("count, period {period}"),
            &mut fork,
            &mut twin,
            period,
        );
        let (mut fork, mut twin) = Twin::pair(&image, true);
        fork.vm.load(PACED.as_bytes(), "=paced").unwrap();
        twin.vm.load(PACED.as_bytes(), "=paced").unwrap();
        let (r, out) = lockstep(
            &format!("paced, period {period}"),
            &mut fork,
            &mut twin,
            period,
        );
        assert!(matches!(r, StepResult::Finished(_)), "{r:?}");
        assert_eq!(out.lines().count(), 6, "{out}");
    }
}

/// The scenarios above with two forks of one image, also comparing the host's memory count
/// after every step (it paces the collector).
#[test]
fn forks_of_one_image_count_memory_alike_after_every_step() {
    forks_continue_from_every_point(true);
    forks_are_isolated(true);
    a_fork_only_reads(true);
    garbage_of_a_fork(true);
}

/// Once complete (here by a host collection), a fork's heap is a restore's, link to the image
/// included: the collector then keeps the same pace in both.
#[test]
fn a_complete_fork_collects_like_a_restore() {
    let mut base = Vm::with_profile(Profile::Standalone, host(&Sink::default()));
    base.load(
        b"objs = {} for i = 1, 5000 do objs[i] = {i, tostring(i)} end",
        "=setup",
    )
    .unwrap();
    assert!(matches!(base.step(100_000_000), StepResult::Finished(_)));
    let image = base.image().unwrap();
    let (mut fork, mut twin) = Twin::pair(&image, false);
    fork.vm.collect();
    twin.vm.collect();
    let chunk = "for r = 1, 5 do local g = {} for i = 1, 3000 do g[i] = {i} end \
                 print(collectgarbage('count')) end";
    fork.vm.load(chunk.as_bytes(), "=paced").unwrap();
    twin.vm.load(chunk.as_bytes(), "=paced").unwrap();
    let (r, out) = lockstep("after a collection", &mut fork, &mut twin, 997);
    assert!(matches!(r, StepResult::Finished(_)), "{r:?}");
    assert_eq!(out.lines().count(), 5, "{out}");
}

/// A chunk loaded after the previous one yielded to the host keeps that chunk's closures
/// working on their own variables (they are closed, not left pointing at stack slots the new
/// chunk reuses), and the VM can still be saved, restored and forked.
#[test]
fn loading_a_chunk_closes_the_upvalues_of_the_previous_one() {
    let mut vm = Vm::with_profile(Profile::Standalone, host(&Sink::default()));
    vm.set_main_yieldable(true);
    vm.load(
        b"local a, b, c, d = 'A', 2, 3, 4 function geta() return a end function seta(v) a = v end
          function getd() return d end coroutine.yield()",
        "=first",
    )
    .unwrap();
    assert!(matches!(vm.step(10_000), StepResult::Yielded(_)));
    vm.load(
        b"local mine = 'mine' local got = geta() seta('set') return got, mine, geta(), getd()",
        "=second",
    )
    .unwrap();
    assert_eq!(
        vm.step(10_000),
        StepResult::Finished(vec![
            HostValue::Str(b"A".to_vec()),
            HostValue::Str(b"mine".to_vec()),
            HostValue::Str(b"set".to_vec()),
            HostValue::Int(4),
        ])
    );
    vm.load(b"return geta()", "=third").unwrap();
    let bytes = vm.save().unwrap();
    let mut restored = Vm::restore(&bytes).expect("restore");
    assert_eq!(
        restored.step(10_000),
        StepResult::Finished(vec![HostValue::Str(b"set".to_vec())])
    );
    assert!(vm.image().is_ok());
}
