//! Semantic diff of two synthesized output directories, for `girder diff`.
//!
//! Objects are matched by identity, not by file or position: Kubernetes objects by
//! (apiVersion, kind, namespace, name), CloudFormation resources and outputs by
//! (stack, logical id or output name). Objects are compared within a *scope*, the
//! directory above the one holding the file (the stage: `prod` for
//! `prod/k8s/hello.yaml`), so stages never collide.
//!
//! Secret values are redacted while the report is built, so neither the data model
//! ([`FieldChange`]) nor its display ever holds them; a redacted value shows as `"<redacted>"`,
//! so that its change is still visible. Redacted are: every value under a secret-looking name
//! (an environment variable, an annotation, a ConfigMap key, a CloudFormation property or tag
//! such as `DB_PASSWORD`, `PGPASS`, `api-token`, `MasterUserPassword`, `SecretString`,
//! `AuthToken`), through lists and intrinsic functions (`Fn::Join`, `Fn::Sub`); a Secret's `data`
//! and `stringData`; the `Default` of a `NoEcho` parameter; an output with a secret-looking name;
//! and anywhere, a string that carries a credential itself (a URL with a password,
//! `--password=…`, `Password=…;`). A dynamic reference (`{{resolve:secretsmanager:…}}`) names a
//! secret without holding it and is shown.
//!
//! Each change is checked for [`Risk`]s, shown as `! destructive: …` (or `! warning: …`) lines
//! under it. The rules belong to the targets:
//!
//! * a CloudFormation resource whose replacing properties changed
//!   ([`girder_aws::replacement::replacing_properties`]: the registry's create-only properties of
//!   every generated type, and the conditionally create-only ones such as an RDS `Engine`) is
//!   replaced; destructive when something is at stake ([`girder_aws::replacement::stake`]: the
//!   type holds data, or data-holding resources are built on it like a VPC or an EKS cluster),
//!   a warning otherwise;
//! * an update the service refuses (an RDS storage shrink,
//!   [`girder_aws::replacement::refused_updates`]) fails: destructive;
//! * a CloudFormation resource with something at stake that is removed, or that reappears under
//!   another logical ID or `Type` (a removal and an addition), is deleted or replaced:
//!   destructive;
//! * a Kubernetes update the API server refuses ([`girder_k8s::immutable::update_violations`]: a
//!   workload's `spec.selector`, a StatefulSet's spec beyond its mutable fields, a
//!   PersistentVolumeClaim's spec beyond its storage request, a storage shrink, ...) makes
//!   `kubectl apply` fail, and a removed PersistentVolumeClaim, StatefulSet, Namespace or
//!   CustomResourceDefinition takes data with it ([`girder_k8s::immutable::removal_loss`]):
//!   destructive.
//!
//! ```
//! use std::collections::BTreeMap;
//!
//! let template = |encrypted: bool| {
//!     format!(r#"{{"Resources": {{"Db": {{"Type": "AWS::RDS::DBInstance",
//!         "Properties": {{"StorageEncrypted": {encrypted}}}}}}}}}"#)
//! };
//! let files = |text: String| BTreeMap::from([("prod/cfn/app.template.json".to_owned(), text)]);
//! let report = girder_synth::diff::diff(&files(template(false)), &files(template(true)))?;
//! assert_eq!(report.destructive(), 1);
//! assert_eq!(
//!     report.to_string(),
//!     "~ [prod] AWS::RDS::DBInstance app/Db\n  Properties.StorageEncrypted: false -> true\n  \
//!      ! destructive: replaces the database: property StorageEncrypted is create-only\n\
//!      0 added, 0 removed, 1 changed\n1 destructive"
//! );
//! # Ok::<(), girder_synth::diff::DiffError>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use girder_aws::replacement::{RefusedUpdate, Stake, refused_updates, replacing_properties, stake};
use girder_k8s::immutable::{Loss, Violation, removal_loss, update_violations};
use girder_k8s::quantity::Memory;
use serde_json::{Map, Value};

/// What replaces a secret value in a [`FieldChange`].
const REDACTED: &str = "<redacted>";

/// Why a diff could not be computed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiffError {
    /// A YAML file could not be parsed.
    #[error("could not parse {side} file {path} as YAML")]
    ParseYaml {
        /// Which input the file belongs to.
        side: Side,
        /// The file's relative path.
        path: String,
        /// The underlying error.
        #[source]
        source: Box<serde_saphyr::Error>,
    },
    /// A JSON file could not be parsed.
    #[error("could not parse {side} file {path} as JSON")]
    ParseJson {
        /// Which input the file belongs to.
        side: Side,
        /// The file's relative path.
        path: String,
        /// The underlying error.
        #[source]
        source: serde_json::Error,
    },
    /// The same object occurs twice in one input.
    #[error("{side} object {object} occurs in both {first} and {second}")]
    DuplicateObject {
        /// Which input holds the duplicate.
        side: Side,
        /// The duplicated object.
        object: Box<ObjectKey>,
        /// The file where it occurs first.
        first: String,
        /// The file where it occurs again.
        second: String,
    },
}

/// Which of the two inputs of [`diff`] an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The previous synthesis (`--against`).
    Old,
    /// The fresh synthesis.
    New,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Old => "old",
            Side::New => "new",
        })
    }
}

/// The identity of one compared object. Each variant's `scope` is the stage directory
/// (empty when the file's directory is the root's direct child or the root itself).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ObjectKey {
    /// A Kubernetes object.
    Kubernetes {
        /// The stage directory.
        scope: String,
        /// `apiVersion`.
        api_version: String,
        /// `kind`.
        kind: String,
        /// `metadata.namespace`, empty for cluster-scoped objects.
        namespace: String,
        /// `metadata.name`.
        name: String,
    },
    /// The sections of a CloudFormation template other than `Resources` and `Outputs`.
    CfnStack {
        /// The stage directory.
        scope: String,
        /// The stack name (the template's file stem).
        stack: String,
    },
    /// A CloudFormation resource; a change of `Type` is a removal and an addition.
    CfnResource {
        /// The stage directory.
        scope: String,
        /// The stack name.
        stack: String,
        /// The logical id.
        logical_id: String,
        /// The resource `Type`.
        resource_type: String,
    },
    /// A CloudFormation output.
    CfnOutput {
        /// The stage directory.
        scope: String,
        /// The stack name.
        stack: String,
        /// The output name.
        name: String,
    },
    /// A document that is neither a Kubernetes object nor a template, by position.
    Document {
        /// The file's relative path.
        path: String,
        /// The document's index in the file.
        index: usize,
    },
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scope = |f: &mut fmt::Formatter<'_>, s: &str| {
            if s.is_empty() {
                Ok(())
            } else {
                write!(f, "[{s}] ")
            }
        };
        match self {
            ObjectKey::Kubernetes {
                scope: s,
                api_version,
                kind,
                namespace,
                name,
            } => {
                scope(f, s)?;
                write!(f, "{api_version} {kind} ")?;
                if !namespace.is_empty() {
                    write!(f, "{namespace}/")?;
                }
                f.write_str(name)
            }
            ObjectKey::CfnStack { scope: s, stack } => {
                scope(f, s)?;
                write!(f, "Stack {stack}")
            }
            ObjectKey::CfnResource {
                scope: s,
                stack,
                logical_id,
                resource_type,
            } => {
                scope(f, s)?;
                write!(f, "{resource_type} {stack}/{logical_id}")
            }
            ObjectKey::CfnOutput {
                scope: s,
                stack,
                name,
            } => {
                scope(f, s)?;
                write!(f, "Output {stack}/{name}")
            }
            ObjectKey::Document { path, index } => write!(f, "document {path}[{index}]"),
        }
    }
}

/// One changed field of an object, with secret values already redacted.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    /// The field's path, e.g. `spec.template.spec.containers[name=app].image`.
    pub path: String,
    /// The old value, `None` when the field was absent.
    pub old: Option<Value>,
    /// The new value, `None` when the field is absent.
    pub new: Option<Value>,
}

/// One changed object.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// The object exists only in the new input.
    Added(ObjectKey),
    /// The object exists only in the old input.
    Removed(ObjectKey),
    /// The object exists in both inputs, with these differences.
    Changed(ObjectKey, Vec<FieldChange>),
}

/// Why deploying a change is dangerous; [`Risk::is_destructive`] tells whether it loses data or
/// fails.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Risk {
    /// Properties that replace a CloudFormation resource changed: CloudFormation creates a new
    /// resource and deletes the old one. Destructive when something is at stake.
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
    /// A CloudFormation resource with something at stake leaves the template: its data goes with
    /// it (or, with a `Retain` policy, stays behind unmanaged). Always destructive.
    StatefulRemoved {
        /// What is at stake.
        stake: Stake,
        /// What takes its place in the new template.
        successor: Successor,
        /// The old resource's `DeletionPolicy` (`Retain`, `Snapshot`), if it has one.
        deletion_policy: Option<String>,
    },
    /// Fields of a Kubernetes object that cannot change once it exists changed: `kubectl apply`
    /// fails, the object must be deleted and created again. Always destructive.
    ImmutableFields {
        /// The object's kind.
        kind: String,
        /// The changed fields (`spec.selector`).
        fields: Vec<String>,
    },
    /// A Kubernetes quantity that can only grow shrank (a PersistentVolumeClaim's storage):
    /// `kubectl apply` fails. Always destructive.
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
    /// A Kubernetes object whose deletion takes data with it (a PersistentVolumeClaim, a
    /// StatefulSet, a Namespace) is removed. Always destructive.
    DataRemoved {
        /// The object's kind.
        kind: String,
        /// What is lost.
        loss: Loss,
    },
}

