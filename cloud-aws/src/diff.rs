//! The CloudFormation half of `girder diff`: how a template splits into compared objects, what
//! updating or removing a resource risks, and which values a report hides.
//!
//! * A template is compared resource by resource and output by output; the rest of it
//!   (parameters, conditions, mappings) is one object ([`ObjectKey`], [`objects`]). A resource
//!   whose `Type` changes is a removal and an addition.
//! * A resource whose replacing properties changed ([`crate::replacement::replacing_properties`]:
//!   the registry's create-only properties of every generated type, and the conditionally
//!   create-only ones such as an RDS `Engine`) is replaced: destructive when something is at
//!   stake ([`crate::replacement::stake`]: the type holds data, or data-holding resources are
//!   built on it like a VPC or an EKS cluster), a warning otherwise. An update the service
//!   refuses ([`crate::replacement::refused_updates`]) fails: destructive. A resource with
//!   something at stake that is removed, or reappears under another logical ID or `Type`, is
//!   deleted or replaced: destructive ([`update_risks`], [`removal_risk`]).
//! * [`redact`] hides every secret value, by the rules of [`girder_core::secrets`]: every value
//!   under a name that says "secret" (a property such as `MasterUserPassword`, `SecretString`,
//!   `AuthToken`, a tag, an SSM parameter or an ECS environment variable by its `Name` or `Key`),
//!   through lists and intrinsic functions (`Fn::Join`, `Fn::Sub`); the `Default` of a `NoEcho`
//!   parameter; an output with a secret-looking name; the value after a secret flag in a
//!   command; and anywhere, a string that carries a credential itself. A dynamic reference
//!   (`{{resolve:secretsmanager:…}}`) names a secret without holding it and is shown.
//!
//! ```
//! use girder_aws::diff::{objects, update_risks};
//! use serde_json::json;
//!
//! let template = json!({"Resources": {"Db": {"Type": "AWS::RDS::DBInstance",
//!     "Properties": {"StorageEncrypted": false}}}});
//! let serde_json::Value::Object(template) = template else { unreachable!() };
//! let found = objects("app", template).unwrap();
//! assert_eq!(found[0].0.to_string(), "AWS::RDS::DBInstance app/Db");
//! let encrypted = json!({"Type": "AWS::RDS::DBInstance", "Properties": {"StorageEncrypted": true}});
//! let risks = update_risks(&found[0].0, &found[0].1, &encrypted);
//! assert_eq!(risks[0].to_string(), "replaces the database: property StorageEncrypted is create-only");
//! assert!(risks[0].is_destructive());
//! ```

use std::fmt;

use girder_core::secrets::{REDACTED, check_text, hides_value_of, is_not_literal, redact_command};
use serde_json::{Map, Value};

use crate::replacement::{RefusedUpdate, Stake, refused_updates, replacing_properties, stake};

/// The identity of one compared part of a template, within its stack.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ObjectKey {
    /// The sections of a template other than `Resources` and `Outputs`.
    Stack {
        /// The stack name.
        stack: String,
    },
    /// A resource; a change of `Type` is a removal and an addition.
    Resource {
        /// The stack name.
        stack: String,
        /// The logical id.
        logical_id: String,
        /// The resource `Type`.
        resource_type: String,
    },
    /// An output.
    Output {
        /// The stack name.
        stack: String,
        /// The output name.
        name: String,
    },
}

impl fmt::Display for ObjectKey {
    /// `Stack app`, `AWS::S3::Bucket app/Logs`, `Output app/Url`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjectKey::Stack { stack } => write!(f, "Stack {stack}"),
            ObjectKey::Resource {
                stack,
                logical_id,
                resource_type,
            } => write!(f, "{resource_type} {stack}/{logical_id}"),
            ObjectKey::Output { stack, name } => write!(f, "Output {stack}/{name}"),
        }
    }
}

