//! The base library: `print`, `type`, `pcall`, `load`, ...

use std::io::Write;

use gc_arena::Collect;
use serde::{Deserialize, Serialize};

use crate::limits::fuel as fuelc;
use crate::number;
use crate::vm::cont::{map_all, uncaught, Cont, LibCont, LibContKind, LibSaved, MapValues};
use crate::vm::convert::{self, tostring_raw};
use crate::vm::error::{LuaError, LuaResult};
use crate::vm::exec::where_at_level;
use crate::vm::meta::{self, Index};
use crate::vm::native::{Action, NativeCtx, NativeDef};
use crate::vm::state::{Ctx, Tm};
use crate::vm::value::Value;

type R<'gc> = LuaResult<'gc, Action<'gc>>;

/// The base library's natives.
pub static FUNCS: &[NativeDef] = &[
    NativeDef {
        name: "assert",
        func: assert,
    },
    NativeDef {
        name: "collectgarbage",
        func: collectgarbage,
    },
    NativeDef {
        name: "error",
        func: error,
    },
    NativeDef {
        name: "getmetatable",
        func: getmetatable,
    },
    NativeDef {
        name: "ipairs",
        func: ipairs,
    },
    NativeDef {
        name: "load",
        func: load,
    },
    NativeDef {
        name: "next",
        func: next,
    },
    NativeDef {
        name: "pairs",
        func: pairs,
    },
    NativeDef {
        name: "pcall",
        func: crate::vm::finish::pcall,
    },
    NativeDef {
        name: "print",
        func: print,
    },
    NativeDef {
        name: "rawequal",
        func: rawequal,
    },
    NativeDef {
        name: "rawget",
        func: rawget,
    },
    NativeDef {
        name: "rawlen",
        func: rawlen,
    },
    NativeDef {
        name: "rawset",
        func: rawset,
    },
    NativeDef {
        name: "select",
        func: select,
    },
    NativeDef {
        name: "setmetatable",
        func: setmetatable,
    },
    NativeDef {
        name: "tonumber",
        func: tonumber,
    },
    NativeDef {
        name: "tostring",
        func: tostring,
    },
    NativeDef {
        name: "type",
        func: type_,
    },
    NativeDef {
        name: "xpcall",
        func: xpcall,
    },
    NativeDef {
        name: "warn",
        func: warn,
    },
];

/// `ipairs`' iterator (not a global).
pub static IPAIRS_AUX: NativeDef = NativeDef {
    name: "ipairs_aux",
    func: ipairs_aux,
};

/// Opens the base library.
pub fn open(ctx: Ctx<'_>) {
    // The interpreter's `TForCall` steps a `pairs` or `ipairs` loop over a table without a
    // native call to `next` or `ipairs`' iterator (`vm::finish::tfor_next`).
    crate::vm::finish::NEXT.register(next);
    crate::vm::finish::IPAIRS_AUX.register(ipairs_aux);
    // And a constructor's `return setmetatable(o, C)` without a native call
    // (`vm::finish::set_metatable_light`).
    crate::vm::finish::SETMETATABLE.register(setmetatable);
    let g = ctx.state.globals;
    super::register(ctx, g, FUNCS);
    let _ = g.set(ctx.mc, ctx.str_value("_G"), Value::Table(g));
    let loaded = super::package::loaded_table(ctx);
    let _ = loaded.set(ctx.mc, ctx.str_value("_G"), Value::Table(g));
    let _ = g.set(ctx.mc, ctx.str_value("_VERSION"), ctx.str_value("Lua 5.4"));
}

/// Writes one `print` line and flushes, as `lua_writeline` does: a reader at the other end
/// of a pipe sees each line when it is printed, not when a buffer fills or the run ends.
fn write_line(ctx: Ctx<'_>, bytes: &[u8]) {
    let mut host = ctx.state.host.borrow_mut();
    let _ = host.stdout.write_all(bytes);
    let _ = host.stdout.flush();
}

fn print<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let args: Vec<Value<'gc>> = nc.args().to_vec();
    print_from(nc, args, 0, Vec::new())
}

