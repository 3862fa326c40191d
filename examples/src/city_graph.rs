//! Seed 001: the city resource graph — EKS with general and CPU-optimised node groups, RDS
//! PostgreSQL with PostGIS, Neo4j, Redis, an API in two versions behind an Istio traffic split,
//! a Next.js front end, the matching engine, a migration Job, error-rate alerts; in `prod` and
//! `staging`.
//! See `examples/city-graph/README.md` for the choices made.

use girder::aws::AwsExt;
use girder::constructs::aws::{
    Backups, Cluster, Network, NodeGroup, PgExtension, Postgres, PostgresVersion, RedisCluster,
};
use girder::constructs::mesh::TrafficSplit;
use girder::constructs::monitoring::{AlertRule, HttpMetrics, ServiceMonitor, Severity, Window};
use girder::constructs::{DataVolume, Job, StatefulService, Worker};
use girder::core::EnvironmentName;
use girder::prelude::*;

girder::environment!(
    /// Production: Multi-AZ database, three zones.
    pub Prod = "prod"
);
girder::environment!(
    /// Staging: the same system, smaller.
    pub Staging = "staging"
);
girder::namespace!(
    /// The application.
    pub CityGraph = "city-graph"
);
girder::secret! {
    /// Neo4j's `neo4j/<password>` authentication string, created outside the program.
    pub struct Neo4jAuth { auth = "NEO4J_AUTH" }
}

const API: &str = "ghcr.io/example/city-resource-graph-api";

/// Both environments of the city resource graph.
pub fn city_graph() -> App {
    let app = App::new("city-graph");
    system(&app, Prod, "123456789012", true);
    system(&app, Staging, "210987654321", false);
    app
}

