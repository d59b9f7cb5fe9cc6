//! The interpreter's small loop (`vm::fast::hot`, entered at a loop's backward jump) is only
//! a shortcut: a program run in one big step (loops in the small loop) and in slices of a
//! few fuel units (the small loop entered with almost no fuel, stopping on every
//! instruction) gives the same results and consumes exactly the same fuel.

use telelua::{StepResult, Vm};

/// Runs `src` in steps of `slice` fuel: the result and the total fuel used.
fn run(src: &str, slice: u64) -> (StepResult, u64) {
    let mut vm = Vm::new();
    vm.load(src.as_bytes(), "=t").unwrap();
    loop {
        match vm.step(slice) {
            StepResult::OutOfFuel => continue,
            r => return (r, vm.fuel_used()),
        }
    }
}

fn same_in_any_slices(src: &str) {
    let (whole, fuel) = run(src, u64::MAX / 2);
    assert!(matches!(whole, StepResult::Finished(_)), "{src}: {whole:?}");
    for slice in [1, 2, 3, 4, 5, 7, 11, 64] {
        assert_eq!(
            run(src, slice),
            (whole.clone(), fuel),
            "{src}: slices of {slice}"
        );
    }
}

#[test]
fn integer_and_float_loops() {
    same_in_any_slices(
        "local s, f = 0, 0.5
         for i = 1, 300 do
           local x = i * 3 + (i ~ 5) - (i & 7) | 1
           if x % 3 == 0 then s = s + x // 2 else s = s - (x << 1 >> 2) end
           f = f * 1.5 / 1.25 + i ^ 2 - -f
           if f > 1e6 then f = f % 1000 end
         end
         local j = 0
         while j < 50 do j = j + 1 end
         repeat j = j - 2 until j <= 0
         return s, f, j",
    );
}

#[test]
fn tables_fields_and_upvalues() {
    same_in_any_slices(
        "local t, r, n = {}, {x = 1, y = 2}, 0
         local up = 10
         local function bump() up = up + 1 return up end
         for i = 1, 200 do
           t[i] = i * 2              -- appends
           t[i] = t[i] + r.x         -- array slots and a field
           r.y = r.y + t[i] - up     -- a field store and an upvalue
           if i % 50 == 0 then bump() end
           t['k' .. (i % 7)] = i     -- new keys: left to the full loop
           n = n + #t + #'abc'
         end
         local mt = setmetatable({}, {__index = r})
         for i = 1, 100 do n = n + mt.x + (mt.z or 1) end
         for k, v in pairs(r) do n = n + v end
         return n, r.y, t.k3, up",
    );
}

#[test]
fn comparisons_and_mixed_values() {
    same_in_any_slices(
        "local a, b, c = 'abc', 'ab' .. 'c', nil
         local hits = 0
         for i = 1, 200 do
           if a == b then hits = hits + 1 end
           if c == nil and i ~= 3.5 and not c then hits = hits + 2 end
           if i < 100.5 and i >= 2 and 2 <= i and i > 1 then hits = hits + 3 end
           if (i == 7) == true then hits = hits + 4 end
           local x = i % 2 == 0 and 1.0 or 2
           hits = hits + x
         end
         return hits",
    );
}

// `math.sqrt` and `math.abs` called in a loop the small loop runs are run in place
// (`vm::light`, `fast::run_below`) only as a shortcut: the call is left to the general path
// when fewer than its units remain, so slices give the same results and fuel.
// (`tests/lua/math_light_in_loops.lua` checks the results against `lua5.4`'s.)

/// A loop body of float arithmetic around the calls, reading them as upvalues open below
/// the loop's frame (as `nbody` reads `sqrt`).
const LOOP: &str = "
    local sqrt, abs = math.sqrt, math.abs
    local function f(n)
      local s, a = 0.0, 0
      for i = 1, n do
        local w = i * 2.0 + 1 - i * 2 - 1
        local r = sqrt(i + w)
        w = w + r * 0.5 - r * 0.25 + 1 - 1
        s = s + r + w
        a = a + abs(i - 40)
        s = s + abs(-w) * 1.0 + 0 - 0
      end
      return s, a
    end
    return f(100)
