//! Restoring: validate an untrusted [`Body`] and rebuild the heap from it.
//!
//! Everything is checked before the VM can run: every index is in range and names an object
//! of the right kind, every function path exists in its (recompiled) chunk, frames are
//! consistent with their functions and their thread's stack, and continuations only hold
//! valid values. Any violation is a [`SnapshotError`]; nothing here may panic.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::sync::Arc;

use gc_arena::{lock::RefLock, Gc, Mutation};

use super::format::*;
use super::{Registry, SnapshotError};
use crate::compiler::opcodes::Op;
use crate::vm::chunk::Chunk;
use crate::vm::closure::{
    instantiate, Closure, ClosureData, FnProto, NativeClosure, NativeData, UpCell, UpState,
    Upvalue, UpvalueExt,
};
use crate::vm::cont::ContG;
use crate::vm::exec::MAX_STACK;
use crate::vm::state::{Host, State, TypeMetas, TM_COUNT, TM_NAMES};
use crate::vm::string::LuaStr;
use crate::vm::table::Table;
use crate::vm::thread::{Frame, LuaFrame, NativeFrame, Status, Thread};
use crate::vm::userdata::{Userdata, UserdataData};
use crate::vm::value::{Value, F64};

fn bad(msg: impl Into<String>) -> SnapshotError {
    SnapshotError::Invalid(msg.into())
}

/// A rebuilt object.
#[derive(Copy, Clone)]
enum Built<'gc> {
    Str(LuaStr<'gc>),
    Table(Table<'gc>),
    Closure(Closure<'gc>),
    Native(NativeClosure<'gc>),
    Thread(Thread<'gc>),
    Upvalue(Upvalue<'gc>),
    Userdata(Userdata<'gc>),
    Pending,
}

struct Builder<'a, 'gc> {
    mc: &'gc Mutation<'gc>,
    body: &'a Body,
    built: Vec<Built<'gc>>,
}

impl<'a, 'gc> Builder<'a, 'gc> {
    fn value(&self, v: SVal) -> Result<Value<'gc>, SnapshotError> {
        Ok(match v {
            SVal::Nil => Value::Nil,
            SVal::False => Value::False,
            SVal::True => Value::True,
            SVal::Int(i) => Value::Int(i),
            SVal::Float(b) => Value::Float(F64(b)),
            SVal::Obj(i) => match self.built.get(i as usize) {
                Some(Built::Str(s)) => Value::Str(*s),
                Some(Built::Table(t)) => Value::Table(*t),
                Some(Built::Closure(c)) => Value::Function(*c),
                Some(Built::Native(n)) => Value::Native(*n),
                Some(Built::Thread(t)) => Value::Thread(*t),
                Some(Built::Userdata(u)) => Value::Userdata(*u),
                Some(Built::Upvalue(_)) => {
                    return Err(bad(format!("object {i} is an upvalue, not a value")))
                }
                Some(Built::Pending) => {
                    return Err(bad(format!("object {i} used before it exists")))
                }
                None => return Err(bad(format!("object index {i} out of range"))),
            },
        })
    }

    fn table(&self, i: u32) -> Result<Table<'gc>, SnapshotError> {
        match self.built.get(i as usize) {
            Some(Built::Table(t)) => Ok(*t),
            _ => Err(bad(format!("object {i} is not a table"))),
        }
    }

    fn thread(&self, i: u32) -> Result<Thread<'gc>, SnapshotError> {
        match self.built.get(i as usize) {
            Some(Built::Thread(t)) => Ok(*t),
            _ => Err(bad(format!("object {i} is not a thread"))),
        }
    }

    fn upvalue(&self, i: u32) -> Result<Upvalue<'gc>, SnapshotError> {
        match self.built.get(i as usize) {
            Some(Built::Upvalue(u)) => Ok(*u),
            _ => Err(bad(format!("object {i} is not an upvalue"))),
        }
    }

    fn closure(&self, i: u32) -> Result<Closure<'gc>, SnapshotError> {
        match self.built.get(i as usize) {
            Some(Built::Closure(c)) => Ok(*c),
            _ => Err(bad(format!("object {i} is not a Lua function"))),
        }
    }

    fn native(&self, i: u32) -> Result<NativeClosure<'gc>, SnapshotError> {
        match self.built.get(i as usize) {
            Some(Built::Native(n)) => Ok(*n),
            _ => Err(bad(format!("object {i} is not a native function"))),
        }
    }
}

