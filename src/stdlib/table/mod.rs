//! The table library: `concat`, `insert`, `move`, `pack`, `remove`, `sort`, `unpack`.
//!
//! # Design
//! Lua 5.4's `ltablib` reads and writes elements with `lua_geti`/`lua_seti` and measures with
//! `luaL_len`, so `__index`, `__newindex` and `__len` apply. Here a metamethod that is a
//! function cannot be called from Rust: the native returns `Action::Call` with a
//! [`TableCont`] holding everything needed to continue (the VM resumes it with the result).
//! Every function is therefore written as a small state machine over a few shared *tasks*:
//!
//! * [`TableContG::Len`]: waiting for `__len`; resumes the function with its original arguments
//!   and the length ([`TableContG::Sized`]: the same after a collection, when the memory the
//!   function needs was over the budget);
//! * [`CopyTask`]: copies elements one by one (`table.move`, and the shifts of `insert` and
//!   `remove`, which are moves within one table), with an optional read before (`remove`'s
//!   result) and one write after (`insert`'s new value, `remove`'s nil);
//! * [`ReadTask`]: reads a range of elements into a sink (`concat`'s buffer, `unpack`'s
//!   results, `sort`'s working copy);
//! * [`SortTask`]: Lua's quicksort ([`sequences::sort::Sort`]) asking for comparisons, which
//!   are a call of the order function, a call of `__lt`, or a plain `<`;
//! * [`WriteTask`]: writes the sorted order back;
//! * [`MergeTask`] (in `keysort`): a raw array of only integers or only strings sorted with
//!   the default order, where equal elements are indistinguishable so any correct sort gives
//!   Lua's result: a resumable merge sort, several times faster than driving the quicksort.
//!
//! For a table whose metatable has neither `__index` nor `__newindex` (the common case) each
//! task runs a raw loop over the table's storage (the fast path). Every loop charges fuel per
//! element and, when the step's fuel is spent, returns `Action::Preempt` with its progress, so
//! `sort` of a million elements or `concat` of a million strings is split across steps and can
//! be snapshotted half way.
//!
//! Deviations from C Lua, all invisible unless metamethods observe them: `sort` reads each
//! element once (with `__index`) before sorting and writes back only the positions whose value
//! changed (with `__newindex`) after; if the order function raises an error the table is left
//! unchanged (C leaves it partially sorted); `table.move` compares the two tables with raw
//! equality (C uses `__eq`) to choose the copy direction.

mod keysort;
mod tasks;

use gc_arena::Collect;
use sequences::sort::SortError;
use serde::{Deserialize, Serialize};

pub use keysort::{MergePhase, MergeTask};
use tasks::{corrupt, run_copy, run_read, run_sort, run_write};
pub use tasks::{CopyKind, CopyPhase, CopyTask, ReadTask, Sink, SortEnd, SortTask, WriteTask};

use crate::vm::cont::{uncaught, Cont, Kept, LibCont, LibContKind, LibSaved, MapValues};
use crate::vm::convert;
use crate::vm::error::{LuaError, LuaResult};
use crate::vm::exec::MAX_STACK;
use crate::vm::meta::{self, Index, Meta, MetaCall, NewIndex};
use crate::vm::native::{Action, NativeCtx, NativeDef};
use crate::vm::state::{Ctx, Tm};
use crate::vm::table::{Table, TableData};
use crate::vm::value::Value;

type R<'gc> = LuaResult<'gc, Action<'gc>>;

/// Fuel for one comparison made with the default `<` (the comparison itself; the sort
/// machinery charges its own steps, see `sequences::fuel::cost`).
pub use crate::limits::fuel::TABLE_COMPARE as COMPARE_COST;
/// Bytes of `concat` output per fuel unit.
pub use crate::limits::fuel::TABLE_CONCAT_BYTES_PER_FUEL as CONCAT_BYTES_PER_FUEL;
/// Fuel per element read, written or moved (about one table-access instruction).
pub use crate::limits::fuel::TABLE_ELEM as ELEM_COST;
/// Longest string `concat` builds; beyond it, "resulting string too large".
pub const MAX_CONCAT_LEN: usize = i32::MAX as usize;
/// Seed of the sort's pivot randomization (any fixed value keeps sorting deterministic).
const SORT_SEED: u32 = 0x5eed_7ab1;
/// C's `INT_MAX`, the limit on `sort` and `unpack` sizes.
const INT_MAX: i64 = i32::MAX as i64;
/// Lua's `EXTRA_STACK`, counted by `lua_checkstack`.
const EXTRA_STACK: usize = 5;

