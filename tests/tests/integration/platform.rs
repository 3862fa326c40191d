//! Composite constructs (`girder::constructs::composite`) and the platform example's
//! `StandardService`: a node of the tree with its parts, wired like its main workload, its
//! mistakes reported with its path.

use girder::constructs::composite::{Composite, MAIN};
use girder::prelude::*;
use girder::testing::Synthesized;
use girder_platform_example::StandardService;

use crate::WithAddOns;
use crate::{Prod, Web};

fn service(ns: &Namespace<Prod, Web>, id: &str, team: &str) -> StandardService<Prod, Web> {
    StandardService::new(ns, id)
        .image(format!("ghcr.io/acme/{id}:1.0.0"))
        .port(8080)
        .team(team)
        .build()
}

#[test]
fn a_composite_is_a_node_with_its_parts_and_is_wired_like_its_main_workload() {
    let app = App::new("shop");
    crate::accept_test_tags(&app.environment(Prod));
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    let api = service(&ns, "api", "payments");
    let web = service(&ns, "web", "storefront");
    // A plain web service connects to a StandardService, and the other way round.
    let admin = WebService::new(&ns, "admin")
        .image("ghcr.io/acme/admin:1.0.0")
        .port(8080)
        .build();
    admin.env("API_URL", admin.connect(&api).url());
    web.env("API_URL", web.connect(&api).url())
        .env("ADMIN_URL", web.connect(&admin).url());
    let outline: Vec<String> = app
        .outline()
        .iter()
        .map(|(depth, path, kind)| format!("{depth} {path} {kind}"))
        .collect();
    for line in [
        "2 prod/web/api StandardService",
        "3 prod/web/api/main WebService",
        "3 prod/web/api/main-monitor ServiceMonitor",
        "3 prod/web/api/errors AlertRule",
        "3 prod/web/api/overview Dashboard",
    ] {
        assert!(outline.iter().any(|l| l == line), "{line} in {outline:#?}");
    }
    let out = Synthesized::of(&app);
    out.allows("prod/web/web/main", "prod/web/api/main", 8080)
        .allows("prod/web/admin", "prod/web/api/main", 8080)
        .allows("prod/web/web/main", "prod/web/admin", 8080)
        .denies("prod/web/admin", "prod/web/web/main", 8080);
    // Clients address the composite by its name.
    out.k8s("apps/v1", "Deployment", "web/web").has_properties(
        serde_json::json!({ "spec": { "template": { "spec": { "containers": [{
            "env": [{ "name": "API_URL", "value": "http://api.web.svc.cluster.local:8080" }],
        }] } } } }),
    );
}

#[test]
fn the_escape_hatches_of_the_wrapped_service_stay_and_its_errors_carry_the_composite_path() {
    let app = App::new("shop");
    crate::accept_test_tags(&app.environment(Prod));
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    let api = service(&ns, "api", "payments");
    api.web().deployment_mut(|d| {
        d.pod_spec().service_account_name = Some("custom".into());
    });
    let out = Synthesized::of(&app);
    out.k8s("apps/v1", "Deployment", "web/api").has_properties(
        serde_json::json!({ "spec": { "template": { "spec": {
            "serviceAccountName": "custom",
        } } } }),
    );
    // A part's own mistake is reported at its path, inside the composite's.
    let app = App::new("shop");
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    let api = service(&ns, "api", "payments");
    api.env("DB_PASSWORD", "hunter2-hunter2-hunter2");
    let errors = Synthesized::try_of(&app).unwrap_err();
    assert!(errors.contains("prod/web/api/main"), "{errors}");
}

#[test]
fn bad_props_of_a_standard_service_are_all_reported_with_its_path() {
    let app = App::new("shop");
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    StandardService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.0.0")
        .port(8080)
        .team("Payments Team")
        .cost_center("")
        .max_error_ratio(5.0)
        .build();
    let errors = Synthesized::try_of(&app).unwrap_err();
    for message in [
        "prod/web/api",
        "the team `Payments Team` is not a label value",
        "the cost-center `` is not a label value",
        "the error ratio 5 is not between 0 and 1",
        "hint: give the SLO's share of failed requests",
    ] {
        assert!(
            errors.contains(message),
            "missing `{message}` in:\n{errors}"
        );
    }
}

/// A composite that forgets to create its parts in its own scope (here in the namespace).
#[test]
fn a_composite_without_parts_is_reported_with_its_path_and_what_to_do() {
    let app = App::new("shop");
    crate::accept_test_tags(&app.environment(Prod));
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    let _parts = Composite::new(&ns, "api", "StandardService");
    WebService::new(&ns, "api-web")
        .image("ghcr.io/acme/api:1.0.0")
        .port(8080)
        .build();
    let errors = Synthesized::try_of(&app).unwrap_err();
    assert!(
        errors.contains("the StandardService has no parts: nothing was created in its scope"),
        "{errors}"
    );
    assert!(errors.contains("--> prod/web/api"), "{errors}");
    assert!(
        errors.contains("hint: create each part with the composite as its scope"),
        "{errors}"
    );
    // Created in its scope, the same part is the composite's, named after it.
    let app = App::new("shop");
    crate::accept_test_tags(&app.environment(Prod));
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    let parts = Composite::new(&ns, "api", "StandardService");
    let main = WebService::new(&parts, MAIN)
        .image("ghcr.io/acme/api:1.0.0")
        .port(8080)
        .build();
    let worker = WebService::new(&parts, "admin")
        .image("ghcr.io/acme/api:1.0.0")
        .port(8080)
        .build();
    assert_eq!((main.name(), worker.name()), ("api", "api-admin"));
    let nested = Composite::new(&parts, "inner", "Inner");
    let inner = WebService::new(&nested, MAIN)
        .image("ghcr.io/acme/inner:1.0.0")
        .port(8080)
        .build();
    assert_eq!(inner.name(), "api-inner");
    assert_eq!(inner.handle().path().as_str(), "prod/web/api/inner/main");
    Synthesized::of(&app).k8s_at("Service", "prod/web/api/inner/main");
}
