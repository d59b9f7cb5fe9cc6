//! A big array part in pieces (see `table`'s module docs): keys up to `FLAT_MAX` are stored in
//! the record's flat prefix (`TableData::array`), keys beyond it in separately collected
//! chunks of `CHUNK` slots, listed in an object of their own (`Extra::chunks`).
//!
//! Why: gc-arena traces an object whole, and its write barrier makes a whole object gray
//! again. A flat array of a million values was traced in one piece (about 25 ms) and, while a
//! program filled it during a cycle, traced again at every collector step (quadratic: 16-21
//! ms a step at a million elements). In chunks, tracing the table is the record (at most
//! `FLAT_MAX` values), the list (a pointer a chunk) and one small trace per chunk, which the
//! incremental collector spreads over its steps; a store into a chunk through
//! `Table::set_in_chunks` makes only that chunk (and the list, when it adds one) gray again,
//! never the record. Small tables (the flat prefix only) are untouched.
//!
//! Invariants: chunks exist only when the flat prefix is full (`array.len() == FLAT_MAX`);
//! chunk `c` holds keys `FLAT_MAX + c * CHUNK + 1 ..`; slots at or beyond `asize` are nil.
//! The stored length is a function of the representation only: the slots after it are nil.
//! Memory is charged by `asize` as before (`TableData::charge_for`): chunking changes where
//! the values are, not what is counted.

use gc_arena::{
    lock::{Lock, RefLock},
    Gc, Mutation,
};

use super::{TableData, Value};

/// Slots in the flat prefix at most (a multiple of `CHUNK`).
///
/// Why this big: the interpreter's inline probes (`table_probe`, inlined in `fast::hot`)
/// read and write the flat prefix only; a store into a chunk calls its write barrier, and
/// the hot loop must call nothing, so an access beyond the prefix leaves the hot loop.
/// Measured with callgrind (release, the scaled bench programs, 2026-12-06): with 2^14 slots
/// table_array (arrays of 150,000 values) ran +42% instructions, with 2^17 +7.6%, with 2^18
/// +1.9% (the checks for chunks elsewhere). The price: a prefix of up to 2^18 values is traced in one piece, and again
/// when the record is written during a cycle.
pub(super) const FLAT_MAX: usize = 1 << 18;
/// Slots in a chunk (a power of two).
pub(super) const CHUNK: usize = 512;
const CHUNK_SHIFT: u32 = CHUNK.trailing_zeros();
const CHUNK_MASK: usize = CHUNK - 1;

/// A separately collected piece of a big array part.
pub(super) type Chunk<'gc> = Gc<'gc, [Lock<Value<'gc>>; CHUNK]>;

/// The list of a big array part's chunks, an object of its own: adding a chunk makes only
/// the list gray again, not the record with its flat prefix.
pub(super) type ChunkList<'gc> = Gc<'gc, RefLock<Vec<Chunk<'gc>>>>;

const _: () = assert!(FLAT_MAX % CHUNK == 0 && CHUNK.is_power_of_two());

fn new_chunk<'gc>(mc: &Mutation<'gc>) -> Chunk<'gc> {
    Gc::new(mc, std::array::from_fn(|_| Lock::new(Value::Nil)))
}

/// Adds (nil) chunks to `list` up to the one holding array slot `idx >= FLAT_MAX`.
fn add_chunks<'gc>(mc: &Mutation<'gc>, list: ChunkList<'gc>, idx: usize) {
    let need = ((idx - FLAT_MAX) >> CHUNK_SHIFT) + 1;
    let mut l = list.borrow_mut(mc);
    while l.len() < need {
        l.push(new_chunk(mc));
    }
}

impl<'gc> super::Table<'gc> {
    /// A raw store at integer key `i` beyond the flat prefix of a table without a metatable,
    /// reading the record only: `true` if done, `false` (nothing changed) if the caller
    /// must take the general path (a pending table, a metatable, a key outside the array
    /// part, a table without chunks yet). Writing the record would make it gray again, and
    /// the collector would trace its flat prefix again at every step of a program filling
    /// the chunks; this writes only the chunk (and the chunk list when one is added).
    #[inline(never)]
    pub(super) fn set_in_chunks(self, mc: &Mutation<'gc>, i: i64, value: Value<'gc>) -> bool {
        let idx = (i as u64).wrapping_sub(1);
        let d = self.0.borrow();
        if d.is_pending() || d.meta.is_some() || idx >= d.sizes.asize() as u64 {
            return false;
        }
        d.sizes.note_slot(idx);
        let idx = idx as usize;
        let Some(list) = d.chunk_list() else {
            return false;
        };
        if idx < FLAT_MAX || d.chunk_set(mc, idx, value) || value.is_nil() {
            // (Below `FLAT_MAX` the flat prefix is full when there are chunks: not here.
            // Beyond the stored slots a nil is already there.)
            return idx >= FLAT_MAX;
        }
        add_chunks(mc, list, idx);
        d.chunk_set(mc, idx, value)
    }
}

