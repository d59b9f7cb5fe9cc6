//! The utf8 library, as Lua 5.4's `lutf8lib`: `char`, `charpattern`, `codes`, `codepoint`,
//! `len`, `offset`. Strict functions accept code points up to U+10FFFF without surrogates;
//! with `lax` they accept the original UTF-8 up to 2^31 - 1 (6-byte sequences), as Lua does.
//! Overlong encodings are always rejected. Work is charged per byte scanned.

use crate::compiler::utf8_encode as encode;
use crate::vm::error::{LuaError, LuaResult};
use crate::vm::exec::MAX_STACK;
use crate::vm::native::{Action, NativeCtx, NativeDef};
use crate::vm::state::Ctx;
use crate::vm::value::Value;

type R<'gc> = LuaResult<'gc, Action<'gc>>;

/// Bytes scanned per fuel unit.
pub use crate::limits::fuel::UTF8_BYTES_PER_FUEL as BYTES_PER_FUEL;

const MAXUNICODE: u32 = 0x10FFFF;
const MAXUTF: u32 = 0x7FFF_FFFF;

/// The pattern matching exactly one UTF-8 byte sequence.
pub const CHARPATTERN: &[u8] = b"[\0-\x7F\xC2-\xFD][\x80-\xBF]*";

/// The utf8 library's natives.
pub static FUNCS: &[NativeDef] = &[
    NativeDef {
        name: "utf8.char",
        func: char_,
    },
    NativeDef {
        name: "utf8.codepoint",
        func: codepoint,
    },
    NativeDef {
        name: "utf8.codes",
        func: codes,
    },
    NativeDef {
        name: "utf8.len",
        func: len,
    },
    NativeDef {
        name: "utf8.offset",
        func: offset,
    },
];

/// The iterator `utf8.codes` returns (strict).
pub static CODES_STRICT: NativeDef = NativeDef {
    name: "utf8.codes_iter",
    func: iter_strict,
};
/// The iterator `utf8.codes(s, true)` returns.
pub static CODES_LAX: NativeDef = NativeDef {
    name: "utf8.codes_iter_lax",
    func: iter_lax,
};

/// Opens the utf8 library.
pub fn open(ctx: Ctx<'_>) {
    let t = super::new_lib(ctx, "utf8", FUNCS);
    let _ = t.set(
        ctx.mc,
        ctx.str_value("charpattern"),
        Value::Str(ctx.new_str(CHARPATTERN)),
    );
}

fn charge_bytes(nc: &mut NativeCtx<'_, '_>, n: usize) {
    nc.charge((n / BYTES_PER_FUEL) as i64 + 1);
}

/// A relative string position: negative counts from the end (`u_posrelat`).
fn posrelat(pos: i64, len: usize) -> i64 {
    if pos >= 0 {
        pos
    } else if pos.unsigned_abs() > len as u64 {
        0
    } else {
        len as i64 + pos + 1
    }
}

fn iscont(s: &[u8], i: usize) -> bool {
    s.get(i).is_some_and(|&c| c & 0xC0 == 0x80)
}

/// Decodes one sequence at `s[i..]`: the code point and the index after it, or `None` if the
/// bytes there are not valid (bytes past the end read as NUL, like C's terminator).
pub fn decode(s: &[u8], i: usize, strict: bool) -> Option<(u32, usize)> {
    const LIMITS: [u32; 6] = [!0, 0x80, 0x800, 0x1_0000, 0x20_0000, 0x400_0000];
    let byte = |k: usize| s.get(k).copied().unwrap_or(0) as u32;
    let mut c = byte(i);
    let mut res: u32;
    let mut end = i;
    if c < 0x80 {
        res = c;
    } else {
        let mut count = 0usize;
        res = 0;
        while c & 0x40 != 0 {
            count += 1;
            let cc = byte(i + count);
            if cc & 0xC0 != 0x80 {
                return None;
            }
            res = (res << 6) | (cc & 0x3F);
            c <<= 1;
            if count > 5 {
                return None;
            }
        }
        res |= (c & 0x7F) << (count * 5);
        if count > 5 || res > MAXUTF || res < LIMITS[count] {
            return None;
        }
        end += count;
    }
    if strict && (res > MAXUNICODE || (0xD800..=0xDFFF).contains(&res)) {
        return None;
    }
    Some((res, end + 1))
}

fn len<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let s = nc.check_str(1)?.as_bytes();
    let l = s.len();
    let mut posi = posrelat(nc.opt_int(2, 1)?, l);
    let mut posj = posrelat(nc.opt_int(3, -1)?, l);
    let lax = nc.arg(4).truthy();
    posi -= 1;
    if !(0 <= posi && posi <= l as i64) {
        return Err(LuaError::bad_arg(2, "initial position out of bounds"));
    }
    posj -= 1;
    if posj >= l as i64 {
        return Err(LuaError::bad_arg(3, "final position out of bounds"));
    }
    let mut n: i64 = 0;
    let start = posi;
    while posi <= posj {
        match decode(s, posi as usize, !lax) {
            None => {
                charge_bytes(nc, (posi - start) as usize);
                return nc.ret(&[Value::Nil, Value::Int(posi + 1)]);
            }
            Some((_, next)) => posi = next as i64,
        }
        n += 1;
    }
    charge_bytes(nc, (posi - start).max(0) as usize);
    nc.ret1(Value::Int(n))
}

