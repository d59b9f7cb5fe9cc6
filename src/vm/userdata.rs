//! Full userdata: host objects with a metatable, registered by type name for snapshots.

use gc_arena::{lock::RefLock, Collect, Gc};

use super::table::Table;

/// A userdata handle.
#[derive(Copy, Clone, Collect)]
#[collect(no_drop)]
pub struct Userdata<'gc>(pub Gc<'gc, RefLock<UserdataData<'gc>>>);

/// A userdata's contents: a registered type name and opaque bytes owned by the host type.
#[derive(Collect)]
#[collect(no_drop)]
pub struct UserdataData<'gc> {
    /// The registered type name (snapshots save userdata through it).
    #[collect(require_static)]
    pub type_name: &'static str,
    /// The payload of a library userdata (an `io` file's kind): plain bytes, saved as is.
    #[collect(require_static)]
    pub payload: Vec<u8>,
    /// The host value of a host userdata type (see `api::userdata`), saved through the type's
    /// registered codec.
    #[collect(require_static)]
    pub host: Option<std::rc::Rc<std::cell::RefCell<dyn std::any::Any>>>,
    /// The metatable.
    pub meta: Option<Table<'gc>>,
    /// Deterministic object id (0 = not yet assigned).
    #[collect(require_static)]
    pub id: u64,
    /// Bytes charged to the VM's memory account (the object and its payload at creation);
    /// held only to be released when the userdata is freed.
    #[collect(require_static)]
    _charge: super::memory::Charge,
    /// Marked for finalization (in the collector's `finobj` list, see `vm::gc`).
    #[collect(require_static)]
    pub fin_marked: bool,
}

impl<'gc> Userdata<'gc> {
    /// A new userdata of the registered type `type_name`.
    pub fn new(
        mc: &gc_arena::Mutation<'gc>,
        type_name: &'static str,
        payload: Vec<u8>,
        meta: Option<Table<'gc>>,
        id: u64,
    ) -> Userdata<'gc> {
        let bytes = super::memory::OBJECT_HEADER
            + std::mem::size_of::<RefLock<UserdataData<'static>>>()
            + payload.len();
        Userdata(Gc::new(
            mc,
            RefLock::new(UserdataData {
                type_name,
                payload,
                host: None,
                meta,
                id,
                _charge: super::memory::Charge::new(bytes),
                fin_marked: false,
            }),
        ))
    }

    /// A new userdata holding a host value of `size` bytes (charged as such, so the count is
    /// the same after a snapshot round trip whatever the value's serialized size).
    pub fn new_host(
        mc: &gc_arena::Mutation<'gc>,
        type_name: &'static str,
        value: std::rc::Rc<std::cell::RefCell<dyn std::any::Any>>,
        size: usize,
        meta: Option<Table<'gc>>,
    ) -> Userdata<'gc> {
        Self::new_host_with_id(mc, type_name, value, size, meta, 0)
    }

    /// [`Userdata::new_host`] with a known object id (a restore).
    pub fn new_host_with_id(
        mc: &gc_arena::Mutation<'gc>,
        type_name: &'static str,
        value: std::rc::Rc<std::cell::RefCell<dyn std::any::Any>>,
        size: usize,
        meta: Option<Table<'gc>>,
        id: u64,
    ) -> Userdata<'gc> {
        let bytes = super::memory::OBJECT_HEADER
            + std::mem::size_of::<RefLock<UserdataData<'static>>>()
            + size;
        Userdata(Gc::new(
            mc,
            RefLock::new(UserdataData {
                type_name,
                payload: Vec::new(),
                host: Some(value),
                meta,
                id,
                _charge: super::memory::Charge::new(bytes),
                fin_marked: false,
            }),
        ))
    }
}

impl<'gc> PartialEq for Userdata<'gc> {
    fn eq(&self, other: &Self) -> bool {
        Gc::ptr_eq(self.0, other.0)
    }
}
