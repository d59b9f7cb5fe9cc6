//! Functions: Lua closures over a per-VM instance of a `Proto`, native closures, upvalues.

use std::sync::Arc;

use gc_arena::{lock::Lock, Collect, Gc, Mutation};

use super::chunk::Chunk;
use super::native::NativeDef;
use super::thread::Thread;
use super::value::Value;
use crate::compiler::Proto;

/// A `Proto` instantiated in one VM: the shared immutable code plus its constants as heap
/// values (created once per chunk load, shared by every closure of that function).
#[derive(Collect)]
#[collect(no_drop)]
pub struct FnProto<'gc> {
    /// The compiled code (shared across VMs and forks).
    #[collect(require_static)]
    pub proto: Arc<Proto>,
    /// The chunk this function belongs to.
    #[collect(require_static)]
    pub chunk: Arc<Chunk>,
    /// `proto.constants` as values.
    pub constants: Box<[Value<'gc>]>,
    /// Instances of `proto.protos`, in the same order.
    pub children: Box<[Gc<'gc, FnProto<'gc>>]>,
    /// For each constant, where it was last found as a string key in a table's hash part: the
    /// interpreter's field and global accesses try that entry first (see
    /// `TableData::get_str_hinted`). A cache: never saved, any value is correct.
    #[collect(require_static)]
    pub key_hints: Box<[std::cell::Cell<u32>]>,
    /// Bytes charged to the VM's memory account: this instance, the compiled code (charged
    /// to every VM that loads it, even when forks share it) and, for a main function, the
    /// chunk's source.
    #[collect(require_static)]
    pub charge: super::memory::Charge,
}

/// Where an upvalue's value lives: still in a thread's stack slot, or captured.
#[derive(Copy, Clone, Collect)]
#[collect(no_drop)]
pub enum UpState<'gc> {
    /// The variable is live in `thread`'s stack at `slot`.
    Open {
        /// The thread whose stack holds the variable.
        thread: Thread<'gc>,
        /// Absolute stack index.
        slot: u32,
    },
    /// The variable's frame has exited; the value lives here.
    Closed(Value<'gc>),
}

/// An upvalue cell's contents: where the value lives, and a deterministic object id.
#[derive(Collect)]
#[collect(no_drop)]
pub struct UpCell<'gc> {
    /// Where the value lives.
    pub state: Lock<UpState<'gc>>,
    /// Deterministic object id, assigned on first use by `debug.upvalueid` (0 = none yet).
    #[collect(require_static)]
    pub id: std::cell::Cell<u64>,
}

impl<'gc> UpCell<'gc> {
    /// A new upvalue cell.
    pub fn new(mc: &Mutation<'gc>, state: UpState<'gc>) -> Upvalue<'gc> {
        Gc::new(
            mc,
            UpCell {
                state: Lock::new(state),
                id: std::cell::Cell::new(0),
            },
        )
    }

    /// Where the value lives now.
    #[inline]
    pub fn get(&self) -> UpState<'gc> {
        self.state.get()
    }
}

/// Writing an upvalue cell (with the write barrier).
pub trait UpvalueExt<'gc> {
    /// Sets where the value lives.
    fn set(self, mc: &Mutation<'gc>, state: UpState<'gc>);
}

impl<'gc> UpvalueExt<'gc> for Upvalue<'gc> {
    #[inline]
    fn set(self, mc: &Mutation<'gc>, state: UpState<'gc>) {
        gc_arena::barrier::unlock!(Gc::write(mc, self), UpCell, state).set(state);
    }
}

/// An upvalue cell, shared by every closure that captured the same variable.
pub type Upvalue<'gc> = Gc<'gc, UpCell<'gc>>;

/// A Lua function value.
#[derive(Copy, Clone, Collect)]
#[collect(no_drop)]
pub struct Closure<'gc>(pub Gc<'gc, ClosureData<'gc>>);