/// The table library's natives.
pub static FUNCS: &[NativeDef] = &[
    NativeDef {
        name: "table.concat",
        func: concat,
    },
    NativeDef {
        name: "table.insert",
        func: insert,
    },
    NativeDef {
        name: "table.move",
        func: move_,
    },
    NativeDef {
        name: "table.pack",
        func: pack,
    },
    NativeDef {
        name: "table.remove",
        func: remove,
    },
    NativeDef {
        name: "table.sort",
        func: sort,
    },
    NativeDef {
        name: "table.unpack",
        func: unpack,
    },
];

/// Opens the table library.
pub fn open(ctx: Ctx<'_>) {
    super::new_lib(ctx, "table", FUNCS);
}

/// What a suspended table task was waiting for when it stopped.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Collect, Serialize, Deserialize)]
#[collect(require_static)]
pub enum Wait {
    /// Nothing (preempted): resumed with an empty window.
    Nothing,
    /// An `__index` call: its first result is the element.
    Get,
    /// A `__newindex` call: its results are ignored.
    Set,
    /// An order function or `__lt` call: its first result is the answer.
    Compare,
}

/// The function waiting for a `__len` result.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Collect, Serialize, Deserialize)]
#[collect(require_static)]
pub enum LenUser {
    /// `table.insert`
    Insert,
    /// `table.remove`
    Remove,
    /// `table.concat`
    Concat,
    /// `table.unpack`
    Unpack,
    /// `table.sort`
    Sort,
}

/// A suspended table-library call (see the module docs).
#[derive(Collect, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[collect(no_drop)]
pub enum TableContG<V> {
    /// Waiting for `__len`; then `user` runs again with `args` as its arguments.
    Len {
        /// The function to continue.
        user: LenUser,
        /// Its original arguments.
        args: Vec<V>,
    },
    /// `user` found the memory it needs over the budget before doing anything, after
    /// `__len` gave `n`: it runs again with `args` once a full collection has run.
    Sized {
        /// The function to continue.
        user: LenUser,
        /// The length `__len` gave.
        n: i64,
        /// Its original arguments.
        args: Vec<V>,
    },
    /// Copying elements.
    Copy(CopyTask<V>),
    /// Reading elements.
    Read(ReadTask<V>),
    /// Sorting.
    Sort(SortTask<V>),
    /// Writing back a sorted order.
    Write(WriteTask<V>),
    /// Sorting only integers or only strings with `<` (any correct sort gives Lua's result).
    Merge(keysort::MergeTask<V>),
}

/// A suspended table-library call at run time.
pub type TableCont<'gc> = TableContG<Value<'gc>>;

impl<V> TableContG<V> {
    /// Bytes of this continuation's buffers (see `ContG::heap_bytes`).
    pub fn heap_bytes(&self) -> usize {
        use crate::vm::memory::VALUE_BYTES;
        let pairs = std::mem::size_of::<(u64, V)>();
        match self {
            TableContG::Len { args, .. } | TableContG::Sized { args, .. } => {
                args.len() * VALUE_BYTES
            }
            TableContG::Copy(_) => 0,
            TableContG::Read(t) => match &t.sink {
                Sink::Concat { sep, buf } => sep.len() + buf.len(),
                Sink::Unpack { vals } | Sink::Sort { vals, .. } => vals.len() * VALUE_BYTES,
            },
            TableContG::Sort(t) => t.vals.len() * VALUE_BYTES + t.sort.heap_bytes(),
            TableContG::Write(t) => t.vals.len() * VALUE_BYTES + t.perm.len() * 4,
            TableContG::Merge(t) => (t.vals.len() + t.buf.len()) * pairs,
        }
    }
}

