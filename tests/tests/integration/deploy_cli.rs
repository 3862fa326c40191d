//! The deploy commands of the command line (`deploy`, `diff --live`, `destroy`, `bootstrap`)
//! with recording deployers: what reaches a deployer, in which order, and the exit codes. The
//! deployers themselves are tested against a real kube-apiserver and moto in their crates.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::process::ExitCode;

use girder::prelude::*;
use girder::synth::Assembly;
use girder::synth::diff::{ObjectKey, Report, Risk};
use girder::synth::remote::{
    Console, DeployOptions, Deployer, Failed, LiveDiff, LiveDiffOptions, Selection, Target,
};

use crate::{Prod, Web};

/// A deployer that records what it is asked, and answers as told.
struct Recorder<'a> {
    target: Target,
    calls: &'a RefCell<Vec<String>>,
    /// The exit code `deploy` fails with, if any.
    fail: Option<u8>,
    /// The live diff it reports.
    live: fn() -> Report,
}

impl<'a> Recorder<'a> {
    /// A recorder of `target` that succeeds and finds no live changes.
    fn new(target: Target, calls: &'a RefCell<Vec<String>>) -> Self {
        Recorder {
            target,
            calls,
            fail: None,
            live: no_changes,
        }
    }
}

impl Deployer for Recorder<'_> {
    fn target(&self) -> Target {
        self.target
    }

    fn has_work(&self, assembly: &Assembly, selection: &Selection) -> bool {
        match self.target {
            Target::Kubernetes => assembly
                .kubernetes
                .iter()
                .any(|o| selection.includes(&o.env)),
            _ => assembly
                .manifest
                .stacks
                .iter()
                .any(|s| selection.includes(s.template.split('/').next().unwrap_or_default())),
        }
    }

    fn deploy(
        &self,
        assembly: &Assembly,
        options: &DeployOptions,
        console: &mut Console<'_>,
    ) -> Result<(), Failed> {
        let contexts: Vec<String> = assembly
            .kube_contexts
            .iter()
            .map(|(env, context)| format!("{env}={context}"))
            .collect();
        self.calls.borrow_mut().push(format!(
            "deploy {} objects={} contexts=[{}] yes={} allow_destroy={} force={} wait={} timeout={}s context={:?}",
            self.target,
            assembly.kubernetes.len(),
            contexts.join(","),
            options.yes,
            options.allow_destroy,
            options.force_conflicts,
            options.wait,
            options.timeout.as_secs(),
            options.endpoints.context,
        ));
        let _ = writeln!(console.out, "{} deployed", self.target);
        match self.fail {
            Some(code) => Err(Failed(code)),
            None => Ok(()),
        }
    }

    fn diff_live(
        &self,
        _: &Assembly,
        options: &LiveDiffOptions,
        _: &mut Console<'_>,
    ) -> Result<LiveDiff, Failed> {
        self.calls.borrow_mut().push(format!(
            "diff {} env={:?} drift={}",
            self.target, options.selection.env, options.drift
        ));
        Ok(LiveDiff {
            report: (self.live)(),
        })
    }

    fn destroy(
        &self,
        _: &Assembly,
        options: &DeployOptions,
        _: &mut Console<'_>,
    ) -> Result<(), Failed> {
        self.calls.borrow_mut().push(format!(
            "destroy {} env={:?}",
            self.target, options.selection.env
        ));
        Ok(())
    }

    fn bootstrap(
        &self,
        _: &Assembly,
        _: &DeployOptions,
        _: &mut Console<'_>,
    ) -> Result<(), Failed> {
        self.calls
            .borrow_mut()
            .push(format!("bootstrap {}", self.target));
        Ok(())
    }
}

fn k8s_key(
    api_version: &str,
    kind: &str,
    namespace: &str,
    name: &str,
) -> girder::k8s::diff::ObjectKey {
    let doc = serde_json::json!({
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {"namespace": namespace, "name": name},
    });
    girder::k8s::diff::ObjectKey::of(&doc).expect("a Kubernetes object")
}

fn no_changes() -> Report {
    Report::default()
}

/// The live cluster lacks a Deployment the program has.
fn one_added() -> Report {
    let key = ObjectKey::Kubernetes {
        scope: "prod".into(),
        key: k8s_key("apps/v1", "Deployment", "web", "api"),
    };
    let new = BTreeMap::from([(key, serde_json::json!({"kind": "Deployment"}))]);
    girder::synth::diff::compare(&BTreeMap::new(), &new)
}

/// The API server refuses an update of a Job.
fn one_refused() -> Report {
    let key = ObjectKey::Kubernetes {
        scope: "prod".into(),
        key: k8s_key("batch/v1", "Job", "web", "migrate"),
    };
    let mut report = Report::default();
    report.add_risk(
        &key,
        Risk::Kubernetes(girder::k8s::diff::Risk::Refused {
            kind: "Job".into(),
            message: "spec.template: field is immutable".into(),
        }),
    );
    report
}

