//! Lua 5.4 pattern matching as resumable, fuel-metered, serializable sequences.
//!
//! Design note. The matcher (`matcher.rs`) is a line-for-line port of `lstrlib.c`'s recursive
//! `match` onto an explicit stack, so results, captures, errors and the "pattern too complex"
//! limit are identical to Lua 5.4. On top of it sit the drivers the string library needs, each
//! a [`crate::Sequence`]:
//!
//! * [`Find`] — `string.find` (pattern or plain) and `string.match`;
//! * [`GMatch`] — the state of a `string.gmatch` iterator (one search per call, 5.4's
//!   `lastmatch` rule for empty matches);
//! * [`Gsub`] — `string.gsub`'s scanning loop: it asks the host for the replacement of each
//!   match ([`GsubRequest`]) and builds the result buffer itself;
//! * [`gsub_whole`] — a whole gsub at once when the host computes every replacement on the
//!   spot ([`WholeHost`]), giving up (for [`Gsub`] to run) wherever that would stop or fail.
//!
//! Match attempts start on a fast path (`fast.rs`, lstrlib's recursion on the Rust stack
//! with the machine's charges) and fall back to the machine only where it must stop or fail.
//!
//! The subject and pattern are *not* stored: they are passed to every `step` (as a
//! [`PatternInput`]) because the VM owns them. Each driver remembers their lengths and
//! rejects an input of different lengths with [`PatternError::Corrupt`]; deserialization
//! checks every stored position against those lengths, so a restored state is consistent.
//!
//! Positions in the API are 0-based byte offsets; the VM converts Lua's 1-based, possibly
//! negative `init` (lstrlib's `posrelatI(init, len) - 1`) before creating a driver.
//!
//! ```
//! use sequences::{Fuel, Step, pattern::{Find, FindKind}};
//! let (subject, pattern) = (b"hello world", b"o (w)");
//! let mut find = Find::new(FindKind::Find, subject.len(), pattern.len(), 0);
//! let mut fuel = Fuel::new(1_000);
//! let Ok(Step::Done(Some(m))) = find.step(subject, pattern, &mut fuel) else { panic!() };
//! assert_eq!((m.start + 1, m.end), (5, 7));
//! let caps = m.find_captures().unwrap();
//! assert_eq!(caps[0].bytes(subject), Some(&b"w"[..]));
//! ```

mod captures;
mod class;
mod error;
mod fast;
mod find;
mod gmatch;
mod gsub;
mod gsub_whole;
mod matcher;

pub use captures::{expand_replacement, Capture, Match};
pub use error::PatternError;
pub use find::{Find, FindKind};
pub use gmatch::GMatch;
pub use gsub::{Gsub, GsubRequest, GsubResult, Replacement};
pub use gsub_whole::{gsub_whole, WholeHost};
pub use matcher::{CapLen, RawCapture, MAX_CAPTURES, MAX_MATCH_DEPTH};

/// Lua's `posrelatI(init, len) - 1`: the 0-based start offset for `find`/`match`/`gmatch`
/// from Lua's 1-based, possibly negative `init` (default 1). May exceed `len` (then nothing
/// is found); the drivers handle that.
///
/// ```
/// use sequences::pattern::start_offset;
/// assert_eq!(start_offset(1, 5), 0);
/// assert_eq!(start_offset(0, 5), 0);
/// assert_eq!(start_offset(-2, 5), 3);
/// assert_eq!(start_offset(-9, 5), 0);
/// assert_eq!(start_offset(7, 5), 6);
/// ```
pub fn start_offset(init: i64, len: usize) -> usize {
    let len_i = i64::try_from(len).unwrap_or(i64::MAX);
    let pos = if init > 0 {
        init
    } else if init == 0 || init < -len_i {
        1
    } else {
        len_i + init + 1
    };
    usize::try_from(pos - 1).unwrap_or(usize::MAX)
}

/// What a pattern sequence borrows from the VM on every step.
#[derive(Clone, Copy, Debug)]
pub struct PatternInput<'a> {
    /// The subject string (the whole string, whatever `init` was).
    pub subject: &'a [u8],
    /// The pattern, including any leading `^`.
    pub pattern: &'a [u8],
}

/// Check that the borrowed input has the lengths the sequence was created for.
fn check_input(
    subject: &[u8],
    pattern: &[u8],
    subject_len: usize,
    pattern_len: usize,
) -> Result<(), PatternError> {
    if subject.len() != subject_len || pattern.len() != pattern_len {
        return Err(PatternError::Corrupt(
            "subject or pattern differs from the one the sequence was created for",
        ));
    }
    Ok(())
}

/// Implement `Serialize` by delegating to the inner state and `Deserialize` by deserializing
/// the inner state and then validating it, so no inconsistent state is ever constructed.
macro_rules! validated_serde {
    ($outer:ident, $inner:ty) => {
        impl serde::Serialize for $outer {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.0.serialize(s)
            }
        }
        impl<'de> serde::Deserialize<'de> for $outer {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let inner = <$inner as serde::Deserialize>::deserialize(d)?;
                if !inner.validate() {
                    return Err(<D::Error as serde::de::Error>::custom(concat!(
                        "inconsistent ",
                        stringify!($outer),
                        " state"
                    )));
                }
                Ok($outer(inner))
            }
        }
    };
}
pub(crate) use validated_serde;
