//! Logical IDs: the names of resources inside a template, derived from construct paths.
//!
//! # The scheme
//!
//! [`LogicalId::from_path`] turns the construct path of a resource and a local name into an ID:
//!
//! 1. every path segment and the local name are split at characters that are not ASCII letters or
//!    digits (`orders-db` → `orders`, `db`), each part gets an uppercase first letter, and the parts
//!    are concatenated: `["prod", "data", "orders-db"]` + `Instance` → `ProdDataOrdersDbInstance`;
//! 2. eight lowercase hex digits of the 64-bit FNV-1a hash ([`girder_core::name::fnv1a`]) of the
//!    full path, segments and local name joined with `/` (`prod/data/orders-db/Instance`), are
//!    appended: two paths that PascalCase alike (`orders-db` and `orders/db`) get different IDs;
//! 3. the readable part is cut so that the whole ID has at most 255 characters.
//!
//! The ID depends on nothing but the path and the name: adding, removing or reordering other
//! constructs never changes it, so a resource is never replaced because its neighbours changed.
//! Moving a construct to another parent does change its ID (CloudFormation then replaces the
//! resource); pin the old ID with [`LogicalId::new`] when you refactor.
//!
//! ```
//! use girder_aws::LogicalId;
//! let id = LogicalId::from_path(["prod", "data", "orders-db"], "Instance");
//! assert!(id.as_str().starts_with("ProdDataOrdersDbInstance"));
//! assert_eq!(id.as_str().len(), "ProdDataOrdersDbInstance".len() + 8);
//! assert_eq!(LogicalId::new("OrdersDb").unwrap().as_str(), "OrdersDb");
//! assert!(LogicalId::new("orders-db").is_err());
//! ```

use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize, Serializer};

/// The longest logical ID CloudFormation accepts.
pub const MAX_LOGICAL_ID: usize = 255;

/// A resource's logical ID in its template: ASCII letters and digits, 1 to 255 characters.
///
/// IDs compare and hash as their text does.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct LogicalId(Arc<str>);

/// Written as the plain string (without the copy `#[serde(into = "String")]` would make: every
/// `Ref`, `Fn::GetAtt` and resource key writes one).
impl Serialize for LogicalId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl LogicalId {
    /// Checks `id` against CloudFormation's rule for logical IDs: an explicit ID, e.g. to keep the
    /// ID of a resource whose construct moved.
    pub fn new(id: impl Into<String>) -> Result<Self, InvalidLogicalId> {
        let id = id.into();
        if is_valid(&id) {
            Ok(Self(Arc::from(id)))
        } else {
            Err(InvalidLogicalId { id })
        }
    }

    /// The ID of the resource called `name` in the construct at `path` (see the
    /// [module docs](self) for the scheme). Always valid, whatever the input.
    pub fn from_path<I, S>(path: I, name: &str) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        IdPrefix::new(path).id(name)
    }

    /// `readable` (ASCII letters and digits) cut to fit, followed by 8 hex digits of the hash of
    /// `full`.
    pub(crate) fn with_hash(mut readable: String, full: &str) -> Self {
        Self::with_hash_state(&mut readable, girder_core::name::fnv1a(full.as_bytes()))
    }

    /// `readable` cut to fit, followed by the low 8 hex digits of `hash`.
    fn with_hash_state(readable: &mut String, hash: u64) -> Self {
        readable.truncate(MAX_LOGICAL_ID - 8);
        let hash = hash as u32;
        let mut digits = [0u8; 8];
        for (i, digit) in digits.iter_mut().enumerate() {
            *digit = b"0123456789abcdef"[((hash >> (28 - 4 * i)) & 0xf) as usize];
        }
        readable.extend(digits.map(char::from));
        Self(Arc::from(readable.as_str()))
    }

    /// The ID as written in the template.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `id` is a valid logical ID (also the rule for parameter, condition, mapping and output
/// names).
pub(crate) fn is_valid(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_LOGICAL_ID && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Appends `text` in PascalCase, dropping every character that is not an ASCII letter or digit.
pub(crate) fn pascal_case_into(out: &mut String, text: &str) {
    let mut start_of_part = true;
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() {
            out.push(char::from(if start_of_part {
                b.to_ascii_uppercase()
            } else {
                b
            }));
            start_of_part = false;
        } else {
            start_of_part = true;
        }
    }
}

/// The part of logical IDs shared by the resources of one construct: its path, PascalCased and
/// hashed once. [`IdPrefix::id`] gives what [`LogicalId::from_path`] gives for the same path.
///
/// ```
/// use girder_aws::logical_id::IdPrefix;
/// use girder_aws::LogicalId;
/// let prefix = IdPrefix::new(["data", "orders-db"]);
/// assert_eq!(prefix.id("Instance"), LogicalId::from_path(["data", "orders-db"], "Instance"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdPrefix {
    readable: String,
    /// The FNV-1a state after every segment and its `/`.
    hash: u64,
}

