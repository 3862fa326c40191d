//! Service mesh traffic management with Istio: [`TrafficSplit`] serves one Service from several
//! versions of an API ([`WebService`]s), sending each a share of the requests.
//!
//! The routing happens in the Envoy proxy beside each client, configured by the `VirtualService`
//! and `DestinationRule` the split emits: the clients' namespaces need Istio's sidecar injection
//! (with the Istio CNI plugin, so that pods stay within Pod Security `restricted`) or an ambient
//! waypoint. Without a mesh, the split's Service still answers, spreading requests over the pods of
//! every version.
//!
//! ```
//! use girder_constructs::{TrafficSplit, WebService};
//! use girder_core::App;
//! use girder_k8s::KubernetesExt;
//!
//! girder_core::environment!(pub Prod = "prod");
//! girder_k8s::namespace!(pub Shop = "shop");
//!
//! let app = App::new("store");
//! let shop = app.environment(Prod).kubernetes().namespace(Shop);
//! let v1 = WebService::new(&shop, "api-v1").image("ghcr.io/acme/api:1.9.0").port(8080).build();
//! let v2 = WebService::new(&shop, "api-v2").image("ghcr.io/acme/api:2.0.0").port(8080).build();
//! let api = TrafficSplit::new(&shop, "api")
//!     .to(&v1, 90)
//!     .to(&v2, 10)
//!     .header_route("x-api-version", "2", &v2)
//!     .build();
//!
//! // Clients connect to the split like to any server: both versions admit them.
//! let web = WebService::new(&shop, "web").image("ghcr.io/acme/web:3.1.0").port(8080).build();
//! web.env("API_URL", web.connect(&api).url());
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use girder_core::{Construct, Context, Diagnostic, Diagnostics, Emitted, EnvironmentName, Handle};
use girder_k8s::crd::istio::{
    Destination, DestinationRule, DestinationRuleSpec, HttpMatchRequest, HttpRoute,
    HttpRouteDestination, PortSelector, StringMatch, Subset, VirtualService, VirtualServiceSpec,
};
use girder_k8s::k8s_openapi::api::apps::v1::Deployment;
use girder_k8s::k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use girder_k8s::k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPort, NetworkPolicySpec,
};
use girder_k8s::k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use girder_k8s::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use girder_k8s::labels::Labels;
use girder_k8s::{Manifest, Namespace, NamespaceName, NamespaceScope, OnKubernetes};

use crate::WebService;
use crate::wiring::{Client, Connection, Endpoint, InEnvironment, Server};
use crate::workload::{Peer, Port, Protocol};

/// A version a split of namespace `N` in environment `E` can route to: a [`WebService`] of
/// that namespace and environment.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a version of a traffic split in namespace `{N}` of environment `{E}`",
    label = "not a web service of `{N}` in `{E}`",
    note = "a split's Service selects pods of its own namespace only: create the version in `{N}` (or the split in the version's namespace)",
    note = "splits route between versions of one environment: use the version of `{E}`"
)]
pub trait SplitVersion<E, N> {
    /// The version's web service.
    fn service(&self) -> &WebService<E, N>;
}

impl<E, N> SplitVersion<E, N> for WebService<E, N> {
    fn service(&self) -> &WebService<E, N> {
        self
    }
}

/// The domain of the label a split puts on the pods of its versions:
/// `split.girder.dev/<split name>: member`. Its Service selects that label, so a version can be
/// part of several splits.
pub const SPLIT_LABEL_DOMAIN: &str = "split.girder.dev";

/// The value of a split's label on the pods of its versions.
const MEMBER: &str = "member";

