//! Tables from the host: raw access from anywhere (the host loop or a host function), and
//! access through metamethods (`__index`, `__newindex`, `__len`) from the host loop, where
//! the VM can run them as a call under fuel.

use super::context::{Access, Context};
use super::convert::{key_segment as segment, map_pairs, FromLua, IntoLua, LuaValue};
use super::error::{Error, Result};
use super::handle::Table;
use super::vm::Vm;
use crate::vm::table::Table as VmTable;
use crate::vm::value::Value as VmValue;

/// Fuel a metamethod-respecting table operation may spend in `__index`/`__newindex`/`__len`.
pub const METAMETHOD_FUEL: u64 = 1_000_000;

/// The chunk behind [`Table::get`], [`Table::set`] and [`Table::len`] when metamethods apply.
const META_OPS: &str = "local op, t, k, v = ... \
    if op == 1 then return t[k] elseif op == 2 then t[k] = v else return #t end";

impl Table {
    fn resolve<'gc>(&self, cx: &Context<'gc>) -> Result<VmTable<'gc>> {
        match self.0.get(cx)? {
            VmValue::Table(t) => Ok(t),
            _ => Err(Error::BadHandle("handle does not name a table".into())),
        }
    }

    /// `rawget(t, key)`.
    ///
    /// # Errors
    /// A bad handle or a failed conversion.
    pub fn raw_get<V: FromLua>(&self, lua: &impl Access, key: impl IntoLua) -> Result<V> {
        lua.enter(|cx| {
            let t = self.resolve(cx)?;
            let k = key.into_lua(cx)?;
            let v = t.get(cx.ctx.mc, k.0);
            V::from_lua(LuaValue(v), cx).map_err(|e| e.at(&segment(cx, k.0)))
        })
    }

    /// `rawset(t, key, value)`.
    ///
    /// # Errors
    /// A nil or NaN key, a bad handle, a failed conversion.
    pub fn raw_set(&self, lua: &impl Access, key: impl IntoLua, value: impl IntoLua) -> Result<()> {
        lua.enter(|cx| {
            let t = self.resolve(cx)?;
            let k = key.into_lua(cx)?.0;
            let v = value.into_lua(cx)?.0;
            match k {
                VmValue::Nil => Err(Error::msg("table index is nil")),
                VmValue::Float(f) if f.get().is_nan() => Err(Error::msg("table index is NaN")),
                _ => {
                    cx.ctx.store_always(t, k, v);
                    Ok(())
                }
            }
        })
    }

    /// `#t` without `__len` (the border Lua's `rawlen` gives).
    ///
    /// # Errors
    /// A bad handle.
    pub fn raw_len(&self, lua: &impl Access) -> Result<i64> {
        lua.enter(|cx| Ok(self.resolve(cx)?.length(cx.ctx.mc)))
    }

    /// Appends `value` at `#t + 1` (raw).
    ///
    /// # Errors
    /// A bad handle or a failed conversion.
    pub fn push(&self, lua: &impl Access, value: impl IntoLua) -> Result<()> {
        lua.enter(|cx| {
            let t = self.resolve(cx)?;
            let n = t.length(cx.ctx.mc);
            let v = value.into_lua(cx)?.0;
            cx.ctx.store_always(t, VmValue::Int(n.saturating_add(1)), v);
            Ok(())
        })
    }

    /// Every `(key, value)` pair in the VM's iteration order (insertion order for the hash
    /// part), converted: `for (k, v) in t.pairs::<String, i64>(&vm)? { ... }`. Raw: `__pairs`
    /// is not called.
    ///
    /// # Errors
    /// A bad handle or a failed conversion (naming the key).
    pub fn pairs<K: FromLua, V: FromLua>(&self, lua: &impl Access) -> Result<Vec<(K, V)>> {
        lua.enter(|cx| {
            let t = self.resolve(cx)?;
            map_pairs(LuaValue(VmValue::Table(t)), cx)
        })
    }

    /// The values `t[1..#t]` (raw), converted.
    ///
    /// # Errors
    /// A bad handle or a failed conversion (naming the index).
    pub fn sequence<V: FromLua>(&self, lua: &impl Access) -> Result<Vec<V>> {
        lua.enter(|cx| {
            let t = self.resolve(cx)?;
            Vec::<V>::from_lua(LuaValue(VmValue::Table(t)), cx)
        })
    }

    /// The metatable, if any.
    ///
    /// # Errors
    /// A bad handle.
    pub fn metatable(&self, lua: &impl Access) -> Result<Option<Table>> {
        lua.enter(|cx| {
            let t = self.resolve(cx)?;
            Ok(t.metatable()
                .map(|m| Table(super::handle::Handle::new(cx, VmValue::Table(m)))))
        })
    }

    /// Sets (or with `None` removes) the metatable, as `setmetatable` does.
    ///
    /// # Errors
    /// A bad handle.
    pub fn set_metatable(&self, lua: &impl Access, meta: Option<&Table>) -> Result<()> {
        lua.enter(|cx| {
            let t = self.resolve(cx)?;
            let m = match meta {
                Some(m) => Some(m.resolve(cx)?),
                None => None,
            };
            t.set_metatable(cx.ctx.mc, m);
            Ok(())
        })
    }

    /// Whether the table has a metatable with the metamethod `name`.
    fn has_meta(&self, vm: &Vm, name: &str) -> Result<bool> {
        vm.enter(|cx| {
            let t = self.resolve(cx)?;
            Ok(match t.metatable() {
                Some(m) => !m.get(cx.ctx.mc, cx.string(name.as_bytes())).is_nil(),
                None => false,
            })
        })
    }

    /// `t[key]`, with `__index` (run as a call within [`METAMETHOD_FUEL`]).
    ///
    /// # Errors
    /// An error raised by `__index`, fuel exhausted, a bad handle or a failed conversion.
    pub fn get<V: FromLua>(&self, vm: &mut Vm, key: impl IntoLua) -> Result<V> {
        if !self.has_meta(vm, "__index")? {
            return self.raw_get(vm, key);
        }
        let key = vm.enter(|cx| key.into_lua(cx).map(|k| k.to_value(cx)))?;
        let f = vm.load_function(META_OPS.as_bytes(), "=(table get)")?;
        vm.call(&f, (1, self, key), METAMETHOD_FUEL)
    }

    /// `t[key] = value`, with `__newindex` (run as a call within [`METAMETHOD_FUEL`]).
    ///
    /// # Errors
    /// An error raised by `__newindex`, fuel exhausted, a bad handle or a failed conversion.
    pub fn set(&self, vm: &mut Vm, key: impl IntoLua, value: impl IntoLua) -> Result<()> {
        if !self.has_meta(vm, "__newindex")? {
            return self.raw_set(vm, key, value);
        }
        let (key, value) = vm.enter(|cx| -> Result<_> {
            Ok((
                key.into_lua(cx)?.to_value(cx),
                value.into_lua(cx)?.to_value(cx),
            ))
        })?;
        let f = vm.load_function(META_OPS.as_bytes(), "=(table set)")?;
        vm.call(&f, (2, self, key, value), METAMETHOD_FUEL)
    }

    /// `#t`, with `__len` (run as a call within [`METAMETHOD_FUEL`]).
    ///
    /// # Errors
    /// An error raised by `__len`, fuel exhausted, a bad handle, or a `__len` result that is
    /// not an integer.
    pub fn len(&self, vm: &mut Vm) -> Result<i64> {
        if !self.has_meta(vm, "__len")? {
            return self.raw_len(vm);
        }
        let f = vm.load_function(META_OPS.as_bytes(), "=(table len)")?;
        vm.call(&f, (3, self), METAMETHOD_FUEL)
    }
}
