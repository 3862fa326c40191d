//! The deployer against a real kube-apiserver (1.20, no controllers, no kubelet): what a user
//! runs (`deploy`, `diff --live`, `destroy` through the program's command line), checked on the
//! cluster's objects. Controllers are played by the tests, which write the `status` of
//! Deployments and Jobs as the controllers would.
//!
//! `.ci/run` starts the server and runs these with `GIRDER_TEST_KUBECONFIG` set:
//! `cargo test -p girder-deploy-k8s -- --include-ignored`. Each test uses its own app and
//! namespace.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use girder_constructs::Port;
use girder_constructs::monitoring::PodMonitor;
use girder_constructs::{
    AcceptImageTags, DataVolume, HelmChart, Job, RedisCache, RedisInCluster, Scaler,
    StatefulService, WebService, Worker,
};
use girder_core::{App, Construct, Context, Emitted, Visit};
use girder_deploy_k8s::Kubernetes;
use girder_k8s::helm::{GitOps, charts};
use girder_k8s::k8s_openapi::api::apps::v1::Deployment;
use girder_k8s::quantity::Memory;
use girder_k8s::{KubernetesExt, Manifest, NamespaceName};
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use kube::core::ApiResource;
use serde_json::{Value, json};

girder_core::environment!(pub Test = "test");
girder_k8s::namespace!(pub Life = "gd-life");
girder_k8s::namespace!(pub Waits = "gd-wait");
girder_k8s::namespace!(pub Conflicts = "gd-conflict");
girder_k8s::namespace!(pub Immutable = "gd-immutable");
girder_k8s::namespace!(pub Preflight = "gd-preflight");
girder_k8s::namespace!(pub Doomed = "gd-destroy");
girder_k8s::namespace!(pub Widgets = "gd-widgets");
girder_k8s::namespace!(pub Scaled = "gd-keda");
girder_k8s::namespace!(pub Unmonitored = "gd-no-prometheus");

fn kubeconfig() -> String {
    std::env::var("GIRDER_TEST_KUBECONFIG").unwrap_or_else(|_| {
        panic!(
            "GIRDER_TEST_KUBECONFIG is not set: start the test API server with \
             `bash ../shared/kube-test-server/start.sh` (it prints the kubeconfig path) and set \
             GIRDER_TEST_KUBECONFIG to that path"
        )
    })
}

/// What a program has, to change between deploys.
#[derive(Clone)]
struct Spec {
    worker_image: &'static str,
    job_command: &'static str,
    job: bool,
    stateful: bool,
    /// A WebService scaled 2..=4: an autoscaling/v2 HPA and a policy/v1 PDB.
    web: bool,
    /// A PrometheusRule whose CRD the cluster does not have.
    rule: bool,
    /// Gives the worker's Deployment another selector (immutable).
    selector: Option<&'static str>,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            worker_image: "busybox:1.36",
            job_command: "true",
            job: true,
            stateful: false,
            web: false,
            rule: false,
            selector: None,
        }
    }
}

/// A construct emitting a PrometheusRule.
struct Rule {
    namespace: &'static str,
}

impl Construct for Rule {
    fn kind(&self) -> &'static str {
        "Rule"
    }
    fn render(&self, _: &Context<'_>, out: &mut Emitted) {
        use girder_k8s::crd::monitoring::{PrometheusRule, PrometheusRuleSpec};
        let mut rule = PrometheusRule {
            metadata: Default::default(),
            spec: PrometheusRuleSpec::default(),
        };
        rule.metadata.name = Some("alerts".into());
        rule.metadata.namespace = Some(self.namespace.into());
        out.emit(Manifest::new(rule));
    }
}

/// A construct emitting a CustomResourceDefinition and one of its objects.
struct WidgetKit {
    namespace: &'static str,
}

