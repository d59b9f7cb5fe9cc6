//! Garbage collection as Lua sees it: weak tables, finalizers, and the collector's driver.
//!
//! # Design
//! gc-arena 0.7 owns every object and does the marking and sweeping; what Lua adds on top
//! (weak tables with ephemeron semantics, `__gc` finalizers with resurrection) happens in
//! gc-arena's *finalization* window, between "fully marked" and "sweeping", through
//! [`gc_arena::GcWeak`] (`is_dead`, `resurrect`). This module drives a cycle through that
//! window exactly as PUC-Rio Lua 5.4's `atomic` does:
//!
//! 1. mark everything reachable, with weak tables holding their weak parts weakly;
//! 2. *converge ephemerons*: in a weak-keys table, a value is marked only once its key is
//!    (repeat "resurrect values of live keys, mark again" until nothing changes);
//! 3. clear weak **values** that are dead (before finalization: a finalizer never sees a
//!    value that only weak tables kept);
//! 4. *separate*: objects marked for finalization that are dead move, newest mark first, to
//!    the to-be-finalized queue and are resurrected (with everything they reach), then
//!    ephemerons converge again;
//! 5. clear weak **keys** that are dead (after resurrection: a key being finalized stays until
//!    a later cycle finds it dead again) and values dead after step 4; then sweep.
//!
//! **Weak parts are parked.** A table can only be traced through its derived `Collect`, which
//! traces every field strongly, and safe code cannot trace "only some of them". So at the
//! start of a cycle, every registered weak table moves its contents into a *parked* form
//! ([`WeakSlot`]: its weak parts as `GcWeak`, its strong parts as values), marks run with
//! the tables in that form, and step 5 puts the contents back (without the dead entries).
//! Parked contents cannot be read by Lua code (reading a weak pointer needs the mutation
//! context, and table reads do not take it), so a cycle with parked tables marks
//! *atomically*: from parking to sweeping nothing else runs. The finalization marks
//! (`finobj`) are parked the same way: held strongly, except in that window.
//!
//! **Two kinds of cycle.** Only *full* collections ([`full`]) park anything: they are the
//! only ones whose effects Lua can observe (weak entries removed, finalizers due). The
//! automatic incremental cycles paced by gc-arena's allocation debt ([`pay_debt`]) hold
//! weak tables and marked objects strongly, so they only free garbage nothing can reach.
//! Full collections run when the program asks (`collectgarbage()`, a `step` that finishes a
//! cycle, the host's `Vm::collect`), automatically when a VM with weak tables or marks has
//! allocated `pause` percent of what the last one left ([`full_due`]) — checked only at
//! fixed points of the total fuel (see `api::Vm::after_slice`) — and at the memory budget
//! as a last resort. Near the budget, the embedding API wakes the incremental collector
//! early (see `api::Vm::before_slice`); over it, or when an allocation checked against it
//! fails, it runs a *quiet* complete collection ([`quiet`]), which frees all garbage but
//! holds weak tables and marks strongly like an incremental cycle; only when the budget is
//! still exceeded after it does a full one run.
//!
//! **Pauses.** Incremental cycles are paid in pieces: each slice pays the debt its
//! allocation made, at most a part in proportion to the slice's fuel (see
//! `api::Vm::pay_debt_bounded`); a phase that a payment surely covers whole runs in one
//! piece, with exactly the outcome of gc-arena's paced run but without its per-object debt
//! checks (see `collect_debt`). Quiet and full collections are atomic (a whole mark and
//! sweep in one call, proportional to the live heap: about 25-55 ms for a million live
//! tables); they come when the program asks, at the automatic full collections of a VM with
//! weak tables or finalizers, and when the heap is over its budget.
//!
//! **Weakness is decided by `setmetatable`.** Lua reads `__mode` whenever it traverses a
//! table, so changing the `__mode` of a metatable in use takes effect "at the next cycle";
//! here it takes effect when `setmetatable` (or `debug.setmetatable`) is next called on the
//! table. The manual leaves such changes undefined (5.2) or delayed (5.4).
//!
//! **Finalizers** follow 5.4: an object is marked for finalization when `setmetatable` gives
//! it a metatable whose `__gc` field is not nil (a field added later does not mark it);
//! marked objects are listed (`finobj`) in marking order; a cycle that finds some dead moves
//! them to `tobefnz` (newest first), from where the executor calls each `__gc` once as an
//! ordinary Lua call in a frame of its own (`Cont::GcFinalizer`, see `exec`): it pays fuel,
//! can be preempted and saved half-way, and an error in it becomes the warning
//! `error in __gc (msg)`. Pending finalizers run at the next slice boundary of whatever
//! coroutine is running (Lua runs them in the thread whose allocation triggered the step),
//! before `collectgarbage()` returns, and when the VM is closed ([`Vm::close`]).
//!
//! **Determinism.** Collection is paced by the VM's own counters, never by time. A snapshot
//! does not carry an incremental cycle in progress (a restored VM starts a new one), so
//! incremental cycles free garbage at points that depend on the history of saves, forks and
//! step sizes: `collectgarbage("count")` between full collections depends on it. Everything
//! else Lua observes of the collector comes from full collections, which happen at points
//! that depend only on the program: what the program asks, and the automatic ones, paced by
//! the bytes *allocated* since the last full collection (a count no free changes, saved with
//! the VM) and checked when the total fuel crosses a multiple of a fixed slice. A snapshot
//! carries the rest exactly: each weak table's mode and entries, the marked objects in
//! marking order, the pending finalizers, finalizers running half-way (as frames), and the
//! pacing counters. So weak-table contents, which finalizers run, when and in which order
//! are the same whatever the saves, restores, forks and step sizes, at every step; and
//! after a full collection so is `collectgarbage("count")`. Collections at the memory budget
//! are quiet, so they change none of this; when a VM is still over its budget after a quiet
//! collection, a full one follows at a point fixed by the program: an allocation checked
//! before it is made (and then retried) finds that where it is made, and memory allocated
//! unchecked is checked only where the total fuel crosses a multiple of the host loop's
//! period (see `api::Vm::after_slice`).
//!
//! [`Vm::close`]: crate::api::Vm::close

