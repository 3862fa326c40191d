//! What every CloudFormation resource type implements, typed references to resources in a
//! template, and [`Walk`], which finds the intrinsics inside a resource's properties.

use std::any::TypeId;
use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;

use crate::address::StackAddress;
use crate::intrinsic::{Intrinsic, RefTarget, ResourceTarget};
use crate::value::Expr;

pub use crate::logical_id::{InvalidLogicalId, LogicalId};
pub use crate::walk::Walk;

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
