//! Girder: infrastructure as typed Rust.
//!
//! An infra program composes constructs into an [`App`](prelude::App) and hands it to [`run`],
//! which gives it a command line: `synth` writes validated Kubernetes YAML, `list` prints the
//! construct tree, `diff` compares with a previous output.
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
//! Secrets and ConfigMaps declare their keys ([`secret!`], [`config_map!`]). With them the
//! compiler rejects a key that does not exist, a secret used from another namespace and wiring
//! across environments; see [`constructs::wiring`].
//!
//! # Features
//!
//! | feature | what it does |
//! |---|---|
//! | `v1_33` … `v1_37` | the Kubernetes version whose API types the program uses (choose exactly one in a binary; Girder's examples use `v1_33`) |
//!
//! Crates that build on Girder without being a program (a platform team's construct library)
//! enable none, like every crate that depends on k8s-openapi.

pub use girder_aws as aws;
pub use girder_constructs as constructs;
pub use girder_core as core;
pub use girder_k8s as k8s;
pub use girder_synth as synth;
pub use girder_synth::run;

pub use girder_constructs::{config, config_map, secret};
pub use girder_core::environment;
pub use girder_k8s::namespace;

/// RFC 6902 JSON patches, for the `patch` escape hatch.
pub use json_patch;
/// The k8s-openapi types Girder emits, for typed edits such as `deployment_mut`.
pub use k8s_openapi;

/// Everything an infra program needs: `use girder::prelude::*;`.
pub mod prelude {
    pub use girder_aws::AwsExt;
    pub use girder_constructs::aws::{Cluster, Network, NodeGroup, Postgres, RedisCluster};
    pub use girder_constructs::monitoring::{AlertRule, Dashboard, ServiceMonitor};
    pub use girder_constructs::{
        AcceptImageTags, Bucket, Connection, CronJob, DataVolume, Ingress, IngressController, Job,
        LetsEncrypt, Peer, Port, PostgresInCluster, Probe, Queue, RedisInCluster, Replicas, Scaler,
        StatefulService, WebService, Worker,
    };
    pub use girder_core::cidr::Cidr;
    pub use girder_core::{App, Aspect, Environment, Visit};
    pub use girder_k8s::aspects::{
        CommonAnnotations, CommonLabels, DefaultResources, ImageAllowList,
    };
    pub use girder_k8s::quantity::{Cpu, Memory, Resources};
    pub use girder_k8s::{KubernetesExt, Manifest, Namespace};
}

/// The README's program, compiled as a doctest so that it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
