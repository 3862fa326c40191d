//! Databases inside the cluster: [`PostgresInCluster`] (with `pg_dump` backups) and
//! [`RedisInCluster`], built on [`StatefulService`]. Their clients get typed connection info
//! through `connect`: addresses, and credentials as Secret keys of the database's namespace.

use std::fmt;

use girder_core::EnvironmentName;
use girder_k8s::quantity::{Memory, Resources};
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

/// Starts a [`PostgresInCluster`]; see its docs.
pub struct PostgresBuilder<'a, E, N, S> {
    scope: &'a S,
    id: String,
    version: PgVersion,
    timescale: bool,
    credentials: Option<DatabaseCredentials<E, N>>,
    database: String,
    storage: Memory,
    storage_class: Option<String>,
    resources: Resources,
    backups: Option<PgDump>,
}

impl<E: EnvironmentName, N: NamespaceName> PostgresInCluster<E, N> {
    /// Starts a database with id `id` in `namespace` running `version`; the credentials are
    /// required.
    #[allow(clippy::new_ret_no_self)]
    pub fn new<S: NamespaceScope<Env = E, Ns = N>>(
        scope: &S,
        id: impl Into<String>,
        version: PgVersion,
    ) -> PostgresBuilder<'_, E, N, S> {
        PostgresBuilder {
            scope,
            id: id.into(),
            version,
            timescale: false,
            credentials: None,
            database: "app".into(),
            storage: Memory::gib(20),
            storage_class: None,
            resources: Resources::default(),
            backups: None,
        }
    }

    /// The StatefulService underneath (for edits and extra wiring).
    pub fn service(&self) -> &StatefulService<E, N> {
        &self.service
    }
}

impl<'a, E: EnvironmentName, N: NamespaceName, S: NamespaceScope<Env = E, Ns = N>>
    PostgresBuilder<'a, E, N, S>
{
    /// Runs TimescaleDB (the `timescale/timescaledb` image of the same major version).
    #[must_use]
    pub fn timescale(mut self) -> Self {
        self.timescale = true;
        self
    }

    /// The Secret with the superuser's `username` and `password` (required).
    #[must_use]
    pub fn credentials(mut self, credentials: DatabaseCredentials<E, N>) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The database created at first start (default `app`).
    #[must_use]
    pub fn database(mut self, name: &str) -> Self {
        self.database = name.into();
        self
    }

    /// The data volume's size (default 20 GiB).
    #[must_use]
    pub fn storage(mut self, size: Memory) -> Self {
        self.storage = size;
        self
    }

    /// The data volume's storage class (default: the cluster's default class).
    #[must_use]
    pub fn storage_class(mut self, class: &str) -> Self {
        self.storage_class = Some(class.into());
        self
    }

    /// Requests and limits.
    #[must_use]
    pub fn resources(mut self, resources: Resources) -> Self {
        self.resources = resources;
        self
    }

    /// Nightly `pg_dump` backups.
    #[must_use]
    pub fn backups(mut self, backups: PgDump) -> Self {
        self.backups = Some(backups);
        self
    }

    /// Adds the database to the app. Without credentials, an error is reported at synth.
    pub fn build(self) -> PostgresInCluster<E, N> {
        let v = self.version.number();
        // Both images' entrypoints run as an arbitrary non-root user (their documented
        // `--user` support): the data directory only has to be writable, which the volume's
        // fsGroup ensures. A high UID keeps clear of the node's users.
        let image = if self.timescale {
            format!("timescale/timescaledb:2.17.2-pg{v}")
        } else {
            format!("postgres:{v}.6-bookworm")
        };
        let uid = crate::DEFAULT_UID;
        let namespace = self.scope.namespace();
        let credentials = match self.credentials {
            Some(c) => c,
            None => {
                namespace.app().report(
                    girder_core::Diagnostic::error(
                        format!("{}/{}/{}", E::NAME, N::NAME, self.id),
                        "the database has no credentials",
                    )
                    .hint("pass `.credentials(DatabaseCredentials::existing(&namespace, \"secret-name\"))`"),
                );
                DatabaseCredentials::existing(namespace, "missing-credentials")
            }
        };
        let service = StatefulService::new(self.scope, self.id.clone())
            .image(image.clone())
            .port(Port::tcp("postgres", 5432))
            .volume(DataVolume::new(
                "data",
                "/var/lib/postgresql/data",
                self.storage,
            ))
            .scratch(["/var/run/postgresql"])
            .resources(self.resources)
            .run_as(uid)
            .readiness(Probe::tcp().period(5))
            .liveness(Probe::tcp().initial_delay(30))
            .build();
        service
            .env("POSTGRES_USER", credentials.username())
            .env("POSTGRES_PASSWORD", credentials.password())
            .env("POSTGRES_DB", self.database.as_str())
            .env("PGDATA", "/var/lib/postgresql/data/pgdata");
        let db = PostgresInCluster {
            service,
            credentials,
            database: self.database,
        };
        if let Some(backups) = self.backups {
            let dump = CronJob::new(self.scope, format!("{}-backup", self.id))
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

/// What a client of a [`PostgresInCluster`] gets from `connect`.
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
    /// database's namespace).
    pub fn username(&self) -> Key<E, N> {
        self.credentials.username()
    }

    /// The password, a key of the database's credentials Secret (usable only in the database's
    /// namespace).
    pub fn password(&self) -> Key<E, N> {
        self.credentials.password()
    }
}

impl<E: EnvironmentName, N: NamespaceName> Server for PostgresInCluster<E, N> {
    type Connection<C, M> = PgConnection<C, N>;

    fn endpoint(&self) -> Endpoint {
        let mut endpoint = self.service.endpoint();
        endpoint.scheme = Some("postgresql");
        endpoint
    }

    fn admit(&self, client: Client) {
        self.service.admit(client);
    }

    fn connection<C, M: NamespaceName>(&self, connection: Connection<C>) -> PgConnection<C, N> {
        PgConnection {
            connection,
            credentials: DatabaseCredentials::from_name(self.credentials.name()),
            database: self.database.clone(),
        }
    }
}

impl<E, N> InEnvironment<E> for PostgresInCluster<E, N> {}

/// Redis as a StatefulSet with append-only persistence and a password from an existing
/// Secret.
///
/// ```
/// use girder_constructs::{RedisInCluster, RedisPassword, Worker};
/// use girder_core::App;
/// use girder_k8s::KubernetesExt;
///
/// girder_core::environment!(pub Prod = "prod");
/// girder_k8s::namespace!(pub Jobs = "jobs");
///
/// let app = App::new("shop");
/// let ns = app.environment(Prod).kubernetes().namespace(Jobs);
/// let redis = RedisInCluster::new(&ns, "redis", RedisPassword::existing(&ns, "redis"));
/// let worker = Worker::new(&ns, "worker").image("ghcr.io/acme/worker:1.0.0").replicas(1..=1).build();
/// let conn = worker.connect(&redis);
/// worker.env("REDIS_HOST", conn.host()).env("REDIS_PASSWORD", conn.password());
/// ```
pub struct RedisInCluster<E, N> {
    service: StatefulService<E, N>,
    password: RedisPassword<E, N>,
}

impl<E, N> Clone for RedisInCluster<E, N> {
    fn clone(&self) -> Self {
        RedisInCluster {
            service: self.service.clone(),
            password: self.password.clone(),
        }
    }
}

impl<E: EnvironmentName, N: NamespaceName> fmt::Debug for RedisInCluster<E, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RedisInCluster({:?})", self.service)
    }
}

