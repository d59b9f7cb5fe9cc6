//! Entry points shared by the fuzz targets (`fuzz/`) and the test that replays their corpora,
//! so both exercise exactly the same code.

use super::{Profile, StepResult, Vm};
use crate::vm::state::Host;

/// Compiles arbitrary bytes; must never panic.
pub fn compile_bytes(data: &[u8]) {
    if let Ok(p) = crate::compiler::compile(data, b"=fuzz") {
        let _ = crate::compiler::dump(&p);
    }
}

/// Memory budget of fuzzed VMs.
const FUZZ_MEMORY: u64 = 32 << 20;

/// Compiles and runs arbitrary bytes in the sandbox under small fuel and memory budgets; must
/// never panic, hang or exhaust memory.
pub fn run_bytes(data: &[u8]) {
    let mut vm = Vm::with_profile(Profile::Sandbox, sink_host());
    vm.set_memory_limit(Some(FUZZ_MEMORY));
    if vm.load(data, "=fuzz").is_err() {
        return;
    }
    for i in 0..20 {
        // Half-way, continue in a (lazy) fork of an image of the VM.
        if i == 10 {
            if let Ok(fork) = vm.image().and_then(|image| image.fork_with(sink_host())) {
                vm = fork;
                vm.set_memory_limit(Some(FUZZ_MEMORY));
            }
        }
        match vm.step(5_000) {
            StepResult::OutOfFuel => continue,
            _ => break,
        }
    }
}

/// Host services that discard output.
fn sink_host() -> Host {
    Host {
        stdout: Box::new(std::io::sink()),
        stderr: Box::new(std::io::sink()),
        ..Host::default()
    }
}

/// Restores arbitrary bytes as a snapshot and, if accepted, forks an image of it, runs and
/// re-saves it; must never panic, hang or allocate without bound.
pub fn restore_bytes(data: &[u8]) {
    let registry = crate::snapshot::Registry::standard();
    if let Ok(mut vm) = Vm::restore_with(data, registry, sink_host(), None) {
        // An accepted state also goes through an image and a lazy fork, which runs a little
        // (reading through the image) and is saved (completing it).
        if let Ok(image) = vm.image() {
            if let Ok(mut fork) = image.fork_with(sink_host()) {
                fork.set_memory_limit(Some(FUZZ_MEMORY));
                let _ = fork.step(1_000);
                let _ = fork.save();
            }
        }
        vm.set_memory_limit(Some(FUZZ_MEMORY));
        for _ in 0..10 {
            if vm.step(1_000) != StepResult::OutOfFuel {
                break;
            }
        }
        let _ = vm.save();
    }
}