/// One Service served by several versions of an API, with Istio routing a share of the requests
/// to each (`to`), and requests that match a header or a path to one version (`header_route`,
/// `path_route`).
///
/// It emits, named after its id:
/// * a `Service` selecting the pods of every version (through a label `split.girder.dev/<name>`
///   that the split adds to each version's pod template), on the versions' port;
/// * a `DestinationRule` with one subset per version, named after the version and selecting its
///   pods by their `app.kubernetes.io/name` and `instance` labels;
/// * a `VirtualService` for the Service's host: the header and path routes in the order given,
///   then the weighted route;
/// * once clients connect, a `NetworkPolicy` admitting them to the pods of every version on the
///   port (each version's own NetworkPolicy admits them too).
///
/// A client connects to the split with `client.connect(&split)`: its address is the split's
/// Service, and every version admits the client in its NetworkPolicy.
///
/// Synth rejects, all at once: weights that do not add up to 100, a version given twice to `to`,
/// versions listening on different ports (or not on [`host_port`](TrafficSplitBuilder::host_port)),
/// a UDP port, an invalid header name or path prefix.
///
/// ```
/// use girder_constructs::{TrafficSplit, WebService};
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
/// let api = TrafficSplit::new(&shop, "api").host_port(8080).to(&v1, 90).to(&v2, 10).build();
/// assert_eq!(api.name(), "api");
/// ```
///
/// A split needs a weighted destination before it is built:
///
/// ```compile_fail
/// # use girder_constructs::{TrafficSplit, WebService};
/// # use girder_k8s::KubernetesExt;
/// # girder_core::environment!(pub Prod = "prod");
/// # girder_k8s::namespace!(pub Shop = "shop");
/// # let app = girder_core::App::new("store");
/// # let shop = app.environment(Prod).kubernetes().namespace(Shop);
/// let v2 = WebService::new(&shop, "api-v2").image("ghcr.io/acme/api:2.0.0").port(8080).build();
/// TrafficSplit::new(&shop, "api").header_route("x-api-version", "2", &v2).build();
/// ```
///
/// And its versions are services of its own namespace, since a Service selects pods of its
/// namespace only:
///
/// ```compile_fail
/// # use girder_constructs::{TrafficSplit, WebService};
/// # use girder_k8s::KubernetesExt;
/// # girder_core::environment!(pub Prod = "prod");
/// # girder_k8s::namespace!(pub Shop = "shop");
/// # girder_k8s::namespace!(pub Other = "other");
/// # let app = girder_core::App::new("store");
/// # let k8s = app.environment(Prod).kubernetes();
/// let v1 = WebService::new(&k8s.namespace(Other), "api-v1")
///     .image("ghcr.io/acme/api:1.9.0").port(8080).build();
/// TrafficSplit::new(&k8s.namespace(Shop), "api").to(&v1, 100).build();
/// ```
pub struct TrafficSplit<E, N> {
    handle: Handle<TrafficSplitSpec>,
    name: String,
    /// Every version, each once, in the order first given; never empty.
    versions: Vec<WebService<E, N>>,
}

impl<E, N> Clone for TrafficSplit<E, N> {
    fn clone(&self) -> Self {
        TrafficSplit {
            handle: self.handle.clone(),
            name: self.name.clone(),
            versions: self.versions.clone(),
        }
    }
}

impl<E, N> fmt::Debug for TrafficSplit<E, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TrafficSplit({})", self.handle.path())
    }
}

/// The model of a [`TrafficSplit`].
#[derive(Debug)]
pub struct TrafficSplitSpec {
    name: String,
    namespace: String,
    host_port: Option<u16>,
    versions: Vec<Version>,
    /// `(index in versions, weight)`, in the order given.
    weights: Vec<(usize, u8)>,
    /// `(condition, index in versions)`, in the order given.
    matches: Vec<(Match, usize)>,
    clients: Vec<Client>,
}

/// What the split knows of one version.
#[derive(Debug, Clone)]
struct Version {
    path: String,
    name: String,
    port: Port,
    selector: BTreeMap<String, String>,
}

/// A condition that sends a request to one version.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Match {
    Header { name: String, value: String },
    PathPrefix(String),
}

/// Builder state of a [`TrafficSplitBuilder`] without a weighted destination yet.
#[derive(Debug)]
pub struct NoDestination;

/// Builder state of a [`TrafficSplitBuilder`] with at least one weighted destination.
#[derive(Debug)]
pub struct HasDestination;

