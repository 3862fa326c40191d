//! Constructs on the AWS target: created in a CloudFormation stack ([`girder_aws::AwsStack`]).
//!
//! Synth evaluates checkov's checks of their final resources with checkov's ids
//! ([`girder_aws::checks`]). A construct that must break one says so, with the reason a
//! reviewer reads; its resources then carry checkov's own suppression:
//!
//! ```
//! use girder_aws::checks::Check;
//! use girder_aws::{AwsExt, CfnResource, rds};
//! use girder_constructs::aws::{Network, Postgres, PostgresVersion};
//! use girder_core::Visit;
//!
//! girder_core::environment!(pub Prod = "prod");
//! let app = girder_core::App::new("shop");
//! let aws = app.environment(Prod).aws("123456789012", "eu-west-1");
//! let net = Network::new(&aws.stack("base"), "net").build();
//! let db = Postgres::rds(&aws.stack("data"), "db")
//!     .network(&net)
//!     .engine(PostgresVersion::V16)
//!     .build();
//! // An aspect turns enhanced monitoring off: without `accept`, synth fails with CKV_AWS_118.
//! app.aspect(|r: &mut CfnResource, _: &mut Visit<'_>| {
//!     if let Some(db) = r.entry.properties_mut::<rds::DbInstance>() {
//!         db.monitoring_interval = Some(0.into());
//!     }
//! });
//! db.accept(Check::CKV_AWS_118, "the vendor's agent monitors the host");
//! ```
//!
//! The instance then carries `Metadata: {"checkov": {"skip": [{"id": "CKV_AWS_118", "comment":
//! "the vendor's agent monitors the host"}]}}`. A reason that is empty, or an `accept` of a
//! check that runs on none of the construct's resources or would not fire on them, fails synth.

mod access;
mod alarm;
pub mod bridge;
mod bucket;
mod cluster;
mod eks;
mod network;
mod postgres;
pub(crate) mod queue;
mod redis;
mod repository;
mod role;
mod secret;

pub use access::AwsAccess;
pub(crate) use access::{ApiConstruct, RoleBinding, WorkloadIdentity};
pub use alarm::{Alarm, AlarmSpec, Comparison, Metric, Statistic};
pub use bridge::{Grantee, Published};
pub use bucket::{AccessLogs, AccessLogsSpec, Bucket, BucketSpec};
pub use cluster::{
    Cluster, ClusterBuilder, ClusterSpec, EndpointAccess, KubernetesVersion, NodeGroup,
    ServiceAccountRole, TaintEffect,
};
pub use eks::{Eks, EksKubernetes, OnEksCluster};
pub use network::{Nat, Network, NetworkSpec};
pub use postgres::{Backups, PgExtension, Postgres, PostgresSpec, PostgresVersion, RdsConnection};
pub use queue::{Queue, QueueSpec};
pub use redis::{CacheConnection, CacheEngine, RedisCluster, RedisClusterSpec};
pub use repository::{EcrImage, Repository, RepositorySpec};
pub use role::{Role, RoleSpec, Trust};
pub use secret::{
    AwsSecret, AwsSecretSpec, ExistingAwsSecret, Generate, SecretSource, SecretsKeySpec,
    SyncableSecret,
};

use std::sync::Arc;

use girder_aws::checks::Check;
use girder_aws::logical_id::IdPrefix;
use girder_aws::{AwsStack, CfnResource, LogicalId, StackAddress};
use girder_core::{Context, Diagnostic, Emitted, EnvironmentName, Path};

/// Where an AWS construct's resources go: its stack, and the logical IDs derived from its path.
#[derive(Debug, Clone)]
pub(crate) struct Placement {
    pub(crate) stack: Arc<StackAddress>,
    /// The path below the stack, PascalCased and hashed once for all the construct's IDs.
    ids: IdPrefix,
}

impl Placement {
    pub(crate) fn new<E: EnvironmentName>(stack: &AwsStack<E>, path: Path) -> Self {
        let stack_path = stack.app().path(stack.node());
        let below = path
            .as_str()
            .strip_prefix(stack_path.as_str())
            .unwrap_or(path.as_str());
        Self::in_stack(stack, below)
    }

    /// The placement of the construct at `below` (its path below `stack`, e.g. its id when it
    /// is created directly in the stack), without building its whole path.
    pub(crate) fn in_stack<E: EnvironmentName>(stack: &AwsStack<E>, below: &str) -> Self {
        Placement {
            stack: stack.address().clone(),
            ids: IdPrefix::new(below.split('/').filter(|s| !s.is_empty())),
        }
    }

