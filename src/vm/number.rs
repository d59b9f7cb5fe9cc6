//! Number semantics shared by the interpreter and the libraries: integer/float conversions,
//! Lua's integer division and modulo, shifts, string↔number conversion and the C-printf-style
//! float formatting (`%.14g` for `tostring`, and `%e`/`%f`/`%g` for `string.format`).

/// The float as an integer if it has an exact integer value in range.
#[inline]
pub fn float_to_int_exact(f: f64) -> Option<i64> {
    // -2^63 <= f < 2^63 and integral.
    if f >= -9_223_372_036_854_775_808.0 && f < 9_223_372_036_854_775_808.0 {
        let i = f as i64;
        if i as f64 == f {
            return Some(i);
        }
    }
    None
}

/// Float to integer by flooring (`math.floor`-style), if in range.
pub fn float_floor_to_int(f: f64) -> Option<i64> {
    float_to_int_exact(f.floor())
}

/// Exact comparison of an integer with a float (`i == f`).
#[inline]
pub fn int_eq_float(i: i64, f: f64) -> bool {
    float_to_int_exact(f) == Some(i)
}

/// `i < f` exactly (Lua's `LTintfloat`).
pub fn int_lt_float(i: i64, f: f64) -> bool {
    if f.is_nan() {
        return false;
    }
    // If i fits exactly in a float, compare as floats.
    if (-(1i64 << 53)..=(1i64 << 53)).contains(&i) {
        return (i as f64) < f;
    }
    // Compare i < ceil(f) as integers when possible.
    if f >= 9_223_372_036_854_775_808.0 {
        true
    } else if f > -9_223_372_036_854_775_808.0 {
        i < f.ceil() as i64
    } else {
        false
    }
}

/// `i <= f` exactly (Lua's `LEintfloat`).
pub fn int_le_float(i: i64, f: f64) -> bool {
    if f.is_nan() {
        return false;
    }
    if (-(1i64 << 53)..=(1i64 << 53)).contains(&i) {
        return (i as f64) <= f;
    }
    if f >= 9_223_372_036_854_775_808.0 {
        true
    } else if f >= -9_223_372_036_854_775_808.0 {
        i <= f.floor() as i64
    } else {
        false
    }
}

/// `f < i` exactly.
pub fn float_lt_int(f: f64, i: i64) -> bool {
    if f.is_nan() {
        return false;
    }
    if (-(1i64 << 53)..=(1i64 << 53)).contains(&i) {
        return f < (i as f64);
    }
    if f >= 9_223_372_036_854_775_808.0 {
        false
    } else if f >= -9_223_372_036_854_775_808.0 {
        (f.floor() as i64) < i
    } else {
        true
    }
}

/// `f <= i` exactly.
pub fn float_le_int(f: f64, i: i64) -> bool {
    if f.is_nan() {
        return false;
    }
    if (-(1i64 << 53)..=(1i64 << 53)).contains(&i) {
        return f <= (i as f64);
    }
    if f >= 9_223_372_036_854_775_808.0 {
        false
    } else if f > -9_223_372_036_854_775_808.0 {
        (f.ceil() as i64) <= i
    } else {
        true
    }
}

/// Integer floor division; `None` on division by zero.
#[inline]
pub fn int_idiv(m: i64, n: i64) -> Option<i64> {
    if n == 0 {
        return None;
    }
    if n == -1 {
        return Some(m.wrapping_neg());
    }
    let q = m / n;
    Some(if (m ^ n) < 0 && m % n != 0 { q - 1 } else { q })
}

/// Integer modulo with the sign of the divisor; `None` on modulo by zero.
#[inline]
pub fn int_mod(m: i64, n: i64) -> Option<i64> {
    if n == 0 {
        return None;
    }
    if n == -1 {
        return Some(0);
    }
    let r = m % n;
    Some(if r != 0 && (r ^ n) < 0 { r + n } else { r })
}

/// Float modulo as Lua defines it.
#[inline]
pub fn float_mod(a: f64, b: f64) -> f64 {
    let m = a % b;
    if if m > 0.0 { b < 0.0 } else { m < 0.0 && b > 0.0 } {
        m + b
    } else {
        m
    }
}

