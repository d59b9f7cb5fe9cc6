//! Names for error messages: which variable a register holds, which function a call
//! instruction called — a port of `ldebug.c`'s symbolic execution (`getobjname`,
//! `funcnamefromcode`) to this instruction set.
//!
//! # Design
//! At run time the interpreter only knows "register 3 held nil". To say
//! `attempt to index a nil value (global 'x')` it asks the `Proto`: if register 3 is an active
//! local at that pc, it is that local; otherwise we find the last instruction before the pc
//! that wrote register 3 (`find_set_reg`), ignoring writes inside conditional code (anything
//! before the target of a forward jump that does not skip the pc), and describe it: a
//! `GetTabUp` from `_ENV` is a global, a `GetField` a field, a `SelfK` a method, and so on.
//!
//! These functions also run on code restored from untrusted snapshots, so every access is
//! checked and the symbolic recursion is bounded.

use super::opcodes::Op;
use super::proto::{Constant, Proto};

/// Bound on the symbolic-execution recursion (chains of moves and register keys).
const MAX_DEPTH: u32 = 32;

/// The register `op` writes alone, if any (`testAMode`; calls and `LoadNil` are handled apart).
fn sets_a(op: &Op) -> Option<u8> {
    if op.mode().sets_a {
        op.a()
    } else {
        None
    }
}

impl Proto {
    /// `luaF_getlocalname`: the name of the local variable in register `reg` (the `reg+1`-th
    /// active local) at instruction `pc`, if any.
    pub fn local_name(&self, reg: u8, pc: usize) -> Option<&[u8]> {
        let mut n = reg as usize + 1;
        for lv in self.locals.iter() {
            if lv.start_pc as usize > pc {
                break;
            }
            if pc < lv.end_pc as usize {
                n -= 1;
                if n == 0 {
                    return Some(&lv.name);
                }
            }
        }
        None
    }

    /// The name of upvalue `idx`, if it exists.
    pub fn describe_upvalue(&self, idx: u8) -> Option<&[u8]> {
        self.upvalues.get(idx as usize).map(|u| &u.name[..])
    }

    /// Describes the value in register `reg` just before instruction `pc` executes, as Lua's
    /// error messages do: `("local", name)`, `("global", name)`, `("field", name)`,
    /// `("method", name)`, `("upvalue", name)` or `("constant", text)`.
    ///
    /// # Example
    /// ```
    /// let p = telelua::internal::compiler::compile(b"x.y = 1", b"=t").unwrap();
    /// // instruction 0 loads global 'x' into register 0; instruction 1 indexes it
    /// let (kind, name) = p.describe_register(1, 0).unwrap();
    /// assert_eq!((kind, &name[..]), ("global", &b"x"[..]));
    /// ```
    pub fn describe_register(&self, pc: usize, reg: u8) -> Option<(&'static str, Vec<u8>)> {
        self.obj_name(pc, reg, 0)
    }

    /// `funcnamefromcode`: how the function called by the instruction at `pc` is named in
    /// messages and tracebacks: for `Call`/`TailCall` the description of the called register
    /// (see [`Proto::describe_register`]); `("for iterator", "for iterator")` for `TForCall`;
    /// `("metamethod", event)` for an instruction that invoked a metamethod (`"index"`,
    /// `"newindex"`, `"add"`, ..., `"concat"`, `"eq"`, `"lt"`, `"le"`, `"unm"`, `"len"`,
    /// `"close"`).
    pub fn describe_call(&self, pc: usize) -> Option<(&'static str, Vec<u8>)> {
        let event = match *self.code.get(pc)? {
            Op::Call { a, .. } | Op::TailCall { a, .. } => return self.obj_name(pc, a, 0),
            Op::TForCall { .. } => return Some(("for iterator", b"for iterator".to_vec())),
            Op::SelfK { .. }
            | Op::GetTabUp { .. }
            | Op::GetTable { .. }
            | Op::GetI { .. }
            | Op::GetField { .. } => "index",
            Op::SetTabUp { .. }
            | Op::SetTabUpK { .. }
            | Op::SetTable { .. }
            | Op::SetTableK { .. }
            | Op::SetI { .. }
            | Op::SetIK { .. }
            | Op::SetField { .. }
            | Op::SetFieldK { .. } => "newindex",
            Op::Add { .. } | Op::AddI { .. } | Op::AddK { .. } => "add",
            Op::Sub { .. } | Op::SubK { .. } => "sub",
            Op::Mul { .. } | Op::MulK { .. } => "mul",
            Op::Mod { .. } | Op::ModK { .. } => "mod",
            Op::Pow { .. } | Op::PowK { .. } => "pow",
            Op::Div { .. } | Op::DivK { .. } => "div",
            Op::IDiv { .. } | Op::IDivK { .. } => "idiv",
            Op::BAnd { .. } | Op::BAndK { .. } => "band",
            Op::BOr { .. } | Op::BOrK { .. } => "bor",
            Op::BXor { .. } | Op::BXorK { .. } => "bxor",
            Op::Shl { .. } | Op::ShlI { .. } => "shl",
            Op::Shr { .. } | Op::ShrI { .. } => "shr",
            Op::Unm { .. } => "unm",
            Op::BNot { .. } => "bnot",
            Op::Len { .. } => "len",
            Op::Concat { .. } => "concat",
            Op::Eq { .. } => "eq",
            // no cases for EqI and EqK: they never call metamethods
            Op::Lt { .. } | Op::LtI { .. } | Op::GtI { .. } => "lt",
            Op::Le { .. } | Op::LeI { .. } | Op::GeI { .. } => "le",
            Op::Close { .. } | Op::Return { .. } => "close",
            _ => return None,
        };
        Some(("metamethod", event.as_bytes().to_vec()))
    }

