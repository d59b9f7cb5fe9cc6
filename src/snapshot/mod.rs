//! Snapshots: save a whole VM at any step boundary, restore it anywhere.
//!
//! # Design
//! Because every suspended computation is data (frames, continuations, upvalues), saving is a
//! walk of the heap from the roots ([`save`]) that writes each object once, straight into
//! MessagePack, into a flat list with references by index ([`format`]). Natives are saved by their registered stable name,
//! userdata by registered type name, code by chunk id plus (optionally) source: bytecode is
//! never stored, it is recompiled on restore and its id checked. Restoring ([`restore`])
//! validates everything before the VM can run; an untrusted snapshot can at worst produce an
//! `Err`.
//!
//! Guarantees: `save(restore(save(vm))) == save(vm)` byte for byte, and a restored VM continues
//! with the same output and fuel consumption as the original.
//!
//! In-memory images ([`image`]) are forked lazily ([`lazy`]): a fork shares the image's
//! decoded objects and makes each in its own heap when it first reaches it.

pub mod format;
mod image;
mod lazy;
mod mpack;
mod restore;
mod save;

use std::collections::HashMap;
use std::sync::Arc;

use crate::vm::chunk::{chunk_id_of, Chunk, ChunkId, COMPILER_VERSION};
use crate::vm::native::NativeDef;
use crate::vm::state::Ctx;
use format::{Header, FORMAT_VERSION, MAGIC};

pub use image::{build as build_image, decode as decode_image, Decoded};
pub use lazy::{fork as fork_lazy, LazyImage};
pub use restore::{build, object_offsets, parse, Tail};
pub use save::save_body;

/// Why a snapshot could not be saved or restored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotError {
    /// A native function has no registered name (it cannot be found again on restore).
    UnregisteredNative(String),
    /// A userdata type is not registered.
    UnregisteredUserdata(String),
    /// A userdata type was registered without a way to save its values.
    UnsavableUserdata(String),
    /// The VM holds an open file (standalone `io`): a host resource, which no snapshot can
    /// carry to another process. Closing it (or letting it be collected) makes the VM
    /// saveable again. The string is the name the file was opened with.
    OpenFile(String),
    /// The bytes are not a telelua snapshot.
    NotASnapshot,
    /// Written by an incompatible version.
    Version {
        /// Format version in the snapshot.
        found_format: u32,
        /// Compiler version in the snapshot.
        found_compiler: String,
        /// Our format version.
        expected_format: u32,
        /// Our compiler version.
        expected_compiler: String,
    },
    /// A chunk's source is missing and the chunk store does not have it.
    MissingChunk(String),
    /// A chunk does not compile or does not match its id.
    BadChunk(String),
    /// Malformed or inconsistent content.
    Invalid(String),
}

impl std::fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SnapshotError::UnregisteredNative(n) => write!(f, "cannot snapshot unregistered native function '{n}'"),
            SnapshotError::UnregisteredUserdata(n) => write!(f, "cannot snapshot unregistered userdata type '{n}'"),
            SnapshotError::UnsavableUserdata(n) => write!(f, "userdata type '{n}' was registered without serde: its values cannot be saved"),
            SnapshotError::OpenFile(n) => write!(f, "cannot save a VM holding an open file ('{n}'): open files are host resources; close it first"),
            SnapshotError::NotASnapshot => write!(f, "not a telelua snapshot"),
            SnapshotError::Version {
                found_format,
                found_compiler,
                expected_format,
                expected_compiler,
            } => write!(
                f,
                "snapshot version mismatch: snapshot has format {found_format} / compiler '{found_compiler}', \
                 this VM reads format {expected_format} / compiler '{expected_compiler}'"
            ),
            SnapshotError::MissingChunk(n) => write!(f, "snapshot chunk '{n}' has no source and is not in the chunk store"),
            SnapshotError::BadChunk(m) => write!(f, "snapshot chunk rejected: {m}"),
            SnapshotError::Invalid(m) => write!(f, "invalid snapshot: {m}"),
        }
    }
}

impl std::error::Error for SnapshotError {}

/// What a snapshot may refer to by name: natives and userdata types. Restoring into a VM whose
/// registry lacks a name fails with an error naming it.
///
/// Cloning is cheap (the maps are shared until one clone adds a name), so every VM and fork
/// can carry its own registry.
#[derive(Clone, Default)]
pub struct Registry {
    natives: Arc<hashbrown::HashMap<&'static [u8], &'static NativeDef>>,
    userdata: Arc<hashbrown::HashMap<String, &'static str>>,
    codecs: Arc<hashbrown::HashMap<&'static str, Arc<UserdataCodec>>>,
}

/// Saves a host userdata value (see [`UserdataCodec`]).
pub type UserdataSave = fn(&std::cell::RefCell<dyn std::any::Any>) -> Result<Vec<u8>, String>;
/// Restores a host userdata value (see [`UserdataCodec`]).
pub type UserdataLoad =
    fn(&[u8]) -> Result<std::rc::Rc<std::cell::RefCell<dyn std::any::Any>>, String>;

