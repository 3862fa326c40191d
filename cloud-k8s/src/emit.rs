//! A fast block-style YAML emitter for serde data: the output format of every Kubernetes file.
//!
//! Girder writes thousands of objects per synth; a general YAML serializer spends most of its
//! time deciding how to quote each scalar. This emitter handles exactly the JSON data model
//! (maps with scalar keys, sequences, strings, numbers, booleans, null) and decides quoting with a
//! conservative allow-list: a string is written plain only when it cannot be read back as
//! anything else; otherwise it is double-quoted with JSON escapes, which YAML accepts.
//! Its output is checked by parsing it back with serde-saphyr (see the tests).
//!
//! ```
//! let mut out = String::new();
//! girder_k8s::emit::to_yaml(&mut out, &serde_json::json!({"a": ["x", "1", true], "b": {}})).unwrap();
//! assert_eq!(out, "a:\n- x\n- \"1\"\n- true\nb: {}\n");
//! ```

use std::cell::Cell;
use std::fmt::{self, Write};

use serde::ser::{self, Serialize};

/// Why a value could not be written as YAML.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmitError {
    /// A map key was not a string, number, boolean or char.
    #[error("map keys must be strings, numbers or booleans")]
    KeyNotScalar,
    /// The value's `Serialize` implementation reported an error.
    #[error("{0}")]
    Custom(String),
}

impl ser::Error for EmitError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        EmitError::Custom(msg.to_string())
    }
}

/// Appends `value` as one YAML document (without `---`) to `out`.
pub fn to_yaml<T: Serialize + ?Sized>(out: &mut String, value: &T) -> Result<(), EmitError> {
    value.serialize(Slot {
        out,
        ctx: Ctx::Root,
    })
}

#[derive(Clone, Copy)]
enum Ctx {
    /// The document itself.
    Root,
    /// The value of a map entry whose key is at this indent.
    MapValue(usize),
    /// A sequence item whose `- ` is at this indent (already written).
    SeqItem(usize),
}

struct Slot<'a> {
    out: &'a mut String,
    ctx: Ctx,
}

fn indent(out: &mut String, n: usize) {
    const SPACES: &str = "                                                                ";
    let mut n = n;
    while n > 0 {
        let k = n.min(SPACES.len());
        out.push_str(&SPACES[..k]);
        n -= k;
    }
}

/// A byte's classes, as bits of [`CLASS`]: one pass over a string gathers what `is_plain` needs.
const PLAIN: u8 = 1;
/// An ASCII letter or digit.
const ALNUM: u8 = 2;
/// An ASCII letter other than `e` and `E` (which could be an exponent).
const LETTER: u8 = 4;
/// A space.
const SPACE: u8 = 8;

/// The classes of each byte. `PLAIN`: the bytes a plain scalar may contain, ASCII letters and
/// digits and ` _./-:@+=,()%`.
const CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_alphanumeric() {
            table[c] = PLAIN | ALNUM;
        }
        if b.is_ascii_alphabetic() && b != b'e' && b != b'E' {
            table[c] |= LETTER;
        }
        c += 1;
    }
    let extra = b" _./-:@+=,()%";
    let mut i = 0;
    while i < extra.len() {
        table[extra[i] as usize] |= PLAIN;
        i += 1;
    }
    table[b' ' as usize] |= SPACE;
    table
};

/// Whether `s` can be written as a plain scalar and read back as the same string.
fn is_plain(s: &str) -> bool {
    let bytes = s.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if last == b' ' || last == b':' {
        return false;
    }
    // The classes every byte has, and those some byte has.
    let (mut every, mut some) = (u8::MAX, 0u8);
    for &b in bytes {
        let class = CLASS[usize::from(b)];
        every &= class;
        some |= class;
    }
    if first.is_ascii_digit() {
        // Quantities such as `100m` or `128Mi` are plain; anything a reader could take for a
        // number (`1e3`, `0x1F`, `1_000`, `12:30`, `2024-01-01`) is quoted.
        let radix = bytes.len() > 1 && first == b'0' && b"xXoObB".contains(&bytes[1]);
        return !radix && some & LETTER != 0 && every & ALNUM != 0;
    }
    if first == b'-' {
        // Flags such as `--bind` are plain; `-1`, `-.5`, `-` and `---` are not.
        let rest = s.trim_start_matches('-');
        if rest.is_empty() || !rest.as_bytes()[0].is_ascii_alphabetic() || s.len() - rest.len() > 2
        {
            return false;
        }
    } else if !(first.is_ascii_alphabetic() || first == b'/') {
        return false;
    }
    // Only characters that never start a YAML construct (`#` is not allowed at all, so no ` #`,
    // a comment), and no `: ` (a mapping) or double space (folded when read back). Spaces are
    // rare: the pairs are only looked for when there is one.
    if every & PLAIN == 0 {
        return false;
    }
    if some & SPACE != 0
        && bytes
            .windows(2)
            .any(|w| w[1] == b' ' && matches!(w[0], b':' | b' '))
    {
        return false;
    }
    bytes.len() > 5 || !is_reserved(bytes)
}

