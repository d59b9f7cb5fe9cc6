//! Host functions (Rust closures Lua can call) and waits (host functions that suspend the
//! calling script until the host acts).
//!
//! # Design
//! A host function is registered under a stable name (`"game.spawn"`). The name becomes a
//! [`NativeDef`] whose code is one dispatcher: it finds the closure by name in the VM's
//! `Host`. A snapshot stores only the name, as for the standard library's natives, so a VM
//! restored in another process calls whatever closure that process registered under the name
//! (Red Moon's "rehydration"); restoring without it is an error naming it.
//!
//! A waiting host function returns [`Reply::Wait`]: the calling coroutine — and with it the
//! whole chain of coroutines that resumed it — stops as a frame holding a [`Wait`]: a kind
//! name, a version and plain-data state (serialized with serde), plus any Lua values to keep.
//! `step` then reports [`StepResult::Waiting`](super::StepResult::Waiting). Every later step
//! asks the kind's resume function whether the wait is over (a poll, as `sleep(ticks)` wants),
//! and [`Vm::deliver`](super::Vm::deliver) hands it values (a message for `receive()`, an
//! answer to an RPC). The wait is ordinary VM state: a snapshot taken during it restores into
//! a VM where it goes on waiting, and a delivery there continues the script.

use std::borrow::Cow;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::{Mutex, OnceLock};

use serde::de::DeserializeOwned;
use serde::Serialize;
use smallvec::SmallVec;

use super::context::Context;
use super::convert::{FromLuaMulti, IntoLuaMulti, LuaValue, MultiValue, Variadic};
use super::error::{Error, Result};
use super::handle::Function;
use crate::snapshot::Registry;
use crate::vm::cont::Cont;
use crate::vm::error::{LuaError, LuaResult};
use crate::vm::native::{Action, HostFunction, HostWait, HostWaitKind, NativeCtx, NativeDef};
use crate::vm::state::{Host, HostKey};
use crate::vm::value::Value as VmValue;

/// Fuel a host function call costs on top of the call instruction, before what the function
/// charges itself with [`Context::charge`] (about the time of converting a few arguments).
pub const HOST_CALL_FUEL: i64 = crate::limits::fuel::HOST_CALL;

/// Fuel each resume of a wait costs (a poll, a delivery, the end of a call it asked for).
pub const WAIT_RESUME_FUEL: i64 = crate::limits::fuel::WAIT_RESUME;

/// The built-in wait kind of [`Wait::delivery`]: waits until the host delivers, then returns
/// what it delivered.
pub const DELIVERY_KIND: &str = "telelua.delivery";

/// The definition registered for a host function name (one per name per process: the
/// dispatcher finds the closure of each VM in its `Host`).
pub(crate) fn interned_def(name: &str) -> &'static NativeDef {
    static DEFS: OnceLock<Mutex<HashMap<String, &'static NativeDef>>> = OnceLock::new();
    let mut defs = match DEFS.get_or_init(Default::default).lock() {
        Ok(d) => d,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(d) = defs.get(name) {
        return d;
    }
    // Leaked once per distinct name in the process: `NativeDef`s are `'static` so that
    // light natives stay one word; hosts register a bounded set of names.
    let name = crate::snapshot::intern_name(name);
    let def: &'static NativeDef = Box::leak(Box::new(NativeDef {
        name,
        func: dispatch,
    }));
    defs.insert(name.to_string(), def);
    def
}

/// The code of every host function: runs the closure registered under the native's name.
fn dispatch<'gc>(nc: &mut NativeCtx<'gc, '_>) -> LuaResult<'gc, Action<'gc>> {
    let Some(native) = nc.native else {
        return Err(LuaError::rt(
            "internal error: host function without a native",
        ));
    };
    let def = native.def();
    let f = nc
        .ctx
        .state
        .host
        .borrow()
        .functions
        .get(&HostKey(def))
        .cloned();
    match f {
        // The host's code is not counted in the pacing of full collections (see
        // `memory::with_pacing`).
        Some(f) => crate::vm::memory::with_pacing(false, || f.call(nc)),
        None => Err(LuaError::rt(format!(
            "host function '{}' is not registered in this VM",
            def.name
        ))),
    }
}

