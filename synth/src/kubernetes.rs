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

/// The Kubernetes objects one construct emitted, after the program's aspects.
pub(crate) struct Emission {
    pub(crate) manifests: Vec<Manifest>,
    pub(crate) env: String,
    /// The construct's index (the caller keeps its path).
    pub(crate) construct: usize,
}

/// The files, each with its documents in apply order and how `manifest.json` lists it; and
/// every problem found, with the construct it is about.
pub(crate) type KubernetesOutput = (Vec<(String, Text, ManifestFile)>, Vec<(usize, Problem)>);

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
    /// Checks and writes every object `emissions` brings, until it closes.
    pub(crate) fn write_all(emissions: std::sync::mpsc::Receiver<Emission>) -> KubernetesOutput {
        let mut files = Files::default();
        for emission in emissions {
            for manifest in emission.manifests {
                files.add(manifest, &emission.env, emission.construct);
            }
        }
        let problems = std::mem::take(&mut files.problems);
        (files.finish(), problems)
    }

    /// Checks, writes and drops `manifest`, emitted by construct `construct` in `env`.
    pub(crate) fn add(&mut self, manifest: Manifest, env: &str, construct: usize) {
        let object = manifest.object();
        let (api_version, kind) = (object.api_version(), object.kind());
        let meta = object.meta();
        let name = meta.name.clone().unwrap_or_default();
        let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
        let identity = (
            env.to_owned(),
            group.to_owned(),
            kind.to_owned(),
            meta.namespace.clone(),
            name.clone(),
        );
        match self.seen.entry(identity) {
            Entry::Occupied(first) => {
                let (first, object) = (*first.get(), manifest.describe());
                self.problems
                    .push((construct, Problem::Collision { first, object }));
                return;
            }
            Entry::Vacant(slot) => {
                slot.insert(construct);
            }
        }
        let path = match (&meta.namespace, kind, api_version) {
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
        if let Err(error) = manifest.write_yaml(&mut file.text) {
            file.text.truncate(start);
            let (object, error) = (manifest.describe(), error.to_string());
            self.problems
                .push((construct, Problem::Serialize { object, error }));
            return;
        }
        let written = &file.text[start + 4..];
        let found = girder_k8s::secrets::scan(api_version, kind, written, || manifest.describe());
        self.problems.extend(
            found
                .into_iter()
                .map(|finding| (construct, Problem::Secret(finding))),
        );
        file.docs.push(Doc {
            order: (
                yaml::kind_rank(kind),
                kind.to_owned(),
                meta.namespace.is_some(),
                name.clone(),
                api_version.to_owned(),
            ),
            object: ObjectRef::kubernetes(api_version, kind, meta.namespace.as_deref(), &name),
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
