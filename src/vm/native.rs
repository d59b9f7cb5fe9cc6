//! The native-function interface.
//!
//! A native is a plain `fn` registered under a stable name (snapshots store the name). It sees
//! its arguments as a window at the top of the thread's stack (`stack[base..]`), leaves its
//! results in the same window, and returns an [`Action`]. It never calls back into the
//! interpreter: to call a Lua function it returns `Action::Call` with a continuation (`Cont`, a
//! serializable enum) that the VM resumes with the results. That keeps the Rust stack flat and
//! every suspended native serializable.

use super::closure::NativeRef;
use super::cont::Cont;
use super::convert;
use super::error::{LuaError, LuaResult};
use super::state::Ctx;
use super::string::LuaStr;
use super::table::Table;
use super::thread::{Frame, Thread};
use super::value::Value;
use crate::limits::fuel::Fuel;

/// A native function.
pub type NativeFn = for<'gc, 'a> fn(&mut NativeCtx<'gc, 'a>) -> LuaResult<'gc, Action<'gc>>;

/// A library native that the core recognizes (`next`, `ipairs`' iterator, `setmetatable`:
/// the interpreter makes their common cases without the call), registered by the library so
/// that the core does not import it; unregistered, the calls are made. The same for every
/// VM: the first registration stays.
pub struct KnownNative(std::sync::OnceLock<NativeFn>);

impl KnownNative {
    /// Nothing registered yet.
    pub const fn new() -> Self {
        KnownNative(std::sync::OnceLock::new())
    }

    /// Registers `f` (a later registration changes nothing).
    pub fn register(&self, f: NativeFn) {
        let _ = self.0.set(f);
    }

    /// Whether `nf` is the registered native.
    #[inline]
    pub fn is(&self, nf: NativeRef<'_>) -> bool {
        self.0
            .get()
            .is_some_and(|&f| std::ptr::fn_addr_eq(nf.def().func, f))
    }
}

/// A registered native: its stable name and code.
pub struct NativeDef {
    /// Stable name, e.g. `"string.gsub"`; also the name Lua uses in argument errors.
    pub name: &'static str,
    /// The code.
    pub func: NativeFn,
}

impl std::fmt::Debug for NativeDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NativeDef({})", self.name)
    }
}

/// What a native asks the VM to do next.
pub enum Action<'gc> {
    /// Return the values in the window.
    Return,
    /// Call `func` with the window's values as arguments; then resume `cont` with its results
    /// (or its error, if `cont` catches errors).
    Call {
        /// The function to call.
        func: Value<'gc>,
        /// The continuation.
        cont: Cont<'gc>,
    },
    /// Call `func` with the window's values; its results become this native's results.
    TailCall {
        /// The function to call.
        func: Value<'gc>,
    },
    /// Yield the window's values to the resumer; the resume values become the results of
    /// this native (`cont: None`) or are passed to `cont`.
    Yield {
        /// What to do on resume.
        cont: Option<Cont<'gc>>,
    },
    /// Out of fuel in the middle of long work: suspend as a frame holding `cont`; the next
    /// `step` resumes `cont` with `Ok(())` and an empty window. This is how a long native
    /// (a `gsub` over megabytes, a big `sort`) is preempted and can be snapshotted mid-way.
    Preempt {
        /// The state to continue from.
        cont: Cont<'gc>,
    },
    /// The native found that the memory it needs exceeds the budget before doing anything:
    /// suspend with the arguments kept, run a full collection, and call it again (made by the
    /// VM from `Err(LuaError::RetryAfterGc)`; natives return that error, see
    /// [`NativeCtx::reserve`]).
    RetryAfterGc,
    /// Stop the whole chain of running coroutines until the host acts: suspend as a frame
    /// holding `cont` (a [`Cont::Host`] wait), and end the step with `RunResult::Waiting`.
    /// Every later step resumes `cont` with the window holding what the host delivered
    /// (see `ContG::Host::delivered`), or nothing when it only polls.
    Wait {
        /// The wait's state.
        cont: Cont<'gc>,
    },
    /// Resume `thread` with the window's values; the outcome goes to `cont`.
    Resume {
        /// The coroutine.
        thread: Thread<'gc>,
        /// The continuation (receives the outcome, success or error).
        cont: Cont<'gc>,
    },
    /// Raise the window's first value as an error inside this native, which stays as a
    /// frame holding `cont`, a continuation that catches errors: `cont` receives the error,
    /// after the message handler in effect if it keeps one. How `load` fails when its reader
    /// returns a non-string: `luaL_error` inside `lua_load`'s protected parser, whose
    /// handler is the caller's. (The value is in the window, not here, so that `Action`
    /// stays small: it is moved on every native call.)
    Raise {
        /// The continuation (catches the error).
        cont: Cont<'gc>,
    },
}

