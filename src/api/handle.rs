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
const HANDLES_KEY: &[u8] = b"telelua.handles";

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
    /// Whether dropping it releases the slot (false for a name made by [`Handle::named`]).
    owns: bool,
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
            owns: true,
        }))
    }

    /// A name for the slot `slot` holding serial `serial` that never releases it (a replay
    /// names the calls its recording's host held this way).
    pub(crate) fn named(slot: u32, serial: u64) -> Handle {
        Handle(Rc::new(HandleInner {
            slot,
            serial,
            queue: RefCell::new(Weak::new()),
            owns: false,
        }))
    }

    /// The slot and serial.
    pub(crate) fn id(&self) -> (u32, u64) {
        (self.0.slot, self.0.serial)
    }

    /// The object this handle names in the VM behind `cx`.
    pub(crate) fn get<'gc>(&self, cx: &Context<'gc>) -> Result<VmValue<'gc>> {
        let ctx = cx.ctx;
        let t = cx.handle_table();
        let slot = i64::from(self.0.slot);
        match t.get(ctx.mc, VmValue::Int(-slot)) {
            VmValue::Int(s) if s as u64 == self.0.serial => {}
            _ => {
                return Err(Error::BadHandle(
                    "this handle does not belong to this VM (or a restore or fork of it)".into(),
                ))
            }
        }
        // Released in the VM it was last used with: from now on it belongs here.
        let mine = Rc::downgrade(&cx.releases);
        if self.0.owns && !self.0.queue.borrow().ptr_eq(&mine) {
            *self.0.queue.borrow_mut() = mine;
        }
        Ok(t.get(ctx.mc, VmValue::Int(slot)))
    }
}

/// Releases the slots of dropped handles (those still holding the serial they were taken
/// with: a slot of a VM restored from an older snapshot may hold another handle by now).
pub(crate) fn release(ctx: Ctx<'_>, queue: &ReleaseQueue) {
    let dropped = std::mem::take(&mut *queue.borrow_mut());
    if dropped.is_empty() {
        return;
    }
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
pub(crate) fn table<'gc>(ctx: Ctx<'gc>) -> VmTable<'gc> {
    registry_table(ctx, HANDLES_KEY)
}

/// The table the embedding API keeps in the registry under `key`, made on first use.
pub(crate) fn registry_table<'gc>(ctx: Ctx<'gc>, key: &[u8]) -> VmTable<'gc> {
    // Looked up by bytes: making the key string would allocate on every lookup.
    if let Some(VmValue::Table(t)) = ctx.state.registry.get_str_bytes(key) {
        return t;
    }
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

fn int_at<'gc>(ctx: Ctx<'gc>, t: VmTable<'gc>, i: i64) -> i64 {
    match t.get(ctx.mc, VmValue::Int(i)) {
        VmValue::Int(n) => n,
        _ => 0,
    }
}

fn int_field<'gc>(ctx: Ctx<'gc>, t: VmTable<'gc>, name: &[u8]) -> i64 {
    let v = match t.get_str_bytes(name) {
        Some(v) => v,
        None => t.get(ctx.mc, VmValue::Str(ctx.new_str(name))),
    };
    match v {
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
