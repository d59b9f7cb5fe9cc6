//! Tables: an array part plus an insertion-ordered hash part.
//!
//! # Design
//! - The array part holds keys `1..=asize`; it may contain nils. Its size follows
//!   PUC-Rio Lua 5.4's rule (`computesizes`: the largest power of two `n` such that more than
//!   half of `1..=n` is in use), recomputed at the same moments Lua does it (when a new key
//!   finds the hash part full, and from constructor size hints), and the array size is kept
//!   as Lua keeps it, with the length hint `#` starts from (Lua's `alimit`, see
//!   `table_parts::Sizes`), so the border that `#` finds in a table with holes is
//!   `lua5.4`'s (see COMPATIBILITY.md for when the array size itself can differ).
//! - The hash part is a vector of `(key, value)` entries in insertion order plus a hashbrown
//!   index from key hash to entry position (only for more than 8 nodes: smaller parts are
//!   searched in order; see `table_parts`). Removing a key only sets its value to nil (a
//!   tombstone): the key keeps its position, so `next` can continue from it, and assigning or
//!   clearing existing fields during a traversal never disturbs the order. Tombstones are
//!   dropped only when the hash part is rebuilt (a rehash, triggered by inserting a new key).
//! - Iteration order is therefore: array part in index order, then hash entries in insertion
//!   order. It depends only on the sequence of operations, never on hash values or addresses,
//!   which makes `next` deterministic across machines and snapshot round trips.
//! - Only a prefix of the array part is stored (`array`); the slots after it are nil. Growing
//!   the array part (a rehash of a table of a million elements) then only changes `asize`,
//!   and the stored prefix grows as elements are written (geometrically, nil-filled), so a
//!   rehash never copies and nil-fills the whole part (memory is still charged for all of
//!   `asize`).
//! - A big array part is kept in pieces: the first `table_chunks::FLAT_MAX` slots in the
//!   record (`array`), the rest in separately collected chunks, so that the collector traces
//!   it in small steps and a store makes only its chunk gray again (see `table_chunks`).
//!   Small tables never have chunks.
//! - A big hash part likewise: the first `table_hchunks::HFLAT_MAX` entries in the record
//!   (`entries`), the next ones in separately collected chunks, positions running on from the
//!   flat prefix; its index is sharded (`table_hindex`), and a rehash that would put every
//!   entry back where it is (no removed keys, the array part unchanged) only changes the
//!   capacity (`table_resize`), so no step of a program filling a big hash part copies or
//!   reindexes it whole; one that drops removed keys with the array part unchanged compacts
//!   the part in place and renumbers the index's positions (`table_compact`).
//! - `hash_cap` emulates the size of Lua's node part (a power of two): the hash part "is full"
//!   when it holds that many entries (live or tombstones), which is when Lua would rehash.

use gc_arena::{lock::RefLock, Collect, Gc, Mutation};

use super::value::{Value, F64};

/// A table handle.
///
/// The contents are reached through methods that take the mutation handle ([`Table::data`],
/// [`Table::data_mut`], [`Table::get`]...): a table of a lazy fork may still have its
/// contents in the image (see `vm::lazy`), and these methods copy or look them up first.
#[derive(Copy, Clone, Collect)]
#[collect(no_drop)]
pub struct Table<'gc>(Gc<'gc, RefLock<TableData<'gc>>>);

impl<'gc> PartialEq for Table<'gc> {
    fn eq(&self, other: &Self) -> bool {
        Gc::ptr_eq(self.0, other.0)
    }
}

/// A table's contents: 64 bytes (see `table_parts` for the packed sizes and the extra box).
/// The hash key is the entered VM's ([`super::memory::hash_key`]) and the object id, which
/// few tables are given, is in the extra box: with gc-arena's header and the lock's flag the
/// allocation is 88 bytes, a 96-byte chunk of the allocator (it was 112).
#[derive(Collect)]
#[collect(no_drop)]
pub struct TableData<'gc> {
    /// The stored flat prefix of the array part (keys `1..=array.len()`, nil where unset);
    /// keys up to `asize` beyond it are in chunks (`Extra::chunks`) or nil.
    /// `array.len() <= asize.min(FLAT_MAX)`.
    array: Box<[Value<'gc>]>,
    /// Hash part entries in insertion order; a nil value is a removed key (tombstone). The
    /// flat prefix only (at most `HFLAT_MAX`): the next ones are in chunks
    /// (`Extra::hchunks`, see `table_hchunks`).
    entries: Vec<(Value<'gc>, Value<'gc>)>,
    /// The metatable.
    pub meta: Option<Table<'gc>>,
    /// The array size, node capacity and flags; owns the table's memory charge.
    #[collect(require_static)]
    sizes: parts::Sizes,
    /// The index of a big hash part, a lazy fork's pending contents, parked contents.
    extra: Option<Box<parts::Extra<'gc>>>,
}

use parts::node_capacity;

/// Why a key cannot be stored.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum KeyError {
    /// `t[nil] = v`
    Nil,
    /// `t[0/0] = v`
    NaN,
    /// Storing the key needs the table to grow, and its new parts do not fit in the VM's
    /// memory budget (checked before anything changes, so the table is as it was).
    NoMemory,
}

impl KeyError {
    /// Lua's message.
    pub fn message(self) -> &'static str {
        match self {
            KeyError::Nil => "index is nil",
            KeyError::NaN => "index is NaN",
            KeyError::NoMemory => super::error::NOT_ENOUGH_MEMORY,
        }
    }
}

/// Reads of a pending table answered from the image before it is copied (see `vm::lazy`).
const COPY_AFTER_READS: u32 = 1024;

/// Largest array part we will ever allocate by the sizing rule (2^26 slots = 1 GiB of values);
/// beyond it keys stay in the hash part.
const MAX_ARRAY_BITS: u32 = 26;