use std::collections::VecDeque;

use gc_arena::arena::CollectionPhase;
use gc_arena::lock::RefLock;
use gc_arena::{Arena, Collect, Finalization, Gc, GcWeak, Mutation, Rootable};

use super::closure::{ClosureData, NativeData};
use super::state::{Ctx, State, Tm};
use super::table::{Table, TableData};
use super::thread::{Frame, ThreadBox};
use super::userdata::{Userdata, UserdataData};
use super::value::Value;

/// The arena type of a VM.
pub type Root = Rootable![State<'_>];

/// Mode bit: weak keys (`__mode` contains `k`).
pub const WEAK_KEYS: u8 = 1;
/// Mode bit: weak values (`__mode` contains `v`).
pub const WEAK_VALUES: u8 = 2;

/// Lua 5.4's default `setpause` (`LUAI_GCPAUSE`).
pub const DEFAULT_PAUSE: i64 = 200;
/// Lua 5.4's default `setstepmul` (`LUAI_GCMUL`).
pub const DEFAULT_STEPMUL: i64 = 100;

/// How gc-arena paces the automatic incremental cycles (see `api::Vm::after_slice` for the
/// debt, which counts objects and, through an average object size, bytes). Close to Lua
/// 5.4's defaults (pause 200%, step multiplier 100): a cycle starts once the program has
/// allocated as much as the last cycle found live (`sleep_factor` 1.0, Lua's pause 200%),
/// and then runs ten times faster than gc-arena's default pacing, so it ends soon after
/// (as Lua's, whose step multiplier makes it trace about 1.5 slots per byte allocated).
/// gc-arena's defaults (sleep 0.5, a cycle's work paid by about half as many allocations as
/// it visits objects) let garbage pile up during long cycles: binary_trees' count peaked at
/// 9 MB where this keeps it at 4–4.5 MB, for fewer instructions (fewer, shorter cycles). The
/// factors stay in gc-arena's required ratios (each path below one unit).
pub const PACING: gc_arena::metrics::Pacing = gc_arena::metrics::Pacing {
    sleep_factor: 1.0,
    min_sleep: 256,
    mark_factor: 0.01,
    trace_factor: 0.04,
    keep_factor: 0.005,
    drop_factor: 0.02,
    free_factor: 0.03,
};

/// Accounted bytes per entry of the collector's lists (a pointer and a tag).
const LIST_ENTRY_BYTES: usize = 16;

/// A table slot while its table is parked: a weak part as a weak pointer, anything else (a
/// strong part, or a value that is never collected: nil, booleans, numbers, strings, light
/// natives) as itself.
#[derive(Copy, Clone, Collect)]
#[collect(no_drop)]
pub enum WeakSlot<'gc> {
    /// Held strongly.
    Strong(Value<'gc>),
    /// A table held weakly.
    Table(GcWeak<'gc, RefLock<TableData<'gc>>>),
    /// A Lua function held weakly.
    Function(GcWeak<'gc, ClosureData<'gc>>),
    /// A native closure held weakly.
    Native(GcWeak<'gc, NativeData<'gc>>),
    /// A coroutine held weakly.
    Thread(GcWeak<'gc, ThreadBox<'gc>>),
    /// A userdata held weakly.
    Userdata(GcWeak<'gc, RefLock<UserdataData<'gc>>>),
    /// A string key of a weak-keys table, held weakly until the collector knows whether its
    /// entry keeps a value (see [`WeakSlot::weak_key`]).
    Str(GcWeak<'gc, super::string::StrData>),
}

impl<'gc> WeakSlot<'gc> {
    /// `v` held weakly if `weak` and it is an object Lua can collect from a weak table.
    pub fn new(v: Value<'gc>, weak: bool) -> WeakSlot<'gc> {
        if !weak {
            return WeakSlot::Strong(v);
        }
        match v {
            Value::Table(t) => WeakSlot::Table(Gc::downgrade(t.gc())),
            Value::Function(f) => WeakSlot::Function(Gc::downgrade(f.0)),
            Value::Native(n) => WeakSlot::Native(Gc::downgrade(n.0)),
            Value::Thread(t) => WeakSlot::Thread(Gc::downgrade(t.0)),
            Value::Userdata(u) => WeakSlot::Userdata(Gc::downgrade(u.0)),
            other => WeakSlot::Strong(other),
        }
    }

    /// A key of a weak-keys table: like [`WeakSlot::new`], and a string is held weakly too.
    /// Strings are values, never removed from weak tables, so the collector marks the string
    /// key of every entry that keeps a value ([`keep_string_keys`]); but an entry whose value
    /// was removed must not keep its key (Lua makes it a dead key), or removing a value
    /// would never free a long string key.
    ///
    /// [`keep_string_keys`]: crate::vm::table::Table::keep_string_keys
    pub fn weak_key(v: Value<'gc>) -> WeakSlot<'gc> {
        match v {
            Value::Str(s) => WeakSlot::Str(Gc::downgrade(s.0)),
            other => WeakSlot::new(other, true),
        }
    }

    /// Whether the slot refers to an object no mark has reached (in a live table, a strong
    /// part is always marked).
    pub fn is_dead(self, fc: &Finalization<'gc>) -> bool {
        match self {
            WeakSlot::Strong(_) => false,
            WeakSlot::Table(w) => w.is_dead(fc),
            WeakSlot::Function(w) => w.is_dead(fc),
            WeakSlot::Native(w) => w.is_dead(fc),
            WeakSlot::Thread(w) => w.is_dead(fc),
            WeakSlot::Userdata(w) => w.is_dead(fc),
            WeakSlot::Str(w) => w.is_dead(fc),
        }
    }

    /// Marks the object (and what it reaches, once marking resumes).
    pub fn resurrect(self, fc: &Finalization<'gc>) {
        match self {
            WeakSlot::Strong(_) => {}
            WeakSlot::Table(w) => drop(w.resurrect(fc)),
            WeakSlot::Function(w) => drop(w.resurrect(fc)),
            WeakSlot::Native(w) => drop(w.resurrect(fc)),
            WeakSlot::Thread(w) => drop(w.resurrect(fc)),
            WeakSlot::Userdata(w) => drop(w.resurrect(fc)),
            WeakSlot::Str(w) => drop(w.resurrect(fc)),
        }
    }

    /// The value, or nil if the object is dead.
    pub fn get(self, fc: &Finalization<'gc>) -> Value<'gc> {
        if self.is_dead(fc) {
            return Value::Nil;
        }
        let mc: &Mutation<'gc> = fc;
        let v = match self {
            WeakSlot::Strong(v) => Some(v),
            WeakSlot::Table(w) => w.upgrade(mc).map(|g| Value::Table(Table::from_gc(g))),
            WeakSlot::Function(w) => w
                .upgrade(mc)
                .map(|g| Value::Function(super::closure::Closure(g))),
            WeakSlot::Native(w) => w
                .upgrade(mc)
                .map(|g| Value::Native(super::closure::NativeClosure(g))),
            WeakSlot::Thread(w) => w
                .upgrade(mc)
                .map(|g| Value::Thread(super::thread::Thread(g))),
            WeakSlot::Userdata(w) => w.upgrade(mc).map(|g| Value::Userdata(Userdata(g))),
            WeakSlot::Str(w) => w.upgrade(mc).map(|g| Value::Str(super::string::LuaStr(g))),
        };
        v.unwrap_or(Value::Nil)
    }
}

/// An object marked for finalization.
#[derive(Copy, Clone, Collect)]
#[collect(no_drop)]
pub enum FinRef<'gc> {
    /// A table.
    Table(GcWeak<'gc, RefLock<TableData<'gc>>>),
    /// A userdata.
    Userdata(GcWeak<'gc, RefLock<UserdataData<'gc>>>),
}

impl<'gc> FinRef<'gc> {
    /// A marked object held weakly (`None` for anything but a table or a userdata).
    fn of(v: Value<'gc>) -> Option<FinRef<'gc>> {
        match v {
            Value::Table(t) => Some(FinRef::Table(Gc::downgrade(t.gc()))),
            Value::Userdata(u) => Some(FinRef::Userdata(Gc::downgrade(u.0))),
            _ => None,
        }
    }

    fn is_dead(self, fc: &Finalization<'gc>) -> bool {
        match self {
            FinRef::Table(w) => w.is_dead(fc),
            FinRef::Userdata(w) => w.is_dead(fc),
        }
    }

    /// The object, alive (upgraded outside finalization, resurrected inside).
    pub fn upgrade(self, mc: &Mutation<'gc>) -> Option<Value<'gc>> {
        match self {
            FinRef::Table(w) => w.upgrade(mc).map(|g| Value::Table(Table::from_gc(g))),
            FinRef::Userdata(w) => w.upgrade(mc).map(|g| Value::Userdata(Userdata(g))),
        }
    }

    fn resurrect(self, fc: &Finalization<'gc>) -> Option<Value<'gc>> {
        match self {
            FinRef::Table(w) => w.resurrect(fc).map(|g| Value::Table(Table::from_gc(g))),
            FinRef::Userdata(w) => w.resurrect(fc).map(|g| Value::Userdata(Userdata(g))),
        }
    }
}

/// The collector's Lua-visible state (a field of the VM root; saved in snapshots except for
/// the transient fields).
#[derive(Collect)]
#[collect(no_drop)]
pub struct GcState<'gc> {
    /// Tables whose metatable made them weak (each once; pruned when they die).
    pub weak: Vec<GcWeak<'gc, RefLock<TableData<'gc>>>>,
    /// Objects marked for finalization, in marking order (Lua's `finobj`): tables and
    /// userdata, held strongly except during a full collection (see [`full`]).
    pub finobj: Vec<Value<'gc>>,
    /// `finobj` while a full collection has it parked (held weakly). Transient: empty
    /// outside the collector's atomic section.
    parked_finobj: Vec<FinRef<'gc>>,
    /// Objects whose finalizer is due, in the order they run (Lua's `tobefnz`).
    pub tobefnz: VecDeque<Value<'gc>>,
    /// `collectgarbage("stop")`: no automatic collection (full ones still run).
    #[collect(require_static)]
    pub stopped: bool,
    /// The mode `collectgarbage("generational")` chose (the collector runs incrementally
    /// either way, which 5.4 allows).
    #[collect(require_static)]
    pub generational: bool,
    /// `setpause` (recorded and returned; see the README for what it changes).
    #[collect(require_static)]
    pub pause: i64,
    /// `setstepmul`.
    #[collect(require_static)]
    pub stepmul: i64,
    /// The VM is closing: `setmetatable` marks nothing more (Lua's `GCSTPCLS`). Transient.
    #[collect(require_static)]
    pub closing: bool,
    /// A `collectgarbage("step", kb)` for the host loop. Transient (set and consumed within a
    /// step).
    #[collect(require_static)]
    pub step_request: Option<i64>,
    /// Whether the last requested step finished a cycle (read by its continuation).
    #[collect(require_static)]
    pub step_finished: bool,
    /// Bytes of work steps asked for since the last cycle a step or a full collection
    /// finished (see [`step`]).
    #[collect(require_static)]
    pub step_bytes: f64,
    /// The accounted bytes right after the last full collection (0 before the first):
    /// what the automatic full collections and `collectgarbage("step")` are paced by.
    #[collect(require_static)]
    pub full_base: u64,
    /// [`memory::allocated`] right after the last full collection: the bytes allocated
    /// since then are the difference. Saved as that difference (`since_full`); a restored
    /// VM's account starts its counter there (see [`resume_counters`]).
    ///
    /// [`memory::allocated`]: super::memory::allocated
    #[collect(require_static)]
    allocated_at_full: u64,
    /// Bytes allocated since the last full collection, as restored from a snapshot (read
    /// once by [`resume_counters`]).
    #[collect(require_static)]
    pub since_full: u64,
    /// A finalizer frame may be on a running coroutine's stack (see [`in_finalizer`]).
    /// Transient (true after a restore).
    #[collect(require_static)]
    pub maybe_finalizing: bool,
    /// Bytes accounted for the lists above.
    #[collect(require_static)]
    charge: super::memory::Charge,
}

impl<'gc> GcState<'gc> {
    /// An empty state with Lua's defaults.
    pub fn new() -> GcState<'gc> {
        GcState {
            weak: Vec::new(),
            finobj: Vec::new(),
            parked_finobj: Vec::new(),
            tobefnz: VecDeque::new(),
            stopped: false,
            generational: false,
            pause: DEFAULT_PAUSE,
            stepmul: DEFAULT_STEPMUL,
            closing: false,
            step_request: None,
            step_finished: false,
            step_bytes: 0.0,
            full_base: 0,
            allocated_at_full: 0,
            since_full: 0,
            maybe_finalizing: false,
            charge: super::memory::Charge::new(0),
        }
    }

    /// Brings the accounted bytes up to the lists' lengths.
    pub fn update_charge(&self) {
        let n = self.weak.len() + self.finobj.len() + self.parked_finobj.len() + self.tobefnz.len();
        self.charge.set(n * LIST_ENTRY_BYTES);
    }
}

impl<'gc> Default for GcState<'gc> {
    fn default() -> Self {
        Self::new()
    }
}

/// The weak mode a metatable gives (`WEAK_KEYS | WEAK_VALUES` bits): its raw `__mode` field,
/// a string containing `k` and/or `v` (read up to a NUL byte, as Lua's `strchr` does).
pub fn mode_of<'gc>(ctx: Ctx<'gc>, mt: Table<'gc>) -> u8 {
    match ctx.tm_of(mt, Tm::Mode) {
        Value::Str(s) => {
            let b = s.as_bytes();
            let b = &b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())];
            let mut m = 0;
            if b.contains(&b'k') {
                m |= WEAK_KEYS;
            }
            if b.contains(&b'v') {
                m |= WEAK_VALUES;
            }
            m
        }
        _ => 0,
    }
}

/// After `setmetatable(v, mt)`: the table's weak mode follows `mt`'s `__mode`, and if `mt`
/// has a `__gc` field, `v` is marked for finalization (once; Lua's `luaC_checkfinalizer`).
pub fn metatable_set<'gc>(ctx: Ctx<'gc>, v: Value<'gc>, mt: Option<Table<'gc>>) {
    let mc = ctx.mc;
    let (mode, has_gc) = match mt {
        // (A class's metatable, known to have neither: two bit tests.)
        Some(m) if m.tm_known_absent(Tm::Mode) && m.tm_known_absent(Tm::Gc) => (0, false),
        Some(m) => (mode_of(ctx, m), !ctx.tm_of(m, Tm::Gc).is_nil()),
        None => (0, false),
    };
    if mode == 0 && !has_gc {
        // Nothing to list (the common case): no lists change, nor their charge. A table
        // that was weak is strong now (it leaves the weak list at the next cycle).
        if let Value::Table(t) = v {
            t.set_weak_mode(mc, 0);
        }
        return;
    }
    let mut gcs = ctx.state.gc.borrow_mut(mc);
    match v {
        Value::Table(t) => {
            if t.set_weak_mode(mc, mode) {
                gcs.weak.push(Gc::downgrade(t.gc()));
            }
            if has_gc && !gcs.closing && t.mark_for_finalization(mc) {
                gcs.finobj.push(v);
            }
        }
        Value::Userdata(u) => {
            if has_gc && !gcs.closing && !u.0.borrow().fin_marked {
                u.0.borrow_mut(mc).fin_marked = true;
                gcs.finobj.push(v);
            }
        }
        _ => {}
    }
    gcs.update_charge();
}

/// Whether a finalizer frame is on the stack of any running coroutine (inside a finalizer,
/// `collectgarbage` fails and no other finalizer starts, as in Lua, whose collector is
/// stopped while a finalizer runs). The running thread, if borrowed by the caller, is not
/// looked at: the caller checks its frames ([`frames_in_finalizer`]).
///
/// Reading every frame of deep stacks at every slice would cost, so a flag says whether a
/// finalizer frame may exist: set when one is pushed (and after a restore), cleared by the
/// first look that finds none.
pub fn in_finalizer(ctx: Ctx<'_>) -> bool {
    if !ctx.state.gc.borrow().maybe_finalizing {
        return false;
    }
    let running = ctx.state.running.borrow();
    let mut unseen = false;
    let found = running.iter().any(|t| match t.0.state.try_borrow() {
        Ok(ts) => frames_in_finalizer(&ts.frames),
        Err(_) => {
            unseen = true;
            false
        }
    });
    if !found && !unseen {
        ctx.state.gc.borrow_mut(ctx.mc).maybe_finalizing = false;
    }
    found
}

/// Whether `frames` (of a thread running now) hold a finalizer frame.
pub fn thread_in_finalizer(ctx: Ctx<'_>, frames: &[Frame<'_>]) -> bool {
    ctx.state.gc.borrow().maybe_finalizing && frames_in_finalizer(frames)
}

