//! Emitted Kubernetes objects: typed (k8s-openapi or our custom resources) or raw after a JSON patch.

use std::any::{Any, TypeId};
use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Pod, PodSpec};
use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicySpec};
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
pub trait Object: Any {
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
    /// The pod template of a workload (one of [`POD_TEMPLATE_KINDS`]). `None` for a
    /// [`RawObject`], whose template is JSON: [`crate::rules`] reads it through the typed view.
    fn pod_template(&self) -> Option<PodTemplate<'_>>;
    /// The pod template of a workload, to change.
    fn pod_template_mut(&mut self) -> Option<PodTemplateMut<'_>>;
    /// The pod spec of a workload (see [`Object::pod_template`]).
    fn pod_spec(&self) -> Option<&PodSpec> {
        self.pod_template()?.spec
    }
    /// The pod spec of a workload, to change.
    fn pod_spec_mut(&mut self) -> Option<&mut PodSpec> {
        self.pod_template_mut()?.spec
    }
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

/// The kinds whose objects carry a pod template, with the template's field path: the one list
/// Girder keeps of them. [`pod_template_of`] and [`pod_template_of_mut`] reach the typed
/// templates of exactly these kinds (a unit test keeps them in step).
///
/// `(API group, kind, field path)`; a `Pod` is its own template (an empty path).
pub const POD_TEMPLATE_KINDS: &[(&str, &str, &[&str])] = &[
    ("apps", "Deployment", &["spec", "template"]),
    ("apps", "StatefulSet", &["spec", "template"]),
    ("apps", "DaemonSet", &["spec", "template"]),
    ("apps", "ReplicaSet", &["spec", "template"]),
    ("batch", "Job", &["spec", "template"]),
    (
        "batch",
        "CronJob",
        &["spec", "jobTemplate", "spec", "template"],
    ),
    ("", "Pod", &[]),
];

/// The field path of the pod template of objects of `api_version` and `kind`, if they have one
/// (see [`POD_TEMPLATE_KINDS`]).
pub fn pod_template_path(api_version: &str, kind: &str) -> Option<&'static [&'static str]> {
    let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
    POD_TEMPLATE_KINDS
        .iter()
        .find(|(g, k, _)| *g == group && *k == kind)
        .map(|(_, _, path)| *path)
}

/// A workload's pod template: the pods' metadata and spec, either of which may be unset.
#[derive(Debug, Clone, Copy)]
pub struct PodTemplate<'a> {
    /// The pods' metadata (a `Pod`'s own metadata).
    pub metadata: Option<&'a ObjectMeta>,
    /// The pods' spec.
    pub spec: Option<&'a PodSpec>,
}

impl<'a> PodTemplate<'a> {
    /// The pods' labels.
    pub fn labels(&self) -> Option<&'a std::collections::BTreeMap<String, String>> {
        self.metadata?.labels.as_ref()
    }
}

/// A workload's pod template, to change.
#[derive(Debug)]
pub struct PodTemplateMut<'a> {
    /// The pods' metadata (a `Pod`'s own metadata).
    pub metadata: Option<&'a mut ObjectMeta>,
    /// The pods' spec.
    pub spec: Option<&'a mut PodSpec>,
}

/// The pod template of a typed object of one of [`POD_TEMPLATE_KINDS`], reached with
/// `$get` (`downcast_ref` or `downcast_mut`) and `$as` (`as_ref` or `as_mut`).
macro_rules! pod_template {
    ($any:ident, $get:ident, $as:ident, $view:ident $(, $mut:tt)?) => {{
        let template = if $any.is::<Deployment>() {
            & $($mut)? $any.$get::<Deployment>()?.spec.$as()?.template
        } else if $any.is::<StatefulSet>() {
            & $($mut)? $any.$get::<StatefulSet>()?.spec.$as()?.template
        } else if $any.is::<DaemonSet>() {
            & $($mut)? $any.$get::<DaemonSet>()?.spec.$as()?.template
        } else if $any.is::<ReplicaSet>() {
            $any.$get::<ReplicaSet>()?.spec.$as()?.template.$as()?
        } else if $any.is::<Job>() {
            & $($mut)? $any.$get::<Job>()?.spec.$as()?.template
        } else if $any.is::<CronJob>() {
            let job = $any.$get::<CronJob>()?.spec.$as()?;
            & $($mut)? job.job_template.spec.$as()?.template
        } else if $any.is::<Pod>() {
            let pod = $any.$get::<Pod>()?;
            return Some($view {
                metadata: Some(& $($mut)? pod.metadata),
                spec: pod.spec.$as(),
            });
        } else {
            return None;
        };
        Some($view {
            metadata: template.metadata.$as(),
            spec: template.spec.$as(),
        })
    }};
}

