//! The interpreter's inline table probes: the common case of a table read or write as
//! `fast::hot` (and `interp::execute`) inline it, calling nothing so that the loop that
//! inlines them keeps its state in registers. Each answers "done" or "not here" and leaves
//! every other case (a lazy fork's pending table, a miss at the hint, a metatable, a new key)
//! to the out-of-line paths, here too (`Table::get_field`, `Table::get_index_int`,
//! `Table::set_field`, `Table::set_index_int`). Kept apart from `table` for its size; a child
//! module, so they read `TableData`'s private fields as the rest of `table` does.

use gc_arena::Mutation;

use super::{Table, TableData, Value};
use crate::limits::fuel::{Fuel, INDEX_CHAIN_LINK};
use crate::vm::state::{Ctx, Tm};
use crate::vm::string::LuaStr;

impl<'gc> Table<'gc> {
    /// The interpreter's inline probe for a constant string key: the value when the key is
    /// at the constant's position hint (see [`Table::get_field`]) and no metatable lookup is
    /// needed, `None` for anything else (the caller then takes [`Table::get_field`]). Calls
    /// nothing, so the dispatch loop that inlines it keeps its state in registers.
    #[inline(always)]
    pub fn probe_field(self, key: LuaStr<'gc>, hint: &std::cell::Cell<u32>) -> Option<Value<'gc>> {
        let d = self.0.borrow();
        if !d.is_pending() {
            if let Some((Value::Str(k), v)) = d.entries.get(hint.get() as usize) {
                if k.surely_eq(key) && !(v.is_nil() && d.meta.is_some()) {
                    return Some(*v);
                }
            }
        }
        None
    }

    /// [`Table::probe_field`] for an integer key in the array part below the length hint
    /// (else [`Table::get_index_int`]).
    #[inline(always)]
    pub fn probe_int(self, i: i64) -> Option<Value<'gc>> {
        let d = self.0.borrow();
        let idx = (i as u64).wrapping_sub(1);
        // (Below the length hint if there is one: a key above it moves it, see
        // `table_parts::Sizes`, which is left to `get_index_int`, so that the loop inlining
        // this stores nothing and calls nothing.)
        if d.sizes.probe_ok(idx) {
            if let Some(&v) = d.array.get(idx as usize) {
                if !(v.is_nil() && d.meta.is_some()) {
                    return Some(v);
                }
            }
        }
        None
    }