/// Continues `print` from argument `i` with the text so far.
pub fn print_from<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    args: Vec<Value<'gc>>,
    mut i: usize,
    mut out: Vec<u8>,
) -> R<'gc> {
    while i < args.len() {
        let v = args[i];
        if !matches!(
            v,
            Value::Str(_)
                | Value::Int(_)
                | Value::Float(_)
                | Value::Nil
                | Value::True
                | Value::False
        ) {
            let tm = nc.ctx.metamethod(v, Tm::ToString);
            if !tm.is_nil() {
                nc.clear();
                nc.push(v);
                return Ok(Action::Call {
                    func: tm,
                    cont: Cont::Lib(Box::new(BaseCont::Print {
                        args,
                        next: i as u32,
                        out,
                    })),
                });
            }
        }
        if i > 0 {
            out.push(b'\t');
        }
        out.extend_from_slice(&tostring_raw(nc.ctx, v));
        i += 1;
    }
    out.push(b'\n');
    nc.charge(out.len() as i64 / fuelc::OUTPUT_BYTES_PER_FUEL + fuelc::OUTPUT_LINE);
    write_line(nc.ctx, &out);
    nc.ret0()
}

/// Checks a `__tostring` result.
pub fn tostring_result<'gc>(nc: &NativeCtx<'gc, '_>) -> LuaResult<'gc, Vec<u8>> {
    match nc.arg(1) {
        v @ (Value::Str(_) | Value::Int(_) | Value::Float(_)) => Ok(tostring_raw(nc.ctx, v)),
        _ => Err(LuaError::rt("'__tostring' must return a string")),
    }
}

fn tostring<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let v = nc.check_any(1)?;
    let tm = nc.ctx.metamethod(v, Tm::ToString);
    if !tm.is_nil() {
        nc.clear();
        nc.push(v);
        return Ok(Action::Call {
            func: tm,
            cont: Cont::Lib(Box::new(ToStringCont)),
        });
    }
    match v {
        Value::Float(_) => nc.charge(fuelc::FLOAT_FORMAT),
        Value::Table(_)
        | Value::Function(_)
        | Value::Native(_)
        | Value::LightNative(_)
        | Value::Thread(_)
        | Value::Userdata(_)
        | Value::LightUserdata(_) => nc.charge(fuelc::ADDRESS_FORMAT),
        _ => {}
    }
    let s = tostring_raw(nc.ctx, v);
    let s = nc.str_value(&s);
    nc.ret1(s)
}

fn type_<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let v = nc.check_any(1)?;
    let s = nc.str_value(v.type_name().as_bytes());
    nc.ret1(s)
}

fn rawequal<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let a = nc.check_any(1)?;
    let b = nc.check_any(2)?;
    nc.ret1(Value::boolean(a.raw_eq(b)))
}

fn rawlen<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    match nc.arg(1) {
        Value::Table(t) => nc.ret1(Value::Int(t.length(nc.ctx.mc))),
        Value::Str(s) => nc.ret1(Value::Int(s.len() as i64)),
        _ => Err(nc.arg_type_error(1, "table or string")),
    }
}

fn rawget<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let t = nc.check_table(1)?;
    let k = nc.check_any(2)?;
    nc.ret1(t.get(nc.ctx.mc, k))
}

fn rawset<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let t = nc.check_table(1)?;
    let k = nc.check_any(2)?;
    let v = nc.check_any(3)?;
    t.set(nc.ctx.mc, k, v)
        .map_err(|e| nc.ctx.table_store_error(e, true, LuaError::Op))?;
    nc.ret1(Value::Table(t))
}

fn next<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let t = nc.check_table(1)?;
    let k = nc.arg(2);
    let (r, skipped) = t.data(nc.ctx.mc).next_scanning(k);
    // A sparse table (many removed keys, a long run of nil items) makes each step scan.
    nc.charge(skipped as i64 / crate::limits::fuel::EMPTY_SLOTS_PER_FUEL);
    match r {
        Ok(Some((k, v))) => nc.ret(&[k, v]),
        Ok(None) => nc.ret1(Value::Nil),
        // `luaH_next`'s `luaG_runerror` inside a C function: no position.
        Err(()) => Err(LuaError::op("invalid key to 'next'")),
    }
}

