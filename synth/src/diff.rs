//! Semantic diff of two synthesized output directories, for `girder diff`.
//!
//! Objects are matched by identity, not by file or position: Kubernetes objects by
//! (apiVersion, kind, namespace, name), CloudFormation resources and outputs by
//! (stack, logical id or output name). Objects are compared within a *scope*, the
//! directory above the one holding the file (the stage: `prod` for
//! `prod/k8s/hello.yaml`), so stages never collide. Secret values are redacted
//! while the report is built, so neither the data model nor its display holds them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// What replaces a secret value in a [`FieldChange`].
const REDACTED: &str = "<redacted>";

/// Why a diff could not be computed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiffError {
    /// The directory to read does not exist.
    #[error("directory {} does not exist", path.display())]
    MissingDir {
        /// The missing directory.
        path: PathBuf,
    },
    /// A directory could not be listed.
    #[error("could not list directory {}", path.display())]
    ReadDir {
        /// The directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be read.
    #[error("could not read {}", path.display())]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
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

/// The differences between two inputs, sorted by object key.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    changes: Vec<Change>,
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

    /// The changes, sorted by object key.
    pub fn iter(&self) -> std::slice::Iter<'_, Change> {
        self.changes.iter()
    }

    fn count(&self, pred: impl Fn(&Change) -> bool) -> usize {
        self.changes.iter().filter(|c| pred(c)).count()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<Value>| v.as_ref().map_or("(absent)".to_owned(), Value::to_string);
        for change in &self.changes {
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
        }
        if self.is_empty() {
            write!(f, "no changes")
        } else {
            let (a, r, c) = (self.added(), self.removed(), self.changed());
            write!(f, "{a} added, {r} removed, {c} changed")
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
    let mut changes = Vec::new();
    for key in keys {
        match (old.get(key), new.get(key)) {
            (Some((_, a)), Some((_, b))) => {
                let secret_kind =
                    matches!(key, ObjectKey::Kubernetes { kind, .. } if kind == "Secret");
                let mut differ = Differ {
                    secret_kind,
                    out: Vec::new(),
                };
                differ.walk(&mut Vec::new(), Some(a), Some(b), false);
                if !differ.out.is_empty() {
                    changes.push(Change::Changed(key.clone(), differ.out));
                }
            }
            (Some(_), None) => changes.push(Change::Removed(key.clone())),
            (None, _) => changes.push(Change::Added(key.clone())),
        }
    }
    Ok(Report { changes })
}

/// Reads every `.yaml`, `.yml` and `.json` file below `root` (except `manifest.json` at
/// the root), keyed by `/`-separated path relative to `root`.
pub fn read_dir(root: &Path) -> Result<BTreeMap<String, String>, DiffError> {
    if !root.exists() {
        return Err(DiffError::MissingDir {
            path: root.to_path_buf(),
        });
    }
    let mut files = BTreeMap::new();
    read_into(root, "", &mut files)?;
    Ok(files)
}

fn read_into(
    dir: &Path,
    prefix: &str,
    files: &mut BTreeMap<String, String>,
) -> Result<(), DiffError> {
    let dir_err = |source| DiffError::ReadDir {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(dir_err)? {
        let entry = entry.map_err(dir_err)?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = format!("{prefix}{name}");
        if entry.file_type().map_err(dir_err)?.is_dir() {
            read_into(&path, &format!("{rel}/"), files)?;
        } else if path.is_file()
            && [".yaml", ".yml", ".json"]
                .iter()
                .any(|ext| name.ends_with(ext))
            && !(prefix.is_empty() && name == "manifest.json")
        {
            let text = std::fs::read_to_string(&path).map_err(|source| DiffError::ReadFile {
                path: path.clone(),
                source,
            })?;
            files.insert(rel, text);
        }
    }
    Ok(())
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

struct Differ {
    secret_kind: bool,
    out: Vec<FieldChange>,
}

impl Differ {
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

    #[test]
    fn read_dir_reads_manifests_recursively() {
        let root = std::env::temp_dir().join(format!("girder-diff-test-{}", std::process::id()));
        std::fs::create_dir_all(root.join("prod/k8s")).unwrap();
        std::fs::write(root.join("manifest.json"), "{}").unwrap();
        std::fs::write(root.join("prod/k8s/hello.yaml"), SVC).unwrap();
        std::fs::write(root.join("prod/k8s/notes.txt"), "x").unwrap();
        let read = read_dir(&root);
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(read.unwrap(), files(&[("prod/k8s/hello.yaml", SVC)]));
        let err = read_dir(&root).unwrap_err();
        assert!(
            err.to_string().contains(&root.display().to_string()),
            "{err}"
        );
    }
}