/// The compared objects of the template `template` of `stack`: its resources, its outputs, and
/// the rest of it. A document without a `Resources` object is no template and is given back.
pub fn objects(
    stack: &str,
    mut template: Map<String, Value>,
) -> Result<Vec<(ObjectKey, Value)>, Map<String, Value>> {
    let Some(Value::Object(resources)) = template.remove("Resources") else {
        return Err(template);
    };
    let mut out = Vec::new();
    for (logical_id, resource) in resources {
        let resource_type = resource["Type"].as_str().unwrap_or_default().to_owned();
        let key = ObjectKey::Resource {
            stack: stack.to_owned(),
            logical_id,
            resource_type,
        };
        out.push((key, resource));
    }
    if let Some(Value::Object(outputs)) = template.remove("Outputs") {
        for (name, output) in outputs {
            let stack = stack.to_owned();
            out.push((ObjectKey::Output { stack, name }, output));
        }
    }
    let stack = stack.to_owned();
    out.push((ObjectKey::Stack { stack }, Value::Object(template)));
    Ok(out)
}

/// Why deploying a change of a CloudFormation resource is dangerous; [`Risk::is_destructive`]
/// tells whether it loses data or fails.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Risk {
    /// Properties that replace the resource changed: CloudFormation creates a new resource and
    /// deletes the old one. Destructive when something is at stake.
    Replacement {
        /// The changed properties, as the type's JSON pointers below `Properties`
        /// (`/BucketName`, `/Tags/*/Key`).
        properties: Vec<&'static str>,
        /// What replacing the resource loses, `None` when nothing is at stake.
        stake: Option<Stake>,
    },
    /// An update the service refuses: CloudFormation's update fails and rolls back. Always
    /// destructive.
    RefusedUpdate(RefusedUpdate),
    /// A resource with something at stake leaves the template: its data goes with it (or, with
    /// a `Retain` policy, stays behind unmanaged). Always destructive.
    StatefulRemoved {
        /// What is at stake.
        stake: Stake,
        /// What takes its place in the new template.
        successor: Successor,
        /// The old resource's `DeletionPolicy` (`Retain`, `Snapshot`), if it has one.
        deletion_policy: Option<String>,
    },
    /// CloudFormation's change set says it replaces the resource (`diff --live`, `deploy`): its
    /// own answer, which knows what the registry's create-only properties do not (values only
    /// known at deploy). Destructive when something is at stake.
    ChangeSetReplacement {
        /// `true` when CloudFormation replaces it for certain, `false` when it may
        /// (`Conditional`: it depends on a value known only at deploy).
        certain: bool,
        /// The properties that cause it, as CloudFormation names them (`BucketName`).
        causes: Vec<String>,
        /// What replacing the resource loses, `None` when nothing is at stake.
        stake: Option<Stake>,
    },
    /// The live resource no longer matches its template (drift detection): deploying sets
    /// the template's values again, undoing changes made outside CloudFormation. A warning.
    Drifted {
        /// CloudFormation's drift status: `MODIFIED`, or `DELETED` when the resource is gone.
        status: String,
        /// The properties that differ.
        differences: Vec<PropertyDrift>,
    },
}

/// One property of a drifted resource: what the template says and what the resource has, each
/// shown redacted when it is secret (see [`PropertyDrift::new`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PropertyDrift {
    /// The property's path as CloudFormation gives it (`/VisibilityTimeout`, `/Tags/0/Value`).
    pub path: String,
    /// The template's value (JSON), `None` when the property is not in the template.
    pub expected: Option<String>,
    /// The resource's value (JSON), `None` when the resource does not have it.
    pub actual: Option<String>,
}

