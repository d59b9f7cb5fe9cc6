//! `string.dump` and loading its binary chunks.
//!
//! Design note. telelua never stores bytecode (see the snapshot format): a dumped function is
//! its chunk's name and source plus the function's path in the chunk's function tree, and
//! loading it compiles the source again and takes the function at that path. The chunk starts
//! with PUC-Rio Lua 5.4's header (signature, version, format, conversion check data, sizes and
//! the check integer and float), so it is recognised as binary (`load` with mode `"t"` refuses
//! it) and a chunk from another Lua is refused with Lua's messages; after the header comes the
//! number of upvalues (as in Lua's format) and telelua's own part:
//!
//! ```text
//! "telelua\0" version:u8 strip:u8 name:str source:str path-length:u32 path:u32*
//! ```
//!
//! (str = u32 length, bytes), all integers little-endian. A loaded function gets fresh
//! upvalues, the first set to the environment, the others nil (as Lua's `load` does with binary
//! chunks). With `strip` (or when the function itself was loaded stripped) the loaded chunk has
//! no debug information, as Lua's: source `=?`, current line -1, no local or upvalue names.

use std::sync::Arc;

use crate::compiler::Proto;
use crate::vm::chunk::Chunk;
use crate::vm::closure::{fn_proto_at, Closure};
use crate::vm::error::LuaError;
use crate::vm::native::NativeCtx;
use crate::vm::value::Value;

/// Lua 5.4's binary chunk header, up to the number of upvalues.
fn header() -> Vec<u8> {
    let mut h = Vec::with_capacity(40);
    h.extend_from_slice(b"\x1bLua");
    h.push(0x54); // version 5.4
    h.push(0); // official format
    h.extend_from_slice(b"\x19\x93\r\n\x1a\n"); // LUAC_DATA
    h.push(4); // size of an instruction
    h.push(8); // size of lua_Integer
    h.push(8); // size of lua_Number
    h.extend_from_slice(&0x5678i64.to_le_bytes()); // LUAC_INT
    h.extend_from_slice(&370.5f64.to_le_bytes()); // LUAC_NUM
    h
}

/// The telelua part's magic and version.
const MAGIC: &[u8] = b"telelua\0";
const VERSION: u8 = 2;

/// The path of `proto` in `chunk`'s function tree, if it is there.
fn path_of(chunk: &Chunk, proto: &Arc<Proto>) -> Option<Vec<u32>> {
    let mut stack: Vec<(&Arc<Proto>, Vec<u32>)> = vec![(&chunk.main, Vec::new())];
    while let Some((p, path)) = stack.pop() {
        if Arc::ptr_eq(p, proto) {
            return Some(path);
        }
        for (i, child) in p.protos.iter().enumerate() {
            let mut sub = path.clone();
            sub.push(i as u32);
            stack.push((child, sub));
        }
    }
    None
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

/// `string.dump(f [, strip])`
pub fn dump<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
) -> Result<crate::vm::native::Action<'gc>, LuaError<'gc>> {
    let f = nc.arg(1);
    let Value::Function(cl) = f else {
        if matches!(f, Value::Native(_) | Value::LightNative(_)) {
            return Err(LuaError::rt("unable to dump given function"));
        }
        return Err(nc.arg_type_error(1, "function"));
    };
    let fp = cl.fn_proto();
    let (chunk, proto) = (&fp.chunk, &fp.proto);
    let path =
        path_of(chunk, proto).ok_or_else(|| LuaError::rt("unable to dump given function"))?;
    let strip = nc.arg(2).truthy() || chunk.stripped;
    let mut out = header();
    out.push(proto.upvalues.len().min(255) as u8);
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.push(strip as u8);
    // A stripped function keeps no trace of its chunk's name (it only ever named the source).
    put_bytes(&mut out, if strip { b"=?" } else { &chunk.name });
    put_bytes(&mut out, &chunk.source);
    out.extend_from_slice(&(path.len() as u32).to_le_bytes());
    for k in &path {
        out.extend_from_slice(&k.to_le_bytes());
    }
    nc.charge((out.len() / super::cost::BYTES_PER_FUEL) as i64);
    let s = nc.str_value(&out);
    nc.ret1(s)
}

