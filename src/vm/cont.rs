//! Native continuations: what a suspended native does when the call it requested finishes.
//!
//! This is a closed enum (not boxed closures) so that every suspended native is plain data a
//! snapshot can save. It is generic over the value type: at run time `V = Value<'gc>`
//! ([`Cont`]); in a snapshot `V` is the snapshot's value encoding. **Every field that holds a
//! Lua value must have type `V` (or `Vec<V>`, `Option<V>`)**, plain-data fields are marked
//! `#[collect(require_static)]`, and [`ContG::map_values`] must visit every `V` — that is what
//! lets snapshots save and restore a suspended native. Variant names are stable tags: renaming
//! or changing a variant's fields needs a snapshot format version bump.

use gc_arena::Collect;
use serde::{Deserialize, Serialize};

use super::error::{LuaError, LuaResult};
use super::native::{Action, NativeCtx};
use super::value::Value;
use crate::stdlib::base;
use crate::stdlib::{math, table};

/// Limit on nested message-handler invocations: a backstop only, as each invocation counts a
/// C call and "error in error handling" comes first (see `vm::ccalls`).
const MAX_HANDLER_DEPTH: u32 = super::ccalls::MAX_C_CALLS_IN_ERROR;

/// A suspended native's state at run time.
pub type Cont<'gc> = ContG<Value<'gc>>;

/// A suspended native's state, generic over the value representation.
#[derive(Collect, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[collect(no_drop)]
pub enum ContG<V> {
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
    /// A `coroutine.wrap` function waiting for its coroutine.
    Wrap,
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
    /// `coroutine.close` running a closed coroutine's pending `__close` handlers, innermost
    /// first; an error replaces `error` and closing continues.
    CloseList {
        /// Values still to close (the next one last).
        values: Vec<V>,
        /// The error so far, if any.
        error: Option<V>,
    },
    /// `coroutine.close(co)` running `co`'s pending `__close` handlers (like `CloseList`; while
    /// it is on the stack, `co` counts as running: it cannot be closed again).
    CloseCo {
        /// The coroutine being closed.
        co: V,
        /// Values still to close (the next one last).
        values: Vec<V>,
        /// The error so far, if any.
        error: Option<V>,
    },
    /// A `coroutine.wrap` function closing its failed coroutine's pending `__close` handlers,
    /// innermost first, before it raises the error (an error in one replaces it).
    WrapClose {
        /// Values still to close (the next one last).
        values: Vec<V>,
        /// The error in flight.
        error: V,
    },
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
    /// `print` waiting for a `__tostring` result for argument `next`.
    Print {
        /// All of print's arguments.
        args: Vec<V>,
        /// Index of the argument being converted.
        #[collect(require_static)]
        next: u32,
        /// Output so far.
        #[collect(require_static)]
        out: Vec<u8>,
    },
    /// `tostring` waiting for `__tostring`.
    ToString,
    /// `pairs` waiting for `__pairs` (keeps 3 results).
    Pairs,
    /// `ipairs`' iterator waiting for an `__index` result for key `i`.
    IpairsNext {
        /// The key being read.
        #[collect(require_static)]
        i: i64,
    },
    /// `load` reading its chunk from a function.
    LoadReader {
        /// The reader function.
        reader: V,
        /// Pieces read so far.
        #[collect(require_static)]
        parts: Vec<u8>,
        /// Chunk name.
        #[collect(require_static)]
        name: Vec<u8>,
        /// Load mode.
        #[collect(require_static)]
        mode: Vec<u8>,
        /// Environment, if given.
        env: Option<V>,
    },
    /// A string-library native (`gsub`, `format`, `rep`, ...) preempted or waiting for a call
    /// (boxed: a matcher's state is hundreds of bytes, and every continuation is moved
    /// several times on each native call, coroutine switch and return).
    Str(Box<crate::stdlib::string::StrCont<V>>),
    /// A table-library function waiting for a metamethod, an order function, or more fuel
    /// (boxed: the sort state is large and frames should stay small).
    Table(Box<table::TableContG<V>>),
    /// `require` waiting for searcher `index` of `searchers`.
    Require {
        /// The module name.
        name: V,
        /// The `package.searchers` table being walked.
        searchers: V,
        /// Which searcher was called (1-based).
        #[collect(require_static)]
        index: u32,
        /// The "not found" messages so far.
        #[collect(require_static)]
        msg: Vec<u8>,
    },
    /// `require` waiting for the module's loader.
    RequireLoaded {
        /// The module name.
        name: V,
        /// The loader data (second result of `require`).
        data: V,
    },
    /// `math.min`/`math.max` waiting for a `__lt` result comparing argument `next`.
    MinMax {
        /// All the arguments.
        args: Vec<V>,
        /// Index of the best so far (0-based).
        #[collect(require_static)]
        best: u32,
        /// Index of the argument being compared (0-based).
        #[collect(require_static)]
        next: u32,
        /// `max` (else `min`).
        #[collect(require_static)]
        is_max: bool,
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
        /// The wait.
        wait: super::native::HostWait<V>,
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
}

impl<V> ContG<V> {
    /// Bytes this continuation's buffers hold, a model computed from their lengths only (so
    /// a restored continuation is charged exactly the same). The fixed-size box itself is not
    /// charged: native frames are bounded by the stack limit, and most continuations (`pcall`,
    /// `resume`, a metamethod call) hold nothing else, so they cost no accounting at all.
    pub fn heap_bytes(&self) -> usize {
        use super::memory::VALUE_BYTES;
        match self {
            ContG::CloseList { values, .. }
            | ContG::CloseCo { values, .. }
            | ContG::WrapClose { values, .. } => values.len() * VALUE_BYTES,
            ContG::Print { args, out, .. } => args.len() * VALUE_BYTES + out.len(),
            ContG::MinMax { args, .. } => args.len() * VALUE_BYTES,
            ContG::LoadReader {
                parts, name, mode, ..
            } => parts.len() + name.len() + mode.len(),
            ContG::Require { msg, .. } => msg.len(),
            ContG::Host { wait, .. } => {
                wait.kind.len() + wait.state.len() + wait.values.len() * VALUE_BYTES
            }
            ContG::Str(c) => c.heap_bytes(),
            ContG::Table(c) => c.heap_bytes(),
            _ => 0,
        }
    }

