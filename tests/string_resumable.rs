//! Long string-library work is preempted by fuel and resumes to the same result.
//!
//! Each case runs a setup chunk to completion, then runs the measured chunk twice: once in
//! small `step(1000)` slices (counting how often it ran out of fuel, and checking that no
//! step overshoots its budget by more than the documented bound) and once in a single big
//! step. Both must produce the same values, and the sliced run must have been preempted many
//! times inside the one library call.

use telelua::{HostValue, StepResult, Vm};

/// Fuel per slice in the sliced runs.
const SLICE: u64 = 1000;
/// Allowed overshoot of one step: the largest single charge a string native makes between
/// two fuel checks (a 4 KiB builder chunk is 256 fuel) plus an instruction or two.
const OVERSHOOT: u64 = 300;

fn prepared(setup: &str, script: &str) -> Vm {
    let mut vm = Vm::new();
    vm.load(setup.as_bytes(), "=setup").unwrap();
    match vm.step(u64::MAX) {
        StepResult::Finished(_) => {}
        other => panic!("setup did not finish: {other:?}"),
    }
    vm.load(script.as_bytes(), "=script").unwrap();
    vm
}

/// Runs `script` in slices; returns its results and the number of preemptions.
#[track_caller]
fn run_sliced(setup: &str, script: &str) -> (Vec<HostValue>, usize) {
    let mut vm = prepared(setup, script);
    let mut preemptions = 0;
    loop {
        let before = vm.fuel_used();
        let r = vm.step(SLICE);
        let used = vm.fuel_used() - before;
        assert!(
            used <= SLICE + OVERSHOOT,
            "a step of {SLICE} fuel used {used}"
        );
        match r {
            StepResult::OutOfFuel => preemptions += 1,
            StepResult::Finished(v) => return (v, preemptions),
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[track_caller]
fn run_whole(setup: &str, script: &str) -> Vec<HostValue> {
    let mut vm = prepared(setup, script);
    match vm.step(u64::MAX) {
        StepResult::Finished(v) => v,
        other => panic!("unexpected {other:?}"),
    }
}

#[track_caller]
fn check(setup: &str, script: &str, min_preemptions: usize) -> Vec<HostValue> {
    let whole = run_whole(setup, script);
    let (sliced, preemptions) = run_sliced(setup, script);
    assert_eq!(sliced, whole, "sliced and whole runs differ");
    assert!(
        preemptions >= min_preemptions,
        "only {preemptions} preemptions (expected at least {min_preemptions})"
    );
    whole
}

fn int(v: &HostValue) -> i64 {
    match v {
        HostValue::Int(i) => *i,
        other => panic!("not an integer: {other:?}"),
    }
}

#[test]
fn gsub_over_ten_megabytes_is_preempted() {
    let setup = r#"s = string.rep("abcdefghij", 1000000)"#;
    let script = r#"
        local r, n = s:gsub("e", "E")
        -- (Not `r == ...`: comparing 10 MB is one charge of 39,000 fuel, not preemptible.)
        local t = s:upper():lower()
        return #r, n, r:sub(1, 12), select(2, r:gsub("E", "E")), #t, t:sub(-12)
    "#;
    let v = check(setup, script, 100);
    assert_eq!(int(&v[0]), 10_000_000);
    assert_eq!(int(&v[1]), 1_000_000);
    assert_eq!(v[2], HostValue::Str(b"abcdEfghijab".to_vec()));
    assert_eq!(int(&v[3]), 1_000_000);
    assert_eq!(int(&v[4]), 10_000_000);
    assert_eq!(v[5], HostValue::Str(b"ijabcdefghij".to_vec()));
}

#[test]
fn gsub_with_lua_callbacks_is_preempted() {
    let setup = r#"s = string.rep("x1y22z333", 20000)"#;
    let script = r#"
        local total = 0
        local r, n = s:gsub("%d+", function(d) total = total + #d; return "<" .. d .. ">" end)
        return #r, n, total
    "#;
    let v = check(setup, script, 100);
    assert_eq!(int(&v[1]), 60_000);
    assert_eq!(int(&v[2]), 120_000);
}

#[test]
fn backtracking_patterns_are_preempted() {
    let setup = r#"s = string.rep("a", 5000) .. "b""#;
    let script = r#"
        return s:find("^a-a-c"), s:find("a-a-a-a-a-a-a-c", 4990),
               select(2, s:gsub("a-c", "")), s:match("^(a-)(a*)b$") == "",
               #s:match("^(a-)b")
    "#;
    let v = check(setup, script, 1000);
    assert_eq!(
        v,
        vec![
            HostValue::Nil,
            HostValue::Nil,
            HostValue::Int(0),
            HostValue::Bool(true),
            HostValue::Int(5000)
        ]
    );
}

#[test]
fn builders_and_format_are_preempted() {
    let setup = r#"s = string.rep("Ab", 500000)"#;
    let script = r#"
        local r = string.rep("xyz", 1000000, ", ")
        local u, l, v = s:upper(), s:lower(), s:reverse()
        local f = string.format("%s|%q|%s", s, s, s)
        local p = string.pack("c3000000 s4", "abc", s)
        local n = 0
        for w in ("ab "):rep(100000):gmatch("%a+") do n = n + 1 end
        return #r, r:sub(1, 8), u:sub(1, 4), l:sub(-4), v:sub(1, 4), #f, #p, n, s:sub(2, -2):len()
    "#;
    let v = check(setup, script, 100);
    assert_eq!(int(&v[0]), 3 * 1_000_000 + 2 * 999_999);
    assert_eq!(v[1], HostValue::Str(b"xyz, xyz".to_vec()));
    assert_eq!(v[2], HostValue::Str(b"ABAB".to_vec()));
    assert_eq!(v[3], HostValue::Str(b"abab".to_vec()));
    assert_eq!(v[4], HostValue::Str(b"bAbA".to_vec()));
    assert_eq!(int(&v[5]), 3 * 1_000_000 + 4);
    assert_eq!(int(&v[6]), 3_000_000 + 4 + 1_000_000);
    assert_eq!(int(&v[7]), 100_000);
    assert_eq!(int(&v[8]), 999_998);
}

#[test]
fn huge_results_fail_cleanly() {
    let mut vm = Vm::new();
    let script = r#"
        local ok1, e1 = pcall(string.rep, "x", 2^31)
        local ok2, e2 = pcall(string.rep, "xx", 2^40, "y")
        local ok3, e3 = pcall(string.rep, "", 2^62)
        return ok1, e1, ok2, e2, ok3, e3
    "#;
    vm.load(script.as_bytes(), "=huge").unwrap();
    let r = vm.step(1_000_000);
    let too_large = HostValue::Str(b"resulting string too large".to_vec());
    assert_eq!(
        r,
        StepResult::Finished(vec![
            HostValue::Bool(false),
            too_large.clone(),
            HostValue::Bool(false),
            too_large,
            HostValue::Bool(true),
            HostValue::Str(Vec::new()),
        ])
    );
}

/// Lua 5.4 cannot yield across `gsub` callbacks, `__index` of a gsub table or `__tostring`
/// in `format` ("attempt to yield across a C-call boundary"); here they are ordinary frames.
#[test]
fn yields_across_string_callbacks() {
    let setup = r#"s = string.rep("ab1", 30000)"#;
    let script = r#"
        local co = coroutine.wrap(function()
            local r, n = s:gsub("%d", function(d) return coroutine.yield(d) end)
            return "done", #r, n
        end)
        local got, v = 0, co()
        while v ~= "done" do got = got + 1; v = co("<" .. v .. ">") end
        local co2 = coroutine.wrap(function()
            return ("abc"):gsub(".", setmetatable({}, {__index = function(_, k) return coroutine.yield(k) end}))
        end)
        local a = co2(); local b = co2(a:upper()); local c = co2(false)
        local r2, n2 = co2(nil)
        local co3 = coroutine.wrap(function()
            return string.format("[%s|%-4s|%q]", setmetatable({}, {__tostring = function() return coroutine.yield("ts") end}),
                setmetatable({}, {__tostring = function() return "x" end}), "q")
        end)
        local t = co3()
        local f = co3("T")
        return got, a .. b .. c, r2, n2, t, f
    "#;
    let v = check(setup, script, 50);
    assert_eq!(
        v,
        vec![
            HostValue::Int(30000),
            HostValue::Str(b"abc".to_vec()),
            HostValue::Str(b"Abc".to_vec()),
            HostValue::Int(3),
            HostValue::Str(b"ts".to_vec()),
            HostValue::Str(b"[T|x   |\"q\"]".to_vec()),
        ]
    );
}

/// Errors raised by callbacks propagate through a suspended `gsub` (and can be caught).
#[test]
fn errors_in_callbacks_propagate() {
    let mut vm = Vm::new();
    let script = r#"
        local ok, e = pcall(string.gsub, "abc", "b", function() error("boom", 0) end)
        local ok2, e2 = pcall(string.gsub, "abc", "b", function() return {} end)
        local ok3, e3 = pcall(string.format, "%s", setmetatable({}, {__tostring = function() return true end}))
        return ok, e, ok2, e2, ok3, e3
    "#;
    vm.load(script.as_bytes(), "=errors").unwrap();
    let r = vm.step(1_000_000);
    let s = |b: &str| HostValue::Str(b.as_bytes().to_vec());
    assert_eq!(
        r,
        StepResult::Finished(vec![
            HostValue::Bool(false),
            s("boom"),
            HostValue::Bool(false),
            s("invalid replacement value (a table)"),
            HostValue::Bool(false),
            s("'__tostring' must return a string"),
        ])
    );
}

/// Runs `script` in slices of `slice` fuel, saving the VM to bytes and restoring it at every
/// preemption (checking that the round trip is exact); returns the results, the number of
/// snapshots and the fuel used.
#[track_caller]
fn run_with_snapshots(setup: &str, script: &str, slice: u64) -> (Vec<HostValue>, usize, u64) {
    let mut vm = prepared(setup, script);
    let mut snapshots = 0;
    loop {
        match vm.step(slice) {
            StepResult::OutOfFuel => {
                let bytes = vm.save().expect("save");
                vm = Vm::restore(&bytes).expect("restore");
                assert_eq!(
                    vm.save().expect("save again"),
                    bytes,
                    "round trip is not exact"
                );
                snapshots += 1;
            }
            StepResult::Finished(v) => return (v, snapshots, vm.fuel_used()),
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// Every kind of suspended string native survives a snapshot round trip mid-way: the
/// continuation (pattern machine, replacement value, format progress, builder, pack fill)
/// is saved and restored, and the run ends with the same results and the same fuel.
#[test]
fn suspended_string_natives_survive_snapshots() {
    let setup = r#"s = string.rep("ab1 cd22 ", 300)"#;
    let script = r##"
        local r1, n1 = s:gsub("%d+", function(d) return "<" .. d .. ">" end)
        local r2, n2 = s:gsub("%a+", setmetatable({}, {__index = function(_, k) return k:upper() end}))
        local r3 = s:gsub("(%a)(%a)", "%2%1")
        local words = 0
        for w in s:gmatch("%a+") do words = words + #w end
        local co = coroutine.wrap(function()
            return s:gsub("%d", function(d) return coroutine.yield(d) end)
        end)
        local v, ys = co(), 0
        while type(v) == "string" and #v == 1 do ys = ys + 1; v = co("#") end
        local f = string.format("%s|%q|%s", s, s, setmetatable({}, {__tostring = function() return s:upper() end}))
        local rep = string.rep(s, 20, "/")
        local low = rep:upper():lower():reverse():sub(3, -3)
        local p = string.pack("c5000 s4 z", "x", s, "end")
        local a, b = (string.rep("a", 120) .. "b"):find("^a-a-a-c")
        return #r1, n1, #r2, n2, #r3, words, ys, #f, #rep, #low, #p, a, b,
            r1:sub(1, 12), r2:sub(1, 12), r3:sub(1, 12)
    "##;
    let whole = run_whole(setup, script);
    let (sliced, _) = run_sliced(setup, script);
    assert_eq!(sliced, whole);
    let (snap, snapshots, fuel) = run_with_snapshots(setup, script, 997);
    assert_eq!(snap, whole);
    assert!(snapshots > 100, "only {snapshots} snapshots");
    let (_, _, fuel_plain) = run_with_snapshots(setup, script, u64::MAX);
    assert_eq!(fuel, fuel_plain, "snapshots changed the fuel used");
    assert_eq!(whole[1], HostValue::Int(600));
    assert_eq!(whole[13], HostValue::Str(b"ab<1> cd<22>".to_vec()));
    assert_eq!(whole[14], HostValue::Str(b"AB1 CD22 AB1".to_vec()));
    assert_eq!(whole[15], HostValue::Str(b"ba1 dc22 ba1".to_vec()));
}
