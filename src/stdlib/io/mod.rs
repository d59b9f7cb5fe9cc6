//! The standalone profile's `io` library, as `liolib.c` (the sandbox has no `io` at all).
//!
//! File handles are full userdata of type `FILE*` (also their `__name`), sharing one
//! metatable with `__index` (the methods), `__gc`, `__close` and `__tostring`. A handle is one
//! of: a standard file (`io.stdin`, `io.stdout`, `io.stderr`, reached through the VM's host
//! services, so `io.write` interleaves with `print` and a host can redirect them), a closed
//! file, or an open file ([`stream::OpenFile`]: a regular file or a pipe). Standard and
//! closed files are plain data (their payload byte) and survive snapshots; an open file is a
//! host resource held in the userdata's host slot, and saving a VM that holds one fails with
//! an error naming it (see `snapshot::save`). Closing a file turns it into a closed one.
//!
//! Messages and return conventions are `liolib.c`'s: failures return `nil, message, errno`
//! (`luaL_fileresult`), pipes close with `luaL_execresult`'s `true|nil, "exit"|"signal",
//! code`. Reading and writing charge fuel per byte ([`BYTES_PER_FUEL`]).

pub mod stream;

use std::cell::RefCell;
use std::io::{BufRead, Write};
use std::rc::Rc;

use gc_arena::Collect;
use serde::{Deserialize, Serialize};
use stream::{error_parts, Buffering, OpenFile};

use crate::number;
use crate::vm::cont::{map_all, uncaught, Cont, LibCont, LibContKind, LibSaved, MapValues};
use crate::vm::convert;
use crate::vm::error::{LuaError, LuaResult};
use crate::vm::native::{Action, NativeCtx, NativeDef};
use crate::vm::state::{Ctx, Tm};
use crate::vm::table::Table;
use crate::vm::userdata::{Userdata, UserdataData};
use crate::vm::value::Value;

type R<'gc> = LuaResult<'gc, Action<'gc>>;

/// Bytes written or read per fuel unit.
pub use crate::limits::fuel::IO_BYTES_PER_FUEL as BYTES_PER_FUEL;
use crate::limits::fuel::{FILE_NAME_OP, IO_CALL, PROCESS_START};
/// The userdata type name of file handles (also their `__name`).
pub const FILE_TYPE: &str = "FILE*";
/// Longest numeral `read("n")` accepts (Lua's `L_MAXLENNUM`).
const MAX_NUMERAL: usize = 200;
/// Most formats `lines` takes (Lua's `MAXARGLINE`).
const MAX_LINES_ARGS: usize = 250;

