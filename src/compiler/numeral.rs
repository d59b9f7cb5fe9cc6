//! Numbers as Lua reads and computes them: numeral parsing (`luaO_str2num`), the UTF-8 escape
//! encoder (`luaO_utf8esc`) and raw arithmetic on numbers (`luaO_rawarith`).
//!
//! # Design
//! These are the few places where the compiler must agree bit for bit with the interpreter:
//! a numeral in source and the same text passed to `tonumber` must give the same value, and a
//! constant folded at compile time must equal what the opcode would have computed at run time.
//! So they live here, public, for the VM to reuse rather than re-implement.
//!
//! Parsing follows `lobject.c`: a numeral is an integer if it is written as one and fits
//! (decimal) — hexadecimal integers wrap around modulo 2^64 — and a float otherwise. Decimal
//! floats use Rust's correctly rounded parser (as glibc's `strtod` is); hexadecimal floats are
//! assembled from a 64-bit mantissa with a sticky bit, so they round correctly too.
//!
//! Arithmetic follows `lvm.c`: integer operations wrap, `//` and `%` round toward minus
//! infinity, shifts by 64 or more give 0, and float `%` has the sign of the divisor.

/// A Lua number: the two subtypes are kept apart (`1` and `1.0` are different constants).
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum Number {
    /// An integer (`lua_Integer`).
    Int(i64),
    /// A float (`lua_Number`).
    Float(f64),
}

impl Number {
    /// The value as a float (`nvalue`).
    pub fn as_float(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }

    /// The value as an integer if it has an exact integer representation
    /// (`luaV_tointegerns` with `F2Ieq`).
    pub fn to_int_exact(self) -> Option<i64> {
        match self {
            Number::Int(i) => Some(i),
            Number::Float(f) => float_to_int_exact(f),
        }
    }
}

/// `lisspace`: the C locale's white space.
pub fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// Value of a hexadecimal digit (the caller checked it is one).
fn hex_value(c: u8) -> u32 {
    match c {
        b'0'..=b'9' => (c - b'0') as u32,
        b'a'..=b'f' => (c - b'a' + 10) as u32,
        b'A'..=b'F' => (c - b'A' + 10) as u32,
        _ => 0,
    }
}

/// Converts a float with an exact integer value to that integer (`F2Ieq`); `None` if it has
/// a fractional part or is out of the `i64` range (or NaN).
pub fn float_to_int_exact(f: f64) -> Option<i64> {
    // -2^63 is exactly representable; 2^63 is the first value out of range.
    if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) && f.floor() == f {
        Some(f as i64)
    } else {
        None
    }
}

/// Skips C white space from `i`.
fn skip_spaces(s: &[u8], mut i: usize) -> usize {
    while s.get(i).is_some_and(|&c| is_space(c)) {
        i += 1;
    }
    i
}

/// Reads an optional sign; returns (is negative, next index).
fn read_sign(s: &[u8], i: usize) -> (bool, usize) {
    match s.get(i) {
        Some(b'-') => (true, i + 1),
        Some(b'+') => (false, i + 1),
        _ => (false, i),
    }
}

/// `l_str2int`: the whole string (surrounding spaces allowed) as an integer numeral.
fn str2int(s: &[u8]) -> Option<i64> {
    let i = skip_spaces(s, 0);
    let (neg, mut i) = read_sign(s, i);
    let mut a: u64 = 0;
    let mut empty = true;
    if s.get(i) == Some(&b'0') && matches!(s.get(i + 1), Some(b'x' | b'X')) {
        i += 2;
        while let Some(&c) = s.get(i).filter(|c| c.is_ascii_hexdigit()) {
            a = a.wrapping_mul(16).wrapping_add(hex_value(c) as u64);
            empty = false;
            i += 1;
        }
    } else {
        const MAXBY10: u64 = (i64::MAX as u64) / 10;
        const MAXLASTD: u64 = (i64::MAX as u64) % 10;
        while let Some(&c) = s.get(i).filter(|c| c.is_ascii_digit()) {
            let d = (c - b'0') as u64;
            if a >= MAXBY10 && (a > MAXBY10 || d > MAXLASTD + neg as u64) {
                return None; // overflow: not accepted as an integer
            }
            a = a * 10 + d;
            empty = false;
            i += 1;
        }
    }
    let i = skip_spaces(s, i);
    if empty || i != s.len() {
        return None;
    }
    Some(if neg { 0u64.wrapping_sub(a) } else { a } as i64)
}

/// `ldexp` for the values hexadecimal numerals produce: exact unless the result is subnormal
/// or overflows, as C's.
fn ldexp(mut x: f64, mut e: i64) -> f64 {
    // Scale in steps that stay within the normal exponent range.
    let step = |x: f64, k: i32| x * f64::from_bits(((1023 + k as i64) as u64) << 52);
    while e > 1000 {
        x = step(x, 1000);
        e -= 1000;
        if x.is_infinite() {
            return x;
        }
    }
    while e < -1000 {
        x = step(x, -1000);
        e += 1000;
        if x == 0.0 {
            return x;
        }
    }
    step(x, e as i32)
}

