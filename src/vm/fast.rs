//! The interpreter's small loop: the common cases of the common instructions, with few
//! values live across it.
//!
//! # Design
//! `interp::execute` handles every instruction in every case, and is so large that the
//! register allocator keeps its loop's state (`pc`, the fuel counter, the code's bounds, the
//! stack) in stack slots: ~20 instructions of dispatch per bytecode, and ~5 more per
//! register access. [`hot`] does only what calls nothing: integer and float arithmetic and
//! comparisons, moves and constants, jumps and numeric `for` loops, upvalues, and table
//! reads and writes that hit at once (a constant key at its position hint, an integer key
//! in the array part). With no call in its loop, its state (the code, `pc`, the fuel, the
//! registers) stays in registers.
//!
//! Anything else *bails*: `hot` returns before the instruction, having changed nothing for
//! it (its fuel not charged, `pc` on it), and `execute` runs it. So every instruction
//! behaves exactly as `execute` makes it behave, errors and their messages included; `hot`
//! is only a shortcut for some of its cases, charging the same fuel (one unit per
//! instruction) at the same points. It never runs while a hook is set.
//!
//! Entering and leaving `hot` costs about as much as a few instructions save in it, so
//! `execute` enters it only at a loop's head (after a backward jump) when the next
//! instructions are ones it runs ([`worth`]), and passes a loop by for a while when `hot`
//! stopped there at once ([`cool`]): straight-line code between calls, and loops that need
//! `execute` at every turn, stay in `execute`. Measured with callgrind (fast profile, the
//! bench programs): integer and float loops −22–26% instructions, array loops −16%, call-
//! and allocation-heavy programs within ±3%.
//!
//! # Calls
//! `hot::<true>` also makes Lua-to-Lua calls, tail calls and returns in their common cases
//! (the fast paths of `execute`'s `Call`, `TailCall`, `Return0` and `Return1`, when the stack
//! and frame list need no growth, there is no upvalue to close and the caller made a plain
//! `Call`), pushing and popping real frames as `execute` does, so a snapshot or an error at
//! any point sees the same frames. `execute` enters it at a call of a function that starts
//! with light instructions and has no loop (`Proto::light_start`: recursive and small
//! functions), and it then runs through their calls and returns, and on in their callers,
//! until something it leaves to `execute`. It reports that it stopped in another frame than
//! the one it was entered in (another closure or base), having saved that frame's `pc`, and
//! `execute` re-enters the top frame. Its register accesses index the whole stack (`base + i`), which costs loops ~8%, so
//! loops entered at their head run in `hot::<false>`, which indexes the frame's window and
//! leaves every call and return to `execute`. Measured with callgrind (release, the scaled
//! bench programs): fib −14%, closures −14%, the others within ±1.5%.
//!
//! A loop in a function with an upvalue open below its frame (a local of an enclosing
//! function still running, as `nbody`'s `bodies` and `sqrt` in the main chunk) runs in
//! `hot::<false, true>`, which also keeps the stack below the window at hand for those
//! upvalues; `hot::<false, false>` could not read them and left the rest of each turn to
//! `execute` (callgrind, scaled `nbody`: 402.6M -> 387.9M instructions). Other loops keep
//! `hot::<false, false>`, as the slice below costs them 2-4% (registers).
//!
//! That variant is entered through [`run_below`](enter::run_below), which also runs the light natives it
//! stops at (`math.sqrt`, `math.abs` of a number, one result: see `vm::light`) in place and
//! enters it again (callgrind, scaled `nbody`: 371.8M -> 346.2M instructions). The other
//! variants stop at such calls as at any call: the test, in their loop or on their way
//! out, cost their programs more than it saved (see [`run_below`](enter::run_below)). `execute` then makes
//! such a call in place too ([`light_native`], out of line: ~80 machine instructions a
//! call, the native's work included, ~180 fewer than the general call, `run_native` and
//! its way back), as `math.abs(self.x)` in a method (callgrind, release, scaled bench
//! programs: oop -3.5%, nbody -0.8%, table_lib +0.6%: its `remove(t)` calls pay the test,
//! the others within 0.2%).
//!
//! # Tables
//! A call of a function whose light start makes a table (`Proto::light_tables`: a tree's
//! node, `if d == 0 then return {} end ... return { f(d), f(d) }`; a constructor,
//! `return setmetatable({ x = x, y = y }, P)`) runs in `hot::<true, false, true>`, the
//! variant with calls that also makes tables (`NewTable`), stores a constructor's list
//! (`SetList`) and adds a new field that needs no growth (`SetField`: `Table::set_field`),
//! each through a cold out-of-line call, when the fuel left pays for the table or the list
//! (else `execute` makes it, charging the same). A variant of its own: the same arms in
//! `hot::<true, false, false>` cost the other calls 1.5-5% (callgrind, scaled fib +2.1%,
//! closures +1.5% with the calls cold; fib +5.4%, closures +4.8% with them not marked
//! cold), through the loop's registers, where this variant leaves the others' code as it
//! was. Measured with callgrind (release, scaled bench programs, against the code before):
//! binary_trees -5.4%, sort -0.8%, table_hash -0.5%, oop +0.7% (`Point.new` now enters
//! `hot` and leaves it at its tail call of `setmetatable`), the others within 0.2%. Tried
//! and not kept: `GetI` and `GetTable` as light starts (`check(tree)` of binary_trees),
//! binary_trees +0.7%: half the calls are of leaves, whose `tree[1]` (no array part) `hot`
//! leaves to `execute` at once.
//!
//! # Methods
//! A call that a function looking methods up (`Proto::calls_methods`: a `SelfK` in it) makes
//! of a function with a light start runs in `hot::<true>`'s variant for methods (`METHODS`),
//! which, where the plain one stops at a constant string key missing from its table, looks
//! for it along the `__index` chain while that is made of tables (an object's method in its
//! class or superclass: `Table::get_field_chained`, through the cold call [`get_chained`]),
//! charging the chain's links as `execute` does, when the fuel left pays for them. So the
//! caller, returned to in `hot`, looks the next method up and calls it without going
//! through `execute` (leaving `hot`, `execute`'s `SelfK` and `Call`, entering `hot` again).
//! Anything else about the key (an `__index` function, a pending table, too little fuel)
//! stops there, `execute` then running the instruction from the start. A variant of its
//! own: the same arm in the plain variant cost fib +0.9%, closures +1.0% (registers), and in
//! the variant that makes tables (entered for every call from such a function) the calls
//! ran slower than the lookups saved (oop +0.1%). Measured with callgrind (release, scaled
//! bench programs, against the code before): oop -2.2% (half of its four method lookups a
//! turn: the other half follow a return from the native `setmetatable`, in `execute`), the
//! others within 0.1%.
//!
//! # Keys
//! A loop over a hash part with computed keys (`t[k] = v`, `t[name]`, a `pairs` loop's
//! `next`) runs in `hot`'s keyed variant (`KEYS`, [`keyed`](enter::keyed)): a read at a key that is not an
//! integer (`Table::loop_get`), a store there when the key is in the table already
//! (`Table::loop_set`), and the step of a `pairs` or `ipairs` loop (`TForCall` of `next` or
//! `ipairs`' iterator, `finish::loop_step`: `finish::tfor_next`'s conditions, results, stack
//! and charge), and a comparison of two strings (`Lt`, `Le`: `fast_light::str_compare`,
//! charged by length as `execute` charges it), each an out-of-line call. A variant of its own, entered where the others
//! stop at such an access ([`keyed_at`](enter::keyed_at); the variant that runs a loop's first instructions
//! on the stack hands over to the window there), because those calls cost the loops that
//! never make them up to 5% through the registers (fannkuch +5.2%, table_array +3.4% when they were in every
//! variant; an integer-keyed `SetTableK` arm alone in the plain variant cost fannkuch +3.4%,
//! so that instruction is the keyed variant's too). Measured with callgrind (release,
//! scaled bench programs, against the code before): pairs_churn -17.9%, table_hash -5.3%,
//! the others within 0.15%; fuel and peak memory identical on all sixteen. The string
//! comparisons (session 27): a loop comparing strings 1.59x -> 1.09x lua5.4's instructions
//! (the `string_compare` idiom); pairs_churn -2.6%, table_hash -1.1% (the keyed variant's
//! registers), the others within 0.07%.
//!
//! # Register window
//! A register operand is a `u8`, so indexing a `[Value; 256]` by one needs no bounds check
//! (slices need one per access: `cmp` and a branch, a quarter of `mandelbrot`'s instructions
//! went to the `stack[base + i]` line). The stack cannot be that window: its length is the
//! frames' exact end, saved in snapshots and charged to the memory account, and a coroutine's
//! stack is a few dozen slots. So the variants without calls run a loop on a copy of the
//! frame's registers in a local `[Value; 256]` ([`windowed`](enter::windowed), [`windowed_below`](enter::windowed_below)), copied back
//! to the stack whenever `hot` stops (before `execute` or anything else sees the stack; `hot`
//! without calls reads and writes nothing else of the frame, and nothing runs or collects
//! while it runs). An upvalue open on a register of the frame is read and written in the copy.
//!
//! The copies (a 4 KB array filled with nils, the frame's registers in and out) cost ~400
//! machine instructions, more than a short run saves: `hot` first runs on the stack with a
//! fuel of [`HAND_OVER`] instructions, and only a run that uses it all (a loop) is handed over
//! to the window, with the fuel it has left. A run stopped sooner (a loop around a call, a
//! coroutine's loop around its `yield`: one turn per entry) pays only a different cap on its
//! fuel. For [`run_below`](enter::run_below), the instructions run between the light natives count together.
//!
//! Measured with callgrind (release, scaled bench programs, the same link order file):
//! mandelbrot -12.0%, fannkuch -10.6%, loop -9.6%, table_array -7.4%, nbody -3.5%,
//! table_hash -1.2%, coroutine +0.45% (~4 instructions per entry, in `execute`'s way into
//! `hot`), the others within 0.1%; the geometric mean of the ratios to lua5.4 from 1.122x
//! to 1.088x. Regenerating the link order changed these by less than 0.1%. The stack, the
//! memory account and the snapshots are as before (the same bytes saved mid-loop, the same
//! `collectgarbage("count")` and peak RSS with 100k coroutines that each ran a loop).
//!
//! Tried and not kept: a [`HAND_OVER`] of 64 (see there); handing a loop over at its 8th
//! backward jump (a count in the loop): coroutine +1.5% (~13 instructions per entry of its
//! 300k); at the first backward jump: coroutine +37% (the copies on every entry). Not done:
//! `hot::<true>` and `execute` change frames at every call and return, so a copy of the
//! registers would be made at each (`fib`: ~7% of its instructions are the bounds checks of
//! `hot::<true>`'s register accesses, `binary_trees` ~9% in `execute`'s); a window on the
//! stack itself needs the stack at least `base + 256` long, which changes the saved stack,
//! the memory account and coroutines' memory (4 KB each). And it would not pay for calls:
//! measured in session 26 (callgrind, release, scaled bench programs, the same link order
//! file, against the code here), `hot::<true>`'s register accesses without their bounds
//! checks (`get_unchecked`, a measurement only): fib +2.6%, closures +0.4%, oop -0.3%,
//! binary_trees +0.1%; through a pointer to the frame's register 0 set at each frame change
//! (no addition of `base` and no check, what such a window gives): fib +3.2%, closures
//! +1.4%, oop +0.9%, binary_trees -0.5%. The loop's state already spills (see "Dispatch"):
//! such a change moves its register allocation more than it saves.
//!
//! # Dispatch
//! Per instruction, one bounds check tests both the fuel and the end of the code: the fuel
//! is kept as the `pc` at which it runs out (`lim`), and the code is cut there (`win`), so
//! running an instruction charges its unit by `pc += 1`; every other change of `pc` moves
//! `lim` with it. Every opcode is named in the `match`, so the jump table needs no range
//! check. With a return that pops its frame before its other checks (no test of the
//! popped frame for drop glue), the dispatch went from ~19 to 9 machine instructions, fewer
//! values are spilled, and a fib call and return from ~370 to ~325. Measured with callgrind
//! (release, scaled bench programs, against the code before): fib -13.8%, closures -15.4%,
//! nbody -6.0%, loop -3.1%, table_array -2.9%, mandelbrot -1.6%, fannkuch -0.8%, sort,
//! table_hash -0.6%, the others within 0.1%.
//!
//! Where a `fib` call goes (callgrind, release, scaled `fib`: ~327 machine instructions a
//! call and return, lua5.4 ~259): the `Call` arm ~94, the `Return1` arm ~80, the dispatch
//! ~14 per instruction, a `GetUpval` of a closed upvalue ~20. The loop is at the limit of
//! the registers: its state (`pc`, the fuel's `lim`, the code, the stack, `base`, the
//! closure, the frame list) already spills, and a change that adds a value or moves a
//! store reshuffles the registers of every arm, so a change here is measured on all the
//! programs, not on its arm. Tried in session 23 and not kept (scaled bench programs,
//! against the code here; the programs not named within 0.2%):
//! - the new frame written in place (the list's capacity tested next to the push, so the
//!   push has no growth path and builds no temporary: its arm 6-7 instructions shorter):
//!   fib +2.3%, closures -1.4%;
//! - a return reading the two frames in place and popping only once it is made here (no
//!   push back when it is left to `execute`): fib +0.9%, closures +2.9%;
//! - the callers of the last 8 calls made here kept in a local array, so that a return to
//!   one skips the tests of the caller's frame (its kind, its `Call`, its stack): the
//!   return no shorter once the array's index and bounds spilled, the call ~25 longer:
//!   fib +14%, closures +14%, oop +4.2%, sort +0.6%;
//! - (session 26) the code read through `fp` where it is used (a jump, a frame change)
//!   rather than kept in a local, one value fewer live in the loop: fib +2.3%, closures
//!   +1.2%, binary_trees +1.1%, coroutine 0.0%.

