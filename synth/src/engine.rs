//! Synthesis, top to bottom: the program's aspects, validation, rendering with the aspects of
//! each target's objects, the targets' checks of the final objects, then the files.
//!
//! Everything runs on the calling thread (the construct tree is not `Send`). The targets do
//! their own work: [`crate::kubernetes`] checks and writes each Kubernetes object as it is
//! rendered, [`crate::cloudformation`] files CloudFormation resources into stacks that
//! `girder_aws` synthesizes once every construct has rendered.

use std::collections::{BTreeMap, HashSet};

use girder_aws::{CfnResource, ExportLedger};
use girder_core::{App, Context, Diagnostic, Diagnostics, Emitted, NodeId, Visit, Wire};
use girder_k8s::Manifest;
use girder_k8s::aspects::DefaultResources;
use girder_k8s::rules::Checker;

use crate::cloudformation::{Stacks, Synthesized, template_path};
use crate::compose::ComposeProjects;
use crate::graph::Graph;
use crate::kubernetes::{Emission, KubernetesOutput, Panicked, Problem, Writer};
use crate::output::{DeployStep, FORMAT, Manifest as Index, ManifestFile, ObjectRef};
use crate::text::Text;
use crate::write::{Staging, WriteError};

pub use crate::kubernetes::CLUSTER_FILE;
pub use crate::output::MANIFEST;

/// The output of one synthesis: every file, and its index; with
/// [`Options::keep_objects`], the Kubernetes objects themselves, for deployers.
#[derive(Debug)]
pub struct Assembly {
    /// File contents by relative path (`prod/k8s/hello.yaml`), including `manifest.json`.
    pub files: BTreeMap<String, Text>,
    /// The index of the files (`manifest.json` as a value): the objects of each file, the
    /// CloudFormation stacks in deploy order and the exports between them.
    pub manifest: Index,
    /// Warnings found (synthesis succeeded despite them).
    pub warnings: Diagnostics,
    /// The number of objects emitted.
    pub objects: usize,
    /// The final Kubernetes objects (after aspects and Girder's defaults), in the order they
    /// were rendered; empty unless [`Options::keep_objects`] was set.
    pub kubernetes: Vec<KubernetesObject>,
    /// The kube context of each environment that names one (`Kubernetes::context`).
    pub kube_contexts: BTreeMap<String, String>,
    /// The Compose environments (`env.compose()`), by environment name.
    pub compose: BTreeMap<String, ComposeProject>,
    /// The path of the construct that emitted each CloudFormation resource, by template path
    /// and logical id; empty unless [`Options::keep_objects`] was set.
    pub resource_paths: BTreeMap<(String, String), String>,
}

/// A Compose environment of an [`Assembly`]: where its files are, and the names of what it
/// reads from the host's environment. No deployer acts on it: `docker compose` starts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposeProject {
    /// The Compose project's name, `<app>-<env>`.
    pub project: String,
    /// The directory of its files in the output, `<env>/compose`.
    pub dir: String,
    /// The names of the variables it reads from the host's environment (`.env.example`),
    /// sorted; never a value.
    pub variables: Vec<String>,
}

/// A final Kubernetes object of an [`Assembly`], as it was written.
#[derive(Debug)]
pub struct KubernetesObject {
    /// The environment whose cluster it goes to.
    pub env: String,
    /// The path of the construct that emitted it, e.g. `prod/shop/api`.
    pub path: String,
    /// The object.
    pub manifest: Manifest,
}

impl Assembly {
    /// Every file as one string, by path (for diffs and tests).
    pub fn contents(&self) -> BTreeMap<String, String> {
        self.files
            .iter()
            .map(|(path, text)| (path.clone(), text.to_string()))
            .collect()
    }
}

/// What a synthesis needs beyond the program.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The exports between CloudFormation stacks of the last deployed synthesis (from its
    /// `manifest.json`): an export that was imported then and no longer is stays one more
    /// deployment (see `girder_aws::stack`).
    pub previous_exports: ExportLedger,
    /// Keep the final Kubernetes objects in [`Assembly::kubernetes`] (for deployers) instead of
    /// dropping each once written.
    pub keep_objects: bool,
}

