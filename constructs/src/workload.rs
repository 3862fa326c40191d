//! What workloads share: ports, probes, resources, environment values and network peers.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use girder_core::cidr::{Cidr, CidrError};
use girder_core::{Diagnostic, Diagnostics, NodeId};

use crate::secret::KeySource;
use crate::wiring::EnvValue;
use girder_k8s::k8s_openapi::api::core::v1::{
    ConfigMapKeySelector, EnvVar, EnvVarSource, ExecAction, GRPCAction, HTTPGetAction, HTTPHeader,
    Probe as ProbeObject, SecretKeySelector, TCPSocketAction,
};
use girder_k8s::k8s_openapi::api::networking::v1::{IPBlock, NetworkPolicyPeer};
use girder_k8s::k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use girder_k8s::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// A port a workload listens on, as it is declared. Its name is what probes, Services and
/// policies refer to. Once declared, the workload hands out a [`PortOf`] handle for it, which
/// is what rules that open the port take.
///
/// `Port::from(8080)` is `Port::http(8080)`. The Service exposes the port under its own number
/// unless [`Port::service_port`] gives another (e.g. 80 in front of a container's 8080).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    name: String,
    number: u16,
    protocol: Protocol,
    service: Option<u16>,
}

/// The transport protocol of a [`Port`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// TCP (the default).
    #[default]
    Tcp,
    /// UDP.
    Udp,
}

impl Protocol {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
        }
    }
}

impl Port {
    /// An HTTP port named `http`.
    pub fn http(number: u16) -> Port {
        Port::tcp("http", number)
    }

    /// A TCP port with a name (an IANA service name: at most 15 lowercase letters, digits and `-`).
    pub fn tcp(name: impl Into<String>, number: u16) -> Port {
        Port {
            name: name.into(),
            number,
            protocol: Protocol::Tcp,
            service: None,
        }
    }

    /// A UDP port with a name.
    pub fn udp(name: impl Into<String>, number: u16) -> Port {
        Port {
            name: name.into(),
            number,
            protocol: Protocol::Udp,
            service: None,
        }
    }

    /// The port's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Exposes the port on the workload's Service as `number` (the container keeps listening
    /// on its own): clients' addresses from `connect` use `number`, NetworkPolicies the
    /// container's port, which is what they see.
    #[must_use]
    pub fn service_port(mut self, number: u16) -> Port {
        self.service = Some(number);
        self
    }

    /// The port's number: the one the container listens on.
    pub fn number(&self) -> u16 {
        self.number
    }

    /// The number the Service exposes the port on: [`Port::service_port`]'s, else the
    /// container's.
    pub fn service_number(&self) -> u16 {
        self.service.unwrap_or(self.number)
    }

    /// The port as clients in namespace `N` reach it: where they connect to the pods directly
    /// (a Compose project has no Service in front), on the container's number.
    pub(crate) fn reached_in<N: girder_k8s::NamespaceName>(&self) -> Port {
        let mut port = self.clone();
        if N::DIRECT {
            port.service = None;
        }
        port
    }

    /// The port's protocol.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The port as diagnostics name it: `` `metrics` (9090/TCP) ``.
    pub(crate) fn describe(&self) -> String {
        format!(
            "`{}` ({}/{})",
            self.name,
            self.number,
            self.protocol.as_str()
        )
    }

    pub(crate) fn validate(&self, path: &str, diags: &mut Diagnostics) {
        if self.service == Some(0) {
            diags.push(
                Diagnostic::error(path, format!("port `{}` is exposed on service port 0", self.name))
                    .hint("use a service port from 1 to 65535, or leave `.service_port(..)` out to expose the container's"),
            );
        }
        if self.number == 0 {
            diags.push(
                Diagnostic::error(path, format!("port `{}` is 0", self.name))
                    .hint("use a port number from 1 to 65535 (unprivileged: 1024 and above)"),
            );
        } else if self.number < 1024 {
            diags.push(
                Diagnostic::error(path, format!("port `{}` is {}, a privileged port", self.name, self.number))
                    .cause("pods run as a non-root user without capabilities and cannot bind ports below 1024")
                    .hint("listen on 1024 or above (e.g. 8080); the Service can still expose any port"),
            );
        }
        let n = &self.name;
        let valid = !n.is_empty()
            && n.len() <= 15
            && n.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
            && n.bytes().any(|c| c.is_ascii_lowercase())
            && !n.starts_with('-')
            && !n.ends_with('-')
            && !n.contains("--");
        if !valid {
            diags.push(
                Diagnostic::error(path, format!("invalid port name `{n}`"))
                    .hint("a port name is at most 15 lowercase letters, digits and '-', with at least one letter (e.g. `http`, `grpc`)"),
            );
        }
    }
}

