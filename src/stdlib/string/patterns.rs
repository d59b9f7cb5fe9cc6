//! `string.find`, `string.match`, `string.gmatch` and `string.gsub`: glue between the VM and
//! the `sequences` crate's resumable pattern machines.
//!
//! Design note. The machines never see Lua values: they get the subject and pattern bytes on
//! every step (the continuation keeps both strings as values) and the VM's fuel as a
//! `sequences::Fuel`. When a machine runs out of fuel the native returns `Action::Preempt`
//! with the machine in a [`StrCont`]; when `gsub` needs a replacement computed by Lua (a
//! function call, or a table whose `__index` is a function) the native returns
//! `Action::Call` with the machine in the continuation and answers it with the call's
//! result. So a `gsub` callback may yield, raise an error, or be snapshotted half-way.
//!
//! `gmatch` iterators keep their position between calls in a small state table bound to the
//! iterator (`[1]` = where the next search starts, `[2]` = whether the previous match ended
//! there). Lua's rule that a match may not end where the previous one ended can only reject
//! an empty match at the start position (every later match ends further on), so an iterator
//! call runs a fresh `GMatch` from that position and, if it reports exactly that rejected
//! empty match, runs another one from the next position — the same matches, captures and
//! errors as `gmatch_aux`.

use gc_arena::Collect;
use sequences::pattern::{Capture, Find, FindKind, GMatch, Gsub, Match, PatternError, Replacement};
use sequences::{Fuel, Step};
use serde::{Deserialize, Serialize};

use super::{cont, cont_str, posrelat_i, StrCont, MAX_STRING_SIZE, STRING_CONT};
use crate::vm::closure::NativeClosure;
use crate::vm::cont::{uncaught, Cont, LibCont, LibSaved};
use crate::vm::convert;
use crate::vm::error::{LuaError, LuaResult};
use crate::vm::meta::{self, Index};
use crate::vm::native::{Action, NativeCtx, NativeDef};
use crate::vm::string::LuaStr;
use crate::vm::table::Table;
use crate::vm::value::Value;

type R<'gc> = LuaResult<'gc, Action<'gc>>;

/// The function `string.gmatch` returns (bound to subject, pattern and state table).
pub static GMATCH_AUX: NativeDef = NativeDef {
    name: "string.gmatch_aux",
    func: gmatch_aux,
};

fn pattern_error<'gc>(e: PatternError) -> LuaError<'gc> {
    LuaError::rt(e.to_string())
}

/// Runs `f` with the VM's fuel.
fn with_fuel<T>(nc: &mut NativeCtx<'_, '_>, f: impl FnOnce(&mut Fuel) -> T) -> T {
    f(nc.fuel)
}

/// A capture as a Lua value.
fn capture_value<'gc>(
    nc: &NativeCtx<'gc, '_>,
    subject: &[u8],
    c: Capture,
) -> LuaResult<'gc, Value<'gc>> {
    match c {
        Capture::Position(_) => Ok(Value::Int(c.lua_position().unwrap_or(0))),
        Capture::Substring { .. } => match c.bytes(subject) {
            Some(b) => Ok(nc.str_value(b)),
            None => Err(LuaError::rt("corrupt string library state")),
        },
    }
}

/// Which captures a library function returns.
#[derive(Clone, Copy)]
enum Captures {
    /// `string.find`'s after the positions: every capture, none when the pattern has none.
    Find,
    /// `string.match`, a `gmatch` iteration, a `gsub` function's arguments: every capture, or
    /// the whole match when the pattern has none.
    Match,
}

/// Appends the captures of `m` to the window (without collecting them first: this runs once
/// per `gmatch` iteration and `gsub` function call).
fn push_captures<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    subject: &[u8],
    m: &Match,
    which: Captures,
) -> LuaResult<'gc, ()> {
    let n = match which {
        Captures::Find => m.level(),
        Captures::Match => m.level().max(1),
    };
    nc.charge(n as i64);
    for i in 0..n {
        let c = m.get_capture(i).map_err(pattern_error)?;
        if let Capture::Substring { .. } = c {
            nc.charge(crate::limits::fuel::NEW_STRING);
        }
        let v = capture_value(nc, subject, c)?;
        nc.push(v);
    }
    Ok(())
}

