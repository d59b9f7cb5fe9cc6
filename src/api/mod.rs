//! The embedding API: create a VM, load code, drive it with `step(fuel)`.
//!
//! ```
//! use telelua::api::{Vm, StepResult};
//! let mut vm = Vm::new();
//! vm.load(b"return 1 + 2", "=example").unwrap();
//! match vm.step(1_000) {
//!     StepResult::Finished(values) => assert_eq!(values, vec![telelua::api::HostValue::Int(3)]),
//!     other => panic!("unexpected {other:?}"),
//! }
//! ```

pub mod fuzz;

use gc_arena::{lock::RefLock, Arena, Gc, Rootable};

use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::snapshot::{ChunkStore, Registry, SaveOptions, SnapshotError};
use crate::stdlib;
use crate::vm::chunk::Chunk;
use crate::vm::closure::{instantiate, Closure};
use crate::vm::exec::{self, RunResult};
use crate::vm::memory::{self, Account};
use crate::vm::state::{Ctx, Host, State, TypeMetas, TM_COUNT, TM_NAMES};
use crate::vm::string::LuaStr;
use crate::vm::table::Table;
use crate::vm::thread::{Status, Thread};
use crate::vm::value::Value;

/// A value handed to or from the host.
#[derive(Clone, Debug, PartialEq)]
pub enum HostValue {
    /// nil
    Nil,
    /// boolean
    Bool(bool),
    /// integer
    Int(i64),
    /// float
    Float(f64),
    /// string (bytes)
    Str(Vec<u8>),
    /// any other value, described by `tostring`
    Other(String),
}

/// An error that escaped the script.
#[derive(Clone, Debug, PartialEq)]
pub struct RuntimeError {
    /// The error message (`chunk:line: message`), or a description of a non-string error value.
    pub message: String,
    /// A Lua-style traceback.
    pub traceback: String,
}

impl std::fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RuntimeError {}

/// What `step` did.
#[derive(Clone, Debug, PartialEq)]
pub enum StepResult {
    /// The loaded chunk returned these values.
    Finished(Vec<HostValue>),
    /// The main coroutine yielded these values to the host (see [`Vm::resume`]).
    Yielded(Vec<HostValue>),
    /// The fuel given to this step is spent; call `step` again to continue.
    OutOfFuel,
    /// An error escaped the script.
    Error(RuntimeError),
}

/// Which libraries a VM gets.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Profile {
    /// Only the sandbox-safe libraries (the default).
    Sandbox,
    /// What the standalone `lua` command offers, as far as is honest (io.write/read on
    /// stdin/stdout, os.exit, ...). Used by the CLI.
    Standalone,
}

/// Fuel is run in slices of at most this much, with a garbage-collection check in between.
const SLICE: i64 = 10_000;

/// Slice length when a memory budget is set: small allocations are checked between slices,
/// so this bounds how far past the budget a VM can get before a check (each instruction
/// allocates at most a few KB without a check of its own).
const LIMITED_SLICE: i64 = 1_000;

/// Fewest accounted bytes that count as one unit of gc-arena's allocation debt (about one
/// small object).
const MIN_BYTES_PER_DEBT_UNIT: f64 = 64.0;

type Root = Rootable![State<'_>];

/// A Lua virtual machine.
pub struct Vm {
    arena: Arena<Root>,
    fuel_used: u64,
    registry: Registry,
    /// Bytes accounted to this VM and its budget (see `vm::memory`).
    memory: Rc<Account>,
    /// `memory_used` when the collector was last paced (see `step`).
    paced_at: u64,
    /// `memory_used` right after the last full collection.
    collected_at: u64,
    /// Set by the host to preempt the running step (see [`Vm::interrupt_handle`]).
    interrupt: Arc<AtomicBool>,
    /// A lazy fork some of whose objects may still be in its image (see `vm::lazy`): it is
    /// completed before anything is collected or saved.
    lazy: bool,
}

impl Default for Vm {
    fn default() -> Self {
        Self::new()
    }
}

fn to_host<'gc>(ctx: Ctx<'gc>, v: Value<'gc>) -> HostValue {
    match v {
        Value::Nil => HostValue::Nil,
        Value::False => HostValue::Bool(false),
        Value::True => HostValue::Bool(true),
        Value::Int(i) => HostValue::Int(i),
        Value::Float(f) => HostValue::Float(f.get()),
        Value::Str(s) => HostValue::Str(s.as_bytes().to_vec()),
        other => HostValue::Other(
            String::from_utf8_lossy(&crate::vm::convert::tostring_raw(ctx, other)).into_owned(),
        ),
    }
}

