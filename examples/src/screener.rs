//! Seed 000: the stock screener — FastAPI backend, NGINX frontend, TimescaleDB, Redis, Celery,
//! Airflow, TLS ingress; on Kubernetes in production with Prometheus metrics, a Grafana
//! dashboard, alerts, KEDA and nightly backups, and on Docker Compose in development (the
//! seed's own development stack). See `examples/screener/README.md` for the choices made.

use girder::constructs::monitoring::{
    AlertRule, Dashboard, HttpMetrics, Panel, ServiceMonitor, Severity, Unit, Window,
};
use girder::constructs::{
    Autoscaled, DatabaseCredentials, PgDump, PgVersion, PostgresInCluster, RedisConnection,
    RedisInCluster, RedisPassword, RedisStore, Scaler, Worker,
};
use girder::prelude::*;

girder::environment!(
    /// Production, on Kubernetes.
    pub Prod = "prod"
);
girder::environment!(
    /// Development, on Docker Compose.
    pub Dev = "dev"
);
girder::namespace!(
    /// Everything the screener runs.
    pub Screener = "screener"
);
girder::secret! {
    /// Airflow's own settings: its metadata database URL and the key that encrypts connections.
    pub struct AirflowSecrets { sql_alchemy_conn = "sql-alchemy-conn", fernet_key = "fernet-key" }
}

const BACKEND: &str = "ghcr.io/example/screener-backend:2.4.1";

/// What the production-only parts (monitoring, KEDA) need from [`stack`].
pub struct Stack<E, N> {
    /// The FastAPI backend, which Prometheus scrapes.
    pub backend: WebService<E, N>,
    /// The Celery workers, which KEDA also scales on their queue's length.
    pub celery: Worker<E, N, Autoscaled>,
    /// Celery's connection to Redis, its broker: where the queue is.
    pub broker: RedisConnection<E, N>,
}

/// Everything the screener runs, wherever it runs: `ns` is a Kubernetes namespace or a Compose
/// project, `domain` the public host (the API and the frontend; Airflow at `airflow.<domain>`),
/// `tls` where their certificates come from, `backups` the database's nightly dumps (a
/// CronJob: Kubernetes only).
pub fn stack<E: EnvironmentName, N: NamespaceName>(
    ns: &Namespace<E, N>,
    domain: &str,
    tls: &impl Issuer<E>,
    backups: Option<PgDump>,
) -> Stack<E, N> {
    let db = PostgresInCluster::new(ns, "postgres", PgVersion::V16)
        .timescale()
        .database("screener_db")
        .credentials(DatabaseCredentials::existing(ns, "db-secret"))
        .storage(Memory::gib(100))
        .storage_class("fast-ssd")
        .resources(
            Resources::new()
                .cpu(Cpu::cores(1), Cpu::cores(2))
                .memory(Memory::gib(2), Memory::gib(4)),
        )
        .maybe_backups(backups)
        .build();
    let redis = RedisInCluster::new(ns, "redis")
        .mode(RedisStore::new(RedisPassword::existing(ns, "redis-secret")))
        .build();

    let backend = WebService::new(ns, "backend")
        .image(BACKEND)
        .port(8000)
        .replicas(Replicas::between(3, 10).cpu(70).memory(80))
        .resources(
            Resources::new()
                .cpu(Cpu::millis(500), Cpu::cores(1))
                .memory(Memory::mib(512), Memory::gib(1)),
        )
        .readiness(Probe::http("/health").initial_delay(5).period(5))
        .liveness(Probe::http("/health").initial_delay(30))
        .build();
    let pg = backend.connect(&db);
    backend
        .env("DB_HOST", pg.host())
        .env("DB_PORT", pg.port())
        .env("DB_NAME", pg.database())
        .env("DB_USER", pg.username())
        .env("DB_PASSWORD", pg.password());
    let cache = backend.connect(&redis);
    backend
        .env("REDIS_HOST", cache.host())
        .env("REDIS_PASSWORD", cache.password());

    let frontend = WebService::new(ns, "frontend")
        .image("ghcr.io/example/screener-frontend:2.4.1")
        .port(8080)
        .replicas(2..=4)
        .readiness(Probe::http("/"))
        .build();

    let celery = Worker::new(ns, "celery")
        .image(BACKEND)
        .command(["celery", "-A", "app.worker", "worker", "--loglevel=info"])
        .replicas(Replicas::between(1, 12).cpu(75))
        .liveness(
            Probe::exec(["celery", "-A", "app.worker", "inspect", "ping"])
                .period(60)
                .timeout(10),
        )
        .build();
    let pg = celery.connect(&db);
    celery
        .env("DB_HOST", pg.host())
        .env("DB_USER", pg.username())
        .env("DB_PASSWORD", pg.password());
    let broker = celery.connect(&redis);
    celery
        .env("REDIS_HOST", broker.host())
        .env("REDIS_PASSWORD", broker.password());

    // Airflow keeps its metadata in the same PostgreSQL (database `airflow`); its connection
    // URL lives in a Secret, so the connection is kept without an address in the env.
    let airflow = AirflowSecrets::existing(ns, "airflow");
    let airflow_web = WebService::new(ns, "airflow-web")
        .image("apache/airflow:2.8.0-python3.11")
        .port(8080)
        .replicas(1)
        .command(["airflow", "webserver"])
        .readiness(Probe::http("/health").initial_delay(30))
        .liveness(Probe::http("/health").initial_delay(60))
        .build();
    let scheduler = Worker::new(ns, "airflow-scheduler")
        .image("apache/airflow:2.8.0-python3.11")
        .command(["airflow", "scheduler"])
        .replicas(1)
        .liveness(
            Probe::exec([
                "airflow",
                "jobs",
                "check",
                "--job-type",
                "SchedulerJob",
                "--local",
            ])
            .period(60)
            .timeout(30),
        )
        .build();
    for (env, secret) in [
        (
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
            airflow.sql_alchemy_conn(),
        ),
        ("AIRFLOW__CORE__FERNET_KEY", airflow.fernet_key()),
    ] {
        airflow_web.env(env, secret.clone());
        scheduler.env(env, secret);
    }
    airflow_web.connect(&db).keep();
    scheduler.connect(&db).keep();

    Ingress::new(ns, "public")
        .host(domain)
        .issuer(tls)
        .build()
        .route("/api", &backend)
        .route("/", &frontend);
    Ingress::new(ns, "airflow")
        .host(format!("airflow.{domain}"))
        .issuer(tls)
        .build()
        .route("/", &airflow_web);
    Stack {
        backend,
        celery,
        broker,
    }
}

