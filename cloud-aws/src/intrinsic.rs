//! Intrinsic functions, untyped: the tree that is written into a template. Typed wrappers are
//! [`crate::Expr`]; build them with [`crate::fns`], [`crate::Pseudo`], [`crate::Cond`] and
//! [`DynamicReference`].

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use crate::address::StackAddress;
use crate::json::Json;
use crate::logical_id::LogicalId;
use crate::walk::Walk;

/// Which resource a `Ref` or `Fn::GetAtt` points at: a logical ID in one stack.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceTarget {
    stack: Arc<StackAddress>,
    logical_id: LogicalId,
}

impl ResourceTarget {
    /// The resource `logical_id` in `stack`.
    pub fn new(stack: Arc<StackAddress>, logical_id: LogicalId) -> Self {
        Self { stack, logical_id }
    }

    /// The stack the resource belongs to.
    pub fn stack(&self) -> &StackAddress {
        &self.stack
    }

    /// The shared stack address (cheap to clone).
    pub fn stack_arc(&self) -> &Arc<StackAddress> {
        &self.stack
    }

    /// The resource's logical ID in its stack.
    pub fn logical_id(&self) -> &LogicalId {
        &self.logical_id
    }
}

/// A name declared in one stack's template: a parameter, a condition or a mapping. It can only be
/// used by that stack; synthesis reports any other use.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TemplateName {
    stack: Arc<StackAddress>,
    name: String,
}

impl TemplateName {
    /// `name`, declared in `stack`.
    pub fn new(stack: Arc<StackAddress>, name: impl Into<String>) -> Self {
        Self {
            stack,
            name: name.into(),
        }
    }

    /// The stack whose template declares the name.
    pub fn stack(&self) -> &StackAddress {
        &self.stack
    }

    /// The name as written in the template.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// A pseudo parameter: a value CloudFormation predefines for every stack.
///
/// The variants are the untyped names; the associated functions give typed expressions:
/// [`Pseudo::region`] is an `Expr<String>`, [`Pseudo::notification_arns`] an `Expr<Vec<String>>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Pseudo {
    /// `AWS::AccountId`, e.g. `123456789012`.
    AccountId,
    /// `AWS::NotificationARNs`, the stack's notification topics.
    NotificationArns,
    /// `AWS::NoValue`: removes the property it is the value of (useful in `Fn::If`).
    NoValue,
    /// `AWS::Partition`: `aws`, `aws-cn`, `aws-us-gov`, ...
    Partition,
    /// `AWS::Region`, e.g. `eu-west-1`.
    Region,
    /// `AWS::StackId`, the stack's ARN.
    StackId,
    /// `AWS::StackName`.
    StackName,
    /// `AWS::URLSuffix`: `amazonaws.com` in most partitions.
    UrlSuffix,
}

impl Pseudo {
    /// Every pseudo parameter.
    pub const ALL: [Pseudo; 8] = [
        Pseudo::AccountId,
        Pseudo::NotificationArns,
        Pseudo::NoValue,
        Pseudo::Partition,
        Pseudo::Region,
        Pseudo::StackId,
        Pseudo::StackName,
        Pseudo::UrlSuffix,
    ];

    /// The name as written in a template, e.g. `AWS::Region`.
    pub fn name(self) -> &'static str {
        match self {
            Pseudo::AccountId => "AWS::AccountId",
            Pseudo::NotificationArns => "AWS::NotificationARNs",
            Pseudo::NoValue => "AWS::NoValue",
            Pseudo::Partition => "AWS::Partition",
            Pseudo::Region => "AWS::Region",
            Pseudo::StackId => "AWS::StackId",
            Pseudo::StackName => "AWS::StackName",
            Pseudo::UrlSuffix => "AWS::URLSuffix",
        }
    }

    /// The pseudo parameter called `name` (`AWS::Region`), if there is one.
    pub fn from_name(name: &str) -> Option<Pseudo> {
        Pseudo::ALL.into_iter().find(|p| p.name() == name)
    }
}

