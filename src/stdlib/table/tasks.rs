//! The element-by-element work of the table library, as resumable tasks (see the parent
//! module's design note): copying, reading into a sink, sorting, writing a sorted order back.
//! Each `run_*` function loops until done, until it needs a metamethod or order-function call
//! (`Action::Call`, with the task in a `TableCont`), or until the step's fuel is spent
//! (`Action::Preempt`). Tasks on raw tables take a tight loop over the table's storage.

use sequences::sort::{Compare, Sort, SortError};
use sequences::Step;

use super::{
    call_meta, geti, in_c, pause_for_gc, preempt, raw_table, seti, TableCont, TableContG, Wait,
    COMPARE_COST, CONCAT_BYTES_PER_FUEL, ELEM_COST, MAX_CONCAT_LEN, R, SORT_SEED,
};
use crate::vm::cont::{Cont, Kept};
use crate::vm::error::{LuaError, LuaResult};
use crate::vm::meta::{self, Meta};
use crate::vm::native::{Action, NativeCtx};
use crate::vm::table::Table;
use crate::vm::value::Value;
use gc_arena::Collect;
use serde::{Deserialize, Serialize};

/// What a [`CopyTask`] does around its copy loop.
#[derive(Collect, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[collect(no_drop)]
pub enum CopyKind<V> {
    /// `table.move`: returns the destination.
    Move,
    /// `table.insert(t, pos, v)`: then `t[pos] = v`.
    Insert {
        /// Where the new value goes.
        #[collect(require_static)]
        pos: i64,
        /// The new value.
        value: V,
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
        result: Option<V>,
    },
}

/// Where a [`CopyTask`] is.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Collect, Serialize, Deserialize)]
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
#[derive(Collect, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[collect(no_drop)]
pub struct CopyTask<V> {
    pub(super) src: V,
    pub(super) dst: V,
    #[collect(require_static)]
    pub(super) from: i64,
    #[collect(require_static)]
    pub(super) to: i64,
    #[collect(require_static)]
    pub(super) n: u64,
    #[collect(require_static)]
    pub(super) done: u64,
    #[collect(require_static)]
    pub(super) backward: bool,
    pub(super) phase: CopyPhase,
    pub(super) wait: Wait,
    pub(super) kind: CopyKind<V>,
}

/// What a [`ReadTask`] does with the elements it reads.
#[derive(Collect, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[collect(no_drop)]
pub enum Sink<V> {
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
        vals: Vec<V>,
    },
    /// `table.sort`: collects them, then sorts.
    Sort {
        /// The order function (nil: `<`).
        comp: V,
        /// The values so far.
        vals: Vec<V>,
    },
}

/// Reads `src[first + k]` for `k` in `0..count` into a [`Sink`].
#[derive(Collect, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[collect(no_drop)]
pub struct ReadTask<V> {
    pub(super) src: V,
    #[collect(require_static)]
    pub(super) first: i64,
    #[collect(require_static)]
    pub(super) count: u64,
    #[collect(require_static)]
    pub(super) done: u64,
    pub(super) wait: Wait,
    pub(super) sink: Sink<V>,
}

/// `table.sort` comparing: `vals` are the elements as read, `sort` permutes their indices.
#[derive(Collect, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[collect(no_drop)]
pub struct SortTask<V> {
    pub(super) t: V,
    pub(super) comp: V,
    pub(super) vals: Vec<V>,
    #[collect(require_static)]
    pub(super) sort: Sort,
    pub(super) wait: Wait,
}

/// How a sort ends once the order is written back.
#[derive(Collect, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[collect(no_drop)]
pub enum SortEnd<V> {
    /// Return normally.
    Ok,
    /// Raise "invalid order function for sorting" (with the caller's position).
    InvalidOrder,
    /// Raise this error value (a comparison error, raised from inside `sort`: no position).
    Error(V),
}

/// Writes `t[k + 1] = vals[perm[k]]` wherever that changes the element.
#[derive(Collect, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[collect(no_drop)]
pub struct WriteTask<V> {
    pub(super) t: V,
    pub(super) vals: Vec<V>,
    #[collect(require_static)]
    pub(super) perm: Vec<u32>,
    #[collect(require_static)]
    pub(super) k: usize,
    pub(super) wait: Wait,
    pub(super) end: SortEnd<V>,
}

