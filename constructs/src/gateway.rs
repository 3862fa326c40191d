//! The Gateway API option for ingress: [`HttpRoute`] attaches a namespace's services to a
//! `Gateway` that the platform runs (Istio, Envoy Gateway, a cloud load balancer...).
//!
//! ```
//! use girder_constructs::{HttpRoute, WebService};
//! use girder_core::App;
//! use girder_k8s::KubernetesExt;
//!
//! girder_core::environment!(pub Prod = "prod");
//! girder_k8s::namespace!(pub Shop = "shop");
//!
//! let app = App::new("store");
//! let shop = app.environment(Prod).kubernetes().namespace(Shop);
//! let v1 = WebService::new(&shop, "api-v1").image("ghcr.io/acme/api:1.9.0").port(8080).build();
//! HttpRoute::new(&shop, "public")
//!     .gateway("istio-ingress", "istio-system", Some("https"))
//!     .host("api.example.com")
//!     .build()
//!     .route("/v1", &v1);
//! ```

use std::fmt;
use std::marker::PhantomData;

use girder_core::{
    Construct, Context, Diagnostic, Diagnostics, Emitted, EnvironmentName, Handle, name,
};
use girder_k8s::crd::gateway::{
    HTTPRoute, HttpBackendRef, HttpPathMatch, HttpRouteMatch, HttpRouteRule, HttpRouteSpec,
    ParentReference, PathMatchType,
};
use girder_k8s::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use girder_k8s::labels::Labels;
use girder_k8s::{Manifest, NamespaceScope, OnKubernetes};

use crate::WebService;
use crate::workload::Peer;

/// The label that in-cluster Gateway implementations put on the pods they deploy for a
/// `Gateway`, with the Gateway's name as its value (GEP-1762; Istio, Envoy Gateway and others).
pub const GATEWAY_NAME_LABEL: &str = "gateway.networking.k8s.io/gateway-name";

/// A service an [`HttpRoute`] of namespace `N` in environment `E` can send requests to.
#[diagnostic::on_unimplemented(
    message = "an HTTPRoute of namespace `{N}` cannot route to `{Self}`",
    label = "not a service of namespace `{N}` in `{E}`",
    note = "a backend in another namespace needs a ReferenceGrant there: create an HttpRoute in the service's namespace, or route to a service of `{N}`"
)]
pub trait HttpBackend<E, N> {
    /// The service.
    fn web_service(&self) -> &WebService<E, N>;
}

impl<E, N> HttpBackend<E, N> for WebService<E, N> {
    fn web_service(&self) -> &WebService<E, N> {
        self
    }
}

/// The `Gateway` an [`HttpRoute`] attaches to: what its builder's `gateway` setter takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayRef {
    name: String,
    namespace: String,
    listener: Option<String>,
}

impl GatewayRef {
    /// The Gateway `name` in `namespace`, through its listener named `listener` (`None`: every
    /// listener that accepts the route).
    pub fn new(
        name: impl Into<String>,
        namespace: impl Into<String>,
        listener: Option<&str>,
    ) -> GatewayRef {
        GatewayRef {
            name: name.into(),
            namespace: namespace.into(),
            listener: listener.map(str::to_owned),
        }
    }
}

