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
//! # Features
//!
//! | feature | what it enables | default |
//! |---|---|---|
//! | `k8s` | the Kubernetes constructs: workloads, [`Ingress`], [`monitoring`], [`mesh`], typed Secrets and ConfigMaps ([`secret!`], [`config!`]), typed metrics ([`metrics!`]), [`wiring`] | yes |
//! | `compose` | Docker Compose environments ([`compose`]: `env.compose()`, [`compose::ComposeIssuer`]); implies `k8s` | yes |
//! | `aws` | the AWS constructs ([`aws`]: [`Cluster`], [`Postgres`], [`Bucket`], [`Queue`], ...) and the `girder-aws` services they use; implies `k8s`, since they are wired to Kubernetes workloads (IRSA, External Secrets, KEDA) | yes |
//!
//! Without `aws`, `girder-aws`'s generated services are not compiled: a Kubernetes-only
//! program builds without them. Methods that take an AWS construct (`aws_role`,
//! `from_aws_secret`, [`Scaler::sqs`](crate::Scaler)) exist only with `aws`.

#[cfg(feature = "aws")]
pub mod aws;
#[cfg(feature = "compose")]
pub mod compose;
#[cfg(feature = "k8s")]
pub mod composite;
#[cfg(feature = "k8s")]
mod config;
#[cfg(feature = "k8s")]
mod databases;
#[cfg(feature = "k8s")]
mod edit;
#[cfg(feature = "k8s")]
pub mod gateway;
#[cfg(feature = "k8s")]
pub mod helm;
#[cfg(feature = "k8s")]
mod ingress;
#[cfg(feature = "k8s")]
mod job;
#[cfg(feature = "k8s")]
pub mod mesh;
#[cfg(feature = "k8s")]
mod metrics;
#[cfg(feature = "k8s")]
pub mod monitoring;
#[cfg(feature = "k8s")]
mod pod;
#[cfg(feature = "k8s")]
mod policy;
#[cfg(feature = "k8s")]
mod replicas;
#[cfg(feature = "k8s")]
pub mod secret;
#[cfg(feature = "k8s")]
mod stateful;
#[cfg(feature = "k8s")]
mod web_service;
#[cfg(feature = "k8s")]
pub mod wiring;
#[cfg(feature = "k8s")]
mod worker;
#[cfg(feature = "k8s")]
mod workload;

#[cfg(feature = "k8s")]
#[doc(hidden)]
pub mod __private {
    pub use girder_core::EnvironmentName;
    pub use girder_k8s::{Namespace, NamespaceName};
}

#[cfg(feature = "aws")]
pub use aws::{
    Alarm, AwsSecret, Bucket, Cluster, Network, Postgres, Queue, RedisCluster, Repository, Role,
};
#[cfg(feature = "k8s")]
pub use kubernetes::*;

/// The Kubernetes constructs' re-exports, gated once.
#[cfg(feature = "k8s")]
mod kubernetes {
    pub use crate::composite::{Composite, CompositeSpec};
    pub use crate::config::{CHECKSUM_ANNOTATION_PREFIX, ConfigMapSpec};
    pub use crate::databases::{
        DatabaseCredentials, PgConnection, PgDump, PgVersion, PostgresInCluster, RedisCache,
        RedisConnection, RedisInCluster, RedisMode, RedisPassword, RedisStore,
    };
    pub use crate::edit::{PodEdit, PodObject};
    pub use crate::gateway::{HttpBackend, HttpRoute};
    pub use crate::helm::{HelmChart, HelmChartSpec};
    pub use crate::ingress::{
        Ingress, IngressController, IngressSpecModel, Issuer, LETS_ENCRYPT_PRODUCTION,
        LETS_ENCRYPT_STAGING, LetsEncrypt, LetsEncryptSpec, Routable,
    };
    pub use crate::job::{CronJob, CronJobModel, Job, JobModel};
    pub use crate::mesh::{SplitVersion, TrafficSplit};
    pub use crate::pod::{AcceptImageTags, DEFAULT_UID};
    pub use crate::replicas::{
        Autoscaled, Autoscaling, Fixed, ReplicaCount, Replicas, Scalable, Shape,
    };
    pub use crate::secret::{Key, KeySource, SecretKey};
    pub use crate::stateful::{DataVolume, StatefulService, StatefulSpec};
    pub use crate::web_service::{Exposure, WebService, WebServiceSpec};
    pub use crate::wiring::{Address, Connection, EnvValue, InEnvironment, IntoEnv, Server};
    pub use crate::worker::{Scaler, ScalerOf, Worker, WorkerSpec};
    pub use crate::workload::{HttpGet, OwnPort, Peer, Port, PortOf, Probe, Protocol};
    pub use girder_k8s::rules::policy::Check;
}
