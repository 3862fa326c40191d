//! [`WebService`]: a stateless HTTP service, production-ready by default.

use std::fmt;
use std::marker::PhantomData;
use std::ops::RangeInclusive;

use bon::bon;
use girder_core::cidr::{Cidr, CidrError};
use girder_core::{Construct, Context, Diagnostic, Diagnostics, Emitted, EnvironmentName, Handle};
use girder_k8s::k8s_openapi::Resource;
use girder_k8s::k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment,
};
use girder_k8s::k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, MetricSpec,
    MetricTarget, ResourceMetricSource,
};
use girder_k8s::k8s_openapi::api::core::v1::{
    PodSpec, PodTemplateSpec, Service, ServicePort, ServiceSpec, TopologySpreadConstraint,
};
use girder_k8s::k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use girder_k8s::k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use girder_k8s::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use girder_k8s::labels::Labels;
use girder_k8s::quantity::Resources;
use girder_k8s::{Manifest, NamespaceName, NamespaceScope, Overrides};

use crate::edit::{PodEdit, pod_edit};
use crate::pod::{
    DEFAULT_UID, PodModel, Wiring, emit_workload, object_meta, pod_methods, workload_methods,
};
use crate::replicas::{Autoscaling, ReplicaCount};
use crate::wiring::{Client, Connection, Endpoint, Server};
use crate::workload::{Peer, Port, PortOf, Probe};

