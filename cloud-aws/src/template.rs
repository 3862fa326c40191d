//! The CloudFormation template model and its JSON form.
//!
//! A [`Template`] is what one stack deploys. Its JSON is pretty-printed with one space of
//! indentation (as AWS CDK writes templates) and a trailing newline, in a fixed order:
//! `AWSTemplateFormatVersion`, `Description`, `Metadata`, `Parameters`, `Mappings`, `Conditions`,
//! `Resources`, `Outputs`; every map sorted by key. The same template always gives the same bytes.
//!
//! Resources are written straight from their typed properties into the output buffer (see
//! [`crate::entry`]); nothing goes through `serde_json::Value`.
//!
//! Stacks fill templates ([`crate::Stack`]); synthesis ([`crate::CloudAssembly::synthesize`])
//! resolves references between stacks before writing them. Writing a template directly
//! ([`Template::to_json`]) writes what it holds, unresolved.

use std::collections::{BTreeMap, btree_map};
use std::marker::PhantomData;

use serde::{Serialize, Serializer};

use crate::address::StackAddress;
use crate::condition::{Cond, ConditionRef};
use crate::entry::ResourceEntry;
use crate::intrinsic::{Intrinsic, TemplateName};
use crate::json::Json;
use crate::parameter::ParameterDef;
use crate::resource::{LogicalId, Walk};
use crate::serialize::write_key;
use crate::value::{JsonLiteral, Value};
use crate::write::{ObjectWriter, into_string};

/// The only template format version.
pub const FORMAT_VERSION: &str = "2010-09-09";

/// Writing a template failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// A value could not be serialized (a property's `Serialize` impl failed).
    #[error("cannot write {section} `{name}` as JSON")]
    Serialize {
        /// The template section, e.g. `Resources`.
        section: &'static str,
        /// The entry's name or logical ID.
        name: String,
        /// What serde_json said.
        #[source]
        source: serde_json::Error,
    },
}

/// An output: a value the stack shows, and optionally exports to other stacks of its account and
/// region.
///
/// ```
/// use girder_aws::{Output, Pseudo};
/// let output = Output::new(Pseudo::stack_name()).description("the stack").export("shop-name");
/// # let _ = output;
/// ```
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct Output {
    description: Option<String>,
    condition: Option<TemplateName>,
    value: Value<String>,
    export: Option<Value<String>>,
}

impl Output {
    /// An output of `value`.
    pub fn new(value: impl Into<Value<String>>) -> Self {
        Self {
            description: None,
            condition: None,
            value: value.into(),
            export: None,
        }
    }

    /// Says what the value is.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Exports the value under `name` (letters, digits, `:` and `-`; unique per account and
    /// region), for `Fn::ImportValue` in stacks Girder does not manage. References between
    /// Girder stacks are exported automatically.
    pub fn export(mut self, name: impl Into<Value<String>>) -> Self {
        self.export = Some(name.into());
        self
    }

    /// Creates the output only when `condition` holds.
    pub fn condition(mut self, condition: &ConditionRef) -> Self {
        self.condition = Some(condition.target().clone());
        self
    }

    /// The value.
    pub fn value(&self) -> &Value<String> {
        &self.value
    }

    /// The export name, if exported.
    pub fn export_name(&self) -> Option<&Value<String>> {
        self.export.as_ref()
    }

    /// The description.
    pub fn description_text(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The condition guarding the output.
    pub fn condition_name(&self) -> Option<&TemplateName> {
        self.condition.as_ref()
    }

    pub(crate) fn with_condition(mut self, condition: Option<TemplateName>) -> Self {
        self.condition = condition;
        self
    }

    pub(crate) fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Intrinsic)) {
        self.value.walk_mut(f);
        self.export.walk_mut(f);
    }
}

impl Serialize for Output {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        #[derive(Serialize)]
        struct Export<'a> {
            #[serde(rename = "Name")]
            name: &'a Value<String>,
        }
        let mut map = serializer.serialize_map(None)?;
        if let Some(description) = &self.description {
            map.serialize_entry("Description", description)?;
        }
        if let Some(condition) = &self.condition {
            map.serialize_entry("Condition", condition.name())?;
        }
        map.serialize_entry("Value", &self.value)?;
        if let Some(name) = &self.export {
            map.serialize_entry("Export", &Export { name })?;
        }
        map.end()
    }
}

/// A mapping's entries: first-level key → second-level key → value.
pub type MappingDef = BTreeMap<String, BTreeMap<String, serde_json::Value>>;