/// One environment; `production` decides Multi-AZ, zone count and sizes.
fn system<E: EnvironmentName + Default>(app: &App, env: E, account: &str, production: bool) {
    let environment = app.environment(env);
    // The seed deploys images tagged with the commit SHA (`${{ github.sha }}`).
    girder::constructs::AcceptImageTags::because(
        "the seed deploys images by commit-SHA tag; CI pins digests at release",
    )
    .apply_to(&environment);
    let aws = environment.aws(account, "eu-central-1");
    let base = aws.stack("base");
    let net = Network::new(&base, "net")
        .availability_zones(if production { 3 } else { 2 })
        .build();
    let eks = Cluster::new(&base, "eks")
        .network(&net)
        .node_group(
            NodeGroup::new("general")
                .instance_types(["t3.large"])
                .scaling(1..=10)
                .desired(3)
                .label("NodeGroup", "general"),
        )
        .node_group(
            NodeGroup::new("matching")
                .instance_types(["c6i.xlarge"])
                .scaling(2..=20)
                .desired(5)
                .label("NodeGroup", "matching")
                .taint(
                    "workload",
                    "matching",
                    girder::constructs::aws::TaintEffect::NoSchedule,
                ),
        )
        .build();
    let data = aws.stack("data");
    let db = Postgres::rds(&data, "postgres")
        .network(&net)
        .engine(PostgresVersion::V15)
        .extension(PgExtension::PostGis)
        .instance_class("db.r6g.large")
        .storage_gib(100)
        .max_storage_gib(1000)
        .multi_az(production)
        .backups(Backups::daily().retain_days(30).weekly_retain_weeks(52))
        .database_name("city_graph")
        .build();
    let cache = RedisCluster::new(&data, "redis")
        .network(&net)
        .replicas(if production { 2 } else { 1 })
        .build();

    // The cluster's add-ons, installed by Argo CD: External Secrets and KEDA with the IAM roles
    // the cluster made for them, Istio for the traffic split, the Prometheus operator for the
    // monitors and alerts.
    let k8s = eks.kubernetes();
    k8s.gitops(GitOps::argo_cd());
    let secrets = charts::ExternalSecrets::with_aws_role(eks.external_secrets_role_arn());
    HelmChart::new(&k8s, "external-secrets", secrets).build();
    HelmChart::new(
        &k8s,
        "keda",
        charts::Keda::with_aws_role(eks.keda_role_arn()),
    )
    .build();
    HelmChart::new(&k8s, "istio", charts::Istio::default()).build();
    HelmChart::new(&k8s, "prometheus", charts::KubePrometheusStack::default()).build();
    let ns = k8s.namespace(CityGraph);
    let neo4j = StatefulService::new(&ns, "neo4j")
        .image("neo4j:5.26.0-community")
        .port(Port::tcp("bolt", 7687))
        .volume(DataVolume::new("data", "/data", Memory::gib(100)).class("gp3"))
        .scratch(["/logs", "/var/lib/neo4j/run"])
        .resources(
            Resources::new()
                .cpu(Cpu::cores(1), Cpu::cores(2))
                .memory(Memory::gib(4), Memory::gib(8)),
        )
        .build();
    neo4j.env("NEO4J_AUTH", Neo4jAuth::existing(&ns, "neo4j-auth").auth());

    let auth = Neo4jAuth::existing(&ns, "neo4j-auth");
    let api = |version: &str, tag: &str| {
        let api = WebService::new(&ns, format!("api-{version}"))
            .image(format!("{API}:{tag}"))
            .port(8080)
            .replicas(Replicas::between(3, 20).cpu(70).memory(80))
            .resources(
                Resources::new()
                    .cpu(Cpu::millis(250), Cpu::millis(500))
                    .memory(Memory::mib(512), Memory::gib(1)),
            )
            .readiness(Probe::http("/ready").initial_delay(5).period(5))
            .liveness(Probe::http("/health").initial_delay(30))
            .build();
        let pg = api.connect(&db);
        api.env("DB_HOST", pg.host())
            .env("DB_NAME", pg.database())
            .env("DB_USER", pg.username())
            .env("DB_PASSWORD", pg.password());
        let redis = api.connect(&cache);
        api.env("REDIS_HOST", redis.host())
            .env("REDIS_AUTH", redis.auth_token());
        let graph = api.connect(&neo4j);
        api.env("NEO4J_URI", graph.url())
            .env("NEO4J_AUTH", auth.auth());
        api
    };
    let v1 = api("v1", "1.9.3");
    let v2 = api("v2", "2.0.1");
    let split = TrafficSplit::new(&ns, "api")
        .path_route("/api/v1", &v1)
        .path_route("/api/v2", &v2)
        .to(&v1, 100)
        .build();

    let web = WebService::new(&ns, "web")
        .image("ghcr.io/example/city-resource-graph-web:3.4.0")
        .port(3000)
        .replicas(2..=6)
        .build();
    web.env("API_URL", web.connect(&split).url());

    let matching = Worker::new(&ns, "matching")
        .image(format!("{API}:2.0.1"))
        .command(["/app/matching-worker"])
        .replicas(Replicas::between(2, 20).cpu(70))
        .resources(
            Resources::new()
                .cpu(Cpu::cores(2), Cpu::cores(4))
                .memory(Memory::gib(2), Memory::gib(4)),
        )
        .build();
    matching
        .node_selector("NodeGroup", "matching")
        .tolerate("workload", "matching", "NoSchedule");
    let redis = matching.connect(&cache);
    matching
        .env("REDIS_HOST", redis.host())
        .env("REDIS_AUTH", redis.auth_token());
    let graph = matching.connect(&neo4j);
    matching
        .env("NEO4J_URI", graph.url())
        .env("NEO4J_AUTH", auth.auth());

    let migrate = Job::new(&ns, "migrate")
        .image("migrate/migrate:v4.18.1")
        .command([
            "migrate",
            "-path",
            "/migrations",
            "-database",
            "postgres://$(DB_USER):$(DB_PASSWORD)@$(DB_HOST):5432/city_graph?sslmode=require",
            "up",
        ])
        .build();
    let pg = migrate.connect(&db);
    migrate
        .env("DB_HOST", pg.host())
        .env("DB_USER", pg.username())
        .env("DB_PASSWORD", pg.password());

    // Each API version serves its request metrics on its own port; an alert per version, so
    // that a canary's errors are not averaged away by the stable version's traffic.
    for (version, api) in [("v1", &v1), ("v2", &v2)] {
        let metrics = HttpMetrics::of(&ServiceMonitor::new(api, api.port()).build());
        AlertRule::new(&ns, format!("high-error-rate-{version}"))
            .expr(metrics.error_ratio(Window::minutes(5)).gt(0.05))
            .for_(Window::minutes(5))
            .severity(Severity::Ticket)
            .summary(format!("More than 5% of API {version} requests fail"))
            .runbook("https://runbooks.example.com/city-graph/errors")
            .build();
    }
}
