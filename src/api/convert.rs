//! Conversions between Rust values and Lua values: [`IntoLua`], [`FromLua`], their
//! multiple-value forms, and the host's owned [`Value`].
//!
//! Numbers follow Lua's rules where Lua has them (`luaL_checkinteger`: integers, floats with
//! an exact integer value and numeric strings convert to integers; an integer type too small
//! for the value is an error, never a wrap). Strings convert from numbers as Lua's
//! `tostring` writes them. A failed conversion says what it expected, what it found and where
//! (`field 'pos.x': expected number, got string`).

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hash};

use smallvec::SmallVec;

use super::context::{mismatch, Context};
use super::error::{Error, Result};
use super::handle::{AnyUserData, Function, Handle, LuaString, Table, Thread};
use crate::vm::convert as vmconv;
use crate::vm::value::Value as VmValue;

/// A Lua value of the VM a [`Context`] belongs to, valid only during that call: what
/// [`IntoLua`] produces and [`FromLua`] consumes. Opaque; convert it with the traits.
#[derive(Copy, Clone, Debug)]
pub struct LuaValue<'gc>(pub(crate) VmValue<'gc>);

impl<'gc> LuaValue<'gc> {
    /// `nil`.
    pub fn nil() -> LuaValue<'gc> {
        LuaValue(VmValue::Nil)
    }

    /// The value's Lua type name (`"number"`, `"table"`, ...).
    pub fn type_name(&self) -> &'static str {
        self.0.type_name()
    }

    /// Whether the value is nil.
    pub fn is_nil(&self) -> bool {
        self.0.is_nil()
    }
}

/// Values that convert to one Lua value.
pub trait IntoLua {
    /// Converts `self` in the VM of `cx`.
    ///
    /// # Errors
    /// When the value has no Lua form (an integer out of Lua's range, a handle of another VM).
    fn into_lua<'gc>(self, cx: &Context<'gc>) -> Result<LuaValue<'gc>>;
}

/// Values that convert from one Lua value.
pub trait FromLua: Sized {
    /// Converts `v` from the VM of `cx`.
    ///
    /// # Errors
    /// [`Error::Conversion`] saying what was expected and found.
    fn from_lua<'gc>(v: LuaValue<'gc>, cx: &Context<'gc>) -> Result<Self>;
}

/// Values that convert to any number of Lua values: a single value, a tuple (each element
/// one value), `()` (none), a [`Variadic`] or a `Vec<Value>`-like [`MultiValue`].
pub trait IntoLuaMulti {
    /// Converts `self` into values of the VM of `cx`.
    ///
    /// # Errors
    /// As the elements' conversions.
    fn into_lua_multi<'gc>(self, cx: &Context<'gc>) -> Result<SmallVec<[LuaValue<'gc>; 4]>>;

    /// Converts `self` onto the end of `out` (what a tuple does with each element: a single
    /// value then costs no list of its own).
    ///
    /// # Errors
    /// As [`IntoLuaMulti::into_lua_multi`].
    #[doc(hidden)]
    fn push_into<'gc>(self, cx: &Context<'gc>, out: &mut SmallVec<[LuaValue<'gc>; 4]>) -> Result<()>
    where
        Self: Sized,
    {
        out.extend(self.into_lua_multi(cx)?);
        Ok(())
    }
}

/// Values that convert from a list of Lua values (arguments, results): a single value takes
/// the first (nil if none), a tuple one each (missing ones are nil), a [`Variadic`] the rest.
pub trait FromLuaMulti: Sized {
    /// Converts from `values`, of which the first is argument number `first` (for messages).
    ///
    /// # Errors
    /// [`Error::Conversion`] with the position (`#2` for the second value).
    fn from_lua_multi<'gc>(
        values: &[LuaValue<'gc>],
        first: usize,
        cx: &Context<'gc>,
    ) -> Result<Self>;

    /// How many values this takes (`usize::MAX`: all of them).
    #[doc(hidden)]
    fn count() -> usize {
        1
    }
}

/// Any number of values of one type: the rest of the arguments, or all the results.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Variadic<T>(pub Vec<T>);

/// Any number of values of any type.
pub type MultiValue = Variadic<Value>;

/// A Lua string as bytes (Lua strings are byte strings; `String` insists on UTF-8).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bytes(pub Vec<u8>);

/// `nil`, as a value to pass (unit `()` means *no* values).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Nil;

/// A light userdata: an opaque 64-bit payload, for a host's handles into its own state (an
/// entity number, a slot index) that scripts can compare, use as table keys and pass back,
/// but neither read nor forge from a number (`type` is `"userdata"`, arithmetic fails). It
/// is plain data, so it survives snapshots and forks unchanged, and `tostring` shows the
/// payload (`userdata: 0x00000000000007`), never an address.
///
/// ```
/// use telelua::{LightUserData, Vm};
/// let mut vm = Vm::new();
/// vm.set_global("h", LightUserData(7)).unwrap();
/// let (t, back): (String, LightUserData) = vm.eval("return type(h), ({[h] = h})[h]").unwrap();
/// assert_eq!((t.as_str(), back), ("userdata", LightUserData(7)));
/// ```
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LightUserData(pub u64);

/// A Lua value held by the host: plain data, or a handle for objects.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// nil
    Nil,
    /// boolean
    Bool(bool),
    /// integer
    Int(i64),
    /// float
    Float(f64),
    /// string (bytes)
    Str(Vec<u8>),
    /// a table
    Table(Table),
    /// a function
    Function(Function),
    /// a coroutine
    Thread(Thread),
    /// a full userdata
    Userdata(AnyUserData),
    /// a light userdata
    LightUserData(LightUserData),
}

