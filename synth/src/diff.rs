//! Semantic diff of two synthesized output directories, for `girder diff`.
//!
//! Objects are matched by identity, not by file or position, and compared within a *scope*, the
//! directory above the one holding the file (the stage: `prod` for `prod/k8s/hello.yaml`), so
//! stages never collide. This module only orchestrates: each target says how its files split
//! into objects and what identifies one, what an update or a removal of one risks, and which of
//! its values are secret — [`k8s`] (`girder_k8s::diff`) for Kubernetes objects, [`cfn`]
//! (`girder_aws::diff`) for CloudFormation resources, outputs and the rest of a template,
//! [`compose`] (`girder_compose::diff`) for the services, networks, volumes, configs and secrets
//! of a Compose file and the rest of it. Other files (a Compose proxy's `Caddyfile`,
//! `.env.example`) are compared as one text each.
//!
//! Secret values are redacted while the report is built, so neither the data model
//! ([`FieldChange`]) nor its display ever holds them: the objects are compared as they are and
//! shown as the targets' redacted copies, where a secret value reads `"<redacted>"` so that its
//! change is still visible. Each change is checked for [`Risk`]s, shown as `! destructive: …`
//! (or `! warning: …`) lines under it.
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

pub use girder_aws::diff as cfn;
pub use girder_compose::diff as compose;
pub use girder_k8s::diff as k8s;
use serde_json::Value;

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

/// The identity of one compared object: the stage directory it is in (`scope`, empty when the
/// file's directory is the root's direct child or the root itself) and its target's key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ObjectKey {
    /// A Kubernetes object.
    Kubernetes {
        /// The stage directory.
        scope: String,
        /// The object's identity.
        key: k8s::ObjectKey,
    },
    /// A part of a CloudFormation template: a resource, an output, or the rest of it.
    CloudFormation {
        /// The stage directory.
        scope: String,
        /// The part's identity.
        key: cfn::ObjectKey,
    },
    /// A part of a Compose file: a service, a network, a volume, a config, a secret, or a
    /// top-level field.
    Compose {
        /// The stage directory (the environment's).
        scope: String,
        /// The part's identity.
        key: compose::ObjectKey,
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
        let (scope, key): (&str, &dyn fmt::Display) = match self {
            ObjectKey::Kubernetes { scope, key } => (scope, key),
            ObjectKey::CloudFormation { scope, key } => (scope, key),
            ObjectKey::Compose { scope, key } => (scope, key),
            ObjectKey::Document { path, index } => return write!(f, "document {path}[{index}]"),
        };
        if !scope.is_empty() {
            write!(f, "[{scope}] ")?;
        }
        write!(f, "{key}")
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

impl Change {
    /// The object the change is about.
    pub fn key(&self) -> &ObjectKey {
        match self {
            Change::Added(k) | Change::Removed(k) | Change::Changed(k, _) => k,
        }
    }
}

/// Why deploying a change is dangerous, by the rules of the object's target;
/// [`Risk::is_destructive`] tells whether it loses data or fails.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Risk {
    /// A Kubernetes update the API server refuses, or a removal that loses data.
    Kubernetes(k8s::Risk),
    /// A CloudFormation replacement, a refused update, or a removal of a stateful resource.
    CloudFormation(cfn::Risk),
    /// A Compose named volume removed, renamed or recreated.
    Compose(compose::Risk),
}

impl Risk {
    /// Whether the change deletes or replaces stateful data, or cannot be applied.
    pub fn is_destructive(&self) -> bool {
        match self {
            Risk::Kubernetes(risk) => risk.is_destructive(),
            Risk::CloudFormation(risk) => risk.is_destructive(),
            Risk::Compose(risk) => risk.is_destructive(),
        }
    }
}

impl fmt::Display for Risk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Risk::Kubernetes(risk) => write!(f, "{risk}"),
            Risk::CloudFormation(risk) => write!(f, "{risk}"),
            Risk::Compose(risk) => write!(f, "{risk}"),
        }
    }
}

