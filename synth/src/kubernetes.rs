//! The Kubernetes files of an output: each final object checked, written into its file and
//! scanned for secrets, then each file sorted and listed.
//!
//! Objects arrive one construct at a time, after the program's aspects and Girder's checks of
//! each object ([`girder_k8s::rules::Checker`], run by the engine). Each is written as YAML into
//! the file of its environment and namespace (`<env>/k8s/<namespace>.yaml`; cluster-scoped objects
//! in [`CLUSTER_FILE`], a Namespace in its own namespace's file), scanned for secrets as
//! written ([`girder_k8s::secrets`]), and dropped: only the text stays. Once every object is
//! known, each file's documents are put in apply order ([`girder_k8s::yaml::kind_rank`]).

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use girder_core::secrets::Finding;
use girder_k8s::{Manifest, yaml};

use crate::output::{ManifestFile, ObjectRef};
use crate::text::Text;

/// The file of cluster-scoped objects in `<env>/k8s/` (an underscore: no namespace is named so).
pub const CLUSTER_FILE: &str = "_cluster.yaml";

/// A problem with an object, by the index of the construct that emitted it (its path is
/// looked up by the caller).
pub(crate) enum Problem {
    /// Two constructs emit the same object.
    Collision { first: usize, object: String },
    /// The object cannot be written (a bug in a custom resource type or in Girder).
    Serialize { object: String, error: String },
    /// Something that looks like a secret is written.
    Secret(Finding),
}

/// One written object: where it is in its file's text, and what orders it in the file.
struct Doc {
    /// Sorts the file: kind rank, kind, cluster-scoped before namespaced, name, API version.
    order: (usize, String, bool, String, String),
    object: ObjectRef,
    span: Range<usize>,
}

#[derive(Default)]
struct File {
    text: String,
    docs: Vec<Doc>,
}

/// An object's identity within a cluster: environment, API group, kind, namespace, name (the
/// version may differ between two objects that the API server stores as one).
type Identity = (String, String, String, Option<String>, String);

/// The Kubernetes objects one construct emitted, written as YAML by the thread that rendered
/// them (which drops the typed objects where it made them, unless the synthesis keeps them).
pub(crate) struct Emission {
    objects: Vec<WrittenObject>,
    env: String,
    /// The construct's index (the caller keeps its path).
    construct: usize,
}

/// One object as written: its identity and its YAML document (without `---`), or why it could
/// not be written.
struct WrittenObject {
    api_version: String,
    kind: String,
    namespace: Option<String>,
    name: Option<String>,
    yaml: Result<String, String>,
}

impl WrittenObject {
    /// `Kind namespace/name`, as `Manifest::describe` says it.
    fn describe(&self) -> String {
        let name = self.name.as_deref().unwrap_or("<unnamed>");
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{name}", self.kind),
            None => format!("{} {name}", self.kind),
        }
    }
}

impl Emission {
    /// The objects construct `construct` emitted in `env`, written. Each is written into
    /// `buffer` first, so that its text is allocated once, at its size.
    pub(crate) fn write(
        manifests: &[Manifest],
        env: &str,
        construct: usize,
        buffer: &mut String,
    ) -> Self {
        let objects = manifests
            .iter()
            .map(|manifest| {
                let object = manifest.object();
                let meta = object.meta();
                buffer.clear();
                WrittenObject {
                    api_version: object.api_version().to_owned(),
                    kind: object.kind().to_owned(),
                    namespace: meta.namespace.clone(),
                    name: meta.name.clone(),
                    yaml: match manifest.write_yaml(buffer) {
                        Ok(()) => Ok(buffer.as_str().to_owned()),
                        Err(error) => Err(error.to_string()),
                    },
                }
            })
            .collect();
        Emission {
            objects,
            env: env.to_owned(),
            construct,
        }
    }

    fn len(&self) -> usize {
        self.objects.len()
    }
}

/// The files, each with its documents in apply order and how `manifest.json` lists it; and
/// every problem found, with the construct it is about.
pub(crate) type KubernetesOutput = (Vec<(String, Text, ManifestFile)>, Vec<(usize, Problem)>);

/// How many Kubernetes objects a [`Writer`] thread writes at once.
const BATCH: usize = 256;

/// Writes the Kubernetes objects in batches, each on a new scoped thread that runs while the
/// caller renders the next constructs: the one parallel part of synthesis.
///
/// A thread per batch rather than one long-lived thread fed through a channel: on the virtual
/// machines Girder is measured on, a woken thread is placed on the CPU of the thread that woke
/// it, and the two then share one CPU; a new thread goes to the idle one.
pub(crate) struct Writer<'scope, 'env> {
    scope: &'scope std::thread::Scope<'scope, 'env>,
    state: State<'scope>,
    batch: Vec<Emission>,
    objects: usize,
}

/// Where the files are between batches.
enum State<'scope> {
    Here(Files),
    Writing(std::thread::ScopedJoinHandle<'scope, Files>),
    /// A thread panicked: what it held is lost, and the synthesis fails.
    Lost,
}

