//! [`Worker`]: a queue consumer, autoscaled on queue depth (KEDA) and CPU.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use bon::bon;
use girder_core::{Construct, Context, Diagnostic, Diagnostics, Emitted, EnvironmentName, Handle};
use girder_k8s::crd::keda::{
    AuthenticationRef, IdentityOwner, MetricType, PodIdentity, PodIdentityProvider, ScaleTargetRef,
    ScaledObject, ScaledObjectSpec, SecretTargetRef, Trigger, TriggerAuthentication,
    TriggerAuthenticationSpec, TriggerType,
};
use girder_k8s::k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use girder_k8s::k8s_openapi::api::core::v1::PodTemplateSpec;
use girder_k8s::k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use girder_k8s::k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use girder_k8s::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use girder_k8s::labels::Labels;
use girder_k8s::quantity::Resources;
use girder_k8s::{Manifest, NamespaceName, NamespaceScope, Overrides};

#[cfg(feature = "aws")]
use crate::aws::queue::ScaledQueue;
#[cfg(feature = "aws")]
use crate::aws::{Published, Queue};
use crate::edit::{PodEdit, pod_edit};
use crate::monitoring::MonitoredPods;
use crate::monitoring::pods::{self, Pods};
use crate::pod::{
    DEFAULT_UID, PodModel, Wiring, emit_workload, object_meta, pod_methods, workload_methods,
};
use crate::replicas::{Fixed, ReplicaCount, Replicas, Scalable, Shape};
use crate::secret::Key;
use crate::wiring::{Client, Connection};
use crate::workload::{Peer, PortOf, Probe};

/// A scaler a worker of namespace `N` in environment `E` can scale on: one built from its own
/// connections and metrics.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot scale a worker in namespace `{N}` of environment `{E}`",
    label = "built from another namespace's or environment's connection or metrics",
    note = "a scaler reads a queue through the worker's own connection (`Scaler::sqs(&worker.connect(&queue), ..)`) or metrics of its own namespace: build it from those",
    note = "to scale on another namespace's metrics, monitor and alert in that namespace instead"
)]
pub trait ScalerOf<E, N> {
    /// The scaler.
    fn into_scaler(self) -> Scaler<E, N>;
}

impl<E, N> ScalerOf<E, N> for Scaler<E, N> {
    fn into_scaler(self) -> Scaler<E, N> {
        self
    }
}

/// What a [`Worker`] scales on, besides the CPU and memory targets of its replica range
/// ([`Replicas::between(0, 30).cpu(80)`](crate::Replicas::cpu)): KEDA reads queue lengths.
pub struct Scaler<E, N> {
    trigger: Trigger,
    /// A Secret key KEDA passes to the trigger as `parameter`.
    secret: Option<(String, Key<E, N>)>,
    /// The workload's AWS identity (IRSA) is what KEDA uses to read the queue.
    aws_identity: bool,
    /// The SQS queue an SQS scaler watches: its URL's environment variable is filled in when
    /// the worker renders.
    #[cfg(feature = "aws")]
    queue: Option<ScaledQueue>,
}

impl<E, N> fmt::Debug for Scaler<E, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scaler({:?})", self.trigger.type_)
    }
}