/// What replaces a removed stateful CloudFormation resource in the new template.
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
        !matches!(self, Risk::Replacement { stake: None, .. })
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

/// The differences between two inputs, sorted by object key.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    changes: Vec<Change>,
    /// The risks of each change, by the change's index.
    risks: Vec<Vec<Risk>>,
}

impl Report {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The number of added objects.
    pub fn added(&self) -> usize {
        self.count(|c| matches!(c, Change::Added(_)))
    }

    /// The number of removed objects.
    pub fn removed(&self) -> usize {
        self.count(|c| matches!(c, Change::Removed(_)))
    }

    /// The number of changed objects.
    pub fn changed(&self) -> usize {
        self.count(|c| matches!(c, Change::Changed(..)))
    }

    /// The number of changes with a destructive [`Risk`]: they replace or delete stateful data,
    /// or break an immutable field.
    pub fn destructive(&self) -> usize {
        self.risks
            .iter()
            .filter(|risks| risks.iter().any(Risk::is_destructive))
            .count()
    }

    /// The changes, sorted by object key.
    pub fn iter(&self) -> std::slice::Iter<'_, Change> {
        self.changes.iter()
    }

    /// Every risk with its change, in the order of the changes.
    pub fn risks(&self) -> impl Iterator<Item = (&Change, &Risk)> {
        self.changes
            .iter()
            .zip(&self.risks)
            .flat_map(|(change, risks)| risks.iter().map(move |risk| (change, risk)))
    }

    fn count(&self, pred: impl Fn(&Change) -> bool) -> usize {
        self.changes.iter().filter(|c| pred(c)).count()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<Value>| v.as_ref().map_or("(absent)".to_owned(), Value::to_string);
        for (change, risks) in self.changes.iter().zip(&self.risks) {
            match change {
                Change::Added(key) => writeln!(f, "+ {key}")?,
                Change::Removed(key) => writeln!(f, "- {key}")?,
                Change::Changed(key, fields) => {
                    writeln!(f, "~ {key}")?;
                    for fc in fields {
                        writeln!(f, "  {}: {} -> {}", fc.path, show(&fc.old), show(&fc.new))?;
                    }
                }
            }
            for risk in risks {
                let label = if risk.is_destructive() {
                    "destructive"
                } else {
                    "warning"
                };
                writeln!(f, "  ! {label}: {risk}")?;
            }
        }
        if self.is_empty() {
            write!(f, "no changes")
        } else {
            let (a, r, c) = (self.added(), self.removed(), self.changed());
            write!(f, "{a} added, {r} removed, {c} changed")?;
            match self.destructive() {
                0 => Ok(()),
                d => write!(f, "\n{d} destructive"),
            }
        }
    }
}

/// Compares two sets of files (relative `/`-separated path to content) object by object.
pub fn diff(
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<Report, DiffError> {
    let old = objects(old, Side::Old)?;
    let new = objects(new, Side::New)?;
    let keys: BTreeSet<&ObjectKey> = old.keys().chain(new.keys()).collect();
    let (mut changes, mut risks) = (Vec::new(), Vec::new());
    for key in keys {
        match (old.get(key), new.get(key)) {
            (Some((_, a)), Some((_, b))) => {
                let secret_kind =
                    matches!(key, ObjectKey::Kubernetes { kind, .. } if kind == "Secret");
                let watch = Watch::of(key);
                let patterns = watch.as_ref().map_or(&[][..], |w| &w.patterns[..]);
                let mut differ = Differ {
                    secret_kind,
                    out: Vec::new(),
                    patterns,
                    hits: vec![false; patterns.len()],
                };
                differ.walk(&mut Vec::new(), Some(a), Some(b), root_hide(key));
                if !differ.out.is_empty() {
                    let mut found: Vec<Risk> = watch
                        .as_ref()
                        .and_then(|w| w.risk(&differ.hits))
                        .into_iter()
                        .collect();
                    found.extend(update_risks(key, a, b));
                    risks.push(found);
                    changes.push(Change::Changed(key.clone(), differ.out));
                }
            }
            (Some(_), None) => {
                risks.push(removal_risk(key, &old, &new).into_iter().collect());
                changes.push(Change::Removed(key.clone()));
            }
            (None, _) => {
                risks.push(Vec::new());
                changes.push(Change::Added(key.clone()));
            }
        }
    }
    Ok(Report { changes, risks })
}

/// The risks of updating `key` from `old` to `new` that the target's rules find beyond the
/// replacing properties: updates the service or the API server refuses.
fn update_risks(key: &ObjectKey, old: &Value, new: &Value) -> Vec<Risk> {
    match key {
        ObjectKey::CfnResource { resource_type, .. } => {
            refused_updates(resource_type, &old["Properties"], &new["Properties"])
                .into_iter()
                .map(Risk::RefusedUpdate)
                .collect()
        }
        ObjectKey::Kubernetes {
            api_version, kind, ..
        } => {
            let mut fields = Vec::new();
            let mut shrinks = Vec::new();
            for violation in update_violations(api_version, kind, old, new) {
                match violation {
                    Violation::Immutable { field } => fields.push(field),
                    Violation::Shrinks {
                        field,
                        old: from,
                        new: to,
                    } => shrinks.push(Risk::Shrinks {
                        kind: kind.clone(),
                        field,
                        old: from,
                        new: to,
                    }),
                    // A rule the report does not know yet still blocks the update.
                    other => fields.push(other.field().to_owned()),
                }
            }
            let immutable = (!fields.is_empty()).then(|| Risk::ImmutableFields {
                kind: kind.clone(),
                fields,
            });
            immutable.into_iter().chain(shrinks).collect()
        }
        _ => Vec::new(),
    }
}

/// The CloudFormation properties of one resource whose change replaces it.
struct Watch {
    /// What replacing the resource loses.
    stake: Option<Stake>,
    /// The properties' JSON pointers below `Properties`, for the report.
    fields: Vec<&'static str>,
    /// The properties' paths from the resource root, `*` matching any key or index.
    patterns: Vec<Vec<String>>,
}

impl Watch {
    /// The replacing properties of `key`, when it is a CloudFormation resource with any.
    fn of(key: &ObjectKey) -> Option<Watch> {
        let ObjectKey::CfnResource { resource_type, .. } = key else {
            return None;
        };
        let fields: Vec<&'static str> = replacing_properties(resource_type).collect();
        if fields.is_empty() {
            return None;
        }
        let patterns = fields
            .iter()
            .map(|p| {
                let segs = p.split('/').skip(1);
                std::iter::once("Properties".to_owned())
                    .chain(segs.map(|s| s.replace("~1", "/").replace("~0", "~")))
                    .collect()
            })
            .collect();
        Some(Watch {
            stake: stake(resource_type),
            fields,
            patterns,
        })
    }

    /// The risk of the properties `hits` marks as changed, if any.
    fn risk(&self, hits: &[bool]) -> Option<Risk> {
        let properties: Vec<&'static str> = self
            .fields
            .iter()
            .zip(hits)
            .filter_map(|(field, hit)| hit.then_some(*field))
            .collect();
        (!properties.is_empty()).then_some(Risk::Replacement {
            properties,
            stake: self.stake,
        })
    }
}

/// The risk of removing `key`, given both inputs.
fn removal_risk(key: &ObjectKey, old: &Objects, new: &Objects) -> Option<Risk> {
    match key {
        ObjectKey::CfnResource {
            scope,
            stack,
            logical_id,
            resource_type,
        } => {
            let stake = stake(resource_type)?;
            let mut retyped = None;
            let mut renamed = Vec::new();
            for k in new.keys() {
                let ObjectKey::CfnResource {
                    scope: s,
                    stack: t,
                    logical_id: id,
                    resource_type: ty,
                } = k
                else {
                    continue;
                };
                if s != scope || t != stack {
                    continue;
                }
                if id == logical_id {
                    retyped = Some(ty.clone());
                } else if ty == resource_type && !old.contains_key(k) {
                    renamed.push(id.clone());
                }
            }
            let successor = match (retyped, &mut renamed[..]) {
                (Some(t), _) => Successor::Type(t),
                (None, [id]) => Successor::LogicalId(std::mem::take(id)),
                (None, _) => Successor::Nothing,
            };
            let deletion_policy = old
                .get(key)
                .and_then(|(_, res)| res["DeletionPolicy"].as_str())
                .map(str::to_owned);
            Some(Risk::StatefulRemoved {
                stake,
                successor,
                deletion_policy,
            })
        }
        ObjectKey::Kubernetes {
            api_version, kind, ..
        } => removal_loss(api_version, kind).map(|loss| Risk::DataRemoved {
            kind: kind.clone(),
            loss,
        }),
        _ => None,
    }
}

type Objects = BTreeMap<ObjectKey, (String, Value)>;

/// Parses every file and indexes its objects by key.
fn objects(files: &BTreeMap<String, String>, side: Side) -> Result<Objects, DiffError> {
    let mut out = Objects::new();
    for (path, text) in files {
        let docs: Vec<Value> = if path.ends_with(".json") {
            let doc = serde_json::from_str(text).map_err(|source| DiffError::ParseJson {
                side,
                path: path.clone(),
                source,
            })?;
            vec![doc]
        } else {
            serde_saphyr::from_multiple(text).map_err(|source| DiffError::ParseYaml {
                side,
                path: path.clone(),
                source: Box::new(source),
            })?
        };
        let (dirs, file) = path.rsplit_once('/').unwrap_or(("", path));
        let scope = dirs.rsplit_once('/').map_or("", |(s, _)| s).to_owned();
        let mut insert = |key: ObjectKey, value: Value| match out.get(&key) {
            Some((first, _)) => Err(DiffError::DuplicateObject {
                side,
                object: Box::new(key),
                first: first.clone(),
                second: path.clone(),
            }),
            None => {
                out.insert(key, (path.clone(), value));
                Ok(())
            }
        };
        for (index, doc) in docs.into_iter().enumerate() {
            let Value::Object(mut map) = doc else {
                insert(
                    ObjectKey::Document {
                        path: path.clone(),
                        index,
                    },
                    doc,
                )?;
                continue;
            };
            if let Some(Value::Object(resources)) = map.remove("Resources") {
                let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
                let stack = stem.strip_suffix(".template").unwrap_or(stem).to_owned();
                for (logical_id, res) in resources {
                    let resource_type = res["Type"].as_str().unwrap_or_default().to_owned();
                    let (scope, stack) = (scope.clone(), stack.clone());
                    insert(
                        ObjectKey::CfnResource {
                            scope,
                            stack,
                            logical_id,
                            resource_type,
                        },
                        res,
                    )?;
                }
                if let Some(Value::Object(outputs)) = map.remove("Outputs") {
                    for (name, output) in outputs {
                        let (scope, stack) = (scope.clone(), stack.clone());
                        insert(ObjectKey::CfnOutput { scope, stack, name }, output)?;
                    }
                }
                insert(
                    ObjectKey::CfnStack {
                        scope: scope.clone(),
                        stack,
                    },
                    Value::Object(map),
                )?;
                continue;
            }
            let doc = Value::Object(map);
            let s = |v: &Value| v.as_str().map(str::to_owned);
            let key = match (
                s(&doc["apiVersion"]),
                s(&doc["kind"]),
                s(&doc["metadata"]["name"]),
            ) {
                (Some(api_version), Some(kind), Some(name)) => ObjectKey::Kubernetes {
                    scope: scope.clone(),
                    api_version,
                    kind,
                    namespace: s(&doc["metadata"]["namespace"]).unwrap_or_default(),
                    name,
                },
                _ => ObjectKey::Document {
                    path: path.clone(),
                    index,
                },
            };
            insert(key, doc)?;
        }
    }
    Ok(out)
}

/// One step of a field path.
enum Seg {
    Key(String),
    Index(usize),
    Name(String),
}

fn render(path: &[Seg]) -> String {
    let quote = |k: &str| {
        let plain = !k.is_empty() && !k.contains(['.', '/', '[', ']', '"', '=', ' ']);
        if plain {
            k.to_owned()
        } else {
            Value::from(k).to_string()
        }
    };
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) if quote(k) != *k => out += &format!("[{}]", quote(k)),
            Seg::Key(k) if out.is_empty() => out += k,
            Seg::Key(k) => out += &format!(".{k}"),
            Seg::Index(i) => out += &format!("[{i}]"),
            Seg::Name(n) => out += &format!("[name={}]", quote(n)),
        }
    }
    out
}

