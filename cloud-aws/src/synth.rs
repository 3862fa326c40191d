//! Synthesis: resolves references between stacks, keeps exports for one more deployment, orders
//! stacks, checks limits and writes each template. The strategy is documented in
//! [`crate::stack`]; each stack's resources are resolved and written on their own, and what
//! they cannot check alone is settled here.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use girder_core::{Diagnostic, Diagnostics, Severity};

use crate::intrinsic::{Intrinsic, RefTarget, ResourceTarget, TemplateName};
use crate::json::Json;
use crate::ledger::{ExportLedger, LedgerExport};
use crate::logical_id::{LogicalId, pascal_case_into};
use crate::part::{Part, Prepared, PreparedPart};
use crate::resolve::{Findings, Pending, PendingKind, Resolver, Subject};
use crate::resource::Walk;
use crate::stack::{Stack, StackAddress};
use crate::template::{Output, Template};
use crate::value::{Expr, Value};
use crate::write::into_string;

/// The longest export name.
pub const MAX_EXPORT_NAME: usize = 255;

/// The separator of list values exported across stacks.
pub(crate) const LIST_SEPARATOR: &str = "||";

/// The result of a synthesis: every stack's template in deployment order, the new export ledger
/// and the warnings.
#[derive(Debug)]
pub struct Synthesis {
    stacks: Vec<SynthesizedStack>,
    ledger: ExportLedger,
    warnings: Diagnostics,
    secrets: Vec<Secret>,
}

/// What looks like a secret in a resource as written into its template (see
/// [`crate::secrets`]): the caller reports it against the construct that emitted the resource,
/// unless the program allows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// The resource's stack.
    pub stack: StackAddress,
    /// The resource's logical ID.
    pub id: LogicalId,
    /// What was found, and where in the resource.
    pub finding: girder_core::secrets::Finding,
}

impl Synthesis {
    /// The stacks, producers before their consumers (otherwise in creation order).
    pub fn stacks(&self) -> &[SynthesizedStack] {
        &self.stacks
    }

    /// The stack at `address`.
    pub fn stack(&self, address: &StackAddress) -> Option<&SynthesizedStack> {
        self.stacks.iter().find(|s| &s.address == address)
    }

    /// The first stack called `name` (in any account and region).
    pub fn stack_named(&self, name: &str) -> Option<&SynthesizedStack> {
        self.stacks.iter().find(|s| s.address.name() == name)
    }

    /// The ledger to store and pass to the next synthesis once this one is deployed.
    pub fn ledger(&self) -> &ExportLedger {
        &self.ledger
    }

    /// Warnings (e.g. a template too large to pass inline).
    pub fn warnings(&self) -> &Diagnostics {
        &self.warnings
    }

    /// What looks like a secret in the resources as written.
    pub fn secrets(&self) -> &[Secret] {
        &self.secrets
    }

    /// The stacks, the ledger, the warnings and what looks like a secret.
    pub fn into_parts(
        self,
    ) -> (
        Vec<SynthesizedStack>,
        ExportLedger,
        Diagnostics,
        Vec<Secret>,
    ) {
        (self.stacks, self.ledger, self.warnings, self.secrets)
    }
}

/// One stack's synthesized template.
#[derive(Debug)]
pub struct SynthesizedStack {
    address: StackAddress,
    /// Type and logical ID of each resource, in template order.
    resources: Vec<(&'static str, LogicalId)>,
    body: String,
    dependencies: Vec<StackAddress>,
}

impl SynthesizedStack {
    /// The stack's account, region and name.
    pub fn address(&self) -> &StackAddress {
        &self.address
    }

