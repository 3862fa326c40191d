//! Wiring: how workloads get their configuration and reach each other.
//!
//! **Environment values.** [`WebService::env`](crate::WebService::env) takes anything that is
//! [`IntoEnv`] for the workload's environment `E` and namespace `N`: a literal, a key of a Secret
//! or ConfigMap of the same namespace ([`secret!`](macro@crate::secret)), or an address obtained from a
//! [`Connection`] in the same environment.
//!
//! **Connections.** `client.connect(&server)` is the only way to obtain a server's address. The
//! edge produces everything it implies: an egress rule in the client's NetworkPolicy and an
//! ingress rule in the server's, for the server's declared port only, and the address the client
//! puts in its environment. (Every workload's policy already lets it resolve names through
//! kube-dns.) The CloudFormation target extends the same edge with security-group rules and IAM
//! grants: a server reports what it needs through [`Server::endpoint`], a client records it.
//!
//! ```
//! use girder_constructs::WebService;
//! use girder_core::App;
//! use girder_k8s::KubernetesExt;
//!
//! girder_core::environment!(pub Prod = "prod");
//! girder_k8s::namespace!(pub Shop = "shop");
//!
//! let app = App::new("store");
//! let shop = app.environment(Prod).kubernetes().namespace(Shop);
//! let api = WebService::new(&shop, "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
//! let web = WebService::new(&shop, "web").image("ghcr.io/acme/web:1.0.0").port(8080).build();
//! let to_api = web.connect(&api);
//! web.env("API_URL", to_api.url());
//! ```
//!
//! Constructs of different environments cannot be wired together:
//!
//! ```compile_fail
//! # use girder_constructs::WebService;
//! # use girder_k8s::KubernetesExt;
//! # girder_core::environment!(pub Prod = "prod");
//! # girder_core::environment!(pub Staging = "staging");
//! # girder_k8s::namespace!(pub Shop = "shop");
//! # let app = girder_core::App::new("store");
//! let api = WebService::new(&app.environment(Staging).kubernetes().namespace(Shop), "api")
//!     .image("ghcr.io/acme/api:1.0.0").port(8080).build();
//! let web = WebService::new(&app.environment(Prod).kubernetes().namespace(Shop), "web")
//!     .image("ghcr.io/acme/web:1.0.0").port(8080).build();
//! web.connect(&api);
//! ```
//!
//! Nor can anything connect to a construct that declares no port:
//!
//! ```compile_fail
//! # use girder_constructs::{WebService, secret};
//! # use girder_k8s::KubernetesExt;
//! # girder_core::environment!(pub Prod = "prod");
//! # girder_k8s::namespace!(pub Shop = "shop");
//! # secret! { pub struct Token { value } }
//! # let app = girder_core::App::new("store");
//! # let shop = app.environment(Prod).kubernetes().namespace(Shop);
//! let web = WebService::new(&shop, "web").image("ghcr.io/acme/web:1.0.0").port(8080).build();
//! web.connect(&Token::existing(&shop, "token"));
//! ```

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;

use girder_core::NodeId;
use girder_core::cidr::Cidr;

use crate::secret::{Key, KeySource};
use crate::workload::Port;

/// The value of an environment variable, as the workload's model keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvValue {
    /// A literal value (never a secret: it is written into the manifest).
    Literal(String),
    /// A key of a Secret or ConfigMap of the workload's namespace.
    Key {
        /// Secret or ConfigMap.
        source: KeySource,
        /// The object's name.
        object: String,
        /// The key.
        key: String,
    },
    /// An address from a [`Connection`]: written as a literal, remembered as wiring.
    Address {
        /// The server's node.
        server: NodeId,
        /// The address.
        value: String,
    },
}

/// A value a workload of namespace `N` in environment `E` can put in an environment variable.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an environment value of a workload in namespace `{N}` of environment `{E}`",
    label = "not usable from `{N}` in `{E}`",
    note = "a Secret or ConfigMap key is only usable in its own namespace (Kubernetes resolves `secretKeyRef` in the pod's namespace): use a Secret of `{N}`, or share the secret into `{N}` with an ExternalSecret",
    note = "an address is only usable in the environment of its connection: connect to a server of `{E}`"
)]
pub trait IntoEnv<E, N> {
    /// The value for the workload's model.
    fn into_env(self) -> EnvValue;
}

impl<E, N> IntoEnv<E, N> for &str {
    fn into_env(self) -> EnvValue {
        EnvValue::Literal(self.to_owned())
    }
}

impl<E, N> IntoEnv<E, N> for String {
    fn into_env(self) -> EnvValue {
        EnvValue::Literal(self)
    }
}

impl<E, N> IntoEnv<E, N> for &String {
    fn into_env(self) -> EnvValue {
        EnvValue::Literal(self.clone())
    }
}

impl<E, N> IntoEnv<E, N> for Key<E, N> {
    fn into_env(self) -> EnvValue {
        EnvValue::Key {
            source: self.source(),
            object: self.object().to_owned(),
            key: self.key().to_owned(),
        }
    }
}