impl<V> MapValues<V> for TableContG<V> {
    type Mapped<W> = TableContG<W>;

    fn map_values<W, E>(self, f: &mut impl FnMut(V) -> Result<W, E>) -> Result<TableContG<W>, E> {
        Ok(match self {
            TableContG::Len { user, args } => TableContG::Len {
                user,
                args: args.into_iter().map(&mut *f).collect::<Result<_, E>>()?,
            },
            TableContG::Sized { user, n, args } => TableContG::Sized {
                user,
                n,
                args: args.into_iter().map(&mut *f).collect::<Result<_, E>>()?,
            },
            TableContG::Copy(t) => TableContG::Copy(t.map_values(f)?),
            TableContG::Read(t) => TableContG::Read(t.map_values(f)?),
            TableContG::Sort(t) => TableContG::Sort(t.map_values(f)?),
            TableContG::Write(t) => TableContG::Write(t.map_values(f)?),
            TableContG::Merge(t) => TableContG::Merge(t.map_values(f)?),
        })
    }
}

/// The kind of [`TableContG`].
pub static TABLE_CONT: LibContKind = LibContKind {
    name: "table",
    load: |saved| Ok(Box::new(saved.rebuild::<TableContG<u32>>()?)),
};

impl<'gc> LibCont<'gc> for TableCont<'gc> {
    fn resume(
        self: Box<Self>,
        nc: &mut NativeCtx<'gc, '_>,
        outcome: Result<(), Value<'gc>>,
    ) -> R<'gc> {
        uncaught(outcome)?;
        resume(nc, self)
    }

    fn heap_bytes(&self) -> usize {
        TableContG::heap_bytes(self)
    }

    fn save(&self) -> Result<LibSaved<Value<'gc>>, String> {
        LibSaved::of(&TABLE_CONT, self.clone())
    }

    fn runs_kept(&self) -> bool {
        matches!(self, TableContG::Sort(_))
    }

    fn resume_kept(
        &mut self,
        nc: &mut NativeCtx<'gc, '_>,
        first: Value<'gc>,
    ) -> Option<LuaResult<'gc, Kept<'gc>>> {
        // (As `resume` does for a sort: see `run_sort`.)
        let TableContG::Sort(task) = self else {
            return None;
        };
        let incoming = (task.wait == Wait::Compare).then_some(first);
        Some(tasks::run_sort_kept(nc, task, incoming))
    }
}

// ---------------------------------------------------------------------------------------------
// Element access

/// An error raised from inside a C function in Lua (`luaG_typeerror` and friends), which
/// carries no position; messages meant for `luaL_error` (with position) are built directly.
fn in_c<'gc>(ctx: Ctx<'gc>, e: LuaError<'gc>) -> LuaError<'gc> {
    match e {
        LuaError::Runtime(msg) | LuaError::Op(msg) => LuaError::Value(ctx.str_value(&msg)),
        other => other,
    }
}

/// The raw table behind `v` if reads from it never involve `__index` (a table whose metatable
/// has no `__index`), or writes never involve `__newindex` (`write`).
fn raw_table<'gc>(ctx: Ctx<'gc>, v: Value<'gc>, write: bool) -> Option<Table<'gc>> {
    let Value::Table(t) = v else { return None };
    match t.metatable() {
        None => Some(t),
        Some(mt) => {
            let tm = if write { Tm::NewIndex } else { Tm::Index };
            if ctx.tm_of(mt, tm).is_nil() {
                Some(t)
            } else {
                None
            }
        }
    }
}

/// `lua_geti`: the value, or the `__index` call that produces it.
fn geti<'gc>(ctx: Ctx<'gc>, t: Value<'gc>, i: i64) -> LuaResult<'gc, Meta<'gc, Value<'gc>>> {
    match meta::index(ctx, t, Value::Int(i)).map_err(|e| in_c(ctx, e))? {
        Index::Value(v) => Ok(Meta::Done(v)),
        Index::Call(mc) => Ok(Meta::Call(mc)),
        Index::NotIndexable => Err(index_error(ctx, t)),
    }
}

