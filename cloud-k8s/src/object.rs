//! Emitted Kubernetes objects: typed (k8s-openapi or our custom resources) or raw after a JSON patch.

use std::any::{Any, TypeId};

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Pod, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::{ClusterResourceScope, Metadata, Resource};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Why an object could not be serialized or patched.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ObjectError {
    /// Serializing the object to YAML failed.
    #[error("could not write {object} as YAML")]
    WriteYaml {
        /// The object, e.g. `Deployment hello/api`.
        object: String,
        /// What failed.
        #[source]
        source: crate::emit::EmitError,
    },
    /// Converting the object to JSON failed.
    #[error("could not convert {object} to JSON")]
    ToJson {
        /// The object.
        object: String,
        /// What failed.
        #[source]
        source: serde_json::Error,
    },
    /// A JSON patch did not apply.
    #[error("JSON patch does not apply to {object}")]
    Patch {
        /// The object.
        object: String,
        /// What failed.
        #[source]
        source: json_patch::PatchError,
    },
    /// A patch left the object without a valid `metadata`.
    #[error("JSON patch left {object} without valid metadata")]
    PatchedMetadata {
        /// The object.
        object: String,
        /// What failed.
        #[source]
        source: serde_json::Error,
    },
}

/// A Kubernetes object Girder can emit: any k8s-openapi resource, any typed custom resource of
/// [`crate::crd`], or a [`RawObject`].
///
/// Implemented for every `T: k8s_openapi::Resource + Metadata<Ty = ObjectMeta> + Serialize`, so a
/// platform team's own custom resource types are objects too.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Kubernetes object Girder can emit",
    note = "implement `k8s_openapi::Resource` and `k8s_openapi::Metadata<Ty = ObjectMeta>` and derive `Serialize` for it"
)]
pub trait Object: Any + Send + Sync {
    /// `apiVersion`, e.g. `apps/v1`.
    fn api_version(&self) -> &str;
    /// `kind`, e.g. `Deployment`.
    fn kind(&self) -> &str;
    /// Whether the object is cluster-scoped (has no namespace).
    fn cluster_scoped(&self) -> bool;
    /// The object's metadata.
    fn meta(&self) -> &ObjectMeta;
    /// The object's metadata, to change.
    fn meta_mut(&mut self) -> &mut ObjectMeta;
    /// The pod spec of a workload (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod, ReplicaSet).
    fn pod_spec(&self) -> Option<&PodSpec>;
    /// The pod spec of a workload, to change.
    fn pod_spec_mut(&mut self) -> Option<&mut PodSpec>;
    /// Every container image the object runs.
    fn images(&self) -> Vec<String> {
        self.pod_spec().map_or_else(Vec::new, |spec| {
            let init = spec
                .init_containers
                .iter()
                .flatten()
                .filter_map(|c| c.image.clone());
            init.chain(spec.containers.iter().filter_map(|c| c.image.clone()))
                .collect()
        })
    }
    /// The object as JSON.
    fn to_value(&self) -> Result<Value, serde_json::Error>;
    /// Appends the object as one YAML document (without the `---` line) to `out`.
    fn write_yaml(&self, out: &mut String) -> Result<(), crate::emit::EmitError>;
}

fn pod_spec_of(any: &dyn Any) -> Option<&PodSpec> {
    if let Some(o) = any.downcast_ref::<Deployment>() {
        o.spec.as_ref()?.template.spec.as_ref()
    } else if let Some(o) = any.downcast_ref::<StatefulSet>() {
        o.spec.as_ref()?.template.spec.as_ref()
    } else if let Some(o) = any.downcast_ref::<DaemonSet>() {
        o.spec.as_ref()?.template.spec.as_ref()
    } else if let Some(o) = any.downcast_ref::<ReplicaSet>() {
        o.spec.as_ref()?.template.as_ref()?.spec.as_ref()
    } else if let Some(o) = any.downcast_ref::<Job>() {
        o.spec.as_ref()?.template.spec.as_ref()
    } else if let Some(o) = any.downcast_ref::<CronJob>() {
        o.spec
            .as_ref()?
            .job_template
            .spec
            .as_ref()?
            .template
            .spec
            .as_ref()
    } else if let Some(o) = any.downcast_ref::<Pod>() {
        o.spec.as_ref()
    } else {
        None
    }
}

