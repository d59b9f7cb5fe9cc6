//! Saving: a breadth-first walk from the roots that numbers every reachable object once and
//! writes it straight into the MessagePack body (see [`super::format`] for the layout).
//!
//! Objects are numbered in the order they are discovered and written in the same order (the
//! queue *is* the numbering), so no intermediate structure is built; the object count is
//! patched into an `array 32` header at the end. The object index map is keyed by address
//! with a multiplicative hash (addresses are already unique; SipHash would be wasted work).

use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use gc_arena::Gc;

use super::format::*;
use super::mpack;
use super::{Registry, SnapshotError};
use crate::vm::chunk::Chunk;
use crate::vm::closure::{Closure, FnProto, LightNative, NativeClosure, UpState, Upvalue};
use crate::vm::native::NativeDef;
use crate::vm::state::{Ctx, TM_COUNT};
use crate::vm::string::LuaStr;
use crate::vm::table::Table;
use crate::vm::thread::{Frame, Status, Thread};
use crate::vm::userdata::Userdata;
use crate::vm::value::Value;

/// Hashes an address: a folded 128-bit multiply (good high and low bits for aligned pointers).
#[derive(Default)]
pub(crate) struct AddrHasher(u64);

impl Hasher for AddrHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ b as u64).wrapping_mul(0x100_0000_01b3);
        }
    }
    #[inline]
    fn write_usize(&mut self, x: usize) {
        let p = (x as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15_u128 | 1 << 64);
        self.0 = (p as u64) ^ ((p >> 64) as u64);
    }
}

/// A map keyed by address.
pub(crate) type AddrMap<V> = hashbrown::HashMap<usize, V, BuildHasherDefault<AddrHasher>>;

/// Object numbers by address: a small map from 4 KB address pages to runs of 256 slots (one
/// per 16 bytes; distinct objects are further apart than that, since every gc-arena
/// allocation carries a 16-byte header besides its non-empty value). Objects allocated together
/// share a run, so lookups have the locality of the heap itself; a flat hash map of a large
/// heap misses the cache on nearly every lookup.
struct ObjIndex {
    pages: AddrMap<u32>,
    /// Object number + 1 (0: not numbered yet).
    slots: Vec<u32>,
}

const PAGE_SHIFT: u32 = 12;
const SLOT_SHIFT: u32 = 4;
const SLOTS_PER_PAGE: usize = 1 << (PAGE_SHIFT - SLOT_SHIFT);

impl ObjIndex {
    fn with_heap_hint(heap: usize) -> ObjIndex {
        ObjIndex {
            pages: AddrMap::with_capacity_and_hasher(heap >> PAGE_SHIFT, Default::default()),
            slots: Vec::with_capacity((heap >> PAGE_SHIFT) * SLOTS_PER_PAGE),
        }
    }

    /// The number of the object at `addr`, if it has one.
    fn get(&self, addr: usize) -> Option<u32> {
        let run = *self.pages.get(&(addr >> PAGE_SHIFT))? as usize;
        let at = run * SLOTS_PER_PAGE + ((addr >> SLOT_SHIFT) & (SLOTS_PER_PAGE - 1));
        self.slots.get(at).and_then(|&s| s.checked_sub(1))
    }

    /// The number of the object at `addr`, giving it `next` if it has none.
    #[inline]
    fn number(&mut self, addr: usize, next: u32) -> u32 {
        let page = addr >> PAGE_SHIFT;
        let run = match self.pages.get(&page) {
            Some(&r) => r as usize,
            None => {
                let r = self.slots.len() / SLOTS_PER_PAGE;
                self.slots.resize(self.slots.len() + SLOTS_PER_PAGE, 0);
                self.pages.insert(page, r as u32);
                r
            }
        };
        let at = run * SLOTS_PER_PAGE + ((addr >> SLOT_SHIFT) & (SLOTS_PER_PAGE - 1));
        match self.slots.get_mut(at) {
            Some(slot) if *slot != 0 => *slot - 1,
            Some(slot) => {
                *slot = next + 1;
                next
            }
            None => next,
        }
    }
}