impl Construct for WidgetKit {
    fn kind(&self) -> &'static str {
        "WidgetKit"
    }
    fn render(&self, _: &Context<'_>, out: &mut Emitted) {
        let crd = json!({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.girder.example.com"},
            "spec": {"group": "girder.example.com", "scope": "Namespaced",
                "names": {"kind": "Widget", "plural": "widgets", "singular": "widget", "listKind": "WidgetList"},
                "versions": [{"name": "v1", "served": true, "storage": true,
                    "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                        "spec": {"type": "object", "properties": {"size": {"type": "integer"}}}}}}}]}});
        let widget = json!({"apiVersion": "girder.example.com/v1", "kind": "Widget",
            "metadata": {"name": "blue", "namespace": self.namespace}, "spec": {"size": 3}});
        for (value, cluster_scoped) in [(crd, true), (widget, false)] {
            match girder_k8s::RawObject::from_value(value, cluster_scoped) {
                Ok(object) => out.emit(Manifest::new(object)),
                Err(e) => panic!("a test object: {e}"),
            }
        }
    }
}

fn program<N: NamespaceName>(app_name: &str, namespace: N, spec: &Spec) -> App {
    let app = App::new(app_name);
    let k8s = app.environment(Test).kubernetes();
    AcceptImageTags::because("test images by tag").apply_to(k8s.environment());
    let ns = k8s.namespace(namespace);
    Worker::new(&ns, "worker")
        .image(spec.worker_image)
        .replicas(1)
        .build();
    if spec.job {
        Job::new(&ns, "migrate")
            .image("busybox:1.36")
            .command([spec.job_command])
            .build();
    }
    if spec.stateful {
        StatefulService::new(&ns, "db")
            .image("postgres:16")
            .port(5432)
            .volume(DataVolume::new("data", "/data", Memory::gib(1)))
            .build();
    }
    if spec.web {
        WebService::new(&ns, "web")
            .image("nginx:1.27")
            .port(8080)
            .replicas(2..=4)
            .build();
    }
    if spec.rule {
        k8s.installed::<girder_k8s::crd::monitoring::PrometheusRule>();
        app.add(ns.node(), "rule", Rule { namespace: N::NAME });
    }
    if let Some(label) = spec.selector {
        k8s.environment()
            .aspect(move |m: &mut Manifest, _: &mut Visit<'_>| {
                if let Some(d) = m.downcast_mut::<Deployment>()
                    && let Some(spec) = d.spec.as_mut()
                {
                    let labels = spec.selector.match_labels.get_or_insert_default();
                    labels.insert("track".into(), label.into());
                    if let Some(meta) = spec.template.metadata.as_mut() {
                        meta.labels
                            .get_or_insert_default()
                            .insert("track".into(), label.into());
                    }
                }
            });
    }
    app
}

/// The result of one command.
struct Ran {
    code: ExitCode,
    out: String,
    err: String,
}

impl Ran {
    fn assert(&self, code: u8) -> &Self {
        assert_eq!(
            self.code,
            ExitCode::from(code),
            "expected exit {code}\n--- out\n{}\n--- err\n{}",
            self.out,
            self.err
        );
        self
    }
}

/// Runs the command line `args` (after the program name) of `app` with the Kubernetes deployer.
fn run(app: &App, args: &[&str]) -> Ran {
    let mut argv = vec!["prog"];
    argv.extend_from_slice(args);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code =
        girder_synth::run_with_deployers(app, argv, &mut out, &mut err, &[&Kubernetes::default()]);
    Ran {
        code,
        out: String::from_utf8_lossy(&out).into_owned(),
        err: String::from_utf8_lossy(&err).into_owned(),
    }
}

/// `deploy --yes` with the test kubeconfig and a fresh output directory, and `extra` flags.
fn deploy(app: &App, extra: &[&str]) -> Ran {
    let config = kubeconfig();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = dir.path().join("dist");
    let out = out.to_str().expect("a UTF-8 path");
    let mut args = vec!["deploy", "--yes", "--kubeconfig", &config, "--out", out];
    args.extend_from_slice(extra);
    run(app, &args)
}

fn diff_live(app: &App) -> Ran {
    let config = kubeconfig();
    run(app, &["diff", "--live", "--kubeconfig", &config])
}

/// The test's own client, to read and write what the deployer does not.
struct Cluster {
    runtime: tokio::runtime::Runtime,
    client: kube::Client,
}

impl Cluster {
    fn new() -> Cluster {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let path = kubeconfig();
        let client = runtime.block_on(async {
            let kubeconfig = kube::config::Kubeconfig::read_from(&path).expect("the kubeconfig");
            let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
                .await
                .expect("a config");
            kube::Client::try_from(config).expect("a client")
        });
        Cluster { runtime, client }
    }

    fn api(&self, api_version: &str, kind: &str, namespace: &str) -> Api<DynamicObject> {
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        let plural = format!("{}s", kind.to_lowercase());
        let resource = ApiResource {
            group: group.into(),
            version: version.into(),
            api_version: api_version.into(),
            kind: kind.into(),
            plural,
        };
        if namespace.is_empty() {
            Api::all_with(self.client.clone(), &resource)
        } else {
            Api::namespaced_with(self.client.clone(), namespace, &resource)
        }
    }

    fn get(&self, api_version: &str, kind: &str, namespace: &str, name: &str) -> Option<Value> {
        let api = self.api(api_version, kind, namespace);
        self.runtime
            .block_on(api.get_opt(name))
            .expect("a read")
            .map(|o| serde_json::to_value(o).expect("JSON"))
    }

    fn names(&self, api_version: &str, kind: &str, namespace: &str) -> Vec<String> {
        let api = self.api(api_version, kind, namespace);
        let list = self
            .runtime
            .block_on(api.list(&Default::default()))
            .expect("a list");
        let mut names: Vec<String> = list
            .items
            .into_iter()
            .filter_map(|o| o.metadata.name)
            .collect();
        names.sort();
        names
    }

    /// Writes `status` of a Deployment or Job, as its controller would.
    fn set_status(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
        status: Value,
    ) {
        let api = self.api(api_version, kind, namespace);
        self.runtime
            .block_on(api.patch_status(
                name,
                &PatchParams::default(),
                &Patch::Merge(json!({"status": status})),
            ))
            .expect("a status update");
    }

    /// Marks the Deployment `name` available at its current generation.
    fn deployment_available(&self, namespace: &str, name: &str) {
        let deployment = self
            .get("apps/v1", "Deployment", namespace, name)
            .expect("the Deployment");
        let generation = deployment["metadata"]["generation"]
            .as_i64()
            .expect("a generation");
        let replicas = deployment["spec"]["replicas"].as_i64().unwrap_or(1);
        self.set_status(
            "apps/v1",
            "Deployment",
            namespace,
            name,
            json!({"observedGeneration": generation, "replicas": replicas,
                "updatedReplicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas}),
        );
    }

    /// Sets a Job's condition `type_` to true.
    fn job_condition(&self, namespace: &str, name: &str, type_: &str, reason: &str, message: &str) {
        let now = "2024-01-01T00:00:00Z";
        self.set_status(
            "batch/v1",
            "Job",
            namespace,
            name,
            json!({"conditions": [{"type": type_, "status": "True", "reason": reason,
                "message": message, "lastProbeTime": now, "lastTransitionTime": now}]}),
        );
    }

    /// Applies `object` with field manager `manager`, taking its fields.
    fn apply_as(
        &self,
        manager: &str,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
        object: Value,
    ) {
        let api = self.api(api_version, kind, namespace);
        self.runtime
            .block_on(api.patch(
                name,
                &PatchParams::apply(manager).force(),
                &Patch::Apply(object),
            ))
            .expect("an apply");
    }

    /// Installs a CustomResourceDefinition of `kind` (`plural`) in `api_version`, namespaced,
    /// that keeps any field and has a status subresource, and waits until it is established.
    fn define(&self, api_version: &str, kind: &str, plural: &str) {
        let (group, version) = api_version.split_once('/').expect("a group");
        let name = format!("{plural}.{group}");
        self.apply_as(
            "test",
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
            "",
            &name,
            json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                "metadata": {"name": name},
                "spec": {"group": group, "scope": "Namespaced",
                    "names": {"kind": kind, "plural": plural, "singular": kind.to_lowercase(),
                        "listKind": format!("{kind}List")},
                    "versions": [{"name": version, "served": true, "storage": true,
                        "subresources": {"status": {}},
                        "schema": {"openAPIV3Schema": {"type": "object",
                            "x-kubernetes-preserve-unknown-fields": true}}}]}}),
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let crd = self.get(
                "apiextensions.k8s.io/v1",
                "CustomResourceDefinition",
                "",
                &name,
            );
            let established = crd.is_some_and(|crd| {
                crd["status"]["conditions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|c| c["type"] == "Established" && c["status"] == "True")
            });
            if established {
                return;
            }
            assert!(Instant::now() < deadline, "{name} was not established");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Flux as far as the deployer sees it: its namespace and the definitions of its
    /// HelmRepository and HelmRelease (no controller: the tests write the releases' status).
    fn install_flux(&self) {
        self.apply_as(
            "test",
            "v1",
            "Namespace",
            "",
            "flux-system",
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "flux-system"}}),
        );
        self.define(
            "source.toolkit.fluxcd.io/v1",
            "HelmRepository",
            "helmrepositories",
        );
        self.define("helm.toolkit.fluxcd.io/v2", "HelmRelease", "helmreleases");
    }

    /// Waits up to 60 s for Flux's HelmRelease `name` to exist; returns its generation.
    fn release_appears(&self, name: &str) -> i64 {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(release) = self.get(
                "helm.toolkit.fluxcd.io/v2",
                "HelmRelease",
                "flux-system",
                name,
            ) {
                return release["metadata"]["generation"]
                    .as_i64()
                    .expect("a generation");
            }
            assert!(
                Instant::now() < deadline,
                "the HelmRelease {name} was not applied"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Writes the `Ready` condition of Flux's HelmRelease `name`, at `generation`.
    fn release_ready(&self, name: &str, generation: i64, ready: &str, reason: &str, message: &str) {
        self.set_status(
            "helm.toolkit.fluxcd.io/v2",
            "HelmRelease",
            "flux-system",
            name,
            json!({"observedGeneration": generation, "conditions": [{"type": "Ready",
                "status": ready, "reason": reason, "message": message,
                "lastTransitionTime": "2024-01-01T00:00:00Z"}]}),
        );
    }

    fn create(&self, api_version: &str, kind: &str, namespace: &str, object: Value) {
        let api = self.api(api_version, kind, namespace);
        let object: DynamicObject = serde_json::from_value(object).expect("an object");
        self.runtime
            .block_on(api.create(&PostParams::default(), &object))
            .expect("a create");
    }
}

/// The name of the program's Job (it ends with a hash of its image and command).
fn job_name(cluster: &Cluster, namespace: &str) -> String {
    cluster
        .names("batch/v1", "Job", namespace)
        .into_iter()
        .find(|n| n.starts_with("migrate-"))
        .expect("the Job")
}

#[test]
#[ignore = "needs the test kube-apiserver (.ci/run starts it): GIRDER_TEST_KUBECONFIG"]
fn deploy_redeploy_change_and_prune() {
    let cluster = Cluster::new();
    let ns = "gd-life";
    let mut spec = Spec {
        stateful: true,
        ..Spec::default()
    };
    let first = deploy(&program("life", Life, &spec), &["--no-wait"]);
    first.assert(0);
    assert!(
        first.out.contains("created v1 Namespace gd-life"),
        "{}",
        first.out
    );
    assert!(
        first
            .out
            .contains("created apps/v1 Deployment gd-life/worker"),
        "{}",
        first.out
    );
    assert!(
        first.out.contains("created apps/v1 StatefulSet gd-life/db"),
        "{}",
        first.out
    );
    // The ApplySet: the parent records the kinds, every member carries its id.
    let parent = cluster
        .get("v1", "Secret", ns, "girder-applyset-life-test")
        .expect("the namespace's ApplySet parent");
    let id = parent["metadata"]["labels"]["applyset.kubernetes.io/id"]
        .as_str()
        .expect("an id")
        .to_owned();
    assert_eq!(
        id,
        girder_deploy_k8s::applyset::applyset_id("girder-applyset-life-test", ns, "Secret", "")
    );
    let kinds = parent["metadata"]["annotations"]["applyset.kubernetes.io/contains-group-kinds"]
        .as_str()
        .expect("the kinds");
    assert_eq!(
        kinds,
        "Deployment.apps,Job.batch,NetworkPolicy.networking.k8s.io,Service,ServiceAccount,StatefulSet.apps"
    );
    assert!(
        parent["metadata"]["annotations"]["applyset.kubernetes.io/tooling"]
            .as_str()
            .is_some_and(|t| t.starts_with("girder/"))
    );
    let worker = cluster
        .get("apps/v1", "Deployment", ns, "worker")
        .expect("the worker");
    assert_eq!(
        worker["metadata"]["labels"]["applyset.kubernetes.io/part-of"],
        id.as_str()
    );
    assert!(
        worker["metadata"]["managedFields"]
            .as_array()
            .expect("managed fields")
            .iter()
            .any(|f| f["manager"] == "girder" && f["operation"] == "Apply")
    );
    let cluster_parent = cluster
        .get(
            "v1",
            "Secret",
            "default",
            "girder-applyset-life-test.cluster",
        )
        .expect("the cluster-scoped objects' parent");
    assert_eq!(
        cluster_parent["metadata"]["annotations"]["applyset.kubernetes.io/contains-group-kinds"],
        "Namespace"
    );
    let namespace = cluster
        .get("v1", "Namespace", "", ns)
        .expect("the namespace");
    assert_eq!(
        namespace["metadata"]["labels"]["applyset.kubernetes.io/part-of"],
        cluster_parent["metadata"]["labels"]["applyset.kubernetes.io/id"]
    );
    // An object Girder did not deploy, in the same namespace.
    cluster.create(
        "v1",
        "ConfigMap",
        ns,
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "someone-elses", "namespace": ns}}),
    );

    // The same program again changes nothing, and says so.
    let again = deploy(&program("life", Life, &spec), &["--no-wait"]);
    again.assert(0);
    assert!(again.out.contains("test: no changes ("), "{}", again.out);
    assert!(!again.out.contains("configured"), "{}", again.out);
    let rv = |v: &Value| v["metadata"]["resourceVersion"].clone();
    assert_eq!(
        rv(&cluster
            .get("apps/v1", "Deployment", ns, "worker")
            .expect("the worker")),
        rv(&worker)
    );

    // A new image: without --yes and with no one to ask, the change is shown, not applied.
    spec.worker_image = "busybox:1.37";
    let config = kubeconfig();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = dir.path().join("dist");
    let asked = run(
        &program("life", Life, &spec),
        &[
            "deploy",
            "--no-wait",
            "--kubeconfig",
            &config,
            "--out",
            out.to_str().expect("UTF-8"),
        ],
    );
    asked.assert(girder_synth::EXIT_NOT_DEPLOYED);
    assert!(
        asked.out.contains("\"busybox:1.36\" -> \"busybox:1.37\""),
        "{}",
        asked.out
    );
    assert!(
        asked.err.contains("not confirmed; nothing was applied"),
        "{}",
        asked.err
    );
    assert_eq!(
        rv(&cluster
            .get("apps/v1", "Deployment", ns, "worker")
            .expect("the worker")),
        rv(&worker)
    );

    // With --yes, that Deployment is configured, nothing else.
    let changed = deploy(&program("life", Life, &spec), &["--no-wait"]);
    changed.assert(0);
    assert!(
        changed
            .out
            .contains("configured apps/v1 Deployment gd-life/worker"),
        "{}",
        changed.out
    );
    assert!(changed.out.contains("1 configured"), "{}", changed.out);
    let worker = cluster
        .get("apps/v1", "Deployment", ns, "worker")
        .expect("the worker");
    assert_eq!(
        worker["spec"]["template"]["spec"]["containers"][0]["image"],
        "busybox:1.37"
    );

    // The Job leaves the program: it is pruned with its account and policy.
    let job = job_name(&cluster, ns);
    spec.job = false;
    let pruned = deploy(&program("life", Life, &spec), &["--no-wait"]);
    pruned.assert(0);
    assert!(
        pruned
            .out
            .contains(&format!("pruned batch/v1 Job gd-life/{job}")),
        "{}",
        pruned.out
    );
    assert!(
        pruned
            .out
            .contains(&format!("pruned v1 ServiceAccount gd-life/{job}")),
        "{}",
        pruned.out
    );
    assert!(pruned.out.contains("3 pruned"), "{}", pruned.out);
    assert!(cluster.get("batch/v1", "Job", ns, &job).is_none());
    assert!(
        cluster
            .get("v1", "ConfigMap", ns, "someone-elses")
            .is_some(),
        "not Girder's: kept"
    );
    let parent = cluster
        .get("v1", "Secret", ns, "girder-applyset-life-test")
        .expect("the parent");
    assert!(
        !parent["metadata"]["annotations"]["applyset.kubernetes.io/contains-group-kinds"]
            .as_str()
            .expect("the kinds")
            .contains("Job.batch")
    );

    // The StatefulSet leaves too: not without --allow-destroy, and then nothing changes.
    spec.stateful = false;
    spec.worker_image = "busybox:1.38";
    let refused = deploy(&program("life", Life, &spec), &["--no-wait"]);
    refused.assert(girder_synth::EXIT_NOT_DEPLOYED);
    assert!(
        refused
            .err
            .contains("apps/v1 StatefulSet gd-life/db would be pruned"),
        "{}",
        refused.err
    );
    assert!(refused.err.contains("--allow-destroy"), "{}", refused.err);
    assert!(cluster.get("apps/v1", "StatefulSet", ns, "db").is_some());
    let worker = cluster
        .get("apps/v1", "Deployment", ns, "worker")
        .expect("the worker");
    assert_eq!(
        worker["spec"]["template"]["spec"]["containers"][0]["image"], "busybox:1.37",
        "nothing applied"
    );
    let allowed = deploy(
        &program("life", Life, &spec),
        &["--no-wait", "--allow-destroy"],
    );
    allowed.assert(0);
    assert!(
        allowed
            .out
            .contains("pruned apps/v1 StatefulSet gd-life/db"),
        "{}",
        allowed.out
    );
    assert!(cluster.get("apps/v1", "StatefulSet", ns, "db").is_none());
    assert!(cluster.get("v1", "Service", ns, "db").is_none());
}

#[test]
#[ignore = "needs the test kube-apiserver (.ci/run starts it): GIRDER_TEST_KUBECONFIG"]
fn waits_for_rollouts_and_reports_why_they_fail() {
    let cluster = Cluster::new();
    let ns = "gd-wait";
    let spec = Spec::default();
    deploy(&program("waits", Waits, &spec), &["--no-wait"]).assert(0);

    // The controllers' work: the Deployment becomes available, the Job completes, while the
    // deploy waits.
    let job = job_name(&cluster, ns);
    let background = std::thread::spawn(move || {
        let spec = Spec::default();
        deploy(&program("waits", Waits, &spec), &["--timeout", "60s"])
    });
    std::thread::sleep(Duration::from_secs(2));
    cluster.deployment_available(ns, "worker");
    cluster.job_condition(ns, &job, "Complete", "", "");
    let ran = background.join().expect("the deploy");
    ran.assert(0);
    assert!(
        ran.out.contains("test: 2 rollouts finished"),
        "{}\n{}",
        ran.out,
        ran.err
    );
    assert!(
        ran.err
            .contains("apps/v1 Deployment gd-wait/worker: 1/1 available"),
        "{}",
        ran.err
    );
    assert!(
        ran.err
            .contains(&format!("batch/v1 Job gd-wait/{job}: complete")),
        "{}",
        ran.err
    );

    // Nothing progresses: the timeout ends the wait with the last reason and the warnings.
    let spec = Spec {
        worker_image: "busybox:1.37",
        ..Spec::default()
    };
    cluster.create(
        "v1",
        "Event",
        ns,
        json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": "worker.stuck", "namespace": ns},
            "involvedObject": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "worker", "namespace": ns},
            "reason": "FailedScheduling", "type": "Warning",
            "message": "0/3 nodes are available: 3 Insufficient cpu.",
            "lastTimestamp": "2024-01-01T00:00:00Z", "source": {"component": "default-scheduler"}}),
    );
    let started = Instant::now();
    let stuck = deploy(&program("waits", Waits, &spec), &["--timeout", "3s"]);
    stuck.assert(girder_synth::EXIT_DEPLOY_FAILED);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "ended by the timeout"
    );
    assert!(stuck.err.contains("apps/v1 Deployment gd-wait/worker: not ready after 3s: the Deployment controller has not seen generation 2 yet"), "{}", stuck.err);
    assert!(stuck.err.contains("Warning FailedScheduling (Deployment worker): 0/3 nodes are available: 3 Insufficient cpu."), "{}", stuck.err);
    assert!(
        stuck
            .err
            .contains("1 of 2 rollouts did not finish; the objects were applied"),
        "{}",
        stuck.err
    );

    // A Job that fails: the reason the cluster gives.
    let background = std::thread::spawn(move || {
        let spec = Spec {
            worker_image: "busybox:1.37",
            job_command: "false",
            ..Spec::default()
        };
        deploy(&program("waits", Waits, &spec), &["--timeout", "60s"])
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let failing = loop {
        let name = cluster
            .names("batch/v1", "Job", ns)
            .into_iter()
            .find(|n| *n != job);
        if let Some(name) = name {
            break name;
        }
        assert!(Instant::now() < deadline, "the new Job was not created");
        std::thread::sleep(Duration::from_millis(200));
    };
    cluster.deployment_available(ns, "worker");
    cluster.job_condition(
        ns,
        &failing,
        "Failed",
        "BackoffLimitExceeded",
        "Job has reached the specified backoff limit",
    );
    let failed = background.join().expect("the deploy");
    failed.assert(girder_synth::EXIT_DEPLOY_FAILED);
    assert!(failed.err.contains(&format!("batch/v1 Job gd-wait/{failing}: the rollout failed: BackoffLimitExceeded: Job has reached the specified backoff limit")), "{}", failed.err);
    assert!(
        failed.err.contains("hint: the objects are applied"),
        "{}",
        failed.err
    );
}

#[test]
#[ignore = "needs the test kube-apiserver (.ci/run starts it): GIRDER_TEST_KUBECONFIG"]
fn conflicts_name_the_other_manager_and_diff_shows_drift() {
    let cluster = Cluster::new();
    let ns = "gd-conflict";
    let spec = Spec {
        job: false,
        ..Spec::default()
    };
    deploy(&program("conflicts", Conflicts, &spec), &["--no-wait"]).assert(0);
    diff_live(&program("conflicts", Conflicts, &spec))
        .assert(0)
        .out
        .contains("no changes")
        .then_some(())
        .expect("no drift right after a deploy");

    // Someone changes the image out of band, with their own field manager.
    cluster.apply_as(
        "hotfix-tool",
        "apps/v1",
        "Deployment",
        ns,
        "worker",
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "worker", "namespace": ns},
            "spec": {"template": {"spec": {"containers": [{"name": "worker", "image": "busybox:hotfix"}]}}}}),
    );
    let drift = diff_live(&program("conflicts", Conflicts, &spec));
    drift.assert(girder_synth::EXIT_CHANGES);
    assert!(
        drift
            .out
            .contains("~ [test] apps/v1 Deployment gd-conflict/worker"),
        "{}",
        drift.out
    );
    assert!(
        drift.out.contains("\"busybox:hotfix\" -> \"busybox:1.36\""),
        "{}",
        drift.out
    );
    assert!(
        drift.err.contains("field manager \"hotfix-tool\" owns"),
        "{}",
        drift.err
    );

    let conflict = deploy(&program("conflicts", Conflicts, &spec), &["--no-wait"]);
    conflict.assert(girder_synth::EXIT_DEPLOY_FAILED);
    assert!(
        conflict.err.contains("apps/v1 Deployment gd-conflict/worker: conflict: field manager \"hotfix-tool\" owns .spec.template.spec.containers[name=\"worker\"].image"),
        "{}",
        conflict.err
    );
    assert!(
        conflict.err.contains("--force-conflicts"),
        "{}",
        conflict.err
    );
    let image = |c: &Cluster| {
        c.get("apps/v1", "Deployment", ns, "worker")
            .expect("the worker")["spec"]["template"]["spec"]["containers"][0]["image"]
            .clone()
    };
    assert_eq!(image(&cluster), "busybox:hotfix");

    let forced = deploy(
        &program("conflicts", Conflicts, &spec),
        &["--no-wait", "--force-conflicts"],
    );
    forced.assert(0);
    assert!(
        forced
            .out
            .contains("configured apps/v1 Deployment gd-conflict/worker"),
        "{}",
        forced.out
    );
    assert_eq!(image(&cluster), "busybox:1.36");
    diff_live(&program("conflicts", Conflicts, &spec)).assert(0);
}

