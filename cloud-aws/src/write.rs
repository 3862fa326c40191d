//! The JSON writer of templates: serde_json's pretty layout (2 spaces), but startable at any depth,
//! so each resource's properties are serialized straight into the template's buffer by a
//! serializer of one concrete type ([`JsonSerializer`]) — no `serde_json::Value`, no erased-serde.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::Formatter;

/// The one serializer type resources are written with.
pub(crate) type JsonSerializer<'a> = serde_json::Serializer<&'a mut Vec<u8>, Pretty>;

/// `serde_json::ser::PrettyFormatter` with a two-space indent and a configurable starting depth.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pretty {
    depth: usize,
    has_value: bool,
}

impl Pretty {
    /// A formatter for a value that starts at `depth` levels of indentation.
    pub(crate) fn at(depth: usize) -> Self {
        Self {
            depth,
            has_value: false,
        }
    }
}

/// A comma, a line break and 32 levels of indentation: every line start is one slice of it.
const BREAKS: &[u8; 66] = b",\n                                                                ";

/// Starts a line `depth` levels of two spaces deep, after a comma unless `first`.
fn line<W: ?Sized + Write>(writer: &mut W, first: bool, depth: usize) -> io::Result<()> {
    let start = usize::from(first);
    match BREAKS.get(start..2 + depth * 2) {
        Some(slice) => writer.write_all(slice),
        None => {
            writer.write_all(&BREAKS[start..2])?;
            (0..depth).try_for_each(|_| writer.write_all(b"  "))
        }
    }
}

impl Pretty {
    /// Opens an array or object one level deeper.
    fn open<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    /// Closes an array or object, on its own line unless it is empty.
    fn close<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            line(writer, true, self.depth)?;
        }
        writer.write_all(bracket)
    }

    /// Starts an element or key on its own line.
    fn next<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        line(writer, first, self.depth)
    }
}

impl Formatter for Pretty {
    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.next(writer, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.next(writer, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Appends `"key": `, where the line is started already.
pub(crate) fn write_key(out: &mut Vec<u8>, key: &str) -> serde_json::Result<()> {
    serde_json::to_writer(&mut *out, key)?;
    out.extend_from_slice(b": ");
    Ok(())
}

/// JSON text as a string: what the writers here write is UTF-8.
pub(crate) fn into_string(text: Vec<u8>) -> String {
    String::from_utf8(text).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Writes one JSON object by hand, key by key, at a given depth; values go through
/// [`JsonSerializer`].
pub(crate) struct ObjectWriter<'a> {
    out: &'a mut Vec<u8>,
    depth: usize,
    first: bool,
}

impl<'a> ObjectWriter<'a> {
    /// Opens an object whose `{` is at `depth`.
    pub(crate) fn open(out: &'a mut Vec<u8>, depth: usize) -> Self {
        out.push(b'{');
        Self {
            out,
            depth,
            first: true,
        }
    }

    /// Writes `"key": ` on a new line.
    pub(crate) fn key(&mut self, key: &str) -> serde_json::Result<()> {
        // Writing into a Vec cannot fail.
        let _ = line(self.out, self.first, self.depth + 1);
        self.first = false;
        write_key(self.out, key)
    }

    /// Writes `"key": <value>`.
    pub(crate) fn entry<T: Serialize + ?Sized>(
        &mut self,
        key: &str,
        value: &T,
    ) -> serde_json::Result<()> {
        self.key(key)?;
        value.serialize(&mut self.serializer())
    }

    /// A serializer for the value after [`ObjectWriter::key`].
    pub(crate) fn serializer(&mut self) -> JsonSerializer<'_> {
        serde_json::Serializer::with_formatter(&mut *self.out, Pretty::at(self.depth + 1))
    }

    /// Writes `"key": {` and returns the writer of the nested object.
    pub(crate) fn object(&mut self, key: &str) -> serde_json::Result<ObjectWriter<'_>> {
        self.key(key)?;
        Ok(ObjectWriter::open(self.out, self.depth + 1))
    }

    /// Starts an entry on a new line and lets `write` append it whole (`"key": value`).
    pub(crate) fn raw_entry<E>(
        &mut self,
        write: impl FnOnce(&mut Vec<u8>) -> Result<(), E>,
    ) -> Result<(), E> {
        let _ = line(self.out, self.first, self.depth + 1);
        self.first = false;
        write(self.out)
    }

    /// Closes the object.
    pub(crate) fn close(self) {
        if !self.first {
            let _ = line(self.out, true, self.depth);
        }
        self.out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_serde_json_pretty_output() {
        // Deeper than the 32 levels of indentation written as one slice, too.
        let mut deep = serde_json::json!([1]);
        for _ in 0..40 {
            deep = serde_json::json!({ "d": [deep, 2] });
        }
        let value = serde_json::json!({
            "a": [1, {"b": [], "c": {}}, [true, null]],
            "d": {"e": "f\"g", "h": [{"i": 1.5}]},
            "deep": deep,
            "empty": {}
        });
        let mut out = Vec::new();
        let mut object = ObjectWriter::open(&mut out, 0);
        for (key, value) in value.as_object().unwrap() {
            object.entry(key, value).unwrap();
        }
        let mut nested = object.object("z").unwrap();
        nested.entry("y", &[1, 2]).unwrap();
        nested.close();
        object.close();
        let mut expected = value.clone();
        expected["z"] = serde_json::json!({"y": [1, 2]});
        assert_eq!(
            String::from_utf8(out).unwrap(),
            serde_json::to_string_pretty(&expected).unwrap()
        );
    }
}
