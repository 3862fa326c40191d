//! Escape hatches (JSON patches, typed edits, aspects) cannot bypass Girder's checks: every
//! check runs on the final objects, whatever form they are in (issue #18 §2).

use girder::constructs::Exposure;
use girder::core::{Construct, Context, Emitted};
use girder::k8s::RawObject;
use girder::k8s::rules::pod_security::ENFORCE_LABEL;
use girder::k8s_openapi::api::apps::v1::Deployment;
use girder::k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use girder::k8s_openapi::api::core::v1::{Capabilities, Namespace as NamespaceObject, Service};
use girder::k8s_openapi::api::networking::v1::NetworkPolicy;
use girder::prelude::*;
use serde_json::json;

use crate::WithAddOns;
use crate::{Api, Prod, Web, synth_errors, synth_text};

fn shop() -> (App, Namespace<Prod, Web>) {
    let app = App::new("shop");
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    (app, ns)
}

fn api(ns: &Namespace<Prod, Web>) -> WebService<Prod, Web> {
    WebService::new(ns, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .replicas(2..=4)
        .build()
}

fn patch(ops: serde_json::Value) -> girder::json_patch::Patch {
    serde_json::from_value(ops).expect("a valid JSON patch")
}

/// Asserts that `errors` has an error at construct `path` (with the object) whose message
/// contains `message`, and a hint.
fn assert_error(errors: &str, path: &str, message: &str) {
    let found = errors
        .split("error: ")
        .any(|e| e.contains(message) && e.contains(&format!("--> {path}")) && e.contains("hint: "));
    assert!(found, "missing `{message}` at `{path}` in:\n{errors}");
}

#[test]
fn a_json_patch_cannot_widen_a_network_policy() {
    let (app, ns) = shop();
    api(&ns).patch::<NetworkPolicy>(patch(json!([
        { "op": "add", "path": "/spec/ingress",
          "value": [{ "from": [{ "ipBlock": { "cidr": "0.0.0.0/0" } }] }] }
    ])));
    let errors = synth_errors(&app);
    assert_error(
        &errors,
        "prod/web/api (networking.k8s.io/v1 NetworkPolicy web/api)",
        "spec: an edit widens the NetworkPolicy beyond the wiring: ingress from {\"ipBlock\":{\"cidr\":\"0.0.0.0/0\"}}",
    );
}

#[test]
fn an_aspect_cannot_widen_a_network_policy_nor_drop_its_isolation() {
    let (app, ns) = shop();
    api(&ns);
    app.aspect(|m: &mut Manifest, _: &mut Visit<'_>| {
        if let Some(policy) = m.downcast_mut::<NetworkPolicy>()
            && policy.metadata.name.as_deref() == Some("api")
            && let Some(spec) = policy.spec.as_mut()
        {
            spec.egress
                .get_or_insert_with(Vec::new)
                .push(Default::default());
            spec.policy_types = Some(vec!["Ingress".into()]);
        }
    });
    let errors = synth_errors(&app);
    let path = "prod/web/api (networking.k8s.io/v1 NetworkPolicy web/api)";
    assert_error(
        &errors,
        path,
        "an edit widens the NetworkPolicy beyond the wiring: egress to anywhere on every port",
    );
    assert_error(
        &errors,
        path,
        "an edit drops `Egress` from the NetworkPolicy's types",
    );
}

#[test]
fn a_json_patch_cannot_set_a_limit_below_its_request() {
    let (app, ns) = shop();
    api(&ns).patch::<Deployment>(patch(json!([
        { "op": "add", "path": "/spec/template/spec/containers/0/resources",
          "value": { "requests": { "memory": "1Gi" }, "limits": { "memory": "1Mi" } } }
    ])));
    let errors = synth_errors(&app);
    assert_error(
        &errors,
        "prod/web/api (apps/v1 Deployment web/api)",
        "spec.template.spec.containers[name=api].resources.limits.memory: container `api`: memory limit 1Mi is below its request",
    );
}