impl Value {
    /// The Lua type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Bool(_) => "boolean",
            Value::Int(_) | Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Table(_) => "table",
            Value::Function(_) => "function",
            Value::Thread(_) => "thread",
            Value::Userdata(_) | Value::LightUserData(_) => "userdata",
        }
    }

    /// The string's text (lossy UTF-8), if the value is a string.
    pub fn as_str(&self) -> Option<std::borrow::Cow<'_, str>> {
        match self {
            Value::Str(s) => Some(String::from_utf8_lossy(s)),
            _ => None,
        }
    }
}

macro_rules! value_from {
    ($($t:ty => |$v:ident| $e:expr),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from($v: $t) -> Value {
                $e
            }
        }
    )*};
}
value_from!(
    bool => |b| Value::Bool(b),
    i64 => |i| Value::Int(i),
    i32 => |i| Value::Int(i64::from(i)),
    f64 => |f| Value::Float(f),
    &str => |s| Value::Str(s.as_bytes().to_vec()),
    String => |s| Value::Str(s.into_bytes()),
    Table => |t| Value::Table(t),
    Function => |f| Value::Function(f),
    Thread => |t| Value::Thread(t),
    AnyUserData => |u| Value::Userdata(u),
    LightUserData => |u| Value::LightUserData(u),
);

impl<'gc> LuaValue<'gc> {
    /// The host's owned form (objects become handles).
    pub(crate) fn to_value(self, cx: &Context<'gc>) -> Value {
        match self.0 {
            VmValue::Nil => Value::Nil,
            VmValue::False => Value::Bool(false),
            VmValue::True => Value::Bool(true),
            VmValue::Int(i) => Value::Int(i),
            VmValue::Float(f) => Value::Float(f.get()),
            VmValue::Str(s) => Value::Str(s.as_bytes().to_vec()),
            VmValue::Table(_) => Value::Table(Table(Handle::new(cx, self.0))),
            VmValue::Function(_) | VmValue::Native(_) | VmValue::LightNative(_) => {
                Value::Function(Function(Handle::new(cx, self.0)))
            }
            VmValue::Thread(_) => Value::Thread(Thread(Handle::new(cx, self.0))),
            VmValue::Userdata(_) => Value::Userdata(AnyUserData(Handle::new(cx, self.0))),
            VmValue::LightUserdata(p) => Value::LightUserData(LightUserData(p)),
        }
    }
}

// ---------------------------------------------------------------- IntoLua