/// A Gateway API `HTTPRoute`: requests for a host that a `Gateway` (run by the platform, in
/// another namespace) receives are sent to services of this namespace by path prefix. Each
/// [`HttpRoute::route`] also admits the Gateway's pods in the routed service's NetworkPolicy, on
/// its port only.
///
/// The Gateway's pods are found in the Gateway's namespace by the label
/// `gateway.networking.k8s.io/gateway-name: <gateway>` ([`GATEWAY_NAME_LABEL`]), which Istio and
/// other implementations put on the pods they deploy; set
/// [`gateway_pods`](HttpRouteCreateBuilder::gateway_pods) for a Gateway deployed otherwise (e.g.
/// `istio: ingressgateway`). The Gateway's listener must allow routes from this namespace
/// (`allowedRoutes`): that is the platform's side.
///
/// ```
/// use girder_constructs::{HttpRoute, WebService};
/// use girder_core::App;
/// use girder_k8s::KubernetesExt;
///
/// girder_core::environment!(pub Prod = "prod");
/// girder_k8s::namespace!(pub Shop = "shop");
///
/// let app = App::new("store");
/// let shop = app.environment(Prod).kubernetes().namespace(Shop);
/// let v1 = WebService::new(&shop, "api-v1").image("ghcr.io/acme/api:1.9.0").port(8080).build();
/// let v2 = WebService::new(&shop, "api-v2").image("ghcr.io/acme/api:2.0.0").port(8080).build();
/// let public = HttpRoute::new(&shop, "public")
///     .gateway("ingress", "istio-system", Some("https"))
///     .gateway_pods("istio", "ingressgateway")
///     .host("api.example.com")
///     .build();
/// public.route("/v1", &v1).route("/v2", &v2);
/// ```
///
/// A route to a service of another namespace does not compile:
///
/// ```compile_fail
/// # use girder_constructs::{HttpRoute, WebService};
/// # use girder_k8s::KubernetesExt;
/// # girder_core::environment!(pub Prod = "prod");
/// # girder_k8s::namespace!(pub Shop = "shop");
/// # girder_k8s::namespace!(pub Other = "other");
/// # let app = girder_core::App::new("store");
/// # let k8s = app.environment(Prod).kubernetes();
/// let api = WebService::new(&k8s.namespace(Other), "api")
///     .image("ghcr.io/acme/api:1.9.0").port(8080).build();
/// HttpRoute::new(&k8s.namespace(Shop), "public")
///     .gateway("ingress", "istio-system", None)
///     .build()
///     .route("/", &api);
/// ```
pub struct HttpRoute<E, N> {
    handle: Handle<HttpRouteSpecModel>,
    name: String,
    _scope: PhantomData<fn() -> (E, N)>,
}

impl<E, N> Clone for HttpRoute<E, N> {
    fn clone(&self) -> Self {
        HttpRoute {
            handle: self.handle.clone(),
            name: self.name.clone(),
            _scope: PhantomData,
        }
    }
}

impl<E, N> fmt::Debug for HttpRoute<E, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HttpRoute({})", self.handle.path())
    }
}

/// The model of an [`HttpRoute`].
#[derive(Debug)]
pub struct HttpRouteSpecModel {
    name: String,
    namespace: String,
    gateway: GatewayRef,
    /// A label of the Gateway's pods.
    pods: (String, String),
    host: Option<String>,
    routes: Vec<Route>,
}

#[derive(Debug)]
struct Route {
    path: String,
    service: String,
    port: u16,
}

// `new` starts a builder whose `build` returns the construct, as bon builders do.
#[allow(clippy::new_ret_no_self)]
#[bon::bon]
impl<E: EnvironmentName, N: OnKubernetes> HttpRoute<E, N> {
    /// Starts a route with id `id` in `namespace`; the `gateway` is required.
    #[builder(start_fn = new, finish_fn = build)]
    pub fn create(
        #[builder(start_fn)] scope: &impl NamespaceScope<Env = E, Ns = N>,
        #[builder(start_fn, into)] id: String,
        /// The Gateway to attach to: its name, its namespace, and the name of one of its
        /// listeners (`None`: every listener that accepts the route).
        #[builder(with = |name: impl Into<String>, namespace: impl Into<String>, listener: Option<&str>| {
            GatewayRef::new(name, namespace, listener)
        })]
        gateway: GatewayRef,
        /// A label of the Gateway's pods, in the Gateway's namespace (default:
        /// `gateway.networking.k8s.io/gateway-name: <gateway name>`).
        #[builder(with = |key: impl Into<String>, value: impl Into<String>| (key.into(), value.into()))]
        gateway_pods: Option<(String, String)>,
        /// The host name requests must be for, e.g. `api.example.com` or `*.example.com`
        /// (default: every host the listener accepts).
        #[builder(into)]
        host: Option<String>,
    ) -> HttpRoute<E, N> {
        let namespace = scope.namespace();
        let pods =
            gateway_pods.unwrap_or_else(|| (GATEWAY_NAME_LABEL.to_owned(), gateway.name.clone()));
        let name = scope.object_name(&id);
        let spec = HttpRouteSpecModel {
            name: name.clone(),
            namespace: N::NAME.to_owned(),
            gateway,
            pods,
            host,
            routes: Vec::new(),
        };
        HttpRoute {
            handle: namespace.app().add(scope.parent(), id, spec),
            name,
            _scope: PhantomData,
        }
    }
}

