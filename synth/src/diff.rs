//! Semantic diff of two synthesized output directories, for `girder diff`.
//!
//! Objects are matched by identity, not by file or position: Kubernetes objects by
//! (apiVersion, kind, namespace, name), CloudFormation resources and outputs by
//! (stack, logical id or output name). Objects are compared within a *scope*, the
//! directory above the one holding the file (the stage: `prod` for
//! `prod/k8s/hello.yaml`), so stages never collide. Secret values are redacted
//! while the report is built, so neither the data model nor its display holds them.
//!
//! Each change is checked for [`Risk`]s, shown as `! destructive: …` (or `! warning: …`) lines
//! under it:
//!
//! * a CloudFormation resource whose create-only properties changed
//!   ([`girder_aws::registry`]) is replaced; destructive when its type holds data
//!   ([`girder_aws::entry::default_policies`]);
//! * a stateful CloudFormation resource that is removed, or that reappears under another
//!   logical ID or `Type` (a removal and an addition), is deleted or replaced: destructive;
//! * a Kubernetes field that cannot change once the object exists (a workload's
//!   `spec.selector`, a Service's `spec.clusterIP`, the `data` of an `immutable: true`
//!   ConfigMap, ...) makes `kubectl apply` fail, and a removed PersistentVolumeClaim or
//!   StatefulSet takes its data with it: destructive.
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

use girder_aws::entry::default_policies;
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
    /// Create-only properties of a CloudFormation resource changed: CloudFormation creates a new
    /// resource and deletes the old one. Destructive when the type holds data.
    Replacement {
        /// The changed create-only properties, as the type's JSON pointers below `Properties`
        /// (`/BucketName`, `/Tags/*/Key`).
        properties: Vec<&'static str>,
        /// What the type holds (`"database"`, `"bucket"`) when it is stateful.
        stateful: Option<&'static str>,
    },
    /// A stateful CloudFormation resource leaves the template: its data goes with it (or, with a
    /// `Retain` policy, stays behind unmanaged). Always destructive.
    StatefulRemoved {
        /// What the type holds (`"database"`, `"bucket"`).
        holds: &'static str,
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
        fields: Vec<&'static str>,
    },
    /// A Kubernetes object that holds data (a PersistentVolumeClaim, a StatefulSet) is removed.
    /// Always destructive.
    DataRemoved {
        /// The object's kind.
        kind: String,
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
        !matches!(self, Risk::Replacement { stateful: None, .. })
    }
}

