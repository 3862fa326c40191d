//! `diff --format markdown|json`: what a reviewer reads in a pull request, from a real
//! before/after pair of one program.

use std::path::Path;
use std::process::ExitCode;

use girder::constructs::{DatabaseCredentials, PgVersion};
use girder::prelude::*;

use crate::{Prod, Web, WithAddOns, accept_test_tags, run_cli as run};

/// The shop at two versions: the second bumps the API's image, adds a worker and grows the
/// database's volume (a StatefulSet's volume claims cannot change: destructive).
fn shop(after: bool) -> App {
    let app = App::new("shop");
    let k8s = app.environment(Prod).kubernetes().with_add_ons();
    accept_test_tags(k8s.environment());
    let ns = k8s.namespace(Web);
    let db = PostgresInCluster::new(&ns, "db", PgVersion::V16)
        .credentials(DatabaseCredentials::existing(&ns, "db-credentials"))
        .storage(Memory::gib(if after { 50 } else { 20 }))
        .build();
    let api = WebService::new(&ns, "api")
        .image(if after {
            "ghcr.io/acme/api:1.1.0"
        } else {
            "ghcr.io/acme/api:1.0.0"
        })
        .port(8080)
        .build();
    let pg = api.connect(&db);
    api.env("DB_HOST", pg.host());
    if after {
        Worker::new(&ns, "mailer")
            .image("ghcr.io/acme/mailer:2.0.0")
            .replicas(1)
            .build();
    }
    app
}

/// Synthesizes the first version into a temporary directory; returns it.
fn before() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("dist");
    let (code, _, err) = run(
        &shop(false),
        &["synth", "--out", out.to_str().expect("a UTF-8 path")],
    );
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    dir
}

fn dist(dir: &tempfile::TempDir) -> String {
    dir.path()
        .join("dist")
        .to_str()
        .expect("a UTF-8 path")
        .to_owned()
}

#[test]
fn the_markdown_diff_puts_destructive_changes_first() {
    let dir = before();
    let (code, markdown, err) = run(
        &shop(true),
        &["diff", "--against", &dist(&dir), "--format", "markdown"],
    );
    assert_eq!(
        code,
        ExitCode::from(girder::synth::EXIT_DESTRUCTIVE),
        "{err}"
    );
    let caution = markdown.find("[!CAUTION]").expect("a caution");
    let statefulset = markdown
        .find("apps/v1 StatefulSet web/db")
        .expect("the database");
    let deployment = markdown
        .find("apps/v1 Deployment web/api")
        .expect("the api");
    assert!(
        caution < statefulset && statefulset < deployment,
        "{markdown}"
    );
    insta::assert_snapshot!(markdown);
}

#[test]
fn the_json_diff_has_the_documented_shape() {
    let dir = before();
    let file = dir.path().join("diff.json");
    let (code, stdout, err) = run(
        &shop(true),
        &[
            "diff",
            "--against",
            &dist(&dir),
            "--format",
            "json",
            "--output",
            file.to_str().expect("a UTF-8 path"),
        ],
    );
    assert_eq!(
        code,
        ExitCode::from(girder::synth::EXIT_DESTRUCTIVE),
        "{err}"
    );
    assert!(stdout.is_empty(), "{stdout}");
    let text = std::fs::read_to_string(&file).expect("written");
    let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(json["format"], "girder-diff");
    assert_eq!(json["version"], 1);
    assert_eq!(json["summary"]["destructive"], 1);
    let db = json["changes"]
        .as_array()
        .expect("an array")
        .iter()
        .find(|c| c["key"]["kind"] == "StatefulSet")
        .expect("the database's change");
    assert_eq!(db["destructive"], true);
    assert_eq!(db["environment"], "prod");
    assert_eq!(db["key"]["namespace"], "web");
    let image = json["changes"]
        .as_array()
        .expect("an array")
        .iter()
        .flat_map(|c| c["fields"].as_array().expect("an array"))
        .find(|f| f["path"].as_str().expect("a string").ends_with(".image"))
        .expect("the image field");
    assert_eq!(image["old"], "ghcr.io/acme/api:1.0.0");
    assert_eq!(image["new"], "ghcr.io/acme/api:1.1.0");
    validate_json(&file);
}