impl From<u16> for Port {
    fn from(number: u16) -> Port {
        Port::http(number)
    }
}

/// A port that workload `W` declared, handed out by it: its main port (`api.port()`) or one it
/// added (`api.add_port(Port::tcp("metrics", 9090))`). Rules that open a port
/// (`allow_from_on`, a `ServiceMonitor`) take only these, so they cannot open a port the
/// workload does not listen on: a port of a workload of another kind, namespace or
/// environment does not compile, one of a sibling of the same type fails synth naming both.
pub struct PortOf<W> {
    port: Port,
    owner: NodeId,
    owner_path: String,
    _owner: PhantomData<fn() -> W>,
}

impl<W> PortOf<W> {
    pub(crate) fn new(port: Port, owner: NodeId, owner_path: String) -> PortOf<W> {
        PortOf {
            port,
            owner,
            owner_path,
            _owner: PhantomData,
        }
    }

    /// The port as declared.
    pub fn as_port(&self) -> &Port {
        &self.port
    }

    /// The port's name.
    pub fn name(&self) -> &str {
        self.port.name()
    }

    /// The number the container listens on.
    pub fn number(&self) -> u16 {
        self.port.number()
    }

    /// The number the Service exposes it on.
    pub fn service_number(&self) -> u16 {
        self.port.service_number()
    }

    /// The port's protocol.
    pub fn protocol(&self) -> Protocol {
        self.port.protocol()
    }

    /// The workload that declared it.
    pub(crate) fn owner(&self) -> NodeId {
        self.owner
    }

    /// The port, if the workload of `handle` handed it out; otherwise reports a rule of that
    /// workload opening another workload's port (naming both) and gives `None`.
    pub(crate) fn owned_by<T: girder_core::Construct>(
        &self,
        handle: &girder_core::Handle<T>,
    ) -> Option<Port> {
        if self.owner == handle.node() {
            return Some(self.port.clone());
        }
        let path = handle.path();
        handle.app().report(
            Diagnostic::error(
                path.as_str(),
                format!(
                    "admits traffic on port {} of `{}`, another workload",
                    self.port.describe(),
                    self.owner_path
                ),
            )
            .cause(format!("`{path}` does not listen on it: the rule would open nothing, or a port of the same number that is not the one meant"))
            .hint(format!("pass a port of `{path}`: its `.port()` or a handle its `.add_port(..)` returned")),
        );
        None
    }
}

impl<W> Clone for PortOf<W> {
    fn clone(&self) -> Self {
        PortOf::new(self.port.clone(), self.owner, self.owner_path.clone())
    }
}

impl<W> PartialEq for PortOf<W> {
    fn eq(&self, other: &Self) -> bool {
        self.owner == other.owner && self.port == other.port
    }
}

impl<W> fmt::Debug for PortOf<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PortOf({}, {})", self.owner_path, self.port.describe())
    }
}

/// A port handle of workload `W`: what rules that open one of `W`'s ports accept.
///
/// A `Port` value, or a port of another kind of workload, does not compile:
///
/// ```compile_fail
/// # use girder_constructs::{Peer, Port, WebService};
/// # use girder_k8s::KubernetesExt;
/// # girder_core::environment!(pub Prod = "prod");
/// # girder_k8s::namespace!(pub Web = "web");
/// # let app = girder_core::App::new("shop");
/// # let ns = app.environment(Prod).kubernetes().namespace(Web);
/// let api = WebService::new(&ns, "api").image("ghcr.io/acme/api:1.4.2").port(8080).build();
/// api.allow_from_on(Peer::namespace("monitoring"), &Port::tcp("admin", 9000));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a port handed out by `{W}`",
    label = "not one of this workload's ports",
    note = "a rule opens only a port the workload declares: pass its main port (`.port()`) or the handle `.add_port(Port::tcp(..))` returned",
    note = "a `Port` value is only a declaration, and another workload's handle names another workload's port"
)]
pub trait OwnPort<W> {
    /// The handle.
    fn handle(&self) -> &PortOf<W>;
}

