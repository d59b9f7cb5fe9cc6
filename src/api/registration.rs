//! Registering host functions, waits and userdata types with a VM or its options.

use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::context::{Access, Context};
use super::convert::{FromLuaMulti, IntoLuaMulti, MultiValue};
use super::error::Result;
use super::host::{self, Reply, Resume};
use super::options::VmOptions;
use super::userdata::{self, UserData};
use super::vm::Vm;
use crate::vm::closure::LightNative;
use crate::vm::native::{HostFunction, HostWaitKind, NativeDef};
use crate::vm::state::Ctx;
use crate::vm::value::Value as VmValue;

/// Sets the global path `name` (`"game.spawn"`: the field `spawn` of the global table `game`,
/// made if missing) to `v`. A part that holds something other than a table is replaced.
pub(crate) fn set_path<'gc>(ctx: Ctx<'gc>, name: &str, v: VmValue<'gc>) {
    let mut parts: Vec<&str> = name.split('.').collect();
    let last = parts.pop().unwrap_or(name);
    let mut t = ctx.state.globals;
    for p in parts {
        let k = VmValue::Str(ctx.new_str(p.as_bytes()));
        t = match t.get(ctx.mc, k) {
            VmValue::Table(inner) => inner,
            _ => {
                let inner = ctx.new_table();
                ctx.store_always(t, k, VmValue::Table(inner));
                inner
            }
        };
    }
    ctx.store_always(t, VmValue::Str(ctx.new_str(last.as_bytes())), v);
}

impl Vm {
    fn install_function(&mut self, name: &str, f: Rc<dyn HostFunction>, global: bool) {
        let def: &'static NativeDef = {
            let (regs, registry) = self.registrations_mut();
            let def = regs.add_function(name, f.clone());
            registry.add_native(def);
            def
        };
        self.with_host(|h| {
            Rc::make_mut(&mut h.functions).insert(crate::vm::state::HostKey(def), f);
        });
        if global {
            self.enter(|cx| set_path(cx.ctx, name, VmValue::LightNative(LightNative(def))));
        }
    }

    /// Registers a host function under a stable name and sets the global of that name
    /// (`"game.now"` is the field `now` of the global table `game`, made if missing).
    /// Arguments and results convert through [`FromLuaMulti`]/[`IntoLuaMulti`]; a closure
    /// may capture host state (`Rc<RefCell<World>>`). A call costs
    /// [`HOST_CALL_FUEL`](super::HOST_CALL_FUEL) plus what it charges with
    /// [`Context::charge`]. A snapshot stores only the name: a VM restored from it needs the
    /// same name registered ([`VmOptions::register`]).
    ///
    /// ```
    /// use std::{cell::Cell, rc::Rc};
    /// let tick = Rc::new(Cell::new(7_i64));
    /// let mut vm = telelua::Vm::new();
    /// let t = tick.clone();
    /// vm.register("game.now", move |_cx, ()| Ok(t.get()));
    /// vm.register("game.add", |_cx, (a, b): (i64, i64)| Ok(a + b));
    /// let n: i64 = vm.eval("return game.add(game.now(), 1)").unwrap();
    /// assert_eq!(n, 8);
    /// ```
    pub fn register<F, A, R>(&mut self, name: &str, f: F)
    where
        F: for<'gc> Fn(&Context<'gc>, A) -> Result<R> + 'static,
        A: FromLuaMulti + 'static,
        R: IntoLuaMulti + 'static,
    {
        self.install_function(name, host::function(f), true);
    }

    /// Registers a host function that may suspend the calling script: it returns
    /// [`Reply::Return`] with results, or [`Reply::Wait`] with a [`super::Wait`]. See
    /// [`Vm::register`] for names and conversions.
    ///
    /// ```
    /// use telelua::{Reply, StepResult, Value, Vm, Wait};
    /// let mut vm = Vm::new();
    /// vm.register_waiting("receive", |_cx, ()| Ok(Reply::<()>::Wait(Wait::delivery())));
    /// vm.load(b"local msg = receive() return 'got ' .. msg", "=agent").unwrap();
    /// assert_eq!(vm.step(1_000), StepResult::Waiting { kind: "telelua.delivery".into() });
    /// vm.deliver("hello").unwrap();
    /// assert_eq!(vm.step(1_000), StepResult::Finished(vec![Value::Str(b"got hello".to_vec())]));
    /// ```
    pub fn register_waiting<F, A, R>(&mut self, name: &str, f: F)
    where
        F: for<'gc> Fn(&Context<'gc>, A) -> Result<Reply<R>> + 'static,
        A: FromLuaMulti + 'static,
        R: IntoLuaMulti + 'static,
    {
        self.install_function(name, host::waiting_function(f), true);
    }

    /// Registers a wait kind: how a script waiting in a [`super::Wait::new`] of this kind
    /// continues. `resume` gets the wait's state and, when the host [delivered](Vm::deliver)
    /// or a call it asked for returned, those values; it is also called on every step
    /// while the wait lasts (a poll, with `None`), so a kind like `sleep(ticks)` can end
    /// itself. `version` is saved with each wait; a wait made by another version is an error
    /// when resumed.
    pub fn register_wait_kind<S, F>(&mut self, kind: &str, version: u32, resume: F)
    where
        S: Serialize + DeserializeOwned + 'static,
        F: for<'gc> Fn(&Context<'gc>, S, Option<MultiValue>) -> Result<Resume<S>> + 'static,
    {
        let k: Rc<dyn HostWaitKind> = host::wait_kind(version, resume);
        self.install_wait_kind(kind, k);
    }

    /// Registers everything in `regs` with this VM, setting the globals of its host
    /// functions as [`Vm::register`] does (how [`super::Scheduler::spawn`] gives a VM the
    /// host built its natives).
    pub fn install_registrations(&mut self, regs: &super::Registrations) {
        let user_fns: std::collections::HashSet<&str> = regs
            .userdata
            .iter()
            .flat_map(|u| u.functions.iter().map(|(n, _)| n.as_str()))
            .collect();
        for (def, f) in &regs.functions {
            if !user_fns.contains(def.name) {
                self.install_function(def.name, f.clone(), true);
            }
        }
        for (name, k) in &regs.wait_kinds {
            self.install_wait_kind(name, k.clone());
        }
        for u in &regs.userdata {
            self.install_userdata(u.clone());
        }
    }

    fn install_wait_kind(&mut self, kind: &str, k: Rc<dyn HostWaitKind>) {
        // (Interned: waits of this kind borrow the name instead of copying it.)
        let kind = crate::snapshot::intern_name(kind);
        self.registrations_mut()
            .0
            .wait_kinds
            .push((kind, k.clone()));
        self.with_host(|h| {
            Rc::make_mut(&mut h.wait_kinds).insert(std::borrow::Cow::Borrowed(kind), k);
        });
    }

    /// Registers a userdata type whose values are saved with the VM through serde. Its
    /// methods become host functions named `"Type:method"`, its metamethods `"Type.__name"`.
    pub fn register_userdata<T: UserData + Serialize + DeserializeOwned>(&mut self) {
        self.install_userdata(userdata::UserdataType::saved::<T>());
    }

    /// Registers a userdata type that cannot be saved: saving a VM holding one fails with an
    /// error naming the type.
    pub fn register_userdata_unsaved<T: UserData>(&mut self) {
        self.install_userdata(userdata::UserdataType::unsaved::<T>());
    }

    fn install_userdata(&mut self, ty: userdata::UserdataType) {
        for (name, f) in &ty.functions {
            self.install_function(name, f.clone(), false);
        }
        {
            let (regs, registry) = self.registrations_mut();
            registry.add_userdata_codec(ty.codec.clone());
            regs.userdata.push(ty.clone());
        }
        self.enter(|cx| {
            userdata::metatable(cx, &ty);
        });
    }
}