/// Converts every value of a vector with `f`.
fn map_vec<V, W, E>(v: Vec<V>, f: &mut impl FnMut(V) -> Result<W, E>) -> Result<Vec<W>, E> {
    v.into_iter().map(f).collect()
}

impl<V> CopyTask<V> {
    /// Converts every value with `f` (snapshots).
    pub fn map_values<W, E>(self, f: &mut impl FnMut(V) -> Result<W, E>) -> Result<CopyTask<W>, E> {
        Ok(CopyTask {
            src: f(self.src)?,
            dst: f(self.dst)?,
            from: self.from,
            to: self.to,
            n: self.n,
            done: self.done,
            backward: self.backward,
            phase: self.phase,
            wait: self.wait,
            kind: match self.kind {
                CopyKind::Move => CopyKind::Move,
                CopyKind::Insert { pos, value } => CopyKind::Insert {
                    pos,
                    value: f(value)?,
                },
                CopyKind::Remove { pos, last, result } => CopyKind::Remove {
                    pos,
                    last,
                    result: result.map(&mut *f).transpose()?,
                },
            },
        })
    }
}

impl<V> ReadTask<V> {
    /// Converts every value with `f` (snapshots).
    pub fn map_values<W, E>(self, f: &mut impl FnMut(V) -> Result<W, E>) -> Result<ReadTask<W>, E> {
        Ok(ReadTask {
            src: f(self.src)?,
            first: self.first,
            count: self.count,
            done: self.done,
            wait: self.wait,
            sink: match self.sink {
                Sink::Concat { sep, buf } => Sink::Concat { sep, buf },
                Sink::Unpack { vals } => Sink::Unpack {
                    vals: map_vec(vals, f)?,
                },
                Sink::Sort { comp, vals } => Sink::Sort {
                    comp: f(comp)?,
                    vals: map_vec(vals, f)?,
                },
            },
        })
    }
}

impl<V> SortTask<V> {
    /// Converts every value with `f` (snapshots).
    pub fn map_values<W, E>(self, f: &mut impl FnMut(V) -> Result<W, E>) -> Result<SortTask<W>, E> {
        Ok(SortTask {
            t: f(self.t)?,
            comp: f(self.comp)?,
            vals: map_vec(self.vals, f)?,
            sort: self.sort,
            wait: self.wait,
        })
    }
}

