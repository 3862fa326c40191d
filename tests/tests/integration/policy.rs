//! checkov's Kubernetes checks at synth (`girder::k8s::rules::policy`): each fires on a final
//! object broken through an escape hatch (typed edit, JSON patch or aspect) with its id and
//! hint; `accept` silences it and writes checkov's own suppression into the output; a
//! suppression without a reason, or without an effect, is an error.

use girder::k8s_openapi::api::apps::v1::Deployment;
use girder::k8s_openapi::api::core::v1::{
    Container, ContainerPort, EnvVar, EnvVarSource, PodSpec, SeccompProfile, SecretKeySelector,
};
use girder::k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use girder::prelude::*;
use serde_json::json;

use crate::{Prod, Web, synth_errors};

const IMAGE: &str = "ghcr.io/acme/api:1.4.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn shop() -> (App, Namespace<Prod, Web>) {
    let app = App::new("shop");
    let ns = app.environment(Prod).kubernetes().namespace(Web);
    (app, ns)
}

/// A web service as a program writes it: digest-pinned, every default kept.
fn api(ns: &Namespace<Prod, Web>) -> WebService<Prod, Web> {
    WebService::new(ns, "api").image(IMAGE).port(8080).build()
}

fn pod(d: &mut Deployment) -> &mut PodSpec {
    d.spec
        .as_mut()
        .and_then(|s| s.template.spec.as_mut())
        .expect("a deployment has a pod spec")
}

fn main(d: &mut Deployment) -> &mut Container {
    &mut pod(d).containers[0]
}

fn patch(ops: serde_json::Value) -> girder::json_patch::Patch {
    serde_json::from_value(ops).expect("a valid patch")
}

/// The error or warning of `id` in `text` (the printed diagnostics), with its hint.
fn reported<'a>(text: &'a str, id: &str) -> &'a str {
    let start = text
        .find(&format!(": {id} ("))
        .unwrap_or_else(|| panic!("{id} is not reported:\n{text}"));
    let start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let end = text[start..]
        .find("\nerror")
        .or_else(|| text[start..].find("\nwarning"))
        .map_or(text.len(), |i| start + i);
    &text[start..end]
}

/// How a test breaks the final Deployment of `api` for one check.
type Break = fn(&App, &WebService<Prod, Web>);

/// Every check Girder evaluates, broken through an escape hatch; `warning` for those that do
/// not fail synth.
const BROKEN: &[(&str, bool, Break)] = &[
    ("CKV_K8S_8", true, |_, api| {
        api.deployment_mut(|d| main(d).liveness_probe = None);
    }),
    ("CKV_K8S_9", true, |_, api| {
        api.patch::<Deployment>(patch(json!([
            { "op": "remove", "path": "/spec/template/spec/containers/0/readinessProbe" }
        ])));
    }),
    ("CKV_K8S_10", false, |_, api| {
        api.deployment_mut(|d| set_quantity(main(d), "requests", "cpu"));
    }),
    ("CKV_K8S_11", false, |_, api| {
        api.deployment_mut(|d| set_quantity(main(d), "limits", "cpu"));
    }),
    ("CKV_K8S_12", false, |_, api| {
        api.deployment_mut(|d| set_quantity(main(d), "requests", "memory"));
    }),
    ("CKV_K8S_13", false, |_, api| {
        api.deployment_mut(|d| set_quantity(main(d), "limits", "memory"));
    }),
    ("CKV_K8S_14", false, |app, _| {
        app.aspect(|m: &mut Manifest, _: &mut Visit<'_>| {
            if let Some(d) = m.downcast_mut::<Deployment>() {
                let c = main(d);
                c.image = Some("ghcr.io/acme/api:latest".into());
                c.image_pull_policy = Some("Always".into());
            }
        });
    }),
    ("CKV_K8S_15", false, |_, api| {
        api.deployment_mut(|d| {
            let c = main(d);
            c.image = Some("ghcr.io/acme/api:1.4.2".into());
            c.image_pull_policy = Some("IfNotPresent".into());
        });
    }),
    ("CKV_K8S_22", false, |app, _| {
        app.aspect(|m: &mut Manifest, _: &mut Visit<'_>| {
            if let Some(d) = m.downcast_mut::<Deployment>()
                && let Some(sc) = main(d).security_context.as_mut()
            {
                sc.read_only_root_filesystem = Some(false);
            }
        });
    }),
    ("CKV_K8S_25", false, |_, api| {
        api.patch::<Deployment>(patch(json!([
            { "op": "add", "path": "/spec/template/spec/containers/0/securityContext/capabilities/add", "value": ["NET_BIND_SERVICE"] }
        ])));
    }),
    ("CKV_K8S_26", false, |_, api| {
        api.deployment_mut(|d| {
            main(d).ports = Some(vec![ContainerPort {
                name: Some("http".into()),
                container_port: 8080,
                host_port: Some(0),
                protocol: Some("TCP".into()),
                ..Default::default()
            }]);
        });
    }),
    ("CKV_K8S_29", false, |_, api| {
        // The pod's settings moved to the container: still `restricted`, not what checkov wants.
        api.deployment_mut(|d| {
            let pod_sc = pod(d).security_context.take().unwrap_or_default();
            let sc = main(d).security_context.get_or_insert_default();
            sc.run_as_user = pod_sc.run_as_user;
            sc.run_as_group = pod_sc.run_as_group;
            sc.seccomp_profile = pod_sc.seccomp_profile;
        });
    }),
    ("CKV_K8S_31", false, |_, api| {
        api.deployment_mut(|d| {
            if let Some(sc) = pod(d).security_context.as_mut() {
                sc.seccomp_profile = Some(SeccompProfile {
                    type_: "Localhost".into(),
                    localhost_profile: Some("profiles/api.json".into()),
                });
            }
        });
    }),
    ("CKV_K8S_35", false, |app, api| {
        // A Secret the program declares, so that only the way it is read is at fault.
        crate::Tokens::existing(&app.environment(Prod).kubernetes().namespace(Web), "tokens");
        api.deployment_mut(|d| {
            main(d).env.get_or_insert_default().push(EnvVar {
                name: "API_TOKEN".into(),
                value_from: Some(EnvVarSource {
                    secret_key_ref: Some(SecretKeySelector {
                        name: "tokens".into(),
                        key: "api".into(),
                        optional: None,
                    }),
                    ..Default::default()
                }),
                value: None,
            });
        });
    }),
    ("CKV_K8S_38", false, |_, api| {
        api.patch::<Deployment>(patch(json!([
            { "op": "replace", "path": "/spec/template/spec/automountServiceAccountToken", "value": true }
        ])));
    }),
    ("CKV_K8S_40", false, |_, api| {
        api.deployment_mut(|d| {
            if let Some(sc) = pod(d).security_context.as_mut() {
                sc.run_as_user = Some(1000);
            }
        });
    }),
    ("CKV_K8S_43", true, |_, api| {
        api.deployment_mut(|d| {
            let c = main(d);
            c.image = Some("ghcr.io/acme/api:1.4.2".into());
            c.image_pull_policy = Some("Always".into());
        });
    }),
];

