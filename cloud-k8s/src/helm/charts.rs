//! Typed values for the charts of the platform add-ons ([`super::AddOn`]).
//!
//! Each chart is one struct whose fields mirror the chart's values tree, with only the values
//! Girder knows the meaning of: an unknown key does not compile, and a value left `None` is not
//! written, so the chart's own default applies. Each `Default` holds what Girder's constructs
//! need from the chart (cert-manager's CRDs, Grafana loading dashboards from every namespace);
//! the release name and namespace are fixed, because the constructs address the add-on there
//! (the Prometheus of release `prometheus` in `monitoring`, KEDA's operator in `keda`).
//!
//! ```
//! use girder_k8s::helm::charts::{Chart, Keda};
//!
//! let keda = Keda::with_aws_role("arn:aws:iam::123456789012:role/prod-keda");
//! let releases = keda.releases(Keda::VERSION).unwrap();
//! assert_eq!(
//!     releases[0].values["podIdentity"]["aws"]["irsa"]["roleArn"],
//!     "arn:aws:iam::123456789012:role/prod-keda"
//! );
//! ```

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use super::Release;

/// ingress-nginx's chart repository.
pub const INGRESS_NGINX_REPOSITORY: &str = "https://kubernetes.github.io/ingress-nginx";
/// Jetstack's chart repository (cert-manager).
pub const JETSTACK_REPOSITORY: &str = "https://charts.jetstack.io";
/// The Prometheus community's chart repository (kube-prometheus-stack).
pub const PROMETHEUS_COMMUNITY_REPOSITORY: &str =
    "https://prometheus-community.github.io/helm-charts";
/// KEDA's chart repository.
pub const KEDA_REPOSITORY: &str = "https://kedacore.github.io/charts";
/// External Secrets' chart repository.
pub const EXTERNAL_SECRETS_REPOSITORY: &str = "https://charts.external-secrets.io";
/// Istio's chart repository.
pub const ISTIO_REPOSITORY: &str = "https://istio-release.storage.googleapis.com/charts";
/// The ingress class ingress-nginx's chart creates.
pub const NGINX_CLASS: &str = "nginx";

/// A chart with typed values: where it comes from, and the releases it installs.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a typed Helm chart",
    label = "expected one of `girder_k8s::helm::charts`' types",
    note = "typed charts: IngressNginx, CertManager, KubePrometheusStack, Keda, ExternalSecrets, Istio; for any other chart use `HelmChart::untyped` with a `Release::untyped` and a map of values"
)]
pub trait Chart: Serialize {
    /// The chart version Girder's values are written for, pinned.
    const VERSION: &'static str;

    /// The releases it installs at `version`, in install order (each after the ones before).
    fn releases(&self, version: &str) -> Result<Vec<Release>, serde_json::Error>;
}

/// The values of `values` as a map (a struct of values serializes as one), without the maps
/// that set nothing (a struct whose values are all left to the chart).
fn values_of(values: &impl Serialize) -> Result<Map<String, Value>, serde_json::Error> {
    fn prune(map: &mut Map<String, Value>) {
        map.retain(|_, value| match value {
            Value::Object(inner) => {
                prune(inner);
                !inner.is_empty()
            }
            _ => true,
        });
    }
    match serde_json::to_value(values)? {
        Value::Object(mut map) => {
            prune(&mut map);
            Ok(map)
        }
        other => Err(serde::ser::Error::custom(format!(
            "chart values must serialize as a map, not {other}"
        ))),
    }
}

/// One release of a chart of `repository`.
fn release(
    name: &str,
    namespace: &str,
    repository: &str,
    chart: &str,
    version: &str,
    values: &impl Serialize,
) -> Result<Release, serde_json::Error> {
    Ok(Release::untyped(
        name,
        namespace,
        repository,
        chart,
        version,
        values_of(values)?,
    ))
}

/// How a chart exposes its Service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ServiceType {
    /// `ClusterIP`: inside the cluster only.
    ClusterIP,
    /// `NodePort`.
    NodePort,
    /// `LoadBalancer`: the cloud's load balancer.
    LoadBalancer,
}

