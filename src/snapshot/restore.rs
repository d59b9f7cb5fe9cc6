//! Restoring: validate an untrusted snapshot body and rebuild the heap straight from its bytes.
//!
//! [`parse`] reads the body's tail (chunks, functions, roots, scalars; the tail's position is
//! the body's first field). [`build`] then walks the object list in passes, with no
//! intermediate structures:
//! 1. strings in full, shells for tables, threads and userdata, Lua closures (their upvalue
//!    cells are created on first reference), and each object's position;
//! 2. native closures, dependencies first (their bound values may be other natives);
//! 3. contents of tables, upvalues, userdata, then threads;
//! 4. checks that need every thread built (open upvalue slots).
//!
//! Everything is checked before the VM can run: every index is in range and names an object
//! of the right kind, every function path exists in its (recompiled) chunk, frames are
//! consistent with their functions and their thread's stack, and continuations only hold
//! valid values. Any violation is a [`SnapshotError`]; nothing here may panic. Lengths are
//! checked against the remaining input before anything is reserved.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::ops::Range;
use std::sync::Arc;

use gc_arena::{lock::Lock, lock::RefLock, Gc, Mutation};

use super::format::*;
use super::mpack::{RVal, Reader};
use super::{Registry, SnapshotError};
use crate::compiler::opcodes::Op;
use crate::compiler::Proto;
use crate::vm::chunk::Chunk;
use crate::vm::closure::{
    instantiate_at, Closure, ClosureData, FnProto, LightNative, NativeClosure, NativeData,
    NativeRef, UpCell, UpState, Upvalue, UpvalueExt,
};
use crate::vm::cont::{Cont, LibCont, LibSaved, SavedCont};
use crate::vm::exec::{ERROR_EXTRA_STACK, MAX_STACK};
use crate::vm::state::{Host, State, TypeMetas, TM_COUNT, TM_NAMES};
use crate::vm::string::LuaStr;
use crate::vm::table::Table;
use crate::vm::thread::{Frame, LuaFrame, NativeFrame, Status, Thread};
use crate::vm::userdata::Userdata;
use crate::vm::value::{Value, F64};

fn bad(msg: impl Into<String>) -> SnapshotError {
    SnapshotError::Invalid(msg.into())
}

/// A chunk entry of the body (byte ranges into the body).
#[derive(Clone, Debug)]
pub struct ChunkEntry {
    /// Content hash.
    pub id: Range<usize>,
    /// Chunk name.
    pub name: Range<usize>,
    /// Source, if included.
    pub source: Option<Range<usize>>,
    /// Compiled without debug information (a fourth element, present only when true).
    pub stripped: bool,
}

/// A function the snapshot's closures refer to.
#[derive(Debug, Clone)]
pub(super) struct SavedProto {
    pub(super) chunk: u32,
    /// Child indices from the chunk's main function.
    pub(super) path: Vec<u32>,
    /// (constant index, object index): string constants that are saved objects.
    pub(super) links: Vec<(u32, u32)>,
    /// The function whose instance holds this one as a nested function (none for the root of
    /// an instance tree).
    pub(super) parent: Option<u32>,
}

/// The body's tail, parsed: everything but the objects (owned, so an image can keep it).
#[derive(Clone, Debug)]
pub struct Tail {
    pub(super) objects: usize,
    pub(super) count: usize,
    pub(super) tail_at: usize,
    /// Chunks referenced by functions.
    pub chunks: Vec<ChunkEntry>,
    pub(super) protos: Vec<SavedProto>,
    globals: u32,
    registry: u32,
    main: u32,
    running: Vec<u32>,
    metas: [Option<u32>; 7],
    /// The VM's hash key (`State::hash_key`).
    pub(crate) hash_key: u64,
    next_id: u64,
    rng: [u64; 4],
    main_yieldable: bool,
    c_call_boundaries: bool,
    /// The memory budget's retry state (see `State::memory_error`, `just_collected` and
    /// `quiet_retry`).
    memory_error: bool,
    just_collected: bool,
    quiet_retry: bool,
    budget_exhausted: bool,
    /// Fuel consumed so far.
    pub fuel_used: u64,
    /// The saved VM's memory count, when its collector was stopped (see
    /// `api::Vm::inherited_garbage`).
    pub used_at_save: Option<u64>,
    /// (metamethod name index, object index): metamethod names that are saved strings.
    tm_links: Vec<(u32, u32)>,
    /// The collector's state.
    gc: SavedGc,
}

/// The collector's state as saved (see `vm::gc` and `format`).
#[derive(Clone, Debug, Default)]
struct SavedGc {
    /// (table, weak mode)
    weak: Vec<(u32, u8)>,
    /// Objects marked for finalization, in marking order.
    finobj: Vec<u32>,
    /// Objects whose finalizer is due, in running order.
    tobefnz: Vec<u32>,
    stopped: bool,
    generational: bool,
    pause: i64,
    stepmul: i64,
    closing: bool,
    step_bytes: f64,
    step_finished: bool,
    full_base: u64,
    since_full: u64,
}

fn range(r: &Reader<'_>, s: &[u8]) -> Range<usize> {
    r.pos() - s.len()..r.pos()
}

