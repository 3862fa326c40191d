//! Prometheus operator resources (`monitoring.coreos.com/v1`).
//!
//! Field meanings: <https://prometheus-operator.dev/docs/api-reference/api/>.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde::{Deserialize, Serialize};

custom_resource! {
    /// A `PrometheusRule`; see
    /// <https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PrometheusRule>.
    PrometheusRule(PrometheusRuleSpec): "monitoring.coreos.com" / "v1", "prometheusrules", NamespaceResourceScope
}

custom_resource! {
    /// A `ServiceMonitor`; see
    /// <https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.ServiceMonitor>.
    ServiceMonitor(ServiceMonitorSpec): "monitoring.coreos.com" / "v1", "servicemonitors", NamespaceResourceScope
}

custom_resource! {
    /// A `PodMonitor`: scrapes pods directly, for workloads without a Service; see
    /// <https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PodMonitor>.
    PodMonitor(PodMonitorSpec): "monitoring.coreos.com" / "v1", "podmonitors", NamespaceResourceScope
}

/// Spec of a [`PrometheusRule`]; see
/// <https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PrometheusRuleSpec>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrometheusRuleSpec {
    /// `groups` of rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<RuleGroup>,
}

/// One of `groups`; see
/// <https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.RuleGroup>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleGroup {
    /// `name`, unique within the resource.
    pub name: String,
    /// `interval`, a Prometheus duration such as `30s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    /// `rules`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
}

/// One of `rules`; see
/// <https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.Rule>.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    /// `alert` or `record`: what the rule produces.
    #[serde(flatten)]
    pub kind: RuleKind,
    /// `expr`: the `PromQL` expression.
    pub expr: String,
    /// `for`: how long `expr` must hold before an alert fires.
    #[serde(rename = "for", default, skip_serializing_if = "Option::is_none")]
    pub for_: Option<String>,
    /// `labels` added to the alert or series.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// `annotations` added to the alert.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// Whether a [`Rule`] is an alerting or a recording rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RuleKind {
    /// `alert`: the alert's name.
    Alert(String),
    /// `record`: the name of the recorded series.
    Record(String),
}

/// Spec of a [`ServiceMonitor`]; see
/// <https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.ServiceMonitorSpec>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceMonitorSpec {
    /// `selector` of the Services to scrape.
    pub selector: LabelSelector,
    /// `namespaceSelector`; the `ServiceMonitor`'s own namespace when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<NamespaceSelector>,
    /// `endpoints` to scrape (required by the schema, so always serialized).
    pub endpoints: Vec<Endpoint>,
}

/// `namespaceSelector`; see
/// <https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.NamespaceSelector>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceSelector {
    /// `any`: select all namespaces.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub any: bool,
    /// `matchNames`: the namespaces to select.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_names: Vec<String>,
}

/// One of `endpoints`; see
/// <https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.Endpoint>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    /// `port`: the name of the Service port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<String>,
    /// `path` to scrape, `/metrics` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `interval`, a Prometheus duration such as `30s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    /// `scheme`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<Scheme>,
}

/// Spec of a [`PodMonitor`]; see
/// <https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PodMonitorSpec>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodMonitorSpec {
    /// `selector` of the pods to scrape.
    pub selector: LabelSelector,
    /// `namespaceSelector`; the `PodMonitor`'s own namespace when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<NamespaceSelector>,
    /// `podMetricsEndpoints` to scrape.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pod_metrics_endpoints: Vec<PodMetricsEndpoint>,
}

/// One of `podMetricsEndpoints`; see
/// <https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PodMetricsEndpoint>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodMetricsEndpoint {
    /// `port`: the name of the container port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<String>,
    /// `path` to scrape, `/metrics` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `interval`, a Prometheus duration such as `30s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    /// `scheme`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<Scheme>,
}

