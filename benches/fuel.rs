//! Fuel calibration (issue 15): how much time one fuel unit buys, operation by operation.
//!
//! Every case is a loop (`while true do BODY end`) run after its setup, for a fixed fuel
//! budget (or until a time cap, for operations fuel badly under-charges): the report is
//! nanoseconds per fuel unit and the ratio to the plain-instruction baseline. The goal is that
//! no case costs more than 5× the baseline per fuel unit, so a host that budgets a step as
//! "N fuel ≈ N × baseline ns" is never off by more than that. The costs themselves are the
//! table in `src/limits/fuel.rs` (documented in `docs/FUEL.md`); this bench is how they were
//! chosen, and how a change to the VM shows which of them needs another look.
//!
//! Run: `cargo bench --bench fuel` (optionally with words: only cases whose name contains
//! one). `FUEL_BENCH_FUEL` sets the budget per case (default 3,000,000), `FUEL_BENCH_REPS`
//! the repetitions (median; default 3).

use std::time::{Duration, Instant};

use telelua::{Profile, StepResult, VmOptions};

/// (name, setup, loop body). The body runs in `while true do ... end` after the setup.
/// Names start with the class: `op` (instructions), then the library.
const CASES: &[(&str, &str, &str)] = &[
    // The baseline: plain integer arithmetic and a backward jump.
    ("op: integer arithmetic (baseline)", "local x = 0", "x = x + 1 x = x - 1 x = x * 1"),
    ("op: float arithmetic", "local x = 0.5", "x = x * 1.0000001 + 0.25 - 0.25"),
    ("op: comparisons and jumps", "local x, y = 1, 2", "if x < y then x = x + 0 end if x == y then x = 0 end"),
    ("op: numeric for", "", "for i = 1, 100 do end"),
    ("op: locals and upvalues", "local a, b = 1, 2 local function f() return a end", "a = b b = a"),
    ("op: globals", "g = 1", "g = g + 1"),
    ("op: table array read/write", "local t = {1, 2, 3, 4}", "t[2] = t[1] t[3] = t[4]"),
    ("op: table hash read/write", "local t = {a = 1, b = 2}", "t.a = t.b t.b = t.a"),
    ("op: table new key (grow)", "local t, i = {}, 0", "i = i + 1 t[i] = i if i == 1000 then t, i = {}, 0 end"),
    ("op: length", "local t = {1, 2, 3} local s = 'abc'", "local n = #t + #s"),
    ("op: Lua call and return", "local function f(a) return a end", "f(1)"),
    ("op: call with many results", "local function f() return 1, 2, 3, 4, 5, 6, 7, 8 end", "local a, b, c, d, e, f2, g, h = f()"),
    ("op: varargs (8)", "local function f(...) return select('#', ...) end", "f(1, 2, 3, 4, 5, 6, 7, 8)"),
    ("op: varargs (1000) passed on", "local t = {} for i = 1, 1000 do t[i] = i end local function f(...) return ... end local function g(...) return f(...) end", "g(table.unpack(t))"),
    ("op: closure creation", "local u = 1", "local f = function() return u end"),
    ("op: empty table constructor", "", "local t = {}"),
    ("op: table constructor (4 items)", "", "local t = {1, 2, 3, 4}"),
    ("op: table constructor (4 fields)", "", "local t = {a = 1, b = 2, c = 3, d = 4}"),
    ("op: table constructor (100 items)", "", "local t = {1,2,3,4,5,6,7,8,9,10,1,2,3,4,5,6,7,8,9,10,1,2,3,4,5,6,7,8,9,10,1,2,3,4,5,6,7,8,9,10,1,2,3,4,5,6,7,8,9,10,1,2,3,4,5,6,7,8,9,10,1,2,3,4,5,6,7,8,9,10,1,2,3,4,5,6,7,8,9,10,1,2,3,4,5,6,7,8,9,10,1,2,3,4,5,6,7,8,9,10}"),
    ("op: concat short", "local a, b = 'abc', 'def'", "local s = a .. b"),
    ("op: concat number", "local a = 12345", "local s = 'x' .. a"),
    ("op: concat 10 KB", "local a = string.rep('x', 10000)", "local s = a .. a"),
    ("op: string compare 10 KB", "local a, b = string.rep('x', 10000) .. 'a', string.rep('x', 10000) .. 'b'", "local c = a < b"),
    ("op: string equal 10 KB", "local a, b = string.rep('x', 10000) .. 'a', string.rep('x', 10000) .. 'a'", "local c = a == b"),
    ("op: long string key", "local k = string.rep('k', 10000) local t = {[k] = 1}", "local v = t[k]"),
    ("op: method call", "local o = {} function o:m() return self end", "o:m()"),
    ("op: __index function", "local t = setmetatable({}, {__index = function(t, k) return k end})", "local v = t.x"),
    ("op: __index chain (10 tables)", "local t = {x = 1} for i = 1, 10 do t = setmetatable({}, {__index = t}) end", "local v = t.x"),
    ("op: __add", "local mt = {__add = function(a, b) return 1 end} local o = setmetatable({}, mt)", "local v = o + 1"),
    ("op: __eq", "local mt = {__eq = function(a, b) return true end} local a, b = setmetatable({}, mt), setmetatable({}, mt)", "local v = a == b"),
    ("op: __close", "local mt = {__close = function() end} local o = setmetatable({}, mt)", "do local x <close> = o end"),
    ("op: generic for (pairs, 10)", "local t = {a=1,b=2,c=3,d=4,e=5,f=6,g=7,h=8,i=9,j=10}", "for k, v in pairs(t) do end"),
    ("op: generic for (ipairs, 10)", "local t = {1,2,3,4,5,6,7,8,9,10}", "for i, v in ipairs(t) do end"),
    ("op: integer division and modulo", "local x = 12345", "local a = x // 7 local b = x % 7"),
    ("op: string coercion", "local s = '10'", "local v = s + 1"),
    // base
    ("base: assert", "", "assert(true)"),
    ("base: pcall", "local f = function() end", "pcall(f)"),
    ("base: pcall error", "local f = function() error('x') end", "pcall(f)"),
    ("base: error table", "local e = {}", "pcall(error, e)"),
    ("base: xpcall", "local f, h = function() error('x') end, function(m) return m end", "xpcall(f, h)"),
    ("base: select #", "", "select('#', 1, 2, 3)"),
    ("base: select n", "", "select(2, 1, 2, 3)"),
    ("base: type", "", "type(1)"),
    ("base: tostring int", "", "tostring(12345)"),
    ("base: tostring float", "", "tostring(1.5e300)"),
    ("base: tostring table", "local t = {}", "tostring(t)"),
    ("base: tonumber", "", "tonumber('0x1p4') tonumber('12345')"),
    ("base: tonumber base", "", "tonumber('zzzzzz', 36)"),
    ("base: rawget/rawset", "local t = {}", "rawset(t, 1, 1) rawget(t, 1)"),
    ("base: rawequal/rawlen", "local t = {1}", "rawequal(t, t) rawlen(t)"),
    ("base: setmetatable", "local mt = {}", "setmetatable({}, mt)"),
    ("base: getmetatable", "local t = setmetatable({}, {})", "getmetatable(t)"),
    ("base: next", "local t = {a = 1}", "next(t)"),
    ("base: next over 1000 deleted keys", "local t = {} for i = 1, 1001 do t['k' .. i] = i end for i = 1, 1000 do t['k' .. i] = nil end", "next(t)"),
    ("base: ipairs", "local t = {}", "ipairs(t)"),
    ("base: pairs", "local t = {}", "pairs(t)"),
    ("base: load small", "", "load('return 1')"),
    ("base: load 1 KB", "local src = 'local x = 1 ' .. string.rep('x = x + 1 ', 100)", "load(src)"),
    ("base: load 100 KB", "local src = 'local x = 1 ' .. string.rep('x = x + 1 ', 10000)", "load(src)"),
    ("base: load nested 100", "local src = 'return ' .. string.rep('(', 100) .. '1' .. string.rep(')', 100)", "load(src)"),
    ("base: load syntax error", "local src = string.rep('x = 1 ', 100) .. ')'", "load(src)"),
    ("base: load with reader", "local parts = {'return ', '1', nil} local i", "i = 0 load(function() i = i + 1 return parts[i] end)"),
    ("base: collectgarbage count", "", "collectgarbage('count')"),
    ("base: collectgarbage step", "", "collectgarbage('step')"),
    ("base: collectgarbage small heap", "", "collectgarbage()"),
    ("base: collectgarbage 1 MB heap", "local keep = {} for i = 1, 20000 do keep[i] = {i} end", "collectgarbage()"),
    // string
    ("string: len", "local s = 'hello'", "string.len(s)"),
    ("string: sub", "local s = 'hello world'", "s:sub(2, 5)"),
    ("string: sub 10 KB", "local s = string.rep('x', 20000)", "s:sub(2, 10001)"),
    ("string: upper", "local s = 'hello world'", "s:upper()"),
    ("string: upper 10 KB", "local s = string.rep('x', 10000)", "s:upper()"),
    ("string: lower/reverse 10 KB", "local s = string.rep('X', 10000)", "s:lower() s:reverse()"),
    ("string: rep small", "", "string.rep('x', 10)"),
    ("string: rep 10 KB", "", "string.rep('x', 10000)"),
    ("string: rep with separator", "", "string.rep('ab', 1000, ',')"),
    ("string: byte", "local s = 'hello'", "s:byte(1)"),
    ("string: byte all (1000)", "local s = string.rep('x', 1000)", "s:byte(1, -1)"),
    ("string: char", "", "string.char(104, 105)"),
    ("string: char 200", "local t = {} for i = 1, 200 do t[i] = 65 end", "string.char(table.unpack(t))"),
    ("string: format %d", "", "string.format('%d', 12345)"),
    ("string: format %5.2f %s %q", "", "string.format('%5.2f %s %q', 3.14159, 'abc', 'a\\nb')"),
    ("string: format %g", "", "string.format('%g %g', 1e300, 0.1)"),
    ("string: format many", "", "string.format('%d %d %d %d %d %d %d %d %d %d', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)"),
    ("string: format %99.99f", "", "string.format('%99.99f', 1e308)"),
    ("string: format %s 10 KB", "local s = string.rep('x', 10000)", "string.format('%s', s)"),
    ("string: format %q 10 KB", "local s = string.rep('\\0', 10000)", "string.format('%q', s)"),
    ("string: format %a", "", "string.format('%a', 1.5)"),
    ("string: find plain", "local s = string.rep('x', 100) .. 'y'", "s:find('y', 1, true)"),
    ("string: find plain 10 KB", "local s = string.rep('x', 10000) .. 'y'", "s:find('y', 1, true)"),
    ("string: find pattern", "local s = 'hello world 123'", "s:find('%d+')"),
    ("string: find pattern 10 KB", "local s = string.rep('x', 10000) .. '1'", "s:find('%d')"),
    ("string: match captures", "local s = 'key = value'", "s:match('(%w+)%s*=%s*(%w+)')"),
    ("string: match backtracking", "local s = string.rep('a', 30)", "s:match('a-a-a-b')"),
    ("string: gmatch", "local s = 'a b c d e f g h'", "for w in s:gmatch('%a') do end"),
    ("string: gsub", "local s = 'hello world'", "s:gsub('o', '0')"),
    ("string: gsub function", "local s = 'hello world' local f = function(c) return c end", "s:gsub('%w+', f)"),
    ("string: gsub table", "local s = 'hello world' local t = {hello = 'x'}", "s:gsub('%w+', t)"),
    ("string: gsub 10 KB", "local s = string.rep('ab ', 3000)", "s:gsub('a', 'xyz')"),
    ("string: pack/unpack", "", "string.unpack('i4 d z', string.pack('i4 d z', 1, 2.5, 'abc'))"),
    ("string: pack many", "", "string.pack('i4i4i4i4i4i4i4i4i4i4', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)"),
    ("string: pack padding", "", "string.pack('!8 i1 i8 Xi8 i1', 1, 2, 3)"),
    ("string: packsize", "", "string.packsize('i4 i8 d')"),
    ("string: unpack many", "local s = string.rep('x', 1000)", "string.unpack(string.rep('b', 200), s)"),
    // table
    ("table: insert/remove end", "local t = {}", "table.insert(t, 1) table.remove(t)"),
    ("table: insert/remove front (1000)", "local t = {} for i = 1, 1000 do t[i] = i end", "table.insert(t, 1, 0) table.remove(t, 1)"),
    ("table: concat 10", "local t = {'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'}", "table.concat(t, ',')"),
    ("table: concat 1000", "local t = {} for i = 1, 1000 do t[i] = 'item' end", "table.concat(t, ',')"),
    ("table: concat numbers", "local t = {} for i = 1, 100 do t[i] = i * 1.5 end", "table.concat(t)"),
    ("table: pack", "", "table.pack(1, 2, 3)"),
    ("table: unpack", "local t = {1, 2, 3}", "table.unpack(t)"),
    ("table: unpack 1000", "local t = {} for i = 1, 1000 do t[i] = i end", "table.unpack(t)"),
    ("table: move 1000", "local a, b = {}, {} for i = 1, 1000 do a[i] = i end", "table.move(a, 1, 1000, 1, b)"),
    ("table: sort 100", "local src = {} for i = 1, 100 do src[i] = (i * 7919) % 101 end", "local t = {table.unpack(src)} table.sort(t)"),
    ("table: sort 100 comparator", "local src = {} for i = 1, 100 do src[i] = (i * 7919) % 101 end local lt = function(a, b) return a < b end", "local t = {table.unpack(src)} table.sort(t, lt)"),
    ("table: sort 100 strings", "local src = {} for i = 1, 100 do src[i] = tostring((i * 7919) % 101) end", "local t = {table.unpack(src)} table.sort(t)"),
    // math
    ("math: floor/abs/max", "", "math.floor(1.5) math.abs(-1) math.max(1, 2, 3)"),
    ("math: sin/sqrt/log", "", "math.sin(1) math.sqrt(2) math.log(3, 2)"),
    ("math: random", "", "math.random(1, 100)"),
    ("math: tointeger/type/fmod", "", "math.tointeger(3.0) math.type(1) math.fmod(7, 3)"),
    ("math: ult/modf", "", "math.ult(1, 2) math.modf(3.5)"),
    // utf8
    ("utf8: char", "", "utf8.char(72, 228, 8364, 128512)"),
    ("utf8: char 200", "local t = {} for i = 1, 200 do t[i] = 8364 end", "utf8.char(table.unpack(t))"),
    ("utf8: codepoint", "local s = 'häll€'", "utf8.codepoint(s, 1, -1)"),
    ("utf8: len 10 KB", "local s = string.rep('€', 3000)", "utf8.len(s)"),
    ("utf8: offset", "local s = string.rep('€', 3000)", "utf8.offset(s, 1000)"),
    ("utf8: codes", "local s = 'häll€ wörld'", "for p, c in utf8.codes(s) do end"),
    // coroutine
    ("coroutine: create", "local f = function() end", "coroutine.create(f)"),
    ("coroutine: create and resume", "local f = function() end", "coroutine.resume(coroutine.create(f))"),
    ("coroutine: wrap and call", "local f = function() end", "coroutine.wrap(f)()"),
    ("coroutine: yield/resume", "local co = coroutine.wrap(function() while true do coroutine.yield(1) end end)", "co()"),
    ("coroutine: status/running/isyieldable", "local co = coroutine.create(function() end)", "coroutine.status(co) coroutine.running() coroutine.isyieldable()"),
    ("coroutine: close", "local f = function() coroutine.yield() end", "local co = coroutine.create(f) coroutine.resume(co) coroutine.close(co)"),
    // os
    ("os: time/clock", "", "os.time() os.clock()"),
    ("os: time table", "local t = {year = 2020, month = 1, day = 1}", "os.time(t)"),
    ("os: date", "", "os.date('%Y-%m-%d %H:%M:%S', 0)"),
    ("os: date table", "", "os.date('*t', 0)"),
    ("os: date long format", "local f = string.rep('%c', 100)", "os.date(f, 0)"),
    ("os: difftime", "", "os.difftime(10, 5)"),
    // Output: every case's stdout and stderr are files (as the CLI's redirected to one).
    ("base: print", "", "print()"),
    ("base: print a line", "local s = string.rep('x', 60)", "print(s, 12345)"),
    ("base: warn", "warn('@on')", "warn('x')"),
    // The standalone profile's io and os (cases named `io:` or `os (standalone):`).
    ("io: io.write to stdout", "", "io.write('x')"),
    ("io: stderr write", "", "io.stderr:write('x')"),
    ("io: write buffered", "local f = io.tmpfile()", "f:write('x')"),
    ("io: write unbuffered", "local f = io.tmpfile() f:setvbuf('no')", "f:write('x')"),
    ("io: write line-buffered", "local f = io.tmpfile() f:setvbuf('line')", "f:write('x\\n')"),
    ("io: write and flush", "local f = io.tmpfile()", "f:write('x') f:flush()"),
    ("io: seek", "local f = io.tmpfile() f:write(string.rep('x', 1000))", "f:seek('set', 10)"),
    ("io: read line", "local f = io.tmpfile() for i = 1, 100000 do f:write(i, '\\n') end f:seek('set')", "if not f:read('l') then f:seek('set') end"),
    ("io: lines step", "local f = io.tmpfile() for i = 1, 100000 do f:write(i, '\\n') end f:seek('set') local it = f:lines()", "if not it() then f:seek('set') end"),
    ("io: open and close", "local name = os.tmpname()", "io.open(name, 'w'):close()"),
    ("io: open missing", "", "io.open('/nonexistent/x')"),
    ("io: tmpfile", "", "io.tmpfile():close()"),
    ("io: popen", "", "io.popen('true'):close()"),
    ("os (standalone): remove missing", "", "os.remove('/nonexistent/x')"),
    ("os (standalone): rename", "local a = os.tmpname() local b = a .. '.b'", "os.rename(a, b) os.rename(b, a)"),
    ("os (standalone): tmpname and remove", "", "os.remove(os.tmpname())"),
    ("os (standalone): getenv", "", "os.getenv('HOME')"),
    ("os (standalone): execute", "", "os.execute('true')"),
];

