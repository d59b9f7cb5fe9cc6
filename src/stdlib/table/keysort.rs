//! `table.sort` of a raw table holding only integers, or only strings, with the default order.
//!
//! Design note. Lua's quicksort is not stable, so in general only Lua's exact algorithm
//! ([`super::tasks`] driving `sequences::sort::Sort`) reproduces `lua5.4`'s result. But when
//! every element is an integer, or every element is a string, two elements that compare equal
//! are indistinguishable (same integer; same bytes, and strings have no identity), so *every*
//! correct sort produces the same table. That common case takes this faster route: a
//! bottom-up merge sort over the values in position order (no permutation indirection, no
//! per-comparison round trip through a state machine), which is several times faster on large
//! arrays. It is resumable like everything else: the work is cut into units of at most
//! [`UNIT`] elements (sorting one short run, merging a chunk, writing a chunk back), each
//! charged at most `UNIT * RUN_FUEL_PER_ELEM` (64) fuel, and the task suspends between units when the step's fuel is
//! spent. The table is written back raw at the end (it is raw: no `__newindex`).

use gc_arena::Collect;
use serde::{Deserialize, Serialize};

use super::{preempt, TableContG, R};
use crate::vm::error::{LuaError, LuaResult};
use crate::vm::native::NativeCtx;
use crate::vm::table::Table;
use crate::vm::value::Value;

/// Elements handled per unit of work (a run sorted, a chunk merged or written).
pub const UNIT: usize = 16;
/// Fuel per element merged or written back.
pub use crate::limits::fuel::KEYSORT_MERGE_PER_ELEM as MERGE_FUEL_PER_ELEM;
/// Fuel per element in the initial runs (about log2 of [`UNIT`] comparisons each).
pub use crate::limits::fuel::KEYSORT_RUN_PER_ELEM as RUN_FUEL_PER_ELEM;

/// Where a [`MergeTask`] is.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Collect, Serialize, Deserialize)]
#[collect(require_static)]
pub enum MergePhase {
    /// Sorting the runs `[pos, pos + UNIT)`.
    Runs,
    /// Merging pairs of runs of length `width` from `vals` into `buf`.
    Merge,
    /// Writing `vals` back to the table from position `pos`.
    Write,
}

/// A merge sort in progress (see the module docs).
#[derive(Collect, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[collect(no_drop)]
pub struct MergeTask<V> {
    pub(super) t: V,
    /// The values with their order keys ([`order_key`]), in position order.
    pub(super) vals: Vec<(u64, V)>,
    /// Merge output.
    pub(super) buf: Vec<(u64, V)>,
    pub(super) phase: MergePhase,
    /// Run length being merged.
    #[collect(require_static)]
    pub(super) width: usize,
    /// Start of the current run (Runs), pair (Merge) or chunk (Write).
    #[collect(require_static)]
    pub(super) pos: usize,
    /// Merge cursors: next of the left run, next of the right run, next output slot.
    #[collect(require_static)]
    pub(super) cursors: (usize, usize, usize),
}

impl<V> MergeTask<V> {
    /// Converts every value with `f` (snapshots).
    pub fn map_values<W, E>(
        self,
        f: &mut impl FnMut(V) -> Result<W, E>,
    ) -> Result<MergeTask<W>, E> {
        Ok(MergeTask {
            t: f(self.t)?,
            vals: map_keyed(self.vals, f)?,
            buf: map_keyed(self.buf, f)?,
            phase: self.phase,
            width: self.width,
            pos: self.pos,
            cursors: self.cursors,
        })
    }
}

fn map_keyed<V, W, E>(
    v: Vec<(u64, V)>,
    f: &mut impl FnMut(V) -> Result<W, E>,
) -> Result<Vec<(u64, W)>, E> {
    v.into_iter().map(|(k, x)| Ok((k, f(x)?))).collect()
}

/// A prefix of the sort order that needs no pointer chasing: an integer's order-preserving
/// bits (which decide completely), or a string's first 8 bytes, big-endian, zero-padded (which
/// decide unless equal). Comparing keys first keeps the merge out of the string heap.
pub fn order_key(v: &Value<'_>) -> u64 {
    match v {
        Value::Int(i) => (*i as u64) ^ (1 << 63),
        Value::Str(s) => {
            let mut b = [0u8; 8];
            let bytes = s.as_bytes();
            let n = bytes.len().min(8);
            b[..n].copy_from_slice(&bytes[..n]);
            u64::from_be_bytes(b)
        }
        _ => u64::MAX,
    }
}

/// Whether the values qualify: at least two, all integers or all strings.
pub fn qualifies(vals: &[Value<'_>]) -> bool {
    match vals.first() {
        Some(Value::Int(_)) => vals.iter().all(|v| matches!(v, Value::Int(_))),
        Some(Value::Str(_)) => vals.iter().all(|v| matches!(v, Value::Str(_))),
        _ => false,
    }
}

/// A total order on values that is Lua's `<` on integers and on strings (other values, which
/// only a corrupt snapshot could put here, sort last as equals: the order stays total, so the
/// sort can never misbehave).
fn key_cmp(a: &(u64, Value<'_>), b: &(u64, Value<'_>)) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match a.0.cmp(&b.0) {
        Ordering::Equal => {}
        other => return other,
    }
    match (&a.1, &b.1) {
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Str(x), Value::Str(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Value::Int(_), _) => Ordering::Less,
        (_, Value::Int(_)) => Ordering::Greater,
        (Value::Str(_), _) => Ordering::Less,
        (_, Value::Str(_)) => Ordering::Greater,
        _ => Ordering::Equal,
    }
}

