//! Databases inside the cluster: [`PostgresInCluster`] (with `pg_dump` backups) and
//! [`RedisInCluster`] (a store, or a cache), built on [`StatefulService`]. Their clients get
//! typed connection info through `connect`: addresses, and credentials as Secret keys of the
//! database's namespace.
//!
//! **Credentials come with the path.** The credentials Secret is given to the database's
//! builder, which takes it; a client gets its keys from the connection that also opens the
//! NetworkPolicies (`client.connect(&db).password()`). A pod that reads a database's credentials
//! Secret without a network path to the database (declared again by name, or a key taken from
//! another workload's connection, or added by an escape hatch) is refused at synth, on the final
//! objects (`girder_k8s::rules::refs`).
//!
//! The builders are checked at compile time: the credentials are required, and each setter is
//! given once.
//!
//! ```compile_fail
//! # use girder_constructs::{PgVersion, PostgresInCluster};
//! # use girder_k8s::KubernetesExt;
//! # girder_core::environment!(pub Prod = "prod");
//! # girder_k8s::namespace!(pub Shop = "shop");
//! # let app = girder_core::App::new("shop");
//! # let ns = app.environment(Prod).kubernetes().namespace(Shop);
//! // No credentials: does not compile.
//! let db = PostgresInCluster::new(&ns, "db", PgVersion::V16).build();
//! ```

use std::fmt;

use bon::bon;
use girder_core::EnvironmentName;
use girder_k8s::quantity::{Memory, Resources};
use girder_k8s::rules::refs::{Credentials, Declarations};
use girder_k8s::{NamespaceName, NamespaceScope};

use crate::job::CronJob;
use crate::secret::Key;
use crate::stateful::{DataVolume, StatefulService};
use crate::wiring::{Address, Client, Connection, Endpoint, InEnvironment, Server};
use crate::workload::{Port, Probe};

crate::secret! {
    /// The credentials Secret of a database: `username` and `password`.
    pub struct DatabaseCredentials { username, password }
}

crate::secret! {
    /// The Secret holding a Redis password: `password`.
    pub struct RedisPassword { password }
}

/// A PostgreSQL major version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PgVersion {
    /// PostgreSQL 15.
    V15,
    /// PostgreSQL 16.
    V16,
    /// PostgreSQL 17.
    V17,
}

impl PgVersion {
    fn number(self) -> u8 {
        match self {
            PgVersion::V15 => 15,
            PgVersion::V16 => 16,
            PgVersion::V17 => 17,
        }
    }
}

/// Nightly `pg_dump` backups to a volume, kept for a number of days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgDump {
    schedule: String,
    retain_days: u32,
    size: Memory,
}

impl PgDump {
    /// Every day at 03:00, kept 7 days, on a 20 GiB volume.
    pub fn daily() -> PgDump {
        PgDump {
            schedule: "0 3 * * *".into(),
            retain_days: 7,
            size: Memory::gib(20),
        }
    }

    /// Keeps dumps `days` days.
    #[must_use]
    pub fn retain_days(mut self, days: u32) -> PgDump {
        self.retain_days = days;
        self
    }

    /// The backup volume's size.
    #[must_use]
    pub fn volume(mut self, size: Memory) -> PgDump {
        self.size = size;
        self
    }
}

/// PostgreSQL (or TimescaleDB) as a StatefulSet with a persistent volume, its credentials from
/// an existing Secret, and optional `pg_dump` backups by a CronJob.
///
/// ```
/// use girder_constructs::{DatabaseCredentials, PgDump, PgVersion, PostgresInCluster, WebService};
/// use girder_core::App;
/// use girder_k8s::KubernetesExt;
/// use girder_k8s::quantity::Memory;
///
/// girder_core::environment!(pub Prod = "prod");
/// girder_k8s::namespace!(pub Shop = "shop");
///
/// let app = App::new("screener");
/// let ns = app.environment(Prod).kubernetes().namespace(Shop);
/// let db = PostgresInCluster::new(&ns, "db", PgVersion::V16)
///     .timescale()
///     .credentials(DatabaseCredentials::existing(&ns, "db-credentials"))
///     .storage(Memory::gib(50))
///     .backups(PgDump::daily().retain_days(14))
///     .build();
/// let api = WebService::new(&ns, "api").image("ghcr.io/acme/api:1.0.0").port(8000).build();
/// let pg = api.connect(&db);
/// api.env("DB_HOST", pg.host()).env("DB_PASSWORD", pg.password());
/// ```
pub struct PostgresInCluster<E, N> {
    service: StatefulService<E, N>,
    credentials: DatabaseCredentials<E, N>,
    database: String,
}

