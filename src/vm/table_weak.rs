//! The collector's side of a table: its weak mode and finalization mark, and the parking of
//! a weak table's contents during a collection (see `vm::gc`). A child module of `table`, so
//! it reads `TableData`'s private fields.

use gc_arena::{Collect, Mutation};

use super::parts::{GC_FINALIZE, GC_REGISTERED_WEAK};
use super::{Table, TableData, Value};

/// A weak table's contents during a collection (see `vm::gc`).
#[derive(Collect)]
#[collect(no_drop)]
pub(super) struct Parked<'gc> {
    array: Vec<crate::vm::gc::WeakSlot<'gc>>,
    entries: Vec<(crate::vm::gc::WeakSlot<'gc>, crate::vm::gc::WeakSlot<'gc>)>,
}

impl<'gc> TableData<'gc> {
    /// Drops the entries whose key was collected (marked by a nil key) and rebuilds the index
    /// (insertion order and capacity stay).
    fn drop_removed_keys(&mut self, mc: &Mutation<'gc>) {
        let old = self.take_entries();
        self.entries = Vec::with_capacity(old.len().min(super::hchunks::HFLAT_MAX));
        if let Some(e) = &mut self.extra {
            e.index.clear();
        }
        for (k, v) in old {
            if !k.is_nil() {
                self.push_entry(mc, k, v);
            }
        }
    }
}

impl<'gc> Table<'gc> {
    /// The weak mode (`gc::WEAK_KEYS | gc::WEAK_VALUES`).
    #[inline]
    pub fn weak_mode(self) -> u8 {
        self.0.borrow().sizes.weak
    }

    /// Sets the weak mode; true if the table must be added to the collector's list of weak
    /// tables (it is weak and not listed yet; it is then counted as listed).
    pub fn set_weak_mode(self, mc: &Mutation<'gc>, mode: u8) -> bool {
        let d = self.0.borrow();
        if d.sizes.weak == mode && (mode == 0 || d.sizes.gc_flag(GC_REGISTERED_WEAK)) {
            return false;
        }
        drop(d);
        let mut d = self.0.borrow_mut(mc);
        d.sizes.weak = mode;
        if mode != 0 && !d.sizes.gc_flag(GC_REGISTERED_WEAK) {
            d.sizes.set_gc_flag(GC_REGISTERED_WEAK, true);
            return true;
        }
        false
    }

    /// Whether the table is marked for finalization.
    #[inline]
    pub fn is_marked_for_finalization(self) -> bool {
        self.0.borrow().sizes.gc_flag(GC_FINALIZE)
    }

    /// Marks the table for finalization; true if it was not marked yet.
    pub fn mark_for_finalization(self, mc: &Mutation<'gc>) -> bool {
        if self.is_marked_for_finalization() {
            return false;
        }
        self.0.borrow_mut(mc).sizes.set_gc_flag(GC_FINALIZE, true);
        true
    }

    /// Its finalizer is due: no longer marked (a later `setmetatable` may mark it again).
    pub fn unmark_for_finalization(self, mc: &Mutation<'gc>) {
        self.0.borrow_mut(mc).sizes.set_gc_flag(GC_FINALIZE, false);
    }

    /// Moves the contents of a weak table into their parked form; false if the table is not
    /// weak any more (it then leaves the collector's list).
    pub fn park(self, mc: &Mutation<'gc>) -> bool {
        let mut d = self.0.borrow_mut(mc);
        let mode = d.sizes.weak;
        if mode == 0 {
            d.sizes.set_gc_flag(GC_REGISTERED_WEAK, false);
            return false;
        }
        if d.parked().is_some() {
            return true;
        }
        use crate::vm::gc::{WeakSlot, WEAK_KEYS, WEAK_VALUES};
        let (wk, wv) = (mode & WEAK_KEYS != 0, mode & WEAK_VALUES != 0);
        let array = d.take_array();
        let entries = d.take_entries();
        // Integer keys are never collected: in a weak-keys table the array part is strong.
        let array = array.into_iter().map(|v| WeakSlot::new(v, wv)).collect();
        let entries = entries
            .into_iter()
            .map(|(k, v)| {
                let key = if wk {
                    WeakSlot::weak_key(k)
                } else {
                    WeakSlot::new(k, false)
                };
                // Ephemeron: the value of a collectable weak key is held weakly and marked
                // once its key is (`converge_ephemeron`).
                let value_weak =
                    wv || (wk && !matches!(key, WeakSlot::Strong(_) | WeakSlot::Str(_)));
                (key, WeakSlot::new(v, value_weak))
            })
            .collect();
        d.extra_mut().parked = Some(Box::new(Parked { array, entries }));
        true
    }

