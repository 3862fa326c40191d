//! The Kubernetes side of an EKS [`Cluster`](super::Cluster), as a type: namespaces created on
//! the cluster ([`EksKubernetes::namespace`]) are `Namespace<E, Eks<N>>`, and only their
//! workloads may connect to what needs the cluster (an RDS database and an ElastiCache group
//! admit its security group; buckets, queues and secrets are reached with an IAM role its OIDC
//! provider trusts).
//!
//! ```compile_fail
//! # use girder_aws::AwsExt;
//! # use girder_constructs::WebService;
//! # use girder_constructs::aws::{Cluster, Network, NodeGroup, Postgres};
//! # use girder_k8s::KubernetesExt;
//! # girder_core::environment!(pub Prod = "prod");
//! # girder_k8s::namespace!(pub Shop = "shop");
//! # let app = girder_core::App::new("shop");
//! # let base = app.environment(Prod).aws("123456789012", "eu-west-1").stack("base");
//! # let net = Network::new(&base, "net").availability_zones(2).build();
//! # let eks = Cluster::new(&base, "eks").network(&net)
//! #     .node_group(NodeGroup::new("general").instance_types(["m6i.large"]).scaling(2..=4)).build();
//! let db = Postgres::rds(&base, "orders").network(&net).build();
//! // The environment's Kubernetes, not the cluster's: no path to the database.
//! let shop = app.environment(Prod).kubernetes().namespace(Shop);
//! let api = WebService::new(&shop, "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
//! api.connect(&db);
//! ```

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;

use girder_core::EnvironmentName;
use girder_k8s::{Kubernetes, Namespace, NamespaceName};

/// The namespace `N` on its environment's EKS cluster: the namespace type of
/// `eks.kubernetes().namespace(N)`. Its name is `N`'s; only a [`Cluster`](super::Cluster) makes
/// one.
pub struct Eks<N>(PhantomData<fn() -> N>);

impl<N> Clone for Eks<N> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<N> Copy for Eks<N> {}

impl<N: NamespaceName> fmt::Debug for Eks<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Eks({})", N::NAME)
    }
}

impl<N: NamespaceName> NamespaceName for Eks<N> {
    const NAME: &'static str = N::NAME;
}

impl<N: NamespaceName> girder_k8s::OnKubernetes for Eks<N> {}

/// A namespace on an EKS cluster: its pods run behind the cluster's security group (which RDS
/// databases and ElastiCache groups admit) and may assume IAM roles the cluster's OIDC provider
/// trusts (IRSA).
#[diagnostic::on_unimplemented(
    message = "namespace `{Self}` is not on an EKS cluster: its pods have no path to AWS resources",
    label = "created from the environment's Kubernetes, not from the EKS cluster",
    note = "create the namespace on the cluster: `eks.kubernetes().namespace(..)`, where `eks` is the environment's `Cluster`",
    note = "the cluster's security group is what RDS databases and ElastiCache groups admit, and its OIDC provider is what the workloads' IAM roles trust"
)]
pub trait OnEksCluster: NamespaceName {}

impl<N: NamespaceName> OnEksCluster for Eks<N> {}

/// The Kubernetes side of an environment that an EKS cluster runs: what
/// [`Cluster::kubernetes`](super::Cluster::kubernetes) returns. Its namespaces are on the cluster
/// ([`Eks`]); everything else is the environment's [`Kubernetes`], which it dereferences to.
pub struct EksKubernetes<E> {
    kubernetes: Kubernetes<E>,
}

impl<E> Clone for EksKubernetes<E> {
    fn clone(&self) -> Self {
        EksKubernetes {
            kubernetes: self.kubernetes.clone(),
        }
    }
}

impl<E: EnvironmentName> fmt::Debug for EksKubernetes<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("EksKubernetes").field(&E::NAME).finish()
    }
}

impl<E> EksKubernetes<E> {
    pub(crate) fn new(kubernetes: Kubernetes<E>) -> Self {
        EksKubernetes { kubernetes }
    }
}

impl<E: EnvironmentName> EksKubernetes<E> {
    /// The namespace `N` on the cluster, created on first use: its workloads may connect to the
    /// environment's RDS databases, ElastiCache groups, buckets, queues and secrets.
    pub fn namespace<N: NamespaceName>(&self, _namespace: N) -> Namespace<E, Eks<N>> {
        self.kubernetes.namespace(Eks(PhantomData))
    }
}

impl<E> Deref for EksKubernetes<E> {
    type Target = Kubernetes<E>;

    fn deref(&self) -> &Kubernetes<E> {
        &self.kubernetes
    }
}