#[inline(always)]
fn mix(mut x: u64) -> u64 {
    // murmur3's fmix64: a bijective finalizer, keyed by xoring the seed in first.
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// The hash key of the entered VM (see [`TableData`]).
#[inline(always)]
fn seed() -> u64 {
    super::memory::hash_key()
}

/// Converts a float key with an exact integer value to an integer key (Lua's key normalisation).
#[inline]
pub fn normalize_key(key: Value<'_>) -> Value<'_> {
    if let Value::Float(f) = key {
        if let Some(i) = crate::number::float_to_int_exact(f.get()) {
            return Value::Int(i);
        }
    }
    key
}

impl<'gc> TableData<'gc> {
    #[inline]
    fn key_hash(&self, key: Value<'gc>) -> u64 {
        key_hash_with(seed(), key)
    }

    /// Finds the entry position of a (normalised, non-nil) key in the hash part.
    #[inline(always)]
    fn find(&self, key: Value<'gc>) -> Option<usize> {
        if self.entries.is_empty() {
            return None;
        }
        if self.indexed() {
            return self.find_pos(|| self.key_hash(key), |e| e.0.raw_eq(key));
        }
        if let Value::Str(s) = key {
            return self.find_small_str(s);
        }
        self.find_small(key)
    }

    /// [`TableData::find_small`] for a string key, in a loop that calls nothing: an entry
    /// whose key is the same string, or a short one with the same hash and bytes (a
    /// function's constant, the same name as the key stored from another function's), is
    /// found at once; anything it cannot tell so cheaply (long strings with equal hashes, a
    /// key whose hash is not computed) goes to the general search. (Not counting on every
    /// stored key's hash being computed, which `push_entry` sees to: an entry found here is
    /// one `find_small` finds, and so is a miss.)
    #[inline(never)]
    fn find_small_str(&self, key: super::string::LuaStr<'gc>) -> Option<usize> {
        self.scan_str(key)
    }

    /// [`TableData::find`] for a string key, inline (for the out-of-line searches of the
    /// lookups through a hint).
    #[inline(always)]
    fn find_str(&self, key: super::string::LuaStr<'gc>) -> Option<usize> {
        if self.indexed() {
            return self.find_str_indexed(key);
        }
        self.scan_str(key)
    }

    /// [`TableData::find_str`] in an indexed part, out of line: the hash index's probe
    /// loop needs many registers, which the callers' scans of small parts (an object's
    /// fields, a class's methods) would otherwise save and restore on every call.
    #[inline(never)]
    fn find_str_indexed(&self, key: super::string::LuaStr<'gc>) -> Option<usize> {
        if self.entries.is_empty() {
            return None;
        }
        let k = Value::Str(key);
        self.find_pos(|| self.key_hash(k), |e| e.0.raw_eq(k))
    }

    /// The loop of [`TableData::find_small_str`].
    #[inline(always)]
    fn scan_str(&self, key: super::string::LuaStr<'gc>) -> Option<usize> {
        let h = key.hash(seed());
        for (i, e) in self.entries.iter().enumerate() {
            if let Value::Str(k) = e.0 {
                let kh = k.cached_hash();
                if kh == h || kh == 0 {
                    if k.surely_eq(key) {
                        return Some(i);
                    }
                    return self.find_small(Value::Str(key));
                }
            }
        }
        None
    }

    /// [`TableData::find`] in a hash part without an index.
    #[inline(never)]
    fn find_small(&self, key: Value<'gc>) -> Option<usize> {
        // A small part, searched in order. Keys are normalised, so an integer key is never
        // equal to a float one; string keys compare by their hashes first (computed when
        // stored, see `push_entry`, and here for the key searched).
        let entries = &self.entries;
        match key {
            Value::Str(s) => {
                s.hash(seed());
                entries
                    .iter()
                    .position(|e| matches!(e.0, Value::Str(k) if k == s))
            }
            Value::Int(i) => entries
                .iter()
                .position(|e| matches!(e.0, Value::Int(k) if k == i)),
            _ => entries.iter().position(|e| e.0.raw_eq(key)),
        }
    }

    /// Raw get (`rawget`).
    #[inline]
    pub fn get(&self, key: Value<'gc>) -> Value<'gc> {
        match key {
            Value::Int(i) => self.get_int(i),
            Value::Str(_) => self.get_hash(key),
            Value::Nil => Value::Nil,
            Value::Float(f) => match crate::number::float_to_int_exact(f.get()) {
                Some(i) => self.get_int(i),
                None => self.get_hash(key),
            },
            _ => self.get_hash(key),
        }
    }

    #[inline]
    fn get_hash(&self, key: Value<'gc>) -> Value<'gc> {
        match self.find(key) {
            Some(p) => self.entry_value(p),
            None => Value::Nil,
        }
    }

    /// Raw get of an integer key.
    #[inline]
    pub fn get_int(&self, i: i64) -> Value<'gc> {
        let idx = (i as u64).wrapping_sub(1);
        if idx < self.array.len() as u64 {
            self.sizes.note_slot(idx);
            self.array[idx as usize]
        } else if idx < self.sizes.asize() as u64 {
            self.sizes.note_slot(idx);
            if idx >= chunks::FLAT_MAX as u64 {
                self.chunk_get_cold(idx as usize)
            } else {
                Value::Nil
            }
        } else {
            self.get_int_hash(i)
        }
    }

    /// [`TableData::get_int`] outside the array part (out of line: `get_int` is inlined in
    /// loops over the array part).
    #[inline(never)]
    fn get_int_hash(&self, i: i64) -> Value<'gc> {
        self.get_hash(Value::Int(i))
    }

    /// Raw get of a string key.
    #[inline]
    pub fn get_str(&self, key: super::string::LuaStr<'gc>) -> Value<'gc> {
        self.get_hash(Value::Str(key))
    }

    /// Raw get of the string key spelled `bytes`, without making a string (the VM's and the
    /// host API's lookups of fixed names, which would otherwise allocate one per lookup).
    /// The hash is the one an equal string key has ([`super::string::LuaStr::hash`]).
    pub fn get_str_bytes(&self, bytes: &[u8]) -> Value<'gc> {
        if self.entries.is_empty() {
            return Value::Nil;
        }
        let found = self.find_pos(
            || super::string::hash_bytes(seed(), bytes).max(1),
            |e| matches!(e, (Value::Str(k), _) if k.as_bytes() == bytes),
        );
        match found {
            Some(p) => self.entry_value(p),
            None => Value::Nil,
        }
    }

    /// The key object of the string key spelled `bytes`, when its value is not nil: what
    /// `closure::instantiate` makes a constant naming a global or a library field.
    pub fn str_key_bytes(&self, bytes: &[u8]) -> Option<super::string::LuaStr<'gc>> {
        if self.entries.is_empty() {
            return None;
        }
        let p = self.find_pos(
            || super::string::hash_bytes(seed(), bytes).max(1),
            |e| matches!(e, (Value::Str(k), v) if !v.is_nil() && k.as_bytes() == bytes),
        )?;
        match self.entry(p) {
            Some((Value::Str(k), _)) => Some(k),
            _ => None,
        }
    }

    /// Raw get of a string key, trying first the hash entry at `hint` (a position where the
    /// key was found before, in this table or another: tables built alike hold their fields
    /// at the same positions) and remembering where a search found it.
    ///
    /// Why this is exact: a key occupies at most one entry (a removed key stays in its entry
    /// as a tombstone, see the module docs), so an entry holding an equal key is the key's
    /// entry. The hint is a cache, never part of any state: any value is correct.
    #[inline]
    pub fn get_str_hinted(
        &self,
        key: super::string::LuaStr<'gc>,
        hint: &std::cell::Cell<u32>,
    ) -> Value<'gc> {
        if let Some((Value::Str(k), v)) = self.entries.get(hint.get() as usize) {
            if *k == key {
                return *v;
            }
        }
        self.get_str_search(key, hint)
    }

    /// Raw get of integer key `i` (one outside the array part) through a position hint, as
    /// [`TableData::get_str_hinted`] (exact for the same reason): the host API's handle
    /// serials, looked up on every host call.
    #[inline]
    pub fn get_int_hinted(&self, i: i64, hint: &std::cell::Cell<u32>) -> Value<'gc> {
        let idx = (i as u64).wrapping_sub(1);
        if idx < self.array.len() as u64 || idx < self.sizes.asize() as u64 {
            return self.get_int(i);
        }
        if let Some((Value::Int(k), v)) = self.entries.get(hint.get() as usize) {
            if *k == i {
                return *v;
            }
        }
        match self.find(Value::Int(i)) {
            Some(p) => {
                hint.set(p as u32);
                self.entry_value(p)
            }
            None => Value::Nil,
        }
    }

    #[inline(never)]
    fn get_str_search(
        &self,
        key: super::string::LuaStr<'gc>,
        hint: &std::cell::Cell<u32>,
    ) -> Value<'gc> {
        match self.find_str(key) {
            Some(p) => {
                hint.set(p as u32);
                self.entry_value(p)
            }
            None => Value::Nil,
        }
    }

    /// Raw set of a string key through a position hint (see [`TableData::get_str_hinted`]),
    /// when it needs no growth: `true` if done (the hint then holds the key's position),
    /// `false` (nothing changed) if the caller must take the general [`TableData::set`],
    /// which grows the table within the memory budget.
    #[inline]
    pub fn set_str_hinted(
        &mut self,
        key: super::string::LuaStr<'gc>,
        hint: &std::cell::Cell<u32>,
        value: Value<'gc>,
    ) -> bool {
        if let Some((Value::Str(k), v)) = self.entries.get_mut(hint.get() as usize) {
            if *k == key {
                // What `set` does with a key it finds in the hash part.
                *v = value;
                return true;
            }
        }
        self.set_str_search(key, hint, value)
    }

    /// [`TableData::set_str_hinted`] when the key is not at the hint: what `set_checked`
    /// does with a string key, short of a rehash. Inline in `Table::set_field`, its only
    /// caller through [`TableData::set_str_hinted`]: a constructor's stores of new fields
    /// (`{x = x, y = y}`) come here every time.
    #[inline]
    fn set_str_search(
        &mut self,
        key: super::string::LuaStr<'gc>,
        hint: &std::cell::Cell<u32>,
        value: Value<'gc>,
    ) -> bool {
        if let Some(p) = self.find_str(key) {
            let Some(e) = self.entries.get_mut(p) else {
                return false; // In a chunk: the general path, which writes the chunk.
            };
            hint.set(p as u32);
            e.1 = value;
            return true;
        }
        if value.is_nil() {
            return true; // Lua does not insert nil values.
        }
        if self.entries.len() >= self.sizes.hash_cap().min(hchunks::HFLAT_MAX) {
            return false; // A rehash, or a new chunk (the general path).
        }
        self.tm_cache_reset();
        hint.set(self.entries.len() as u32);
        if self.indexed() {
            self.push_entry_flat(Value::Str(key), value);
        } else {
            // `push_entry` for a small part, inline (an object's fields, set by its
            // constructor).
            key.hash(seed());
            self.entries.push((Value::Str(key), value));
        }
        true
    }

    /// Raw set of integer key `i` when it is a slot of the stored array prefix: `true` if
    /// done, `false` (nothing changed) if the caller must take the general
    /// [`TableData::set`]. The same outcome as `set` (see `store_array`), without its key
    /// normalisation and growth checks.
    #[inline]
    pub fn set_int_in_array(&mut self, i: i64, value: Value<'gc>) -> bool {
        let idx = (i as u64).wrapping_sub(1);
        match self.array.get_mut(idx as usize) {
            Some(slot) => {
                self.sizes.note_slot(idx);
                *slot = value;
                true
            }
            None => false,
        }
    }

    /// Raw set (`rawset`). Storing nil removes the key (leaving a tombstone for `next`).
    pub fn set(
        &mut self,
        mc: &Mutation<'gc>,
        key: Value<'gc>,
        value: Value<'gc>,
    ) -> Result<(), KeyError> {
        self.set_checked(mc, key, value, true)
    }

    /// Raw set that grows the table even beyond the memory budget, for a store that cannot
    /// be retried after a collection (see `Ctx::store_late`, which asks for the collection).
    pub fn set_growing(
        &mut self,
        mc: &Mutation<'gc>,
        key: Value<'gc>,
        value: Value<'gc>,
    ) -> Result<(), KeyError> {
        self.set_checked(mc, key, value, false)
    }

    fn set_checked(
        &mut self,
        mc: &Mutation<'gc>,
        key: Value<'gc>,
        value: Value<'gc>,
        check_memory: bool,
    ) -> Result<(), KeyError> {
        let key = match key {
            Value::Nil => return Err(KeyError::Nil),
            Value::Float(f) if f.get().is_nan() => return Err(KeyError::NaN),
            k => normalize_key(k),
        };
        if let Value::Int(i) = key {
            let idx = (i as u64).wrapping_sub(1);
            if idx < self.sizes.asize() as u64 {
                self.sizes.note_slot(idx);
                self.store_array(mc, idx as usize, value);
                return Ok(());
            }
        }
        if let Some(p) = self.find(key) {
            self.set_entry_value(mc, p, value);
            return Ok(());
        }
        if value.is_nil() {
            return Ok(()); // Lua does not insert nil values.
        }
        self.tm_cache_reset();
        if self.hash_len() >= self.sizes.hash_cap() {
            self.rehash(mc, key, check_memory)?;
            // The key may now belong to the array part.
            if let Value::Int(i) = key {
                let idx = (i as u64).wrapping_sub(1);
                if idx < self.sizes.asize() as u64 {
                    self.store_array(mc, idx as usize, value);
                    return Ok(());
                }
            }
        }
        self.push_entry(mc, key, value);
        Ok(())
    }

    /// Raw set of an integer key (the only possible error is `NoMemory`).
    #[inline]
    pub fn set_int(
        &mut self,
        mc: &Mutation<'gc>,
        i: i64,
        value: Value<'gc>,
    ) -> Result<(), KeyError> {
        let idx = (i as u64).wrapping_sub(1);
        if idx < self.array.len() as u64 {
            self.sizes.note_slot(idx);
            self.array[idx as usize] = value;
            Ok(())
        } else {
            self.set(mc, Value::Int(i), value)
        }
    }

    /// Moves the length hint as reading or writing every integer key in `lo..=hi` does (see
    /// `table_parts::Sizes`; each access moves it up to its key, so only the highest key of
    /// the array part counts), for a loop that then accesses them with
    /// [`TableData::copy_int`].
    pub fn note_int_range(&self, lo: i64, hi: i64) {
        let top = hi.min(self.sizes.asize() as i64);
        if top >= lo.max(1) {
            self.sizes.note_key((top - 1) as u64);
        }
    }

    /// `t[to] = t[from]`, raw: what [`TableData::get_int`] then [`TableData::set_int`] do,
    /// for keys the caller passed to [`TableData::note_int_range`] before (the table
    /// library's moves of elements within a table: the hint is then moved once, not at
    /// every element; nothing reads it in between). Exact even if a store grows the table:
    /// a resize drops the hint.
    #[inline]
    pub fn copy_int(&mut self, mc: &Mutation<'gc>, from: i64, to: i64) -> Result<(), KeyError> {
        let (f, t) = ((from as u64).wrapping_sub(1), (to as u64).wrapping_sub(1));
        if let (Some(&v), true) = (self.array.get(f as usize), t < self.array.len() as u64) {
            self.array[t as usize] = v;
            return Ok(());
        }
        let v = self.get_int(from);
        self.set_int(mc, to, v)
    }

    /// Stores `value` at array slot `idx < asize`, extending the stored slots if needed
    /// (see `table_chunks`; never beyond `asize`, which is what is charged).
    #[inline]
    fn store_array(&mut self, mc: &Mutation<'gc>, idx: usize, value: Value<'gc>) {
        if let Some(slot) = self.array.get_mut(idx) {
            *slot = value;
            return;
        }
        if (idx >= chunks::FLAT_MAX && self.chunk_set_cold(mc, idx, value)) || value.is_nil() {
            return; // Stored, or already nil.
        }
        self.grow_array(mc, idx, value);
    }

    /// The array part's size in Lua's sense.
    pub fn array_size(&self) -> usize {
        self.sizes.asize()
    }

    /// Stores `values` at keys `start + 1..` (`SetList`, `table.pack`); the caller made the
    /// array part big enough with `ensure_array`.
    pub fn set_list(&mut self, mc: &Mutation<'gc>, start: usize, values: &[Value<'gc>]) {
        let asize = self.sizes.asize();
        let end = asize.min(start.saturating_add(values.len()));
        if start == 0 && self.array.is_empty() && end <= chunks::FLAT_MAX {
            // A constructor's list into a fresh array part (`{a, b}`): the stored prefix is
            // the values themselves, one allocation and one copy, where slot-by-slot stores
            // would allocate, fill with nil and overwrite.
            if let Some(list) = values.get(..end) {
                self.array = list.into();
            }
            return;
        }
        for (i, v) in values.iter().enumerate() {
            if start + i < asize {
                self.store_array(mc, start + i, *v);
            }
        }
    }

    #[inline]
    fn push_entry(&mut self, mc: &Mutation<'gc>, key: Value<'gc>, value: Value<'gc>) {
        if self.entries.len() < hchunks::HFLAT_MAX {
            return self.push_entry_flat(key, value);
        }
        self.push_entry_chunked(mc, key, value);
    }

    /// [`TableData::push_entry`] when the flat prefix is full.
    #[inline(never)]
    fn push_entry_chunked(&mut self, mc: &Mutation<'gc>, key: Value<'gc>, value: Value<'gc>) {
        let pos = self.hash_len();
        self.push_raw(mc, (key, value));
        self.index_entry(pos);
    }

    /// [`TableData::push_entry`] when the flat prefix has room (the caller checks).
    #[inline]
    fn push_entry_flat(&mut self, key: Value<'gc>, value: Value<'gc>) {
        if let Value::Str(s) = key {
            s.hash(seed()); // (Cached in the string, for the searches in order.)
        }
        self.entries.push((key, value));
        self.index_entry(self.entries.len() - 1);
    }

    /// Makes the array part at least `n` long (for `SetList`). Fails, changing nothing, when
    /// that does not fit in the memory budget.
    pub fn ensure_array(&mut self, mc: &Mutation<'gc>, n: usize) -> Result<(), KeyError> {
        if n > self.sizes.asize() {
            let hash_size = self.sizes.hash_cap();
            if n > parts::MAX_ASIZE || !self.resize_fits(n, hash_size) {
                return Err(KeyError::NoMemory);
            }
            self.grow_array_size(mc, n, hash_size);
        }
        Ok(())
    }

    /// [`TableData::resize`] to `n` array slots (more than now) and `hash_size`, the hash
    /// part's capacity: with no hash part, index, chunks or pending contents, growing only
    /// changes the size, as `resize` would (the stored prefix grows as the keys are
    /// written), without rebuilding the empty hash part (a constructor `{f(), g()}`: one
    /// slot presized, the call's results more). Out of line, so `SetList`'s inlined code
    /// stays as it was.
    #[inline(never)]
    fn grow_array_size(&mut self, mc: &Mutation<'gc>, n: usize, hash_size: usize) {
        if hash_size == 0
            && self.entries.is_empty()
            && self.extra.is_none()
            && self.array.len() < chunks::FLAT_MAX
        {
            self.sizes.set(n, 0);
        } else {
            self.resize(mc, n, hash_size);
        }
    }

    /// The border `#t` (without `__len`), as PUC-Rio Lua 5.4's `luaH_getn` finds it: from
    /// the length hint (see `table_parts::Sizes`), probing the slots Lua probes and moving
    /// the hint as Lua moves it, so the border found in a table with holes is Lua's.
    pub fn length(&self) -> i64 {
        // (Two copies of the search: a small table's reads only its flat prefix.)
        if self.array.len() < chunks::FLAT_MAX {
            let flat: &[Value<'gc>] = &self.array;
            self.length_with(|k| flat.get(k).is_none_or(|v| v.is_nil()))
        } else {
            self.length_with(|k| self.array_slot(k).is_nil())
        }
    }

    /// [`TableData::length`] asking whether array slot `k` (0-based, `k < asize`) is nil
    /// with `nil_at`. The cases are `luaH_getn`'s (1), (2) and (3).
    #[inline(always)]
    fn length_with(&self, nil_at: impl Fn(usize) -> bool) -> i64 {
        let sizes = &self.sizes;
        let mut limit = sizes.limit();
        if limit > 0 && nil_at(limit - 1) {
            // (1) A border below `limit`.
            if limit >= 2 && !nil_at(limit - 2) {
                // `limit - 1` is one (after `t[#t] = nil`); the new hint if it can be one.
                if sizes.pow2_size() && !(limit - 1).is_power_of_two() {
                    sizes.set_hint(limit - 1);
                }
                return (limit - 1) as i64;
            }
            let border = binsearch(&nil_at, 0, limit);
            if sizes.pow2_size() && border > sizes.asize() / 2 {
                sizes.set_hint(border);
            }
            return border as i64;
        }
        if !sizes.limit_is_size() {
            // (2) `limit` is a hint, present (or 0: not with a hint), with slots after it.
            if nil_at(limit) {
                return limit as i64;
            }
            let asize = sizes.asize();
            if nil_at(asize - 1) {
                // A border between the hint and the last slot: the new hint.
                let border = binsearch(&nil_at, limit, asize);
                sizes.set_hint(border);
                return border as i64;
            }
            limit = asize;
        }
        // (3) The last slot (if any) is present: the border is `asize` or in the hash part.
        if self.entries.is_empty() || self.get_hash(Value::Int(limit as i64 + 1)).is_nil() {
            return limit as i64;
        }
        self.hash_search(limit as u64)
    }

    fn hash_search(&self, mut j: u64) -> i64 {
        let mut i;
        if j == 0 {
            j = 1;
        }
        loop {
            i = j;
            if j <= (i64::MAX as u64) / 2 {
                j *= 2;
            } else {
                j = i64::MAX as u64;
                if self.get_int(j as i64).is_nil() {
                    break;
                }
                return j as i64;
            }
            if self.get_int(j as i64).is_nil() {
                break;
            }
        }
        while j - i > 1 {
            let m = (i + j) / 2;
            if self.get_int(m as i64).is_nil() {
                j = m;
            } else {
                i = m;
            }
        }
        i as i64
    }

    /// `next`: the entry after `key` (nil: the first). `Err(())` if `key` is not in the table.
    #[allow(clippy::result_unit_err)]
    pub fn next(&self, key: Value<'gc>) -> Result<Option<(Value<'gc>, Value<'gc>)>, ()> {
        self.next_scanning(key).0
    }

    /// [`Self::next`], with the number of empty slots (nil array items, removed entries) it
    /// skipped: the work a traversal of a sparse table does, which `next` charges for.
    #[allow(clippy::type_complexity)]
    pub fn next_scanning(
        &self,
        key: Value<'gc>,
    ) -> (Result<Option<(Value<'gc>, Value<'gc>)>, ()>, usize) {
        let key = normalize_key(key);
        let mut start_array = 0usize;
        let mut start_entries = 0usize;
        match key {
            Value::Nil => {}
            Value::Int(i) if i >= 1 && (i as u64) <= self.sizes.asize() as u64 => {
                start_array = i as usize;
            }
            _ => {
                start_array = self.sizes.asize();
                match self.find_after_next(key) {
                    Some(i) => start_entries = i + 1,
                    None => return (Err(()), 0),
                }
            }
        }
        for i in start_array..self.array.len() {
            if !self.array[i].is_nil() {
                return (
                    Ok(Some((Value::Int(i as i64 + 1), self.array[i]))),
                    i - start_array,
                );
            }
        }
        if self.array.len() == chunks::FLAT_MAX {
            for i in start_array.max(chunks::FLAT_MAX)..self.array_stored() {
                let v = self.chunk_get(i);
                if !v.is_nil() {
                    return (Ok(Some((Value::Int(i as i64 + 1), v))), i - start_array);
                }
            }
        }
        // Every slot of the array part counts, stored or not: how long the stored prefix is
        // depends on the table's history (a restored table stores its whole array part), and
        // what `next` charges must not.
        let skipped = self.sizes.asize().saturating_sub(start_array);
        for (n, e) in self.entries.iter().skip(start_entries).enumerate() {
            if !e.1.is_nil() {
                if let Some(x) = &self.extra {
                    x.next_hint.set((start_entries + n) as u32);
                }
                return (Ok(Some(*e)), skipped + n);
            }
        }
        if self.entries.len() == hchunks::HFLAT_MAX {
            if let Some((pos, e)) = self.next_in_chunks(start_entries) {
                return (Ok(Some(e)), skipped + (pos - start_entries));
            }
        }
        let scanned = skipped + self.hash_len().saturating_sub(start_entries);
        (Ok(None), scanned)
    }

    /// [`TableData::find`] for `next`'s key, most often the key of the entry the last `next`
    /// returned (see `Extra::next_hint`): checked first by one comparison.
    #[inline(always)]
    fn find_after_next(&self, key: Value<'gc>) -> Option<usize> {
        if let Some(x) = &self.extra {
            let h = x.next_hint.get() as usize;
            if self.entry(h).is_some_and(|e| e.0.raw_eq(key)) {
                return Some(h);
            }
        }
        self.find(key)
    }

    /// Number of slots (array + hash entries), for memory accounting.
    pub fn slot_count(&self) -> usize {
        self.sizes.asize() + self.hash_len()
    }

    /// The emulated node-part capacity (see the module docs).
    pub fn hash_capacity(&self) -> usize {
        self.sizes.hash_cap()
    }

    /// The length hint as saved: Lua's `alimit` (the array size, or a hint for `#t` below
    /// it; see `table_parts::Sizes`).
    pub fn length_limit(&self) -> usize {
        self.sizes.limit()
    }
}

