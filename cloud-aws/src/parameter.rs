//! Template parameters, typed: a `Parameter<String>` gives an `Expr<String>`, a
//! `CommaDelimitedList` an `Expr<Vec<String>>`.
//!
//! ```
//! use girder_aws::{AwsEnvironment, CloudAssembly, Parameter};
//! use girder_aws::parameter::AwsParameterType;
//! let mut app = CloudAssembly::new();
//! let env = AwsEnvironment::new("123456789012", "eu-west-1").unwrap();
//! let stack = app.stack(&env, "web");
//! let size = stack.add_parameter(
//!     "InstanceType",
//!     Parameter::string().default("t3.micro").allowed_values(["t3.micro", "t3.large"]),
//! );
//! let subnets = stack.add_parameter("Subnets", Parameter::aws_list(AwsParameterType::SubnetId));
//! let ami = stack.add_parameter(
//!     "Ami",
//!     Parameter::ssm_aws(AwsParameterType::ImageId, "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"),
//! );
//! let _: (girder_aws::Expr<String>, girder_aws::Expr<Vec<String>>) = (size.reference(), subnets.reference());
//! # let _ = ami;
//! ```

use std::marker::PhantomData;

use serde::Serialize;

use crate::address::StackAddress;
use crate::intrinsic::{Intrinsic, RefTarget, TemplateName};
use crate::value::Expr;

/// AWS-specific parameter types, which CloudFormation checks against the account's resources.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AwsParameterType {
    /// `AWS::EC2::AvailabilityZone::Name`.
    AvailabilityZoneName,
    /// `AWS::EC2::Image::Id`.
    ImageId,
    /// `AWS::EC2::Instance::Id`.
    InstanceId,
    /// `AWS::EC2::KeyPair::KeyName`.
    KeyPairKeyName,
    /// `AWS::EC2::SecurityGroup::GroupName`.
    SecurityGroupName,
    /// `AWS::EC2::SecurityGroup::Id`.
    SecurityGroupId,
    /// `AWS::EC2::Subnet::Id`.
    SubnetId,
    /// `AWS::EC2::Volume::Id`.
    VolumeId,
    /// `AWS::EC2::VPC::Id`.
    VpcId,
    /// `AWS::Route53::HostedZone::Id`.
    HostedZoneId,
}

impl AwsParameterType {
    /// The type name, e.g. `AWS::EC2::VPC::Id`.
    pub fn name(self) -> &'static str {
        match self {
            AwsParameterType::AvailabilityZoneName => "AWS::EC2::AvailabilityZone::Name",
            AwsParameterType::ImageId => "AWS::EC2::Image::Id",
            AwsParameterType::InstanceId => "AWS::EC2::Instance::Id",
            AwsParameterType::KeyPairKeyName => "AWS::EC2::KeyPair::KeyName",
            AwsParameterType::SecurityGroupName => "AWS::EC2::SecurityGroup::GroupName",
            AwsParameterType::SecurityGroupId => "AWS::EC2::SecurityGroup::Id",
            AwsParameterType::SubnetId => "AWS::EC2::Subnet::Id",
            AwsParameterType::VolumeId => "AWS::EC2::Volume::Id",
            AwsParameterType::VpcId => "AWS::EC2::VPC::Id",
            AwsParameterType::HostedZoneId => "AWS::Route53::HostedZone::Id",
        }
    }
}

/// A value a parameter of type `T` can default to or allow, written as CloudFormation expects
/// (a string; lists comma-separated).
pub trait ParameterValue {
    /// The value as written in `Default` and `AllowedValues`.
    fn to_parameter_string(&self) -> String;
}

impl ParameterValue for String {
    fn to_parameter_string(&self) -> String {
        self.clone()
    }
}

impl ParameterValue for i64 {
    fn to_parameter_string(&self) -> String {
        self.to_string()
    }
}

impl ParameterValue for f64 {
    fn to_parameter_string(&self) -> String {
        self.to_string()
    }
}

impl<T: ParameterValue> ParameterValue for Vec<T> {
    fn to_parameter_string(&self) -> String {
        self.iter()
            .map(ParameterValue::to_parameter_string)
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// A parameter as written in the template, untyped.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ParameterDef {
    #[serde(rename = "Type")]
    type_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    allowed_values: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allowed_pattern: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    constraint_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_value: Option<serde_json::Number>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_value: Option<serde_json::Number>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    no_echo: bool,
}

impl ParameterDef {
    /// The parameter type, e.g. `String` or `List<AWS::EC2::Subnet::Id>`.
    pub fn type_name(&self) -> &str {
        &self.type_name
    }

    /// The default value, as written.
    pub fn default_value(&self) -> Option<&str> {
        self.default.as_deref()
    }

    /// Whether CloudFormation masks the value (`NoEcho`).
    pub fn no_echo(&self) -> bool {
        self.no_echo
    }

    /// The description.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
}

/// A template parameter whose value is a `T`, being built. Add it to a stack with
/// [`crate::Stack::add_parameter`].
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct Parameter<T> {
    def: ParameterDef,
    _type: PhantomData<fn() -> T>,
}

impl<T> Parameter<T> {
    fn of_type(type_name: impl Into<String>) -> Self {
        Self {
            def: ParameterDef {
                type_name: type_name.into(),
                description: None,
                default: None,
                allowed_values: Vec::new(),
                allowed_pattern: None,
                constraint_description: None,
                min_length: None,
                max_length: None,
                min_value: None,
                max_value: None,
                no_echo: false,
            },
            _type: PhantomData,
        }
    }