fn from_host<'gc>(ctx: Ctx<'gc>, v: &HostValue) -> Value<'gc> {
    match v {
        HostValue::Nil | HostValue::Other(_) => Value::Nil,
        HostValue::Bool(b) => Value::boolean(*b),
        HostValue::Int(i) => Value::Int(*i),
        HostValue::Float(f) => Value::float(*f),
        HostValue::Str(s) => Value::Str(ctx.new_str(s)),
    }
}

/// The message of an error value as the standalone interpreter prints it.
pub fn error_message<'gc>(ctx: Ctx<'gc>, v: Value<'gc>) -> String {
    match v {
        Value::Str(s) => s.to_str_lossy().into_owned(),
        Value::Int(_) | Value::Float(_) => {
            crate::vm::convert::number_to_string(v).unwrap_or_default()
        }
        other => {
            if let Value::Str(s) = ctx.metamethod(other, crate::vm::state::Tm::ToString) {
                return s.to_str_lossy().into_owned();
            }
            format!("(error object is a {} value)", other.type_name())
        }
    }
}

/// Compiles `source` and makes a closure over `env` (its `_ENV` upvalue).
pub fn load_chunk<'gc>(
    ctx: Ctx<'gc>,
    source: &[u8],
    chunk_name: &[u8],
    env: Value<'gc>,
) -> Result<Closure<'gc>, String> {
    let chunk = Chunk::compile(source, chunk_name).map_err(|e| e.message)?;
    Ok(Closure::fresh(ctx, instantiate(ctx, &chunk), env))
}

impl Vm {
    /// A VM with the sandbox profile.
    pub fn new() -> Vm {
        Self::with_profile(Profile::Sandbox, Host::default())
    }

