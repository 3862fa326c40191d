//! Flux's Helm resources: `HelmRepository` (`source.toolkit.fluxcd.io/v1`) and `HelmRelease`
//! (`helm.toolkit.fluxcd.io/v2`), the objects through which Flux installs a Helm chart.
//!
//! Field meanings: <https://fluxcd.io/flux/components/source/helmrepositories/> and
//! <https://fluxcd.io/flux/components/helm/helmreleases/>.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

custom_resource! {
    /// A Flux `HelmRepository`: a chart repository Flux fetches from; see
    /// <https://fluxcd.io/flux/components/source/helmrepositories/>.
    HelmRepository(HelmRepositorySpec): "source.toolkit.fluxcd.io" / "v1", "helmrepositories", NamespaceResourceScope
}

custom_resource! {
    /// A Flux `HelmRelease`: a chart Flux's helm-controller installs and keeps upgraded; see
    /// <https://fluxcd.io/flux/components/helm/helmreleases/>.
    HelmRelease(HelmReleaseSpec): "helm.toolkit.fluxcd.io" / "v2", "helmreleases", NamespaceResourceScope
}

string_enum! {
    /// `spec.type` of a [`HelmRepository`]: an HTTP(S) index or an OCI registry.
    RepositoryType { Default = "default", Oci = "oci" }
}

/// Spec of a [`HelmRepository`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HelmRepositorySpec {
    /// `url`: `https://…` for an index, `oci://…` for a registry.
    pub url: String,
    /// `type`; `default` (an index) when absent.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub repository_type: Option<RepositoryType>,
    /// `interval` between fetches of the index, e.g. `1h`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
}

/// Spec of a [`HelmRelease`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HelmReleaseSpec {
    /// `interval` between reconciliations, e.g. `10m`.
    pub interval: String,
    /// `releaseName`: Helm's name of the release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_name: Option<String>,
    /// `targetNamespace`: where the chart's objects go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_namespace: Option<String>,
    /// `storageNamespace`: where Helm keeps the release's history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_namespace: Option<String>,
    /// `chart`: which chart, from which source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<HelmChartTemplate>,
    /// `dependsOn`: releases that must be ready first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<CrossNamespaceReference>,
    /// `install` options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install: Option<Install>,
    /// `upgrade` options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<Upgrade>,
    /// `values`: the chart's values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Map<String, Value>>,
}

/// `spec.chart` of a [`HelmRelease`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HelmChartTemplate {
    /// `spec`: the chart's name, version and source.
    pub spec: HelmChartTemplateSpec,
}

/// `spec.chart.spec` of a [`HelmRelease`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HelmChartTemplateSpec {
    /// `chart`: its name in the repository.
    pub chart: String,
    /// `version`: a version or SemVer range; Girder writes exact versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `sourceRef`: the [`HelmRepository`].
    pub source_ref: SourceReference,
    /// `interval` between checks of the source for the chart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
}

/// `spec.chart.spec.sourceRef`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceReference {
    /// `kind`, e.g. `HelmRepository`.
    pub kind: String,
    /// `name`.
    pub name: String,
    /// `namespace`; the HelmRelease's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// An entry of `spec.dependsOn`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CrossNamespaceReference {
    /// `name` of the HelmRelease.
    pub name: String,
    /// `namespace`; the dependent's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

string_enum! {
    /// How a release treats the chart's CustomResourceDefinitions (`install.crds`,
    /// `upgrade.crds`).
    CrdsPolicy { Skip = "Skip", Create = "Create", CreateReplace = "CreateReplace" }
}

/// `spec.install`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Install {
    /// `createNamespace`: create the target namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_namespace: Option<bool>,
    /// `crds`: what to do with the chart's CRDs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crds: Option<CrdsPolicy>,
    /// `remediation` of a failed install.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<Remediation>,
}

/// `spec.upgrade`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Upgrade {
    /// `crds`: what to do with the chart's CRDs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crds: Option<CrdsPolicy>,
    /// `remediation` of a failed upgrade.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<Remediation>,
}

/// `remediation` of an install or upgrade.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Remediation {
    /// `retries` before giving up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<i32>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crd::tests::{check_example, meta};
    use serde_json::json;

    #[test]
    fn helm_repository_and_release() {
        let repository = HelmRepository {
            metadata: meta("keda", Some("flux-system")),
            spec: HelmRepositorySpec {
                url: "https://kedacore.github.io/charts".into(),
                interval: Some("1h".into()),
                ..Default::default()
            },
        };
        check_example(
            "flux-helm-repository",
            &repository,
            &json!({
                "apiVersion": "source.toolkit.fluxcd.io/v1",
                "kind": "HelmRepository",
                "metadata": {"name": "keda", "namespace": "flux-system"},
                "spec": {"url": "https://kedacore.github.io/charts", "interval": "1h"}
            }),
        );
        let release = HelmRelease {
            metadata: meta("keda", Some("flux-system")),
            spec: HelmReleaseSpec {
                interval: "10m".into(),
                release_name: Some("keda".into()),
                target_namespace: Some("keda".into()),
                chart: Some(HelmChartTemplate {
                    spec: HelmChartTemplateSpec {
                        chart: "keda".into(),
                        version: Some("2.17.2".into()),
                        source_ref: SourceReference {
                            kind: "HelmRepository".into(),
                            name: "keda".into(),
                            namespace: None,
                        },
                        interval: None,
                    },
                }),
                install: Some(Install {
                    create_namespace: Some(true),
                    crds: Some(CrdsPolicy::CreateReplace),
                    remediation: Some(Remediation { retries: Some(3) }),
                }),
                values: Some(Map::from_iter([("replicaCount".into(), json!(2))])),
                ..Default::default()
            },
        };
        check_example(
            "flux-helm-release",
            &release,
            &json!({
                "apiVersion": "helm.toolkit.fluxcd.io/v2",
                "kind": "HelmRelease",
                "metadata": {"name": "keda", "namespace": "flux-system"},
                "spec": {
                    "interval": "10m",
                    "releaseName": "keda",
                    "targetNamespace": "keda",
                    "chart": {"spec": {
                        "chart": "keda",
                        "version": "2.17.2",
                        "sourceRef": {"kind": "HelmRepository", "name": "keda"}
                    }},
                    "install": {"createNamespace": true, "crds": "CreateReplace", "remediation": {"retries": 3}},
                    "values": {"replicaCount": 2}
                }
            }),
        );
    }
}
