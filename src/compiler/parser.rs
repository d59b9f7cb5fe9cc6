//! The parser and statement compiler, a port of the statement half of `lparser.c`.
//!
//! # Design
//! Single pass, recursive descent, no syntax tree: each grammar rule emits code as it goes,
//! through the code generator in `code.rs`/`ops.rs`. This is how Lua compiles, and keeping
//! the same structure lets us produce the same register allocation, the same instruction
//! choices and the same error messages (down to which token is "near").
//!
//! Recursion is bounded: every statement and every sub-expression enters a nesting level and
//! the parser fails with Lua's "C stack overflow" once `LUAI_MAXCCALLS` (200) levels are in
//! use, counting like Lua 5.4.4 does when a chunk is loaded from a Lua function. That bound
//! also bounds the Rust stack: functions on the recursive path keep their frames small
//! (descriptors are small `Copy` values; nested functions live on a heap-allocated stack).
//!
//! Errors are `Result`s propagated with `?`; nothing here panics on any input.

use std::sync::Arc;

use super::funcstate::{ExpDesc, ExpKind, FuncState, LabelDesc, VarDesc, VarKind, NO_JUMP};
use super::lexer::{Lexer, StrId, Tk};
use super::opcodes::Op;
use super::proto::{Proto, UpvalueDesc};
use super::CompileError;

/// Result type of the compiler's internals.
pub(crate) type R<T> = Result<T, CompileError>;

/// Lua's `LUAI_MAXCCALLS`: nesting levels available to the parser.
const MAX_C_CALLS: u32 = 200;
/// Levels already in use when Lua 5.4.4 parses a chunk passed to `load` by a script's main
/// chunk (calibrated so the same sources hit the limit; in Lua every Lua call level between
/// the main chunk and `load` uses one more, and a script file itself is parsed one level
/// shallower).
const BASE_C_CALLS: u32 = 2;

/// Parser state (`LexState` + `Dyndata` + the stack of `FuncState`s).
pub(crate) struct Parser<'s> {
    pub lx: Lexer<'s>,
    /// The function being compiled.
    pub fs: FuncState,
    /// Enclosing functions, outermost first.
    pub outer: Vec<FuncState>,
    /// Active local variables of all functions being compiled.
    pub actvar: Vec<VarDesc>,
    /// Pending gotos.
    pub gotos: Vec<LabelDesc>,
    /// Active labels.
    pub labels: Vec<LabelDesc>,
    /// Nesting level (`nCcalls`).
    depth: u32,
    pub env_name: StrId,
    pub break_name: StrId,
    for_state_name: StrId,
    self_name: StrId,
    source: Arc<[u8]>,
}