impl fmt::Display for Pseudo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What `Ref` points at.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RefTarget {
    /// A resource.
    Resource(ResourceTarget),
    /// A template parameter.
    Parameter(TemplateName),
    /// A pseudo parameter.
    Pseudo(Pseudo),
}

impl From<ResourceTarget> for RefTarget {
    fn from(target: ResourceTarget) -> Self {
        RefTarget::Resource(target)
    }
}

/// A dynamic reference: a `{{resolve:...}}` string CloudFormation replaces with a value from
/// Secrets Manager or Systems Manager Parameter Store at deploy time. The value itself never
/// appears in the template, which is why it is the only way for a secret to reach one.
///
/// Build them with the typed constructors [`DynamicReference::secrets_manager`],
/// [`DynamicReference::ssm`] and [`DynamicReference::ssm_secure`]
/// (see [`crate::fns`]'s module docs for examples).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum DynamicReference {
    /// `{{resolve:ssm:<name>[:<version>]}}`.
    Ssm {
        /// The parameter name, e.g. `/prod/db/host`.
        name: String,
        /// A pinned version, or the latest.
        version: Option<u32>,
    },
    /// `{{resolve:ssm-secure:<name>[:<version>]}}` (a `SecureString`; only some properties accept
    /// it).
    SsmSecure {
        /// The parameter name.
        name: String,
        /// A pinned version, or the latest.
        version: Option<u32>,
    },
    /// `{{resolve:secretsmanager:<secret-id>:SecretString:<json-key>:<version-stage>:<version-id>}}`.
    ///
    /// When the secret id is an expression (a `Ref` to a secret in the template), the reference is
    /// written as an `Fn::Join` of its parts, which CloudFormation resolves the same way.
    SecretsManager {
        /// The secret's name or ARN.
        secret_id: Box<Json>,
        /// The key inside a JSON secret, or the whole `SecretString`.
        json_key: Option<String>,
        /// `AWSCURRENT` (the default), `AWSPREVIOUS` or a custom stage.
        version_stage: Option<String>,
        /// A version id.
        version_id: Option<String>,
    },
}

impl DynamicReference {
    /// The text around the secret id: `("{{resolve:secretsmanager:", ":SecretString:key::}}")`,
    /// or the whole string for an SSM reference.
    fn parts(&self) -> (String, String) {
        match self {
            DynamicReference::Ssm { name, version }
            | DynamicReference::SsmSecure { name, version } => {
                let service = if matches!(self, DynamicReference::Ssm { .. }) {
                    "ssm"
                } else {
                    "ssm-secure"
                };
                let version = version.map(|v| format!(":{v}")).unwrap_or_default();
                (
                    format!("{{{{resolve:{service}:{name}{version}}}}}"),
                    String::new(),
                )
            }
            DynamicReference::SecretsManager {
                json_key,
                version_stage,
                version_id,
                ..
            } => {
                let suffix =
                    if json_key.is_none() && version_stage.is_none() && version_id.is_none() {
                        "}}".to_owned()
                    } else {
                        format!(
                            ":SecretString:{}:{}:{}}}}}",
                            json_key.as_deref().unwrap_or(""),
                            version_stage.as_deref().unwrap_or(""),
                            version_id.as_deref().unwrap_or("")
                        )
                    };
                ("{{resolve:secretsmanager:".to_owned(), suffix)
            }
        }
    }
}

impl Serialize for DynamicReference {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (prefix, suffix) = self.parts();
        match self {
            DynamicReference::SecretsManager { secret_id, .. } => match &**secret_id {
                Json::Plain(serde_json::Value::String(id)) => {
                    serializer.serialize_str(&format!("{prefix}{id}{suffix}"))
                }
                id => {
                    let mut map = serializer.serialize_map(Some(1))?;
                    map.serialize_entry("Fn::Join", &Pair(&"", &Triple(&prefix, id, &suffix)))?;
                    map.end()
                }
            },
            _ => serializer.serialize_str(&prefix),
        }
    }
}