impl IdPrefix {
    /// The prefix of the construct at `path`.
    pub fn new<I, S>(path: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut readable = String::new();
        let mut hash = girder_core::name::FNV1A_START;
        for segment in path {
            let segment = segment.as_ref();
            // Most prefixes are one segment: one allocation, of its size.
            readable.reserve(segment.len());
            pascal_case_into(&mut readable, segment);
            hash = girder_core::name::fnv1a_continue(hash, segment.as_bytes());
            hash = girder_core::name::fnv1a_continue(hash, b"/");
        }
        IdPrefix { readable, hash }
    }

    /// The ID of the construct's resource `name`.
    pub fn id(&self, name: &str) -> LogicalId {
        // The ID is composed in a buffer kept for the next one: its only allocation is its own.
        thread_local! {
            static READABLE: RefCell<String> = const { RefCell::new(String::new()) };
        }
        READABLE.with_borrow_mut(|readable| {
            readable.clear();
            readable.push_str(&self.readable);
            pascal_case_into(readable, name);
            let hash = girder_core::name::fnv1a_continue(self.hash, name.as_bytes());
            LogicalId::with_hash_state(readable, hash)
        })
    }
}

impl fmt::Display for LogicalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for LogicalId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for LogicalId {
    type Error = InvalidLogicalId;
    fn try_from(id: String) -> Result<Self, Self::Error> {
        LogicalId::new(id)
    }
}

impl From<LogicalId> for String {
    fn from(id: LogicalId) -> Self {
        String::from(&*id.0)
    }
}

/// A logical ID that CloudFormation would reject.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[error("`{id}` is not a valid logical ID: use 1 to 255 ASCII letters and digits")]
#[non_exhaustive]
pub struct InvalidLogicalId {
    /// The rejected ID.
    pub id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pascal_cases_the_path_and_appends_a_hash() {
        let id = LogicalId::from_path(["prod", "data", "orders-db"], "Instance");
        let hash = girder_core::name::fnv1a(b"prod/data/orders-db/Instance") as u32;
        assert_eq!(id.as_str(), format!("ProdDataOrdersDbInstance{hash:08x}"));
    }

    #[test]
    fn paths_that_pascal_case_alike_do_not_collide() {
        let a = LogicalId::from_path(["orders-db"], "Instance");
        let b = LogicalId::from_path(["orders", "db"], "Instance");
        let c = LogicalId::from_path(["ordersDb"], "Instance");
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_ne!(b, c);
        assert!(a.as_str().starts_with("OrdersDbInstance"));
        assert!(b.as_str().starts_with("OrdersDbInstance"));
    }

    #[test]
    fn is_always_valid_and_at_most_255_characters() {
        let long = "x".repeat(300);
        for id in [
            LogicalId::from_path([long.as_str(), "a"], "B"),
            LogicalId::from_path(Vec::<String>::new(), ""),
            LogicalId::from_path(["---", "ünïcode"], "😀"),
        ] {
            assert!(is_valid(id.as_str()), "{id}");
        }
        assert_eq!(
            LogicalId::from_path([long.as_str()], "B").as_str().len(),
            255
        );
    }

    #[test]
    fn ids_compare_as_their_text() {
        let texts = [
            "A",
            "AB",
            "Abcdefgh",
            "Abcdefgh1",
            "Abcdefgi",
            "Abcdefg",
            "Bucket",
            "Svc10Files",
            "Svc1Files",
            "Svc500FilesBucket7d65bb5c",
            "Svc500FilesPolicyc557cde5",
            "a",
            "z9",
        ];
        let ids: Vec<LogicalId> = texts.iter().map(|t| LogicalId::new(*t).unwrap()).collect();
        for (a, x) in texts.iter().zip(&ids) {
            for (b, y) in texts.iter().zip(&ids) {
                assert_eq!(x.cmp(y), a.cmp(b), "{a} {b}");
                assert_eq!(x == y, a == b, "{a} {b}");
            }
            // A separate ID of the same text is equal, and a clone too.
            let same = LogicalId::new(*a).unwrap();
            assert_eq!(x.cmp(&same), std::cmp::Ordering::Equal);
            assert_eq!(x, &same);
            assert_eq!(x, &x.clone());
        }
    }

    #[test]
    fn explicit_ids_are_checked() {
        assert!(LogicalId::new("Bucket1").is_ok());
        for bad in ["", "my-bucket", "Bucket_1", &"a".repeat(256)] {
            let err = LogicalId::new(bad).unwrap_err();
            assert_eq!(err.id, bad);
        }
    }
}
