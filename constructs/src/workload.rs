//! What workloads share: ports, probes, resources, environment values and network peers.

use std::collections::BTreeMap;

use girder_core::cidr::{Cidr, CidrError};
use girder_core::{Diagnostic, Diagnostics};

use crate::secret::KeySource;
use crate::wiring::EnvValue;
use girder_k8s::k8s_openapi::api::core::v1::{
    ConfigMapKeySelector, EnvVar, EnvVarSource, ExecAction, HTTPGetAction, Probe as ProbeObject,
    SecretKeySelector, TCPSocketAction,
};
use girder_k8s::k8s_openapi::api::networking::v1::{IPBlock, NetworkPolicyPeer};
use girder_k8s::k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use girder_k8s::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// A port a workload listens on. Its name is what probes, Services and policies refer to.
///
/// `Port::from(8080)` is `Port::http(8080)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    name: String,
    number: u16,
    protocol: Protocol,
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
        }
    }

    /// A UDP port with a name.
    pub fn udp(name: impl Into<String>, number: u16) -> Port {
        Port {
            name: name.into(),
            number,
            protocol: Protocol::Udp,
        }
    }

    /// The port's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The port's number.
    pub fn number(&self) -> u16 {
        self.number
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

/// A liveness or readiness probe, always against the workload's own port.
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
    Http(String),
    Tcp,
    Exec(Vec<String>),
}

impl Probe {
    /// An HTTP GET of `path`; healthy on a 2xx or 3xx answer.
    pub fn http(path: impl Into<String>) -> Probe {
        Probe::new(ProbeCheck::Http(path.into()))
    }

    /// A TCP connect to the port.
    pub fn tcp() -> Probe {
        Probe::new(ProbeCheck::Tcp)
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

    pub(crate) fn validate(&self, path: &str, which: &str, diags: &mut Diagnostics) {
        if let ProbeCheck::Http(p) = &self.check
            && (!p.starts_with('/') || p.chars().any(char::is_whitespace))
        {
            diags.push(
                Diagnostic::error(
                    path,
                    format!("{which} probe path `{p}` is not an absolute URL path"),
                )
                .hint("start the path with '/' and leave out spaces, e.g. `/healthz`"),
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
        let (http_get, tcp_socket, exec) = match &self.check {
            ProbeCheck::Http(path) => (
                Some(HTTPGetAction {
                    path: Some(path.clone()),
                    port: target(),
                    ..Default::default()
                }),
                None,
                None,
            ),
            ProbeCheck::Tcp => (
                None,
                Some(TCPSocketAction {
                    port: target(),
                    ..Default::default()
                }),
                None,
            ),
            ProbeCheck::Exec(command) => (
                None,
                None,
                Some(ExecAction {
                    command: Some(command.clone()),
                }),
            ),
        };
        ProbeObject {
            http_get,
            tcp_socket,
            exec,
            initial_delay_seconds: Some(self.initial_delay_seconds.into()),
            period_seconds: Some(self.period_seconds.into()),
            timeout_seconds: Some(self.timeout_seconds.into()),
            failure_threshold: Some(self.failure_threshold.into()),
            ..Default::default()
        }
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
