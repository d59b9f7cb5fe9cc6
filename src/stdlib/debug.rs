//! The debug library. The sandbox gets only `debug.traceback`; the standalone profile gets the
//! rest, as far as this VM can honestly answer:
//!
//! * `getinfo` with options `S`, `l`, `u`, `n`, `r`, `t`, `L`, `f`. Levels are the thread's
//!   explicit frames (see `vm::traceback`): Lua frames, natives suspended on a call they
//!   requested (`pcall`, `require`, ...), and below the main thread's first frame the host's
//!   entry point (a C level, like `lua.c`'s). A native that returned at once leaves no level.
//! * `getlocal`/`setlocal` (names from the compiler's local-variable info, `(temporary)`
//!   registers and `(vararg)`s like Lua), `getupvalue`/`setupvalue`, `upvalueid` (a light
//!   userdata whose payload is the upvalue cell's deterministic object id: equal for shared
//!   upvalues, stable across snapshots), `upvaluejoin`.
//! * `getmetatable`/`setmetatable` (raw, any type), `getregistry`.
//! * `sethook`/`gethook`: call, return, line and count hooks (see `vm::hook`), per thread.
//! * `getuservalue`/`setuservalue`: userdata here have no user values (`getuservalue`
//!   returns nil, false; `setuservalue` returns fail).

use crate::compiler::proto::short_source;
use crate::vm::closure::{NativeRef, UpState, UpvalueExt};
use crate::vm::error::{LuaError, LuaResult};
use crate::vm::exec::frame_line;
use crate::vm::hook;
use crate::vm::native::{Action, NativeCtx, NativeDef};
use crate::vm::state::Ctx;
use crate::vm::table::Table;
use crate::vm::thread::{Frame, LuaFrame, Thread};
use crate::vm::traceback;
use crate::vm::value::Value;

type R<'gc> = LuaResult<'gc, Action<'gc>>;

/// The debug library's natives (every profile).
pub static FUNCS: &[NativeDef] = &[NativeDef {
    name: "debug.traceback",
    func: traceback,
}];

/// The natives only the standalone profile gets.
pub static STANDALONE_FUNCS: &[NativeDef] = &[
    NativeDef {
        name: "debug.getinfo",
        func: getinfo,
    },
    NativeDef {
        name: "debug.getlocal",
        func: getlocal,
    },
    NativeDef {
        name: "debug.setlocal",
        func: setlocal,
    },
    NativeDef {
        name: "debug.getupvalue",
        func: getupvalue,
    },
    NativeDef {
        name: "debug.setupvalue",
        func: setupvalue,
    },
    NativeDef {
        name: "debug.upvalueid",
        func: upvalueid,
    },
    NativeDef {
        name: "debug.upvaluejoin",
        func: upvaluejoin,
    },
    NativeDef {
        name: "debug.getmetatable",
        func: getmetatable,
    },
    NativeDef {
        name: "debug.setmetatable",
        func: setmetatable,
    },
    NativeDef {
        name: "debug.getregistry",
        func: getregistry,
    },
    NativeDef {
        name: "debug.sethook",
        func: sethook,
    },
    NativeDef {
        name: "debug.gethook",
        func: gethook,
    },
    NativeDef {
        name: "debug.getuservalue",
        func: getuservalue,
    },
    NativeDef {
        name: "debug.setuservalue",
        func: setuservalue,
    },
    NativeDef {
        name: "debug.setcstacklimit",
        func: setcstacklimit,
    },
    NativeDef {
        name: "debug.debug",
        func: super::debug_prompt::debug,
    },
];

/// Opens the library (`standalone`: everything, else only `traceback`).
pub fn open(ctx: Ctx<'_>, standalone: bool) {
    let t = super::new_lib(ctx, "debug", FUNCS);
    if standalone {
        super::register(ctx, t, STANDALONE_FUNCS);
    }
}

