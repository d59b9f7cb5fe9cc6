//! `lua.c`'s message handler (`msghandler`), for hosts that run their chunks as the `lua`
//! command does (the `telelua` command): an error message gets a traceback appended; an
//! error object that is not a string gets its `__tostring` result (no traceback) when that is
//! a string, else "(error object is a T value)" with a traceback.
//!
//! Design note. A native, so it is a `[C]: in ?` level as in `lua.c` (its name is in no
//! module); it calls `__tostring` as an ordinary Lua call with a continuation, so the call is
//! stackless, preemptible and saveable, and an error in it goes to the handler again at the
//! error point, as Lua's `errfunc` does. The VM finds it in the registry
//! ([`MAIN_HANDLER_KEY`]), so a snapshot keeps it.

use gc_arena::Collect;
use serde::{Deserialize, Serialize};

use crate::vm::cont::{uncaught, Cont, LibCont, LibContKind, LibSaved, MapValues};
use crate::vm::native::{Action, NativeCtx, NativeDef};
use crate::vm::state::{Ctx, Tm, MAIN_HANDLER_KEY};
use crate::vm::traceback;
use crate::vm::value::Value;

type R<'gc> = crate::vm::error::LuaResult<'gc, Action<'gc>>;

/// The handler. (Named in no module: tracebacks show it as `?`, as `lua.c`'s.)
pub static MSGHANDLER: NativeDef = NativeDef {
    name: "lua_c.msghandler",
    func: msghandler,
};

/// Installs (`on`) or removes the main thread's message handler.
pub fn set_main_handler(ctx: Ctx<'_>, on: bool) {
    let key = Value::Str(ctx.new_str(MAIN_HANDLER_KEY.as_bytes()));
    let handler = if on {
        super::native(ctx, &MSGHANDLER)
    } else {
        Value::Nil
    };
    ctx.store_always(ctx.state.registry, key, handler);
}

fn msghandler<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let msg = nc.arg(1);
    if let Value::Str(_) | Value::Int(_) | Value::Float(_) = msg {
        let text = nc.check_str(1)?.as_bytes().to_vec();
        return with_traceback(nc, &text);
    }
    // `luaL_callmeta`: the metatable's own `__tostring`, called with the object.
    let tm = nc.ctx.metamethod(msg, Tm::ToString);
    if tm.is_nil() {
        return not_a_string(nc, msg);
    }
    nc.clear();
    nc.push(msg);
    Ok(Action::Call {
        func: tm,
        cont: Cont::Lib(Box::new(ToStringCont { msg })),
    })
}

/// "(error object is a T value)" with a traceback.
fn not_a_string<'gc>(nc: &mut NativeCtx<'gc, '_>, msg: Value<'gc>) -> R<'gc> {
    let text = format!("(error object is a {} value)", msg.type_name());
    with_traceback(nc, text.as_bytes())
}

/// `luaL_traceback(L, L, msg, 1)`: the levels below the handler.
fn with_traceback<'gc>(nc: &mut NativeCtx<'gc, '_>, msg: &[u8]) -> R<'gc> {
    let ctx = nc.ctx;
    let lv = traceback::levels(nc.frames, &[nc.native], nc.thread == ctx.state.main);
    let tb = traceback::traceback(ctx, nc.frames, &lv, Some(msg), 1);
    nc.charge(tb.len() as i64 / crate::limits::fuel::OUTPUT_BYTES_PER_FUEL);
    let v = nc.str_value(&tb);
    nc.ret1(v)
}

/// The handler waiting for an error object's `__tostring`.
#[derive(Collect, Serialize, Deserialize, Debug, Clone)]
#[collect(no_drop)]
pub struct ToStringCont<V> {
    /// The error object.
    msg: V,
}

/// The kind of [`ToStringCont`].
pub static MSGHANDLER_CONT: LibContKind = LibContKind {
    name: "lua_c.msghandler",
    load: |saved| Ok(Box::new(saved.rebuild::<ToStringCont<u32>>()?)),
};

impl<V> MapValues<V> for ToStringCont<V> {
    type Mapped<W> = ToStringCont<W>;

    fn map_values<W, E>(self, f: &mut impl FnMut(V) -> Result<W, E>) -> Result<ToStringCont<W>, E> {
        Ok(ToStringCont { msg: f(self.msg)? })
    }
}

impl<'gc> LibCont<'gc> for ToStringCont<Value<'gc>> {
    /// The `__tostring` result is the message if it is a string.
    fn resume(
        self: Box<Self>,
        nc: &mut NativeCtx<'gc, '_>,
        outcome: Result<(), Value<'gc>>,
    ) -> R<'gc> {
        uncaught(outcome)?;
        match nc.arg(1) {
            Value::Str(s) => nc.ret1(Value::Str(s)),
            _ => not_a_string(nc, self.msg),
        }
    }

    fn heap_bytes(&self) -> usize {
        crate::vm::memory::VALUE_BYTES
    }

    fn save(&self) -> Result<LibSaved<Value<'gc>>, String> {
        LibSaved::of(&MSGHANDLER_CONT, self.clone())
    }
}