impl IntoLua for Value {
    fn into_lua<'gc>(self, cx: &Context<'gc>) -> Result<LuaValue<'gc>> {
        Ok(LuaValue(match self {
            Value::Nil => VmValue::Nil,
            Value::Bool(b) => VmValue::boolean(b),
            Value::Int(i) => VmValue::Int(i),
            Value::Float(f) => VmValue::float(f),
            Value::Str(s) => cx.string(&s),
            Value::Table(t) => t.0.get(cx)?,
            Value::Function(f) => f.0.get(cx)?,
            Value::Thread(t) => t.0.get(cx)?,
            Value::Userdata(u) => u.0.get(cx)?,
            Value::LightUserData(u) => VmValue::LightUserdata(u.0),
        }))
    }
}

impl IntoLua for &Value {
    fn into_lua<'gc>(self, cx: &Context<'gc>) -> Result<LuaValue<'gc>> {
        self.clone().into_lua(cx)
    }
}

macro_rules! handle_into_lua {
    ($($t:ty),*) => {$(
        impl IntoLua for $t {
            #[inline]
            fn into_lua<'gc>(self, cx: &Context<'gc>) -> Result<LuaValue<'gc>> {
                self.0.get(cx).map(LuaValue)
            }
        }
        impl IntoLua for &$t {
            #[inline(always)]
            fn into_lua<'gc>(self, cx: &Context<'gc>) -> Result<LuaValue<'gc>> {
                self.0.get(cx).map(LuaValue)
            }
        }
    )*};
}
handle_into_lua!(Table, Function, Thread, AnyUserData, LuaString);

impl IntoLua for LightUserData {
    fn into_lua<'gc>(self, _cx: &Context<'gc>) -> Result<LuaValue<'gc>> {
        Ok(LuaValue(VmValue::LightUserdata(self.0)))
    }
}

impl FromLua for LightUserData {
    fn from_lua<'gc>(v: LuaValue<'gc>, cx: &Context<'gc>) -> Result<Self> {
        match v.0 {
            VmValue::LightUserdata(p) => Ok(LightUserData(p)),
            other => Err(mismatch(cx.ctx, "light userdata", other)),
        }
    }
}

impl IntoLua for Nil {
    fn into_lua<'gc>(self, _cx: &Context<'gc>) -> Result<LuaValue<'gc>> {
        Ok(LuaValue(VmValue::Nil))
    }
}

impl IntoLua for bool {
    fn into_lua<'gc>(self, _cx: &Context<'gc>) -> Result<LuaValue<'gc>> {
        Ok(LuaValue(VmValue::boolean(self)))
    }
}

macro_rules! int_into_lua {
    ($($t:ty),*) => {$(
        impl IntoLua for $t {
            #[inline]
            fn into_lua<'gc>(self, _cx: &Context<'gc>) -> Result<LuaValue<'gc>> {
                i64::try_from(self).map(|i| LuaValue(VmValue::Int(i))).map_err(|_| {
                    Error::conversion("integer within Lua's range", format!("{self}"))
                })
            }
        }
    )*};
}
int_into_lua!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, i128, u128);

impl IntoLua for f64 {
    fn into_lua<'gc>(self, _cx: &Context<'gc>) -> Result<LuaValue<'gc>> {
        Ok(LuaValue(VmValue::float(self)))
    }
}

impl IntoLua for f32 {
    fn into_lua<'gc>(self, _cx: &Context<'gc>) -> Result<LuaValue<'gc>> {
        Ok(LuaValue(VmValue::float(f64::from(self))))
    }
}

impl IntoLua for &str {
    fn into_lua<'gc>(self, cx: &Context<'gc>) -> Result<LuaValue<'gc>> {
        Ok(LuaValue(cx.string(self.as_bytes())))
    }
}

impl IntoLua for String {
    fn into_lua<'gc>(self, cx: &Context<'gc>) -> Result<LuaValue<'gc>> {
        Ok(LuaValue(VmValue::Str(cx.ctx.new_string(self.into_bytes()))))
    }
}

impl IntoLua for &String {
    fn into_lua<'gc>(self, cx: &Context<'gc>) -> Result<LuaValue<'gc>> {
        Ok(LuaValue(cx.string(self.as_bytes())))
    }
}

