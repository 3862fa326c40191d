//! [`WebService`]: a stateless HTTP service, production-ready by default.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::ops::RangeInclusive;
use std::rc::Rc;

use bon::bon;
use girder_core::{
    Construct, Context, Diagnostic, Diagnostics, Emitted, EnvironmentName, Handle, NodeId,
};
use girder_k8s::k8s_openapi::Resource;
use girder_k8s::k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment,
};
use girder_k8s::k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, MetricSpec,
    MetricTarget, ResourceMetricSource,
};
use girder_k8s::k8s_openapi::api::core::v1::{
    Capabilities, Container, ContainerPort, EmptyDirVolumeSource, PodSecurityContext, PodSpec,
    PodTemplateSpec, SeccompProfile, SecurityContext, Service, ServiceAccount, ServicePort,
    ServiceSpec, TopologySpreadConstraint, Volume, VolumeMount,
};
use girder_k8s::k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use girder_k8s::k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use girder_k8s::k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use girder_k8s::k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use girder_k8s::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use girder_k8s::labels::Labels;
use girder_k8s::quantity::Resources;
use girder_k8s::{Manifest, NamespaceName, NamespaceScope, Object, Overrides};

use crate::wiring::{Client, Connection, Endpoint, EnvValue, InEnvironment, IntoEnv, Server};
use crate::workload::{Peer, Port, Probe, env_to_k8s, validate_env};

/// How many pods run: a fixed number, or a range the HorizontalPodAutoscaler scales within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replicas {
    min: u32,
    max: u32,
}

impl Replicas {
    /// Exactly `n` pods, no autoscaler.
    pub fn fixed(n: u32) -> Replicas {
        Replicas { min: n, max: n }
    }

    /// From `min` to `max` pods, scaled by a HorizontalPodAutoscaler.
    pub fn autoscaled(min: u32, max: u32) -> Replicas {
        Replicas { min, max }
    }
}

impl From<u32> for Replicas {
    fn from(n: u32) -> Replicas {
        Replicas::fixed(n)
    }
}

impl From<RangeInclusive<u32>> for Replicas {
    fn from(r: RangeInclusive<u32>) -> Replicas {
        Replicas::autoscaled(*r.start(), *r.end())
    }
}

/// The UID and GID pods run as unless [`WebService`]'s `run_as` says otherwise.
pub const DEFAULT_UID: i64 = 10001;

/// A stateless HTTP service: Deployment, Service, HorizontalPodAutoscaler, PodDisruptionBudget,
/// ServiceAccount and NetworkPolicy, secure by default.
///
/// Defaults, each the safe choice:
/// * 2 to 10 replicas, scaled at 70 % CPU; a PodDisruptionBudget of at most one pod unavailable;
///   rolling updates that never take a ready pod away before its replacement is ready.
/// * Pods run as UID/GID 10001, non-root, read-only root filesystem (an `emptyDir` at `/tmp`),
///   all capabilities dropped, no privilege escalation, seccomp `RuntimeDefault`, no service
///   account token mounted.
/// * Resources from the `DefaultResources` aspect (100m/500m CPU, 128Mi/256Mi memory) unless set.
/// * TCP readiness and liveness probes on the port unless set.
/// * A NetworkPolicy that admits only the peers given to [`WebService::allow_from`] on the port,
///   and lets the pods reach only cluster DNS and the peers given to [`WebService::allow_to`].
///
/// ```
/// use girder_constructs::{WebService, Probe};
/// use girder_core::App;
/// use girder_k8s::KubernetesExt;
///
/// girder_core::environment!(pub Prod = "prod");
/// girder_k8s::namespace!(pub Web = "web");
///
/// let app = App::new("shop");
/// let ns = app.environment(Prod).kubernetes().namespace(Web);
/// let api = WebService::new(&ns, "api")
///     .image("ghcr.io/acme/api:1.4.2")
///     .port(8080)
///     .replicas(3..=10)
///     .readiness(Probe::http("/ready"))
///     .build();
/// api.env("LOG_LEVEL", "info");
/// assert_eq!(api.name(), "api");
/// ```
///
/// A service without an image or a port does not compile:
///
/// ```compile_fail
/// # use girder_constructs::WebService;
/// # use girder_core::App;
/// # use girder_k8s::KubernetesExt;
/// # girder_core::environment!(pub Prod = "prod");
/// # girder_k8s::namespace!(pub Web = "web");
/// # let ns = App::new("shop").environment(Prod).kubernetes().namespace(Web);
/// let api = WebService::new(&ns, "api").port(8080).build();
/// ```
///
/// Nor does one created outside a namespace:
///
/// ```compile_fail
/// # use girder_constructs::WebService;
/// # use girder_core::App;
/// # use girder_k8s::KubernetesExt;
/// # girder_core::environment!(pub Prod = "prod");
/// let k8s = App::new("shop").environment(Prod).kubernetes();
/// let api = WebService::new(&k8s, "api").image("ghcr.io/acme/api:1.4.2").port(8080).build();
/// ```
pub struct WebService<E, N> {
    handle: Handle<WebServiceSpec>,
    name: String,
    port: Port,
    _scope: PhantomData<fn() -> (E, N)>,
}

