//! A synthesized output directory as Girder reads it back: its `manifest.json`, checked to be
//! Girder's own, the files it lists, and whether Girder may replace the directory.
//!
//! Girder replaces an output directory whole, so it must be sure the directory is its own:
//! a directory is Girder's when it is missing or empty, or when it holds a `manifest.json`
//! whose `generator` is Girder and whose `format` this version reads, and nothing but the files
//! that manifest lists. Anything else (another tool's `manifest.json`, a file added beside
//! Girder's output, a symbolic link, a file in place of the directory) is [`NotOurs`], and is
//! never deleted.
//!
//! ```
//! # let dir = tempfile::tempdir().unwrap();
//! use girder_synth::output::{NotOurs, ownership};
//!
//! std::fs::write(dir.path().join("manifest.json"), r#"{"name": "my-web-app"}"#)?;
//! let err = ownership(dir.path()).unwrap_err();
//! assert!(matches!(err, girder_synth::output::OutputError::NotOurs { reason: NotOurs::ForeignManifest { .. }, .. }));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use girder_aws::ExportLedger;
use serde::{Deserialize, Serialize};

use crate::graph::Graph;

/// The name of the index file written at the root of every output.
pub const MANIFEST: &str = "manifest.json";

/// The name `manifest.json`'s `generator` field starts with (`girder 0.1.0`).
pub const GENERATOR: &str = "girder";

/// The version of the output layout and of `manifest.json`'s shape that this Girder writes and
/// reads. A manifest without a `format` field was written before the field existed, in the
/// same layout: it is read as format 1.
pub const FORMAT: u32 = 1;

/// `manifest.json`: the index of an output, as synthesis writes it and as it is read back.
///
/// Its fields are in the order they are written (sorted by name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Manifest {
    /// The app's name.
    pub app: String,
    /// The exports between stacks that the next synthesis keeps (see `girder_aws::ExportLedger`).
    #[serde(default, skip_serializing_if = "ExportLedger::is_empty")]
    pub exports: ExportLedger,
    /// Every file of the output but the manifest itself, with the objects in it.
    pub files: Vec<ManifestFile>,
    /// The layout's version ([`FORMAT`]).
    #[serde(default = "first_format")]
    pub format: u32,
    /// The tool that wrote the output: `girder <version>`.
    pub generator: String,
    /// The wiring graph (`girder graph`), which `diff` compares edge by edge.
    #[serde(default, skip_serializing_if = "Graph::is_empty")]
    pub graph: Graph,
    /// The values allowed to look like secrets, for reviewers: `[construct path, field,
    /// reason]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secret_allowances: Vec<[String; 3]>,
    /// CloudFormation stacks in deploy order (producers before consumers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stacks: Vec<DeployStep>,
}

impl Manifest {
    /// The generator this Girder writes: `girder <version>`.
    pub fn generator() -> String {
        format!("{GENERATOR} {}", env!("CARGO_PKG_VERSION"))
    }

    /// The environments of the output, in order: the first segment of every file's path.
    pub fn environments(&self) -> Vec<&str> {
        let mut envs: Vec<&str> = self
            .files
            .iter()
            .filter_map(|f| f.path.split_once('/').map(|(env, _)| env))
            .collect();
        envs.dedup();
        envs
    }

    /// The Kubernetes files of environment `env`, by path.
    pub fn kubernetes_files<'a>(&'a self, env: &str) -> impl Iterator<Item = &'a ManifestFile> {
        let prefix = format!("{env}/k8s/");
        self.files
            .iter()
            .filter(move |f| f.path.starts_with(&prefix))
    }

    /// The CloudFormation stacks of environment `env`, in deploy order.
    pub fn stacks_of<'a>(&'a self, env: &str) -> impl Iterator<Item = &'a DeployStep> {
        let prefix = format!("{env}/cfn/");
        self.stacks
            .iter()
            .filter(move |s| s.template.starts_with(&prefix))
    }
}