impl<'s> Parser<'s> {
    /// A parser over `src` (without its `#` line) for the chunk named `chunk_name`.
    pub(crate) fn new(src: &'s [u8], chunk_name: &[u8]) -> Parser<'s> {
        let mut lx = Lexer::new(src, super::proto::short_source(chunk_name));
        let env_name = lx.strings.intern(b"_ENV");
        let break_name = lx.strings.intern(b"break");
        let for_state_name = lx.strings.intern(b"(for state)");
        let self_name = lx.strings.intern(b"self");
        Parser {
            lx,
            fs: FuncState::new(0, 0, 0),
            outer: Vec::new(),
            actvar: Vec::new(),
            gotos: Vec::new(),
            labels: Vec::new(),
            depth: BASE_C_CALLS,
            env_name,
            break_name,
            for_state_name,
            self_name,
            source: Arc::from(chunk_name),
        }
    }

    /// `mainfunc`: compiles the whole chunk.
    pub(crate) fn main_func(mut self) -> R<Proto> {
        self.fs.is_vararg = true; // the main function is always vararg
        self.fs
            .upvalues
            .push((self.env_name, true, 0, VarKind::Reg));
        self.enter_block(false);
        self.lx.next()?; // read the first token
        self.statlist()?;
        self.check(Tk::Eos)?;
        self.close_func()
    }

    // ---------------------------------------------------------------- token helpers

    /// `enterlevel`
    pub(crate) fn enter_level(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth >= MAX_C_CALLS {
            return Err(CompileError {
                message: "C stack overflow".into(),
            });
        }
        Ok(())
    }

    /// `leavelevel`
    pub(crate) fn leave_level(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// `error_expected`
    pub(crate) fn error_expected(&self, tk: Tk) -> CompileError {
        self.lx.syntax_error(&format!("{} expected", tk.describe()))
    }

    /// `testnext`
    pub(crate) fn test_next(&mut self, tk: Tk) -> R<bool> {
        if self.lx.t.tk == tk {
            self.lx.next()?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// `check`
    pub(crate) fn check(&self, tk: Tk) -> R<()> {
        if self.lx.t.tk != tk {
            return Err(self.error_expected(tk));
        }
        Ok(())
    }

    /// `checknext`
    pub(crate) fn check_next(&mut self, tk: Tk) -> R<()> {
        self.check(tk)?;
        self.lx.next()
    }

    /// `check_match`: expects `what` closing `who` opened at line `where_`.
    pub(crate) fn check_match(&mut self, what: Tk, who: Tk, where_: u32) -> R<()> {
        if self.test_next(what)? {
            return Ok(());
        }
        if where_ == self.lx.line {
            Err(self.error_expected(what))
        } else {
            Err(self.lx.syntax_error(&format!(
                "{} expected (to close {} at line {})",
                what.describe(),
                who.describe(),
                where_
            )))
        }
    }

    /// `str_checkname`
    pub(crate) fn str_check_name(&mut self) -> R<StrId> {
        self.check(Tk::Name)?;
        let s = self.lx.t.str_id();
        self.lx.next()?;
        Ok(s)
    }

    /// `block_follow`
    fn block_follow(&self, with_until: bool) -> bool {
        match self.lx.t.tk {
            Tk::Else | Tk::Elseif | Tk::End | Tk::Eos => true,
            Tk::Until => with_until,
            _ => false,
        }
    }

    // ---------------------------------------------------------------- functions

    /// `open_func`: starts compiling a nested function.
    pub(crate) fn open_func(&mut self, line: u32) {
        let fs = FuncState::new(line, self.actvar.len(), self.labels.len());
        let parent = std::mem::replace(&mut self.fs, fs);
        self.outer.push(parent);
        self.enter_block(false);
    }

    /// `close_func`: finishes the current function and returns its `Proto`; the enclosing
    /// function (if any) becomes current again.
    pub(crate) fn close_func(&mut self) -> R<Proto> {
        let level = self.nvarstack();
        self.ret(level, 0); // final return
        self.leave_block()?;
        self.finish()?;
        let fs = match self.outer.pop() {
            Some(parent) => std::mem::replace(&mut self.fs, parent),
            None => std::mem::replace(&mut self.fs, FuncState::new(0, 0, 0)),
        };
        let upvalues = fs
            .upvalues
            .iter()
            .map(|&(name, in_stack, index, _)| UpvalueDesc {
                name: self.lx.strings.get(name).into(),
                in_stack,
                index,
            })
            .collect();
        Ok(Proto {
            source: self.source.clone(),
            line_defined: fs.line_defined,
            last_line_defined: fs.last_line_defined,
            num_params: fs.num_params,
            is_vararg: fs.is_vararg,
            max_stack: fs.max_stack.min(255) as u8,
            light_start: Proto::light_start(&fs.code),
            light_tables: Proto::light_tables(&fs.code),
            calls_methods: Proto::calls_methods(&fs.code),
            code: fs.code.into(),
            lines: fs.lines.into(),
            constants: fs.constants.into(),
            upvalues,
            protos: fs.protos.into(),
            locals: fs.locvars.into(),
        })
    }

    /// `luaK_finish`: final pass over the code of the current function.
    fn finish(&mut self) -> R<()> {
        let needclose = self.fs.needclose;
        for i in 0..self.fs.code.len() {
            match self.fs.code.get(i).copied() {
                Some(Op::Return0 {}) if needclose => {
                    if let Some(op) = self.fs.code.get_mut(i) {
                        *op = Op::Return { a: 0, b: 1 };
                    }
                }
                Some(Op::Return1 { a }) if needclose => {
                    if let Some(op) = self.fs.code.get_mut(i) {
                        *op = Op::Return { a, b: 2 };
                    }
                }
                Some(Op::Jmp { .. }) => {
                    let target = self.final_target(i);
                    self.fix_jump(i as i32, target as i32)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// `finaltarget`: the final destination of a jump, skipping jumps to jumps.
    fn final_target(&self, mut i: usize) -> usize {
        for _ in 0..100 {
            match self.fs.code.get(i) {
                Some(Op::Jmp { sj }) => {
                    let t = i as i64 + 1 + sj.get() as i64;
                    if t < 0 {
                        break;
                    }
                    i = t as usize;
                }
                _ => break,
            }
        }
        i
    }

    // ---------------------------------------------------------------- statements

    /// `statlist`
    pub(crate) fn statlist(&mut self) -> R<()> {
        while !self.block_follow(true) {
            if self.lx.t.tk == Tk::Return {
                self.statement()?;
                return Ok(()); // 'return' must be the last statement
            }
            self.statement()?;
        }
        Ok(())
    }

    /// `block`
    fn block(&mut self) -> R<()> {
        self.enter_block(false);
        self.statlist()?;
        self.leave_block()
    }

    /// `statement`
    fn statement(&mut self) -> R<()> {
        let line = self.lx.line;
        self.enter_level()?;
        match self.lx.t.tk {
            Tk::Char(b';') => self.lx.next()?,
            Tk::If => self.ifstat(line)?,
            Tk::While => self.whilestat(line)?,
            Tk::Do => {
                self.lx.next()?;
                self.block()?;
                self.check_match(Tk::End, Tk::Do, line)?;
            }
            Tk::For => self.forstat(line)?,
            Tk::Repeat => self.repeatstat(line)?,
            Tk::Function => self.funcstat(line)?,
            Tk::Local => {
                self.lx.next()?;
                if self.test_next(Tk::Function)? {
                    self.localfunc()?;
                } else {
                    self.localstat()?;
                }
            }
            Tk::DbColon => {
                self.lx.next()?;
                let name = self.str_check_name()?;
                self.labelstat(name, line)?;
            }
            Tk::Return => {
                self.lx.next()?;
                self.retstat()?;
            }
            Tk::Break => self.breakstat()?,
            Tk::Goto => {
                self.lx.next()?;
                self.gotostat()?;
            }
            _ => self.exprstat()?,
        }
        self.fs.free_reg = self.nvarstack(); // free registers
        self.leave_level();
        Ok(())
    }

    /// `cond`: reads a condition; returns its false-exit jump list.
    fn cond(&mut self) -> R<i32> {
        let mut v = self.expr()?;
        if v.k == ExpKind::Nil {
            v.k = ExpKind::False; // 'falses' are all equal here
        }
        self.go_if_true(&mut v)?;
        Ok(v.f)
    }

    /// `test_then_block`
    fn test_then_block(&mut self, escapelist: &mut i32) -> R<()> {
        self.lx.next()?; // skip IF or ELSEIF
        let mut v = self.expr()?;
        self.check_next(Tk::Then)?;
        let jf;
        if self.lx.t.tk == Tk::Break {
            // 'if x then break': jump out directly when the condition is true
            let line = self.lx.line;
            self.go_if_false(&mut v)?;
            self.lx.next()?; // skip 'break'
            self.enter_block(false); // must enter the block before the 'goto'
            self.new_goto(self.break_name, line, v.t);
            while self.test_next(Tk::Char(b';'))? {}
            if self.block_follow(false) {
                return self.leave_block(); // the jump is the entire block
            }
            jf = self.jump(); // must skip over the 'then' part if the condition is false
        } else {
            self.go_if_true(&mut v)?;
            self.enter_block(false);
            jf = v.f;
        }
        self.statlist()?;
        self.leave_block()?;
        if matches!(self.lx.t.tk, Tk::Else | Tk::Elseif) {
            let j = self.jump();
            self.concat(escapelist, j)?; // must jump over the rest
        }
        self.patch_to_here(jf)
    }

    /// `ifstat`
    fn ifstat(&mut self, line: u32) -> R<()> {
        let mut escapelist = NO_JUMP;
        self.test_then_block(&mut escapelist)?;
        while self.lx.t.tk == Tk::Elseif {
            self.test_then_block(&mut escapelist)?;
        }
        if self.test_next(Tk::Else)? {
            self.block()?;
        }
        self.check_match(Tk::End, Tk::If, line)?;
        self.patch_to_here(escapelist)
    }

    /// `whilestat`
    fn whilestat(&mut self, line: u32) -> R<()> {
        self.lx.next()?;
        let whileinit = self.get_label();
        let condexit = self.cond()?;
        self.enter_block(true);
        self.check_next(Tk::Do)?;
        self.block()?;
        let j = self.jump();
        self.patch_list(j, whileinit as i32)?;
        self.check_match(Tk::End, Tk::While, line)?;
        self.leave_block()?;
        self.patch_to_here(condexit)
    }

    /// `repeatstat`: the condition is compiled inside the body's scope.
    fn repeatstat(&mut self, line: u32) -> R<()> {
        let repeat_init = self.get_label();
        self.enter_block(true); // loop block
        self.enter_block(false); // scope block
        self.lx.next()?;
        self.statlist()?;
        self.check_match(Tk::Until, Tk::Repeat, line)?;
        let mut condexit = self.cond()?;
        let bl2 = self.fs.blocks.last().copied();
        self.leave_block()?; // finish scope
        if let Some(bl2) = bl2.filter(|b| b.upval) {
            // the repetition must close upvalues
            let exit = self.jump(); // normal exit must jump over the fix
            self.patch_to_here(condexit)?;
            let level = self.reg_level(bl2.nactvar);
            self.code(Op::Close { a: level as u8 });
            condexit = self.jump(); // repeat after closing upvalues
            self.patch_to_here(exit)?;
        }
        self.patch_list(condexit, repeat_init as i32)?;
        self.leave_block() // finish loop
    }

    /// `exp1`: an expression into the next register.
    fn exp1(&mut self) -> R<()> {
        let mut e = self.expr()?;
        self.exp2nextreg(&mut e)
    }

    /// `fixforjump`: sets the `Bx` of the for-loop instruction at `pc` to reach `dest`.
    fn fix_for_jump(&mut self, pc: usize, dest: usize, back: bool) -> R<()> {
        let offset = if back {
            (pc + 1) as i64 - dest as i64
        } else {
            dest as i64 - (pc + 1) as i64
        };
        let Ok(bx) = u16::try_from(offset) else {
            return Err(self.lx.syntax_error("control structure too long"));
        };
        if let Some(op) = self.instr_mut(pc) {
            match op {
                Op::ForPrep { bx: b, .. }
                | Op::ForLoop { bx: b, .. }
                | Op::TForPrep { bx: b, .. }
                | Op::TForLoop { bx: b, .. } => *b = bx,
                _ => {}
            }
        }
        Ok(())
    }

    /// `forbody`
    fn forbody(&mut self, base: u8, line: u32, nvars: usize, is_gen: bool) -> R<()> {
        self.check_next(Tk::Do)?;
        let prep = self.code(if is_gen {
            Op::TForPrep { a: base, bx: 0 }
        } else {
            Op::ForPrep { a: base, bx: 0 }
        });
        self.enter_block(false); // scope for the declared variables
        self.adjust_localvars(nvars);
        self.reserve_regs(nvars as u32)?;
        self.block()?;
        self.leave_block()?;
        let here = self.get_label();
        self.fix_for_jump(prep, here, false)?;
        if is_gen {
            self.code(Op::TForCall {
                a: base,
                c: nvars as u8,
            });
            self.fix_line(line);
        }
        let endfor = self.code(if is_gen {
            Op::TForLoop { a: base, bx: 0 }
        } else {
            Op::ForLoop { a: base, bx: 0 }
        });
        self.fix_for_jump(endfor, prep + 1, true)?;
        self.fix_line(line);
        Ok(())
    }

    /// `fornum`
    fn fornum(&mut self, varname: StrId, line: u32) -> R<()> {
        let base = self.fs.free_reg as u8;
        for _ in 0..3 {
            self.new_localvar(self.for_state_name)?;
        }
        self.new_localvar(varname)?;
        self.check_next(Tk::Char(b'='))?;
        self.exp1()?; // initial value
        self.check_next(Tk::Char(b','))?;
        self.exp1()?; // limit
        if self.test_next(Tk::Char(b','))? {
            self.exp1()?; // optional step
        } else {
            let r = self.fs.free_reg as u8;
            self.code_int(r, 1)?; // default step = 1
            self.reserve_regs(1)?;
        }
        self.adjust_localvars(3); // control variables
        self.forbody(base, line, 1, false)
    }

    /// `forlist`
    fn forlist(&mut self, indexname: StrId) -> R<()> {
        let mut nvars = 5; // gen, state, control, toclose, 'indexname'
        let base = self.fs.free_reg as u8;
        for _ in 0..4 {
            self.new_localvar(self.for_state_name)?;
        }
        self.new_localvar(indexname)?;
        while self.test_next(Tk::Char(b','))? {
            let n = self.str_check_name()?;
            self.new_localvar(n)?;
            nvars += 1;
        }
        self.check_next(Tk::In)?;
        let line = self.lx.line;
        let (nexps, mut e) = self.explist()?;
        self.adjust_assign(4, nexps, &mut e)?;
        self.adjust_localvars(4); // control variables
        self.mark_to_be_closed(); // the last control variable must be closed
        self.check_stack(3)?; // extra space to call the generator
        self.forbody(base, line, nvars - 4, true)
    }

    /// `forstat`
    fn forstat(&mut self, line: u32) -> R<()> {
        self.enter_block(true); // scope for the loop and control variables
        self.lx.next()?;
        let varname = self.str_check_name()?;
        match self.lx.t.tk {
            Tk::Char(b'=') => self.fornum(varname, line)?,
            Tk::Char(b',') | Tk::In => self.forlist(varname)?,
            _ => return Err(self.lx.syntax_error("'=' or 'in' expected")),
        }
        self.check_match(Tk::End, Tk::For, line)?;
        self.leave_block() // loop scope ('break' jumps to this point)
    }

    /// `funcname`: `NAME {'.' NAME} [':' NAME]`; returns whether it is a method.
    fn funcname(&mut self) -> R<(ExpDesc, bool)> {
        let mut v = self.single_var()?;
        while self.lx.t.tk == Tk::Char(b'.') {
            self.fieldsel(&mut v)?;
        }
        let mut is_method = false;
        if self.lx.t.tk == Tk::Char(b':') {
            is_method = true;
            self.fieldsel(&mut v)?;
        }
        Ok((v, is_method))
    }

    /// `funcstat`
    fn funcstat(&mut self, line: u32) -> R<()> {
        self.lx.next()?;
        let (v, is_method) = self.funcname()?;
        let mut b = self.body(is_method, line)?;
        self.check_readonly(&v)?;
        self.store_var(&v, &mut b)?;
        self.fix_line(line); // the definition "happens" in the first line
        Ok(())
    }

    /// `localfunc`
    fn localfunc(&mut self) -> R<()> {
        let fvar = self.fs.nactvar;
        let name = self.str_check_name()?;
        self.new_localvar(name)?;
        self.adjust_localvars(1); // enter its scope (so the function can recurse)
        let line = self.lx.line;
        self.body(false, line)?;
        // debug information only sees the variable after this point
        let pc = self.pc() as u32;
        if let Some(pidx) = self.local_var(fvar).map(|v| v.pidx) {
            if let Some(lv) = self.fs.locvars.get_mut(pidx as usize) {
                lv.start_pc = pc;
            }
        }
        Ok(())
    }

    /// `getlocalattribute`
    fn local_attribute(&mut self) -> R<VarKind> {
        if self.test_next(Tk::Char(b'<'))? {
            let attr = self.str_check_name()?;
            self.check_next(Tk::Char(b'>'))?;
            return match self.lx.strings.get(attr) {
                b"const" => Ok(VarKind::Const),
                b"close" => Ok(VarKind::ToClose),
                other => {
                    let msg = format!("unknown attribute '{}'", String::from_utf8_lossy(other));
                    Err(self.lx.error_near(&msg, None))
                }
            };
        }
        Ok(VarKind::Reg)
    }

    /// `localstat`
    fn localstat(&mut self) -> R<()> {
        let mut toclose: Option<usize> = None;
        let mut nvars = 0;
        let mut vidx;
        loop {
            let name = self.str_check_name()?;
            vidx = self.new_localvar(name)?;
            let kind = self.local_attribute()?;
            self.set_var_kind(vidx, kind);
            if kind == VarKind::ToClose {
                if toclose.is_some() {
                    return Err(self
                        .lx
                        .error_near("multiple to-be-closed variables in local list", None));
                }
                toclose = Some(self.fs.nactvar + nvars);
            }
            nvars += 1;
            if !self.test_next(Tk::Char(b','))? {
                break;
            }
        }
        let (nexps, mut e) = if self.test_next(Tk::Char(b'='))? {
            self.explist()?
        } else {
            (0, ExpDesc::new(ExpKind::Void))
        };
        let last_kind = self.local_var(vidx).map(|v| v.kind);
        let constval = if nvars == nexps && last_kind == Some(VarKind::Const) {
            self.exp2const(&e)
        } else {
            None
        };
        if let Some(value) = constval {
            // a compile-time constant: no register, no debug entry
            self.set_var_const(vidx, value);
            self.adjust_localvars(nvars - 1); // all but the last variable
            self.fs.nactvar += 1; // but count it
        } else {
            self.adjust_assign(nvars, nexps, &mut e)?;
            self.adjust_localvars(nvars);
        }
        if let Some(level) = toclose {
            // `checktoclose`
            self.mark_to_be_closed();
            let r = self.reg_level(level);
            self.code(Op::Tbc { a: r as u8 });
        }
        Ok(())
    }

    /// `luaK_exp2const`: the value of `e` if it is a compile-time constant.
    fn exp2const(&self, e: &ExpDesc) -> Option<ExpKind> {
        if e.has_jumps() {
            return None;
        }
        match e.k {
            ExpKind::False
            | ExpKind::True
            | ExpKind::Nil
            | ExpKind::KStr(_)
            | ExpKind::KInt(_)
            | ExpKind::KFlt(_) => Some(e.k),
            ExpKind::Const(idx) => self.actvar.get(idx as usize).map(|v| v.value),
            _ => None,
        }
    }

    /// `check_conflict`: in a multiple assignment, if a local or upvalue being assigned is
    /// used as table or index by a previous target, copy it to a safe place first.
    fn check_conflict(&mut self, lhs: &mut [ExpDesc], v: &ExpDesc) -> R<()> {
        let extra = self.fs.free_reg as u8; // eventual position to save the variable
        let mut conflict = false;
        for lh in lhs.iter_mut() {
            match lh.k {
                ExpKind::IndexUp { t, idx } => {
                    if v.k == ExpKind::Upval(t) {
                        conflict = true; // the table is the upvalue being assigned now
                        lh.k = ExpKind::IndexStr { t: extra, idx };
                    }
                }
                ExpKind::Indexed { t, idx } => {
                    if let ExpKind::Local { ridx, .. } = v.k {
                        let (mut nt, mut ni) = (t, idx);
                        if t == ridx {
                            conflict = true;
                            nt = extra;
                        }
                        if idx == ridx {
                            conflict = true;
                            ni = extra;
                        }
                        lh.k = ExpKind::Indexed { t: nt, idx: ni };
                    }
                }
                ExpKind::IndexI { t, idx } => {
                    if matches!(v.k, ExpKind::Local { ridx, .. } if ridx == t) {
                        conflict = true;
                        lh.k = ExpKind::IndexI { t: extra, idx };
                    }
                }
                ExpKind::IndexStr { t, idx } => {
                    if matches!(v.k, ExpKind::Local { ridx, .. } if ridx == t) {
                        conflict = true;
                        lh.k = ExpKind::IndexStr { t: extra, idx };
                    }
                }
                _ => {}
            }
        }
        if conflict {
            match v.k {
                ExpKind::Local { ridx, .. } => {
                    self.code(Op::Move { a: extra, b: ridx });
                }
                ExpKind::Upval(idx) => {
                    self.code(Op::GetUpval { a: extra, b: idx });
                }
                _ => {}
            }
            self.reserve_regs(1)?;
        }
        Ok(())
    }

    /// `restassign`, iteratively: `first` was already read; reads `{',' suffixedexp} '='
    /// explist` and stores the values right to left.
    fn assignment(&mut self, first: ExpDesc) -> R<()> {
        let mut lhs: Vec<ExpDesc> = vec![first];
        let mut levels = 0;
        let result = (|| -> R<()> {
            loop {
                let Some(last) = lhs.last().copied() else {
                    break;
                };
                if !last.k.is_var() {
                    return Err(self.lx.syntax_error("syntax error"));
                }
                self.check_readonly(&last)?;
                if !self.test_next(Tk::Char(b','))? {
                    break;
                }
                let nv = self.suffixedexp()?;
                if !nv.k.is_indexed() {
                    self.check_conflict(&mut lhs, &nv)?;
                }
                self.enter_level()?; // as Lua's recursion does
                levels += 1;
                lhs.push(nv);
            }
            self.check_next(Tk::Char(b'='))?;
            let nvars = lhs.len();
            let (nexps, mut e) = self.explist()?;
            let mut rest = lhs.len();
            if nexps != nvars {
                self.adjust_assign(nvars, nexps, &mut e)?;
            } else {
                self.set_one_ret(&mut e);
                if let Some(var) = lhs.last().copied() {
                    self.store_var(&var, &mut e)?;
                }
                rest -= 1;
            }
            for var in lhs[..rest].iter().rev() {
                let mut e =
                    ExpDesc::new(ExpKind::NonReloc(self.fs.free_reg.saturating_sub(1) as u8));
                self.store_var(var, &mut e)?;
            }
            Ok(())
        })();
        for _ in 0..levels {
            self.leave_level();
        }
        result
    }

    /// `exprstat`: a function call or an assignment.
    fn exprstat(&mut self) -> R<()> {
        let v = self.suffixedexp()?;
        if matches!(self.lx.t.tk, Tk::Char(b'=') | Tk::Char(b',')) {
            self.assignment(v)
        } else if let ExpKind::Call(pc) = v.k {
            if let Some(Op::Call { c, .. }) = self.instr_mut(pc as usize) {
                *c = 1; // a call statement uses no results
            }
            Ok(())
        } else {
            Err(self.lx.syntax_error("syntax error"))
        }
    }

    /// `retstat`
    fn retstat(&mut self) -> R<()> {
        let mut first = self.nvarstack();
        let nret: i32;
        if self.block_follow(true) || self.lx.t.tk == Tk::Char(b';') {
            nret = 0;
        } else {
            let (n, mut e) = self.explist()?;
            if e.k.has_multret() {
                self.set_multret(&e)?;
                let inside_tbc = self.fs.blocks.last().is_some_and(|b| b.inside_tbc);
                if let ExpKind::Call(pc) = e.k {
                    if n == 1 && !inside_tbc {
                        // a tail call
                        if let Some(op) = self.instr_mut(pc as usize) {
                            if let Op::Call { a, b, .. } = *op {
                                *op = Op::TailCall { a, b };
                            }
                        }
                    }
                }
                nret = -1; // return all values
            } else if n == 1 {
                first = self.exp2anyreg(&mut e)? as u32; // can use the original slot
                nret = 1;
            } else {
                self.exp2nextreg(&mut e)?; // values must go to the top of the stack
                nret = n as i32;
            }
        }
        self.ret(first, nret);
        self.test_next(Tk::Char(b';'))?;
        Ok(())
    }

    /// `breakstat`
    fn breakstat(&mut self) -> R<()> {
        let line = self.lx.line;
        self.lx.next()?;
        let j = self.jump();
        self.new_goto(self.break_name, line, j);
        Ok(())
    }

    /// `gotostat`
    fn gotostat(&mut self) -> R<()> {
        let line = self.lx.line;
        let name = self.str_check_name()?;
        match self.find_label(name) {
            None => {
                // forward jump: resolved when the label is declared
                let j = self.jump();
                self.new_goto(name, line, j);
            }
            Some(lb) => {
                // backward jump: resolved here
                let lblevel = self.reg_level(lb.nactvar);
                if self.nvarstack() > lblevel {
                    // leaving the scope of a variable
                    self.code(Op::Close { a: lblevel as u8 });
                }
                let j = self.jump();
                self.patch_list(j, lb.pc as i32)?;
            }
        }
        Ok(())
    }

    /// `labelstat`
    fn labelstat(&mut self, name: StrId, line: u32) -> R<()> {
        self.check_next(Tk::DbColon)?;
        while matches!(self.lx.t.tk, Tk::Char(b';') | Tk::DbColon) {
            self.statement()?; // skip other no-op statements
        }
        if let Some(lb) = self.find_label(name) {
            let msg = format!(
                "label '{}' already defined on line {}",
                String::from_utf8_lossy(self.lx.strings.get(name)),
                lb.line
            );
            return Err(self.lx.error_near(&msg, None));
        }
        let last = self.block_follow(false);
        self.create_label(name, line, last)?;
        Ok(())
    }

    /// `adjust_assign`: adjusts `nexps` values (the last one being `e`) to `nvars`.
    pub(crate) fn adjust_assign(&mut self, nvars: usize, nexps: usize, e: &mut ExpDesc) -> R<()> {
        let needed = nvars as i64 - nexps as i64; // extra values needed
        if e.k.has_multret() {
            let extra = (needed + 1).max(0); // the last expression provides the difference
            self.set_returns(e, extra as i32)?;
        } else {
            if e.k != ExpKind::Void {
                self.exp2nextreg(e)?; // close the last expression
            }
            if needed > 0 {
                let r = self.fs.free_reg;
                self.nil(r, needed as u32); // complete with nils
            }
        }
        if needed > 0 {
            self.reserve_regs(needed as u32)?; // registers for the extra values
        } else {
            // remove extra values
            self.fs.free_reg = (self.fs.free_reg as i64 + needed).max(0) as u32;
        }
        Ok(())
    }

    /// The name of the implicit `self` parameter.
    pub(crate) fn self_name(&self) -> StrId {
        self.self_name
    }
}
