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

/// Runs [`SCRIPT`] with `step(period)`, saving and restoring at every preemption when
/// `trip`: (output, fuel used, final snapshot).
fn run(period: u64, trip: bool) -> (String, u64, Vec<u8>) {
    let out = Sink::default();
    let mut vm = Vm::with_profile(Profile::Sandbox, host(&out));
    vm.load(SCRIPT.as_bytes(), "=big_hash").unwrap();
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