/// Whether `bytes` (at most 5 of them) spell, in any case, a word YAML 1.1 or 1.2 readers take
/// for a boolean or null.
fn is_reserved(bytes: &[u8]) -> bool {
    let mut lower = [0u8; 5];
    for (l, b) in lower.iter_mut().zip(bytes) {
        *l = b.to_ascii_lowercase();
    }
    matches!(
        &lower[..bytes.len().min(5)],
        b"true"
            | b"false"
            | b"yes"
            | b"no"
            | b"on"
            | b"off"
            | b"y"
            | b"n"
            | b"null"
            | b"nan"
            | b"inf"
    )
}

fn write_str(out: &mut String, s: &str) {
    if is_plain(s) {
        out.push_str(s);
        return;
    }
    out.push('"');
    // Runs of bytes that need no escape are copied whole.
    let mut run = 0;
    for (i, c) in s.char_indices() {
        let escape = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\t' => Some("\\t"),
            '\r' => Some("\\r"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => None,
            _ => continue,
        };
        out.push_str(&s[run..i]);
        run = i + c.len_utf8();
        match escape {
            Some(escape) => out.push_str(escape),
            None => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
        }
    }
    out.push_str(&s[run..]);
    out.push('"');
}

impl Slot<'_> {
    fn scalar(self, text: impl FnOnce(&mut String)) -> Result<(), EmitError> {
        if let Ctx::MapValue(_) = self.ctx {
            self.out.push(' ');
        }
        text(self.out);
        self.out.push('\n');
        Ok(())
    }
}

/// Appends the decimal digits of `v`.
fn write_int(out: &mut String, negative: bool, v: u64) {
    if negative {
        out.push('-');
    }
    out.push_str(itoa::Buffer::new().format(v));
}

macro_rules! display_scalars {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method(self, v: $ty) -> Result<(), EmitError> {
            self.scalar(|out| { let _ = write!(out, "{v}"); })
        }
    )*};
}

macro_rules! int_scalars {
    ($($method:ident: $ty:ty),*) => {$(
        #[allow(unused_comparisons, clippy::cast_lossless, clippy::cast_possible_truncation)]
        fn $method(self, v: $ty) -> Result<(), EmitError> {
            // Every type here fits in an i128, and its magnitude in a u64.
            self.scalar(|out| write_int(out, v < 0, (v as i128).unsigned_abs() as u64))
        }
    )*};
}

impl<'a> ser::Serializer for Slot<'a> {
    type Ok = ();
    type Error = EmitError;
    type SerializeSeq = SeqSer<'a>;
    type SerializeTuple = SeqSer<'a>;
    type SerializeTupleStruct = SeqSer<'a>;
    type SerializeTupleVariant = SeqSer<'a>;
    type SerializeMap = MapSer<'a>;
    type SerializeStruct = MapSer<'a>;
    type SerializeStructVariant = MapSer<'a>;

