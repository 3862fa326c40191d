//! [`StatefulService`]: a workload with stable identity and persistent volumes (a StatefulSet),
//! and the in-cluster databases built on it: [`PostgresInCluster`] and [`RedisInCluster`].

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use bon::bon;
use girder_core::{Construct, Context, Diagnostic, Diagnostics, Emitted, EnvironmentName, Handle};
use girder_k8s::k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetSpec};
use girder_k8s::k8s_openapi::api::core::v1::{
    PersistentVolumeClaim, PersistentVolumeClaimSpec, PodTemplateSpec, Service, ServicePort,
    ServiceSpec, VolumeResourceRequirements,
};
use girder_k8s::k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use girder_k8s::k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use girder_k8s::k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use girder_k8s::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use girder_k8s::labels::Labels;
use girder_k8s::quantity::{Memory, Resources};
use girder_k8s::{Manifest, NamespaceName, NamespaceScope, Overrides};

use crate::edit::{PodEdit, pod_edit};
use crate::pod::{
    Mount, PodModel, Wiring, emit_workload, object_meta, pod_methods, workload_methods,
};
use crate::wiring::{Client, Connection, Endpoint, Server};
use crate::workload::{Peer, Port, PortOf, Probe};

/// A persistent volume of a [`StatefulService`]: one claim per pod, kept when pods move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataVolume {
    name: String,
    path: String,
    size: Memory,
    class: Option<String>,
}

impl DataVolume {
    /// A volume `name` of `size` mounted at `path`, from the cluster's default storage class.
    pub fn new(name: &str, path: &str, size: Memory) -> DataVolume {
        DataVolume {
            name: name.into(),
            path: path.into(),
            size,
            class: None,
        }
    }

    /// Uses storage class `class` (e.g. `gp3`).
    #[must_use]
    pub fn class(mut self, class: &str) -> DataVolume {
        self.class = Some(class.into());
        self
    }