/// The builder states in which a [`TrafficSplit`] can be built.
#[diagnostic::on_unimplemented(
    message = "the traffic split has no weighted destination yet",
    label = "`build()` needs a destination",
    note = "add the versions and their share of the requests first, e.g. `.to(&v1, 90).to(&v2, 10)`"
)]
pub trait Buildable {}

impl Buildable for HasDestination {}

/// Builds a [`TrafficSplit`]; start with [`TrafficSplit::new`].
#[must_use = "call `.build()` to add the traffic split to the app"]
pub struct TrafficSplitBuilder<E, N, S = NoDestination> {
    namespace: Namespace<E, N>,
    /// The node it is added under, and its object name (see `NamespaceScope`).
    parent: girder_core::NodeId,
    name: String,
    id: String,
    host_port: Option<u16>,
    versions: Vec<WebService<E, N>>,
    weights: Vec<(usize, u8)>,
    matches: Vec<(Match, usize)>,
    _state: PhantomData<fn() -> S>,
}

impl<E: EnvironmentName, N: OnKubernetes, S> fmt::Debug for TrafficSplitBuilder<E, N, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TrafficSplitBuilder({}/{}/{})",
            E::NAME,
            N::NAME,
            self.id
        )
    }
}

impl<E: EnvironmentName, N: OnKubernetes> TrafficSplit<E, N> {
    /// Starts a split with id `id` in `namespace`; at least one [`to`](TrafficSplitBuilder::to)
    /// is required before [`build`](TrafficSplitBuilder::build).
    // `new` starts a builder whose `build` returns the construct, as the other constructs do.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(
        scope: &impl NamespaceScope<Env = E, Ns = N>,
        id: impl Into<String>,
    ) -> TrafficSplitBuilder<E, N> {
        let id = id.into();
        TrafficSplitBuilder {
            namespace: scope.namespace().clone(),
            parent: scope.parent(),
            name: scope.object_name(&id),
            id,
            host_port: None,
            versions: Vec::new(),
            weights: Vec::new(),
            matches: Vec::new(),
            _state: PhantomData,
        }
    }
}

impl<E: EnvironmentName, N: OnKubernetes, S> TrafficSplitBuilder<E, N, S> {
    fn member(&mut self, version: &WebService<E, N>) -> usize {
        let node = version.handle().node();
        match self.versions.iter().position(|v| {
            v.handle().node() == node && v.handle().app().same(version.handle().app())
        }) {
            Some(i) => i,
            None => {
                self.versions.push(version.clone());
                self.versions.len() - 1
            }
        }
    }

    fn state<T>(self) -> TrafficSplitBuilder<E, N, T> {
        TrafficSplitBuilder {
            namespace: self.namespace,
            parent: self.parent,
            name: self.name,
            id: self.id,
            host_port: self.host_port,
            versions: self.versions,
            weights: self.weights,
            matches: self.matches,
            _state: PhantomData,
        }
    }

    /// Sends `weight` percent of the requests no header or path route takes to `version`. The
    /// weights of a split add up to 100; a weight of 0 keeps a version ready without traffic.
    pub fn to(
        mut self,
        version: &impl SplitVersion<E, N>,
        weight: u8,
    ) -> TrafficSplitBuilder<E, N, HasDestination> {
        let i = self.member(version.service());
        self.weights.push((i, weight));
        self.state()
    }

    /// Sends every request whose header `name` (lowercase, e.g. `x-api-version`) is exactly
    /// `value` to `version`, before the weighted route applies.
    pub fn header_route(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
        version: &impl SplitVersion<E, N>,
    ) -> Self {
        let i = self.member(version.service());
        let (name, value) = (name.into(), value.into());
        self.matches.push((Match::Header { name, value }, i));
        self
    }

    /// Sends every request whose path starts with `prefix` (e.g. `/api/v2`) to `version`, before
    /// the weighted route applies.
    pub fn path_route(
        mut self,
        prefix: impl Into<String>,
        version: &impl SplitVersion<E, N>,
    ) -> Self {
        let i = self.member(version.service());
        self.matches.push((Match::PathPrefix(prefix.into()), i));
        self
    }

