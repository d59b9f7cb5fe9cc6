//! Decoded images: what [`crate::api::Image::fork`] builds a VM from.
//!
//! # Design
//! An image is a snapshot body this process wrote. Forks make its objects lazily (see
//! `snapshot::lazy`); [`build`] makes them all at once, which an image does once when it is
//! made (to check it and to learn its memory count). Both only allocate and link objects, so
//! the image keeps its body decoded once ([`decode`]): every object as a
//! plain record (values as [`RVal`]s, natives resolved to their definitions, strings with their
//! hash already computed, table parts with their sizes), the native closures in dependency
//! order, and a plan for instantiating the functions closures refer to (which instances are
//! fresh and which are nested in another one, found once instead of with a map per fork).
//! [`build`] then makes a VM from it in passes like `restore::build`, with the same checks on
//! whatever it links (kinds of referenced objects, table keys, frames), so an inconsistent image
//! is an `Err`, never a panic. Coroutines are rare in images and complex: they are built from
//! the body's bytes by the restorer's own code.

use std::cell::Cell;
use std::ops::Range;
use std::sync::Arc;

use gc_arena::{lock::Lock, Gc, Mutation};

use super::format::*;
use super::mpack::{RVal, Reader};
use super::restore::{
    build_thread, finish, instantiate_planned, plan_protos, proto_at, Builder, Built, ProtoPlans,
    SavedProto, Tail,
};
use super::{Registry, SnapshotError};
use crate::vm::chunk::Chunk;
use crate::vm::closure::{
    Closure, ClosureData, LightNative, NativeClosure, NativeData, UpCell, UpState, UpvalueExt,
};
use crate::vm::native::NativeDef;
use crate::vm::state::{Host, State};
use crate::vm::string::{creation_hash, LuaStr};
use crate::vm::table::Table;
use crate::vm::thread::Thread;
use crate::vm::value::Value;

fn bad(msg: impl Into<String>) -> SnapshotError {
    SnapshotError::Invalid(msg.into())
}

/// One decoded object.
pub(super) enum Obj {
    Str {
        hash: u64,
        id: u64,
        bytes: Range<usize>,
    },
    Table {
        id: u64,
        meta: Option<u32>,
        hash_cap: usize,
        /// The length hint (`TableData::length_limit`).
        limit: u64,
        array: Box<[RVal]>,
        entries: Box<[(RVal, RVal)]>,
    },
    Closure {
        id: u64,
        proto: u32,
        upvalues: Box<[u32]>,
    },
    Native {
        id: u64,
        def: &'static NativeDef,
        upvalues: Box<[RVal]>,
    },
    Light(&'static NativeDef),
    Upvalue {
        /// `Some((thread, slot))` while open.
        open: Option<(u32, u32)>,
        closed: RVal,
        id: u64,
    },
    Thread,
    Userdata {
        id: u64,
        name: &'static str,
        /// The codec of a host userdata type (`None`: library bytes).
        codec: Option<Arc<super::UserdataCodec>>,
        payload: Range<usize>,
        meta: Option<u32>,
    },
}

/// A snapshot body decoded for building many VMs from it.
pub struct Decoded {
    pub(super) objs: Vec<Obj>,
    /// Native closures, each after the native closures among its bound values.
    natives: Vec<u32>,
    /// Function instances to make.
    pub(super) plan: ProtoPlans,
    /// String constants that are saved objects: (root function, path, constant) → string
    /// object (checked to hold the constant's bytes; see [`ProtoPlans::roots`]).
    pub(super) links: Vec<((u32, Box<[u32]>, u32), u32)>,
}

fn vals(r: &mut Reader<'_>) -> Result<Box<[RVal]>, SnapshotError> {
    let n = r.array_len()?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(r.val()?);
    }
    Ok(out.into_boxed_slice())
}