/// Parses a body's tail (see [`super::format`]).
pub fn parse(bytes: &[u8]) -> Result<Tail, SnapshotError> {
    let mut r = Reader::new(bytes, 0);
    r.array_exact(BODY_FIELDS)?;
    let tail_at = usize::try_from(r.u64()?).map_err(|_| bad("tail offset"))?;
    let count = r.array_len()?;
    let objects = r.pos();
    if tail_at < objects || tail_at > bytes.len() {
        return Err(bad("tail offset out of range"));
    }
    // Every object takes at least two bytes: this bounds what restoring reserves per object.
    if count > (tail_at - objects) / 2 {
        return Err(bad("more objects than the object list has room for"));
    }
    let mut r = Reader::new(bytes, tail_at);
    let n = r.array_len()?;
    let mut chunks = Vec::with_capacity(n);
    for _ in 0..n {
        let len = r.array_len()?;
        if len != 3 && len != 4 {
            return Err(bad("chunk entry of the wrong size"));
        }
        let id = r.bin()?;
        let id = range(&r, id);
        let name = r.bin()?;
        let name = range(&r, name);
        let source = if r.nil() {
            None
        } else {
            let s = r.bin()?;
            Some(range(&r, s))
        };
        let stripped = len == 4 && r.boolean()?;
        chunks.push(ChunkEntry {
            id,
            name,
            source,
            stripped,
        });
    }
    let n = r.array_len()?;
    let mut protos = Vec::with_capacity(n);
    for _ in 0..n {
        r.array_exact(4)?;
        let chunk = r.u32()?;
        let m = r.array_len()?;
        let mut path = Vec::with_capacity(m);
        for _ in 0..m {
            path.push(r.u32()?);
        }
        let m = r.array_len()?;
        if m % 2 != 0 {
            return Err(bad("odd constant link list"));
        }
        let mut links = Vec::with_capacity(m / 2);
        for _ in 0..m / 2 {
            links.push((r.u32()?, r.u32()?));
        }
        let parent = r.opt_index()?;
        protos.push(SavedProto {
            chunk,
            path,
            links,
            parent,
        });
    }
    let globals = r.index()?;
    let registry = r.index()?;
    let main = r.index()?;
    let n = r.array_len()?;
    let mut running = Vec::with_capacity(n);
    for _ in 0..n {
        running.push(r.index()?);
    }
    r.array_exact(7)?;
    let mut metas = [None; 7];
    for m in &mut metas {
        *m = r.opt_index()?;
    }
    let hash_key = r.u64()?;
    let next_id = r.u64()?;
    r.array_exact(4)?;
    let mut rng = [0u64; 4];
    for x in &mut rng {
        *x = r.u64()?;
    }
    let flags = match r.peek() {
        Some(0xc2 | 0xc3) => r.boolean()? as u64,
        _ => match r.u64()? {
            f @ 2..=127 => f,
            _ => return Err(bad("bad VM flags")),
        },
    };
    let flag = |bit: u32| flags & (1 << bit) != 0;
    let (main_yieldable, c_call_boundaries) = (flag(0), flag(1));
    let (memory_error, just_collected, quiet_retry) = (flag(2), flag(3), flag(4));
    let budget_exhausted = flag(5);
    let fuel_used = r.u64()?;
    let used_at_save = if flag(6) { Some(r.u64()?) } else { None };
    let m = r.array_len()?;
    if m % 2 != 0 {
        return Err(bad("odd metamethod name link list"));
    }
    let mut tm_links = Vec::with_capacity(m / 2);
    for _ in 0..m / 2 {
        tm_links.push((r.u32()?, r.u32()?));
    }
    r.array_exact(12)?;
    let m = r.array_len()?;
    if m % 2 != 0 {
        return Err(bad("odd weak table list"));
    }
    let mut gc = SavedGc::default();
    for _ in 0..m / 2 {
        let t = r.index()?;
        let mode = r.u32()?;
        if mode == 0 || mode > 3 {
            return Err(bad("bad weak mode"));
        }
        gc.weak.push((t, mode as u8));
    }
    for list in [&mut gc.finobj, &mut gc.tobefnz] {
        let m = r.array_len()?;
        for _ in 0..m {
            list.push(r.index()?);
        }
    }
    gc.stopped = r.boolean()?;
    gc.generational = r.boolean()?;
    gc.pause = r.i64()?;
    gc.stepmul = r.i64()?;
    gc.closing = r.boolean()?;
    gc.step_bytes = match r.val()? {
        RVal::Float(bits) if f64::from_bits(bits) >= 0.0 => f64::from_bits(bits),
        _ => return Err(bad("bad step count")),
    };
    gc.step_finished = r.boolean()?;
    gc.full_base = r.u64()?;
    gc.since_full = r.u64()?;
    if r.remaining() != 0 {
        return Err(bad("trailing bytes"));
    }
    Ok(Tail {
        objects,
        count,
        tail_at,
        chunks,
        protos,
        globals,
        registry,
        main,
        running,
        metas,
        hash_key,
        next_id,
        rng,
        main_yieldable,
        c_call_boundaries,
        memory_error,
        just_collected,
        quiet_retry,
        budget_exhausted,
        fuel_used,
        used_at_save,
        tm_links,
        gc,
    })
}