#[diagnostic::do_not_recommend]
impl<W> OwnPort<W> for PortOf<W> {
    fn handle(&self) -> &PortOf<W> {
        self
    }
}

/// Implements the port methods of the workloads that listen (`WebService`, `StatefulService`,
/// `Worker`): `add_port`, `allow_from_on` and `declares`, on `$ty<E, N>` whose handle's model
/// has fields `pod: PodModel` and `wiring: Wiring`.
macro_rules! port_methods {
    ($ty:ident $(, $extra:ident)*) => {
        impl<E: girder_core::EnvironmentName, N: girder_k8s::NamespaceName $(, $extra)*> $ty<E, N $(, $extra)*> {
            /// Declares another port the workload listens on (e.g. `Port::tcp("metrics", 9090)`),
            /// on its container and on its Service where it has one, and returns its handle for
            /// the rules that open it ([`allow_from_on`](Self::allow_from_on), a `ServiceMonitor`
            /// or `PodMonitor`). Nothing is admitted on it until such a rule says so.
            pub fn add_port(&self, port: impl Into<$crate::Port>) -> $crate::PortOf<Self> {
                let port = port.into();
                let declared = port.clone();
                self.handle.update(|s| s.pod.ports.push(declared));
                $crate::PortOf::new(port, self.handle.node(), self.handle.path().to_string())
            }

            /// Admits traffic from `peer` (outside this program: a monitoring namespace, an
            /// address range) on `port`, a port this workload handed out (its main port, or a
            /// handle from [`add_port`](Self::add_port)). A handle of another workload of the same
            /// type fails synth, naming both; a `Port` value or a port of another kind of workload
            /// does not compile ([`OwnPort`]($crate::OwnPort)).
            pub fn allow_from_on(&self, peer: $crate::Peer, port: &impl $crate::OwnPort<Self>) -> &Self {
                let Some(port) = port.handle().owned_by(&self.handle) else {
                    return self;
                };
                self.handle
                    .update(|s| s.wiring.ingress_from.push((peer, Some(port))));
                self
            }

            /// Whether `port` is one of its ports: its main port or one it added.
            pub fn declares(&self, port: &$crate::PortOf<Self>) -> bool {
                port.owner() == self.handle.node()
                    && self.handle.read(|s| s.pod.ports.contains(port.as_port()))
            }
        }
    };
}

pub(crate) use port_methods;

/// A liveness or readiness probe, always against the workload's own (main) port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    check: ProbeCheck,
    initial_delay_seconds: u16,
    period_seconds: u16,
    timeout_seconds: u16,
    failure_threshold: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ProbeCheck {
    Http(HttpGet),
    Tcp,
    Grpc(Option<String>),
    Exec(Vec<String>),
}

/// The request of an HTTP probe: a path and, if the server needs them, headers (e.g. a `Host`
/// for a virtual host). `"/ready"` converts into one.
///
/// ```
/// use girder_constructs::{HttpGet, Probe};
///
/// let probe = Probe::http(HttpGet::path("/ready").header("Host", "api.shop.example"));
/// # let _ = probe;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpGet {
    path: String,
    headers: Vec<(String, String)>,
}

impl HttpGet {
    /// A GET of `path` (an absolute URL path, checked at synth).
    pub fn path(path: impl Into<String>) -> HttpGet {
        HttpGet {
            path: path.into(),
            headers: Vec::new(),
        }
    }

    /// Sends header `name: value` with the request.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> HttpGet {
        self.headers.push((name.into(), value.into()));
        self
    }
}