/// An object listed in `manifest.json`, written `apps/v1 Deployment shop/api` or
/// `AWS::S3::Bucket Uploads1a2b3c4d`; read its parts with [`ObjectRef::id`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectRef(String);

/// The parts of an [`ObjectRef`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectId<'a> {
    /// A Kubernetes object.
    Kubernetes {
        /// Its API version, e.g. `apps/v1`.
        api_version: &'a str,
        /// Its kind, e.g. `Deployment`.
        kind: &'a str,
        /// Its namespace; `None` for a cluster-scoped object.
        namespace: Option<&'a str>,
        /// Its name.
        name: &'a str,
    },
    /// A CloudFormation resource.
    CloudFormation {
        /// Its type, e.g. `AWS::S3::Bucket`.
        type_name: &'a str,
        /// Its logical ID.
        logical_id: &'a str,
    },
    /// A top-level element of a Compose file.
    Compose {
        /// `service`, `network`, `volume` or `config`.
        kind: &'a str,
        /// Its name.
        name: &'a str,
    },
}

impl ObjectRef {
    /// A Kubernetes object.
    pub fn kubernetes(api_version: &str, kind: &str, namespace: Option<&str>, name: &str) -> Self {
        ObjectRef(match namespace {
            Some(namespace) => format!("{api_version} {kind} {namespace}/{name}"),
            None => format!("{api_version} {kind} {name}"),
        })
    }

    /// A CloudFormation resource.
    pub fn cloudformation(type_name: &str, logical_id: &str) -> Self {
        ObjectRef(format!("{type_name} {logical_id}"))
    }

    /// A top-level element of a Compose file: `compose/service api`.
    pub fn compose(kind: &str, name: &str) -> Self {
        ObjectRef(format!("compose/{kind} {name}"))
    }

    /// The object as `manifest.json` lists it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The object's parts.
    pub fn id(&self) -> ObjectId<'_> {
        // Checked when made or read: one of the two shapes.
        Self::parse(&self.0).unwrap_or(ObjectId::CloudFormation {
            type_name: "",
            logical_id: &self.0,
        })
    }

    fn parse(s: &str) -> Option<ObjectId<'_>> {
        let mut words = s.split(' ');
        match (words.next(), words.next(), words.next(), words.next()) {
            (Some(api_version), Some(kind), Some(object), None)
                if !api_version.is_empty() && !kind.is_empty() && !object.is_empty() =>
            {
                let (namespace, name) = match object.split_once('/') {
                    Some((namespace, name)) => (Some(namespace), name),
                    None => (None, object),
                };
                Some(ObjectId::Kubernetes {
                    api_version,
                    kind,
                    namespace,
                    name,
                })
            }
            (Some(kind), Some(name), None, None)
                if kind.starts_with("compose/") && !name.is_empty() =>
            {
                Some(ObjectId::Compose {
                    kind: &kind["compose/".len()..],
                    name,
                })
            }
            (Some(type_name), Some(logical_id), None, None)
                if type_name.contains("::") && !logical_id.is_empty() =>
            {
                Some(ObjectId::CloudFormation {
                    type_name,
                    logical_id,
                })
            }
            _ => None,
        }
    }
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for ObjectRef {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match Self::parse(s) {
            Some(_) => Ok(ObjectRef(s.to_owned())),
            None => Err(format!(
                "`{s}` is neither `<apiVersion> <kind> [<namespace>/]<name>`, `<type> <logical ID>` nor `compose/<kind> <name>`"
            )),
        }
    }
}

impl Serialize for ObjectRef {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ObjectRef {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        match Self::parse(&text) {
            Some(_) => Ok(ObjectRef(text)),
            None => Err(serde::de::Error::custom(format!(
                "`{text}` is neither `<apiVersion> <kind> [<namespace>/]<name>`, `<type> <logical ID>` nor `compose/<kind> <name>`"
            ))),
        }
    }
}

fn first_format() -> u32 {
    1
}

/// One file listed in `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ManifestFile {
    /// The objects in it, in file order.
    pub objects: Vec<ObjectRef>,
    /// The file's path relative to the output directory, `/`-separated.
    pub path: String,
}

