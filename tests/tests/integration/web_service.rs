//! WebService output, escape hatches and aspects.

use girder::k8s_openapi::api::apps::v1::Deployment;
use girder::prelude::*;

use crate::{ApiConfig, ApiCredentials, Prod, Web};

use crate::WithAddOns;
use crate::{synth_errors, synth_text};

fn shop() -> (App, Namespace<Prod, Web>) {
    let app = App::new("shop");
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    (app, ns)
}

#[test]
fn web_service_snapshot() {
    let (app, ns) = shop();
    let creds = ApiCredentials::existing(&ns, "api-credentials");
    let config = ApiConfig::existing(&ns, "api-config");
    let api = WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .replicas(Replicas::between(3, 12).cpu(70).memory(80))
        .readiness(Probe::http("/ready"))
        .liveness(Probe::http("/healthz").initial_delay(5))
        .build();
    api.env("LOG_LEVEL", "info")
        .env("DATABASE_PASSWORD", creds.password())
        .env("FEATURE_FLAGS", config.flags())
        .allow_from(Peer::pods_labelled("role", "frontend"));
    insta::assert_snapshot!(synth_text(&app));
}

#[test]
fn fixed_replicas_emit_no_autoscaler() {
    let (app, ns) = shop();
    WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .replicas(2)
        .build();
    let text = synth_text(&app);
    assert!(!text.contains("HorizontalPodAutoscaler"));
    assert!(text.contains("replicas: 2"));
}

#[test]
fn typed_edits_and_json_patches_reach_the_output() {
    let (app, ns) = shop();
    let api = WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .build();
    api.deployment_mut(|d| {
        d.spec.get_or_insert_default().min_ready_seconds = Some(10);
    });
    let patch: girder::json_patch::Patch = serde_json::from_value(serde_json::json!([
        { "op": "add", "path": "/spec/template/spec/priorityClassName", "value": "critical" }
    ]))
    .expect("a valid patch");
    api.patch::<Deployment>(patch);
    let text = synth_text(&app);
    assert!(text.contains("minReadySeconds: 10"), "{text}");
    assert!(text.contains("priorityClassName: critical"), "{text}");
}

#[test]
fn patches_that_do_not_apply_are_errors() {
    let (app, ns) = shop();
    let api = WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .replicas(2)
        .build();
    let patch: girder::json_patch::Patch = serde_json::from_value(serde_json::json!([
        { "op": "replace", "path": "/spec/nope/deeper", "value": 1 }
    ]))
    .expect("a valid patch");
    api.patch::<Deployment>(patch);
    api.autoscaler_mut(|_| {});
    let errors = synth_errors(&app);
    assert!(
        errors.contains("JSON patch does not apply to Deployment web/api"),
        "{errors}"
    );
    assert!(
        errors.contains("typed edit of a HorizontalPodAutoscaler, but this construct emits none"),
        "{errors}"
    );
}

#[test]
fn aspects_label_everything_and_enforce_registries() {
    let (app, ns) = shop();
    app.aspect(CommonLabels::new().label("team", "payments"));
    app.aspect(CommonAnnotations::new().annotation("owner", "payments@example.com"));
    app.aspect(ImageAllowList::new(["ghcr.io/acme/"]));
    // Release tags accepted: only the registry is reported.
    girder::constructs::AcceptImageTags::because("test images").apply_to(ns.environment());
    WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .build();
    WebService::new(&ns, "rogue")
        .image("docker.io/evil/miner:1.0")
        .port(8080)
        .build();
    let errors = synth_errors(&app);
    assert!(
        errors.contains("image `docker.io/evil/miner:1.0` is not from an allowed registry"),
        "{errors}"
    );
    assert!(
        errors.contains("prod/web/rogue (Deployment web/rogue)"),
        "{errors}"
    );
    assert!(!errors.contains("prod/web/api"), "{errors}");

    let (app, ns) = shop();
    app.aspect(CommonLabels::new().label("team", "payments"));
    WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .build();
    let text = synth_text(&app);
    let labelled = text.matches("team: payments").count();
    // 8 objects (Namespace, 2 NetworkPolicies, PDB, ServiceAccount, Service, Deployment, HPA)
    // plus the Deployment's pod template.
    assert_eq!(labelled, 9, "{text}");
}

