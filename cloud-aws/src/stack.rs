//! Stacks, the environments they deploy to, and references between them.
//!
//! An [`AwsEnvironment`] is an AWS account and region. A [`CloudAssembly`] holds stacks, each
//! identified by a [`StackAddress`]: account, region and stack name. Adding a resource to a stack
//! ([`Stack::add`]) gives a [`ResourceRef`] that knows its stack; its `Ref` and `Fn::GetAtt`
//! expressions can be used in any stack of the assembly.
//!
//! # References between stacks
//!
//! [`CloudAssembly::synthesize`] walks every intrinsic of every resource and output
//! ([`crate::Walk`]). A `Ref` or `Fn::GetAtt` to a resource of another stack:
//!
//! * **in the same account and region** becomes `{"Fn::ImportValue": "<export name>"}` in the
//!   consuming stack, and the producing stack gets an output exporting the value. The export name
//!   is `<producer stack>:<logical id>:<attribute>` (`Ref` for a `Ref`), every character outside
//!   `[A-Za-z0-9:-]` replaced by `-`, cut to 255 characters with an 8-hex-digit hash when longer;
//!   the output's logical ID is `Export<logical id><attribute><hash>`. List attributes are
//!   exported joined by `||` and split again on import. The consumer depends on the producer
//!   (it deploys after it); a cycle between stacks is an error naming them.
//! * **in another account or region** is an error: CloudFormation exports do not cross them.
//!   Write the value to an SSM parameter (`AWS::SSM::Parameter`) in the producer's region and read
//!   it where you need it.
//!
//! The rewriting needs no other stack: each stack's resources are rewritten and written on their
//! own. Whether each target exists, which exports the producers declare and the order of the
//! stacks are settled once every stack is known.
//!
//! A `DependsOn` on a resource of another stack becomes a dependency between the stacks.
//! Parameters, conditions and mappings belong to the stack that declares them; using them in
//! another stack is an error.
//!
//! # Removing a reference: "keep the export one more deploy"
//!
//! CloudFormation refuses to delete or change an export that another stack still imports, and
//! the producer deploys before its consumers. So when a change removes the last import of an
//! export, deploying the producer first — now without the export — fails: the consumer, not yet
//! deployed, still imports it (the "deadly embrace").
//!
//! Synthesis therefore takes the previous synthesis' [`ExportLedger`] (what each stack exported
//! and which stacks imported it; the synthesizer keeps it in its manifest):
//!
//! 1. an export that was imported last time but no longer is stays in the producer, with the same
//!    output, value and name, for one more deployment. Its description starts with `Retained`
//!    and names the stacks that imported it, so a reviewer sees why it is there. The new ledger
//!    lists it without importers. Deploying now updates the consumers (which drop the import)
//!    while the export is still there;
//! 2. the synthesis after that drops it: an export that the previous ledger lists without
//!    importers, and that nothing imports now, is gone.
//!
//! Pass the ledger of the synthesis that was last *deployed*: the scheme assumes every synthesis
//! whose ledger is passed on was deployed. Synthesizing twice from the same previous ledger gives
//! the same output. If the producer's resource itself is removed while the previous synthesis
//! still imported its export, no template can keep the export; synthesis reports an error asking
//! to remove the reference first and the resource one deployment later.
//!
//! ```
//! use girder_aws::*;
//! # #[derive(Clone, Debug, Default, serde::Serialize)]
//! # struct Queue { #[serde(rename = "QueueName", skip_serializing_if = "Option::is_none")] name: Option<Value<String>> }
//! # impl Walk for Queue {
//! #     fn walk(&self, f: &mut dyn FnMut(&Intrinsic)) { self.name.walk(f) }
//! #     fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Intrinsic)) { self.name.walk_mut(f) }
//! # }
//! # impl Resource for Queue {
//! #     const TYPE_NAME: &'static str = "AWS::SQS::Queue";
//! #     const CREATE_ONLY: &'static [&'static str] = &[];
//! #     const DOCUMENTATION: &'static str = "";
//! # }
//! let env = AwsEnvironment::new("123456789012", "eu-west-1").unwrap();
//! let mut app = CloudAssembly::new();
//! let jobs = app
//!     .stack(&env, "shop-data")
//!     .add(LogicalId::from_path(["jobs"], "Queue"), Queue::default());
//! app.stack(&env, "shop-api").add(
//!     LogicalId::new("DeadLetters").unwrap(),
//!     Queue { name: Some(fns::join("-", [jobs.get_att::<String>("QueueName").into(), "dlq".into()]).into()) },
//! );
//! let synthesis = app.synthesize(&ExportLedger::default()).unwrap();
//! let api = synthesis.stack_named("shop-api").unwrap();
//! assert!(api.body().contains(r#""Fn::ImportValue": "shop-data:JobsQueue"#));
//! assert_eq!(api.dependencies()[0].name(), "shop-data");
//! ```

