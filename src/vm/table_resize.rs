//! Rebuilding a table's parts: `resize` (constructors, `SetList`), Lua's `rehash` when a new
//! key finds the hash part full, and the restore of saved parts. A child module of `table`
//! (kept apart for its size), so it reads `TableData`'s private fields.

use gc_arena::Mutation;

use super::hindex::{self, HashIndex};
use super::parts::{self, node_capacity};
use super::{
    ceil_log2, chunks, compute_sizes, hchunks, key_hash_with, seed, KeyError, TableData, Value,
    MAX_ARRAY_BITS,
};

impl<'gc> TableData<'gc> {
    /// Resizes the array part to `n` slots (moving keys between parts as needed) and makes
    /// room for `hash_size` hash entries. Used by constructors and rehash.
    pub fn resize(&mut self, mc: &Mutation<'gc>, array_size: usize, hash_size: usize) {
        let cap = node_capacity(hash_size);
        let index = if cap > parts::SMALL_NODES {
            HashIndex::with_capacity(cap)
        } else {
            HashIndex::default()
        };
        let entries = Vec::with_capacity(cap.min(hchunks::HFLAT_MAX));
        self.resize_into(mc, array_size, hash_size, entries, index);
    }

    /// [`TableData::resize`] with the new hash part's buffers allocated beforehand (with
    /// room for `node_capacity(hash_size)` entries, at most the flat prefix's; beyond it,
    /// entries go in chunks allocated as they are added), so a caller can fail cleanly when
    /// the system refuses them.
    fn resize_into(
        &mut self,
        mc: &Mutation<'gc>,
        array_size: usize,
        hash_size: usize,
        entries: Vec<(Value<'gc>, Value<'gc>)>,
        index: HashIndex,
    ) {
        let old_entries = self.take_entries();
        // (Chunks exist only behind a full flat prefix.)
        let moved = if array_size < self.array.len() || self.array.len() == chunks::FLAT_MAX {
            self.truncate_array(mc, array_size)
        } else {
            Vec::new()
        };
        // Growing only changes the size: the stored prefix grows as keys are written. The
        // count of entries is the rehash's (every live one is kept), so the capacity holds
        // them.
        let live = old_entries.iter().chain(&moved).filter(|e| !e.1.is_nil());
        let hash_cap = node_capacity(hash_size).max(node_capacity(
            live.filter(|e| {
                !matches!(e.0, Value::Int(i)
                if ((i as u64).wrapping_sub(1)) < array_size.min(parts::MAX_ASIZE) as u64)
            })
            .count(),
        ));
        self.sizes.set(array_size, hash_cap);
        // The parts were checked against the memory budget (`resize_fits`), so the whole
        // capacity is reserved at once instead of doubling into it.
        self.entries = entries;
        self.set_index(index);
        for (k, v) in old_entries.into_iter().chain(moved) {
            if v.is_nil() {
                continue;
            }
            if let Value::Int(i) = k {
                let idx = (i as u64).wrapping_sub(1);
                if idx < self.sizes.asize() as u64 {
                    self.store_array(mc, idx as usize, v);
                    continue;
                }
            }
            self.push_entry(mc, k, v);
        }
    }

    /// Accounted size: header plus Lua's array and node parts (the model in `memory`).
    pub(super) fn charge_for(array: usize, hash_cap: usize) -> usize {
        use super::super::memory::{NODE_BYTES, OBJECT_HEADER, VALUE_BYTES};
        OBJECT_HEADER
            + Self::RECORD_BYTES
            + array.saturating_mul(VALUE_BYTES)
            + hash_cap.saturating_mul(NODE_BYTES)
    }

    /// Bytes a new table with room for `array` slots and `hash` entries is charged (for
    /// checks before creating one whose size a script controls).
    pub fn new_bytes(array: usize, hash: usize) -> usize {
        Self::charge_for(array, node_capacity(hash))
    }

    /// Bytes the table's parts would take after growing to `array` slots and `hash` nodes
    /// (for checks before a resize whose size a script controls).
    pub fn growth_bytes(&self, array: usize, hash: usize) -> usize {
        Self::charge_for(array, hash).saturating_sub(self.sizes.bytes())
    }