/// Whether `frames` hold a finalizer frame.
fn frames_in_finalizer(frames: &[Frame<'_>]) -> bool {
    frames.iter().any(|f| {
        matches!(f, Frame::Native(n)
            if matches!(*n.cont, super::cont::Cont::GcFinalizer { .. }))
    })
}

/// Writes the warning for an error in a finalizer (`lua_warning` as `luaE_warnerror` does).
pub fn warn_error<'gc>(ctx: Ctx<'gc>, err: Value<'gc>) {
    let msg: Vec<u8> = match err {
        Value::Str(s) => s.as_bytes().to_vec(),
        _ => b"error object is not a string".to_vec(),
    };
    warn(ctx, &[b"error in __gc (", &msg[..], b")"].concat());
}

/// Emits a warning (`warn`'s output) if warnings are on.
pub fn warn(ctx: Ctx<'_>, msg: &[u8]) {
    use std::io::Write;
    let mut host = ctx.state.host.borrow_mut();
    if host.warnings_on {
        let _ = host.stderr.write_all(b"Lua warning: ");
        let _ = host.stderr.write_all(msg);
        let _ = host.stderr.write_all(b"\n");
    }
}

/// The next finalizer to run: the object and its `__gc` (looked up now, as Lua's `GCTM`
/// does; `None` if the queue is empty).
pub fn next_finalizer<'gc>(ctx: Ctx<'gc>) -> Option<(Value<'gc>, Value<'gc>)> {
    let obj = {
        let mut gcs = ctx.state.gc.borrow_mut(ctx.mc);
        let obj = gcs.tobefnz.pop_front()?;
        gcs.update_charge();
        obj
    };
    Some((obj, ctx.metamethod(obj, Tm::Gc)))
}

