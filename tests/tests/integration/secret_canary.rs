//! No secret value in any output (issue #18 §3): a canary secret planted through every route a
//! program has, escape hatches included, fails synth with an error naming the route, and the
//! canary appears in no diagnostic. Allowances are reasoned, listed, and never idle.

use std::collections::BTreeMap;
use std::sync::Arc;

use girder::aws::ssm;
use girder::aws::{CfnResource, Entry, LogicalId, StackAddress, fns};
use girder::core::{Construct, Context, Emitted};
use girder::k8s_openapi::ByteString;
use girder::k8s_openapi::api::apps::v1::Deployment;
use girder::k8s_openapi::api::core::v1::{EnvVar, Secret};
use girder::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use girder::prelude::*;
use serde_json::json;

use crate::{Prod, Web, synth_errors};

/// The secret that must not reach the output.
const CANARY: &str = "canary-hunter2-9f4e";

fn worker(ns: &Namespace<Prod, Web>, id: &str) -> Worker<Prod, Web> {
    Worker::new(ns, id)
        .image("ghcr.io/acme/worker:1.0.0")
        .replicas(1)
        .build()
}

/// A program's own construct that emits a Kubernetes `Secret` with literal data.
struct RawSecret;

impl Construct for RawSecret {
    fn kind(&self) -> &'static str {
        "RawSecret"
    }
    fn render(&self, _cx: &Context<'_>, out: &mut Emitted) {
        out.emit(Manifest::new(Secret {
            metadata: ObjectMeta {
                name: Some("db".into()),
                namespace: Some("web".into()),
                ..Default::default()
            },
            data: Some(BTreeMap::from([(
                "password".to_owned(),
                ByteString(CANARY.as_bytes().to_vec()),
            )])),
            string_data: Some(BTreeMap::from([("dsn".to_owned(), CANARY.to_owned())])),
            ..Default::default()
        }));
    }
}

/// A program's own construct that emits SSM parameters: one literal, one in an `Fn::Join`,
/// one in an `Fn::Sub`.
struct Parameters {
    stack: Arc<StackAddress>,
}

impl Construct for Parameters {
    fn kind(&self) -> &'static str {
        "Parameters"
    }
    fn render(&self, _cx: &Context<'_>, out: &mut Emitted) {
        let id = |id: &str| LogicalId::new(id).expect("a valid logical ID");
        let mut literal = ssm::Parameter::new(ssm::Type::String, CANARY);
        literal.name = Some("/shop/db-password".into());
        out.emit(CfnResource::new(
            &self.stack,
            id("DbPassword"),
            Entry::new(literal),
        ));
        let joined = fns::join(
            "",
            [
                "postgres://app:".into(),
                CANARY.into(),
                "@db.internal:5432/app".into(),
            ],
        );
        let mut join = ssm::Parameter::new(ssm::Type::String, joined);
        join.name = Some("/shop/database-url".into());
        out.emit(CfnResource::new(
            &self.stack,
            id("DatabaseUrl"),
            Entry::new(join),
        ));
        let sub = fns::sub("redis://:${Password}@cache.internal:6379").var("Password", CANARY);
        let mut sub = ssm::Parameter::new(ssm::Type::String, sub);
        sub.name = Some("/shop/cache-url".into());
        out.emit(CfnResource::new(
            &self.stack,
            id("CacheUrl"),
            Entry::new(sub),
        ));
    }
}

/// Asserts that `errors` has an error at construct `path` about `field` with a hint.
fn assert_finding(errors: &str, path: &str, field: &str) {
    let found = errors.split("error: ").any(|e| {
        e.contains(&format!("`{field}` looks like a secret"))
            && e.contains(&format!("--> {path}"))
            && e.contains("hint: ")
    });
    assert!(found, "missing `{field}` at `{path}` in:\n{errors}");
}

