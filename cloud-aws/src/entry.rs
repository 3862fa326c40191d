//! A resource in a template: its properties (any [`Resource`], stored type-erased) and its
//! attributes (`DependsOn`, `DeletionPolicy`, `UpdateReplacePolicy`, `Condition`, `Metadata`).
//!
//! [`Entry`] is the typed builder a program writes; a stack stores it as a [`ResourceEntry`].
//!
//! # Stateful resources
//!
//! Resource types that hold data ([`STATEFUL_DEFAULTS`]: databases, buckets, keys, secrets, log
//! groups, ...) get a `DeletionPolicy` and an `UpdateReplacePolicy` when added to a stack, unless
//! the entry sets its own: `Snapshot` where the type supports it, `Retain` otherwise. Deleting a
//! stack or replacing such a resource then keeps the data. The list is keyed by
//! [`Resource::TYPE_NAME`], so it applies to any type, generated or hand-written.

use std::any::Any;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Serialize, Serializer};

use crate::condition::ConditionRef;
use crate::intrinsic::{Intrinsic, ResourceTarget, TemplateName};
use crate::json::Json;
use crate::resource::{Resource, ResourceRef, Walk};
use crate::write::{JsonSerializer, ObjectWriter};

/// What CloudFormation does with the physical resource when the resource leaves the template or
/// its stack is deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum DeletionPolicy {
    /// Delete it (CloudFormation's default for most types).
    Delete,
    /// Keep it.
    Retain,
    /// Keep it unless the stack is rolled back after a failed creation.
    RetainExceptOnDelete,
    /// Take a snapshot, then delete it (databases, volumes, caches).
    Snapshot,
}

/// What CloudFormation does with the old physical resource when an update replaces it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum UpdateReplacePolicy {
    /// Delete it (CloudFormation's default).
    Delete,
    /// Keep it.
    Retain,
    /// Take a snapshot, then delete it.
    Snapshot,
}

/// The default policies of stateful resource types, by `TYPE_NAME`.
pub const STATEFUL_DEFAULTS: &[(&str, DeletionPolicy, UpdateReplacePolicy)] = {
    use DeletionPolicy as D;
    use UpdateReplacePolicy as U;
    &[
        ("AWS::RDS::DBInstance", D::Snapshot, U::Snapshot),
        ("AWS::RDS::DBCluster", D::Snapshot, U::Snapshot),
        ("AWS::DocDB::DBCluster", D::Snapshot, U::Snapshot),
        ("AWS::Neptune::DBCluster", D::Snapshot, U::Snapshot),
        ("AWS::Redshift::Cluster", D::Snapshot, U::Snapshot),
        (
            "AWS::ElastiCache::ReplicationGroup",
            D::Snapshot,
            U::Snapshot,
        ),
        ("AWS::ElastiCache::CacheCluster", D::Snapshot, U::Snapshot),
        ("AWS::EC2::Volume", D::Snapshot, U::Snapshot),
        ("AWS::S3::Bucket", D::Retain, U::Retain),
        ("AWS::KMS::Key", D::Retain, U::Retain),
        ("AWS::SecretsManager::Secret", D::Retain, U::Retain),
        ("AWS::Logs::LogGroup", D::Retain, U::Retain),
        ("AWS::ECR::Repository", D::Retain, U::Retain),
        ("AWS::DynamoDB::Table", D::Retain, U::Retain),
        ("AWS::DynamoDB::GlobalTable", D::Retain, U::Retain),
        ("AWS::EFS::FileSystem", D::Retain, U::Retain),
        ("AWS::Cognito::UserPool", D::Retain, U::Retain),
    ]
};

/// The default `(DeletionPolicy, UpdateReplacePolicy)` of a resource type, if it is stateful.
///
/// ```
/// use girder_aws::entry::{default_policies, DeletionPolicy, UpdateReplacePolicy};
/// assert_eq!(
///     default_policies("AWS::RDS::DBInstance"),
///     Some((DeletionPolicy::Snapshot, UpdateReplacePolicy::Snapshot))
/// );
/// assert_eq!(default_policies("AWS::SNS::Topic"), None);
/// ```
pub fn default_policies(type_name: &str) -> Option<(DeletionPolicy, UpdateReplacePolicy)> {
    STATEFUL_DEFAULTS
        .iter()
        .find(|(t, ..)| *t == type_name)
        .map(|(_, d, u)| (*d, *u))
}