fn pairs<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let v = nc.check_any(1)?;
    let tm = nc.ctx.metamethod(v, Tm::Pairs);
    if !tm.is_nil() {
        nc.clear();
        nc.push(v);
        return Ok(Action::Call {
            func: tm,
            cont: Cont::Lib(Box::new(PairsCont)),
        });
    }
    let next = match FUNCS.iter().find(|d| d.name == "next") {
        Some(def) => super::native(nc.ctx, def),
        None => Value::Nil,
    };
    nc.ret(&[next, v, Value::Nil])
}

fn ipairs<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let v = nc.check_any(1)?;
    let aux = super::native(nc.ctx, &IPAIRS_AUX);
    nc.ret(&[aux, v, Value::Int(0)])
}

fn ipairs_aux<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let t = nc.arg(1);
    let i = nc.check_int(2)?.wrapping_add(1);
    match meta::index(nc.ctx, t, Value::Int(i))? {
        Index::Value(v) => ipairs_result(nc, i, v),
        Index::Call(mc) => {
            nc.ret(&mc.args[..mc.nargs as usize])?;
            Ok(Action::Call {
                func: mc.func,
                cont: Cont::Lib(Box::new(BaseCont::IpairsNext { i })),
            })
        }
        Index::NotIndexable => Err(LuaError::op(format!(
            "attempt to index a {} value",
            convert::type_name_for_msg(nc.ctx, t)
        ))),
    }
}

/// `ipairs` iterator result: `i, v` or nil at the end.
pub fn ipairs_result<'gc>(nc: &mut NativeCtx<'gc, '_>, i: i64, v: Value<'gc>) -> R<'gc> {
    if v.is_nil() {
        nc.ret1(Value::Nil)
    } else {
        nc.ret(&[Value::Int(i), v])
    }
}

fn select<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let n = nc.nargs() as i64 - 1;
    if let Value::Str(s) = nc.arg(1) {
        if s.as_bytes().first() == Some(&b'#') {
            return nc.ret1(Value::Int(n));
        }
    }
    let i = nc.check_int(1)?;
    let i = if i < 0 {
        n + i
    } else if i > n {
        n
    } else {
        i - 1
    };
    if i < 0 {
        return Err(LuaError::bad_arg(1, "index out of range"));
    }
    let start = nc.base + 1 + i as usize;
    nc.stack.drain(nc.base..start);
    Ok(Action::Return)
}

fn getmetatable<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let v = nc.check_any(1)?;
    match nc.ctx.metatable(v) {
        None => nc.ret1(Value::Nil),
        Some(mt) => {
            let protected = nc.ctx.tm_of(mt, Tm::Metatable);
            if protected.is_nil() {
                nc.ret1(Value::Table(mt))
            } else {
                nc.ret1(protected)
            }
        }
    }
}

fn setmetatable<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let t = nc.check_table(1)?;
    let mt = match nc.arg(2) {
        Value::Nil => None,
        Value::Table(m) => Some(m),
        _ => return Err(nc.arg_type_error(2, "nil or table")),
    };
    if nc.nargs() < 2 {
        return Err(nc.arg_type_error(2, "nil or table"));
    }
    if let Some(old) = t.metatable() {
        if !nc.ctx.tm_of(old, Tm::Metatable).is_nil() {
            return Err(LuaError::rt("cannot change a protected metatable"));
        }
    }
    t.set_metatable(nc.ctx.mc, mt);
    crate::vm::gc::metatable_set(nc.ctx, Value::Table(t), mt);
    nc.ret1(Value::Table(t))
}

fn assert<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    if nc.arg(1).truthy() {
        return Ok(Action::Return);
    }
    nc.check_any(1)?;
    if nc.nargs() >= 2 {
        let msg = nc.arg(2);
        if let Value::Str(_) = msg {
            return error_with_level(nc, msg, 1);
        }
        return Err(LuaError::Value(msg));
    }
    Err(LuaError::rt("assertion failed!"))
}

fn error_with_level<'gc>(nc: &mut NativeCtx<'gc, '_>, v: Value<'gc>, level: i64) -> R<'gc> {
    if let Value::Str(s) = v {
        if level > 0 {
            let mut b = where_at_level(nc.frames, level as usize).into_bytes();
            b.extend_from_slice(s.as_bytes());
            return Err(LuaError::Value(Value::Str(nc.ctx.new_string(b))));
        }
    }
    Err(LuaError::Value(v))
}

