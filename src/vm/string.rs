//! Lua strings: immutable byte strings on the GC heap, with their hash computed once.
//!
//! Strings are not interned: equality is pointer equality or (same hash and same bytes). The
//! hash is keyed by the VM's hash key (part of VM state) so an attacker cannot precompute
//! colliding table keys; it never influences iteration order, which is insertion order.

use std::hash::BuildHasher;

use gc_arena::{Collect, Gc, Mutation};

/// The payload of a string object.
#[derive(Collect)]
#[collect(require_static)]
pub struct StrData {
    hash: u64,
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
                hash: hash_bytes(key, bytes),
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
                hash: hash_bytes(key, &bytes),
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

    /// The precomputed keyed hash.
    #[inline(always)]
    pub fn hash(self) -> u64 {
        self.0.hash
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
        Gc::ptr_eq(self.0, other.0)
            || (self.0.hash == other.0.hash && self.0.bytes.get() == other.0.bytes.get())
    }
}

impl<'gc> Eq for LuaStr<'gc> {}

impl<'gc> std::fmt::Debug for LuaStr<'gc> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.to_str_lossy())
    }
}
