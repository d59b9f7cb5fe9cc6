//! Between fuel slices: the memory budget and the collector (see `vm::gc` and `vm::memory`).
//! A child of `api::vm`, so it works on the `Vm`'s own fields.

use super::*;

/// The most collector work (in gc-arena's debt units: about twenty objects traced, or two
/// hundred live objects swept, each) one slice pays, however much fuel it used; the rest of
/// the debt carries over to the next slices (see `Vm::pay_debt_bounded`).
const MAX_DEBT_PER_SLICE: f64 = 4096.0;

/// The most debt units a slice pays per unit of fuel it used (below `MAX_DEBT_PER_SLICE`):
/// the collector's work in a slice is bounded in proportion to the slice, so a host's short
/// step is not charged a long one's share. Above what allocation-heavy loops make
/// (`t[i] = {}` about 0.15 units per fuel), so in a steady state the collector keeps its
/// pace and only bursts (an array part that doubled: tens of thousands of units at once)
/// are spread over the following slices.
const DEBT_PER_FUEL: f64 = 0.2;

/// The fewest debt units any slice may pay (a slice of one unit of fuel still makes
/// progress on a backlog).
const MIN_DEBT_PER_SLICE: f64 = 16.0;

/// The backlog of unpaid debt a slice may leave, as a fraction of the live objects: past
/// it, the slice pays the excess whatever its fuel. The backlog is collector work not done
/// yet, so garbage the heap holds longer; bounding it by a fraction of the heap bounds the
/// heap's growth beyond the collector's pace by that fraction (a program allocating faster
/// than `DEBT_PER_FUEL` for a whole cycle gets its collector work with the slices that
/// exceed it, as before the bound).
const MAX_BACKLOG_FRACTION: f64 = 0.125;

impl Vm {
    /// Before a slice: keeps the VM within its memory budget without anything Lua can
    /// observe. Over it, a quiet collection frees all garbage (atomically: the last resort).
    /// Near it (over three quarters of it, with an eighth of it allocated since the last
    /// cycle ended), the sleeping collector is woken: the incremental cycle frees the
    /// garbage at its pace, a bounded piece per slice, before garbage can push a growing
    /// buffer over the budget (a quiet collection here paused the program for the whole
    /// heap: 100-180 ms over a million live tables). An allocation checked against the
    /// budget that fails anyway gets a quiet collection then (see `after_slice_general`).
    /// What Lua observes of the budget (a full collection, the memory error) comes only at
    /// the fixed points `after_slice` checks. Returns the slice's fuel.
    #[inline]
    pub(super) fn before_slice(&mut self, remaining: i64) -> i64 {
        if memory::over() {
            self.collect_quietly();
        } else if near_budget(self.memory.limit(), self.collected_at)
            && self.sleeping()
            && !self.arena.mutate(|_, st| st.gc.borrow().stopped)
        {
            self.wake_collector();
        }
        self.slice_fuel(remaining)
    }

    /// Whether the collector sleeps (no incremental cycle in progress).
    #[inline]
    pub(super) fn sleeping(&self) -> bool {
        self.arena.collection_phase() == gc_arena::arena::CollectionPhase::Sleeping
    }

    /// Starts an incremental cycle now, without adding work to it: gc-arena wakes once its
    /// debt is positive, so the debt is set to one unit (its deficit, the allocations still
    /// to come before the wake-up, is not readable: a sleeping collector's debt reads as
    /// zero, so enough debt is added to make it positive, then the excess is taken back).
    fn wake_collector(&mut self) {
        let metrics = self.arena.metrics().clone();
        let pacing = crate::vm::gc::PACING;
        // The deficit is at most the sleep after the last cycle: its live objects (at most
        // all objects now, as no sweep ran since) times the sleep factor, or the least sleep.
        let most = metrics.total_gc_count() as f64 * pacing.sleep_factor.max(1.0)
            + pacing.min_sleep as f64
            + 1.0;
        metrics.adjust_debt(most);
        let debt = metrics.allocation_debt();
        if debt > 1.0 {
            metrics.adjust_debt(1.0 - debt);
        }
        self.woke_at = memory::used();
    }

