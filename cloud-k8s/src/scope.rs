//! Kubernetes scopes: the cluster of an environment, and its namespaces.

use std::collections::BTreeMap;

use girder_core::{App, Construct, Context, Emitted, Environment, Handle, NodeId, name};
use k8s_openapi::api::core::v1::Namespace as NamespaceObject;
use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicySpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use crate::labels::Labels;
use crate::object::Manifest;

/// The name of the NetworkPolicy that denies all traffic in every Girder namespace.
pub const DEFAULT_DENY: &str = "default-deny";

/// The Kubernetes cluster of an environment: the scope of namespaces and cluster-wide objects.
///
/// ```
/// use girder_core::App;
/// use girder_k8s::KubernetesExt;
///
/// let app = App::new("shop");
/// let ns = app.environment("prod").kubernetes().namespace("web");
/// assert_eq!(ns.name(), "web");
/// ```
#[derive(Clone, Debug)]
pub struct Kubernetes {
    env: Environment,
}

/// Gives every [`Environment`] its Kubernetes cluster.
pub trait KubernetesExt {
    /// The environment's Kubernetes cluster, whose output goes to `<env>/k8s/`.
    fn kubernetes(&self) -> Kubernetes;
}

impl KubernetesExt for Environment {
    fn kubernetes(&self) -> Kubernetes {
        Kubernetes { env: self.clone() }
    }
}

impl Kubernetes {
    /// The namespace `name`, created on first use; a namespace is also a construct with id `name`.
    pub fn namespace(&self, name: &str) -> Namespace {
        let app = self.env.app();
        let existing = app
            .child(self.env.node(), name)
            .and_then(|n| app.handle::<NamespaceSpec>(n));
        let handle = existing.unwrap_or_else(|| {
            app.add(
                self.env.node(),
                name,
                NamespaceSpec {
                    name: name.to_owned(),
                    labels: BTreeMap::new(),
                },
            )
        });
        Namespace {
            handle,
            name: name.to_owned(),
            env: self.env.clone(),
        }
    }

    /// The environment.
    pub fn environment(&self) -> &Environment {
        &self.env
    }

    /// The app.
    pub fn app(&self) -> &App {
        self.env.app()
    }

    /// The node under which cluster-scoped constructs are added (the environment's).
    pub fn node(&self) -> NodeId {
        self.env.node()
    }
}

/// A Kubernetes namespace: the scope of workloads. It emits the `Namespace` object (Pod Security
/// Admission `restricted`) and a NetworkPolicy that denies all ingress and egress, so that every
/// allowed flow is one that a construct declared.
#[derive(Clone, Debug)]
pub struct Namespace {
    handle: Handle<NamespaceSpec>,
    name: String,
    env: Environment,
}

impl Namespace {
    /// The namespace's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The namespace's node, the parent of the constructs created in it.
    pub fn node(&self) -> NodeId {
        self.handle.node()
    }

    /// The app.
    pub fn app(&self) -> &App {
        self.handle.app()
    }

    /// The environment.
    pub fn environment(&self) -> &Environment {
        &self.env
    }

    /// The object name of a construct `id` created directly in this namespace.
    pub fn object_name(&self, id: &str) -> String {
        name::derive(&[id], name::MAX_LABEL)
    }

    /// Adds a label to the `Namespace` object (e.g. for other teams' NetworkPolicies to select it).
    pub fn label(&self, key: impl Into<String>, value: impl Into<String>) -> &Self {
        self.handle
            .update(|ns| ns.labels.insert(key.into(), value.into()));
        self
    }
}

/// The model of a [`Namespace`].
#[derive(Debug)]
pub struct NamespaceSpec {
    name: String,
    labels: BTreeMap<String, String>,
}

impl Construct for NamespaceSpec {
    fn kind(&self) -> &'static str {
        "Namespace"
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        let labels = Labels::new(cx, &self.name, "namespace");
        let mut ns_labels = labels.all();
        ns_labels.insert(
            "pod-security.kubernetes.io/enforce".into(),
            "restricted".into(),
        );
        ns_labels.insert(
            "pod-security.kubernetes.io/enforce-version".into(),
            "latest".into(),
        );
        ns_labels.extend(self.labels.clone());
        out.push(Manifest::new(NamespaceObject {
            metadata: ObjectMeta {
                name: Some(self.name.clone()),
                labels: Some(ns_labels),
                ..Default::default()
            },
            ..Default::default()
        }));
        out.push(Manifest::new(NetworkPolicy {
            metadata: ObjectMeta {
                name: Some(DEFAULT_DENY.into()),
                namespace: Some(self.name.clone()),
                labels: Some(labels.all()),
                ..Default::default()
            },
            spec: Some(NetworkPolicySpec {
                pod_selector: Some(LabelSelector::default()),
                policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
                ..Default::default()
            }),
        }));
    }
}