    /// The logical ID of this construct's resource `name`.
    pub(crate) fn id(&self, name: &str) -> LogicalId {
        self.ids.id(name)
    }

    /// A typed reference to this construct's resource `name`.
    pub(crate) fn reference<R>(&self, name: &str) -> girder_aws::ResourceRef<R> {
        girder_aws::ResourceRef::new(girder_aws::intrinsic::ResourceTarget::new(
            self.stack.clone(),
            self.id(name),
        ))
    }
}

/// The checkov checks an AWS construct accepts, with the reasons a reviewer reads
/// (`.accept(Check::CKV_AWS_157, "..")`): written on its resources, as checkov's own suppression
/// (`Metadata.checkov.skip`), as it renders. Synth then honours them on the final resources
/// ([`girder_aws::checks`]), and reports one that would not fire.
#[derive(Debug, Clone, Default)]
pub(crate) struct Accepted(Vec<(Check, String)>);

impl Accepted {
    pub(crate) fn push(&mut self, check: Check, reason: String) {
        self.0.push((check, reason));
    }

    /// Writes each accepted check on the resources the construct at `cx` emitted into `out`
    /// whose type checkov runs it on, then `builtin` (Girder's own suppressions, with their
    /// reasons) unless the program accepted the same check. An accepted check without a reason
    /// or without a resource to run on is an error.
    pub(crate) fn apply(
        &self,
        builtin: &[(Check, &'static str)],
        cx: &Context<'_>,
        out: &mut Emitted,
    ) {
        let mut resources = out.take::<CfnResource>();
        for (check, reason) in &self.0 {
            if reason.trim().is_empty() {
                out.emit(
                    Diagnostic::error(
                        cx.path.as_str(),
                        format!("the acceptance of `{check}` gives no reason"),
                    )
                    .hint(format!(
                        "say why the finding is acceptable here, e.g. `.accept(Check::{check}, \"the data is public by design\")`"
                    )),
                );
                continue;
            }
            let mut written = false;
            for resource in resources
                .iter_mut()
                .filter(|r| check.runs_on(r.entry.type_name()))
            {
                resource.entry.add_checkov_skip(check.id(), reason.clone());
                written = true;
            }
            if !written {
                let mut emitted: Vec<&str> =
                    resources.iter().map(|r| r.entry.type_name()).collect();
                emitted.sort_unstable();
                emitted.dedup();
                out.emit(
                    Diagnostic::error(
                        cx.path.as_str(),
                        format!(
                            "`{check}` ({}) runs on {}, and this construct emits none",
                            check.title(),
                            check.resource_types().join(", ")
                        ),
                    )
                    .hint(format!(
                        "accept it on the construct that emits the resource, or remove the `accept`; this one emits {}",
                        if emitted.is_empty() { "nothing".to_owned() } else { emitted.join(", ") }
                    )),
                );
            }
        }
        for (check, reason) in builtin {
            if self.0.iter().any(|(c, _)| c == check) {
                continue;
            }
            for resource in resources
                .iter_mut()
                .filter(|r| check.runs_on(r.entry.type_name()))
            {
                resource.entry.add_checkov_skip(check.id(), *reason);
            }
        }
        for resource in resources {
            out.emit(resource);
        }
    }
}

/// Implements `accept` on the AWS construct `$ty<E>` (whose handle's model has a field
/// `accepted: Accepted`).
macro_rules! accept_methods {
    ($ty:ident) => {
        impl<E: girder_core::EnvironmentName> $ty<E> {
            /// Accepts checkov's `check` on this construct's resources of the types checkov runs
            /// it on, because of `reason`: synth does not report it, and those resources carry
            /// checkov's suppression, `Metadata: {"checkov": {"skip": [{"id": .., "comment":
            /// <reason>}]}}`, for reviewers and the validators. An empty reason, a check that
            /// runs on none of the construct's resources, or one that would not fire on the
            /// final resource, fails synth.
            pub fn accept(
                &self,
                check: girder_aws::checks::Check,
                reason: impl Into<String>,
            ) -> &Self {
                let reason = reason.into();
                self.handle.update(|s| s.accepted.push(check, reason));
                self
            }
        }
    };
}

pub(crate) use accept_methods;
