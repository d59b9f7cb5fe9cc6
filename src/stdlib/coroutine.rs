//! The coroutine library. Resume and yield are requests to the scheduler (`exec::run`), so a
//! coroutine can yield from anywhere: inside `pcall`, metamethods, iterators and natives that
//! wait on Lua calls.

use gc_arena::Collect;
use serde::{Deserialize, Serialize};

use crate::vm::closure::NativeClosure;
use crate::vm::cont::{map_all, Cont, LibCont, LibContKind, LibSaved, MapValues};
use crate::vm::error::{LuaError, LuaResult};
use crate::vm::exec::close_upvalues;
use crate::vm::native::{Action, NativeCtx, NativeDef};
use crate::vm::state::Ctx;
use crate::vm::thread::{Status, Thread};
use crate::vm::value::Value;

type R<'gc> = LuaResult<'gc, Action<'gc>>;

/// The coroutine library's natives.
pub static FUNCS: &[NativeDef] = &[
    NativeDef {
        name: "coroutine.close",
        func: close,
    },
    NativeDef {
        name: "coroutine.create",
        func: create,
    },
    NativeDef {
        name: "coroutine.isyieldable",
        func: isyieldable,
    },
    NativeDef {
        name: "coroutine.resume",
        func: crate::vm::switch_call::resume,
    },
    NativeDef {
        name: "coroutine.running",
        func: running,
    },
    NativeDef {
        name: "coroutine.status",
        func: status,
    },
    NativeDef {
        name: "coroutine.wrap",
        func: wrap,
    },
    NativeDef {
        name: "coroutine.yield",
        func: crate::vm::switch_call::yield_,
    },
];

/// The function `coroutine.wrap` returns (bound to its coroutine).
pub static WRAP_AUX: NativeDef = NativeDef {
    name: "coroutine.wrap_aux",
    func: wrap_aux,
};

/// Lua's `lua_close` on the main coroutine (see `vm::gc::begin_close`): called with the main
/// coroutine's pending to-be-closed values (innermost last), it closes them with a nil error
/// (an error in one is passed to the next, then dropped, as `luaD_closeprotected` does), then
/// queues every object marked for finalization and runs a full collection, before whose end
/// every finalizer due runs (`luaC_freeallobjects`).
pub static CLOSE_STATE: NativeDef = NativeDef {
    name: crate::vm::gc::STATE_CLOSER,
    func: close_state,
};

fn close_state<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let values = nc.args().to_vec();
    close_state_next(nc, values, None)
}

fn close_state_next<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    mut values: Vec<Value<'gc>>,
    error: Option<Value<'gc>>,
) -> R<'gc> {
    match values.pop() {
        None => {
            crate::vm::gc::separate_all(nc.ctx);
            super::base::full_collection(nc)
        }
        Some(v) => {
            let e = error.unwrap_or(Value::Nil);
            call_close_method(nc, v, e, CloseCont::State { values, error })
        }
    }
}

/// Opens the library.
pub fn open(ctx: Ctx<'_>) {
    // A call of a wrap function from Lua switches at the call (`vm::switch_call`).
    crate::vm::switch_call::register_wrap(crate::vm::switch_call::WrapNative {
        func: wrap_aux,
        cont: |_| Cont::Lib(Box::new(WrapCont)),
    });
    super::new_lib(ctx, "coroutine", FUNCS);
}

fn check_co<'gc>(nc: &NativeCtx<'gc, '_>, n: usize) -> LuaResult<'gc, Thread<'gc>> {
    match nc.arg(n) {
        Value::Thread(t) => Ok(t),
        _ => Err(nc.arg_type_error(n, "thread")),
    }
}

fn create<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let f = nc.arg(1);
    if !matches!(
        f,
        Value::Function(_) | Value::Native(_) | Value::LightNative(_)
    ) {
        return Err(nc.arg_type_error(1, "function"));
    }
    nc.charge(crate::limits::fuel::COROUTINE_CREATE);
    let t = Thread::new(nc.ctx.mc, f);
    nc.ret1(Value::Thread(t))
}

