//! Girder: infrastructure as typed Rust.
//!
//! An infra program composes constructs into an [`App`](prelude::App) and hands it to [`run`],
//! which gives it a command line: `synth` writes validated Kubernetes YAML, `list` prints the
//! construct tree, `diff` compares with a previous output.
//!
//! ```no_run
//! use girder::prelude::*;
//!
//! fn main() -> std::process::ExitCode {
//!     let app = App::new("shop");
//!     let ns = app.environment("prod").kubernetes().namespace("web");
//!     let api = WebService::new(&ns, "api")
//!         .image("ghcr.io/acme/api:1.4.2")
//!         .port(8080)
//!         .replicas(2..=10)
//!         .build();
//!     api.env("LOG_LEVEL", "info");
//!     girder::run(app)
//! }
//! ```
//!
//! # Features
//!
//! | feature | what it does |
//! |---|---|
//! | `v1_33` … `v1_37` | the Kubernetes version whose API types the program uses (choose exactly one in a binary; Girder's examples use `v1_33`) |
//!
//! Crates that build on Girder without being a program (a platform team's construct library)
//! enable none, like every crate that depends on k8s-openapi.

pub use girder_constructs as constructs;
pub use girder_core as core;
pub use girder_k8s as k8s;
pub use girder_synth as synth;
pub use girder_synth::run;

/// RFC 6902 JSON patches, for the `patch` escape hatch.
pub use json_patch;
/// The k8s-openapi types Girder emits, for typed edits such as `deployment_mut`.
pub use k8s_openapi;

/// Everything an infra program needs: `use girder::prelude::*;`.
pub mod prelude {
    pub use girder_constructs::{
        EnvValue, ExistingConfigMap, ExistingSecret, Ingress, IngressController, LetsEncrypt, Peer,
        Port, Probe, Replicas, WebService,
    };
    pub use girder_core::{App, Aspect, Environment, Visit};
    pub use girder_k8s::aspects::{
        CommonAnnotations, CommonLabels, DefaultResources, ImageAllowList,
    };
    pub use girder_k8s::quantity::{Cpu, Memory, Resources};
    pub use girder_k8s::{KubernetesExt, Manifest, Namespace};
}