impl PropertyDrift {
    /// A difference at `path` between `expected` and `actual`, where a value under a
    /// secret-looking name (any segment of the path) or one that carries a credential itself is
    /// replaced with `"<redacted>"`: a drift report never shows a secret.
    pub fn new(path: &str, expected: Option<&str>, actual: Option<&str>) -> Self {
        let named = path
            .split('/')
            .any(|seg| !seg.is_empty() && hides_value_of(seg));
        let shown = |value: Option<&str>| {
            value.map(|v| {
                if named || check_text(v).is_some() {
                    format!("\"{REDACTED}\"")
                } else {
                    v.to_owned()
                }
            })
        };
        PropertyDrift {
            path: path.to_owned(),
            expected: shown(expected),
            actual: shown(actual),
        }
    }
}

impl fmt::Display for PropertyDrift {
    /// `VisibilityTimeout: expected 30, actual 60`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = pointer_path(&self.path);
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(absent)".to_owned());
        write!(
            f,
            "{path}: expected {}, actual {}",
            show(&self.expected),
            show(&self.actual)
        )
    }
}

/// What replaces a removed stateful resource in the new template.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Successor {
    /// Nothing: the resource leaves the stack.
    Nothing,
    /// The only added resource of the same type in the same stack: most likely the same resource
    /// under a changed logical ID, which CloudFormation creates new and empty.
    LogicalId(String),
    /// A resource of another type under the same logical ID.
    Type(String),
}

impl Risk {
    /// Whether the change deletes or replaces stateful data, or cannot be applied.
    pub fn is_destructive(&self) -> bool {
        !matches!(
            self,
            Risk::Replacement { stake: None, .. }
                | Risk::ChangeSetReplacement { stake: None, .. }
                | Risk::Drifted { .. }
        )
    }
}

impl fmt::Display for Risk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Risk::Replacement { properties, stake } => {
                let names: Vec<String> = properties.iter().map(|p| pointer_path(p)).collect();
                let (noun, verb) = if names.len() == 1 {
                    ("property", "is")
                } else {
                    ("properties", "are")
                };
                match stake {
                    Some(stake) => write!(f, "replaces the {stake}: ")?,
                    None => f.write_str("replaces the resource: ")?,
                }
                write!(f, "{noun} {} {verb} create-only", names.join(", "))
            }
            Risk::RefusedUpdate(refused) => {
                write!(f, "{refused}; CloudFormation's update fails and rolls back")
            }
            Risk::StatefulRemoved {
                stake,
                successor,
                deletion_policy,
            } => {
                match (successor, stake) {
                    (Successor::Nothing, Stake::Data(holds)) => {
                        write!(f, "removes the {holds}, a stateful resource: ")?;
                    }
                    (Successor::Nothing, _) => write!(f, "removes the {stake}: ")?,
                    (Successor::LogicalId(id), _) => write!(
                        f,
                        "replaces the {stake}: its logical ID changed to {id}, created new and \
                         empty; "
                    )?,
                    (Successor::Type(t), _) => {
                        write!(f, "replaces the {stake}: its Type changed to {t}; ")?;
                    }
                }
                let old = match successor {
                    Successor::Nothing => "it",
                    _ => "the old one",
                };
                match deletion_policy.as_deref() {
                    Some(p @ ("Retain" | "RetainExceptOnDelete")) => write!(
                        f,
                        "DeletionPolicy {p} keeps {old} and its data, outside the stack"
                    ),
                    Some("Snapshot") => {
                        write!(f, "CloudFormation deletes {old} after a final snapshot")
                    }
                    _ => write!(f, "CloudFormation deletes {old} and its data"),
                }
            }
            Risk::ChangeSetReplacement {
                certain,
                causes,
                stake,
            } => {
                let verb = if *certain { "replaces" } else { "may replace" };
                match stake {
                    Some(stake) => write!(f, "CloudFormation {verb} the {stake}")?,
                    None => write!(f, "CloudFormation {verb} the resource")?,
                }
                match causes.as_slice() {
                    [] => Ok(()),
                    [one] => write!(f, " (property {one})"),
                    many => write!(f, " (properties {})", many.join(", ")),
                }
            }
            Risk::Drifted {
                status,
                differences,
            } => {
                if status == "DELETED" {
                    return f.write_str("drifted: the resource was deleted outside CloudFormation");
                }
                f.write_str("drifted: changed outside CloudFormation")?;
                for (i, difference) in differences.iter().enumerate() {
                    f.write_str(if i == 0 { ": " } else { "; " })?;
                    write!(f, "{difference}")?;
                }
                Ok(())
            }
        }
    }
}

