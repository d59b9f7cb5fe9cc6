//! The interpreter loop.
//!
//! # Design
//! `execute` runs the Lua frame on top of the thread's frame stack, instruction by instruction,
//! charging one unit of fuel each. Hot state (`pc`, `base`, the code) lives in locals, the
//! rest of the frame is read where it is used; `pc` is written back to the frame before
//! anything that can call, raise or return (`save_pc!`). Lua-to-Lua calls and returns never
//! recurse: they push or pop a frame and `continue 'frame`, which reloads the locals from the
//! new top frame.
//!
//! Integer and float fast paths of arithmetic and comparisons are inline; everything else
//! (coercions, metamethods, errors) goes to cold helpers. A metamethod call is placed just
//! above the frame's registers (`base + max_stack`); when it returns, the frame is re-entered
//! with `resuming = true` and `finish::finish_op` completes the interrupted instruction from the
//! call's result, exactly like PUC-Rio's `luaV_finishOp`.
//!
//! Loops go faster through `fast::hot`, a small loop entered at a backward jump that runs the
//! common cases of the common instructions with its state in registers (see `fast`).

use crate::limits::fuel::Fuel;
use gc_arena::lock::Lock;
use gc_arena::Gc;

use super::closure::{Closure, ClosureData, FnProto, NativeRef, UpState, Upvalue};
use super::error::{LuaError, LuaResult};
use super::exec::{close_upvalues, drive, lua_results, push_lua_frame, Event, Flow, Todo};
use super::finish::{call_native, call_native_outlined, finish_op, Finish};
use super::meta::{self, ArithOp, Index, Meta, MetaCall, NewIndex};
use super::ops::{
    arith_error, call_meta, concat_step_named, for_prep, long_compare_cost, new_closure,
    new_table_cost, reg_info, set_list, type_error, upval_get, upval_info, upval_set, vararg,
};
use super::state::{Ctx, Tm};
use super::table::TableData;
use super::thread::{Frame, Thread, ThreadState};
use super::value::Value;
use crate::compiler::opcodes::Op;
use crate::limits::fuel as fuelc;
use crate::number;

/// Runs Lua frames until something only the scheduler can handle happens (see
/// `switch_call::execute`, which goes on after a switch at a call). (Out of line, with the
/// state as a `&mut` parameter: the loop's code is best so.)
#[inline(never)]
pub fn execute<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    resuming: bool,
) -> LuaResult<'gc, Flow<'gc>> {
    // The fuel counter in a local of this frame, written back on every exit: the loop then
    // addresses it directly instead of loading the caller's pointer on every instruction.
    let mut local = *fuel;
    let r = run(ctx, thread, ts, &mut local, resuming);
    *fuel = local;
    r
}

