//! The absent-metamethod cache (PUC-Rio Lua's `flags` byte): a table used as a metatable
//! remembers which of the most often looked-up metamethod names it lacks, so that asking
//! again costs a bit test instead of a search. `setmetatable` asks for `__mode` and `__gc`
//! on every call, an object's metatable is asked for `__newindex` on every store of a new
//! field, `__eq` and `__len` on comparisons and `#`, the string metatable for `__tostring`
//! on every `%s` of `string.format`: the answer is usually "absent", and an absent key is
//! the most expensive to look up (a search of the whole part).
//!
//! # Invariant
//! A set bit means "that name has no entry in the table's hash part", not even a removed
//! key's (a tombstone, which keeps its entry: see `table`). Lookups set bits (only when the
//! answer came from the table's own parts: never while a lazy fork's contents are still in
//! the image); a name with an entry, live or removed, never gets its bit. So only a store
//! that adds an entry can make a name with a set bit present, and those reset every bit
//! (`TableData::tm_cache_reset`: a new key, a restore or a fill from an image, a weak
//! table's contents put back); stores at existing entries (the interpreter's stores at a
//! position hint) need not look at the cache at all. The cache is not part of any state: it
//! is never saved, a restored table starts with it empty, and any content of it gives the
//! same answers, so no fuel, output or snapshot byte depends on it.

use gc_arena::Mutation;

use super::{Table, TableData, Value};
use crate::vm::state::Tm;
use crate::vm::string::LuaStr;

/// The cache bit of a metamethod name (0: not cached).
#[inline(always)]
const fn tm_bit(tm: Tm) -> u8 {
    match tm {
        Tm::Index => 1,
        Tm::NewIndex => 1 << 1,
        Tm::Gc => 1 << 2,
        Tm::Mode => 1 << 3,
        Tm::Len => 1 << 4,
        Tm::Eq => 1 << 5,
        Tm::Metatable => 1 << 6,
        Tm::ToString => 1 << 7,
        _ => 0,
    }
}

impl<'gc> TableData<'gc> {
    /// Forgets every absent metamethod (a key may have appeared; see the module docs).
    #[inline(always)]
    pub(super) fn tm_cache_reset(&self) {
        self.sizes.tm_absent.set(0);
    }

    /// Whether metamethod `tm` is known absent from the table.
    #[inline(always)]
    pub(super) fn tm_known_absent(&self, tm: Tm) -> bool {
        self.sizes.tm_absent.get() & tm_bit(tm) != 0
    }

    /// Records that metamethod `tm` was found absent from the table's own parts.
    #[inline(always)]
    pub(super) fn tm_note_absent(&self, tm: Tm) {
        let flags = &self.sizes.tm_absent;
        flags.set(flags.get() | tm_bit(tm));
    }
}

impl<'gc> Table<'gc> {
    /// Whether this table is known to lack metamethod `tm` (`false`: unknown). The answer
    /// [`Table::tm_field`] gives at once.
    #[inline(always)]
    pub fn tm_known_absent(self, tm: Tm) -> bool {
        self.0.borrow().tm_known_absent(tm)
    }

    /// The raw value of metamethod `tm` in this table (a metatable), whose name `name` gives;
    /// nil at once when the table is known to lack it. The same answer as a raw get of the
    /// name (through position `hint` if given, see `TableData::get_str_hinted`). (Inline:
    /// `tm` is then a constant, and so is its bit.)
    #[inline(always)]
    pub fn tm_field(
        self,
        mc: &Mutation<'gc>,
        tm: Tm,
        name: impl FnOnce() -> LuaStr<'gc>,
        hint: Option<&std::cell::Cell<u32>>,
    ) -> Value<'gc> {
        {
            let d = self.0.borrow();
            if d.tm_known_absent(tm) {
                return Value::Nil;
            }
            if !d.is_pending() {
                return d.tm_lookup(tm, name(), hint);
            }
        }
        self.get_str(mc, name())
    }

    /// [`Table::tm_field`] through a position hint (see `TableData::get_str_hinted`): the
    /// `__index` of the metatables an `__index` chain passes.
    #[inline(always)]
    pub fn tm_field_hinted(
        self,
        mc: &Mutation<'gc>,
        tm: Tm,
        name: LuaStr<'gc>,
        hint: &std::cell::Cell<u32>,
    ) -> Value<'gc> {
        {
            let d = self.0.borrow();
            if d.tm_known_absent(tm) {
                return Value::Nil;
            }
            if !d.is_pending() {
                return d.tm_lookup(tm, name, Some(hint));
            }
        }
        self.get_str(mc, name)
    }
}

impl<'gc> TableData<'gc> {
    /// A raw get of metamethod name `name` (through `hint` if given), noting the name absent
    /// when it has no entry (see the module docs).
    #[inline(always)]
    pub(super) fn tm_lookup(
        &self,
        tm: Tm,
        name: LuaStr<'gc>,
        hint: Option<&std::cell::Cell<u32>>,
    ) -> Value<'gc> {
        if let Some(h) = hint {
            if let Some((Value::Str(k), v)) = self.entries.get(h.get() as usize) {
                if k.surely_eq(name) {
                    return *v;
                }
            }
        }
        self.tm_search(tm, name, hint)
    }

    /// [`TableData::tm_lookup`] when the name is not at the hint.
    #[inline(never)]
    fn tm_search(
        &self,
        tm: Tm,
        name: LuaStr<'gc>,
        hint: Option<&std::cell::Cell<u32>>,
    ) -> Value<'gc> {
        match self.find_str(name) {
            Some(p) => {
                if let Some(h) = hint {
                    h.set(p as u32);
                }
                self.entry_value(p)
            }
            None => {
                self.tm_note_absent(tm);
                Value::Nil
            }
        }
    }
}