impl<E, N> Clone for WebService<E, N> {
    fn clone(&self) -> Self {
        WebService {
            handle: self.handle.clone(),
            name: self.name.clone(),
            port: self.port.clone(),
            _scope: PhantomData,
        }
    }
}

impl<E: EnvironmentName, N: NamespaceName> fmt::Debug for WebService<E, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WebService({})", self.handle.path())
    }
}

/// A connection this service opens, as its model keeps it.
#[derive(Debug, Clone)]
struct Edge {
    server: NodeId,
    server_path: String,
    peer: Peer,
    port: Port,
    kept: Rc<Cell<bool>>,
}

/// The model of a [`WebService`]: what aspects see when they visit it.
pub struct WebServiceSpec {
    name: String,
    namespace: String,
    /// The container image.
    pub image: String,
    port: Port,
    /// Replica count or autoscaling range.
    pub replicas: Replicas,
    /// Target average CPU utilization in percent of the request, for the autoscaler.
    pub cpu_target: u8,
    /// Target average memory utilization in percent of the request, if memory should scale too.
    pub memory_target: Option<u8>,
    /// Requests and limits; unset values are filled by the `DefaultResources` aspect.
    pub resources: Resources,
    liveness: Probe,
    readiness: Probe,
    run_as: i64,
    command: Vec<String>,
    args: Vec<String>,
    env: Vec<(String, EnvValue)>,
    ingress_from: Vec<Peer>,
    egress_to: Vec<(Peer, Port)>,
    connections: Vec<Edge>,
    clients: Vec<Client>,
    overrides: Overrides,
}

