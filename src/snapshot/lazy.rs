//! Lazy forks of an image: the [`LazySource`] over a decoded image (see `vm::lazy`).
//!
//! # Design
//! [`LazyImage`] is an image ready to be forked lazily: the decoded body (`image::Decoded`),
//! the compiled chunks, a key index for the larger tables (so a read of a pending table finds
//! its key without copying the table), and the memory count of a full build. That count comes
//! from building the image once in full when it is made, which also checks every link the
//! lazy code will follow later: the makers below therefore never fail, and where a link
//! could still be inconsistent they make nil rather than panic.
//!
//! A fork ([`fork`]) makes its threads and its roots (registry, globals, type metatables,
//! metamethod names), with the tables among them as pending shells. Later objects are made by
//! a [`Maker`]: strings and light natives as leaves; tables as shells (metatable linked after
//! the shell is recorded, so cycles end); Lua closures with their function instance and
//! upvalue cells (a closed cell's value is linked after the cell is recorded); native
//! closures with their bound values (made first; images order natives so these never loop).
//! Links made after recording go through a work list, so long chains never recurse deeply.

use std::cell::RefCell;
use std::sync::Arc;

use gc_arena::{Gc, Mutation};
use hashbrown::{HashMap, HashTable};

use super::image::{Decoded, Obj};
use super::mpack::RVal;
use super::restore::{
    build_thread, finish_with, instantiate_root, Builder, Built, ProtoPlan, Tail,
};
use super::SnapshotError;
use crate::vm::chunk::Chunk;
use crate::vm::closure::{
    Closure, ClosureData, FnProto, LightNative, NativeClosure, NativeData, UpCell, UpState,
    Upvalue, UpvalueExt,
};
use crate::vm::lazy::{Fork, LazySource, Made, MadeKey, Pending};
use crate::vm::state::{Host, State};
use crate::vm::string::{hash_bytes, LuaStr};
use crate::vm::table::{key_hash_with, normalize_key, Table};
use crate::vm::thread::Thread;
use crate::vm::userdata::Userdata;
use crate::vm::value::{Value, F64};

/// Tables with more entries than this get a key index; smaller ones are scanned.
const SCAN_MAX: usize = 8;

/// How a read of a pending table finds a key among the image table's entries.
enum Keys {
    /// Hash of the key → entry position.
    Hashed(HashTable<u32>),
    /// Some keys are objects (hashed by address in a heap): reads copy the table first.
    Objects,
}

/// An image prepared for lazy forks.
pub struct LazyImage {
    pub(crate) body: Vec<u8>,
    pub(crate) offsets: Vec<usize>,
    pub(crate) tail: Tail,
    pub(crate) chunks: Vec<Arc<Chunk>>,
    pub(crate) decoded: Decoded,
    /// The memory count of a VM built from the image in full (a fork starts there).
    pub(crate) total: u64,
    /// Key indexes of tables that have one (absent: scan the entries).
    keys: HashMap<u32, Keys>,
    /// Function `i` of the function table → its position in `decoded.plan`.
    plan_at: Vec<u32>,
    /// (root function, path, constant) → the saved string that constant is.
    links: HashMap<(u32, Box<[u32]>, u32), u32>,
    /// The image's threads (made with the fork).
    threads: Vec<u32>,
}

impl LazyImage {
    /// Prepares a decoded image (`total`: the memory count of a full build of it).
    pub fn new(
        body: Vec<u8>,
        offsets: Vec<usize>,
        tail: Tail,
        chunks: Vec<Arc<Chunk>>,
        decoded: Decoded,
        total: u64,
    ) -> LazyImage {
        let seed = tail.hash_key;
        let mut keys = HashMap::new();
        for (i, o) in decoded.objs.iter().enumerate() {
            let Obj::Table { entries, .. } = o else {
                continue;
            };
            let objects = entries.iter().any(|(k, _)| match k {
                RVal::Obj(j) => !matches!(decoded.objs.get(*j as usize), Some(Obj::Str { .. })),
                _ => false,
            });
            if objects {
                keys.insert(i as u32, Keys::Objects);
            } else if entries.len() > SCAN_MAX {
                let mut index = HashTable::with_capacity(entries.len());
                for (pos, (k, _)) in entries.iter().enumerate() {
                    let h = rval_hash(&decoded, &body, seed, *k);
                    index.insert_unique(h, pos as u32, |&p| {
                        entries
                            .get(p as usize)
                            .map_or(0, |e| rval_hash(&decoded, &body, seed, e.0))
                    });
                }
                keys.insert(i as u32, Keys::Hashed(index));
            }
        }
        let mut plan_at = vec![u32::MAX; decoded.plan.roots.len()];
        for (pos, (i, _)) in decoded.plan.order.iter().enumerate() {
            if let Some(slot) = plan_at.get_mut(*i as usize) {
                *slot = pos as u32;
            }
        }
        let threads = (0..decoded.objs.len() as u32)
            .filter(|&i| matches!(decoded.objs.get(i as usize), Some(Obj::Thread)))
            .collect();
        let links = decoded
            .links
            .iter()
            .map(|((c, p, k), o)| ((*c, p.clone(), *k), *o))
            .collect();
        LazyImage {
            body,
            offsets,
            tail,
            chunks,
            decoded,
            total,
            keys,
            plan_at,
            links,
            threads,
        }
    }

