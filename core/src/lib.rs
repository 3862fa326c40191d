//! The core of Girder: the construct tree, ids and paths, the name scheme, diagnostics and aspects.
//!
//! A Girder program builds an [`App`]; the app holds [`Environment`]s (`prod`, `staging`), and each
//! environment holds scopes and constructs, addressed by `(scope, id)`. Every node has a stable
//! [`Path`] such as `prod/hello/api`, from which object names are derived ([`name`]).
//!
//! This crate knows no cloud: a construct renders *artifacts* ([`Emitted`]) whose types belong to
//! the target crates (`girder-k8s`, `girder-aws`), and the `girder-synth` crate writes them.
//!
//! ```
//! use girder_core::{App, Construct, Context, Emitted};
//!
//! struct Note;
//! impl Construct for Note {
//!     fn kind(&self) -> &'static str { "Note" }
//!     fn render(&self, _cx: &Context<'_>, _out: &mut Emitted) {}
//! }
//!
//! girder_core::environment!(pub Prod = "prod");
//!
//! let app = App::new("shop");
//! let prod = app.environment(Prod);
//! let note = app.add(prod.node(), "readme", Note);
//! assert_eq!(note.path().to_string(), "prod/readme");
//! ```
//!
//! This crate has no cargo features.

mod artifact;
mod aspect;
pub mod cidr;
mod diag;
mod hash;
pub mod name;
pub mod secrets;
mod tree;
mod wire;

pub use artifact::{Artifact, Emitted};
pub use aspect::{Aspect, Visit, Visitable};
pub use diag::{Diagnostic, Diagnostics, Severity};
pub use tree::{App, Construct, Context, Environment, EnvironmentName, Handle, NodeId, Path};
pub use wire::Wire;