/// A create-only pointer as a field path: `/Tags/*/Key` → `Tags[*].Key`.
fn pointer_path(pointer: &str) -> String {
    let mut out = String::new();
    for seg in pointer.split('/').skip(1) {
        match seg {
            "*" => out += "[*]",
            _ if out.is_empty() => out += seg,
            _ => out += &format!(".{seg}"),
        }
    }
    out
}

/// The risks of updating the object `key` from `old` to `new`: for a resource (`Type` and
/// `Properties`), the replacing properties that changed, then the updates the service refuses.
pub fn update_risks(key: &ObjectKey, old: &Value, new: &Value) -> Vec<Risk> {
    let ObjectKey::Resource { resource_type, .. } = key else {
        return Vec::new();
    };
    let (old, new) = (&old["Properties"], &new["Properties"]);
    let properties: Vec<&'static str> = replacing_properties(resource_type)
        .filter(|pointer| values_at(old, pointer) != values_at(new, pointer))
        .collect();
    let replacement = (!properties.is_empty()).then(|| Risk::Replacement {
        properties,
        stake: stake(resource_type),
    });
    let refused = refused_updates(resource_type, old, new).into_iter();
    replacement
        .into_iter()
        .chain(refused.map(Risk::RefusedUpdate))
        .collect()
}

/// The values at the JSON pointer `pointer` below `value`, a `*` segment taking every element
/// or entry: a property set where it was absent, or absent where it was set, changes them.
fn values_at<'v>(value: &'v Value, pointer: &str) -> Vec<&'v Value> {
    let mut found = vec![value];
    for seg in pointer.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        found = found
            .into_iter()
            .flat_map(|v| -> Vec<&Value> {
                match (v, seg.as_str()) {
                    (Value::Object(map), "*") => map.values().collect(),
                    (Value::Array(items), "*") => items.iter().collect(),
                    (Value::Object(map), key) => map.get(key).into_iter().collect(),
                    (Value::Array(items), index) => index
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| items.get(i))
                        .into_iter()
                        .collect(),
                    _ => Vec::new(),
                }
            })
            .collect();
    }
    found
}

/// The risk of removing the resource `key`, whose old definition is `old`, given the resources
/// `added` to the same output (those of other stacks are passed over): `None` unless something
/// is at stake.
pub fn removal_risk<'k>(
    key: &ObjectKey,
    old: &Value,
    added: impl IntoIterator<Item = &'k ObjectKey>,
) -> Option<Risk> {
    let ObjectKey::Resource {
        stack,
        logical_id,
        resource_type,
    } = key
    else {
        return None;
    };
    let stake = stake(resource_type)?;
    let mut retyped = None;
    let mut renamed = Vec::new();
    for added in added {
        if let ObjectKey::Resource {
            stack: s,
            logical_id: id,
            resource_type: ty,
        } = added
            && s == stack
        {
            if id == logical_id {
                retyped = Some(ty.clone());
            } else if ty == resource_type {
                renamed.push(id.clone());
            }
        }
    }
    let successor = match (retyped, &mut renamed[..]) {
        (Some(t), _) => Successor::Type(t),
        (None, [id]) => Successor::LogicalId(std::mem::take(id)),
        (None, _) => Successor::Nothing,
    };
    let deletion_policy = old["DeletionPolicy"].as_str().map(str::to_owned);
    Some(Risk::StatefulRemoved {
        stake,
        successor,
        deletion_policy,
    })
}

