//! Docker Compose environments (issue #21): each construct's Compose form as a snapshot and
//! through the validators, the wiring's network semantics, escape hatches, determinism, and
//! bad input reported with construct paths and nothing written.

use girder::constructs::compose::Compose;
use girder::constructs::{
    CronJob, DatabaseCredentials, Exposure, Job, PgDump, PgVersion, PostgresInCluster,
    RedisInCluster, RedisPassword, RedisStore, Worker,
};
use girder::k8s_openapi::api::apps::v1::Deployment;
use girder::prelude::*;
use serde_json::{Value, json};

use crate::{ApiConfig, ApiCredentials, Web, synth_errors, synth_file};

girder::environment!(
    /// A development environment on Docker Compose.
    pub Dev = "dev"
);

girder::config! {
    /// Settings the program writes.
    pub struct Settings(SettingsValues) { log_level, region }
}

type Scope = Namespace<Dev, Compose>;

/// An app `shop` whose `dev` environment is a Compose project, with test image tags accepted.
fn project() -> (App, Scope) {
    let app = App::new("shop");
    let dev = app.environment(Dev);
    crate::accept_test_tags(&dev);
    let scope = dev.compose();
    (app, scope)
}

fn api(scope: &Scope) -> WebService<Dev, Compose> {
    WebService::new(scope, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .build()
}

/// The files of the Compose project of `dev`, each under its path, for a snapshot.
fn compose_files(app: &App) -> String {
    let assembly = girder::synth::synthesize(app).unwrap_or_else(|d| panic!("synth failed:\n{d}"));
    let files: String = assembly
        .files
        .iter()
        .filter(|(path, _)| path.starts_with("dev/compose/"))
        .map(|(path, text)| format!("# {path}\n{text}"))
        .collect();
    assert!(!files.is_empty(), "no Compose files");
    files
}

/// `dev/compose/compose.yaml`, parsed.
fn compose_yaml(app: &App) -> Value {
    serde_saphyr::from_str(&file(app, "compose.yaml")).expect("compose.yaml is YAML")
}

/// The Compose environment's file `name`.
fn file(app: &App, name: &str) -> String {
    synth_file(app, &format!("dev/compose/{name}"))
}

/// The networks service `name` joins (`[]` for `network_mode: none`).
fn networks(compose: &Value, name: &str) -> Vec<String> {
    let service = &compose["services"][name];
    if service["network_mode"] == "none" {
        return Vec::new();
    }
    match &service["networks"] {
        Value::Array(list) => list
            .iter()
            .map(|n| n.as_str().expect("a name").to_owned())
            .collect(),
        Value::Object(map) => map.keys().cloned().collect(),
        other => panic!("service {name} has networks {other}"),
    }
}

/// Asserts that `errors` has an error at construct `path` whose message contains `message`,
/// and a hint.
fn assert_error(errors: &str, path: &str, message: &str) {
    let found = errors
        .split("error: ")
        .any(|e| e.contains(message) && e.contains(&format!("--> {path}")) && e.contains("hint: "));
    assert!(found, "missing `{message}` at `{path}` in:\n{errors}");
}

/// Asserts that `app` does not synthesize, and that writing it leaves `--out` untouched.
fn assert_nothing_written(app: &App) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("dist");
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let code = girder::synth::run_with(
        app,
        ["infra", "synth", "--out", out.to_str().expect("UTF-8")],
        &mut stdout,
        &mut stderr,
    );
    assert_eq!(code, std::process::ExitCode::from(1));
    assert!(!out.exists(), "synth wrote {}", out.display());
}

// Each construct's Compose form.

