//! Errors unwinding a thread: the error value Lua code sees, the frame that catches it, the
//! message handler, `__close` calls and `__tostring` of an uncaught error on the way. A child
//! of `vm::exec`, moved out of it unchanged when it passed 1,500 lines.

use super::*;
use crate::limits::fuel::Fuel;
use crate::vm::state::MAIN_HANDLER_KEY;

/// Converts an error to the value Lua code sees (adding `chunk:line:` where due).
fn error_value<'gc>(ctx: Ctx<'gc>, ts: &ThreadState<'gc>, e: LuaError<'gc>) -> (Value<'gc>, bool) {
    // An error a native raised gets `luaL_where(L, 1)` (nothing if its caller has no line
    // information); one the VM raised, the running function's position (`luaG_runerror`).
    let from_native = ts.raising.is_some();
    let where_ = || match ts.frames.last() {
        Some(Frame::Lua(f)) if from_native => lua_where(f),
        Some(Frame::Lua(f)) => format!("{} ", frame_where(f)),
        _ => String::new(),
    };
    match e {
        LuaError::Value(v) => (v, false),
        LuaError::Handled(v) => (v, true),
        LuaError::Runtime(msg) | LuaError::Op(msg) => {
            (ctx.str_value(&format!("{}{}", where_(), msg)), false)
        }
        LuaError::Where(s) => {
            let mut b = where_().into_bytes();
            b.extend_from_slice(s.as_bytes());
            (Value::Str(ctx.new_string(b)), false)
        }
        LuaError::BadArg { arg, msg } => (
            ctx.str_value(&format!("{}bad argument #{arg} to '?' ({msg})", where_())),
            false,
        ),
        // (`LUA_ERRMEM`: no message handler sees it.)
        LuaError::RetryAfterGc => (ctx.str_value(crate::vm::error::NOT_ENOUGH_MEMORY), true),
    }
}