/// A rebuilt object.
#[derive(Copy, Clone)]
pub(super) enum Built<'gc> {
    Str(LuaStr<'gc>),
    Table(Table<'gc>),
    Closure(Closure<'gc>),
    Native(NativeClosure<'gc>),
    Light(LightNative),
    Thread(Thread<'gc>),
    Upvalue(Upvalue<'gc>),
    Userdata(Userdata<'gc>),
    /// A native closure not built yet (pass 2).
    NativePending,
    /// A Lua closure not built yet (pass 2).
    ClosurePending,
    Pending,
}

pub(super) struct Builder<'a, 'gc> {
    pub(super) mc: &'gc Mutation<'gc>,
    pub(super) bytes: &'a [u8],
    pub(super) built: Vec<Built<'gc>>,
    pub(super) offsets: std::borrow::Cow<'a, [usize]>,
    /// For a lazy fork (`built` empty): makes objects on demand (see `snapshot::lazy`).
    pub(super) lazy: Option<&'a dyn Fn(u32) -> Option<Built<'gc>>>,
}

impl<'a, 'gc> Builder<'a, 'gc> {
    /// Object `i` as built (or made, for a lazy fork, whose `built` is empty).
    #[inline(always)]
    pub(super) fn lookup(&self, i: u32) -> Option<Built<'gc>> {
        match self.built.get(i as usize) {
            Some(b) => Some(*b),
            None => self.make(i),
        }
    }

    #[cold]
    #[inline(never)]
    fn make(&self, i: u32) -> Option<Built<'gc>> {
        self.lazy.and_then(|make| make(i))
    }

    #[inline(always)]
    pub(super) fn value(&self, v: RVal) -> Result<Value<'gc>, SnapshotError> {
        Ok(match v {
            RVal::Nil => Value::Nil,
            RVal::False => Value::False,
            RVal::True => Value::True,
            RVal::Int(i) => Value::Int(i),
            RVal::Float(b) => Value::Float(F64(b)),
            RVal::Obj(i) => self.obj_value(i)?,
            RVal::Light(p) => Value::LightUserdata(p),
        })
    }

    #[inline(always)]
    fn obj_value(&self, i: u32) -> Result<Value<'gc>, SnapshotError> {
        Ok(match self.lookup(i) {
            Some(Built::Str(s)) => Value::Str(s),
            Some(Built::Table(t)) => Value::Table(t),
            Some(Built::Closure(c)) => Value::Function(c),
            Some(Built::Native(n)) => Value::Native(n),
            Some(Built::Light(l)) => Value::LightNative(l),
            Some(Built::Thread(t)) => Value::Thread(t),
            Some(Built::Userdata(u)) => Value::Userdata(u),
            Some(Built::Upvalue(_)) => {
                return Err(bad(format!("object {i} is an upvalue, not a value")))
            }
            Some(Built::Pending | Built::NativePending | Built::ClosurePending) => {
                return Err(bad(format!("object {i} used before it exists")))
            }
            None => return Err(bad(format!("object index {i} out of range"))),
        })
    }

    fn sval(&self, v: SVal) -> Result<Value<'gc>, SnapshotError> {
        self.value(match v {
            SVal::Nil => RVal::Nil,
            SVal::False => RVal::False,
            SVal::True => RVal::True,
            SVal::Int(i) => RVal::Int(i),
            SVal::Float(f) => RVal::Float(f),
            SVal::Obj(i) => RVal::Obj(i),
            SVal::Light(p) => RVal::Light(p),
        })
    }

    pub(super) fn table(&self, i: u32) -> Result<Table<'gc>, SnapshotError> {
        match self.lookup(i) {
            Some(Built::Table(t)) => Ok(t),
            _ => Err(bad(format!("object {i} is not a table"))),
        }
    }

    pub(super) fn opt_table(&self, i: Option<u32>) -> Result<Option<Table<'gc>>, SnapshotError> {
        i.map(|i| self.table(i)).transpose()
    }

    pub(super) fn thread(&self, i: u32) -> Result<Thread<'gc>, SnapshotError> {
        match self.lookup(i) {
            Some(Built::Thread(t)) => Ok(t),
            _ => Err(bad(format!("object {i} is not a thread"))),
        }
    }

    pub(super) fn upvalue(&self, i: u32) -> Result<Upvalue<'gc>, SnapshotError> {
        match self.lookup(i) {
            Some(Built::Upvalue(u)) => Ok(u),
            _ => Err(bad(format!("object {i} is not an upvalue"))),
        }
    }

    pub(super) fn closure(&self, i: u32) -> Result<Closure<'gc>, SnapshotError> {
        match self.lookup(i) {
            Some(Built::Closure(c)) => Ok(c),
            _ => Err(bad(format!("object {i} is not a Lua function"))),
        }
    }

    pub(super) fn native(&self, i: u32) -> Result<NativeRef<'gc>, SnapshotError> {
        match self.lookup(i) {
            Some(Built::Native(n)) => Ok(NativeRef::Closure(n)),
            Some(Built::Light(l)) => Ok(NativeRef::Light(l)),
            _ => Err(bad(format!("object {i} is not a native function"))),
        }
    }

    /// A reader at object `i`, past its array header and tag.
    fn at(&self, i: usize) -> Result<Reader<'a>, SnapshotError> {
        let pos = *self.offsets.get(i).ok_or_else(|| bad("object index"))?;
        let mut r = Reader::new(self.bytes, pos);
        r.array_len()?;
        r.u64()?;
        Ok(r)
    }

    /// Reads `n` values into a vector.
    #[inline]
    fn values(&self, r: &mut Reader<'_>) -> Result<Vec<Value<'gc>>, SnapshotError> {
        let n = r.array_len()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.value(r.val()?)?);
        }
        Ok(out)
    }
}

fn status_from(code: u64) -> Result<Status, SnapshotError> {
    Ok(match code {
        0 => Status::Initial,
        1 => Status::Suspended,
        2 => Status::Running,
        3 => Status::Normal,
        4 => Status::Dead,
        _ => return Err(bad(format!("bad thread status {code}"))),
    })
}

/// How to get the instance of function `i` of the body's function table.
pub(super) enum ProtoPlan {
    /// Instantiate `path` of chunk `chunk` with its nested functions: the root of an
    /// instance tree.
    Fresh { chunk: u32, path: Box<[u32]> },
    /// Nested function `child` of the instance of function `of` (planned earlier).
    Within { of: u32, child: u32 },
}

/// The function table as instances to make.
pub(super) struct ProtoPlans {
    /// Every function once, each after the function whose instance holds it.
    pub(super) order: Vec<(u32, ProtoPlan)>,
    /// For each function, the root of its instance tree (constant links are keyed by it).
    pub(super) roots: Vec<u32>,
}

/// The compiled function at `path` below chunk `c`'s main function.
pub(super) fn proto_at<'a>(c: &'a Chunk, path: &[u32]) -> Option<&'a Arc<Proto>> {
    let mut proto = &c.main;
    for &k in path {
        proto = proto.protos.get(k as usize)?;
    }
    Some(proto)
}

/// Plans the function instances: a function without a parent is instantiated with its nested
/// functions; one with a parent is that parent instance's nested function. Each instance of
/// the saved VM is one entry, so a chunk loaded twice is restored as two instance trees.
pub(super) fn plan_protos(
    chunks: &[Arc<Chunk>],
    protos: &[SavedProto],
) -> Result<ProtoPlans, SnapshotError> {
    // A parent's path is one shorter than its child's, so this order makes parents first.
    let mut order: Vec<usize> = (0..protos.len()).collect();
    order.sort_by_key(|&i| protos[i].path.len());
    let mut roots = vec![u32::MAX; protos.len()];
    let mut plan = Vec::with_capacity(protos.len());
    for i in order {
        let sp = &protos[i];
        let c = chunks
            .get(sp.chunk as usize)
            .ok_or_else(|| bad(format!("function {i}: chunk {} out of range", sp.chunk)))?;
        proto_at(c, &sp.path)
            .ok_or_else(|| bad(format!("function {i}: no function at path {:?}", sp.path)))?;
        let step = match sp.parent {
            None => {
                roots[i] = i as u32;
                ProtoPlan::Fresh {
                    chunk: sp.chunk,
                    path: sp.path.as_slice().into(),
                }
            }
            Some(of) => {
                let (&child, head) = sp
                    .path
                    .split_last()
                    .ok_or_else(|| bad(format!("function {i}: a main function with a parent")))?;
                match protos.get(of as usize) {
                    Some(p) if p.chunk == sp.chunk && p.path == head => {}
                    _ => return Err(bad(format!("function {i}: bad parent {of}"))),
                }
                roots[i] = roots[of as usize];
                ProtoPlan::Within { of, child }
            }
        };
        plan.push((i as u32, step));
    }
    Ok(ProtoPlans { order: plan, roots })
}

