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
//! girder_core::environment!(pub Prod = "prod");
//! girder_k8s::namespace!(pub Web = "web");
//!
//! let app = App::new("shop");
//! let ns = app.environment(Prod).kubernetes().namespace(Web);
//! let api = WebService::new(&ns, "api").image("ghcr.io/acme/api:1.4.2").port(8080).build();
//! assert_eq!(api.port().number(), 8080);
//! ```
//!
//! This crate has no cargo features.

pub mod aws;
mod config;
mod databases;
pub mod gateway;
mod ingress;
mod job;
pub mod mesh;
pub mod monitoring;
mod pod;
pub mod secret;
mod stateful;
mod web_service;
pub mod wiring;
mod worker;
mod workload;

#[doc(hidden)]
pub mod __private {
    pub use girder_core::EnvironmentName;
    pub use girder_k8s::{Namespace, NamespaceName};
}

pub use aws::{Alarm, Bucket, Cluster, Postgres, Queue, RedisCluster, Repository};
pub use config::{CHECKSUM_ANNOTATION_PREFIX, ConfigMapSpec};
pub use databases::{
    DatabaseCredentials, PgConnection, PgDump, PgVersion, PostgresBuilder, PostgresInCluster,
    RedisConnection, RedisInCluster, RedisPassword,
};
pub use gateway::{HttpBackend, HttpRoute};
pub use ingress::{
    Ingress, IngressController, IngressSpecModel, Issuer, LETS_ENCRYPT_PRODUCTION,
    LETS_ENCRYPT_STAGING, LetsEncrypt, LetsEncryptSpec, Routable,
};
pub use job::{CronJob, CronJobModel, Job, JobModel};
pub use mesh::TrafficSplit;
pub use pod::{AcceptImageTags, DEFAULT_UID};
pub use secret::{Key, KeySource, SecretKey};
pub use stateful::{DataVolume, StatefulService, StatefulSpec};
pub use web_service::{Replicas, WebService, WebServiceSpec};
pub use wiring::{Address, Connection, EnvValue, InEnvironment, IntoEnv, Server};
pub use worker::{Scaler, Worker, WorkerSpec};
pub use workload::{Peer, Port, Probe, Protocol};