fn status_from(code: u8) -> Result<Status, SnapshotError> {
    Ok(match code {
        0 => Status::Initial,
        1 => Status::Suspended,
        2 => Status::Running,
        3 => Status::Normal,
        4 => Status::Dead,
        _ => return Err(bad(format!("bad thread status {code}"))),
    })
}

/// Finds the per-VM function instance at `path` below a chunk's main function instance.
fn fn_at<'gc>(root: Gc<'gc, FnProto<'gc>>, path: &[u32]) -> Option<Gc<'gc, FnProto<'gc>>> {
    let mut p = root;
    for &i in path {
        p = *p.children.get(i as usize)?;
    }
    Some(p)
}

/// Builds the VM root from a validated body. `chunks[i]` is the recompiled `body.chunks[i]`.
pub fn build<'gc>(
    mc: &'gc Mutation<'gc>,
    body: &Body,
    chunks: &[Arc<Chunk>],
    registry: &Registry,
    host: Host,
) -> Result<State<'gc>, SnapshotError> {
    let hash_key = body.hash_key;
    let tm_names: [LuaStr<'gc>; TM_COUNT] =
        std::array::from_fn(|i| LuaStr::new(mc, hash_key, TM_NAMES[i].as_bytes()));
    // A throwaway state for instantiating functions (constants need a string allocator).
    let scratch_main = Thread::new(mc, Value::Nil);
    let scratch = State {
        globals: Table::new(mc, hash_key),
        registry: Table::new(mc, hash_key),
        main: scratch_main,
        running: Gc::new(mc, RefLock::new(vec![scratch_main])),
        metas: Gc::new(mc, RefLock::new(TypeMetas::default())),
        tm_names,
        hash_key,
        next_id: Cell::new(1),
        rng: Cell::new([0; 4]),
        gc_requested: Cell::new(false),
        main_yieldable: Cell::new(false),
        just_collected: Cell::new(false),
        memory_error: Cell::new(false),
        host: RefCell::new(Host::default()),
    };
    let scratch: &'gc State<'gc> = Gc::as_ref(Gc::new(mc, scratch));
    let ctx = crate::vm::state::Ctx { mc, state: scratch };

    // Functions: one instance tree per chunk; closures find theirs by path.
    let roots: Vec<Gc<'gc, FnProto<'gc>>> = chunks.iter().map(|c| instantiate(ctx, c)).collect();
    let mut fn_protos = Vec::with_capacity(body.protos.len());
    for (i, p) in body.protos.iter().enumerate() {
        let root = roots
            .get(p.chunk as usize)
            .ok_or_else(|| bad(format!("function {i}: chunk {} out of range", p.chunk)))?;
        let f = fn_at(*root, &p.path)
            .ok_or_else(|| bad(format!("function {i}: no function at path {:?}", p.path)))?;
        fn_protos.push(f);
    }

    let mut b = Builder {
        mc,
        body,
        built: vec![Built::Pending; body.objects.len()],
    };

    // Pass 1: shells for mutable objects, strings in full.
    for (i, o) in body.objects.iter().enumerate() {
        b.built[i] = match o {
            SObj::Str(bytes) => Built::Str(LuaStr::new(mc, hash_key, bytes)),
            SObj::StrWithId { bytes, id } => {
                let s = LuaStr::new(mc, hash_key, bytes);
                s.id().set(*id);
                Built::Str(s)
            }
            SObj::Table(_) => Built::Table(Table::new(mc, hash_key)),
            SObj::Thread(_) => Built::Thread(Thread::new(mc, Value::Nil)),
            SObj::Upvalue(_) => Built::Upvalue(UpCell::new(mc, UpState::Closed(Value::Nil))),
            SObj::Userdata {
                type_name, payload, ..
            } => {
                let Some(name) = registry.userdata_name(type_name) else {
                    return Err(SnapshotError::UnregisteredUserdata(type_name.clone()));
                };
                Built::Userdata(Userdata(Gc::new(
                    mc,
                    RefLock::new(UserdataData {
                        type_name: name,
                        payload: payload.clone(),
                        meta: None,
                        id: 0,
                    }),
                )))
            }
            SObj::Closure { .. } | SObj::Native { .. } => Built::Pending,
        };
    }
    // Pass 2: closures (their upvalues are cells, already allocated).
    for (i, o) in body.objects.iter().enumerate() {
        if let SObj::Closure {
            proto,
            upvalues,
            id,
        } = o
        {
            let fp = *fn_protos
                .get(*proto as usize)
                .ok_or_else(|| bad(format!("closure {i}: function {proto} out of range")))?;
            if upvalues.len() != fp.proto.upvalues.len() {
                return Err(bad(format!("closure {i}: wrong number of upvalues")));
            }
            let ups = upvalues
                .iter()
                .map(|u| b.upvalue(*u))
                .collect::<Result<Vec<_>, _>>()?;
            b.built[i] = Built::Closure(Closure(Gc::new(
                mc,
                ClosureData {
                    proto: fp,
                    charge: ClosureData::charge(ups.len()),
                    upvalues: Closure::upvalue_array(ups),
                    id: Cell::new(*id),
                },
            )));
        }
    }
    // Pass 3: natives, dependencies first (their bound values may be other natives).
    let mut state_of: Vec<u8> = vec![0; body.objects.len()]; // 0 new, 1 in progress, 2 done
    for i in 0..body.objects.len() {
        if !matches!(body.objects[i], SObj::Native { .. }) || state_of[i] == 2 {
            continue;
        }
        let mut stack = vec![(i, false)];
        while let Some((j, expanded)) = stack.pop() {
            let SObj::Native { name, upvalues, id } = &body.objects[j] else {
                continue;
            };
            if state_of[j] == 2 {
                continue;
            }
            if !expanded {
                if state_of[j] == 1 {
                    return Err(bad(format!("native {j}: cyclic bound values")));
                }
                state_of[j] = 1;
                stack.push((j, true));
                for v in upvalues {
                    if let SVal::Obj(k) = v {
                        let k = *k as usize;
                        if matches!(body.objects.get(k), Some(SObj::Native { .. }))
                            && state_of[k] != 2
                        {
                            if state_of[k] == 1 {
                                return Err(bad(format!("native {j}: cyclic bound values")));
                            }
                            stack.push((k, false));
                        }
                    }
                }
                continue;
            }
            let def = registry
                .native(name)
                .ok_or_else(|| SnapshotError::UnregisteredNative(name.clone()))?;
            let ups = upvalues
                .iter()
                .map(|v| b.value(*v))
                .collect::<Result<Vec<_>, _>>()?;
            b.built[j] = Built::Native(NativeClosure(Gc::new(
                mc,
                NativeData {
                    def,
                    charge: NativeData::charge(ups.len()),
                    upvalues: ups.into_boxed_slice(),
                    id: Cell::new(*id),
                },
            )));
            state_of[j] = 2;
        }
    }
    // Pass 4: contents of mutable objects.
    for (i, o) in body.objects.iter().enumerate() {
        match o {
            SObj::Table(st) => {
                let t = b.table(i as u32)?;
                let array = st
                    .array
                    .iter()
                    .map(|v| b.value(*v))
                    .collect::<Result<Vec<_>, _>>()?;
                let mut entries = Vec::with_capacity(st.entries.len());
                for (k, v) in &st.entries {
                    entries.push((b.value(*k)?, b.value(*v)?));
                }
                let meta = st.meta.map(|m| b.table(m)).transpose()?;
                let hash_cap = usize::try_from(st.hash_cap).map_err(|_| bad("table capacity"))?;
                if !t
                    .0
                    .borrow_mut(mc)
                    .restore_parts(array, entries, hash_cap, meta, st.id)
                {
                    return Err(bad(format!("table {i}: inconsistent keys or capacity")));
                }
            }
            SObj::Upvalue(u) => {
                let cell = b.upvalue(i as u32)?;
                let state = match u {
                    SUpvalue::Closed(v) => UpState::Closed(b.value(*v)?),
                    SUpvalue::Open { thread, slot } => {
                        let th = b.thread(*thread)?;
                        let len = match body.objects.get(*thread as usize) {
                            Some(SObj::Thread(t)) => t.stack.len(),
                            _ => 0,
                        };
                        if *slot as usize >= len {
                            return Err(bad(format!(
                                "upvalue {i}: slot out of its thread's stack"
                            )));
                        }
                        UpState::Open {
                            thread: th,
                            slot: *slot,
                        }
                    }
                };
                cell.set(mc, state);
            }
            SObj::Userdata { meta, id, .. } => {
                if let Some(Built::Userdata(u)) = b.built.get(i) {
                    let mut ud = u.0.borrow_mut(mc);
                    ud.meta = meta.map(|m| b.table(m)).transpose()?;
                    ud.id = *id;
                }
            }
            SObj::Thread(st) => build_thread(&b, i, st, &fn_protos)?,
            _ => {}
        }
    }

    for &(u, id) in &body.upvalue_ids {
        b.upvalue(u)?.id.set(id);
    }
    let globals = b.table(body.globals)?;
    let registry_t = b.table(body.registry)?;
    let main = b.thread(body.main)?;
    if body.running.first() != Some(&body.main) {
        return Err(bad("the running chain must start with the main thread"));
    }
    let mut seen = HashSet::new();
    let mut running = Vec::with_capacity(body.running.len());
    for &t in &body.running {
        if !seen.insert(t) {
            return Err(bad("a thread appears twice in the running chain"));
        }
        running.push(b.thread(t)?);
    }
    let m = &body.metas;
    let meta = |i: usize| m[i].map(|x| b.table(x)).transpose();
    let metas = TypeMetas {
        string: meta(0)?,
        number: meta(1)?,
        boolean: meta(2)?,
        nil: meta(3)?,
        function: meta(4)?,
        thread: meta(5)?,
    };
    Ok(State {
        globals,
        registry: registry_t,
        main,
        running: Gc::new(mc, RefLock::new(running)),
        metas: Gc::new(mc, RefLock::new(metas)),
        tm_names,
        hash_key,
        next_id: Cell::new(body.next_id),
        rng: Cell::new(body.rng),
        gc_requested: Cell::new(false),
        main_yieldable: Cell::new(body.main_yieldable),
        just_collected: Cell::new(false),
        memory_error: Cell::new(false),
        host: RefCell::new(host),
    })
}