#[test]
fn aspects_can_change_construct_props() {
    let (app, ns) = shop();
    app.aspect(
        |web: &mut girder::constructs::WebServiceSpec, _: &mut Visit<'_>| {
            if let girder::constructs::ReplicaCount::Autoscaled(a) = &mut web.replicas {
                a.cpu = Some(55);
            }
        },
    );
    WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .build();
    assert!(synth_text(&app).contains("averageUtilization: 55"));
}

#[test]
fn default_resources_fill_only_what_is_unset() {
    let (app, ns) = shop();
    app.aspect(DefaultResources(
        Resources::new().memory(Memory::mib(64), Memory::mib(128)),
    ));
    WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .resources(Resources {
            memory_request: Some(Memory::gib(1)),
            ..Resources::new()
        })
        .build();
    let text = synth_text(&app);
    // The request is the program's; the limit is raised to it rather than left below.
    assert!(text.contains("memory: 1Gi"), "{text}");
    assert!(!text.contains("memory: 128Mi"), "{text}");
    // CPU comes from Girder's built-in defaults.
    assert!(
        text.contains("cpu: 100m") && text.contains("cpu: 500m"),
        "{text}"
    );
}

#[test]
fn a_service_monitor_scrapes_a_declared_port_and_admits_prometheus_on_it_only() {
    let (app, ns) = shop();
    let api = WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .build();
    let metrics = api.add_port(Port::tcp("metrics", 9090));
    assert!(api.declares(&metrics) && api.declares(api.port()));
    ServiceMonitor::new(&api, &metrics).build();
    let text = synth_text(&app);
    let monitor = text
        .split("\n---\n")
        .find(|doc| doc.contains("kind: ServiceMonitor"))
        .unwrap_or_else(|| panic!("no ServiceMonitor in:\n{text}"));
    assert!(monitor.contains("port: metrics"), "{monitor}");
    let policy = text
        .split("\n---\n")
        .find(|doc| doc.contains("kind: NetworkPolicy"))
        .unwrap_or_else(|| panic!("no NetworkPolicy in:\n{text}"));
    assert!(policy.contains("port: 9090"), "{policy}");
    // Nothing admits traffic to the main port: the monitor opened the metrics port alone.
    assert!(!policy.contains("port: 8080"), "{policy}");
}

#[test]
fn a_port_handle_of_another_workload_is_reported_with_both_paths() {
    let (app, ns) = shop();
    let api = WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .build();
    let admin = WebService::new(&ns, "admin")
        .image("ghcr.io/acme/admin:1.0.0")
        .port(8080)
        .build();
    let metrics = admin.add_port(Port::tcp("metrics", 9090));
    assert!(!api.declares(admin.port()) && !api.declares(&metrics));
    // Same type, same namespace: the compiler cannot tell the handles apart, synth can. The
    // main ports are equal as values (`http`, 8080), and still not the same port.
    api.allow_from_on(Peer::cidr("10.0.0.0/8"), admin.port());
    ServiceMonitor::new(&api, &metrics).build();
    let errors = synth_errors(&app);
    assert!(
        errors.contains(
            "error: admits traffic on port `http` (8080/TCP) of `prod/web/admin`, another workload\n  --> prod/web/api\n"
        ),
        "{errors}"
    );
    assert!(
        errors.contains("hint: pass a port of `prod/web/api`: its `.port()` or a handle its `.add_port(..)` returned"),
        "{errors}"
    );
    assert!(
        errors
            .contains("monitors port `metrics` (9090/TCP), which `prod/web/api` does not declare"),
        "{errors}"
    );
}

#[test]
fn allow_from_on_a_workload_without_ports_is_reported() {
    let (app, ns) = shop();
    let worker = Worker::new(&ns, "worker")
        .image("ghcr.io/acme/worker:1.0.0")
        .replicas(1)
        .build();
    worker.allow_from(Peer::namespace("monitoring"));
    let errors = synth_errors(&app);
    assert!(
        errors.contains(
            "error: admits traffic, and declares no port to admit it on\n  --> prod/web/worker\n"
        ),
        "{errors}"
    );
}

#[test]
fn an_aspect_that_clears_the_autoscaling_targets_is_reported() {
    let (app, ns) = shop();
    app.aspect(
        |web: &mut girder::constructs::WebServiceSpec, _: &mut Visit<'_>| {
            if let girder::constructs::ReplicaCount::Autoscaled(a) = &mut web.replicas {
                a.cpu = None;
            }
        },
    );
    WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .build();
    let errors = synth_errors(&app);
    assert!(
        errors
            .contains("error: the replica range has no CPU or memory target\n  --> prod/web/api\n"),
        "{errors}"
    );
}