/// What the host has registered with a VM: host functions, wait kinds and userdata types.
/// Cloning is cheap (the closures are shared): forks and restores get the same ones.
#[derive(Clone, Default)]
pub struct Registrations {
    pub(crate) functions: Vec<(&'static NativeDef, Rc<dyn HostFunction>)>,
    /// (Names interned: a fork's maps and its waits borrow them.)
    pub(crate) wait_kinds: Vec<(&'static str, Rc<dyn HostWaitKind>)>,
    pub(crate) userdata: Vec<super::userdata::UserdataType>,
}

impl Registrations {
    /// Adds everything `other` has (later registrations of a name replace earlier ones).
    pub fn extend(&mut self, other: &Registrations) {
        self.functions.extend(other.functions.iter().cloned());
        self.wait_kinds.extend(other.wait_kinds.iter().cloned());
        self.userdata.extend(other.userdata.iter().cloned());
    }

    pub(crate) fn add_function(
        &mut self,
        name: &str,
        f: Rc<dyn HostFunction>,
    ) -> &'static NativeDef {
        let def = interned_def(name);
        self.functions.push((def, f));
        def
    }

    pub(crate) fn add_userdata(&mut self, ty: super::userdata::UserdataType) {
        for (name, f) in &ty.functions {
            self.add_function(name, f.clone());
        }
        self.userdata.push(ty);
    }

    /// Makes these registrations known to a VM's snapshot registry and host.
    /// Whether nothing is registered.
    pub(crate) fn is_empty(&self) -> bool {
        self.functions.is_empty() && self.wait_kinds.is_empty() && self.userdata.is_empty()
    }

    pub(crate) fn install(&self, registry: &mut Registry, host: &mut Host) {
        // Sized once (a fork's maps start empty: growing them costs every spawn).
        let functions = Rc::make_mut(&mut host.functions);
        functions.reserve(self.functions.len());
        for (def, f) in &self.functions {
            registry.add_native(def);
            functions.insert(HostKey(def), f.clone());
        }
        let wait_kinds = Rc::make_mut(&mut host.wait_kinds);
        wait_kinds.reserve(self.wait_kinds.len() + 1);
        wait_kinds.insert(Cow::Borrowed(DELIVERY_KIND), Rc::new(DeliveryKind));
        for (name, k) in &self.wait_kinds {
            wait_kinds.insert(Cow::Borrowed(*name), k.clone());
        }
        for u in &self.userdata {
            registry.add_userdata_codec(u.codec.clone());
        }
    }
}

/// What a waiting host function returns: its results now, or a wait.
pub enum Reply<R> {
    /// Return these results to the script.
    Return(R),
    /// Suspend the script in this wait.
    Wait(Wait),
}

/// A wait: the kind that continues it and its plain-data state.
pub struct Wait {
    kind: Cow<'static, str>,
    state: Vec<u8>,
    values: Vec<super::Value>,
}

impl Wait {
    /// A wait of a registered kind (see [`crate::Vm::register_wait_kind`]) with `state`.
    ///
    /// # Errors
    /// If `state` cannot be serialized.
    pub fn new<S: Serialize>(kind: &str, state: &S) -> Result<Wait> {
        let state = rmp_serde::to_vec(state)
            .map_err(|e| Error::msg(format!("cannot serialize the state of wait '{kind}': {e}")))?;
        Ok(Wait {
            kind: Cow::Owned(kind.to_string()),
            state,
            values: Vec::new(),
        })
    }

    /// A wait that ends when the host delivers values ([`crate::Vm::deliver`]); they become
    /// the host function's results (`receive()`, an RPC answered on a later tick).
    pub fn delivery() -> Wait {
        Wait {
            kind: Cow::Borrowed(DELIVERY_KIND),
            state: Vec::new(),
            values: Vec::new(),
        }
    }

    /// Keeps Lua values with the wait (alive and in snapshots), handed back to the kind's
    /// resume function.
    pub fn with_values(mut self, values: Vec<super::Value>) -> Wait {
        self.values = values;
        self
    }
}

/// What a wait kind's resume function decides.
pub enum Resume<S> {
    /// The wait is over: these are the host function's results.
    Return(MultiValue),
    /// Keep waiting, with this state.
    Wait(S),
    /// Call a Lua function; its results are delivered to the kind (with this state).
    Call {
        /// The function.
        func: Function,
        /// Its arguments.
        args: MultiValue,
        /// The state to continue with.
        then: S,
    },
}

/// Makes `values` the native's results.
pub(crate) fn return_values<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    values: impl IntoIterator<Item = LuaValue<'gc>>,
) -> LuaResult<'gc, Action<'gc>> {
    nc.clear();
    for v in values {
        nc.push(v.0);
    }
    Ok(Action::Return)
}

