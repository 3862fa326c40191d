//! Synthesis: aspects, validation, rendering and checks, then the files to write.
//!
//! Rendering and aspects run on the calling thread (the construct tree is not `Send`); each
//! Kubernetes object is then handed to a second thread that checks its identity, serializes it
//! and files it, so the two halves of the work overlap. CloudFormation resources are filed into
//! their stacks; each run of one stack's resources becomes a part ([`girder_aws::part`]) that
//! the second thread resolves and writes while the tree renders on. Once the tree has rendered,
//! this thread prepares the parts still waiting, beside the other one.

use std::any::Any;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::ops::Range;
use std::sync::{Arc, Mutex, PoisonError, mpsc};

use girder_aws::{
    AwsEnvironment, CfnResource, CloudAssembly, ExportLedger, StackAddress, SynthesizedStack,
    part::{Part, PreparedPart},
};
use girder_core::hash::FnvBuildHasher;
use girder_core::{App, Aspect, Diagnostic, Diagnostics, NodeId, Visit};
use girder_k8s::aspects::DefaultResources;
use girder_k8s::{Manifest, yaml};
use serde::Serialize;

use crate::text::Text;
use crate::write::{Staging, WriteError};

/// The output of one synthesis: every file, by its path relative to the output directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assembly {
    /// File contents by relative path (`prod/k8s/hello.yaml`), including `manifest.json`.
    pub files: BTreeMap<String, Text>,
    /// Warnings found (synthesis succeeded despite them).
    pub warnings: Diagnostics,
    /// The number of objects emitted.
    pub objects: usize,
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

pub use crate::output::MANIFEST;

/// The file of cluster-scoped objects in `<env>/k8s/` (an underscore: no namespace is named so).
pub const CLUSTER_FILE: &str = "_cluster.yaml";

/// How many objects travel to the serializing thread in one message.
const BATCH: usize = 32;

/// What the serializing thread is sent: Kubernetes objects, or word that parts of
/// CloudFormation stacks wait in the [`PartQueue`].
enum Work {
    Manifests(Vec<Job>),
    Parts,
}

/// Parts of stacks waiting to be prepared, numbered in the order they were taken. The
/// serializing thread prepares them while the tree renders; once it has rendered, the tree's
/// thread takes what is left, so that neither thread waits long for the other.
type PartQueue = Mutex<VecDeque<Taken>>;

/// How many parts may wait for the serializing thread.
const PARTS_WAITING: usize = 2;

/// Takes the next waiting part.
fn next_part(queue: &PartQueue) -> Option<Taken> {
    queue
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .pop_front()
}

/// What comes back from the serializing thread to be dropped on the thread that allocated it.
enum Done {
    Manifests(Vec<Job>),
    Part(Part),
}

/// One object on its way to the serializing thread.
struct Job {
    manifest: Manifest,
    /// Index of the emitting construct in `emitters` (see `synthesize_inner`).
    construct: usize,
    env: Arc<str>,
}

/// What the serializing thread found wrong, by construct index (paths stay on the tree's thread).
enum Problem {
    Collision {
        construct: usize,
        first: usize,
        object: String,
    },
    Serialize {
        construct: usize,
        object: String,
        error: String,
    },
}

/// One serialized object's place in its file.
struct Doc {
    rank: usize,
    /// Index into `Files::kinds`: (API version, kind).
    kind: usize,
    namespaced: bool,
    name: String,
    span: Range<usize>,
}

#[derive(Default)]
struct File {
    buf: String,
    docs: Vec<Doc>,
    namespace: Option<String>,
}

/// An object's identity: environment, (API group, kind) index, namespace index, name.
type Identity = (Arc<str>, usize, usize, String);

/// The serializing thread's state.
#[derive(Default)]
struct Files {
    files: HashMap<String, File, FnvBuildHasher>,
    /// The path of the file of each (environment, namespace index) seen, 0 standing for the
    /// cluster-scoped file: most objects find their file here without formatting its path.
    paths: HashMap<(Arc<str>, usize), String, FnvBuildHasher>,
    /// Identity (environment, index of the API group and kind, of the namespace, and the name)
    /// → emitting construct. Environments are separate clusters.
    seen: HashMap<Identity, usize, FnvBuildHasher>,
    /// Distinct (API version, kind) pairs, with the index of their (group, kind) in
    /// `group_kinds`; docs refer to them by index.
    kinds: Vec<(String, String, usize)>,
    group_kinds: Vec<(String, String)>,
    /// Distinct namespaces; index 0 stands for none.
    namespaces: Vec<String>,
    problems: Vec<Problem>,
    objects: usize,
    wiring: crate::wiring::Facts,
    /// What looks like a secret in the objects as written, by construct index.
    secrets: Vec<(usize, girder_core::secrets::Finding)>,
}

