//! The VM's root object (`State`) and `Ctx`, the handle every operation receives.

use std::cell::{Cell, RefCell};

use gc_arena::{lock::RefLock, Collect, Gc, Mutation};

use super::error::LuaError;
use super::string::LuaStr;
use super::table::Table;
use super::thread::Thread;
use super::value::Value;

/// Metamethod (tag method) names, in a fixed order.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Tm {
    Index,
    NewIndex,
    Gc,
    Mode,
    Len,
    Eq,
    Add,
    Sub,
    Mul,
    Mod,
    Pow,
    Div,
    IDiv,
    BAnd,
    BOr,
    BXor,
    Shl,
    Shr,
    Unm,
    BNot,
    Lt,
    Le,
    Concat,
    Call,
    Close,
    ToString,
    Name,
    Metatable,
    Pairs,
}

/// Number of metamethod names.
pub const TM_COUNT: usize = 29;

/// The metamethod names as Lua spells them.
pub const TM_NAMES: [&str; TM_COUNT] = [
    "__index",
    "__newindex",
    "__gc",
    "__mode",
    "__len",
    "__eq",
    "__add",
    "__sub",
    "__mul",
    "__mod",
    "__pow",
    "__div",
    "__idiv",
    "__band",
    "__bor",
    "__bxor",
    "__shl",
    "__shr",
    "__unm",
    "__bnot",
    "__lt",
    "__le",
    "__concat",
    "__call",
    "__close",
    "__tostring",
    "__name",
    "__metatable",
    "__pairs",
];

impl Tm {
    /// The event name without underscores (`"index"`, `"add"`), as used in messages.
    pub fn event(self) -> &'static str {
        &TM_NAMES[self as usize][2..]
    }
}

/// Metatables shared by all values of a basic type (only `string` is set by the stdlib).
#[derive(Collect, Default)]
#[collect(no_drop)]
pub struct TypeMetas<'gc> {
    /// The string metatable.
    pub string: Option<Table<'gc>>,
    /// Metatables for number, boolean, nil, function, thread (via `debug.setmetatable`).
    pub number: Option<Table<'gc>>,
    /// boolean
    pub boolean: Option<Table<'gc>>,
    /// nil
    pub nil: Option<Table<'gc>>,
    /// function
    pub function: Option<Table<'gc>>,
    /// thread
    pub thread: Option<Table<'gc>>,
    /// light userdata (all of them share one, as in Lua)
    pub light_userdata: Option<Table<'gc>>,
}

/// The registry key of the table of loaded modules (`package.loaded`), as `LUA_LOADED_TABLE`:
/// the library fills it, and tracebacks name functions by where they are found in it.
pub const LOADED_KEY: &str = "_LOADED";

/// The registry key of the main thread's message handler, when the host runs its chunks under
/// one as `lua.c` does (its `msghandler`, which appends a traceback): in effect where no
/// `xpcall` sets another, which only a `load` reader's error shows (an uncaught error's
/// traceback is made by the VM either way). Absent: none, as `lua_pcall` without one.
pub const MAIN_HANDLER_KEY: &str = "_MAINMSGH";

/// The host's functions by registered name (foldhash: looked up on every call of one).
pub type HostFunctions = std::collections::HashMap<
    HostKey,
    std::rc::Rc<dyn super::native::HostFunction>,
    foldhash::fast::FixedState,
>;

/// A host function's key in [`HostFunctions`]: its definition, of which there is one per name
/// in the process (the embedding API interns them), compared and hashed by address, so a
/// call finds its closure without hashing and comparing the name's bytes. Nothing iterates
/// the map in an order anyone sees (the order of addresses is not deterministic).
#[derive(Clone, Copy, Debug)]
pub struct HostKey(pub &'static super::native::NativeDef);

impl HostKey {
    /// The registered name.
    pub fn name(self) -> &'static str {
        self.0.name
    }
}

impl PartialEq for HostKey {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for HostKey {}

impl std::hash::Hash for HostKey {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        h.write_usize(std::ptr::from_ref(self.0) as usize);
    }
}

