//! Native continuations: what a suspended native does when the call it requested finishes.
//!
//! The core's own continuations (`pcall`, coroutine resumes, closing variables, finalizers,
//! hooks, host waits, ...) are a closed enum of plain data (not boxed closures) so that every
//! suspended native is data a snapshot can save. A library's continuations (`gsub`'s matcher,
//! `sort`'s state, `print` waiting for `__tostring`, ...) are the library's own types behind
//! one variant, [`ContG::Lib`], holding a [`LibCont`]: the core stores, traces, charges and
//! resumes them without knowing them, and a snapshot saves each as a [`LibSaved`] (its Lua
//! values plus its plain state's bytes) rebuilt by the [`LibContKind`] the library registers.
//! So the core never imports a library.
//!
//! `ContG` is generic over the value type and the library part: at run time
//! `V = Value<'gc>` and `L = Box<dyn LibCont>` ([`Cont`]); in a snapshot `V` is the
//! snapshot's value encoding and `L = LibSaved<V>` ([`SavedCont`]). **Every field that holds a
//! Lua value must have type `V` (or `Vec<V>`, `Option<V>`)**, plain-data fields are marked
//! `#[collect(require_static)]`, and [`ContG::map_values`] must visit every `V` — that is what
//! lets snapshots save and restore a suspended native. Variant names are stable tags: renaming
//! or changing a variant's fields needs a snapshot format version bump.

use gc_arena::collect::DynCollect;
use gc_arena::Collect;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::error::{LuaError, LuaResult};
use super::native::{Action, NativeCtx};
use super::thread::Thread;
use super::value::Value;

/// Limit on nested message-handler invocations: a backstop only, as each invocation counts a
/// C call and "error in error handling" comes first (see `vm::ccalls`).
const MAX_HANDLER_DEPTH: u32 = super::ccalls::MAX_C_CALLS_IN_ERROR;

/// A suspended native's state at run time.
pub type Cont<'gc> = ContG<Value<'gc>, Box<dyn LibCont<'gc> + 'gc>>;

/// A suspended native's state as a snapshot holds it (`V` the snapshot's value encoding).
pub type SavedCont<V> = ContG<V, LibSaved<V>>;

/// A suspended native's state, generic over the value representation `V` and the
/// representation `L` of library continuations.
#[derive(Collect, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[collect(no_drop)]
pub enum ContG<V, L> {
    /// `pcall` waiting for its callee.
    Pcall,
    /// `xpcall` waiting for its callee (the handler runs at the error point, see `XpcallHandler`).
    Xpcall {
        /// The message handler.
        handler: V,
    },
    /// An `xpcall` message handler running on top of the erroring frames.
    XpcallHandler {
        /// The handler (called again if it errors itself, as Lua does).
        handler: V,
        /// Nesting depth of handler invocations.
        depth: u32,
    },
    /// `coroutine.resume` waiting for the coroutine.
    Resume,
    /// A native that yielded: the resume values become its results.
    Yielded,
    /// A native whose results are those of the call it made, which (unlike a tail call)
    /// keeps the native's frame below the callee: `dofile`, as in Lua, is a level of its own.
    Results,
    /// A native waiting for a full collection before it runs again with the same arguments
    /// (still in its window): see `Action::RetryAfterGc`.
    RetryNative,
    /// Closing to-be-closed variables while an error unwinds to `level` (VM-internal).
    CloseTbc {
        /// The error in flight (replaced if a `__close` raises).
        error: V,
        /// Stack level being unwound to.
        #[collect(require_static)]
        level: u32,
    },
    /// Discard the results of the call (e.g. a `__close` during a normal return).
    Discard,
    /// `collectgarbage("collect")` after the host loop's full collection: returns 0.
    Collected,
    /// `collectgarbage("step")` after the host loop's step: returns whether it finished a
    /// cycle.
    GcStepped,
    /// Finalizers running (VM-internal, see `vm::gc`): the frame sits above whatever the
    /// thread was doing, calls each due `__gc` in turn (an error becomes a warning), and when
    /// none is left goes away and the thread continues where it was.
    GcFinalizer {
        /// The thread's multiple-results top before the finalizers.
        #[collect(require_static)]
        top: u32,
    },
    /// The level of a native that raised the error being handled (an `xpcall` message
    /// handler runs above it, as in Lua); never resumed: unwinding removes it.
    Raised,
    /// A debug hook running (see `hook`): what to continue with when it returns.
    Hook {
        /// What the hook interrupted.
        #[collect(require_static)]
        then: super::hook::HookThen,
        /// The thread's multiple-results top before the hook.
        #[collect(require_static)]
        top: u32,
        /// `getinfo`'s `ftransfer` for the hooked function.
        #[collect(require_static)]
        ftransfer: u32,
        /// `getinfo`'s `ntransfer` for the hooked function.
        #[collect(require_static)]
        ntransfer: u32,
    },
    /// A coroutine waiting in a host function (see `native::HostWaitKind`).
    Host {
        /// The wait (boxed: it is the largest state, and continuations are moved on every
        /// call from a native).
        wait: Box<super::native::HostWait<V>>,
        /// Whether the host delivered values (in the window) for the next resume.
        #[collect(require_static)]
        delivered: bool,
    },
    /// The `__tostring` of an uncaught error object running (as `lua.c`'s message handler
    /// does) before the error reaches the host.
    ErrorToString {
        /// The error object.
        error: V,
    },
    /// A library's continuation (see [`LibCont`]).
    Lib(L),
}