/// A native implemented by the host (a Rust closure, possibly holding host state), run
/// through a registered [`NativeDef`] whose name finds it in [`super::state::Host::functions`].
/// Snapshots store only the name; the host registers the same name on the VM it restores into.
pub trait HostFunction {
    /// Runs the function on its window, as a [`NativeFn`] does.
    fn call<'gc>(&self, nc: &mut NativeCtx<'gc, '_>) -> LuaResult<'gc, Action<'gc>>;
}

/// How the host continues a coroutine waiting in a host function (a [`Cont::Host`] frame),
/// registered by kind name in [`super::state::Host::wait_kinds`].
pub trait HostWaitKind {
    /// The version of the state format this kind writes (saved with each wait).
    fn version(&self) -> u32;

    /// Continues the wait: `state` is the wait's plain-data state, `values` the Lua values it
    /// keeps, `delivered` whether the host delivered the values now in the window (otherwise
    /// the window is empty and this is a poll).
    fn resume<'gc>(
        &self,
        nc: &mut NativeCtx<'gc, '_>,
        wait: HostWait<Value<'gc>>,
        delivered: bool,
    ) -> LuaResult<'gc, Action<'gc>>;
}

/// The state of a coroutine waiting for the host (the payload of [`Cont::Host`]).
#[derive(gc_arena::Collect, serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq)]
#[collect(no_drop)]
pub struct HostWait<V> {
    /// The registered wait kind (e.g. `"game.receive"`): borrowed from the host's
    /// registration (names are interned when registered), so a wait allocates no copy of
    /// it; a restored wait owns its name. Saved as a string either way.
    #[collect(require_static)]
    pub kind: std::borrow::Cow<'static, str>,
    /// The kind's state format version (a restore into a host whose kind has another
    /// version is the kind's to handle).
    #[collect(require_static)]
    pub version: u32,
    /// The kind's plain-data state (its own serialization).
    #[collect(require_static)]
    pub state: Vec<u8>,
    /// Lua values the wait keeps alive (e.g. a callback to call when it ends).
    pub values: Vec<V>,
}

/// A native's view of the VM while it runs.
pub struct NativeCtx<'gc, 'a> {
    /// Heap and root access.
    pub ctx: Ctx<'gc>,
    /// The running coroutine.
    pub thread: Thread<'gc>,
    /// The thread's stack; the window is `stack[base..]`.
    pub stack: &'a mut Vec<Value<'gc>>,
    /// The stack's modeled capacity (see `ThreadState::sync_model`), for growth checks.
    pub stack_model: usize,
    /// Start of the window.
    pub base: usize,
    /// The frames below this native (innermost last), for error levels and tracebacks.
    pub frames: &'a [Frame<'gc>],
    /// The native being run (`None` for VM-internal continuations).
    pub native: Option<NativeRef<'gc>>,
    /// Fuel left in this step; natives charge it in proportion to their work.
    pub fuel: &'a mut Fuel,
}

impl<'gc, 'a> NativeCtx<'gc, 'a> {
    /// Number of values in the window.
    #[inline]
    pub fn nargs(&self) -> usize {
        self.stack.len() - self.base
    }