/// `init` argument `n` as a 0-based offset (`posrelatI(init, len) - 1`), possibly past the end.
fn init_arg<'gc>(nc: &mut NativeCtx<'gc, '_>, n: usize, len: usize) -> LuaResult<'gc, usize> {
    let init = posrelat_i(nc.opt_int(n, 1)?, len) - 1;
    Ok(usize::try_from(init)
        .unwrap_or(usize::MAX)
        .min(len.saturating_add(1)))
}

fn find_aux<'gc>(nc: &mut NativeCtx<'gc, '_>, find: bool) -> R<'gc> {
    let s = nc.check_str(1)?;
    let p = nc.check_str(2)?;
    let init = init_arg(nc, 3, s.len())?;
    let kind = if !find {
        FindKind::Match
    } else if nc.arg(4).truthy() {
        FindKind::PlainFind
    } else {
        FindKind::Find
    };
    let seq = Find::new(kind, s.len(), p.len(), init);
    run_find(nc, s, p, seq)
}

/// `string.find`.
pub fn find<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    find_aux(nc, true)
}

/// `string.match`.
pub fn match_<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    find_aux(nc, false)
}

/// Continues a preempted `find`/`match`.
pub fn resume_find<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    s: Value<'gc>,
    p: Value<'gc>,
    seq: Find,
) -> R<'gc> {
    run_find(nc, cont_str(s)?, cont_str(p)?, seq)
}

fn run_find<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    s: LuaStr<'gc>,
    p: LuaStr<'gc>,
    mut seq: Find,
) -> R<'gc> {
    let (subject, pattern) = (s.as_bytes(), p.as_bytes());
    let step = match seq.at_once(subject, pattern, nc.fuel) {
        Some(found) => Step::Done(found),
        None => with_fuel(nc, |fuel| seq.step(subject, pattern, fuel)).map_err(pattern_error)?,
    };
    let m = match step {
        Step::NeedFuel => {
            nc.clear();
            let c = StrCont::Find {
                s: Value::Str(s),
                p: Value::Str(p),
                seq,
            };
            return Ok(Action::Preempt { cont: cont(c) });
        }
        Step::Need(never) => match never {},
        Step::Done(None) => return nc.ret1(Value::Nil),
        Step::Done(Some(m)) => m,
    };
    nc.clear();
    if seq.kind() == FindKind::Match {
        push_captures(nc, subject, &m, Captures::Match)?;
    } else {
        nc.push(Value::Int(m.start as i64 + 1));
        nc.push(Value::Int(m.end as i64));
        push_captures(nc, subject, &m, Captures::Find)?;
    }
    m.recycle();
    Ok(Action::Return)
}

/// `string.gmatch(s, pattern [, init])`.
pub fn gmatch<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let s = nc.check_str(1)?;
    let p = nc.check_str(2)?;
    let init = init_arg(nc, 3, s.len())?;
    let state = nc.ctx.new_table_sized(2, 0);
    write_gmatch_state(nc, state, init, false);
    let upvalues = Box::new([Value::Str(s), Value::Str(p), Value::Table(state)]);
    let f = NativeClosure::new(nc.ctx.mc, &GMATCH_AUX, upvalues);
    nc.ret1(Value::Native(f))
}

fn write_gmatch_state<'gc>(
    nc: &NativeCtx<'gc, '_>,
    state: Table<'gc>,
    src: usize,
    after_match: bool,
) {
    // The state table was made with two array slots and scripts never see it, so these
    // stores never grow it (and cannot fail).
    let mut t = state.data_mut(nc.ctx.mc);
    let _ = t.set_int(1, Value::Int(src as i64));
    let _ = t.set_int(2, Value::boolean(after_match));
}

