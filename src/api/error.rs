//! `telelua::Error`: everything the embedding API can fail with, worded for people.

use crate::snapshot::SnapshotError;

/// An error from the embedding API.
///
/// Lua errors that escape a script are [`Error::Runtime`] (with the message as `lua5.4` words
/// it and a traceback); everything the host did wrong (a bad conversion, a handle of another
/// VM, a name nobody registered) has its own kind, so a host can tell a script's fault from
/// its own.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// The source does not compile (`chunk:line: message near 'token'`).
    Syntax(String),
    /// A Lua error escaped the script.
    Runtime {
        /// The error message (`chunk:line: message`), or a description of a non-string
        /// error value as `lua.c` gives it.
        message: String,
        /// A Lua-style traceback of where it was raised.
        traceback: String,
    },
    /// The VM ran out of its memory budget ("not enough memory" escaped the script).
    Memory,
    /// A run to completion used up the fuel it was given; the call is still in flight and
    /// can be continued.
    FuelExhausted {
        /// Fuel spent.
        fuel: u64,
    },
    /// The call is waiting in a host function (`kind`); a run to completion cannot finish it
    /// until the host delivers.
    Waiting {
        /// The wait kind.
        kind: String,
    },
    /// A snapshot could not be saved or restored.
    Snapshot(SnapshotError),
    /// A value could not be converted.
    Conversion {
        /// Where in the value: `.pos.x` (fields) and `[3]` (elements), empty at top level.
        path: String,
        /// What was expected.
        expected: String,
        /// What was found.
        found: String,
    },
    /// A handle used with a VM it does not belong to, or already released there.
    BadHandle(String),
    /// A name (host function, wait kind, userdata type) nobody registered.
    Unknown {
        /// What kind of name.
        what: &'static str,
        /// The name.
        name: String,
    },
    /// A userdata borrowed while it is already borrowed (a method re-entering its object).
    Borrow(String),
    /// A host function failed with this message (it becomes a Lua error in the script).
    Message(String),
}

impl Error {
    /// A host-function error with a message (raised in the script as `chunk:line: msg`).
    pub fn msg(message: impl Into<String>) -> Error {
        Error::Message(message.into())
    }

    /// A conversion error.
    pub fn conversion(expected: impl Into<String>, found: impl Into<String>) -> Error {
        Error::Conversion {
            path: String::new(),
            expected: expected.into(),
            found: found.into(),
        }
    }

    /// Prefixes a conversion error's location with `segment` (`.name` for a field, `[i]` for
    /// an element; outermost last): `.x` then `.pos` make `.pos.x`.
    pub(crate) fn at(self, segment: &str) -> Error {
        match self {
            Error::Conversion {
                path,
                expected,
                found,
            } => Error::Conversion {
                path: format!("{segment}{path}"),
                expected,
                found,
            },
            other => other,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Syntax(m) => f.write_str(m),
            Error::Runtime { message, .. } => f.write_str(message),
            Error::Memory => f.write_str("not enough memory"),
            Error::FuelExhausted { fuel } => {
                write!(
                    f,
                    "fuel exhausted after {fuel} units (the call can be continued)"
                )
            }
            Error::Waiting { kind } => write!(f, "the call is waiting for the host ({kind})"),
            Error::Snapshot(e) => write!(f, "{e}"),
            Error::Conversion {
                path,
                expected,
                found,
            } => {
                if path.is_empty() {
                    write!(f, "expected {expected}, got {found}")
                } else {
                    write!(
                        f,
                        "{}: expected {expected}, got {found}",
                        describe_path(path)
                    )
                }
            }
            Error::BadHandle(m) => write!(f, "bad handle: {m}"),
            Error::Unknown { what, name } => write!(f, "{what} '{name}' is not registered"),
            Error::Borrow(m) => f.write_str(m),
            Error::Message(m) => f.write_str(m),
        }
    }
}

/// How a conversion path reads in a message: `.pos.x` is `field 'pos.x'`, `[3]` is
/// `element [3]`, `#2` is `value #2` (an argument or result), and they combine
/// (`value #2, field 'pos.x'`).
fn describe_path(path: &str) -> String {
    if let Some(rest) = path.strip_prefix('#') {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let (n, inner) = rest.split_at(digits);
        return if inner.is_empty() {
            format!("value #{n}")
        } else {
            format!("value #{n}, {}", describe_path(inner))
        };
    }
    match path.strip_prefix('.') {
        Some(rest) => format!("field '{rest}'"),
        None => format!("element {path}"),
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Snapshot(e) => Some(e),
            _ => None,
        }
    }
}

impl From<SnapshotError> for Error {
    fn from(e: SnapshotError) -> Error {
        Error::Snapshot(e)
    }
}

/// Results of the embedding API.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_as_lua_users_expect() {
        let e = Error::conversion("number", "string").at(".x").at(".pos");
        assert_eq!(e.to_string(), "field 'pos.x': expected number, got string");
        let e = Error::conversion("number", "nil").at("[3]").at(".list");
        assert_eq!(e.to_string(), "field 'list[3]': expected number, got nil");
        let e = Error::conversion("string", "table").at("[2]");
        assert_eq!(e.to_string(), "element [2]: expected string, got table");
        let e = Error::conversion("number", "string").at(".x").at("#2");
        assert_eq!(
            e.to_string(),
            "value #2, field 'x': expected number, got string"
        );
    }
}
