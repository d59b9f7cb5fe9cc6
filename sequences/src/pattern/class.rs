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
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Does byte `c` belong to class letter `cl` (`%a`, `%A`, ...)? Non-letters match themselves.
pub(crate) fn match_class(c: u8, cl: u8) -> bool {
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
        b'z' => c == 0, // deprecated option, still accepted by 5.4
        _ => return cl == c,
    };
    if cl.is_ascii_lowercase() {
        res
    } else {
        !res
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
    match at(pat, p) {
        b'.' => true,
        L_ESC => match_class(c, at(pat, p.saturating_add(1))),
        b'[' => match_bracket_class(c, pat, p, ep.saturating_sub(1)),
        pc => pc == c,
    }
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