/// A checkov check skipped for one resource, with the reason: written as
/// `Metadata: {"checkov": {"skip": [{"id": "CKV_AWS_18", "comment": ".."}]}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CheckovSkip {
    /// The check, e.g. `CKV_AWS_18`.
    pub id: Cow<'static, str>,
    /// Why it does not apply; synthesis requires one.
    pub comment: Cow<'static, str>,
}

/// The attributes of a resource besides its properties.
#[derive(Clone, Debug, Default, PartialEq)]
struct Attributes {
    depends_on: Vec<ResourceTarget>,
    deletion_policy: Option<DeletionPolicy>,
    update_replace_policy: Option<UpdateReplacePolicy>,
    condition: Option<TemplateName>,
    metadata: BTreeMap<String, Json>,
    checkov: Vec<CheckovSkip>,
}

/// A resource with its attributes, typed: what [`crate::Stack::add`] takes (a bare `R` converts
/// into one).
///
/// ```
/// # use girder_aws::*;
/// # #[derive(Clone, Debug, Default, serde::Serialize)]
/// # struct Topic {}
/// # impl Walk for Topic {
/// #     fn walk(&self, _: &mut dyn FnMut(&Intrinsic)) {}
/// #     fn walk_mut(&mut self, _: &mut dyn FnMut(&mut Intrinsic)) {}
/// # }
/// # impl Resource for Topic {
/// #     const TYPE_NAME: &'static str = "AWS::SNS::Topic";
/// #     const CREATE_ONLY: &'static [&'static str] = &[];
/// #     const DOCUMENTATION: &'static str = "";
/// # }
/// let mut app = CloudAssembly::new();
/// let env = AwsEnvironment::new("123456789012", "eu-west-1").unwrap();
/// let stack = app.stack(&env, "alerts");
/// let first = stack.add(LogicalId::new("First").unwrap(), Topic::default());
/// let second = stack.add(
///     LogicalId::new("Second").unwrap(),
///     Entry::new(Topic::default())
///         .depends_on(&first)
///         .deletion_policy(DeletionPolicy::Retain)
///         .checkov_skip("CKV_AWS_26", "alerts carry no data"),
/// );
/// # let _ = second;
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct Entry<R> {
    properties: R,
    attributes: Attributes,
}

impl<R: Resource> Entry<R> {
    /// `properties` with no attributes set.
    pub fn new(properties: R) -> Self {
        Self::new_unchecked(properties)
    }
}

impl<R> Entry<R> {
    /// `properties` with no attributes set, for the properties that are not a [`Resource`]
    /// ([`crate::raw::RawResource`]).
    pub(crate) fn new_unchecked(properties: R) -> Self {
        Self {
            properties,
            attributes: Attributes::default(),
        }
    }

    /// The properties.
    pub fn properties(&self) -> &R {
        &self.properties
    }

    /// Mutable access to the properties.
    pub fn properties_mut(&mut self) -> &mut R {
        &mut self.properties
    }

    /// Adds `DependsOn` another resource. A resource of another stack makes this stack depend
    /// on that one instead (CloudFormation's `DependsOn` only names resources of its template).
    pub fn depends_on<S>(mut self, other: &ResourceRef<S>) -> Self {
        self.attributes.depends_on.push(other.target().clone());
        self
    }

    /// Sets `DeletionPolicy`, overriding the default of stateful types.
    pub fn deletion_policy(mut self, policy: DeletionPolicy) -> Self {
        self.attributes.deletion_policy = Some(policy);
        self
    }

    /// Sets `UpdateReplacePolicy`, overriding the default of stateful types.
    pub fn update_replace_policy(mut self, policy: UpdateReplacePolicy) -> Self {
        self.attributes.update_replace_policy = Some(policy);
        self
    }

    /// Creates the resource only when `condition` holds.
    pub fn condition(mut self, condition: &ConditionRef) -> Self {
        self.attributes.condition = Some(condition.target().clone());
        self
    }

    /// Sets one `Metadata` key (`checkov` is reserved for [`Entry::checkov_skip`]).
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<Json>) -> Self {
        self.attributes.metadata.insert(key.into(), value.into());
        self
    }

    /// Skips checkov's check `id` (`CKV_AWS_18`) for this resource, saying why.
    pub fn checkov_skip(
        mut self,
        id: impl Into<Cow<'static, str>>,
        comment: impl Into<Cow<'static, str>>,
    ) -> Self {
        // Resources skip a check or two, and keep them until their template is written.
        self.attributes.checkov.reserve_exact(1);
        self.attributes.checkov.push(CheckovSkip {
            id: id.into(),
            comment: comment.into(),
        });
        self
    }
}