impl Files {
    fn take(&mut self, job: &mut Job) {
        let Job {
            manifest,
            construct,
            env,
        } = job;
        let construct = *construct;
        let obj = manifest.object();
        let meta = obj.meta();
        let (api_version, kind) = (obj.api_version(), obj.kind());
        let kind_index = self.kind_index(api_version, kind);
        // Identity: API group, kind, namespace and name (the version may differ between two
        // objects that the API server would still store as one).
        let namespace = match &meta.namespace {
            None => 0,
            Some(ns) => match self.namespaces.iter().position(|n| n == ns) {
                Some(i) => i + 1,
                None => {
                    self.namespaces.push(ns.clone());
                    self.namespaces.len()
                }
            },
        };
        let name = meta.name.clone().unwrap_or_default();
        let key = (env.clone(), self.kinds[kind_index].2, namespace, name);
        if let Some(&first) = self.seen.get(&key) {
            self.problems.push(Problem::Collision {
                construct,
                first,
                object: manifest.describe(),
            });
            return;
        }
        let namespace_object;
        let path = if kind == "Namespace" && api_version == "v1" {
            namespace_object = format!("{env}/k8s/{}.yaml", key.3);
            &namespace_object
        } else {
            self.paths
                .entry((env.clone(), namespace))
                .or_insert_with(|| match &meta.namespace {
                    Some(ns) => format!("{env}/k8s/{ns}.yaml"),
                    None => format!("{env}/k8s/{CLUSTER_FILE}"),
                })
        };
        self.wiring.observe(manifest, env, construct);
        let file = match self.files.get_mut(path.as_str()) {
            Some(file) => file,
            None => self.files.entry(path.clone()).or_default(),
        };
        if file.namespace.is_none() && meta.namespace.is_some() {
            file.namespace.clone_from(&meta.namespace);
        }
        let start = file.buf.len();
        file.buf.push_str("---\n");
        if let Err(err) = manifest.write_yaml(&mut file.buf) {
            file.buf.truncate(start);
            self.problems.push(Problem::Serialize {
                construct,
                object: manifest.describe(),
                error: err.to_string(),
            });
            return;
        }
        let written = &file.buf[start + 4..];
        let found = girder_k8s::secrets::scan(api_version, kind, written, || manifest.describe());
        self.secrets
            .extend(found.into_iter().map(|f| (construct, f)));
        file.docs.push(Doc {
            rank: yaml::kind_rank(kind),
            kind: kind_index,
            namespaced: meta.namespace.is_some(),
            name: key.3.clone(),
            span: start..file.buf.len(),
        });
        self.seen.insert(key, construct);
        self.objects += 1;
    }
}

impl Files {
    /// The index of (API version, kind) in `kinds`, added if new (there are few distinct kinds).
    fn kind_index(&mut self, api_version: &str, kind: &str) -> usize {
        if let Some(i) = self
            .kinds
            .iter()
            .position(|(a, k, _)| a == api_version && k == kind)
        {
            return i;
        }
        let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
        let group_kind = match self
            .group_kinds
            .iter()
            .position(|(g, k)| g == group && k == kind)
        {
            Some(i) => i,
            None => {
                self.group_kinds.push((group.to_owned(), kind.to_owned()));
                self.group_kinds.len() - 1
            }
        };
        self.kinds
            .push((api_version.to_owned(), kind.to_owned(), group_kind));
        self.kinds.len() - 1
    }
}

/// For each (API version, kind) of `kinds`: the rank of its kind among the distinct kind names,
/// and the rank of its API version among the distinct API versions (equal names, equal ranks).
fn kind_orders(kinds: &[(String, String, usize)]) -> (Vec<usize>, Vec<usize>) {
    let rank = |name: fn(&(String, String, usize)) -> &str| {
        let mut names: Vec<&str> = kinds.iter().map(name).collect();
        names.sort_unstable();
        names.dedup();
        kinds
            .iter()
            .map(|k| names.binary_search(&name(k)).unwrap_or_default())
            .collect()
    };
    (rank(|k| k.1.as_str()), rank(|k| k.0.as_str()))
}

