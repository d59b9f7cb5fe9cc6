//! Numbers as Lua reads, computes and prints them: the one definition the compiler (numerals,
//! constant folding, the disassembler) and the VM (arithmetic, comparisons, coercions,
//! `tostring`, `string.format`) share.
//!
//! # Design
//! PUC-Rio Lua keeps these facts in one place, `lobject.c` (`luaO_str2num`, `luaO_rawarith`,
//! `tostringbuff`) and the number half of `lvm.c` (`luaV_idiv`, `luaV_mod`, `luaV_shiftl`,
//! `LTintfloat`), so a constant folded by `lcode.c` is by construction what `OP_ADD` would have
//! computed at run time, and a numeral in source is what `tonumber` makes of the same text.
//! This module is that place here: the compiler and the VM both import it and neither keeps a
//! copy, so the two cannot drift apart. It sits below both (it knows no `Value`, no `Proto`),
//! and the interpreter's inline fast paths call the same functions the slow path and the
//! folder call.
//!
//! - [`parse`]: numerals (`luaO_str2num`): integer if written as one and it fits, hexadecimal
//!   integers wrapping modulo 2^64, floats correctly rounded (hexadecimal ones too);
//! - this file: the two subtypes, the operators and their raw arithmetic, integer/float
//!   conversions and exact mixed comparisons;
//! - [`format`]: C's `%.14g` for `tostring` and `%e`/`%f`/`%g` for `string.format`, with
//!   glibc's spelling of infinities and NaNs (`inf`, `-nan`).
//!
//! Arithmetic follows `lvm.c`: integer operations wrap, `//` and `%` round toward minus
//! infinity, shifts by 64 or more give 0, float `%` has the sign of the divisor.

pub mod format;
pub mod parse;

#[cfg(test)]
mod tests;

pub use format::{float_to_string, fmt_e, fmt_f, fmt_g, int_text};
pub use parse::{is_space, str_to_number};

/// A Lua number: the two subtypes are kept apart (`1` and `1.0` are different constants and
/// different table keys only by subtype, and print differently).
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum Number {
    /// An integer (`lua_Integer`).
    Int(i64),
    /// A float (`lua_Number`).
    Float(f64),
}

impl Number {
    /// The value as a float (`nvalue`): how mixed operands meet in float arithmetic.
    pub fn as_float(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }

    /// The value as an integer if it has an exact integer representation
    /// (`luaV_tointegerns` with `F2Ieq`): what bitwise operators accept.
    pub fn to_int_exact(self) -> Option<i64> {
        match self {
            Number::Int(i) => Some(i),
            Number::Float(f) => float_to_int_exact(f),
        }
    }
}

/// Arithmetic and bitwise operators, in `LUA_OPADD` order (the order of their metamethods):
/// one enum for the folder, the interpreter and `string`'s arithmetic metamethods.
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

impl ArithOp {
    /// Bitwise operators convert their operands to integers (and fail on floats without an
    /// integer value); the others work on either subtype.
    pub fn is_bitwise(self) -> bool {
        use ArithOp::*;
        matches!(self, BAnd | BOr | BXor | Shl | Shr | BNot)
    }
}

/// Why raw arithmetic on two numbers has no result: each is a different Lua error (or, for
/// the folder, a reason to leave the operation to run time).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ArithFault {
    /// A bitwise operand is a float without an integer value ("number has no integer
    /// representation", unless a metamethod handles it).
    NoInteger,
    /// Integer `//` by zero ("attempt to divide by zero").
    DivByZero,
    /// Integer `%` by zero ("attempt to perform 'n%0'").
    ModByZero,
}

/// `luaO_rawarith` on numbers: `a op b` (`b` is ignored by unary operators).
///
/// # Errors
/// [`ArithFault`] when Lua would raise an error (or try a metamethod).
pub fn arith(op: ArithOp, a: Number, b: Number) -> Result<Number, ArithFault> {
    use ArithOp::*;
    if op.is_bitwise() {
        let x = a.to_int_exact().ok_or(ArithFault::NoInteger)?;
        let y = b.to_int_exact().ok_or(ArithFault::NoInteger)?;
        return Ok(Number::Int(match op {
            BAnd => x & y,
            BOr => x | y,
            BXor => x ^ y,
            Shl => shift_left(x, y),
            Shr => shift_left(x, y.wrapping_neg()),
            _ => !x,
        }));
    }
    Ok(match (op, a, b) {
        (Div | Pow, _, _) => Number::Float(float_arith(op, a.as_float(), b.as_float())),
        (_, Number::Int(x), Number::Int(y)) => Number::Int(match op {
            Add => x.wrapping_add(y),
            Sub => x.wrapping_sub(y),
            Mul => x.wrapping_mul(y),
            Mod => int_mod(x, y).ok_or(ArithFault::ModByZero)?,
            IDiv => int_idiv(x, y).ok_or(ArithFault::DivByZero)?,
            _ => x.wrapping_neg(), // Unm
        }),
        _ => Number::Float(float_arith(op, a.as_float(), b.as_float())),
    })
}

