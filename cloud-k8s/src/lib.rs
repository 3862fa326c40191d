//! Girder's Kubernetes target: the objects constructs emit, their standard labels, namespaces,
//! typed custom resources, typed CPU and memory quantities, escape hatches, and YAML output in a
//! stable order.
//!
//! Objects are [k8s-openapi](https://docs.rs/k8s-openapi) types. This crate enables no `v1_*`
//! feature of k8s-openapi: the program that links it chooses the Kubernetes version (Girder's
//! examples and tests use `v1_33`; 1.33 to 1.37 are supported).
//!
//! ```
//! use girder_core::App;
//! use girder_k8s::KubernetesExt;
//!
//! girder_core::environment!(pub Prod = "prod");
//! girder_k8s::namespace!(pub Web = "web");
//!
//! let app = App::new("shop");
//! let web = app.environment(Prod).kubernetes().namespace(Web);
//! assert_eq!(web.object_name("api"), "api");
//! ```
//!
//! | feature | what it does | default |
//! |---|---|---|
//! | `derive` | `custom`: the CustomResourceDefinitions and objects of types derived with kube's `#[derive(CustomResource)]` (kube-core, no client) | no |

pub mod aspects;
pub mod crd;
pub mod cron;
#[cfg(feature = "derive")]
pub mod custom;
pub mod diff;
pub mod emit;
pub mod helm;
pub mod image;
pub mod immutable;
pub mod labels;
pub mod object;
pub mod overrides;
pub mod quantity;
pub mod rules;
mod scope;
pub mod secrets;
pub mod yaml;

pub use object::{Manifest, Object, RawObject};
pub use overrides::Overrides;
pub use scope::{
    DEFAULT_DENY, GitOpsChoices, InstalledAddOns, InstalledKinds, KubeContexts, Kubernetes,
    KubernetesExt, Namespace, NamespaceName, NamespaceScope, NamespaceSpec, OnKubernetes,
};

/// The k8s-openapi crate Girder's objects come from, for typed edits (`deployment_mut`).
pub use k8s_openapi;