fn error<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let level = nc.opt_int(2, 1)?;
    let v = nc.arg(1);
    error_with_level(nc, v, level)
}

fn xpcall<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let f = nc.arg(1);
    let handler = nc.arg(2);
    if !matches!(
        handler,
        Value::Function(_) | Value::Native(_) | Value::LightNative(_)
    ) {
        return Err(nc.arg_type_error(2, "function"));
    }
    nc.stack.drain(nc.base..nc.base + 2);
    Ok(Action::Call {
        func: f,
        cont: Cont::Xpcall { handler },
    })
}

fn tonumber<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    if nc.arg(2).is_nil() {
        let v = nc.check_any(1)?;
        nc.charge_coercion(v);
        let r = match v {
            Value::Int(_) | Value::Float(_) => v,
            Value::Str(s) => {
                number::str_to_number(s.as_bytes()).map_or(Value::Nil, convert::number_value)
            }
            _ => Value::Nil,
        };
        return nc.ret1(r);
    }
    let base = nc.check_int(2)?;
    let Value::Str(s) = nc.arg(1) else {
        return Err(nc.arg_type_error(1, "string"));
    };
    if !(2..=36).contains(&base) {
        return Err(LuaError::bad_arg(2, "base out of range"));
    }
    nc.charge_coercion(Value::Str(s));
    let text = s.as_bytes();
    let trimmed: &[u8] = {
        let start = text
            .iter()
            .position(|c| !is_lua_space(*c))
            .unwrap_or(text.len());
        let end = text
            .iter()
            .rposition(|c| !is_lua_space(*c))
            .map_or(start, |p| p + 1);
        &text[start..end.max(start)]
    };
    let (neg, digits) = match trimmed.first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    if digits.is_empty() {
        return nc.ret1(Value::Nil);
    }
    let mut n: i64 = 0;
    for &c in digits {
        let d = match (c as char).to_digit(36) {
            Some(d) if (d as i64) < base => d as i64,
            _ => return nc.ret1(Value::Nil),
        };
        n = n.wrapping_mul(base).wrapping_add(d);
    }
    nc.ret1(Value::Int(if neg { n.wrapping_neg() } else { n }))
}

/// C's `isspace` in the "C" locale (includes `\v`, unlike `u8::is_ascii_whitespace`).
fn is_lua_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `collectgarbage("collect")`: collections run between mutations, so this asks the host
/// loop for a full one and suspends; the continuation returns 0 once it is done (due
/// finalizers run first). Not charged by heap size here: the heap's count after a restore
/// depends on when collections ran, and fuel must not (the continuation charges by the heap
/// the collection left).
pub fn full_collection<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    nc.charge(fuelc::FULL_GC);
    nc.ctx.state.collect_requested.set(true);
    nc.clear();
    Ok(Action::Preempt {
        cont: Cont::Collected,
    })
}