const STDIN: u8 = 0;
const STDOUT: u8 = 1;
const STDERR: u8 = 2;
/// Payload of a closed file.
const CLOSED: u8 = 3;
/// Payload of an open file (the file itself is in the host slot).
const OPEN: u8 = 4;

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
        name: "io.open",
        func: io_open,
    },
    NativeDef {
        name: "io.output",
        func: io_output,
    },
    NativeDef {
        name: "io.popen",
        func: io_popen,
    },
    NativeDef {
        name: "io.read",
        func: io_read,
    },
    NativeDef {
        name: "io.tmpfile",
        func: io_tmpfile,
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
pub static META: &[NativeDef] = &[
    NativeDef {
        name: "FILE*.__tostring",
        func: f_tostring,
    },
    NativeDef {
        name: "FILE*.__gc",
        func: f_gc,
    },
    NativeDef {
        name: "FILE*.__close",
        func: f_gc,
    },
];

/// The iterator `lines` returns: its bound values are the file, whether to close it at the
/// end, and the formats.
pub static LINES_ITER: NativeDef = NativeDef {
    name: "io.lines_iter",
    func: lines_iter,
};

/// Registry key of the file metatable.
const META_KEY: &[u8] = b"\x01io:FILE*";
/// Registry key of the default input file (Lua's `_IO_input`).
const INPUT_KEY: &[u8] = b"\x01io:input";
/// Registry key of the default output file (Lua's `_IO_output`).
const OUTPUT_KEY: &[u8] = b"\x01io:output";

/// Opens the io library.
pub fn open(ctx: Ctx<'_>) {
    let io = super::new_lib(ctx, "io", FUNCS);
    let mt = ctx.new_table();
    let methods = ctx.new_table();
    super::register(ctx, methods, METHODS);
    let _ = mt.set(ctx.mc, Value::Str(ctx.tm(Tm::Index)), Value::Table(methods));
    super::register(ctx, mt, META);
    let _ = mt.set(
        ctx.mc,
        Value::Str(ctx.tm(Tm::Name)),
        ctx.str_value(FILE_TYPE),
    );
    let _ = ctx
        .state
        .registry
        .set(ctx.mc, Value::Str(ctx.new_str(META_KEY)), Value::Table(mt));
    for (name, kind, key) in [
        ("stdin", STDIN, Some(INPUT_KEY)),
        ("stdout", STDOUT, Some(OUTPUT_KEY)),
        ("stderr", STDERR, None),
    ] {
        let f = new_handle(ctx, mt, kind, None);
        let _ = io.set(ctx.mc, ctx.str_value(name), f);
        if let Some(key) = key {
            let key = Value::Str(ctx.new_str(key));
            let _ = ctx.state.registry.set(ctx.mc, key, f);
        }
    }
}

/// A new file handle (an open one marked for finalization, as its metatable has `__gc`).
fn new_handle<'gc>(ctx: Ctx<'gc>, mt: Table<'gc>, kind: u8, file: Option<OpenFile>) -> Value<'gc> {
    let u = match file {
        None => Userdata::new(ctx.mc, FILE_TYPE, vec![kind], Some(mt), 0),
        Some(f) => {
            let slot: Rc<RefCell<dyn std::any::Any>> = Rc::new(RefCell::new(FileSlot(Some(f))));
            // Charged as the one-byte handle it becomes once closed (what a saved and
            // restored closed file is): the open file itself is a host resource, and the
            // count must not change with a snapshot round trip after `close`.
            let u = Userdata::new_host(ctx.mc, FILE_TYPE, slot, 1, Some(mt));
            u.0.borrow_mut(ctx.mc).payload = vec![OPEN];
            u
        }
    };
    let v = Value::Userdata(u);
    // Only a file that holds a host resource needs its finalizer (a standard file's `__gc`
    // does nothing, as `io_noclose`); marking the standard ones too made a complete lazy fork
    // of a standalone image pace its collector unlike a restore
    // (tests/snapshot.rs `a_complete_fork_collects_like_a_restore`).
    if kind == OPEN {
        crate::vm::gc::metatable_set(ctx, v, Some(mt));
    }
    v
}

/// A new handle for an open file.
fn new_file<'gc>(ctx: Ctx<'gc>, f: OpenFile) -> Value<'gc> {
    let mt = match ctx
        .state
        .registry
        .get(ctx.mc, Value::Str(ctx.new_str(META_KEY)))
    {
        Value::Table(t) => t,
        _ => ctx.new_table(),
    };
    new_handle(ctx, mt, OPEN, Some(f))
}

/// What an open file's userdata holds (emptied when the file is closed).
struct FileSlot(Option<OpenFile>);

/// The name of the open file a userdata holds, if it holds one (snapshots refuse to save it).
pub fn open_file_name(ud: &UserdataData<'_>) -> Option<String> {
    if ud.type_name != FILE_TYPE {
        return None;
    }
    let host = ud.host.as_ref()?;
    let b = host.borrow();
    let slot = b.downcast_ref::<FileSlot>()?;
    slot.0.as_ref().map(|f| f.name.clone())
}

/// A file handle.
#[derive(Clone)]
enum Handle {
    Std(u8),
    Closed,
    Open(Rc<RefCell<dyn std::any::Any>>),
}

/// The handle a value is, or `None` if it is not a `FILE*`.
fn handle_of(v: Value<'_>) -> Option<Handle> {
    let Value::Userdata(u) = v else { return None };
    let d = u.0.borrow();
    if d.type_name != FILE_TYPE {
        return None;
    }
    Some(match (d.payload.first().copied(), &d.host) {
        (Some(k @ (STDIN | STDOUT | STDERR)), _) => Handle::Std(k),
        (Some(OPEN), Some(h)) => {
            let open = h
                .borrow()
                .downcast_ref::<FileSlot>()
                .is_some_and(|s| s.0.is_some());
            if open {
                Handle::Open(h.clone())
            } else {
                Handle::Closed
            }
        }
        _ => Handle::Closed,
    })
}

/// `tolstream`: argument 1 as a file handle, open or closed.
fn check_handle<'gc>(nc: &NativeCtx<'gc, '_>) -> LuaResult<'gc, Handle> {
    handle_of(nc.arg(1)).ok_or_else(|| nc.arg_type_error(1, FILE_TYPE))
}

/// `tofile`: argument 1 as an open file handle.
fn check_file<'gc>(nc: &NativeCtx<'gc, '_>) -> LuaResult<'gc, Handle> {
    match check_handle(nc)? {
        Handle::Closed => Err(LuaError::rt("attempt to use a closed file")),
        h => Ok(h),
    }
}

fn bad_fd() -> std::io::Error {
    std::io::Error::from_raw_os_error(9)
}