/// Float floor division.
#[inline]
pub fn float_idiv(a: f64, b: f64) -> f64 {
    (a / b).floor()
}

/// Logical shift left (negative `y` shifts right), as Lua's `luaV_shiftl`.
#[inline]
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

/// A parsed numeral.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum Number {
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn hex_value(c: u8) -> Option<u32> {
    (c as char).to_digit(16)
}

/// Lua's `luaO_str2num`: converts a whole string (surrounding whitespace allowed) to a number.
pub fn str_to_number(s: &[u8]) -> Option<Number> {
    str_to_int(s)
        .map(Number::Int)
        .or_else(|| str_to_float(s).map(Number::Float))
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&c| !is_space(c)).unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|&c| !is_space(c))
        .map_or(start, |p| p + 1);
    &s[start..end.max(start)]
}

fn str_to_int(s: &[u8]) -> Option<i64> {
    let s = trim(s);
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut a: u64 = 0;
    if digits.len() > 2 && digits[0] == b'0' && (digits[1] | 0x20) == b'x' {
        let hex = &digits[2..];
        if hex.is_empty() {
            return None;
        }
        for &c in hex {
            a = a.wrapping_mul(16).wrapping_add(hex_value(c)? as u64);
        }
    } else {
        if digits.is_empty() {
            return None;
        }
        let maxby10 = (i64::MAX / 10) as u64;
        let maxlastd = (i64::MAX % 10) as u64;
        for &c in digits {
            if !c.is_ascii_digit() {
                return None;
            }
            let d = (c - b'0') as u64;
            if a >= maxby10 && (a > maxby10 || d > maxlastd + neg as u64) {
                return None; // overflow: not accepted as an integer
            }
            a = a * 10 + d;
        }
    }
    Some(if neg {
        (a as i64).wrapping_neg()
    } else {
        a as i64
    })
}

fn str_to_float(s: &[u8]) -> Option<f64> {
    if s.iter().any(|&c| c == b'n' || c == b'N') {
        return None; // reject 'inf' and 'nan', as Lua does
    }
    let s = trim(s);
    let (neg, body) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let v = if body.len() >= 2 && body[0] == b'0' && (body[1] | 0x20) == b'x' {
        hex_float(&body[2..])?
    } else {
        if body.is_empty()
            || !body
                .iter()
                .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
        {
            return None;
        }
        let text = std::str::from_utf8(body).ok()?;
        if text.starts_with(['+', '-']) {
            return None;
        }
        text.parse::<f64>().ok()?
    };
    Some(if neg { -v } else { v })
}

/// Parses the part of a hex float after `0x` (`lua_strx2number`).
fn hex_float(s: &[u8]) -> Option<f64> {
    let mut r = 0.0f64;
    let mut exp: i64 = 0;
    let mut sigdig = 0;
    let mut nosigdig = 0;
    let mut any_digit = false;
    let mut has_dot = false;
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c == b'.' {
            if has_dot {
                return None;
            }
            has_dot = true;
        } else if let Some(d) = hex_value(c) {
            any_digit = true;
            if sigdig == 0 && d == 0 {
                nosigdig += 1;
            } else {
                sigdig += 1;
                if sigdig <= 30 {
                    r = r * 16.0 + d as f64;
                } else {
                    exp += 1; // too many digits: ignore, but still count for the exponent
                }
            }
            if has_dot {
                exp -= 1;
            }
        } else {
            break;
        }
        i += 1;
    }
    if !any_digit {
        return None;
    }
    let _ = nosigdig;
    exp *= 4;
    if i < s.len() && (s[i] | 0x20) == b'p' {
        i += 1;
        let mut eneg = false;
        if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
            eneg = s[i] == b'-';
            i += 1;
        }
        if i >= s.len() || !s[i].is_ascii_digit() {
            return None;
        }
        let mut e: i64 = 0;
        while i < s.len() && s[i].is_ascii_digit() {
            e = (e * 10 + (s[i] - b'0') as i64).min(1 << 40);
            i += 1;
        }
        exp += if eneg { -e } else { e };
    }
    if i != s.len() {
        return None;
    }
    Some(ldexp(r, exp))
}