impl<V, L> ContG<V, L> {
    /// Converts every value with `f` and the library part with `g` (which gets `f` too, for
    /// the library's values): snapshots use it in both directions.
    pub fn map_values<W, M, E, F>(
        self,
        f: &mut F,
        g: impl FnOnce(L, &mut F) -> Result<M, E>,
    ) -> Result<ContG<W, M>, E>
    where
        F: FnMut(V) -> Result<W, E>,
    {
        Ok(match self {
            ContG::Pcall => ContG::Pcall,
            ContG::Xpcall { handler } => ContG::Xpcall {
                handler: f(handler)?,
            },
            ContG::XpcallHandler { handler, depth } => ContG::XpcallHandler {
                handler: f(handler)?,
                depth,
            },
            ContG::Resume => ContG::Resume,
            ContG::Yielded => ContG::Yielded,
            ContG::Results => ContG::Results,
            ContG::RetryNative => ContG::RetryNative,
            ContG::CloseTbc { error, level } => ContG::CloseTbc {
                error: f(error)?,
                level,
            },
            ContG::Discard => ContG::Discard,
            ContG::Collected => ContG::Collected,
            ContG::GcStepped => ContG::GcStepped,
            ContG::GcFinalizer { top } => ContG::GcFinalizer { top },
            ContG::Raised => ContG::Raised,
            ContG::Hook {
                then,
                top,
                ftransfer,
                ntransfer,
            } => ContG::Hook {
                then,
                top,
                ftransfer,
                ntransfer,
            },
            ContG::ErrorToString { error } => ContG::ErrorToString { error: f(error)? },
            ContG::Host { wait, delivered } => {
                let wait = *wait;
                ContG::Host {
                    wait: Box::new(super::native::HostWait {
                        kind: wait.kind,
                        version: wait.version,
                        state: wait.state,
                        values: map_all(wait.values, f)?,
                    }),
                    delivered,
                }
            }
            ContG::Lib(l) => ContG::Lib(g(l, f)?),
        })
    }
}

/// Converts every value of `values` with `f`.
pub fn map_all<V, W, E>(
    values: Vec<V>,
    f: &mut impl FnMut(V) -> Result<W, E>,
) -> Result<Vec<W>, E> {
    values.into_iter().map(f).collect()
}