/// Synthesizes `app` as a first synthesis (no previous exports): runs aspects, validates every
/// construct, renders, runs object aspects and Girder's checks, and returns the files to write,
/// or every error found.
pub fn synthesize(app: &App) -> Result<Assembly, Diagnostics> {
    synthesize_with(app, &Options::default())
}

/// Synthesizes `app` (see [`synthesize`]) with `options`.
pub fn synthesize_with(app: &App, options: &Options) -> Result<Assembly, Diagnostics> {
    let mut diags = app.tree_diagnostics();
    // Constructs whose id is invalid or duplicated are validated but not rendered: their objects
    // would only repeat the problem as name collisions.
    let broken: HashSet<String> = diags.iter().map(|d| d.path.clone()).collect();
    app.apply_aspects(&mut diags);
    app.for_each_construct(|cx, c| c.validate(cx, &mut diags));

    // The Kubernetes objects, once checked, are written and scanned for secrets on other
    // threads while this one renders the next constructs (`kubernetes::Writer`, the one
    // parallel part of synthesis; the construct tree is not `Send`, the objects are).
    let installed = Preinstalled::of(app);
    let declared = girder_k8s::rules::refs::Declarations::of(app);
    let kube_contexts = match girder_k8s::KubeContexts::of(app) {
        Ok(contexts) => contexts,
        Err(conflicts) => {
            for (env, contexts) in conflicts {
                diags.push(
                    Diagnostic::error(
                        env.as_str(),
                        format!(
                            "the environment names {} kube contexts: {}",
                            contexts.len(),
                            contexts.join(", ")
                        ),
                    )
                    .hint(
                        "an environment's cluster is one kube context: call `.context(...)` once",
                    ),
                );
            }
            BTreeMap::new()
        }
    };
    let (targets, kubernetes) = std::thread::scope(|scope| {
        let mut targets = Targets::new(
            Writer::new(scope),
            &installed,
            declared,
            ComposeProjects::of(app),
            options.keep_objects,
        );
        let mut out = Emitted::new();
        app.for_each_construct(|cx, c| {
            if !broken.contains(cx.path.as_str()) {
                c.render(cx, &mut out);
                targets.take(app, cx, &mut out, &mut diags);
            }
        });
        targets.rendered()
    });
    let Ok(kubernetes) = kubernetes else {
        diags.push(
            Diagnostic::error(
                app.name(),
                "a thread writing the Kubernetes objects panicked",
            )
            .hint("this is a bug in Girder: please report it"),
        );
        return Err(diags);
    };
    let mut assembly = targets.finish(app, kubernetes, options, diags)?;
    assembly.kube_contexts = kube_contexts;
    Ok(assembly)
}

/// Why [`synthesize_to`] wrote nothing that will show.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SynthError {
    /// The program is invalid: every error found, with the warnings.
    #[error("the program is invalid: {} errors", .0.error_count())]
    Invalid(Diagnostics),
    /// A file could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// What [`synthesize_to`] wrote.
#[derive(Debug)]
pub struct Written {
    /// Every file written, `manifest.json` included, by its path relative to the output
    /// directory, with its size in bytes; sorted by path.
    pub files: Vec<(String, usize)>,
    /// Warnings found (synthesis succeeded despite them).
    pub warnings: Diagnostics,
    /// The number of objects emitted.
    pub objects: usize,
}

/// Synthesizes `app` (see [`synthesize_with`]) and writes its files into `staging`, which the
/// caller then commits. An invalid program or a failed write leave only `staging` to drop, and
/// the output directory as it was.
pub fn synthesize_to(
    app: &App,
    options: &Options,
    staging: &Staging,
) -> Result<Written, SynthError> {
    let assembly = synthesize_with(app, options).map_err(SynthError::Invalid)?;
    staging.put_assembly(&assembly)?;
    Ok(Written {
        files: assembly
            .files
            .iter()
            .map(|(path, text)| (path.clone(), text.len()))
            .collect(),
        warnings: assembly.warnings,
        objects: assembly.objects,
    })
}

