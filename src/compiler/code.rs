//! Code generation core, a port of the first half of `lcode.c`: emitting instructions,
//! registers, constants, jump lists, and turning expression descriptors into values.
//!
//! # Design
//! Every function here is a method on the [`Parser`] because code generation needs both the
//! function being built and the lexer (for line numbers and error messages). The names follow
//! `lcode.c` (`exp2reg`, `discharge_vars`, `patch_list`...) so the C source remains a useful
//! map; the comments say where we differ.
//!
//! Registers are allocated as a stack: `free_reg` is the first free one; locals occupy the
//! bottom of the stack, temporaries sit above them and are freed in reverse order. An
//! expression is materialized only when its destination is known (`exp2reg`), which lets a
//! `GetField` or an arithmetic result land directly in a local instead of going through a
//! temporary and a `Move`.
//!
//! Jump lists: a pending jump's offset field links to the next pending jump of the same list
//! (`NO_JUMP` ends it). A test instruction followed by its jump is the "control" of that jump;
//! a `TestSet` in a list can be patched to deliver its value into a register or degraded to a
//! plain `Test` when no value is needed — this is how `a and b or c` produces values without
//! materializing booleans.

use super::funcstate::{ConstKey, ExpDesc, ExpKind, NO_JUMP};
use super::lexer::StrId;
use super::opcodes::{Op, I24, U24};
use super::parser::{Parser, R};
use super::proto::Constant;

/// Maximum number of registers in a function (`MAXREGS`; registers are 0..254).
pub(crate) const MAX_REGS: u32 = 255;
/// `NO_REG`: an invalid register, used by `TestSet` before its destination is known.
pub(crate) const NO_REG: u8 = 255;
/// Largest constant index usable as an 8-bit operand (`MAXINDEXRK`).
const MAX_INDEX_RK: u32 = 255;
/// Number of list items to accumulate before a `SetList` (`LFIELDS_PER_FLUSH`).
pub(crate) const LFIELDS_PER_FLUSH: u32 = 50;
/// Largest constant index (`ExtraArg` carries 24 bits).
const MAX_CONSTANTS: usize = U24::MAX as usize;

/// Whether `i` fits in a signed 8-bit immediate operand (`fitsC`).
pub(crate) fn fits_c(i: i64) -> bool {
    i8::try_from(i).is_ok()
}

/// Whether `i` fits in a signed 16-bit immediate operand (`fitsBx`).
fn fits_bx(i: i64) -> bool {
    i16::try_from(i).is_ok()
}

/// Whether `op` is a test that is always followed by a jump (`testTMode`).
pub(crate) fn is_test(op: &Op) -> bool {
    op.mode().test
}

/// Sets the destination register of a relocatable instruction (`SETARG_A`).
fn set_dest(op: &mut Op, reg: u8) {
    match op {
        Op::Move { a, .. }
        | Op::LoadI { a, .. }
        | Op::LoadF { a, .. }
        | Op::LoadK { a, .. }
        | Op::LoadKX { a }
        | Op::LoadFalse { a }
        | Op::LoadTrue { a }
        | Op::GetUpval { a, .. }
        | Op::GetTabUp { a, .. }
        | Op::GetTable { a, .. }
        | Op::GetI { a, .. }
        | Op::GetField { a, .. }
        | Op::NewTable { a, .. }
        | Op::AddI { a, .. }
        | Op::AddK { a, .. }
        | Op::SubK { a, .. }
        | Op::MulK { a, .. }
        | Op::ModK { a, .. }
        | Op::PowK { a, .. }
        | Op::DivK { a, .. }
        | Op::IDivK { a, .. }
        | Op::BAndK { a, .. }
        | Op::BOrK { a, .. }
        | Op::BXorK { a, .. }
        | Op::ShrI { a, .. }
        | Op::ShlI { a, .. }
        | Op::Add { a, .. }
        | Op::Sub { a, .. }
        | Op::Mul { a, .. }
        | Op::Mod { a, .. }
        | Op::Pow { a, .. }
        | Op::Div { a, .. }
        | Op::IDiv { a, .. }
        | Op::BAnd { a, .. }
        | Op::BOr { a, .. }
        | Op::BXor { a, .. }
        | Op::Shl { a, .. }
        | Op::Shr { a, .. }
        | Op::Unm { a, .. }
        | Op::BNot { a, .. }
        | Op::Not { a, .. }
        | Op::Len { a, .. }
        | Op::Closure { a, .. }
        | Op::Vararg { a, .. }
        | Op::TestSet { a, .. } => *a = reg,
        _ => {}
    }
}

