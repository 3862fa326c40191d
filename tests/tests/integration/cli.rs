//! The command line: synth, list, diff and their exit codes.

use std::process::ExitCode;

use girder::prelude::*;

use crate::WithAddOns;
use crate::{HelloworldNs, Prod, Tokens, Web, run_cli as run};

fn code(n: u8) -> ExitCode {
    ExitCode::from(n)
}

#[test]
fn synth_then_diff_against_itself_is_clean() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("dist");
    let out = out.to_str().expect("utf-8 path");
    let app = girder_examples::helloworld();
    let (c, stdout, _) = run(&app, &["synth", "--out", out]);
    assert_eq!(c, code(0));
    assert!(stdout.contains("wrote 22 objects in 6 files"), "{stdout}");
    let (c, stdout, _) = run(&app, &["diff", "--against", out]);
    assert_eq!(c, code(0), "{stdout}");
    assert!(stdout.contains("no changes"), "{stdout}");
}

#[test]
fn diff_reports_changes_with_field_paths() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("dist");
    let out = out.to_str().expect("utf-8 path");
    let before = App::new("shop");
    let ns = before
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.0.0")
        .port(8080)
        .build();
    assert_eq!(run(&before, &["synth", "--out", out]).0, code(0));

    let after = App::new("shop");
    let ns = after
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    let api = WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.1.0")
        .port(8080)
        .build();
    api.env("API_TOKEN", Tokens::existing(&ns, "tokens").api());
    let (c, stdout, _) = run(&after, &["diff", "--against", out]);
    assert_eq!(c, code(girder::synth::EXIT_CHANGES), "{stdout}");
    assert!(
        stdout.contains("~ [prod] apps/v1 Deployment web/api"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "containers[name=api].image: \"ghcr.io/acme/api:1.0.0\" -> \"ghcr.io/acme/api:1.1.0\""
        ),
        "{stdout}"
    );
    assert!(stdout.contains("0 added, 0 removed, 1 changed"), "{stdout}");
}

#[test]
fn invalid_program_writes_nothing_and_keeps_previous_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("dist");
    let out_str = out.to_str().expect("utf-8 path");
    assert_eq!(
        run(&girder_examples::helloworld(), &["synth", "--out", out_str]).0,
        code(0)
    );
    let before = std::fs::read_to_string(out.join("prod/k8s/helloworld.yaml")).expect("written");

    let bad = App::new("helloworld");
    let ns = bad
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(HelloworldNs);
    WebService::new(&ns, "api").image("").port(0).build();
    let (c, _, stderr) = run(&bad, &["synth", "--out", out_str]);
    assert_eq!(c, code(1));
    assert!(
        stderr.contains("error: the image is empty\n  --> prod/helloworld/api\n  hint: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: `helloworld` is invalid: 2 errors; nothing was written"),
        "{stderr}"
    );
    let after = std::fs::read_to_string(out.join("prod/k8s/helloworld.yaml")).expect("kept");
    assert_eq!(before, after);
}

#[test]
fn list_prints_the_tree() {
    let (c, stdout, _) = run(&girder_examples::helloworld(), &["list"]);
    assert_eq!(c, code(0));
    insta::assert_snapshot!(stdout, @r"
    prod  (Environment)
      prod/ingress-nginx  (HelmChart)
      prod/cert-manager  (HelmChart)
      prod/letsencrypt  (LetsEncrypt)
      prod/helloworld  (Namespace)
        prod/helloworld/api  (WebService)
        prod/helloworld/public  (Ingress)
    dev  (Environment)
      dev/compose  (Namespace)
        dev/compose/api  (WebService)
        dev/compose/public  (Ingress)
    ");
}

#[test]
fn usage_errors_exit_2_and_help_documents_exit_codes() {
    let app = App::new("shop");
    let (c, _, stderr) = run(&app, &["frobnicate"]);
    assert_eq!(c, code(2), "{stderr}");
    let (c, stdout, _) = run(&app, &["--help"]);
    assert_eq!(c, code(0));
    assert!(
        stdout.contains("3   diff: the synthesized output differs"),
        "{stdout}"
    );
}

#[test]
fn diff_exits_4_when_a_change_loses_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("dist");
    let out_str = out.to_str().expect("utf-8 path");
    let app = girder_examples::helloworld();
    assert_eq!(run(&app, &["synth", "--out", out_str]).0, code(0));
    // The previous output held a volume claim that the program no longer declares.
    let pvc = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: uploads\n  \
               namespace: helloworld\nspec:\n  accessModes: [ReadWriteOnce]\n";
    let file = out.join("prod/k8s/helloworld.yaml");
    let text = std::fs::read_to_string(&file).expect("written");
    std::fs::write(&file, format!("{text}---\n{pvc}")).expect("writes");
    let (c, stdout, _) = run(&app, &["diff", "--against", out_str]);
    assert_eq!(c, code(girder::synth::EXIT_DESTRUCTIVE), "{stdout}");
    assert!(
        stdout.contains(
            "- [prod] v1 PersistentVolumeClaim helloworld/uploads\n  \
             ! destructive: deletes the PersistentVolumeClaim"
        ),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("0 added, 1 removed, 0 changed\n1 destructive\n"),
        "{stdout}"
    );
    let (_, help, _) = run(&app, &["diff", "--help"]);
    assert!(
        help.contains("4   diff: a change replaces or deletes"),
        "{help}"
    );
}

