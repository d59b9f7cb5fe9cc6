//! Run arbitrary source in the sandbox under small fuel: no panic, no hang, bounded memory.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    telelua::api::fuzz::run_bytes(data);
});
