//! Typed constructors of dynamic references (`{{resolve:...}}`).
//!
//! A dynamic reference to a secret is the only way a secret value reaches a template: the
//! template holds the reference, CloudFormation fetches the value at deploy time. Synthesis
//! reports a literal string in the known secret-carrying properties (`MasterUserPassword` of
//! RDS, `AuthToken` of ElastiCache, ...; see [`SECRET_PROPERTIES`]).

use crate::intrinsic::{DynamicReference, Intrinsic};
use crate::json::Json;
use crate::value::{Expr, Value};

/// Properties that carry a secret, by resource type, as JSON pointers below `Properties`
/// (`*` for every element of a list). Synthesis rejects a literal string in any of them: use a
/// [`DynamicReference`] (or a `Ref` to a `NoEcho` parameter).
pub const SECRET_PROPERTIES: &[(&str, &[&str])] = &[
    ("AWS::RDS::DBInstance", &["/MasterUserPassword"]),
    ("AWS::RDS::DBCluster", &["/MasterUserPassword"]),
    ("AWS::DocDB::DBCluster", &["/MasterUserPassword"]),
    ("AWS::Neptune::DBCluster", &["/MasterUserPassword"]),
    ("AWS::Redshift::Cluster", &["/MasterUserPassword"]),
    ("AWS::ElastiCache::ReplicationGroup", &["/AuthToken"]),
    ("AWS::ElastiCache::User", &["/Passwords/*"]),
    ("AWS::MemoryDB::User", &["/AuthenticationMode/Passwords/*"]),
    ("AWS::IAM::User", &["/LoginProfile/Password"]),
    ("AWS::DirectoryService::MicrosoftAD", &["/Password"]),
    ("AWS::DirectoryService::SimpleAD", &["/Password"]),
    ("AWS::AmazonMQ::Broker", &["/Users/*/Password"]),
    ("AWS::SecretsManager::Secret", &["/SecretString"]),
    ("AWS::DMS::Endpoint", &["/Password"]),
    (
        "AWS::OpenSearchService::Domain",
        &["/AdvancedSecurityOptions/MasterUserOptions/MasterUserPassword"],
    ),
];

impl DynamicReference {
    /// `{{resolve:ssm:<name>}}`: the latest version of a `String` or `StringList` parameter of
    /// Systems Manager Parameter Store, e.g. `/prod/db/host`.
    ///
    /// ```
    /// use girder_aws::DynamicReference;
    /// let host = DynamicReference::ssm("/prod/db/host");
    /// assert_eq!(serde_json::to_string(&host).unwrap(), r#""{{resolve:ssm:/prod/db/host}}""#);
    /// ```
    pub fn ssm(name: impl Into<String>) -> Expr<String> {
        Expr::new(Intrinsic::Dynamic(Box::new(DynamicReference::Ssm {
            name: name.into(),
            version: None,
        })))
    }

    /// `{{resolve:ssm:<name>:<version>}}`: one version of a parameter.
    pub fn ssm_version(name: impl Into<String>, version: u32) -> Expr<String> {
        Expr::new(Intrinsic::Dynamic(Box::new(DynamicReference::Ssm {
            name: name.into(),
            version: Some(version),
        })))
    }

    /// `{{resolve:ssm-secure:<name>}}`: a `SecureString` parameter (only some properties accept
    /// it; Secrets Manager works everywhere).
    pub fn ssm_secure(name: impl Into<String>) -> Expr<String> {
        Expr::new(Intrinsic::Dynamic(Box::new(DynamicReference::SsmSecure {
            name: name.into(),
            version: None,
        })))
    }

    /// A Secrets Manager secret, by name, ARN or a reference to a secret in the app:
    /// `{{resolve:secretsmanager:<secret>:SecretString:<json-key>::}}` once
    /// [`SecretReference::json_key`] picks a key.
    ///
    /// ```
    /// use girder_aws::{DynamicReference, Expr};
    /// let password: Expr<String> =
    ///     DynamicReference::secrets_manager("prod/orders-db").json_key("password").into();
    /// assert_eq!(
    ///     serde_json::to_string(&password).unwrap(),
    ///     r#""{{resolve:secretsmanager:prod/orders-db:SecretString:password::}}""#
    /// );
    /// ```
    pub fn secrets_manager(secret: impl Into<Value<String>>) -> SecretReference {
        SecretReference {
            secret_id: Json::from(secret.into()),
            json_key: None,
            version_stage: None,
            version_id: None,
        }
    }
}

/// A Secrets Manager dynamic reference being built; converts into an [`Expr<String>`] or a
/// [`Value<String>`].
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct SecretReference {
    secret_id: Json,
    json_key: Option<String>,
    version_stage: Option<String>,
    version_id: Option<String>,
}

impl SecretReference {
    /// The key to read from a secret whose value is a JSON object (`password`); by default the
    /// whole `SecretString`.
    pub fn json_key(mut self, key: impl Into<String>) -> Self {
        self.json_key = Some(key.into());
        self
    }

    /// The version stage (`AWSPREVIOUS`); by default `AWSCURRENT`.
    pub fn version_stage(mut self, stage: impl Into<String>) -> Self {
        self.version_stage = Some(stage.into());
        self
    }

    /// A version id; by default the version of the stage.
    pub fn version_id(mut self, id: impl Into<String>) -> Self {
        self.version_id = Some(id.into());
        self
    }

    /// The finished reference.
    pub fn expr(self) -> Expr<String> {
        Expr::new(Intrinsic::Dynamic(Box::new(
            DynamicReference::SecretsManager {
                secret_id: Box::new(self.secret_id),
                json_key: self.json_key,
                version_stage: self.version_stage,
                version_id: self.version_id,
            },
        )))
    }
}

impl From<SecretReference> for Expr<String> {
    fn from(reference: SecretReference) -> Self {
        reference.expr()
    }
}

impl From<SecretReference> for Value<String> {
    fn from(reference: SecretReference) -> Self {
        Value::Expr(reference.expr())
    }
}

/// Why a dynamic reference is malformed, or `None`.
pub(crate) fn check(reference: &DynamicReference) -> Option<String> {
    fn bad_part(what: &str, text: &str) -> Option<String> {
        if text.is_empty() {
            Some(format!("the {what} is empty"))
        } else if text.contains("{{") || text.contains("}}") || text.contains(char::is_whitespace) {
            Some(format!(
                "the {what} `{text}` contains whitespace, `{{{{` or `}}}}`"
            ))
        } else {
            None
        }
    }
    match reference {
        DynamicReference::Ssm { name, .. } | DynamicReference::SsmSecure { name, .. } => {
            if name.is_empty()
                || name.len() > 2048
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_.-/".contains(&b))
            {
                Some(format!(
                    "`{name}` is not an SSM parameter name: use 1 to 2048 letters, digits, `_`, `.`, `-` and `/`"
                ))
            } else {
                None
            }
        }
        DynamicReference::SecretsManager {
            secret_id,
            json_key,
            version_stage,
            version_id,
        } => {
            if let Json::Plain(serde_json::Value::String(id)) = &**secret_id
                && let Some(problem) = bad_part("secret id", id)
            {
                return Some(problem);
            }
            for (what, part) in [
                ("JSON key", json_key),
                ("version stage", version_stage),
                ("version id", version_id),
            ] {
                if let Some(part) = part
                    && let Some(problem) = bad_part(what, part).or_else(|| {
                        part.contains(':')
                            .then(|| format!("the {what} `{part}` contains `:`"))
                    })
                {
                    return Some(problem);
                }
            }
            None
        }
    }
}
