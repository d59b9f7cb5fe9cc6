//! Userdata: host types exposed to Lua with methods, fields and metamethods.
//!
//! # Design
//! A host value lives in the userdata object as an `Rc<RefCell<dyn Any>>`; every method
//! borrows it for the call, so a method that reaches its own object again (through a handle)
//! gets an [`Error::Borrow`], never a panic. Methods and metamethods are host functions named
//! `"Type:method"` and `"Type.__meta"`, and the type's metatable lives in the registry, so a
//! snapshot holds only names and the value's serde form: a VM restored elsewhere needs the
//! same type registered ([`crate::VmOptions::register_userdata`]). A type registered
//! without serde ([`crate::Vm::register_userdata_unsaved`]) makes saving fail with an error
//! naming it.

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::context::{type_name, Access, Context};
use super::convert::{FromLua, FromLuaMulti, IntoLua, IntoLuaMulti, LuaValue};
use super::error::{Error, Result};
use super::handle::{AnyUserData, Handle};
use super::host::lua_error;
use crate::snapshot::UserdataCodec;
use crate::vm::closure::LightNative;
use crate::vm::error::{LuaError, LuaResult};
use crate::vm::native::{Action, HostFunction, NativeCtx};
use crate::vm::userdata::Userdata;
use crate::vm::value::Value as VmValue;

/// A host type Lua can hold as a userdata.
///
/// ```
/// use telelua::{UserData, UserDataMethods, Vm};
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Player { name: String, hp: i64 }
/// impl UserData for Player {
///     const NAME: &'static str = "Player";
///     fn add_methods(m: &mut UserDataMethods<Self>) {
///         m.method("greet", |_cx, this, ()| Ok(format!("hi, {}", this.name)));
///         m.method_mut("hurt", |_cx, this, n: i64| { this.hp -= n; Ok(this.hp) });
///         m.field("hp", |_cx, this| Ok(this.hp));
///         m.meta("__tostring", |_cx, this, ()| Ok(format!("Player({})", this.name)));
///     }
/// }
/// let mut vm = Vm::new();
/// vm.register_userdata::<Player>();
/// vm.set_global("p", Player { name: "ann".into(), hp: 10 }).unwrap();
/// let r: (String, i64, i64, String) =
///     vm.eval("return p:greet(), p:hurt(3), p.hp, tostring(p)").unwrap();
/// assert_eq!(r, ("hi, ann".into(), 7, 7, "Player(ann)".into()));
/// ```
pub trait UserData: Sized + 'static {
    /// The type's registered name: its `__name` (in messages and `tostring`) and what
    /// snapshots save it by.
    const NAME: &'static str;

    /// Adds the type's methods, fields and metamethods.
    fn add_methods(methods: &mut UserDataMethods<Self>) {
        let _ = methods;
    }
}

type Getter<T> = Rc<dyn for<'gc> Fn(&Context<'gc>, &T) -> Result<LuaValue<'gc>>>;
type Setter<T> = Rc<dyn for<'gc> Fn(&Context<'gc>, &mut T, LuaValue<'gc>) -> Result<()>>;

/// What a [`UserData`] type offers Lua: collected by [`UserData::add_methods`].
pub struct UserDataMethods<T> {
    functions: Vec<(String, Rc<dyn HostFunction>)>,
    methods: Vec<String>,
    metas: Vec<String>,
    getters: HashMap<String, Getter<T>>,
    setters: HashMap<String, Setter<T>>,
}

