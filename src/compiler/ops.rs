//! Code generation for operators, the second half of `lcode.c`: constant folding, arithmetic
//! and bitwise operators (with immediate and constant operand forms), comparisons, `not`,
//! `and`/`or` and concatenation.
//!
//! # Design
//! A binary operator is compiled in two steps around its second operand, as in Lua:
//! [`Parser::infix`] prepares the first operand (keeps a numeral for folding, emits the
//! short-circuit test for `and`/`or`, pushes a concatenation operand) and
//! [`Parser::posfix`] combines both.
//!
//! **Where we deliberately differ from `lcode.c`.** Our instruction set has no `MMBIN*`
//! follow-up instructions: the interpreter derives the metamethod (and the operand order it
//! is called with) from the arithmetic opcode itself. So we never use an encoding whose
//! opcode does not say exactly what the source said:
//! - `1 + x` is not flipped to `x + 1` (that would call `__add(x, 1)`); a constant on the left
//!   of a commutative or bitwise operator goes to a register instead;
//! - `x - 1` is `SubK`, not `AddI x -1` (which would call `__add` with `-1`); the one value
//!   where the two differ, `-0.0 - 0`, is computed as lua5.4 computes it
//!   (`number::float_minus_int_constant`);
//! - `x << 1` is not `ShrI x -1`.
//!
//! Everything else (`AddI`, `*K` forms, `ShrI`, `ShlI` for `k << x`, the immediate comparison
//! forms with their implicit swaps, `EqK`/`EqI`) is as in Lua.
//!
//! Folding follows `constfolding`: only numeric operands, never when the operation would
//! raise (bitwise on non-integral floats, integer division or modulo by zero; Lua also
//! refuses any division by zero), never producing NaN or a float zero (whose sign could be
//! lost).

use super::code::{fits_c, NO_REG};
use super::funcstate::{ExpDesc, ExpKind, NO_JUMP};
use super::opcodes::Op;
use super::parser::{Parser, R};
use crate::number::{self, ArithOp, Number};

/// Binary operators, in `lparser.c`'s `BinOpr` order.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum BinOpr {
    Add,
    Sub,
    Mul,
    Mod,
    Pow,
    Div,
    IDiv,
    BAnd,
    BOr,
    BXor,
    Shl,
    Shr,
    Concat,
    Eq,
    Lt,
    Le,
    Ne,
    Gt,
    Ge,
    And,
    Or,
}

impl BinOpr {
    /// (left, right) priority (`priority[]` in `lparser.c`).
    pub fn priority(self) -> (u8, u8) {
        use BinOpr::*;
        match self {
            Add | Sub => (10, 10),
            Mul | Mod | Div | IDiv => (11, 11),
            Pow => (14, 13), // right associative
            BAnd => (6, 6),
            BOr => (4, 4),
            BXor => (5, 5),
            Shl | Shr => (7, 7),
            Concat => (9, 8), // right associative
            Eq | Lt | Le | Ne | Gt | Ge => (3, 3),
            And => (2, 2),
            Or => (1, 1),
        }
    }

    /// The arithmetic operation, for foldable operators.
    fn arith(self) -> Option<ArithOp> {
        use BinOpr::*;
        Some(match self {
            Add => ArithOp::Add,
            Sub => ArithOp::Sub,
            Mul => ArithOp::Mul,
            Mod => ArithOp::Mod,
            Pow => ArithOp::Pow,
            Div => ArithOp::Div,
            IDiv => ArithOp::IDiv,
            BAnd => ArithOp::BAnd,
            BOr => ArithOp::BOr,
            BXor => ArithOp::BXor,
            Shl => ArithOp::Shl,
            Shr => ArithOp::Shr,
            _ => return None,
        })
    }
}

/// Unary operators.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum UnOpr {
    Minus,
    BNot,
    Not,
    Len,
}

/// Priority of unary operators (`UNARY_PRIORITY`).
pub(crate) const UNARY_PRIORITY: u8 = 12;

/// `tonumeral`: the numeric value of a numeral expression without jumps.
fn to_numeral(e: &ExpDesc) -> Option<Number> {
    if e.has_jumps() {
        return None;
    }
    match e.k {
        ExpKind::KInt(i) => Some(Number::Int(i)),
        ExpKind::KFlt(f) => Some(Number::Float(f)),
        _ => None,
    }
}

/// `isSCint`: an integer literal fitting a signed 8-bit immediate.
fn is_sc_int(e: &ExpDesc) -> Option<i8> {
    match e.k {
        ExpKind::KInt(i) if !e.has_jumps() && fits_c(i) => Some(i as i8),
        _ => None,
    }
}

