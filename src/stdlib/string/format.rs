//! `string.format`: Lua 5.4's `str_format` with a C-`printf`-compatible formatter.
//!
//! Design note. Lua validates each conversion specification itself (`getformat`,
//! `checkformat`: which flags each conversion accepts, at most two digits of width and of
//! precision) and then hands it to the C library's `sprintf`. We do the same validation, in
//! the same order (so the same error wins when several apply), and then format in Rust with
//! glibc's exact output: correctly rounded decimal conversions (Rust's float formatting is
//! exact, ties to even, like glibc), `%a` with glibc's digit choice (leading digit 1 for
//! normal numbers, 0 for subnormals, trailing zeros dropped, round-half-even when a precision
//! is given), `inf`/`-nan` spelled as glibc does.
//!
//! The work is resumable: the whole state (`Progress`: position in the format string, last
//! argument used, output so far) lives in a [`StrCont::Format`] together with the format
//! string and the arguments, so `format` can be preempted between items (or inside a long run
//! of literal text) and can call a `__tostring` metamethod for `%s` as a Lua call.
//!
//! `%p` prints an object's deterministic id (what `tostring` shows) instead of an address,
//! and `(null)` for values that are not objects — including strings, which have no identity
//! here.

use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

use super::{cont, cont_str, cost, StrCont, MAX_STRING_SIZE};
use crate::number::{fmt_e, fmt_f, fmt_g};
use crate::stdlib::base;
use crate::vm::convert::{self, tostring_raw};
use crate::vm::error::{LuaError, LuaResult};
use crate::vm::native::{Action, NativeCtx};
use crate::vm::state::Tm;
use crate::vm::string::LuaStr;
use crate::vm::value::Value;

type R<'gc> = LuaResult<'gc, Action<'gc>>;

/// Flags accepted by `a A e E f g G`.
const FLAGS_F: &[u8] = b"-+#0 ";
/// Flags accepted by `o x X`.
const FLAGS_X: &[u8] = b"-#0";
/// Flags accepted by `d i`.
const FLAGS_I: &[u8] = b"-+0 ";
/// Flags accepted by `u`.
const FLAGS_U: &[u8] = b"-0";
/// Flags accepted by `c p s`.
const FLAGS_C: &[u8] = b"-";
/// Lua's `MAX_FORMAT`: a specification (with `%`) of 22 bytes or more is "too long".
const MAX_SPEC: usize = 32 - 10;

/// Progress of a `string.format` call.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Progress {
    /// Offset of the next unprocessed byte of the format string.
    pos: usize,
    /// Lua's `arg`: the argument number last consumed (1 = the format string itself).
    arg: usize,
    /// The output so far.
    out: Vec<u8>,
    /// The specification (`"%-5s"`) of a `%s` item waiting for its `__tostring` result.
    pending: Option<Vec<u8>>,
    /// A long string (the continuation's `text`) being copied into the output.
    copy: Option<Copy>,
}

/// A string being copied into the output a chunk at a time.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq)]
pub struct Copy {
    /// Next byte to copy.
    from: usize,
    /// Whether it is a `%q` string (escaped, closing quote at the end).
    quoted: bool,
}

/// `string.format(fmt, ...)`.
impl Progress {
    /// Bytes of output and pending text held (see `ContG::heap_bytes`).
    pub fn heap_bytes(&self) -> usize {
        self.out.len() + self.pending.as_ref().map_or(0, |p| p.len())
    }
}

pub fn format<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let fmt = nc.check_str(1)?;
    // (On the stack for the common call: a continuation takes them only if it needs them.)
    let args: SmallVec<[Value<'gc>; 8]> =
        nc.args().get(1..).unwrap_or(&[]).iter().copied().collect();
    run(
        nc,
        fmt,
        &args,
        Value::Nil,
        Progress {
            arg: 1,
            // Room for the literal text and a few short items.
            out: output_buffer(fmt.len().saturating_add(32).min(SPARE_OUT_MAX)),
            ..Progress::default()
        },
    )
}