/// What the targets make of the constructs' artifacts, as each construct renders.
struct Targets<'scope, 'env> {
    /// Writes the Kubernetes objects.
    kubernetes: Writer<'scope, 'env>,
    /// Where each Kubernetes object is written as YAML first.
    yaml: String,
    /// Girder's checks of the final Kubernetes objects.
    checker: Checker,
    cloudformation: Stacks,
    /// The Compose environments' final objects.
    compose: ComposeProjects,
    /// The node of each construct that emitted an object, by the index the targets know it by.
    emitters: Vec<NodeId>,
    /// The final Kubernetes objects, when the synthesis keeps them.
    kept: Option<Vec<KubernetesObject>>,
    /// The connections the constructs declared, by construct number.
    wires: Vec<(usize, Wire)>,
}

/// What each environment's cluster has without the program emitting it.
struct Preinstalled {
    /// Custom resources served: (environment, API version, kind).
    kinds: Vec<(String, String, String)>,
    /// Add-ons running: (environment, add-on).
    add_ons: Vec<(String, girder_k8s::helm::AddOn)>,
    /// Namespaces of the GitOps controllers: (environment, namespace).
    namespaces: Vec<(String, String)>,
}

impl Preinstalled {
    fn of(app: &App) -> Self {
        let choices = app
            .attachment::<girder_k8s::GitOpsChoices>(NodeId::ROOT)
            .map(|c| c.all())
            .unwrap_or_default();
        Preinstalled {
            kinds: girder_k8s::InstalledKinds::of(app),
            add_ons: girder_k8s::InstalledAddOns::of(app),
            namespaces: choices
                .into_iter()
                .flat_map(|(env, choices)| {
                    choices
                        .into_iter()
                        .map(move |c| (env.clone(), c.namespace().to_owned()))
                })
                .collect(),
        }
    }
}

/// What the targets hold once every construct has rendered.
struct Rendered {
    checker: Checker,
    cloudformation: Stacks,
    compose: ComposeProjects,
    emitters: Vec<NodeId>,
    kept: Option<Vec<KubernetesObject>>,
    wires: Vec<(usize, Wire)>,
}

impl<'scope, 'env> Targets<'scope, 'env> {
    /// Targets whose clusters have what is `installed` without the program emitting it.
    /// The Secrets and ConfigMaps `declared` existing may be read, and its credentials only
    /// over a connection. With `keep`, the final Kubernetes objects are kept for the assembly.
    fn new(
        kubernetes: Writer<'scope, 'env>,
        installed: &Preinstalled,
        declared: girder_k8s::rules::refs::Declarations,
        compose: ComposeProjects,
        keep: bool,
    ) -> Self {
        let mut checker = Checker::default();
        for (env, api_version, kind) in &installed.kinds {
            checker.installed(env, api_version, kind);
        }
        for (env, add_on) in &installed.add_ons {
            checker.installed_add_on(env, *add_on);
        }
        for (env, namespace) in &installed.namespaces {
            checker.existing_namespace(env, namespace);
        }
        for env in compose.environments() {
            checker.without_cluster(env);
        }
        for (env, namespace, kind, name) in &declared.existing {
            checker.existing(env, namespace, *kind, name);
        }
        for credentials in declared.credentials {
            checker.credentials(credentials);
        }
        Targets {
            kubernetes,
            yaml: String::new(),
            checker,
            cloudformation: Stacks::default(),
            compose,
            emitters: Vec::new(),
            kept: keep.then(Vec::new),
            wires: Vec::new(),
        }
    }

    /// Every construct has rendered: the Kubernetes writer gets nothing more.
    fn rendered(self) -> (Rendered, Result<KubernetesOutput, Panicked>) {
        let rendered = Rendered {
            checker: self.checker,
            cloudformation: self.cloudformation,
            compose: self.compose,
            emitters: self.emitters,
            kept: self.kept,
            wires: self.wires,
        };
        (rendered, self.kubernetes.finish())
    }