#[test]
fn synth_never_replaces_a_directory_girder_did_not_write() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = dir.path().join("site");
    std::fs::create_dir(&site).expect("created");
    // A web project's directory, with another tool's manifest.json.
    std::fs::write(
        site.join("manifest.json"),
        r#"{"name": "shop", "icons": []}"#,
    )
    .expect("w");
    std::fs::write(site.join("index.html"), "<html></html>").expect("w");
    let (c, stdout, stderr) = run(
        &girder_examples::helloworld(),
        &["synth", "--out", site.to_str().expect("utf-8 path")],
    );
    assert_eq!(
        c,
        code(girder::synth::EXIT_FOREIGN_OUTPUT),
        "{stdout}{stderr}"
    );
    assert!(
        stderr.contains("its manifest.json was not written by Girder: it has no `generator`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: Girder never deletes files it did not write"),
        "{stderr}"
    );
    let mut left: Vec<_> = std::fs::read_dir(&site)
        .expect("readable")
        .map(|e| e.expect("entry").file_name())
        .collect();
    left.sort();
    assert_eq!(left, ["index.html", "manifest.json"]);
    assert_eq!(
        std::fs::read_to_string(site.join("index.html")).expect("kept"),
        "<html></html>"
    );
    let (_, help, _) = run(&App::new("shop"), &["synth", "--help"]);
    assert!(
        help.contains("73  the output path holds files Girder did not write"),
        "{help}"
    );
}

#[test]
fn diff_refuses_a_directory_girder_did_not_write() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("manifest.json"), "{}").expect("w");
    let (c, _, stderr) = run(
        &girder_examples::helloworld(),
        &[
            "diff",
            "--against",
            dir.path().to_str().expect("utf-8 path"),
        ],
    );
    assert_eq!(c, code(girder::synth::EXIT_IO), "{stderr}");
    assert!(stderr.contains("is not a Girder output"), "{stderr}");
}

/// An aspect of the program that panics.
struct Panicking;

impl girder::core::Aspect<girder::k8s::Manifest> for Panicking {
    fn visit(&self, _: &mut girder::k8s::Manifest, _: &mut girder::core::Visit<'_>) {
        panic!("this aspect cannot handle the object");
    }
}

