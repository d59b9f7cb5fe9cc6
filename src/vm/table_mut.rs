//! [`TableMut`]: a table's contents borrowed for writing, with the mutation handle that a
//! store into a big array part's chunks needs (see `table_chunks`). Reads go through
//! `Deref` to [`TableData`]; stores through the methods here, which keep the callers' code
//! as it was with a plain borrow.

use gc_arena::Mutation;

use super::{KeyError, TableData, Value};

/// The contents of a table, for writing ([`super::Table::data_mut`]).
pub struct TableMut<'a, 'gc> {
    pub(super) d: std::cell::RefMut<'gc, TableData<'gc>>,
    pub(super) mc: &'a Mutation<'gc>,
}

impl<'gc> std::ops::Deref for TableMut<'_, 'gc> {
    type Target = TableData<'gc>;

    #[inline(always)]
    fn deref(&self) -> &TableData<'gc> {
        &self.d
    }
}

impl<'gc> std::ops::DerefMut for TableMut<'_, 'gc> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut TableData<'gc> {
        &mut self.d
    }
}

impl<'gc> TableMut<'_, 'gc> {
    /// Raw set (`rawset`), see [`TableData::set`].
    #[inline]
    pub fn set(&mut self, key: Value<'gc>, value: Value<'gc>) -> Result<(), KeyError> {
        self.d.set(self.mc, key, value)
    }

    /// See [`TableData::set_growing`].
    #[inline]
    pub fn set_growing(&mut self, key: Value<'gc>, value: Value<'gc>) -> Result<(), KeyError> {
        self.d.set_growing(self.mc, key, value)
    }

    /// Raw set of an integer key (the only possible error is `NoMemory`).
    #[inline]
    pub fn set_int(&mut self, i: i64, value: Value<'gc>) -> Result<(), KeyError> {
        self.d.set_int(self.mc, i, value)
    }

    /// `t[to] = t[from]`, raw (see [`TableData::copy_int`]).
    #[inline]
    pub fn copy_int(&mut self, from: i64, to: i64) -> Result<(), KeyError> {
        self.d.copy_int(self.mc, from, to)
    }

    /// Raw set of integer key `i` when it is a stored slot of the array part: `true` if done,
    /// `false` (nothing changed) if the caller must take the general [`TableMut::set`].
    #[inline]
    pub fn set_int_in_array(&mut self, i: i64, value: Value<'gc>) -> bool {
        self.d.set_int_in_array(i, value) || self.d.chunk_store(self.mc, i, value)
    }

    /// See [`TableData::set_list`].
    #[inline]
    pub fn set_list(&mut self, start: usize, values: &[Value<'gc>]) {
        self.d.set_list(self.mc, start, values)
    }

    /// See [`TableData::ensure_array`].
    #[inline]
    pub fn ensure_array(&mut self, n: usize) -> Result<(), KeyError> {
        self.d.ensure_array(self.mc, n)
    }

    /// See [`TableData::resize`].
    #[inline]
    pub fn resize(&mut self, array_size: usize, hash_size: usize) {
        self.d.resize(self.mc, array_size, hash_size)
    }

    /// See [`TableData::restore_parts`].
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub fn restore_parts(
        &mut self,
        array: Vec<Value<'gc>>,
        entries: Vec<(Value<'gc>, Value<'gc>)>,
        hash_cap: usize,
        limit: u64,
        meta: Option<super::Table<'gc>>,
        id: u64,
    ) -> bool {
        self.d
            .restore_parts(self.mc, array, entries, hash_cap, limit, meta, id)
    }
}