/// Runs `f` on the open file of a slot.
fn with_open<T>(
    slot: &Rc<RefCell<dyn std::any::Any>>,
    f: impl FnOnce(&mut OpenFile) -> std::io::Result<T>,
) -> std::io::Result<T> {
    let mut b = slot.borrow_mut();
    match b.downcast_mut::<FileSlot>().and_then(|s| s.0.as_mut()) {
        Some(file) => f(file),
        None => Err(bad_fd()),
    }
}

/// Runs `f` on a handle's input.
fn with_reader<T>(
    ctx: Ctx<'_>,
    h: &Handle,
    f: impl FnOnce(&mut dyn BufRead) -> std::io::Result<T>,
) -> std::io::Result<T> {
    match h {
        Handle::Std(STDIN) => f(&mut *ctx.state.host.borrow_mut().stdin),
        Handle::Open(slot) => with_open(slot, |file| f(file)),
        _ => Err(bad_fd()),
    }
}

/// Runs `f` on a handle's output.
fn with_writer<T>(
    ctx: Ctx<'_>,
    h: &Handle,
    f: impl FnOnce(&mut dyn Write) -> std::io::Result<T>,
) -> std::io::Result<T> {
    match h {
        Handle::Std(STDOUT) => f(&mut *ctx.state.host.borrow_mut().stdout),
        Handle::Std(STDERR) => f(&mut *ctx.state.host.borrow_mut().stderr),
        Handle::Open(slot) => with_open(slot, |file| f(file)),
        _ => Err(bad_fd()),
    }
}

/// `luaL_fileresult` for a failure: `nil, "[name: ]message", errno` (also `os.remove`'s,
/// `os.rename`'s).
pub(super) fn fail<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    e: &std::io::Error,
    name: Option<&[u8]>,
) -> R<'gc> {
    let (msg, code) = error_parts(e);
    let mut text = Vec::new();
    if let Some(n) = name {
        text.extend_from_slice(n);
        text.extend_from_slice(b": ");
    }
    text.extend_from_slice(msg.as_bytes());
    let m = nc.str_value(&text);
    nc.ret(&[Value::Nil, m, Value::Int(code)])
}

/// `luaL_fileresult`: `true` or the failure.
fn file_result<'gc>(nc: &mut NativeCtx<'gc, '_>, r: std::io::Result<()>) -> R<'gc> {
    match r {
        Ok(()) => nc.ret1(Value::True),
        Err(e) => fail(nc, &e, None),
    }
}

/// The default input or output file (`getiofile`).
fn default_file<'gc>(nc: &NativeCtx<'gc, '_>, key: &[u8]) -> LuaResult<'gc, (Handle, Value<'gc>)> {
    let v = nc
        .ctx
        .state
        .registry
        .get(nc.ctx.mc, Value::Str(nc.ctx.new_str(key)));
    match handle_of(v) {
        Some(Handle::Closed) | None => Err(LuaError::rt(format!(
            "default {} file is closed",
            if key == INPUT_KEY { "input" } else { "output" }
        ))),
        Some(h) => Ok((h, v)),
    }
}

/// `g_write`: writes arguments `first..` to `h`, then returns the file.
fn g_write<'gc>(nc: &mut NativeCtx<'gc, '_>, h: &Handle, first: usize, file: Value<'gc>) -> R<'gc> {
    nc.charge(IO_CALL);
    let mut out = Vec::new();
    let mut status: std::io::Result<()> = Ok(());
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
                    let _ = with_writer(nc.ctx, h, |w| w.write_all(&out));
                    return Err(e);
                }
            },
        }
        // Large writes go out as they come, so the buffer stays small.
        if out.len() >= 1 << 16 {
            nc.charge((out.len() / BYTES_PER_FUEL) as i64);
            if status.is_ok() {
                status = with_writer(nc.ctx, h, |w| w.write_all(&out));
            }
            out.clear();
        }
    }
    nc.charge((out.len() / BYTES_PER_FUEL) as i64 + 1);
    if status.is_ok() {
        status = with_writer(nc.ctx, h, |w| w.write_all(&out));
    }
    match status {
        Ok(()) => nc.ret1(file),
        Err(e) => fail(nc, &e, None),
    }
}

fn io_write<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let (h, f) = default_file(nc, OUTPUT_KEY)?;
    g_write(nc, &h, 1, f)
}

fn f_write<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let h = check_file(nc)?;
    let f = nc.arg(1);
    g_write(nc, &h, 2, f)
}

fn io_flush<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let (h, _) = default_file(nc, OUTPUT_KEY)?;
    nc.charge(IO_CALL);
    let r = with_writer(nc.ctx, &h, |w| w.flush());
    file_result(nc, r)
}

fn f_flush<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let h = check_file(nc)?;
    nc.charge(IO_CALL);
    let r = match h {
        Handle::Std(STDIN) => Ok(()),
        _ => with_writer(nc.ctx, &h, |w| w.flush()),
    };
    file_result(nc, r)
}