#[test]
fn a_canary_secret_reaches_no_output_through_any_route() {
    let app = App::new("shop");
    let env = app.environment(Prod);
    let ns = env.kubernetes().namespace(Web);
    // An environment variable named like a secret.
    worker(&ns, "env").env("DB_PASSWORD", CANARY);
    // An annotation, added by an aspect to one construct's objects.
    worker(&ns, "annotated");
    app.aspect(|manifest: &mut Manifest, visit: &mut Visit<'_>| {
        if visit.path() == "prod/web/annotated" {
            let meta = manifest.object_mut().meta_mut();
            meta.annotations
                .get_or_insert_with(BTreeMap::new)
                .insert("acme.com/api-token".into(), CANARY.into());
        }
    });
    // A JSON patch.
    worker(&ns, "patched").patch::<Deployment>(
        serde_json::from_value(json!([{
            "op": "add", "path": "/spec/template/spec/containers/0/env",
            "value": [{ "name": "SESSION_SECRET", "value": CANARY }]
        }]))
        .expect("a valid patch"),
    );
    // A typed edit.
    worker(&ns, "edited").edit::<Deployment>(|d| {
        if let Some(spec) = d.spec.as_mut().and_then(|s| s.template.spec.as_mut()) {
            spec.containers[0]
                .env
                .get_or_insert_with(Vec::new)
                .push(EnvVar {
                    name: "STRIPE_API_KEY".into(),
                    value: Some(CANARY.into()),
                    ..Default::default()
                });
        }
    });
    // Command arguments.
    worker(&ns, "args").edit::<Deployment>(|d| {
        if let Some(spec) = d.spec.as_mut().and_then(|s| s.template.spec.as_mut()) {
            spec.containers[0].args = Some(vec!["--db-password".into(), CANARY.into()]);
        }
    });
    // A raw Kubernetes Secret.
    app.add(ns.node(), "raw-secret", RawSecret);
    // SSM parameters: a literal, and literals inside `Fn::Join` and `Fn::Sub`.
    let stack = env.aws("123456789012", "eu-west-1").stack("params");
    app.add(
        stack.node(),
        "params",
        Parameters {
            stack: stack.address().clone(),
        },
    );

    let errors = synth_errors(&app);
    let container = "spec.template.spec.containers[0]";
    for (path, field) in [
        (
            "prod/web/env",
            format!("{container}.env[name=DB_PASSWORD].value"),
        ),
        (
            "prod/web/annotated",
            "metadata.annotations.acme.com/api-token".to_owned(),
        ),
        (
            "prod/web/patched",
            format!("{container}.env[name=SESSION_SECRET].value"),
        ),
        (
            "prod/web/edited",
            format!("{container}.env[name=STRIPE_API_KEY].value"),
        ),
        ("prod/web/args", format!("{container}.args[1]")),
        ("prod/web/raw-secret", "data.password".to_owned()),
        ("prod/web/raw-secret", "stringData.dsn".to_owned()),
        ("prod/aws/params/params", "Properties.Value".to_owned()),
        (
            "prod/aws/params/params",
            "Properties.Value.Fn::Join".to_owned(),
        ),
        (
            "prod/aws/params/params",
            "Properties.Value.Fn::Sub".to_owned(),
        ),
    ] {
        assert_finding(&errors, path, &field);
    }
    assert!(
        !errors.contains(CANARY),
        "a diagnostic shows the secret:\n{errors}"
    );
    assert!(
        errors.contains("secretKeyRef") && errors.contains("{{resolve:secretsmanager:"),
        "the hints name the typed secrets:\n{errors}"
    );
}

#[test]
fn a_value_that_only_looks_secret_is_allowed_with_a_reason_listed_in_the_manifest() {
    let build = |allow: bool| {
        let app = App::new("shop");
        let ns = app.environment(Prod).kubernetes().namespace(Web);
        worker(&ns, "api").env("TOKEN_BUCKET", "api-requests");
        if allow {
            app.allow_secret_like(
                "prod/web/api",
                "TOKEN_BUCKET",
                "the name of a rate limiter bucket, not a token",
            );
        }
        app
    };
    let errors = synth_errors(&build(false));
    assert!(
        errors.contains("app.allow_secret_like(\"prod/web/api\", \"TOKEN_BUCKET\""),
        "{errors}"
    );
    let assembly = girder::synth::synthesize(&build(true)).unwrap_or_else(|d| panic!("{d}"));
    let manifest = assembly.files[girder::synth::MANIFEST].to_string();
    assert!(
        manifest.contains("the name of a rate limiter bucket, not a token"),
        "{manifest}"
    );
}

#[test]
fn an_allowance_that_matches_nothing_or_gives_no_reason_is_an_error() {
    let app = App::new("shop");
    let ns = app.environment(Prod).kubernetes().namespace(Web);
    let api = worker(&ns, "api");
    api.env("LOG_LEVEL", "info")
        .env("API_TOKEN_HEADER_NAME", "X-Token");
    app.allow_secret_like("prod/web/api", "LOG_LEVEL", "not a secret");
    app.allow_secret_like("prod/web/api", "DB_PASSWORD", "");
    let errors = synth_errors(&app);
    assert!(
        errors.contains("the allowance of secret-like `LOG_LEVEL` matches nothing"),
        "{errors}"
    );
    assert!(
        errors.contains("the allowance of secret-like `DB_PASSWORD` gives no reason"),
        "{errors}"
    );
}