impl<'gc> TableData<'gc> {
    /// The list of chunks (none for a table whose array part is only the flat prefix).
    #[inline(always)]
    fn chunk_list(&self) -> Option<ChunkList<'gc>> {
        self.extra.as_ref().and_then(|e| e.chunks)
    }

    /// Chunk `c`, if there is one.
    #[inline(always)]
    fn chunk_at(&self, c: usize) -> Option<Chunk<'gc>> {
        self.chunk_list().and_then(|l| l.borrow().get(c).copied())
    }

    /// How many chunks there are.
    pub(super) fn chunk_count(&self) -> usize {
        self.chunk_list().map_or(0, |l| l.borrow().len())
    }

    /// The value at array slot `idx` beyond the flat prefix (nil if not stored).
    #[inline(always)]
    pub(super) fn chunk_get(&self, idx: usize) -> Value<'gc> {
        // (Below `FLAT_MAX` the subtraction wraps to a chunk number no table has.)
        match self.chunk_at(idx.wrapping_sub(FLAT_MAX) >> CHUNK_SHIFT) {
            Some(c) => c.get(idx & CHUNK_MASK).map_or(Value::Nil, |l| l.get()),
            None => Value::Nil,
        }
    }

    /// Stores `value` at array slot `idx` if it is stored in a chunk: `true` if done.
    #[inline(always)]
    pub(super) fn chunk_set(&self, mc: &Mutation<'gc>, idx: usize, value: Value<'gc>) -> bool {
        match self.chunk_at(idx.wrapping_sub(FLAT_MAX) >> CHUNK_SHIFT) {
            Some(c) => {
                Gc::write(mc, c)[idx & CHUNK_MASK].unlock().set(value);
                true
            }
            None => false,
        }
    }

    /// Stores `value` at integer key `i` if it is a slot of the array part stored in a chunk:
    /// `true` if done (for [`super::TableMut::set_int_in_array`], out of line: most stores
    /// hit the flat prefix).
    #[inline(never)]
    pub(super) fn chunk_store(&self, mc: &Mutation<'gc>, i: i64, value: Value<'gc>) -> bool {
        let idx = (i as u64).wrapping_sub(1);
        if idx >= self.sizes.asize() as u64 {
            return false;
        }
        self.sizes.note_slot(idx);
        self.chunk_set(mc, idx as usize, value)
    }

    /// [`TableData::chunk_get`] out of line (for `get_int`, inlined in loops over small
    /// tables).
    #[inline(never)]
    pub(super) fn chunk_get_cold(&self, idx: usize) -> Value<'gc> {
        self.chunk_get(idx)
    }

    /// [`TableData::chunk_set`] out of line (for `store_array`).
    #[inline(never)]
    pub(super) fn chunk_set_cold(&self, mc: &Mutation<'gc>, idx: usize, value: Value<'gc>) -> bool {
        self.chunk_set(mc, idx, value)
    }

    /// The value at array slot `idx` (nil if not stored; the caller checks `idx < asize`).
    #[inline]
    pub(super) fn array_slot(&self, idx: usize) -> Value<'gc> {
        match self.array.get(idx) {
            Some(&v) => v,
            None if idx >= FLAT_MAX => self.chunk_get(idx),
            None => Value::Nil,
        }
    }

    /// How many array slots are stored (the ones after are nil).
    pub fn array_stored(&self) -> usize {
        let n = self.chunk_count();
        if n == 0 {
            self.array.len()
        } else {
            (FLAT_MAX + n * CHUNK).min(self.sizes.asize())
        }
    }

    /// The stored array slots in order (`array_stored` of them).
    pub fn array_values(&self) -> impl Iterator<Item = Value<'gc>> + '_ {
        self.array
            .iter()
            .copied()
            .chain(
                self.chunk_list()
                    .map(|l| l.borrow().clone())
                    .unwrap_or_default()
                    .into_iter()
                    .flat_map(|c| Gc::as_ref(c).iter().map(|l| l.get())),
            )
            .take(self.array_stored())
    }

    /// How many of the stored slots `first..end` are not nil (for `rehash`).
    pub(super) fn count_used(&self, first: usize, end: usize) -> usize {
        let flat_end = end.min(self.array.len());
        let mut used = match self.array.get(first.min(flat_end)..flat_end) {
            Some(s) => s.iter().filter(|v| !v.is_nil()).count(),
            None => 0,
        };
        let mut i = first.max(FLAT_MAX);
        while i < end {
            let Some(c) = self.chunk_at((i - FLAT_MAX) >> CHUNK_SHIFT) else {
                break;
            };
            let stop = end.min((i | CHUNK_MASK) + 1);
            if let Some(s) = c.get(i & CHUNK_MASK..((stop - 1) & CHUNK_MASK) + 1) {
                used += s.iter().filter(|l| !l.get().is_nil()).count();
            }
            i = stop;
        }
        used
    }

    /// Stores `value` at array slot `idx < asize` beyond the stored slots, storing the slots
    /// before it (nil). The new slots are written, so every stored slot is resident memory:
    /// the flat prefix grows geometrically (past 1,024 slots by a quarter), never beyond
    /// `FLAT_MAX` nor `asize`; beyond it, chunks are added whole.
    #[inline(never)]
    pub(super) fn grow_array(&mut self, mc: &Mutation<'gc>, idx: usize, value: Value<'gc>) {
        if idx >= FLAT_MAX {
            return self.grow_chunks(mc, idx, value);
        }
        let len = self.array.len();
        let grown = if len < 1024 { len * 2 } else { len + len / 4 };
        let cap = grown.max(idx + 1).max(4);
        let cap = cap.min(self.sizes.asize().min(FLAT_MAX)).max(idx + 1);
        let mut array = std::mem::take(&mut self.array).into_vec();
        array.reserve_exact(cap - len);
        array.resize(cap, Value::Nil);
        if let Some(slot) = array.get_mut(idx) {
            *slot = value;
        }
        self.array = array.into_boxed_slice();
    }

    /// [`TableData::grow_array`] beyond the flat prefix: fills the prefix, then adds chunks.
    #[cold]
    fn grow_chunks(&mut self, mc: &Mutation<'gc>, idx: usize, value: Value<'gc>) {
        let len = self.array.len();
        if len < FLAT_MAX {
            let mut array = std::mem::take(&mut self.array).into_vec();
            array.resize(FLAT_MAX, Value::Nil);
            self.array = array.into_boxed_slice();
        }
        let list = match self.chunk_list() {
            Some(l) => l,
            None => {
                let l = Gc::new(mc, RefLock::new(Vec::new()));
                self.extra_mut().chunks = Some(l);
                l
            }
        };
        add_chunks(mc, list, idx);
        self.chunk_set(mc, idx, value);
    }

    /// Removes and returns every stored array slot (the array part is then empty; `asize`
    /// stays).
    pub(super) fn take_array(&mut self) -> Vec<Value<'gc>> {
        let mut values: Vec<Value<'gc>>;
        if self.chunk_count() == 0 {
            values = std::mem::take(&mut self.array).into_vec();
        } else {
            values = self.array_values().collect();
            self.array = Box::default();
            if let Some(e) = &mut self.extra {
                e.chunks = None;
            }
            self.trim_extra();
        }
        values.truncate(self.sizes.asize());
        values
    }

    /// Installs `values` as the stored slots of the array part (`values.len() <= asize`).
    pub(super) fn put_array(&mut self, mc: &Mutation<'gc>, mut values: Vec<Value<'gc>>) {
        if values.len() <= FLAT_MAX {
            self.array = values.into_boxed_slice();
            if let Some(e) = &mut self.extra {
                e.chunks = None;
            }
            self.trim_extra();
            return;
        }
        let rest = values.split_off(FLAT_MAX);
        self.array = values.into_boxed_slice();
        let chunks = rest
            .chunks(CHUNK)
            .map(|part| {
                let c: Chunk<'gc> = Gc::new(
                    mc,
                    std::array::from_fn(|j| Lock::new(part.get(j).copied().unwrap_or(Value::Nil))),
                );
                c
            })
            .collect();
        self.extra_mut().chunks = Some(Gc::new(mc, RefLock::new(chunks)));
    }

    /// Shrinks the stored slots to `size` (the array part's new size), returning the
    /// non-nil values of the slots removed with their keys.
    #[inline(never)]
    pub(super) fn truncate_array(
        &mut self,
        mc: &Mutation<'gc>,
        size: usize,
    ) -> Vec<(Value<'gc>, Value<'gc>)> {
        let mut moved = Vec::new();
        if size >= self.array_stored() {
            return moved;
        }
        if self.chunk_count() == 0 {
            let mut array = std::mem::take(&mut self.array).into_vec();
            for (i, v) in array.drain(size..).enumerate() {
                if !v.is_nil() {
                    moved.push((Value::Int((size + i + 1) as i64), v));
                }
            }
            self.array = array.into_boxed_slice();
            return moved;
        }
        let mut values = self.take_array();
        for (i, v) in values.drain(size.min(values.len())..).enumerate() {
            if !v.is_nil() {
                moved.push((Value::Int((size + i + 1) as i64), v));
            }
        }
        self.put_array(mc, values);
        moved
    }
}
