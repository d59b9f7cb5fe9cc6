//! The fuel cost table: every cost the VM and its libraries charge, in one place.
//!
//! One fuel unit is about one simple VM instruction. Work whose size a script controls
//! (bytes produced or scanned, values moved, elements handled, source compiled) is charged in
//! proportion, as it happens, so that no fuel unit buys much more time than an instruction
//! does. The values were chosen with `cargo bench --bench fuel`, which times every
//! instruction class and library function per fuel unit against plain instructions (the
//! goal: at most 5× the baseline); `docs/FUEL.md` documents the table and a test checks it
//! against [`TABLE`], and another pins the values so that a change is deliberate.
//!
//! The pattern matcher and the sort live in the `sequences` crate, which knows nothing of the
//! VM: their costs are [`sequences::fuel::cost`], listed here too.
//!
//! There is one fuel counter type, [`Fuel`] (the `sequences` crate's: signed, charged with
//! saturation so no cost can overflow it), used by the interpreter, every native and the
//! pattern matcher and sort alike.

/// The fuel counter every part of the VM charges.
pub use sequences::fuel::Fuel;

/// Every executed instruction.
pub const INSTRUCTION: i64 = 1;
/// Bytes of concatenation result produced per unit of fuel (`..`).
pub const CONCAT_BYTES_PER_FUEL: i64 = 64;
/// Each link of an `__index`/`__newindex` chain followed past the first table (a lookup and
/// a metatable lookup; before, a chain of 10 tables cost 26 times an instruction's time per
/// fuel unit).
pub const INDEX_CHAIN_LINK: i64 = 2;
/// Values stored by a table constructor (`SetList`) per unit of fuel.
pub const SETLIST_VALUES_PER_FUEL: i64 = 16;
/// Values moved in bulk per unit of fuel: a multiple-results sequence copied by `...`
/// (`Vararg` with all values), returned by a native, or passed through a coroutine resume or
/// yield. Without it, passing 10^5 varargs down a chain of calls cost one instruction a level.
pub const VALUES_MOVED_PER_FUEL: i64 = 16;
/// Empty table slots (removed keys, nil array items) `next` skips per unit of fuel.
pub const EMPTY_SLOTS_PER_FUEL: i64 = 16;
/// Compiling a chunk (`load`, `string.dump`'s binary chunks): the fixed part (hashing the
/// chunk's id, building and checking its prototypes). Calibrated: ~650 instructions' time.
pub const LOAD_CALL: i64 = 200;
/// Compiling a chunk: fuel per source byte (lexing, parsing, code generation and checking
/// cost about six instructions' time per byte of typical source).
pub const LOAD_FUEL_PER_BYTE: i64 = 2;
/// A full collection (`collectgarbage()`, or a `collectgarbage("step")`): the fixed part.
pub const FULL_GC: i64 = 100;
/// A full collection the program asked for: bytes of the heap it left per fuel unit (marking
/// and sweeping time grows with the heap; the count after a full collection is the same
/// whatever the snapshots, see `vm::gc`).
pub const GC_LIVE_BYTES_PER_FUEL: i64 = 16;