/// A thread writing the Kubernetes objects panicked.
pub(crate) struct Panicked;

impl<'scope, 'env> Writer<'scope, 'env> {
    pub(crate) fn new(scope: &'scope std::thread::Scope<'scope, 'env>) -> Self {
        Writer {
            scope,
            state: State::Here(Files::default()),
            batch: Vec::new(),
            objects: 0,
        }
    }

    /// Adds the objects one construct emitted; a full batch goes to a thread.
    pub(crate) fn add(&mut self, emission: Emission) {
        self.objects += emission.len();
        self.batch.push(emission);
        if self.objects >= BATCH {
            let batch = std::mem::take(&mut self.batch);
            self.objects = 0;
            if let Some(mut files) = self.files() {
                self.state = State::Writing(self.scope.spawn(move || {
                    files.add_all(batch);
                    files
                }));
            }
        }
    }

    /// The files, once the thread writing the last batch is done.
    fn files(&mut self) -> Option<Files> {
        match std::mem::replace(&mut self.state, State::Lost) {
            State::Here(files) => Some(files),
            State::Writing(thread) => thread.join().ok(),
            State::Lost => None,
        }
    }

    /// Writes what is left, here, and puts the files together.
    pub(crate) fn finish(mut self) -> Result<KubernetesOutput, Panicked> {
        let mut files = self.files().ok_or(Panicked)?;
        files.add_all(std::mem::take(&mut self.batch));
        let problems = std::mem::take(&mut files.problems);
        Ok((files.finish(), problems))
    }
}

/// The Kubernetes files being written.
#[derive(Default)]
pub(crate) struct Files {
    /// By path: few, sorted when put together.
    files: BTreeMap<String, File>,
    /// The construct that emitted each object, by identity.
    seen: HashMap<Identity, usize>,
    problems: Vec<(usize, Problem)>,
}

impl Files {
    fn add_all(&mut self, batch: Vec<Emission>) {
        for emission in batch {
            for object in emission.objects {
                self.add(object, &emission.env, emission.construct);
            }
        }
    }

    /// Files `object`, emitted by construct `construct` in `env`, and scans it for secrets.
    fn add(&mut self, object: WrittenObject, env: &str, construct: usize) {
        let WrittenObject {
            api_version,
            kind,
            namespace,
            name,
            yaml,
        } = &object;
        let name = name.clone().unwrap_or_default();
        let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
        let identity = (
            env.to_owned(),
            group.to_owned(),
            kind.clone(),
            namespace.clone(),
            name.clone(),
        );
        match self.seen.entry(identity) {
            Entry::Occupied(first) => {
                let (first, object) = (*first.get(), object.describe());
                self.problems
                    .push((construct, Problem::Collision { first, object }));
                return;
            }
            Entry::Vacant(slot) => {
                slot.insert(construct);
            }
        }
        let yaml = match yaml {
            Ok(yaml) => yaml,
            Err(error) => {
                let (object, error) = (object.describe(), error.clone());
                self.problems
                    .push((construct, Problem::Serialize { object, error }));
                return;
            }
        };
        let found = girder_k8s::secrets::scan(api_version, kind, yaml, || object.describe());
        self.problems.extend(
            found
                .into_iter()
                .map(|finding| (construct, Problem::Secret(finding))),
        );
        let path = match (namespace, kind.as_str(), api_version.as_str()) {
            (_, "Namespace", "v1") => format!("{env}/k8s/{name}.yaml"),
            (Some(namespace), ..) => format!("{env}/k8s/{namespace}.yaml"),
            (None, ..) => format!("{env}/k8s/{CLUSTER_FILE}"),
        };
        let file = match self.files.get_mut(&path) {
            Some(file) => file,
            None => self.files.entry(path).or_default(),
        };
        let start = file.text.len();
        file.text.push_str("---\n");
        file.text.push_str(yaml);
        file.docs.push(Doc {
            order: (
                yaml::kind_rank(kind),
                kind.clone(),
                namespace.is_some(),
                name.clone(),
                api_version.clone(),
            ),
            object: ObjectRef::kubernetes(api_version, kind, namespace.as_deref(), &name),
            span: start..file.text.len(),
        });
    }

    /// The files, with their documents in apply order, by path; and how each file is listed in
    /// `manifest.json`.
    pub(crate) fn finish(self) -> Vec<(String, Text, ManifestFile)> {
        self.files
            .into_iter()
            .map(|(path, mut file)| {
                file.docs.sort_unstable_by(|a, b| a.order.cmp(&b.order));
                let spans = file.docs.iter().map(|doc| doc.span.clone()).collect();
                let listed = ManifestFile {
                    path: path.clone(),
                    objects: file.docs.into_iter().map(|doc| doc.object).collect(),
                };
                (path, Text::from_parts(file.text, spans), listed)
            })
            .collect()
    }
}