/// `luaL_checkoption`.
fn check_option<'gc>(
    nc: &NativeCtx<'gc, '_>,
    n: usize,
    default: Option<&str>,
    options: &[&str],
) -> LuaResult<'gc, usize> {
    let name = match (nc.arg(n), default) {
        (Value::Nil, Some(d)) => d.as_bytes().to_vec(),
        _ => nc.check_str(n)?.as_bytes().to_vec(),
    };
    options
        .iter()
        .position(|o| o.as_bytes() == name.as_slice())
        .ok_or_else(|| {
            LuaError::bad_arg(
                n,
                format!("invalid option '{}'", String::from_utf8_lossy(&name)),
            )
        })
}

fn f_setvbuf<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let h = check_file(nc)?;
    let mode = [Buffering::No, Buffering::Full, Buffering::Line]
        [check_option(nc, 2, None, &["no", "full", "line"])?];
    nc.opt_int(3, 1024)?;
    nc.charge(IO_CALL);
    let r = match &h {
        Handle::Open(slot) => with_open(slot, |f| f.set_buffering(mode)),
        _ => Ok(()),
    };
    file_result(nc, r)
}

fn f_seek<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let h = check_file(nc)?;
    let op = check_option(nc, 2, Some("cur"), &["set", "cur", "end"])?;
    let off = nc.opt_int(3, 0)?;
    nc.charge(IO_CALL);
    let to = match op {
        0 => match u64::try_from(off) {
            Ok(o) => std::io::SeekFrom::Start(o),
            Err(_) => return fail(nc, &std::io::Error::from_raw_os_error(22), None),
        },
        1 => std::io::SeekFrom::Current(off),
        _ => std::io::SeekFrom::End(off),
    };
    let r = match &h {
        Handle::Open(slot) => with_open(slot, |f| f.seek(to)),
        _ => Err(std::io::Error::from_raw_os_error(29)),
    };
    match r {
        Ok(pos) => nc.ret1(Value::Int(pos as i64)),
        Err(e) => fail(nc, &e, None),
    }
}

/// Closes an open file's userdata (`aux_close`): it becomes a closed file (plain data again).
fn close_open<'gc>(nc: &mut NativeCtx<'gc, '_>, v: Value<'gc>) -> R<'gc> {
    let Value::Userdata(u) = v else {
        return nc.ret0();
    };
    let file = {
        let mut d = u.0.borrow_mut(nc.ctx.mc);
        let file = d.host.as_ref().and_then(|h| {
            h.borrow_mut()
                .downcast_mut::<FileSlot>()
                .and_then(|s| s.0.take())
        });
        d.host = None;
        d.payload = vec![CLOSED];
        file
    };
    let Some(file) = file else {
        return nc.ret0();
    };
    match file.close() {
        Ok(None) => nc.ret1(Value::True),
        Ok(Some(status)) => exec_result(nc, status),
        Err(e) => fail(nc, &e, None),
    }
}

/// `luaL_execresult` for a finished child: `true|nil, "exit"|"signal", code`.
pub(crate) fn exec_result<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    status: std::process::ExitStatus,
) -> R<'gc> {
    let (what, code): (&[u8], i64) = match status.code() {
        Some(c) => (b"exit", i64::from(c)),
        None => {
            #[cfg(unix)]
            let sig = std::os::unix::process::ExitStatusExt::signal(&status).unwrap_or(0);
            #[cfg(not(unix))]
            let sig = 0;
            (b"signal", i64::from(sig))
        }
    };
    let ok = if what == b"exit" && code == 0 {
        Value::True
    } else {
        Value::Nil
    };
    let w = nc.str_value(what);
    nc.ret(&[ok, w, Value::Int(code)])
}

/// Closes the handle `v` (already known to be an open file, `h`).
fn aux_close<'gc>(nc: &mut NativeCtx<'gc, '_>, h: Handle, v: Value<'gc>) -> R<'gc> {
    nc.charge(IO_CALL);
    match h {
        Handle::Std(_) => nc.ret(&[Value::Nil, nc.str_value(b"cannot close standard file")]),
        _ => close_open(nc, v),
    }
}

fn f_close<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let h = check_file(nc)?;
    let v = nc.arg(1);
    aux_close(nc, h, v)
}

fn io_close<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    if nc.nargs() == 0 {
        let v = nc
            .ctx
            .state
            .registry
            .get(nc.ctx.mc, Value::Str(nc.ctx.new_str(OUTPUT_KEY)));
        nc.push(v);
    }
    f_close(nc)
}

/// `__gc` and `__close`: closes an open file, ignoring the result.
fn f_gc<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    if let Handle::Open(_) = check_handle(nc)? {
        let v = nc.arg(1);
        close_open(nc, v)?;
    }
    nc.clear();
    nc.ret0()
}

