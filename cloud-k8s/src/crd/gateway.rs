//! Gateway API resources (`gateway.networking.k8s.io/v1`).
//!
//! Field meanings: <https://gateway-api.sigs.k8s.io/reference/api-spec/>.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde::{Deserialize, Serialize};

custom_resource! {
    /// An `HTTPRoute`: HTTP routing from Gateway listeners to backends; see
    /// <https://gateway-api.sigs.k8s.io/reference/api-spec/#httproute>.
    HTTPRoute(HttpRouteSpec): "gateway.networking.k8s.io" / "v1", "httproutes", NamespaceResourceScope
}

custom_resource! {
    /// A `Gateway`: a load balancer's listeners, implemented by its `GatewayClass`; see
    /// <https://gateway-api.sigs.k8s.io/reference/api-spec/#gateway>.
    Gateway(GatewaySpec): "gateway.networking.k8s.io" / "v1", "gateways", NamespaceResourceScope
}

/// Spec of an [`HTTPRoute`]; see
/// <https://gateway-api.sigs.k8s.io/reference/api-spec/#httproutespec>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRouteSpec {
    /// `parentRefs`: the Gateways (or listeners) the route attaches to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parent_refs: Vec<ParentReference>,
    /// `hostnames` matched against the `Host` header; `*.` wildcards allowed. All when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hostnames: Vec<String>,
    /// `rules`: matches, filters and backends.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<HttpRouteRule>,
}

/// One of `parentRefs`; see <https://gateway-api.sigs.k8s.io/reference/api-spec/#parentreference>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParentReference {
    /// `group` of the parent; `gateway.networking.k8s.io` when absent, `""` for the core group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// `kind` of the parent; `Gateway` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `namespace` of the parent; the route's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `name` of the parent.
    pub name: String,
    /// `sectionName`: a listener's name; every listener when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section_name: Option<String>,
    /// `port`: only listeners on this port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
}

/// One of `rules`; see <https://gateway-api.sigs.k8s.io/reference/api-spec/#httprouterule>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRouteRule {
    /// `name` of the rule, unique in the route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `matches`, any of which selects the rule; a `/` prefix match when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<HttpRouteMatch>,
    /// `filters` applied to matching requests, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<HttpRouteFilter>,
    /// `backendRefs`: weighted backends of matching requests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backend_refs: Vec<HttpBackendRef>,
    /// `timeouts` of matching requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeouts: Option<HttpRouteTimeouts>,
}

/// One of `matches`: every field set must match; see
/// <https://gateway-api.sigs.k8s.io/reference/api-spec/#httproutematch>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRouteMatch {
    /// `path` of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<HttpPathMatch>,
    /// `headers` of the request.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<HttpHeaderMatch>,
    /// `queryParams` of the request.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub query_params: Vec<HttpQueryParamMatch>,
    /// `method` of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<HttpMethod>,
}

/// `matches[].path`; see <https://gateway-api.sigs.k8s.io/reference/api-spec/#httppathmatch>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpPathMatch {
    /// `type`; `PathPrefix` when absent.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<PathMatchType>,
    /// `value`, starting with `/`; `/` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

string_enum! {
    /// `path.type`; see <https://gateway-api.sigs.k8s.io/reference/api-spec/#pathmatchtype>.
    PathMatchType {
        Exact = "Exact", PathPrefix = "PathPrefix", RegularExpression = "RegularExpression",
    }
}

/// One of `matches[].headers`; see
/// <https://gateway-api.sigs.k8s.io/reference/api-spec/#httpheadermatch>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpHeaderMatch {
    /// `type`; `Exact` when absent.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<ValueMatchType>,
    /// `name` of the header (case-insensitive) or query parameter (case-sensitive).
    pub name: String,
    /// `value` to match.
    pub value: String,
}

/// One of `matches[].queryParams`: the same shape as a header match; see
/// <https://gateway-api.sigs.k8s.io/reference/api-spec/#httpqueryparammatch>.
pub type HttpQueryParamMatch = HttpHeaderMatch;