/// What a complete collection that left `live` bytes costs beyond its fixed part (see
/// [`GC_LIVE_BYTES_PER_FUEL`]): the program's own full collections, and those the memory
/// budget makes for an operation that failed its memory check.
pub fn live_heap_fuel(live: u64) -> i64 {
    i64::try_from(live / GC_LIVE_BYTES_PER_FUEL as u64).unwrap_or(i64::MAX)
}
/// Converting a float to text with at most 17 significant digits (`tostring`, `..`,
/// `table.concat`, `string.format`'s `%g` and friends): shortest-digit generation costs
/// about five instructions' time where an integer's costs one.
pub const FLOAT_FORMAT: i64 = 16;
/// A float converted with more than 17 significant digits (`%99.99f`, `%.99e`): exact
/// digits need big-integer arithmetic whose width grows with the binary exponent. Work units
/// (one digit times one 64-bit word of the exponent's width) per fuel unit; see
/// [`float_format_cost`]. Before, `%99.99f` of 1e308 cost 150 times an instruction's time.
pub const FLOAT_DIGIT_WORDS_PER_FUEL: i64 = 2;
/// Creating a table (a constructor) or a closure, on top of its instruction: allocating,
/// clearing and, later, collecting it took about 11 times an instruction's time. A closure
/// also pays one unit per upvalue.
pub const NEW_OBJECT: i64 = 4;
/// A constructor's presized array slots per fuel unit (each presized hash field costs one).
pub const PRESIZED_SLOTS_PER_FUEL: usize = 4;
/// A string made by a concatenation (`..`) or a pattern capture (`match`, `gmatch`, `find`, a
/// `gsub` function's arguments), on top of its bytes: the allocation and its later collection.
pub const NEW_STRING: i64 = 2;
/// Calling a native (on top of the call instruction): the call itself (arguments window,
/// frame model, results) costs about three instructions' time before the native does any
/// work.
pub const NATIVE_CALL: i64 = 2;
/// Calling a metamethod (`__index`, `__add`, `__eq`... functions; on top of the call's own
/// instructions): the metamethod lookup, the C-call boundary and the frame.
pub const METAMETHOD_CALL: i64 = 2;
/// Resuming a coroutine (`resume`, a `wrap` function): the switch of running thread both
/// ways.
pub const COROUTINE_SWITCH: i64 = 8;
/// An error caught by `pcall`, `xpcall` or a resume: unwinding, the position prefix and
/// closing the frames.
pub const ERROR_CAUGHT: i64 = 12;
/// A native calling Lua (`pcall`, `xpcall`, `sort`'s comparator, `gsub`'s function, a
/// `__tostring` from `print`...): the C-call boundary and the native frame it keeps.
pub const CALL_FROM_NATIVE: i64 = 2;
/// Bytes of two long strings compared per fuel unit (`==` of equal lengths, `<`, `<=`).
pub const STRING_COMPARE_BYTES_PER_FUEL: usize = 256;
/// Converting a table, function, coroutine or userdata to text (`tostring`, `%s`, `print`):
/// the `__name` lookup and the formatting of its address.
pub const ADDRESS_FORMAT: i64 = 8;
/// Bytes read by a `load` reader function per unit of fuel.
pub const READER_BYTES_PER_FUEL: i64 = 64;
/// Bytes written by `print` (and `debug.traceback`) per unit of fuel.
pub const OUTPUT_BYTES_PER_FUEL: i64 = 64;
/// Creating a coroutine: its thread, and the stack and frame list its first resume makes
/// (callgrind: a `coroutine.wrap(f)()` of an empty function is ~5,500 instructions, of which
/// the first resume ~3,200; plain instructions run ~63 per fuel unit).
pub const COROUTINE_CREATE: i64 = 16;
/// Bytes of a string scanned per fuel unit when converting it to a number.
pub const COERCION_BYTES_PER_FUEL: usize = 16;
/// Bytes copied, scanned or produced per fuel unit by the string library.
pub const STRING_BYTES_PER_FUEL: usize = sequences::fuel::cost::WORK_PER_FUEL;
/// One `string.format` conversion, one `pack`/`unpack` option.
pub const STRING_ITEM: i64 = 3;
/// One `gsub` replacement looked up in a table or called: its captures made into values,
/// the lookup or call set up and its answer taken back (3 before 2026-12-06: a quiet run of
/// the calibration measured `gsub` with a function at 7-8x plain instructions' time per fuel).
pub const GSUB_LOOKUP: i64 = 15;
/// `string.sub`, `rep`, `upper`, `lower`, `reverse`: bytes copied or mapped per fuel unit (a
/// copy or a tight byte loop; at 16 bytes per fuel, as the other byte work, `rep` of 10 KB cost
/// 0.13× an instruction's time per fuel unit).
pub const STRING_BUILD_BYTES_PER_FUEL: usize = 32;
/// `string.format('%q')`: bytes of the argument examined per fuel unit, on top of the bytes
/// its escapes produce (at 16, as other byte work, `%q` of 10 KB of control bytes measured
/// 5.4× an instruction's time per fuel unit).
pub const QUOTE_SCAN_BYTES_PER_FUEL: usize = 8;
/// One `string.char` value.
pub const STRING_VALUE: i64 = 1;
/// `string.byte`: values returned per fuel unit, rounded up (at one fuel each, 1,000 values
/// cost 0.06× an instruction's time per fuel unit).
pub const STRING_BYTE_VALUES_PER_FUEL: usize = 8;
/// Fuel per table element read, written or moved by the table library.
pub const TABLE_ELEM: i64 = 1;
/// Fuel for one comparison made by `table.sort` with the default `<` (the sort machinery
/// charges its own steps, see [`sequences::fuel::cost`]).
pub const TABLE_COMPARE: i64 = 1;
/// Bytes of `table.concat` output per fuel unit.
pub const TABLE_CONCAT_BYTES_PER_FUEL: usize = 16;
/// Fuel per element in the initial runs of a sort by keys (about log2(16) comparisons).
pub const KEYSORT_RUN_PER_ELEM: i64 = 4;
/// Fuel per element merged or written back by a sort by keys.
pub const KEYSORT_MERGE_PER_ELEM: i64 = 1;
/// Fuel per argument compared by `math.min`/`math.max`.
pub const MINMAX_ARG: i64 = 1;
/// Bytes scanned or produced per fuel unit by the utf8 library (16 before 2026-12-06:
/// `utf8.len` of 10 KB measured 5.8-6.7x plain instructions' time per fuel).
pub const UTF8_BYTES_PER_FUEL: usize = 8;
/// Bytes of `os.date` output per fuel unit.
pub const DATE_BYTES_PER_FUEL: usize = 16;
/// One `os.date` conversion (`%c`, `%Y`...): formatting a field through `strftime`'s rules
/// costs about ten instructions' time even when its text is two bytes.
pub const DATE_CONVERSION: i64 = 12;
/// One field of a date table read or written (`os.date('*t')`, `os.time(t)`): each makes
/// or looks up a key string and a table slot (before, `os.date('*t')` cost 130 times an
/// instruction's time per fuel unit).
pub const DATE_FIELD: i64 = 6;
/// Bytes written or read per fuel unit by the io library (standalone profile).
pub const IO_BYTES_PER_FUEL: usize = 16;
/// `print` (and `warn`): one line handed to the host's output and flushed, as
/// `lua_writeline` does: a system call for a file or a pipe. Measured 2026-12-07 (release,
/// CPU time): `print()` to a file ~550 ns, to a pipe ~580 ns, against ~3.3 ns per fuel unit
/// of plain instructions; the 5 fuel units it cost before bought ~33× their time.
pub const OUTPUT_LINE: i64 = 40;
/// One call of the io library on a stream (`read`, `write`, a `lines` iteration, `seek`,
/// `flush`, `setvbuf`, `close`, and `os.getenv`), on top of its bytes: the stream's checks and,
/// unbuffered or line-buffered, a system call. Measured 2026-12-07: an unbuffered `write` of
/// one byte ~630 ns, `seek` ~285 ns, a buffered `read('l')` ~305 ns, a buffered `write`
/// ~195 ns (9 fuel units each before: 7–21× plain instructions).
pub const IO_CALL: i64 = 40;
/// A file name the operating system resolves (`io.open`, `io.lines(name)`,
/// `io.input/output(name)`, `os.remove`, `os.rename`; `os.tmpname` pays it twice,
/// `io.tmpfile` three times): ~1.5–4 µs each (2026-12-07: `open` and `close` 3.9 µs, a failed `open` 1.4 µs,
/// `remove` 1.8 µs, a `rename` 4.6 µs).
pub const FILE_NAME_OP: i64 = 500;
/// Starting a process (`io.popen`, `os.execute`): `/bin/sh -c true` started and waited for
/// takes ~0.8–1.4 ms of wall time (2026-12-07; ~50 µs of it this process's CPU). What a
/// command does beyond that is not bounded by fuel: the standalone profile runs trusted
/// scripts (the sandbox has no processes).
pub const PROCESS_START: i64 = 100_000;

