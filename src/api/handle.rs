//! Handles: host-held references to Lua objects that outlive a single `mutate`.
//!
//! # Design
//! gc-arena ties every `Gc` pointer to the `'gc` lifetime of one `mutate` call, so the host
//! cannot keep one between steps. A handle instead names a *slot* of the VM's handle table
//! (a plain Lua table in the registry, like `luaL_ref`'s): the slot holds the object, which
//! keeps it alive, and a serial number, which tells a live slot from a reused one. Because the
//! table is ordinary VM state it is saved by snapshots and copied by forks, so a handle taken
//! before a save names the same object in the restored VM or in any fork of an image.
//!
//! The table's layout (`t` below):
//! - `t[slot]` (slot ≥ 1): the object, or, while the slot is free, the next free slot;
//! - `t[-slot]`: the serial of the live handle in `slot` (nil while free);
//! - `t[0]`: the first free slot (0: none); `t.top`: the highest slot used; `t.serial`:
//!   the last serial handed out.
//! Free slots are reused last-freed first, and everything about the choice lives in the table,
//! so a restored VM hands out exactly the slots the original would have (snapshot bytes stay
//! identical across a restore).
//!
//! Dropping a handle queues its slot for release in the VM it was last used with (a queue the
//! VM drains on its next API call). A handle used with another VM resolves only if that VM has
//! a live slot with the same number and serial — a restore or fork of the VM it came from —
//! and is an [`Error::BadHandle`] otherwise, never a panic. A slot released in one VM after a
//! snapshot was taken stays held in VMs restored from that snapshot until a handle to it is
//! dropped there.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use super::context::Context;
use super::error::{Error, Result};
use crate::vm::state::Ctx;
use crate::vm::table::Table as VmTable;
use crate::vm::value::Value as VmValue;

/// The registry key of the handle table.
const HANDLES_KEY: RegistryKey = RegistryKey {
    name: b"telelua.handles",
    hint: 0,
};

/// A registry key of a table the embedding API keeps there, with the number of its hint (see
/// [`registry_get`]).
pub(crate) struct RegistryKey {
    /// The key's bytes.
    pub(crate) name: &'static [u8],
    /// Which of `REGISTRY_HINTS` remembers where it was found.
    pub(crate) hint: usize,
}

/// The queue of slots whose last handle was dropped, drained by the VM.
pub(crate) type ReleaseQueue = RefCell<Vec<(u32, u64)>>;

/// A reference-counted name for an object in a VM's handle table (see the module docs).
#[derive(Clone)]
pub(crate) struct Handle(Rc<HandleInner>);

struct HandleInner {
    slot: u32,
    serial: u64,
    /// The release queue of the VM this handle was last used with.
    queue: RefCell<Weak<ReleaseQueue>>,
    /// That queue's address (compared, never dereferenced: resolving a handle checks it on
    /// every host call without borrowing `queue`). No other queue can be at this address
    /// while `queue` is there: a `Weak` keeps its allocation.
    queue_at: std::cell::Cell<*const ReleaseQueue>,
    /// Whether dropping it releases the slot (false for a name made by [`Handle::named`]).
    owns: bool,
    /// Where the handle table's hash part held this slot's serial when last looked up (a
    /// cache: see `TableData::get_int_hinted`).
    hint: std::cell::Cell<u32>,
}

impl Drop for HandleInner {
    fn drop(&mut self) {
        if let Some(q) = self.queue.borrow().upgrade() {
            q.borrow_mut().push((self.slot, self.serial));
        }
    }
}

impl PartialEq for Handle {
    fn eq(&self, other: &Self) -> bool {
        self.0.slot == other.0.slot && self.0.serial == other.0.serial
    }
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}/{}", self.0.slot, self.0.serial)
    }
}

