//! The order in which objects are applied: what others need first.
//!
//! | phase | kinds |
//! |---|---|
//! | [`Phase::Foundation`] | Namespaces, CustomResourceDefinitions |
//! | [`Phase::Configuration`] | every other built-in kind: ServiceAccounts, RBAC, ConfigMaps, Secrets, NetworkPolicies, quotas, volumes, ...; and the objects through which Flux or Argo CD installs Helm charts (`HelmRepository`, `HelmRelease`, `Application`) |
//! | [`Phase::Services`] | Services, Ingresses |
//! | [`Phase::Workloads`] | Deployments, StatefulSets, DaemonSets, ReplicaSets, Pods, Jobs, CronJobs, HorizontalPodAutoscalers |
//! | [`Phase::CustomResources`] | kinds Kubernetes does not build in (their CRDs are applied in the first phase) |
//!
//! A kind is built in when its API group has no dot (`apps`, `batch`, the core group), or its
//! group is a `*.k8s.io` group and `girder_k8s::yaml::kind_rank` lists it (`NetworkPolicy`,
//! `ClusterRole`); `gateway.networking.k8s.io` routes are custom resources. Objects of one phase are applied concurrently; deletion goes in the reverse
//! order.
//!
//! The GitOps objects that install charts are custom resources, but go early, with the
//! configuration: an add-on they install (KEDA, cert-manager, ...) starts installing while the
//! rest is applied, and `destroy` and prune, in reverse order, delete what the add-on serves
//! (ScaledObjects, Certificates) before the add-on, whose controller would otherwise be gone
//! before it could finalize them.

use girder_k8s::yaml::kind_rank;

/// A step of applying a program's objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Namespaces and CustomResourceDefinitions: what every other object needs to exist.
    Foundation,
    /// Accounts, permissions, configuration, policies, volumes; the GitOps objects that install
    /// add-ons.
    Configuration,
    /// Services and routes to them.
    Services,
    /// Workloads and their autoscalers.
    Workloads,
    /// Custom resources, once their definitions are served.
    CustomResources,
}

/// Every phase, in apply order.
pub const PHASES: [Phase; 5] = [
    Phase::Foundation,
    Phase::Configuration,
    Phase::Services,
    Phase::Workloads,
    Phase::CustomResources,
];

/// The phase of every kind that is not [`Phase::Configuration`] or a custom resource: the one
/// table (API group, kind, phase).
const TABLE: &[(&str, &str, Phase)] = &[
    ("", "Namespace", Phase::Foundation),
    (
        "apiextensions.k8s.io",
        "CustomResourceDefinition",
        Phase::Foundation,
    ),
    ("", "Service", Phase::Services),
    ("networking.k8s.io", "Ingress", Phase::Services),
    ("apps", "Deployment", Phase::Workloads),
    ("apps", "StatefulSet", Phase::Workloads),
    ("apps", "DaemonSet", Phase::Workloads),
    ("apps", "ReplicaSet", Phase::Workloads),
    ("", "Pod", Phase::Workloads),
    ("batch", "Job", Phase::Workloads),
    ("batch", "CronJob", Phase::Workloads),
    ("autoscaling", "HorizontalPodAutoscaler", Phase::Workloads),
    // What installs the add-ons, early: see the module docs.
    (
        "source.toolkit.fluxcd.io",
        "HelmRepository",
        Phase::Configuration,
    ),
    (
        "helm.toolkit.fluxcd.io",
        "HelmRelease",
        Phase::Configuration,
    ),
    ("argoproj.io", "Application", Phase::Configuration),
    // Built-in kinds `kind_rank` does not list.
    ("scheduling.k8s.io", "PriorityClass", Phase::Configuration),
    ("node.k8s.io", "RuntimeClass", Phase::Configuration),
    (
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
        Phase::Configuration,
    ),
    (
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
        Phase::Configuration,
    ),
];

/// The phase of objects of API `group` (empty for the core group) and `kind`.
pub fn phase_of(group: &str, kind: &str) -> Phase {
    if let Some((_, _, phase)) = TABLE.iter().find(|(g, k, _)| *g == group && *k == kind) {
        return *phase;
    }
    // `kind_rank` places unknown kinds after every kind it lists: an empty kind is never listed.
    let listed = kind_rank(kind) < kind_rank("");
    if !group.contains('.') || (listed && group.ends_with(".k8s.io")) {
        Phase::Configuration
    } else {
        Phase::CustomResources
    }
}

impl Phase {
    /// What the phase applies, for progress lines.
    pub fn describe(self) -> &'static str {
        match self {
            Phase::Foundation => "namespaces and custom resource definitions",
            Phase::Configuration => "accounts, permissions and configuration",
            Phase::Services => "services",
            Phase::Workloads => "workloads",
            Phase::CustomResources => "custom resources",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependencies_come_first() {
        assert_eq!(phase_of("", "Namespace"), Phase::Foundation);
        assert_eq!(
            phase_of("apiextensions.k8s.io", "CustomResourceDefinition"),
            Phase::Foundation
        );
        for (group, kind) in [
            ("", "ServiceAccount"),
            ("", "ConfigMap"),
            ("", "Secret"),
            ("rbac.authorization.k8s.io", "ClusterRole"),
            ("rbac.authorization.k8s.io", "RoleBinding"),
            ("networking.k8s.io", "NetworkPolicy"),
            ("policy", "PodDisruptionBudget"),
            ("", "PersistentVolumeClaim"),
        ] {
            assert_eq!(phase_of(group, kind), Phase::Configuration, "{kind}");
        }
        assert_eq!(phase_of("", "Service"), Phase::Services);
        assert_eq!(phase_of("apps", "Deployment"), Phase::Workloads);
        assert_eq!(phase_of("batch", "Job"), Phase::Workloads);
        assert_eq!(
            phase_of("monitoring.coreos.com", "ServiceMonitor"),
            Phase::CustomResources
        );
        assert_eq!(
            phase_of("cert-manager.io", "Certificate"),
            Phase::CustomResources
        );
        // A custom resource that shares a built-in kind's name is still a custom resource.
        assert_eq!(
            phase_of("acme.example.com", "ConfigMap"),
            Phase::CustomResources
        );
        assert_eq!(
            phase_of("gateway.networking.k8s.io", "HTTPRoute"),
            Phase::CustomResources
        );
        assert_eq!(
            phase_of("scheduling.k8s.io", "PriorityClass"),
            Phase::Configuration
        );
        // Add-ons install early and are deleted after what they serve.
        for (group, kind) in [
            ("helm.toolkit.fluxcd.io", "HelmRelease"),
            ("source.toolkit.fluxcd.io", "HelmRepository"),
            ("argoproj.io", "Application"),
        ] {
            assert_eq!(phase_of(group, kind), Phase::Configuration, "{kind}");
            assert!(phase_of(group, kind) < phase_of("keda.sh", "ScaledObject"));
        }
        assert!(PHASES.windows(2).all(|w| w[0] < w[1]));
    }
}