impl IntoLua for Bytes {
    fn into_lua<'gc>(self, cx: &Context<'gc>) -> Result<LuaValue<'gc>> {
        Ok(LuaValue(VmValue::Str(cx.ctx.new_string(self.0))))
    }
}

impl IntoLua for &[u8] {
    fn into_lua<'gc>(self, cx: &Context<'gc>) -> Result<LuaValue<'gc>> {
        Ok(LuaValue(cx.string(self)))
    }
}

impl<T: IntoLua> IntoLua for Option<T> {
    fn into_lua<'gc>(self, cx: &Context<'gc>) -> Result<LuaValue<'gc>> {
        match self {
            Some(v) => v.into_lua(cx),
            None => Ok(LuaValue(VmValue::Nil)),
        }
    }
}

/// Builds a table from `(key, value)` pairs, converting each; a conversion error names the
/// element.
fn table_from<'gc, K: IntoLua, V: IntoLua>(
    cx: &Context<'gc>,
    items: impl Iterator<Item = (K, V)>,
    array_hint: usize,
    hash_hint: usize,
) -> Result<LuaValue<'gc>> {
    let ctx = cx.ctx;
    let t = ctx.new_table_sized(array_hint, hash_hint);
    for (i, (k, v)) in items.enumerate() {
        let k = k.into_lua(cx)?.0;
        let v = v.into_lua(cx).map_err(|e| e.at(&format!("[{}]", i + 1)))?.0;
        match k {
            VmValue::Nil => return Err(Error::conversion("a table key", "nil")),
            VmValue::Float(f) if f.get().is_nan() => {
                return Err(Error::conversion("a table key", "NaN"))
            }
            _ => ctx.store_always(t, k, v),
        }
    }
    Ok(LuaValue(VmValue::Table(t)))
}

impl<T: IntoLua> IntoLua for Vec<T> {
    fn into_lua<'gc>(self, cx: &Context<'gc>) -> Result<LuaValue<'gc>> {
        let n = self.len();
        table_from(cx, (1i64..).zip(self), n, 0)
    }
}

impl<K: IntoLua, V: IntoLua, S> IntoLua for HashMap<K, V, S> {
    fn into_lua<'gc>(self, cx: &Context<'gc>) -> Result<LuaValue<'gc>> {
        let n = self.len();
        table_from(cx, self.into_iter(), 0, n)
    }
}

impl<K: IntoLua, V: IntoLua> IntoLua for BTreeMap<K, V> {
    fn into_lua<'gc>(self, cx: &Context<'gc>) -> Result<LuaValue<'gc>> {
        let n = self.len();
        table_from(cx, self.into_iter(), 0, n)
    }
}

// ---------------------------------------------------------------- FromLua

impl FromLua for Value {
    fn from_lua<'gc>(v: LuaValue<'gc>, cx: &Context<'gc>) -> Result<Self> {
        Ok(v.to_value(cx))
    }
}

impl FromLua for bool {
    fn from_lua<'gc>(v: LuaValue<'gc>, cx: &Context<'gc>) -> Result<Self> {
        match v.0 {
            VmValue::True => Ok(true),
            VmValue::False => Ok(false),
            other => Err(mismatch(cx.ctx, "boolean", other)),
        }
    }
}

/// A value as an integer as `luaL_checkinteger` reads it.
#[inline(always)]
fn to_i64<'gc>(cx: &Context<'gc>, v: VmValue<'gc>) -> Result<i64> {
    // Integers are what host functions get most: no call for them.
    if let VmValue::Int(i) = v {
        return Ok(i);
    }
    to_i64_slow(cx, v)
}

#[cold]
#[inline(never)]
fn to_i64_slow<'gc>(cx: &Context<'gc>, v: VmValue<'gc>) -> Result<i64> {
    match vmconv::to_integer(v) {
        Some(i) => Ok(i),
        None if vmconv::to_number(v).is_some() => Err(Error::conversion(
            "integer",
            "number with no integer representation",
        )),
        None => Err(mismatch(cx.ctx, "integer", v)),
    }
}

