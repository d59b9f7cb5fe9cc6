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
#[derive(Default)]
pub(super) struct HashIndex {
    /// The index when not sharded (else empty).
    one: HashTable<u32>,
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

    /// Whether the index is sharded (its growth is then spread over the stores).
    #[inline]
    pub fn sharded(&self) -> bool {
        !self.shards.is_empty()
    }

    /// The position recorded under hash `h` for which `eq` holds.
    #[inline(always)]
    pub fn find(&self, h: u64, mut eq: impl FnMut(&u32) -> bool) -> Option<u32> {
        if self.shards.is_empty() {
            return self.one.find(h, eq).copied();
        }
        self.find_sharded(h, &mut eq)
    }

    #[inline(never)]
    fn find_sharded(&self, h: u64, eq: &mut dyn FnMut(&u32) -> bool) -> Option<u32> {
        let hi = (h >> 32) as u32;
        let shard = self.shards.get(shard_of(h))?;
        shard
            .find(shard_hash(hi), |&(p, x)| x == hi && eq(&p))
            .map(|&(p, _)| p)
    }

    /// Records `pos` under hash `h` (`hasher`: the hash of a recorded position, for the
    /// growth of an index that is not sharded).
    #[inline]
    pub fn insert_unique(&mut self, h: u64, pos: u32, hasher: impl Fn(&u32) -> u64) {
        if self.shards.is_empty() {
            self.one.insert_unique(h, pos, hasher);
            return;
        }
        let hi = (h >> 32) as u32;
        if let Some(shard) = self.shards.get_mut(shard_of(h)) {
            shard.insert_unique(shard_hash(hi), (pos, hi), |&(_, x)| shard_hash(x));
        }
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
        if self.find(h, eq).is_some() {
            return false;
        }
        self.insert_unique(h, pos, hasher);
        true
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
                s.shrink_to(cap / SHARDS, |&(_, x)| shard_hash(x));
            }
        }
    }
}