/// A Lua closure's contents.
#[derive(Collect)]
#[collect(no_drop)]
pub struct ClosureData<'gc> {
    /// The function.
    pub proto: Gc<'gc, FnProto<'gc>>,
    /// Captured variables (each in a `Lock` so `debug.upvaluejoin` can rebind one).
    pub upvalues: Box<[Lock<Upvalue<'gc>>]>,
    /// Deterministic object id (0 = not yet assigned).
    #[collect(require_static)]
    pub id: std::cell::Cell<u64>,
    /// Bytes charged to the VM's memory account (see [`ClosureData::charge`]).
    #[collect(require_static)]
    pub charge: super::memory::Charge,
}

impl ClosureData<'_> {
    /// The memory charge of a closure with `nups` upvalues (each counted with an upvalue
    /// object, shared or not).
    pub fn charge(nups: usize) -> super::memory::Charge {
        use super::memory::OBJECT_HEADER;
        let per_upvalue = std::mem::size_of::<Upvalue<'static>>()
            + OBJECT_HEADER
            + std::mem::size_of::<UpCell<'static>>();
        super::memory::Charge::new(
            OBJECT_HEADER + std::mem::size_of::<ClosureData<'static>>() + nups * per_upvalue,
        )
    }
}

impl<'gc> PartialEq for Closure<'gc> {
    fn eq(&self, other: &Self) -> bool {
        Gc::ptr_eq(self.0, other.0)
    }
}

impl<'gc> Closure<'gc> {
    /// A closure of `fp` with fresh upvalues: the first holds `env`, the others nil (what
    /// `load` makes of a main chunk or a binary chunk).
    pub fn fresh(ctx: super::state::Ctx<'gc>, fp: Gc<'gc, FnProto<'gc>>, env: Value<'gc>) -> Self {
        let upvalues: Box<[_]> = (0..fp.proto.upvalues.len())
            .map(|i| {
                let v = if i == 0 { env } else { Value::Nil };
                Lock::new(UpCell::new(ctx.mc, UpState::Closed(v)))
            })
            .collect();
        Closure(Gc::new(
            ctx.mc,
            ClosureData {
                proto: fp,
                charge: ClosureData::charge(upvalues.len()),
                upvalues,
                id: Default::default(),
            },
        ))
    }

    /// The function instance (code and constants).
    #[inline]
    pub fn fn_proto(self) -> Gc<'gc, FnProto<'gc>> {
        Gc::as_ref(self.0).proto
    }

    /// The compiled code.
    #[inline(always)]
    pub fn proto(self) -> &'gc Proto {
        &Gc::as_ref(self.0).proto.proto
    }

    /// Upvalue `i`, if it exists.
    #[inline]
    pub fn upvalue(self, i: usize) -> Option<Upvalue<'gc>> {
        Gc::as_ref(self.0).upvalues.get(i).map(|u| u.get())
    }

    /// Makes upvalue `i` refer to the cell `uv` (`debug.upvaluejoin`); no effect out of range.
    pub fn set_upvalue(self, mc: &Mutation<'gc>, i: usize, uv: Upvalue<'gc>) {
        if i < self.0.upvalues.len() {
            let w = Gc::write(mc, self.0);
            let ups = gc_arena::barrier::field!(w, ClosureData, upvalues).as_deref();
            ups[i].unlock().set(uv);
        }
    }

    /// Builds the upvalue array of a new closure.
    pub fn upvalue_array(ups: Vec<Upvalue<'gc>>) -> Box<[Lock<Upvalue<'gc>>]> {
        ups.into_iter().map(Lock::new).collect()
    }
}

/// A native function value: a registered native plus optional bound values.
#[derive(Copy, Clone, Collect)]
#[collect(no_drop)]
pub struct NativeClosure<'gc>(pub Gc<'gc, NativeData<'gc>>);

/// A native closure's contents.
#[derive(Collect)]
#[collect(no_drop)]
pub struct NativeData<'gc> {
    /// The registered function (saved in snapshots by its name).
    #[collect(require_static)]
    pub def: &'static NativeDef,
    /// Values bound at creation (e.g. the coroutine of a `coroutine.wrap` function).
    pub upvalues: Box<[Value<'gc>]>,
    /// Deterministic object id (0 = not yet assigned).
    #[collect(require_static)]
    pub id: std::cell::Cell<u64>,
    /// Bytes charged to the VM's memory account.
    #[collect(require_static)]
    pub charge: super::memory::Charge,
}

