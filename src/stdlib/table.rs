//! The table library: `concat`, `insert`, `move`, `pack`, `remove`, `sort`, `unpack`.
//!
//! # Design
//! Lua 5.4's `ltablib` reads and writes elements with `lua_geti`/`lua_seti` and measures with
//! `luaL_len`, so `__index`, `__newindex` and `__len` apply. Here a metamethod that is a
//! function cannot be called from Rust: the native returns `Action::Call` with a
//! [`TableCont`] holding everything needed to continue (the VM resumes it with the result).
//! Every function is therefore written as a small state machine over a few shared *tasks*:
//!
//! * [`TableCont::Len`]: waiting for `__len`; resumes the function with its original arguments
//!   and the length;
//! * [`CopyTask`]: copies elements one by one (`table.move`, and the shifts of `insert` and
//!   `remove`, which are moves within one table), with an optional read before (`remove`'s
//!   result) and one write after (`insert`'s new value, `remove`'s nil);
//! * [`ReadTask`]: reads a range of elements into a sink (`concat`'s buffer, `unpack`'s
//!   results, `sort`'s working copy);
//! * [`SortTask`]: Lua's quicksort ([`sequences::sort::Sort`]) asking for comparisons, which
//!   are a call of the order function, a call of `__lt`, or a plain `<`;
//! * [`WriteTask`]: writes the sorted order back.
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

use gc_arena::Collect;
use sequences::sort::{Compare, Sort, SortError};
use sequences::{Fuel, Step};

use crate::vm::cont::Cont;
use crate::vm::convert;
use crate::vm::error::{LuaError, LuaResult};
use crate::vm::exec::MAX_STACK;
use crate::vm::meta::{self, Index, Meta, MetaCall, NewIndex};
use crate::vm::native::{Action, NativeCtx, NativeDef};
use crate::vm::state::{Ctx, Tm};
use crate::vm::table::Table;
use crate::vm::value::Value;

type R<'gc> = LuaResult<'gc, Action<'gc>>;

/// Fuel per element read, written or moved (about one table-access instruction).
pub const ELEM_COST: i64 = 1;
/// Fuel for one comparison made with the default `<` (the comparison itself; the sort
/// machinery charges its own steps, see `sequences::fuel::cost`).
pub const COMPARE_COST: i64 = 1;
/// Bytes of `concat` output per fuel unit.
pub const CONCAT_BYTES_PER_FUEL: usize = 16;
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
#[derive(Copy, Clone, Debug, PartialEq, Eq, Collect)]
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
#[derive(Copy, Clone, Debug, PartialEq, Eq, Collect)]
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
#[derive(Collect)]
#[collect(no_drop)]
pub enum TableCont<'gc> {
    /// Waiting for `__len`; then `user` runs again with `args` as its arguments.
    Len {
        /// The function to continue.
        user: LenUser,
        /// Its original arguments.
        args: Vec<Value<'gc>>,
    },
    /// Copying elements.
    Copy(CopyTask<'gc>),
    /// Reading elements.
    Read(ReadTask<'gc>),
    /// Sorting.
    Sort(SortTask<'gc>),
    /// Writing back a sorted order.
    Write(WriteTask<'gc>),
}

/// What a [`CopyTask`] does around its copy loop.
#[derive(Collect)]
#[collect(no_drop)]
pub enum CopyKind<'gc> {
    /// `table.move`: returns the destination.
    Move,
    /// `table.insert(t, pos, v)`: then `t[pos] = v`.
    Insert {
        /// Where the new value goes.
        #[collect(require_static)]
        pos: i64,
        /// The new value.
        value: Value<'gc>,
    },
    /// `table.remove(t, pos)`: first reads `t[pos]` (the result), then `t[last] = nil`.
    Remove {
        /// The position removed.
        #[collect(require_static)]
        pos: i64,
        /// The slot cleared at the end.
        #[collect(require_static)]
        last: i64,
        /// The removed value, once read.
        result: Option<Value<'gc>>,
    },
}

/// Where a [`CopyTask`] is.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Collect)]
#[collect(require_static)]
pub enum CopyPhase {
    /// Before the loop (`remove` reads its result here).
    Prelude,
    /// Copying.
    Loop,
    /// The final write (`insert`/`remove`).
    Final,
    /// Done: return.
    Return,
}

/// Copies `src[from + k]` to `dst[to + k]` for `k` in `0..n` (in decreasing `k` if
/// `backward`), as `table.move` and the shifts of `insert`/`remove` do.
#[derive(Collect)]
#[collect(no_drop)]
pub struct CopyTask<'gc> {
    src: Value<'gc>,
    dst: Value<'gc>,
    #[collect(require_static)]
    from: i64,
    #[collect(require_static)]
    to: i64,
    #[collect(require_static)]
    n: u64,
    #[collect(require_static)]
    done: u64,
    #[collect(require_static)]
    backward: bool,
    phase: CopyPhase,
    wait: Wait,
    kind: CopyKind<'gc>,
}

/// What a [`ReadTask`] does with the elements it reads.
#[derive(Collect)]
#[collect(no_drop)]
pub enum Sink<'gc> {
    /// `table.concat`: appends them, with the separator between.
    Concat {
        /// The separator.
        #[collect(require_static)]
        sep: Vec<u8>,
        /// The output so far.
        #[collect(require_static)]
        buf: Vec<u8>,
    },
    /// `table.unpack`: collects them as results.
    Unpack {
        /// The values so far.
        vals: Vec<Value<'gc>>,
    },
    /// `table.sort`: collects them, then sorts.
    Sort {
        /// The order function (nil: `<`).
        comp: Value<'gc>,
        /// The values so far.
        vals: Vec<Value<'gc>>,
    },
}