/// How clients outside the cluster reach a [`WebService`] besides an Ingress: a `LoadBalancer`
/// or `NodePort` Service (`<name>-external`) in front of its main port only, open only to the
/// address ranges given (the NetworkPolicy admits them on that port, a load balancer gets them
/// as `loadBalancerSourceRanges`). `externalTrafficPolicy: Local` keeps the clients' addresses,
/// so that the NetworkPolicy sees them.
///
/// ```
/// use girder_constructs::{Exposure, WebService};
/// use girder_core::App;
/// use girder_k8s::KubernetesExt;
///
/// girder_core::environment!(pub Prod = "prod");
/// girder_k8s::namespace!(pub Edge = "edge");
///
/// let app = App::new("shop");
/// let ns = app.environment(Prod).kubernetes().namespace(Edge);
/// WebService::new(&ns, "proxy")
///     .image("ghcr.io/acme/proxy:1.0.0")
///     .port(girder_constructs::Port::http(8080).service_port(80))
///     .expose(
///         Exposure::load_balancer(["203.0.113.0/24"])
///             .annotation("service.beta.kubernetes.io/aws-load-balancer-scheme", "internet-facing"),
///     )
///     .build();
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposure {
    kind: ExposureKind,
    from: Vec<Peer>,
    annotations: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ExposureKind {
    LoadBalancer,
    NodePort(u16),
}

/// The node ports a cluster allocates by default (`--service-node-port-range`).
const NODE_PORTS: RangeInclusive<u16> = 30000..=32767;

impl Exposure {
    /// A `LoadBalancer` Service, reachable from the address ranges `from` (e.g.
    /// `["203.0.113.0/24"]`; `["0.0.0.0/0"]` for the whole internet, said explicitly).
    pub fn load_balancer<C>(from: impl IntoIterator<Item = C>) -> Exposure
    where
        C: TryInto<Cidr, Error: Into<CidrError>>,
    {
        Exposure::new(ExposureKind::LoadBalancer, from)
    }

    /// A `NodePort` Service on node port `node_port` (30000 to 32767, checked at synth),
    /// reachable from the address ranges `from`.
    pub fn node_port<C>(node_port: u16, from: impl IntoIterator<Item = C>) -> Exposure
    where
        C: TryInto<Cidr, Error: Into<CidrError>>,
    {
        Exposure::new(ExposureKind::NodePort(node_port), from)
    }

    fn new<C>(kind: ExposureKind, from: impl IntoIterator<Item = C>) -> Exposure
    where
        C: TryInto<Cidr, Error: Into<CidrError>>,
    {
        Exposure {
            kind,
            from: from.into_iter().map(Peer::cidr).collect(),
            annotations: Vec::new(),
        }
    }

    /// Annotates the external Service, e.g. a cloud load balancer's settings
    /// (`service.beta.kubernetes.io/aws-load-balancer-scheme`).
    #[must_use]
    pub fn annotation(mut self, key: impl Into<String>, value: impl Into<String>) -> Exposure {
        self.annotations.push((key.into(), value.into()));
        self
    }

    fn validate(&self, path: &str, diags: &mut Diagnostics) {
        if self.from.is_empty() {
            diags.push(
                Diagnostic::error(path, "the external Service admits no address range")
                    .cause("a Service nobody may reach would have no effect")
                    .hint("name who may connect, e.g. `Exposure::load_balancer([\"203.0.113.0/24\"])`, or remove `.expose(..)`"),
            );
        }
        if let ExposureKind::NodePort(port) = self.kind
            && !NODE_PORTS.contains(&port)
        {
            diags.push(
                Diagnostic::error(path, format!("node port {port} is outside {}..={}", NODE_PORTS.start(), NODE_PORTS.end()))
                    .cause("the API server allocates node ports from its `--service-node-port-range`, 30000-32767 by default")
                    .hint("pick a node port from 30000 to 32767"),
            );
        }
        for (i, (key, _)) in self.annotations.iter().enumerate() {
            if self.annotations[..i].iter().any(|(k, _)| k == key) {
                diags.push(
                    Diagnostic::error(
                        path,
                        format!("external Service annotation `{key}` is set twice"),
                    )
                    .hint("set each annotation once; the first value would have no effect"),
                );
            }
        }
    }
}

/// A stateless HTTP service: Deployment, Service, HorizontalPodAutoscaler, PodDisruptionBudget,
/// ServiceAccount and NetworkPolicy, secure by default.
///
/// Defaults, each the safe choice:
/// * 2 to 10 replicas, scaled at 70 % CPU (see [`Replicas`](crate::Replicas)); a
///   PodDisruptionBudget of at most one pod unavailable;
///   rolling updates that never take a ready pod away before its replacement is ready.
/// * Pods run as UID/GID 10001, non-root, read-only root filesystem (an `emptyDir` at `/tmp`),
///   all capabilities dropped, no privilege escalation, seccomp `RuntimeDefault`, no service
///   account token mounted.
/// * Resources from the `DefaultResources` aspect (100m/500m CPU, 128Mi/256Mi memory) unless set.
/// * TCP readiness and liveness probes on the port unless set.
/// * A NetworkPolicy that admits only the peers given to [`WebService::allow_from`] on the port,
///   and lets the pods reach only cluster DNS and the peers given to [`WebService::allow_to`].
/// * A `ClusterIP` Service only: outside the cluster, it is reached through an Ingress or an
///   [`Exposure`] open to the address ranges it names.
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
    port: PortOf<WebService<E, N>>,
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

/// The model of a [`WebService`]: what aspects see when they visit it.
pub struct WebServiceSpec {
    name: String,
    namespace: String,
    pod: PodModel,
    /// Replica count or autoscaling range and targets.
    pub replicas: ReplicaCount,
    exposure: Option<Exposure>,
    wiring: Wiring,
    overrides: Overrides,
}

impl WebServiceSpec {
    /// The container image.
    pub fn image(&self) -> &str {
        &self.pod.image
    }

    /// Requests and limits; unset values are filled by the `DefaultResources` aspect.
    pub fn resources_mut(&mut self) -> &mut Resources {
        &mut self.pod.resources
    }
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
        /// The port the container listens on; `8080` means `Port::http(8080)`. More ports are
        /// added after build, with [`WebService::add_port`].
        #[builder(into)]
        port: Port,
        /// A fixed count (`3`, [`Replicas::fixed`](crate::Replicas::fixed)) or an autoscaling
        /// range with its targets (`2..=10`,
        /// [`Replicas::between(2, 10).cpu(70)`](crate::Replicas::between)); default `2..=10`.
        /// A range without targets scales at 70 % CPU.
        #[builder(into, default = ReplicaCount::from(2..=10))]
        replicas: ReplicaCount,
        /// A `LoadBalancer` or `NodePort` Service for clients outside the cluster (default: none).
        expose: Option<Exposure>,
        /// Requests and limits (default: the `DefaultResources` aspect's).
        #[builder(default)]
        resources: Resources,
        /// The liveness probe, on the port (default: TCP connect to the port).
        liveness: Option<Probe>,
        /// The readiness probe, on the port (default: TCP connect to the port).
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
        let name = scope.object_name(&id);
        let mut pod = PodModel::new(
            name.clone(),
            image,
            run_as,
            crate::pod::ImageTagPolicy::of(namespace.environment()),
        );
        pod.command = command;
        pod.args = args;
        pod.resources = resources;
        pod.ports = vec![port.clone()];
        pod.liveness = Some(liveness.unwrap_or_else(Probe::tcp));
        pod.readiness = Some(readiness.unwrap_or_else(Probe::tcp));
        let mut replicas = replicas;
        if let ReplicaCount::Autoscaled(
            a @ Autoscaling {
                cpu: None,
                memory: None,
                ..
            },
        ) = &mut replicas
        {
            a.cpu = Some(70);
        }
        let mut wiring = Wiring::default();
        if let Some(exposure) = &expose {
            wiring.ingress_from.extend(
                exposure
                    .from
                    .iter()
                    .map(|peer| (peer.clone(), Some(port.clone()))),
            );
        }
        let spec = WebServiceSpec {
            name: name.clone(),
            namespace: namespace.name().to_owned(),
            pod,
            replicas,
            exposure: expose,
            wiring,
            overrides: Overrides::default(),
        };
        let handle = namespace.app().add(scope.parent(), id, spec);
        let port = PortOf::new(port, handle.node(), handle.path().to_string());
        WebService {
            handle,
            name,
            port,
            _scope: PhantomData,
        }
    }
}