fn collectgarbage<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    const OPTIONS: [&str; 11] = [
        "stop",
        "restart",
        "collect",
        "count",
        "step",
        "setpause",
        "setstepmul",
        "isrunning",
        "generational",
        "incremental",
        "",
    ];
    let opt = match nc.opt_str(1)? {
        Some(s) => s.to_str_lossy().into_owned(),
        None => "collect".to_string(),
    };
    if opt.is_empty() || !OPTIONS.contains(&opt.as_str()) {
        return Err(LuaError::bad_arg(1, format!("invalid option '{opt}'")));
    }
    let ctx = nc.ctx;
    // Inside a finalizer the collector is stopped and every option fails, as in Lua.
    if crate::vm::gc::thread_in_finalizer(nc.ctx, nc.frames) || crate::vm::gc::in_finalizer(ctx) {
        return nc.ret1(Value::Nil);
    }
    match opt.as_str() {
        "collect" => full_collection(nc),
        "count" => {
            // The VM's accounted bytes (see `vm::memory`), in KB as Lua reports them.
            let kb = crate::vm::memory::used() as f64 / 1024.0;
            nc.ret1(Value::float(kb))
        }
        "step" => {
            let kb = nc.opt_int(2, 0)?;
            // A step may finish a whole cycle: charged as a full collection.
            nc.charge(fuelc::FULL_GC);
            ctx.state.gc.borrow_mut(ctx.mc).step_request = Some(kb);
            nc.clear();
            Ok(Action::Preempt {
                cont: Cont::GcStepped,
            })
        }
        "isrunning" => {
            let running = !ctx.state.gc.borrow().stopped;
            nc.ret1(Value::boolean(running))
        }
        "stop" | "restart" => {
            let stop = opt == "stop";
            ctx.state.gc.borrow_mut(ctx.mc).stopped = stop;
            if !stop {
                // As Lua's `luaE_setdebt(g, 0)`: the debt gathered while stopped is forgiven.
                let m = ctx.mc.metrics();
                m.adjust_debt(-m.allocation_debt());
            }
            nc.ret1(Value::Int(0))
        }
        "incremental" | "generational" => {
            let mut gcs = ctx.state.gc.borrow_mut(ctx.mc);
            let old = if gcs.generational {
                "generational"
            } else {
                "incremental"
            };
            gcs.generational = opt == "generational";
            drop(gcs);
            let v = nc.str_value(old.as_bytes());
            nc.ret1(v)
        }
        _ => {
            // "setpause" / "setstepmul": the previous value (the collector paces itself by
            // its own counters; the values are kept and saved, see `vm::gc`).
            let v = nc.opt_int(2, 0)?;
            let mut gcs = ctx.state.gc.borrow_mut(ctx.mc);
            let slot = if opt == "setpause" {
                &mut gcs.pause
            } else {
                &mut gcs.stepmul
            };
            let old = std::mem::replace(slot, crate::vm::gc::gc_param(v));
            drop(gcs);
            nc.ret1(Value::Int(old))
        }
    }
}

fn warn<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let n = nc.nargs();
    let mut msg = Vec::new();
    for i in 1..=n.max(1) {
        let s = nc.check_str(i)?;
        msg.extend_from_slice(s.as_bytes());
    }
    let control = n == 1 && msg.first() == Some(&b'@');
    if !control {
        // A line to the host, as `print`'s (whether or not warnings are on: the same fuel).
        nc.charge(msg.len() as i64 / fuelc::OUTPUT_BYTES_PER_FUEL + fuelc::OUTPUT_LINE);
    }
    let mut host = nc.ctx.state.host.borrow_mut();
    if let Some(f) = host.warn.as_mut() {
        f(&msg);
    } else if control {
        match &msg[..] {
            b"@on" => host.warnings_on = true,
            b"@off" => host.warnings_on = false,
            _ => {}
        }
    } else if host.warnings_on {
        // (One write: the host's stderr is commonly unbuffered.)
        let _ = host
            .stderr
            .write_all(&[&b"Lua warning: "[..], &msg, b"\n"].concat());
    }
    drop(host);
    nc.ret0()
}

fn load<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let chunk = nc.arg(1);
    let mode = match nc.opt_str(3)? {
        Some(m) => m.as_bytes().to_vec(),
        None => b"bt".to_vec(),
    };
    let env = if nc.nargs() >= 4 {
        Some(nc.arg(4))
    } else {
        None
    };
    let chunk = match chunk {
        Value::Int(_) | Value::Float(_) => convert::to_str(nc.ctx, chunk).map_or(chunk, Value::Str),
        other => other,
    };
    match chunk {
        Value::Str(s) => {
            let name = match nc.opt_str(2)? {
                Some(n) => n.as_bytes().to_vec(),
                None => s.as_bytes().to_vec(),
            };
            finish_load(nc, s.as_bytes(), &name, &mode, env)
        }
        Value::Function(_) | Value::Native(_) | Value::LightNative(_) => {
            let name = match nc.opt_str(2)? {
                Some(n) => n.as_bytes().to_vec(),
                None => b"=(load)".to_vec(),
            };
            nc.clear();
            Ok(Action::Call {
                func: chunk,
                cont: reading(chunk, Vec::new(), name, mode, env),
            })
        }
        _ => Err(nc.arg_type_error(1, "function")),
    }
}

