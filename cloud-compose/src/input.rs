//! What the Compose target reads: the final Kubernetes objects of one environment, in the
//! Kubernetes API's own types (k8s-openapi, the model both targets share; this crate does not
//! know Girder's Kubernetes target).
//!
//! The constructs of a Compose scope render the same objects as in a Kubernetes namespace, and
//! the program's aspects, typed edits and patches apply to them; the Compose form is derived
//! from those final objects, so what the checks saw is what runs.

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim, Service};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};

/// One final object of a Compose environment, with the index of the construct that emitted it.
#[derive(Debug, Clone)]
pub struct Input {
    /// The emitting construct's index, as the caller knows it (for the construct's path in
    /// findings).
    pub construct: usize,
    /// The object.
    pub object: Object,
}

/// A Kubernetes object the Compose target reads.
#[derive(Debug, Clone)]
pub enum Object {
    /// A stateless workload: a service.
    Deployment(Box<Deployment>),
    /// A stateful workload: a service whose claims become named volumes.
    StatefulSet(Box<StatefulSet>),
    /// A run to completion (a migration): a service the others wait for.
    Job(Box<Job>),
    /// How clients reach a workload: its name is the service's, its ports the container's.
    Service(Box<Service>),
    /// Who may reach a workload: the networks each service joins.
    NetworkPolicy(Box<NetworkPolicy>),
    /// Routes from outside: the reverse proxy's configuration.
    Ingress(Box<Ingress>),
    /// Configuration: inlined into the services that read it.
    ConfigMap(Box<ConfigMap>),
    /// Storage claimed by name: a named volume.
    PersistentVolumeClaim(Box<PersistentVolumeClaim>),
    /// An autoscaler: its minimum becomes the service's replica count.
    HorizontalPodAutoscaler(Box<HorizontalPodAutoscaler>),
    /// A KEDA ScaledObject (a `Worker`'s replica range): its minimum becomes the service's
    /// replica count, as an autoscaler's.
    ScaledObject {
        /// Its name.
        name: String,
        /// The workload it scales (`scaleTargetRef.name`).
        target: String,
        /// `minReplicaCount` (KEDA's default: 0).
        min: i32,
        /// `maxReplicaCount` (KEDA's default: 100).
        max: i32,
    },
    /// A cert-manager Certificate for an Ingress's TLS hosts: the proxy's certificate source.
    Certificate {
        /// Its name.
        name: String,
        /// The Secret it fills, as the Ingress's TLS section names it.
        secret_name: String,
        /// The issuer it names.
        issuer: String,
    },
    /// Any other object, by identity: the Compose target knows whether it matters on one host.
    Other {
        /// `apiVersion`.
        api_version: String,
        /// `kind`.
        kind: String,
        /// `metadata.name`.
        name: String,
    },
}

impl Object {
    /// The object as messages name it: `Deployment api`.
    pub fn describe(&self) -> String {
        fn named(kind: &str, name: Option<&String>) -> String {
            format!("{kind} {}", name.map_or("", String::as_str))
        }
        match self {
            Object::Deployment(o) => named("Deployment", o.metadata.name.as_ref()),
            Object::StatefulSet(o) => named("StatefulSet", o.metadata.name.as_ref()),
            Object::Job(o) => named("Job", o.metadata.name.as_ref()),
            Object::Service(o) => named("Service", o.metadata.name.as_ref()),
            Object::NetworkPolicy(o) => named("NetworkPolicy", o.metadata.name.as_ref()),
            Object::Ingress(o) => named("Ingress", o.metadata.name.as_ref()),
            Object::ConfigMap(o) => named("ConfigMap", o.metadata.name.as_ref()),
            Object::PersistentVolumeClaim(o) => {
                named("PersistentVolumeClaim", o.metadata.name.as_ref())
            }
            Object::HorizontalPodAutoscaler(o) => {
                named("HorizontalPodAutoscaler", o.metadata.name.as_ref())
            }
            Object::ScaledObject { name, .. } => format!("ScaledObject {name}"),
            Object::Certificate { name, .. } => format!("Certificate {name}"),
            Object::Other { kind, name, .. } => format!("{kind} {name}"),
        }
    }
}