/// Decodes a body (`bytes`, with `tail` from `parse` and `offsets` from `object_offsets`;
/// `chunks` its compiled chunks).
pub fn decode(
    bytes: &[u8],
    tail: &Tail,
    offsets: &[usize],
    chunks: &[Arc<Chunk>],
    registry: &Registry,
) -> Result<Decoded, SnapshotError> {
    let native_def = |name: &[u8]| {
        registry.native_bytes(name).ok_or_else(|| {
            SnapshotError::UnregisteredNative(String::from_utf8_lossy(name).into_owned())
        })
    };
    let range = |r: &Reader<'_>, s: &[u8]| r.pos() - s.len()..r.pos();
    let mut objs = Vec::with_capacity(offsets.len());
    let mut natives = Vec::new();
    for (i, &pos) in offsets.iter().enumerate() {
        let mut r = Reader::new(bytes, pos);
        if let Some(0xc4..=0xc6) = r.peek() {
            let s = r.bin()?;
            objs.push(Obj::Str {
                hash: creation_hash(tail.hash_key, s),
                id: 0,
                bytes: range(&r, s),
            });
            continue;
        }
        let len = r.array_len()?;
        let tag = r.u64()?;
        objs.push(match (tag, len) {
            (TAG_TABLE, 8) => {
                let id = r.u64()?;
                let meta = r.opt_index()?;
                let hash_cap = usize::try_from(r.u64()?).map_err(|_| bad("table capacity"))?;
                let limit = r.u64()?;
                let contents = r.u64()?;
                let start = r.pos();
                let array = vals(&mut r)?;
                let e = r.array_len()?;
                if e % 2 != 0 {
                    return Err(bad(format!("table {i}: odd entry list")));
                }
                let mut entries = Vec::with_capacity(e / 2);
                for _ in 0..e / 2 {
                    entries.push((r.val()?, r.val()?));
                }
                if (r.pos() - start) as u64 != contents {
                    return Err(bad(format!("table {i}: wrong content length")));
                }
                Obj::Table {
                    id,
                    meta,
                    hash_cap,
                    limit,
                    array,
                    entries: entries.into_boxed_slice(),
                }
            }
            (TAG_CLOSURE, 4) => {
                let id = r.u64()?;
                let proto = r.u32()?;
                let n = r.array_len()?;
                let mut ups = Vec::with_capacity(n);
                for _ in 0..n {
                    ups.push(r.index()?);
                }
                Obj::Closure {
                    id,
                    proto,
                    upvalues: ups.into_boxed_slice(),
                }
            }
            (TAG_NATIVE, 4) => {
                let id = r.u64()?;
                let def = native_def(r.str()?)?;
                natives.push(i as u32);
                Obj::Native {
                    id,
                    def,
                    upvalues: vals(&mut r)?,
                }
            }
            (TAG_LIGHT_NATIVE, 2) => Obj::Light(native_def(r.str()?)?),
            (TAG_UPVALUE_OPEN, 3 | 4) => {
                let thread = r.index()?;
                let slot = r.u32()?;
                let id = if len == 4 { r.u64()? } else { 0 };
                Obj::Upvalue {
                    open: Some((thread, slot)),
                    closed: RVal::Nil,
                    id,
                }
            }
            (TAG_UPVALUE_CLOSED, 2 | 3) => {
                let closed = r.val()?;
                let id = if len == 3 { r.u64()? } else { 0 };
                Obj::Upvalue {
                    open: None,
                    closed,
                    id,
                }
            }
            (TAG_THREAD, 12 | 13) => Obj::Thread,
            (TAG_USERDATA, 5) => {
                let id = r.u64()?;
                let type_name = r.text()?;
                let Some(name) = registry.userdata_name(type_name) else {
                    return Err(SnapshotError::UnregisteredUserdata(type_name.to_string()));
                };
                let payload = r.bin()?;
                let payload = range(&r, payload);
                Obj::Userdata {
                    id,
                    name,
                    codec: registry.userdata_codec(name).cloned(),
                    payload,
                    meta: r.opt_index()?,
                }
            }
            (TAG_STR_WITH_ID, 3) => {
                let id = r.u64()?;
                let s = r.bin()?;
                Obj::Str {
                    hash: creation_hash(tail.hash_key, s),
                    id,
                    bytes: range(&r, s),
                }
            }
            _ => return Err(bad(format!("object {i}: unknown kind {tag}"))),
        });
    }
    let natives = order_natives(&objs, natives)?;
    let plan = plan_protos(chunks, &tail.protos)?;
    let links = constant_links(bytes, &objs, chunks, &tail.protos, &plan.roots)?;
    Ok(Decoded {
        objs,
        natives,
        plan,
        links,
    })
}