/// Reads `src[first + k]` for `k` in `0..count` into a [`Sink`].
#[derive(Collect)]
#[collect(no_drop)]
pub struct ReadTask<'gc> {
    src: Value<'gc>,
    #[collect(require_static)]
    first: i64,
    #[collect(require_static)]
    count: u64,
    #[collect(require_static)]
    done: u64,
    wait: Wait,
    sink: Sink<'gc>,
}

/// `table.sort` comparing: `vals` are the elements as read, `sort` permutes their indices.
#[derive(Collect)]
#[collect(no_drop)]
pub struct SortTask<'gc> {
    t: Value<'gc>,
    comp: Value<'gc>,
    vals: Vec<Value<'gc>>,
    #[collect(require_static)]
    sort: Sort,
    wait: Wait,
}

/// How a sort ends once the order is written back.
#[derive(Collect)]
#[collect(no_drop)]
pub enum SortEnd<'gc> {
    /// Return normally.
    Ok,
    /// Raise "invalid order function for sorting" (with the caller's position).
    InvalidOrder,
    /// Raise this error value (a comparison error, raised from inside `sort`: no position).
    Error(Value<'gc>),
}

/// Writes `t[k + 1] = vals[perm[k]]` wherever that changes the element.
#[derive(Collect)]
#[collect(no_drop)]
pub struct WriteTask<'gc> {
    t: Value<'gc>,
    vals: Vec<Value<'gc>>,
    #[collect(require_static)]
    perm: Vec<u32>,
    #[collect(require_static)]
    k: usize,
    wait: Wait,
    end: SortEnd<'gc>,
}

// ---------------------------------------------------------------------------------------------
// Element access

