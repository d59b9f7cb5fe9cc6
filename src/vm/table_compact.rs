//! A rehash of a big hash part that keeps the array part: its removed keys dropped in place,
//! without rebuilding the part or its index (a child module of `table`, so it reads
//! `TableData`'s private fields).
//!
//! Why: when a new key finds a big part full of live entries and removed keys (a program
//! that removes keys and adds others), Lua's rehash keeps the live entries only. Built anew
//! (`TableData::resize_into`), that copies every entry into a new part and inserts each
//! into a new index: a hashbrown insert into a table of megabytes is a cache miss or two,
//! and at a million entries the rehash took 260–360 ms in one step. Here the live entries
//! slide down over the removed ones within the same buffers (a sequential pass), and the
//! sharded index keeps every item of a live entry where it is and only renumbers its
//! position (the count of removed positions before it, from a bitmap of the removed ones
//! that fits in the cache), shard by shard, without reading a key or hashing one. The
//! outcome is the rebuild's: the live entries in the same order at the same positions,
//! the same sizes; only where the index's items sit in its shards differs, which nothing
//! observes (see `table_hindex`).

use gc_arena::Mutation;

use super::hchunks::{EntryChunk, HCHUNK, HFLAT_MAX};
use super::{KeyError, TableData};

/// The removed positions of a part, a bit each, with the count of removed positions before
/// each 64 beside their bits (to renumber the others with one read: the remap reads them in
/// the index's order, at random; 16 bytes for 64 positions, 256 KB for a million, which the
/// cache holds).
struct Removed {
    words: Vec<Word>,
}

#[derive(Clone, Copy, Default)]
struct Word {
    bits: u64,
    before: u32,
}

impl Removed {
    /// Room for `n` positions, none removed; `None` if the system refuses the memory.
    fn try_new(n: usize) -> Option<Removed> {
        let mut words = Vec::new();
        words.try_reserve_exact(n.div_ceil(64)).ok()?;
        words.resize(n.div_ceil(64), Word::default());
        Some(Removed { words })
    }

    #[inline]
    fn mark(&mut self, pos: usize) {
        if let Some(w) = self.words.get_mut(pos / 64) {
            w.bits |= 1 << (pos % 64);
        }
    }

    /// Counts the marks (after the last one).
    fn finish(&mut self) {
        let mut sum = 0u32;
        for w in &mut self.words {
            w.before = sum;
            sum += w.bits.count_ones();
        }
    }

    /// Where the entry at `pos` goes: its position less the removed ones before it, or
    /// `None` if it is removed.
    #[inline]
    fn new_pos(&self, pos: u32) -> Option<u32> {
        let p = pos as usize;
        let (w, b) = (self.words.get(p / 64)?, p % 64);
        if w.bits >> b & 1 != 0 {
            return None;
        }
        let below = (w.bits & ((1u64 << b) - 1)).count_ones();
        Some(pos - w.before - below)
    }
}

impl<'gc> TableData<'gc> {
    /// Drops the removed keys of a big part with a sharded index in place (see the module
    /// docs), keeping the live entries in order; the caller sets the new sizes. Fails,
    /// changing nothing, when the system refuses the bitmap's memory.
    pub(super) fn compact_hash_part(&mut self, mc: &Mutation<'gc>) -> Result<(), KeyError> {
        let mut removed = Removed::try_new(self.hash_len()).ok_or(KeyError::NoMemory)?;
        let mut pos = 0usize;
        self.entries.retain(|e| {
            let keep = !e.1.is_nil();
            if !keep {
                removed.mark(pos);
            }
            pos += 1;
            keep
        });
        if let Some(list) = self.hchunk_list() {
            // The chunks are read in order, each emptied before its entries are written on:
            // into the flat prefix while it has room, then into the chunks from the first,
            // which the writing never passes (it is behind the reading by the removed keys
            // and the room the flat prefix took), so every chunk it fills is one read.
            let chunks: Vec<EntryChunk<'gc>> = list.borrow().clone();
            let mut filled = 0usize;
            let mut out = Vec::new();
            for (c, chunk) in chunks.iter().enumerate() {
                let read = std::mem::take(&mut *chunk.borrow_mut(mc));
                for (j, e) in read.into_iter().enumerate() {
                    if e.1.is_nil() {
                        removed.mark(HFLAT_MAX + c * HCHUNK + j);
                    } else if self.entries.len() < HFLAT_MAX {
                        self.entries.push(e);
                    } else {
                        if out.capacity() == 0 {
                            out = Vec::with_capacity(HCHUNK);
                        }
                        out.push(e);
                        if out.len() == HCHUNK {
                            if let Some(to) = chunks.get(filled) {
                                *to.borrow_mut(mc) = std::mem::take(&mut out);
                            }
                            filled += 1;
                        }
                    }
                }
            }
            if !out.is_empty() {
                if let Some(to) = chunks.get(filled) {
                    *to.borrow_mut(mc) = out;
                }
                filled += 1;
            }
            // (Chunks exist only behind a full flat prefix: with none filled, none are left.)
            if filled == 0 {
                self.extra_mut().hchunks = None;
            } else {
                list.borrow_mut(mc).truncate(filled);
            }
        }
        removed.finish();
        if let Some(x) = &mut self.extra {
            x.index.remap_sharded(|p| removed.new_pos(p));
        }
        Ok(())
    }
}
