//! Per-VM memory accounting and the memory budget.
//!
//! gc-arena counts objects, not bytes, so the VM keeps its own count of the bytes it owns:
//! every heap object is charged when it is created or grows (strings, tables and their parts,
//! thread stacks, closures, compiled functions) and released when the collector frees it.
//!
//! Sizes follow a documented *model* (`size_of` the Rust structures, a fixed per-object
//! header, element counts times element sizes) rather than the allocator's real numbers, so
//! the count is the same on every run of the same program.
//!
//! Objects are freed by the collector's sweep, which cannot reach the VM's state, so the
//! running count lives in thread-local cells while a VM is *entered*: every `Vm` operation
//! that can allocate or collect holds an [`Entered`] guard (see `api`), which loads the VM's
//! account into the thread's cells and stores it back when dropped. Guards nest (a host may
//! drive one VM from inside another's callback), each restoring what it replaced.
//!
//! Enforcement (see `api::Vm::step` and `NativeCtx::reserve`): allocations whose size a script
//! controls are checked *before* they are made; everything else is checked between fuel
//! slices. Over the budget, the VM first runs a quiet complete collection (one Lua cannot
//! observe: weak tables and finalization marks are held strongly), then, if that is not
//! enough, a full one, and only if it is still over raises the Lua error "not enough memory".

use std::cell::Cell;
use std::rc::Rc;

/// Bytes charged per heap object on top of its contents (gc-arena's object header).
pub const OBJECT_HEADER: usize = 16;
/// Bytes per value slot (array parts, stacks).
pub const VALUE_BYTES: usize = 16;
/// Bytes per hash-part node (key, value and index entry).
pub const NODE_BYTES: usize = 40;

thread_local! {
    static USED: Cell<u64> = const { Cell::new(0) };
    static LIMIT: Cell<u64> = const { Cell::new(u64::MAX) };
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    static ALLOCATED: Cell<u64> = const { Cell::new(0) };
    static PACING: Cell<bool> = const { Cell::new(false) };
    static HASH_KEY: Cell<u64> = const { Cell::new(0) };
}

/// A VM's memory account (kept outside the arena; loaded into the thread while entered).
#[derive(Debug)]
pub struct Account {
    used: Cell<u64>,
    /// Every byte charged except transient charges (a counter that wraps; see
    /// [`allocated`]).
    allocated: Cell<u64>,
    limit: Cell<u64>,
    peak: Cell<u64>,
    /// The VM's hash key (`State::hash_key`), the thread's [`hash_key`] while entered.
    hash_key: Cell<u64>,
}

impl Default for Account {
    fn default() -> Self {
        Account {
            used: Cell::new(0),
            allocated: Cell::new(0),
            limit: Cell::new(u64::MAX),
            peak: Cell::new(0),
            hash_key: Cell::new(0),
        }
    }
}

impl Account {
    /// A new account with no limit.
    pub fn new() -> Rc<Account> {
        Rc::new(Account::default())
    }

    /// Bytes currently accounted (as of the last time the VM was left, or live if entered).
    pub fn used(&self) -> u64 {
        self.used.get()
    }

    /// The budget in bytes (`u64::MAX`: none).
    #[inline]
    pub fn limit(&self) -> u64 {
        self.limit.get()
    }

    /// Sets the budget in bytes (`None`: unlimited).
    pub fn set_limit(&self, limit: Option<u64>) {
        self.limit.set(limit.unwrap_or(u64::MAX));
    }

    /// Sets the VM's hash key (before the account is first entered: every table and
    /// string hash made while it is entered uses it, see [`hash_key`]).
    pub fn set_hash_key(&self, key: u64) {
        self.hash_key.set(key);
    }

    /// Sets the allocation counter (see [`allocated`]) of an account not entered.
    pub fn set_allocated(&self, bytes: u64) {
        self.allocated.set(bytes);
    }