#[test]
#[ignore = "needs the test kube-apiserver (.ci/run starts it): GIRDER_TEST_KUBECONFIG"]
fn an_immutable_change_is_destructive() {
    let cluster = Cluster::new();
    let ns = "gd-immutable";
    let spec = Spec::default();
    deploy(&program("immutable", Immutable, &spec), &["--no-wait"]).assert(0);
    let before = cluster
        .get("apps/v1", "Deployment", ns, "worker")
        .expect("the worker");

    let changed = Spec {
        selector: Some("canary"),
        ..Spec::default()
    };
    let diff = diff_live(&program("immutable", Immutable, &changed));
    diff.assert(girder_synth::EXIT_DESTRUCTIVE);
    assert!(
        diff.out
            .contains("~ [test] apps/v1 Deployment gd-immutable/worker"),
        "{}",
        diff.out
    );
    assert!(
        diff.out
            .contains("the API server refuses this update of the Deployment"),
        "{}",
        diff.out
    );
    assert!(diff.out.contains("field is immutable"), "{}", diff.out);

    let refused = deploy(&program("immutable", Immutable, &changed), &["--no-wait"]);
    refused.assert(girder_synth::EXIT_DEPLOY_FAILED);
    assert!(
        refused.err.contains(
            "apps/v1 Deployment gd-immutable/worker: the API server refused it: HTTP 422"
        ),
        "{}",
        refused.err
    );
    assert!(
        refused.err.contains("hint: an immutable field changed"),
        "{}",
        refused.err
    );
    let after = cluster
        .get("apps/v1", "Deployment", ns, "worker")
        .expect("the worker");
    assert_eq!(after["spec"]["selector"], before["spec"]["selector"]);
}

