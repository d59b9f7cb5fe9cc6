//! The instruction set: defined once, here. The enum, its names and the disassembler
//! are all generated from the single list in `define_ops!` below.
//!
//! # Design
//! The set follows PUC-Rio Lua 5.4's `lopcodes.h` closely (same register conventions, same
//! jump/skip conventions, same for-loop register layouts) so that its semantics are familiar,
//! with three deliberate differences:
//! - An instruction is a 4-byte Rust enum (a tag byte plus up to three bytes of operands), not a
//!   bitfield word. Safe, exhaustively matched, and as fast as bitfields (PERFORMANCE.md).
//! - There is no `k` bit: where Lua uses `RK(C)` (register or constant) we have two opcodes
//!   (`SetField` / `SetFieldK`), and the comparison `k` is an explicit `bool` operand.
//! - There are no `MMBIN*` follow-up instructions: an arithmetic opcode's slow path (string
//!   coercion, metamethods) is handled by the interpreter from the opcode itself.
//!
//! # Conventions
//! - `R[x]` is register x of the current frame, `K[x]` constant x, `Up[x]` upvalue x.
//! - `pc` has already been advanced past the current instruction when it executes: every
//!   jump offset is relative to the *next* instruction. "pc++" means "skip the next instruction".
//! - Conditional tests (`Eq`, `Lt`, `Test`, ...) are always followed by a `Jmp`: when the
//!   condition holds the test *skips* that jump (`if (cond ~= k) then pc++`), otherwise the jump
//!   is taken.
//! - "top" is the dynamic end of a multiple-results sequence: set by `Call` with `c == 0` and
//!   `Vararg` with `c == 0`, consumed by the next `Call`/`Return`/`SetList` with `b == 0`.
//! - `NewTable`, `LoadKX` and `SetList` are always followed by an `ExtraArg` carrying a 24-bit
//!   operand (array size, constant index, first list index); the interpreter skips it.

/// A 24-bit unsigned operand (stored little-endian in three bytes to keep `Op` at 4 bytes).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct U24([u8; 3]);

impl U24 {
    /// Largest representable value.
    pub const MAX: u32 = (1 << 24) - 1;

    /// Packs `v`; returns `None` if it does not fit in 24 bits.
    pub fn new(v: u32) -> Option<U24> {
        if v > Self::MAX {
            return None;
        }
        let b = v.to_le_bytes();
        Some(U24([b[0], b[1], b[2]]))
    }

    /// The unpacked value.
    #[inline(always)]
    pub fn get(self) -> u32 {
        u32::from_le_bytes([self.0[0], self.0[1], self.0[2], 0])
    }
}

/// A 24-bit signed operand (jump offsets), two's complement in three bytes.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct I24([u8; 3]);

impl I24 {
    /// Smallest representable value.
    pub const MIN: i32 = -(1 << 23);
    /// Largest representable value.
    pub const MAX: i32 = (1 << 23) - 1;

    /// Packs `v`; returns `None` if it does not fit in 24 bits.
    pub fn new(v: i32) -> Option<I24> {
        if !(Self::MIN..=Self::MAX).contains(&v) {
            return None;
        }
        let b = v.to_le_bytes();
        Some(I24([b[0], b[1], b[2]]))
    }

    /// The unpacked value.
    #[inline(always)]
    pub fn get(self) -> i32 {
        // Sign-extend from 24 bits.
        (i32::from_le_bytes([self.0[0], self.0[1], self.0[2], 0]) << 8) >> 8
    }
}

/// An operand type that the disassembler can print as an integer.
pub trait Operand {
    /// The operand's numeric value.
    fn value(&self) -> i64;
}

macro_rules! impl_operand {
    ($($t:ty),*) => { $(impl Operand for $t { fn value(&self) -> i64 { *self as i64 } })* };
}
impl_operand!(u8, i8, u16, i16);

impl Operand for bool {
    fn value(&self) -> i64 {
        *self as i64
    }
}
impl Operand for U24 {
    fn value(&self) -> i64 {
        self.get() as i64
    }
}
impl Operand for I24 {
    fn value(&self) -> i64 {
        self.get() as i64
    }
}

