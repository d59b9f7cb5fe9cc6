//! How `execute` enters [`hot`](super::hot): the variants chosen for a frame (with calls,
//! with tables, with upvalues open below the frame), the register window a loop is handed
//! over to and the keyed variant it enters (see the parent module's docs, "Register window"
//! and "Keys"). A child module of `fast`, for `hot` and its helpers.

use gc_arena::{Gc, Mutation};

use super::super::closure::{ClosureData, UpState};
use super::super::fast_light::{light_call, light_call_window};
use super::super::state::State;
use super::super::thread::{Thread, ThreadState};
use super::super::value::Value;
use super::hot;
use crate::compiler::opcodes::Op;

/// Runs [`hot`](super::hot) on the Lua frame of `cdata` (the top frame) whose registers start at
/// `ts.stack[base]`: the `pc` and fuel where it stopped, and whether it stopped in another
/// frame than this one (one with another closure or base, after calls or returns: then it
/// has saved that `pc` in the top frame, which `execute` must re-enter). Nothing runs if the stack is shorter than the frame.
/// `state`: the VM's, for the method lookups of the variant for methods, which runs a call
/// (`CALLS`) of a function whose light start makes a table, or, with `methods`, any call
/// (see the module docs of `fast`, "Tables" and "Methods").
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(in super::super) fn enter<'gc, const CALLS: bool>(
    mc: &'gc Mutation<'gc>,
    state: Option<&'gc State<'gc>>,
    methods: bool,
    thread: Thread<'gc>,
    cdata: &'gc ClosureData<'gc>,
    ts: &mut ThreadState<'gc>,
    base: usize,
    pc: usize,
    fuel: i64,
) -> (usize, i64, bool) {
    let fp = Gc::as_ref(cdata.proto);
    if base + fp.proto.max_stack as usize > ts.stack.len() {
        return (pc, fuel, false);
    }
    if !CALLS && open_below(thread, cdata, base) {
        return run_below(mc, thread, ts, cdata, base, pc, fuel);
    }
    if CALLS && fp.proto.light_tables {
        return hot::<true, false, true, false, false, 0>(
            mc,
            thread,
            ts,
            cdata,
            base,
            pc,
            fuel,
            &mut [],
            None,
        );
    }
    if CALLS && methods {
        return hot::<true, false, false, false, true, 0>(
            mc,
            thread,
            ts,
            cdata,
            base,
            pc,
            fuel,
            &mut [],
            state,
        );
    }
    if CALLS {
        hot::<true, false, false, false, false, 0>(
            mc,
            thread,
            ts,
            cdata,
            base,
            pc,
            fuel,
            &mut [],
            None,
        )
    } else {
        run_loop(mc, thread, ts, cdata, base, pc, fuel)
    }
}

/// [`enter`] (without calls) for a frame of a coroutine on which no upvalue is open (its list
/// of open upvalues is empty): none can be open below the frame.
#[inline(always)]
pub(in super::super) fn enter_fresh<'gc>(
    mc: &'gc Mutation<'gc>,
    thread: Thread<'gc>,
    cdata: &'gc ClosureData<'gc>,
    ts: &mut ThreadState<'gc>,
    base: usize,
    pc: usize,
    fuel: i64,
) -> (usize, i64, bool) {
    let fp = Gc::as_ref(cdata.proto);
    if base + fp.proto.max_stack as usize > ts.stack.len() {
        return (pc, fuel, false);
    }
    run_loop(mc, thread, ts, cdata, base, pc, fuel)
}

/// The number of registers in [`hot`](super::hot)'s window (`&mut [Value; WINDOW]`): a register operand
/// is a `u8`, so indexing the window by one needs no bounds check.
pub(in super::super) const WINDOW: usize = 256;

/// The instructions [`hot`](super::hot)`::<false, _>` runs on the stack before it hands the rest over to
/// [`windowed`] or [`windowed_below`], whose copies cost ~400 machine instructions: a
/// loop that turns once per entry (a coroutine's loop around its `yield`) stays on the stack.
/// It runs out of a fuel of this many instructions (the rest kept aside): no count, no test
/// but the one at the end of its fuel. (A run just longer than this pays the copies for
/// little: measured with 64, the bench programs gained 0.0-0.5% less, nbody the 0.5%.)
pub(super) const HAND_OVER: i64 = 32;

/// [`hot`](super::hot)`::<false, false>` on the frame's registers in the stack, and, if it runs out of
/// its [`HAND_OVER`] with fuel left, the rest in [`windowed`] (see the module docs, "Register
/// window").
#[inline(always)]
fn run_loop<'gc>(
    mc: &'gc Mutation<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    cdata: &'gc ClosureData<'gc>,
    base: usize,
    pc: usize,
    fuel: i64,
) -> (usize, i64, bool) {
    let r = hot::<false, false, false, false, false, 0>(
        mc,
        thread,
        ts,
        cdata,
        base,
        pc,
        fuel,
        &mut [],
        None,
    );
    if !r.2 {
        return r;
    }
    windowed(mc, thread, ts, cdata, base, r.0, r.1)
}

