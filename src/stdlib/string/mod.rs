//! The string library (Lua 5.4's `lstrlib.c`); `string.dump` only in the standalone profile.
//!
//! Design note. Every function here is a plain native, but none of them may run unbounded
//! between two fuel checks, and any of them may have to call Lua (`gsub` with a function or a
//! table with `__index`, `format("%s")` with `__tostring`). So each long-running function keeps
//! its progress in a [`StrCont`] — plain data plus Lua values, generic over the value type like
//! the VM's `ContG` so snapshots can save it — and either
//!
//! * returns `Action::Preempt` with it when the step's fuel is spent (the VM resumes it on the
//!   next step with an empty window), or
//! * returns `Action::Call` with it to run a Lua function, and continues from the results.
//!
//! The work is split by responsibility:
//!
//! * this file: registration, the string metatable, the simple functions (`len`, `sub`,
//!   `byte`, `char`, `lower`, `upper`, `reverse`, `rep`) and the chunked result builder they
//!   share ([`Build`]);
//! * [`format`] — `string.format`;
//! * [`pack`] — `string.pack`, `string.unpack`, `string.packsize`;
//! * [`patterns`] — `find`, `match`, `gmatch`, `gsub`, driving the `sequences` crate's
//!   resumable pattern machines;
//! * [`arith`] — the string metatable's arithmetic metamethods (`"10" + 1`).
//!
//! Fuel: see [`cost`]. Byte work is charged at [`cost::BYTES_PER_FUEL`] bytes per fuel unit,
//! the same rate the pattern matcher uses for scanning, except plain copies and byte maps
//! (`sub`, `rep`, `upper`, `lower`, `reverse`), charged at half that.

pub mod arith;
pub mod dump;
pub mod format;
pub mod pack;
pub mod patterns;

use gc_arena::Collect;
use serde::{Deserialize, Serialize};

use crate::vm::cont::{uncaught, Cont, LibCont, LibContKind, LibSaved, MapValues};
use crate::vm::error::{LuaError, LuaResult};
use crate::vm::native::{Action, NativeCtx, NativeDef};
use crate::vm::state::Ctx;
use crate::vm::string::LuaStr;
use crate::vm::value::Value;

type R<'gc> = LuaResult<'gc, Action<'gc>>;

/// Fuel costs of the string library (one fuel unit ≈ one simple VM instruction).
pub mod cost {
    /// Bytes copied, scanned or produced per fuel unit (as `sequences::fuel::cost`).
    pub use crate::limits::fuel::STRING_BYTES_PER_FUEL as BYTES_PER_FUEL;
    /// Long byte loops (`rep`, `lower`, `format`'s literal text...) produce at most this many
    /// bytes between two fuel checks: the bound on their overshoot is `CHUNK / BYTES_PER_FUEL`
    /// fuel units (`CHUNK / STRING_BUILD_BYTES_PER_FUEL` for `sub`, `rep` and the like).
    pub const CHUNK: usize = 4096;
    /// `format('%q')` examines at most this many bytes between two fuel checks: each costs
    /// up to 3/8 of a fuel unit (examined, and escaped into up to 4 bytes), so a chunk is at
    /// most 192 fuel units.
    pub const QUOTE_CHUNK: usize = CHUNK / 8;
    /// One `format` conversion item, one `pack`/`unpack` option, one `char` value (`byte`
    /// values: [`byte_values`]).
    pub use crate::limits::fuel::STRING_ITEM as ITEM;
    pub use crate::limits::fuel::STRING_VALUE as VALUE;

    /// Fuel for `n` bytes of work, rounded up.
    pub fn bytes(n: usize) -> i64 {
        sequences::fuel::cost::work(n)
    }

    /// Fuel for `n` bytes copied or mapped by `sub`, `rep`, `upper`, `lower`, `reverse`,
    /// rounded up.
    pub fn build_bytes(n: usize) -> i64 {
        per(n, crate::limits::fuel::STRING_BUILD_BYTES_PER_FUEL)
    }

    /// Fuel for `n` bytes examined by `format('%q')`, rounded up.
    pub fn quote_scan(n: usize) -> i64 {
        per(n, crate::limits::fuel::QUOTE_SCAN_BYTES_PER_FUEL)
    }