    /// A VM with the given library profile and host services.
    pub fn with_profile(profile: Profile, mut host: Host) -> Vm {
        if profile == Profile::Standalone {
            host.read_files = true;
        }
        let memory = Account::new();
        let entered = memory.enter();
        let arena = Arena::<Root>::new(|mc| {
            let hash_key = DEFAULT_HASH_KEY;
            let globals = Table::new(mc, hash_key);
            let registry = Table::new(mc, hash_key);
            let tm_names: [LuaStr<'_>; TM_COUNT] =
                std::array::from_fn(|i| LuaStr::new(mc, hash_key, TM_NAMES[i].as_bytes()));
            let main = Thread::new(mc, Value::Nil);
            State {
                globals,
                registry,
                main,
                running: Gc::new(mc, RefLock::new(vec![main])),
                metas: Gc::new(mc, RefLock::new(TypeMetas::default())),
                tm_names,
                hash_key,
                next_id: std::cell::Cell::new(1),
                rng: std::cell::Cell::new([0; 4]),
                gc_requested: std::cell::Cell::new(false),
                main_yieldable: std::cell::Cell::new(false),
                just_collected: std::cell::Cell::new(false),
                retry_gc: std::cell::Cell::new(false),
                memory_error: std::cell::Cell::new(false),
                host: std::cell::RefCell::new(host),
                gc: Gc::new(mc, RefLock::new(crate::vm::gc::GcState::new())),
                fork: None,
            }
        });
        arena.mutate(|mc, state| {
            let ctx = Ctx { mc, state };
            stdlib::open(ctx, profile);
        });
        drop(entered);
        Vm {
            arena,
            fuel_used: 0,
            registry: Registry::standard(),
            memory,
            paced_at: 0,
            collected_at: 0,
            interrupt: Arc::new(AtomicBool::new(false)),
            lazy: false,
        }
    }

    /// A VM around a built heap.
    fn from_parts(
        arena: Arena<Root>,
        fuel_used: u64,
        registry: Registry,
        memory: Rc<Account>,
        lazy: bool,
    ) -> Vm {
        Vm {
            arena,
            fuel_used,
            registry,
            memory,
            paced_at: 0,
            collected_at: 0,
            interrupt: Arc::new(AtomicBool::new(false)),
            lazy,
        }
    }

    /// Saves the whole VM (every coroutine, suspended native, table and closure) to bytes.
    /// Call between steps.
    ///
    /// # Errors
    /// A native or userdata that is not registered (the error names it).
    pub fn save(&self) -> Result<Vec<u8>, SnapshotError> {
        self.save_with(&SaveOptions::default())
    }

    /// [`Vm::save`] with options (e.g. leaving sources out).
    ///
    /// # Errors
    /// As [`Vm::save`].
    pub fn save_with(&self, opts: &SaveOptions) -> Result<Vec<u8>, SnapshotError> {
        let _memory = self.memory.enter();
        let fuel = self.fuel_used;
        self.arena.mutate(|mc, state| {
            let ctx = Ctx { mc, state };
            complete_fork(ctx);
            crate::snapshot::save_to_bytes(ctx, &self.registry, opts, fuel)
        })
    }

    /// Restores a VM saved by [`Vm::save`], with the standard registry and default host.
    ///
    /// # Errors
    /// Any problem with the bytes: never a panic.
    pub fn restore(bytes: &[u8]) -> Result<Vm, SnapshotError> {
        Self::restore_with(bytes, Registry::standard(), Host::default(), None)
    }

    /// Restores with a registry (natives and userdata types the snapshot may name), host
    /// services, and optionally a chunk store for snapshots saved without sources.
    ///
    /// # Errors
    /// Any problem with the bytes: never a panic.
    pub fn restore_with(
        bytes: &[u8],
        registry: Registry,
        host: Host,
        store: Option<&dyn ChunkStore>,
    ) -> Result<Vm, SnapshotError> {
        let (body, tail) = crate::snapshot::decode(bytes)?;
        let chunks = crate::snapshot::load_chunks(body, &tail, store)?;
        let memory = Account::new();
        let entered = memory.enter();
        let arena = Arena::<Root>::try_new(|mc| {
            crate::snapshot::build(mc, body, None, &tail, &chunks, &registry, host)
        })?;
        drop(entered);
        Ok(Vm::from_parts(
            arena,
            tail.fuel_used,
            registry,
            memory,
            false,
        ))
    }

    /// Captures this VM as an in-memory [`Image`]: a base from which [`Image::fork`] makes
    /// independent VMs quickly (compiled code is shared, nothing is re-parsed or recompiled).
    ///
    /// # Errors
    /// As [`Vm::save`].
    pub fn image(&self) -> Result<Image, SnapshotError> {
        let fuel = self.fuel_used;
        let (body, chunks) = {
            let _memory = self.memory.enter();
            self.arena.mutate(|mc, state| {
                let ctx = Ctx { mc, state };
                complete_fork(ctx);
                crate::snapshot::save_body(ctx, &self.registry, true, fuel, Vec::new())
            })?
        };
        let tail = crate::snapshot::parse(&body)?;
        let offsets = crate::snapshot::object_offsets(&body, &tail)?;
        let decoded =
            crate::snapshot::decode_image(&body, &tail, &offsets, &chunks, &self.registry)?;
        // Build it once in full: this checks every link a lazy fork will follow, and gives
        // the memory count a fork starts with.
        let memory = Account::new();
        let entered = memory.enter();
        let built = Arena::<Root>::try_new(|mc| {
            crate::snapshot::build_image(
                mc,
                &decoded,
                &body,
                &offsets,
                &tail,
                &chunks,
                Host::default(),
            )
        });
        drop(entered);
        drop(built?);
        let total = memory.used();
        Ok(Image {
            lazy: Arc::new(crate::snapshot::LazyImage::new(
                body, offsets, tail, chunks, decoded, total,
            )),
            registry: self.registry.clone(),
        })
    }

    /// The registry used when saving (add host natives and userdata types here).
    pub fn registry_mut(&mut self) -> &mut Registry {
        &mut self.registry
    }

    /// Compiles a chunk and prepares the main coroutine to run it with `args` (`...`).
    ///
    /// # Errors
    /// The compile error, worded as `lua5.4` words it.
    pub fn load_with_args(
        &mut self,
        source: &[u8],
        chunk_name: &str,
        args: &[HostValue],
    ) -> Result<(), RuntimeError> {
        let _memory = self.memory.enter();
        self.arena.mutate(|mc, state| {
            let ctx = Ctx { mc, state };
            let cl = load_chunk(
                ctx,
                source,
                chunk_name.as_bytes(),
                Value::Table(state.globals),
            )
            .map_err(|m| RuntimeError {
                message: m,
                traceback: String::new(),
            })?;
            let mut ts = state.main.borrow_mut(mc);
            // Closures over the previous chunk's locals (it may have yielded to the host or
            // run out of fuel) keep their values, not slots of the new chunk's stack.
            crate::vm::exec::close_upvalues(ctx, &mut ts, 0);
            ts.stack.clear();
            ts.frames.clear();
            ts.tbc.clear();
            ts.open_upvalues.clear();
            ts.stack.push(Value::Function(cl));
            for a in args {
                ts.stack.push(from_host(ctx, a));
            }
            ts.status = Status::Initial;
            *state.running.borrow_mut(mc) = vec![state.main];
            Ok(())
        })
    }

    /// Compiles a chunk to run with no arguments.
    ///
    /// # Errors
    /// The compile error.
    pub fn load(&mut self, source: &[u8], chunk_name: &str) -> Result<(), RuntimeError> {
        self.load_with_args(source, chunk_name, &[])
    }

    /// Runs for about `fuel` units (one per instruction; natives charge by work done).
    /// Overshoot is bounded by the largest single charge a native makes between checks.
    pub fn step(&mut self, fuel: u64) -> StepResult {
        let _memory = self.memory.enter();
        let mut remaining = fuel.min(i64::MAX as u64) as i64;
        let limited = self.memory.limit() != u64::MAX;
        loop {
            // Over the memory budget (small allocations are checked here, between slices):
            // collect fully, and if that is not enough, raise "not enough memory".
            // Near the budget, collect fully before garbage can push a growing buffer over it
            // (at most once per eighth of the budget allocated).
            let mut memory_error = false;
            let limit = self.memory.limit();
            if memory::over()
                || (limited
                    && memory::used() > limit - limit / 4
                    && memory::used() > self.collected_at.saturating_add(limit / 8))
            {
                self.collect_fully();
                memory_error = memory::over();
            }
            let slice = remaining.min(if limited { LIMITED_SLICE } else { SLICE });
            let (result, used) = self.arena.mutate(|mc, state| {
                let ctx = Ctx { mc, state };
                state.memory_error.set(memory_error);
                let mut f = slice;
                let r = match exec::run(ctx, &mut f) {
                    RunResult::OutOfFuel => None,
                    RunResult::Finished(v) => Some(StepResult::Finished(
                        v.into_iter().map(|v| to_host(ctx, v)).collect(),
                    )),
                    RunResult::Yielded(v) => Some(StepResult::Yielded(
                        v.into_iter().map(|v| to_host(ctx, v)).collect(),
                    )),
                    RunResult::Error(v, tb) => Some(StepResult::Error(RuntimeError {
                        message: error_message(ctx, v),
                        traceback: tb,
                    })),
                };
                state.memory_error.set(false);
                state.just_collected.set(false);
                (r, slice - f)
            });
            self.fuel_used += used.max(0) as u64;
            remaining -= used;
            self.memory.note_peak();
            let (full, retry, step) = self.arena.mutate(|mc, state| {
                (
                    state.gc_requested.replace(false),
                    state.retry_gc.replace(false),
                    state.gc.borrow_mut(mc).step_request.take(),
                )
            });
            if full {
                self.collect_fully();
                // Only a collection made for a retry makes the next failure final.
                self.arena
                    .mutate(|_, state| state.just_collected.set(retry));
            } else {
                // Pace the collector by bytes too: gc-arena counts objects, so big strings
                // and tables add debt in proportion to their size. One unit is the average
                // object's size: gc-arena starts a cycle when the debt reaches a fraction of
                // the live object count, so a cycle (which traces a huge table whole) comes
                // once the heap has grown by a fraction of its bytes, as in Lua.
                let grown = memory::used().saturating_sub(self.paced_at);
                if grown > 0 {
                    let metrics = self.arena.metrics();
                    let objects = metrics.total_gc_count().max(1) as f64;
                    let unit = (memory::used() as f64 / objects).max(MIN_BYTES_PER_DEBT_UNIT);
                    metrics.adjust_debt(grown as f64 / unit);
                }
                self.paced_at = memory::used();
                if self.lazy && (step.is_some() || self.arena.metrics().allocation_debt() > 0.0) {
                    self.complete_fork();
                }
                match step {
                    // `collectgarbage("step", kb)`: `kb` more kilobytes of debt (0: a basic
                    // step of 8 KB), paid now, stopped collector or not.
                    Some(kb) => {
                        let metrics = self.arena.metrics();
                        let objects = metrics.total_gc_count().max(1) as f64;
                        let unit = (memory::used() as f64 / objects).max(MIN_BYTES_PER_DEBT_UNIT);
                        let bytes = if kb <= 0 { 8192.0 } else { kb as f64 * 1024.0 };
                        let done = crate::vm::gc::step(&mut self.arena, bytes, bytes / unit);
                        self.arena
                            .mutate(|mc, state| state.gc.borrow_mut(mc).step_finished = done);
                    }
                    None => {
                        crate::vm::gc::pay_debt(&mut self.arena);
                    }
                }
            }
            if let Some(r) = result {
                return r;
            }
            // A host interrupt preempts like running out of fuel (checked between slices, so
            // within about 10,000 fuel units of being set).
            if remaining <= 0 || self.interrupt.swap(false, Ordering::Relaxed) {
                return StepResult::OutOfFuel;
            }
        }
    }

    /// A flag another thread (or the host loop) can set to stop the running `step` at its
    /// next check, with the same result as running out of fuel; the VM resumes where it
    /// stopped on the next `step`. The flag is cleared when it takes effect.
    pub fn interrupt_handle(&self) -> Arc<AtomicBool> {
        self.interrupt.clone()
    }

    /// Total fuel consumed so far.
    pub fn fuel_used(&self) -> u64 {
        self.fuel_used
    }

    /// Finishes any collection cycle in progress (it may have marked objects that are garbage
    /// now), then runs a complete one.
    fn collect_fully(&mut self) {
        self.complete_fork();
        crate::vm::gc::full(&mut self.arena);
        self.paced_at = memory::used();
        self.collected_at = memory::used();
    }

    /// Makes a lazy fork's remaining image objects (see `vm::lazy`): from then on its heap is
    /// what an eager restore would have built. Called before the collector runs.
    fn complete_fork(&mut self) {
        if self.lazy {
            self.lazy = false;
            self.arena
                .mutate(|mc, state| complete_fork(Ctx { mc, state }));
            // The link to the image goes too: a complete fork's heap is a restore's (the
            // collector paces itself by the number of objects).
            self.arena.mutate_root(|_, state| state.fork = None);
        }
    }

    /// Starts closing the VM, as Lua's `lua_close` does: the finalizers of every object still
    /// marked for finalization (reachable or not, newest mark first, after those already due)
    /// will run, as ordinary Lua calls, in the following [`Vm::step`]s (they pay fuel and may
    /// be preempted and saved like any code; an error in one becomes a warning). Step until
    /// `Finished`. Whatever the main coroutine was doing is abandoned. False (and nothing
    /// changes) if the VM is already closing.
    pub fn begin_close(&mut self) -> bool {
        let _memory = self.memory.enter();
        self.complete_fork();
        let Some(closer) = self.registry.native("collectgarbage") else {
            return false;
        };
        self.arena
            .mutate(|mc, state| crate::vm::gc::begin_close(Ctx { mc, state }, closer))
    }

    /// [`Vm::begin_close`], then runs the finalizers for about `fuel` units: `Finished` when
    /// all have run, `OutOfFuel` if more remain (call [`Vm::step`] to go on).
    pub fn close(&mut self, fuel: u64) -> StepResult {
        self.begin_close();
        self.step(fuel)
    }

    /// Sets the memory budget in bytes (`None`: unlimited). Over it, the VM collects
    /// garbage, then raises the Lua error "not enough memory" (see `vm::memory`).
    pub fn set_memory_limit(&mut self, bytes: Option<u64>) {
        self.memory.set_limit(bytes);
    }

    /// Bytes currently accounted to this VM (the number `collectgarbage("count")` reports
    /// in KB).
    pub fn memory_used(&self) -> u64 {
        self.memory.used()
    }

    /// The highest [`Vm::memory_used`] seen between operations.
    pub fn memory_peak(&self) -> u64 {
        self.memory.peak()
    }

    /// Runs a full garbage collection.
    pub fn collect(&mut self) {
        let _memory = self.memory.enter();
        self.collect_fully();
    }

    /// Whether the main coroutine may yield to the host (otherwise yielding from it is an
    /// error, as in the standalone interpreter).
    pub fn set_main_yieldable(&mut self, yes: bool) {
        let _memory = self.memory.enter();
        self.arena.mutate(|_, state| state.main_yieldable.set(yes));
    }

    /// Runs `f` inside the VM (for the crate's own tests).
    #[cfg(test)]
    pub(crate) fn with_ctx<R>(&self, f: impl for<'gc> FnOnce(Ctx<'gc>) -> R) -> R {
        let _memory = self.memory.enter();
        self.arena.mutate(|mc, state| f(Ctx { mc, state }))
    }