/// Whether [`hot`](super::hot), stopped at `pc` (with fuel left), stopped on an access only its keyed
/// variant makes (`KEYS`: a table read or store at a key that is not an integer, the step
/// of a `pairs` or `ipairs` loop, see `table_loop`). That variant is apart because its out-of-line calls
/// cost the loops that never need them 1-5% (registers: fannkuch +5%, table_array +3%
/// when the others had them): a loop enters it where it stops on such an access (the
/// variant that runs a loop's first instructions on the stack hands over to [`windowed`]
/// there). (`reg` reads a register of the frame.)
#[inline]
fn keyed_at<'gc>(
    cdata: &ClosureData<'gc>,
    pc: usize,
    reg: impl Fn(u8) -> Option<Value<'gc>>,
) -> bool {
    match Gc::as_ref(cdata.proto).proto.code.get(pc) {
        Some(Op::GetTable { c: r, .. } | Op::SetTable { b: r, .. }) => {
            !matches!(reg(*r), Some(Value::Int(_)) | None)
        }
        Some(Op::SetTableK { .. } | Op::TForCall { .. }) => true,
        Some(Op::Lt { a, b, .. } | Op::Le { a, b, .. }) => {
            matches!(
                (reg(*a), reg(*b)),
                (Some(Value::Str(_)), Some(Value::Str(_)))
            )
        }
        _ => false,
    }
}

/// [`hot`](super::hot)`::<false, false>` on a copy of the frame's registers in a local array, copied
/// back when it stops: its register accesses need no bounds check. (The frame is on the
/// stack: [`enter`] checked it.)
#[inline(never)]
fn windowed<'gc>(
    mc: &'gc Mutation<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    cdata: &'gc ClosureData<'gc>,
    base: usize,
    pc: usize,
    fuel: i64,
) -> (usize, i64, bool) {
    on_window(ts, cdata, base, pc, fuel, |ts, regs| {
        let (pc, fuel, _) = hot::<false, false, false, false, false, WINDOW>(
            mc, thread, ts, cdata, base, pc, fuel, regs, None,
        );
        if fuel > 0 && keyed_at(cdata, pc, |i| Some(regs[i as usize])) {
            return keyed(mc, thread, ts, cdata, base, pc, fuel, regs);
        }
        (pc, fuel)
    })
}

/// [`hot`](super::hot)'s keyed variant on the window (see [`keyed_at`]). Out of line: inlined beside
/// the other variant in [`windowed`], it cost that one's loops up to 3%.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn keyed<'gc>(
    mc: &'gc Mutation<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    cdata: &'gc ClosureData<'gc>,
    base: usize,
    pc: usize,
    fuel: i64,
    regs: &mut [Value<'gc>; WINDOW],
) -> (usize, i64) {
    let (pc, fuel, _) = hot::<false, false, false, true, false, WINDOW>(
        mc, thread, ts, cdata, base, pc, fuel, regs, None,
    );
    (pc, fuel)
}

/// Runs `run` on a copy of the frame's `max_stack` registers from `base` in a local
/// `[Value; WINDOW]`, copied back to the stack after it (see the module docs, "Register
/// window"); `run` answers where it stopped. Without the registers on the stack, runs
/// nothing.
#[inline(always)]
fn on_window<'gc>(
    ts: &mut ThreadState<'gc>,
    cdata: &'gc ClosureData<'gc>,
    base: usize,
    pc: usize,
    fuel: i64,
    run: impl FnOnce(&mut ThreadState<'gc>, &mut [Value<'gc>; WINDOW]) -> (usize, i64),
) -> (usize, i64, bool) {
    let n = Gc::as_ref(cdata.proto).proto.max_stack as usize;
    let mut regs = [Value::Nil; WINDOW];
    match (ts.stack.get(base..base + n), regs.get_mut(..n)) {
        (Some(from), Some(to)) => to.copy_from_slice(from),
        _ => return (pc, fuel, false),
    }
    let (pc, fuel) = run(ts, &mut regs);
    if let (Some(to), Some(from)) = (ts.stack.get_mut(base..base + n), regs.get(..n)) {
        to.copy_from_slice(from);
    }
    (pc, fuel, false)
}

/// [`enter`]`::<false>` for a frame a coroutine switch just resumed (`switch_call::go_on`):
/// a thread with no open upvalue has none below the frame (an open upvalue is in its
/// thread's list), which spares [`open_below`]'s search on every switch.
#[inline(always)]
pub(in super::super) fn enter_resumed<'gc>(
    mc: &'gc Mutation<'gc>,
    thread: Thread<'gc>,
    cdata: &'gc ClosureData<'gc>,
    ts: &mut ThreadState<'gc>,
    base: usize,
    pc: usize,
    fuel: i64,
) -> (usize, i64) {
    let (pc, fuel, _) = if ts.open_upvalues.is_empty() {
        enter_fresh(mc, thread, cdata, ts, base, pc, fuel)
    } else {
        enter::<false>(mc, None, false, thread, cdata, ts, base, pc, fuel)
    };
    (pc, fuel)
}