fn broken(id: &str) -> Break {
    BROKEN
        .iter()
        .find(|(i, _, _)| *i == id)
        .map(|(_, _, brk)| *brk)
        .expect("a known check")
}

/// Sets a request or limit to an empty quantity, which `DefaultResources` does not fill and
/// checkov reads as unset.
fn set_quantity(c: &mut Container, which: &str, key: &str) {
    let r = c.resources.get_or_insert_default();
    let map = if which == "requests" {
        r.requests.get_or_insert_default()
    } else {
        r.limits.get_or_insert_default()
    };
    map.insert(key.into(), Quantity(String::new()));
}

#[test]
fn each_check_fires_on_an_escape_hatch_with_its_id_and_hint() {
    // Every check a workload may accept is broken here.
    let broken: Vec<&str> = BROKEN.iter().map(|(id, _, _)| *id).collect();
    assert_eq!(broken, Check::ALL.map(Check::id));
    for (id, warning, brk) in BROKEN {
        let (app, ns) = shop();
        let api = api(&ns);
        brk(&app, &api);
        let text = if *warning {
            let assembly = girder::synth::synthesize(&app)
                .unwrap_or_else(|d| panic!("{id} is only a warning, synth failed:\n{d}"));
            assembly.warnings.to_string()
        } else {
            synth_errors(&app)
        };
        let found = reported(&text, id);
        let level = if *warning { "warning: " } else { "error: " };
        assert!(found.starts_with(level), "{id}: {found}");
        assert!(
            found.contains("--> prod/web/api (apps/v1 Deployment web/api)"),
            "{id}: {found}"
        );
        assert!(found.contains("\n  hint: "), "{id}: {found}");
        let accept = format!(".accept(Check::{id}, ");
        assert!(
            found.contains(&accept),
            "{id}: the hint says how to accept it: {found}"
        );
    }
}

#[test]
fn an_accepted_check_is_silent_and_recorded_as_checkovs_skip() {
    for (id, _, brk) in BROKEN {
        if ["CKV_K8S_10", "CKV_K8S_11", "CKV_K8S_12", "CKV_K8S_13"].contains(id) {
            // `DefaultResources` fills every unset request and limit: only an empty quantity
            // breaks these, and that is also `resources`' error, which no suppression lifts.
            continue;
        }
        let (app, ns) = shop();
        let api = api(&ns);
        brk(&app, &api);
        let check = Check::ALL
            .into_iter()
            .find(|c| c.id() == *id)
            .expect("a constant per check");
        api.accept(check, "reviewed in SEC-42");
        if *id == "CKV_K8S_15" {
            // The tag-pinned image of this break is also CKV_K8S_43's warning.
            api.accept(Check::CKV_K8S_43, "reviewed in SEC-42");
        }
        let assembly = girder::synth::synthesize(&app)
            .unwrap_or_else(|d| panic!("{id} accepted, synth failed:\n{d}"));
        let warnings = assembly.warnings.to_string();
        assert!(!warnings.contains(id), "{id}: {warnings}");
        let yaml = assembly.files["prod/k8s/web.yaml"].to_string();
        assert!(
            yaml.contains(&format!("checkov.io/skip1: {id}=reviewed in SEC-42")),
            "{id}: {yaml}"
        );
    }
}