fn run(app: &App, args: &[&str], deployers: &[&dyn Deployer]) -> (ExitCode, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let argv = std::iter::once("infra").chain(args.iter().copied());
    let code = girder::synth::run_with_deployers(app, argv, &mut out, &mut err, deployers);
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

/// helloworld's Kubernetes objects and scraper's stacks, side by side.
fn both_targets() -> App {
    girder_examples::scraper()
}

#[test]
fn deploy_without_deployers_says_which_feature_to_enable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("dist");
    let app = girder_examples::helloworld();
    let (code, _, err) = run(
        &app,
        &["deploy", "--yes", "--out", out.to_str().expect("utf-8")],
        &[],
    );
    assert_eq!(code, ExitCode::from(girder::synth::EXIT_USAGE), "{err}");
    assert!(err.contains("`deploy` feature"), "{err}");
    assert!(!out.exists(), "nothing is synthesized without a deployer");
    for args in [
        &["diff", "--live"][..],
        &["destroy", "--env", "prod"],
        &["bootstrap"],
    ] {
        let (code, _, err) = run(&app, args, &[]);
        assert_eq!(
            code,
            ExitCode::from(girder::synth::EXIT_USAGE),
            "{args:?}: {err}"
        );
        assert!(err.contains("`deploy` feature"), "{err}");
    }
}

#[test]
fn deploy_writes_the_output_then_deploys_stacks_before_kubernetes_objects() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("dist");
    let calls = RefCell::new(Vec::new());
    let k8s = Recorder::new(Target::Kubernetes, &calls);
    let cfn = Recorder::new(Target::CloudFormation, &calls);
    let app = both_targets();
    let args = [
        "deploy",
        "--yes",
        "--no-wait",
        "--timeout",
        "90s",
        "--context",
        "other",
        "--out",
        out.to_str().expect("utf-8"),
    ];
    let (code, stdout, err) = run(&app, &args, &[&k8s, &cfn]);
    assert_eq!(code, ExitCode::from(0), "{stdout}\n{err}");
    assert!(
        out.join("manifest.json").exists(),
        "deploy writes --out like synth"
    );
    let calls = calls.into_inner();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls[0].starts_with("deploy CloudFormation"), "{calls:?}");
    assert!(calls[1].starts_with("deploy Kubernetes"), "{calls:?}");
    assert!(
        calls[1].contains("yes=true allow_destroy=false force=false wait=false timeout=90s context=Some(\"other\")"),
        "{calls:?}"
    );
    // The deployers get the typed objects, not only the files.
    assert!(!calls[1].contains("objects=0"), "{calls:?}");
    assert!(stdout.find("CloudFormation deployed") < stdout.find("Kubernetes deployed"));
}

#[test]
fn a_failing_deployer_stops_the_deploy_with_its_exit_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let calls = RefCell::new(Vec::new());
    let k8s = Recorder::new(Target::Kubernetes, &calls);
    let cfn = Recorder {
        fail: Some(girder::synth::EXIT_DEPLOY_FAILED),
        ..Recorder::new(Target::CloudFormation, &calls)
    };
    let out = dir.path().join("dist");
    let args = ["deploy", "--yes", "--out", out.to_str().expect("utf-8")];
    let (code, _, _) = run(&both_targets(), &args, &[&k8s, &cfn]);
    assert_eq!(code, ExitCode::from(girder::synth::EXIT_DEPLOY_FAILED));
    assert_eq!(
        calls.borrow().len(),
        1,
        "Kubernetes is not deployed after a failed stack"
    );
}

#[test]
fn target_and_env_select_the_deployers() {
    let calls = RefCell::new(Vec::new());
    let k8s = Recorder::new(Target::Kubernetes, &calls);
    let cfn = Recorder::new(Target::CloudFormation, &calls);
    let app = both_targets();
    let (code, _, err) = run(&app, &["diff", "--live", "--target", "k8s"], &[&k8s, &cfn]);
    assert_eq!(code, ExitCode::from(0), "{err}");
    assert_eq!(*calls.borrow(), ["diff Kubernetes env=None drift=false"]);

    // An environment the program does not have is a usage error naming the ones it has.
    let (code, _, err) = run(&app, &["diff", "--live", "--env", "staging"], &[&k8s, &cfn]);
    assert_eq!(code, ExitCode::from(girder::synth::EXIT_USAGE), "{err}");
    assert!(
        err.contains("no environment `staging`") && err.contains("prod"),
        "{err}"
    );

    // `--drift` needs `--live`; `diff` needs one of `--against` and `--live`.
    let (code, _, _) = run(&app, &["diff", "--drift"], &[&k8s, &cfn]);
    assert_eq!(code, ExitCode::from(girder::synth::EXIT_USAGE));
    let (code, _, _) = run(&app, &["diff"], &[&k8s, &cfn]);
    assert_eq!(code, ExitCode::from(girder::synth::EXIT_USAGE));
    let (code, _, err) = run(&app, &["deploy", "--timeout", "5 minutes"], &[&k8s, &cfn]);
    assert_eq!(code, ExitCode::from(girder::synth::EXIT_USAGE));
    assert!(
        err.contains("not a duration") || err.contains("unit"),
        "{err}"
    );
}