impl Parser<'_> {
    /// Current pc (number of instructions emitted).
    pub(crate) fn pc(&self) -> usize {
        self.fs.code.len()
    }

    /// `luaK_code`: emits an instruction with the line of the last token read.
    pub(crate) fn code(&mut self, op: Op) -> usize {
        self.fs.code.push(op);
        self.fs.lines.push(self.lx.last_line);
        self.fs.code.len() - 1
    }

    /// The instruction at `pc` (which the compiler emitted).
    pub(crate) fn instr(&self, pc: usize) -> Option<Op> {
        self.fs.code.get(pc).copied()
    }

    /// Mutable access to the instruction at `pc` (which the compiler emitted).
    pub(crate) fn instr_mut(&mut self, pc: usize) -> Option<&mut Op> {
        self.fs.code.get_mut(pc)
    }

    /// `luaK_fixline`: changes the line of the last instruction.
    pub(crate) fn fix_line(&mut self, line: u32) {
        if let Some(l) = self.fs.lines.last_mut() {
            *l = line;
        }
    }

    /// Removes the last instruction emitted.
    pub(crate) fn remove_last_instruction(&mut self) {
        self.fs.code.pop();
        self.fs.lines.pop();
    }

    /// Emits an `ExtraArg`.
    fn code_extra_arg(&mut self, v: u32) -> R<usize> {
        match U24::new(v) {
            Some(ax) => Ok(self.code(Op::ExtraArg { ax })),
            None => Err(self.lx.syntax_error("function or expression too complex")),
        }
    }

    /// `luaK_codek`: loads constant `k` into `reg`.
    pub(crate) fn code_k(&mut self, reg: u8, k: u32) -> R<usize> {
        if let Ok(bx) = u16::try_from(k) {
            Ok(self.code(Op::LoadK { a: reg, bx }))
        } else {
            let p = self.code(Op::LoadKX { a: reg });
            self.code_extra_arg(k)?;
            Ok(p)
        }
    }

    /// `luaK_checkstack`: makes sure `n` more registers are available.
    pub(crate) fn check_stack(&mut self, n: u32) -> R<()> {
        let newstack = self.fs.free_reg + n;
        if newstack > self.fs.max_stack {
            if newstack >= MAX_REGS {
                return Err(self
                    .lx
                    .syntax_error("function or expression needs too many registers"));
            }
            self.fs.max_stack = newstack;
        }
        Ok(())
    }

    /// `luaK_reserveregs`
    pub(crate) fn reserve_regs(&mut self, n: u32) -> R<()> {
        self.check_stack(n)?;
        self.fs.free_reg += n;
        Ok(())
    }

    /// `freereg`: frees `reg` if it is a temporary (not a local).
    fn free_reg(&mut self, reg: u8) {
        if reg as u32 >= self.nvarstack() {
            self.fs.free_reg = self.fs.free_reg.saturating_sub(1);
        }
    }

    /// Frees two registers in the proper (reverse) order.
    fn free_regs(&mut self, r1: u8, r2: u8) {
        if r1 > r2 {
            self.free_reg(r1);
            self.free_reg(r2);
        } else {
            self.free_reg(r2);
            self.free_reg(r1);
        }
    }

    /// `freeexp`
    pub(crate) fn free_exp(&mut self, e: &ExpDesc) {
        if let ExpKind::NonReloc(r) = e.k {
            self.free_reg(r);
        }
    }

    /// `freeexps`: frees the registers of two expressions in proper order.
    pub(crate) fn free_exps(&mut self, e1: &ExpDesc, e2: &ExpDesc) {
        match (e1.k, e2.k) {
            (ExpKind::NonReloc(r1), ExpKind::NonReloc(r2)) => self.free_regs(r1, r2),
            (ExpKind::NonReloc(r1), _) => self.free_reg(r1),
            (_, ExpKind::NonReloc(r2)) => self.free_reg(r2),
            _ => {}
        }
    }

    /// `addk`: adds a constant (or finds an equal one).
    fn add_k(&mut self, key: ConstKey, v: Constant) -> R<u32> {
        if let Some(&k) = self.fs.kcache.get(&key) {
            return Ok(k);
        }
        if self.fs.constants.len() >= MAX_CONSTANTS {
            return Err(self.lx.syntax_error("too many constants"));
        }
        let k = self.fs.constants.len() as u32;
        self.fs.constants.push(v);
        self.fs.kcache.insert(key, k);
        Ok(k)
    }

    /// `stringK`
    pub(crate) fn string_k(&mut self, s: StrId) -> R<u32> {
        let v = Constant::Str(self.lx.strings.get(s).into());
        self.add_k(ConstKey::Str(s), v)
    }

    /// `luaK_intK`
    pub(crate) fn int_k(&mut self, i: i64) -> R<u32> {
        self.add_k(ConstKey::Int(i), Constant::Int(i))
    }

    /// `luaK_numberK`
    pub(crate) fn number_k(&mut self, f: f64) -> R<u32> {
        self.add_k(ConstKey::Flt(f.to_bits()), Constant::Float(f))
    }

    fn bool_k(&mut self, b: bool) -> R<u32> {
        self.add_k(ConstKey::Bool(b), Constant::Bool(b))
    }

    fn nil_k(&mut self) -> R<u32> {
        self.add_k(ConstKey::Nil, Constant::Nil)
    }

    /// `previousinstruction`: the last instruction, unless a jump may target the current pc.
    pub(crate) fn previous_instruction(&self) -> Option<Op> {
        let pc = self.pc();
        if pc > self.fs.last_target {
            self.fs.code.get(pc - 1).copied()
        } else {
            None
        }
    }

    /// `luaK_nil`: sets `n` registers from `from` to nil, merging with a previous `LoadNil`.
    pub(crate) fn nil(&mut self, from: u32, n: u32) {
        if n == 0 {
            return;
        }
        let mut from = from;
        let mut l = from + n - 1; // last register to set nil
        if let Some(Op::LoadNil { a, b }) = self.previous_instruction() {
            let pfrom = a as u32;
            let pl = pfrom + b as u32;
            if (pfrom <= from && from <= pl + 1) || (from <= pfrom && pfrom <= l + 1) {
                from = from.min(pfrom);
                l = l.max(pl);
                let pc = self.pc() - 1;
                if let Some(op) = self.instr_mut(pc) {
                    *op = Op::LoadNil {
                        a: from as u8,
                        b: (l - from) as u8,
                    };
                }
                return;
            }
        }
        self.code(Op::LoadNil {
            a: from as u8,
            b: (n - 1) as u8,
        });
    }

    /// `getjump`: the destination of the jump at `pc`, or `NO_JUMP` at the end of a list.
    pub(crate) fn get_jump(&self, pc: i32) -> i32 {
        match self.fs.code.get(pc as usize) {
            Some(Op::Jmp { sj }) if sj.get() != NO_JUMP => pc + 1 + sj.get(),
            _ => NO_JUMP,
        }
    }

    /// `fixjump`: makes the jump at `pc` go to `dest`.
    pub(crate) fn fix_jump(&mut self, pc: i32, dest: i32) -> R<()> {
        let offset = dest - (pc + 1);
        let Some(sj) = I24::new(offset) else {
            return Err(self.lx.syntax_error("control structure too long"));
        };
        if let Some(op @ Op::Jmp { .. }) = self.instr_mut(pc as usize) {
            *op = Op::Jmp { sj };
        }
        Ok(())
    }

    /// `luaK_concat`: appends jump list `l2` to list `l1`.
    pub(crate) fn concat(&mut self, l1: &mut i32, l2: i32) -> R<()> {
        if l2 == NO_JUMP {
            return Ok(());
        }
        if *l1 == NO_JUMP {
            *l1 = l2;
            return Ok(());
        }
        // A jump list is a set: the order of its links does not matter to any user. Lua walks
        // `l1` to its end, which is quadratic for long `elseif` chains or `a or b or c ...`
        // (a long list gets one jump appended at a time). We walk both lists in lockstep and
        // link the end of whichever is shorter to the other: O(shorter list).
        let (mut a, mut b) = (*l1, l2);
        loop {
            let na = self.get_jump(a);
            if na == NO_JUMP {
                return self.fix_jump(a, l2); // l1 ended first: append l2 to it
            }
            let nb = self.get_jump(b);
            if nb == NO_JUMP {
                let head = *l1;
                *l1 = l2;
                return self.fix_jump(b, head); // l2 ended first: prepend it to l1
            }
            a = na;
            b = nb;
        }
    }

    /// `luaK_jump`: emits a jump to be patched later; returns its pc.
    pub(crate) fn jump(&mut self) -> i32 {
        self.code(Op::Jmp { sj: i24(NO_JUMP) }) as i32
    }

    /// `luaK_ret`: emits a return of `nret` values starting at `first`.
    pub(crate) fn ret(&mut self, first: u32, nret: i32) {
        let op = match nret {
            0 => Op::Return0 {},
            1 => Op::Return1 { a: first as u8 },
            _ => Op::Return {
                a: first as u8,
                b: (nret + 1) as u8,
            },
        };
        self.code(op);
    }

    /// `condjump`: emits a test followed by a jump; returns the jump's pc.
    pub(crate) fn cond_jump(&mut self, op: Op) -> i32 {
        self.code(op);
        self.jump()
    }

    /// `luaK_getlabel`: the current pc, marked as a jump target.
    pub(crate) fn get_label(&mut self) -> usize {
        self.fs.last_target = self.pc();
        self.pc()
    }

    /// `getjumpcontrol`: pc of the instruction controlling the jump at `pc`.
    pub(crate) fn jump_control(&self, pc: i32) -> usize {
        let pc = pc as usize;
        if pc >= 1 && self.fs.code.get(pc - 1).is_some_and(is_test) {
            pc - 1
        } else {
            pc
        }
    }

    /// `patchtestreg`: sets the destination of a `TestSet` controlling the jump at `node`,
    /// or turns it into a `Test` if no register is wanted. False if not a `TestSet`.
    fn patch_test_reg(&mut self, node: i32, reg: u8) -> bool {
        let i = self.jump_control(node);
        let Some(Op::TestSet { b, k, .. }) = self.fs.code.get(i).copied() else {
            return false;
        };
        let new = if reg != NO_REG && reg != b {
            Op::TestSet { a: reg, b, k }
        } else {
            Op::Test { a: b, k }
        };
        if let Some(op) = self.instr_mut(i) {
            *op = new;
        }
        true
    }

    /// `removevalues`: makes sure no test in `list` produces a value.
    pub(crate) fn remove_values(&mut self, mut list: i32) {
        while list != NO_JUMP {
            self.patch_test_reg(list, NO_REG);
            list = self.get_jump(list);
        }
    }

    /// `patchlistaux`: value-producing tests jump to `vtarget` (delivering into `reg`),
    /// the others to `dtarget`.
    fn patch_list_aux(&mut self, mut list: i32, vtarget: i32, reg: u8, dtarget: i32) -> R<()> {
        while list != NO_JUMP {
            let next = self.get_jump(list);
            if self.patch_test_reg(list, reg) {
                self.fix_jump(list, vtarget)?;
            } else {
                self.fix_jump(list, dtarget)?;
            }
            list = next;
        }
        Ok(())
    }

    /// `luaK_patchlist`: makes every jump in `list` go to `target`.
    pub(crate) fn patch_list(&mut self, list: i32, target: i32) -> R<()> {
        self.patch_list_aux(list, target, NO_REG, target)
    }

    /// `luaK_patchtohere`
    pub(crate) fn patch_to_here(&mut self, list: i32) -> R<()> {
        let here = self.get_label() as i32;
        self.patch_list(list, here)
    }

    /// `luaK_int`: loads an integer into `reg`.
    pub(crate) fn code_int(&mut self, reg: u8, i: i64) -> R<()> {
        if fits_bx(i) {
            self.code(Op::LoadI {
                a: reg,
                sbx: i as i16,
            });
        } else {
            let k = self.int_k(i)?;
            self.code_k(reg, k)?;
        }
        Ok(())
    }

    /// `luaK_float`: loads a float into `reg`.
    fn code_float(&mut self, reg: u8, f: f64) -> R<()> {
        match crate::number::float_to_int_exact(f) {
            Some(fi) if fits_bx(fi) => {
                self.code(Op::LoadF {
                    a: reg,
                    sbx: fi as i16,
                });
            }
            _ => {
                let k = self.number_k(f)?;
                self.code_k(reg, k)?;
            }
        }
        Ok(())
    }

    /// `luaK_setreturns`: makes a multi-result expression produce `nresults` values
    /// (-1: all of them).
    pub(crate) fn set_returns(&mut self, e: &ExpDesc, nresults: i32) -> R<()> {
        let c = (nresults + 1) as u8;
        match e.k {
            ExpKind::Call(pc) => {
                if let Some(Op::Call { c: cc, .. }) = self.instr_mut(pc as usize) {
                    *cc = c;
                }
            }
            ExpKind::Vararg(pc) => {
                let a = self.fs.free_reg as u8;
                if let Some(Op::Vararg { a: aa, c: cc }) = self.instr_mut(pc as usize) {
                    *cc = c;
                    *aa = a;
                }
                self.reserve_regs(1)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// `luaK_setmultret`
    pub(crate) fn set_multret(&mut self, e: &ExpDesc) -> R<()> {
        self.set_returns(e, -1)
    }

    /// `luaK_setoneret`: makes a multi-result expression produce exactly one value.
    pub(crate) fn set_one_ret(&mut self, e: &mut ExpDesc) {
        match e.k {
            ExpKind::Call(pc) => {
                // Calls are created returning one result; the result is in the base register.
                if let Some(Op::Call { a, .. }) = self.instr(pc as usize) {
                    e.k = ExpKind::NonReloc(a);
                }
            }
            ExpKind::Vararg(pc) => {
                if let Some(Op::Vararg { c, .. }) = self.instr_mut(pc as usize) {
                    *c = 2;
                }
                e.k = ExpKind::Reloc(pc);
            }
            _ => {}
        }
    }

    /// `luaK_dischargevars`: makes sure `e` is not a variable (it may still have jumps).
    pub(crate) fn discharge_vars(&mut self, e: &mut ExpDesc) {
        match e.k {
            ExpKind::Const(idx) => {
                e.k = self
                    .actvar
                    .get(idx as usize)
                    .map_or(ExpKind::Nil, |v| v.value);
            }
            ExpKind::Local { ridx, .. } => e.k = ExpKind::NonReloc(ridx),
            ExpKind::Upval(idx) => {
                e.k = ExpKind::Reloc(self.code(Op::GetUpval { a: 0, b: idx }) as u32);
            }
            ExpKind::IndexUp { t, idx } => {
                e.k = ExpKind::Reloc(self.code(Op::GetTabUp { a: 0, b: t, c: idx }) as u32);
            }
            ExpKind::IndexI { t, idx } => {
                self.free_reg(t);
                e.k = ExpKind::Reloc(self.code(Op::GetI { a: 0, b: t, c: idx }) as u32);
            }
            ExpKind::IndexStr { t, idx } => {
                self.free_reg(t);
                e.k = ExpKind::Reloc(self.code(Op::GetField { a: 0, b: t, c: idx }) as u32);
            }
            ExpKind::Indexed { t, idx } => {
                self.free_regs(t, idx);
                e.k = ExpKind::Reloc(self.code(Op::GetTable { a: 0, b: t, c: idx }) as u32);
            }
            ExpKind::Vararg(_) | ExpKind::Call(_) => self.set_one_ret(e),
            _ => {}
        }
    }

    /// `discharge2reg`: puts the value of `e` (ignoring its jumps) in `reg`.
    fn discharge2reg(&mut self, e: &mut ExpDesc, reg: u8) -> R<()> {
        self.discharge_vars(e);
        match e.k {
            ExpKind::Nil => self.nil(reg as u32, 1),
            ExpKind::False => {
                self.code(Op::LoadFalse { a: reg });
            }
            ExpKind::True => {
                self.code(Op::LoadTrue { a: reg });
            }
            ExpKind::KStr(s) => {
                let k = self.string_k(s)?;
                self.code_k(reg, k)?;
            }
            ExpKind::K(k) => {
                self.code_k(reg, k)?;
            }
            ExpKind::KFlt(f) => self.code_float(reg, f)?,
            ExpKind::KInt(i) => self.code_int(reg, i)?,
            ExpKind::Reloc(pc) => {
                if let Some(op) = self.instr_mut(pc as usize) {
                    set_dest(op, reg);
                }
            }
            ExpKind::NonReloc(r) => {
                if r != reg {
                    self.code(Op::Move { a: reg, b: r });
                }
            }
            _ => return Ok(()), // Jmp (or Void): nothing to do
        }
        e.k = ExpKind::NonReloc(reg);
        Ok(())
    }

    /// `discharge2anyreg`
    pub(crate) fn discharge2anyreg(&mut self, e: &mut ExpDesc) -> R<()> {
        if !matches!(e.k, ExpKind::NonReloc(_)) {
            self.reserve_regs(1)?;
            let reg = (self.fs.free_reg - 1) as u8;
            self.discharge2reg(e, reg)?;
        }
        Ok(())
    }

    fn code_loadbool(&mut self, op: Op) -> i32 {
        self.get_label(); // those instructions may be jump targets
        self.code(op) as i32
    }

    /// `need_value`: whether some jump in `list` does not produce a value.
    fn need_value(&self, mut list: i32) -> bool {
        while list != NO_JUMP {
            let i = self.jump_control(list);
            if !matches!(self.fs.code.get(i), Some(Op::TestSet { .. })) {
                return true;
            }
            list = self.get_jump(list);
        }
        false
    }

    /// `exp2reg`: puts the final value of `e`, including its jump lists, in `reg`.
    pub(crate) fn exp2reg(&mut self, e: &mut ExpDesc, reg: u8) -> R<()> {
        self.discharge2reg(e, reg)?;
        if let ExpKind::Jmp(pc) = e.k {
            let mut t = e.t;
            self.concat(&mut t, pc as i32)?;
            e.t = t;
        }
        if e.has_jumps() {
            let mut p_f = NO_JUMP; // position of an eventual LOAD false
            let mut p_t = NO_JUMP; // position of an eventual LOAD true
            if self.need_value(e.t) || self.need_value(e.f) {
                let fj = if matches!(e.k, ExpKind::Jmp(_)) {
                    NO_JUMP
                } else {
                    self.jump()
                };
                p_f = self.code_loadbool(Op::LFalseSkip { a: reg });
                p_t = self.code_loadbool(Op::LoadTrue { a: reg });
                self.patch_to_here(fj)?;
            }
            let end = self.get_label() as i32;
            self.patch_list_aux(e.f, end, reg, p_f)?;
            self.patch_list_aux(e.t, end, reg, p_t)?;
        }
        e.t = NO_JUMP;
        e.f = NO_JUMP;
        e.k = ExpKind::NonReloc(reg);
        Ok(())
    }

    /// `luaK_exp2nextreg`: puts the final value of `e` in the next free register.
    pub(crate) fn exp2nextreg(&mut self, e: &mut ExpDesc) -> R<()> {
        self.discharge_vars(e);
        self.free_exp(e);
        self.reserve_regs(1)?;
        let reg = (self.fs.free_reg - 1) as u8;
        self.exp2reg(e, reg)
    }

    /// `luaK_exp2anyreg`: puts the final value of `e` in some register; returns it.
    pub(crate) fn exp2anyreg(&mut self, e: &mut ExpDesc) -> R<u8> {
        self.discharge_vars(e);
        if let ExpKind::NonReloc(r) = e.k {
            if !e.has_jumps() {
                return Ok(r);
            }
            if r as u32 >= self.nvarstack() {
                // not a local: put the final result in it
                self.exp2reg(e, r)?;
                return Ok(r);
            }
            // a local with jumps cannot hold the jump values: use a new register
        }
        self.exp2nextreg(e)?;
        Ok(match e.k {
            ExpKind::NonReloc(r) => r,
            _ => 0,
        })
    }

    /// `luaK_exp2anyregup`: puts `e` in a register or leaves it as an upvalue.
    pub(crate) fn exp2anyregup(&mut self, e: &mut ExpDesc) -> R<()> {
        if !matches!(e.k, ExpKind::Upval(_)) || e.has_jumps() {
            self.exp2anyreg(e)?;
        }
        Ok(())
    }

    /// `luaK_exp2val`: puts `e` in a register or leaves it as a constant.
    pub(crate) fn exp2val(&mut self, e: &mut ExpDesc) -> R<()> {
        if e.has_jumps() {
            self.exp2anyreg(e)?;
        } else {
            self.discharge_vars(e);
        }
        Ok(())
    }

    /// `luaK_exp2K`: tries to make `e` a constant with an 8-bit index.
    pub(crate) fn exp2k(&mut self, e: &mut ExpDesc) -> R<bool> {
        if e.has_jumps() {
            return Ok(false);
        }
        let info = match e.k {
            ExpKind::True => self.bool_k(true)?,
            ExpKind::False => self.bool_k(false)?,
            ExpKind::Nil => self.nil_k()?,
            ExpKind::KInt(i) => self.int_k(i)?,
            ExpKind::KFlt(f) => self.number_k(f)?,
            ExpKind::KStr(s) => self.string_k(s)?,
            ExpKind::K(k) => k,
            _ => return Ok(false),
        };
        if info <= MAX_INDEX_RK {
            e.k = ExpKind::K(info);
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// `luaK_exp2RK`: makes `e` a small constant or puts it in a register. True if constant.
    pub(crate) fn exp2rk(&mut self, e: &mut ExpDesc) -> R<bool> {
        if self.exp2k(e)? {
            Ok(true)
        } else {
            self.exp2anyreg(e)?;
            Ok(false)
        }
    }

    /// The operand of an expression after `exp2rk`: constant index or register.
    pub(crate) fn rk_operand(e: &ExpDesc) -> u8 {
        match e.k {
            ExpKind::K(k) => k as u8,
            ExpKind::NonReloc(r) => r,
            _ => 0,
        }
    }

    /// `luaK_storevar`: stores the value of `ex` into variable `var`.
    pub(crate) fn store_var(&mut self, var: &ExpDesc, ex: &mut ExpDesc) -> R<()> {
        match var.k {
            ExpKind::Local { ridx, .. } => {
                self.free_exp(ex);
                return self.exp2reg(ex, ridx);
            }
            ExpKind::Upval(idx) => {
                let e = self.exp2anyreg(ex)?;
                self.code(Op::SetUpval { a: e, b: idx });
            }
            ExpKind::IndexUp { t, idx } => {
                let k = self.exp2rk(ex)?;
                let c = Self::rk_operand(ex);
                self.code(if k {
                    Op::SetTabUpK { a: t, b: idx, c }
                } else {
                    Op::SetTabUp { a: t, b: idx, c }
                });
            }
            ExpKind::IndexI { t, idx } => {
                let k = self.exp2rk(ex)?;
                let c = Self::rk_operand(ex);
                self.code(if k {
                    Op::SetIK { a: t, b: idx, c }
                } else {
                    Op::SetI { a: t, b: idx, c }
                });
            }
            ExpKind::IndexStr { t, idx } => {
                let k = self.exp2rk(ex)?;
                let c = Self::rk_operand(ex);
                self.code(if k {
                    Op::SetFieldK { a: t, b: idx, c }
                } else {
                    Op::SetField { a: t, b: idx, c }
                });
            }
            ExpKind::Indexed { t, idx } => {
                let k = self.exp2rk(ex)?;
                let c = Self::rk_operand(ex);
                self.code(if k {
                    Op::SetTableK { a: t, b: idx, c }
                } else {
                    Op::SetTable { a: t, b: idx, c }
                });
            }
            _ => {}
        }
        self.free_exp(ex);
        Ok(())
    }

    /// `luaK_self`: converts `e` into `e:key(e,`. `key` is a string literal.
    pub(crate) fn code_self(&mut self, e: &mut ExpDesc, key: &mut ExpDesc) -> R<()> {
        let ereg = self.exp2anyreg(e)?;
        self.free_exp(e);
        let base = self.fs.free_reg as u8;
        e.k = ExpKind::NonReloc(base);
        self.reserve_regs(2)?; // function and 'self' produced by SelfK
        if self.exp2k(key)? {
            let c = Self::rk_operand(key);
            self.code(Op::SelfK {
                a: base,
                b: ereg,
                c,
            });
        } else {
            // The method name's constant index does not fit in 8 bits: do it by hand.
            self.code(Op::Move {
                a: base + 1,
                b: ereg,
            });
            self.exp2nextreg(key)?;
            let kr = Self::rk_operand(key);
            self.code(Op::GetTable {
                a: base,
                b: base + 1,
                c: kr,
            });
        }
        self.free_exp(key);
        Ok(())
    }

    /// Whether `e` is a string constant with an 8-bit index (`isKstr`).
    fn is_kstr(e: &ExpDesc) -> bool {
        matches!(e.k, ExpKind::K(k) if k <= MAX_INDEX_RK) && !e.has_jumps()
    }

    /// `luaK_indexed`: makes `t` the expression `t[k]`. `t` is already in a register or
    /// upvalue.
    pub(crate) fn indexed(&mut self, t: &mut ExpDesc, k: &mut ExpDesc) -> R<()> {
        let mut kstr = false;
        if let ExpKind::KStr(s) = k.k {
            k.k = ExpKind::K(self.string_k(s)?);
            kstr = Self::is_kstr(k);
        }
        if matches!(t.k, ExpKind::Upval(_)) && !kstr {
            // upvalue indexed by a non-constant-string key: put it in a register
            self.exp2anyreg(t)?;
        }
        if let ExpKind::Upval(up) = t.k {
            t.k = ExpKind::IndexUp {
                t: up,
                idx: Self::rk_operand(k),
            };
            return Ok(());
        }
        let treg = match t.k {
            ExpKind::Local { ridx, .. } => ridx,
            ExpKind::NonReloc(r) => r,
            _ => 0,
        };
        t.k = if kstr {
            ExpKind::IndexStr {
                t: treg,
                idx: Self::rk_operand(k),
            }
        } else {
            match k.k {
                ExpKind::KInt(i) if !k.has_jumps() && (0..=255).contains(&i) => ExpKind::IndexI {
                    t: treg,
                    idx: i as u8,
                },
                _ => ExpKind::Indexed {
                    t: treg,
                    idx: self.exp2anyreg(k)?,
                },
            }
        };
        Ok(())
    }

    /// `luaK_settablesize`: fills in the size hints of the `NewTable` at `pc`.
    pub(crate) fn set_table_size(&mut self, pc: usize, ra: u8, asize: u32, hsize: u32) {
        // hash size hint: ceil(log2(hsize)) + 1, or 0 for none
        let rb = if hsize != 0 {
            (32 - (hsize - 1).leading_zeros()) as u8 + 1
        } else {
            0
        };
        if let Some(op) = self.instr_mut(pc) {
            *op = Op::NewTable { a: ra, b: rb };
        }
        if let Some(op) = self.instr_mut(pc + 1) {
            *op = Op::ExtraArg { ax: u24(asize) };
        }
    }

    /// `luaK_setlist`: stores `tostore` list items (-1: up to top) after the first
    /// `nelems - tostore`... (`nelems` is the count already stored) into the table at `base`.
    pub(crate) fn set_list(&mut self, base: u8, nelems: u32, tostore: i32) -> R<()> {
        let b = if tostore < 0 { 0 } else { tostore as u8 };
        self.code(Op::SetList { a: base, b });
        self.code_extra_arg(nelems)?;
        self.fs.free_reg = base as u32 + 1; // free registers with list values
        Ok(())
    }
}

/// An `I24` for a value known to fit (saturating otherwise, which cannot happen).
pub(crate) fn i24(v: i32) -> I24 {
    let v = v.clamp(I24::MIN, I24::MAX);
    match I24::new(v) {
        Some(x) => x,
        None => unreachable!("clamped into range"),
    }
}

/// A `U24` for a value known to fit (saturating otherwise).
pub(crate) fn u24(v: u32) -> U24 {
    match U24::new(v.min(U24::MAX)) {
        Some(x) => x,
        None => unreachable!("clamped into range"),
    }
}