#[test]
fn relabelled_pods_are_not_admitted_by_another_services_policy() {
    let (app, ns) = shop();
    let api = api(&ns);
    let web = WebService::new(&ns, "web")
        .image("ghcr.io/acme/web:2.0.1")
        .port(8080)
        .build();
    web.env("API_URL", web.connect(&api).url());
    // The worker takes web's identity labels, which api's NetworkPolicy admits.
    let worker = Worker::new(&ns, "worker")
        .image("ghcr.io/acme/worker:1.0.0")
        .replicas(1)
        .build();
    worker.patch::<Deployment>(patch(json!([
        { "op": "replace", "path": "/spec/template/metadata/labels/app.kubernetes.io~1name", "value": "web" },
        { "op": "replace", "path": "/spec/template/metadata/labels/app.kubernetes.io~1instance", "value": "prod-web-web" }
    ])));
    let errors = synth_errors(&app);
    assert_error(
        &errors,
        "prod/web/worker (apps/v1 Deployment web/worker)",
        "spec.template.metadata.labels: the pods are relabelled so that networking.k8s.io/v1 NetworkPolicy web/api admits them",
    );
}

#[test]
fn a_typed_edit_cannot_make_a_pod_privileged() {
    let (app, ns) = shop();
    api(&ns).deployment_mut(|d| {
        let spec = d.pod_spec();
        spec.host_network = Some(true);
        spec.host_pid = Some(true);
        spec.host_ipc = Some(true);
        let sc = d.main_container().security_context.get_or_insert_default();
        sc.privileged = Some(true);
        sc.capabilities = Some(Capabilities {
            add: Some(vec!["SYS_ADMIN".into()]),
            drop: None,
        });
    });
    let errors = synth_errors(&app);
    let path = "prod/web/api (apps/v1 Deployment web/api)";
    let c = "spec.template.spec.containers[name=api].securityContext";
    for message in [
        "spec.template.spec.hostNetwork: `hostNetwork: true`".to_owned(),
        "spec.template.spec.hostPID: `hostPID: true`".to_owned(),
        "spec.template.spec.hostIPC: `hostIPC: true`".to_owned(),
        format!("{c}.privileged: a privileged container"),
        format!("{c}.capabilities.add: capability `SYS_ADMIN` is added"),
        format!("{c}.capabilities.drop: the container does not drop ALL capabilities"),
    ] {
        assert_error(&errors, path, &message);
    }
}

#[test]
fn a_json_patch_cannot_break_the_restricted_profile() {
    let (app, ns) = shop();
    api(&ns).patch::<Deployment>(patch(json!([
        { "op": "replace", "path": "/spec/template/spec/securityContext/runAsNonRoot", "value": false },
        { "op": "remove", "path": "/spec/template/spec/securityContext/seccompProfile" },
        { "op": "remove", "path": "/spec/template/spec/containers/0/securityContext/runAsNonRoot" },
        { "op": "replace", "path": "/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation", "value": true },
        { "op": "add", "path": "/spec/template/spec/volumes/-",
          "value": { "name": "node", "hostPath": { "path": "/" } } }
    ])));
    let errors = synth_errors(&app);
    let path = "prod/web/api (apps/v1 Deployment web/api)";
    let c = "spec.template.spec.containers[name=api].securityContext";
    for message in [
        format!("{c}.runAsNonRoot: neither the container nor the pod sets `runAsNonRoot: true`"),
        format!("{c}.seccompProfile: no seccomp profile"),
        format!("{c}.allowPrivilegeEscalation: `allowPrivilegeEscalation` is not false"),
        "spec.template.spec.volumes[name=node]: volume `node`: a hostPath volume".to_owned(),
    ] {
        assert_error(&errors, path, &message);
    }
}