/// How values of a host userdata type are saved and restored (registered by the embedding
/// API for each `UserData` type).
pub struct UserdataCodec {
    /// The type name.
    pub name: &'static str,
    /// The bytes each value is charged (the Rust type's size).
    pub size: usize,
    /// Writes a value (`None`: the type cannot be saved).
    pub save: Option<UserdataSave>,
    /// Reads a value back.
    pub load: Option<UserdataLoad>,
}

/// A `'static` copy of a type or native name, made once per distinct name in the process
/// (registered names are few and live as long as the program).
pub fn intern_name(name: &str) -> &'static str {
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<hashbrown::HashSet<&'static str>>> = OnceLock::new();
    let mut names = match NAMES.get_or_init(Default::default).lock() {
        Ok(n) => n,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(n) = names.get(name) {
        return n;
    }
    let n: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.insert(n);
    n
}

/// Makes a restored userdata: a host value through its type's codec, or library bytes.
pub(crate) fn restored_userdata<'gc>(
    mc: &gc_arena::Mutation<'gc>,
    codec: Option<&Arc<UserdataCodec>>,
    name: &'static str,
    payload: &[u8],
    id: u64,
) -> Result<crate::vm::userdata::Userdata<'gc>, SnapshotError> {
    use crate::vm::userdata::Userdata;
    match codec {
        Some(c) => {
            let load = c
                .load
                .ok_or_else(|| SnapshotError::UnsavableUserdata(name.to_string()))?;
            let value = load(payload)
                .map_err(|e| SnapshotError::Invalid(format!("userdata '{name}': {e}")))?;
            Ok(Userdata::new_host_with_id(
                mc, name, value, c.size, None, id,
            ))
        }
        None => Ok(Userdata::new(mc, name, payload.to_vec(), None, id)),
    }
}

impl Registry {
    /// The standard library's natives.
    pub fn standard() -> Registry {
        static STANDARD: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();
        STANDARD
            .get_or_init(|| {
                let mut r = Registry::default();
                for def in crate::stdlib::all_natives() {
                    r.add_native(def);
                }
                for name in crate::stdlib::all_userdata_types() {
                    r.add_userdata(name);
                }
                r
            })
            .clone()
    }

    /// Registers a native under its stable name.
    pub fn add_native(&mut self, def: &'static NativeDef) {
        // Registries are shared between VMs (forks of one image): registering what is already
        // there must not copy the map (a scheduler registers its natives on every spawn).
        if self
            .natives
            .get(def.name.as_bytes())
            .is_some_and(|d| std::ptr::eq(*d, def))
        {
            return;
        }
        Arc::make_mut(&mut self.natives).insert(def.name.as_bytes(), def);
    }

    /// Registers a userdata type name.
    pub fn add_userdata(&mut self, name: &'static str) {
        if self
            .userdata
            .get(name)
            .is_some_and(|n| std::ptr::eq(*n, name))
        {
            return;
        }
        Arc::make_mut(&mut self.userdata).insert(name.to_string(), name);
    }

    /// Whether a native name is known.
    pub fn has_native(&self, name: &str) -> bool {
        self.natives.contains_key(name.as_bytes())
    }

    /// The native registered under `name`.
    pub fn native(&self, name: &str) -> Option<&'static NativeDef> {
        self.native_bytes(name.as_bytes())
    }

    /// The native registered under `name` (as bytes, as a snapshot spells it).
    pub fn native_bytes(&self, name: &[u8]) -> Option<&'static NativeDef> {
        self.natives.get(name).copied()
    }

    /// Registers a host userdata type with its codec.
    pub fn add_userdata_codec(&mut self, codec: Arc<UserdataCodec>) {
        self.add_userdata(codec.name);
        if self
            .codecs
            .get(codec.name)
            .is_some_and(|c| Arc::ptr_eq(c, &codec))
        {
            return;
        }
        Arc::make_mut(&mut self.codecs).insert(codec.name, codec);
    }

    /// The codec of a host userdata type.
    pub fn userdata_codec(&self, name: &str) -> Option<&Arc<UserdataCodec>> {
        self.codecs.get(name)
    }

    /// Whether a userdata type is known.
    pub fn has_userdata(&self, name: &str) -> bool {
        self.userdata.contains_key(name)
    }

    /// The registered (static) spelling of a userdata type name.
    pub fn userdata_name(&self, name: &str) -> Option<&'static str> {
        self.userdata.get(name).copied()
    }
}

/// Options for saving.
#[derive(Clone, Debug)]
pub struct SaveOptions {
    /// Include chunk sources (default). Without them the restorer must supply a chunk store.
    pub include_sources: bool,
}

impl Default for SaveOptions {
    fn default() -> Self {
        SaveOptions {
            include_sources: true,
        }
    }
}

/// Where restore finds code whose source is not in the snapshot (or compiled code to share).
pub trait ChunkStore {
    /// The chunk with this id, if the store has it.
    fn get(&self, id: &ChunkId) -> Option<Arc<Chunk>>;
}

/// A chunk store backed by a map.
#[derive(Default, Clone)]
pub struct MapChunkStore(pub HashMap<ChunkId, Arc<Chunk>>);