/// The host's wait kinds by name (a registered name is interned, so the waits made from
/// it borrow it: see [`super::native::HostWait::kind`]).
pub type WaitKinds = std::collections::HashMap<
    std::borrow::Cow<'static, str>,
    std::rc::Rc<dyn super::native::HostWaitKind>,
    foldhash::fast::FixedState,
>;

/// Host-side services a VM uses: output sinks, input, clock, options. Not part of a snapshot.
pub struct Host {
    /// Where `print` and `io.write` go.
    pub stdout: Box<dyn std::io::Write>,
    /// Where warnings, diagnostics and `io.stderr` go.
    pub stderr: Box<dyn std::io::Write>,
    /// Where `io.read`/`io.lines` read from (standalone profile only). Default: empty input.
    pub stdin: Box<dyn std::io::BufRead>,
    /// `warn` on/off (`@on`/`@off`).
    pub warnings_on: bool,
    /// The clock behind `os.time`, `os.clock`, `os.date` and argument-less `math.randomseed`.
    /// Default: [`VirtualClock`], which never moves, so runs are reproducible.
    pub clock: Box<dyn Clock>,
    /// Whether `require`, `loadfile` and `dofile` may read the host's files (default false;
    /// [`crate::api::Vm::with_profile`] turns it on for the standalone profile). Never part of
    /// a snapshot: a restored VM reads files only if its new host allows it.
    pub read_files: bool,
    /// Whether the libraries ignore the process's environment variables (`lua -E`): then
    /// `package.path` and `package.cpath` are the defaults whatever `LUA_PATH` and
    /// `LUA_CPATH` say. Read when the libraries are opened.
    pub ignore_env: bool,
    /// Host functions by registered name (see [`super::native::HostFunction`]). Looked up on
    /// every call of one, so hashed with foldhash rather than SipHash (names are the host's,
    /// never a script's; no script sees the map's order). Shared between the forks of one
    /// image (a spawn builds no map); changed through `Rc::make_mut`.
    pub functions: std::rc::Rc<HostFunctions>,
    /// How coroutines waiting in host functions continue, by kind name (shared as
    /// `functions` is).
    pub wait_kinds: std::rc::Rc<WaitKinds>,
    /// The host's warning function, if set: it receives every message `warn` builds,
    /// control messages (`@on`, `@off`) included, as `lua_setwarnf` replaces Lua's own; when
    /// unset, `@on`/`@off` switch warnings to `stderr` on and off.
    pub warn: Option<Box<dyn FnMut(&[u8])>>,
    /// Handle slots whose last host handle was dropped (slot, serial), released by the
    /// embedding API on its next call (see `api::handle`).
    pub handle_releases: std::rc::Rc<std::cell::RefCell<Vec<(u32, u64)>>>,
}

thread_local! {
    /// The maps of a host with nothing registered, shared: a default host (one per VM
    /// option set, so one per spawn) allocates no maps only to have them replaced by an
    /// image's (see `api::Image`). Registering copies them first (`Rc::make_mut`).
    static EMPTY_FUNCTIONS: std::rc::Rc<HostFunctions> = std::rc::Rc::default();
    static EMPTY_WAIT_KINDS: std::rc::Rc<WaitKinds> = std::rc::Rc::default();
}

/// The process's standard output (`ERR` false) or error (`ERR` true) as a zero-sized sink:
/// a default host's boxed sinks and clock then allocate nothing (`Stdout` holds a pointer,
/// so its box allocated: three allocations per default host, that is per spawned agent).
struct ProcessStream<const ERR: bool>;

impl<const ERR: bool> std::io::Write for ProcessStream<ERR> {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if ERR {
            std::io::stderr().write(buf)
        } else {
            std::io::stdout().write(buf)
        }
    }
    #[inline]
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if ERR {
            std::io::stderr().write_all(buf)
        } else {
            std::io::stdout().write_all(buf)
        }
    }
    #[inline]
    fn flush(&mut self) -> std::io::Result<()> {
        if ERR {
            std::io::stderr().flush()
        } else {
            std::io::stdout().flush()
        }
    }
}