/// Continues `format` after a preemption or a `__tostring` call.
pub fn resume<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    fmt: Value<'gc>,
    args: Vec<Value<'gc>>,
    text: Value<'gc>,
    mut st: Progress,
) -> R<'gc> {
    let fmt = cont_str(fmt)?;
    let mut text = text;
    if let Some(form) = st.pending.take() {
        let s = match nc.arg(1) {
            Value::Str(s) => s,
            _ => nc.ctx.new_string(base::tostring_result(nc)?),
        };
        let argn = st.arg;
        text = add_string(&mut st, &form, s, argn)?;
    }
    run(nc, fmt, &args, text, st)
}

fn run<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    fmt: LuaStr<'gc>,
    args: &[Value<'gc>],
    mut text: Value<'gc>,
    mut st: Progress,
) -> R<'gc> {
    let bytes = fmt.as_bytes();
    let top = args.len() + 1;
    loop {
        if st.out.len() > MAX_STRING_SIZE {
            return Err(super::too_large());
        }
        let copying = st.copy.is_some();
        if !copying && st.pos >= bytes.len() {
            break;
        }
        if nc.fuel_left() <= 0 {
            nc.clear();
            let c = StrCont::Format {
                fmt: Value::Str(fmt),
                args: args.to_vec(),
                text,
                st,
            };
            return Ok(Action::Preempt { cont: cont(c) });
        }
        if let Some(copy) = &mut st.copy {
            let src = cont_str(text)?.as_bytes();
            let chunk = if copy.quoted {
                cost::QUOTE_CHUNK
            } else {
                cost::CHUNK
            };
            let end = copy.from.saturating_add(chunk).min(src.len());
            let before = st.out.len();
            // `%q` examines every byte as well as producing its escape: charged for both.
            let scanned = if copy.quoted { end - copy.from } else { 0 };
            nc.charge(cost::quote_scan(scanned));
            if copy.quoted {
                add_quoted_range(&mut st.out, src, copy.from, end);
            } else {
                st.out
                    .extend_from_slice(src.get(copy.from..end).unwrap_or(&[]));
            }
            copy.from = end;
            if end >= src.len() {
                if copy.quoted {
                    st.out.push(b'"');
                }
                st.copy = None;
                text = Value::Nil;
            }
            nc.charge(cost::bytes(st.out.len() - before));
            continue;
        }
        let rest = &bytes[st.pos..];
        if rest[0] != b'%' {
            // literal text up to the next '%', at most a chunk at a time
            let lim = rest.len().min(cost::CHUNK);
            let n = rest[..lim].iter().position(|&c| c == b'%').unwrap_or(lim);
            st.out.extend_from_slice(&rest[..n]);
            st.pos += n;
            nc.charge(cost::bytes(n));
            continue;
        }
        // C reads the terminating NUL after a final '%'.
        let next = rest.get(1).copied().unwrap_or(0);
        if next == b'%' {
            st.out.push(b'%');
            st.pos += 2;
            continue;
        }
        nc.charge(cost::ITEM);
        st.arg = st.arg.saturating_add(1);
        if st.arg > top {
            return Err(LuaError::bad_arg(st.arg, "no value"));
        }
        // getformat: flags, digits and '.' (a NUL ends the span), then the conversion.
        let spec = &rest[1..];
        let span = spec
            .iter()
            .take_while(|&&c| matches!(c, b'-' | b'+' | b'#' | b' ' | b'.' | b'0'..=b'9'))
            .count();
        if span + 1 >= MAX_SPEC {
            return Err(LuaError::rt("invalid format (too long)"));
        }
        let conv = spec.get(span).copied().unwrap_or(0);
        let mut form: SmallVec<[u8; MAX_SPEC + 2]> = SmallVec::new();
        form.push(b'%');
        form.extend_from_slice(&spec[..span]);
        form.push(conv);
        st.pos += 1 + span + 1;
        let argn = st.arg;
        let v = argn
            .checked_sub(2)
            .and_then(|i| args.get(i))
            .copied()
            .unwrap_or(Value::Nil);
        let before = st.out.len();
        match conv {
            b'c' => {
                let f = check_format(&form, FLAGS_C, false)?;
                let n = arg_int(nc, v, argn)?;
                emit(&mut st.out, &f, b"", &[n as u8], false);
            }
            b'd' | b'i' => {
                let n = arg_int(nc, v, argn)?;
                let f = check_format(&form, FLAGS_I, true)?;
                format_int(&mut st.out, &f, n);
            }
            b'u' | b'o' | b'x' | b'X' => {
                let n = arg_int(nc, v, argn)?;
                let flags = if conv == b'u' { FLAGS_U } else { FLAGS_X };
                let f = check_format(&form, flags, true)?;
                format_unsigned(&mut st.out, &f, n as u64);
            }
            b'a' | b'A' => {
                let f = check_format(&form, FLAGS_F, true)?;
                let x = arg_float(nc, v, argn)?;
                // At most 13 hexadecimal digits: a float conversion's fixed cost.
                nc.charge(crate::limits::fuel::FLOAT_FORMAT);
                format_float(&mut st.out, &f, x);
            }
            b'e' | b'E' | b'f' | b'g' | b'G' => {
                let x = arg_float(nc, v, argn)?;
                let f = check_format(&form, FLAGS_F, true)?;
                // Digit generation, by the significant digits the conversion makes.
                let prec = f.precision.unwrap_or(6) as i64;
                let digits = match conv {
                    b'e' | b'E' => prec + 1,
                    b'f' => (crate::limits::fuel::decimal_exponent(x) + 1 + prec).max(0),
                    _ => prec.max(1),
                };
                nc.charge(crate::limits::fuel::float_format_cost(x, digits));
                format_float(&mut st.out, &f, x);
            }
            b'p' => {
                let f = check_format(&form, FLAGS_C, false)?;
                let text = match v {
                    Value::Str(_)
                    | Value::Table(_)
                    | Value::Function(_)
                    | Value::Native(_)
                    | Value::LightNative(_)
                    | Value::Thread(_)
                    | Value::Userdata(_)
                    | Value::LightUserdata(_) => {
                        format!("0x{:014x}", convert::object_id(nc.ctx, v))
                    }
                    _ => "(null)".to_string(),
                };
                emit(&mut st.out, &f, b"", text.as_bytes(), false);
            }
            b'q' => {
                if form.len() > 2 {
                    return Err(LuaError::rt("specifier '%q' cannot have modifiers"));
                }
                if let Value::Str(s) = v {
                    st.out.push(b'"');
                    st.copy = Some(Copy {
                        from: 0,
                        quoted: true,
                    });
                    text = Value::Str(s);
                } else {
                    add_literal(nc, &mut st.out, v, argn)?;
                }
            }
            b's' => {
                let tm = nc.ctx.metamethod(v, Tm::ToString);
                if !tm.is_nil() {
                    st.pending = Some(form.to_vec());
                    nc.clear();
                    nc.push(v);
                    let c = StrCont::Format {
                        fmt: Value::Str(fmt),
                        args: args.to_vec(),
                        text: Value::Nil,
                        st,
                    };
                    return Ok(Action::Call {
                        func: tm,
                        cont: cont(c),
                    });
                }
                let s = match v {
                    Value::Str(s) => s,
                    _ => nc.ctx.new_string(tostring_raw(nc.ctx, v)),
                };
                text = add_string(&mut st, &form, s, argn)?;
            }
            _ => {
                // C prints the specification with "%s": it stops at a NUL.
                let shown: Vec<u8> = form.iter().copied().take_while(|&c| c != 0).collect();
                let mut msg = b"invalid conversion '".to_vec();
                msg.extend_from_slice(&shown);
                msg.extend_from_slice(b"' to 'format'");
                return Err(LuaError::Where(nc.ctx.new_string(msg)));
            }
        }
        nc.charge(cost::bytes(st.out.len() - before));
    }
    if st.out.len() > MAX_STRING_SIZE {
        return Err(super::too_large());
    }
    let v = Value::Str(nc.ctx.new_str(&st.out));
    give_back(st.out);
    nc.ret1(v)
}