/// Progress of one `gmatch` iterator call.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct GMatchProgress {
    /// Where this search started.
    src: usize,
    /// Whether an empty match at `src` must be rejected (the previous match ended there).
    reject_empty: bool,
    /// The search.
    seq: GMatch,
}

fn gmatch_aux<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let (s, p, state) = (nc.upvalue(0), nc.upvalue(1), nc.upvalue(2));
    let (Value::Str(ss), Value::Str(ps), Value::Table(t)) = (s, p, state) else {
        return Err(LuaError::rt("corrupt string library state"));
    };
    let (src, reject_empty) = {
        let t = t.data(nc.ctx.mc);
        (t.get_int(1), t.get_int(2).truthy())
    };
    let src = match src {
        Value::Int(i) if i >= 0 => (i as u64).min(ss.len() as u64 + 1) as usize,
        _ => return Err(LuaError::rt("corrupt string library state")),
    };
    let seq = GMatch::new(ss.len(), ps.len(), src);
    run_gmatch(
        nc,
        ss,
        ps,
        t,
        GMatchProgress {
            src,
            reject_empty,
            seq,
        },
    )
}

/// Continues a preempted `gmatch` iterator call.
pub fn resume_gmatch<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    s: Value<'gc>,
    p: Value<'gc>,
    state: Value<'gc>,
    st: GMatchProgress,
) -> R<'gc> {
    let Value::Table(t) = state else {
        return Err(LuaError::rt("corrupt string library state"));
    };
    run_gmatch(nc, cont_str(s)?, cont_str(p)?, t, st)
}

fn run_gmatch<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    s: LuaStr<'gc>,
    p: LuaStr<'gc>,
    state: Table<'gc>,
    mut st: GMatchProgress,
) -> R<'gc> {
    let (subject, pattern) = (s.as_bytes(), p.as_bytes());
    loop {
        let step = match st.seq.at_once(subject, pattern, nc.fuel) {
            Some(found) => Step::Done(found),
            None => {
                with_fuel(nc, |fuel| st.seq.step(subject, pattern, fuel)).map_err(pattern_error)?
            }
        };
        match step {
            Step::NeedFuel => {
                nc.clear();
                let c = StrCont::GMatch {
                    s: Value::Str(s),
                    p: Value::Str(p),
                    state: Value::Table(state),
                    st,
                };
                return Ok(Action::Preempt { cont: cont(c) });
            }
            Step::Need(never) => match never {},
            Step::Done(None) => return nc.ret0(),
            Step::Done(Some(m)) => {
                if st.reject_empty && m.start == st.src && m.end == st.src {
                    // The match Lua's `lastmatch` rule rejects: go on from the next position.
                    st.src = st.src.saturating_add(1);
                    st.reject_empty = false;
                    if st.src > subject.len() {
                        return nc.ret0();
                    }
                    st.seq = GMatch::new(subject.len(), pattern.len(), st.src);
                    continue;
                }
                write_gmatch_state(nc, state, m.end, true);
                nc.clear();
                push_captures(nc, subject, &m, Captures::Match)?;
                m.recycle();
                return Ok(Action::Return);
            }
        }
    }
}

/// `string.gsub(s, pattern, repl [, n])`.
pub fn gsub<'gc>(nc: &mut NativeCtx<'gc, '_>) -> R<'gc> {
    let s = nc.check_str(1)?;
    let p = nc.check_str(2)?;
    let repl = nc.arg(3);
    let max_n = nc.opt_int(4, s.len() as i64 + 1)?;
    let repl = match repl {
        Value::Str(_)
        | Value::Table(_)
        | Value::Function(_)
        | Value::Native(_)
        | Value::LightNative(_) => repl,
        Value::Int(_) | Value::Float(_) => match convert::to_str(nc.ctx, repl) {
            Some(t) => Value::Str(t),
            None => repl,
        },
        _ => return Err(nc.arg_type_error(3, "string/function/table")),
    };
    if let Some(action) = gsub_at_once(nc, s, p, repl, max_n)? {
        return Ok(action);
    }
    let seq = Gsub::new(s.len(), p.len(), max_n);
    let c = GsubCont {
        s: Value::Str(s),
        p: Value::Str(p),
        repl,
        seq,
    };
    run_gsub(nc, GsubState::Here(c))
}