    /// Runs `f` with the VM's host services (e.g. to flush output).
    pub fn with_host<R>(&self, f: impl FnOnce(&mut Host) -> R) -> R {
        let _memory = self.memory.enter();
        self.arena
            .mutate(|_, state| f(&mut state.host.borrow_mut()))
    }

    /// Sets a global variable to a host value.
    pub fn set_global(&mut self, name: &str, value: HostValue) {
        let _memory = self.memory.enter();
        self.arena.mutate(|mc, state| {
            let ctx = Ctx { mc, state };
            let k = Value::Str(ctx.new_str(name.as_bytes()));
            let v = from_host(ctx, &value);
            let _ = state.globals.set(mc, k, v);
        });
    }

    /// Sets a global to a host native function (register it with [`Vm::registry_mut`] too if
    /// the VM is to be saved).
    pub fn set_native(&mut self, name: &str, def: &'static crate::vm::native::NativeDef) {
        let _memory = self.memory.enter();
        self.arena.mutate(|mc, state| {
            let ctx = Ctx { mc, state };
            let k = Value::Str(ctx.new_str(name.as_bytes()));
            let f = Value::LightNative(crate::vm::closure::LightNative(def));
            let _ = state.globals.set(mc, k, f);
        });
    }

    /// Sets a global to a table holding `values` at `first..` (used for the CLI's `arg`).
    pub fn set_global_list(&mut self, name: &str, first: i64, values: &[HostValue]) {
        let _memory = self.memory.enter();
        self.arena.mutate(|mc, state| {
            let ctx = Ctx { mc, state };
            let t = ctx.new_table();
            for (i, v) in values.iter().enumerate() {
                let _ = t.set(mc, Value::Int(first + i as i64), from_host(ctx, v));
            }
            let k = Value::Str(ctx.new_str(name.as_bytes()));
            let _ = state.globals.set(mc, k, Value::Table(t));
        });
    }
}

