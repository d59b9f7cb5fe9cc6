//! The compiler's working data: expression descriptors, variable and label descriptors, and
//! the per-function state (`FuncState`) in which a `Proto` is built.
//!
//! # Design
//! As in `lparser.h`, code is generated in a single pass while parsing. An expression is
//! not a tree but an [`ExpDesc`]: a small `Copy` description of *where its value is or how to
//! get it* (a constant, a register, a local, a table field not yet read, an instruction whose
//! destination register is still open, a comparison whose outcome is a pending jump...). The
//! code generator delays emitting instructions until it knows where the value must go, which
//! is how Lua avoids most `Move`s.
//!
//! Jump lists are threaded through the `Jmp` instructions themselves (each pending jump's
//! offset points to the next one in its list, `NO_JUMP` ends it), so they cost no memory.
//!
//! Nested functions are a stack: the parser keeps the current `FuncState` and the enclosing
//! ones; variables, labels and pending gotos of all active functions live in shared vectors
//! indexed from each function's first entry, exactly like `Dyndata`.

use std::collections::HashMap;
use std::sync::Arc;

use super::lexer::StrId;
use super::opcodes::Op;
use super::proto::{Constant, LocalVar, Proto};

/// End of a jump list / "no jump".
pub(crate) const NO_JUMP: i32 = -1;

/// Where an expression's value is (`expkind` in `lparser.h`).
#[derive(Copy, Clone, Debug, PartialEq)]
pub(crate) enum ExpKind {
    /// No value (empty expression list).
    Void,
    /// `nil`
    Nil,
    /// `true`
    True,
    /// `false`
    False,
    /// A constant in the constant table (index).
    K(u32),
    /// A float literal.
    KFlt(f64),
    /// An integer literal.
    KInt(i64),
    /// A string literal.
    KStr(StrId),
    /// A value in a fixed register.
    NonReloc(u8),
    /// A local variable: its register and its index among the function's active variables.
    Local { ridx: u8, vidx: u16 },
    /// An upvalue (index).
    Upval(u8),
    /// A compile-time constant local (absolute index in the variable list).
    Const(u32),
    /// `R[t][R[idx]]`
    Indexed { t: u8, idx: u8 },
    /// `Up[t][K[idx]]` (string key)
    IndexUp { t: u8, idx: u8 },
    /// `R[t][idx]` (integer key)
    IndexI { t: u8, idx: u8 },
    /// `R[t][K[idx]]` (string key)
    IndexStr { t: u8, idx: u8 },
    /// A comparison; the value is the pc of its jump.
    Jmp(u32),
    /// An instruction whose destination register is still open (its pc).
    Reloc(u32),
    /// An open function call (pc of the `Call`).
    Call(u32),
    /// A `...` (pc of the `Vararg`).
    Vararg(u32),
}

impl ExpKind {
    /// `vkisvar`: can be assigned to.
    pub fn is_var(self) -> bool {
        matches!(
            self,
            ExpKind::Local { .. }
                | ExpKind::Upval(_)
                | ExpKind::Const(_)
                | ExpKind::Indexed { .. }
                | ExpKind::IndexUp { .. }
                | ExpKind::IndexI { .. }
                | ExpKind::IndexStr { .. }
        )
    }

    /// `vkisindexed`
    pub fn is_indexed(self) -> bool {
        matches!(
            self,
            ExpKind::Indexed { .. }
                | ExpKind::IndexUp { .. }
                | ExpKind::IndexI { .. }
                | ExpKind::IndexStr { .. }
        )
    }

    /// `hasmultret`: a call or vararg, which can produce any number of values.
    pub fn has_multret(self) -> bool {
        matches!(self, ExpKind::Call(_) | ExpKind::Vararg(_))
    }
}

/// An expression descriptor: where the value is, plus its pending "exit when true" and
/// "exit when false" jump lists.
#[derive(Copy, Clone, Debug, PartialEq)]
pub(crate) struct ExpDesc {
    pub k: ExpKind,
    /// Patch list of "exit when true".
    pub t: i32,
    /// Patch list of "exit when false".
    pub f: i32,
}

impl ExpDesc {
    /// An expression of the given kind with no pending jumps.
    pub fn new(k: ExpKind) -> ExpDesc {
        ExpDesc {
            k,
            t: NO_JUMP,
            f: NO_JUMP,
        }
    }