/// Whether finalizers are due.
#[inline]
pub fn pending(ctx: Ctx<'_>) -> bool {
    !ctx.state.gc.borrow().tobefnz.is_empty()
}

// ---------------------------------------------------------------------------------------
// The driver (called between mutations by the embedding API).

/// What `setpause`/`setstepmul` keep of a value: Lua 5.4 stores it divided by 4 in a byte
/// (`setgcparam`), so what the next call returns is that byte times 4.
pub fn gc_param(v: i64) -> i64 {
    (((v as i32) / 4) as u8) as i64 * 4
}

/// Fewest bytes allocated between two automatic full collections (and the smallest heap
/// a run of `collectgarbage("step")` calls must step through to finish one).
const MIN_FULL_BYTES: u64 = 256 * 1024;

/// Whether the VM uses nothing of what the finalization window is for (no weak table, no
/// object marked for finalization): a full collection is then gc-arena's own cycle.
fn plain(arena: &Arena<Root>) -> bool {
    arena.mutate(|_, st| {
        let g = st.gc.borrow();
        g.weak.is_empty() && g.finobj.is_empty()
    })
}

/// Parks every registered weak table and the finalization marks (see the module docs);
/// drops tables that are no longer weak from the list.
fn park_all(arena: &Arena<Root>) {
    arena.mutate(|mc, st| {
        let mut gcs = st.gc.borrow_mut(mc);
        gcs.weak.retain(|w| match w.upgrade(mc) {
            Some(g) => Table::from_gc(g).park(mc),
            None => false,
        });
        let marked = std::mem::take(&mut gcs.finobj);
        gcs.parked_finobj = marked.into_iter().filter_map(FinRef::of).collect();
        gcs.update_charge();
    });
}