// `new` starts a builder whose `build` returns the construct, as bon builders do.
#[allow(clippy::new_ret_no_self)]
#[bon]
impl<E: EnvironmentName, N: NamespaceName> WebService<E, N> {
    /// Starts a web service with id `id` in `namespace`; `image` and `port` are required.
    #[builder(start_fn = new, finish_fn = build)]
    pub fn create(
        #[builder(start_fn)] scope: &impl NamespaceScope<Env = E, Ns = N>,
        #[builder(start_fn, into)] id: String,
        /// The container image, e.g. `ghcr.io/acme/api:1.4.2` (pin a tag or a digest).
        #[builder(into)]
        image: String,
        /// The port the container listens on; `8080` means `Port::http(8080)`.
        #[builder(into)]
        port: Port,
        /// A fixed count (`3`) or an autoscaling range (`2..=10`, the default).
        #[builder(into, default = Replicas::autoscaled(2, 10))]
        replicas: Replicas,
        /// Target average CPU utilization for the autoscaler, in percent (default 70).
        #[builder(default = 70)]
        cpu_target: u8,
        /// Target average memory utilization for the autoscaler, in percent (default: not scaled on memory).
        memory_target: Option<u8>,
        /// Requests and limits (default: the `DefaultResources` aspect's).
        #[builder(default)]
        resources: Resources,
        /// The liveness probe (default: TCP connect to the port).
        liveness: Option<Probe>,
        /// The readiness probe (default: TCP connect to the port).
        readiness: Option<Probe>,
        /// The UID and GID to run as (default [`DEFAULT_UID`]); must not be 0.
        #[builder(default = DEFAULT_UID)]
        run_as: i64,
        /// The command, replacing the image's entrypoint (default: the image's).
        #[builder(default, with = |items: impl IntoIterator<Item = impl Into<String>>| items.into_iter().map(Into::into).collect())]
        command: Vec<String>,
        /// The arguments (default: the image's).
        #[builder(default, with = |items: impl IntoIterator<Item = impl Into<String>>| items.into_iter().map(Into::into).collect())]
        args: Vec<String>,
    ) -> WebService<E, N> {
        let namespace = scope.namespace();
        let name = namespace.object_name(&id);
        let spec = WebServiceSpec {
            name: name.clone(),
            namespace: namespace.name().to_owned(),
            image,
            port: port.clone(),
            replicas,
            cpu_target,
            memory_target,
            resources,
            liveness: liveness.unwrap_or_else(Probe::tcp),
            readiness: readiness.unwrap_or_else(Probe::tcp),
            run_as,
            command,
            args,
            env: Vec::new(),
            ingress_from: Vec::new(),
            egress_to: Vec::new(),
            connections: Vec::new(),
            clients: Vec::new(),
            overrides: Overrides::default(),
        };
        let handle = namespace.app().add(namespace.node(), id, spec);
        WebService {
            handle,
            name,
            port,
            _scope: PhantomData,
        }
    }
}

impl<E: EnvironmentName, N: NamespaceName> WebService<E, N> {
    /// The object name of its Deployment, Service and the rest.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The namespace it runs in.
    pub fn namespace(&self) -> &'static str {
        N::NAME
    }

    /// The port it listens on.
    pub fn port(&self) -> &Port {
        &self.port
    }

    /// The handle to its model in the tree.
    pub fn handle(&self) -> &Handle<WebServiceSpec> {
        &self.handle
    }

    /// Sets environment variable `name` to a literal, a key of a Secret or ConfigMap of this
    /// namespace, or an address from one of this service's connections.
    pub fn env(&self, name: impl Into<String>, value: impl IntoEnv<E, N>) -> &Self {
        let value = value.into_env();
        self.handle.update(|s| s.env.push((name.into(), value)));
        self
    }

    /// Connects to `server`: this service may open connections to the server's port, the
    /// server admits them, and the returned [`Connection`] gives the address to put in the
    /// environment. Both NetworkPolicies get exactly that rule.
    pub fn connect<S>(&self, server: &S) -> Connection<E>
    where
        S: Server + InEnvironment<E>,
    {
        let endpoint = server.endpoint();
        let kept = Rc::new(Cell::new(false));
        let peer = Peer::NamespacePods {
            namespace: endpoint.namespace.to_owned(),
            labels: endpoint.selector.clone(),
        };
        self.handle.update(|s| {
            s.connections.push(Edge {
                server: endpoint.node,
                server_path: endpoint.path.clone(),
                peer,
                port: endpoint.port.clone(),
                kept: kept.clone(),
            })
        });
        server.admit(Client {
            node: self.handle.node(),
            path: self.handle.path().to_string(),
            namespace: N::NAME,
            selector: Labels::selector_of(&self.handle.path(), &self.name),
        });
        Connection::new(endpoint, kept)
    }

    /// Admits traffic from `peer` to the port: for peers outside this program (an ingress
    /// controller, a monitoring namespace). Services of this program connect with
    /// [`WebService::connect`] instead.
    pub fn allow_from(&self, peer: Peer) -> &Self {
        self.handle.update(|s| s.ingress_from.push(peer));
        self
    }

    /// Lets the pods open connections to `peer` on `port`: for destinations outside this
    /// program. Services of this program are reached with [`WebService::connect`].
    pub fn allow_to(&self, peer: Peer, port: impl Into<Port>) -> &Self {
        let port = port.into();
        self.handle.update(|s| s.egress_to.push((peer, port)));
        self
    }

    /// Changes the emitted object of type `K` (e.g. `Deployment`) before it is written.
    pub fn edit<K: Object>(&self, f: impl Fn(&mut K) + 'static) -> &Self {
        self.handle.update(|s| s.overrides.edit(f));
        self
    }

    /// Changes the emitted Deployment before it is written.
    pub fn deployment_mut(&self, f: impl Fn(&mut Deployment) + 'static) -> &Self {
        self.edit(f)
    }

    /// Changes the emitted Service before it is written.
    pub fn service_mut(&self, f: impl Fn(&mut Service) + 'static) -> &Self {
        self.edit(f)
    }

    /// Changes the emitted HorizontalPodAutoscaler before it is written.
    pub fn autoscaler_mut(&self, f: impl Fn(&mut HorizontalPodAutoscaler) + 'static) -> &Self {
        self.edit(f)
    }

    /// Applies an RFC 6902 JSON patch to the emitted object of kind `K`, after typed edits: the
    /// escape hatch for fields the types do not reach.
    pub fn patch<K: Resource>(&self, patch: json_patch::Patch) -> &Self {
        self.handle.update(|s| s.overrides.patch::<K>(patch));
        self
    }
}