    /// Whether the expression has pending jumps (`hasjumps`).
    pub fn has_jumps(&self) -> bool {
        self.t != self.f
    }
}

/// Kinds of local variables (`VDKREG`, `RDKCONST`, `RDKTOCLOSE`, `RDKCTC`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum VarKind {
    /// A regular variable.
    Reg,
    /// `<const>` kept in a register.
    Const,
    /// `<close>`
    ToClose,
    /// A compile-time constant: no register, its value is folded into uses.
    CompileTimeConst,
}

/// An active local variable (`Vardesc`).
#[derive(Copy, Clone, Debug)]
pub(crate) struct VarDesc {
    pub kind: VarKind,
    pub name: StrId,
    /// Register holding the variable.
    pub ridx: u8,
    /// Index of the variable's debug entry in `FuncState::locvars`.
    pub pidx: u32,
    /// The value of a compile-time constant (a constant `ExpKind`).
    pub value: ExpKind,
}

/// A label or a pending goto (`Labeldesc`).
#[derive(Copy, Clone, Debug)]
pub(crate) struct LabelDesc {
    pub name: StrId,
    /// Position in code.
    pub pc: usize,
    /// Line where it appeared.
    pub line: u32,
    /// Number of active variables in that position.
    pub nactvar: usize,
    /// A goto that escapes upvalues' scope must close them.
    pub close: bool,
}

/// An active block (`BlockCnt`).
#[derive(Copy, Clone, Debug)]
pub(crate) struct BlockCnt {
    /// Index of the first label in this block.
    pub first_label: usize,
    /// Index of the first pending goto in this block.
    pub first_goto: usize,
    /// Number of active locals outside the block.
    pub nactvar: usize,
    /// Some variable in the block is an upvalue (or to be closed).
    pub upval: bool,
    /// The block is a loop.
    pub is_loop: bool,
    /// Inside the scope of a to-be-closed variable.
    pub inside_tbc: bool,
}

/// Key for deduplicating constants. Floats are keyed by their bits, so `1` and `1.0`, and
/// `0.0` and `-0.0`, stay different constants.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ConstKey {
    Nil,
    Bool(bool),
    Int(i64),
    Flt(u64),
    Str(StrId),
}

/// State of a function being compiled (`FuncState` plus the `Proto` being built).
pub(crate) struct FuncState {
    pub code: Vec<Op>,
    pub lines: Vec<u32>,
    pub constants: Vec<Constant>,
    pub kcache: HashMap<ConstKey, u32, foldhash::fast::RandomState>,
    pub upvalues: Vec<(StrId, bool, u8, VarKind)>,
    pub protos: Vec<Arc<Proto>>,
    pub locvars: Vec<LocalVar>,
    pub line_defined: u32,
    pub last_line_defined: u32,
    pub num_params: u8,
    pub is_vararg: bool,
    /// Registers needed so far (`maxstacksize`).
    pub max_stack: u32,
    /// pc of the last jump target (`lasttarget`).
    pub last_target: usize,
    /// First free register.
    pub free_reg: u32,
    /// Number of active local variables.
    pub nactvar: usize,
    /// Index of the first local of this function in the shared variable list.
    pub first_local: usize,
    /// Index of the first label of this function in the shared label list.
    pub first_label: usize,
    /// The function needs to close upvalues or to-be-closed variables when returning.
    pub needclose: bool,
    /// The block stack (innermost last).
    pub blocks: Vec<BlockCnt>,
}

impl FuncState {
    /// A fresh function state.
    pub fn new(line_defined: u32, first_local: usize, first_label: usize) -> FuncState {
        FuncState {
            code: Vec::new(),
            lines: Vec::new(),
            constants: Vec::new(),
            kcache: HashMap::default(),
            upvalues: Vec::new(),
            protos: Vec::new(),
            locvars: Vec::new(),
            line_defined,
            last_line_defined: 0,
            num_params: 0,
            is_vararg: false,
            max_stack: 2, // registers 0/1 are always valid
            last_target: 0,
            free_reg: 0,
            nactvar: 0,
            first_local,
            first_label,
            needclose: false,
            blocks: Vec::new(),
        }
    }
}
