//! The disassembler: a listing in the style of `luac -l -l`.
//!
//! # Design
//! Instruction names and operands come from [`Op::name`] and [`Op::operands`], which the
//! `define_ops!` macro generates from the single instruction list, so the listing cannot drift
//! from the instruction set. Only the trailing `; comment` (constant values, upvalue names,
//! jump targets, argument counts) knows about particular opcodes, and an opcode it does not
//! know simply gets no comment.
//!
//! Unlike `luac`, no addresses are printed (listings are deterministic): functions are named
//! by their position in the tree (`main`, `function 0`, `function 0.1`...), and a `Closure`'s
//! comment names the child it creates. Program counters and local ranges are 1-based, as in
//! `luac`.

use std::fmt::Write;

use super::opcodes::Op;
use super::proto::{short_source, Constant, Proto};
use crate::number::float_to_string as fmt_float;

/// Disassembles `proto` and all its nested functions.
///
/// # Example
/// ```
/// let p = telelua::internal::compiler::compile(b"local x = 1", b"=t.lua").unwrap();
/// let listing = telelua::internal::compiler::dump(&p);
/// assert!(listing.contains("LOADI"));
/// ```
pub fn dump(proto: &Proto) -> String {
    let mut out = String::new();
    // Iterative pre-order walk: nesting depth is unbounded for protos from snapshots.
    let mut stack: Vec<(&Proto, String)> = vec![(proto, String::new())];
    while let Some((p, path)) = stack.pop() {
        dump_function(&mut out, p, &path);
        for (i, child) in p.protos.iter().enumerate().rev() {
            let child_path = if path.is_empty() {
                i.to_string()
            } else {
                format!("{path}.{i}")
            };
            stack.push((child, child_path));
        }
    }
    out
}

/// Formats a constant as `luac` does: strings quoted, floats as `%.14g`.
pub fn format_constant(k: &Constant) -> String {
    match k {
        Constant::Nil => "nil".into(),
        Constant::Bool(b) => b.to_string(),
        Constant::Int(i) => i.to_string(),
        Constant::Float(f) => fmt_float(*f),
        Constant::Str(s) => quote(s),
    }
}

/// Quotes a string with C-like escapes for non-printable bytes.
fn quote(s: &[u8]) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for &c in s {
        match c {
            b'"' => q.push_str("\\\""),
            b'\\' => q.push_str("\\\\"),
            b'\n' => q.push_str("\\n"),
            b'\r' => q.push_str("\\r"),
            b'\t' => q.push_str("\\t"),
            0x20..=0x7e => q.push(c as char),
            _ => {
                let _ = write!(q, "\\{c:03}");
            }
        }
    }
    q.push('"');
    q
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn dump_function(out: &mut String, p: &Proto, path: &str) {
    let src = short_source(&p.source);
    let kind = if path.is_empty() {
        "main".to_string()
    } else {
        format!("function {path}")
    };
    let _ = writeln!(
        out,
        "\n{kind} <{src}:{},{}> ({})",
        p.line_defined,
        p.last_line_defined,
        plural(p.code.len(), "instruction")
    );
    let _ = writeln!(
        out,
        "{}{} {}, {} slots, {}, {}, {}, {}",
        p.num_params,
        if p.is_vararg { "+" } else { "" },
        if p.num_params == 1 { "param" } else { "params" },
        p.max_stack,
        plural(p.upvalues.len(), "upvalue"),
        plural(p.locals.len(), "local"),
        plural(p.constants.len(), "constant"),
        plural(p.protos.len(), "function"),
    );
    for (pc, op) in p.code.iter().enumerate() {
        let line = p.lines.get(pc).copied().unwrap_or(0);
        let operands: Vec<String> = op.operands().iter().map(|(_, v)| v.to_string()).collect();
        let _ = write!(
            out,
            "\t{}\t[{}]\t{:<9}\t{}",
            pc + 1,
            line,
            op.name().to_ascii_uppercase(),
            operands.join(" ")
        );
        let comment = comment(p, pc, op);
        if !comment.is_empty() {
            let _ = write!(out, "\t; {comment}");
        }
        out.push('\n');
    }
    let _ = writeln!(out, "constants ({}):", p.constants.len());
    for (i, k) in p.constants.iter().enumerate() {
        let tag = match k {
            Constant::Nil => "N",
            Constant::Bool(_) => "B",
            Constant::Int(_) => "I",
            Constant::Float(_) => "F",
            Constant::Str(_) => "S",
        };
        let _ = writeln!(out, "\t{i}\t{tag}\t{}", format_constant(k));
    }
    let _ = writeln!(out, "locals ({}):", p.locals.len());
    for (i, l) in p.locals.iter().enumerate() {
        let _ = writeln!(
            out,
            "\t{i}\t{}\t{}\t{}",
            String::from_utf8_lossy(&l.name),
            l.start_pc as u64 + 1,
            l.end_pc as u64 + 1
        );
    }
    let _ = writeln!(out, "upvalues ({}):", p.upvalues.len());
    for (i, u) in p.upvalues.iter().enumerate() {
        let _ = writeln!(
            out,
            "\t{i}\t{}\t{}\t{}",
            String::from_utf8_lossy(&u.name),
            u.in_stack as u8,
            u.index
        );
    }
}