impl<V> WriteTask<V> {
    /// Converts every value with `f` (snapshots).
    pub fn map_values<W, E>(
        self,
        f: &mut impl FnMut(V) -> Result<W, E>,
    ) -> Result<WriteTask<W>, E> {
        Ok(WriteTask {
            t: f(self.t)?,
            vals: map_vec(self.vals, f)?,
            perm: self.perm,
            k: self.k,
            wait: self.wait,
            end: match self.end {
                SortEnd::Ok => SortEnd::Ok,
                SortEnd::InvalidOrder => SortEnd::InvalidOrder,
                SortEnd::Error(v) => SortEnd::Error(f(v)?),
            },
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Copy

pub(super) fn run_copy<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    mut task: CopyTask<Value<'gc>>,
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
                                return call_meta(nc, mc, TableContG::Copy(task));
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
                if incoming.is_none() {
                    match copy_raw(nc, &mut task) {
                        RawCopy::NotRaw => {}
                        RawCopy::Stopped if task.done < task.n => {
                            return preempt(TableContG::Copy(task));
                        }
                        RawCopy::Stopped => continue,
                        RawCopy::NoMemory => return pause_for_gc(nc, TableContG::Copy(task)),
                    }
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
                            return call_meta(nc, mc, TableContG::Copy(task));
                        }
                    },
                };
                task.done += 1;
                nc.charge(ELEM_COST);
                if let Some(mc) = seti(nc.ctx, task.dst, to, v)? {
                    task.wait = Wait::Set;
                    return call_meta(nc, mc, TableContG::Copy(task));
                }
                if nc.fuel_left() <= 0 && task.done < task.n {
                    return preempt(TableContG::Copy(task));
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
                        return call_meta(nc, mc, TableContG::Copy(task));
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

/// How [`copy_raw`] stopped.
enum RawCopy {
    /// A metamethod may be involved: nothing was done.
    NotRaw,
    /// Done, or out of fuel.
    Stopped,
    /// The destination cannot grow within the memory budget; `done` counts only the
    /// elements stored.
    NoMemory,
}

/// The copy loop on raw tables, until done, out of fuel or out of memory.
fn copy_raw<'gc>(nc: &mut NativeCtx<'gc, '_>, task: &mut CopyTask<Value<'gc>>) -> RawCopy {
    let (Some(src), Some(dst)) = (
        raw_table(nc.ctx, task.src, false),
        raw_table(nc.ctx, task.dst, true),
    ) else {
        return RawCopy::NotRaw;
    };
    let mc = nc.ctx.mc;
    // (The task's fields in locals: the loops keep them in registers.)
    let (n, from, to, backward) = (task.n, task.from, task.to, task.backward);
    let mut done = task.done;
    let step = |done: &mut _| {
        let k = if backward { n - 1 - *done } else { *done };
        *done += 1;
        (from.wrapping_add(k as i64), to.wrapping_add(k as i64))
    };
    if src == dst {
        let mut d = dst.data_mut(mc);
        // (The keys the loop reads and writes, noted at once for the length hint.)
        if n > 0 {
            let last = (n - 1).min(i64::MAX as u64) as i64;
            d.note_int_range(from, from.saturating_add(last));
            d.note_int_range(to, to.saturating_add(last));
        }
        while done < n {
            let (from, to) = step(&mut done);
            if d.copy_int(from, to).is_err() {
                task.done = done - 1;
                return RawCopy::NoMemory;
            }
            nc.fuel.charge(ELEM_COST);
            if nc.fuel.is_exhausted() {
                break;
            }
        }
    } else {
        let s = src.data(mc);
        let mut d = dst.data_mut(mc);
        while done < n {
            let (from, to) = step(&mut done);
            if d.set_int(to, s.get_int(from)).is_err() {
                task.done = done - 1;
                return RawCopy::NoMemory;
            }
            nc.fuel.charge(ELEM_COST);
            if nc.fuel.is_exhausted() {
                break;
            }
        }
    }
    task.done = done;
    RawCopy::Stopped
}

// ---------------------------------------------------------------------------------------------
// Read

pub(super) fn run_read<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    mut task: ReadTask<Value<'gc>>,
    mut incoming: Option<Value<'gc>>,
) -> R<'gc> {
    task.wait = Wait::Nothing;
    // (What the frame this call resumes from was charged for the result, see `buffer_fits`.)
    let held = concat_len(&task.sink);
    while task.done < task.count {
        if incoming.is_none() {
            if !concat_fits(nc, &task.sink, held) {
                return pause_for_gc(nc, TableContG::Read(task));
            }
            if let Some(t) = raw_table(nc.ctx, task.src, false) {
                if read_raw(nc, &mut task, t, held)? == Raw::NoRoom {
                    return pause_for_gc(nc, TableContG::Read(task));
                }
                if task.done < task.count {
                    return preempt(TableContG::Read(task));
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
                    return call_meta(nc, mc, TableContG::Read(task));
                }
            },
        };
        let last = task.done + 1 == task.count;
        accept(nc, &mut task.sink, key, v, last)?;
        task.done += 1;
        if nc.fuel_left() <= 0 && task.done < task.count {
            return preempt(TableContG::Read(task));
        }
    }
    finish_read(nc, task)
}

/// Whether a `concat` result built so far may grow within the memory budget. Checked
/// before each element is read (so that a task stops before doing anything and waits for a
/// collection, see `pause_for_gc`, instead of failing because of garbage).
fn concat_fits<'gc>(nc: &NativeCtx<'gc, '_>, sink: &Sink<Value<'gc>>, held: usize) -> bool {
    match sink {
        Sink::Concat { buf, .. } => nc.buffer_fits(buf.len(), held),
        _ => true,
    }
}

/// The length of a `concat` result built so far (0 for other sinks).
fn concat_len<V>(sink: &Sink<V>) -> usize {
    match sink {
        Sink::Concat { buf, .. } => buf.len(),
        _ => 0,
    }
}

/// How [`read_raw`] stopped.
#[derive(PartialEq)]
enum Raw {
    /// Done or out of fuel.
    Stopped,
    /// The result would not fit in the memory budget (see [`concat_fits`]).
    NoRoom,
}

