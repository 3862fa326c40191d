//! What every CloudFormation resource type implements, typed references to resources in a
//! template, and [`Walk`], which finds the intrinsics inside a resource's properties.

use std::any::TypeId;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;

use crate::intrinsic::{Intrinsic, RefTarget, ResourceTarget};
use crate::stack::StackAddress;
use crate::value::Expr;

pub use crate::logical_id::{InvalidLogicalId, LogicalId};

/// A CloudFormation resource type: its properties are the implementing struct.
///
/// Implemented by the generated types in this crate's service modules (`s3::Bucket`, ...).
/// Properties are `Send`: a synthesis writes its templates on more than one thread.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a CloudFormation resource type",
    note = "use a generated type such as `girder_aws::s3::Bucket` (enable the service's cargo feature)"
)]
pub trait Resource: Serialize + Walk + Clone + fmt::Debug + Send + 'static {
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
        Self {
            target,
            _type: PhantomData,
        }
    }

    /// Where the resource lives.
    pub fn target(&self) -> &ResourceTarget {
        &self.target
    }

    /// The resource's logical ID in its stack.
    pub fn logical_id(&self) -> &LogicalId {
        self.target.logical_id()
    }

    /// The stack the resource belongs to.
    pub fn stack(&self) -> &StackAddress {
        self.target.stack()
    }

    /// `{"Ref": "<logical id>"}`: for most types, the physical name or ID.
    ///
    /// Used from another stack of the same account and region, it becomes an `Fn::ImportValue`
    /// at synthesis (see [`crate::stack`]).
    pub fn reference(&self) -> Expr<String> {
        Expr::new(Intrinsic::Ref(RefTarget::Resource(self.target.clone())))
    }

    /// `{"Fn::GetAtt": ["<logical id>", "<attribute>"]}` with the attribute's result type.
    pub fn get_att<T: 'static>(&self, attribute: &'static str) -> Expr<T> {
        Expr::new(Intrinsic::GetAtt {
            target: self.target.clone(),
            attribute: attribute.into(),
            list: TypeId::of::<T>() == TypeId::of::<Vec<String>>(),
        })
    }
}

impl<R> PartialEq for ResourceRef<R> {
    fn eq(&self, other: &Self) -> bool {
        self.target == other.target
    }
}

impl<R> Eq for ResourceRef<R> {}

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
