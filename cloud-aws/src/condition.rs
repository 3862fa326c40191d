//! Conditions: `Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not` and `Condition`, which only a
//! template's `Conditions` section accepts — hence their own type, [`Cond`], instead of an
//! [`Expr`](crate::Expr) that could be put into a resource property.
//!
//! Declaring a condition in a stack ([`crate::Stack::add_condition`]) gives a [`ConditionRef`],
//! which `Fn::If` ([`crate::fns::if_`]) and the `Condition` attribute of resources and outputs take.

use serde::{Serialize, Serializer};

use crate::address::StackAddress;
use crate::intrinsic::{Intrinsic, TemplateName};
use crate::json::Json;
use crate::value::Value;
use crate::walk::Walk;

/// A condition expression, for the `Conditions` section of a template.
///
/// ```
/// use girder_aws::{Cond, Pseudo};
/// let in_europe = Cond::or([
///     Cond::equals(Pseudo::region(), "eu-west-1"),
///     Cond::equals(Pseudo::region(), "eu-central-1"),
/// ]);
/// assert_eq!(
///     serde_json::to_string(&Cond::not(in_europe)).unwrap(),
///     r#"{"Fn::Not":[{"Fn::Or":[{"Fn::Equals":[{"Ref":"AWS::Region"},"eu-west-1"]},{"Fn::Equals":[{"Ref":"AWS::Region"},"eu-central-1"]}]}]}"#
/// );
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Cond(Intrinsic);

impl Cond {
    /// `{"Fn::Equals": [a, b]}`: whether two strings are equal.
    pub fn equals(a: impl Into<Value<String>>, b: impl Into<Value<String>>) -> Cond {
        Cond(Intrinsic::Equals(
            Box::new(Json::from(a.into())),
            Box::new(Json::from(b.into())),
        ))
    }

    /// `{"Fn::And": [..]}`: all of 2 to 10 conditions (synthesis checks the count).
    pub fn and(conditions: impl IntoIterator<Item = Cond>) -> Cond {
        Cond(Intrinsic::And(
            conditions.into_iter().map(|c| c.0).collect(),
        ))
    }

    /// `{"Fn::Or": [..]}`: any of 2 to 10 conditions (synthesis checks the count).
    pub fn or(conditions: impl IntoIterator<Item = Cond>) -> Cond {
        Cond(Intrinsic::Or(conditions.into_iter().map(|c| c.0).collect()))
    }

    /// `{"Fn::Not": [..]}`.
    #[allow(clippy::should_implement_trait)]
    pub fn not(condition: Cond) -> Cond {
        Cond(Intrinsic::Not(Box::new(condition.0)))
    }

    /// The untyped intrinsic.
    pub fn intrinsic(&self) -> &Intrinsic {
        &self.0
    }
}

impl Serialize for Cond {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl Walk for Cond {
    fn walk(&self, f: &mut dyn FnMut(&Intrinsic)) {
        self.0.walk(f);
    }

    fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Intrinsic)) {
        self.0.walk_mut(f);
    }
}

/// A condition declared in one stack's template: for `Fn::If`, the `Condition` attribute of
/// resources and outputs, and [`ConditionRef::cond`] inside other conditions. Only usable in that
/// stack (synthesis reports other uses).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ConditionRef {
    target: TemplateName,
}

impl ConditionRef {
    pub(crate) fn new(target: TemplateName) -> Self {
        Self { target }
    }

    /// The condition's name.
    pub fn name(&self) -> &str {
        self.target.name()
    }

    /// The stack that declares it.
    pub fn stack(&self) -> &StackAddress {
        self.target.stack()
    }

    /// The untyped name.
    pub fn target(&self) -> &TemplateName {
        &self.target
    }

    /// `{"Condition": "<name>"}`, to use this condition inside another.
    pub fn cond(&self) -> Cond {
        Cond(Intrinsic::Condition(self.target.clone()))
    }
}