#[test]
fn objects_stay_in_the_namespaces_the_program_declares() {
    let (app, ns) = shop();
    api(&ns).patch::<Deployment>(patch(json!([
        { "op": "replace", "path": "/metadata/namespace", "value": "kube-system" }
    ])));
    // An aspect moves the Service elsewhere too.
    app.aspect(|m: &mut Manifest, _: &mut Visit<'_>| {
        if let Some(service) = m.downcast_mut::<Service>() {
            service.metadata.namespace = Some("payments".into());
        }
    });
    let errors = synth_errors(&app);
    assert_error(
        &errors,
        "prod/web/api (apps/v1 Deployment kube-system/api)",
        "metadata.namespace: namespace `kube-system` is not declared by this program",
    );
    assert_error(
        &errors,
        "prod/web/api (v1 Service payments/api)",
        "metadata.namespace: namespace `payments` is not declared by this program",
    );
}

#[test]
fn an_aspect_cannot_lower_a_namespaces_pod_security() {
    let (app, ns) = shop();
    api(&ns);
    app.aspect(|m: &mut Manifest, _: &mut Visit<'_>| {
        if let Some(namespace) = m.downcast_mut::<NamespaceObject>()
            && let Some(labels) = namespace.metadata.labels.as_mut()
        {
            labels.insert(ENFORCE_LABEL.into(), "privileged".into());
        }
    });
    let errors = synth_errors(&app);
    assert_error(
        &errors,
        "prod/web (v1 Namespace web)",
        "the namespace does not enforce the `restricted` Pod Security Standard (it is `privileged`)",
    );
}

#[test]
fn names_must_exist_and_be_valid() {
    let (app, ns) = shop();
    api(&ns).patch::<Deployment>(patch(json!([
        { "op": "remove", "path": "/metadata/name" }
    ])));
    let other = WebService::new(&ns, "other")
        .image("ghcr.io/acme/other:1.0.0")
        .port(8080)
        .build();
    other.service_mut(|s: &mut Service| s.metadata.name = Some("Other_Service".into()));
    let errors = synth_errors(&app);
    assert_error(
        &errors,
        "prod/web/api (apps/v1 Deployment web/<unnamed>)",
        "metadata.name: the object has no name",
    );
    assert_error(
        &errors,
        "prod/web/other (v1 Service web/Other_Service)",
        "metadata.name: `Other_Service` is not a valid name: a Service name must be a DNS-1035 label",
    );
}

#[test]
fn an_unknown_api_version_is_refused() {
    let (app, ns) = shop();
    api(&ns).patch::<Deployment>(patch(json!([
        { "op": "replace", "path": "/apiVersion", "value": "apps/v1beta1" }
    ])));
    let errors = synth_errors(&app);
    assert_error(
        &errors,
        "prod/web/api (apps/v1beta1 Deployment web/api)",
        "apiVersion: the cluster serves no Deployment at `apps/v1beta1`",
    );
    assert!(
        errors.contains("Deployment is served as apps/v1"),
        "{errors}"
    );
}

#[test]
fn a_patch_that_breaks_the_type_is_refused() {
    let (app, ns) = shop();
    api(&ns).patch::<Deployment>(patch(json!([
        { "op": "add", "path": "/spec/replicas", "value": "three" }
    ])));
    let errors = synth_errors(&app);
    assert_error(
        &errors,
        "prod/web/api (apps/v1 Deployment web/api)",
        "the patched object is not a valid apps/v1 Deployment",
    );
}

#[test]
fn selectors_that_match_nothing_are_refused() {
    let (app, ns) = shop();
    let api = api(&ns);
    api.service_mut(|s: &mut Service| {
        if let Some(selector) = s.spec.as_mut().and_then(|s| s.selector.as_mut()) {
            selector.insert("tier".into(), "gone".into());
        }
    });
    api.autoscaler_mut(|h: &mut HorizontalPodAutoscaler| {
        if let Some(spec) = h.spec.as_mut() {
            spec.scale_target_ref.name = "apii".into();
        }
    });
    api.patch::<NetworkPolicy>(patch(json!([
        { "op": "add", "path": "/spec/podSelector/matchLabels/tier", "value": "gone" }
    ])));
    let errors = synth_errors(&app);
    assert_error(
        &errors,
        "prod/web/api (v1 Service web/api)",
        "spec.selector: `spec.selector` matches no pod of this program",
    );
    assert_error(
        &errors,
        "prod/web/api (autoscaling/v2 HorizontalPodAutoscaler web/api)",
        "spec.scaleTargetRef: `spec.scaleTargetRef` matches no workload of this program",
    );
    assert_error(
        &errors,
        "prod/web/api (networking.k8s.io/v1 NetworkPolicy web/api)",
        "spec.podSelector: `spec.podSelector` matches no pod of this program",
    );
}

