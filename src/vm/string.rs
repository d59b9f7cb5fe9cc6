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
    bytes: Box<[u8]>,
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
        super::memory::release(StrData::charge_for(self.bytes.len()));
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
                bytes: bytes.into(),
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
                bytes: bytes.into_boxed_slice(),
            },
        ))
    }

    /// The bytes.
    #[inline(always)]
    pub fn as_bytes(self) -> &'gc [u8] {
        &Gc::as_ref(self.0).bytes
    }

    /// Length in bytes.
    #[inline(always)]
    pub fn len(self) -> usize {
        self.0.bytes.len()
    }

    /// Whether the string is empty.
    pub fn is_empty(self) -> bool {
        self.0.bytes.is_empty()
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
            || (self.0.hash == other.0.hash && self.0.bytes == other.0.bytes)
    }
}

impl<'gc> Eq for LuaStr<'gc> {}

impl<'gc> std::fmt::Debug for LuaStr<'gc> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.to_str_lossy())
    }
}