/// `r * 2^exp` without intermediate overflow/underflow surprises.
pub fn ldexp(mut r: f64, mut exp: i64) -> f64 {
    while exp > 1000 {
        r *= 2f64.powi(1000);
        exp -= 1000;
        if r.is_infinite() {
            return r;
        }
    }
    while exp < -1000 {
        r *= 2f64.powi(-1000);
        exp += 1000;
        if r == 0.0 {
            return r;
        }
    }
    r * 2f64.powi(exp as i32)
}

/// Integer to its decimal text.
pub fn int_to_string(i: i64) -> String {
    i.to_string()
}

/// Float to text as `tostring` does (`%.14g`, plus `.0` when it looks like an integer).
pub fn float_to_string(f: f64) -> String {
    let mut s = fmt_g(f, 14, false, false);
    if s.bytes().all(|c| c == b'-' || c.is_ascii_digit()) {
        s.push_str(".0");
    }
    s
}

fn nonfinite(f: f64, upper: bool) -> String {
    let s = if f.is_nan() {
        if f.is_sign_negative() {
            "-nan"
        } else {
            "nan"
        }
    } else if f < 0.0 {
        "-inf"
    } else {
        "inf"
    };
    if upper {
        s.to_ascii_uppercase()
    } else {
        s.to_string()
    }
}

/// C's `%.<prec>e`.
pub fn fmt_e(f: f64, prec: usize, upper: bool) -> String {
    if !f.is_finite() {
        return nonfinite(f, upper);
    }
    let s = format!("{:.*e}", prec, f);
    // Rust gives "1.5e3" / "1.5e-3"; C wants "1.5e+03".
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let e = if upper { 'E' } else { 'e' };
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mant}{e}{sign}{:02}", exp.abs())
}

/// C's `%.<prec>f`.
pub fn fmt_f(f: f64, prec: usize, upper: bool) -> String {
    if !f.is_finite() {
        return nonfinite(f, upper);
    }
    format!("{:.*}", prec, f)
}

/// C's `%.<prec>g` (`alt`: the `#` flag, keeping trailing zeros).
///
/// Formats once, as `%e` with `p - 1` digits (which gives C's exponent X and the `p`
/// significant digits both forms print: `%f` with `p - 1 - X` decimals rounds at the same
/// place), then lays the digits out by hand: formatting twice, and trimming through
/// temporary strings, made `tostring` of a float cost 60 instructions' time.
pub fn fmt_g(f: f64, prec: usize, upper: bool, alt: bool) -> String {
    use std::fmt::Write;
    if !f.is_finite() {
        return nonfinite(f, upper);
    }
    let p = if prec == 0 { 1 } else { prec };
    let mut sci = String::with_capacity(p + 8);
    // The shortest digits that read back as `f` first: when there are at most `p` of them
    // and `p` <= 15, they are the correctly rounded `p` digits too (a 15-digit step is
    // wider than a normal float's ulp; not a subnormal's). Exact-precision formatting falls back to slow big-integer
    // arithmetic for exactly representable short numbers (1.5, 3.0), the common case.
    let _ = write!(sci, "{:e}", f.abs());
    let short = sci
        .bytes()
        .take_while(|&c| c != b'e')
        .filter(u8::is_ascii_digit)
        .count();
    if p > 15 || short > p || f.abs() < f64::MIN_POSITIVE {
        sci.clear();
        let _ = write!(sci, "{:.*e}", p - 1, f.abs());
    }
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let x: i64 = exp.parse().unwrap_or(0);
    let mut digits: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
    digits.resize(p, b'0');
    let mut out = String::with_capacity(p + 8);
    if f.is_sign_negative() {
        out.push('-');
    }
    let push = |out: &mut String, d: &[u8]| out.extend(d.iter().map(|&c| c as char));
    if (p as i64) > x && x >= -4 {
        // Fixed: X + 1 integer digits (or "0." and -X - 1 zeros), the rest after the dot.
        let frac_start = out.len();
        if x >= 0 {
            let int = (x as usize + 1).min(digits.len());
            push(&mut out, &digits[..int]);
            out.push('.');
            push(&mut out, &digits[int..]);
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-x - 1) as usize));
            push(&mut out, &digits);
        }
        finish_fraction(&mut out, frac_start, alt);
    } else {
        let frac_start = out.len();
        push(&mut out, &digits[..1]);
        out.push('.');
        push(&mut out, &digits[1..]);
        finish_fraction(&mut out, frac_start, alt);
        out.push(if upper { 'E' } else { 'e' });
        out.push(if x < 0 { '-' } else { '+' });
        let _ = write!(out, "{:02}", x.abs());
    }
    out
}

