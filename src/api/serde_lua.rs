//! serde: any `Serialize` value to a Lua value, any Lua value to a `Deserialize` type, as
//! mlua's `LuaSerdeExt` does.
//!
//! The mapping: booleans, integers (which must fit Lua's 64-bit range), floats and strings as
//! themselves; bytes as strings; `None`, `()` and unit structs as nil; sequences and tuples as
//! tables `{1, 2, 3}`; maps and structs as tables keyed by their keys and field names; enum
//! variants as Lua would write them by hand: a unit variant is its name (`"Idle"`), the
//! others a one-field table (`{Move = {x = 1, y = 2}}`). Deserializing reads the same
//! forms, plus what Lua naturally writes: any table with keys `1..n` is a sequence, and a
//! missing field is nil (so `Option` fields may be left out).

use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use serde::ser::{self, Serialize};

use super::context::{type_name, Context};
use super::convert::{pairs, FromLua, IntoLua, LuaValue};
use super::error::{Error, Result};
use crate::vm::table::Table as VmTable;
use crate::vm::value::Value as VmValue;

/// Converts through serde: `Serde(pos)` passes a `Serialize` value to Lua (a struct becomes a
/// table), and a `Serde<Pos>` argument or result reads a Lua value into a `Deserialize` type.
///
/// ```
/// use telelua::{Serde, Vm};
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct Pos { x: f64, y: f64 }
/// let mut vm = Vm::new();
/// vm.set_global("p", Serde(Pos { x: 1.0, y: 2.0 })).unwrap();
/// let Serde(q): Serde<Pos> = vm.eval("return { x = p.x + 1, y = p.y * 2 }").unwrap();
/// assert_eq!(q, Pos { x: 2.0, y: 4.0 });
/// let err = vm.eval::<Serde<Pos>>("return { x = 'left', y = 0 }").unwrap_err();
/// assert_eq!(err.to_string(), "value #1, field 'x': expected number, got string");
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Serde<T>(pub T);

impl<T: Serialize> IntoLua for Serde<T> {
    fn into_lua<'gc>(self, cx: &Context<'gc>) -> Result<LuaValue<'gc>> {
        self.0.serialize(Serializer { cx }).map(LuaValue)
    }
}

impl<T: DeserializeOwned> FromLua for Serde<T> {
    fn from_lua<'gc>(v: LuaValue<'gc>, cx: &Context<'gc>) -> Result<Self> {
        T::deserialize(Deserializer { cx, v: v.0 }).map(Serde)
    }
}

impl ser::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error::Message(msg.to_string())
    }
}

impl de::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error::Conversion {
            path: String::new(),
            expected: "a value serde accepts".into(),
            found: msg.to_string(),
        }
    }

    fn invalid_type(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        Error::conversion(exp.to_string(), unexp.to_string())
    }

    fn invalid_value(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        Error::conversion(exp.to_string(), unexp.to_string())
    }

    fn missing_field(field: &'static str) -> Self {
        Error::conversion(format!("field '{field}'"), "nothing")
    }
}

// ---------------------------------------------------------------- Rust → Lua

struct Serializer<'a, 'gc> {
    cx: &'a Context<'gc>,
}

/// A table being filled by a sequence, tuple, map or struct serializer.
struct TableBuilder<'a, 'gc> {
    cx: &'a Context<'gc>,
    t: VmTable<'gc>,
    next: i64,
    key: Option<VmValue<'gc>>,
    /// The variant name wrapping the table (`{Variant = t}`), for enum variants.
    variant: Option<&'static str>,
}

impl<'a, 'gc> TableBuilder<'a, 'gc> {
    fn new(cx: &'a Context<'gc>, len: usize, variant: Option<&'static str>) -> Self {
        TableBuilder {
            cx,
            t: cx.ctx.new_table_sized(len.min(1 << 16), 0),
            next: 1,
            key: None,
            variant,
        }
    }

    fn set(&self, k: VmValue<'gc>, v: VmValue<'gc>) -> Result<()> {
        match k {
            VmValue::Nil => Err(Error::msg("a map key serialized to nil")),
            VmValue::Float(f) if f.get().is_nan() => Err(Error::msg("a map key is NaN")),
            _ => {
                self.cx.ctx.store_always(self.t, k, v);
                Ok(())
            }
        }
    }

    fn push<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<()> {
        let v = v.serialize(Serializer { cx: self.cx })?;
        self.set(VmValue::Int(self.next), v)?;
        self.next += 1;
        Ok(())
    }

    fn finish(self) -> Result<VmValue<'gc>> {
        let t = VmValue::Table(self.t);
        match self.variant {
            Some(name) => wrap_variant(self.cx, name, t),
            None => Ok(t),
        }
    }
}