impl<E, N> Clone for PostgresInCluster<E, N> {
    fn clone(&self) -> Self {
        PostgresInCluster {
            service: self.service.clone(),
            credentials: self.credentials.clone(),
            database: self.database.clone(),
        }
    }
}

impl<E: EnvironmentName, N: NamespaceName> fmt::Debug for PostgresInCluster<E, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PostgresInCluster({:?})", self.service)
    }
}

/// Declares `secret` the credentials of `service`: only its pods and its connected clients may
/// read it (checked at synth on the final objects).
fn declare_credentials<E: EnvironmentName, N: NamespaceName>(
    scope: &impl NamespaceScope<Env = E, Ns = N>,
    service: &StatefulService<E, N>,
    secret: &str,
) {
    let namespace = scope.namespace();
    let endpoint = service.endpoint();
    Declarations::credentials(
        namespace.app(),
        Credentials {
            env: namespace.environment().name().to_owned(),
            namespace: N::NAME.to_owned(),
            secret: secret.to_owned(),
            server: endpoint.path,
            selector: endpoint.selector,
            ranges: Vec::new(),
        },
    );
}

// `new` starts a builder whose `build` returns the construct, as bon builders do.
#[allow(clippy::new_ret_no_self)]
#[bon]
impl<E: EnvironmentName, N: NamespaceName> PostgresInCluster<E, N> {
    /// Starts a database with id `id` in `namespace` running `version`; the credentials are
    /// required.
    #[builder(start_fn = new, finish_fn = build)]
    pub fn create(
        #[builder(start_fn)] scope: &impl NamespaceScope<Env = E, Ns = N>,
        #[builder(start_fn, into)] id: String,
        #[builder(start_fn)] version: PgVersion,
        /// Runs TimescaleDB (the `timescale/timescaledb` image of the same major version)
        /// instead of PostgreSQL.
        #[builder(with = || true, default)]
        timescale: bool,
        /// The Secret with the superuser's `username` and `password`: the database takes it,
        /// and clients get its keys from their connection.
        credentials: DatabaseCredentials<E, N>,
        /// The database created at first start (default `app`).
        #[builder(into, default = String::from("app"))]
        database: String,
        /// The data volume's size (default 20 GiB).
        #[builder(default = Memory::gib(20))]
        storage: Memory,
        /// The data volume's storage class (default: the cluster's default class).
        #[builder(into)]
        storage_class: Option<String>,
        /// Requests and limits (default: the `DefaultResources` aspect's).
        #[builder(default)]
        resources: Resources,
        /// Nightly `pg_dump` backups (default: none).
        backups: Option<PgDump>,
    ) -> PostgresInCluster<E, N> {
        let v = version.number();
        // Both images' entrypoints run as an arbitrary non-root user (their documented
        // `--user` support): the data directory only has to be writable, which the volume's
        // fsGroup ensures. A high UID keeps clear of the node's users.
        let image = if timescale {
            format!("timescale/timescaledb:2.17.2-pg{v}")
        } else {
            format!("postgres:{v}.6-bookworm")
        };
        let uid = crate::DEFAULT_UID;
        let mut volume = DataVolume::new("data", "/var/lib/postgresql/data", storage);
        if let Some(class) = storage_class {
            volume = volume.class(&class);
        }
        let service = StatefulService::new(scope, id.clone())
            .image(image.clone())
            .port(Port::tcp("postgres", 5432))
            .volume(volume)
            .scratch(["/var/run/postgresql"])
            .resources(resources)
            .run_as(uid)
            .readiness(Probe::tcp().period(5))
            .liveness(Probe::tcp().initial_delay(30))
            .build();
        service
            .env("POSTGRES_USER", credentials.username())
            .env("POSTGRES_PASSWORD", credentials.password())
            .env("POSTGRES_DB", database.as_str())
            .env("PGDATA", "/var/lib/postgresql/data/pgdata");
        declare_credentials(scope, &service, credentials.name());
        let db = PostgresInCluster {
            service,
            credentials,
            database,
        };
        if let Some(backups) = backups {
            let dump = CronJob::new(scope, format!("{id}-backup"))
                .image(image)
                .schedule(backups.schedule.clone())
                .run_as(uid)
                .command(["/bin/sh", "-c"])
                .args([format!(
                    "set -eu; f=/backups/$(date +%Y%m%d-%H%M%S).sql.gz; pg_dump --no-password | gzip > \"$f.partial\" && mv \"$f.partial\" \"$f\"; find /backups -name '*.sql.gz' -mtime +{} -delete",
                    backups.retain_days
                )])
                .build();
            dump.volume("/backups", backups.size);
            let pg = dump.connect(&db);
            dump.env("PGHOST", pg.host())
                .env("PGPORT", pg.port())
                .env("PGDATABASE", db.database.as_str())
                .env("PGUSER", pg.username())
                .env("PGPASSWORD", pg.password());
        }
        db
    }
}