#[test]
#[ignore = "needs the test kube-apiserver (.ci/run starts it): GIRDER_TEST_KUBECONFIG"]
fn preflight_lists_every_unserved_kind_and_applies_nothing() {
    let cluster = Cluster::new();
    let spec = Spec {
        web: true,
        rule: true,
        ..Spec::default()
    };
    let ran = deploy(&program("preflight", Preflight, &spec), &["--no-wait"]);
    ran.assert(girder_synth::EXIT_NOT_DEPLOYED);
    let err = &ran.err;
    assert!(err.contains("error: autoscaling/v2 HorizontalPodAutoscaler gd-preflight/web: this cluster serves autoscaling/v1, autoscaling/v2beta2, autoscaling/v2beta1 HorizontalPodAutoscaler, not autoscaling/v2"), "{err}");
    assert!(err.contains("hint: Kubernetes ≥ 1.23 is required for autoscaling/v2 HorizontalPodAutoscaler (this cluster runs 1.20)"), "{err}");
    assert!(err.contains("policy/v1 PodDisruptionBudget gd-preflight/web: this cluster serves policy/v1beta1 PodDisruptionBudget, not policy/v1"), "{err}");
    assert!(err.contains("Kubernetes ≥ 1.21 is required"), "{err}");
    assert!(err.contains("monitoring.coreos.com/v1 PrometheusRule gd-preflight/alerts: this cluster has no CustomResourceDefinition for PrometheusRule.monitoring.coreos.com"), "{err}");
    assert!(
        err.contains("error: test: preflight found 3 problems; nothing was applied"),
        "{err}"
    );
    assert!(
        cluster.get("v1", "Namespace", "", "gd-preflight").is_none(),
        "nothing applied"
    );
    assert!(
        cluster
            .get(
                "v1",
                "Secret",
                "default",
                "girder-applyset-preflight-test.cluster"
            )
            .is_none()
    );
    // `diff --live` shows them as refusals.
    let diff = diff_live(&program("preflight", Preflight, &spec));
    diff.assert(girder_synth::EXIT_DESTRUCTIVE);
    assert!(
        diff.out
            .contains("+ [test] autoscaling/v2 HorizontalPodAutoscaler gd-preflight/web"),
        "{}",
        diff.out
    );
    assert!(diff.out.contains("not autoscaling/v2"), "{}", diff.out);
}

