//! Single-character matching: classes, sets and the end of a pattern item.
//!
//! Design note. These are direct ports of `lstrlib.c`'s `classend`, `match_class`,
//! `matchbracketclass` and `singlematch`, over byte slices and indices instead of pointers.
//! C reads the NUL terminator that every Lua string carries one past its end (`*p` at `p_end`,
//! `*s` at `src_end`); [`at`] reproduces that by returning 0 for any index at or past the end,
//! which also makes every access here panic-free whatever the indices. Classes use the C
//! locale: ASCII only, bytes >= 0x80 belong to no class.

use super::error::PatternError;

/// Lua's escape character.
pub(crate) const L_ESC: u8 = b'%';

/// The byte at `i`, or 0 (C's terminating NUL) past the end.
#[inline]
pub(crate) fn at(bytes: &[u8], i: usize) -> u8 {
    bytes.get(i).copied().unwrap_or(0)
}

/// Index just past the single-character class starting at `p` (lstrlib's `classend`).
///
/// # Errors
/// `malformed pattern (ends with '%')` and `malformed pattern (missing ']')`.
pub(crate) fn class_end(pat: &[u8], p: usize) -> Result<usize, PatternError> {
    let plen = pat.len();
    let c = at(pat, p);
    let mut p = p.saturating_add(1);
    match c {
        L_ESC => {
            if p >= plen {
                return Err(PatternError::EndsWithPercent);
            }
            Ok(p.saturating_add(1))
        }
        b'[' => {
            if at(pat, p) == b'^' {
                p = p.saturating_add(1);
            }
            loop {
                // look for a ']'
                if p >= plen {
                    return Err(PatternError::MissingBracket);
                }
                let c = at(pat, p);
                p = p.saturating_add(1);
                if c == L_ESC && p < plen {
                    p = p.saturating_add(1); // skip escapes (e.g. '%]')
                }
                if at(pat, p) == b']' {
                    break;
                }
            }
            Ok(p.saturating_add(1))
        }
        _ => Ok(p),
    }
}

/// C-locale `isspace`: includes `\v`, unlike `u8::is_ascii_whitespace`.
#[inline]
const fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The class letters (lower case) in bit order of [`CLASSES`].
const CLASS_LETTERS: &[u8; 11] = b"acdglpsuwxz";

/// For every byte, the classes it belongs to in the C locale: bit `k` for the class letter
/// `CLASS_LETTERS[k]` (`%z` is the NUL byte). One load and a mask per test, where a `match`
/// on the letter per subject byte cost the matcher's loops a jump each.
static CLASSES: [u16; 256] = {
    let mut table = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let member = [
            c.is_ascii_alphabetic(),
            c.is_ascii_control(),
            c.is_ascii_digit(),
            c.is_ascii_graphic(),
            c.is_ascii_lowercase(),
            c.is_ascii_punctuation(),
            is_space(c),
            c.is_ascii_uppercase(),
            c.is_ascii_alphanumeric(),
            c.is_ascii_hexdigit(),
            c == 0,
        ];
        let mut k = 0;
        while k < member.len() {
            if member[k] {
                table[i] |= 1 << k;
            }
            k += 1;
        }
        i += 1;
    }
    table
};

/// For every byte, its [`CLASSES`] bit if it is a class letter (either case), else 0.
static CLASS_BITS: [u16; 256] = {
    let mut table = [0u16; 256];
    let mut k = 0;
    while k < CLASS_LETTERS.len() {
        let l = CLASS_LETTERS[k];
        table[l as usize] = 1 << k;
        table[l.to_ascii_uppercase() as usize] = 1 << k;
        k += 1;
    }
    table
};

/// The [`CLASSES`] bit of class letter `cl` (either case), or 0 if `cl` names no class.
#[inline]
fn class_bit(cl: u8) -> u16 {
    CLASS_BITS[usize::from(cl)]
}

/// Does byte `c` belong to class letter `cl` (`%a`, `%A`, ...)? Non-letters match themselves.
pub(crate) fn match_class(c: u8, cl: u8) -> bool {
    Item::class(cl).matches(c, &[])
}

/// A single-character class decoded once, for the loops that test it against many subject
/// bytes (`max_expand`'s count, a search's first item).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Item {
    /// `.`
    Any,
    /// A literal byte (also `%` followed by a non-letter).
    Byte(u8),
    /// `%a` ... (`bit` from [`class_bit`]), `want` false for the upper-case complement.
    Class { bit: u16, want: bool },
    /// A set `[...]` from the `[` at `p` to the `]` at `ec`.
    Set { p: usize, ec: usize },
}

impl Item {
    /// The item `%cl`.
    #[inline]
    fn class(cl: u8) -> Item {
        match class_bit(cl) {
            0 => Item::Byte(cl),
            bit => Item::Class {
                bit,
                want: cl.is_ascii_lowercase(),
            },
        }
    }