string_enum! {
    /// `headers[].type` and `queryParams[].type`; see
    /// <https://gateway-api.sigs.k8s.io/reference/api-spec/#headermatchtype>.
    ValueMatchType { Exact = "Exact", RegularExpression = "RegularExpression" }
}

string_enum! {
    /// `matches[].method`; see <https://gateway-api.sigs.k8s.io/reference/api-spec/#httpmethod>.
    HttpMethod {
        Get = "GET", Head = "HEAD", Post = "POST", Put = "PUT", Delete = "DELETE",
        Connect = "CONNECT", Options = "OPTIONS", Trace = "TRACE", Patch = "PATCH",
    }
}

/// One of `filters`, tagged by `type`; see
/// <https://gateway-api.sigs.k8s.io/reference/api-spec/#httproutefilter>.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all_fields = "camelCase")]
pub enum HttpRouteFilter {
    /// `RequestHeaderModifier`: change request headers before forwarding.
    RequestHeaderModifier {
        /// `requestHeaderModifier`.
        request_header_modifier: HttpHeaderFilter,
    },
    /// `ResponseHeaderModifier`: change response headers before returning.
    ResponseHeaderModifier {
        /// `responseHeaderModifier`.
        response_header_modifier: HttpHeaderFilter,
    },
    /// `RequestRedirect`: answer with a redirect instead of forwarding.
    RequestRedirect {
        /// `requestRedirect`.
        request_redirect: HttpRequestRedirectFilter,
    },
    /// `URLRewrite`: rewrite the host or path before forwarding.
    #[serde(rename = "URLRewrite")]
    UrlRewrite {
        /// `urlRewrite`.
        url_rewrite: HttpUrlRewriteFilter,
    },
}

/// `requestHeaderModifier` or `responseHeaderModifier`; see
/// <https://gateway-api.sigs.k8s.io/reference/api-spec/#httpheaderfilter>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpHeaderFilter {
    /// `set`: overwrite these headers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub set: Vec<HttpHeader>,
    /// `add`: append to these headers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add: Vec<HttpHeader>,
    /// `remove` these headers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<String>,
}

/// A header name and value; see <https://gateway-api.sigs.k8s.io/reference/api-spec/#httpheader>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpHeader {
    /// `name` of the header.
    pub name: String,
    /// `value` of the header.
    pub value: String,
}

/// `requestRedirect`; see
/// <https://gateway-api.sigs.k8s.io/reference/api-spec/#httprequestredirectfilter>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRequestRedirectFilter {
    /// `scheme` of the `Location`; the request's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<RedirectScheme>,
    /// `hostname` of the `Location`; the request's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// `path` of the `Location`; the request's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<HttpPathModifier>,
    /// `port` of the `Location`; derived from the scheme or listener when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
    /// `statusCode`: 301, 302, 303, 307 or 308; 302 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<i32>,
}

string_enum! {
    /// `requestRedirect.scheme`; see
    /// <https://gateway-api.sigs.k8s.io/reference/api-spec/#httprequestredirectfilter>.
    RedirectScheme { Http = "http", Https = "https" }
}

/// `urlRewrite`; see <https://gateway-api.sigs.k8s.io/reference/api-spec/#httpurlrewritefilter>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpUrlRewriteFilter {
    /// `hostname` replacing the `Host` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// `path` rewrite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<HttpPathModifier>,
}

/// A path rewrite, tagged by `type`; see
/// <https://gateway-api.sigs.k8s.io/reference/api-spec/#httppathmodifier>.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all_fields = "camelCase")]
pub enum HttpPathModifier {
    /// `ReplaceFullPath`: replace the whole path.
    ReplaceFullPath {
        /// `replaceFullPath`.
        replace_full_path: String,
    },
    /// `ReplacePrefixMatch`: replace the part a `PathPrefix` match matched.
    ReplacePrefixMatch {
        /// `replacePrefixMatch`.
        replace_prefix_match: String,
    },
}

