//! The compact parts of a table record (see `table`'s module docs): the sizes and flags packed
//! in eight bytes, whose drop releases the table's charge, and the rarely used state kept
//! apart in an optional box (the hash part's index, a lazy fork's pending contents, a weak
//! table's parked contents, the object id), so that a small table is one `TableData` of 64
//! bytes and its parts. A child module of `table`, so it reads `TableData`'s private fields.

use gc_arena::{lock::RefLock, Collect};
use hashbrown::HashTable;

use super::weak::Parked;
use super::{key_hash_with, TableData, Value};
use crate::vm::string::LuaStr;

/// Hash parts of at most this many nodes have no index: a key is found by comparing it with
/// each entry in order (one allocation less for every small object; keys compare by their
/// cached hashes first).
pub(super) const SMALL_NODES: usize = 8;
/// `Sizes::hash_log` of `SMALL_NODES`.
const SMALL_LOG: u8 = SMALL_NODES.trailing_zeros() as u8 + 1;

/// Largest array part size a table can have (more is "not enough memory").
pub(super) const MAX_ASIZE: usize = u32::MAX as usize;

/// Largest node part capacity (a power of two).
const MAX_HASH_CAP: usize = 1 << 31;

/// Flag: the table is in the collector's list of weak tables.
pub(super) const GC_REGISTERED_WEAK: u8 = 1;
/// Flag: the table is marked for finalization (in the collector's `finobj` list).
pub(super) const GC_FINALIZE: u8 = 2;
/// Flag: the contents are still in a lazy fork's image (`Extra::pending` is set).
pub(super) const GC_PENDING: u8 = 4;

/// A table's sizes and flags. The table's memory charge is a function of the sizes
/// (`TableData::charge_for`), charged as they change and released when this is dropped (by
/// the collector's sweep, inside an entered section; see `memory`).
#[derive(Debug)]
pub(super) struct Sizes {
    /// The array part's size in Lua's sense (keys `1..=asize`).
    asize: u32,
    /// The emulated node-part capacity: 0 for none, else `1 << (hash_log - 1)`.
    pub hash_log: u8,
    /// Weak mode (`gc::WEAK_KEYS | gc::WEAK_VALUES`), set by `setmetatable` (see `vm::gc`).
    pub weak: u8,
    /// `GC_*` flags.
    pub gc_flags: u8,
    /// Metamethod names known absent from the table (a bit per cached name, see `table_tm`).
    /// A cache: set by lookups that miss, reset by any store that may add a key; never
    /// saved (a restored table starts with it empty).
    pub tm_absent: std::cell::Cell<u8>,
}

impl Sizes {
    /// Sizes for a new table, charged now (`asize <= MAX_ASIZE`, `hash_cap` a power of two
    /// or 0, both clamped).
    pub fn new(asize: usize, hash_cap: usize) -> Sizes {
        let s = Sizes {
            asize: asize.min(MAX_ASIZE) as u32,
            hash_log: log_of(hash_cap),
            weak: 0,
            gc_flags: 0,
            tm_absent: std::cell::Cell::new(0),
        };
        super::super::memory::charge(s.bytes());
        s
    }

    #[inline(always)]
    pub fn asize(&self) -> usize {
        self.asize as usize
    }

    #[inline(always)]
    pub fn hash_cap(&self) -> usize {
        match self.hash_log {
            0 => 0,
            l => 1usize << (l - 1),
        }
    }

    /// The bytes charged for these sizes.
    pub fn bytes(&self) -> usize {
        TableData::charge_for(self.asize(), self.hash_cap())
    }

    /// Sets the sizes (clamped as in [`Sizes::new`]), charging or releasing the difference.
    pub fn set(&mut self, asize: usize, hash_cap: usize) {
        let old = self.bytes();
        self.asize = asize.min(MAX_ASIZE) as u32;
        self.hash_log = log_of(hash_cap);
        let new = self.bytes();
        if new > old {
            super::super::memory::charge(new - old);
        } else {
            super::super::memory::release(old - new);
        }
    }
}

impl Drop for Sizes {
    fn drop(&mut self) {
        super::super::memory::release(self.bytes());
    }
}

/// `hash_log` of a capacity (0, or a power of two up to `MAX_HASH_CAP`; others round up).
fn log_of(cap: usize) -> u8 {
    if cap == 0 {
        0
    } else {
        let cap = cap.min(MAX_HASH_CAP).next_power_of_two();
        (cap.trailing_zeros() + 1) as u8
    }
}