impl<E, N> IntoEnv<E, N> for Address<E> {
    fn into_env(self) -> EnvValue {
        EnvValue::Address {
            server: self.server,
            value: self.value,
        }
    }
}

/// Where a server can be reached, and who it is: what a client needs to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The server's node in the tree.
    pub node: NodeId,
    /// The server's path, for messages.
    pub path: String,
    /// The namespace of its pods.
    pub namespace: &'static str,
    /// The labels that select its pods.
    pub selector: BTreeMap<String, String>,
    /// The DNS name clients use, e.g. `api.shop.svc.cluster.local`.
    pub host: String,
    /// The port clients connect to.
    pub port: Port,
    /// The URL scheme of the port, if it speaks one (`http`).
    pub scheme: Option<&'static str>,
    /// For a server outside the cluster (a managed database): the address ranges clients'
    /// NetworkPolicies allow instead of selecting pods.
    pub cidrs: Vec<Cidr>,
}

/// The client side of a connection, as the server sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// The client's node.
    pub node: NodeId,
    /// The client's path, for messages.
    pub path: String,
    /// The namespace of its pods.
    pub namespace: &'static str,
    /// The labels that select its pods.
    pub selector: BTreeMap<String, String>,
}

/// Something that listens on a declared port, so that clients can connect to it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` exposes no port to connect to",
    label = "nothing listens here",
    note = "connect to a construct that declares a port, such as a `WebService`; a worker or a secret is not a server"
)]
pub trait Server {
    /// What a client of environment `E` in namespace `N` gets from connecting: addresses, and
    /// credentials for a database (as Secret keys the client's namespace can use).
    type Connection<E, N>;
    /// Where and who the server is.
    fn endpoint(&self) -> Endpoint;
    /// Records that `client` connects: the server admits it on its port.
    fn admit(&self, client: Client);
    /// Wraps the plain connection into what a client of namespace `N` gets.
    fn connection<E, N: girder_k8s::NamespaceName>(
        &self,
        connection: Connection<E>,
    ) -> Self::Connection<E, N>;
}

/// A server that clients in namespace `N` have a network path to: every server in the cluster
/// for every namespace, an AWS data store only for the namespaces on the environment's EKS
/// cluster (`Namespace<E, Eks<N>>`, from `eks.kubernetes().namespace(..)`), whose security group
/// it admits and whose IAM roles it trusts.
#[diagnostic::on_unimplemented(
    message = "clients in namespace `{N}` have no network path to `{Self}`",
    label = "not reachable from `{N}`",
    note = "AWS data stores (RDS `Postgres`, ElastiCache `RedisCluster`, `Bucket`, `Queue`, `AwsSecret`) are reachable only from namespaces on the environment's EKS cluster: `eks.kubernetes().namespace(..)`",
    note = "in a Compose environment (`env.compose()`), use the in-cluster stand-ins: `PostgresInCluster` for `Postgres`, `RedisInCluster` for `RedisCluster`, a typed `secret!` declared `existing` for an `AwsSecret`; S3 and SQS have none, keep them in the Kubernetes environment",
    note = "a server of the program declares the namespaces that reach it by implementing `Reachable<N>`"
)]
pub trait Reachable<N> {}

impl<E, N, M> Reachable<M> for crate::WebService<E, N> {}
impl<E, N, M> Reachable<M> for crate::StatefulService<E, N> {}
impl<E, N, M> Reachable<M> for crate::PostgresInCluster<E, N> {}
impl<E, N, M, R> Reachable<M> for crate::RedisInCluster<E, N, R> {}
impl<E, N, M> Reachable<M> for crate::mesh::TrafficSplit<E, N> {}

/// Marks the constructs of environment `E`: only those can be wired to each other.
#[diagnostic::on_unimplemented(
    message = "`{Self}` belongs to another environment than `{E}`",
    label = "not in `{E}`",
    note = "constructs of different environments (e.g. prod and staging) cannot be wired together: connect to the server of the same environment"
)]
pub trait InEnvironment<E> {}

/// A connection from a client to a server, in environment `E`: the source of the addresses the
/// client puts in its environment.
///
/// A connection whose addresses are never used is reported at synth (the NetworkPolicy rules
/// would allow traffic nobody needs); call [`Connection::keep`] when the program reaches the
/// server without an environment variable (e.g. from a config file).
#[must_use = "use the connection's address (e.g. `client.env(\"URL\", conn.url())`) or call `.keep()`"]
pub struct Connection<E> {
    endpoint: Endpoint,
    kept: Rc<Cell<bool>>,
    admit: Rc<dyn Fn(Client)>,
    /// The workload that connected, if a workload did.
    client: Option<Rc<ClientEnd>>,
    _env: PhantomData<fn() -> E>,
}

/// The workload at the client end of a [`Connection`]: what the AWS side needs to grant the
/// workload's own IAM role (recorded, unread, without the `aws` feature).
#[cfg_attr(not(feature = "aws"), allow(dead_code))]
struct ClientEnd {
    app: girder_core::App,
    path: String,
    /// Its service account and how to run its pods as an IAM role.
    #[cfg(feature = "aws")]
    workload: Option<crate::aws::WorkloadIdentity>,
}

