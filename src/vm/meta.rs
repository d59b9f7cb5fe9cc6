//! Metamethod-aware operations that never call back into the interpreter.
//!
//! Each operation either produces its value or says "call this metamethod with these
//! arguments" ([`MetaCall`]); the interpreter turns that into a frame and finishes the
//! instruction when the call returns (see `interp::finish_op`). This is what keeps
//! metamethods (and yields inside them) stackless.

use super::convert::{self, to_number};
use super::error::{LuaError, LuaResult};
use super::state::{Ctx, Tm};
use super::string::LuaStr;
use super::table::Table;
use super::value::Value;
use crate::limits::fuel::Fuel;
use crate::number::{self, float_to_int_exact, ArithFault, Number};

/// The operators and their float arithmetic are [`crate::number`]'s (one definition for the
/// constant folder and the interpreter); the interpreter names them through this module.
pub use crate::number::{float_arith, ArithOp};

/// Longest `__index`/`__newindex` chain followed before giving up (Lua's MAXTAGLOOP).
pub const MAX_TAG_LOOP: usize = 2000;

/// A metamethod to call: `func(args[0..nargs])`.
#[derive(Copy, Clone)]
pub struct MetaCall<'gc> {
    /// The metamethod.
    pub func: Value<'gc>,
    /// Its arguments.
    pub args: [Value<'gc>; 3],
    /// How many of `args` are used.
    pub nargs: u8,
}

impl<'gc> MetaCall<'gc> {
    /// A two-argument call.
    pub fn two(func: Value<'gc>, a: Value<'gc>, b: Value<'gc>) -> Self {
        MetaCall {
            func,
            args: [a, b, Value::Nil],
            nargs: 2,
        }
    }
}

/// Result of an operation that may need a metamethod call.
pub enum Meta<'gc, T> {
    /// Done.
    Done(T),
    /// Call this and use its (first) result.
    Call(MetaCall<'gc>),
}

/// Result of indexing.
pub enum Index<'gc> {
    /// The value.
    Value(Value<'gc>),
    /// Call `__index`.
    Call(MetaCall<'gc>),
    /// The original object cannot be indexed (caller words the error with variable info).
    NotIndexable,
}

/// `obj[key]` with `__index`, for natives (which charge by element; the chain is bounded by
/// [`MAX_TAG_LOOP`]).
pub fn index<'gc>(ctx: Ctx<'gc>, obj: Value<'gc>, key: Value<'gc>) -> LuaResult<'gc, Index<'gc>> {
    index_charged(ctx, obj, key, None, &mut Fuel::default())
}

/// `obj[key]` with `__index`, charging `fuel` for every link of an `__index` chain followed
/// (`limits::fuel::INDEX_CHAIN_LINK`): the instruction pays for the first lookup only.
/// `hint`: a position hint for a string `key` in the tables of the chain (a method of a
/// string, `s:sub(...)`, is found in the `string` table through its constant's hint; any
/// value is correct). Out of line: the interpreter's index instructions call it where their
/// fast paths fail, and a string's test here keeps their code as it was.
#[inline(never)]
pub fn index_charged<'gc>(
    ctx: Ctx<'gc>,
    obj: Value<'gc>,
    key: Value<'gc>,
    hint: Option<&std::cell::Cell<u32>>,
    fuel: &mut Fuel,
) -> LuaResult<'gc, Index<'gc>> {
    if let Value::Str(_) = obj {
        return index_str(ctx, obj, key, hint, fuel);
    }
    index_chain(ctx, obj, key, hint, fuel, 0)
}

