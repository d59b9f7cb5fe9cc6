//! Threads (coroutines): a value stack and an explicit frame stack, both plain data.
//!
//! Nothing about a suspended computation lives on the Rust stack: a Lua call is a `Frame::Lua`
//! (closure, pc, base), and a native function waiting for a Lua call it requested is a
//! `Frame::Native` holding a serializable continuation (`Cont`). That is what lets `step`
//! return at any instruction, and lets snapshots save a thread at any point.

use std::cell::{Cell, Ref, RefMut};

use gc_arena::{lock::RefLock, Collect, Gc, Mutation};

use super::closure::{Closure, NativeRef, Upvalue};
use super::cont::Cont;
use super::value::Value;

/// A coroutine handle.
#[derive(Copy, Clone, Collect)]
#[collect(no_drop)]
pub struct Thread<'gc>(pub Gc<'gc, ThreadBox<'gc>>);

/// A coroutine's heap object. The object id lives outside the lock because a running
/// coroutine's state is borrowed while it runs, and `tostring(coroutine.running())` must
/// still be able to read (and assign) the id.
#[derive(Collect)]
#[collect(no_drop)]
pub struct ThreadBox<'gc> {
    /// Deterministic object id (0 = not yet assigned).
    #[collect(require_static)]
    pub id: Cell<u64>,
    /// The debug hook function (`debug.sethook`), nil if none. Outside the state lock so
    /// `sethook` can reach a running thread (write it with the barrier: `Thread::set_hook_func`).
    pub hook_func: gc_arena::lock::Lock<Value<'gc>>,
    /// The hook's settings and bookkeeping (see `hook`).
    #[collect(require_static)]
    pub hook: Cell<super::hook::HookData>,
    /// The hook events to report now: the hook's mask, or 0 while no hook is set or a hook
    /// is running. The interpreter reads only this on its fast paths.
    #[collect(require_static)]
    pub hookmask: Cell<u8>,
    /// Whether Lua may hold a reference to this coroutine that it obtained while the
    /// coroutine was running (`coroutine.running()`, `debug.sethook` on the running
    /// coroutine): set by those natives ([`Thread::expose`]). A coroutine the host made for a
    /// call (see `api::vm`) is reused for the next call once finished, but only if it was
    /// never exposed, since nothing else can then refer to it.
    #[collect(require_static)]
    pub exposed: Cell<bool>,
    /// Everything else.
    pub state: RefLock<ThreadState<'gc>>,
}

impl<'gc> PartialEq for Thread<'gc> {
    fn eq(&self, other: &Self) -> bool {
        Gc::ptr_eq(self.0, other.0)
    }
}

/// A coroutine's lifecycle state (`coroutine.status` plus "not started").
#[derive(Copy, Clone, Debug, PartialEq, Eq, Collect)]
#[collect(require_static)]
pub enum Status {
    /// Created, function on the stack, not yet resumed.
    Initial,
    /// Yielded; its top frame waits for the resume values.
    Suspended,
    /// Currently executing.
    Running,
    /// Resumed another coroutine and waits for it.
    Normal,
    /// Finished or died with an error.
    Dead,
}

/// A Lua function activation.
#[derive(Copy, Clone, Collect)]
#[collect(no_drop)]
pub struct LuaFrame<'gc> {
    /// The running closure.
    pub closure: Closure<'gc>,
    /// Stack slot of the called function: results are moved here on return.
    pub func: u32,
    /// Stack slot of register 0.
    pub base: u32,
    /// Index of the next instruction.
    pub pc: u32,
    /// Number of extra arguments, stored at `func + 1 + num_params ..`.
    pub nvarargs: u32,
    /// Results the caller wants (-1: all).
    pub want: i32,
    /// Progress of an instruction interrupted by a metamethod call (`Concat`: operands left;
    /// `Return`: number of values being returned while `__close` handlers run), in the low
    /// 31 bits; bit 31 ([`LuaFrame::TAIL`]) marks a frame entered by a tail call.
    pub aux: u32,
}