/// An error raised from inside a C function in Lua (`luaG_typeerror` and friends), which
/// carries no position; messages meant for `luaL_error` (with position) are built directly.
fn in_c<'gc>(ctx: Ctx<'gc>, e: LuaError<'gc>) -> LuaError<'gc> {
    match e {
        LuaError::Runtime(msg) => LuaError::Value(ctx.str_value(&msg)),
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
            let m = mt.0.borrow();
            let tm = if write { Tm::NewIndex } else { Tm::Index };
            if m.get_str(ctx.tm(tm)).is_nil() {
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
    match meta::new_index(ctx, t, Value::Int(i), v).map_err(|e| in_c(ctx, e))? {
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
        cont: Cont::Table(Box::new(cont)),
    })
}

fn preempt<'gc>(cont: TableCont<'gc>) -> R<'gc> {
    Ok(Action::Preempt {
        cont: Cont::Table(Box::new(cont)),
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
        let m = mt.0.borrow();
        let has = |tm: Tm| !m.get_str(nc.ctx.tm(tm)).is_nil();
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
                    cont: Cont::Table(Box::new(TableCont::Len { user, args })),
                });
            }
            match v {
                Value::Table(t) => t.length(),
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

fn run_with_len<'gc>(nc: &mut NativeCtx<'gc, '_>, user: LenUser, n: i64) -> R<'gc> {
    match user {
        LenUser::Insert => insert_with_len(nc, n),
        LenUser::Remove => remove_with_len(nc, n),
        LenUser::Concat => concat_with_len(nc, n),
        LenUser::Unpack => unpack_with_len(nc, n),
        LenUser::Sort => sort_with_len(nc, n),
    }
}

// ---------------------------------------------------------------------------------------------
// The natives

fn insert<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
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
    nc.charge(n as i64 * ELEM_COST);
    let t = nc.ctx.new_table_sized(n, 1);
    {
        let mut d = t.0.borrow_mut(nc.ctx.mc);
        for (i, v) in nc.args().iter().enumerate() {
            d.set_int(i as i64 + 1, *v);
        }
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
    let task = ReadTask {
        src: nc.arg(1),
        first: i,
        count: n + 1,
        done: 0,
        wait: Wait::Nothing,
        sink: Sink::Unpack {
            vals: Vec::with_capacity(n as usize + 1),
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
    if !comp.is_nil() && !matches!(comp, Value::Function(_) | Value::Native(_)) {
        return Err(nc.arg_type_error(2, "function"));
    }
    let task = ReadTask {
        src: nc.arg(1),
        first: 1,
        count: n as u64,
        done: 0,
        wait: Wait::Nothing,
        sink: Sink::Sort {
            comp,
            vals: Vec::with_capacity(n as usize),
        },
    };
    run_read(nc, task, None)
}

// ---------------------------------------------------------------------------------------------
// Resuming

/// Continues a suspended table task; the window holds the result of the call it waited for
/// (or nothing after a preemption).
pub fn resume<'gc>(nc: &mut NativeCtx<'gc, '_>, cont: Box<TableCont<'gc>>) -> R<'gc> {
    let result = nc.arg(1);
    if let TableCont::Sort(t) = &*cont {
        let incoming = (t.wait == Wait::Compare).then_some(result);
        return run_sort(nc, cont, incoming);
    }
    match *cont {
        TableCont::Len { user, args } => {
            let n = convert::to_integer(result)
                .ok_or_else(|| LuaError::rt("object length is not an integer"))?;
            nc.clear();
            nc.stack.extend_from_slice(&args);
            run_with_len(nc, user, n)
        }
        TableCont::Copy(t) => {
            let incoming = (t.wait == Wait::Get).then_some(result);
            run_copy(nc, t, incoming)
        }
        TableCont::Read(t) => {
            let incoming = (t.wait == Wait::Get).then_some(result);
            run_read(nc, t, incoming)
        }
        TableCont::Sort(_) => Err(corrupt(SortError::Corrupt("sort resumed twice"))),
        TableCont::Write(t) => run_write(nc, t),
    }
}

// ---------------------------------------------------------------------------------------------
// Copy

fn run_copy<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    mut task: CopyTask<'gc>,
    mut incoming: Option<Value<'gc>>,
) -> R<'gc> {
    task.wait = Wait::Nothing;
    loop {
        match task.phase {
            CopyPhase::Prelude => {
                if let CopyKind::Remove { pos, result, .. } = &mut task.kind {
                    let v = match incoming.take() {
                        Some(v) => v,
                        None => match geti(nc.ctx, task.src, *pos)? {
                            Meta::Done(v) => v,
                            Meta::Call(mc) => {
                                task.wait = Wait::Get;
                                return call_meta(nc, mc, TableCont::Copy(task));
                            }
                        },
                    };
                    *result = Some(v);
                }
                nc.charge(ELEM_COST);
                task.phase = CopyPhase::Loop;
            }
            CopyPhase::Loop => {
                if task.done >= task.n {
                    task.phase = CopyPhase::Final;
                    continue;
                }
                if incoming.is_none() && copy_raw(nc, &mut task) {
                    if task.done < task.n {
                        return preempt(TableCont::Copy(task));
                    }
                    continue;
                }
                let k = if task.backward {
                    task.n - 1 - task.done
                } else {
                    task.done
                };
                let from = task.from.wrapping_add(k as i64);
                let to = task.to.wrapping_add(k as i64);
                let v = match incoming.take() {
                    Some(v) => v,
                    None => match geti(nc.ctx, task.src, from)? {
                        Meta::Done(v) => v,
                        Meta::Call(mc) => {
                            task.wait = Wait::Get;
                            return call_meta(nc, mc, TableCont::Copy(task));
                        }
                    },
                };
                task.done += 1;
                nc.charge(ELEM_COST);
                if let Some(mc) = seti(nc.ctx, task.dst, to, v)? {
                    task.wait = Wait::Set;
                    return call_meta(nc, mc, TableCont::Copy(task));
                }
                if nc.fuel_left() <= 0 && task.done < task.n {
                    return preempt(TableCont::Copy(task));
                }
            }
            CopyPhase::Final => {
                task.phase = CopyPhase::Return;
                let write = match &task.kind {
                    CopyKind::Move => None,
                    CopyKind::Insert { pos, value } => Some((*pos, *value)),
                    CopyKind::Remove { last, .. } => Some((*last, Value::Nil)),
                };
                if let Some((k, v)) = write {
                    nc.charge(ELEM_COST);
                    if let Some(mc) = seti(nc.ctx, task.dst, k, v)? {
                        task.wait = Wait::Set;
                        return call_meta(nc, mc, TableCont::Copy(task));
                    }
                }
            }
            CopyPhase::Return => {
                return match task.kind {
                    CopyKind::Move => nc.ret1(task.dst),
                    CopyKind::Insert { .. } => nc.ret0(),
                    CopyKind::Remove { result, .. } => nc.ret1(result.unwrap_or(Value::Nil)),
                };
            }
        }
    }
}