/// `lua_strx2number`: a hexadecimal float numeral (the whole string, spaces allowed around).
fn strx2number(s: &[u8]) -> Option<f64> {
    let i = skip_spaces(s, 0);
    let (neg, mut i) = read_sign(s, i);
    if !(s.get(i) == Some(&b'0') && matches!(s.get(i + 1), Some(b'x' | b'X'))) {
        return None;
    }
    i += 2;
    let mut mant: u64 = 0; // up to 15 significant hex digits (60 bits)
    let mut sticky = false; // any non-zero digit beyond those
    let mut sigdig = 0u32;
    let mut anydigit = false;
    let mut exp: i64 = 0; // binary exponent correction
    let mut hasdot = false;
    loop {
        match s.get(i) {
            Some(b'.') => {
                if hasdot {
                    break;
                }
                hasdot = true;
            }
            Some(&c) if c.is_ascii_hexdigit() => {
                anydigit = true;
                let d = hex_value(c) as u64;
                if sigdig == 0 && d == 0 {
                    // leading zero: not significant
                } else if sigdig < 15 {
                    mant = mant * 16 + d;
                    sigdig += 1;
                } else {
                    sticky |= d != 0;
                    exp = exp.saturating_add(4);
                }
                if hasdot {
                    exp = exp.saturating_sub(4);
                }
            }
            _ => break,
        }
        i += 1;
    }
    if !anydigit {
        return None;
    }
    if matches!(s.get(i), Some(b'p' | b'P')) {
        let (eneg, mut j) = read_sign(s, i + 1);
        if !s.get(j).is_some_and(|c| c.is_ascii_digit()) {
            return None;
        }
        let mut e1: i64 = 0;
        while let Some(&c) = s.get(j).filter(|c| c.is_ascii_digit()) {
            e1 = (e1 * 10 + (c - b'0') as i64).min(1 << 40);
            j += 1;
        }
        exp = exp.saturating_add(if eneg { -e1 } else { e1 });
        i = j;
    }
    if skip_spaces(s, i) != s.len() {
        return None;
    }
    // Fold the sticky bit into the lowest bit: with 60 bits of mantissa the u64 -> f64
    // conversion then rounds exactly as an infinitely precise one would.
    let m = (mant << 1 | sticky as u64) as f64;
    let r = ldexp(m, exp.saturating_sub(1));
    Some(if neg { -r } else { r })
}

/// `l_str2d`: the whole string as a float numeral (decimal or hexadecimal).
fn str2d(s: &[u8]) -> Option<f64> {
    // Reject 'inf' and 'nan' (and anything with an 'n'), as Lua does.
    if s.iter().any(|&c| c == b'n' || c == b'N') {
        return None;
    }
    if s.iter().any(|&c| c == b'x' || c == b'X') {
        return strx2number(s);
    }
    let start = skip_spaces(s, 0);
    let mut end = s.len();
    while end > start && is_space(s[end - 1]) {
        end -= 1;
    }
    let body = std::str::from_utf8(&s[start..end]).ok()?;
    // Rust's parser accepts exactly C's decimal syntax once 'inf'/'nan' are excluded, except
    // that it refuses nothing C accepts; guard the characters anyway.
    if body.is_empty()
        || !body
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    body.parse::<f64>().ok()
}

/// `luaO_str2num`: converts a whole string to a number, integer if it is written as one and
/// fits, float otherwise. Leading and trailing white space is allowed. `None` if malformed.
pub fn str2number(s: &[u8]) -> Option<Number> {
    if let Some(i) = str2int(s) {
        return Some(Number::Int(i));
    }
    str2d(s).map(Number::Float)
}

/// `luaO_utf8esc`: encodes `x` (at most 0x7FFFFFFF) in Lua's extended UTF-8 (up to 6 bytes).
pub fn utf8_encode(x: u32, out: &mut Vec<u8>) {
    let mut x = x & 0x7FFF_FFFF;
    if x < 0x80 {
        out.push(x as u8);
        return;
    }
    let mut tail = [0u8; 6];
    let mut n = 0;
    let mut mfb: u32 = 0x3f; // largest value that fits in the first byte
    loop {
        tail[n] = 0x80 | (x & 0x3f) as u8;
        n += 1;
        x >>= 6;
        mfb >>= 1;
        if x <= mfb {
            break;
        }
    }
    out.push(((!mfb << 1) | x) as u8);
    for i in (0..n).rev() {
        out.push(tail[i]);
    }
}