/// An object waiting to be written.
#[derive(Copy, Clone)]
enum Item<'gc> {
    Str(LuaStr<'gc>),
    Table(Table<'gc>),
    Closure(Closure<'gc>),
    Native(NativeClosure<'gc>),
    Light(LightNative),
    Thread(Thread<'gc>),
    Upvalue(Upvalue<'gc>),
    Userdata(Userdata<'gc>),
}

struct Saver<'a, 'gc> {
    /// (Tables are read through it; nothing is pending when a save starts, see `vm::lazy`.)
    mc: &'gc gc_arena::Mutation<'gc>,
    registry: &'a Registry,
    include_sources: bool,
    index: ObjIndex,
    queue: Vec<Item<'gc>>,
    out: Vec<u8>,
    chunks: Vec<Arc<Chunk>>,
    chunk_index: AddrMap<u32>,
    /// Chunk numbers by id: the same code compiled twice (a file loaded twice) is one chunk,
    /// as a restore makes it.
    chunk_by_id: hashbrown::HashMap<crate::vm::chunk::ChunkId, u32>,
    /// Function instances as (chunk, path from the chunk's main function). Two instances of
    /// the same code (a chunk loaded twice) are two entries: a restore makes as many
    /// instances as the VM had, so its memory count is the same.
    protos: Vec<(u32, Box<[u32]>)>,
    /// The instance of each entry of `protos` (for its constants and nested functions).
    proto_instances: Vec<Gc<'gc, FnProto<'gc>>>,
    /// For each entry of `protos`, the entry whose instance holds it as a nested function.
    proto_parents: Vec<Option<u32>>,
    /// Entry numbers by instance address.
    proto_by_addr: AddrMap<u32>,
    /// Paths of the functions of the chunks seen so far, by the address of their code.
    proto_paths: AddrMap<Box<[u32]>>,
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
    #[inline]
    fn obj(&mut self, addr: usize, item: impl FnOnce() -> Item<'gc>) -> u32 {
        let next = self.queue.len() as u32;
        let i = self.index.number(addr, next);
        if i == next {
            self.queue.push(item());
        }
        i
    }

    fn table(&mut self, t: Table<'gc>) -> u32 {
        self.obj(t.as_ptr() as usize, || Item::Table(t))
    }

    fn thread(&mut self, t: Thread<'gc>) -> u32 {
        self.obj(Gc::as_ptr(t.0) as *const () as usize, || Item::Thread(t))
    }

    fn closure(&mut self, c: Closure<'gc>) -> u32 {
        self.obj(Gc::as_ptr(c.0) as *const () as usize, || Item::Closure(c))
    }

    fn native(&mut self, n: NativeClosure<'gc>) -> u32 {
        self.obj(Gc::as_ptr(n.0) as *const () as usize, || Item::Native(n))
    }

    fn upvalue(&mut self, u: Upvalue<'gc>) -> u32 {
        self.obj(Gc::as_ptr(u) as *const () as usize, || Item::Upvalue(u))
    }

    fn opt_table(&mut self, t: Option<Table<'gc>>) {
        match t {
            Some(t) => {
                let i = self.table(t);
                mpack::uint(&mut self.out, i as u64);
            }
            None => mpack::nil(&mut self.out),
        }
    }

    /// The object number of a heap value (numbering it if new).
    #[inline]
    fn heap(&mut self, v: Value<'gc>) -> Option<u32> {
        Some(match v {
            Value::Nil
            | Value::False
            | Value::True
            | Value::Int(_)
            | Value::Float(_)
            | Value::LightUserdata(_) => return None,
            Value::Str(s) => self.obj(Gc::as_ptr(s.0) as *const () as usize, || Item::Str(s)),
            Value::Table(t) => self.table(t),
            Value::Function(c) => self.closure(c),
            Value::Native(n) => self.native(n),
            Value::LightNative(l) => self.obj(l.0 as *const NativeDef as usize, || Item::Light(l)),
            Value::Thread(t) => self.thread(t),
            Value::Userdata(u) => {
                self.obj(Gc::as_ptr(u.0) as *const () as usize, || Item::Userdata(u))
            }
        })
    }

    /// The snapshot form of a value (numbering the object it refers to, if new).
    fn sval(&mut self, v: Value<'gc>) -> SVal {
        match v {
            Value::Nil => SVal::Nil,
            Value::False => SVal::False,
            Value::True => SVal::True,
            Value::Int(i) => SVal::Int(i),
            Value::Float(f) => SVal::Float(f.0),
            Value::LightUserdata(p) => SVal::Light(p),
            other => SVal::Obj(self.heap(other).unwrap_or(0)),
        }
    }

    /// Writes a value (numbering the object it refers to, if new).
    #[inline]
    fn val(&mut self, v: Value<'gc>) {
        match v {
            Value::Nil => mpack::nil(&mut self.out),
            Value::False => mpack::boolean(&mut self.out, false),
            Value::True => mpack::boolean(&mut self.out, true),
            Value::Int(i) => mpack::int(&mut self.out, i),
            Value::Float(f) => mpack::float_bits(&mut self.out, f.0),
            Value::LightUserdata(p) => mpack::light(&mut self.out, p),
            other => {
                let i = self.heap(other).unwrap_or(0);
                mpack::obj(&mut self.out, i);
            }
        }
    }

    fn vals(&mut self, vs: &[Value<'gc>]) {
        mpack::array_len(&mut self.out, vs.len());
        for v in vs {
            self.val(*v);
        }
    }

    fn chunk(&mut self, c: &Arc<Chunk>) -> u32 {
        let addr = Arc::as_ptr(c) as usize;
        if let Some(&i) = self.chunk_index.get(&addr) {
            return i;
        }
        let i = match self.chunk_by_id.get(&c.id) {
            Some(&i) => i,
            None => {
                let i = self.chunks.len() as u32;
                self.chunk_by_id.insert(c.id, i);
                self.chunks.push(c.clone());
                super::compiled::remember(c);
                i
            }
        };
        self.chunk_index.insert(addr, i);
        // Every function's path in the chunk, by the address of its compiled code (each
        // position of a chunk's function tree has its own `Proto`).
        let mut stack: Vec<(&Arc<crate::compiler::Proto>, Vec<u32>)> = vec![(&c.main, Vec::new())];
        while let Some((p, path)) = stack.pop() {
            for (k, child) in p.protos.iter().enumerate() {
                let mut cp = path.clone();
                cp.push(k as u32);
                stack.push((child, cp));
            }
            self.proto_paths
                .insert(Arc::as_ptr(p) as usize, path.into_boxed_slice());
        }
        i
    }

    fn proto(&mut self, fp: Gc<'gc, FnProto<'gc>>) -> Result<u32, SnapshotError> {
        let addr = Gc::as_ptr(fp) as usize;
        if let Some(&i) = self.proto_by_addr.get(&addr) {
            return Ok(i);
        }
        let instance = fp;
        let fp = Gc::as_ref(fp);
        let chunk = self.chunk(&fp.chunk);
        let code = Arc::as_ptr(&fp.proto) as usize;
        let path = self
            .proto_paths
            .get(&code)
            .cloned()
            .ok_or_else(|| SnapshotError::Invalid("a function is not in its chunk".into()))?;
        let i = u32::try_from(self.protos.len())
            .map_err(|_| SnapshotError::Invalid("too many functions".into()))?;
        self.protos.push((chunk, path));
        self.proto_instances.push(instance);
        self.proto_parents.push(None);
        self.proto_by_addr.insert(addr, i);
        Ok(i)
    }

    /// Numbers the string constants that two instance trees share, or one shares with a
    /// metamethod name (`names`), and no saved object holds: a restore instantiates each
    /// tree apart and makes the names apart, so without a link it would make such a string
    /// twice and the memory count would differ. Trees share constants when they were nested
    /// in one instance whose function is no longer saved (a chunk's main function, once it
    /// has run, with two of its functions alive; see `closure::instantiate_at`).
    fn share_across_trees(&mut self, names: &[LuaStr<'gc>]) {
        let n = self.proto_instances.len();
        let trees = self.proto_parents.iter().filter(|p| p.is_none()).count() >= 2;
        let is_name = |st: LuaStr<'gc>| {
            st.as_bytes().starts_with(b"__") && names.iter().any(|m| Gc::ptr_eq(m.0, st.0))
        };
        // (Each tree is numbered by its root; u32::MAX: already numbered as shared.)
        let mut seen: AddrMap<u32> = AddrMap::default();
        let mut shared = Vec::new();
        for (i, fp) in self.proto_instances.iter().enumerate() {
            // The root of this instance's tree (a parent may come after its child).
            let mut root = i;
            let mut steps = 0;
            while let (true, Some(Some(p))) = (trees, self.proto_parents.get(root)) {
                root = *p as usize;
                steps += 1;
                if steps > n {
                    break;
                }
            }
            let root = root as u32;
            for c in fp.constants.iter() {
                let Value::Str(st) = *c else { continue };
                let addr = Gc::as_ptr(st.0) as *const () as usize;
                if self.index.get(addr).is_some() {
                    continue;
                }
                if is_name(st) {
                    // (`heap` numbers a string once, however often it is listed.)
                    shared.push(st);
                    continue;
                }
                if !trees {
                    continue;
                }
                match seen.get(&addr) {
                    None => {
                        seen.insert(addr, root);
                    }
                    Some(&r) if r != root && r != u32::MAX => {
                        seen.insert(addr, u32::MAX);
                        shared.push(st);
                    }
                    Some(_) => {}
                }
            }
        }
        for st in shared {
            self.heap(Value::Str(st));
        }
    }

    fn process(&mut self, item: Item<'gc>) -> Result<(), SnapshotError> {
        match item {
            Item::Str(s) => match s.id().get() {
                0 => mpack::bin(&mut self.out, s.as_bytes()),
                id => {
                    mpack::array_len(&mut self.out, 3);
                    mpack::uint(&mut self.out, TAG_STR_WITH_ID);
                    mpack::uint(&mut self.out, id);
                    mpack::bin(&mut self.out, s.as_bytes());
                }
            },
            Item::Table(t) => {
                let tb = t.data(self.mc);
                mpack::array_len(&mut self.out, 8);
                mpack::uint(&mut self.out, TAG_TABLE);
                mpack::uint(&mut self.out, tb.id());
                self.opt_table(tb.meta);
                mpack::uint(&mut self.out, tb.hash_capacity() as u64);
                mpack::uint(&mut self.out, tb.length_limit() as u64);
                let contents = mpack::uint32_placeholder(&mut self.out);
                // The whole array part, including the nil slots after its stored prefix.
                mpack::array_len(&mut self.out, tb.array_size());
                for v in tb.array_values() {
                    self.val(v);
                }
                for _ in tb.array_stored()..tb.array_size() {
                    self.val(Value::Nil);
                }
                let entries = tb.hash_entries();
                mpack::array_len(&mut self.out, entries.len() * 2);
                for (k, v) in entries {
                    self.val(k);
                    self.val(v);
                }
                mpack::finish_length_prefix(&mut self.out, contents);
            }
            Item::Closure(c) => {
                let proto = self.proto(c.0.proto)?;
                mpack::array_len(&mut self.out, 4);
                mpack::uint(&mut self.out, TAG_CLOSURE);
                mpack::uint(&mut self.out, c.0.id.get());
                mpack::uint(&mut self.out, proto as u64);
                mpack::array_len(&mut self.out, c.0.upvalues.len());
                for u in c.0.upvalues.iter() {
                    let i = self.upvalue(u.get());
                    mpack::uint(&mut self.out, i as u64);
                }
            }
            Item::Native(n) => {
                let name = n.0.def.name;
                if !self.registry.has_native(name) {
                    return Err(SnapshotError::UnregisteredNative(name.to_string()));
                }
                mpack::array_len(&mut self.out, 4);
                mpack::uint(&mut self.out, TAG_NATIVE);
                mpack::uint(&mut self.out, n.0.id.get());
                mpack::str(&mut self.out, name);
                self.vals(&n.0.upvalues);
            }
            Item::Light(l) => {
                let name = l.0.name;
                if !self.registry.has_native(name) {
                    return Err(SnapshotError::UnregisteredNative(name.to_string()));
                }
                mpack::array_len(&mut self.out, 2);
                mpack::uint(&mut self.out, TAG_LIGHT_NATIVE);
                mpack::str(&mut self.out, name);
            }
            Item::Upvalue(u) => {
                let id = u.id.get();
                let extra = usize::from(id != 0);
                match u.get() {
                    UpState::Open { thread, slot } => {
                        mpack::array_len(&mut self.out, 3 + extra);
                        mpack::uint(&mut self.out, TAG_UPVALUE_OPEN);
                        let t = self.thread(thread);
                        mpack::uint(&mut self.out, t as u64);
                        mpack::uint(&mut self.out, slot as u64);
                    }
                    UpState::Closed(v) => {
                        mpack::array_len(&mut self.out, 2 + extra);
                        mpack::uint(&mut self.out, TAG_UPVALUE_CLOSED);
                        self.val(v);
                    }
                }
                if id != 0 {
                    mpack::uint(&mut self.out, id);
                }
            }
            Item::Userdata(u) => {
                let ud = u.0.borrow();
                if !self.registry.has_userdata(ud.type_name) {
                    return Err(SnapshotError::UnregisteredUserdata(
                        ud.type_name.to_string(),
                    ));
                }
                if let Some(name) = crate::stdlib::io::open_file_name(&ud) {
                    return Err(SnapshotError::OpenFile(name));
                }
                mpack::array_len(&mut self.out, 5);
                mpack::uint(&mut self.out, TAG_USERDATA);
                mpack::uint(&mut self.out, ud.id);
                mpack::str(&mut self.out, ud.type_name);
                match &ud.host {
                    None => mpack::bin(&mut self.out, &ud.payload),
                    Some(value) => {
                        let save = self
                            .registry
                            .userdata_codec(ud.type_name)
                            .and_then(|c| c.save)
                            .ok_or_else(|| {
                                SnapshotError::UnsavableUserdata(ud.type_name.to_string())
                            })?;
                        let bytes = save(value).map_err(|e| {
                            SnapshotError::Invalid(format!("userdata '{}': {e}", ud.type_name))
                        })?;
                        mpack::bin(&mut self.out, &bytes);
                    }
                }
                self.opt_table(ud.meta);
            }
            Item::Thread(t) => self.thread_body(t)?,
        }
        Ok(())
    }

    fn thread_body(&mut self, t: Thread<'gc>) -> Result<(), SnapshotError> {
        let ts = t.borrow();
        let (hook_func, hook) = (t.0.hook_func.get(), t.0.hook.get());
        let has_hook = !hook_func.is_nil() || hook != Default::default();
        mpack::array_len(&mut self.out, if has_hook { 13 } else { 12 });
        mpack::uint(&mut self.out, TAG_THREAD);
        mpack::uint(&mut self.out, t.id().get());
        mpack::uint(&mut self.out, status_code(ts.status) as u64);
        mpack::uint(&mut self.out, ts.top as u64);
        mpack::uint(&mut self.out, ts.stack_model as u64);
        mpack::uint(&mut self.out, ts.frames_model as u64);
        self.vals(&ts.stack);
        mpack::array_len(&mut self.out, ts.frames.len());
        for f in &ts.frames {
            match f {
                Frame::Lua(l) => {
                    mpack::array_len(&mut self.out, 8);
                    mpack::uint(&mut self.out, FRAME_LUA);
                    let c = self.closure(l.closure);
                    mpack::uint(&mut self.out, c as u64);
                    mpack::uint(&mut self.out, l.func as u64);
                    mpack::uint(&mut self.out, l.base as u64);
                    mpack::uint(&mut self.out, l.pc as u64);
                    mpack::uint(&mut self.out, l.nvarargs as u64);
                    mpack::int(&mut self.out, l.want as i64);
                    mpack::uint(&mut self.out, l.aux as u64);
                }
                Frame::Native(n) => {
                    mpack::array_len(&mut self.out, 5);
                    mpack::uint(&mut self.out, FRAME_NATIVE);
                    match n.native {
                        Some(x) => {
                            let i = self.heap(x.value()).unwrap_or(0);
                            mpack::uint(&mut self.out, i as u64);
                        }
                        None => mpack::nil(&mut self.out),
                    }
                    mpack::uint(&mut self.out, n.func as u64);
                    mpack::int(&mut self.out, n.want as i64);
                    let cont = n
                        .cont
                        .clone()
                        .map_values(&mut |v| Ok::<_, SnapshotError>(self.sval(v)), |l, f| {
                            l.save().map_err(SnapshotError::Invalid)?.map_values(f)
                        })?;
                    rmp_serde::encode::write(&mut self.out, &cont)
                        .map_err(|e| SnapshotError::Invalid(e.to_string()))?;
                }
            }
        }
        mpack::array_len(&mut self.out, ts.open_upvalues.len());
        for u in &ts.open_upvalues {
            let i = self.upvalue(*u);
            mpack::uint(&mut self.out, i as u64);
        }
        mpack::array_len(&mut self.out, ts.tbc.len());
        for s in &ts.tbc {
            mpack::uint(&mut self.out, *s as u64);
        }
        match ts.error {
            Some(e) => {
                mpack::array_len(&mut self.out, 1);
                self.val(e);
            }
            None => mpack::array_len(&mut self.out, 0),
        }
        match &ts.traceback {
            Some(tb) => mpack::str(&mut self.out, tb),
            None => mpack::nil(&mut self.out),
        }
        if has_hook {
            mpack::array_len(&mut self.out, 7);
            self.val(hook_func);
            mpack::uint(&mut self.out, hook.mask as u64);
            mpack::int(&mut self.out, hook.count as i64);
            mpack::int(&mut self.out, hook.counter as i64);
            mpack::boolean(&mut self.out, hook.in_hook);
            mpack::uint(&mut self.out, hook.oldpc as u64);
            mpack::uint(&mut self.out, hook.skip as u64);
        }
        Ok(())
    }
}

/// Walks the VM's heap and writes the snapshot body (no header). Also returns the compiled
/// chunks in the body's chunk order.
pub fn save_body<'gc>(
    ctx: Ctx<'gc>,
    registry: &Registry,
    include_sources: bool,
    fuel_used: u64,
    out: Vec<u8>,
) -> Result<(Vec<u8>, Vec<Arc<Chunk>>), SnapshotError> {
    let st = ctx.state;
    // Size the output and the object map from the VM's accounted heap (about 1/5 of it ends
    // up in the snapshot, and an object takes a few hundred bytes): growing them while
    // walking a large heap costs more than reserving a little too much.
    let heap = crate::vm::memory::used().min(1 << 32) as usize;
    let mut out = out;
    out.reserve(heap / 4);
    let mut s = Saver {
        mc: ctx.mc,
        registry,
        include_sources,
        index: ObjIndex::with_heap_hint(heap),
        queue: Vec::with_capacity(heap / 128),
        out,
        chunks: Vec::new(),
        chunk_index: AddrMap::default(),
        chunk_by_id: hashbrown::HashMap::new(),
        protos: Vec::new(),
        proto_instances: Vec::new(),
        proto_parents: Vec::new(),
        proto_by_addr: AddrMap::default(),
        proto_paths: AddrMap::default(),
    };
    let body_start = s.out.len();
    mpack::array_len(&mut s.out, BODY_FIELDS);
    let tail_at = mpack::uint32_placeholder(&mut s.out);
    let count_at = mpack::array32_placeholder(&mut s.out);
    let globals = s.table(st.globals);
    let registry_t = s.table(st.registry);
    let main = s.thread(st.main);
    let running: Vec<u32> = st.running.borrow().iter().map(|t| s.thread(*t)).collect();
    let metas = {
        let m = st.metas.borrow();
        [
            m.string,
            m.number,
            m.boolean,
            m.nil,
            m.function,
            m.thread,
            m.light_userdata,
        ]
        .map(|t| t.map(|t| s.table(t)))
    };
    // Objects marked for finalization and those whose finalizer is due are roots: garbage
    // or not, their finalizers must run in the restored VM as they would have here.
    let (finobj, tobefnz, gc_settings) = {
        let g = st.gc.borrow();
        let fin: Vec<u32> = g.finobj.iter().filter_map(|v| s.heap(*v)).collect();
        let due: Vec<u32> = g.tobefnz.iter().filter_map(|v| s.heap(*v)).collect();
        (
            fin,
            due,
            (
                g.stopped,
                g.generational,
                g.pause,
                g.stepmul,
                g.closing,
                g.step_bytes,
                g.step_finished,
                g.full_base,
                crate::vm::gc::since_full(&g),
            ),
        )
    };
    let mut i = 0usize;
    while let Some(item) = s.queue.get(i).copied() {
        // Objects are numbered in queue order, so the i-th item is object i.
        s.process(item)?;
        i += 1;
    }
    // A restore instantiates each function with all its nested functions: list those too, so
    // their string constants can be linked to saved strings as well (see the tail below), and
    // say which instance holds each, so a restore rebuilds the same instance trees.
    let mut i = 0usize;
    while let Some(fp) = s.proto_instances.get(i).copied() {
        for &child in fp.children.iter() {
            let j = s.proto(child)? as usize;
            let parent = s.proto_parents.get_mut(j);
            match parent {
                Some(p) if p.is_none() => *p = Some(i as u32),
                _ => return Err(SnapshotError::Invalid("a function nested twice".into())),
            }
        }
        i += 1;
    }
    // Constants one instance tree shares with another (made as one when the trees were one,
    // see `closure::instantiate_at`) and no saved object holds: saved as objects themselves,
    // so the constant links below make the restored trees share them too.
    let mut i = s.queue.len();
    let names: Vec<LuaStr<'gc>> = (0..TM_COUNT).filter_map(|tm| ctx.tm_made(tm)).collect();
    s.share_across_trees(&names);
    while let Some(item) = s.queue.get(i).copied() {
        s.process(item)?;
        i += 1;
    }
    let n = u32::try_from(s.queue.len())
        .map_err(|_| SnapshotError::Invalid("too many objects".into()))?;
    mpack::patch_array32(&mut s.out, count_at, n);
    let tail = u32::try_from(s.out.len() - body_start)
        .map_err(|_| SnapshotError::Invalid("snapshot larger than 4 GB".into()))?;
    mpack::patch_uint32(&mut s.out, tail_at, tail);
    let out = &mut s.out;
    mpack::array_len(out, s.chunks.len());
    for c in &s.chunks {
        mpack::array_len(out, if c.stripped { 4 } else { 3 });
        mpack::bin(out, &c.id);
        mpack::bin(out, &c.name);
        if s.include_sources {
            mpack::bin(out, &c.source);
        } else {
            mpack::nil(out);
        }
        if c.stripped {
            mpack::boolean(out, true);
        }
    }
    mpack::array_len(out, s.protos.len());
    let mut links = Vec::new();
    for (((chunk, path), fp), parent) in s
        .protos
        .iter()
        .zip(&s.proto_instances)
        .zip(&s.proto_parents)
    {
        mpack::array_len(out, 4);
        mpack::uint(out, *chunk as u64);
        mpack::array_len(out, path.len());
        for p in path.iter() {
            mpack::uint(out, *p as u64);
        }
        // String constants that are also saved objects (a register or a table holds the
        // constant itself): the restored function must use that very object, or the string
        // would exist twice and the memory count would differ after the restore.
        links.clear();
        for (k, c) in fp.constants.iter().enumerate() {
            if let Value::Str(st) = c {
                if let Some(obj) = s.index.get(Gc::as_ptr(st.0) as *const () as usize) {
                    links.push((k as u64, obj as u64));
                }
            }
        }
        mpack::array_len(out, links.len() * 2);
        for &(k, obj) in &links {
            mpack::uint(out, k);
            mpack::uint(out, obj);
        }
        match parent {
            Some(p) => mpack::uint(out, *p as u64),
            None => mpack::nil(out),
        }
    }
    mpack::uint(out, globals as u64);
    mpack::uint(out, registry_t as u64);
    mpack::uint(out, main as u64);
    mpack::array_len(out, running.len());
    for t in running {
        mpack::uint(out, t as u64);
    }
    mpack::array_len(out, 7);
    for m in metas {
        match m {
            Some(i) => mpack::uint(out, i as u64),
            None => mpack::nil(out),
        }
    }
    mpack::uint(out, st.hash_key);
    mpack::uint(out, st.next_id.get());
    mpack::array_len(out, 4);
    for r in st.rng.get() {
        mpack::uint(out, r);
    }
    // Flags: a boolean (main yieldable) when no other flag is set, else an integer (bit 0
    // main yieldable, bit 1 C-call boundaries; the memory budget's retry state: bit 2 a
    // memory error due at the next slice, bit 3 `just_collected`, bit 4 `quiet_retry`, bit 5
    // `budget_exhausted`; bit 6: the memory count follows the fuel, see
    // `api::Vm::inherited_garbage`), so plain snapshots keep their bytes.
    let stopped = st.gc.borrow().stopped;
    let flags = st.c_call_boundaries.get() as u64 * 2
        + st.memory_error.get() as u64 * 4
        + st.just_collected.get() as u64 * 8
        + st.quiet_retry.get() as u64 * 16
        + st.budget_exhausted.get() as u64 * 32
        + stopped as u64 * 64;
    if flags != 0 {
        mpack::uint(out, st.main_yieldable.get() as u64 | flags);
    } else {
        mpack::boolean(out, st.main_yieldable.get());
    }
    mpack::uint(out, fuel_used);
    if stopped {
        mpack::uint(out, crate::vm::memory::used());
    }
    // Metamethod names that are also saved objects (metatable keys made from them).
    let tm_links: Vec<(u64, u64)> = (0..TM_COUNT)
        .filter_map(|tm| {
            let name = ctx.tm_made(tm)?;
            let obj = s.index.get(Gc::as_ptr(name.0) as *const () as usize)?;
            Some((tm as u64, obj as u64))
        })
        .collect();
    let out = &mut s.out;
    mpack::array_len(out, tm_links.len() * 2);
    for (tm, obj) in tm_links {
        mpack::uint(out, tm);
        mpack::uint(out, obj);
    }
    // The collector's state (see `vm::gc`): weak tables that are saved objects, with their
    // modes; marked objects in marking order; due finalizers; the settings.
    let weak: Vec<(u64, u64)> = st
        .gc
        .borrow()
        .weak
        .iter()
        .filter_map(|w| {
            let t = crate::vm::table::Table::from_gc(w.upgrade(ctx.mc)?);
            let mode = t.weak_mode();
            let obj = s.index.get(t.as_ptr() as usize)?;
            (mode != 0).then_some((obj as u64, mode as u64))
        })
        .collect();
    let out = &mut s.out;
    mpack::array_len(out, 12);
    mpack::array_len(out, weak.len() * 2);
    for (obj, mode) in weak {
        mpack::uint(out, obj);
        mpack::uint(out, mode);
    }
    for list in [&finobj, &tobefnz] {
        mpack::array_len(out, list.len());
        for &obj in list {
            mpack::uint(out, obj as u64);
        }
    }
    let (
        stopped,
        generational,
        pause,
        stepmul,
        closing,
        step_bytes,
        step_finished,
        full_base,
        since_full,
    ) = gc_settings;
    mpack::boolean(out, stopped);
    mpack::boolean(out, generational);
    mpack::int(out, pause);
    mpack::int(out, stepmul);
    mpack::boolean(out, closing);
    mpack::float_bits(out, step_bytes.to_bits());
    mpack::boolean(out, step_finished);
    mpack::uint(out, full_base);
    mpack::uint(out, since_full);
    Ok((s.out, s.chunks))
}