/// The hash of a (normalised) key under the VM's hash key.
#[inline]
pub fn key_hash_with(seed: u64, key: Value<'_>) -> u64 {
    match key {
        Value::Str(s) => s.hash(seed),
        Value::Int(i) => mix(i as u64 ^ seed),
        Value::Float(F64(bits)) => mix(bits ^ seed ^ 0x9e37_79b9_7f4a_7c15),
        Value::False => mix(seed ^ 1),
        Value::True => mix(seed ^ 2),
        Value::LightUserdata(p) => mix(p ^ seed ^ 0x6a09_e667_f3bc_c908),
        Value::Nil => 0,
        other => mix(other.gc_ptr().map_or(0, |p| p as usize as u64) ^ seed),
    }
}

/// ceil(log2(x)) for x >= 1.
fn ceil_log2(x: u64) -> u32 {
    if x <= 1 {
        0
    } else {
        64 - (x - 1).leading_zeros()
    }
}

/// Lua's `computesizes`: returns (optimal array size, number of keys that go there).
fn compute_sizes(nums: &[usize], total_int_keys: usize) -> (usize, usize) {
    let mut a = 0usize;
    let mut na = 0usize;
    let mut optimal = 0usize;
    let mut twotoi = 1usize;
    for &n in nums.iter() {
        if total_int_keys <= twotoi / 2 {
            break;
        }
        a += n;
        if a > twotoi / 2 {
            optimal = twotoi;
            na = a;
        }
        twotoi *= 2;
    }
    (optimal, na)
}