/// Arithmetic and bitwise operators, in `LUA_OPADD` order.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `%`
    Mod,
    /// `^`
    Pow,
    /// `/`
    Div,
    /// `//`
    IDiv,
    /// `&`
    BAnd,
    /// `|`
    BOr,
    /// `~` (binary)
    BXor,
    /// `<<`
    Shl,
    /// `>>`
    Shr,
    /// unary `-`
    Unm,
    /// unary `~`
    BNot,
}

/// `luaV_idiv`: floor division of integers; `None` for division by zero.
pub fn int_floor_div(m: i64, n: i64) -> Option<i64> {
    match n {
        0 => None,
        -1 => Some(m.wrapping_neg()),
        _ => {
            let q = m / n;
            Some(if (m ^ n) < 0 && m % n != 0 { q - 1 } else { q })
        }
    }
}

/// `luaV_mod`: integer modulo with the sign of the divisor; `None` for modulo by zero.
pub fn int_mod(m: i64, n: i64) -> Option<i64> {
    match n {
        0 => None,
        -1 => Some(0),
        _ => {
            let r = m % n;
            Some(if r != 0 && (r ^ n) < 0 { r + n } else { r })
        }
    }
}

/// `luai_nummod`: float modulo with the sign of the divisor.
pub fn float_mod(a: f64, b: f64) -> f64 {
    let m = a % b;
    if (m > 0.0 && b < 0.0) || (m < 0.0 && b > 0.0) {
        m + b
    } else {
        m
    }
}

/// `luai_numpow`.
pub fn float_pow(a: f64, b: f64) -> f64 {
    if b == 2.0 {
        a * a
    } else {
        a.powf(b)
    }
}

/// `luaV_shiftl`: `x << y` (a right shift for negative `y`), logical, 0 when |y| >= 64.
pub fn shift_left(x: i64, y: i64) -> i64 {
    if y < 0 {
        if y <= -64 {
            0
        } else {
            ((x as u64) >> (-y) as u32) as i64
        }
    } else if y >= 64 {
        0
    } else {
        ((x as u64) << y as u32) as i64
    }
}

/// `luaO_rawarith` restricted to numbers: the result of `a op b` (`b` is ignored for unary
/// operators), or `None` when the operation would raise an error (bitwise operation on a
/// float without an integer value, integer division or modulo by zero).
pub fn arith(op: ArithOp, a: Number, b: Number) -> Option<Number> {
    use ArithOp::*;
    match op {
        BAnd | BOr | BXor | Shl | Shr | BNot => {
            let x = a.to_int_exact()?;
            let y = b.to_int_exact()?;
            Some(Number::Int(match op {
                BAnd => x & y,
                BOr => x | y,
                BXor => x ^ y,
                Shl => shift_left(x, y),
                Shr => shift_left(x, y.wrapping_neg()),
                _ => !x,
            }))
        }
        Div | Pow => Some(Number::Float(float_arith(op, a.as_float(), b.as_float()))),
        _ => match (a, b) {
            (Number::Int(x), Number::Int(y)) => Some(Number::Int(match op {
                Add => x.wrapping_add(y),
                Sub => x.wrapping_sub(y),
                Mul => x.wrapping_mul(y),
                Mod => int_mod(x, y)?,
                IDiv => int_floor_div(x, y)?,
                _ => x.wrapping_neg(), // Unm
            })),
            _ => Some(Number::Float(float_arith(op, a.as_float(), b.as_float()))),
        },
    }
}

/// `numarith`: the float version of an arithmetic operator.
fn float_arith(op: ArithOp, a: f64, b: f64) -> f64 {
    use ArithOp::*;
    match op {
        Add => a + b,
        Sub => a - b,
        Mul => a * b,
        Div => a / b,
        Pow => float_pow(a, b),
        IDiv => (a / b).floor(),
        Mod => float_mod(a, b),
        Unm => -a,
        _ => 0.0, // bitwise operators never get here
    }
}

/// Formats a float as Lua's `tostring` does: C's `"%.14g"`, plus `".0"` when the result
/// looks like an integer (`1e15` prints as `1e+15`, `2^53` as `9.007199254741e+15`, `1.0`
/// as `1.0`). Infinities and NaN print as `inf`, `-inf`, `nan`, `-nan` (glibc's spelling).
pub fn fmt_float(f: f64) -> String {
    if f.is_nan() {
        return if f.is_sign_negative() {
            "-nan".into()
        } else {
            "nan".into()
        };
    }
    if f.is_infinite() {
        return if f < 0.0 { "-inf".into() } else { "inf".into() };
    }
    let s = fmt_g(f, 14);
    if s.bytes().all(|c| c == b'-' || c.is_ascii_digit()) {
        s + ".0"
    } else {
        s
    }
}