impl VmOptions {
    /// [`Vm::register`] for the VM these options make or restore (on a restore the globals
    /// are the snapshot's: only the function is registered).
    pub fn register<F, A, R>(mut self, name: &str, f: F) -> Self
    where
        F: for<'gc> Fn(&Context<'gc>, A) -> Result<R> + 'static,
        A: FromLuaMulti + 'static,
        R: IntoLuaMulti + 'static,
    {
        self.registrations.add_function(name, host::function(f));
        self
    }

    /// [`Vm::register_waiting`] for the VM these options make or restore.
    pub fn register_waiting<F, A, R>(mut self, name: &str, f: F) -> Self
    where
        F: for<'gc> Fn(&Context<'gc>, A) -> Result<Reply<R>> + 'static,
        A: FromLuaMulti + 'static,
        R: IntoLuaMulti + 'static,
    {
        self.registrations
            .add_function(name, host::waiting_function(f));
        self
    }

    /// [`Vm::register_wait_kind`] for the VM these options make or restore.
    pub fn register_wait_kind<S, F>(mut self, kind: &str, version: u32, resume: F) -> Self
    where
        S: Serialize + DeserializeOwned + 'static,
        F: for<'gc> Fn(&Context<'gc>, S, Option<MultiValue>) -> Result<Resume<S>> + 'static,
    {
        self.registrations.wait_kinds.push((
            crate::snapshot::intern_name(kind),
            host::wait_kind(version, resume),
        ));
        self
    }

    /// [`Vm::register_userdata`] for the VM these options make or restore.
    pub fn register_userdata<T: UserData + Serialize + DeserializeOwned>(mut self) -> Self {
        self.registrations
            .add_userdata(userdata::UserdataType::saved::<T>());
        self
    }

    /// [`Vm::register_userdata_unsaved`] for the VM these options make or restore.
    pub fn register_userdata_unsaved<T: UserData>(mut self) -> Self {
        self.registrations
            .add_userdata(userdata::UserdataType::unsaved::<T>());
        self
    }
}

/// After a new VM is built from options: the registered functions' globals and the userdata
/// metatables.
pub(crate) fn expose_all(vm: &Vm) {
    let regs = vm.registrations().clone();
    vm.enter(|cx| {
        let user_fns: std::collections::HashSet<&str> = regs
            .userdata
            .iter()
            .flat_map(|u| u.functions.iter().map(|(n, _)| n.as_str()))
            .collect();
        for (def, _) in &regs.functions {
            if !user_fns.contains(def.name) {
                set_path(cx.ctx, def.name, VmValue::LightNative(LightNative(def)));
            }
        }
        for u in &regs.userdata {
            userdata::metatable(cx, u);
        }
    });
}