/// [`index_charged`] for a string `obj` (a method, `s:sub(...)`): when the string metatable's
/// `__index` is a table holding `key` (the `string` table), its value, charged for that link
/// as [`index_chain`] charges it, in one borrow of each table; anything else through
/// `index_chain` from the start (the lookup in the `__index` table made again, rare: a
/// string's missing field). The same result, fuel and errors as [`index_charged`].
#[inline(always)]
fn index_str<'gc>(
    ctx: Ctx<'gc>,
    obj: Value<'gc>,
    key: Value<'gc>,
    hint: Option<&std::cell::Cell<u32>>,
    fuel: &mut Fuel,
) -> LuaResult<'gc, Index<'gc>> {
    let mt = ctx.state.metas.borrow().string;
    if let Some(mt) = mt {
        if let Value::Table(lib) = index_field(ctx, mt) {
            if let Some(v) = lib.get_chain_value(key, hint) {
                fuel.charge(crate::limits::fuel::INDEX_CHAIN_LINK);
                return Ok(Index::Value(v));
            }
        }
    }
    index_chain(ctx, obj, key, hint, fuel, 0)
}

/// [`index_charged`] for a table whose raw value at `key` was just found nil while it has a
/// metatable (the interpreter's fast paths tell so): the same result, without looking `key`
/// up in `t` again. `hint`: a position hint for a string `key` in the tables of the
/// `__index` chain (see `TableData::get_str_hinted`; any value is correct).
///
/// The links that are tables (an object's class, its superclass) are followed here, one
/// borrow of each for its value and metatable; the first other link goes to
/// [`index_chain`], from the same depth: the same links, fuel and errors as `index_chain`
/// from `t`.
pub fn index_charged_missed<'gc>(
    ctx: Ctx<'gc>,
    t: Table<'gc>,
    key: Value<'gc>,
    hint: Option<&std::cell::Cell<u32>>,
    fuel: &mut Fuel,
) -> LuaResult<'gc, Index<'gc>> {
    let mut tm = match t.metatable() {
        None => return Ok(Index::Value(Value::Nil)),
        Some(mt) => index_field(ctx, mt),
    };
    // `tm` is the `__index` of `cur`, where `key` was found nil.
    let mut cur = t;
    for depth in 1..MAX_TAG_LOOP {
        let next = match tm {
            Value::Table(next) => next,
            Value::Nil => return Ok(Index::Value(Value::Nil)),
            Value::Function(_) | Value::Native(_) | Value::LightNative(_) => {
                return Ok(Index::Call(MetaCall::two(tm, Value::Table(cur), key)));
            }
            other => return index_chain(ctx, other, key, hint, fuel, depth),
        };
        fuel.charge(crate::limits::fuel::INDEX_CHAIN_LINK);
        let (v, meta) = next.get_in_chain(ctx.mc, key, hint);
        if !v.is_nil() {
            return Ok(Index::Value(v));
        }
        tm = match meta {
            None => return Ok(Index::Value(Value::Nil)),
            Some(mt) => index_field(ctx, mt),
        };
        cur = next;
    }
    // The last link, as `index_chain` ends: a table there is looked in (Lua's
    // `luaV_finishget` makes its `MAX_TAG_LOOP`-th access), but not its metatable.
    match tm {
        Value::Nil => Ok(Index::Value(Value::Nil)),
        Value::Function(_) | Value::Native(_) | Value::LightNative(_) => {
            Ok(Index::Call(MetaCall::two(tm, Value::Table(cur), key)))
        }
        Value::Table(last) => {
            fuel.charge(crate::limits::fuel::INDEX_CHAIN_LINK);
            match last.get_in_chain(ctx.mc, key, hint).0 {
                Value::Nil => Err(LuaError::op("'__index' chain too long; possible loop")),
                v => Ok(Index::Value(v)),
            }
        }
        _ => Err(LuaError::op("'__index' chain too long; possible loop")),
    }
}

/// The `__index` field of metatable `mt`, found through the VM's `__index` position hint.
#[inline]
fn index_field<'gc>(ctx: Ctx<'gc>, mt: Table<'gc>) -> Value<'gc> {
    mt.tm_field_hinted(ctx.mc, Tm::Index, ctx.tm(Tm::Index), &ctx.state.index_hint)
}