/// [`execute`], on its local fuel counter.
#[inline(always)]
fn run<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut Fuel,
    mut resuming: bool,
) -> LuaResult<'gc, Flow<'gc>> {
    // Hooks (see `hook`): with line or count hooks, every instruction takes the slow path of
    // the fuel check; `hooked` guards call and return events. The hook state changes only
    // inside natives and hooks, which are reached through `drive`: it is read again after
    // each (`flow!`), not on every Lua call and return.
    let mut hooked: bool;
    let mut hook_limit: i64;
    macro_rules! read_hooks {
        () => {{
            let hookmask = thread.0.hookmask.get();
            hooked = hookmask != 0;
            // (Opaque to the optimiser: knowing it is 0 or MAX, it would test two flags per
            // instruction instead of comparing once.)
            hook_limit = std::hint::black_box(
                if hookmask & (super::hook::LINE | super::hook::COUNT) != 0 {
                    i64::MAX
                } else {
                    0
                },
            );
        }};
    }
    read_hooks!();
    'frame: loop {
        // (`nvarargs` and the interrupted instruction's progress are read from the frame
        // where needed: fewer values live across the loop.)
        // Only `cdata`, `code`, `base` and `pc` live across the dispatch loop; everything
        // else about the frame (constants, upvalues, the call slot, where results go) is
        // read again where it is used: every value live across the loop is loaded and
        // spilled on each frame entry (each Lua call and return), and the fewer there are,
        // the more of the hot ones the loop keeps in registers.
        let (closure, mut base, mut pc) = match ts.frames.last() {
            Some(Frame::Lua(f)) => (f.closure, f.base as usize, f.pc as usize),
            _ => return Err(LuaError::rt("internal error: no Lua frame")),
        };
        let mut cdata: &'gc ClosureData<'gc> = Gc::as_ref(closure.0);
        let mut code: &'gc [Op] = &Gc::as_ref(cdata.proto).proto.code;
        // Switches to another Lua frame (just pushed, or returned to after a plain `Call`)
        // without going through the top of `'frame`: nothing else about a frame lives in
        // locals, and there is nothing to finish.
        macro_rules! switch_to {
            ($closure:expr, $base:expr, $pc:expr) => {{
                let c: Closure<'gc> = $closure;
                cdata = Gc::as_ref(c.0);
                code = &Gc::as_ref(cdata.proto).proto.code;
                base = $base;
                pc = $pc;
                continue;
            }};
        }
        macro_rules! fp {
            () => {{
                let fp: &'gc FnProto<'gc> = Gc::as_ref(cdata.proto);
                fp
            }};
        }
        macro_rules! proto {
            () => {{
                let proto: &'gc crate::compiler::Proto = &fp!().proto;
                proto
            }};
        }
        macro_rules! upvals {
            () => {{
                let upvals: &'gc [Lock<Upvalue<'gc>>] = &cdata.upvalues;
                upvals
            }};
        }
        // The first slot above the frame's registers: metamethod and native calls go there.
        macro_rules! call_slot {
            () => {
                base + proto!().max_stack as usize
            };
        }
        // The running frame's function slot and wanted results (read before popping it).
        macro_rules! func_want {
            () => {
                match ts.frames.last() {
                    Some(Frame::Lua(f)) => (f.func as usize, f.want),
                    _ => return Err(LuaError::rt("internal error: no Lua frame")),
                }
            };
        }
        macro_rules! save_pc {
            () => {
                if let Some(Frame::Lua(f)) = ts.frames.last_mut() {
                    f.pc = pc as u32;
                }
            };
        }
        macro_rules! set_aux {
            ($v:expr) => {
                if let Some(Frame::Lua(f)) = ts.frames.last_mut() {
                    f.aux = (f.aux & super::thread::LuaFrame::TAIL) | $v as u32;
                }
            };
        }
        macro_rules! r {
            ($i:expr) => {
                ts.stack[base + $i as usize]
            };
        }
        macro_rules! kst {
            ($i:expr) => {
                fp!()
                    .constants
                    .get($i as usize)
                    .copied()
                    .unwrap_or(Value::Nil)
            };
        }
        macro_rules! flow {
            ($f:expr) => {
                match $f {
                    Flow::Lua { resuming: r } => {
                        read_hooks!();
                        resuming = r;
                        continue 'frame;
                    }
                    ev => return Ok(ev),
                }
            };
        }
        // Makes the hook call `hook::...` asked for (the frame's pc is already saved).
        macro_rules! hook_call {
            ($todo:expr) => {{
                let f = drive(ctx, thread, ts, fuel, $todo)?;
                flow!(f)
            }};
        }
        // Calls a metamethod with its result(s) delivered at `call_slot!()`.
        macro_rules! meta_call {
            ($mc:expr, $want:expr) => {{
                let mc: MetaCall<'gc> = $mc;
                save_pc!();
                let f = call_meta(ctx, thread, ts, fuel, &mc, call_slot!(), $want)?;
                flow!(f)
            }};
        }
        macro_rules! jump_next {
            () => {{
                match code.get(pc) {
                    Some(Op::Jmp { sj }) => pc = (pc as i64 + 1 + sj.get() as i64) as usize,
                    _ => return Err(LuaError::rt("internal error: expected jump")),
                }
            }};
        }
        macro_rules! cond_jump {
            ($cond:expr, $k:expr) => {{
                if $cond != $k {
                    pc += 1;
                } else {
                    jump_next!();
                }
            }};
        }
        macro_rules! arith_slow {
            ($op:expr, $x:expr, $y:expr, $i0:expr, $i1:expr) => {{
                save_pc!();
                let (x, y) = ($x, $y);
                match meta::arith(ctx, $op, x, y)? {
                    Ok(Meta::Done(v)) => v,
                    Ok(Meta::Call(mc)) => meta_call!(mc, 1),
                    Err(e) => return Err(arith_error(ctx, e, [x, y], [$i0, $i1])),
                }
            }};
        }
        // `$fi` (float, integer), when given, replaces `$fop` for that pair of operands.
        macro_rules! arith {
            ($a:expr, $x:expr, $y:expr, $op:expr, $iop:expr, $fop:expr, $i0:expr, $i1:expr $(, $fi:expr)?) => {{
                let (x, y) = ($x, $y);
                let v = match (x, y) {
                    (Value::Int(a), Value::Int(b)) => Value::Int($iop(a, b)),
                    (Value::Float(a), Value::Float(b)) => Value::float($fop(a.get(), b.get())),
                    (Value::Int(a), Value::Float(b)) => Value::float($fop(a as f64, b.get())),
                    (Value::Float(a), Value::Int(b)) => Value::float(($($fi,)? |x: f64, y: i64| $fop(x, y as f64),).0(a.get(), b)),
                    _ => arith_slow!($op, x, y, $i0, $i1),
                };
                r!($a) = v;
            }};
        }
        // Float-only arithmetic (`/`, `^`) and ops whose integer case can fail (`%`, `//`).
        macro_rules! arith_f {
            ($a:expr, $x:expr, $y:expr, $op:expr, $i0:expr, $i1:expr) => {{
                let (x, y) = ($x, $y);
                let v = match (x, y) {
                    (Value::Float(a), Value::Float(b)) => {
                        Value::float(meta::float_arith($op, a.get(), b.get()))
                    }
                    (Value::Int(a), Value::Int(b))
                        if b > 0 && matches!($op, ArithOp::Mod | ArithOp::IDiv) =>
                    {
                        // Positive divisor: no division by zero, no overflow.
                        if matches!($op, ArithOp::Mod) {
                            Value::Int(a.rem_euclid(b))
                        } else {
                            Value::Int(a.div_euclid(b))
                        }
                    }
                    _ => {
                        save_pc!();
                        match meta::arith_raw($op, x, y)? {
                            Some(v) => v,
                            None => arith_slow!($op, x, y, $i0, $i1),
                        }
                    }
                };
                r!($a) = v;
            }};
        }
        macro_rules! bitwise {
            ($a:expr, $x:expr, $y:expr, $op:expr, $iop:expr, $i0:expr, $i1:expr) => {{
                let (x, y) = ($x, $y);
                let v = match (x, y) {
                    (Value::Int(a), Value::Int(b)) => Value::Int($iop(a, b)),
                    _ => {
                        save_pc!();
                        match meta::arith_raw($op, x, y)? {
                            Some(v) => v,
                            None => arith_slow!($op, x, y, $i0, $i1),
                        }
                    }
                };
                r!($a) = v;
            }};
        }
        // The arithmetic instructions' operand shapes: registers `b` and `c` (`_rr`), or
        // register `b` and constant `c` (`_rk`), named as the error messages name them.
        macro_rules! arith_rr {
            ($a:expr, $b:expr, $c:expr, $op:ident, |$x:ident, $y:ident| $i:expr, |$u:ident, $v:ident| $f:expr) => {
                arith!(
                    $a,
                    r!($b),
                    r!($c),
                    ArithOp::$op,
                    |$x: i64, $y: i64| $i,
                    |$u: f64, $v: f64| $f,
                    reg_info(proto!(), pc - 1, $b),
                    reg_info(proto!(), pc - 1, $c)
                )
            };
        }
        macro_rules! arith_rk {
            ($a:expr, $b:expr, $c:expr, $op:ident, |$x:ident, $y:ident| $i:expr, |$u:ident, $v:ident| $f:expr $(, $fi:expr)?) => {
                arith!(
                    $a,
                    r!($b),
                    kst!($c),
                    ArithOp::$op,
                    |$x: i64, $y: i64| $i,
                    |$u: f64, $v: f64| $f,
                    reg_info(proto!(), pc - 1, $b),
                    String::new() $(, $fi)?
                )
            };
        }
        macro_rules! arith_f_rr {
            ($a:expr, $b:expr, $c:expr, $op:ident) => {
                arith_f!(
                    $a,
                    r!($b),
                    r!($c),
                    ArithOp::$op,
                    reg_info(proto!(), pc - 1, $b),
                    reg_info(proto!(), pc - 1, $c)
                )
            };
        }
        macro_rules! arith_f_rk {
            ($a:expr, $b:expr, $c:expr, $op:ident) => {
                arith_f!(
                    $a,
                    r!($b),
                    kst!($c),
                    ArithOp::$op,
                    reg_info(proto!(), pc - 1, $b),
                    String::new()
                )
            };
        }
        macro_rules! bitwise_rr {
            ($a:expr, $b:expr, $c:expr, $op:ident, |$x:ident, $y:ident| $i:expr) => {
                bitwise!(
                    $a,
                    r!($b),
                    r!($c),
                    ArithOp::$op,
                    |$x: i64, $y: i64| $i,
                    reg_info(proto!(), pc - 1, $b),
                    reg_info(proto!(), pc - 1, $c)
                )
            };
        }
        macro_rules! bitwise_rk {
            ($a:expr, $b:expr, $c:expr, $op:ident, |$x:ident, $y:ident| $i:expr) => {
                bitwise!(
                    $a,
                    r!($b),
                    kst!($c),
                    ArithOp::$op,
                    |$x: i64, $y: i64| $i,
                    reg_info(proto!(), pc - 1, $b),
                    String::new()
                )
            };
        }
        macro_rules! get_index {
            ($a:expr, $obj:expr, $key:expr, $info:expr) => {{
                let (obj, key) = ($obj, $key);
                let fast = if let Value::Table(t) = obj {
                    let (v, has_meta) = t.get_and_meta(ctx.mc, key);
                    if !v.is_nil() || !has_meta {
                        Some(v)
                    } else {
                        None
                    }
                } else {
                    None
                };
                match fast {
                    Some(v) => r!($a) = v,
                    None => index_slow!($a, obj, key, $info),
                }
            }};
        }
        // `get_index!` when the key is constant `$c`: a string key is looked up through the
        // constant's position hint (see `TableData::get_str_hinted`).
        macro_rules! get_field {
            ($a:expr, $obj:expr, $c:expr, $info:expr) => {{
                let (obj, key) = ($obj, kst!($c));
                let fast = match (obj, key, fp!().key_hints.get($c as usize)) {
                    (Value::Table(t), Value::Str(s), Some(hint)) => t.get_field(ctx, s, hint, fuel),
                    (Value::Table(t), _, _) => {
                        let (v, has_meta) = t.get_and_meta(ctx.mc, key);
                        if !v.is_nil() || !has_meta {
                            Some(v)
                        } else {
                            None
                        }
                    }
                    _ => None,
                };
                match fast {
                    Some(v) => r!($a) = v,
                    // The constant's hint serves the `__index` chain too: a key the object
                    // lacks (a method) is usually found in its class, at the class's position.
                    None => index_slow!($a, obj, key, $info, fp!().key_hints.get($c as usize)),
                }
            }};
        }
        // `get_index!` for an integer key.
        macro_rules! get_int {
            ($a:expr, $obj:expr, $i:expr, $info:expr) => {{
                let (obj, i): (Value<'gc>, i64) = ($obj, $i);
                let fast = if let Value::Table(t) = obj {
                    t.get_index_int(ctx.mc, i)
                } else {
                    None
                };
                match fast {
                    Some(v) => r!($a) = v,
                    None => index_slow!($a, obj, Value::Int(i), $info),
                }
            }};
        }
        // `set_index!` for an integer key: a slot of the array part is stored directly.
        macro_rules! set_int {
            ($obj:expr, $i:expr, $val:expr, $info:expr) => {{
                let (obj, i, val): (Value<'gc>, i64, Value<'gc>) = ($obj, $i, $val);
                let done = match obj {
                    Value::Table(t) => t.set_index_int(ctx.mc, i, val),
                    _ => false,
                };
                if !done {
                    set_index!(obj, Value::Int(i), val, $info);
                }
            }};
        }
        macro_rules! index_slow {
            ($a:expr, $obj:expr, $key:expr, $info:expr) => {{
                index_slow!($a, $obj, $key, $info, None)
            }};
            ($a:expr, $obj:expr, $key:expr, $info:expr, $hint:expr) => {{
                let (obj, key) = ($obj, $key);
                save_pc!();
                // (A table here missed at `key` and has a metatable: see the callers.)
                let found = match obj {
                    Value::Table(t) => meta::index_charged_missed(ctx, t, key, $hint, fuel)?,
                    _ => meta::index_charged(ctx, obj, key, $hint, fuel)?,
                };
                match found {
                    Index::Value(v) => r!($a) = v,
                    Index::Call(mc) => meta_call!(mc, 1),
                    Index::NotIndexable => return Err(type_error(ctx, "index", obj, $info)),
                }
            }};
        }
        // `set_index!` when the key is constant `$b`: an existing string key is stored through
        // the constant's position hint.
        macro_rules! set_field {
            ($obj:expr, $b:expr, $val:expr, $info:expr) => {{
                let (obj, key, val) = ($obj, kst!($b), $val);
                let done = match (obj, key, fp!().key_hints.get($b as usize)) {
                    (Value::Table(t), Value::Str(s), Some(hint)) => {
                        t.set_field(ctx.mc, s, hint, val)
                    }
                    _ => false,
                };
                if !done {
                    set_index!(obj, key, val, $info);
                }
            }};
        }
        macro_rules! set_index {
            ($obj:expr, $key:expr, $val:expr, $info:expr) => {{
                let (obj, key, val) = ($obj, $key, $val);
                let done = if let Value::Table(t) = obj {
                    let mut tb = t.data_mut(ctx.mc);
                    if tb.meta.is_none() {
                        save_pc!();
                        tb.set(key, val)
                            .map_err(|e| ctx.table_store_error(e, true, LuaError::Runtime))?;
                        true
                    } else {
                        false
                    }
                } else {
                    false
                };
                if !done {
                    save_pc!();
                    match meta::new_index_charged(ctx, obj, key, val, true, fuel)? {
                        NewIndex::Done => {}
                        NewIndex::Call(mc) => meta_call!(mc, 0),
                        NewIndex::NotIndexable => return Err(type_error(ctx, "index", obj, $info)),
                    }
                }
            }};
        }
        macro_rules! compare {
            ($x:expr, $y:expr, $le:expr, $k:expr) => {{
                let (x, y) = ($x, $y);
                let fast = if $le {
                    meta::num_le(x, y)
                } else {
                    meta::num_lt(x, y)
                };
                let res = match fast {
                    Some(b) => b,
                    None => {
                        save_pc!();
                        if let (Value::Str(p), Value::Str(q)) = (x, y) {
                            fuel.charge(long_compare_cost(p.len().min(q.len())));
                        }
                        match meta::less(ctx, x, y, $le) {
                            Ok(Meta::Done(b)) => b,
                            Ok(Meta::Call(mc)) => {
                                set_aux!(0);
                                meta_call!(mc, 1)
                            }
                            Err(e) => {
                                if $le {
                                    if let Some(mc) = meta::le_fallback(ctx, x, y) {
                                        set_aux!(1);
                                        meta_call!(mc, 1)
                                    }
                                }
                                return Err(e);
                            }
                        }
                    }
                };
                cond_jump!(res, $k);
            }};
        }
        // Delivers `n` results (already at `frame_func`) to the caller; Lua callers inline.
        macro_rules! return_to {
            ($n:expr, $frame_func:expr, $want:expr) => {{
                let (n, frame_func, want): (usize, usize, i32) = ($n, $frame_func, $want);
                if let Some(&Frame::Lua(cf)) = ts.frames.last() {
                    let proto = cf.closure.proto();
                    let needed = cf.base as usize + proto.max_stack as usize + 1;
                    if want >= 0 && want as usize == n {
                        // Exactly the results wanted, already in place: nothing to fill.
                        ts.top = (frame_func + n) as u32;
                    } else {
                        lua_results(ts, frame_func, n, want);
                    }
                    ts.grow_stack(needed);
                    if let Some(Op::Call { .. }) = proto.code.get((cf.pc as usize).wrapping_sub(1))
                    {
                        // Back from a plain call: nothing to finish.
                        switch_to!(cf.closure, cf.base as usize, cf.pc as usize);
                    }
                    resuming = true;
                    continue 'frame;
                }
                let f = super::callback::deliver(ctx, thread, ts, fuel, frame_func, n, want)?;
                flow!(f)
            }};
        }
        // Returns `n` values starting at absolute slot `first` from this frame (`$resume`:
        // finishing a tail call to a native, resumed after it returned).
        macro_rules! do_return {
            ($first:expr, $n:expr, $resume:expr) => {{
                let (first, n): (usize, usize) = ($first, $n);
                if ts.tbc.last().is_some_and(|&s| s as usize >= base) {
                    // Run pending `__close` handlers first; the Return is re-executed after each.
                    set_aux!(n);
                    save_pc!();
                    let slot = ts.tbc.pop().unwrap_or(0) as usize;
                    // (Popped first: a close call that overflows is not retried, as in Lua.)
                    ts.enter_c_call(ctx)?;
                    let v = ts.stack[slot];
                    let tm = ctx.metamethod(v, Tm::Close);
                    let at = call_slot!().max(first + n);
                    ts.stack.truncate(at);
                    ts.stack.extend_from_slice(&[tm, v, Value::Nil]);
                    let f = drive(ctx, thread, ts, fuel, Todo::Call { func: at, nargs: 2, want: 0 })?;
                    flow!(f)
                }
                if hooked {
                    save_pc!();
                    if let Some(t) = super::hook::on_return(ctx, thread, ts, fuel, pc - 1, first, n, call_slot!(), $resume) {
                        hook_call!(t)
                    }
                }
                if ts.open_upvalues.last().is_some_and(|u| matches!(u.get(), UpState::Open { slot, .. } if slot as usize >= base)) {
                    close_upvalues(ctx, ts, base);
                }
                if first + n > ts.stack.len() {
                    return Err(LuaError::rt("internal error: return values out of the stack"));
                }
                let (frame_func, want) = func_want!();
                ts.stack.copy_within(first..first + n, frame_func);
                ts.pop_frame();
                return_to!(n, frame_func, want)
            }};
        }

        // Runs `fast::hot` from `pc` in the top frame (of `$cdata`, at `$base`): where it
        // stopped, in this frame, or in another one it called or returned to.
        macro_rules! run_hot {
            ($calls:literal, $methods:expr, $cdata:expr, $base:expr, $pc:expr) => {{
                let (p, rem, switched) = super::fast::enter::<$calls>(
                    ctx.mc,
                    Some(ctx.state),
                    $methods,
                    thread,
                    $cdata,
                    ts,
                    $base,
                    $pc,
                    fuel.remaining(),
                );
                fuel.remaining = rem;
                if switched {
                    resuming = false;
                    continue 'frame;
                }
                pc = p;
            }};
        }

        // After a backward jump: runs the loop in `fast::hot` when its next instructions are
        // ones `hot` runs (see `fast`).
        macro_rules! loop_back {
            () => {{
                // (A loop found not worth it is skipped for a while: see `State::cold_loops`.)
                let head = code.as_ptr().wrapping_add(pc) as usize;
                let slot = &ctx.state.cold_loops[(head >> 2) & 3];
                let cold = slot.get();
                if cold.1 > 0 && cold.0 == head {
                    slot.set((head, cold.1 - 1));
                } else if !hooked {
                    let mut ran = -1;
                    if super::fast::worth(code, pc) {
                        let before = fuel.remaining();
                        run_hot!(false, false, cdata, base, pc);
                        ran = before - fuel.remaining();
                    }
                    if super::fast::cool(code, pc, ran) {
                        slot.set((head, super::fast::COOLDOWN));
                    }
                }
            }};
        }

        // Calls `stack[func]` if it is a native and no hook is set, taking its results here
        // (see `finish::call_native`); anything else the native asks for goes to `drive`.
        macro_rules! call_native {
            ($func:expr, $nargs:expr, $want:expr, $reenter:expr) => {{
                let (func, nargs, want): (usize, usize, i32) = ($func, $nargs, $want);
                if !hooked {
                    if let Some(nf) = NativeRef::of(ts.stack[func]) {
                        // `math.abs(x)`, `math.max(x, y)`: in place (see `fast::light_native`).
                        if $reenter
                            && nargs.wrapping_sub(1) < 2
                            && want == 1
                            && matches!(nf, NativeRef::Light(l) if super::light::may_be_light(l.0))
                            && super::fast::light_native(ts, func, nargs, call_slot!() + 1, fuel)
                        {
                            if super::fast::worth_after_call_cached(
                                &ctx.state.after_call,
                                code,
                                pc,
                            ) {
                                run_hot!(false, false, cdata, base, pc);
                            }
                            continue;
                        }
                        // `coroutine.resume` or `yield` from a `Call`: the switch at once,
                        // when it can be made so (see `switch_call`); `pcall(f, ...)`: the
                        // call of `f` at once (see `callback::pcall_at_call`). (One test of
                        // the native for the three: a test of its own for `pcall` cost the
                        // other natives' calls ~7 machine instructions each. Here, not in
                        // `call_native`: entering that function cost each `pcall` ~70.)
                        if $reenter && super::callback::is_special(nf) {
                            if let Some(f) = super::callback::special_call(
                                ctx, thread, ts, fuel, nf, func, nargs, want,
                            )? {
                                flow!(f)
                            }
                        }
                        let flow = call_native(
                            ctx,
                            thread,
                            ts,
                            fuel,
                            nf,
                            func,
                            nargs,
                            want,
                            call_slot!(),
                        )?;
                        match flow {
                            None => {
                                read_hooks!();
                                // Back in a loop's body (a `sqrt` in the middle of float
                                // code): the rest of it runs in `fast::hot` too, not only
                                // from the next loop head on.
                                if $reenter
                                    && !hooked
                                    && super::fast::worth_after_call_cached(
                                        &ctx.state.after_call,
                                        code,
                                        pc,
                                    )
                                {
                                    run_hot!(false, false, cdata, base, pc);
                                }
                                continue;
                            }
                            Some(f) => flow!(f),
                        }
                    }
                }
            }};
        }

        // A `TailCall` to `stack[func]` if it is a native and no hook is set, in one go: what
        // `tail_call_general` does for a native (close the frame's upvalues; no frame to make
        // room for), the call, and when it returns, what re-entering the frame for
        // `finish_op` would do (return its results), without leaving this loop.
        macro_rules! tail_native {
            ($func:expr, $nargs:expr) => {{
                let (func, nargs): (usize, usize) = ($func, $nargs);
                if !hooked {
                    if let Some(nf) = NativeRef::of(ts.stack[func]) {
                        if ts.open_upvalues.last().is_some_and(|u| {
                            matches!(u.get(), UpState::Open { slot, .. } if slot as usize >= base)
                        }) {
                            close_upvalues(ctx, ts, base);
                        }
                        let at = call_slot!();
                        let todo =
                            call_native_outlined(ctx, thread, ts, fuel, nf, func, nargs, -1, at)?;
                        if let Some(todo) = todo {
                            let f = drive(ctx, thread, ts, fuel, todo)?;
                            flow!(f)
                        }
                        read_hooks!();
                        ts.trim_c_calls(ts.frames.len());
                        let n = (ts.top as usize).min(ts.stack.len()).saturating_sub(func);
                        do_return!(func, n, true);
                    }
                }
            }};
        }

        // (`resuming` is re-set by every path that re-enters the frame loop.)
        // A call made by the instruction before `pc` has returned: finish that instruction
        // (`finish::finish_op`; nothing to do after a plain `Call`, the common case, tested
        // first).
        let op = if resuming {
            code.get(pc.wrapping_sub(1)).copied()
        } else {
            None
        };
        // (Only instructions of the `[C]` mode suspend a frame; the restorer checks the same.)
        debug_assert!(op.is_none_or(|op| op.mode().calls));
        if resuming && !matches!(op, Some(Op::Call { .. })) {
            match finish_op(ctx, thread, ts, fuel, op, pc, base, call_slot!(), hooked)? {
                Finish::Done => {}
                Finish::Again => pc -= 1,
                Finish::CondJump { res, k } => cond_jump!(res, k),
                // (Here `switch_to!`'s `continue` re-enters `'frame`, which reads the same
                // frame again: its assignments are dead, not wrong.)
                #[allow(unused_assignments)]
                Finish::Return { first, n } => do_return!(first, n, true),
                Finish::Call(mc) => meta_call!(mc, 1),
            }
        }

        loop {
            if fuel.remaining() <= hook_limit {
                if fuel.is_exhausted() {
                    save_pc!();
                    return Ok(Flow::Event(Event::OutOfFuel));
                }
                if let Some(t) =
                    super::hook::before_instruction(ctx, thread, ts, fuel, pc, call_slot!())
                {
                    hook_call!(t)
                }
            }
            // Not exhausted: checked above (`hook_limit` is at least 0).
            fuel.charge_unexhausted(fuelc::INSTRUCTION);
            let Some(&op) = code.get(pc) else {
                return Err(LuaError::rt("internal error: pc out of range"));
            };
            pc += 1;
            match op {
                Op::Move { a, b } => r!(a) = r!(b),
                Op::LoadI { a, sbx } => r!(a) = Value::Int(sbx as i64),
                Op::LoadF { a, sbx } => r!(a) = Value::float(sbx as f64),
                Op::LoadK { a, bx } => r!(a) = kst!(bx),
                Op::LoadKX { a } => {
                    let idx = match code.get(pc) {
                        Some(Op::ExtraArg { ax }) => ax.get(),
                        _ => 0,
                    };
                    pc += 1;
                    r!(a) = kst!(idx);
                }
                Op::LoadFalse { a } => r!(a) = Value::False,
                Op::LFalseSkip { a } => {
                    r!(a) = Value::False;
                    pc += 1;
                }
                Op::LoadTrue { a } => r!(a) = Value::True,
                Op::LoadNil { a, b } => {
                    for i in 0..=b as usize {
                        r!(a as usize + i) = Value::Nil;
                    }
                }
                Op::GetUpval { a, b } => {
                    let uv = upvals!()[b as usize].get();
                    r!(a) = upval_get(thread, ts, uv);
                }
                Op::SetUpval { a, b } => {
                    let uv = upvals!()[b as usize].get();
                    let v = r!(a);
                    upval_set(ctx, thread, ts, uv, v);
                }
                Op::GetTabUp { a, b, c } => {
                    let obj = upval_get(thread, ts, upvals!()[b as usize].get());
                    get_field!(a, obj, c, upval_info(proto!(), b));
                }
                Op::GetTable { a, b, c } => {
                    let (obj, key) = (r!(b), r!(c));
                    if let Value::Int(i) = key {
                        get_int!(a, obj, i, reg_info(proto!(), pc - 1, b));
                    } else {
                        get_index!(a, obj, key, reg_info(proto!(), pc - 1, b));
                    }
                }
                Op::GetI { a, b, c } => {
                    let obj = r!(b);
                    get_int!(a, obj, c as i64, reg_info(proto!(), pc - 1, b));
                }
                Op::GetField { a, b, c } => {
                    let obj = r!(b);
                    get_field!(a, obj, c, reg_info(proto!(), pc - 1, b));
                }
                Op::SetTabUp { a, b, c } => {
                    let obj = upval_get(thread, ts, upvals!()[a as usize].get());
                    set_field!(obj, b, r!(c), upval_info(proto!(), a));
                }
                Op::SetTabUpK { a, b, c } => {
                    let obj = upval_get(thread, ts, upvals!()[a as usize].get());
                    set_field!(obj, b, kst!(c), upval_info(proto!(), a));
                }
                Op::SetTable { a, b, c } => {
                    if let Value::Int(i) = r!(b) {
                        set_int!(r!(a), i, r!(c), reg_info(proto!(), pc - 1, a));
                    } else {
                        set_index!(r!(a), r!(b), r!(c), reg_info(proto!(), pc - 1, a));
                    }
                }
                Op::SetTableK { a, b, c } => {
                    set_index!(r!(a), r!(b), kst!(c), reg_info(proto!(), pc - 1, a));
                }
                Op::SetI { a, b, c } => {
                    set_int!(r!(a), b as i64, r!(c), reg_info(proto!(), pc - 1, a));
                }
                Op::SetIK { a, b, c } => {
                    set_int!(r!(a), b as i64, kst!(c), reg_info(proto!(), pc - 1, a));
                }
                Op::SetField { a, b, c } => {
                    set_field!(r!(a), b, r!(c), reg_info(proto!(), pc - 1, a));
                }
                Op::SetFieldK { a, b, c } => {
                    set_field!(r!(a), b, kst!(c), reg_info(proto!(), pc - 1, a));
                }
                Op::NewTable { a, b } => {
                    let array = match code.get(pc) {
                        Some(Op::ExtraArg { ax }) => ax.get() as usize,
                        _ => 0,
                    };
                    pc += 1;
                    let hash = if b == 0 { 0 } else { 1usize << (b - 1).min(30) };
                    if !super::memory::fits(TableData::new_bytes(array, hash)) {
                        // Retried from this instruction, not its `ExtraArg`.
                        pc -= 1;
                        save_pc!();
                        return Err(ctx.out_of_memory(true));
                    }
                    r!(a) = Value::Table(ctx.new_table_sized(array, hash));
                    fuel.charge(new_table_cost(array, hash));
                }
                Op::SelfK { a, b, c } => {
                    let obj = r!(b);
                    r!(a as usize + 1) = obj;
                    get_field!(a, obj, c, reg_info(proto!(), pc - 1, b));
                }
                Op::AddI { a, b, sc } => {
                    let info = || reg_info(proto!(), pc - 1, b);
                    arith!(
                        a,
                        r!(b),
                        Value::Int(sc as i64),
                        ArithOp::Add,
                        |x: i64, y: i64| x.wrapping_add(y),
                        |x: f64, y: f64| x + y,
                        info(),
                        String::new()
                    )
                }
                Op::AddK { a, b, c } => {
                    arith_rk!(a, b, c, Add, |x, y| x.wrapping_add(y), |x, y| x + y)
                }
                Op::SubK { a, b, c } => {
                    let fi = number::float_minus_int_constant;
                    arith_rk!(a, b, c, Sub, |x, y| x.wrapping_sub(y), |x, y| x - y, fi)
                }
                Op::MulK { a, b, c } => {
                    arith_rk!(a, b, c, Mul, |x, y| x.wrapping_mul(y), |x, y| x * y)
                }
                Op::ModK { a, b, c } => arith_f_rk!(a, b, c, Mod),
                Op::PowK { a, b, c } => arith_f_rk!(a, b, c, Pow),
                Op::DivK { a, b, c } => arith_f_rk!(a, b, c, Div),
                Op::IDivK { a, b, c } => arith_f_rk!(a, b, c, IDiv),
                Op::BAndK { a, b, c } => bitwise_rk!(a, b, c, BAnd, |x, y| x & y),
                Op::BOrK { a, b, c } => bitwise_rk!(a, b, c, BOr, |x, y| x | y),
                Op::BXorK { a, b, c } => bitwise_rk!(a, b, c, BXor, |x, y| x ^ y),
                Op::ShrI { a, b, sc } => bitwise!(
                    a,
                    r!(b),
                    Value::Int(sc as i64),
                    ArithOp::Shr,
                    |x: i64, y: i64| number::shift_left(x, y.wrapping_neg()),
                    reg_info(proto!(), pc - 1, b),
                    String::new()
                ),
                Op::ShlI { a, b, sc } => bitwise!(
                    a,
                    Value::Int(sc as i64),
                    r!(b),
                    ArithOp::Shl,
                    |x: i64, y: i64| number::shift_left(x, y),
                    String::new(),
                    reg_info(proto!(), pc - 1, b)
                ),
                Op::Add { a, b, c } => {
                    arith_rr!(a, b, c, Add, |x, y| x.wrapping_add(y), |x, y| x + y)
                }
                Op::Sub { a, b, c } => {
                    arith_rr!(a, b, c, Sub, |x, y| x.wrapping_sub(y), |x, y| x - y)
                }
                Op::Mul { a, b, c } => {
                    arith_rr!(a, b, c, Mul, |x, y| x.wrapping_mul(y), |x, y| x * y)
                }
                Op::Mod { a, b, c } => arith_f_rr!(a, b, c, Mod),
                Op::Pow { a, b, c } => arith_f_rr!(a, b, c, Pow),
                Op::Div { a, b, c } => arith_f_rr!(a, b, c, Div),
                Op::IDiv { a, b, c } => arith_f_rr!(a, b, c, IDiv),
                Op::BAnd { a, b, c } => bitwise_rr!(a, b, c, BAnd, |x, y| x & y),
                Op::BOr { a, b, c } => bitwise_rr!(a, b, c, BOr, |x, y| x | y),
                Op::BXor { a, b, c } => bitwise_rr!(a, b, c, BXor, |x, y| x ^ y),
                Op::Shl { a, b, c } => bitwise_rr!(a, b, c, Shl, |x, y| number::shift_left(x, y)),
                Op::Shr { a, b, c } => {
                    bitwise_rr!(a, b, c, Shr, |x, y| number::shift_left(x, y.wrapping_neg()))
                }
                Op::Unm { a, b } => {
                    let v = match r!(b) {
                        Value::Int(i) => Value::Int(i.wrapping_neg()),
                        Value::Float(f) => Value::float(-f.get()),
                        x => arith_slow!(
                            ArithOp::Unm,
                            x,
                            x,
                            reg_info(proto!(), pc - 1, b),
                            reg_info(proto!(), pc - 1, b)
                        ),
                    };
                    r!(a) = v;
                }
                Op::BNot { a, b } => {
                    let v = match r!(b) {
                        Value::Int(i) => Value::Int(!i),
                        x => {
                            save_pc!();
                            match meta::arith_raw(ArithOp::BNot, x, x)? {
                                Some(v) => v,
                                None => arith_slow!(
                                    ArithOp::BNot,
                                    x,
                                    x,
                                    reg_info(proto!(), pc - 1, b),
                                    reg_info(proto!(), pc - 1, b)
                                ),
                            }
                        }
                    };
                    r!(a) = v;
                }
                Op::Not { a, b } => r!(a) = Value::boolean(!r!(b).truthy()),
                Op::Len { a, b } => {
                    let v = r!(b);
                    let res = match v {
                        Value::Str(s) => Value::Int(s.len() as i64),
                        Value::Table(t) => {
                            let tm = match t.metatable() {
                                Some(mt) => mt.get_str(ctx.mc, ctx.tm(Tm::Len)),
                                None => Value::Nil,
                            };
                            if tm.is_nil() {
                                Value::Int(t.length(ctx.mc))
                            } else {
                                meta_call!(MetaCall::two(tm, v, v), 1)
                            }
                        }
                        _ => {
                            let tm = ctx.metamethod(v, Tm::Len);
                            if tm.is_nil() {
                                save_pc!();
                                return Err(type_error(
                                    ctx,
                                    "get length of",
                                    v,
                                    reg_info(proto!(), pc - 1, b),
                                ));
                            }
                            meta_call!(MetaCall::two(tm, v, v), 1)
                        }
                    };
                    r!(a) = res;
                }
                Op::Concat { a, b } => {
                    save_pc!();
                    let first = base + a as usize;
                    // An error names the operand Lua blames: the left one of the failing
                    // pair unless it is a string or a number.
                    let proto = proto!();
                    let name = |slot: usize| reg_info(proto, pc - 1, (slot - base) as u8);
                    let step =
                        concat_step_named(ctx, &mut ts.stack, first, b as usize, fuel, true, name);
                    if let Err((left, mc)) = step? {
                        // Remember how many operands remain for `finish_op`.
                        set_aux!(left);
                        meta_call!(mc, 1)
                    }
                }
                Op::Close { a } => {
                    let level = base + a as usize;
                    close_upvalues(ctx, ts, level);
                    if ts.tbc.last().is_some_and(|&s| s as usize >= level) {
                        save_pc!();
                        let slot = ts.tbc.pop().unwrap_or(0) as usize;
                        let v = ts.stack[slot];
                        let tm = ctx.metamethod(v, Tm::Close);
                        meta_call!(MetaCall::two(tm, v, Value::Nil), 0)
                    }
                }
                Op::Tbc { a } => {
                    let v = r!(a);
                    if v.truthy() {
                        if ctx.metamethod(v, Tm::Close).is_nil() {
                            save_pc!();
                            let name = proto!()
                                .local_name(a, pc - 1)
                                .map(|n| String::from_utf8_lossy(n).into_owned())
                                .unwrap_or_else(|| "?".into());
                            return Err(LuaError::rt(format!(
                                "variable '{name}' got a non-closable value"
                            )));
                        }
                        ts.tbc.push((base + a as usize) as u32);
                    }
                }
                Op::Jmp { sj } => {
                    pc = (pc as i64 + sj.get() as i64) as usize;
                    if sj.get() < 0 {
                        loop_back!();
                    }
                }
                Op::Eq { a, b, k: kk } => {
                    let (x, y) = (r!(a), r!(b));
                    let res = match (x, y) {
                        (Value::Int(p), Value::Int(q)) => p == q,
                        (Value::Str(p), Value::Str(q)) => {
                            if p.len() == q.len() && !Gc::ptr_eq(p.0, q.0) {
                                fuel.charge(long_compare_cost(p.len()));
                            }
                            p == q
                        }
                        (Value::Table(_), Value::Table(_))
                        | (Value::Userdata(_), Value::Userdata(_)) => {
                            save_pc!();
                            match meta::equals(ctx, x, y) {
                                Meta::Done(b) => b,
                                Meta::Call(mc) => {
                                    set_aux!(0);
                                    meta_call!(mc, 1)
                                }
                            }
                        }
                        _ => x.raw_eq(y),
                    };
                    cond_jump!(res, kk);
                }
                Op::Lt { a, b, k: kk } => compare!(r!(a), r!(b), false, kk),
                Op::Le { a, b, k: kk } => compare!(r!(a), r!(b), true, kk),
                Op::EqK { a, b, k: kk } => {
                    let res = r!(a).raw_eq(kst!(b));
                    cond_jump!(res, kk);
                }
                Op::EqI { a, sb, flags } => {
                    let res = match r!(a) {
                        Value::Int(i) => i == sb as i64,
                        Value::Float(f) => f.get() == sb as f64,
                        _ => false,
                    };
                    cond_jump!(res, flags & 1 != 0);
                }
                Op::LtI { a, sb, flags } => match r!(a) {
                    Value::Int(i) => {
                        let c = i < sb as i64;
                        cond_jump!(c, flags & 1 != 0)
                    }
                    Value::Float(f) => {
                        let c = f.get() < sb as f64;
                        cond_jump!(c, flags & 1 != 0)
                    }
                    x => {
                        let imm = if flags & 2 != 0 {
                            Value::float(sb as f64)
                        } else {
                            Value::Int(sb as i64)
                        };
                        compare!(x, imm, false, flags & 1 != 0)
                    }
                },
                Op::LeI { a, sb, flags } => match r!(a) {
                    Value::Int(i) => {
                        let c = i <= sb as i64;
                        cond_jump!(c, flags & 1 != 0)
                    }
                    Value::Float(f) => {
                        let c = f.get() <= sb as f64;
                        cond_jump!(c, flags & 1 != 0)
                    }
                    x => {
                        let imm = if flags & 2 != 0 {
                            Value::float(sb as f64)
                        } else {
                            Value::Int(sb as i64)
                        };
                        compare!(x, imm, true, flags & 1 != 0)
                    }
                },
                Op::GtI { a, sb, flags } => match r!(a) {
                    Value::Int(i) => {
                        let c = i > sb as i64;
                        cond_jump!(c, flags & 1 != 0)
                    }
                    Value::Float(f) => {
                        let c = f.get() > sb as f64;
                        cond_jump!(c, flags & 1 != 0)
                    }
                    x => {
                        let imm = if flags & 2 != 0 {
                            Value::float(sb as f64)
                        } else {
                            Value::Int(sb as i64)
                        };
                        compare!(imm, x, false, flags & 1 != 0)
                    }
                },
                Op::GeI { a, sb, flags } => match r!(a) {
                    Value::Int(i) => {
                        let c = i >= sb as i64;
                        cond_jump!(c, flags & 1 != 0)
                    }
                    Value::Float(f) => {
                        let c = f.get() >= sb as f64;
                        cond_jump!(c, flags & 1 != 0)
                    }
                    x => {
                        let imm = if flags & 2 != 0 {
                            Value::float(sb as f64)
                        } else {
                            Value::Int(sb as i64)
                        };
                        compare!(imm, x, true, flags & 1 != 0)
                    }
                },
                Op::Test { a, k: kk } => {
                    let c = r!(a).truthy();
                    cond_jump!(c, kk);
                }
                Op::TestSet { a, b, k: kk } => {
                    let v = r!(b);
                    if !v.truthy() == kk {
                        pc += 1;
                    } else {
                        r!(a) = v;
                        jump_next!();
                    }
                }
                Op::Call { a, b, c } => {
                    let func = base + a as usize;
                    let nargs = if b == 0 {
                        (ts.top as usize)
                            .min(ts.stack.len())
                            .saturating_sub(func + 1)
                    } else {
                        b as usize - 1
                    };
                    save_pc!();
                    if let Value::Function(callee) = ts.stack[func] {
                        // Lua-to-Lua call: push the frame and switch to it.
                        let new_base =
                            match push_lua_frame(ts, callee, func, nargs, c as i32 - 1, true) {
                                Ok(b) => b,
                                Err(e) => {
                                    return Err(match e {
                                        LuaError::RetryAfterGc => ctx.out_of_memory(true),
                                        e => e,
                                    })
                                }
                            };
                        if hooked {
                            if let Some(t) = super::hook::enter_lua(ctx, thread, ts, fuel) {
                                hook_call!(t)
                            }
                        } else {
                            let ccd: &'gc ClosureData<'gc> = Gc::as_ref(callee.0);
                            // (`hot` gains little on a function that starts with table
                            // accesses, less than entering it costs: see `Proto::light_start`.)
                            if Gc::as_ref(ccd.proto).proto.light_start {
                                run_hot!(true, proto!().calls_methods, ccd, new_base, 0);
                                switch_to!(callee, new_base, pc);
                            }
                        }
                        switch_to!(callee, new_base, 0);
                    }
                    call_native!(func, nargs, c as i32 - 1, true);
                    super::exec::call_chain_room(ctx, ts, func, func, nargs)?;
                    let f = drive(
                        ctx,
                        thread,
                        ts,
                        fuel,
                        Todo::Call {
                            func,
                            nargs,
                            want: c as i32 - 1,
                        },
                    )?;
                    flow!(f)
                }
                Op::TailCall { a, b } => {
                    let func = base + a as usize;
                    let nargs = if b == 0 {
                        (ts.top as usize)
                            .min(ts.stack.len())
                            .saturating_sub(func + 1)
                    } else {
                        b as usize - 1
                    };
                    save_pc!();
                    tail_native!(func, nargs);
                    if !hooked && super::exec::tail_call_lua(ctx, ts, base, func, nargs) {
                        resuming = false;
                        continue 'frame;
                    }
                    let Some(nargs) = super::exec::tail_call_general(ctx, ts, base, func, nargs)?
                    else {
                        if hooked {
                            if let Some(t) = super::hook::enter_lua(ctx, thread, ts, fuel) {
                                hook_call!(t)
                            }
                        }
                        resuming = false;
                        continue 'frame;
                    };
                    // (A native reached through `__call`.)
                    tail_native!(func, nargs);
                    let f = drive(
                        ctx,
                        thread,
                        ts,
                        fuel,
                        Todo::Call {
                            func,
                            nargs,
                            want: -1,
                        },
                    )?;
                    flow!(f)
                }
                Op::Return { a, b } => {
                    let first = base + a as usize;
                    let n = if b == 0 {
                        (ts.top as usize).min(ts.stack.len()).saturating_sub(first)
                    } else {
                        b as usize - 1
                    };
                    do_return!(first, n, false);
                }
                Op::Return0 {} => {
                    if hooked {
                        save_pc!();
                        if let Some(t) = super::hook::on_return(
                            ctx,
                            thread,
                            ts,
                            fuel,
                            pc - 1,
                            base,
                            0,
                            call_slot!(),
                            false,
                        ) {
                            hook_call!(t)
                        }
                    }
                    if ts.open_upvalues.last().is_some_and(
                        |u| matches!(u.get(), UpState::Open { slot, .. } if slot as usize >= base),
                    ) {
                        close_upvalues(ctx, ts, base);
                    }
                    let (frame_func, want) = func_want!();
                    ts.pop_frame();
                    return_to!(0, frame_func, want)
                }
                Op::Return1 { a } => {
                    if hooked {
                        save_pc!();
                        let first = base + a as usize;
                        if let Some(t) = super::hook::on_return(
                            ctx,
                            thread,
                            ts,
                            fuel,
                            pc - 1,
                            first,
                            1,
                            call_slot!(),
                            false,
                        ) {
                            hook_call!(t)
                        }
                    }
                    if ts.open_upvalues.last().is_some_and(
                        |u| matches!(u.get(), UpState::Open { slot, .. } if slot as usize >= base),
                    ) {
                        close_upvalues(ctx, ts, base);
                    }
                    // (Everything read from the frames before the result is stored: a store
                    // to the stack makes the compiler read the frame list again.)
                    let v = r!(a);
                    let (frame_func, want) = func_want!();
                    ts.pop_frame();
                    if let (1, Some(&Frame::Lua(cf))) = (want, ts.frames.last()) {
                        // One result for a Lua caller: `return_to!` without its general cases.
                        let proto = cf.closure.proto();
                        ts.grow_stack(cf.base as usize + proto.max_stack as usize + 1);
                        ts.stack[frame_func] = v;
                        ts.top = (frame_func + 1) as u32;
                        let back = (cf.pc as usize).wrapping_sub(1);
                        if let Some(Op::Call { .. }) = proto.code.get(back) {
                            switch_to!(cf.closure, cf.base as usize, cf.pc as usize);
                        }
                        resuming = true;
                        continue 'frame;
                    }
                    ts.stack[frame_func] = v;
                    return_to!(1, frame_func, want)
                }
                Op::ForLoop { a, bx } => {
                    let ra = base + a as usize;
                    // (One bounds check for the four slots.)
                    let Some(fs) = ts.stack.get_mut(ra..ra + 4) else {
                        return Err(LuaError::rt("internal error: bad for loop state"));
                    };
                    match (fs[0], fs[1], fs[2]) {
                        (Value::Int(idx), Value::Int(count), Value::Int(step)) => {
                            if count as u64 > 0 {
                                let idx = idx.wrapping_add(step);
                                fs[1] = Value::Int((count as u64 - 1) as i64);
                                fs[0] = Value::Int(idx);
                                fs[3] = Value::Int(idx);
                                pc -= bx as usize;
                                loop_back!();
                            }
                        }
                        (Value::Float(idx), Value::Float(limit), Value::Float(step)) => {
                            let (step, limit) = (step.get(), limit.get());
                            let idx = idx.get() + step;
                            if if 0.0 < step {
                                idx <= limit
                            } else {
                                limit <= idx
                            } {
                                fs[0] = Value::float(idx);
                                fs[3] = Value::float(idx);
                                pc -= bx as usize;
                                loop_back!();
                            }
                        }
                        _ => return Err(LuaError::rt("internal error: bad for loop state")),
                    }
                }
                Op::ForPrep { a, bx } => {
                    save_pc!();
                    let ra = base + a as usize;
                    if for_prep(ctx, &mut ts.stack[ra..ra + 4])? {
                        pc += bx as usize + 1;
                    }
                }
                Op::TForPrep { a, bx } => {
                    let slot = base + a as usize + 3;
                    let v = ts.stack[slot];
                    if v.truthy() {
                        if ctx.metamethod(v, Tm::Close).is_nil() {
                            save_pc!();
                            return Err(LuaError::rt(
                                "variable '(for state)' got a non-closable value",
                            ));
                        }
                        ts.tbc.push(slot as u32);
                    }
                    pc += bx as usize;
                }
                Op::TForCall { a, c } => {
                    let ra = base + a as usize;
                    ts.stack.copy_within(ra..ra + 3, ra + 4);
                    if !hooked
                        && super::finish::tfor_next(ts, fuel, ra + 4, c as usize, call_slot!())
                    {
                        continue;
                    }
                    save_pc!();
                    ts.enter_c_call(ctx)?;
                    call_native!(ra + 4, 2, c as i32, false);
                    let f = drive(
                        ctx,
                        thread,
                        ts,
                        fuel,
                        Todo::Call {
                            func: ra + 4,
                            nargs: 2,
                            want: c as i32,
                        },
                    )?;
                    flow!(f)
                }
                Op::TForLoop { a, bx } => {
                    let ra = base + a as usize;
                    let v = ts.stack[ra + 4];
                    if !v.is_nil() {
                        ts.stack[ra + 2] = v;
                        pc -= bx as usize;
                        loop_back!();
                    }
                }
                Op::SetList { a, b } => {
                    if let Err(e) = set_list(ctx, ts, fuel, code, &mut pc, base + a as usize, b) {
                        save_pc!();
                        return Err(e);
                    }
                }
                Op::Closure { a, bx } => {
                    r!(a) = new_closure(ctx, thread, ts, fuel, cdata, base, bx)?;
                }
                Op::Vararg { a, c } => {
                    let np = proto!().num_params as usize;
                    if let Err(e) = vararg(ts, fuel, np, base + a as usize, c) {
                        save_pc!();
                        return Err(e);
                    }
                }
                Op::ExtraArg { .. } => {}
            }
        }
    }
}