impl From<&str> for HttpGet {
    fn from(path: &str) -> HttpGet {
        HttpGet::path(path)
    }
}

impl From<String> for HttpGet {
    fn from(path: String) -> HttpGet {
        HttpGet::path(path)
    }
}

impl Probe {
    /// An HTTP GET of a path (`"/ready"`, or an [`HttpGet`] with headers); healthy on a 2xx or
    /// 3xx answer.
    pub fn http(request: impl Into<HttpGet>) -> Probe {
        Probe::new(ProbeCheck::Http(request.into()))
    }

    /// A TCP connect to the port.
    pub fn tcp() -> Probe {
        Probe::new(ProbeCheck::Tcp)
    }

    /// Kubernetes' native gRPC probe: the standard gRPC health check
    /// (`grpc.health.v1.Health/Check`) of the whole server, on the port.
    pub fn grpc() -> Probe {
        Probe::new(ProbeCheck::Grpc(None))
    }

    /// The gRPC health check of one service of the server (`service` in the health request).
    pub fn grpc_service(service: impl Into<String>) -> Probe {
        Probe::new(ProbeCheck::Grpc(Some(service.into())))
    }

    /// A command run in the container; healthy when it exits 0 (for workloads without a port,
    /// e.g. `celery inspect ping`).
    pub fn exec(command: impl IntoIterator<Item = impl Into<String>>) -> Probe {
        Probe::new(ProbeCheck::Exec(
            command.into_iter().map(Into::into).collect(),
        ))
    }

    /// Whether the probe needs a port.
    pub(crate) fn needs_port(&self) -> bool {
        !matches!(self.check, ProbeCheck::Exec(_))
    }

    fn new(check: ProbeCheck) -> Probe {
        Probe {
            check,
            initial_delay_seconds: 0,
            period_seconds: 10,
            timeout_seconds: 1,
            failure_threshold: 3,
        }
    }

    /// Seconds before the first check (default 0).
    #[must_use]
    pub fn initial_delay(mut self, seconds: u16) -> Probe {
        self.initial_delay_seconds = seconds;
        self
    }

    /// Seconds between checks (default 10).
    #[must_use]
    pub fn period(mut self, seconds: u16) -> Probe {
        self.period_seconds = seconds;
        self
    }

    /// Seconds before one check times out (default 1).
    #[must_use]
    pub fn timeout(mut self, seconds: u16) -> Probe {
        self.timeout_seconds = seconds;
        self
    }

    /// Failed checks in a row before the container is restarted or marked unready (default 3).
    #[must_use]
    pub fn failure_threshold(mut self, n: u16) -> Probe {
        self.failure_threshold = n;
        self
    }