fn wrap<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    create(nc)?;
    let co = nc.arg(1);
    let f = NativeClosure::new(nc.ctx.mc, &WRAP_AUX, Box::new([co]));
    nc.ret1(Value::Native(f))
}

/// The code of the function `coroutine.wrap` returns: resumes the coroutine in its upvalue
/// with its arguments. (Registered with the core by `open`: a call of it from Lua makes its
/// switch at the call, see `vm::switch_call`.)
fn wrap_aux<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    nc.charge(crate::limits::fuel::COROUTINE_SWITCH);
    match nc.upvalue(0) {
        Value::Thread(co) => Ok(Action::Resume {
            thread: co,
            cont: Cont::Lib(Box::new(WrapCont)),
        }),
        _ => Err(LuaError::rt("cannot resume dead coroutine")),
    }
}

fn status_name<'gc>(nc: &NativeCtx<'gc, '_>, co: Thread<'gc>) -> &'static str {
    if co == nc.thread || being_closed(nc, co) {
        return "running";
    }
    match co.status() {
        Status::Initial | Status::Suspended => "suspended",
        Status::Running => "running",
        Status::Normal => "normal",
        Status::Dead => "dead",
    }
}

/// Whether `coroutine.close` is running `co`'s `__close` handlers below this native (Lua runs
/// them inside `co`, which is then the running coroutine).
fn being_closed<'gc>(nc: &NativeCtx<'gc, '_>, co: Thread<'gc>) -> bool {
    nc.frames.iter().any(|f| {
        matches!(f, crate::vm::thread::Frame::Native(n)
            if matches!(&*n.cont, Cont::Lib(l) if l.acts_for() == Some(co)))
    })
}

fn status<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let co = check_co(nc, 1)?;
    let s = status_name(nc, co);
    let v = nc.str_value(s.as_bytes());
    nc.ret1(v)
}

fn running<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let t = nc.thread;
    let is_main = t == nc.ctx.state.main;
    // Lua now holds the running coroutine: a host call's may not be reused.
    t.expose();
    nc.ret(&[Value::Thread(t), Value::boolean(is_main)])
}

fn isyieldable<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let t = match nc.arg(1) {
        Value::Thread(t) => t,
        _ => nc.thread,
    };
    let y = t != nc.ctx.state.main || nc.ctx.state.main_yieldable.get();
    // A finalizer cannot yield (Lua calls it from C without a continuation).
    let y = y
        && !(t == nc.thread
            && (crate::vm::gc::thread_in_finalizer(nc.ctx, nc.frames)
                || crate::vm::switch_call::behind_boundary(nc.ctx, nc.frames)));
    nc.ret1(Value::boolean(y))
}

/// Calls the next pending `__close` of a closed coroutine, or returns `coroutine.close`'s
/// result when none are left.
pub fn close_next<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    co: Value<'gc>,
    mut values: Vec<Value<'gc>>,
    error: Option<Value<'gc>>,
) -> R<'gc> {
    match values.pop() {
        None => match error {
            Some(e) => nc.ret(&[Value::False, e]),
            None => nc.ret1(Value::True),
        },
        Some(v) => {
            let e = error.unwrap_or(Value::Nil);
            call_close_method(nc, v, e, CloseCont::Close { co, values, error })
        }
    }
}

/// Calls `v`'s `__close` with `error` (nil for none), then goes on with `then`.
fn call_close_method<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    v: Value<'gc>,
    error: Value<'gc>,
    then: CloseCont<Value<'gc>>,
) -> R<'gc> {
    let tm = nc.ctx.metamethod(v, crate::vm::state::Tm::Close);
    nc.clear();
    nc.push(v);
    nc.push(error);
    Ok(Action::Call {
        func: tm,
        cont: Cont::Lib(Box::new(then)),
    })
}