    /// Fuel for `n` values returned by `byte`, rounded up.
    pub fn byte_values(n: usize) -> i64 {
        per(n, crate::limits::fuel::STRING_BYTE_VALUES_PER_FUEL)
    }

    /// `ceil(n / rate)` (`rate` is a nonzero constant), saturating.
    fn per(n: usize, rate: usize) -> i64 {
        i64::try_from(n.div_ceil(rate.max(1))).unwrap_or(i64::MAX)
    }
}

/// Longest string the library produces (Lua's `MAXSIZE` on 64-bit builds, `INT_MAX`): longer
/// results raise "resulting string too large" (`rep`) or "not enough memory" (buffers).
pub const MAX_STRING_SIZE: usize = i32::MAX as usize;

/// Most values one call may return (the VM's stack limit, Lua's `LUAI_MAXSTACK`).
pub const MAX_RESULTS: usize = crate::vm::exec::MAX_STACK;

/// The string library's natives.
pub static FUNCS: &[NativeDef] = &[
    NativeDef {
        name: "string.byte",
        func: byte,
    },
    NativeDef {
        name: "string.char",
        func: char,
    },
    NativeDef {
        name: "string.find",
        func: patterns::find,
    },
    NativeDef {
        name: "string.format",
        func: format::format,
    },
    NativeDef {
        name: "string.gmatch",
        func: patterns::gmatch,
    },
    NativeDef {
        name: "string.gsub",
        func: patterns::gsub,
    },
    NativeDef {
        name: "string.len",
        func: len,
    },
    NativeDef {
        name: "string.lower",
        func: lower,
    },
    NativeDef {
        name: "string.match",
        func: patterns::match_,
    },
    NativeDef {
        name: "string.rep",
        func: rep,
    },
    NativeDef {
        name: "string.reverse",
        func: reverse,
    },
    NativeDef {
        name: "string.sub",
        func: sub,
    },
    NativeDef {
        name: "string.upper",
        func: upper,
    },
    NativeDef {
        name: "string.pack",
        func: pack::pack,
    },
    NativeDef {
        name: "string.packsize",
        func: pack::packsize,
    },
    NativeDef {
        name: "string.unpack",
        func: pack::unpack,
    },
];

/// `string.dump`, only in the standalone profile: it would let a sandboxed script read the
/// source of any Lua function it can reach.
pub static STANDALONE_FUNCS: &[NativeDef] = &[NativeDef {
    name: "string.dump",
    func: dump::dump,
}];

/// Opens the library: the `string` table and the metatable shared by all strings
/// (`__index = string` plus the arithmetic metamethods).
pub fn open(ctx: Ctx<'_>, standalone: bool) {
    let lib = super::new_lib(ctx, "string", FUNCS);
    if standalone {
        super::register(ctx, lib, STANDALONE_FUNCS);
    }
    let mt = ctx.new_table();
    super::register(ctx, mt, arith::FUNCS);
    let _ = mt.set(ctx.mc, ctx.str_value("__index"), Value::Table(lib));
    ctx.state.metas.borrow_mut(ctx.mc).string = Some(mt);
}

/// A suspended string-library native, generic over the value type like `ContG` (every Lua
/// value is a `V`; everything else is plain serializable data).
#[derive(Collect, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[collect(no_drop)]
pub enum StrCont<V> {
    /// `lower`/`upper`/`reverse`/`sub`/`rep` producing a long result, preempted.
    Build {
        /// The source string.
        src: V,
        /// `rep`'s separator (nil otherwise).
        sep: V,
        /// Progress.
        #[collect(require_static)]
        job: Build,
    },
    /// `string.format`, preempted or waiting for a `__tostring` result.
    Format {
        /// The format string.
        fmt: V,
        /// The arguments after the format string.
        args: Vec<V>,
        /// A long string being copied into the output (nil when none).
        text: V,
        /// Progress.
        #[collect(require_static)]
        st: format::Progress,
    },
    /// `find`/`match`, preempted.
    Find {
        /// The subject.
        s: V,
        /// The pattern.
        p: V,
        /// The search.
        #[collect(require_static)]
        seq: sequences::pattern::Find,
    },
    /// A `gmatch` iterator call, preempted.
    GMatch {
        /// The subject.
        s: V,
        /// The pattern.
        p: V,
        /// The iterator's state table (see [`patterns`]).
        state: V,
        /// The search and where it started.
        #[collect(require_static)]
        st: patterns::GMatchProgress,
    },
    /// `gsub`, preempted or waiting for a replacement value.
    Gsub {
        /// The subject.
        s: V,
        /// The pattern.
        p: V,
        /// The replacement (string, table or function).
        repl: V,
        /// The substitution loop.
        #[collect(require_static)]
        seq: sequences::pattern::Gsub,
    },
    /// `pack`, preempted (long padding or strings).
    Pack {
        /// The format string.
        fmt: V,
        /// The arguments after the format string.
        args: Vec<V>,
        /// Progress.
        #[collect(require_static)]
        st: pack::PackProgress,
    },
}