impl<E, N> Scaler<E, N> {
    pub(crate) fn new(
        type_: TriggerType,
        metadata: impl IntoIterator<Item = (&'static str, String)>,
    ) -> Self {
        Scaler {
            trigger: Trigger {
                type_,
                name: None,
                metadata: metadata
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect(),
                authentication_ref: None,
                metric_type: None,
                use_cached_metrics: None,
            },
            secret: None,
            aws_identity: false,
            #[cfg(feature = "aws")]
            queue: None,
        }
    }

    /// The length of the Redis list `list` behind `connection` (a Celery or RQ queue): one pod
    /// per `per_pod` items. KEDA's operator is admitted by the Redis server's NetworkPolicy.
    pub fn redis_list(connection: &Connection<E>, list: &str, per_pod: u32) -> Self {
        let endpoint = connection.endpoint();
        connection.admit_also(keda_operator());
        connection.mark_used();
        Scaler::new(
            TriggerType::Redis,
            [
                (
                    "address",
                    format!("{}:{}", endpoint.host, endpoint.port.service_number()),
                ),
                ("listName", list.to_owned()),
                ("listLength", per_pod.to_string()),
            ],
        )
    }

    /// Passes the Redis password from a Secret key of the worker's namespace.
    #[must_use]
    pub fn password(mut self, key: Key<E, N>) -> Self {
        self.secret = Some(("password".to_owned(), key));
        self
    }
}

#[cfg(feature = "aws")]
impl<E: EnvironmentName, N> Scaler<E, N> {
    /// The number of visible messages of the SQS queue of `connection`, the worker's own
    /// connection to it: one pod per `per_pod` messages. KEDA reads the queue's URL from the
    /// worker's environment variable set from `connection.value()`, and the queue's depth with
    /// its own IAM role (IRSA; the EKS `Cluster` creates it, allowed to read exactly the queues
    /// scalers watch: `Cluster::keda_role_arn`). A worker that is not connected to the queue,
    /// or passes no environment variable its URL, fails synth. With the `aws` feature.
    ///
    /// ```
    /// # use girder_aws::AwsExt;
    /// # use girder_constructs::aws::{Cluster, Network, NodeGroup};
    /// # use girder_constructs::{Queue, Scaler, Worker};
    /// # girder_core::environment!(pub Prod = "prod");
    /// # girder_k8s::namespace!(pub Shop = "shop");
    /// # let app = girder_core::App::new("shop");
    /// # let prod = app.environment(Prod);
    /// # let data = prod.aws("123456789012", "eu-west-1").stack("data");
    /// # let net = Network::new(&data, "net").availability_zones(2).build();
    /// # let eks = Cluster::new(&data, "eks").network(&net)
    /// #     .node_group(NodeGroup::new("general").instance_types(["m6i.large"])).build();
    /// # let ns = eks.kubernetes().namespace(Shop);
    /// let jobs = Queue::new(&data, "jobs").build();
    /// let worker = Worker::new(&ns, "worker").image("ghcr.io/acme/worker:1.0").replicas(0..=10).build();
    /// let queue = worker.connect(&jobs).consume();
    /// worker
    ///     .env("JOBS_QUEUE_URL", queue.value())
    ///     .scale_on(Scaler::sqs(&queue, 10));
    /// ```
    pub fn sqs(connection: &Published<E, N, Queue<E>>, per_pod: u32) -> Self {
        let queue = ScaledQueue::of(connection);
        let mut s = Scaler::new(
            TriggerType::AwsSqsQueue,
            [
                ("awsRegion", queue.region.clone()),
                ("queueLength", per_pod.to_string()),
            ],
        );
        s.aws_identity = true;
        s.queue = Some(queue);
        s
    }
}

/// KEDA's operator as installed by its Helm chart: namespace `keda`, pods labelled
/// `app=keda-operator`.
fn keda_operator() -> Client {
    Client {
        node: girder_core::NodeId::ROOT,
        path: "keda-operator".into(),
        namespace: "keda",
        selector: BTreeMap::from([("app".into(), "keda-operator".into())]),
    }
}

/// A queue consumer: a Deployment without a Service, autoscaled by KEDA on queue depth (and
/// CPU), secure by default like [`crate::WebService`]: non-root, read-only root filesystem, no
/// capabilities, a NetworkPolicy that admits nothing and lets it reach only DNS and what it
/// connects to.
///
/// Its replica shape `S` is part of its type: `.replicas(1)` makes a `Worker<E, N, Fixed>`
/// (the default of `S`), `.replicas(1..=20)` or `.replicas(Replicas::between(1, 20).cpu(80))`
/// a `Worker<E, N, Autoscaled>`. Only the latter has [`scale_on`](Worker::scale_on): a scaler of
/// a worker that cannot scale does not compile.
///
/// ```
/// use girder_constructs::{Scaler, WebService, Worker};
/// use girder_core::App;
/// use girder_k8s::KubernetesExt;
///
/// girder_core::environment!(pub Prod = "prod");
/// girder_k8s::namespace!(pub Jobs = "jobs");
///
/// let app = App::new("shop");
/// let ns = app.environment(Prod).kubernetes().namespace(Jobs);
/// let redis = WebService::new(&ns, "redis").image("redis:7.4").port(girder_constructs::Port::tcp("redis", 6379)).replicas(1).build();
/// let celery = Worker::new(&ns, "celery").image("ghcr.io/acme/worker:1.0.0").replicas(1..=20).build();
/// let broker = celery.connect(&redis);
/// celery.env("CELERY_BROKER_URL", broker.url());
/// celery.scale_on(Scaler::redis_list(&broker, "celery", 10));
/// ```
///
/// A fixed count has nothing to scale:
///
/// ```compile_fail
/// # use girder_constructs::{Scaler, WebService, Worker};
/// # use girder_k8s::KubernetesExt;
/// # girder_core::environment!(pub Prod = "prod");
/// # girder_k8s::namespace!(pub Jobs = "jobs");
/// # let app = girder_core::App::new("shop");
/// # let ns = app.environment(Prod).kubernetes().namespace(Jobs);
/// # let redis = WebService::new(&ns, "redis").image("redis:7.4").port(girder_constructs::Port::tcp("redis", 6379)).replicas(1).build();
/// let celery = Worker::new(&ns, "celery").image("ghcr.io/acme/worker:1.0.0").replicas(1).build();
/// let broker = celery.connect(&redis);
/// celery.scale_on(Scaler::redis_list(&broker, "celery", 10));
/// ```
pub struct Worker<E, N, S = Fixed> {
    handle: Handle<WorkerSpec<E, N>>,
    name: String,
    _scope: PhantomData<fn() -> (E, N)>,
    _shape: PhantomData<fn() -> S>,
}

impl<E, N, S> Clone for Worker<E, N, S> {
    fn clone(&self) -> Self {
        Worker {
            handle: self.handle.clone(),
            name: self.name.clone(),
            _scope: PhantomData,
            _shape: PhantomData,
        }
    }
}

impl<E: EnvironmentName, N: NamespaceName, S> fmt::Debug for Worker<E, N, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Worker({})", self.handle.path())
    }
}

