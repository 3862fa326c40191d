//! Constructs on the AWS target: created in a CloudFormation stack ([`girder_aws::AwsStack`]).

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

use girder_aws::logical_id::IdPrefix;
use girder_aws::{AwsStack, LogicalId, StackAddress};
use girder_core::{EnvironmentName, Path};

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