/// `debug.traceback([thread,] [message [, level]])`.
fn traceback<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let first = if matches!(nc.arg(1), Value::Thread(_)) {
        2
    } else {
        1
    };
    let msg = nc.arg(first);
    if !matches!(
        msg,
        Value::Nil | Value::Str(_) | Value::Int(_) | Value::Float(_)
    ) {
        return nc.ret1(msg);
    }
    let other = match nc.arg(1) {
        Value::Thread(t) if t != nc.thread => Some(t),
        _ => None,
    };
    // Level 1 is the caller of `traceback` in the running thread, level 0 the top frame
    // (usually `coroutine.yield`) of another coroutine.
    let default_level = if other.is_some() { 0 } else { 1 };
    let level = nc.opt_int(first + 1, default_level)?;
    let text = match msg {
        Value::Nil => None,
        _ => Some(nc.check_str(first)?.as_bytes().to_vec()),
    };
    let ctx = nc.ctx;
    let main = ctx.state.main;
    let tb = match other {
        Some(t) => {
            let ts = t.borrow();
            let lv = traceback::levels(&ts.frames, &[], t == main);
            traceback::traceback(ctx, &ts.frames, &lv, text.as_deref(), level)
        }
        None => {
            let lv = traceback::levels(nc.frames, &[nc.native], nc.thread == main);
            traceback::traceback(ctx, nc.frames, &lv, text.as_deref(), level)
        }
    };
    nc.charge(tb.len() as i64 / crate::limits::fuel::OUTPUT_BYTES_PER_FUEL);
    let v = nc.str_value(&tb);
    nc.ret1(v)
}

// ---------------------------------------------------------------------------------------------
// Stack levels

/// What runs at a stack level.
#[derive(Clone, Copy)]
enum Act<'gc> {
    /// A Lua function.
    Lua(LuaFrame<'gc>),
    /// A native (`None`: a VM-internal frame).
    Native(Option<NativeRef<'gc>>),
}

/// A stack level's activation with what the debug functions need around it.
#[derive(Clone)]
struct Level<'gc> {
    act: Act<'gc>,
    /// How the calling code names the function (`namewhat`, `name`).
    name: Option<(&'static str, Vec<u8>)>,
    /// Entered by a tail call.
    tail: bool,
    /// `ftransfer`, `ntransfer` (set while a call or return hook reports on the level).
    transfer: (u32, u32),
    /// First stack slot above this activation's registers (Lua's `limit` for temporaries).
    limit: usize,
    /// The activation's function slot (a native's values are above it).
    func: usize,
}

/// `getthread`: the thread argument, if any, and the index of the next argument.
fn thread_arg<'gc>(nc: &NativeCtx<'gc, '_>) -> (Option<Thread<'gc>>, usize) {
    match nc.arg(1) {
        Value::Thread(t) if t != nc.thread => (Some(t), 1),
        Value::Thread(_) => (None, 1),
        _ => (None, 0),
    }
}

fn act_of<'gc>(f: &Frame<'gc>) -> (Act<'gc>, usize) {
    match f {
        Frame::Lua(l) => (Act::Lua(*l), l.func as usize),
        Frame::Native(n) => (Act::Native(n.native), n.func as usize),
    }
}

/// `lua_getstack`: level 0 is the running native itself (for the running thread) or the top
/// frame (for another coroutine). VM-internal frames (closing to-be-closed variables while an
/// error unwinds, hooks on Lua frames, ...) are not levels.
fn level<'gc>(nc: &NativeCtx<'gc, '_>, th: Option<Thread<'gc>>, lv: i64) -> Option<Level<'gc>> {
    if lv < 0 {
        return None;
    }
    let lv = lv as usize;
    let main = nc.ctx.state.main;
    match th {
        None => {
            if lv == 0 {
                return Some(Level {
                    act: Act::Native(nc.native),
                    name: traceback::func_name(nc.frames, nc.frames.len()),
                    tail: false,
                    transfer: (0, 0),
                    limit: nc.stack.len(),
                    func: nc.base.saturating_sub(1),
                });
            }
            level_in(
                nc.frames,
                lv - 1,
                nc.base.saturating_sub(1),
                nc.thread == main,
            )
        }
        Some(t) => {
            let ts = t.borrow();
            level_in(&ts.frames, lv, ts.stack.len(), t == main)
        }
    }
}

