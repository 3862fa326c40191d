//! Istio traffic management resources (`networking.istio.io/v1`).
//!
//! Field meanings: <https://istio.io/latest/docs/reference/config/networking/virtual-service/>
//! and <https://istio.io/latest/docs/reference/config/networking/destination-rule/>.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

custom_resource! {
    /// An Istio `VirtualService`: routing rules for traffic to a host; see
    /// <https://istio.io/latest/docs/reference/config/networking/virtual-service/>.
    VirtualService(VirtualServiceSpec): "networking.istio.io" / "v1", "virtualservices", NamespaceResourceScope
}

custom_resource! {
    /// An Istio `DestinationRule`: policies for traffic to a service after routing; see
    /// <https://istio.io/latest/docs/reference/config/networking/destination-rule/>.
    DestinationRule(DestinationRuleSpec): "networking.istio.io" / "v1", "destinationrules", NamespaceResourceScope
}

/// Spec of a [`VirtualService`]; see
/// <https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualServiceSpec {
    /// `hosts` the rules apply to: DNS names, short service names or `*`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// `gateways` (`namespace/name`, or `mesh` for sidecars); only `mesh` when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<String>,
    /// `http` routes, first match wins.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http: Vec<HttpRoute>,
    /// `exportTo`: namespaces that see this resource (`.` for its own, `*` for all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub export_to: Vec<String>,
}

/// One of `http`; see
/// <https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRoute {
    /// `name` of the route, for logs and metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `match`: conditions, any of which selects the route; every request when empty.
    #[serde(rename = "match", default, skip_serializing_if = "Vec::is_empty")]
    pub match_: Vec<HttpMatchRequest>,
    /// `route`: weighted destinations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub route: Vec<HttpRouteDestination>,
    /// `rewrite` of the URI or authority before forwarding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rewrite: Option<HttpRewrite>,
    /// `timeout` of the request, a duration such as `10s`; none when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// `retries` policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<HttpRetry>,
    /// `headers` to change on requests and responses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Headers>,
}

/// One of `match`: every field set must match; see
/// <https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpMatchRequest {
    /// `name` of the match, appended to the route's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `uri` of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<StringMatch>,
    /// `method` of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<StringMatch>,
    /// `headers` of the request, by lower-case name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, StringMatch>,
    /// `queryParams` of the request, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query_params: BTreeMap<String, StringMatch>,
    /// `ignoreUriCase`: match `uri` case-insensitively.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_uri_case: Option<bool>,
}

/// A string condition; see
/// <https://istio.io/latest/docs/reference/config/networking/virtual-service/#StringMatch>.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StringMatch {
    /// `exact`: the whole string.
    Exact(String),
    /// `prefix` of the string.
    Prefix(String),
    /// `regex`: an RE2 expression matching the whole string.
    Regex(String),
}

/// One of `route`; see
/// <https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRouteDestination>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRouteDestination {
    /// `destination` of the traffic.
    pub destination: Destination,
    /// `weight`: the share of traffic, out of the route's total; 100 for a single destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<i32>,
    /// `headers` to change for this destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Headers>,
}

/// `destination`; see
/// <https://istio.io/latest/docs/reference/config/networking/virtual-service/#Destination>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Destination {
    /// `host`: a service name, preferably fully qualified (`api.shop.svc.cluster.local`).
    pub host: String,
    /// `subset` declared by the host's [`DestinationRule`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subset: Option<String>,
    /// `port` of the host; required only when it exposes several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<PortSelector>,
}

/// `port`; see
/// <https://istio.io/latest/docs/reference/config/networking/virtual-service/#PortSelector>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortSelector {
    /// `number` of the port.
    pub number: i32,
}

/// `rewrite`; see
/// <https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRewrite>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRewrite {
    /// `uri`: replaces the matched `uri` prefix, or the whole path for an exact match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// `authority`: replaces the `Host` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
}