/// One CloudFormation stack in deploy order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeployStep {
    /// The AWS account id.
    pub account: String,
    /// The AWS region.
    pub region: String,
    /// The stack's name.
    pub stack: String,
    /// The path of its template, relative to the output directory.
    pub template: String,
}

/// Why a directory is not a Girder output that Girder may replace.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotOurs {
    /// The path is a symbolic link: Girder writes directories, never links.
    #[error("it is a symbolic link")]
    Symlink,
    /// The path is a file or something else that is not a directory.
    #[error("it is not a directory")]
    NotADirectory,
    /// The directory holds files and no `manifest.json`.
    #[error("it is not empty and has no {MANIFEST}")]
    NoManifest,
    /// The directory's `manifest.json` is not Girder's.
    #[error("its {MANIFEST} was not written by Girder: {detail}")]
    ForeignManifest {
        /// What gave it away.
        detail: String,
    },
    /// The manifest is Girder's, of a format this version does not know.
    #[error("its {MANIFEST} has format {found}, and this Girder knows format {FORMAT}")]
    UnknownFormat {
        /// The manifest's format.
        found: u32,
    },
    /// Files that the manifest does not list sit beside Girder's output.
    #[error("it holds {} that Girder did not write: {}", plural(.paths.len(), "file"), list(.paths))]
    Unlisted {
        /// The first few such paths, relative to the directory.
        paths: Vec<String>,
    },
}

/// Why an output directory could not be read back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    /// The directory is not Girder's output.
    #[error("`{}` is not a Girder output: {reason}", path.display())]
    NotOurs {
        /// The directory.
        path: PathBuf,
        /// Why not.
        reason: NotOurs,
    },
    /// The directory does not exist.
    #[error("`{}` does not exist", path.display())]
    Missing {
        /// The directory.
        path: PathBuf,
    },
    /// A file listed in the manifest is missing.
    #[error("`{}` lists `{file}`, which is missing", path.display())]
    MissingFile {
        /// The manifest's path.
        path: PathBuf,
        /// The listed file.
        file: String,
    },
    /// Reading failed.
    #[error("could not read `{}`", path.display())]
    Read {
        /// What was being read.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: io::Error,
    },
}

/// How many unlisted paths a [`NotOurs::Unlisted`] names.
const SHOWN: usize = 5;

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else if n > SHOWN {
        format!("{SHOWN}+ {word}s")
    } else {
        format!("{n} {word}s")
    }
}

fn list(paths: &[String]) -> String {
    paths
        .iter()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn read_err(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError::Read {
        path: path.to_owned(),
        source,
    }
}

fn not_ours(path: &Path, reason: NotOurs) -> OutputError {
    OutputError::NotOurs {
        path: path.to_owned(),
        reason,
    }
}

impl Manifest {
    /// Parses `text` as Girder's `manifest.json` and checks that Girder wrote it in a format this
    /// version knows, with file paths that stay inside the output directory.
    pub fn parse(text: &str) -> Result<Manifest, NotOurs> {
        parse_as(text)
    }

    /// Reads and checks `dir/manifest.json`; `Ok(None)` when there is none.
    pub fn read(dir: &Path) -> Result<Option<Manifest>, OutputError> {
        read_manifest(dir, Manifest::parse)
    }
}

/// Checks that a manifest's text was written by Girder in a format this version knows.
fn check_header(text: &str) -> Result<(), NotOurs> {
    #[derive(Deserialize)]
    struct Generator {
        generator: Option<serde_json::Value>,
    }
    // The generator is checked first: another tool's manifest is named as such, not as a
    // broken Girder manifest.
    let generator = serde_json::from_str::<Generator>(text)
        .map_err(|e| NotOurs::ForeignManifest {
            detail: format!("it is not a JSON object ({e})"),
        })?
        .generator;
    match &generator {
        Some(serde_json::Value::String(g))
            if g == GENERATOR
                || g.strip_prefix(GENERATOR)
                    .is_some_and(|v| v.starts_with(' ')) => {}
        Some(other) => {
            return Err(NotOurs::ForeignManifest {
                detail: format!("its generator is {other}"),
            });
        }
        None => {
            return Err(NotOurs::ForeignManifest {
                detail: "it has no `generator`".to_owned(),
            });
        }
    }
    #[derive(Deserialize)]
    struct Format {
        #[serde(default = "first_format")]
        format: u32,
    }
    if let Ok(Format { format }) = serde_json::from_str::<Format>(text)
        && format != FORMAT
    {
        return Err(NotOurs::UnknownFormat { found: format });
    }
    Ok(())
}

/// Checks that every listed path stays inside the output directory.
fn check_paths<'a>(mut paths: impl Iterator<Item = &'a str>) -> Result<(), NotOurs> {
    match paths.find(|path| !is_inside(path)) {
        Some(bad) => Err(NotOurs::ForeignManifest {
            detail: format!("it lists `{bad}`, a path outside the directory"),
        }),
        None => Ok(()),
    }
}

