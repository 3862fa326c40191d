//! Intrinsic functions, untyped. Typed wrappers are [`crate::Expr`].

use std::borrow::Cow;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use crate::resource::LogicalId;

/// Which resource a reference points at.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ResourceTarget {
    /// The resource's logical ID in its stack.
    pub logical_id: LogicalId,
}

/// What `Ref` points at.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RefTarget {
    /// A resource.
    Resource(ResourceTarget),
}

impl From<ResourceTarget> for RefTarget {
    fn from(target: ResourceTarget) -> Self {
        RefTarget::Resource(target)
    }
}

/// An intrinsic function call.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Intrinsic {
    /// `Ref`.
    Ref(RefTarget),
    /// `Fn::GetAtt`.
    GetAtt(ResourceTarget, Cow<'static, str>),
}

impl Serialize for Intrinsic {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        match self {
            Intrinsic::Ref(RefTarget::Resource(target)) => {
                map.serialize_entry("Ref", &target.logical_id)?
            }
            Intrinsic::GetAtt(target, attribute) => {
                map.serialize_entry("Fn::GetAtt", &GetAtt(&target.logical_id, attribute))?
            }
        }
        map.end()
    }
}

struct GetAtt<'a>(&'a LogicalId, &'a str);

impl Serialize for GetAtt<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(2))?;
        seq.serialize_element(self.0)?;
        seq.serialize_element(self.1)?;
        seq.end()
    }
}
