//! The `roundtrip` fuzz target's check, shared with the corpus replay in
//! `tests/fuzz_corpus.rs` (both include this file, and `gen.rs`, with `#[path]`).
//!
//! Design note. A generated program (see `gen.rs`) runs once without interruption, and once
//! in slices whose sizes come from the input; between slices the VM goes through bytes
//! (`save`, then `restore`, checking that saving the restored VM gives the same bytes) or
//! through an in-memory image (`image().fork()`), or simply continues. Both runs must print
//! the same output, end with the same result, use the same fuel, and save to the same bytes
//! at the end: a VM's future must not depend on when it was saved, restored or forked. A
//! twin of the sliced run, with the same slices and no trips, saves to the same bytes as the
//! sliced run after every slice (see [`run`]).
#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;
use telelua::{StepResult, VmOptions};

/// Fuel after which a run is abandoned (the generator's programs need far less).
const LIMIT: u64 = 4_000_000;

/// About how many slices a sliced run is cut into at most (see `check`).
const MAX_TRIPS: u64 = 256;

/// Output collected from `print`.
type Out = Rc<RefCell<Vec<u8>>>;

fn options(out: &Out) -> VmOptions {
    let out = out.clone();
    VmOptions::new()
        .memory_limit(64 << 20)
        .print(move |b| out.borrow_mut().extend_from_slice(b))
}

/// How a run ended: output, result, fuel used, the final snapshot.
#[derive(Debug, PartialEq)]
pub struct Run {
    /// Everything printed.
    pub output: String,
    /// The last step's result.
    pub result: StepResult,
    /// Fuel used in total.
    pub fuel: u64,
    /// `save()` at the end.
    pub snapshot: Vec<u8>,
}

/// What happens at the end of a slice.
#[derive(Clone, Copy, Debug)]
pub enum Trip {
    /// Continue with the same VM.
    Continue,
    /// Save, restore, continue in the restored VM.
    Bytes,
    /// Make an image, continue in a fork of it.
    Fork,
}

/// Runs `src` in slices of `slices` fuel (cycled; the last one repeats), doing `trips`
/// (cycled) between slices. `None` if the program did not finish within [`LIMIT`].
///
/// With trips other than `Continue`, a twin VM runs the same slices without trips, and after
/// every slice both must save to the same bytes: a divergence is caught at the slice it
/// happens, even when the rest of the run would hide it (a full collection resets the
/// collector's counters; a finished run drops what its stack held). Panics when they differ.
pub fn run(src: &str, slices: &[u64], trips: &[Trip]) -> Option<Run> {
    let out: Out = Rc::default();
    let mut vm = options(&out).build();
    if let Err(e) = vm.load(src.as_bytes(), "=gen") {
        return Some(Run {
            output: String::new(),
            result: StepResult::Error(e),
            fuel: 0,
            snapshot: Vec::new(),
        });
    }
    let twin_out: Out = Rc::default();
    let mut twin = trips.iter().any(|t| !matches!(t, Trip::Continue)).then(|| {
        let mut twin = options(&twin_out).build();
        twin.load(src.as_bytes(), "=gen")
            .expect("loads as the first did");
        twin
    });
    let mut turn = 0;
    loop {
        let fuel = slices.get(turn).or(slices.last()).copied().unwrap_or(LIMIT);
        let trip = if trips.is_empty() {
            Trip::Continue
        } else {
            trips[turn % trips.len()]
        };
        turn += 1;
        let stepped = vm.step(fuel.max(1));
        let twin_stepped = twin.as_mut().map(|t| t.step(fuel.max(1)));
        if let Some(twin_stepped) = &twin_stepped {
            assert!(
                *twin_stepped == stepped,
                "slice {turn} ends with {stepped:?} after trips but {twin_stepped:?} \
                 without\nprogram:\n{src}"
            );
        }
        match stepped {
            StepResult::OutOfFuel => {}
            result => {
                let snapshot = vm.save().expect("save at the end");
                let output = String::from_utf8_lossy(&out.borrow()).into_owned();
                return Some(Run {
                    output,
                    result,
                    fuel: vm.fuel_used(),
                    snapshot,
                });
            }
        }
        // (Every trip but `Continue` has a twin: `bytes` is there for a `Bytes` trip.)
        let bytes = twin.as_ref().map(|_| vm.save().expect("save"));
        if let (Some(twin), Some(bytes)) = (&twin, &bytes) {
            let twin_bytes = twin.save().expect("save the twin");
            assert!(
                twin_bytes == *bytes,
                "the state after slice {turn} differs from the run without trips \
                 (slices {slices:?}, trips {trips:?}, fuel {})\nprogram:\n{src}",
                vm.fuel_used()
            );
        }
        if vm.fuel_used() > LIMIT {
            return None;
        }
        vm = match trip {
            Trip::Continue => vm,
            Trip::Bytes => {
                let bytes = bytes.expect("a twin saved with the VM");
                let restored = options(&out).restore(&bytes).expect("restore");
                let again = restored.save().expect("save restored");
                assert!(again == bytes, "save(restore(save(vm))) differs");
                restored
            }
            Trip::Fork => {
                let image = vm.image().expect("image");
                image.fork_with_options(options(&out)).expect("fork")
            }
        };
    }
}

/// Decodes the input (slice sizes and trips first, the program after) and checks that the
/// sliced run equals the uninterrupted one. Panics (a fuzz finding) on any difference.
pub fn check(data: &[u8]) {
    if data.len() < 4 {
        return;
    }
    let (head, body) = data.split_at(4);
    // Slices of 1 to ~4,000 fuel: small ones stop inside natives and metamethods.
    let slices: Vec<u64> = head[..2]
        .iter()
        .map(|&b| 1 + u64::from(b) * u64::from(b) / 16)
        .collect();
    let trips: Vec<Trip> = [head[2], head[3]]
        .iter()
        .map(|b| match b % 3 {
            0 => Trip::Continue,
            1 => Trip::Bytes,
            _ => Trip::Fork,
        })
        .collect();
    let src = crate::gen::program(body);
    let Some(whole) = run(&src, &[LIMIT], &[]) else {
        return;
    };
    // At most about `MAX_TRIPS` slices over the whole run: a slice of one fuel unit over a
    // program of a million made a million saves and restores (~20 executions a second).
    // The first slice (where the first stop falls) is the input's; the repeating one is at
    // least a `MAX_TRIPS`th of the run, so stops still fall all over it, and short programs
    // still stop at every unit.
    let floor = whole.fuel / MAX_TRIPS;
    let slices = [slices[0], slices[1].max(floor)];
    let Some(sliced) = run(&src, &slices, &trips) else {
        panic!("the sliced run did not finish but the whole one did:\n{src}");
    };
    if sliced != whole {
        let what = if sliced.output != whole.output {
            format!("output:\n{}\n---- vs ----\n{}", whole.output, sliced.output)
        } else if sliced.result != whole.result {
            format!("result: {:?} vs {:?}", whole.result, sliced.result)
        } else if sliced.fuel != whole.fuel {
            format!("fuel: {} vs {}", whole.fuel, sliced.fuel)
        } else {
            "final snapshot bytes".to_string()
        };
        panic!("round trip differs ({slices:?}, {trips:?}) in {what}\nprogram:\n{src}");
    }
}
