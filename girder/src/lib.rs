//! Girder: infrastructure as typed Rust.
//!
//! An infra program composes constructs into an [`App`](prelude::App) and hands it to [`run`],
//! which gives it a command line: `synth` writes validated Kubernetes YAML and CloudFormation,
//! `list` prints the construct tree, `diff` compares with a previous output; with the `deploy`
//! feature, `deploy` applies the output to the clusters and stacks, `diff --live` compares with
//! what is running, `destroy` takes an environment down.
//!
//! ```no_run
//! use girder::prelude::*;
//!
//! girder::environment!(pub Prod = "prod");
//! girder::namespace!(pub Web = "web");
//! girder::secret! {
//!     /// Issued by the payments team.
//!     pub struct PaymentsToken { token }
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     let app = App::new("shop");
//!     let web = app.environment(Prod).kubernetes().namespace(Web);
//!     let api = WebService::new(&web, "api")
//!         .image("ghcr.io/acme/api:1.4.2")
//!         .port(8080)
//!         .replicas(2..=10)
//!         .build();
//!     let front = WebService::new(&web, "front")
//!         .image("ghcr.io/acme/front:2.0.1")
//!         .port(8080)
//!         .build();
//!     front.env("API_URL", front.connect(&api).url());
//!     api.env("PAYMENTS_TOKEN", PaymentsToken::existing(&web, "payments").token());
//!     girder::run(app)
//! }
//! ```
//!
//! Environments and namespaces are declared once as types ([`environment!`], [`namespace!`]);
//! Secrets and ConfigMaps declare their keys ([`secret!`], [`config_map!`]), a workload's metrics
//! their names, types and labels ([`metrics!`]). With them the compiler rejects a key that does
//! not exist, a secret used from another namespace, wiring across environments, and an alert or
//! dashboard on metrics nobody scrapes or of another namespace; see [`constructs::wiring`] and
//! [`constructs::monitoring`].
//!
//! # The guide
//!
//! The guide, for readers who know Kubernetes or the AWS CDK but not Girder, is an mdBook in
//! the repository's `docs/` (`docs/src/SUMMARY.md` lists its chapters; `mdbook serve docs`
//! renders it): getting started, the concepts (environments, namespaces, stacks, paths and
//! names), wiring and each compile-time check with its message, every construct and its
//! defaults, the targets and output layout, the command line and exit codes, synth-and-diff in
//! CI, escape hatches and aspects, writing your own constructs, and performance. Its examples
//! are compiled and run as doctests of this crate.
//!
//! # Features
//!
//! | feature | what it does | default |
//! |---|---|---|
//! | `k8s` | the Kubernetes constructs ([`constructs`]: workloads, Ingress, monitoring, mesh, typed Secrets and ConfigMaps, wiring) and their part of the [`prelude`] | yes |
//! | `compose` | Docker Compose environments: `app.environment(Dev).compose()` is a scope for the same constructs, written as `<env>/compose/compose.yaml` ([`constructs::compose`], [`compose`]); [`ComposeExt`](prelude::ComposeExt) and [`ComposeIssuer`](prelude::ComposeIssuer) in the prelude; implies `k8s` | yes |
//! | `aws` | the AWS constructs ([`constructs::aws`]: `Cluster`, `Postgres`, `Bucket`, `Queue`, ...), the AWS services of [`aws`] they use, [`aws::AwsExt`] in the prelude; implies `k8s`, since AWS constructs are wired to Kubernetes workloads | yes |
//! | `s3`, `rds`, `sns`, ... (one per AWS service), `aws-full` (all of them) | the typed resources of [`aws`]`::<service>` for a program's own CloudFormation resources, without the AWS constructs | no |
//! | `crd-derive` | `girder::k8s::custom`: a program's own CustomResourceDefinitions and their objects from types derived with kube's `#[derive(CustomResource)]` (kube-core's traits, no client; the program adds `kube` with `default-features = false, features = ["derive"]` and `schemars`); implies `k8s` | no |
//! | `deploy` | `deploy`, `diff --live`, `destroy` and `bootstrap` in [`run`]: server-side apply to Kubernetes (kube) and change sets to CloudFormation (the AWS SDK) | no |
//! | `v1_33` … `v1_37` | the Kubernetes version whose API types the program uses (choose exactly one in a binary; Girder's examples use `v1_33`) | no |
//!
//! A Kubernetes-only program depends on
//! `girder = { version = "0.1", default-features = false, features = ["k8s", "v1_33"] }` and
//! does not compile any AWS service. The CloudFormation model itself (templates, intrinsics,
//! stacks: [`aws`] without its service modules) is always compiled: [`synth`] uses it.
//!
//! Crates that build on Girder without being a program (a platform team's construct library)
//! enable no `v1_*` feature, like every crate that depends on k8s-openapi.

mod guide;

pub use girder_aws as aws;
pub use girder_compose as compose;
pub use girder_constructs as constructs;
pub use girder_core as core;
pub use girder_k8s as k8s;
pub use girder_synth as synth;
#[cfg(not(feature = "deploy"))]
pub use girder_synth::run;
/// Assertions on a synthesized app for a program's or a construct library's tests: find objects
/// by kind, name or construct path, match them partially, count them, check what wiring opened
/// (see [`synth::testing`]).
pub use girder_synth::testing;