impl NativeData<'_> {
    /// The memory charge of a native closure with `nups` bound values.
    pub fn charge(nups: usize) -> super::memory::Charge {
        super::memory::Charge::new(
            super::memory::OBJECT_HEADER
                + std::mem::size_of::<NativeData<'static>>()
                + nups * super::memory::VALUE_BYTES,
        )
    }
}

impl<'gc> PartialEq for NativeClosure<'gc> {
    fn eq(&self, other: &Self) -> bool {
        Gc::ptr_eq(self.0, other.0)
    }
}

impl<'gc> NativeClosure<'gc> {
    /// Wraps a registered native with bound values.
    pub fn new(mc: &Mutation<'gc>, def: &'static NativeDef, upvalues: Box<[Value<'gc>]>) -> Self {
        NativeClosure(Gc::new(
            mc,
            NativeData {
                def,
                charge: NativeData::charge(upvalues.len()),
                upvalues,
                id: Default::default(),
            },
        ))
    }
}

/// A native function without bound values: a `Value` holding the registered definition
/// itself, with no heap object (as PUC-Rio Lua's light C functions, `LUA_VLCF`). Two light
/// natives are the same function when they refer to the same `NativeDef`, so a host's
/// definitions must be `static`s (not `const`s, which may be copied).
#[derive(Copy, Clone, Collect)]
#[collect(require_static)]
pub struct LightNative(pub &'static NativeDef);

impl PartialEq for LightNative {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl LightNative {
    /// The deterministic object id `tostring` and `%p` show: derived from the registered
    /// name (bit 53 keeps it apart from counter ids, long constants and short strings), so it
    /// is the same in every VM, run and snapshot round trip.
    pub fn id(self) -> u64 {
        let h = self.0.name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        (h & ((1u64 << 53) - 1)) | (1u64 << 53)
    }
}

/// The native function a native frame runs: light (no bound values) or a closure.
#[derive(Copy, Clone, Collect)]
#[collect(no_drop)]
pub enum NativeRef<'gc> {
    /// A light native.
    Light(LightNative),
    /// A native closure (with bound values).
    Closure(NativeClosure<'gc>),
}

impl<'gc> NativeRef<'gc> {
    /// The function value.
    #[inline]
    pub fn value(self) -> Value<'gc> {
        match self {
            NativeRef::Light(l) => Value::LightNative(l),
            NativeRef::Closure(c) => Value::Native(c),
        }
    }

    /// The native of a function value, if it is one.
    #[inline]
    pub fn of(v: Value<'gc>) -> Option<NativeRef<'gc>> {
        match v {
            Value::LightNative(l) => Some(NativeRef::Light(l)),
            Value::Native(c) => Some(NativeRef::Closure(c)),
            _ => None,
        }
    }

    /// The registered definition.
    #[inline]
    pub fn def(self) -> &'static NativeDef {
        match self {
            NativeRef::Light(l) => l.0,
            NativeRef::Closure(c) => Gc::as_ref(c.0).def,
        }
    }

    /// The bound values (none for a light native).
    #[inline]
    pub fn upvalues(self) -> &'gc [Value<'gc>] {
        match self {
            NativeRef::Light(_) => &[],
            NativeRef::Closure(c) => &Gc::as_ref(c.0).upvalues,
        }
    }
}

/// The instance of the function at `path` below `root` (its nested functions by index).
pub fn fn_proto_at<'gc>(
    root: Gc<'gc, FnProto<'gc>>,
    path: &[u32],
) -> Option<Gc<'gc, FnProto<'gc>>> {
    let mut p = root;
    for &i in path {
        p = *p.children.get(i as usize)?;
    }
    Some(p)
}

