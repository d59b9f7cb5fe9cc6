//! `Context`: the host's view of a VM during one operation, and the [`Access`] trait that
//! lets the same handle methods work from the host loop (`&Vm`) and from inside a host
//! function (`&Context`).

use std::cell::Cell;
use std::rc::Rc;

use super::convert::{FromLua, IntoLua, LuaValue};
use super::error::{Error, Result};
use super::handle::{Handle, ReleaseQueue, Table};
use crate::vm::state::Ctx;
use crate::vm::value::Value as VmValue;

/// The VM during one host operation: what conversions and handle methods work with.
///
/// A `Context` exists only inside a call: a host function receives one, and
/// [`Access::enter`] makes one for the host loop. It cannot be kept (its `'gc` lifetime
/// forbids it); keep [handles](super::Table) instead.
pub struct Context<'gc> {
    pub(crate) ctx: Ctx<'gc>,
    pub(crate) releases: Rc<ReleaseQueue>,
    /// Fuel a host function charges on top of its base cost (see [`Context::charge`]).
    pub(crate) charged: Cell<i64>,
    /// The handle table, once looked up (see [`Context::handle_table`]).
    handles: Cell<Option<crate::vm::table::Table<'gc>>>,
}

impl<'gc> Context<'gc> {
    #[inline]
    pub(crate) fn new(ctx: Ctx<'gc>, releases: Rc<ReleaseQueue>) -> Context<'gc> {
        Context {
            ctx,
            releases,
            charged: Cell::new(0),
            handles: Cell::new(None),
        }
    }

    /// The VM's handle table (see `handle`), looked up in the registry once per context:
    /// every handle resolved or made goes through it, and the lookup interns its key.
    #[inline(always)]
    pub(crate) fn handle_table(&self) -> crate::vm::table::Table<'gc> {
        if let Some(t) = self.handles.get() {
            return t;
        }
        self.handle_table_lookup()
    }

    /// [`Self::handle_table`] when not looked up yet (out of line: a host call resolves its
    /// function's handle inline).
    #[inline(never)]
    fn handle_table_lookup(&self) -> crate::vm::table::Table<'gc> {
        let t = super::handle::table(self.ctx);
        self.handles.set(Some(t));
        t
    }

    /// Forgets the cached handle table after running Lua code (which can replace the
    /// registry's entry: `debug.getregistry()`), so the next use looks it up again.
    pub(crate) fn forget_handle_table(&self) {
        self.handles.set(None);
    }

    /// Charges `fuel` to the running script, for work a host function does in proportion to
    /// its input (fuel must stay honest: see `docs/FUEL.md`).
    pub fn charge(&self, fuel: u64) {
        let f = i64::try_from(fuel).unwrap_or(i64::MAX);
        self.charged.set(self.charged.get().saturating_add(f));
    }

    /// A new, empty table.
    pub fn create_table(&self) -> Table {
        Table(Handle::new(self, VmValue::Table(self.ctx.new_table())))
    }

    /// The global table.
    pub fn globals(&self) -> Table {
        Table(Handle::new(self, VmValue::Table(self.ctx.state.globals)))
    }

    /// Converts a Rust value to a Lua value of this VM (for implementing [`IntoLua`]).
    ///
    /// # Errors
    /// As the value's conversion.
    pub fn to_lua(&self, v: impl IntoLua) -> Result<LuaValue<'gc>> {
        v.into_lua(self)
    }

    /// Converts a Lua value of this VM to a Rust value (for implementing [`FromLua`]).
    ///
    /// # Errors
    /// As the target's conversion.
    pub fn from_lua<T: FromLua>(&self, v: LuaValue<'gc>) -> Result<T> {
        T::from_lua(v, self)
    }

    /// Allocates a Lua string (used by conversions).
    pub(crate) fn string(&self, bytes: &[u8]) -> VmValue<'gc> {
        VmValue::Str(self.ctx.new_str(bytes))
    }
}

mod private {
    pub trait Sealed {}
    impl Sealed for crate::api::Vm {}
    impl Sealed for super::Context<'_> {}
}

/// Something that can reach a VM: the [`Vm`](crate::api::Vm) itself between steps, or the
/// [`Context`] a host function receives. Handle methods take either.
pub trait Access: private::Sealed {
    /// Runs `f` with the VM's context.
    #[doc(hidden)]
    fn enter<R>(&self, f: impl for<'gc> FnOnce(&Context<'gc>) -> R) -> R;
}

impl Access for Context<'_> {
    fn enter<R>(&self, f: impl for<'gc> FnOnce(&Context<'gc>) -> R) -> R {
        f(self)
    }
}

/// The Lua type name of a value for messages (`__name` where Lua's messages use it).
pub(crate) fn type_name<'gc>(ctx: Ctx<'gc>, v: VmValue<'gc>) -> String {
    crate::vm::convert::type_name_for_msg(ctx, v)
}

/// The error for a value that is not what a conversion expected.
pub(crate) fn mismatch<'gc>(ctx: Ctx<'gc>, expected: &str, v: VmValue<'gc>) -> Error {
    Error::conversion(expected, type_name(ctx, v))
}