/// A mapping whose values are `T`s, being built: look values up with
/// [`crate::fns::find_in_map`].
///
/// ```
/// use girder_aws::Mapping;
/// let amis = Mapping::<String>::new()
///     .entry("eu-west-1", "Arm", "ami-0123")
///     .entry("us-east-1", "Arm", "ami-4567");
/// # let _ = amis;
/// ```
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct Mapping<T> {
    entries: MappingDef,
    _type: PhantomData<fn() -> T>,
}

impl<T: JsonLiteral> Default for Mapping<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: JsonLiteral> Mapping<T> {
    /// An empty mapping (CloudFormation requires at least one entry).
    pub fn new() -> Self {
        Self {
            entries: BTreeMap::new(),
            _type: PhantomData,
        }
    }

    /// Sets the value at `top_level_key` / `second_level_key`.
    pub fn entry(
        mut self,
        top_level_key: impl Into<String>,
        second_level_key: impl Into<String>,
        value: impl Into<T>,
    ) -> Self {
        self.entries
            .entry(top_level_key.into())
            .or_default()
            .insert(second_level_key.into(), value.into().to_json());
        self
    }

    pub(crate) fn into_def(self) -> MappingDef {
        self.entries
    }
}

/// A mapping declared in one stack. Only usable in that stack (synthesis reports other uses).
#[derive(Debug)]
pub struct MappingRef<T> {
    target: TemplateName,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for MappingRef<T> {
    fn clone(&self) -> Self {
        Self::new(self.target.clone())
    }
}

impl<T> MappingRef<T> {
    pub(crate) fn new(target: TemplateName) -> Self {
        Self {
            target,
            _type: PhantomData,
        }
    }

    /// The mapping's name.
    pub fn name(&self) -> &str {
        self.target.name()
    }

    /// The stack that declares it.
    pub fn stack(&self) -> &StackAddress {
        self.target.stack()
    }

    /// The untyped name.
    pub fn target(&self) -> &TemplateName {
        &self.target
    }
}

/// A CloudFormation template.
#[derive(Clone, Debug, Default)]
pub struct Template {
    description: Option<String>,
    metadata: BTreeMap<String, Json>,
    parameters: BTreeMap<String, ParameterDef>,
    mappings: BTreeMap<String, MappingDef>,
    conditions: BTreeMap<String, Cond>,
    resources: BTreeMap<LogicalId, ResourceEntry>,
    outputs: BTreeMap<String, Output>,
}

impl Template {
    /// An empty template.
    pub fn new() -> Self {
        Self::default()
    }

    /// `Description`.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Sets `Description` (at most 1024 bytes).
    pub fn set_description(&mut self, description: impl Into<String>) {
        self.description = Some(description.into());
    }

    /// `Metadata`.
    pub fn metadata(&self) -> &BTreeMap<String, Json> {
        &self.metadata
    }

    /// Sets one `Metadata` key.
    pub fn set_metadata(&mut self, key: impl Into<String>, value: impl Into<Json>) {
        self.metadata.insert(key.into(), value.into());
    }

    /// `Parameters`, by name.
    pub fn parameters(&self) -> &BTreeMap<String, ParameterDef> {
        &self.parameters
    }

    /// Adds a parameter, returning the one it replaces.
    pub fn insert_parameter(
        &mut self,
        name: impl Into<String>,
        def: ParameterDef,
    ) -> Option<ParameterDef> {
        self.parameters.insert(name.into(), def)
    }

    /// `Mappings`, by name.
    pub fn mappings(&self) -> &BTreeMap<String, MappingDef> {
        &self.mappings
    }

    /// Adds a mapping, returning the one it replaces.
    pub fn insert_mapping(
        &mut self,
        name: impl Into<String>,
        def: MappingDef,
    ) -> Option<MappingDef> {
        self.mappings.insert(name.into(), def)
    }

    /// `Conditions`, by name.
    pub fn conditions(&self) -> &BTreeMap<String, Cond> {
        &self.conditions
    }

    /// Adds a condition, returning the one it replaces.
    pub fn insert_condition(&mut self, name: impl Into<String>, condition: Cond) -> Option<Cond> {
        self.conditions.insert(name.into(), condition)
    }

    /// `Resources`, by logical ID.
    pub fn resources(&self) -> &BTreeMap<LogicalId, ResourceEntry> {
        &self.resources
    }

    /// Mutable access to one resource.
    pub fn resource_mut(&mut self, id: &LogicalId) -> Option<&mut ResourceEntry> {
        self.resources.get_mut(id)
    }

    /// Adds a resource, returning the one it replaces.
    pub fn insert_resource(
        &mut self,
        id: LogicalId,
        entry: ResourceEntry,
    ) -> Option<ResourceEntry> {
        self.resources.insert(id, entry)
    }

    /// The resource slot of `id`: one search of the map to check and insert.
    pub(crate) fn resource_entry(
        &mut self,
        id: LogicalId,
    ) -> btree_map::Entry<'_, LogicalId, ResourceEntry> {
        self.resources.entry(id)
    }