/// `lua_seti`: done, or the `__newindex` call that does it.
fn seti<'gc>(
    ctx: Ctx<'gc>,
    t: Value<'gc>,
    i: i64,
    v: Value<'gc>,
) -> LuaResult<'gc, Option<MetaCall<'gc>>> {
    // Tasks store many elements, so one cannot start over after a collection: a store that
    // does not fit is made anyway and the collection requested (see `Ctx::store_late`).
    let stored = meta::new_index(ctx, t, Value::Int(i), v, false).map_err(|e| in_c(ctx, e));
    match stored? {
        NewIndex::Done => Ok(None),
        NewIndex::Call(mc) => Ok(Some(mc)),
        NewIndex::NotIndexable => Err(index_error(ctx, t)),
    }
}

fn index_error<'gc>(ctx: Ctx<'gc>, t: Value<'gc>) -> LuaError<'gc> {
    let msg = format!(
        "attempt to index a {} value",
        convert::type_name_for_msg(ctx, t)
    );
    LuaError::Value(ctx.str_value(&msg))
}

/// Calls a metamethod and continues with `cont`.
fn call_meta<'gc>(nc: &mut NativeCtx<'gc, '_>, mc: MetaCall<'gc>, cont: TableCont<'gc>) -> R<'gc> {
    nc.clear();
    for a in &mc.args[..mc.nargs as usize] {
        nc.push(*a);
    }
    Ok(Action::Call {
        func: mc.func,
        cont: Cont::Lib(Box::new(cont)),
    })
}

/// A task found that a store does not fit in the memory budget: stop here (its progress is
/// in `cont`) and ask for a full collection, then continue; if a collection just ran,
/// "not enough memory".
fn pause_for_gc<'gc>(nc: &NativeCtx<'gc, '_>, cont: TableCont<'gc>) -> R<'gc> {
    nc.wait_for_room()?;
    preempt(cont)
}

fn preempt<'gc>(cont: TableCont<'gc>) -> R<'gc> {
    Ok(Action::Preempt {
        cont: Cont::Lib(Box::new(cont)),
    })
}

/// `checktab`: a table, or a value whose metatable has the needed metamethods.
fn checktab<'gc>(
    nc: &NativeCtx<'gc, '_>,
    arg: usize,
    read: bool,
    write: bool,
    len: bool,
) -> LuaResult<'gc, ()> {
    let v = nc.arg(arg);
    if let Value::Table(_) = v {
        return Ok(());
    }
    if let Some(mt) = nc.ctx.metatable(v) {
        let has = |tm: Tm| !nc.ctx.tm_of(mt, tm).is_nil();
        if (!read || has(Tm::Index)) && (!write || has(Tm::NewIndex)) && (!len || has(Tm::Len)) {
            return Ok(());
        }
    }
    Err(nc.arg_type_error(arg, "table"))
}

/// `luaL_len` of argument 1: runs `user` with the length, now or after a `__len` call.
fn with_len<'gc>(nc: &mut NativeCtx<'gc, '_>, user: LenUser) -> R<'gc> {
    let v = nc.arg(1);
    let n = match v {
        Value::Str(s) => s.len() as i64,
        _ => {
            let tm = nc.ctx.metamethod(v, Tm::Len);
            if !tm.is_nil() {
                let args = nc.args().to_vec();
                nc.clear();
                nc.push(v);
                nc.push(v);
                return Ok(Action::Call {
                    func: tm,
                    cont: Cont::Lib(Box::new(TableContG::Len { user, args })),
                });
            }
            match v {
                Value::Table(t) => t.length(nc.ctx.mc),
                _ => {
                    let msg = format!(
                        "attempt to get length of a {} value",
                        convert::type_name_for_msg(nc.ctx, v)
                    );
                    return Err(LuaError::Value(nc.str_value(msg.as_bytes())));
                }
            }
        }
    };
    run_with_len(nc, user, n)
}