/// The standard library tables whose fields a chunk's constants are looked up in when it is
/// instantiated ([`instantiate`]), by their global names.
const LIBRARY_NAMES: [&[u8]; 9] = [
    b"coroutine",
    b"debug",
    b"io",
    b"math",
    b"os",
    b"package",
    b"string",
    b"table",
    b"utf8",
];

/// Instantiates a compiled chunk in a VM: constants become heap values.
///
/// A string constant that names a metamethod is the VM's name string for it (`__index` set
/// in a class table, then looked up by the interpreter with that name, is found by
/// pointer). The names are VM state, and a save keeps that sharing (see `snapshot::save`).
///
/// A short string constant that is a key of the globals table, or of a standard library
/// table there ([`LIBRARY_NAMES`], as they are now), with a value, is that key's string
/// object: `coroutine.resume` then finds both of its keys by pointer at their position
/// hints, as Lua's interned strings are found, instead of comparing hashes and bytes
/// (callgrind, scaled `coroutine`: ~18 machine instructions a lookup). Strings have no
/// identity a script can observe (a short string's `%p` is computed from its bytes), and the
/// memory count differs from a copy's only by the string not made, in every run alike: a
/// save links such a constant to the key it shares, a saved object (or, held by no saved
/// object, it is made again by a restore, one string as before; see `snapshot::save`), and
/// the lookups are bounded (ten raw lookups a constant, no metamethod, no fuel).
pub fn instantiate<'gc>(ctx: super::state::Ctx<'gc>, chunk: &Arc<Chunk>) -> Gc<'gc, FnProto<'gc>> {
    let globals = ctx.state.globals;
    let mut tables = vec![globals];
    for name in LIBRARY_NAMES {
        // (Through the key, a string a lazy fork makes from its image as any read would,
        // so that the fork copies no table here.)
        if let Some(k) = globals.str_key_bytes(ctx.mc, name) {
            if let Value::Table(t) = globals.get(ctx.mc, Value::Str(k)) {
                tables.push(t);
            }
        }
    }
    let named = |s: &[u8]| tables.iter().find_map(|t| t.str_key_bytes(ctx.mc, s));
    instantiate_at(
        ctx.mc,
        ctx.state.hash_key,
        chunk,
        &chunk.main,
        &mut Vec::new(),
        &|path, k| match chunk.proto_at(path)?.constants.get(k)? {
            crate::compiler::Constant::Str(s) if s.starts_with(b"__") => {
                ctx.tm_named(s).or_else(|| named(s))
            }
            crate::compiler::Constant::Str(s) if s.len() <= super::convert::SHORT_STRING_MAX => {
                named(s)
            }
            _ => None,
        },
    )
}

/// The object id of a long string constant: equal contents in one chunk are one string, as
/// in Lua (whose compiler shares them), so `%p` agrees; derived from the chunk id and the
/// bytes (bit 54 keeps it apart from counter ids and short-string ids), so it is the same
/// after a snapshot restores the chunk.
fn long_constant_id(chunk: &super::chunk::ChunkId, bytes: &[u8]) -> u64 {
    let h = chunk
        .iter()
        .chain(bytes.iter())
        .fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    (h & ((1u64 << 54) - 1)) | (1u64 << 54)
}

/// Instantiates `proto` (the function at `path` in `chunk`) and its nested functions
/// (strings made with the VM's `hash_key`). `linked(path, k)` may supply an existing string
/// for string constant `k` of the function at `path` (a snapshot restore keeps the identity
/// of constants that other objects hold).
///
/// Equal string constants of the whole instance tree are one string object (the first one
/// made or linked, in the tree's order: a function's constants, then its nested functions):
/// a field named in one function and read in another (`{x = 1}` built by a constructor,
/// `self.x` read by a method) then has, as the table's key and as the reading function's
/// constant, the very same object, so the interpreter's lookups at a position hint decide
/// by pointer (see `Table::get_field`). The sharing is a function of the tree alone, so a
/// restore, which instantiates trees again, makes the same objects; what a save must keep
/// beyond that (a string shared with a saved object, or between two trees) it keeps as
/// constant links (see `snapshot::save`).
pub fn instantiate_at<'gc>(
    mc: &Mutation<'gc>,
    hash_key: u64,
    chunk: &Arc<Chunk>,
    proto: &Arc<Proto>,
    path: &mut Vec<u32>,
    linked: &dyn Fn(&[u32], usize) -> Option<super::string::LuaStr<'gc>>,
) -> Gc<'gc, FnProto<'gc>> {
    // (A function's own constants are distinct already: a tree of one function needs no map.)
    let mut map = hashbrown::HashMap::new();
    let shared = (!proto.protos.is_empty()).then_some(&mut map);
    instantiate_shared(mc, hash_key, chunk, proto, path, linked, shared)
}