/// `manifest.json`: the index of every file and the objects in it (keys in sorted order).
#[derive(Serialize)]
struct Index<'a> {
    app: &'a str,
    /// The exports between stacks, for the next synthesis (absent when there are none).
    #[serde(skip_serializing_if = "Option::is_none")]
    exports: Option<ExportLedger>,
    files: Vec<IndexFile>,
    /// The layout's version, checked when the output is read back or replaced.
    format: u32,
    /// `girder <version>`: with `format`, what tells Girder's output from any other.
    generator: &'static str,
    /// Values allowed to look like secrets: `[construct path, field, reason]`, for reviewers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    secret_allowances: Vec<[String; 3]>,
    /// CloudFormation stacks in deploy order (producers before consumers).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    stacks: Vec<DeployStep>,
}

#[derive(Serialize)]
struct DeployStep {
    account: String,
    region: String,
    stack: String,
    template: String,
}

/// Writes a file (path relative to the output directory, contents) as soon as it is made.
type Emit<'a> = &'a (dyn Fn(&str, &[u8]) + Sync);

/// Reads back a file written by [`Emit`].
type Read<'a> = &'a (dyn Fn(&str) -> Option<Vec<u8>> + Sync);

/// The path of a stack's template in the output: `<env>/cfn/<stack>.template.json`.
fn template_path(env: &str, address: &StackAddress) -> String {
    format!("{env}/cfn/{}.template.json", address.name())
}

/// Files CloudFormation resources into their stacks as constructs render them, so that no list
/// of every resource is ever held beside the stacks.
///
/// Resources arrive stack by stack: each run of one stack's resources is filed with one lookup
/// of the stack.
#[derive(Default)]
struct CfnStacks {
    assembly: CloudAssembly,
    envs: HashMap<StackAddress, Arc<str>, FnvBuildHasher>,
    run: Vec<(girder_aws::LogicalId, girder_aws::ResourceEntry)>,
    run_stack: Option<Arc<StackAddress>>,
    any: bool,
    /// Parts taken from the stacks as each run ends, until someone prepares them.
    taken: Vec<Taken>,
    parts: usize,
    /// The stacks a part was taken from.
    with_parts: HashSet<StackAddress, FnvBuildHasher>,
    /// The buffer of the parts this thread prepares (see [`Taken::prepare`]).
    text: Vec<u8>,
}

/// A part taken from a stack, numbered in the order parts are taken.
struct Taken {
    number: usize,
    part: Part,
    /// For the first part of a stack, the path of the stack's template: its text is written
    /// there as soon as it is prepared, since it is all the template most stacks get.
    write_to: Option<String>,
}

impl Taken {
    /// Prepares the part and writes its text ahead when it is the first of its stack; returns
    /// the part, whose typed resources the caller drops. The text is written into `buffer`,
    /// which gets the memory back once the text is written, for the thread's next part.
    fn prepare(
        self,
        emit: Option<Emit<'_>>,
        buffer: &mut Vec<u8>,
    ) -> ((usize, PreparedPart), Part) {
        let Taken {
            number,
            mut part,
            write_to,
        } = self;
        let mut prepared = part.prepare_into(std::mem::take(buffer));
        if let (Some(emit), Some(path)) = (emit, write_to) {
            *buffer = prepared.write_text(|text| emit(&path, text));
        }
        ((number, prepared), part)
    }
}

impl CfnStacks {
    /// Files `resource`, rendered in environment `env` by the construct at `path`.
    fn file(&mut self, resource: CfnResource, env: &Arc<str>, path: &str) {
        self.any = true;
        if !self
            .run_stack
            .as_ref()
            .is_some_and(|s| Arc::ptr_eq(s, &resource.stack))
        {
            self.end_run();
            self.run_stack = Some(resource.stack.clone());
            let address = resource.stack.as_ref();
            if !self.envs.contains_key(address) {
                let Ok(aws) =
                    AwsEnvironment::new(address.account().as_str(), address.region().as_str())
                else {
                    // The scope reported the invalid account or region already; its resources
                    // are not filed.
                    return;
                };
                let stack = self.assembly.stack(&aws, address.name());
                // Diagnostics about the stack name the scope: `<env>/aws/<stack id>`.
                let scope: Vec<&str> = path.split('/').take(3).collect();
                stack.set_path(scope.join("/"));
                self.envs.insert(address.clone(), env.clone());
            }
        }
        self.run.push((resource.id, resource.entry));
    }