/// `{name = v}`: an enum variant with data.
fn wrap_variant<'gc>(cx: &Context<'gc>, name: &str, v: VmValue<'gc>) -> Result<VmValue<'gc>> {
    let t = cx.ctx.new_table();
    cx.ctx.store_always(t, cx.string(name.as_bytes()), v);
    Ok(VmValue::Table(t))
}

macro_rules! ser_int {
    ($($f:ident $t:ty),*) => {$(
        fn $f(self, v: $t) -> Result<VmValue<'gc>> {
            i64::try_from(v)
                .map(VmValue::Int)
                .map_err(|_| Error::conversion("integer within Lua's range", v.to_string()))
        }
    )*};
}

impl<'a, 'gc> ser::Serializer for Serializer<'a, 'gc> {
    type Ok = VmValue<'gc>;
    type Error = Error;
    type SerializeSeq = TableBuilder<'a, 'gc>;
    type SerializeTuple = TableBuilder<'a, 'gc>;
    type SerializeTupleStruct = TableBuilder<'a, 'gc>;
    type SerializeTupleVariant = TableBuilder<'a, 'gc>;
    type SerializeMap = TableBuilder<'a, 'gc>;
    type SerializeStruct = TableBuilder<'a, 'gc>;
    type SerializeStructVariant = TableBuilder<'a, 'gc>;

    fn serialize_bool(self, v: bool) -> Result<VmValue<'gc>> {
        Ok(VmValue::boolean(v))
    }
    ser_int!(serialize_i8 i8, serialize_i16 i16, serialize_i32 i32, serialize_i64 i64,
        serialize_u8 u8, serialize_u16 u16, serialize_u32 u32, serialize_u64 u64,
        serialize_i128 i128, serialize_u128 u128);
    fn serialize_f32(self, v: f32) -> Result<VmValue<'gc>> {
        Ok(VmValue::float(f64::from(v)))
    }
    fn serialize_f64(self, v: f64) -> Result<VmValue<'gc>> {
        Ok(VmValue::float(v))
    }
    fn serialize_char(self, v: char) -> Result<VmValue<'gc>> {
        let mut buf = [0u8; 4];
        Ok(self.cx.string(v.encode_utf8(&mut buf).as_bytes()))
    }
    fn serialize_str(self, v: &str) -> Result<VmValue<'gc>> {
        Ok(self.cx.string(v.as_bytes()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<VmValue<'gc>> {
        Ok(self.cx.string(v))
    }
    fn serialize_none(self) -> Result<VmValue<'gc>> {
        Ok(VmValue::Nil)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> Result<VmValue<'gc>> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<VmValue<'gc>> {
        Ok(VmValue::Nil)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<VmValue<'gc>> {
        Ok(VmValue::Nil)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<VmValue<'gc>> {
        Ok(self.cx.string(variant.as_bytes()))
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        v: &T,
    ) -> Result<VmValue<'gc>> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<VmValue<'gc>> {
        let cx = self.cx;
        let inner = v.serialize(self)?;
        wrap_variant(cx, variant, inner)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<TableBuilder<'a, 'gc>> {
        Ok(TableBuilder::new(self.cx, len.unwrap_or(0), None))
    }
    fn serialize_tuple(self, len: usize) -> Result<TableBuilder<'a, 'gc>> {
        Ok(TableBuilder::new(self.cx, len, None))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<TableBuilder<'a, 'gc>> {
        Ok(TableBuilder::new(self.cx, len, None))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<TableBuilder<'a, 'gc>> {
        Ok(TableBuilder::new(self.cx, len, Some(variant)))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<TableBuilder<'a, 'gc>> {
        Ok(TableBuilder::new(self.cx, 0, None))
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<TableBuilder<'a, 'gc>> {
        Ok(TableBuilder::new(self.cx, 0, None))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<TableBuilder<'a, 'gc>> {
        Ok(TableBuilder::new(self.cx, 0, Some(variant)))
    }
}

/// The positional serializers: each element is the next array item.
macro_rules! positional {
    ($($tr:ident :: $method:ident),*) => {$(
        impl<'gc> ser::$tr for TableBuilder<'_, 'gc> {
            type Ok = VmValue<'gc>;
            type Error = Error;
            fn $method<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<()> {
                self.push(v)
            }
            fn end(self) -> Result<VmValue<'gc>> {
                self.finish()
            }
        }
    )*};
}
positional!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl<'gc> ser::SerializeMap for TableBuilder<'_, 'gc> {
    type Ok = VmValue<'gc>;
    type Error = Error;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, k: &T) -> Result<()> {
        self.key = Some(k.serialize(Serializer { cx: self.cx })?);
        Ok(())
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<()> {
        let k = self.key.take().unwrap_or(VmValue::Nil);
        let v = v.serialize(Serializer { cx: self.cx })?;
        self.set(k, v)
    }
    fn end(self) -> Result<VmValue<'gc>> {
        self.finish()
    }
}

/// The named serializers: each field is a key.
macro_rules! named {
    ($($tr:ident),*) => {$(
        impl<'gc> ser::$tr for TableBuilder<'_, 'gc> {
            type Ok = VmValue<'gc>;
            type Error = Error;
            fn serialize_field<T: ?Sized + Serialize>(
                &mut self,
                key: &'static str,
                v: &T,
            ) -> Result<()> {
                let v = v.serialize(Serializer { cx: self.cx })?;
                self.set(self.cx.string(key.as_bytes()), v)
            }
            fn end(self) -> Result<VmValue<'gc>> {
                self.finish()
            }
        }
    )*};
}
named!(SerializeStruct, SerializeStructVariant);

