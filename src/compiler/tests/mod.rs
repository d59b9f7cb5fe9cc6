//! Compiler tests: lexer, parser errors (compared with `lua5.4`), code generation
//! (disassembly), debug info, and property tests (no panics; everything verifies).

mod error_cases;
mod errors;
mod nesting;