/// Resurrects the values of live keys in parked weak-keys tables (one pass); whether any was.
fn ephemeron_pass<'gc>(fc: &Finalization<'gc>, st: &State<'gc>) -> bool {
    let gcs = st.gc.borrow();
    let mut changed = false;
    for w in gcs.weak.iter() {
        if w.is_dead(fc) {
            continue;
        }
        let Some(g) = w.upgrade(fc) else { continue };
        changed |= Table::from_gc(g).converge_ephemeron(fc);
    }
    changed
}

/// Marks until ephemerons converge.
fn converge(arena: &mut Arena<Root>) {
    loop {
        let Some(marked) = arena.finish_marking() else {
            return;
        };
        if !marked.finalize(|fc, st| ephemeron_pass(fc, st)) {
            return;
        }
    }
}

/// Steps 3 and 4 (see the module docs): clears dead weak values of live tables, then moves
/// dead objects marked for finalization to the queue and resurrects them. Whether any moved.
fn clear_values_and_separate<'gc>(fc: &Finalization<'gc>, st: &State<'gc>) -> bool {
    let mut gcs = st.gc.borrow_mut(fc);
    for w in gcs.weak.iter() {
        if w.is_dead(fc) {
            continue;
        }
        if let Some(g) = w.upgrade(fc) {
            Table::from_gc(g).clear_dead_values(fc);
        }
    }
    let mut dead = Vec::new();
    gcs.parked_finobj.retain(|r| {
        if r.is_dead(fc) {
            dead.push(*r);
            false
        } else {
            true
        }
    });
    // Newest mark first (Lua's `finobj` list is newest-first and `separatetobefnz` appends).
    for r in dead.iter().rev() {
        if let Some(v) = r.resurrect(fc) {
            match v {
                Value::Table(t) => t.unmark_for_finalization(fc),
                Value::Userdata(u) => u.0.borrow_mut(fc).fin_marked = false,
                _ => {}
            }
            gcs.tobefnz.push_back(v);
        }
    }
    gcs.update_charge();
    !dead.is_empty()
}

