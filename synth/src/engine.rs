//! Synthesis: aspects, validation, rendering and checks, then the files to write.

use std::any::Any;
use std::collections::{BTreeMap, HashMap};

use girder_core::{App, Aspect, Diagnostic, Diagnostics, Visit};
use girder_k8s::aspects::{DefaultResources, ResourceChecks};
use girder_k8s::{Manifest, yaml};

/// The output of one synthesis: every file, by its path relative to the output directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assembly {
    /// File contents by relative path (`prod/k8s/hello.yaml`), including `manifest.json`.
    pub files: BTreeMap<String, String>,
    /// Warnings found (synthesis succeeded despite them).
    pub warnings: Diagnostics,
    /// The number of objects emitted.
    pub objects: usize,
}

/// The name of the index file written beside the output.
pub const MANIFEST: &str = "manifest.json";

/// The file of cluster-scoped objects in `<env>/k8s/` (an underscore: no namespace is named so).
pub const CLUSTER_FILE: &str = "_cluster.yaml";

/// One serialized object, with what orders it in its file: kind rank, kind, namespace, name, API version.
struct Doc {
    rank: usize,
    kind: String,
    namespace: Option<String>,
    name: Option<String>,
    api_version: String,
    /// `Kind namespace/name`, from [`Manifest::describe`], for the index.
    object: String,
    yaml: String,
}

/// Synthesizes `app`: runs aspects, validates every construct, renders, runs object aspects and
/// Girder's checks, and returns the files to write, or every error found.
pub fn synthesize(app: &App) -> Result<Assembly, Diagnostics> {
    let mut diags = app.tree_diagnostics();
    // Constructs whose id is invalid or duplicated are validated but not rendered: their objects
    // would only repeat the problem as name collisions.
    let broken: std::collections::HashSet<String> = diags.iter().map(|d| d.path.clone()).collect();
    app.apply_aspects(&mut diags);
    app.for_each_construct(|cx, c| c.validate(cx, &mut diags));
    let builtin: [Box<dyn Aspect>; 2] = [
        Box::new(DefaultResources::girder()),
        Box::new(ResourceChecks),
    ];
    let mut files: BTreeMap<String, Vec<Doc>> = BTreeMap::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut objects = 0;
    app.for_each_construct(|cx, c| {
        if broken.contains(cx.path.as_str()) {
            return;
        }
        let mut out = girder_core::Emitted::new();
        c.render(cx, &mut out);
        let aspects = app.aspects_for(cx.node);
        for artifact in out.drain() {
            let artifact = match artifact.downcast::<Diagnostic>() {
                Ok(d) => {
                    diags.push(*d);
                    continue;
                }
                Err(other) => other,
            };
            let mut manifest = match artifact.downcast::<Manifest>() {
                Ok(m) => *m,
                Err(_) => {
                    diags.push(
                        Diagnostic::error(cx.path.as_str(), "emitted an artifact no target knows")
                            .hint("this is a bug in the construct: emit a `Manifest` or a `Diagnostic`"),
                    );
                    continue;
                }
            };
            let object = manifest.describe();
            for aspect in aspects.iter().map(|a| a.as_ref()).chain(builtin.iter().map(|a| a.as_ref())) {
                let target: &mut dyn Any = &mut manifest;
                aspect.visit(&mut Visit::new(cx.path.as_str(), cx.env, Some(&object), target, &mut diags));
            }
            let obj = manifest.object();
            let meta = obj.meta();
            // Identity: API group and `Kind namespace/name` (the version may differ between two
            // objects that the API server would still store as one).
            let group = obj.api_version().rsplit_once('/').map_or("", |(g, _)| g);
            let key = format!("{group} {object}");
            if let Some(first) = seen.get(&key) {
                diags.push(
                    Diagnostic::error(cx.path.as_str(), format!("{object} is also emitted by `{first}`"))
                        .object(object.clone())
                        .hint("two constructs derive the same object name: rename one of them"),
                );
                continue;
            }
            seen.insert(key, cx.path.to_string());
            objects += 1;
            let file = if obj.kind() == "Namespace" && obj.api_version() == "v1" {
                format!("{}/k8s/{}.yaml", cx.env, meta.name.as_deref().unwrap_or_default())
            } else if let Some(ns) = &meta.namespace {
                format!("{}/k8s/{ns}.yaml", cx.env)
            } else {
                format!("{}/k8s/{CLUSTER_FILE}", cx.env)
            };
            // Serialize now and drop the object: only its YAML is kept until the files are joined.
            let mut text = String::with_capacity(1024);
            if let Err(err) = manifest.write_yaml(&mut text) {
                diags.push(
                    Diagnostic::error(cx.path.as_str(), err.to_string())
                        .object(object.clone())
                        .hint("this is a bug in Girder or in a custom resource type: please report it"),
                );
                continue;
            }
            let doc = Doc {
                rank: yaml::kind_rank(obj.kind()),
                kind: obj.kind().to_owned(),
                namespace: meta.namespace.clone(),
                name: meta.name.clone(),
                api_version: obj.api_version().to_owned(),
                object,
                yaml: text,
            };
            files.entry(file).or_default().push(doc);
        }
    });
    if diags.has_errors() {
        return Err(diags);
    }
    let mut assembly = Assembly {
        files: BTreeMap::new(),
        warnings: diags,
        objects,
    };
    let mut index = Vec::with_capacity(files.len());
    for (path, mut docs) in files {
        docs.sort_by(|a, b| {
            (a.rank, &a.kind, &a.namespace, &a.name, &a.api_version).cmp(&(
                b.rank,
                &b.kind,
                &b.namespace,
                &b.name,
                &b.api_version,
            ))
        });
        let mut text = String::with_capacity(docs.iter().map(|d| d.yaml.len() + 4).sum());
        let mut listed = Vec::with_capacity(docs.len());
        for doc in docs {
            text.push_str("---\n");
            text.push_str(&doc.yaml);
            listed.push(serde_json::Value::String(format!(
                "{} {}",
                doc.api_version, doc.object
            )));
        }
        index.push(serde_json::json!({ "path": path, "objects": listed }));
        assembly.files.insert(path, text);
    }
    let manifest = serde_json::json!({
        "app": app.name(),
        "generator": concat!("girder ", env!("CARGO_PKG_VERSION")),
        "files": index,
    });
    let mut text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    text.push('\n');
    assembly.files.insert(MANIFEST.to_owned(), text);
    Ok(assembly)
}