/// How much of a value a report hides; a value is hidden as much as the most that applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Hide {
    /// Nothing but strings that carry a credential themselves (a URL with a password).
    Nothing,
    /// The value sits under a secret-looking name: its numbers and literal strings, through
    /// lists and intrinsic functions, are hidden; a plain object below it is judged key by key,
    /// its `Value` and `Default` staying hidden.
    Named,
    /// The value is derived from a secret (the insides of an intrinsic function under a
    /// secret-looking name): every number and string below it is hidden.
    All,
}

/// Keys whose value is the value of the object around them: a tag's, an environment
/// variable's or a parameter's `Value`, a parameter's `Default`.
const VALUE_KEYS: &[&str] = &["value", "Value", "Values", "Default"];

/// Replaces every secret value of the object `key`, `value`, with [`REDACTED`], keeping its
/// shape: a report compares the objects and shows their redacted copies.
pub fn redact(key: &ObjectKey, value: &mut Value) {
    let hide = match key {
        ObjectKey::Output { name, .. } if hides_value_of(name) => Hide::Named,
        _ => Hide::Nothing,
    };
    redact_below(value, hide);
}

/// Redacts the secrets below `value`, itself hidden as `hide` says.
fn redact_below(value: &mut Value, hide: Hide) {
    match value {
        Value::Object(map) => {
            // An intrinsic function under a secret-looking name is derived from the secret
            // whole; a plain object is judged key by key.
            let intrinsic =
                map.len() == 1 && map.keys().all(|k| k == "Ref" || k.starts_with("Fn::"));
            let inside = match hide {
                Hide::Named if intrinsic => Hide::All,
                Hide::All => Hide::All,
                _ => Hide::Nothing,
            };
            let named = ["name", "Name", "key", "Key"].iter().any(|n| {
                map.get(*n)
                    .and_then(Value::as_str)
                    .is_some_and(hides_value_of)
            });
            let no_echo = matches!(map.get("NoEcho"), Some(Value::Bool(true)))
                || map.get("NoEcho").and_then(Value::as_str) == Some("true");
            for (key, field) in map.iter_mut() {
                let value_of_secret = VALUE_KEYS.contains(&key.as_str())
                    && (hide >= Hide::Named || named || (key == "Default" && no_echo));
                let by_key = if value_of_secret || hides_value_of(key) {
                    Hide::Named
                } else {
                    Hide::Nothing
                };
                redact_below(field, inside.max(by_key));
            }
        }
        Value::Array(items) => {
            redact_command(items, Value::as_str, || Value::from(REDACTED));
            items.iter_mut().for_each(|item| redact_below(item, hide));
        }
        Value::String(s) => {
            let secret = match hide {
                Hide::Nothing => check_text(s).is_some(),
                Hide::Named => !is_not_literal(s),
                Hide::All => true,
            };
            if secret {
                *value = Value::from(REDACTED);
            }
        }
        Value::Number(_) if hide != Hide::Nothing => *value = Value::from(REDACTED),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wildcards_in_create_only_pointers_match_any_index_or_key() {
        let tags = |k: &str, v: &str| json!({"Tags": [{"Key": "x", "Value": "1"}, {"Key": k, "Value": v}]});
        let (a, b) = (tags("a", "1"), tags("b", "1"));
        assert_ne!(values_at(&a, "/Tags/*/Key"), values_at(&b, "/Tags/*/Key"));
        assert_ne!(values_at(&a, "/Tags/1"), values_at(&b, "/Tags/1"));
        assert_eq!(
            values_at(&a, "/Tags/*/Value"),
            values_at(&b, "/Tags/*/Value")
        );
        assert_eq!(values_at(&a, "/Tags/0"), values_at(&b, "/Tags/0"));
        // A property set where it was absent changes it; two absent ones are equal.
        let bare = json!({});
        assert_ne!(
            values_at(&bare, "/Tags/*/Key"),
            values_at(&a, "/Tags/*/Key")
        );
        assert_eq!(
            values_at(&Value::Null, "/Tags/*/Key"),
            values_at(&bare, "/Tags/*/Key")
        );
        // A list that becomes an object keeps its `Key`.
        let one = json!({"Tags": {"Key": "a"}});
        assert_ne!(values_at(&a, "/Tags/*/Key"), values_at(&one, "/Tags/*/Key"));
        // Escaped segments: `~1` is a `/`.
        assert_eq!(values_at(&json!({"a/b": 1}), "/a~1b"), [&json!(1)]);
        assert_eq!(pointer_path("/Tags/*/Key"), "Tags[*].Key");
    }

    #[test]
    fn a_document_without_resources_is_no_template() {
        let Value::Object(doc) = json!({"apiVersion": "v1", "Outputs": {}}) else {
            unreachable!()
        };
        assert_eq!(objects("app", doc.clone()), Err(doc));
    }

    #[test]
    fn secrets_in_commands_and_parameters_are_redacted() {
        let mut task = json!({"Type": "AWS::ECS::TaskDefinition", "Properties": {
            "ContainerDefinitions": [{"Name": "app", "Command": ["--password", "pw", "-v"],
                "Environment": [{"Name": "PGPASS", "Value": "pw"}, {"Name": "LOG", "Value": "info"}]}]}});
        let key = ObjectKey::Resource {
            stack: "app".into(),
            logical_id: "Task".into(),
            resource_type: "AWS::ECS::TaskDefinition".into(),
        };
        redact(&key, &mut task);
        let app = &task["Properties"]["ContainerDefinitions"][0];
        assert_eq!(app["Command"], json!(["--password", REDACTED, "-v"]));
        assert_eq!(app["Environment"][0]["Value"], REDACTED);
        assert_eq!(app["Environment"][1]["Value"], "info");
    }
}

#[cfg(test)]
mod live_tests {
    use super::*;

    #[test]
    fn a_change_set_replacement_is_destructive_only_with_something_at_stake() {
        let bucket = Risk::ChangeSetReplacement {
            certain: true,
            causes: vec!["BucketName".to_owned()],
            stake: stake("AWS::S3::Bucket"),
        };
        assert!(bucket.is_destructive());
        assert_eq!(
            bucket.to_string(),
            "CloudFormation replaces the bucket (property BucketName)"
        );
        let topic = Risk::ChangeSetReplacement {
            certain: false,
            causes: vec!["A".to_owned(), "B".to_owned()],
            stake: None,
        };
        assert!(!topic.is_destructive());
        assert_eq!(
            topic.to_string(),
            "CloudFormation may replace the resource (properties A, B)"
        );
    }

    #[test]
    fn drift_is_a_warning_that_never_shows_a_secret() {
        let drift = Risk::Drifted {
            status: "MODIFIED".to_owned(),
            differences: vec![
                PropertyDrift::new("/VisibilityTimeout", Some("30"), Some("60")),
                PropertyDrift::new(
                    "/MasterUserPassword",
                    Some("\"a\""),
                    Some("\"hunter2hunter2\""),
                ),
                PropertyDrift::new("/Tags/0/Value", None, Some("\"x\"")),
            ],
        };
        assert!(!drift.is_destructive());
        let shown = drift.to_string();
        assert_eq!(
            shown,
            "drifted: changed outside CloudFormation: VisibilityTimeout: expected 30, actual 60; \
             MasterUserPassword: expected \"<redacted>\", actual \"<redacted>\"; \
             Tags.0.Value: expected (absent), actual \"x\""
        );
        assert!(!shown.contains("hunter2"));
        let gone = Risk::Drifted {
            status: "DELETED".to_owned(),
            differences: Vec::new(),
        };
        assert_eq!(
            gone.to_string(),
            "drifted: the resource was deleted outside CloudFormation"
        );
    }
}