fn codepoint<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let s = nc.check_str(1)?.as_bytes();
    let l = s.len();
    let posi = posrelat(nc.opt_int(2, 1)?, l);
    let pose = posrelat(nc.opt_int(3, posi)?, l);
    let lax = nc.arg(4).truthy();
    if posi < 1 {
        return Err(LuaError::bad_arg(2, "out of bounds"));
    }
    if pose > l as i64 {
        return Err(LuaError::bad_arg(3, "out of bounds"));
    }
    if posi > pose {
        return nc.ret0();
    }
    let span = (pose - posi) as usize + 1;
    if pose - posi >= i32::MAX as i64 || nc.stack.len() + span > MAX_STACK {
        return Err(LuaError::rt("string slice too long"));
    }
    // At most one code point per byte, kept in a buffer and then on the stack.
    nc.reserve(
        nc.stack_growth_bytes(span)
            .saturating_add(span.saturating_mul(crate::vm::memory::VALUE_BYTES)),
    )?;
    charge_bytes(nc, span);
    let mut out = Vec::new();
    let mut i = (posi - 1) as usize;
    let end = pose as usize;
    while i < end {
        match decode(s, i, !lax) {
            None => return Err(LuaError::rt("invalid UTF-8 code")),
            Some((c, next)) => {
                out.push(Value::Int(c as i64));
                i = next;
            }
        }
    }
    nc.ret(&out)
}

fn char_<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let n = nc.nargs();
    let mut out = Vec::with_capacity(n.min(1 << 16));
    for i in 1..=n {
        let code = nc.check_int(i)? as u64;
        if code > MAXUTF as u64 {
            return Err(LuaError::bad_arg(i, "value out of range"));
        }
        encode(code as u32, &mut out);
    }
    charge_bytes(nc, out.len());
    let v = Value::Str(nc.ctx.new_string(out));
    nc.ret1(v)
}

fn offset<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let s = nc.check_str(1)?.as_bytes();
    let l = s.len() as i64;
    let mut n = nc.check_int(2)?;
    let default = if n >= 0 { 1 } else { l + 1 };
    let mut posi = posrelat(nc.opt_int(3, default)?, s.len());
    posi -= 1;
    if !(0 <= posi && posi <= l) {
        return Err(LuaError::bad_arg(3, "position out of bounds"));
    }
    let start = posi;
    let at = |p: i64| iscont(s, p as usize);
    if n == 0 {
        // find the beginning of the current byte sequence
        while posi > 0 && at(posi) {
            posi -= 1;
        }
    } else {
        if at(posi) {
            return Err(LuaError::rt("initial position is a continuation byte"));
        }
        if n < 0 {
            while n < 0 && posi > 0 {
                // find the beginning of the previous character
                posi -= 1;
                while posi > 0 && at(posi) {
                    posi -= 1;
                }
                n += 1;
            }
        } else {
            n -= 1; // do not move for the first character
            while n > 0 && posi < l {
                posi += 1;
                while at(posi) {
                    posi += 1;
                }
                n -= 1;
            }
        }
    }
    charge_bytes(nc, (posi - start).unsigned_abs() as usize);
    if n == 0 {
        nc.ret1(Value::Int(posi + 1))
    } else {
        nc.ret1(Value::Nil)
    }
}

fn codes<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let lax = nc.arg(2).truthy();
    let s = nc.check_str(1)?;
    let def = if lax { &CODES_LAX } else { &CODES_STRICT };
    let f = super::native(nc.ctx, def);
    nc.ret(&[f, Value::Str(s), Value::Int(0)])
}

fn iter_strict<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    iter_aux(nc, true)
}

fn iter_lax<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    iter_aux(nc, false)
}

fn iter_aux<'gc>(nc: &mut NativeCtx<'gc, '_>, strict: bool) -> R<'gc> {
    let s = nc.check_str(1)?.as_bytes();
    let len = s.len() as u64;
    let mut n = crate::vm::convert::to_integer(nc.arg(2)).unwrap_or(0) as u64;
    let start = n;
    if n < len {
        while iscont(s, n as usize) {
            n += 1; // skip continuation bytes
        }
    }
    charge_bytes(nc, n.saturating_sub(start) as usize);
    if n >= len {
        return nc.ret0();
    }
    match decode(s, n as usize, strict) {
        None => Err(LuaError::rt("invalid UTF-8 code")),
        Some((code, _)) => nc.ret(&[Value::Int(n as i64 + 1), Value::Int(code as i64)]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_decode_round_trip() {
        for &c in &[
            0u32,
            0x7f,
            0x80,
            0x7ff,
            0x800,
            0xffff,
            0x10000,
            0x10ffff,
            0x7fff_ffff,
        ] {
            let mut b = Vec::new();
            encode(c, &mut b);
            if c <= MAXUNICODE {
                assert_eq!(
                    char::from_u32(c).map(|ch| ch.to_string().into_bytes()),
                    Some(b.clone())
                );
            }
            assert_eq!(decode(&b, 0, false), Some((c, b.len())));
        }
    }

    #[test]
    fn rejects_overlong_and_truncated() {
        assert_eq!(decode(b"\xC0\x80", 0, false), None);
        assert_eq!(decode(b"\xE0\x80\x80", 0, false), None);
        assert_eq!(decode(b"\xC3", 0, false), None);
        assert_eq!(decode(b"\xFF\xBF\xBF\xBF\xBF\xBF\xBF\xBF", 0, false), None);
        assert_eq!(decode(b"\xED\xA0\x80", 0, true), None);
        assert_eq!(decode(b"\xED\xA0\x80", 0, false), Some((0xD800, 3)));
    }
}
