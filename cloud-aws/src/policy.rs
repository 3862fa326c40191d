//! IAM policy documents as types: statements whose resources may be expressions (an ARN from
//! `Fn::GetAtt`), written as the JSON IAM expects.
//!
//! ```
//! use girder_aws::policy::{PolicyDocument, Statement};
//!
//! let doc = PolicyDocument::new([
//!     Statement::allow(["s3:GetObject"]).resource("arn:aws:s3:::uploads/*"),
//! ]);
//! let json = serde_json::to_value(girder_aws::Json::from(doc)).unwrap();
//! assert_eq!(json["Version"], "2012-10-17");
//! assert_eq!(json["Statement"][0]["Action"][0], "s3:GetObject");
//! ```

use std::borrow::Cow;
use std::sync::Arc;

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::intrinsic::Intrinsic;
use crate::json::Json;
use crate::value::{Expr, Value};
use crate::walk::Walk;

/// An IAM policy document (`Version: 2012-10-17`).
///
/// Clones share their statements until one of them changes (copy on write): a construct keeps
/// its policy and puts a clone in each template that writes it.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct PolicyDocument {
    statements: Arc<Vec<Statement>>,
}

impl PolicyDocument {
    /// A document of `statements`.
    pub fn new(statements: impl IntoIterator<Item = Statement>) -> Self {
        PolicyDocument {
            statements: Arc::new(statements.into_iter().collect()),
        }
    }

    /// Adds a statement.
    pub fn push(&mut self, statement: Statement) {
        Arc::make_mut(&mut self.statements).push(statement);
    }

    /// The statements.
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    /// Whether the document has no statement.
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }
}

/// `Allow` or `Deny`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// `Allow`.
    Allow,
    /// `Deny`.
    Deny,
}

/// A principal of a resource policy or trust policy.
#[derive(Clone, Debug, PartialEq)]
pub enum Principal {
    /// `"*"`: anyone (combine with conditions).
    Any,
    /// `{"Service": "..."}`, e.g. `ec2.amazonaws.com`.
    Service(String),
    /// `{"AWS": ...}`: an account or role ARN.
    Aws(Value<String>),
    /// `{"Federated": ...}`: an identity provider ARN (IRSA's OIDC provider).
    Federated(Value<String>),
}

/// One statement of a [`PolicyDocument`].
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    effect: Effect,
    actions: Vec<Cow<'static, str>>,
    resources: Vec<Value<String>>,
    /// The name, principal and conditions, when the statement has any. Most statements (the
    /// grants of a role's policy) have none: kept apart, they leave a statement half the size,
    /// and every role of a program keeps its statements.
    more: Option<Box<More>>,
}

/// What a [`Statement`] has beside its effect, actions and resources.
#[derive(Clone, Debug, PartialEq, Default)]
struct More {
    sid: Option<String>,
    principal: Option<Principal>,
    /// operator → key → values (`StringEquals` → `aws:SecureTransport` → `false`), each level
    /// sorted by name. A statement has a handful of conditions at most: sorted vectors hold them
    /// in a few bytes where maps would take a node of hundreds each.
    conditions: Sorted<Sorted<Json>>,
}

impl Statement {
    fn new(
        effect: Effect,
        actions: impl IntoIterator<Item = impl Into<Cow<'static, str>>>,
    ) -> Self {
        Statement {
            effect,
            actions: actions.into_iter().map(Into::into).collect(),
            resources: Vec::new(),
            more: None,
        }
    }

    /// The name, principal and conditions, added empty when the statement has none yet.
    fn more(&mut self) -> &mut More {
        self.more.get_or_insert_with(Box::default)
    }

    /// Allows `actions` (e.g. `s3:GetObject`).
    pub fn allow(actions: impl IntoIterator<Item = impl Into<Cow<'static, str>>>) -> Self {
        Statement::new(Effect::Allow, actions)
    }

    /// Denies `actions`.
    pub fn deny(actions: impl IntoIterator<Item = impl Into<Cow<'static, str>>>) -> Self {
        Statement::new(Effect::Deny, actions)
    }

    /// Names the statement.
    #[must_use]
    pub fn sid(mut self, sid: impl Into<String>) -> Self {
        self.more().sid = Some(sid.into());
        self
    }