#[test]
fn web_service() {
    let (app, scope) = project();
    let api = WebService::new(&scope, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .replicas(3)
        .command(["gunicorn", "--bind", "0.0.0.0:8080", "app:app"])
        .resources(
            Resources::new()
                .cpu(Cpu::millis(100), Cpu::millis(500))
                .memory(Memory::mib(128), Memory::mib(256)),
        )
        .readiness(Probe::exec(["/app/healthcheck"]))
        .build();
    api.env("PRICE", "costs $5");
    let compose = compose_yaml(&app);
    let service = &compose["services"]["api"];
    assert_eq!(service["deploy"]["replicas"], 3);
    assert_eq!(service["read_only"], true);
    assert_eq!(service["cap_drop"], json!(["ALL"]));
    assert_eq!(service["environment"]["PRICE"], "costs $$5");
    assert_eq!(
        service["healthcheck"]["test"],
        json!(["CMD", "/app/healthcheck"])
    );
    assert!(service.get("ports").is_none(), "no host port: {service}");
    insta::assert_snapshot!(compose_files(&app));
    crate::validate(&app, "compose-web-service");
}

#[test]
fn worker_job_and_stateful_service() {
    let (app, scope) = project();
    let db = StatefulService::new(&scope, "queue")
        .image("ghcr.io/acme/queue:2.0.0")
        .port(Port::tcp("amqp", 5672))
        .volume(DataVolume::new("data", "/var/lib/queue", Memory::gib(5)))
        .build();
    let worker = Worker::new(&scope, "worker")
        .image("ghcr.io/acme/worker:1.0.0")
        .replicas(2)
        .command(["worker", "--queue", "jobs"])
        .build();
    worker.env("QUEUE_HOST", worker.connect(&db).host());
    let migrate = Job::new(&scope, "migrate")
        .image("ghcr.io/acme/api:1.4.2")
        .command(["alembic", "upgrade", "head"])
        .build();
    migrate.env("QUEUE_HOST", migrate.connect(&db).host());
    insta::assert_snapshot!(compose_files(&app));
    let compose = compose_yaml(&app);
    // A named volume per claim of the StatefulSet, mounted where the construct said.
    assert!(compose["volumes"].get("queue-data").is_some(), "{compose}");
    let mount = compose["services"]["queue"]["volumes"]
        .as_array()
        .expect("mounts")
        .iter()
        .find(|m| m["target"] == "/var/lib/queue")
        .expect("the data volume's mount");
    assert_eq!(
        (&mount["type"], &mount["source"], &mount["target"]),
        (
            &json!("volume"),
            &json!("queue-data"),
            &json!("/var/lib/queue")
        )
    );
    // The Job's service keeps the construct's name, whatever release it runs (the Job object's
    // name ends with a hash of it): a new image changes the service, not its name.
    let migrate = "migrate".to_owned();
    assert!(compose["services"].get(&migrate).is_some(), "{compose}");
    // The worker waits for the migration, which waits for the queue: both join its network.
    let worker_depends = &compose["services"]["worker"]["depends_on"];
    assert_eq!(
        worker_depends[&migrate]["condition"],
        "service_completed_successfully"
    );
    assert_eq!(worker_depends["queue"]["condition"], "service_started");
    assert_eq!(
        compose["services"][&migrate]["depends_on"]["queue"]["condition"],
        "service_started"
    );
    assert!(
        compose["services"]["queue"]["depends_on"]
            .get(&migrate)
            .is_none(),
        "the server the migration needs does not wait for it: {compose}"
    );
    // Its volume is given to its user first (what `fsGroup` does on Kubernetes).
    assert_eq!(
        compose["services"]["queue"]["depends_on"]["volume-init"]["condition"],
        "service_completed_successfully"
    );
    assert_eq!(compose["services"][&migrate]["restart"], "on-failure");
    assert_eq!(compose["services"]["worker"]["deploy"]["replicas"], 2);
    assert_eq!(networks(&compose, "worker"), ["queue"]);
    assert_eq!(networks(&compose, &migrate), ["queue"]);
    crate::validate(&app, "compose-worker-job-stateful");
}

/// Postgres and Redis (a store with a password) in the scope, and `api` connected to both.
fn databases(
    scope: &Scope,
) -> (
    PostgresInCluster<Dev, Compose>,
    RedisInCluster<Dev, Compose>,
) {
    let db = PostgresInCluster::new(scope, "db", PgVersion::V16)
        .credentials(DatabaseCredentials::existing(scope, "db-credentials"))
        .storage(Memory::gib(10))
        .build();
    let redis = RedisInCluster::new(scope, "redis")
        .mode(RedisStore::new(RedisPassword::existing(scope, "redis")))
        .build();
    (db, redis)
}

#[test]
fn postgres_and_redis_in_cluster() {
    let (app, scope) = project();
    let (db, redis) = databases(&scope);
    let api = api(&scope);
    let pg = api.connect(&db);
    api.env("DB_HOST", pg.host())
        .env("DB_PORT", pg.port())
        .env("DB_USER", pg.username())
        .env("DB_PASSWORD", pg.password());
    let cache = api.connect(&redis);
    api.env("REDIS_HOST", cache.host())
        .env("REDIS_PASSWORD", cache.password());
    let compose = compose_yaml(&app);
    let services = &compose["services"];
    // Postgres: pg_isready, a named volume for its data.
    assert_eq!(services["db"]["healthcheck"]["test"][1], "pg_isready");
    let db_volumes = services["db"]["volumes"].as_array().expect("mounts");
    assert!(
        db_volumes.iter().any(|m| m["type"] == "volume"
            && compose["volumes"]
                .get(m["source"].as_str().unwrap_or_default())
                .is_some()),
        "{}",
        services["db"]
    );
    // Redis with a password: redis-cli authenticates with the variable, and the password in
    // its arguments is the host's variable, not a Kubernetes `$(REDIS_PASSWORD)`.
    let redis_check = services["redis"]["healthcheck"]["test"].to_string();
    assert!(
        redis_check.contains("redis-cli") && redis_check.contains("$$REDIS_PASSWORD"),
        "{redis_check}"
    );
    let redis_text = services["redis"].to_string();
    assert!(!redis_text.contains("$(REDIS_PASSWORD)"), "{redis_text}");
    assert!(redis_text.contains("${REDIS_PASSWORD:?"), "{redis_text}");
    // The client reaches both by service name, and waits for them to be healthy.
    let env = &services["api"]["environment"];
    assert_eq!(env["DB_HOST"], "db");
    assert_eq!(env["REDIS_HOST"], "redis");
    assert!(
        env["DB_PASSWORD"]
            .as_str()
            .is_some_and(|v| v.starts_with("${DB_CREDENTIALS_PASSWORD:?")),
        "{env}"
    );
    assert_eq!(
        services["api"]["depends_on"]["db"]["condition"],
        "service_healthy"
    );
    assert_eq!(
        services["api"]["depends_on"]["redis"]["condition"],
        "service_healthy"
    );
    assert_eq!(networks(&compose, "api"), ["api", "db", "redis"]);
    assert_eq!(compose["networks"]["db"]["internal"], true);
    let example = file(&app, ".env.example");
    for name in ["DB_CREDENTIALS_PASSWORD=", "REDIS_PASSWORD="] {
        assert!(example.contains(name), "{example}");
    }
    insta::assert_snapshot!(compose_files(&app));
    crate::validate(&app, "compose-databases");
}

#[test]
fn secrets_and_config_maps() {
    let (app, scope) = project();
    let creds = ApiCredentials::existing(&scope, "api-credentials");
    let declared = ApiConfig::existing(&scope, "api-config");
    let created = Settings::create(
        &scope,
        "settings",
        SettingsValues {
            log_level: "info",
            region: "eu-$west",
        },
    );
    api(&scope)
        .env("API_PASSWORD", creds.password())
        .env("FLAGS", declared.flags())
        .env("LOG_LEVEL", created.log_level())
        .env("REGION", created.region());
    let compose = compose_yaml(&app);
    let env = &compose["services"]["api"]["environment"];
    assert_eq!(
        env["API_PASSWORD"],
        "${API_CREDENTIALS_PASSWORD:?set API_CREDENTIALS_PASSWORD: key password of Secret api-credentials}"
    );
    assert_eq!(
        env["FLAGS"],
        "${API_CONFIG_FLAGS:?set API_CONFIG_FLAGS: key flags of ConfigMap api-config}"
    );
    assert_eq!(env["LOG_LEVEL"], "info");
    assert_eq!(env["REGION"], "eu-$$west");
    let example = file(&app, ".env.example");
    assert!(
        example.contains("\nAPI_CREDENTIALS_PASSWORD=\n"),
        "{example}"
    );
    assert!(example.contains("\nAPI_CONFIG_FLAGS=\n"), "{example}");
    assert!(!example.contains("LOG_LEVEL"), "{example}");
    insta::assert_snapshot!(compose_files(&app));
    crate::validate(&app, "compose-secrets-config");
}

#[test]
fn ingress_with_a_self_signed_certificate() {
    let (app, scope) = project();
    let api = api(&scope);
    let web = WebService::new(&scope, "web")
        .image("ghcr.io/acme/web:2.0.1")
        .port(3000)
        .build();
    let tls = ComposeIssuer::self_signed(&scope);
    Ingress::new(&scope, "public")
        .host("shop.localhost")
        .issuer(&tls)
        .build()
        .route("/api", &api)
        .route("/", &web);
    let caddyfile = file(&app, "Caddyfile");
    assert!(caddyfile.contains("tls internal"), "{caddyfile}");
    let compose = compose_yaml(&app);
    // The proxy alone publishes ports, and joins the networks of the services it routes to.
    let published: Vec<&str> = compose["services"]
        .as_object()
        .expect("services")
        .iter()
        .filter(|(_, s)| s.get("ports").is_some())
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(published.len(), 1, "{compose}");
    let proxy = published[0];
    let joined = networks(&compose, proxy);
    for network in ["api", "web", "egress"] {
        assert!(joined.iter().any(|n| n == network), "{joined:?}");
    }
    assert_eq!(networks(&compose, "api"), ["api"]);
    insta::assert_snapshot!(compose_files(&app));
    crate::validate(&app, "compose-ingress-self-signed");
}

#[test]
fn ingress_with_an_acme_certificate() {
    let (app, scope) = project();
    let api = api(&scope);
    let tls = ComposeIssuer::acme(&scope, "ops@example.com");
    Ingress::new(&scope, "public")
        .host("shop.example.com")
        .issuer(&tls)
        .build()
        .route("/", &api);
    let caddyfile = file(&app, "Caddyfile");
    assert!(caddyfile.contains("ops@example.com"), "{caddyfile}");
    assert!(!caddyfile.contains("tls internal"), "{caddyfile}");
    insta::assert_snapshot!(compose_files(&app));
    crate::validate(&app, "compose-ingress-acme");
}

// Wiring: who joins which network, and who waits for whom.

fn wired() -> App {
    let (app, scope) = project();
    let (db, _redis) = databases(&scope);
    let api = api(&scope);
    let pg = api.connect(&db);
    api.env("DB_HOST", pg.host());
    // Connected to nothing, reached by nobody.
    Worker::new(&scope, "idle")
        .image("ghcr.io/acme/worker:1.0.0")
        .replicas(1)
        .build();
    // Reaches an address range outside the project, nothing inside it.
    Worker::new(&scope, "crawler")
        .image("ghcr.io/acme/crawler:1.0.0")
        .replicas(1)
        .build()
        .allow_to(Peer::cidr("203.0.113.0/24"), Port::tcp("https", 443));
    app
}

#[test]
fn only_connected_clients_join_a_servers_network() {
    let app = wired();
    let compose = compose_yaml(&app);
    assert_eq!(networks(&compose, "api"), ["api", "db"]);
    // The database is a server of its own, and reaches nothing.
    assert_eq!(networks(&compose, "db"), ["db"]);
    // Redis serves nobody here: no client joins its network.
    assert_eq!(networks(&compose, "redis"), ["redis"]);
    assert_eq!(compose["services"]["idle"]["network_mode"], "none");
    assert_eq!(networks(&compose, "idle"), Vec::<String>::new());
    assert_eq!(networks(&compose, "crawler"), ["egress"]);
    assert!(
        compose["networks"]["egress"].get("internal").is_none()
            || compose["networks"]["egress"]["internal"] == false,
        "{}",
        compose["networks"]
    );
    assert!(compose["services"]["crawler"].get("depends_on").is_none());
    assert!(compose["services"]["idle"].get("depends_on").is_none());
    assert_eq!(
        compose["services"]["api"]["depends_on"],
        json!({ "db": { "condition": "service_healthy" } }),
    );
    insta::assert_snapshot!(compose_files(&app));
    crate::validate(&app, "compose-wiring");
}

#[test]
fn output_is_byte_identical_every_run() {
    let a = girder::synth::synthesize(&wired()).expect("valid");
    let b = girder::synth::synthesize(&wired()).expect("valid");
    assert_eq!(a.files, b.files);
    let c = girder::synth::synthesize(&girder_examples::helloworld()).expect("valid");
    let d = girder::synth::synthesize(&girder_examples::helloworld()).expect("valid");
    assert_eq!(c.files, d.files);
}

// Escape hatches: the Compose form is made from the final objects.

#[test]
fn a_typed_edit_shows_in_the_compose_form() {
    let (app, scope) = project();
    api(&scope).deployment_mut(|d| {
        d.main_container().env.get_or_insert_default().push(
            girder::k8s_openapi::api::core::v1::EnvVar {
                name: "FROM_EDIT".into(),
                value: Some("typed".into()),
                ..Default::default()
            },
        );
    });
    let compose = compose_yaml(&app);
    assert_eq!(
        compose["services"]["api"]["environment"]["FROM_EDIT"],
        "typed"
    );
}

#[test]
fn a_json_patch_shows_in_the_compose_form() {
    let (app, scope) = project();
    api(&scope).patch::<Deployment>(patch(json!([
        { "op": "add", "path": "/spec/template/spec/containers/0/env",
          "value": [{ "name": "FROM_PATCH", "value": "patched" }] }
    ])));
    let compose = compose_yaml(&app);
    assert_eq!(
        compose["services"]["api"]["environment"]["FROM_PATCH"],
        "patched"
    );
}

#[test]
fn an_aspect_of_manifests_shows_in_the_compose_form() {
    let (app, scope) = project();
    api(&scope);
    app.aspect(|m: &mut Manifest, _: &mut Visit<'_>| {
        if let Some(d) = m.downcast_mut::<Deployment>()
            && let Some(pod) = d.spec.as_mut().and_then(|s| s.template.spec.as_mut())
        {
            pod.containers[0].env.get_or_insert_default().push(
                girder::k8s_openapi::api::core::v1::EnvVar {
                    name: "FROM_ASPECT".into(),
                    value: Some("visited".into()),
                    ..Default::default()
                },
            );
        }
    });
    let compose = compose_yaml(&app);
    assert_eq!(
        compose["services"]["api"]["environment"]["FROM_ASPECT"],
        "visited"
    );
}