/// Kills `co` (suspended or dead) and returns its pending to-be-closed values, innermost
/// last (closed first), with the error it died by, if any (`lua_closethread`'s first half).
pub fn take_pending<'gc>(ctx: Ctx<'gc>, co: Thread<'gc>) -> (Vec<Value<'gc>>, Option<Value<'gc>>) {
    let mut ts = co.borrow_mut(ctx.mc);
    let err = ts.error.take();
    let values: Vec<Value<'gc>> = ts
        .tbc
        .iter()
        .map(|&s| ts.stack.get(s as usize).copied().unwrap_or(Value::Nil))
        .collect();
    close_upvalues(ctx, &mut ts, 0);
    ts.frames.clear();
    ts.c_calls.clear();
    ts.stack.clear();
    ts.tbc.clear();
    ts.top = 0;
    ts.status = Status::Dead;
    (values, err)
}

fn close<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let co = check_co(nc, 1)?;
    let st = status_name(nc, co);
    match st {
        "suspended" | "dead" => {
            let (values, err) = take_pending(nc.ctx, co);
            close_next(nc, Value::Thread(co), values, err)
        }
        other => Err(LuaError::rt(format!("cannot close a {other} coroutine"))),
    }
}

/// A `coroutine.wrap` function whose coroutine failed: closes the coroutine's pending
/// to-be-closed variables (each error replacing the one in flight, as `lua_closethread`
/// does), then raises the final error, a string with the caller's position prefixed.
pub fn wrap_close_next<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    mut values: Vec<Value<'gc>>,
    error: Value<'gc>,
) -> R<'gc> {
    match values.pop() {
        None => match error {
            Value::Str(s) => Err(LuaError::Where(s)),
            other => Err(LuaError::Value(other)),
        },
        Some(v) => call_close_method(nc, v, error, CloseCont::WrapClose { values, error }),
    }
}

/// `coroutine.wrap`'s function after its coroutine raised `e`: a coroutine that died by it
/// has its pending to-be-closed variables closed first.
pub fn wrap_failed<'gc>(nc: &mut NativeCtx<'gc, '_>, e: Value<'gc>) -> R<'gc> {
    let values = match nc.upvalue(0) {
        // (A wrap function called from inside its own coroutine finds it running.)
        Value::Thread(co)
            if co != nc.thread && co.status() == Status::Dead && co.borrow().error.is_some() =>
        {
            take_pending(nc.ctx, co).0
        }
        _ => Vec::new(),
    };
    wrap_close_next(nc, values, e)
}

/// A `coroutine.wrap` function waiting for its coroutine (a unit: boxing it allocates
/// nothing, and one runs on every resume through a wrap function).
#[derive(Collect, Serialize, Deserialize, Debug, Clone, Copy)]
#[collect(require_static)]
pub struct WrapCont;

/// The kind of [`WrapCont`].
pub static WRAP_CONT: LibContKind = LibContKind {
    name: "coroutine.wrap",
    load: |_| Ok(Box::new(WrapCont)),
};

impl<'gc> LibCont<'gc> for WrapCont {
    fn resume(
        self: Box<Self>,
        nc: &mut NativeCtx<'gc, '_>,
        outcome: Result<(), Value<'gc>>,
    ) -> R<'gc> {
        match outcome {
            Ok(()) => Ok(Action::Return),
            Err(e) => wrap_failed(nc, e),
        }
    }

    fn yieldable(&self) -> bool {
        true
    }

    fn returns_delivered(&self) -> bool {
        true
    }

    fn save(&self) -> Result<LibSaved<Value<'gc>>, String> {
        Ok(LibSaved::unit(&WRAP_CONT))
    }
}