/// An intrinsic function call, untyped.
///
/// Arguments are [`Json`]: a literal, or a nested intrinsic.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Intrinsic {
    /// `{"Ref": ..}`.
    Ref(RefTarget),
    /// `{"Fn::GetAtt": [<logical id>, <attribute>]}`.
    GetAtt {
        /// The resource.
        target: ResourceTarget,
        /// The attribute name, e.g. `Arn` or `Endpoint.Address`.
        attribute: Cow<'static, str>,
        /// Whether the attribute is a list of strings (exported across stacks joined by `||`).
        list: bool,
    },
    /// `{"Fn::Sub": <template>}` or `{"Fn::Sub": [<template>, {<variables>}]}`.
    Sub {
        /// The string with `${Name}` placeholders.
        template: String,
        /// Values of the placeholders that are not pseudo parameters.
        variables: BTreeMap<String, Json>,
    },
    /// `{"Fn::Join": [<delimiter>, <list>]}`.
    Join {
        /// The delimiter.
        delimiter: String,
        /// A literal list of values, or an expression that is a list.
        values: Box<Json>,
    },
    /// `{"Fn::Select": [<index>, <list>]}`.
    Select {
        /// The index, from 0.
        index: Box<Json>,
        /// The list.
        list: Box<Json>,
    },
    /// `{"Fn::Split": [<delimiter>, <source>]}`.
    Split {
        /// The delimiter.
        delimiter: String,
        /// The string to split.
        source: Box<Json>,
    },
    /// `{"Fn::GetAZs": <region>}` (`""` for the stack's region).
    GetAzs(Box<Json>),
    /// `{"Fn::ImportValue": <export name>}`.
    ImportValue(Box<Json>),
    /// `{"Fn::If": [<condition>, <then>, <else>]}`.
    If {
        /// The condition's name.
        condition: TemplateName,
        /// The value when the condition is true.
        then: Box<Json>,
        /// The value when it is false.
        otherwise: Box<Json>,
    },
    /// `{"Fn::Equals": [<a>, <b>]}` (conditions only).
    Equals(Box<Json>, Box<Json>),
    /// `{"Fn::And": [..]}` (conditions only).
    And(Vec<Intrinsic>),
    /// `{"Fn::Or": [..]}` (conditions only).
    Or(Vec<Intrinsic>),
    /// `{"Fn::Not": [..]}` (conditions only).
    Not(Box<Intrinsic>),
    /// `{"Condition": <name>}` (inside condition functions).
    Condition(TemplateName),
    /// `{"Fn::Base64": <string>}`.
    Base64(Box<Json>),
    /// `{"Fn::Cidr": [<ip block>, <count>, <cidr bits>]}`.
    Cidr {
        /// The CIDR block to divide, e.g. `10.0.0.0/16`.
        ip_block: Box<Json>,
        /// How many CIDRs to generate (1 to 256).
        count: Box<Json>,
        /// Host bits per CIDR (`8` gives `/24` subnets of an IPv4 block).
        cidr_bits: Box<Json>,
    },
    /// `{"Fn::FindInMap": [<mapping>, <top key>, <second key>]}`.
    FindInMap {
        /// The mapping's name.
        mapping: TemplateName,
        /// The first-level key.
        top_level_key: Box<Json>,
        /// The second-level key.
        second_level_key: Box<Json>,
    },
    /// A `{{resolve:...}}` dynamic reference (boxed: it is the largest variant, and the rarest).
    Dynamic(Box<DynamicReference>),
}