impl<E: EnvironmentName, N: NamespaceName> Server for WebService<E, N> {
    fn endpoint(&self) -> Endpoint {
        let path = self.handle.path();
        Endpoint {
            node: self.handle.node(),
            path: path.to_string(),
            namespace: N::NAME,
            selector: Labels::selector_of(&path, &self.name),
            host: format!("{}.{}.svc.cluster.local", self.name, N::NAME),
            port: self.port.clone(),
            scheme: (self.port.name() == "http").then_some("http"),
        }
    }

    fn admit(&self, client: Client) {
        self.handle.update(|s| s.clients.push(client));
    }
}

impl<E: EnvironmentName, N: NamespaceName> InEnvironment<E> for WebService<E, N> {}

impl WebServiceSpec {
    fn meta(&self, labels: &Labels) -> ObjectMeta {
        ObjectMeta {
            name: Some(self.name.clone()),
            namespace: Some(self.namespace.clone()),
            labels: Some(labels.all()),
            ..Default::default()
        }
    }

    fn selector(labels: &Labels) -> LabelSelector {
        LabelSelector {
            match_labels: Some(labels.selector()),
            ..Default::default()
        }
    }

    fn pod_spec(&self) -> PodSpec {
        let pull = if self.image.contains("@sha256:") {
            "IfNotPresent"
        } else {
            "Always"
        };
        PodSpec {
            service_account_name: Some(self.name.clone()),
            automount_service_account_token: Some(false),
            security_context: Some(PodSecurityContext {
                run_as_non_root: Some(true),
                run_as_user: Some(self.run_as),
                run_as_group: Some(self.run_as),
                fs_group: Some(self.run_as),
                seccomp_profile: Some(SeccompProfile {
                    type_: "RuntimeDefault".into(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            containers: vec![Container {
                name: self.name.clone(),
                image: Some(self.image.clone()),
                image_pull_policy: Some(pull.into()),
                command: (!self.command.is_empty()).then(|| self.command.clone()),
                args: (!self.args.is_empty()).then(|| self.args.clone()),
                ports: Some(vec![ContainerPort {
                    name: Some(self.port.name().to_owned()),
                    container_port: self.port.number().into(),
                    protocol: Some(self.port.protocol().as_str().into()),
                    ..Default::default()
                }]),
                env: (!self.env.is_empty()).then(|| env_to_k8s(&self.env)),
                resources: Some(self.resources.to_k8s()),
                liveness_probe: Some(self.liveness.to_k8s(&self.port)),
                readiness_probe: Some(self.readiness.to_k8s(&self.port)),
                security_context: Some(SecurityContext {
                    allow_privilege_escalation: Some(false),
                    privileged: Some(false),
                    read_only_root_filesystem: Some(true),
                    run_as_non_root: Some(true),
                    capabilities: Some(Capabilities {
                        drop: Some(vec!["ALL".into()]),
                        add: None,
                    }),
                    ..Default::default()
                }),
                volume_mounts: Some(vec![VolumeMount {
                    name: "tmp".into(),
                    mount_path: "/tmp".into(),
                    ..Default::default()
                }]),
                ..Default::default()
            }],
            volumes: Some(vec![Volume {
                name: "tmp".into(),
                empty_dir: Some(EmptyDirVolumeSource {
                    size_limit: Some(Quantity("64Mi".into())),
                    ..Default::default()
                }),
                ..Default::default()
            }]),
            ..Default::default()
        }
    }

    fn network_policy(&self, labels: &Labels) -> NetworkPolicy {
        let port = |p: &Port| NetworkPolicyPort {
            port: Some(IntOrString::Int(p.number().into())),
            protocol: Some(p.protocol().as_str().into()),
            ..Default::default()
        };
        let clients = self.clients.iter().map(|c| Peer::NamespacePods {
            namespace: c.namespace.to_owned(),
            labels: c.selector.clone(),
        });
        let from: Vec<NetworkPolicyPeer> = self
            .ingress_from
            .iter()
            .cloned()
            .chain(clients)
            .map(|p| p.to_k8s())
            .collect();
        let ingress = (!from.is_empty()).then(|| {
            vec![NetworkPolicyIngressRule {
                from: Some(from),
                ports: Some(vec![port(&self.port)]),
            }]
        });
        let dns = NetworkPolicyEgressRule {
            to: Some(vec![NetworkPolicyPeer {
                namespace_selector: Some(LabelSelector {
                    match_labels: Some(BTreeMap::from([(
                        "kubernetes.io/metadata.name".into(),
                        "kube-system".into(),
                    )])),
                    ..Default::default()
                }),
                pod_selector: Some(LabelSelector {
                    match_labels: Some(BTreeMap::from([("k8s-app".into(), "kube-dns".into())])),
                    ..Default::default()
                }),
                ..Default::default()
            }]),
            ports: Some(vec![
                port(&Port::udp("dns", 53)),
                port(&Port::tcp("dns-tcp", 53)),
            ]),
        };
        let mut egress = vec![dns];
        let connections = self.connections.iter().map(|e| (&e.peer, &e.port));
        egress.extend(
            self.egress_to
                .iter()
                .map(|(peer, p)| (peer, p))
                .chain(connections)
                .map(|(peer, p)| NetworkPolicyEgressRule {
                    to: Some(vec![peer.to_k8s()]),
                    ports: Some(vec![port(p)]),
                }),
        );
        NetworkPolicy {
            metadata: self.meta(labels),
            spec: Some(NetworkPolicySpec {
                pod_selector: Some(Self::selector(labels)),
                policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
                ingress,
                egress: Some(egress),
            }),
        }
    }
}

/// Every (direction, peer, port) a NetworkPolicy allows, as comparable text.
fn policy_peers(policy: &NetworkPolicy) -> Vec<String> {
    let mut out = Vec::new();
    let Some(spec) = &policy.spec else {
        return out;
    };
    for rule in spec.ingress.iter().flatten() {
        for peer in rule
            .from
            .as_deref()
            .unwrap_or(&[NetworkPolicyPeer::default()])
        {
            for port in rule
                .ports
                .as_deref()
                .unwrap_or(&[NetworkPolicyPort::default()])
            {
                out.push(format!("ingress from {} on {}", text(peer), text(port)));
            }
        }
    }
    for rule in spec.egress.iter().flatten() {
        for peer in rule
            .to
            .as_deref()
            .unwrap_or(&[NetworkPolicyPeer::default()])
        {
            for port in rule
                .ports
                .as_deref()
                .unwrap_or(&[NetworkPolicyPort::default()])
            {
                out.push(format!("egress to {} on {}", text(peer), text(port)));
            }
        }
    }
    out
}

/// Compact JSON of a policy's part, for [`policy_peers`].
fn text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

impl Construct for WebServiceSpec {
    fn kind(&self) -> &'static str {
        "WebService"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        let path = cx.path.as_str();
        let image = self.image.trim();
        if image.is_empty() {
            diags.push(
                Diagnostic::error(path, "the image is empty")
                    .hint("set `.image(\"registry.example.com/team/app:1.2.3\")`"),
            );
        } else if image != self.image
            || image
                .chars()
                .any(|c| c.is_whitespace() || c.is_ascii_uppercase())
        {
            diags.push(
                Diagnostic::error(path, format!("invalid image reference `{}`", self.image))
                    .hint("image references have no spaces and a lowercase repository, e.g. `ghcr.io/acme/api:1.4.2`"),
            );
        } else if !image.contains('@')
            && !image
                .rsplit('/')
                .next()
                .is_some_and(|last| last.contains(':'))
        {
            diags.push(
                Diagnostic::warning(
                    path,
                    format!("image `{image}` has no tag: it means `latest`"),
                )
                .hint("pin a tag or a digest so that a rollout is reproducible"),
            );
        }
        self.port.validate(path, diags);
        let Replicas { min, max } = self.replicas;
        if min == 0 {
            diags.push(
                Diagnostic::error(path, "replicas must be at least 1")
                    .hint("a web service with no pods serves nothing; use `.replicas(1)` or more"),
            );
        }
        if min > max {
            diags.push(
                Diagnostic::error(
                    path,
                    format!("replicas {min}..={max}: the minimum is above the maximum"),
                )
                .hint(format!(
                    "write the range low to high, e.g. `.replicas({max}..={min})`"
                )),
            );
        }
        for (what, target) in [
            ("cpu_target", Some(self.cpu_target)),
            ("memory_target", self.memory_target),
        ] {
            if target.is_some_and(|t| t == 0 || t > 100) {
                diags.push(
                    Diagnostic::error(path, format!("{what} is {}%", target.unwrap_or_default()))
                        .hint("an autoscaling target is a utilization between 1 and 100 percent of the request"),
                );
            }
        }
        if self.run_as == 0 {
            diags.push(Diagnostic::error(path, "run_as is 0 (root)").hint(
                "pods must not run as root; keep the default (10001) or pick another non-zero UID",
            ));
        }
        self.liveness.validate(path, "liveness", diags);
        self.readiness.validate(path, "readiness", diags);
        validate_env(path, &self.env, diags);
        for edge in &self.connections {
            let used = self.env.iter().any(
                |(_, v)| matches!(v, EnvValue::Address { server, .. } if *server == edge.server),
            );
            if !used && !edge.kept.get() {
                diags.push(
                    Diagnostic::error(
                        path,
                        format!("the connection to `{}` is never used", edge.server_path),
                    )
                    .cause("no environment variable carries its address, so the NetworkPolicy rules it adds would allow traffic nothing needs")
                    .hint("pass its address, e.g. `.env(\"API_URL\", conn.url())`, call `conn.keep()` if the program finds the server another way, or remove the `connect`"),
                );
            }
        }
        for (i, edge) in self.connections.iter().enumerate() {
            if self.connections[..i]
                .iter()
                .any(|e| e.server == edge.server)
            {
                diags.push(
                    Diagnostic::warning(path, format!("connects to `{}` twice", edge.server_path))
                        .hint("connect once and reuse the connection's addresses"),
                );
            }
        }
        for peer in self
            .ingress_from
            .iter()
            .chain(self.egress_to.iter().map(|(p, _)| p))
        {
            peer.validate(path, diags);
        }
        for (_, port) in &self.egress_to {
            if port.number() == 0 {
                diags.push(
                    Diagnostic::error(path, format!("egress port `{}` is 0", port.name()))
                        .hint("use 1 to 65535"),
                );
            }
        }
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        let labels = Labels::new(cx, &self.name, "web-service");
        let Replicas { min, max } = self.replicas;
        let autoscaled = min < max;
        let mut manifests = Vec::with_capacity(6);
        manifests.push(Manifest::new(ServiceAccount {
            metadata: self.meta(&labels),
            automount_service_account_token: Some(false),
            ..Default::default()
        }));
        manifests.push(Manifest::new(Deployment {
            metadata: self.meta(&labels),
            spec: Some(DeploymentSpec {
                replicas: (!autoscaled).then_some(min as i32),
                revision_history_limit: Some(5),
                selector: Self::selector(&labels),
                strategy: Some(DeploymentStrategy {
                    type_: Some("RollingUpdate".into()),
                    rolling_update: Some(RollingUpdateDeployment {
                        max_surge: Some(IntOrString::String("25%".into())),
                        max_unavailable: Some(IntOrString::Int(0)),
                    }),
                }),
                template: PodTemplateSpec {
                    metadata: Some(ObjectMeta {
                        labels: Some(labels.all()),
                        ..Default::default()
                    }),
                    spec: Some(PodSpec {
                        topology_spread_constraints: Some(vec![TopologySpreadConstraint {
                            max_skew: 1,
                            topology_key: "kubernetes.io/hostname".into(),
                            when_unsatisfiable: "ScheduleAnyway".into(),
                            label_selector: Some(Self::selector(&labels)),
                            ..Default::default()
                        }]),
                        ..self.pod_spec()
                    }),
                },
                ..Default::default()
            }),
            ..Default::default()
        }));
        manifests.push(Manifest::new(Service {
            metadata: self.meta(&labels),
            spec: Some(ServiceSpec {
                type_: Some("ClusterIP".into()),
                selector: Some(labels.selector()),
                ports: Some(vec![ServicePort {
                    name: Some(self.port.name().to_owned()),
                    port: self.port.number().into(),
                    target_port: Some(IntOrString::String(self.port.name().to_owned())),
                    protocol: Some(self.port.protocol().as_str().into()),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        }));
        if autoscaled {
            let metric = |name: &str, target: u8| MetricSpec {
                type_: "Resource".into(),
                resource: Some(ResourceMetricSource {
                    name: name.into(),
                    target: MetricTarget {
                        type_: "Utilization".into(),
                        average_utilization: Some(target.into()),
                        ..Default::default()
                    },
                }),
                ..Default::default()
            };
            let mut metrics = vec![metric("cpu", self.cpu_target)];
            metrics.extend(self.memory_target.map(|t| metric("memory", t)));
            manifests.push(Manifest::new(HorizontalPodAutoscaler {
                metadata: self.meta(&labels),
                spec: Some(HorizontalPodAutoscalerSpec {
                    scale_target_ref: CrossVersionObjectReference {
                        api_version: Some(Deployment::API_VERSION.into()),
                        kind: Deployment::KIND.into(),
                        name: self.name.clone(),
                    },
                    min_replicas: Some(min as i32),
                    max_replicas: max as i32,
                    metrics: Some(metrics),
                    ..Default::default()
                }),
                ..Default::default()
            }));
        }
        manifests.push(Manifest::new(PodDisruptionBudget {
            metadata: self.meta(&labels),
            spec: Some(PodDisruptionBudgetSpec {
                max_unavailable: Some(IntOrString::Int(1)),
                selector: Some(Self::selector(&labels)),
                ..Default::default()
            }),
            ..Default::default()
        }));
        let policy = self.network_policy(&labels);
        let declared = policy_peers(&policy);
        manifests.push(Manifest::new(policy));
        let mut diags = Diagnostics::new();
        self.overrides
            .apply(cx.path.as_str(), &mut manifests, &mut diags);
        // Wiring decides who may talk to whom: an edit must not widen the policy behind its back.
        for m in &manifests {
            if let Some(edited) = m.downcast_ref::<NetworkPolicy>() {
                let extra: Vec<String> = policy_peers(edited)
                    .into_iter()
                    .filter(|p| !declared.contains(p))
                    .collect();
                if !extra.is_empty() {
                    diags.push(
                        Diagnostic::error(
                            cx.path.as_str(),
                            format!("an edit widens the NetworkPolicy beyond the wiring: {}", extra.join("; ")),
                        )
                        .object(m.describe())
                        .hint("declare the flow instead: `connect` to a service of this program, or `allow_from`/`allow_to` for peers outside it"),
                    );
                }
            }
        }
        for d in diags {
            out.push(d);
        }
        for m in manifests {
            out.push(m);
        }
    }
}
