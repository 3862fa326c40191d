//! Girder's Docker Compose target: one environment's workloads as a Compose project, for
//! development on a laptop and for single hosts.
//!
//! A Compose environment (`app.environment(Dev).compose()`) is a scope in which constructs are
//! created exactly as in a Kubernetes namespace; they render the same objects, the program's
//! aspects and edits apply, Girder's checks run on the final objects, and this crate then
//! derives the Compose form from them ([`translate()`]): services, one network per server
//! joined only by its clients, start order, secrets as the host's environment variables
//! (`${VAR:?…}`), healthchecks, secure defaults, and a reverse proxy for the Ingresses
//! ([`proxy`]). What has no Compose form is an error naming the object, never dropped.
//!
//! The input is the Kubernetes API's own types (k8s-openapi, which both targets share); this
//! crate does not know Girder's Kubernetes target.

pub mod diff;
pub mod input;
pub mod proxy;
pub mod settings;
pub mod translate;
pub mod write;

pub use compose_spec;
pub use input::{Input, Object};
pub use settings::{ProjectSettings, Projects, Tls};
pub use translate::{Finding, Output, Variable, translate};

/// The directory of an environment's Compose files, below the environment's.
pub const DIR: &str = "compose";
/// The Compose file's name.
pub const FILE: &str = "compose.yaml";
/// The file listing the variables the project reads from the host's environment, names only.
pub const ENV_EXAMPLE: &str = ".env.example";