/// Compiles loaded text and returns the function (or nil and the message).
pub fn finish_load<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    source: &[u8],
    name: &[u8],
    mode: &[u8],
    env: Option<Value<'gc>>,
) -> R<'gc> {
    let binary = source.first() == Some(&0x1b);
    let fail = |nc: &mut NativeCtx<'gc, '_>, msg: String| {
        let m = nc.str_value(msg.as_bytes());
        nc.ret(&[Value::Nil, m])
    };
    if binary {
        let mode_s = String::from_utf8_lossy(mode);
        if !mode.contains(&b'b') {
            return fail(
                nc,
                format!("attempt to load a binary chunk (mode is '{mode_s}')"),
            );
        }
        let env = env.unwrap_or(Value::Table(nc.ctx.state.globals));
        return match super::string::dump::load_binary(nc, source, name, env) {
            Ok(cl) => nc.ret1(Value::Function(cl)),
            Err(msg) => fail(nc, msg),
        };
    }
    if !mode.contains(&b't') {
        let mode_s = String::from_utf8_lossy(mode);
        return fail(
            nc,
            format!("attempt to load a text chunk (mode is '{mode_s}')"),
        );
    }
    nc.charge(fuelc::load_cost(source.len()));
    let env = env.unwrap_or(Value::Table(nc.ctx.state.globals));
    match crate::vm::closure::load_chunk(nc.ctx, source, name, env) {
        Ok(cl) => nc.ret1(Value::Function(cl)),
        Err(msg) => fail(nc, msg),
    }
}

/// `tostring` waiting for `__tostring` (a unit: boxing it allocates nothing).
#[derive(Collect, Serialize, Deserialize, Debug, Clone, Copy)]
#[collect(require_static)]
pub struct ToStringCont;

/// The kind of [`ToStringCont`].
pub static TOSTRING_CONT: LibContKind = LibContKind {
    name: "base.tostring",
    load: |_| Ok(Box::new(ToStringCont)),
};

impl<'gc> LibCont<'gc> for ToStringCont {
    fn resume(
        self: Box<Self>,
        nc: &mut NativeCtx<'gc, '_>,
        outcome: Result<(), Value<'gc>>,
    ) -> R<'gc> {
        uncaught(outcome)?;
        let text = tostring_result(nc)?;
        let v = nc.str_value(&text);
        nc.ret1(v)
    }

    fn save(&self) -> Result<LibSaved<Value<'gc>>, String> {
        Ok(LibSaved::unit(&TOSTRING_CONT))
    }
}

/// `pairs` waiting for `__pairs` (keeps 3 results; a unit).
#[derive(Collect, Serialize, Deserialize, Debug, Clone, Copy)]
#[collect(require_static)]
pub struct PairsCont;

/// The kind of [`PairsCont`].
pub static PAIRS_CONT: LibContKind = LibContKind {
    name: "base.pairs",
    load: |_| Ok(Box::new(PairsCont)),
};

impl<'gc> LibCont<'gc> for PairsCont {
    fn resume(
        self: Box<Self>,
        nc: &mut NativeCtx<'gc, '_>,
        outcome: Result<(), Value<'gc>>,
    ) -> R<'gc> {
        uncaught(outcome)?;
        let vals = [nc.arg(1), nc.arg(2), nc.arg(3)];
        nc.ret(&vals)
    }

    /// Lua's `pairs` calls `__pairs` with a continuation.
    fn yieldable(&self) -> bool {
        true
    }

    fn save(&self) -> Result<LibSaved<Value<'gc>>, String> {
        Ok(LibSaved::unit(&PAIRS_CONT))
    }
}

/// The base library's other suspended natives.
#[derive(Collect, Serialize, Deserialize, Debug, Clone)]
#[collect(no_drop)]
pub enum BaseCont<V> {
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
}

/// The kind of [`BaseCont`].
pub static BASE_CONT: LibContKind = LibContKind {
    name: "base",
    load: |saved| Ok(Box::new(saved.rebuild::<BaseCont<u32>>()?)),
};

impl<V> MapValues<V> for BaseCont<V> {
    type Mapped<W> = BaseCont<W>;