    /// Converts every value with `f` (used by snapshots in both directions).
    pub fn map_values<W, E>(self, f: &mut impl FnMut(V) -> Result<W, E>) -> Result<ContG<W>, E> {
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
            ContG::Wrap => ContG::Wrap,
            ContG::Yielded => ContG::Yielded,
            ContG::Results => ContG::Results,
            ContG::RetryNative => ContG::RetryNative,
            ContG::CloseTbc { error, level } => ContG::CloseTbc {
                error: f(error)?,
                level,
            },
            ContG::Discard => ContG::Discard,
            ContG::WrapClose { values, error } => ContG::WrapClose {
                values: values.into_iter().map(&mut *f).collect::<Result<_, E>>()?,
                error: f(error)?,
            },
            ContG::Collected => ContG::Collected,
            ContG::GcStepped => ContG::GcStepped,
            ContG::GcFinalizer { top } => ContG::GcFinalizer { top },
            ContG::CloseCo { co, values, error } => ContG::CloseCo {
                co: f(co)?,
                values: values.into_iter().map(&mut *f).collect::<Result<_, E>>()?,
                error: error.map(&mut *f).transpose()?,
            },
            ContG::CloseList { values, error } => ContG::CloseList {
                values: values.into_iter().map(&mut *f).collect::<Result<_, E>>()?,
                error: error.map(&mut *f).transpose()?,
            },
            ContG::Print { args, next, out } => ContG::Print {
                args: args.into_iter().map(&mut *f).collect::<Result<_, E>>()?,
                next,
                out,
            },
            ContG::ToString => ContG::ToString,
            ContG::Pairs => ContG::Pairs,
            ContG::IpairsNext { i } => ContG::IpairsNext { i },
            ContG::LoadReader {
                reader,
                parts,
                name,
                mode,
                env,
            } => ContG::LoadReader {
                reader: f(reader)?,
                parts,
                name,
                mode,
                env: env.map(&mut *f).transpose()?,
            },
            ContG::Str(c) => ContG::Str(Box::new(c.map_values(f)?)),
            ContG::Table(t) => ContG::Table(Box::new(t.map_values(f)?)),
            ContG::Require {
                name,
                searchers,
                index,
                msg,
            } => ContG::Require {
                name: f(name)?,
                searchers: f(searchers)?,
                index,
                msg,
            },
            ContG::RequireLoaded { name, data } => ContG::RequireLoaded {
                name: f(name)?,
                data: f(data)?,
            },
            ContG::MinMax {
                args,
                best,
                next,
                is_max,
            } => ContG::MinMax {
                args: args.into_iter().map(&mut *f).collect::<Result<_, E>>()?,
                best,
                next,
                is_max,
            },
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
            ContG::Host { wait, delivered } => ContG::Host {
                wait: super::native::HostWait {
                    kind: wait.kind,
                    version: wait.version,
                    state: wait.state,
                    values: wait
                        .values
                        .into_iter()
                        .map(&mut *f)
                        .collect::<Result<_, E>>()?,
                },
                delivered,
            },
        })
    }
}

impl<'gc> Cont<'gc> {
    /// Whether an error raised by the requested call is delivered to this continuation.
    pub fn catches(&self) -> bool {
        matches!(
            self,
            ContG::Pcall
                | ContG::Xpcall { .. }
                | ContG::XpcallHandler { .. }
                | ContG::CloseTbc { .. }
                | ContG::CloseList { .. }
                | ContG::CloseCo { .. }
                | ContG::WrapClose { .. }
                | ContG::LoadReader { .. }
                | ContG::GcFinalizer { .. }
        )
    }