/// Raises an error in the running thread: unwinds to the nearest catching continuation
/// (calling `xpcall` handlers and `__close` methods as Lua does) or kills the thread.
pub fn throw<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    err: LuaError<'gc>,
) -> Flow<'gc> {
    let mut err = err;
    loop {
        let (value, handled) = error_value(ctx, ts, err);
        let raising = ts.raising.take();
        // A call that failed before its frame was pushed leaves its mark behind, except the
        // native that raised the error: a `Raised` frame may take its place.
        ts.trim_c_calls(ts.frames.len() + usize::from(raising.is_some()));
        let catcher = ts.frames[..ts.catch_bound()]
            .iter()
            .rposition(|f| matches!(f, Frame::Native(n) if n.cont.catches()));
        let Some(k) = catcher else {
            // Uncaught. Pending to-be-closed variables still run (with the error), as when
            // Lua's outermost protected call unwinds; the message (an error object's
            // `__tostring`, like `lua.c`'s handler) and traceback are taken first.
            let in_tostring = ts.frames.iter().any(
                |f| matches!(f, Frame::Native(n) if matches!(*n.cont, Cont::ErrorToString { .. })),
            );
            let to_host = ctx.state.running.borrow().len() <= 1;
            if ts.traceback.is_none() || in_tostring {
                ts.traceback = Some(if to_host {
                    uncaught_traceback(ctx, thread, ts, raising.map(|r| r.0))
                } else {
                    String::new()
                });
            }
            // (Also for an error object a closing method raised while unwinding: the value
            // that reaches the host is always the message `lua.c`'s handler would print.)
            let tm = match value {
                Value::Str(_) | Value::Int(_) | Value::Float(_) => Value::Nil,
                v => ctx.metamethod(v, Tm::ToString),
            };
            if to_host && !in_tostring && !tm.is_nil() {
                if let Some((n, _)) = raising {
                    push_raised(ts, n);
                }
                let cont = Cont::ErrorToString { error: value };
                match call_below(ctx, thread, ts, fuel, (None, 0, cont), tm, &[value], 1) {
                    Ok(flow) => return flow,
                    Err(e) => {
                        err = e;
                        continue;
                    }
                }
            }
            crate::vm::hook::unwound(thread, &ts.frames);
            // A coroutine that dies by error keeps its pending to-be-closed variables until
            // `coroutine.close` (or its `wrap` function) closes them (manual §3.3.8); only the
            // outermost thread closes them now, as `lua.c`'s protected call does.
            let coroutine = ctx.state.running.borrow().len() > 1;
            if let Some(slot) = ts.tbc.pop_if(|_| !coroutine) {
                ts.frames.clear();
                ts.c_calls.clear();
                close_upvalues(ctx, ts, 0);
                let v = ts.stack.get(slot as usize).copied().unwrap_or(Value::Nil);
                let tm = ctx.metamethod(v, Tm::Close);
                let cont = Cont::CloseTbc {
                    error: value,
                    level: 0,
                };
                // Under `lua.c`'s message handler (the CLI's) a closing method sees the error
                // as the handler made it: the message with its traceback appended.
                let seen = match bottom_handler(ctx, thread) {
                    Some(_) => handled_message(ctx, value, ts.traceback.as_deref()),
                    None => value,
                };
                match call_below(ctx, thread, ts, fuel, (None, 0, cont), tm, &[v, seen], -1) {
                    Ok(flow) => return flow,
                    Err(e) => {
                        err = e;
                        continue;
                    }
                }
            }
            let tb = ts.traceback.take().unwrap_or_default();
            // A dead coroutine keeps its stack for `debug.traceback`, up to the raising native.
            if let Some((n, _)) = raising {
                push_raised(ts, n);
            }
            ts.status = Status::Dead;
            ts.error = Some(value);
            close_upvalues(ctx, ts, 0);
            return Flow::Event(Event::Error(value, tb));
        };
        // A closing method that raised while an uncaught error unwound the bottom of the
        // stack: `lua.c`'s message handler runs again for the new error, so the closing
        // method's traceback replaces the first one.
        if k == 0
            && ts.traceback.is_some()
            && matches!(&ts.frames[0], Frame::Native(n) if matches!(*n.cont, Cont::CloseTbc { .. }))
            && ctx.state.running.borrow().len() <= 1
        {
            ts.traceback = Some(uncaught_traceback(ctx, thread, ts, raising.map(|r| r.0)));
        }
        let (level, handler) = match &ts.frames[k] {
            Frame::Native(nf) => (
                nf.func as usize + 1,
                match &*nf.cont {
                    Cont::Xpcall { handler } if !handled => Some((*handler, nf.native)),
                    // An error raised inside a running message handler: Lua calls the
                    // handler again at the error point, the failed run staying below it.
                    // (A handler whose call never started, over the C-call bound, is
                    // called again by its frame's continuation, counting the failed runs.)
                    // In the stack's error room (a handler after a stack overflow), calling
                    // it again would grow the stack past it: "error in error handling".
                    Cont::XpcallHandler { handler, .. }
                        if !handled && (k + 1 < ts.frames.len() || raising.is_some()) =>
                    {
                        if ts.stack.len() > MAX_STACK {
                            let msg = ctx.str_value(crate::vm::ccalls::ERROR_IN_ERROR_HANDLING);
                            err = LuaError::Handled(msg);
                            continue;
                        }
                        Some((*handler, nf.native))
                    }
                    Cont::Lib(l) if !handled && l.keeps_message_handler() => {
                        enclosing_handler(&ts.frames[..k], bottom_handler(ctx, thread))
                    }
                    _ => None,
                },
            ),
            Frame::Lua(_) => (0, None),
        };
        let result = if let Some((handler, native)) = handler {
            // The message handler runs at the error point, above the erroring frames (and
            // above the native that raised the error, which is a stack level, as in Lua).
            if let Some((n, _)) = raising {
                push_raised(ts, n);
            }
            let cont = Cont::XpcallHandler { handler, depth: 0 };
            call_below(
                ctx,
                thread,
                ts,
                fuel,
                (native, 1, cont),
                handler,
                &[value],
                -1,
            )
        } else if ts.tbc.last().is_some_and(|&s| s as usize >= level) {
            // Close pending to-be-closed variables first, each call protected.
            cut_frames(thread, ts, k + 1);
            close_upvalues(ctx, ts, level);
            let slot = ts.tbc.pop().unwrap_or(0) as usize;
            let v = ts.stack.get(slot).copied().unwrap_or(Value::Nil);
            let tm = ctx.metamethod(v, Tm::Close);
            let native = match &ts.frames[k] {
                Frame::Native(nf) => nf.native,
                _ => None,
            };
            let cont = Cont::CloseTbc {
                error: value,
                level: level as u32,
            };
            call_below(
                ctx,
                thread,
                ts,
                fuel,
                (native, 0, cont),
                tm,
                &[v, value],
                -1,
            )
        } else if handled && is_handler_frame(&ts.frames[k]) {
            // A handler's result passes the frames of handler runs that failed below it, on
            // its way to the `xpcall` (or `load`) that made the first run.
            cut_frames(thread, ts, k);
            close_upvalues(ctx, ts, level);
            ts.stack.truncate(level);
            err = LuaError::Handled(value);
            continue;
        } else {
            cut_frames(thread, ts, k + 1);
            let Some(Frame::Native(nf)) = ts.frames.pop() else {
                return Flow::Event(Event::Error(value, String::new()));
            };
            close_upvalues(ctx, ts, level);
            ts.stack.truncate(level);
            let cont = ts.take_cont(nf.cont);
            if let Cont::GcFinalizer { top } = cont {
                crate::vm::gc::warn_error(ctx, value);
                next_finalizer(ctx, thread, ts, fuel, nf.func as usize, top)
            } else {
                match resume_cont(
                    ctx,
                    thread,
                    ts,
                    fuel,
                    nf.native,
                    nf.func as usize,
                    cont,
                    Err(value),
                ) {
                    Ok(action) => drive(
                        ctx,
                        thread,
                        ts,
                        fuel,
                        Todo::Action {
                            native: nf.native,
                            func: nf.func as usize,
                            want: nf.want,
                            action,
                        },
                    ),
                    Err(e) => Err(e),
                }
            }
        };
        match result {
            Ok(flow) => return flow,
            Err(e) => err = e,
        }
    }
}