/// Makes the planned instances. `link(root, path, k)` is the saved string that constant `k`
/// of the function at `path` in the instance tree of function `root` must be.
pub(super) fn instantiate_planned<'gc>(
    mc: &Mutation<'gc>,
    hash_key: u64,
    chunks: &[Arc<Chunk>],
    plans: &ProtoPlans,
    link: &dyn Fn(u32, &[u32], u32) -> Option<LuaStr<'gc>>,
) -> Result<Vec<Gc<'gc, FnProto<'gc>>>, SnapshotError> {
    let mut out: Vec<Option<Gc<'gc, FnProto<'gc>>>> = vec![None; plans.roots.len()];
    let mut scratch = Vec::new();
    for (i, step) in &plans.order {
        let fp = match step {
            ProtoPlan::Fresh { chunk, path } => {
                scratch.clear();
                scratch.extend_from_slice(path);
                instantiate_root(mc, hash_key, chunks, *chunk, &mut scratch, &|p, k| {
                    link(*i, p, k)
                })
            }
            ProtoPlan::Within { of, child } => out
                .get(*of as usize)
                .copied()
                .flatten()
                .and_then(|fp| fp.children.get(*child as usize).copied()),
        };
        *out.get_mut(*i as usize)
            .ok_or_else(|| bad("function plan"))? =
            Some(fp.ok_or_else(|| bad(format!("function {i}: bad plan")))?);
    }
    out.into_iter()
        .map(|f| f.ok_or_else(|| bad("function table")))
        .collect()
}

/// Instantiates the function at `path` of chunk `chunk` with its nested functions (`link` as
/// for [`instantiate_planned`], for this tree).
pub(super) fn instantiate_root<'gc>(
    mc: &Mutation<'gc>,
    hash_key: u64,
    chunks: &[Arc<Chunk>],
    chunk: u32,
    path: &mut Vec<u32>,
    link: &dyn Fn(&[u32], u32) -> Option<LuaStr<'gc>>,
) -> Option<Gc<'gc, FnProto<'gc>>> {
    let c = chunks.get(chunk as usize)?;
    let proto = proto_at(c, path)?;
    let link = |p: &[u32], k: usize| link(p, u32::try_from(k).ok()?);
    Some(instantiate_at(mc, hash_key, c, proto, path, &link))
}

/// Instantiates the functions that closures refer to (see [`plan_protos`]). Functions no
/// closure refers to (typically a chunk's main function, once it has run) are not
/// instantiated, nor are their constants. String constants linked to saved objects are those
/// objects (checked to hold the constant's bytes).
fn instantiate_protos<'gc>(
    b: &Builder<'_, 'gc>,
    hash_key: u64,
    chunks: &[Arc<Chunk>],
    protos: &[SavedProto],
) -> Result<Vec<Gc<'gc, FnProto<'gc>>>, SnapshotError> {
    use crate::compiler::Constant;
    let plans = plan_protos(chunks, protos)?;
    let mut linked: hashbrown::HashMap<(u32, &[u32], u32), LuaStr<'gc>> = hashbrown::HashMap::new();
    for (i, sp) in protos.iter().enumerate() {
        if sp.links.is_empty() {
            continue;
        }
        let proto = chunks
            .get(sp.chunk as usize)
            .and_then(|c| proto_at(c, &sp.path))
            .ok_or_else(|| bad(format!("function {i}: no function at path {:?}", sp.path)))?;
        for &(k, obj) in &sp.links {
            let st = match b.built.get(obj as usize) {
                Some(Built::Str(st)) => *st,
                _ => return Err(bad(format!("function {i}: constant link to a non-string"))),
            };
            match proto.constants.get(k as usize) {
                Some(Constant::Str(bytes)) if bytes[..] == *st.as_bytes() => {}
                _ => return Err(bad(format!("function {i}: bad constant link {k}"))),
            }
            linked.insert((plans.roots[i], sp.path.as_slice(), k), st);
        }
    }
    instantiate_planned(b.mc, hash_key, chunks, &plans, &|root, path, k| {
        linked.get(&(root, path, k)).copied()
    })
}

/// Builds the Lua closures of pass 1 (every upvalue cell exists by now).
fn build_closures<'gc>(
    b: &mut Builder<'_, 'gc>,
    closures: &[usize],
    fn_protos: &[Gc<'gc, FnProto<'gc>>],
) -> Result<(), SnapshotError> {
    for &i in closures {
        let mut r = b.at(i)?;
        let id = r.u64()?;
        let proto = r.u32()?;
        let fp = *fn_protos
            .get(proto as usize)
            .ok_or_else(|| bad(format!("closure {i}: function {proto} out of range")))?;
        let nu = r.array_len()?;
        if nu != fp.proto.upvalues.len() {
            return Err(bad(format!("closure {i}: wrong number of upvalues")));
        }
        let mut ups = Vec::with_capacity(nu);
        for _ in 0..nu {
            let j = r.index()? as usize;
            match b.built.get(j) {
                Some(Built::Upvalue(u)) => ups.push(Lock::new(*u)),
                _ => return Err(bad(format!("object {j} is not an upvalue"))),
            }
        }
        b.built[i] = Built::Closure(Closure(Gc::new(
            b.mc,
            ClosureData {
                proto: fp,
                charge: ClosureData::charge(ups.len()),
                upvalues: ups.into_boxed_slice(),
                id: Cell::new(id),
            },
        )));
    }
    Ok(())
}

/// The position of every object of a body (for [`build`] from an image, which then jumps over
/// object contents instead of skipping them value by value).
pub fn object_offsets(bytes: &[u8], tail: &Tail) -> Result<Vec<usize>, SnapshotError> {
    let mut r = Reader::new(bytes, tail.objects);
    let mut out = Vec::with_capacity(tail.count);
    for _ in 0..tail.count {
        out.push(r.pos());
        r.skip_any()?;
    }
    if r.pos() != tail.tail_at {
        return Err(bad("the object list does not end where the tail starts"));
    }
    Ok(out)
}

