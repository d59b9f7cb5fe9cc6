//! The examples run as tests, so `cargo test` keeps them working.

#[allow(dead_code)]
#[path = "../examples/embed.rs"]
mod embed;

#[test]
fn embed_example_runs() {
    embed::main().expect("examples/embed.rs");
}