/// A binary chunk's contents.
pub struct Undumped {
    /// The chunk's name (as it was compiled).
    pub name: Vec<u8>,
    /// The chunk's source.
    pub source: Vec<u8>,
    /// The function's path in the chunk.
    pub path: Vec<u32>,
    /// Its number of upvalues.
    pub upvalues: usize,
    /// Whether it loads without debug information.
    pub stripped: bool,
}

/// Reads a binary chunk; the error is Lua's "bad binary format" reason.
pub fn undump(bytes: &[u8]) -> Result<Undumped, &'static str> {
    let h = header();
    let mut r = Reader { bytes, pos: 0 };
    // Check the header field by field, as Lua does (its messages name the first mismatch).
    let checks: [(usize, &'static str); 8] = [
        (4, "not a binary chunk"),
        (1, "version mismatch"),
        (1, "format mismatch"),
        (6, "corrupted chunk"),
        (1, "Instruction size mismatch"),
        (1, "lua_Integer size mismatch"),
        (1, "lua_Number size mismatch"),
        (8, "integer format mismatch"),
    ];
    let mut at = 0;
    for (len, why) in checks {
        let got = r.take(len)?;
        if got != &h[at..at + len] {
            return Err(why);
        }
        at += len;
    }
    if r.take(8)? != &h[at..at + 8] {
        return Err("float format mismatch");
    }
    let upvalues = r.take(1)?[0] as usize;
    if r.take(MAGIC.len())? != MAGIC || r.take(1)? != [VERSION] {
        return Err("not a telelua chunk");
    }
    let stripped = match r.take(1)? {
        [0] => false,
        [1] => true,
        _ => return Err("corrupted chunk"),
    };
    let name = r.bytes()?.to_vec();
    let source = r.bytes()?.to_vec();
    let n = r.u32()? as usize;
    if n > bytes.len() / 4 {
        return Err("truncated chunk");
    }
    let mut path = Vec::with_capacity(n);
    for _ in 0..n {
        path.push(r.u32()?);
    }
    if r.pos != bytes.len() {
        return Err("corrupted chunk");
    }
    Ok(Undumped {
        name,
        source,
        path,
        upvalues,
        stripped,
    })
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], &'static str> {
        let end = self.pos.checked_add(n).ok_or("truncated chunk")?;
        let s = self.bytes.get(self.pos..end).ok_or("truncated chunk")?;
        self.pos = end;
        Ok(s)
    }

    fn u32(&mut self) -> Result<u32, &'static str> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn bytes(&mut self) -> Result<&'a [u8], &'static str> {
        let n = self.u32()? as usize;
        self.take(n)
    }
}

/// The function a binary chunk holds, compiled again, with fresh upvalues (the first set to
/// `env`). Errors are Lua's load messages.
pub fn load_binary<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    bytes: &[u8],
    chunkname: &[u8],
    env: Value<'gc>,
) -> Result<Closure<'gc>, String> {
    let bad = |why: &str| {
        // (As `lundump.c` names the chunk: a load of the dump itself is "binary string".)
        let shown = match chunkname.first() {
            Some(b'@' | b'=') => String::from_utf8_lossy(&chunkname[1..]).into_owned(),
            Some(0x1b) => "binary string".to_string(),
            _ => String::from_utf8_lossy(chunkname).into_owned(),
        };
        format!("{shown}: bad binary format ({why})")
    };
    let u = undump(bytes).map_err(bad)?;
    nc.charge(crate::limits::fuel::load_cost(u.source.len()));
    let chunk = Chunk::compile_as(&u.source, &u.name, u.stripped).map_err(|e| e.message)?;
    let mut proto = &chunk.main;
    for &k in &u.path {
        proto = proto
            .protos
            .get(k as usize)
            .ok_or_else(|| bad("corrupted chunk"))?;
    }
    if proto.upvalues.len() != u.upvalues {
        return Err(bad("corrupted chunk"));
    }
    let main = crate::vm::closure::instantiate(nc.ctx, &chunk);
    let fp = fn_proto_at(main, &u.path).ok_or_else(|| bad("corrupted chunk"))?;
    Ok(Closure::fresh(nc.ctx, fp, env))
}