/// The model of a [`Worker`].
pub struct WorkerSpec<E, N> {
    name: String,
    namespace: String,
    pod: PodModel,
    /// The replica count, or the range KEDA scales within and its CPU and memory targets.
    pub replicas: ReplicaCount,
    scalers: Vec<Scaler<E, N>>,
    wiring: Wiring,
    overrides: Overrides,
}

// `new` starts a builder whose `build` returns the construct, as bon builders do.
#[allow(clippy::new_ret_no_self)]
#[bon]
impl<E: EnvironmentName, N: NamespaceName> Worker<E, N> {
    /// Starts a worker with id `id` in `namespace`; `image` and `replicas` are required.
    #[builder(start_fn = new, finish_fn = build)]
    pub fn create<S: Shape>(
        #[builder(start_fn)] scope: &impl NamespaceScope<Env = E, Ns = N>,
        #[builder(start_fn, into)] id: String,
        /// The container image (pin a tag or a digest).
        #[builder(into)]
        image: String,
        /// A fixed count (`1`, [`Replicas::fixed`]) or a range KEDA scales within (`0..=30`,
        /// [`Replicas::between`], with CPU and memory targets if it should scale on them too);
        /// it makes the worker's type, and only a range has [`Worker::scale_on`].
        #[builder(into)]
        replicas: Replicas<S>,
        /// Requests and limits (default: the `DefaultResources` aspect's).
        #[builder(default)]
        resources: Resources,
        /// The UID and GID to run as (default [`DEFAULT_UID`]); must not be 0.
        #[builder(default = DEFAULT_UID)]
        run_as: i64,
        /// The command, replacing the image's entrypoint.
        #[builder(default, with = |items: impl IntoIterator<Item = impl Into<String>>| items.into_iter().map(Into::into).collect())]
        command: Vec<String>,
        /// The arguments.
        #[builder(default, with = |items: impl IntoIterator<Item = impl Into<String>>| items.into_iter().map(Into::into).collect())]
        args: Vec<String>,
        /// The liveness probe: a `Probe::exec`, or a probe of its first port once it declares
        /// one ([`Worker::add_port`]) (default: none; the kubelet restarts the container when
        /// its process exits).
        liveness: Option<Probe>,
    ) -> Worker<E, N, S> {
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
        pod.liveness = liveness;
        let spec = WorkerSpec {
            name: name.clone(),
            namespace: namespace.name().to_owned(),
            pod,
            replicas: replicas.count(),
            scalers: Vec::new(),
            wiring: Wiring::default(),
            overrides: Overrides::default(),
        };
        let handle = namespace.app().add(scope.parent(), id, spec);
        Worker {
            handle,
            name,
            _scope: PhantomData,
            _shape: PhantomData,
        }
    }
}

workload_methods!(Worker, R);
crate::workload::port_methods!(Worker, R);
pod_methods!(Worker, R);