thread_local! {
    /// The result buffer of the last `gsub` done at once, for the next (a cache of capacity:
    /// the result string is copied out of it).
    static GSUB_BUFFER: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// The largest result buffer kept for the next `gsub`.
const GSUB_BUFFER_KEPT: usize = 4096;

/// A `gsub` whose replacements need no Lua code (a string, or a table whose values are
/// there without an `__index` call) done at once (`sequences::pattern::gsub_whole`), where
/// its sequence would not stop nor fail: the same result and fuel, without the sequence's
/// round trip through the host for every match. `None` when the sequence must run.
fn gsub_at_once<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    s: LuaStr<'gc>,
    p: LuaStr<'gc>,
    repl: Value<'gc>,
    max_n: i64,
) -> LuaResult<'gc, Option<Action<'gc>>> {
    if !matches!(repl, Value::Str(_) | Value::Table(_)) {
        return Ok(None);
    }
    let mut out = GSUB_BUFFER
        .try_with(std::cell::Cell::take)
        .unwrap_or_default();
    out.clear();
    let mut host = InlineReplacement { ctx: nc.ctx, repl };
    let (subject, pattern) = (s.as_bytes(), p.as_bytes());
    let done =
        sequences::pattern::gsub_whole(subject, pattern, max_n, nc.fuel, &mut host, &mut out);
    let action = match done {
        None => None,
        Some((changed, count)) => {
            let result = if changed {
                Value::Str(nc.ctx.new_str(&out))
            } else {
                Value::Str(s)
            };
            Some(nc.ret(&[result, Value::Int(count)])?)
        }
    };
    if out.capacity() <= GSUB_BUFFER_KEPT {
        out.clear();
        let _ = GSUB_BUFFER.try_with(|b| b.set(out));
    }
    Ok(action)
}

/// The replacements of [`gsub_at_once`]: what `run_gsub` and `replacement_value` compute
/// and charge for a string or a table, where no Lua code runs and no error is raised.
struct InlineReplacement<'gc> {
    ctx: crate::vm::state::Ctx<'gc>,
    repl: Value<'gc>,
}

impl sequences::pattern::WholeHost for InlineReplacement<'_> {
    fn replace(
        &mut self,
        m: &Match,
        subject: &[u8],
        out: &mut Vec<u8>,
        fuel: &mut Fuel,
    ) -> Option<bool> {
        let t = match self.repl {
            Value::Str(template) => {
                sequences::pattern::expand_replacement(template.as_bytes(), m, subject, out, fuel)
                    .ok()?;
                return Some(true);
            }
            Value::Table(t) => t,
            _ => return None,
        };
        fuel.charge(crate::limits::fuel::GSUB_LOOKUP);
        let v = raw_replacement(self.ctx, t, m.get_capture(0).ok()?, subject)?;
        match v {
            Value::Nil | Value::False => Some(false),
            Value::Str(s) => {
                fuel.charge(super::cost::bytes(s.len()));
                out.extend_from_slice(s.as_bytes());
                Some(true)
            }
            Value::Int(i) => {
                out.extend_from_slice(crate::number::int_text(i, &mut [0; 20]));
                Some(true)
            }
            Value::Float(_) => {
                out.extend_from_slice(convert::number_to_string(v).unwrap_or_default().as_bytes());
                Some(true)
            }
            _ => None, // invalid replacement value
        }
    }

    fn room(&mut self, len: usize) -> bool {
        NativeCtx::buffer_fits_budget(len, 0)
    }

    fn max_len(&self) -> usize {
        MAX_STRING_SIZE
    }
}