impl Intrinsic {
    /// The function's name as written in a template (`Fn::Join`), or `{{resolve}}` for a dynamic
    /// reference.
    pub fn function_name(&self) -> &'static str {
        match self {
            Intrinsic::Ref(_) => "Ref",
            Intrinsic::GetAtt { .. } => "Fn::GetAtt",
            Intrinsic::Sub { .. } => "Fn::Sub",
            Intrinsic::Join { .. } => "Fn::Join",
            Intrinsic::Select { .. } => "Fn::Select",
            Intrinsic::Split { .. } => "Fn::Split",
            Intrinsic::GetAzs(_) => "Fn::GetAZs",
            Intrinsic::ImportValue(_) => "Fn::ImportValue",
            Intrinsic::If { .. } => "Fn::If",
            Intrinsic::Equals(..) => "Fn::Equals",
            Intrinsic::And(_) => "Fn::And",
            Intrinsic::Or(_) => "Fn::Or",
            Intrinsic::Not(_) => "Fn::Not",
            Intrinsic::Condition(_) => "Condition",
            Intrinsic::Base64(_) => "Fn::Base64",
            Intrinsic::Cidr { .. } => "Fn::Cidr",
            Intrinsic::FindInMap { .. } => "Fn::FindInMap",
            Intrinsic::Dynamic(_) => "{{resolve}}",
        }
    }
}

/// `[a, b]`.
struct Pair<'a, A: ?Sized, B: ?Sized>(&'a A, &'a B);

impl<A: Serialize + ?Sized, B: Serialize + ?Sized> Serialize for Pair<'_, A, B> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(2))?;
        seq.serialize_element(self.0)?;
        seq.serialize_element(self.1)?;
        seq.end()
    }
}

/// `[a, b, c]`.
struct Triple<'a, A: ?Sized, B: ?Sized, C: ?Sized>(&'a A, &'a B, &'a C);

impl<A: Serialize + ?Sized, B: Serialize + ?Sized, C: Serialize + ?Sized> Serialize
    for Triple<'_, A, B, C>
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(3))?;
        seq.serialize_element(self.0)?;
        seq.serialize_element(self.1)?;
        seq.serialize_element(self.2)?;
        seq.end()
    }
}

impl Serialize for Intrinsic {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if let Intrinsic::Dynamic(reference) = self {
            return reference.serialize(serializer);
        }
        let mut map = serializer.serialize_map(Some(1))?;
        let key = self.function_name();
        match self {
            Intrinsic::Ref(RefTarget::Resource(target)) => {
                map.serialize_entry(key, &target.logical_id)?
            }
            Intrinsic::Ref(RefTarget::Parameter(name)) => map.serialize_entry(key, &name.name)?,
            Intrinsic::Ref(RefTarget::Pseudo(pseudo)) => map.serialize_entry(key, pseudo.name())?,
            Intrinsic::GetAtt {
                target, attribute, ..
            } => map.serialize_entry(key, &Pair(&target.logical_id, &**attribute))?,
            Intrinsic::Sub {
                template,
                variables,
            } => {
                if variables.is_empty() {
                    map.serialize_entry(key, template)?
                } else {
                    map.serialize_entry(key, &Pair(template, variables))?
                }
            }
            Intrinsic::Join { delimiter, values } => {
                map.serialize_entry(key, &Pair(delimiter, &**values))?
            }
            Intrinsic::Select { index, list } => {
                map.serialize_entry(key, &Pair(&**index, &**list))?
            }
            Intrinsic::Split { delimiter, source } => {
                map.serialize_entry(key, &Pair(delimiter, &**source))?
            }
            Intrinsic::GetAzs(value) | Intrinsic::ImportValue(value) | Intrinsic::Base64(value) => {
                map.serialize_entry(key, &**value)?
            }
            Intrinsic::If {
                condition,
                then,
                otherwise,
            } => map.serialize_entry(key, &Triple(&condition.name, &**then, &**otherwise))?,
            Intrinsic::Equals(a, b) => map.serialize_entry(key, &Pair(&**a, &**b))?,
            Intrinsic::And(items) | Intrinsic::Or(items) => map.serialize_entry(key, items)?,
            Intrinsic::Not(item) => map.serialize_entry(key, std::slice::from_ref(&**item))?,
            Intrinsic::Condition(name) => map.serialize_entry(key, &name.name)?,
            Intrinsic::Cidr {
                ip_block,
                count,
                cidr_bits,
            } => map.serialize_entry(key, &Triple(&**ip_block, &**count, &**cidr_bits))?,
            Intrinsic::FindInMap {
                mapping,
                top_level_key,
                second_level_key,
            } => map.serialize_entry(
                key,
                &Triple(&mapping.name, &**top_level_key, &**second_level_key),
            )?,
            Intrinsic::Dynamic(_) => {}
        }
        map.end()
    }
}