/// One of `backendRefs`; see <https://gateway-api.sigs.k8s.io/reference/api-spec/#httpbackendref>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpBackendRef {
    /// `group` of the backend; `""` (core) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// `kind` of the backend; `Service` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `name` of the backend.
    pub name: String,
    /// `namespace` of the backend (needs a `ReferenceGrant` there); the route's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `port` of the Service (required for a Service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
    /// `weight`: the share of traffic relative to the rule's other backends; 1 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<i32>,
}

/// `timeouts`; see <https://gateway-api.sigs.k8s.io/reference/api-spec/#httproutetimeouts>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRouteTimeouts {
    /// `request`: the whole request, a Gateway API duration such as `10s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// `backendRequest`: one request to a backend, retries included separately.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend_request: Option<String>,
}

/// Spec of a [`Gateway`]; see <https://gateway-api.sigs.k8s.io/reference/api-spec/#gatewayspec>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewaySpec {
    /// `gatewayClassName`: the `GatewayClass` that implements the Gateway.
    pub gateway_class_name: String,
    /// `listeners` (at least one; required by the schema, so always serialized).
    pub listeners: Vec<Listener>,
    /// `addresses` requested for the Gateway; assigned by the implementation when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<GatewayAddress>,
    /// `infrastructure`: labels and annotations for the resources the implementation creates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub infrastructure: Option<GatewayInfrastructure>,
}

/// One of `listeners`; see <https://gateway-api.sigs.k8s.io/reference/api-spec/#listener>.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Listener {
    /// `name`, unique in the Gateway; routes select it as `sectionName`.
    pub name: String,
    /// `hostname` the listener accepts (`*.` wildcard allowed); all when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// `port` the listener binds.
    pub port: i32,
    /// `protocol` of the listener.
    pub protocol: ProtocolType,
    /// `tls` settings (`HTTPS` and `TLS` listeners).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ListenerTlsConfig>,
    /// `allowedRoutes`; routes from the Gateway's namespace when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_routes: Option<AllowedRoutes>,
}

string_enum! {
    /// `listeners[].protocol`: the core protocols; see
    /// <https://gateway-api.sigs.k8s.io/reference/api-spec/#protocoltype>.
    ProtocolType { Http = "HTTP", Https = "HTTPS", Tls = "TLS", Tcp = "TCP", Udp = "UDP" }
}

/// `listeners[].tls`; see <https://gateway-api.sigs.k8s.io/reference/api-spec/#listenertlsconfig>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListenerTlsConfig {
    /// `mode`; `Terminate` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<TlsModeType>,
    /// `certificateRefs`: Secrets with the certificate and key (`Terminate` only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificate_refs: Vec<SecretObjectReference>,
    /// `options`: implementation-specific settings.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
}

string_enum! {
    /// `tls.mode`; see <https://gateway-api.sigs.k8s.io/reference/api-spec/#tlsmodetype>.
    TlsModeType { Terminate = "Terminate", Passthrough = "Passthrough" }
}

/// One of `certificateRefs`; see
/// <https://gateway-api.sigs.k8s.io/reference/api-spec/#secretobjectreference>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretObjectReference {
    /// `group`; `""` (core) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// `kind`; `Secret` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `name` of the object.
    pub name: String,
    /// `namespace` (needs a `ReferenceGrant` there); the Gateway's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// `allowedRoutes`; see <https://gateway-api.sigs.k8s.io/reference/api-spec/#allowedroutes>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AllowedRoutes {
    /// `namespaces` whose routes may attach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespaces: Option<RouteNamespaces>,
    /// `kinds` of routes that may attach; those matching the protocol when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<RouteGroupKind>,
}

/// `allowedRoutes.namespaces`; see
/// <https://gateway-api.sigs.k8s.io/reference/api-spec/#routenamespaces>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteNamespaces {
    /// `from`; `Same` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<FromNamespaces>,
    /// `selector` of namespaces, with `from: Selector`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
}

string_enum! {
    /// `namespaces.from`; see <https://gateway-api.sigs.k8s.io/reference/api-spec/#fromnamespaces>.
    FromNamespaces { All = "All", Same = "Same", Selector = "Selector" }
}