/// The copy loop on raw tables, until done or out of fuel. Returns false (having done
/// nothing) if a metamethod may be involved.
fn copy_raw<'gc>(nc: &mut NativeCtx<'gc, '_>, task: &mut CopyTask<'gc>) -> bool {
    let (Some(src), Some(dst)) = (
        raw_table(nc.ctx, task.src, false),
        raw_table(nc.ctx, task.dst, true),
    ) else {
        return false;
    };
    let mc = nc.ctx.mc;
    let step = |task: &mut CopyTask<'gc>| {
        let k = if task.backward {
            task.n - 1 - task.done
        } else {
            task.done
        };
        task.done += 1;
        (
            task.from.wrapping_add(k as i64),
            task.to.wrapping_add(k as i64),
        )
    };
    if src == dst {
        let mut d = dst.0.borrow_mut(mc);
        while task.done < task.n {
            let (from, to) = step(task);
            let v = d.get_int(from);
            d.set_int(to, v);
            *nc.fuel -= ELEM_COST;
            if *nc.fuel <= 0 {
                break;
            }
        }
    } else {
        let s = src.0.borrow();
        let mut d = dst.0.borrow_mut(mc);
        while task.done < task.n {
            let (from, to) = step(task);
            d.set_int(to, s.get_int(from));
            *nc.fuel -= ELEM_COST;
            if *nc.fuel <= 0 {
                break;
            }
        }
    }
    true
}

// ---------------------------------------------------------------------------------------------
// Read

fn run_read<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    mut task: ReadTask<'gc>,
    mut incoming: Option<Value<'gc>>,
) -> R<'gc> {
    task.wait = Wait::Nothing;
    while task.done < task.count {
        if incoming.is_none() {
            if let Some(t) = raw_table(nc.ctx, task.src, false) {
                read_raw(nc, &mut task, t)?;
                if task.done < task.count {
                    return preempt(TableCont::Read(task));
                }
                break;
            }
        }
        let key = task.first.wrapping_add(task.done as i64);
        let v = match incoming.take() {
            Some(v) => v,
            None => match geti(nc.ctx, task.src, key)? {
                Meta::Done(v) => v,
                Meta::Call(mc) => {
                    task.wait = Wait::Get;
                    return call_meta(nc, mc, TableCont::Read(task));
                }
            },
        };
        let last = task.done + 1 == task.count;
        accept(nc, &mut task.sink, key, v, last)?;
        task.done += 1;
        if nc.fuel_left() <= 0 && task.done < task.count {
            return preempt(TableCont::Read(task));
        }
    }
    finish_read(nc, task)
}

