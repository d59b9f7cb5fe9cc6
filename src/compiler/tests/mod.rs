//! Compiler tests: lexer, parser errors (compared with `lua5.4`), code generation
//! (disassembly), debug info, and property tests (no panics; everything verifies).

mod codegen;
mod debuginfo;
mod error_cases;
mod errors;
mod lexer;
mod nesting;
mod props;

/// Developer aid: `DUMP_FILES="a.lua b.lua" cargo test --lib dump_files -- --ignored
/// --nocapture` prints our listing of each file (to compare with `luac5.4 -l -l`).
#[test]
#[ignore]
fn dump_files() {
    let files = std::env::var("DUMP_FILES").unwrap_or_default();
    for f in files.split_whitespace() {
        let src = std::fs::read(f).unwrap_or_default();
        match super::compile(&src, format!("@{f}").as_bytes()) {
            Ok(p) => {
                println!("==== {f}");
                print!("{}", super::dump(&p));
                if let Err(e) = super::verify(&p) {
                    println!("VERIFY FAILED: {e}");
                }
            }
            Err(e) => println!("==== {f}\nERROR {e}"),
        }
    }
}