/// One of `allowedRoutes.kinds`; see
/// <https://gateway-api.sigs.k8s.io/reference/api-spec/#routegroupkind>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteGroupKind {
    /// `group`; `gateway.networking.k8s.io` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// `kind`, such as `HTTPRoute`.
    pub kind: String,
}

/// One of `addresses`; see <https://gateway-api.sigs.k8s.io/reference/api-spec/#gatewayspecaddress>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayAddress {
    /// `type`; `IPAddress` when absent.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<AddressType>,
    /// `value`: the address.
    pub value: String,
}

string_enum! {
    /// `addresses[].type`; see <https://gateway-api.sigs.k8s.io/reference/api-spec/#addresstype>.
    AddressType { IpAddress = "IPAddress", Hostname = "Hostname" }
}

/// `infrastructure`; see
/// <https://gateway-api.sigs.k8s.io/reference/api-spec/#gatewayinfrastructure>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayInfrastructure {
    /// `labels` for the generated resources.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// `annotations` for the generated resources, such as load balancer settings.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crd::tests::{check_example, meta};
    use serde_json::json;

    #[test]
    fn http_route() {
        let path = |type_, value: &str| HttpRouteMatch {
            path: Some(HttpPathMatch {
                type_: Some(type_),
                value: Some(value.into()),
            }),
            ..Default::default()
        };
        let backend = |name: &str, weight| HttpBackendRef {
            name: name.into(),
            port: Some(8080),
            weight: Some(weight),
            ..Default::default()
        };
        let route = HTTPRoute {
            metadata: meta("shop", Some("shop")),
            spec: HttpRouteSpec {
                parent_refs: vec![ParentReference {
                    name: "public".into(),
                    namespace: Some("gateways".into()),
                    section_name: Some("https".into()),
                    ..Default::default()
                }],
                hostnames: vec!["shop.acme.com".into()],
                rules: vec![
                    HttpRouteRule {
                        name: Some("api".into()),
                        matches: vec![HttpRouteMatch {
                            headers: vec![HttpHeaderMatch {
                                type_: Some(ValueMatchType::Exact),
                                name: "x-canary".into(),
                                value: "true".into(),
                            }],
                            method: Some(HttpMethod::Get),
                            ..path(PathMatchType::PathPrefix, "/api")
                        }],
                        filters: vec![
                            HttpRouteFilter::UrlRewrite {
                                url_rewrite: HttpUrlRewriteFilter {
                                    hostname: None,
                                    path: Some(HttpPathModifier::ReplacePrefixMatch {
                                        replace_prefix_match: "/".into(),
                                    }),
                                },
                            },
                            HttpRouteFilter::ResponseHeaderModifier {
                                response_header_modifier: HttpHeaderFilter {
                                    set: vec![HttpHeader {
                                        name: "Strict-Transport-Security".into(),
                                        value: "max-age=31536000".into(),
                                    }],
                                    remove: vec!["Server".into()],
                                    ..Default::default()
                                },
                            },
                        ],
                        backend_refs: vec![backend("api", 90), backend("api-canary", 10)],
                        timeouts: Some(HttpRouteTimeouts {
                            request: Some("10s".into()),
                            backend_request: Some("5s".into()),
                        }),
                    },
                    HttpRouteRule {
                        matches: vec![path(PathMatchType::Exact, "/old-cart")],
                        filters: vec![HttpRouteFilter::RequestRedirect {
                            request_redirect: HttpRequestRedirectFilter {
                                path: Some(HttpPathModifier::ReplaceFullPath {
                                    replace_full_path: "/cart".into(),
                                }),
                                status_code: Some(301),
                                ..Default::default()
                            },
                        }],
                        ..Default::default()
                    },
                ],
            },
        };
        let backend =
            |name: &str, weight: i32| json!({"name": name, "port": 8080, "weight": weight});
        check_example(
            "gateway-httproute",
            &route,
            &json!({
                "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
                "metadata": {"name": "shop", "namespace": "shop"},
                "spec": {
                    "parentRefs": [{"name": "public", "namespace": "gateways", "sectionName": "https"}],
                    "hostnames": ["shop.acme.com"],
                    "rules": [
                        {
                            "name": "api",
                            "matches": [{
                                "path": {"type": "PathPrefix", "value": "/api"},
                                "headers": [{"type": "Exact", "name": "x-canary", "value": "true"}],
                                "method": "GET"
                            }],
                            "filters": [
                                {"type": "URLRewrite", "urlRewrite": {
                                    "path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/"}}},
                                {"type": "ResponseHeaderModifier", "responseHeaderModifier": {
                                    "set": [{"name": "Strict-Transport-Security", "value": "max-age=31536000"}],
                                    "remove": ["Server"]}}
                            ],
                            "backendRefs": [backend("api", 90), backend("api-canary", 10)],
                            "timeouts": {"request": "10s", "backendRequest": "5s"}
                        },
                        {
                            "matches": [{"path": {"type": "Exact", "value": "/old-cart"}}],
                            "filters": [{"type": "RequestRedirect", "requestRedirect": {
                                "path": {"type": "ReplaceFullPath", "replaceFullPath": "/cart"},
                                "statusCode": 301}}]
                        }
                    ]
                }
            }),
        );
    }

    #[test]
    fn gateway() {
        let gateway = Gateway {
            metadata: meta("public", Some("gateways")),
            spec: GatewaySpec {
                gateway_class_name: "aws-alb".into(),
                listeners: vec![
                    Listener {
                        name: "http".into(),
                        hostname: None,
                        port: 80,
                        protocol: ProtocolType::Http,
                        tls: None,
                        allowed_routes: Some(AllowedRoutes {
                            namespaces: Some(RouteNamespaces {
                                from: Some(FromNamespaces::Same),
                                selector: None,
                            }),
                            kinds: vec![],
                        }),
                    },
                    Listener {
                        name: "https".into(),
                        hostname: Some("*.acme.com".into()),
                        port: 443,
                        protocol: ProtocolType::Https,
                        tls: Some(ListenerTlsConfig {
                            mode: Some(TlsModeType::Terminate),
                            certificate_refs: vec![SecretObjectReference {
                                kind: Some("Secret".into()),
                                name: "acme-com-tls".into(),
                                ..Default::default()
                            }],
                            options: BTreeMap::new(),
                        }),
                        allowed_routes: Some(AllowedRoutes {
                            namespaces: Some(RouteNamespaces {
                                from: Some(FromNamespaces::Selector),
                                selector: Some(LabelSelector {
                                    match_labels: Some(
                                        [("gateway-access".into(), "public".into())].into(),
                                    ),
                                    ..Default::default()
                                }),
                            }),
                            kinds: vec![RouteGroupKind {
                                group: None,
                                kind: "HTTPRoute".into(),
                            }],
                        }),
                    },
                ],
                addresses: vec![],
                infrastructure: Some(GatewayInfrastructure {
                    labels: BTreeMap::new(),
                    annotations: [("example.com/lb-scheme".into(), "internet-facing".into())]
                        .into(),
                }),
            },
        };
        check_example(
            "gateway-gateway",
            &gateway,
            &json!({
                "apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
                "metadata": {"name": "public", "namespace": "gateways"},
                "spec": {
                    "gatewayClassName": "aws-alb",
                    "listeners": [
                        {"name": "http", "port": 80, "protocol": "HTTP",
                         "allowedRoutes": {"namespaces": {"from": "Same"}}},
                        {"name": "https", "hostname": "*.acme.com", "port": 443, "protocol": "HTTPS",
                         "tls": {"mode": "Terminate", "certificateRefs": [{"kind": "Secret", "name": "acme-com-tls"}]},
                         "allowedRoutes": {
                            "namespaces": {"from": "Selector", "selector": {"matchLabels": {"gateway-access": "public"}}},
                            "kinds": [{"kind": "HTTPRoute"}]
                         }}
                    ],
                    "infrastructure": {"annotations": {"example.com/lb-scheme": "internet-facing"}}
                }
            }),
        );
    }
}
