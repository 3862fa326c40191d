//! Seed 003: a crypto exchange — HTTP router, WebSocket market-data stream, matching engine,
//! database processor, PostgreSQL and Redis, non-secret settings in ConfigMaps, TLS ingress.
//! See `examples/exchange/README.md` for the choices made.

use girder::constructs::{
    DatabaseCredentials, PgDump, PgVersion, PostgresInCluster, RedisInCluster, RedisPassword,
    RedisStore, Worker,
};
use girder::k8s_openapi::api::apps::v1::{Deployment, DeploymentStrategy};
use girder::prelude::*;

girder::environment!(
    /// Production.
    pub Prod = "prod"
);
girder::namespace!(
    /// Everything the exchange runs.
    pub Exchange = "exchange"
);
girder::secret! {
    /// The router's own secret (the seed's `exchange-router-secret`): the key that signs the
    /// session tokens it issues.
    pub struct RouterSecret { jwt_signing_key = "jwt-signing-key" }
}
girder::constructs::config! {
    /// What the services agree on: the markets traded and the Redis queues between them.
    pub struct ExchangeConfig(ExchangeSettings) {
        markets = "MARKETS",
        /// The list the router pushes orders onto and the engine pops.
        order_queue = "ORDER_QUEUE",
        /// The list the engine pushes fills and order updates onto for the db-processor.
        db_queue = "DB_QUEUE",
        log_level = "LOG_LEVEL",
    }
}
girder::constructs::config! {
    /// The WebSocket stream's settings (the seed's `exchange-ws-stream-config`).
    pub struct WsStreamConfig(WsStreamSettings) {
        /// Below ingress-nginx's 60 s idle timeout, so quiet connections stay open.
        ping_interval_ms = "PING_INTERVAL_MS",
        max_connections = "MAX_CONNECTIONS",
        log_level = "LOG_LEVEL",
    }
}

/// One pod at a time: the old pod stops before the new one starts, so that two matching engines
/// (or two writers of the same queue) never run side by side.
fn one_at_a_time(deployment: &mut Deployment) {
    if let Some(spec) = deployment.spec.as_mut() {
        spec.strategy = Some(DeploymentStrategy {
            type_: Some("Recreate".into()),
            rolling_update: None,
        });
    }
}

