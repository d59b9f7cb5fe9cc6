//! A minimal, honest `io` for the standalone profile (the sandbox has no `io` at all).
//!
//! There are exactly three files, the standard ones, reached through the VM's host services:
//! `io.stdout` writes to `host.stdout` (the same sink as `print`, so output interleaves as in
//! `lua`), `io.stderr` to `host.stderr`, and `io.stdin` reads from `host.stdin`. Supported:
//! `io.write`, `io.read` (formats `n`, `l`, `L`, `a` and byte counts, with or without the old
//! `*` prefix), `io.lines()` over stdin, `io.flush`, `io.type`, `io.input()`/`io.output()`
//! (queries only), `io.close()` and the methods `read`, `write`, `lines`, `flush`, `close`,
//! `setvbuf` (accepted, no effect) and `seek` (reports that the stream is not seekable).
//! Opening files (`io.open`, `io.lines(name)`, `io.popen`, `io.tmpfile`) is not offered.
//!
//! The standard files cannot be closed (`close` returns `nil, "cannot close standard file"`,
//! as in Lua), so a file object never changes state.

use std::io::{BufRead, Read, Write};

use crate::vm::convert;
use crate::vm::error::{LuaError, LuaResult};
use crate::vm::native::{Action, NativeCtx, NativeDef};
use crate::vm::number;
use crate::vm::state::{Ctx, Tm};
use crate::vm::table::Table;
use crate::vm::userdata::Userdata;
use crate::vm::value::Value;

type R<'gc> = LuaResult<'gc, Action<'gc>>;

/// Bytes written or read per fuel unit.
pub use crate::limits::fuel::IO_BYTES_PER_FUEL as BYTES_PER_FUEL;
/// The userdata type name of file handles (also their `__name`).
pub const FILE_TYPE: &str = "FILE*";
/// Longest numeral `read("n")` accepts (Lua's `L_MAXLENNUM`).
const MAX_NUMERAL: usize = 200;

const STDIN: u8 = 0;
const STDOUT: u8 = 1;
const STDERR: u8 = 2;

/// The `io` table's natives.
pub static FUNCS: &[NativeDef] = &[
    NativeDef {
        name: "io.close",
        func: io_close,
    },
    NativeDef {
        name: "io.flush",
        func: io_flush,
    },
    NativeDef {
        name: "io.input",
        func: io_input,
    },
    NativeDef {
        name: "io.lines",
        func: io_lines,
    },
    NativeDef {
        name: "io.output",
        func: io_output,
    },
    NativeDef {
        name: "io.read",
        func: io_read,
    },
    NativeDef {
        name: "io.type",
        func: io_type,
    },
    NativeDef {
        name: "io.write",
        func: io_write,
    },
];

/// File handle methods.
pub static METHODS: &[NativeDef] = &[
    NativeDef {
        name: "FILE*.close",
        func: f_close,
    },
    NativeDef {
        name: "FILE*.flush",
        func: f_flush,
    },
    NativeDef {
        name: "FILE*.lines",
        func: f_lines,
    },
    NativeDef {
        name: "FILE*.read",
        func: f_read,
    },
    NativeDef {
        name: "FILE*.seek",
        func: f_seek,
    },
    NativeDef {
        name: "FILE*.setvbuf",
        func: f_setvbuf,
    },
    NativeDef {
        name: "FILE*.write",
        func: f_write,
    },
];

/// File handle metamethods.
pub static META: &[NativeDef] = &[NativeDef {
    name: "FILE*.__tostring",
    func: f_tostring,
}];

/// The iterator `lines` returns (its formats are the native's upvalues).
pub static LINES_ITER: NativeDef = NativeDef {
    name: "io.lines_iter",
    func: lines_iter,
};

/// Registry key of the file metatable.
const META_KEY: &[u8] = b"\x01io:FILE*";

/// Opens the io library.
pub fn open(ctx: Ctx<'_>) {
    let io = super::new_lib(ctx, "io", FUNCS);
    let mt = ctx.new_table();
    super::register(ctx, mt, META);
    let methods = ctx.new_table();
    super::register(ctx, methods, METHODS);
    let _ = mt.set(ctx.mc, Value::Str(ctx.tm(Tm::Index)), Value::Table(methods));
    let _ = mt.set(
        ctx.mc,
        Value::Str(ctx.tm(Tm::Name)),
        ctx.str_value(FILE_TYPE),
    );
    let _ = ctx
        .state
        .registry
        .set(ctx.mc, Value::Str(ctx.new_str(META_KEY)), Value::Table(mt));
    for (name, kind) in [("stdin", STDIN), ("stdout", STDOUT), ("stderr", STDERR)] {
        let f = new_file(ctx, mt, kind);
        let _ = io.set(ctx.mc, ctx.str_value(name), f);
        let key = Value::Str(ctx.new_str(handle_key(kind)));
        let _ = ctx.state.registry.set(ctx.mc, key, f);
    }
}

