//! The serializer templates are written with: serde_json's pretty layout with one space of
//! indentation per level (what AWS CDK, troposphere and goformation write: a quarter fewer bytes
//! than two spaces, against CloudFormation's 1 MB template limit, and still one value a line),
//! byte for byte, started at any depth, straight into a byte buffer.
//!
//! It exists for speed. Writing templates is most of a large synthesis, and most of that was
//! serde_json checking every byte of every key and string for characters to escape; here eight
//! bytes are checked at a time. Numbers are written by `itoa` and `zmij`, as serde_json does.

use serde::Serialize;
use serde::ser::{self, Error as _};

/// What serializing can fail with: a value's own `Serialize` error, or a map key that is not
/// a string. Writing into a buffer cannot fail.
pub(crate) type Error = serde_json::Error;

/// Starts a line `depth` spaces deep, after a comma unless `first`.
pub(crate) fn line(out: &mut Vec<u8>, first: bool, depth: usize) {
    if !first {
        out.push(b',');
    }
    out.push(b'\n');
    out.resize(out.len() + depth, b' ');
}

/// Appends the escape of `byte`, which [`is_escaped`] flags.
fn escape(out: &mut Vec<u8>, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match byte {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x0c => out.extend_from_slice(b"\\f"),
        _ => out.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[usize::from(byte >> 4)],
            HEX[usize::from(byte & 0xf)],
        ]),
    }
}

/// Whether JSON escapes `byte`.
fn is_escaped(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// Appends `text` as a JSON string, escaped as serde_json escapes it.
pub(crate) fn write_str(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    if bytes.iter().any(|&b| is_escaped(b)) {
        // Bytes before `start` are written; runs without escapes are copied whole.
        let mut start = 0;
        for (i, &byte) in bytes.iter().enumerate() {
            if is_escaped(byte) {
                out.extend_from_slice(&bytes[start..i]);
                escape(out, byte);
                start = i + 1;
            }
        }
        out.extend_from_slice(&bytes[start..]);
    } else {
        out.extend_from_slice(bytes);
    }
    out.push(b'"');
}

/// Appends `"key": `, where the line is started already.
pub(crate) fn write_key(out: &mut Vec<u8>, key: &str) {
    write_str(out, key);
    out.extend_from_slice(b": ");
}

/// Writes one value `depth` levels deep (the depth of the line it starts on).
pub(crate) struct Writer<'a> {
    out: &'a mut Vec<u8>,
    depth: usize,
}

impl<'a> Writer<'a> {
    /// A serializer of a value whose first line is `depth` levels deep.
    pub(crate) fn at(out: &'a mut Vec<u8>, depth: usize) -> Self {
        Writer { out, depth }
    }

    fn integer(&mut self, value: impl itoa::Integer) -> Result<(), Error> {
        self.out
            .extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
        Ok(())
    }

    /// A number as serde_json writes it, `null` unless `finite`.
    fn float(&mut self, value: impl zmij::Float, finite: bool) -> Result<(), Error> {
        if finite {
            self.out
                .extend_from_slice(zmij::Buffer::new().format_finite(value).as_bytes());
        } else {
            self.out.extend_from_slice(b"null");
        }
        Ok(())
    }

    /// Opens an array or object; its elements are one level deeper.
    fn open(&mut self, bracket: u8, close: u8, variant: bool) -> Compound<'_, 'a> {
        self.out.push(bracket);
        self.depth += 1;
        Compound {
            writer: self,
            first: true,
            close,
            variant,
        }
    }

    /// Writes `{"<variant>": ` on the way to the variant's value, which the caller writes.
    fn open_variant(&mut self, variant: &str) {
        self.out.push(b'{');
        self.depth += 1;
        line(self.out, true, self.depth);
        write_key(self.out, variant);
    }

    /// Closes what [`Writer::open_variant`] opened.
    fn close_variant(&mut self) {
        self.depth -= 1;
        line(self.out, true, self.depth);
        self.out.push(b'}');
    }
}