/// [`instantiate_at`] with the tree's strings made so far, by their bytes.
fn instantiate_shared<'gc, 'p>(
    mc: &Mutation<'gc>,
    hash_key: u64,
    chunk: &Arc<Chunk>,
    proto: &'p Arc<Proto>,
    path: &mut Vec<u32>,
    linked: &dyn Fn(&[u32], usize) -> Option<super::string::LuaStr<'gc>>,
    mut shared: Option<&mut hashbrown::HashMap<&'p [u8], super::string::LuaStr<'gc>>>,
) -> Gc<'gc, FnProto<'gc>> {
    use crate::compiler::Constant;
    let constants: Box<[Value<'gc>]> = proto
        .constants
        .iter()
        .enumerate()
        .map(|(k, c)| match c {
            Constant::Nil => Value::Nil,
            Constant::Bool(b) => Value::boolean(*b),
            Constant::Int(i) => Value::Int(*i),
            Constant::Float(f) => Value::float(*f),
            Constant::Str(s) => {
                if let Some(st) = linked(path, k) {
                    if let Some(m) = shared.as_deref_mut() {
                        m.entry(&s[..]).or_insert(st);
                    }
                    return Value::Str(st);
                }
                let make = || {
                    let st = super::string::LuaStr::new(mc, hash_key, s);
                    if s.len() > super::convert::SHORT_STRING_MAX {
                        st.id().set(long_constant_id(&chunk.id, s));
                    }
                    st
                };
                Value::Str(match shared.as_deref_mut() {
                    Some(m) => *m.entry(&s[..]).or_insert_with(make),
                    None => make(),
                })
            }
        })
        .collect();
    let mut children = Vec::with_capacity(proto.protos.len());
    for (i, p) in proto.protos.iter().enumerate() {
        path.push(i as u32);
        children.push(instantiate_shared(
            mc,
            hash_key,
            chunk,
            p,
            path,
            linked,
            shared.as_deref_mut(),
        ));
        path.pop();
    }
    use super::memory::{OBJECT_HEADER, VALUE_BYTES};
    let source = if path.is_empty() {
        chunk.source.len()
    } else {
        0
    };
    let bytes = OBJECT_HEADER
        + std::mem::size_of::<FnProto<'static>>()
        + constants.len() * (VALUE_BYTES + std::mem::size_of::<u32>())
        + children.len() * std::mem::size_of::<Gc<'static, FnProto<'static>>>()
        + proto.code_bytes()
        + source;
    Gc::new(
        mc,
        FnProto {
            charge: super::memory::Charge::new(bytes),
            proto: proto.clone(),
            chunk: chunk.clone(),
            key_hints: (0..constants.len())
                .map(|_| std::cell::Cell::new(u32::MAX))
                .collect(),
            constants,
            children: children.into_boxed_slice(),
        },
    )
}

/// Compiles `source` and makes a closure over `env` (its `_ENV` upvalue): what `load` makes
/// of a text chunk.
pub fn load_chunk<'gc>(
    ctx: super::state::Ctx<'gc>,
    source: &[u8],
    chunk_name: &[u8],
    env: Value<'gc>,
) -> Result<Closure<'gc>, String> {
    let chunk = Chunk::compile(source, chunk_name).map_err(|e| e.message)?;
    Ok(Closure::fresh(ctx, instantiate(ctx, &chunk), env))
}
