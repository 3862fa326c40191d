//! Property values: a literal, or an intrinsic function whose result has the same type.

use std::marker::PhantomData;

use serde::{Serialize, Serializer};

use crate::intrinsic::Intrinsic;
use crate::walk::Walk;

/// An intrinsic function call whose result CloudFormation treats as a `T`
/// (`Expr<String>` for `Ref` of most resources, `Expr<Vec<String>>` for `Fn::GetAZs`).
///
/// The type parameter only exists at compile time: it keeps an ARN from being passed where a
/// number is expected. The intrinsic is boxed: most properties hold literals, and a boxed
/// expression keeps a `Value<String>` as small as the `String` itself (resource types have
/// dozens of optional properties, and every byte of them is moved and allocated per resource).
pub struct Expr<T> {
    intrinsic: Box<Intrinsic>,
    _type: PhantomData<fn() -> T>,
}

impl<T> Expr<T> {
    /// Wraps an intrinsic whose result the caller knows to be a `T`.
    pub fn new(intrinsic: Intrinsic) -> Self {
        Self {
            intrinsic: Box::new(intrinsic),
            _type: PhantomData,
        }
    }

    /// The untyped intrinsic.
    pub fn intrinsic(&self) -> &Intrinsic {
        &self.intrinsic
    }

    /// Mutable access to the untyped intrinsic (the synthesizer rewrites cross-stack references).
    pub fn intrinsic_mut(&mut self) -> &mut Intrinsic {
        &mut self.intrinsic
    }

    /// Forgets the result type.
    pub fn into_intrinsic(self) -> Intrinsic {
        *self.intrinsic
    }

    /// Forgets the result type, keeping the intrinsic boxed.
    pub(crate) fn into_boxed(self) -> Box<Intrinsic> {
        self.intrinsic
    }
}

impl<T> Walk for Expr<T> {
    fn walk(&self, f: &mut dyn FnMut(&Intrinsic)) {
        self.intrinsic.walk(f);
    }

    fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Intrinsic)) {
        self.intrinsic.walk_mut(f);
    }
}

impl<T> Clone for Expr<T> {
    fn clone(&self) -> Self {
        Self {
            intrinsic: self.intrinsic.clone(),
            _type: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for Expr<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.intrinsic.fmt(f)
    }
}

impl<T> PartialEq for Expr<T> {
    fn eq(&self, other: &Self) -> bool {
        self.intrinsic == other.intrinsic
    }
}

impl<T> Serialize for Expr<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.intrinsic.serialize(serializer)
    }
}

/// A property value: either a literal `T` or an [`Expr`] that resolves to a `T` at deploy time.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<T> {
    /// A value known at synth time.
    Literal(T),
    /// A value CloudFormation computes at deploy time.
    Expr(Expr<T>),
}

impl<T> From<T> for Value<T> {
    fn from(value: T) -> Self {
        Value::Literal(value)
    }
}

impl<T> From<Expr<T>> for Value<T> {
    fn from(expr: Expr<T>) -> Self {
        Value::Expr(expr)
    }
}

impl From<&str> for Value<String> {
    fn from(value: &str) -> Self {
        Value::Literal(value.to_owned())
    }
}

impl From<&String> for Value<String> {
    fn from(value: &String) -> Self {
        Value::Literal(value.clone())
    }
}

impl From<i32> for Value<i64> {
    fn from(value: i32) -> Self {
        Value::Literal(i64::from(value))
    }
}

impl From<u32> for Value<i64> {
    fn from(value: u32) -> Self {
        Value::Literal(i64::from(value))
    }
}

impl<T: Serialize> Serialize for Value<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Literal(value) => value.serialize(serializer),
            Value::Expr(expr) => expr.serialize(serializer),
        }
    }
}

impl<T: Walk> Walk for Value<T> {
    fn walk(&self, f: &mut dyn FnMut(&Intrinsic)) {
        match self {
            Value::Literal(value) => value.walk(f),
            Value::Expr(expr) => expr.intrinsic.walk(f),
        }
    }

    fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Intrinsic)) {
        match self {
            Value::Literal(value) => value.walk_mut(f),
            Value::Expr(expr) => expr.intrinsic.walk_mut(f),
        }
    }
}

/// A literal that can be an argument of an intrinsic function, a parameter default or a mapping
/// value: strings, numbers, booleans and lists of them.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a literal argument of an intrinsic function",
    note = "use a `String`, `i64`, `f64`, `bool` or a `Vec` of them"
)]
pub trait JsonLiteral {
    /// The value as JSON.
    fn to_json(&self) -> serde_json::Value;
}

impl JsonLiteral for String {
    fn to_json(&self) -> serde_json::Value {
        serde_json::Value::String(self.clone())
    }
}

impl JsonLiteral for i64 {
    fn to_json(&self) -> serde_json::Value {
        serde_json::Value::from(*self)
    }
}

impl JsonLiteral for f64 {
    fn to_json(&self) -> serde_json::Value {
        serde_json::Value::from(*self)
    }
}

impl JsonLiteral for bool {
    fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Bool(*self)
    }
}

impl JsonLiteral for serde_json::Value {
    fn to_json(&self) -> serde_json::Value {
        self.clone()
    }
}

impl<T: JsonLiteral> JsonLiteral for Vec<T> {
    fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Array(self.iter().map(JsonLiteral::to_json).collect())
    }
}