/// An array or object being written.
pub(crate) struct Compound<'w, 'a> {
    writer: &'w mut Writer<'a>,
    first: bool,
    /// `]` or `}`.
    close: u8,
    /// Whether this is the value of an enum variant (`{"V": [..]}`), which closes too.
    variant: bool,
}

impl Compound<'_, '_> {
    /// Starts the next element or key on its own line.
    fn next(&mut self) {
        line(self.writer.out, self.first, self.writer.depth);
        self.first = false;
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.next();
        value.serialize(&mut *self.writer)
    }

    fn key(&mut self, key: &str) {
        self.next();
        write_key(self.writer.out, key);
    }

    fn close(self) -> Result<(), Error> {
        let writer = self.writer;
        writer.depth -= 1;
        if !self.first {
            line(writer.out, true, writer.depth);
        }
        writer.out.push(self.close);
        if self.variant {
            writer.close_variant();
        }
        Ok(())
    }
}

/// The methods the two serializers share: a character, a unit variant (its name) and a newtype
/// struct are written as what they hold, and integers by the serializer's `integer`.
macro_rules! shared_methods {
    () => {
        fn serialize_char(self, value: char) -> Result<(), Error> {
            self.serialize_str(value.encode_utf8(&mut [0; 4]))
        }

        fn serialize_unit_variant(
            self,
            _name: &'static str,
            _index: u32,
            variant: &'static str,
        ) -> Result<(), Error> {
            self.serialize_str(variant)
        }

        fn serialize_newtype_struct<T: Serialize + ?Sized>(
            self,
            _name: &'static str,
            value: &T,
        ) -> Result<(), Error> {
            value.serialize(self)
        }

        shared_methods!(
            serialize_i8: i8,
            serialize_i16: i16,
            serialize_i32: i32,
            serialize_i64: i64,
            serialize_i128: i128,
            serialize_u8: u8,
            serialize_u16: u16,
            serialize_u32: u32,
            serialize_u64: u64,
            serialize_u128: u128
        );
    };
    ($($method:ident: $ty:ty),*) => {$(
        fn $method(self, value: $ty) -> Result<(), Error> {
            self.integer(value)
        }
    )*};
}

impl<'w, 'a> ser::Serializer for &'w mut Writer<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'w, 'a>;
    type SerializeTuple = Compound<'w, 'a>;
    type SerializeTupleStruct = Compound<'w, 'a>;
    type SerializeTupleVariant = Compound<'w, 'a>;
    type SerializeMap = Compound<'w, 'a>;
    type SerializeStruct = Compound<'w, 'a>;
    type SerializeStructVariant = Compound<'w, 'a>;

    fn serialize_bool(self, value: bool) -> Result<(), Error> {
        self.out
            .extend_from_slice(if value { b"true" } else { b"false" });
        Ok(())
    }

    shared_methods!();

    fn serialize_f32(self, value: f32) -> Result<(), Error> {
        self.float(value, value.is_finite())
    }

    fn serialize_f64(self, value: f64) -> Result<(), Error> {
        self.float(value, value.is_finite())
    }

    fn serialize_str(self, value: &str) -> Result<(), Error> {
        write_str(self.out, value);
        Ok(())
    }

    fn serialize_bytes(self, value: &[u8]) -> Result<(), Error> {
        let mut seq = self.open(b'[', b']', false);
        for byte in value {
            seq.element(byte)?;
        }
        seq.close()
    }

    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.open_variant(variant);
        value.serialize(&mut *self)?;
        self.close_variant();
        Ok(())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'w, 'a>, Error> {
        Ok(self.open(b'[', b']', false))
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'w, 'a>, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Compound<'w, 'a>, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'w, 'a>, Error> {
        self.open_variant(variant);
        Ok(self.open(b'[', b']', true))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'w, 'a>, Error> {
        Ok(self.open(b'{', b'}', false))
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Compound<'w, 'a>, Error> {
        Ok(self.open(b'{', b'}', false))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'w, 'a>, Error> {
        self.open_variant(variant);
        Ok(self.open(b'{', b'}', true))
    }
}

/// The traits of arrays: each element on its own line.
macro_rules! array_like {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Compound<'_, '_> {
            type Ok = ();
            type Error = Error;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.element(value)
            }

            fn end(self) -> Result<(), Error> {
                self.close()
            }
        }
    )*};
}

