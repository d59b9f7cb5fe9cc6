//! `Value`: the 16-byte Lua value.
//!
//! Every variant's payload is one 8-byte word at the same offset (an integer, float bits or a
//! `Gc` pointer), and booleans are two payload-less variants: then a `Value` travels in two
//! registers, which PERFORMANCE.md measured as worth ~25% on call-heavy code. Floats are stored
//! as their bits for the same reason; use [`Value::float`] / [`F64::get`] to read them.

use gc_arena::{Collect, Gc};

use super::closure::{Closure, LightNative, NativeClosure};
use super::string::LuaStr;
use super::table::Table;
use super::thread::Thread;
use super::userdata::Userdata;

/// A float stored as its IEEE-754 bits (see the module docs for why).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Collect)]
#[collect(require_static)]
pub struct F64(pub u64);

impl F64 {
    /// Wraps a float.
    #[inline(always)]
    pub fn new(f: f64) -> F64 {
        F64(f.to_bits())
    }
    /// The float.
    #[inline(always)]
    pub fn get(self) -> f64 {
        f64::from_bits(self.0)
    }
}

/// A Lua value.
#[derive(Copy, Clone, Collect)]
#[collect(no_drop)]
pub enum Value<'gc> {
    /// `nil`
    Nil,
    /// `false`
    False,
    /// `true`
    True,
    /// An integer (64-bit, wrapping arithmetic).
    Int(i64),
    /// A float.
    Float(F64),
    /// A byte string.
    Str(LuaStr<'gc>),
    /// A table.
    Table(Table<'gc>),
    /// A Lua function (closure over a `Proto`).
    Function(Closure<'gc>),
    /// A native function with bound values (a heap object).
    Native(NativeClosure<'gc>),
    /// A native function without bound values (no heap object, see [`LightNative`]).
    LightNative(LightNative),
    /// A coroutine.
    Thread(Thread<'gc>),
    /// A full userdata.
    Userdata(Userdata<'gc>),
    /// A light userdata: an opaque 64-bit payload a host (or `debug.upvalueid`) hands out.
    /// It is a value, not an object: equal payloads are the same light userdata, it is never
    /// collected, and `tostring` shows the payload (never an address), so it is deterministic.
    LightUserdata(u64),
}

impl<'gc> Default for Value<'gc> {
    fn default() -> Self {
        Value::Nil
    }
}

impl<'gc> std::fmt::Debug for Value<'gc> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Nil => write!(f, "nil"),
            Value::False => write!(f, "false"),
            Value::True => write!(f, "true"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{:?}", x.get()),
            Value::Str(s) => write!(f, "{:?}", String::from_utf8_lossy(s.as_bytes())),
            other => write!(f, "{}", other.type_name()),
        }
    }
}

impl<'gc> Value<'gc> {
    /// A float value.
    #[inline(always)]
    pub fn float(f: f64) -> Value<'gc> {
        Value::Float(F64::new(f))
    }

    /// A boolean value.
    #[inline(always)]
    pub fn boolean(b: bool) -> Value<'gc> {
        if b {
            Value::True
        } else {
            Value::False
        }
    }

    /// Lua truthiness: everything but `nil` and `false` is true.
    #[inline(always)]
    pub fn truthy(self) -> bool {
        !matches!(self, Value::Nil | Value::False)
    }

    /// Whether the value is `nil`.
    #[inline(always)]
    pub fn is_nil(self) -> bool {
        matches!(self, Value::Nil)
    }

    /// The name `type()` returns.
    pub fn type_name(self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::False | Value::True => "boolean",
            Value::Int(_) | Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Table(_) => "table",
            Value::Function(_) | Value::Native(_) | Value::LightNative(_) => "function",
            Value::Thread(_) => "thread",
            Value::Userdata(_) | Value::LightUserdata(_) => "userdata",
        }
    }

    /// The value as a float if it is a number (no string coercion).
    #[inline(always)]
    pub fn as_float(self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(i as f64),
            Value::Float(f) => Some(f.get()),
            _ => None,
        }
    }

    /// The string, if the value is one.
    pub fn as_str(self) -> Option<LuaStr<'gc>> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Raw equality (`rawequal`): no metamethods; integers and floats compare mathematically.
    pub fn raw_eq(self, other: Value<'gc>) -> bool {
        match (self, other) {
            (Value::Nil, Value::Nil)
            | (Value::False, Value::False)
            | (Value::True, Value::True) => true,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a.get() == b.get(),
            (Value::Int(a), Value::Float(b)) | (Value::Float(b), Value::Int(a)) => {
                crate::number::int_eq_float(a, b.get())
            }
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Table(a), Value::Table(b)) => a == b,
            (Value::Function(a), Value::Function(b)) => a == b,
            (Value::Native(a), Value::Native(b)) => a == b,
            (Value::LightNative(a), Value::LightNative(b)) => a == b,
            (Value::Thread(a), Value::Thread(b)) => a == b,
            (Value::Userdata(a), Value::Userdata(b)) => a == b,
            (Value::LightUserdata(a), Value::LightUserdata(b)) => a == b,
            _ => false,
        }
    }

    /// Whether the value is a function (Lua or native).
    #[inline(always)]
    pub fn is_function(self) -> bool {
        matches!(
            self,
            Value::Function(_) | Value::Native(_) | Value::LightNative(_)
        )
    }

    /// The address-free identity of a heap object, used for hashing and ids.
    pub fn gc_ptr(self) -> Option<*const ()> {
        Some(match self {
            Value::Str(s) => Gc::as_ptr(s.0) as *const (),
            Value::Table(t) => t.as_ptr(),
            Value::Function(c) => Gc::as_ptr(c.0) as *const (),
            Value::Native(n) => Gc::as_ptr(n.0) as *const (),
            Value::LightNative(l) => l.0 as *const super::native::NativeDef as *const (),
            Value::Thread(t) => Gc::as_ptr(t.0) as *const (),
            Value::Userdata(u) => Gc::as_ptr(u.0) as *const (),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_is_sixteen_bytes() {
        assert_eq!(std::mem::size_of::<Value<'static>>(), 16);
    }
}
