//! Lua strings: immutable byte strings on the GC heap, with their hash computed once.
//!
//! Strings are not interned: equality is pointer equality or (same hash and same bytes). The
//! hash is keyed by the VM's hash key (part of VM state) so an attacker cannot precompute
//! colliding table keys; it never influences iteration order, which is insertion order.
//!
//! Like Lua's long strings, a string longer than [`EAGER_HASH_LEN`] is hashed only when it is
//! first used as a table key: building a string of many megabytes (`string.rep`, `..`,
//! `table.concat`) then costs no extra pass over it in the step that finishes it.

use std::hash::BuildHasher;

use gc_arena::{Collect, Gc, Mutation};

/// The payload of a string object.
#[derive(Collect)]
#[collect(require_static)]
pub struct StrData {
    /// The keyed hash; 0 while a long string has not been hashed yet.
    hash: std::cell::Cell<u64>,
    /// Deterministic object id of a long string for `%p` (0: not assigned yet).
    id: std::cell::Cell<u64>,
    bytes: Bytes,
}

/// Longest string stored inside its object (no second allocation).
const INLINE: usize = 22;

// An inline string costs 8 bytes over a boxed slice: the object stays at 40 bytes.
const _: () = assert!(std::mem::size_of::<StrData>() == 40);

/// A string's bytes: short ones inline (the object then fits the same allocator size class
/// as with a boxed slice, and creating it takes one allocation instead of two).
enum Bytes {
    Inline { len: u8, data: [u8; INLINE] },
    Heap(Box<[u8]>),
}

impl Bytes {
    #[inline]
    fn new(b: &[u8]) -> Bytes {
        if b.len() <= INLINE {
            let mut data = [0u8; INLINE];
            if let Some(d) = data.get_mut(..b.len()) {
                d.copy_from_slice(b);
            }
            Bytes::Inline {
                len: b.len() as u8,
                data,
            }
        } else {
            Bytes::Heap(b.into())
        }
    }

    #[inline(always)]
    fn get(&self) -> &[u8] {
        match self {
            Bytes::Inline { len, data } => data.get(..*len as usize).unwrap_or(&[]),
            Bytes::Heap(b) => b,
        }
    }
}

/// A Lua string handle (a `Gc` pointer: `Copy`, 8 bytes).
#[derive(Copy, Clone, Collect)]
#[collect(no_drop)]
pub struct LuaStr<'gc>(pub Gc<'gc, StrData>);

/// Strings up to this length are hashed when created, longer ones on first use as a key.
pub const EAGER_HASH_LEN: usize = 40;

/// The hash a string is created with (0: computed later, see the module docs).
#[inline]
fn initial_hash(key: u64, bytes: &[u8]) -> std::cell::Cell<u64> {
    std::cell::Cell::new(if bytes.len() <= EAGER_HASH_LEN {
        hash_bytes(key, bytes)
    } else {
        0
    })
}

/// The hash a string of `bytes` is created with under `key` (0: hashed on first use as a key).
#[inline]
pub fn creation_hash(key: u64, bytes: &[u8]) -> u64 {
    initial_hash(key, bytes).get()
}

/// Hashes bytes with the VM's key.
#[inline]
pub fn hash_bytes(key: u64, bytes: &[u8]) -> u64 {
    foldhash::fast::FixedState::with_seed(key).hash_one(bytes)
}

impl StrData {
    /// Accounted size of a string of `len` bytes (see `memory`).
    pub fn charge_for(len: usize) -> usize {
        super::memory::OBJECT_HEADER + std::mem::size_of::<StrData>() + len
    }
}

impl Drop for StrData {
    fn drop(&mut self) {
        super::memory::release(StrData::charge_for(self.bytes.get().len()));
    }
}