    /// Argument `n` (1-based); nil if absent.
    #[inline]
    pub fn arg(&self, n: usize) -> Value<'gc> {
        self.stack
            .get(self.base + n - 1)
            .copied()
            .unwrap_or(Value::Nil)
    }

    /// The window as a slice.
    #[inline]
    pub fn args(&self) -> &[Value<'gc>] {
        &self.stack[self.base..]
    }

    /// Values bound to the native closure.
    pub fn upvalue(&self, i: usize) -> Value<'gc> {
        self.native
            .and_then(|n| n.upvalues().get(i).copied())
            .unwrap_or(Value::Nil)
    }

    /// Replaces the window with `vals` and returns `Action::Return`.
    pub fn ret(&mut self, vals: &[Value<'gc>]) -> LuaResult<'gc, Action<'gc>> {
        self.stack.truncate(self.base);
        self.stack.extend_from_slice(vals);
        Ok(Action::Return)
    }

    /// Returns one value.
    #[inline]
    pub fn ret1(&mut self, v: Value<'gc>) -> LuaResult<'gc, Action<'gc>> {
        self.stack.truncate(self.base);
        self.stack.push(v);
        Ok(Action::Return)
    }

    /// Returns nothing.
    pub fn ret0(&mut self) -> LuaResult<'gc, Action<'gc>> {
        self.stack.truncate(self.base);
        Ok(Action::Return)
    }

    /// Drops the window's values (to build results with `push`).
    #[inline]
    pub fn clear(&mut self) {
        self.stack.truncate(self.base);
    }

    /// Appends a value to the window.
    #[inline]
    pub fn push(&mut self, v: Value<'gc>) {
        self.stack.push(v);
    }

    /// Checks, before allocating `bytes` whose size the script controls, that they fit in the
    /// VM's memory budget. Call it before doing anything else (the native may be run again
    /// from the start after a full collection) and before charging fuel for the work.
    ///
    /// # Errors
    /// `RetryAfterGc` when a collection may make room, "not enough memory" when one just ran.
    pub fn reserve(&self, bytes: usize) -> LuaResult<'gc, ()> {
        if super::memory::fits(bytes) {
            Ok(())
        } else {
            Err(self.ctx.out_of_memory(true))
        }
    }

    /// Bytes the value stack is reallocated to if `n` more values are pushed (0 if it has
    /// room), for a [`NativeCtx::reserve`] before pushing many results: the old and new
    /// buffers exist together for a moment.
    pub fn stack_growth_bytes(&self, n: usize) -> usize {
        let need = self.stack.len().saturating_add(n);
        if need <= self.stack_model {
            0
        } else {
            need.max(self.stack_model.saturating_mul(2))
                .saturating_mul(super::memory::VALUE_BYTES)
        }
    }

    /// Whether a result being built incrementally (`bytes` so far, in the native's own
    /// buffer) may still grow within the memory budget: room for the buffer and the string
    /// it becomes. `held`: the part of the buffer already counted, which is what the
    /// native's waiting frame was charged for it (the buffer's length when the native last
    /// stopped; 0 on its first run) and stays counted while the native runs again. (So the
    /// answer does not depend on where the native last stopped, which step sizes decide.
    /// Garbage counts: a native that can stop and continue after a collection should do so
    /// when this is false, see [`NativeCtx::wait_for_room`].)
    #[inline]
    pub fn buffer_fits(&self, bytes: usize, held: usize) -> bool {
        Self::buffer_fits_budget(bytes, held)
    }

    /// [`NativeCtx::buffer_fits`], for a native whose context is borrowed (its fuel lent to
    /// a loop that asks).
    #[inline]
    pub fn buffer_fits_budget(bytes: usize, held: usize) -> bool {
        let unheld = bytes.saturating_sub(held);
        super::memory::fits(super::string::StrData::charge_for(bytes).saturating_add(unheld))
    }

    /// For a native that found its result would not fit in the memory budget before doing
    /// the next part of its work, and stops there with its progress in a continuation
    /// (returning `Action::Preempt`): asks for a collection, after which the continuation
    /// runs again; right after one (see `Ctx::out_of_memory`), "not enough memory".
    ///
    /// # Errors
    /// "not enough memory" when a collection for this just ran.
    pub fn wait_for_room(&self) -> LuaResult<'gc, ()> {
        if self.ctx.state.just_collected.get() {
            return Err(self.ctx.not_enough_memory());
        }
        self.ctx.ask_collection_for_memory(true);
        Ok(())
    }

    /// Charges fuel for work done.
    #[inline]
    pub fn charge(&mut self, amount: i64) {
        self.fuel.charge(amount);
    }

    /// Fuel left in this step (may be negative after an overshoot).
    #[inline]
    pub fn fuel_left(&self) -> i64 {
        self.fuel.remaining()
    }

    fn type_error(&self, n: usize, expected: &str) -> LuaError<'gc> {
        let got = if n > self.nargs() {
            "no value".to_string()
        } else if let Value::LightUserdata(_) = self.arg(n) {
            // luaL_typeerror's special name, so a light userdata passed for a full one says so.
            "light userdata".to_string()
        } else {
            convert::type_name_for_msg(self.ctx, self.arg(n))
        };
        LuaError::bad_arg(n, format!("{expected} expected, got {got}"))
    }

    /// `luaL_checkany`.
    pub fn check_any(&self, n: usize) -> LuaResult<'gc, Value<'gc>> {
        if n > self.nargs() {
            Err(LuaError::bad_arg(n, "value expected"))
        } else {
            Ok(self.arg(n))
        }
    }

    /// `luaL_checktable`-style check.
    pub fn check_table(&self, n: usize) -> LuaResult<'gc, Table<'gc>> {
        match self.arg(n) {
            Value::Table(t) => Ok(t),
            _ => Err(self.type_error(n, "table")),
        }
    }

    /// `luaL_checkinteger`.
    pub fn check_int(&mut self, n: usize) -> LuaResult<'gc, i64> {
        let v = self.arg(n);
        self.charge_coercion(v);
        match convert::to_integer(v) {
            Some(i) => Ok(i),
            None => {
                if convert::to_number(v).is_some() {
                    Err(LuaError::bad_arg(n, "number has no integer representation"))
                } else {
                    Err(self.type_error(n, "number"))
                }
            }
        }
    }

    /// `luaL_optinteger`.
    pub fn opt_int(&mut self, n: usize, default: i64) -> LuaResult<'gc, i64> {
        if self.arg(n).is_nil() {
            Ok(default)
        } else {
            self.check_int(n)
        }
    }

    /// `luaL_checknumber` (keeps the integer/float subtype).
    pub fn check_number(&mut self, n: usize) -> LuaResult<'gc, Value<'gc>> {
        let v = self.arg(n);
        self.charge_coercion(v);
        convert::to_number(v).ok_or_else(|| self.type_error(n, "number"))
    }

    /// Charges for converting `v` to a number when it is a string: the scan is linear in its
    /// length (`tonumber`, string arithmetic and the `check_*` helpers all go through here).
    #[inline]
    pub fn charge_coercion(&mut self, v: Value<'gc>) {
        if let Value::Str(s) = v {
            self.charge(convert::coercion_cost(s.len()));
        }
    }

    /// `luaL_checknumber` as a float.
    pub fn check_float(&mut self, n: usize) -> LuaResult<'gc, f64> {
        Ok(self.check_number(n)?.as_float().unwrap_or(0.0))
    }

    /// `luaL_checklstring`: strings, and numbers converted to strings.
    pub fn check_str(&self, n: usize) -> LuaResult<'gc, LuaStr<'gc>> {
        convert::to_str(self.ctx, self.arg(n)).ok_or_else(|| self.type_error(n, "string"))
    }

    /// `luaL_optlstring`.
    pub fn opt_str(&self, n: usize) -> LuaResult<'gc, Option<LuaStr<'gc>>> {
        if self.arg(n).is_nil() {
            Ok(None)
        } else {
            self.check_str(n).map(Some)
        }
    }

    /// A type error for argument `n` (`"X expected, got Y"`).
    pub fn arg_type_error(&self, n: usize, expected: &str) -> LuaError<'gc> {
        self.type_error(n, expected)
    }

    /// Allocates a string value.
    pub fn str_value(&self, bytes: &[u8]) -> Value<'gc> {
        Value::Str(self.ctx.new_str(bytes))
    }
}
