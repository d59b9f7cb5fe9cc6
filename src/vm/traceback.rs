//! Stack levels as Lua's debug interface numbers them, function names, and tracebacks.
//!
//! # Design
//! A *level* is a Lua frame, or a native frame standing for a running native (`pcall`
//! waiting for its callee, a native whose call or return a hook reports, the native that
//! raised the error an `xpcall` handler is looking at). VM-internal frames are not levels:
//! closing to-be-closed variables while an error unwinds, an `xpcall` handler's
//! continuation (Lua runs the handler right above the erroring function) and hooks on Lua
//! frames (Lua runs the hook inside the hooked function).
//!
//! Names follow `lauxlib`'s `pushfuncname`: first a name the function has in a loaded
//! module (`package.loaded`, two levels deep, `_G.` dropped), then how the calling
//! instruction names it (`ldebug`'s `funcnamefromcall`: none for tail calls, "hook" for a
//! hook), then "main chunk", `function <src:line>` or `?`. The traceback text follows
//! `luaL_traceback` exactly, including its level skipping.

use super::closure::NativeRef;
use super::cont::Cont;
use super::exec::frame_line;
use super::state::Ctx;
use super::table::Table;
use super::thread::Frame;
use super::value::Value;
use crate::compiler::proto::short_source;

/// First levels shown before skipping (Lua's `LEVELS1`).
const LEVELS1: i64 = 10;
/// Last levels shown after skipping (Lua's `LEVELS2`).
const LEVELS2: i64 = 11;

/// Whether a frame is a stack level (see the module notes).
pub fn frame_visible(f: &Frame<'_>) -> bool {
    match f {
        Frame::Lua(_) => true,
        Frame::Native(n) => match *n.cont {
            Cont::CloseTbc { .. } | Cont::XpcallHandler { .. } => false,
            // `lua.c`'s message handler, calling an error object's `__tostring`.
            Cont::ErrorToString { .. } => true,
            _ => n.native.is_some(),
        },
    }
}

/// How the code that called raw frame `i` names its function (`funcnamefromcall`):
/// `(namewhat, name)`. `i == frames.len()` asks about a native running above every frame.
pub fn func_name(frames: &[Frame<'_>], i: usize) -> Option<(&'static str, Vec<u8>)> {
    if let Some(Frame::Lua(f)) = frames.get(i) {
        if f.is_tail() {
            return None;
        }
    }
    let mut j = i.min(frames.len());
    while j > 0 {
        j -= 1;
        match &frames[j] {
            Frame::Native(n) => match *n.cont {
                Cont::Hook { .. } => return Some(("hook", b"?".to_vec())),
                Cont::GcFinalizer { .. } => return Some(("metamethod", b"__gc".to_vec())),
                Cont::XpcallHandler { .. } | Cont::CloseTbc { .. } => continue,
                _ if n.native.is_none() => continue,
                _ => return None,
            },
            Frame::Lua(c) => {
                return c
                    .closure
                    .proto()
                    .describe_call((c.pc as usize).saturating_sub(1))
            }
        }
    }
    None
}

/// Iterates the string-keyed fields of `t` (raw), stopping when `f` returns `Some`.
fn find_in<'gc, R>(
    ctx: Ctx<'gc>,
    t: Table<'gc>,
    mut f: impl FnMut(&[u8], Value<'gc>) -> Option<R>,
) -> Option<R> {
    let data = t.data(ctx.mc);
    let mut key = Value::Nil;
    while let Ok(Some((k, v))) = data.next(key) {
        if let Value::Str(s) = k {
            if let Some(r) = f(s.as_bytes(), v) {
                return Some(r);
            }
        }
        key = k;
    }
    None
}

/// `pushglobalfuncname`: the name `func` has in a loaded module ("string.rep", "print").
pub fn global_name<'gc>(ctx: Ctx<'gc>, func: Value<'gc>) -> Option<Vec<u8>> {
    let loaded = match ctx
        .state
        .registry
        .get(ctx.mc, ctx.str_value(super::state::LOADED_KEY))
    {
        Value::Table(t) => t,
        _ => return None,
    };
    let name = find_in(ctx, loaded, |modname, m| {
        if m.raw_eq(func) {
            return Some(modname.to_vec());
        }
        let Value::Table(mt) = m else {
            return None;
        };
        find_in(ctx, mt, |field, v| {
            v.raw_eq(func).then(|| {
                let mut n = modname.to_vec();
                n.push(b'.');
                n.extend_from_slice(field);
                n
            })
        })
    })?;
    Some(match name.strip_prefix(b"_G.") {
        Some(rest) => rest.to_vec(),
        None => name,
    })
}

