//! `string.pack`, `string.unpack` and `string.packsize` (lstrlib's binary packing).
//!
//! Design note. The format language is parsed exactly as lstrlib parses it (`getoption`,
//! `getdetails`): same sizes as a 64-bit Linux build of Lua (`int` 4, `long` 8, `size_t` 8,
//! maximum alignment 8), same errors in the same order. "Native" endianness is little-endian
//! on every machine, so packed strings do not depend on where a VM runs.
//!
//! `pack` is the one function here whose output can dwarf its input (`"c2000000000"` pads
//! two gigabytes of zeros from an 11-byte format), so it writes each option's bytes through a
//! pending [`Fill`] drained a chunk at a time, and can be preempted between chunks with its
//! whole state in a [`StrCont::Pack`]. `unpack` and `packsize` only ever do work proportional
//! to their inputs (the format, and data that already exists), so they just charge for it.

use serde::{Deserialize, Serialize};

use super::{cont, cont_str, cost, posrelat_i, StrCont, MAX_RESULTS, MAX_STRING_SIZE};
use crate::vm::convert;
use crate::vm::error::{LuaError, LuaResult};
use crate::vm::native::{Action, NativeCtx};
use crate::vm::state::Ctx;
use crate::vm::string::LuaStr;
use crate::vm::value::Value;

type R<'gc> = LuaResult<'gc, Action<'gc>>;

/// Largest integer size (`MAXINTSIZE`).
const MAX_INT_SIZE: usize = 16;
/// Size of a Lua integer.
const SZINT: usize = 8;
/// Default maximum alignment for `!` (`offsetof(struct cD, u)` on 64-bit Linux).
const NATIVE_ALIGN: usize = 8;
/// `getnum` stops reading digits once the number exceeds this (`(MAXSIZE - 9) / 10`).
const GETNUM_LIMIT: usize = (i32::MAX as usize - 9) / 10;

/// Endianness and maximum alignment in effect.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    little: bool,
    maxalign: usize,
}

impl Header {
    fn new() -> Header {
        Header {
            little: true,
            maxalign: 1,
        }
    }
}

/// Option kinds (`KOption`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opt {
    Int,
    Uint,
    Float,
    Number,
    Double,
    Char,
    Str,
    Zstr,
    Padding,
    PaddAlign,
    Nop,
}

/// The format string as C sees it (up to the first NUL).
fn c_str(s: &[u8]) -> &[u8] {
    let end = s.iter().position(|&c| c == 0).unwrap_or(s.len());
    &s[..end]
}

fn getnum(fmt: &[u8], i: &mut usize, df: usize) -> usize {
    match fmt.get(*i) {
        Some(c) if c.is_ascii_digit() => {
            let mut a = 0usize;
            loop {
                match fmt.get(*i) {
                    Some(c) if c.is_ascii_digit() => {
                        a = a * 10 + (c - b'0') as usize;
                        *i += 1;
                    }
                    _ => break,
                }
                if a > GETNUM_LIMIT {
                    break;
                }
            }
            a
        }
        _ => df,
    }
}

fn getnumlimit<'gc>(fmt: &[u8], i: &mut usize, df: usize) -> LuaResult<'gc, usize> {
    let sz = getnum(fmt, i, df);
    if sz > MAX_INT_SIZE || sz == 0 {
        return Err(LuaError::rt(format!(
            "integral size ({sz}) out of limits [1,{MAX_INT_SIZE}]"
        )));
    }
    Ok(sz)
}