#[test]
#[ignore = "needs the test kube-apiserver (.ci/run starts it): GIRDER_TEST_KUBECONFIG"]
fn a_custom_resource_is_applied_after_the_definition_the_program_emits() {
    let cluster = Cluster::new();
    let program = || {
        let app = App::new("widgets");
        let ns = app.environment(Test).kubernetes().namespace(Widgets);
        app.add(
            ns.node(),
            "kit",
            WidgetKit {
                namespace: "gd-widgets",
            },
        );
        app
    };
    let first = deploy(&program(), &["--no-wait"]);
    first.assert(0);
    assert!(
        first.out.contains(
            "created apiextensions.k8s.io/v1 CustomResourceDefinition widgets.girder.example.com"
        ),
        "{}",
        first.out
    );
    assert!(
        first
            .out
            .contains("created girder.example.com/v1 Widget gd-widgets/blue"),
        "{}",
        first.out
    );
    let widget = cluster
        .get("girder.example.com/v1", "Widget", "gd-widgets", "blue")
        .expect("the widget");
    assert_eq!(widget["spec"]["size"], 3);
    let parent = cluster
        .get("v1", "Secret", "gd-widgets", "girder-applyset-widgets-test")
        .expect("the parent");
    assert_eq!(
        parent["metadata"]["annotations"]["applyset.kubernetes.io/contains-group-kinds"],
        "NetworkPolicy.networking.k8s.io,Widget.girder.example.com"
    );
    let again = deploy(&program(), &["--no-wait"]);
    again.assert(0);
    assert!(again.out.contains("test: no changes"), "{}", again.out);
    diff_live(&program()).assert(0);
}

