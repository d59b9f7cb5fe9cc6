//! Restore arbitrary bytes as a snapshot: `Err`, never a panic, hang or unbounded allocation.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    telelua::api::fuzz::restore_bytes(data);
});