impl LuaFrame<'_> {
    /// The bit of `aux` marking a frame entered by a tail call.
    pub const TAIL: u32 = 1 << 31;

    /// Whether the frame was entered by a tail call (Lua's `CIST_TAIL`).
    #[inline]
    pub fn is_tail(&self) -> bool {
        self.aux & Self::TAIL != 0
    }

    /// The progress counter of an interrupted instruction (`aux` without the tail bit).
    #[inline]
    pub fn progress(&self) -> u32 {
        self.aux & !Self::TAIL
    }
}

/// A native function waiting for a call it requested.
#[derive(Collect)]
#[collect(no_drop)]
pub struct NativeFrame<'gc> {
    /// The native (for tracebacks; `None` for VM-internal frames).
    pub native: Option<NativeRef<'gc>>,
    /// Stack slot of the native: its results are moved here. Its window starts at `func + 1`.
    pub func: u32,
    /// Results its caller wants (-1: all).
    pub want: i32,
    /// What to do with the results (or error) of the requested call (boxed: keeps `Frame`
    /// small, which matters for Lua calls).
    pub cont: Box<Cont<'gc>>,
    /// The continuation's buffers, charged to the VM's memory account while the frame
    /// exists (a function of the continuation alone, so a restored frame is charged the same).
    #[collect(require_static)]
    pub charge: super::memory::Charge,
}

impl<'gc> NativeFrame<'gc> {
    /// A native frame waiting with `cont`.
    pub fn new(
        native: Option<NativeRef<'gc>>,
        func: u32,
        want: i32,
        cont: Cont<'gc>,
    ) -> NativeFrame<'gc> {
        NativeFrame {
            native,
            func,
            want,
            charge: super::memory::Charge::transient(cont.heap_bytes()),
            cont: Box::new(cont),
        }
    }
}

