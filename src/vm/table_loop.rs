//! Table accesses with a key of any type, and `next`, for the interpreter's loop
//! (`fast::hot`): the cases `execute` completes without a metamethod, a new key or a lazy
//! fork's image, answered as "done" or "not here" (nothing changed; the caller then leaves
//! the instruction to `execute`). Out of line, unlike `table_probe`'s: a loop over a hash
//! part with computed keys (`t[k] = v` in a `pairs` loop) calls them, other loops never
//! reach them. A child module of `table`, for its private fields.

use gc_arena::Mutation;

use super::{Table, Value};

impl<'gc> Table<'gc> {
    /// `execute`'s raw read `t[key]` (`GetTable` with a key that is not an integer): the
    /// value, unless it is nil and the table has a metatable (the caller then looks for
    /// `__index`); `None` for a table whose contents are still in a lazy fork's image.
    #[inline(never)]
    pub fn loop_get(self, key: Value<'gc>) -> Option<Value<'gc>> {
        let d = self.0.borrow();
        if d.is_pending() {
            return None;
        }
        let v = d.get(key);
        if v.is_nil() && d.meta.is_some() {
            None
        } else {
            Some(v)
        }
    }

    /// `execute`'s raw store `t[key] = value` (`SetTable`, `SetTableK` with a key that is
    /// not a number) in a table without a metatable where `key` is in the hash part already
    /// (live or removed: what `TableData::set` does with a key it finds, which can neither
    /// fail nor grow the table). `false`, nothing changed, for anything else.
    #[inline(never)]
    pub fn loop_set(self, mc: &Mutation<'gc>, key: Value<'gc>, value: Value<'gc>) -> bool {
        if matches!(key, Value::Nil | Value::Int(_) | Value::Float(_)) {
            return false;
        }
        let mut d = self.0.borrow_mut(mc);
        if d.is_pending() || d.meta.is_some() {
            return false;
        }
        let Some(p) = d.find(key) else {
            return false;
        };
        d.set_entry_value(mc, p, value)
    }

    /// `next(t, key)` as a `pairs` loop's step (`finish::tfor_next`): the entry after `key`
    /// (`None` at the end) and how many slots were passed to find it (what `next` charges
    /// for); `None` for a pending table or a key `next` rejects.
    #[inline(never)]
    #[allow(clippy::type_complexity)]
    pub fn loop_next(self, key: Value<'gc>) -> Option<(Option<(Value<'gc>, Value<'gc>)>, usize)> {
        let d = self.0.borrow();
        if d.is_pending() {
            return None;
        }
        match d.next_scanning(key) {
            (Ok(r), skipped) => Some((r, skipped)),
            (Err(()), _) => None,
        }
    }
}
