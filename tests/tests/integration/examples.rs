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
