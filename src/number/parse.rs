//! Numerals (`luaO_str2num`): the lexer's numbers and `tonumber`/coercions of strings alike.
//!
//! A numeral is an integer if it is written as one and fits (decimal) — hexadecimal integers
//! wrap around modulo 2^64 — and a float otherwise. Decimal floats use Rust's correctly
//! rounded parser (as glibc's `strtod` is); hexadecimal floats are assembled from a 60-bit
//! mantissa with a sticky bit, so they round correctly too (as `strtod` does for `0x` input).
//! `inf` and `nan` are refused, as Lua refuses anything with an `n`.

use super::Number;

/// `lisspace`: the C locale's white space, the only padding a numeral string may have around
/// it (and what the lexer's `\z` skips); no locale or Unicode spaces, as in the reference.
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
    // Fold the sticky bit into the lowest bit: with 60 bits of mantissa, one rounding of
    // `m` to the result's precision is the rounding of the infinitely precise value.
    let m = mant << 1 | sticky as u64;
    let r = scale_rounded(m, exp.saturating_sub(1));
    Some(if neg { -r } else { r })
}

/// `m * 2^e` rounded once, as `strtod` does. A normal result: `m` rounds to 53 bits in its
/// conversion and the scaling is exact. A subnormal one has fewer bits: `m` rounds (to
/// nearest, ties to even) at 2^-1074 here, since converting it first and letting the
/// scaling round again would round twice.
fn scale_rounded(m: u64, e: i64) -> f64 {
    let drop = (-1074i64).saturating_sub(e); // bits of `m` below 2^-1074
    let top = 63 - m.leading_zeros() as i64 + e; // exponent of `m`'s highest bit
    if m == 0 || drop <= 0 || top >= -1022 {
        return super::ldexp(m as f64, e);
    }
    if drop > 64 {
        return 0.0; // below half of 2^-1074 (`m` has at most 61 bits)
    }
    let (m, drop) = (m as u128, drop as u32);
    let (q, rem, half) = (m >> drop, m & ((1 << drop) - 1), 1u128 << (drop - 1));
    let q = q + u128::from(rem > half || (rem == half && q & 1 == 1));
    super::ldexp(q as f64, -1074)
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
pub fn str_to_number(s: &[u8]) -> Option<Number> {
    if let Some(i) = str2int(s) {
        return Some(Number::Int(i));
    }
    str2d(s).map(Number::Float)
}
