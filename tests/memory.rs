//! The memory budget: scripts that try to exhaust memory end with "not enough memory" while
//! the process's real allocation stays within the budget plus a small constant, measured by a
//! counting global allocator. The VM keeps working after the error.
//!
//! Everything runs in one `#[test]` so that no other test's allocations disturb the counts.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use telelua::{StepResult, Vm};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn note_alloc(size: usize) {
    let now = CURRENT.fetch_add(size, Ordering::Relaxed) + size;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY (test-only allocator): forwards every call to the system allocator unchanged and
// only counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_alloc(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_alloc(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            note_alloc(new_size - layout.size());
        } else {
            CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const BUDGET: u64 = 16 << 20;
/// Real allocation allowed beyond the budget: the accounting model is not the allocator's
/// exact numbers (allocator rounding, hash indexes, the compiler's temporary structures while
/// `load` runs). Growth of tables and stacks is checked before it happens, counting the old
/// and new buffers that exist together for a moment.
const SLACK: usize = 6 << 20;

/// Runs `src` under the budget; returns the error message (if any) and the peak real
/// allocation above what was allocated before the VM was created.
fn run_limited(src: &str) -> (Result<String, String>, usize) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let result = {
        let mut vm = Vm::new();
        vm.set_memory_limit(Some(BUDGET));
        vm.load(src.as_bytes(), "=test").expect("compiles");
        let mut out = Err("fuel".to_string());
        for _ in 0..100_000 {
            match vm.step(100_000) {
                StepResult::OutOfFuel => continue,
                StepResult::Finished(v) => {
                    out = Ok(format!("{v:?}"));
                    break;
                }
                StepResult::Error(e) => {
                    out = Err(e.message);
                    break;
                }
                StepResult::Yielded(_) | StepResult::Waiting { .. } => {
                    out = Err("yielded".into());
                    break;
                }
            }
        }
        out
    };
    (result, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

#[test]
fn memory_budget() {
    let exhausting = [
        ("rep", r#"return string.rep("x", 1e9)"#),
        ("rep method", r#"return ("x"):rep(1e8)"#),
        ("rep with sep", r#"return ("x"):rep(1e7, "yyyy")"#),
        (
            "concat loop",
            r#"local s = "x" for i = 1, 40 do s = s .. s end return #s"#,
        ),
        (
            "growing buffer",
            r#"local s, p = "", ("x"):rep(1e5) for i = 1, 1e7 do s = s .. p end"#,
        ),
        (
            "growing buffer in a table",
            r#"local t = {} for i = 1, 1e7 do t[#t + 1] = ("x"):rep(1000) .. i end"#,
        ),
        (
            "big table",
            r#"local t = {} for i = 1, 1e8 do t[i] = i end"#,
        ),
        (
            "hash table",
            r#"local t = {} for i = 1, 1e8 do t[i * 1.5] = true end"#,
        ),
        (
            "strings in table",
            r#"local t = {} for i = 1, 1e8 do t[i] = tostring(i) end"#,
        ),
        (
            "table.concat",
            r#"local t = {} for i = 1, 1e5 do t[i] = "x" end
               local parts = {} for i = 1, 1e3 do parts[i] = table.concat(t, ("y"):rep(20)) end"#,
        ),
        (
            "coroutine.wrap",
            r#"local t = {} while true do t[#t + 1] = coroutine.wrap(function() end) end"#,
        ),
        (
            "closures",
            r#"local t = {} for i = 1, 1e8 do local x = i t[i] = function() return x end end"#,
        ),
        (
            "table.move to huge indices",
            r#"local src = {} for i = 1, 1e6 do src[i] = i end
               table.move(src, 1, 1e6, 1e12)"#,
        ),
        (
            "gsub",
            r#"local s = ("x"):rep(1e6) return s:gsub("x", ("y"):rep(64))"#,
        ),
        (
            "table constructor",
            r#"local src = {} for i = 1, 2e4 do src[i] = "x" .. i end
               src = "return {" .. table.concat(src, ",") .. "}"
               local ts = {} for i = 1, 1e4 do ts[i] = load(src)() end"#,
        ),
        (
            "table.pack",
            r#"local t, l = {}, {} for i = 1, 2e5 do l[i] = i end
               for i = 1, 1e4 do t[i] = table.pack(table.unpack(l)) end"#,
        ),
        (
            "table.insert",
            r#"local t = {} for i = 1, 1e8 do table.insert(t, i) end"#,
        ),
        (
            "rawset",
            r#"local t = {} for i = 1, 1e8 do rawset(t, i * 2, i) end"#,
        ),
        (
            "sort's working copy",
            r#"local t = {} for i = 1, 5e5 do t[i] = -i end
               table.sort(t, function(a, b) return a < b end)"#,
        ),
        (
            "deep recursion",
            r#"local function f(n) return 1 + f(n + 1) end return f(1)"#,
        ),
        (
            "deep recursion of big frames",
            r#"local function f(n) return f(n + 1) + 1 end return f(1)"#,
        ),
        (
            // The stack grows for the calls `pcall` makes (which cannot be retried after a
            // collection), and the memory error raised inside them is caught.
            "deep recursion with pcall at every level",
            r#"local function g(a, b, c, d, e, f, g, h) local x, y, z, w = 1, 2, 3, 4 return x end
               local function f(n) pcall(g) return f(n + 1) + 1 end return f(1)"#,
        ),
    ];
    for (name, src) in exhausting {
        let (result, peak) = run_limited(src);
        eprintln!(
            "{name}: peak real allocation {:.1} MB",
            peak as f64 / 1048576.0
        );
        match &result {
            Err(m) if m.contains("not enough memory") || m.contains("stack overflow") => {}
            other => panic!("{name}: expected 'not enough memory', got {other:?}"),
        }
        assert!(
            peak <= BUDGET as usize + SLACK,
            "{name}: real allocation peaked at {peak} bytes (budget {BUDGET} + slack {SLACK})"
        );
    }

    // The error is catchable, and the VM keeps working afterwards.
    let (result, _) = run_limited(
        r#"
        local big = {}
        local ok, err = pcall(function() for i = 1, 1e8 do big[i] = i end end)
        assert(not ok and err == "not enough memory", tostring(err))
        big = nil
        collectgarbage()
        local t = {}
        for i = 1, 1e5 do t[i] = i end
        return #t, collectgarbage("count") < 16 * 1024
        "#,
    );
    assert_eq!(result, Ok("[Int(100000), Bool(true)]".to_string()));

    // No message handler sees a memory error (Lua's LUA_ERRMEM), whether an instruction, a
    // native or a stack growth raised it; a runtime error still goes through the handler.
    let (result, _) = run_limited(
        r#"
        local seen = 0
        local function h(m) seen = seen + 1 return "handled: " .. tostring(m) end
        local big = {}
        local r1 = {xpcall(function() for i = 1, 1e8 do big[i] = i end end, h)}
        big = nil
        collectgarbage()
        local r2 = {xpcall(string.rep, h, "x", 1e9)}
        local function deep(n) return 1 + deep(n + 1) end
        local r3 = {xpcall(deep, h, 1)}
        local r4 = {xpcall(error, h, "plain")}
        return table.concat({r1[2], r2[2], r3[2], r4[2], seen}, "|")
        "#,
    );
    let want = "not enough memory|not enough memory|not enough memory|handled: plain|1";
    assert_eq!(result, Ok(format!("[Str({:?})]", want.as_bytes())));

    // Garbage is collected rather than reported: churn far beyond the budget succeeds.
    let (result, _) = run_limited(
        r#"
        local n = 0
        for i = 1, 200 do local s = ("x"):rep(1e6 + i) n = n + #s end
        local g = ("x"):rep(6e6) g = nil
        return n, #("y"):rep(12e6)
        "#,
    );
    assert_eq!(result, Ok("[Int(200020100), Int(12000000)]".to_string()));

    // With the budget filled to a few KB by garbage, a store or call that cannot simply be
    // run again (a tail call whose arguments were moved, a table.move through __index) still
    // succeeds: it collects instead of failing, and runs exactly once.
    let big_locals: Vec<String> = (1..=198).map(|i| format!("a{i}")).collect();
    let margins = format!(
        r#"
        local LIMIT = 16 * 1024 * 1024
        local function fill(margin)
            local g = string.rep("x", LIMIT - math.floor(collectgarbage("count") * 1024) - margin)
            g = nil
        end
        local function big(x, y) local {} = 1 return x, y end
        local function body() fill(2000) return big("arg1", "arg2") end
        local function caller() local r, s = body() return r, s end
        local r, s = caller()
        local src = setmetatable({{}}, {{__index = function(t, k) return k end}})
        local dst = {{}}
        fill(5000)
        local ok = pcall(table.move, src, 1, 2000, 1, dst)
        return r == "arg1" and s == "arg2", ok and #dst
        "#,
        big_locals.join(", ")
    );
    let (result, _) = run_limited(&margins);
    assert_eq!(result, Ok("[Bool(true), Int(2000)]".to_string()));

    // The same inside a continuation: `table.unpack` reserving its results after `__len`
    // (which ran once) collects the garbage and continues.
    let (result, _) = run_limited(
        r##"
        local LIMIT = 16 * 1024 * 1024
        local calls = 0
        local obj = setmetatable({}, {__len = function() calls = calls + 1 return 20000 end})
        local g = string.rep("x", LIMIT - math.floor(collectgarbage("count") * 1024) - 5000)
        g = nil
        return select("#", table.unpack(obj)), calls
        "##,
    );
    assert_eq!(result, Ok("[Int(20000), Int(1)]".to_string()));

    // Tables and stacks that grow while garbage piles up get a collection, not an error.
    let (result, _) = run_limited(
        r#"
        local t = {}
        for i = 1, 2e5 do t[i] = i local junk = {i, i, i} end
        local m = table.move(t, 1, #t, 1, {})
        local u = {}
        for i = 1, 1e5 do u[#u + 1] = i local junk = ("x"):rep(100) .. i end
        local function depth(n) local junk = {n} if n == 0 then return 0 end return 1 + depth(n - 1) end
        return #m + #u, depth(1e4)
        "#,
    );
    assert_eq!(result, Ok("[Int(300000), Int(10000)]".to_string()));
}