#[test]
#[ignore = "needs the test kube-apiserver (.ci/run starts it): GIRDER_TEST_KUBECONFIG"]
fn destroy_refuses_stateful_objects_then_deletes_and_a_terminating_namespace_stops_deploys() {
    let cluster = Cluster::new();
    let ns = "gd-destroy";
    let spec = Spec {
        stateful: true,
        ..Spec::default()
    };
    deploy(&program("doomed", Doomed, &spec), &["--no-wait"]).assert(0);
    let config = kubeconfig();
    let destroy = |extra: &[&str]| {
        let mut args = vec!["destroy", "--env", "test", "--kubeconfig", &config];
        args.extend_from_slice(extra);
        run(&program("doomed", Doomed, &spec), &args)
    };

    let refused = destroy(&["--yes"]);
    refused.assert(girder_synth::EXIT_NOT_DEPLOYED);
    assert!(
        refused
            .err
            .contains("apps/v1 StatefulSet gd-destroy/db would be deleted"),
        "{}",
        refused.err
    );
    assert!(
        refused
            .err
            .contains("v1 Namespace gd-destroy would be deleted"),
        "{}",
        refused.err
    );
    assert!(
        cluster.get("apps/v1", "Deployment", ns, "worker").is_some(),
        "nothing deleted"
    );

    // No one to confirm and no --yes: nothing is deleted.
    let unconfirmed = destroy(&["--allow-destroy"]);
    unconfirmed.assert(girder_synth::EXIT_NOT_DEPLOYED);
    assert!(
        unconfirmed
            .err
            .contains("not confirmed; nothing was deleted"),
        "{}",
        unconfirmed.err
    );
    assert!(
        cluster.get("apps/v1", "Deployment", ns, "worker").is_some(),
        "nothing deleted"
    );

    let done = destroy(&["--yes", "--allow-destroy"]);
    done.assert(0);
    assert!(
        done.out
            .contains("deleted apps/v1 StatefulSet gd-destroy/db"),
        "{}",
        done.out
    );
    assert!(
        done.out.contains("deleted v1 Namespace gd-destroy"),
        "{}",
        done.out
    );
    assert!(cluster.get("apps/v1", "Deployment", ns, "worker").is_none());
    assert!(
        cluster
            .get("v1", "Secret", ns, "girder-applyset-doomed-test")
            .is_none()
    );
    assert!(
        cluster
            .get(
                "v1",
                "Secret",
                "default",
                "girder-applyset-doomed-test.cluster"
            )
            .is_none()
    );

    // Without a namespace controller, the namespace stays Terminating: deploying into it is a
    // preflight error.
    let blocked = deploy(&program("doomed", Doomed, &spec), &["--no-wait"]);
    blocked.assert(girder_synth::EXIT_NOT_DEPLOYED);
    assert!(
        blocked
            .err
            .contains("namespace gd-destroy is being deleted (Terminating)"),
        "{}",
        blocked.err
    );
    assert!(
        blocked.err.contains("nothing was applied"),
        "{}",
        blocked.err
    );
}

