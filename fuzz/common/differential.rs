//! The `differential` fuzz target's check, shared with the bounded property in
//! `tests/differential.rs` (both include this file, and `gen.rs`, with `#[path]`): a
//! generated program run by telelua and by PUC-Rio Lua 5.4 in-process (mlua, vendored
//! `lua54`) must print the same output and end the same way (the same error message, or
//! both without error).
//!
//! Design note. `print` is the only output; on the PUC side it is a host function that
//! converts with `tostring` as the real one does. Both sides get a budget (fuel; an
//! instruction-count hook) far beyond what generated programs need; a run that exhausts it
//! proves nothing and is skipped, never reported.
#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use telelua::{StepResult, VmOptions};

/// How a run ended.
#[derive(Clone, Debug, PartialEq)]
pub enum End {
    /// The chunk returned.
    Done,
    /// An error escaped the chunk, with this message.
    Error(String),
    /// The budget ran out: nothing to compare.
    Budget,
}

/// Budget of either side (fuel units or VM instructions).
const BUDGET: u64 = 20_000_000;

/// Runs `src` in telelua; returns (output, end).
pub fn telelua(src: &str) -> (String, End) {
    let out: Rc<RefCell<Vec<u8>>> = Rc::default();
    let o = out.clone();
    let mut vm = VmOptions::new()
        .memory_limit(256 << 20)
        .print(move |b| o.borrow_mut().extend_from_slice(b))
        .build();
    let end = match vm.load(src.as_bytes(), "=gen") {
        Err(e) => End::Error(e.message),
        Ok(()) => loop {
            match vm.step(1_000_000) {
                StepResult::OutOfFuel if vm.fuel_used() < BUDGET => continue,
                StepResult::OutOfFuel => break End::Budget,
                StepResult::Finished(_) => break End::Done,
                StepResult::Error(e) => break End::Error(e.message),
                other => break End::Error(format!("unexpected {other:?}")),
            }
        },
    };
    let text = String::from_utf8_lossy(&out.borrow()).into_owned();
    (text, end)
}

/// Runs `src` in PUC-Rio Lua 5.4; returns (output, end).
pub fn puc(src: &str) -> (String, End) {
    let lua = mlua::Lua::new();
    let out: Rc<RefCell<Vec<u8>>> = Rc::default();
    let exceeded = Rc::new(Cell::new(false));
    let result = (|| -> mlua::Result<Option<String>> {
        let tostring: mlua::Function = lua.globals().get("tostring")?;
        let o = out.clone();
        let to_s = tostring.clone();
        let print = lua.create_function(move |_, args: mlua::MultiValue| {
            let mut line = Vec::new();
            for (i, v) in args.into_iter().enumerate() {
                if i > 0 {
                    line.push(b'\t');
                }
                let s: mlua::LuaString = to_s.call(v)?;
                line.extend_from_slice(&s.as_bytes());
            }
            line.push(b'\n');
            o.borrow_mut().extend_from_slice(&line);
            Ok(())
        })?;
        lua.globals().set("print", print)?;
        let count = Rc::new(Cell::new(0u64));
        let flag = exceeded.clone();
        lua.set_hook(
            mlua::HookTriggers::new().every_nth_instruction(1000),
            move |_, _| {
                count.set(count.get() + 1000);
                if count.get() > BUDGET {
                    flag.set(true);
                    return Err(mlua::Error::runtime("differential budget"));
                }
                Ok(mlua::VmState::Continue)
            },
        )?;
        // Called through `pcall` rather than mlua's call, whose message handler would add a
        // traceback to the error value before `__close` handlers see it.
        let chunk = lua.load(src).set_name("=gen").into_function()?;
        let pcall: mlua::Function = lua.globals().get("pcall")?;
        let (ok, err): (bool, mlua::Value) = pcall.call(chunk)?;
        if ok {
            return Ok(None);
        }
        let text: mlua::LuaString = tostring.call(err)?;
        Ok(Some(String::from_utf8_lossy(&text.as_bytes()).into_owned()))
    })();
    let end = match result {
        _ if exceeded.get() => End::Budget,
        Ok(None) => End::Done,
        Ok(Some(message)) => End::Error(message),
        Err(e) => End::Error(puc_message(&e)),
    };
    let text = String::from_utf8_lossy(&out.borrow()).into_owned();
    (text, end)
}

/// The Lua error message inside an mlua error.
fn puc_message(e: &mlua::Error) -> String {
    match e {
        // mlua appends a traceback to the message.
        mlua::Error::RuntimeError(m) => m
            .split("\nstack traceback:")
            .next()
            .unwrap_or_default()
            .to_string(),
        mlua::Error::SyntaxError { message, .. } => message.clone(),
        mlua::Error::CallbackError { cause, .. } => puc_message(cause),
        other => other.to_string(),
    }
}

/// Runs the program `data` generates on both sides; `Err` describes a difference.
pub fn compare(data: &[u8]) -> Result<(), String> {
    let src = crate::gen::program(data);
    let (out_p, end_p) = puc(&src);
    if end_p == End::Budget {
        return Ok(());
    }
    let (out_t, end_t) = telelua(&src);
    if end_t == End::Budget {
        return Ok(());
    }
    if same_but_nan_signs(&out_t, &out_p)
        && same_but_nan_signs(&format!("{end_t:?}"), &format!("{end_p:?}"))
    {
        return Ok(());
    }
    let first = out_t
        .lines()
        .zip(out_p.lines())
        .position(|(a, b)| a != b)
        .map_or(String::new(), |i| {
            format!(
                "first differing output line {}:\n  telelua: {}\n  lua5.4:  {}\n",
                i + 1,
                out_t.lines().nth(i).unwrap_or(""),
                out_p.lines().nth(i).unwrap_or("")
            )
        });
    Err(format!(
        "{first}end: telelua {end_t:?}, lua5.4 {end_p:?}\n---- program ----\n{src}\n---- telelua ----\n{out_t}\n---- lua5.4 ----\n{out_p}"
    ))
}

/// Whether `a` and `b` are the same text once NaN signs are erased. The sign of a NaN computed
/// from two NaNs of different signs (`x * y`) is the C compiler's choice of which operand an
/// x86 instruction keeps, so builds of PUC-Rio Lua disagree: Debian's `lua5.4` prints `-nan`
/// for `(0/0) * -(0/0)` where the vendored build mlua compiles (and telelua) print `nan`.
/// (So the sign of `0/0`, `-nan` in all three, is not compared either.)
fn same_but_nan_signs(a: &str, b: &str) -> bool {
    a == b || a.replace("-nan", "nan") == b.replace("-nan", "nan")
}

/// The fuzz check: panics on a difference.
pub fn check(data: &[u8]) {
    if let Err(e) = compare(data) {
        panic!("{e}");
    }
}