/// The emulated node-part capacity for `hash` entries: 0, or the next power of two (Lua's
/// node part sizes; saturating at the largest capacity a table can have).
pub(super) fn node_capacity(hash: usize) -> usize {
    if hash == 0 {
        0
    } else {
        hash.min(MAX_HASH_CAP).next_power_of_two()
    }
}

/// What few tables need, boxed apart (`TableData::extra`; not charged: the model counts the
/// index in `NODE_BYTES` and a big array part's chunks in `VALUE_BYTES` a slot, as a flat
/// one, and the other parts are transient or a lazy fork's).
#[derive(Default, Collect)]
#[collect(no_drop)]
pub(super) struct Extra<'gc> {
    /// The positions index of a hash part of more than `SMALL_NODES` nodes (else empty).
    #[collect(require_static)]
    pub index: HashTable<u32>,
    /// Set while the contents are still in a lazy fork's image (see `vm::lazy`): the parts
    /// are then empty and must not be read.
    pub pending: Option<super::super::lazy::Pending<'gc>>,
    /// Reads answered from the image while pending (a table read this often is copied).
    #[collect(require_static)]
    pub pending_reads: std::cell::Cell<u32>,
    /// Where `next` last found an entry: a traversal's next step is asked for that entry's
    /// key, found here by one comparison instead of a search of the index. A cache (keys are
    /// unique in `entries`, so a hit is the key's position; anything else searches): never
    /// saved, never charged, and it changes nothing `next` returns or charges.
    #[collect(require_static)]
    pub next_hint: std::cell::Cell<u32>,
    /// The last string keys read through the image while pending, with their values.
    pub pending_cache: Option<Box<PendingCache<'gc>>>,
    /// The contents while a collection cycle has them parked (see `vm::gc`): `array` and
    /// `entries` are then empty. Never set outside the collector's atomic section. (Boxed:
    /// only weak tables park, and only during a cycle; inline it made every extra box, a
    /// lazy fork's three pending root tables' included, 40 bytes larger.)
    pub parked: Option<Box<Parked<'gc>>>,
    /// The array part's slots beyond the flat prefix (see `table_chunks`).
    pub chunks: Option<super::chunks::ChunkList<'gc>>,
    /// The deterministic object id for `tostring` and `%p` (0: not assigned yet; few tables
    /// are given one).
    #[collect(require_static)]
    pub id: u64,
}

/// How many keys [`PendingCache`] keeps.
const PENDING_CACHE: usize = 4;

/// String keys read through a lazy fork's image while a table is pending, with the values
/// the image gave (see `Table::get_pending`): an agent reads the same few globals (`receive`,
/// `send`) on every turn, and a read through the image compares the key's bytes with the
/// image's. Keys match by identity (a function's constant is the same string every time);
/// any other key is read through the image. Sound because a pending table cannot change
/// (a write fills it first, which drops this) and the image makes each object once.
#[derive(Default, Collect)]
#[collect(no_drop)]
pub(super) struct PendingCache<'gc> {
    entries: [Option<(LuaStr<'gc>, Value<'gc>)>; PENDING_CACHE],
    /// The entry replaced next.
    #[collect(require_static)]
    next: u8,
}

impl<'gc> Extra<'gc> {
    fn is_empty(&self) -> bool {
        self.index.capacity() == 0
            && self.pending.is_none()
            && self.pending_cache.is_none()
            && self.parked.is_none()
            && self.chunks.is_none()
            && self.id == 0
    }
}

impl<'gc> TableData<'gc> {
    /// Whether the hash part has an index (else it is searched in order).
    #[inline(always)]
    pub(super) fn indexed(&self) -> bool {
        self.sizes.hash_log > SMALL_LOG
    }