    /// Fuel between the points where the budget and the collector are checked: `SLICE`, or
    /// `LIMITED_SLICE` (a divisor of it) with a memory budget.
    #[inline]
    fn period(&self) -> i64 {
        if self.memory.limit() != u64::MAX {
            LIMITED_SLICE
        } else {
            SLICE
        }
    }

    /// The fuel of the next slice: `remaining`, and never past a multiple of the period in
    /// total fuel (see `after_slice`).
    ///
    /// After a collection made so that an operation could run again, the slice is one unit
    /// of fuel: the operation alone runs (instructions are charged at least one unit, and
    /// an operation that fails again refunds its charge), so `after_slice` knows from the
    /// fuel used whether the program went past it. A failure after that is another
    /// operation's, which gets its own quiet collection first: whether a failure gets a
    /// full collection (which Lua observes through weak tables) or is final then depends on
    /// what is live at that operation, not on how long the slice it falls in is.
    #[inline]
    pub(super) fn slice_fuel(&self, remaining: i64) -> i64 {
        let to_boundary = self.period() - self.into_period(self.fuel_used) as i64;
        if self.retry_pending {
            return remaining.min(1);
        }
        remaining.min(to_boundary)
    }

    /// `fuel % self.period()`, by a constant divisor in each case (a multiplication, where
    /// a division by the variable costs tens of cycles on every host call).
    #[inline]
    fn into_period(&self, fuel: u64) -> u64 {
        if self.memory.limit() != u64::MAX {
            fuel % LIMITED_SLICE as u64
        } else {
            fuel % SLICE as u64
        }
    }

    /// After a slice that used `used` fuel: counts it, and runs the collector (a full
    /// collection a slice asked for, or the paced incremental work).
    ///
    /// Automatic full collections (the ones whose effects Lua observes: weak entries
    /// removed, finalizers due) are considered only when the total fuel crosses a multiple
    /// of `SLICE`, and the memory budget's full collection and error (for memory allocated
    /// without a check of its own) only when it crosses a multiple of the period. Slices
    /// never run past such a point (`slice_fuel`), and fuel is charged at the same program
    /// points whatever the step sizes, so the crossing comes at the same point of the
    /// program however the host slices its steps, saves or forks the VM.
    ///
    /// Returns the fuel charged on top of `used` (already counted): a collection the memory
    /// budget made for an operation that failed its memory check (see
    /// `after_slice_general`).
    #[inline]
    pub(super) fn after_slice(&mut self, used: i64, mut ask: GcAsk) -> i64 {
        if self.retry_pending && used > 0 {
            // The operation a collection was made for went through (or raised): the marks
            // concern it alone (see `slice_fuel`).
            self.retry_pending = false;
            ask.quiet_retry = false;
            self.arena.mutate(|_, state| {
                state.just_collected.set(false);
                state.quiet_retry.set(false);
            });
        }
        let before = self.fuel_used;
        self.fuel_used += used.max(0) as u64;
        let period = self.period() as u64;
        // (`before / period != self.fuel_used / period`, with no division.)
        let crossed_period = self.into_period(before) + (self.fuel_used - before) >= period;
        // Most slices (a host call's, an agent's turn) cross no fixed point, ask nothing and
        // leave no debt: what the general path below does for them, inline.
        if !crossed_period
            && !ask.collect
            && !ask.pressure
            && ask.step.is_none()
            && memory::used() <= self.paced_at
            && self.arena.metrics().allocation_debt() <= 0.0
        {
            self.memory.note_peak();
            self.mark_paced();
            return 0;
        }
        self.after_slice_general(before, crossed_period, ask)
    }

