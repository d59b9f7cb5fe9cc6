//! A generated program run by telelua and by PUC-Rio Lua 5.4 (mlua, vendored `lua54`) must
//! print the same output and end the same way (`fuzz/common/differential.rs`).
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../common/differential.rs"]
mod differential;
#[path = "../common/gen.rs"]
mod gen;

fuzz_target!(|data: &[u8]| {
    differential::check(data);
});