    /// The extra box, made if needed.
    pub(super) fn extra_mut(&mut self) -> &mut Extra<'gc> {
        self.extra.get_or_insert_with(Default::default)
    }

    /// Drops the extra box when nothing is left in it.
    pub(super) fn trim_extra(&mut self) {
        if self.extra.as_ref().is_some_and(|e| e.is_empty()) {
            self.extra = None;
        }
    }

    /// The lazy fork's pending contents, if any.
    #[inline]
    pub(super) fn pending(&self) -> Option<super::super::lazy::Pending<'gc>> {
        if self.sizes.gc_flags & GC_PENDING == 0 {
            return None;
        }
        self.extra.as_ref().and_then(|e| e.pending)
    }

    /// The value cached for `key` by [`TableData::cache_pending`], if any.
    #[inline]
    pub(super) fn pending_cached(&self, key: LuaStr<'gc>) -> Option<Value<'gc>> {
        let c = self.extra.as_ref()?.pending_cache.as_ref()?;
        c.entries
            .iter()
            .flatten()
            .find(|(k, _)| gc_arena::Gc::ptr_eq(k.0, key.0))
            .map(|&(_, v)| v)
    }

    /// Remembers `v` as the value of `key` read through the image (while pending only).
    pub(super) fn cache_pending(&mut self, key: LuaStr<'gc>, v: Value<'gc>) {
        if !self.is_pending() {
            return;
        }
        let c = self
            .extra_mut()
            .pending_cache
            .get_or_insert_with(Default::default);
        if let Some(slot) = c.entries.get_mut(c.next as usize % PENDING_CACHE) {
            *slot = Some((key, v));
        }
        c.next = c.next.wrapping_add(1);
    }

    /// The deterministic object id (0: not assigned yet).
    #[inline]
    pub fn id(&self) -> u64 {
        self.extra.as_ref().map_or(0, |e| e.id)
    }

    /// Sets the deterministic object id (kept in the extra box, made for it if needed).
    pub(super) fn set_id(&mut self, id: u64) {
        if id != 0 {
            self.extra_mut().id = id;
        } else if let Some(e) = &mut self.extra {
            e.id = 0;
            self.trim_extra();
        }
    }

    /// The parked contents, if any.
    pub(super) fn parked(&self) -> Option<&Parked<'gc>> {
        self.extra.as_ref().and_then(|e| e.parked.as_deref())
    }

    /// Whether the contents are still in a lazy fork's image.
    #[inline(always)]
    pub(super) fn is_pending(&self) -> bool {
        self.sizes.gc_flags & GC_PENDING != 0
    }

    /// Sets or clears the pending contents.
    pub(super) fn set_pending(&mut self, pending: Option<super::super::lazy::Pending<'gc>>) {
        if pending.is_some() {
            self.sizes.gc_flags |= GC_PENDING;
            self.extra_mut().pending = pending;
        } else {
            self.sizes.gc_flags &= !GC_PENDING;
            if let Some(e) = &mut self.extra {
                e.pending = None;
                e.pending_cache = None;
            }
            self.trim_extra();
        }
    }

    /// Finds the position of the entry for which `eq` holds, whose key has hash `h`
    /// (computed only for an indexed part).
    #[inline(always)]
    pub(super) fn find_pos(
        &self,
        h: impl FnOnce() -> u64,
        eq: impl Fn(&(Value<'gc>, Value<'gc>)) -> bool,
    ) -> Option<usize> {
        let entries = &self.entries;
        match self.extra.as_ref() {
            Some(e) if self.indexed() => e
                .index
                .find(h(), |&pos| entries.get(pos as usize).is_some_and(&eq))
                .map(|&p| p as usize),
            _ => entries.iter().position(eq),
        }
    }

    /// Records the entry at `pos` (just pushed) in the index, if the part has one.
    #[inline]
    pub(super) fn index_entry(&mut self, pos: usize) {
        if !self.indexed() {
            return;
        }
        let Some(&(key, _)) = self.entries.get(pos) else {
            return;
        };
        let seed = super::seed();
        let h = key_hash_with(seed, key);
        let extra = self.extra.get_or_insert_with(Default::default);
        let entries = &self.entries;
        extra.index.insert_unique(h, pos as u32, |&p| {
            entries
                .get(p as usize)
                .map_or(0, |e| key_hash_with(seed, e.0))
        });
    }

    /// Installs `index` (empty, with room for the part's capacity when it is indexed) as the
    /// index, dropping the old one.
    pub(super) fn set_index(&mut self, index: HashTable<u32>) {
        if self.indexed() {
            self.extra_mut().index = index;
        } else {
            if let Some(e) = &mut self.extra {
                e.index = HashTable::new();
            }
            self.trim_extra();
        }
    }

    /// Size of the record as charged: 96 bytes, so that with `memory::OBJECT_HEADER` an
    /// empty table counts 112 bytes. That was the allocation of the 80-byte record (the
    /// lock's flag, the allocator's chunk header); the record is 64 bytes now and takes 96,
    /// but the model is kept as it was so that counts, collector pacing and saved pacing
    /// counters (golden snapshots) do not change with it (re-model it together with them). (See the README's "Memory", known gap: the
    /// budget's retry path has a history dependence that some model sizes expose in
    /// `tests/gc.rs::the_budget_between_slices_acts_at_fixed_points`, main's too.)
    pub(super) const RECORD_BYTES: usize = 96;
}

// The record's size is part of the memory model (`TableData::charge_for`): keep it in view.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<TableData<'static>>() == 64);
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<RefLock<TableData<'static>>>() == 72);