/// The pod template of a typed object whose kind is one of [`POD_TEMPLATE_KINDS`].
pub fn pod_template_of(any: &dyn Any) -> Option<PodTemplate<'_>> {
    pod_template!(any, downcast_ref, as_ref, PodTemplate)
}

/// The pod template of a typed object whose kind is one of [`POD_TEMPLATE_KINDS`], to change.
pub fn pod_template_of_mut(any: &mut dyn Any) -> Option<PodTemplateMut<'_>> {
    pod_template!(any, downcast_mut, as_mut, PodTemplateMut, mut)
}

impl<T> Object for T
where
    T: Resource + Metadata<Ty = ObjectMeta> + Serialize + Any,
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
    fn pod_template(&self) -> Option<PodTemplate<'_>> {
        pod_template_of(self)
    }
    fn pod_template_mut(&mut self) -> Option<PodTemplateMut<'_>> {
        pod_template_of_mut(self)
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

    /// The object's fields other than `apiVersion`, `kind` and `metadata`, to change.
    pub fn rest_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.rest
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
    fn pod_template(&self) -> Option<PodTemplate<'_>> {
        None
    }
    fn pod_template_mut(&mut self) -> Option<PodTemplateMut<'_>> {
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

/// What a construct built, before the program's typed edits, JSON patches and aspects changed
/// it: the final-object rules ([`crate::rules`]) compare the written object with it, so that an
/// escape hatch cannot widen what the construct's wiring declared.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AsBuilt {
    /// A NetworkPolicy's spec, as built.
    pub policy: Option<NetworkPolicySpec>,
    /// A workload's pod labels, as built.
    pub pod_labels: Option<BTreeMap<String, String>>,
}

impl AsBuilt {
    fn of(object: &dyn Any) -> Self {
        AsBuilt {
            policy: object
                .downcast_ref::<NetworkPolicy>()
                .and_then(|p| p.spec.clone()),
            pod_labels: pod_template_of(object).and_then(|t| t.labels().cloned()),
        }
    }
}

/// The artifact a construct emits for the Kubernetes target: one object, and what it was when
/// the construct built it ([`AsBuilt`]), kept once something other than the construct may
/// change it ([`Manifest::keep_as_built`]).
pub struct Manifest {
    object: Box<dyn Object>,
    built: Option<Box<AsBuilt>>,
}

impl girder_core::Artifact for Manifest {
    const WHAT: &'static str = "Kubernetes object";
}

