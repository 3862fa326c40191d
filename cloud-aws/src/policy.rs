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

use std::collections::BTreeMap;

use crate::json::Json;
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
    actions: Vec<String>,
    resources: Vec<Value<String>>,
    /// operator → key → values (`StringEquals` → `aws:SecureTransport` → `false`).
    conditions: BTreeMap<String, BTreeMap<String, Json>>,
}

impl Statement {
    fn new(effect: Effect, actions: impl IntoIterator<Item = impl Into<String>>) -> Self {
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
    pub fn allow(actions: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Statement::new(Effect::Allow, actions)
    }

    /// Denies `actions`.
    pub fn deny(actions: impl IntoIterator<Item = impl Into<String>>) -> Self {
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

impl From<Statement> for Json {
    fn from(s: Statement) -> Json {
        let mut map = BTreeMap::new();
        if let Some(sid) = s.sid {
            map.insert("Sid".to_owned(), Json::from(sid));
        }
        map.insert(
            "Effect".to_owned(),
            Json::from(match s.effect {
                Effect::Allow => "Allow",
                Effect::Deny => "Deny",
            }),
        );
        if let Some(p) = s.principal {
            let principal = match p {
                Principal::Any => Json::from("*"),
                Principal::Service(service) => Json::Object(BTreeMap::from([(
                    "Service".to_owned(),
                    Json::from(service),
                )])),
                Principal::Aws(arn) => {
                    Json::Object(BTreeMap::from([("AWS".to_owned(), Json::from(arn))]))
                }
                Principal::Federated(arn) => {
                    Json::Object(BTreeMap::from([("Federated".to_owned(), Json::from(arn))]))
                }
            };
            map.insert("Principal".to_owned(), principal);
        }
        map.insert(
            "Action".to_owned(),
            Json::Array(s.actions.into_iter().map(Json::from).collect()),
        );
        if !s.resources.is_empty() {
            map.insert(
                "Resource".to_owned(),
                Json::Array(s.resources.into_iter().map(Json::from).collect()),
            );
        }
        if !s.conditions.is_empty() {
            let conditions = s
                .conditions
                .into_iter()
                .map(|(op, keys)| (op, Json::Object(keys.into_iter().collect())))
                .collect();
            map.insert("Condition".to_owned(), Json::Object(conditions));
        }
        Json::Object(map)
    }
}

impl From<PolicyDocument> for Json {
    fn from(doc: PolicyDocument) -> Json {
        Json::Object(BTreeMap::from([
            ("Version".to_owned(), Json::from("2012-10-17")),
            (
                "Statement".to_owned(),
                Json::Array(doc.statements.into_iter().map(Json::from).collect()),
            ),
        ]))
    }
}