    /// The port the split serves on, which every version must listen on (default: the port of
    /// the first version given). Setting it states what clients rely on: a version listening
    /// elsewhere is a synth error.
    pub fn host_port(mut self, port: u16) -> Self {
        self.host_port = Some(port);
        self
    }

    /// Adds the split to the app: its Service, DestinationRule and VirtualService, and the label
    /// that its Service selects on the pods of every version.
    pub fn build(self) -> TrafficSplit<E, N>
    where
        S: Buildable,
    {
        let namespace = self.namespace;
        let app = namespace.app();
        let name = self.name;
        let label = format!("{SPLIT_LABEL_DOMAIN}/{name}");
        let versions: Vec<Version> = self
            .versions
            .iter()
            .map(|v| {
                let path = v.handle().path();
                Version {
                    selector: Labels::selector_of(&path, v.name()),
                    path: path.to_string(),
                    name: v.name().to_owned(),
                    port: v.port().as_port().clone(),
                }
            })
            .collect();
        let spec = TrafficSplitSpec {
            name: name.clone(),
            namespace: N::NAME.to_owned(),
            host_port: self.host_port,
            versions,
            weights: self.weights,
            matches: self.matches,
            clients: Vec::new(),
        };
        let handle = app.add(self.parent, self.id, spec);
        for version in &self.versions {
            if !version.handle().app().same(app) {
                app.report(
                    Diagnostic::error(
                        handle.path().as_str(),
                        format!("version `{}` is a service of another app", version.name()),
                    )
                    .hint("create the versions in the same `App` as the traffic split"),
                );
                continue;
            }
            let label = label.clone();
            version.edit(move |d: &mut Deployment| {
                if let Some(spec) = d.spec.as_mut() {
                    spec.template
                        .metadata
                        .get_or_insert_with(Default::default)
                        .labels
                        .get_or_insert_with(Default::default)
                        .insert(label.clone(), MEMBER.to_owned());
                }
            });
        }
        TrafficSplit {
            handle,
            name,
            versions: self.versions,
        }
    }
}

impl<E: EnvironmentName, N: OnKubernetes> TrafficSplit<E, N> {
    /// The name of its Service, DestinationRule and VirtualService.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The namespace of the split and its versions.
    pub fn namespace(&self) -> &'static str {
        N::NAME
    }

    /// The handle to its model in the tree.
    pub fn handle(&self) -> &Handle<TrafficSplitSpec> {
        &self.handle
    }

    /// The port clients connect to: the versions' port.
    pub fn port(&self) -> &Port {
        self.versions[0].port().as_port()
    }

    /// The label the split's Service selects, which the split puts on the pods of its versions.
    pub fn pod_label(&self) -> (String, String) {
        (
            format!("{SPLIT_LABEL_DOMAIN}/{}", self.name),
            MEMBER.to_owned(),
        )
    }
}

impl<E: EnvironmentName, N: OnKubernetes> Server for TrafficSplit<E, N> {
    type Connection<C, M> = Connection<C>;

    /// The split's Service, selecting the pods of every version on their port.
    fn endpoint(&self) -> Endpoint {
        let path = self.handle.path();
        let mut endpoint = self.versions[0].endpoint();
        endpoint.node = self.handle.node();
        endpoint.path = path.to_string();
        endpoint.selector = BTreeMap::from([self.pod_label()]);
        endpoint.host = N::host(&self.name);
        endpoint
    }

    /// Admits `client` in the NetworkPolicy of every version, and in the split's own.
    fn admit(&self, client: Client) {
        for version in &self.versions {
            version.admit(client.clone());
        }
        self.handle.update(|s| s.clients.push(client));
    }

    fn connection<C, M: NamespaceName>(&self, connection: Connection<C>) -> Connection<C> {
        connection
    }
}

impl<E, N> InEnvironment<E> for TrafficSplit<E, N> {}

fn describe(port: &Port) -> String {
    let service = if port.service_number() == port.number() {
        String::new()
    } else {
        format!(" (Service port {})", port.service_number())
    };
    format!(
        "`{}` {}/{}{service}",
        port.name(),
        port.number(),
        port.protocol().as_str()
    )
}