    /// The highest count seen at the end of an entered section.
    pub fn peak(&self) -> u64 {
        self.peak.get()
    }

    /// Records the entered count in the peak (called by the host loop between slices).
    #[inline]
    pub fn note_peak(&self) {
        let used = if ACTIVE.get() {
            USED.get()
        } else {
            self.used.get()
        };
        if used > self.peak.get() {
            self.peak.set(used);
        }
    }

    /// Makes this account the thread's current one until the guard is dropped.
    #[inline]
    pub fn enter(self: &Rc<Self>) -> Entered {
        let prev = (USED.get(), LIMIT.get(), ACTIVE.get(), ALLOCATED.get());
        let prev_key = HASH_KEY.replace(self.hash_key.get());
        USED.set(self.used.get());
        ALLOCATED.set(self.allocated.get());
        LIMIT.set(self.limit.get());
        ACTIVE.set(true);
        Entered {
            account: self.clone(),
            prev,
            prev_key,
        }
    }
}

/// Guard of an entered account: stores the count back and restores the previous one.
pub struct Entered {
    account: Rc<Account>,
    prev: (u64, u64, bool, u64),
    prev_key: u64,
}

impl Drop for Entered {
    #[inline]
    fn drop(&mut self) {
        let used = USED.get();
        self.account.used.set(used);
        self.account.allocated.set(ALLOCATED.get());
        if used > self.account.peak.get() {
            self.account.peak.set(used);
        }
        USED.set(self.prev.0);
        LIMIT.set(self.prev.1);
        ACTIVE.set(self.prev.2);
        ALLOCATED.set(self.prev.3);
        HASH_KEY.set(self.prev_key);
    }
}

/// Charges `bytes` to the entered account (nothing if none is entered).
#[inline]
pub fn charge(bytes: usize) {
    if ACTIVE.get() {
        USED.set(USED.get().saturating_add(bytes as u64));
        if PACING.get() {
            ALLOCATED.set(ALLOCATED.get().wrapping_add(bytes as u64));
        }
    }
}

/// Runs `f` with [`allocated`] counting charges (`on`) or not. The VM counts only what
/// Lua code and the libraries allocate: the host's own code (host functions, conversions of
/// what it delivers) may allocate differently when a journal replays it, and the pacing of
/// full collections must not depend on that.
#[inline]
pub fn with_pacing<R>(on: bool, f: impl FnOnce() -> R) -> R {
    // (`with`: `LocalKey::set` is not inlined, and this runs on every call.)
    let before = PACING.with(|p| p.replace(on));
    let r = f();
    PACING.with(|p| p.set(before));
    r
}

/// Releases `bytes` from the entered account.
#[inline]
pub fn release(bytes: usize) {
    if ACTIVE.get() {
        USED.set(USED.get().saturating_sub(bytes as u64));
    }
}

/// Runs `f` without charging the entered account for what it allocates (objects a lazy fork
/// makes from its image were paid for when the fork was made, see `vm::lazy`). Releases are
/// not expected inside (nothing is collected or shrunk while objects are being made).
pub fn uncounted<R>(f: impl FnOnce() -> R) -> R {
    let before = (USED.get(), ALLOCATED.get());
    let r = f();
    USED.set(before.0);
    ALLOCATED.set(before.1);
    r
}

/// Every byte charged to the entered VM so far by Lua code and the libraries (see
/// [`with_pacing`]), except transient charges (a counter that only grows, and wraps). Frees do not lower it, so unlike the count it does not depend on
/// when the collector's cycles ran: its differences measure what the program allocated.
/// Transient charges ([`Charge::transient`]: a suspended native's frame) are left out
/// because whether they are made depends on where steps end.
#[inline]
pub fn allocated() -> u64 {
    ALLOCATED.get()
}