fn pod_spec_of_mut(any: &mut dyn Any) -> Option<&mut PodSpec> {
    if any.is::<Deployment>() {
        any.downcast_mut::<Deployment>()?
            .spec
            .as_mut()?
            .template
            .spec
            .as_mut()
    } else if any.is::<StatefulSet>() {
        any.downcast_mut::<StatefulSet>()?
            .spec
            .as_mut()?
            .template
            .spec
            .as_mut()
    } else if any.is::<DaemonSet>() {
        any.downcast_mut::<DaemonSet>()?
            .spec
            .as_mut()?
            .template
            .spec
            .as_mut()
    } else if any.is::<ReplicaSet>() {
        any.downcast_mut::<ReplicaSet>()?
            .spec
            .as_mut()?
            .template
            .as_mut()?
            .spec
            .as_mut()
    } else if any.is::<Job>() {
        any.downcast_mut::<Job>()?
            .spec
            .as_mut()?
            .template
            .spec
            .as_mut()
    } else if any.is::<CronJob>() {
        let job = any.downcast_mut::<CronJob>()?.spec.as_mut()?;
        job.job_template.spec.as_mut()?.template.spec.as_mut()
    } else if any.is::<Pod>() {
        any.downcast_mut::<Pod>()?.spec.as_mut()
    } else {
        None
    }
}

impl<T> Object for T
where
    T: Resource + Metadata<Ty = ObjectMeta> + Serialize + Any + Send + Sync,
{
    fn api_version(&self) -> &str {
        T::API_VERSION
    }
    fn kind(&self) -> &str {
        T::KIND
    }
    fn cluster_scoped(&self) -> bool {
        TypeId::of::<T::Scope>() == TypeId::of::<ClusterResourceScope>()
    }
    fn meta(&self) -> &ObjectMeta {
        self.metadata()
    }
    fn meta_mut(&mut self) -> &mut ObjectMeta {
        self.metadata_mut()
    }
    fn pod_spec(&self) -> Option<&PodSpec> {
        pod_spec_of(self)
    }
    fn pod_spec_mut(&mut self) -> Option<&mut PodSpec> {
        pod_spec_of_mut(self)
    }
    fn to_value(&self) -> Result<Value, serde_json::Error> {
        serde_json::to_value(self)
    }
    fn write_yaml(&self, out: &mut String) -> Result<(), crate::emit::EmitError> {
        crate::emit::to_yaml(out, self)
    }
}

/// An object as JSON, after a JSON patch took it beyond its Rust type.
///
/// Its metadata stays typed, so aspects still label it; the rest is kept as patched.
#[derive(Debug, Clone, PartialEq)]
pub struct RawObject {
    api_version: String,
    kind: String,
    cluster_scoped: bool,
    metadata: ObjectMeta,
    rest: Map<String, Value>,
}

impl RawObject {
    /// Splits a patched object into its metadata and the rest.
    pub fn from_value(value: Value, cluster_scoped: bool) -> Result<Self, serde_json::Error> {
        let mut map = match value {
            Value::Object(map) => map,
            other => {
                return Err(serde::de::Error::custom(format!(
                    "expected an object, found {other}"
                )));
            }
        };
        let text = |map: &mut Map<String, Value>, key: &str| match map.remove(key) {
            Some(Value::String(s)) => Ok(s),
            _ => Err(serde::de::Error::custom(format!(
                "`{key}` must be a string"
            ))),
        };
        let api_version = text(&mut map, "apiVersion")?;
        let kind = text(&mut map, "kind")?;
        let metadata = ObjectMeta::deserialize_from(map.remove("metadata").unwrap_or(Value::Null))?;
        Ok(RawObject {
            api_version,
            kind,
            cluster_scoped,
            metadata,
            rest: map,
        })
    }

    /// The object's fields other than `apiVersion`, `kind` and `metadata`.
    pub fn rest(&self) -> &Map<String, Value> {
        &self.rest
    }
}

trait DeserializeFrom: Sized {
    fn deserialize_from(value: Value) -> Result<Self, serde_json::Error>;
}

impl<T: DeserializeOwned + Default> DeserializeFrom for T {
    fn deserialize_from(value: Value) -> Result<Self, serde_json::Error> {
        if value.is_null() {
            Ok(T::default())
        } else {
            serde_json::from_value(value)
        }
    }
}