/// Builds the VM root from a body (`bytes`, parsed into `tail` by [`parse`]). `chunks[i]` is
/// the recompiled (or image-shared) `tail.chunks[i]`. `known_offsets`, from
/// [`object_offsets`] of the same body, must only be given for bodies this process wrote
/// (images): with them, parts of objects that pass 1 does not need are not checked until
/// they are read.
pub fn build<'a, 'gc>(
    mc: &'gc Mutation<'gc>,
    bytes: &'a [u8],
    known_offsets: Option<&'a [usize]>,
    tail: &Tail,
    chunks: &[Arc<Chunk>],
    registry: &Registry,
    host: Host,
) -> Result<State<'gc>, SnapshotError> {
    let hash_key = tail.hash_key;

    if chunks.len() != tail.chunks.len() {
        return Err(bad("chunk count"));
    }
    let n = tail.count;
    let mut b = Builder {
        mc,
        bytes,
        built: vec![Built::Pending; n],
        offsets: match known_offsets {
            Some(o) => std::borrow::Cow::Borrowed(o),
            None => std::borrow::Cow::Owned(Vec::with_capacity(n)),
        },
        lazy: None,
    };

    // Pass 1: strings and shells.
    let mut natives = Vec::new();
    let mut closures = Vec::new();
    let mut r = Reader::new(bytes, tail.objects);
    for i in 0..n {
        match known_offsets {
            // An image's objects: start each at its recorded position, so contents need
            // not be skipped value by value.
            Some(o) => r = Reader::new(bytes, *o.get(i).ok_or_else(|| bad("object index"))?),
            None => b.offsets.to_mut().push(r.pos()),
        }
        if let Some(0xc4..=0xc6) = r.peek() {
            let s = r.bin()?;
            if !matches!(b.built[i], Built::Pending) {
                return Err(bad(format!("object {i} is not an upvalue")));
            }
            b.built[i] = Built::Str(LuaStr::new(mc, hash_key, s));
            continue;
        }
        let len = r.array_len()?;
        let tag = r.u64()?;
        let is_upvalue = matches!(
            (tag, len),
            (TAG_UPVALUE_OPEN, 3 | 4) | (TAG_UPVALUE_CLOSED, 2 | 3)
        );
        match b.built[i] {
            Built::Pending => {}
            Built::Upvalue(_) if is_upvalue => {}
            _ => return Err(bad(format!("object {i} is not an upvalue"))),
        }
        b.built[i] = match (tag, len) {
            (TAG_TABLE, 8) => {
                r.u64()?;
                r.opt_index()?;
                r.u64()?;
                r.u64()?;
                // Jump over the contents (checked against their length in pass 3).
                let contents = usize::try_from(r.u64()?).map_err(|_| bad("table length"))?;
                if known_offsets.is_none() {
                    r.advance(contents)?;
                }
                Built::Table(Table::new(mc, hash_key))
            }
            (TAG_CLOSURE, 4) => {
                if known_offsets.is_none() {
                    for _ in 1..len {
                        r.skip_any()?;
                    }
                }
                closures.push(i);
                Built::ClosurePending
            }
            (TAG_NATIVE, 4) => {
                r.u64()?;
                r.str()?;
                let k = r.array_len()?;
                r.skip_vals(k)?;
                natives.push(i);
                Built::NativePending
            }
            (TAG_LIGHT_NATIVE, 2) => {
                let name = r.str()?;
                let def = registry.native_bytes(name).ok_or_else(|| {
                    SnapshotError::UnregisteredNative(String::from_utf8_lossy(name).into_owned())
                })?;
                Built::Light(LightNative(def))
            }
            (TAG_UPVALUE_OPEN, 3 | 4) | (TAG_UPVALUE_CLOSED, 2 | 3) => {
                for _ in 1..len {
                    r.skip_any()?;
                }
                match b.built[i] {
                    Built::Upvalue(u) => Built::Upvalue(u),
                    _ => Built::Upvalue(UpCell::new(mc, UpState::Closed(Value::Nil))),
                }
            }
            (TAG_THREAD, 12 | 13) => {
                if known_offsets.is_none() {
                    for _ in 1..len {
                        r.skip_any()?;
                    }
                }
                Built::Thread(Thread::for_restore(mc))
            }
            (TAG_USERDATA, 5) => {
                let id = r.u64()?;
                let type_name = r.text()?;
                let Some(name) = registry.userdata_name(type_name) else {
                    return Err(SnapshotError::UnregisteredUserdata(type_name.to_string()));
                };
                let payload = r.bin()?;
                r.opt_index()?;
                Built::Userdata(super::restored_userdata(
                    mc,
                    registry.userdata_codec(name),
                    name,
                    payload,
                    id,
                )?)
            }
            (TAG_STR_WITH_ID, 3) => {
                let id = r.u64()?;
                let s = LuaStr::new(mc, hash_key, r.bin()?);
                s.id().set(id);
                Built::Str(s)
            }
            _ => return Err(bad(format!("object {i}: unknown kind {tag}"))),
        };
    }
    if known_offsets.is_none() && r.pos() != tail.tail_at {
        return Err(bad("the object list does not end where the tail starts"));
    }

    // Pass 2: functions (their string constants may be saved strings), closures, then
    // natives, dependencies first (their bound values may be other natives or closures).
    let fn_protos = instantiate_protos(&b, hash_key, chunks, &tail.protos)?;
    build_closures(&mut b, &closures, &fn_protos)?;
    build_natives(&mut b, &natives, registry)?;

    // Pass 3: contents of mutable objects; threads last.
    let mut threads = Vec::new();
    let mut open_ups = Vec::new();
    for i in 0..n {
        match b.built[i] {
            Built::Table(t) => {
                let mut r = b.at(i)?;
                let id = r.u64()?;
                let meta = b.opt_table(r.opt_index()?)?;
                let hash_cap = usize::try_from(r.u64()?).map_err(|_| bad("table capacity"))?;
                let limit = r.u64()?;
                let contents = r.u64()?;
                let start = r.pos();
                let array = b.values(&mut r)?;
                let e = r.array_len()?;
                if e % 2 != 0 {
                    return Err(bad(format!("table {i}: odd entry list")));
                }
                let mut entries = Vec::with_capacity(e / 2);
                for _ in 0..e / 2 {
                    let k = b.value(r.val()?)?;
                    let v = b.value(r.val()?)?;
                    entries.push((k, v));
                }
                if (r.pos() - start) as u64 != contents {
                    return Err(bad(format!("table {i}: wrong content length")));
                }
                if !t
                    .data_mut(mc)
                    .restore_parts(array, entries, hash_cap, limit, meta, id)
                {
                    return Err(bad(format!("table {i}: inconsistent keys or capacity")));
                }
            }
            Built::Upvalue(cell) => {
                let pos = *b.offsets.get(i).ok_or_else(|| bad("object index"))?;
                let mut r = Reader::new(bytes, pos);
                let len = r.array_len()?;
                let (state, fields) = if r.u64()? == TAG_UPVALUE_OPEN {
                    let thread = r.index()?;
                    let slot = r.u32()?;
                    open_ups.push((i, thread, slot));
                    let state = UpState::Open {
                        thread: b.thread(thread)?,
                        slot,
                    };
                    (state, 3)
                } else {
                    (UpState::Closed(b.value(r.val()?)?), 2)
                };
                cell.set(mc, state);
                if len > fields {
                    cell.id.set(r.u64()?);
                }
            }
            Built::Userdata(u) => {
                let mut r = b.at(i)?;
                r.u64()?;
                r.str()?;
                r.bin()?;
                let meta = b.opt_table(r.opt_index()?)?;
                u.0.borrow_mut(mc).meta = meta;
            }
            Built::Thread(_) => threads.push(i),
            _ => {}
        }
    }
    for &i in &threads {
        build_thread(&b, i, &fn_protos)?;
    }
    finish(&b, tail, open_ups, host)
}