impl<E: EnvironmentName, N: NamespaceName, S> Worker<E, N, S> {
    /// Scales on `scaler` too (KEDA takes the largest replica count any scaler asks for). Only
    /// a worker with a replica range has it.
    pub fn scale_on(&self, scaler: impl ScalerOf<E, N>) -> &Self
    where
        S: Scalable,
        N: girder_k8s::OnKubernetes,
    {
        let scaler = scaler.into_scaler();
        #[cfg(feature = "aws")]
        if let Some(queue) = &scaler.queue {
            queue.register();
        }
        self.handle.update(|s| s.scalers.push(scaler));
        self
    }

    /// Changes the emitted Deployment before it is written, through a [`PodEdit`].
    pub fn deployment_mut(&self, f: impl FnMut(&mut PodEdit<'_, Deployment>) + 'static) -> &Self {
        self.handle.update(|s| pod_edit(&mut s.overrides, f));
        self
    }
}

impl<E: EnvironmentName, N: NamespaceName, S> pods::Sealed for Worker<E, N, S> {
    fn pods(&self) -> Pods {
        Pods::of(&self.handle, &self.name)
    }

    fn admit_scraper(&self, peer: Peer, port: &PortOf<Self>) -> bool {
        let declared = self.declares(port);
        if declared {
            self.allow_from_on(peer, port);
        }
        declared
    }
}

impl<E: EnvironmentName, N: NamespaceName, S> MonitoredPods for Worker<E, N, S> {
    type Env = E;
    type Ns = N;
}

impl<E: 'static, N: 'static> WorkerSpec<E, N> {
    fn meta(&self, labels: &Labels) -> ObjectMeta {
        object_meta(&self.name, &self.namespace, labels)
    }

    /// The environment variable that carries `queue`'s URL, if the worker sets one from its
    /// connection (the first, in declaration order).
    #[cfg(feature = "aws")]
    fn queue_url_env(&self, queue: &ScaledQueue) -> Option<&str> {
        self.pod
            .env
            .iter()
            .find(|(_, value)| *value == queue.url)
            .map(|(name, _)| name.as_str())
    }