/// The host function behind a typed closure.
struct Typed<F, A, R> {
    f: F,
    _types: PhantomData<fn(A) -> R>,
}

/// The argument values of a native as `LuaValue`s.
fn args_of<'gc>(nc: &NativeCtx<'gc, '_>) -> SmallVec<[LuaValue<'gc>; 8]> {
    nc.args().iter().map(|v| LuaValue(*v)).collect()
}

/// Runs `f` on the argument values of a native as `LuaValue`s.
#[inline]
fn with_args<'gc, T>(nc: &NativeCtx<'gc, '_>, f: impl FnOnce(&[LuaValue<'gc>]) -> T) -> T {
    super::convert::with_lua_values(nc.args(), f)
}

/// A host function's error as the Lua error the script sees.
pub(crate) fn lua_error<'gc>(cx: &Context<'gc>, e: Error) -> LuaError<'gc> {
    match e {
        Error::Conversion {
            path,
            expected,
            found,
        } if path.starts_with('#') => {
            let rest = &path[1..];
            let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            let n = rest[..digits].parse().unwrap_or(1);
            let inner = &rest[digits..];
            let detail = if inner.is_empty() {
                format!("{expected} expected, got {found}")
            } else {
                Error::Conversion {
                    path: inner.to_string(),
                    expected,
                    found,
                }
                .to_string()
            };
            LuaError::bad_arg(n, detail)
        }
        Error::Runtime { message, .. } => LuaError::Value(cx.string(message.as_bytes())),
        Error::Message(m) => LuaError::rt(m),
        other => LuaError::rt(other.to_string()),
    }
}

impl<F, A, R> HostFunction for Typed<F, A, R>
where
    F: for<'gc> Fn(&Context<'gc>, A) -> Result<Reply<R>>,
    A: FromLuaMulti,
    R: IntoLuaMulti,
{
    fn call<'gc>(&self, nc: &mut NativeCtx<'gc, '_>) -> LuaResult<'gc, Action<'gc>> {
        let cx = Context::new(nc.ctx, nc.ctx.state.host.borrow().handle_releases.clone());
        let a =
            with_args(nc, |args| A::from_lua_multi(args, 1, &cx)).map_err(|e| lua_error(&cx, e))?;
        let reply = (self.f)(&cx, a).map_err(|e| lua_error(&cx, e));
        nc.charge(HOST_CALL_FUEL.saturating_add(cx.charged.get()));
        match reply? {
            Reply::Return(r) => {
                let out = r.into_lua_multi(&cx).map_err(|e| lua_error(&cx, e))?;
                return_values(nc, out)
            }
            Reply::Wait(w) => {
                // (The map's key is the registered name: the wait borrows it.)
                let found = nc
                    .ctx
                    .state
                    .host
                    .borrow()
                    .wait_kinds
                    .get_key_value(w.kind.as_ref())
                    .map(|(name, k)| (name.clone(), k.clone()));
                let Some((name, kind)) = found else {
                    return Err(LuaError::rt(format!(
                        "wait kind '{}' is not registered",
                        w.kind
                    )));
                };
                // (Most waits keep no values: `receive()` in every agent's turn.)
                let values = if w.values.is_empty() {
                    Vec::new()
                } else {
                    w.values
                        .into_iter()
                        .map(|v| super::IntoLua::into_lua(v, &cx).map(|v| v.0))
                        .collect::<Result<Vec<_>>>()
                        .map_err(|e| lua_error(&cx, e))?
                };
                nc.clear();
                Ok(Action::Wait {
                    cont: Cont::Host {
                        wait: Box::new(HostWait {
                            kind: name,
                            version: kind.version(),
                            state: w.state,
                            values,
                        }),
                        delivered: false,
                    },
                })
            }
        }
    }
}

/// Wraps a plain closure as a host function.
pub(crate) fn function<F, A, R>(f: F) -> Rc<dyn HostFunction>
where
    F: for<'gc> Fn(&Context<'gc>, A) -> Result<R> + 'static,
    A: FromLuaMulti + 'static,
    R: IntoLuaMulti + 'static,
{
    Rc::new(Typed {
        f: move |cx: &Context<'_>, a: A| f(cx, a).map(Reply::Return),
        _types: PhantomData,
    })
}