impl fmt::Display for Risk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Risk::Replacement {
                properties,
                stateful,
            } => {
                let names: Vec<String> = properties.iter().map(|p| pointer_path(p)).collect();
                let (noun, verb) = if names.len() == 1 {
                    ("property", "is")
                } else {
                    ("properties", "are")
                };
                write!(
                    f,
                    "replaces the {}: {noun} {} {verb} create-only",
                    stateful.unwrap_or("resource"),
                    names.join(", ")
                )
            }
            Risk::StatefulRemoved {
                holds,
                successor,
                deletion_policy,
            } => {
                match successor {
                    Successor::Nothing => write!(f, "removes the {holds}, a stateful resource: ")?,
                    Successor::LogicalId(id) => write!(
                        f,
                        "replaces the {holds}: its logical ID changed to {id}, created new and \
                         empty; "
                    )?,
                    Successor::Type(t) => {
                        write!(f, "replaces the {holds}: its Type changed to {t}; ")?;
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
            Risk::DataRemoved { kind } if kind == "StatefulSet" => {
                f.write_str("deletes the StatefulSet, whose pods hold data")
            }
            Risk::DataRemoved { kind } => write!(
                f,
                "deletes the {kind}: its volume's data is lost unless the volume is retained"
            ),
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
                let watch = Watch::of(key, a);
                let patterns = watch.as_ref().map_or(&[][..], |w| &w.patterns[..]);
                let mut differ = Differ {
                    secret_kind,
                    out: Vec::new(),
                    patterns,
                    hits: vec![false; patterns.len()],
                };
                differ.walk(&mut Vec::new(), Some(a), Some(b), false);
                if !differ.out.is_empty() {
                    let risk = watch.as_ref().and_then(|w| w.risk(&differ.hits));
                    risks.push(risk.into_iter().collect());
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

/// What a stateful CloudFormation type holds, for the report: `"database"`, `"bucket"`; `None`
/// for a stateless type.
fn holds(type_name: &str) -> Option<&'static str> {
    default_policies(type_name)?;
    Some(match type_name {
        "AWS::RDS::DBInstance"
        | "AWS::RDS::DBCluster"
        | "AWS::DocDB::DBCluster"
        | "AWS::Neptune::DBCluster"
        | "AWS::Redshift::Cluster"
        | "AWS::DynamoDB::Table"
        | "AWS::DynamoDB::GlobalTable" => "database",
        "AWS::ElastiCache::ReplicationGroup" | "AWS::ElastiCache::CacheCluster" => "cache",
        "AWS::EC2::Volume" => "volume",
        "AWS::S3::Bucket" => "bucket",
        "AWS::KMS::Key" => "KMS key",
        "AWS::SecretsManager::Secret" => "secret",
        "AWS::Logs::LogGroup" => "log group",
        "AWS::ECR::Repository" => "repository",
        "AWS::EFS::FileSystem" => "file system",
        "AWS::Cognito::UserPool" => "user pool",
        _ => "stateful resource",
    })
}

/// The API group of an `apiVersion`: `apps` for `apps/v1`, empty for the core group's `v1`.
fn api_group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

/// Kubernetes fields that cannot change once the object exists, by API group and kind.
const IMMUTABLE: &[(&str, &str, &[&str])] = &[
    ("apps", "Deployment", &["spec.selector"]),
    ("apps", "ReplicaSet", &["spec.selector"]),
    ("apps", "DaemonSet", &["spec.selector"]),
    (
        "apps",
        "StatefulSet",
        &[
            "spec.selector",
            "spec.volumeClaimTemplates",
            "spec.serviceName",
            "spec.podManagementPolicy",
        ],
    ),
    ("batch", "Job", &["spec.selector", "spec.template"]),
    ("", "Service", &["spec.clusterIP", "spec.clusterIPs"]),
    (
        "",
        "PersistentVolumeClaim",
        &[
            "spec.storageClassName",
            "spec.accessModes",
            "spec.volumeName",
        ],
    ),
];

/// The fields of a ConfigMap or Secret with `immutable: true` that cannot change.
const IMMUTABLE_DATA: &[&str] = &["data", "stringData", "binaryData", "immutable"];

/// What a changed object's risky fields mean.
enum Guard {
    /// CloudFormation create-only properties, and what the type holds if it is stateful.
    CreateOnly(Option<&'static str>),
    /// Kubernetes immutable fields of this kind.
    Immutable(String),
}

/// The fields of one object whose change is a [`Risk`].
struct Watch {
    guard: Guard,
    /// The fields' names for the report.
    fields: Vec<&'static str>,
    /// The fields' paths from the object root, `*` matching any key or index.
    patterns: Vec<Vec<String>>,
}

impl Watch {
    /// The risky fields of `key`, whose old content is `old`.
    fn of(key: &ObjectKey, old: &Value) -> Option<Watch> {
        match key {
            ObjectKey::CfnResource { resource_type, .. } => {
                let pointers = girder_aws::registry::create_only(resource_type)?;
                let patterns = pointers
                    .iter()
                    .map(|p| {
                        let segs = p.split('/').skip(1);
                        std::iter::once("Properties".to_owned())
                            .chain(segs.map(|s| s.replace("~1", "/").replace("~0", "~")))
                            .collect()
                    })
                    .collect();
                Some(Watch {
                    guard: Guard::CreateOnly(holds(resource_type)),
                    fields: pointers.to_vec(),
                    patterns,
                })
            }
            ObjectKey::Kubernetes {
                api_version, kind, ..
            } => {
                let group = api_group(api_version);
                let fields = match IMMUTABLE.iter().find(|(g, k, _)| *g == group && k == kind) {
                    Some((.., fields)) => fields,
                    None if group.is_empty()
                        && (kind == "ConfigMap" || kind == "Secret")
                        && old["immutable"] == Value::Bool(true) =>
                    {
                        IMMUTABLE_DATA
                    }
                    None => return None,
                };
                Some(Watch {
                    guard: Guard::Immutable(kind.clone()),
                    fields: fields.to_vec(),
                    patterns: fields
                        .iter()
                        .map(|f| f.split('.').map(str::to_owned).collect())
                        .collect(),
                })
            }
            _ => None,
        }
    }

    /// The risk of the fields `hits` marks as changed, if any.
    fn risk(&self, hits: &[bool]) -> Option<Risk> {
        let fields: Vec<&'static str> = self
            .fields
            .iter()
            .zip(hits)
            .filter_map(|(field, hit)| hit.then_some(*field))
            .collect();
        if fields.is_empty() {
            return None;
        }
        Some(match &self.guard {
            Guard::CreateOnly(stateful) => Risk::Replacement {
                properties: fields,
                stateful: *stateful,
            },
            Guard::Immutable(kind) => Risk::ImmutableFields {
                kind: kind.clone(),
                fields,
            },
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
            let holds = holds(resource_type)?;
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
                holds,
                successor,
                deletion_policy,
            })
        }
        ObjectKey::Kubernetes {
            api_version, kind, ..
        } => match (api_group(api_version), kind.as_str()) {
            ("", "PersistentVolumeClaim") | ("apps", "StatefulSet") => {
                Some(Risk::DataRemoved { kind: kind.clone() })
            }
            _ => None,
        },
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
    secret_kind: bool,
    out: Vec<FieldChange>,
    /// The risky fields ([`Watch::patterns`]) of the object.
    patterns: &'a [Vec<String>],
    /// Which of `patterns` a recorded difference touches.
    hits: Vec<bool>,
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
    /// Whether the value under `key` of `map` must never be shown; `top` is the object root.
    fn is_secret(&self, top: bool, key: &str, map: &Map<String, Value>) -> bool {
        let secret_name = |n: &str| {
            let n = n.to_ascii_uppercase();
            ["PASSWORD", "SECRET", "TOKEN", "KEY"]
                .iter()
                .any(|w| n.contains(w))
        };
        let env_name = map
            .get("name")
            .or_else(|| map.get("Name"))
            .and_then(Value::as_str);
        (self.secret_kind && top && (key == "data" || key == "stringData"))
            || key.to_ascii_lowercase().contains("password")
            || key == "SecretString"
            || key == "AuthToken"
            || ((key == "value" || key == "Value") && env_name.is_some_and(secret_name))
    }

    /// Records the differences between `old` and `new` at `path`; `hidden` redacts them.
    fn walk(
        &mut self,
        path: &mut Vec<Seg>,
        old: Option<&Value>,
        new: Option<&Value>,
        hidden: bool,
    ) {
        match (old, new) {
            _ if old == new => {}
            (Some(Value::Object(a)), Some(Value::Object(b))) => {
                let top = path.is_empty();
                for k in a.keys().chain(b.keys()).collect::<BTreeSet<_>>() {
                    let h = hidden || self.is_secret(top, k, a) || self.is_secret(top, k, b);
                    path.push(Seg::Key(k.clone()));
                    self.walk(path, a.get(k), b.get(k), h);
                    path.pop();
                }
            }
            (Some(Value::Array(a)), Some(Value::Array(b))) => match (by_name(a), by_name(b)) {
                (Some(na), Some(nb)) => {
                    for n in na.keys().chain(nb.keys()).collect::<BTreeSet<_>>() {
                        path.push(Seg::Name((*n).to_owned()));
                        self.walk(path, na.get(n).copied(), nb.get(n).copied(), hidden);
                        path.pop();
                    }
                }
                _ => {
                    for i in 0..a.len().max(b.len()) {
                        path.push(Seg::Index(i));
                        self.walk(path, a.get(i), b.get(i), hidden);
                        path.pop();
                    }
                }
            },
            _ => {
                for (hit, pattern) in self.hits.iter_mut().zip(self.patterns) {
                    *hit = *hit || touches(path, pattern, old, new);
                }
                let (old, new) = (
                    old.map(|v| self.scrub(v, hidden)),
                    new.map(|v| self.scrub(v, hidden)),
                );
                self.out.push(FieldChange {
                    path: render(path),
                    old,
                    new,
                });
            }
        }
    }

    /// A copy of `value` (never an object root) with every secret leaf redacted.
    fn scrub(&self, value: &Value, hidden: bool) -> Value {
        match value {
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            self.scrub(v, hidden || self.is_secret(false, k, m)),
                        )
                    })
                    .collect(),
            ),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.scrub(v, hidden)).collect())
            }
            _ if hidden => Value::from(REDACTED),
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
        assert_eq!(default_policies("AWS::SQS::Queue"), None);
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
}
