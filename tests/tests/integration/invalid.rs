//! Bad input: every problem reported at once, with its path and a hint; never a panic.

use girder::prelude::*;

use crate::{Prod, Web};

use crate::synth_errors;

#[test]
fn every_error_is_reported_at_once() {
    let app = App::new("shop");
    let k8s = app.environment(Prod).kubernetes();
    let ns = k8s.namespace(Web);
    // Release tags accepted: only the errors are reported.
    girder::constructs::AcceptImageTags::because("test images").apply_to(k8s.environment());
    WebService::new(&ns, "Bad_Name")
        .image("ghcr.io/acme/a:1")
        .port(8080)
        .build();
    WebService::new(&ns, "dup")
        .image("ghcr.io/acme/a:1")
        .port(8080)
        .build();
    WebService::new(&ns, "dup")
        .image("ghcr.io/acme/a:1")
        .port(8080)
        .build();
    WebService::new(&ns, "limits")
        .image("ghcr.io/acme/a:1")
        .port(8080)
        .resources(
            Resources::new()
                .cpu(Cpu::cores(2), Cpu::millis(500))
                .memory(Memory::gib(1), Memory::mib(512)),
        )
        .build();
    WebService::new(&ns, "hpa")
        .image("ghcr.io/acme/a:1")
        .port(8080)
        .replicas(Replicas::between(10, 2))
        .build();
    WebService::new(&ns, "ports")
        .image("ghcr.io/acme/a:1")
        .port(0)
        .build();
    WebService::new(&ns, "low-port")
        .image("ghcr.io/acme/a:1")
        .port(80)
        .build();
    WebService::new(&ns, "empty").image("  ").port(8080).build();
    let cross = WebService::new(&ns, "cross")
        .image("ghcr.io/acme/a:1")
        .port(8080)
        .build();
    cross.env("9LIVES", "x");
    cross.allow_from(Peer::namespace("Not A Namespace"));

    let errors = synth_errors(&app);
    let expected = [
        ("prod/web/Bad_Name", "invalid id `Bad_Name`"),
        ("prod/web/dup", "duplicate id `dup` in prod/web"),
        (
            "prod/web/limits (apps/v1 Deployment web/limits)",
            "cpu limit 500m is below its request 2",
        ),
        (
            "prod/web/limits (apps/v1 Deployment web/limits)",
            "memory limit 512Mi is below its request 1Gi",
        ),
        (
            "prod/web/hpa",
            "replicas 10..=2: the minimum is above the maximum",
        ),
        ("prod/web/ports", "port `http` is 0"),
        ("prod/web/low-port", "port `http` is 80, a privileged port"),
        ("prod/web/empty", "the image is empty"),
        (
            "prod/web/cross",
            "invalid environment variable name `9LIVES`",
        ),
        (
            "prod/web/cross",
            "`Not A Namespace` is not a valid namespace name",
        ),
    ];
    for (path, message) in expected {
        let found = errors
            .split("error: ")
            .any(|e| e.contains(message) && e.contains(&format!("--> {path}")));
        assert!(found, "missing `{message}` at `{path}` in:\n{errors}");
    }
    assert_eq!(
        errors.matches("error: ").count(),
        expected.len(),
        "{errors}"
    );
    assert_eq!(
        errors.matches("hint: ").count(),
        expected.len(),
        "every error has a hint:\n{errors}"
    );
}

#[test]
fn object_name_collisions_are_errors() {
    let app = App::new("shop");
    let ns = app.environment(Prod).kubernetes().namespace(Web);
    WebService::new(&ns, "default-deny")
        .image("ghcr.io/acme/a:1")
        .port(8080)
        .build();
    let errors = synth_errors(&app);
    assert!(
        errors.contains("NetworkPolicy web/default-deny is also emitted by `prod/web`"),
        "{errors}"
    );
}

#[test]
fn handles_of_another_app_are_errors() {
    let app = App::new("shop");
    let other = App::new("other");
    let k8s = app.environment(Prod).kubernetes();
    let ns = k8s.namespace(Web);
    let issuer = LetsEncrypt::new(&k8s, "le")
        .email("ops@example.com")
        .build();
    let foreign = WebService::new(&other.environment(Prod).kubernetes().namespace(Web), "api")
        .image("ghcr.io/acme/a:1")
        .port(8080)
        .build();
    Ingress::new(&ns, "public")
        .host("shop.example.com")
        .issuer(&issuer)
        .build()
        .route("/", &foreign);
    let errors = synth_errors(&app);
    assert!(
        errors.contains("route `/` goes to a service of another app"),
        "{errors}"
    );
}

#[test]
fn ingress_mistakes_are_reported() {
    let app = App::new("shop");
    let k8s = app.environment(Prod).kubernetes();
    let ns = k8s.namespace(Web);
    let issuer = LetsEncrypt::new(&k8s, "le").email("not-an-email").build();
    let api = WebService::new(&ns, "api")
        .image("ghcr.io/acme/a:1")
        .port(8080)
        .build();
    Ingress::new(&ns, "public")
        .host("Shop Example")
        .issuer(&issuer)
        .build()
        .route("api", &api);
    Ingress::new(&ns, "empty")
        .host("shop.example.com")
        .issuer(&issuer)
        .build();
    let errors = synth_errors(&app);
    for message in [
        "`not-an-email` is not an email address",
        "`Shop Example` is not a valid host name",
        "route path `api` does not start with '/'",
        "the ingress has no route",
    ] {
        assert!(
            errors.contains(message),
            "missing `{message}` in:\n{errors}"
        );
    }
}
