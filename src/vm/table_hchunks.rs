//! A big hash part in pieces, as a big array part is (see `table_chunks`): the first
//! [`HFLAT_MAX`] entries in the record (`TableData::entries`), the next ones in separately
//! collected chunks of [`HCHUNK`] entries, listed in an object of their own
//! (`Extra::hchunks`). Positions run on from the flat prefix into the chunks, so the index,
//! position hints and `next` see one sequence in insertion order, as before.
//!
//! Why: gc-arena traces an object whole and its write barrier makes a whole object gray
//! again. A hash part of a million entries in the record was traced in one piece, and again
//! at every collector step while a program stored into the table during a cycle (6–7 ms
//! steps); its vector was copied whole when it grew. In chunks, the record holds at most
//! `HFLAT_MAX` entries, a store into a chunk makes only that chunk gray (through
//! [`TableData::set_entry_value`]), the collector traces the chunks one at a time, and growing
//! adds a chunk.
//!
//! Invariants: chunks exist only when the flat prefix is full (`entries.len() ==
//! HFLAT_MAX`); every chunk but the last holds `HCHUNK` entries, the last at least one.
//! Memory is charged by the emulated node capacity as before (`TableData::charge_for`).
//! The inline probes (`table_probe`) read the flat prefix only: a position in a chunk misses
//! there and takes the out-of-line paths, which read it here. Small and medium tables (up to
//! `HFLAT_MAX` entries) never have chunks.

use gc_arena::{lock::RefLock, Gc, Mutation};

use super::{TableData, Value};

/// Entries in the flat prefix at most (tables up to this many hash entries are as before;
/// the bench programs' biggest hash part, table_hash's, holds 20,000).
pub(super) const HFLAT_MAX: usize = 1 << 15;
/// Entries in a chunk.
pub(super) const HCHUNK: usize = 1024;

/// A hash entry: key and value (a nil value is a removed key).
pub(super) type Entry<'gc> = (Value<'gc>, Value<'gc>);

/// A separately collected piece of a big hash part (`HCHUNK` entries, or fewer in the last).
pub(super) type EntryChunk<'gc> = Gc<'gc, RefLock<Vec<Entry<'gc>>>>;

/// The list of a big hash part's chunks, an object of its own (adding a chunk makes only the
/// list gray again).
pub(super) type EntryChunkList<'gc> = Gc<'gc, RefLock<Vec<EntryChunk<'gc>>>>;

/// The entry at `pos` of the part whose flat prefix is `flat` and chunks `list`.
#[inline(always)]
pub(super) fn entry_in<'gc>(
    flat: &[Entry<'gc>],
    list: Option<EntryChunkList<'gc>>,
    pos: usize,
) -> Option<Entry<'gc>> {
    match flat.get(pos) {
        Some(&e) => Some(e),
        None => chunk_entry(list, pos),
    }
}

#[inline(never)]
fn chunk_entry<'gc>(list: Option<EntryChunkList<'gc>>, pos: usize) -> Option<Entry<'gc>> {
    let c = pos.checked_sub(HFLAT_MAX)?;
    let chunk = list?.borrow().get(c / HCHUNK).copied()?;
    let e = chunk.borrow().get(c % HCHUNK).copied();
    e
}

