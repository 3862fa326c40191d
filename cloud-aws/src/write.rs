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

fn indent<W: ?Sized + Write>(writer: &mut W, depth: usize) -> io::Result<()> {
    const SPACES: &[u8; 64] = &[b' '; 64];
    let mut n = depth * 2;
    while n > 0 {
        let chunk = n.min(SPACES.len());
        writer.write_all(&SPACES[..chunk])?;
        n -= chunk;
    }
    Ok(())
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
            writer.write_all(b"\n")?;
            indent(writer, self.depth)?;
        }
        writer.write_all(bracket)
    }

    /// Starts an element or key on its own line.
    fn next<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        writer.write_all(if first { b"\n" } else { b",\n" })?;
        indent(writer, self.depth)
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
        self.out
            .extend_from_slice(if self.first { b"\n" } else { b",\n" });
        self.first = false;
        // Writing into a Vec cannot fail.
        let _ = indent(self.out, self.depth + 1);
        serde_json::to_writer(&mut *self.out, key)?;
        self.out.extend_from_slice(b": ");
        Ok(())
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

    /// Closes the object.
    pub(crate) fn close(self) {
        if !self.first {
            self.out.push(b'\n');
            let _ = indent(self.out, self.depth);
        }
        self.out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_serde_json_pretty_output() {
        let value = serde_json::json!({
            "a": [1, {"b": [], "c": {}}, [true, null]],
            "d": {"e": "f\"g", "h": [{"i": 1.5}]},
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
