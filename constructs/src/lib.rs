//! Girder's high-level constructs: what platform teams compose into an infrastructure program.
//!
//! Each construct is a builder with compile-time required props and documented, secure
//! defaults; `build()` adds it to the app's tree and returns a handle for wiring.
//!
//! ```
//! use girder_constructs::WebService;
//! use girder_core::App;
//! use girder_k8s::KubernetesExt;
//!
//! let app = App::new("shop");
//! let ns = app.environment("prod").kubernetes().namespace("web");
//! let api = WebService::new(&ns, "api").image("ghcr.io/acme/api:1.4.2").port(8080).build();
//! assert_eq!(api.port().number(), 8080);
//! ```
//!
//! This crate has no cargo features.

mod ingress;
mod web_service;
mod workload;

pub use ingress::{
    Ingress, IngressController, IngressSpecModel, LETS_ENCRYPT_PRODUCTION, LETS_ENCRYPT_STAGING,
    LetsEncrypt, LetsEncryptSpec,
};
pub use web_service::{DEFAULT_UID, Replicas, WebService, WebServiceSpec};
pub use workload::{
    ConfigMapKeyRef, EnvValue, ExistingConfigMap, ExistingSecret, Peer, Port, Probe, Protocol,
    SecretKeyRef,
};