    /// The untyped definition.
    pub fn def(&self) -> &ParameterDef {
        &self.def
    }

    pub(crate) fn into_def(self) -> ParameterDef {
        self.def
    }

    /// Says what the parameter is for.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.def.description = Some(description.into());
        self
    }

    /// The message shown when a value breaks a constraint.
    pub fn constraint_description(mut self, description: impl Into<String>) -> Self {
        self.def.constraint_description = Some(description.into());
        self
    }

    /// Masks the value in the console and API (`NoEcho`). A `NoEcho` parameter may not have a
    /// default (synthesis reports one): the default would be a secret written into the template.
    /// Prefer a [`DynamicReference`](crate::DynamicReference) for secrets.
    pub fn no_echo(mut self) -> Self {
        self.def.no_echo = true;
        self
    }
}

impl<T: ParameterValue> Parameter<T> {
    /// The value used when none is given.
    pub fn default(mut self, value: impl Into<T>) -> Self {
        self.def.default = Some(value.into().to_parameter_string());
        self
    }

    /// The only values accepted.
    pub fn allowed_values<V: Into<T>>(mut self, values: impl IntoIterator<Item = V>) -> Self {
        self.def.allowed_values = values
            .into_iter()
            .map(|v| v.into().to_parameter_string())
            .collect();
        self
    }
}

impl Parameter<String> {
    /// Type `String`.
    pub fn string() -> Self {
        Self::of_type("String")
    }

    /// An AWS-specific type, e.g. `AWS::EC2::VPC::Id`.
    pub fn aws(kind: AwsParameterType) -> Self {
        Self::of_type(kind.name())
    }

    /// `AWS::SSM::Parameter::Value<String>`: the value of the SSM parameter `name` (the default)
    /// at deploy time.
    pub fn ssm(name: impl Into<String>) -> Self {
        Self::of_type("AWS::SSM::Parameter::Value<String>").default(name.into())
    }

    /// `AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>` and the like: an SSM parameter holding an
    /// AWS-specific value, such as the public parameters of the latest AMIs.
    pub fn ssm_aws(kind: AwsParameterType, name: impl Into<String>) -> Self {
        Self::of_type(format!("AWS::SSM::Parameter::Value<{}>", kind.name())).default(name.into())
    }

    /// The regular expression values must match.
    pub fn allowed_pattern(mut self, pattern: impl Into<String>) -> Self {
        self.def.allowed_pattern = Some(pattern.into());
        self
    }

    /// The shortest value accepted.
    pub fn min_length(mut self, length: u32) -> Self {
        self.def.min_length = Some(length);
        self
    }

    /// The longest value accepted.
    pub fn max_length(mut self, length: u32) -> Self {
        self.def.max_length = Some(length);
        self
    }
}

impl Parameter<f64> {
    /// Type `Number`.
    pub fn number() -> Self {
        Self::of_type("Number")
    }

    /// The smallest value accepted (ignored if not finite).
    pub fn min_value(mut self, value: f64) -> Self {
        self.def.min_value = serde_json::Number::from_f64(value);
        self
    }

    /// The largest value accepted (ignored if not finite).
    pub fn max_value(mut self, value: f64) -> Self {
        self.def.max_value = serde_json::Number::from_f64(value);
        self
    }
}

impl Parameter<i64> {
    /// Type `Number`, used where an integer is expected.
    pub fn integer() -> Self {
        Self::of_type("Number")
    }

    /// The smallest value accepted.
    pub fn min_value(mut self, value: i64) -> Self {
        self.def.min_value = Some(value.into());
        self
    }

    /// The largest value accepted.
    pub fn max_value(mut self, value: i64) -> Self {
        self.def.max_value = Some(value.into());
        self
    }
}

impl Parameter<Vec<String>> {
    /// Type `CommaDelimitedList`.
    pub fn comma_delimited_list() -> Self {
        Self::of_type("CommaDelimitedList")
    }

    /// A list of an AWS-specific type, e.g. `List<AWS::EC2::Subnet::Id>`.
    pub fn aws_list(kind: AwsParameterType) -> Self {
        Self::of_type(format!("List<{}>", kind.name()))
    }

    /// `AWS::SSM::Parameter::Value<List<String>>`: a `StringList` SSM parameter.
    pub fn ssm_list(name: impl Into<String>) -> Self {
        Self::of_type("AWS::SSM::Parameter::Value<List<String>>").default(vec![name.into()])
    }
}

impl Parameter<Vec<f64>> {
    /// Type `List<Number>`.
    pub fn number_list() -> Self {
        Self::of_type("List<Number>")
    }
}

/// A parameter declared in one stack: `Ref` it with [`ParameterRef::reference`]. Only usable in
/// that stack (synthesis reports other uses).
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ParameterRef<T> {
    target: TemplateName,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for ParameterRef<T> {
    fn clone(&self) -> Self {
        Self::new(self.target.clone())
    }
}

impl<T> ParameterRef<T> {
    pub(crate) fn new(target: TemplateName) -> Self {
        Self {
            target,
            _type: PhantomData,
        }
    }

    /// The parameter's name.
    pub fn name(&self) -> &str {
        self.target.name()
    }

    /// The stack that declares it.
    pub fn stack(&self) -> &StackAddress {
        self.target.stack()
    }

    /// `{"Ref": "<name>"}`: the parameter's value.
    pub fn reference(&self) -> Expr<T> {
        Expr::new(Intrinsic::Ref(RefTarget::Parameter(self.target.clone())))
    }
}