/// A library's suspended native: its state (Lua values and plain data) and what it does when
/// the call it requested finishes. The core stores, traces, charges and resumes it without
/// knowing its type; a snapshot saves it as a [`LibSaved`] and rebuilds it with the
/// [`LibContKind`] the library registers (`stdlib::all_continuations`).
pub trait LibCont<'gc>: DynCollect<'gc> + CloneLibCont<'gc> + std::fmt::Debug {
    /// Continues with the outcome of the requested call: `Ok` with its results in the window
    /// (or an empty window after a preemption), or `Err` with the error value (delivered to
    /// continuations that [catch](Self::catches), and to a coroutine's resumer).
    /// [`uncaught`] is the answer for an error a continuation does not handle.
    fn resume(
        self: Box<Self>,
        nc: &mut NativeCtx<'gc, '_>,
        outcome: Result<(), Value<'gc>>,
    ) -> LuaResult<'gc, Action<'gc>>;

    /// Whether an error raised by the requested call is delivered to this continuation (as
    /// to `pcall`'s), instead of unwinding past it.
    fn catches(&self) -> bool {
        false
    }

    /// Whether an error this continuation [catches](Self::catches) first goes through the
    /// message handler in effect where it was called (the nearest enclosing `xpcall`'s,
    /// unless a `pcall` is nearer): Lua's `lua_load` runs its reader in a protected call
    /// that keeps the caller's handler, so `load` returns a reader's error as that handler
    /// made it (with a traceback, under `xpcall(..., debug.traceback)`).
    fn keeps_message_handler(&self) -> bool {
        false
    }

    /// Whether a coroutine may yield while this continuation waits, when natives are C-call
    /// boundaries (see [`ContG::yieldable`]).
    fn yieldable(&self) -> bool {
        false
    }

    /// Whether this continuation waits for a coroutine it resumed and, resumed with `Ok`,
    /// returns the values delivered to its window as they are, charging nothing
    /// (`Action::Return`), as a `coroutine.wrap` function does: then a coroutine switch
    /// back to it may write those values as its results in place (`switch::deliver`).
    fn returns_delivered(&self) -> bool {
        false
    }

    /// Bytes of this continuation's buffers, computed from their lengths only (so a
    /// restored continuation is charged the same; see [`ContG::heap_bytes`]).
    fn heap_bytes(&self) -> usize {
        0
    }

    /// The coroutine this continuation works inside while it waits (`coroutine.close`
    /// running a coroutine's `__close` handlers): that coroutine counts as running.
    fn acts_for(&self) -> Option<Thread<'gc>> {
        None
    }

    /// This continuation as snapshot data.
    ///
    /// # Errors
    /// Its plain state could not be serialized.
    fn save(&self) -> Result<LibSaved<Value<'gc>>, String>;

    /// Whether the VM should try [`resume_kept`](Self::resume_kept) (a cheap test made
    /// first: the general path pays nothing else for it). A continuation that says so never
    /// [catches](Self::catches) errors: its frame waits again without asking.
    fn runs_kept(&self) -> bool {
        false
    }

    /// [`resume`](Self::resume) after a call that returned normally, done in place: for a
    /// continuation that calls Lua again and again (`sort`'s comparator), the box stays in
    /// its frame instead of travelling out and back in an `Action::Call` on every call, and
    /// the arguments of the next call go straight to the callee's frame. `first` is the
    /// call's first result (nil if none), what `resume` would find as the window's first
    /// value; the window itself holds stale values here, so it must not be read, and is
    /// cleared before anything is put in it. `None` (the default): nothing is done, and the
    /// VM resumes the continuation as usual. `Some` must be exactly what `resume` would have
    /// done (same charges, same state), told as a [`Kept`].
    fn resume_kept(
        &mut self,
        _nc: &mut NativeCtx<'gc, '_>,
        _first: Value<'gc>,
    ) -> Option<LuaResult<'gc, Kept<'gc>>> {
        None
    }
}

/// What [`LibCont::resume_kept`] did, as the `Action` `resume` would have returned.
pub enum Kept<'gc> {
    /// `Action::Call` of `func` with this continuation, its window holding `args`.
    Call {
        /// The function to call.
        func: Value<'gc>,
        /// Its arguments.
        args: [Value<'gc>; 2],
        /// The continuation's [`heap_bytes`](LibCont::heap_bytes) now (what its frame is
        /// charged while it waits), told here so the VM does not ask again.
        bytes: usize,
    },
    /// `Action::Preempt` with this continuation.
    Preempt,
    /// Anything else, which does not hold this continuation (it is done).
    Then(Action<'gc>),
}

/// A boxed copy of a library continuation (snapshots save copies of the frames they walk);
/// every `Clone` continuation has it.
pub trait CloneLibCont<'gc> {
    /// A copy.
    fn clone_box(&self) -> Box<dyn LibCont<'gc> + 'gc>;
}

impl<'gc, T: LibCont<'gc> + Clone + 'gc> CloneLibCont<'gc> for T {
    fn clone_box(&self) -> Box<dyn LibCont<'gc> + 'gc> {
        Box::new(self.clone())
    }
}