// ---------------------------------------------------------------- Lua → Rust

struct Deserializer<'a, 'gc> {
    cx: &'a Context<'gc>,
    v: VmValue<'gc>,
}

impl<'a, 'gc> Deserializer<'a, 'gc> {
    fn mismatch(&self, expected: &str) -> Error {
        Error::conversion(expected, type_name(self.cx.ctx, self.v))
    }

    /// The sequence `t[1..n]` of a table whose keys are exactly `1..n` (n ≥ 1).
    fn as_sequence(&self, t: VmTable<'gc>) -> Option<Vec<VmValue<'gc>>> {
        let n = t.length(self.cx.ctx.mc);
        let all = pairs(self.cx, t);
        if n < 1 || all.len() as i64 != n {
            return None;
        }
        Some((1..=n).map(|i| t.get_int(self.cx.ctx.mc, i)).collect())
    }
}

/// Visits the elements of a sequence.
struct SeqAccess<'a, 'gc> {
    cx: &'a Context<'gc>,
    items: std::vec::IntoIter<VmValue<'gc>>,
    index: usize,
}

impl<'de, 'gc> de::SeqAccess<'de> for SeqAccess<'_, 'gc> {
    type Error = Error;
    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>> {
        match self.items.next() {
            None => Ok(None),
            Some(v) => {
                self.index += 1;
                let at = format!("[{}]", self.index);
                seed.deserialize(Deserializer { cx: self.cx, v })
                    .map(Some)
                    .map_err(|e| e.at(&at))
            }
        }
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// Visits the pairs of a table (for maps and structs).
struct MapAccess<'a, 'gc> {
    cx: &'a Context<'gc>,
    items: std::vec::IntoIter<(VmValue<'gc>, VmValue<'gc>)>,
    value: Option<(String, VmValue<'gc>)>,
}

impl<'de, 'gc> de::MapAccess<'de> for MapAccess<'_, 'gc> {
    type Error = Error;
    fn next_key_seed<K: de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        match self.items.next() {
            None => Ok(None),
            Some((k, v)) => {
                let at = super::convert::key_segment(self.cx, k);
                self.value = Some((at.clone(), v));
                seed.deserialize(Deserializer { cx: self.cx, v: k })
                    .map(Some)
                    .map_err(|e| e.at(&at))
            }
        }
    }
    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let (at, v) = self.value.take().unwrap_or_default();
        seed.deserialize(Deserializer { cx: self.cx, v })
            .map_err(|e| e.at(&at))
    }
}

/// Visits an enum written as `"Variant"` or `{Variant = data}`.
struct EnumAccess<'a, 'gc> {
    cx: &'a Context<'gc>,
    variant: VmValue<'gc>,
    data: VmValue<'gc>,
}

impl<'de, 'a, 'gc> de::EnumAccess<'de> for EnumAccess<'a, 'gc> {
    type Error = Error;
    type Variant = Deserializer<'a, 'gc>;
    fn variant_seed<V: de::DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant)> {
        let v = seed.deserialize(Deserializer {
            cx: self.cx,
            v: self.variant,
        })?;
        Ok((
            v,
            Deserializer {
                cx: self.cx,
                v: self.data,
            },
        ))
    }
}

impl<'de, 'gc> de::VariantAccess<'de> for Deserializer<'_, 'gc> {
    type Error = Error;
    fn unit_variant(self) -> Result<()> {
        Ok(())
    }
    fn newtype_variant_seed<T: de::DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        seed.deserialize(self)
    }
    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        de::Deserializer::deserialize_seq(self, visitor)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        de::Deserializer::deserialize_map(self, visitor)
    }
}

