//! Which API versions and kinds exist: the built-in kinds of Kubernetes 1.33 to 1.37, the typed
//! custom resources of [`crate::crd`], and the kinds a program declares by emitting their
//! `CustomResourceDefinition`. Any other `apiVersion` or kind would be refused by the API
//! server (`no matches for kind "Deployment" in version "apps/v1beta1"`), so synth refuses it.
//!
//! The registry also gives a [`RawObject`](crate::RawObject) its typed form: an object that a
//! JSON patch took beyond its Rust type is read back as that type, so that every rule sees it as
//! it will be written.

use std::any::TypeId;
use std::sync::LazyLock;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use k8s_openapi::{ClusterResourceScope, Metadata, Resource};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::object::Object;

/// A kind the API server serves without a program declaring it.
#[derive(Clone, Copy)]
pub struct KnownKind {
    /// `apiVersion`, e.g. `apps/v1`.
    pub api_version: &'static str,
    /// `kind`, e.g. `Deployment`.
    pub kind: &'static str,
    /// Whether its objects are cluster-scoped.
    pub cluster_scoped: bool,
    typed: fn(Value) -> Result<Box<dyn Object>, serde_json::Error>,
}

impl std::fmt::Debug for KnownKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.api_version, self.kind)
    }
}

impl KnownKind {
    fn of<T>() -> Self
    where
        T: Resource + Metadata<Ty = k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta>,
        T: Serialize + DeserializeOwned + 'static,
    {
        KnownKind {
            api_version: T::API_VERSION,
            kind: T::KIND,
            cluster_scoped: TypeId::of::<T::Scope>() == TypeId::of::<ClusterResourceScope>(),
            typed: |value| Ok(Box::new(serde_json::from_value::<T>(value)?)),
        }
    }

    /// Reads `value` (a whole object of this kind) as its typed form.
    pub fn typed(&self, value: Value) -> Result<Box<dyn Object>, serde_json::Error> {
        (self.typed)(value)
    }
}

/// Lists the types, sorted by (API version, kind) for lookups.
macro_rules! known {
    ($($ty:path),* $(,)?) => {{
        let mut kinds = vec![$(KnownKind::of::<$ty>()),*];
        kinds.sort_unstable_by_key(|k| (k.api_version, k.kind));
        kinds
    }};
}

static KNOWN: LazyLock<Vec<KnownKind>> = LazyLock::new(|| {
    use crate::crd;
    use k8s_openapi::api::{
        admissionregistration, apps, autoscaling, batch, coordination, core, discovery, networking,
        node, policy, rbac, scheduling, storage,
    };
    known![
        admissionregistration::v1::MutatingWebhookConfiguration,
        admissionregistration::v1::ValidatingAdmissionPolicy,
        admissionregistration::v1::ValidatingAdmissionPolicyBinding,
        admissionregistration::v1::ValidatingWebhookConfiguration,
        apps::v1::ControllerRevision,
        apps::v1::DaemonSet,
        apps::v1::Deployment,
        apps::v1::ReplicaSet,
        apps::v1::StatefulSet,
        autoscaling::v1::HorizontalPodAutoscaler,
        autoscaling::v2::HorizontalPodAutoscaler,
        batch::v1::CronJob,
        batch::v1::Job,
        coordination::v1::Lease,
        core::v1::ConfigMap,
        core::v1::Endpoints,
        core::v1::LimitRange,
        core::v1::Namespace,
        core::v1::PersistentVolume,
        core::v1::PersistentVolumeClaim,
        core::v1::Pod,
        core::v1::PodTemplate,
        core::v1::ReplicationController,
        core::v1::ResourceQuota,
        core::v1::Secret,
        core::v1::Service,
        core::v1::ServiceAccount,
        discovery::v1::EndpointSlice,
        networking::v1::Ingress,
        networking::v1::IngressClass,
        networking::v1::NetworkPolicy,
        node::v1::RuntimeClass,
        policy::v1::PodDisruptionBudget,
        rbac::v1::ClusterRole,
        rbac::v1::ClusterRoleBinding,
        rbac::v1::Role,
        rbac::v1::RoleBinding,
        scheduling::v1::PriorityClass,
        storage::v1::CSIDriver,
        storage::v1::StorageClass,
        CustomResourceDefinition,
        crd::argo_cd::Application,
        crd::cert_manager::Certificate,
        crd::cert_manager::ClusterIssuer,
        crd::external_secrets::ClusterSecretStore,
        crd::external_secrets::ExternalSecret,
        crd::external_secrets::SecretStore,
        crd::flux::HelmRelease,
        crd::flux::HelmRepository,
        crd::gateway::Gateway,
        crd::gateway::HTTPRoute,
        crd::istio::DestinationRule,
        crd::istio::VirtualService,
        crd::keda::ClusterTriggerAuthentication,
        crd::keda::ScaledObject,
        crd::keda::TriggerAuthentication,
        crd::monitoring::PodMonitor,
        crd::monitoring::PrometheusRule,
        crd::monitoring::ServiceMonitor,
    ]
});