/// One activation record.
#[derive(Collect)]
#[collect(no_drop)]
pub enum Frame<'gc> {
    /// A Lua function.
    Lua(LuaFrame<'gc>),
    /// A native function suspended on a continuation.
    Native(NativeFrame<'gc>),
}

/// Where the modeled capacities stop doubling (they still grow to what is needed). Twice
/// the stack limit: stacks never legitimately get longer, so a snapshot's model can be
/// checked against [`MAX_MODEL`].
pub const MODEL_DOUBLING_LIMIT: usize =
    2 * (super::exec::MAX_STACK + super::exec::ERROR_EXTRA_STACK);

/// A stack's modeled capacity after growing from `model` to hold `needed` elements of
/// `elem_bytes`: double (up to [`MODEL_DOUBLING_LIMIT`]), except that a buffer that would
/// pass an eighth of the entered VM's memory budget by doubling grows by an eighth of itself.
///
/// Why: some growth cannot be refused when the budget is short (the call a native asks for,
/// see `exec::push_late`, grows the stacks anyway and the budget is enforced at the next
/// check point), and a doubling there overshot a 32 MB budget by 11% (a deep recursion
/// calling `pcall` at every level). Growing by an eighth bounds that overshoot by an eighth
/// of the stack. The rule reads only the model and the budget, never how much memory is in
/// use (which depends on when collections ran), so the model, the charge and the saved
/// bytes stay the same whatever the saves, forks and step sizes.
#[inline]
fn grown_model(model: usize, needed: usize, elem_bytes: usize) -> usize {
    let doubled = model.saturating_mul(2).min(MODEL_DOUBLING_LIMIT);
    let budget_share = super::memory::limit() / 8;
    let grown = if (doubled as u64).saturating_mul(elem_bytes as u64) > budget_share {
        model.saturating_add((model / 8).max(1)).min(doubled)
    } else {
        doubled
    };
    needed.max(grown)
}

/// The largest modeled capacity a valid snapshot can hold.
pub const MAX_MODEL: usize = 2 * MODEL_DOUBLING_LIMIT;

/// The largest value stack (in slots) a finished host call's coroutine may keep to be reused
/// ([`Thread::park_if_reusable`]): 16 KB, room for any ordinary call (a Lua function has at
/// most 255 registers) but not for deep recursion, whose stack is better given back.
const SPARE_MAX_SLOTS: usize = 1024;

/// The most frames (and open upvalues, to-be-closed variables, C-call marks) a reused
/// coroutine's buffers may hold (a few KB).
const SPARE_MAX_FRAMES: usize = 64;

/// A coroutine's state.
#[derive(Collect)]
#[collect(no_drop)]
pub struct ThreadState<'gc> {
    /// Value stack. While a Lua frame runs, `stack.len() >= base + max_stack`.
    pub stack: Vec<Value<'gc>>,
    /// Frame stack, innermost last.
    pub frames: Vec<Frame<'gc>>,
    /// Open upvalues, sorted by stack slot (ascending).
    pub open_upvalues: Vec<Upvalue<'gc>>,
    /// Stack slots of pending to-be-closed variables (ascending).
    #[collect(require_static)]
    pub tbc: Vec<u32>,
    /// Lifecycle state.
    pub status: Status,
    /// End of a multiple-results sequence left by the last call (valid right after it).
    #[collect(require_static)]
    pub top: u32,
    /// The error a dead coroutine died with (reported by `coroutine.close`).
    pub error: Option<Value<'gc>>,
    /// Indices of the frames entered through a "C call" (a metamethod, an iterator, a
    /// native calling Lua...), innermost last: Lua's `nCcalls`, bounded as Lua bounds it (see
    /// `ccalls`). Not saved: recomputed from the frames on restore.
    #[collect(require_static)]
    pub c_calls: Vec<u32>,
    /// The C calls of the coroutines that resumed this one (plus one per resume), set when
    /// it is resumed (see `ccalls`).
    #[collect(require_static)]
    pub c_base: u32,
    /// Traceback of an uncaught error while its `__close` handlers run.
    #[collect(require_static)]
    pub traceback: Option<String>,
    /// Bytes charged to the VM's memory account for this thread (see `memory`).
    #[collect(require_static)]
    pub charge: super::memory::Charge,
    /// The value stack's capacity as the memory account sees it (see [`ThreadState::sync_model`]).
    #[collect(require_static)]
    pub stack_model: usize,
    /// The frame list's capacity as the memory account sees it.
    #[collect(require_static)]
    pub frames_model: usize,
    /// No frame at this index or above catches errors (see [`ThreadState::catch_bound`]).
    #[collect(require_static)]
    pub catch_top: usize,
    /// The native that raised the error being thrown, and its stack slot: set when a native
    /// fails, taken by `throw` at once (never alive across a step), so tracebacks and message
    /// handlers see the native's level as Lua does ("[C]: in function 'error'").
    pub raising: Option<(NativeRef<'gc>, u32)>,
    /// The box of the last continuation taken from a native frame, reused by the next native
    /// frame (see [`ThreadState::native_frame`]): a coroutine switch, a `pcall` or a sort
    /// comparison then allocates nothing. A cache, not state: never saved, its content is
    /// meaningless (`Cont::Discard`), and it is one small box per thread.
    pub spare_cont: Option<Box<Cont<'gc>>>,
}

impl<'gc> ThreadState<'gc> {
    /// Grows the stack to at least `n` slots (nil-filled), keeping the memory charge current.
    #[inline]
    pub fn grow_stack(&mut self, n: usize) {
        // (The check inline, the growth out of line: every Lua call and return makes the
        // check, and almost never grows.)
        if self.stack.len() < n {
            self.grow_stack_slow(n);
        }
    }

    #[cold]
    #[inline(never)]
    fn grow_stack_slow(&mut self, n: usize) {
        if n > self.stack_model {
            self.grow_stack_model(n);
        } else if n > self.stack.capacity() {
            // Within the model (after a restore, which allocates exact lengths): grow to
            // it, not by doubling past it.
            self.stack
                .reserve_exact(self.stack_model.saturating_sub(self.stack.len()));
        }
        self.stack.resize(n, Value::Nil);
    }

    /// Lengthens the stack with nils to `n` slots (it is shorter), as `Vec::resize` does,
    /// with the few slots of a frame pushed one by one when the buffer has the room: no call,
    /// where `resize` is one out of line. The modeled capacity is the caller's concern.
    #[inline(always)]
    pub fn fill_nil_to(&mut self, n: usize) {
        if n <= self.stack.capacity() {
            while self.stack.len() < n {
                self.stack.push(Value::Nil);
            }
        } else {
            self.stack.resize(n, Value::Nil);
        }
    }

    /// A native frame waiting with `cont` (in the spare box, if there is one).
    #[inline]
    pub fn native_frame(
        &mut self,
        native: Option<NativeRef<'gc>>,
        func: u32,
        want: i32,
        cont: Cont<'gc>,
    ) -> NativeFrame<'gc> {
        let charge = super::memory::Charge::transient(cont.heap_bytes());
        let cont = self.boxed(cont);
        NativeFrame {
            native,
            func,
            want,
            cont,
            charge,
        }
    }

    /// Pushes a native frame waiting with `cont`, a continuation that neither catches errors
    /// nor holds buffers (`Resume`, `Yielded`): [`Self::native_frame`] and
    /// [`Self::push_frame`] without asking the continuation.
    #[inline]
    pub fn push_waiting(
        &mut self,
        native: Option<NativeRef<'gc>>,
        func: u32,
        want: i32,
        cont: Cont<'gc>,
    ) {
        debug_assert!(!cont.catches() && cont.heap_bytes() == 0);
        let cont = self.boxed(cont);
        self.push_waiting_boxed(native, func, want, cont);
    }

    /// [`Self::push_waiting`] of a continuation already in a box (a coroutine switch moves
    /// the box of the frame it pops in the other coroutine: boxes are not state).
    #[inline(always)]
    pub fn push_waiting_boxed(
        &mut self,
        native: Option<NativeRef<'gc>>,
        func: u32,
        want: i32,
        cont: Box<Cont<'gc>>,
    ) {
        let frame = Frame::Native(NativeFrame {
            native,
            func,
            want,
            cont,
            charge: super::memory::Charge::transient(0),
        });
        // (`push_uncaught` when the list has room within its model, inline: a coroutine
        // switch pushes one of these on every turn.)
        if self.frames.len() < self.frames_model && self.frames.len() < self.frames.capacity() {
            self.frames.push(frame);
        } else {
            self.push_uncaught(frame);
        }
    }

    /// `cont` in a box: the spare one, if there is one.
    #[inline]
    fn boxed(&mut self, cont: Cont<'gc>) -> Box<Cont<'gc>> {
        match self.spare_cont.take() {
            Some(mut b) => {
                Cont::put(&mut b, cont);
                b
            }
            None => Box::new(cont),
        }
    }

    /// The continuation of a popped native frame; its box becomes the spare.
    #[inline]
    pub fn take_cont(&mut self, mut cont: Box<Cont<'gc>>) -> Cont<'gc> {
        let c = std::mem::replace(&mut *cont, Cont::Discard);
        self.spare_cont = Some(cont);
        c
    }

    /// Pushes a frame, keeping the memory charge current.
    #[inline]
    pub fn push_frame(&mut self, frame: Frame<'gc>) {
        if let Frame::Native(n) = &frame {
            if n.cont.catches() {
                self.catch_top = self.frames.len() + 1;
            }
        }
        self.push_uncaught(frame);
    }

    /// [`Self::push_frame`] for a frame that does not catch errors.
    #[inline]
    fn push_uncaught(&mut self, frame: Frame<'gc>) {
        if self.frames.len() == self.frames.capacity() && self.frames.len() < self.frames_model {
            // As in `grow_stack`: grow to the model, not by doubling past it.
            self.frames
                .reserve_exact(self.frames_model - self.frames.len());
        }
        self.frames.push(frame);
        if self.frames.len() > self.frames_model {
            self.grow_frames_model();
        }
    }

    /// Pushes a Lua frame (never a catching one) with no growth check when the frame list
    /// has room within its model: the cost of a Lua call.
    #[inline(always)]
    pub fn push_lua(&mut self, frame: LuaFrame<'gc>) {
        // (In `interp::execute` the `push` stays an out-of-line call, `Vec::push_mut`, ~20
        // instructions a call; `extend(once(..))` instead did not help: callgrind,
        // binary_trees and coroutine +0.6%.)
        if self.frames.len() < self.frames_model && self.frames.len() < self.frames.capacity() {
            self.frames.push(Frame::Lua(frame));
        } else {
            self.push_frame(Frame::Lua(frame));
        }
    }

    /// Pops the top frame, known to be a Lua frame in the common case: only a native frame
    /// needs dropping (a plain `frames.pop()` calls the drop glue of `Option<Frame>` out of
    /// line on every Lua return).
    #[inline(always)]
    pub fn pop_frame(&mut self) {
        if let Some(Frame::Native(n)) = self.frames.pop() {
            drop(n);
        }
    }

    /// The frames that may catch an error are `frames[..catch_bound()]`: an error unwinding a
    /// deep stack finds its catcher without reading every frame above it.
    ///
    /// Why it holds: `catch_top` is set when a catching frame is pushed, and frames are only
    /// pushed (through [`Self::push_frame`]) and popped. The topmost catching frame present was
    /// pushed after every frame below it, so any later push of a catching frame either set
    /// `catch_top` above it or was popped with it.
    #[inline]
    pub fn catch_bound(&self) -> usize {
        self.catch_top.min(self.frames.len())
    }

    /// Brings the modeled capacities up to the stacks' lengths (after code that pushed values
    /// directly, such as a native's results).
    ///
    /// Why a model: the charge, `collectgarbage("count")` and the growth checks must be the
    /// same after a snapshot restore, and a restored `Vec` does not get its old capacity back.
    /// So the account follows a capacity computed from the stacks' history alone: it grows
    /// like `Vec`'s (double, or what is needed) at fixed points (here, [`Self::grow_stack`],
    /// [`Self::push_frame`]), never shrinks, and is saved with the thread. The real buffers
    /// are grown to it, so they stay within it except briefly between those points.
    #[inline]
    pub fn sync_model(&mut self) {
        if self.stack.len() > self.stack_model {
            self.grow_stack_model(self.stack.len());
        }
        if self.frames.len() > self.frames_model {
            self.grow_frames_model();
        }
    }

    /// Brings the modeled stack capacity up to a stack of `len` slots, as [`Self::sync_model`]
    /// would with the stack that long.
    #[inline]
    pub fn model_stack_len(&mut self, len: usize) {
        if len > self.stack_model {
            self.grow_stack_model(len);
        }
    }

    /// The modeled value stack capacity after growing to `needed` slots.
    #[inline]
    pub fn next_stack_model(&self, needed: usize) -> usize {
        grown_model(self.stack_model, needed, super::memory::VALUE_BYTES)
    }

    /// The modeled frame list capacity after growing to `needed` frames.
    #[inline]
    pub fn next_frames_model(&self, needed: usize) -> usize {
        grown_model(
            self.frames_model,
            needed,
            std::mem::size_of::<Frame<'static>>(),
        )
        .max(4)
    }

    #[cold]
    fn grow_stack_model(&mut self, needed: usize) {
        self.model_stack_to(needed);
        self.update_charge();
    }

    /// Grows the modeled stack capacity to hold `needed` slots, and the buffer to the model
    /// if it lacks the room, without updating the charge.
    #[inline]
    fn model_stack_to(&mut self, needed: usize) {
        self.stack_model = self.next_stack_model(needed);
        if self.stack.capacity() < self.stack_model {
            self.stack
                .reserve_exact(self.stack_model.saturating_sub(self.stack.len()));
        }
    }

    /// Models the frame list as holding one more frame than it does, for a native about to
    /// run: it may leave a frame behind when fuel runs out in the middle of its work
    /// (`Action::Preempt`), and whether it does depends on where a step ends. Growing the
    /// model at every native call instead keeps it (and the memory charge, and the saved
    /// bytes) the same however a run is sliced into steps. (Inline always: `run_native`
    /// makes it on every native call.)
    #[inline(always)]
    pub fn model_native_frame(&mut self) {
        if self.frames.len() >= self.frames_model {
            self.frames_model = self.next_frames_model(self.frames.len() + 1);
            self.frames
                .reserve_exact(self.frames_model.saturating_sub(self.frames.len()));
            self.update_charge();
        }
    }

    #[cold]
    fn grow_frames_model(&mut self) {
        self.frames_model = self.next_frames_model(self.frames.len());
        self.frames
            .reserve_exact(self.frames_model.saturating_sub(self.frames.len()));
        self.update_charge();
    }

    /// Recomputes the charge from the modeled capacities.
    #[inline]
    pub fn update_charge(&self) {
        self.charge.set(self.modeled_charge());
    }

    /// [`Self::update_charge`], always inline (a host call's start makes it on every call).
    #[inline(always)]
    pub fn update_charge_inline(&self) {
        self.charge.set_inline(self.modeled_charge());
    }

    /// The charge of the modeled capacities.
    #[inline(always)]
    fn modeled_charge(&self) -> usize {
        use super::memory::{OBJECT_HEADER, VALUE_BYTES};
        OBJECT_HEADER
            + std::mem::size_of::<ThreadBox<'static>>()
            + self.stack_model.saturating_mul(VALUE_BYTES)
            + self
                .frames_model
                .saturating_mul(std::mem::size_of::<Frame<'static>>())
    }
}

impl<'gc> Thread<'gc> {
    /// A new coroutine that will call `func`.
    pub fn new(mc: &Mutation<'gc>, func: Value<'gc>) -> Thread<'gc> {
        Self::with_stack(mc, vec![func])
    }

    /// A coroutine shell for a restore, which replaces its stack: [`Thread::new`] with
    /// `Nil` (the same state and charge) but without allocating that one-value stack.
    pub fn for_restore(mc: &Mutation<'gc>) -> Thread<'gc> {
        Self::with_stack(mc, Vec::new())
    }

    #[inline]
    fn with_stack(mc: &Mutation<'gc>, stack: Vec<Value<'gc>>) -> Thread<'gc> {
        let t = Thread(Gc::new(
            mc,
            ThreadBox {
                id: Cell::new(0),
                hook_func: gc_arena::lock::Lock::new(Value::Nil),
                hook: Cell::new(Default::default()),
                hookmask: Cell::new(0),
                exposed: Cell::new(false),
                state: RefLock::new(ThreadState {
                    stack,
                    frames: Vec::new(),
                    open_upvalues: Vec::new(),
                    tbc: Vec::new(),
                    status: Status::Initial,
                    top: 1,
                    error: None,
                    traceback: None,
                    c_calls: Vec::new(),
                    c_base: super::ccalls::HOST_C_CALLS,
                    charge: super::memory::Charge::new(0),
                    stack_model: 1,
                    frames_model: 0,
                    catch_top: 0,
                    raising: None,
                    spare_cont: None,
                }),
            },
        ));
        t.borrow().update_charge();
        t
    }

    /// Records that Lua got a reference to this coroutine while it runs (see
    /// [`ThreadBox::exposed`]).
    #[inline]
    pub fn expose(self) {
        self.0.exposed.set(true);
    }

    /// Parks this finished coroutine for another call ([`Thread::reset`]) if it can be
    /// reused: no Lua reference to it can exist (it was never exposed, and nothing a
    /// reference could reach is left: no frame, no open upvalue, no pending to-be-closed
    /// variable). Parking empties its stack and charges nothing for it (it is a cache, not
    /// VM state: the memory count must be what it would be had the coroutine been
    /// collected). Whether it did (one borrow for the check and the parking).
    #[inline]
    pub fn park_if_reusable(self, mc: &Mutation<'gc>) -> bool {
        if self.0.exposed.get() || self.0.id.get() != 0 {
            return false;
        }
        self.park_borrowed(&mut self.borrow_mut(mc))
    }

    /// [`Self::park_if_reusable`] with the coroutine's state `ts` already borrowed (a host
    /// call that ran in one borrow parks it in the same one).
    #[inline]
    pub fn park_borrowed(self, ts: &mut ThreadState<'gc>) -> bool {
        if self.0.exposed.get() || self.0.id.get() != 0 {
            return false;
        }
        let reusable = ts.status == Status::Dead
            && ts.frames.is_empty()
            && ts.open_upvalues.is_empty()
            && ts.tbc.is_empty()
            // A parked coroutine's buffers are not charged: keep only small ones, so a
            // script cannot leave megabytes of stack outside the memory budget.
            && ts.stack.capacity() <= SPARE_MAX_SLOTS
            && ts.frames.capacity() <= SPARE_MAX_FRAMES
            && ts.open_upvalues.capacity() <= SPARE_MAX_FRAMES
            && ts.tbc.capacity() <= SPARE_MAX_FRAMES
            && ts.c_calls.capacity() <= SPARE_MAX_FRAMES;
        if reusable {
            ts.stack.clear();
            ts.error = None;
            ts.raising = None;
            ts.traceback = None;
            ts.charge.set_inline(0);
        }
        reusable
    }

    /// Makes a parked coroutine exactly what [`Thread::new`] makes for `func` (same status,
    /// modeled capacities and charge, no hook), keeping only its buffers' real capacity.
    #[inline]
    pub fn reset(self, mc: &Mutation<'gc>, func: Value<'gc>) {
        drop(self.reset_call(mc, func, std::iter::empty()));
    }

    /// [`Thread::reset`] for a host call of `func` with `args`, followed by what `sync_model`
    /// does with no frames (the stack's model grown to hold them): the same state and the
    /// same charge, set once, in one borrow that is handed back to the caller.
    #[inline]
    pub fn reset_call(
        self,
        mc: &Mutation<'gc>,
        func: Value<'gc>,
        args: impl Iterator<Item = Value<'gc>>,
    ) -> RefMut<'gc, ThreadState<'gc>> {
        if !self.0.hook_func.get().is_nil() {
            self.set_hook_func(mc, Value::Nil);
        }
        self.0.hook.set(Default::default());
        self.0.hookmask.set(0);
        let mut guard = self.borrow_mut_inline(mc);
        let ts = &mut *guard;
        ts.stack.clear();
        ts.stack.push(func);
        ts.stack.extend(args);
        ts.frames.clear();
        ts.open_upvalues.clear();
        ts.tbc.clear();
        ts.status = Status::Initial;
        ts.top = 1;
        ts.error = None;
        ts.traceback = None;
        ts.c_calls.clear();
        ts.c_base = super::ccalls::HOST_C_CALLS;
        ts.stack_model = 1;
        ts.frames_model = 0;
        ts.catch_top = 0;
        ts.raising = None;
        let len = ts.stack.len();
        if len > ts.stack_model {
            ts.model_stack_to(len);
        }
        ts.update_charge_inline();
        guard
    }

    /// Reads the state (panics if the thread's state is mutably borrowed, like `RefCell`).
    pub fn borrow(self) -> Ref<'gc, ThreadState<'gc>> {
        self.0.as_ref().state.borrow()
    }

    /// Writes the state (with the write barrier).
    pub fn borrow_mut(self, mc: &Mutation<'gc>) -> RefMut<'gc, ThreadState<'gc>> {
        self.borrow_mut_inline(mc)
    }

    /// [`Self::borrow_mut`], inline: a coroutine switch borrows the other coroutine's state
    /// on every turn (see `switch_call`).
    #[inline(always)]
    pub fn borrow_mut_inline(self, mc: &Mutation<'gc>) -> RefMut<'gc, ThreadState<'gc>> {
        gc_arena::barrier::unlock!(Gc::write(mc, self.0), ThreadBox, state).borrow_mut()
    }

    /// The deterministic object id cell (0 = not yet assigned).
    pub fn id(self) -> &'gc Cell<u64> {
        &self.0.as_ref().id
    }

    /// Sets the debug hook function (with the write barrier).
    pub fn set_hook_func(self, mc: &Mutation<'gc>, f: Value<'gc>) {
        gc_arena::barrier::unlock!(Gc::write(mc, self.0), ThreadBox, hook_func).set(f);
    }

    /// The current status.
    pub fn status(self) -> Status {
        self.borrow().status
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn frames_stay_small() {
        assert!(std::mem::size_of::<super::Frame<'static>>() <= 40);
    }
}