fn patch(ops: Value) -> girder::json_patch::Patch {
    serde_json::from_value(ops).expect("a valid JSON patch")
}

#[test]
fn checks_still_run_on_the_objects_of_a_compose_environment() {
    let (app, scope) = project();
    api(&scope).patch::<Deployment>(patch(json!([
        { "op": "add", "path": "/spec/template/spec/containers/0/env",
          "value": [{ "name": "TOKEN", "valueFrom": { "secretKeyRef": { "name": "stolen-token", "key": "token" } } }] }
    ])));
    let errors = synth_errors(&app);
    assert_error(
        &errors,
        "dev/compose/api (apps/v1 Deployment compose/api)",
        "the pods read Secret `compose/stolen-token`, which the program neither creates nor declares existing",
    );
    assert_nothing_written(&app);
}

// Bad input: errors with the construct path and a hint, nothing written.

#[test]
fn a_cron_job_has_no_compose_form() {
    let (app, scope) = project();
    PostgresInCluster::new(&scope, "db", PgVersion::V16)
        .credentials(DatabaseCredentials::existing(&scope, "db-credentials"))
        .backups(PgDump::daily().retain_days(7))
        .build();
    CronJob::new(&scope, "report")
        .image("ghcr.io/acme/report:1.0.0")
        .schedule("0 6 * * *")
        .build();
    let errors = synth_errors(&app);
    assert_error(
        &errors,
        "dev/compose/report",
        "`batch/v1 CronJob` has no Compose form",
    );
    assert_error(
        &errors,
        "dev/compose/db",
        "`batch/v1 CronJob` has no Compose form",
    );
    assert!(
        errors.contains("Compose runs nothing on a schedule"),
        "{errors}"
    );
    assert_nothing_written(&app);
}