/// Reads the next option: its kind and size.
fn getoption<'gc>(
    ctx: Ctx<'gc>,
    h: &mut Header,
    fmt: &[u8],
    i: &mut usize,
) -> LuaResult<'gc, (Opt, usize)> {
    let opt = fmt.get(*i).copied().unwrap_or(0);
    *i += 1;
    Ok(match opt {
        b'b' => (Opt::Int, 1),
        b'B' => (Opt::Uint, 1),
        b'h' => (Opt::Int, 2),
        b'H' => (Opt::Uint, 2),
        b'l' | b'j' => (Opt::Int, 8),
        b'L' | b'J' | b'T' => (Opt::Uint, 8),
        b'f' => (Opt::Float, 4),
        b'n' => (Opt::Number, 8),
        b'd' => (Opt::Double, 8),
        b'i' => (Opt::Int, getnumlimit(fmt, i, 4)?),
        b'I' => (Opt::Uint, getnumlimit(fmt, i, 4)?),
        b's' => (Opt::Str, getnumlimit(fmt, i, 8)?),
        b'c' => {
            if !fmt.get(*i).is_some_and(u8::is_ascii_digit) {
                return Err(LuaError::rt("missing size for format option 'c'"));
            }
            (Opt::Char, getnum(fmt, i, 0))
        }
        b'z' => (Opt::Zstr, 0),
        b'x' => (Opt::Padding, 1),
        b'X' => (Opt::PaddAlign, 0),
        b' ' => (Opt::Nop, 0),
        b'<' | b'=' => {
            h.little = true;
            (Opt::Nop, 0)
        }
        b'>' => {
            h.little = false;
            (Opt::Nop, 0)
        }
        b'!' => {
            h.maxalign = getnumlimit(fmt, i, NATIVE_ALIGN)?;
            (Opt::Nop, 0)
        }
        other => {
            let mut msg = b"invalid format option '".to_vec();
            msg.push(other);
            msg.push(b'\'');
            return Err(LuaError::Where(ctx.new_string(msg)));
        }
    })
}

/// Reads the next option with its alignment padding (`getdetails`): kind, size, padding.
fn getdetails<'gc>(
    ctx: Ctx<'gc>,
    h: &mut Header,
    total: usize,
    fmt: &[u8],
    i: &mut usize,
) -> LuaResult<'gc, (Opt, usize, usize)> {
    let (opt, size) = getoption(ctx, h, fmt, i)?;
    let mut align = size;
    if opt == Opt::PaddAlign {
        if *i >= fmt.len() {
            return Err(LuaError::bad_arg(1, "invalid next option for option 'X'"));
        }
        let (next, a) = getoption(ctx, h, fmt, i)?;
        if next == Opt::Char || a == 0 {
            return Err(LuaError::bad_arg(1, "invalid next option for option 'X'"));
        }
        align = a;
    }
    let ntoalign = if align <= 1 || opt == Opt::Char {
        0
    } else {
        let align = align.min(h.maxalign);
        if !align.is_power_of_two() {
            return Err(LuaError::bad_arg(
                1,
                "format asks for alignment not power of 2",
            ));
        }
        (align - (total & (align - 1))) & (align - 1)
    };
    Ok((opt, size, ntoalign))
}

/// Appends `n` in `size` bytes.
fn packint(out: &mut Vec<u8>, mut n: u64, little: bool, size: usize, neg: bool) {
    let mut bytes = vec![0u8; size];
    for i in 0..size {
        let b = if i < SZINT {
            let b = (n & 0xff) as u8;
            n >>= 8;
            b
        } else if neg {
            0xff
        } else {
            0
        };
        bytes[if little { i } else { size - 1 - i }] = b;
    }
    out.extend_from_slice(&bytes);
}

fn put_bytes(out: &mut Vec<u8>, native_le: &[u8], little: bool) {
    if little {
        out.extend_from_slice(native_le);
    } else {
        out.extend(native_le.iter().rev());
    }
}

/// Bytes still to write for the current option: `args[arg]`'s bytes from `from`, then
/// `zeros` zero bytes.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Fill {
    /// Index into the saved arguments of the string to copy (`None`: nothing to copy).
    arg: Option<usize>,
    from: usize,
    zeros: usize,
}

/// Progress of a `string.pack` call.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct PackProgress {
    /// Offset in the format of the next option.
    pos: usize,
    /// Lua's `arg`: the argument number last consumed (1 = the format itself).
    arg: usize,
    header: Header,
    /// Lua's `totalsize` (for alignment).
    total: usize,
    out: Vec<u8>,
    fill: Fill,
}

impl PackProgress {
    /// Bytes of output held (see `ContG::heap_bytes`).
    pub fn heap_bytes(&self) -> usize {
        self.out.len()
    }
}

/// Saved argument `n` (Lua numbering; the format is 1).
fn saved<'gc>(args: &[Value<'gc>], n: usize) -> Option<Value<'gc>> {
    n.checked_sub(2).and_then(|i| args.get(i)).copied()
}