workload_methods!(WebService);
crate::workload::port_methods!(WebService);
pod_methods!(WebService);

impl<E: EnvironmentName, N: NamespaceName> WebService<E, N> {
    /// Its main port: the one clients connect to, probes check and an Ingress routes to.
    pub fn port(&self) -> &PortOf<Self> {
        &self.port
    }

    /// The handle to its model in the tree.
    pub fn handle(&self) -> &Handle<WebServiceSpec> {
        &self.handle
    }

    /// Changes the emitted Deployment before it is written, through a [`PodEdit`] that reaches
    /// its pod spec and main container without an `unwrap`.
    pub fn deployment_mut(&self, f: impl FnMut(&mut PodEdit<'_, Deployment>) + 'static) -> &Self {
        self.handle.update(|s| pod_edit(&mut s.overrides, f));
        self
    }

    /// Changes the emitted Services (its own, and the external one of an [`Exposure`]) before
    /// they are written.
    pub fn service_mut(&self, f: impl FnMut(&mut Service) + 'static) -> &Self {
        self.edit(f)
    }

    /// Changes the emitted HorizontalPodAutoscaler before it is written.
    pub fn autoscaler_mut(&self, f: impl FnMut(&mut HorizontalPodAutoscaler) + 'static) -> &Self {
        self.edit(f)
    }
}

impl<E: EnvironmentName, N: NamespaceName> Server for WebService<E, N> {
    type Connection<C, M> = Connection<C>;

    fn endpoint(&self) -> Endpoint {
        let path = self.handle.path();
        Endpoint {
            node: self.handle.node(),
            path: path.to_string(),
            namespace: N::NAME,
            selector: Labels::selector_of(&path, &self.name),
            host: N::host(&self.name),
            port: self.port.as_port().reached_in::<N>(),
            scheme: (self.port.name() == "http").then_some("http"),
            cidrs: Vec::new(),
        }
    }

    fn admit(&self, client: Client) {
        let port = self.port.as_port().clone();
        self.handle
            .update(|s| s.wiring.clients.push((client, port)));
    }

    fn connection<C, M: NamespaceName>(&self, connection: Connection<C>) -> Connection<C> {
        connection
    }
}

impl WebServiceSpec {
    fn meta(&self, labels: &Labels) -> ObjectMeta {
        object_meta(&self.name, &self.namespace, labels)
    }