";

#[test]
fn light_calls_in_a_loop_same_fuel_in_any_slices() {
    same_in_any_slices(LOOP);
}

#[test]
fn light_calls_with_strings_and_errors_same_fuel_in_any_slices() {
    same_in_any_slices(
        "local sqrt, abs = math.sqrt, math.abs
         local function f(n)
           local s, bad = 0.0, 0
           for i = 1, n do
             local w = i * 2.0 + 1 - i * 2 - 1
             local arg = (i % 3 == 0) and tostring(i) or i
             s = s + sqrt(arg) + w * 0 + 1 - 1
             if not pcall(abs, i % 5 == 0 and {} or i) then bad = bad + 1 end
           end
           return s, bad
         end
         return f(60)",
    );
}

/// `math.floor`, `math.ceil` (one argument), `math.max` and `math.min` (two) are light
/// natives too: in a loop read as upvalues open below its frame, from straight-line code,
/// with integers, floats, strings, NaN, a wrong argument and other counts of arguments, the
/// same results and fuel in any slices.
#[test]
fn rounding_and_minmax_light_calls_same_fuel_in_any_slices() {
    same_in_any_slices(
        "local floor, ceil, max, min = math.floor, math.ceil, math.max, math.min
         local function f(n)
           local s, k = 0.0, 0
           for i = 1, n do
             local w = i * 0.75 + 1 - i * 0.5 - 1
             k = k + floor(w) + ceil(-w) + floor(i)
             w = w + max(w, 3) - min(i, w) + 0 - 0
             s = s + max(i, 2.5) + min(-w, i) + w * 0
           end
           return s, k
         end
         local function g(i)
           local a = math.floor(i / 3) + math.max(i, 5) + math.min(i * 1.5, 7)
           local b = floor('2.5') + max('3', '12') + ceil(2^63) + (min(0 / 0, 1) ~= 0 and 1 or 0)
           local c, d = max(i), floor(i, 1)
           local ok = pcall(max, i % 7 == 0 and {} or -i, 1)
           local t = { floor(-1.5), max(1, 2, 3), min(-i, i) }
           return a + b + c + d + #t + t[1] + (ok and 1 or 0)
         end
         local s, k = f(120)
         for i = 1, 40 do s = s + g(i) end
         return s, k",
    );
}

/// A function that starts by reading `t[1]` (a tree walk) runs in the small loop's variant
/// with calls, which answers nil past the stored prefix of a table with no hash part and no
/// metatable (`Table::probe_int_absent`) and leaves every other table to `execute`: the same
/// results and fuel in any slices.
#[test]
fn tree_walks_same_fuel_in_any_slices() {
    same_in_any_slices(
        "local function make(d)
           if d == 0 then return {} end
           d = d - 1
           return { make(d), make(d) }
         end
         local function check(t)
           if t[1] then return 1 + check(t[1]) + check(t[2]) end
           return 1
         end
         local function first(t) return t[1], t[0], t[-1], t[3] end
         local odd = { {}, { 1 }, { x = 1 }, { [2] = 2 },
           setmetatable({}, { __index = function(_, k) return k end }) }
         local s = check(make(7))
         for i = 1, #odd do
           local a, b, c, d = first(odd[i])
           s = s + (a or 0) + (b or 0) + (c or 0) + (d or 0)
         end
         return s",
    );
}

