//! The Kubernetes half of `girder diff`: how an object is identified, what updating or removing
//! it risks, and which of its values a report hides.
//!
//! * An object is identified by its `apiVersion`, `kind`, namespace and name ([`ObjectKey`]).
//! * An update the API server refuses ([`crate::immutable::update_violations`]: a workload's
//!   `spec.selector`, a StatefulSet's spec beyond its mutable fields, a PersistentVolumeClaim's
//!   storage shrink, ...) makes `kubectl apply` fail; a removed PersistentVolumeClaim,
//!   StatefulSet, Namespace or CustomResourceDefinition takes data with it
//!   ([`crate::immutable::removal_loss`]). Both are destructive [`Risk`]s.
//! * [`redact`] hides every secret value of an object, by the rules of [`girder_core::secrets`]:
//!   a Secret's `data` and `stringData`; every value under a name that says "secret" (an
//!   annotation, a ConfigMap key, any field) and an `env` item's `value` under such a `name`;
//!   the value that follows a secret flag in `args` or `command` (`--password hunter2`); and
//!   anywhere, a string that carries a credential itself (a URL with a password,
//!   `password = …` in a configuration file, a known key format).
//!
//! ```
//! use girder_k8s::diff::{ObjectKey, redact, removal_risk};
//! use serde_json::json;
//!
//! let mut pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "api"},
//!     "spec": {"containers": [{"name": "app", "args": ["--password", "hunter2", "--verbose"],
//!         "env": [{"name": "DB_PASSWORD", "value": "hunter2"}, {"name": "LOG", "value": "info"}]}]}});
//! let key = ObjectKey::of(&pod).unwrap();
//! assert_eq!(key.to_string(), "v1 Pod api");
//! redact(&mut pod);
//! let app = &pod["spec"]["containers"][0];
//! assert_eq!(app["args"], json!(["--password", "<redacted>", "--verbose"]));
//! assert_eq!(app["env"][0]["value"], "<redacted>");
//! assert_eq!(app["env"][1]["value"], "info");
//! assert!(removal_risk(&key).is_none());
//! ```

use std::fmt;

use girder_core::secrets::{REDACTED, check_text, hides_value_of, is_not_literal, redact_command};
use serde_json::Value;

use crate::immutable::{Loss, Violation, removal_loss, update_violations};
use crate::quantity::Memory;

/// The identity of a Kubernetes object: what the API server knows it by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub struct ObjectKey {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.namespace`, empty for cluster-scoped objects.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
}

impl ObjectKey {
    /// The key of the document `doc`, `None` when it lacks an `apiVersion`, a `kind` or a
    /// `metadata.name` (it is no Kubernetes object).
    pub fn of(doc: &Value) -> Option<ObjectKey> {
        let text = |v: &Value| v.as_str().map(str::to_owned);
        Some(ObjectKey {
            api_version: text(&doc["apiVersion"])?,
            kind: text(&doc["kind"])?,
            namespace: text(&doc["metadata"]["namespace"]).unwrap_or_default(),
            name: text(&doc["metadata"]["name"])?,
        })
    }
}

impl fmt::Display for ObjectKey {
    /// `apps/v1 Deployment shop/api`, `v1 Namespace shop`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ", self.api_version, self.kind)?;
        if !self.namespace.is_empty() {
            write!(f, "{}/", self.namespace)?;
        }
        f.write_str(&self.name)
    }
}

/// Why applying a change of a Kubernetes object fails or loses data. Every one is destructive
/// ([`Risk::is_destructive`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Risk {
    /// Fields that cannot change once the object exists changed: `kubectl apply` fails, the
    /// object must be deleted and created again.
    ImmutableFields {
        /// The object's kind.
        kind: String,
        /// The changed fields (`spec.selector`).
        fields: Vec<String>,
    },
    /// A quantity that can only grow shrank (a PersistentVolumeClaim's storage): `kubectl
    /// apply` fails.
    Shrinks {
        /// The object's kind.
        kind: String,
        /// The field (`spec.resources.requests.storage`).
        field: String,
        /// The old amount.
        old: Memory,
        /// The new, smaller amount.
        new: Memory,
    },
    /// An object whose deletion takes data with it (a PersistentVolumeClaim, a StatefulSet, a
    /// Namespace) is removed.
    DataRemoved {
        /// The object's kind.
        kind: String,
        /// What is lost.
        loss: Loss,
    },
    /// The API server refused the update in a dry run (an immutable field Girder's own rules do
    /// not know of, a failed validation): applying it fails.
    Refused {
        /// The object's kind.
        kind: String,
        /// What the API server said.
        message: String,
    },
}

impl Risk {
    /// Whether the change loses data or cannot be applied: always, for a Kubernetes object.
    pub fn is_destructive(&self) -> bool {
        true
    }
}

impl fmt::Display for Risk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Risk::ImmutableFields { kind, fields } => {
                let verb = if fields.len() == 1 { "is" } else { "are" };
                write!(
                    f,
                    "{} {verb} immutable: `kubectl apply` fails; the {kind} must be deleted and \
                     created again",
                    fields.join(", ")
                )
            }
            Risk::Shrinks {
                kind,
                field,
                old,
                new,
            } => write!(
                f,
                "{field} shrinks from {old} to {new}: `kubectl apply` fails; a {kind}'s storage \
                 can only grow"
            ),
            Risk::DataRemoved { loss, .. } => write!(f, "{loss}"),
            Risk::Refused { kind, message } => write!(
                f,
                "the API server refuses this update of the {kind}: {message}"
            ),
        }
    }
}