/// The read loop on a raw table, until done or out of fuel.
fn read_raw<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    task: &mut ReadTask<'gc>,
    t: Table<'gc>,
) -> LuaResult<'gc, ()> {
    let d = t.0.borrow();
    while task.done < task.count {
        let key = task.first.wrapping_add(task.done as i64);
        let last = task.done + 1 == task.count;
        accept(nc, &mut task.sink, key, d.get_int(key), last)?;
        task.done += 1;
        if *nc.fuel <= 0 {
            break;
        }
    }
    Ok(())
}

/// Takes element `key` into the sink (charging for it).
fn accept<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    sink: &mut Sink<'gc>,
    key: i64,
    v: Value<'gc>,
    last: bool,
) -> LuaResult<'gc, ()> {
    *nc.fuel -= ELEM_COST;
    match sink {
        Sink::Concat { sep, buf } => {
            if !meta::concatenable(v) {
                return Err(LuaError::rt(format!(
                    "invalid value ({}) at index {} in table for 'concat'",
                    v.type_name(),
                    key
                )));
            }
            let before = buf.len();
            meta::push_concat_text(buf, v);
            if !last {
                buf.extend_from_slice(sep);
            }
            if buf.len() > MAX_CONCAT_LEN {
                return Err(LuaError::rt("resulting string too large"));
            }
            *nc.fuel -= ((buf.len() - before) / CONCAT_BYTES_PER_FUEL) as i64;
        }
        Sink::Unpack { vals } | Sink::Sort { vals, .. } => vals.push(v),
    }
    Ok(())
}

fn finish_read<'gc>(nc: &mut NativeCtx<'gc, '_>, task: ReadTask<'gc>) -> R<'gc> {
    match task.sink {
        Sink::Concat { buf, .. } => {
            let s = Value::Str(nc.ctx.new_string(buf));
            nc.ret1(s)
        }
        Sink::Unpack { vals } => nc.ret(&vals),
        Sink::Sort { comp, vals } => {
            let sort = Sort::new(vals.len() as i64, SORT_SEED)
                .map_err(|_| LuaError::bad_arg(1, "array too big"))?;
            let task = SortTask {
                t: task.src,
                comp,
                vals,
                sort,
                wait: Wait::Nothing,
            };
            run_sort(nc, Box::new(TableCont::Sort(task)), None)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sort

/// What the sort loop decided, once it no longer borrows its box.
enum SortNext<'gc> {
    /// Call `func` with the window's arguments and continue with the same box.
    Call(Value<'gc>),
    /// Out of fuel.
    Preempt,
    /// Write back `perm`, then end as `end`.
    Write(Vec<u32>, SortEnd<'gc>),
}

/// Runs the sort in `bx` (which holds a `TableCont::Sort`); the box is reused for every
/// comparison call, so a comparator-driven sort allocates nothing per comparison.
fn run_sort<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    mut bx: Box<TableCont<'gc>>,
    incoming: Option<Value<'gc>>,
) -> R<'gc> {
    let next = {
        let TableCont::Sort(task) = &mut *bx else {
            return Err(corrupt(SortError::Corrupt("not a sort")));
        };
        sort_loop(nc, task, incoming)?
    };
    match next {
        SortNext::Call(func) => Ok(Action::Call {
            func,
            cont: Cont::Table(bx),
        }),
        SortNext::Preempt => Ok(Action::Preempt {
            cont: Cont::Table(bx),
        }),
        SortNext::Write(perm, end) => {
            let TableCont::Sort(task) = *bx else {
                return Err(corrupt(SortError::Corrupt("not a sort")));
            };
            start_write(nc, task, perm, end)
        }
    }
}

fn sort_loop<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    task: &mut SortTask<'gc>,
    incoming: Option<Value<'gc>>,
) -> LuaResult<'gc, SortNext<'gc>> {
    task.wait = Wait::Nothing;
    if let Some(v) = incoming {
        task.sort.answer(v.truthy()).map_err(corrupt)?;
    }
    loop {
        let mut fuel = Fuel::new(*nc.fuel);
        let step = task.sort.step(&mut fuel);
        *nc.fuel = fuel.remaining();
        match step {
            Ok(Step::NeedFuel) => return Ok(SortNext::Preempt),
            Ok(Step::Done(perm)) => return Ok(SortNext::Write(perm, SortEnd::Ok)),
            Ok(Step::Need(Compare { a, b })) => {
                let (Some(&va), Some(&vb)) = (task.vals.get(a as usize), task.vals.get(b as usize))
                else {
                    return Err(corrupt(SortError::Corrupt("element index")));
                };
                if !task.comp.is_nil() {
                    nc.clear();
                    nc.push(va);
                    nc.push(vb);
                    task.wait = Wait::Compare;
                    return Ok(SortNext::Call(task.comp));
                }
                nc.charge(COMPARE_COST);
                match meta::less(nc.ctx, va, vb, false) {
                    Ok(Meta::Done(r)) => task.sort.answer(r).map_err(corrupt)?,
                    Ok(Meta::Call(mc)) => {
                        nc.clear();
                        nc.push(mc.args[0]);
                        nc.push(mc.args[1]);
                        task.wait = Wait::Compare;
                        return Ok(SortNext::Call(mc.func));
                    }
                    Err(e) => {
                        let e = match in_c(nc.ctx, e) {
                            LuaError::Value(v) => v,
                            other => return Err(other),
                        };
                        let perm = task.sort.permutation().to_vec();
                        return Ok(SortNext::Write(perm, SortEnd::Error(e)));
                    }
                }
            }
            Err(SortError::InvalidOrder) => {
                let perm = task.sort.permutation().to_vec();
                return Ok(SortNext::Write(perm, SortEnd::InvalidOrder));
            }
            Err(e) => return Err(corrupt(e)),
        }
    }
}