thread_local! {
    /// The output buffer of the last `format` that finished (see [`give_back`]).
    static SPARE_OUT: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// The largest output buffer kept for the next `format`.
const SPARE_OUT_MAX: usize = 1024;

/// An empty output buffer with room for `n` bytes: the last finished `format`'s when there
/// is one (a `format` in a loop then allocates only its result, as `luaL_Buffer` does).
fn output_buffer(n: usize) -> Vec<u8> {
    let mut out = SPARE_OUT.with(|s| s.take());
    out.clear();
    out.reserve(n);
    out
}

/// Keeps a finished `format`'s output buffer for the next one, if small.
fn give_back(out: Vec<u8>) {
    if out.capacity() <= SPARE_OUT_MAX {
        SPARE_OUT.with(|s| s.set(out));
    }
}

/// `luaL_checkinteger` on a saved argument.
fn arg_int<'gc>(nc: &mut NativeCtx<'gc, '_>, v: Value<'gc>, n: usize) -> LuaResult<'gc, i64> {
    nc.charge_coercion(v);
    match convert::to_integer(v) {
        Some(i) => Ok(i),
        None if convert::to_number(v).is_some() => {
            Err(LuaError::bad_arg(n, "number has no integer representation"))
        }
        None => Err(type_error(nc, v, n, "number")),
    }
}