/// `VirtualClock::default()` as a zero-sized clock (see [`ProcessStream`]).
struct DefaultClock;

impl Clock for DefaultClock {
    fn now(&self) -> f64 {
        VirtualClock::default().now()
    }
    fn cpu_time(&self) -> f64 {
        VirtualClock::default().cpu_time()
    }
}

impl Default for Host {
    fn default() -> Self {
        Host {
            stdout: Box::new(ProcessStream::<false>),
            stderr: Box::new(ProcessStream::<true>),
            stdin: Box::new(std::io::empty()),
            warnings_on: false,
            clock: Box::new(DefaultClock),
            read_files: false,
            ignore_env: false,
            functions: EMPTY_FUNCTIONS.with(Clone::clone),
            wait_kinds: EMPTY_WAIT_KINDS.with(Clone::clone),
            warn: None,
            handle_releases: Default::default(),
        }
    }
}

/// A source of time for the `os` library.
///
/// Local time is UTC shifted by [`Clock::utc_offset`]; there is no daylight-saving flag
/// (`isdst` is always false), which is what a host without a time-zone database can honestly
/// report.
pub trait Clock {
    /// Wall-clock time in seconds since the Unix epoch (`os.time()`, `os.date()`).
    fn now(&self) -> f64;
    /// Processor time used by the program, in seconds (`os.clock()`).
    fn cpu_time(&self) -> f64;
    /// Offset of local time from UTC in seconds at the UTC instant `t` (used by `os.date`
    /// without `!` and by `os.time(table)`). Default: 0, local time is UTC.
    fn utc_offset(&self, t: i64) -> i64 {
        let _ = t;
        0
    }
    /// The local time zone's name for `%Z` (default `"UTC"`).
    fn zone_name(&self, t: i64) -> String {
        let _ = t;
        "UTC".to_string()
    }
}

/// The default clock: deterministic and frozen. `os.time()` is always [`VirtualClock::epoch`]
/// (by default 2000-01-01 00:00:00 UTC), `os.clock()` is always 0, and local time is UTC. A
/// script that busy-waits on it spins until its fuel runs out, as it should in a sandbox.
#[derive(Clone, Copy, Debug)]
pub struct VirtualClock {
    /// The instant reported by `os.time()`, in seconds since the Unix epoch.
    pub epoch: i64,
}

impl VirtualClock {
    /// 2000-01-01 00:00:00 UTC.
    pub const DEFAULT_EPOCH: i64 = 946_684_800;
}

