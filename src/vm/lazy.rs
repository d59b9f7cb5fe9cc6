//! Lazy forks: a VM forked from an image shares the image's objects until it uses them.
//!
//! # Design
//! A fork starts with only its roots in its own heap. Every other object of the image is
//! *made* (allocated in the fork's gc-arena heap) the first time the fork reaches it, and
//! recorded in the fork's [`Fork`] so that each image object becomes exactly one object of
//! the fork (identity is kept). A table is made as a *pending* shell: its metatable is set,
//! but its contents stay in the image. Reads of a pending table (`rawget`) look the key up
//! in the image and make only the value found; anything else (a write, `next`, `#`) first
//! copies the contents into the shell ("fills" it) and then works on the table as usual. So
//! does the 1025th read of the same table: reading through the image costs a few plain reads,
//! so a table read in a loop is better copied.
//!
//! Laziness must be invisible to Lua code, so a fork behaves exactly as an eager restore of
//! the image:
//! - Object ids, iteration order and memory charges are those of the image's objects. The
//!   account starts at the image's total, and objects made later are made *uncounted*
//!   ([`super::memory::uncounted`]): their charges were paid at the fork.
//! - Nothing is collected while anything is pending: before the collector runs, and before
//!   the VM is saved, the fork makes and fills everything ([`LazySource::materialize_all`]).
//!   From then on the heap is the one an eager restore would have built, so weak tables,
//!   finalizers and the memory count behave as there.
//!
//! The `vm` layer only knows this interface; the `snapshot` layer implements it over a
//! decoded image.

use std::sync::Arc;

use gc_arena::{lock::RefLock, Collect, Gc, Mutation};
use smallvec::SmallVec;

use super::closure::{FnProto, Upvalue};
use super::state::TM_COUNT;
use super::string::LuaStr;
use super::table::Table;
use super::value::Value;

/// Where a lazy fork's objects come from (implemented by the snapshot layer). Its methods
/// never fail: the image was checked when it was made (by building it once in full), so what
/// they link is known to be consistent; were it not, they make nil rather than panic.
pub trait LazySource: 'static {
    /// `rawget(t, key)` for the pending table made from image object `obj`, or `None` when
    /// the image cannot answer without copying the table (the caller then fills it).
    fn table_get<'gc>(
        &self,
        mc: &Mutation<'gc>,
        fork: Gc<'gc, Fork<'gc>>,
        obj: u32,
        key: Value<'gc>,
    ) -> Option<Value<'gc>>;

    /// The key object of the string key spelled `bytes` in the pending table made from image
    /// object `obj`, when its value is not nil (made as a read of it would make it, without
    /// copying the table): `Some(None)` for none, `None` when the image cannot answer
    /// without copying the table (the caller then fills it, as for [`Self::table_get`]).
    fn table_str_key<'gc>(
        &self,
        mc: &Mutation<'gc>,
        fork: Gc<'gc, Fork<'gc>>,
        obj: u32,
        bytes: &[u8],
    ) -> Option<Option<super::string::LuaStr<'gc>>>;

    /// Copies the contents of image table `obj` into its pending shell `table`.
    fn table_fill<'gc>(
        &self,
        mc: &Mutation<'gc>,
        fork: Gc<'gc, Fork<'gc>>,
        obj: u32,
        table: Table<'gc>,
    );

    /// Makes every object of the image and fills every table.
    fn materialize_all<'gc>(&self, mc: &Mutation<'gc>, fork: Gc<'gc, Fork<'gc>>);
}

/// One object made from the image.
#[derive(Copy, Clone, Collect)]
#[collect(no_drop)]
pub enum Made<'gc> {
    /// A value object (string, table, function, thread, userdata).
    Value(Value<'gc>),
    /// An upvalue cell.
    Upvalue(Upvalue<'gc>),
    /// A function instance.
    Proto(Gc<'gc, FnProto<'gc>>),
}

/// What kind of image entry a key of [`Fork::made`] names.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum MadeKey {
    /// Image object `i`.
    Object(u32),
    /// Function instance `i` of the image's function table.
    Proto(u32),
}

/// How many made objects a fork keeps inline (see [`Fork`]).
const SMALL_MADE: usize = 8;

/// A fork's lookups past its first `SMALL_MADE` made objects (boxed: most agents never need
/// them, and a spawn then touches fewer fresh bytes).
#[derive(Default)]
struct BigIndex {
    /// Where each made object is in `made`, once there are more than `SMALL_MADE`.
    index: hashbrown::HashMap<MadeKey, u32>,
    /// While the fork is being completed: image object `i` → its position in `made` plus one
    /// (0: not made), replacing `index` for objects (one array access instead of a hash
    /// lookup for each of the image's objects and references).
    dense: Vec<u32>,
}