    /// Adds a resource ARN (a literal or an expression).
    #[must_use]
    pub fn resource(mut self, arn: impl Into<Value<String>>) -> Self {
        // A statement names a resource or two: room for four each would be mostly empty.
        self.resources.reserve_exact(1);
        self.resources.push(arn.into());
        self
    }

    /// Adds `<arn>/*`: every object below a bucket ARN.
    #[must_use]
    pub fn resource_objects(mut self, bucket_arn: Expr<String>) -> Self {
        self.resources.reserve_exact(1);
        // `Fn::Join ["", [<arn>, "/*"]]`, as `fns::join` writes it.
        let values = Json::Array(vec![Json::from(bucket_arn), Json::from("/*")]);
        self.resources.push(
            Expr::new(Intrinsic::Join {
                delimiter: String::new(),
                values: Box::new(values),
            })
            .into(),
        );
        self
    }

    /// Sets the principal (resource and trust policies).
    #[must_use]
    pub fn principal(mut self, principal: Principal) -> Self {
        self.more().principal = Some(principal);
        self
    }

    /// Adds a condition: `operator` (`StringEquals`, `Bool`, ...) on `key` with `value`.
    #[must_use]
    pub fn condition(
        mut self,
        operator: impl Into<Cow<'static, str>>,
        key: impl Into<Cow<'static, str>>,
        value: impl Into<Json>,
    ) -> Self {
        self.more()
            .conditions
            .entry(operator.into())
            .insert(key.into(), value.into());
        self
    }
}

/// A small map from names to values, in name order: written as a JSON object.
#[derive(Clone, Debug, PartialEq)]
struct Sorted<V>(Vec<(Cow<'static, str>, V)>);

impl<V> Default for Sorted<V> {
    fn default() -> Self {
        Sorted(Vec::new())
    }
}

impl<V> Sorted<V> {
    fn position(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(n, _)| n.as_ref().cmp(name))
    }

    /// Sets `name` to `value`, replacing what it had.
    fn insert(&mut self, name: Cow<'static, str>, value: V) {
        match self.position(&name) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => self.add(i, name, value),
        }
    }

    /// Adds `name` at `i`, its place in name order, with room for it alone.
    fn add(&mut self, i: usize, name: Cow<'static, str>, value: V) {
        self.0.reserve_exact(1);
        self.0.insert(i, (name, value));
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }

    fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.0.iter_mut().map(|(_, v)| v)
    }
}

impl<V: Default> Sorted<V> {
    /// The value of `name`, added empty when it has none.
    fn entry(&mut self, name: Cow<'static, str>) -> &mut V {
        let i = match self.position(&name) {
            Ok(i) => i,
            Err(i) => {
                self.add(i, name, V::default());
                i
            }
        };
        &mut self.0[i].1
    }
}

impl<V: Serialize> Serialize for Sorted<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name.as_ref(), value)?;
        }
        map.end()
    }
}

/// A statement, keys in sorted order as every other object Girder writes.
impl Serialize for Statement {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        /// `{"AWS": ..}`, `{"Federated": ..}` or `{"Service": ..}`.
        struct One<'a, V: Serialize>(&'static str, &'a V);
        impl<V: Serialize> Serialize for One<'_, V> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry(self.0, self.1)?;
                map.end()
            }
        }
        let more = self.more.as_deref();
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("Action", &self.actions)?;
        if let Some(conditions) = more.map(|m| &m.conditions).filter(|c| !c.is_empty()) {
            map.serialize_entry("Condition", conditions)?;
        }
        let effect = match self.effect {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        };
        map.serialize_entry("Effect", effect)?;
        match more.and_then(|m| m.principal.as_ref()) {
            None => {}
            Some(Principal::Any) => map.serialize_entry("Principal", "*")?,
            Some(Principal::Service(service)) => {
                map.serialize_entry("Principal", &One("Service", service))?;
            }
            Some(Principal::Aws(arn)) => map.serialize_entry("Principal", &One("AWS", arn))?,
            Some(Principal::Federated(arn)) => {
                map.serialize_entry("Principal", &One("Federated", arn))?;
            }
        }
        if !self.resources.is_empty() {
            map.serialize_entry("Resource", &self.resources)?;
        }
        if let Some(sid) = more.and_then(|m| m.sid.as_ref()) {
            map.serialize_entry("Sid", sid)?;
        }
        map.end()
    }
}

