//! Long-running library calls (`table.sort` of a million elements, `table.concat` of a million
//! strings, big shifts and moves) are charged by work and preempted: they never run far past
//! the fuel a step was given, and the answer does not depend on how the run is sliced.

use telelua::{HostValue, StepResult, Vm};

/// Runs `src` with steps of `slice` fuel; returns the results, the number of steps, and the
/// largest amount of fuel any single step used.
#[track_caller]
fn run_sliced(src: &str, slice: u64) -> (Vec<HostValue>, usize, u64) {
    let mut vm = Vm::new();
    vm.load(src.as_bytes(), "=test").expect("compiles");
    let mut steps = 0;
    let mut max_used = 0;
    loop {
        let before = vm.fuel_used();
        let r = vm.step(slice);
        max_used = max_used.max(vm.fuel_used() - before);
        steps += 1;
        match r {
            StepResult::OutOfFuel => continue,
            StepResult::Finished(v) => return (v, steps, max_used),
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// Overshoot allowed past a step's budget: a few elements' worth of work.
const OVERSHOOT: u64 = 64;

#[test]
fn sort_of_a_million_is_preempted() {
    let src = "
        local t = {}
        for i = 1, 1000000 do t[i] = (i * 7919) % 1000003 end
        table.sort(t)
        for i = 2, #t do if t[i - 1] > t[i] then return false end end
        return true, t[1], t[#t]
    ";
    let (v, steps, max_used) = run_sliced(src, 100_000);
    assert_eq!(v[0], HostValue::Bool(true));
    assert!(steps > 100, "only {steps} steps");
    assert!(max_used <= 100_000 + OVERSHOOT, "a step used {max_used}");
}

#[test]
fn sort_with_comparator_is_preempted_and_slice_independent() {
    let src = "
        local t = {}
        for i = 1, 20000 do t[i] = (i * 7919) % 20011 end
        table.sort(t, function(a, b) return a > b end)
        local s = 0
        for i = 1, #t do s = (s * 31 + t[i]) % 1000000007 end
        return s
    ";
    let (a, _, max_a) = run_sliced(src, 1_000);
    let (b, _, _) = run_sliced(src, 77_777);
    assert_eq!(a, b);
    assert!(max_a <= 1_000 + OVERSHOOT, "a step used {max_a}");
}

#[test]
fn concat_of_a_million_is_preempted() {
    let src = "
        local t = {}
        for i = 1, 1000000 do t[i] = 'x' end
        local s = table.concat(t, ',')
        return #s
    ";
    let (v, steps, max_used) = run_sliced(src, 50_000);
    assert_eq!(v, vec![HostValue::Int(1_999_999)]);
    assert!(steps > 20, "only {steps} steps");
    assert!(max_used <= 50_000 + OVERSHOOT, "a step used {max_used}");
}

#[test]
fn shifts_moves_and_unpack_are_preempted() {
    let src = "
        local t = {}
        for i = 1, 200000 do t[i] = i end
        table.insert(t, 1, 0)
        local r = table.remove(t, 1)
        local m = table.move(t, 1, #t, 2, {})
        return r, #t, m[2], m[200001]
    ";
    let (v, _, max_used) = run_sliced(src, 5_000);
    assert_eq!(
        v,
        vec![
            HostValue::Int(0),
            HostValue::Int(200_000),
            HostValue::Int(1),
            HostValue::Int(200_000),
        ]
    );
    assert!(max_used <= 5_000 + OVERSHOOT, "a step used {max_used}");
}

#[test]
fn unpack_is_read_in_pieces_and_its_results_moved_at_once() {
    // The elements are read under the budget; moving the 100,000 results to the caller is
    // one indivisible charge (n / VALUES_MOVED_PER_FUEL, docs/FUEL.md "Overshoot"), so one
    // step may end past its budget by that much and no more.
    let src = "
        local t = {}
        for i = 1, 200000 do t[i] = i end
        return select('#', table.unpack(t, 1, 100000))
    ";
    let (v, steps, max_used) = run_sliced(src, 5_000);
    assert_eq!(v, vec![HostValue::Int(100_000)]);
    assert!(steps > 10, "only {steps} steps");
    let moved = 100_000 / telelua::internal::limits::fuel::VALUES_MOVED_PER_FUEL as u64;
    assert!(
        max_used <= 5_000 + moved + OVERSHOOT,
        "a step used {max_used}"
    );
}

#[test]
fn metamethod_driven_operations_survive_tiny_slices() {
    let src = "
        local store = {}
        local p = setmetatable({}, {
            __index = function(_, k) return store[k] end,
            __newindex = function(_, k, v) store[k] = v end,
            __len = function() return #store end,
        })
        for i = 1, 50 do p[i] = (i * 37) % 101 end
        table.sort(p)
        table.insert(p, 1, -1)
        local x = table.remove(p)
        return table.concat(store, ' ', 1, 5), x, #store
    ";
    let (a, _, _) = run_sliced(src, 7);
    let (b, _, _) = run_sliced(src, 1_000_000);
    assert_eq!(a, b);
    assert_eq!(
        a,
        vec![
            HostValue::Str(b"-1 2 3 6 9".to_vec()),
            HostValue::Int(100),
            HostValue::Int(50)
        ]
    );
}

#[test]
fn invalid_order_function_is_reported() {
    let mut vm = Vm::new();
    vm.load(
        b"local t = {} for i = 1, 300 do t[i] = i % 7 end
          return pcall(table.sort, t, function(a, b) return true end)",
        "=test",
    )
    .unwrap();
    match vm.step(10_000_000) {
        StepResult::Finished(v) => {
            assert_eq!(v[0], HostValue::Bool(false));
            assert_eq!(
                v[1],
                HostValue::Str(b"invalid order function for sorting".to_vec())
            );
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn comparators_and_metamethods_may_yield() {
    // lua5.4 raises "attempt to yield across a C-call boundary" here; telelua's table
    // functions are continuations, so the yields go through.
    let src = "
        local co = coroutine.wrap(function()
          local t = {4, 1, 3, 2}
          table.sort(t, function(a, b) coroutine.yield('cmp') return a < b end)
          local q = setmetatable({}, {
            __index = function(_, k) coroutine.yield('get') return k * k end,
            __len = function() coroutine.yield('len') return 3 end,
          })
          return table.concat(t, ',') .. ' ' .. table.concat(q, '+')
        end)
        local r, n = nil, 0
        repeat r = co() n = n + 1 until r ~= 'cmp' and r ~= 'get' and r ~= 'len'
        return r, n > 5
    ";
    let (v, _, _) = run_sliced(src, 1_000_000);
    assert_eq!(
        v,
        vec![
            HostValue::Str(b"1,2,3,4 1+4+9".to_vec()),
            HostValue::Bool(true)
        ]
    );
    let (w, _, _) = run_sliced(src, 3);
    assert_eq!(v, w);
}

/// Runs `src` in slices of `slice` fuel, saving the VM to bytes and restoring it from them
/// after every slice; returns the results.
#[track_caller]
fn run_snapshotting(src: &str, slice: u64) -> (Vec<HostValue>, usize) {
    let mut vm = Vm::new();
    vm.load(src.as_bytes(), "=test").expect("compiles");
    let mut restores = 0;
    loop {
        match vm.step(slice) {
            StepResult::OutOfFuel => {
                let bytes = vm.save().expect("saves");
                vm = Vm::restore(&bytes).expect("restores");
                restores += 1;
            }
            StepResult::Finished(v) => return (v, restores),
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn table_tasks_survive_snapshots_mid_way() {
    // Every kind of suspended table task (merge sort of integers and strings, Lua's quicksort
    // with an order function and with __lt, reads and copies through metamethods, concat,
    // unpack, min/max through __lt) is saved and restored many times half way.
    let src = "
        math.randomseed(3)
        local ints, strs, recs = {}, {}, {}
        for i = 1, 3000 do ints[i] = math.random(-1000, 1000) end
        for i = 1, 1500 do strs[i] = tostring(math.random(1, 500)) .. 'x' end
        local V = {__lt = function(a, b) return a.k < b.k end}
        for i = 1, 300 do recs[i] = setmetatable({k = math.random(1, 50), id = i}, V) end
        table.sort(ints)
        table.sort(strs)
        local byid = {}
        for i = 1, 300 do byid[i] = recs[i] end
        table.sort(byid, function(a, b) return a.id > b.id end)
        table.sort(recs)
        local store = {}
        local p = setmetatable({}, {
            __index = function(_, k) return store[k] end,
            __newindex = function(_, k, v) store[k] = v end,
            __len = function() return #store end,
        })
        table.move(ints, 1, 500, 1, p)
        table.insert(p, 1, 'first')
        local s = table.concat(p, ',', 1, 100)
        local n = select('#', table.unpack(p))
        local best = math.max(recs[1], recs[2], recs[3], recs[300])
        local h = 0
        for i = 1, #ints do h = (h * 31 + ints[i]) % 1000000007 end
        for i = 1, #strs do h = (h * 31 + #strs[i]) % 1000000007 end
        for i = 1, #recs do h = (h * 31 + recs[i].k) % 1000000007 end
        return h, byid[1].id, #s, n, best.k, strs[1], strs[#strs]
    ";
    let (plain, _, _) = run_sliced(src, u64::MAX / 4);
    let (snap, restores) = run_snapshotting(src, 997);
    assert_eq!(plain, snap);
    assert!(restores > 50, "only {restores} restores");
}

#[test]
fn quicksort_of_floats_is_preempted() {
    // Floats (1.0 and 1 are distinguishable, as are 0.0 and -0.0) keep Lua's exact quicksort
    // with the default `<`.
    let src = "
        local t = {}
        for i = 1, 200000 do t[i] = ((i * 7919) % 200003) / 7 end
        table.sort(t)
        for i = 2, #t do if t[i - 1] > t[i] then return false end end
        return true
    ";
    let (v, steps, max_used) = run_sliced(src, 100_000);
    assert_eq!(v, vec![HostValue::Bool(true)]);
    assert!(steps > 50, "only {steps} steps");
    assert!(max_used <= 100_000 + OVERSHOOT, "a step used {max_used}");
}

#[test]
fn string_to_number_coercions_are_charged_by_length() {
    // Converting a long numeral string scans all of it: `tonumber`, string arithmetic and the
    // numeric argument checks of natives charge for that scan, so a loop of them cannot do a
    // megabyte of work per instruction.
    for op in [
        "tonumber(s)",
        "tonumber(s, 10)",
        "s + 0",
        "-s",
        "math.abs(s)",
        "math.tointeger(s)",
        "string.format('%d', s)",
        "string.pack('d', s)",
        "('x'):rep(s)",
    ] {
        let src = format!(
            "local s = (' '):rep(100000) .. '1'
             local x
             for i = 1, 100 do x = {op} end
             return x"
        );
        let mut vm = Vm::new();
        vm.load(src.as_bytes(), "=test").expect("compiles");
        let r = vm.step(u64::MAX / 4);
        assert!(matches!(r, StepResult::Finished(_)), "{op}: {r:?}");
        // 100 scans of 100 KB at 16 bytes per fuel unit
        assert!(
            vm.fuel_used() >= 100 * 100_000 / 16,
            "{op}: {}",
            vm.fuel_used()
        );
    }
}

/// Fuel a script uses to the end.
#[track_caller]
fn fuel_of(src: &str) -> u64 {
    let mut vm = Vm::new();
    vm.load(src.as_bytes(), "=test").expect("compiles");
    let r = vm.step(u64::MAX / 4);
    assert!(matches!(r, StepResult::Finished(_)), "{src}: {r:?}");
    vm.fuel_used()
}

#[test]
fn new_objects_are_charged_at_the_same_points_however_the_run_is_sliced() {
    // A constructor presized for 8 fields pays `NEW_OBJECT` (4) + 8 on top of its
    // instructions; the same loop storing numbers pays neither.
    let big = "local t for i = 1, 1000 do t = {a=1,b=2,c=3,d=4,e=5,f=6,g=7,h=8} end return t.h";
    let small = "local t for i = 1, 1000 do t = 1 t = 2 t = 3 t = 4 t = 5 t = 6 t = 7 t = 8 t = 9 end return t";
    let (b, s) = (fuel_of(big), fuel_of(small));
    assert!(b >= s + 1000 * 12, "{b} vs {s}");
    for (what, src, least) in [
        (
            "closures",
            "local f for i = 1, 1000 do local u = i f = function() return u end end",
            1000 * 5,
        ),
        (
            "strings",
            "local s = 'x' for i = 1, 1000 do s = s:sub(1, 1) .. i end",
            1000 * 2,
        ),
        (
            "tables",
            "local t for i = 1, 1000 do t = {i, i, i, i, i, i, i, i} end",
            1000 * 6,
        ),
    ] {
        let fuel = fuel_of(src);
        assert!(fuel >= 1000 * 3 + least, "{what}: {fuel}");
        // The same fuel however the run is sliced and saved.
        let mut vm = Vm::new();
        vm.load(src.as_bytes(), "=test").expect("compiles");
        while let StepResult::OutOfFuel = vm.step(7) {
            let bytes = vm.save().expect("save");
            vm = Vm::restore(&bytes).expect("restore");
        }
        assert_eq!(vm.fuel_used(), fuel, "{what}");
    }
}

#[test]
fn float_to_text_is_charged_by_its_digits() {
    // Each float made into text pays `FLOAT_FORMAT` (16) more than an integer does, wherever
    // it is converted; past 17 significant digits, by digits times the exponent's width.
    // (Texts of the same length, so the allocations cost the same.)
    let loop_of = |op: &str, v: &str| {
        fuel_of(&format!(
            "local v, x = {v} for i = 1, 100 do x = {op} end return x"
        ))
    };
    for op in [
        "tostring(v)",
        "'x' .. v",
        "table.concat({v})",
        "string.format('%g', v)",
    ] {
        let (int, float) = (loop_of(op, "12345"), loop_of(op, "12.25"));
        if op.starts_with("string.format") {
            // '%g' of an integer is a float conversion too.
            assert_eq!(float, int, "{op}");
        } else {
            assert_eq!(float, int + 100 * 16, "{op}");
        }
    }
    // %99.99f of 1e308: about 400 digits × 16 words / 2 per fuel, 100 times.
    let huge = loop_of("string.format('%99.99f', v)", "1e308");
    let small = loop_of("string.format('%99.99f', v)", "1.5");
    assert!(huge >= small + 100 * 400 * 16 / 2, "{huge} vs {small}");
}

#[test]
fn index_chains_and_date_tables_are_charged_by_links_and_fields() {
    // An `__index` (or `__newindex`) chain pays INDEX_CHAIN_LINK (2) per table followed.
    let chain = |n: usize, op: &str| {
        fuel_of(&format!(
            "local t = {{}} for i = 1, {n} do t = setmetatable({{}}, {{__index = t, __newindex = t}}) end
             local v = 0 for i = 1, 100 do {op} end return v"
        ))
    };
    for op in ["v = t.x", "t[i] = i"] {
        // 10 more links, 100 times, at 2 each (plus 10 more setup iterations).
        let (a, b) = (chain(10, op), chain(20, op));
        assert!(b >= a + 100 * 10 * 2, "{op}: {a} vs {b}");
    }
    // os.date('*t') writes 9 fields at DATE_FIELD (6); os.time(t) reads 7 and writes 9.
    let date = fuel_of("for i = 1, 100 do os.date('*t', 0) end");
    let plain = fuel_of("for i = 1, 100 do os.date('', 0) end");
    // (The string form pays 1 for its output, the table form not.)
    assert!(date >= plain + 100 * 9 * 6 - 100, "{date} vs {plain}");
    // Each conversion costs DATE_CONVERSION (12).
    let conv = fuel_of("for i = 1, 100 do os.date('%Y%Y%Y%Y', 0) end");
    assert!(conv >= plain + 100 * 4 * 12, "{conv} vs {plain}");
}

#[test]
fn next_charges_the_same_before_and_after_a_restore() {
    // A table grown one key at a time stores a prefix of its array part; a restored one
    // stores all of it. `next` charges for the empty slots it skips, which must count the
    // same either way (it once counted the stored ones, and restored runs paid more).
    let src = "local t = {} for i = 1, 300 do t[i] = i end
               local n = 0
               for r = 1, 20 do for _ in pairs(t) do n = n + 1 end end
               return n";
    let fuel = fuel_of(src);
    for slice in [1, 61, 997] {
        let mut vm = Vm::new();
        vm.load(src.as_bytes(), "=test").expect("compiles");
        while let StepResult::OutOfFuel = vm.step(slice) {
            let bytes = vm.save().expect("save");
            vm = Vm::restore(&bytes).expect("restore");
        }
        assert_eq!(vm.fuel_used(), fuel, "saved every {slice}");
    }
}
