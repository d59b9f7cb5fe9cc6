//! Scopes: local variables, upvalues, blocks, labels and gotos (the variable and block
//! management half of `lparser.c`).
//!
//! # Design
//! Active variables of all functions being compiled live in one vector (`Parser::actvar`);
//! a function's locals start at its `first_local`. A variable is in a register unless it is
//! a compile-time constant (`<const>` initialized with a constant expression), which takes no
//! register: `reg_level` converts a count of variables into a register level by skipping
//! those.
//!
//! Name resolution (`single_var`) walks outwards through the enclosing functions; a local found
//! in an outer function becomes an upvalue in every function in between, and its block is
//! marked so that leaving it emits a `Close` (and the function then needs `Return` rather than
//! `Return0`/`Return1`).
//!
//! Gotos are resolved as in Lua 5.4: a backward goto is patched at once (closing upvalues if it
//! leaves a variable's scope); a forward goto stays pending until a label with its name is
//! declared in an enclosing block, and it is an error to jump into the scope of a local.
//! `break` is a goto to the implicit label "break" created when a loop block is left.

use super::funcstate::{BlockCnt, ExpDesc, ExpKind, FuncState, LabelDesc, VarDesc, VarKind};
use super::lexer::StrId;
use super::opcodes::Op;
use super::parser::{Parser, R};
use super::proto::LocalVar;

/// Maximum number of local variables per function (`MAXVARS`).
const MAX_VARS: usize = 200;
/// Maximum number of upvalues per function (`MAXUPVAL`).
const MAX_UPVAL: usize = 255;