#[test]
#[ignore = "needs the test kube-apiserver (.ci/run starts it): GIRDER_TEST_KUBECONFIG"]
fn refused_credentials_exit_69() {
    let config = std::fs::read_to_string(kubeconfig()).expect("the kubeconfig");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let bad = dir.path().join("kubeconfig");
    let token = config
        .lines()
        .find_map(|l| l.trim().strip_prefix("token: "))
        .expect("a token in the test kubeconfig");
    std::fs::write(&bad, config.replace(token, "not-the-token")).expect("written");
    let app = program("badtoken", Life, &Spec::default());
    let ran = run(
        &app,
        &[
            "diff",
            "--live",
            "--kubeconfig",
            bad.to_str().expect("UTF-8"),
        ],
    );
    ran.assert(girder_synth::EXIT_UNAVAILABLE);
    assert!(ran.err.contains("HTTP 401"), "{}", ran.err);
    assert!(
        ran.err
            .contains("hint: the credentials are invalid or expired"),
        "{}",
        ran.err
    );
}

/// No server is needed: nothing listens on the port.
#[test]
fn an_unreachable_server_exits_69() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = dir.path().join("kubeconfig");
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    std::fs::write(
        &config,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: nowhere\n  cluster:\n    server: https://127.0.0.1:{port}\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: nowhere\n  context: {{cluster: nowhere, user: u}}\ncurrent-context: nowhere\n"
        ),
    )
    .expect("written");
    let out = dir.path().join("dist");
    let app = program("unreachable", Life, &Spec::default());
    let config = config.to_str().expect("UTF-8");
    let ran = run(
        &app,
        &[
            "deploy",
            "--yes",
            "--kubeconfig",
            config,
            "--out",
            out.to_str().expect("UTF-8"),
        ],
    );
    ran.assert(girder_synth::EXIT_UNAVAILABLE);
    assert!(
        ran.err.contains(&format!(
            "the API server https://127.0.0.1:{port} is unreachable"
        )),
        "{}",
        ran.err
    );
    assert!(
        ran.err
            .contains("hint: check that the cluster is running and reachable"),
        "{}",
        ran.err
    );
    let ran = run(
        &app,
        &[
            "diff",
            "--live",
            "--kubeconfig",
            config,
            "--context",
            "elsewhere",
        ],
    );
    ran.assert(girder_synth::EXIT_UNAVAILABLE);
    assert!(
        ran.err.contains("cannot use the kube context `elsewhere`"),
        "{}",
        ran.err
    );
    assert!(
        ran.err.contains("kubectl config get-contexts"),
        "{}",
        ran.err
    );
}

/// A worker KEDA scales on a Redis list, with KEDA installed by Flux.
fn scaled_program() -> App {
    let app = App::new("keda");
    let k8s = app.environment(Test).kubernetes();
    AcceptImageTags::because("test images by tag").apply_to(k8s.environment());
    k8s.gitops(GitOps::flux());
    HelmChart::new(&k8s, "keda", charts::Keda::default()).build();
    let ns = k8s.namespace(Scaled);
    let queue = RedisInCluster::new(&ns, "queue")
        .mode(RedisCache::new(Memory::mib(64)))
        .build();
    let worker = Worker::new(&ns, "worker")
        .image("busybox:1.36")
        .replicas(1..=3)
        .build();
    let jobs = worker.connect(&queue);
    worker.scale_on(Scaler::redis_list(jobs.connection(), "jobs", 10));
    app
}

/// The position of `line` in `text`, which must contain it.
fn at(text: &str, line: &str) -> usize {
    text.find(line)
        .unwrap_or_else(|| panic!("no `{line}` in:\n{text}"))
}