    /// Number of objects in the image.
    pub fn decoded_objects(&self) -> usize {
        self.decoded.objs.len()
    }

    fn str_bytes(&self, i: u32) -> Option<(&[u8], u64)> {
        match self.decoded.objs.get(i as usize) {
            Some(Obj::Str { bytes, hash, .. }) => Some((self.body.get(bytes.clone())?, *hash)),
            _ => None,
        }
    }

    /// Whether image key `k` is the fork's key `key` (a normalised, non-object key).
    fn key_is(&self, k: RVal, key: Value<'_>) -> bool {
        match (k, key) {
            (RVal::Int(a), Value::Int(b)) => a == b,
            (RVal::Float(a), Value::Float(b)) => a == b.0,
            (RVal::True, Value::True) | (RVal::False, Value::False) => true,
            (RVal::Light(a), Value::LightUserdata(b)) => a == b,
            (RVal::Obj(o), Value::Str(s)) => self
                .str_bytes(o)
                .is_some_and(|(bytes, _)| bytes == s.as_bytes()),
            _ => false,
        }
    }
}

/// The table hash of an image key (as `table::key_hash_with` computes it for the same key
/// in a heap: strings by their bytes, scalars by value).
fn rval_hash(d: &Decoded, body: &[u8], seed: u64, k: RVal) -> u64 {
    match k {
        RVal::Obj(o) => match d.objs.get(o as usize) {
            Some(Obj::Str { hash, bytes, .. }) => {
                if *hash != 0 {
                    *hash
                } else {
                    hash_bytes(seed, body.get(bytes.clone()).unwrap_or(&[])).max(1)
                }
            }
            _ => 0,
        },
        RVal::Int(i) => key_hash_with(seed, Value::Int(i)),
        RVal::Float(b) => key_hash_with(seed, Value::Float(F64(b))),
        RVal::True => key_hash_with(seed, Value::True),
        RVal::False => key_hash_with(seed, Value::False),
        RVal::Light(p) => key_hash_with(seed, Value::LightUserdata(p)),
        RVal::Nil => 0,
    }
}

