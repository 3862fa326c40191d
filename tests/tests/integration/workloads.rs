//! Workers, jobs and in-cluster databases: snapshots, wiring, validators, bad input.

use girder::constructs::{
    CronJob, DatabaseCredentials, Job, PgDump, PgVersion, PostgresInCluster, RedisInCluster,
    RedisPassword, RedisStore, Scaler, Worker,
};
use girder::k8s::quantity::Memory;
use girder::prelude::*;

use crate::{Data, Prod, Web, synth_errors, synth_text};

/// An API and a Celery worker in `web`, Postgres with backups and Redis in `data`... except
/// that credentials are namespace-scoped, so the databases live with their clients here.
fn system() -> App {
    let app = App::new("screener");
    crate::accept_test_tags(&app.environment(Prod));
    let k8s = app.environment(Prod).kubernetes();
    let ns = k8s.namespace(Web);
    let db = PostgresInCluster::new(&ns, "db", PgVersion::V16)
        .timescale()
        .credentials(DatabaseCredentials::existing(&ns, "db-credentials"))
        .storage(Memory::gib(50))
        .backups(PgDump::daily().retain_days(14).volume(Memory::gib(100)))
        .build();
    let redis = RedisInCluster::new(&ns, "redis")
        .mode(RedisStore::new(RedisPassword::existing(&ns, "redis")))
        .build();
    let api = WebService::new(&ns, "api")
        .image("ghcr.io/acme/screener-api:1.4.2")
        .port(8000)
        .build();
    let pg = api.connect(&db);
    api.env("DB_HOST", pg.host())
        .env("DB_PORT", pg.port())
        .env("DB_USER", pg.username())
        .env("DB_PASSWORD", pg.password());
    let celery = Worker::new(&ns, "celery")
        .image("ghcr.io/acme/screener-api:1.4.2")
        .command(["celery", "-A", "screener", "worker"])
        .replicas(1..=20)
        .build();
    let broker = celery.connect(&redis);
    celery
        .env("REDIS_HOST", broker.host())
        .env("REDIS_PASSWORD", broker.password());
    celery.scale_on(
        Scaler::redis_list(broker.connection(), "celery", 10).password(broker.password()),
    );
    celery.scale_on(Scaler::cpu(80));
    let migrate = Job::new(&ns, "migrate")
        .image("ghcr.io/acme/screener-api:1.4.2")
        .command(["alembic", "upgrade", "head"])
        .build();
    let pg = migrate.connect(&db);
    migrate
        .env("DB_HOST", pg.host())
        .env("DB_PASSWORD", pg.password());
    k8s.namespace(Data);
    app
}

#[test]
fn workloads_snapshot() {
    insta::assert_snapshot!(synth_text(&system()));
}

#[test]
fn workloads_pass_the_validators() {
    crate::validate(&system(), "workloads");
}

#[test]
fn batch_and_worker_mistakes_are_all_reported() {
    let app = App::new("shop");
    let ns = app.environment(Prod).kubernetes().namespace(Web);
    CronJob::new(&ns, "report")
        .image("ghcr.io/acme/report:1.0.0")
        .schedule("every day")
        .build();
    Worker::new(&ns, "idle")
        .image("ghcr.io/acme/worker:1.0.0")
        .replicas(1..=5)
        .build();
    Job::new(&ns, "migrate")
        .image("ghcr.io/acme/api:1.0.0")
        .deadline_seconds(0)
        .build();
    let errors = synth_errors(&app);
    for message in [
        "`every day` is not a cron schedule",
        "replicas 1..=5 but nothing to scale on",
        "the deadline is 0 seconds",
    ] {
        assert!(
            errors.contains(message),
            "missing `{message}` in:\n{errors}"
        );
    }
}