/// `luaL_checknumber` (as a float) on a saved argument.
fn arg_float<'gc>(nc: &mut NativeCtx<'gc, '_>, v: Value<'gc>, n: usize) -> LuaResult<'gc, f64> {
    nc.charge_coercion(v);
    match convert::to_float(v) {
        Some(x) => Ok(x),
        None => Err(type_error(nc, v, n, "number")),
    }
}

fn type_error<'gc>(
    nc: &NativeCtx<'gc, '_>,
    v: Value<'gc>,
    n: usize,
    expected: &str,
) -> LuaError<'gc> {
    let got = convert::type_name_for_msg(nc.ctx, v);
    LuaError::bad_arg(n, format!("{expected} expected, got {got}"))
}

/// A validated conversion specification.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Spec {
    minus: bool,
    plus: bool,
    space: bool,
    alt: bool,
    zero: bool,
    width: usize,
    precision: Option<usize>,
    conv: u8,
}

/// Lua's `checkformat`: only `flags`, then at most two digits of width (not starting with
/// `0`), then (if `precision`) a `.` and at most two digits, then the conversion letter.
fn check_format<'gc>(form: &[u8], flags: &[u8], precision: bool) -> LuaResult<'gc, Spec> {
    let mut spec = Spec::default();
    let mut i = 1;
    // (A loop, not `contains`: that is a `memchr` call for a handful of bytes.)
    while let Some(&c) = form.get(i).filter(|&&c| flags.iter().any(|&f| f == c)) {
        match c {
            b'-' => spec.minus = true,
            b'+' => spec.plus = true,
            b' ' => spec.space = true,
            b'#' => spec.alt = true,
            _ => spec.zero = true,
        }
        i += 1;
    }
    let digits = |i: &mut usize| -> usize {
        let mut n = 0;
        for _ in 0..2 {
            match form.get(*i) {
                Some(c) if c.is_ascii_digit() => {
                    n = n * 10 + (c - b'0') as usize;
                    *i += 1;
                }
                _ => break,
            }
        }
        n
    };
    if form.get(i) != Some(&b'0') {
        spec.width = digits(&mut i);
        if form.get(i) == Some(&b'.') && precision {
            i += 1;
            spec.precision = Some(digits(&mut i));
        }
    }
    match form.get(i) {
        Some(&c) if c.is_ascii_alphabetic() => {
            spec.conv = c;
            Ok(spec)
        }
        _ => Err(LuaError::rt(format!(
            "invalid conversion specification: '{}'",
            String::from_utf8_lossy(form)
        ))),
    }
}

/// Writes `prefix` (sign, `0x`) and `body` padded to the width: spaces on the left, on the
/// right with `-`, or zeros between prefix and body with `0` when `zero_ok`.
fn emit(out: &mut Vec<u8>, spec: &Spec, prefix: &[u8], body: &[u8], zero_ok: bool) {
    let len = prefix.len() + body.len();
    let pad = spec.width.saturating_sub(len);
    if spec.minus {
        out.extend_from_slice(prefix);
        out.extend_from_slice(body);
        out.resize(out.len() + pad, b' ');
    } else if spec.zero && zero_ok {
        out.extend_from_slice(prefix);
        out.resize(out.len() + pad, b'0');
        out.extend_from_slice(body);
    } else {
        out.resize(out.len() + pad, b' ');
        out.extend_from_slice(prefix);
        out.extend_from_slice(body);
    }
}

