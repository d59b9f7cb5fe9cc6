//! The part of the debug library a sandbox can have: `debug.traceback`.

use crate::vm::error::LuaResult;
use crate::vm::exec::traceback_frames;
use crate::vm::native::{Action, NativeCtx, NativeDef};
use crate::vm::state::Ctx;
use crate::vm::value::Value;

/// The debug library's natives.
pub static FUNCS: &[NativeDef] = &[NativeDef {
    name: "debug.traceback",
    func: traceback,
}];

/// Opens the library.
pub fn open(ctx: Ctx<'_>) {
    super::new_lib(ctx, "debug", FUNCS);
}

/// `debug.traceback([thread,] [message [, level]])`.
fn traceback<'gc>(nc: &mut NativeCtx<'gc, '_>) -> LuaResult<'gc, Action<'gc>> {
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
    let level = nc.opt_int(first + 1, 1)?.max(0) as usize;
    let text = match msg {
        Value::Nil => None,
        _ => Some(nc.check_str(first)?.to_str_lossy().into_owned()),
    };
    let tb = if first == 2 {
        // Another coroutine's frames are not visible from here; report it without levels.
        format!(
            "{}stack traceback:",
            text.map(|t| t + "\n").unwrap_or_default()
        )
    } else {
        traceback_frames(nc.frames, text.as_deref(), level.saturating_sub(1))
    };
    let tb = tb.trim_end_matches("\n\t[C]: in ?").to_string() + "\n\t[C]: in ?";
    let v = nc.str_value(tb.as_bytes());
    nc.ret1(v)
}