/// `%g`'s end of a number's digits (from `start`, holding a dot): without `#`, trailing
/// zeros of the fraction go, and the dot if nothing follows it; with `#`, all stay.
fn finish_fraction(out: &mut String, start: usize, alt: bool) {
    if alt || !out[start..].contains('.') {
        return;
    }
    while out.ends_with('0') {
        out.pop();
    }
    if out.ends_with('.') {
        out.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_c() {
        assert_eq!(float_to_string(1e15), "1e+15");
        assert_eq!(float_to_string(1e16), "1e+16");
        assert_eq!(float_to_string(100.0), "100.0");
        assert_eq!(float_to_string(-0.0), "-0.0");
        assert_eq!(float_to_string(0.1), "0.1");
        assert_eq!(float_to_string(std::f64::consts::PI), "3.1415926535898");
        assert_eq!(float_to_string(2f64.powi(63)), "9.2233720368548e+18");
        assert_eq!(float_to_string(5e-324), "4.9406564584125e-324");
        assert_eq!(float_to_string(f64::INFINITY), "inf");
        assert_eq!(fmt_g(1e20, 6, false, false), "1e+20");
        assert_eq!(fmt_g(0.0001, 6, false, false), "0.0001");
        assert_eq!(fmt_g(0.00001, 6, false, false), "1e-05");
        assert_eq!(fmt_e(12345.678, 2, false), "1.23e+04");
        assert_eq!(fmt_g(100.0, 6, false, true), "100.000");
        assert_eq!(fmt_g(1e5, 1, false, true), "1.e+05");
        assert_eq!(fmt_g(1e5, 1, false, false), "1e+05");
        assert_eq!(fmt_g(0.0, 6, false, true), "0.00000");
        assert_eq!(fmt_g(-0.0, 6, false, false), "-0");
        assert_eq!(fmt_g(9.99999999, 3, false, false), "10");
        assert_eq!(fmt_g(123456.0, 6, true, false), "123456");
        assert_eq!(fmt_g(1234567.0, 6, true, false), "1.23457E+06");
        assert_eq!(fmt_g(0.000123, 2, false, false), "0.00012");
    }

    #[test]
    fn parses_like_lua() {
        assert_eq!(str_to_number(b" 10 "), Some(Number::Int(10)));
        assert_eq!(str_to_number(b"0x10"), Some(Number::Int(16)));
        assert_eq!(str_to_number(b"0xffffffffffffffff"), Some(Number::Int(-1)));
        assert_eq!(str_to_number(b"1e1"), Some(Number::Float(10.0)));
        assert_eq!(str_to_number(b"0x1p4"), Some(Number::Float(16.0)));
        assert_eq!(
            str_to_number(b"9223372036854775808"),
            Some(Number::Float(9.223372036854776e18))
        );
        assert_eq!(
            str_to_number(b"-9223372036854775808"),
            Some(Number::Int(i64::MIN))
        );
        assert_eq!(str_to_number(b"inf"), None);
        assert_eq!(str_to_number(b"1e"), None);
        assert_eq!(str_to_number(b""), None);
        assert_eq!(str_to_number(b".5"), Some(Number::Float(0.5)));
        assert_eq!(str_to_number(b"5."), Some(Number::Float(5.0)));
    }

    #[test]
    fn integer_division_and_modulo() {
        assert_eq!(int_idiv(-7, 2), Some(-4));
        assert_eq!(int_mod(-7, 3), Some(2));
        assert_eq!(int_mod(7, -3), Some(-2));
        assert_eq!(int_idiv(i64::MIN, -1), Some(i64::MIN));
        assert_eq!(float_mod(-7.5, 2.0), 0.5);
        assert_eq!(shift_left(1, 64), 0);
        assert_eq!(shift_left(-1, -1), i64::MAX);
    }
}