    /// Takes what the construct at `cx` emitted into `out`: diagnostics, and objects, which the
    /// program's aspects visit before their target takes them.
    fn take(&mut self, app: &App, cx: &Context<'_>, out: &mut Emitted, diags: &mut Diagnostics) {
        for diagnostic in out.take::<Diagnostic>() {
            diags.push(diagnostic);
        }
        let manifests = out.take::<Manifest>();
        let resources = out.take::<CfnResource>();
        let needs = out.take::<girder_k8s::helm::NeedsAddOn>();
        let wires = out.take::<Wire>();
        for (what, count) in out.rest() {
            diags.push(
                Diagnostic::error(
                    cx.path.as_str(),
                    format!("emitted {count} {what} artifacts, which no target of this synthesis takes"),
                )
                .hint("this is a bug in the construct: emit a `Manifest`, a `CfnResource`, a `NeedsAddOn`, a `Wire` or a `Diagnostic`"),
            );
        }
        out.clear();
        if manifests.is_empty() && resources.is_empty() && needs.is_empty() {
            return;
        }
        let construct = self.emitters.len();
        self.emitters.push(cx.node);
        for need in needs {
            self.checker.needs_add_on(cx.env, construct, need);
        }
        self.wires
            .extend(wires.into_iter().map(|wire| (construct, wire)));
        if !manifests.is_empty() {
            let aspects = app.aspects::<Manifest>(cx.node);
            let builtin = DefaultResources::girder();
            let mut manifests = manifests;
            for manifest in &mut manifests {
                if !aspects.is_empty() {
                    // The final-object rules compare what the program's aspects leave with
                    // what the construct built.
                    manifest.keep_as_built();
                    let object = manifest.describe();
                    let mut visit = Visit::new(cx.path.as_str(), cx.env, Some(&object), diags);
                    for aspect in &aspects {
                        aspect.visit(manifest, &mut visit);
                    }
                }
                builtin.fill(manifest);
                self.checker.observe(manifest, cx.env, construct);
            }
            if self.compose.contains(cx.env) {
                // Checked like any other; the Compose form is made once every object is known.
                for manifest in &manifests {
                    self.compose.add(cx.env, construct, manifest);
                }
                return self.take_resources(app, cx, resources, construct, diags);
            }
            let emission = Emission::write(&manifests, cx.env, construct, &mut self.yaml);
            self.kubernetes.add(emission);
            if let Some(kept) = &mut self.kept {
                kept.extend(manifests.into_iter().map(|manifest| KubernetesObject {
                    env: cx.env.to_owned(),
                    path: cx.path.to_string(),
                    manifest,
                }));
            }
        }
        self.take_resources(app, cx, resources, construct, diags);
    }

    /// Files the CloudFormation `resources` of construct `construct` (at `cx`) into their
    /// stacks, after the program's aspects.
    fn take_resources(
        &mut self,
        app: &App,
        cx: &Context<'_>,
        resources: Vec<CfnResource>,
        construct: usize,
        diags: &mut Diagnostics,
    ) {
        if !resources.is_empty() {
            let aspects = app.aspects::<CfnResource>(cx.node);
            for mut resource in resources {
                if !aspects.is_empty() {
                    let object = format!(
                        "{} {}/{}",
                        resource.entry.type_name(),
                        resource.stack.name(),
                        resource.id
                    );
                    let mut visit = Visit::new(cx.path.as_str(), cx.env, Some(&object), diags);
                    for aspect in &aspects {
                        aspect.visit(&mut resource, &mut visit);
                    }
                }
                self.cloudformation
                    .add(resource, cx.env, cx.path.as_str(), construct, diags);
            }
        }
    }
}