/// The read loop on a raw table, until done, out of fuel or out of room.
fn read_raw<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    task: &mut ReadTask<Value<'gc>>,
    t: Table<'gc>,
    held: usize,
) -> LuaResult<'gc, Raw> {
    let d = t.data(nc.ctx.mc);
    while task.done < task.count {
        if !concat_fits(nc, &task.sink, held) {
            return Ok(Raw::NoRoom);
        }
        let key = task.first.wrapping_add(task.done as i64);
        let last = task.done + 1 == task.count;
        accept(nc, &mut task.sink, key, d.get_int(key), last)?;
        task.done += 1;
        if nc.fuel.is_exhausted() {
            break;
        }
    }
    Ok(Raw::Stopped)
}

/// Takes element `key` into the sink (charging for it).
fn accept<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    sink: &mut Sink<Value<'gc>>,
    key: i64,
    v: Value<'gc>,
    last: bool,
) -> LuaResult<'gc, ()> {
    nc.fuel.charge(ELEM_COST);
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
            nc.fuel.charge(meta::push_concat_text(buf, v));
            if !last {
                buf.extend_from_slice(sep);
            }
            if buf.len() > MAX_CONCAT_LEN {
                return Err(LuaError::rt("resulting string too large"));
            }
            nc.fuel
                .charge(((buf.len() - before) / CONCAT_BYTES_PER_FUEL) as i64);
        }
        Sink::Unpack { vals } | Sink::Sort { vals, .. } => vals.push(v),
    }
    Ok(())
}

fn finish_read<'gc>(nc: &mut NativeCtx<'gc, '_>, task: ReadTask<Value<'gc>>) -> R<'gc> {
    match task.sink {
        Sink::Concat { buf, .. } => {
            let s = Value::Str(nc.ctx.new_string(buf));
            nc.ret1(s)
        }
        Sink::Unpack { vals } => nc.ret(&vals),
        Sink::Sort { comp, vals } => {
            let raw = raw_table(nc.ctx, task.src, false).is_some()
                && raw_table(nc.ctx, task.src, true).is_some();
            if comp.is_nil() && raw && super::keysort::qualifies(&vals) {
                return super::keysort::start(nc, task.src, vals);
            }
            let sort = Sort::new(vals.len() as i64, SORT_SEED)
                .map_err(|_| LuaError::bad_arg(1, "array too big"))?;
            let task = SortTask {
                t: task.src,
                comp,
                vals,
                sort,
                wait: Wait::Nothing,
            };
            run_sort(nc, Box::new(TableContG::Sort(task)), None)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sort

/// What the sort loop decided, once it no longer borrows its box.
enum SortNext<'gc> {
    /// Call `func` with these two arguments and continue with the same box.
    Call(Value<'gc>, [Value<'gc>; 2]),
    /// Out of fuel.
    Preempt,
    /// Write back `perm`, then end as `end`.
    Write(Vec<u32>, SortEnd<Value<'gc>>),
}

/// Runs the sort in `bx` (which holds a `TableContG::Sort`); the box is reused for every
/// comparison call, so a comparator-driven sort allocates nothing per comparison.
pub(super) fn run_sort<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    mut bx: Box<TableCont<'gc>>,
    incoming: Option<Value<'gc>>,
) -> R<'gc> {
    let next = {
        let TableContG::Sort(task) = &mut *bx else {
            return Err(corrupt(SortError::Corrupt("not a sort")));
        };
        sort_loop(nc, task, incoming)?
    };
    match next {
        SortNext::Call(func, args) => {
            nc.clear();
            nc.push(args[0]);
            nc.push(args[1]);
            Ok(Action::Call {
                func,
                cont: Cont::Lib(bx),
            })
        }
        SortNext::Preempt => Ok(Action::Preempt {
            cont: Cont::Lib(bx),
        }),
        SortNext::Write(perm, end) => {
            let TableContG::Sort(task) = *bx else {
                return Err(corrupt(SortError::Corrupt("not a sort")));
            };
            start_write(nc, task.t, task.vals, perm, end)
        }
    }
}