array_like!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.next();
        key.serialize(KeyWriter(&mut *self.writer.out))?;
        self.writer.out.extend_from_slice(b": ");
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut *self.writer)
    }

    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

/// The traits of structs: each field on its own line, after its name.
macro_rules! struct_like {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Compound<'_, '_> {
            type Ok = ();
            type Error = Error;

            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.key(key);
                value.serialize(&mut *self.writer)
            }

            fn end(self) -> Result<(), Error> {
                self.close()
            }
        }
    )*};
}

struct_like!(SerializeStruct, SerializeStructVariant);

/// Writes a map key: a string, or a number or `bool` in quotes (a float only if finite), as
/// serde_json does.
struct KeyWriter<'a>(&'a mut Vec<u8>);

fn key_must_be_a_string() -> Error {
    Error::custom("key must be a string")
}

impl KeyWriter<'_> {
    fn quoted(self, text: &str) -> Result<(), Error> {
        self.0.push(b'"');
        self.0.extend_from_slice(text.as_bytes());
        self.0.push(b'"');
        Ok(())
    }

    fn integer(self, value: impl itoa::Integer) -> Result<(), Error> {
        self.quoted(itoa::Buffer::new().format(value))
    }

    fn float(self, value: impl zmij::Float, finite: bool) -> Result<(), Error> {
        if !finite {
            return Err(Error::custom(
                "float key must be finite (got NaN or +/-inf)",
            ));
        }
        self.quoted(zmij::Buffer::new().format_finite(value))
    }
}

