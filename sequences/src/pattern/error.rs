//! Errors of the pattern sequences.
//!
//! Design note. Lua errors carry exactly the message `lstrlib.c` passes to `luaL_error`
//! (without the position prefix: the VM adds `luaL_where` information if it wants it), so the
//! VM can raise them verbatim. Corrupt-state errors are a separate variant: they are never
//! produced by a well-behaved host, only by inconsistent snapshots or misuse of the API.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A pattern-matching failure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PatternError {
    /// `malformed pattern (ends with '%')`
    EndsWithPercent,
    /// `malformed pattern (missing ']')`
    MissingBracket,
    /// `missing '[' after '%f' in pattern`
    MissingFrontierBracket,
    /// `malformed pattern (missing arguments to '%b')`
    MissingBalanceArgs,
    /// `invalid capture index %N` (N is the 1-based index as Lua prints it; may be 0 or
    /// negative-looking only as Lua would print it).
    InvalidCaptureIndex(i32),
    /// `invalid pattern capture`
    InvalidPatternCapture,
    /// `unfinished capture`
    UnfinishedCapture,
    /// `too many captures`
    TooManyCaptures,
    /// `pattern too complex`
    TooComplex,
    /// `invalid use of '%' in replacement string`
    InvalidReplacementEscape,
    /// Not a Lua error: the state and the input disagree (a corrupt snapshot, a different
    /// subject than the one the sequence was created for, an answer nobody asked for).
    Corrupt(&'static str),
}

impl PatternError {
    /// True for errors Lua itself raises; false for [`PatternError::Corrupt`].
    pub fn is_lua_error(&self) -> bool {
        !matches!(self, PatternError::Corrupt(_))
    }
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PatternError::EndsWithPercent => f.write_str("malformed pattern (ends with '%')"),
            PatternError::MissingBracket => f.write_str("malformed pattern (missing ']')"),
            PatternError::MissingFrontierBracket => {
                f.write_str("missing '[' after '%f' in pattern")
            }
            PatternError::MissingBalanceArgs => {
                f.write_str("malformed pattern (missing arguments to '%b')")
            }
            PatternError::InvalidCaptureIndex(i) => write!(f, "invalid capture index %{i}"),
            PatternError::InvalidPatternCapture => f.write_str("invalid pattern capture"),
            PatternError::UnfinishedCapture => f.write_str("unfinished capture"),
            PatternError::TooManyCaptures => f.write_str("too many captures"),
            PatternError::TooComplex => f.write_str("pattern too complex"),
            PatternError::InvalidReplacementEscape => {
                f.write_str("invalid use of '%' in replacement string")
            }
            PatternError::Corrupt(what) => write!(f, "corrupt pattern state: {what}"),
        }
    }
}

impl std::error::Error for PatternError {}