/// Step 5: unparks every live weak table without its dead entries; forgets dead tables;
/// holds the remaining finalization marks strongly again.
fn unpark_all<'gc>(fc: &Finalization<'gc>, st: &State<'gc>) {
    let mut gcs = st.gc.borrow_mut(fc);
    gcs.weak.retain(|w| {
        if w.is_dead(fc) {
            return false;
        }
        match w.upgrade(fc) {
            Some(g) => {
                let t = Table::from_gc(g);
                t.keep_string_keys(fc);
                t.unpark(fc);
                true
            }
            None => false,
        }
    });
    let marked = std::mem::take(&mut gcs.parked_finobj);
    let mc: &Mutation<'gc> = fc;
    gcs.finobj = marked.into_iter().filter_map(|r| r.upgrade(mc)).collect();
    gcs.update_charge();
}

/// From "fully marked" to "sweeping", with Lua's atomic steps in between.
fn atomic(arena: &mut Arena<Root>) {
    converge(arena);
    let Some(marked) = arena.finish_marking() else {
        return;
    };
    if marked.finalize(|fc, st| clear_values_and_separate(fc, st)) {
        converge(arena);
    }
    let Some(marked) = arena.finish_marking() else {
        return;
    };
    marked.finalize(|fc, st| unpark_all(fc, st));
    if let Some(marked) = arena.finish_marking() {
        marked.start_sweeping();
    }
}

/// Clears the stack slots of the running coroutines above what their top frame uses: what
/// calls that returned left there is garbage, which Lua does not mark either (its `atomic`
/// marks a thread's stack up to its top and clears the rest). Without this, whether such an
/// object is collected would depend on whether a later call happened to overwrite its slot.
fn clear_stale_slots(arena: &Arena<Root>) {
    arena.mutate(|mc, st| {
        for t in st.running.borrow().iter() {
            let mut ts = t.borrow_mut(mc);
            let live = match ts.frames.last() {
                Some(Frame::Lua(f)) => {
                    let regs = f.base as usize + f.closure.proto().max_stack as usize;
                    regs.max(ts.top as usize)
                }
                _ => continue,
            };
            let len = ts.stack.len();
            for v in &mut ts.stack[live.min(len)..] {
                *v = Value::Nil;
            }
        }
    });
}

/// Automatic collection work, paced by gc-arena's allocation debt: incremental cycles that
/// free garbage and change nothing else Lua can observe (weak tables and finalization marks
/// are held strongly by them; see the module docs). Nothing when the collector is stopped.
/// Whether a cycle ended (the collector sleeps after paying a debt: a cycle was running, or
/// the debt woke it and it ran a whole one).
pub fn pay_debt(arena: &mut Arena<Root>) -> bool {
    if arena.mutate(|_, st| st.gc.borrow().stopped) {
        return false;
    }
    release_inherited_garbage(arena);
    collect_debt(arena);
    arena.collection_phase() == CollectionPhase::Sleeping
}

/// The most debt a whole cycle can still pay off, per object in the arena. An object takes
/// one path through a cycle (gc-arena's `Pacing` docs): reached (marked, traced, kept), not
/// reached (dropped, freed), or reached only weakly (marked, dropped, kept); an object made
/// gray again has its trace credit taken back before it is traced again.
const CYCLE_WORK: f64 = max3(
    PACING.mark_factor + PACING.trace_factor + PACING.keep_factor,
    PACING.drop_factor + PACING.free_factor,
    PACING.mark_factor + PACING.drop_factor + PACING.keep_factor,
);
/// The most debt the rest of a marking phase can pay off, per object.
const MARK_WORK: f64 = PACING.mark_factor + PACING.trace_factor;
/// The most debt the rest of a sweep can pay off, per object (kept, dropped and freed, or
/// dropped and kept).
const SWEEP_WORK: f64 = max3(
    PACING.keep_factor,
    PACING.drop_factor + PACING.free_factor,
    PACING.drop_factor + PACING.keep_factor,
);

/// The largest of three numbers (in constants).
const fn max3(a: f64, b: f64, c: f64) -> f64 {
    let ab = if a > b { a } else { b };
    if ab > c {
        ab
    } else {
        c
    }
}