/// The `; comment` of instruction `pc`: what `luac -l -l` would say about it.
fn comment(p: &Proto, pc: usize, op: &Op) -> String {
    let k = |i: u32| {
        p.constants
            .get(i as usize)
            .map_or("?".into(), format_constant)
    };
    let up = |i: u8| {
        p.upvalues.get(i as usize).map_or("?".into(), |u| {
            String::from_utf8_lossy(&u.name).into_owned()
        })
    };
    let target = |offset: i64| (pc as i64 + 1 + offset + 1).to_string(); // 1-based
    let extra = || match p.code.get(pc + 1) {
        Some(Op::ExtraArg { ax }) => Some(ax.get()),
        _ => None,
    };
    let count = |n: u8, what: &str| {
        if n == 0 {
            format!("all {what}")
        } else {
            format!("{} {what}", n - 1)
        }
    };
    match *op {
        Op::LoadK { bx, .. } => k(bx as u32),
        Op::LoadKX { .. } => extra().map_or(String::new(), k),
        Op::GetUpval { b, .. } | Op::SetUpval { b, .. } => up(b),
        Op::GetTabUp { b, c, .. } => format!("{} {}", up(b), k(c as u32)),
        Op::SetTabUp { a, b, .. } => format!("{} {}", up(a), k(b as u32)),
        Op::SetTabUpK { a, b, c } => format!("{} {} {}", up(a), k(b as u32), k(c as u32)),
        Op::GetField { c, .. } | Op::SelfK { c, .. } => k(c as u32),
        Op::SetField { b, .. } => k(b as u32),
        Op::SetFieldK { b, c, .. } => format!("{} {}", k(b as u32), k(c as u32)),
        Op::SetTableK { c, .. } | Op::SetIK { c, .. } => k(c as u32),
        Op::AddK { c, .. }
        | Op::SubK { c, .. }
        | Op::MulK { c, .. }
        | Op::ModK { c, .. }
        | Op::PowK { c, .. }
        | Op::DivK { c, .. }
        | Op::IDivK { c, .. }
        | Op::BAndK { c, .. }
        | Op::BOrK { c, .. }
        | Op::BXorK { c, .. } => k(c as u32),
        Op::EqK { b, .. } => k(b as u32),
        Op::Jmp { sj } => format!("to {}", target(sj.get() as i64)),
        Op::ForPrep { bx, .. } => format!("exit to {}", target(bx as i64 + 1)),
        Op::TForPrep { bx, .. } => format!("to {}", target(bx as i64)),
        Op::ForLoop { bx, .. } | Op::TForLoop { bx, .. } => format!("to {}", target(-(bx as i64))),
        Op::Call { b, c, .. } => format!("{} {}", count(b, "in"), count(c, "out")),
        Op::TailCall { b, .. } => count(b, "in"),
        Op::Return { b, .. } => count(b, "out"),
        Op::Return0 {} => "0 out".into(),
        Op::Return1 { .. } => "1 out".into(),
        Op::Vararg { c, .. } => count(c, "out"),
        Op::TForCall { c, .. } => format!("{c} out"),
        Op::Closure { bx, .. } => format!("function {bx}"),
        Op::NewTable { b, .. } => {
            let hash = if b == 0 { 0 } else { 1u64 << (b - 1).min(63) };
            format!("hash {hash}, array {}", extra().unwrap_or(0))
        }
        Op::SetList { b, .. } => {
            format!(
                "{} from index {}",
                if b == 0 { "all".into() } else { b.to_string() },
                extra().unwrap_or(0) + 1
            )
        }
        Op::LoadNil { b, .. } => format!("{} nils", b as u32 + 1),
        _ => String::new(),
    }
}