#[test]
#[ignore = "needs the test kube-apiserver (.ci/run starts it): GIRDER_TEST_KUBECONFIG"]
fn objects_an_add_on_serves_are_applied_once_the_release_that_installs_it_is_ready() {
    let cluster = Cluster::new();
    cluster.install_flux();
    assert!(
        cluster
            .get(
                "apiextensions.k8s.io/v1",
                "CustomResourceDefinition",
                "",
                "scaledobjects.keda.sh"
            )
            .is_none(),
        "KEDA is not installed (the tests need a fresh API server)"
    );
    // `diff --live` shows the ScaledObject as to be created.
    let diff = diff_live(&scaled_program());
    diff.assert(girder_synth::EXIT_CHANGES);
    assert!(
        diff.out
            .contains("+ [test] keda.sh/v1alpha1 ScaledObject gd-keda/worker"),
        "{}",
        diff.out
    );
    assert!(
        diff.err.contains("note: keda.sh/v1alpha1 ScaledObject gd-keda/worker: served once KEDA is installed by HelmRelease flux-system/keda; shown as to be created"),
        "{}",
        diff.err
    );

    // Flux's part: once the HelmRelease is applied, KEDA's definitions are installed and the
    // release is ready, a moment later.
    let flux = std::thread::spawn(|| {
        let cluster = Cluster::new();
        let generation = cluster.release_appears("keda");
        std::thread::sleep(Duration::from_secs(2));
        cluster.define("keda.sh/v1alpha1", "ScaledObject", "scaledobjects");
        cluster.release_ready(
            "keda",
            generation,
            "True",
            "InstallSucceeded",
            "Helm install succeeded for release keda/keda.v1 with chart keda@2.17.2",
        );
    });
    // `--no-wait` skips the rollouts, not the add-ons: the ScaledObject needs KEDA.
    let ran = deploy(&scaled_program(), &["--no-wait", "--timeout", "60s"]);
    ran.assert(0);
    flux.join().expect("Flux's part");
    let err = &ran.err;
    let lines = [
        "test: deferring keda.sh/v1alpha1 ScaledObject gd-keda/worker: served once KEDA is installed by HelmRelease flux-system/keda",
        "test: applying accounts, permissions and configuration",
        "test: applying workloads",
        "test: waiting for KEDA, installed by HelmRelease flux-system/keda, to serve keda.sh/v1alpha1 ScaledObject (timeout 60s)",
        "  HelmRelease flux-system/keda: Flux has not reported on it yet",
        "  HelmRelease flux-system/keda: ready (Ready: InstallSucceeded: Helm install succeeded",
        "test: applying what KEDA serves",
    ];
    let positions: Vec<usize> = lines.iter().map(|l| at(err, l)).collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "out of order:\n{err}"
    );
    assert!(
        at(
            &ran.out,
            "created helm.toolkit.fluxcd.io/v2 HelmRelease flux-system/keda"
        ) < at(&ran.out, "created apps/v1 Deployment gd-keda/worker"),
        "{}",
        ran.out
    );
    assert!(
        at(&ran.out, "created apps/v1 Deployment gd-keda/worker")
            < at(
                &ran.out,
                "created keda.sh/v1alpha1 ScaledObject gd-keda/worker"
            ),
        "{}",
        ran.out
    );
    let scaled = cluster
        .get("keda.sh/v1alpha1", "ScaledObject", "gd-keda", "worker")
        .expect("the ScaledObject");
    assert_eq!(scaled["spec"]["scaleTargetRef"]["name"], "worker");
    // A member of its namespace's ApplySet, as any other object.
    let parent = cluster
        .get("v1", "Secret", "gd-keda", "girder-applyset-keda-test")
        .expect("the parent");
    let kinds = parent["metadata"]["annotations"]["applyset.kubernetes.io/contains-group-kinds"]
        .as_str()
        .expect("the kinds");
    assert!(kinds.contains("ScaledObject.keda.sh"), "{kinds}");
    assert!(
        scaled["metadata"]["labels"]["applyset.kubernetes.io/part-of"]
            == parent["metadata"]["labels"]["applyset.kubernetes.io/id"],
        "{scaled}"
    );

    // KEDA is there now: a redeploy changes nothing and waits for nothing.
    let again = deploy(&scaled_program(), &["--no-wait"]);
    again.assert(0);
    assert!(again.out.contains("test: no changes"), "{}", again.out);
    assert!(!again.err.contains("deferring"), "{}", again.err);
    diff_live(&scaled_program()).assert(0);

    // `destroy` deletes what KEDA serves before the release that installs KEDA.
    let config = kubeconfig();
    let destroyed = run(
        &scaled_program(),
        &[
            "destroy",
            "--env",
            "test",
            "--yes",
            "--allow-destroy",
            "--kubeconfig",
            &config,
        ],
    );
    destroyed.assert(0);
    assert!(
        at(
            &destroyed.out,
            "deleted keda.sh/v1alpha1 ScaledObject gd-keda/worker"
        ) < at(
            &destroyed.out,
            "deleted helm.toolkit.fluxcd.io/v2 HelmRelease flux-system/keda"
        ),
        "{}",
        destroyed.out
    );
}

/// A worker monitored by kube-prometheus-stack, installed by Flux.
fn monitored_program() -> App {
    let app = App::new("unmonitored");
    let k8s = app.environment(Test).kubernetes();
    AcceptImageTags::because("test images by tag").apply_to(k8s.environment());
    k8s.gitops(GitOps::flux());
    HelmChart::new(&k8s, "prometheus", charts::KubePrometheusStack::default()).build();
    let ns = k8s.namespace(Unmonitored);
    let worker = Worker::new(&ns, "worker")
        .image("busybox:1.36")
        .replicas(1)
        .build();
    let metrics = worker.add_port(Port::tcp("metrics", 9090));
    PodMonitor::new(&worker, &metrics).build();
    app
}

#[test]
#[ignore = "needs the test kube-apiserver (.ci/run starts it): GIRDER_TEST_KUBECONFIG"]
fn a_release_that_never_becomes_ready_stops_the_deploy_after_the_timeout() {
    let cluster = Cluster::new();
    cluster.install_flux();
    // Flux tries, and fails.
    let flux = std::thread::spawn(|| {
        let cluster = Cluster::new();
        let generation = cluster.release_appears("prometheus");
        cluster.release_ready(
            "prometheus",
            generation,
            "False",
            "InstallFailed",
            "Helm install failed: context deadline exceeded",
        );
    });
    let started = Instant::now();
    let ran = deploy(&monitored_program(), &["--no-wait", "--timeout", "4s"]);
    ran.assert(girder_synth::EXIT_DEPLOY_FAILED);
    flux.join().expect("Flux's part");
    assert!(
        started.elapsed() < Duration::from_secs(40),
        "ended by the timeout"
    );
    let err = &ran.err;
    assert!(
        err.contains("error: kube-prometheus-stack, installed by HelmRelease flux-system/prometheus, was not ready after 4s: Ready False: InstallFailed: Helm install failed: context deadline exceeded; not applied: monitoring.coreos.com/v1 PodMonitor gd-no-prometheus/worker"),
        "{err}"
    );
    assert!(
        err.contains("hint: the objects applied before stay applied; see why it does not install (`flux get helmreleases -n flux-system prometheus`"),
        "{err}"
    );
    assert!(
        err.contains(
            "test: the deploy stopped part-way: 1 object waiting for an add-on was not applied; before it stopped: "
        ) && err.contains("pruned; pruning was not done\n  hint: deploy again once the add-on is ready"),
        "{err}"
    );
    // What does not need the add-on is applied, and stays.
    for (api_version, kind, namespace, name) in [
        ("apps/v1", "Deployment", "gd-no-prometheus", "worker"),
        ("v1", "Namespace", "", "gd-no-prometheus"),
        (
            "helm.toolkit.fluxcd.io/v2",
            "HelmRelease",
            "flux-system",
            "prometheus",
        ),
    ] {
        assert!(
            cluster.get(api_version, kind, namespace, name).is_some(),
            "{kind} {name}\n{}",
            ran.out
        );
    }
}