    /// [`Vm::after_slice`] in every case.
    ///
    /// A collection made for an operation that failed its memory check is charged like a
    /// full collection the program asked for (`FULL_GC` and the heap it left): an operation
    /// that fails again and again near the budget (a `pcall` of a huge `string.rep` in a
    /// loop over a big live heap) made two collections of the whole heap each time for a
    /// few fuel units, milliseconds per unit. When these collections come, and what they
    /// leave, depend only on the program (see `slice_fuel`), so the charge does too. (The
    /// quiet collections before a slice are not charged: when they come depends on the
    /// step sizes; they are paced by allocation, at most one per eighth of the budget.)
    #[inline(never)]
    fn after_slice_general(&mut self, before: u64, crossed_period: bool, ask: GcAsk) -> i64 {
        // (The period divides `SLICE`: crossing a multiple of `SLICE` crosses one of the
        // period, and most slices cross neither.)
        let crossed = crossed_period && before / SLICE as u64 != self.fuel_used / SLICE as u64;
        self.memory.note_peak();
        let mut charged = 0;
        let GcAsk {
            collect,
            pressure,
            retry,
            mut quiet_retry,
            step,
        } = ask;
        if crossed_period {
            // (The program went past the operation a collection was made for, if any:
            // fuel was used. A failure that ends this slice is another operation's.)
            quiet_retry = false;
            self.arena.mutate(|_, state| {
                state.just_collected.set(false);
                state.quiet_retry.set(false);
            });
        }
        if collect {
            self.collect_fully();
            self.arena.mutate(|_, state| state.quiet_retry.set(false));
        } else if pressure && retry && quiet_retry {
            // The operation failed again after a quiet collection: the last resort, at a
            // point fixed by the program (the quiet one's count does not depend on history).
            self.collect_fully();
            charged = retry_collection_fuel();
            // Only the last collection made for a retry makes the next failure final.
            self.arena.mutate(|_, state| {
                state.just_collected.set(true);
                state.quiet_retry.set(false);
            });
        } else if pressure && retry {
            self.collect_quietly();
            charged = retry_collection_fuel();
            self.arena.mutate(|_, state| state.quiet_retry.set(true));
        } else if pressure {
            // Room for something that grew anyway: quiet now, the rest at the next fixed point.
            self.collect_quietly();
        } else {
            // Pace the collector by bytes too: gc-arena counts objects, so big strings
            // and tables add debt in proportion to their size. One unit is the average
            // object's size: gc-arena starts a cycle when the debt reaches a fraction of
            // the live object count, so a cycle (which traces a huge table whole) comes
            // once the heap has grown by a fraction of its bytes, as in Lua.
            //
            // Growth alone (a table's parts, a stack) does not wake a sleeping collector: its
            // bytes wait until the program next makes an object, as Lua checks for a cycle
            // when it makes an object, not when a table grows. No object made, no new garbage
            // a cycle could find; and a cycle woken by a table filling up finds the table
            // live, so the next one waits for as much again (table_array's arrays: one dead
            // 4 MB array waited beside each live one).
            let grown = memory::used().saturating_sub(self.paced_at);
            let made = self
                .arena
                .metrics()
                .total_gc_count()
                .saturating_sub(self.paced_objects);
            let defer = made == 0
                && step.is_none()
                && self.arena.collection_phase() == gc_arena::arena::CollectionPhase::Sleeping
                && self.arena.metrics().allocation_debt() <= 0.0;
            if grown > 0 && !defer {
                // gc-arena already counted one unit per object made: only the bytes beyond
                // that (big strings and tables, arrays that grew) are added.
                let extra = grown as f64 / self.debt_unit() - made as f64;
                if extra > 0.0 {
                    self.arena.metrics().adjust_debt(extra);
                }
            }
            if !defer {
                self.mark_paced();
            }
            if self.lazy && (step.is_some() || self.arena.metrics().allocation_debt() > 0.0) {
                self.complete_fork();
            }
            match step {
                // `collectgarbage("step", kb)`: `kb` more kilobytes of debt (0: a basic
                // step of 8 KB), paid now, stopped collector or not.
                Some(kb) => {
                    let unit = self.debt_unit();
                    let bytes = if kb <= 0 { 8192.0 } else { kb as f64 * 1024.0 };
                    let done = crate::vm::gc::step(&mut self.arena, bytes, bytes / unit);
                    if done {
                        self.woke_at = 0;
                    }
                    self.arena
                        .mutate(|mc, state| state.gc.borrow_mut(mc).step_finished = done);
                }
                None if crossed && crate::vm::gc::full_due(&self.arena) => {
                    self.collect_fully();
                }
                // (Without debt the collector has nothing to do: most host calls and agent
                // turns allocate nothing that lasts, and entering it costs more than they do.)
                None if self.arena.metrics().allocation_debt() <= 0.0 => {}
                None => {
                    let used = self.fuel_used - before;
                    if self.pay_debt_bounded(used) {
                        self.settle_unit();
                        self.shorten_sleep();
                        // (The near-budget check counts what was allocated since this.)
                        self.collected_at = memory::used();
                    }
                }
            }
            // What the work freed is not negative allocation: the next slice's growth is
            // measured from here, or a sweep that freed a big table would hide as much new
            // allocation from the pacing (and the heap would grow many times its live size).
            // (Deferred growth stays counted from where it was: nothing ran, nothing freed,
            // unless a full collection did, which marks its own point.)
            if !defer {
                self.mark_paced();
            }
        }
        self.after_slice_end(crossed_period, charged)
    }