use std::collections::{BTreeSet, HashMap, btree_map};
use std::sync::Arc;

pub use crate::address::{Account, AwsEnvironment, EnvironmentError, Region, StackAddress};
use girder_core::Diagnostic;

use crate::condition::{Cond, ConditionRef};
use crate::entry::{Entry, ResourceEntry};
use crate::intrinsic::{ResourceTarget, TemplateName};
use crate::json::Json;
use crate::ledger::ExportLedger;
use crate::parameter::{Parameter, ParameterRef};
use crate::part::Part;
use crate::resource::{LogicalId, ResourceRef};
use crate::synth::Synthesis;
use crate::template::{Mapping, MappingRef, Output, Template};
use crate::value::JsonLiteral;

/// One CloudFormation stack: its template, being filled, and the stacks it depends on.
#[derive(Debug)]
pub struct Stack {
    address: Arc<StackAddress>,
    path: Option<String>,
    template: Template,
    dependencies: BTreeSet<StackAddress>,
    problems: Vec<Diagnostic>,
}

impl Stack {
    fn new(address: StackAddress) -> Self {
        Self {
            address: Arc::new(address),
            path: None,
            template: Template::new(),
            dependencies: BTreeSet::new(),
            problems: Vec::new(),
        }
    }

    /// The stack's account, region and name.
    pub fn address(&self) -> &StackAddress {
        &self.address
    }

    /// The stack name.
    pub fn name(&self) -> &str {
        self.address.name()
    }

    /// The path diagnostics name: the construct path set by [`Stack::set_path`], else
    /// `account/region/name`.
    pub fn path(&self) -> String {
        self.path
            .clone()
            .unwrap_or_else(|| self.address.to_string())
    }

    /// Sets the construct path diagnostics name, e.g. `prod/data`.
    pub fn set_path(&mut self, path: impl Into<String>) {
        self.path = Some(path.into());
    }

    /// The template.
    pub fn template(&self) -> &Template {
        &self.template
    }

    /// Mutable access to the template (an escape hatch: references handed out before stay
    /// valid only if their targets stay).
    pub fn template_mut(&mut self) -> &mut Template {
        &mut self.template
    }

    fn name_in_template(&self, name: &str) -> TemplateName {
        TemplateName::new(self.address.clone(), name)
    }

    /// Reports a second declaration of `name`, a `what` (`resource`, `output`, …).
    fn duplicate(&mut self, what: &str, name: &str) {
        let problem = Diagnostic::error(
            self.path(),
            format!("stack `{}` declares the {what} `{name}` twice", self.name()),
        )
        .hint(format!(
            "give each {what} its own name; the second declaration was ignored"
        ));
        self.problems.push(problem);
    }

    /// Takes the resources added so far, to be prepared on their own.
    pub(crate) fn take_part(&mut self) -> Part {
        Part::new(
            self.address.clone(),
            self.path(),
            self.template.take_resources().into_iter().collect(),
        )
    }

    /// Adds a resource under `id` and returns a typed reference to it. Stateful types get their
    /// default policies unless the entry sets them (see [`crate::entry`]). A second resource with
    /// the same ID is reported at synthesis and ignored.
    pub fn add<R>(&mut self, id: LogicalId, resource: impl Into<Entry<R>>) -> ResourceRef<R>
    where
        ResourceEntry: From<Entry<R>>,
    {
        let target = ResourceTarget::new(self.address.clone(), id.clone());
        if self.template.resources().contains_key(&id) {
            self.duplicate("resource", id.as_str());
        } else {
            let mut entry = ResourceEntry::from(resource.into());
            entry.apply_default_policies();
            self.template.insert_resource(id, entry);
        }
        ResourceRef::new(target)
    }

    /// Adds a type-erased resource under `id`, as [`Stack::add`] does (default policies of
    /// stateful types, duplicates reported): how the synthesizer files the resources that
    /// constructs emit.
    pub fn add_entry(&mut self, id: LogicalId, mut entry: ResourceEntry) {
        match self.template.resource_entry(id) {
            btree_map::Entry::Occupied(occupied) => {
                let id = occupied.key().as_str().to_owned();
                self.duplicate("resource", &id);
            }
            btree_map::Entry::Vacant(vacant) => {
                entry.apply_default_policies();
                vacant.insert(entry);
            }
        }
    }