fn type_error<'gc>(
    nc: &NativeCtx<'gc, '_>,
    v: Option<Value<'gc>>,
    n: usize,
    expected: &str,
) -> LuaError<'gc> {
    // In C a nil pushed by `pack` sits right after the arguments: a missing one is "nil".
    let got = match v {
        None => "nil".to_string(),
        Some(v) => convert::type_name_for_msg(nc.ctx, v),
    };
    LuaError::bad_arg(n, format!("{expected} expected, got {got}"))
}

fn arg_int<'gc>(nc: &mut NativeCtx<'gc, '_>, args: &[Value<'gc>], n: usize) -> LuaResult<'gc, i64> {
    let v = saved(args, n);
    if let Some(v) = v {
        nc.charge_coercion(v);
    }
    match v.and_then(convert::to_integer) {
        Some(i) => Ok(i),
        None if v.and_then(convert::to_number).is_some() => {
            Err(LuaError::bad_arg(n, "number has no integer representation"))
        }
        None => Err(type_error(nc, v, n, "number")),
    }
}

fn arg_float<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    args: &[Value<'gc>],
    n: usize,
) -> LuaResult<'gc, f64> {
    let v = saved(args, n);
    if let Some(v) = v {
        nc.charge_coercion(v);
    }
    v.and_then(convert::to_float)
        .ok_or_else(|| type_error(nc, v, n, "number"))
}

fn arg_str<'gc>(
    nc: &NativeCtx<'gc, '_>,
    args: &mut [Value<'gc>],
    n: usize,
) -> LuaResult<'gc, LuaStr<'gc>> {
    let v = saved(args, n);
    match v.and_then(|v| convert::to_str(nc.ctx, v)) {
        Some(s) => {
            // keep the converted string, so a preempted fill copies the same bytes
            if let Some(slot) = n.checked_sub(2).and_then(|i| args.get_mut(i)) {
                *slot = Value::Str(s);
            }
            Ok(s)
        }
        None => Err(type_error(nc, v, n, "string")),
    }
}

/// `string.pack(fmt, v1, v2, ...)`.
pub fn pack<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let fmt = nc.check_str(1)?;
    let args = nc.args().get(1..).unwrap_or(&[]).to_vec();
    let st = PackProgress {
        pos: 0,
        arg: 1,
        header: Header::new(),
        total: 0,
        out: Vec::new(),
        fill: Fill::default(),
    };
    run_pack(nc, fmt, args, st)
}

/// Continues a preempted `pack`.
pub fn resume_pack<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    fmt: Value<'gc>,
    args: Vec<Value<'gc>>,
    st: PackProgress,
) -> R<'gc> {
    run_pack(nc, cont_str(fmt)?, args, st)
}