/// Pass 4 and the roots: checks that open upvalues (`(object, thread, slot)`) point inside
/// their thread's stack, then assembles the VM state.
pub(super) fn finish<'gc>(
    b: &Builder<'_, 'gc>,
    tail: &Tail,
    open_ups: Vec<(usize, u32, u32)>,
    host: Host,
) -> Result<State<'gc>, SnapshotError> {
    finish_with(b, tail, open_ups, host, true)
}

/// [`finish`]; `make_tm_names`: whether to make the metamethod names no object holds (a lazy
/// fork makes them when first needed).
pub(super) fn finish_with<'gc>(
    b: &Builder<'_, 'gc>,
    tail: &Tail,
    open_ups: Vec<(usize, u32, u32)>,
    host: Host,
    make_tm_names: bool,
) -> Result<State<'gc>, SnapshotError> {
    let mc = b.mc;
    // Pass 4: open upvalues point inside their thread's stack.
    for (i, thread, slot) in open_ups {
        if slot as usize >= b.thread(thread)?.borrow().stack.len() {
            return Err(bad(format!("upvalue {i}: slot out of its thread's stack")));
        }
    }

    let globals = b.table(tail.globals)?;
    let registry_t = b.table(tail.registry)?;
    let main = b.thread(tail.main)?;
    if tail.running.first() != Some(&tail.main) {
        return Err(bad("the running chain must start with the main thread"));
    }
    // (A chain is almost always the main thread alone, or a few coroutines: those are
    // checked without a set, which cost a fork more than the rest of this function.)
    let mut seen = HashSet::new();
    let mut running = Vec::with_capacity(tail.running.len());
    for (k, &t) in tail.running.iter().enumerate() {
        let again = if tail.running.len() <= 8 {
            tail.running[..k].contains(&t)
        } else {
            !seen.insert(t)
        };
        if again {
            return Err(bad("a thread appears twice in the running chain"));
        }
        running.push(b.thread(t)?);
    }
    // Each running coroutine runs at its resumer's C calls plus one (see `vm::ccalls`).
    let mut level = crate::vm::ccalls::HOST_C_CALLS;
    for th in &running {
        let mut ts = th.borrow_mut(mc);
        ts.c_base = level;
        level = ts.c_level().saturating_add(1);
    }
    let m = &tail.metas;
    let meta = |i: usize| b.opt_table(m[i]);
    let metas = TypeMetas {
        string: meta(0)?,
        number: meta(1)?,
        boolean: meta(2)?,
        nil: meta(3)?,
        function: meta(4)?,
        thread: meta(5)?,
        light_userdata: meta(6)?,
    };
    // Metamethod names other objects hold (keys of metatables) are those very strings.
    let mut tm_names: [Option<LuaStr<'gc>>; TM_COUNT] = [None; TM_COUNT];
    for &(tm, obj) in &tail.tm_links {
        match (tm_names.get_mut(tm as usize), b.lookup(obj)) {
            (Some(slot @ None), Some(Built::Str(st)))
                if *st.as_bytes() == *TM_NAMES[tm as usize].as_bytes() =>
            {
                *slot = Some(st)
            }
            _ => return Err(bad(format!("bad metamethod name link {tm}"))),
        }
    }
    if make_tm_names {
        for (i, slot) in tm_names.iter_mut().enumerate() {
            if slot.is_none() {
                *slot = Some(LuaStr::new(mc, tail.hash_key, TM_NAMES[i].as_bytes()));
            }
        }
    }
    let gc = restore_gc(b, &tail.gc)?;
    Ok(State {
        globals,
        registry: registry_t,
        main,
        running: Gc::new(mc, RefLock::new(running)),
        spare_thread: Gc::new(mc, RefLock::new(None)),
        metas: Gc::new(mc, RefLock::new(metas)),
        tm_names,
        hash_key: tail.hash_key,
        next_id: Cell::new(tail.next_id),
        rng: Cell::new(tail.rng),
        collect_requested: Cell::new(false),
        memory_pressure: Cell::new(false),
        index_hint: Cell::new(0),
        tm_hints: Default::default(),
        cold_loops: Default::default(),
        after_call: Default::default(),
        main_yieldable: Cell::new(tail.main_yieldable),
        c_call_boundaries: Cell::new(tail.c_call_boundaries),
        just_collected: Cell::new(tail.just_collected),
        quiet_retry: Cell::new(tail.quiet_retry),
        retry_gc: Cell::new(false),
        host_error: std::cell::RefCell::new(None),
        memory_error: Cell::new(tail.memory_error),
        budget_exhausted: Cell::new(tail.budget_exhausted),
        inherited_garbage: Cell::new(0),
        host: RefCell::new(host),
        gc: Gc::new(mc, RefLock::new(gc)),
        fork: None,
    })
}

