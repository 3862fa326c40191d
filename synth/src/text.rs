//! [`Text`]: a file's contents as pieces of one buffer, written in order without being joined.

use std::fmt;
use std::io::{self, IoSlice, Write};
use std::ops::Range;

/// The contents of one output file: pieces of a single buffer in the order they are written.
///
/// Synthesis serializes objects in the order constructs emit them and sorts them afterwards; the
/// sorted file is never copied into a second buffer, it is written piece by piece.
#[derive(Clone, Default)]
pub struct Text {
    buf: String,
    order: Vec<Range<usize>>,
}

impl Text {
    /// A file of one piece.
    pub fn new(text: impl Into<String>) -> Self {
        let buf = text.into();
        let whole = 0..buf.len();
        let order = std::iter::once(whole).collect();
        Text { buf, order }
    }

    pub(crate) fn from_parts(buf: String, order: Vec<Range<usize>>) -> Self {
        Text { buf, order }
    }

    /// The pieces, in file order.
    pub fn parts(&self) -> impl Iterator<Item = &str> {
        self.order.iter().map(|r| &self.buf[r.clone()])
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.order.iter().map(|r| r.len()).sum()
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes the file with as few system calls as the writer allows.
    pub fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        let mut parts: Vec<&str> = self.parts().filter(|p| !p.is_empty()).collect();
        let mut start = 0;
        while start < parts.len() {
            let end = (start + 1024).min(parts.len());
            let slices: Vec<IoSlice<'_>> = parts[start..end]
                .iter()
                .map(|p| IoSlice::new(p.as_bytes()))
                .collect();
            let written = out.write_vectored(&slices)?;
            if written == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            // Advance over what was written: whole pieces, then part of one.
            let mut left = written;
            while left > 0 {
                let first = parts[start].len();
                if left >= first {
                    left -= first;
                    start += 1;
                } else {
                    parts[start] = &parts[start][left..];
                    left = 0;
                }
            }
        }
        Ok(())
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.parts().try_for_each(|p| f.write_str(p))
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string(), f)
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.to_string() == other.to_string()
    }
}

impl Eq for Text {}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Text::new(text)
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Text::new(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_pieces_in_order() {
        let buf = String::from("bbbaaacc");
        let text = Text::from_parts(buf, vec![3..6, 0..3, 6..8]);
        assert_eq!(text.to_string(), "aaabbbcc");
        assert_eq!(text.len(), 8);
        let mut out = Vec::new();
        text.write_to(&mut out).unwrap();
        assert_eq!(out, b"aaabbbcc");
    }

    /// A writer that takes at most 2 bytes per call, to exercise partial vectored writes.
    struct Trickle(Vec<u8>);
    impl Write for Trickle {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = buf.len().min(2);
            self.0.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn survives_partial_writes() {
        let text = Text::from_parts("xyzabc".into(), vec![3..6, 0..3]);
        let mut out = Trickle(Vec::new());
        text.write_to(&mut out).unwrap();
        assert_eq!(out.0, b"abcxyz");
    }
}