    /// `findsetreg`: the last instruction before `lastpc` that changed `reg`, unless that
    /// change is in conditional code.
    fn find_set_reg(&self, lastpc: usize, reg: u8) -> Option<usize> {
        let lastpc = lastpc.min(self.code.len());
        let reg = reg as usize;
        let mut setreg = None;
        let mut jmptarget = 0usize; // any code before this address is conditional
        for (pc, op) in self.code[..lastpc].iter().enumerate() {
            let change = match *op {
                Op::LoadNil { a, b } => (a as usize) <= reg && reg <= a as usize + b as usize,
                Op::TForCall { a, .. } => reg >= a as usize + 2,
                Op::Call { a, .. } | Op::TailCall { a, .. } => reg >= a as usize,
                Op::Jmp { sj } => {
                    let dest = pc as i64 + 1 + sj.get() as i64;
                    // a jump that does not skip 'lastpc' and goes further than the current one
                    if dest <= lastpc as i64 && dest > jmptarget as i64 {
                        jmptarget = dest as usize;
                    }
                    false
                }
                ref op => sets_a(op) == Some(reg as u8),
            };
            if change {
                setreg = if pc < jmptarget { None } else { Some(pc) };
            }
        }
        setreg
    }

    /// The string value of constant `k`, or "?" (`kname`).
    fn kname(&self, k: usize) -> Vec<u8> {
        match self.constants.get(k) {
            Some(Constant::Str(s)) => s.to_vec(),
            _ => b"?".to_vec(),
        }
    }

    /// `rname`: the name of a register key if it holds a constant string, else "?".
    fn rname(&self, pc: usize, c: u8, depth: u32) -> Vec<u8> {
        match self.obj_name(pc, c, depth + 1) {
            Some(("constant", name)) => name,
            _ => b"?".to_vec(),
        }
    }

    /// `gxf`: "global" if the indexed table (upvalue or register `t`) is `_ENV`.
    fn gxf(&self, pc: usize, t: u8, is_up: bool, depth: u32) -> &'static str {
        let is_env = if is_up {
            self.describe_upvalue(t) == Some(b"_ENV")
        } else {
            matches!(self.obj_name(pc, t, depth + 1), Some((_, name)) if name == b"_ENV")
        };
        if is_env {
            "global"
        } else {
            "field"
        }
    }

    /// `getobjname`
    fn obj_name(&self, lastpc: usize, reg: u8, depth: u32) -> Option<(&'static str, Vec<u8>)> {
        if depth > MAX_DEPTH {
            return None;
        }
        if let Some(name) = self.local_name(reg, lastpc) {
            return Some(("local", name.to_vec()));
        }
        let pc = self.find_set_reg(lastpc, reg)?;
        match *self.code.get(pc)? {
            Op::Move { a, b } if b < a => self.obj_name(pc, b, depth + 1),
            Op::GetTabUp { b, c, .. } => {
                Some((self.gxf(pc, b, true, depth), self.kname(c as usize)))
            }
            Op::GetTable { a, b, c } => {
                let name = self.rname(pc, c, depth);
                // `code_self` with a key constant beyond 8 bits emits
                // `MOVE a+1 obj; LOADK a+2 key; GETTABLE a a+1 a+2`: Lua's OP_SELF, a method.
                let is_self = pc >= 2
                    && b == a.wrapping_add(1)
                    && c == a.wrapping_add(2)
                    && matches!(self.code.get(pc - 2), Some(Op::Move { a: m, .. }) if *m == b)
                    && matches!(self.code.get(pc - 1), Some(Op::LoadK { a: k, .. }) if *k == c);
                if is_self {
                    return Some(("method", name));
                }
                Some((self.gxf(pc, b, false, depth), name))
            }
            Op::GetI { .. } => Some(("field", b"integer index".to_vec())),
            Op::GetField { b, c, .. } => {
                Some((self.gxf(pc, b, false, depth), self.kname(c as usize)))
            }
            Op::GetUpval { b, .. } => {
                Some(("upvalue", self.describe_upvalue(b).unwrap_or(b"?").to_vec()))
            }
            Op::LoadK { bx, .. } => self.constant_name(bx as usize),
            Op::LoadKX { .. } => match self.code.get(pc + 1) {
                Some(Op::ExtraArg { ax }) => self.constant_name(ax.get() as usize),
                _ => None,
            },
            Op::SelfK { c, .. } => Some(("method", self.kname(c as usize))),
            _ => None,
        }
    }

    fn constant_name(&self, k: usize) -> Option<(&'static str, Vec<u8>)> {
        match self.constants.get(k) {
            Some(Constant::Str(s)) => Some(("constant", s.to_vec())),
            _ => None,
        }
    }
}