/// What an instruction does besides its operation, written once in the instruction table
/// below (as `lopcodes.h`'s `luaP_opmodes`) for every pass that needs it: the code generator,
/// the debug-information pass, the interpreter and the snapshot restorer. In the table, `[A]`,
/// `[T]` and `[C]` after an instruction set the flags below.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct OpMode {
    /// `[A]`: it writes register `A` alone (`testAMode`; calls, which write a range from `A`,
    /// and `LoadNil` are not marked).
    pub sets_a: bool,
    /// `[T]`: a test, always followed by a jump (`testTMode`).
    pub test: bool,
    /// `[C]`: it may call a function or a metamethod and leave its frame waiting for the
    /// result; a Lua frame is suspended (and saved) only just after one of these.
    pub calls: bool,
}

impl OpMode {
    /// The mode of the flags written after an instruction in the table.
    const fn of(flags: &[u8]) -> OpMode {
        let mut mode = OpMode {
            sets_a: false,
            test: false,
            calls: false,
        };
        let mut i = 0;
        while i < flags.len() {
            match flags[i] {
                b'A' => mode.sets_a = true,
                b'T' => mode.test = true,
                _ => mode.calls = true,
            }
            i += 1;
        }
        mode
    }
}

macro_rules! define_ops {
    ($( $(#[doc = $doc:literal])* $name:ident { $($field:ident : $ty:ty),* } $([$($mode:ident)*])? ),* $(,)?) => {
        /// One virtual-machine instruction. See the module docs for conventions.
        #[derive(Copy, Clone, Debug, PartialEq, Eq)]
        pub enum Op {
            $( $(#[doc = $doc])* $name { $($field: $ty),* } ),*
        }

        impl Op {
            /// The opcode's name as the disassembler prints it (upper case, like `luac -l`).
            pub fn name(&self) -> &'static str {
                match self { $( Op::$name { .. } => stringify!($name) ),* }
            }

            /// The operands as `(field name, value)` pairs, in declaration order.
            pub fn operands(&self) -> Vec<(&'static str, i64)> {
                match self {
                    $( Op::$name { $($field),* } => {
                        let _ = (); // keeps the macro valid for operand-less opcodes
                        vec![$((stringify!($field), Operand::value($field))),*]
                    } ),*
                }
            }

            /// The instruction's mode (see [`OpMode`]).
            #[inline]
            pub fn mode(&self) -> OpMode {
                match self {
                    $( Op::$name { .. } => {
                        const MODE: OpMode = OpMode::of(&[$($(stringify!($mode).as_bytes()[0]),*)?]);
                        MODE
                    } ),*
                }
            }

            /// Operand `a`, for the instructions that have one.
            #[allow(unreachable_code)]
            pub fn a(&self) -> Option<u8> {
                match self {
                    $( Op::$name { $($field),* } => {
                        $( if stringify!($field) == "a" {
                            return u8::try_from(Operand::value($field)).ok();
                        } )*
                        None
                    } ),*
                }
            }

            /// One-line semantics of the opcode (its doc comment), for `--dump` and docs.
            pub fn semantics(&self) -> &'static str {
                match self { $( Op::$name { .. } => concat!($($doc),*) ),* }
            }
        }
    };
}

define_ops! {
    /// R[A] := R[B]
    Move { a: u8, b: u8 } [A],
    /// R[A] := sBx (integer)
    LoadI { a: u8, sbx: i16 } [A],
    /// R[A] := sBx (as a float)
    LoadF { a: u8, sbx: i16 } [A],
    /// R[A] := K[Bx]
    LoadK { a: u8, bx: u16 } [A],
    /// R[A] := K[Ax of the following ExtraArg]
    LoadKX { a: u8 } [A],
    /// R[A] := false
    LoadFalse { a: u8 } [A],
    /// R[A] := false; pc++
    LFalseSkip { a: u8 } [A],
    /// R[A] := true
    LoadTrue { a: u8 } [A],
    /// R[A], R[A+1], ..., R[A+B] := nil
    LoadNil { a: u8, b: u8 },
    /// R[A] := Up[B]
    GetUpval { a: u8, b: u8 } [A],
    /// Up[B] := R[A]
    SetUpval { a: u8, b: u8 },
    /// R[A] := Up[B][K[C]] (K[C] is a string)
    GetTabUp { a: u8, b: u8, c: u8 } [A C],
    /// R[A] := R[B][R[C]]
    GetTable { a: u8, b: u8, c: u8 } [A C],
    /// R[A] := R[B][C] (C an integer key)
    GetI { a: u8, b: u8, c: u8 } [A C],
    /// R[A] := R[B][K[C]] (K[C] is a string)
    GetField { a: u8, b: u8, c: u8 } [A C],
    /// Up[A][K[B]] := R[C] (K[B] is a string)
    SetTabUp { a: u8, b: u8, c: u8 } [C],
    /// Up[A][K[B]] := K[C] (K[B] is a string)
    SetTabUpK { a: u8, b: u8, c: u8 } [C],
    /// R[A][R[B]] := R[C]
    SetTable { a: u8, b: u8, c: u8 } [C],
    /// R[A][R[B]] := K[C]
    SetTableK { a: u8, b: u8, c: u8 } [C],
    /// R[A][B] := R[C] (B an integer key)
    SetI { a: u8, b: u8, c: u8 } [C],
    /// R[A][B] := K[C] (B an integer key)
    SetIK { a: u8, b: u8, c: u8 } [C],
    /// R[A][K[B]] := R[C] (K[B] is a string)
    SetField { a: u8, b: u8, c: u8 } [C],
    /// R[A][K[B]] := K[C] (K[B] is a string)
    SetFieldK { a: u8, b: u8, c: u8 } [C],
    /// R[A] := {} with hash size hint B (0: none, else 2^(B-1)) and array size hint from the following ExtraArg
    NewTable { a: u8, b: u8 } [A],
    /// R[A+1] := R[B]; R[A] := R[B][K[C]] (K[C] is a string: the method name)
    SelfK { a: u8, b: u8, c: u8 } [A C],
    /// R[A] := R[B] + sC
    AddI { a: u8, b: u8, sc: i8 } [A C],
    /// R[A] := R[B] + K[C] (K[C] is a number)
    AddK { a: u8, b: u8, c: u8 } [A C],
    /// R[A] := R[B] - K[C] (K[C] is a number)
    SubK { a: u8, b: u8, c: u8 } [A C],
    /// R[A] := R[B] * K[C] (K[C] is a number)
    MulK { a: u8, b: u8, c: u8 } [A C],
    /// R[A] := R[B] % K[C] (K[C] is a number)
    ModK { a: u8, b: u8, c: u8 } [A C],
    /// R[A] := R[B] ^ K[C] (K[C] is a number)
    PowK { a: u8, b: u8, c: u8 } [A C],
    /// R[A] := R[B] / K[C] (K[C] is a number)
    DivK { a: u8, b: u8, c: u8 } [A C],
    /// R[A] := R[B] // K[C] (K[C] is a number)
    IDivK { a: u8, b: u8, c: u8 } [A C],
    /// R[A] := R[B] & K[C] (K[C] is an integer)
    BAndK { a: u8, b: u8, c: u8 } [A C],
    /// R[A] := R[B] | K[C] (K[C] is an integer)
    BOrK { a: u8, b: u8, c: u8 } [A C],
    /// R[A] := R[B] ~ K[C] (K[C] is an integer)
    BXorK { a: u8, b: u8, c: u8 } [A C],
    /// R[A] := R[B] >> sC
    ShrI { a: u8, b: u8, sc: i8 } [A C],
    /// R[A] := sC << R[B]
    ShlI { a: u8, b: u8, sc: i8 } [A C],
    /// R[A] := R[B] + R[C]
    Add { a: u8, b: u8, c: u8 } [A C],
    /// R[A] := R[B] - R[C]
    Sub { a: u8, b: u8, c: u8 } [A C],
    /// R[A] := R[B] * R[C]
    Mul { a: u8, b: u8, c: u8 } [A C],
    /// R[A] := R[B] % R[C]
    Mod { a: u8, b: u8, c: u8 } [A C],
    /// R[A] := R[B] ^ R[C]
    Pow { a: u8, b: u8, c: u8 } [A C],
    /// R[A] := R[B] / R[C]
    Div { a: u8, b: u8, c: u8 } [A C],
    /// R[A] := R[B] // R[C]
    IDiv { a: u8, b: u8, c: u8 } [A C],
    /// R[A] := R[B] & R[C]
    BAnd { a: u8, b: u8, c: u8 } [A C],
    /// R[A] := R[B] | R[C]
    BOr { a: u8, b: u8, c: u8 } [A C],
    /// R[A] := R[B] ~ R[C]
    BXor { a: u8, b: u8, c: u8 } [A C],
    /// R[A] := R[B] << R[C]
    Shl { a: u8, b: u8, c: u8 } [A C],
    /// R[A] := R[B] >> R[C]
    Shr { a: u8, b: u8, c: u8 } [A C],
    /// R[A] := -R[B]
    Unm { a: u8, b: u8 } [A C],
    /// R[A] := ~R[B]
    BNot { a: u8, b: u8 } [A C],
    /// R[A] := not R[B]
    Not { a: u8, b: u8 } [A],
    /// R[A] := #R[B] (length operator)
    Len { a: u8, b: u8 } [A C],
    /// R[A] := R[A] .. ... .. R[A+B-1]
    Concat { a: u8, b: u8 } [A C],
    /// close upvalues and to-be-closed variables >= R[A]
    Close { a: u8 } [C],
    /// mark R[A] as to-be-closed
    Tbc { a: u8 },
    /// pc += sJ
    Jmp { sj: I24 },
    /// if ((R[A] == R[B]) ~= k) then pc++
    Eq { a: u8, b: u8, k: bool } [T C],
    /// if ((R[A] < R[B]) ~= k) then pc++
    Lt { a: u8, b: u8, k: bool } [T C],
    /// if ((R[A] <= R[B]) ~= k) then pc++
    Le { a: u8, b: u8, k: bool } [T C],
    /// if ((R[A] == K[B]) ~= k) then pc++
    EqK { a: u8, b: u8, k: bool } [T],
    /// if ((R[A] == sB) ~= k) then pc++ (flags: bit 0 = k, bit 1 = sB was written as a float)
    EqI { a: u8, sb: i8, flags: u8 } [T],
    /// if ((R[A] < sB) ~= k) then pc++ (flags: bit 0 = k, bit 1 = sB is a float)
    LtI { a: u8, sb: i8, flags: u8 } [T C],
    /// if ((R[A] <= sB) ~= k) then pc++ (flags: bit 0 = k, bit 1 = sB is a float)
    LeI { a: u8, sb: i8, flags: u8 } [T C],
    /// if ((R[A] > sB) ~= k) then pc++ (flags: bit 0 = k, bit 1 = sB is a float)
    GtI { a: u8, sb: i8, flags: u8 } [T C],
    /// if ((R[A] >= sB) ~= k) then pc++ (flags: bit 0 = k, bit 1 = sB is a float)
    GeI { a: u8, sb: i8, flags: u8 } [T C],
    /// if (not R[A] == k) then pc++
    Test { a: u8, k: bool } [T],
    /// if (not R[B] == k) then pc++ else R[A] := R[B]
    TestSet { a: u8, b: u8, k: bool } [A T],
    /// R[A], ..., R[A+C-2] := R[A](R[A+1], ..., R[A+B-1]) (B=0: args up to top; C=0: all results, sets top)
    Call { a: u8, b: u8, c: u8 } [C],
    /// return R[A](R[A+1], ..., R[A+B-1]) (B=0: args up to top)
    TailCall { a: u8, b: u8 } [C],
    /// return R[A], ..., R[A+B-2] (B=0: up to top); closes upvalues and to-be-closed variables
    Return { a: u8, b: u8 } [C],
    /// return (no values; the function has no to-be-closed variables)
    Return0 {},
    /// return R[A] (the function has no to-be-closed variables)
    Return1 { a: u8 },
    /// update counters; if loop continues then pc -= Bx
    ForLoop { a: u8, bx: u16 } [A],
    /// check values and prepare counters; if not to run then pc += Bx + 1
    ForPrep { a: u8, bx: u16 } [A],
    /// mark R[A+3] to-be-closed (if not nil); pc += Bx
    TForPrep { a: u8, bx: u16 },
    /// R[A+4], ..., R[A+3+C] := R[A](R[A+1], R[A+2])
    TForCall { a: u8, c: u8 } [C],
    /// if R[A+4] ~= nil then { R[A+2] := R[A+4]; pc -= Bx }
    TForLoop { a: u8, bx: u16 } [A],
    /// R[A][X+i] := R[A+i], 1 <= i <= B (B=0: up to top); X is the following ExtraArg
    SetList { a: u8, b: u8 },
    /// R[A] := closure(KPROTO[Bx])
    Closure { a: u8, bx: u16 } [A],
    /// R[A], R[A+1], ..., R[A+C-2] := vararg (C=0: all of them, sets top)
    Vararg { a: u8, c: u8 } [A],
    /// extra (larger) operand for the previous instruction
    ExtraArg { ax: U24 },
}

/// Formats one instruction as `NAME a b c ; semantics`-style text for the disassembler.
pub fn format_op(op: &Op) -> String {
    let mut s = format!("{:<10}", op.name().to_ascii_uppercase());
    for (_, v) in op.operands() {
        s.push_str(&format!(" {v}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_is_four_bytes() {
        assert_eq!(std::mem::size_of::<Op>(), 4);
    }

    #[test]
    fn i24_round_trips() {
        for v in [0, 1, -1, I24::MIN, I24::MAX, 12345, -54321] {
            assert_eq!(I24::new(v).map(I24::get), Some(v));
        }
        assert!(I24::new(I24::MAX + 1).is_none());
        assert_eq!(U24::new(U24::MAX).map(U24::get), Some(U24::MAX));
        assert!(U24::new(U24::MAX + 1).is_none());
    }

    #[test]
    fn names_and_operands_come_from_the_list() {
        let op = Op::GetField { a: 1, b: 2, c: 3 };
        assert_eq!(op.name(), "GetField");
        assert_eq!(op.operands(), vec![("a", 1), ("b", 2), ("c", 3)]);
        assert!(op.semantics().contains("R[B][K[C]]"));
    }

    #[test]
    fn modes_come_from_the_list() {
        let mode = |sets_a, test, calls| OpMode {
            sets_a,
            test,
            calls,
        };
        let sj = I24::new(0).unwrap_or(I24([0; 3]));
        assert_eq!(Op::Move { a: 4, b: 1 }.mode(), mode(true, false, false));
        assert_eq!(Op::Move { a: 4, b: 1 }.a(), Some(4));
        assert_eq!(Op::Jmp { sj }.mode(), OpMode::default());
        assert_eq!(Op::Jmp { sj }.a(), None);
        // A comparison may call `__eq`; one with a constant may not.
        let eq = Op::Eq {
            a: 0,
            b: 1,
            k: false,
        };
        assert_eq!(eq.mode(), mode(false, true, true));
        let eqk = Op::EqK {
            a: 0,
            b: 1,
            k: false,
        };
        assert_eq!(eqk.mode(), mode(false, true, false));
        let testset = Op::TestSet {
            a: 2,
            b: 1,
            k: true,
        };
        assert_eq!(testset.mode(), mode(true, true, false));
        let concat = Op::Concat { a: 3, b: 2 };
        assert_eq!(concat.mode(), mode(true, false, true));
        let setfield = Op::SetField { a: 0, b: 1, c: 2 };
        assert_eq!(setfield.mode(), mode(false, false, true));
        assert_eq!(
            Op::Call { a: 0, b: 1, c: 1 }.mode(),
            mode(false, false, true)
        );
    }
}