/// Fuel for compiling `len` bytes of source.
pub fn load_cost(len: usize) -> i64 {
    LOAD_CALL.saturating_add((len as i64).saturating_mul(LOAD_FUEL_PER_BYTE))
}

/// Fuel for converting `f` to text with `digits` significant digits: [`FLOAT_FORMAT`], plus,
/// past 17 digits, one unit per [`FLOAT_DIGIT_WORDS_PER_FUEL`] digits times the words of
/// the exponent's width (exact digit generation multiplies a big integer of about
/// `|binary exponent| / 64` words by ten per digit).
pub fn float_format_cost(f: f64, digits: i64) -> i64 {
    if digits <= 17 || f == 0.0 || !f.is_finite() {
        return FLOAT_FORMAT;
    }
    let e2 = ((f.to_bits() >> 52) & 0x7ff) as i64 - 1023;
    let words = 1 + e2.abs() / 64;
    FLOAT_FORMAT.saturating_add(digits.saturating_mul(words) / FLOAT_DIGIT_WORDS_PER_FUEL)
}

/// The decimal exponent of a finite, non-zero `f` (C's `%e` exponent, give or take one),
/// for [`float_format_cost`]'s digit count of `%f`.
pub fn decimal_exponent(f: f64) -> i64 {
    let e2 = ((f.to_bits() >> 52) & 0x7ff) as i64 - 1023;
    (e2 * 30103).div_euclid(100_000)
}

