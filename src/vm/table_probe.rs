//! The interpreter's inline table probes: the common case of a table read or write as
//! `fast::hot` (and `interp::execute`) inline it, calling nothing so that the loop that
//! inlines them keeps its state in registers. Each answers "done" or "not here" and leaves
//! every other case (a lazy fork's pending table, a miss at the hint, a metatable, a new key)
//! to the out-of-line paths of `table` (`Table::get_field`, `Table::get_index_int`,
//! `Table::set_field`, `Table::set_index_int`). Kept apart from `table` for its size; a child
//! module, so they read `TableData`'s private fields as the rest of `table` does.

use gc_arena::Mutation;

use super::{Table, Value};
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

    /// [`Table::probe_field`] for an integer key in the array part (else
    /// [`Table::get_index_int`]).
    #[inline(always)]
    pub fn probe_int(self, i: i64) -> Option<Value<'gc>> {
        let d = self.0.borrow();
        if !d.is_pending() {
            if let Some(&v) = d.array.get((i as u64).wrapping_sub(1) as usize) {
                if !(v.is_nil() && d.meta.is_some()) {
                    return Some(v);
                }
            }
        }
        None
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
    /// prefix or an append within its capacity (see [`TableData::set_int_in_array`]; else
    /// [`Table::set_index_int`]).
    #[inline(always)]
    pub fn probe_set_int(self, mc: &Mutation<'gc>, i: i64, value: Value<'gc>) -> bool {
        let mut d = self.0.borrow_mut(mc);
        if !d.is_pending() && d.meta.is_none() {
            return d.set_int_in_array(i, value);
        }
        false
    }
}