use gc_arena::{Gc, Mutation};

use super::ccalls::MAX_C_CALLS;
use super::closure::{Closure, ClosureData, FnProto, NativeRef, UpState, UpvalueExt};
use super::exec::MAX_STACK;
pub(super) use super::fast_light::light_native;
use super::fast_light::{get_chained, new_table, set_list, set_new_field, str_compare};
use super::finish::loop_step;
use super::meta::{self, ArithOp};
use super::state::State;
use super::thread::{Frame, LuaFrame, Thread, ThreadState};
use super::value::Value;
use crate::compiler::opcodes::Op;
use crate::limits::fuel as fuelc;
use crate::number;

/// How many instructions [`hot`] must be able to run from a loop's head for `execute` to
/// enter it there (entering and leaving cost about as much as that many instructions save).
const WORTH: usize = 5;

/// Times `execute` passes a loop's head without entering [`hot`] after it found the loop
/// not worth it ([`cool`]): a loop that needs `execute` at every turn (a call, a store of a
/// new key) then pays for the test only once in this many turns.
pub(super) const COOLDOWN: u32 = 64;

/// Whether `execute` should enter [`hot`] at `pc`, the head of a loop: the next [`WORTH`]
/// instructions are ones it runs (a loop whose body calls a function soon stays in
/// `execute`).
#[inline]
pub(super) fn worth(code: &[Op], pc: usize) -> bool {
    code.get(pc..pc + WORTH)
        .is_some_and(|ops| ops.iter().all(|&op| runs(op)))
}

