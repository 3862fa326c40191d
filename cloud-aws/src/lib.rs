//! Girder's AWS target: the CloudFormation template model, typed intrinsic functions, stacks with
//! cross-stack references, and typed resources generated from AWS's CloudFormation registry
//! schemas.
//!
//! This crate knows nothing about Kubernetes.

pub mod intrinsic;
pub mod json;
pub mod resource;
pub mod value;

pub use intrinsic::Intrinsic;
pub use json::Json;
pub use resource::{LogicalId, Resource, ResourceRef, Walk};
pub use value::{Expr, Value};
