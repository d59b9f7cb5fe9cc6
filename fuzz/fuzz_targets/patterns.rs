//! The `sequences` pattern engine against a plain reference matcher, under arbitrary fuel
//! slicing with its state saved and restored between slices (`fuzz/common/patterns.rs`).
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../common/patterns.rs"]
mod patterns;

fuzz_target!(|data: &[u8]| {
    patterns::check(data);
});