    /// Files the current run into its stack, or drops it when the stack has no valid account
    /// or region.
    fn end_run(&mut self) {
        match self
            .run_stack
            .as_ref()
            .and_then(|s| self.assembly.get_mut(s))
        {
            Some(stack) => {
                // The next run is likely as long as this one.
                let next = Vec::with_capacity(self.run.len());
                let part = stack.part_of(std::mem::replace(&mut self.run, next));
                if !part.is_empty() {
                    let address = stack.address();
                    let write_to = self.with_parts.insert(address.clone()).then(|| {
                        let env = self.envs.get(address).map_or("", |env| &**env);
                        template_path(env, address)
                    });
                    self.taken.push(Taken {
                        number: self.parts,
                        part,
                        write_to,
                    });
                    self.parts += 1;
                }
            }
            None => self.run.clear(),
        }
    }

    /// Ends the current run and prepares every part still taken, here.
    fn prepare_rest(&mut self, emit: Option<Emit<'_>>, prepared: &mut Vec<(usize, PreparedPart)>) {
        self.end_run();
        for taken in self.taken.drain(..) {
            prepared.push(taken.prepare(emit, &mut self.text).0);
        }
    }

    /// Synthesizes the stacks: the stacks in deploy order with their environment, and the new
    /// export ledger; `None` when there are errors (added to `diags`) or no resources.
    #[allow(clippy::type_complexity)]
    fn synthesize(
        mut self,
        options: &Options,
        emit: Option<Emit<'_>>,
        read: Option<Read<'_>>,
        mut prepared: Vec<(usize, PreparedPart)>,
        diags: &mut Diagnostics,
    ) -> Option<(Vec<(Arc<str>, SynthesizedStack)>, ExportLedger)> {
        if !self.any {
            return None;
        }
        self.prepare_rest(emit, &mut prepared);
        prepared.sort_unstable_by_key(|(number, _)| *number);
        let parts = prepared.into_iter().map(|(_, part)| part).collect();
        let CfnStacks { assembly, envs, .. } = self;
        // Every filed stack has its environment; a stack without one writes to `/cfn/…`.
        let no_env: Arc<str> = Arc::from("");
        let env_of = |address: &StackAddress| envs.get(address).unwrap_or(&no_env);
        let previous = &options.previous_exports;
        let write = |address: &StackAddress, body: &[u8]| {
            if let Some(emit) = emit {
                emit(&template_path(env_of(address), address), body);
            }
        };
        let read_back = |address: &StackAddress| {
            read.and_then(|read| read(&template_path(env_of(address), address)))
        };
        let synthesis = assembly.synthesize_parts(
            parts,
            previous,
            emit.is_some().then_some(&write),
            Some(&read_back),
        );
        match synthesis {
            Ok(synthesis) => {
                let (stacks, ledger, warnings) = synthesis.into_parts();
                diags.extend(warnings);
                let stacks = stacks
                    .into_iter()
                    .map(|s| (env_of(s.address()).clone(), s))
                    .collect();
                Some((stacks, ledger))
            }
            Err(errors) => {
                diags.extend(errors);
                None
            }
        }
    }
}

#[derive(Serialize)]
struct IndexFile {
    objects: IndexObjects,
    path: String,
}

/// The objects of one file as `manifest.json` lists them (`apps/v1 Deployment shop/api`,
/// `AWS::S3::Bucket UploadsBucket1a2b3c4d`), written without building a string for each.
enum IndexObjects {
    Kubernetes {
        /// (API version, kind) by index.
        kinds: Arc<[(String, String)]>,
        /// The namespace of the file's namespaced objects.
        namespace: Option<String>,
        /// (kind index, namespaced, name) of each object, in file order.
        entries: Vec<(usize, bool, String)>,
    },
    /// (type, logical ID) of each resource, in template order.
    CloudFormation(Vec<(&'static str, girder_aws::LogicalId)>),
}

impl IndexObjects {
    /// The number of objects.
    fn len(&self) -> usize {
        match self {
            IndexObjects::Kubernetes { entries, .. } => entries.len(),
            IndexObjects::CloudFormation(resources) => resources.len(),
        }
    }
}

impl Serialize for IndexObjects {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        // Each line is assembled in one reused buffer: no formatting machinery, no string per
        // line.
        let mut line = String::new();
        match self {
            IndexObjects::Kubernetes {
                kinds,
                namespace,
                entries,
            } => {
                let mut seq = serializer.serialize_seq(Some(entries.len()))?;
                for (kind, namespaced, name) in entries {
                    let (api_version, kind) = &kinds[*kind];
                    line.clear();
                    for part in [api_version.as_str(), " ", kind, " "] {
                        line.push_str(part);
                    }
                    if let Some(ns) = namespace.as_deref().filter(|_| *namespaced) {
                        line.push_str(ns);
                        line.push('/');
                    }
                    line.push_str(name);
                    seq.serialize_element(line.as_str())?;
                }
                seq.end()
            }
            IndexObjects::CloudFormation(resources) => {
                let mut seq = serializer.serialize_seq(Some(resources.len()))?;
                for (type_name, id) in resources {
                    line.clear();
                    for part in [*type_name, " ", id.as_str()] {
                        line.push_str(part);
                    }
                    seq.serialize_element(line.as_str())?;
                }
                seq.end()
            }
        }
    }
}

/// What a synthesis needs beyond the program.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The exports between CloudFormation stacks of the last deployed synthesis (from its
    /// `manifest.json`): an export that was imported then and no longer is stays one more
    /// deployment (see `girder_aws::stack`).
    pub previous_exports: ExportLedger,
}