/// The value of a gsub table `t` at the key `key` (a capture) when no `__index` is asked:
/// looked up without making the key string. `None` when `t` has a metatable and no value
/// there.
fn raw_replacement<'gc>(
    ctx: crate::vm::state::Ctx<'gc>,
    t: Table<'gc>,
    key: Capture,
    subject: &[u8],
) -> Option<Value<'gc>> {
    let v = match key {
        Capture::Substring { .. } => t.get_str_bytes(ctx.mc, key.bytes(subject)?),
        Capture::Position(_) => t.get_int(ctx.mc, key.lua_position()?),
    };
    (!v.is_nil() || t.metatable().is_none()).then_some(v)
}

/// A suspended `gsub` (preempted, or waiting for a replacement function's or `__index`
/// call's result): what [`StrCont::Gsub`] holds, as its own continuation type so that the
/// round trip through a replacement per match reuses one box and never moves the loop with
/// its matcher's buffers (those moves and a box per match were ~10% of a callback's
/// instructions). Saved as a `StrCont::Gsub`, so the bytes are the same.
#[derive(Collect, Debug, Clone)]
#[collect(no_drop)]
pub struct GsubCont<'gc> {
    /// The subject (a string; a restored snapshot could hold anything).
    pub s: Value<'gc>,
    /// The pattern (likewise).
    pub p: Value<'gc>,
    /// The replacement (string, table or function).
    pub repl: Value<'gc>,
    /// The substitution loop.
    #[collect(require_static)]
    pub seq: Gsub,
}

impl<'gc> LibCont<'gc> for GsubCont<'gc> {
    fn resume(
        self: Box<Self>,
        nc: &mut NativeCtx<'gc, '_>,
        outcome: Result<(), Value<'gc>>,
    ) -> LuaResult<'gc, Action<'gc>> {
        uncaught(outcome)?;
        resume_gsub(nc, self)
    }

    fn heap_bytes(&self) -> usize {
        self.seq.output_len()
    }

    fn save(&self) -> Result<LibSaved<Value<'gc>>, String> {
        let c = StrCont::Gsub {
            s: self.s,
            p: self.p,
            repl: self.repl,
            seq: self.seq.clone(),
        };
        LibSaved::of(&STRING_CONT, c)
    }
}

/// Continues `gsub` after a preemption (empty window) or after the replacement call it
/// requested (its result first in the window).
pub fn resume_gsub<'gc>(nc: &mut NativeCtx<'gc, '_>, mut c: Box<GsubCont<'gc>>) -> R<'gc> {
    if c.seq.pending().is_some() {
        let v = nc.arg(1);
        let answer = replacement_value(nc, v, &mut c.seq)?;
        answer_gsub(&mut c.seq, answer)?;
    }
    run_gsub(nc, GsubState::Boxed(c))
}

/// A `gsub`'s state: in the native's frame until it first suspends (a `gsub` that never
/// calls nor runs out of fuel allocates nothing for it), then in the box its continuation
/// keeps from then on.
enum GsubState<'gc> {
    /// Not suspended yet.
    Here(GsubCont<'gc>),
    /// Suspended at least once.
    Boxed(Box<GsubCont<'gc>>),
}

impl<'gc> GsubState<'gc> {
    fn get(&mut self) -> &mut GsubCont<'gc> {
        match self {
            GsubState::Here(c) => c,
            GsubState::Boxed(c) => c,
        }
    }

    /// The continuation to suspend with.
    fn suspend(self) -> Cont<'gc> {
        Cont::Lib(match self {
            GsubState::Here(c) => Box::new(c),
            GsubState::Boxed(c) => c,
        })
    }
}

/// Checks a function's or table's replacement value (lstrlib's `add_value`).
fn replacement_value<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    v: Value<'gc>,
    seq: &mut Gsub,
) -> LuaResult<'gc, Replacement> {
    let mut bytes = seq.replacement_buffer();
    match v {
        Value::Nil | Value::False => Ok(Replacement::Keep),
        Value::Str(s) => {
            nc.charge(super::cost::bytes(s.len()));
            bytes.extend_from_slice(s.as_bytes());
            Ok(Replacement::Bytes(bytes))
        }
        Value::Int(i) => {
            bytes.extend_from_slice(crate::number::int_text(i, &mut [0; 20]));
            Ok(Replacement::Bytes(bytes))
        }
        Value::Float(_) => {
            bytes.extend_from_slice(convert::number_to_string(v).unwrap_or_default().as_bytes());
            Ok(Replacement::Bytes(bytes))
        }
        other => Err(LuaError::rt(format!(
            "invalid replacement value (a {})",
            other.type_name()
        ))),
    }
}