/// Whether `f` waits for a message handler's run.
fn is_handler_frame(f: &Frame<'_>) -> bool {
    matches!(f, Frame::Native(nf) if matches!(*nf.cont, Cont::XpcallHandler { .. }))
}

/// The message handler in effect above `frames`, as Lua's `L->errfunc` would be: the nearest
/// `xpcall`'s, unless another protected call is nearer (`pcall`, a handler running, a
/// `__close` or `__gc` call: they set none). Continuations that keep the handler (`load`
/// reading) are passed over; at the bottom, `bottom` (see [`bottom_handler`]).
fn enclosing_handler<'gc>(
    frames: &[Frame<'gc>],
    bottom: Option<Value<'gc>>,
) -> Option<(Value<'gc>, Option<NativeRef<'gc>>)> {
    for f in frames.iter().rev() {
        let Frame::Native(nf) = f else { continue };
        match &*nf.cont {
            Cont::Xpcall { handler } => return Some((*handler, nf.native)),
            Cont::Lib(l) if l.keeps_message_handler() => {}
            c if c.catches() => return None,
            _ => {}
        }
    }
    bottom.map(|h| (h, None))
}

/// The message handler in effect at the bottom of `thread`: the host's main-thread handler
/// ([`MAIN_HANDLER_KEY`]) when `thread` is the main thread and runs at the bottom of the
/// world (not resumed as a coroutine); none for a coroutine or a host call's thread, as
/// `lua_resume` and `lua_pcall` without a handler.
fn bottom_handler<'gc>(ctx: Ctx<'gc>, thread: Thread<'gc>) -> Option<Value<'gc>> {
    if thread != ctx.state.main || ctx.state.running.borrow().len() > 1 {
        return None;
    }
    let h = ctx
        .state
        .registry
        .data(ctx.mc)
        .get_str_bytes(MAIN_HANDLER_KEY.as_bytes());
    (!h.is_nil()).then_some(h)
}

/// What `lua.c`'s message handler returns for an error: a string or number's text, or
/// "(error object is a T value)", with the traceback appended (none after an error object's
/// `__tostring`, whose result has no traceback).
fn handled_message<'gc>(ctx: Ctx<'gc>, error: Value<'gc>, traceback: Option<&str>) -> Value<'gc> {
    let mut msg = match crate::vm::convert::to_str(ctx, error) {
        Some(s) => s.as_bytes().to_vec(),
        None => format!("(error object is a {} value)", error.type_name()).into_bytes(),
    };
    if let Some(tb) = traceback.filter(|tb| !tb.is_empty()) {
        msg.push(b'\n');
        msg.extend_from_slice(tb.as_bytes());
    }
    Value::Str(ctx.new_str(&msg))
}

/// Calls `f(args)` (wanting `want` results) on top of the stack, below a new native frame
/// `(native, its wanted results, continuation)` that receives the outcome: how `throw` runs
/// message handlers, `__close` methods and `__tostring` while unwinding.
#[allow(clippy::too_many_arguments)]
fn call_below<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    (native, frame_want, cont): (Option<NativeRef<'gc>>, i32, Cont<'gc>),
    f: Value<'gc>,
    args: &[Value<'gc>],
    want: i32,
) -> LuaResult<'gc, Flow<'gc>> {
    let func = ts.stack.len();
    ts.stack.push(Value::Nil);
    ts.stack.push(f);
    ts.stack.extend_from_slice(args);
    let handler = matches!(cont, Cont::XpcallHandler { .. });
    let frame = ts.native_frame(native, func as u32, frame_want, cont);
    ts.push_frame(Frame::Native(frame));
    if let Err(e) = ts.enter_c_call(ctx) {
        return Err(crate::vm::callback::c_overflow_in(ts, handler, e));
    }
    drive(
        ctx,
        thread,
        ts,
        fuel,
        Todo::Call {
            func: func + 1,
            nargs: args.len(),
            want,
        },
    )
}

/// The traceback of an uncaught error in `ts` (raised by `raising`, if a native), as
/// `lua.c`'s message handler writes it (the main thread ends at the host's entry point).
fn uncaught_traceback<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &ThreadState<'gc>,
    raising: Option<NativeRef<'gc>>,
) -> String {
    let running: &[Option<NativeRef<'gc>>] = match raising {
        Some(n) => &[Some(n)],
        None => &[],
    };
    let lv = crate::vm::traceback::levels(&ts.frames, running, thread == ctx.state.main);
    let tb = crate::vm::traceback::traceback(ctx, &ts.frames, &lv, None, 0);
    String::from_utf8_lossy(&tb).into_owned()
}