fn run_pack<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    fmt_s: LuaStr<'gc>,
    mut args: Vec<Value<'gc>>,
    mut st: PackProgress,
) -> R<'gc> {
    let fmt = c_str(fmt_s.as_bytes());
    loop {
        // drain the pending fill a chunk at a time
        loop {
            let copy: &[u8] = match st.fill.arg {
                Some(i) => match args.get(i) {
                    Some(Value::Str(s)) => s.as_bytes().get(st.fill.from..).unwrap_or(&[]),
                    _ => return Err(LuaError::rt("corrupt string library state")),
                },
                None => &[],
            };
            if copy.is_empty() && st.fill.zeros == 0 {
                st.fill = Fill::default();
                break;
            }
            if nc.fuel_left() <= 0 {
                nc.clear();
                let c = StrCont::Pack {
                    fmt: Value::Str(fmt_s),
                    args,
                    st,
                };
                return Ok(Action::Preempt { cont: cont(c) });
            }
            if !copy.is_empty() {
                let n = copy.len().min(cost::CHUNK);
                st.out.extend_from_slice(&copy[..n]);
                st.fill.from += n;
                nc.charge(cost::bytes(n));
            } else {
                let n = st.fill.zeros.min(cost::CHUNK);
                st.out.resize(st.out.len() + n, 0);
                st.fill.zeros -= n;
                nc.charge(cost::bytes(n));
            }
        }
        if st.pos >= fmt.len() {
            break;
        }
        if nc.fuel_left() <= 0 {
            nc.clear();
            let c = StrCont::Pack {
                fmt: Value::Str(fmt_s),
                args,
                st,
            };
            return Ok(Action::Preempt { cont: cont(c) });
        }
        nc.charge(cost::ITEM);
        let (opt, size, ntoalign) = getdetails(nc.ctx, &mut st.header, st.total, fmt, &mut st.pos)?;
        st.total = st.total.saturating_add(ntoalign + size);
        st.out.resize(st.out.len() + ntoalign, 0);
        st.arg = st.arg.saturating_add(1);
        let arg = st.arg;
        let little = st.header.little;
        match opt {
            Opt::Int => {
                let n = arg_int(nc, &args, arg)?;
                if size < SZINT {
                    let lim = 1i64 << (size * 8 - 1);
                    if !(-lim <= n && n < lim) {
                        return Err(LuaError::bad_arg(arg, "integer overflow"));
                    }
                }
                packint(&mut st.out, n as u64, little, size, n < 0);
            }
            Opt::Uint => {
                let n = arg_int(nc, &args, arg)?;
                if size < SZINT && (n as u64) >= (1u64 << (size * 8)) {
                    return Err(LuaError::bad_arg(arg, "unsigned overflow"));
                }
                packint(&mut st.out, n as u64, little, size, false);
            }
            Opt::Float => {
                let f = arg_float(nc, &args, arg)? as f32;
                put_bytes(&mut st.out, &f.to_le_bytes(), little);
            }
            Opt::Number | Opt::Double => {
                let f = arg_float(nc, &args, arg)?;
                put_bytes(&mut st.out, &f.to_le_bytes(), little);
            }
            Opt::Char => {
                let s = arg_str(nc, &mut args, arg)?;
                if s.len() > size {
                    return Err(LuaError::bad_arg(arg, "string longer than given size"));
                }
                st.fill = Fill {
                    arg: Some(arg.saturating_sub(2)),
                    from: 0,
                    zeros: size - s.len(),
                };
            }
            Opt::Str => {
                let s = arg_str(nc, &mut args, arg)?;
                let len = s.len();
                if !(size >= 8 || (len as u64) < (1u64 << (size * 8))) {
                    return Err(LuaError::bad_arg(
                        arg,
                        "string length does not fit in given size",
                    ));
                }
                packint(&mut st.out, len as u64, little, size, false);
                st.total = st.total.saturating_add(len);
                st.fill = Fill {
                    arg: Some(arg.saturating_sub(2)),
                    from: 0,
                    zeros: 0,
                };
            }
            Opt::Zstr => {
                let s = arg_str(nc, &mut args, arg)?;
                if s.as_bytes().contains(&0) {
                    return Err(LuaError::bad_arg(arg, "string contains zeros"));
                }
                st.total = st.total.saturating_add(s.len() + 1);
                st.fill = Fill {
                    arg: Some(arg.saturating_sub(2)),
                    from: 0,
                    zeros: 1,
                };
            }
            Opt::Padding => {
                st.out.push(0);
                st.arg = st.arg.saturating_sub(1);
            }
            Opt::PaddAlign | Opt::Nop => st.arg = st.arg.saturating_sub(1),
        }
        if st.total > MAX_STRING_SIZE {
            return Err(super::too_large());
        }
    }
    let v = Value::Str(nc.ctx.new_string(st.out));
    nc.ret1(v)
}

/// `string.packsize(fmt)`.
pub fn packsize<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let fmt_s = nc.check_str(1)?;
    let fmt = c_str(fmt_s.as_bytes());
    let mut h = Header::new();
    let mut i = 0;
    let mut total: usize = 0;
    while i < fmt.len() {
        nc.charge(cost::ITEM);
        let (opt, size, ntoalign) = getdetails(nc.ctx, &mut h, total, fmt, &mut i)?;
        if opt == Opt::Str || opt == Opt::Zstr {
            return Err(LuaError::bad_arg(1, "variable-length format"));
        }
        let size = size + ntoalign;
        if total > (i32::MAX as usize).saturating_sub(size) {
            return Err(LuaError::bad_arg(1, "format result too large"));
        }
        total += size;
    }
    nc.ret1(Value::Int(total as i64))
}