impl<'gc> LuaStr<'gc> {
    /// Allocates a string. `key` is the VM's hash key (see `State::hash_key`).
    pub fn new(mc: &Mutation<'gc>, key: u64, bytes: &[u8]) -> LuaStr<'gc> {
        super::memory::charge(StrData::charge_for(bytes.len()));
        LuaStr(Gc::new(
            mc,
            StrData {
                hash: initial_hash(key, bytes),
                id: std::cell::Cell::new(0),
                bytes: Bytes::new(bytes),
            },
        ))
    }

    /// Allocates a string whose creation hash is known ([`creation_hash`] under the VM's key):
    /// forks of an image create its strings without hashing them again.
    pub fn with_hash(mc: &Mutation<'gc>, hash: u64, bytes: &[u8]) -> LuaStr<'gc> {
        super::memory::charge(StrData::charge_for(bytes.len()));
        LuaStr(Gc::new(
            mc,
            StrData {
                hash: std::cell::Cell::new(hash),
                id: std::cell::Cell::new(0),
                bytes: Bytes::new(bytes),
            },
        ))
    }

    /// Allocates a string from an owned buffer without copying it.
    pub fn from_vec(mc: &Mutation<'gc>, key: u64, bytes: Vec<u8>) -> LuaStr<'gc> {
        super::memory::charge(StrData::charge_for(bytes.len()));
        LuaStr(Gc::new(
            mc,
            StrData {
                hash: initial_hash(key, &bytes),
                id: std::cell::Cell::new(0),
                bytes: if bytes.len() <= INLINE {
                    Bytes::new(&bytes)
                } else {
                    Bytes::Heap(bytes.into_boxed_slice())
                },
            },
        ))
    }

    /// The bytes.
    #[inline(always)]
    pub fn as_bytes(self) -> &'gc [u8] {
        Gc::as_ref(self.0).bytes.get()
    }

    /// Length in bytes.
    #[inline(always)]
    pub fn len(self) -> usize {
        self.0.bytes.get().len()
    }

    /// Whether the string is empty.
    pub fn is_empty(self) -> bool {
        self.0.bytes.get().is_empty()
    }

    /// The keyed hash (`key` is the VM's hash key, the one the string was created with),
    /// computed now for a long string that was never hashed.
    #[inline(always)]
    pub fn hash(self, key: u64) -> u64 {
        let h = self.0.hash.get();
        if h != 0 {
            return h;
        }
        self.hash_now(key)
    }

    /// The hash if computed, else 0 (a long string never used as a key; see
    /// [`LuaStr::hash`]).
    #[inline(always)]
    pub fn cached_hash(self) -> u64 {
        self.0.hash.get()
    }

    #[cold]
    fn hash_now(self, key: u64) -> u64 {
        // 0 means "not computed": a real hash of 0 is stored as 1.
        let h = hash_bytes(key, self.0.bytes.get()).max(1);
        self.0.hash.set(h);
        h
    }

    /// The object id cell of this string (see `convert::object_id`): long strings get a
    /// fresh id on first use, kept in snapshots.
    pub fn id(self) -> &'gc std::cell::Cell<u64> {
        &Gc::as_ref(self.0).id
    }

    /// Lossy UTF-8 view, for messages.
    pub fn to_str_lossy(self) -> std::borrow::Cow<'gc, str> {
        String::from_utf8_lossy(self.as_bytes())
    }
}

impl<'gc> PartialEq for LuaStr<'gc> {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        if Gc::ptr_eq(self.0, other.0) {
            return true;
        }
        let (a, b) = (self.0.hash.get(), other.0.hash.get());
        if a != 0 && b != 0 && a != b {
            return false;
        }
        if let (Bytes::Inline { len: la, data: da }, Bytes::Inline { len: lb, data: db }) =
            (&self.0.bytes, &other.0.bytes)
        {
            // Short strings (every table key a program names): fixed-size compares instead
            // of a `memcmp` call. The bytes past `len` are zero (see `Bytes::new`).
            return la == lb && da == db;
        }
        self.0.bytes.get() == other.0.bytes.get()
    }
}

impl<'gc> LuaStr<'gc> {
    /// Whether `self == other` is known without a call: the same object, or two short strings
    /// with equal hashes and bytes. `false` means "unequal, or long strings to compare": the
    /// callers (table lookups at a position hint) then take their general path, so their
    /// common case calls nothing and saves no registers.
    #[inline(always)]
    pub fn surely_eq(self, other: Self) -> bool {
        if Gc::ptr_eq(self.0, other.0) {
            return true;
        }
        if self.0.hash.get() != other.0.hash.get() {
            return false;
        }
        match (&self.0.bytes, &other.0.bytes) {
            (Bytes::Inline { len: la, data: da }, Bytes::Inline { len: lb, data: db }) => {
                la == lb && da == db
            }
            _ => false,
        }
    }
}

impl<'gc> Eq for LuaStr<'gc> {}

impl<'gc> std::fmt::Debug for LuaStr<'gc> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.to_str_lossy())
    }
}
