//! Girder's AWS target: the CloudFormation template model, typed intrinsic functions, stacks with
//! references between them, and typed resources generated from AWS's CloudFormation registry
//! schemas.
//!
//! A program adds resources to [`Stack`]s of a [`CloudAssembly`]; each stack lives in an
//! [`AwsEnvironment`] (account and region). Adding a resource returns a typed [`ResourceRef`]
//! whose attributes are typed expressions ([`Expr`]), usable in any property of the same type, in
//! any stack: [`CloudAssembly::synthesize`] turns references between stacks into exports and
//! imports, orders the stacks, checks CloudFormation's limits and writes each template as
//! deterministic JSON.
//!
//! ```
//! use girder_aws::*;
//!
//! // A resource type; the generated modules (`girder_aws::s3`, ...) provide the real ones.
//! #[derive(Clone, Debug, Default, serde::Serialize)]
//! #[serde(rename_all = "PascalCase")]
//! struct Topic {
//!     #[serde(skip_serializing_if = "Option::is_none")]
//!     display_name: Option<Value<String>>,
//! }
//! impl Walk for Topic {
//!     fn walk(&self, f: &mut dyn FnMut(&Intrinsic)) { self.display_name.walk(f) }
//!     fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Intrinsic)) { self.display_name.walk_mut(f) }
//! }
//! impl Resource for Topic {
//!     const TYPE_NAME: &'static str = "AWS::SNS::Topic";
//!     const CREATE_ONLY: &'static [&'static str] = &["/TopicName"];
//!     const DOCUMENTATION: &'static str = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sns-topic.html";
//! }
//!
//! let prod = AwsEnvironment::new("123456789012", "eu-west-1")?;
//! let mut app = CloudAssembly::new();
//! let alerts = app.stack(&prod, "shop-alerts").add(
//!     LogicalId::from_path(["prod", "alerts"], "Topic"),
//!     Topic { display_name: Some(fns::join("-", ["alerts".into(), Pseudo::region().into()]).into()) },
//! );
//! app.stack(&prod, "shop-api").add(
//!     LogicalId::new("Mirror")?,
//!     Topic { display_name: Some(alerts.get_att::<String>("TopicName").into()) },
//! );
//!
//! let synthesis = app.synthesize(&ExportLedger::default()).map_err(|d| d.to_string())?;
//! let api = synthesis.stack_named("shop-api").unwrap();
//! assert!(api.body().contains(r#""Fn::ImportValue": "shop-alerts:ProdAlertsTopic"#));
//! // Store `synthesis.ledger()` and pass it to the next synthesis (see `stack`).
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The pieces:
//!
//! * [`value`]: [`Value<T>`] (a literal or an expression) and [`Expr<T>`]; [`fns`], [`Pseudo`],
//!   [`Cond`] and [`DynamicReference`] build typed intrinsic functions;
//! * [`template`]: the [`Template`] model and its JSON; [`entry`]: a resource's attributes and the
//!   default policies of stateful types; [`parameter`]: typed parameters;
//! * [`address`]: accounts, regions, environments and stack addresses, which everything else
//!   builds on;
//! * [`stack`]: stacks, references between stacks and the export ledger;
//! * [`logical_id`]: logical IDs derived from construct paths; [`limits`]: the limits checked at
//!   synthesis.
//! * [`checks`]: checkov's checks of the resource types Girder's constructs emit, evaluated at
//!   synth with checkov's ids and honouring its suppressions;
//! * [`replacement`]: what a replacement or an update costs; [`diff`]: how `girder diff` keys,
//!   judges and redacts a template's resources.
//!
//! This crate knows nothing about Kubernetes.
//!
//! # Features
//!
//! Each AWS service's generated resources are behind a feature of the service's name (`s3`,
//! `rds`, `iam`, ...); `full` enables all of them. No feature is on by default.

pub mod address;
pub mod checks;
pub mod condition;
pub mod diff;
pub mod dynamic;
pub mod entry;
pub mod fns;
pub mod intrinsic;
pub mod json;
pub mod ledger;
pub mod limits;
pub mod logical_id;
pub mod parameter;
mod part;
pub mod policy;
pub mod raw;
pub mod replacement;
mod resolve;
pub mod resource;
pub mod scope;
pub mod secrets;
mod serialize;
pub mod stack;
pub mod synth;
pub mod template;
pub mod value;
mod walk;
mod write;

mod generated;
// Every service module, each behind its feature, and the registry.
pub use generated::*;

pub use address::{AwsEnvironment, StackAddress};
pub use condition::{Cond, ConditionRef};
pub use dynamic::SecretReference;
pub use entry::{DeletionPolicy, Entry, ResourceEntry, UpdateReplacePolicy};
pub use intrinsic::{DynamicReference, Intrinsic, Pseudo};
pub use json::Json;
pub use ledger::ExportLedger;
pub use parameter::{Parameter, ParameterRef};
pub use raw::{RawResource, RawResourceError};
pub use resource::{LogicalId, Resource, ResourceRef, Walk};
pub use scope::{Aws, AwsExt, AwsStack, CfnResource, InStack};
pub use stack::{CloudAssembly, Stack};
pub use synth::{Secret, Synthesis, SynthesizedStack};
pub use template::{Mapping, MappingRef, Output, Template};
pub use value::{Expr, Value};