    display_scalars!(serialize_bool: bool, serialize_i128: i128, serialize_u128: u128);
    int_scalars!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64);

    fn serialize_f32(self, v: f32) -> Result<(), EmitError> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<(), EmitError> {
        self.scalar(|out| {
            let _ = if v.is_nan() {
                write!(out, ".nan")
            } else if v.is_infinite() {
                write!(out, "{}", if v > 0.0 { ".inf" } else { "-.inf" })
            } else {
                write!(out, "{v}")
            };
        })
    }
    fn serialize_char(self, v: char) -> Result<(), EmitError> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), EmitError> {
        self.scalar(|out| write_str(out, v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), EmitError> {
        use ser::SerializeSeq;
        let mut seq = self.serialize_seq(Some(v.len()))?;
        for b in v {
            seq.serialize_element(b)?;
        }
        seq.end()
    }
    fn serialize_none(self) -> Result<(), EmitError> {
        self.scalar(|out| out.push_str("null"))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), EmitError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), EmitError> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), EmitError> {
        self.serialize_none()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), EmitError> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), EmitError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), EmitError> {
        use ser::SerializeMap;
        let mut map = self.serialize_map(Some(1))?;
        map.serialize_entry(variant, value)?;
        map.end()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<SeqSer<'a>, EmitError> {
        Ok(SeqSer {
            out: self.out,
            ctx: self.ctx,
            count: 0,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqSer<'a>, EmitError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<SeqSer<'a>, EmitError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<SeqSer<'a>, EmitError> {
        let (out, inner) = open_variant(self, variant);
        Ok(SeqSer {
            out,
            ctx: inner,
            count: 0,
        })
    }
    fn serialize_map(self, _: Option<usize>) -> Result<MapSer<'a>, EmitError> {
        Ok(MapSer {
            out: self.out,
            ctx: self.ctx,
            count: 0,
        })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<MapSer<'a>, EmitError> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<MapSer<'a>, EmitError> {
        let (out, inner) = open_variant(self, variant);
        Ok(MapSer {
            out,
            ctx: inner,
            count: 0,
        })
    }
}

/// Writes `variant:` as the only key of a map and returns the context of its value.
fn open_variant<'a>(slot: Slot<'a>, variant: &str) -> (&'a mut String, Ctx) {
    let key_indent = match slot.ctx {
        Ctx::Root => 0,
        Ctx::MapValue(k) => {
            slot.out.push('\n');
            indent(slot.out, k + 2);
            k + 2
        }
        Ctx::SeqItem(d) => d + 2,
    };
    write_str(slot.out, variant);
    slot.out.push(':');
    (slot.out, Ctx::MapValue(key_indent))
}

/// Writes a sequence, items in block style (`- item`), `[]` when empty.
pub struct SeqSer<'a> {
    out: &'a mut String,
    ctx: Ctx,
    count: usize,
}

impl SeqSer<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EmitError> {
        let dash = match self.ctx {
            Ctx::Root => 0,
            Ctx::MapValue(k) => k,
            Ctx::SeqItem(d) => d + 2,
        };
        match (self.count, self.ctx) {
            (0, Ctx::MapValue(_)) => {
                self.out.push('\n');
                indent(self.out, dash);
            }
            (0, _) => {}
            _ => indent(self.out, dash),
        }
        self.count += 1;
        self.out.push_str("- ");
        value.serialize(Slot {
            out: self.out,
            ctx: Ctx::SeqItem(dash),
        })
    }

    fn finish(self) -> Result<(), EmitError> {
        if self.count == 0 {
            Slot {
                out: self.out,
                ctx: self.ctx,
            }
            .scalar(|out| out.push_str("[]"))?;
        }
        Ok(())
    }
}

/// Sequences, tuples, tuple structs and tuple variants are all written as block sequences.
macro_rules! seq_impls {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for SeqSer<'_> {
            type Ok = ();
            type Error = EmitError;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EmitError> {
                self.element(value)
            }
            fn end(self) -> Result<(), EmitError> {
                self.finish()
            }
        }
    )*};
}

seq_impls!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// Writes a map in block style (`key: value`), `{}` when empty.
pub struct MapSer<'a> {
    out: &'a mut String,
    ctx: Ctx,
    count: usize,
}

impl MapSer<'_> {
    fn key_indent(&self) -> usize {
        match self.ctx {
            Ctx::Root => 0,
            Ctx::MapValue(k) => k + 2,
            Ctx::SeqItem(d) => d + 2,
        }
    }

    fn key(
        &mut self,
        write_key: impl FnOnce(&mut String) -> Result<(), EmitError>,
    ) -> Result<(), EmitError> {
        let at = self.key_indent();
        match (self.count, self.ctx) {
            (0, Ctx::MapValue(_)) => {
                self.out.push('\n');
                indent(self.out, at);
            }
            (0, _) => {}
            _ => indent(self.out, at),
        }
        self.count += 1;
        write_key(self.out)?;
        self.out.push(':');
        Ok(())
    }

    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EmitError> {
        let at = self.key_indent();
        value.serialize(Slot {
            out: self.out,
            ctx: Ctx::MapValue(at),
        })
    }

    fn finish(self) -> Result<(), EmitError> {
        if self.count == 0 {
            Slot {
                out: self.out,
                ctx: self.ctx,
            }
            .scalar(|out| out.push_str("{}"))?;
        }
        Ok(())
    }
}