string_enum! {
    /// `endpoints[].scheme`; see
    /// <https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.Scheme>.
    Scheme { Http = "http" | "HTTP", Https = "https" | "HTTPS" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crd::tests::{check_example, meta};
    use serde_json::json;

    #[test]
    fn prometheus_rule() {
        let alert = Rule {
            kind: RuleKind::Alert("HighErrorRate".into()),
            expr: "job:errors:rate5m > 0.05".into(),
            for_: Some("10m".into()),
            labels: [("severity".into(), "page".into())].into(),
            annotations: [("summary".into(), "Error rate above 5%".into())].into(),
        };
        let record = Rule {
            kind: RuleKind::Record("job:errors:rate5m".into()),
            expr: "sum by (job) (rate(errors_total[5m]))".into(),
            for_: None,
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
        };
        let rule = PrometheusRule {
            metadata: meta("web-rules", Some("monitoring")),
            spec: PrometheusRuleSpec {
                groups: vec![RuleGroup {
                    name: "web".into(),
                    interval: Some("30s".into()),
                    rules: vec![record, alert],
                }],
            },
        };
        check_example(
            "prometheusrule",
            &rule,
            &json!({
                "apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
                "metadata": {"name": "web-rules", "namespace": "monitoring"},
                "spec": {"groups": [{"name": "web", "interval": "30s", "rules": [
                    {"record": "job:errors:rate5m", "expr": "sum by (job) (rate(errors_total[5m]))"},
                    {"alert": "HighErrorRate", "expr": "job:errors:rate5m > 0.05", "for": "10m",
                     "labels": {"severity": "page"}, "annotations": {"summary": "Error rate above 5%"}}
                ]}]}
            }),
        );
    }

    #[test]
    fn service_monitor() {
        let monitor = ServiceMonitor {
            metadata: meta("web", Some("monitoring")),
            spec: ServiceMonitorSpec {
                selector: LabelSelector {
                    match_labels: Some([("app".into(), "web".into())].into()),
                    ..Default::default()
                },
                namespace_selector: Some(NamespaceSelector {
                    any: false,
                    match_names: vec!["web".into()],
                }),
                endpoints: vec![Endpoint {
                    port: Some("metrics".into()),
                    path: Some("/metrics".into()),
                    interval: Some("30s".into()),
                    scheme: Some(Scheme::Https),
                }],
            },
        };
        check_example(
            "servicemonitor",
            &monitor,
            &json!({
                "apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
                "metadata": {"name": "web", "namespace": "monitoring"},
                "spec": {
                    "selector": {"matchLabels": {"app": "web"}},
                    "namespaceSelector": {"matchNames": ["web"]},
                    "endpoints": [{"port": "metrics", "path": "/metrics", "interval": "30s", "scheme": "https"}]
                }
            }),
        );
        let upper: Scheme = serde_json::from_str("\"HTTPS\"").unwrap();
        assert_eq!(upper, Scheme::Https);
    }

    #[test]
    fn pod_monitor() {
        let monitor = PodMonitor {
            metadata: meta("drain", Some("jobs")),
            spec: PodMonitorSpec {
                selector: LabelSelector {
                    match_labels: Some([("app".into(), "drain".into())].into()),
                    ..Default::default()
                },
                namespace_selector: Some(NamespaceSelector {
                    any: false,
                    match_names: vec!["jobs".into()],
                }),
                pod_metrics_endpoints: vec![PodMetricsEndpoint {
                    port: Some("metrics".into()),
                    path: Some("/metrics".into()),
                    interval: Some("30s".into()),
                    scheme: None,
                }],
            },
        };
        check_example(
            "podmonitor",
            &monitor,
            &json!({
                "apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor",
                "metadata": {"name": "drain", "namespace": "jobs"},
                "spec": {
                    "selector": {"matchLabels": {"app": "drain"}},
                    "namespaceSelector": {"matchNames": ["jobs"]},
                    "podMetricsEndpoints": [{"port": "metrics", "path": "/metrics", "interval": "30s"}]
                }
            }),
        );
    }
}