fn new_file<'gc>(ctx: Ctx<'gc>, mt: Table<'gc>, kind: u8) -> Value<'gc> {
    Value::Userdata(Userdata::new(ctx.mc, FILE_TYPE, vec![kind], Some(mt), 0))
}

/// Registry key of a standard file handle.
fn handle_key(kind: u8) -> &'static [u8] {
    match kind {
        STDIN => b"\x01io:stdin",
        STDOUT => b"\x01io:stdout",
        _ => b"\x01io:stderr",
    }
}

/// The handle of a standard file (created once by [`open`], kept in the registry so that
/// `io.write` returns the same object whatever the script does to the `io` table).
fn std_file<'gc>(ctx: Ctx<'gc>, kind: u8) -> Value<'gc> {
    ctx.state
        .registry
        .get(ctx.mc, Value::Str(ctx.new_str(handle_key(kind))))
}

/// The kind of a file handle argument, or `None` if it is not one.
fn file_kind(v: Value<'_>) -> Option<u8> {
    match v {
        Value::Userdata(u) => {
            let d = u.0.borrow();
            if d.type_name == FILE_TYPE {
                d.payload.first().copied()
            } else {
                None
            }
        }
        _ => None,
    }
}

/// `tofile`: argument 1 as a file handle.
fn check_file<'gc>(nc: &NativeCtx<'gc, '_>) -> LuaResult<'gc, u8> {
    file_kind(nc.arg(1)).ok_or_else(|| nc.arg_type_error(1, FILE_TYPE))
}

/// Writes bytes to an output stream (ignoring host I/O errors, which the script cannot act on).
fn write_out(ctx: Ctx<'_>, kind: u8, bytes: &[u8]) {
    let mut host = ctx.state.host.borrow_mut();
    let _ = match kind {
        STDERR => host.stderr.write_all(bytes),
        _ => host.stdout.write_all(bytes),
    };
}

fn flush_out(ctx: Ctx<'_>, kind: u8) {
    let mut host = ctx.state.host.borrow_mut();
    let _ = match kind {
        STDERR => host.stderr.flush(),
        STDOUT => host.stdout.flush(),
        _ => Ok(()),
    };
}

/// `g_write`: writes arguments `first..` to `kind`, then returns the file.
fn g_write<'gc>(nc: &mut NativeCtx<'gc, '_>, kind: u8, first: usize, file: Value<'gc>) -> R<'gc> {
    if kind == STDIN {
        return nc.ret(&[
            Value::Nil,
            nc.str_value(b"Bad file descriptor"),
            Value::Int(9),
        ]);
    }
    let mut out = Vec::new();
    for i in first..=nc.nargs() {
        match nc.arg(i) {
            Value::Int(n) => out.extend_from_slice(n.to_string().as_bytes()),
            Value::Float(f) => {
                out.extend_from_slice(number::fmt_g(f.get(), 14, false, false).as_bytes())
            }
            _ => match nc.check_str(i) {
                Ok(s) => out.extend_from_slice(s.as_bytes()),
                Err(e) => {
                    // C writes each argument as it goes: what came before the bad one is out.
                    write_out(nc.ctx, kind, &out);
                    return Err(e);
                }
            },
        }
    }
    nc.charge((out.len() / BYTES_PER_FUEL) as i64 + 1);
    write_out(nc.ctx, kind, &out);
    nc.ret1(file)
}

fn io_write<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let f = std_file(nc.ctx, STDOUT);
    g_write(nc, STDOUT, 1, f)
}

fn f_write<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let kind = check_file(nc)?;
    let f = nc.arg(1);
    g_write(nc, kind, 2, f)
}

fn io_flush<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    flush_out(nc.ctx, STDOUT);
    nc.ret1(Value::True)
}

fn f_flush<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let kind = check_file(nc)?;
    flush_out(nc.ctx, kind);
    nc.ret1(Value::True)
}

fn f_setvbuf<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    check_file(nc)?;
    const MODES: [&[u8]; 3] = [b"no", b"full", b"line"];
    let mode = nc.check_str(2)?;
    if !MODES.contains(&mode.as_bytes()) {
        return Err(LuaError::bad_arg(
            2,
            format!("invalid option '{}'", mode.to_str_lossy()),
        ));
    }
    nc.opt_int(3, 0)?;
    nc.ret1(Value::True)
}

