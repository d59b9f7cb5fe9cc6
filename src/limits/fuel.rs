//! The VM's own fuel costs (the interpreter and the base/coroutine libraries).

/// Every executed instruction.
pub const INSTRUCTION: i64 = 1;
/// Bytes of concatenation result produced per unit of fuel (`..`).
pub const CONCAT_BYTES_PER_FUEL: i64 = 64;
/// Values stored by a table constructor (`SetList`) per unit of fuel.
pub const SETLIST_VALUES_PER_FUEL: i64 = 16;
/// Source bytes compiled by `load` per unit of fuel.
pub const LOAD_BYTES_PER_FUEL: i64 = 16;
/// Bytes written by `print` per unit of fuel.
pub const OUTPUT_BYTES_PER_FUEL: i64 = 64;
/// Creating a coroutine.
pub const COROUTINE_CREATE: i64 = 10;
/// Bytes read by a `load` reader function per unit of fuel.
pub const READER_BYTES_PER_FUEL: i64 = 64;