/// Digits of an integer with an integer precision applied (at least `p` digits; precision
/// 0 prints nothing for 0), built on the stack: precisions have at most two digits.
type Digits = SmallVec<[u8; 128]>;

/// The digits of `n` in `radix` (8, 10 or 16), with the precision applied (see [`Digits`]).
fn digits(n: u64, radix: u64, upper: bool, precision: Option<usize>) -> Digits {
    let mut raw = [0u8; 24];
    let mut at = raw.len();
    let mut m = n;
    let table: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    loop {
        at -= 1;
        raw[at] = table[(m % radix) as usize];
        m /= radix;
        if m == 0 {
            break;
        }
    }
    let raw = &raw[at..];
    let mut out = Digits::new();
    match precision {
        Some(0) if n == 0 => {}
        Some(p) if raw.len() < p => {
            out.resize(p - raw.len(), b'0');
            out.extend_from_slice(raw);
        }
        _ => out.extend_from_slice(raw),
    }
    out
}

fn sign_prefix(spec: &Spec, negative: bool) -> &'static [u8] {
    if negative {
        b"-"
    } else if spec.plus {
        b"+"
    } else if spec.space {
        b" "
    } else {
        b""
    }
}

/// `%d` / `%i`.
fn format_int(out: &mut Vec<u8>, spec: &Spec, n: i64) {
    let digits = digits(n.unsigned_abs(), 10, false, spec.precision);
    emit(
        out,
        spec,
        sign_prefix(spec, n < 0),
        &digits,
        spec.precision.is_none(),
    );
}

/// `%u`, `%o`, `%x`, `%X` (the integer's two's-complement bits as unsigned).
fn format_unsigned(out: &mut Vec<u8>, spec: &Spec, n: u64) {
    let radix = match spec.conv {
        b'o' => 8,
        b'x' | b'X' => 16,
        _ => 10,
    };
    let mut digits = digits(n, radix, spec.conv == b'X', spec.precision);
    let mut prefix: &[u8] = b"";
    if spec.alt {
        match spec.conv {
            b'o' if digits.first() != Some(&b'0') => digits.insert(0, b'0'),
            b'x' if n != 0 => prefix = b"0x",
            b'X' if n != 0 => prefix = b"0X",
            _ => {}
        }
    }
    emit(out, spec, prefix, &digits, spec.precision.is_none());
}

/// `%a %A %e %E %f %g %G`.
fn format_float(out: &mut Vec<u8>, spec: &Spec, x: f64) {
    let upper = spec.conv.is_ascii_uppercase();
    let sign = sign_prefix(spec, x.is_sign_negative());
    let a = x.abs();
    if !a.is_finite() {
        let body = match (a.is_nan(), upper) {
            (true, false) => "nan",
            (true, true) => "NAN",
            (false, false) => "inf",
            (false, true) => "INF",
        };
        emit(out, spec, sign, body.as_bytes(), false);
        return;
    }
    let prec = spec.precision.unwrap_or(6);
    match spec.conv.to_ascii_lowercase() {
        b'a' => {
            let body = hex_float_body(a, spec.precision, spec.alt);
            let (px, body) = if upper {
                (b"0X", body.to_ascii_uppercase())
            } else {
                (b"0x", body)
            };
            let mut prefix = sign.to_vec();
            prefix.extend_from_slice(px);
            emit(out, spec, &prefix, body.as_bytes(), true);
        }
        b'e' => {
            let mut body = fmt_e(a, prec, upper);
            if spec.alt && !body.contains('.') {
                if let Some(i) = body.find(['e', 'E']) {
                    body.insert(i, '.');
                }
            }
            emit(out, spec, sign, body.as_bytes(), true);
        }
        b'f' => {
            let mut body = fmt_f(a, prec, upper);
            if spec.alt && !body.contains('.') {
                body.push('.');
            }
            emit(out, spec, sign, body.as_bytes(), true);
        }
        _ => {
            let body = fmt_g(a, prec, upper, spec.alt);
            emit(out, spec, sign, body.as_bytes(), true);
        }
    }
}