/// Lua's `binsearch`: a border in `[i, j)` of the array part, given that slot `i` (1-based;
/// 0 stands for "before the array") is present and slot `j` absent, probing exactly the
/// slots Lua probes (with holes, which border it finds depends on them).
#[inline(always)]
fn binsearch(nil_at: &impl Fn(usize) -> bool, mut i: usize, mut j: usize) -> usize {
    while j - i > 1 {
        let m = (i + j) / 2;
        let nil = nil_at(m - 1);
        // (Both updated without a branch: the probe's outcome is unpredictable.)
        j = if nil { m } else { j };
        i = if nil { i } else { m };
    }
    i
}

impl<'gc> Table<'gc> {
    /// Creates a table with size hints. `seed` is the VM's hash key: the entered VM's, the one
    /// its hashes use ([`super::memory::hash_key`]).
    pub fn new(mc: &Mutation<'gc>, seed: u64) -> Table<'gc> {
        Self::with_sizes(mc, seed, 0, 0)
    }

    /// Creates a table with room for `array` array slots and `hash` hash entries.
    pub fn with_sizes(mc: &Mutation<'gc>, seed: u64, array: usize, hash: usize) -> Table<'gc> {
        let _ = seed; // (The entered VM's: see `TableData`.)
        let hash_cap = node_capacity(hash);
        Table(Gc::new(
            mc,
            RefLock::new(TableData {
                array: Box::default(),
                entries: Vec::with_capacity(hash_cap.min(hchunks::HFLAT_MAX)),
                meta: None,
                sizes: parts::Sizes::new(array, hash_cap),
                extra: None,
            }),
        ))
    }

    /// The table's heap pointer (for weak references).
    #[inline]
    pub fn gc(self) -> Gc<'gc, RefLock<TableData<'gc>>> {
        self.0
    }

    /// The table behind a heap pointer.
    #[inline]
    pub fn from_gc(g: Gc<'gc, RefLock<TableData<'gc>>>) -> Table<'gc> {
        Table(g)
    }

    /// A shell for a table of a lazy fork whose contents are still in the image (`meta` and
    /// `id` are the image table's).
    pub fn pending(
        mc: &Mutation<'gc>,
        seed: u64,
        pending: super::lazy::Pending<'gc>,
        meta: Option<Table<'gc>>,
        id: u64,
    ) -> Table<'gc> {
        let t = Self::new(mc, seed);
        {
            let mut d = t.0.borrow_mut(mc);
            d.set_pending(Some(pending));
            d.meta = meta;
            d.set_id(id);
        }
        t
    }