    /// Whether resizing to `array` slots and room for `hash` entries fits in the VM's memory
    /// budget. The new parts are allocated while the old ones still exist, so what must fit
    /// on top of the current count is the size of every part that is reallocated: the array
    /// when it grows, and the hash part (always rebuilt).
    pub(super) fn resize_fits(&self, array: usize, hash: usize) -> bool {
        use super::super::memory::{NODE_BYTES, VALUE_BYTES};
        let hash_cap = node_capacity(hash);
        // The stored prefix is not reallocated by a resize, but it may grow up to the new
        // size later: charge for it now.
        let array_bytes = if array > self.sizes.asize() {
            array.saturating_mul(VALUE_BYTES)
        } else {
            0
        };
        super::super::memory::fits(array_bytes.saturating_add(hash_cap.saturating_mul(NODE_BYTES)))
    }

    /// Lua's `rehash`: recompute the array size from the integer keys in use (plus `extra`).
    /// Fails, changing nothing, when the new parts would not fit in the memory budget.
    pub(super) fn rehash(
        &mut self,
        mc: &Mutation<'gc>,
        extra: Value<'gc>,
        check_memory: bool,
    ) -> Result<(), KeyError> {
        let mut nums = [0usize; MAX_ARRAY_BITS as usize + 1];
        let mut na = 0usize;
        let mut total = 0usize;
        let count = |k: i64, nums: &mut [usize], na: &mut usize| {
            if k >= 1 && (k as u64) <= (1u64 << MAX_ARRAY_BITS) {
                let b = ceil_log2(k as u64) as usize;
                nums[b] += 1;
                *na += 1;
            }
        };
        // The array part, a power-of-two slice at a time (Lua's `numusearray`): slice `lg`
        // holds the keys in (2^(lg-1), 2^lg], so no per-key logarithm is needed.
        let (mut lg, mut first) = (0usize, 0usize);
        let stored = self.array_stored();
        while first < stored && lg <= MAX_ARRAY_BITS as usize {
            let end = (1usize << lg).min(stored);
            let used = self.count_used(first, end);
            nums[lg] += used;
            na += used;
            total += used;
            first = end;
            lg += 1;
        }
        let mut live_entries = 0usize;
        self.each_entry_from(0, |_, (k, v)| {
            if !v.is_nil() {
                if let Value::Int(i) = k {
                    count(i, &mut nums, &mut na);
                }
                live_entries += 1;
            }
            true
        });
        total += live_entries;
        if let Value::Int(i) = extra {
            count(i, &mut nums, &mut na);
        }
        total += 1;
        let (asize, in_array) = compute_sizes(&nums, na);
        let hash_size = total - in_array;
        if check_memory && !self.resize_fits(asize, hash_size) {
            return Err(KeyError::NoMemory);
        }
        if asize == self.sizes.asize()
            && live_entries == self.hash_len()
            && self.extra.as_ref().is_some_and(|e| e.index.is_sharded())
        {
            // A big hash part without removed keys whose array part stays: the rebuild would
            // put every entry back where it is, so only the capacity changes (the sharded
            // index grows a shard at a time as keys are added). Every entry is outside the
            // array part, so `resize_into`'s capacity is `node_capacity(hash_size)` here.
            self.sizes.set(
                asize,
                node_capacity(hash_size).max(node_capacity(live_entries)),
            );
            return Ok(());
        }
        let cap = node_capacity(hash_size).max(node_capacity(live_entries));
        if asize == self.sizes.asize()
            && node_capacity(hash_size) > hindex::SHARD_MIN
            && self.extra.as_ref().is_some_and(|e| e.index.is_sharded())
        {
            // A big part with removed keys whose array part stays: every live entry stays
            // in the hash part, in order, so the removed keys are dropped in place (see
            // `table_compact`) instead of a rebuild, with the sizes the rebuild sets
            // (`resize_into`'s capacity: every live entry is outside the array part). The
            // index stays sharded, as a rebuild for a capacity above `SHARD_MIN` makes it.
            self.compact_hash_part(mc)?;
            if cap < self.sizes.hash_cap() {
                // As a rebuild's index would be: room for the new capacity, not the old one
                // (the index is not charged apart: the model counts it in the nodes).
                if let Some(x) = &mut self.extra {
                    x.index.shrink_to(cap, |_| 0);
                }
            }
            self.sizes.set(asize, cap);
            return Ok(());
        }
        // Without a budget the system may still refuse the new hash part: "not enough
        // memory", as Lua raises when its allocator fails, rather than an abort.
        let cap = node_capacity(hash_size);
        let mut entries = Vec::new();
        entries
            .try_reserve_exact(cap.min(hchunks::HFLAT_MAX))
            .map_err(|_| KeyError::NoMemory)?;
        let index = if cap > parts::SMALL_NODES {
            HashIndex::try_with_capacity(cap).ok_or(KeyError::NoMemory)?
        } else {
            HashIndex::default()
        };
        self.resize_into(mc, asize, hash_size, entries, index);
        Ok(())
    }