/// A VM frozen in memory (see [`Vm::image`]); fork it into independent VMs.
///
/// Forks are lazy: a fork starts with only its roots and shares the image's objects, making
/// each in its own heap when it first reaches it, and copying a table's contents when it first
/// writes to it (or iterates it). It behaves exactly as a full copy would (same identities,
/// iteration orders, ids, memory count); before its first garbage collection or save it makes
/// whatever it has not made yet. See `vm::lazy`.
pub struct Image {
    lazy: Arc<crate::snapshot::LazyImage>,
    registry: Registry,
}

impl Image {
    /// A new, independent VM in the image's state, with the given host services.
    ///
    /// # Errors
    /// Only if the image itself is inconsistent (it was checked by building it in full when
    /// it was made): a bug, never a panic.
    pub fn fork_with(&self, host: Host) -> Result<Vm, SnapshotError> {
        let memory = Account::new();
        let entered = memory.enter();
        let arena = Arena::<Root>::try_new(|mc| crate::snapshot::fork_lazy(mc, &self.lazy, host))?;
        let total = self.lazy.total;
        memory::set_used(total);
        drop(entered);
        // Pace the collector as if the image's objects were in this heap (a cycle starts
        // once the heap has grown by half of them, as after a collection of a heap that size).
        let objects = self.lazy.decoded_objects() as f64;
        arena.metrics().adjust_debt(-(objects * 0.5 + 256.0));
        let mut vm = Vm::from_parts(
            arena,
            self.lazy.tail.fuel_used,
            self.registry.clone(),
            memory,
            true,
        );
        vm.paced_at = total;
        Ok(vm)
    }

