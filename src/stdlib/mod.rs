//! The standard library. Each module lists its natives in a static table of [`NativeDef`]s
//! (stable names: snapshots save natives by name) and an `open` function.

pub mod base;
pub mod coroutine;
pub mod debug;
pub mod debug_prompt;
pub mod io;
pub mod math;
pub mod msghandler;
pub mod os;
pub mod package;
pub mod string;
pub mod table;
pub mod utf8;

use crate::vm::closure::LightNative;
use crate::vm::cont::LibContKind;
use crate::vm::native::NativeDef;
use crate::vm::state::Ctx;
use crate::vm::table::Table;
use crate::vm::value::Value;

/// Which libraries a VM gets.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Profile {
    /// Only the sandbox-safe libraries (the default).
    Sandbox,
    /// What the standalone `lua` command offers, as far as is honest (io.write/read on
    /// stdin/stdout, os.exit, ...). Used by the CLI.
    Standalone,
}

/// Opens the libraries of `profile` into the VM's globals.
pub fn open(ctx: Ctx<'_>, profile: Profile) {
    base::open(ctx);
    coroutine::open(ctx);
    debug::open(ctx, profile == Profile::Standalone);
    string::open(ctx, profile == Profile::Standalone);
    table::open(ctx);
    math::open(ctx);
    utf8::open(ctx);
    os::open(ctx, profile == Profile::Standalone);
    if profile == Profile::Standalone {
        io::open(ctx);
        package::open(ctx);
        // `lua.c` switches its state to the generational collector (telelua's collector
        // runs incrementally either way; `collectgarbage("incremental")` answers as there).
        ctx.state.gc.borrow_mut(ctx.mc).generational = true;
    }
}

/// Removes a library a host does not want (its global and its `package.loaded` entry).
pub fn close_library(ctx: Ctx<'_>, name: &str) {
    let k = Value::Str(ctx.new_str(name.as_bytes()));
    ctx.store_always(ctx.state.globals, k, Value::Nil);
    ctx.store_always(package::loaded_table(ctx), k, Value::Nil);
}

/// Every native the standard library can create (the snapshot registry's default content).
pub fn all_natives() -> impl Iterator<Item = &'static NativeDef> {
    let lists: [&'static [NativeDef]; 18] = [
        string::FUNCS,
        string::STANDALONE_FUNCS,
        string::arith::FUNCS,
        base::FUNCS,
        coroutine::FUNCS,
        debug::FUNCS,
        debug::STANDALONE_FUNCS,
        table::FUNCS,
        math::FUNCS,
        utf8::FUNCS,
        os::FUNCS,
        os::STANDALONE_FUNCS,
        io::FUNCS,
        io::METHODS,
        io::META,
        package::FUNCS,
        package::PACKAGE_FUNCS,
        package::SEARCHERS,
    ];
    let extra: [&'static NativeDef; 9] = [
        &string::patterns::GMATCH_AUX,
        &base::IPAIRS_AUX,
        &coroutine::WRAP_AUX,
        &utf8::CODES_STRICT,
        &utf8::CODES_LAX,
        &io::LINES_ITER,
        &package::REQUIRE,
        &msghandler::MSGHANDLER,
        &coroutine::CLOSE_STATE,
    ];
    lists.into_iter().flatten().chain(extra)
}

/// Every kind of continuation the standard library suspends natives with (the snapshot
/// registry's: a saved continuation names its kind).
pub fn all_continuations() -> &'static [&'static LibContKind] {
    static KINDS: [&LibContKind; 13] = [
        &base::BASE_CONT,
        &base::PAIRS_CONT,
        &base::TOSTRING_CONT,
        &coroutine::CLOSE_CONT,
        &coroutine::WRAP_CONT,
        &debug_prompt::COMMAND_CONT,
        &debug_prompt::REPORT_CONT,
        &io::READ_CONT,
        &math::MINMAX_CONT,
        &msghandler::MSGHANDLER_CONT,
        &package::REQUIRE_CONT,
        &string::STRING_CONT,
        &table::TABLE_CONT,
    ];
    &KINDS
}

/// Every userdata type the standard library creates (the snapshot registry's default
/// content): their payload is plain bytes, saved as is.
pub fn all_userdata_types() -> &'static [&'static str] {
    &[io::FILE_TYPE]
}

/// The function value of a native without bound values: a light native (no heap object;
/// every value of one def is the same function, so e.g. the `next` that `pairs` returns is the
/// global `next`).
pub fn native<'gc>(ctx: Ctx<'gc>, def: &'static NativeDef) -> Value<'gc> {
    let _ = ctx;
    Value::LightNative(LightNative(def))
}

/// Sets `t[name] = native` for each def, with `name` the part of the def's name after the
/// last `.` (so `"string.rep"` is stored as `rep`).
pub fn register<'gc>(ctx: Ctx<'gc>, t: Table<'gc>, defs: &'static [NativeDef]) {
    for def in defs {
        let short = def.name.rsplit('.').next().unwrap_or(def.name);
        let k = Value::Str(ctx.new_str(short.as_bytes()));
        let _ = t.set(ctx.mc, k, native(ctx, def));
    }
}

/// Creates a library table, registers it as a global and in the registry's `_LOADED`
/// (`package.loaded`).
pub fn new_lib<'gc>(ctx: Ctx<'gc>, name: &str, defs: &'static [NativeDef]) -> Table<'gc> {
    let t = ctx.new_table();
    register(ctx, t, defs);
    let k = Value::Str(ctx.new_str(name.as_bytes()));
    let _ = ctx.state.globals.set(ctx.mc, k, Value::Table(t));
    let _ = package::loaded_table(ctx).set(ctx.mc, k, Value::Table(t));
    t
}

#[cfg(test)]
mod tests {
    /// Snapshots find a library continuation's kind by its name.
    #[test]
    fn library_continuation_kinds_have_distinct_names() {
        let kinds = super::all_continuations();
        let names: std::collections::BTreeSet<_> = kinds.iter().map(|k| k.name).collect();
        assert_eq!(names.len(), kinds.len());
    }
}