/// C's `%.<prec>g` for a finite float.
fn fmt_g(f: f64, prec: usize) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Round to `prec` significant digits first: the exponent is that of the rounded value.
    let e = format!("{:.*e}", prec - 1, f);
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let x: i32 = exp.parse().unwrap_or(0);
    if x < -4 || x >= prec as i32 {
        let m = strip_zeros(mantissa);
        let sign = if x < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", x.unsigned_abs())
    } else {
        let decimals = (prec as i32 - 1 - x).max(0) as usize;
        strip_zeros(&format!("{:.*}", decimals, f)).to_string()
    }
}

/// Removes trailing zeros (and a trailing point) from a decimal fraction.
fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(s: &str) -> Option<Number> {
        str2number(s.as_bytes())
    }

    #[test]
    fn integers_and_floats() {
        assert_eq!(num("10"), Some(Number::Int(10)));
        assert_eq!(num("  0x10  "), Some(Number::Int(16)));
        assert_eq!(num("9223372036854775807"), Some(Number::Int(i64::MAX)));
        assert_eq!(
            num("9223372036854775808"),
            Some(Number::Float(9.223372036854776e18))
        );
        assert_eq!(num("-9223372036854775808"), Some(Number::Int(i64::MIN)));
        assert_eq!(num("0xffffffffffffffff"), Some(Number::Int(-1)));
        assert_eq!(num("0x1ffffffffffffffff"), Some(Number::Int(-1)));
        assert_eq!(num("1e2"), Some(Number::Float(100.0)));
        assert_eq!(num(".5"), Some(Number::Float(0.5)));
        assert_eq!(num("5."), Some(Number::Float(5.0)));
        assert_eq!(num("0x.8p1"), Some(Number::Float(1.0)));
        assert_eq!(num("0xA.8p0"), Some(Number::Float(10.5)));
        assert_eq!(num("0x1p-1074"), Some(Number::Float(f64::from_bits(1))));
        assert_eq!(num("0x1p1024"), Some(Number::Float(f64::INFINITY)));
        assert_eq!(num("0x"), None);
        assert_eq!(num("1e"), None);
        assert_eq!(num("inf"), None);
        assert_eq!(num("nan"), None);
        assert_eq!(num("3x"), None);
        assert_eq!(num(""), None);
        assert_eq!(num("1 2"), None);
    }

    #[test]
    fn floats_print_like_lua() {
        assert_eq!(fmt_float(1.0), "1.0");
        assert_eq!(fmt_float(-2.5), "-2.5");
        assert_eq!(fmt_float(0.1), "0.1");
        assert_eq!(fmt_float(1e15), "1e+15");
        assert_eq!(fmt_float(1e14), "1e+14");
        assert_eq!(fmt_float(123456789012345.0), "1.2345678901234e+14");
        assert_eq!(fmt_float(2f64.powi(53)), "9.007199254741e+15");
        assert_eq!(fmt_float(1e-5), "1e-05");
        assert_eq!(fmt_float(0.0001), "0.0001");
        assert_eq!(fmt_float(-0.0), "-0.0");
        assert_eq!(fmt_float(2.71828182845904), "2.718281828459");
        assert_eq!(fmt_float(f64::INFINITY), "inf");
        assert_eq!(fmt_float(1e100), "1e+100");
    }

    #[test]
    fn utf8_escapes() {
        let enc = |x| {
            let mut v = vec![];
            utf8_encode(x, &mut v);
            v
        };
        assert_eq!(enc(0x41), b"A");
        assert_eq!(enc(0xE9), "é".as_bytes());
        assert_eq!(enc(0x20AC), "€".as_bytes());
        assert_eq!(enc(0x10FFFF), "\u{10FFFF}".as_bytes());
        assert_eq!(enc(0x7FFFFFFF), vec![0xFD, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF]);
    }

    #[test]
    fn arithmetic_matches_lua() {
        use Number::*;
        assert_eq!(arith(ArithOp::IDiv, Int(7), Int(-2)), Some(Int(-4)));
        assert_eq!(arith(ArithOp::Mod, Int(-7), Int(3)), Some(Int(2)));
        assert_eq!(arith(ArithOp::Mod, Int(5), Int(0)), None);
        assert_eq!(
            arith(ArithOp::Mod, Float(-7.0), Float(3.0)),
            Some(Float(2.0))
        );
        assert_eq!(arith(ArithOp::Shl, Int(1), Int(64)), Some(Int(0)));
        assert_eq!(arith(ArithOp::Shr, Int(-1), Int(63)), Some(Int(1)));
        assert_eq!(arith(ArithOp::BAnd, Float(1.5), Int(1)), None);
        assert_eq!(arith(ArithOp::Div, Int(1), Int(2)), Some(Float(0.5)));
        assert_eq!(
            arith(ArithOp::IDiv, Int(i64::MIN), Int(-1)),
            Some(Int(i64::MIN))
        );
    }
}