/// Runs `user` with its original `args` and the length `__len` gave. A continuation cannot
/// be run again by the VM after a collection (see `exec::resume_cont`), so when the memory
/// `user` needs is over the budget (it checks before doing anything), it waits for the
/// collection itself, as [`TableContG::Sized`].
fn run_sized<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    user: LenUser,
    n: i64,
    args: Vec<Value<'gc>>,
) -> R<'gc> {
    nc.clear();
    nc.stack.extend_from_slice(&args);
    match run_with_len(nc, user, n) {
        Err(LuaError::RetryAfterGc) => {
            nc.ctx.ask_collection_for_memory(true);
            nc.clear();
            Ok(Action::Preempt {
                cont: Cont::Lib(Box::new(TableContG::Sized { user, n, args })),
            })
        }
        r => r,
    }
}

fn run_with_len<'gc>(nc: &mut NativeCtx<'gc, '_>, user: LenUser, n: i64) -> R<'gc> {
    match user {
        LenUser::Insert => insert_with_len(nc, n),
        LenUser::Remove => remove_with_len(nc, n),
        LenUser::Concat => concat_with_len(nc, n),
        LenUser::Unpack => unpack_with_len(nc, n),
        LenUser::Sort => sort_with_len(nc, n),
    }
}

/// Most elements reserved up front for values read one by one (64 MB): beyond it the vector
/// grows as elements actually arrive (each charged), so a huge `__len` cannot make us allocate
/// at once even without a memory budget. Reserving is checked against the budget first
/// ([`NativeCtx::reserve`]); it saves the copies of a growing vector (16 MB moved at once for
/// a million elements, the longest step of a big `sort`).
const MAX_RESERVE: u64 = 1 << 22;

fn initial_capacity(n: u64) -> usize {
    n.min(MAX_RESERVE) as usize
}

// ---------------------------------------------------------------------------------------------
// The natives

fn insert<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    // Fast path: appending to a table without a metatable.
    if let (2, Value::Table(t)) = (nc.nargs(), nc.arg(1)) {
        if t.metatable().is_none() {
            let v = nc.arg(2);
            let mut d = t.data_mut(nc.ctx.mc);
            let e = d.length().wrapping_add(1);
            d.set_int(e, v)
                .map_err(|e| nc.ctx.table_store_error(e, true, LuaError::Op))?;
            drop(d);
            nc.charge(ELEM_COST);
            return nc.ret0();
        }
    }
    checktab(nc, 1, true, true, true)?;
    with_len(nc, LenUser::Insert)
}

fn insert_with_len<'gc>(nc: &mut NativeCtx<'gc, '_>, n: i64) -> R<'gc> {
    let t = nc.arg(1);
    let e = n.wrapping_add(1); // first empty element
    let (pos, value) = match nc.nargs() {
        2 => (e, nc.arg(2)),
        3 => {
            let pos = nc.check_int(2)?;
            if (pos as u64).wrapping_sub(1) >= e as u64 {
                return Err(LuaError::bad_arg(2, "position out of bounds"));
            }
            (pos, nc.arg(3))
        }
        _ => return Err(LuaError::rt("wrong number of arguments to 'insert'")),
    };
    // Move t[pos..e-1] up by one (from the top down), then t[pos] = value.
    let task = CopyTask {
        src: t,
        dst: t,
        from: pos,
        to: pos.wrapping_add(1),
        n: (e as u64).wrapping_sub(pos as u64),
        done: 0,
        backward: true,
        phase: CopyPhase::Loop,
        wait: Wait::Nothing,
        kind: CopyKind::Insert { pos, value },
    };
    run_copy(nc, task, None)
}

fn remove<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    // Fast path: popping the last element of a table without a metatable.
    if let (1, Value::Table(t)) = (nc.nargs(), nc.arg(1)) {
        if t.metatable().is_none() {
            let mut d = t.data_mut(nc.ctx.mc);
            let pos = d.length();
            let v = d.get_int(pos);
            let _ = d.set_int(pos, Value::Nil); // Storing nil never grows a table.
            drop(d);
            nc.charge(2 * ELEM_COST);
            return nc.ret1(v);
        }
    }
    checktab(nc, 1, true, true, true)?;
    with_len(nc, LenUser::Remove)
}