/// The exchange app.
pub fn exchange() -> App {
    let app = App::new("exchange");
    let k8s = app.environment(Prod).kubernetes();
    // The seed's cluster already runs its ingress controller and cert-manager.
    k8s.installed_add_on(AddOn::IngressNginx)
        .installed_add_on(AddOn::CertManager);
    // The seed deploys images by tag (a commit SHA per release, PostgreSQL 12.2, Redis 6.2).
    girder::constructs::AcceptImageTags::because(
        "the seed deploys images by commit-SHA and release tags; CI pins digests at release",
    )
    .apply_to(k8s.environment());
    let ns = k8s.namespace(Exchange);

    let config = ExchangeConfig::create(
        &ns,
        "exchange-config",
        ExchangeSettings {
            markets: "SOL_USDC,BTC_USDC,ETH_USDC",
            order_queue: "messages",
            db_queue: "db_processor",
            log_level: "info",
        },
    );
    let ws_config = WsStreamConfig::create(
        &ns,
        "exchange-ws-stream-config",
        WsStreamSettings {
            ping_interval_ms: "30000",
            max_connections: "5000",
            log_level: "info",
        },
    );

    let db = PostgresInCluster::new(&ns, "postgres", PgVersion::V16)
        .database("exchange")
        .credentials(DatabaseCredentials::existing(
            &ns,
            "exchange-db-credentials",
        ))
        .storage(Memory::gib(50))
        .resources(
            Resources::new()
                .cpu(Cpu::millis(500), Cpu::cores(2))
                .memory(Memory::gib(1), Memory::gib(2)),
        )
        .backups(PgDump::daily().retain_days(14).volume(Memory::gib(100)))
        .build();
    let redis = RedisInCluster::new(&ns, "redis")
        .mode(RedisStore::new(RedisPassword::existing(
            &ns,
            "exchange-redis",
        )))
        .build();

    let router = WebService::new(&ns, "router")
        .image("ghcr.io/example/exchange-router:4f2a9c1")
        .port(8080)
        .replicas(Replicas::between(2, 10).cpu(70))
        .resources(
            Resources::new()
                .cpu(Cpu::millis(300), Cpu::cores(2))
                .memory(Memory::mib(256), Memory::mib(512)),
        )
        .readiness(Probe::http("/health").period(5))
        .liveness(Probe::http("/health").initial_delay(15))
        .build();
    let secret = RouterSecret::existing(&ns, "exchange-router-secret");
    let cache = router.connect(&redis);
    let pg = router.connect(&db);
    router
        .env("JWT_SIGNING_KEY", secret.jwt_signing_key())
        .env("MARKETS", config.markets())
        .env("ORDER_QUEUE", config.order_queue())
        .env("LOG_LEVEL", config.log_level())
        .env("REDIS_URL", cache.url())
        .env("REDIS_PASSWORD", cache.password())
        .env("DB_HOST", pg.host())
        .env("DB_PORT", pg.port())
        .env("DB_NAME", pg.database())
        .env("DB_USER", pg.username())
        .env("DB_PASSWORD", pg.password());

    let stream = WebService::new(&ns, "ws-stream")
        .image("ghcr.io/example/exchange-ws-stream:4f2a9c1")
        .port(4000)
        .replicas(2..=6)
        .build();
    let cache = stream.connect(&redis);
    stream
        .env("PING_INTERVAL_MS", ws_config.ping_interval_ms())
        .env("MAX_CONNECTIONS", ws_config.max_connections())
        .env("LOG_LEVEL", ws_config.log_level())
        .env("REDIS_URL", cache.url())
        .env("REDIS_PASSWORD", cache.password());

    let engine = Worker::new(&ns, "engine")
        .image("ghcr.io/example/exchange-engine:4f2a9c1")
        .replicas(1)
        .resources(
            Resources::new()
                .cpu(Cpu::millis(500), Cpu::cores(2))
                .memory(Memory::mib(512), Memory::gib(1)),
        )
        .build();
    engine.edit(one_at_a_time);
    let cache = engine.connect(&redis);
    let pg = engine.connect(&db);
    engine
        .env("MARKETS", config.markets())
        .env("ORDER_QUEUE", config.order_queue())
        .env("DB_QUEUE", config.db_queue())
        .env("LOG_LEVEL", config.log_level())
        .env("REDIS_URL", cache.url())
        .env("REDIS_PASSWORD", cache.password())
        .env("DB_HOST", pg.host())
        .env("DB_PORT", pg.port())
        .env("DB_NAME", pg.database())
        .env("DB_USER", pg.username())
        .env("DB_PASSWORD", pg.password());

    let processor = Worker::new(&ns, "db-processor")
        .image("ghcr.io/example/exchange-db-processor:4f2a9c1")
        .replicas(1)
        .build();
    processor.edit(one_at_a_time);
    let queue = processor.connect(&redis);
    let pg = processor.connect(&db);
    processor
        .env("DB_QUEUE", config.db_queue())
        .env("LOG_LEVEL", config.log_level())
        .env("REDIS_URL", queue.url())
        .env("REDIS_PASSWORD", queue.password())
        .env("DB_HOST", pg.host())
        .env("DB_PORT", pg.port())
        .env("DB_NAME", pg.database())
        .env("DB_USER", pg.username())
        .env("DB_PASSWORD", pg.password());

    let issuer = LetsEncrypt::new(&k8s, "letsencrypt")
        .email("ops@example.com")
        .build();
    Ingress::new(&ns, "api")
        .host("api.exchange.example.com")
        .issuer(&issuer)
        .build()
        .route("/", &router);
    Ingress::new(&ns, "stream")
        .host("stream.exchange.example.com")
        .issuer(&issuer)
        .build()
        .route("/", &stream);
    app
}