    fn map_values<W, E>(self, f: &mut impl FnMut(V) -> Result<W, E>) -> Result<BaseCont<W>, E> {
        Ok(match self {
            BaseCont::Print { args, next, out } => BaseCont::Print {
                args: map_all(args, f)?,
                next,
                out,
            },
            BaseCont::IpairsNext { i } => BaseCont::IpairsNext { i },
            BaseCont::LoadReader {
                reader,
                parts,
                name,
                mode,
                env,
            } => BaseCont::LoadReader {
                reader: f(reader)?,
                parts,
                name,
                mode,
                env: env.map(&mut *f).transpose()?,
            },
        })
    }
}

impl<'gc> LibCont<'gc> for BaseCont<Value<'gc>> {
    fn resume(
        self: Box<Self>,
        nc: &mut NativeCtx<'gc, '_>,
        outcome: Result<(), Value<'gc>>,
    ) -> R<'gc> {
        match (*self, outcome) {
            (BaseCont::LoadReader { .. }, Err(e)) => nc.ret(&[Value::Nil, e]),
            (_, Err(e)) => Err(LuaError::Value(e)),
            (
                BaseCont::Print {
                    args,
                    next,
                    mut out,
                },
                Ok(()),
            ) => {
                let text = tostring_result(nc)?;
                if next > 0 {
                    out.push(b'\t');
                }
                out.extend_from_slice(&text);
                print_from(nc, args, next as usize + 1, out)
            }
            (BaseCont::IpairsNext { i }, Ok(())) => {
                let v = nc.arg(1);
                ipairs_result(nc, i, v)
            }
            (
                BaseCont::LoadReader {
                    reader,
                    parts,
                    name,
                    mode,
                    env,
                },
                Ok(()),
            ) => load_read(nc, reader, parts, name, mode, env),
        }
    }

    /// `load` returns a reader's error as `nil, message`.
    fn catches(&self) -> bool {
        matches!(self, BaseCont::LoadReader { .. })
    }

    /// As `lua_load`'s protected parser does.
    fn keeps_message_handler(&self) -> bool {
        matches!(self, BaseCont::LoadReader { .. })
    }

    fn heap_bytes(&self) -> usize {
        match self {
            BaseCont::Print { args, out, .. } => {
                args.len() * crate::vm::memory::VALUE_BYTES + out.len()
            }
            BaseCont::IpairsNext { .. } => 0,
            BaseCont::LoadReader {
                parts, name, mode, ..
            } => parts.len() + name.len() + mode.len(),
        }
    }

    fn save(&self) -> Result<LibSaved<Value<'gc>>, String> {
        LibSaved::of(&BASE_CONT, self.clone())
    }
}

/// `load` after its reader returned a piece (in the window): finishes at nil or an empty
/// string, calls the reader again after a string, fails on anything else.
fn load_read<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    reader: Value<'gc>,
    mut parts: Vec<u8>,
    name: Vec<u8>,
    mode: Vec<u8>,
    env: Option<Value<'gc>>,
) -> R<'gc> {
    match nc.arg(1) {
        Value::Nil => finish_load(nc, &parts, &name, &mode, env),
        Value::Str(s) if s.is_empty() => finish_load(nc, &parts, &name, &mode, env),
        Value::Str(s) => {
            parts.extend_from_slice(s.as_bytes());
            nc.charge(s.len() as i64 / fuelc::READER_BYTES_PER_FUEL);
            nc.clear();
            Ok(Action::Call {
                func: reader,
                cont: reading(reader, parts, name, mode, env),
            })
        }
        _ => {
            // `luaL_error` inside `load`'s protected parser: the position of `load`'s caller,
            // and the message goes through the handler in effect, as a reader's own error.
            let mut m = where_at_level(nc.frames, 1).into_bytes();
            m.extend_from_slice(b"reader function must return a string");
            let error = nc.str_value(&m);
            nc.clear();
            nc.push(error);
            Ok(Action::Raise {
                cont: reading(reader, parts, name, mode, env),
            })
        }
    }
}

/// The continuation of `load` while its reader runs (it catches the reader's errors).
fn reading<'gc>(
    reader: Value<'gc>,
    parts: Vec<u8>,
    name: Vec<u8>,
    mode: Vec<u8>,
    env: Option<Value<'gc>>,
) -> Cont<'gc> {
    Cont::Lib(Box::new(BaseCont::LoadReader {
        reader,
        parts,
        name,
        mode,
        env,
    }))
}