/// Integers: Lua integers, and floats with an exact integer value (Lua's own conversion);
/// the visitor checks the target's range.
macro_rules! deserialize_ints {
    ($($f:ident)*) => {$(
        fn $f<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            match self.v {
                VmValue::Int(i) => visitor.visit_i64(i),
                VmValue::Float(f) => match crate::number::float_to_int_exact(f.get()) {
                    Some(i) => visitor.visit_i64(i),
                    None => Err(Error::conversion(
                        "integer",
                        "number with no integer representation",
                    )),
                },
                _ => Err(self.mismatch("integer")),
            }
        }
    )*};
}

impl<'de, 'gc> de::Deserializer<'de> for Deserializer<'_, 'gc> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.v {
            VmValue::Nil => visitor.visit_unit(),
            VmValue::False => visitor.visit_bool(false),
            VmValue::True => visitor.visit_bool(true),
            VmValue::Int(i) => visitor.visit_i64(i),
            VmValue::Float(f) => visitor.visit_f64(f.get()),
            VmValue::Str(s) => match std::str::from_utf8(s.as_bytes()) {
                Ok(text) => visitor.visit_str(text),
                Err(_) => visitor.visit_bytes(s.as_bytes()),
            },
            VmValue::Table(t) => match self.as_sequence(t) {
                Some(items) => self.deserialize_items(items, visitor),
                None => self.deserialize_map(visitor),
            },
            _ => Err(self.mismatch("a value serde can read (not a function, thread or userdata)")),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.v.is_nil() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.v.is_nil() {
            visitor.visit_unit()
        } else {
            Err(self.mismatch("nil"))
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.v {
            VmValue::Table(t) => {
                let n = t.length(self.cx.ctx.mc).max(0);
                let items = (1..=n).map(|i| t.get_int(self.cx.ctx.mc, i)).collect();
                self.deserialize_items(items, visitor)
            }
            _ => Err(self.mismatch("table")),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.v {
            VmValue::Table(t) => visitor.visit_map(MapAccess {
                cx: self.cx,
                items: pairs(self.cx, t).into_iter(),
                value: None,
            }),
            _ => Err(self.mismatch("table")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        let VmValue::Table(t) = self.v else {
            return Err(self.mismatch("table"));
        };
        // Fields in declaration order, nil for the missing ones (so `Option` fields may be
        // left out, and an error names the first field that is wrong).
        let ctx = self.cx.ctx;
        let items: Vec<_> = fields
            .iter()
            .map(|f| {
                let k = self.cx.string(f.as_bytes());
                (k, t.get(ctx.mc, k))
            })
            .collect();
        visitor.visit_map(MapAccess {
            cx: self.cx,
            items: items.into_iter(),
            value: None,
        })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.v {
            VmValue::Str(_) => visitor.visit_enum(EnumAccess {
                cx: self.cx,
                variant: self.v,
                data: VmValue::Nil,
            }),
            VmValue::Table(t) => {
                let all = pairs(self.cx, t);
                match all.as_slice() {
                    [(k @ VmValue::Str(_), v)] => visitor.visit_enum(EnumAccess {
                        cx: self.cx,
                        variant: *k,
                        data: *v,
                    }),
                    _ => Err(self.mismatch("a variant name or a table {Variant = data}")),
                }
            }
            _ => Err(self.mismatch("a variant name or a table {Variant = data}")),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.v {
            VmValue::Str(s) => visitor.visit_bytes(s.as_bytes()),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.v {
            VmValue::Int(i) => visitor.visit_f64(i as f64),
            VmValue::Float(f) => visitor.visit_f64(f.get()),
            _ => Err(self.mismatch("number")),
        }
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.v {
            VmValue::True => visitor.visit_bool(true),
            VmValue::False => visitor.visit_bool(false),
            _ => Err(self.mismatch("boolean")),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.v {
            VmValue::Str(s) => match std::str::from_utf8(s.as_bytes()) {
                Ok(text) => visitor.visit_str(text),
                Err(_) => Err(Error::conversion(
                    "UTF-8 string",
                    "string with invalid UTF-8",
                )),
            },
            _ => Err(self.mismatch("string")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }

    deserialize_ints! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
    }
}

impl<'gc> Deserializer<'_, 'gc> {
    fn deserialize_items<'de, V: Visitor<'de>>(
        self,
        items: Vec<VmValue<'gc>>,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_seq(SeqAccess {
            cx: self.cx,
            items: items.into_iter(),
            index: 0,
        })
    }
}

impl<'de, 'a, 'gc> IntoDeserializer<'de, Error> for Deserializer<'a, 'gc> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}
