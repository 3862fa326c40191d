//! The checks made before anything is sent: every object's API version and kind is served (or
//! defined by a CustomResourceDefinition the program applies first, or served by an add-on the
//! program installs: that object is [`Deferred`]), every namespace can take objects, and no
//! ApplySet or object belongs to another tool. Every problem is reported at once.

use std::collections::BTreeSet;

use girder_k8s::diff::ObjectKey;
use girder_k8s::helm::{AddOn, installers};
use serde_json::Value;

use crate::applyset::{self, PART_OF_LABEL};
use crate::catalog::Resolution;
use crate::objects::Desired;
use crate::state::{NamespaceState, State};

/// A reason not to deploy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum Problem {
    /// The cluster serves the kind, but not in this version.
    #[error("{key}: this cluster serves {served} {kind}, not {wanted}", served = served.join(", "), kind = key.kind, wanted = key.api_version)]
    OtherVersions {
        key: ObjectKey,
        served: Vec<String>,
        /// The first Kubernetes version that serves `key.api_version`, when known.
        requires: Option<&'static str>,
        /// The cluster's version.
        cluster: String,
    },
    /// A custom resource whose definition is neither installed nor emitted.
    #[error("{key}: this cluster has no CustomResourceDefinition for {kind}.{group}, and the program does not emit one", kind = key.kind, group = group)]
    MissingDefinition { key: ObjectKey, group: String },
    /// A built-in kind this cluster does not serve at all.
    #[error("{key}: this cluster (Kubernetes {cluster}) does not serve {kind} in any version", kind = key.kind)]
    NotServed {
        key: ObjectKey,
        requires: Option<&'static str>,
        cluster: String,
    },
    /// A namespace is being deleted.
    #[error(
        "namespace {namespace} is being deleted (Terminating): objects cannot be created in it"
    )]
    NamespaceTerminating { namespace: String },
    /// A namespace neither exists nor is created by the program.
    #[error("{key}: namespace {namespace} does not exist, and the program does not create it")]
    NamespaceMissing { key: ObjectKey, namespace: String },
    /// A parent's name is taken by another tool's object.
    #[error("Secret {namespace}/{name}, the ApplySet parent Girder uses, is managed by {tooling}")]
    ForeignParent {
        namespace: String,
        name: String,
        tooling: String,
    },
    /// An object belongs to another ApplySet.
    #[error(
        "{key} belongs to another ApplySet ({id}): another program or `kubectl apply --applyset` deploys it"
    )]
    OtherApplySet { key: ObjectKey, id: String },
}

impl Problem {
    /// What to do about it.
    pub(crate) fn hint(&self) -> String {
        match self {
            Problem::OtherVersions {
                key,
                requires: Some(requires),
                cluster,
                ..
            }
            | Problem::NotServed {
                key,
                requires: Some(requires),
                cluster,
            } => format!(
                "Kubernetes ≥ {requires} is required for {} {} (this cluster runs {cluster}): upgrade the cluster, or leave out what emits it",
                key.api_version, key.kind
            ),
            Problem::OtherVersions { key, cluster, .. } => format!(
                "upgrade the cluster (it runs Kubernetes {cluster}) to one that serves {} {}, or leave out what emits it",
                key.api_version, key.kind
            ),
            Problem::NotServed { key, .. } => format!(
                "enable the API group of {} on the cluster, or leave out what emits it",
                key.api_version
            ),
            Problem::MissingDefinition { group, .. } if group.ends_with(".toolkit.fluxcd.io") => "bootstrap Flux on the cluster (`flux bootstrap ...`, or `flux install` for its controllers alone): the program's Helm charts are installed by Flux (`k8s.gitops(GitOps::flux())`); or choose the GitOps controller the cluster runs".into(),
            Problem::MissingDefinition { group, .. } if group == "argoproj.io" => "install Argo CD on the cluster (`kubectl create namespace argocd && kubectl apply -n argocd -f https://raw.githubusercontent.com/argoproj/argo-cd/stable/manifests/install.yaml`): the program's Helm charts are installed by Argo CD (`k8s.gitops(GitOps::argo_cd())`); or choose the GitOps controller the cluster runs".into(),
            Problem::MissingDefinition { key, .. } => match AddOn::serving(&key.api_version) {
                Some(add_on) => format!(
                    "{add_on} serves it: install {add_on} on the cluster, or let the program install it ({})",
                    add_on.install_hint()
                ),
                None => "install the operator that defines it (its Helm chart installs the CRD), or emit the CustomResourceDefinition in the program".into(),
            },
            Problem::NamespaceTerminating { namespace } => format!(
                "wait until it is gone (`kubectl get namespace {namespace}`), then deploy again; if it stays Terminating, a finalizer is stuck (`kubectl get namespace {namespace} -o yaml`)"
            ),
            Problem::NamespaceMissing { namespace, .. } => format!(
                "create the namespace in the program (`env.kubernetes().namespace(..)`), or `kubectl create namespace {namespace}`"
            ),
            Problem::ForeignParent { .. } => "rename the app, or remove the other tool's ApplySet if it is no longer used".into(),
            Problem::OtherApplySet { .. } => "deploy it from one program only: rename it or remove it from the other one (`kubectl label` can drop the applyset.kubernetes.io/part-of label if the other ApplySet is gone)".into(),
        }
    }
}