/// Starts sorting `vals` (read from the raw table `t`).
pub fn start<'gc>(nc: &mut NativeCtx<'gc, '_>, t: Value<'gc>, vals: Vec<Value<'gc>>) -> R<'gc> {
    nc.charge(vals.len() as i64 / (UNIT as i64));
    let vals = vals.into_iter().map(|v| (order_key(&v), v)).collect();
    let task = MergeTask {
        t,
        vals,
        buf: Vec::new(),
        phase: MergePhase::Runs,
        width: UNIT,
        pos: 0,
        cursors: (0, 0, 0),
    };
    run(nc, task)
}

/// Runs units until done or out of fuel.
pub fn run<'gc>(nc: &mut NativeCtx<'gc, '_>, mut task: MergeTask<Value<'gc>>) -> R<'gc> {
    loop {
        let done = unit(nc, &mut task)?;
        if done {
            return nc.ret0();
        }
        if nc.fuel_left() <= 0 {
            return preempt(TableContG::Merge(task));
        }
    }
}

/// One unit of work; true when the sort is finished and written back.
fn unit<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    task: &mut MergeTask<Value<'gc>>,
) -> LuaResult<'gc, bool> {
    let n = task.vals.len();
    match task.phase {
        MergePhase::Runs => {
            let end = task.pos.saturating_add(UNIT).min(n);
            if let Some(run) = task.vals.get_mut(task.pos..end) {
                run.sort_unstable_by(key_cmp);
                nc.charge(RUN_FUEL_PER_ELEM * run.len() as i64);
            }
            task.pos = end;
            if task.pos >= n {
                task.pos = 0;
                task.width = UNIT;
                task.phase = if n > UNIT {
                    MergePhase::Merge
                } else {
                    MergePhase::Write
                };
                task.buf = task.vals.clone();
                task.cursors = (0, UNIT.min(n), 0);
            }
        }
        MergePhase::Merge => merge_unit(nc, task),
        MergePhase::Write => {
            let Value::Table(t) = task.t else {
                return Ok(true);
            };
            write_unit(nc, task, t)?;
            return Ok(task.pos >= n);
        }
    }
    Ok(false)
}

/// Merges up to `UNIT` elements of the pair `[pos, pos + width)`, `[pos + width, pos + 2 width)`
/// of `vals` into `buf`; moves to the next pair or pass as they finish.
fn merge_unit<'gc>(nc: &mut NativeCtx<'gc, '_>, task: &mut MergeTask<Value<'gc>>) {
    let n = task.vals.len();
    let mid = task.pos.saturating_add(task.width).min(n);
    let end = task.pos.saturating_add(task.width.saturating_mul(2)).min(n);
    let (mut i, mut j, mut k) = task.cursors;
    let mut budget = UNIT;
    while budget > 0 && k < end {
        let take_left = match (task.vals.get(i), task.vals.get(j)) {
            (Some(a), Some(b)) if i < mid && j < end => key_cmp(b, a).is_ge(),
            _ => i < mid,
        };
        let src = if take_left { &mut i } else { &mut j };
        let (Some(&v), Some(slot)) = (task.vals.get(*src), task.buf.get_mut(k)) else {
            k = end; // inconsistent cursors (corrupt snapshot): abandon this pair
            break;
        };
        *slot = v;
        *src += 1;
        k += 1;
        budget -= 1;
    }
    nc.charge(MERGE_FUEL_PER_ELEM * (UNIT - budget) as i64);
    if k < end {
        task.cursors = (i, j, k);
        return;
    }
    // Next pair, or next pass.
    task.pos = end;
    if task.pos >= n {
        std::mem::swap(&mut task.vals, &mut task.buf);
        task.width = task.width.saturating_mul(2);
        task.pos = 0;
        if task.width >= n {
            task.phase = MergePhase::Write;
            task.buf = Vec::new();
            return;
        }
    }
    let mid = task.pos.saturating_add(task.width).min(n);
    task.cursors = (task.pos, mid, task.pos);
}

/// Writes up to `UNIT` sorted values back to the table (raw).
/// Rewriting the keys `1..n` that were read grows the table only where one was a hole in the
/// hash part (see `Ctx::store_late` for the memory budget).
fn write_unit<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    task: &mut MergeTask<Value<'gc>>,
    t: Table<'gc>,
) -> LuaResult<'gc, ()> {
    let end = task.pos.saturating_add(UNIT).min(task.vals.len());
    let mut d = t.data_mut(nc.ctx.mc);
    for (k, (_, v)) in task.vals.iter().enumerate().take(end).skip(task.pos) {
        nc.ctx
            .store_late(&mut d, Value::Int(k as i64 + 1), *v)
            .map_err(|e| nc.ctx.table_store_error(e, false, LuaError::Op))?;
    }
    nc.charge(MERGE_FUEL_PER_ELEM * (end - task.pos) as i64);
    task.pos = end;
    Ok(())
}