/// The program's aspects of `Manifest` visit every Kubernetes object as constructs emit it,
/// after the construct's typed edits and JSON patches.
impl girder_core::Visitable for Manifest {}

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
            built: None,
        }
    }

    /// Keeps what the object is now as what the construct built: called before the program's
    /// typed edits, JSON patches and aspects may change it (the first call counts). An object
    /// nothing else changes keeps no copy.
    pub fn keep_as_built(&mut self) {
        if self.built.is_none() {
            let object: &dyn Any = self.object.as_ref();
            self.built = Some(Box::new(AsBuilt::of(object)));
        }
    }

    /// What the object was when the construct built it, before edits, patches and aspects;
    /// `None` when nothing but the construct could change it (it is as built).
    pub fn as_built(&self) -> Option<&AsBuilt> {
        self.built.as_deref()
    }

    /// `apiVersion Kind namespace/name` (or `apiVersion Kind name` when cluster-scoped), e.g.
    /// `apps/v1 Deployment shop/api`: the object as the final-object rules name it.
    pub fn identity(&self) -> String {
        let obj = self.object.as_ref();
        let meta = obj.meta();
        let name = meta.name.as_deref().unwrap_or("<unnamed>");
        // Made for every object the rules see: joined without the formatting machinery.
        let namespace = meta.namespace.as_deref();
        let mut out = String::with_capacity(
            obj.api_version().len()
                + obj.kind().len()
                + name.len()
                + 3
                + namespace.map_or(0, str::len),
        );
        for part in [obj.api_version(), " ", obj.kind(), " "] {
            out.push_str(part);
        }
        if let Some(ns) = namespace {
            out.push_str(ns);
            out.push('/');
        }
        out.push_str(name);
        out
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

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::{
        DaemonSetSpec, DeploymentSpec, ReplicaSetSpec, StatefulSetSpec,
    };
    use k8s_openapi::api::batch::v1::{CronJobSpec, JobSpec, JobTemplateSpec};
    use k8s_openapi::api::core::v1::PodTemplateSpec;

    fn template() -> PodTemplateSpec {
        PodTemplateSpec {
            metadata: Some(ObjectMeta {
                labels: Some(BTreeMap::from([("pod".to_owned(), "yes".to_owned())])),
                ..Default::default()
            }),
            spec: Some(PodSpec::default()),
        }
    }

    /// One object of each kind with a pod template.
    fn workloads() -> Vec<Box<dyn Object>> {
        vec![
            Box::new(Deployment {
                spec: Some(DeploymentSpec {
                    template: template(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            Box::new(StatefulSet {
                spec: Some(StatefulSetSpec {
                    template: template(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            Box::new(DaemonSet {
                spec: Some(DaemonSetSpec {
                    template: template(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            Box::new(ReplicaSet {
                spec: Some(ReplicaSetSpec {
                    template: Some(template()),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            Box::new(Job {
                spec: Some(JobSpec {
                    template: template(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            Box::new(CronJob {
                spec: Some(CronJobSpec {
                    job_template: JobTemplateSpec {
                        metadata: None,
                        spec: Some(JobSpec {
                            template: template(),
                            ..Default::default()
                        }),
                    },
                    ..Default::default()
                }),
                ..Default::default()
            }),
            Box::new(Pod {
                metadata: template().metadata.unwrap_or_default(),
                spec: Some(PodSpec::default()),
                status: None,
            }),
        ]
    }

    #[test]
    fn the_typed_accessor_and_the_list_of_kinds_agree() {
        let objects = workloads();
        assert_eq!(objects.len(), POD_TEMPLATE_KINDS.len());
        for mut object in objects {
            let (api_version, kind) = (object.api_version().to_owned(), object.kind().to_owned());
            let path = pod_template_path(&api_version, &kind).expect("listed");
            // The listed path leads to the template in the JSON form.
            let value = object.to_value().expect("serializable");
            let at = path.iter().try_fold(&value, |v, key| v.get(key));
            let labels = at.and_then(|t| t.pointer("/metadata/labels/pod"));
            assert_eq!(labels, Some(&Value::from("yes")), "{kind}");
            // The typed accessor reaches the same template, to read and to change.
            let template = object.pod_template().expect("typed template");
            assert!(
                template.labels().is_some_and(|l| l["pod"] == "yes"),
                "{kind}"
            );
            assert!(template.spec.is_some());
            let template = object.pod_template_mut().expect("typed template");
            assert!(
                template.metadata.is_some() && template.spec.is_some(),
                "{kind}"
            );
        }
        assert!(pod_template_path("v1", "Service").is_none());
    }

    #[test]
    fn a_manifest_remembers_what_was_built() {
        let mut manifest = Manifest::new(workloads().remove(0).to_value().map_or_else(
            |_| Deployment::default(),
            |v| serde_json::from_value(v).unwrap_or_default(),
        ));
        assert!(manifest.as_built().is_none(), "nothing could change it yet");
        manifest.keep_as_built();
        let built = manifest.as_built().and_then(|b| b.pod_labels.clone());
        assert_eq!(built.as_ref().map(|l| l["pod"].as_str()), Some("yes"));
        if let Some(meta) = manifest
            .object_mut()
            .pod_template_mut()
            .and_then(|t| t.metadata)
        {
            meta.labels = None;
        }
        manifest.keep_as_built();
        assert_eq!(
            manifest.as_built().and_then(|b| b.pod_labels.clone()),
            built
        );
        assert_eq!(manifest.identity(), "apps/v1 Deployment <unnamed>");
    }
}