/// `arena.collect_debt()`, with exactly its outcome (the same objects marked and freed, the
/// same metrics left), but a phase that the debt surely pays off whole is run as a whole.
///
/// `collect_debt` recomputes the debt after every object it marks, traces or sweeps (five
/// multiplications and the loads behind them: 6% of binary_trees' instructions); the
/// phase-bounded runs (`finish_marking`, `finish_cycle`) check nothing per object. A phase is
/// surely paid off whole when the debt exceeds the most its remaining work can credit (the
/// objects in the arena times the phase's factors; no objects are made while the collector
/// runs), so `collect_debt` would not have stopped before its end either. What follows the
/// phase is what `collect_debt` would do next: a cycle that ended having started in this
/// call ends the payment (the debt is reset), one that was in progress goes on to the next
/// while debt remains. A phase the debt may not pay off whole is left to `collect_debt`.
fn collect_debt<R>(arena: &mut Arena<R>)
where
    R: for<'a> gc_arena::Rootable<'a>,
    for<'a> <R as gc_arena::Rootable<'a>>::Root: Collect<'a>,
{
    // (The margin keeps the comparison clear of rounding in gc-arena's sums.)
    let surely = |debt: f64, objects: usize, work: f64| debt > objects as f64 * work + 1.0;
    loop {
        let debt = arena.metrics().allocation_debt();
        if debt <= 0.0 {
            return;
        }
        let objects = arena.metrics().total_gc_count();
        match arena.collection_phase() {
            CollectionPhase::Sleeping => {
                // A cycle started from sleep ends the payment whether it ends here or not.
                if surely(debt, objects, CYCLE_WORK) {
                    arena.finish_cycle();
                } else {
                    arena.collect_debt();
                }
                return;
            }
            CollectionPhase::Marking | CollectionPhase::Marked => {
                if surely(debt, objects, CYCLE_WORK) {
                    arena.finish_cycle();
                } else if surely(debt, objects, MARK_WORK) {
                    if let Some(marked) = arena.finish_marking() {
                        marked.start_sweeping();
                    }
                } else {
                    arena.collect_debt();
                    return;
                }
            }
            CollectionPhase::Sweeping => {
                if surely(debt, objects, SWEEP_WORK) {
                    arena.finish_cycle();
                } else {
                    arena.collect_debt();
                    return;
                }
            }
        }
    }
}

/// Releases the charge for the garbage a restored VM inherited from the saved one (see
/// `State::inherited_garbage`): collection work frees what it stands for.
fn release_inherited_garbage(arena: &Arena<Root>) {
    let bytes = arena.mutate(|_, st| st.inherited_garbage.replace(0));
    super::memory::release(usize::try_from(bytes).unwrap_or(usize::MAX));
}

/// Whether an automatic full collection is due: the VM has weak tables or finalization
/// marks, the collector runs, no finalizer is running, and the bytes allocated since the
/// last full collection reached `pause` percent of what that collection left. Every input
/// is a function of the program's own history (never of when incremental cycles ran), so a
/// run checked at the same points collects at the same points whatever its snapshots.
pub fn full_due(arena: &Arena<Root>) -> bool {
    arena.mutate(|mc, state| {
        let g = state.gc.borrow();
        if g.stopped || (g.weak.is_empty() && g.finobj.is_empty()) {
            return false;
        }
        let since = super::memory::allocated().wrapping_sub(g.allocated_at_full);
        let pause = g.pause.clamp(0, 1000) as u64;
        let threshold = (g.full_base.saturating_mul(pause) / 100).max(MIN_FULL_BYTES);
        drop(g);
        since >= threshold && !in_finalizer(Ctx { mc, state })
    })
}

/// `collectgarbage("step")` asking for `bytes` of work (incremental mode); whether a cycle
/// finished. Steps add up (in the saved state): once they have asked for as many bytes as
/// the last full collection left, the step is a full collection (which Lua observes: weak
/// entries go, finalizers become due) and answers true; before that it does quiet
/// incremental work (`units` of gc-arena's debt, stopped collector or not) and answers
/// false. So when a step finishes a cycle depends only on the program.
pub fn step(arena: &mut Arena<Root>, bytes: f64, units: f64) -> bool {
    // In generational mode a step is a (minor) collection of everything young, and 5.4
    // answers false (its collector never rests in that mode): a whole cycle here.
    if arena.mutate(|_, st| st.gc.borrow().generational) {
        full(arena);
        return false;
    }
    let force = arena.mutate(|mc, st| {
        let mut g = st.gc.borrow_mut(mc);
        g.step_bytes += bytes;
        g.step_bytes >= g.full_base.max(MIN_FULL_BYTES) as f64
    });
    if force {
        full(arena);
        return true;
    }
    arena.metrics().adjust_debt(units);
    release_inherited_garbage(arena);
    arena.collect_debt();
    false
}

/// Finishes the incremental cycle in progress (it may have marked objects that are garbage
/// now) and clears stale stack slots: how both kinds of complete collection start.
fn begin_complete(arena: &mut Arena<Root>) {
    release_inherited_garbage(arena);
    if arena.collection_phase() != CollectionPhase::Sleeping {
        arena.finish_cycle();
    }
    clear_stale_slots(arena);
}

/// A *quiet* complete collection, for the memory budget: frees every object nothing can
/// reach, holding weak tables and finalization marks strongly as incremental cycles do, and
/// leaves the pacing counters alone. Nothing Lua can observe changes except the count, so
/// it may run at points that depend on the history (when incremental cycles freed garbage,
/// how the host sliced its steps) without making the program's behaviour depend on them.
/// The count it leaves does not depend on that history either, so whether an allocation
/// still fails after it is a fact about the program (see `api::Vm::after_slice`).
pub fn quiet(arena: &mut Arena<Root>) {
    begin_complete(arena);
    arena.finish_cycle();
    let debt = arena.metrics().allocation_debt();
    arena.metrics().adjust_debt(-debt);
}

/// A full collection: finishes the incremental cycle in progress, then runs a complete
/// cycle through Lua's atomic steps (weak entries cleared, dead marked objects queued for
/// finalization). The only collections whose effects Lua can observe.
pub fn full(arena: &mut Arena<Root>) {
    begin_complete(arena);
    if plain(arena) {
        arena.finish_cycle();
    } else {
        park_all(arena);
        if arena.finish_marking().is_some() {
            atomic(arena);
        }
        if arena.collection_phase() == CollectionPhase::Sweeping {
            arena.finish_cycle();
        }
        // Close to what a cycle run in one piece does: no debt carried over.
        let debt = arena.metrics().allocation_debt();
        arena.metrics().adjust_debt(-debt);
    }
    arena.mutate(|mc, st| {
        let mut gcs = st.gc.borrow_mut(mc);
        gcs.step_bytes = 0.0;
        // Weak tables' node parts sized by what the collection left (see
        // `TableData::fit_node_part`).
        for w in gcs.weak.iter() {
            if let Some(g) = w.upgrade(mc) {
                Table::from_gc(g).data_mut(mc).fit_node_part();
            }
        }
        gcs.full_base = super::memory::used();
        gcs.allocated_at_full = super::memory::allocated();
    });
}