impl Serialize for RawObject {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.rest.len() + 3))?;
        map.serialize_entry("apiVersion", &self.api_version)?;
        map.serialize_entry("kind", &self.kind)?;
        map.serialize_entry("metadata", &self.metadata)?;
        for (k, v) in &self.rest {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

fn collect_images(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "containers" || key == "initContainers" {
                    for c in v.as_array().into_iter().flatten() {
                        if let Some(image) = c.get("image").and_then(Value::as_str) {
                            out.push(image.to_owned());
                        }
                    }
                } else {
                    collect_images(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_images(v, out)),
        _ => {}
    }
}

impl Object for RawObject {
    fn api_version(&self) -> &str {
        &self.api_version
    }
    fn kind(&self) -> &str {
        &self.kind
    }
    fn cluster_scoped(&self) -> bool {
        self.cluster_scoped
    }
    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }
    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
    fn pod_spec(&self) -> Option<&PodSpec> {
        None
    }
    fn pod_spec_mut(&mut self) -> Option<&mut PodSpec> {
        None
    }
    fn images(&self) -> Vec<String> {
        let mut out = Vec::new();
        for v in self.rest.values() {
            collect_images(v, &mut out);
        }
        out
    }
    fn to_value(&self) -> Result<Value, serde_json::Error> {
        serde_json::to_value(self)
    }
    fn write_yaml(&self, out: &mut String) -> Result<(), crate::emit::EmitError> {
        crate::emit::to_yaml(out, self)
    }
}

/// The artifact a construct emits for the Kubernetes target: one object.
pub struct Manifest {
    object: Box<dyn Object>,
}

impl std::fmt::Debug for Manifest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Manifest {
    /// Wraps an object.
    pub fn new(object: impl Object) -> Self {
        Manifest {
            object: Box::new(object),
        }
    }

    /// The object.
    pub fn object(&self) -> &dyn Object {
        self.object.as_ref()
    }

    /// The object, to change.
    pub fn object_mut(&mut self) -> &mut dyn Object {
        self.object.as_mut()
    }

    /// The object, if it is a `T`.
    pub fn downcast_mut<T: Object>(&mut self) -> Option<&mut T> {
        let any: &mut dyn Any = self.object.as_mut();
        any.downcast_mut::<T>()
    }

    /// The object, if it is a `T`.
    pub fn downcast_ref<T: Object>(&self) -> Option<&T> {
        let any: &dyn Any = self.object.as_ref();
        any.downcast_ref::<T>()
    }

    /// `Kind namespace/name` (or `Kind name` when cluster-scoped), for messages.
    pub fn describe(&self) -> String {
        let meta = self.object.meta();
        let name = meta.name.as_deref().unwrap_or("<unnamed>");
        match &meta.namespace {
            Some(ns) => format!("{} {ns}/{name}", self.object.kind()),
            None => format!("{} {name}", self.object.kind()),
        }
    }

    /// [`Manifest::describe`] of a visited object that is a `Manifest` (for
    /// `girder_core::Visit::described`); empty for anything else.
    pub fn describe_any(target: &dyn std::any::Any) -> String {
        target
            .downcast_ref::<Manifest>()
            .map(Manifest::describe)
            .unwrap_or_default()
    }

    /// Applies an RFC 6902 JSON patch; the object becomes a [`RawObject`].
    pub fn apply_patch(&mut self, patch: &json_patch::Patch) -> Result<(), ObjectError> {
        let object = self.describe();
        let mut value = self
            .object
            .to_value()
            .map_err(|source| ObjectError::ToJson {
                object: object.clone(),
                source,
            })?;
        json_patch::patch(&mut value, patch).map_err(|source| ObjectError::Patch {
            object: object.clone(),
            source,
        })?;
        let raw = RawObject::from_value(value, self.object.cluster_scoped())
            .map_err(|source| ObjectError::PatchedMetadata { object, source })?;
        self.object = Box::new(raw);
        Ok(())
    }

    /// Appends the object as one YAML document (without the `---` line).
    pub fn write_yaml(&self, out: &mut String) -> Result<(), ObjectError> {
        self.object
            .write_yaml(out)
            .map_err(|source| ObjectError::WriteYaml {
                object: self.describe(),
                source,
            })
    }
}