/// A stack level for [`traceback`].
#[derive(Clone, Copy)]
pub enum Level<'gc> {
    /// Raw frame `i`.
    Frame(usize),
    /// A native running above every frame (the native calling `traceback`, or the native
    /// that raised the error).
    Running(Option<NativeRef<'gc>>),
    /// The host's C entry point below the main thread's first frame (`lua.c`'s `pmain`).
    Host,
}

/// The levels of `frames`, innermost first: `running` natives on top, then the visible
/// frames, then the host entry point if `host`.
pub fn levels<'gc>(
    frames: &[Frame<'gc>],
    running: &[Option<NativeRef<'gc>>],
    host: bool,
) -> Vec<Level<'gc>> {
    // `lua_close` (`os.exit(c, true)`, the end of a CLI run) runs closing methods and
    // finalizers from the bottom of the main thread, where Lua has reset the call chain
    // (`L->ci = &L->base_ci`): neither the closer nor the host is a level there.
    let closing = host
        && matches!(frames.first(), Some(Frame::Native(n))
            if n.native.is_some_and(|f| f.def().name == super::gc::STATE_CLOSER));
    let mut lv: Vec<Level<'gc>> = running.iter().map(|n| Level::Running(*n)).collect();
    for (i, f) in frames.iter().enumerate().rev() {
        if frame_visible(f) && !(closing && i == 0) {
            lv.push(Level::Frame(i));
        }
    }
    if host && !closing {
        lv.push(Level::Host);
    }
    lv
}

/// One traceback line for `level` (without the leading "\n\t").
fn describe<'gc>(ctx: Ctx<'gc>, frames: &[Frame<'gc>], level: Level<'gc>, out: &mut Vec<u8>) {
    let named = |out: &mut Vec<u8>, func: Value<'gc>, i: usize| {
        if let Some(g) = global_name(ctx, func) {
            out.extend_from_slice(b"function '");
            out.extend_from_slice(&g);
            out.push(b'\'');
            return true;
        }
        if let Some((what, name)) = func_name(frames, i) {
            out.extend_from_slice(what.as_bytes());
            out.extend_from_slice(b" '");
            out.extend_from_slice(&name);
            out.push(b'\'');
            return true;
        }
        false
    };
    let native = |out: &mut Vec<u8>, n: Option<NativeRef<'gc>>, i: usize| {
        out.extend_from_slice(b"[C]: in ");
        let f = n.map_or(Value::Nil, NativeRef::value);
        if !named(out, f, i) {
            out.push(b'?');
        }
    };
    match level {
        Level::Frame(i) => match &frames[i] {
            Frame::Lua(f) => {
                let p = f.closure.proto();
                let src = short_source(&p.source);
                let line = frame_line(f);
                if line <= 0 {
                    out.extend_from_slice(format!("{src}: in ").as_bytes());
                } else {
                    out.extend_from_slice(format!("{src}:{line}: in ").as_bytes());
                }
                if !named(out, Value::Function(f.closure), i) {
                    if p.line_defined == 0 {
                        out.extend_from_slice(b"main chunk");
                    } else {
                        out.extend_from_slice(
                            format!("function <{src}:{}>", p.line_defined).as_bytes(),
                        );
                    }
                }
                if f.is_tail() {
                    out.extend_from_slice(b"\n\t(...tail calls...)");
                }
            }
            Frame::Native(n) => native(out, n.native, i),
        },
        Level::Running(n) => native(out, n, frames.len()),
        Level::Host => out.extend_from_slice(b"[C]: in ?"),
    }
}

/// `luaL_traceback`: `msg` (if any), then "stack traceback:" and the levels from `level` on.
pub fn traceback<'gc>(
    ctx: Ctx<'gc>,
    frames: &[Frame<'gc>],
    levels: &[Level<'gc>],
    msg: Option<&[u8]>,
    level: i64,
) -> Vec<u8> {
    let mut out = Vec::new();
    if let Some(m) = msg {
        out.extend_from_slice(m);
        out.push(b'\n');
    }
    out.extend_from_slice(b"stack traceback:");
    if level < 0 {
        return out;
    }
    let last = levels.len() as i64 - 1;
    let mut limit2show = if last - level > LEVELS1 + LEVELS2 {
        LEVELS1
    } else {
        -1
    };
    let mut level = level;
    while let Some(&lv) = usize::try_from(level).ok().and_then(|l| levels.get(l)) {
        level += 1;
        let show = limit2show != 0;
        limit2show -= 1;
        if show {
            out.extend_from_slice(b"\n\t");
            describe(ctx, frames, lv, &mut out);
        } else {
            let n = last - level - LEVELS2 + 1;
            out.extend_from_slice(format!("\n\t...\t(skipping {n} levels)").as_bytes());
            level += n;
        }
    }
    out
}
