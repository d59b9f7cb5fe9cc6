//! Source text → immutable [`Proto`]: lexer, parser, code generator.
//!
//! The compiler is an untrusted-input path: every failure is a [`CompileError`], never a panic,
//! and nesting depth is bounded so pathological input cannot overflow the Rust stack.
//!
//! # Layout
//! - [`lexer`](lexer.rs): bytes → tokens (`llex.c`), with [`crate::number`] for numerals;
//! - `parser` (statements), `expr` (expressions), `scope` (variables, blocks, gotos): a
//!   single-pass recursive-descent compiler in the shape of `lparser.c`;
//! - `code` and `ops`: the code generator (`lcode.c`);
//! - [`dump`]: the disassembler; [`debuginfo`]: names for error messages (`ldebug.c`);
//!   [`verify`]: the checker of [`Proto`] invariants, also used on untrusted snapshots.

pub mod opcodes;
pub mod proto;

mod code;
pub mod debuginfo;
pub mod dump;
mod expr;
mod funcstate;
mod lexer;
mod ops;
mod parser;
mod scope;
pub mod verify;

#[cfg(test)]
mod tests;

pub use dump::dump;
pub use lexer::utf8_encode;
pub use proto::{Constant, LocalVar, Proto, UpvalueDesc};
pub use verify::verify;

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
///
/// A first line starting with `#` is skipped (its line break is kept, so line numbers do not
/// change). Binary chunks are refused.
///
/// # Errors
/// A [`CompileError`] with Lua's message for any lexical, syntactic or limit error.
///
/// # Example
/// ```
/// let proto = telelua::internal::compiler::compile(b"return 1 + 2", b"=example").unwrap();
/// assert!(proto.is_vararg);
/// assert_eq!(proto.upvalues.len(), 1);
/// let err = telelua::internal::compiler::compile(b"x = = 1", b"=t.lua").unwrap_err();
/// assert_eq!(err.message, "t.lua:1: unexpected symbol near '='");
/// ```
pub fn compile(source: &[u8], chunk_name: &[u8]) -> Result<Proto, CompileError> {
    if source.first() == Some(&0x1b) {
        // lua_load's message for a binary chunk in text-only mode (it has no position).
        return Err(CompileError {
            message: "attempt to load a binary chunk (mode is 't')".into(),
        });
    }
    parser::Parser::new(source, chunk_name).main_func()
}

/// What `luaL_loadfile` does to a file's text before compiling it (`load` of a string does
/// not): drops a UTF-8 byte-order mark and a first line starting with `#` (keeping its line
/// break, so line numbers stay right).
pub fn file_source(source: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let source = source.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(source);
    if source.first() == Some(&b'#') {
        let nl = source
            .iter()
            .position(|&c| c == b'\n')
            .unwrap_or(source.len());
        // A binary chunk after the comment starts the chunk (luaL_loadfilex reads it again
        // from there); text keeps the newline so line numbers stay right.
        if source.get(nl + 1) == Some(&0x1b) {
            return source[nl + 1..].into();
        }
        source[nl..].to_vec().into()
    } else {
        source.into()
    }
}