impl ser::Serializer for KeyWriter<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_str(self, value: &str) -> Result<(), Error> {
        write_str(self.0, value);
        Ok(())
    }

    fn serialize_bool(self, value: bool) -> Result<(), Error> {
        self.quoted(if value { "true" } else { "false" })
    }

    shared_methods!();

    fn serialize_f32(self, value: f32) -> Result<(), Error> {
        self.float(value, value.is_finite())
    }

    fn serialize_f64(self, value: f64) -> Result<(), Error> {
        self.float(value, value.is_finite())
    }

    fn serialize_bytes(self, _value: &[u8]) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_none(self) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit(self) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(key_must_be_a_string())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;
    use serde_json::{Value, json};

    use super::Writer;

    /// What `Writer` writes at depth 0, which must be serde_json's pretty output with one space
    /// of indentation.
    fn written<T: Serialize + ?Sized>(value: &T) -> Result<String, super::Error> {
        let mut out = Vec::new();
        value.serialize(&mut Writer::at(&mut out, 0))?;
        Ok(String::from_utf8(out).expect("UTF-8"))
    }

    fn same<T: Serialize + ?Sized>(value: &T) {
        let ours = written(value).expect("written");
        assert_eq!(ours, reference(value));
    }

    /// `value` as serde_json writes it with one space of indentation.
    pub(crate) fn reference<T: Serialize + ?Sized>(value: &T) -> String {
        let mut out = Vec::new();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(b" ");
        value
            .serialize(&mut serde_json::Serializer::with_formatter(
                &mut out, formatter,
            ))
            .expect("serde_json");
        String::from_utf8(out).expect("UTF-8")
    }

    /// A generator of strings and JSON trees (a linear congruential generator: the same cases
    /// every run).
    struct Cases(u64);

    impl Cases {
        fn next(&mut self, below: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((self.0 >> 33) as usize) % below
        }

        fn string(&mut self) -> String {
            const PIECES: [&str; 14] = [
                "a", "Bucket", "\"", "\\", "\n", "\t", "\r", "\u{8}", "\u{c}", "\u{1}", "\u{1f}",
                "\u{7f}", "é", "日本",
            ];
            let len = self.next(40);
            (0..len).map(|_| PIECES[self.next(PIECES.len())]).collect()
        }

        fn value(&mut self, depth: usize) -> Value {
            match self.next(if depth > 4 { 6 } else { 8 }) {
                0 => Value::Null,
                1 => Value::Bool(self.next(2) == 1),
                2 => json!(self.next(1 << 20) as i64 - (1 << 19)),
                3 => json!(self.next(1 << 30) as f64 / 7.0 - 1e5),
                4 => Value::String(self.string()),
                5 => json!(u64::MAX - self.next(1000) as u64),
                6 => Value::Array((0..self.next(4)).map(|_| self.value(depth + 1)).collect()),
                _ => Value::Object(
                    (0..self.next(4))
                        .map(|_| (self.string(), self.value(depth + 1)))
                        .collect(),
                ),
            }
        }
    }

    #[test]
    fn writes_what_serde_json_writes_for_any_json() {
        let mut cases = Cases(7);
        for _ in 0..3000 {
            same(&cases.value(0));
        }
        for text in [
            "",
            "\"",
            "12345678\"",
            "1234567\u{1}",
            "\\\\\\\\\\\\\\\\\\",
            "日本語のテキスト",
        ] {
            same(text);
        }
        // Every length up to two words, with one character JSON escapes (or one it does not)
        // at every place.
        for len in 1..=17 {
            for at in 0..len {
                for special in ['"', '\\', '\n', '\u{0}', '\u{1f}', ' ', '\u{7f}', 'é'] {
                    let text: String = (0..len)
                        .map(|i| if i == at { special } else { 'a' })
                        .collect();
                    same(text.as_str());
                }
            }
        }
        same(&json!([1.0, -0.0, 1e300, 1000.0, 0.1, f64::MIN_POSITIVE, [], {}, [[]], {"a": {}}]));
        // Deeper than one slice of indentation reaches.
        let deep = (0..70).fold(json!({"leaf": [1, 2]}), |inner, _| json!({"a": [inner, 3]}));
        same(&deep);
    }

    #[test]
    fn writes_what_serde_json_writes_for_any_serde_shape() {
        #[derive(Serialize)]
        enum Shape {
            Unit,
            Newtype(u8),
            Tuple(i32, String),
            Struct { a: Option<char>, b: Vec<f32> },
        }
        #[derive(Serialize)]
        struct Unit;
        #[derive(Serialize)]
        struct Wrapper(Vec<Shape>);
        #[derive(Serialize)]
        struct All {
            shapes: Wrapper,
            unit: Unit,
            nothing: (),
            tuple: (bool, i128, u128),
            bytes: serde_bytes_like::Bytes,
            int_keys: BTreeMap<i16, &'static str>,
            bool_keys: BTreeMap<bool, u8>,
            empty: Vec<u8>,
            float: f32,
            nan: f64,
        }
        mod serde_bytes_like {
            /// Serialized with `serialize_bytes`.
            pub(super) struct Bytes(pub(super) Vec<u8>);
            impl serde::Serialize for Bytes {
                fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    s.serialize_bytes(&self.0)
                }
            }
        }
        same(&All {
            shapes: Wrapper(vec![
                Shape::Unit,
                Shape::Newtype(7),
                Shape::Tuple(-3, "x\"y".into()),
                Shape::Struct {
                    a: Some('\n'),
                    b: vec![1.5, -0.25],
                },
                Shape::Struct { a: None, b: vec![] },
            ]),
            unit: Unit,
            nothing: (),
            tuple: (true, -1 << 100, 1 << 100),
            bytes: serde_bytes_like::Bytes(vec![0, 255]),
            int_keys: [(-1, "a"), (2, "b")].into(),
            bool_keys: [(false, 0), (true, 1)].into(),
            empty: vec![],
            float: 3.25,
            nan: f64::NAN,
        });
        let float_keys: BTreeMap<String, f64> = BTreeMap::new();
        same(&float_keys);
    }

    #[test]
    fn keys_that_are_not_strings_are_errors() {
        let mut map = BTreeMap::new();
        map.insert(vec![1], 2);
        let error = written(&map).expect_err("a list as a key");
        assert_eq!(error.to_string(), "key must be a string");
        assert!(serde_json::to_string(&map).is_err());
    }
}