/// Visible frame `k` counting from the top of `frames` (0 = innermost); `top_limit` is the
/// stack slot above the innermost frame; `host`: the host's entry point is the last level.
fn level_in<'gc>(
    frames: &[Frame<'gc>],
    k: usize,
    top_limit: usize,
    host: bool,
) -> Option<Level<'gc>> {
    let lv = traceback::levels(frames, &[], host);
    match *lv.get(k)? {
        traceback::Level::Frame(i) => {
            let f = &frames[i];
            let (act, func) = act_of(f);
            let limit = match frames.get(i + 1) {
                Some(f) => act_of(f).1,
                None => top_limit,
            };
            Some(Level {
                act,
                name: traceback::func_name(frames, i),
                tail: matches!(f, Frame::Lua(l) if l.is_tail()),
                transfer: crate::vm::hook::transfer(frames, i),
                limit,
                func,
            })
        }
        _ => Some(Level {
            act: Act::Native(None),
            name: None,
            tail: false,
            transfer: (0, 0),
            limit: 0,
            func: 0,
        }),
    }
}

fn set<'gc>(ctx: Ctx<'gc>, t: Table<'gc>, k: &str, v: Value<'gc>) {
    ctx.store_always(t, ctx.str_value(k), v);
}

fn is_function(v: Value<'_>) -> bool {
    matches!(
        v,
        Value::Function(_) | Value::Native(_) | Value::LightNative(_)
    )
}

