//! The snapshot format: MessagePack, written and read directly (see [`super::mpack`]).
//!
//! A snapshot is two MessagePack values in a row: a [`Header`] (magic, format version,
//! compiler version; encoded with rmp-serde as an array of three) and the body, an array of
//! [`BODY_FIELDS`] fields:
//!
//! - tail offset: the byte offset of field 2 from the start of the body (a `uint 32`), so the
//!   restorer can read the code and roots before it walks the objects;
//!
//! 1. objects: an `array 32` of heap objects, each once, numbered by position. Object numbering
//!    is a breadth-first walk from the roots in a fixed order, so equal VM states give equal
//!    bytes. A string is a `bin`; every other object is an array whose first element is its tag:
//!    - `[TAG_TABLE, id, meta (index or nil), hash_cap, limit, contents, [array values],
//!      [k1, v1, k2, v2, ...]]` (hash entries in insertion order, tombstones included, so
//!      `next` resumes identically; `contents` is the byte length of the two arrays, so a
//!      restorer can step over a table without reading its values; `limit` (format 11) is
//!      Lua 5.4's `alimit`, the length hint `#t` starts from: the array size, or a hint in
//!      `(size / 2, size)` of a power-of-two size, anything else is rejected)
//!    - `[TAG_CLOSURE, id, proto, [upvalue indices]]`
//!    - `[TAG_NATIVE, id, registered name (str), [bound values]]` (a native closure)
//!    - `[TAG_LIGHT_NATIVE, registered name (str)]`: a native without bound values (a light
//!      native: no heap object and no counter id; its identity is the registered definition)
//!    - `[TAG_UPVALUE_OPEN, thread, slot]`, `[TAG_UPVALUE_CLOSED, value]`, each with an
//!      object id appended if it has one (`debug.upvalueid`)
//!    - `[TAG_THREAD, id, status, top, stack capacity, frame capacity (the memory
//!      account's model, see `ThreadState::sync_model`), [stack values], [frames], [open upvalue indices],
//!      [to-be-closed slots], [] or [error value], traceback (str or nil)]`, plus, if the
//!      thread has a debug hook, `[hook function, mask, count, counter, in hook (bool),
//!      oldpc, skip]` (see `vm::hook::HookData`); a frame is
//!      `[FRAME_LUA, closure, func, base, pc, nvarargs, want, aux]` (bit 31 of `aux`: tail
//!      call) or
//!      `[FRAME_NATIVE, native (index or nil), func, want, continuation]` where the
//!      continuation is a `SavedCont<SVal>` encoded with rmp-serde (format 10: a library's
//!      continuation is `Lib` with `[kind name, [values], state (bin)]`, the state the
//!      library's own MessagePack with each value replaced by its index in the list)
//!    - `[TAG_USERDATA, id, type name (str), payload (bin), meta (index or nil)]`
//!    - `[TAG_STR_WITH_ID, id, bytes (bin)]` (a string that was given an id by `%p`)
//! 2. chunks: `[[id (bin), name (bin), source (bin or nil) (, true if stripped)], ...]`
//! 3. protos: `[[chunk, [child path], [k, object, ...], parent], ...]`: the function
//!    instances closures refer to, with every instance nested in them, each with its string
//!    constants that are saved objects (constant `k` is that object) and (format 9) the proto
//!    whose instance holds it as a nested function, or nil for the root of an instance tree
//!    (two instances of the same code, a chunk loaded twice, are two entries)
//! 4. globals, 5. registry, 6. main thread (object indices), 7. running chain `[threads]`,
//! 8. type metatables `[string, number, boolean, nil, function, thread, light userdata]`
//! (index or nil; the light userdata one since format 7),
//! 9. hash key, 10. next object id, 11. PRNG state `[4 × u64]`, 12. main yieldable (bool),
//! 13. fuel used, 14. metamethod names that are saved strings `[tm, object, ...]` (so the
//! restored VM's names are those objects, as they were), 15. the collector (format 6):
//! `[[table, weak mode, ...], [objects marked for finalization, in marking order],
//! [objects whose finalizer is due, in running order], stopped (bool), generational (bool),
//! pause, stepmul, closing (bool), bytes of steps since a cycle finished (float), whether
//! the last step finished one (bool), (format 8) bytes accounted after the last full
//! collection, bytes allocated since it]` (see `vm::gc`; a weak mode is 1 keys, 2 values, 3 both;
//! weak tables that are not otherwise saved are left out, marked and due objects are roots).
//!
//! A value is `nil`, `false`, `true`, an integer, a `float 64` (bits preserved), a reference
//! to object `i`: extension type 0 with `i` big-endian in 1, 2 or 4 bytes, or (format 7) a
//! light userdata: extension type 1 with its payload big-endian in 8 bytes (`fixext 8`).

use serde::{Deserialize, Serialize};

/// First bytes of every snapshot.
pub const MAGIC: &str = "telelua-snapshot";
/// Version of this format; bumped on any incompatible change (including `ContG` variants).
pub const FORMAT_VERSION: u32 = 11;

/// Number of fields of the body array.
pub const BODY_FIELDS: usize = 16;

/// Object tags.
pub const TAG_TABLE: u64 = 0;
/// A Lua closure.
pub const TAG_CLOSURE: u64 = 1;
/// A native closure.
pub const TAG_NATIVE: u64 = 2;
/// An open upvalue.
pub const TAG_UPVALUE_OPEN: u64 = 3;
/// A closed upvalue.
pub const TAG_UPVALUE_CLOSED: u64 = 4;
/// A coroutine.
pub const TAG_THREAD: u64 = 5;
/// A userdata.
pub const TAG_USERDATA: u64 = 6;
/// A string with an object id.
pub const TAG_STR_WITH_ID: u64 = 7;
/// A light native (format 3).
pub const TAG_LIGHT_NATIVE: u64 = 8;
/// A Lua frame.
pub const FRAME_LUA: u64 = 0;
/// A native frame.
pub const FRAME_NATIVE: u64 = 1;

/// Identifies the format before anything else is read.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Header {
    /// Always [`MAGIC`].
    pub magic: String,
    /// [`FORMAT_VERSION`] of the writer.
    pub format: u32,
    /// `chunk::COMPILER_VERSION` of the writer.
    pub compiler: String,
}

/// A value inside a saved native continuation: immediate, or a reference to object `i`.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq)]
pub enum SVal {
    /// nil
    Nil,
    /// false
    False,
    /// true
    True,
    /// integer
    Int(i64),
    /// float, as IEEE bits (NaN payloads preserved)
    Float(u64),
    /// heap object
    Obj(u32),
    /// light userdata payload (format 7)
    Light(u64),
}