    /// Whether a coroutine may yield while this continuation waits, when natives are C-call
    /// boundaries (`VmState::c_call_boundaries`): the natives Lua gives continuations to
    /// (`pcall`, `xpcall`, `dofile`, `pairs` calling `__pairs`, `__close` calls the VM makes)
    /// and frames that only wait for the host or a collection.
    pub fn yieldable(&self) -> bool {
        matches!(
            self,
            ContG::Pcall
                | ContG::Xpcall { .. }
                | ContG::Resume
                | ContG::Wrap
                | ContG::Yielded
                | ContG::Results
                | ContG::RetryNative
                | ContG::CloseTbc { .. }
                | ContG::Discard
                | ContG::Collected
                | ContG::GcStepped
                | ContG::Pairs
                | ContG::Host { .. }
        )
    }

    /// Resumes with the outcome of the requested call: `Ok` with its results in the window,
    /// or `Err` with the error value (only for catching continuations).
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
            (ContG::Wrap | ContG::Yielded | ContG::Results, Ok(())) => Ok(Action::Return),
            // Run the native again; a second `RetryAfterGc` (not possible right after a
            // collection) would be thrown as "not enough memory".
            (ContG::RetryNative, Ok(())) => match nc.native {
                Some(native) => (native.def().func)(nc),
                None => Err(LuaError::rt("internal error: retry without a native")),
            },
            (ContG::Wrap, Err(e)) => crate::stdlib::coroutine::wrap_failed(nc, e),
            (ContG::WrapClose { values, error }, Ok(())) => {
                crate::stdlib::coroutine::wrap_close_next(nc, values, error)
            }
            (ContG::WrapClose { values, .. }, Err(e)) => {
                crate::stdlib::coroutine::wrap_close_next(nc, values, e)
            }
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
            (ContG::CloseList { values, error }, Ok(())) => {
                crate::stdlib::coroutine::close_next(nc, Value::Nil, values, error)
            }
            (ContG::CloseCo { co, values, error }, Ok(())) => {
                crate::stdlib::coroutine::close_next(nc, co, values, error)
            }
            (ContG::CloseCo { co, values, .. }, Err(e)) => {
                crate::stdlib::coroutine::close_next(nc, co, values, Some(e))
            }
            (ContG::LoadReader { .. }, Err(e)) => nc.ret(&[Value::Nil, e]),
            (ContG::CloseList { values, .. }, Err(e)) => {
                crate::stdlib::coroutine::close_next(nc, Value::Nil, values, Some(e))
            }
            (
                ContG::Print {
                    args,
                    next,
                    mut out,
                },
                Ok(()),
            ) => {
                let text = base::tostring_result(nc)?;
                if next > 0 {
                    out.push(b'\t');
                }
                out.extend_from_slice(&text);
                base::print_from(nc, args, next as usize + 1, out)
            }
            (ContG::ToString, Ok(())) => {
                let text = base::tostring_result(nc)?;
                let v = nc.str_value(&text);
                nc.ret1(v)
            }
            (ContG::Pairs, Ok(())) => {
                let vals = [nc.arg(1), nc.arg(2), nc.arg(3)];
                nc.ret(&vals)
            }
            (ContG::IpairsNext { i }, Ok(())) => {
                let v = nc.arg(1);
                base::ipairs_result(nc, i, v)
            }
            (
                ContG::LoadReader {
                    reader,
                    mut parts,
                    name,
                    mode,
                    env,
                },
                Ok(()),
            ) => match nc.arg(1) {
                Value::Nil => base::finish_load(nc, &parts, &name, &mode, env),
                Value::Str(s) if s.is_empty() => base::finish_load(nc, &parts, &name, &mode, env),
                Value::Str(s) => {
                    parts.extend_from_slice(s.as_bytes());
                    nc.charge(s.len() as i64 / crate::limits::fuel::READER_BYTES_PER_FUEL);
                    nc.clear();
                    Ok(Action::Call {
                        func: reader,
                        cont: ContG::LoadReader {
                            reader,
                            parts,
                            name,
                            mode,
                            env,
                        },
                    })
                }
                _ => {
                    // `luaL_error` inside `load`: the position of `load`'s caller.
                    let mut m = super::exec::where_at_level(nc.frames, 1).into_bytes();
                    m.extend_from_slice(b"reader function must return a string");
                    let m = nc.str_value(&m);
                    nc.ret(&[Value::Nil, m])
                }
            },
            (ContG::Str(c), Ok(())) => crate::stdlib::string::resume(nc, *c),
            (ContG::Table(t), Ok(())) => table::resume(nc, t),
            (
                ContG::MinMax {
                    args,
                    best,
                    next,
                    is_max,
                },
                Ok(()),
            ) => math::minmax_resume(nc, args, best, next, is_max),
            (
                ContG::Require {
                    name,
                    searchers,
                    index,
                    msg,
                },
                Ok(()),
            ) => crate::stdlib::package::require_searched(nc, name, searchers, index, msg),
            (ContG::RequireLoaded { name, data }, Ok(())) => {
                crate::stdlib::package::require_loaded(nc, name, data)
            }
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
                    Some(k) => super::memory::with_pacing(false, || k.resume(nc, wait, delivered)),
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
    let fuel = live / crate::limits::fuel::GC_LIVE_BYTES_PER_FUEL as u64;
    nc.charge(i64::try_from(fuel).unwrap_or(i64::MAX));
}