/// A program's own construct: a `Widget` custom resource, with or without its CRD.
struct Widgets {
    with_crd: bool,
}

impl Construct for Widgets {
    fn kind(&self) -> &'static str {
        "Widgets"
    }

    fn render(&self, _cx: &Context<'_>, out: &mut Emitted) {
        let widget = json!({
            "apiVersion": "acme.com/v1", "kind": "Widget",
            "metadata": { "name": "blue", "namespace": "web" },
            "spec": { "size": 3 },
        });
        out.emit(Manifest::new(
            RawObject::from_value(widget, false).expect("a valid object"),
        ));
        if self.with_crd {
            let crd = json!({
                "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                "metadata": { "name": "widgets.acme.com" },
                "spec": {
                    "group": "acme.com", "scope": "Namespaced",
                    "names": { "kind": "Widget", "plural": "widgets", "singular": "widget", "listKind": "WidgetList" },
                    "versions": [{ "name": "v1", "served": true, "storage": true,
                        "schema": { "openAPIV3Schema": { "type": "object",
                            "x-kubernetes-preserve-unknown-fields": true } } }],
                },
            });
            out.emit(Manifest::new(
                RawObject::from_value(crd, true).expect("a valid object"),
            ));
        }
    }
}

#[test]
fn a_custom_kind_needs_its_crd() {
    let (app, ns) = shop();
    app.add(ns.node(), "widgets", Widgets { with_crd: false });
    let errors = synth_errors(&app);
    assert_error(
        &errors,
        "prod/web/widgets (acme.com/v1 Widget web/blue)",
        "apiVersion: the cluster serves no Widget at `acme.com/v1`, and the program declares no such kind",
    );
    assert!(
        errors.contains("emit its CustomResourceDefinition"),
        "{errors}"
    );

    let (app, ns) = shop();
    app.add(ns.node(), "widgets", Widgets { with_crd: true });
    let text = synth_text(&app);
    assert!(text.contains("kind: Widget"), "{text}");

    // Installed by an operator outside the program: declared, not emitted.
    let (app, ns) = shop();
    app.add(ns.node(), "widgets", Widgets { with_crd: false });
    app.environment(Prod).kubernetes().installed::<Widget>();
    let text = synth_text(&app);
    assert!(text.contains("kind: Widget"), "{text}");
    assert!(!text.contains("CustomResourceDefinition"), "{text}");
}

/// The Rust type of the Widget custom resource, as a program that uses it declares it.
struct Widget;

impl girder::k8s_openapi::Resource for Widget {
    const API_VERSION: &'static str = "acme.com/v1";
    const GROUP: &'static str = "acme.com";
    const KIND: &'static str = "Widget";
    const VERSION: &'static str = "v1";
    const URL_PATH_SEGMENT: &'static str = "widgets";
    type Scope = girder::k8s_openapi::NamespaceResourceScope;
}

// References to Secrets and ConfigMaps: every one a pod reads must be created or declared
// existing, however it got into the object (issue #20, "Credentials without a path").