impl ser::SerializeMap for MapSer<'_> {
    type Ok = ();
    type Error = EmitError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), EmitError> {
        self.key(|out| key.serialize(KeySer { out }))
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EmitError> {
        self.value(value)
    }
    fn end(self) -> Result<(), EmitError> {
        self.finish()
    }
}

impl ser::SerializeStruct for MapSer<'_> {
    type Ok = ();
    type Error = EmitError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), EmitError> {
        self.key(|out| {
            write_field_name(out, key);
            Ok(())
        })?;
        self.value(value)
    }
    fn end(self) -> Result<(), EmitError> {
        self.finish()
    }
}

/// How many struct field names [`write_field_name`] remembers (a power of two).
const FIELD_NAMES: usize = 512;

thread_local! {
    /// The (address, length) of field names known to be plain, by a hash of the address.
    static PLAIN_FIELD_NAMES: [Cell<(usize, usize)>; FIELD_NAMES] =
        const { [const { Cell::new((0, 0)) }; FIELD_NAMES] };
}

/// Writes a struct field name. Field names are `&'static str`s that recur in every object, so
/// whether one is plain is decided once and remembered by its address and length, which
/// identify the immutable text of a `&'static str`.
fn write_field_name(out: &mut String, name: &'static str) {
    let key = (name.as_ptr() as usize, name.len());
    let slot = (key.0 >> 3 ^ key.1) & (FIELD_NAMES - 1);
    let known = PLAIN_FIELD_NAMES.with(|names| names[slot].get() == key);
    if known {
        out.push_str(name);
    } else if is_plain(name) {
        PLAIN_FIELD_NAMES.with(|names| names[slot].set(key));
        out.push_str(name);
    } else {
        write_str(out, name);
    }
}

impl ser::SerializeStructVariant for MapSer<'_> {
    type Ok = ();
    type Error = EmitError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), EmitError> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }
    fn end(self) -> Result<(), EmitError> {
        self.finish()
    }
}

/// Writes a map key: strings, numbers, booleans and chars only.
struct KeySer<'a> {
    out: &'a mut String,
}

macro_rules! display_keys {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method(self, v: $ty) -> Result<(), EmitError> {
            write_str(self.out, &v.to_string());
            Ok(())
        }
    )*};
}