/// A chart's Service: its type and annotations (a cloud load balancer's settings).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChartService {
    /// `type`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub service_type: Option<ServiceType>,
    /// `annotations`, e.g. `service.beta.kubernetes.io/aws-load-balancer-scheme`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// A toggle: `{enabled: …}`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Enabled {
    /// `enabled`.
    pub enabled: bool,
}

// ---------------------------------------------------------------------------------------------

/// ingress-nginx (`ingress-nginx` from [`INGRESS_NGINX_REPOSITORY`]), release `ingress-nginx`
/// in namespace `ingress-nginx`, where [`IngressController::nginx`] expects its pods; it
/// serves the ingress class `nginx`.
///
/// [`IngressController::nginx`]: https://docs.rs/girder-constructs
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct IngressNginx {
    /// `controller`.
    pub controller: IngressNginxController,
}

/// `controller` values of [`IngressNginx`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IngressNginxController {
    /// `replicaCount`; the chart's default is 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica_count: Option<u32>,
    /// `service`: how the controller is reached (the chart's default is a `LoadBalancer`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<ChartService>,
    /// `config`: entries of the controller's ConfigMap, e.g. `use-forwarded-headers`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub config: BTreeMap<String, String>,
    /// `metrics`: the controller's Prometheus metrics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Enabled>,
}

impl Chart for IngressNginx {
    const VERSION: &'static str = "4.13.3";

    fn releases(&self, version: &str) -> Result<Vec<Release>, serde_json::Error> {
        Ok(vec![release(
            "ingress-nginx",
            "ingress-nginx",
            INGRESS_NGINX_REPOSITORY,
            "ingress-nginx",
            version,
            self,
        )?])
    }
}

// ---------------------------------------------------------------------------------------------

/// cert-manager (`cert-manager` from [`JETSTACK_REPOSITORY`]), release `cert-manager` in
/// namespace `cert-manager`. Its default installs the CRDs with the chart and keeps them when
/// the release is removed (Certificates survive an uninstall).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CertManager {
    /// `crds`: whether the chart installs and keeps its CRDs.
    pub crds: CertManagerCrds,
    /// `replicaCount` of the controller; the chart's default is 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica_count: Option<u32>,
}

/// `crds` values of [`CertManager`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CertManagerCrds {
    /// `enabled`: install the CRDs with the chart.
    pub enabled: bool,
    /// `keep`: leave them when the release is removed.
    pub keep: bool,
}

impl Default for CertManager {
    fn default() -> Self {
        CertManager {
            crds: CertManagerCrds {
                enabled: true,
                keep: true,
            },
            replica_count: None,
        }
    }
}

impl Chart for CertManager {
    const VERSION: &'static str = "v1.18.2";

    fn releases(&self, version: &str) -> Result<Vec<Release>, serde_json::Error> {
        Ok(vec![release(
            "cert-manager",
            "cert-manager",
            JETSTACK_REPOSITORY,
            "cert-manager",
            version,
            self,
        )?])
    }
}

// ---------------------------------------------------------------------------------------------

/// kube-prometheus-stack (from [`PROMETHEUS_COMMUNITY_REPOSITORY`]), release `prometheus` in
/// namespace `monitoring`: the Prometheus operator selects ServiceMonitors, PodMonitors and
/// PrometheusRules labelled `release: prometheus`, as Girder's monitoring constructs label
/// them, and KEDA's Prometheus scaler queries `prometheus-operated.monitoring`. Its default
/// lets Grafana load dashboards from every namespace (Girder's [`Dashboard`]s live beside
/// their services).
///
/// [`Dashboard`]: https://docs.rs/girder-constructs
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KubePrometheusStack {
    /// `prometheus`.
    pub prometheus: PrometheusValues,
    /// `grafana`.
    pub grafana: GrafanaValues,
    /// `alertmanager`.
    pub alertmanager: AlertmanagerValues,
}