fn io_type<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    nc.check_any(1)?;
    let r = match handle_of(nc.arg(1)) {
        Some(Handle::Closed) => nc.str_value(b"closed file"),
        Some(_) => nc.str_value(b"file"),
        None => Value::Nil,
    };
    nc.ret1(r)
}

fn f_tostring<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let s = match check_handle(nc)? {
        Handle::Closed => "file (closed)".to_string(),
        _ => format!("file (0x{:014x})", convert::object_id(nc.ctx, nc.arg(1))),
    };
    nc.ret1(nc.str_value(s.as_bytes()))
}

/// `l_checkmode`: `[rwa]%+?b*`.
fn check_mode(mode: &[u8]) -> bool {
    let Some((&first, rest)) = mode.split_first() else {
        return false;
    };
    if !b"rwa".contains(&first) {
        return false;
    }
    let rest = rest.strip_prefix(b"+").unwrap_or(rest);
    rest.iter().all(|&c| c == b'b')
}

/// `fopen`.
fn fopen(name: &[u8], mode: &[u8]) -> std::io::Result<OpenFile> {
    let plus = mode.contains(&b'+');
    let mut o = std::fs::OpenOptions::new();
    match mode.first() {
        Some(b'r') => o.read(true).write(plus),
        Some(b'w') => o.write(true).create(true).truncate(true).read(plus),
        _ => o.append(true).create(true).read(plus),
    };
    let path = path_of(name);
    let f = o.open(&path)?;
    let reads = plus || mode.first() == Some(&b'r');
    let writes = plus || mode.first() != Some(&b'r');
    Ok(OpenFile::file(
        String::from_utf8_lossy(name).into_owned(),
        f,
        reads,
        writes,
    ))
}

/// A file name as a path (bytes as they are on Unix).
pub(crate) fn path_of(name: &[u8]) -> std::path::PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        std::path::PathBuf::from(std::ffi::OsStr::from_bytes(name))
    }
    #[cfg(not(unix))]
    {
        std::path::PathBuf::from(String::from_utf8_lossy(name).into_owned())
    }
}

fn io_open<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let name = nc.check_str(1)?.as_bytes().to_vec();
    let mode = match nc.opt_str(2)? {
        Some(m) => m.as_bytes().to_vec(),
        None => b"r".to_vec(),
    };
    if !check_mode(&mode) {
        return Err(LuaError::bad_arg(2, "invalid mode"));
    }
    nc.charge(FILE_NAME_OP);
    match fopen(&name, &mode) {
        Ok(f) => {
            let v = new_file(nc.ctx, f);
            nc.ret1(v)
        }
        Err(e) => fail(nc, &e, Some(&name)),
    }
}

/// `opencheck`: opens or raises "cannot open file".
fn open_check<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    name: &[u8],
    mode: &[u8],
) -> LuaResult<'gc, Value<'gc>> {
    nc.charge(FILE_NAME_OP);
    match fopen(name, mode) {
        Ok(f) => Ok(new_file(nc.ctx, f)),
        Err(e) => Err(LuaError::rt(format!(
            "cannot open file '{}' ({})",
            String::from_utf8_lossy(name),
            error_parts(&e).0
        ))),
    }
}

/// Flushes the host's standard streams before a child process writes to the same ones.
pub(crate) fn flush_host(ctx: Ctx<'_>) {
    let mut host = ctx.state.host.borrow_mut();
    let _ = host.stdout.flush();
    let _ = host.stderr.flush();
}

/// The shell command of `io.popen` and `os.execute` (`/bin/sh -c cmd`, as `popen`/`system`).
pub(crate) fn shell(cmd: &[u8]) -> std::process::Command {
    let mut c = std::process::Command::new("/bin/sh");
    c.arg("-c");
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        c.arg(std::ffi::OsStr::from_bytes(cmd));
    }
    #[cfg(not(unix))]
    c.arg(String::from_utf8_lossy(cmd).into_owned());
    c
}

fn io_popen<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let cmd = nc.check_str(1)?.as_bytes().to_vec();
    let mode = match nc.opt_str(2)? {
        Some(m) => m.as_bytes().to_vec(),
        None => b"r".to_vec(),
    };
    if mode != b"r" && mode != b"w" {
        return Err(LuaError::bad_arg(2, "invalid mode"));
    }
    nc.charge(PROCESS_START);
    flush_host(nc.ctx);
    let mut c = shell(&cmd);
    let name = String::from_utf8_lossy(&cmd).into_owned();
    let file = if mode == b"r" {
        c.stdout(std::process::Stdio::piped());
        c.spawn().and_then(|mut child| match child.stdout.take() {
            Some(out) => Ok(OpenFile::read_pipe(name, child, out)),
            None => Err(bad_fd()),
        })
    } else {
        c.stdin(std::process::Stdio::piped());
        c.spawn().and_then(|mut child| match child.stdin.take() {
            Some(input) => Ok(OpenFile::write_pipe(name, child, input)),
            None => Err(bad_fd()),
        })
    };
    match file {
        Ok(f) => {
            let v = new_file(nc.ctx, f);
            nc.ret1(v)
        }
        Err(e) => fail(nc, &e, Some(&cmd)),
    }
}