/// An object the deploy applies once an add-on the program installs serves its kind: the
/// cluster does not serve it yet, and a Flux `HelmRelease` or Argo CD `Application` of the same
/// program installs the add-on that does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Deferred {
    /// The object (its index in the program's objects).
    pub(crate) at: usize,
    /// The add-on that serves it.
    pub(crate) add_on: AddOn,
    /// The object that installs the add-on (its index in the program's objects).
    pub(crate) installer: usize,
}

impl Deferred {
    /// Why it waits, e.g. `served once KEDA is installed by HelmRelease flux-system/keda`.
    pub(crate) fn reason(&self, desired: &[Desired]) -> String {
        let installer = desired.get(self.installer).map(|d| named(&d.key));
        format!(
            "served once {} is installed by {}",
            self.add_on,
            installer.unwrap_or_default()
        )
    }
}

/// `kind namespace/name` (or `kind name`), to name an object in a sentence.
pub(crate) fn named(key: &ObjectKey) -> String {
    if key.namespace.is_empty() {
        format!("{} {}", key.kind, key.name)
    } else {
        format!("{} {}/{}", key.kind, key.namespace, key.name)
    }
}

/// What the preflight found.
#[derive(Debug, Default)]
pub(crate) struct Preflight {
    /// Every reason not to deploy.
    pub(crate) problems: Vec<Problem>,
    /// The objects to apply once an add-on of the program serves them, in the program's order.
    pub(crate) deferred: Vec<Deferred>,
}

/// The first Kubernetes version that serves each API version and kind Girder emits that older
/// clusters lack: (API version, kind, Kubernetes version).
const INTRODUCED: &[(&str, &str, &str)] = &[
    ("autoscaling/v2", "HorizontalPodAutoscaler", "1.23"),
    ("policy/v1", "PodDisruptionBudget", "1.21"),
    ("batch/v1", "CronJob", "1.21"),
    ("discovery.k8s.io/v1", "EndpointSlice", "1.21"),
    ("networking.k8s.io/v1", "Ingress", "1.19"),
    ("networking.k8s.io/v1", "IngressClass", "1.19"),
    ("node.k8s.io/v1", "RuntimeClass", "1.20"),
    ("storage.k8s.io/v1", "CSIDriver", "1.18"),
    ("storage.k8s.io/v1", "CSIStorageCapacity", "1.24"),
    ("flowcontrol.apiserver.k8s.io/v1", "FlowSchema", "1.29"),
    (
        "admissionregistration.k8s.io/v1",
        "ValidatingAdmissionPolicy",
        "1.30",
    ),
];

/// The first Kubernetes version that serves `api_version` `kind`, when Girder knows it.
pub(crate) fn introduced(api_version: &str, kind: &str) -> Option<&'static str> {
    INTRODUCED
        .iter()
        .find(|(v, k, _)| *v == api_version && *k == kind)
        .map(|(_, _, version)| *version)
}