    /// [`Table::probe_int`]'s answer where it has none, for a table with nothing beyond its
    /// stored array prefix (no hash part, no chunks) and no metatable: nil for a key past the
    /// prefix, as [`Table::get_index_int`] answers (`tree[1]` of a leaf `{}`, with no change
    /// of the length hint); else `None`. Out of line: only the small loop's variant with
    /// calls asks (in the loop variants, the test cost fannkuch +6.7%: registers).
    #[cold]
    #[inline(never)]
    pub fn probe_int_absent(self, i: i64) -> Option<Value<'gc>> {
        let d = self.0.borrow();
        let idx = (i as u64).wrapping_sub(1);
        (d.sizes.probe_ok(idx)
            && idx >= d.array.len() as u64
            && d.only_prefix()
            && d.meta.is_none())
        .then_some(Value::Nil)
    }

    /// The interpreter's inline store at a constant string key found at its position hint in
    /// a table without a metatable: `true` if done, `false` (nothing changed) otherwise (the
    /// caller then takes [`Table::set_field`]).
    #[inline(always)]
    pub fn probe_set_field(
        self,
        mc: &Mutation<'gc>,
        key: LuaStr<'gc>,
        hint: &std::cell::Cell<u32>,
        value: Value<'gc>,
    ) -> bool {
        let mut d = self.0.borrow_mut(mc);
        if !d.is_pending() && d.meta.is_none() {
            if let Some((Value::Str(k), v)) = d.entries.get_mut(hint.get() as usize) {
                if k.surely_eq(key) {
                    // What `set` does with a key it finds in the hash part.
                    *v = value;
                    return true;
                }
            }
        }
        false
    }

    /// [`Table::probe_set_field`] for an integer key: a slot of the array part's stored
    /// prefix below the length hint, if there is one (else [`Table::set_index_int`], which
    /// moves the hint: see [`TableData::set_int_in_array`]).
    #[inline(always)]
    pub fn probe_set_int(self, mc: &Mutation<'gc>, i: i64, value: Value<'gc>) -> bool {
        if (i as u64).wrapping_sub(1) >= super::chunks::FLAT_MAX as u64 {
            // Not in a flat prefix: `set_index_int`, without writing the record.
            return false;
        }
        let mut d = self.0.borrow_mut(mc);
        let idx = (i as u64).wrapping_sub(1);
        if d.sizes.probe_ok(idx) && d.meta.is_none() {
            if let Some(slot) = d.array.get_mut(idx as usize) {
                *slot = value;
                return true;
            }
        }
        false
    }

    /// A constant string key's value as the interpreter's `GetField` wants it (through the
    /// constant's position hint, see [`TableData::get_str_hinted`]): the raw value, or `None`
    /// when it is nil and the table has a metatable (the caller then looks for `__index`).
    ///
    /// Out of line, with everything but a hit at the hint in [`Table::get_field_slow`] (a
    /// pending table, a search, long strings to compare, an object's method found in its
    /// class: `fuel` is charged for the links of the `__index` chain it follows, see
    /// [`Table::get_field_chain`]): the common case calls nothing, so it needs few registers,
    /// and it returns in registers (a `(Value, bool)` pair goes through memory). (`ctx` and
    /// `fuel`, for the slow path, cost the common case two argument registers, and one
    /// register saved: +4 machine instructions a call.)
    #[inline(never)]
    pub fn get_field(
        self,
        ctx: Ctx<'gc>,
        key: LuaStr<'gc>,
        hint: &std::cell::Cell<u32>,
        fuel: &mut Fuel,
    ) -> Option<Value<'gc>> {
        {
            let d = self.0.borrow();
            if !d.is_pending() {
                if let Some((Value::Str(k), v)) = d.entries.get(hint.get() as usize) {
                    if k.surely_eq(key) {
                        let v = *v;
                        return if v.is_nil() && d.meta.is_some() {
                            None
                        } else {
                            Some(v)
                        };
                    }
                }
            }
        }
        self.get_field_slow(ctx, key, hint, fuel)
    }

    /// A raw store of `value` at a constant string key through the constant's position hint
    /// (see [`TableData::set_str_hinted`]), as the interpreter's `SetField` wants it: `true`
    /// if done, which it is when the table has no metatable, or the key has a value
    /// (`__newindex` is consulted only for absent keys, so an object's existing field is
    /// stored the same with or without a metatable), or the metatable is known to have no
    /// `__newindex` (see `table_tm`), and the store needs no growth; `false` (nothing
    /// changed) if the caller must take the general path. Out of line: one call instead of
    /// the borrow, the lazy-fork check and the store inline in the loop.
    #[inline(never)]
    pub fn set_field(
        self,
        mc: &Mutation<'gc>,
        key: LuaStr<'gc>,
        hint: &std::cell::Cell<u32>,
        value: Value<'gc>,
    ) -> bool {
        let mut tb = self.data_mut(mc);
        let raw = match tb.meta {
            None => true,
            Some(mt) => {
                !tb.get_str_hinted(key, hint).is_nil()
                    || if mt == self {
                        tb.tm_known_absent(Tm::NewIndex)
                    } else {
                        mt.0.borrow().tm_known_absent(Tm::NewIndex)
                    }
            }
        };
        raw && tb.set_str_hinted(key, hint, value)
    }

    /// An integer key's value as the interpreter's `GetTable`/`GetI` want it: the raw value,
    /// or `None` when it is nil and the table has a metatable. Out of line with everything but
    /// a slot of the array part in [`Table::get_index_int_slow`] (see [`Table::get_field`]).
    #[inline(never)]
    pub fn get_index_int(self, mc: &Mutation<'gc>, i: i64) -> Option<Value<'gc>> {
        {
            let d = self.0.borrow();
            // (A hint below the size, or a pending table: the general path.)
            if !d.sizes.hinted_or_pending() {
                let idx = (i as u64).wrapping_sub(1);
                if idx < d.array.len() as u64 {
                    let v = d.array[idx as usize];
                    return if v.is_nil() && d.meta.is_some() {
                        None
                    } else {
                        Some(v)
                    };
                }
                if d.only_prefix() {
                    // Nothing beyond the stored prefix (no hash part, no chunks): nil, as
                    // the search would find (`tree[1]` of a leaf `{}`).
                    return if d.meta.is_some() {
                        None
                    } else {
                        Some(Value::Nil)
                    };
                }
            } else if !d.is_pending() {
                // The same with a length hint below the size, which the read moves.
                let idx = (i as u64).wrapping_sub(1);
                if idx < d.array.len() as u64 {
                    d.sizes.note_slot(idx);
                    let v = d.array[idx as usize];
                    return if v.is_nil() && d.meta.is_some() {
                        None
                    } else {
                        Some(v)
                    };
                }
            }
        }
        self.get_index_int_slow(mc, i)
    }

    /// [`Table::get_index_int`] outside the array part (or for a pending table).
    #[inline(never)]
    fn get_index_int_slow(self, mc: &Mutation<'gc>, i: i64) -> Option<Value<'gc>> {
        let (v, has_meta) = self.get_int_and_meta(mc, i);
        if v.is_nil() && has_meta {
            None
        } else {
            Some(v)
        }
    }

    /// A raw store at integer key `i` as the interpreter's `SetTable`/`SetI` want it: `true`
    /// if the table has no metatable and `i` is a slot of the array part or the one after it
    /// (see [`TableData::set_int_in_array`]); `false` (nothing changed) if the caller must take
    /// the general path. Out of line, like [`Table::set_field`].
    #[inline(never)]
    pub fn set_index_int(self, mc: &Mutation<'gc>, i: i64, value: Value<'gc>) -> bool {
        if (i as u64).wrapping_sub(1) >= super::chunks::FLAT_MAX as u64 {
            return self.set_in_chunks(mc, i, value);
        }
        let mut tb = self.data_mut(mc);
        tb.meta.is_none() && tb.set_int_in_array(i, value)
    }

    /// [`Table::get_field`] when the key is not at the hint (or the table is pending): for a
    /// table with its contents, [`Table::get_field_chain`].
    #[inline(never)]
    fn get_field_slow(
        self,
        ctx: Ctx<'gc>,
        key: LuaStr<'gc>,
        hint: &std::cell::Cell<u32>,
        fuel: &mut Fuel,
    ) -> Option<Value<'gc>> {
        let (v, has_meta) = {
            let d = self.0.borrow();
            if !d.is_pending() {
                drop(d);
                let (v, links) = self.get_field_chain(ctx, key, hint)?;
                fuel.charge(links * INDEX_CHAIN_LINK);
                return Some(v);
            }
            // (A key read through the image before, such as an agent's `receive` on every
            // turn, is answered here in the same borrow.)
            (d.pending_cached(key), d.meta.is_some())
        };
        let v = match v {
            Some(v) => v,
            None => self.get_str_hinted_and_meta(ctx.mc, key, hint).0,
        };
        if v.is_nil() && has_meta {
            None
        } else {
            Some(v)
        }
    }

    /// `GetField`'s lookup of string key `key` in this table (not pending) and, where the
    /// table lacks it and has a metatable, along its `__index` chain while that is made of
    /// tables (an object, its class, the class's superclass...), in one call: each table is
    /// borrowed once, for its value and metatable, and each metatable once for its `__index`
    /// (through the VM's position hint of the `__index` string; see `table_tm` for the
    /// absence cache consulted). `hint`: the constant's position hint, read as one position
    /// in this table and as two ways in the chain's tables (see
    /// [`TableData::get_str_chain_hinted`]).
    ///
    /// `Some((value, links))` when the answer is found so, with the number of links of the
    /// chain followed, for which the caller charges (`limits::fuel::INDEX_CHAIN_LINK` each,
    /// as `meta::index_charged_missed` does): the same answer and fuel. `None` when this table lacks `key` (nil) and has a
    /// metatable but the chain goes on otherwise (an `__index` function to call, a string, a
    /// lazy fork's pending table, a chain longer than [`CHAIN_FAST_MAX`] links), having
    /// changed nothing but position hints and absence bits (caches whose content never
    /// changes an answer): [`Table::get_field`]'s `None`, after which the caller follows the
    /// chain from this table's metatable (`meta::index_charged_missed`).
    #[inline(always)]
    fn get_field_chain(
        self,
        ctx: Ctx<'gc>,
        key: LuaStr<'gc>,
        hint: &std::cell::Cell<u32>,
    ) -> Option<(Value<'gc>, i64)> {
        let mut mt = {
            let d = self.0.borrow();
            let v = match d.find_str(key) {
                Some(p) => {
                    hint.set(p as u32);
                    d.entry_value(p)
                }
                None => Value::Nil,
            };
            match d.meta {
                Some(mt) if v.is_nil() => mt,
                _ => return Some((v, 0)),
            }
        };
        let (index_name, index_hint) = (ctx.tm(Tm::Index), &ctx.state.index_hint);
        for links in 1..=CHAIN_FAST_MAX {
            // `mt` is the metatable of the table where `key` was found nil.
            let next = {
                let m = mt.0.borrow();
                let tm = if m.tm_known_absent(Tm::Index) {
                    Value::Nil
                } else if m.is_pending() {
                    return None;
                } else {
                    m.tm_lookup(Tm::Index, index_name, Some(index_hint))
                };
                match tm {
                    Value::Table(next) => next,
                    Value::Nil => return Some((Value::Nil, links - 1)),
                    _ => return None,
                }
            };
            let d = next.0.borrow();
            if d.is_pending() {
                return None;
            }
            let v = d.get_str_chain_hinted(key, hint);
            match d.meta {
                Some(m) if v.is_nil() => mt = m,
                _ => return Some((v, links)),
            }
        }
        None
    }

    /// [`Table::get_field`] after a miss at the hint, for `fast::hot` (through a cold call):
    /// the value and the links of the `__index` chain followed (to charge, see
    /// [`Table::get_field_chain`]), or `None` (nothing charged, nothing changed but caches)
    /// for a pending table and where that gives `None`. `ctx.tm(Tm::Index)` must be made
    /// (not a lazy fork's name still to make).
    #[inline(always)]
    pub fn get_field_chained(
        self,
        ctx: Ctx<'gc>,
        key: LuaStr<'gc>,
        hint: &std::cell::Cell<u32>,
    ) -> Option<(Value<'gc>, i64)> {
        if self.0.borrow().is_pending() {
            return None;
        }
        self.get_field_chain(ctx, key, hint)
    }

    /// A raw get in a table of an `__index` chain (through the position hint of a string
    /// key, if given), with the table's metatable: one borrow for both.
    #[inline]
    pub fn get_in_chain(
        self,
        mc: &Mutation<'gc>,
        key: Value<'gc>,
        hint: Option<&std::cell::Cell<u32>>,
    ) -> (Value<'gc>, Option<Table<'gc>>) {
        {
            let d = self.0.borrow();
            if !d.is_pending() {
                let v = match (key, hint) {
                    (Value::Str(s), Some(h)) => d.get_str_chain_hinted(s, h),
                    _ => d.get(key),
                };
                return (v, d.meta);
            }
        }
        (self.get(mc, key), self.metatable())
    }

    /// [`Table::get_in_chain`]'s value when it is not nil and the table is not pending (a
    /// lazy fork's contents still in the image), else `None` (then that path answers).
    #[inline]
    pub fn get_chain_value(
        self,
        key: Value<'gc>,
        hint: Option<&std::cell::Cell<u32>>,
    ) -> Option<Value<'gc>> {
        let d = self.0.borrow();
        if d.is_pending() {
            return None;
        }
        let v = match (key, hint) {
            (Value::Str(s), Some(h)) => d.get_str_chain_hinted(s, h),
            _ => d.get(key),
        };
        (!v.is_nil()).then_some(v)
    }
}