/// A host function call (a [`crate::api`] registration), on top of the call instruction and
/// before what the function charges itself (about the time of converting a few arguments).
pub const HOST_CALL: i64 = 5;
/// Each resume of a coroutine waiting for the host (a poll, a delivery, the end of a call it
/// asked for).
pub const WAIT_RESUME: i64 = 1;

/// One row of the cost table.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Cost {
    /// The constant's name (in this module, or `sequences::fuel::cost::NAME`).
    pub name: &'static str,
    /// Its value.
    pub value: i64,
}

macro_rules! costs {
    ($($name:literal => $value:expr,)*) => {
        &[$(Cost { name: $name, value: $value as i64 },)*]
    };
}

/// Every cost, as `docs/FUEL.md` lists it.
pub const TABLE: &[Cost] = costs! {
    "INSTRUCTION" => INSTRUCTION,
    "CONCAT_BYTES_PER_FUEL" => CONCAT_BYTES_PER_FUEL,
    "INDEX_CHAIN_LINK" => INDEX_CHAIN_LINK,
    "SETLIST_VALUES_PER_FUEL" => SETLIST_VALUES_PER_FUEL,
    "VALUES_MOVED_PER_FUEL" => VALUES_MOVED_PER_FUEL,
    "EMPTY_SLOTS_PER_FUEL" => EMPTY_SLOTS_PER_FUEL,
    "LOAD_CALL" => LOAD_CALL,
    "LOAD_FUEL_PER_BYTE" => LOAD_FUEL_PER_BYTE,
    "FULL_GC" => FULL_GC,
    "GC_LIVE_BYTES_PER_FUEL" => GC_LIVE_BYTES_PER_FUEL,
    "FLOAT_FORMAT" => FLOAT_FORMAT,
    "FLOAT_DIGIT_WORDS_PER_FUEL" => FLOAT_DIGIT_WORDS_PER_FUEL,
    "NEW_OBJECT" => NEW_OBJECT,
    "PRESIZED_SLOTS_PER_FUEL" => PRESIZED_SLOTS_PER_FUEL,
    "NEW_STRING" => NEW_STRING,
    "NATIVE_CALL" => NATIVE_CALL,
    "METAMETHOD_CALL" => METAMETHOD_CALL,
    "COROUTINE_SWITCH" => COROUTINE_SWITCH,
    "ERROR_CAUGHT" => ERROR_CAUGHT,
    "CALL_FROM_NATIVE" => CALL_FROM_NATIVE,
    "STRING_COMPARE_BYTES_PER_FUEL" => STRING_COMPARE_BYTES_PER_FUEL,
    "ADDRESS_FORMAT" => ADDRESS_FORMAT,
    "READER_BYTES_PER_FUEL" => READER_BYTES_PER_FUEL,
    "OUTPUT_BYTES_PER_FUEL" => OUTPUT_BYTES_PER_FUEL,
    "COROUTINE_CREATE" => COROUTINE_CREATE,
    "COERCION_BYTES_PER_FUEL" => COERCION_BYTES_PER_FUEL,
    "STRING_BYTES_PER_FUEL" => STRING_BYTES_PER_FUEL,
    "STRING_ITEM" => STRING_ITEM,
    "GSUB_LOOKUP" => GSUB_LOOKUP,
    "STRING_BUILD_BYTES_PER_FUEL" => STRING_BUILD_BYTES_PER_FUEL,
    "QUOTE_SCAN_BYTES_PER_FUEL" => QUOTE_SCAN_BYTES_PER_FUEL,
    "STRING_VALUE" => STRING_VALUE,
    "STRING_BYTE_VALUES_PER_FUEL" => STRING_BYTE_VALUES_PER_FUEL,
    "TABLE_ELEM" => TABLE_ELEM,
    "TABLE_COMPARE" => TABLE_COMPARE,
    "TABLE_CONCAT_BYTES_PER_FUEL" => TABLE_CONCAT_BYTES_PER_FUEL,
    "KEYSORT_RUN_PER_ELEM" => KEYSORT_RUN_PER_ELEM,
    "KEYSORT_MERGE_PER_ELEM" => KEYSORT_MERGE_PER_ELEM,
    "MINMAX_ARG" => MINMAX_ARG,
    "UTF8_BYTES_PER_FUEL" => UTF8_BYTES_PER_FUEL,
    "DATE_BYTES_PER_FUEL" => DATE_BYTES_PER_FUEL,
    "DATE_CONVERSION" => DATE_CONVERSION,
    "DATE_FIELD" => DATE_FIELD,
    "IO_BYTES_PER_FUEL" => IO_BYTES_PER_FUEL,
    "OUTPUT_LINE" => OUTPUT_LINE,
    "IO_CALL" => IO_CALL,
    "FILE_NAME_OP" => FILE_NAME_OP,
    "PROCESS_START" => PROCESS_START,
    "HOST_CALL" => HOST_CALL,
    "WAIT_RESUME" => WAIT_RESUME,
    "sequences::WORK_PER_FUEL" => sequences::fuel::cost::WORK_PER_FUEL,
    "sequences::SCAN_CHUNK" => sequences::fuel::cost::SCAN_CHUNK,
    "sequences::MATCH_STEP" => sequences::fuel::cost::MATCH_STEP,
    "sequences::MATCH_ATTEMPT" => sequences::fuel::cost::MATCH_ATTEMPT,
    "sequences::SORT_COMPARE" => sequences::fuel::cost::SORT_COMPARE,
    "sequences::SORT_SWAP" => sequences::fuel::cost::SORT_SWAP,
    "sequences::SORT_STEP" => sequences::fuel::cost::SORT_STEP,
    "sequences::SORT_INIT_PER_FUEL" => sequences::fuel::cost::SORT_INIT_PER_FUEL,
};