    /// Pays the collector's debt for a slice that used `used` fuel, at most a part bounded
    /// in proportion to the slice (`DEBT_PER_FUEL`, at most `MAX_DEBT_PER_SLICE`), unless
    /// the backlog left would pass `MAX_BACKLOG_FRACTION` of the live objects; the rest is
    /// carried over to the next slices. A big allocation's debt (an array part that doubled
    /// to a million slots adds tens of thousands of units at once) is so paid over the next
    /// slices, and no slice does more than a piece of an incremental cycle in proportion to
    /// its fuel while the program keeps within the collector's pace. Whether a cycle ended.
    ///
    /// (Incremental cycles are quiet, so when their work is done changes nothing Lua
    /// observes but `collectgarbage("count")` between full collections.)
    fn pay_debt_bounded(&mut self, used: u64) -> bool {
        let metrics = self.arena.metrics().clone();
        let cap = (used as f64 * DEBT_PER_FUEL).clamp(MIN_DEBT_PER_SLICE, MAX_DEBT_PER_SLICE);
        let backlog = metrics.total_gc_count() as f64 * MAX_BACKLOG_FRACTION;
        let debt = metrics.allocation_debt();
        let carried = (debt - cap).min(backlog);
        if carried > 0.0 {
            metrics.adjust_debt(-carried);
        }
        if self.sleeping() {
            self.woke_at = memory::used();
        }
        let finished = crate::vm::gc::pay_debt(&mut self.arena);
        if carried > 0.0 {
            metrics.adjust_debt(carried);
        }
        finished
    }

    /// The end of [`Vm::after_slice_general`]: the memory budget at a fixed point, the retry
    /// state, the fuel charged.
    fn after_slice_end(&mut self, crossed_period: bool, charged: i64) -> i64 {
        if crossed_period {
            let exhausted = memory::over() && self.enforce_budget();
            self.arena
                .mutate(|_, state| state.budget_exhausted.set(exhausted));
        }
        self.retry_pending = self
            .arena
            .mutate(|_, state| state.quiet_retry.get() || state.just_collected.get());
        self.fuel_used = self.fuel_used.saturating_add(charged as u64);
        charged
    }

    /// Enforces the memory budget at a fixed point of the program: a quiet collection
    /// (which Lua cannot observe, see `vm::gc::quiet`), a full one if the VM is still over
    /// the budget, and the memory error at the start of the next slice if even that is not
    /// enough. Whether the VM is over after a complete collection depends only on what is
    /// live, so both come at the same point in every run. Returns whether the VM is still
    /// over its budget.
    fn enforce_budget(&mut self) -> bool {
        self.collect_quietly();
        if memory::over() {
            self.collect_fully();
        }
        if memory::over() {
            self.arena.mutate(|_, state| state.memory_error.set(true));
            return true;
        }
        false
    }

