//! The `Vm`: making one, driving it with `step(fuel)`, calls into Lua, saving and forking.

use crate::limits::fuel::Fuel;
use gc_arena::{lock::RefLock, Arena, Gc, Rootable};

use smallvec::SmallVec;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::context::{Access, Context};
use super::convert::{FromLuaMulti, IntoLua, IntoLuaMulti, LuaValue, Value};
use super::error::{Error, Result};
use super::handle::{self, AsHandle, Function, Handle, ReleaseQueue, Table, Thread};
use super::host::Registrations;
use super::options::VmOptions;
use super::{HostValue, Profile, RuntimeError, StepResult};
use crate::snapshot::{ChunkStore, Registry, SaveOptions, SnapshotError};
use crate::stdlib;
use crate::vm::cont::Cont;
use crate::vm::exec::{self, RunResult};
use crate::vm::memory::{self, Account};
use crate::vm::state::{Ctx, Host, State, TypeMetas, TM_COUNT, TM_NAMES};
use crate::vm::string::LuaStr;
use crate::vm::table::Table as VmTable;
use crate::vm::thread::{Frame, Status, Thread as VmThread};
use crate::vm::value::Value as VmValue;

#[path = "vm_close.rs"]
mod close;
#[path = "vm_call.rs"]
mod lean;
#[path = "vm_pacing.rs"]
mod pacing;

pub use close::ExitRequest;
use pacing::{gc_ask, inherit_garbage, memory_work_due};

/// Fuel is run in slices of at most this much, with a garbage-collection check in between.
const SLICE: i64 = 10_000;

/// Slice length when a memory budget is set: small allocations are checked where the total
/// fuel crosses a multiple of it, so this bounds how far past the budget a VM can get before
/// a check (each instruction allocates at most a few KB without a check of its own).
const LIMITED_SLICE: i64 = 1_000;

/// Fewest accounted bytes that count as one unit of gc-arena's allocation debt (about one
/// small object).
const MIN_BYTES_PER_DEBT_UNIT: f64 = 64.0;

/// Fuel [`Vm::eval`] gives a chunk (about half a second of plain instructions): enough for
/// any setup code, and a bound on a runaway one.
pub const EVAL_FUEL: u64 = 100_000_000;

/// The registry key of the table of host calls in flight: coroutine → the chain of
/// coroutines running in it (itself first), kept while the call is suspended.
const CALLS_KEY: handle::RegistryKey = handle::RegistryKey {
    name: b"telelua.calls",
    hint: 1,
};

pub(crate) type Root = Rootable![State<'_>];

/// A Lua virtual machine: a heap, a main chunk, host calls in flight, and the host's
/// registrations.
///
/// ```
/// use telelua::{Vm, StepResult, Value};
/// let mut vm = Vm::new();
/// vm.load(b"local s = 0 for i = 1, 10 do s = s + i end return s", "=example").unwrap();
/// loop {
///     match vm.step(1_000) {
///         StepResult::OutOfFuel => continue,     // preempted: do other work, then resume
///         StepResult::Finished(v) => { assert_eq!(v, vec![Value::Int(55)]); break }
///         other => panic!("{other:?}"),
///     }
/// }
/// ```
pub struct Vm {
    pub(crate) arena: Arena<Root>,
    fuel_used: u64,
    registry: Registry,
    /// Bytes accounted to this VM and its budget (see `vm::memory`).
    memory: Rc<Account>,
    /// `memory_used` when the collector was last paced (see `step`).
    paced_at: u64,
    /// gc-arena's live object count when the collector was last paced: the objects made
    /// since then are debt gc-arena counts itself (see `Vm::after_slice`).
    paced_objects: usize,
    /// `memory_used` right after the last complete collection (quiet or full) or incremental
    /// cycle: the near-budget check counts what was allocated since (see `Vm::before_slice`).
    collected_at: u64,
    /// Accounted bytes per live object when the collector last finished a cycle (0 before
    /// the first): the byte size of one unit of gc-arena's debt (see `Vm::debt_unit`).
    settled_unit: f64,
    /// `memory_used` when the incremental cycle in progress woke (0: none, or one the pacing
    /// did not wake: a `collectgarbage("step")`'s, a restored VM's): what the cycle frees of
    /// it sets the next sleep (see `Vm::shorten_sleep`).
    woke_at: u64,
    /// The last slice ended with a collection for an operation that runs again
    /// (`State::quiet_retry` or `State::just_collected` is set): the next slice runs only
    /// that operation (see `Vm::slice_fuel`).
    retry_pending: bool,
    /// Set by the host to preempt the running step (see [`Vm::interrupt_handle`]); made
    /// when a handle is first asked for (until then nothing can set it, and a spawn
    /// allocates one thing less).
    interrupt: std::cell::OnceCell<Arc<AtomicBool>>,
    /// A lazy fork some of whose objects may still be in its image (see `vm::lazy`): it is
    /// completed before anything is collected or saved.
    lazy: bool,
    /// Host functions, wait kinds and userdata types registered with this VM (shared with
    /// the image it was forked from until one of them registers more).
    registrations: Rc<Registrations>,
    /// Handles dropped since the last API call (shared with the `Host`, see `handle`).
    releases: Rc<ReleaseQueue>,
}

impl Default for Vm {
    fn default() -> Self {
        Self::new()
    }
}

thread_local! {
    /// The registrations of a VM until it is given its own, shared: a fork gets its image's
    /// at once, and allocating a placeholder only to drop it was a spawn's cost.
    static NO_REGISTRATIONS: Rc<Registrations> = Rc::default();
}

/// Which coroutine chain a step runs.
#[derive(Clone, Copy)]
enum Task<'a> {
    /// The main chunk.
    Main,
    /// A host call.
    Call(&'a Handle),
}

/// The message of an error value as the standalone interpreter prints it.
pub fn error_message<'gc>(ctx: Ctx<'gc>, v: VmValue<'gc>) -> String {
    match v {
        VmValue::Str(s) => s.to_str_lossy().into_owned(),
        VmValue::Int(_) | VmValue::Float(_) => {
            crate::vm::convert::number_to_string(v).unwrap_or_default()
        }
        other => {
            if let VmValue::Str(s) = ctx.metamethod(other, crate::vm::state::Tm::ToString) {
                return s.to_str_lossy().into_owned();
            }
            format!("(error object is a {} value)", other.type_name())
        }
    }
}

