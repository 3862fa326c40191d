//! [`WebService`]: a stateless HTTP service, production-ready by default.

use std::fmt;
use std::marker::PhantomData;
use std::ops::RangeInclusive;

use bon::bon;
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

use crate::pod::{DEFAULT_UID, PodModel, Wiring, emit_workload, object_meta, workload_methods};
use crate::wiring::{Client, Connection, Endpoint, Server};
use crate::workload::{Peer, Port, Probe};

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

/// The model of a [`WebService`]: what aspects see when they visit it.
pub struct WebServiceSpec {
    name: String,
    namespace: String,
    pod: PodModel,
    /// Replica count or autoscaling range.
    pub replicas: Replicas,
    /// Target average CPU utilization in percent of the request, for the autoscaler.
    pub cpu_target: u8,
    /// Target average memory utilization in percent of the request, if memory should scale too.
    pub memory_target: Option<u8>,
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
        /// The port the container listens on; `8080` means `Port::http(8080)`.
        #[builder(into)]
        port: Port,
        /// More ports, e.g. `Port::tcp("metrics", 9090)` (default: none).
        #[builder(default, with = |ports: impl IntoIterator<Item = Port>| ports.into_iter().collect())]
        extra_ports: Vec<Port>,
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
        let name = namespace.object_name(&id);
        let mut pod = PodModel::new(
            name.clone(),
            image,
            run_as,
            crate::pod::ImageTagPolicy::of(namespace.environment()),
        );
        pod.command = command;
        pod.args = args;
        pod.resources = resources;
        pod.ports = std::iter::once(port.clone()).chain(extra_ports).collect();
        pod.liveness = Some(liveness.unwrap_or_else(Probe::tcp));
        pod.readiness = Some(readiness.unwrap_or_else(Probe::tcp));
        let spec = WebServiceSpec {
            name: name.clone(),
            namespace: namespace.name().to_owned(),
            pod,
            replicas,
            cpu_target,
            memory_target,
            wiring: Wiring::default(),
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

workload_methods!(WebService);

impl<E: EnvironmentName, N: NamespaceName> WebService<E, N> {
    /// The port it listens on.
    pub fn port(&self) -> &Port {
        &self.port
    }

    /// The handle to its model in the tree.
    pub fn handle(&self) -> &Handle<WebServiceSpec> {
        &self.handle
    }

    /// Admits traffic from `peer` to `port`, one of its declared ports (e.g. a metrics port of
    /// its `extra_ports`, for Prometheus). A port it does not declare is reported at synth.
    pub fn allow_from_on(&self, peer: Peer, port: &Port) -> &Self {
        let port = port.clone();
        self.handle
            .update(|s| s.wiring.ingress_from.push((peer, Some(port))));
        self
    }

    /// Whether `port` is one of its ports: its main port or one of its `extra_ports`.
    pub fn declares(&self, port: &Port) -> bool {
        self.handle.read(|s| s.pod.ports.contains(port))
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
            host: format!("{}.{}.svc.cluster.local", self.name, N::NAME),
            port: self.port.clone(),
            scheme: (self.port.name() == "http").then_some("http"),
            cidrs: Vec::new(),
        }
    }

    fn admit(&self, client: Client) {
        let port = self.port.clone();
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

impl Construct for WebServiceSpec {
    fn kind(&self) -> &'static str {
        "WebService"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        let path = cx.path.as_str();
        self.pod.validate(path, diags);
        for port in self
            .wiring
            .ingress_from
            .iter()
            .filter_map(|(_, p)| p.as_ref())
        {
            if !self.pod.ports.contains(port) {
                diags.push(
                    Diagnostic::error(
                        path,
                        format!(
                            "admits traffic on port {}, which it does not declare",
                            port.describe()
                        ),
                    )
                    .hint("pass one of its ports to `allow_from_on`: its main port (`.port()`) or a `Port` given to `.extra_ports([..])`"),
                );
            }
        }
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
        self.wiring.validate(path, &self.pod.env, diags);
        self.pod.validate_role(path, &self.namespace, diags);
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        let labels = Labels::new(cx, &self.name, "web-service");
        let Replicas { min, max } = self.replicas;
        let autoscaled = min < max;
        let mut manifests = Vec::with_capacity(6);
        manifests.push(Manifest::new(self.pod.service_account(self.meta(&labels))));
        let checkov = self.pod.checkov_annotations();
        manifests.push(Manifest::new(Deployment {
            metadata: ObjectMeta {
                annotations: (!checkov.is_empty()).then_some(checkov),
                ..self.meta(&labels)
            },
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
                ports: Some(
                    self.pod
                        .ports
                        .iter()
                        .map(|port| ServicePort {
                            name: Some(port.name().to_owned()),
                            port: port.number().into(),
                            target_port: Some(IntOrString::String(port.name().to_owned())),
                            protocol: Some(port.protocol().as_str().into()),
                            ..Default::default()
                        })
                        .collect(),
                ),
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
        let policy =
            self.wiring
                .policy(self.meta(&labels), Self::selector(&labels), &self.pod.ports);
        emit_workload(cx, manifests, policy, &self.overrides, out);
    }
}