/// A link made after its object was recorded.
enum Link<'gc> {
    TableMeta(Table<'gc>, u32),
    UserdataMeta(Userdata<'gc>, u32),
    Closed(Upvalue<'gc>, RVal),
}

/// Makes a fork's objects from its image.
struct Maker<'a, 'gc> {
    img: &'a LazyImage,
    mc: &'a Mutation<'gc>,
    fork: Gc<'gc, Fork<'gc>>,
    links: RefCell<Vec<Link<'gc>>>,
}

/// Native closures nested deeper than this in each other's bound values are not made (an
/// image cannot hold such a chain: the standard natives never bind natives).
const MAX_NATIVE_DEPTH: u32 = 64;

impl<'a, 'gc> Maker<'a, 'gc> {
    fn new(img: &'a LazyImage, mc: &'a Mutation<'gc>, fork: Gc<'gc, Fork<'gc>>) -> Self {
        Maker {
            img,
            mc,
            fork,
            links: RefCell::new(Vec::new()),
        }
    }

    fn value(&self, v: RVal) -> Value<'gc> {
        match v {
            RVal::Nil => Value::Nil,
            RVal::False => Value::False,
            RVal::True => Value::True,
            RVal::Int(i) => Value::Int(i),
            RVal::Float(b) => Value::Float(F64(b)),
            RVal::Light(p) => Value::LightUserdata(p),
            RVal::Obj(i) => match self.obj(i, 0) {
                Some(Made::Value(v)) => v,
                _ => Value::Nil,
            },
        }
    }

    fn table(&self, i: u32) -> Option<Table<'gc>> {
        match self.obj(i, 0)? {
            Made::Value(Value::Table(t)) => Some(t),
            _ => None,
        }
    }

    fn record(&self, key: MadeKey, made: Made<'gc>) -> Made<'gc> {
        Fork::record(self.fork, self.mc, key, made);
        made
    }

    /// Object `i` of the image in this fork, made if it was not yet.
    fn obj(&self, i: u32, depth: u32) -> Option<Made<'gc>> {
        let key = MadeKey::Object(i);
        if let Some(m) = self.fork.get(key) {
            return Some(m);
        }
        let img = self.img;
        let mc = self.mc;
        let made = match img.decoded.objs.get(i as usize)? {
            Obj::Str { hash, id, bytes } => {
                let s = LuaStr::with_hash(mc, *hash, img.body.get(bytes.clone()).unwrap_or(&[]));
                if *id != 0 {
                    s.id().set(*id);
                }
                Made::Value(Value::Str(s))
            }
            Obj::Table { id, meta, .. } => {
                let pending = Pending {
                    fork: self.fork,
                    obj: i,
                };
                let t = Table::pending(mc, img.tail.hash_key, pending, None, *id);
                if let Some(m) = meta {
                    self.links.borrow_mut().push(Link::TableMeta(t, *m));
                }
                Made::Value(Value::Table(t))
            }
            Obj::Light(def) => Made::Value(Value::LightNative(LightNative(def))),
            Obj::Upvalue { open, closed, id } => {
                let state = match open {
                    Some((thread, slot)) => match self.fork.get(MadeKey::Object(*thread)) {
                        Some(Made::Value(Value::Thread(t))) => UpState::Open {
                            thread: t,
                            slot: *slot,
                        },
                        _ => UpState::Closed(Value::Nil),
                    },
                    None => UpState::Closed(Value::Nil),
                };
                let cell = UpCell::new(mc, state);
                if *id != 0 {
                    cell.id.set(*id);
                }
                if open.is_none() {
                    self.links.borrow_mut().push(Link::Closed(cell, *closed));
                }
                Made::Upvalue(cell)
            }
            Obj::Closure {
                id,
                proto,
                upvalues,
            } => {
                let fp = self.proto(*proto)?;
                let mut ups = Vec::with_capacity(upvalues.len());
                for &j in upvalues.iter() {
                    match self.obj(j, depth)? {
                        Made::Upvalue(u) => ups.push(gc_arena::lock::Lock::new(u)),
                        _ => return None,
                    }
                }
                let ups = ups.into_boxed_slice();
                Made::Value(Value::Function(Closure(Gc::new(
                    mc,
                    ClosureData {
                        proto: fp,
                        charge: ClosureData::charge(ups.len()),
                        upvalues: ups,
                        id: std::cell::Cell::new(*id),
                    },
                ))))
            }
            Obj::Native { id, def, upvalues } => {
                if depth > MAX_NATIVE_DEPTH {
                    return None;
                }
                let mut ups = Vec::with_capacity(upvalues.len());
                for v in upvalues.iter() {
                    ups.push(match *v {
                        RVal::Obj(j) => match self.obj(j, depth + 1)? {
                            Made::Value(v) => v,
                            _ => return None,
                        },
                        other => self.value(other),
                    });
                }
                // (Made before recording: bound values never lead back to this native.)
                if let Some(m) = self.fork.get(key) {
                    return Some(m);
                }
                let ups = ups.into_boxed_slice();
                Made::Value(Value::Native(NativeClosure(Gc::new(
                    mc,
                    NativeData {
                        def,
                        charge: NativeData::charge(ups.len()),
                        upvalues: ups,
                        id: std::cell::Cell::new(*id),
                    },
                ))))
            }
            Obj::Userdata {
                id,
                name,
                codec,
                payload,
                meta,
            } => {
                let payload = img.body.get(payload.clone()).unwrap_or(&[]);
                // The image was built once in full when it was made, so the codec accepted
                // these bytes then; should it not now, the fork gets the bytes as they are.
                let u = super::restored_userdata(mc, codec.as_ref(), name, payload, *id)
                    .unwrap_or_else(|_| Userdata::new(mc, name, payload.to_vec(), None, *id));
                if let Some(m) = meta {
                    self.links.borrow_mut().push(Link::UserdataMeta(u, *m));
                }
                Made::Value(Value::Userdata(u))
            }
            // Threads are made when the fork is (see `fork`).
            Obj::Thread => return None,
        };
        Some(self.record(key, made))
    }

    /// Function instance `i` of the image's function table.
    fn proto(&self, i: u32) -> Option<Gc<'gc, FnProto<'gc>>> {
        let key = MadeKey::Proto(i);
        if let Some(Made::Proto(p)) = self.fork.get(key) {
            return Some(p);
        }
        let img = self.img;
        let pos = *img.plan_at.get(i as usize)?;
        let (_, step) = img.decoded.plan.order.get(pos as usize)?;
        let fp = match step {
            ProtoPlan::Fresh { chunk, path } => {
                let link = |path: &[u32], k: u32| {
                    let o = *img.links.get(&LinkKey(i, path, k))?;
                    match self.obj(o, 0)? {
                        Made::Value(Value::Str(s)) => Some(s),
                        _ => None,
                    }
                };
                let mut scratch = path.to_vec();
                let (mc, key) = (self.mc, img.tail.hash_key);
                instantiate_root(mc, key, &img.chunks, *chunk, &mut scratch, &link)?
            }
            ProtoPlan::Within { of, child } => *self.proto(*of)?.children.get(*child as usize)?,
        };
        self.record(key, Made::Proto(fp));
        Some(fp)
    }

    /// Makes the links left by the objects made so far (and by those they make).
    fn drain(&self) {
        loop {
            let Some(link) = self.links.borrow_mut().pop() else {
                return;
            };
            match link {
                Link::TableMeta(t, m) => {
                    let meta = self.table(m);
                    t.set_metatable(self.mc, meta);
                }
                Link::UserdataMeta(u, m) => {
                    let meta = self.table(m);
                    u.0.borrow_mut(self.mc).meta = meta;
                }
                Link::Closed(cell, v) => {
                    let v = self.value(v);
                    cell.set(self.mc, UpState::Closed(v));
                }
            }
        }
    }

    /// The object as the restorer's builder sees it (for threads and roots).
    fn built(&self, i: u32) -> Option<Built<'gc>> {
        Some(match self.obj(i, 0)? {
            Made::Value(v) => match v {
                Value::Str(s) => Built::Str(s),
                Value::Table(t) => Built::Table(t),
                Value::Function(c) => Built::Closure(c),
                Value::Native(n) => Built::Native(n),
                Value::LightNative(l) => Built::Light(l),
                Value::Thread(t) => Built::Thread(t),
                Value::Userdata(u) => Built::Userdata(u),
                _ => return None,
            },
            Made::Upvalue(u) => Built::Upvalue(u),
            Made::Proto(_) => return None,
        })
    }
}