/// [`index_charged`]'s loop from link `start` of the chain (`obj` is the object there).
fn index_chain<'gc>(
    ctx: Ctx<'gc>,
    obj: Value<'gc>,
    key: Value<'gc>,
    hint: Option<&std::cell::Cell<u32>>,
    fuel: &mut Fuel,
    start: usize,
) -> LuaResult<'gc, Index<'gc>> {
    let mut cur = obj;
    for depth in start..MAX_TAG_LOOP {
        if depth > 0 {
            fuel.charge(crate::limits::fuel::INDEX_CHAIN_LINK);
        }
        let tm = if let Value::Table(t) = cur {
            let (v, has_meta) = match (key, hint) {
                (Value::Str(s), Some(h)) => t.get_str_hinted_and_meta(ctx.mc, s, h),
                _ => t.get_and_meta(ctx.mc, key),
            };
            if !v.is_nil() {
                return Ok(Index::Value(v));
            }
            match has_meta.then(|| t.metatable()).flatten() {
                None => return Ok(Index::Value(Value::Nil)),
                Some(mt) => index_field(ctx, mt),
            }
        } else {
            // The `__index` of a string, number, ... metatable through the state's hint, as
            // a table's metatable's (the same raw get).
            let tm = match ctx.metatable(cur) {
                Some(mt) => index_field(ctx, mt),
                None => Value::Nil,
            };
            if tm.is_nil() {
                if depth == 0 {
                    return Ok(Index::NotIndexable);
                }
                return Err(LuaError::op(format!(
                    "attempt to index a {} value",
                    convert::type_name_for_msg(ctx, cur)
                )));
            }
            tm
        };
        match tm {
            Value::Nil => return Ok(Index::Value(Value::Nil)),
            Value::Function(_) | Value::Native(_) | Value::LightNative(_) => {
                return Ok(Index::Call(MetaCall::two(tm, cur, key)));
            }
            next => cur = next,
        }
    }
    // Lua's last access (`luaV_finishget`'s `MAX_TAG_LOOP`-th): in a table only, whose own
    // metatable is not looked at.
    if let Value::Table(t) = cur {
        fuel.charge(crate::limits::fuel::INDEX_CHAIN_LINK);
        let v = match (key, hint) {
            (Value::Str(s), Some(h)) => t.get_str_hinted_and_meta(ctx.mc, s, h).0,
            _ => t.get_and_meta(ctx.mc, key).0,
        };
        if !v.is_nil() {
            return Ok(Index::Value(v));
        }
    }
    Err(LuaError::op("'__index' chain too long; possible loop"))
}

/// Result of an assignment.
pub enum NewIndex<'gc> {
    /// Stored.
    Done,
    /// Call `__newindex`.
    Call(MetaCall<'gc>),
    /// The original object cannot be indexed.
    NotIndexable,
}

/// `obj[key] = value` with `__newindex`. `restartable`: the caller can run again after a
/// collection if the store does not fit in the memory budget (an instruction); otherwise the
/// store is made anyway and the collection requested (see `Ctx::store_late`).
pub fn new_index<'gc>(
    ctx: Ctx<'gc>,
    obj: Value<'gc>,
    key: Value<'gc>,
    value: Value<'gc>,
    restartable: bool,
) -> LuaResult<'gc, NewIndex<'gc>> {
    new_index_charged(ctx, obj, key, value, restartable, &mut Fuel::default())
}

