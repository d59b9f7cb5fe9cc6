//! Source text → immutable [`Proto`]: lexer, parser, code generator.
//!
//! The compiler is an untrusted-input path: every failure is a [`CompileError`], never a panic,
//! and nesting depth is bounded so pathological input cannot overflow the Rust stack.

pub mod opcodes;
pub mod proto;

pub use proto::{Constant, LocalVar, Proto, UpvalueDesc};

/// A compile error, formatted as `lua5.4` prints it: `chunk:line: message near 'token'`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileError {
    /// The full message, including the `chunk:line:` prefix.
    pub message: String,
}

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CompileError {}

/// Compiles a chunk. `chunk_name` is Lua's chunk name (`@file.lua`, `=stdin`, or source text).
/// The result is the main function: vararg, with exactly one upvalue, `_ENV`.
pub fn compile(source: &[u8], chunk_name: &[u8]) -> Result<Proto, CompileError> {
    let _ = (source, chunk_name);
    Err(CompileError { message: "compiler not yet implemented".into() })
}