/// Whether `execute` should enter [`hot`] at `pc`, just after a native call returned (in
/// the middle of a loop's body, say after a `sqrt`): the next [`WORTH_AFTER_CALL`]
/// instructions are ones it runs. (A longer run than at a loop's head: this test is paid
/// on every native call, and the loop's head enters `hot` anyway.)
#[inline]
pub(super) fn worth_after_call(code: &[Op], pc: usize) -> bool {
    code.get(pc..pc + WORTH_AFTER_CALL)
        .is_some_and(|ops| ops.iter().all(|&op| runs(op)))
}

/// See [`worth_after_call`].
const WORTH_AFTER_CALL: usize = 8;

/// [`worth_after_call`] through the cache `State::after_call` (the answer for the
/// instruction at `code[pc]` found again without the scan).
#[inline(always)]
pub(super) fn worth_after_call_cached(
    cache: &[std::cell::Cell<(usize, bool)>; 4],
    code: &[Op],
    pc: usize,
) -> bool {
    let key = (code.as_ptr() as usize).wrapping_add(pc.wrapping_mul(std::mem::size_of::<Op>()));
    let slot = &cache[(key >> 2) & 3];
    let (k, worth) = slot.get();
    if k == key {
        return worth;
    }
    let worth = worth_after_call(code, pc);
    slot.set((key, worth));
    worth
}

/// Whether `execute` should not try [`hot`] at a loop's head for a while ([`COOLDOWN`]),
/// after `hot` ran `ran` instructions from it (-1: not entered, [`worth`] said no) and
/// stopped at `pc`: it was not entered, or it stopped soon on an instruction it runs in
/// other cases (a case it leaves to `execute`, such as a store of a new key), so the loop
/// likely needs `execute` at every turn. (Stopping on an instruction it never runs, a call
/// or the code after the loop, says nothing against the loop.)
#[inline]
pub(super) fn cool(code: &[Op], pc: usize, ran: i64) -> bool {
    ran < 0 || (ran < 2 * WORTH as i64 && code.get(pc).is_some_and(|&op| runs(op)))
}

#[path = "fast_enter.rs"]
mod enter;
use enter::HAND_OVER;
pub(super) use enter::{enter, enter_fresh, enter_resumed, WINDOW};

/// Whether [`hot`] may run `op` (in its common case). (`ForPrep` counts as not: `hot` runs
/// its integer case when it gets there, but `execute` does not enter `hot` for it.)
#[inline(always)]
pub(super) fn runs(op: Op) -> bool {
    !matches!(
        op,
        Op::LoadKX { .. }
            | Op::SetTabUpK { .. }
            | Op::NewTable { .. }
            | Op::Concat { .. }
            | Op::Close { .. }
            | Op::Tbc { .. }
            | Op::Call { .. }
            | Op::TailCall { .. }
            | Op::Return { .. }
            | Op::Return0 { .. }
            | Op::Return1 { .. }
            | Op::ForPrep { .. }
            | Op::TForPrep { .. }
            | Op::SetList { .. }
            | Op::Closure { .. }
            | Op::Vararg { .. }
            | Op::ExtraArg { .. }
    )
}

/// Runs the instructions that call nothing (or only on a rare path) from `pc` with `f` fuel
/// left, and returns the `pc` and fuel where it stopped: before an instruction, or a case of
/// one, that it leaves to `execute` (not charged yet), or out of fuel. With no calls in its
/// loop, its few live values (the code, `pc`, the fuel, the stack) stay in registers:
/// that is the whole point of this function, so keep calls out of it.
///
/// It also calls Lua functions and returns from them in the common case, exactly as
/// `execute`'s fast paths do (a fixed-parameter function whose frame fits in the stack and
/// frame list as they are, no hooks, a return to a Lua caller's plain `Call` with at most
/// one result wanted, no open upvalue to close): the third value says it stopped in another
/// frame than the one it was entered in (another closure or base), and then the `pc` where
/// it stopped is saved in the top frame.
///
/// With `W > 0` (without calls), the frame's registers are `regs`, a copy that the caller
/// makes and copies back (see the module docs, "Register window"); else they are on the
/// stack, and `regs` is empty. Without calls and without a window, it runs out of a fuel of
/// [`HAND_OVER`] first, and then answers `true` as third value if it has fuel left.
///
/// `TABLES` (with `CALLS`): it also makes tables, stores lists and adds new fields, through
/// cold calls (see the module docs, "Tables"). `METHODS` (with `CALLS`): it also follows
/// `__index` tables for a constant key its table lacks, through a cold call, with `state`
/// (the VM's; `None` in the other variants) for the `__index` name (see the module docs,
/// "Methods").
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn hot<
    'gc,
    const CALLS: bool,
    const BELOW: bool,
    const TABLES: bool,
    const KEYS: bool,
    const METHODS: bool,
    const W: usize,