/// Every problem with deploying `desired` to the cluster `state` describes, which runs
/// Kubernetes `version`, and the objects whose kind an add-on of the program will serve.
pub(crate) fn check(desired: &[Desired], state: &State, version: &str) -> Preflight {
    let mut problems = Vec::new();
    let mut deferred = Vec::new();
    let installers = installers(desired.iter().map(|d| &d.value));
    let created: BTreeSet<&str> = desired
        .iter()
        .filter(|d| d.key.api_version == "v1" && d.key.kind == "Namespace")
        .map(|d| d.key.name.as_str())
        .collect();
    for (namespace, ns) in &state.namespaces {
        if *ns == NamespaceState::Terminating {
            problems.push(Problem::NamespaceTerminating {
                namespace: namespace.clone(),
            });
        }
    }
    for live in &state.parents {
        if let Some(tooling) = &live.tooling
            && !applyset::is_girder_tooling(tooling)
        {
            problems.push(Problem::ForeignParent {
                namespace: live.parent.namespace.clone(),
                name: live.parent.name.clone(),
                tooling: tooling.clone(),
            });
        }
    }
    let mut missing_reported: BTreeSet<&str> = BTreeSet::new();
    for (at, (d, live)) in desired.iter().zip(&state.live).enumerate() {
        match state.catalog.resolve(&d.key.api_version, &d.key.kind) {
            Resolution::Served(_) | Resolution::Defined(_) => {}
            Resolution::OtherVersions(served) => problems.push(Problem::OtherVersions {
                key: d.key.clone(),
                served,
                requires: introduced(&d.key.api_version, &d.key.kind),
                cluster: version.to_owned(),
            }),
            Resolution::Unknown => {
                let gk = d.gk();
                let installer = AddOn::serving(&d.key.api_version)
                    .and_then(|add_on| installers.iter().find(|i| i.add_on == add_on));
                if let Some(installer) = installer {
                    deferred.push(Deferred {
                        at,
                        add_on: installer.add_on,
                        installer: installer.index,
                    });
                } else if gk.group.contains('.') && !gk.group.ends_with(".k8s.io") {
                    problems.push(Problem::MissingDefinition {
                        key: d.key.clone(),
                        group: gk.group,
                    });
                } else {
                    problems.push(Problem::NotServed {
                        key: d.key.clone(),
                        requires: introduced(&d.key.api_version, &d.key.kind),
                        cluster: version.to_owned(),
                    });
                }
            }
        }
        let namespace = d.key.namespace.as_str();
        if !namespace.is_empty()
            && state.namespaces.get(namespace) == Some(&NamespaceState::Missing)
            && !created.contains(namespace)
            && missing_reported.insert(namespace)
        {
            problems.push(Problem::NamespaceMissing {
                key: d.key.clone(),
                namespace: namespace.to_owned(),
            });
        }
        if let Some(id) = live.as_ref().and_then(part_of)
            && id != d.parent.id
        {
            problems.push(Problem::OtherApplySet {
                key: d.key.clone(),
                id: id.to_owned(),
            });
        }
    }
    Preflight { problems, deferred }
}