    /// Reports SQS scalers whose queue the worker is not connected to, or whose URL no
    /// environment variable carries (KEDA reads it from there).
    #[cfg(feature = "aws")]
    fn validate_queues(&self, path: &str, diags: &mut Diagnostics) {
        for queue in self.scalers.iter().filter_map(|s| s.queue.as_ref()) {
            let connected = self
                .wiring
                .connections
                .iter()
                .any(|edge| edge.server == queue.node);
            let example = "`let jobs = worker.connect(&queue).consume(); worker.env(\"JOBS_QUEUE_URL\", jobs.value()).scale_on(Scaler::sqs(&jobs, 10))`";
            if !connected {
                diags.push(
                    Diagnostic::error(
                        path,
                        format!(
                            "scales on the queue `{}`, which this worker is not connected to",
                            queue.path
                        ),
                    )
                    .cause("the scaler was given another workload's connection")
                    .hint(format!(
                        "connect this worker and scale on its own connection: {example}"
                    )),
                );
            } else if self.queue_url_env(queue).is_none() {
                diags.push(
                    Diagnostic::error(path, format!("scales on the queue `{}`, and no environment variable carries its URL", queue.path))
                        .cause("KEDA's SQS scaler reads the queue's URL from the worker's environment (`queueURLFromEnv`)")
                        .hint(format!("pass the URL from the connection: {example}")),
                );
            }
        }
    }
}

impl<E: 'static, N: 'static> Construct for WorkerSpec<E, N> {
    fn kind(&self) -> &'static str {
        "Worker"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        let path = cx.path.as_str();
        self.pod.validate(path, diags);
        self.wiring.validate_ingress(path, &self.pod.ports, diags);
        self.replicas.validate(path, 0, diags);
        if let ReplicaCount::Autoscaled(a) = self.replicas {
            let (min, max) = (a.min, a.max);
            let resources = a.cpu.is_some() || a.memory.is_some();
            if self.scalers.is_empty() && !resources {
                diags.push(
                    Diagnostic::error(path, format!("replicas {min}..={max} but nothing to scale on"))
                        .cause("KEDA would keep the minimum: the range would have no effect")
                        .hint("add `.scale_on(Scaler::redis_list(..))` or `Scaler::sqs(..)`, a target on the range (`Replicas::between(1, 10).cpu(80)`), or use a fixed count"),
                );
            } else if min == 0 && self.scalers.is_empty() {
                diags.push(
                    Diagnostic::error(path, format!("replicas {min}..={max} scale on CPU or memory alone, from 0 pods"))
                        .cause("KEDA cannot scale from zero on CPU or memory: no pod, no utilization to measure")
                        .hint("start the range at 1, or scale on a queue too (`.scale_on(Scaler::sqs(..))`)"),
                );
            }
        }
        #[cfg(feature = "aws")]
        self.validate_queues(path, diags);
        self.wiring.validate(path, &self.pod.env, diags);
        self.pod.validate_role(path, &self.namespace, diags);
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        let labels = Labels::new(cx, &self.name, "worker");
        let selector = LabelSelector {
            match_labels: Some(labels.selector()),
            ..Default::default()
        };
        let (min, max) = (self.replicas.min(), self.replicas.max());
        let autoscaling = match self.replicas {
            ReplicaCount::Autoscaled(a) => Some(a),
            _ => None,
        };
        let scaled = autoscaling.is_some();
        let mut manifests = Vec::with_capacity(6);
        manifests.push(Manifest::new(self.pod.service_account(self.meta(&labels))));
        let pod_spec = self.pod.spec(Some(&self.name));
        let checkov = self.pod.worker_checkov_annotations();
        manifests.push(Manifest::new(Deployment {
            metadata: ObjectMeta {
                annotations: (!checkov.is_empty()).then_some(checkov),
                ..self.meta(&labels)
            },
            spec: Some(DeploymentSpec {
                replicas: (!scaled).then_some(min as i32),
                revision_history_limit: Some(5),
                selector: selector.clone(),
                template: PodTemplateSpec {
                    metadata: Some(self.pod.template_meta(labels.all())),
                    spec: Some(pod_spec),
                },
                ..Default::default()
            }),
            ..Default::default()
        }));
        if min >= 2 {
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
        if let Some(autoscaling) = autoscaling {
            let secrets: Vec<SecretTargetRef> = self
                .scalers
                .iter()
                .filter_map(|s| {
                    let (parameter, key) = s.secret.as_ref()?;
                    Some(SecretTargetRef {
                        parameter: parameter.clone(),
                        name: key.object().to_owned(),
                        key: key.key().to_owned(),
                    })
                })
                .collect();
            let aws = self.scalers.iter().any(|s| s.aws_identity);
            let auth = (!secrets.is_empty() || aws).then(|| AuthenticationRef {
                name: self.name.clone(),
                kind: None,
            });
            if auth.is_some() {
                manifests.push(Manifest::new(TriggerAuthentication {
                    metadata: self.meta(&labels),
                    spec: TriggerAuthenticationSpec {
                        pod_identity: aws.then_some(PodIdentity {
                            provider: PodIdentityProvider::Aws,
                            role_arn: None,
                            identity_owner: Some(IdentityOwner::Keda),
                            identity_id: None,
                        }),
                        secret_target_ref: secrets,
                        env: Vec::new(),
                    },
                }));
            }
            let resource = |name: TriggerType, target: Option<u8>| {
                let mut trigger =
                    Scaler::<E, N>::new(name, [("value", target?.to_string())]).trigger;
                trigger.metric_type = Some(MetricType::Utilization);
                Some(trigger)
            };
            let resources = [
                resource(TriggerType::Cpu, autoscaling.cpu),
                resource(TriggerType::Memory, autoscaling.memory),
            ];
            let triggers = self
                .scalers
                .iter()
                .map(|s| {
                    let mut t = s.trigger.clone();
                    // A scaler without its variable was reported by `validate`.
                    #[cfg(feature = "aws")]
                    if let Some(env) = s.queue.as_ref().and_then(|q| self.queue_url_env(q)) {
                        t.metadata
                            .insert("queueURLFromEnv".to_owned(), env.to_owned());
                    }
                    if s.secret.is_some() || s.aws_identity {
                        t.authentication_ref = auth.clone();
                    }
                    t
                })
                .chain(resources.into_iter().flatten())
                .collect();
            manifests.push(Manifest::new(ScaledObject {
                metadata: self.meta(&labels),
                spec: ScaledObjectSpec {
                    scale_target_ref: ScaleTargetRef {
                        name: self.name.clone(),
                        ..Default::default()
                    },
                    min_replica_count: Some(min as i32),
                    max_replica_count: Some(max as i32),
                    polling_interval: Some(15),
                    cooldown_period: Some(300),
                    triggers,
                    ..Default::default()
                },
            }));
        }
        let policy = self
            .wiring
            .policy(self.meta(&labels), selector, &self.pod.ports);
        emit_workload(cx, manifests, policy, &self.wiring, &self.overrides, out);
    }
}