impl Access for Vm {
    fn enter<R>(&self, f: impl for<'gc> FnOnce(&Context<'gc>) -> R) -> R {
        let _memory = self.memory.enter();
        self.arena.mutate(|mc, state| {
            let ctx = Ctx { mc, state };
            handle::release(ctx, &self.releases);
            f(&Context::new(ctx, self.releases.clone()))
        })
    }
}

impl Vm {
    /// A VM with the sandbox profile and default options.
    pub fn new() -> Vm {
        VmOptions::new().build()
    }

    /// A VM with the given library profile and host services (the lower-level form of
    /// [`VmOptions`]).
    pub fn with_profile(profile: Profile, host: Host) -> Vm {
        let mut opts = VmOptions::new().profile(profile);
        let read_files = host.read_files || profile == Profile::Standalone;
        opts.host = host;
        opts.host.read_files = read_files;
        opts.build()
    }

    pub(crate) fn from_options(opts: VmOptions) -> Vm {
        let VmOptions {
            memory_limit,
            profile,
            without,
            hash_key,
            seed,
            main_yieldable,
            yield_across_natives,
            mut host,
            registrations,
        } = opts;
        let c_call_boundaries = !yield_across_natives.unwrap_or(profile != Profile::Standalone);
        let mut registry = Registry::standard();
        registrations.install(&mut registry, &mut host);
        let releases = host.handle_releases.clone();
        let hash_key = hash_key.unwrap_or(DEFAULT_HASH_KEY);
        let memory = Account::new();
        memory.set_hash_key(hash_key);
        let entered = memory.enter();
        let arena = Arena::<Root>::new(|mc| {
            let globals = VmTable::new(mc, hash_key);
            let registry = VmTable::new(mc, hash_key);
            let tm_names: [Option<LuaStr<'_>>; TM_COUNT] =
                std::array::from_fn(|i| Some(LuaStr::new(mc, hash_key, TM_NAMES[i].as_bytes())));
            let main = VmThread::new(mc, VmValue::Nil);
            State {
                globals,
                registry,
                main,
                running: Gc::new(mc, RefLock::new(vec![main])),
                spare_thread: Gc::new(mc, RefLock::new(None)),
                metas: Gc::new(mc, RefLock::new(TypeMetas::default())),
                tm_names,
                hash_key,
                next_id: std::cell::Cell::new(1),
                rng: std::cell::Cell::new([0; 4]),
                collect_requested: std::cell::Cell::new(false),
                memory_pressure: std::cell::Cell::new(false),
                index_hint: std::cell::Cell::new(0),
                tm_hints: Default::default(),
                cold_loops: Default::default(),
                after_call: Default::default(),
                main_yieldable: std::cell::Cell::new(main_yieldable),
                c_call_boundaries: std::cell::Cell::new(c_call_boundaries),
                just_collected: std::cell::Cell::new(false),
                quiet_retry: std::cell::Cell::new(false),
                retry_gc: std::cell::Cell::new(false),
                host_error: std::cell::RefCell::new(None),
                memory_error: std::cell::Cell::new(false),
                budget_exhausted: std::cell::Cell::new(false),
                inherited_garbage: std::cell::Cell::new(0),
                host: std::cell::RefCell::new(host),
                gc: Gc::new(mc, RefLock::new(crate::vm::gc::GcState::new())),
                fork: None,
            }
        });
        arena.mutate(|mc, state| {
            let ctx = Ctx { mc, state };
            stdlib::open(ctx, profile);
            for name in &without {
                stdlib::close_library(ctx, name);
            }
            if let Some(seed) = seed {
                stdlib::math::seed(ctx, seed);
            }
        });
        drop(entered);
        let mut vm = Vm::from_parts(arena, 0, registry, memory, false);
        vm.registrations = Rc::new(registrations);
        vm.releases = releases;
        vm.set_memory_limit(memory_limit);
        super::registration::expose_all(&vm);
        vm
    }

    /// A VM around a built heap.
    #[inline]
    fn from_parts(
        arena: Arena<Root>,
        fuel_used: u64,
        registry: Registry,
        memory: Rc<Account>,
        lazy: bool,
    ) -> Vm {
        arena.metrics().set_pacing(crate::vm::gc::PACING);
        let (releases, retry_pending) = arena.mutate(|_, state| {
            let retry_pending = state.quiet_retry.get() || state.just_collected.get();
            (state.host.borrow().handle_releases.clone(), retry_pending)
        });
        memory.set_allocated(crate::vm::gc::resume_counters(&arena));
        Vm {
            arena,
            fuel_used,
            registry,
            memory,
            paced_at: 0,
            paced_objects: 0,
            collected_at: 0,
            settled_unit: 0.0,
            woke_at: 0,
            retry_pending,
            interrupt: std::cell::OnceCell::new(),
            lazy,
            registrations: NO_REGISTRATIONS.with(Rc::clone),
            releases,
        }
    }

    /// Saves the whole VM (every coroutine, suspended native, host call and wait, table and
    /// closure) to bytes. Call between steps.
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
            handle::release(ctx, &self.releases);
            complete_fork(ctx);
            crate::snapshot::save_to_bytes(ctx, &self.registry, opts, fuel)
        })
    }

    /// Restores a VM saved by [`Vm::save`], with the standard registry and default host.
    /// A snapshot that names host functions, wait kinds or userdata types needs
    /// [`VmOptions::restore`] with those registered.
    ///
    /// # Errors
    /// Any problem with the bytes: never a panic.
    pub fn restore(bytes: &[u8]) -> Result<Vm, SnapshotError> {
        Self::restore_with(bytes, Registry::standard(), Host::default(), None)
    }

    pub(crate) fn restore_from(bytes: &[u8], opts: VmOptions) -> Result<Vm> {
        let VmOptions {
            memory_limit,
            main_yieldable,
            yield_across_natives,
            mut host,
            registrations,
            ..
        } = opts;
        let mut registry = Registry::standard();
        registrations.install(&mut registry, &mut host);
        let mut vm = Vm::restore_with(bytes, registry, host, None)?;
        vm.registrations = Rc::new(registrations);
        vm.set_memory_limit(memory_limit);
        if main_yieldable {
            vm.set_main_yieldable(true);
        }
        if let Some(yes) = yield_across_natives {
            vm.set_yield_across_natives(yes);
        }
        Ok(vm)
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
        memory.set_hash_key(tail.hash_key);
        let entered = memory.enter();
        let arena = Arena::<Root>::try_new(|mc| {
            crate::snapshot::build(mc, body, None, &tail, &chunks, &registry, host)
        })?;
        inherit_garbage(&arena, tail.used_at_save);
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
    /// Forks get this VM's registrations (host functions, wait kinds, userdata types).
    ///
    /// # Errors
    /// As [`Vm::save`].
    pub fn image(&self) -> Result<Image, SnapshotError> {
        let fuel = self.fuel_used;
        let (body, chunks) = {
            let _memory = self.memory.enter();
            self.arena.mutate(|mc, state| {
                let ctx = Ctx { mc, state };
                handle::release(ctx, &self.releases);
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
        memory.set_hash_key(tail.hash_key);
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
        let mut registry = self.registry.clone();
        let mut host = Host::default();
        self.registrations.install(&mut registry, &mut host);
        Ok(Image {
            lazy: Arc::new(crate::snapshot::LazyImage::new(
                body, offsets, tail, chunks, decoded, total,
            )),
            registry: self.registry.clone(),
            registrations: self.registrations.clone(),
            installed: Rc::new(Installed {
                registry,
                functions: host.functions,
                wait_kinds: host.wait_kinds,
            }),
        })
    }

    /// The registry used when saving (add natives and userdata types here).
    pub fn registry_mut(&mut self) -> &mut Registry {
        &mut self.registry
    }

    /// The host functions, wait kinds and userdata types registered with this VM (give them
    /// to [`VmOptions::registrations`] to restore its snapshots elsewhere in this process).
    pub fn registrations(&self) -> &Registrations {
        &self.registrations
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
        self.load_then(source, chunk_name, |cx| {
            args.iter()
                .map(|a| {
                    a.clone()
                        .into_lua(cx)
                        .map(|v| v.0)
                        .map_err(|e| RuntimeError {
                            message: e.to_string(),
                            traceback: String::new(),
                        })
                })
                .collect()
        })
    }

    /// Compiles a script and prepares the main coroutine to run it with the elements of the
    /// global table `arg` as its arguments (`...`), read once it compiled, as the `lua`
    /// command's `pushargs` does: `arg[1]` to `arg[#arg]` (the raw length), whatever earlier
    /// chunks made of the table.
    ///
    /// # Errors
    /// The compile error, or "'arg' is not a table".
    pub fn load_with_arg_table(
        &mut self,
        source: &[u8],
        chunk_name: &str,
    ) -> Result<(), RuntimeError> {
        self.load_then(source, chunk_name, |cx| {
            let ctx = cx.ctx;
            let VmValue::Table(t) = ctx.state.globals.get(ctx.mc, ctx.str_value("arg")) else {
                return Err(RuntimeError {
                    message: "'arg' is not a table".into(),
                    traceback: String::new(),
                });
            };
            let n = t.length(ctx.mc).max(0);
            if n as u64 > crate::vm::exec::MAX_STACK as u64 {
                return Err(RuntimeError {
                    message: "too many arguments to script".into(),
                    traceback: String::new(),
                });
            }
            Ok((1..=n).map(|i| t.get_int(ctx.mc, i)).collect())
        })
    }

    /// Compiles `source`, then prepares the main coroutine to run it with the arguments
    /// `args` makes.
    fn load_then(
        &mut self,
        source: &[u8],
        chunk_name: &str,
        args: impl for<'gc> FnOnce(&Context<'gc>) -> Result<Vec<VmValue<'gc>>, RuntimeError>,
    ) -> Result<(), RuntimeError> {
        let releases = self.releases.clone();
        let _memory = self.memory.enter();
        self.arena.mutate(|mc, state| {
            let ctx = Ctx { mc, state };
            let cx = Context::new(ctx, releases);
            let cl = crate::vm::closure::load_chunk(
                ctx,
                source,
                chunk_name.as_bytes(),
                VmValue::Table(state.globals),
            )
            .map_err(|m| RuntimeError {
                message: m,
                traceback: String::new(),
            })?;
            let vals = args(&cx)?;
            let mut ts = state.main.borrow_mut(mc);
            // Closures over the previous chunk's locals (it may have yielded to the host or
            // run out of fuel) keep their values, not slots of the new chunk's stack.
            crate::vm::exec::close_upvalues(ctx, &mut ts, 0);
            ts.stack.clear();
            ts.frames.clear();
            ts.tbc.clear();
            ts.open_upvalues.clear();
            ts.stack.push(VmValue::Function(cl));
            ts.stack.extend(vals);
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

    /// Compiles `source` into a function (over the global environment) without running it.
    ///
    /// # Errors
    /// [`Error::Syntax`].
    pub fn load_function(&self, source: &[u8], chunk_name: &str) -> Result<Function> {
        self.enter(|cx| {
            let ctx = cx.ctx;
            let cl = crate::vm::closure::load_chunk(
                ctx,
                source,
                chunk_name.as_bytes(),
                VmValue::Table(ctx.state.globals),
            )
            .map_err(Error::Syntax)?;
            Ok(Function(Handle::new(cx, VmValue::Function(cl))))
        })
    }

    /// Runs `source` as a function to completion (within [`EVAL_FUEL`]) and converts its
    /// results: `let n: i64 = vm.eval("return 1 + 2")?`.
    ///
    /// # Errors
    /// A syntax or runtime error, [`Error::FuelExhausted`], a wait, or a failed conversion.
    pub fn eval<R: FromLuaMulti>(&mut self, source: &str) -> Result<R> {
        let f = self.load_function(source.as_bytes(), "=eval")?;
        self.call(&f, (), EVAL_FUEL)
    }

    /// Runs for about `fuel` units (one per instruction; natives charge by work done).
    /// Overshoot is bounded by the largest single charge a native makes between checks.
    pub fn step(&mut self, fuel: u64) -> StepResult {
        self.run_task(Task::Main, fuel)
    }

    /// Starts a call of `func` (a [`Function`] handle, or anything that converts to a
    /// function) with `args`, on its own coroutine; run it with [`Vm::step_call`]. Several
    /// calls may be in flight at once, and beside the main chunk; each is saved with the VM.
    ///
    /// # Errors
    /// If `func` or `args` do not convert.
    pub fn start_call(&mut self, func: impl IntoLua, args: impl IntoLuaMulti) -> Result<Call> {
        self.enter(|cx| {
            let ctx = cx.ctx;
            let co = new_call_thread(cx, func, args)?;
            let chain = ctx.new_table();
            ctx.store_always(chain, VmValue::Int(1), VmValue::Thread(co));
            ctx.store_always(calls_table(ctx), VmValue::Thread(co), VmValue::Table(chain));
            Ok(Call(Thread(Handle::new(cx, VmValue::Thread(co)))))
        })
    }

    /// Runs a call started by [`Vm::start_call`] for about `fuel` units, as [`Vm::step`] runs
    /// the main chunk. `Finished` holds its results; after that the call is over.
    pub fn step_call(&mut self, call: &Call, fuel: u64) -> StepResult {
        self.run_task(Task::Call(&(call.0).0), fuel)
    }

    /// Calls `func` with `args` and runs it to completion within `fuel`, converting its
    /// results: `let sum: i64 = vm.call(&f, (1, 2), 10_000)?`.
    ///
    /// # Errors
    /// The script's error ([`Error::Runtime`], [`Error::Memory`]), [`Error::FuelExhausted`]
    /// (the call is abandoned), [`Error::Waiting`] if it waits for the host (use
    /// [`Vm::start_call`] for calls that wait), or a failed conversion.
    pub fn call<R: FromLuaMulti>(
        &mut self,
        func: impl IntoLua,
        args: impl IntoLuaMulti,
        fuel: u64,
    ) -> Result<R> {
        let call = match self.call_first_slice(func, args, fuel) {
            Ok(FirstSlice::Done(r)) => return Ok(r),
            Ok(FirstSlice::Pending(call, used)) => (call, used),
            Err(e) => return Err(*e),
        };
        let (call, used) = call;
        let left = fuel.saturating_sub(used);
        match self.step_call(&call, left) {
            StepResult::Finished(vals) => self.convert_results(vals),
            StepResult::Error(e) => Err(e.into()),
            StepResult::OutOfFuel => {
                self.cancel_call(&call);
                Err(Error::FuelExhausted { fuel })
            }
            _ if left == 0 => {
                self.cancel_call(&call);
                Err(Error::FuelExhausted { fuel })
            }
            StepResult::Waiting { kind } => {
                self.cancel_call(&call);
                Err(Error::Waiting { kind })
            }
            StepResult::Yielded(_) => {
                self.cancel_call(&call);
                Err(Error::msg("attempt to yield from outside a coroutine"))
            }
        }
    }

    /// [`Vm::call`] of the global function `name`.
    ///
    /// # Errors
    /// As [`Vm::call`]; a conversion error if the global is not a function.
    pub fn call_global<R: FromLuaMulti>(
        &mut self,
        name: &str,
        args: impl IntoLuaMulti,
        fuel: u64,
    ) -> Result<R> {
        let f: Function = self.global(name)?;
        self.call(&f, args, fuel)
    }

    /// Forgets a call in flight: its coroutine is no longer run or kept by the VM.
    pub fn cancel_call(&mut self, call: &Call) {
        let _ = self.enter(|cx| -> Result<()> {
            let co = (call.0).0.get(cx)?;
            let ctx = cx.ctx;
            ctx.store_always(calls_table(ctx), co, VmValue::Nil);
            Ok(())
        });
    }

    /// Converts results of a finished call.
    fn convert_results<R: FromLuaMulti>(&self, vals: Vec<Value>) -> Result<R> {
        self.enter(|cx| {
            let vals = vals
                .into_iter()
                .map(|v| v.into_lua(cx))
                .collect::<Result<Vec<LuaValue<'_>>>>()?;
            R::from_lua_multi(&vals, 1, cx)
        })
    }

    /// Hands `values` to the main chunk: the results of the host function it waits in (a
    /// [`super::Wait::delivery`] or a wait kind's resume), or of its `coroutine.yield` to the
    /// host. It continues on the next [`Vm::step`].
    ///
    /// # Errors
    /// If the main chunk is not waiting or yielded, or a value does not convert.
    pub fn deliver(&mut self, values: impl IntoLuaMulti) -> Result<()> {
        self.deliver_to(Task::Main, values)
    }

    /// [`Vm::deliver`] to a call in flight.
    ///
    /// # Errors
    /// As [`Vm::deliver`].
    pub fn deliver_call(&mut self, call: &Call, values: impl IntoLuaMulti) -> Result<()> {
        self.deliver_to(Task::Call(&(call.0).0), values)
    }

    fn deliver_to(&mut self, task: Task<'_>, values: impl IntoLuaMulti) -> Result<()> {
        self.enter(|cx| deliver_in(cx, task, values))
    }

    /// [`Vm::deliver`] then [`Vm::step`], in one entry into the VM: what a scheduler does for
    /// an agent waiting in `receive()` when its message comes. Exactly the same as the two
    /// calls: the delivery and the first slice share one `mutate` only when the slice would
    /// start with no memory work to do (else the step runs as [`Vm::step`] does). A wait's
    /// kind is named only if `want_kind()` says so when the slice ends in one (else it is
    /// empty: an agent back in `receive()` needs no copy of it).
    ///
    /// # Errors
    /// As [`Vm::deliver`] (nothing ran).
    pub(crate) fn deliver_and_step(
        &mut self,
        values: impl IntoLuaMulti,
        fuel: u64,
        want_kind: impl FnOnce() -> bool,
    ) -> Result<StepResult> {
        let _memory = self.memory.enter();
        let mut remaining = fuel.min(i64::MAX as u64) as i64;
        let slice = self.slice_fuel(remaining);
        let (limit, collected_at, sleeping) =
            (self.memory.limit(), self.collected_at, self.sleeping());
        let releases = self.releases.clone();
        let first = self.arena.mutate(|mc, state| -> Result<Option<_>> {
            let ctx = Ctx { mc, state };
            handle::release(ctx, &releases);
            let cx = Context::new(ctx, releases);
            deliver_in(&cx, Task::Main, values)?;
            if memory_work_due(limit, collected_at, sleeping) {
                return Ok(None);
            }
            let mut f = Fuel::new(slice);
            let r = run_slice(ctx, &mut f);
            cx.forget_handle_table();
            let r = r.map(|r| match r {
                RunResult::Waiting if !want_kind() => StepResult::Waiting {
                    kind: String::new(),
                },
                r => step_result(&cx, r),
            });
            Ok(Some((r, slice - f.remaining(), gc_ask(ctx))))
        })?;
        let Some((result, used, ask)) = first else {
            return Ok(self.run_entered(Task::Main, remaining));
        };
        remaining -= used;
        remaining -= self.after_slice(used, ask);
        if let Some(r) = result {
            return Ok(r);
        }
        if remaining <= 0 || self.interrupted() {
            return Ok(StepResult::OutOfFuel);
        }
        Ok(self.run_entered(Task::Main, remaining))
    }

    /// Runs a task (the main chunk or a call) for about `fuel` units.
    fn run_task(&mut self, task: Task<'_>, fuel: u64) -> StepResult {
        let _memory = self.memory.enter();
        self.run_entered(task, fuel.min(i64::MAX as u64) as i64)
    }

    /// [`Vm::run_task`] with the VM's memory account entered.
    fn run_entered(&mut self, task: Task<'_>, mut remaining: i64) -> StepResult {
        loop {
            let slice = self.before_slice(remaining);
            let releases = self.releases.clone();
            let (result, used, ask) = self.arena.mutate(|mc, state| {
                let ctx = Ctx { mc, state };
                handle::release(ctx, &releases);
                let cx = Context::new(ctx, releases);
                // A call runs its own chain of coroutines in place of the main chunk's.
                let saved = match task {
                    Task::Main => None,
                    Task::Call(h) => match enter_call(&cx, h) {
                        Ok(saved) => Some(saved),
                        Err(e) => {
                            let e = RuntimeError {
                                message: e.to_string(),
                                traceback: String::new(),
                            };
                            return (Some(StepResult::Error(e)), 0, gc_ask(ctx));
                        }
                    },
                };
                let mut f = Fuel::new(slice);
                let r = run_slice(ctx, &mut f);
                // The script ran: the handle table the context cached may have been replaced.
                cx.forget_handle_table();
                let r = r.map(|r| step_result(&cx, r));
                if let (Task::Call(_), Some(saved)) = (task, saved) {
                    let over = matches!(r, Some(StepResult::Finished(_) | StepResult::Error(_)));
                    leave_call(ctx, &saved.main_chain, saved.co, over);
                }
                (r, slice - f.remaining(), gc_ask(ctx))
            });
            remaining -= used;
            remaining -= self.after_slice(used, ask);
            if let Some(r) = result {
                return r;
            }
            // A host interrupt preempts like running out of fuel (checked between slices, so
            // within about 10,000 fuel units of being set).
            if remaining <= 0 || self.interrupted() {
                return StepResult::OutOfFuel;
            }
        }
    }

    /// A flag another thread (or the host loop) can set to stop the running `step` at its
    /// next check, with the same result as running out of fuel; the VM resumes where it
    /// stopped on the next `step`. The flag is cleared when it takes effect.
    pub fn interrupt_handle(&self) -> Arc<AtomicBool> {
        self.interrupt
            .get_or_init(|| Arc::new(AtomicBool::new(false)))
            .clone()
    }

    /// Whether the host set the interrupt flag (clearing it).
    #[inline]
    fn interrupted(&self) -> bool {
        self.interrupt
            .get()
            .is_some_and(|i| i.swap(false, Ordering::Relaxed))
    }

    /// Total fuel consumed so far.
    pub fn fuel_used(&self) -> u64 {
        self.fuel_used
    }

    /// Makes a lazy fork's remaining image objects (see `vm::lazy`): from then on its heap is
    /// what an eager restore would have built. Called before the collector runs.
    fn complete_fork(&mut self) {
        if self.lazy {
            self.lazy = false;
            self.arena
                .mutate(|mc, state| complete_fork(Ctx { mc, state }));
            // The link to the image goes too: a complete fork's heap is a restore's (the
            // collector paces itself by the number of objects). The metamethod names it made
            // move into the state, and it makes the others (uncounted: the image's count,
            // the fork's, has them), as a restore has them all.
            self.arena.mutate_root(|mc, state| {
                for i in 0..TM_COUNT {
                    if state.tm_names[i].is_none() {
                        let made = state.fork.and_then(|f| f.tm_made(i));
                        state.tm_names[i] = Some(made.unwrap_or_else(|| {
                            memory::uncounted(|| {
                                LuaStr::new(mc, state.hash_key, TM_NAMES[i].as_bytes())
                            })
                        }));
                    }
                }
                state.fork = None;
            });
        }
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

    /// Whether coroutines may yield across natives waiting on a call (a `sort` comparator,
    /// a `gsub` callback, a metamethod a native called): see
    /// [`VmOptions::yield_across_natives`]. Kept by snapshots.
    pub fn set_yield_across_natives(&mut self, yes: bool) {
        let _memory = self.memory.enter();
        self.arena
            .mutate(|_, state| state.c_call_boundaries.set(!yes));
    }

    /// Whether the main thread's code runs under `lua.c`'s message handler, as the `lua`
    /// command runs its chunks (the `telelua` command turns it on): where no `xpcall` sets
    /// another handler, an error a `load` reader raises comes back from `load` with a
    /// traceback appended. (Uncaught errors get their traceback either way, in
    /// [`RuntimeError::traceback`].) Kept by snapshots.
    pub fn set_main_message_handler(&mut self, on: bool) {
        let _memory = self.memory.enter();
        self.arena.mutate(|mc, state| {
            crate::stdlib::msghandler::set_main_handler(Ctx { mc, state }, on);
        });
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

    /// The global table.
    pub fn globals(&self) -> Table {
        self.enter(|cx| cx.globals())
    }

    /// Creates an empty table.
    pub fn create_table(&self) -> Table {
        self.enter(|cx| cx.create_table())
    }

    /// Reads the global `name`: `let n: i64 = vm.global("count")?`.
    ///
    /// # Errors
    /// If the value does not convert to `T`.
    pub fn global<T: super::FromLua>(&self, name: &str) -> Result<T> {
        self.enter(|cx| {
            let ctx = cx.ctx;
            let v = ctx.state.globals.get(ctx.mc, cx.string(name.as_bytes()));
            T::from_lua(LuaValue(v), cx).map_err(|e| e.at(&format!(".{name}")))
        })
    }

    /// Whether the global `name` is set (not nil), without converting its value.
    pub(crate) fn has_global(&self, name: &str) -> bool {
        self.enter(|cx| {
            let ctx = cx.ctx;
            !ctx.state
                .globals
                .get(ctx.mc, cx.string(name.as_bytes()))
                .is_nil()
        })
    }

    /// Sets the global `name` (a raw set: `_G`'s metatable, if any, is not consulted).
    ///
    /// # Errors
    /// If the value does not convert.
    pub fn set_global(&mut self, name: &str, value: impl IntoLua) -> Result<()> {
        self.enter(|cx| {
            let v = value.into_lua(cx)?;
            let ctx = cx.ctx;
            ctx.store_always(ctx.state.globals, cx.string(name.as_bytes()), v.0);
            Ok(())
        })
    }

    /// Sets a global to a host native function (register it with [`Vm::registry_mut`] too if
    /// the VM is to be saved). Closures are registered with [`Vm::register`].
    pub fn set_native(&mut self, name: &str, def: &'static crate::vm::native::NativeDef) {
        self.enter(|cx| {
            let ctx = cx.ctx;
            let f = VmValue::LightNative(crate::vm::closure::LightNative(def));
            ctx.store_always(ctx.state.globals, cx.string(name.as_bytes()), f);
        });
    }

    /// Sets a global to a table holding `values` at `first..` (used for the CLI's `arg`).
    pub fn set_global_list(&mut self, name: &str, first: i64, values: &[HostValue]) {
        let _ = self.enter(|cx| -> Result<()> {
            let ctx = cx.ctx;
            let t = ctx.new_table();
            for (i, v) in values.iter().enumerate() {
                let v = v.clone().into_lua(cx)?;
                ctx.store_always(t, VmValue::Int(first + i as i64), v.0);
            }
            ctx.store_always(
                ctx.state.globals,
                cx.string(name.as_bytes()),
                VmValue::Table(t),
            );
            Ok(())
        });
    }

    /// Number of live handles this VM holds for the host (for tests and leak checks).
    pub fn handle_count(&self) -> usize {
        self.enter(|cx| handle::live_count(cx.ctx))
    }

    /// Releases every handle this VM holds for the host except those in `keep`; returns how
    /// many it released.
    ///
    /// Dropping a handle releases its slot in the VM it was last used with. A VM restored or
    /// forked from a snapshot taken earlier still holds the slots of handles the host has
    /// dropped since (and a VM restored in another process holds all of its original host's),
    /// because a host there may still hold them. After a restore or fork, the host names the
    /// handles it keeps, and the others' objects become collectable:
    ///
    /// ```
    /// use telelua::{Table, Vm};
    /// let mut vm = Vm::new();
    /// let keep: Table = vm.eval("return {}").unwrap();
    /// let gone: Table = vm.eval("return {}").unwrap();
    /// let bytes = vm.save().unwrap();
    /// drop(gone); // released in `vm` ...
    /// let back = Vm::restore(&bytes).unwrap();
    /// assert_eq!(back.handle_count(), 2); // ... but not in the restored VM
    /// assert_eq!(back.release_handles_except(&[&keep]), 1);
    /// assert_eq!(back.handle_count(), 1);
    /// ```
    pub fn release_handles_except(&self, keep: &[&dyn AsHandle]) -> usize {
        let keep: Vec<(u32, u64)> = keep.iter().filter_map(|h| h.handle_id()).collect();
        self.enter(|cx| handle::release_except(cx.ctx, &keep))
    }

    /// The queue of dropped handles' slots, drained on the next API call.
    pub(crate) fn releases(&self) -> &Rc<ReleaseQueue> {
        &self.releases
    }

    /// The memory budget (`None`: unlimited).
    pub fn memory_limit(&self) -> Option<u64> {
        let l = self.memory.limit();
        (l != u64::MAX).then_some(l)
    }

    pub(crate) fn registrations_mut(&mut self) -> (&mut Registrations, &mut Registry) {
        (Rc::make_mut(&mut self.registrations), &mut self.registry)
    }
}

/// A host call in flight (see [`Vm::start_call`]): a handle to its coroutine, so it survives
/// saves, restores and forks like any handle.
#[derive(Clone, Debug, PartialEq)]
pub struct Call(pub Thread);

/// The table of calls in flight, made on first use.
fn calls_table<'gc>(ctx: Ctx<'gc>) -> VmTable<'gc> {
    handle::registry_table(ctx, &CALLS_KEY)
}

/// The chain of coroutines of the call whose coroutine `h` names.
fn chain_of<'gc>(cx: &Context<'gc>, h: &Handle) -> Result<Vec<VmThread<'gc>>> {
    let ctx = cx.ctx;
    let co = h.get(cx)?;
    let VmValue::Table(chain) = calls_table(ctx).get(ctx.mc, co) else {
        return Err(Error::msg(
            "this call is over (or was never started with start_call)",
        ));
    };
    let n = chain.length(ctx.mc);
    let mut out = Vec::with_capacity(n.max(0) as usize);
    for i in 1..=n {
        match chain.get_int(ctx.mc, i) {
            VmValue::Thread(t) => out.push(t),
            _ => {
                return Err(Error::msg(
                    "internal error: a call's chain holds a non-thread",
                ))
            }
        }
    }
    Ok(out)
}

/// A chain of running coroutines set aside while another runs (rarely more than a few).
type Chain<'gc> = SmallVec<[VmThread<'gc>; 4]>;

/// Makes `chain` the running chain; returns the one it replaces. The running list keeps its
/// buffer, so a call allocates nothing here.
#[inline]
fn swap_chain<'gc>(ctx: Ctx<'gc>, chain: &[VmThread<'gc>]) -> Chain<'gc> {
    let mut running = ctx.state.running.borrow_mut(ctx.mc);
    // One coroutine for another: what nearly every call does.
    if let ([old], [new]) = (running.as_mut_slice(), chain) {
        let mut c = Chain::new();
        c.push(std::mem::replace(old, *new));
        return c;
    }
    let old = Chain::from_slice(&running);
    running.clear();
    running.extend_from_slice(chain);
    old
}

/// What [`enter_call`] replaced: the main chunk's chain, and the call's coroutine.
struct Saved<'gc> {
    main_chain: Chain<'gc>,
    co: VmValue<'gc>,
}

/// Makes the call's chain the running one.
fn enter_call<'gc>(cx: &Context<'gc>, h: &Handle) -> Result<Saved<'gc>> {
    let ctx = cx.ctx;
    let chain = chain_of(cx, h)?;
    if chain.is_empty() {
        return Err(Error::msg("internal error: empty call chain"));
    }
    let co = h.get(cx)?;
    let main_chain = swap_chain(ctx, &chain);
    Ok(Saved { main_chain, co })
}