#[cfg(test)]
mod tests {
    use super::*;

    /// The calibrated values (see `cargo bench --bench fuel`). Changing a cost changes every
    /// script's fuel consumption: update this list, `docs/FUEL.md` and the README together.
    #[test]
    fn the_cost_table_is_the_calibrated_one() {
        let expected: &[(&str, i64)] = &[
            ("INSTRUCTION", 1),
            ("CONCAT_BYTES_PER_FUEL", 64),
            ("INDEX_CHAIN_LINK", 2),
            ("SETLIST_VALUES_PER_FUEL", 16),
            ("VALUES_MOVED_PER_FUEL", 16),
            ("EMPTY_SLOTS_PER_FUEL", 16),
            ("LOAD_CALL", 200),
            ("LOAD_FUEL_PER_BYTE", 2),
            ("FULL_GC", 100),
            ("GC_LIVE_BYTES_PER_FUEL", 16),
            ("FLOAT_FORMAT", 16),
            ("FLOAT_DIGIT_WORDS_PER_FUEL", 2),
            ("NEW_OBJECT", 4),
            ("PRESIZED_SLOTS_PER_FUEL", 4),
            ("NEW_STRING", 2),
            ("NATIVE_CALL", 2),
            ("METAMETHOD_CALL", 2),
            ("COROUTINE_SWITCH", 8),
            ("ERROR_CAUGHT", 12),
            ("CALL_FROM_NATIVE", 2),
            ("STRING_COMPARE_BYTES_PER_FUEL", 256),
            ("ADDRESS_FORMAT", 8),
            ("READER_BYTES_PER_FUEL", 64),
            ("OUTPUT_BYTES_PER_FUEL", 64),
            ("COROUTINE_CREATE", 16),
            ("COERCION_BYTES_PER_FUEL", 16),
            ("STRING_BYTES_PER_FUEL", 16),
            ("STRING_ITEM", 3),
            ("GSUB_LOOKUP", 15),
            ("STRING_BUILD_BYTES_PER_FUEL", 32),
            ("QUOTE_SCAN_BYTES_PER_FUEL", 8),
            ("STRING_VALUE", 1),
            ("STRING_BYTE_VALUES_PER_FUEL", 8),
            ("TABLE_ELEM", 1),
            ("TABLE_COMPARE", 1),
            ("TABLE_CONCAT_BYTES_PER_FUEL", 16),
            ("KEYSORT_RUN_PER_ELEM", 4),
            ("KEYSORT_MERGE_PER_ELEM", 1),
            ("MINMAX_ARG", 1),
            ("UTF8_BYTES_PER_FUEL", 8),
            ("DATE_BYTES_PER_FUEL", 16),
            ("DATE_CONVERSION", 12),
            ("DATE_FIELD", 6),
            ("IO_BYTES_PER_FUEL", 16),
            ("OUTPUT_LINE", 40),
            ("IO_CALL", 40),
            ("FILE_NAME_OP", 500),
            ("PROCESS_START", 100_000),
            ("HOST_CALL", 5),
            ("WAIT_RESUME", 1),
            ("sequences::WORK_PER_FUEL", 16),
            ("sequences::SCAN_CHUNK", 256),
            ("sequences::MATCH_STEP", 1),
            ("sequences::MATCH_ATTEMPT", 1),
            ("sequences::SORT_COMPARE", 1),
            ("sequences::SORT_SWAP", 1),
            ("sequences::SORT_STEP", 1),
            ("sequences::SORT_INIT_PER_FUEL", 64),
        ];
        let actual: Vec<(&str, i64)> = TABLE.iter().map(|c| (c.name, c.value)).collect();
        assert_eq!(actual, expected);
    }

    /// `docs/FUEL.md` lists every cost with its value (a row per constant, naming it in
    /// backquotes with its value in the column before), and nothing else.
    #[test]
    fn docs_fuel_md_matches_the_table() {
        let doc = include_str!("../../docs/FUEL.md");
        let mut documented = Vec::new();
        for line in doc.lines() {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            if cells.len() < 4 {
                continue;
            }
            let (value, name) = (cells[cells.len() - 3], cells[cells.len() - 2]);
            let Some(name) = name.strip_prefix('`').and_then(|n| n.strip_suffix('`')) else {
                continue;
            };
            let value: i64 = value
                .parse()
                .unwrap_or_else(|_| panic!("FUEL.md: value of {name}: {value:?}"));
            documented.push((name.to_string(), value));
        }
        let table: Vec<(String, i64)> = TABLE
            .iter()
            .map(|c| (c.name.to_string(), c.value))
            .collect();
        assert_eq!(
            documented, table,
            "docs/FUEL.md's cost table differs from limits::fuel::TABLE"
        );
    }
}