impl<T: UserData> UserDataMethods<T> {
    /// A method called as `obj:name(args)`, borrowing the object.
    pub fn method<F, A, R>(&mut self, name: &str, f: F)
    where
        F: for<'gc> Fn(&Context<'gc>, &T, A) -> Result<R> + 'static,
        A: FromLuaMulti + 'static,
        R: IntoLuaMulti + 'static,
    {
        let call: Rc<dyn HostFunction> = Rc::new(MethodRef {
            f,
            _t: PhantomData::<fn(T, A) -> R>,
        });
        self.functions.push((format!("{}:{name}", T::NAME), call));
        self.methods.push(name.to_string());
    }

    /// A method that may change the object (borrowed mutably for the call).
    pub fn method_mut<F, A, R>(&mut self, name: &str, f: F)
    where
        F: for<'gc> Fn(&Context<'gc>, &mut T, A) -> Result<R> + 'static,
        A: FromLuaMulti + 'static,
        R: IntoLuaMulti + 'static,
    {
        let call: Rc<dyn HostFunction> = Rc::new(MethodMut {
            f,
            _t: PhantomData::<fn(T, A) -> R>,
        });
        self.functions.push((format!("{}:{name}", T::NAME), call));
        self.methods.push(name.to_string());
    }

    /// A metamethod (`"__tostring"`, `"__eq"`, `"__lt"`, `"__le"`, `"__len"`, `"__call"`,
    /// `"__close"`, `"__concat"`, `"__unm"`, `"__add"`, ...): the object is the first
    /// operand, borrowed for the call. For binary operators where the object may be the
    /// second operand, use [`UserDataMethods::meta_function`].
    pub fn meta<F, A, R>(&mut self, name: &str, f: F)
    where
        F: for<'gc> Fn(&Context<'gc>, &T, A) -> Result<R> + 'static,
        A: FromLuaMulti + 'static,
        R: IntoLuaMulti + 'static,
    {
        let call: Rc<dyn HostFunction> = Rc::new(MethodRef {
            f,
            _t: PhantomData::<fn(T, A) -> R>,
        });
        self.functions.push((format!("{}.{name}", T::NAME), call));
        self.metas.push(name.to_string());
    }

    /// A metamethod that receives all its operands as plain arguments.
    pub fn meta_function<F, A, R>(&mut self, name: &str, f: F)
    where
        F: for<'gc> Fn(&Context<'gc>, A) -> Result<R> + 'static,
        A: FromLuaMulti + 'static,
        R: IntoLuaMulti + 'static,
    {
        self.functions
            .push((format!("{}.{name}", T::NAME), super::host::function(f)));
        self.metas.push(name.to_string());
    }

    /// A readable field `obj.name`.
    pub fn field<F, R>(&mut self, name: &str, f: F)
    where
        F: for<'gc> Fn(&Context<'gc>, &T) -> Result<R> + 'static,
        R: IntoLua + 'static,
    {
        let g: Getter<T> = Rc::new(move |cx, this| f(cx, this)?.into_lua(cx));
        self.getters.insert(name.to_string(), g);
    }

    /// A writable field `obj.name = value`.
    pub fn field_setter<F, V>(&mut self, name: &str, f: F)
    where
        F: for<'gc> Fn(&Context<'gc>, &mut T, V) -> Result<()> + 'static,
        V: FromLua + 'static,
    {
        let s: Setter<T> = Rc::new(move |cx, this, v| f(cx, this, V::from_lua(v, cx)?));
        self.setters.insert(name.to_string(), s);
    }
}

/// A registered userdata type: its codec for snapshots and its host functions.
#[derive(Clone)]
pub(crate) struct UserdataType {
    pub(crate) codec: Arc<UserdataCodec>,
    pub(crate) functions: Vec<(String, Rc<dyn HostFunction>)>,
    methods: Rc<Vec<String>>,
    metas: Rc<Vec<String>>,
    has_index: bool,
    has_newindex: bool,
}

fn save_as<T: Serialize + 'static>(v: &RefCell<dyn Any>) -> std::result::Result<Vec<u8>, String> {
    let b = v
        .try_borrow()
        .map_err(|_| "the value is borrowed".to_string())?;
    let t = b
        .downcast_ref::<T>()
        .ok_or_else(|| "the value has another type".to_string())?;
    rmp_serde::to_vec(t).map_err(|e| e.to_string())
}

fn load_as<T: DeserializeOwned + 'static>(
    bytes: &[u8],
) -> std::result::Result<Rc<RefCell<dyn Any>>, String> {
    let v: T = rmp_serde::from_slice(bytes).map_err(|e| e.to_string())?;
    Ok(Rc::new(RefCell::new(v)))
}

impl UserdataType {
    pub(crate) fn saved<T: UserData + Serialize + DeserializeOwned>() -> UserdataType {
        Self::build::<T>(Some(save_as::<T>), Some(load_as::<T>))
    }

    pub(crate) fn unsaved<T: UserData>() -> UserdataType {
        Self::build::<T>(None, None)
    }