/// Puts the main chain back, keeping the call's chain (or forgetting the call if it is over).
fn leave_call<'gc>(ctx: Ctx<'gc>, main_chain: &[VmThread<'gc>], co: VmValue<'gc>, over: bool) {
    let chain = swap_chain(ctx, main_chain);
    let calls = calls_table(ctx);
    if over {
        ctx.store_always(calls, co, VmValue::Nil);
        return;
    }
    let t = ctx.new_table_sized(chain.len(), 0);
    for (i, co) in chain.iter().enumerate() {
        ctx.store_always(t, VmValue::Int(i as i64 + 1), VmValue::Thread(*co));
    }
    ctx.store_always(calls, co, VmValue::Table(t));
}

/// A coroutine to run a host call: `func` with `args` on its stack.
fn new_call_thread<'gc>(
    cx: &Context<'gc>,
    func: impl IntoLua,
    args: impl IntoLuaMulti,
) -> Result<VmThread<'gc>> {
    let f = func.into_lua(cx)?.0;
    let args = args.into_lua_multi(cx)?;
    let mc = cx.ctx.mc;
    let spare = cx.ctx.state.spare_thread.borrow_mut(mc).take();
    let co = match spare {
        Some(co) => {
            co.reset(mc, f);
            co
        }
        None => VmThread::new(mc, f),
    };
    {
        let mut ts = co.borrow_mut(mc);
        ts.stack.extend(args.iter().map(|v| v.0));
        ts.sync_model();
    }
    Ok(co)
}

