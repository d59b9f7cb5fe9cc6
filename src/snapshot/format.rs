//! The snapshot format: plain serde types, MessagePack-encoded.
//!
//! A snapshot is two MessagePack values in a row: a [`Header`] (magic, format version,
//! compiler version) and a [`Body`]. The body is the object graph as a flat list: every heap
//! object once, references as indices into `objects` ([`SVal::Obj`]). Object numbering is a
//! breadth-first walk from the roots in a fixed order, so equal VM states give equal bytes.

use serde::{Deserialize, Serialize};

use crate::vm::cont::ContG;

/// First bytes of every snapshot.
pub const MAGIC: &str = "telelua-snapshot";
/// Version of this format; bumped on any incompatible change (including `ContG` variants).
pub const FORMAT_VERSION: u32 = 1;

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

/// A value: immediate, or a reference to `Body::objects[i]`.
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
}

/// An upvalue cell.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum SUpvalue {
    /// Still a stack slot of a thread (an object index).
    Open {
        /// Thread object.
        thread: u32,
        /// Stack slot.
        slot: u32,
    },
    /// Captured value.
    Closed(SVal),
}

/// A frame.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum SFrame {
    /// A Lua function activation.
    Lua {
        /// Closure object.
        closure: u32,
        /// Result slot.
        func: u32,
        /// Register 0.
        base: u32,
        /// Next instruction.
        pc: u32,
        /// Number of varargs.
        nvarargs: u32,
        /// Results wanted (-1: all).
        want: i32,
        /// Interrupted-instruction progress.
        aux: u32,
    },
    /// A native waiting on a continuation.
    Native {
        /// Native closure object, if any.
        native: Option<u32>,
        /// Its slot.
        func: u32,
        /// Results wanted.
        want: i32,
        /// The continuation.
        cont: ContG<SVal>,
    },
}

/// A coroutine.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct SThread {
    /// Value stack.
    pub stack: Vec<SVal>,
    /// Frames, innermost last.
    pub frames: Vec<SFrame>,
    /// Open upvalue objects, by ascending slot.
    pub open_upvalues: Vec<u32>,
    /// Pending to-be-closed slots.
    pub tbc: Vec<u32>,
    /// 0 initial, 1 suspended, 2 running, 3 normal, 4 dead.
    pub status: u8,
    /// Multiple-results top.
    pub top: u32,
    /// Error a dead coroutine died with.
    pub error: Option<SVal>,
    /// Traceback of an uncaught error whose `__close` handlers are running.
    pub traceback: Option<String>,
    /// Object id.
    pub id: u64,
    /// The debug hook (`debug.sethook`), if one is set or was running.
    #[serde(default)]
    pub hook: Option<SHook>,
}

/// A thread's debug hook.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct SHook {
    /// The hook function (nil if none).
    pub func: SVal,
    /// Settings and bookkeeping.
    pub data: crate::vm::hook::HookData,
}

/// A table.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct STable {
    /// Array part.
    pub array: Vec<SVal>,
    /// Hash entries in insertion order (tombstones included, so `next` resumes identically).
    pub entries: Vec<(SVal, SVal)>,
    /// Emulated node-part capacity.
    pub hash_cap: u64,
    /// Metatable object.
    pub meta: Option<u32>,
    /// Object id.
    pub id: u64,
}

/// A heap object.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum SObj {
    /// A string.
    Str(#[serde(with = "serde_bytes")] Vec<u8>),
    /// A table.
    Table(STable),
    /// A Lua closure over `Body::protos[proto]`.
    Closure {
        /// Function (index into `protos`).
        proto: u32,
        /// Upvalue objects.
        upvalues: Vec<u32>,
        /// Object id.
        id: u64,
    },
    /// A native closure, saved by its registered name.
    Native {
        /// Registered name.
        name: String,
        /// Bound values.
        upvalues: Vec<SVal>,
        /// Object id.
        id: u64,
    },
    /// An upvalue cell.
    Upvalue(SUpvalue),
    /// A coroutine.
    Thread(Box<SThread>),
    /// A userdata, saved through its registered type.
    Userdata {
        /// Registered type name.
        type_name: String,
        /// Payload as the type's save function wrote it.
        #[serde(with = "serde_bytes")]
        payload: Vec<u8>,
        /// Metatable object.
        meta: Option<u32>,
        /// Object id.
        id: u64,
    },
    /// A long string that has been given an object id (by `%p`).
    StrWithId {
        /// Contents.
        #[serde(with = "serde_bytes")]
        bytes: Vec<u8>,
        /// Object id.
        id: u64,
    },
}

/// A chunk: its id and (unless the saver opted out) its source.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct SChunk {
    /// Content hash.
    #[serde(with = "serde_bytes")]
    pub id: Vec<u8>,
    /// Chunk name.
    #[serde(with = "serde_bytes")]
    pub name: Vec<u8>,
    /// Source text, if included.
    pub source: Option<serde_bytes::ByteBuf>,
}

/// A function: a chunk and the child-index path to it.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Hash)]
pub struct SProto {
    /// Index into `Body::chunks`.
    pub chunk: u32,
    /// Child indices from the chunk's main function.
    pub path: Vec<u32>,
}

/// Everything in a VM.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Body {
    /// Chunks referenced by functions.
    pub chunks: Vec<SChunk>,
    /// Functions referenced by closures.
    pub protos: Vec<SProto>,
    /// Heap objects.
    pub objects: Vec<SObj>,
    /// Global table object.
    pub globals: u32,
    /// Registry table object.
    pub registry: u32,
    /// Main thread object.
    pub main: u32,
    /// Running chain (thread objects), main first.
    pub running: Vec<u32>,
    /// Per-type metatables: string, number, boolean, nil, function, thread.
    pub metas: [Option<u32>; 6],
    /// Hash key.
    pub hash_key: u64,
    /// Next object id.
    pub next_id: u64,
    /// `math.random` state.
    pub rng: [u64; 4],
    /// Whether the main coroutine may yield to the host.
    pub main_yieldable: bool,
    /// Fuel consumed so far.
    pub fuel_used: u64,
    /// Ids of the upvalue objects that have one (`debug.upvalueid`): (object, id).
    #[serde(default)]
    pub upvalue_ids: Vec<(u32, u64)>,
}
