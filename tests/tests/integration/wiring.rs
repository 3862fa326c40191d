//! Wiring: a three-tier program's NetworkPolicies, the env-reachability property, and the
//! synth-time wiring checks.

use std::collections::{BTreeMap, BTreeSet};

use girder::k8s_openapi::api::networking::v1::NetworkPolicy;
use girder::prelude::*;
use serde_json::Value;

use crate::{Data, Prod, Staging, Web, synth_errors};

girder::secret! {
    /// The orders database's credentials.
    pub struct OrdersDb { username, password = "db-password" }
}

/// web (namespace `web`) → api (namespace `web`) → db (namespace `data`), in one environment.
fn three_tier<E: girder::core::EnvironmentName>(app: &App, env: E) {
    crate::accept_test_tags(&app.environment(env));
    let k8s = app.environment(env).kubernetes();
    let web_ns = k8s.namespace(Web);
    let data = k8s.namespace(Data);
    let db = WebService::new(&data, "db")
        .image("ghcr.io/acme/orders-db:16.4")
        .port(Port::tcp("pg", 5432))
        .replicas(1)
        .build();
    let api = WebService::new(&web_ns, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .build();
    let web = WebService::new(&web_ns, "web")
        .image("ghcr.io/acme/web:2.0.1")
        .port(8080)
        .build();
    let creds = OrdersDb::existing(&web_ns, "orders-db");
    let to_db = api.connect(&db);
    api.env("DB_HOST", to_db.host())
        .env("DB_PORT", to_db.port())
        .env("DB_USER", creds.username())
        .env("DB_PASSWORD", creds.password());
    let to_api = web.connect(&api);
    web.env("API_URL", to_api.url());
}

/// Every YAML document of the synthesized files of environment `env`, as JSON.
fn documents(app: &App, env: &str) -> Vec<Value> {
    let assembly = girder::synth::synthesize(app).unwrap_or_else(|d| panic!("synth failed:\n{d}"));
    assembly
        .files
        .iter()
        .filter(|(path, _)| path.starts_with(&format!("{env}/")) && path.ends_with(".yaml"))
        .flat_map(|(_, text)| {
            let text = text.to_string();
            serde_saphyr::from_multiple::<Value>(&text).expect("valid YAML")
        })
        .collect()
}

#[test]
fn three_tier_policies_snapshot() {
    let app = App::new("shop");
    three_tier(&app, Prod);
    let policies: Vec<String> = documents(&app, "prod")
        .into_iter()
        .filter(|d| d["kind"] == "NetworkPolicy")
        .map(|d| {
            let policy: NetworkPolicy = serde_json::from_value(d).expect("a NetworkPolicy");
            let mut text = String::new();
            girder::k8s::emit::to_yaml(&mut text, &policy).expect("serializable");
            format!("---\n{text}")
        })
        .collect();
    insta::assert_snapshot!(policies.concat());
}

/// Each edge opens its flow, on its server's port, and nothing else.
#[test]
fn three_tier_edges_open_exactly_their_flows() {
    let app = App::new("shop");
    three_tier(&app, Prod);
    let out = girder::testing::Synthesized::of(&app);
    out.allows("prod/web/web", "prod/web/api", 8080)
        .allows("prod/web/api", "prod/data/db", 5432)
        .denies("prod/web/web", "prod/data/db", 5432)
        .denies("prod/web/api", "prod/web/web", 8080)
        .denies("prod/web/api", "prod/data/db", 8080);
    out.k8s("apps/v1", "Deployment", "web/api").has_properties(serde_json::json!({
        "spec": { "template": { "spec": { "containers": [{ "env": [
            { "name": "DB_HOST", "value": "db.data.svc.cluster.local" },
            { "name": "DB_PASSWORD", "valueFrom": { "secretKeyRef": { "name": "orders-db", "key": "db-password" } } },
        ] }] } } }
    }));
}

/// The Services a pod's env names (by `name.namespace` host), and the Services its
/// NetworkPolicies let it reach (by the selector of an egress peer): they must be equal.
#[test]
fn pods_reach_exactly_the_services_their_env_names() {
    let app = App::new("shop");
    three_tier(&app, Prod);
    three_tier(&app, Staging);
    let mut checked = 0;
    for env in ["prod", "staging"] {
        checked += reach_matches_env(&documents(&app, env));
    }
    assert_eq!(checked, 6, "three deployments in each of two environments");
}

/// Checks one environment's Deployments; returns how many it checked.
fn reach_matches_env(docs: &[Value]) -> usize {
    let ns_of = |d: &Value| {
        d["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    // Services: (namespace, name) -> selector.
    let services: BTreeMap<(String, String), Value> = docs
        .iter()
        .filter(|d| d["kind"] == "Service")
        .map(|d| {
            let name = d["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            ((ns_of(d), name), d["spec"]["selector"].clone())
        })
        .collect();
    let mut checked = 0;
    for deployment in docs.iter().filter(|d| d["kind"] == "Deployment") {
        let ns = ns_of(deployment);
        let name = deployment["metadata"]["name"].as_str().unwrap_or_default();
        let pod_labels = &deployment["spec"]["template"]["metadata"]["labels"];
        // Reached through env: hosts of the form `<service>.<namespace>.svc.cluster.local`.
        let mut by_env = BTreeSet::new();
        for container in deployment["spec"]["template"]["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
        {
            for var in container["env"].as_array().into_iter().flatten() {
                let Some(value) = var["value"].as_str() else {
                    continue;
                };
                let host = value
                    .split("://")
                    .last()
                    .unwrap_or_default()
                    .split([':', '/'])
                    .next()
                    .unwrap_or_default();
                if let Some(service) = host.strip_suffix(".svc.cluster.local") {
                    let (svc, svc_ns) = service.split_once('.').expect("name.namespace");
                    assert!(
                        services.contains_key(&(svc_ns.to_owned(), svc.to_owned())),
                        "{host} is no Service"
                    );
                    by_env.insert((svc_ns.to_owned(), svc.to_owned()));
                }
            }
        }
        // Allowed by policy: egress peers (other than kube-dns) selecting a Service's pods.
        let mut by_policy = BTreeSet::new();
        for policy in docs
            .iter()
            .filter(|d| d["kind"] == "NetworkPolicy" && ns_of(d) == ns)
        {
            let selects = policy["spec"]["podSelector"]["matchLabels"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            if !selects.iter().all(|(k, v)| &pod_labels[k] == v) || selects.is_empty() {
                continue;
            }
            for rule in policy["spec"]["egress"].as_array().into_iter().flatten() {
                for peer in rule["to"].as_array().into_iter().flatten() {
                    let peer_ns =
                        peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                            .as_str()
                            .unwrap_or(&ns)
                            .to_owned();
                    if peer_ns == "kube-system" {
                        continue;
                    }
                    let want = peer["podSelector"]["matchLabels"]
                        .as_object()
                        .cloned()
                        .unwrap_or_default();
                    let matched: Vec<_> = services
                        .iter()
                        .filter(|((sns, _), sel)| {
                            *sns == peer_ns && want.iter().all(|(k, v)| &sel[k] == v)
                        })
                        .map(|(key, _)| key.clone())
                        .collect();
                    assert_eq!(
                        matched.len(),
                        1,
                        "egress peer {peer} of {ns}/{name} selects {matched:?}"
                    );
                    by_policy.extend(matched);
                }
            }
        }
        assert_eq!(by_env, by_policy, "Deployment {ns}/{name}");
        checked += 1;
    }
    checked
}

#[test]
fn wiring_mistakes_are_reported_at_synth() {
    let app = App::new("shop");
    let prod = app.environment(Prod);
    AcceptImageTags::because("test images").apply_to(&prod);
    let k8s = prod.kubernetes();
    let web_ns = k8s.namespace(Web);
    let data = k8s.namespace(Data);
    let db = WebService::new(&data, "db")
        .image("ghcr.io/acme/orders-db:16.4")
        .port(Port::tcp("pg", 5432))
        .build();
    let api = WebService::new(&web_ns, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .build();
    // An address typed by hand instead of obtained from a connection.
    api.env("DB_HOST", "db.data.svc.cluster.local");
    let report = WebService::new(&web_ns, "report")
        .image("ghcr.io/acme/report:1.0.0")
        .port(8080)
        .build();
    // A connection whose address is never used.
    let _unused = report.connect(&db);
    // A typed edit that widens the policy behind the wiring's back.
    let open = WebService::new(&web_ns, "open")
        .image("ghcr.io/acme/open:1.0.0")
        .port(8080)
        .build();
    open.edit(|p: &mut NetworkPolicy| {
        if let Some(spec) = p.spec.as_mut() {
            spec.ingress
                .get_or_insert_with(Vec::new)
                .push(Default::default());
        }
    });
    let errors = synth_errors(&app);
    for (path, message) in [
        (
            "prod/web/api (apps/v1 Deployment web/api)",
            "`DB_HOST` points at Service data/db, but the NetworkPolicies say neither lets its pods out nor lets them in",
        ),
        (
            "prod/web/report",
            "the connection to `prod/data/db` is never used",
        ),
        (
            "prod/web/open (networking.k8s.io/v1 NetworkPolicy web/open)",
            "an edit widens the NetworkPolicy beyond the wiring: ingress from anywhere on every port",
        ),
    ] {
        let found = errors
            .split("error: ")
            .any(|e| e.contains(message) && e.contains(&format!("--> {path}")));
        assert!(found, "missing `{message}` at `{path}` in:\n{errors}");
    }
    assert_eq!(errors.matches("error: ").count(), 3, "{errors}");
    assert_eq!(errors.matches("hint: ").count(), 3, "{errors}");
}

#[test]
fn a_kept_connection_is_not_reported() {
    let app = App::new("shop");
    let ns = app.environment(Prod).kubernetes().namespace(Web);
    let api = WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .build();
    let web = WebService::new(&ns, "web")
        .image("ghcr.io/acme/web:2.0.1")
        .port(8080)
        .build();
    web.connect(&api).keep();
    girder::synth::synthesize(&app).unwrap_or_else(|d| panic!("{d}"));
}

/// With `GIRDER_VALIDATE=1` (CI), the three-tier output must pass the third-party validators.
#[test]
fn three_tier_output_passes_the_validators() {
    let app = App::new("shop");
    three_tier(&app, Prod);
    three_tier(&app, Staging);
    crate::validate(&app, "three-tier");
}

// Credentials come only from the connection that also opens the network path (issue #20).

/// Postgres and Redis in `web`, with `api` connected to both.
fn databases(
    app: &App,
) -> (
    girder::k8s::Namespace<Prod, Web>,
    PostgresInCluster<Prod, Web>,
    RedisInCluster<Prod, Web>,
) {
    use girder::constructs::{DatabaseCredentials, PgVersion, RedisPassword, RedisStore};
    crate::accept_test_tags(&app.environment(Prod));
    let ns = app.environment(Prod).kubernetes().namespace(Web);
    let db = PostgresInCluster::new(&ns, "db", PgVersion::V16)
        .credentials(DatabaseCredentials::existing(&ns, "db-credentials"))
        .build();
    let redis = RedisInCluster::new(&ns, "redis")
        .mode(RedisStore::new(RedisPassword::existing(&ns, "redis")))
        .build();
    (ns, db, redis)
}

fn worker(ns: &girder::k8s::Namespace<Prod, Web>) -> Worker<Prod, Web> {
    Worker::new(ns, "worker")
        .image("ghcr.io/acme/worker:1.0.0")
        .replicas(1)
        .build()
}

#[test]
fn credentials_without_a_connection_are_refused() {
    use girder::constructs::{DatabaseCredentials, RedisPassword};
    let app = App::new("shop");
    let (ns, _db, _redis) = databases(&app);
    // The Secret declared again by name, read by a workload that never connected.
    let worker = worker(&ns);
    worker
        .env(
            "DB_PASSWORD",
            DatabaseCredentials::existing(&ns, "db-credentials").password(),
        )
        .env(
            "REDIS_PASSWORD",
            RedisPassword::existing(&ns, "redis").password(),
        );
    let errors = synth_errors(&app);
    let path = "prod/web/worker (apps/v1 Deployment web/worker)";
    for message in [
        "spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name: the pods read Secret `web/db-credentials`, the credentials of prod/web/db, but the NetworkPolicies give them no path to it",
        "spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef.name: the pods read Secret `web/redis`, the credentials of prod/web/redis, but the NetworkPolicies give them no path to it",
    ] {
        let found = errors.split("error: ").any(|e| {
            e.contains(message)
                && e.contains(&format!("--> {path}"))
                && e.contains("hint: take credentials from the connection")
        });
        assert!(found, "missing `{message}` at `{path}` in:\n{errors}");
    }
    assert_eq!(errors.matches("error: ").count(), 2, "{errors}");
}

#[test]
fn credentials_through_another_workloads_connection_are_refused() {
    let app = App::new("shop");
    let (ns, db, _redis) = databases(&app);
    let api = WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .build();
    let pg = api.connect(&db);
    api.env("DB_HOST", pg.host());
    // The worker borrows the API's connection: it has the key, not the path.
    worker(&ns).env("DB_PASSWORD", pg.password());
    let errors = synth_errors(&app);
    assert!(
        errors.contains("--> prod/web/worker (apps/v1 Deployment web/worker)")
            && errors.contains("the pods read Secret `web/db-credentials`, the credentials of prod/web/db, but the NetworkPolicies give them no path to it"),
        "{errors}"
    );
    assert_eq!(errors.matches("error: ").count(), 1, "{errors}");
}

#[test]
fn an_escape_hatch_cannot_hand_out_credentials() {
    use girder::k8s_openapi::api::apps::v1::Deployment;
    use girder::k8s_openapi::api::core::v1::{EnvVar, EnvVarSource, SecretKeySelector};
    let app = App::new("shop");
    let (ns, _db, _redis) = databases(&app);
    worker(&ns);
    app.aspect(|m: &mut Manifest, _: &mut Visit<'_>| {
        if let Some(d) = m.downcast_mut::<Deployment>()
            && d.metadata.name.as_deref() == Some("worker")
            && let Some(spec) = d.spec.as_mut().and_then(|s| s.template.spec.as_mut())
        {
            spec.containers[0].env.get_or_insert_default().push(EnvVar {
                name: "PGPASSWORD".into(),
                value_from: Some(EnvVarSource {
                    secret_key_ref: Some(SecretKeySelector {
                        name: "db-credentials".into(),
                        key: "password".into(),
                        optional: None,
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            });
        }
    });
    let errors = synth_errors(&app);
    assert!(
        errors
            .contains("the pods read Secret `web/db-credentials`, the credentials of prod/web/db"),
        "{errors}"
    );
}

#[test]
fn credentials_from_the_own_connection_pass() {
    let app = App::new("shop");
    let (ns, db, redis) = databases(&app);
    let worker = worker(&ns);
    let pg = worker.connect(&db);
    let broker = worker.connect(&redis);
    worker
        .env("DB_HOST", pg.host())
        .env("DB_PASSWORD", pg.password())
        .env("REDIS_URL", broker.url())
        .env("REDIS_PASSWORD", broker.password());
    let text = crate::synth_text(&app);
    assert!(text.contains("name: db-credentials"), "{text}");
}

/// Redis as a cache: no volume, no persistence, no password; its clients connect as to a store.
#[test]
fn a_redis_cache_snapshot_and_validators() {
    use girder::constructs::RedisCache;
    use girder::k8s::quantity::{Cpu, Memory, Resources};
    let app = App::new("shop");
    crate::accept_test_tags(&app.environment(Prod));
    let ns = app.environment(Prod).kubernetes().namespace(Web);
    let cache = RedisInCluster::new(&ns, "cache")
        .mode(RedisCache::new(Memory::mib(256)))
        .resources(
            Resources::new()
                .cpu(Cpu::millis(100), Cpu::millis(500))
                .memory(Memory::mib(320), Memory::mib(384)),
        )
        .build();
    let api = WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .build();
    api.env("CACHE_URL", api.connect(&cache).url());
    let out = girder::testing::Synthesized::of(&app);
    out.allows("prod/web/api", "prod/web/cache", 6379);
    let text = out.snapshot_files();
    let cache_set = text
        .split("\n---\n")
        .find(|doc| doc.contains("kind: StatefulSet") && doc.contains("name: cache"))
        .expect("the cache's StatefulSet");
    assert!(!cache_set.contains("volumeClaimTemplates"), "{cache_set}");
    assert!(!cache_set.contains("requirepass"), "{cache_set}");
    assert!(!cache_set.contains("secretKeyRef"), "{cache_set}");
    insta::assert_snapshot!(cache_set);
    crate::validate(&app, "redis-cache");
}