/// Hands `values` to the coroutine `task` runs on top (see [`Vm::deliver`]).
fn deliver_in<'gc>(cx: &Context<'gc>, task: Task<'_>, values: impl IntoLuaMulti) -> Result<()> {
    let ctx = cx.ctx;
    let top = match task {
        Task::Main => ctx.current_thread(),
        Task::Call(h) => match chain_of(cx, h)?.last() {
            Some(t) => *t,
            None => return Err(Error::msg("the call is over")),
        },
    };
    let vals = values.into_lua_multi(cx)?;
    let mut ts = top.borrow_mut(ctx.mc);
    let ok = match ts.frames.last_mut() {
        Some(Frame::Native(nf)) => match &mut *nf.cont {
            Cont::Host { delivered, .. } if !*delivered => {
                *delivered = true;
                true
            }
            Cont::Yielded => true,
            _ => false,
        },
        _ => false,
    };
    if !ok {
        return Err(Error::msg(
            "nothing to deliver to: the script is not waiting for the host",
        ));
    }
    ts.stack.extend(vals.iter().map(|v| v.0));
    ts.sync_model();
    Ok(())
}

/// Runs one slice of the running chain (raising the memory error first if the budget
/// check at the end of the last one asked for it, see `Vm::after_slice`). `None`: out of
/// fuel.
fn run_slice<'gc>(ctx: Ctx<'gc>, fuel: &mut Fuel) -> Option<RunResult<'gc>> {
    let state = ctx.state;
    let r = memory::with_pacing(true, || exec::run(ctx, fuel));
    state.memory_error.set(false);
    match r {
        RunResult::OutOfFuel => None,
        other => Some(other),
    }
}

