//! Workers, jobs and in-cluster databases: snapshots, wiring, validators, bad input.

use girder::constructs::{
    CronJob, DatabaseCredentials, Exposure, HttpGet, Job, PgDump, PgVersion, PostgresInCluster,
    RedisInCluster, RedisPassword, RedisStore, Scaler, Worker,
};
use girder::k8s::quantity::Memory;
use girder::prelude::*;

use crate::WithAddOns;
use crate::{Data, Prod, Web, synth_errors, synth_text};

/// An API and a Celery worker in `web`, Postgres with backups and Redis in `data`... except
/// that credentials are namespace-scoped, so the databases live with their clients here.
fn system() -> App {
    let app = App::new("screener");
    crate::accept_test_tags(&app.environment(Prod));
    let k8s = app.environment(Prod).kubernetes().with_add_ons();
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
        .replicas(Replicas::between(1, 20).cpu(80))
        .build();
    let broker = celery.connect(&redis);
    celery
        .env("REDIS_HOST", broker.host())
        .env("REDIS_PASSWORD", broker.password());
    celery.scale_on(
        Scaler::redis_list(broker.connection(), "celery", 10).password(broker.password()),
    );
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
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
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

/// A digest-pinned image: a program that sets only the required props gets no warning either.
const PINNED: &str = "ghcr.io/acme/app:1.0.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

#[test]
fn constructs_with_only_their_required_props_synthesize_clean() {
    let app = App::new("shop");
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    WebService::new(&ns, "api").image(PINNED).port(8080).build();
    Worker::new(&ns, "worker").image(PINNED).replicas(1).build();
    StatefulService::new(&ns, "db")
        .image(PINNED)
        .port(Port::tcp("pg", 5432))
        .volume(DataVolume::new("data", "/data", Memory::gib(1)))
        .build();
    Job::new(&ns, "migrate").image(PINNED).build();
    CronJob::new(&ns, "report")
        .image(PINNED)
        .schedule("0 6 * * *")
        .build();
    let assembly = girder::synth::synthesize(&app).unwrap_or_else(|d| panic!("synth failed:\n{d}"));
    assert!(
        assembly.warnings.is_empty(),
        "warnings:\n{}",
        assembly.warnings
    );
    crate::validate(&app, "required-props");
}

#[test]
fn settings_that_would_have_no_effect_are_errors() {
    let app = App::new("shop");
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    crate::accept_test_tags(ns.environment());
    WebService::new(&ns, "one")
        .image("ghcr.io/acme/api:1.0.0")
        .port(8080)
        .replicas(Replicas::between(3, 3).cpu(70))
        .build();
    WebService::new(&ns, "targets")
        .image("ghcr.io/acme/api:1.0.0")
        .port(8080)
        .replicas(Replicas::between(2, 4).cpu(0).memory(150))
        .build();
    Worker::new(&ns, "idle")
        .image("ghcr.io/acme/worker:1.0.0")
        .replicas(1..=5)
        .build();
    Worker::new(&ns, "zero")
        .image("ghcr.io/acme/worker:1.0.0")
        .replicas(Replicas::between(0, 5).cpu(80))
        .build();
    let tagged = Worker::new(&ns, "tagged").image(PINNED).replicas(1).build();
    tagged
        .accept_image_tag("promoted by tag")
        .node_selector("pool", "a")
        .node_selector("pool", "b")
        .pod_annotation("team", "a")
        .pod_annotation("team", "b")
        .pod_annotation("-bad-", "x")
        .container_name("Main");
    tagged.allow_from(Peer::namespace("monitoring"));
    let backup = Job::new(&ns, "backup").image(PINNED).build();
    backup
        .volume("/backup", Memory::gib(1))
        .volume("/other", Memory::gib(2));
    let errors = synth_errors(&app);
    for (path, message) in [
        (
            "prod/web/one",
            "replicas 3..=3: a range of one count does not scale",
        ),
        ("prod/web/targets", "the cpu target is 0%"),
        ("prod/web/targets", "the memory target is 150%"),
        ("prod/web/idle", "replicas 1..=5 but nothing to scale on"),
        (
            "prod/web/zero",
            "replicas 0..=5 scale on CPU or memory alone, from 0 pods",
        ),
        (
            "prod/web/tagged",
            "accepts a tag for image `ghcr.io/acme/app:1.0.0@sha256:",
        ),
        ("prod/web/tagged", "node selector `pool` is set twice"),
        ("prod/web/tagged", "pod annotation `team` is set twice"),
        ("prod/web/tagged", "`-bad-` is not a valid annotation key"),
        (
            "prod/web/tagged",
            "container name `Main` is not a DNS-1123 label",
        ),
        (
            "prod/web/tagged",
            "admits traffic, and declares no port to admit it on",
        ),
        ("prod/web/backup", "`.volume(..)` is called 2 times"),
    ] {
        let at = errors
            .find(message)
            .unwrap_or_else(|| panic!("missing `{message}` in:\n{errors}"));
        let rest = &errors[at..];
        let line = rest.lines().nth(1).unwrap_or_default();
        assert_eq!(line, format!("  --> {path}"), "{message} in:\n{errors}");
    }
}

#[test]
fn probe_port_and_exposure_mistakes_are_reported() {
    let app = App::new("shop");
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    crate::accept_test_tags(ns.environment());
    WebService::new(&ns, "dns")
        .image("ghcr.io/acme/dns:1.0.0")
        .port(Port::udp("dns", 5353))
        .build();
    WebService::new(&ns, "headers")
        .image("ghcr.io/acme/api:1.0.0")
        .port(8080)
        .readiness(Probe::http(
            HttpGet::path("/ready")
                .header("X Bad", "1")
                .header("Host", "a")
                .header("host", "b"),
        ))
        .build();
    WebService::new(&ns, "nodeport")
        .image("ghcr.io/acme/api:1.0.0")
        .port(Port::http(8080).service_port(0))
        .expose(Exposure::node_port(8080, ["10.0.0.0/8"]))
        .build();
    WebService::new(&ns, "nobody")
        .image("ghcr.io/acme/api:1.0.0")
        .port(8080)
        .expose(Exposure::load_balancer(Vec::<&str>::new()))
        .build();
    WebService::new(&ns, "badrange")
        .image("ghcr.io/acme/api:1.0.0")
        .port(8080)
        .expose(Exposure::load_balancer(["10.0.0.1/8"]))
        .build();
    let errors = synth_errors(&app);
    for message in [
        "the liveness probe connects over TCP to `dns` (5353/UDP), a UDP port",
        "the readiness probe connects over TCP to `dns` (5353/UDP), a UDP port",
        "readiness probe header name `X Bad` is not an HTTP header name",
        "readiness probe header `host` is set twice",
        "port `http` is exposed on service port 0",
        "node port 8080 is outside 30000..=32767",
        "the external Service admits no address range",
        "10.0.0.1/8",
    ] {
        assert!(
            errors.contains(message),
            "missing `{message}` in:\n{errors}"
        );
    }
}

/// What a real system needs, without escape hatches: a front proxy on port 80 behind a load
/// balancer, a gRPC service probed natively, an admin UI on a node port, HTTP probe headers,
/// pod annotations, grace periods and container names.
fn fidelity() -> App {
    let app = App::new("demo");
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    crate::accept_test_tags(ns.environment());
    let cart = WebService::new(&ns, "cart")
        .image("ghcr.io/acme/cart:1.0.0")
        .port(Port::tcp("grpc", 7070))
        .replicas(2)
        .readiness(Probe::grpc())
        .liveness(Probe::grpc_service("oteldemo.CartService").initial_delay(10))
        .build();
    cart.container_name("cart").termination_grace_seconds(45);
    let proxy = WebService::new(&ns, "frontend-proxy")
        .image("ghcr.io/acme/envoy:1.32.0")
        .port(Port::http(8080).service_port(80))
        .readiness(Probe::http(
            HttpGet::path("/ready").header("Host", "shop.example.com"),
        ))
        .expose(
            Exposure::load_balancer(["203.0.113.0/24", "198.51.100.0/24"]).annotation(
                "service.beta.kubernetes.io/aws-load-balancer-scheme",
                "internet-facing",
            ),
        )
        .build();
    proxy
        .container_name("envoy")
        .pod_annotation("sidecar.istio.io/inject", "false")
        .env("CART_ADDR", proxy.connect(&cart).host_port());
    let admin = WebService::new(&ns, "admin")
        .image("ghcr.io/acme/admin:1.0.0")
        .port(8080)
        .replicas(1)
        .expose(Exposure::node_port(30080, ["10.0.0.0/8"]))
        .build();
    admin.env("PROXY_URL", admin.connect(&proxy).url());
    let mut edits = 0;
    admin.deployment_mut(move |d| {
        edits += 1;
        d.pod_spec().priority_class_name = Some("tools".into());
        d.main_container().working_dir = Some(format!("/srv/{edits}"));
    });
    let worker = Worker::new(&ns, "accounting")
        .image("ghcr.io/acme/accounting:1.0.0")
        .replicas(1)
        .build();
    worker
        .termination_grace_seconds(120)
        .pod_annotation("prometheus.io/scrape", "false");
    let migrate = Job::new(&ns, "migrate")
        .image("ghcr.io/acme/accounting:1.0.0")
        .command(["migrate"])
        .build();
    migrate
        .container_name("migrate")
        .pod_annotation("cluster-autoscaler.kubernetes.io/safe-to-evict", "false")
        .job_mut(|job| {
            job.spec.get_or_insert_default().completions = Some(1);
            job.main_container().args = Some(vec!["--to".into(), "latest".into()]);
        });
    app
}

#[test]
fn fidelity_snapshot() {
    let text = synth_text(&fidelity());
    // The client's address uses the Service's port, the NetworkPolicies the container's.
    assert!(
        text.contains("value: http://frontend-proxy.web.svc.cluster.local:80\n"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn fidelity_passes_the_validators() {
    crate::validate(&fidelity(), "fidelity");
}

/// A scratch directory is an absolute path mounted once; `/tmp` is always one.
#[test]
fn scratch_directories_are_absolute_and_mounted_once() {
    let app = App::new("shop");
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    crate::accept_test_tags(ns.environment());
    let api = WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.0.0")
        .port(8080)
        .build();
    api.scratch_dir("logs")
        .scratch_dir("/opt/app/cache")
        .scratch_dir("/opt/app/cache")
        .scratch_dir("/tmp");
    let errors = synth_errors(&app);
    for message in [
        "the directory `logs` is not an absolute path",
        "`/opt/app/cache` is mounted twice",
        "`/tmp` is mounted twice",
    ] {
        assert!(
            errors.contains(&format!("error: {message}\n  --> prod/web/api")),
            "missing `{message}` in:\n{errors}"
        );
    }

    let app = App::new("shop");
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    crate::accept_test_tags(ns.environment());
    WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.0.0")
        .port(8080)
        .build()
        .scratch_dir("/opt/app/cache");
    let text = crate::synth_text(&app);
    assert!(text.contains("mountPath: /opt/app/cache"), "{text}");
}