/// The differences between two inputs, sorted by object key.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    changes: Vec<Change>,
    /// The risks of each change, by the change's index.
    risks: Vec<Vec<Risk>>,
    /// The edges of the wiring graph the change adds and removes.
    wiring: crate::graph::Changes,
}

impl Report {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The edges of the wiring graph the change adds and removes (empty unless set with
    /// [`Report::set_wiring`]: `diff --against` compares the graphs the outputs keep).
    pub fn wiring(&self) -> &crate::graph::Changes {
        &self.wiring
    }

    /// Sets the wiring graph's changes.
    pub fn set_wiring(&mut self, wiring: crate::graph::Changes) {
        self.wiring = wiring;
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

    /// Each change with its risks, sorted by object key.
    pub fn entries(&self) -> impl Iterator<Item = (&Change, &[Risk])> {
        self.changes
            .iter()
            .zip(self.risks.iter().map(Vec::as_slice))
    }

    /// Every risk with its change, in the order of the changes.
    pub fn risks(&self) -> impl Iterator<Item = (&Change, &Risk)> {
        self.changes
            .iter()
            .zip(&self.risks)
            .flat_map(|(change, risks)| risks.iter().map(move |risk| (change, risk)))
    }

    /// Adds `risk` to the change of the object `key`, or reports the object as changed with
    /// that risk when nothing else changed in it (a deployer learns of a refused update from
    /// the server, which shows no difference of fields).
    pub fn add_risk(&mut self, key: &ObjectKey, risk: Risk) {
        let at = self.changes.iter().position(|change| change.key() == key);
        match at {
            Some(at) => self.risks[at].push(risk),
            None => self.insert(Change::Changed(key.clone(), Vec::new()), vec![risk]),
        }
    }

    /// Adds the changes of `other` (about other objects: another target, another environment).
    pub fn merge(&mut self, other: Report) {
        for (change, risks) in other.changes.into_iter().zip(other.risks) {
            self.insert(change, risks);
        }
    }

    /// Inserts a change at its place in key order.
    fn insert(&mut self, change: Change, risks: Vec<Risk>) {
        let at = self.changes.partition_point(|c| c.key() < change.key());
        self.changes.insert(at, change);
        self.risks.insert(at, risks);
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
        for (sign, edges) in [("+", &self.wiring.added), ("-", &self.wiring.removed)] {
            for edge in edges {
                writeln!(
                    f,
                    "{sign} wiring {} -> {} ({}, {})",
                    edge.from,
                    edge.to,
                    edge.port,
                    edge.kind.describe()
                )?;
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
    Ok(compare_by(&old, &new, |(_, value)| value))
}

/// Compares two sets of objects by key, as [`diff`] compares files: the same report, the same
/// risks, secret values redacted. Deployers compare live objects with the program's this way.
pub fn compare(old: &BTreeMap<ObjectKey, Value>, new: &BTreeMap<ObjectKey, Value>) -> Report {
    compare_by(old, new, |value| value)
}

fn compare_by<T>(
    old: &BTreeMap<ObjectKey, T>,
    new: &BTreeMap<ObjectKey, T>,
    value: impl Fn(&T) -> &Value,
) -> Report {
    let added: Vec<&ObjectKey> = new.keys().filter(|k| !old.contains_key(*k)).collect();
    let keys: BTreeSet<&ObjectKey> = old.keys().chain(new.keys()).collect();
    let mut report = Report::default();
    for key in keys {
        let (change, risks) = match (old.get(key).map(&value), new.get(key).map(&value)) {
            (Some(a), Some(b)) => {
                if a == b {
                    continue;
                }
                let mut fields = Vec::new();
                let (shown_a, shown_b) = (redacted(key, a), redacted(key, b));
                let (a, b) = (Shown::new(a, &shown_a), Shown::new(b, &shown_b));
                walk(&mut Vec::new(), a, b, &mut fields);
                if fields.is_empty() {
                    continue;
                }
                (
                    Change::Changed(key.clone(), fields),
                    update_risks(key, a, b),
                )
            }
            (Some(a), None) => {
                let risk = removal_risk(key, a, &added);
                (Change::Removed(key.clone()), risk.into_iter().collect())
            }
            (None, _) => (Change::Added(key.clone()), Vec::new()),
        };
        report.changes.push(change);
        report.risks.push(risks);
    }
    report
}

/// A copy of the object `key`, `value`, with every secret value redacted by its target's rules.
/// An object that did not change is not looked at.
fn redacted(key: &ObjectKey, value: &Value) -> Value {
    let mut copy = value.clone();
    match key {
        ObjectKey::CloudFormation { key, .. } => cfn::redact(key, &mut copy),
        ObjectKey::Compose { .. } => compose::redact(&mut copy),
        ObjectKey::Kubernetes { .. } | ObjectKey::Document { .. } => k8s::redact(&mut copy),
    }
    copy
}

/// The risks the target finds in updating `key` from `old` to `new`.
fn update_risks(key: &ObjectKey, old: Shown<'_>, new: Shown<'_>) -> Vec<Risk> {
    let (Some(old), Some(new)) = (old.value, new.value) else {
        return Vec::new();
    };
    match key {
        ObjectKey::Kubernetes { key, .. } => k8s::update_risks(key, old, new)
            .into_iter()
            .map(Risk::Kubernetes)
            .collect(),
        ObjectKey::CloudFormation { key, .. } => cfn::update_risks(key, old, new)
            .into_iter()
            .map(Risk::CloudFormation)
            .collect(),
        ObjectKey::Compose { key, .. } => compose::update_risks(key, old, new)
            .into_iter()
            .map(Risk::Compose)
            .collect(),
        ObjectKey::Document { .. } => Vec::new(),
    }
}

/// The risk the target finds in removing `key`, defined as `old`, given the keys `added` to the
/// new input.
fn removal_risk(key: &ObjectKey, old: &Value, added: &[&ObjectKey]) -> Option<Risk> {
    match key {
        ObjectKey::Kubernetes { key, .. } => k8s::removal_risk(key).map(Risk::Kubernetes),
        ObjectKey::CloudFormation { scope, key } => {
            let same_scope = added.iter().filter_map(|k| match k {
                ObjectKey::CloudFormation { scope: s, key } if s == scope => Some(key),
                _ => None,
            });
            cfn::removal_risk(key, old, same_scope).map(Risk::CloudFormation)
        }
        ObjectKey::Compose { key, .. } => compose::removal_risk(key).map(Risk::Compose),
        ObjectKey::Document { .. } => None,
    }
}

type Objects = BTreeMap<ObjectKey, (String, Value)>;

/// Parses every file and indexes its objects by key.
fn objects(files: &BTreeMap<String, String>, side: Side) -> Result<Objects, DiffError> {
    let mut out = Objects::new();
    for (path, text) in files {
        let structured = [".json", ".yaml", ".yml"]
            .iter()
            .any(|ext| path.ends_with(ext));
        let docs: Vec<Value> = if !structured {
            // A configuration file of another format (a Compose proxy's Caddyfile,
            // `.env.example`): compared as one text.
            vec![Value::String(text.clone())]
        } else if path.ends_with(".json") {
            let doc = serde_json::from_str(text).map_err(|source| DiffError::ParseJson {
                side,
                path: path.clone(),
                source,
            })?;
            vec![doc]
        } else {
            // Every node and document costs at least a byte of input: bounded by the input's
            // length, the budget never refuses a large output (6,000 objects in one file),
            // while its alias rules still refuse an expansion bomb.
            let options = serde_saphyr::options! {
                budget: serde_saphyr::budget! {
                    max_documents: text.len() + 1,
                    max_nodes: text.len() + 1,
                },
            };
            serde_saphyr::from_multiple_with_options(text, options).map_err(|source| {
                DiffError::ParseYaml {
                    side,
                    path: path.clone(),
                    source: Box::new(source),
                }
            })?
        };
        let (dirs, file) = path.rsplit_once('/').unwrap_or(("", path));
        let scope = dirs.rsplit_once('/').map_or("", |(s, _)| s);
        // Templates are written as `<stack>.template.json`.
        let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
        let stack = stem.strip_suffix(".template").unwrap_or(stem);
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
            let doc = match doc {
                Value::Object(map) if compose::is_compose_file(path) => {
                    for (key, part) in compose::objects(map) {
                        let scope = scope.to_owned();
                        insert(ObjectKey::Compose { scope, key }, part)?;
                    }
                    continue;
                }
                Value::Object(map) => match cfn::objects(stack, map) {
                    Ok(parts) => {
                        for (key, part) in parts {
                            let scope = scope.to_owned();
                            insert(ObjectKey::CloudFormation { scope, key }, part)?;
                        }
                        continue;
                    }
                    Err(map) => Value::Object(map),
                },
                other => other,
            };
            let key = match k8s::ObjectKey::of(&doc) {
                Some(key) => ObjectKey::Kubernetes {
                    scope: scope.to_owned(),
                    key,
                },
                None => ObjectKey::Document {
                    path: path.clone(),
                    index,
                },
            };
            insert(key, doc)?;
        }
    }
    Ok(out)
}

/// A value of one input, `None` where it is absent, with its redacted copy of the same shape.
#[derive(Clone, Copy)]
struct Shown<'v> {
    value: Option<&'v Value>,
    shown: Option<&'v Value>,
}

impl<'v> Shown<'v> {
    fn new(value: &'v Value, shown: &'v Value) -> Self {
        Shown {
            value: Some(value),
            shown: Some(shown),
        }
    }

    /// The entry or element `at` of both values.
    fn get<I: serde_json::value::Index + Copy>(self, at: Option<I>) -> Shown<'v> {
        Shown {
            value: at.and_then(|at| self.value?.get(at)),
            shown: at.and_then(|at| self.shown?.get(at)),
        }
    }
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

/// The index of each element by name, when every element is an object with a distinct string
/// `name`.
fn by_name(items: &[Value]) -> Option<BTreeMap<&str, usize>> {
    let named: BTreeMap<&str, usize> = items
        .iter()
        .enumerate()
        .map(|(i, v)| Some((v.get("name")?.as_str()?, i)))
        .collect::<Option<_>>()?;
    (named.len() == items.len()).then_some(named)
}

/// Records the differences between `old` and `new` at `path`, showing their redacted copies.
fn walk(path: &mut Vec<Seg>, old: Shown<'_>, new: Shown<'_>, out: &mut Vec<FieldChange>) {
    match (old.value, new.value) {
        (a, b) if a == b => {}
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            for k in a.keys().chain(b.keys()).collect::<BTreeSet<_>>() {
                path.push(Seg::Key(k.clone()));
                walk(
                    path,
                    old.get(Some(k.as_str())),
                    new.get(Some(k.as_str())),
                    out,
                );
                path.pop();
            }
        }
        (Some(Value::Array(a)), Some(Value::Array(b))) => match (by_name(a), by_name(b)) {
            (Some(na), Some(nb)) => {
                for n in na.keys().chain(nb.keys()).collect::<BTreeSet<_>>() {
                    path.push(Seg::Name((*n).to_owned()));
                    walk(
                        path,
                        old.get(na.get(n).copied()),
                        new.get(nb.get(n).copied()),
                        out,
                    );
                    path.pop();
                }
            }
            _ => {
                for i in 0..a.len().max(b.len()) {
                    path.push(Seg::Index(i));
                    walk(path, old.get(Some(i)), new.get(Some(i)), out);
                    path.pop();
                }
            }
        },
        _ => out.push(FieldChange {
            path: render(path),
            old: old.shown.cloned(),
            new: new.shown.cloned(),
        }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use girder_core::secrets::REDACTED;

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
        let Some((
            Change::Changed(..),
            Risk::CloudFormation(cfn::Risk::Replacement { properties, .. }),
        )) = report.risks().next()
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

    #[test]
    fn a_secret_passed_as_a_separate_argument_is_redacted() {
        let job = |n: u8| {
            format!(
                "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  namespace: shop\n\
                 spec:\n  template:\n    spec:\n      containers:\n        - name: app\n          \
                 args: [\"--password\", \"CANARY-flag-{n}\", \"-pass\", \"CANARY-short-{n}\", \"-p\", \"{n}\", \"--retries\", \"{n}\"]\n"
            )
        };
        let report = diff(
            &files(&[("prod/k8s/shop.yaml", &job(1))]),
            &files(&[("prod/k8s/shop.yaml", &job(2))]),
        )
        .unwrap();
        assert_no_canary(&report);
        let args = "spec.template.spec.containers[name=app].args";
        let changes: Vec<(String, Option<Value>)> = only_fields(&report)
            .iter()
            .map(|f| (f.path.replace(args, "args"), f.new.clone()))
            .collect();
        let redacted = Some(Value::from(REDACTED));
        // `-p` names no secret (it is a port as often as a password): shown like `--retries`.
        assert_eq!(
            changes,
            [
                ("args[1]".to_owned(), redacted.clone()),
                ("args[3]".to_owned(), redacted),
                ("args[5]".to_owned(), Some(Value::from("2"))),
                ("args[7]".to_owned(), Some(Value::from("2"))),
            ]
        );
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
    fn compose(image: &str, volume: &str) -> String {
        format!(
            "# Written by Girder.\nname: shop-dev\nservices:\n  db:\n    image: {image}\n    \
             environment:\n      DB_PASSWORD: hunter2\n      PGDATA: /data\n    volumes:\n    \
             - type: volume\n      source: {volume}\n      target: /data\nnetworks:\n  db:\n    \
             internal: true\nvolumes:\n  {volume}: null\n"
        )
    }

    #[test]
    fn compose_files_split_into_services_networks_and_volumes() {
        let path = "dev/compose/compose.yaml";
        let old = files(&[(path, &compose("postgres:16.4", "db-data"))]);
        // A new image is a plain change.
        let image = files(&[(path, &compose("postgres:16.6", "db-data"))]);
        let report = diff(&old, &image).unwrap();
        assert_eq!(
            report.to_string(),
            "~ [dev] compose/service db\n  image: \"postgres:16.4\" -> \"postgres:16.6\"\n\
             0 added, 0 removed, 1 changed"
        );
        assert_eq!(report.destructive(), 0);
        // A renamed volume is a new, empty one: destructive.
        let renamed = files(&[(path, &compose("postgres:16.4", "pg-data"))]);
        let report = diff(&old, &renamed).unwrap();
        let text = report.to_string();
        assert!(text.contains("+ [dev] compose/volume pg-data\n"), "{text}");
        assert!(
            text.contains(
                "- [dev] compose/volume db-data\n  ! destructive: named volume `db-data` leaves the project"
            ),
            "{text}"
        );
        assert!(
            text.contains("  volumes[0].source: \"db-data\" -> \"pg-data\"\n"),
            "{text}"
        );
        assert_eq!(report.destructive(), 1, "{text}");
        // A secret literal someone wrote into the file is not shown.
        let leaked = compose("postgres:16.4", "db-data").replace("hunter2", "hunter3");
        let text = diff(&old, &files(&[(path, &leaked)])).unwrap().to_string();
        assert!(!text.contains("hunter"), "{text}");
        assert!(text.contains(REDACTED), "{text}");
    }
}
