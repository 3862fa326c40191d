//! What every CloudFormation resource type implements, typed references to resources in a
//! template, and [`Walk`], which finds the intrinsics inside a resource's properties.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;

use crate::intrinsic::{Intrinsic, ResourceTarget};
use crate::value::Expr;

/// A CloudFormation resource type: its properties are the implementing struct.
///
/// Implemented by the generated types in this crate's service modules (`s3::Bucket`, ...).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a CloudFormation resource type",
    note = "use a generated type such as `girder_aws::s3::Bucket` (enable the service's cargo feature)"
)]
pub trait Resource: Serialize + Walk + Clone + fmt::Debug + 'static {
    /// The resource type name, e.g. `AWS::S3::Bucket`.
    const TYPE_NAME: &'static str;
    /// Properties whose change replaces the resource (`createOnlyProperties` of the schema),
    /// as JSON pointers below the properties object, e.g. `/BucketName`, `/Tags/*/Key`.
    const CREATE_ONLY: &'static [&'static str];
    /// Link to the AWS reference page of this resource type.
    const DOCUMENTATION: &'static str;
}

/// Visits every intrinsic inside a value: used to find references between resources and
/// stacks.
pub trait Walk {
    /// Calls `f` on every intrinsic inside `self`, outermost first.
    fn walk(&self, f: &mut dyn FnMut(&Intrinsic));
    /// Calls `f` on every intrinsic inside `self`, with mutable access (to rewrite references).
    fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Intrinsic));
}

macro_rules! walk_nothing {
    ($($t:ty),*) => {$(
        impl Walk for $t {
            fn walk(&self, _: &mut dyn FnMut(&Intrinsic)) {}
            fn walk_mut(&mut self, _: &mut dyn FnMut(&mut Intrinsic)) {}
        }
    )*};
}
walk_nothing!(String, bool, i64, f64, serde_json::Value);

impl<T: Walk> Walk for Option<T> {
    fn walk(&self, f: &mut dyn FnMut(&Intrinsic)) {
        if let Some(v) = self {
            v.walk(f);
        }
    }
    fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Intrinsic)) {
        if let Some(v) = self {
            v.walk_mut(f);
        }
    }
}

impl<T: Walk> Walk for Vec<T> {
    fn walk(&self, f: &mut dyn FnMut(&Intrinsic)) {
        self.iter().for_each(|v| v.walk(f));
    }
    fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Intrinsic)) {
        self.iter_mut().for_each(|v| v.walk_mut(f));
    }
}

impl<T: Walk> Walk for BTreeMap<String, T> {
    fn walk(&self, f: &mut dyn FnMut(&Intrinsic)) {
        self.values().for_each(|v| v.walk(f));
    }
    fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Intrinsic)) {
        self.values_mut().for_each(|v| v.walk_mut(f));
    }
}

impl<T: Walk> Walk for Box<T> {
    fn walk(&self, f: &mut dyn FnMut(&Intrinsic)) {
        (**self).walk(f);
    }
    fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Intrinsic)) {
        (**self).walk_mut(f);
    }
}

/// A resource's logical ID in its template: ASCII letters and digits, 1 to 255 characters.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize)]
#[serde(transparent)]
pub struct LogicalId(String);

impl LogicalId {
    /// Checks `id` against CloudFormation's rule for logical IDs.
    pub fn new(id: impl Into<String>) -> Result<Self, InvalidLogicalId> {
        let id = id.into();
        if id.is_empty() || id.len() > 255 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(InvalidLogicalId { id });
        }
        Ok(Self(id))
    }

    /// The ID as written in the template.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LogicalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
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

/// A typed reference to a resource of type `R` somewhere in the app: the source of `Ref` and
/// `Fn::GetAtt` expressions. The generated code adds one method per readable attribute
/// (`ResourceRef<s3::Bucket>::arn()`).
pub struct ResourceRef<R> {
    target: ResourceTarget,
    _type: PhantomData<fn() -> R>,
}

impl<R> ResourceRef<R> {
    /// A reference to the resource `target` points at.
    pub fn new(target: ResourceTarget) -> Self {
        Self { target, _type: PhantomData }
    }

    /// Where the resource lives.
    pub fn target(&self) -> &ResourceTarget {
        &self.target
    }

    /// `{"Ref": "<logical id>"}`: for most types, the physical name or ID.
    pub fn reference(&self) -> Expr<String> {
        Expr::new(Intrinsic::Ref(self.target.clone().into()))
    }

    /// `{"Fn::GetAtt": ["<logical id>", "<attribute>"]}` with the attribute's result type.
    pub fn get_att<T>(&self, attribute: &'static str) -> Expr<T> {
        Expr::new(Intrinsic::GetAtt(self.target.clone(), attribute.into()))
    }
}

impl<R> Clone for ResourceRef<R> {
    fn clone(&self) -> Self {
        Self::new(self.target.clone())
    }
}

impl<R> fmt::Debug for ResourceRef<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ResourceRef").field(&self.target).finish()
    }
}