/// Functions that start by making a table (`Proto::light_tables`), run in the small loop's
/// variant that makes tables, fills their lists and adds their fields: the same results and
/// fuel in any slices (the loop then stops before a `NewTable` or `SetList` it cannot pay
/// for, and the full loop makes it).
#[test]
fn constructors_same_fuel_in_any_slices() {
    same_in_any_slices(
        "local function tree(d)
           if d == 0 then return {} end
           d = d - 1
           return { tree(d), tree(d) }
         end
         local function count(t)
           if t[1] then return 1 + count(t[1]) + count(t[2]) end
           return 1
         end
         local P = {}
         P.__index = P
         local function new(x, y) return setmetatable({ x = x, y = y }, P) end
         local function three(...) return ... end
         local function many(n) return { n, n + 1, three(n, n * 2, n * 3) } end
         local function big(n)
           return { n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, a = n }
         end
         local function mixed(n) local t = { n, k = n } t.z = n + 1 t.k = nil return t end
         local s = 0
         for i = 1, 40 do
           s = s + count(tree(i % 5))
           local p = new(i, -i)
           s = s + p.x - p.y + #many(i) + many(i)[5] + #big(i) + big(i).a
           local m = mixed(i)
           s = s + m.z + (m.k or 0) + m[1]
         end
         return s",
    );
}

/// `math.abs` and `math.sqrt` called from straight-line code (made in place by `execute`,
/// `fast::light_native`), with numbers, strings, a wrong argument and other counts of
/// arguments and results: the same results and fuel in any slices.
#[test]
fn light_natives_outside_loops_same_fuel_in_any_slices() {
    same_in_any_slices(
        "local abs, sqrt = math.abs, math.sqrt
         local P = { x = -3, y = 4.5 }
         function P:norm1() return math.abs(self.x) + math.abs(self.y) end
         local function f(i)
           local a = abs(i - 20) + sqrt(i) * 2
           local b = abs('-7') + sqrt('16')
           local c, d = abs(-i), sqrt(i, 1)
           local ok = pcall(abs, i % 7 == 0 and {} or -i)
           local t = { abs(-1.5), sqrt(9) }
           return a + b + c + (d or 0) + #t + t[1] + (ok and 1 or 0) + P:norm1()
         end
         local s = 0
         for i = 1, 40 do s = s + f(i) end
         return s",
    );
}

/// A `sort` comparator of reads and comparisons runs without a frame (`vm::pure`), all or
/// nothing: with the fuel of a whole step it does, in slices of a few units it bails
/// (out of fuel) and the call is made the usual way. The same order and fuel either way,
/// and in the cases it leaves to the usual call (a metamethod, strings, an error).
#[test]
fn sort_comparators_same_fuel_in_any_slices() {
    same_in_any_slices(
        "local seed, n = 3, 0
         local function rand(m) seed = (seed * 1103515245 + 12345) % 2147483648 return seed % m end
         local t, recs, words = {}, {}, {}
         for i = 1, 60 do
           t[i] = rand(40) + (i % 3 == 0 and 0.5 or 0)
           recs[i] = { key = rand(8), id = i, rand(4) }
           words[i] = string.rep('w', rand(3)) .. rand(100)
         end
         table.sort(t, function(a, b) return a > b end)
         local weight = { 5, 1, 4 }
         table.sort(recs, function(a, b)
           if a.key ~= b.key then return a.key < b.key end
           if weight[a[1]] ~= weight[b[1]] then return (weight[a[1]] or 0) < (weight[b[1]] or 0) end
           return a.id < b.id
         end)
         table.sort(words, function(a, b) return a < b end)
         local P = { __lt = function(a, b) return a.v < b.v end }
         local objs = {}
         for i = 1, 30 do objs[i] = setmetatable({ v = rand(50) }, P) end
         table.sort(objs, function(a, b) return a < b end)
         local bad = { 3, 1, 'x', 2 }
         local ok, err = pcall(table.sort, bad, function(a, b) return a < b end)
         for i = 1, #t, 7 do n = n + t[i] end
         for i = 1, #recs, 5 do n = n + recs[i].id end
         return n, words[1], words[60], objs[1].v, objs[30].v, ok, err",
    );
}