/// The collector's state: weak modes and the weak-table list, finalization marks and
/// lists (each object listed at most once, and only tables and userdata).
fn restore_gc<'gc>(
    b: &Builder<'_, 'gc>,
    saved: &SavedGc,
) -> Result<crate::vm::gc::GcState<'gc>, SnapshotError> {
    use crate::vm::gc::GcState;
    let mc = b.mc;
    let mut gc = GcState::new();
    for &(i, mode) in &saved.weak {
        let t = b.table(i)?;
        if !t.set_weak_mode(mc, mode) {
            return Err(bad(format!("table {i} listed twice as weak")));
        }
        gc.weak.push(Gc::downgrade(t.gc()));
    }
    for &i in &saved.finobj {
        match b.value(RVal::Obj(i))? {
            v @ Value::Table(t) if t.mark_for_finalization(mc) => gc.finobj.push(v),
            v @ Value::Userdata(u) if !u.0.borrow().fin_marked => {
                u.0.borrow_mut(mc).fin_marked = true;
                gc.finobj.push(v);
            }
            _ => return Err(bad(format!("object {i} cannot be marked for finalization"))),
        }
    }
    for &i in &saved.tobefnz {
        match b.value(RVal::Obj(i))? {
            v @ (Value::Table(_) | Value::Userdata(_)) => gc.tobefnz.push_back(v),
            _ => return Err(bad(format!("object {i} cannot be finalized"))),
        }
    }
    gc.stopped = saved.stopped;
    gc.generational = saved.generational;
    gc.pause = saved.pause;
    gc.stepmul = saved.stepmul;
    gc.closing = saved.closing;
    gc.step_bytes = saved.step_bytes;
    gc.step_finished = saved.step_finished;
    gc.full_base = saved.full_base;
    gc.since_full = saved.since_full;
    gc.maybe_finalizing = true;
    gc.update_charge();
    Ok(gc)
}

/// Pass 2: native closures, each after the natives among its bound values.
fn build_natives<'gc>(
    b: &mut Builder<'_, 'gc>,
    natives: &[usize],
    registry: &Registry,
) -> Result<(), SnapshotError> {
    // 0 new, 1 in progress, 2 done (indexed like `natives`).
    let mut state_of: Vec<u8> = vec![0; natives.len()];
    let slot = |j: usize| natives.binary_search(&j).ok();
    let mut stack = Vec::new();
    let mut vals = Vec::new();
    for start in 0..natives.len() {
        if state_of[start] == 2 {
            continue;
        }
        stack.clear();
        stack.push((start, false));
        while let Some((k, expanded)) = stack.pop() {
            if state_of[k] == 2 {
                continue;
            }
            let j = natives[k];
            let mut r = b.at(j)?;
            let id = r.u64()?;
            let name = r.str()?;
            let nv = r.array_len()?;
            vals.clear();
            for _ in 0..nv {
                vals.push(r.val()?);
            }
            if !expanded {
                if state_of[k] == 1 {
                    return Err(bad(format!("native {j}: cyclic bound values")));
                }
                state_of[k] = 1;
                stack.push((k, true));
                for v in &vals {
                    if let RVal::Obj(o) = v {
                        if let Some(d) = slot(*o as usize) {
                            if state_of[d] == 1 {
                                return Err(bad(format!("native {j}: cyclic bound values")));
                            }
                            if state_of[d] == 0 {
                                stack.push((d, false));
                            }
                        }
                    }
                }
                continue;
            }
            let def = registry.native_bytes(name).ok_or_else(|| {
                SnapshotError::UnregisteredNative(String::from_utf8_lossy(name).into_owned())
            })?;
            let ups = vals
                .iter()
                .map(|v| b.value(*v))
                .collect::<Result<Vec<_>, _>>()?;
            b.built[j] = Built::Native(NativeClosure(Gc::new(
                b.mc,
                NativeData {
                    def,
                    charge: NativeData::charge(ups.len()),
                    upvalues: ups.into_boxed_slice(),
                    id: Cell::new(id),
                },
            )));
            state_of[k] = 2;
        }
    }
    Ok(())
}

/// Whether an instruction can leave its frame waiting on a call (a call, or a metamethod):
/// the instruction table's `[C]` mode, which the interpreter's resumption follows.
fn op_can_call(op: Option<&Op>) -> bool {
    op.is_some_and(|op| op.mode().calls)
}