/// `prometheus` values of [`KubePrometheusStack`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrometheusValues {
    /// `prometheusSpec`.
    pub prometheus_spec: PrometheusSpecValues,
}

/// `prometheus.prometheusSpec` values of [`KubePrometheusStack`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrometheusSpecValues {
    /// `replicas`; the chart's default is 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u32>,
    /// `retention`, e.g. `15d`; the chart's default is `10d`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention: Option<String>,
}

/// `grafana` values of [`KubePrometheusStack`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GrafanaValues {
    /// `enabled`: run Grafana.
    pub enabled: bool,
    /// `sidecar`: what Grafana's sidecar loads.
    pub sidecar: GrafanaSidecar,
}

/// `grafana.sidecar` values of [`KubePrometheusStack`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GrafanaSidecar {
    /// `dashboards`.
    pub dashboards: GrafanaDashboards,
}

/// `grafana.sidecar.dashboards` values of [`KubePrometheusStack`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GrafanaDashboards {
    /// `enabled`: load dashboards from ConfigMaps labelled `grafana_dashboard`.
    pub enabled: bool,
    /// `searchNamespace`: where to look (`ALL`: every namespace).
    pub search_namespace: String,
}

/// `alertmanager` values of [`KubePrometheusStack`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AlertmanagerValues {
    /// `enabled`: run Alertmanager, which routes the alerts of PrometheusRules.
    pub enabled: bool,
}

impl Default for KubePrometheusStack {
    fn default() -> Self {
        KubePrometheusStack {
            prometheus: PrometheusValues::default(),
            grafana: GrafanaValues {
                enabled: true,
                sidecar: GrafanaSidecar {
                    dashboards: GrafanaDashboards {
                        enabled: true,
                        search_namespace: "ALL".into(),
                    },
                },
            },
            alertmanager: AlertmanagerValues { enabled: true },
        }
    }
}

impl Chart for KubePrometheusStack {
    const VERSION: &'static str = "75.15.1";

    fn releases(&self, version: &str) -> Result<Vec<Release>, serde_json::Error> {
        Ok(vec![release(
            "prometheus",
            "monitoring",
            PROMETHEUS_COMMUNITY_REPOSITORY,
            "kube-prometheus-stack",
            version,
            self,
        )?])
    }
}

// ---------------------------------------------------------------------------------------------

/// KEDA (`keda` from [`KEDA_REPOSITORY`]), release `keda` in namespace `keda`, where
/// Girder's workloads admit its operator (pods labelled `app=keda-operator`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Keda {
    /// `operator`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<KedaOperator>,
    /// `podIdentity`: how the operator authenticates to a cloud (SQS scalers on AWS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_identity: Option<KedaPodIdentity>,
}

/// `operator` values of [`Keda`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KedaOperator {
    /// `replicaCount`; the chart's default is 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica_count: Option<u32>,
}

/// `podIdentity` values of [`Keda`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct KedaPodIdentity {
    /// `aws`.
    pub aws: KedaAws,
}

/// `podIdentity.aws` values of [`Keda`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct KedaAws {
    /// `irsa`: IAM roles for service accounts.
    pub irsa: KedaIrsa,
}

/// `podIdentity.aws.irsa` values of [`Keda`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KedaIrsa {
    /// `enabled`.
    pub enabled: bool,
    /// `roleArn`: the operator's role.
    pub role_arn: String,
}

impl Keda {
    /// KEDA whose operator assumes the IAM role `role_arn` (an EKS cluster's
    /// `keda_role_arn()`), for SQS scalers.
    pub fn with_aws_role(role_arn: impl Into<String>) -> Self {
        Keda {
            operator: None,
            pod_identity: Some(KedaPodIdentity {
                aws: KedaAws {
                    irsa: KedaIrsa {
                        enabled: true,
                        role_arn: role_arn.into(),
                    },
                },
            }),
        }
    }
}

impl Chart for Keda {
    const VERSION: &'static str = "2.17.2";