gc_arena::collect::dyn_collect!(dyn LibCont<'gc> + 'gc);

impl<'gc> Clone for Box<dyn LibCont<'gc> + 'gc> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// What a continuation that does not handle errors does with one: passes it on.
///
/// # Errors
/// Always for `Err`: the error, unwinding further.
pub fn uncaught<'gc>(outcome: Result<(), Value<'gc>>) -> LuaResult<'gc, ()> {
    outcome.map_err(LuaError::Value)
}

/// A library continuation's kind: its stable name (saved with it) and how to rebuild it.
pub struct LibContKind {
    /// The name saved in snapshots (renaming one breaks older snapshots).
    pub name: &'static str,
    /// Rebuilds a saved continuation of this kind (values already restored).
    pub load: for<'gc> fn(LibSaved<Value<'gc>>) -> Result<Box<dyn LibCont<'gc> + 'gc>, String>,
}

/// A library continuation as snapshot data: the kind's name, the Lua values it holds and
/// its plain state serialized with each value replaced by its index in `values` (so the
/// snapshot can encode the values like any other, and the library's types stay its own).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct LibSaved<V> {
    /// The kind's name ([`LibContKind::name`]).
    pub kind: String,
    /// The Lua values, in the order the state's indices refer to.
    pub values: Vec<V>,
    /// The state, MessagePack, values replaced by their indices.
    #[serde(with = "serde_bytes")]
    pub state: Vec<u8>,
}

impl<V> LibSaved<V> {
    /// A continuation of kind `kind` with no values and no state (a unit type).
    pub fn unit(kind: &LibContKind) -> Self {
        LibSaved {
            kind: kind.name.to_string(),
            values: Vec::new(),
            state: Vec::new(),
        }
    }

    /// Saves continuation `c` (a `T<V>`) as kind `kind`: its plain state serialized as `T<u32>`,
    /// each value replaced by its index in `values`.
    ///
    /// # Errors
    /// The state could not be serialized.
    pub fn of<C: MapValues<V>>(kind: &LibContKind, c: C) -> Result<Self, String>
    where
        C::Mapped<u32>: Serialize,
    {
        let mut values = Vec::new();
        let indexed = c.map_values(&mut |v| {
            values.push(v);
            u32::try_from(values.len() - 1).map_err(|e| e.to_string())
        })?;
        let state = rmp_serde::to_vec(&indexed).map_err(|e| e.to_string())?;
        Ok(LibSaved {
            kind: kind.name.to_string(),
            values,
            state,
        })
    }

    /// Converts every value with `f` (used by snapshots in both directions).
    ///
    /// # Errors
    /// The first error `f` returns.
    pub fn map_values<W, E>(self, f: &mut impl FnMut(V) -> Result<W, E>) -> Result<LibSaved<W>, E> {
        Ok(LibSaved {
            kind: self.kind,
            values: map_all(self.values, f)?,
            state: self.state,
        })
    }
}

impl<V: Copy> LibSaved<V> {
    /// Rebuilds a continuation saved by [`LibSaved::of`], `I` being its type over `u32`.
    /// Untrusted input: a bad state or index is an error.
    ///
    /// # Errors
    /// The state does not deserialize, or names a value that is not there.
    pub fn rebuild<I>(self) -> Result<I::Mapped<V>, String>
    where
        I: MapValues<u32> + DeserializeOwned,
    {
        let indexed: I = rmp_serde::from_slice(&self.state)
            .map_err(|e| format!("bad {} continuation: {e}", self.kind))?;
        let values = self.values;
        indexed.map_values(&mut |i| {
            values
                .get(i as usize)
                .copied()
                .ok_or_else(|| "continuation value index out of range".to_string())
        })
    }
}

/// A library continuation's type over any value representation (`Self` is `T<V>`): what a
/// snapshot converts value by value ([`LibSaved::of`], [`LibSaved::rebuild`]).
pub trait MapValues<V>: Sized {
    /// The same type over `W`.
    type Mapped<W>;

    /// Converts every value with `f`.
    ///
    /// # Errors
    /// The first error `f` returns.
    fn map_values<W, E>(self, f: &mut impl FnMut(V) -> Result<W, E>) -> Result<Self::Mapped<W>, E>;
}