impl ser::Serializer for KeySer<'_> {
    type Ok = ();
    type Error = EmitError;
    type SerializeSeq = ser::Impossible<(), EmitError>;
    type SerializeTuple = ser::Impossible<(), EmitError>;
    type SerializeTupleStruct = ser::Impossible<(), EmitError>;
    type SerializeTupleVariant = ser::Impossible<(), EmitError>;
    type SerializeMap = ser::Impossible<(), EmitError>;
    type SerializeStruct = ser::Impossible<(), EmitError>;
    type SerializeStructVariant = ser::Impossible<(), EmitError>;

    display_keys!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_i128: i128, serialize_u8: u8, serialize_u16: u16,
        serialize_u32: u32, serialize_u64: u64, serialize_u128: u128, serialize_f32: f32,
        serialize_f64: f64, serialize_char: char);

    fn serialize_str(self, v: &str) -> Result<(), EmitError> {
        write_str(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), EmitError> {
        Err(EmitError::KeyNotScalar)
    }
    fn serialize_none(self) -> Result<(), EmitError> {
        Err(EmitError::KeyNotScalar)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), EmitError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), EmitError> {
        Err(EmitError::KeyNotScalar)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), EmitError> {
        Err(EmitError::KeyNotScalar)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), EmitError> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), EmitError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), EmitError> {
        Err(EmitError::KeyNotScalar)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, EmitError> {
        Err(EmitError::KeyNotScalar)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, EmitError> {
        Err(EmitError::KeyNotScalar)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, EmitError> {
        Err(EmitError::KeyNotScalar)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, EmitError> {
        Err(EmitError::KeyNotScalar)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, EmitError> {
        Err(EmitError::KeyNotScalar)
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, EmitError> {
        Err(EmitError::KeyNotScalar)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, EmitError> {
        Err(EmitError::KeyNotScalar)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn round_trip(value: &Value) -> String {
        let mut out = String::new();
        to_yaml(&mut out, value).unwrap();
        let back: Value = serde_saphyr::from_str(&out).unwrap_or_else(|e| panic!("{e}\n{out}"));
        assert_eq!(&back, value, "YAML:\n{out}");
        out
    }

    #[test]
    fn tricky_strings_read_back_unchanged() {
        let strings = [
            "",
            " ",
            "a",
            "true",
            "False",
            "yes",
            "No",
            "on",
            "OFF",
            "y",
            "n",
            "null",
            "~",
            "Null",
            "1",
            "1.5",
            "0755",
            "0x1F",
            "1e3",
            "-1",
            "+1",
            ".5",
            ".inf",
            "-.inf",
            ".NaN",
            "25%",
            "2024-01-01",
            "12:30",
            "a: b",
            "a:b",
            "a:",
            "key #1",
            "a#b",
            "#comment",
            "- item",
            "-",
            "--",
            "---",
            "...",
            "? x",
            "[x]",
            "{x}",
            "*alias",
            "&anchor",
            "!tag",
            "|",
            ">",
            "'q'",
            "\"q\"",
            "%YAML",
            "@at",
            "`tick",
            "multi\nline",
            "tab\there",
            "trailing ",
            " leading",
            "cr\r",
            "nul\u{0}",
            "uni ü ☃",
            "ls\u{2028}",
            "http://example.com/a?b=c&d",
            "ghcr.io/acme/api:1.4.2",
            "app.kubernetes.io/name",
            "/healthz",
            "rate(http_requests_total{code=~\"5..\"}[5m]) > 0.05",
            "a  b",
            "x,y",
            "(x)",
            "=",
            "a=b",
            "100m",
            "128Mi",
            "1Gi",
            "1e3",
            "1E3",
            "12e",
            "0x1F",
            "0X1f",
            "0o17",
            "0b1",
            "1_000",
            "1.5Gi",
            "--bind",
            "-x",
            "-1",
            "-.5",
            "---x",
            "-- x",
            "-e",
            "--",
            "0",
            "00",
            "9a",
        ];
        for s in strings {
            round_trip(&json!({ "k": s, s: [s], "n": { s: s } }));
        }
    }

    #[test]
    fn nesting_and_empties() {
        let v = json!({
            "empty_map": {}, "empty_seq": [], "nums": [0, -1, 2.5, 1e100], "bools": [true, false], "nil": null,
            "seq_of_maps": [{"a": 1, "b": {"c": [1, {"d": []}]}}, {}],
            "seq_of_seqs": [[1, 2], [], [[3]]],
            "deep": {"a": {"b": {"c": {"d": "e"}}}},
        });
        let out = round_trip(&v);
        assert!(
            out.contains("seq_of_maps:\n- a: 1\n  b:\n    c:\n    - 1\n    - d: []\n- {}\n"),
            "{out}"
        );
        round_trip(&json!([1, [2, [3]], {"a": [{}]}]));
        round_trip(&json!("just a string"));
    }

    #[test]
    fn kubernetes_objects_match_serde_json() {
        use k8s_openapi::api::core::v1::{Container, EnvVar, PodSpec};
        let pod = PodSpec {
            containers: vec![Container {
                name: "app".into(),
                args: Some(vec!["--port=8080".into(), "-v".into(), "yes".into()]),
                env: Some(vec![EnvVar {
                    name: "A".into(),
                    value: Some("1".into()),
                    ..Default::default()
                }]),
                ..Default::default()
            }],
            ..Default::default()
        };
        let mut out = String::new();
        to_yaml(&mut out, &pod).unwrap();
        let back: Value = serde_saphyr::from_str(&out).unwrap();
        assert_eq!(back, serde_json::to_value(&pod).unwrap());
    }

    #[test]
    fn integers_are_written_exactly() {
        for v in [0i64, 7, -7, 10, 65535, i64::MAX, i64::MIN] {
            let mut out = String::new();
            to_yaml(&mut out, &v).unwrap();
            assert_eq!(out, format!("{v}\n"));
        }
        let mut out = String::new();
        to_yaml(&mut out, &u64::MAX).unwrap();
        assert_eq!(out, format!("{}\n", u64::MAX));
    }
}