fn getinfo<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let (th, arg) = thread_arg(nc);
    let options = match nc.opt_str(arg + 2)? {
        Some(s) => s.as_bytes().to_vec(),
        None => b"flnSrtu".to_vec(),
    };
    if options.first() == Some(&b'>') {
        return Err(LuaError::bad_arg(arg + 2, "invalid option '>'"));
    }
    let target = nc.arg(arg + 1);
    let (func, lv) = if is_function(target) {
        (target, None)
    } else {
        let Some(n) = crate::vm::convert::to_integer(target) else {
            if matches!(target, Value::Float(_) | Value::Str(_))
                && crate::vm::convert::to_number(target).is_some()
            {
                return Err(LuaError::bad_arg(
                    arg + 1,
                    "number has no integer representation",
                ));
            }
            return Err(nc.arg_type_error(arg + 1, "number"));
        };
        match level(nc, th, n) {
            None => return nc.ret1(Value::Nil),
            Some(l) => {
                let f = match l.act {
                    Act::Lua(lf) => Value::Function(lf.closure),
                    Act::Native(Some(n)) => n.value(),
                    Act::Native(None) => Value::Nil,
                };
                (f, Some(l))
            }
        }
    };
    if options.iter().any(|c| !b"SlunrtLf".contains(c)) {
        return Err(LuaError::bad_arg(arg + 2, "invalid option"));
    }
    let ctx = nc.ctx;
    let t = ctx.new_table();
    let has = |c: u8| options.contains(&c);
    let proto = match func {
        Value::Function(c) => Some(c.proto()),
        _ => None,
    };
    if has(b'S') {
        match proto {
            Some(p) => {
                set(ctx, t, "source", Value::Str(ctx.new_str(&p.source)));
                set(ctx, t, "short_src", ctx.str_value(&short_source(&p.source)));
                set(ctx, t, "linedefined", Value::Int(p.line_defined as i64));
                set(
                    ctx,
                    t,
                    "lastlinedefined",
                    Value::Int(p.last_line_defined as i64),
                );
                let what = if p.line_defined == 0 { "main" } else { "Lua" };
                set(ctx, t, "what", ctx.str_value(what));
            }
            None => {
                set(ctx, t, "source", ctx.str_value("=[C]"));
                set(ctx, t, "short_src", ctx.str_value("[C]"));
                set(ctx, t, "linedefined", Value::Int(-1));
                set(ctx, t, "lastlinedefined", Value::Int(-1));
                set(ctx, t, "what", ctx.str_value("C"));
            }
        }
    }
    if has(b'l') {
        let line = match lv.as_ref().map(|l| l.act) {
            Some(Act::Lua(lf)) => frame_line(&lf),
            _ => -1,
        };
        set(ctx, t, "currentline", Value::Int(line));
    }
    if has(b'u') {
        let (nups, np, va) = match func {
            Value::Function(c) => (
                c.0.upvalues.len(),
                c.proto().num_params as usize,
                c.proto().is_vararg,
            ),
            Value::Native(n) => (n.0.upvalues.len(), 0, true),
            _ => (0, 0, true),
        };
        set(ctx, t, "nups", Value::Int(nups as i64));
        set(ctx, t, "nparams", Value::Int(np as i64));
        set(ctx, t, "isvararg", Value::boolean(va));
    }
    if has(b'n') {
        if let Some((kind, name)) = lv.as_ref().and_then(|l| l.name.clone()) {
            set(ctx, t, "name", Value::Str(ctx.new_str(&name)));
            set(ctx, t, "namewhat", ctx.str_value(kind));
        } else {
            set(ctx, t, "namewhat", ctx.str_value(""));
        }
    }
    if has(b'r') {
        let (ft, nt) = lv.as_ref().map_or((0, 0), |l| l.transfer);
        set(ctx, t, "ftransfer", Value::Int(ft as i64));
        set(ctx, t, "ntransfer", Value::Int(nt as i64));
    }
    if has(b't') {
        let tail = lv.as_ref().is_some_and(|l| l.tail);
        set(ctx, t, "istailcall", Value::boolean(tail));
    }
    if has(b'L') {
        if let Some(p) = proto {
            let lines = ctx.new_table();
            nc.charge(p.lines.len() as i64 / 8);
            for &l in p.lines.iter() {
                ctx.store_always(lines, Value::Int(l as i64), Value::True);
            }
            set(ctx, t, "activelines", Value::Table(lines));
        }
    }
    if has(b'f') {
        set(ctx, t, "func", func);
    }
    nc.ret1(Value::Table(t))
}

/// Where local `n` of a level lives: its name and absolute stack slot.
fn find_local<'gc>(l: &Level<'gc>, n: i64) -> Option<(Vec<u8>, usize)> {
    let Act::Lua(f) = l.act else {
        // A native's locals are the values in its window.
        let count = l.limit.saturating_sub(l.func + 1);
        return match usize::try_from(n) {
            Ok(k) if k >= 1 && k <= count => Some((b"(C temporary)".to_vec(), l.func + k)),
            _ => None,
        };
    };
    let p = f.closure.proto();
    if n < 0 {
        let k = n.unsigned_abs() as usize;
        if p.is_vararg && k <= f.nvarargs as usize {
            let slot = f.func as usize + 1 + p.num_params as usize + (k - 1);
            return Some((b"(vararg)".to_vec(), slot));
        }
        return None;
    }
    if n == 0 {
        return None;
    }
    let pc = (f.pc as usize).saturating_sub(1);
    let slot = f.base as usize + (n as usize - 1);
    if let Some(name) = p
        .local_name((n - 1).min(255) as u8, pc)
        .filter(|_| n <= 256)
    {
        return Some((name.to_vec(), slot));
    }
    if l.limit.saturating_sub(f.base as usize) >= n as usize {
        return Some((b"(temporary)".to_vec(), slot));
    }
    None
}