impl ChunkStore for MapChunkStore {
    fn get(&self, id: &ChunkId) -> Option<Arc<Chunk>> {
        self.0.get(id).cloned()
    }
}

/// Serializes the VM behind `ctx` (run inside `Arena::mutate`).
pub fn save_to_bytes<'gc>(
    ctx: Ctx<'gc>,
    registry: &Registry,
    opts: &SaveOptions,
    fuel_used: u64,
) -> Result<Vec<u8>, SnapshotError> {
    let out = header_bytes()?;
    save_body(ctx, registry, opts.include_sources, fuel_used, out).map(|(b, _)| b)
}

/// The header every snapshot starts with.
pub fn header_bytes() -> Result<Vec<u8>, SnapshotError> {
    let header = Header {
        magic: MAGIC.to_string(),
        format: FORMAT_VERSION,
        compiler: COMPILER_VERSION.to_string(),
    };
    rmp_serde::to_vec(&header).map_err(|e| SnapshotError::Invalid(e.to_string()))
}

/// Checks the header; returns the body and its parsed tail.
pub fn decode(bytes: &[u8]) -> Result<(&[u8], Tail), SnapshotError> {
    let mut de = rmp_serde::Deserializer::new(bytes);
    let header: Header =
        serde::Deserialize::deserialize(&mut de).map_err(|_| SnapshotError::NotASnapshot)?;
    if header.magic != MAGIC {
        return Err(SnapshotError::NotASnapshot);
    }
    if header.format != FORMAT_VERSION || header.compiler != COMPILER_VERSION {
        return Err(SnapshotError::Version {
            found_format: header.format,
            found_compiler: header.compiler,
            expected_format: FORMAT_VERSION,
            expected_compiler: COMPILER_VERSION.to_string(),
        });
    }
    let body: &[u8] = de.get_ref();
    let tail = parse(body)?;
    Ok((body, tail))
}

/// Chunks compiled in this process, by id, while something still uses them: restoring a
/// snapshot whose source is in memory already (a rollback, a restore next to the VM that was
/// saved) shares the compiled code instead of recompiling it. An id is a SHA-256 of
/// (compiler version, name, source), checked against the snapshot's source before the cache is
/// consulted, so a hit is the chunk that compiling the source would give.
pub(crate) mod compiled {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, Weak};

    use crate::vm::chunk::{Chunk, ChunkId};

    static CACHE: Mutex<Option<HashMap<ChunkId, Weak<Chunk>>>> = Mutex::new(None);

    /// The live compiled chunk with this id, if any.
    pub fn get(id: &ChunkId) -> Option<Arc<Chunk>> {
        let cache = CACHE.lock().ok()?;
        cache.as_ref()?.get(id)?.upgrade()
    }

    /// Records a compiled chunk (dropping entries whose chunks are gone when the map grows).
    pub fn remember(chunk: &Arc<Chunk>) {
        let Ok(mut cache) = CACHE.lock() else {
            return;
        };
        let map = cache.get_or_insert_with(HashMap::new);
        if map.len() >= 64 && map.len().is_power_of_two() {
            map.retain(|_, w| w.strong_count() > 0);
        }
        map.insert(chunk.id, Arc::downgrade(chunk));
    }
}

/// Recompiles (or fetches) every chunk of a body and checks ids.
pub fn load_chunks(
    body: &[u8],
    tail: &Tail,
    store: Option<&dyn ChunkStore>,
) -> Result<Vec<Arc<Chunk>>, SnapshotError> {
    let get = |r: &std::ops::Range<usize>| {
        body.get(r.clone())
            .ok_or_else(|| SnapshotError::Invalid("chunk out of range".into()))
    };
    let mut out = Vec::with_capacity(tail.chunks.len());
    for c in &tail.chunks {
        let id: ChunkId = get(&c.id)?
            .try_into()
            .map_err(|_| SnapshotError::Invalid("bad chunk id".into()))?;
        let cname = get(&c.name)?;
        let name = String::from_utf8_lossy(cname).into_owned();
        let from_store = store.and_then(|s| s.get(&id));
        let source = c.source.as_ref().map(get).transpose()?;
        let chunk = match (from_store, source) {
            (Some(ch), _) => ch,
            (None, Some(src)) => {
                if chunk_id_of(cname, src, c.stripped) != id {
                    return Err(SnapshotError::BadChunk(format!(
                        "'{name}': source does not match its id"
                    )));
                }
                match compiled::get(&id) {
                    Some(ch) => ch,
                    None => {
                        let ch = Chunk::compile_as(src, cname, c.stripped)
                            .map_err(|e| SnapshotError::BadChunk(e.message))?;
                        compiled::remember(&ch);
                        ch
                    }
                }
            }
            (None, None) => return Err(SnapshotError::MissingChunk(name)),
        };
        if chunk.id != id || *chunk.name != *cname {
            return Err(SnapshotError::BadChunk(format!(
                "'{name}': chunk store returned a different chunk"
            )));
        }
        out.push(chunk);
    }
    Ok(out)
}