impl TrafficSplitSpec {
    fn host(&self) -> String {
        format!("{}.{}.svc.cluster.local", self.name, self.namespace)
    }

    /// The port the split serves: the first version's, with the number of `host_port` if set.
    /// Its Service listens on the versions' Service port (`Port::service_port`), as each
    /// version's own Service does, so that a client's address is the same through either.
    fn port(&self) -> Option<Port> {
        let first = &self.versions.first()?.port;
        let number = self.host_port.unwrap_or(first.number());
        let port = match first.protocol() {
            Protocol::Tcp => Port::tcp(first.name(), number),
            Protocol::Udp => Port::udp(first.name(), number),
        };
        Some(if first.service_number() == first.number() {
            port
        } else {
            port.service_port(first.service_number())
        })
    }

    fn destination(&self, version: usize, weight: Option<u8>) -> HttpRouteDestination {
        HttpRouteDestination {
            destination: Destination {
                host: self.host(),
                subset: Some(self.versions[version].name.clone()),
                port: self.port().map(|p| PortSelector {
                    number: p.service_number().into(),
                }),
            },
            weight: weight.map(i32::from),
            headers: None,
        }
    }
}

impl Construct for TrafficSplitSpec {
    fn kind(&self) -> &'static str {
        "TrafficSplit"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        let path = cx.path.as_str();
        let total: u32 = self.weights.iter().map(|(_, w)| u32::from(*w)).sum();
        if total != 100 {
            let shares: Vec<String> = self
                .weights
                .iter()
                .map(|(i, w)| format!("`{}` {w}", self.versions[*i].name))
                .collect();
            diags.push(
                Diagnostic::error(
                    path,
                    format!("the weights add up to {total}, not 100 ({})", shares.join(", ")),
                )
                .hint("give each version its percentage of the requests, e.g. `.to(&v1, 90).to(&v2, 10)`"),
            );
        }
        for (n, (i, _)) in self.weights.iter().enumerate() {
            if self.weights[..n].iter().any(|(j, _)| j == i) {
                diags.push(
                    Diagnostic::error(
                        path,
                        format!("`{}` is given a weight twice", self.versions[*i].name),
                    )
                    .hint("call `.to(&version, weight)` once per version, with its whole share"),
                );
            }
        }
        if let Some(port) = self.port() {
            for v in &self.versions {
                if v.port != port {
                    diags.push(
                        Diagnostic::error(
                            path,
                            format!(
                                "`{}` listens on {}, but the split serves {}",
                                v.path,
                                describe(&v.port),
                                describe(&port)
                            ),
                        )
                        .cause("clients connect to one port of the split's Service, whichever version answers")
                        .hint("make every version listen on the same port, with the same name"),
                    );
                }
            }
            if port.protocol() == Protocol::Udp {
                diags.push(
                    Diagnostic::error(path, format!("the split's port {} is UDP", describe(&port)))
                        .hint("Istio routes HTTP by weight: split a service that serves HTTP over TCP"),
                );
            }
        }
        for (m, _) in &self.matches {
            match m {
                Match::Header { name, value } => {
                    let valid = !name.is_empty()
                        && name.bytes().all(|c| {
                            c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_'
                        });
                    if !valid {
                        diags.push(
                            Diagnostic::error(path, format!("invalid header name `{name}`"))
                                .hint("Istio matches lowercase header names: letters, digits, '-' and '_', e.g. `x-api-version`"),
                        );
                    }
                    if value.is_empty() {
                        diags.push(
                            Diagnostic::error(path, format!("header route `{name}` matches an empty value"))
                                .hint("match the exact value clients send, e.g. `.header_route(\"x-api-version\", \"2\", &v2)`"),
                        );
                    }
                }
                Match::PathPrefix(prefix) => {
                    if !prefix.starts_with('/') || prefix.chars().any(char::is_whitespace) {
                        diags.push(
                            Diagnostic::error(
                                path,
                                format!("path route `{prefix}` is not an absolute URL path"),
                            )
                            .hint("start the prefix with '/' and leave out spaces, e.g. `/api/v2`"),
                        );
                    }
                }
            }
        }
        for (n, (m, _)) in self.matches.iter().enumerate() {
            if self.matches[..n].iter().any(|(o, _)| o == m) {
                let what = match m {
                    Match::Header { name, value } => format!("header `{name}: {value}`"),
                    Match::PathPrefix(prefix) => format!("path `{prefix}`"),
                };
                diags.push(
                    Diagnostic::warning(
                        path,
                        format!("{what} is routed twice: the first route wins"),
                    )
                    .hint("route each header value or path prefix to one version"),
                );
            }
        }
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        let Some(port) = self.port() else { return };
        let labels = Labels::new(cx, &self.name, "traffic-split");
        let meta = ObjectMeta {
            name: Some(self.name.clone()),
            namespace: Some(self.namespace.clone()),
            labels: Some(labels.all()),
            ..Default::default()
        };
        let selector = BTreeMap::from([(
            format!("{SPLIT_LABEL_DOMAIN}/{}", self.name),
            MEMBER.to_owned(),
        )]);
        out.emit(Manifest::new(Service {
            metadata: meta.clone(),
            spec: Some(ServiceSpec {
                type_: Some("ClusterIP".into()),
                selector: Some(selector.clone()),
                ports: Some(vec![ServicePort {
                    name: Some(port.name().to_owned()),
                    port: port.service_number().into(),
                    target_port: Some(IntOrString::String(port.name().to_owned())),
                    protocol: Some(port.protocol().as_str().into()),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        }));
        out.emit(Manifest::new(DestinationRule {
            metadata: meta.clone(),
            spec: DestinationRuleSpec {
                host: self.host(),
                subsets: self
                    .versions
                    .iter()
                    .map(|v| Subset {
                        name: v.name.clone(),
                        labels: v.selector.clone(),
                        traffic_policy: None,
                    })
                    .collect(),
                ..Default::default()
            },
        }));
        let mut http: Vec<HttpRoute> = self
            .matches
            .iter()
            .map(|(m, version)| {
                let condition = match m {
                    Match::Header { name, value } => HttpMatchRequest {
                        headers: BTreeMap::from([(
                            name.clone(),
                            StringMatch::Exact(value.clone()),
                        )]),
                        ..Default::default()
                    },
                    Match::PathPrefix(prefix) => HttpMatchRequest {
                        uri: Some(StringMatch::Prefix(prefix.clone())),
                        ..Default::default()
                    },
                };
                HttpRoute {
                    match_: vec![condition],
                    route: vec![self.destination(*version, None)],
                    ..Default::default()
                }
            })
            .collect();
        http.push(HttpRoute {
            route: self
                .weights
                .iter()
                .map(|(version, weight)| self.destination(*version, Some(*weight)))
                .collect(),
            ..Default::default()
        });
        out.emit(Manifest::new(VirtualService {
            metadata: meta.clone(),
            spec: VirtualServiceSpec {
                hosts: vec![self.host()],
                http,
                ..Default::default()
            },
        }));
        if !self.clients.is_empty() {
            let from = self
                .clients
                .iter()
                .map(|c| {
                    Peer::NamespacePods {
                        namespace: c.namespace.to_owned(),
                        labels: c.selector.clone(),
                    }
                    .to_k8s()
                })
                .collect();
            out.emit(Manifest::new(NetworkPolicy {
                metadata: meta,
                spec: Some(NetworkPolicySpec {
                    pod_selector: Some(LabelSelector {
                        match_labels: Some(selector),
                        ..Default::default()
                    }),
                    policy_types: Some(vec!["Ingress".into()]),
                    ingress: Some(vec![NetworkPolicyIngressRule {
                        from: Some(from),
                        ports: Some(vec![NetworkPolicyPort {
                            port: Some(IntOrString::Int(port.number().into())),
                            protocol: Some(port.protocol().as_str().into()),
                            ..Default::default()
                        }]),
                    }]),
                    egress: None,
                }),
            }));
        }
    }
}