fn getlocal<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let (th, arg) = thread_arg(nc);
    let n = nc.check_int(arg + 2)?;
    let target = nc.arg(arg + 1);
    if is_function(target) {
        let name = match target {
            Value::Function(c) if n > 0 && n <= 256 => {
                c.proto().local_name((n - 1) as u8, 0).map(|s| s.to_vec())
            }
            _ => None,
        };
        let v = name.map_or(Value::Nil, |s| nc.str_value(&s));
        return nc.ret1(v);
    }
    let lv = nc.check_int(arg + 1)?;
    let Some(l) = level(nc, th, lv) else {
        return Err(LuaError::bad_arg(arg + 1, "level out of range"));
    };
    match find_local(&l, n) {
        None => nc.ret1(Value::Nil),
        Some((name, slot)) => {
            let v = match th {
                None => nc.stack.get(slot).copied(),
                Some(t) => t.borrow().stack.get(slot).copied(),
            }
            .unwrap_or(Value::Nil);
            let name = nc.str_value(&name);
            nc.ret(&[name, v])
        }
    }
}

fn setlocal<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let (th, arg) = thread_arg(nc);
    let lv = nc.check_int(arg + 1)?;
    let n = nc.check_int(arg + 2)?;
    let Some(l) = level(nc, th, lv) else {
        return Err(LuaError::bad_arg(arg + 1, "level out of range"));
    };
    let v = nc.check_any(arg + 3)?;
    match find_local(&l, n) {
        None => nc.ret1(Value::Nil),
        Some((name, slot)) => {
            match th {
                None => {
                    if let Some(s) = nc.stack.get_mut(slot) {
                        *s = v;
                    }
                }
                Some(t) => {
                    if let Some(s) = t.borrow_mut(nc.ctx.mc).stack.get_mut(slot) {
                        *s = v;
                    }
                }
            }
            let name = nc.str_value(&name);
            nc.ret1(name)
        }
    }
}

/// Reads an upvalue cell (the running thread's stack is `nc.stack`).
fn upvalue_value<'gc>(nc: &NativeCtx<'gc, '_>, st: UpState<'gc>) -> Value<'gc> {
    match st {
        UpState::Closed(v) => v,
        UpState::Open { thread, slot } => {
            if thread == nc.thread {
                nc.stack.get(slot as usize).copied().unwrap_or(Value::Nil)
            } else {
                thread
                    .borrow()
                    .stack
                    .get(slot as usize)
                    .copied()
                    .unwrap_or(Value::Nil)
            }
        }
    }
}

/// `getupvalue`/`setupvalue`: name and (for get) value, or nothing.
fn aux_upvalue<'gc>(nc: &mut NativeCtx<'gc, '_>, get: bool) -> R<'gc> {
    let n = nc.check_int(2)?;
    let f = nc.check_any(1)?;
    let newv = if get { Value::Nil } else { nc.check_any(3)? };
    let i = match usize::try_from(n) {
        Ok(i) if i >= 1 => i - 1,
        _ => return nc.ret0(),
    };
    match f {
        Value::Function(c) => {
            let (Some(uv), Some(desc)) = (c.upvalue(i), c.proto().upvalues.get(i)) else {
                return nc.ret0();
            };
            let name = if desc.name.is_empty() {
                nc.str_value(b"(no name)")
            } else {
                nc.str_value(&desc.name)
            };
            if get {
                let v = upvalue_value(nc, uv.get());
                nc.ret(&[name, v])
            } else {
                match uv.get() {
                    UpState::Closed(_) => uv.set(nc.ctx.mc, UpState::Closed(newv)),
                    UpState::Open { thread, slot } => {
                        if thread == nc.thread {
                            if let Some(s) = nc.stack.get_mut(slot as usize) {
                                *s = newv;
                            }
                        } else if let Some(s) =
                            thread.borrow_mut(nc.ctx.mc).stack.get_mut(slot as usize)
                        {
                            *s = newv;
                        }
                    }
                }
                nc.ret1(name)
            }
        }
        Value::Native(nf) => {
            let Some(&v) = nf.0.upvalues.get(i) else {
                return nc.ret0();
            };
            let name = nc.str_value(b"");
            if get {
                nc.ret(&[name, v])
            } else {
                // Native upvalues are fixed at creation here.
                nc.ret0()
            }
        }
        _ => nc.ret0(),
    }
}