impl<R: Resource> From<R> for Entry<R> {
    fn from(properties: R) -> Self {
        Entry::new(properties)
    }
}

/// What a template needs of a resource's properties, whatever their type.
pub(crate) trait ErasedProperties: fmt::Debug + Send {
    fn type_name(&self) -> &'static str;
    fn write(&self, serializer: &mut JsonSerializer<'_>) -> serde_json::Result<()>;
    fn to_value(&self) -> serde_json::Result<serde_json::Value>;
    fn pick(
        &self,
        keys: Option<&[&str]>,
    ) -> serde_json::Result<serde_json::Map<String, serde_json::Value>>;
    fn screen(&self) -> bool;
    fn walk(&self, f: &mut dyn FnMut(&Intrinsic));
    fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Intrinsic));
    fn clone_box(&self) -> Box<dyn ErasedProperties>;
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<R: Resource> ErasedProperties for R {
    fn type_name(&self) -> &'static str {
        R::TYPE_NAME
    }
    fn write(&self, serializer: &mut JsonSerializer<'_>) -> serde_json::Result<()> {
        self.serialize(serializer)
    }
    fn to_value(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::to_value(self)
    }
    fn pick(
        &self,
        keys: Option<&[&str]>,
    ) -> serde_json::Result<serde_json::Map<String, serde_json::Value>> {
        crate::checks::pick(self, keys)
    }
    fn screen(&self) -> bool {
        crate::checks::screen(self)
    }
    fn walk(&self, f: &mut dyn FnMut(&Intrinsic)) {
        Walk::walk(self, f);
    }
    fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Intrinsic)) {
        Walk::walk_mut(self, f);
    }
    fn clone_box(&self) -> Box<dyn ErasedProperties> {
        Box::new(self.clone())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// A resource in a template, its properties type-erased.
#[derive(Debug)]
pub struct ResourceEntry {
    properties: Box<dyn ErasedProperties>,
    attributes: Attributes,
}

impl Clone for ResourceEntry {
    fn clone(&self) -> Self {
        Self {
            properties: self.properties.clone_box(),
            attributes: self.attributes.clone(),
        }
    }
}

impl From<Entry<crate::raw::RawResource>> for ResourceEntry {
    fn from(entry: Entry<crate::raw::RawResource>) -> Self {
        Self {
            properties: Box::new(entry.properties),
            attributes: entry.attributes,
        }
    }
}

impl<R: Resource> From<Entry<R>> for ResourceEntry {
    fn from(entry: Entry<R>) -> Self {
        Self {
            properties: Box::new(entry.properties),
            attributes: entry.attributes,
        }
    }
}

impl Walk for ResourceEntry {
    fn walk(&self, f: &mut dyn FnMut(&Intrinsic)) {
        ResourceEntry::walk(self, f);
    }

    fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Intrinsic)) {
        ResourceEntry::walk_mut(self, f);
    }
}

impl ResourceEntry {
    /// `properties` with no attributes set.
    pub fn new<R: Resource>(properties: R) -> Self {
        Entry::new(properties).into()
    }