/// `retries`; see
/// <https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRetry {
    /// `attempts`: retries allowed; 0 disables them. Istio's default is 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts: Option<i32>,
    /// `perTryTimeout`, a duration such as `2s`; the route's timeout when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_try_timeout: Option<String>,
    /// `retryOn`: comma-separated Envoy retry conditions, such as `5xx,reset,connect-failure`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_on: Option<String>,
}

/// `headers`; see
/// <https://istio.io/latest/docs/reference/config/networking/virtual-service/#Headers>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Headers {
    /// `request` header changes, before forwarding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<HeaderOperations>,
    /// `response` header changes, before returning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<HeaderOperations>,
}

/// `headers.request` or `headers.response`; see
/// <https://istio.io/latest/docs/reference/config/networking/virtual-service/#Headers-HeaderOperations>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeaderOperations {
    /// `set`: overwrite these headers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub set: BTreeMap<String, String>,
    /// `add`: append these headers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub add: BTreeMap<String, String>,
    /// `remove` these headers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<String>,
}

/// Spec of a [`DestinationRule`]; see
/// <https://istio.io/latest/docs/reference/config/networking/destination-rule/#DestinationRule>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DestinationRuleSpec {
    /// `host`: the service the rule applies to, preferably fully qualified.
    pub host: String,
    /// `trafficPolicy` for every subset that does not override it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_policy: Option<TrafficPolicy>,
    /// `subsets`: named groups of the service's endpoints, selected by label.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subsets: Vec<Subset>,
    /// `exportTo`: namespaces that see this resource (`.` for its own, `*` for all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub export_to: Vec<String>,
}

/// `trafficPolicy`; see
/// <https://istio.io/latest/docs/reference/config/networking/destination-rule/#TrafficPolicy>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrafficPolicy {
    /// `loadBalancer` algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<LoadBalancerSettings>,
    /// `connectionPool` limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_pool: Option<ConnectionPoolSettings>,
    /// `outlierDetection`: eject failing endpoints for a while.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlier_detection: Option<OutlierDetection>,
    /// `tls` towards the endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ClientTlsSettings>,
}

/// `loadBalancer`; see
/// <https://istio.io/latest/docs/reference/config/networking/destination-rule/#LoadBalancerSettings>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancerSettings {
    /// `simple` algorithm; `LEAST_REQUEST` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simple: Option<SimpleLb>,
}

string_enum! {
    /// `loadBalancer.simple`; see
    /// <https://istio.io/latest/docs/reference/config/networking/destination-rule/#LoadBalancerSettings-SimpleLB>.
    SimpleLb {
        LeastRequest = "LEAST_REQUEST", RoundRobin = "ROUND_ROBIN", Random = "RANDOM",
        Passthrough = "PASSTHROUGH",
    }
}

/// `connectionPool`; see
/// <https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionPoolSettings {
    /// `tcp` limits, for HTTP and TCP traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpSettings>,
    /// `http` limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpSettings>,
}

/// `connectionPool.tcp`; see
/// <https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings-TCPSettings>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TcpSettings {
    /// `maxConnections` to the whole destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<i32>,
    /// `connectTimeout`, a duration such as `5s`; Istio's default is `10s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_timeout: Option<String>,
}

/// `connectionPool.http`; see
/// <https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings-HTTPSettings>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpSettings {
    /// `http1MaxPendingRequests` queued while waiting for a connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http1_max_pending_requests: Option<i32>,
    /// `http2MaxRequests`: active requests to the destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http2_max_requests: Option<i32>,
    /// `maxRequestsPerConnection`; 1 disables keep-alive, unlimited when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_requests_per_connection: Option<i32>,
    /// `maxRetries` outstanding across all endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<i32>,
    /// `idleTimeout` of upstream connections, a duration such as `1h`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout: Option<String>,
}