#[test]
fn diff_live_merges_the_targets_reports_with_diffs_exit_codes() {
    let calls = RefCell::new(Vec::new());
    let app = both_targets();
    let k8s = Recorder {
        live: one_added,
        ..Recorder::new(Target::Kubernetes, &calls)
    };
    let cfn = Recorder::new(Target::CloudFormation, &calls);
    let (code, stdout, _) = run(&app, &["diff", "--live", "--drift"], &[&k8s, &cfn]);
    assert_eq!(
        code,
        ExitCode::from(girder::synth::EXIT_CHANGES),
        "{stdout}"
    );
    assert!(
        stdout.contains("+ [prod] apps/v1 Deployment web/api"),
        "{stdout}"
    );
    assert!(
        calls
            .borrow()
            .iter()
            .any(|c| c == "diff CloudFormation env=None drift=true")
    );

    let refused = Recorder {
        live: one_refused,
        ..Recorder::new(Target::Kubernetes, &calls)
    };
    let (code, stdout, _) = run(&app, &["diff", "--live"], &[&refused, &cfn]);
    assert_eq!(
        code,
        ExitCode::from(girder::synth::EXIT_DESTRUCTIVE),
        "{stdout}"
    );
    assert!(
        stdout.contains("! destructive: the API server refuses"),
        "{stdout}"
    );
}

#[test]
fn destroy_takes_kubernetes_down_before_the_stacks() {
    let calls = RefCell::new(Vec::new());
    let k8s = Recorder::new(Target::Kubernetes, &calls);
    let cfn = Recorder::new(Target::CloudFormation, &calls);
    let (code, _, err) = run(
        &both_targets(),
        &["destroy", "--env", "prod"],
        &[&cfn, &k8s],
    );
    assert_eq!(code, ExitCode::from(0), "{err}");
    assert_eq!(
        *calls.borrow(),
        [
            "destroy Kubernetes env=Some(\"prod\")",
            "destroy CloudFormation env=Some(\"prod\")"
        ]
    );
    let (code, _, _) = run(&both_targets(), &["destroy"], &[&cfn, &k8s]);
    assert_eq!(
        code,
        ExitCode::from(girder::synth::EXIT_USAGE),
        "destroy names its environment"
    );
    calls.borrow_mut().clear();
    let (code, _, _) = run(&both_targets(), &["bootstrap"], &[&k8s, &cfn]);
    assert_eq!(code, ExitCode::from(0));
    assert_eq!(
        *calls.borrow(),
        ["bootstrap CloudFormation", "bootstrap Kubernetes"]
    );
}

#[test]
fn an_environment_names_its_kube_context_once() {
    let app = App::new("shop");
    let k8s = app.environment(Prod).kubernetes();
    k8s.context("prod-eks");
    let web = k8s.namespace(Web);
    WebService::new(&web, "api")
        .image("ghcr.io/acme/api:1.0.0")
        .port(8080)
        .build();
    let options = girder::synth::Options {
        keep_objects: true,
        ..Default::default()
    };
    let assembly = girder::synth::synthesize_with(&app, &options).expect("valid");
    assert_eq!(assembly.kube_contexts["prod"], "prod-eks");
    assert!(
        assembly
            .kubernetes
            .iter()
            .any(|o| o.env == "prod" && o.manifest.describe() == "Deployment web/api"),
        "{:?}",
        assembly.kubernetes
    );
    // Without `keep_objects`, the objects are written and dropped.
    let assembly = girder::synth::synthesize(&app).expect("valid");
    assert!(assembly.kubernetes.is_empty());

    k8s.context("prod-gke");
    let errors = girder::synth::synthesize(&app).expect_err("two contexts");
    let text = errors.to_string();
    assert!(
        text.contains("2 kube contexts: prod-eks, prod-gke"),
        "{text}"
    );
}

#[test]
fn a_compose_environment_beside_a_cluster_is_noted_not_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("dist");
    let out = out.to_str().expect("utf-8");
    let app = girder_examples::helloworld();
    let calls = RefCell::new(Vec::new());
    let k8s = Recorder::new(Target::Kubernetes, &calls);
    let (code, _, err) = run(&app, &["deploy", "--yes", "--out", out], &[&k8s]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(
        err.contains(&format!(
            "note: `dev` is a Docker Compose environment, which Girder does not deploy: start it with `docker compose -f {out}/dev/compose/compose.yaml up -d`"
        )),
        "{err}"
    );
    assert!(
        calls.borrow()[0].starts_with("deploy Kubernetes"),
        "{:?}",
        calls.borrow()
    );

    let (code, stdout, err) = run(&app, &["diff", "--live"], &[&k8s]);
    assert_eq!(code, ExitCode::SUCCESS, "{err}");
    assert!(stdout.contains("no changes"), "{stdout}");
    assert!(
        err.contains("note: `dev` is a Docker Compose environment: not compared"),
        "{err}"
    );
}
