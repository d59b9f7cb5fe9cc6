//! The positions index of an indexed hash part (see `table_parts`): key hash to entry
//! position, in one hashbrown table, or for a big part in [`SHARDS`] tables chosen by bits of
//! the hash that hashbrown does not use for the bucket or the tag.
//!
//! Why shards: a hashbrown table grows by rehashing all it holds at once (at a million
//! entries, tens of milliseconds in one step). Shards grow one at a time, each when it fills
//! (hashbrown's own growth), and they fill at slightly different moments, so the work of a
//! doubling of the whole is spread over many stores, each growth a small one. The index is
//! never saved nor charged (the model counts it in `NODE_BYTES`): how it is laid out changes
//! nothing observable.

use hashbrown::HashTable;

/// Shards of a sharded index (a power of two).
const SHARDS: usize = 256;
/// An index built for more than this many nodes is sharded.
pub(super) const SHARD_MIN: usize = super::hchunks::HFLAT_MAX;
/// Where the shard number is taken from the hash: above the bits a bucket number uses (a
/// shard of a part of 2^31 nodes has fewer than 2^32 buckets) and below hashbrown's 7-bit tag.
const SHARD_SHIFT: u32 = 40;

/// See the module docs.
#[derive(Default)]
pub(super) struct HashIndex {
    /// The index when not sharded (else empty).
    one: HashTable<u32>,
    /// The shards of a sharded index (else empty).
    shards: Vec<HashTable<u32>>,
}

impl HashIndex {
    /// An empty index with room for `cap` positions, sharded if `cap > SHARD_MIN`; `None` if
    /// the system refuses the memory.
    pub fn try_with_capacity(cap: usize) -> Option<HashIndex> {
        Self::try_new(cap, cap)
    }

    /// An empty index for a part of `nodes` nodes (sharded if `nodes > SHARD_MIN`) with room
    /// for `cap` positions; `None` if the system refuses the memory.
    pub fn try_new(nodes: usize, cap: usize) -> Option<HashIndex> {
        let mut ix = HashIndex::default();
        if nodes > SHARD_MIN {
            let each = cap / SHARDS + cap / SHARDS / 8;
            for _ in 0..SHARDS {
                let mut t = HashTable::new();
                t.try_reserve(each, |_| 0).ok()?;
                ix.shards.push(t);
            }
        } else if cap > 0 {
            ix.one.try_reserve(cap, |_| 0).ok()?;
        }
        Some(ix)
    }

    /// Whether the index is sharded (its growth is then spread over the stores).
    #[inline]
    pub fn sharded(&self) -> bool {
        !self.shards.is_empty()
    }

    #[inline(always)]
    fn shard(&self, h: u64) -> &HashTable<u32> {
        if self.shards.is_empty() {
            &self.one
        } else {
            let s = (h >> SHARD_SHIFT) as usize & (SHARDS - 1);
            self.shards.get(s).unwrap_or(&self.one)
        }
    }

    #[inline]
    fn shard_mut(&mut self, h: u64) -> &mut HashTable<u32> {
        if self.shards.is_empty() {
            &mut self.one
        } else {
            let s = (h >> SHARD_SHIFT) as usize & (SHARDS - 1);
            match self.shards.get_mut(s) {
                Some(t) => t,
                None => &mut self.one,
            }
        }
    }

    /// The position recorded under hash `h` for which `eq` holds.
    #[inline(always)]
    pub fn find(&self, h: u64, eq: impl FnMut(&u32) -> bool) -> Option<&u32> {
        self.shard(h).find(h, eq)
    }

    /// Records `pos` under hash `h` (`hasher`: the hash of a recorded position, for growth).
    #[inline]
    pub fn insert_unique(&mut self, h: u64, pos: u32, hasher: impl Fn(&u32) -> u64) {
        self.shard_mut(h).insert_unique(h, pos, hasher);
    }

    /// Records `pos` under hash `h` unless a position for which `eq` holds is there:
    /// whether it was recorded.
    pub fn insert_new(
        &mut self,
        h: u64,
        pos: u32,
        eq: impl FnMut(&u32) -> bool,
        hasher: impl Fn(&u32) -> u64,
    ) -> bool {
        match self.shard_mut(h).entry(h, eq, hasher) {
            hashbrown::hash_table::Entry::Occupied(_) => false,
            hashbrown::hash_table::Entry::Vacant(v) => {
                v.insert(pos);
                true
            }
        }
    }

    /// Forgets every position (the room stays).
    pub fn clear(&mut self) {
        self.one.clear();
        for s in &mut self.shards {
            s.clear();
        }
    }

    /// How many positions are recorded.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.one.len() + self.shards.iter().map(|s| s.len()).sum::<usize>()
    }

    /// The room for positions.
    pub fn capacity(&self) -> usize {
        self.one.capacity() + self.shards.iter().map(|s| s.capacity()).sum::<usize>()
    }

    /// Shrinks the room towards `cap` positions (`hasher` as for
    /// [`HashIndex::insert_unique`]).
    pub fn shrink_to(&mut self, cap: usize, hasher: impl Fn(&u32) -> u64) {
        if self.shards.is_empty() {
            self.one.shrink_to(cap, hasher);
        } else {
            for s in &mut self.shards {
                s.shrink_to(cap / SHARDS, &hasher);
            }
        }
    }
}