/// `outlierDetection`; see
/// <https://istio.io/latest/docs/reference/config/networking/destination-rule/#OutlierDetection>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutlierDetection {
    /// `consecutive5xxErrors` before an endpoint is ejected; Istio's default is 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consecutive_5xx_errors: Option<i32>,
    /// `consecutiveGatewayErrors` (502, 503, 504) before an endpoint is ejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consecutive_gateway_errors: Option<i32>,
    /// `interval` between ejection sweeps, a duration; Istio's default is `10s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    /// `baseEjectionTime`, multiplied by the number of ejections; Istio's default is `30s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_ejection_time: Option<String>,
    /// `maxEjectionPercent` of endpoints ejected at once; Istio's default is 10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ejection_percent: Option<i32>,
    /// `minHealthPercent`: outlier detection stops below this share of healthy endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_health_percent: Option<i32>,
}

/// `tls`; see
/// <https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings>.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientTlsSettings {
    /// `mode` of TLS origination.
    pub mode: TlsMode,
    /// `credentialName`: the Secret with client certificates (gateways only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_name: Option<String>,
    /// `sni` sent in the TLS handshake.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    /// `subjectAltNames` accepted in the server certificate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subject_alt_names: Vec<String>,
}

string_enum! {
    /// `tls.mode`; see
    /// <https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings-TLSmode>.
    TlsMode { Disable = "DISABLE", Simple = "SIMPLE", Mutual = "MUTUAL", IstioMutual = "ISTIO_MUTUAL" }
}