impl Default for VirtualClock {
    fn default() -> Self {
        VirtualClock {
            epoch: Self::DEFAULT_EPOCH,
        }
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> f64 {
        self.epoch as f64
    }
    fn cpu_time(&self) -> f64 {
        0.0
    }
}

/// The root of a VM's heap.
#[derive(Collect)]
#[collect(no_drop)]
pub struct State<'gc> {
    /// The global table (`_G`, the default `_ENV`).
    pub globals: Table<'gc>,
    /// The registry (holds `_LOADED` etc.).
    pub registry: Table<'gc>,
    /// The main coroutine.
    pub main: Thread<'gc>,
    /// The chain of running coroutines: `[main, resumed, resumed-by-that, ...]`.
    pub running: Gc<'gc, RefLock<Vec<Thread<'gc>>>>,
    /// A finished host call's coroutine kept for the next call (see `api::vm`). A cache,
    /// not state: never saved, charged nothing (see `Thread::park`), and Lua holds no
    /// reference to it, so whether it exists changes nothing a script or a snapshot sees.
    pub spare_thread: Gc<'gc, RefLock<Option<Thread<'gc>>>>,
    /// Per-type metatables.
    pub metas: Gc<'gc, RefLock<TypeMetas<'gc>>>,
    /// Metamethod names as strings, indexed by `Tm`. `None` only in a lazy fork that has
    /// not been completed: its names are made when first needed (see [`Ctx::tm`]), which
    /// spares each of thousands of forks 25 allocations it mostly never uses.
    pub tm_names: [Option<LuaStr<'gc>>; TM_COUNT],
    /// Key of the string/table hash (part of VM state; never affects iteration order).
    #[collect(require_static)]
    pub hash_key: u64,
    /// Next deterministic object id for `tostring`.
    #[collect(require_static)]
    pub next_id: Cell<u64>,
    /// State of `math.random` (xoshiro256**).
    #[collect(require_static)]
    pub rng: Cell<[u64; 4]>,
    /// Set by `collectgarbage("collect")`: the host loop runs a full collection before
    /// continuing (collections can only happen between arena mutations).
    #[collect(require_static)]
    pub collect_requested: Cell<bool>,
    /// Set when an allocation did not fit in the memory budget (see
    /// [`Ctx::ask_collection_for_memory`]): the host loop runs a quiet collection at the end
    /// of the slice, and a full one only if that is not enough (see `api::Vm::after_slice`).
    /// Transient: set and consumed within one `step`.
    #[collect(require_static)]
    pub memory_pressure: Cell<bool>,
    /// Where the last metatable looked up for `__index` held it (a position hint, see
    /// `TableData::get_str_hinted`): classes built alike keep it at the same position. A
    /// cache, not state: never saved, any value is correct.
    #[collect(require_static)]
    pub index_hint: Cell<u32>,
    /// Where the last metatable looked up for each metamethod held it (a position hint per
    /// `Tm`, as `index_hint`): a present metamethod (a string's `__add`, a class's `__eq`)
    /// is found at the hint instead of by a search of the metatable's hash part every time.
    /// A cache, not state: never saved, any value is correct.
    #[collect(require_static)]
    pub tm_hints: [Cell<u32>; TM_COUNT],
    /// Loop heads (the address of the instruction) where `interp::execute` found `fast::hot`
    /// not worth entering, each with how many more times to pass it by (see
    /// `fast::COOLDOWN`), in a small cache indexed by the address's bits 2–3: kept across
    /// `execute`'s entries, which a coroutine switch leaves and re-enters at every turn of a
    /// loop. A cache, not state: never saved; `hot` changes nothing observable, only speed.
    #[collect(require_static)]
    pub cold_loops: [Cell<(usize, u32)>; 4],
    /// What `fast::worth_after_call` answered for the instruction after a native call (the
    /// address of the instruction, the answer), in a small cache indexed by the address's
    /// bits 2–3: the answer is the same at every call from the same place, and finding it
    /// again scanned up to 8 instructions (~80 machine instructions) after every native
    /// call. A cache, not state: never saved; `hot` changes nothing observable, only speed,
    /// so a stale entry (an address reused by another function's code) is harmless.
    #[collect(require_static)]
    pub after_call: [Cell<(usize, bool)>; 4],
    /// Whether the main coroutine may yield to the host.
    #[collect(require_static)]
    pub main_yieldable: Cell<bool>,
    /// Whether natives are C-call boundaries for yields, as in PUC-Rio Lua: a coroutine
    /// cannot yield from a `sort` comparator, a `gsub` callback, a metamethod a native
    /// called, ... ("attempt to yield across a C-call boundary"). When false (telelua's
    /// own behaviour) every native waiting on a call is a saved continuation, so yields pass
    /// through them. Only the frames of natives that Lua gives continuations to (`pcall`,
    /// `xpcall`, `dofile`, `pairs`' `__pass`, `__close` calls) never block a yield.
    #[collect(require_static)]
    pub c_call_boundaries: Cell<bool>,
    /// True from the last collection a failed memory check asked for so that it could run
    /// again (`retry_gc`; the full one that follows a quiet one that was not enough) until
    /// the program goes past that operation (the host loop runs it alone in a slice of one
    /// unit of fuel, see `api::Vm::slice_fuel`): a memory check that still fails then raises
    /// "not enough memory" instead of asking for another collection. Other collections
    /// (pacing, the budget check between slices) do not set it, so whether a check fails for
    /// good depends only on live data, not on when the collector last ran (which step sizes
    /// and snapshot restores change). Saved, since a snapshot can come between that
    /// collection and the slice.
    #[collect(require_static)]
    pub just_collected: Cell<bool>,
    /// A slice ended with a quiet collection for an operation that runs again (see
    /// `api::Vm::after_slice`), and the program has not gone past that operation: if it asks
    /// again, the next collection is a full one. (Cleared once the operation goes through,
    /// never later: a later failure is another operation's and gets a quiet collection
    /// first, whatever the step sizes.) Saved with `just_collected`: a restore between the
    /// two must not add a collection, since a full one resets the pacing of the automatic
    /// ones.
    #[collect(require_static)]
    pub quiet_retry: Cell<bool>,
    /// The collection requested for the end of this slice is for a retry (see
    /// `just_collected`). Transient: set and consumed within one `step`.
    #[collect(require_static)]
    pub retry_gc: Cell<bool>,
    /// An error the host asked to raise in the running coroutine (`api::Vm::raise_error`,
    /// e.g. `lua.c`'s "interrupted!" on Ctrl-C): taken at the start of the next slice, which
    /// raises it where the coroutine stopped. Transient: not part of a snapshot.
    #[collect(require_static)]
    pub host_error: std::cell::RefCell<Option<Box<[u8]>>>,
    /// Set by the host loop when the VM is over its memory budget after a full collection
    /// (checked at fixed points of the total fuel, see `api::Vm::after_slice`): the next
    /// slice starts by raising "not enough memory" in the running coroutine. Saved, since a
    /// snapshot can come between the check and that slice.
    #[collect(require_static)]
    pub memory_error: Cell<bool>,
    /// Set with `memory_error` (the VM was over its budget after a full collection at a
    /// fixed point) and cleared at the first fixed point that finds it within the budget:
    /// meanwhile a growth that cannot be refused otherwise (the call a native asks for, see
    /// `exec::push_late`) fails with "not enough memory" instead of growing past the budget,
    /// as an allocation fails in 5.4 once its emergency collection did not help. Without
    /// it, a program that catches the memory error (a `pcall` at every level of a deep
    /// recursion) went on growing its stacks through such calls. Saved, like `memory_error`.
    #[collect(require_static)]
    pub budget_exhausted: Cell<bool>,
    /// Bytes of garbage the VM this one was restored or forked from still held, its
    /// collector being stopped: charged on top of the restored objects until the next
    /// complete collection or automatic collection work (`gc::release_inherited_garbage`), as
    /// the garbage itself would be. A save keeps only live objects, so without it a stopped
    /// collector's count dropped at every restore, and a program waiting for it to grow
    /// (`repeat ... until collectgarbage("count") > 2 * x`, in the official suite's
    /// `gc.lua`) never ended under frequent snapshots. Not saved as such: a save records the
    /// count it is part of (when the collector is stopped).
    #[collect(require_static)]
    pub inherited_garbage: Cell<u64>,
    /// Host services.
    #[collect(require_static)]
    pub host: RefCell<Host>,
    /// Weak tables, objects marked for finalization, pending finalizers and the collector's
    /// settings (see `vm::gc`).
    pub gc: Gc<'gc, RefLock<super::gc::GcState<'gc>>>,
    /// The image this VM is a lazy fork of, while some of its objects may still be there
    /// (see `vm::lazy`). Transient: a save completes the fork first.
    pub fork: Option<Gc<'gc, super::lazy::Fork<'gc>>>,
}

/// The handle every VM operation receives: the mutation context and the root.
#[derive(Copy, Clone)]
pub struct Ctx<'gc> {
    /// gc-arena's mutation context.
    pub mc: &'gc Mutation<'gc>,
    /// The VM root.
    pub state: &'gc State<'gc>,
}