/// The built-in or [`crate::crd`] kind of `api_version` and `kind`, if there is one.
pub fn known(api_version: &str, kind: &str) -> Option<&'static KnownKind> {
    let kinds = &*KNOWN;
    kinds
        .binary_search_by(|k| (k.api_version, k.kind).cmp(&(api_version, kind)))
        .ok()
        .map(|i| &kinds[i])
}

/// The API versions a kind of this name is known at, for a hint (`Deployment` → `apps/v1`).
pub fn versions_of(kind: &str) -> Vec<&'static str> {
    KNOWN
        .iter()
        .filter(|k| k.kind == kind)
        .map(|k| k.api_version)
        .collect()
}

/// The kinds a `CustomResourceDefinition` declares: (`group/version`, kind) for each served
/// version.
pub fn declared_by(crd: &CustomResourceDefinition) -> Vec<(String, String)> {
    let spec = &crd.spec;
    spec.versions
        .iter()
        .filter(|v| v.served)
        .map(|v| {
            (
                format!("{}/{}", spec.group, v.name),
                spec.names.kind.clone(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_and_custom_kinds_are_known_and_old_versions_are_not() {
        assert!(known("apps/v1", "Deployment").is_some());
        assert!(known("v1", "Namespace").is_some_and(|k| k.cluster_scoped));
        assert!(known("monitoring.coreos.com/v1", "ServiceMonitor").is_some());
        assert!(known("monitoring.coreos.com/v1", "PodMonitor").is_some());
        assert!(known("apps/v1beta1", "Deployment").is_none());
        assert!(known("extensions/v1beta1", "Ingress").is_none());
        assert!(known("acme.com/v1", "Widget").is_none());
        assert_eq!(versions_of("Deployment"), ["apps/v1"]);
    }

    #[test]
    fn a_known_kind_reads_its_typed_form_back() {
        let kind = known("v1", "ConfigMap").expect("known");
        let value = serde_json::json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "namespace": "b"}, "data": {"k": "v"},
        });
        let typed = kind.typed(value).expect("a valid ConfigMap");
        assert_eq!(typed.meta().name.as_deref(), Some("a"));
        let bad = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "data": 3});
        assert!(kind.typed(bad).is_err());
    }

    #[test]
    fn a_crd_declares_its_served_versions() {
        let crd: CustomResourceDefinition = serde_json::from_value(serde_json::json!({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.acme.com"},
            "spec": {
                "group": "acme.com", "scope": "Namespaced",
                "names": {"kind": "Widget", "plural": "widgets"},
                "versions": [
                    {"name": "v1", "served": true, "storage": true},
                    {"name": "v0", "served": false, "storage": false},
                ],
            },
        }))
        .expect("a CRD");
        assert_eq!(
            declared_by(&crd),
            [("acme.com/v1".to_owned(), "Widget".to_owned())]
        );
    }
}