/// Bytes allocated since the last full collection (saved in snapshots).
pub fn since_full(g: &GcState<'_>) -> u64 {
    super::memory::allocated().wrapping_sub(g.allocated_at_full)
}

/// For a VM just restored or forked (or made): the allocation counter of its account starts
/// at the saved bytes-since-full-collection; returns that value for the account.
pub fn resume_counters(arena: &Arena<Root>) -> u64 {
    arena.mutate(|mc, st| {
        let mut g = st.gc.borrow_mut(mc);
        g.allocated_at_full = 0;
        std::mem::take(&mut g.since_full)
    })
}

/// Objects marked for finalization, newest first, taken off the list (for closing the VM:
/// Lua's `luaC_freeallobjects` finalizes every marked object). From now on nothing more is
/// marked.
pub fn separate_all<'gc>(ctx: Ctx<'gc>) {
    let mut gcs = ctx.state.gc.borrow_mut(ctx.mc);
    gcs.closing = true;
    let all = std::mem::take(&mut gcs.finobj);
    gcs.tobefnz.extend(all.into_iter().rev());
    gcs.update_charge();
}

/// The name of the native that closes the state (the library's `lua_close`, which
/// [`begin_close`] puts at the bottom of the main thread): tracebacks and `debug.getinfo`
/// levels end above it, as Lua's end at `base_ci`.
pub const STATE_CLOSER: &str = "lua_close";

/// Prepares the main coroutine to close the VM (Lua's `lua_close`): it is set to run `closer`
/// (the coroutine library's `lua_close`) with its pending to-be-closed values; `closer`
/// closes them, then queues every object still marked for finalization ([`separate_all`]:
/// from then on nothing more is marked) and runs a full collection, before whose end the
/// executor runs every due finalizer. Whatever the main coroutine was doing is abandoned.
/// False if the VM is already closing, unless `again`: a close asked for while closing
/// (`os.exit(code, true)` in a finalizer, as a nested `lua_close`) abandons what runs and
/// goes on with the finalizers still due.
pub fn begin_close<'gc>(
    ctx: Ctx<'gc>,
    closer: &'static super::native::NativeDef,
    again: bool,
) -> bool {
    let main = ctx.state.main;
    let runs_closer = matches!(main.borrow().stack.first(),
        Some(Value::LightNative(n)) if std::ptr::eq(n.0, closer));
    if (ctx.state.gc.borrow().closing || runs_closer) && !again {
        return false;
    }
    let mut ts = main.borrow_mut(ctx.mc);
    let pending: Vec<Value<'gc>> = ts
        .tbc
        .iter()
        .map(|&s| ts.stack.get(s as usize).copied().unwrap_or(Value::Nil))
        .collect();
    super::exec::close_upvalues(ctx, &mut ts, 0);
    ts.stack.clear();
    ts.frames.clear();
    ts.c_calls.clear();
    ts.tbc.clear();
    ts.open_upvalues.clear();
    ts.stack
        .push(Value::LightNative(super::closure::LightNative(closer)));
    ts.stack.extend(pending);
    ts.status = super::thread::Status::Initial;
    drop(ts);
    *ctx.state.running.borrow_mut(ctx.mc) = vec![main];
    true
}

#[cfg(test)]
mod tests {
    use gc_arena::{Arena, Gc, Rootable};

    type Heap = Rootable![Vec<Gc<'_, Vec<Gc<'_, u64>>>>];

    fn arena() -> Arena<Heap> {
        let a = Arena::<Heap>::new(|_| Vec::new());
        a.metrics().set_pacing(super::PACING);
        a
    }

    /// `collect_debt` leaves an arena exactly as gc-arena's `collect_debt` does: two arenas
    /// with the same history of allocations, garbage and debts, one paid each way, have the
    /// same objects, debt and phase after every payment (payments small and large, so that
    /// phases are run whole and in pieces).
    #[test]
    fn paying_by_phases_is_paying_by_objects() {
        let (mut paced, mut phased) = (arena(), arena());
        let mut seed: u64 = 7;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let mut whole_phases = 0;
        for round in 0..3000u64 {
            let (made, inner, keep, extra) = (next(40), next(6), next(400) + 20, next(600));
            for a in [&mut paced, &mut phased] {
                a.mutate_root(|mc, objs| {
                    for i in 0..made {
                        let leaves = (0..inner).map(|j| Gc::new(mc, round + i + j)).collect();
                        objs.push(Gc::new(mc, leaves));
                    }
                    let len = objs.len();
                    if len as u64 > keep {
                        objs.drain(..len - keep as usize);
                    }
                });
                a.metrics().adjust_debt(extra as f64);
            }
            let objects = phased.metrics().total_gc_count() as f64;
            if phased.metrics().allocation_debt() > objects * super::CYCLE_WORK + 1.0 {
                whole_phases += 1;
            }
            paced.collect_debt();
            super::collect_debt(&mut phased);
            assert_eq!(
                paced.metrics().total_gc_count(),
                phased.metrics().total_gc_count()
            );
            assert_eq!(
                paced.metrics().allocation_debt().to_bits(),
                phased.metrics().allocation_debt().to_bits()
            );
            assert_eq!(paced.collection_phase(), phased.collection_phase());
        }
        assert!(
            whole_phases > 100,
            "{whole_phases} payments covered a cycle"
        );
    }
}