    /// Checks the probe against the port it targets (`None`: the workload declares none).
    pub(crate) fn validate(
        &self,
        path: &str,
        which: &str,
        port: Option<&Port>,
        diags: &mut Diagnostics,
    ) {
        if let ProbeCheck::Http(get) = &self.check {
            let p = &get.path;
            if !p.starts_with('/') || p.chars().any(char::is_whitespace) {
                diags.push(
                    Diagnostic::error(
                        path,
                        format!("{which} probe path `{p}` is not an absolute URL path"),
                    )
                    .hint("start the path with '/' and leave out spaces, e.g. `/healthz`"),
                );
            }
            for (i, (name, value)) in get.headers.iter().enumerate() {
                let token = !name.is_empty()
                    && name
                        .bytes()
                        .all(|c| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c));
                if !token {
                    diags.push(
                        Diagnostic::error(
                            path,
                            format!(
                                "{which} probe header name `{name}` is not an HTTP header name"
                            ),
                        )
                        .hint("use letters, digits and '-', e.g. `Host` or `X-Probe`"),
                    );
                }
                if value.chars().any(|c| c == '\r' || c == '\n') {
                    diags.push(
                        Diagnostic::error(
                            path,
                            format!("{which} probe header `{name}` has a line break in its value"),
                        )
                        .hint("a header value is one line"),
                    );
                }
                if get.headers[..i]
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case(name))
                {
                    diags.push(
                        Diagnostic::error(
                            path,
                            format!("{which} probe header `{name}` is set twice"),
                        )
                        .hint("set each header once; the server would see both values"),
                    );
                }
            }
        }
        if let ProbeCheck::Grpc(Some(service)) = &self.check
            && service.trim().is_empty()
        {
            diags.push(
                Diagnostic::error(path, format!("{which} probe checks the gRPC service ``"))
                    .hint("name the service, or use `Probe::grpc()` to check the whole server"),
            );
        }
        if let Some(port) = port
            && self.needs_port()
            && port.protocol() == Protocol::Udp
        {
            diags.push(
                Diagnostic::error(
                    path,
                    format!(
                        "the {which} probe connects over TCP to {}, a UDP port",
                        port.describe()
                    ),
                )
                .cause("the probe could never succeed")
                .hint("use `Probe::exec([..])`, or declare a TCP port first"),
            );
        }
        if self.period_seconds == 0 || self.timeout_seconds == 0 || self.failure_threshold == 0 {
            diags.push(
                Diagnostic::error(
                    path,
                    format!(
                        "{which} probe period, timeout and failure threshold must be at least 1"
                    ),
                )
                .hint("leave them at their defaults (10 s, 1 s, 3) unless you need otherwise"),
            );
        }
    }

    pub(crate) fn to_k8s(&self, port: Option<&Port>) -> ProbeObject {
        let target = || IntOrString::String(port.map(|p| p.name.clone()).unwrap_or_default());
        let mut probe = ProbeObject {
            initial_delay_seconds: Some(self.initial_delay_seconds.into()),
            period_seconds: Some(self.period_seconds.into()),
            timeout_seconds: Some(self.timeout_seconds.into()),
            failure_threshold: Some(self.failure_threshold.into()),
            ..Default::default()
        };
        match &self.check {
            ProbeCheck::Http(get) => {
                probe.http_get = Some(HTTPGetAction {
                    path: Some(get.path.clone()),
                    port: target(),
                    http_headers: (!get.headers.is_empty()).then(|| {
                        get.headers
                            .iter()
                            .map(|(name, value)| HTTPHeader {
                                name: name.clone(),
                                value: value.clone(),
                            })
                            .collect()
                    }),
                    ..Default::default()
                });
            }
            ProbeCheck::Tcp => {
                probe.tcp_socket = Some(TCPSocketAction {
                    port: target(),
                    ..Default::default()
                });
            }
            // The gRPC probe takes a port number, not a name.
            ProbeCheck::Grpc(service) => {
                probe.grpc = Some(GRPCAction {
                    port: port.map_or(0, |p| p.number.into()),
                    service: service.clone(),
                });
            }
            ProbeCheck::Exec(command) => {
                probe.exec = Some(ExecAction {
                    command: Some(command.clone()),
                });
            }
        }
        probe
    }
}

pub(crate) fn validate_env(path: &str, env: &[(String, EnvValue)], diags: &mut Diagnostics) {
    for (i, (name, _)) in env.iter().enumerate() {
        let valid = name
            .bytes()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
            && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_');
        if !valid {
            diags.push(
                Diagnostic::error(path, format!("invalid environment variable name `{name}`"))
                    .hint("use letters, digits and '_', not starting with a digit (e.g. `DATABASE_URL`)"),
            );
        }
        if env[..i].iter().any(|(n, _)| n == name) {
            diags.push(
                Diagnostic::error(path, format!("environment variable `{name}` is set twice"))
                    .hint("set each variable once; the second value would silently win"),
            );
        }
    }
}

pub(crate) fn env_to_k8s(env: &[(String, EnvValue)]) -> Vec<EnvVar> {
    env.iter()
        .map(|(name, value)| match value {
            EnvValue::Literal(v) | EnvValue::Address { value: v, .. } => EnvVar {
                name: name.clone(),
                value: Some(v.clone()),
                ..Default::default()
            },
            EnvValue::Key {
                source,
                object,
                key,
            } => {
                let (secret_key_ref, config_map_key_ref) = match source {
                    KeySource::Secret => (
                        Some(SecretKeySelector {
                            name: object.clone(),
                            key: key.clone(),
                            optional: Some(false),
                        }),
                        None,
                    ),
                    KeySource::ConfigMap => (
                        None,
                        Some(ConfigMapKeySelector {
                            name: object.clone(),
                            key: key.clone(),
                            optional: Some(false),
                        }),
                    ),
                };
                EnvVar {
                    name: name.clone(),
                    value_from: Some(EnvVarSource {
                        secret_key_ref,
                        config_map_key_ref,
                        ..Default::default()
                    }),
                    ..Default::default()
                }
            }
        })
        .collect()
}