fn f_seek<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    check_file(nc)?;
    nc.ret(&[Value::Nil, nc.str_value(b"Illegal seek"), Value::Int(29)])
}

fn close_std<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    nc.ret(&[Value::Nil, nc.str_value(b"cannot close standard file")])
}

fn f_close<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    check_file(nc)?;
    close_std(nc)
}

fn io_close<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    if !nc.arg(1).is_nil() {
        check_file(nc)?;
    }
    close_std(nc)
}

fn io_type<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    nc.check_any(1)?;
    let r = match file_kind(nc.arg(1)) {
        Some(_) => nc.str_value(b"file"),
        None => Value::Nil,
    };
    nc.ret1(r)
}

/// `io.input()`/`io.output()`: the default files; changing them needs files, which this
/// `io` does not open (a standard file handle is accepted and changes nothing).
fn default_file<'gc>(nc: &mut NativeCtx<'gc, '_>, kind: u8) -> R<'gc> {
    match nc.arg(1) {
        Value::Nil => {}
        v if file_kind(v) == Some(kind) => {}
        Value::Str(_) => return Err(LuaError::rt("opening files is not supported")),
        _ => return Err(nc.arg_type_error(1, FILE_TYPE)),
    }
    let f = std_file(nc.ctx, kind);
    nc.ret1(f)
}

fn io_input<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    default_file(nc, STDIN)
}

fn io_output<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    default_file(nc, STDOUT)
}

fn f_tostring<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    check_file(nc)?;
    let id = convert::object_id(nc.ctx, nc.arg(1));
    let s = format!("file (0x{id:014x})");
    nc.ret1(nc.str_value(s.as_bytes()))
}

// ---------------------------------------------------------------------------------------------
// Reading

/// A `read` format.
enum Format {
    Number,
    Line { keep_newline: bool },
    All,
    Count(u64),
}

fn parse_format<'gc>(nc: &NativeCtx<'gc, '_>, v: Value<'gc>, arg: usize) -> LuaResult<'gc, Format> {
    if let Value::Int(_) | Value::Float(_) = v {
        let n = convert::to_integer(v)
            .ok_or_else(|| LuaError::bad_arg(arg, "number has no integer representation"))?;
        return Ok(Format::Count(n.max(0) as u64));
    }
    let s = match v {
        Value::Str(s) => s,
        _ => return Err(nc.arg_type_error(arg, "string")),
    };
    let b = s.as_bytes();
    let b = b.strip_prefix(b"*").unwrap_or(b);
    match b.first() {
        Some(b'n') => Ok(Format::Number),
        Some(b'l') => Ok(Format::Line {
            keep_newline: false,
        }),
        Some(b'L') => Ok(Format::Line { keep_newline: true }),
        Some(b'a') => Ok(Format::All),
        _ => Err(LuaError::bad_arg(arg, "invalid format")),
    }
}

/// Reads one item; `None` is failure (nil).
fn read_one(input: &mut dyn BufRead, fmt: &Format) -> Option<Vec<u8>> {
    match fmt {
        Format::Line { keep_newline } => {
            let mut line = Vec::new();
            let n = input.read_until(b'\n', &mut line).ok()?;
            if n == 0 {
                return None;
            }
            if !keep_newline && line.last() == Some(&b'\n') {
                line.pop();
            }
            Some(line)
        }
        Format::All => {
            let mut all = Vec::new();
            let _ = input.read_to_end(&mut all);
            Some(all)
        }
        Format::Count(0) => {
            // Test for end of file.
            let buf = input.fill_buf().ok()?;
            if buf.is_empty() {
                None
            } else {
                Some(Vec::new())
            }
        }
        Format::Count(n) => {
            let mut out = Vec::new();
            let _ = std::io::Read::take(&mut *input, *n).read_to_end(&mut out);
            if out.is_empty() {
                None
            } else {
                Some(out)
            }
        }
        Format::Number => None, // handled by read_number
    }
}

fn peek(input: &mut dyn BufRead) -> Option<u8> {
    input.fill_buf().ok().and_then(|b| b.first().copied())
}