impl LazySource for LazyImage {
    fn table_get<'gc>(
        &self,
        mc: &Mutation<'gc>,
        fork: Gc<'gc, Fork<'gc>>,
        obj: u32,
        key: Value<'gc>,
    ) -> Option<Value<'gc>> {
        let Some(Obj::Table {
            array,
            entries,
            limit,
            ..
        }) = self.decoded.objs.get(obj as usize)
        else {
            return Some(Value::Nil);
        };
        let key = normalize_key(key);
        let found = match key {
            Value::Nil => return Some(Value::Nil),
            // A key above the length hint moves it (see `table_parts::Sizes`): read from
            // the table's copy, which keeps the hint.
            Value::Int(i) if i >= 1 && (i as u64) <= array.len() as u64 && (i as u64) > *limit => {
                return None
            }
            Value::Int(i) if i >= 1 && (i as u64) <= array.len() as u64 => {
                array.get(i as usize - 1).copied()
            }
            _ => {
                let pos = match self.keys.get(&obj) {
                    Some(Keys::Objects) => return None,
                    Some(Keys::Hashed(index)) => {
                        let h = key_hash_with(self.tail.hash_key, key);
                        index
                            .find(h, |&p| {
                                entries
                                    .get(p as usize)
                                    .is_some_and(|e| self.key_is(e.0, key))
                            })
                            .map(|&p| p as usize)
                    }
                    None => entries.iter().position(|e| self.key_is(e.0, key)),
                };
                pos.and_then(|p| entries.get(p)).map(|e| e.1)
            }
        };
        let Some(v) = found else {
            return Some(Value::Nil);
        };
        // A scalar, or an object the fork has made already (a global function read on every
        // call): no maker needed, which costs more than the lookup itself.
        match v {
            RVal::Obj(i) => {
                // A light native (a global function: `print`, a host function) is a plain
                // value, equal to any other made from the same definition: it needs neither
                // a maker nor the fork's index of made objects.
                if let Some(Obj::Light(def)) = self.decoded.objs.get(i as usize) {
                    return Some(Value::LightNative(LightNative(def)));
                }
                if let Some(Made::Value(made)) = fork.get(MadeKey::Object(i)) {
                    return Some(made);
                }
            }
            RVal::Nil => return Some(Value::Nil),
            RVal::False => return Some(Value::False),
            RVal::True => return Some(Value::True),
            RVal::Int(i) => return Some(Value::Int(i)),
            RVal::Float(b) => return Some(Value::Float(F64(b))),
            RVal::Light(p) => return Some(Value::LightUserdata(p)),
        }
        Some(with_maker(self, mc, fork, |m| m.value(v)))
    }

    fn table_str_key<'gc>(
        &self,
        mc: &Mutation<'gc>,
        fork: Gc<'gc, Fork<'gc>>,
        obj: u32,
        bytes: &[u8],
    ) -> Option<Option<LuaStr<'gc>>> {
        let Some(Obj::Table { entries, .. }) = self.decoded.objs.get(obj as usize) else {
            return Some(None);
        };
        let is_key = |e: &(RVal, RVal)| {
            e.1 != RVal::Nil
                && matches!(e.0, RVal::Obj(o) if self.str_bytes(o).is_some_and(|(b, _)| b == bytes))
        };
        let pos = match self.keys.get(&obj) {
            Some(Keys::Objects) => return None,
            Some(Keys::Hashed(index)) => {
                let h = hash_bytes(self.tail.hash_key, bytes).max(1);
                index
                    .find(h, |&p| entries.get(p as usize).is_some_and(is_key))
                    .map(|&p| p as usize)
            }
            None => entries.iter().position(is_key),
        };
        let Some(&(k, _)) = pos.and_then(|p| entries.get(p)) else {
            return Some(None);
        };
        if let RVal::Obj(i) = k {
            if let Some(Made::Value(Value::Str(made))) = fork.get(MadeKey::Object(i)) {
                return Some(Some(made));
            }
        }
        match with_maker(self, mc, fork, |m| m.value(k)) {
            Value::Str(s) => Some(Some(s)),
            _ => Some(None),
        }
    }

    fn table_fill<'gc>(
        &self,
        mc: &Mutation<'gc>,
        fork: Gc<'gc, Fork<'gc>>,
        obj: u32,
        table: Table<'gc>,
    ) {
        let Some(Obj::Table {
            array,
            entries,
            hash_cap,
            limit,
            ..
        }) = self.decoded.objs.get(obj as usize)
        else {
            table.fill_parts(mc, Vec::new(), Vec::new(), 0, 0);
            return;
        };
        with_maker(self, mc, fork, |m| {
            let arr: Vec<Value<'gc>> = array.iter().map(|v| m.value(*v)).collect();
            let mut ents = Vec::with_capacity(entries.len());
            for (k, v) in entries.iter() {
                ents.push((m.value(*k), m.value(*v)));
            }
            // (Checked when the image was made: a full build accepted the same parts.)
            table.fill_parts(mc, arr, ents, *hash_cap, *limit);
        });
    }

    fn materialize_all<'gc>(&self, mc: &Mutation<'gc>, fork: Gc<'gc, Fork<'gc>>) {
        fork.densify(self.decoded.objs.len());
        with_maker(self, mc, fork, |m| {
            for i in 0..self.decoded.plan.roots.len() {
                m.proto(i as u32);
            }
            for i in 0..self.decoded.objs.len() {
                m.obj(i as u32, 0);
                m.drain();
            }
        });
        for i in 0..self.decoded.objs.len() {
            if let Some(Made::Value(Value::Table(t))) = fork.get(MadeKey::Object(i as u32)) {
                // Reading the contents fills the table (the makers count nothing).
                let _ = t.data(mc);
            }
        }
    }
}