/// With `GIRDER_VALIDATE=1` (CI), validates `file` against the published schema with the
/// Python `jsonschema` of the validators' environment.
fn validate_json(file: &Path) {
    if std::env::var_os("GIRDER_VALIDATE").is_none() {
        eprintln!(
            "GIRDER_VALIDATE is not set: the JSON diff is validated against its schema by CI"
        );
        return;
    }
    let tools = std::env::var("GIRDER_TOOLS").unwrap_or_else(|_| {
        format!(
            "{}/.cache/girder-tools",
            std::env::var("HOME").expect("HOME")
        )
    });
    let schema = concat!(env!("CARGO_MANIFEST_DIR"), "/../synth/schema/diff-v1.json");
    let output = std::process::Command::new(format!("{tools}/lint/bin/python"))
        .args([
            "-c",
            "import json, sys, jsonschema\n\
             schema = json.load(open(sys.argv[1]))\n\
             jsonschema.Draft202012Validator.check_schema(schema)\n\
             jsonschema.Draft202012Validator(schema).validate(json.load(open(sys.argv[2])))",
            schema,
            file.to_str().expect("a UTF-8 path"),
        ])
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "the JSON diff does not match synth/schema/diff-v1.json:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_diff_too_long_for_a_comment_is_shortened_and_the_whole_written_apart() {
    let dir = before();
    // 400 new workers: their sections are far longer than a comment.
    let big = shop(true);
    let k8s = big.environment(Prod).kubernetes();
    let ns = k8s.namespace(Web);
    for i in 0..400 {
        WebService::new(&ns, format!("svc-{i}"))
            .image("ghcr.io/acme/svc:1.0.0")
            .port(8080)
            .build();
    }
    let full = dir.path().join("full.md");
    let (code, comment, err) = run(
        &big,
        &[
            "diff",
            "--against",
            &dist(&dir),
            "--format",
            "markdown",
            "--full-output",
            full.to_str().expect("a UTF-8 path"),
        ],
    );
    assert_eq!(
        code,
        ExitCode::from(girder::synth::EXIT_DESTRUCTIVE),
        "{err}"
    );
    assert!(comment.chars().count() <= girder::synth::report::COMMENT_LIMIT);
    assert!(comment.contains("The full diff is in"), "{comment}");
    assert!(comment.contains("more objects."), "{comment}");
    // The destructive change keeps its fields.
    assert!(comment.contains("volumeClaimTemplates"), "{comment}");
    let whole = std::fs::read_to_string(&full).expect("written");
    assert!(whole.len() > girder::synth::report::COMMENT_LIMIT);
    assert!(whole.contains("svc-399"));
}

#[test]
fn full_output_without_markdown_is_a_usage_error() {
    let dir = before();
    let (code, _, err) = run(
        &shop(true),
        &["diff", "--against", &dist(&dir), "--full-output", "x.md"],
    );
    assert_eq!(code, ExitCode::from(girder::synth::EXIT_USAGE), "{err}");
    assert!(err.contains("add `--format markdown`"), "{err}");
}

#[test]
fn no_changes_in_every_format() {
    let dir = before();
    let against = dist(&dir);
    let (code, text, _) = run(&shop(false), &["diff", "--against", &against]);
    assert_eq!((code, text.as_str()), (ExitCode::SUCCESS, "no changes\n"));
    let (_, markdown, _) = run(
        &shop(false),
        &["diff", "--against", &against, "--format", "markdown"],
    );
    assert_eq!(markdown, "### Girder diff\n\nNo changes.\n");
    let (_, json, _) = run(
        &shop(false),
        &["diff", "--against", &against, "--format", "json"],
    );
    let json: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(json["changes"], serde_json::json!([]));
}
