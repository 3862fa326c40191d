//! Issue #18 §5, construct by construct: cron schedules, image pinning, ids too long for their
//! derived names, least privilege for External Secrets, S3 access logs.

use girder::constructs::{AcceptImageTags, CronJob, Worker};
use girder::prelude::*;

use crate::{Prod, Staging, Web, synth_errors};

fn synth(app: &App) -> girder::synth::Assembly {
    girder::synth::synthesize(app).unwrap_or_else(|d| panic!("synth failed:\n{d}"))
}

fn file(assembly: &girder::synth::Assembly, path: &str) -> String {
    assembly
        .files
        .get(path)
        .map(|text| text.to_string())
        .unwrap_or_else(|| panic!("no {path} in {:?}", assembly.files.keys()))
}

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn cron(schedule: &str) -> App {
    let app = App::new("shop");
    let ns = app.environment(Prod).kubernetes().namespace(Web);
    CronJob::new(&ns, "report")
        .image(format!("ghcr.io/acme/report:1.0.0@{DIGEST}"))
        .schedule(schedule)
        .time_zone("Europe/Paris")
        .build();
    app
}

#[test]
fn cron_schedules_out_of_range_are_refused_with_the_field_and_its_range() {
    for (schedule, message) in [
        (
            "61 25 32 13 8",
            "`61 25 32 13 8` is not a cron schedule: minute field `61`: 61 is out of range; minute takes 0-59",
        ),
        (
            "*/0 * * * *",
            "minute field `*/0`: the step of `*/0` is 0; minute takes 0-59",
        ),
        (
            "0 3 32 * *",
            "day-of-month field `32`: 32 is out of range; day-of-month takes 1-31",
        ),
        (
            "0 17-9 * * *",
            "hour field `17-9`: the range `17-9` runs backwards",
        ),
        ("0 0 * * 7", "7 is out of range"),
        (
            "@every 1h",
            "`@every` is not a calendar schedule and is not accepted for a CronJob",
        ),
    ] {
        let errors = synth_errors(&cron(schedule));
        assert!(
            errors.contains(message),
            "`{schedule}`: missing `{message}` in:\n{errors}"
        );
        assert!(errors.contains("--> prod/web/report"), "{errors}");
        assert!(errors.contains("hint: "), "{errors}");
    }
    let errors = synth_errors(&cron("CRON_TZ=Europe/Paris 0 3 * * *"));
    assert!(errors.contains("Kubernetes refuses `TZ=`"), "{errors}");
    assert!(errors.contains(".time_zone("), "{errors}");
}

#[test]
fn cron_schedules_are_written_in_canonical_form() {
    let assembly = synth(&cron("30  2 * * mon-fri"));
    let yaml = file(&assembly, "prod/k8s/web.yaml");
    assert!(
        yaml.contains("schedule: \"30 2 * * MON-FRI\""),
        "canonical schedule missing in:\n{yaml}"
    );
    for schedule in ["@daily", "0 3 ? * SUN", "*/15 9-17 1,15 JAN-JUN/2 1-5"] {
        synth(&cron(schedule));
    }
}

fn image_app(image: &str) -> App {
    let app = App::new("shop");
    let ns = app.environment(Prod).kubernetes().namespace(Web);
    WebService::new(&ns, "api").image(image).port(8080).build();
    app
}

#[test]
fn latest_or_no_tag_is_an_error_with_the_digest_form() {
    for (image, what) in [
        ("ghcr.io/acme/api", "has no tag"),
        ("ghcr.io/acme/api:latest", "is `latest`"),
        ("localhost:5000/app", "has no tag"),
    ] {
        let errors = synth_errors(&image_app(image));
        assert!(
            errors.contains(&format!("image `{image}` {what}")),
            "{image}: {errors}"
        );
        let bare = image.trim_end_matches(":latest");
        assert!(
            errors.contains(&format!("`{bare}@sha256:<digest>`")),
            "{image}: {errors}"
        );
    }
    let errors = synth_errors(&image_app("ghcr.io/acme/api@sha256:abc"));
    assert!(errors.contains("digest `sha256:abc`"), "{errors}");
}

#[test]
fn a_tag_alone_warns_and_checkov_sees_it() {
    let assembly = synth(&image_app("localhost:5000/app:1.0"));
    let warnings = assembly.warnings.to_string();
    assert!(
        warnings.contains("image `localhost:5000/app:1.0` is pinned by tag only"),
        "{warnings}"
    );
    assert!(
        warnings.contains("`localhost:5000/app:1.0@sha256:<digest>`"),
        "{warnings}"
    );
    let yaml = file(&assembly, "prod/k8s/web.yaml");
    assert!(!yaml.contains("CKV_K8S_43"), "{yaml}");

    let pinned = synth(&image_app(&format!("ghcr.io/acme/api:1.4.2@{DIGEST}")));
    assert!(
        !pinned.warnings.to_string().contains("image"),
        "{}",
        pinned.warnings
    );
    assert!(!file(&pinned, "prod/k8s/web.yaml").contains("CKV_K8S_43"));
}

#[test]
fn tags_are_accepted_per_environment_or_workload_with_a_reason() {
    let app = App::new("shop");
    let prod = app.environment(Prod);
    let staging = app.environment(Staging);
    let ns = staging.kubernetes().namespace(Web);
    // Created before the acceptance: it still applies.
    Worker::new(&ns, "early")
        .image("ghcr.io/acme/worker:2.0.0")
        .replicas(1)
        .build();
    AcceptImageTags::because("staging follows release tags").apply_to(&staging);
    WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .build();
    let prod_ns = prod.kubernetes().namespace(Web);
    WebService::new(&prod_ns, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .build()
        .accept_image_tag("promoted from staging by tag");
    WebService::new(&prod_ns, "other")
        .image("ghcr.io/acme/other:1.0.0")
        .port(8080)
        .build();
    let assembly = synth(&app);
    let staging_yaml = file(&assembly, "staging/k8s/web.yaml");
    assert_eq!(
        staging_yaml
            .matches("CKV_K8S_43=staging follows release tags")
            .count(),
        2,
        "{staging_yaml}"
    );
    let prod_yaml = file(&assembly, "prod/k8s/web.yaml");
    assert_eq!(
        prod_yaml.matches("CKV_K8S_43=").count(),
        1,
        "only the accepting workload is skipped:\n{prod_yaml}"
    );
    assert!(prod_yaml.contains("CKV_K8S_43=promoted from staging by tag"));
    let warnings = assembly.warnings.to_string();
    assert!(
        warnings.contains("image `ghcr.io/acme/other:1.0.0` is pinned by tag only"),
        "{warnings}"
    );
    assert_eq!(
        warnings.matches("pinned by tag only").count(),
        1,
        "{warnings}"
    );

    let app = image_app("ghcr.io/acme/api:1.4.2");
    AcceptImageTags::because(" ").apply_to(&app.environment(Prod));
    let errors = synth_errors(&app);
    assert!(errors.contains("accepted with an empty reason"), "{errors}");
}