/// [`hot`](super::hot)`::<false, true>`, and the light natives it stops at run in place
/// ([`light_resume`]): a loop whose function reads `sqrt` as an upvalue (`nbody`'s
/// `local sqrt = math.sqrt` in the main chunk, open below the loop's frame) and calls it in
/// its body. Out of line, so that `execute`, whose registers are scarce, keeps one call
/// where it enters `hot` (its test inline there cost other programs up to 2.5%, through
/// `execute`'s spills). Not for the other variants: this wrapper costs ~70 instructions per
/// entry (measured with it on every entry: fannkuch +1.6%), and a test in `hot`'s loop,
/// where it stops, cost their programs up to 0.4% (registers).
#[inline(never)]
fn run_below<'gc>(
    mc: &'gc Mutation<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    cdata: &'gc ClosureData<'gc>,
    base: usize,
    pc: usize,
    fuel: i64,
) -> (usize, i64, bool) {
    let r = hot::<false, true, false, false, false, 0>(
        mc,
        thread,
        ts,
        cdata,
        base,
        pc,
        fuel,
        &mut [],
        None,
    );
    light_resume(mc, thread, ts, cdata, base, fuel, r)
}

/// Where [`hot`](super::hot)`::<false, true>` stopped (`r`, in the frame it was entered in): if at a
/// `Call` of a light native (`math.abs`, `math.max`... of numbers) ([`light_call`]), runs it in place and
/// enters `hot` again after it, as often as that happens; else returns where `hot` stopped
/// (and `execute` makes the call). The way out of `hot` and back costs ~100 instructions,
/// where `execute`'s call of the native and its way back into `hot` cost ~300. (Inside
/// `hot`'s loop, the call cost other programs 2-7%: registers.) Once `hot` has run a
/// [`HAND_OVER`] since `f` (the fuel at the entry), in one run or between calls, the rest
/// runs in [`windowed_below`].
#[inline(always)]
fn light_resume<'gc>(
    mc: &'gc Mutation<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    cdata: &'gc ClosureData<'gc>,
    base: usize,
    f: i64,
    r: (usize, i64, bool),
) -> (usize, i64, bool) {
    let (mut pc, mut fuel, mut more) = r;
    loop {
        if more {
            return windowed_below(mc, thread, ts, cdata, base, pc, fuel);
        }
        if !light_call(ts, cdata, base, pc, &mut fuel) {
            return (pc, fuel, false);
        }
        // (The runs of `hot` between the calls used up a [`HAND_OVER`] together.)
        if f - fuel >= HAND_OVER {
            return windowed_below(mc, thread, ts, cdata, base, pc + 1, fuel);
        }
        (pc, fuel, more) = hot::<false, true, false, false, false, 0>(
            mc,
            thread,
            ts,
            cdata,
            base,
            pc + 1,
            fuel,
            &mut [],
            None,
        );
    }
}

/// [`windowed`] for [`hot`](super::hot)`::<false, true>` and the light natives it stops at (as
/// [`light_resume`], with [`light_call_window`]).
#[inline(never)]
fn windowed_below<'gc>(
    mc: &'gc Mutation<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    cdata: &'gc ClosureData<'gc>,
    base: usize,
    pc: usize,
    fuel: i64,
) -> (usize, i64, bool) {
    on_window(ts, cdata, base, pc, fuel, |ts, regs| {
        let (mut pc, mut fuel, _) = hot::<false, true, false, false, false, WINDOW>(
            mc, thread, ts, cdata, base, pc, fuel, regs, None,
        );
        while light_call_window(ts, regs, cdata, base, pc, &mut fuel) {
            (pc, fuel, _) = hot::<false, true, false, false, false, WINDOW>(
                mc,
                thread,
                ts,
                cdata,
                base,
                pc + 1,
                fuel,
                regs,
                None,
            );
        }
        (pc, fuel)
    })
}

/// Whether the closure of `cdata`, running at `base` in `thread`, has an upvalue open below
/// its frame (a local of an enclosing function still running: `nbody`'s `bodies` and
/// `sqrt`), which [`hot`](super::hot)`::<false, false>` cannot read.
#[inline(never)]
fn open_below<'gc>(thread: Thread<'gc>, cdata: &'gc ClosureData<'gc>, base: usize) -> bool {
    cdata.upvalues.iter().any(|u| {
        matches!(u.get().get(), UpState::Open { thread: t, slot } if t == thread && (slot as usize) < base)
    })
}