impl<E: EnvironmentName, N: NamespaceName> RedisInCluster<E, N> {
    /// Redis 7.4 with id `id` in `namespace`, a 10 GiB volume, its password from `password`.
    pub fn new(
        scope: &impl NamespaceScope<Env = E, Ns = N>,
        id: impl Into<String>,
        password: RedisPassword<E, N>,
    ) -> Self {
        let service = StatefulService::new(scope, id.into())
            .image("redis:7.4.1-bookworm")
            .port(Port::tcp("redis", 6379))
            .volume(DataVolume::new("data", "/data", Memory::gib(10)))
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
        RedisInCluster { service, password }
    }

    /// The StatefulService underneath (for edits and extra wiring).
    pub fn service(&self) -> &StatefulService<E, N> {
        &self.service
    }
}

/// What a client of a [`RedisInCluster`] gets from `connect`.
pub struct RedisConnection<E, N> {
    connection: Connection<E>,
    password: RedisPassword<E, N>,
}

impl<E, N> RedisConnection<E, N> {
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

impl<E: EnvironmentName, N: NamespaceName> RedisConnection<E, N> {
    /// The password, a key of the Redis Secret (usable only in the server's namespace).
    pub fn password(&self) -> Key<E, N> {
        self.password.password()
    }
}

impl<E: EnvironmentName, N: NamespaceName> Server for RedisInCluster<E, N> {
    type Connection<C, M> = RedisConnection<C, N>;

    fn endpoint(&self) -> Endpoint {
        let mut endpoint = self.service.endpoint();
        endpoint.scheme = Some("redis");
        endpoint
    }

    fn admit(&self, client: Client) {
        self.service.admit(client);
    }

    fn connection<C, M: NamespaceName>(&self, connection: Connection<C>) -> RedisConnection<C, N> {
        RedisConnection {
            connection,
            password: RedisPassword::from_name(self.password.name()),
        }
    }
}

impl<E, N> InEnvironment<E> for RedisInCluster<E, N> {}
