//! Expression parsing, the expression half of `lparser.c`: operator precedence, primary and
//! suffixed expressions, calls, table constructors and function bodies.
//!
//! # Design
//! `subexpr` is Lua's precedence climbing: it reads a unary-prefixed or simple expression,
//! then keeps absorbing binary operators whose left priority exceeds the current limit,
//! recursing with the operator's right priority (lower than its left for the two
//! right-associative operators, `..` and `^`). Unary operators parse their operand at
//! `UNARY_PRIORITY`, which is below `^`'s left priority: so `-x^2` is `-(x^2)` while `2^-3`
//! still parses.
//!
//! Results are [`ExpDesc`]s returned by value; the code generator decides later where values
//! go. A table constructor accumulates array items in consecutive registers and flushes them
//! with `SetList` every `LFIELDS_PER_FLUSH` items; only the last item may expand to multiple
//! values.

use super::code::LFIELDS_PER_FLUSH;
use super::funcstate::{ExpDesc, ExpKind};
use super::lexer::{Sem, Tk};
use super::opcodes::Op;
use super::ops::{BinOpr, UnOpr, UNARY_PRIORITY};
use super::parser::{Parser, R};

/// State of a table constructor being compiled (`ConsControl`).
struct ConsControl {
    /// Last list item read (not yet in its register).
    v: ExpDesc,
    /// Register of the table.
    t: u8,
    /// Number of record elements.
    nh: u32,
    /// Number of array elements already stored.
    na: u32,
    /// Number of array elements pending to be stored.
    tostore: u32,
}

fn unary_op(tk: Tk) -> Option<UnOpr> {
    match tk {
        Tk::Not => Some(UnOpr::Not),
        Tk::Char(b'-') => Some(UnOpr::Minus),
        Tk::Char(b'~') => Some(UnOpr::BNot),
        Tk::Char(b'#') => Some(UnOpr::Len),
        _ => None,
    }
}

fn binary_op(tk: Tk) -> Option<BinOpr> {
    Some(match tk {
        Tk::Char(b'+') => BinOpr::Add,
        Tk::Char(b'-') => BinOpr::Sub,
        Tk::Char(b'*') => BinOpr::Mul,
        Tk::Char(b'%') => BinOpr::Mod,
        Tk::Char(b'^') => BinOpr::Pow,
        Tk::Char(b'/') => BinOpr::Div,
        Tk::IDiv => BinOpr::IDiv,
        Tk::Char(b'&') => BinOpr::BAnd,
        Tk::Char(b'|') => BinOpr::BOr,
        Tk::Char(b'~') => BinOpr::BXor,
        Tk::Shl => BinOpr::Shl,
        Tk::Shr => BinOpr::Shr,
        Tk::Concat => BinOpr::Concat,
        Tk::Ne => BinOpr::Ne,
        Tk::Eq => BinOpr::Eq,
        Tk::Char(b'<') => BinOpr::Lt,
        Tk::Le => BinOpr::Le,
        Tk::Char(b'>') => BinOpr::Gt,
        Tk::Ge => BinOpr::Ge,
        Tk::And => BinOpr::And,
        Tk::Or => BinOpr::Or,
        _ => return None,
    })
}

