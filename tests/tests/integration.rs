//! Girder's integration tests: one binary, one module per area.

#[path = "integration/aws.rs"]
mod aws;
#[path = "integration/bridge.rs"]
mod bridge;
#[path = "integration/cfn_policy.rs"]
mod cfn_policy;
#[path = "integration/cidr.rs"]
mod cidr;
#[path = "integration/cli.rs"]
mod cli;
#[path = "integration/cluster.rs"]
mod cluster;
#[path = "integration/compose.rs"]
mod compose;
#[path = "integration/crds.rs"]
mod crds;
#[path = "integration/data.rs"]
mod data;
#[path = "integration/deploy_cli.rs"]
mod deploy_cli;
#[path = "integration/escape_hatches.rs"]
mod escape_hatches;
#[path = "integration/examples.rs"]
mod examples;
#[path = "integration/graph.rs"]
mod graph;
#[path = "integration/helloworld.rs"]
mod helloworld;
#[path = "integration/helm.rs"]
mod helm;
#[path = "integration/invalid.rs"]
mod invalid;
#[path = "integration/mesh.rs"]
mod mesh;
#[path = "integration/monitoring.rs"]
mod monitoring;
#[path = "integration/output.rs"]
mod output;
#[path = "integration/platform.rs"]
mod platform;
#[path = "integration/policy.rs"]
mod policy;
#[path = "integration/review.rs"]
mod review;
#[path = "integration/scaler.rs"]
mod scaler;
#[path = "integration/secret_canary.rs"]
mod secret_canary;
#[path = "integration/security.rs"]
mod security;
#[path = "integration/trust_aws.rs"]
mod trust_aws;
#[path = "integration/trust_constructs.rs"]
mod trust_constructs;
#[path = "integration/web_service.rs"]
mod web_service;
#[path = "integration/wiring.rs"]
mod wiring;
#[path = "integration/workloads.rs"]
mod workloads;

use girder::prelude::*;

girder::environment!(pub Prod = "prod");
girder::environment!(pub Staging = "staging");
girder::namespace!(pub Web = "web");
girder::namespace!(pub Api = "api");
girder::namespace!(pub Data = "data");
girder::namespace!(pub HelloworldNs = "helloworld");
girder::secret! {
    /// The API's credentials.
    pub struct ApiCredentials { password }
}
girder::secret! {
    /// Tokens of other services.
    pub struct Tokens { api }
}
girder::config_map! {
    /// The API's settings.
    pub struct ApiConfig { flags }
}

/// Synthesizes `app` and returns every file but the index, joined for a snapshot.
pub fn synth_text(app: &App) -> String {
    let assembly = girder::synth::synthesize(app).unwrap_or_else(|d| panic!("synth failed:\n{d}"));
    assembly
        .files
        .iter()
        .filter(|(path, _)| path.as_str() != girder::synth::MANIFEST)
        .map(|(path, text)| format!("# {path}\n{text}"))
        .collect()
}

/// Synthesizes `app` and returns its file at `path` (e.g. `prod/k8s/web.yaml`).
pub fn synth_file(app: &App, path: &str) -> String {
    let assembly = girder::synth::synthesize(app).unwrap_or_else(|d| panic!("synth failed:\n{d}"));
    assembly
        .files
        .iter()
        .find(|(p, _)| p.as_str() == path)
        .map(|(_, text)| text.to_string())
        .unwrap_or_else(|| panic!("no {path}"))
}

/// Runs the command line `args` against `app`: the exit code, standard output and error.
pub fn run_cli(app: &App, args: &[&str]) -> (std::process::ExitCode, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let argv = std::iter::once("infra").chain(args.iter().copied());
    let code = girder::synth::run_with(app, argv, &mut out, &mut err);
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

/// Synthesizes `app`, which must be invalid, and returns its diagnostics as printed.
pub fn synth_errors(app: &App) -> String {
    match girder::synth::synthesize(app) {
        Ok(_) => panic!("synth succeeded, but the app is invalid"),
        Err(d) => d.to_string(),
    }
}

/// Accepts the images of a test program pinned by tag only, with a reason (their registry
/// paths are made up: there is no digest to pin).
pub fn accept_test_tags<E: girder::core::EnvironmentName>(env: &girder::core::Environment<E>) {
    girder::constructs::AcceptImageTags::because(
        "test images: made-up registry paths, no digest to pin",
    )
    .apply_to(env);
}

/// With `GIRDER_VALIDATE=1` (as CI runs the tests), writes `app`'s output and runs the
/// third-party validators on it (`validate.sh` with `CR_STRICT=1` and `CHECKOV_ENFORCE=1`);
/// any finding fails the test. Without it, does nothing: the validators may not be installed.
pub fn validate(app: &App, label: &str) {
    if std::env::var_os("GIRDER_VALIDATE").is_none() {
        eprintln!("GIRDER_VALIDATE is not set: {label} is validated by CI");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join(label);
    let assembly = girder::synth::synthesize(app).unwrap_or_else(|d| panic!("{d}"));
    girder::synth::write::write(&assembly, &out).expect("written");
    let shared = std::env::var("GIRDER_SHARED")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared").to_owned());
    let output = std::process::Command::new("bash")
        .arg(format!("{shared}/validate/validate.sh"))
        .arg(&out)
        .env("CR_STRICT", "1")
        .env("CHECKOV_ENFORCE", "1")
        .output()
        .expect("validate.sh runs");
    assert!(
        output.status.success(),
        "validate.sh failed on {label}:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Declares every platform add-on installed in a cluster: most tests are about other rules, and
/// the add-ons' own rule has its tests (`helm.rs`).
pub trait WithAddOns {
    /// The same cluster, with every add-on declared installed.
    fn with_add_ons(self) -> Self;
}

impl<E: EnvironmentName> WithAddOns for girder::k8s::Kubernetes<E> {
    fn with_add_ons(self) -> Self {
        for add_on in AddOn::ALL {
            self.installed_add_on(add_on);
        }
        self
    }
}

impl<E: EnvironmentName> WithAddOns for girder::constructs::aws::EksKubernetes<E> {
    fn with_add_ons(self) -> Self {
        // The cluster's Kubernetes side is the environment's.
        (*self).clone().with_add_ons();
        self
    }
}