#[test]
fn a_panic_in_the_programs_code_exits_70_and_says_where() {
    let app = girder_examples::helloworld();
    app.aspect(Panicking);
    let line = 1 + include_str!("cli.rs")
        .lines()
        .position(|l| l.contains("panic!(\"this aspect cannot"))
        .expect("the panic's line");
    let (c, _, stderr) = run(&app, &["synth", "--out", "unused"]);
    assert_eq!(c, code(girder::synth::EXIT_INTERNAL), "{stderr}");
    assert!(
        stderr.contains("error: the program panicked: this aspect cannot handle the object\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("--> tests/tests/integration/cli.rs:{line}:")),
        "{stderr}"
    );
}

/// A Compose project: `api` (image `image`) and a database whose data volume is `volume`.
fn compose_shop(image: &str, volume: &str) -> App {
    let app = App::new("shop");
    let dev = app.environment(crate::compose::Dev);
    crate::accept_test_tags(&dev);
    let scope = dev.compose();
    let db = StatefulService::new(&scope, "db")
        .image("ghcr.io/acme/db:2.0.0")
        .port(Port::tcp("db", 5432))
        .volume(DataVolume::new(volume, "/var/lib/db", Memory::gib(1)))
        .build();
    let api = WebService::new(&scope, "api")
        .image(image)
        .port(8080)
        .build();
    api.env("DB_HOST", api.connect(&db).host());
    app
}

#[test]
fn diff_of_a_compose_project_is_by_service_and_volume() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("dist");
    let out = out.to_str().expect("utf-8 path");
    let before = compose_shop("ghcr.io/acme/api:1.0.0", "data");
    assert_eq!(run(&before, &["synth", "--out", out]).0, code(0));

    // A new image: a plain change of one service.
    let (c, stdout, _) = run(
        &compose_shop("ghcr.io/acme/api:1.1.0", "data"),
        &["diff", "--against", out],
    );
    assert_eq!(c, code(girder::synth::EXIT_CHANGES), "{stdout}");
    assert!(
        stdout.contains(
            "~ [dev] compose/service api\n  image: \"ghcr.io/acme/api:1.0.0\" -> \"ghcr.io/acme/api:1.1.0\"\n"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("0 added, 0 removed, 1 changed"), "{stdout}");

    // The database's volume renamed: its data stays behind.
    let (c, stdout, _) = run(
        &compose_shop("ghcr.io/acme/api:1.0.0", "pgdata"),
        &["diff", "--against", out],
    );
    assert_eq!(c, code(girder::synth::EXIT_DESTRUCTIVE), "{stdout}");
    assert!(
        stdout.contains(
            "- [dev] compose/volume db-data\n  ! destructive: named volume `db-data` leaves the project"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("+ [dev] compose/volume db-pgdata\n"),
        "{stdout}"
    );
}

/// A Compose project reading a secret key and a declared ConfigMap key from the host.
fn compose_with_variables() -> App {
    let app = App::new("shop");
    let dev = app.environment(crate::compose::Dev);
    crate::accept_test_tags(&dev);
    let scope = dev.compose();
    WebService::new(&scope, "api")
        .image("ghcr.io/acme/api:1.0.0")
        .port(8080)
        .build()
        .env(
            "API_PASSWORD",
            crate::ApiCredentials::existing(&scope, "api-credentials").password(),
        )
        .env(
            "FLAGS",
            crate::ApiConfig::existing(&scope, "api-config").flags(),
        );
    app
}

#[test]
fn synth_lists_the_variables_each_compose_environment_reads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("dist");
    let out = out.to_str().expect("utf-8 path");
    let (c, stdout, _) = run(&compose_with_variables(), &["synth", "--out", out]);
    assert_eq!(c, code(0));
    let expected = format!(
        "dev: Docker Compose project `shop-dev`: start it with `docker compose -f {out}/dev/compose/compose.yaml up -d`\n  \
         it reads from the host's environment (names in {out}/dev/compose/.env.example; export them, or give `--env-file` a copy kept outside {out}): API_CONFIG_FLAGS, API_CREDENTIALS_PASSWORD\n"
    );
    assert!(stdout.contains(&expected), "{stdout}");
    assert!(
        std::path::Path::new(out)
            .join("dev/compose/compose.yaml")
            .exists()
    );

    // helloworld's dev environment reads nothing; its Kubernetes one is not listed.
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("dist");
    let (c, stdout, _) = run(
        &girder_examples::helloworld(),
        &["synth", "--out", out.to_str().expect("utf-8 path")],
    );
    assert_eq!(c, code(0));
    assert!(
        stdout.contains("dev: Docker Compose project `helloworld-dev`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  it reads no variables from the host's environment\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("prod:"), "{stdout}");
}

#[test]
fn deploy_destroy_and_live_diff_of_a_compose_environment_say_what_to_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("dist");
    let out = out.to_str().expect("utf-8 path");
    let app = girder_examples::helloworld();

    // deploy writes the files, and says how to start them.
    let (c, _, stderr) = run(&app, &["deploy", "--env", "dev", "--yes", "--out", out]);
    assert_eq!(c, code(girder::synth::EXIT_USAGE), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "error: `dev` is a Docker Compose environment, which Girder does not deploy\n  hint: its files are written: start it with `docker compose -f {out}/dev/compose/compose.yaml up -d`"
        )),
        "{stderr}"
    );
    assert!(
        std::path::Path::new(out)
            .join("dev/compose/compose.yaml")
            .exists()
    );

    let (c, _, stderr) = run(&app, &["destroy", "--env", "dev", "--yes"]);
    assert_eq!(c, code(girder::synth::EXIT_USAGE), "{stderr}");
    assert!(
        stderr.contains("error: `dev` is a Docker Compose environment: Girder did not deploy it, and `destroy` does not act on it\n  hint: stop it with `docker compose -p helloworld-dev down`"),
        "{stderr}"
    );

    let (c, stdout, stderr) = run(&app, &["diff", "--live", "--env", "dev"]);
    assert_eq!(c, code(girder::synth::EXIT_USAGE), "{stderr}");
    assert!(
        stderr.contains("and `diff --live` does not act on it\n  hint: `docker compose -p helloworld-dev ps` shows what runs"),
        "{stderr}"
    );
    assert!(!stdout.contains("no changes"), "{stdout}");

    // A Kubernetes environment of the same program still needs the deployers.
    let (c, _, stderr) = run(&app, &["destroy", "--env", "prod", "--yes"]);
    assert_eq!(c, code(girder::synth::EXIT_USAGE), "{stderr}");
    assert!(stderr.contains("`deploy` feature"), "{stderr}");
}