impl Handle {
    /// Puts `v` in a new slot of the handle table.
    pub(crate) fn new<'gc>(cx: &Context<'gc>, v: VmValue<'gc>) -> Handle {
        let ctx = cx.ctx;
        let t = cx.handle_table();
        let free = int_at(ctx, t, 0);
        let slot = if free > 0 {
            let next = int_at(ctx, t, free);
            ctx.store_always(t, VmValue::Int(0), VmValue::Int(next));
            free
        } else {
            let top = int_field(ctx, t, b"top") + 1;
            ctx.store_always(t, ctx.str_value("top"), VmValue::Int(top));
            top
        };
        let serial = int_field(ctx, t, b"serial") + 1;
        ctx.store_always(t, ctx.str_value("serial"), VmValue::Int(serial));
        ctx.store_always(t, VmValue::Int(slot), v);
        ctx.store_always(t, VmValue::Int(-slot), VmValue::Int(serial));
        Handle(Rc::new(HandleInner {
            slot: slot as u32,
            serial: serial as u64,
            queue: RefCell::new(Rc::downgrade(&cx.releases)),
            queue_at: std::cell::Cell::new(Rc::as_ptr(&cx.releases)),
            owns: true,
            hint: std::cell::Cell::new(u32::MAX),
        }))
    }

    /// A name for the slot `slot` holding serial `serial` that never releases it (a replay
    /// names the calls its recording's host held this way).
    pub(crate) fn named(slot: u32, serial: u64) -> Handle {
        Handle(Rc::new(HandleInner {
            slot,
            serial,
            queue: RefCell::new(Weak::new()),
            queue_at: std::cell::Cell::new(std::ptr::null()),
            owns: false,
            hint: std::cell::Cell::new(u32::MAX),
        }))
    }

    /// The slot and serial.
    pub(crate) fn id(&self) -> (u32, u64) {
        (self.0.slot, self.0.serial)
    }

    /// The object this handle names in the VM behind `cx`. (Inline: every host call resolves
    /// its function's handle.)
    #[inline(always)]
    pub(crate) fn get<'gc>(&self, cx: &Context<'gc>) -> Result<VmValue<'gc>> {
        let ctx = cx.ctx;
        let t = cx.handle_table();
        let slot = i64::from(self.0.slot);
        // Both entries in one borrow (a table still in a lazy fork's image is read through
        // the general path, which does not copy it).
        let (serial, v) = if t.is_pending() {
            (t.get_int(ctx.mc, -slot), t.get_int(ctx.mc, slot))
        } else {
            let d = t.data(ctx.mc);
            // (The hint's entry tried inline: a negative key is never in the array part, and
            // an entry holding the key is the key's entry, as `get_int_hinted` relies on.)
            let serial = match d.flat_entries().get(self.0.hint.get() as usize) {
                Some(&(VmValue::Int(k), v)) if k == -slot => v,
                _ => d.get_int_hinted(-slot, &self.0.hint),
            };
            (serial, d.get_int(slot))
        };
        match serial {
            VmValue::Int(s) if s as u64 == self.0.serial => {}
            _ => return Err(foreign_handle()),
        }
        // Released in the VM it was last used with: from now on it belongs here.
        if self.0.owns && !std::ptr::eq(self.0.queue_at.get(), Rc::as_ptr(&cx.releases)) {
            *self.0.queue.borrow_mut() = Rc::downgrade(&cx.releases);
            self.0.queue_at.set(Rc::as_ptr(&cx.releases));
        }
        Ok(v)
    }
}

/// The error for a handle of another VM (or one released here).
#[cold]
fn foreign_handle() -> Error {
    Error::BadHandle("this handle does not belong to this VM (or a restore or fork of it)".into())
}

impl Handle {}

/// Releases the slots of dropped handles (those still holding the serial they were taken
/// with: a slot of a VM restored from an older snapshot may hold another handle by now).
#[inline]
pub(crate) fn release(ctx: Ctx<'_>, queue: &ReleaseQueue) {
    // (Checked inline: every entry into the VM drains the queue, which is nearly always empty.)
    if queue.borrow().is_empty() {
        return;
    }
    release_queued(ctx, queue);
}