/// What a finished slice means for the host.
fn step_result<'gc>(cx: &Context<'gc>, r: RunResult<'gc>) -> StepResult {
    let ctx = cx.ctx;
    match r {
        RunResult::OutOfFuel => StepResult::OutOfFuel,
        RunResult::Finished(v) => {
            StepResult::Finished(v.into_iter().map(|v| LuaValue(v).to_value(cx)).collect())
        }
        RunResult::Yielded(v) => {
            StepResult::Yielded(v.into_iter().map(|v| LuaValue(v).to_value(cx)).collect())
        }
        RunResult::Error(v, tb) => StepResult::Error(RuntimeError {
            message: error_message(ctx, v),
            traceback: tb,
        }),
        RunResult::Waiting => StepResult::Waiting {
            kind: waiting_kind(ctx).unwrap_or_default(),
        },
    }
}

/// The first slice of a [`Vm::call`]: its results, or the call to continue and the fuel
/// the slice used.
enum FirstSlice<R> {
    Done(R),
    Pending(Call, u64),
}

/// The kind of the wait the running coroutine is in, if any.
fn waiting_kind(ctx: Ctx<'_>) -> Option<String> {
    waiting_in(ctx, |wait| wait.kind.to_string())
}

/// `f` of the wait the running coroutine is in, if any.
fn waiting_in<'gc, R>(
    ctx: Ctx<'gc>,
    f: impl FnOnce(&crate::vm::native::HostWait<crate::vm::value::Value<'gc>>) -> R,
) -> Option<R> {
    let t = ctx.current_thread();
    let ts = t.borrow();
    match ts.frames.last() {
        Some(Frame::Native(nf)) => match &*nf.cont {
            Cont::Host { wait, .. } => Some(f(wait)),
            _ => None,
        },
        _ => None,
    }
}

