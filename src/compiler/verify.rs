//! The `Proto` checker: verifies every invariant the interpreter relies on, so code that did
//! not come straight from [`compile`](super::compile) (a snapshot from another party) can be
//! trusted not to make the interpreter index out of bounds.
//!
//! # Design
//! The interpreter reads operands without bounds checks on the hot path; this is what makes
//! that sound. For each instruction we check, from its documented semantics, every register
//! it reads or writes (including the ranges of calls, returns, `LoadNil`, `SetList`, loops),
//! every constant index and the constant's type where the opcode implies one (string keys,
//! numeric arithmetic constants), every upvalue and child index, every jump target (inside the
//! code and never onto an `ExtraArg`), that tests are followed by their `Jmp`, that
//! `TForCall` is followed by its `TForLoop`, that the `ExtraArg`-carrying opcodes have one,
//! and that the code ends with a return. Nested functions are checked too, including that
//! their upvalue descriptors point at valid registers/upvalues of their parent.
//!
//! The walk is iterative (snapshot nesting depth is not bounded by the parser) and visits a
//! shared child only once.

use std::collections::HashSet;

use super::opcodes::Op;
use super::proto::{Constant, Proto};

/// Checks the invariants of a main chunk and all its nested functions: those documented on
/// [`Proto`], plus that the main function is vararg with exactly one upvalue.
///
/// # Errors
/// A description of the first violation found.
pub fn verify(proto: &Proto) -> Result<(), String> {
    if !proto.is_vararg || proto.upvalues.len() != 1 {
        return Err("main function must be vararg with exactly one upvalue".into());
    }
    verify_function(proto)
}

/// Checks the invariants of a function and all its nested functions (no main-chunk rules).
///
/// # Errors
/// A description of the first violation found.
pub fn verify_function(proto: &Proto) -> Result<(), String> {
    let mut seen: HashSet<*const Proto> = HashSet::new();
    let mut stack: Vec<&Proto> = vec![proto];
    while let Some(p) = stack.pop() {
        if !seen.insert(p as *const Proto) {
            continue;
        }
        check_one(p)?;
        for child in p.protos.iter() {
            check_child_upvalues(p, child)?;
            stack.push(child);
        }
    }
    Ok(())
}

/// A child's upvalues must name registers or upvalues of its parent.
fn check_child_upvalues(parent: &Proto, child: &Proto) -> Result<(), String> {
    for (i, u) in child.upvalues.iter().enumerate() {
        let ok = if u.in_stack {
            u.index < parent.max_stack
        } else {
            (u.index as usize) < parent.upvalues.len()
        };
        if !ok {
            return Err(format!(
                "upvalue {i} of a nested function refers to a missing slot"
            ));
        }
    }
    Ok(())
}

struct Checker<'p> {
    p: &'p Proto,
    pc: usize,
}