    /// Bytes per unit of gc-arena's allocation debt: the average live object's size when
    /// the collector last finished a cycle. gc-arena counts objects, so big strings and
    /// tables add debt in proportion to their size through this unit; gc-arena wakes when
    /// the debt reaches a fraction of the live object count, so a cycle (which traces a huge
    /// table whole) comes once the heap has grown by a fraction of its live bytes, as in Lua.
    ///
    /// The average is taken when a cycle ends, not now: garbage waiting for the collector
    /// would raise today's average, and with it the bytes a unit stands for, so a program
    /// dropping big tables would slow its own collector down (the heap of one that made a
    /// 4 MB array per round grew to ten of them).
    fn debt_unit(&self) -> f64 {
        let unit = if self.settled_unit > 0.0 {
            self.settled_unit
        } else {
            let objects = self.arena.metrics().total_gc_count().max(1) as f64;
            memory::used() as f64 / objects
        };
        unit.max(MIN_BYTES_PER_DEBT_UNIT)
    }

    /// After an incremental cycle that the pacing woke (at `woke_at`) has finished: sleeps
    /// less before the next one if this one found the heap mostly live.
    ///
    /// gc-arena sleeps until the program has allocated as much as the cycle left (`PACING`:
    /// Lua's pause of 200%), which bounds the garbage of a program that makes it steadily:
    /// each cycle then frees about half the heap it woke at. But while the heap grows, each
    /// cycle finds it live and puts the next wake-up at twice a heap that is still growing;
    /// when the growth stops, the last wake-up lies anywhere between the largest live heap
    /// and twice it, and what the program then drops (a round's data, replaced by the next
    /// round's) piles up to there. Which cycle happened to come last decided the peak: sort
    /// kept a round's 50,000 dead tables beside most of the next round's, 18.3 MB with the
    /// standalone libraries against 16.0 MB with the sandbox's, whose fewer start-up objects
    /// moved every cycle (lua5.4's cycles fall luckily there: its peak heap is 1.14 times its
    /// live heap). So the next sleep is `0.75 + f` of what the cycle left, at most all of it:
    /// `f` the fraction of the heap it woke at that it freed. A cycle of a steady state frees
    /// about half (the sleep stays Lua's); one that finds the heap live puts the next wake-up
    /// at 1.75 times it, so the wake-ups follow a growing heap more closely, for more cycles
    /// while it grows (the live heap traced 2.33 times over a growth from nothing instead of
    /// twice: sleeping half as long, 3 times, cost up to 3% more instructions) and none once
    /// the program makes garbage again. Peaks (`--stats`, standalone / sandbox): sort 18.3 /
    /// 16.0 MB -> 15.5 / 14.8, binary_trees 4.38 / 4.66 -> 3.91 / 4.64.
    fn shorten_sleep(&mut self) {
        let woke_at = std::mem::take(&mut self.woke_at);
        if woke_at == 0 {
            return;
        }
        let freed = 1.0 - memory::used() as f64 / woke_at as f64;
        let sleep = (0.75 + freed.max(0.0)).min(1.0);
        let pacing = crate::vm::gc::PACING;
        let objects = self.arena.metrics().total_gc_count() as f64;
        let min = pacing.min_sleep as f64;
        let full = (objects * pacing.sleep_factor).max(min);
        let shorter = (objects * pacing.sleep_factor * sleep).max(min);
        if full > shorter {
            // (gc-arena wakes once the debt is positive: debt added now shortens the sleep.)
            self.arena.metrics().adjust_debt(full - shorter);
        }
    }

    /// Records the count and the objects the next slice's growth is measured from.
    #[inline]
    fn mark_paced(&mut self) {
        self.paced_at = memory::used();
        self.paced_objects = self.arena.metrics().total_gc_count();
    }

