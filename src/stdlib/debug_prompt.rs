//! `debug.debug` (standalone profile): Lua's interactive debug prompt. It reads commands
//! from the host's stdin, each line a chunk run in protected mode, until a line `cont` or the
//! end of the input; errors go to the host's stderr. Each command is an ordinary Lua call
//! from the native (a continuation, so a VM waiting in a command can be saved).

use std::io::{BufRead, Write};

use gc_arena::Collect;
use serde::{Deserialize, Serialize};

use crate::vm::cont::{uncaught, Cont, LibCont, LibContKind, LibSaved};
use crate::vm::convert::tostring_raw;
use crate::vm::error::LuaResult;
use crate::vm::native::{Action, NativeCtx};
use crate::vm::state::{Ctx, Tm};
use crate::vm::value::Value;

type R<'gc> = LuaResult<'gc, Action<'gc>>;

/// The longest command line read at once: `ldblib.c` reads with `fgets` into 250 bytes, so a
/// longer line is run as several commands.
const LINE_MAX: usize = 249;

/// The prompt, on stderr.
const PROMPT: &[u8] = b"lua_debug> ";

/// The chunk name of each command.
const CHUNK_NAME: &[u8] = b"=(debug command)";

/// `debug.debug()`.
pub fn debug<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    next_command(nc)
}

/// Prompts, reads and starts the next command; returns when the input ends or says `cont`.
fn next_command<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    loop {
        write_stderr(nc.ctx, PROMPT);
        let line = match read_line(nc.ctx) {
            Some(line) if line != b"cont\n" => line,
            _ => return nc.ret0(),
        };
        nc.charge(crate::limits::fuel::load_cost(line.len()));
        let env = Value::Table(nc.ctx.state.globals);
        match crate::vm::closure::load_chunk(nc.ctx, &line, CHUNK_NAME, env) {
            Ok(f) => {
                nc.clear();
                return Ok(Action::Call {
                    func: Value::Function(f),
                    cont: Cont::Lib(Box::new(CommandCont)),
                });
            }
            Err(msg) => {
                let mut msg = msg.into_bytes();
                msg.push(b'\n');
                write_stderr(nc.ctx, &msg);
            }
        }
    }
}

/// A command's error, written as `luaL_tolstring` gives it (through `__tostring`).
fn report<'gc>(nc: &mut NativeCtx<'gc, '_>, e: Value<'gc>) -> R<'gc> {
    let tm = nc.ctx.metamethod(e, Tm::ToString);
    if !tm.is_nil() {
        nc.clear();
        nc.push(e);
        return Ok(Action::Call {
            func: tm,
            cont: Cont::Lib(Box::new(ReportCont)),
        });
    }
    let mut text = tostring_raw(nc.ctx, e);
    text.push(b'\n');
    write_stderr(nc.ctx, &text);
    next_command(nc)
}

/// One `fgets` from the host's stdin: up to a line break or [`LINE_MAX`] bytes (`None` at the
/// end of the input or on a read error).
fn read_line(ctx: Ctx<'_>) -> Option<Vec<u8>> {
    let mut host = ctx.state.host.borrow_mut();
    let mut line = Vec::new();
    while line.len() < LINE_MAX && line.last() != Some(&b'\n') {
        let buf = match host.stdin.fill_buf() {
            Ok(buf) if !buf.is_empty() => buf,
            _ => break,
        };
        let room = LINE_MAX - line.len();
        let take = match buf.iter().take(room).position(|&c| c == b'\n') {
            Some(i) => i + 1,
            None => buf.len().min(room),
        };
        line.extend_from_slice(&buf[..take]);
        host.stdin.consume(take);
    }
    (!line.is_empty()).then_some(line)
}

fn write_stderr(ctx: Ctx<'_>, bytes: &[u8]) {
    let mut host = ctx.state.host.borrow_mut();
    let _ = host.stderr.write_all(bytes);
    let _ = host.stderr.flush();
}

/// `debug.debug` running a command (catches its error; a unit).
#[derive(Collect, Serialize, Deserialize, Debug, Clone, Copy)]
#[collect(require_static)]
pub struct CommandCont;

/// The kind of [`CommandCont`].
pub static COMMAND_CONT: LibContKind = LibContKind {
    name: "debug.debug",
    load: |_| Ok(Box::new(CommandCont)),
};

impl<'gc> LibCont<'gc> for CommandCont {
    fn resume(
        self: Box<Self>,
        nc: &mut NativeCtx<'gc, '_>,
        outcome: Result<(), Value<'gc>>,
    ) -> R<'gc> {
        match outcome {
            Ok(()) => next_command(nc),
            Err(e) => report(nc, e),
        }
    }

    fn catches(&self) -> bool {
        true
    }

    fn save(&self) -> Result<LibSaved<Value<'gc>>, String> {
        Ok(LibSaved::unit(&COMMAND_CONT))
    }
}

/// `debug.debug` waiting for an error's `__tostring` (an error in it escapes, as from
/// `luaL_tolstring`; a unit).
#[derive(Collect, Serialize, Deserialize, Debug, Clone, Copy)]
#[collect(require_static)]
pub struct ReportCont;

/// The kind of [`ReportCont`].
pub static REPORT_CONT: LibContKind = LibContKind {
    name: "debug.debug.report",
    load: |_| Ok(Box::new(ReportCont)),
};

impl<'gc> LibCont<'gc> for ReportCont {
    fn resume(
        self: Box<Self>,
        nc: &mut NativeCtx<'gc, '_>,
        outcome: Result<(), Value<'gc>>,
    ) -> R<'gc> {
        uncaught(outcome)?;
        let mut text = super::base::tostring_result(nc)?;
        text.push(b'\n');
        write_stderr(nc.ctx, &text);
        next_command(nc)
    }

    fn save(&self) -> Result<LibSaved<Value<'gc>>, String> {
        Ok(LibSaved::unit(&REPORT_CONT))
    }
}