/// Wraps a closure that may wait as a host function.
pub(crate) fn waiting_function<F, A, R>(f: F) -> Rc<dyn HostFunction>
where
    F: for<'gc> Fn(&Context<'gc>, A) -> Result<Reply<R>> + 'static,
    A: FromLuaMulti + 'static,
    R: IntoLuaMulti + 'static,
{
    Rc::new(Typed {
        f,
        _types: PhantomData,
    })
}

/// The built-in kind of [`Wait::delivery`].
struct DeliveryKind;

impl HostWaitKind for DeliveryKind {
    fn version(&self) -> u32 {
        0
    }

    fn resume<'gc>(
        &self,
        nc: &mut NativeCtx<'gc, '_>,
        wait: HostWait<VmValue<'gc>>,
        delivered: bool,
    ) -> LuaResult<'gc, Action<'gc>> {
        nc.charge(WAIT_RESUME_FUEL);
        if delivered {
            Ok(Action::Return)
        } else {
            Ok(Action::Wait {
                cont: Cont::Host {
                    wait: Box::new(wait),
                    delivered: false,
                },
            })
        }
    }
}

/// A wait kind backed by a typed resume closure.
struct TypedKind<S, F> {
    version: u32,
    f: F,
    _state: PhantomData<fn(S)>,
}

impl<S, F> HostWaitKind for TypedKind<S, F>
where
    S: Serialize + DeserializeOwned,
    F: for<'gc> Fn(&Context<'gc>, S, Option<MultiValue>) -> Result<Resume<S>>,
{
    fn version(&self) -> u32 {
        self.version
    }

    fn resume<'gc>(
        &self,
        nc: &mut NativeCtx<'gc, '_>,
        wait: HostWait<VmValue<'gc>>,
        delivered: bool,
    ) -> LuaResult<'gc, Action<'gc>> {
        let cx = Context::new(nc.ctx, nc.ctx.state.host.borrow().handle_releases.clone());
        if wait.version != self.version {
            return Err(LuaError::rt(format!(
                "wait kind '{}' is version {}, but this wait was made by version {}",
                wait.kind, self.version, wait.version
            )));
        }
        let state: S = rmp_serde::from_slice(&wait.state)
            .map_err(|e| LuaError::rt(format!("bad state for wait kind '{}': {e}", wait.kind)))?;
        let delivered = if delivered {
            let vals = args_of(nc);
            Some(Variadic(vals.iter().map(|v| v.to_value(&cx)).collect()))
        } else {
            None
        };
        let r = (self.f)(&cx, state, delivered).map_err(|e| lua_error(&cx, e));
        nc.charge(WAIT_RESUME_FUEL.saturating_add(cx.charged.get()));
        let encode = |s: &S| {
            rmp_serde::to_vec(s).map_err(|e| {
                LuaError::rt(format!(
                    "cannot serialize the state of wait '{}': {e}",
                    wait.kind
                ))
            })
        };
        match r? {
            Resume::Return(vals) => {
                let out = vals.into_lua_multi(&cx).map_err(|e| lua_error(&cx, e))?;
                return_values(nc, out)
            }
            Resume::Wait(s) => {
                nc.clear();
                Ok(Action::Wait {
                    cont: Cont::Host {
                        wait: Box::new(HostWait {
                            state: encode(&s)?,
                            ..wait
                        }),
                        delivered: false,
                    },
                })
            }
            Resume::Call { func, args, then } => {
                let f = super::IntoLua::into_lua(func, &cx).map_err(|e| lua_error(&cx, e))?;
                let args = args.into_lua_multi(&cx).map_err(|e| lua_error(&cx, e))?;
                nc.clear();
                for v in args {
                    nc.push(v.0);
                }
                Ok(Action::Call {
                    func: f.0,
                    cont: Cont::Host {
                        wait: Box::new(HostWait {
                            state: encode(&then)?,
                            ..wait
                        }),
                        delivered: true,
                    },
                })
            }
        }
    }
}

/// Wraps a typed resume closure as a wait kind.
pub(crate) fn wait_kind<S, F>(version: u32, f: F) -> Rc<dyn HostWaitKind>
where
    S: Serialize + DeserializeOwned + 'static,
    F: for<'gc> Fn(&Context<'gc>, S, Option<MultiValue>) -> Result<Resume<S>> + 'static,
{
    Rc::new(TypedKind {
        version,
        f,
        _state: PhantomData,
    })
}