    fn build<T: UserData>(
        save: Option<crate::snapshot::UserdataSave>,
        load: Option<crate::snapshot::UserdataLoad>,
    ) -> UserdataType {
        let mut m = UserDataMethods {
            functions: Vec::new(),
            methods: Vec::new(),
            metas: Vec::new(),
            getters: HashMap::new(),
            setters: HashMap::new(),
        };
        T::add_methods(&mut m);
        let has_index = !m.getters.is_empty();
        let has_newindex = !m.setters.is_empty();
        let methods = Rc::new(m.methods);
        if has_index {
            let getters = Rc::new(m.getters);
            let names = methods.clone();
            let index: Rc<dyn HostFunction> = Rc::new(Index::<T> {
                getters,
                methods: names,
            });
            m.functions.push((format!("{}.__index", T::NAME), index));
        }
        if has_newindex {
            let setters = Rc::new(m.setters);
            let newindex: Rc<dyn HostFunction> = Rc::new(NewIndex::<T> { setters });
            m.functions
                .push((format!("{}.__newindex", T::NAME), newindex));
        }
        UserdataType {
            codec: Arc::new(UserdataCodec {
                name: crate::snapshot::intern_name(T::NAME),
                size: std::mem::size_of::<T>(),
                save,
                load,
            }),
            functions: m.functions,
            methods,
            metas: Rc::new(m.metas),
            has_index,
            has_newindex,
        }
    }
}

/// The registry key of a type's metatable.
fn meta_key(name: &str) -> String {
    format!("telelua.userdata.{name}")
}

/// The function value of a registered host function name.
fn native_value<'gc>(name: &str) -> VmValue<'gc> {
    VmValue::LightNative(LightNative(super::host::interned_def(name)))
}

/// The type's metatable, made (and kept in the registry) if this VM has none yet: a restored
/// VM keeps the one its snapshot has.
pub(crate) fn metatable<'gc>(cx: &Context<'gc>, ty: &UserdataType) -> crate::vm::table::Table<'gc> {
    let ctx = cx.ctx;
    let key = cx.string(meta_key(ty.codec.name).as_bytes());
    if let VmValue::Table(t) = ctx.state.registry.get(ctx.mc, key) {
        return t;
    }
    let name = ty.codec.name;
    let mt = ctx.new_table();
    ctx.store_always(mt, cx.string(b"__name"), cx.string(name.as_bytes()));
    if ty.has_index {
        ctx.store_always(
            mt,
            cx.string(b"__index"),
            native_value(&format!("{name}.__index")),
        );
    } else {
        let methods = ctx.new_table();
        for m in ty.methods.iter() {
            ctx.store_always(
                methods,
                cx.string(m.as_bytes()),
                native_value(&format!("{name}:{m}")),
            );
        }
        ctx.store_always(mt, cx.string(b"__index"), VmValue::Table(methods));
    }
    if ty.has_newindex {
        ctx.store_always(
            mt,
            cx.string(b"__newindex"),
            native_value(&format!("{name}.__newindex")),
        );
    }
    for m in ty.metas.iter() {
        ctx.store_always(
            mt,
            cx.string(m.as_bytes()),
            native_value(&format!("{name}.{m}")),
        );
    }
    ctx.store_always(ctx.state.registry, key, VmValue::Table(mt));
    mt
}

/// The host value inside a userdata of type `T`.
fn host_value<'gc, T: UserData>(
    cx: &Context<'gc>,
    v: VmValue<'gc>,
) -> Result<Rc<RefCell<dyn Any>>> {
    if let VmValue::Userdata(u) = v {
        let d = u.0.borrow();
        if d.type_name == T::NAME {
            if let Some(h) = &d.host {
                return Ok(h.clone());
            }
        }
    }
    Err(Error::conversion(T::NAME, type_name(cx.ctx, v)))
}

fn busy<T: UserData>() -> Error {
    Error::Borrow(format!("userdata '{}' is already borrowed", T::NAME))
}

/// Runs `f` on the `T` inside `cell`, borrowed shared (a method may be re-entered for reading,
/// never while its object is being changed).
fn with_ref<T: UserData, R>(cell: &RefCell<dyn Any>, f: impl FnOnce(&T) -> R) -> Result<R> {
    let b = cell.try_borrow().map_err(|_| busy::<T>())?;
    let t = b.downcast_ref::<T>().ok_or_else(busy::<T>)?;
    Ok(f(t))
}

