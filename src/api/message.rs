//! [`Message`]: plain data copied between VMs (an agent's `send`, the host's `post`).
//!
//! Two VMs never share an object: a message is converted out of the sender's heap into this
//! owned form and built again in the receiver's, so the receiver gets its own tables and a
//! later change on either side is invisible to the other. Only plain data travels — nil,
//! booleans, numbers, strings and tables of those (keys too); functions, coroutines and
//! userdata are an error for the sender. A table keeps the sender's iteration order, so the
//! copy is built the same way every run (determinism).

use serde::{Deserialize, Serialize};

use super::context::Context;
use super::convert::{FromLua, IntoLua, LuaValue};
use super::error::{Error, Result};
use crate::vm::value::Value as VmValue;

/// Deepest table nesting a message may have: deeper is an error (this also stops a table
/// that contains itself).
pub const MESSAGE_MAX_DEPTH: usize = 64;

/// Largest size of one message, counted as 16 bytes per value plus string bytes: a copy
/// outside any VM's memory budget must stay small (inboxes hold many of them).
pub const MESSAGE_MAX_BYTES: usize = 1 << 20;

/// A plain-data value copied between VMs (see the module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Message {
    /// nil
    Nil,
    /// boolean
    Bool(bool),
    /// integer
    Int(i64),
    /// float
    Float(f64),
    /// string (bytes)
    Str(#[serde(with = "serde_bytes")] Vec<u8>),
    /// a table: its pairs in the sender's iteration order
    Table(Vec<(Message, Message)>),
}

impl Message {
    /// The size this message counts for [`MESSAGE_MAX_BYTES`] (and for fuel).
    pub fn size(&self) -> usize {
        match self {
            Message::Str(s) => 16 + s.len(),
            Message::Table(pairs) => {
                16 + pairs
                    .iter()
                    .map(|(k, v)| k.size() + v.size())
                    .sum::<usize>()
            }
            _ => 16,
        }
    }

    /// The string's text (lossy UTF-8), if the message is a string.
    pub fn as_str(&self) -> Option<std::borrow::Cow<'_, str>> {
        match self {
            Message::Str(s) => Some(String::from_utf8_lossy(s)),
            _ => None,
        }
    }
}

impl From<bool> for Message {
    fn from(b: bool) -> Message {
        Message::Bool(b)
    }
}

impl From<i64> for Message {
    fn from(i: i64) -> Message {
        Message::Int(i)
    }
}

impl From<f64> for Message {
    fn from(f: f64) -> Message {
        Message::Float(f)
    }
}

impl From<&str> for Message {
    fn from(s: &str) -> Message {
        Message::Str(s.as_bytes().to_vec())
    }
}

impl From<String> for Message {
    fn from(s: String) -> Message {
        Message::Str(s.into_bytes())
    }
}

/// Copies `v` out of a heap, counting its size against [`MESSAGE_MAX_BYTES`].
fn copy_out<'gc>(
    cx: &Context<'gc>,
    v: VmValue<'gc>,
    depth: usize,
    size: &mut usize,
) -> Result<Message> {
    *size += 16;
    let m = match v {
        VmValue::Nil => Message::Nil,
        VmValue::False => Message::Bool(false),
        VmValue::True => Message::Bool(true),
        VmValue::Int(i) => Message::Int(i),
        VmValue::Float(f) => Message::Float(f.get()),
        VmValue::Str(s) => {
            *size += s.as_bytes().len();
            Message::Str(s.as_bytes().to_vec())
        }
        VmValue::Table(t) => {
            if depth >= MESSAGE_MAX_DEPTH {
                return Err(Error::msg(format!(
                    "message nested more than {MESSAGE_MAX_DEPTH} tables deep (or a table that contains itself)"
                )));
            }
            let mut pairs = Vec::new();
            for (k, v) in super::convert::pairs(cx, t) {
                let k = copy_out(cx, k, depth + 1, size)?;
                let v = copy_out(cx, v, depth + 1, size)?;
                pairs.push((k, v));
                if *size > MESSAGE_MAX_BYTES {
                    break;
                }
            }
            Message::Table(pairs)
        }
        other => {
            return Err(Error::msg(format!(
                "a message is plain data (nil, booleans, numbers, strings, tables), not a {}",
                other.type_name()
            )))
        }
    };
    if *size > MESSAGE_MAX_BYTES {
        return Err(Error::msg(format!(
            "message larger than {MESSAGE_MAX_BYTES} bytes"
        )));
    }
    Ok(m)
}

impl FromLua for Message {
    /// Copies the value out (charging one fuel unit per 64 bytes of it).
    fn from_lua<'gc>(v: LuaValue<'gc>, cx: &Context<'gc>) -> Result<Self> {
        let mut size = 0;
        let m = copy_out(cx, v.0, 0, &mut size)?;
        cx.charge(size as u64 / 64);
        Ok(m)
    }
}

/// Copies `v` out as plain data without charging fuel (record/replay's own copies).
pub(crate) fn copy_out_plain<'gc>(cx: &Context<'gc>, v: VmValue<'gc>) -> Result<Message> {
    copy_out(cx, v, 0, &mut 0)
}

/// Builds `m` in a heap (without charging fuel).
pub(crate) fn build<'gc>(cx: &Context<'gc>, m: &Message) -> VmValue<'gc> {
    match m {
        Message::Nil => VmValue::Nil,
        Message::Bool(b) => VmValue::boolean(*b),
        Message::Int(i) => VmValue::Int(*i),
        Message::Float(f) => VmValue::float(*f),
        Message::Str(s) => cx.string(s),
        Message::Table(pairs) => {
            let ctx = cx.ctx;
            let t = ctx.new_table();
            for (k, v) in pairs {
                let k = build(cx, k);
                // A nil or NaN key cannot come from a Lua table; from the host it is skipped
                // (as a table cannot hold it).
                let nan = matches!(k, VmValue::Float(f) if f.get().is_nan());
                if !k.is_nil() && !nan {
                    let v = build(cx, v);
                    ctx.store_always(t, k, v);
                }
            }
            VmValue::Table(t)
        }
    }
}

impl IntoLua for Message {
    #[inline]
    fn into_lua<'gc>(self, cx: &Context<'gc>) -> Result<LuaValue<'gc>> {
        (&self).into_lua(cx)
    }
}

impl IntoLua for &Message {
    /// Builds a fresh copy (charging one fuel unit per 64 bytes of it).
    #[inline]
    fn into_lua<'gc>(self, cx: &Context<'gc>) -> Result<LuaValue<'gc>> {
        cx.charge(self.size() as u64 / 64);
        Ok(LuaValue(build(cx, self)))
    }
}