fn answer_gsub<'gc>(seq: &mut Gsub, answer: Replacement) -> LuaResult<'gc, ()> {
    let add = match &answer {
        Replacement::Bytes(b) => b.len(),
        Replacement::Keep => seq.pending().map_or(0, |m| m.end.saturating_sub(m.start)),
    };
    if seq.buffer_len().saturating_add(add) > MAX_STRING_SIZE {
        return Err(super::too_large());
    }
    seq.answer(answer).map_err(pattern_error)
}

fn run_gsub<'gc>(nc: &mut NativeCtx<'gc, '_>, mut state: GsubState<'gc>) -> R<'gc> {
    let c = state.get();
    let (s, p, repl) = (cont_str(c.s)?, cont_str(c.p)?, c.repl);
    let seq = &mut c.seq;
    let (subject, pattern) = (s.as_bytes(), p.as_bytes());
    // (What the frame this call resumes from was charged for the output, see `buffer_fits`.)
    let held = seq.output_len();
    loop {
        // (Before the step: a result that has grown past the budget waits for a collection
        // without doing anything, see `NativeCtx::wait_for_room`. A step adds at most what
        // its fuel pays for.)
        let room = nc.buffer_fits(seq.output_len(), held);
        if !room {
            nc.wait_for_room()?;
        }
        let step = if room {
            with_fuel(nc, |fuel| seq.step(subject, pattern, fuel)).map_err(pattern_error)?
        } else {
            Step::NeedFuel
        };
        let m: Match = match step {
            Step::NeedFuel => {
                nc.clear();
                return Ok(Action::Preempt {
                    cont: state.suspend(),
                });
            }
            Step::Done(r) => {
                let out = match r.output {
                    None => Value::Str(s),
                    Some(bytes) => Value::Str(nc.ctx.new_string(bytes)),
                };
                return nc.ret(&[out, Value::Int(r.count)]);
            }
            Step::Need(req) => req.m,
        };
        match repl {
            Value::Str(template) => {
                let mut out = seq.replacement_buffer();
                with_fuel(nc, |fuel| {
                    sequences::pattern::expand_replacement(
                        template.as_bytes(),
                        &m,
                        subject,
                        &mut out,
                        fuel,
                    )
                })
                .map_err(pattern_error)?;
                answer_gsub(seq, Replacement::Bytes(out))?;
            }
            Value::Table(t) => {
                nc.charge(crate::limits::fuel::GSUB_LOOKUP);
                let key = m.get_capture(0).map_err(pattern_error)?;
                let found = match raw_replacement(nc.ctx, t, key, subject) {
                    Some(v) => Index::Value(v),
                    None => {
                        let key = capture_value(nc, subject, key)?;
                        meta::index(nc.ctx, repl, key)?
                    }
                };
                match found {
                    Index::Value(v) => {
                        let answer = replacement_value(nc, v, seq)?;
                        answer_gsub(seq, answer)?;
                    }
                    Index::Call(mc) => {
                        nc.clear();
                        for &a in &mc.args[..mc.nargs as usize] {
                            nc.push(a);
                        }
                        return Ok(Action::Call {
                            func: mc.func,
                            cont: state.suspend(),
                        });
                    }
                    Index::NotIndexable => {
                        return Err(LuaError::rt("corrupt string library state"));
                    }
                }
            }
            _ => {
                nc.charge(crate::limits::fuel::GSUB_LOOKUP);
                nc.clear();
                push_captures(nc, subject, &m, Captures::Match)?;
                return Ok(Action::Call {
                    func: repl,
                    cont: state.suspend(),
                });
            }
        }
    }
}