/// Runs `f` on the `T` inside `cell`, borrowed exclusively.
fn with_mut<T: UserData, R>(cell: &RefCell<dyn Any>, f: impl FnOnce(&mut T) -> R) -> Result<R> {
    let mut b = cell.try_borrow_mut().map_err(|_| busy::<T>())?;
    let t = b.downcast_mut::<T>().ok_or_else(busy::<T>)?;
    Ok(f(t))
}

/// Runs a method: checks the object (argument 1), converts the other arguments, runs `body`
/// and returns its results.
fn run_method<'gc, T, A, R>(
    nc: &mut NativeCtx<'gc, '_>,
    body: impl FnOnce(&Context<'gc>, &RefCell<dyn Any>, A) -> Result<R>,
) -> LuaResult<'gc, Action<'gc>>
where
    T: UserData,
    A: FromLuaMulti,
    R: IntoLuaMulti,
{
    let cx = Context::new(nc.ctx, nc.ctx.state.host.borrow().handle_releases.clone());
    let cell = host_value::<T>(&cx, nc.arg(1)).map_err(|e| lua_error(&cx, e.at("#1")))?;
    let args: Vec<LuaValue<'gc>> = nc.args().iter().skip(1).map(|v| LuaValue(*v)).collect();
    let a = A::from_lua_multi(&args, 2, &cx).map_err(|e| lua_error(&cx, e))?;
    let r = body(&cx, &cell, a).map_err(|e| lua_error(&cx, e))?;
    let out = r.into_lua_multi(&cx).map_err(|e| lua_error(&cx, e))?;
    nc.charge(super::host::HOST_CALL_FUEL.saturating_add(cx.charged.get()));
    super::host::return_values(nc, out)
}

/// A method's host function (shared borrow).
struct MethodRef<T, F, A, R> {
    f: F,
    _t: PhantomData<fn(T, A) -> R>,
}

impl<T, F, A, R> HostFunction for MethodRef<T, F, A, R>
where
    T: UserData,
    F: for<'gc> Fn(&Context<'gc>, &T, A) -> Result<R>,
    A: FromLuaMulti,
    R: IntoLuaMulti,
{
    fn call<'gc>(&self, nc: &mut NativeCtx<'gc, '_>) -> LuaResult<'gc, Action<'gc>> {
        run_method::<T, A, R>(nc, |cx, cell, a| with_ref(cell, |t| (self.f)(cx, t, a))?)
    }
}

/// A method's host function (exclusive borrow).
struct MethodMut<T, F, A, R> {
    f: F,
    _t: PhantomData<fn(T, A) -> R>,
}

impl<T, F, A, R> HostFunction for MethodMut<T, F, A, R>
where
    T: UserData,
    F: for<'gc> Fn(&Context<'gc>, &mut T, A) -> Result<R>,
    A: FromLuaMulti,
    R: IntoLuaMulti,
{
    fn call<'gc>(&self, nc: &mut NativeCtx<'gc, '_>) -> LuaResult<'gc, Action<'gc>> {
        run_method::<T, A, R>(nc, |cx, cell, a| with_mut(cell, |t| (self.f)(cx, t, a))?)
    }
}

/// `__index` of a type with fields: methods first, then field getters.
struct Index<T> {
    getters: Rc<HashMap<String, Getter<T>>>,
    methods: Rc<Vec<String>>,
}

impl<T: UserData> HostFunction for Index<T> {
    fn call<'gc>(&self, nc: &mut NativeCtx<'gc, '_>) -> LuaResult<'gc, Action<'gc>> {
        let cx = Context::new(nc.ctx, nc.ctx.state.host.borrow().handle_releases.clone());
        let VmValue::Str(key) = nc.arg(2) else {
            return nc.ret1(VmValue::Nil);
        };
        let key = key.to_str_lossy().into_owned();
        if self.methods.contains(&key) {
            return nc.ret1(native_value(&format!("{}:{key}", T::NAME)));
        }
        let Some(g) = self.getters.get(&key) else {
            return nc.ret1(VmValue::Nil);
        };
        let cell = host_value::<T>(&cx, nc.arg(1)).map_err(|e| lua_error(&cx, e.at("#1")))?;
        let v = with_ref::<T, _>(&cell, |t| g(&cx, t))
            .and_then(|r| r)
            .map_err(|e| lua_error(&cx, e))?;
        nc.charge(super::host::HOST_CALL_FUEL.saturating_add(cx.charged.get()));
        nc.ret1(v.0)
    }
}