/// Longest `__index` chain [`Table::get_field_chain`] follows (longer ones, rare, take the
/// general path, which stops at `meta::MAX_TAG_LOOP`).
const CHAIN_FAST_MAX: i64 = 16;

/// Largest hash-part position a two-way chain hint holds (see
/// [`TableData::get_str_chain_hinted`]); `0xFFFF` marks an empty way.
const WAY_MAX: u32 = 0xFFFE;

impl<'gc> TableData<'gc> {
    /// Raw get of a string key in a table of an `__index` chain through the constant's
    /// position hint read as two ways: the positions (16 bits each) where the key was last
    /// found in the two most recent classes that held it. One key is often a method of two
    /// classes at different positions (an overridden `dot` of `Point` and `Point3`, called
    /// alternately), where a one-position hint would miss every time.
    ///
    /// Exact for the reason [`TableData::get_str_hinted`] is (an entry holding an equal key
    /// is the key's entry). The same cell is read as one position by the other lookups
    /// through a hint: a value written here is a position they may miss, which costs them
    /// a search and never a wrong answer. Positions past [`WAY_MAX`] (huge hash parts,
    /// which have an index) are stored as one position, which these two ways miss.
    #[inline(always)]
    pub(super) fn get_str_chain_hinted(
        &self,
        key: LuaStr<'gc>,
        hint: &std::cell::Cell<u32>,
    ) -> Value<'gc> {
        let h = hint.get();
        for pos in [h & 0xFFFF, h >> 16] {
            if let Some((Value::Str(k), v)) = self.entries.get(pos as usize) {
                if k.surely_eq(key) {
                    return *v;
                }
            }
        }
        self.get_str_chain_search(key, hint)
    }

    /// [`TableData::get_str_chain_hinted`] when neither way holds the key: a search, whose
    /// position becomes the first way (the first way moving to the second).
    #[inline(never)]
    fn get_str_chain_search(&self, key: LuaStr<'gc>, hint: &std::cell::Cell<u32>) -> Value<'gc> {
        match self.find_str(key) {
            Some(p) => {
                let p = p as u32;
                let first = hint.get() & 0xFFFF;
                hint.set(if p <= WAY_MAX { (first << 16) | p } else { p });
                self.entry_value(p as usize)
            }
            None => Value::Nil,
        }
    }
}