/// Reads an integer of `size` bytes (`unpackint`).
fn unpackint<'gc>(b: &[u8], little: bool, size: usize, signed: bool) -> LuaResult<'gc, i64> {
    let at = |i: usize| {
        b.get(if little { i } else { size - 1 - i })
            .copied()
            .unwrap_or(0)
    };
    let limit = size.min(SZINT);
    let mut res: u64 = 0;
    for i in (0..limit).rev() {
        res = (res << 8) | at(i) as u64;
    }
    if size < SZINT {
        if signed {
            let mask = 1u64 << (size * 8 - 1);
            res = (res ^ mask).wrapping_sub(mask);
        }
    } else if size > SZINT {
        let mask = if !signed || (res as i64) >= 0 {
            0
        } else {
            0xff
        };
        for i in limit..size {
            if at(i) != mask {
                return Err(LuaError::rt(format!(
                    "{size}-byte integer does not fit into Lua Integer"
                )));
            }
        }
    }
    Ok(res as i64)
}

/// `string.unpack(fmt, s [, pos])`.
pub fn unpack<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let fmt_s = nc.check_str(1)?;
    let data_s = nc.check_str(2)?;
    let fmt = c_str(fmt_s.as_bytes());
    let data = data_s.as_bytes();
    let ld = data.len();
    let pos = posrelat_i(nc.opt_int(3, 1)?, ld) - 1;
    if pos > ld as u64 {
        return Err(LuaError::bad_arg(3, "initial position out of string"));
    }
    let mut pos = pos as usize;
    let mut h = Header::new();
    let mut i = 0;
    let mut results: Vec<Value<'gc>> = Vec::new();
    let room = MAX_RESULTS.saturating_sub(nc.stack.len());
    while i < fmt.len() {
        nc.charge(cost::ITEM);
        let (opt, size, ntoalign) = getdetails(nc.ctx, &mut h, pos, fmt, &mut i)?;
        if ntoalign + size > ld - pos {
            return Err(LuaError::bad_arg(2, "data string too short"));
        }
        pos += ntoalign;
        if results.len() + 2 > room {
            return Err(LuaError::rt("stack overflow (too many results)"));
        }
        let item = &data[pos..pos + size];
        let v = match opt {
            Opt::Int | Opt::Uint => Some(Value::Int(unpackint(
                item,
                h.little,
                size,
                opt == Opt::Int,
            )?)),
            Opt::Float => {
                let mut b = [0u8; 4];
                b.copy_from_slice(item);
                if !h.little {
                    b.reverse();
                }
                Some(Value::float(f32::from_le_bytes(b) as f64))
            }
            Opt::Number | Opt::Double => {
                let mut b = [0u8; 8];
                b.copy_from_slice(item);
                if !h.little {
                    b.reverse();
                }
                Some(Value::float(f64::from_le_bytes(b)))
            }
            Opt::Char => {
                nc.charge(cost::bytes(size));
                Some(nc.str_value(item))
            }
            Opt::Str => {
                let len = unpackint(item, h.little, size, false)? as u64;
                if len > (ld - pos - size) as u64 {
                    return Err(LuaError::bad_arg(2, "data string too short"));
                }
                let len = len as usize;
                let start = pos + size;
                nc.charge(cost::bytes(len));
                let v = nc.str_value(&data[start..start + len]);
                pos += len;
                Some(v)
            }
            Opt::Zstr => {
                let len = data[pos..].iter().position(|&c| c == 0);
                let Some(len) = len else {
                    return Err(LuaError::bad_arg(2, "unfinished string for format 'z'"));
                };
                nc.charge(cost::bytes(len));
                let v = nc.str_value(&data[pos..pos + len]);
                pos += len + 1;
                Some(v)
            }
            Opt::Padding | Opt::PaddAlign | Opt::Nop => None,
        };
        if let Some(v) = v {
            results.push(v);
        }
        pos += size;
    }
    results.push(Value::Int(pos as i64 + 1));
    nc.ret(&results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_round_trip() {
        for (n, size) in [
            (-1i64, 16usize),
            (12345, 3),
            (-300, 2),
            (i64::MIN, 8),
            (i64::MAX, 9),
        ] {
            for little in [true, false] {
                let mut out = Vec::new();
                packint(&mut out, n as u64, little, size, n < 0);
                assert_eq!(out.len(), size);
                assert_eq!(unpackint(&out, little, size, true).ok(), Some(n));
            }
        }
    }
}