/// A VM frozen in memory (see [`Vm::image`]); fork it into independent VMs.
///
/// Forks are lazy: a fork starts with only its roots and shares the image's objects, making
/// each in its own heap when it first reaches it, and copying a table's contents when it first
/// writes to it (or iterates it). It behaves exactly as a full copy would (same identities,
/// iteration orders, ids, memory count); before its first garbage collection or save it makes
/// whatever it has not made yet. See `vm::lazy`. Cloning an image is cheap (the clones
/// share it).
#[derive(Clone)]
pub struct Image {
    lazy: Arc<crate::snapshot::LazyImage>,
    registry: Registry,
    registrations: Rc<Registrations>,
    installed: Rc<Installed>,
}

/// An image's registrations installed once, when it is made: a fork with no others shares
/// them (a scheduler spawns thousands of forks; building the host's maps and copying the
/// kind names was a tenth of a spawn).
struct Installed {
    /// The image's registry with the registered names added.
    registry: Registry,
    /// The host's maps, as `Registrations::install` makes them in an empty host.
    functions: Rc<crate::vm::state::HostFunctions>,
    wait_kinds: Rc<crate::vm::state::WaitKinds>,
}

impl Image {
    /// A new, independent VM in the image's state, with the given host services (and the
    /// registrations of the VM the image was taken from).
    ///
    /// # Errors
    /// Only if the image itself is inconsistent (it was checked by building it in full when
    /// it was made): a bug, never a panic.
    pub fn fork_with(&self, host: Host) -> Result<Vm, SnapshotError> {
        self.fork_registered(host, None)
    }

