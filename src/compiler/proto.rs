//! `Proto`: a compiled function, the compiler's output and the interpreter's input.
//!
//! A `Proto` is immutable and lives outside the GC heap (shared by `Arc`), so forks of one base
//! image and every closure made from the same function share it. It never holds Lua values: its
//! constants are plain Rust data that each VM turns into heap values once per chunk load.

use std::sync::Arc;

use super::opcodes::Op;

/// A constant in a function's constant table.
#[derive(Clone, Debug, PartialEq)]
pub enum Constant {
    /// `nil`
    Nil,
    /// `true` / `false`
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float (compared by bits when deduplicating, so `0.0` and `-0.0` and NaNs stay distinct).
    Float(f64),
    /// A byte string (Lua strings are not UTF-8).
    Str(Box<[u8]>),
}

/// How a closure finds one of its upvalues when it is created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpvalueDesc {
    /// The variable's name (for error messages and debugging).
    pub name: Box<[u8]>,
    /// `true`: the upvalue is register `index` of the enclosing function's frame;
    /// `false`: it is upvalue `index` of the enclosing closure.
    pub in_stack: bool,
    /// Register or upvalue index, as `in_stack` says.
    pub index: u8,
}

/// Debug information for one local variable: its name and where it is live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalVar {
    /// The variable's name.
    pub name: Box<[u8]>,
    /// First instruction where the variable is active.
    pub start_pc: u32,
    /// First instruction where the variable is dead.
    pub end_pc: u32,
}

/// How many first instructions [`Proto::light_start`] looks at.
pub const LIGHT_START: usize = 3;

/// A compiled Lua function.
///
/// Invariants (established by the compiler, relied on by the interpreter and checked again when
/// code comes from a snapshot): every register operand is `< max_stack`; every constant,
/// upvalue and child-proto index is in range; every jump lands inside `code`; `code` ends with
/// a return; `lines.len() == code.len()`; `NewTable`, `LoadKX` and `SetList` are followed by
/// an `ExtraArg`.
#[derive(Clone, Debug)]
pub struct Proto {
    /// The chunk name as Lua keeps it: `@file.lua`, `=stdin`, or the source text of a `load`.
    pub source: Arc<[u8]>,
    /// Line where the function's definition starts (0 for a main chunk).
    pub line_defined: u32,
    /// Line where the function's definition ends (0 for a main chunk).
    pub last_line_defined: u32,
    /// Number of fixed parameters.
    pub num_params: u8,
    /// Whether the function takes `...`.
    pub is_vararg: bool,
    /// Number of registers the function needs (at most 255).
    pub max_stack: u8,
    /// Whether the function starts with light instructions ([`Proto::light_start`]): the
    /// interpreter then runs a call of it in its small loop. (A byte in padding:
    /// `size_of::<Proto>()`, which the memory model counts, is unchanged; checked by a test.)
    pub light_start: bool,
    /// Whether the function's light start makes a table ([`Proto::light_tables`]): the
    /// interpreter then runs a call of it in the variant of its small loop that also makes
    /// and fills tables. (In padding too.)
    pub light_tables: bool,
    /// Whether the function calls methods (has a `SelfK`): the interpreter then runs a call
    /// it makes of a function with a light start in the variant of its small loop that also
    /// follows `__index` tables, so that, returned there, it looks up the next method
    /// without leaving the loop (see `vm::fast`'s module docs, "Methods"). (In padding too.)
    pub calls_methods: bool,
    /// The instructions.
    pub code: Box<[Op]>,
    /// Source line of each instruction (same length as `code`).
    pub lines: Box<[u32]>,
    /// The constant table.
    pub constants: Box<[Constant]>,
    /// Upvalue descriptors. A main chunk has exactly one, `_ENV`.
    pub upvalues: Box<[UpvalueDesc]>,
    /// Functions defined inside this one (`Closure` operands index this).
    pub protos: Box<[Arc<Proto>]>,
    /// Local-variable debug information, in order of declaration.
    pub locals: Box<[LocalVar]>,
}

