//! Loaded chunks: compiled code plus the identity snapshots use to find it again.
//!
//! A chunk's [`ChunkId`] is a SHA-256 of (compiler version, chunk name, source). Snapshots
//! store ids (and, unless the host opts out, sources); on restore the code is recompiled or
//! taken from a host-supplied store and its id checked, so bytecode is never trusted as bytes.

use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::compiler::{self, CompileError, Proto};

/// Version of the compiler's output; part of every `ChunkId` and snapshot header.
pub const COMPILER_VERSION: &str = concat!("telelua-", env!("CARGO_PKG_VERSION"), "/bytecode-1");

/// Content hash identifying a chunk.
pub type ChunkId = [u8; 32];

/// A compiled chunk.
#[derive(Debug)]
pub struct Chunk {
    /// Content hash of (compiler version, name, source).
    pub id: ChunkId,
    /// Lua's chunk name (`@file.lua`, `=stdin`, or the source of a `load`).
    pub name: Box<[u8]>,
    /// The source text.
    pub source: Arc<[u8]>,
    /// The main function.
    pub main: Arc<Proto>,
    /// Compiled without debug information (a `string.dump(f, true)` loaded again): every
    /// function's source is `=?`, and line, local and upvalue names are gone, as in Lua.
    pub stripped: bool,
}

/// Computes a chunk's id.
pub fn chunk_id(name: &[u8], source: &[u8]) -> ChunkId {
    chunk_id_of(name, source, false)
}

/// Computes the id of a chunk, stripped of debug information or not (a stripped chunk hashes
/// one more part, so plain chunks keep their ids).
pub fn chunk_id_of(name: &[u8], source: &[u8], stripped: bool) -> ChunkId {
    let mut h = Sha256::new();
    let strip: &[&[u8]] = if stripped { &[b"stripped"] } else { &[] };
    for part in [COMPILER_VERSION.as_bytes(), name, source]
        .iter()
        .chain(strip)
    {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    }
    h.finalize().into()
}

/// `p` and its nested functions without debug information (`luaU_dump` with `strip`).
fn strip(p: &Proto) -> Proto {
    let mut s = p.clone();
    s.source = Arc::from(&b"=?"[..]);
    s.lines = Box::new([]);
    s.locals = Box::new([]);
    for u in s.upvalues.iter_mut() {
        u.name = Box::new([]);
    }
    s.protos = p.protos.iter().map(|c| Arc::new(strip(c))).collect();
    s
}

impl Chunk {
    /// Compiles `source` as a chunk named `name`.
    ///
    /// # Errors
    /// The compile error, worded as `lua5.4` words it.
    pub fn compile(source: &[u8], name: &[u8]) -> Result<Arc<Chunk>, CompileError> {
        Self::compile_as(source, name, false)
    }

    /// Compiles `source` as a chunk named `name`, stripped of debug information if
    /// `stripped`.
    ///
    /// # Errors
    /// The compile error, worded as `lua5.4` words it.
    pub fn compile_as(
        source: &[u8],
        name: &[u8],
        stripped: bool,
    ) -> Result<Arc<Chunk>, CompileError> {
        let mut main = compiler::compile(source, name)?;
        if stripped {
            main = strip(&main);
        }
        Ok(Arc::new(Chunk {
            id: chunk_id_of(name, source, stripped),
            name: name.into(),
            source: source.into(),
            main: Arc::new(main),
            stripped,
        }))
    }

    /// The function at `path` (child indices from the main function), if it exists.
    pub fn proto_at(&self, path: &[u32]) -> Option<&Arc<Proto>> {
        let mut p = &self.main;
        for &i in path {
            p = p.protos.get(i as usize)?;
        }
        Some(p)
    }
}
