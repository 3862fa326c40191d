//! Free-form JSON property values (policy documents, dashboards bodies) that may contain
//! intrinsics.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

use crate::intrinsic::Intrinsic;
use crate::policy::PolicyDocument;
use crate::value::{Expr, JsonLiteral, Value};
use crate::walk::Walk;

/// `value` as JSON in the layout templates are written in (serde_json's pretty layout with one
/// space of indentation), written by the same serializer: for the other JSON files of a
/// synthesis (its manifest).
///
/// ```
/// let text = girder_aws::json::to_string_pretty(&serde_json::json!({"a": [1, "b\n"]})).unwrap();
/// assert_eq!(text, "{\n \"a\": [\n  1,\n  \"b\\n\"\n ]\n}");
/// ```
pub fn to_string_pretty<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::new();
    write_pretty(&mut out, value)?;
    Ok(crate::write::into_string(out))
}

/// Appends `value` to `out` as [`to_string_pretty`] writes it: into a buffer the caller has
/// sized, or reuses.
///
/// ```
/// let mut out = Vec::with_capacity(64);
/// girder_aws::json::write_pretty(&mut out, &[1, 2]).unwrap();
/// assert_eq!(out, b"[\n 1,\n 2\n]");
/// ```
pub fn write_pretty<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> serde_json::Result<()> {
    value.serialize(&mut crate::serialize::Writer::at(out, 0))
}

/// A JSON value whose leaves may be intrinsic functions.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    /// Plain JSON, without intrinsics.
    Plain(serde_json::Value),
    /// An array.
    Array(Vec<Json>),
    /// An object; keys are written in sorted order.
    Object(BTreeMap<String, Json>),
    /// An intrinsic function call.
    Expr(Box<Intrinsic>),
    /// An IAM policy document, kept typed (see [`PolicyDocument`]).
    Policy(Box<PolicyDocument>),
}

impl From<serde_json::Value> for Json {
    fn from(value: serde_json::Value) -> Self {
        Json::Plain(value)
    }
}

impl From<&str> for Json {
    fn from(value: &str) -> Self {
        Json::Plain(serde_json::Value::String(value.to_owned()))
    }
}

impl From<String> for Json {
    fn from(value: String) -> Self {
        Json::Plain(serde_json::Value::String(value))
    }
}

impl From<Intrinsic> for Json {
    fn from(intrinsic: Intrinsic) -> Self {
        Json::Expr(Box::new(intrinsic))
    }
}

impl<T: JsonLiteral> From<Value<T>> for Json {
    fn from(value: Value<T>) -> Self {
        match value {
            Value::Literal(literal) => Json::Plain(literal.to_json()),
            Value::Expr(expr) => Json::Expr(expr.into_boxed()),
        }
    }
}

impl<T> From<Expr<T>> for Json {
    fn from(expr: Expr<T>) -> Self {
        Json::Expr(expr.into_boxed())
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Plain(value) => value.serialize(serializer),
            Json::Array(items) => items.serialize(serializer),
            Json::Object(map) => map.serialize(serializer),
            Json::Expr(intrinsic) => intrinsic.serialize(serializer),
            Json::Policy(doc) => doc.serialize(serializer),
        }
    }
}

impl Walk for Json {
    fn walk(&self, f: &mut dyn FnMut(&Intrinsic)) {
        match self {
            Json::Plain(_) => {}
            Json::Array(items) => items.walk(f),
            Json::Object(map) => map.walk(f),
            Json::Expr(intrinsic) => intrinsic.walk(f),
            Json::Policy(doc) => doc.walk(f),
        }
    }

    fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Intrinsic)) {
        match self {
            Json::Plain(_) => {}
            Json::Array(items) => items.walk_mut(f),
            Json::Object(map) => map.walk_mut(f),
            Json::Expr(intrinsic) => intrinsic.walk_mut(f),
            Json::Policy(doc) => doc.walk_mut(f),
        }
    }
}