/// A key of `LazyImage::links` borrowed (a lookup with the owned key allocated its path on
/// every constant of every function a fork makes). Hashes as the owned tuple does: each field
/// in order, the path as a slice.
#[derive(Hash)]
struct LinkKey<'a>(u32, &'a [u32], u32);

impl hashbrown::Equivalent<(u32, Box<[u32]>, u32)> for LinkKey<'_> {
    fn equivalent(&self, key: &(u32, Box<[u32]>, u32)) -> bool {
        self.0 == key.0 && *self.1 == *key.1 && self.2 == key.2
    }
}

/// Runs `f` with a maker, makes the links it left, and counts nothing it allocated (the
/// fork's count already includes every object of the image).
fn with_maker<'gc, R>(
    img: &LazyImage,
    mc: &Mutation<'gc>,
    fork: Gc<'gc, Fork<'gc>>,
    f: impl FnOnce(&Maker<'_, 'gc>) -> R,
) -> R {
    crate::vm::memory::uncounted(|| {
        let m = Maker::new(img, mc, fork);
        let r = f(&m);
        m.drain();
        r
    })
}

/// Builds the root of a lazy fork of `img`: its threads and roots; everything else is made
/// when the fork reaches it.
///
/// # Errors
/// Only if the image is inconsistent (it was checked by a full build when it was made).
pub fn fork<'gc>(
    mc: &'gc Mutation<'gc>,
    img: &Arc<LazyImage>,
    host: Host,
) -> Result<State<'gc>, SnapshotError> {
    let source: Arc<dyn LazySource + Send + Sync> = img.clone();
    let fork = Fork::new(mc, source);
    crate::vm::memory::uncounted(|| {
        let m = Maker::new(img, mc, fork);
        // Threads first: stacks, frames and open upvalues refer to them.
        for &i in &img.threads {
            let t = Thread::for_restore(mc);
            Fork::record(fork, mc, MadeKey::Object(i), Made::Value(Value::Thread(t)));
        }
        let resolve = |i: u32| m.built(i);
        let b = Builder {
            mc,
            bytes: &img.body,
            built: Vec::new(),
            offsets: std::borrow::Cow::Borrowed(&img.offsets),
            lazy: Some(&resolve),
        };
        for &i in &img.threads {
            build_thread(&b, i as usize, &[])?;
        }
        let mut state = finish_with(&b, &img.tail, Vec::new(), host, false)?;
        m.drain();
        state.fork = Some(fork);
        Ok(state)
    })
}