impl<'gc> Cont<'gc> {
    /// Puts `new` in `slot`. The old continuation is usually one that owns nothing (a spare
    /// box's, or a frame's whose continuation was taken): then it is forgotten rather than
    /// dropped, which saves an out-of-line call to the drop glue on every native's call into
    /// Lua and every coroutine switch.
    #[inline]
    pub fn put(slot: &mut Cont<'gc>, new: Cont<'gc>) {
        let old = std::mem::replace(slot, new);
        if matches!(old, ContG::Discard | ContG::Resume | ContG::Yielded) {
            // (Unit variants: nothing to free.)
            std::mem::forget(old);
        } else {
            drop(old);
        }
    }

    /// Bytes this continuation's buffers hold, a model computed from their lengths only (so
    /// a restored continuation is charged exactly the same). The fixed-size box itself is not
    /// charged: native frames are bounded by the stack limit, and most continuations (`pcall`,
    /// `resume`, a metamethod call) hold nothing else, so they cost no accounting at all.
    pub fn heap_bytes(&self) -> usize {
        use super::memory::VALUE_BYTES;
        match self {
            ContG::Host { wait, .. } => {
                wait.kind.len() + wait.state.len() + wait.values.len() * VALUE_BYTES
            }
            ContG::Lib(l) => l.heap_bytes(),
            _ => 0,
        }
    }

    /// Whether an error raised by the requested call is delivered to this continuation.
    pub fn catches(&self) -> bool {
        match self {
            ContG::Pcall
            | ContG::Xpcall { .. }
            | ContG::XpcallHandler { .. }
            | ContG::CloseTbc { .. }
            | ContG::GcFinalizer { .. } => true,
            ContG::Lib(l) => l.catches(),
            _ => false,
        }
    }

    /// Whether a coroutine may yield while this continuation waits, when natives are C-call
    /// boundaries (`VmState::c_call_boundaries`): the natives Lua gives continuations to
    /// (`pcall`, `xpcall`, `dofile`, `pairs` calling `__pairs`, `__close` calls the VM makes)
    /// and frames that only wait for the host or a collection.
    pub fn yieldable(&self) -> bool {
        match self {
            ContG::Pcall
            | ContG::Xpcall { .. }
            | ContG::Resume
            | ContG::Yielded
            | ContG::Results
            | ContG::RetryNative
            | ContG::CloseTbc { .. }
            | ContG::Discard
            | ContG::Collected
            | ContG::GcStepped
            | ContG::Host { .. } => true,
            ContG::Lib(l) => l.yieldable(),
            _ => false,
        }
    }
    /// Resumes with the outcome of the requested call: `Ok` with its results in the window,
    /// or `Err` with the error value (for catching continuations, and a coroutine's resumer).
    pub fn resume(
        self,
        nc: &mut NativeCtx<'gc, '_>,
        outcome: Result<(), Value<'gc>>,
    ) -> LuaResult<'gc, Action<'gc>> {
        match (self, outcome) {
            (ContG::Pcall | ContG::Xpcall { .. } | ContG::Resume, Ok(())) => {
                nc.stack.insert(nc.base, Value::True);
                Ok(Action::Return)
            }
            (ContG::Pcall | ContG::Xpcall { .. } | ContG::Resume, Err(e)) => {
                nc.charge(crate::limits::fuel::ERROR_CAUGHT);
                nc.ret(&[Value::False, e])
            }
            (ContG::XpcallHandler { .. }, Ok(())) => {
                nc.charge(crate::limits::fuel::ERROR_CAUGHT);
                Err(LuaError::Handled(nc.arg(1)))
            }
            (ContG::XpcallHandler { handler, depth }, Err(e)) => {
                if depth >= MAX_HANDLER_DEPTH {
                    let msg = nc.str_value(b"error in error handling");
                    return Err(LuaError::Handled(msg));
                }
                nc.clear();
                nc.push(e);
                Ok(Action::Call {
                    func: handler,
                    cont: ContG::XpcallHandler {
                        handler,
                        depth: depth + 1,
                    },
                })
            }
            (ContG::Yielded | ContG::Results, Ok(())) => Ok(Action::Return),
            // Run the native again. If it fails again after a quiet collection, it waits for
            // a full one (as an instruction does); right after that, its reservation
            // raises "not enough memory" (see `Ctx::out_of_memory`).
            (ContG::RetryNative, Ok(())) => match nc.native {
                Some(native) => match (native.def().func)(nc) {
                    Err(LuaError::RetryAfterGc) => {
                        nc.ctx.ask_collection_for_memory(true);
                        Ok(Action::RetryAfterGc)
                    }
                    r => r,
                },
                None => Err(LuaError::rt("internal error: retry without a native")),
            },
            (ContG::Discard, Ok(())) => nc.ret0(),
            (ContG::Collected, Ok(())) => {
                charge_full_collection(nc);
                nc.ret1(Value::Int(0))
            }
            (ContG::GcStepped, Ok(())) => {
                let (done, generational) = {
                    let g = nc.ctx.state.gc.borrow();
                    (g.step_finished, g.generational)
                };
                if done || generational {
                    charge_full_collection(nc);
                }
                nc.ret1(Value::boolean(done))
            }
            (ContG::Lib(l), outcome) => l.resume(nc, outcome),
            (ContG::Host { wait, delivered }, Ok(())) => {
                let kind = nc
                    .ctx
                    .state
                    .host
                    .borrow()
                    .wait_kinds
                    .get(&wait.kind)
                    .cloned();
                match kind {
                    // The host's code, not counted in the pacing of full collections (see
                    // `memory::with_pacing`).
                    Some(k) => super::memory::with_pacing(false, || k.resume(nc, *wait, delivered)),
                    None => Err(LuaError::rt(format!(
                        "host wait kind '{}' is not registered",
                        wait.kind
                    ))),
                }
            }
            // Handled by the VM itself (`exec`), never resumed as natives.
            (
                ContG::Raised
                | ContG::Hook { .. }
                | ContG::ErrorToString { .. }
                | ContG::GcFinalizer { .. },
                Ok(()),
            ) => Err(LuaError::rt("internal error: VM frame resumed")),
            (_, Err(e)) => Err(LuaError::Value(e)),
            // The error goes on unwinding; a message handler already saw it (as in Lua, only an
            // error raised by the `__close` itself reaches the handler again).
            (ContG::CloseTbc { error, .. }, Ok(())) => Err(LuaError::Handled(error)),
        }
    }
}