fn corrupt<'gc>(e: SortError) -> LuaError<'gc> {
    LuaError::rt(format!("table.sort: {e}"))
}

fn start_write<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    task: SortTask<'gc>,
    perm: Vec<u32>,
    end: SortEnd<'gc>,
) -> R<'gc> {
    let task = WriteTask {
        t: task.t,
        vals: task.vals,
        perm,
        k: 0,
        wait: Wait::Nothing,
        end,
    };
    run_write(nc, task)
}

fn run_write<'gc>(nc: &mut NativeCtx<'gc, '_>, mut task: WriteTask<'gc>) -> R<'gc> {
    task.wait = Wait::Nothing;
    if let Some(t) = raw_table(nc.ctx, task.t, true) {
        let mut d = t.0.borrow_mut(nc.ctx.mc);
        while task.k < task.perm.len() {
            let k = task.k;
            task.k += 1;
            let e = task.perm[k] as usize;
            if e != k {
                d.set_int(
                    k as i64 + 1,
                    task.vals.get(e).copied().unwrap_or(Value::Nil),
                );
                *nc.fuel -= ELEM_COST;
                if *nc.fuel <= 0 && task.k < task.perm.len() {
                    drop(d);
                    return preempt(TableCont::Write(task));
                }
            }
        }
    } else {
        while task.k < task.perm.len() {
            let k = task.k;
            task.k += 1;
            let e = task.perm[k] as usize;
            if e == k {
                continue;
            }
            nc.charge(ELEM_COST);
            let v = task.vals.get(e).copied().unwrap_or(Value::Nil);
            if let Some(mc) = seti(nc.ctx, task.t, k as i64 + 1, v)? {
                task.wait = Wait::Set;
                return call_meta(nc, mc, TableCont::Write(task));
            }
            if nc.fuel_left() <= 0 && task.k < task.perm.len() {
                return preempt(TableCont::Write(task));
            }
        }
    }
    match task.end {
        SortEnd::Ok => nc.ret0(),
        SortEnd::InvalidOrder => Err(LuaError::rt("invalid order function for sorting")),
        SortEnd::Error(v) => Err(LuaError::Value(v)),
    }
}