    /// A fork with the image's registrations and `more` installed (once: a scheduler spawns
    /// thousands of these). With none more and a host without any of its own, the fork
    /// shares the image's installed maps.
    #[inline]
    fn fork_registered(
        &self,
        mut host: Host,
        more: Option<Registrations>,
    ) -> Result<Vm, SnapshotError> {
        let (registry, regs) = match more {
            None if host.functions.is_empty() && host.wait_kinds.is_empty() => {
                let installed = &self.installed;
                host.functions = installed.functions.clone();
                host.wait_kinds = installed.wait_kinds.clone();
                (installed.registry.clone(), self.registrations.clone())
            }
            more => {
                let mut all = Registrations::clone(&self.registrations);
                if let Some(more) = more {
                    all.extend(&more);
                }
                let mut registry = self.registry.clone();
                all.install(&mut registry, &mut host);
                (registry, Rc::new(all))
            }
        };
        let memory = Account::new();
        memory.set_hash_key(self.lazy.tail.hash_key);
        let entered = memory.enter();
        let arena = Arena::<Root>::try_new(|mc| crate::snapshot::fork_lazy(mc, &self.lazy, host))?;
        let total = self.lazy.total;
        memory::set_used(total);
        inherit_garbage(&arena, self.lazy.tail.used_at_save);
        drop(entered);
        // Pace the collector as if the image's objects were in this heap (a cycle starts
        // once the heap has grown by as many, as after a collection of a heap that size).
        let objects = self.lazy.decoded_objects() as f64;
        let pacing = crate::vm::gc::PACING;
        arena
            .metrics()
            .adjust_debt(-(objects * pacing.sleep_factor + pacing.min_sleep as f64));
        let mut vm = Vm::from_parts(arena, self.lazy.tail.fuel_used, registry, memory, true);
        vm.registrations = regs;
        vm.paced_at = total;
        vm.paced_objects = vm.arena.metrics().total_gc_count();
        Ok(vm)
    }