/// Where every case's `print`, `io.write` and warnings go: files (a real system call each,
/// as the CLI's output redirected to a file).
fn output_file(kind: &str) -> std::fs::File {
    let path =
        std::env::temp_dir().join(format!("telelua_fuel_bench_{kind}_{}", std::process::id()));
    let f = std::fs::File::create(&path).expect("a temporary file");
    let _ = std::fs::remove_file(&path);
    f
}

fn run_case(
    name: &str,
    setup: &str,
    body: &str,
    fuel: u64,
    cap: Duration,
) -> Result<(f64, u64), String> {
    let src = format!("{setup}\ncoroutine.yield()\nwhile true do {body} end");
    let standalone = name.starts_with("io:") || name.starts_with("os (standalone):");
    let profile = if standalone {
        Profile::Standalone
    } else {
        Profile::Sandbox
    };
    let mut vm = VmOptions::new()
        .profile(profile)
        .stdout(output_file("stdout"))
        .stderr(output_file("stderr"))
        .build();
    vm.set_main_yieldable(true);
    vm.load(src.as_bytes(), "=case")
        .map_err(|e| e.message.clone())?;
    match vm.step(1 << 40) {
        StepResult::Yielded(_) => {}
        other => return Err(format!("setup: {other:?}")),
    }
    let before = vm.fuel_used();
    let start = Instant::now();
    let mut left = fuel;
    while left > 0 {
        let slice = left.min(100_000);
        match vm.step(slice) {
            StepResult::OutOfFuel => {}
            other => return Err(format!("{other:?}")),
        }
        left -= slice;
        if start.elapsed() > cap {
            break;
        }
    }
    let used = vm.fuel_used() - before;
    Ok((start.elapsed().as_nanos() as f64 / used as f64, used))
}

