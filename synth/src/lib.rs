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
//! This crate has no cargo features yet; `deploy` will gate the Kubernetes and AWS clients.

mod cli;
mod cloudformation;
pub mod diff;
mod engine;
mod kubernetes;
pub mod output;
mod panic;
pub mod text;
pub mod write;

pub use cli::{
    EXIT_CHANGES, EXIT_DESTRUCTIVE, EXIT_FOREIGN_OUTPUT, EXIT_INTERNAL, EXIT_INVALID, EXIT_IO,
    EXIT_OK, EXIT_USAGE, run, run_with,
};
pub use engine::{
    Assembly, CLUSTER_FILE, MANIFEST, Options, SynthError, Written, synthesize, synthesize_to,
    synthesize_with,
};
pub use text::Text;