fn getupvalue<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    aux_upvalue(nc, true)
}

fn setupvalue<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    aux_upvalue(nc, false)
}

/// `checkupval`: the identity of upvalue `n` of the function at `argf`, if it exists.
fn upval_id<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    argf: usize,
    argn: usize,
) -> LuaResult<'gc, Option<i64>> {
    let n = nc.check_int(argn)?;
    let f = nc.arg(argf);
    if !is_function(f) {
        return Err(nc.arg_type_error(argf, "function"));
    }
    let i = match usize::try_from(n) {
        Ok(i) if i >= 1 => i - 1,
        _ => return Ok(None),
    };
    let ctx = nc.ctx;
    Ok(match f {
        // The cell's deterministic id (assigned on first use, kept by snapshots).
        Value::Function(c) => c.upvalue(i).map(|uv| {
            if uv.id.get() == 0 {
                uv.id.set(ctx.fresh_id());
            }
            uv.id.get() as i64
        }),
        // A native's bound values are its own: its id and the index, apart from cell ids.
        Value::Native(nf) => nf.0.upvalues.get(i).map(|_| {
            let id = crate::vm::convert::object_id(ctx, f);
            ((1u64 << 56) | (id << 16) | (i as u64 & 0xffff)) as i64
        }),
        _ => None,
    })
}

fn upvalueid<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let id = upval_id(nc, 1, 2)?;
    nc.ret1(id.map_or(Value::Nil, |id| Value::LightUserdata(id as u64)))
}

fn upvaluejoin<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    if upval_id(nc, 1, 2)?.is_none() {
        return Err(LuaError::bad_arg(2, "invalid upvalue index"));
    }
    if upval_id(nc, 3, 4)?.is_none() {
        return Err(LuaError::bad_arg(4, "invalid upvalue index"));
    }
    let (Value::Function(f1), n1) = (nc.arg(1), nc.check_int(2)?) else {
        return Err(LuaError::bad_arg(1, "Lua function expected"));
    };
    let (Value::Function(f2), n2) = (nc.arg(3), nc.check_int(4)?) else {
        return Err(LuaError::bad_arg(3, "Lua function expected"));
    };
    let (i1, i2) = ((n1 - 1) as usize, (n2 - 1) as usize);
    let Some(uv) = f2.upvalue(i2) else {
        return nc.ret0();
    };
    f1.set_upvalue(nc.ctx.mc, i1, uv);
    nc.ret0()
}

fn getmetatable<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let v = nc.check_any(1)?;
    let mt = nc.ctx.metatable(v).map_or(Value::Nil, Value::Table);
    nc.ret1(mt)
}

fn setmetatable<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let v = nc.arg(1);
    let mt = match nc.arg(2) {
        Value::Nil => None,
        Value::Table(t) => Some(t),
        _ => return Err(nc.arg_type_error(2, "nil or table")),
    };
    let ctx = nc.ctx;
    match v {
        Value::Table(t) => {
            t.set_metatable(ctx.mc, mt);
            crate::vm::gc::metatable_set(ctx, v, mt);
        }
        Value::Userdata(u) => {
            u.0.borrow_mut(ctx.mc).meta = mt;
            crate::vm::gc::metatable_set(ctx, v, mt);
        }
        _ => {
            let mut m = ctx.state.metas.borrow_mut(ctx.mc);
            match v {
                Value::Str(_) => m.string = mt,
                Value::Int(_) | Value::Float(_) => m.number = mt,
                Value::True | Value::False => m.boolean = mt,
                Value::Nil => m.nil = mt,
                Value::Function(_) | Value::Native(_) | Value::LightNative(_) => m.function = mt,
                Value::Thread(_) => m.thread = mt,
                Value::LightUserdata(_) => m.light_userdata = mt,
                Value::Table(_) | Value::Userdata(_) => {}
            }
        }
    }
    nc.ret1(v)
}