#[cfg(test)]
mod tests {
    use crate::api::{HostValue, Image, StepResult, Vm};
    use crate::vm::state::Ctx;
    use crate::vm::table::Table;
    use crate::vm::value::Value;

    fn run(vm: &mut Vm, src: &str) -> Vec<HostValue> {
        vm.load(src.as_bytes(), "=t").unwrap();
        match vm.step(1_000_000) {
            StepResult::Finished(v) => v,
            other => panic!("{other:?}"),
        }
    }

    /// A VM that ran `src`, as a lazy fork of its image and as an eager restore of it (and
    /// the image).
    fn fork_and_eager(src: &str) -> (Vm, Vm, Image) {
        let mut base = Vm::new();
        run(&mut base, src);
        let image = base.image().unwrap();
        let fork = image.fork().unwrap();
        let eager = Vm::restore(&image.to_bytes().unwrap()).unwrap();
        (fork, eager, image)
    }

    fn global<'gc>(ctx: Ctx<'gc>, name: &str) -> Table<'gc> {
        match ctx.state.globals.get(ctx.mc, ctx.str_value(name)) {
            Value::Table(t) => t,
            _ => panic!("{name} is not a table"),
        }
    }

    /// A fork makes a metamethod name when it first needs it (25 strings per fork
    /// otherwise), and behaves, counts and saves exactly as an eager restore, before and
    /// after its completion moves the names into its state.
    #[test]
    fn forks_make_metamethod_names_when_first_needed() {
        use crate::vm::state::Tm;
        let (mut fork, mut eager, image) =
            fork_and_eager("mt = {} function mk(x) return setmetatable({x = x}, mt) end");
        let missing =
            |vm: &Vm, tm: Tm| vm.with_ctx(|ctx| ctx.state.tm_names[tm as usize].is_none());
        assert!(missing(&fork, Tm::Add) && missing(&fork, Tm::Index));
        assert!(!missing(&eager, Tm::Add));
        let src = "mt.__add = function(a, b) return a.x + b.x end
                   mt.__index = function(t, k) return k end
                   local a, b = mk(1), mk(2)
                   return a + b, a.zzz, #tostring(a), collectgarbage('count')";
        let r = run(&mut eager, src);
        assert_eq!(run(&mut fork, src), r);
        // Made once, kept by the fork: the same string on every use.
        assert!(missing(&fork, Tm::Add));
        fork.with_ctx(|ctx| {
            let f = ctx.state.fork.unwrap();
            assert!(f.tm_made(Tm::Add as usize).is_some());
            assert!(f.tm_made(Tm::Call as usize).is_none());
            let (x, y) = (ctx.tm(Tm::Add), ctx.tm(Tm::Add));
            assert!(gc_arena::Gc::ptr_eq(x.0, y.0));
        });
        assert!(fork.save().unwrap() == eager.save().unwrap());
        // Completing the fork (a collection) moves the names into its state. (Counts are
        // compared after full collections: automatic ones may come at other points.)
        fork.collect();
        eager.collect();
        assert_eq!(fork.memory_used(), eager.memory_used());
        assert!(!missing(&fork, Tm::Add) && !missing(&fork, Tm::Call));
        assert_eq!(run(&mut fork, src), run(&mut eager, src));
        fork.collect();
        eager.collect();
        assert_eq!(fork.memory_used(), eager.memory_used());
        assert!(fork.save().unwrap() == eager.save().unwrap());
        // A table keyed by the very name string a fork made is saved with the link, as an
        // eager restore's is.
        let keyed = |vm: &Vm| {
            vm.with_ctx(|ctx| {
                let t = ctx.new_table();
                ctx.store_always(t, Value::Str(ctx.tm(Tm::Call)), Value::Int(1));
                ctx.store_always(ctx.state.globals, ctx.str_value("keyed"), Value::Table(t));
            })
        };
        let (mut fork, mut eager) = (
            image.fork().unwrap(),
            Vm::restore(&image.to_bytes().unwrap()).unwrap(),
        );
        assert_eq!(fork.memory_used(), eager.memory_used());
        keyed(&fork);
        keyed(&eager);
        let bytes = fork.save().unwrap();
        assert!(bytes == eager.save().unwrap());
        fork.collect();
        eager.collect();
        assert_eq!(fork.memory_used(), eager.memory_used());
        assert!(fork.save().unwrap() == eager.save().unwrap());
        let back = Vm::restore(&bytes).unwrap();
        assert_eq!(back.save().unwrap(), bytes);
    }

    /// A global light native read through the image is the very function an eager restore
    /// has (equal, usable as a key, the same after a save), though the fork never records it.
    #[test]
    fn forks_read_global_light_natives_from_the_image() {
        let (mut fork, mut eager, _) = fork_and_eager("keys = {[print] = 'p'} f = print");
        let src = "return print == f, rawequal(print, f), keys[print], type(print), tostring(print) == tostring(f)";
        let r = run(&mut eager, src);
        assert_eq!(run(&mut fork, src), r);
        assert_eq!(
            r,
            vec![
                HostValue::Bool(true),
                HostValue::Bool(true),
                HostValue::Str(b"p".to_vec()),
                HostValue::Str(b"function".to_vec()),
                HostValue::Bool(true)
            ]
        );
        assert!(fork.with_ctx(|ctx| ctx.state.globals.is_pending()));
        assert!(fork.save().unwrap() == eager.save().unwrap());
    }

    /// A fork keeps its first made objects inline and indexes them once there are more
    /// (and by a dense array while it is completed): lookups across both switches find the
    /// very objects made before them, so identity, results and the saved bytes are those of
    /// an eager restore.
    #[test]
    fn forks_find_their_made_objects_across_the_index_switches() {
        let src = "ts = {} for i = 1, 40 do ts[i] = {i = i, s = 'k' .. i} end
                   fs = {} for i = 1, 12 do fs[i] = function() return ts[i] end end
                   names = {} for i = 1, 20 do names['n' .. i] = ts[i] end";
        let (mut fork, mut eager, image) = fork_and_eager(src);
        // Read one at a time, so the fork makes objects past the inline ones, and read
        // again, so its lookups go through the index; functions share their upvalue cell.
        let reads = "local out = {}
                     for i = 1, 12 do out[#out + 1] = fs[i]().s end
                     for i = 1, 12 do out[#out + 1] = tostring(fs[i]() == ts[i]) end
                     for i = 1, 20 do out[#out + 1] = tostring(names['n' .. i] == ts[i]) end
                     return table.concat(out, ',')";
        let r = run(&mut eager, reads);
        assert_eq!(run(&mut fork, reads), r);
        assert_eq!(run(&mut fork, reads), run(&mut eager, reads));
        // Completing (a save) goes through the dense array: same bytes, and the fork runs on.
        assert!(fork.save().unwrap() == eager.save().unwrap());
        let write = "ts[3].i = 33 return fs[3]().i, names.n3.i";
        assert_eq!(run(&mut fork, write), run(&mut eager, write));
        assert!(fork.save().unwrap() == eager.save().unwrap());
        // Another fork of the image is untouched by the first one's writes.
        let mut other = image.fork().unwrap();
        assert_eq!(
            run(&mut other, "return ts[3].i, fs[3]().i"),
            vec![HostValue::Int(3), HostValue::Int(3)]
        );
    }

    #[test]
    fn forks_copy_a_table_only_when_it_is_written_or_iterated() {
        let mut base = Vm::new();
        run(
            &mut base,
            "t = {1, 2, 3, x = 'a'} u = {} w = {} function f() return t.x end",
        );
        let image = base.image().unwrap();
        let mut fork = image.fork().unwrap();
        assert!(fork.with_ctx(|ctx| ctx.state.globals.is_pending()));
        // Reads go through the image: nothing is copied.
        let r = run(&mut fork, "return f() .. t[2] .. #'x'");
        assert_eq!(r, vec![HostValue::Str(b"a21".to_vec())]);
        fork.with_ctx(|ctx| {
            assert!(ctx.state.globals.is_pending());
            assert!(global(ctx, "t").is_pending());
            assert!(global(ctx, "u").is_pending());
        });
        // A write copies that table only; iterating copies too.
        run(&mut fork, "u.k = 1 for _ in pairs(w) do end");
        fork.with_ctx(|ctx| {
            assert!(ctx.state.globals.is_pending());
            assert!(!global(ctx, "u").is_pending());
            assert!(!global(ctx, "w").is_pending());
            assert!(global(ctx, "t").is_pending());
        });
        run(&mut fork, "x = 1");
        assert!(!fork.with_ctx(|ctx| ctx.state.globals.is_pending()));
        // Another fork still sees the image.
        let mut other = image.fork().unwrap();
        let r = run(&mut other, "return u.k, x");
        assert_eq!(r, vec![HostValue::Nil, HostValue::Nil]);
        // Saving completes a fork first, so it saves what an eager restore would.
        let eager = Vm::restore(&image.to_bytes().unwrap()).unwrap();
        assert_eq!(other.save().unwrap(), {
            let mut e = eager;
            run(&mut e, "return u.k, x");
            e.save().unwrap()
        });
    }

    /// Reads of a pending table's string keys are remembered (an agent reads the same
    /// globals every turn) and do not count towards copying the table; a write copies it
    /// and forgets them, and keys that are other strings with the same bytes, or not
    /// strings, read the same values.
    #[test]
    fn forks_remember_the_keys_read_through_the_image_until_a_write() {
        let (mut fork, mut eager, _) = fork_and_eager("g = {} n = 7 t = {x = 1, [2] = 'two'}");
        let reads = "local k = ('n'):rep(1) local s = 0
                     for i = 1, 5 do s = s + n + _G[k] + t.x + #t[2] end
                     return s, g == _G['g'], rawget(_G, 'nope'), nope";
        let r = run(&mut eager, reads);
        assert_eq!(run(&mut fork, reads), r);
        assert!(fork.with_ctx(|ctx| ctx.state.globals.is_pending()));
        // Remembered keys are not reads through the image: no copy however often.
        let many = "local s = 0 for i = 1, 3000 do s = s + n end return s";
        let r = run(&mut eager, many);
        assert_eq!(run(&mut fork, many), r);
        assert!(fork.with_ctx(|ctx| ctx.state.globals.is_pending()));
        let writes = "n = 8 t.x = 2 nope = 1 return n + t.x + nope, g == _G['g']";
        let r = run(&mut eager, writes);
        assert_eq!(run(&mut fork, writes), r);
        assert!(!fork.with_ctx(|ctx| ctx.state.globals.is_pending()));
        let r = run(&mut eager, reads);
        assert_eq!(run(&mut fork, reads), r);
        assert!(fork.save().unwrap() == eager.save().unwrap());
    }
}