    /// Declares a parameter.
    pub fn add_parameter<T>(&mut self, name: &str, parameter: Parameter<T>) -> ParameterRef<T> {
        if self.template.parameters().contains_key(name) {
            self.duplicate("parameter", name);
        } else {
            self.template.insert_parameter(name, parameter.into_def());
        }
        ParameterRef::new(self.name_in_template(name))
    }

    /// Declares a condition.
    pub fn add_condition(&mut self, name: &str, condition: Cond) -> ConditionRef {
        if self.template.conditions().contains_key(name) {
            self.duplicate("condition", name);
        } else {
            self.template.insert_condition(name, condition);
        }
        ConditionRef::new(self.name_in_template(name))
    }

    /// Declares a mapping.
    pub fn add_mapping<T: JsonLiteral>(
        &mut self,
        name: &str,
        mapping: Mapping<T>,
    ) -> MappingRef<T> {
        if self.template.mappings().contains_key(name) {
            self.duplicate("mapping", name);
        } else {
            self.template.insert_mapping(name, mapping.into_def());
        }
        MappingRef::new(self.name_in_template(name))
    }

    /// Adds an output.
    pub fn add_output(&mut self, name: &str, output: Output) {
        if self.template.outputs().contains_key(name) {
            self.duplicate("output", name);
        } else {
            self.template.insert_output(name, output);
        }
    }

    /// Sets the template's `Description`.
    pub fn set_description(&mut self, description: impl Into<String>) {
        self.template.set_description(description);
    }

    /// Sets one key of the template's `Metadata`.
    pub fn set_metadata(&mut self, key: impl Into<String>, value: impl Into<Json>) {
        self.template.set_metadata(key, value);
    }

    /// Makes this stack deploy after `other` (references between stacks add this on their own).
    pub fn add_dependency(&mut self, other: &StackAddress) {
        self.dependencies.insert(other.clone());
    }

    /// The explicit dependencies.
    pub fn dependencies(&self) -> &BTreeSet<StackAddress> {
        &self.dependencies
    }

    pub(crate) fn address_arc(&self) -> &Arc<StackAddress> {
        &self.address
    }

    pub(crate) fn take_problems(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.problems)
    }

    pub(crate) fn into_template(self) -> Template {
        self.template
    }
}

/// Every stack of a program, across accounts and regions: what synthesis turns into templates.
#[derive(Debug, Default)]
pub struct CloudAssembly {
    stacks: Vec<Stack>,
    /// Looked up once per resource added: FNV hashes the short address faster than SipHash.
    index: HashMap<StackAddress, usize>,
}

impl CloudAssembly {
    /// No stacks yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The stack `name` in `env`, created on first use. Names CloudFormation rejects are
    /// reported at synthesis.
    pub fn stack(&mut self, env: &AwsEnvironment, name: &str) -> &mut Stack {
        let address = StackAddress::new(env, name);
        let index = match self.index.get(&address) {
            Some(&index) => index,
            None => {
                self.stacks.push(Stack::new(address.clone()));
                self.index.insert(address, self.stacks.len() - 1);
                self.stacks.len() - 1
            }
        };
        &mut self.stacks[index]
    }

    /// The stack at `address`, if any.
    pub fn get(&self, address: &StackAddress) -> Option<&Stack> {
        self.index.get(address).map(|&i| &self.stacks[i])
    }

    /// Mutable access to the stack at `address`, if any.
    pub fn get_mut(&mut self, address: &StackAddress) -> Option<&mut Stack> {
        self.index.get(address).map(|&i| &mut self.stacks[i])
    }

    /// The stacks, in the order they were created.
    pub fn stacks(&self) -> &[Stack] {
        &self.stacks
    }

    /// Resolves references between stacks, checks every stack against CloudFormation's limits and
    /// rules, and writes each template (see the [module docs](self)). `previous` is the ledger of
    /// the last deployed synthesis (`ExportLedger::default()` the first time).
    ///
    /// Returns every error and warning at once when there is an error.
    pub fn synthesize(
        self,
        previous: &ExportLedger,
    ) -> Result<Synthesis, girder_core::Diagnostics> {
        crate::synth::synthesize(self.stacks, previous)
    }
}