    /// The single-character class `pat[p..ep]`.
    #[inline]
    pub(crate) fn decode(pat: &[u8], p: usize, ep: usize) -> Item {
        match at(pat, p) {
            b'.' => Item::Any,
            L_ESC => Item::class(at(pat, p.saturating_add(1))),
            b'[' => Item::Set {
                p,
                ec: ep.saturating_sub(1),
            },
            pc => Item::Byte(pc),
        }
    }

    /// Does `c` belong to this class (`pat` is the pattern a set is in)?
    #[inline(always)]
    pub(crate) fn matches(self, c: u8, pat: &[u8]) -> bool {
        match self {
            Item::Any => true,
            Item::Byte(b) => b == c,
            Item::Class { bit, want } => (CLASSES[usize::from(c)] & bit != 0) == want,
            Item::Set { p, ec } => match_bracket_class(c, pat, p, ec),
        }
    }
}

/// Does `c` belong to the set `[...]` that starts at `p` (the '[') and ends at `ec` (the ']')?
pub(crate) fn match_bracket_class(c: u8, pat: &[u8], p: usize, ec: usize) -> bool {
    let mut p = p;
    let mut sig = true;
    if at(pat, p.saturating_add(1)) == b'^' {
        sig = false;
        p = p.saturating_add(1); // skip the '^'
    }
    loop {
        p = p.saturating_add(1);
        if p >= ec {
            break;
        }
        if at(pat, p) == L_ESC {
            p = p.saturating_add(1);
            if match_class(c, at(pat, p)) {
                return sig;
            }
        } else if at(pat, p.saturating_add(1)) == b'-' && p.saturating_add(2) < ec {
            p = p.saturating_add(2);
            if at(pat, p - 2) <= c && c <= at(pat, p) {
                return sig;
            }
        } else if at(pat, p) == c {
            return sig;
        }
    }
    !sig
}

/// Does the subject byte at `s` match the single-character class `pat[p..ep]`?
/// False at or past the end of the subject.
pub(crate) fn single_match(subj: &[u8], s: usize, pat: &[u8], p: usize, ep: usize) -> bool {
    let Some(&c) = subj.get(s) else {
        return false;
    };
    Item::decode(pat, p, ep).matches(c, pat)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_the_c_locale() {
        assert!(match_class(0x0b, b's'));
        assert!(!match_class(0xe9, b'a'));
        assert!(match_class(0xe9, b'A'));
        assert!(match_class(b'.', b'.'));
        assert!(match_class(0, b'z'));
        assert!(match_class(b'_', b'p'));
        assert!(match_class(0x7f, b'c'));
    }

    /// `match_class` as lstrlib writes it (a switch on the letter), the table's oracle.
    fn match_class_switch(c: u8, cl: u8) -> bool {
        let res = match cl.to_ascii_lowercase() {
            b'a' => c.is_ascii_alphabetic(),
            b'c' => c.is_ascii_control(),
            b'd' => c.is_ascii_digit(),
            b'g' => c.is_ascii_graphic(),
            b'l' => c.is_ascii_lowercase(),
            b'p' => c.is_ascii_punctuation(),
            b's' => is_space(c),
            b'u' => c.is_ascii_uppercase(),
            b'w' => c.is_ascii_alphanumeric(),
            b'x' => c.is_ascii_hexdigit(),
            b'z' => c == 0,
            _ => return cl == c,
        };
        if cl.is_ascii_lowercase() {
            res
        } else {
            !res
        }
    }

    #[test]
    fn the_class_table_agrees_with_the_switch_on_every_pair() {
        for cl in 0..=255u8 {
            for c in 0..=255u8 {
                assert_eq!(
                    match_class(c, cl),
                    match_class_switch(c, cl),
                    "{c} in %{cl}"
                );
            }
        }
    }

    #[test]
    fn class_end_errors() {
        assert_eq!(class_end(b"%", 0), Err(PatternError::EndsWithPercent));
        assert_eq!(class_end(b"[a", 0), Err(PatternError::MissingBracket));
        assert_eq!(class_end(b"[^", 0), Err(PatternError::MissingBracket));
        assert_eq!(class_end(b"[%]", 0), Err(PatternError::MissingBracket));
        assert_eq!(class_end(b"[]]", 0), Ok(3));
        assert_eq!(class_end(b"[^]]x", 0), Ok(4));
        assert_eq!(class_end(b"%ax", 0), Ok(2));
        assert_eq!(class_end(b"ax", 0), Ok(1));
    }

    #[test]
    fn bracket_sets() {
        let pat = b"[a-c%d_]";
        for (c, want) in [(b'b', true), (b'5', true), (b'_', true), (b'd', false)] {
            assert_eq!(match_bracket_class(c, pat, 0, 7), want, "{}", c as char);
        }
        let pat = b"[^a-]";
        assert!(!match_bracket_class(b'a', pat, 0, 4));
        assert!(!match_bracket_class(b'-', pat, 0, 4));
        assert!(match_bracket_class(b'b', pat, 0, 4));
    }
}