impl Parser<'_> {
    /// `errorlimit`: "too many <what> (limit is N) in <function>".
    pub(crate) fn error_limit(
        &self,
        fs: &FuncState,
        limit: usize,
        what: &str,
    ) -> super::CompileError {
        let line = fs.line_defined;
        let where_ = if line == 0 {
            "main function".to_string()
        } else {
            format!("function at line {line}")
        };
        self.lx
            .syntax_error(&format!("too many {what} (limit is {limit}) in {where_}"))
    }

    /// `new_localvar`: declares a variable (not yet active); returns its index in the function.
    pub(crate) fn new_localvar(&mut self, name: StrId) -> R<usize> {
        let n = self.actvar.len() + 1 - self.fs.first_local;
        if n > MAX_VARS {
            return Err(self.error_limit(&self.fs, MAX_VARS, "local variables"));
        }
        self.actvar.push(VarDesc {
            kind: VarKind::Reg,
            name,
            ridx: 0,
            pidx: 0,
            value: ExpKind::Nil,
        });
        Ok(self.actvar.len() - 1 - self.fs.first_local)
    }

    /// The descriptor of variable `vidx` of the current function.
    pub(crate) fn local_var(&self, vidx: usize) -> Option<&VarDesc> {
        self.actvar.get(self.fs.first_local + vidx)
    }

    fn local_var_mut(&mut self, vidx: usize) -> Option<&mut VarDesc> {
        self.actvar.get_mut(self.fs.first_local + vidx)
    }

    /// `reglevel`: the register level corresponding to `nvar` active variables.
    pub(crate) fn reg_level(&self, nvar: usize) -> u32 {
        let base = self.fs.first_local;
        for i in (0..nvar).rev() {
            if let Some(vd) = self.actvar.get(base + i) {
                if vd.kind != VarKind::CompileTimeConst {
                    return vd.ridx as u32 + 1;
                }
            }
        }
        0
    }

    /// `luaY_nvarstack`: number of registers used by active variables.
    pub(crate) fn nvarstack(&self) -> u32 {
        self.reg_level(self.fs.nactvar)
    }

    /// `adjustlocalvars`: activates the last `nvars` declared variables.
    pub(crate) fn adjust_localvars(&mut self, nvars: usize) {
        let mut reglevel = self.nvarstack();
        for _ in 0..nvars {
            let vidx = self.fs.nactvar;
            self.fs.nactvar += 1;
            let pc = self.pc() as u32;
            let pidx = self.fs.locvars.len() as u32;
            let Some(var) = self.actvar.get_mut(self.fs.first_local + vidx) else {
                continue;
            };
            var.ridx = reglevel as u8;
            reglevel += 1;
            var.pidx = pidx;
            let name: Box<[u8]> = self.lx.strings.get(var.name).into();
            self.fs.locvars.push(LocalVar {
                name,
                start_pc: pc,
                end_pc: pc,
            });
        }
    }

    /// `removevars`: ends the scope of variables down to `tolevel`, closing their debug
    /// ranges at the current pc.
    pub(crate) fn remove_vars(&mut self, tolevel: usize) {
        let pc = self.pc() as u32;
        for vidx in tolevel..self.fs.nactvar {
            let Some(vd) = self.local_var(vidx).copied() else {
                continue;
            };
            if vd.kind != VarKind::CompileTimeConst {
                if let Some(lv) = self.fs.locvars.get_mut(vd.pidx as usize) {
                    lv.end_pc = pc;
                }
            }
        }
        let remove = self.fs.nactvar.saturating_sub(tolevel);
        self.actvar
            .truncate(self.actvar.len().saturating_sub(remove));
        self.fs.nactvar = tolevel;
    }

    /// `searchupvalue`
    fn search_upvalue(fs: &FuncState, name: StrId) -> Option<usize> {
        fs.upvalues.iter().position(|u| u.0 == name)
    }

    /// `searchvar`: looks for an active local named `n` in function `level` (0: current).
    fn search_var(&self, fs: &FuncState, n: StrId) -> Option<ExpKind> {
        for i in (0..fs.nactvar).rev() {
            let vd = self.actvar.get(fs.first_local + i)?;
            if vd.name == n {
                return Some(if vd.kind == VarKind::CompileTimeConst {
                    ExpKind::Const((fs.first_local + i) as u32)
                } else {
                    ExpKind::Local {
                        ridx: vd.ridx,
                        vidx: i as u16,
                    }
                });
            }
        }
        None
    }

    /// The function state at `level` (0: current, 1: its parent...).
    fn fs_at(&self, level: usize) -> Option<&FuncState> {
        if level == 0 {
            Some(&self.fs)
        } else {
            self.outer
                .len()
                .checked_sub(level)
                .and_then(|i| self.outer.get(i))
        }
    }

    fn fs_at_mut(&mut self, level: usize) -> Option<&mut FuncState> {
        if level == 0 {
            Some(&mut self.fs)
        } else {
            let i = self.outer.len().checked_sub(level)?;
            self.outer.get_mut(i)
        }
    }

    /// `markupval`: marks the block where variable `level` was defined as having an upvalue.
    fn mark_upval(fs: &mut FuncState, level: usize) {
        for bl in fs.blocks.iter_mut().rev() {
            if bl.nactvar <= level {
                bl.upval = true;
                break;
            }
        }
        fs.needclose = true;
    }

    /// `marktobeclosed`: the current block has a to-be-closed variable.
    pub(crate) fn mark_to_be_closed(&mut self) {
        if let Some(bl) = self.fs.blocks.last_mut() {
            bl.upval = true;
            bl.inside_tbc = true;
        }
        self.fs.needclose = true;
    }

    /// `singlevaraux`, iteratively: resolves `n` starting at function `level`. Returns
    /// `Void` for a global.
    fn single_var_aux(&mut self, n: StrId) -> R<ExpKind> {
        // Find the innermost function (level) where the name is a local or an upvalue.
        let mut level = 0;
        let mut found = ExpKind::Void;
        loop {
            let Some(fs) = self.fs_at(level) else { break };
            if let Some(k) = self.search_var(fs, n) {
                if let ExpKind::Local { vidx, .. } = k {
                    if level > 0 {
                        if let Some(fs) = self.fs_at_mut(level) {
                            Self::mark_upval(fs, vidx as usize);
                        }
                    }
                }
                found = k;
                break;
            }
            if let Some(idx) = Self::search_upvalue(fs, n) {
                found = ExpKind::Upval(idx as u8);
                break;
            }
            level += 1;
        }
        if matches!(found, ExpKind::Void | ExpKind::Const(_)) {
            return Ok(found); // global or compile-time constant: nothing to do in between
        }
        // Create the upvalue in every function from level-1 down to 0.
        while level > 0 {
            level -= 1;
            let (in_stack, index, kind) = match found {
                ExpKind::Local { ridx, vidx } => {
                    let parent = self.fs_at(level + 1).map_or(0, |f| f.first_local);
                    let kind = self
                        .actvar
                        .get(parent + vidx as usize)
                        .map_or(VarKind::Reg, |v| v.kind);
                    (true, ridx, kind)
                }
                ExpKind::Upval(idx) => {
                    let kind = self
                        .fs_at(level + 1)
                        .and_then(|f| f.upvalues.get(idx as usize))
                        .map_or(VarKind::Reg, |u| u.3);
                    (false, idx, kind)
                }
                _ => break,
            };
            let Some(fs) = self.fs_at(level) else { break };
            if fs.upvalues.len() + 1 > MAX_UPVAL {
                return Err(self.error_limit(fs, MAX_UPVAL, "upvalues"));
            }
            let Some(fs) = self.fs_at_mut(level) else {
                break;
            };
            fs.upvalues.push((n, in_stack, index, kind));
            found = ExpKind::Upval((fs.upvalues.len() - 1) as u8);
        }
        Ok(found)
    }

    /// `singlevar`: resolves a name to a local, upvalue, constant or global (`_ENV.name`).
    pub(crate) fn single_var_named(&mut self, name: StrId) -> R<ExpDesc> {
        let k = self.single_var_aux(name)?;
        if k != ExpKind::Void {
            return Ok(ExpDesc::new(k));
        }
        // global name: _ENV[name]
        let env = self.single_var_aux(self.env_name)?;
        let mut var = ExpDesc::new(env);
        let mut key = ExpDesc::new(ExpKind::KStr(name));
        if matches!(var.k, ExpKind::Void) {
            // _ENV cannot be missing (the main function has it as an upvalue)
            return Err(self.lx.syntax_error("no _ENV"));
        }
        // `_ENV` may be a compile-time constant (`local _ENV <const> = "x"`): load it.
        self.exp2anyregup(&mut var)?;
        self.indexed(&mut var, &mut key)?;
        Ok(var)
    }

    /// `check_readonly`: raises an error if `e` is a read-only variable.
    pub(crate) fn check_readonly(&mut self, e: &ExpDesc) -> R<()> {
        let name = match e.k {
            ExpKind::Const(idx) => self.actvar.get(idx as usize).map(|v| v.name),
            ExpKind::Local { vidx, .. } => self
                .local_var(vidx as usize)
                .filter(|v| v.kind != VarKind::Reg)
                .map(|v| v.name),
            ExpKind::Upval(idx) => self
                .fs
                .upvalues
                .get(idx as usize)
                .filter(|u| u.3 != VarKind::Reg)
                .map(|u| u.0),
            _ => None,
        };
        if let Some(name) = name {
            let msg = format!(
                "attempt to assign to const variable '{}'",
                String::from_utf8_lossy(self.lx.strings.get(name))
            );
            return Err(self.lx.error_near(&msg, None));
        }
        Ok(())
    }

    /// Sets the kind of variable `vidx` of the current function.
    pub(crate) fn set_var_kind(&mut self, vidx: usize, kind: VarKind) {
        if let Some(v) = self.local_var_mut(vidx) {
            v.kind = kind;
        }
    }

    /// Makes variable `vidx` a compile-time constant with the given value.
    pub(crate) fn set_var_const(&mut self, vidx: usize, value: ExpKind) {
        if let Some(v) = self.local_var_mut(vidx) {
            v.kind = VarKind::CompileTimeConst;
            v.value = value;
        }
    }

    /// `enterblock`
    pub(crate) fn enter_block(&mut self, is_loop: bool) {
        let inside_tbc = self.fs.blocks.last().is_some_and(|b| b.inside_tbc);
        self.fs.blocks.push(BlockCnt {
            first_label: self.labels.len(),
            first_goto: self.gotos.len(),
            nactvar: self.fs.nactvar,
            upval: false,
            is_loop,
            inside_tbc,
        });
    }

    /// `leaveblock`
    pub(crate) fn leave_block(&mut self) -> R<()> {
        let Some(bl) = self.fs.blocks.last().copied() else {
            return Ok(());
        };
        let stklevel = self.reg_level(bl.nactvar); // level outside the block
        let mut hasclose = false;
        if bl.is_loop {
            // fix pending breaks
            hasclose = self.create_label(self.break_name, 0, false)?;
        }
        let has_previous = self.fs.blocks.len() > 1;
        if !hasclose && has_previous && bl.upval {
            self.code(Op::Close { a: stklevel as u8 });
        }
        if has_previous {
            // (before the variables are removed: it needs their registers)
            self.move_gotos_out(&bl);
        }
        self.fs.blocks.pop();
        self.remove_vars(bl.nactvar);
        self.fs.free_reg = stklevel; // free registers
        self.labels.truncate(bl.first_label); // remove local labels
        if !has_previous {
            if let Some(gt) = self.gotos.get(bl.first_goto).copied() {
                return Err(self.undef_goto(&gt));
            }
        }
        Ok(())
    }

    /// `undefgoto`
    fn undef_goto(&self, gt: &LabelDesc) -> super::CompileError {
        let msg = if gt.name == self.break_name {
            format!("break outside loop at line {}", gt.line)
        } else {
            format!(
                "no visible label '{}' for <goto> at line {}",
                String::from_utf8_lossy(self.lx.strings.get(gt.name)),
                gt.line
            )
        };
        self.lx.error_near(&msg, None)
    }

    /// `movegotosout`: moves pending gotos of a finished block to the enclosing block.
    fn move_gotos_out(&mut self, bl: &BlockCnt) {
        let outer_level = self.reg_level(bl.nactvar);
        for i in bl.first_goto..self.gotos.len() {
            let Some(gt) = self.gotos.get(i).copied() else {
                continue;
            };
            let close = self.reg_level(gt.nactvar) > outer_level;
            if let Some(g) = self.gotos.get_mut(i) {
                if close {
                    g.close |= bl.upval;
                }
                g.nactvar = bl.nactvar;
            }
        }
    }

    /// `findlabel`: an active label of the current function named `name`.
    pub(crate) fn find_label(&self, name: StrId) -> Option<LabelDesc> {
        self.labels
            .get(self.fs.first_label..)?
            .iter()
            .find(|l| l.name == name)
            .copied()
    }

    /// `newgotoentry`: adds a pending goto.
    pub(crate) fn new_goto(&mut self, name: StrId, line: u32, pc: i32) {
        self.gotos.push(LabelDesc {
            name,
            pc: pc as usize,
            line,
            nactvar: self.fs.nactvar,
            close: false,
        });
    }

    /// `solvegotos`: resolves pending gotos of the current block to label `lb`; returns
    /// whether some of them need to close upvalues. (One compacting pass, rather than Lua's
    /// removal one at a time, so many gotos to one label stay linear.)
    fn solve_gotos(&mut self, lb: &LabelDesc) -> R<bool> {
        let first = self
            .fs
            .blocks
            .last()
            .map_or(0, |b| b.first_goto)
            .min(self.gotos.len());
        let mut needsclose = false;
        let mut kept = first;
        for i in first..self.gotos.len() {
            let Some(gt) = self.gotos.get(i).copied() else {
                break;
            };
            if gt.name != lb.name {
                if let Some(slot) = self.gotos.get_mut(kept) {
                    *slot = gt;
                }
                kept += 1;
                continue;
            }
            needsclose |= gt.close;
            if gt.nactvar < lb.nactvar {
                // jumps into the scope of a local
                let var = self.local_var(gt.nactvar).map_or(0, |v| v.name);
                let msg = format!(
                    "<goto {}> at line {} jumps into the scope of local '{}'",
                    String::from_utf8_lossy(self.lx.strings.get(gt.name)),
                    gt.line,
                    String::from_utf8_lossy(self.lx.strings.get(var))
                );
                return Err(self.lx.error_near(&msg, None));
            }
            self.patch_list(gt.pc as i32, lb.pc as i32)?;
        }
        self.gotos.truncate(kept);
        Ok(needsclose)
    }

    /// `createlabel`: declares a label at the current pc, resolving pending gotos. `last`:
    /// the label is the last statement of its block (locals are already out of scope).
    /// Returns whether it emitted a `Close`.
    pub(crate) fn create_label(&mut self, name: StrId, line: u32, last: bool) -> R<bool> {
        let pc = self.get_label();
        let nactvar = if last {
            self.fs.blocks.last().map_or(0, |b| b.nactvar)
        } else {
            self.fs.nactvar
        };
        let lb = LabelDesc {
            name,
            pc,
            line,
            nactvar,
            close: false,
        };
        self.labels.push(lb);
        if self.solve_gotos(&lb)? {
            let level = self.nvarstack();
            self.code(Op::Close { a: level as u8 });
            return Ok(true);
        }
        Ok(false)
    }
}