impl Rendered {
    /// Reports what the targets found once every construct rendered, and puts the files
    /// together: the assembly, or every error.
    fn finish(
        self,
        app: &App,
        kubernetes: KubernetesOutput,
        options: &Options,
        mut diags: Diagnostics,
    ) -> Result<Assembly, Diagnostics> {
        let path_of = |construct: usize| app.path(self.emitters[construct]).to_string();
        let mut secrets = Vec::new();
        for (construct, finding) in self.checker.finish() {
            let new = if finding.warning {
                Diagnostic::warning
            } else {
                Diagnostic::error
            };
            let diagnostic = new(path_of(construct), finding.message()).hint(finding.hint);
            // A construct's own need of an add-on is about no object.
            diags.push(if finding.object.is_empty() {
                diagnostic
            } else {
                diagnostic.object(finding.object)
            });
        }
        let (kubernetes_files, problems) = kubernetes;
        for (construct, problem) in problems {
            let path = path_of(construct);
            diags.push(match problem {
                Problem::Collision { first, object } => Diagnostic::error(
                    path,
                    format!("{object} is also emitted by `{}`", path_of(first)),
                )
                .object(object)
                .hint("two constructs derive the same object name: rename one of them"),
                Problem::Serialize { object, error } => Diagnostic::error(path, error)
                    .object(object)
                    .hint("this is a bug in Girder or in a custom resource type: please report it"),
                Problem::Secret(finding) => {
                    secrets.push((path, finding));
                    continue;
                }
            });
        }
        let compose = self.compose.finish(app, &path_of, &mut diags);
        secrets.extend(compose.secrets);
        let stacks = self
            .cloudformation
            .synthesize(&options.previous_exports, &mut diags);
        if let Some(stacks) = &stacks {
            secrets.extend(
                stacks
                    .secrets
                    .iter()
                    .map(|(construct, finding)| (path_of(*construct), finding.clone())),
            );
        }
        // Secrets in the final objects of every target, less those the program allows.
        let allowed = girder_core::secrets::settle(app, secrets, &mut diags);
        if diags.has_errors() {
            return Err(diags);
        }

        let mut files = BTreeMap::new();
        let mut index = Index {
            app: app.name().to_owned(),
            exports: ExportLedger::default(),
            files: Vec::new(),
            format: FORMAT,
            generator: Index::generator(),
            graph: Graph::build(app, &self.checker.topology(), &self.wires, &|construct| {
                let node = self.emitters[construct];
                (app.path(node).to_string(), node)
            }),
            secret_allowances: allowed
                .into_iter()
                .map(|a| [a.path, a.field, a.reason])
                .collect(),
            stacks: Vec::new(),
        };
        for (path, text, listed) in kubernetes_files.into_iter().chain(compose.files) {
            files.insert(path, text);
            index.files.push(listed);
        }
        let mut resource_paths = BTreeMap::new();
        if let Some(Synthesized {
            stacks,
            exports,
            emitters,
            ..
        }) = stacks
        {
            for (env, stack) in stacks {
                let path = template_path(&env, stack.address());
                let address = stack.address();
                if options.keep_objects {
                    for (id, construct) in emitters.iter().filter(|((a, _), _)| a == address) {
                        let key = (path.clone(), id.1.as_str().to_owned());
                        resource_paths.insert(key, path_of(*construct));
                    }
                }
                index.stacks.push(DeployStep {
                    account: address.account().as_str().to_owned(),
                    region: address.region().as_str().to_owned(),
                    stack: address.name().to_owned(),
                    template: path.clone(),
                });
                let (body, resources) = stack.into_body_and_resources();
                index.files.push(ManifestFile {
                    objects: resources
                        .into_iter()
                        .map(|(type_name, id)| ObjectRef::cloudformation(type_name, id.as_str()))
                        .collect(),
                    path: path.clone(),
                });
                files.insert(path, Text::new(body));
            }
            index.files.sort_by(|a, b| a.path.cmp(&b.path));
            index.exports = exports;
        }
        let objects = index.files.iter().map(|f| f.objects.len()).sum();
        let mut text = Vec::new();
        let written = girder_aws::json::write_pretty(&mut text, &index)
            .map_err(|e| e.to_string())
            .and_then(|()| String::from_utf8(text).map_err(|e| e.to_string()));
        match written {
            Ok(text) => files.insert(MANIFEST.to_owned(), Text::new(text + "\n")),
            Err(error) => {
                diags.push(
                    Diagnostic::error(app.name(), format!("could not write {MANIFEST}: {error}"))
                        .hint("this is a bug in Girder: please report it"),
                );
                return Err(diags);
            }
        };
        Ok(Assembly {
            files,
            manifest: index,
            warnings: diags,
            objects,
            kubernetes: self.kept.unwrap_or_default(),
            kube_contexts: BTreeMap::new(),
            compose: compose.projects,
            resource_paths,
        })
    }
}