macro_rules! int_from_lua {
    ($($t:ty),*) => {$(
        impl FromLua for $t {
            #[inline]
            fn from_lua<'gc>(v: LuaValue<'gc>, cx: &Context<'gc>) -> Result<Self> {
                let i = to_i64(cx, v.0)?;
                match <$t>::try_from(i) {
                    Ok(n) => Ok(n),
                    Err(_) => Err(out_of_range(stringify!($t), i)),
                }
            }
        }
    )*};
}

/// The error for an integer a narrower type cannot hold (out of line: conversions of
/// arguments run on every host-function call).
#[cold]
#[inline(never)]
fn out_of_range(ty: &str, i: i64) -> Error {
    Error::conversion(ty, format!("{i} (out of range)"))
}
int_from_lua!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, i128, u128);

impl FromLua for f64 {
    fn from_lua<'gc>(v: LuaValue<'gc>, cx: &Context<'gc>) -> Result<Self> {
        vmconv::to_float(v.0).ok_or_else(|| mismatch(cx.ctx, "number", v.0))
    }
}

impl FromLua for f32 {
    fn from_lua<'gc>(v: LuaValue<'gc>, cx: &Context<'gc>) -> Result<Self> {
        f64::from_lua(v, cx).map(|f| f as f32)
    }
}

/// A value as string bytes as `luaL_checklstring` reads it (numbers are converted).
fn to_bytes<'gc>(cx: &Context<'gc>, v: VmValue<'gc>) -> Result<Vec<u8>> {
    match v {
        VmValue::Str(s) => Ok(s.as_bytes().to_vec()),
        VmValue::Int(_) | VmValue::Float(_) => Ok(vmconv::tostring_raw(cx.ctx, v)),
        other => Err(mismatch(cx.ctx, "string", other)),
    }
}

impl FromLua for String {
    fn from_lua<'gc>(v: LuaValue<'gc>, cx: &Context<'gc>) -> Result<Self> {
        String::from_utf8(to_bytes(cx, v.0)?)
            .map_err(|_| Error::conversion("UTF-8 string", "string with invalid UTF-8"))
    }
}

impl FromLua for Bytes {
    fn from_lua<'gc>(v: LuaValue<'gc>, cx: &Context<'gc>) -> Result<Self> {
        to_bytes(cx, v.0).map(Bytes)
    }
}

impl<T: FromLua> FromLua for Option<T> {
    fn from_lua<'gc>(v: LuaValue<'gc>, cx: &Context<'gc>) -> Result<Self> {
        if v.0.is_nil() {
            Ok(None)
        } else {
            T::from_lua(v, cx).map(Some)
        }
    }
}

impl FromLua for Nil {
    fn from_lua<'gc>(v: LuaValue<'gc>, cx: &Context<'gc>) -> Result<Self> {
        if v.0.is_nil() {
            Ok(Nil)
        } else {
            Err(mismatch(cx.ctx, "nil", v.0))
        }
    }
}

macro_rules! handle_from_lua {
    ($t:ident, $name:literal, $($pat:pat),+) => {
        impl FromLua for $t {
            fn from_lua<'gc>(v: LuaValue<'gc>, cx: &Context<'gc>) -> Result<Self> {
                match v.0 {
                    $($pat)|+ => Ok($t(Handle::new(cx, v.0))),
                    other => Err(mismatch(cx.ctx, $name, other)),
                }
            }
        }
    };
}
handle_from_lua!(Table, "table", VmValue::Table(_));
handle_from_lua!(
    Function,
    "function",
    VmValue::Function(_),
    VmValue::Native(_),
    VmValue::LightNative(_)
);
handle_from_lua!(Thread, "thread", VmValue::Thread(_));
handle_from_lua!(AnyUserData, "userdata", VmValue::Userdata(_));
handle_from_lua!(LuaString, "string", VmValue::Str(_));

/// The table of `v`, for conversions to collections.
fn table_of<'gc>(cx: &Context<'gc>, v: VmValue<'gc>) -> Result<crate::vm::table::Table<'gc>> {
    match v {
        VmValue::Table(t) => Ok(t),
        other => Err(mismatch(cx.ctx, "table", other)),
    }
}

