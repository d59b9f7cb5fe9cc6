//! Resumable, fuel-metered, serializable algorithms for telelua.
#![forbid(unsafe_code)]