/// glibc's `%a` for a finite, non-negative `a`, without the `0x` prefix: `1.8p+0`,
/// `0.0000000000001p-1022` (subnormals keep a leading 0), `0p+0`.
fn hex_float_body(a: f64, precision: Option<usize>, alt: bool) -> String {
    const MANT_DIGITS: usize = 13; // 52 bits
    let bits = a.to_bits();
    let exp_bits = ((bits >> 52) & 0x7ff) as i64;
    let mut mant = bits & ((1u64 << 52) - 1);
    let (mut lead, exp) = if a == 0.0 {
        (0u64, 0i64)
    } else if exp_bits == 0 {
        (0, -1022)
    } else {
        (1, exp_bits - 1023)
    };
    let digits = match precision {
        Some(p) if p < MANT_DIGITS => {
            let shift = (MANT_DIGITS - p) * 4;
            let mut keep = mant >> shift;
            let rem = mant & ((1u64 << shift) - 1);
            let half = 1u64 << (shift - 1);
            let last_odd = if p == 0 { lead & 1 == 1 } else { keep & 1 == 1 };
            if rem > half || (rem == half && last_odd) {
                keep += 1;
                if p == 0 || keep >> (p * 4) != 0 {
                    lead += 1;
                    keep = if p == 0 {
                        0
                    } else {
                        keep & ((1u64 << (p * 4)) - 1)
                    };
                }
            }
            mant = keep;
            if p == 0 {
                String::new()
            } else {
                format!("{:0width$x}", mant, width = p)
            }
        }
        Some(p) => format!("{:013x}{}", mant, "0".repeat(p - MANT_DIGITS)),
        None => {
            let s = format!("{mant:013x}");
            s.trim_end_matches('0').to_string()
        }
    };
    let mut body = format!("{lead:x}");
    if !digits.is_empty() || alt {
        body.push('.');
        body.push_str(&digits);
    }
    body.push_str(&format!("p{exp:+}"));
    body
}

/// `%s` (after `luaL_tolstring`): the whole text without modifiers, else `printf`'s `%s`.
/// A string copied whole is copied in chunks: then it is returned, to be kept as the
/// continuation's `text` while `st.copy` is set.
fn add_string<'gc>(
    st: &mut Progress,
    form: &[u8],
    s: LuaStr<'gc>,
    argn: usize,
) -> LuaResult<'gc, Value<'gc>> {
    let text = s.as_bytes();
    if form.len() > 2 {
        if text.contains(&0) {
            return Err(LuaError::bad_arg(argn, "string contains zeros"));
        }
        let spec = check_format(form, FLAGS_C, true)?;
        if spec.precision.is_some() || text.len() < 100 {
            let shown = match spec.precision {
                Some(p) => &text[..p.min(text.len())],
                None => text,
            };
            emit(&mut st.out, &spec, b"", shown, false);
            return Ok(Value::Nil);
        }
    }
    st.copy = Some(Copy {
        from: 0,
        quoted: false,
    });
    Ok(Value::Str(s))
}

/// `%q`: a literal `load` reads back as the same value.
fn add_literal<'gc>(
    nc: &NativeCtx<'gc, '_>,
    out: &mut Vec<u8>,
    v: Value<'gc>,
    argn: usize,
) -> LuaResult<'gc, ()> {
    match v {
        Value::Str(s) => {
            out.push(b'"');
            add_quoted_range(out, s.as_bytes(), 0, s.len());
            out.push(b'"');
        }
        Value::Int(i) => {
            if i == i64::MIN {
                out.extend_from_slice(b"0x8000000000000000");
            } else {
                out.extend_from_slice(i.to_string().as_bytes());
            }
        }
        Value::Float(f) => {
            let x = f.get();
            if x == f64::INFINITY {
                out.extend_from_slice(b"1e9999");
            } else if x == f64::NEG_INFINITY {
                out.extend_from_slice(b"-1e9999");
            } else if x.is_nan() {
                out.extend_from_slice(b"(0/0)");
            } else {
                if x.is_sign_negative() {
                    out.push(b'-');
                }
                out.extend_from_slice(b"0x");
                out.extend_from_slice(hex_float_body(x.abs(), None, false).as_bytes());
            }
        }
        Value::Nil | Value::True | Value::False => out.extend_from_slice(&tostring_raw(nc.ctx, v)),
        _ => return Err(LuaError::bad_arg(argn, "value has no literal form")),
    }
    Ok(())
}

