//! Connecting to an environment's cluster the way kubectl would, and what a failed request
//! means to the person deploying.

use std::path::PathBuf;
use std::time::Duration;

use girder_synth::remote::Endpoints;
use girder_synth::{EXIT_DEPLOY_FAILED, EXIT_UNAVAILABLE};
use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};
use kube::{Client, Config};

/// Why a cluster could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum ClusterError {
    /// The kubeconfig file could not be read.
    #[error("cannot read the kubeconfig {}", path.display())]
    ReadKubeconfig {
        path: PathBuf,
        #[source]
        source: KubeconfigError,
    },
    /// No kubeconfig was found and the program does not run in a cluster.
    #[error("no kubeconfig found ($KUBECONFIG, ~/.kube/config) and not running in a pod")]
    NoKubeconfig {
        #[source]
        source: KubeconfigError,
    },
    /// The context (or the kubeconfig's current one) cannot be used.
    #[error("cannot use the kube context {}", context.as_deref().map_or("(current)".to_owned(), |c| format!("`{c}`")))]
    Context {
        context: Option<String>,
        #[source]
        source: KubeconfigError,
    },
    /// The client could not be built (TLS, proxy).
    #[error("cannot create a client for {server}")]
    Client {
        server: String,
        #[source]
        source: kube::Error,
    },
    /// No answer from the API server.
    #[error("the API server {server} is unreachable: {detail}")]
    Unreachable { server: String, detail: String },
    /// The API server refused the credentials, or forbids what was asked.
    #[error("the API server {server} refused the request ({what}): HTTP {code}: {message}")]
    Credentials {
        server: String,
        what: String,
        code: u16,
        message: String,
    },
    /// Any other failed request.
    #[error("{what}: {message}")]
    Request { what: String, message: String },
}

impl ClusterError {
    /// What to do about it.
    pub(crate) fn hint(&self) -> String {
        match self {
            ClusterError::ReadKubeconfig { .. } => {
                "check the path given to --kubeconfig, or leave it out to use $KUBECONFIG or ~/.kube/config".into()
            }
            ClusterError::NoKubeconfig { .. } => {
                "pass --kubeconfig, set $KUBECONFIG, or create ~/.kube/config (e.g. `aws eks update-kubeconfig`)".into()
            }
            ClusterError::Context { .. } => {
                "list the contexts with `kubectl config get-contexts`; choose one with --context or the environment's `.kubernetes().context(..)`".into()
            }
            ClusterError::Client { .. } => {
                "check the cluster's server URL, certificate authority and proxy in the kubeconfig".into()
            }
            ClusterError::Unreachable { .. } => {
                "check that the cluster is running and reachable from here (VPN, firewall), and that the kubeconfig names the right server; `kubectl cluster-info` tries the same".into()
            }
            ClusterError::Credentials { code: 401, .. } => {
                "the credentials are invalid or expired: log in again (e.g. `aws sso login`, or refresh the token in the kubeconfig)".into()
            }
            ClusterError::Credentials { .. } => {
                "the credentials are valid but not allowed to do this: ask for RBAC permissions on these objects (`kubectl auth can-i --list`)".into()
            }
            ClusterError::Request { .. } => {
                "run the command again; if it keeps failing, check the API server's health (`kubectl get --raw /readyz`)".into()
            }
        }
    }

    /// The exit code it gives.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            ClusterError::Request { .. } => EXIT_DEPLOY_FAILED,
            _ => EXIT_UNAVAILABLE,
        }
    }
}

/// A connected cluster.
#[derive(Clone)]
pub(crate) struct Cluster {
    /// The client.
    pub(crate) client: Client,
    /// The context used, when from a kubeconfig.
    pub(crate) context: Option<String>,
    /// The API server's URL.
    pub(crate) server: String,
    /// The Kubernetes version the API server reports (`1.20`), once asked.
    pub(crate) version: String,
}

/// How long to wait for a connection to the API server.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to wait for one answer.
const READ_TIMEOUT: Duration = Duration::from_secs(60);