fn main() {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let fuel: u64 = std::env::var("FUEL_BENCH_FUEL")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3_000_000);
    let reps: usize = std::env::var("FUEL_BENCH_REPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let cap = Duration::from_secs(2);
    let measure = |name: &str, setup: &str, body: &str| -> Result<f64, String> {
        let mut v = Vec::new();
        for _ in 0..reps {
            v.push(run_case(name, setup, body, fuel, cap)?.0);
        }
        v.sort_by(f64::total_cmp);
        Ok(v[v.len() / 2])
    };
    let (bname, bsetup, bbody) = CASES[0];
    let base = measure(bname, bsetup, bbody).expect("baseline");
    println!("| case | ns per fuel | ratio to baseline |");
    println!("|---|---:|---:|");
    let mut worst = (0.0f64, "");
    for &(name, setup, body) in CASES {
        if !filters.is_empty() && !filters.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        match measure(name, setup, body) {
            Ok(ns) => {
                let ratio = ns / base;
                if ratio > worst.0 {
                    worst = (ratio, name);
                }
                let flag = if ratio > 5.0 { " **over 5×**" } else { "" };
                println!("| {name} | {ns:.2} | {ratio:.2}×{flag} |");
            }
            Err(e) => println!("| {name} | error: {e} | |"),
        }
    }
    println!();
    println!(
        "baseline: {base:.2} ns per fuel unit; worst: {:.2}× ({})",
        worst.0, worst.1
    );
}
