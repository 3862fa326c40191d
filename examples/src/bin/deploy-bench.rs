//! The deploy benchmark: `deploy-bench N --kubeconfig PATH [--kubectl PATH]`.
//!
//! Applies the `scale` program's N services to a Kubernetes cluster with Girder's deployer and
//! with `kubectl apply --server-side`, first deploy and no-op redeploy, then compares
//! `diff --live` with `kubectl diff`; prints each time and the ratios. Made for the test
//! kube-apiserver (Kubernetes 1.20, `../shared/kube-test-server`): the program's objects of kinds
//! 1.20 does not serve (`autoscaling/v2` HorizontalPodAutoscalers, `policy/v1`
//! PodDisruptionBudgets) are left out of both runs, and nothing waits for rollouts (the server
//! runs no controllers). Girder deploys to namespace `services`, kubectl the same objects to
//! `services-kubectl`. A kubectl command still running after [`KUBECTL_LIMIT`] is stopped and
//! reported as taking longer (kubectl 1.20's `diff` of 6,000 objects takes many minutes).

use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use girder::synth::remote::{Console, DeployOptions, Deployer, LiveDiffOptions, Selection};
use girder::synth::{Assembly, KubernetesObject, Options};

/// The kinds of the program that Kubernetes 1.20 does not serve.
const NOT_SERVED: &[(&str, &str)] = &[
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("policy/v1", "PodDisruptionBudget"),
];

/// How long a kubectl command may run before it is stopped.
const KUBECTL_LIMIT: Duration = Duration::from_secs(60);

/// The namespace kubectl's copy goes to.
const KUBECTL_NAMESPACE: &str = "services-kubectl";

struct Args {
    n: usize,
    kubeconfig: PathBuf,
    kubectl: PathBuf,
}

fn parse() -> Option<Args> {
    let mut args = std::env::args().skip(1);
    let n = args.next()?.parse().ok()?;
    let (mut kubeconfig, mut kubectl) = (None, PathBuf::from("kubectl"));
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--kubeconfig" => kubeconfig = Some(PathBuf::from(args.next()?)),
            "--kubectl" => kubectl = PathBuf::from(args.next()?),
            _ => return None,
        }
    }
    Some(Args {
        n,
        kubeconfig: kubeconfig?,
        kubectl,
    })
}

fn main() -> ExitCode {
    let Some(args) = parse() else {
        eprintln!("usage: deploy-bench N --kubeconfig PATH [--kubectl PATH]");
        return ExitCode::from(2);
    };
    match bench(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn bench(args: &Args) -> Result<(), String> {
    let app = girder_examples::scale(args.n);
    let options = Options {
        keep_objects: true,
        ..Options::default()
    };
    let mut assembly = girder::synth::synthesize_with(&app, &options)
        .map_err(|diags| format!("the scale program is invalid: {diags}"))?;
    let all = assembly.kubernetes.len();
    assembly.kubernetes.retain(served_by_1_20);
    let objects = assembly.kubernetes.len();
    println!(
        "{} services: {objects} objects ({} of kinds Kubernetes 1.20 does not serve left out)",
        args.n,
        all - objects
    );

    let file = tempfile_path("deploy-bench-kubectl.json");
    std::fs::write(&file, kubectl_list(&assembly)?).map_err(|e| e.to_string())?;

    let girder_first = time(|| girder_deploy(&assembly, args))?;
    let girder_again = time(|| girder_deploy(&assembly, args))?;
    let girder_diff = time(|| girder_diff(&assembly, args))?;
    let apply = [
        "apply",
        "--server-side",
        "--field-manager",
        "kubectl-bench",
        "-f",
    ];
    let kubectl_first = kubectl(args, &apply, &file, &[0])?;
    let kubectl_again = kubectl(args, &apply, &file, &[0])?;
    // `kubectl diff` exits 1 when it finds differences: none are expected, but both count.
    let kubectl_diff = kubectl(args, &["diff", "-f"], &file, &[0, 1])?;
    let _ = std::fs::remove_file(&file);

    println!(
        "{:<22} {:>10} {:>11} {:>8}",
        "", "girder", "kubectl", "ratio"
    );
    for (what, girder, kubectl) in [
        ("first deploy", girder_first, kubectl_first),
        ("no-op redeploy", girder_again, kubectl_again),
        ("diff --live", girder_diff, kubectl_diff),
    ] {
        let (more, kubectl) = match kubectl {
            Kubectl::Done(t) => (" ", t),
            Kubectl::Stopped(t) => (">", t),
        };
        println!(
            "{what:<22} {:>8.2} s {more}{:>8.2} s {more}{:>6.1}×",
            girder.as_secs_f64(),
            kubectl.as_secs_f64(),
            kubectl.as_secs_f64() / girder.as_secs_f64()
        );
    }
    Ok(())
}

/// How long a kubectl command took.
enum Kubectl {
    /// It finished in this time.
    Done(Duration),
    /// It was stopped after this time.
    Stopped(Duration),
}

fn served_by_1_20(object: &KubernetesObject) -> bool {
    let o = object.manifest.object();
    !NOT_SERVED
        .iter()
        .any(|(v, k)| *v == o.api_version() && *k == o.kind())
}

fn tempfile_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("{}-{name}", std::process::id()))
}