impl<E: EnvironmentName, N: NamespaceName> PostgresInCluster<E, N> {
    /// The StatefulService underneath (for edits and extra wiring).
    pub fn service(&self) -> &StatefulService<E, N> {
        &self.service
    }
}

/// What a client of a [`PostgresInCluster`] gets from `connect`: the addresses, and the
/// credentials' keys. Only the workload that connected has a network path to the database, so
/// only it may read them (another workload reading them is refused at synth).
pub struct PgConnection<E, N> {
    connection: Connection<E>,
    credentials: DatabaseCredentials<E, N>,
    database: String,
}

impl<E, N> PgConnection<E, N> {
    /// The server's DNS name.
    pub fn host(&self) -> Address<E> {
        self.connection.host()
    }

    /// The port (5432).
    pub fn port(&self) -> Address<E> {
        self.connection.port()
    }

    /// The database's name.
    pub fn database(&self) -> &str {
        &self.database
    }

    /// Keeps the connection although no environment variable carries its address (the client
    /// reads a connection URL from a Secret, for instance).
    pub fn keep(self) {
        self.connection.keep();
    }
}

impl<E: EnvironmentName, N: NamespaceName> PgConnection<E, N> {
    /// The user name, a key of the database's credentials Secret (usable only in the
    /// database's namespace, by the workload that connected).
    pub fn username(&self) -> Key<E, N> {
        self.credentials.username()
    }

    /// The password, a key of the database's credentials Secret (usable only in the database's
    /// namespace, by the workload that connected).
    pub fn password(&self) -> Key<E, N> {
        self.credentials.password()
    }
}

impl<E: EnvironmentName, N: NamespaceName> Server for PostgresInCluster<E, N> {
    type Connection<C, M> = PgConnection<E, N>;

    fn endpoint(&self) -> Endpoint {
        let mut endpoint = self.service.endpoint();
        endpoint.scheme = Some("postgresql");
        endpoint
    }

    fn admit(&self, client: Client) {
        self.service.admit(client);
    }

    fn connection<C, M: NamespaceName>(&self, connection: Connection<C>) -> PgConnection<E, N> {
        PgConnection {
            connection: connection.into_env(),
            credentials: self.credentials.clone(),
            database: self.database.clone(),
        }
    }
}

impl<E, N> InEnvironment<E> for PostgresInCluster<E, N> {}

/// How a [`RedisInCluster`] keeps its data: [`RedisStore`] (persistent, with a password) or
/// [`RedisCache`] (in memory only, no password). Sealed: these two are the choices.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Redis mode",
    label = "not a Redis mode",
    note = "pass `RedisStore::new(password)` (append-only persistence on a volume, a password) or `RedisCache::new(max_memory)` (in memory, no password)"
)]
pub trait RedisMode<E, N>: mode::Sealed<E, N> {}

mod mode {
    use super::{Memory, RedisPassword};

    /// What the construct needs of a mode; private, so that no other mode exists.
    pub trait Sealed<E, N>: Clone + 'static {
        /// The volume's size and the password, for a store.
        fn store(&self) -> Option<(Memory, &RedisPassword<E, N>)>;
        /// The memory limit, for a cache.
        fn max_memory(&self) -> Option<Memory>;
    }
}

/// Redis as a store: append-only persistence on a volume (10 GiB unless set), and a password
/// from a Secret clients get with their connection.
pub struct RedisStore<E, N> {
    password: RedisPassword<E, N>,
    storage: Memory,
}

impl<E, N> Clone for RedisStore<E, N> {
    fn clone(&self) -> Self {
        RedisStore {
            password: self.password.clone(),
            storage: self.storage,
        }
    }
}

impl<E, N> fmt::Debug for RedisStore<E, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RedisStore({:?}, {})", self.password, self.storage)
    }
}