fn remove_with_len<'gc>(nc: &mut NativeCtx<'gc, '_>, size: i64) -> R<'gc> {
    let t = nc.arg(1);
    let pos = nc.opt_int(2, size)?;
    if pos != size && (pos as u64).wrapping_sub(1) > size as u64 {
        return Err(LuaError::bad_arg(1, "position out of bounds"));
    }
    // Result t[pos]; move t[pos+1..size] down by one; then t[last] = nil.
    let (n, last) = if pos < size {
        ((size as u64).wrapping_sub(pos as u64), size)
    } else {
        (0, pos)
    };
    let task = CopyTask {
        src: t,
        dst: t,
        from: pos.wrapping_add(1),
        to: pos,
        n,
        done: 0,
        backward: false,
        phase: CopyPhase::Prelude,
        wait: Wait::Nothing,
        kind: CopyKind::Remove {
            pos,
            last,
            result: None,
        },
    };
    run_copy(nc, task, None)
}

fn move_<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let f = nc.check_int(2)?;
    let e = nc.check_int(3)?;
    let t = nc.check_int(4)?;
    let tt = if nc.arg(5).is_nil() { 1 } else { 5 };
    checktab(nc, 1, true, false, false)?;
    checktab(nc, tt, false, true, false)?;
    let src = nc.arg(1);
    let dst = nc.arg(tt);
    if e < f {
        return nc.ret1(dst); // nothing to move
    }
    if !(f > 0 || e < i64::MAX.wrapping_add(f)) {
        return Err(LuaError::bad_arg(3, "too many elements to move"));
    }
    let n = e.wrapping_sub(f).wrapping_add(1); // number of elements to move
    if t > i64::MAX.wrapping_sub(n).wrapping_add(1) {
        return Err(LuaError::bad_arg(4, "destination wrap around"));
    }
    let forward = t > e || t <= f || (tt != 1 && !src.raw_eq(dst));
    let task = CopyTask {
        src,
        dst,
        from: f,
        to: t,
        n: n as u64,
        done: 0,
        backward: !forward,
        phase: CopyPhase::Loop,
        wait: Wait::Nothing,
        kind: CopyKind::Move,
    };
    run_copy(nc, task, None)
}

fn concat<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    checktab(nc, 1, true, false, true)?;
    with_len(nc, LenUser::Concat)
}

fn concat_with_len<'gc>(nc: &mut NativeCtx<'gc, '_>, n: i64) -> R<'gc> {
    let sep = match nc.opt_str(2)? {
        Some(s) => s.as_bytes().to_vec(),
        None => Vec::new(),
    };
    let first = nc.opt_int(3, 1)?;
    let last = nc.opt_int(4, n)?;
    if first > last {
        return nc.ret1(nc.str_value(b""));
    }
    let task = ReadTask {
        src: nc.arg(1),
        first,
        count: (last as u64).wrapping_sub(first as u64).wrapping_add(1),
        done: 0,
        wait: Wait::Nothing,
        sink: Sink::Concat {
            sep,
            buf: Vec::new(),
        },
    };
    run_read(nc, task, None)
}

fn pack<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let n = nc.nargs();
    nc.reserve(TableData::new_bytes(n, 1))?;
    nc.charge(n as i64 * ELEM_COST);
    let t = nc.ctx.new_table_sized(n, 1);
    {
        // Presized: these stores never grow the table (and cannot fail).
        let mut d = t.data_mut(nc.ctx.mc);
        d.set_list(0, nc.args());
        let k = Value::Str(nc.ctx.new_str(b"n"));
        let _ = d.set(k, Value::Int(n as i64));
    }
    nc.ret1(Value::Table(t))
}

fn unpack<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    nc.opt_int(2, 1)?;
    if nc.arg(3).is_nil() {
        with_len(nc, LenUser::Unpack)
    } else {
        let e = nc.check_int(3)?;
        unpack_with_len(nc, e)
    }
}