impl<V> StrCont<V> {
    /// Bytes of this continuation's buffers (see `ContG::heap_bytes`).
    pub fn heap_bytes(&self) -> usize {
        use crate::vm::memory::VALUE_BYTES;
        match self {
            StrCont::Build { job, .. } => job.out.len(),
            StrCont::Format { args, st, .. } => args.len() * VALUE_BYTES + st.heap_bytes(),
            StrCont::Find { .. } | StrCont::GMatch { .. } => 0,
            StrCont::Gsub { seq, .. } => seq.output_len(),
            StrCont::Pack { args, st, .. } => args.len() * VALUE_BYTES + st.heap_bytes(),
        }
    }
}

impl<V> MapValues<V> for StrCont<V> {
    type Mapped<W> = StrCont<W>;

    fn map_values<W, E>(self, f: &mut impl FnMut(V) -> Result<W, E>) -> Result<StrCont<W>, E> {
        Ok(match self {
            StrCont::Build { src, sep, job } => StrCont::Build {
                src: f(src)?,
                sep: f(sep)?,
                job,
            },
            StrCont::Format {
                fmt,
                args,
                text,
                st,
            } => StrCont::Format {
                fmt: f(fmt)?,
                args: args.into_iter().map(&mut *f).collect::<Result<_, E>>()?,
                text: f(text)?,
                st,
            },
            StrCont::Find { s, p, seq } => StrCont::Find {
                s: f(s)?,
                p: f(p)?,
                seq,
            },
            StrCont::GMatch { s, p, state, st } => StrCont::GMatch {
                s: f(s)?,
                p: f(p)?,
                state: f(state)?,
                st,
            },
            StrCont::Gsub { s, p, repl, seq } => StrCont::Gsub {
                s: f(s)?,
                p: f(p)?,
                repl: f(repl)?,
                seq,
            },
            StrCont::Pack { fmt, args, st } => StrCont::Pack {
                fmt: f(fmt)?,
                args: args.into_iter().map(&mut *f).collect::<Result<_, E>>()?,
                st,
            },
        })
    }
}

/// Continues a suspended string native (after a preemption, with an empty window, or after
/// the Lua call it requested, with that call's results in the window).
fn resume<'gc>(nc: &mut NativeCtx<'gc, '_>, c: StrCont<Value<'gc>>) -> R<'gc> {
    match c {
        StrCont::Build { src, sep, job } => {
            let src = cont_str(src)?;
            let sep = match sep {
                Value::Str(s) => Some(s),
                _ => None,
            };
            run_build(nc, src, sep, job)
        }
        StrCont::Format {
            fmt,
            args,
            text,
            st,
        } => format::resume(nc, fmt, args, text, st),
        StrCont::Find { s, p, seq } => patterns::resume_find(nc, s, p, seq),
        StrCont::GMatch { s, p, state, st } => patterns::resume_gmatch(nc, s, p, state, st),
        StrCont::Gsub { s, p, repl, seq } => {
            patterns::resume_gsub(nc, Box::new(patterns::GsubCont { s, p, repl, seq }))
        }
        StrCont::Pack { fmt, args, st } => pack::resume_pack(nc, fmt, args, st),
    }
}

/// Wraps a string continuation as a VM continuation.
pub(crate) fn cont<'gc>(c: StrCont<Value<'gc>>) -> Cont<'gc> {
    Cont::Lib(Box::new(c))
}