/// Reads `dir/manifest.json` with `parse`; `Ok(None)` when there is none.
fn read_manifest<T>(
    dir: &Path,
    parse: impl FnOnce(&str) -> Result<T, NotOurs>,
) -> Result<Option<T>, OutputError> {
    {
        let path = dir.join(MANIFEST);
        match fs::symlink_metadata(&path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(read_err(&path)(e)),
            Ok(meta) if !meta.is_file() => {
                return Err(not_ours(
                    dir,
                    NotOurs::ForeignManifest {
                        detail: format!("{MANIFEST} is not a regular file"),
                    },
                ));
            }
            Ok(_) => {}
        }
        let text = fs::read(&path).map_err(read_err(&path))?;
        let text = String::from_utf8(text).map_err(|_| {
            not_ours(
                dir,
                NotOurs::ForeignManifest {
                    detail: "it is not UTF-8 text".to_owned(),
                },
            )
        })?;
        parse(&text)
            .map(Some)
            .map_err(|reason| not_ours(dir, reason))
    }
}

/// What a synthesis needs of the output it replaces, read from its manifest without the
/// objects listed there: the app, the exports between its stacks, and its files' paths.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Previous {
    /// The app's name.
    pub app: String,
    /// The exports between stacks that the next synthesis keeps (see `girder_aws::ExportLedger`).
    #[serde(default)]
    pub exports: ExportLedger,
    files: Vec<ListedPath>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct ListedPath {
    path: String,
}

/// Whether `path` is relative and stays inside the directory it is relative to.
fn is_inside(path: &str) -> bool {
    !path.is_empty()
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// Checks that Girder may replace `dir` (see the [module](self) docs); returns the manifest of
/// the Girder output it holds, or `None` when it is missing or empty.
pub fn ownership(dir: &Path) -> Result<Option<Manifest>, OutputError> {
    owned(dir)
}

/// [`ownership`], reading of the manifest only what a synthesis that replaces `dir` needs.
pub(crate) fn previous_output(dir: &Path) -> Result<Option<Previous>, OutputError> {
    owned(dir)
}

/// A manifest as read back, whole or in part: the paths of the files it lists.
trait Listing: serde::de::DeserializeOwned {
    fn paths(&self) -> Vec<&str>;
}

impl Listing for Manifest {
    fn paths(&self) -> Vec<&str> {
        self.files.iter().map(|f| f.path.as_str()).collect()
    }
}

impl Listing for Previous {
    fn paths(&self) -> Vec<&str> {
        self.files.iter().map(|f| f.path.as_str()).collect()
    }
}

/// Parses `text` as a Girder manifest read into `T`, checking that Girder wrote it in a format
/// this version knows, with file paths that stay inside the output directory.
fn parse_as<T: Listing>(text: &str) -> Result<T, NotOurs> {
    check_header(text)?;
    let manifest: T = serde_json::from_str(text).map_err(|e| NotOurs::ForeignManifest {
        detail: format!("it does not have the shape of Girder's ({e})"),
    })?;
    check_paths(manifest.paths().into_iter())?;
    Ok(manifest)
}

/// Checks that Girder may replace `dir`, reading its manifest as a `T`.
fn owned<T: Listing>(dir: &Path) -> Result<Option<T>, OutputError> {
    let meta = match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(read_err(dir)(e)),
        Ok(meta) => meta,
    };
    if meta.file_type().is_symlink() {
        return Err(not_ours(dir, NotOurs::Symlink));
    }
    if !meta.is_dir() {
        return Err(not_ours(dir, NotOurs::NotADirectory));
    }
    let Some(manifest) = read_manifest(dir, parse_as::<T>)? else {
        if fs::read_dir(dir).map_err(read_err(dir))?.next().is_some() {
            return Err(not_ours(dir, NotOurs::NoManifest));
        }
        return Ok(None);
    };
    let listed: BTreeSet<&str> = manifest.paths().into_iter().chain([MANIFEST]).collect();
    let mut unlisted = Vec::new();
    unlisted_below(dir, "", &listed, &mut unlisted)?;
    if !unlisted.is_empty() {
        unlisted.sort();
        unlisted.truncate(SHOWN + 1);
        return Err(not_ours(dir, NotOurs::Unlisted { paths: unlisted }));
    }
    Ok(Some(manifest))
}