    /// One ephemeron pass over a parked weak-keys table: resurrects the values of live keys;
    /// whether any was dead.
    pub fn converge_ephemeron(self, fc: &gc_arena::Finalization<'gc>) -> bool {
        let d = self.0.borrow();
        if d.sizes.weak != crate::vm::gc::WEAK_KEYS {
            return false;
        }
        let Some(p) = d.parked() else { return false };
        let mut changed = false;
        for (k, v) in p.entries.iter() {
            if !k.is_dead(fc) && v.is_dead(fc) {
                v.resurrect(fc);
                changed = true;
            }
        }
        changed
    }

    /// Clears the dead weak values of a parked table (before finalization, as Lua does).
    pub fn clear_dead_values(self, fc: &gc_arena::Finalization<'gc>) {
        if self.0.borrow().sizes.weak & crate::vm::gc::WEAK_VALUES == 0 {
            return;
        }
        let mut d = self.0.borrow_mut(fc);
        let Some(p) = d.extra.as_mut().and_then(|e| e.parked.as_deref_mut()) else {
            return;
        };
        let nil = crate::vm::gc::WeakSlot::Strong(Value::Nil);
        for s in p.array.iter_mut() {
            if s.is_dead(fc) {
                *s = nil;
            }
        }
        for (_, v) in p.entries.iter_mut() {
            if v.is_dead(fc) {
                *v = nil;
            }
        }
    }

    /// Marks the string keys of a parked weak-keys table's entries that keep a value
    /// (strings are values: only an entry without a value lets its string key go).
    pub fn keep_string_keys(self, fc: &gc_arena::Finalization<'gc>) {
        let d = self.0.borrow();
        if d.sizes.weak & crate::vm::gc::WEAK_KEYS == 0 {
            return;
        }
        let Some(p) = d.parked() else { return };
        for (k, v) in p.entries.iter() {
            let has_value =
                !matches!(v, crate::vm::gc::WeakSlot::Strong(Value::Nil)) && !v.is_dead(fc);
            if has_value && matches!(k, crate::vm::gc::WeakSlot::Str(_)) {
                k.resurrect(fc);
            }
        }
    }

    /// Puts a parked table's contents back: entries with a dead key go, dead values become
    /// nil (a removed entry whose key stays, so a traversal holding the key can go on).
    pub fn unpark(self, fc: &gc_arena::Finalization<'gc>) {
        let mut d = self.0.borrow_mut(fc);
        let Some(Parked { array, entries }) =
            d.extra.as_mut().and_then(|e| e.parked.take()).map(|p| *p)
        else {
            return;
        };
        d.trim_extra();
        // (Keys only go, but lookups while the contents were parked saw none.)
        d.tm_cache_reset();
        let values = array.into_iter().map(|s| s.get(fc)).collect();
        d.put_array(fc, values);
        let mut kept = Vec::with_capacity(d.sizes.hash_cap().max(entries.len()).min(1 << 16));
        let mut removed = false;
        for (k, v) in entries {
            if k.is_dead(fc) {
                removed = true;
                kept.push((Value::Nil, Value::Nil));
            } else {
                kept.push((k.get(fc), v.get(fc)));
            }
        }
        d.put_entries(fc, kept);
        if removed {
            d.drop_removed_keys(fc);
        }
    }
}