/// The kind of [`StrCont`].
pub static STRING_CONT: LibContKind = LibContKind {
    name: "string",
    load: |saved| {
        Ok(match saved.rebuild::<StrCont<u32>>()? {
            // (In memory a suspended `gsub` is its own type, see `patterns::GsubCont`.)
            StrCont::Gsub { s, p, repl, seq } => Box::new(patterns::GsubCont { s, p, repl, seq }),
            other => Box::new(other),
        })
    },
};

impl<'gc> LibCont<'gc> for StrCont<Value<'gc>> {
    fn resume(
        self: Box<Self>,
        nc: &mut NativeCtx<'gc, '_>,
        outcome: Result<(), Value<'gc>>,
    ) -> R<'gc> {
        uncaught(outcome)?;
        resume(nc, *self)
    }

    fn heap_bytes(&self) -> usize {
        StrCont::heap_bytes(self)
    }

    fn save(&self) -> Result<LibSaved<Value<'gc>>, String> {
        LibSaved::of(&STRING_CONT, self.clone())
    }
}

/// A string held by a continuation (a restored snapshot could hold anything).
pub(crate) fn cont_str<'gc>(v: Value<'gc>) -> LuaResult<'gc, LuaStr<'gc>> {
    match v {
        Value::Str(s) => Ok(s),
        _ => Err(LuaError::rt("corrupt string library state")),
    }
}

/// Lua's `posrelatI`: a relative initial position (negative counts from the end) clipped to
/// `[1, inf)`.
pub(crate) fn posrelat_i(pos: i64, len: usize) -> u64 {
    let len = len as i64;
    if pos > 0 {
        pos as u64
    } else if pos == 0 || pos < -len {
        1
    } else {
        (len + pos + 1) as u64
    }
}

/// Lua's `getendpos`: a relative end position clipped to `[0, len]`.
pub(crate) fn getendpos(pos: i64, len: usize) -> usize {
    let l = len as i64;
    if pos > l {
        len
    } else if pos >= 0 {
        pos as usize
    } else if pos < -l {
        0
    } else {
        (l + pos + 1) as usize
    }
}

/// The error for a buffer that would exceed [`MAX_STRING_SIZE`].
pub(crate) fn too_large<'gc>() -> LuaError<'gc> {
    LuaError::rt("not enough memory")
}

fn len<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let s = nc.check_str(1)?;
    nc.ret1(Value::Int(s.len() as i64))
}

fn sub<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let s = nc.check_str(1)?;
    let l = s.len();
    let start = posrelat_i(nc.check_int(2)?, l);
    let end = getendpos(nc.opt_int(3, -1)?, l) as u64;
    if start > end {
        return nc.ret1(nc.str_value(b""));
    }
    if start == 1 && end == l as u64 {
        return nc.ret1(Value::Str(s));
    }
    // 1 <= start <= end <= l
    let (from, len) = (start as usize - 1, (end - start + 1) as usize);
    nc.reserve(crate::vm::string::StrData::charge_for(len))?;
    if len <= cost::CHUNK {
        // One piece of `run_build`'s work, charged as it charges it, made straight from the
        // slice: no buffer to grow and copy (a character taken out of a string is one
        // allocation, not three).
        nc.charge(cost::build_bytes(len));
        let v = nc.str_value(&s.as_bytes()[from..from + len]);
        return nc.ret1(v);
    }
    run_build(nc, s, None, Build::new(BuildKind::Sub { from }, len))
}

fn reverse<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let s = nc.check_str(1)?;
    nc.reserve(crate::vm::string::StrData::charge_for(s.len()))?;
    run_build(nc, s, None, Build::new(BuildKind::Reverse, s.len()))
}

fn lower<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let s = nc.check_str(1)?;
    nc.reserve(crate::vm::string::StrData::charge_for(s.len()))?;
    run_build(nc, s, None, Build::new(BuildKind::Lower, s.len()))
}

fn upper<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let s = nc.check_str(1)?;
    nc.reserve(crate::vm::string::StrData::charge_for(s.len()))?;
    run_build(nc, s, None, Build::new(BuildKind::Upper, s.len()))
}