/// A new file name in the temporary directory that did not exist (created, empty).
pub(crate) fn temp_name() -> std::io::Result<std::path::PathBuf> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir();
    for _ in 0..100 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let p = dir.join(format!("lua_{:x}_{n}", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&p)
        {
            Ok(_) => return Ok(p),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::from_raw_os_error(17))
}

fn io_tmpfile<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    // A name made and created, opened again and removed.
    nc.charge(3 * FILE_NAME_OP);
    let file = temp_name().and_then(|p| {
        let f = std::fs::OpenOptions::new().read(true).write(true).open(&p);
        // Removed at once, as `tmpfile` does: the file lives as long as it is open.
        let _ = std::fs::remove_file(&p);
        f
    });
    match file {
        Ok(f) => {
            let v = new_file(
                nc.ctx,
                OpenFile::file("(temporary file)".into(), f, true, true),
            );
            nc.ret1(v)
        }
        Err(e) => fail(nc, &e, None),
    }
}

/// `g_iofile`: sets (by name or handle) and returns a default file.
fn g_iofile<'gc>(nc: &mut NativeCtx<'gc, '_>, key: &[u8], mode: &[u8]) -> R<'gc> {
    let arg = nc.arg(1);
    if !arg.is_nil() {
        let name = match arg {
            Value::Str(s) => Some(s.as_bytes().to_vec()),
            Value::Int(_) | Value::Float(_) => {
                convert::number_to_string(arg).map(String::into_bytes)
            }
            _ => None,
        };
        let f = match name {
            Some(n) => open_check(nc, &n, mode)?,
            None => {
                check_file(nc)?;
                arg
            }
        };
        let k = Value::Str(nc.ctx.new_str(key));
        let _ = nc.ctx.state.registry.set(nc.ctx.mc, k, f);
    }
    let v = nc
        .ctx
        .state
        .registry
        .get(nc.ctx.mc, Value::Str(nc.ctx.new_str(key)));
    nc.ret1(v)
}

fn io_input<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    g_iofile(nc, INPUT_KEY, b"r")
}

fn io_output<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    g_iofile(nc, OUTPUT_KEY, b"w")
}

// ---------------------------------------------------------------------------------------------
// Reading

/// A `read` format.
#[derive(Clone, Copy)]
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

/// Most bytes one read moves before it checks its fuel again (reads are preemptible: a
/// `read("a")` of an endless stream runs in slices, bounded by the memory budget).
const READ_CHUNK: usize = 64 * 1024;

/// What a read is for.
#[derive(Clone, Copy, Serialize, Deserialize, Debug)]
enum ReadFor {
    /// `io.read`/`file:read`: returns the values; a failure is `nil, message, errno`.
    Read,
    /// A `lines` iterator: a failure is raised; at the end of the file the file is closed if
    /// `to_close` (`io.lines(name)`).
    Lines {
        /// Close the file at its end.
        to_close: bool,
    },
}

/// The plain part of a read in progress.
#[derive(Clone, Serialize, Deserialize, Debug, Default)]
struct ReadProgress {
    /// Index of the format being read.
    idx: u32,
    /// The current item's bytes so far.
    partial: Vec<u8>,
    /// Whether the current item consumed anything (a line "\n" is an empty success).
    got_any: bool,
    /// Bytes read by the whole call (fuel is charged per `BYTES_PER_FUEL` of this total, so
    /// the charge does not depend on where the read was preempted).
    bytes: u64,
}

/// A read (`io.read`, `file:read`, a `lines` iterator) preempted half-way.
#[derive(Collect, Serialize, Deserialize, Debug, Clone)]
#[collect(no_drop)]
pub struct ReadCont<V> {
    /// The file.
    file: V,
    /// The formats (a line if none).
    fmts: Vec<V>,
    /// The values read so far.
    results: Vec<V>,
    /// The argument number of the first format (for error messages).
    #[collect(require_static)]
    first: u32,
    /// What the read is for.
    #[collect(require_static)]
    purpose: ReadFor,
    /// Progress.
    #[collect(require_static)]
    progress: ReadProgress,
}

/// The kind of [`ReadCont`].
pub static READ_CONT: LibContKind = LibContKind {
    name: "io.read",
    load: |saved| Ok(Box::new(saved.rebuild::<ReadCont<u32>>()?)),
};

impl<V> MapValues<V> for ReadCont<V> {
    type Mapped<W> = ReadCont<W>;