/// `isSCnumber`: a numeral with an integral value fitting a signed 8-bit immediate;
/// returns (value, written as a float).
fn is_sc_number(e: &ExpDesc) -> Option<(i8, bool)> {
    if e.has_jumps() {
        return None;
    }
    let (i, isfloat) = match e.k {
        ExpKind::KInt(i) => (i, false),
        ExpKind::KFlt(f) => (number::float_to_int_exact(f)?, true),
        _ => return None,
    };
    if fits_c(i) {
        Some((i as i8, isfloat))
    } else {
        None
    }
}

/// The register-register form of an arithmetic or bitwise operator.
fn op_rr(opr: BinOpr, a: u8, b: u8, c: u8) -> Op {
    use BinOpr::*;
    match opr {
        Add => Op::Add { a, b, c },
        Sub => Op::Sub { a, b, c },
        Mul => Op::Mul { a, b, c },
        Mod => Op::Mod { a, b, c },
        Pow => Op::Pow { a, b, c },
        Div => Op::Div { a, b, c },
        IDiv => Op::IDiv { a, b, c },
        BAnd => Op::BAnd { a, b, c },
        BOr => Op::BOr { a, b, c },
        BXor => Op::BXor { a, b, c },
        Shl => Op::Shl { a, b, c },
        _ => Op::Shr { a, b, c },
    }
}

/// The register-constant form of an arithmetic or bitwise operator (`None` for shifts).
fn op_rk(opr: BinOpr, a: u8, b: u8, c: u8) -> Option<Op> {
    use BinOpr::*;
    Some(match opr {
        Add => Op::AddK { a, b, c },
        Sub => Op::SubK { a, b, c },
        Mul => Op::MulK { a, b, c },
        Mod => Op::ModK { a, b, c },
        Pow => Op::PowK { a, b, c },
        Div => Op::DivK { a, b, c },
        IDiv => Op::IDivK { a, b, c },
        BAnd => Op::BAndK { a, b, c },
        BOr => Op::BOrK { a, b, c },
        BXor => Op::BXorK { a, b, c },
        _ => return None,
    })
}

/// `negatecondition` on an instruction: flips its `k`.
fn negate(op: &mut Op) {
    match op {
        Op::Eq { k, .. } | Op::Lt { k, .. } | Op::Le { k, .. } | Op::EqK { k, .. } => *k = !*k,
        Op::Test { k, .. } | Op::TestSet { k, .. } => *k = !*k,
        Op::EqI { flags, .. }
        | Op::LtI { flags, .. }
        | Op::LeI { flags, .. }
        | Op::GtI { flags, .. }
        | Op::GeI { flags, .. } => *flags ^= 1,
        _ => {}
    }
}