/// Adds to `unlisted` every file or link below `dir` (at `prefix` in the output) that `listed`
/// does not name; stops once it holds more than [`SHOWN`].
fn unlisted_below(
    dir: &Path,
    prefix: &str,
    listed: &BTreeSet<&str>,
    unlisted: &mut Vec<String>,
) -> Result<(), OutputError> {
    for entry in fs::read_dir(dir).map_err(read_err(dir))? {
        if unlisted.len() > SHOWN {
            return Ok(());
        }
        let entry = entry.map_err(read_err(dir))?;
        let name = entry.file_name();
        let rel = format!("{prefix}{}", name.to_string_lossy());
        let kind = entry.file_type().map_err(read_err(&entry.path()))?;
        if kind.is_dir() {
            unlisted_below(&entry.path(), &format!("{rel}/"), listed, unlisted)?;
        } else if !(kind.is_file() && name.to_str().is_some() && listed.contains(rel.as_str())) {
            unlisted.push(rel);
        }
    }
    Ok(())
}

/// Reads a previous output: its checked manifest and the text of every file it lists, by path.
pub fn read(dir: &Path) -> Result<(Manifest, BTreeMap<String, String>), OutputError> {
    let manifest = match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(OutputError::Missing {
                path: dir.to_owned(),
            });
        }
        Err(e) => return Err(read_err(dir)(e)),
        Ok(meta) if !meta.is_dir() => return Err(not_ours(dir, NotOurs::NotADirectory)),
        Ok(_) => Manifest::read(dir)?.ok_or_else(|| not_ours(dir, NotOurs::NoManifest))?,
    };
    let mut files = BTreeMap::new();
    for file in &manifest.files {
        let path = dir.join(&file.path);
        let text = match fs::read_to_string(&path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(OutputError::MissingFile {
                    path: dir.join(MANIFEST),
                    file: file.path.clone(),
                });
            }
            other => other.map_err(read_err(&path))?,
        };
        files.insert(file.path.clone(), text);
    }
    Ok((manifest, files))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: &str = r#"{
 "app": "shop",
 "files": [{"objects": ["v1 Namespace shop"], "path": "prod/k8s/shop.yaml"}],
 "format": 1,
 "generator": "girder 0.1.0"
}"#;

    fn output() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("prod/k8s")).unwrap();
        fs::write(dir.path().join("prod/k8s/shop.yaml"), "---\n").unwrap();
        fs::write(dir.path().join(MANIFEST), OURS).unwrap();
        dir
    }

    fn reason(dir: &Path) -> NotOurs {
        match ownership(dir) {
            Err(OutputError::NotOurs { reason, .. }) => reason,
            other => panic!("expected NotOurs, got {other:?}"),
        }
    }

    #[test]
    fn a_missing_or_empty_directory_is_free() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(ownership(&dir.path().join("dist")).unwrap(), None);
        assert_eq!(ownership(dir.path()).unwrap(), None);
    }

    #[test]
    fn girder_output_is_ours() {
        let dir = output();
        let manifest = ownership(dir.path()).unwrap().unwrap();
        assert_eq!(manifest.app, "shop");
        let (_, files) = read(dir.path()).unwrap();
        assert_eq!(files.keys().collect::<Vec<_>>(), ["prod/k8s/shop.yaml"]);
    }

    #[test]
    fn a_manifest_written_before_the_format_field_is_format_one() {
        let legacy = OURS.replace(" \"format\": 1,\n", "");
        assert!(!legacy.contains("format"));
        assert_eq!(Manifest::parse(&legacy).unwrap().format, 1);
    }

    #[test]
    fn another_tools_manifest_is_foreign() {
        for text in [
            r#"{"name": "web", "icons": []}"#,
            r#"{"generator": "webpack 5", "files": []}"#,
            r#"{"generator": "girderling 1", "files": [], "app": "x"}"#,
            r#"{"generator": 3}"#,
            "[1, 2]",
            "not json",
        ] {
            let err = Manifest::parse(text).unwrap_err();
            assert!(
                matches!(err, NotOurs::ForeignManifest { .. }),
                "{text}: {err}"
            );
        }
    }

    #[test]
    fn an_unknown_format_is_refused() {
        let text = OURS.replace("\"format\": 1", "\"format\": 2");
        assert_eq!(
            Manifest::parse(&text).unwrap_err(),
            NotOurs::UnknownFormat { found: 2 }
        );
    }

    #[test]
    fn paths_outside_the_directory_are_refused() {
        for bad in ["../etc/passwd", "/etc/passwd", "prod/../../x", ""] {
            let text = OURS.replace("prod/k8s/shop.yaml", bad);
            let err = Manifest::parse(&text).unwrap_err();
            assert!(
                matches!(err, NotOurs::ForeignManifest { .. }),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn files_beside_girder_output_are_not_ours() {
        let dir = output();
        fs::write(dir.path().join("prod/k8s/notes.txt"), "mine").unwrap();
        fs::write(dir.path().join("index.html"), "mine").unwrap();
        assert_eq!(
            reason(dir.path()),
            NotOurs::Unlisted {
                paths: vec!["index.html".into(), "prod/k8s/notes.txt".into()]
            }
        );
    }

    #[cfg(unix)]
    #[test]
    fn links_are_not_ours() {
        let dir = output();
        let target = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(target.path(), dir.path().join("prod/k8s/shop.yaml.d")).unwrap();
        assert!(matches!(reason(dir.path()), NotOurs::Unlisted { .. }));
        let link = target.path().join("dist");
        std::os::unix::fs::symlink(dir.path(), &link).unwrap();
        assert_eq!(reason(&link), NotOurs::Symlink);
    }

    #[test]
    fn a_file_in_place_of_the_directory_is_not_ours() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("dist");
        fs::write(&file, "mine").unwrap();
        assert_eq!(reason(&file), NotOurs::NotADirectory);
    }

    #[test]
    fn a_directory_without_manifest_is_not_ours() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("index.html"), "mine").unwrap();
        assert_eq!(reason(dir.path()), NotOurs::NoManifest);
    }

    #[test]
    fn reading_needs_every_listed_file() {
        let dir = output();
        fs::remove_file(dir.path().join("prod/k8s/shop.yaml")).unwrap();
        let err = read(dir.path()).unwrap_err();
        assert!(matches!(err, OutputError::MissingFile { .. }), "{err}");
        let empty = tempfile::tempdir().unwrap();
        assert!(matches!(
            read(empty.path()).unwrap_err(),
            OutputError::NotOurs {
                reason: NotOurs::NoManifest,
                ..
            }
        ));
    }
}