    /// Whether the contents are still in a lazy fork's image.
    #[inline]
    pub fn is_pending(self) -> bool {
        self.0.borrow().is_pending()
    }

    /// Copies the contents from the image if they are still there.
    #[cold]
    fn fill(self, mc: &Mutation<'gc>) {
        let pending = self.0.borrow().pending();
        if let Some(p) = pending {
            p.fork.source.table_fill(mc, p.fork, p.obj, self);
            // (The source clears `pending`; make sure, so a bad image cannot loop.)
            self.0.borrow_mut(mc).set_pending(None);
        }
    }

    /// Installs the contents of a pending table (for the lazy source): like
    /// [`TableData::restore_parts`], and the table is no longer pending.
    pub fn fill_parts(
        self,
        mc: &Mutation<'gc>,
        array: Vec<Value<'gc>>,
        entries: Vec<(Value<'gc>, Value<'gc>)>,
        hash_cap: usize,
        limit: u64,
    ) -> bool {
        let mut d = self.0.borrow_mut(mc);
        d.set_pending(None);
        let (meta, id) = (d.meta, d.id());
        d.restore_parts(mc, array, entries, hash_cap, limit, meta, id)
    }

    /// The contents, for reading.
    #[inline]
    pub fn data(self, mc: &Mutation<'gc>) -> std::cell::Ref<'gc, TableData<'gc>> {
        let d = Gc::as_ref(self.0).borrow();
        if !d.is_pending() {
            return d;
        }
        drop(d);
        self.fill(mc);
        Gc::as_ref(self.0).borrow()
    }