/// Lua's `addquoted` for the bytes `from..to` of `s` (without the surrounding quotes).
fn add_quoted_range(out: &mut Vec<u8>, s: &[u8], from: usize, to: usize) {
    for i in from..to.min(s.len()) {
        let c = s[i];
        if c == b'"' || c == b'\\' || c == b'\n' {
            out.push(b'\\');
            out.push(c);
        } else if c < 32 || c == 127 {
            // `\ddd` in full before a digit, else as short as it goes; pushed digit by
            // digit (a `format!` per byte made `%q` of control bytes 100 times an
            // instruction's time per fuel unit).
            let next_digit = s.get(i + 1).is_some_and(u8::is_ascii_digit);
            out.push(b'\\');
            if next_digit || c >= 100 {
                out.push(b'0' + c / 100);
            }
            if next_digit || c >= 10 {
                out.push(b'0' + c / 10 % 10);
            }
            out.push(b'0' + c % 10);
        } else {
            out.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(form: &str, flags: &[u8], f: impl FnOnce(&mut Vec<u8>, &Spec)) -> String {
        let spec = check_format(form.as_bytes(), flags, true).unwrap();
        let mut out = Vec::new();
        f(&mut out, &spec);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn hex_floats_like_glibc() {
        let a = |form: &str, x: f64| fmt(form, FLAGS_F, |o, s| format_float(o, s, x));
        assert_eq!(a("%a", 1.0), "0x1p+0");
        assert_eq!(a("%a", 0.1), "0x1.999999999999ap-4");
        assert_eq!(a("%a", 5e-324), "0x0.0000000000001p-1022");
        assert_eq!(a("%A", -0.0), "-0X0P+0");
        assert_eq!(a("%.0a", 1.5), "0x2p+0");
        assert_eq!(a("%.0a", 2.5), "0x1p+1");
        assert_eq!(a("%.1a", 1.96875), "0x2.0p+0");
        assert_eq!(a("%#a", 1.0), "0x1.p+0");
        assert_eq!(a("%010a", 1.0), "0x00001p+0");
        assert_eq!(a("%.20a", 1.0), "0x1.00000000000000000000p+0");
    }

    #[test]
    fn integers_like_printf() {
        let d = |form: &str, n: i64| fmt(form, FLAGS_I, |o, s| format_int(o, s, n));
        assert_eq!(d("%+d", 5), "+5");
        assert_eq!(d("%05d", -5), "-0005");
        assert_eq!(d("%5.3d", -5), " -005");
        assert_eq!(d("%.0d", 0), "");
        assert_eq!(d("%d", i64::MIN), "-9223372036854775808");
        let x = |form: &str, n: i64| fmt(form, FLAGS_X, |o, s| format_unsigned(o, s, n as u64));
        assert_eq!(x("%#o", 8), "010");
        assert_eq!(x("%#o", 0), "0");
        assert_eq!(x("%#5x", 1), "  0x1");
        assert_eq!(x("%x", -1), "ffffffffffffffff");
    }

    #[test]
    fn specification_checks() {
        assert!(check_format(b"%123d", FLAGS_I, true).is_err());
        assert!(check_format(b"%05c", FLAGS_C, false).is_err());
        assert!(check_format(b"%.3c", FLAGS_C, false).is_err());
        assert!(check_format(b"%--5d", FLAGS_I, true).is_ok());
        assert_eq!(
            check_format(b"%5.d", FLAGS_I, true).unwrap().precision,
            Some(0)
        );
    }

    #[test]
    fn quoting() {
        let mut out = Vec::new();
        let s = b"\r\n\0\x011\xe29";
        add_quoted_range(&mut out, s, 0, 3);
        add_quoted_range(&mut out, s, 3, s.len());
        assert_eq!(out, b"\\13\\\n\\0\\0011\xe29");
    }
}