    fn selector(labels: &Labels) -> LabelSelector {
        LabelSelector {
            match_labels: Some(labels.selector()),
            ..Default::default()
        }
    }
}

/// The Service port of `port`: its service number, to the container's port by name.
fn service_port(port: &Port) -> ServicePort {
    ServicePort {
        name: Some(port.name().to_owned()),
        port: port.service_number().into(),
        target_port: Some(IntOrString::String(port.name().to_owned())),
        protocol: Some(port.protocol().as_str().into()),
        ..Default::default()
    }
}

impl WebServiceSpec {
    /// The `LoadBalancer` or `NodePort` Service of `exposure`, in front of the main port only.
    fn external_service(&self, exposure: &Exposure, labels: &Labels) -> Service {
        let mut meta = self.meta(labels);
        meta.name = Some(format!("{}-external", self.name));
        if !exposure.annotations.is_empty() {
            meta.annotations = Some(exposure.annotations.iter().cloned().collect());
        }
        let mut port = self.pod.ports.first().map(service_port);
        let (type_, source_ranges) = match exposure.kind {
            ExposureKind::LoadBalancer => {
                let ranges = exposure
                    .from
                    .iter()
                    .filter_map(|peer| match peer {
                        Peer::Cidr(Ok(cidr)) => Some(cidr.to_string()),
                        _ => None,
                    })
                    .collect();
                ("LoadBalancer", Some(ranges))
            }
            ExposureKind::NodePort(node_port) => {
                if let Some(port) = &mut port {
                    port.node_port = Some(node_port.into());
                }
                ("NodePort", None)
            }
        };
        Service {
            metadata: meta,
            spec: Some(ServiceSpec {
                type_: Some(type_.into()),
                selector: Some(labels.selector()),
                external_traffic_policy: Some("Local".into()),
                load_balancer_source_ranges: source_ranges,
                ports: Some(port.into_iter().collect()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }
}

impl Construct for WebServiceSpec {
    fn kind(&self) -> &'static str {
        "WebService"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        let path = cx.path.as_str();
        self.pod.validate(path, diags);
        self.wiring.validate_ingress(path, &self.pod.ports, diags);
        self.replicas.validate(path, 1, diags);
        if let ReplicaCount::Autoscaled(Autoscaling {
            cpu: None,
            memory: None,
            ..
        }) = self.replicas
        {
            diags.push(
                Diagnostic::error(path, "the replica range has no CPU or memory target")
                    .cause("an aspect cleared them: the HorizontalPodAutoscaler would scale on nothing the program chose")
                    .hint("set a target, e.g. `Autoscaling { cpu: Some(70), .. }`, or use a fixed count"),
            );
        }
        if let Some(exposure) = &self.exposure {
            exposure.validate(path, diags);
            const EXTERNAL: girder_core::name::Suffix = girder_core::name::Suffix {
                shape: "-external",
                len: 9,
                by: "Girder, naming the external Service of `.expose(..)`,",
                limit: girder_core::name::MAX_LABEL,
            };
            if let Some(error) = EXTERNAL.check(path, "Service", &self.name) {
                diags.push(error);
            }
        }
        self.wiring.validate(path, &self.pod.env, diags);
        self.pod.validate_role(path, &self.namespace, diags);
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        let labels = Labels::new(cx, &self.name, "web-service");
        let autoscaling = match self.replicas {
            ReplicaCount::Autoscaled(a) => Some(a),
            _ => None,
        };
        let mut manifests = Vec::with_capacity(6);
        manifests.push(Manifest::new(self.pod.service_account(self.meta(&labels))));
        let checkov = self.pod.checkov_annotations();
        manifests.push(Manifest::new(Deployment {
            metadata: ObjectMeta {
                annotations: (!checkov.is_empty()).then_some(checkov),
                ..self.meta(&labels)
            },
            spec: Some(DeploymentSpec {
                replicas: autoscaling.is_none().then_some(self.replicas.min() as i32),
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
                    metadata: Some(self.pod.template_meta(labels.all())),
                    spec: Some(PodSpec {
                        topology_spread_constraints: Some(vec![TopologySpreadConstraint {
                            max_skew: 1,
                            topology_key: "kubernetes.io/hostname".into(),
                            when_unsatisfiable: "ScheduleAnyway".into(),
                            label_selector: Some(Self::selector(&labels)),
                            ..Default::default()
                        }]),
                        ..self.pod.spec(Some(&self.name))
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
                ports: Some(self.pod.ports.iter().map(service_port).collect()),
                ..Default::default()
            }),
            ..Default::default()
        }));
        if let Some(exposure) = &self.exposure {
            manifests.push(Manifest::new(self.external_service(exposure, &labels)));
        }
        if let Some(a) = autoscaling {
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
            let metrics = [("cpu", a.cpu), ("memory", a.memory)]
                .into_iter()
                .filter_map(|(name, target)| Some(metric(name, target?)))
                .collect();
            manifests.push(Manifest::new(HorizontalPodAutoscaler {
                metadata: self.meta(&labels),
                spec: Some(HorizontalPodAutoscalerSpec {
                    scale_target_ref: CrossVersionObjectReference {
                        api_version: Some(Deployment::API_VERSION.into()),
                        kind: Deployment::KIND.into(),
                        name: self.name.clone(),
                    },
                    min_replicas: Some(a.min as i32),
                    max_replicas: a.max as i32,
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
        let policy =
            self.wiring
                .policy(self.meta(&labels), Self::selector(&labels), &self.pod.ports);
        emit_workload(cx, manifests, policy, &self.wiring, &self.overrides, out);
    }
}