/// [`new_index`], charging `fuel` for every link of a `__newindex` chain followed, as
/// [`index_charged`] does.
pub fn new_index_charged<'gc>(
    ctx: Ctx<'gc>,
    obj: Value<'gc>,
    key: Value<'gc>,
    value: Value<'gc>,
    restartable: bool,
    fuel: &mut Fuel,
) -> LuaResult<'gc, NewIndex<'gc>> {
    let mut cur = obj;
    for depth in 0..MAX_TAG_LOOP {
        if depth > 0 {
            fuel.charge(crate::limits::fuel::INDEX_CHAIN_LINK);
        }
        let tm = if let Value::Table(t) = cur {
            // Read first, without holding a borrow: the metatable may be the table itself.
            let (absent, meta) = { (t.get(ctx.mc, key).is_nil(), t.metatable()) };
            let tm = match meta {
                Some(mt) if absent => ctx.tm_of(mt, Tm::NewIndex),
                _ => Value::Nil,
            };
            if tm.is_nil() {
                return store_raw(ctx, t, key, value, restartable);
            }
            tm
        } else {
            let tm = ctx.metamethod(cur, Tm::NewIndex);
            if tm.is_nil() {
                if depth == 0 {
                    return Ok(NewIndex::NotIndexable);
                }
                return Err(LuaError::op(format!(
                    "attempt to index a {} value",
                    convert::type_name_for_msg(ctx, cur)
                )));
            }
            tm
        };
        match tm {
            Value::Function(_) | Value::Native(_) | Value::LightNative(_) => {
                return Ok(NewIndex::Call(MetaCall {
                    func: tm,
                    args: [cur, key, value],
                    nargs: 3,
                }));
            }
            next => cur = next,
        }
    }
    // Lua's last try (`luaV_finishset`'s `MAX_TAG_LOOP`-th): a store at a key a table has.
    if let Value::Table(t) = cur {
        fuel.charge(crate::limits::fuel::INDEX_CHAIN_LINK);
        if !t.get(ctx.mc, key).is_nil() {
            return store_raw(ctx, t, key, value, restartable);
        }
    }
    Err(LuaError::op("'__newindex' chain too long; possible loop"))
}

/// [`new_index_charged`]'s raw store of `value` at `key` in `t`.
fn store_raw<'gc>(
    ctx: Ctx<'gc>,
    t: Table<'gc>,
    key: Value<'gc>,
    value: Value<'gc>,
    restartable: bool,
) -> LuaResult<'gc, NewIndex<'gc>> {
    let mut tb = t.data_mut(ctx.mc);
    let stored = if restartable {
        tb.set(key, value)
    } else {
        ctx.store_late(&mut tb, key, value)
    };
    stored.map_err(|e| ctx.table_store_error(e, restartable, LuaError::Op))?;
    Ok(NewIndex::Done)
}

impl ArithOp {
    /// The metamethod for this operator.
    pub fn tm(self) -> Tm {
        match self {
            ArithOp::Add => Tm::Add,
            ArithOp::Sub => Tm::Sub,
            ArithOp::Mul => Tm::Mul,
            ArithOp::Mod => Tm::Mod,
            ArithOp::Pow => Tm::Pow,
            ArithOp::Div => Tm::Div,
            ArithOp::IDiv => Tm::IDiv,
            ArithOp::BAnd => Tm::BAnd,
            ArithOp::BOr => Tm::BOr,
            ArithOp::BXor => Tm::BXor,
            ArithOp::Shl => Tm::Shl,
            ArithOp::Shr => Tm::Shr,
            ArithOp::Unm => Tm::Unm,
            ArithOp::BNot => Tm::BNot,
        }
    }
}

/// An arithmetic failure the interpreter words with variable information.
pub enum ArithError {
    /// "attempt to perform arithmetic on a X value": operand 0 or 1 is at fault.
    Arith(usize),
    /// "attempt to perform bitwise operation on a X value".
    Bitwise(usize),
    /// "number has no integer representation".
    NoInteger(usize),
}

/// Raw arithmetic on two numbers (no strings, no metamethods): [`number::arith`], the
/// function the constant folder uses too. `Ok(None)`: not both numbers, or a bitwise operand
/// without an integer value (the caller tries metamethods, then words the error).
pub fn arith_raw<'gc>(
    op: ArithOp,
    a: Value<'gc>,
    b: Value<'gc>,
) -> LuaResult<'gc, Option<Value<'gc>>> {
    let as_number = |v: Value<'gc>| match v {
        Value::Int(i) => Some(Number::Int(i)),
        Value::Float(f) => Some(Number::Float(f.get())),
        _ => None,
    };
    let (Some(x), Some(y)) = (as_number(a), as_number(b)) else {
        return Ok(None);
    };
    match number::arith(op, x, y) {
        Ok(n) => Ok(Some(convert::number_value(n))),
        Err(ArithFault::NoInteger) => Ok(None),
        Err(ArithFault::ModByZero) => Err(LuaError::op("attempt to perform 'n%0'")),
        Err(ArithFault::DivByZero) => Err(LuaError::op("attempt to divide by zero")),
    }
}