impl<E, N> RedisStore<E, N> {
    /// Persistent, on a 10 GiB volume, with the password of `password` (which the store takes).
    pub fn new(password: RedisPassword<E, N>) -> Self {
        RedisStore {
            password,
            storage: Memory::gib(10),
        }
    }

    /// The volume's size.
    #[must_use]
    pub fn storage(mut self, size: Memory) -> Self {
        self.storage = size;
        self
    }
}

impl<E: 'static, N: 'static> mode::Sealed<E, N> for RedisStore<E, N> {
    fn store(&self) -> Option<(Memory, &RedisPassword<E, N>)> {
        Some((self.storage, &self.password))
    }
    fn max_memory(&self) -> Option<Memory> {
        None
    }
}

impl<E: 'static, N: 'static> RedisMode<E, N> for RedisStore<E, N> {}

/// Redis as a cache: no persistence, no volume and no password (only the pods that `connect`
/// reach it, by the NetworkPolicies); it keeps at most `max_memory` and then evicts the least
/// recently used keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedisCache {
    max_memory: Memory,
}

impl RedisCache {
    /// A cache of at most `max_memory` (give the pod a memory limit above it).
    pub fn new(max_memory: Memory) -> Self {
        RedisCache { max_memory }
    }
}

impl<E, N> mode::Sealed<E, N> for RedisCache {
    fn store(&self) -> Option<(Memory, &RedisPassword<E, N>)> {
        None
    }
    fn max_memory(&self) -> Option<Memory> {
        Some(self.max_memory)
    }
}

impl<E, N> RedisMode<E, N> for RedisCache {}

/// Redis 7.4 as a StatefulSet: a store ([`RedisStore`]: append-only persistence, a password) or
/// a cache ([`RedisCache`]: in memory, no password), a typed choice: a cache's connection has
/// no password to ask for.
///
/// ```
/// use girder_constructs::{RedisCache, RedisInCluster, RedisPassword, RedisStore, Worker};
/// use girder_core::App;
/// use girder_k8s::KubernetesExt;
/// use girder_k8s::quantity::Memory;
///
/// girder_core::environment!(pub Prod = "prod");
/// girder_k8s::namespace!(pub Jobs = "jobs");
///
/// let app = App::new("shop");
/// let ns = app.environment(Prod).kubernetes().namespace(Jobs);
/// let redis = RedisInCluster::new(&ns, "redis")
///     .mode(RedisStore::new(RedisPassword::existing(&ns, "redis")))
///     .build();
/// let cache = RedisInCluster::new(&ns, "cache").mode(RedisCache::new(Memory::mib(256))).build();
/// let worker = Worker::new(&ns, "worker").image("ghcr.io/acme/worker:1.0.0").replicas(1).build();
/// let conn = worker.connect(&redis);
/// worker.env("REDIS_HOST", conn.host()).env("REDIS_PASSWORD", conn.password());
/// let cached = worker.connect(&cache);
/// worker.env("CACHE_URL", cached.url());
/// ```
///
/// A cache has no password:
///
/// ```compile_fail
/// # use girder_constructs::{RedisCache, RedisInCluster, Worker};
/// # use girder_k8s::KubernetesExt;
/// # use girder_k8s::quantity::Memory;
/// # girder_core::environment!(pub Prod = "prod");
/// # girder_k8s::namespace!(pub Jobs = "jobs");
/// # let app = girder_core::App::new("shop");
/// # let ns = app.environment(Prod).kubernetes().namespace(Jobs);
/// let cache = RedisInCluster::new(&ns, "cache").mode(RedisCache::new(Memory::mib(256))).build();
/// let worker = Worker::new(&ns, "worker").image("ghcr.io/acme/worker:1.0.0").replicas(1).build();
/// let cached = worker.connect(&cache);
/// worker.env("REDIS_PASSWORD", cached.password());
/// ```
pub struct RedisInCluster<E, N, M = RedisStore<E, N>> {
    service: StatefulService<E, N>,
    mode: M,
}

impl<E, N, M: Clone> Clone for RedisInCluster<E, N, M> {
    fn clone(&self) -> Self {
        RedisInCluster {
            service: self.service.clone(),
            mode: self.mode.clone(),
        }
    }
}

impl<E: EnvironmentName, N: NamespaceName, M> fmt::Debug for RedisInCluster<E, N, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RedisInCluster({:?})", self.service)
    }
}

/// The Redis image.
const REDIS_IMAGE: &str = "redis:7.4.1-bookworm";