    fn map_values<W, E>(self, f: &mut impl FnMut(V) -> Result<W, E>) -> Result<ReadCont<W>, E> {
        Ok(ReadCont {
            file: f(self.file)?,
            fmts: map_all(self.fmts, f)?,
            results: map_all(self.results, f)?,
            first: self.first,
            purpose: self.purpose,
            progress: self.progress,
        })
    }
}

impl<'gc> LibCont<'gc> for ReadCont<Value<'gc>> {
    fn resume(
        self: Box<Self>,
        nc: &mut NativeCtx<'gc, '_>,
        outcome: Result<(), Value<'gc>>,
    ) -> R<'gc> {
        uncaught(outcome)?;
        run_read(nc, *self)
    }

    fn heap_bytes(&self) -> usize {
        (self.fmts.len() + self.results.len()) * crate::vm::memory::VALUE_BYTES
            + self.progress.partial.len()
    }

    fn save(&self) -> Result<LibSaved<Value<'gc>>, String> {
        LibSaved::of(&READ_CONT, self.clone())
    }
}

/// Moves at most `READ_CHUNK` bytes of the item being read with `fmt` into `p.partial`;
/// `Some` once the item is complete (`Some(false)`: it failed, nil). `limit` is the most the
/// item may hold (the memory budget); past it, `Err(None)`.
fn read_chunk(
    input: &mut dyn BufRead,
    fmt: Format,
    p: &mut ReadProgress,
    limit: usize,
) -> Result<Option<bool>, Option<std::io::Error>> {
    let buf = input.fill_buf().map_err(Some)?;
    let (take, keep, done) = match fmt {
        Format::Count(0) => return Ok(Some(!buf.is_empty())),
        _ if buf.is_empty() => {
            return Ok(Some(match fmt {
                Format::All => true,
                Format::Count(_) => !p.partial.is_empty(),
                _ => p.got_any,
            }))
        }
        Format::Line { keep_newline } => {
            let window = &buf[..buf.len().min(READ_CHUNK)];
            match window.iter().position(|&c| c == b'\n') {
                Some(i) => (i + 1, if keep_newline { i + 1 } else { i }, true),
                None => (window.len(), window.len(), false),
            }
        }
        Format::Count(n) => {
            let left = usize::try_from(n).unwrap_or(usize::MAX) - p.partial.len();
            let t = buf.len().min(READ_CHUNK).min(left);
            (t, t, t == left)
        }
        Format::All | Format::Number => {
            let t = buf.len().min(READ_CHUNK);
            (t, t, false)
        }
    };
    if p.partial.len() + keep > limit {
        return Err(None);
    }
    p.partial.extend_from_slice(&buf[..keep]);
    input.consume(take);
    p.got_any = true;
    p.bytes += take as u64;
    Ok(done.then_some(true))
}

/// Runs a read (fresh or resumed) until it ends or its fuel runs out.
fn run_read<'gc>(nc: &mut NativeCtx<'gc, '_>, mut c: ReadCont<Value<'gc>>) -> R<'gc> {
    let ctx = nc.ctx;
    // A file that is not open (closed, or gone with a snapshot) reads as a bad descriptor.
    let h = handle_of(c.file).unwrap_or(Handle::Closed);
    let default = c.fmts.is_empty();
    let count = if default { 1 } else { c.fmts.len() };
    let mut failure = None;
    while (c.progress.idx as usize) < count {
        let idx = c.progress.idx as usize;
        let fmt = if default {
            Format::Line {
                keep_newline: false,
            }
        } else {
            // Formats are checked as they come, as in C (what came before is read).
            let v = c.fmts.get(idx).copied().unwrap_or(Value::Nil);
            match parse_format(nc, v, c.first as usize + idx) {
                Ok(f) => f,
                Err(e) => return Err(e),
            }
        };
        let item = if let Format::Number = fmt {
            with_reader(ctx, &h, |input| Ok(read_number(input))).map_err(Some)
        } else {
            loop {
                if nc.fuel_left() <= 0 {
                    nc.clear();
                    return Ok(Action::Preempt {
                        cont: Cont::Lib(Box::new(c)),
                    });
                }
                let limit = item_limit();
                let before = c.progress.bytes;
                let r = with_reader(ctx, &h, |input| {
                    match read_chunk(input, fmt, &mut c.progress, limit) {
                        Ok(done) => Ok(Ok(done)),
                        Err(Some(e)) => Err(e),
                        Err(None) => Ok(Err(())),
                    }
                });
                nc.charge(
                    (c.progress.bytes / BYTES_PER_FUEL as u64 - before / BYTES_PER_FUEL as u64)
                        as i64,
                );
                match r {
                    Ok(Ok(None)) => continue,
                    Ok(Ok(Some(true))) => {
                        let bytes = std::mem::take(&mut c.progress.partial);
                        break Ok(Some(Value::Str(ctx.new_string(bytes))));
                    }
                    Ok(Ok(Some(false))) => break Ok(None),
                    Ok(Err(())) => return Err(ctx.not_enough_memory()),
                    Err(e) => break Err(Some(e)),
                }
            }
        };
        c.progress.partial.clear();
        c.progress.got_any = false;
        c.progress.idx += 1;
        match item {
            Ok(Some(v)) => c.results.push(v),
            Ok(None) => {
                c.results.push(Value::Nil);
                break;
            }
            Err(e) => {
                failure = e;
                break;
            }
        }
    }
    nc.charge(1);
    let vals = c.results;
    match (c.purpose, failure) {
        (ReadFor::Read, None) => nc.ret(&vals),
        (ReadFor::Read, Some(e)) => fail(nc, &e, None),
        (ReadFor::Lines { .. }, Some(e)) => Err(LuaError::rt(error_parts(&e).0)),
        (ReadFor::Lines { to_close }, None) => {
            if vals.first().is_some_and(|v| v.truthy()) {
                return nc.ret(&vals);
            }
            if to_close {
                close_open(nc, c.file)?;
            }
            nc.clear();
            nc.ret0()
        }
    }
}