/// Checks the functions' links to saved strings (see `restore::instantiate_protos`).
#[allow(clippy::type_complexity)]
fn constant_links(
    bytes: &[u8],
    objs: &[Obj],
    chunks: &[Arc<Chunk>],
    protos: &[SavedProto],
    roots: &[u32],
) -> Result<Vec<((u32, Box<[u32]>, u32), u32)>, SnapshotError> {
    use crate::compiler::Constant;
    let mut out = Vec::new();
    for (i, sp) in protos.iter().enumerate() {
        if sp.links.is_empty() {
            continue;
        }
        let proto = chunks
            .get(sp.chunk as usize)
            .and_then(|c| proto_at(c, &sp.path))
            .ok_or_else(|| bad("path"))?;
        let root = *roots.get(i).ok_or_else(|| bad("function plan"))?;
        for &(k, obj) in &sp.links {
            let s = match objs.get(obj as usize) {
                Some(Obj::Str { bytes: r, .. }) => bytes.get(r.clone()),
                _ => None,
            };
            match (proto.constants.get(k as usize), s) {
                (Some(Constant::Str(want)), Some(s)) if want[..] == *s => {}
                _ => return Err(bad(format!("function {i}: bad constant link {k}"))),
            }
            out.push(((root, sp.path.as_slice().into(), k), obj));
        }
    }
    Ok(out)
}