/// Runs the command line of the current process against `app`: `synth`, `list`, `diff`, and
/// with the deployers of Kubernetes and CloudFormation `deploy`, `diff --live`, `destroy` and
/// `bootstrap`; returns the exit code.
#[cfg(feature = "deploy")]
pub fn run(app: core::App) -> std::process::ExitCode {
    girder_synth::run_deployers(
        app,
        &[
            &girder_deploy_aws::CloudFormation::default(),
            &girder_deploy_k8s::Kubernetes::default(),
        ],
    )
}

#[cfg(feature = "k8s")]
pub use girder_constructs::{config, config_map, metrics, secret};
pub use girder_core::environment;
pub use girder_k8s::namespace;

/// The deployers [`run`] uses with the `deploy` feature, for a program that drives them itself
/// (see [`synth::remote::Deployer`]).
#[cfg(feature = "deploy")]
pub mod deploy {
    pub use girder_deploy_aws::CloudFormation;
    pub use girder_deploy_k8s::Kubernetes;
}

/// The builder macros Girder's constructs are made with, for a construct library's own:
/// `#[girder::bon::bon(crate = ::girder::bon)]` on the `impl`, whose `#[builder(start_fn = new,
/// finish_fn = build)]` makes required props compile-time (see the README's "Write your own
/// construct").
pub use bon;
/// RFC 6902 JSON patches, for the `patch` escape hatch.
pub use json_patch;
/// The k8s-openapi types Girder emits, for typed edits such as `deployment_mut`.
pub use k8s_openapi;

/// Everything an infra program is written with: `use girder::prelude::*;`.
///
/// The rule: the prelude holds the app and its aspects, every construct (a type whose `new`
/// adds a node to the app: `WebService`, `Job`, `ServiceMonitor`, `Role`, ...), the values
/// several constructs take (`Port`, `Probe`, `HttpGet`, `Replicas`, `Peer`, `Resources`,
/// `Cidr`, ...), the typed scopes (`Environment`, `Namespace`) and the traits that open a
/// target (`KubernetesExt`, `AwsExt`).
/// It never holds a Kubernetes API object or a custom resource: those share names with
/// constructs (the construct `Job` renders a `batch/v1` `Job`, the construct `ServiceMonitor` a
/// `monitoring.coreos.com/v1` `ServiceMonitor`, the scope `Namespace` a `v1` `Namespace`), so
/// they are named by their path, as typed edits do:
///
/// ```
/// use girder::prelude::*;
/// use girder::k8s_openapi::api::batch::v1::Job as JobObject;
///
/// girder::environment!(pub Prod = "prod");
/// girder::namespace!(pub Shop = "shop");
///
/// let app = App::new("shop");
/// let shop = app.environment(Prod).kubernetes().namespace(Shop);
/// let migrate = Job::new(&shop, "migrate").image("ghcr.io/acme/migrate:1.0.0").build();
/// migrate.edit(|job: &mut JobObject| {
///     job.metadata.annotations.get_or_insert_default().insert("team".into(), "orders".into());
/// });
/// // A custom resource, by path too: girder::k8s::crd::ServiceMonitor.
/// ```
///
/// Options of one construct stay in its module (`girder::constructs::monitoring::Promql`,
/// `girder::constructs::aws::Trust`). The Kubernetes part needs the `k8s` feature, the AWS
/// constructs and `AwsExt` the `aws` feature.
pub mod prelude {
    pub use girder_core::cidr::Cidr;
    pub use girder_core::{App, Aspect, Environment, EnvironmentName, Visit};

    #[cfg(feature = "k8s")]
    pub use girder_constructs::monitoring::{AlertRule, Dashboard, PodMonitor, ServiceMonitor};
    #[cfg(feature = "k8s")]
    pub use girder_constructs::{
        AcceptImageTags, Check, Connection, CronJob, DataVolume, HelmChart, HttpGet, HttpRoute,
        Ingress, IngressController, Issuer, Job, LetsEncrypt, Peer, Port, PostgresInCluster, Probe,
        RedisInCluster, Replicas, Scaler, StatefulService, TrafficSplit, WebService, Worker,
    };
    #[cfg(feature = "k8s")]
    pub use girder_k8s::aspects::{
        CommonAnnotations, CommonLabels, DefaultResources, ImageAllowList,
    };
    #[cfg(feature = "k8s")]
    pub use girder_k8s::helm::{AddOn, GitOps, charts};
    #[cfg(feature = "k8s")]
    pub use girder_k8s::quantity::{Cpu, Memory, Resources};
    #[cfg(feature = "k8s")]
    pub use girder_k8s::{KubernetesExt, Manifest, Namespace, NamespaceName, OnKubernetes};

    #[cfg(feature = "compose")]
    pub use girder_constructs::compose::{ComposeExt, ComposeIssuer};

    #[cfg(feature = "aws")]
    pub use girder_aws::AwsExt;
    #[cfg(feature = "aws")]
    pub use girder_constructs::aws::{
        Alarm, AwsSecret, Bucket, Cluster, Network, NodeGroup, Postgres, Queue, RedisCluster,
        Repository, Role,
    };
}

/// The README's program, compiled as a doctest so that it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