/// Synthesizes `app` as a first synthesis (no previous exports): runs aspects, validates every
/// construct, renders, runs object aspects and Girder's checks, and returns the files to write,
/// or every error found.
pub fn synthesize(app: &App) -> Result<Assembly, Diagnostics> {
    synthesize_with(app, &Options::default())
}

/// Synthesizes `app` (see [`synthesize`]) with `options`.
pub fn synthesize_with(app: &App, options: &Options) -> Result<Assembly, Diagnostics> {
    synthesize_inner(app, options, None, None).map(|(assembly, _)| assembly)
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

/// Synthesizes `app` (see [`synthesize_with`]) into `staging`, which the caller then commits.
///
/// CloudFormation resources are written to text and dropped as the program renders, so that a
/// large program's typed resources are never all in memory at once. The first part of each
/// stack is written to its template file as soon as it is prepared, and its text dropped: it
/// is all most templates get. A template that gets more (another part, exports) is read back
/// and written again once every stack is known. The other files are written once everything is
/// checked. An invalid program or a failed write leave only `staging` to drop, and the output
/// directory as it was.
pub fn synthesize_to(
    app: &App,
    options: &Options,
    staging: &Staging,
) -> Result<Written, SynthError> {
    let failed: Mutex<Option<WriteError>> = Mutex::new(None);
    let emit = |path: &str, body: &[u8]| {
        if let Err(error) = staging.put(path, body) {
            let mut failed = failed.lock().unwrap_or_else(PoisonError::into_inner);
            failed.get_or_insert(error);
        }
    };
    let read = |path: &str| staging.read(path).ok();
    let synthesis = synthesize_inner(app, options, Some(&emit), Some(&read));
    // A failed write comes first: a template written ahead that cannot be read back is only
    // its consequence.
    if let Some(error) = failed.into_inner().unwrap_or_else(PoisonError::into_inner) {
        return Err(error.into());
    }
    let (assembly, mut files) = synthesis.map_err(SynthError::Invalid)?;
    staging.put_assembly(&assembly)?;
    files.extend(
        assembly
            .files
            .iter()
            .map(|(path, text)| (path.clone(), text.len())),
    );
    files.sort_unstable();
    Ok(Written {
        files,
        warnings: assembly.warnings,
        objects: assembly.objects,
    })
}

/// A CPU this thread may use other than the one it runs on, for the serializing thread.
///
/// Both threads are busy while a large program renders, but a newly woken thread is often
/// placed on the CPU of the thread that woke it: in virtual machines an idle virtual CPU looks
/// busy to the scheduler. The two then share one CPU for milliseconds while the other idles.
/// The serializing thread lives only as long as one synthesis, so it is pinned to another CPU.
/// `None` with a single CPU, or where the current CPU cannot be read (outside Linux).
fn other_cpu() -> Option<core_affinity::CoreId> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Field 39, the CPU last run on, counted after the command name (field 2, which may hold
    // spaces and ends at the last `)`).
    let current: usize = stat
        .get(stat.rfind(')')? + 2..)?
        .split_whitespace()
        .nth(36)?
        .parse()
        .ok()?;
    core_affinity::get_core_ids()?
        .into_iter()
        .find(|core| core.id != current)
}

/// Synthesizes `app`. With `emit`, each CloudFormation template goes to `emit` as soon as it is
/// written (perhaps in a first version that `read` reads back), and only its path and size are
/// returned beside the assembly.
fn synthesize_inner(
    app: &App,
    options: &Options,
    emit: Option<Emit<'_>>,
    read: Option<Read<'_>>,
) -> Result<(Assembly, Vec<(String, usize)>), Diagnostics> {
    let mut diags = app.tree_diagnostics();
    // Constructs whose id is invalid or duplicated are validated but not rendered: their objects
    // would only repeat the problem as name collisions.
    let broken: std::collections::HashSet<String> = diags.iter().map(|d| d.path.clone()).collect();
    app.apply_aspects(&mut diags);
    app.for_each_construct(|cx, c| c.validate(cx, &mut diags));
    // The checks of the final objects run on the serializing thread (`crate::wiring`).
    let builtin: [Box<dyn Aspect>; 1] = [Box::new(DefaultResources::girder())];
    // The node of each construct that emitted something: its path is looked up for a problem.
    let mut emitters: Vec<NodeId> = Vec::new();
    let mut cfn = CfnStacks::default();
    // The stack, logical ID and construct index of each resource, for secret findings.
    let mut cfn_origins = Vec::new();
    // Parts of stacks prepared on this thread, by number.
    let mut prepared: Vec<(usize, PreparedPart)> = Vec::new();
    let queue: PartQueue = Mutex::new(VecDeque::new());
    // Jobs travel in batches: one message per object would cost a thread wake-up each.
    let (tx, rx) = mpsc::sync_channel::<Work>(4);
    // Serialized objects come back to be dropped here: freeing memory in the thread that
    // allocated it avoids contention inside the allocator.
    let (back_tx, back_rx) = mpsc::channel::<Done>();
    // Custom resources the clusters serve without the program emitting their CRDs.
    let installed = girder_k8s::InstalledKinds::of(app);
    let files = std::thread::scope(|scope| {
        let queue = &queue;
        let away = other_cpu();
        let worker = scope.spawn(move || {
            if let Some(cpu) = away {
                core_affinity::set_for_current(cpu);
            }
            let mut files = Files::default();
            for (env, api_version, kind) in &installed {
                files.wiring.installed(env, api_version, kind);
            }
            let mut prepared = Vec::new();
            // The buffer of the parts this thread prepares (see [`Taken::prepare`]).
            let mut text = Vec::new();
            for work in rx {
                let done = match work {
                    Work::Manifests(mut batch) => {
                        for job in &mut batch {
                            files.take(job);
                        }
                        Done::Manifests(batch)
                    }
                    Work::Parts => {
                        // Every waiting part: word of one may have been dropped while this
                        // thread was busy.
                        while let Some(taken) = next_part(queue) {
                            let (done, part) = taken.prepare(emit, &mut text);
                            prepared.push(done);
                            let _ = back_tx.send(Done::Part(part));
                        }
                        continue;
                    }
                };
                let _ = back_tx.send(done);
            }
            (files, prepared)
        });
        let mut env: Option<Arc<str>> = None;
        let mut batch = Vec::with_capacity(BATCH);
        // Objects the worker is done with wait in `finished` and are dropped a few before each
        // render: the memory they free is what the next render allocates, straight from the
        // allocator's small per-thread cache. Emptied vectors carry the next batches.
        let mut finished: Vec<Vec<Job>> = Vec::new();
        let mut spare: Vec<Vec<Job>> = Vec::new();
        // Prepared parts wait here in the same way, their typed resources dropped a few at a
        // time: a part frees thousands of objects, too many for that cache at once.
        let mut shedding: Vec<Part> = Vec::new();
        let mut to_drop = 0;
        // One list for what each construct emits, emptied after each.
        let mut out = girder_core::Emitted::new();
        app.for_each_construct(|cx, c| {
            if !broken.is_empty() && broken.contains(cx.path.as_str()) {
                return;
            }
            for done in back_rx.try_iter() {
                match done {
                    Done::Manifests(batch) => finished.push(batch),
                    Done::Part(part) => shedding.push(part),
                }
            }
            let mut to_shed = to_drop;
            while to_shed > 0 {
                let Some(part) = shedding.last_mut() else { break };
                to_shed -= part.shed(to_shed);
                if part.is_empty() {
                    shedding.pop();
                }
            }
            // Twice what the last construct emitted: the backlog shrinks while it keeps pace.
            while to_drop > 0 {
                let Some(done) = finished.last_mut() else { break };
                match done.pop() {
                    Some(job) => {
                        drop(job);
                        to_drop -= 1;
                    }
                    None => spare.extend(finished.pop()),
                }
            }
            c.render(cx, &mut out);
            to_drop = 2 * out.len();
            if out.is_empty() {
                return;
            }
            let construct = emitters.len();
            emitters.push(cx.node);
            let env = match &env {
                Some(e) if **e == *cx.env => e.clone(),
                _ => env.insert(Arc::from(cx.env)).clone(),
            };
            let aspects = app.aspects_for(cx.node);
            for artifact in out.drain() {
                let artifact = match artifact.downcast::<Diagnostic>() {
                    Ok(d) => {
                        diags.push(*d);
                        continue;
                    }
                    Err(other) => other,
                };
                let artifact = match artifact.downcast::<CfnResource>() {
                    Ok(mut resource) => {
                        // Only the program's own aspects visit AWS resources: describe the
                        // resource for them when there are any.
                        let object = if aspects.is_empty() {
                            String::new()
                        } else {
                            format!(
                                "{} {}/{}",
                                resource.entry.type_name(),
                                resource.stack.name(),
                                resource.id
                            )
                        };
                        for aspect in aspects.iter() {
                            let target: &mut dyn Any = &mut *resource;
                            aspect.visit(&mut Visit::new(cx.path.as_str(), cx.env, Some(&object), target, &mut diags));
                        }
                        cfn_origins.push((resource.stack.clone(), resource.id.clone(), construct));
                        cfn.file(*resource, &env, cx.path.as_str());
                        // A part taken as a run ended waits for the other thread, unless
                        // enough wait already: then this thread prepares it, which keeps both
                        // busy and the typed resources waiting few.
                        for taken in cfn.taken.drain(..) {
                            let mut waiting = queue.lock().unwrap_or_else(PoisonError::into_inner);
                            if waiting.len() < PARTS_WAITING {
                                waiting.push_back(taken);
                                drop(waiting);
                                // A full channel means the other thread is busy: it looks at
                                // the queue again when it gets there.
                                let _ = tx.try_send(Work::Parts);
                            } else {
                                drop(waiting);
                                let (done, part) = taken.prepare(emit, &mut cfn.text);
                                prepared.push(done);
                                shedding.push(part);
                            }
                        }
                        continue;
                    }
                    Err(other) => other,
                };
                let mut manifest = match artifact.downcast::<Manifest>() {
                    Ok(m) => *m,
                    Err(_) => {
                        diags.push(
                            Diagnostic::error(cx.path.as_str(), "emitted an artifact no target knows")
                                .hint("this is a bug in the construct: emit a `Manifest`, a `CfnResource` or a `Diagnostic`"),
                        );
                        continue;
                    }
                };
                if !aspects.is_empty() {
                    // The final-object rules compare what the program's aspects leave with
                    // what the construct built.
                    manifest.keep_as_built();
                }
                for aspect in aspects.iter().map(|a| a.as_ref()).chain(builtin.iter().map(|a| a.as_ref())) {
                    let target: &mut dyn Any = &mut manifest;
                    aspect.visit(&mut Visit::described(cx.path.as_str(), cx.env, Manifest::describe_any, target, &mut diags));
                }
                batch.push(Job { manifest, construct, env: env.clone() });
                if batch.len() == BATCH {
                    // The worker only stops when the channel closes, so sending cannot fail.
                    let next = spare.pop().unwrap_or_else(|| Vec::with_capacity(BATCH));
                    let _ = tx.send(Work::Manifests(std::mem::replace(&mut batch, next)));
                }
            }
        });
        if !batch.is_empty() {
            let _ = tx.send(Work::Manifests(batch));
        }
        drop(tx);
        // The last run's part and the parts still waiting are prepared here while the other
        // thread finishes its own, and what it sends back is dropped as it comes.
        cfn.prepare_rest(emit, &mut prepared);
        while let Some(taken) = next_part(queue) {
            prepared.push(taken.prepare(emit, &mut cfn.text).0);
        }
        // What is left to free goes while the other thread finishes.
        drop(shedding);
        back_rx.iter().for_each(drop);
        worker.join()
    });
    let files = match files {
        Ok((files, theirs)) => {
            prepared.extend(theirs);
            files
        }
        Err(_) => {
            diags.push(
                Diagnostic::error(app.name(), "the serializing thread panicked")
                    .hint("this is a bug in Girder: please report it"),
            );
            return Err(diags);
        }
    };
    for problem in files.wiring.check() {
        diags.push(
            Diagnostic::error(
                app.path(emitters[problem.construct]).as_str(),
                problem.message,
            )
            .object(problem.object)
            .hint(problem.hint),
        );
    }
    for problem in files.problems {
        diags.push(match problem {
            Problem::Collision {
                construct,
                first,
                object,
            } => Diagnostic::error(
                app.path(emitters[construct]).as_str(),
                format!(
                    "{object} is also emitted by `{}`",
                    app.path(emitters[first])
                ),
            )
            .object(object)
            .hint("two constructs derive the same object name: rename one of them"),
            Problem::Serialize {
                construct,
                object,
                error,
            } => Diagnostic::error(app.path(emitters[construct]).as_str(), error)
                .object(object)
                .hint("this is a bug in Girder or in a custom resource type: please report it"),
        });
    }
    // Secrets in the final objects of every target, less those the program allows.
    let mut secrets = files.secrets;
    secrets.extend(girder_aws::secrets::take(&mut prepared, &cfn_origins));
    let secrets = secrets
        .into_iter()
        .map(|(c, f)| (app.path(emitters[c]).to_string(), f));
    let allowed = girder_core::secrets::settle(app, secrets.collect(), &mut diags);
    let templates = cfn.synthesize(options, emit, read, prepared, &mut diags);
    if diags.has_errors() {
        return Err(diags);
    }
    let kinds = files.kinds;
    let kind_names: Arc<[(String, String)]> = kinds
        .iter()
        .map(|(a, k, _)| (a.clone(), k.clone()))
        .collect();
    let mut sorted: Vec<(String, File)> = files.files.into_iter().collect();
    sorted.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut assembly = Assembly {
        files: BTreeMap::new(),
        warnings: diags,
        objects: files.objects,
    };
    // Objects sort by kind rank, kind, scope, name and API version. The few distinct kinds are
    // ranked once, so that comparing two objects compares integers and, at most, their names.
    let (kind_order, version_order) = kind_orders(&kinds);
    let mut index = Vec::with_capacity(sorted.len());
    for (path, mut file) in sorted {
        file.docs.sort_unstable_by(|a, b| {
            let key = |d: &Doc| (d.rank, kind_order[d.kind], d.namespaced);
            key(a)
                .cmp(&key(b))
                .then_with(|| a.name.cmp(&b.name))
                .then_with(|| version_order[a.kind].cmp(&version_order[b.kind]))
        });
        let mut order = Vec::with_capacity(file.docs.len());
        let mut entries = Vec::with_capacity(file.docs.len());
        for doc in file.docs {
            order.push(doc.span);
            entries.push((doc.kind, doc.namespaced, doc.name));
        }
        let objects = IndexObjects::Kubernetes {
            kinds: kind_names.clone(),
            namespace: file.namespace,
            entries,
        };
        assembly
            .files
            .insert(path.clone(), Text::from_parts(file.buf, order));
        index.push(IndexFile { objects, path });
    }
    let mut exports = ExportLedger::default();
    let mut deploy_order = Vec::new();
    let mut emitted = Vec::new();
    if let Some(templates) = templates {
        let (stacks, ledger) = templates;
        for (env, stack) in stacks {
            let path = template_path(&env, stack.address());
            deploy_order.push(DeployStep {
                stack: stack.address().name().to_owned(),
                account: stack.address().account().as_str().to_owned(),
                region: stack.address().region().as_str().to_owned(),
                template: path.clone(),
            });
            assembly.objects += stack.resources().len();
            let len = stack.body_len();
            let (body, resources) = stack.into_body_and_resources();
            if emit.is_some() {
                emitted.push((path.clone(), len));
            } else {
                assembly.files.insert(path.clone(), Text::new(body));
            }
            index.push(IndexFile {
                objects: IndexObjects::CloudFormation(resources),
                path,
            });
        }
        index.sort_by(|a, b| a.path.cmp(&b.path));
        exports = ledger;
    }
    let index = Index {
        app: app.name(),
        files: index,
        format: crate::output::FORMAT,
        generator: concat!("girder ", env!("CARGO_PKG_VERSION")),
        secret_allowances: allowed
            .into_iter()
            .map(|a| [a.path, a.field, a.reason])
            .collect(),
        stacks: deploy_order,
        exports: (!exports.is_empty()).then_some(exports),
    };
    // Sized for its lines, which are mostly one per object: the buffer is not copied as it
    // grows.
    let lines: usize = index.files.iter().map(|f| f.objects.len() + 4).sum();
    let mut text = Vec::with_capacity(256 + 64 * lines);
    let text = girder_aws::json::write_pretty(&mut text, &index)
        .map_err(|e| e.to_string())
        .and_then(|()| {
            text.push(b'\n');
            String::from_utf8(text).map_err(|e| e.to_string())
        });
    let text = match text {
        Ok(text) => text,
        Err(error) => {
            let mut diags = assembly.warnings;
            diags.push(
                Diagnostic::error(app.name(), format!("could not write {MANIFEST}: {error}"))
                    .hint("this is a bug in Girder: please report it"),
            );
            return Err(diags);
        }
    };
    assembly.files.insert(MANIFEST.to_owned(), Text::new(text));
    Ok((assembly, emitted))
}