/// `luai_num*`: the float version of an arithmetic operator (NaN for a bitwise one, which
/// never gets here: bitwise operators work on integers).
#[inline]
pub fn float_arith(op: ArithOp, x: f64, y: f64) -> f64 {
    use ArithOp::*;
    match op {
        Add => x + y,
        Sub => x - y,
        Mul => x * y,
        Div => x / y,
        Mod => float_mod(x, y),
        Pow => float_pow(x, y),
        IDiv => float_idiv(x, y),
        Unm => -x,
        _ => f64::NAN,
    }
}

/// `x - k` for a float `x` and an integer constant `k` written in the source. lua5.4 codes a
/// small `k` as `ADDI x, -k`, adding the integer `-k` converted to float; that differs from
/// `x - k` only when `k` is 0 and `x` is `-0.0` (`-0.0 + 0.0` is `0.0`, `-0.0 - 0.0` is
/// `-0.0`), so only that case is written as an addition.
#[inline]
pub fn float_minus_int_constant(x: f64, k: i64) -> f64 {
    if k == 0 {
        x + 0.0
    } else {
        x - k as f64
    }
}

/// `luai_numpow`: C's `pow`, with the `x^2` case Lua writes as a product.
#[inline]
pub fn float_pow(x: f64, y: f64) -> f64 {
    if y == 2.0 {
        x * x
    } else {
        x.powf(y)
    }
}

/// `luai_numidiv`: float floor division.
#[inline]
pub fn float_idiv(a: f64, b: f64) -> f64 {
    (a / b).floor()
}

/// `luai_nummod`: C's `fmod`, corrected to have the sign of the divisor (so `-1 % math.huge`
/// is `inf` in 5.4.4, as the reference computes it).
#[inline]
pub fn float_mod(a: f64, b: f64) -> f64 {
    let m = a % b;
    if (m > 0.0 && b < 0.0) || (m < 0.0 && b > 0.0) {
        m + b
    } else {
        m
    }
}

/// `luaV_idiv`: integer floor division; `None` for division by zero. `mininteger // -1`
/// wraps to `mininteger` instead of trapping.
#[inline]
pub fn int_idiv(m: i64, n: i64) -> Option<i64> {
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
#[inline]
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

/// `luaV_shiftl`: `x << y` (a right shift for negative `y`), logical, 0 when |y| >= 64.
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

/// C's `ldexp`: `x * 2^e` rounded once. Large scalings go in steps that stay exact: down,
/// the first steps keep the value normal or leave a remaining exponent that underflows
/// whatever the value (below -53), so the final multiplication is the only rounding; a
/// result that rounds twice through the subnormal range would differ from C's.
pub fn ldexp(x: f64, e: i64) -> f64 {
    let pow2 = |k: i64| f64::from_bits(((1023 + k) as u64) << 52);
    let (mut y, mut n) = (x, e.clamp(-3000, 3000));
    for _ in 0..2 {
        if n > 1023 {
            y *= pow2(1023);
            n -= 1023;
        } else if n < -1022 {
            y *= pow2(-1022 + 53);
            n += 1022 - 53;
        }
    }
    y * pow2(n.clamp(-1022, 1023))
}

/// `F2Ieq`: a float with an exact integer value in `i64`'s range as that integer; `None` if it
/// has a fractional part, is out of range, or is NaN.
#[inline]
pub fn float_to_int_exact(f: f64) -> Option<i64> {
    // -2^63 is exactly representable; 2^63 is the first value out of range.
    if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) {
        let i = f as i64;
        if i as f64 == f {
            return Some(i);
        }
    }
    None
}

/// Exact `i == f`: a float equals an integer only if it has that exact integer value (no
/// rounding of the integer to a float).
#[inline]
pub fn int_eq_float(i: i64, f: f64) -> bool {
    float_to_int_exact(f) == Some(i)
}

/// Integers in this range convert to floats exactly, so they compare as floats.
const EXACT_IN_FLOAT: std::ops::RangeInclusive<i64> = -(1i64 << 53)..=(1i64 << 53);

/// Exact `i < f` (`LTintfloat`): no rounding of a large integer to a float.
pub fn int_lt_float(i: i64, f: f64) -> bool {
    if f.is_nan() {
        return false;
    }
    if EXACT_IN_FLOAT.contains(&i) {
        return (i as f64) < f;
    }
    // i < f <=> i < ceil(f), compared as integers when ceil(f) is in range.
    if f >= 9_223_372_036_854_775_808.0 {
        true
    } else if f > -9_223_372_036_854_775_808.0 {
        i < f.ceil() as i64
    } else {
        false
    }
}

/// Exact `i <= f` (`LEintfloat`).
pub fn int_le_float(i: i64, f: f64) -> bool {
    if f.is_nan() {
        return false;
    }
    if EXACT_IN_FLOAT.contains(&i) {
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

/// Exact `f < i` (`LTfloatint`).
pub fn float_lt_int(f: f64, i: i64) -> bool {
    if f.is_nan() {
        return false;
    }
    if EXACT_IN_FLOAT.contains(&i) {
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

/// Exact `f <= i` (`LEfloatint`).
pub fn float_le_int(f: f64, i: i64) -> bool {
    if f.is_nan() {
        return false;
    }
    if EXACT_IN_FLOAT.contains(&i) {
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