/// The ApplySet a live object belongs to.
fn part_of(live: &Value) -> Option<&str> {
    live["metadata"]["labels"][PART_OF_LABEL].as_str()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::applyset::Parent;
    use crate::catalog::tests::{kubernetes_1_20, resource};
    use crate::phase::phase_of;
    use girder_k8s::helm::GitOps;
    use girder_k8s::helm::charts::{Chart, Keda};
    use serde_json::json;

    fn desired(api_version: &str, kind: &str, namespace: &str, name: &str) -> Desired {
        let value = json!({"apiVersion": api_version, "kind": kind,
            "metadata": {"name": name, "namespace": namespace}});
        let mut key = ObjectKey::of(&value).unwrap();
        key.namespace = namespace.into();
        let gk = crate::applyset::GroupKind::of(api_version, kind);
        Desired {
            key,
            phase: phase_of(&gk.group, &gk.kind),
            value,
            parent: Parent::namespaced("shop", "prod", namespace),
        }
    }

    #[test]
    fn every_problem_is_found_with_what_the_cluster_serves() {
        let objects = vec![
            desired("apps/v1", "Deployment", "web", "api"),
            desired("autoscaling/v2", "HorizontalPodAutoscaler", "web", "api"),
            desired("policy/v1", "PodDisruptionBudget", "web", "api"),
            desired("monitoring.coreos.com/v1", "ServiceMonitor", "web", "api"),
            desired("v1", "ConfigMap", "gone", "settings"),
        ];
        let mut state = State {
            catalog: kubernetes_1_20(),
            live: vec![None; objects.len()],
            ..State::default()
        };
        state
            .namespaces
            .insert("web".into(), NamespaceState::Active);
        state
            .namespaces
            .insert("gone".into(), NamespaceState::Terminating);
        let problems = check(&objects, &state, "1.20").problems;
        let texts: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "namespace gone is being deleted (Terminating): objects cannot be created in it",
                "autoscaling/v2 HorizontalPodAutoscaler web/api: this cluster serves autoscaling/v1, autoscaling/v2beta2, autoscaling/v2beta1 HorizontalPodAutoscaler, not autoscaling/v2",
                "policy/v1 PodDisruptionBudget web/api: this cluster serves policy/v1beta1 PodDisruptionBudget, not policy/v1",
                "monitoring.coreos.com/v1 ServiceMonitor web/api: this cluster has no CustomResourceDefinition for ServiceMonitor.monitoring.coreos.com, and the program does not emit one",
            ]
        );
        assert_eq!(
            problems[1].hint(),
            "Kubernetes ≥ 1.23 is required for autoscaling/v2 HorizontalPodAutoscaler (this cluster runs 1.20): upgrade the cluster, or leave out what emits it"
        );
        assert!(
            problems[3].hint().starts_with(
                "kube-prometheus-stack serves it: install kube-prometheus-stack on the cluster"
            ),
            "{}",
            problems[3].hint()
        );
    }

    /// The program's objects of `gitops` for KEDA's chart.
    fn keda(gitops: GitOps) -> Vec<Desired> {
        let releases = Keda::default().releases(Keda::VERSION).unwrap();
        gitops
            .manifests("keda", &releases, &Default::default())
            .iter()
            .map(|m| {
                let value = m.object().to_value().unwrap();
                let api_version = value["apiVersion"].as_str().unwrap().to_owned();
                let kind = value["kind"].as_str().unwrap().to_owned();
                let meta = &value["metadata"];
                let (namespace, name) = (meta["namespace"].as_str(), meta["name"].as_str());
                let mut d = desired(&api_version, &kind, namespace.unwrap(), name.unwrap());
                d.value = value;
                d
            })
            .collect()
    }

    #[test]
    fn a_kind_an_add_on_of_the_program_serves_is_deferred_any_other_is_missing() {
        let mut objects = keda(GitOps::flux());
        objects.push(desired("keda.sh/v1alpha1", "ScaledObject", "web", "worker"));
        objects.push(desired("cert-manager.io/v1", "Certificate", "web", "tls"));
        let mut with_flux = kubernetes_1_20();
        with_flux.serve(
            resource(
                "source.toolkit.fluxcd.io/v1",
                "HelmRepository",
                "helmrepositories",
            ),
            true,
        );
        with_flux.serve(
            resource("helm.toolkit.fluxcd.io/v2", "HelmRelease", "helmreleases"),
            true,
        );
        let mut state = State {
            catalog: with_flux,
            live: vec![None; objects.len()],
            ..State::default()
        };
        for namespace in ["web", "flux-system"] {
            state
                .namespaces
                .insert(namespace.into(), NamespaceState::Active);
        }
        let found = check(&objects, &state, "1.20");
        assert_eq!(
            found.deferred,
            [Deferred {
                at: 2,
                add_on: AddOn::Keda,
                installer: 1
            }]
        );
        assert_eq!(
            found.deferred[0].reason(&objects),
            "served once KEDA is installed by HelmRelease flux-system/keda"
        );
        // cert-manager is not installed by the program: its Certificate stays a problem.
        assert_eq!(found.problems.len(), 1, "{:?}", found.problems);
        assert!(
            matches!(&found.problems[0], Problem::MissingDefinition { group, .. } if group == "cert-manager.io")
        );
        assert!(
            found.problems[0]
                .hint()
                .starts_with("cert-manager serves it"),
            "{}",
            found.problems[0].hint()
        );

        // Without Flux on the cluster, Flux's own kinds are missing, with a hint to bootstrap it.
        state.catalog = kubernetes_1_20();
        let found = check(&objects, &state, "1.20");
        let missing: Vec<&str> = found
            .problems
            .iter()
            .map(|p| match p {
                Problem::MissingDefinition { key, .. } => key.kind.as_str(),
                other => panic!("{other}"),
            })
            .collect();
        assert_eq!(missing, ["HelmRepository", "HelmRelease", "Certificate"]);
        assert!(
            found.problems[1].hint().starts_with("bootstrap Flux"),
            "{}",
            found.problems[1].hint()
        );

        // Argo CD's Application installs it too; without Argo CD, the hint is to install it.
        let mut objects = keda(GitOps::argo_cd());
        objects.push(desired("keda.sh/v1alpha1", "ScaledObject", "web", "worker"));
        state.live = vec![None; objects.len()];
        state
            .namespaces
            .insert("argocd".into(), NamespaceState::Active);
        let found = check(&objects, &state, "1.20");
        assert_eq!(
            found.deferred[0].reason(&objects),
            "served once KEDA is installed by Application argocd/keda"
        );
        assert_eq!(found.problems.len(), 1, "{:?}", found.problems);
        assert!(
            found.problems[0].hint().starts_with("install Argo CD"),
            "{}",
            found.problems[0].hint()
        );
    }

    #[test]
    fn missing_namespaces_and_other_applysets_are_problems() {
        let objects = vec![
            desired("v1", "ConfigMap", "elsewhere", "a"),
            desired("v1", "ConfigMap", "elsewhere", "b"),
        ];
        let mut state = State {
            catalog: kubernetes_1_20(),
            live: vec![
                Some(json!({"metadata": {"labels": {PART_OF_LABEL: "applyset-other-v1"}}})),
                Some(json!({"metadata": {"labels": {PART_OF_LABEL: objects[1].parent.id}}})),
            ],
            ..State::default()
        };
        state
            .namespaces
            .insert("elsewhere".into(), NamespaceState::Missing);
        let problems = check(&objects, &state, "1.20").problems;
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            matches!(&problems[0], Problem::NamespaceMissing { namespace, .. } if namespace == "elsewhere")
        );
        assert!(
            matches!(&problems[1], Problem::OtherApplySet { id, .. } if id == "applyset-other-v1")
        );
    }
}