fn rep<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let s = nc.check_str(1)?;
    let n = nc.check_int(2)?;
    let sep = nc.opt_str(3)?;
    let (l, lsep) = (s.len(), sep.map_or(0, |s| s.len()));
    if n <= 0 {
        return nc.ret1(nc.str_value(b""));
    }
    // Lua's check: l + lsep > MAXSIZE / n.
    let unit = l
        .checked_add(lsep)
        .ok_or_else(|| LuaError::rt("resulting string too large"))?;
    if unit > MAX_STRING_SIZE / n as u64 as usize {
        return Err(LuaError::rt("resulting string too large"));
    }
    // Cannot overflow: n * unit <= MAX_STRING_SIZE.
    let total = n as usize * l + (n as usize - 1) * lsep;
    if total == 0 {
        return nc.ret1(nc.str_value(b""));
    }
    if n == 1 {
        return nc.ret1(Value::Str(s));
    }
    let sep = if lsep > 0 { sep } else { None };
    nc.reserve(crate::vm::string::StrData::charge_for(total))?;
    run_build(nc, s, sep, Build::new(BuildKind::Rep, total))
}

fn byte<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let s = nc.check_str(1)?;
    let l = s.len();
    let pi = nc.opt_int(2, 1)?;
    let posi = posrelat_i(pi, l);
    let pose = getendpos(nc.opt_int(3, pi)?, l) as u64;
    if posi > pose {
        return nc.ret0();
    }
    let n = pose - posi + 1;
    if n >= i32::MAX as u64 {
        return Err(LuaError::rt("string slice too long"));
    }
    if n as usize > MAX_RESULTS.saturating_sub(nc.stack.len()) {
        return Err(LuaError::rt("stack overflow (string slice too long)"));
    }
    nc.reserve(nc.stack_growth_bytes(n as usize))?;
    let bytes = &s.as_bytes()[posi as usize - 1..pose as usize];
    nc.charge(cost::byte_values(bytes.len()));
    nc.clear();
    nc.stack.extend(bytes.iter().map(|&b| Value::Int(b as i64)));
    Ok(Action::Return)
}

fn char<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let n = nc.nargs();
    let mut out = Vec::with_capacity(n);
    for i in 1..=n {
        let c = nc.check_int(i)?;
        if c as u64 > 255 {
            return Err(LuaError::bad_arg(i, "value out of range"));
        }
        out.push(c as u8);
    }
    nc.charge(cost::VALUE * n as i64);
    let v = Value::Str(nc.ctx.new_string(out));
    nc.ret1(v)
}

/// What a [`Build`] produces.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildKind {
    /// `string.lower`.
    Lower,
    /// `string.upper`.
    Upper,
    /// `string.reverse`.
    Reverse,
    /// `string.sub`: the bytes from `from` on.
    Sub {
        /// 0-based offset of the first byte.
        from: usize,
    },
    /// `string.rep`: the source followed by the separator, repeated.
    Rep,
}

/// A result string being produced in chunks, so producing megabytes can be preempted.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Build {
    kind: BuildKind,
    /// Length of the finished result.
    total: usize,
    /// The result so far.
    out: Vec<u8>,
}

impl Build {
    fn new(kind: BuildKind, total: usize) -> Build {
        Build {
            kind,
            total,
            out: Vec::new(),
        }
    }