/// The entered VM's hash key (0 when none is entered): the key of every table's hashes.
/// A table does not keep the key (that made its record 16 bytes larger, a size class
/// more): every VM operation that reads or writes a table runs entered (see `api`), and
/// the key of a VM never changes, so the hashes a table's index holds, and the hash a
/// long string caches on first use as a key, are the same whenever they are computed.
#[inline(always)]
pub fn hash_key() -> u64 {
    HASH_KEY.get()
}

/// Sets the entered account's count (a lazy fork starts at its image's total).
pub fn set_used(bytes: u64) {
    if ACTIVE.get() {
        USED.set(bytes);
    }
}

/// Bytes accounted to the entered VM.
#[inline]
pub fn used() -> u64 {
    USED.get()
}

/// The entered VM's budget (`u64::MAX`: none).
#[inline]
pub fn limit() -> u64 {
    LIMIT.get()
}

/// Whether `extra` more bytes fit in the entered VM's budget.
#[inline]
pub fn fits(extra: usize) -> bool {
    USED.get().saturating_add(extra as u64) <= LIMIT.get()
}

/// Whether the entered VM is over its budget.
#[inline]
pub fn over() -> bool {
    USED.get() > LIMIT.get()
}

/// A charge owned by a heap object: set as the object grows, released when it is dropped
/// (by the collector's sweep, inside an entered section).
#[derive(Debug, Default)]
pub struct Charge(Cell<usize>);

impl Charge {
    /// A new charge of `bytes` (charged now).
    #[inline]
    pub fn new(bytes: usize) -> Charge {
        if bytes != 0 {
            charge(bytes);
        }
        Charge(Cell::new(bytes))
    }

    /// A new transient charge of `bytes`: counted, but not in [`allocated`] (see there).
    #[inline]
    pub fn transient(bytes: usize) -> Charge {
        if bytes != 0 && ACTIVE.get() {
            USED.set(USED.get().saturating_add(bytes as u64));
        }
        Charge(Cell::new(bytes))
    }

    /// Changes the charge to `bytes`, charging or releasing the difference.
    #[inline]
    pub fn set(&self, bytes: usize) {
        self.set_inline(bytes);
    }

    /// [`Self::set`], always inline (a host call's coroutine is charged and parked on every
    /// call).
    #[inline(always)]
    pub fn set_inline(&self, bytes: usize) {
        let old = self.0.get();
        if bytes > old {
            charge(bytes - old);
        } else {
            release(old - bytes);
        }
        self.0.set(bytes);
    }

    /// The bytes currently charged.
    pub fn get(&self) -> usize {
        self.0.get()
    }
}

impl Drop for Charge {
    #[inline]
    fn drop(&mut self) {
        let bytes = self.0.get();
        if bytes != 0 {
            release(bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_follow_the_entered_account() {
        let a = Account::new();
        let b = Account::new();
        let c;
        {
            let _ea = a.enter();
            c = Charge::new(100);
            {
                let _eb = b.enter();
                let _d = Charge::new(7);
                assert_eq!(used(), 7);
            }
            assert_eq!(used(), 100);
            c.set(150);
        }
        assert_eq!(a.used(), 150);
        assert_eq!(b.used(), 0);
        let _ea = a.enter();
        drop(c);
        assert_eq!(used(), 0);
    }

    #[test]
    fn the_hash_key_is_the_entered_account_s() {
        let a = Account::new();
        a.set_hash_key(11);
        let b = Account::new();
        b.set_hash_key(22);
        assert_eq!(hash_key(), 0);
        {
            let _ea = a.enter();
            assert_eq!(hash_key(), 11);
            {
                let _eb = b.enter();
                assert_eq!(hash_key(), 22);
            }
            assert_eq!(hash_key(), 11);
        }
        assert_eq!(hash_key(), 0);
    }

    #[test]
    fn limits() {
        let a = Account::new();
        a.set_limit(Some(10));
        let _e = a.enter();
        assert!(fits(10));
        assert!(!fits(11));
        charge(11);
        assert!(over());
    }
}