    fn releases(&self, version: &str) -> Result<Vec<Release>, serde_json::Error> {
        Ok(vec![release(
            "keda",
            "keda",
            KEDA_REPOSITORY,
            "keda",
            version,
            self,
        )?])
    }
}

// ---------------------------------------------------------------------------------------------

/// External Secrets (`external-secrets` from [`EXTERNAL_SECRETS_REPOSITORY`]), release
/// `external-secrets` in namespace `external-secrets`, with its CRDs.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalSecrets {
    /// `installCRDs`: install the CRDs with the chart.
    #[serde(rename = "installCRDs")]
    pub install_crds: bool,
    /// `replicaCount`; the chart's default is 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica_count: Option<u32>,
    /// `serviceAccount`: the controller's service account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account: Option<ServiceAccountValues>,
}

/// A chart's `serviceAccount` values.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ServiceAccountValues {
    /// `annotations`, e.g. `eks.amazonaws.com/role-arn`.
    pub annotations: BTreeMap<String, String>,
}

impl Default for ExternalSecrets {
    fn default() -> Self {
        ExternalSecrets {
            install_crds: true,
            replica_count: None,
            service_account: None,
        }
    }
}

impl ExternalSecrets {
    /// External Secrets whose controller assumes the IAM role `role_arn` (an EKS cluster's
    /// `external_secrets_role_arn()`), to read Secrets Manager and Parameter Store.
    pub fn with_aws_role(role_arn: impl Into<String>) -> Self {
        ExternalSecrets {
            service_account: Some(ServiceAccountValues {
                annotations: BTreeMap::from([(
                    "eks.amazonaws.com/role-arn".into(),
                    role_arn.into(),
                )]),
            }),
            ..Default::default()
        }
    }
}

impl Chart for ExternalSecrets {
    const VERSION: &'static str = "0.19.2";

    fn releases(&self, version: &str) -> Result<Vec<Release>, serde_json::Error> {
        Ok(vec![release(
            "external-secrets",
            "external-secrets",
            EXTERNAL_SECRETS_REPOSITORY,
            "external-secrets",
            version,
            self,
        )?])
    }
}

// ---------------------------------------------------------------------------------------------

/// Istio from [`ISTIO_REPOSITORY`], in namespace `istio-system`: the releases `istio-base`
/// (chart `base`: the CRDs), `istiod` (chart `istiod`: the control plane) and, when
/// [`Istio::ingress_gateway`] is set, `istio-ingressgateway` (chart `gateway`, pods labelled
/// `istio: ingressgateway`), each installed after the one before.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Istio {
    /// Values of the `istiod` chart.
    pub istiod: IstiodValues,
    /// Values of the `gateway` chart; `None`: no ingress gateway.
    pub ingress_gateway: Option<IstioGatewayValues>,
}

/// Values of Istio's `istiod` chart.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IstiodValues {
    /// `pilot`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pilot: Option<IstioPilot>,
    /// `meshConfig`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mesh_config: Option<IstioMeshConfig>,
}

/// `pilot` values of Istio's `istiod` chart.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IstioPilot {
    /// `replicaCount`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica_count: Option<u32>,
    /// `autoscaleEnabled`; the chart's default is `true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub autoscale_enabled: Option<bool>,
}

/// `meshConfig` values of Istio's `istiod` chart.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IstioMeshConfig {
    /// `accessLogFile`, e.g. `/dev/stdout`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_log_file: Option<String>,
}

/// Values of Istio's `gateway` chart.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IstioGatewayValues {
    /// `replicaCount`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica_count: Option<u32>,
    /// `service`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<ChartService>,
}

impl Chart for Istio {
    const VERSION: &'static str = "1.26.3";