    /// The resource type, e.g. `AWS::S3::Bucket`.
    pub fn type_name(&self) -> &'static str {
        self.properties.type_name()
    }

    /// The properties, if they are an `R`.
    pub fn properties<R: Resource>(&self) -> Option<&R> {
        self.properties.as_any().downcast_ref()
    }

    /// Mutable access to the properties, if they are an `R`.
    pub fn properties_mut<R: Resource>(&mut self) -> Option<&mut R> {
        self.properties.as_any_mut().downcast_mut()
    }

    /// The resources this one depends on.
    pub fn depends_on(&self) -> &[ResourceTarget] {
        &self.attributes.depends_on
    }

    /// `DeletionPolicy`, if set.
    pub fn deletion_policy(&self) -> Option<DeletionPolicy> {
        self.attributes.deletion_policy
    }

    /// `UpdateReplacePolicy`, if set.
    pub fn update_replace_policy(&self) -> Option<UpdateReplacePolicy> {
        self.attributes.update_replace_policy
    }

    /// Sets or clears `DeletionPolicy`.
    pub fn set_deletion_policy(&mut self, policy: Option<DeletionPolicy>) {
        self.attributes.deletion_policy = policy;
    }

    /// Sets or clears `UpdateReplacePolicy`.
    pub fn set_update_replace_policy(&mut self, policy: Option<UpdateReplacePolicy>) {
        self.attributes.update_replace_policy = policy;
    }

    /// The condition that guards the resource.
    pub fn condition(&self) -> Option<&TemplateName> {
        self.attributes.condition.as_ref()
    }

    /// `Metadata`, without the checkov skips.
    pub fn metadata(&self) -> &BTreeMap<String, Json> {
        &self.attributes.metadata
    }

    /// The checkov checks skipped for this resource.
    pub fn checkov_skips(&self) -> &[CheckovSkip] {
        &self.attributes.checkov
    }

    /// Skips checkov's check `id` for this resource, saying why: what an AWS construct's
    /// `accept` writes on the resources it emits (see [`crate::checks`]).
    pub fn add_checkov_skip(
        &mut self,
        id: impl Into<Cow<'static, str>>,
        comment: impl Into<Cow<'static, str>>,
    ) {
        self.attributes.checkov.push(CheckovSkip {
            id: id.into(),
            comment: comment.into(),
        });
    }

    /// Applies the default policies of stateful types where none is set.
    pub(crate) fn apply_default_policies(&mut self) {
        if let Some((deletion, update_replace)) = default_policies(self.type_name()) {
            let attributes = &mut self.attributes;
            attributes.deletion_policy.get_or_insert(deletion);
            attributes
                .update_replace_policy
                .get_or_insert(update_replace);
        }
    }

    pub(crate) fn depends_on_mut(&mut self) -> &mut Vec<ResourceTarget> {
        &mut self.attributes.depends_on
    }

    /// The properties `keys` (every property when `None`) as JSON, for the checks.
    pub(crate) fn pick_properties(
        &self,
        keys: Option<&[&str]>,
    ) -> serde_json::Result<serde_json::Map<String, serde_json::Value>> {
        self.properties.pick(keys)
    }

    /// Whether the properties hold what an IAM check needs to fire (see [`crate::checks`]).
    pub(crate) fn screen_properties(&self) -> bool {
        self.properties.screen()
    }

    pub(crate) fn properties_value(&self) -> serde_json::Result<serde_json::Value> {
        self.properties.to_value()
    }

    /// Visits the intrinsics of the properties and the metadata.
    pub(crate) fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Intrinsic)) {
        self.properties.walk_mut(f);
        self.attributes.metadata.walk_mut(f);
    }

    /// Visits the intrinsics of the properties and the metadata.
    pub fn walk(&self, f: &mut dyn FnMut(&Intrinsic)) {
        self.properties.walk(f);
        self.attributes.metadata.walk(f);
    }

    /// Writes `{"Type": .., "Properties": .., ...}`.
    pub(crate) fn write(&self, mut object: ObjectWriter<'_>) -> serde_json::Result<()> {
        let attributes = &self.attributes;
        object.entry("Type", self.type_name())?;
        object.key("Properties");
        self.properties.write(&mut object.serializer())?;
        if !attributes.depends_on.is_empty() {
            let ids: Vec<_> = attributes
                .depends_on
                .iter()
                .map(|t| t.logical_id())
                .collect();
            object.entry("DependsOn", &ids)?;
        }
        if let Some(condition) = &attributes.condition {
            object.entry("Condition", condition.name())?;
        }
        if let Some(policy) = &attributes.deletion_policy {
            object.entry("DeletionPolicy", policy)?;
        }
        if let Some(policy) = &attributes.update_replace_policy {
            object.entry("UpdateReplacePolicy", policy)?;
        }
        if !attributes.metadata.is_empty() || !attributes.checkov.is_empty() {
            object.entry("Metadata", &Metadata(attributes))?;
        }
        object.close();
        Ok(())
    }
}

/// The `Metadata` of a resource, checkov skips included.
struct Metadata<'a>(&'a Attributes);

impl Serialize for Metadata<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Checkov<'a> {
            skip: &'a [CheckovSkip],
        }
        use serde::ser::SerializeMap;
        let Attributes {
            metadata, checkov, ..
        } = self.0;
        let mut map = serializer.serialize_map(None)?;
        let mut checkov_written = checkov.is_empty();
        for (key, value) in metadata {
            if !checkov_written && key.as_str() > "checkov" {
                map.serialize_entry("checkov", &Checkov { skip: checkov })?;
                checkov_written = true;
            }
            if key == "checkov" && !checkov.is_empty() {
                // Reported at synthesis; the typed skips win.
                continue;
            }
            map.serialize_entry(key, value)?;
        }
        if !checkov_written {
            map.serialize_entry("checkov", &Checkov { skip: checkov })?;
        }
        map.end()
    }
}
