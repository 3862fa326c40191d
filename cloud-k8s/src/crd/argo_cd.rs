//! Argo CD's `Application` (`argoproj.io/v1alpha1`), through which Argo CD installs a Helm chart
//! and keeps it synced.
//!
//! Field meanings: <https://argo-cd.readthedocs.io/en/stable/user-guide/application-specification/>.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

custom_resource! {
    /// An Argo CD `Application`; see
    /// <https://argo-cd.readthedocs.io/en/stable/user-guide/application-specification/>.
    Application(ApplicationSpec): "argoproj.io" / "v1alpha1", "applications", NamespaceResourceScope
}

/// Spec of an [`Application`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSpec {
    /// `project`: the Argo CD project, e.g. `default`.
    pub project: String,
    /// `source`: the chart.
    pub source: ApplicationSource,
    /// `destination`: the cluster and namespace.
    pub destination: ApplicationDestination,
    /// `syncPolicy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_policy: Option<SyncPolicy>,
}

/// `spec.source` of an [`Application`] from a Helm repository.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSource {
    /// `repoURL`: the chart repository (an OCI registry without its `oci://` scheme).
    #[serde(rename = "repoURL")]
    pub repo_url: String,
    /// `chart`: the chart's name in the repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<String>,
    /// `targetRevision`: the chart's version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_revision: Option<String>,
    /// `helm`: the release name and values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helm: Option<ApplicationSourceHelm>,
}

/// `spec.source.helm`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSourceHelm {
    /// `releaseName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_name: Option<String>,
    /// `valuesObject`: the chart's values, as an object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values_object: Option<Map<String, Value>>,
}

/// `spec.destination`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationDestination {
    /// `server`: the cluster's API, `https://kubernetes.default.svc` for Argo CD's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// `namespace` of the chart's objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// `spec.syncPolicy`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncPolicy {
    /// `automated`: sync without a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automated: Option<AutomatedSync>,
    /// `syncOptions`, e.g. `CreateNamespace=true`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sync_options: Vec<String>,
    /// `retry`: how a failed sync is retried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetryStrategy>,
}

/// `spec.syncPolicy.retry`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetryStrategy {
    /// `limit`: attempts before giving up (negative: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// `backoff` between attempts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff: Option<Backoff>,
}

/// `spec.syncPolicy.retry.backoff`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Backoff {
    /// `duration` of the first wait, e.g. `30s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    /// `factor` by which each wait grows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor: Option<i64>,
    /// `maxDuration` of a wait, e.g. `5m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_duration: Option<String>,
}

/// `spec.syncPolicy.automated`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AutomatedSync {
    /// `prune`: delete what the chart no longer has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prune: Option<bool>,
    /// `selfHeal`: undo changes made in the cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_heal: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crd::tests::{check_example, meta};
    use serde_json::json;

    #[test]
    fn application_of_a_chart() {
        let application = Application {
            metadata: meta("keda", Some("argocd")),
            spec: ApplicationSpec {
                project: "default".into(),
                source: ApplicationSource {
                    repo_url: "https://kedacore.github.io/charts".into(),
                    chart: Some("keda".into()),
                    target_revision: Some("2.17.2".into()),
                    helm: Some(ApplicationSourceHelm {
                        release_name: Some("keda".into()),
                        values_object: Some(Map::from_iter([("replicaCount".into(), json!(2))])),
                    }),
                },
                destination: ApplicationDestination {
                    server: Some("https://kubernetes.default.svc".into()),
                    namespace: Some("keda".into()),
                },
                sync_policy: Some(SyncPolicy {
                    automated: Some(AutomatedSync {
                        prune: Some(true),
                        self_heal: Some(true),
                    }),
                    sync_options: vec!["CreateNamespace=true".into()],
                    retry: None,
                }),
            },
        };
        check_example(
            "argo-cd-application",
            &application,
            &json!({
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "Application",
                "metadata": {"name": "keda", "namespace": "argocd"},
                "spec": {
                    "project": "default",
                    "source": {
                        "repoURL": "https://kedacore.github.io/charts",
                        "chart": "keda",
                        "targetRevision": "2.17.2",
                        "helm": {"releaseName": "keda", "valuesObject": {"replicaCount": 2}}
                    },
                    "destination": {"server": "https://kubernetes.default.svc", "namespace": "keda"},
                    "syncPolicy": {"automated": {"prune": true, "selfHeal": true}, "syncOptions": ["CreateNamespace=true"]}
                }
            }),
        );
    }
}