fn unpack_with_len<'gc>(nc: &mut NativeCtx<'gc, '_>, e: i64) -> R<'gc> {
    let i = nc.opt_int(2, 1)?;
    if i > e {
        return nc.ret0(); // empty range
    }
    let n = (e as u64).wrapping_sub(i as u64); // number of elements minus 1
    if n >= INT_MAX as u64 || nc.stack.len() + EXTRA_STACK + n as usize + 1 > MAX_STACK {
        return Err(LuaError::rt("too many results to unpack"));
    }
    // The values are gathered in a buffer, then pushed.
    let count = n as usize + 1;
    nc.reserve(
        nc.stack_growth_bytes(count)
            .saturating_add(count.saturating_mul(crate::vm::memory::VALUE_BYTES)),
    )?;
    // A table read raw, with the fuel to read all of it: the values straight onto the
    // stack, charged as the task below charges them (which would also finish in this call:
    // it stops early only when the fuel runs out), without its buffer.
    let cost = (count as i64).saturating_mul(ELEM_COST);
    if let Some(t) = raw_table(nc.ctx, nc.arg(1), false) {
        if nc.fuel_left() >= cost {
            nc.clear();
            let d = t.data(nc.ctx.mc);
            nc.stack
                .extend((0..count).map(|k| d.get_int(i.wrapping_add(k as i64))));
            drop(d);
            nc.charge(cost);
            return Ok(Action::Return);
        }
    }
    let task = ReadTask {
        src: nc.arg(1),
        first: i,
        count: n + 1,
        done: 0,
        wait: Wait::Nothing,
        sink: Sink::Unpack {
            vals: Vec::with_capacity(initial_capacity(n + 1)),
        },
    };
    run_read(nc, task, None)
}

fn sort<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    checktab(nc, 1, true, true, true)?;
    with_len(nc, LenUser::Sort)
}

fn sort_with_len<'gc>(nc: &mut NativeCtx<'gc, '_>, n: i64) -> R<'gc> {
    if n <= 1 {
        return nc.ret0();
    }
    if n >= INT_MAX {
        return Err(LuaError::bad_arg(1, "array too big"));
    }
    let comp = nc.arg(2);
    if !comp.is_nil()
        && !matches!(
            comp,
            Value::Function(_) | Value::Native(_) | Value::LightNative(_)
        )
    {
        return Err(nc.arg_type_error(2, "function"));
    }
    let capacity = initial_capacity(n as u64);
    nc.reserve(capacity.saturating_mul(crate::vm::memory::VALUE_BYTES))?;
    let task = ReadTask {
        src: nc.arg(1),
        first: 1,
        count: n as u64,
        done: 0,
        wait: Wait::Nothing,
        sink: Sink::Sort {
            comp,
            vals: Vec::with_capacity(capacity),
        },
    };
    run_read(nc, task, None)
}

// ---------------------------------------------------------------------------------------------
// Resuming

/// Continues a suspended table task; the window holds the result of the call it waited for
/// (or nothing after a preemption).
fn resume<'gc>(nc: &mut NativeCtx<'gc, '_>, cont: Box<TableCont<'gc>>) -> R<'gc> {
    let result = nc.arg(1);
    if let TableContG::Sort(t) = &*cont {
        let incoming = (t.wait == Wait::Compare).then_some(result);
        return run_sort(nc, cont, incoming);
    }
    match *cont {
        TableContG::Len { user, args } => {
            let n = convert::to_integer(result)
                .ok_or_else(|| LuaError::rt("object length is not an integer"))?;
            run_sized(nc, user, n, args)
        }
        TableContG::Sized { user, n, args } => run_sized(nc, user, n, args),
        TableContG::Copy(t) => {
            let incoming = (t.wait == Wait::Get).then_some(result);
            run_copy(nc, t, incoming)
        }
        TableContG::Read(t) => {
            let incoming = (t.wait == Wait::Get).then_some(result);
            run_read(nc, t, incoming)
        }
        TableContG::Sort(_) => Err(corrupt(SortError::Corrupt("sort resumed twice"))),
        TableContG::Write(t) => run_write(nc, t),
        TableContG::Merge(t) => keysort::run(nc, t),
    }
}