fn build_thread<'gc>(
    b: &Builder<'_, 'gc>,
    i: usize,
    st: &SThread,
    fn_protos: &[Gc<'gc, FnProto<'gc>>],
) -> Result<(), SnapshotError> {
    let _ = fn_protos;
    let th = b.thread(i as u32)?;
    let err = |m: &str| bad(format!("thread {i}: {m}"));
    if st.stack.len() > MAX_STACK + 1024 {
        return Err(err("stack too large"));
    }
    let stack = st
        .stack
        .iter()
        .map(|v| b.value(*v))
        .collect::<Result<Vec<_>, _>>()?;
    let len = stack.len();
    let status = status_from(st.status)?;
    let mut frames = Vec::with_capacity(st.frames.len());
    let mut last_func: Option<u32> = None;
    let nframes = st.frames.len();
    for (fi, f) in st.frames.iter().enumerate() {
        let is_top = fi + 1 == nframes;
        let func = match f {
            SFrame::Lua { func, .. } | SFrame::Native { func, .. } => *func,
        };
        if last_func.is_some_and(|l| func <= l) {
            return Err(err("frames are not in stack order"));
        }
        last_func = Some(func);
        frames.push(match f {
            SFrame::Lua {
                closure,
                func,
                base,
                pc,
                nvarargs,
                want,
                aux,
            } => {
                let cl = b.closure(*closure)?;
                let p = cl.proto();
                let (func, base, nv) = (*func as usize, *base as usize, *nvarargs as usize);
                let np = p.num_params as usize;
                let layout_ok = if p.is_vararg {
                    base == func + 2 + np + nv
                } else {
                    base == func + 1 && nv == 0
                };
                if !layout_ok || base + p.max_stack as usize + 1 > MAX_STACK {
                    return Err(err("frame layout does not match its function"));
                }
                if *pc as usize > p.code.len() || (!is_top && *pc == 0) {
                    return Err(err("pc out of range"));
                }
                if is_top && status != Status::Dead && len < base + p.max_stack as usize + 1 {
                    return Err(err("stack shorter than the running frame"));
                }
                let progress = *aux & !LuaFrame::TAIL;
                if *want < -1 || progress as usize > MAX_STACK {
                    return Err(err("bad result count"));
                }
                // A frame under a hook waits before any instruction (see `hook`).
                let under_hook = matches!(
                    st.frames.get(fi + 1),
                    Some(SFrame::Native {
                        native: None,
                        cont: ContG::Hook { .. },
                        ..
                    })
                );
                if !is_top && !under_hook {
                    // The instruction that made the pending call must be one that can call.
                    let calls = matches!(
                        p.code.get(*pc as usize - 1),
                        Some(
                            Op::Call { .. }
                                | Op::TailCall { .. }
                                | Op::TForCall { .. }
                                | Op::Concat { .. }
                                | Op::Close { .. }
                                | Op::Return { .. }
                                | Op::Eq { .. }
                                | Op::Lt { .. }
                                | Op::Le { .. }
                                | Op::LtI { .. }
                                | Op::LeI { .. }
                                | Op::GtI { .. }
                                | Op::GeI { .. }
                                | Op::Len { .. }
                                | Op::Unm { .. }
                                | Op::BNot { .. }
                                | Op::GetTabUp { .. }
                                | Op::GetTable { .. }
                                | Op::GetI { .. }
                                | Op::GetField { .. }
                                | Op::SelfK { .. }
                                | Op::SetTabUp { .. }
                                | Op::SetTabUpK { .. }
                                | Op::SetTable { .. }
                                | Op::SetTableK { .. }
                                | Op::SetI { .. }
                                | Op::SetIK { .. }
                                | Op::SetField { .. }
                                | Op::SetFieldK { .. }
                                | Op::AddI { .. }
                                | Op::AddK { .. }
                                | Op::SubK { .. }
                                | Op::MulK { .. }
                                | Op::ModK { .. }
                                | Op::PowK { .. }
                                | Op::DivK { .. }
                                | Op::IDivK { .. }
                                | Op::BAndK { .. }
                                | Op::BOrK { .. }
                                | Op::BXorK { .. }
                                | Op::ShrI { .. }
                                | Op::ShlI { .. }
                                | Op::Add { .. }
                                | Op::Sub { .. }
                                | Op::Mul { .. }
                                | Op::Mod { .. }
                                | Op::Pow { .. }
                                | Op::Div { .. }
                                | Op::IDiv { .. }
                                | Op::BAnd { .. }
                                | Op::BOr { .. }
                                | Op::BXor { .. }
                                | Op::Shl { .. }
                                | Op::Shr { .. }
                        )
                    );
                    if !calls {
                        return Err(err("a waiting frame is not at a call"));
                    }
                    if let Some(Op::Concat { b: n, .. }) = p.code.get(*pc as usize - 1) {
                        if progress < 2 || progress > *n as u32 {
                            return Err(err("bad concatenation progress"));
                        }
                    }
                }
                Frame::Lua(LuaFrame {
                    closure: cl,
                    func: func as u32,
                    base: base as u32,
                    pc: *pc,
                    nvarargs: nv as u32,
                    want: *want,
                    aux: *aux,
                })
            }
            SFrame::Native {
                native,
                func,
                want,
                cont,
            } => {
                if *func as usize >= len.max(1) + MAX_STACK {
                    return Err(err("native frame out of the stack"));
                }
                if is_top && (*func as usize) >= len {
                    return Err(err("native frame above the stack top"));
                }
                if *want < -1 {
                    return Err(err("bad result count"));
                }
                let native = native.map(|n| b.native(n)).transpose()?;
                let cont = cont.clone().map_values(&mut |v| b.value(v))?;
                Frame::Native(NativeFrame {
                    native,
                    func: *func,
                    want: *want,
                    cont: Box::new(cont),
                })
            }
        });
    }
    let mut open = Vec::with_capacity(st.open_upvalues.len());
    let mut last_slot: Option<u32> = None;
    for &u in &st.open_upvalues {
        let cell = b.upvalue(u)?;
        match b.body.objects.get(u as usize) {
            Some(SObj::Upvalue(SUpvalue::Open { thread, slot })) if *thread as usize == i => {
                if last_slot.is_some_and(|l| *slot <= l) {
                    return Err(err("open upvalues out of order"));
                }
                last_slot = Some(*slot);
            }
            _ => return Err(err("open upvalue list holds a foreign upvalue")),
        }
        open.push(cell);
    }
    let mut last_tbc: Option<u32> = None;
    for &s in &st.tbc {
        if s as usize >= len || last_tbc.is_some_and(|l| s <= l) {
            return Err(err("bad to-be-closed list"));
        }
        last_tbc = Some(s);
    }
    if status == Status::Initial && (!frames.is_empty() || len == 0) {
        return Err(err("a coroutine that has not started has frames"));
    }
    let error = st.error.map(|e| b.value(e)).transpose()?;
    let mut ts = th.borrow_mut(b.mc);
    ts.stack = stack;
    ts.frames = frames;
    ts.update_charge();
    ts.open_upvalues = open;
    ts.tbc = st.tbc.clone();
    ts.status = status;
    ts.top = st.top;
    ts.error = error;
    ts.traceback = st.traceback.clone();
    ts.meta_depth = ts.count_meta_depth();
    drop(ts);
    th.id().set(st.id);
    if let Some(h) = &st.hook {
        let f = b.value(h.func)?;
        if !matches!(f, Value::Nil | Value::Function(_) | Value::Native(_)) {
            return Err(err("bad hook function"));
        }
        th.0.hook.set(h.data);
        th.set_hook_func(b.mc, f);
        th.0.hookmask.set(if h.data.in_hook {
            h.data.mask & crate::vm::hook::COUNT
        } else {
            h.data.mask
        });
    }
    Ok(())
}