/// The risks of updating the object `key` from `old` to `new`: the fields the API server
/// refuses to change, together, then each quantity that shrinks.
pub fn update_risks(key: &ObjectKey, old: &Value, new: &Value) -> Vec<Risk> {
    let mut fields = Vec::new();
    let mut shrinks = Vec::new();
    for violation in update_violations(&key.api_version, &key.kind, old, new) {
        match violation {
            Violation::Shrinks { field, old, new } => shrinks.push(Risk::Shrinks {
                kind: key.kind.clone(),
                field,
                old,
                new,
            }),
            // An immutable field, or a rule this report does not know yet: it blocks the update.
            other => fields.push(other.field().to_owned()),
        }
    }
    let immutable = (!fields.is_empty()).then(|| Risk::ImmutableFields {
        kind: key.kind.clone(),
        fields,
    });
    immutable.into_iter().chain(shrinks).collect()
}

/// The risk of removing the object `key`, `None` when its deletion loses nothing.
pub fn removal_risk(key: &ObjectKey) -> Option<Risk> {
    removal_loss(&key.api_version, &key.kind).map(|loss| Risk::DataRemoved {
        kind: key.kind.clone(),
        loss,
    })
}

/// Replaces every secret value of the object `value` with [`REDACTED`], keeping its shape: a
/// report compares the objects and shows their redacted copies. A YAML document that is no
/// object (it has no name) is redacted by the same rules.
pub fn redact(value: &mut Value) {
    if let Value::Object(map) = value
        && map.get("kind").and_then(Value::as_str) == Some("Secret")
    {
        for data in ["data", "stringData"] {
            map.get_mut(data).into_iter().for_each(redact_all);
        }
    }
    redact_below(value, false);
}

/// Redacts every string and number below `value`.
fn redact_all(value: &mut Value) {
    match value {
        Value::Object(map) => map.values_mut().for_each(redact_all),
        Value::Array(items) => items.iter_mut().for_each(redact_all),
        Value::String(_) | Value::Number(_) => *value = Value::from(REDACTED),
        Value::Bool(_) | Value::Null => {}
    }
}

/// Redacts the secrets below `value`; `named` when it sits under a name that says "secret".
fn redact_below(value: &mut Value, named: bool) {
    match value {
        Value::Object(map) => {
            // An item named like a secret (an `env` entry) holds it in its `value`.
            let item_named = ["name", "key"].iter().any(|n| {
                map.get(*n)
                    .and_then(Value::as_str)
                    .is_some_and(hides_value_of)
            });
            for (key, field) in map.iter_mut() {
                let value_of_item = key == "value" && (named || item_named);
                redact_below(field, value_of_item || hides_value_of(key));
            }
        }
        Value::Array(items) => {
            redact_command(items, Value::as_str, || Value::from(REDACTED));
            items.iter_mut().for_each(|item| redact_below(item, named));
        }
        Value::String(s) if (named && !is_not_literal(s)) || check_text(s).is_some() => {
            *value = Value::from(REDACTED);
        }
        Value::Number(_) if named => *value = Value::from(REDACTED),
        _ => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn redacted(mut value: Value) -> Value {
        redact(&mut value);
        value
    }

    #[test]
    fn objects_without_a_kind_or_a_name_have_no_key() {
        assert!(ObjectKey::of(&json!({"apiVersion": "v1", "kind": "Pod"})).is_none());
        assert!(ObjectKey::of(&json!({"kind": "Pod", "metadata": {"name": "a"}})).is_none());
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}});
        assert_eq!(ObjectKey::of(&ns).unwrap().to_string(), "v1 Namespace shop");
    }

    #[test]
    fn a_secret_passed_as_a_separate_argument_is_redacted() {
        let pod = |args: Value| {
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"},
                "spec": {"containers": [{"name": "app", "command": ["psql"], "args": args}]}})
        };
        let args = |pod: Value| pod["spec"]["containers"][0]["args"].clone();
        assert_eq!(
            args(redacted(pod(json!([
                "--password",
                "hunter2",
                "--port",
                "5432"
            ])))),
            json!(["--password", REDACTED, "--port", "5432"])
        );
        assert_eq!(
            args(redacted(pod(json!(["--db-token", "x", "-v"])))),
            json!(["--db-token", REDACTED, "-v"])
        );
        assert_eq!(
            args(redacted(pod(json!(["sh", "-c", "PGPASSWORD=x pg_dump"])))),
            json!(["sh", "-c", REDACTED])
        );
        // A reference or a flag that is about a secret stays visible.
        for shown in [
            json!(["--password", "$(DB_PASSWORD)"]),
            json!(["--password-file", "/run/secrets/pw"]),
        ] {
            assert_eq!(args(redacted(pod(shown.clone()))), shown);
        }
    }

    #[test]
    fn secret_data_and_secret_looking_fields_are_redacted() {
        let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
            "type": "Opaque", "data": {"a": "c2VjcmV0", "n": 1}, "stringData": {"b": "x"}});
        assert_eq!(
            redacted(secret),
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                "type": "Opaque", "data": {"a": REDACTED, "n": REDACTED},
                "stringData": {"b": REDACTED}})
        );
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c",
                "annotations": {"example.com/api-token": "t", "owner": "team"}},
            "data": {"DB_PASS": "p", "url": "amqp://u:p@mq/", "plain": "v",
                "app.conf": "host = db\npassword = p\n", "PASSWORD_FILE": "/run/pw"}});
        let cm = redacted(cm);
        assert_eq!(
            cm["metadata"]["annotations"]["example.com/api-token"],
            REDACTED
        );
        assert_eq!(cm["metadata"]["annotations"]["owner"], "team");
        for (key, shown) in [
            ("DB_PASS", REDACTED),
            ("url", REDACTED),
            ("app.conf", REDACTED),
            ("plain", "v"),
            ("PASSWORD_FILE", "/run/pw"),
        ] {
            assert_eq!(cm["data"][key], shown, "{key}");
        }
    }
}