    fn releases(&self, version: &str) -> Result<Vec<Release>, serde_json::Error> {
        let namespace = "istio-system";
        let mut releases = vec![
            release(
                "istio-base",
                namespace,
                ISTIO_REPOSITORY,
                "base",
                version,
                &Map::new(),
            )?,
            release(
                "istiod",
                namespace,
                ISTIO_REPOSITORY,
                "istiod",
                version,
                &self.istiod,
            )?,
        ];
        if let Some(gateway) = &self.ingress_gateway {
            releases.push(release(
                "istio-ingressgateway",
                namespace,
                ISTIO_REPOSITORY,
                "gateway",
                version,
                gateway,
            )?);
        }
        Ok(releases)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn values<C: Chart>(chart: &C) -> Vec<Value> {
        chart
            .releases(C::VERSION)
            .unwrap()
            .into_iter()
            .map(|r| Value::Object(r.values))
            .collect()
    }

    #[test]
    fn defaults_write_only_what_girder_needs() {
        assert_eq!(values(&IngressNginx::default()), [json!({})]);
        assert_eq!(
            values(&CertManager::default()),
            [json!({"crds": {"enabled": true, "keep": true}})]
        );
        assert_eq!(
            values(&KubePrometheusStack::default()),
            [json!({
                "grafana": {"enabled": true, "sidecar": {"dashboards": {"enabled": true, "searchNamespace": "ALL"}}},
                "alertmanager": {"enabled": true}
            })]
        );
        assert_eq!(values(&Keda::default()), [json!({})]);
        assert_eq!(
            values(&ExternalSecrets::default()),
            [json!({"installCRDs": true})]
        );
        assert_eq!(values(&Istio::default()), [json!({}), json!({})]);
    }

    #[test]
    fn set_values_take_the_charts_keys() {
        let nginx = IngressNginx {
            controller: IngressNginxController {
                replica_count: Some(2),
                service: Some(ChartService {
                    service_type: Some(ServiceType::LoadBalancer),
                    annotations: BTreeMap::from([(
                        "service.beta.kubernetes.io/aws-load-balancer-scheme".into(),
                        "internet-facing".into(),
                    )]),
                }),
                config: BTreeMap::from([("use-forwarded-headers".into(), "true".into())]),
                metrics: Some(Enabled { enabled: true }),
            },
        };
        assert_eq!(
            values(&nginx),
            [json!({"controller": {
                "replicaCount": 2,
                "service": {"type": "LoadBalancer", "annotations": {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing"}},
                "config": {"use-forwarded-headers": "true"},
                "metrics": {"enabled": true}
            }})]
        );
        let istio = Istio {
            istiod: IstiodValues {
                pilot: Some(IstioPilot {
                    replica_count: Some(2),
                    autoscale_enabled: Some(false),
                }),
                mesh_config: Some(IstioMeshConfig {
                    access_log_file: Some("/dev/stdout".into()),
                }),
            },
            ingress_gateway: Some(IstioGatewayValues::default()),
        };
        let releases = istio.releases(Istio::VERSION).unwrap();
        let names: Vec<_> = releases
            .iter()
            .map(|r| (r.name.as_str(), r.chart.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("istio-base", "base"),
                ("istiod", "istiod"),
                ("istio-ingressgateway", "gateway")
            ]
        );
        assert_eq!(
            Value::Object(releases[1].values.clone()),
            json!({"pilot": {"replicaCount": 2, "autoscaleEnabled": false}, "meshConfig": {"accessLogFile": "/dev/stdout"}})
        );
        let eso = ExternalSecrets::with_aws_role("arn:aws:iam::123456789012:role/eso");
        assert_eq!(
            values(&eso),
            [
                json!({"installCRDs": true, "serviceAccount": {"annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/eso"}}})
            ]
        );
    }

    #[test]
    fn every_typed_release_is_valid() {
        for releases in [
            IngressNginx::default().releases(IngressNginx::VERSION),
            CertManager::default().releases(CertManager::VERSION),
            KubePrometheusStack::default().releases(KubePrometheusStack::VERSION),
            Keda::default().releases(Keda::VERSION),
            ExternalSecrets::default().releases(ExternalSecrets::VERSION),
            Istio::default().releases(Istio::VERSION),
        ] {
            for release in releases.unwrap() {
                assert!(
                    release.problems().is_empty(),
                    "{release:?}: {:?}",
                    release.problems()
                );
            }
        }
    }
}
