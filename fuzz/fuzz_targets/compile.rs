//! Compile arbitrary bytes: the compiler must return an error or a Proto, never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    telelua::api::fuzz::compile_bytes(data);
});