impl Proto {
    /// Whether `code` starts with [`LIGHT_START`] light instructions (arithmetic,
    /// comparisons, jumps, moves, constants, upvalue accesses, calls and returns: the
    /// instructions the interpreter's small loop, `vm::fast`, gains most on; of the table
    /// accesses only reads at constant string keys, as a method starts: `self.x`, a global,
    /// a method lookup, and at constant integer keys, as a tree walk starts: `t[1]`; and the
    /// making of a table, see [`Proto::light_tables`]) and has no
    /// loop (a loop runs faster in the variant of that loop that makes no calls, entered at
    /// the loop's head). (The field reads, measured with callgrind on the scaled bench
    /// programs: oop -0.6%, the others within 0.1%.)
    pub fn light_start(code: &[Op]) -> bool {
        let looping = code.iter().any(|op| match op {
            Op::ForLoop { .. } | Op::TForLoop { .. } => true,
            Op::Jmp { sj } => sj.get() < 0,
            _ => false,
        });
        !looping
            && code.get(..LIGHT_START).is_some_and(|ops| {
                ops.iter().all(|op| {
                    matches!(
                        op,
                        Op::Move { .. }
                            | Op::LoadI { .. }
                            | Op::LoadF { .. }
                            | Op::LoadK { .. }
                            | Op::LoadFalse { .. }
                            | Op::LFalseSkip { .. }
                            | Op::LoadTrue { .. }
                            | Op::LoadNil { .. }
                            | Op::GetUpval { .. }
                            | Op::SetUpval { .. }
                            | Op::AddI { .. }
                            | Op::AddK { .. }
                            | Op::SubK { .. }
                            | Op::MulK { .. }
                            | Op::ModK { .. }
                            | Op::PowK { .. }
                            | Op::DivK { .. }
                            | Op::IDivK { .. }
                            | Op::BAndK { .. }
                            | Op::BOrK { .. }
                            | Op::BXorK { .. }
                            | Op::ShrI { .. }
                            | Op::ShlI { .. }
                            | Op::Add { .. }
                            | Op::Sub { .. }
                            | Op::Mul { .. }
                            | Op::Mod { .. }
                            | Op::Pow { .. }
                            | Op::Div { .. }
                            | Op::IDiv { .. }
                            | Op::BAnd { .. }
                            | Op::BOr { .. }
                            | Op::BXor { .. }
                            | Op::Shl { .. }
                            | Op::Shr { .. }
                            | Op::Unm { .. }
                            | Op::BNot { .. }
                            | Op::Not { .. }
                            | Op::Jmp { .. }
                            | Op::Eq { .. }
                            | Op::Lt { .. }
                            | Op::Le { .. }
                            | Op::EqK { .. }
                            | Op::EqI { .. }
                            | Op::LtI { .. }
                            | Op::LeI { .. }
                            | Op::GtI { .. }
                            | Op::GeI { .. }
                            | Op::Test { .. }
                            | Op::TestSet { .. }
                            | Op::Call { .. }
                            | Op::TailCall { .. }
                            | Op::Return0 { .. }
                            | Op::Return1 { .. }
                            | Op::GetTabUp { .. }
                            | Op::GetField { .. }
                            | Op::GetI { .. }
                            | Op::SelfK { .. }
                            | Op::NewTable { .. }
                            | Op::ExtraArg { .. }
                    )
                })
            })
    }

    /// Whether `code` has a light start ([`Proto::light_start`]) with a `NewTable` in it, as
    /// a constructor or a tree's node starts (`return { x = x }`, `if d == 0 then return {}
    /// end`): the variant of `vm::fast`'s loop that makes tables runs it. (A variant of its
    /// own: its allocation calls cost the other calls' loop 1.5-5%, through its registers.)
    pub fn light_tables(code: &[Op]) -> bool {
        Self::light_start(code)
            && code
                .get(..LIGHT_START)
                .is_some_and(|ops| ops.iter().any(|op| matches!(op, Op::NewTable { .. })))
    }

    /// Whether `code` looks a method up (`obj:m(...)`): see [`Proto::calls_methods`].
    pub fn calls_methods(code: &[Op]) -> bool {
        code.iter().any(|op| matches!(op, Op::SelfK { .. }))
    }

    /// Bytes this function's compiled form takes, not counting nested functions or the
    /// chunk's source (a deterministic model for the memory budget, see `vm::memory`).
    pub fn code_bytes(&self) -> usize {
        use std::mem::size_of;
        let names = |n: &[u8]| n.len() + size_of::<Box<[u8]>>();
        size_of::<Proto>()
            + self.code.len() * (size_of::<Op>() + size_of::<u32>())
            + self
                .constants
                .iter()
                .map(|c| match c {
                    Constant::Str(s) => size_of::<Constant>() + s.len(),
                    _ => size_of::<Constant>(),
                })
                .sum::<usize>()
            + self
                .upvalues
                .iter()
                .map(|u| size_of::<UpvalueDesc>() + names(&u.name))
                .sum::<usize>()
            + self
                .locals
                .iter()
                .map(|l| size_of::<LocalVar>() + names(&l.name))
                .sum::<usize>()
            + self.protos.len() * size_of::<Arc<Proto>>()
    }
}

/// Lua's `luaO_chunkid`: the short form of a chunk name used in messages (`file.lua`,
/// `[string "print(1)..."]`, `stdin`).
pub fn short_source(source: &[u8]) -> String {
    const LUA_IDSIZE: usize = 60;
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    match source.first() {
        Some(b'=') => {
            let rest = &source[1..];
            text(&rest[..rest.len().min(LUA_IDSIZE - 1)])
        }
        Some(b'@') => {
            let rest = &source[1..];
            if rest.len() < LUA_IDSIZE {
                text(rest)
            } else {
                // Keep the end of long file names.
                format!("...{}", text(&rest[rest.len() - (LUA_IDSIZE - 4)..]))
            }
        }
        _ => {
            // A string source: show its first line, truncated.
            const PRE: &str = "[string \"";
            const POS: &str = "\"]";
            let avail = LUA_IDSIZE - PRE.len() - 3 - POS.len() - 1;
            let first_line_end = source.iter().position(|&c| c == b'\n');
            let mut s = PRE.to_string();
            match first_line_end {
                None if source.len() <= avail => s.push_str(&text(source)),
                _ => {
                    let mut l = first_line_end.unwrap_or(source.len());
                    if l > avail {
                        l = avail;
                    }
                    s.push_str(&text(&source[..l]));
                    s.push_str("...");
                }
            }
            s.push_str(POS);
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::short_source;

    #[test]
    fn chunk_ids_match_lua() {
        assert_eq!(short_source(b"@test.lua"), "test.lua");
        assert_eq!(short_source(b"=stdin"), "stdin");
        assert_eq!(short_source(b"print(1)"), "[string \"print(1)\"]");
        assert_eq!(short_source(b"x=1\ny=2"), "[string \"x=1...\"]");
    }

    /// `light_start` sits in padding: the memory model's `size_of::<Proto>()` (and with it
    /// every memory figure and snapshot charge) is what it was without it.
    #[test]
    fn light_start_costs_no_memory() {
        assert_eq!(std::mem::size_of::<super::Proto>(), 128);
    }
}