pub(super) fn build_thread<'gc>(
    b: &Builder<'_, 'gc>,
    i: usize,
    fn_protos: &[Gc<'gc, FnProto<'gc>>],
) -> Result<(), SnapshotError> {
    let _ = fn_protos;
    let th = b.thread(i as u32)?;
    let err = |m: &str| bad(format!("thread {i}: {m}"));
    let mut r = b.at(i)?;
    let id = r.u64()?;
    let status = status_from(r.u64()?)?;
    let top = r.u32()?;
    let stack_model = usize::try_from(r.u64()?).map_err(|_| err("bad stack capacity"))?;
    let frames_model = usize::try_from(r.u64()?).map_err(|_| err("bad frame capacity"))?;
    let stack = b.values(&mut r)?;
    // (An `xpcall` handler running after a stack overflow may use `ERROR_EXTRA_STACK` more.)
    if stack.len() > MAX_STACK + ERROR_EXTRA_STACK + 1024 {
        return Err(err("stack too large"));
    }
    let len = stack.len();
    let nframes = r.array_len()?;
    let mut frames = Vec::with_capacity(nframes);
    let mut last_func: Option<u32> = None;
    for fi in 0..nframes {
        let is_top = fi + 1 == nframes;
        let flen = r.array_len()?;
        let kind = r.u64()?;
        match (kind, flen) {
            (FRAME_LUA, 8) => {
                let closure = r.index()?;
                let func = r.u32()?;
                let base = r.u32()?;
                let pc = r.u32()?;
                let nvarargs = r.u32()?;
                let want = r.i32()?;
                let aux = r.u32()?;
                if last_func.is_some_and(|l| func <= l) {
                    return Err(err("frames are not in stack order"));
                }
                last_func = Some(func);
                let cl = b.closure(closure)?;
                let p = cl.proto();
                let (func, base, nv) = (func as usize, base as usize, nvarargs as usize);
                let np = p.num_params as usize;
                let layout_ok = if p.is_vararg {
                    base == func + 2 + np + nv
                } else {
                    base == func + 1 && nv == 0
                };
                if !layout_ok || base + p.max_stack as usize + 1 > MAX_STACK + ERROR_EXTRA_STACK {
                    return Err(err("frame layout does not match its function"));
                }
                // (A frame below the top at pc 0 is checked below: only a hook or a
                // finalizer can run above a function that has not started.)
                if pc as usize > p.code.len() {
                    return Err(err("pc out of range"));
                }
                if is_top && status != Status::Dead && len < base + p.max_stack as usize + 1 {
                    return Err(err("stack shorter than the running frame"));
                }
                if want < -1 || (aux & !LuaFrame::TAIL) as usize > MAX_STACK {
                    return Err(err("bad result count"));
                }
                frames.push(Frame::Lua(LuaFrame {
                    closure: cl,
                    func: func as u32,
                    base: base as u32,
                    pc,
                    nvarargs: nv as u32,
                    want,
                    aux,
                }));
            }
            (FRAME_NATIVE, 5) => {
                let native = r.opt_index()?;
                let func = r.u32()?;
                let want = r.i32()?;
                if last_func.is_some_and(|l| func <= l) {
                    return Err(err("frames are not in stack order"));
                }
                last_func = Some(func);
                if func as usize >= len.max(1) + MAX_STACK {
                    return Err(err("native frame out of the stack"));
                }
                if is_top && (func as usize) >= len {
                    return Err(err("native frame above the stack top"));
                }
                if want < -1 {
                    return Err(err("bad result count"));
                }
                let native = native.map(|n| b.native(n)).transpose()?;
                let rest = r.rest();
                let mut de = rmp_serde::Deserializer::new(rest);
                let cont: SavedCont<SVal> = serde::Deserialize::deserialize(&mut de)
                    .map_err(|e| err(&format!("bad continuation: {e}")))?;
                let used = rest.len() - de.get_ref().len();
                r.advance(used)?;
                let cont = cont.map_values(&mut |v| b.sval(v), |l, f| {
                    load_lib_cont(l.map_values(f)?).map_err(|e| err(&e))
                })?;
                frames.push(Frame::Native(NativeFrame::new(native, func, want, cont)));
            }
            _ => return Err(err("unknown frame kind")),
        }
    }
    // A waiting Lua frame stopped at an instruction that can call, unless a hook or
    // finalizers run above it (they run between instructions, see `vm::hook`, `vm::gc`).
    for (k, f) in frames.iter().enumerate() {
        let Frame::Lua(l) = f else { continue };
        let Some(next) = frames.get(k + 1) else {
            continue;
        };
        if matches!(next, Frame::Native(n) if n.native.is_none()
            && matches!(*n.cont, Cont::Hook { .. }
                | Cont::GcFinalizer { .. }))
        {
            continue;
        }
        let p = l.closure.proto();
        let op = (l.pc as usize).checked_sub(1).and_then(|at| p.code.get(at));
        if !op_can_call(op) {
            return Err(err("a waiting frame is not at a call"));
        }
        if let Some(Op::Concat { b: n, .. }) = op {
            if l.progress() < 2 || l.progress() > *n as u32 {
                return Err(err("bad concatenation progress"));
            }
        }
    }
    let nopen = r.array_len()?;
    let mut open = Vec::with_capacity(nopen);
    let mut last_slot: Option<u32> = None;
    for _ in 0..nopen {
        let u = r.index()?;
        let cell = b.upvalue(u)?;
        match cell.get() {
            UpState::Open { thread, slot } if Gc::ptr_eq(thread.0, th.0) => {
                if last_slot.is_some_and(|l| slot <= l) {
                    return Err(err("open upvalues out of order"));
                }
                last_slot = Some(slot);
            }
            _ => return Err(err("open upvalue list holds a foreign upvalue")),
        }
        open.push(cell);
    }
    let ntbc = r.array_len()?;
    let mut tbc = Vec::with_capacity(ntbc);
    let mut last_tbc: Option<u32> = None;
    for _ in 0..ntbc {
        let s = r.u32()?;
        if s as usize >= len || last_tbc.is_some_and(|l| s <= l) {
            return Err(err("bad to-be-closed list"));
        }
        last_tbc = Some(s);
        tbc.push(s);
    }
    if status == Status::Initial && (!frames.is_empty() || len == 0) {
        return Err(err("a coroutine that has not started has frames"));
    }
    let error = match r.array_len()? {
        0 => None,
        1 => Some(b.value(r.val()?)?),
        _ => return Err(err("bad error field")),
    };
    let traceback = if r.nil() {
        None
    } else {
        Some(r.text()?.to_string())
    };
    if Reader::new(
        b.bytes,
        *b.offsets.get(i).ok_or_else(|| bad("object index"))?,
    )
    .array_len()?
        == 13
    {
        r.array_exact(7)?;
        let f = b.value(r.val()?)?;
        if !matches!(f, Value::Nil) && !f.is_function() {
            return Err(err("bad hook function"));
        }
        let mask = r.u64()?;
        let data = crate::vm::hook::HookData {
            mask: u8::try_from(mask).map_err(|_| err("bad hook mask"))?,
            count: r.i32()?,
            counter: r.i32()?,
            in_hook: r.boolean()?,
            oldpc: r.u32()?,
            skip: u8::try_from(r.u64()?).map_err(|_| err("bad hook state"))?,
        };
        crate::vm::hook::restore(b.mc, th, f, data);
    }
    // The modeled capacities are only numbers (nothing is allocated for them): a forged
    // snapshot can at worst charge its own VM more, within `MAX_MODEL`. They may be below
    // the lengths (values pushed since the last point where the model follows them, see
    // `ThreadState::sync_model`): the original VM had the same.
    if stack_model > crate::vm::thread::MAX_MODEL || frames_model > crate::vm::thread::MAX_MODEL {
        return Err(err("bad stack capacities"));
    }
    let mut ts = th.borrow_mut(b.mc);
    ts.stack = stack;
    ts.catch_top = frames.len();
    ts.frames = frames;
    ts.stack_model = stack_model;
    ts.frames_model = frames_model;
    ts.update_charge();
    ts.open_upvalues = open;
    ts.tbc = tbc;
    ts.status = status;
    ts.top = top;
    ts.error = error;
    ts.traceback = traceback;
    crate::vm::ccalls::recount(&mut ts);
    th.id().set(id);
    Ok(())
}

/// Rebuilds a library continuation by its kind's name (see `stdlib::all_continuations`).
fn load_lib_cont<'gc>(saved: LibSaved<Value<'gc>>) -> Result<Box<dyn LibCont<'gc> + 'gc>, String> {
    match crate::stdlib::all_continuations()
        .iter()
        .find(|k| k.name == saved.kind)
    {
        Some(k) => (k.load)(saved),
        None => Err(format!("unknown continuation kind '{}'", saved.kind)),
    }
}