/// The screener app: in production on Kubernetes, with its monitoring, KEDA scaling on
/// Celery's queue and nightly backups; in development the same [`stack`] as a Compose project
/// behind Caddy, with certificates of Caddy's own local authority.
pub fn screener() -> App {
    let app = App::new("screener");
    // The seed's compose file and manifests pin images by tag (airflow 2.8.0, redis 7, pg16).
    let tags = girder::constructs::AcceptImageTags::because(
        "the seed pins images by release tag; CI pins digests at release",
    );

    let k8s = app.environment(Prod).kubernetes();
    tags.clone().apply_to(k8s.environment());
    // The cluster's add-ons, installed by Flux: what the ingress, the certificates, the
    // monitoring and the scaler below need (synth refuses them without).
    k8s.gitops(GitOps::flux());
    HelmChart::new(&k8s, "ingress-nginx", charts::IngressNginx::default()).build();
    HelmChart::new(&k8s, "cert-manager", charts::CertManager::default()).build();
    HelmChart::new(&k8s, "prometheus", charts::KubePrometheusStack::default()).build();
    HelmChart::new(&k8s, "keda", charts::Keda::default()).build();
    let issuer = LetsEncrypt::new(&k8s, "letsencrypt")
        .email("ops@example.com")
        .build();
    let ns = k8s.namespace(Screener);
    let backups = PgDump::daily().retain_days(14).volume(Memory::gib(200));
    let Stack {
        backend,
        celery,
        broker,
    } = stack(&ns, "screener.example.com", &issuer, Some(backups));
    // Kubernetes only: KEDA also scales the workers on the length of Celery's queue.
    celery.scale_on(
        Scaler::redis_list(broker.connection(), "celery", 20).password(broker.password()),
    );

    // FastAPI's instrumentator serves `/metrics` on the backend's own port; what it exposes is
    // reachable only through the monitor that scrapes it.
    let metrics = HttpMetrics::of(&ServiceMonitor::new(&backend, backend.port()).build());
    let five = Window::minutes(5);
    AlertRule::new(&ns, "backend-error-rate")
        .expr(metrics.error_ratio(five).gt(0.05))
        .for_(Window::minutes(5))
        .severity(Severity::Page)
        .summary("More than 5% of backend requests fail")
        .runbook("https://runbooks.example.com/screener/backend-errors")
        .build();
    AlertRule::new(&ns, "backend-latency")
        .expr(metrics.latency_quantile(0.95, five).gt(1.0))
        .for_(Window::minutes(10))
        .severity(Severity::Ticket)
        .summary("Backend p95 latency above 1 s")
        .runbook("https://runbooks.example.com/screener/backend-latency")
        .build();
    Dashboard::new(&ns, "overview")
        .title("Screener backend")
        .panels([
            Panel::timeseries("Error ratio", Unit::Ratio).query("5xx", metrics.error_ratio(five)),
            Panel::timeseries("Latency", Unit::Seconds)
                .query("p50", metrics.latency_quantile(0.5, five))
                .query("p95", metrics.latency_quantile(0.95, five)),
            Panel::timeseries("Requests", Unit::RequestsPerSecond).query(
                "{{status}}",
                metrics
                    .http_requests_total()
                    .rate(five)
                    .sum_by(|l| [l.status]),
            ),
        ])
        .build();

    let dev = app.environment(Dev);
    tags.apply_to(&dev);
    let compose = dev.compose();
    let tls = ComposeIssuer::self_signed(&compose);
    // `*.localhost` resolves to the developer's own machine, without editing /etc/hosts.
    stack(&compose, "screener.localhost", &tls, None);
    app
}
