//! The string metatable's arithmetic metamethods (`__add`, `__sub`, `__mul`, `__div`,
//! `__mod`, `__pow`, `__idiv`, `__unm`).
//!
//! Design note. Lua 5.4 moved string→number coercion for arithmetic out of the VM and into
//! these metamethods (lstrlib's `arith`/`trymt`): the VM finds a string operand's `__add`
//! like any other metamethod and calls it. If both operands are numbers or strings that
//! convert *entirely* to numbers (`"0x10"`, `" 1e1 "`), the operation is done on the
//! converted numbers with the VM's own arithmetic (so `"10" + 1` is the integer 11 and
//! `"7" // "0"` raises "attempt to divide by zero", as Lua words it). Otherwise the second
//! operand's own metamethod is tried — unless it is a string — and failing that the error is
//! lstrlib's: "attempt to add a 'string' with a 'table'" (plain type names, no variable
//! names). Bitwise operators have no string metamethods, as in Lua 5.4.
//!
//! Errors raised by the arithmetic itself (division by zero) come from inside the
//! metamethod in Lua, which is a C function, so they carry no position; ours neither.

use crate::number;
use crate::vm::convert;
use crate::vm::error::{LuaError, LuaResult};
use crate::vm::meta::{self, ArithOp};
use crate::vm::native::{Action, NativeCtx, NativeDef};
use crate::vm::value::Value;

type R<'gc> = LuaResult<'gc, Action<'gc>>;

/// The metamethods, registered in the string metatable under their field names.
pub static FUNCS: &[NativeDef] = &[
    NativeDef {
        name: "string.__add",
        func: add,
    },
    NativeDef {
        name: "string.__sub",
        func: sub,
    },
    NativeDef {
        name: "string.__mul",
        func: mul,
    },
    NativeDef {
        name: "string.__mod",
        func: mod_,
    },
    NativeDef {
        name: "string.__pow",
        func: pow,
    },
    NativeDef {
        name: "string.__div",
        func: div,
    },
    NativeDef {
        name: "string.__idiv",
        func: idiv,
    },
    NativeDef {
        name: "string.__unm",
        func: unm,
    },
];

/// lstrlib's `tonum`: numbers as they are, strings that are entirely a numeral converted.
fn tonum(v: Value<'_>) -> Option<Value<'_>> {
    match v {
        Value::Int(_) | Value::Float(_) => Some(v),
        Value::Str(s) => number::str_to_number(s.as_bytes()).map(convert::number_value),
        _ => None,
    }
}

fn arith<'gc>(nc: &mut NativeCtx<'gc, '_>, op: ArithOp) -> R<'gc> {
    let (a, mut b) = (nc.arg(1), nc.arg(2));
    nc.charge_coercion(a);
    nc.charge_coercion(b);
    let x = tonum(a);
    if nc.nargs() < 2 {
        // In C the converted first operand lands in stack slot 2 when there is no second
        // argument, and becomes the second operand.
        if let Some(x) = x {
            b = x;
        }
    }
    if let (Some(x), Some(y)) = (x, tonum(b)) {
        // For `__unm` the VM passes the operand twice, as Lua does.
        return match meta::arith_raw(op, x, y) {
            Ok(Some(v)) => nc.ret1(v),
            Ok(None) => Err(LuaError::rt("corrupt arithmetic")),
            // operation errors ("attempt to divide by zero") carry no position here
            Err(LuaError::Runtime(msg)) => Err(LuaError::op(msg)),
            Err(e) => Err(e),
        };
    }
    // trymt
    let event = op.tm();
    let tm = if matches!(b, Value::Str(_)) {
        Value::Nil
    } else {
        nc.ctx.metamethod(b, event)
    };
    if tm.is_nil() {
        return Err(LuaError::rt(format!(
            "attempt to {} a '{}' with a '{}'",
            event.event(),
            a.type_name(),
            b.type_name()
        )));
    }
    nc.ret(&[a, b])?;
    Ok(Action::TailCall { func: tm })
}

fn add<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    arith(nc, ArithOp::Add)
}

fn sub<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    arith(nc, ArithOp::Sub)
}

fn mul<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    arith(nc, ArithOp::Mul)
}

fn mod_<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    arith(nc, ArithOp::Mod)
}

fn pow<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    arith(nc, ArithOp::Pow)
}

fn div<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    arith(nc, ArithOp::Div)
}

fn idiv<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    arith(nc, ArithOp::IDiv)
}

fn unm<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    arith(nc, ArithOp::Unm)
}