// `new` starts a builder whose `build` returns the construct, as bon builders do.
#[allow(clippy::new_ret_no_self)]
#[bon]
impl<E: EnvironmentName, N: NamespaceName> RedisInCluster<E, N> {
    /// Starts Redis 7.4 with id `id` in `namespace`; the mode is required.
    #[builder(start_fn = new, finish_fn = build)]
    pub fn create<M: RedisMode<E, N>>(
        #[builder(start_fn)] scope: &impl NamespaceScope<Env = E, Ns = N>,
        #[builder(start_fn, into)] id: String,
        /// A store ([`RedisStore`]) or a cache ([`RedisCache`]).
        mode: M,
        /// Requests and limits (default: the `DefaultResources` aspect's).
        #[builder(default)]
        resources: Resources,
    ) -> RedisInCluster<E, N, M> {
        let port = Port::tcp("redis", 6379);
        let service = match (mode.store(), mode.max_memory()) {
            (Some((storage, password)), _) => {
                let service = StatefulService::new(scope, id)
                    .image(REDIS_IMAGE)
                    .port(port)
                    .volume(DataVolume::new("data", "/data", storage))
                    .resources(resources)
                    .command(["redis-server"])
                    .args([
                        "--appendonly",
                        "yes",
                        "--dir",
                        "/data",
                        "--requirepass",
                        "$(REDIS_PASSWORD)",
                    ])
                    .build();
                service.env("REDIS_PASSWORD", password.password());
                declare_credentials(scope, &service, password.name());
                service
            }
            (None, max_memory) => StatefulService::with_kind(
                scope,
                id,
                "stateful-service",
                REDIS_IMAGE.to_owned(),
                port,
                None,
                Vec::new(),
                1,
                resources,
                crate::DEFAULT_UID,
                None,
                None,
                vec!["redis-server".to_owned()],
                [
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--maxmemory",
                    &max_memory
                        .unwrap_or(Memory::mib(256))
                        .as_bytes()
                        .to_string(),
                    "--maxmemory-policy",
                    "allkeys-lru",
                ]
                .map(str::to_owned)
                .to_vec(),
            ),
        };
        RedisInCluster { service, mode }
    }
}

impl<E: EnvironmentName, N: NamespaceName, M> RedisInCluster<E, N, M> {
    /// The StatefulService underneath (for edits and extra wiring).
    pub fn service(&self) -> &StatefulService<E, N> {
        &self.service
    }
}

/// What a client of a [`RedisInCluster`] gets from `connect`: the addresses, and for a store
/// the password's key (only the workload that connected may read it; another workload reading
/// it is refused at synth).
pub struct RedisConnection<E, N, M = RedisStore<E, N>> {
    connection: Connection<E>,
    mode: M,
    _namespace: std::marker::PhantomData<fn() -> N>,
}

impl<E, N, M> RedisConnection<E, N, M> {
    /// The server's DNS name.
    pub fn host(&self) -> Address<E> {
        self.connection.host()
    }

    /// The port (6379).
    pub fn port(&self) -> Address<E> {
        self.connection.port()
    }

    /// `redis://host:6379` (without the password: pass it separately).
    pub fn url(&self) -> Address<E> {
        self.connection.url()
    }

    /// The plain connection, e.g. for `Scaler::redis_list`.
    pub fn connection(&self) -> &Connection<E> {
        &self.connection
    }

    /// Keeps the connection although no environment variable carries its address.
    pub fn keep(self) {
        self.connection.keep();
    }
}

impl<E: EnvironmentName, N: NamespaceName> RedisConnection<E, N, RedisStore<E, N>> {
    /// The password, a key of the Redis Secret (usable only in the server's namespace, by the
    /// workload that connected).
    pub fn password(&self) -> Key<E, N> {
        self.mode.password.password()
    }
}

impl<E: EnvironmentName, N: NamespaceName, M: RedisMode<E, N>> Server for RedisInCluster<E, N, M> {
    type Connection<C, CN> = RedisConnection<E, N, M>;

    fn endpoint(&self) -> Endpoint {
        let mut endpoint = self.service.endpoint();
        endpoint.scheme = Some("redis");
        endpoint
    }

    fn admit(&self, client: Client) {
        self.service.admit(client);
    }

    fn connection<C, CN: NamespaceName>(
        &self,
        connection: Connection<C>,
    ) -> RedisConnection<E, N, M> {
        RedisConnection {
            connection: connection.into_env(),
            mode: self.mode.clone(),
            _namespace: std::marker::PhantomData,
        }
    }
}

impl<E, N, M> InEnvironment<E> for RedisInCluster<E, N, M> {}