>(
    mc: &'gc Mutation<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    mut cdata: &'gc ClosureData<'gc>,
    mut base: usize,
    mut pc: usize,
    f: i64,
    regs: &mut [Value<'gc>; W],
    state: Option<&'gc State<'gc>>,
) -> (usize, i64, bool) {
    if f <= 0 {
        return (pc, f, false);
    }
    let ThreadState {
        stack,
        frames,
        open_upvalues,
        top,
        stack_model,
        frames_model,
        c_calls,
        c_base,
        ..
    } = ts;
    // (The stack keeps its length here: calls that would grow it are left to `execute`.)
    // Without calls, only the frame's registers and above: `stack[0]` is its register 0
    // (`origin` is its absolute slot), which spares an addition on every register access
    // in loops (measured: ~8% of the instructions of integer loops).
    // `BELOW` (with calls, the whole stack is there): `lower` is the stack below the frame,
    // for open upvalues there; a variant of its own, as keeping it at hand costs the other
    // loops 2-4% (registers).
    let origin = if CALLS { 0 } else { base };
    let (lower, stack): (&mut [Value<'gc>], &mut [Value<'gc>]) = if BELOW {
        stack.split_at_mut(origin)
    } else {
        (&mut [], &mut stack[origin..])
    };
    base -= origin;
    let (stack_model, frames_model) = (*stack_model, *frames_model);
    // (The frame list keeps its capacity here: calls that would grow it are left to
    // `execute`.)
    let frames_limit = frames_model.min(frames.capacity());
    // Whether `hot` stopped in another frame than the one it was entered in: whether the
    // top frame's closure or base differ from the entered frame's at the exit. (A frame
    // popped and another pushed with the same closure at the same base, a call of the same
    // function from the same register, counts as the same frame: `execute` keeps nothing
    // else about a frame in locals, so it goes on in it at the `pc` returned.) Compared at
    // the exits only: a flag set at every call and return is one more value live across
    // the loop (callgrind, scaled: fib -1.5%, closures -1.8%). Except in the variant for
    // methods, where the comparison moved its registers the other way (oop +1.3%) and the
    // flag (`switched`) stays.
    let (entry_cdata, entry_base) = (cdata as *const ClosureData<'gc>, base);
    let mut switched = false;
    macro_rules! switched {
        () => {
            if METHODS {
                switched
            } else {
                CALLS && (base != entry_base || !std::ptr::eq(cdata, entry_cdata))
            }
        };
    }
    macro_rules! set_switched {
        () => {
            if METHODS {
                switched = true;
            }
        };
    }
    let mut fp: &'gc FnProto<'gc> = Gc::as_ref(cdata.proto);
    let mut code: &'gc [Op] = &fp.proto.code;
    // The fuel is kept as `lim`, the `pc` at which it runs out if no jump comes first (the
    // fuel left is `lim - pc`, plus `extra` beyond what a `usize` offset holds safely), and
    // `win` is the code up to there: one bounds check per instruction tests both the fuel
    // and the end of the code, and running an instruction charges its unit by `pc += 1`.
    // Every other change of `pc` (a jump, a call, a return) moves `lim` with it (`goto!`).
    // (See the module docs, "Dispatch".)
    const _: () = assert!(fuelc::INSTRUCTION == 1);
    // The variant that hands over to [`windowed`](enter::windowed) (see [`HAND_OVER`]) runs out of this fuel
    // first, and stops with its third value `true` if it has fuel left then.
    let hands_over = !CALLS && W == 0;
    let capped = f.min(if hands_over { HAND_OVER } else { 1 << 40 });
    let extra = f - capped;
    let mut lim = pc + capped as usize;
    let mut win: &'gc [Op] = window(code, lim);
    // The fuel left at `pc`.
    macro_rules! fuel_at {
        ($pc:expr) => {
            (lim - $pc) as i64 + extra
        };
    }
    macro_rules! bail {
        () => {{
            return stop(frames, pc - 1, fuel_at!(pc - 1), switched!());
        }};
    }
    // An access only the keyed variant makes (see [`keyed_at`](enter::keyed_at)): `$run` there; the variant
    // that hands over hands over at it (its window's variant enters the keyed one); the
    // others stop.
    macro_rules! keyed {
        ($run:expr) => {{
            if KEYS {
                $run
            } else if hands_over && !BELOW {
                return (pc - 1, fuel_at!(pc - 1), true);
            } else {
                bail!()
            }
        }};
    }
    // Moves `pc` to `$to` (in `code`, which may just have changed) without charging fuel.
    macro_rules! goto {
        ($to:expr) => {{
            let to: usize = $to;
            lim = (lim - pc) + to;
            pc = to;
            win = window(code, lim);
        }};
    }
    // A register: in the window if there is one (`W > 0`, without calls: `base` is 0).
    macro_rules! r {
        ($i:expr) => {
            *if W > 0 {
                &mut regs[$i as usize]
            } else {
                &mut stack[base + $i as usize]
            }
        };
    }

    macro_rules! kst {
        ($i:expr) => {
            fp.constants.get($i as usize).copied().unwrap_or(Value::Nil)
        };
    }
    macro_rules! jump_next {
        () => {{
            match code.get(pc) {
                Some(Op::Jmp { sj }) => goto!((pc as i64 + 1 + sj.get() as i64) as usize),
                _ => bail!(),
            }
        }};
    }
    macro_rules! cond_jump {
        ($cond:expr, $k:expr) => {{
            if $cond != $k {
                goto!(pc + 1);
            } else {
                jump_next!();
            }
        }};
    }
    // `$fiop` (float, integer), when given, replaces `$fop` for that pair of operands.
    macro_rules! arith {
        ($a:expr, $x:expr, $y:expr, $iop:expr, $fop:expr) => {
            arith!($a, $x, $y, $iop, $fop, |x: f64, y: i64| $fop(x, y as f64))
        };
        ($a:expr, $x:expr, $y:expr, $iop:expr, $fop:expr, $fiop:expr) => {{
            let v = match ($x, $y) {
                (Value::Int(a), Value::Int(b)) => Value::Int($iop(a, b)),
                (Value::Float(a), Value::Float(b)) => Value::float($fop(a.get(), b.get())),
                (Value::Int(a), Value::Float(b)) => Value::float($fop(a as f64, b.get())),
                (Value::Float(a), Value::Int(b)) => Value::float($fiop(a.get(), b)),
                _ => bail!(),
            };
            r!($a) = v;
        }};
    }
    // `/` and `^` (float results), `%` and `//` (integer case with a positive divisor).
    macro_rules! arith_f {
        ($a:expr, $x:expr, $y:expr, $op:expr) => {{
            let v = match ($x, $y) {
                (Value::Int(a), Value::Int(b)) => {
                    if matches!($op, ArithOp::Mod | ArithOp::IDiv) {
                        if b <= 0 {
                            bail!()
                        }
                        if matches!($op, ArithOp::Mod) {
                            Value::Int(a.rem_euclid(b))
                        } else {
                            Value::Int(a.div_euclid(b))
                        }
                    } else {
                        Value::float(meta::float_arith($op, a as f64, b as f64))
                    }
                }
                (Value::Float(a), Value::Float(b)) => {
                    Value::float(meta::float_arith($op, a.get(), b.get()))
                }
                (Value::Int(a), Value::Float(b)) => {
                    Value::float(meta::float_arith($op, a as f64, b.get()))
                }
                (Value::Float(a), Value::Int(b)) => {
                    Value::float(meta::float_arith($op, a.get(), b as f64))
                }
                _ => bail!(),
            };
            r!($a) = v;
        }};
    }
    macro_rules! bitwise {
        ($a:expr, $x:expr, $y:expr, $iop:expr) => {{
            let v = match ($x, $y) {
                (Value::Int(a), Value::Int(b)) => Value::Int($iop(a, b)),
                _ => bail!(),
            };
            r!($a) = v;
        }};
    }
    macro_rules! compare {
        ($x:expr, $y:expr, $le:expr, $k:expr) => {{
            let fast = if $le {
                meta::num_le($x, $y)
            } else {
                meta::num_lt($x, $y)
            };
            match fast {
                Some(res) => cond_jump!(res, $k),
                // Two strings: `execute`'s comparison and charge, in the keyed variant
                // (out of line, as its table accesses).
                None => keyed!(match str_compare($x, $y, $le, lim - pc) {
                    Some((res, cost)) => {
                        // (`cond_jump!` moves `pc`, which cuts `win` at the new `lim`.)
                        lim -= cost;
                        cond_jump!(res, $k)
                    }
                    None => bail!(),
                }),
            }
        }};
    }
    macro_rules! upval {
        ($i:expr) => {
            match cdata.upvalues.get($i as usize) {
                Some(u) => u.get(),
                None => bail!(),
            }
        };
    }
    // An upvalue's value if it is closed or a register of this frame.
    macro_rules! upval_get {
        ($uv:expr) => {
            match $uv.get() {
                UpState::Closed(v) => v,
                UpState::Open { thread: t, slot } if t == thread => {
                    let slot = slot as usize;
                    let i = slot.wrapping_sub(origin);
                    let v = if BELOW && slot < origin {
                        lower.get(slot)
                    } else if W > 0 {
                        // (A register of this frame, or nothing.)
                        if i < fp.proto.max_stack as usize {
                            regs.get(i)
                        } else {
                            None
                        }
                    } else {
                        stack.get(i)
                    };
                    match v {
                        Some(&v) => v,
                        None => bail!(),
                    }
                }
                _ => bail!(),
            }
        };
    }
    macro_rules! get_field {
        ($a:expr, $obj:expr, $c:expr) => {{
            let v = match ($obj, kst!($c), fp.key_hints.get($c as usize)) {
                (Value::Table(t), Value::Str(s), Some(hint)) => match t.probe_field(s, hint) {
                    Some(v) => v,
                    // (In the variant for methods, a method found through `__index` tables:
                    // see "Methods" in the module docs.)
                    None if METHODS => match get_chained(mc, state, t, s, hint, lim - pc) {
                        Some((v, cost)) => {
                            lim -= cost;
                            win = window(code, lim);
                            v
                        }
                        None => bail!(),
                    },
                    None => bail!(),
                },
                _ => bail!(),
            };
            r!($a) = v;
        }};
    }
    macro_rules! get_int {
        ($a:expr, $obj:expr, $i:expr) => {{
            let v = match $obj {
                Value::Table(t) => match t.probe_int($i) {
                    Some(v) => v,
                    None => match CALLS {
                        true => match t.probe_int_absent($i) {
                            Some(v) => v,
                            None => bail!(),
                        },
                        false => bail!(),
                    },
                },
                _ => bail!(),
            };
            r!($a) = v;
        }};
    }
    macro_rules! set_field {
        ($obj:expr, $b:expr, $val:expr) => {{
            let done = match ($obj, kst!($b), fp.key_hints.get($b as usize)) {
                // (With calls, also `execute`'s out-of-line store, which adds a new key
                // when that needs no growth: a constructor's fields, `p.z = z`.)
                (Value::Table(t), Value::Str(s), Some(hint)) => {
                    let v = $val;
                    t.probe_set_field(mc, s, hint, v)
                        || (TABLES && set_new_field(mc, t, s, hint, v))
                }
                _ => false,
            };
            if !done {
                bail!()
            }
        }};
    }
    // A store at a key that is not an integer, already in the table (see
    // `Table::loop_set`).
    macro_rules! set_key {
        ($obj:expr, $key:expr, $val:expr) => {{
            let done = match $obj {
                Value::Table(t) => t.loop_set(mc, $key, $val),
                _ => false,
            };
            if !done {
                bail!()
            }
        }};
    }
    macro_rules! set_int {
        ($obj:expr, $i:expr, $val:expr) => {{
            let done = match $obj {
                Value::Table(t) => t.probe_set_int(mc, $i, $val),
                _ => false,
            };
            if !done {
                bail!()
            }
        }};
    }
    // The Lua function a `Call` or `TailCall` at `$a` with `$b` calls, and its argument
    // count: `(func, callee, nargs)`; anything else (or no calls in this variant) bails.
    macro_rules! lua_callee {
        ($a:expr, $b:expr) => {{
            if !CALLS {
                bail!()
            }
            let func = base + $a as usize;
            let Some(&Value::Function(callee)) = stack.get(func) else {
                bail!()
            };
            let nargs = if $b == 0 {
                (*top as usize).min(stack.len()).saturating_sub(func + 1)
            } else {
                $b as usize - 1
            };
            (func, callee, nargs)
        }};
    }
    // A return of `$n` (0 or 1) values, `$v` (see the `Return0` and `Return1` arms).
    macro_rules! lua_return {
        ($v:expr, $n:expr) => {{
            if !CALLS {
                bail!()
            }
            if open_upvalues.last().is_some_and(
                |u| matches!(u.get(), UpState::Open { slot, .. } if slot as usize >= base),
            ) {
                bail!()
            }
            // Popped first (as `ThreadState::pop_frame` pops, but with no test for drop glue:
            // it is a Lua frame), and pushed back if the return is left to `execute`.
            let fr = match frames.pop() {
                Some(Frame::Lua(fr)) => fr,
                Some(other) => {
                    frames.push(other);
                    bail!()
                }
                None => bail!(),
            };
            let (ffunc, want) = (fr.func as usize, fr.want);
            let cf = match frames.last() {
                Some(&Frame::Lua(cf)) if want <= 1 => cf,
                _ => {
                    frames.push(Frame::Lua(fr));
                    bail!()
                }
            };
            let (ccd, cfp) = parts(cf.closure);
            let (cbase, cpc) = (cf.base as usize, cf.pc as usize);
            if cbase + cfp.proto.max_stack as usize + 1 > stack.len()
                || !matches!(
                    cfp.proto.code.get(cpc.wrapping_sub(1)),
                    Some(Op::Call { .. })
                )
            {
                frames.push(Frame::Lua(fr));
                bail!()
            }
            // (As `exec::lua_results` places `n` results for `want`.)
            stack[ffunc] = $v;
            *top = (ffunc + if want < 0 { $n } else { want as usize }) as u32;
            (cdata, fp, base) = (ccd, cfp, cbase);
            code = &fp.proto.code;
            goto!(cpc);
            set_switched!();
        }};
    }
    loop {
        let Some(&op) = win.get(pc) else {
            let fuel = fuel_at!(pc);
            if hands_over {
                return (pc, fuel, fuel > 0);
            }
            return stop(frames, pc, fuel, switched!());
        };
        pc += 1;
        match op {
            Op::Move { a, b } => r!(a) = r!(b),
            Op::LoadI { a, sbx } => r!(a) = Value::Int(sbx as i64),
            Op::LoadF { a, sbx } => r!(a) = Value::float(sbx as f64),
            Op::LoadK { a, bx } => r!(a) = kst!(bx),
            Op::LoadFalse { a } => r!(a) = Value::False,
            Op::LFalseSkip { a } => {
                r!(a) = Value::False;
                goto!(pc + 1);
            }
            Op::LoadTrue { a } => r!(a) = Value::True,
            Op::LoadNil { a, b } => {
                for i in 0..=b as usize {
                    r!(a as usize + i) = Value::Nil;
                }
            }
            Op::GetUpval { a, b } => {
                let uv = upval!(b);
                r!(a) = upval_get!(uv);
            }
            Op::GetTabUp { a, b, c } => {
                let uv = upval!(b);
                let obj = upval_get!(uv);
                get_field!(a, obj, c);
            }
            Op::GetTable { a, b, c } => match r!(c) {
                Value::Int(i) => get_int!(a, r!(b), i),
                key => keyed!(match r!(b) {
                    Value::Table(t) => match t.loop_get(key) {
                        Some(v) => r!(a) = v,
                        None => bail!(),
                    },
                    _ => bail!(),
                }),
            },
            Op::GetI { a, b, c } => get_int!(a, r!(b), c as i64),
            Op::GetField { a, b, c } => get_field!(a, r!(b), c),
            Op::SelfK { a, b, c } => {
                let obj = r!(b);
                get_field!(a, obj, c);
                r!(a as usize + 1) = obj;
            }
            Op::SetTabUp { a, b, c } => {
                let uv = upval!(a);
                let obj = upval_get!(uv);
                set_field!(obj, b, r!(c));
            }
            Op::SetTable { a, b, c } => match r!(b) {
                Value::Int(i) => set_int!(r!(a), i, r!(c)),
                key => keyed!(set_key!(r!(a), key, r!(c))),
            },
            Op::SetTableK { a, b, c } => keyed!(match r!(b) {
                Value::Int(i) => set_int!(r!(a), i, kst!(c)),
                key => set_key!(r!(a), key, kst!(c)),
            }),
            Op::SetI { a, b, c } => set_int!(r!(a), b as i64, r!(c)),
            Op::SetIK { a, b, c } => set_int!(r!(a), b as i64, kst!(c)),
            Op::SetField { a, b, c } => set_field!(r!(a), b, r!(c)),
            Op::SetFieldK { a, b, c } => set_field!(r!(a), b, kst!(c)),
            Op::AddI { a, b, sc } => arith!(
                a,
                r!(b),
                Value::Int(sc as i64),
                |x: i64, y: i64| x.wrapping_add(y),
                |x: f64, y: f64| x + y
            ),
            Op::AddK { a, b, c } => arith!(
                a,
                r!(b),
                kst!(c),
                |x: i64, y: i64| x.wrapping_add(y),
                |x: f64, y: f64| x + y
            ),
            Op::SubK { a, b, c } => arith!(
                a,
                r!(b),
                kst!(c),
                |x: i64, y: i64| x.wrapping_sub(y),
                |x: f64, y: f64| x - y,
                number::float_minus_int_constant
            ),
            Op::MulK { a, b, c } => arith!(
                a,
                r!(b),
                kst!(c),
                |x: i64, y: i64| x.wrapping_mul(y),
                |x: f64, y: f64| x * y
            ),
            Op::ModK { a, b, c } => arith_f!(a, r!(b), kst!(c), ArithOp::Mod),
            Op::PowK { a, b, c } => arith_f!(a, r!(b), kst!(c), ArithOp::Pow),
            Op::DivK { a, b, c } => arith_f!(a, r!(b), kst!(c), ArithOp::Div),
            Op::IDivK { a, b, c } => arith_f!(a, r!(b), kst!(c), ArithOp::IDiv),
            Op::BAndK { a, b, c } => bitwise!(a, r!(b), kst!(c), |x: i64, y: i64| x & y),
            Op::BOrK { a, b, c } => bitwise!(a, r!(b), kst!(c), |x: i64, y: i64| x | y),
            Op::BXorK { a, b, c } => bitwise!(a, r!(b), kst!(c), |x: i64, y: i64| x ^ y),
            Op::ShrI { a, b, sc } => {
                bitwise!(a, r!(b), Value::Int(sc as i64), |x: i64, y: i64| {
                    number::shift_left(x, y.wrapping_neg())
                })
            }
            Op::ShlI { a, b, sc } => {
                bitwise!(a, Value::Int(sc as i64), r!(b), |x: i64, y: i64| {
                    number::shift_left(x, y)
                })
            }
            Op::Add { a, b, c } => arith!(
                a,
                r!(b),
                r!(c),
                |x: i64, y: i64| x.wrapping_add(y),
                |x: f64, y: f64| x + y
            ),
            Op::Sub { a, b, c } => arith!(
                a,
                r!(b),
                r!(c),
                |x: i64, y: i64| x.wrapping_sub(y),
                |x: f64, y: f64| x - y
            ),
            Op::Mul { a, b, c } => arith!(
                a,
                r!(b),
                r!(c),
                |x: i64, y: i64| x.wrapping_mul(y),
                |x: f64, y: f64| x * y
            ),
            Op::Mod { a, b, c } => arith_f!(a, r!(b), r!(c), ArithOp::Mod),
            Op::Pow { a, b, c } => arith_f!(a, r!(b), r!(c), ArithOp::Pow),
            Op::Div { a, b, c } => arith_f!(a, r!(b), r!(c), ArithOp::Div),
            Op::IDiv { a, b, c } => arith_f!(a, r!(b), r!(c), ArithOp::IDiv),
            Op::BAnd { a, b, c } => bitwise!(a, r!(b), r!(c), |x: i64, y: i64| x & y),
            Op::BOr { a, b, c } => bitwise!(a, r!(b), r!(c), |x: i64, y: i64| x | y),
            Op::BXor { a, b, c } => bitwise!(a, r!(b), r!(c), |x: i64, y: i64| x ^ y),
            Op::Shl { a, b, c } => bitwise!(a, r!(b), r!(c), |x: i64, y: i64| {
                number::shift_left(x, y)
            }),
            Op::Shr { a, b, c } => bitwise!(a, r!(b), r!(c), |x: i64, y: i64| {
                number::shift_left(x, y.wrapping_neg())
            }),
            Op::Unm { a, b } => {
                let v = match r!(b) {
                    Value::Int(i) => Value::Int(i.wrapping_neg()),
                    Value::Float(x) => Value::float(-x.get()),
                    _ => bail!(),
                };
                r!(a) = v;
            }
            Op::BNot { a, b } => {
                let v = match r!(b) {
                    Value::Int(i) => Value::Int(!i),
                    _ => bail!(),
                };
                r!(a) = v;
            }
            Op::Not { a, b } => r!(a) = Value::boolean(!r!(b).truthy()),
            Op::Len { a, b } => {
                let v = match r!(b) {
                    Value::Str(s) => Value::Int(s.len() as i64),
                    _ => bail!(),
                };
                r!(a) = v;
            }
            Op::Jmp { sj } => goto!((pc as i64 + sj.get() as i64) as usize),
            Op::Eq { a, b, k } => {
                let res = match (r!(a), r!(b)) {
                    (Value::Int(p), Value::Int(q)) => p == q,
                    (Value::Float(p), Value::Float(q)) => p.get() == q.get(),
                    (Value::Str(p), Value::Str(q)) if Gc::ptr_eq(p.0, q.0) => true,
                    (Value::Nil, Value::Nil)
                    | (Value::False, Value::False)
                    | (Value::True, Value::True) => true,
                    (Value::Nil | Value::False | Value::True, _)
                    | (_, Value::Nil | Value::False | Value::True) => false,
                    _ => bail!(),
                };
                cond_jump!(res, k);
            }
            Op::Lt { a, b, k } => compare!(r!(a), r!(b), false, k),
            Op::Le { a, b, k } => compare!(r!(a), r!(b), true, k),
            Op::EqK { a, b, k } => {
                let res = match (r!(a), kst!(b)) {
                    (Value::Int(p), Value::Int(q)) => p == q,
                    (Value::Str(p), Value::Str(q)) if Gc::ptr_eq(p.0, q.0) => true,
                    (Value::Nil, Value::Nil)
                    | (Value::False, Value::False)
                    | (Value::True, Value::True) => true,
                    (Value::Nil | Value::False | Value::True, _)
                    | (_, Value::Nil | Value::False | Value::True) => false,
                    _ => bail!(),
                };
                cond_jump!(res, k);
            }
            Op::EqI { a, sb, flags } => {
                let res = match r!(a) {
                    Value::Int(i) => i == sb as i64,
                    Value::Float(x) => x.get() == sb as f64,
                    _ => false,
                };
                cond_jump!(res, flags & 1 != 0);
            }
            Op::LtI { a, sb, flags } => {
                let res = match r!(a) {
                    Value::Int(i) => i < sb as i64,
                    Value::Float(x) => x.get() < sb as f64,
                    _ => bail!(),
                };
                cond_jump!(res, flags & 1 != 0);
            }
            Op::LeI { a, sb, flags } => {
                let res = match r!(a) {
                    Value::Int(i) => i <= sb as i64,
                    Value::Float(x) => x.get() <= sb as f64,
                    _ => bail!(),
                };
                cond_jump!(res, flags & 1 != 0);
            }
            Op::GtI { a, sb, flags } => {
                let res = match r!(a) {
                    Value::Int(i) => i > sb as i64,
                    Value::Float(x) => x.get() > sb as f64,
                    _ => bail!(),
                };
                cond_jump!(res, flags & 1 != 0);
            }
            Op::GeI { a, sb, flags } => {
                let res = match r!(a) {
                    Value::Int(i) => i >= sb as i64,
                    Value::Float(x) => x.get() >= sb as f64,
                    _ => bail!(),
                };
                cond_jump!(res, flags & 1 != 0);
            }
            Op::Test { a, k } => {
                let c = r!(a).truthy();
                cond_jump!(c, k);
            }
            Op::TestSet { a, b, k } => {
                let v = r!(b);
                if v.truthy() != k {
                    goto!(pc + 1);
                } else {
                    r!(a) = v;
                    jump_next!();
                }
            }
            Op::ForPrep { a, bx } => {
                // The all-integer case of `ops::for_prep` (zero steps, floats and strings
                // are `execute`'s): an inner loop's start, inside an outer loop run here,
                // no longer stops this loop (and its first turn runs here too).
                let ra = base + a as usize;
                let fs = if W > 0 {
                    regs.get_mut(ra..ra + 4)
                } else {
                    stack.get_mut(ra..ra + 4)
                };
                let Some(fs) = fs else { bail!() };
                match (fs[0], fs[1], fs[2]) {
                    (Value::Int(init), Value::Int(limit), Value::Int(step)) if step != 0 => {
                        fs[3] = Value::Int(init);
                        match super::ops::int_for_count(init, limit, step) {
                            None => goto!(pc + bx as usize + 1),
                            Some(count) => fs[1] = Value::Int(count),
                        }
                    }
                    _ => bail!(),
                }
            }
            Op::ForLoop { a, bx } => {
                let ra = base + a as usize;
                let fs = if W > 0 {
                    regs.get_mut(ra..ra + 4)
                } else {
                    stack.get_mut(ra..ra + 4)
                };
                let Some(fs) = fs else { bail!() };
                match (fs[0], fs[1], fs[2]) {
                    (Value::Int(idx), Value::Int(count), Value::Int(step)) => {
                        if count as u64 > 0 {
                            let idx = idx.wrapping_add(step);
                            fs[1] = Value::Int((count as u64 - 1) as i64);
                            fs[0] = Value::Int(idx);
                            fs[3] = Value::Int(idx);
                            goto!(pc - bx as usize);
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
                            goto!(pc - bx as usize);
                        }
                    }
                    _ => bail!(),
                }
            }
            // `execute`'s `TForCall` of `next` or `ipairs`' iterator over a table
            // (`finish::tfor_next`, the same conditions, results, stack and charge), in the
            // keyed variant (without calls).
            Op::TForCall { a, c } => keyed!({
                let ra = a as usize;
                let size = fp.proto.max_stack as usize;
                // (The call's window within the frame's, a C level it can take, no C-call
                // mark to drop, a frame list whose model holds the native's frame, the stack
                // exactly the frame's and within its model.)
                if c == 0
                    || ra + 7 > size + 1
                    || c_base.saturating_add(c_calls.len() as u32) + 1 >= MAX_C_CALLS
                    || c_calls.last().is_some_and(|&m| m as usize >= frames.len())
                    || frames.len() >= frames_model
                    || stack.len() != base + size + 1
                    || origin + stack.len() > stack_model
                {
                    bail!()
                }
                let (Some(nf), Value::Table(t)) = (NativeRef::of(r!(ra)), r!(ra + 1)) else {
                    bail!()
                };
                let Some((entry, cost)) = loop_step(nf, t, r!(ra + 2)) else {
                    bail!()
                };
                let cost = cost as usize;
                if lim - pc <= cost {
                    bail!()
                }
                let n = match entry {
                    Some((k, v)) => {
                        r!(ra + 4) = k;
                        r!(ra + 5) = v;
                        2
                    }
                    None => {
                        r!(ra + 4) = Value::Nil;
                        1
                    }
                };
                // The call cut the stack to its results and grew it back with nils, up to
                // the slot above the frame.
                for i in ra + 4 + n..size {
                    r!(i) = Value::Nil;
                }
                if let Some(s) = stack.get_mut(base + size) {
                    *s = Value::Nil;
                }
                *top = (origin + base + ra + 4 + c as usize) as u32;
                // (`win` stays cut at the old `lim`: the `TForLoop` after this, which the
                // test above left the fuel for, jumps, which cuts it at the new one, or cuts
                // it itself.)
                lim -= cost;
            }),
            Op::TForLoop { a, bx } => {
                let ra = a as usize;
                let v = r!(ra + 4);
                if !v.is_nil() {
                    r!(ra + 2) = v;
                    goto!(pc - bx as usize);
                } else {
                    win = window(code, lim);
                }
            }
            Op::SetUpval { a, b } => {
                let uv = upval!(b);
                let v = r!(a);
                match uv.get() {
                    UpState::Closed(_) => uv.set(mc, UpState::Closed(v)),
                    UpState::Open { thread: t, slot } if t == thread => {
                        let slot = slot as usize;
                        let i = slot.wrapping_sub(origin);
                        let s = if BELOW && slot < origin {
                            lower.get_mut(slot)
                        } else if W > 0 {
                            if i < fp.proto.max_stack as usize {
                                regs.get_mut(i)
                            } else {
                                None
                            }
                        } else {
                            stack.get_mut(i)
                        };
                        match s {
                            Some(s) => *s = v,
                            None => bail!(),
                        }
                    }
                    _ => bail!(),
                }
            }
            // `execute`'s fast path of a Lua-to-Lua call (`exec::push_lua_frame`), when the
            // stack needs no growth.
            Op::Call { a, b, c } => {
                let (func, callee, nargs) = lua_callee!(a, b);
                let (ccd, cfp) = parts(callee);
                let p = &cfp.proto;
                let needed = func + 2 + p.max_stack as usize;
                if p.is_vararg
                    || nargs < p.num_params as usize
                    || needed > stack.len()
                    || needed > stack_model
                    || needed > MAX_STACK
                    || frames.len() >= frames_limit
                {
                    bail!()
                }
                match frames.last_mut() {
                    Some(Frame::Lua(fr)) => fr.pc = pc as u32,
                    _ => bail!(),
                }
                frames.push(Frame::Lua(LuaFrame {
                    closure: callee,
                    func: func as u32,
                    base: (func + 1) as u32,
                    pc: 0,
                    nvarargs: 0,
                    want: c as i32 - 1,
                    aux: 0,
                }));
                (cdata, fp, base) = (ccd, cfp, func + 1);
                code = &fp.proto.code;
                goto!(0);
                set_switched!();
            }
            // `execute`'s fast path of a Lua-to-Lua tail call (`exec::tail_call_lua`), when
            // there is no upvalue to close and the stack needs no growth.
            Op::TailCall { a, b } => {
                let (func, callee, nargs) = lua_callee!(a, b);
                let nframes = frames.len();
                let Some(Frame::Lua(fr)) = frames.last_mut() else {
                    bail!()
                };
                let frame_func = fr.func as usize;
                let (ccd, cfp) = parts(callee);
                let p = &cfp.proto;
                let needed = frame_func + 2 + p.max_stack as usize;
                if p.is_vararg
                    || nargs < p.num_params as usize
                    || needed > stack_model
                    || needed > MAX_STACK
                    || needed > stack.len()
                    || nframes >= frames_model
                    || func + 1 + nargs > stack.len()
                    || frame_func >= func
                    || open_upvalues.last().is_some_and(
                        |u| matches!(u.get(), UpState::Open { slot, .. } if slot as usize >= base),
                    )
                {
                    bail!()
                }
                for i in 0..=nargs {
                    stack[frame_func + i] = stack[func + i];
                }
                fr.closure = callee;
                fr.base = (frame_func + 1) as u32;
                fr.pc = 0;
                fr.nvarargs = 0;
                fr.aux = LuaFrame::TAIL;
                (cdata, fp, base) = (ccd, cfp, frame_func + 1);
                code = &fp.proto.code;
                goto!(0);
                set_switched!();
            }
            // `execute`'s `NewTable` (in the variant with calls: a function that starts by
            // making a table, as a constructor does), when the memory budget has the room and
            // the fuel left pays for it (else `execute` raises or stops as it does).
            Op::NewTable { a, b } => {
                if !TABLES {
                    bail!()
                }
                let array = match code.get(pc) {
                    Some(Op::ExtraArg { ax }) => ax.get() as usize,
                    _ => 0,
                };
                let hash = if b == 0 { 0 } else { 1usize << (b - 1).min(30) };
                let cost = super::ops::new_table_cost(array, hash) as usize;
                if lim - pc < cost {
                    bail!()
                }
                let Some(t) = new_table(mc, array, hash) else {
                    bail!()
                };
                r!(a) = t;
                // (Past the `ExtraArg`, uncharged, and the table's cost charged.)
                lim -= cost;
                goto!(pc + 1);
            }
            // `execute`'s `SetList` (`ops::set_list`) into a table (a constructor's list, as
            // `{f(x), g(x)}`), in the variant with calls, when the fuel left pays for it and
            // the memory budget has the room.
            Op::SetList { a, b } => {
                if !TABLES {
                    bail!()
                }
                let start = match code.get(pc) {
                    Some(Op::ExtraArg { ax }) => ax.get() as usize,
                    _ => 0,
                };
                let ra = base + a as usize;
                let n = if b == 0 {
                    (*top as usize).min(stack.len()).saturating_sub(ra + 1)
                } else {
                    b as usize
                };
                let cost = (n as i64 / fuelc::SETLIST_VALUES_PER_FUEL) as usize;
                if lim - pc < cost {
                    bail!()
                }
                let (Some(&t), Some(vals)) = (stack.get(ra), stack.get(ra + 1..ra + 1 + n)) else {
                    bail!()
                };
                if !set_list(mc, t, start, vals) {
                    bail!()
                }
                // (Past the `ExtraArg`, uncharged, and the values' cost charged.)
                lim -= cost;
                goto!(pc + 1);
            }
            // `execute`'s `Return0` and `Return1` to a Lua caller's plain `Call` that wants
            // at most one result, when the caller's frame needs no growth of the stack.
            Op::Return0 {} => lua_return!(Value::Nil, 0),
            Op::Return1 { a } => lua_return!(r!(a), 1),
            // (Every opcode named: no range check before the jump table.)
            Op::Close { .. }
            | Op::Closure { .. }
            | Op::Concat { .. }
            | Op::ExtraArg { .. }
            | Op::LoadKX { .. }
            | Op::Return { .. }
            | Op::SetTabUpK { .. }
            | Op::TForPrep { .. }
            | Op::Tbc { .. }
            | Op::Vararg { .. } => bail!(),
        }
    }
}

/// The code up to `lim` (see [`hot`]'s fuel).
#[inline(always)]
fn window(code: &[Op], lim: usize) -> &[Op] {
    code.get(..lim.min(code.len())).unwrap_or_default()
}

/// A closure's data and function.
#[inline(always)]
fn parts<'gc>(c: Closure<'gc>) -> (&'gc ClosureData<'gc>, &'gc FnProto<'gc>) {
    let cd: &'gc ClosureData<'gc> = Gc::as_ref(c.0);
    (cd, Gc::as_ref(cd.proto))
}

/// Where [`hot`] stopped: its `pc` saved in the top frame if it is another frame than the one
/// it was entered in (`switched`).
#[inline(always)]
fn stop(frames: &mut [Frame<'_>], pc: usize, f: i64, switched: bool) -> (usize, i64, bool) {
    if switched {
        if let Some(Frame::Lua(fr)) = frames.last_mut() {
            fr.pc = pc as u32;
        }
    }
    (pc, f, switched)
}