#[test]
fn a_load_balancer_service_has_no_compose_form() {
    let (app, scope) = project();
    WebService::new(&scope, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .expose(Exposure::load_balancer(["203.0.113.0/24"]))
        .build();
    let errors = synth_errors(&app);
    assert_error(
        &errors,
        "dev/compose/api",
        "a `LoadBalancer` Service has no Compose form",
    );
    assert!(errors.contains("through an `Ingress`"), "{errors}");
    assert_nothing_written(&app);
}

#[test]
fn env_from_has_no_compose_form() {
    let (app, scope) = project();
    ApiConfig::existing(&scope, "api-config");
    api(&scope).patch::<Deployment>(patch(json!([
        { "op": "add", "path": "/spec/template/spec/containers/0/envFrom",
          "value": [{ "configMapRef": { "name": "api-config" } }] }
    ])));
    let errors = synth_errors(&app);
    assert_error(&errors, "dev/compose/api", "`envFrom` has no Compose form");
    assert_nothing_written(&app);
}

#[test]
fn a_compose_environment_has_one_scope() {
    let (app, scope) = project();
    api(&scope);
    let other = app.environment(Dev).kubernetes().namespace(Web);
    WebService::new(&other, "web")
        .image("ghcr.io/acme/web:2.0.1")
        .port(3000)
        .build();
    let errors = synth_errors(&app);
    assert_error(
        &errors,
        "dev/web",
        "environment `dev` is a Compose project, and namespace `web` would be a second scope in it",
    );
    assert_nothing_written(&app);
}

#[test]
fn an_invalid_project_name_is_reported() {
    let app = App::new("Shop");
    let dev = app.environment(Dev);
    crate::accept_test_tags(&dev);
    api(&dev.compose());
    let errors = synth_errors(&app);
    assert!(
        errors.contains("`Shop-dev` is not a Compose project name"),
        "{errors}"
    );
    assert!(errors.contains("--> dev"), "{errors}");
    assert_nothing_written(&app);
}

girder::secret! {
    /// A Secret whose name and key collide with [`BC`]'s as variables.
    pub struct AB { c }
}
girder::secret! {
    /// See [`AB`].
    pub struct BC { b_c = "b-c" }
}

#[test]
fn two_keys_becoming_one_variable_are_reported() {
    let (app, scope) = project();
    let one = AB::existing(&scope, "a-b");
    let two = BC::existing(&scope, "a");
    api(&scope).env("ONE", one.c()).env("TWO", two.b_c());
    let errors = synth_errors(&app);
    assert_error(&errors, "dev/compose/api", "both become variable `A_B_C`");
    assert_nothing_written(&app);
}

#[test]
fn a_kubernetes_issuer_in_a_compose_environment_is_reported() {
    let (app, scope) = project();
    let api = api(&scope);
    let env = app.environment(Dev).kubernetes();
    let issuer = LetsEncrypt::new(&env, "letsencrypt")
        .email("ops@example.com")
        .build();
    Ingress::new(&scope, "public")
        .host("shop.example.com")
        .issuer(&issuer)
        .build()
        .route("/", &api);
    let errors = synth_errors(&app);
    assert!(errors.contains("--> dev/"), "{errors}");
    assert!(errors.contains("ComposeIssuer"), "{errors}");
    assert_nothing_written(&app);
}

#[test]
fn a_workload_named_like_the_proxy_is_reported() {
    let (app, scope) = project();
    let proxy = WebService::new(&scope, "proxy")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .build();
    let tls = ComposeIssuer::self_signed(&scope);
    Ingress::new(&scope, "public")
        .host("shop.localhost")
        .issuer(&tls)
        .build()
        .route("/", &proxy);
    let errors = synth_errors(&app);
    assert_error(
        &errors,
        "dev/compose/proxy",
        "two workloads would be Compose service `proxy`",
    );
    assert!(
        errors.contains("`proxy` is also the name of a service Girder adds"),
        "{errors}"
    );
    assert_nothing_written(&app);
}

#[test]
fn a_secret_without_a_variable_name_is_reported() {
    let (app, scope) = project();
    // `1PASS_PASSWORD` starts with a digit: no shell variable.
    let creds = ApiCredentials::existing(&scope, "1pass");
    api(&scope).env("API_PASSWORD", creds.password());
    let errors = synth_errors(&app);
    assert_error(
        &errors,
        "dev/compose/api",
        "key `password` of Secret `1pass` gives no environment variable name",
    );
    assert_nothing_written(&app);
}

#[test]
fn a_literal_secret_in_a_jobs_environment_is_reported_at_the_job() {
    let (app, scope) = project();
    let migrate = Job::new(&scope, "migrate")
        .image("ghcr.io/acme/api:1.4.2")
        .command(["alembic", "upgrade", "head"])
        .build();
    migrate.env("DB_PASSWORD", "hunter2-correct-horse");
    let errors = synth_errors(&app);
    // The Job's service is `migrate`, its object `migrate-<hash>`: the finding is the Job's.
    assert!(
        errors.contains("--> dev/compose/migrate") && errors.contains("DB_PASSWORD"),
        "{errors}"
    );
    assert_nothing_written(&app);
}