fn time(f: impl FnOnce() -> Result<(), String>) -> Result<Duration, String> {
    let start = Instant::now();
    f()?;
    Ok(start.elapsed())
}

fn deploy_options(args: &Args) -> DeployOptions {
    let mut options = DeployOptions::new(Selection::default());
    options.endpoints.kubeconfig = Some(args.kubeconfig.clone());
    options.yes = true;
    options.wait = false;
    options
}

/// Runs `f` with a console whose output is kept, and shown only when it fails.
fn with_console<T>(
    f: impl FnOnce(&mut Console<'_>) -> Result<T, girder::synth::remote::Failed>,
) -> Result<T, String> {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut console = Console {
        out: &mut out,
        err: &mut err,
        terminal: false,
        confirm: None,
    };
    f(&mut console).map_err(|failed| {
        format!(
            "exit {}:\n{}{}",
            failed.0,
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&err)
        )
    })
}

fn girder_deploy(assembly: &Assembly, args: &Args) -> Result<(), String> {
    let deployer = girder::deploy::Kubernetes::default();
    with_console(|console| deployer.deploy(assembly, &deploy_options(args), console))
}

fn girder_diff(assembly: &Assembly, args: &Args) -> Result<(), String> {
    let deployer = girder::deploy::Kubernetes::default();
    let mut options = LiveDiffOptions::new(Selection::default());
    options.endpoints.kubeconfig = Some(args.kubeconfig.clone());
    let live = with_console(|console| deployer.diff_live(assembly, &options, console))?;
    if live.report.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "diff --live after a deploy finds changes:\n{}",
            live.report
        ))
    }
}

/// The same objects as one `v1` `List`, moved to [`KUBECTL_NAMESPACE`].
fn kubectl_list(assembly: &Assembly) -> Result<String, String> {
    let mut items = Vec::new();
    for object in &assembly.kubernetes {
        let mut value = object
            .manifest
            .object()
            .to_value()
            .map_err(|e| e.to_string())?;
        let metadata = &mut value["metadata"];
        if metadata.get("namespace").is_some() {
            metadata["namespace"] = KUBECTL_NAMESPACE.into();
        } else if value["kind"] == "Namespace" {
            value["metadata"]["name"] = KUBECTL_NAMESPACE.into();
        }
        items.push(value);
    }
    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items});
    serde_json::to_string(&list).map_err(|e| e.to_string())
}

/// Runs `kubectl VERB FILE`, which must exit with one of `ok`, for at most [`KUBECTL_LIMIT`].
fn kubectl(args: &Args, verb: &[&str], file: &PathBuf, ok: &[i32]) -> Result<Kubectl, String> {
    // Its errors go to a file: a pipe nobody reads while it runs could fill and stall it.
    let log = tempfile_path("kubectl.log");
    let log_file = std::fs::File::create(&log).map_err(|e| e.to_string())?;
    let start = Instant::now();
    let mut child = Command::new(&args.kubectl)
        .args(verb)
        .arg(file)
        .arg("--kubeconfig")
        .arg(&args.kubeconfig)
        .stdout(Stdio::null())
        .stderr(log_file)
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", args.kubectl.display()))?;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if start.elapsed() > KUBECTL_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            let _ = std::fs::remove_file(&log);
            return Ok(Kubectl::Stopped(start.elapsed()));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = start.elapsed();
    let result = match status.code() {
        Some(code) if ok.contains(&code) => Ok(Kubectl::Done(elapsed)),
        _ => {
            let stderr = std::fs::read_to_string(&log).unwrap_or_default();
            Err(format!(
                "kubectl {} failed ({status}): {stderr}",
                verb.join(" ")
            ))
        }
    };
    let _ = std::fs::remove_file(&log);
    result
}