impl Parser<'_> {
    /// `constfolding`: folds `e1 op e2` into `e1` if both are numerals and it is safe.
    fn const_folding(&mut self, op: ArithOp, e1: &mut ExpDesc, e2: &ExpDesc) -> bool {
        let (Some(v1), Some(v2)) = (to_numeral(e1), to_numeral(e2)) else {
            return false;
        };
        if matches!(op, ArithOp::Div | ArithOp::IDiv | ArithOp::Mod) && v2.as_float() == 0.0 {
            return false; // division by 0
        }
        match number::arith(op, v1, v2) {
            Ok(Number::Int(i)) => {
                e1.k = ExpKind::KInt(i);
                true
            }
            Ok(Number::Float(n)) if !n.is_nan() && n != 0.0 => {
                e1.k = ExpKind::KFlt(n);
                true
            }
            _ => false,
        }
    }

    /// `negatecondition`: negates the comparison whose jump is `e`'s.
    fn negate_condition(&mut self, e: &ExpDesc) {
        if let ExpKind::Jmp(pc) = e.k {
            let i = self.jump_control(pc as i32);
            if let Some(op) = self.instr_mut(i) {
                negate(op);
            }
        }
    }

    /// `jumponcond`: emits a jump taken when `e` is `cond`; returns its pc.
    fn jump_on_cond(&mut self, e: &mut ExpDesc, cond: bool) -> R<i32> {
        if let ExpKind::Reloc(pc) = e.k {
            if let Some(Op::Not { b, .. }) = self.instr(pc as usize) {
                if pc as usize + 1 == self.pc() {
                    self.remove_last_instruction(); // remove the previous 'Not'
                    return Ok(self.cond_jump(Op::Test { a: b, k: !cond }));
                }
            }
        }
        self.discharge2anyreg(e)?;
        self.free_exp(e);
        let b = match e.k {
            ExpKind::NonReloc(r) => r,
            _ => 0,
        };
        Ok(self.cond_jump(Op::TestSet {
            a: NO_REG,
            b,
            k: cond,
        }))
    }

    /// `luaK_goiftrue`: code to fall through if `e` is true, jump otherwise.
    pub(crate) fn go_if_true(&mut self, e: &mut ExpDesc) -> R<()> {
        self.discharge_vars(e);
        let pc = match e.k {
            ExpKind::Jmp(pc) => {
                self.negate_condition(e); // jump when it is false
                pc as i32
            }
            ExpKind::K(_)
            | ExpKind::KFlt(_)
            | ExpKind::KInt(_)
            | ExpKind::KStr(_)
            | ExpKind::True => {
                NO_JUMP // always true; do nothing
            }
            _ => self.jump_on_cond(e, false)?,
        };
        let mut f = e.f;
        self.concat(&mut f, pc)?;
        e.f = f;
        self.patch_to_here(e.t)?;
        e.t = NO_JUMP;
        Ok(())
    }

    /// `luaK_goiffalse`: code to fall through if `e` is false, jump otherwise.
    pub(crate) fn go_if_false(&mut self, e: &mut ExpDesc) -> R<()> {
        self.discharge_vars(e);
        let pc = match e.k {
            ExpKind::Jmp(pc) => pc as i32,            // already jumps if true
            ExpKind::Nil | ExpKind::False => NO_JUMP, // always false; do nothing
            _ => self.jump_on_cond(e, true)?,
        };
        let mut t = e.t;
        self.concat(&mut t, pc)?;
        e.t = t;
        self.patch_to_here(e.f)?;
        e.f = NO_JUMP;
        Ok(())
    }

    /// `codenot`: `not e`, folding constants.
    fn code_not(&mut self, e: &mut ExpDesc) -> R<()> {
        match e.k {
            ExpKind::Nil | ExpKind::False => e.k = ExpKind::True,
            ExpKind::K(_)
            | ExpKind::KFlt(_)
            | ExpKind::KInt(_)
            | ExpKind::KStr(_)
            | ExpKind::True => e.k = ExpKind::False,
            ExpKind::Jmp(_) => self.negate_condition(e),
            ExpKind::Reloc(_) | ExpKind::NonReloc(_) => {
                self.discharge2anyreg(e)?;
                self.free_exp(e);
                let b = match e.k {
                    ExpKind::NonReloc(r) => r,
                    _ => 0,
                };
                e.k = ExpKind::Reloc(self.code(Op::Not { a: 0, b }) as u32);
            }
            _ => {}
        }
        std::mem::swap(&mut e.f, &mut e.t);
        self.remove_values(e.f); // values are useless when negated
        self.remove_values(e.t);
        Ok(())
    }

    /// `codeunexpval`: a value-producing unary operator.
    fn code_unexp_val(&mut self, opr: UnOpr, e: &mut ExpDesc, line: u32) -> R<()> {
        let b = self.exp2anyreg(e)?;
        self.free_exp(e);
        let op = match opr {
            UnOpr::Minus => Op::Unm { a: 0, b },
            UnOpr::BNot => Op::BNot { a: 0, b },
            _ => Op::Len { a: 0, b },
        };
        e.k = ExpKind::Reloc(self.code(op) as u32);
        self.fix_line(line);
        Ok(())
    }

    /// `luaK_prefix`: applies a unary operator to `e`.
    pub(crate) fn prefix(&mut self, op: UnOpr, e: &mut ExpDesc, line: u32) -> R<()> {
        self.discharge_vars(e);
        let zero = ExpDesc::new(ExpKind::KInt(0));
        match op {
            UnOpr::Minus if self.const_folding(ArithOp::Unm, e, &zero) => Ok(()),
            UnOpr::BNot if self.const_folding(ArithOp::BNot, e, &zero) => Ok(()),
            UnOpr::Minus | UnOpr::BNot | UnOpr::Len => self.code_unexp_val(op, e, line),
            UnOpr::Not => self.code_not(e),
        }
    }

    /// `luaK_infix`: processes the first operand of a binary operator before reading the
    /// second.
    pub(crate) fn infix(&mut self, op: BinOpr, v: &mut ExpDesc) -> R<()> {
        self.discharge_vars(v);
        use BinOpr::*;
        match op {
            And => self.go_if_true(v)?,
            Or => self.go_if_false(v)?,
            Concat => self.exp2nextreg(v)?,
            Add | Sub | Mul | Div | IDiv | Mod | Pow | BAnd | BOr | BXor | Shl | Shr => {
                if to_numeral(v).is_none() {
                    self.exp2anyreg(v)?;
                }
                // else keep the numeral, which may be folded with the second operand
            }
            Eq | Ne => {
                if to_numeral(v).is_none() {
                    self.exp2rk(v)?;
                }
                // else keep the numeral, which may be an immediate operand
            }
            Lt | Le | Gt | Ge => {
                if is_sc_number(v).is_none() {
                    self.exp2anyreg(v)?;
                }
            }
        }
        Ok(())
    }

    /// `finishbinexpval`: emits `op` with `e1` in a register and the given second operand.
    fn finish_bin_exp_val(
        &mut self,
        e1: &mut ExpDesc,
        e2: &ExpDesc,
        make: impl FnOnce(u8) -> Op,
        line: u32,
    ) -> R<()> {
        let v1 = self.exp2anyreg(e1)?;
        let pc = self.code(make(v1));
        self.free_exps(e1, e2);
        e1.k = ExpKind::Reloc(pc as u32);
        self.fix_line(line);
        Ok(())
    }

    /// `codebinexpval`: a binary operator over two registers.
    fn code_bin_exp_val(
        &mut self,
        opr: BinOpr,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
        line: u32,
    ) -> R<()> {
        let v2 = self.exp2anyreg(e2)?;
        self.finish_bin_exp_val(e1, e2, |v1| op_rr(opr, 0, v1, v2), line)
    }

    /// `codearith`: uses the `*K` form if the second operand is a numeral constant.
    fn code_arith(&mut self, opr: BinOpr, e1: &mut ExpDesc, e2: &mut ExpDesc, line: u32) -> R<()> {
        if to_numeral(e2).is_some() && self.exp2k(e2)? {
            let c = Self::rk_operand(e2);
            if let Some(op) = op_rk(opr, 0, 0, c) {
                return self.finish_bin_exp_val(
                    e1,
                    e2,
                    |v1| {
                        let mut op = op;
                        set_b(&mut op, v1);
                        op
                    },
                    line,
                );
            }
        }
        self.code_bin_exp_val(opr, e1, e2, line)
    }

    /// `codebitwise`: uses the `*K` form if the second operand is an integer constant.
    fn code_bitwise(
        &mut self,
        opr: BinOpr,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
        line: u32,
    ) -> R<()> {
        if matches!(e2.k, ExpKind::KInt(_)) && self.exp2rk(e2)? {
            let c = Self::rk_operand(e2);
            if let Some(op) = op_rk(opr, 0, 0, c) {
                return self.finish_bin_exp_val(
                    e1,
                    e2,
                    |v1| {
                        let mut op = op;
                        set_b(&mut op, v1);
                        op
                    },
                    line,
                );
            }
        }
        self.code_bin_exp_val(opr, e1, e2, line)
    }

    /// `codeorder`: `<` / `<=` (after `>`/`>=` were swapped into them).
    fn code_order(&mut self, le: bool, e1: &mut ExpDesc, e2: &mut ExpDesc) -> R<()> {
        let op = if let Some((im, isfloat)) = is_sc_number(e2) {
            let a = self.exp2anyreg(e1)?;
            let flags = 1 | (isfloat as u8) << 1;
            if le {
                Op::LeI { a, sb: im, flags }
            } else {
                Op::LtI { a, sb: im, flags }
            }
        } else if let Some((im, isfloat)) = is_sc_number(e1) {
            // (A < B) becomes (B > A), (A <= B) becomes (B >= A)
            let a = self.exp2anyreg(e2)?;
            let flags = 1 | (isfloat as u8) << 1;
            if le {
                Op::GeI { a, sb: im, flags }
            } else {
                Op::GtI { a, sb: im, flags }
            }
        } else {
            let a = self.exp2anyreg(e1)?;
            let b = self.exp2anyreg(e2)?;
            if le {
                Op::Le { a, b, k: true }
            } else {
                Op::Lt { a, b, k: true }
            }
        };
        self.free_exps(e1, e2);
        e1.k = ExpKind::Jmp(self.cond_jump(op) as u32);
        Ok(())
    }

    /// `codeeq`: `==` / `~=`. `e1` was already made a register or constant by `infix`.
    fn code_eq(&mut self, opr: BinOpr, e1: &mut ExpDesc, e2: &mut ExpDesc) -> R<()> {
        if !matches!(e1.k, ExpKind::NonReloc(_)) {
            // e1 is a constant: swap so the constant is the second operand
            std::mem::swap(e1, e2);
        }
        let a = self.exp2anyreg(e1)?;
        let k = opr == BinOpr::Eq;
        let op = if let Some((im, isfloat)) = is_sc_number(e2) {
            Op::EqI {
                a,
                sb: im,
                flags: k as u8 | (isfloat as u8) << 1,
            }
        } else if self.exp2rk(e2)? {
            Op::EqK {
                a,
                b: Self::rk_operand(e2),
                k,
            }
        } else {
            Op::Eq {
                a,
                b: Self::rk_operand(e2),
                k,
            }
        };
        self.free_exps(e1, e2);
        e1.k = ExpKind::Jmp(self.cond_jump(op) as u32);
        Ok(())
    }

    /// `codeconcat`: `e1 .. e2`, merging with a concatenation already in `e2`.
    fn code_concat(&mut self, e1: &mut ExpDesc, e2: &mut ExpDesc, line: u32) {
        let r1 = match e1.k {
            ExpKind::NonReloc(r) => r,
            _ => 0,
        };
        if let Some(Op::Concat { b: n, .. }) = self.previous_instruction() {
            // e2 is a concatenation: extend it by one element (e1)
            self.free_exp(e2);
            let pc = self.pc() - 1;
            if let Some(op) = self.instr_mut(pc) {
                *op = Op::Concat { a: r1, b: n + 1 };
            }
        } else {
            self.code(Op::Concat { a: r1, b: 2 });
            self.free_exp(e2);
            self.fix_line(line);
        }
    }

    /// `luaK_posfix`: finishes a binary operation after reading the second operand.
    pub(crate) fn posfix(
        &mut self,
        opr: BinOpr,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
        line: u32,
    ) -> R<()> {
        self.discharge_vars(e2);
        if let Some(aop) = opr.arith() {
            if self.const_folding(aop, e1, e2) {
                return Ok(());
            }
        }
        use BinOpr::*;
        match opr {
            And => {
                let mut f = e2.f;
                self.concat(&mut f, e1.f)?;
                e2.f = f;
                *e1 = *e2;
            }
            Or => {
                let mut t = e2.t;
                self.concat(&mut t, e1.t)?;
                e2.t = t;
                *e1 = *e2;
            }
            Concat => {
                self.exp2nextreg(e2)?;
                self.code_concat(e1, e2, line);
            }
            Add => {
                if let Some(sc) = is_sc_int(e2) {
                    self.finish_bin_exp_val(e1, e2, |v1| Op::AddI { a: 0, b: v1, sc }, line)?;
                } else {
                    self.code_arith(opr, e1, e2, line)?;
                }
            }
            Sub | Mul | Div | IDiv | Mod | Pow => self.code_arith(opr, e1, e2, line)?,
            BAnd | BOr | BXor => self.code_bitwise(opr, e1, e2, line)?,
            Shl => {
                if let Some(sc) = is_sc_int(e1) {
                    // k << x: the immediate is the left operand, as the opcode says
                    let b = self.exp2anyreg(e2)?;
                    let pc = self.code(Op::ShlI { a: 0, b, sc });
                    self.free_exps(e1, e2);
                    e1.k = ExpKind::Reloc(pc as u32);
                    self.fix_line(line);
                } else {
                    self.code_bin_exp_val(opr, e1, e2, line)?;
                }
            }
            Shr => {
                if let Some(sc) = is_sc_int(e2) {
                    self.finish_bin_exp_val(e1, e2, |v1| Op::ShrI { a: 0, b: v1, sc }, line)?;
                } else {
                    self.code_bin_exp_val(opr, e1, e2, line)?;
                }
            }
            Eq | Ne => self.code_eq(opr, e1, e2)?,
            Lt | Le => self.code_order(opr == Le, e1, e2)?,
            Gt | Ge => {
                // (a > b) is (b < a); (a >= b) is (b <= a)
                std::mem::swap(e1, e2);
                self.code_order(opr == Ge, e1, e2)?;
            }
        }
        Ok(())
    }
}

/// Sets the `b` (first source) operand of a `*K` instruction.
fn set_b(op: &mut Op, v: u8) {
    match op {
        Op::AddK { b, .. }
        | Op::SubK { b, .. }
        | Op::MulK { b, .. }
        | Op::ModK { b, .. }
        | Op::PowK { b, .. }
        | Op::DivK { b, .. }
        | Op::IDivK { b, .. }
        | Op::BAndK { b, .. }
        | Op::BOrK { b, .. }
        | Op::BXorK { b, .. } => *b = v,
        _ => {}
    }
}