/// The vendor image that needs UID 1000: an escape hatch lowers the UID, synth fails with
/// CKV_K8S_40 until the program accepts it with a reason, and checkov (with findings
/// enforced) reads the same suppression.
#[test]
fn a_lower_uid_fails_synth_until_accepted_and_checkov_agrees() {
    let (app, ns) = shop();
    let legacy = WebService::new(&ns, "legacy")
        .image(IMAGE)
        .port(8080)
        .build();
    legacy.deployment_mut(|d| {
        if let Some(sc) = pod(d).security_context.as_mut() {
            sc.run_as_user = Some(1000);
            sc.run_as_group = Some(1000);
            sc.fs_group = Some(1000);
        }
    });
    let errors = synth_errors(&app);
    insta::assert_snapshot!(errors);
    legacy.accept(Check::CKV_K8S_40, "the vendor image only runs as UID 1000");
    let assembly = girder::synth::synthesize(&app).unwrap_or_else(|d| panic!("{d}"));
    let yaml = assembly.files["prod/k8s/web.yaml"].to_string();
    assert!(
        yaml.contains("checkov.io/skip1: CKV_K8S_40=the vendor image only runs as UID 1000"),
        "{yaml}"
    );
    crate::validate(&app, "policy-accepted");
}

#[test]
fn a_suppression_without_a_reason_is_an_error() {
    let (app, ns) = shop();
    let api = api(&ns);
    broken("CKV_K8S_40")(&app, &api);
    api.accept(Check::CKV_K8S_40, "  ");
    let errors = synth_errors(&app);
    assert!(
        errors.contains(
            "error: metadata.annotations.checkov.io/skip1: the suppression of `CKV_K8S_40` gives no reason"
        ),
        "{errors}"
    );
    // Silenced by the skip all the same: one error, not two.
    assert!(!errors.contains("CKV_K8S_40 ("), "{errors}");
}

#[test]
fn a_suppression_without_an_effect_is_an_error() {
    let (app, ns) = shop();
    api(&ns).accept(Check::CKV_K8S_40, "the image needs UID 1000");
    let errors = synth_errors(&app);
    assert!(
        errors.contains("`CKV_K8S_40` (Containers should run as a high UID to avoid host conflict) would not fire on this object, so its suppression has no effect"),
        "{errors}"
    );
    // Probes: checkov does not check them on Jobs.
    let (app, ns) = shop();
    Job::new(&ns, "migrate")
        .image(IMAGE)
        .build()
        .accept(Check::CKV_K8S_8, "a job");
    let errors = synth_errors(&app);
    assert!(
        errors.contains("`CKV_K8S_8` has no effect here: checkov does not run it on a Job"),
        "{errors}"
    );
}

/// A suppression written by hand (a patch of the annotation) is checked the same way, and one
/// of a check the Pod Security profile enforces is refused.
#[test]
fn hand_written_suppressions_are_checked_too() {
    let (app, ns) = shop();
    api(&ns).patch::<Deployment>(patch(json!([
        { "op": "add", "path": "/metadata/annotations", "value": {
            "checkov.io/skip1": "CKV_K8S_20=needed",
            "checkov.io/skip2": "CKV_K8S_21=default namespace",
        } }
    ])));
    let errors = synth_errors(&app);
    assert!(
        errors.contains("`CKV_K8S_20` (Containers should not run with allowPrivilegeEscalation) cannot be suppressed"),
        "{errors}"
    );
    assert!(
        errors.contains("`CKV_K8S_21` is not a checkov check Girder evaluates"),
        "{errors}"
    );
}

/// The rule honours the suppression on the final object: an aspect that drops annotations
/// drops the acceptance, and the check fires.
#[test]
fn an_aspect_that_drops_the_suppression_brings_the_finding_back() {
    let (app, ns) = shop();
    let api = api(&ns);
    broken("CKV_K8S_40")(&app, &api);
    api.accept(Check::CKV_K8S_40, "the image needs UID 1000");
    app.aspect(|m: &mut Manifest, _: &mut Visit<'_>| {
        if let Some(d) = m.downcast_mut::<Deployment>() {
            d.metadata.annotations = None;
        }
    });
    let errors = synth_errors(&app);
    assert!(errors.contains("CKV_K8S_40 ("), "{errors}");
}