impl Parser<'_> {
    /// `expr`
    pub(crate) fn expr(&mut self) -> R<ExpDesc> {
        let mut v = ExpDesc::new(ExpKind::Void);
        self.subexpr(&mut v, 0)?;
        Ok(v)
    }

    /// `subexpr`: `(simpleexp | unop subexpr) { binop subexpr }` for binary operators with
    /// left priority above `limit`. Returns the first operator not handled.
    fn subexpr(&mut self, v: &mut ExpDesc, limit: u8) -> R<Option<BinOpr>> {
        self.enter_level()?;
        if let Some(uop) = unary_op(self.lx.t.tk) {
            let line = self.lx.line;
            self.lx.next()?;
            self.subexpr(v, UNARY_PRIORITY)?;
            self.prefix(uop, v, line)?;
        } else {
            self.simpleexp(v)?;
        }
        let mut op = binary_op(self.lx.t.tk);
        while let Some(o) = op {
            let (left, right) = o.priority();
            if left <= limit {
                break;
            }
            let line = self.lx.line;
            self.lx.next()?;
            self.infix(o, v)?;
            let mut v2 = ExpDesc::new(ExpKind::Void);
            let nextop = self.subexpr(&mut v2, right)?;
            self.posfix(o, v, &mut v2, line)?;
            op = nextop;
        }
        self.leave_level();
        Ok(op)
    }

    /// `simpleexp`
    fn simpleexp(&mut self, v: &mut ExpDesc) -> R<()> {
        let t = self.lx.t;
        *v = ExpDesc::new(match (t.tk, t.sem) {
            (Tk::Flt, Sem::Flt(f)) => ExpKind::KFlt(f),
            (Tk::Int, Sem::Int(i)) => ExpKind::KInt(i),
            (Tk::Str, Sem::Str(s)) => ExpKind::KStr(s),
            (Tk::Nil, _) => ExpKind::Nil,
            (Tk::True, _) => ExpKind::True,
            (Tk::False, _) => ExpKind::False,
            (Tk::Dots, _) => {
                if !self.fs.is_vararg {
                    return Err(self
                        .lx
                        .syntax_error("cannot use '...' outside a vararg function"));
                }
                ExpKind::Vararg(self.code(Op::Vararg { a: 0, c: 2 }) as u32)
            }
            (Tk::Char(b'{'), _) => {
                *v = self.constructor()?;
                return Ok(());
            }
            (Tk::Function, _) => {
                self.lx.next()?;
                let line = self.lx.line;
                *v = self.body(false, line)?;
                return Ok(());
            }
            _ => {
                *v = self.suffixedexp()?;
                return Ok(());
            }
        });
        self.lx.next()
    }

    /// `singlevar`: reads a name and resolves it.
    pub(crate) fn single_var(&mut self) -> R<ExpDesc> {
        let name = self.str_check_name()?;
        self.single_var_named(name)
    }

    /// `primaryexp`: `NAME | '(' expr ')'`
    fn primaryexp(&mut self) -> R<ExpDesc> {
        match self.lx.t.tk {
            Tk::Char(b'(') => {
                let line = self.lx.line;
                self.lx.next()?;
                let mut v = self.expr()?;
                self.check_match(Tk::Char(b')'), Tk::Char(b'('), line)?;
                self.discharge_vars(&mut v);
                Ok(v)
            }
            Tk::Name => self.single_var(),
            _ => Err(self.lx.syntax_error("unexpected symbol")),
        }
    }

    /// `suffixedexp`: `primaryexp { '.' NAME | '[' exp ']' | ':' NAME funcargs | funcargs }`
    pub(crate) fn suffixedexp(&mut self) -> R<ExpDesc> {
        let line = self.lx.line;
        let mut v = self.primaryexp()?;
        loop {
            match self.lx.t.tk {
                Tk::Char(b'.') => self.fieldsel(&mut v)?,
                Tk::Char(b'[') => {
                    self.exp2anyregup(&mut v)?;
                    let mut key = self.yindex()?;
                    self.indexed(&mut v, &mut key)?;
                }
                Tk::Char(b':') => {
                    self.lx.next()?;
                    let name = self.str_check_name()?;
                    let mut key = ExpDesc::new(ExpKind::KStr(name));
                    self.code_self(&mut v, &mut key)?;
                    self.funcargs(&mut v, line)?;
                }
                Tk::Char(b'(') | Tk::Str | Tk::Char(b'{') => {
                    self.exp2nextreg(&mut v)?;
                    self.funcargs(&mut v, line)?;
                }
                _ => return Ok(v),
            }
        }
    }

    /// `fieldsel`: `['.' | ':'] NAME`
    pub(crate) fn fieldsel(&mut self, v: &mut ExpDesc) -> R<()> {
        self.exp2anyregup(v)?;
        self.lx.next()?; // skip the dot or colon
        let name = self.str_check_name()?;
        let mut key = ExpDesc::new(ExpKind::KStr(name));
        self.indexed(v, &mut key)
    }

    /// `yindex`: `'[' expr ']'`
    fn yindex(&mut self) -> R<ExpDesc> {
        self.lx.next()?; // skip '['
        let mut v = self.expr()?;
        self.exp2val(&mut v)?;
        self.check_next(Tk::Char(b']'))?;
        Ok(v)
    }

    /// `explist`: `expr { ',' expr }`; returns the count and the last expression (the
    /// others are in consecutive registers).
    pub(crate) fn explist(&mut self) -> R<(usize, ExpDesc)> {
        let mut n = 1;
        let mut v = self.expr()?;
        while self.test_next(Tk::Char(b','))? {
            self.exp2nextreg(&mut v)?;
            v = self.expr()?;
            n += 1;
        }
        Ok((n, v))
    }

    /// `funcargs`: the arguments of a call to the function in `f`'s register.
    fn funcargs(&mut self, f: &mut ExpDesc, line: u32) -> R<()> {
        let mut args = match self.lx.t.tk {
            Tk::Char(b'(') => {
                self.lx.next()?;
                if self.lx.t.tk == Tk::Char(b')') {
                    let a = ExpDesc::new(ExpKind::Void);
                    self.check_match(Tk::Char(b')'), Tk::Char(b'('), line)?;
                    a
                } else {
                    let (_, a) = self.explist()?;
                    if a.k.has_multret() {
                        self.set_multret(&a)?;
                    }
                    self.check_match(Tk::Char(b')'), Tk::Char(b'('), line)?;
                    a
                }
            }
            Tk::Char(b'{') => self.constructor()?,
            Tk::Str => {
                let a = ExpDesc::new(ExpKind::KStr(self.lx.t.str_id()));
                self.lx.next()?;
                a
            }
            _ => return Err(self.lx.syntax_error("function arguments expected")),
        };
        let base = match f.k {
            ExpKind::NonReloc(r) => r,
            _ => 0,
        };
        let b = if args.k.has_multret() {
            0 // open call
        } else {
            if args.k != ExpKind::Void {
                self.exp2nextreg(&mut args)?; // close the last argument
            }
            (self.fs.free_reg.saturating_sub(base as u32 + 1) + 1) as u8
        };
        f.k = ExpKind::Call(self.code(Op::Call { a: base, b, c: 2 }) as u32);
        self.fix_line(line);
        // the call removes the function and arguments and leaves one result (unless changed)
        self.fs.free_reg = base as u32 + 1;
        Ok(())
    }

    /// `constructor`: `'{' [ field { sep field } [sep] ] '}'`
    fn constructor(&mut self) -> R<ExpDesc> {
        let line = self.lx.line;
        let pc = self.code(Op::NewTable { a: 0, b: 0 });
        self.code(Op::ExtraArg {
            ax: super::code::u24(0),
        }); // space for the array size
        let t = self.fs.free_reg as u8;
        let mut cc = ConsControl {
            v: ExpDesc::new(ExpKind::Void),
            t,
            nh: 0,
            na: 0,
            tostore: 0,
        };
        self.reserve_regs(1)?;
        self.check_next(Tk::Char(b'{'))?;
        loop {
            if self.lx.t.tk == Tk::Char(b'}') {
                break;
            }
            self.close_list_field(&mut cc)?;
            self.field(&mut cc)?;
            if !(self.test_next(Tk::Char(b','))? || self.test_next(Tk::Char(b';'))?) {
                break;
            }
        }
        self.check_match(Tk::Char(b'}'), Tk::Char(b'{'), line)?;
        self.last_list_field(&mut cc)?;
        self.set_table_size(pc, t, cc.na, cc.nh);
        Ok(ExpDesc::new(ExpKind::NonReloc(t)))
    }

    /// `field`: `listfield | recfield`
    fn field(&mut self, cc: &mut ConsControl) -> R<()> {
        match self.lx.t.tk {
            Tk::Name => {
                if self.lx.lookahead()? != Tk::Char(b'=') {
                    self.list_field(cc)
                } else {
                    self.rec_field(cc)
                }
            }
            Tk::Char(b'[') => self.rec_field(cc),
            _ => self.list_field(cc),
        }
    }

    /// `recfield`: `(NAME | '[' exp ']') '=' exp`
    fn rec_field(&mut self, cc: &mut ConsControl) -> R<()> {
        let reg = self.fs.free_reg;
        let mut key = if self.lx.t.tk == Tk::Name {
            let name = self.str_check_name()?;
            ExpDesc::new(ExpKind::KStr(name))
        } else {
            self.yindex()?
        };
        cc.nh = cc.nh.saturating_add(1);
        self.check_next(Tk::Char(b'='))?;
        let mut tab = ExpDesc::new(ExpKind::NonReloc(cc.t));
        self.indexed(&mut tab, &mut key)?;
        let mut val = self.expr()?;
        self.store_var(&tab, &mut val)?;
        self.fs.free_reg = reg; // free registers
        Ok(())
    }

    /// `listfield`
    fn list_field(&mut self, cc: &mut ConsControl) -> R<()> {
        cc.v = self.expr()?;
        cc.tostore += 1;
        Ok(())
    }

    /// `closelistfield`: puts the previous list item in its register, flushing if needed.
    fn close_list_field(&mut self, cc: &mut ConsControl) -> R<()> {
        if cc.v.k == ExpKind::Void {
            return Ok(()); // there is no list item
        }
        self.exp2nextreg(&mut cc.v)?;
        cc.v.k = ExpKind::Void;
        if cc.tostore == LFIELDS_PER_FLUSH {
            self.set_list(cc.t, cc.na, cc.tostore as i32)?; // flush
            cc.na = cc.na.saturating_add(cc.tostore);
            cc.tostore = 0;
        }
        Ok(())
    }

    /// `lastlistfield`: stores the pending list items; the last one may be multi-valued.
    fn last_list_field(&mut self, cc: &mut ConsControl) -> R<()> {
        if cc.tostore == 0 {
            return Ok(());
        }
        if cc.v.k.has_multret() {
            self.set_multret(&cc.v)?;
            self.set_list(cc.t, cc.na, -1)?;
            // do not count the last item (it has an unknown number of values)
            cc.na = cc.na.saturating_add(cc.tostore - 1);
        } else {
            if cc.v.k != ExpKind::Void {
                self.exp2nextreg(&mut cc.v)?;
            }
            self.set_list(cc.t, cc.na, cc.tostore as i32)?;
            cc.na = cc.na.saturating_add(cc.tostore);
        }
        Ok(())
    }

    /// `parlist`: `[ {NAME ','} (NAME | '...') ]`
    fn parlist(&mut self) -> R<()> {
        let mut nparams = 0;
        let mut is_vararg = false;
        if self.lx.t.tk != Tk::Char(b')') {
            loop {
                match self.lx.t.tk {
                    Tk::Name => {
                        let name = self.str_check_name()?;
                        self.new_localvar(name)?;
                        nparams += 1;
                    }
                    Tk::Dots => {
                        self.lx.next()?;
                        is_vararg = true;
                    }
                    _ => return Err(self.lx.syntax_error("<name> or '...' expected")),
                }
                if is_vararg || !self.test_next(Tk::Char(b','))? {
                    break;
                }
            }
        }
        self.adjust_localvars(nparams);
        self.fs.num_params = self.fs.nactvar as u8;
        self.fs.is_vararg = is_vararg;
        let n = self.fs.nactvar as u32;
        self.reserve_regs(n) // registers for the parameters
    }

    /// `body`: `'(' parlist ')' block END`; returns the closure in the next register.
    pub(crate) fn body(&mut self, is_method: bool, line: u32) -> R<ExpDesc> {
        self.open_func(line);
        self.check_next(Tk::Char(b'('))?;
        if is_method {
            let s = self.self_name();
            self.new_localvar(s)?; // create the 'self' parameter
            self.adjust_localvars(1);
        }
        self.parlist()?;
        self.check_next(Tk::Char(b')'))?;
        self.statlist()?;
        self.fs.last_line_defined = self.lx.line;
        self.check_match(Tk::End, Tk::Function, line)?;
        let proto = self.close_func()?;
        // `codeclosure`, in the enclosing function
        let Ok(bx) = u16::try_from(self.fs.protos.len()) else {
            return Err(self.error_limit(&self.fs, u16::MAX as usize, "functions"));
        };
        self.fs.protos.push(std::sync::Arc::new(proto));
        let mut e = ExpDesc::new(ExpKind::Reloc(self.code(Op::Closure { a: 0, bx }) as u32));
        self.exp2nextreg(&mut e)?; // fix it at the last register
        Ok(e)
    }
}
