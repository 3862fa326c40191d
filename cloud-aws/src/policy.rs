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
use std::collections::BTreeMap;

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::intrinsic::Intrinsic;
use crate::json::Json;
use crate::resource::Walk;
use crate::value::{Expr, Value};

/// An IAM policy document (`Version: 2012-10-17`).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct PolicyDocument {
    statements: Vec<Statement>,
}

impl PolicyDocument {
    /// A document of `statements`.
    pub fn new(statements: impl IntoIterator<Item = Statement>) -> Self {
        PolicyDocument {
            statements: statements.into_iter().collect(),
        }
    }

    /// Adds a statement.
    pub fn push(&mut self, statement: Statement) {
        self.statements.push(statement);
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
    sid: Option<String>,
    effect: Effect,
    principal: Option<Principal>,
    actions: Vec<Cow<'static, str>>,
    resources: Vec<Value<String>>,
    /// operator → key → values (`StringEquals` → `aws:SecureTransport` → `false`).
    conditions: BTreeMap<String, BTreeMap<String, Json>>,
}

impl Statement {
    fn new(
        effect: Effect,
        actions: impl IntoIterator<Item = impl Into<Cow<'static, str>>>,
    ) -> Self {
        Statement {
            sid: None,
            effect,
            principal: None,
            actions: actions.into_iter().map(Into::into).collect(),
            resources: Vec::new(),
            conditions: BTreeMap::new(),
        }
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
        self.sid = Some(sid.into());
        self
    }

    /// Adds a resource ARN (a literal or an expression).
    #[must_use]
    pub fn resource(mut self, arn: impl Into<Value<String>>) -> Self {
        self.resources.push(arn.into());
        self
    }

    /// Adds `<arn>/*`: every object below a bucket ARN.
    #[must_use]
    pub fn resource_objects(mut self, bucket_arn: Expr<String>) -> Self {
        self.resources
            .push(crate::fns::join("", [bucket_arn.into(), "/*".into()]).into());
        self
    }

    /// Sets the principal (resource and trust policies).
    #[must_use]
    pub fn principal(mut self, principal: Principal) -> Self {
        self.principal = Some(principal);
        self
    }

    /// Adds a condition: `operator` (`StringEquals`, `Bool`, ...) on `key` with `value`.
    #[must_use]
    pub fn condition(
        mut self,
        operator: impl Into<String>,
        key: impl Into<String>,
        value: impl Into<Json>,
    ) -> Self {
        self.conditions
            .entry(operator.into())
            .or_default()
            .insert(key.into(), value.into());
        self
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
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("Action", &self.actions)?;
        if !self.conditions.is_empty() {
            map.serialize_entry("Condition", &self.conditions)?;
        }
        let effect = match self.effect {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        };
        map.serialize_entry("Effect", effect)?;
        match &self.principal {
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
        if let Some(sid) = &self.sid {
            map.serialize_entry("Sid", sid)?;
        }
        map.end()
    }
}

/// `{"Statement": [..], "Version": "2012-10-17"}`.
impl Serialize for PolicyDocument {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("Statement", &self.statements)?;
        map.serialize_entry("Version", VERSION)?;
        map.end()
    }
}

impl Walk for PolicyDocument {
    fn walk(&self, f: &mut dyn FnMut(&Intrinsic)) {
        for s in &self.statements {
            if let Some(Principal::Aws(arn) | Principal::Federated(arn)) = &s.principal {
                arn.walk(f);
            }
            s.resources.walk(f);
            for keys in s.conditions.values() {
                keys.walk(f);
            }
        }
    }

    fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Intrinsic)) {
        for s in &mut self.statements {
            if let Some(Principal::Aws(arn) | Principal::Federated(arn)) = &mut s.principal {
                arn.walk_mut(f);
            }
            s.resources.walk_mut(f);
            for keys in s.conditions.values_mut() {
                keys.walk_mut(f);
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