fn getregistry<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let r = nc.ctx.state.registry;
    nc.ret1(Value::Table(r))
}

/// `debug.sethook([thread,] hook, mask [, count])`; no arguments (or a nil hook) turns
/// the hook off.
fn sethook<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let (th, arg) = thread_arg(nc);
    let target = th.unwrap_or(nc.thread);
    let ctx = nc.ctx;
    let f = nc.arg(arg + 1);
    if f.is_nil() || nc.nargs() <= arg {
        hook::set(ctx, target, Value::Nil, 0, 0);
        hook_table_set(ctx, target, Value::Nil);
        return nc.ret0();
    }
    let mask = nc.check_str(arg + 2)?;
    if !is_function(f) {
        return Err(nc.arg_type_error(arg + 1, "function"));
    }
    // C's `(int)` conversion of the count.
    let count = nc.opt_int(arg + 3, 0)? as i32;
    let bits = hook::make_mask(mask.as_bytes(), count);
    hook::set(ctx, target, f, bits, count);
    hook_table_set(ctx, target, f);
    nc.ret0()
}

/// Keeps `registry._HOOKKEY[thread] = hook` like `ldblib` (a table that is its own metatable,
/// with `__mode = "k"`), for code that inspects it; the hooks themselves live in the threads.
fn hook_table_set<'gc>(ctx: Ctx<'gc>, thread: Thread<'gc>, f: Value<'gc>) {
    let key = ctx.str_value("_HOOKKEY");
    let t = match ctx.state.registry.get(ctx.mc, key) {
        Value::Table(t) => t,
        _ => {
            let t = ctx.new_table();
            set(ctx, t, "__mode", ctx.str_value("k"));
            t.set_metatable(ctx.mc, Some(t));
            let _ = ctx.state.registry.set(ctx.mc, key, Value::Table(t));
            t
        }
    };
    if !f.is_nil() {
        // The registry now refers to it (a host call's coroutine may not be reused).
        thread.expose();
    }
    ctx.store_always(t, Value::Thread(thread), f);
}

/// `debug.setcstacklimit(limit)`: deprecated in 5.4, where it changes nothing and answers
/// the C-call limit (`LUAI_MAXCCALLS`).
fn setcstacklimit<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    nc.check_int(1)?;
    nc.ret1(Value::Int(i64::from(crate::vm::ccalls::MAX_C_CALLS)))
}

/// `debug.gethook([thread])`: the hook function, its mask and count (fail without a hook).
fn gethook<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let (th, _) = thread_arg(nc);
    let target = th.unwrap_or(nc.thread);
    let d = target.0.hook.get();
    if d.mask == 0 {
        return nc.ret1(Value::Nil);
    }
    let f = target.0.hook_func.get();
    let m = nc.str_value(hook::unmake_mask(d.mask).as_bytes());
    nc.ret(&[f, m, Value::Int(d.count as i64)])
}

/// No userdata here has user values (as one made with none in 5.4): always fail, one
/// result, as `db_getuservalue` for a non-userdata or an index out of range.
fn getuservalue<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    nc.opt_int(2, 1)?;
    nc.ret1(Value::Nil)
}

fn setuservalue<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    if !matches!(nc.arg(1), Value::Userdata(_)) {
        return Err(nc.arg_type_error(1, "userdata"));
    }
    nc.opt_int(3, 1)?;
    nc.check_any(2)?;
    nc.ret1(Value::Nil)
}