impl<E> Clone for Connection<E> {
    fn clone(&self) -> Self {
        Connection {
            endpoint: self.endpoint.clone(),
            kept: self.kept.clone(),
            admit: self.admit.clone(),
            client: self.client.clone(),
            _env: PhantomData,
        }
    }
}

impl<E> fmt::Debug for Connection<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Connection({}:{})",
            self.endpoint.host,
            self.endpoint.port.service_number()
        )
    }
}

impl<E> Connection<E> {
    /// The connection `connect` makes: crate-private, so that no program forges one (and with
    /// it an address) to a server it did not connect to.
    pub(crate) fn new(endpoint: Endpoint, kept: Rc<Cell<bool>>, admit: Rc<dyn Fn(Client)>) -> Self {
        Connection {
            endpoint,
            kept,
            admit,
            client: None,
            _env: PhantomData,
        }
    }

    /// Records the workload at `path` as the client end.
    pub(crate) fn made_by(mut self, app: &girder_core::App, path: String) -> Self {
        self.client = Some(Rc::new(ClientEnd {
            app: app.clone(),
            path,
            #[cfg(feature = "aws")]
            workload: None,
        }));
        self
    }

    /// Records the client workload's service account, and how to run its pods as an IAM role.
    #[cfg(feature = "aws")]
    pub(crate) fn run_as(
        mut self,
        service_account: String,
        bind: impl Fn(crate::aws::RoleBinding) + 'static,
    ) -> Self {
        if let Some(client) = self.client.take() {
            self.client = Some(Rc::new(ClientEnd {
                app: client.app.clone(),
                path: client.path.clone(),
                workload: Some(crate::aws::WorkloadIdentity {
                    service_account,
                    bind: Rc::new(bind),
                }),
            }));
        }
        self
    }

    /// The path of the workload that connected, if a workload did.
    #[cfg(feature = "aws")]
    pub(crate) fn client_path(&self) -> Option<&str> {
        self.client.as_ref().map(|c| c.path.as_str())
    }

    /// The app of the workload that connected.
    #[cfg(feature = "aws")]
    pub(crate) fn app(&self) -> Option<&girder_core::App> {
        self.client.as_ref().map(|c| &c.app)
    }

    /// The workload that connected, as the AWS side needs it.
    #[cfg(feature = "aws")]
    pub(crate) fn workload(&self) -> Option<&crate::aws::WorkloadIdentity> {
        self.client.as_ref().and_then(|c| c.workload.as_ref())
    }

    /// The same connection, typed for environment `F`: for a server whose connection type
    /// names its own environment, which `connect`'s `InEnvironment` bound makes the client's.
    pub(crate) fn into_env<F>(self) -> Connection<F> {
        Connection {
            endpoint: self.endpoint,
            kept: self.kept,
            admit: self.admit,
            client: self.client,
            _env: PhantomData,
        }
    }

    /// Lets another client of the same server in: for components that act on the client's
    /// behalf, such as KEDA's operator reading a queue's length.
    pub fn admit_also(&self, client: Client) {
        (self.admit)(client);
    }

    /// Marks the connection as used by something other than an environment variable (a
    /// scaler, a monitor).
    pub(crate) fn mark_used(&self) {
        self.kept.set(true);
    }

    /// Keeps the connection although no environment variable carries its address: for a
    /// program that finds the server another way (a config file, a service mesh).
    pub fn keep(self) {
        self.kept.set(true);
    }

    fn address(&self, value: String) -> Address<E> {
        Address {
            server: self.endpoint.node,
            value,
            _env: PhantomData,
        }
    }

    /// The server's DNS name, e.g. `api.shop.svc.cluster.local`.
    pub fn host(&self) -> Address<E> {
        self.address(self.endpoint.host.clone())
    }

    /// The server's port number, as its Service exposes it.
    pub fn port(&self) -> Address<E> {
        self.address(self.endpoint.port.service_number().to_string())
    }

    /// `host:port`.
    pub fn host_port(&self) -> Address<E> {
        self.address(format!(
            "{}:{}",
            self.endpoint.host,
            self.endpoint.port.service_number()
        ))
    }

    /// `scheme://host:port` (the scheme is `http` for HTTP ports, `tcp` otherwise).
    pub fn url(&self) -> Address<E> {
        let scheme = self.endpoint.scheme.unwrap_or("tcp");
        self.address(format!(
            "{scheme}://{}:{}",
            self.endpoint.host,
            self.endpoint.port.service_number()
        ))
    }

    /// The server's endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }
}

/// An address of a server (host, port or URL) obtained from a [`Connection`] in environment `E`.
pub struct Address<E> {
    server: NodeId,
    value: String,
    _env: PhantomData<fn() -> E>,
}

impl<E> Address<E> {
    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.value
    }
}

impl<E> fmt::Debug for Address<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}