/// The most bytes an item may hold: the string size limit, and what the memory budget
/// leaves (the item becomes a string of that size).
fn item_limit() -> usize {
    let left = crate::vm::memory::limit().saturating_sub(crate::vm::memory::used());
    usize::try_from(left)
        .unwrap_or(usize::MAX)
        .min(crate::stdlib::string::MAX_STRING_SIZE)
}

/// `g_read`: reads with the formats at arguments `first..` of `file`.
fn g_read<'gc>(nc: &mut NativeCtx<'gc, '_>, file: Value<'gc>, first: usize) -> R<'gc> {
    nc.charge(IO_CALL);
    let fmts: Vec<Value<'gc>> = nc.args().get(first - 1..).unwrap_or(&[]).to_vec();
    run_read(
        nc,
        ReadCont {
            file,
            fmts,
            results: Vec::new(),
            first: first as u32,
            purpose: ReadFor::Read,
            progress: ReadProgress::default(),
        },
    )
}

fn io_read<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let (_, f) = default_file(nc, INPUT_KEY)?;
    g_read(nc, f, 1)
}

fn f_read<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    check_file(nc)?;
    let f = nc.arg(1);
    g_read(nc, f, 2)
}

/// `aux_lines`: the iterator over `file` with the formats at arguments `first..`.
fn make_lines<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    file: Value<'gc>,
    first: usize,
    to_close: bool,
) -> LuaResult<'gc, Value<'gc>> {
    let fmts = nc.args().get(first - 1..).unwrap_or(&[]);
    if fmts.len() > MAX_LINES_ARGS {
        return Err(LuaError::bad_arg(MAX_LINES_ARGS + 2, "too many arguments"));
    }
    let mut ups = Vec::with_capacity(fmts.len() + 2);
    ups.push(file);
    ups.push(Value::boolean(to_close));
    ups.extend_from_slice(fmts);
    Ok(Value::Native(crate::vm::closure::NativeClosure::new(
        nc.ctx.mc,
        &LINES_ITER,
        ups.into_boxed_slice(),
    )))
}

fn io_lines<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    if nc.arg(1).is_nil() {
        let (_, f) = default_file(nc, INPUT_KEY)?;
        let it = make_lines(nc, f, 2, false)?;
        return nc.ret1(it);
    }
    let name = nc.check_str(1)?.as_bytes().to_vec();
    let f = open_check(nc, &name, b"r")?;
    let it = make_lines(nc, f, 2, true)?;
    nc.ret(&[it, Value::Nil, Value::Nil, f])
}

fn f_lines<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    check_file(nc)?;
    let f = nc.arg(1);
    let it = make_lines(nc, f, 2, false)?;
    nc.ret1(it)
}

fn lines_iter<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let ups: Vec<Value<'gc>> = nc.native.map(|n| n.upvalues().to_vec()).unwrap_or_default();
    let file = ups.first().copied().unwrap_or(Value::Nil);
    let to_close = ups.get(1).is_some_and(|v| v.truthy());
    let fmts = ups.get(2..).unwrap_or(&[]);
    if matches!(handle_of(file), Some(Handle::Closed) | None) {
        return Err(LuaError::rt("file is already closed"));
    }
    nc.charge(IO_CALL);
    let fmts = fmts.to_vec();
    run_read(
        nc,
        ReadCont {
            file,
            fmts,
            results: Vec::new(),
            first: 2,
            purpose: ReadFor::Lines { to_close },
            progress: ReadProgress::default(),
        },
    )
}