/// Elements by name, when every element is an object with a distinct string `name`.
fn by_name(items: &[Value]) -> Option<BTreeMap<&str, &Value>> {
    let named: BTreeMap<&str, &Value> = items
        .iter()
        .map(|v| Some((v.get("name")?.as_str()?, v)))
        .collect::<Option<_>>()?;
    (named.len() == items.len()).then_some(named)
}

struct Differ<'a> {
    /// Whether the object is a Kubernetes Secret, whose `data` and `stringData` are secret.
    secret_kind: bool,
    out: Vec<FieldChange>,
    /// The replacing properties ([`Watch::patterns`]) of the object.
    patterns: &'a [Vec<String>],
    /// Which of `patterns` a recorded difference touches.
    hits: Vec<bool>,
}

/// How much of a value the report hides; a value is hidden as much as the most that applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Hide {
    /// Nothing but strings that carry a credential themselves (a URL with a password).
    Nothing,
    /// The value sits under a secret-looking name: its numbers and strings, through lists and
    /// intrinsic functions, are hidden (a string that is only dynamic references is shown); a
    /// plain object below it is judged key by key, its `value` and `Default` staying hidden.
    Named,
    /// The value is derived from a secret (a Secret's data, the insides of an intrinsic function
    /// under a secret-looking name): every number and string below it is hidden.
    All,
}

/// How an object's value is hidden from its root: an output with a secret-looking name whole.
fn root_hide(key: &ObjectKey) -> Hide {
    match key {
        ObjectKey::CfnOutput { name, .. } if secret_name(name) => Hide::Named,
        _ => Hide::Nothing,
    }
}

/// Keys whose value is the value of the object around them: an environment variable's `value`,
/// a tag's or a parameter's `Value`, a parameter's `Default`.
const VALUE_KEYS: &[&str] = &["value", "Value", "Values", "Default"];

/// The last words of names that refer to a secret without holding it (`secretKeyRef`,
/// `SecretArn`, `KmsKeyId`, `DB_PASSWORD_FILE`) or describe it (`PasswordLength`).
const REFERENCE_WORDS: &[&str] = &[
    "ref", "refs", "name", "names", "arn", "arns", "id", "ids", "selector", "file", "path", "kind",
    "type", "version", "length", "seconds", "enabled",
];

/// Words that make a name secret-looking when a word of the name ends with one (`PGPASS`,
/// `dbPassword`, `clientSecret`, `GITHUB_TOKEN`, `sentry-dsn`).
const SECRET_ENDINGS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "pass",
    "pwd",
    "secret",
    "secrets",
    "token",
    "tokens",
    "credential",
    "credentials",
    "apikey",
    "privatekey",
    "dsn",
];

/// The lowercase words of a name: `DB_PASSWORD` → `db`, `password`; `masterUserPassword` →
/// `master`, `user`, `password`; `DBPassword` → `db`, `password`; `api-token` → `api`, `token`.
fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            out.extend((!word.is_empty()).then(|| std::mem::take(&mut word)));
            continue;
        }
        let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
        let next = chars.get(i + 1).copied();
        let boundary = c.is_uppercase()
            && prev.is_some_and(|p| {
                p.is_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_uppercase() && next.is_some_and(char::is_lowercase))
            });
        if boundary && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        word.extend(c.to_lowercase());
    }
    out.extend((!word.is_empty()).then_some(word));
    out
}

/// Whether a name (an environment variable, a key, a property, an annotation) looks like it holds
/// a secret: a word ends with a [`SECRET_ENDINGS`] entry, the last word is `auth`, or `key`
/// follows another word (`API_KEY`, `sshKey`) — unless the last word makes it a reference
/// ([`REFERENCE_WORDS`]).
fn secret_name(name: &str) -> bool {
    let words = words(name);
    let Some(last) = words.last() else {
        return false;
    };
    if REFERENCE_WORDS.contains(&last.as_str()) {
        return false;
    }
    last == "auth"
        || words
            .iter()
            .enumerate()
            .any(|(i, w)| SECRET_ENDINGS.iter().any(|e| w.ends_with(e)) || (i > 0 && w == "key"))
}