impl<'gc> TableData<'gc> {
    /// The list of the hash part's chunks (none for a part that is its flat prefix only).
    #[inline(always)]
    pub(super) fn hchunk_list(&self) -> Option<EntryChunkList<'gc>> {
        self.extra.as_ref().and_then(|e| e.hchunks)
    }

    /// How many entries the hash part holds (live ones and removed keys).
    #[inline(always)]
    pub(super) fn hash_len(&self) -> usize {
        let n = self.entries.len();
        if n < HFLAT_MAX {
            n
        } else {
            n + self.chunked_len()
        }
    }

    /// How many entries are in chunks.
    #[inline(never)]
    fn chunked_len(&self) -> usize {
        let Some(list) = self.hchunk_list() else {
            return 0;
        };
        let l = list.borrow();
        match l.last() {
            Some(c) => (l.len() - 1) * HCHUNK + c.borrow().len(),
            None => 0,
        }
    }

    /// The entry at position `pos`, if there is one.
    #[inline(always)]
    pub(super) fn entry(&self, pos: usize) -> Option<Entry<'gc>> {
        match self.entries.get(pos) {
            Some(&e) => Some(e),
            None => self.chunked_entry(pos),
        }
    }

    /// [`TableData::entry`] beyond the flat prefix.
    #[inline(never)]
    fn chunked_entry(&self, pos: usize) -> Option<Entry<'gc>> {
        chunk_entry(self.hchunk_list(), pos)
    }

    /// The value of the entry at position `pos` (nil if there is none).
    #[inline(always)]
    pub(super) fn entry_value(&self, pos: usize) -> Value<'gc> {
        match self.entries.get(pos) {
            Some(e) => e.1,
            None => self.chunked_entry(pos).map_or(Value::Nil, |e| e.1),
        }
    }

    /// Stores `value` as the value of the entry at position `pos` (one the caller found):
    /// `false` if there is none. In a chunk, only the chunk is written (and made gray).
    #[inline]
    pub(super) fn set_entry_value(
        &mut self,
        mc: &Mutation<'gc>,
        pos: usize,
        value: Value<'gc>,
    ) -> bool {
        if let Some(e) = self.entries.get_mut(pos) {
            e.1 = value;
            return true;
        }
        self.chunk_set_value(mc, pos, value)
    }

    #[inline(never)]
    fn chunk_set_value(&self, mc: &Mutation<'gc>, pos: usize, value: Value<'gc>) -> bool {
        let Some(c) = pos.checked_sub(HFLAT_MAX) else {
            return false;
        };
        let Some(chunk) = self
            .hchunk_list()
            .and_then(|l| l.borrow().get(c / HCHUNK).copied())
        else {
            return false;
        };
        let mut ch = chunk.borrow_mut(mc);
        match ch.get_mut(c % HCHUNK) {
            Some(e) => {
                e.1 = value;
                true
            }
            None => false,
        }
    }

    /// Appends an entry (without indexing it): into the flat prefix, or once it is full into
    /// the last chunk (a new one when that is full).
    #[inline]
    pub(super) fn push_raw(&mut self, mc: &Mutation<'gc>, e: Entry<'gc>) {
        if self.entries.len() < HFLAT_MAX {
            self.entries.push(e);
        } else {
            self.push_chunked(mc, e);
        }
    }

    #[cold]
    fn push_chunked(&mut self, mc: &Mutation<'gc>, e: Entry<'gc>) {
        let list = match self.hchunk_list() {
            Some(l) => l,
            None => {
                let l = Gc::new(mc, RefLock::new(Vec::new()));
                self.extra_mut().hchunks = Some(l);
                l
            }
        };
        let last = list.borrow().last().copied();
        match last {
            Some(c) if c.borrow().len() < HCHUNK => c.borrow_mut(mc).push(e),
            _ => {
                let mut v = Vec::with_capacity(HCHUNK);
                v.push(e);
                list.borrow_mut(mc).push(Gc::new(mc, RefLock::new(v)));
            }
        }
    }

    /// Calls `f` with every entry's position and entry, in order, until it answers `false`.
    #[inline]
    pub(super) fn each_entry_from(
        &self,
        start: usize,
        mut f: impl FnMut(usize, Entry<'gc>) -> bool,
    ) {
        for (i, &e) in self.entries.iter().enumerate().skip(start) {
            if !f(i, e) {
                return;
            }
        }
        let Some(list) = self.hchunk_list() else {
            return;
        };
        // (`f` reads nothing of the table's, so the borrows can be held.)
        let l = list.borrow();
        let from = start.saturating_sub(HFLAT_MAX);
        for (n, c) in l.iter().enumerate().skip(from / HCHUNK) {
            let base = HFLAT_MAX + n * HCHUNK;
            let skip = if n == from / HCHUNK { from % HCHUNK } else { 0 };
            for (j, &e) in c.borrow().iter().enumerate().skip(skip) {
                if !f(base + j, e) {
                    return;
                }
            }
        }
    }

    /// The first live entry at a position in a chunk from `start` on, with its position
    /// (remembered as `next`'s hint): `next`'s search beyond the flat prefix.
    #[inline(never)]
    pub(super) fn next_in_chunks(&self, start: usize) -> Option<(usize, Entry<'gc>)> {
        let mut found = None;
        self.each_entry_from(start.max(HFLAT_MAX), |pos, e| {
            if e.1.is_nil() {
                return true;
            }
            found = Some((pos, e));
            false
        });
        if let (Some((pos, _)), Some(x)) = (found, &self.extra) {
            x.next_hint.set(pos as u32);
        }
        found
    }

    /// The hash part's entries in order, removed keys included (for saving a table).
    pub fn hash_entries(&self) -> Vec<Entry<'gc>> {
        let mut out = Vec::with_capacity(self.hash_len());
        self.each_entry_from(0, |_, e| {
            out.push(e);
            true
        });
        out
    }

    /// Removes and returns every entry (the part is then empty, without chunks; the index
    /// is the caller's to rebuild).
    pub(super) fn take_entries(&mut self) -> Vec<Entry<'gc>> {
        if self.hchunk_list().is_none() {
            return std::mem::take(&mut self.entries);
        }
        let all = self.hash_entries();
        self.entries = Vec::new();
        if let Some(e) = &mut self.extra {
            e.hchunks = None;
        }
        self.trim_extra();
        all
    }

    /// Installs `entries` as the part's entries (after [`TableData::take_entries`]; the
    /// caller indexes them).
    pub(super) fn put_entries(&mut self, mc: &Mutation<'gc>, mut entries: Vec<Entry<'gc>>) {
        if entries.len() <= HFLAT_MAX {
            self.entries = entries;
            if let Some(e) = &mut self.extra {
                e.hchunks = None;
            }
            self.trim_extra();
            return;
        }
        let rest = entries.split_off(HFLAT_MAX);
        entries.shrink_to(HFLAT_MAX);
        self.entries = entries;
        let chunks = rest
            .chunks(HCHUNK)
            .map(|part| Gc::new(mc, RefLock::new(part.to_vec())))
            .collect();
        self.extra_mut().hchunks = Some(Gc::new(mc, RefLock::new(chunks)));
    }
}