impl<T: FromLua> FromLua for Vec<T> {
    /// The sequence `t[1..#t]` (raw length; metamethods are not called).
    fn from_lua<'gc>(v: LuaValue<'gc>, cx: &Context<'gc>) -> Result<Self> {
        let t = table_of(cx, v.0)?;
        let n = t.length(cx.ctx.mc).max(0);
        let mut out = Vec::with_capacity(n.min(1 << 16) as usize);
        for i in 1..=n {
            let item = LuaValue(t.get_int(cx.ctx.mc, i));
            out.push(T::from_lua(item, cx).map_err(|e| e.at(&format!("[{i}]")))?);
        }
        Ok(out)
    }
}

/// Every `(key, value)` pair of a table, in the VM's iteration order.
pub(crate) fn pairs<'gc>(
    cx: &Context<'gc>,
    t: crate::vm::table::Table<'gc>,
) -> Vec<(VmValue<'gc>, VmValue<'gc>)> {
    let data = t.data(cx.ctx.mc);
    let mut out = Vec::new();
    let mut key = VmValue::Nil;
    while let Ok(Some((k, v))) = data.next(key) {
        out.push((k, v));
        key = k;
    }
    out
}

/// A key's text in a conversion path (`.name` for string keys, `[k]` otherwise).
pub(crate) fn key_segment<'gc>(cx: &Context<'gc>, k: VmValue<'gc>) -> String {
    match k {
        VmValue::Str(s) => format!(".{}", s.to_str_lossy()),
        other => format!(
            "[{}]",
            String::from_utf8_lossy(&vmconv::tostring_raw(cx.ctx, other))
        ),
    }
}

/// Converts every pair of the table in `v`, naming the key of a pair that fails.
pub(crate) fn map_pairs<'gc, K: FromLua, V: FromLua>(
    v: LuaValue<'gc>,
    cx: &Context<'gc>,
) -> Result<Vec<(K, V)>> {
    let t = table_of(cx, v.0)?;
    pairs(cx, t)
        .into_iter()
        .map(|(k, v)| {
            let seg = key_segment(cx, k);
            let key = K::from_lua(LuaValue(k), cx).map_err(|e| e.at(&seg))?;
            let val = V::from_lua(LuaValue(v), cx).map_err(|e| e.at(&seg))?;
            Ok((key, val))
        })
        .collect()
}

impl<K: FromLua + Eq + Hash, V: FromLua, S: BuildHasher + Default> FromLua for HashMap<K, V, S> {
    fn from_lua<'gc>(v: LuaValue<'gc>, cx: &Context<'gc>) -> Result<Self> {
        Ok(map_pairs(v, cx)?.into_iter().collect())
    }
}

impl<K: FromLua + Ord, V: FromLua> FromLua for BTreeMap<K, V> {
    fn from_lua<'gc>(v: LuaValue<'gc>, cx: &Context<'gc>) -> Result<Self> {
        Ok(map_pairs(v, cx)?.into_iter().collect())
    }
}

// ---------------------------------------------------------------- multiple values

impl<T: IntoLua> IntoLuaMulti for T {
    fn into_lua_multi<'gc>(self, cx: &Context<'gc>) -> Result<SmallVec<[LuaValue<'gc>; 4]>> {
        let mut v = SmallVec::new();
        v.push(self.into_lua(cx)?);
        Ok(v)
    }
    #[inline]
    fn push_into<'gc>(
        self,
        cx: &Context<'gc>,
        out: &mut SmallVec<[LuaValue<'gc>; 4]>,
    ) -> Result<()> {
        out.push(self.into_lua(cx)?);
        Ok(())
    }
}

impl IntoLuaMulti for () {
    fn into_lua_multi<'gc>(self, _cx: &Context<'gc>) -> Result<SmallVec<[LuaValue<'gc>; 4]>> {
        Ok(SmallVec::new())
    }
}

impl<T: IntoLua> IntoLuaMulti for Variadic<T> {
    fn into_lua_multi<'gc>(self, cx: &Context<'gc>) -> Result<SmallVec<[LuaValue<'gc>; 4]>> {
        self.0.into_iter().map(|v| v.into_lua(cx)).collect()
    }
}