fn env_from_secret(name: &str, key: &str) -> girder::k8s_openapi::api::core::v1::EnvVar {
    use girder::k8s_openapi::api::core::v1::{EnvVar, EnvVarSource, SecretKeySelector};
    EnvVar {
        name: "TOKEN".into(),
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: name.into(),
                key: key.into(),
                optional: None,
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[test]
fn a_typed_edit_cannot_read_an_undeclared_secret() {
    let (app, ns) = shop();
    api(&ns).deployment_mut(|d| {
        d.main_container()
            .env
            .get_or_insert_default()
            .push(env_from_secret("stolen-token", "token"));
    });
    let errors = synth_errors(&app);
    assert_error(
        &errors,
        "prod/web/api (apps/v1 Deployment web/api)",
        "spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name: the pods read Secret `web/stolen-token`, which the program neither creates nor declares existing",
    );
    assert!(
        errors.contains("existing(&namespace, \"stolen-token\")"),
        "{errors}"
    );
}

#[test]
fn a_json_patch_cannot_read_an_undeclared_config_map_or_secret() {
    let (app, ns) = shop();
    api(&ns).patch::<Deployment>(patch(json!([
        { "op": "add", "path": "/spec/template/spec/containers/0/envFrom",
          "value": [{ "configMapRef": { "name": "other-team-settings" } }] },
        { "op": "add", "path": "/spec/template/spec/imagePullSecrets",
          "value": [{ "name": "registry-login" }] },
    ])));
    let errors = synth_errors(&app);
    let path = "prod/web/api (apps/v1 Deployment web/api)";
    assert_error(
        &errors,
        path,
        "spec.template.spec.containers[0].envFrom[0].configMapRef.name: the pods read ConfigMap `web/other-team-settings`",
    );
    assert_error(
        &errors,
        path,
        "spec.template.spec.imagePullSecrets[0].name: the pods read Secret `web/registry-login`",
    );
}

#[test]
fn an_aspect_cannot_mount_an_undeclared_secret() {
    use girder::k8s_openapi::api::core::v1::{
        ProjectedVolumeSource, SecretProjection, SecretVolumeSource, Volume, VolumeProjection,
    };
    let (app, ns) = shop();
    Worker::new(&ns, "worker")
        .image("ghcr.io/acme/worker:1.0.0")
        .replicas(1)
        .build();
    app.aspect(|m: &mut Manifest, _: &mut Visit<'_>| {
        if let Some(spec) = m.object_mut().pod_spec_mut() {
            let volumes = spec.volumes.get_or_insert_default();
            volumes.push(Volume {
                name: "tls".into(),
                secret: Some(SecretVolumeSource {
                    secret_name: Some("wildcard-tls".into()),
                    ..Default::default()
                }),
                ..Default::default()
            });
            volumes.push(Volume {
                name: "bundle".into(),
                projected: Some(ProjectedVolumeSource {
                    sources: Some(vec![VolumeProjection {
                        secret: Some(SecretProjection {
                            name: "ca-bundle".into(),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }]),
                    ..Default::default()
                }),
                ..Default::default()
            });
        }
    });
    let errors = synth_errors(&app);
    let path = "prod/web/worker (apps/v1 Deployment web/worker)";
    assert_error(
        &errors,
        path,
        "secret.secretName: the pods read Secret `web/wildcard-tls`, which the program neither creates nor declares existing",
    );
    assert_error(
        &errors,
        path,
        "projected.sources[0].secret.name: the pods read Secret `web/ca-bundle`",
    );
}

/// A construct that emits what it is given, as a program's own construct would.
struct Emits(Vec<serde_json::Value>);

impl Construct for Emits {
    fn kind(&self) -> &'static str {
        "Emits"
    }

    fn render(&self, _: &Context<'_>, out: &mut Emitted) {
        for value in &self.0 {
            out.emit(Manifest::new(
                RawObject::from_value(value.clone(), false).expect("a valid object"),
            ));
        }
    }
}

/// A restricted pod of `namespace` in a CronJob that reads the Secret `secret`'s key `token`.
fn cron_reading(namespace: &str, secret: &str, optional: Option<bool>) -> serde_json::Value {
    json!({
        "apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": { "name": "report", "namespace": namespace, "annotations": {
            "checkov.io/skip1": "CKV_K8S_35=the report tool reads its token from its environment only",
        } },
        "spec": { "schedule": "0 1 * * *", "jobTemplate": { "spec": { "template": {
            "metadata": { "labels": { "app": "report" } },
            "spec": {
                "restartPolicy": "Never",
                "automountServiceAccountToken": false,
                "securityContext": { "runAsNonRoot": true, "runAsUser": 10001,
                    "seccompProfile": { "type": "RuntimeDefault" } },
                "containers": [{
                    "name": "report", "image": "ghcr.io/acme/report@sha256:0000000000000000000000000000000000000000000000000000000000000000",
                    "resources": { "requests": { "cpu": "10m", "memory": "16Mi" },
                                   "limits": { "cpu": "100m", "memory": "64Mi" } },
                    "securityContext": { "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                        "capabilities": { "drop": ["ALL"] } },
                    "env": [{ "name": "TOKEN", "valueFrom": { "secretKeyRef":
                        { "name": secret, "key": "token", "optional": optional } } }],
                }],
            },
        } } } },
    })
}

#[test]
fn a_programs_own_object_cannot_read_an_undeclared_secret() {
    let (app, ns) = shop();
    app.add(
        ns.node(),
        "report",
        Emits(vec![cron_reading("web", "report-token", None)]),
    );
    let errors = synth_errors(&app);
    assert_error(
        &errors,
        "prod/web/report (batch/v1 CronJob web/report)",
        "spec.jobTemplate.spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name: the pods read Secret `web/report-token`",
    );
}

#[test]
fn declared_created_synced_and_optional_references_pass() {
    // Declared existing: the `secret!` type's `existing`, then read through an edit.
    let (app, ns) = shop();
    crate::Tokens::existing(&ns, "report-token");
    app.add(
        ns.node(),
        "report",
        Emits(vec![cron_reading("web", "report-token", None)]),
    );
    let text = synth_text(&app);
    assert!(text.contains("name: report-token"), "{text}");

    // Declared in another namespace only: still unknown in `web`.
    let (app, ns) = shop();
    crate::Tokens::existing(
        &app.environment(Prod)
            .kubernetes()
            .with_add_ons()
            .namespace(crate::Data),
        "report-token",
    );
    app.add(
        ns.node(),
        "report",
        Emits(vec![cron_reading("web", "report-token", None)]),
    );
    let errors = synth_errors(&app);
    assert!(errors.contains("Secret `web/report-token`"), "{errors}");

    // Created by the program: a Secret of an ExternalSecret's target.
    let (app, ns) = shop();
    let external = json!({
        "apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
        "metadata": { "name": "report-sync", "namespace": "web" },
        "spec": {
            "secretStoreRef": { "name": "vault", "kind": "ClusterSecretStore" },
            "target": { "name": "report-token" },
            "data": [{ "secretKey": "token", "remoteRef": { "key": "report/token" } }],
        },
    });
    app.add(
        ns.node(),
        "report",
        Emits(vec![external, cron_reading("web", "report-token", None)]),
    );
    app.environment(Prod)
        .kubernetes()
        .installed::<girder::k8s::crd::external_secrets::ExternalSecret>();
    let text = synth_text(&app);
    assert!(text.contains("kind: ExternalSecret"), "{text}");

    // Optional: the pods start without it, as the program asks.
    let (app, ns) = shop();
    app.add(
        ns.node(),
        "report",
        Emits(vec![cron_reading("web", "report-token", Some(true))]),
    );
    let text = synth_text(&app);
    assert!(text.contains("optional: true"), "{text}");
}

/// KEDA reads a scaler's Secrets from its `TriggerAuthentication`: an aspect that points one at
/// a Secret the program neither creates nor declares fails synth like a pod's reference would.
#[test]
fn an_aspect_cannot_point_keda_at_an_undeclared_secret() {
    use girder::constructs::{RedisPassword, RedisStore};
    use girder::k8s::crd::keda::TriggerAuthentication;

    let (app, ns) = shop();
    let redis = RedisInCluster::new(&ns, "redis")
        .mode(RedisStore::new(RedisPassword::existing(&ns, "redis")))
        .build();
    let celery = Worker::new(&ns, "celery")
        .image("ghcr.io/acme/worker:1.0.0")
        .replicas(Replicas::between(1, 20).cpu(80))
        .build();
    let broker = celery.connect(&redis);
    celery.env("REDIS_PASSWORD", broker.password());
    celery.scale_on(
        Scaler::redis_list(broker.connection(), "celery", 10).password(broker.password()),
    );
    // As built, KEDA reads the declared password: synth passes.
    synth_text(&app);

    app.aspect(|m: &mut Manifest, _: &mut Visit<'_>| {
        if let Some(auth) = m.downcast_mut::<TriggerAuthentication>() {
            for r in &mut auth.spec.secret_target_ref {
                r.name = "stolen".into();
            }
        }
    });
    let errors = synth_errors(&app);
    assert!(
        errors.contains(
            "spec.secretTargetRef[0].name: KEDA reads Secret `web/stolen`, which the program neither creates nor declares existing"
        ),
        "{errors}"
    );
}

/// Two web services of one environment exposed on node ports `first` and `second`, the second
/// in another namespace (node ports are the cluster's, not a namespace's).
fn node_ports(first: u16, second: u16) -> (App, WebService<Prod, Web>, WebService<Prod, Api>) {
    let app = App::new("shop");
    crate::accept_test_tags(&app.environment(Prod));
    let k8s = app.environment(Prod).kubernetes().with_add_ons();
    let shop = WebService::new(&k8s.namespace(Web), "shop")
        .image("ghcr.io/acme/shop:1.4.2")
        .port(8080)
        .expose(Exposure::node_port(first, ["10.0.0.0/8"]))
        .build();
    let admin = WebService::new(&k8s.namespace(Api), "admin")
        .image("ghcr.io/acme/admin:1.4.2")
        .port(8080)
        .expose(Exposure::node_port(second, ["10.0.0.0/8"]))
        .build();
    (app, shop, admin)
}

#[test]
fn two_services_on_one_node_port_are_refused_naming_both() {
    let (app, _, _) = node_ports(30080, 30080);
    let errors = synth_errors(&app);
    assert_error(
        &errors,
        "prod/api/admin (v1 Service api/admin-external)",
        "spec.ports[0].nodePort: node port 30080 is also claimed by v1 Service web/shop-external (`spec.ports[0].nodePort`) in the same cluster",
    );
    assert_eq!(errors.matches("node port 30080").count(), 1, "{errors}");
}

#[test]
fn an_edit_or_a_patch_cannot_claim_a_node_port_taken_by_another_construct() {
    // A typed edit of the second service's external Service.
    let (app, _, admin) = node_ports(30080, 30081);
    admin.service_mut(|s: &mut Service| {
        if s.metadata.name.as_deref() == Some("admin-external")
            && let Some(port) = s
                .spec
                .as_mut()
                .and_then(|s| s.ports.as_mut())
                .and_then(|p| p.first_mut())
        {
            port.node_port = Some(30080);
        }
    });
    assert_error(
        &synth_errors(&app),
        "prod/api/admin (v1 Service api/admin-external)",
        "node port 30080 is also claimed by v1 Service web/shop-external",
    );
    // A JSON patch that makes the first service's in-cluster Service a NodePort on the port.
    let (app, shop, _) = node_ports(30081, 30080);
    shop.patch::<Service>(patch(json!([
        { "op": "add", "path": "/spec/type", "value": "NodePort" },
        { "op": "add", "path": "/spec/ports/0/nodePort", "value": 30080 }
    ])));
    let errors = synth_errors(&app);
    assert!(
        errors.contains("node port 30080 is also claimed by"),
        "{errors}"
    );
    // Different node ports: no finding.
    let (app, _, _) = node_ports(30080, 30081);
    let text = synth_text(&app);
    assert!(text.contains("nodePort: 30081"), "{text}");
}