/// A lazy fork's link to its image and the objects made from it so far.
///
/// Kept small (about 300 bytes, from 760): a spawn allocates it in fresh memory, and first
/// touches of fresh pages are most of a spawn's wall time.
#[derive(Collect)]
#[collect(no_drop)]
pub struct Fork<'gc> {
    /// The image.
    #[collect(require_static)]
    pub source: Arc<dyn LazySource + Send + Sync>,
    /// Objects made so far (kept alive: a pending table may still lead to them). Inline up
    /// to `SMALL_MADE`: what a fork makes before its script runs (its threads, stack
    /// values, the main function, the root tables: seven for an agent), so a spawn
    /// allocates no list and no index.
    made: RefLock<SmallVec<[Made<'gc>; SMALL_MADE]>>,
    /// The key of each entry of `made`, at the same position (searched in order while there
    /// are at most `SMALL_MADE`).
    #[collect(require_static)]
    keys: std::cell::RefCell<SmallVec<[MadeKey; SMALL_MADE]>>,
    /// The index past `SMALL_MADE` objects and the dense one of a completion (`None`
    /// before either is needed).
    #[collect(require_static)]
    big: std::cell::RefCell<Option<Box<BigIndex>>>,
    /// Set once everything is made and filled: the fork is an ordinary VM.
    #[collect(require_static)]
    pub complete: std::cell::Cell<bool>,
    /// Metamethod names made since the fork (see `Ctx::tm`); kept when `made` is cleared,
    /// until the VM moves them into its state. Boxed when the first is made (most agents
    /// never use a metamethod).
    tm: RefLock<Option<Box<[Option<LuaStr<'gc>>; TM_COUNT]>>>,
}

impl<'gc> Fork<'gc> {
    /// A fork of `source` with nothing made yet.
    #[inline]
    pub fn new(mc: &Mutation<'gc>, source: Arc<dyn LazySource + Send + Sync>) -> Gc<'gc, Self> {
        Gc::new(
            mc,
            Fork {
                source,
                made: RefLock::new(SmallVec::new()),
                keys: Default::default(),
                big: Default::default(),
                complete: std::cell::Cell::new(false),
                tm: RefLock::new(None),
            },
        )
    }

    /// The object made for `key`, if it was made.
    #[inline]
    pub fn get(&self, key: MadeKey) -> Option<Made<'gc>> {
        let i = {
            let keys = self.keys.borrow();
            if keys.len() <= SMALL_MADE {
                // (Every made key is here, also while completing: the dense array is only
                // faster.)
                keys.iter().position(|&k| k == key)? as u32
            } else {
                let big = self.big.borrow();
                let big = big.as_deref()?;
                match key {
                    MadeKey::Object(o) if !big.dense.is_empty() => {
                        big.dense.get(o as usize)?.checked_sub(1)?
                    }
                    _ => *big.index.get(&key)?,
                }
            }
        };
        self.made.borrow().get(i as usize).copied()
    }

    /// Switches object lookups to an array of `objects` entries (before making them all).
    pub fn densify(&self, objects: usize) {
        let mut dense = vec![0u32; objects.max(1)];
        for (pos, key) in self.keys.borrow().iter().enumerate() {
            let pos = pos as u32;
            if let MadeKey::Object(o) = *key {
                if let Some(slot) = dense.get_mut(o as usize) {
                    *slot = pos + 1;
                }
            }
        }
        self.big
            .borrow_mut()
            .get_or_insert_with(Default::default)
            .dense = dense;
    }

    /// Records the object made for `key`.
    pub fn record(this: Gc<'gc, Self>, mc: &Mutation<'gc>, key: MadeKey, made: Made<'gc>) {
        let mut list = gc_arena::barrier::unlock!(Gc::write(mc, this), Fork, made).borrow_mut();
        let pos = list.len() as u32;
        list.push(made);
        let mut keys = this.keys.borrow_mut();
        keys.push(key);
        let n = keys.len();
        let mut big = this.big.borrow_mut();
        if n <= SMALL_MADE && big.is_none() {
            return;
        }
        let big = big.get_or_insert_with(Default::default);
        let mut indexed = false;
        if let MadeKey::Object(o) = key {
            if let Some(slot) = big.dense.get_mut(o as usize) {
                *slot = pos + 1;
                indexed = true;
            }
        }
        if n == SMALL_MADE + 1 {
            // Past the inline size: every key is indexed from now on (objects in the
            // dense array instead while it is in use).
            big.index.reserve(4 * SMALL_MADE);
            for (p, &k) in keys.iter().enumerate() {
                big.index.insert(k, p as u32);
            }
        } else if n > SMALL_MADE + 1 && !indexed {
            big.index.insert(key, pos);
        }
    }

    /// Metamethod name `i`, made by `make` the first time.
    pub fn tm_name(
        this: Gc<'gc, Self>,
        mc: &Mutation<'gc>,
        i: usize,
        make: impl FnOnce() -> LuaStr<'gc>,
    ) -> LuaStr<'gc> {
        if let Some(s) = this.tm_made(i) {
            return s;
        }
        let s = make();
        let mut tm = gc_arena::barrier::unlock!(Gc::write(mc, this), Fork, tm).borrow_mut();
        if let Some(slot) = tm
            .get_or_insert_with(|| Box::new([None; TM_COUNT]))
            .get_mut(i)
        {
            *slot = Some(s);
        }
        s
    }

    /// Metamethod name `i`, if the fork made it.
    pub fn tm_made(&self, i: usize) -> Option<LuaStr<'gc>> {
        self.tm.borrow().as_deref()?.get(i).copied().flatten()
    }

    /// Forgets every made object (once nothing is pending, the heap holds what it needs).
    pub fn clear(this: Gc<'gc, Self>, mc: &Mutation<'gc>) {
        *gc_arena::barrier::unlock!(Gc::write(mc, this), Fork, made).borrow_mut() = SmallVec::new();
        *this.keys.borrow_mut() = SmallVec::new();
        *this.big.borrow_mut() = None;
        this.complete.set(true);
    }
}

/// A table shell's link to its contents in the image.
#[derive(Copy, Clone, Collect)]
#[collect(no_drop)]
pub struct Pending<'gc> {
    /// The fork.
    pub fork: Gc<'gc, Fork<'gc>>,
    /// The table's object index in the image.
    #[collect(require_static)]
    pub obj: u32,
}