    /// Removes a resource.
    pub fn remove_resource(&mut self, id: &LogicalId) -> Option<ResourceEntry> {
        self.resources.remove(id)
    }

    /// `Outputs`, by name.
    pub fn outputs(&self) -> &BTreeMap<String, Output> {
        &self.outputs
    }

    /// Adds an output, returning the one it replaces.
    pub fn insert_output(&mut self, name: impl Into<String>, output: Output) -> Option<Output> {
        self.outputs.insert(name.into(), output)
    }

    pub(crate) fn outputs_mut(&mut self) -> impl Iterator<Item = (&String, &mut Output)> {
        self.outputs.iter_mut()
    }

    pub(crate) fn metadata_mut(&mut self) -> &mut BTreeMap<String, Json> {
        &mut self.metadata
    }

    /// The template as pretty JSON with a trailing newline.
    pub fn to_json(&self) -> Result<String, TemplateError> {
        // Resources take 1 to 2 KB each: reserve enough that the buffer never grows (growing a
        // large buffer copies it, and touches fresh pages that must be faulted in).
        let mut out = Vec::with_capacity(1024 + self.resources.len() * 2048);
        self.write_json(&mut out)?;
        Ok(into_string(out))
    }

    /// Appends the template as pretty JSON with a trailing newline to `out`.
    pub fn write_json(&self, out: &mut Vec<u8>) -> Result<(), TemplateError> {
        self.write_around(out, |resources| {
            for (id, entry) in &self.resources {
                resources
                    .raw_entry(|out| write_resource(out, id, entry))
                    .map_err(|source| TemplateError::Serialize {
                        section: "Resources",
                        name: id.as_str().to_owned(),
                        source,
                    })?;
            }
            Ok(())
        })
    }

    /// Appends the template to `out` as [`Template::write_json`] does, with `resources` writing
    /// the entries of `Resources` in place of the template's own.
    pub(crate) fn write_around(
        &self,
        out: &mut Vec<u8>,
        resources: impl FnOnce(&mut ObjectWriter<'_>) -> Result<(), TemplateError>,
    ) -> Result<(), TemplateError> {
        let error = |section: &'static str| {
            move |source| TemplateError::Serialize {
                section,
                name: String::new(),
                source,
            }
        };
        let mut root = ObjectWriter::open(out, 0);
        root.entry("AWSTemplateFormatVersion", FORMAT_VERSION)
            .map_err(error("AWSTemplateFormatVersion"))?;
        if let Some(description) = &self.description {
            root.entry("Description", description)
                .map_err(error("Description"))?;
        }
        write_section(&mut root, "Metadata", &self.metadata)?;
        write_section(&mut root, "Parameters", &self.parameters)?;
        write_section(&mut root, "Mappings", &self.mappings)?;
        write_section(&mut root, "Conditions", &self.conditions)?;
        let mut section = root.object("Resources");
        resources(&mut section)?;
        section.close();
        write_section(&mut root, "Outputs", &self.outputs)?;
        root.close();
        out.push(b'\n');
        Ok(())
    }

    /// Whether the template holds nothing but resources and a description: written, it is a
    /// template of its resources alone.
    pub(crate) fn is_bare(&self) -> bool {
        self.metadata.is_empty()
            && self.parameters.is_empty()
            && self.mappings.is_empty()
            && self.conditions.is_empty()
            && self.outputs.is_empty()
            && self.description.is_none()
    }

    /// Takes the resources out, leaving the rest of the template.
    pub(crate) fn take_resources(&mut self) -> BTreeMap<LogicalId, ResourceEntry> {
        std::mem::take(&mut self.resources)
    }
}

/// Appends `"id": {…}`, one resource of `Resources`, as it stands in a template.
pub(crate) fn write_resource(
    out: &mut Vec<u8>,
    id: &LogicalId,
    entry: &ResourceEntry,
) -> serde_json::Result<()> {
    write_key(out, id.as_str());
    entry.write(ObjectWriter::open(out, 2))
}

fn write_section<K: AsRef<str>, V: Serialize>(
    root: &mut ObjectWriter<'_>,
    section: &'static str,
    entries: &BTreeMap<K, V>,
) -> Result<(), TemplateError> {
    if entries.is_empty() {
        return Ok(());
    }
    let error = |name: &str| {
        let name = name.to_owned();
        move |source| TemplateError::Serialize {
            section,
            name,
            source,
        }
    };
    let mut object = root.object(section);
    for (name, value) in entries {
        object
            .entry(name.as_ref(), value)
            .map_err(error(name.as_ref()))?;
    }
    object.close();
    Ok(())
}
