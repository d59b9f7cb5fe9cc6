//! Big hash parts across snapshots (out of `tests/snapshot.rs` for its length): a table filled
//! past the flat prefix of its hash part (entries in chunks, a sharded index), through a
//! doubling that keeps the entries in place and a rehash that drops removed keys, saved and
//! restored before, between and after them: the output (with memory counts), the fuel and
//! the final snapshot must be those of the run without round trips.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use telelua::{Host, Profile, Registry, StepResult, Vm};

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

/// 2^16 + 4 string keys (past 2^15 the entries go in chunks; the 65,537th key doubles the
/// part in place), a third removed, then new keys up to a full part of 2^17 and one more (a
/// rehash that drops the removed keys), with stores and removals during traversals. Memory
/// counts are printed after full collections (before one, the count includes garbage, which
/// a round trip drops: the same in the base build).
const SCRIPT: &str = r#"
local t = {}
local function count(tag)
  local n, s = 0, 0
  for k, v in pairs(t) do n = n + 1; s = s + v end
  collectgarbage()
  print(tag, n, s, collectgarbage("count"))
end
for i = 1, 65540 do
  t["k" .. i] = i
  if i % 8192 == 0 or i == 32768 or i == 32769 or i == 65536 or i == 65537 then
    collectgarbage() print(i, collectgarbage("count"))
  end
end
count("filled")
for i = 1, 65540, 3 do t["k" .. i] = nil end
count("removed")
for k, v in pairs(t) do if v % 5 == 0 then t[k] = nil else t[k] = v + 1 end end
count("traversed")
local n = 65540
for i = 1, 131072 - n + 1 do
  t["n" .. i] = i
  if i % 16384 == 0 then collectgarbage() print("n", i, collectgarbage("count")) end
end
count("rehashed")
print(t.k2, t.k3, t.n1, next(t, "k2") ~= nil)
"#;

/// A queue of 40,000 keys in a part of 2^16 (the oldest key removed, a new one added,
/// a key in between removed or added again), through rehashes that drop the removed keys in
/// place (`src/vm/table_compact.rs`), with a traversal that removes keys and goes on with
/// `next` across them; memory counts after full collections.
const CHURN: &str = r#"
local t, lo, hi, x = {}, 1, 40000, 7
for i = 1, hi do t["k" .. i] = i end
for i = 1, 5 do t[100000 + 3 * i] = i end
local function count(tag)
  local n, s = 0, 0
  for k, v in pairs(t) do n = n + 1; s = s + v end
  collectgarbage()
  print(tag, n, s, #t, collectgarbage("count"))
end
for round = 1, 3 do
  for j = 1, 30000 do
    t["k" .. lo] = nil
    lo, hi = lo + 1, hi + 1
    t["k" .. hi] = hi
    x = (x * 1103515245 + 12345) % 2147483648
    local r = "k" .. (lo + x % (hi - lo))
    if t[r] then t[r] = nil else t[r] = 0 end
  end
  count("round " .. round)
  local k, n = nil, 0
  repeat
    local v
    k, v = next(t, k)
    if v and v % 3 == 0 then t[k] = nil end
    n = n + 1
  until k == nil
  count("traversed " .. n)
end
print(t["k" .. hi], t["k" .. lo], t.k1, t[100006])
"#;

/// Runs `script` with `step(period)`, saving and restoring at every preemption when
/// `trip`: (output, fuel used, final snapshot).
fn run_script(script: &str, period: u64, trip: bool) -> (String, u64, Vec<u8>) {
    let out = Sink::default();
    let mut vm = Vm::with_profile(Profile::Sandbox, host(&out));
    vm.load(script.as_bytes(), "=big_hash").unwrap();
    loop {
        match vm.step(period) {
            StepResult::OutOfFuel => {
                if trip {
                    let bytes = vm.save().expect("save");
                    vm = Vm::restore_with(&bytes, Registry::standard(), host(&out), None)
                        .expect("restore");
                }
            }
            r => {
                assert!(matches!(r, StepResult::Finished(_)), "{r:?}");
                break;
            }
        }
    }
    let o = String::from_utf8_lossy(&out.0.borrow()).into_owned();
    (o, vm.fuel_used(), vm.save().expect("final save"))
}

/// [`run_script`] of [`SCRIPT`].
fn run(period: u64, trip: bool) -> (String, u64, Vec<u8>) {
    run_script(SCRIPT, period, trip)
}

#[test]
fn big_hash_parts_continue_identically_after_round_trips() {
    let (out, fuel, snap) = run(100_000_000, false);
    assert!(out.contains("rehashed"), "{out}");
    // Periods that put saves inside the filling, the traversals and the rehashing loop
    // (about 40, 9 and 3 of them).
    for period in [150_001, 700_001, 2_000_003] {
        let (o, f, s) = run(period, true);
        assert_eq!(o, out, "output, period {period}");
        assert_eq!(f, fuel, "fuel, period {period}");
        assert!(s == snap, "final snapshot, period {period}");
    }
    // Without round trips, the step size changes nothing either.
    let (o, f, s) = run(700_001, false);
    assert!(o == out && f == fuel && s == snap);
}

#[test]
fn removals_and_inserts_in_a_big_hash_part_continue_identically_after_round_trips() {
    let (out, fuel, snap) = run_script(CHURN, 100_000_000, false);
    assert!(out.contains("traversed"), "{out}");
    for period in [300_007, 1_500_001] {
        let (o, f, s) = run_script(CHURN, period, true);
        assert_eq!(o, out, "output, period {period}");
        assert_eq!(f, fuel, "fuel, period {period}");
        assert!(s == snap, "final snapshot, period {period}");
    }
}