    /// Rebuilds a table's contents from saved parts (keys must already be normalised and
    /// distinct; the caller validates). `limit` is [`TableData::length_limit`]'s. Returns
    /// `false` if the parts are inconsistent (a `limit` no table with this array part could
    /// have included).
    #[allow(clippy::too_many_arguments)]
    pub fn restore_parts(
        &mut self,
        mc: &Mutation<'gc>,
        array: Vec<Value<'gc>>,
        entries: Vec<(Value<'gc>, Value<'gc>)>,
        hash_cap: usize,
        limit: u64,
        meta: Option<super::Table<'gc>>,
        id: u64,
    ) -> bool {
        let cap_ok = hash_cap == 0 || (hash_cap.is_power_of_two() && hash_cap <= 1 << 31);
        if !cap_ok || entries.len() > hash_cap || array.len() > parts::MAX_ASIZE {
            return false;
        }
        let asize = array.len();
        if !parts::valid_limit(asize, limit) {
            return false;
        }
        // Every key is checked against the ones before it (a hit is a duplicate) through an
        // index, kept if the part is big enough to have one (made for the part's capacity,
        // as a rebuild makes it: a big part's is sharded).
        let Some(mut index) = HashIndex::try_new(hash_cap, entries.len()) else {
            return false;
        };
        let seed = seed();
        for (pos, &(k, _)) in entries.iter().enumerate() {
            let bad_float = matches!(k, Value::Float(f)
                if f.get().is_nan() || crate::number::float_to_int_exact(f.get()).is_some());
            if k.is_nil() || bad_float {
                return false;
            }
            if let Value::Int(i) = k {
                if i >= 1 && (i as u64) <= array.len() as u64 {
                    return false;
                }
            }
            let h = key_hash_with(seed, k);
            let new = index.insert_new(
                h,
                pos as u32,
                |&p| entries.get(p as usize).is_some_and(|e| e.0.raw_eq(k)),
                |&p| {
                    entries
                        .get(p as usize)
                        .map_or(0, |e| key_hash_with(seed, e.0))
                },
            );
            if !new {
                return false;
            }
        }
        self.sizes.set(asize, hash_cap);
        self.sizes.restore_limit(limit);
        self.tm_cache_reset();
        self.put_array(mc, array);
        self.put_entries(mc, entries);
        self.set_index(index);
        self.meta = meta;
        self.set_id(id);
        true
    }

    /// Shrinks the node part to the capacity its entries need (after a full collection; see
    /// `gc::full`). How big a weak table's node part grew depends on when earlier cycles
    /// removed entries (a rehash counts only the entries left), and cycles come at other
    /// points after a snapshot restore; sizing it by what is left after a full collection
    /// makes `collectgarbage("count")` there independent of that history. Entries stay in
    /// place and in order, tombstones included (a traversal may hold their keys), so
    /// nothing Lua can observe moves.
    pub fn fit_node_part(&mut self) {
        let cap = node_capacity(self.hash_len());
        if cap < self.sizes.hash_cap() {
            self.sizes.set_hash_cap(cap);
            self.entries.shrink_to(cap);
            let (entries, seed) = (&self.entries, seed());
            match &mut self.extra {
                Some(e) if cap > parts::SMALL_NODES => {
                    let list = e.hchunks;
                    e.index.shrink_to(cap, |&p| {
                        hchunks::entry_in(entries, list, p as usize)
                            .map_or(0, |e| key_hash_with(seed, e.0))
                    })
                }
                _ => self.set_index(HashIndex::default()),
            }
        }
    }

    /// The flat prefix of the hash part's entries (key, value) in insertion order, removed
    /// keys included (all of them for a part without chunks; see
    /// [`TableData::hash_entries`]): for lookups through a position hint.
    pub fn flat_entries(&self) -> &[(Value<'gc>, Value<'gc>)] {
        &self.entries
    }
}