/// Runs `f` on `values` as `LuaValue`s. Up to 8 are copied into an array on the stack: a
/// general collection into a list cost as much as the conversions (host-function arguments,
/// a call's results).
#[inline]
pub(crate) fn with_lua_values<'gc, T>(
    values: &[VmValue<'gc>],
    f: impl FnOnce(&[LuaValue<'gc>]) -> T,
) -> T {
    // (Most calls: no eight-value buffer to fill first.)
    match values {
        [a] => return f(&[LuaValue(*a)]),
        [a, b] => return f(&[LuaValue(*a), LuaValue(*b)]),
        _ => {}
    }
    if values.len() <= 8 {
        let mut buf = [LuaValue(VmValue::Nil); 8];
        for (d, s) in buf.iter_mut().zip(values) {
            *d = LuaValue(*s);
        }
        f(&buf[..values.len()])
    } else {
        let all: Vec<LuaValue<'gc>> = values.iter().map(|v| LuaValue(*v)).collect();
        f(&all)
    }
}

impl<T: FromLua> FromLuaMulti for T {
    #[inline]
    fn from_lua_multi<'gc>(
        values: &[LuaValue<'gc>],
        first: usize,
        cx: &Context<'gc>,
    ) -> Result<Self> {
        let v = match values.first() {
            Some(v) => *v,
            None => LuaValue(VmValue::Nil),
        };
        match T::from_lua(v, cx) {
            Ok(t) => Ok(t),
            Err(e) => Err(at_position(e, first)),
        }
    }
}

/// A conversion error located at value number `n` (out of line, as above).
#[cold]
#[inline(never)]
fn at_position(e: Error, n: usize) -> Error {
    e.at(&format!("#{n}"))
}

impl FromLuaMulti for () {
    fn from_lua_multi<'gc>(_: &[LuaValue<'gc>], _: usize, _: &Context<'gc>) -> Result<Self> {
        Ok(())
    }
    fn count() -> usize {
        0
    }
}

impl<T: FromLua> FromLuaMulti for Variadic<T> {
    fn from_lua_multi<'gc>(
        values: &[LuaValue<'gc>],
        first: usize,
        cx: &Context<'gc>,
    ) -> Result<Self> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| T::from_lua(*v, cx).map_err(|e| e.at(&format!("#{}", first + i))))
            .collect::<Result<Vec<T>>>()
            .map(Variadic)
    }
    fn count() -> usize {
        usize::MAX
    }
}

macro_rules! tuple_impls {
    ($($name:ident)+) => {
        impl<$($name: IntoLuaMulti),+> IntoLuaMulti for ($($name,)+) {
            #[allow(non_snake_case)]
            #[inline]
            fn into_lua_multi<'gc>(self, cx: &Context<'gc>) -> Result<SmallVec<[LuaValue<'gc>; 4]>> {
                let ($($name,)+) = self;
                let mut out = SmallVec::new();
                $($name.push_into(cx, &mut out)?;)+
                Ok(out)
            }
        }

        impl<$($name: FromLuaMulti),+> FromLuaMulti for ($($name,)+) {
            #[allow(non_snake_case, unused_assignments)]
            #[inline]
            fn from_lua_multi<'gc>(
                values: &[LuaValue<'gc>],
                first: usize,
                cx: &Context<'gc>,
            ) -> Result<Self> {
                let mut at = 0usize;
                $(
                    let rest = values.get(at..).unwrap_or(&[]);
                    let $name = $name::from_lua_multi(rest, first + at, cx)?;
                    at = at.saturating_add($name::count());
                )+
                Ok(($($name,)+))
            }
            fn count() -> usize {
                0usize $(.saturating_add($name::count()))+
            }
        }
    };
}
tuple_impls!(A);
tuple_impls!(A B);
tuple_impls!(A B C);
tuple_impls!(A B C D);
tuple_impls!(A B C D E);
tuple_impls!(A B C D E F);
tuple_impls!(A B C D E F G);
tuple_impls!(A B C D E F G H);
tuple_impls!(A B C D E F G H I);
tuple_impls!(A B C D E F G H I J);