impl Walk for Intrinsic {
    fn walk(&self, f: &mut dyn FnMut(&Intrinsic)) {
        f(self);
        match self {
            Intrinsic::Ref(_) | Intrinsic::GetAtt { .. } | Intrinsic::Condition(_) => {}
            Intrinsic::Sub { variables, .. } => variables.walk(f),
            Intrinsic::Join { values: a, .. }
            | Intrinsic::Split { source: a, .. }
            | Intrinsic::GetAzs(a)
            | Intrinsic::ImportValue(a)
            | Intrinsic::Base64(a) => a.walk(f),
            Intrinsic::Select { index: a, list: b }
            | Intrinsic::If {
                then: a,
                otherwise: b,
                ..
            }
            | Intrinsic::Equals(a, b)
            | Intrinsic::FindInMap {
                top_level_key: a,
                second_level_key: b,
                ..
            } => {
                a.walk(f);
                b.walk(f);
            }
            Intrinsic::And(items) | Intrinsic::Or(items) => items.iter().for_each(|i| i.walk(f)),
            Intrinsic::Not(item) => item.walk(f),
            Intrinsic::Cidr {
                ip_block,
                count,
                cidr_bits,
            } => {
                ip_block.walk(f);
                count.walk(f);
                cidr_bits.walk(f);
            }
            Intrinsic::Dynamic(reference) => {
                if let DynamicReference::SecretsManager { secret_id, .. } = &**reference {
                    secret_id.walk(f);
                }
            }
        }
    }

    fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Intrinsic)) {
        f(self);
        match self {
            Intrinsic::Ref(_) | Intrinsic::GetAtt { .. } | Intrinsic::Condition(_) => {}
            Intrinsic::Sub { variables, .. } => variables.walk_mut(f),
            Intrinsic::Join { values: a, .. }
            | Intrinsic::Split { source: a, .. }
            | Intrinsic::GetAzs(a)
            | Intrinsic::ImportValue(a)
            | Intrinsic::Base64(a) => a.walk_mut(f),
            Intrinsic::Select { index: a, list: b }
            | Intrinsic::If {
                then: a,
                otherwise: b,
                ..
            }
            | Intrinsic::Equals(a, b)
            | Intrinsic::FindInMap {
                top_level_key: a,
                second_level_key: b,
                ..
            } => {
                a.walk_mut(f);
                b.walk_mut(f);
            }
            Intrinsic::And(items) | Intrinsic::Or(items) => {
                items.iter_mut().for_each(|i| i.walk_mut(f))
            }
            Intrinsic::Not(item) => item.walk_mut(f),
            Intrinsic::Cidr {
                ip_block,
                count,
                cidr_bits,
            } => {
                ip_block.walk_mut(f);
                count.walk_mut(f);
                cidr_bits.walk_mut(f);
            }
            Intrinsic::Dynamic(reference) => {
                if let DynamicReference::SecretsManager { secret_id, .. } = &mut **reference {
                    secret_id.walk_mut(f);
                }
            }
        }
    }
}