/// `__newindex` of a type with writable fields.
struct NewIndex<T> {
    setters: Rc<HashMap<String, Setter<T>>>,
}

impl<T: UserData> HostFunction for NewIndex<T> {
    fn call<'gc>(&self, nc: &mut NativeCtx<'gc, '_>) -> LuaResult<'gc, Action<'gc>> {
        let cx = Context::new(nc.ctx, nc.ctx.state.host.borrow().handle_releases.clone());
        let key = match nc.arg(2) {
            VmValue::Str(s) => s.to_str_lossy().into_owned(),
            other => {
                return Err(LuaError::rt(format!(
                    "no writable field {} in '{}'",
                    type_name(nc.ctx, other),
                    T::NAME
                )))
            }
        };
        let Some(s) = self.setters.get(&key) else {
            return Err(LuaError::rt(format!(
                "no writable field '{key}' in '{}'",
                T::NAME
            )));
        };
        let cell = host_value::<T>(&cx, nc.arg(1)).map_err(|e| lua_error(&cx, e.at("#1")))?;
        let value = LuaValue(nc.arg(3));
        with_mut::<T, _>(&cell, |t| s(&cx, t, value))
            .and_then(|r| r)
            .map_err(|e| lua_error(&cx, e.at(&format!(".{key}"))))?;
        nc.charge(super::host::HOST_CALL_FUEL.saturating_add(cx.charged.get()));
        nc.ret0()
    }
}

/// Makes a userdata holding `value` (its type must be registered with the VM).
fn make<'gc, T: UserData>(cx: &Context<'gc>, value: T) -> Result<VmValue<'gc>> {
    let ctx = cx.ctx;
    let key = cx.string(meta_key(T::NAME).as_bytes());
    let VmValue::Table(mt) = ctx.state.registry.get(ctx.mc, key) else {
        return Err(Error::Unknown {
            what: "userdata type",
            name: T::NAME.to_string(),
        });
    };
    let name = crate::snapshot::intern_name(T::NAME);
    let cell: Rc<RefCell<dyn Any>> = Rc::new(RefCell::new(value));
    Ok(VmValue::Userdata(Userdata::new_host(
        ctx.mc,
        name,
        cell,
        std::mem::size_of::<T>(),
        Some(mt),
    )))
}

impl<T: UserData> IntoLua for T {
    fn into_lua<'gc>(self, cx: &Context<'gc>) -> Result<LuaValue<'gc>> {
        make(cx, self).map(LuaValue)
    }
}

impl AnyUserData {
    /// Runs `f` with a shared borrow of the value, if it is a `T`.
    ///
    /// # Errors
    /// Another type ([`Error::Conversion`]), a value being changed ([`Error::Borrow`]), a bad
    /// handle.
    pub fn borrow<T: UserData, R>(&self, lua: &impl Access, f: impl FnOnce(&T) -> R) -> Result<R> {
        lua.enter(|cx| {
            let v = self.0.get(cx)?;
            let cell = host_value::<T>(cx, v)?;
            with_ref::<T, _>(&cell, f)
        })
    }

    /// Runs `f` with an exclusive borrow of the value, if it is a `T`.
    ///
    /// # Errors
    /// As [`AnyUserData::borrow`].
    pub fn borrow_mut<T: UserData, R>(
        &self,
        lua: &impl Access,
        f: impl FnOnce(&mut T) -> R,
    ) -> Result<R> {
        lua.enter(|cx| {
            let v = self.0.get(cx)?;
            let cell = host_value::<T>(cx, v)?;
            with_mut::<T, _>(&cell, f)
        })
    }

    /// Whether the userdata holds a `T`.
    pub fn is<T: UserData>(&self, lua: &impl Access) -> bool {
        lua.enter(|cx| match self.0.get(cx) {
            Ok(v) => host_value::<T>(cx, v).is_ok(),
            Err(_) => false,
        })
    }
}

impl super::vm::Vm {
    /// Makes a userdata holding `value` (`T` must be registered).
    ///
    /// # Errors
    /// [`Error::Unknown`] if `T` is not registered with this VM.
    pub fn create_userdata<T: UserData>(&self, value: T) -> Result<AnyUserData> {
        self.enter(|cx| Ok(AnyUserData(Handle::new(cx, make(cx, value)?))))
    }
}