    /// The type (`AWS::S3::Bucket`) and logical ID of each resource, in the template's order.
    /// The typed template itself is released once written: [`SynthesizedStack::body`] is what
    /// deploys.
    pub fn resources(&self) -> &[(&'static str, LogicalId)] {
        &self.resources
    }

    /// The template as JSON, as deployed.
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The stacks that must deploy before this one, sorted.
    pub fn dependencies(&self) -> &[StackAddress] {
        &self.dependencies
    }

    /// The template as JSON, without copying it (the rest is dropped).
    pub fn into_body(self) -> String {
        self.body
    }

    /// The template as JSON and the type and logical ID of each resource, without copying them.
    pub fn into_body_and_resources(self) -> (String, Vec<(&'static str, LogicalId)>) {
        (self.body, self.resources)
    }
}

/// An export the producer stack must declare.
#[derive(Debug)]
struct ExportState {
    output: String,
    resource: LogicalId,
    attribute: Option<String>,
    list: bool,
    condition: Option<TemplateName>,
    /// Stacks importing it now.
    importers: BTreeSet<String>,
    /// For a retained export: the stacks that imported it last time.
    retained_for: Vec<String>,
}

/// What settling needs to know of every stack.
struct Index {
    addresses: Vec<Arc<StackAddress>>,
    paths: Vec<String>,
    by_address: HashMap<StackAddress, usize>,
    /// Each stack's resources, sorted by logical ID.
    resources: Vec<Vec<Prepared>>,
}

impl Index {
    /// The resource `id` of stack `stack`.
    fn resource(&self, stack: usize, id: &LogicalId) -> Option<&Prepared> {
        let resources = &self.resources[stack];
        resources
            .binary_search_by(|p| p.id.cmp(id))
            .ok()
            .map(|i| &resources[i])
    }
}

/// Exports and the edges between stacks, as references are settled.
#[derive(Default)]
struct Settled {
    edges: BTreeMap<(usize, usize), String>,
    exports: BTreeMap<(usize, String), ExportState>,
}

impl Settled {
    /// Checks a reference of stack `here` that resolving could not check, and records the
    /// export and the stack dependency it makes.
    fn settle(&mut self, index: &Index, here: usize, pending: Pending, diags: &mut Diagnostics) {
        let Pending {
            subject,
            target,
            kind,
        } = pending;
        let address = &index.addresses[here];
        let path = index.paths[here].as_str();
        let error = |message: String, hint: &str| {
            Diagnostic::error(path, message)
                .object(subject.clone())
                .hint(hint)
        };
        let producer_address = target.stack();
        let Some(&producer) = index.by_address.get(producer_address) else {
            let message = match kind {
                PendingKind::Value { .. } => format!(
                    "refers to `{}` in stack `{producer_address}`, which is not part of this app",
                    target.logical_id()
                ),
                PendingKind::Dependency => format!(
                    "depends on `{}` in stack `{producer_address}`, which is not part of this app",
                    target.logical_id()
                ),
            };
            diags.push(error(message, "add the stack to the same CloudAssembly"));
            return;
        };
        let (attribute, list) = match kind {
            PendingKind::Dependency => {
                if producer == here {
                    if index.resource(here, target.logical_id()).is_none() {
                        let message = format!(
                            "depends on `{}`, which this stack does not have",
                            target.logical_id()
                        );
                        diags.push(error(
                            message,
                            "depend on resources through the ResourceRef that Stack::add returned",
                        ));
                    }
                } else {
                    self.edges.entry((here, producer)).or_insert_with(|| {
                        format!(
                            "`{}` ({subject}) depends on `{}` of `{}`",
                            address.name(),
                            target.logical_id(),
                            producer_address.name()
                        )
                    });
                }
                return;
            }
            PendingKind::Value { attribute, list } => (attribute, list),
        };
        let Some(resource) = index.resource(producer, target.logical_id()) else {
            let message = format!(
                "refers to `{}`, which stack `{}` does not have",
                target.logical_id(),
                producer_address.name()
            );
            diags.push(error(
                message,
                "refer to resources through the ResourceRef that Stack::add returned",
            ));
            return;
        };
        if producer == here {
            return;
        }
        if !producer_address.same_environment(address) {
            let same_account = producer_address.account() == address.account();
            let message = format!(
                "stack `{}` ({}, {}) refers to `{}` of stack `{}` in {} {}",
                address.name(),
                address.account(),
                address.region(),
                target.logical_id(),
                producer_address.name(),
                if same_account { "region" } else { "account" },
                if same_account {
                    producer_address.region().as_str()
                } else {
                    producer_address.account().as_str()
                },
            );
            diags.push(error(
                message,
                "CloudFormation exports only work within one account and region: write the value to \
                 an SSM parameter (AWS::SSM::Parameter) in the producer and read it in the consumer \
                 (DynamicReference::ssm or Parameter::ssm)",
            ));
            return;
        }
        let name = export_name(
            producer_address.name(),
            target.logical_id(),
            attribute.as_deref(),
        );
        let consumer_name = address.name().to_owned();
        self.edges.entry((here, producer)).or_insert_with(|| {
            format!(
                "`{consumer_name}` ({subject}) refers to `{}` of `{}`",
                target.logical_id(),
                producer_address.name()
            )
        });
        let state = self
            .exports
            .entry((producer, name.clone()))
            .or_insert_with(|| ExportState {
                output: export_output_id(target.logical_id(), attribute.as_deref(), &name),
                resource: target.logical_id().clone(),
                attribute,
                list,
                condition: resource.condition.clone(),
                importers: BTreeSet::new(),
                retained_for: Vec::new(),
            });
        state.importers.insert(consumer_name);
    }
}

/// The export name of a resource's `Ref` (`attribute` `None`) or attribute.
pub(crate) fn export_name(stack: &str, id: &LogicalId, attribute: Option<&str>) -> String {
    let raw = format!("{stack}:{id}:{}", attribute.unwrap_or("Ref"));
    let mut name: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == ':' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if name.len() > MAX_EXPORT_NAME {
        name.truncate(MAX_EXPORT_NAME - 9);
        let hash = girder_core::name::fnv1a(raw.as_bytes()) as u32;
        name.push_str(&format!("-{hash:08x}"));
    }
    name
}

/// The logical ID of the output that exports `name`.
fn export_output_id(id: &LogicalId, attribute: Option<&str>, name: &str) -> String {
    let mut readable = format!("Export{id}");
    pascal_case_into(&mut readable, attribute.unwrap_or("Ref"));
    LogicalId::with_hash(readable, name).as_str().to_owned()
}

/// Synthesizes whole stacks: prepares each stack's resources on their own (the two halves of a
/// large program at once), settles the references they could not check alone, declares the
/// exports, orders the stacks, checks their limits and writes each template.
pub(crate) fn synthesize(
    mut stacks: Vec<Stack>,
    previous: &ExportLedger,
) -> Result<Synthesis, Diagnostics> {
    // What a panicked thread is reported against.
    let first_path = stacks.first().map(Stack::path);
    let mut parts: Vec<Option<Part>> = stacks.iter_mut().map(|s| Some(s.take_part())).collect();
    let parallel = parts.len() >= 2
        && parts.iter().flatten().map(Part::len).sum::<usize>() >= PARALLEL_RESOURCES;
    // Each half drops its typed resources as soon as they are written.
    let (mut prepared, rest) = in_halves(&mut parts, parallel, |half| {
        half.iter_mut()
            .filter_map(Option::take)
            .map(|mut part| part.prepare())
            .collect::<Vec<_>>()
    });
    match rest {
        Ok(rest) => prepared.extend(rest),
        Err(_) => return Err(panicked(first_path.as_ref(), Diagnostics::new())),
    }
    let mut diags = Diagnostics::new();
    for stack in &mut stacks {
        for problem in stack.take_problems() {
            diags.push(problem);
        }
    }
    // Each stack's resources' text, and what they found.
    let mut texts = Vec::with_capacity(stacks.len());
    let mut resources = Vec::with_capacity(stacks.len());
    let mut pending = Vec::with_capacity(2 * stacks.len());
    let mut secrets = Vec::new();
    let mut total = 0;
    for (here, (part, stack)) in prepared.into_iter().zip(&stacks).enumerate() {
        let PreparedPart {
            text,
            resources: placed,
            findings,
            secrets: found,
        } = part;
        secrets.extend(found.into_iter().map(|(id, finding)| Secret {
            stack: stack.address().clone(),
            id,
            finding,
        }));
        diags.extend(findings.diags);
        pending.push((here, findings.pending));
        total += text.len();
        texts.push(text);
        resources.push(placed);
    }
    let index = Index {
        addresses: stacks.iter().map(|s| s.address_arc().clone()).collect(),
        paths: stacks.iter().map(Stack::path).collect(),
        by_address: stacks
            .iter()
            .enumerate()
            .map(|(i, s)| (s.address().clone(), i))
            .collect(),
        resources,
    };

    // The sections the stacks still hold refer to any of their resources.
    for (here, stack) in stacks.iter_mut().enumerate() {
        let mut findings = Findings::default();
        let known = |id: &LogicalId| index.resource(here, id).is_some();
        let mut resolver = Resolver {
            here: &index.addresses[here],
            path: &index.paths[here],
            known: &known,
            findings: &mut findings,
        };
        resolve_sections(&mut resolver, stack);
        diags.extend(findings.diags);
        pending.push((here, findings.pending));
    }
    let mut settled = Settled::default();
    for (here, references) in pending {
        for reference in references {
            settled.settle(&index, here, reference, &mut diags);
        }
    }
    let Settled { edges, mut exports } = settled;

    retain_previous_exports(previous, &index, &mut exports, &mut diags);
    let ledger = declare_exports(&mut stacks, &index, exports, &mut diags);

    let dependencies = stack_dependencies(&stacks, &index, edges, &mut diags);
    let order = deployment_order(&dependencies);

    let written: Vec<_> = stacks
        .iter()
        .zip(&index.paths)
        .map(|(s, path)| (s.address(), s.template(), path.as_str()))
        .collect();
    crate::limits::check_export_names(&written, &mut diags);
    drop(written);

    // The two halves of a large program's templates are put together and written at once.
    let parallel = stacks.len() >= 2 && total >= PARALLEL_BYTES;
    let mut jobs: Vec<Option<WriteJob>> = stacks
        .into_iter()
        .zip(index.paths)
        .zip(index.resources)
        .zip(texts)
        .zip(&dependencies)
        .map(|((((stack, path), resources), text), deps)| {
            let dependencies = deps
                .iter()
                .map(|&j| index.addresses[j].as_ref().clone())
                .collect();
            Some(WriteJob {
                stack,
                path,
                resources,
                text,
                dependencies,
            })
        })
        .collect();
    let (mine, rest) = in_halves(&mut jobs, parallel, |half| {
        let mut diags = Diagnostics::new();
        let stacks: Vec<SynthesizedStack> = half
            .iter_mut()
            .filter_map(Option::take)
            .map(|job| write_stack(job, &mut diags))
            .collect();
        (stacks, diags)
    });
    let mut synthesized: Vec<Option<SynthesizedStack>> = mine.0.into_iter().map(Some).collect();
    diags.extend(mine.1);
    match rest {
        Ok((stacks, problems)) => {
            synthesized.extend(stacks.into_iter().map(Some));
            diags.extend(problems);
        }
        Err(_) => diags = panicked(first_path.as_ref(), diags),
    }

    if diags.has_errors() {
        return Err(diags);
    }
    let mut stacks_in_order = Vec::with_capacity(synthesized.len());
    for i in order {
        if let Some(stack) = synthesized[i].take() {
            stacks_in_order.push(stack);
        }
    }
    for stack in stacks_in_order.iter_mut() {
        stack.dependencies.sort();
    }
    let warnings = diags;
    debug_assert!(warnings.iter().all(|d| d.severity == Severity::Warning));
    Ok(Synthesis {
        stacks: stacks_in_order,
        ledger,
        warnings,
        secrets,
    })
}

/// Below this many resources in all, parts are prepared on one thread (a thread costs more
/// than it saves).
const PARALLEL_RESOURCES: usize = 400;

/// Below this many bytes of resources in all, templates are written on one thread.
const PARALLEL_BYTES: usize = 512 * 1024;

/// Runs `work` on the first half of `items` on this thread and, when `parallel`, on the second
/// half on another thread at once; otherwise on all of `items` here and then on nothing. The
/// second result is an error when its thread panicked.
fn in_halves<T: Send, R: Send>(
    items: &mut [T],
    parallel: bool,
    work: impl Fn(&mut [T]) -> R + Sync,
) -> (R, std::thread::Result<R>) {
    if !parallel {
        return (work(items), Ok(work(&mut [])));
    }
    let (first, second) = items.split_at_mut(items.len() / 2);
    std::thread::scope(|scope| {
        let other = scope.spawn(|| work(second));
        (work(first), other.join())
    })
}

/// The error of a synthesis whose second thread panicked, after the problems found so far.
fn panicked(path: Option<&String>, mut diags: Diagnostics) -> Diagnostics {
    diags.push(
        Diagnostic::error(
            path.cloned().unwrap_or_default(),
            "a thread of the CloudFormation synthesis panicked",
        )
        .hint("this is a bug in Girder: please report it"),
    );
    diags
}

/// A stack to write: what it still holds, its resources and their text.
struct WriteJob {
    stack: Stack,
    path: String,
    resources: Vec<Prepared>,
    text: Vec<u8>,
    dependencies: Vec<StackAddress>,
}

/// Checks one stack's limits, puts its template together and keeps what the output needs of it.
fn write_stack(job: WriteJob, diags: &mut Diagnostics) -> SynthesizedStack {
    let WriteJob {
        stack,
        path,
        resources,
        text,
        dependencies,
    } = job;
    crate::limits::check_stack(&stack, resources.len(), &path, diags);
    let address = stack.address().clone();
    let template = stack.into_template();
    // The resources' text is a template of them alone: that of a stack with nothing else.
    let text = if template.is_bare() {
        text
    } else {
        assemble(&template, &resources, &text).unwrap_or_else(|cause| {
            diags.push(
                Diagnostic::error(
                    path.as_str(),
                    format!("cannot write the template of stack `{}`", address.name()),
                )
                .cause(cause),
            );
            Vec::new()
        })
    };
    crate::limits::check_body(&address, &path, text.len(), diags);
    let resources = resources.into_iter().map(|p| (p.type_name, p.id)).collect();
    SynthesizedStack {
        dependencies,
        address,
        resources,
        body: into_string(text),
    }
}

/// Puts a stack's template together from what the stack holds and its resources' `text`; the
/// error says why it could not.
fn assemble(template: &Template, resources: &[Prepared], text: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(1024 + text.len());
    template
        .write_around(&mut out, |section| {
            for placed in resources {
                let Ok(()) = section.raw_entry(|out| {
                    out.extend_from_slice(&text[placed.start..placed.end]);
                    Ok::<(), std::convert::Infallible>(())
                });
            }
            Ok(())
        })
        .map_err(|error| error.to_string())?;
    Ok(out)
}

/// Rewrites the references of the sections a stack holds beside its resources (outputs,
/// conditions, metadata) and checks the template-local names they use.
fn resolve_sections(resolver: &mut Resolver<'_>, stack: &mut Stack) {
    let template = stack.template_mut();
    for (name, output) in template.outputs_mut() {
        let subject = Subject::Output(name);
        output.walk_mut(&mut |intrinsic| resolver.visit(intrinsic, subject));
        if let Some(condition) = output.condition_name() {
            resolver.check_local(condition, "condition", subject);
        }
    }
    for (name, condition) in template.conditions() {
        let subject = Subject::Condition(name);
        condition.walk(&mut |intrinsic| match intrinsic {
            Intrinsic::Ref(RefTarget::Resource(_)) | Intrinsic::GetAtt { .. } => {
                resolver.error(
                    subject,
                    format!("condition `{name}` refers to a resource"),
                    "conditions may only use parameters, pseudo parameters and mappings",
                );
            }
            other => resolver.check(other, subject),
        });
    }
    let mut metadata = std::mem::take(template.metadata_mut());
    metadata.walk_mut(&mut |intrinsic| resolver.visit(intrinsic, Subject::Metadata));
    *template.metadata_mut() = metadata;
}

/// Keeps, for one more deployment, the exports the previous synthesis imported and this one
/// does not.
fn retain_previous_exports(
    previous: &ExportLedger,
    index: &Index,
    exports: &mut BTreeMap<(usize, String), ExportState>,
    diags: &mut Diagnostics,
) {
    for export in previous.exports() {
        if export.importers.is_empty() {
            // Retained last time: its importers have deployed without it; drop it now.
            continue;
        }
        let Some(&producer) = index.by_address.get(&export.producer) else {
            // The producer stack left the app; deleting it is up to whoever deploys.
            continue;
        };
        let key = (producer, export.name.clone());
        if exports.contains_key(&key) {
            continue;
        }
        let resource = LogicalId::new(export.resource.clone())
            .ok()
            .filter(|id| index.resource(producer, id).is_some());
        let Some(resource) = resource else {
            diags.push(
                Diagnostic::error(
                    index.paths[producer].clone(),
                    format!(
                        "stack `{}` no longer has `{}`, whose export `{}` stack(s) {} imported in the previous deployment",
                        export.producer.name(),
                        export.resource,
                        export.name,
                        quoted_list(&export.importers)
                    ),
                )
                .cause("CloudFormation refuses to delete an export that is still imported, and the producer deploys first")
                .hint(format!(
                    "deploy once with the reference removed but `{}` still in place, then remove it",
                    export.resource
                )),
            );
            continue;
        };
        let condition = index
            .resource(producer, &resource)
            .and_then(|r| r.condition.clone());
        exports.insert(
            key,
            ExportState {
                output: export.output.clone(),
                resource,
                attribute: export.attribute.clone(),
                list: export.list,
                condition,
                importers: BTreeSet::new(),
                retained_for: export.importers.clone(),
            },
        );
    }
}

/// `` `a`, `b` ``.
fn quoted_list<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> String {
    names
        .into_iter()
        .map(|n| format!("`{}`", n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Adds an output per export to its producer and returns the new ledger.
fn declare_exports(
    stacks: &mut [Stack],
    index: &Index,
    exports: BTreeMap<(usize, String), ExportState>,
    diags: &mut Diagnostics,
) -> ExportLedger {
    let mut ledger = Vec::with_capacity(exports.len());
    for ((producer, name), export) in exports {
        let target =
            ResourceTarget::new(index.addresses[producer].clone(), export.resource.clone());
        let mut value = match &export.attribute {
            None => Intrinsic::Ref(RefTarget::Resource(target)),
            Some(attribute) => Intrinsic::GetAtt {
                target,
                attribute: attribute.clone().into(),
                list: export.list,
            },
        };
        if export.list {
            value = Intrinsic::Join {
                delimiter: LIST_SEPARATOR.to_owned(),
                values: Box::new(Json::Expr(Box::new(value))),
            };
        }
        let description = if export.importers.is_empty() {
            format!(
                "Retained for one more deployment: stack(s) {} imported it in the previous synthesis; the next synthesis removes it",
                quoted_list(&export.retained_for)
            )
        } else {
            format!(
                "Exported by Girder for stack(s) {}",
                quoted_list(&export.importers)
            )
        };
        let output = Output::new(Value::Expr(Expr::<String>::new(value)))
            .description(description)
            .export(name.as_str())
            .with_condition(export.condition.clone());
        let template = stacks[producer].template_mut();
        if template.outputs().contains_key(&export.output) {
            diags.push(
                Diagnostic::error(
                    index.paths[producer].clone(),
                    format!(
                        "the output `{}` is reserved for the export `{name}`",
                        export.output
                    ),
                )
                .hint("rename your output"),
            );
        } else {
            template.insert_output(export.output.clone(), output);
        }
        ledger.push(LedgerExport {
            name,
            producer: index.addresses[producer].as_ref().clone(),
            output: export.output,
            resource: export.resource.as_str().to_owned(),
            attribute: export.attribute,
            list: export.list,
            importers: export.importers.into_iter().collect(),
        });
    }
    ExportLedger::from_exports(ledger)
}

/// Each stack's dependencies (indices), from references and explicit dependencies; reports
/// cycles.
fn stack_dependencies(
    stacks: &[Stack],
    index: &Index,
    mut edges: BTreeMap<(usize, usize), String>,
    diags: &mut Diagnostics,
) -> Vec<BTreeSet<usize>> {
    for (i, stack) in stacks.iter().enumerate() {
        for other in stack.dependencies() {
            match index.by_address.get(other) {
                Some(&j) if j != i => {
                    edges.entry((i, j)).or_insert_with(|| {
                        format!(
                            "`{}` depends on `{}` explicitly",
                            stack.name(),
                            other.name()
                        )
                    });
                }
                Some(_) => {}
                None => diags.push(
                    Diagnostic::error(
                        index.paths[i].clone(),
                        format!(
                            "stack `{}` depends on `{other}`, which is not part of this app",
                            stack.name()
                        ),
                    )
                    .hint("add that stack to the same CloudAssembly"),
                ),
            }
        }
    }
    let mut dependencies = vec![BTreeSet::new(); stacks.len()];
    for &(from, to) in edges.keys() {
        dependencies[from].insert(to);
    }
    for component in strongly_connected(&dependencies) {
        if component.len() < 2 {
            continue;
        }
        let names: Vec<&str> = component.iter().map(|&i| stacks[i].name()).collect();
        let message = match names.as_slice() {
            [a, b] => format!("stacks `{a}` and `{b}` depend on each other"),
            _ => format!(
                "stacks {} depend on each other in a cycle",
                quoted_list(&names)
            ),
        };
        let reasons: Vec<&str> = edges
            .iter()
            .filter(|((from, to), _)| component.contains(from) && component.contains(to))
            .map(|(_, reason)| reason.as_str())
            .collect();
        diags.push(
            Diagnostic::error(index.paths[component[0]].clone(), message)
                .cause(reasons.join("; "))
                .hint(
                    "CloudFormation deploys one stack after the other: move the resources that refer to \
                     each other into one stack, or pass one of the values through an SSM parameter",
                ),
        );
    }
    dependencies
}

/// Tarjan's strongly connected components, each sorted, in a deterministic order.
fn strongly_connected(graph: &[BTreeSet<usize>]) -> Vec<Vec<usize>> {
    struct State<'a> {
        graph: &'a [BTreeSet<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        components: Vec<Vec<usize>>,
    }
    fn visit(s: &mut State<'_>, v: usize) {
        s.index[v] = Some(s.next);
        s.low[v] = s.next;
        s.next += 1;
        s.stack.push(v);
        s.on_stack[v] = true;
        let graph = s.graph;
        for &w in &graph[v] {
            match s.index[w] {
                None => {
                    visit(s, w);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(index) if s.on_stack[w] => s.low[v] = s.low[v].min(index),
                Some(_) => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            component.sort_unstable();
            s.components.push(component);
        }
    }
    let n = graph.len();
    let mut state = State {
        graph,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        components: Vec::new(),
    };
    for v in 0..n {
        if state.index[v].is_none() {
            visit(&mut state, v);
        }
    }
    state.components
}

/// Stacks in deployment order: dependencies first, otherwise creation order. Stacks in a cycle
/// (already reported) come last.
fn deployment_order(dependencies: &[BTreeSet<usize>]) -> Vec<usize> {
    let n = dependencies.len();
    let mut remaining: Vec<usize> = dependencies.iter().map(BTreeSet::len).collect();
    let mut dependents = vec![Vec::new(); n];
    for (from, tos) in dependencies.iter().enumerate() {
        for &to in tos {
            dependents[to].push(from);
        }
    }
    let mut ready: BTreeSet<usize> = (0..n).filter(|&i| remaining[i] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(next) = ready.pop_first() {
        order.push(next);
        for &dependent in &dependents[next] {
            remaining[dependent] -= 1;
            if remaining[dependent] == 0 {
                ready.insert(dependent);
            }
        }
    }
    let placed: BTreeSet<usize> = order.iter().copied().collect();
    order.extend((0..n).filter(|i| !placed.contains(i)));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_names_keep_only_allowed_characters() {
        let id = LogicalId::new("Db").unwrap();
        assert_eq!(
            export_name("shop-data", &id, Some("Endpoint.Address")),
            "shop-data:Db:Endpoint-Address"
        );
        assert_eq!(export_name("shop-data", &id, None), "shop-data:Db:Ref");
        let long = export_name(
            &"s".repeat(128),
            &LogicalId::new("L".repeat(200)).unwrap(),
            None,
        );
        assert_eq!(long.len(), MAX_EXPORT_NAME);
    }

    #[test]
    fn finds_cycles_and_orders_the_rest() {
        let graph = vec![
            BTreeSet::from([1]),
            BTreeSet::from([2]),
            BTreeSet::from([1]),
            BTreeSet::new(),
        ];
        let components = strongly_connected(&graph);
        assert!(components.contains(&vec![1, 2]));
        let acyclic = vec![BTreeSet::from([2]), BTreeSet::new(), BTreeSet::from([1])];
        assert_eq!(deployment_order(&acyclic), vec![1, 2, 0]);
    }
}
