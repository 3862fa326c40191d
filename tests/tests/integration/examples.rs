//! The seed examples: snapshots, determinism and the validators.

use crate::synth_text;

#[test]
fn screener_snapshot() {
    insta::assert_snapshot!(synth_text(&girder_examples::screener()));
}

#[test]
fn screener_passes_the_validators() {
    crate::validate(&girder_examples::screener(), "screener");
}

#[test]
fn screener_wiring_opens_exactly_its_flows() {
    use girder::testing::{Synthesized, json};
    let out = Synthesized::of(&girder_examples::screener());
    // Production: the backend and Celery reach the database and Redis; the frontend reaches
    // neither.
    out.allows("prod/screener/backend", "prod/screener/postgres", 5432)
        .allows("prod/screener/backend", "prod/screener/redis", 6379)
        .allows("prod/screener/celery", "prod/screener/redis", 6379)
        .denies("prod/screener/frontend", "prod/screener/postgres", 5432)
        .denies("prod/screener/airflow-web", "prod/screener/redis", 6379);
    // Development: the same edges as Compose networks.
    let dev = out.compose("dev");
    dev.service("backend")
        .has_properties(json!({"networks": ["postgres", "redis"]}));
    dev.service("frontend")
        .has_properties(json!({"networks": ["frontend"]}));
    let frontend = dev.service("frontend");
    let networks = frontend.json()["networks"].as_array().expect("networks");
    assert!(
        !networks.iter().any(|n| n == "postgres"),
        "the frontend joins no database network: {networks:?}"
    );
}

#[test]
fn tour_snapshot() {
    insta::assert_snapshot!(synth_text(&girder_examples::tour()));
}

#[test]
fn tour_passes_the_validators() {
    crate::validate(&girder_examples::tour(), "tour");
}

#[test]
fn exchange_snapshot() {
    insta::assert_snapshot!(synth_text(&girder_examples::exchange()));
}

#[test]
fn exchange_passes_the_validators() {
    crate::validate(&girder_examples::exchange(), "exchange");
}

/// The platform example: a product team's app on `StandardService`.
#[test]
fn platform_app_snapshot_and_assertions() {
    use girder::testing::Synthesized;
    use serde_json::json;
    let out = Synthesized::of(&girder_examples::platform_app());
    insta::assert_snapshot!(out.snapshot_files());
    // Each StandardService: its web service's objects, a monitor, an alert, a dashboard.
    assert_eq!(out.count_k8s("Deployment"), 2);
    assert_eq!(out.count_k8s("ServiceMonitor"), 2);
    assert_eq!(out.count_k8s("PrometheusRule"), 2);
    // The org's labels on the objects and the pods of every part.
    let org = json!({ "metadata": { "labels": { "team": "checkout", "cost-center": "cc-4711" } } });
    out.k8s("apps/v1", "Deployment", "shop/orders")
        .has_properties(org.clone())
        .has_properties(json!({ "spec": { "template": org.clone() } }));
    out.k8s_at("PrometheusRule", "prod/shop/orders/errors")
        .has_properties(org)
        .has_properties(json!({ "spec": { "groups": [{ "rules": [{
            "alert": "OrdersErrors",
            "labels": { "severity": "page" },
            "annotations": { "runbook_url": "https://runbooks.acme.example/checkout/orders-errors" },
        }] }] } }));
    out.k8s("v1", "ConfigMap", "shop/storefront-overview-dashboard")
        .has_properties(
            json!({ "metadata": { "labels": { "team": "web", "cost-center": "shared" } } }),
        );
    // The wiring between the composites, and to the database.
    out.allows("prod/shop/storefront/main", "prod/shop/orders/main", 8080)
        .allows("prod/shop/orders/main", "prod/shop/orders-db", 5432)
        .denies("prod/shop/storefront/main", "prod/shop/orders-db", 5432)
        .denies("prod/shop/orders/main", "prod/shop/storefront/main", 3000);
    // The database is no StandardService: no org labels.
    let db = out.k8s_at("StatefulSet", "prod/shop/orders-db");
    assert!(db.json()["metadata"]["labels"].get("team").is_none());
}

#[test]
fn platform_app_passes_the_validators() {
    crate::validate(&girder_examples::platform_app(), "platform-app");
}

girder::constructs::config! {
    /// Settings that belong in a Secret or come from a connection, and a key Kubernetes rejects.
    pub struct Misplaced(MisplacedValues) {
        api_token = "API_TOKEN",
        database_url = "DATABASE_URL",
        cache = "CACHE_ADDRESS",
        region = "AWS REGION",
    }
}

#[test]
fn created_config_map_rejects_secrets_and_addresses() {
    let app = girder::prelude::App::new("exchange");
    let ns = girder::prelude::KubernetesExt::kubernetes(&app.environment(crate::Prod))
        .namespace(crate::Api);
    let _ = Misplaced::create(
        &ns,
        "settings",
        MisplacedValues {
            api_token: "t0k3n",
            database_url: "postgres://app:hunter2@db.example.com:5432/app",
            cache: "redis.api.svc.cluster.local:6379",
            region: "eu-west-1",
        },
    );
    insta::assert_snapshot!(crate::synth_errors(&app));
}

#[test]
fn scraper_snapshot() {
    let app = girder_examples::scraper();
    let assembly = girder::synth::synthesize(&app).unwrap_or_else(|d| panic!("synth failed:\n{d}"));
    let text: String = assembly
        .files
        .iter()
        .filter(|(path, _)| path.as_str() != girder::synth::MANIFEST)
        .map(|(path, text)| format!("# {path}\n{text}"))
        .collect();
    insta::assert_snapshot!(text);
}

#[test]
fn scraper_passes_the_validators() {
    crate::validate(&girder_examples::scraper(), "scraper");
}

#[test]
fn city_graph_snapshot() {
    let app = girder_examples::city_graph();
    let assembly = girder::synth::synthesize(&app).unwrap_or_else(|d| panic!("synth failed:\n{d}"));
    let text: String = assembly
        .files
        .iter()
        .filter(|(path, _)| path.as_str() != girder::synth::MANIFEST)
        .map(|(path, text)| format!("# {path}\n{text}"))
        .collect();
    insta::assert_snapshot!(text);
}

#[test]
fn city_graph_passes_the_validators() {
    crate::validate(&girder_examples::city_graph(), "city-graph");
}

#[test]
fn bookinfo_snapshot() {
    insta::assert_snapshot!(synth_text(&girder_examples::bookinfo()));
}

#[test]
fn bookinfo_passes_the_validators() {
    crate::validate(&girder_examples::bookinfo(), "bookinfo");
}

/// Bookinfo is the proof that a public reference system needs no escape hatch: its source
/// calls none of them (typed edits, JSON patches, aspects), so every object is what the
/// constructs emit.
#[test]
fn bookinfo_uses_no_escape_hatch() {
    let source = include_str!("../../../examples/src/bookinfo.rs");
    for hatch in [
        ".edit",
        "_mut(",
        ".patch",
        "Aspect",
        ".aspect",
        "json_patch",
        "Manifest",
        "RawObject",
    ] {
        assert!(
            !source.contains(hatch),
            "examples/src/bookinfo.rs uses `{hatch}`"
        );
    }
}