impl<E: EnvironmentName, N: OnKubernetes> HttpRoute<E, N> {
    /// Sends requests whose path starts with `path` to `service` (of the same namespace), and
    /// admits the Gateway's pods in `service`'s NetworkPolicy, on its port.
    pub fn route(&self, path: impl Into<String>, service: &impl HttpBackend<E, N>) -> &Self {
        let service = service.web_service();
        let path = path.into();
        if !service.handle().app().same(self.handle.app()) {
            self.handle.app().report(
                Diagnostic::error(
                    self.handle.path().as_str(),
                    format!("route `{path}` goes to a service of another app"),
                )
                .hint("create the service in the same `App` as the route"),
            );
            return self;
        }
        let peer = self.handle.update(|s| {
            s.routes.push(Route {
                path,
                service: service.name().to_owned(),
                port: service.port().service_number(),
            });
            Peer::NamespacePods {
                namespace: s.gateway.namespace.clone(),
                labels: [s.pods.clone()].into(),
            }
        });
        service.allow_from(peer);
        self
    }

    /// The name of the emitted `HTTPRoute`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The namespace of the route and its services.
    pub fn namespace(&self) -> &'static str {
        N::NAME
    }

    /// The handle to its model in the tree.
    pub fn handle(&self) -> &Handle<HttpRouteSpecModel> {
        &self.handle
    }
}

impl Construct for HttpRouteSpecModel {
    fn kind(&self) -> &'static str {
        "HttpRoute"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        let path = cx.path.as_str();
        let gateway = &self.gateway;
        if !name::is_dns1123_subdomain(&gateway.name) {
            diags.push(
                Diagnostic::error(
                    path,
                    format!("`{}` is not a valid Gateway name", gateway.name),
                )
                .hint("a Gateway's name is a lowercase DNS name, e.g. `public`"),
            );
        }
        if !name::is_dns1123_label(&gateway.namespace) {
            diags.push(
                Diagnostic::error(
                    path,
                    format!("`{}` is not a valid namespace name", gateway.namespace),
                )
                .hint("the Gateway's namespace is a DNS-1123 label, e.g. `istio-system`"),
            );
        }
        if let Some(listener) = &gateway.listener
            && !name::is_dns1123_subdomain(listener)
        {
            diags.push(
                Diagnostic::error(path, format!("`{listener}` is not a valid listener name"))
                    .hint("name a listener of the Gateway as it declares it, e.g. `https`, or pass `None` for every listener"),
            );
        }
        if let Some(host) = &self.host {
            let bare = host.strip_prefix("*.").unwrap_or(host);
            if !name::is_dns1123_subdomain(bare) {
                diags.push(
                    Diagnostic::error(path, format!("`{host}` is not a valid host name"))
                        .hint("use a lowercase DNS name such as `api.example.com`, or a wildcard such as `*.example.com`"),
                );
            }
        }
        if self.routes.is_empty() {
            diags.push(
                Diagnostic::error(path, "the HTTPRoute has no route")
                    .hint("add one with `.route(\"/\", &service)`, or remove the HTTPRoute"),
            );
        }
        for (i, r) in self.routes.iter().enumerate() {
            if !r.path.starts_with('/') || r.path.chars().any(char::is_whitespace) {
                diags.push(
                    Diagnostic::error(
                        path,
                        format!("route path `{}` is not an absolute URL path", r.path),
                    )
                    .hint("start the path prefix with '/' and leave out spaces, e.g. `/api`"),
                );
            }
            if self.routes[..i].iter().any(|o| o.path == r.path) {
                diags.push(
                    Diagnostic::error(path, format!("route path `{}` is routed twice", r.path))
                        .hint("route each path prefix to one service"),
                );
            }
        }
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        let labels = Labels::new(cx, &self.name, "http-route");
        let rules = self
            .routes
            .iter()
            .map(|r| HttpRouteRule {
                matches: vec![HttpRouteMatch {
                    path: Some(HttpPathMatch {
                        type_: Some(PathMatchType::PathPrefix),
                        value: Some(r.path.clone()),
                    }),
                    ..Default::default()
                }],
                backend_refs: vec![HttpBackendRef {
                    name: r.service.clone(),
                    port: Some(r.port.into()),
                    ..Default::default()
                }],
                ..Default::default()
            })
            .collect();
        out.emit(Manifest::new(HTTPRoute {
            metadata: ObjectMeta {
                name: Some(self.name.clone()),
                namespace: Some(self.namespace.clone()),
                labels: Some(labels.all()),
                ..Default::default()
            },
            spec: HttpRouteSpec {
                parent_refs: vec![ParentReference {
                    name: self.gateway.name.clone(),
                    namespace: Some(self.gateway.namespace.clone()),
                    section_name: self.gateway.listener.clone(),
                    ..Default::default()
                }],
                hostnames: self.host.iter().cloned().collect(),
                rules,
            },
        }));
    }
}