    /// A fork with `opts` (its host services, memory limit and registrations; library
    /// options do not apply: the libraries are the image's).
    ///
    /// # Errors
    /// As [`Image::fork_with`].
    #[inline]
    pub fn fork_with_options(&self, opts: VmOptions) -> Result<Vm> {
        let VmOptions {
            memory_limit,
            host,
            registrations,
            ..
        } = opts;
        let more = (!registrations.is_empty()).then_some(registrations);
        let mut vm = self.fork_registered(host, more)?;
        vm.set_memory_limit(memory_limit);
        Ok(vm)
    }

    /// Whether a fork of this image has every host function and wait kind of `regs`
    /// already, as the very same closures (the last registration of a name is the one a
    /// fork uses): a scheduler then spawns without registering its natives again.
    pub(crate) fn registers_all(&self, regs: &Registrations) -> bool {
        let mine = &self.registrations;
        regs.functions.iter().all(|(def, f)| {
            mine.functions
                .iter()
                .rev()
                .find(|(d, _)| d.name == def.name)
                .is_some_and(|(_, g)| Rc::ptr_eq(f, g))
        }) && regs.wait_kinds.iter().all(|(name, k)| {
            mine.wait_kinds
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .is_some_and(|(_, g)| Rc::ptr_eq(k, g))
        }) && regs.userdata.is_empty()
    }

    /// Whether `other` is this very image (or a clone of it).
    pub(crate) fn same_as(&self, other: &Image) -> bool {
        Arc::ptr_eq(&self.lazy, &other.lazy)
    }

    /// A fork that makes every object of the image now (the heap a lazy fork has after its
    /// first collection): for a host that will touch most of the image anyway.
    ///
    /// # Errors
    /// As [`Image::fork_with`].
    pub fn fork_eager_with(&self, mut host: Host) -> Result<Vm, SnapshotError> {
        let img = &self.lazy;
        let mut registry = self.registry.clone();
        self.registrations.install(&mut registry, &mut host);
        let memory = Account::new();
        memory.set_hash_key(img.tail.hash_key);
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
        inherit_garbage(&arena, img.tail.used_at_save);
        drop(entered);
        let mut vm = Vm::from_parts(arena, img.tail.fuel_used, registry, memory, false);
        vm.registrations = self.registrations.clone();
        Ok(vm)
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
/// hostile table keys choose their own ([`VmOptions::hash_key`]).
const DEFAULT_HASH_KEY: u64 = 0x7e1e_1ea5_eed0_0001;

impl From<RuntimeError> for Error {
    fn from(e: RuntimeError) -> Error {
        if e.message == crate::vm::error::NOT_ENOUGH_MEMORY {
            Error::Memory
        } else {
            Error::Runtime {
                message: e.message,
                traceback: e.traceback,
            }
        }
    }
}
