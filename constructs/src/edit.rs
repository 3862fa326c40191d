//! [`PodEdit`]: the view a typed edit of a workload object gets (`deployment_mut`,
//! `stateful_set_mut`, `job_mut`, `cron_job_mut`), with the pod spec and the main container
//! one call away, without an `unwrap`.

use std::ops::{Deref, DerefMut};

use girder_k8s::k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use girder_k8s::k8s_openapi::api::batch::v1::{CronJob, Job};
use girder_k8s::k8s_openapi::api::core::v1::{Container, PodSpec, PodTemplateSpec};
use girder_k8s::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// A workload object with a pod template: Deployment, StatefulSet, Job, CronJob.
pub trait PodObject: girder_k8s::Object {
    /// The pod template, created empty where an earlier edit removed it.
    fn template_mut(&mut self) -> &mut PodTemplateSpec;
}

impl PodObject for Deployment {
    fn template_mut(&mut self) -> &mut PodTemplateSpec {
        &mut self.spec.get_or_insert_default().template
    }
}

impl PodObject for StatefulSet {
    fn template_mut(&mut self) -> &mut PodTemplateSpec {
        &mut self.spec.get_or_insert_default().template
    }
}

impl PodObject for Job {
    fn template_mut(&mut self) -> &mut PodTemplateSpec {
        &mut self.spec.get_or_insert_default().template
    }
}

impl PodObject for CronJob {
    fn template_mut(&mut self) -> &mut PodTemplateSpec {
        &mut self
            .spec
            .get_or_insert_default()
            .job_template
            .spec
            .get_or_insert_default()
            .template
    }
}

/// A typed edit's view of a workload object `K`: the object itself (through `Deref`), and
/// accessors for the parts an edit usually changes. The construct built them, so they are
/// there; an accessor creates what an earlier edit removed rather than fail.
///
/// ```
/// use girder_constructs::WebService;
/// use girder_core::App;
/// use girder_k8s::KubernetesExt;
///
/// girder_core::environment!(pub Prod = "prod");
/// girder_k8s::namespace!(pub Web = "web");
///
/// let app = App::new("shop");
/// let ns = app.environment(Prod).kubernetes().namespace(Web);
/// let api = WebService::new(&ns, "api").image("ghcr.io/acme/api:1.4.2").port(8080).build();
/// api.deployment_mut(|d| {
///     d.pod_spec().priority_class_name = Some("critical".into());
///     d.main_container().working_dir = Some("/srv".into());
///     d.metadata.labels.get_or_insert_default().insert("tier".into(), "api".into());
/// });
/// ```
pub struct PodEdit<'a, K> {
    object: &'a mut K,
}

impl<'a, K: PodObject> PodEdit<'a, K> {
    pub(crate) fn new(object: &'a mut K) -> Self {
        PodEdit { object }
    }

    /// The object.
    pub fn object(&mut self) -> &mut K {
        self.object
    }

    /// The pods' metadata (their template's: labels, annotations).
    pub fn pod_metadata(&mut self) -> &mut ObjectMeta {
        self.object.template_mut().metadata.get_or_insert_default()
    }

    /// The pod spec.
    pub fn pod_spec(&mut self) -> &mut PodSpec {
        self.object.template_mut().spec.get_or_insert_default()
    }

    /// The workload's own container: the first of the pod spec (sidecars added by edits come
    /// after it).
    pub fn main_container(&mut self) -> &mut Container {
        let spec = self.pod_spec();
        if spec.containers.is_empty() {
            spec.containers.push(Container::default());
        }
        &mut spec.containers[0]
    }
}

impl<K> Deref for PodEdit<'_, K> {
    type Target = K;
    fn deref(&self) -> &K {
        self.object
    }
}

impl<K> DerefMut for PodEdit<'_, K> {
    fn deref_mut(&mut self) -> &mut K {
        self.object
    }
}

/// Registers `f` as a typed edit of the `K` a workload emits, through a [`PodEdit`].
pub(crate) fn pod_edit<K: PodObject>(
    overrides: &mut girder_k8s::Overrides,
    mut f: impl FnMut(&mut PodEdit<'_, K>) + 'static,
) {
    overrides.edit(move |object: &mut K| f(&mut PodEdit::new(object)));
}