    /// Records the average live object's size after a cycle (see `debt_unit`).
    fn settle_unit(&mut self) {
        let objects = self.arena.metrics().total_gc_count().max(1) as f64;
        self.settled_unit = memory::used() as f64 / objects;
    }

    /// A complete collection that holds weak tables and finalization marks strongly.
    pub(super) fn collect_quietly(&mut self) {
        self.complete_fork();
        crate::vm::gc::quiet(&mut self.arena);
        self.woke_at = 0;
        self.mark_paced();
        self.collected_at = memory::used();
        self.settle_unit();
    }

    /// Finishes any collection cycle in progress (it may have marked objects that are garbage
    /// now), then runs a complete one.
    pub(super) fn collect_fully(&mut self) {
        self.complete_fork();
        crate::vm::gc::full(&mut self.arena);
        self.woke_at = 0;
        self.mark_paced();
        self.collected_at = memory::used();
        self.settle_unit();
    }
}

/// The fuel of a complete collection made for an operation to run again, by what it left.
fn retry_collection_fuel() -> i64 {
    crate::limits::fuel::FULL_GC.saturating_add(crate::limits::fuel::live_heap_fuel(memory::used()))
}

/// Whether a slice must first do memory work (see `Vm::before_slice`): over the budget, or
/// near it (`limit`; `u64::MAX` is none) with an eighth of it allocated since the last
/// complete collection or incremental cycle ended (at `collected_at`) and the collector
/// `sleeping`.
#[inline]
pub(super) fn memory_work_due(limit: u64, collected_at: u64, sleeping: bool) -> bool {
    memory::over() || (sleeping && near_budget(limit, collected_at))
}

/// Whether the VM is near its budget (`limit`; `u64::MAX` is none): over three quarters of
/// it, with an eighth of it allocated since the last complete collection or incremental
/// cycle ended (at `collected_at`).
#[inline]
fn near_budget(limit: u64, collected_at: u64) -> bool {
    limit != u64::MAX
        && memory::used() > limit - limit / 4
        && memory::used() > collected_at.saturating_add(limit / 8)
}

/// What a slice asked of the collector (read at its end, in its own `mutate`).
pub(super) struct GcAsk {
    /// A full collection (`collectgarbage()`).
    collect: bool,
    /// A collection for the memory budget (a failed memory check).
    pressure: bool,
    /// That collection is for running an operation again (see `State::retry_gc`).
    retry: bool,
    /// A quiet collection was made for running an operation again, and no fixed point or
    /// full collection came since.
    quiet_retry: bool,
    /// `collectgarbage("step", kb)`.
    step: Option<i64>,
}

/// Takes what the slice asked of the collector.
#[inline]
pub(super) fn gc_ask(ctx: Ctx<'_>) -> GcAsk {
    let state = ctx.state;
    let step = if state.gc.borrow().step_request.is_some() {
        state.gc.borrow_mut(ctx.mc).step_request.take()
    } else {
        None
    };
    GcAsk {
        collect: state.collect_requested.replace(false),
        pressure: state.memory_pressure.replace(false),
        retry: state.retry_gc.replace(false),
        // (Not consumed here: it lasts until the next fixed point or full collection, not
        // until the end of whichever slice comes next, which would depend on step sizes.)
        quiet_retry: state.quiet_retry.get(),
        step,
    }
}

/// In a VM just built from a snapshot or an image, with its account entered: charges the
/// garbage the saved VM held beyond the restored objects (`used_at_save`, saved when its
/// collector was stopped; see `State::inherited_garbage`).
pub(super) fn inherit_garbage(arena: &Arena<Root>, used_at_save: Option<u64>) {
    let garbage = used_at_save.map_or(0, |u| u.saturating_sub(memory::used()));
    if garbage > 0 {
        memory::set_used(memory::used().saturating_add(garbage));
        arena.mutate(|_, state| state.inherited_garbage.set(garbage));
    }
}