/// Charges the full collection the program asked for by the heap it left (its marking
/// time grows with it). The count after a full collection does not depend on snapshots or
/// step sizes (see `vm::gc`), so neither does this charge.
fn charge_full_collection(nc: &mut NativeCtx<'_, '_>) {
    let live = nc.ctx.state.gc.borrow().full_base;
    nc.charge(crate::limits::fuel::live_heap_fuel(live));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Continuations are moved on every call a native makes, every coroutine switch and
    /// every return through a native frame: large state belongs behind a box (it was 104
    /// bytes, with `Action` 120, before the library's continuations moved behind one).
    #[test]
    fn continuations_stay_small() {
        assert!(std::mem::size_of::<Cont<'static>>() <= 24);
        assert!(std::mem::size_of::<Action<'static>>() <= 40);
    }

    /// A pair of values, as a library continuation would hold them.
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Pair<V>(V, V);

    impl<V> MapValues<V> for Pair<V> {
        type Mapped<W> = Pair<W>;
        fn map_values<W, E>(self, f: &mut impl FnMut(V) -> Result<W, E>) -> Result<Pair<W>, E> {
            Ok(Pair(f(self.0)?, f(self.1)?))
        }
    }

    /// A saved state is untrusted: an index with no value, or bytes that are not the state,
    /// are errors.
    #[test]
    fn bad_saved_states_are_errors() {
        let kind = LibContKind {
            name: "test",
            load: |_| Err("unused".to_string()),
        };
        let saved = LibSaved::of(&kind, Pair(7u8, 9u8)).expect("save");
        assert_eq!(saved.values, vec![7, 9]);
        assert_eq!(saved.clone().rebuild::<Pair<u32>>(), Ok(Pair(7, 9)));
        let mut short = saved.clone();
        short.values.pop();
        assert!(short.rebuild::<Pair<u32>>().is_err());
        let mut garbage = saved;
        garbage.state = vec![0xc1];
        assert!(garbage.rebuild::<Pair<u32>>().is_err());
    }
}