/// The slow path of a binary (or unary, with `b == a`) arithmetic/bitwise operator:
/// numbers, then metamethods of `a` then `b`, else an [`ArithError`].
pub fn arith<'gc>(
    ctx: Ctx<'gc>,
    op: ArithOp,
    a: Value<'gc>,
    b: Value<'gc>,
) -> LuaResult<'gc, Result<Meta<'gc, Value<'gc>>, ArithError>> {
    if let Some(v) = arith_raw(op, a, b)? {
        return Ok(Ok(Meta::Done(v)));
    }
    let mut tm = ctx.metamethod_hinted(a, op.tm());
    if tm.is_nil() {
        tm = ctx.metamethod_hinted(b, op.tm());
    }
    if !tm.is_nil() {
        return Ok(Ok(Meta::Call(MetaCall::two(tm, a, b))));
    }
    let is_num = |v: Value<'gc>| matches!(v, Value::Int(_) | Value::Float(_));
    Ok(Err(if op.is_bitwise() {
        if is_num(a) && is_num(b) {
            let a_ok =
                matches!(a, Value::Int(_)) || a.as_float().and_then(float_to_int_exact).is_some();
            ArithError::NoInteger(if a_ok { 1 } else { 0 })
        } else {
            ArithError::Bitwise(if is_num(a) { 1 } else { 0 })
        }
    } else {
        ArithError::Arith(if is_num(a) { 1 } else { 0 })
    }))
}

/// Raw equality plus `__eq` for tables and userdata.
pub fn equals<'gc>(ctx: Ctx<'gc>, a: Value<'gc>, b: Value<'gc>) -> Meta<'gc, bool> {
    match (a, b) {
        (Value::Table(x), Value::Table(y)) if x != y => {}
        (Value::Userdata(x), Value::Userdata(y)) if x != y => {}
        _ => return Meta::Done(a.raw_eq(b)),
    }
    let mut tm = ctx.metamethod(a, Tm::Eq);
    if tm.is_nil() {
        tm = ctx.metamethod(b, Tm::Eq);
    }
    if tm.is_nil() {
        Meta::Done(false)
    } else {
        Meta::Call(MetaCall::two(tm, a, b))
    }
}

/// Numeric `a < b` for any mix of integers and floats.
#[inline]
pub fn num_lt(a: Value<'_>, b: Value<'_>) -> Option<bool> {
    Some(match (a, b) {
        (Value::Int(x), Value::Int(y)) => x < y,
        (Value::Float(x), Value::Float(y)) => x.get() < y.get(),
        (Value::Int(x), Value::Float(y)) => number::int_lt_float(x, y.get()),
        (Value::Float(x), Value::Int(y)) => number::float_lt_int(x.get(), y),
        _ => return None,
    })
}

/// Numeric `a <= b` for any mix of integers and floats.
#[inline]
pub fn num_le(a: Value<'_>, b: Value<'_>) -> Option<bool> {
    Some(match (a, b) {
        (Value::Int(x), Value::Int(y)) => x <= y,
        (Value::Float(x), Value::Float(y)) => x.get() <= y.get(),
        (Value::Int(x), Value::Float(y)) => number::int_le_float(x, y.get()),
        (Value::Float(x), Value::Int(y)) => number::float_le_int(x.get(), y),
        _ => return None,
    })
}

/// How an order comparison must finish when it calls a metamethod.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum OrderCall {
    /// Use the metamethod's result.
    Direct,
    /// `a <= b` computed as `not (b < a)` (Lua 5.3 compatibility, on in 5.4's default build).
    NegatedLt,
}