/// [`run_sort`] with the task left in its box (see `LibCont::resume_kept`; the window holds
/// stale values until cleared): a finished sort moves its values out of it into the
/// write-back.
pub(super) fn run_sort_kept<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    task: &mut SortTask<Value<'gc>>,
    incoming: Option<Value<'gc>>,
) -> LuaResult<'gc, Kept<'gc>> {
    Ok(match sort_loop(nc, task, incoming)? {
        SortNext::Call(func, args) => Kept::Call {
            func,
            args,
            // (`TableContG::heap_bytes` of a sort.)
            bytes: task.vals.len() * crate::vm::memory::VALUE_BYTES + task.sort.heap_bytes(),
        },
        SortNext::Preempt => Kept::Preempt,
        SortNext::Write(perm, end) => {
            nc.clear();
            let vals = std::mem::take(&mut task.vals);
            Kept::Then(start_write(nc, task.t, vals, perm, end)?)
        }
    })
}

fn sort_loop<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    task: &mut SortTask<Value<'gc>>,
    incoming: Option<Value<'gc>>,
) -> LuaResult<'gc, SortNext<'gc>> {
    task.wait = Wait::Nothing;
    if let Some(v) = incoming {
        task.sort.answer(v.truthy()).map_err(corrupt)?;
    }
    loop {
        let step = task.sort.step(nc.fuel);
        match step {
            Ok(Step::NeedFuel) => return Ok(SortNext::Preempt),
            Ok(Step::Done(perm)) => return Ok(SortNext::Write(perm, SortEnd::Ok)),
            Ok(Step::Need(Compare { a, b })) => {
                let (Some(&va), Some(&vb)) = (task.vals.get(a as usize), task.vals.get(b as usize))
                else {
                    return Err(corrupt(SortError::Corrupt("element index")));
                };
                if !task.comp.is_nil() {
                    task.wait = Wait::Compare;
                    return Ok(SortNext::Call(task.comp, [va, vb]));
                }
                nc.charge(COMPARE_COST);
                match meta::less(nc.ctx, va, vb, false) {
                    Ok(Meta::Done(r)) => task.sort.answer(r).map_err(corrupt)?,
                    Ok(Meta::Call(mc)) => {
                        task.wait = Wait::Compare;
                        return Ok(SortNext::Call(mc.func, [mc.args[0], mc.args[1]]));
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

pub(super) fn corrupt<'gc>(e: SortError) -> LuaError<'gc> {
    LuaError::rt(format!("table.sort: {e}"))
}

fn start_write<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    t: Value<'gc>,
    vals: Vec<Value<'gc>>,
    perm: Vec<u32>,
    end: SortEnd<Value<'gc>>,
) -> R<'gc> {
    let task = WriteTask {
        t,
        vals,
        perm,
        k: 0,
        wait: Wait::Nothing,
        end,
    };
    run_write(nc, task)
}

pub(super) fn run_write<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    mut task: WriteTask<Value<'gc>>,
) -> R<'gc> {
    task.wait = Wait::Nothing;
    if let Some(t) = raw_table(nc.ctx, task.t, true) {
        let mut d = t.data_mut(nc.ctx.mc);
        while task.k < task.perm.len() {
            let k = task.k;
            task.k += 1;
            let e = task.perm[k] as usize;
            if e != k {
                // Rewriting the keys `1..n` that were read grows the table only where one
                // was a hole in the hash part (see `Ctx::store_late`).
                let v = task.vals.get(e).copied().unwrap_or(Value::Nil);
                nc.ctx
                    .store_late(&mut d, Value::Int(k as i64 + 1), v)
                    .map_err(|e| nc.ctx.table_store_error(e, false, LuaError::Op))?;
                nc.fuel.charge(ELEM_COST);
                if nc.fuel.is_exhausted() && task.k < task.perm.len() {
                    drop(d);
                    return preempt(TableContG::Write(task));
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
                return call_meta(nc, mc, TableContG::Write(task));
            }
            if nc.fuel_left() <= 0 && task.k < task.perm.len() {
                return preempt(TableContG::Write(task));
            }
        }
    }
    match task.end {
        SortEnd::Ok => nc.ret0(),
        SortEnd::InvalidOrder => Err(LuaError::rt("invalid order function for sorting")),
        SortEnd::Error(v) => Err(LuaError::Value(v)),
    }
}