/// One of `subsets`; see
/// <https://istio.io/latest/docs/reference/config/networking/destination-rule/#Subset>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subset {
    /// `name`, referenced by a route's `destination.subset`.
    pub name: String,
    /// `labels` the subset's endpoints carry.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// `trafficPolicy` overriding the rule's for this subset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_policy: Option<TrafficPolicy>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crd::tests::{check_example, meta};
    use serde_json::json;

    fn destination(subset: &str, weight: i32) -> HttpRouteDestination {
        HttpRouteDestination {
            destination: Destination {
                host: "api.shop.svc.cluster.local".into(),
                subset: Some(subset.into()),
                port: Some(PortSelector { number: 8080 }),
            },
            weight: Some(weight),
            headers: None,
        }
    }

    #[test]
    fn virtual_service() {
        let canary = HttpRoute {
            name: Some("canary".into()),
            match_: vec![HttpMatchRequest {
                uri: Some(StringMatch::Prefix("/api".into())),
                headers: [("x-canary".into(), StringMatch::Exact("true".into()))].into(),
                ..Default::default()
            }],
            route: vec![destination("v2", 100)],
            ..Default::default()
        };
        let stable = HttpRoute {
            name: Some("stable".into()),
            match_: vec![HttpMatchRequest {
                uri: Some(StringMatch::Regex("^/api/v[12]/.*".into())),
                ..Default::default()
            }],
            route: vec![destination("v1", 90), destination("v2", 10)],
            rewrite: None,
            timeout: Some("10s".into()),
            retries: Some(HttpRetry {
                attempts: Some(3),
                per_try_timeout: Some("2s".into()),
                retry_on: Some("5xx,reset,connect-failure".into()),
            }),
            headers: Some(Headers {
                request: None,
                response: Some(HeaderOperations {
                    remove: vec!["server".into()],
                    ..Default::default()
                }),
            }),
        };
        let service = VirtualService {
            metadata: meta("api", Some("shop")),
            spec: VirtualServiceSpec {
                hosts: vec!["api.shop.svc.cluster.local".into(), "api.acme.com".into()],
                gateways: vec!["istio-ingress/public".into(), "mesh".into()],
                http: vec![canary, stable],
                export_to: vec![".".into()],
            },
        };
        let dest = |subset: &str, weight: i32| {
            json!({"destination": {"host": "api.shop.svc.cluster.local", "subset": subset,
                                   "port": {"number": 8080}}, "weight": weight})
        };
        check_example(
            "istio-virtualservice",
            &service,
            &json!({
                "apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
                "metadata": {"name": "api", "namespace": "shop"},
                "spec": {
                    "hosts": ["api.shop.svc.cluster.local", "api.acme.com"],
                    "gateways": ["istio-ingress/public", "mesh"],
                    "http": [
                        {"name": "canary",
                         "match": [{"uri": {"prefix": "/api"}, "headers": {"x-canary": {"exact": "true"}}}],
                         "route": [dest("v2", 100)]},
                        {"name": "stable",
                         "match": [{"uri": {"regex": "^/api/v[12]/.*"}}],
                         "route": [dest("v1", 90), dest("v2", 10)],
                         "timeout": "10s",
                         "retries": {"attempts": 3, "perTryTimeout": "2s", "retryOn": "5xx,reset,connect-failure"},
                         "headers": {"response": {"remove": ["server"]}}}
                    ],
                    "exportTo": ["."]
                }
            }),
        );
    }

    #[test]
    fn destination_rule() {
        let rule = DestinationRule {
            metadata: meta("api", Some("shop")),
            spec: DestinationRuleSpec {
                host: "api.shop.svc.cluster.local".into(),
                traffic_policy: Some(TrafficPolicy {
                    load_balancer: Some(LoadBalancerSettings {
                        simple: Some(SimpleLb::LeastRequest),
                    }),
                    connection_pool: Some(ConnectionPoolSettings {
                        tcp: Some(TcpSettings {
                            max_connections: Some(100),
                            connect_timeout: Some("5s".into()),
                        }),
                        http: Some(HttpSettings {
                            http1_max_pending_requests: Some(64),
                            http2_max_requests: Some(1000),
                            max_requests_per_connection: None,
                            max_retries: Some(3),
                            idle_timeout: Some("300s".into()),
                        }),
                    }),
                    outlier_detection: Some(OutlierDetection {
                        consecutive_5xx_errors: Some(5),
                        consecutive_gateway_errors: None,
                        interval: Some("30s".into()),
                        base_ejection_time: Some("60s".into()),
                        max_ejection_percent: Some(50),
                        min_health_percent: None,
                    }),
                    tls: Some(ClientTlsSettings {
                        mode: TlsMode::IstioMutual,
                        credential_name: None,
                        sni: None,
                        subject_alt_names: vec![],
                    }),
                }),
                subsets: vec![
                    Subset {
                        name: "v1".into(),
                        labels: [("version".into(), "v1".into())].into(),
                        traffic_policy: None,
                    },
                    Subset {
                        name: "v2".into(),
                        labels: [("version".into(), "v2".into())].into(),
                        traffic_policy: Some(TrafficPolicy {
                            load_balancer: Some(LoadBalancerSettings {
                                simple: Some(SimpleLb::RoundRobin),
                            }),
                            ..Default::default()
                        }),
                    },
                ],
                export_to: vec![],
            },
        };
        check_example(
            "istio-destinationrule",
            &rule,
            &json!({
                "apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
                "metadata": {"name": "api", "namespace": "shop"},
                "spec": {
                    "host": "api.shop.svc.cluster.local",
                    "trafficPolicy": {
                        "loadBalancer": {"simple": "LEAST_REQUEST"},
                        "connectionPool": {
                            "tcp": {"maxConnections": 100, "connectTimeout": "5s"},
                            "http": {"http1MaxPendingRequests": 64, "http2MaxRequests": 1000,
                                     "maxRetries": 3, "idleTimeout": "300s"}
                        },
                        "outlierDetection": {"consecutive5xxErrors": 5, "interval": "30s",
                                             "baseEjectionTime": "60s", "maxEjectionPercent": 50},
                        "tls": {"mode": "ISTIO_MUTUAL"}
                    },
                    "subsets": [
                        {"name": "v1", "labels": {"version": "v1"}},
                        {"name": "v2", "labels": {"version": "v2"},
                         "trafficPolicy": {"loadBalancer": {"simple": "ROUND_ROBIN"}}}
                    ]
                }
            }),
        );
    }
}
