//! The positions index of an indexed hash part (see `table_parts`): key hash to entry
//! position, in one hashbrown table, or for a big part in [`SHARDS`] tables chosen by the
//! hash's low bits, each holding a position with the hash's high half.
//!
//! Why shards: a hashbrown table grows by rehashing all it holds at once (at a million
//! entries, tens of milliseconds in one step). Shards grow one at a time, each when it fills
//! (hashbrown's own growth), and they fill at slightly different moments, so the work of a
//! doubling of the whole is spread over many stores, each growth a small one. A shard keeps
//! the high half of each key's hash beside its position, so growing one rehashes from
//! what it holds, without reading the entries and their keys (a cache miss each), and a
//! search compares the half before reading an entry. The index is never saved nor charged
//! (the model counts it in `NODE_BYTES`): how it is laid out changes nothing observable.

use hashbrown::HashTable;

/// Shards of a sharded index (a power of two).
const SHARDS: usize = 256;
/// An index built for more than this many nodes is sharded.
pub(super) const SHARD_MIN: usize = super::hchunks::HFLAT_MAX;

/// A shard's item: an entry position and the high half of its key's hash.
type Item = (u32, u32);

/// The hash a shard files an item under, from the key hash's high half (hashbrown takes the
/// bucket from the low bits and its tag from the top seven: both are the half's).
#[inline(always)]
fn shard_hash(hi: u32) -> u64 {
    (u64::from(hi) << 32) | u64::from(hi)
}

/// The shard of a key hash (its low bits: independent of the half the shard files by).
#[inline(always)]
fn shard_of(h: u64) -> usize {
    h as usize & (SHARDS - 1)
}

/// See the module docs.
///
/// Invariant: an index that is not sharded holds positions of the flat prefix only
/// (`hchunks::HFLAT_MAX`, which is `SHARD_MIN`): a part gets chunks only beyond that many
/// entries, and an index is made sharded for a capacity above it or, at the first position
/// in a chunk, by `TableData::index_entry`. So the searches of small and medium parts read
/// the flat prefix as before.
#[derive(Default)]
pub(super) struct HashIndex {
    /// The index when not sharded (else empty), read directly by `table_parts`' searches.
    pub one: HashTable<u32>,
    /// The shards of a sharded index (else empty).
    shards: Vec<HashTable<Item>>,
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

    /// An empty index for a part of `nodes` nodes, with room for them (infallible: the
    /// allocation fails as any other).
    pub fn with_capacity(nodes: usize) -> HashIndex {
        if nodes > SHARD_MIN {
            Self::sharded(nodes)
        } else {
            HashIndex {
                one: HashTable::with_capacity(nodes),
                shards: Vec::new(),
            }
        }
    }

    /// An empty sharded index with room for `cap` positions.
    pub fn sharded(cap: usize) -> HashIndex {
        let each = cap / SHARDS + cap / SHARDS / 8;
        HashIndex {
            one: HashTable::new(),
            shards: (0..SHARDS)
                .map(|_| HashTable::with_capacity(each))
                .collect(),
        }
    }

    /// Whether the index is sharded (its growth is then spread over the stores).
    #[inline(always)]
    pub fn is_sharded(&self) -> bool {
        !self.shards.is_empty()
    }

    /// The position recorded in a sharded index under key hash `h` for which `eq` holds.
    #[inline]
    pub fn find_sharded(&self, h: u64, eq: &mut dyn FnMut(&u32) -> bool) -> Option<u32> {
        let hi = (h >> 32) as u32;
        let shard = self.shards.get(shard_of(h))?;
        shard
            .find(shard_hash(hi), |&(p, x)| x == hi && eq(&p))
            .map(|&(p, _)| p)
    }

    /// Records `pos` under key hash `h` in a sharded index.
    #[inline(never)]
    pub fn insert_sharded(&mut self, h: u64, pos: u32) {
        let hi = (h >> 32) as u32;
        if let Some(shard) = self.shards.get_mut(shard_of(h)) {
            shard.insert_unique(shard_hash(hi), (pos, hi), |&(_, x)| shard_hash(x));
        }
    }

    /// Renumbers every position recorded in a sharded index through `map` (the new
    /// position, or `None` to forget it), shard by shard, without reading an entry or
    /// hashing a key: for a compaction that keeps the entries in order (`table_compact`).
    /// Items stay in their buckets (the hash half they are filed by does not change).
    pub fn remap_sharded(&mut self, mut map: impl FnMut(u32) -> Option<u32>) {
        for shard in &mut self.shards {
            shard.retain(|item| match map(item.0) {
                Some(p) => {
                    item.0 = p;
                    true
                }
                None => false,
            });
        }
    }

    /// Records `pos` under key hash `h` unless a position for which `eq` holds is there:
    /// whether it was recorded (`hasher`: the hash of a recorded position, for the growth
    /// of an index that is not sharded).
    pub fn insert_new(
        &mut self,
        h: u64,
        pos: u32,
        mut eq: impl FnMut(&u32) -> bool,
        hasher: impl Fn(&u32) -> u64,
    ) -> bool {
        if self.is_sharded() {
            if self.find_sharded(h, &mut eq).is_some() {
                return false;
            }
            self.insert_sharded(h, pos);
            return true;
        }
        match self.one.entry(h, eq, hasher) {
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

    /// Shrinks the room towards `cap` positions (`hasher`: the hash of a recorded position,
    /// for an index that is not sharded).
    pub fn shrink_to(&mut self, cap: usize, hasher: impl Fn(&u32) -> u64) {
        if self.shards.is_empty() {
            self.one.shrink_to(cap, hasher);
        } else {
            for s in &mut self.shards {
                s.shrink_to(cap / SHARDS, |&(_, x)| shard_hash(x));
            }
        }
    }
}