impl<'gc> Ctx<'gc> {
    /// Allocates a string.
    #[inline]
    pub fn new_str(self, bytes: &[u8]) -> LuaStr<'gc> {
        LuaStr::new(self.mc, self.state.hash_key, bytes)
    }

    /// The memory error ("not enough memory", without position, as Lua raises it). No
    /// message handler sees it: Lua throws `LUA_ERRMEM` without calling `errfunc`.
    pub fn not_enough_memory(self) -> LuaError<'gc> {
        LuaError::Handled(self.str_value(super::error::NOT_ENOUGH_MEMORY))
    }

    /// Asks the host loop for a collection at the end of this slice because an allocation
    /// did not fit in the memory budget; `retry`: the operation stopped before changing
    /// anything and runs again after it (see `retry_gc`).
    pub fn ask_collection_for_memory(self, retry: bool) {
        self.state.memory_pressure.set(true);
        if retry {
            self.state.retry_gc.set(true);
        }
    }

    /// What to raise when an allocation does not fit in the memory budget: a request to
    /// collect fully and run the operation again (`RetryAfterGc`) when it changed nothing yet
    /// (`restartable`) and no collection just ran; "not enough memory" otherwise.
    pub fn out_of_memory(self, restartable: bool) -> LuaError<'gc> {
        if restartable && !self.state.just_collected.get() {
            LuaError::RetryAfterGc
        } else {
            self.not_enough_memory()
        }
    }

    /// A raw store from a place that cannot start over after a collection (a native in the
    /// middle of its work, a `debug` or `require` result table): when the table cannot grow
    /// within the memory budget and no collection just ran, it grows anyway and a full
    /// collection is requested for the end of the slice, where the budget is enforced, so
    /// garbage never makes the store fail; right after a collection, `NoMemory`.
    pub fn store_late(
        self,
        t: &mut super::table::TableMut<'_, 'gc>,
        key: Value<'gc>,
        value: Value<'gc>,
    ) -> Result<(), super::table::KeyError> {
        match t.set(key, value) {
            Err(super::table::KeyError::NoMemory) if !self.state.just_collected.get() => {
                self.ask_collection_for_memory(false);
                t.set_growing(key, value)
            }
            r => r,
        }
    }

    /// A raw store that always happens, for the small tables the VM's own natives fill (a
    /// `debug.getinfo` result, `package.loaded`): growing beyond the memory budget requests a
    /// full collection, after which the budget is enforced between slices. Keys must not be
    /// nil or NaN.
    pub fn store_always(self, t: Table<'gc>, key: Value<'gc>, value: Value<'gc>) {
        let mut tb = t.data_mut(self.mc);
        if let Err(super::table::KeyError::NoMemory) = tb.set(key, value) {
            self.ask_collection_for_memory(false);
            let _ = tb.set_growing(key, value);
        }
    }

    /// The error for a failed raw table store: "table index is nil"/"table index is NaN"
    /// (built by `wrap`, which decides how the message gets its position), or the memory
    /// error (see [`Ctx::out_of_memory`]).
    pub fn table_store_error(
        self,
        e: super::table::KeyError,
        restartable: bool,
        wrap: fn(String) -> LuaError<'gc>,
    ) -> LuaError<'gc> {
        match e {
            super::table::KeyError::NoMemory => self.out_of_memory(restartable),
            e => wrap(format!("table {}", e.message())),
        }
    }

    /// Allocates a string from an owned buffer.
    pub fn new_string(self, bytes: Vec<u8>) -> LuaStr<'gc> {
        LuaStr::from_vec(self.mc, self.state.hash_key, bytes)
    }

    /// A string value.
    pub fn str_value(self, s: &str) -> Value<'gc> {
        Value::Str(self.new_str(s.as_bytes()))
    }

    /// Allocates an empty table.
    #[inline]
    pub fn new_table(self) -> Table<'gc> {
        Table::new(self.mc, self.state.hash_key)
    }

    /// Allocates a table with size hints.
    pub fn new_table_sized(self, array: usize, hash: usize) -> Table<'gc> {
        Table::with_sizes(self.mc, self.state.hash_key, array, hash)
    }

    /// The name string of a metamethod.
    #[inline]
    pub fn tm(self, tm: Tm) -> LuaStr<'gc> {
        match self.state.tm_names[tm as usize] {
            Some(s) => s,
            None => self.fork_tm(tm),
        }
    }

    /// The name string of the metamethod spelled `name`, if it is one (made now in a lazy
    /// fork that has not made it, as [`Ctx::tm`] does).
    pub fn tm_named(self, name: &[u8]) -> Option<LuaStr<'gc>> {
        let i = TM_NAMES.iter().position(|n| n.as_bytes() == name)?;
        if let Some(s) = *self.state.tm_names.get(i)? {
            return Some(s);
        }
        let make = || super::memory::uncounted(|| LuaStr::new(self.mc, self.state.hash_key, name));
        // (Only forks have missing names.)
        Some(match self.state.fork {
            Some(fork) => super::lazy::Fork::tm_name(fork, self.mc, i, make),
            None => make(),
        })
    }

    /// The name string of a metamethod in a lazy fork that has not made it yet: made once,
    /// kept by the fork (until its completion moves it into the state), and uncounted (the
    /// fork's memory count, the image's, has it, as an eager restore would).
    #[cold]
    #[inline(never)]
    fn fork_tm(self, tm: Tm) -> LuaStr<'gc> {
        let i = tm as usize;
        let make = || {
            super::memory::uncounted(|| {
                LuaStr::new(self.mc, self.state.hash_key, TM_NAMES[i].as_bytes())
            })
        };
        match self.state.fork {
            Some(fork) => super::lazy::Fork::tm_name(fork, self.mc, i, make),
            // (Only forks have missing names.)
            None => make(),
        }
    }

    /// The name string of metamethod `i` if this VM has made it (a lazy fork makes them
    /// when first needed): what other objects may hold.
    pub fn tm_made(self, i: usize) -> Option<LuaStr<'gc>> {
        match self.state.tm_names.get(i).copied()? {
            Some(s) => Some(s),
            None => self.state.fork?.tm_made(i),
        }
    }

    /// The metatable of any value.
    pub fn metatable(self, v: Value<'gc>) -> Option<Table<'gc>> {
        match v {
            Value::Table(t) => t.metatable(),
            Value::Userdata(u) => u.0.borrow().meta,
            Value::Str(_) => self.state.metas.borrow().string,
            Value::Int(_) | Value::Float(_) => self.state.metas.borrow().number,
            Value::True | Value::False => self.state.metas.borrow().boolean,
            Value::Nil => self.state.metas.borrow().nil,
            Value::Function(_) | Value::Native(_) | Value::LightNative(_) => {
                self.state.metas.borrow().function
            }
            Value::Thread(_) => self.state.metas.borrow().thread,
            Value::LightUserdata(_) => self.state.metas.borrow().light_userdata,
        }
    }

    /// A metamethod of a value (nil if absent).
    #[inline]
    pub fn metamethod(self, v: Value<'gc>, tm: Tm) -> Value<'gc> {
        match self.metatable(v) {
            Some(mt) => self.tm_of(mt, tm),
            None => Value::Nil,
        }
    }

    /// Metamethod `tm` of metatable `mt` (its raw field; nil at once when `mt` is known to
    /// lack it, see `table_tm`).
    #[inline]
    pub fn tm_of(self, mt: Table<'gc>, tm: Tm) -> Value<'gc> {
        mt.tm_field(self.mc, tm, || self.tm(tm), None)
    }

    /// [`Ctx::metamethod`] through the state's position hint for `tm` (see
    /// `State::tm_hints`): for the slow paths that find a metamethod present time after time
    /// (`meta::arith`: a string operand's `__add`). Not in `tm_of`, which `execute` inlines
    /// at many places: the hint's code there cost other programs ~1% (binary_trees).
    pub fn metamethod_hinted(self, v: Value<'gc>, tm: Tm) -> Value<'gc> {
        match self.metatable(v) {
            Some(mt) => mt.tm_field(
                self.mc,
                tm,
                || self.tm(tm),
                self.state.tm_hints.get(tm as usize),
            ),
            None => Value::Nil,
        }
    }

    /// Hands out the next deterministic object id.
    pub fn fresh_id(self) -> u64 {
        let id = self.state.next_id.get();
        self.state.next_id.set(id + 1);
        id
    }

    /// The currently running coroutine.
    pub fn current_thread(self) -> Thread<'gc> {
        *self
            .state
            .running
            .borrow()
            .last()
            .unwrap_or(&self.state.main)
    }
}