#[inline(never)]
fn release_queued(ctx: Ctx<'_>, queue: &ReleaseQueue) {
    let dropped = std::mem::take(&mut *queue.borrow_mut());
    let t = table(ctx);
    for (slot, serial) in dropped {
        let slot = i64::from(slot);
        if !matches!(t.get(ctx.mc, VmValue::Int(-slot)), VmValue::Int(s) if s as u64 == serial) {
            continue;
        }
        let free = int_at(ctx, t, 0);
        ctx.store_always(t, VmValue::Int(-slot), VmValue::Nil);
        ctx.store_always(t, VmValue::Int(slot), VmValue::Int(free));
        ctx.store_always(t, VmValue::Int(0), VmValue::Int(slot));
    }
}

/// Releases every live slot of the VM behind `ctx` whose (slot, serial) is not in `keep`;
/// returns how many it released. Slots are freed in ascending order, so the free list (and the
/// snapshot bytes after it) depend only on the table, never on the order of `keep`.
pub(crate) fn release_except(ctx: Ctx<'_>, keep: &[(u32, u64)]) -> usize {
    let t = table(ctx);
    let top = int_field(ctx, t, b"top");
    let mut released = 0;
    for slot in 1..=top {
        let VmValue::Int(serial) = t.get(ctx.mc, VmValue::Int(-slot)) else {
            continue;
        };
        if keep.contains(&(slot as u32, serial as u64)) {
            continue;
        }
        let free = int_at(ctx, t, 0);
        ctx.store_always(t, VmValue::Int(-slot), VmValue::Nil);
        ctx.store_always(t, VmValue::Int(slot), VmValue::Int(free));
        ctx.store_always(t, VmValue::Int(0), VmValue::Int(slot));
        released += 1;
    }
    released
}

/// Number of live handles in the VM behind `ctx` (for tests and diagnostics).
pub(crate) fn live_count(ctx: Ctx<'_>) -> usize {
    let t = table(ctx);
    let top = int_field(ctx, t, b"top");
    (1..=top)
        .filter(|s| !t.get(ctx.mc, VmValue::Int(-s)).is_nil())
        .count()
}

/// The handle table, made on first use (a [`Context`] caches it: `Context::handle_table`).
#[inline]
pub(crate) fn table<'gc>(ctx: Ctx<'gc>) -> VmTable<'gc> {
    registry_table(ctx, &HANDLES_KEY)
}

/// The table the embedding API keeps in the registry under `key`, made on first use.
#[inline(always)]
pub(crate) fn registry_table<'gc>(ctx: Ctx<'gc>, key: &RegistryKey) -> VmTable<'gc> {
    // Looked up by bytes: making the key string would allocate on every lookup.
    if let VmValue::Table(t) = registry_get(ctx, key) {
        return t;
    }
    registry_table_made(ctx, key)
}

/// [`registry_table`] when the registry has no table under `key` (yet).
#[cold]
#[inline(never)]
fn registry_table_made<'gc>(ctx: Ctx<'gc>, key: &RegistryKey) -> VmTable<'gc> {
    let key = key.name;
    let key = VmValue::Str(ctx.new_str(key));
    match ctx.state.registry.get(ctx.mc, key) {
        VmValue::Table(t) => t,
        _ => {
            let t = ctx.new_table();
            ctx.store_always(ctx.state.registry, key, VmValue::Table(t));
            t
        }
    }
}

thread_local! {
    /// Where the last lookup of each [`RegistryKey`] found it among the registry's entries
    /// (see [`registry_get`]). A cache, never state: any value is correct, and registries built
    /// alike (every VM's, forks and restores included) hold the API's keys at the same
    /// positions, so one hint serves every VM of the thread.
    static REGISTRY_HINTS: [std::cell::Cell<u32>; 2] =
        const { [std::cell::Cell::new(u32::MAX), std::cell::Cell::new(u32::MAX)] };
}

/// Raw get of the registry's string key spelled `key`, trying first the entry where the last
/// lookup found a key: every host call looks up the handle table, and comparing one entry's
/// bytes is much cheaper than hashing the name. Exact whatever the hint: a key occupies at
/// most one entry of a table (a removed key stays as a tombstone), so an entry holding an
/// equal key is the key's entry.
#[inline(always)]
fn registry_get<'gc>(ctx: Ctx<'gc>, key: &RegistryKey) -> VmValue<'gc> {
    let registry = ctx.state.registry;
    if !registry.is_pending() {
        let d = registry.data(ctx.mc);
        {
            let hint = REGISTRY_HINTS.with(|h| h.get(key.hint).map_or(u32::MAX, |c| c.get()));
            if let Some((VmValue::Str(k), v)) = d.flat_entries().get(hint as usize) {
                if same_bytes(k.as_bytes(), key.name) {
                    return *v;
                }
            }
        }
    }
    registry_search(ctx, key)
}