/// `a < b` (`le == false`) or `a <= b` (`le == true`) with metamethods.
pub fn less<'gc>(
    ctx: Ctx<'gc>,
    a: Value<'gc>,
    b: Value<'gc>,
    le: bool,
) -> LuaResult<'gc, Meta<'gc, bool>> {
    let r = if le { num_le(a, b) } else { num_lt(a, b) };
    if let Some(r) = r {
        return Ok(Meta::Done(r));
    }
    if let (Value::Str(x), Value::Str(y)) = (a, b) {
        return Ok(Meta::Done(str_less(x, y, le)));
    }
    let tmk = if le { Tm::Le } else { Tm::Lt };
    let mut tm = ctx.metamethod(a, tmk);
    if tm.is_nil() {
        tm = ctx.metamethod(b, tmk);
    }
    if !tm.is_nil() {
        return Ok(Meta::Call(MetaCall::two(tm, a, b)));
    }
    Err(order_error(ctx, a, b))
}

/// `x < y` (`le == false`) or `x <= y` (`le == true`) of two strings: their bytes in order
/// (`strcoll` in the C locale, which `lua5.4` runs in unless a script changes it). Out of
/// line: `fast::hot`'s keyed variant calls it.
#[inline(never)]
pub fn str_less(x: LuaStr<'_>, y: LuaStr<'_>, le: bool) -> bool {
    let o = x.as_bytes().cmp(y.as_bytes());
    if le {
        o.is_le()
    } else {
        o.is_lt()
    }
}

/// The `__le`-via-`__lt` fallback: the metamethod for `not (b < a)`, if any.
pub fn le_fallback<'gc>(ctx: Ctx<'gc>, a: Value<'gc>, b: Value<'gc>) -> Option<MetaCall<'gc>> {
    let mut tm = ctx.metamethod(b, Tm::Lt);
    if tm.is_nil() {
        tm = ctx.metamethod(a, Tm::Lt);
    }
    if tm.is_nil() {
        None
    } else {
        Some(MetaCall::two(tm, b, a))
    }
}

/// "attempt to compare ..." as Lua words it.
pub fn order_error<'gc>(ctx: Ctx<'gc>, a: Value<'gc>, b: Value<'gc>) -> LuaError<'gc> {
    let t1 = convert::type_name_for_msg(ctx, a);
    let t2 = convert::type_name_for_msg(ctx, b);
    if t1 == t2 {
        LuaError::op(format!("attempt to compare two {t1} values"))
    } else {
        LuaError::op(format!("attempt to compare {t1} with {t2}"))
    }
}

/// Whether a value can be concatenated directly (strings and numbers).
#[inline]
pub fn concatenable(v: Value<'_>) -> bool {
    matches!(v, Value::Str(_) | Value::Int(_) | Value::Float(_))
}

/// A byte buffer that concatenation text is appended to: a `Vec`, or a `SmallVec` whose
/// inline part holds a short result without a heap allocation.
pub trait TextBuf {
    /// Appends `bytes`.
    fn put(&mut self, bytes: &[u8]);
}

impl TextBuf for Vec<u8> {
    #[inline(always)]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes)
    }
}

impl<A: smallvec::Array<Item = u8>> TextBuf for smallvec::SmallVec<A> {
    #[inline(always)]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes)
    }
}

/// Appends the concatenation text of a string or number. Returns the fuel converting it
/// cost beyond its bytes (a float's digit generation, see `limits::fuel::FLOAT_FORMAT`).
pub fn push_concat_text(buf: &mut impl TextBuf, v: Value<'_>) -> i64 {
    match v {
        Value::Str(s) => buf.put(s.as_bytes()),
        Value::Int(i) => buf.put(crate::number::int_text(i, &mut [0; 20])),
        _ => buf.put(convert::number_to_string(v).unwrap_or_default().as_bytes()),
    }
    if matches!(v, Value::Float(_)) {
        crate::limits::fuel::FLOAT_FORMAT
    } else {
        0
    }
}

/// Whether `v` converts to a number (used by `for` loops' coercions).
pub fn for_number(v: Value<'_>) -> Option<Value<'_>> {
    to_number(v)
}