/// `s` without its CloudFormation dynamic references (`{{resolve:secretsmanager:…}}`,
/// `{{resolve:ssm-secure:…}}`), which name a secret without holding it.
fn without_references(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("{{resolve:") {
        out.push_str(&rest[..start]);
        match rest[start..].find("}}") {
            Some(end) => rest = &rest[start + end + 2..],
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether a URL in `s` carries a password (`postgres://app:hunter2@db/orders`).
fn url_with_password(s: &str) -> bool {
    s.match_indices("://").any(|(i, _)| {
        let rest = &s[i + 3..];
        let authority = rest
            .split(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
            .next()
            .unwrap_or_default();
        authority
            .rsplit_once('@')
            .and_then(|(userinfo, _)| userinfo.split_once(':'))
            .is_some_and(|(_, password)| !password.is_empty())
    })
}

/// Whether `s` assigns a value to a secret-looking name (`--db-password=hunter2`,
/// `Password=hunter2;`, `"token": "abc"`, `api_key: abc`).
fn assigns_secret(s: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '.');
    s.match_indices([':', '=']).any(|(i, _)| {
        let before = s[..i].trim_end_matches([' ', '\t']);
        let before = before.trim_end_matches(['"', '\'']);
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !ident(*c))
            .map_or(0, |(j, c)| j + c.len_utf8());
        let name = before[start..].trim_start_matches('-');
        let value = s[i + 1..].trim_start_matches([' ', '\t']);
        let value = value.trim_start_matches(['"', '\'']);
        secret_name(name)
            && value
                .chars()
                .next()
                .is_some_and(|c| !c.is_whitespace() && !matches!(c, ',' | ';' | '&' | '}' | ']'))
    })
}

/// Whether a string carries a credential whatever its name: a URL with a password or an
/// assignment to a secret-looking name. ARNs (which name secrets) and dynamic references are
/// not credentials.
fn carries_credential(s: &str) -> bool {
    if s.starts_with("arn:") {
        return false;
    }
    let s = without_references(s);
    url_with_password(&s) || assigns_secret(&s)
}

/// Whether the scalar `value`, hidden as `hide` says, must not be shown. Booleans and nulls
/// never hold a secret.
fn conceal(value: &Value, hide: Hide) -> bool {
    match value {
        Value::String(s) => match hide {
            Hide::Nothing => carries_credential(s),
            Hide::Named => !without_references(s).trim().is_empty(),
            Hide::All => true,
        },
        Value::Number(_) => hide != Hide::Nothing,
        _ => false,
    }
}

/// How the insides of the object `map`, itself hidden as `hide`, are hidden before looking at
/// their keys: an intrinsic function (`{"Fn::Join": …}`) under a secret-looking name is derived
/// from the secret whole; a plain object is judged key by key.
fn enter(hide: Hide, map: &Map<String, Value>) -> Hide {
    let intrinsic = map.len() == 1 && map.keys().all(|k| k == "Ref" || k.starts_with("Fn::"));
    match hide {
        Hide::All => Hide::All,
        Hide::Named if intrinsic => Hide::All,
        _ => Hide::Nothing,
    }
}

/// Whether the path segment `seg` matches the pattern segment `pat` (`*` matches any).
fn seg_matches(seg: &Seg, pat: &str) -> bool {
    pat == "*"
        || match seg {
            Seg::Key(k) => k == pat,
            Seg::Index(i) => pat.parse() == Ok(*i),
            Seg::Name(_) => false,
        }
}

/// The values at `pattern` below `value`, `*` taking every element or entry.
fn values_at<'v>(value: Option<&'v Value>, pattern: &[String], out: &mut Vec<&'v Value>) {
    let Some(value) = value else { return };
    let Some((first, rest)) = pattern.split_first() else {
        out.push(value);
        return;
    };
    match (value, first.as_str()) {
        (Value::Object(map), "*") => map.values().for_each(|v| values_at(Some(v), rest, out)),
        (Value::Array(items), "*") => items.iter().for_each(|v| values_at(Some(v), rest, out)),
        (Value::Object(map), key) => values_at(map.get(key), rest, out),
        (Value::Array(items), index) => {
            values_at(
                index.parse().ok().and_then(|i: usize| items.get(i)),
                rest,
                out,
            );
        }
        _ => {}
    }
}

/// Whether the difference between `old` and `new` at `path` changes the field at `pattern`: the
/// path lies inside the field, or above it with different values at the field.
fn touches(path: &[Seg], pattern: &[String], old: Option<&Value>, new: Option<&Value>) -> bool {
    let common = path.len().min(pattern.len());
    if !path[..common]
        .iter()
        .zip(&pattern[..common])
        .all(|(seg, pat)| seg_matches(seg, pat))
    {
        return false;
    }
    let rest = &pattern[common..];
    if rest.is_empty() {
        return true;
    }
    let (mut a, mut b) = (Vec::new(), Vec::new());
    values_at(old, rest, &mut a);
    values_at(new, rest, &mut b);
    a != b
}

impl Differ<'_> {
    /// How the value under `key` of `map` is hidden by its key alone; `hide` is how `map` itself
    /// is hidden, `top` whether `map` is the object root.
    fn key_hide(&self, hide: Hide, top: bool, key: &str, map: &Map<String, Value>) -> Hide {
        if self.secret_kind && top && (key == "data" || key == "stringData") {
            return Hide::All;
        }
        let named = ["name", "Name", "key", "Key"]
            .iter()
            .find_map(|n| map.get(*n)?.as_str());
        let no_echo = matches!(map.get("NoEcho"), Some(Value::Bool(true)))
            || map.get("NoEcho").and_then(Value::as_str) == Some("true");
        let value_of_secret = VALUE_KEYS.contains(&key)
            && (hide >= Hide::Named
                || named.is_some_and(secret_name)
                || (key == "Default" && no_echo));
        if value_of_secret || secret_name(key) {
            Hide::Named
        } else {
            Hide::Nothing
        }
    }

    /// Records the differences between `old` and `new` at `path`, hidden as `hide` says.
    fn walk(&mut self, path: &mut Vec<Seg>, old: Option<&Value>, new: Option<&Value>, hide: Hide) {
        match (old, new) {
            _ if old == new => {}
            (Some(Value::Object(a)), Some(Value::Object(b))) => {
                let top = path.is_empty();
                let inside = enter(hide, a).max(enter(hide, b));
                for k in a.keys().chain(b.keys()).collect::<BTreeSet<_>>() {
                    let h = inside
                        .max(self.key_hide(hide, top, k, a))
                        .max(self.key_hide(hide, top, k, b));
                    path.push(Seg::Key(k.clone()));
                    self.walk(path, a.get(k), b.get(k), h);
                    path.pop();
                }
            }
            (Some(Value::Array(a)), Some(Value::Array(b))) => match (by_name(a), by_name(b)) {
                (Some(na), Some(nb)) => {
                    for n in na.keys().chain(nb.keys()).collect::<BTreeSet<_>>() {
                        path.push(Seg::Name((*n).to_owned()));
                        self.walk(path, na.get(n).copied(), nb.get(n).copied(), hide);
                        path.pop();
                    }
                }
                _ => {
                    for i in 0..a.len().max(b.len()) {
                        path.push(Seg::Index(i));
                        self.walk(path, a.get(i), b.get(i), hide);
                        path.pop();
                    }
                }
            },
            _ => {
                for (hit, pattern) in self.hits.iter_mut().zip(self.patterns) {
                    *hit = *hit || touches(path, pattern, old, new);
                }
                let (old, new) = (
                    old.map(|v| self.scrub(v, hide)),
                    new.map(|v| self.scrub(v, hide)),
                );
                self.out.push(FieldChange {
                    path: render(path),
                    old,
                    new,
                });
            }
        }
    }

    /// A copy of `value` (never an object root) with every secret scalar redacted.
    fn scrub(&self, value: &Value, hide: Hide) -> Value {
        match value {
            Value::Object(m) => {
                let inside = enter(hide, m);
                Value::Object(
                    m.iter()
                        .map(|(k, v)| {
                            let h = inside.max(self.key_hide(hide, false, k, m));
                            (k.clone(), self.scrub(v, h))
                        })
                        .collect(),
                )
            }
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.scrub(v, hide)).collect())
            }
            scalar if conceal(scalar, hide) => Value::from(REDACTED),
            other => other.clone(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn files(entries: &[(&str, &str)]) -> BTreeMap<String, String> {
        entries
            .iter()
            .map(|(p, c)| (p.to_string(), c.to_string()))
            .collect()
    }

    fn deploy(image: &str, password: &str) -> String {
        format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: hello\n  \
             labels:\n    app.kubernetes.io/name: api\nspec:\n  replicas: 2\n  template:\n    spec:\n      \
             containers:\n        - name: app\n          image: {image}\n          env:\n            \
             - name: LOG\n              value: info\n            - name: DB_PASSWORD\n              \
             value: {password}\n"
        )
    }

    const SVC: &str =
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  namespace: hello\n";
    const NS: &str = "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: hello\n";

    fn only_fields(report: &Report) -> &[FieldChange] {
        match report.iter().collect::<Vec<_>>()[..] {
            [Change::Changed(_, fields)] => fields,
            _ => panic!("expected one changed object, got {report:?}"),
        }
    }

    #[test]
    fn equal_inputs_give_empty_report() {
        let a = files(&[(
            "prod/k8s/hello.yaml",
            &format!("{}{SVC}", deploy("a:1", "x")),
        )]);
        let report = diff(&a, &a).unwrap();
        assert!(report.is_empty());
        assert_eq!(report.to_string(), "no changes");
    }

    #[test]
    fn reordering_and_moving_between_files_is_no_change() {
        let old = files(&[
            (
                "prod/k8s/hello.yaml",
                &format!("{}{SVC}", deploy("a:1", "x")),
            ),
            ("prod/k8s/_cluster.yaml", NS),
        ]);
        let new = files(&[
            ("prod/k8s/hello.yaml", SVC),
            (
                "prod/k8s/other.yaml",
                &format!("{NS}{}", deploy("a:1", "x")),
            ),
        ]);
        assert!(diff(&old, &new).unwrap().is_empty());
    }

    #[test]
    fn stages_are_separate_scopes() {
        let old = files(&[("prod/k8s/a.yaml", SVC), ("dev/k8s/a.yaml", SVC)]);
        let new = files(&[("prod/k8s/a.yaml", SVC)]);
        assert_eq!(
            diff(&old, &new).unwrap().to_string(),
            "- [dev] v1 Service hello/api\n0 added, 1 removed, 0 changed"
        );
    }

    #[test]
    fn image_change_is_reported_by_container_name() {
        let old = files(&[("k8s/hello.yaml", &deploy("api:1", "x"))]);
        let new = files(&[(
            "k8s/hello.yaml",
            &deploy("api:2", "x").replace("replicas: 2", "replicas: 3"),
        )]);
        let report = diff(&old, &new).unwrap();
        assert_eq!(
            report.to_string(),
            "~ apps/v1 Deployment hello/api\n  spec.replicas: 2 -> 3\n  \
             spec.template.spec.containers[name=app].image: \"api:1\" -> \"api:2\"\n0 added, 0 removed, 1 changed"
        );
    }

    #[test]
    fn env_matched_by_name_and_secret_env_redacted() {
        let old = files(&[("k8s/hello.yaml", &deploy("api:1", "hunter2"))]);
        let new_text = deploy("api:1", "swordfish")
            .replace("            - name: LOG\n              value: info\n", "");
        let new_text =
            new_text.replace("app.kubernetes.io/name: api", "app.kubernetes.io/name: web");
        let report = diff(&old, &files(&[("k8s/hello.yaml", &new_text)])).unwrap();
        let fields = only_fields(&report);
        let paths: Vec<_> = fields.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "metadata.labels[\"app.kubernetes.io/name\"]",
                "spec.template.spec.containers[name=app].env[name=DB_PASSWORD].value",
                "spec.template.spec.containers[name=app].env[name=LOG]",
            ]
        );
        assert_eq!(fields[1].old, Some(Value::from(REDACTED)));
        assert_eq!(fields[2].new, None);
        let shown = report.to_string();
        assert!(
            !shown.contains("hunter2") && !shown.contains("swordfish"),
            "{shown}"
        );
    }

    #[test]
    fn added_and_removed_objects() {
        let old = files(&[("k8s/a.yaml", &format!("{NS}{SVC}"))]);
        let new = files(&[("k8s/a.yaml", &format!("{NS}{}", deploy("a:1", "x")))]);
        let report = diff(&old, &new).unwrap();
        assert_eq!(
            (report.added(), report.removed(), report.changed()),
            (1, 1, 0)
        );
        assert_eq!(
            report.to_string(),
            "+ apps/v1 Deployment hello/api\n- v1 Service hello/api\n1 added, 1 removed, 0 changed"
        );
    }

    #[test]
    fn secret_data_is_redacted() {
        let secret = |v: &str| {
            format!(
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  pw: {v}\nstringData:\n  {{}}\n"
            )
        };
        let report = diff(
            &files(&[("k8s/s.yaml", &secret("c2VjcmV0"))]),
            &files(&[("k8s/s.yaml", &secret("bmV3"))]),
        )
        .unwrap();
        assert_eq!(
            report.to_string(),
            "~ v1 Secret db\n  data.pw: \"<redacted>\" -> \"<redacted>\"\n0 added, 0 removed, 1 changed"
        );
        let added = secret("x").replace("stringData:\n  {}", "stringData:\n  token: abc");
        let report = diff(
            &files(&[("k8s/s.yaml", &secret("x"))]),
            &files(&[("k8s/s.yaml", &added)]),
        )
        .unwrap();
        assert!(!report.to_string().contains("abc"), "{report}");
    }

    #[test]
    fn cloudformation_resources_and_outputs() {
        let tpl = |size: u32, extra: &str| {
            format!(
                r#"{{"Resources": {{"Db": {{"Type": "AWS::RDS::DBInstance", "Properties": {{"AllocatedStorage": {size},
                "MasterUserPassword": "p{size}"}}}}{extra}}}, "Outputs": {{"Url": {{"Value": "u{size}"}}}}}}"#
            )
        };
        let old = files(&[("prod/cfn/app.template.json", &tpl(20, ""))]);
        let new = files(&[(
            "prod/cfn/app.template.json",
            &tpl(30, r#", "Logs": {"Type": "AWS::S3::Bucket"}"#),
        )]);
        let report = diff(&old, &new).unwrap();
        assert_eq!(
            report.to_string(),
            "~ [prod] AWS::RDS::DBInstance app/Db\n  Properties.AllocatedStorage: 20 -> 30\n  \
             Properties.MasterUserPassword: \"<redacted>\" -> \"<redacted>\"\n\
             + [prod] AWS::S3::Bucket app/Logs\n~ [prod] Output app/Url\n  Value: \"u20\" -> \"u30\"\n\
             1 added, 0 removed, 2 changed"
        );
    }

    /// A template with the resources `"Id": {"Type": .., "Properties": ..}` of `resources`.
    fn template(resources: &[(&str, &str, &str)]) -> BTreeMap<String, String> {
        let body: Vec<String> = resources
            .iter()
            .map(|(id, ty, props)| format!(r#""{id}": {{"Type": "{ty}", "Properties": {props}}}"#))
            .collect();
        files(&[(
            "prod/cfn/data.template.json",
            &format!(r#"{{"Resources": {{{}}}}}"#, body.join(", ")),
        )])
    }

    fn risks(report: &Report) -> Vec<(bool, String)> {
        report
            .risks()
            .map(|(_, r)| (r.is_destructive(), r.to_string()))
            .collect()
    }

    #[test]
    fn registry_knows_the_create_only_properties_used_below() {
        let db = girder_aws::registry::create_only("AWS::RDS::DBInstance").unwrap();
        assert!(db.contains(&"/StorageEncrypted") && db.contains(&"/DBInstanceIdentifier"));
        assert!(!db.contains(&"/AllocatedStorage"));
        let queue = girder_aws::registry::create_only("AWS::SQS::Queue").unwrap();
        assert!(queue.contains(&"/QueueName") && !queue.contains(&"/VisibilityTimeout"));
        assert_eq!(girder_aws::replacement::stake("AWS::SQS::Queue"), None);
    }

    #[test]
    fn create_only_change_of_a_database_is_destructive() {
        let db = |props: &str| template(&[("Db", "AWS::RDS::DBInstance", props)]);
        let old = db(r#"{"AllocatedStorage": "20", "StorageEncrypted": false, "DBName": "a"}"#);
        let new = db(r#"{"AllocatedStorage": "20", "StorageEncrypted": true, "DBName": "b"}"#);
        let report = diff(&old, &new).unwrap();
        assert_eq!(report.destructive(), 1);
        assert_eq!(
            report.to_string(),
            "~ [prod] AWS::RDS::DBInstance data/Db\n  Properties.DBName: \"a\" -> \"b\"\n  \
             Properties.StorageEncrypted: false -> true\n  \
             ! destructive: replaces the database: properties DBName, StorageEncrypted are create-only\n\
             0 added, 0 removed, 1 changed\n1 destructive"
        );
        let Some((Change::Changed(..), Risk::Replacement { properties, .. })) =
            report.risks().next()
        else {
            panic!("{report:?}")
        };
        assert_eq!(properties, &["/DBName", "/StorageEncrypted"]);

        // Setting a create-only property that was absent replaces it too.
        let report = diff(&db("{}"), &db(r#"{"DBInstanceIdentifier": "orders"}"#)).unwrap();
        assert_eq!(
            risks(&report),
            [(
                true,
                "replaces the database: property DBInstanceIdentifier is create-only".to_owned()
            )]
        );
        // ... and so does adding the whole `Properties` object.
        let bare = files(&[(
            "prod/cfn/data.template.json",
            r#"{"Resources": {"Db": {"Type": "AWS::RDS::DBInstance"}}}"#,
        )]);
        let report = diff(&bare, &db(r#"{"StorageEncrypted": true}"#)).unwrap();
        assert_eq!(report.destructive(), 1, "{report}");
    }

    #[test]
    fn update_in_place_of_a_database_is_not_destructive() {
        let db = |size: &str, extra: &str| {
            template(&[(
                "Db",
                "AWS::RDS::DBInstance",
                &format!(r#"{{"AllocatedStorage": "{size}", "DBName": "a"{extra}}}"#),
            )])
        };
        let report = diff(&db("20", ""), &db("30", r#", "DeletionProtection": true"#)).unwrap();
        assert_eq!((report.changed(), report.destructive()), (1, 0));
        assert!(risks(&report).is_empty());
        assert!(!report.to_string().contains('!'), "{report}");
    }

    #[test]
    fn create_only_change_of_a_stateless_resource_is_a_warning() {
        let queue = |name: &str| {
            template(&[(
                "Jobs",
                "AWS::SQS::Queue",
                &format!(r#"{{"QueueName": "{name}"}}"#),
            )])
        };
        let report = diff(&queue("a"), &queue("b")).unwrap();
        assert_eq!(report.destructive(), 0);
        assert_eq!(
            risks(&report),
            [(
                false,
                "replaces the resource: property QueueName is create-only".to_owned()
            )]
        );
        let warning = "  ! warning: replaces the resource: property QueueName is create-only\n\
                       0 added, 0 removed, 1 changed";
        assert!(report.to_string().ends_with(warning), "{report}");
    }

    #[test]
    fn wildcards_in_create_only_pointers_match_any_index_or_key() {
        let pattern =
            |p: &str| -> Vec<String> { p.split('/').skip(1).map(str::to_owned).collect() };
        let path = [
            Seg::Key("Tags".into()),
            Seg::Index(3),
            Seg::Key("Key".into()),
        ];
        let (a, b) = (Value::from("x"), Value::from("y"));
        assert!(touches(&path, &pattern("/Tags/*/Key"), Some(&a), Some(&b)));
        assert!(touches(&path, &pattern("/Tags/3"), Some(&a), Some(&b)));
        assert!(!touches(
            &path,
            &pattern("/Tags/*/Value"),
            Some(&a),
            Some(&b)
        ));
        assert!(!touches(&path, &pattern("/Tags/2"), Some(&a), Some(&b)));
        let named = [Seg::Key("Rules".into()), Seg::Name("r".into())];
        assert!(touches(&named, &pattern("/Rules/*"), Some(&a), None));
        // A difference above the field counts only when the field's values differ.
        let tags = |k: &str, v: &str| serde_json::json!([{"Key": k, "Value": v}]);
        let above = [Seg::Key("Tags".into())];
        let key = pattern("/Tags/*/Key");
        assert!(touches(&above, &key, None, Some(&tags("a", "1"))));
        assert!(!touches(
            &above,
            &key,
            Some(&Value::Null),
            Some(&Value::Null)
        ));
        let (old, new) = (tags("a", "1"), serde_json::json!({"Key": "a"}));
        assert!(touches(&above, &key, Some(&old), Some(&new)));
        assert_eq!(pointer_path("/Tags/*/Key"), "Tags[*].Key");
    }

    #[test]
    fn renamed_logical_id_of_a_bucket_is_destructive() {
        let bucket = r#"{"VersioningConfiguration": {"Status": "Enabled"}}"#;
        let old = template(&[("Logs", "AWS::S3::Bucket", bucket)]);
        let new = template(&[("AccessLogs", "AWS::S3::Bucket", bucket)]);
        let report = diff(&old, &new).unwrap();
        assert_eq!(report.destructive(), 1);
        assert_eq!(
            report.to_string(),
            "+ [prod] AWS::S3::Bucket data/AccessLogs\n- [prod] AWS::S3::Bucket data/Logs\n  \
             ! destructive: replaces the bucket: its logical ID changed to AccessLogs, created new \
             and empty; CloudFormation deletes the old one and its data\n\
             1 added, 1 removed, 0 changed\n1 destructive"
        );
        // Removed for good, or under the same logical ID with another type.
        let report = diff(&old, &template(&[])).unwrap();
        assert_eq!(
            risks(&report),
            [(
                true,
                "removes the bucket, a stateful resource: CloudFormation deletes it and its data"
                    .to_owned()
            )]
        );
        let report = diff(&old, &template(&[("Logs", "AWS::SQS::Queue", "{}")])).unwrap();
        assert_eq!(
            risks(&report),
            [(
                true,
                "replaces the bucket: its Type changed to AWS::SQS::Queue; CloudFormation deletes \
                 the old one and its data"
                    .to_owned()
            )]
        );
        // The message says what the deletion policy keeps.
        let db = |policy: &str| {
            files(&[(
                "prod/cfn/data.template.json",
                &format!(
                    r#"{{"Resources": {{"Db": {{"Type": "AWS::RDS::DBCluster",
                    "DeletionPolicy": "{policy}"}}}}}}"#
                ),
            )])
        };
        let (none, report) = (
            template(&[]),
            diff(&db("Snapshot"), &template(&[])).unwrap(),
        );
        assert_eq!(
            risks(&report),
            [(
                true,
                "removes the database, a stateful resource: CloudFormation deletes it after a \
                 final snapshot"
                    .to_owned()
            )]
        );
        let report = diff(&db("Retain"), &none).unwrap();
        assert!(
            report.to_string().contains(
                "! destructive: removes the database, a stateful resource: DeletionPolicy Retain \
                 keeps it and its data, outside the stack\n"
            ),
            "{report}"
        );
    }

    #[test]
    fn removed_queue_is_not_destructive() {
        let old = template(&[("Jobs", "AWS::SQS::Queue", "{}")]);
        let report = diff(&old, &template(&[])).unwrap();
        assert_eq!((report.removed(), report.destructive()), (1, 0));
        assert_eq!(
            report.to_string(),
            "- [prod] AWS::SQS::Queue data/Jobs\n0 added, 1 removed, 0 changed"
        );
    }

    #[test]
    fn deployment_selector_change_is_destructive_an_image_change_is_not() {
        let with_selector = |text: String, app: &str| {
            text.replace(
                "spec:\n  replicas: 2\n",
                &format!("spec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: {app}\n"),
            )
        };
        let old = files(&[("k8s/a.yaml", &with_selector(deploy("api:1", "x"), "api"))]);
        let new = files(&[("k8s/a.yaml", &with_selector(deploy("api:2", "x"), "api"))]);
        let report = diff(&old, &new).unwrap();
        assert_eq!((report.changed(), report.destructive()), (1, 0), "{report}");

        let new = files(&[("k8s/a.yaml", &with_selector(deploy("api:2", "x"), "web"))]);
        let report = diff(&old, &new).unwrap();
        assert_eq!(report.destructive(), 1);
        assert_eq!(
            report.to_string(),
            "~ apps/v1 Deployment hello/api\n  spec.selector.matchLabels.app: \"api\" -> \"web\"\n  \
             spec.template.spec.containers[name=app].image: \"api:1\" -> \"api:2\"\n  \
             ! destructive: spec.selector is immutable: `kubectl apply` fails; the Deployment must \
             be deleted and created again\n0 added, 0 removed, 1 changed\n1 destructive"
        );
        // Adding a selector where there was none changes it too.
        let old = files(&[("k8s/a.yaml", &deploy("api:1", "x"))]);
        assert_eq!(diff(&old, &new).unwrap().destructive(), 1);
    }

    #[test]
    fn other_immutable_kubernetes_fields() {
        let obj = |api: &str, kind: &str, body: &str| {
            files(&[(
                "k8s/a.yaml",
                &format!("apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: x\n{body}"),
            )])
        };
        let check = |api: &str, kind: &str, old: &str, new: &str| {
            let report = diff(&obj(api, kind, old), &obj(api, kind, new)).unwrap();
            risks(&report)
        };
        let sts = |svc: &str, replicas: u8| {
            format!("spec:\n  serviceName: {svc}\n  replicas: {replicas}\n")
        };
        assert_eq!(
            check("apps/v1", "StatefulSet", &sts("a", 1), &sts("b", 2)),
            [(
                true,
                "spec.serviceName is immutable: `kubectl apply` fails; the StatefulSet must be \
                 deleted and created again"
                    .to_owned()
            )]
        );
        assert!(check("apps/v1", "StatefulSet", &sts("a", 1), &sts("a", 2)).is_empty());
        let pvc = |class: &str, size: &str| {
            format!(
                "spec:\n  storageClassName: {class}\n  accessModes: [ReadWriteOnce]\n  \
                 resources:\n    requests:\n      storage: {size}\n"
            )
        };
        let pvc_risks = check(
            "v1",
            "PersistentVolumeClaim",
            &pvc("gp2", "1Gi"),
            &pvc("gp3", "2Gi"),
        );
        assert!(
            pvc_risks[0]
                .1
                .starts_with("spec.storageClassName is immutable"),
            "{pvc_risks:?}"
        );
        assert!(
            check(
                "v1",
                "PersistentVolumeClaim",
                &pvc("gp3", "1Gi"),
                &pvc("gp3", "2Gi")
            )
            .is_empty()
        );
        let svc = |ip: &str| format!("spec:\n  clusterIP: {ip}\n");
        assert_eq!(
            check("v1", "Service", &svc("None"), &svc("10.0.0.1")).len(),
            1
        );
        let job = |image: &str| format!("spec:\n  template:\n    spec:\n      image: {image}\n");
        assert_eq!(check("batch/v1", "Job", &job("a"), &job("b")).len(), 1);
        // A kind of the same name in another API group is not checked.
        assert!(check("example.com/v1", "Job", &job("a"), &job("b")).is_empty());
        // The data of an immutable ConfigMap, but not of a mutable one.
        let cm = |immutable: bool, v: &str| format!("immutable: {immutable}\ndata:\n  k: {v}\n");
        assert_eq!(
            check("v1", "ConfigMap", &cm(true, "a"), &cm(true, "b")),
            [(
                true,
                "data is immutable: `kubectl apply` fails; the ConfigMap must be deleted and \
                 created again"
                    .to_owned()
            )]
        );
        assert!(check("v1", "ConfigMap", &cm(false, "a"), &cm(false, "b")).is_empty());
        assert!(check("v1", "ConfigMap", &cm(false, "a"), &cm(true, "b")).is_empty());
        assert_eq!(
            check("v1", "Secret", &cm(true, "a"), &cm(false, "a")).len(),
            1
        );
    }

    #[test]
    fn removed_pvc_and_statefulset_are_destructive() {
        let pvc = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n  \
                   namespace: hello\n";
        let sts = "---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\n  \
                   namespace: hello\n";
        let old = files(&[("prod/k8s/hello.yaml", &format!("{pvc}{sts}{SVC}"))]);
        let new = files(&[("prod/k8s/hello.yaml", SVC)]);
        let report = diff(&old, &new).unwrap();
        assert_eq!((report.removed(), report.destructive()), (2, 2));
        assert_eq!(
            report.to_string(),
            "- [prod] apps/v1 StatefulSet hello/db\n  \
             ! destructive: deletes the StatefulSet, whose pods hold data\n\
             - [prod] v1 PersistentVolumeClaim hello/data\n  ! destructive: deletes the \
             PersistentVolumeClaim: its volume's data is lost unless the volume is retained\n\
             0 added, 2 removed, 0 changed\n2 destructive"
        );
        // Removing a Service or a Deployment loses no data.
        let old = files(&[("k8s/a.yaml", &format!("{}{SVC}", deploy("a:1", "x")))]);
        let report = diff(&old, &files(&[])).unwrap();
        assert_eq!((report.removed(), report.destructive()), (2, 0));
    }

    #[test]
    fn parse_errors_name_the_file() {
        let good = files(&[("k8s/a.yaml", SVC)]);
        let err = diff(&good, &files(&[("k8s/a.yaml", "a: [unclosed\n")])).unwrap_err();
        assert!(matches!(err, DiffError::ParseYaml { .. }));
        assert_eq!(
            err.to_string(),
            "could not parse new file k8s/a.yaml as YAML"
        );
        assert!(std::error::Error::source(&err).is_some());
        let err = diff(&files(&[("cfn/x.template.json", "{")]), &good).unwrap_err();
        assert_eq!(
            err.to_string(),
            "could not parse old file cfn/x.template.json as JSON"
        );
        let err = diff(
            &files(&[("a/k8s/a.yaml", SVC), ("a/k8s/b.yaml", SVC)]),
            &good,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("a/k8s/a.yaml and a/k8s/b.yaml"),
            "{err}"
        );
    }

    // One test per row of the README's table of what `diff` calls destructive (the rows that
    // the tests above do not cover already).

    /// A one-object Kubernetes input.
    fn k8s(api: &str, kind: &str, body: &str) -> BTreeMap<String, String> {
        files(&[(
            "prod/k8s/data.yaml",
            &format!(
                "apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: x\n  namespace: data\n{body}"
            ),
        )])
    }

    fn pvc(mode: &str, size: &str) -> String {
        format!(
            "spec:\n  accessModes: [ReadWriteOnce]\n  volumeMode: {mode}\n  resources:\n    \
             requests:\n      storage: {size}\n"
        )
    }

    #[test]
    fn pvc_storage_shrink_is_destructive() {
        let check = |a: &str, b: &str| {
            let claim = |size| k8s("v1", "PersistentVolumeClaim", &pvc("Filesystem", size));
            diff(&claim(a), &claim(b)).unwrap()
        };
        let report = check("10Gi", "5Gi");
        assert_eq!(report.destructive(), 1, "{report}");
        assert_eq!(
            risks(&report),
            [(
                true,
                "spec.resources.requests.storage shrinks from 10Gi to 5Gi: `kubectl apply` \
                 fails; a PersistentVolumeClaim's storage can only grow"
                    .to_owned()
            )]
        );
        // Quantities compare as sizes, not as strings: 1Gi < 1500Mi, and 1024Mi is 1Gi.
        assert_eq!(check("1Gi", "1500Mi").destructive(), 0);
        assert_eq!(check("1Gi", "1024Mi").destructive(), 0);
        assert_eq!(check("2Gi", "1500Mi").destructive(), 1);
    }

    #[test]
    fn pvc_volume_mode_change_is_destructive() {
        let claim = |mode| k8s("v1", "PersistentVolumeClaim", &pvc(mode, "1Gi"));
        let report = diff(&claim("Filesystem"), &claim("Block")).unwrap();
        assert_eq!(
            risks(&report),
            [(
                true,
                "spec.volumeMode is immutable: `kubectl apply` fails; the PersistentVolumeClaim \
                 must be deleted and created again"
                    .to_owned()
            )]
        );
    }

    #[test]
    fn statefulset_volume_claim_template_shrink_is_destructive() {
        let sts = |size: &str| {
            k8s(
                "apps/v1",
                "StatefulSet",
                &format!(
                    "spec:\n  serviceName: db\n  volumeClaimTemplates:\n    - metadata:\n        \
                     name: data\n      spec:\n        resources:\n          requests:\n            \
                     storage: {size}\n"
                ),
            )
        };
        let report = diff(&sts("10Gi"), &sts("5Gi")).unwrap();
        assert_eq!(report.destructive(), 1, "{report}");
        assert!(
            risks(&report)[0]
                .1
                .starts_with("spec.volumeClaimTemplates is immutable"),
            "{report}"
        );
    }

    #[test]
    fn other_kubernetes_updates_the_api_server_refuses() {
        let check = |api: &str, kind: &str, old: &str, new: &str| {
            risks(&diff(&k8s(api, kind, old), &k8s(api, kind, new)).unwrap())
        };
        let job = |mode: &str| format!("spec:\n  completionMode: {mode}\n");
        assert_eq!(
            check("batch/v1", "Job", &job("NonIndexed"), &job("Indexed")).len(),
            1
        );
        let secret = |ty: &str| format!("type: {ty}\n");
        assert!(
            check(
                "v1",
                "Secret",
                &secret("Opaque"),
                &secret("kubernetes.io/tls")
            )[0]
            .1
            .starts_with("type is immutable"),
        );
        let binding = |role: &str| format!("roleRef:\n  kind: Role\n  name: {role}\n");
        let rbac = "rbac.authorization.k8s.io/v1";
        assert_eq!(
            check(rbac, "RoleBinding", &binding("a"), &binding("b")).len(),
            1
        );
        let class = |ty: &str| format!("provisioner: ebs.csi.aws.com\nparameters:\n  type: {ty}\n");
        assert_eq!(
            check(
                "storage.k8s.io/v1",
                "StorageClass",
                &class("gp2"),
                &class("gp3")
            )
            .len(),
            1
        );
    }

    #[test]
    fn removed_namespace_and_crd_are_destructive() {
        let crd = "---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n\
                   metadata:\n  name: widgets.example.com\n";
        let old = files(&[("prod/k8s/_cluster.yaml", &format!("{NS}{crd}"))]);
        let report = diff(&old, &files(&[])).unwrap();
        assert_eq!((report.removed(), report.destructive()), (2, 2));
        assert_eq!(
            report.to_string(),
            "- [prod] apiextensions.k8s.io/v1 CustomResourceDefinition widgets.example.com\n  \
             ! destructive: deletes the CustomResourceDefinition and every object of its kind\n\
             - [prod] v1 Namespace hello\n  ! destructive: deletes the Namespace and every object \
             in it, PersistentVolumeClaims and their data included\n\
             0 added, 2 removed, 0 changed\n2 destructive"
        );
    }

    #[test]
    fn rds_engine_change_is_destructive() {
        for ty in ["AWS::RDS::DBInstance", "AWS::RDS::DBCluster"] {
            let db =
                |engine: &str| template(&[("Db", ty, &format!(r#"{{"Engine": "{engine}"}}"#))]);
            let report = diff(&db("postgres"), &db("mysql")).unwrap();
            assert_eq!(
                risks(&report),
                [(
                    true,
                    "replaces the database: property Engine is create-only".to_owned()
                )],
                "{ty}"
            );
        }
    }

    #[test]
    fn rds_storage_shrink_is_destructive() {
        let db = |size: &str| {
            template(&[(
                "Db",
                "AWS::RDS::DBInstance",
                &format!(r#"{{"AllocatedStorage": {size}}}"#),
            )])
        };
        let report = diff(&db("\"100\""), &db("50")).unwrap();
        assert_eq!(report.destructive(), 1, "{report}");
        assert_eq!(
            risks(&report),
            [(
                true,
                "AllocatedStorage shrinks: RDS cannot reduce a database's allocated storage; \
                 CloudFormation's update fails and rolls back"
                    .to_owned()
            )]
        );
        assert_eq!(diff(&db("50"), &db("\"100\"")).unwrap().destructive(), 0);
        // A size from a parameter cannot be compared: no risk is guessed.
        let param = db(r#"{"Ref": "Size"}"#);
        assert_eq!(diff(&db("100"), &param).unwrap().destructive(), 0);
    }

    #[test]
    fn ebs_volume_shrink_is_destructive() {
        let volume = |size: u32| {
            template(&[(
                "Disk",
                "AWS::EC2::Volume",
                &format!(r#"{{"Size": {size}}}"#),
            )])
        };
        assert_eq!(diff(&volume(100), &volume(20)).unwrap().destructive(), 1);
    }

    #[test]
    fn eks_cluster_rename_is_destructive() {
        let cluster = |name: &str| {
            template(&[(
                "Cluster",
                "AWS::EKS::Cluster",
                &format!(r#"{{"Name": "{name}", "Version": "1.33"}}"#),
            )])
        };
        let report = diff(&cluster("prod"), &cluster("production")).unwrap();
        assert_eq!(
            risks(&report),
            [(
                true,
                "replaces the EKS cluster, and with it every node group, workload and volume on \
                 it: property Name is create-only"
                    .to_owned()
            )]
        );
        // A version upgrade is an update in place.
        let upgraded: BTreeMap<String, String> = cluster("prod")
            .into_iter()
            .map(|(p, t)| (p, t.replace("1.33", "1.34")))
            .collect();
        assert_eq!(diff(&cluster("prod"), &upgraded).unwrap().destructive(), 0);
    }

    #[test]
    fn vpc_cidr_change_is_destructive() {
        let vpc = |cidr: &str| {
            template(&[(
                "Vpc",
                "AWS::EC2::VPC",
                &format!(r#"{{"CidrBlock": "{cidr}"}}"#),
            )])
        };
        let report = diff(&vpc("10.0.0.0/16"), &vpc("10.1.0.0/16")).unwrap();
        assert_eq!(report.destructive(), 1, "{report}");
        assert!(
            risks(&report)[0]
                .1
                .starts_with("replaces the VPC, and with it every subnet"),
            "{report}"
        );
    }

    #[test]
    fn backup_vault_rename_is_destructive() {
        let vault = |name: &str| {
            template(&[(
                "Vault",
                "AWS::Backup::BackupVault",
                &format!(r#"{{"BackupVaultName": "{name}"}}"#),
            )])
        };
        let report = diff(&vault("a"), &vault("b")).unwrap();
        assert_eq!(
            risks(&report),
            [(
                true,
                "replaces the backup vault: property BackupVaultName is create-only".to_owned()
            )]
        );
    }

    // Redaction: canary values in every position; the whole rendered report (its display and its
    // data model) must never hold one.

    /// Asserts that neither the display nor the data model of `report` holds `CANARY`.
    fn assert_no_canary(report: &Report) {
        let shown = report.to_string();
        assert!(!shown.contains("CANARY"), "{shown}");
        let model = format!("{report:?}");
        assert!(!model.contains("CANARY"), "{model}");
    }

    fn workload(n: u8) -> String {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: shop\n  \
             annotations:\n    example.com/api-token: CANARY-annotation-{n}\n    \
             example.com/owner: team-{n}\nspec:\n  template:\n    spec:\n      initContainers:\n        \
             - name: migrate\n          env:\n            - name: API_TOKEN\n              value: \
             CANARY-init-{n}\n      containers:\n        - name: app\n          args: \
             [\"--db-password=CANARY-arg-{n}\", \"--verbose={n}\"]\n          env:\n            \
             - name: PGPASS\n              value: CANARY-pgpass-{n}\n            \
             - name: DATABASE_URL\n              value: postgres://app:CANARY-url-{n}@db:5432/orders\n            \
             - name: DB_PASSWORD_FILE\n              value: /run/secrets/db-{n}\n            \
             - name: LOG\n              value: level-{n}\n"
        )
    }

    fn config(n: u8) -> String {
        format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: shop\ndata:\n  \
             db-password: CANARY-cm-{n}\n  DB_PASS: CANARY-cm-pass-{n}\n  app.conf: |\n    \
             host = db-{n}\n    password = CANARY-conf-{n}\n  broker: amqp://u:CANARY-amqp-{n}@mq/\n  \
             plain: value-{n}\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: raw\n  \
             namespace: shop\ndata:\n  anything: CANARY-secret-{n}\nstringData:\n  also: CANARY-sd-{n}\n"
        )
    }

    #[test]
    fn kubernetes_secrets_are_redacted_in_every_position() {
        let old = files(&[(
            "prod/k8s/shop.yaml",
            &format!("{}{}", workload(1), config(1)),
        )]);
        let new = files(&[(
            "prod/k8s/shop.yaml",
            &format!("{}{}", workload(2), config(2)),
        )]);
        let report = diff(&old, &new).unwrap();
        assert_no_canary(&report);
        let shown = report.to_string();
        // Each change is still visible, redacted; values that are not secret are shown.
        for line in [
            "metadata.annotations[\"example.com/api-token\"]: \"<redacted>\" -> \"<redacted>\"",
            "spec.template.spec.initContainers[name=migrate].env[name=API_TOKEN].value: \
             \"<redacted>\" -> \"<redacted>\"",
            "spec.template.spec.containers[name=app].env[name=PGPASS].value: \"<redacted>\"",
            "env[name=DATABASE_URL].value: \"<redacted>\" -> \"<redacted>\"",
            "args[0]: \"<redacted>\" -> \"<redacted>\"",
            "args[1]: \"--verbose=1\" -> \"--verbose=2\"",
            "env[name=DB_PASSWORD_FILE].value: \"/run/secrets/db-1\" -> \"/run/secrets/db-2\"",
            "env[name=LOG].value: \"level-1\" -> \"level-2\"",
            "metadata.annotations[\"example.com/owner\"]: \"team-1\" -> \"team-2\"",
            "data.db-password: \"<redacted>\" -> \"<redacted>\"",
            "data.DB_PASS: \"<redacted>\"",
            "data[\"app.conf\"]: \"<redacted>\"",
            "data.broker: \"<redacted>\"",
            "data.plain: \"value-1\" -> \"value-2\"",
            "data.anything: \"<redacted>\"",
            "stringData.also: \"<redacted>\"",
        ] {
            assert!(shown.contains(line), "missing {line:?} in\n{shown}");
        }
        // Whole objects and lists that appear or disappear are scrubbed too.
        let bare = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  \
                    namespace: shop\nspec: {}\n";
        let cm = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: shop\n\
                  ---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: raw\n  namespace: shop\n";
        let bare = files(&[("prod/k8s/shop.yaml", &format!("{bare}{cm}"))]);
        for (a, b) in [(&bare, &new), (&new, &bare)] {
            let report = diff(a, b).unwrap();
            assert_eq!(report.changed(), 3, "{report}");
            assert_no_canary(&report);
        }
    }

    fn stack(n: u8) -> String {
        format!(
            r#"{{"Parameters": {{"AdminPassword": {{"Type": "String", "NoEcho": true,
                "Default": "CANARY-param-{n}"}}, "Size": {{"Type": "Number", "Default": {n}}}}},
            "Resources": {{
              "Db": {{"Type": "AWS::RDS::DBInstance", "Properties": {{
                "MasterUserPassword": {{"Fn::Join": ["", ["CANARY-join-{n}", {{"Ref": "Suffix"}}]]}},
                "Tags": [{{"Key": "api-token", "Value": "CANARY-tag-{n}"}}, {{"Key": "team", "Value": "t{n}"}}]}}}},
              "Secret": {{"Type": "AWS::SecretsManager::Secret", "Properties": {{
                "SecretString": {{"Fn::Sub": ["{{\"password\": \"${{Pw}}\"}}", {{"Pw": "CANARY-sub-{n}"}}]}}}}}},
              "Cache": {{"Type": "AWS::ElastiCache::ReplicationGroup", "Properties": {{
                "AuthToken": "CANARY-auth-{n}"}}}},
              "Param": {{"Type": "AWS::SSM::Parameter", "Properties": {{
                "Name": "/shop/db-password", "Value": "CANARY-ssm-{n}", "Type": "String"}}}},
              "Task": {{"Type": "AWS::ECS::TaskDefinition", "Properties": {{"ContainerDefinitions": [
                {{"Name": "app", "Environment": [{{"Name": "PGPASS", "Value": "CANARY-ecs-{n}"}}]}}]}}}},
              "Ref": {{"Type": "AWS::RDS::DBCluster", "Properties": {{
                "MasterUserPassword": "{{{{resolve:secretsmanager:db-{n}:SecretString:password}}}}"}}}}
            }},
            "Outputs": {{"DbPassword": {{"Value": "CANARY-output-{n}"}}}}}}"#
        )
    }

    #[test]
    fn cloudformation_secrets_are_redacted_in_every_position() {
        let tpl = |n| files(&[("prod/cfn/shop.template.json", &stack(n))]);
        let report = diff(&tpl(1), &tpl(2)).unwrap();
        assert_no_canary(&report);
        let shown = report.to_string();
        for line in [
            "Properties.MasterUserPassword.Fn::Join[1][0]: \"<redacted>\" -> \"<redacted>\"",
            "Properties.Tags[0].Value: \"<redacted>\" -> \"<redacted>\"",
            "Properties.Tags[1].Value: \"t1\" -> \"t2\"",
            "Properties.SecretString.Fn::Sub[1].Pw: \"<redacted>\"",
            "Properties.AuthToken: \"<redacted>\"",
            "Properties.Value: \"<redacted>\"",
            "Properties.ContainerDefinitions[0].Environment[0].Value: \"<redacted>\"",
            "Parameters.AdminPassword.Default: \"<redacted>\"",
            "Parameters.Size.Default: 1 -> 2",
            "~ [prod] Output shop/DbPassword\n  Value: \"<redacted>\" -> \"<redacted>\"",
            // A dynamic reference names the secret without holding it.
            "Properties.MasterUserPassword: \"{{resolve:secretsmanager:db-1:SecretString:password}}\" \
             -> \"{{resolve:secretsmanager:db-2:SecretString:password}}\"",
        ] {
            assert!(shown.contains(line), "missing {line:?} in\n{shown}");
        }
        // A template that appears whole, resource by resource, shows no value at all; one whose
        // resources appear in an existing stack is scrubbed property by property.
        let empty = files(&[("prod/cfn/shop.template.json", r#"{"Resources": {}}"#)]);
        for (a, b) in [(&empty, &tpl(1)), (&tpl(2), &empty)] {
            assert_no_canary(&diff(a, b).unwrap());
        }
    }

    #[test]
    fn secret_looking_names() {
        for name in [
            "PGPASS",
            "DB_PASSWORD",
            "masterUserPassword",
            "DBPassword",
            "api-token",
            "GITHUB_TOKEN",
            "clientSecret",
            "STRIPE_KEY",
            "api_key",
            "SecretString",
            "AuthToken",
            "SENTRY_DSN",
            "REDIS_AUTH",
            "/shop/db-password",
        ] {
            assert!(secret_name(name), "{name}");
        }
        for name in [
            "secretKeyRef",
            "secretName",
            "SecretArn",
            "KmsKeyId",
            "KeyName",
            "DB_PASSWORD_FILE",
            "key",
            "name",
            "DATABASE_URL",
            "secretsmanager",
            "LOG_LEVEL",
            "KEYCLOAK_URL",
        ] {
            assert!(!secret_name(name), "{name}");
        }
        assert!(carries_credential("postgres://app:pw@db/orders"));
        assert!(carries_credential("redis://:pw@cache:6379"));
        assert!(!carries_credential("postgres://app@db/orders"));
        assert!(!carries_credential("https://example.com:8443/a@b"));
        assert!(carries_credential("Server=db;User Id=app;Password=pw;"));
        assert!(carries_credential(r#"{"token": "abc"}"#));
        assert!(!carries_credential("password="));
        assert!(!carries_credential(
            "{{resolve:secretsmanager:db:SecretString:password}}"
        ));
        assert!(!carries_credential(
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCd"
        ));
    }
}