    /// Produces up to `max` more bytes (never fewer than `min(max, left)`).
    fn produce(&mut self, src: &[u8], sep: &[u8], max: usize) -> Result<(), ()> {
        let done = self.out.len();
        let n = max.min(self.total.checked_sub(done).ok_or(())?);
        let l = src.len();
        match self.kind {
            BuildKind::Lower => {
                let part = src.get(done..done + n).ok_or(())?;
                self.out.extend(part.iter().map(u8::to_ascii_lowercase));
            }
            BuildKind::Upper => {
                let part = src.get(done..done + n).ok_or(())?;
                self.out.extend(part.iter().map(u8::to_ascii_uppercase));
            }
            BuildKind::Reverse => {
                let end = l.checked_sub(done).ok_or(())?;
                let part = src.get(end.checked_sub(n).ok_or(())?..end).ok_or(())?;
                self.out.extend(part.iter().rev());
            }
            BuildKind::Sub { from } => {
                let start = from.checked_add(done).ok_or(())?;
                self.out
                    .extend_from_slice(src.get(start..start.checked_add(n).ok_or(())?).ok_or(())?);
            }
            BuildKind::Rep => {
                // The result is periodic with period `unit`: copy the first unit from the
                // sources, then from the result itself (doubling the copied span).
                let unit = l + sep.len();
                if unit == 0 {
                    return Err(());
                }
                let mut left = n;
                while left > 0 {
                    let at = self.out.len();
                    let k = at % unit;
                    let take = if at < unit {
                        let piece = if k < l { &src[k..] } else { &sep[k - l..] };
                        let take = piece.len().min(left);
                        self.out.extend_from_slice(&piece[..take]);
                        take
                    } else {
                        let take = (at - k).min(left);
                        self.out.extend_from_within(k..k + take);
                        take
                    };
                    left -= take;
                }
            }
        }
        Ok(())
    }
}

/// Runs a [`Build`] until done (returning the string) or out of fuel (preempting).
fn run_build<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    src: LuaStr<'gc>,
    sep: Option<LuaStr<'gc>>,
    mut job: Build,
) -> R<'gc> {
    let sep_bytes = sep.map_or(&[][..], |s| s.as_bytes());
    // The whole result was checked against the memory budget: allocate it once (doubling
    // would copy megabytes inside one step), also after a snapshot restored the buffer.
    // (A restored `total` is untrusted: bounded, and a failed reservation is not an error.)
    if job.out.capacity() < job.total
        && job.total <= MAX_STRING_SIZE
        && crate::vm::memory::fits(job.total)
    {
        let _ = job
            .out
            .try_reserve_exact(job.total.saturating_sub(job.out.len()));
    }
    loop {
        if job.out.len() >= job.total {
            let out = std::mem::take(&mut job.out);
            let v = Value::Str(nc.ctx.new_string(out));
            return nc.ret1(v);
        }
        if nc.fuel_left() <= 0 {
            nc.clear();
            let sep = sep.map_or(Value::Nil, Value::Str);
            return Ok(Action::Preempt {
                cont: cont(StrCont::Build {
                    src: Value::Str(src),
                    sep,
                    job,
                }),
            });
        }
        let before = job.out.len();
        job.produce(src.as_bytes(), sep_bytes, cost::CHUNK)
            .map_err(|()| LuaError::rt("corrupt string library state"))?;
        nc.charge(cost::build_bytes(job.out.len() - before));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build_all(kind: BuildKind, total: usize, src: &[u8], sep: &[u8], chunk: usize) -> Vec<u8> {
        let mut b = Build::new(kind, total);
        while b.out.len() < b.total {
            b.produce(src, sep, chunk).unwrap();
        }
        b.out
    }

    #[test]
    fn rep_is_periodic_for_any_chunk() {
        for chunk in [1, 2, 3, 7, 64, 4096] {
            let out = build_all(BuildKind::Rep, 3 * 3 + 2 * 2, b"abc", b"--", chunk);
            assert_eq!(out, b"abc--abc--abc");
            let out = build_all(BuildKind::Rep, 5, b"x", b"", chunk);
            assert_eq!(out, b"xxxxx");
        }
    }

    #[test]
    fn reverse_and_case_in_chunks() {
        assert_eq!(build_all(BuildKind::Reverse, 5, b"hello", b"", 2), b"olleh");
        assert_eq!(
            build_all(BuildKind::Upper, 4, b"a\xe9Bc", b"", 3),
            b"A\xe9BC"
        );
        assert_eq!(
            build_all(BuildKind::Sub { from: 1 }, 3, b"hello", b"", 2),
            b"ell"
        );
    }

    #[test]
    fn positions_like_lua() {
        assert_eq!(posrelat_i(0, 5), 1);
        assert_eq!(posrelat_i(-2, 5), 4);
        assert_eq!(posrelat_i(-9, 5), 1);
        assert_eq!(posrelat_i(i64::MIN, 5), 1);
        assert_eq!(getendpos(-1, 5), 5);
        assert_eq!(getendpos(i64::MIN, 5), 0);
        assert_eq!(getendpos(i64::MAX, 5), 5);
    }
}