impl Checker<'_> {
    fn err(&self, what: &str) -> String {
        format!(
            "instruction {} ({:?}): {what}",
            self.pc,
            self.p.code.get(self.pc)
        )
    }

    /// `n` registers starting at `a` exist (`n == 0`: `a` may be the stack limit).
    fn range(&self, a: u8, n: u32) -> Result<(), String> {
        if a as u32 + n <= self.p.max_stack as u32 && (n > 0 || a <= self.p.max_stack) {
            Ok(())
        } else {
            Err(self.err("register out of range"))
        }
    }

    fn reg(&self, r: u8) -> Result<(), String> {
        self.range(r, 1)
    }

    fn k(&self, i: u32) -> Result<&Constant, String> {
        self.p
            .constants
            .get(i as usize)
            .ok_or_else(|| self.err("constant index out of range"))
    }

    fn kstr(&self, i: u8) -> Result<(), String> {
        match self.k(i as u32)? {
            Constant::Str(_) => Ok(()),
            _ => Err(self.err("constant is not a string")),
        }
    }

    fn knum(&self, i: u8) -> Result<(), String> {
        match self.k(i as u32)? {
            Constant::Int(_) | Constant::Float(_) => Ok(()),
            _ => Err(self.err("constant is not a number")),
        }
    }

    fn kint(&self, i: u8) -> Result<(), String> {
        match self.k(i as u32)? {
            Constant::Int(_) => Ok(()),
            _ => Err(self.err("constant is not an integer")),
        }
    }

    fn up(&self, i: u8) -> Result<(), String> {
        if (i as usize) < self.p.upvalues.len() {
            Ok(())
        } else {
            Err(self.err("upvalue index out of range"))
        }
    }

    /// A jump destination: inside the code, not an `ExtraArg`.
    fn target(&self, t: i64) -> Result<(), String> {
        match usize::try_from(t).ok().and_then(|t| self.p.code.get(t)) {
            Some(Op::ExtraArg { .. }) | None => Err(self.err("jump target out of range")),
            Some(_) => Ok(()),
        }
    }

    fn next(&self) -> Option<&Op> {
        self.p.code.get(self.pc + 1)
    }

    fn next_is_jump(&self) -> Result<(), String> {
        match self.next() {
            Some(Op::Jmp { .. }) => Ok(()),
            _ => Err(self.err("test not followed by a jump")),
        }
    }

    fn next_extra(&self) -> Result<u32, String> {
        match self.next() {
            Some(Op::ExtraArg { ax }) => Ok(ax.get()),
            _ => Err(self.err("missing ExtraArg")),
        }
    }

    fn check(&self, op: &Op) -> Result<(), String> {
        let pc = self.pc as i64;
        match *op {
            Op::Move { a, b } => {
                self.reg(a)?;
                self.reg(b)
            }
            Op::LoadI { a, .. }
            | Op::LoadF { a, .. }
            | Op::LoadFalse { a }
            | Op::LoadTrue { a } => self.reg(a),
            Op::LFalseSkip { a } => {
                self.reg(a)?;
                self.target(pc + 2)
            }
            Op::LoadK { a, bx } => {
                self.reg(a)?;
                self.k(bx as u32).map(drop)
            }
            Op::LoadKX { a } => {
                self.reg(a)?;
                let k = self.next_extra()?;
                self.k(k).map(drop)
            }
            Op::LoadNil { a, b } => self.range(a, b as u32 + 1),
            Op::GetUpval { a, b } | Op::SetUpval { a, b } => {
                self.reg(a)?;
                self.up(b)
            }
            Op::GetTabUp { a, b, c } => {
                self.reg(a)?;
                self.up(b)?;
                self.kstr(c)
            }
            Op::GetTable { a, b, c } | Op::SetTable { a, b, c } => {
                self.reg(a)?;
                self.reg(b)?;
                self.reg(c)
            }
            Op::GetI { a, b, .. } => {
                self.reg(a)?;
                self.reg(b)
            }
            Op::GetField { a, b, c } => {
                self.reg(a)?;
                self.reg(b)?;
                self.kstr(c)
            }
            Op::SetTabUp { a, b, c } => {
                self.up(a)?;
                self.kstr(b)?;
                self.reg(c)
            }
            Op::SetTabUpK { a, b, c } => {
                self.up(a)?;
                self.kstr(b)?;
                self.k(c as u32).map(drop)
            }
            Op::SetTableK { a, b, c } => {
                self.reg(a)?;
                self.reg(b)?;
                self.k(c as u32).map(drop)
            }
            Op::SetI { a, c, .. } => {
                self.reg(a)?;
                self.reg(c)
            }
            Op::SetIK { a, c, .. } => {
                self.reg(a)?;
                self.k(c as u32).map(drop)
            }
            Op::SetField { a, b, c } => {
                self.reg(a)?;
                self.kstr(b)?;
                self.reg(c)
            }
            Op::SetFieldK { a, b, c } => {
                self.reg(a)?;
                self.kstr(b)?;
                self.k(c as u32).map(drop)
            }
            Op::NewTable { a, .. } => {
                self.reg(a)?;
                self.next_extra().map(drop)
            }
            Op::SelfK { a, b, c } => {
                self.range(a, 2)?;
                self.reg(b)?;
                self.kstr(c)
            }
            Op::AddI { a, b, .. } | Op::ShrI { a, b, .. } | Op::ShlI { a, b, .. } => {
                self.reg(a)?;
                self.reg(b)
            }
            Op::AddK { a, b, c }
            | Op::SubK { a, b, c }
            | Op::MulK { a, b, c }
            | Op::ModK { a, b, c }
            | Op::PowK { a, b, c }
            | Op::DivK { a, b, c }
            | Op::IDivK { a, b, c } => {
                self.reg(a)?;
                self.reg(b)?;
                self.knum(c)
            }
            Op::BAndK { a, b, c } | Op::BOrK { a, b, c } | Op::BXorK { a, b, c } => {
                self.reg(a)?;
                self.reg(b)?;
                self.kint(c)
            }
            Op::Add { a, b, c }
            | Op::Sub { a, b, c }
            | Op::Mul { a, b, c }
            | Op::Mod { a, b, c }
            | Op::Pow { a, b, c }
            | Op::Div { a, b, c }
            | Op::IDiv { a, b, c }
            | Op::BAnd { a, b, c }
            | Op::BOr { a, b, c }
            | Op::BXor { a, b, c }
            | Op::Shl { a, b, c }
            | Op::Shr { a, b, c } => {
                self.reg(a)?;
                self.reg(b)?;
                self.reg(c)
            }
            Op::Unm { a, b } | Op::BNot { a, b } | Op::Not { a, b } | Op::Len { a, b } => {
                self.reg(a)?;
                self.reg(b)
            }
            Op::Concat { a, b } => {
                if b == 0 {
                    return Err(self.err("empty concatenation"));
                }
                self.range(a, b as u32)
            }
            Op::Close { a } => self.range(a, 0),
            Op::Tbc { a } => self.reg(a),
            Op::Jmp { sj } => self.target(pc + 1 + sj.get() as i64),
            Op::Eq { a, b, .. }
            | Op::Lt { a, b, .. }
            | Op::Le { a, b, .. }
            | Op::TestSet { a, b, .. } => {
                self.reg(a)?;
                self.reg(b)?;
                self.next_is_jump()
            }
            Op::EqK { a, b, .. } => {
                self.reg(a)?;
                self.k(b as u32)?;
                self.next_is_jump()
            }
            Op::EqI { a, flags, .. }
            | Op::LtI { a, flags, .. }
            | Op::LeI { a, flags, .. }
            | Op::GtI { a, flags, .. }
            | Op::GeI { a, flags, .. } => {
                if flags > 3 {
                    return Err(self.err("bad flags"));
                }
                self.reg(a)?;
                self.next_is_jump()
            }
            Op::Test { a, .. } => {
                self.reg(a)?;
                self.next_is_jump()
            }
            Op::Call { a, b, c } => {
                self.reg(a)?;
                self.range(a, b as u32)?;
                self.range(a, (c as u32).saturating_sub(1))
            }
            Op::TailCall { a, b } => {
                self.reg(a)?;
                self.range(a, b as u32)
            }
            Op::Return { a, b } => self.range(a, (b as u32).saturating_sub(1)),
            Op::Return0 {} => Ok(()),
            Op::Return1 { a } => self.reg(a),
            Op::ForLoop { a, bx } => {
                self.range(a, 4)?;
                self.target(pc + 1 - bx as i64)
            }
            Op::ForPrep { a, bx } => {
                self.range(a, 4)?;
                self.target(pc + 1 + bx as i64 + 1)
            }
            Op::TForPrep { a, bx } => {
                self.range(a, 4)?;
                let t = pc + 1 + bx as i64;
                self.target(t)?;
                match self.p.code.get(t as usize) {
                    Some(Op::TForCall { a: ta, .. }) if *ta == a => Ok(()),
                    _ => Err(self.err("TForPrep does not jump to its TForCall")),
                }
            }
            Op::TForCall { a, c } => {
                // the call itself uses R[A+4..A+6]; the results R[A+4..A+3+C]
                self.range(a, 4 + (c as u32).max(3))?;
                match self.next() {
                    Some(Op::TForLoop { a: la, .. }) if *la == a => Ok(()),
                    _ => Err(self.err("TForCall not followed by its TForLoop")),
                }
            }
            Op::TForLoop { a, bx } => {
                self.range(a, 5)?;
                self.target(pc + 1 - bx as i64)
            }
            Op::SetList { a, b } => {
                self.range(a, b as u32 + 1)?;
                self.next_extra().map(drop)
            }
            Op::Closure { a, bx } => {
                self.reg(a)?;
                if (bx as usize) < self.p.protos.len() {
                    Ok(())
                } else {
                    Err(self.err("function index out of range"))
                }
            }
            Op::Vararg { a, c } => {
                if !self.p.is_vararg {
                    return Err(self.err("vararg in a non-vararg function"));
                }
                self.reg(a)?;
                self.range(a, (c as u32).saturating_sub(1))
            }
            Op::ExtraArg { .. } => {
                let prev = self.pc.checked_sub(1).and_then(|i| self.p.code.get(i));
                match prev {
                    Some(Op::NewTable { .. } | Op::LoadKX { .. } | Op::SetList { .. }) => Ok(()),
                    _ => Err(self.err("stray ExtraArg")),
                }
            }
        }
    }
}

/// Checks one function (not its children).
fn check_one(p: &Proto) -> Result<(), String> {
    if p.lines.len() != p.code.len() {
        return Err("line information does not match the code".into());
    }
    match p.code.last() {
        Some(Op::Return { .. } | Op::Return0 {} | Op::Return1 { .. }) => {}
        _ => return Err("code does not end with a return".into()),
    }
    if p.num_params > p.max_stack {
        return Err("more parameters than registers".into());
    }
    if p.upvalues.len() > 255 {
        return Err("too many upvalues".into());
    }
    for l in p.locals.iter() {
        if l.start_pc > l.end_pc || l.end_pc as usize > p.code.len() {
            return Err("bad local variable range".into());
        }
    }
    for (pc, op) in p.code.iter().enumerate() {
        Checker { p, pc }.check(op)?;
    }
    Ok(())
}