impl Cluster {
    /// Connects to the cluster of an environment: `endpoints` (`--kubeconfig`, `--context`)
    /// first, then the environment's `context`, then what kubectl uses (`$KUBECONFIG`,
    /// `~/.kube/config` and its current context; in a pod without a kubeconfig, the pod's
    /// service account). Asks the API server its version, so an unreachable server is found
    /// here.
    pub(crate) async fn connect(
        endpoints: &Endpoints,
        env_context: Option<&str>,
    ) -> Result<Cluster, ClusterError> {
        let context = endpoints
            .context
            .clone()
            .or_else(|| env_context.map(str::to_owned));
        let kubeconfig = match &endpoints.kubeconfig {
            Some(path) => Some(Kubeconfig::read_from(path).map_err(|source| {
                ClusterError::ReadKubeconfig {
                    path: path.clone(),
                    source,
                }
            })?),
            None => match Kubeconfig::read() {
                Ok(kubeconfig) => Some(kubeconfig),
                // In a pod (a CI runner in the cluster) without a kubeconfig: its service account.
                Err(source) if context.is_none() => match Config::incluster() {
                    Ok(_) => None,
                    Err(_) => return Err(ClusterError::NoKubeconfig { source }),
                },
                Err(source) => return Err(ClusterError::NoKubeconfig { source }),
            },
        };
        let (mut config, context) = match kubeconfig {
            Some(kubeconfig) => {
                let used = context
                    .clone()
                    .or_else(|| kubeconfig.current_context.clone());
                let options = KubeConfigOptions {
                    context: context.clone(),
                    cluster: None,
                    user: None,
                };
                let config = Config::from_custom_kubeconfig(kubeconfig, &options)
                    .await
                    .map_err(|source| ClusterError::Context {
                        context: used.clone(),
                        source,
                    })?;
                (config, used)
            }
            None => match Config::incluster() {
                Ok(config) => (config, None),
                Err(_) => {
                    return Err(ClusterError::Unreachable {
                        server: "(in-cluster)".into(),
                        detail: "the pod's service account cannot be read".into(),
                    });
                }
            },
        };
        config.connect_timeout = Some(CONNECT_TIMEOUT);
        config.read_timeout = Some(READ_TIMEOUT);
        let server = config
            .cluster_url
            .to_string()
            .trim_end_matches('/')
            .to_owned();
        let client = Client::try_from(config).map_err(|source| ClusterError::Client {
            server: server.clone(),
            source,
        })?;
        let mut cluster = Cluster {
            client,
            context,
            server,
            version: String::new(),
        };
        let info = cluster
            .client
            .apiserver_version()
            .await
            .map_err(|e| cluster.fault("asking the API server its version", e))?;
        cluster.version = format!("{}.{}", info.major, info.minor.trim_end_matches('+'));
        Ok(cluster)
    }

    /// What the failed request `what` means.
    pub(crate) fn fault(&self, what: &str, error: kube::Error) -> ClusterError {
        classify(&self.server, what, error)
    }

    /// `context <name> (<server>, Kubernetes <version>)`, for the first line of a command.
    pub(crate) fn describe(&self) -> String {
        let context = self
            .context
            .as_deref()
            .map_or_else(|| "in-cluster".to_owned(), |c| format!("context {c}"));
        format!("{context}, {}, Kubernetes {}", self.server, self.version)
    }
}

/// What the failed request `what` to `server` means: unreachable, credentials refused, or an
/// error of the request itself.
pub(crate) fn classify(server: &str, what: &str, error: kube::Error) -> ClusterError {
    match error {
        kube::Error::Api(status) if status.code == 401 || status.code == 403 => {
            ClusterError::Credentials {
                server: server.to_owned(),
                what: what.to_owned(),
                code: status.code,
                message: status.message,
            }
        }
        kube::Error::Api(status) => ClusterError::Request {
            what: what.to_owned(),
            message: format!("HTTP {}: {}", status.code, status.message),
        },
        kube::Error::HyperError(_) | kube::Error::Service(_) => ClusterError::Unreachable {
            server: server.to_owned(),
            detail: chain(&error),
        },
        kube::Error::Auth(_) => ClusterError::Credentials {
            server: server.to_owned(),
            what: what.to_owned(),
            code: 401,
            message: chain(&error),
        },
        other => ClusterError::Request {
            what: what.to_owned(),
            message: chain(&other),
        },
    }
}

/// An error and its causes, on one line, each said once.
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next: Option<&dyn std::error::Error> = Some(error);
    while let Some(e) = next {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: u16, message: &str) -> kube::Error {
        kube::Error::Api(Box::new(kube::core::Status {
            code,
            message: message.into(),
            ..kube::core::Status::default()
        }))
    }

    #[test]
    fn refused_credentials_and_other_answers_are_told_apart() {
        let e = classify("https://k", "listing pods", api(401, "Unauthorized"));
        assert!(matches!(e, ClusterError::Credentials { code: 401, .. }));
        assert_eq!(e.exit_code(), EXIT_UNAVAILABLE);
        assert!(e.hint().contains("log in again"), "{}", e.hint());
        let e = classify("https://k", "listing pods", api(403, "forbidden"));
        assert!(e.hint().contains("RBAC"), "{}", e.hint());
        let e = classify("https://k", "getting api", api(500, "etcd timeout"));
        assert_eq!(e.exit_code(), EXIT_DEPLOY_FAILED);
        assert_eq!(e.to_string(), "getting api: HTTP 500: etcd timeout");
    }
}