/// `{"Statement": [..], "Version": "2012-10-17"}`.
impl Serialize for PolicyDocument {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("Statement", self.statements.as_slice())?;
        map.serialize_entry("Version", VERSION)?;
        map.end()
    }
}

impl Walk for PolicyDocument {
    fn walk(&self, f: &mut dyn FnMut(&Intrinsic)) {
        for s in self.statements.iter() {
            s.resources.walk(f);
            let Some(more) = &s.more else { continue };
            if let Some(Principal::Aws(arn) | Principal::Federated(arn)) = &more.principal {
                arn.walk(f);
            }
            for value in more.conditions.values().flat_map(Sorted::values) {
                value.walk(f);
            }
        }
    }

    fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Intrinsic)) {
        for s in Arc::make_mut(&mut self.statements) {
            s.resources.walk_mut(f);
            let Some(more) = &mut s.more else { continue };
            if let Some(Principal::Aws(arn) | Principal::Federated(arn)) = &mut more.principal {
                arn.walk_mut(f);
            }
            for value in more.conditions.values_mut().flat_map(Sorted::values_mut) {
                value.walk_mut(f);
            }
        }
    }
}

/// The policy language version every document declares.
const VERSION: &str = "2012-10-17";

/// A policy document is kept typed inside a [`Json`] value and written straight to JSON.
impl From<PolicyDocument> for Json {
    fn from(doc: PolicyDocument) -> Json {
        Json::Policy(Box::new(doc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_statements_until_one_is_changed() {
        let arn = crate::Pseudo::region();
        let original = PolicyDocument::new([Statement::allow(["s3:GetObject"]).resource(arn)]);
        let mut copy = original.clone();
        assert!(Arc::ptr_eq(&original.statements, &copy.statements));
        // Reading does not copy.
        let mut seen = 0;
        copy.walk(&mut |_| seen += 1);
        assert_eq!(seen, 1);
        assert!(Arc::ptr_eq(&original.statements, &copy.statements));
        // Changing does, and leaves the original as it was.
        copy.walk_mut(&mut |i| {
            *i = Intrinsic::Ref(crate::intrinsic::RefTarget::Pseudo(
                crate::Pseudo::Partition,
            ))
        });
        assert!(!Arc::ptr_eq(&original.statements, &copy.statements));
        assert_ne!(original, copy);
        let written = serde_json::to_string(&original).expect("JSON");
        assert!(written.contains("AWS::Region"), "{written}");
        copy.push(Statement::deny(["s3:*"]));
        assert_eq!(
            (original.statements().len(), copy.statements().len()),
            (1, 2)
        );
    }

    #[test]
    fn conditions_are_written_in_name_order_and_the_last_value_of_a_key_wins() {
        let statement = Statement::allow(["kms:Decrypt"])
            .resource("*")
            .condition("StringLike", "kms:ViaService", "s3.*")
            .condition("StringEquals", "aws:PrincipalAccount", "111111111111")
            .condition("StringEquals", "aws:PrincipalAccount", "123456789012")
            .condition("Bool", "aws:SecureTransport", "true")
            .condition("StringEquals", "aws:CalledVia", "athena.amazonaws.com");
        let written = serde_json::to_string(&statement).expect("JSON");
        assert_eq!(
            written,
            concat!(
                r#"{"Action":["kms:Decrypt"],"Condition":{"#,
                r#""Bool":{"aws:SecureTransport":"true"},"#,
                r#""StringEquals":{"aws:CalledVia":"athena.amazonaws.com","aws:PrincipalAccount":"123456789012"},"#,
                r#""StringLike":{"kms:ViaService":"s3.*"}},"#,
                r#""Effect":"Allow","Resource":["*"]}"#
            )
        );
    }

    #[test]
    fn expressions_in_conditions_are_visited() {
        let arn = crate::fns::sub("arn:${AWS::Partition}:s3:::bucket");
        let mut doc = PolicyDocument::new([Statement::allow(["s3:GetObject"])
            .resource("*")
            .condition("ArnEquals", "aws:SourceArn", Json::from(arn.expr()))]);
        let mut seen = 0;
        doc.walk(&mut |_| seen += 1);
        assert_eq!(seen, 1);
        doc.walk_mut(&mut |_| seen += 1);
        assert_eq!(seen, 2);
    }
}
