//! Girder's synthesizer: it runs aspects, validates every construct (collecting all errors),
//! renders the targets' objects, writes them atomically, diffs them against a previous output,
//! and provides the command line an infra program embeds.
//!
//! ```
//! use girder_core::App;
//! use girder_k8s::KubernetesExt;
//!
//! girder_core::environment!(pub Prod = "prod");
//! girder_k8s::namespace!(pub Web = "web");
//!
//! let app = App::new("shop");
//! app.environment(Prod).kubernetes().namespace(Web);
//! let assembly = girder_synth::synthesize(&app).expect("valid");
//! assert!(assembly.files.contains_key("prod/k8s/web.yaml"));
//! ```
//!
//! Output layout: `<env>/k8s/<namespace>.yaml` per namespace, `<env>/k8s/_cluster.yaml` for
//! cluster-scoped objects, and `manifest.json`, the index of every file and object.
//!
//! `deploy`, `diff --live` and `destroy` hand the assembly to a [`remote::Deployer`] per target;
//! the deployers live in `girder-deploy-k8s` and `girder-deploy-aws` (the facade's `deploy`
//! feature), so this crate compiles no cloud client.

mod cli;
mod cloudformation;
mod compose;
pub mod diff;
mod engine;
pub mod graph;
mod kubernetes;
pub mod output;
mod panic;
pub mod remote;
pub mod report;
pub mod testing;
pub mod text;
pub mod write;

pub use cli::{
    EXIT_CHANGES, EXIT_DEPLOY_FAILED, EXIT_DESTRUCTIVE, EXIT_FOREIGN_OUTPUT, EXIT_INTERNAL,
    EXIT_INVALID, EXIT_IO, EXIT_NOT_DEPLOYED, EXIT_OK, EXIT_UNAVAILABLE, EXIT_USAGE, run,
    run_deployers, run_with, run_with_deployers,
};
pub use engine::{
    Assembly, CLUSTER_FILE, ComposeProject, KubernetesObject, MANIFEST, Options, SynthError,
    Written, synthesize, synthesize_to, synthesize_with,
};
pub use text::Text;