/// Orders native closures so each comes after the native closures among its bound values.
fn order_natives(objs: &[Obj], natives: Vec<u32>) -> Result<Vec<u32>, SnapshotError> {
    // 0 new, 1 in progress, 2 done (indexed like `objs`).
    let mut state = vec![0u8; objs.len()];
    let mut out = Vec::with_capacity(natives.len());
    let mut stack = Vec::new();
    for &start in &natives {
        stack.push((start, false));
        while let Some((j, expanded)) = stack.pop() {
            let ju = j as usize;
            if state.get(ju) == Some(&2) {
                continue;
            }
            let Some(Obj::Native { upvalues, .. }) = objs.get(ju) else {
                continue;
            };
            if expanded {
                state[ju] = 2;
                out.push(j);
                continue;
            }
            if state[ju] == 1 {
                return Err(bad(format!("native {j}: cyclic bound values")));
            }
            state[ju] = 1;
            stack.push((j, true));
            for v in upvalues.iter() {
                if let RVal::Obj(o) = *v {
                    if let Some(Obj::Native { .. }) = objs.get(o as usize) {
                        match state[o as usize] {
                            1 => return Err(bad(format!("native {j}: cyclic bound values"))),
                            0 => stack.push((o, false)),
                            _ => {}
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Builds a VM root from a decoded image (`bytes`, `tail`, `offsets`, `chunks` as given to
/// [`decode`]).
pub fn build<'gc>(
    mc: &'gc Mutation<'gc>,
    d: &Decoded,
    bytes: &[u8],
    offsets: &[usize],
    tail: &Tail,
    chunks: &[Arc<Chunk>],
    host: Host,
) -> Result<State<'gc>, SnapshotError> {
    let hash_key = tail.hash_key;

    // Pass 1: strings, shells, upvalue cells, light natives.
    let mut built = Vec::with_capacity(d.objs.len());
    for o in &d.objs {
        built.push(match o {
            Obj::Str { hash, id, bytes: r } => {
                let s = LuaStr::with_hash(mc, *hash, bytes.get(r.clone()).unwrap_or(&[]));
                if *id != 0 {
                    s.id().set(*id);
                }
                Built::Str(s)
            }
            Obj::Table { .. } => Built::Table(Table::new(mc, hash_key)),
            Obj::Upvalue { .. } => Built::Upvalue(UpCell::new(mc, UpState::Closed(Value::Nil))),
            Obj::Thread => Built::Thread(Thread::for_restore(mc)),
            Obj::Light(def) => Built::Light(LightNative(def)),
            Obj::Userdata {
                id,
                name,
                codec,
                payload,
                ..
            } => Built::Userdata(super::restored_userdata(
                mc,
                codec.as_ref(),
                name,
                bytes.get(payload.clone()).unwrap_or(&[]),
                *id,
            )?),
            Obj::Closure { .. } => Built::Pending,
            Obj::Native { .. } => Built::NativePending,
        });
    }
    let mut b = Builder {
        mc,
        bytes,
        built,
        offsets: std::borrow::Cow::Borrowed(offsets),
        lazy: None,
    };

    // Function instances (after the strings: constants may be saved strings).
    let mut linked: hashbrown::HashMap<(u32, &[u32], u32), LuaStr<'gc>> =
        hashbrown::HashMap::with_capacity(d.links.len());
    for ((root, path, k), obj) in &d.links {
        match b.built.get(*obj as usize) {
            Some(Built::Str(st)) => linked.insert((*root, path, *k), *st),
            _ => return Err(bad("constant link")),
        };
    }
    let fps = instantiate_planned(mc, hash_key, chunks, &d.plan, &|root, path, k| {
        linked.get(&(root, path, k)).copied()
    })?;

    // Pass 2: Lua closures, then native closures (dependencies first).
    for (i, o) in d.objs.iter().enumerate() {
        let Obj::Closure {
            id,
            proto,
            upvalues,
        } = o
        else {
            continue;
        };
        let fp = fps
            .get(*proto as usize)
            .copied()
            .ok_or_else(|| bad(format!("closure {i}: function {proto} out of range")))?;
        if upvalues.len() != fp.proto.upvalues.len() {
            return Err(bad(format!("closure {i}: wrong number of upvalues")));
        }
        let mut ups = Vec::with_capacity(upvalues.len());
        for &j in upvalues.iter() {
            ups.push(Lock::new(b.upvalue(j)?));
        }
        let ups = ups.into_boxed_slice();
        b.built[i] = Built::Closure(Closure(Gc::new(
            mc,
            ClosureData {
                proto: fp,
                charge: ClosureData::charge(ups.len()),
                upvalues: ups,
                id: Cell::new(*id),
            },
        )));
    }
    for &j in &d.natives {
        let Some(Obj::Native { id, def, upvalues }) = d.objs.get(j as usize) else {
            return Err(bad("native order"));
        };
        let mut ups = Vec::with_capacity(upvalues.len());
        for v in upvalues.iter() {
            ups.push(b.value(*v)?);
        }
        let ups = ups.into_boxed_slice();
        b.built[j as usize] = Built::Native(NativeClosure(Gc::new(
            mc,
            NativeData {
                def,
                charge: NativeData::charge(ups.len()),
                upvalues: ups,
                id: Cell::new(*id),
            },
        )));
    }

    // Pass 3: contents of tables, upvalues and userdata; then threads.
    let mut threads = Vec::new();
    let mut open_ups = Vec::new();
    for (i, o) in d.objs.iter().enumerate() {
        match o {
            Obj::Table {
                id,
                meta,
                hash_cap,
                limit,
                array,
                entries,
            } => {
                let t = b.table(i as u32)?;
                let meta = b.opt_table(*meta)?;
                // (Sized exactly: collecting through `Result` would grow them by doubling.)
                let mut arr = Vec::with_capacity(array.len());
                for v in array.iter() {
                    arr.push(b.value(*v)?);
                }
                let mut ents = Vec::with_capacity(entries.len());
                for (k, v) in entries.iter() {
                    ents.push((b.value(*k)?, b.value(*v)?));
                }
                if !t
                    .data_mut(mc)
                    .restore_parts(arr, ents, *hash_cap, *limit, meta, *id)
                {
                    return Err(bad(format!("table {i}: inconsistent keys or capacity")));
                }
            }
            Obj::Upvalue { open, closed, id } => {
                let cell = b.upvalue(i as u32)?;
                let state = match open {
                    Some((thread, slot)) => {
                        open_ups.push((i, *thread, *slot));
                        UpState::Open {
                            thread: b.thread(*thread)?,
                            slot: *slot,
                        }
                    }
                    None => UpState::Closed(b.value(*closed)?),
                };
                cell.set(mc, state);
                if *id != 0 {
                    cell.id.set(*id);
                }
            }
            Obj::Userdata { meta, .. } => {
                if let Built::Userdata(u) = b.built[i] {
                    u.0.borrow_mut(mc).meta = b.opt_table(*meta)?;
                }
            }
            Obj::Thread => threads.push(i),
            _ => {}
        }
    }
    for &i in &threads {
        build_thread(&b, i, &[])?;
    }
    finish(&b, tail, open_ups, host)
}
