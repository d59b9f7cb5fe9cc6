//! A generated program run in slices with saves, restores and forks between them must equal
//! the uninterrupted run in output, result, fuel and final snapshot bytes
//! (`fuzz/common/roundtrip.rs`).
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../common/gen.rs"]
mod gen;
#[path = "../common/roundtrip.rs"]
mod roundtrip;

fuzz_target!(|data: &[u8]| {
    roundtrip::check(data);
});
