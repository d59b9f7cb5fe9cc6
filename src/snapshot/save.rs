//! Saving: a breadth-first walk from the roots that numbers every reachable object once.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use gc_arena::Gc;

use super::format::*;
use super::{Registry, SnapshotError};
use crate::vm::chunk::Chunk;
use crate::vm::closure::{Closure, NativeClosure, UpState, Upvalue};
use crate::vm::state::Ctx;
use crate::vm::string::LuaStr;
use crate::vm::table::Table;
use crate::vm::thread::{Frame, Status, Thread};
use crate::vm::userdata::Userdata;
use crate::vm::value::Value;

/// An object waiting to be written.
enum Item<'gc> {
    Str(LuaStr<'gc>),
    Table(Table<'gc>),
    Closure(Closure<'gc>),
    Native(NativeClosure<'gc>),
    Thread(Thread<'gc>),
    Upvalue(Upvalue<'gc>),
    Userdata(Userdata<'gc>),
}

struct Saver<'a, 'gc> {
    registry: &'a Registry,
    include_sources: bool,
    index: HashMap<usize, u32>,
    objects: Vec<Option<SObj>>,
    queue: VecDeque<Item<'gc>>,
    chunks: Vec<SChunk>,
    chunk_index: HashMap<usize, u32>,
    chunk_arcs: Vec<Arc<Chunk>>,
    protos: Vec<SProto>,
    proto_index: HashMap<SProto, u32>,
}

/// Encodes a thread status.
pub fn status_code(s: Status) -> u8 {
    match s {
        Status::Initial => 0,
        Status::Suspended => 1,
        Status::Running => 2,
        Status::Normal => 3,
        Status::Dead => 4,
    }
}

impl<'a, 'gc> Saver<'a, 'gc> {
    fn obj(&mut self, addr: usize, item: Item<'gc>) -> u32 {
        if let Some(&i) = self.index.get(&addr) {
            return i;
        }
        let i = self.objects.len() as u32;
        self.objects.push(None);
        self.index.insert(addr, i);
        self.queue.push_back(item);
        i
    }

    fn table(&mut self, t: Table<'gc>) -> u32 {
        self.obj(Gc::as_ptr(t.0) as *const () as usize, Item::Table(t))
    }

    fn thread(&mut self, t: Thread<'gc>) -> u32 {
        self.obj(Gc::as_ptr(t.0) as *const () as usize, Item::Thread(t))
    }

    fn closure(&mut self, c: Closure<'gc>) -> u32 {
        self.obj(Gc::as_ptr(c.0) as *const () as usize, Item::Closure(c))
    }

    fn native(&mut self, n: NativeClosure<'gc>) -> u32 {
        self.obj(Gc::as_ptr(n.0) as *const () as usize, Item::Native(n))
    }

    fn upvalue(&mut self, u: Upvalue<'gc>) -> u32 {
        self.obj(Gc::as_ptr(u) as *const () as usize, Item::Upvalue(u))
    }

    fn val(&mut self, v: Value<'gc>) -> SVal {
        match v {
            Value::Nil => SVal::Nil,
            Value::False => SVal::False,
            Value::True => SVal::True,
            Value::Int(i) => SVal::Int(i),
            Value::Float(f) => SVal::Float(f.0),
            Value::Str(s) => {
                SVal::Obj(self.obj(Gc::as_ptr(s.0) as *const () as usize, Item::Str(s)))
            }
            Value::Table(t) => SVal::Obj(self.table(t)),
            Value::Function(c) => SVal::Obj(self.closure(c)),
            Value::Native(n) => SVal::Obj(self.native(n)),
            Value::Thread(t) => SVal::Obj(self.thread(t)),
            Value::Userdata(u) => {
                SVal::Obj(self.obj(Gc::as_ptr(u.0) as *const () as usize, Item::Userdata(u)))
            }
        }
    }

    fn chunk(&mut self, c: &Arc<Chunk>) -> u32 {
        let addr = Arc::as_ptr(c) as usize;
        if let Some(&i) = self.chunk_index.get(&addr) {
            return i;
        }
        let i = self.chunks.len() as u32;
        self.chunks.push(SChunk {
            id: c.id.to_vec(),
            name: c.name.to_vec(),
            source: self
                .include_sources
                .then(|| serde_bytes::ByteBuf::from(c.source.to_vec())),
        });
        self.chunk_index.insert(addr, i);
        self.chunk_arcs.push(c.clone());
        i
    }

    fn proto(&mut self, c: Closure<'gc>) -> u32 {
        let fp = Gc::as_ref(c.0.proto);
        let chunk = self.chunk(&fp.chunk);
        let key = SProto {
            chunk,
            path: fp.path.to_vec(),
        };
        if let Some(&i) = self.proto_index.get(&key) {
            return i;
        }
        let i = self.protos.len() as u32;
        self.protos.push(key.clone());
        self.proto_index.insert(key, i);
        i
    }

    fn process(&mut self, item: Item<'gc>) -> Result<SObj, SnapshotError> {
        Ok(match item {
            Item::Str(s) => match s.id().get() {
                0 => SObj::Str(s.as_bytes().to_vec()),
                id => SObj::StrWithId {
                    bytes: s.as_bytes().to_vec(),
                    id,
                },
            },
            Item::Table(t) => {
                let tb = t.0.borrow();
                let array = tb.array.iter().map(|v| self.val(*v)).collect();
                let entries = tb
                    .entries()
                    .iter()
                    .map(|(k, v)| (self.val(*k), self.val(*v)))
                    .collect();
                let meta = tb.meta.map(|m| self.table(m));
                SObj::Table(STable {
                    array,
                    entries,
                    hash_cap: tb.hash_capacity() as u64,
                    meta,
                    id: tb.id,
                })
            }
            Item::Closure(c) => {
                let proto = self.proto(c);
                let upvalues = c.0.upvalues.iter().map(|u| self.upvalue(u.get())).collect();
                SObj::Closure {
                    proto,
                    upvalues,
                    id: c.0.id.get(),
                }
            }
            Item::Native(n) => {
                let name = n.0.def.name;
                if !self.registry.has_native(name) {
                    return Err(SnapshotError::UnregisteredNative(name.to_string()));
                }
                SObj::Native {
                    name: name.to_string(),
                    upvalues: n.0.upvalues.iter().map(|v| self.val(*v)).collect(),
                    id: n.0.id.get(),
                }
            }
            Item::Upvalue(u) => SObj::Upvalue(match u.get() {
                UpState::Open { thread, slot } => SUpvalue::Open {
                    thread: self.thread(thread),
                    slot,
                },
                UpState::Closed(v) => SUpvalue::Closed(self.val(v)),
            }),
            Item::Userdata(u) => {
                let ud = u.0.borrow();
                if !self.registry.has_userdata(ud.type_name) {
                    return Err(SnapshotError::UnregisteredUserdata(
                        ud.type_name.to_string(),
                    ));
                }
                SObj::Userdata {
                    type_name: ud.type_name.to_string(),
                    payload: ud.payload.clone(),
                    meta: ud.meta.map(|m| self.table(m)),
                    id: ud.id,
                }
            }
            Item::Thread(t) => {
                let ts = t.borrow();
                let stack = ts.stack.iter().map(|v| self.val(*v)).collect();
                let mut frames = Vec::with_capacity(ts.frames.len());
                for f in &ts.frames {
                    frames.push(match f {
                        Frame::Lua(l) => SFrame::Lua {
                            closure: self.closure(l.closure),
                            func: l.func,
                            base: l.base,
                            pc: l.pc,
                            nvarargs: l.nvarargs,
                            want: l.want,
                            aux: l.aux,
                        },
                        Frame::Native(n) => SFrame::Native {
                            native: n.native.map(|x| self.native(x)),
                            func: n.func,
                            want: n.want,
                            cont: n
                                .cont
                                .clone()
                                .map_values(&mut |v| Ok::<_, SnapshotError>(self.val(v)))?,
                        },
                    });
                }
                let open_upvalues = ts.open_upvalues.iter().map(|u| self.upvalue(*u)).collect();
                let error = ts.error.map(|e| self.val(e));
                let (hook_func, hook_data) = (t.0.hook_func.get(), t.0.hook.get());
                let hook = if hook_func.is_nil() && hook_data == Default::default() {
                    None
                } else {
                    Some(super::format::SHook {
                        func: self.val(hook_func),
                        data: hook_data,
                    })
                };
                SObj::Thread(Box::new(SThread {
                    stack,
                    frames,
                    open_upvalues,
                    tbc: ts.tbc.clone(),
                    status: status_code(ts.status),
                    top: ts.top,
                    error,
                    traceback: ts.traceback.clone(),
                    id: t.id().get(),
                    hook,
                }))
            }
        })
    }
}

/// Walks the VM's heap into a [`Body`].
pub fn save_body<'gc>(
    ctx: Ctx<'gc>,
    registry: &Registry,
    include_sources: bool,
    fuel_used: u64,
) -> Result<Body, SnapshotError> {
    save_body_and_chunks(ctx, registry, include_sources, fuel_used).map(|(b, _)| b)
}

/// [`save_body`], also returning the compiled chunks in the body's chunk order.
pub fn save_body_and_chunks<'gc>(
    ctx: Ctx<'gc>,
    registry: &Registry,
    include_sources: bool,
    fuel_used: u64,
) -> Result<(Body, Vec<Arc<Chunk>>), SnapshotError> {
    let st = ctx.state;
    let mut s = Saver {
        registry,
        include_sources,
        index: HashMap::new(),
        objects: Vec::new(),
        queue: VecDeque::new(),
        chunks: Vec::new(),
        chunk_index: HashMap::new(),
        chunk_arcs: Vec::new(),
        protos: Vec::new(),
        proto_index: HashMap::new(),
    };
    let globals = s.table(st.globals);
    let registry_t = s.table(st.registry);
    let main = s.thread(st.main);
    let running = st.running.borrow().iter().map(|t| s.thread(*t)).collect();
    let metas = {
        let m = st.metas.borrow();
        [m.string, m.number, m.boolean, m.nil, m.function, m.thread].map(|t| t.map(|t| s.table(t)))
    };
    let mut i = 0usize;
    let mut upvalue_ids = Vec::new();
    while let Some(item) = s.queue.pop_front() {
        // Objects are numbered in queue order, so the i-th popped item is object i.
        if let Item::Upvalue(u) = &item {
            if u.id.get() != 0 {
                upvalue_ids.push((i as u32, u.id.get()));
            }
        }
        let obj = s.process(item)?;
        s.objects[i] = Some(obj);
        i += 1;
    }
    let objects = s
        .objects
        .into_iter()
        .map(|o| o.unwrap_or(SObj::Str(Vec::new())))
        .collect();
    let arcs = s.chunk_arcs;
    let body = Body {
        chunks: s.chunks,
        protos: s.protos,
        objects,
        globals,
        registry: registry_t,
        main,
        running,
        metas,
        hash_key: st.hash_key,
        next_id: st.next_id.get(),
        rng: st.rng.get(),
        main_yieldable: st.main_yieldable.get(),
        fuel_used,
        upvalue_ids,
    };
    Ok((body, arcs))
}