    fn claim(&self, labels: BTreeMap<String, String>) -> PersistentVolumeClaim {
        PersistentVolumeClaim {
            metadata: ObjectMeta {
                name: Some(self.name.clone()),
                labels: Some(labels),
                ..Default::default()
            },
            spec: Some(PersistentVolumeClaimSpec {
                access_modes: Some(vec!["ReadWriteOnce".into()]),
                storage_class_name: self.class.clone(),
                resources: Some(VolumeResourceRequirements {
                    requests: Some(BTreeMap::from([(
                        "storage".to_owned(),
                        Quantity(self.size.to_string()),
                    )])),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }
    }
}

/// A stateful workload: a StatefulSet with a persistent volume per pod, a headless Service for
/// stable DNS names, a PodDisruptionBudget when it has more than one pod, and the same secure
/// pod and NetworkPolicy defaults as [`crate::WebService`].
///
/// ```
/// use girder_constructs::{DataVolume, Port, StatefulService};
/// use girder_core::App;
/// use girder_k8s::KubernetesExt;
/// use girder_k8s::quantity::Memory;
///
/// girder_core::environment!(pub Prod = "prod");
/// girder_k8s::namespace!(pub Graph = "graph");
///
/// let app = App::new("city");
/// let ns = app.environment(Prod).kubernetes().namespace(Graph);
/// let neo4j = StatefulService::new(&ns, "neo4j")
///     .image("neo4j:5.26.0")
///     .port(Port::tcp("bolt", 7687))
///     .volume(DataVolume::new("data", "/data", Memory::gib(50)))
///     .run_as(7474)
///     .build();
/// assert_eq!(neo4j.name(), "neo4j");
/// ```
pub struct StatefulService<E, N> {
    handle: Handle<StatefulSpec>,
    name: String,
    port: PortOf<StatefulService<E, N>>,
    _scope: PhantomData<fn() -> (E, N)>,
}

impl<E, N> Clone for StatefulService<E, N> {
    fn clone(&self) -> Self {
        StatefulService {
            handle: self.handle.clone(),
            name: self.name.clone(),
            port: self.port.clone(),
            _scope: PhantomData,
        }
    }
}

impl<E: EnvironmentName, N: NamespaceName> fmt::Debug for StatefulService<E, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StatefulService({})", self.handle.path())
    }
}

/// The model of a [`StatefulService`].
pub struct StatefulSpec {
    name: String,
    namespace: String,
    kind: &'static str,
    pod: PodModel,
    /// The number of pods.
    pub replicas: u32,
    volumes: Vec<DataVolume>,
    wiring: Wiring,
    overrides: Overrides,
}

// `new` starts a builder whose `build` returns the construct, as bon builders do.
#[allow(clippy::new_ret_no_self)]
#[bon]
impl<E: EnvironmentName, N: NamespaceName> StatefulService<E, N> {
    /// Starts a stateful service with id `id` in `namespace`; `image`, `port` and `volume` are
    /// required.
    #[builder(start_fn = new, finish_fn = build)]
    pub fn create(
        #[builder(start_fn)] scope: &impl NamespaceScope<Env = E, Ns = N>,
        #[builder(start_fn, into)] id: String,
        /// The container image (pin a tag or a digest).
        #[builder(into)]
        image: String,
        /// The port clients connect to.
        #[builder(into)]
        port: Port,
        /// The persistent volume (one claim per pod).
        volume: DataVolume,
        /// More writable scratch directories (`emptyDir`), besides `/tmp`.
        #[builder(default, with = |paths: impl IntoIterator<Item = &'static str>| paths.into_iter().collect())]
        scratch: Vec<&'static str>,
        /// The number of pods (default 1).
        #[builder(default = 1)]
        replicas: u32,
        /// Requests and limits (default: the `DefaultResources` aspect's).
        #[builder(default)]
        resources: Resources,
        /// The UID and GID to run as (the image's user; default 10001).
        #[builder(default = crate::DEFAULT_UID)]
        run_as: i64,
        /// The readiness probe (default: TCP connect to the port).
        readiness: Option<Probe>,
        /// The liveness probe (default: TCP connect to the port).
        liveness: Option<Probe>,
        /// The command.
        #[builder(default, with = |items: impl IntoIterator<Item = impl Into<String>>| items.into_iter().map(Into::into).collect())]
        command: Vec<String>,
        /// The arguments.
        #[builder(default, with = |items: impl IntoIterator<Item = impl Into<String>>| items.into_iter().map(Into::into).collect())]
        args: Vec<String>,
    ) -> StatefulService<E, N> {
        Self::with_kind(
            scope,
            id,
            "stateful-service",
            image,
            port,
            Some(volume),
            scratch,
            replicas,
            resources,
            run_as,
            readiness,
            liveness,
            command,
            args,
        )
    }
}

impl<E: EnvironmentName, N: NamespaceName> StatefulService<E, N> {
    /// A stateful service of `kind` (the `app.kubernetes.io/component` label); without a
    /// `volume` for a server that keeps nothing (an in-cluster cache).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn with_kind(
        scope: &impl NamespaceScope<Env = E, Ns = N>,
        id: String,
        kind: &'static str,
        image: String,
        port: Port,
        volume: Option<DataVolume>,
        scratch: Vec<&'static str>,
        replicas: u32,
        resources: Resources,
        run_as: i64,
        readiness: Option<Probe>,
        liveness: Option<Probe>,
        command: Vec<String>,
        args: Vec<String>,
    ) -> StatefulService<E, N> {
        let namespace = scope.namespace();
        let name = scope.object_name(&id);
        let mut pod = PodModel::new(
            name.clone(),
            image,
            run_as,
            crate::pod::ImageTagPolicy::of(namespace.environment()),
        );
        pod.ports = vec![port.clone()];
        pod.resources = resources;
        pod.command = command;
        pod.args = args;
        pod.readiness = Some(readiness.unwrap_or_else(Probe::tcp));
        pod.liveness = Some(liveness.unwrap_or_else(Probe::tcp));
        for (i, path) in scratch.iter().enumerate() {
            pod.mounts
                .push(Mount::scratch(&format!("scratch-{i}"), path, "256Mi"));
        }
        if let Some(volume) = &volume {
            pod.mounts.push(Mount::claim(&volume.name, &volume.path));
        }
        let spec = StatefulSpec {
            name: name.clone(),
            namespace: namespace.name().to_owned(),
            kind,
            pod,
            replicas,
            volumes: volume.into_iter().collect(),
            wiring: Wiring::default(),
            overrides: Overrides::default(),
        };
        let handle = namespace.app().add(scope.parent(), id, spec);
        let port = PortOf::new(port, handle.node(), handle.path().to_string());
        StatefulService {
            handle,
            name,
            port,
            _scope: PhantomData,
        }
    }

    /// The port clients connect to.
    pub fn port(&self) -> &PortOf<Self> {
        &self.port
    }

    /// Changes the emitted StatefulSet before it is written, through a [`PodEdit`].
    pub fn stateful_set_mut(
        &self,
        f: impl FnMut(&mut PodEdit<'_, StatefulSet>) + 'static,
    ) -> &Self {
        self.handle.update(|s| pod_edit(&mut s.overrides, f));
        self
    }

    /// The DNS name of its Service.
    pub fn host(&self) -> String {
        N::host(&self.name)
    }
}

workload_methods!(StatefulService);
crate::workload::port_methods!(StatefulService);
pod_methods!(StatefulService);

impl<E: EnvironmentName, N: NamespaceName> crate::monitoring::pods::Sealed
    for StatefulService<E, N>
{
    fn pods(&self) -> crate::monitoring::pods::Pods {
        crate::monitoring::pods::Pods::of(&self.handle, &self.name)
    }

    fn admit_scraper(&self, peer: Peer, port: &PortOf<Self>) -> bool {
        let declared = port.owner() == self.handle.node()
            && self.handle.read(|s| s.pod.ports.contains(port.as_port()));
        if declared {
            self.allow_from_on(peer, port);
        }
        declared
    }
}

impl<E: EnvironmentName, N: NamespaceName> crate::monitoring::MonitoredPods
    for StatefulService<E, N>
{
    type Env = E;
    type Ns = N;
}

impl<E: EnvironmentName, N: NamespaceName> Server for StatefulService<E, N> {
    type Connection<C, M> = Connection<C>;

    fn endpoint(&self) -> Endpoint {
        let path = self.handle.path();
        Endpoint {
            node: self.handle.node(),
            path: path.to_string(),
            namespace: N::NAME,
            selector: Labels::selector_of(&path, &self.name),
            host: self.host(),
            port: self.port.as_port().reached_in::<N>(),
            scheme: None,
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

impl StatefulSpec {
    fn meta(&self, labels: &Labels) -> ObjectMeta {
        object_meta(&self.name, &self.namespace, labels)
    }
}

impl Construct for StatefulSpec {
    fn kind(&self) -> &'static str {
        "StatefulService"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        let path = cx.path.as_str();
        self.pod.validate(path, diags);
        self.wiring.validate_ingress(path, &self.pod.ports, diags);
        // The StatefulSet controller labels each pod `controller-revision-hash: <name>-<hash>`.
        const REVISION: girder_core::name::Suffix = girder_core::name::Suffix {
            shape: "-<10-character revision hash>",
            len: 11,
            by: "Kubernetes, labelling each pod `controller-revision-hash`,",
            limit: girder_core::name::MAX_LABEL,
        };
        if let Some(error) = REVISION.check(path, "StatefulSet", &self.name) {
            diags.push(error);
        }
        if self.replicas == 0 {
            diags.push(
                Diagnostic::error(path, "replicas must be at least 1")
                    .hint("a stateful service with no pods serves nothing"),
            );
        }
        for v in &self.volumes {
            if v.size.to_string() == "0" {
                diags.push(
                    Diagnostic::error(path, format!("volume `{}` has size 0", v.name))
                        .hint("give the volume a size, e.g. `Memory::gib(20)`"),
                );
            }
            if !v.path.starts_with('/') {
                diags.push(
                    Diagnostic::error(
                        path,
                        format!(
                            "volume `{}` mounts at `{}`, not an absolute path",
                            v.name, v.path
                        ),
                    )
                    .hint("mount at an absolute path, e.g. `/data`"),
                );
            }
        }
        self.wiring.validate(path, &self.pod.env, diags);
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        let labels = Labels::new(cx, &self.name, self.kind);
        let selector = LabelSelector {
            match_labels: Some(labels.selector()),
            ..Default::default()
        };
        let mut manifests = Vec::with_capacity(6);
        manifests.push(Manifest::new(self.pod.service_account(self.meta(&labels))));
        manifests.push(Manifest::new(Service {
            metadata: self.meta(&labels),
            spec: Some(ServiceSpec {
                cluster_ip: Some("None".into()),
                selector: Some(labels.selector()),
                publish_not_ready_addresses: Some(false),
                ports: Some(
                    self.pod
                        .ports
                        .iter()
                        .map(|port| ServicePort {
                            name: Some(port.name().to_owned()),
                            port: port.service_number().into(),
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
        let checkov = self.pod.checkov_annotations();
        manifests.push(Manifest::new(StatefulSet {
            metadata: ObjectMeta {
                annotations: (!checkov.is_empty()).then_some(checkov),
                ..self.meta(&labels)
            },
            spec: Some(StatefulSetSpec {
                replicas: Some(self.replicas as i32),
                service_name: Some(self.name.clone()),
                selector: selector.clone(),
                pod_management_policy: Some("OrderedReady".into()),
                revision_history_limit: Some(5),
                template: PodTemplateSpec {
                    metadata: Some(self.pod.template_meta(labels.all())),
                    spec: Some(self.pod.spec(Some(&self.name))),
                },
                volume_claim_templates: (!self.volumes.is_empty()).then(|| {
                    self.volumes
                        .iter()
                        .map(|v| v.claim(labels.selector()))
                        .collect()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }));
        if self.replicas > 1 {
            manifests.push(Manifest::new(PodDisruptionBudget {
                metadata: self.meta(&labels),
                spec: Some(PodDisruptionBudgetSpec {
                    max_unavailable: Some(IntOrString::Int(1)),
                    selector: Some(selector.clone()),
                    ..Default::default()
                }),
                ..Default::default()
            }));
        }
        let policy = self
            .wiring
            .policy(self.meta(&labels), selector, &self.pod.ports);
        emit_workload(cx, manifests, policy, &self.wiring, &self.overrides, out);
    }
}
