//! The JSON writer of templates: serde_json's pretty layout (one space), startable at any depth,
//! so each resource's properties are serialized straight into the template's buffer by a
//! serializer of one concrete type ([`JsonSerializer`]) — no `serde_json::Value`, no erased-serde.

use serde::Serialize;

use crate::serialize::{Writer, line, write_key};

/// The one serializer type resources are written with.
pub(crate) type JsonSerializer<'a> = Writer<'a>;

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
    pub(crate) fn key(&mut self, key: &str) {
        line(self.out, self.first, self.depth + 1);
        self.first = false;
        write_key(self.out, key);
    }

    /// Writes `"key": <value>`.
    pub(crate) fn entry<T: Serialize + ?Sized>(
        &mut self,
        key: &str,
        value: &T,
    ) -> serde_json::Result<()> {
        self.key(key);
        value.serialize(&mut self.serializer())
    }

    /// A serializer for the value after [`ObjectWriter::key`].
    pub(crate) fn serializer(&mut self) -> JsonSerializer<'_> {
        Writer::at(&mut *self.out, self.depth + 1)
    }

    /// Writes `"key": {` and returns the writer of the nested object.
    pub(crate) fn object(&mut self, key: &str) -> ObjectWriter<'_> {
        self.key(key);
        ObjectWriter::open(self.out, self.depth + 1)
    }

    /// Starts an entry on a new line and lets `write` append it whole (`"key": value`).
    pub(crate) fn raw_entry<E>(
        &mut self,
        write: impl FnOnce(&mut Vec<u8>) -> Result<(), E>,
    ) -> Result<(), E> {
        line(self.out, self.first, self.depth + 1);
        self.first = false;
        write(self.out)
    }

    /// Closes the object.
    pub(crate) fn close(self) {
        if !self.first {
            line(self.out, true, self.depth);
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
        let mut nested = object.object("z");
        nested.entry("y", &[1, 2]).unwrap();
        nested.close();
        object.close();
        let mut expected = value.clone();
        expected["z"] = serde_json::json!({"y": [1, 2]});
        assert_eq!(
            String::from_utf8(out).unwrap(),
            crate::serialize::tests::reference(&expected)
        );
    }
}