/// Closing a dead coroutine's pending to-be-closed variables, innermost first (an error in
/// one replaces the error so far and closing continues).
#[derive(Collect, Serialize, Deserialize, Debug, Clone)]
#[collect(no_drop)]
pub enum CloseCont<V> {
    /// `coroutine.close(co)` (while it is on the stack, `co` counts as running: it cannot be
    /// closed again).
    Close {
        /// The coroutine being closed.
        co: V,
        /// Values still to close (the next one last).
        values: Vec<V>,
        /// The error so far, if any.
        error: Option<V>,
    },
    /// A `coroutine.wrap` function whose coroutine failed, before it raises the error.
    WrapClose {
        /// Values still to close (the next one last).
        values: Vec<V>,
        /// The error in flight.
        error: V,
    },
    /// Closing the VM ([`CLOSE_STATE`]): the main coroutine's values, then a collection.
    State {
        /// Values still to close (the next one last).
        values: Vec<V>,
        /// The error so far, if any (each closing method gets it).
        error: Option<V>,
    },
}

/// The kind of [`CloseCont`].
pub static CLOSE_CONT: LibContKind = LibContKind {
    name: "coroutine.close",
    load: |saved| Ok(Box::new(saved.rebuild::<CloseCont<u32>>()?)),
};

impl<V> MapValues<V> for CloseCont<V> {
    type Mapped<W> = CloseCont<W>;

    fn map_values<W, E>(self, f: &mut impl FnMut(V) -> Result<W, E>) -> Result<CloseCont<W>, E> {
        Ok(match self {
            CloseCont::Close { co, values, error } => CloseCont::Close {
                co: f(co)?,
                values: map_all(values, f)?,
                error: error.map(&mut *f).transpose()?,
            },
            CloseCont::WrapClose { values, error } => CloseCont::WrapClose {
                values: map_all(values, f)?,
                error: f(error)?,
            },
            CloseCont::State { values, error } => CloseCont::State {
                values: map_all(values, f)?,
                error: error.map(&mut *f).transpose()?,
            },
        })
    }
}

impl<'gc> LibCont<'gc> for CloseCont<Value<'gc>> {
    fn resume(
        self: Box<Self>,
        nc: &mut NativeCtx<'gc, '_>,
        outcome: Result<(), Value<'gc>>,
    ) -> R<'gc> {
        match (*self, outcome) {
            (CloseCont::Close { co, values, error }, Ok(())) => close_next(nc, co, values, error),
            (CloseCont::Close { co, values, .. }, Err(e)) => close_next(nc, co, values, Some(e)),
            (CloseCont::WrapClose { values, error }, Ok(())) => wrap_close_next(nc, values, error),
            (CloseCont::WrapClose { values, .. }, Err(e)) => wrap_close_next(nc, values, e),
            (CloseCont::State { values, error }, Ok(())) => close_state_next(nc, values, error),
            (CloseCont::State { values, .. }, Err(e)) => close_state_next(nc, values, Some(e)),
        }
    }

    fn catches(&self) -> bool {
        true
    }

    /// `lua_close` (`os.exit(c, true)`, the CLI's end) runs closing methods under the handler
    /// of the call that was running, as `luaD_closeprotected` leaves `L->errfunc`: under
    /// `lua.c`'s, the next closing method sees an error with its traceback appended.
    fn keeps_message_handler(&self) -> bool {
        matches!(self, CloseCont::State { .. })
    }

    fn heap_bytes(&self) -> usize {
        let (CloseCont::Close { values, .. }
        | CloseCont::WrapClose { values, .. }
        | CloseCont::State { values, .. }) = self;
        values.len() * crate::vm::memory::VALUE_BYTES
    }

    fn acts_for(&self) -> Option<Thread<'gc>> {
        match self {
            CloseCont::Close {
                co: Value::Thread(t),
                ..
            } => Some(*t),
            _ => None,
        }
    }

    fn save(&self) -> Result<LibSaved<Value<'gc>>, String> {
        LibSaved::of(&CLOSE_CONT, self.clone())
    }
}
