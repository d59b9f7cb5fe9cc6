//! Conversions between values: number↔string coercions and the raw `tostring` form.

use super::state::Ctx;
use super::string::LuaStr;
use super::value::Value;
use crate::number::{self, Number};

/// A number value from a parsed numeral.
pub fn number_value<'gc>(n: Number) -> Value<'gc> {
    match n {
        Number::Int(i) => Value::Int(i),
        Number::Float(f) => Value::float(f),
    }
}

/// `tonumber` without a base: numbers as is, numeric strings converted.
#[inline]
pub fn to_number(v: Value<'_>) -> Option<Value<'_>> {
    match v {
        Value::Int(_) | Value::Float(_) => Some(v),
        Value::Str(s) => number::str_to_number(s.as_bytes()).map(number_value),
        _ => None,
    }
}

/// Bytes of a string scanned per fuel unit when converting it to a number.
pub use crate::limits::fuel::COERCION_BYTES_PER_FUEL;

/// Fuel for converting a string of `len` bytes to a number (free for short strings: the call
/// or instruction doing it already paid).
#[inline]
pub fn coercion_cost(len: usize) -> i64 {
    1 + (len / COERCION_BYTES_PER_FUEL) as i64
}

/// A value as a float (numbers and numeric strings).
pub fn to_float(v: Value<'_>) -> Option<f64> {
    to_number(v).and_then(|n| n.as_float())
}

/// A value as an integer (Lua's `luaV_tointeger` in exact mode): integers, floats with an
/// integral value, and strings holding either.
pub fn to_integer(v: Value<'_>) -> Option<i64> {
    match v {
        Value::Int(i) => Some(i),
        Value::Float(f) => number::float_to_int_exact(f.get()),
        Value::Str(_) => to_number(v).and_then(to_integer),
        _ => None,
    }
}

/// The text of a number (`%d` / `%.14g`).
pub fn number_to_string(v: Value<'_>) -> Option<String> {
    match v {
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(number::float_to_string(f.get())),
        _ => None,
    }
}

/// Coerces a string or number to a string (for concatenation and string functions).
pub fn to_str<'gc>(ctx: Ctx<'gc>, v: Value<'gc>) -> Option<LuaStr<'gc>> {
    match v {
        Value::Str(s) => Some(s),
        Value::Int(i) => Some(ctx.new_str(number::int_text(i, &mut [0; 20]))),
        Value::Float(_) => number_to_string(v).map(|s| ctx.new_str(s.as_bytes())),
        _ => None,
    }
}

/// Longest string that `%p` treats as interned (Lua's `LUAI_MAXSHORTLEN`).
pub const SHORT_STRING_MAX: usize = 40;

/// The deterministic id of a heap object, assigned on first use (strings: see below).
pub fn object_id<'gc>(ctx: Ctx<'gc>, v: Value<'gc>) -> u64 {
    let assign = |cur: u64, set: &mut dyn FnMut(u64)| -> u64 {
        if cur != 0 {
            cur
        } else {
            let id = ctx.fresh_id();
            set(id);
            id
        }
    };
    match v {
        Value::Table(t) => {
            let cur = t.id();
            assign(cur, &mut |id| t.set_id(ctx.mc, id))
        }
        Value::Function(c) => assign(c.0.id.get(), &mut |id| c.0.id.set(id)),
        Value::Native(n) => assign(n.0.id.get(), &mut |id| n.0.id.set(id)),
        Value::LightNative(l) => l.id(),
        Value::Thread(t) => assign(t.id().get(), &mut |id| t.id().set(id)),
        // Short strings behave as if interned (like Lua's, up to 40 bytes): equal contents give
        // the same id, derived from the bytes with a fixed (machine-independent) hash and kept
        // apart from counter ids by bit 55. Long strings are distinct objects with their own id.
        Value::Str(s) if s.len() <= SHORT_STRING_MAX => {
            let h = s.as_bytes().iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
            });
            (h & ((1u64 << 55) - 1)) | (1u64 << 55)
        }
        Value::Str(s) => assign(s.id().get(), &mut |id| s.id().set(id)),
        Value::Userdata(u) => {
            let cur = u.0.borrow().id;
            assign(cur, &mut |id| u.0.borrow_mut(ctx.mc).id = id)
        }
        // A light userdata is its payload (as Lua's is its pointer).
        Value::LightUserdata(p) => p,
        _ => 0,
    }
}

/// `tostring` without `__tostring` (but with `__name`): `table: 0x0000000000000007`.
pub fn tostring_raw<'gc>(ctx: Ctx<'gc>, v: Value<'gc>) -> Vec<u8> {
    match v {
        Value::Nil => b"nil".to_vec(),
        Value::True => b"true".to_vec(),
        Value::False => b"false".to_vec(),
        Value::Int(_) | Value::Float(_) => number_to_string(v).unwrap_or_default().into_bytes(),
        Value::Str(s) => s.as_bytes().to_vec(),
        _ => {
            let kind = match ctx.metamethod(v, super::state::Tm::Name) {
                Value::Str(s) if matches!(v, Value::Table(_) | Value::Userdata(_)) => {
                    s.to_str_lossy().into_owned()
                }
                _ => v.type_name().to_string(),
            };
            format!("{}: 0x{:014x}", kind, object_id(ctx, v)).into_bytes()
        }
    }
}

/// The type name used in messages: `__name` if the metatable has a string one.
pub fn type_name_for_msg<'gc>(ctx: Ctx<'gc>, v: Value<'gc>) -> String {
    if let Value::Table(_) | Value::Userdata(_) = v {
        if let Value::Str(s) = ctx.metamethod(v, super::state::Tm::Name) {
            return s.to_str_lossy().into_owned();
        }
    }
    v.type_name().to_string()
}