/// Who may talk to a workload, or whom a workload may talk to, in a NetworkPolicy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peer {
    /// Pods with these labels in the workload's own namespace.
    Pods(BTreeMap<String, String>),
    /// Pods with these labels in the namespace of this name.
    NamespacePods {
        /// The namespace's name.
        namespace: String,
        /// The pods' labels (empty: every pod of the namespace).
        labels: BTreeMap<String, String>,
    },
    /// An IP range outside the cluster: build it with [`Peer::cidr`], which keeps a malformed
    /// range to report at synth, with the workload's path.
    Cidr(Result<Cidr, CidrError>),
}

impl Peer {
    /// Pods of the same namespace that carry label `key=value`.
    pub fn pods_labelled(key: impl Into<String>, value: impl Into<String>) -> Peer {
        Peer::Pods(BTreeMap::from([(key.into(), value.into())]))
    }

    /// The addresses of `range` (`"203.0.113.0/24"`, `"0.0.0.0/0"`, a [`Cidr`]); a malformed
    /// range fails synth with the workload's path.
    ///
    /// ```
    /// use girder_constructs::Peer;
    ///
    /// assert!(matches!(Peer::cidr("0.0.0.0/0"), Peer::Cidr(Ok(_))));
    /// assert!(matches!(Peer::cidr("10.0.0.1/16"), Peer::Cidr(Err(_))));
    /// ```
    pub fn cidr(range: impl TryInto<Cidr, Error: Into<CidrError>>) -> Peer {
        Peer::Cidr(range.try_into().map_err(Into::into))
    }

    /// Every pod of another namespace, e.g. one whose operator is installed outside this program.
    pub fn namespace(name: impl Into<String>) -> Peer {
        Peer::NamespacePods {
            namespace: name.into(),
            labels: BTreeMap::new(),
        }
    }

    pub(crate) fn validate(&self, path: &str, diags: &mut Diagnostics) {
        if let Peer::Cidr(Err(error)) = self {
            diags.push(
                Diagnostic::error(path, error.to_string())
                    .hint("write the first address of the range and a prefix length, e.g. `Peer::cidr(\"203.0.113.0/24\")`"),
            );
        }
        if let Peer::NamespacePods { namespace, .. } = self
            && !girder_core::name::is_dns1123_label(namespace)
        {
            diags.push(
                Diagnostic::error(path, format!("`{namespace}` is not a valid namespace name"))
                    .hint("namespace names are DNS-1123 labels: lowercase letters, digits and '-'"),
            );
        }
    }

    pub(crate) fn to_k8s(&self) -> NetworkPolicyPeer {
        let select = |labels: &BTreeMap<String, String>| LabelSelector {
            match_labels: Some(labels.clone()),
            ..Default::default()
        };
        match self {
            Peer::Pods(labels) => NetworkPolicyPeer {
                pod_selector: Some(select(labels)),
                ..Default::default()
            },
            Peer::NamespacePods { namespace, labels } => NetworkPolicyPeer {
                namespace_selector: Some(select(&BTreeMap::from([(
                    "kubernetes.io/metadata.name".to_owned(),
                    namespace.clone(),
                )]))),
                pod_selector: (!labels.is_empty()).then(|| select(labels)),
                ..Default::default()
            },
            Peer::Cidr(cidr) => NetworkPolicyPeer {
                ip_block: Some(IPBlock {
                    // A malformed range was reported by `validate`; nothing is written then.
                    cidr: cidr
                        .as_ref()
                        .map_or_else(|_| String::new(), Cidr::to_string),
                    except: None,
                }),
                ..Default::default()
            },
        }
    }
}