    /// A fork that makes every object of the image now (the heap a lazy fork has after its
    /// first collection): for a host that will touch most of the image anyway.
    ///
    /// # Errors
    /// As [`Image::fork_with`].
    pub fn fork_eager_with(&self, host: Host) -> Result<Vm, SnapshotError> {
        let img = &self.lazy;
        let memory = Account::new();
        let entered = memory.enter();
        let arena = Arena::<Root>::try_new(|mc| {
            crate::snapshot::build_image(
                mc,
                &img.decoded,
                &img.body,
                &img.offsets,
                &img.tail,
                &img.chunks,
                host,
            )
        })?;
        drop(entered);
        Ok(Vm::from_parts(
            arena,
            img.tail.fuel_used,
            self.registry.clone(),
            memory,
            false,
        ))
    }

    /// [`Image::fork_with`] the default host.
    ///
    /// # Errors
    /// As [`Image::fork_with`].
    pub fn fork(&self) -> Result<Vm, SnapshotError> {
        self.fork_with(Host::default())
    }

    /// The image as snapshot bytes.
    ///
    /// # Errors
    /// Encoding failures.
    pub fn to_bytes(&self) -> Result<Vec<u8>, SnapshotError> {
        let mut out = crate::snapshot::header_bytes()?;
        out.extend_from_slice(&self.lazy.body);
        Ok(out)
    }
}

/// Makes whatever a lazy fork has not made yet (nothing if the VM is not one).
fn complete_fork(ctx: Ctx<'_>) {
    if let Some(fork) = ctx.state.fork {
        if !fork.complete.get() {
            fork.source.materialize_all(ctx.mc, fork);
            crate::vm::lazy::Fork::clear(fork, ctx.mc);
        }
    }
}

/// The default hash key: fixed, so a VM's behaviour is a function of its inputs. Hosts facing
/// hostile table keys can choose their own through the (future) options API.
const DEFAULT_HASH_KEY: u64 = 0x7e1e_1ea5_eed0_0001;