/// `read_number`: reads the longest prefix that looks like a numeral (as `l_getn` does) and
/// converts it.
fn read_number<'gc>(input: &mut dyn BufRead) -> Option<Value<'gc>> {
    let mut buf: Vec<u8> = Vec::new();
    let mut ok = true;
    while peek(input).is_some_and(|c| c.is_ascii_whitespace()) {
        input.consume(1);
    }
    let mut test2 = |input: &mut dyn BufRead, buf: &mut Vec<u8>, set: &[u8]| -> bool {
        match peek(input) {
            Some(c) if set.contains(&c) && ok => {
                if buf.len() >= MAX_NUMERAL {
                    ok = false;
                    return false;
                }
                buf.push(c);
                input.consume(1);
                true
            }
            _ => false,
        }
    };
    let read_digits =
        |input: &mut dyn BufRead, buf: &mut Vec<u8>, hex: bool, ok: &mut bool| -> usize {
            let mut n = 0;
            while let Some(c) = peek(input) {
                let digit = if hex {
                    c.is_ascii_hexdigit()
                } else {
                    c.is_ascii_digit()
                };
                if !digit || !*ok {
                    break;
                }
                if buf.len() >= MAX_NUMERAL {
                    *ok = false;
                    break;
                }
                buf.push(c);
                input.consume(1);
                n += 1;
            }
            n
        };
    test2(input, &mut buf, b"-+");
    let mut count = 0;
    let mut hex = false;
    if test2(input, &mut buf, b"0") {
        if test2(input, &mut buf, b"xX") {
            hex = true;
        } else {
            count = 1;
        }
    }
    let mut ok2 = true;
    count += read_digits(input, &mut buf, hex, &mut ok2);
    if test2(input, &mut buf, b".") {
        count += read_digits(input, &mut buf, hex, &mut ok2);
    }
    if count > 0 && test2(input, &mut buf, if hex { b"pP" } else { b"eE" }) {
        test2(input, &mut buf, b"-+");
        read_digits(input, &mut buf, false, &mut ok2);
    }
    if !ok2 {
        return None;
    }
    number::str_to_number(&buf).map(convert::number_value)
}

/// `g_read`: reads with the formats at `first..` (or a line).
fn g_read<'gc>(nc: &mut NativeCtx<'gc, '_>, kind: u8, first: usize) -> R<'gc> {
    if kind != STDIN {
        return nc.ret(&[
            Value::Nil,
            nc.str_value(b"Bad file descriptor"),
            Value::Int(9),
        ]);
    }
    let mut formats = Vec::new();
    if nc.nargs() < first {
        formats.push(Format::Line {
            keep_newline: false,
        });
    } else {
        for i in first..=nc.nargs() {
            formats.push(parse_format(nc, nc.arg(i), i)?);
        }
    }
    let results = read_formats(nc, &formats);
    nc.ret(&results)
}

fn read_formats<'gc>(nc: &mut NativeCtx<'gc, '_>, formats: &[Format]) -> Vec<Value<'gc>> {
    let mut results = Vec::with_capacity(formats.len());
    let mut bytes = 0usize;
    {
        let mut host = nc.ctx.state.host.borrow_mut();
        let input: &mut dyn BufRead = &mut *host.stdin;
        for f in formats {
            let v = match f {
                Format::Number => read_number(input),
                other => read_one(input, other).map(|b| {
                    bytes += b.len();
                    Value::Str(nc.ctx.new_string(b))
                }),
            };
            match v {
                Some(v) => results.push(v),
                None => {
                    results.push(Value::Nil);
                    break;
                }
            }
        }
    }
    nc.charge((bytes / BYTES_PER_FUEL) as i64 + 1);
    results
}

fn io_read<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    g_read(nc, STDIN, 1)
}

fn f_read<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let kind = check_file(nc)?;
    g_read(nc, kind, 2)
}

/// Makes the `lines` iterator over stdin with the formats at `first..`.
fn make_lines<'gc>(nc: &mut NativeCtx<'gc, '_>, first: usize) -> R<'gc> {
    // Formats are checked when reading, as in C.
    let fmts: Vec<Value<'gc>> = (first..=nc.nargs()).map(|i| nc.arg(i)).collect();
    if fmts.len() > 250 {
        return Err(LuaError::bad_arg(first + 250, "too many arguments"));
    }
    let f = Value::Native(crate::vm::closure::NativeClosure::new(
        nc.ctx.mc,
        &LINES_ITER,
        fmts.into_boxed_slice(),
    ));
    nc.ret1(f)
}

fn io_lines<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    if !nc.arg(1).is_nil() {
        return Err(LuaError::rt("io.lines: opening files is not supported"));
    }
    make_lines(nc, 2)
}

fn f_lines<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let kind = check_file(nc)?;
    if kind != STDIN {
        return Err(LuaError::rt("file is not readable"));
    }
    make_lines(nc, 2)
}

fn lines_iter<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let mut formats = Vec::new();
    if let Some(n) = nc.native {
        for (i, &v) in n.upvalues().iter().enumerate() {
            formats.push(parse_format(nc, v, i + 2)?);
        }
    }
    if formats.is_empty() {
        formats.push(Format::Line {
            keep_newline: false,
        });
    }
    let results = read_formats(nc, &formats);
    nc.ret(&results)
}