    /// The contents, for writing.
    #[inline]
    pub fn data_mut<'a>(self, mc: &'a Mutation<'gc>) -> TableMut<'a, 'gc> {
        if self.0.borrow().is_pending() {
            self.fill(mc);
        }
        TableMut {
            d: self.0.borrow_mut(mc),
            mc,
        }
    }

    /// Raw get.
    #[inline]
    pub fn get(self, mc: &Mutation<'gc>, key: Value<'gc>) -> Value<'gc> {
        let d = self.0.borrow();
        match d.pending() {
            None => d.get(key),
            Some(p) => {
                drop(d);
                self.get_pending(mc, p, key)
            }
        }
    }

    #[cold]
    fn get_pending(
        self,
        mc: &Mutation<'gc>,
        p: super::lazy::Pending<'gc>,
        key: Value<'gc>,
    ) -> Value<'gc> {
        // (A remembered key is not a read through the image: an agent that reads the same
        // few globals on every turn keeps its globals table in the image.)
        if let Value::Str(k) = key {
            if let Some(v) = self.0.borrow().pending_cached(k) {
                return v;
            }
        }
        // A table read many times is copied: a read through the image costs a few times a
        // plain one, and a copy costs about as much as a few reads per entry.
        let reads = {
            let d = self.0.borrow();
            d.extra.as_ref().map_or(0, |e| {
                let n = e.pending_reads.get().saturating_add(1);
                e.pending_reads.set(n);
                n
            })
        };
        if reads > COPY_AFTER_READS {
            return self.data(mc).get(key);
        }
        match p.fork.source.table_get(mc, p.fork, p.obj, key) {
            Some(v) => {
                if let Value::Str(k) = key {
                    self.0.borrow_mut(mc).cache_pending(k, v);
                }
                v
            }
            None => self.data(mc).get(key),
        }
    }

    /// Raw get, and whether the table has a metatable (one borrow, for the interpreter).
    #[inline]
    pub fn get_and_meta(self, mc: &Mutation<'gc>, key: Value<'gc>) -> (Value<'gc>, bool) {
        let d = self.0.borrow();
        match d.pending() {
            None => (d.get(key), d.meta.is_some()),
            Some(p) => {
                let has_meta = d.meta.is_some();
                drop(d);
                (self.get_pending(mc, p, key), has_meta)
            }
        }
    }

    /// [`Table::get_and_meta`] for a string key, through a position hint (see
    /// [`TableData::get_str_hinted`]).
    #[inline]
    pub fn get_str_hinted_and_meta(
        self,
        mc: &Mutation<'gc>,
        key: super::string::LuaStr<'gc>,
        hint: &std::cell::Cell<u32>,
    ) -> (Value<'gc>, bool) {
        let d = self.0.borrow();
        match d.pending() {
            None => (d.get_str_hinted(key, hint), d.meta.is_some()),
            Some(p) => {
                let has_meta = d.meta.is_some();
                drop(d);
                (self.get_pending(mc, p, Value::Str(key)), has_meta)
            }
        }
    }

    /// [`Table::get_and_meta`] for an integer key.
    #[inline]
    pub fn get_int_and_meta(self, mc: &Mutation<'gc>, i: i64) -> (Value<'gc>, bool) {
        let d = self.0.borrow();
        match d.pending() {
            None => (d.get_int(i), d.meta.is_some()),
            Some(p) => {
                let has_meta = d.meta.is_some();
                drop(d);
                (self.get_pending(mc, p, Value::Int(i)), has_meta)
            }
        }
    }

    /// Raw get of an integer key.
    #[inline]
    pub fn get_int(self, mc: &Mutation<'gc>, i: i64) -> Value<'gc> {
        let d = self.0.borrow();
        match d.pending() {
            None => d.get_int(i),
            Some(p) => {
                drop(d);
                self.get_pending(mc, p, Value::Int(i))
            }
        }
    }

    /// Raw get of the string key spelled `bytes` without making a string (see
    /// [`TableData::get_str_bytes`]). A table still in a lazy fork's image is read through
    /// the image, whose key (made uncounted, as a fork makes everything) is the key: a
    /// caller that made a string here would charge, in a fork only, an allocation the
    /// uninterrupted run never made, and the collector's pacing would differ.
    #[inline]
    pub fn get_str_bytes(self, mc: &Mutation<'gc>, bytes: &[u8]) -> Value<'gc> {
        let d = self.0.borrow();
        if d.pending().is_none() {
            return d.get_str_bytes(bytes);
        }
        drop(d);
        match self.str_key_bytes(mc, bytes) {
            Some(key) => self.get_str(mc, key),
            None => Value::Nil,
        }
    }

    /// [`TableData::str_key_bytes`], read through a lazy fork's image for a table still
    /// there (the key made as a read makes it, the table not copied).
    pub fn str_key_bytes(
        self,
        mc: &Mutation<'gc>,
        bytes: &[u8],
    ) -> Option<super::string::LuaStr<'gc>> {
        let p = {
            let d = self.0.borrow();
            match d.pending() {
                None => return d.str_key_bytes(bytes),
                Some(p) => p,
            }
        };
        match p.fork.source.table_str_key(mc, p.fork, p.obj, bytes) {
            Some(k) => k,
            None => self.data(mc).str_key_bytes(bytes),
        }
    }

    /// Raw get of a string key.
    #[inline]
    pub fn get_str(self, mc: &Mutation<'gc>, key: super::string::LuaStr<'gc>) -> Value<'gc> {
        let d = self.0.borrow();
        match d.pending() {
            None => d.get_str(key),
            Some(p) => {
                drop(d);
                self.get_pending(mc, p, Value::Str(key))
            }
        }
    }

    /// Raw set.
    #[inline]
    pub fn set(
        self,
        mc: &Mutation<'gc>,
        key: Value<'gc>,
        value: Value<'gc>,
    ) -> Result<(), KeyError> {
        self.data_mut(mc).set(key, value)
    }

    /// The metatable (kept in the shell: no copy needed).
    #[inline]
    pub fn metatable(self) -> Option<Table<'gc>> {
        self.0.borrow().meta
    }

    /// Sets the metatable.
    #[inline]
    pub fn set_metatable(self, mc: &Mutation<'gc>, meta: Option<Table<'gc>>) {
        self.0.borrow_mut(mc).meta = meta;
    }

    /// The deterministic object id (0 = not yet assigned; kept in the shell).
    #[inline]
    pub fn id(self) -> u64 {
        self.0.borrow().id()
    }

    /// Sets the deterministic object id.
    #[inline]
    pub fn set_id(self, mc: &Mutation<'gc>, id: u64) {
        self.0.borrow_mut(mc).set_id(id);
    }

    /// Raw length (border).
    pub fn length(self, mc: &Mutation<'gc>) -> i64 {
        self.data(mc).length()
    }

    /// The object's address (identity; for hashing and `%p`-like uses).
    #[inline]
    pub fn as_ptr(self) -> *const () {
        Gc::as_ptr(self.0) as *const ()
    }
}

#[path = "table_probe.rs"]
mod probe;

#[path = "table_parts.rs"]
mod parts;

#[path = "table_loop.rs"]
mod table_loop;

#[path = "table_weak.rs"]
mod weak;

#[path = "table_tm.rs"]
mod tm;

#[path = "table_chunks.rs"]
mod chunks;

#[path = "table_hchunks.rs"]
mod hchunks;

#[path = "table_hindex.rs"]
mod hindex;

#[path = "table_resize.rs"]
mod resize;

#[path = "table_compact.rs"]
mod compact;

#[path = "table_mut.rs"]
mod table_mut;
pub use table_mut::TableMut;

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "table_htests.rs"]
mod htests;

/// Builds a table for `{...}`-style host use.
pub fn table_from<'gc>(ctx: super::state::Ctx<'gc>, vals: &[Value<'gc>]) -> Table<'gc> {
    let t = ctx.new_table_sized(vals.len(), 0);
    t.data_mut(ctx.mc).set_list(0, vals);
    t
}