/// Whether `a` and `b` are the same bytes, for the API's short registry keys: two
/// overlapping 8-byte words compared instead of a call of `memcmp`.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let n = a.len();
    if (8..=16).contains(&n) {
        let word = |s: &[u8], at: usize| {
            s.get(at..at + 8)
                .and_then(|w| <[u8; 8]>::try_from(w).ok())
                .map(u64::from_ne_bytes)
        };
        return word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8);
    }
    a == b
}

/// [`registry_get`] when the hint missed.
#[inline(never)]
fn registry_search<'gc>(ctx: Ctx<'gc>, key: &RegistryKey) -> VmValue<'gc> {
    let (hint_no, key) = (key.hint, key.name);
    let registry = ctx.state.registry;
    if registry.is_pending() {
        return registry.get_str_bytes(ctx.mc, key);
    }
    let d = registry.data(ctx.mc);
    let entries = d.flat_entries();
    let v = d.get_str_bytes(key);
    if !v.is_nil() {
        // Remember where it is (registries are small; a large one is not searched).
        let found = entries
            .iter()
            .take(64)
            .position(|(k, _)| matches!(k, VmValue::Str(s) if s.as_bytes() == key));
        if let Some(p) = found {
            REGISTRY_HINTS.with(|h| {
                if let Some(c) = h.get(hint_no) {
                    c.set(p as u32);
                }
            });
        }
    }
    v
}

fn int_at<'gc>(ctx: Ctx<'gc>, t: VmTable<'gc>, i: i64) -> i64 {
    match t.get(ctx.mc, VmValue::Int(i)) {
        VmValue::Int(n) => n,
        _ => 0,
    }
}

fn int_field<'gc>(ctx: Ctx<'gc>, t: VmTable<'gc>, name: &[u8]) -> i64 {
    match t.get_str_bytes(ctx.mc, name) {
        VmValue::Int(n) => n,
        _ => 0,
    }
}

/// Anything that may hold a handle: the handle types and [`crate::Value`] (plain values hold
/// none). Used to say which handles a host keeps (see [`crate::Vm::release_handles_except`]).
pub trait AsHandle: sealed::Sealed {
    /// The slot and serial this names, if it holds a handle.
    #[doc(hidden)]
    fn handle_id(&self) -> Option<(u32, u64)>;
}

mod sealed {
    /// Only this crate's types hold handles.
    pub trait Sealed {}
}

impl sealed::Sealed for crate::api::convert::Value {}
impl AsHandle for crate::api::convert::Value {
    fn handle_id(&self) -> Option<(u32, u64)> {
        use crate::api::convert::Value as V;
        match self {
            V::Table(Table(h))
            | V::Function(Function(h))
            | V::Thread(Thread(h))
            | V::Userdata(AnyUserData(h)) => Some(h.id()),
            _ => None,
        }
    }
}

macro_rules! handle_type {
    ($(#[$doc:meta])* $name:ident, $lua:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq)]
        pub struct $name(pub(crate) Handle);

        impl sealed::Sealed for $name {}
        impl AsHandle for $name {
            fn handle_id(&self) -> Option<(u32, u64)> {
                Some(self.0.id())
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!($lua, "{:?}"), self.0)
            }
        }
    };
}

handle_type!(
    /// A handle to a Lua table (see the module docs of [`crate::api`] for handles).
    Table,
    "table"
);
handle_type!(
    /// A handle to a Lua function (a Lua closure or a native).
    Function,
    "function"
);
handle_type!(
    /// A handle to a coroutine.
    Thread,
    "thread"
);
handle_type!(
    /// A handle to a full userdata of any type.
    AnyUserData,
    "userdata"
);
handle_type!(
    /// A handle to a Lua string (no copy of its bytes is made until asked for).
    LuaString,
    "string"
);
