//! Numbers to text as C's `printf` writes them: `%.14g` for `tostring` (and the
//! disassembler's constants), `%e`/`%f`/`%g` for `string.format`. Infinities and NaNs are
//! spelled as glibc spells them (`inf`, `-inf`, `nan`, `-nan`), since that is what the
//! reference `lua5.4` prints.

/// Float to text as `tostring` does: `%.14g` (`LUAI_NUMFFORMAT`), plus `.0` when the result
/// looks like an integer, so `1.0` and `1` print differently (`1e15` prints as `1e+15`, `2^53`
/// as `9.007199254741e+15`).
pub fn float_to_string(f: f64) -> String {
    let mut s = fmt_g(f, 14, false, false);
    if s.bytes().all(|c| c == b'-' || c.is_ascii_digit()) {
        s.push_str(".0");
    }
    s
}

/// An integer's decimal text (what `i.to_string()` gives), written into `buf` without
/// allocating: numbers concatenated or coerced to strings are common on hot paths.
pub fn int_text(i: i64, buf: &mut [u8; 20]) -> &[u8] {
    // (At most 19 digits and a sign: every `i64` fits in 20 bytes.)
    let mut m = i.unsigned_abs();
    let mut at = buf.len();
    for slot in buf.iter_mut().rev() {
        *slot = b'0' + (m % 10) as u8;
        at -= 1;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if i < 0 && at > 0 {
        at -= 1;
        if let Some(slot) = buf.get_mut(at) {
            *slot = b'-';
        }
    }
    buf.get(at..).unwrap_or(&[])
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
    use super::int_text;

    #[test]
    fn int_text_is_to_string() {
        for i in [
            0,
            1,
            -1,
            9,
            10,
            -10,
            42,
            1 << 40,
            i64::MAX,
            i64::MIN,
            i64::MIN + 1,
        ] {
            assert_eq!(int_text(i, &mut [0; 20]), i.to_string().as_bytes());
        }
    }
}
