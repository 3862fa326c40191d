//! [`Cluster`]: an EKS cluster with managed node groups, and IAM roles for its service accounts
//! ([`Cluster::service_account_role`], IRSA).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::marker::PhantomData;
use std::ops::RangeInclusive;
use std::sync::Arc;

use girder_aws::fns::{select, split, sub};
use girder_aws::policy::{PolicyDocument, Principal, Statement};
use girder_aws::{CfnResource, Entry, Expr, InStack, Json, ResourceRef, StackAddress, Value};
use girder_aws::{ec2, eks, iam, kms, logs};
use girder_core::cidr::{Cidr, CidrError};
use girder_core::name::{check_id, derive, is_dns1123_label, is_dns1123_subdomain};
use girder_core::{Construct, Context, Diagnostic, Diagnostics, Emitted, EnvironmentName, Handle};
use girder_k8s::KubernetesExt;

use girder_k8s::Manifest;
use girder_k8s::crd::external_secrets::{
    AwsAuth, AwsJwtAuth, AwsProvider, AwsService, ClusterSecretStore, SecretStoreProvider,
    SecretStoreSpec, ServiceAccountSelector,
};
use girder_k8s::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use girder_k8s::labels::Labels;

use super::bridge::{ExternalSecretsReads, external_secrets_policy_resource};
use super::eks::EksKubernetes;
use super::queue::ScaledQueues;
use super::{Accepted, Network, Placement};

/// The audience of the tokens IRSA exchanges for AWS credentials.
const STS_AUDIENCE: &str = "sts.amazonaws.com";
/// The EBS CSI driver's controller: its service account gets a role of its own.
const EBS_CSI_NAMESPACE: &str = "kube-system";
const EBS_CSI_SERVICE_ACCOUNT: &str = "ebs-csi-controller-sa";
/// The retention periods CloudWatch Logs accepts, in days.
const LOG_RETENTION_DAYS: &[u32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// The Kubernetes version of a [`Cluster`]'s control plane and node groups.
///
/// Girder's Kubernetes types cover 1.33 and later; these are the versions EKS offers among them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum KubernetesVersion {
    /// 1.33 (the default, the version Girder's output is validated against).
    #[default]
    V1_33,
    /// 1.34.
    V1_34,
}

impl KubernetesVersion {
    /// The version as EKS writes it, e.g. `"1.33"`.
    pub fn as_str(self) -> &'static str {
        match self {
            KubernetesVersion::V1_33 => "1.33",
            KubernetesVersion::V1_34 => "1.34",
        }
    }
}

impl fmt::Display for KubernetesVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who can reach a [`Cluster`]'s Kubernetes API server.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum EndpointAccess {
    /// Only from inside the VPC (and networks connected to it: VPN, Direct Connect, peering):
    /// the default. `kubectl` and CI then run from inside the network; CloudFormation itself
    /// talks to the EKS API, not to the cluster, so deployments work either way.
    #[default]
    Private,
    /// From inside the VPC, and from the internet ranges listed (IPv4 ranges such as
    /// `203.0.113.0/24`); nodes still use the private endpoint. `0.0.0.0/0` is rejected. Build it
    /// with [`EndpointAccess::public_and_private`], which keeps malformed ranges to report at
    /// synth with the cluster's path.
    PublicAndPrivate(Vec<Result<Cidr, CidrError>>),
}

impl EndpointAccess {
    /// [`EndpointAccess::PublicAndPrivate`] from `cidrs` (`"203.0.113.0/24"`, [`Cidr`]s).
    pub fn public_and_private(
        cidrs: impl IntoIterator<Item = impl TryInto<Cidr, Error: Into<CidrError>>>,
    ) -> Self {
        EndpointAccess::PublicAndPrivate(
            cidrs
                .into_iter()
                .map(|cidr| cidr.try_into().map_err(Into::into))
                .collect(),
        )
    }
}

/// What a node taint does to pods that do not tolerate it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaintEffect {
    /// New pods are not scheduled on the node.
    NoSchedule,
    /// The scheduler avoids the node when it can.
    PreferNoSchedule,
    /// New pods are not scheduled, and running pods are evicted.
    NoExecute,
}

impl TaintEffect {
    fn to_cfn(self) -> eks::Effect {
        match self {
            TaintEffect::NoSchedule => eks::Effect::NoSchedule,
            TaintEffect::PreferNoSchedule => eks::Effect::PreferNoSchedule,
            TaintEffect::NoExecute => eks::Effect::NoExecute,
        }
    }
}

/// A managed node group of a [`Cluster`]: EC2 instances in the network's private subnets, running
/// Amazon Linux 2023 (x86-64 or arm64, from the instance types).
///
/// Defaults: 1 to 3 nodes, on-demand capacity, node auto repair on, rolling updates one node at
/// a time, a 20 GiB root volume. Instance types have no default: name at least one.
///
/// Every group gets a launch template: the instance metadata service answers only session
/// (IMDSv2) requests, one network hop away, so pods cannot borrow the node's IAM role (they get
/// their own through pod identity or IRSA); the root volume is gp3, encrypted with the
/// account's EBS key, and deleted with the node.
///
/// ```
/// use girder_constructs::aws::{NodeGroup, TaintEffect};
///
/// let batch = NodeGroup::new("batch")
///     .instance_types(["c7g.2xlarge", "c6g.2xlarge"])
///     .scaling(0..=20)
///     .spot()
///     .label("workload", "batch")
///     .taint("workload", "batch", TaintEffect::NoSchedule);
/// assert_eq!(batch.name(), "batch");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NodeGroup {
    name: String,
    instance_types: Vec<String>,
    min: u32,
    max: u32,
    desired: Option<u32>,
    spot: bool,
    labels: BTreeMap<String, String>,
    taints: Vec<(String, String, TaintEffect)>,
    disk_gib: u32,
}

/// The smallest root volume: the size of the Amazon Linux 2023 EKS AMI's snapshot.
const MIN_DISK_GIB: u32 = 20;
/// The largest gp3 volume.
const MAX_DISK_GIB: u32 = 16_384;

impl NodeGroup {
    /// A node group named `name` (a DNS-1035 label, unique in its cluster).
    pub fn new(name: impl Into<String>) -> Self {
        NodeGroup {
            name: name.into(),
            instance_types: Vec::new(),
            min: 1,
            max: 3,
            desired: None,
            spot: false,
            labels: BTreeMap::new(),
            taints: Vec::new(),
            disk_gib: MIN_DISK_GIB,
        }
    }

    /// The EC2 instance types (`family.size`, e.g. `m6i.large`), all of one architecture;
    /// several types let EKS fall back when one is short.
    #[must_use]
    pub fn instance_types(mut self, types: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.instance_types = types.into_iter().map(Into::into).collect();
        self
    }

    /// How many nodes, from the minimum to the maximum (default `1..=3`); a cluster autoscaler
    /// such as Karpenter or cluster-autoscaler moves the count within it.
    #[must_use]
    pub fn scaling(mut self, nodes: RangeInclusive<u32>) -> Self {
        self.min = *nodes.start();
        self.max = *nodes.end();
        self
    }

    /// The node count at creation (default: the minimum), within the scaling range.
    #[must_use]
    pub fn desired(mut self, nodes: u32) -> Self {
        self.desired = Some(nodes);
        self
    }

    /// Runs on spot capacity (default on-demand): cheaper, and interrupted at two minutes'
    /// notice.
    #[must_use]
    pub fn spot(mut self) -> Self {
        self.spot = true;
        self
    }

    /// Adds the Kubernetes label `key=value` to every node of the group.
    #[must_use]
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    /// Adds the taint `key=value:effect` to every node of the group: only pods that tolerate it
    /// run there.
    #[must_use]
    pub fn taint(
        mut self,
        key: impl Into<String>,
        value: impl Into<String>,
        effect: TaintEffect,
    ) -> Self {
        self.taints.push((key.into(), value.into(), effect));
        self
    }

    /// The size of each node's root volume in GiB (default 20, the AMI's own size; at most
    /// 16,384): images and container logs live there.
    #[must_use]
    pub fn disk_gib(mut self, gib: u32) -> Self {
        self.disk_gib = gib;
        self
    }

    /// The group's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The node count at creation.
    fn desired_size(&self) -> u32 {
        self.desired.unwrap_or(self.min)
    }
}

/// The processor architecture of an instance type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arch {
    X86_64,
    Arm64,
}

impl Arch {
    fn name(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86-64",
            Arch::Arm64 => "arm64",
        }
    }
}

/// The architecture of an instance type written `family.size`, or `None` if it is not of that
/// form. Graviton families carry a `g` after their generation (`m7g`, `c6gn`, `x2gd`), or are
/// `a1`.
fn instance_arch(instance_type: &str) -> Option<Arch> {
    let (family, size) = instance_type.split_once('.')?;
    let word = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
    };
    let family_ok = word(family)
        && family.as_bytes()[0].is_ascii_lowercase()
        && family.bytes().any(|c| c.is_ascii_digit());
    if !family_ok || !word(size) {
        return None;
    }
    let generation = family.find(|c: char| c.is_ascii_digit())?;
    let attributes = family[generation..].trim_start_matches(|c: char| c.is_ascii_digit());
    Some(if family == "a1" || attributes.contains('g') {
        Arch::Arm64
    } else {
        Arch::X86_64
    })
}

/// Why `key` is not a Kubernetes label or taint key (`[prefix/]name`), or `None`.
fn check_key(key: &str) -> Option<&'static str> {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if prefix.is_some_and(|p| !is_dns1123_subdomain(p)) {
        Some("its prefix is not a DNS subdomain (e.g. `example.com/`)")
    } else if name.is_empty() {
        Some("its name is empty")
    } else {
        check_value(name)
    }
}

/// Why `value` is not a Kubernetes label value, or `None` (the empty value is valid).
fn check_value(value: &str) -> Option<&'static str> {
    let b = value.as_bytes();
    if b.len() > 63 {
        Some("it is longer than 63 characters")
    } else if !b
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
    {
        Some("it may only contain letters, digits, '-', '_' and '.'")
    } else if b
        .first()
        .zip(b.last())
        .is_some_and(|(f, l)| !f.is_ascii_alphanumeric() || !l.is_ascii_alphanumeric())
    {
        Some("it must start and end with a letter or digit")
    } else {
        None
    }
}

/// `arn:<partition>:iam::aws:policy/<name>`: an AWS managed policy.
pub(super) fn managed_policy(name: &str) -> Value<String> {
    sub(format!("arn:${{AWS::Partition}}:iam::aws:policy/{name}")).into()
}

/// A role that `service` (e.g. `eks.amazonaws.com`) assumes.
fn service_trust(service: &str) -> PolicyDocument {
    PolicyDocument::new([
        Statement::allow(["sts:AssumeRole"]).principal(Principal::Service(service.to_owned()))
    ])
}

/// The IRSA trust policy of `namespace/service_account` as an `Fn::Sub` string: condition keys
/// name the issuer's host, which CloudFormation only knows at deploy time, and JSON keys cannot
/// be expressions.
pub(super) fn irsa_trust(
    provider_arn: Expr<String>,
    issuer_url: Expr<String>,
    namespace: &str,
    service_account: &str,
) -> Expr<String> {
    let document = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Federated": "${Provider}" },
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    "${Issuer}:aud": STS_AUDIENCE,
                    "${Issuer}:sub": format!("system:serviceaccount:{namespace}:{service_account}"),
                }
            }
        }]
    });
    sub(document.to_string())
        .var("Provider", provider_arn)
        .var("Issuer", select(1, split("//", issuer_url)))
        .expr()
}

/// The local name of the IAM role of `namespace/service_account` (its logical ID's last part).
fn role_name(namespace: &str, service_account: &str) -> String {
    format!("{namespace}/{service_account}/Role")
}

/// The IAM name of the IRSA role of `namespace/service_account` in cluster `cluster`: fixed,
/// so that its ARN is known when the service account's annotation is written.
fn iam_role_name(cluster: &str, namespace: &str, service_account: &str) -> String {
    derive(&[cluster, namespace, service_account], 64)
}

/// The namespace and service account of the External Secrets operator (its Helm chart's).
const EXTERNAL_SECRETS: (&str, &str) = ("external-secrets", "external-secrets");

/// The namespace and service account of KEDA's operator (its Helm chart's).
const KEDA_OPERATOR: (&str, &str) = ("keda", "keda-operator");

/// An EKS cluster on CloudFormation, secure by default:
/// * the API server is reachable only from inside the VPC ([`EndpointAccess::Private`]);
/// * Kubernetes secrets are encrypted with a customer-managed KMS key (rotated yearly; the
///   account administers it through IAM);
/// * all five control-plane log types (`api`, `audit`, `authenticator`, `controllerManager`,
///   `scheduler`) go to `/aws/eks/<name>/cluster`, kept 365 days and encrypted with that key;
/// * access through EKS access entries only (authentication mode `API`, no `aws-auth`
///   ConfigMap); whoever creates the stack is the first cluster admin;
/// * deletion protection on;
/// * nodes in the network's private subnets, in managed node groups ([`NodeGroup`]) on Amazon
///   Linux 2023 with auto repair;
/// * an IAM OIDC provider for IAM roles for service accounts ([`Cluster::service_account_role`]);
/// * the managed add-ons `vpc-cni`, `kube-proxy`, `coredns`, `eks-pod-identity-agent` and
///   `aws-ebs-csi-driver` (with a role of its own, not the nodes').
///
/// The cluster's name is `<stack name>-<id>` (cut to 63 characters with a hash suffix when
/// longer), known at synth: [`Cluster::name`].
///
/// ```
/// use girder_aws::AwsExt;
/// use girder_aws::policy::{PolicyDocument, Statement};
/// use girder_constructs::aws::{Cluster, EndpointAccess, Network, NodeGroup, TaintEffect};
///
/// girder_core::environment!(pub Prod = "prod");
/// girder_k8s::namespace!(pub Shop = "shop");
///
/// let app = girder_core::App::new("shop");
/// let base = app.environment(Prod).aws("123456789012", "eu-west-1").stack("base");
/// let net = Network::new(&base, "net").availability_zones(3).build();
/// let eks = Cluster::new(&base, "eks")
///     .network(&net)
///     .endpoint(EndpointAccess::Private)
///     .node_group(NodeGroup::new("general").instance_types(["m6i.large"]).scaling(3..=10))
///     .node_group(
///         NodeGroup::new("cpu")
///             .instance_types(["c6i.2xlarge"])
///             .scaling(0..=20)
///             .taint("workload", "cpu", TaintEffect::NoSchedule),
///     )
///     .build();
/// assert_eq!(eks.name(), "shop-prod-base-eks");
///
/// let shop = eks.kubernetes().namespace(Shop);
/// let reader = eks.service_account_role(
///     "shop",
///     "api",
///     PolicyDocument::new([Statement::allow(["s3:GetObject"]).resource("arn:aws:s3:::uploads/*")]),
/// );
/// let _arn = reader.arn();
/// # let _ = shop;
/// ```
pub struct Cluster<E> {
    handle: Handle<ClusterSpec>,
    placement: Placement,
    cluster: ResourceRef<eks::Cluster>,
    name: String,
    _env: PhantomData<fn() -> E>,
}

impl<E> Clone for Cluster<E> {
    fn clone(&self) -> Self {
        Cluster {
            handle: self.handle.clone(),
            placement: self.placement.clone(),
            cluster: self.cluster.clone(),
            name: self.name.clone(),
            _env: PhantomData,
        }
    }
}

impl<E> fmt::Debug for Cluster<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cluster({}, {})", self.handle.path(), self.name)
    }
}

/// An IAM role that pods running as one Kubernetes service account assume (IRSA): returned by
/// [`Cluster::service_account_role`].
///
/// Annotate the service account with `eks.amazonaws.com/role-arn` = [`arn`](Self::arn).
pub struct ServiceAccountRole<E> {
    cluster: Handle<ClusterSpec>,
    role: ResourceRef<iam::Role>,
    literal_arn: String,
    namespace: String,
    service_account: String,
    _env: PhantomData<fn() -> E>,
}

impl<E> Clone for ServiceAccountRole<E> {
    fn clone(&self) -> Self {
        ServiceAccountRole {
            cluster: self.cluster.clone(),
            role: self.role.clone(),
            literal_arn: self.literal_arn.clone(),
            namespace: self.namespace.clone(),
            service_account: self.service_account.clone(),
            _env: PhantomData,
        }
    }
}

impl<E> fmt::Debug for ServiceAccountRole<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ServiceAccountRole({}/{})",
            self.namespace, self.service_account
        )
    }
}

impl<E> ServiceAccountRole<E> {
    /// The role's ARN.
    pub fn arn(&self) -> Expr<String> {
        self.role.arn()
    }

    /// The role's ARN as text, known at synth (its name is fixed): what the service account's
    /// `eks.amazonaws.com/role-arn` annotation holds.
    pub fn arn_literal(&self) -> &str {
        &self.literal_arn
    }

    /// The role's name (`Ref`).
    pub fn name(&self) -> Expr<String> {
        self.role.reference()
    }

    /// The namespace of the service account.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The service account's name.
    pub fn service_account(&self) -> &str {
        &self.service_account
    }

    /// The typed reference to the `AWS::IAM::Role`.
    pub fn resource(&self) -> &ResourceRef<iam::Role> {
        &self.role
    }
}

impl<E> crate::wiring::InEnvironment<E> for ServiceAccountRole<E> {}

/// An IAM role for a service account, as the cluster renders it.
#[derive(Debug, Clone)]
struct RoleSpec {
    namespace: String,
    service_account: String,
    policy: PolicyDocument,
    managed: Vec<&'static str>,
    /// Where the role goes when not in the cluster's stack.
    placement: Option<Placement>,
    /// What the workload's connections granted (`connect(..).read()` and friends), by the stack
    /// of the resources granted on: one `AWS::IAM::Policy` in each of those stacks.
    grants: BTreeMap<String, (Arc<StackAddress>, PolicyDocument)>,
    /// Created by a workload's connection rather than asked for (`service_account_role`): a
    /// role asked for later for the same service account is this one.
    by_connection: bool,
}

impl RoleSpec {
    fn new(namespace: &str, service_account: &str) -> Self {
        RoleSpec {
            namespace: namespace.to_owned(),
            service_account: service_account.to_owned(),
            policy: PolicyDocument::default(),
            managed: Vec::new(),
            placement: None,
            grants: BTreeMap::new(),
            by_connection: false,
        }
    }
}

/// What a workload's connection needs of its environment's EKS cluster to give the workload an
/// IAM role of its own (published on the environment with [`super::bridge::ClusterAccess`]).
#[derive(Debug, Clone)]
pub(crate) struct WorkloadRoles {
    cluster: Handle<ClusterSpec>,
    name: String,
    account: String,
}

impl WorkloadRoles {
    /// Grants the IRSA role of the service account `namespace/service_account` (created on
    /// its first grant, in the cluster's stack) `statements` on resources of `stack`; returns
    /// the role's ARN, for the service account's annotation.
    pub(crate) fn grant(
        &self,
        namespace: &str,
        service_account: &str,
        stack: &Arc<StackAddress>,
        statements: impl IntoIterator<Item = Statement>,
    ) -> String {
        self.cluster.update(|spec| {
            let index = match spec
                .roles
                .iter()
                .position(|r| r.namespace == namespace && r.service_account == service_account)
            {
                Some(index) => index,
                None => {
                    spec.roles.push(RoleSpec {
                        by_connection: true,
                        ..RoleSpec::new(namespace, service_account)
                    });
                    spec.roles.len() - 1
                }
            };
            let (_, policy) = spec.roles[index]
                .grants
                .entry(stack.name().to_owned())
                .or_insert_with(|| (stack.clone(), PolicyDocument::default()));
            for statement in statements {
                if !policy.statements().contains(&statement) {
                    policy.push(statement);
                }
            }
        });
        format!(
            "arn:aws:iam::{}:role/{}",
            self.account,
            iam_role_name(&self.name, namespace, service_account)
        )
    }
}

/// The model of a [`Cluster`].
#[derive(Debug)]
pub struct ClusterSpec {
    /// The checkov checks accepted on its resources, with the reasons.
    accepted: Accepted,
    placement: Placement,
    /// The EKS cluster's name.
    pub name: String,
    /// The Kubernetes version.
    pub version: KubernetesVersion,
    /// Who reaches the API server.
    pub endpoint: EndpointAccess,
    /// The managed node groups.
    pub node_groups: Vec<NodeGroup>,
    /// Whether deleting the cluster needs deletion protection turned off first.
    pub deletion_protection: bool,
    /// Days the control-plane logs are kept.
    pub log_retention_days: u32,
    network_path: String,
    zones: usize,
    private_subnets: Vec<Expr<String>>,
    region: String,
    roles: Vec<RoleSpec>,
    /// What External Secrets syncs into the environment's namespaces: its role may read that
    /// and nothing else.
    reads: Option<ExternalSecretsReads>,
    /// The queues the environment's KEDA scalers watch (`None` outside an environment).
    queues: Option<ScaledQueues>,
}

// `new` starts a builder whose `build` returns the construct, as bon builders do.
#[allow(clippy::new_ret_no_self)]
#[bon::bon]
impl<E: EnvironmentName> Cluster<E> {
    /// Starts a cluster with id `id` in `stack`.
    #[builder(start_fn = new, finish_fn = build, builder_type = ClusterBuilder)]
    pub fn create(
        #[builder(start_fn)] stack: &impl InStack<Env = E>,
        #[builder(start_fn, into)] id: String,
        /// The node groups, added with [`ClusterBuilder::node_group`] (at least one).
        #[builder(field)]
        node_groups: Vec<NodeGroup>,
        /// The network whose private subnets hold the nodes and the API server's interfaces
        /// (required; at least 2 availability zones).
        network: &Network<E>,
        /// The Kubernetes version (default 1.33).
        #[builder(default)]
        version: KubernetesVersion,
        /// Who reaches the API server (default [`EndpointAccess::Private`]).
        #[builder(default)]
        endpoint: EndpointAccess,
        /// Refuse to delete the cluster until this is turned off (default `true`).
        #[builder(default = true)]
        deletion_protection: bool,
        /// Days the control-plane logs are kept (default 365; a value CloudWatch Logs accepts).
        #[builder(default = 365)]
        log_retention_days: u32,
    ) -> Cluster<E> {
        let stack = stack.stack();
        let app = stack.app();
        let placement = Placement::in_stack(stack, &id);
        let name = derive(&[stack.address().name(), &id], 63);
        let spec = ClusterSpec {
            accepted: Accepted::default(),
            placement: placement.clone(),
            name: name.clone(),
            version,
            endpoint,
            node_groups,
            deletion_protection,
            log_retention_days,
            network_path: network.path(),
            zones: network.availability_zones(),
            private_subnets: network.private_subnet_ids(),
            region: stack.environment().region().as_str().to_owned(),
            roles: vec![RoleSpec {
                managed: vec!["service-role/AmazonEBSCSIDriverPolicy"],
                ..RoleSpec::new(EBS_CSI_NAMESPACE, EBS_CSI_SERVICE_ACCOUNT)
            }],
            reads: None,
            queues: None,
        };
        let env = super::bridge::environment_of(app, stack.node());
        let spec = ClusterSpec {
            accepted: Accepted::default(),
            reads: env.map(|env| ExternalSecretsReads::of(app, env)),
            queues: env.map(|env| ScaledQueues::of(app, env)),
            ..spec
        };
        let handle = app.add(stack.node(), id, spec);
        let cluster_ref: ResourceRef<eks::Cluster> = placement.reference("Cluster");
        if let Some(env) = env {
            if app
                .attachment::<super::bridge::ClusterAccess>(env)
                .is_some()
            {
                app.report(
                    Diagnostic::error(
                        handle.path().as_str(),
                        format!("a second EKS cluster in environment `{}`", E::NAME),
                    )
                    .hint("an environment has one Kubernetes side, written to `<env>/k8s/`: run each cluster in an environment of its own"),
                );
            }
            app.attach(
                env,
                super::bridge::ClusterAccess {
                    security_group_id: cluster_ref.cluster_security_group_id(),
                    roles: WorkloadRoles {
                        cluster: handle.clone(),
                        name: name.clone(),
                        account: placement.stack.account().to_string(),
                    },
                },
            );
        }
        handle.update(|spec| {
            // External Secrets' and KEDA's roles get no policy of their own: they are granted
            // what the program syncs and the queues its scalers watch, exactly, when the
            // cluster renders (see `render_external_secrets_reads`, `render_keda_reads`).
            spec.roles
                .push(RoleSpec::new(EXTERNAL_SECRETS.0, EXTERNAL_SECRETS.1));
            spec.roles
                .push(RoleSpec::new(KEDA_OPERATOR.0, KEDA_OPERATOR.1));
        });
        Cluster {
            handle,
            cluster: placement.reference("Cluster"),
            placement,
            name,
            _env: PhantomData,
        }
    }
}

impl<'f1, 'f2, E: EnvironmentName, I1: InStack<Env = E>, S: cluster_builder::State>
    ClusterBuilder<'f1, 'f2, E, I1, S>
{
    /// Adds a managed node group; call once per group.
    pub fn node_group(mut self, group: NodeGroup) -> Self {
        self.node_groups.push(group);
        self
    }
}

impl<E: EnvironmentName> Cluster<E> {
    /// The EKS cluster's name, known at synth (for `aws eks update-kubeconfig --name`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The typed reference to the `AWS::EKS::Cluster`.
    pub fn resource(&self) -> &ResourceRef<eks::Cluster> {
        &self.cluster
    }

    /// The cluster's ARN.
    pub fn arn(&self) -> Expr<String> {
        self.resource().arn()
    }

    /// The API server's URL.
    pub fn endpoint(&self) -> Expr<String> {
        self.resource().endpoint()
    }

    /// The security group EKS creates for the control plane and the nodes: allow it in the
    /// security groups of databases and caches the pods reach.
    pub fn security_group_id(&self) -> Expr<String> {
        self.resource().cluster_security_group_id()
    }

    /// The issuer URL of the cluster's service account tokens (`https://oidc.eks...`).
    pub fn oidc_issuer_url(&self) -> Expr<String> {
        self.resource().open_id_connect_issuer_url()
    }

    /// The ARN of the IAM OIDC provider of the cluster's issuer.
    pub fn oidc_provider_arn(&self) -> Expr<String> {
        self.placement
            .reference::<iam::OidcProvider>("OidcProvider")
            .arn()
    }

    /// The ARN of the IAM role KEDA's operator runs as (annotate its service account
    /// `keda/keda-operator` with it when installing KEDA): it reads the depth of the SQS queues
    /// this environment's scalers watch (`Scaler::sqs`), and of no other.
    pub fn keda_role_arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:role/{}",
            self.placement.stack.account(),
            iam_role_name(&self.name, KEDA_OPERATOR.0, KEDA_OPERATOR.1)
        )
    }

    /// The ARN of the IAM role External Secrets runs as (annotate its service account
    /// `external-secrets/external-secrets` with it when installing the operator).
    pub fn external_secrets_role_arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:role/{}",
            self.placement.stack.account(),
            iam_role_name(&self.name, EXTERNAL_SECRETS.0, EXTERNAL_SECRETS.1)
        )
    }

    /// The ARN of the role every node runs as.
    pub fn node_role_arn(&self) -> Expr<String> {
        self.placement.reference::<iam::Role>("NodeRole").arn()
    }

    /// The construct's path, for messages.
    pub fn path(&self) -> String {
        self.handle.path().to_string()
    }

    /// The environment's Kubernetes side, which this cluster runs: namespaces and cluster-wide
    /// objects come from it, and are written to `<env>/k8s/`. Its namespaces are on the cluster
    /// (`Namespace<E, Eks<N>>`): only their workloads connect to the environment's RDS
    /// databases, ElastiCache groups, buckets, queues and secrets.
    ///
    /// `E: Default` holds for every environment declared with `environment!`; it lets the
    /// cluster name its environment, which a stack only knows as a type.
    pub fn kubernetes(&self) -> EksKubernetes<E>
    where
        E: Default,
    {
        EksKubernetes::new(self.handle.app().environment(E::default()).kubernetes())
    }

    /// An IAM role that pods running as the service account `service_account` of namespace
    /// `namespace` assume through the cluster's OIDC provider (IRSA), with the permissions of
    /// `policy` (an empty document grants none; add more with grants such as
    /// `queue.grant_consume(&role)`). Both names must be DNS labels; each pair gets one role.
    /// The role goes into the cluster's stack.
    pub fn service_account_role(
        &self,
        namespace: impl Into<String>,
        service_account: impl Into<String>,
        policy: PolicyDocument,
    ) -> ServiceAccountRole<E> {
        self.add_role(namespace.into(), service_account.into(), policy, None)
    }

    /// [`Cluster::service_account_role`] in another stack, e.g. the stack of the applications'
    /// data: a role that grants on a queue in stack `data` while the database in `data` admits
    /// the cluster's security group would otherwise make the two stacks depend on each other.
    pub fn service_account_role_in(
        &self,
        stack: &impl InStack<Env = E>,
        namespace: impl Into<String>,
        service_account: impl Into<String>,
        policy: PolicyDocument,
    ) -> ServiceAccountRole<E> {
        let stack = stack.stack();
        let placement = Placement::new(stack, self.handle.path());
        self.add_role(
            namespace.into(),
            service_account.into(),
            policy,
            Some(placement),
        )
    }

    fn add_role(
        &self,
        namespace: String,
        service_account: String,
        policy: PolicyDocument,
        placement: Option<Placement>,
    ) -> ServiceAccountRole<E> {
        let role = placement
            .as_ref()
            .unwrap_or(&self.placement)
            .reference(&role_name(&namespace, &service_account));
        self.handle.update(|spec| {
            // A role a workload's connection created for this service account is this one.
            match spec.roles.iter_mut().find(|r| {
                r.by_connection && r.namespace == namespace && r.service_account == service_account
            }) {
                Some(role) => {
                    role.by_connection = false;
                    role.placement = placement;
                    for statement in policy.statements() {
                        role.policy.push(statement.clone());
                    }
                }
                None => spec.roles.push(RoleSpec {
                    policy,
                    placement,
                    ..RoleSpec::new(&namespace, &service_account)
                }),
            }
        });
        let literal_arn = format!(
            "arn:aws:iam::{}:role/{}",
            self.placement.stack.account(),
            iam_role_name(&self.name, &namespace, &service_account)
        );
        ServiceAccountRole {
            cluster: self.handle.clone(),
            role,
            literal_arn,
            namespace,
            service_account,
            _env: PhantomData,
        }
    }
}

impl<E> crate::wiring::InEnvironment<E> for Cluster<E> {}

impl<E> super::bridge::Grantee for ServiceAccountRole<E> {
    fn grant(&self, statement: Statement) {
        let (namespace, service_account) = (&self.namespace, &self.service_account);
        self.cluster.update(|spec| {
            if let Some(role) = spec
                .roles
                .iter_mut()
                .find(|r| &r.namespace == namespace && &r.service_account == service_account)
            {
                role.policy.push(statement);
            }
        });
    }
}

impl ClusterSpec {
    fn validate_node_group(&self, group: &NodeGroup, path: &str, diags: &mut Diagnostics) {
        let name = &group.name;
        let error =
            |message: String| Diagnostic::error(path, format!("node group `{name}`: {message}"));
        if let Some(why) = check_id(name) {
            diags.push(error(format!("invalid name: {why}")).hint(
                "use lowercase letters, digits and '-', starting with a letter (e.g. `general`)",
            ));
        }
        let (min, max) = (group.min, group.max);
        if min > max {
            diags.push(
                error(format!(
                    "scaling {min}..={max}: the minimum is above the maximum"
                ))
                .hint(format!(
                    "write the range low to high, e.g. `.scaling({max}..={min})`"
                )),
            );
        }
        if max == 0 {
            diags.push(
                error(format!("scaling {min}..={max}: at most 0 nodes"))
                    .hint("a node group needs room for at least one node, e.g. `.scaling(0..=3)`"),
            );
        }
        if let Some(desired) = group.desired
            && min <= max
            && !(min..=max).contains(&desired)
        {
            diags.push(
                error(format!("{desired} desired nodes, outside {min}..={max}"))
                    .hint("the desired count lies within the scaling range"),
            );
        }
        if !(MIN_DISK_GIB..=MAX_DISK_GIB).contains(&group.disk_gib) {
            diags.push(
                error(format!("a root volume of {} GiB", group.disk_gib)).hint(format!(
                    "root volumes hold {MIN_DISK_GIB} to {MAX_DISK_GIB} GiB: the AMI takes {MIN_DISK_GIB}"
                )),
            );
        }
        if group.instance_types.is_empty() {
            diags.push(
                error("no instance type".to_owned())
                    .hint("name at least one, e.g. `.instance_types([\"m6i.large\"])`"),
            );
        }
        let mut archs = BTreeMap::new();
        for instance_type in &group.instance_types {
            match instance_arch(instance_type) {
                Some(arch) => {
                    archs.entry(arch.name()).or_insert(instance_type.as_str());
                }
                None => diags.push(
                    error(format!("`{instance_type}` is not an instance type"))
                        .hint("write `family.size`, e.g. `m6i.large` or `c7g.2xlarge`"),
                ),
            }
        }
        if archs.len() > 1 {
            let mixed: Vec<String> = archs
                .iter()
                .map(|(arch, example)| format!("`{example}` is {arch}"))
                .collect();
            diags.push(
                error(format!("instance types of two architectures: {}", mixed.join(", ")))
                    .hint("a node group runs one AMI: put x86-64 and arm64 (Graviton) types in separate groups"),
            );
        }
        for (key, value) in &group.labels {
            if let Some(why) = check_key(key) {
                diags
                    .push(error(format!("label key `{key}`: {why}")).hint(
                        "a label key is `[prefix/]name`, e.g. `workload` or `acme.com/team`",
                    ));
            }
            if let Some(why) = check_value(value) {
                diags.push(
                    error(format!("label `{key}` value `{value}`: {why}"))
                        .hint("a label value is at most 63 letters, digits, '-', '_' or '.'"),
                );
            }
        }
        for (key, value, _) in &group.taints {
            if let Some(why) = check_key(key) {
                diags.push(error(format!("taint key `{key}`: {why}")).hint(
                    "a taint key is `[prefix/]name`, e.g. `workload` or `acme.com/dedicated`",
                ));
            }
            if let Some(why) = check_value(value) {
                diags.push(
                    error(format!("taint `{key}` value `{value}`: {why}"))
                        .hint("a taint value is at most 63 letters, digits, '-', '_' or '.'"),
                );
            }
        }
    }

    /// One `AWS::IAM::Policy` per stack whose secrets and parameters External Secrets syncs,
    /// attached to its role: the exact ARNs, through `Ref` in the stack that creates them.
    /// Secrets created outside the program (named by their full ARN) go to the cluster's stack.
    fn render_external_secrets_reads(&self, cx: &Context<'_>, out: &mut Emitted) {
        let Some(reads) = &self.reads else { return };
        let local = role_name(EXTERNAL_SECRETS.0, EXTERNAL_SECRETS.1);
        let role: ResourceRef<iam::Role> = self.placement.reference(&local);
        let name = format!("{local}/Reads");
        reads.for_each(|group| {
            let Some(policy) =
                external_secrets_policy_resource(group, &self.region, role.reference())
            else {
                return;
            };
            // In another stack, the IDs start from the cluster's whole path, as the roles of
            // `service_account_role_in` do.
            let (stack, id) = match &group.stack {
                Some(stack) if **stack != *self.placement.stack => (
                    stack,
                    girder_aws::logical_id::IdPrefix::new(cx.path.segments()).id(&name),
                ),
                _ => (&self.placement.stack, self.placement.id(&name)),
            };
            out.emit(CfnResource::new(stack, id, Entry::new(policy)));
        });
    }

    /// One `AWS::IAM::Policy` per stack whose queues KEDA's SQS scalers watch, attached to
    /// KEDA's role: `sqs:GetQueueAttributes` on the queues' exact ARNs, in the stack that
    /// creates them, as External Secrets' reads are.
    fn render_keda_reads(&self, cx: &Context<'_>, out: &mut Emitted) {
        let Some(queues) = &self.queues else { return };
        let local = role_name(KEDA_OPERATOR.0, KEDA_OPERATOR.1);
        let role: ResourceRef<iam::Role> = self.placement.reference(&local);
        let name = format!("{local}/QueueDepth");
        queues.for_each(|group| {
            let policy = group.depth_policy(role.reference());
            let id = if *group.stack == *self.placement.stack {
                self.placement.id(&name)
            } else {
                girder_aws::logical_id::IdPrefix::new(cx.path.segments()).id(&name)
            };
            out.emit(CfnResource::new(&group.stack, id, Entry::new(policy)));
        });
    }

    fn render_role(
        &self,
        cx: &Context<'_>,
        role: &RoleSpec,
        cluster: &ResourceRef<eks::Cluster>,
        oidc: &ResourceRef<iam::OidcProvider>,
        out: &mut Emitted,
    ) {
        let p = role.placement.as_ref().unwrap_or(&self.placement);
        let trust = irsa_trust(
            oidc.arn(),
            cluster.open_id_connect_issuer_url(),
            &role.namespace,
            &role.service_account,
        );
        let mut resource = iam::Role::new(Json::from(trust))
            .role_name(iam_role_name(
                &self.name,
                &role.namespace,
                &role.service_account,
            ))
            .description(format!(
                "IRSA: service account {}/{} of EKS cluster {}",
                role.namespace, role.service_account, self.name
            ));
        if !role.managed.is_empty() {
            let arns: Vec<Value<String>> = role.managed.iter().map(|n| managed_policy(n)).collect();
            resource = resource.managed_policy_arns(arns);
        }
        if !role.policy.is_empty() {
            resource = resource.policies(vec![iam::GroupPolicy2::new(
                role.policy.clone(),
                "service-account",
            )]);
        }
        let local = role_name(&role.namespace, &role.service_account);
        out.emit(CfnResource::new(
            &p.stack,
            p.id(&local),
            Entry::new(resource),
        ));
        // The grants of the workload's connections: in the stack of what they grant on, so that
        // the policy names those resources by `Ref` and `Fn::GetAtt` there (and depends on the
        // role's stack, as those stacks' security groups already depend on the cluster's).
        let reference: ResourceRef<iam::Role> = p.reference(&local);
        let name = format!("{local}/Grants");
        for (stack, document) in role.grants.values() {
            let id = if **stack == *p.stack {
                p.id(&name)
            } else {
                girder_aws::logical_id::IdPrefix::new(cx.path.segments()).id(&name)
            };
            let policy = iam::Policy::new(document.clone(), "connections")
                .roles(vec![Value::from(reference.reference())]);
            out.emit(CfnResource::new(stack, id, Entry::new(policy)));
        }
    }
}

impl Construct for ClusterSpec {
    fn kind(&self) -> &'static str {
        "Cluster"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        let path = cx.path.as_str();
        if self.zones < 2 {
            diags.push(
                Diagnostic::error(
                    path,
                    format!(
                        "the network `{}` spans {} availability zone: EKS needs subnets in at least 2",
                        self.network_path, self.zones
                    ),
                )
                .hint("give the network `.availability_zones(2)` or more (3 for production)"),
            );
        }
        if self.node_groups.is_empty() {
            diags.push(
                Diagnostic::error(path, "the cluster has no node group").hint(
                    "add one, e.g. `.node_group(NodeGroup::new(\"general\").instance_types([\"m6i.large\"]))`",
                ),
            );
        }
        let mut names = BTreeSet::new();
        for group in &self.node_groups {
            if !names.insert(group.name.as_str()) {
                diags.push(
                    Diagnostic::error(path, format!("two node groups are named `{}`", group.name))
                        .hint("give each node group of a cluster its own name"),
                );
            }
            self.validate_node_group(group, path, diags);
        }
        if let EndpointAccess::PublicAndPrivate(cidrs) = &self.endpoint {
            if cidrs.is_empty() {
                diags.push(
                    Diagnostic::error(path, "a public endpoint with no allowed range")
                        .hint("list the ranges `kubectl` and CI connect from, e.g. `EndpointAccess::public_and_private([\"203.0.113.0/24\"])`, or keep `EndpointAccess::Private`"),
                );
            }
            let range = "write an IPv4 address and a prefix length, e.g. `203.0.113.0/24`";
            for cidr in cidrs {
                let cidr = match cidr {
                    Ok(cidr) => cidr,
                    Err(error) => {
                        diags.push(Diagnostic::error(path, error.to_string()).hint(range));
                        continue;
                    }
                };
                if !cidr.is_ipv4() {
                    diags.push(
                        Diagnostic::error(path, format!("`{cidr}` is not an IPv4 range"))
                            .cause("EKS takes IPv4 ranges for its public endpoint")
                            .hint(range),
                    );
                } else if cidr.is_any() {
                    diags.push(
                        Diagnostic::error(
                            path,
                            format!("`{cidr}` opens the API server to the whole internet"),
                        )
                        .hint("list the ranges `kubectl` and CI connect from, or keep `EndpointAccess::Private` and connect through the VPC"),
                    );
                }
            }
        }
        if !LOG_RETENTION_DAYS.contains(&self.log_retention_days) {
            diags.push(
                Diagnostic::error(
                    path,
                    format!("control-plane logs kept {} days", self.log_retention_days),
                )
                .hint("CloudWatch Logs keeps logs 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653 days"),
            );
        }
        let mut accounts = BTreeSet::new();
        for role in &self.roles {
            let (ns, sa) = (&role.namespace, &role.service_account);
            for (what, name) in [("namespace", ns), ("service account", sa)] {
                if !is_dns1123_label(name) {
                    diags.push(
                        Diagnostic::error(
                            path,
                            format!("service account role {ns}/{sa}: {what} `{name}` is not a DNS label"),
                        )
                        .hint("Kubernetes names are lowercase letters, digits and '-', at most 63 characters, e.g. `orders-api`"),
                    );
                }
            }
            if !accounts.insert((ns, sa)) {
                let hint = if ns == EBS_CSI_NAMESPACE && sa == EBS_CSI_SERVICE_ACCOUNT {
                    "the cluster gives the EBS CSI driver its role already"
                } else {
                    "ask for the role once and reuse the handle"
                };
                diags.push(
                    Diagnostic::error(
                        path,
                        format!("service account {ns}/{sa} is given two roles"),
                    )
                    .hint(hint),
                );
            }
        }
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        self.render_resources(cx, out);
        self.accepted.apply(&[], cx, out);
    }
}

impl ClusterSpec {
    /// Emits the construct's resources (`render` then writes what it accepts on them).
    fn render_resources(&self, cx: &Context<'_>, out: &mut Emitted) {
        let p = &self.placement;
        let name = self.name.as_str();
        let cluster: ResourceRef<eks::Cluster> = p.reference("Cluster");
        let key: ResourceRef<kms::Key> = p.reference("SecretsKey");
        let cluster_role: ResourceRef<iam::Role> = p.reference("ClusterRole");
        let node_role: ResourceRef<iam::Role> = p.reference("NodeRole");
        let oidc: ResourceRef<iam::OidcProvider> = p.reference("OidcProvider");
        let log_group: ResourceRef<logs::LogGroup> = p.reference("Logs");
        let subnets = || -> Vec<Value<String>> {
            self.private_subnets
                .iter()
                .cloned()
                .map(Value::from)
                .collect()
        };
        let log_group_name = format!("/aws/eks/{name}/cluster");

        // The key of the secrets and the logs: the account administers it through IAM; the
        // cluster role uses it through its own policy; CloudWatch Logs only for this log group.
        let key_policy = PolicyDocument::new([
            Statement::allow(["kms:*"])
                .sid("AccountAdministersThroughIam")
                .principal(Principal::Aws(
                    sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root").into(),
                ))
                .resource("*"),
            Statement::allow([
                "kms:Encrypt*",
                "kms:Decrypt*",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:Describe*",
            ])
            .sid("ControlPlaneLogs")
            .principal(Principal::Service(format!("logs.{}.amazonaws.com", self.region)))
            .resource("*")
            .condition(
                "ArnEquals",
                "kms:EncryptionContext:aws:logs:arn",
                Json::from(sub(format!(
                    "arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:{log_group_name}"
                )).expr()),
            ),
        ]);
        out.emit(CfnResource::new(
            &p.stack,
            p.id("SecretsKey"),
            Entry::new(
                kms::Key::new()
                    .description(format!(
                        "Secrets and control-plane logs of EKS cluster {name}"
                    ))
                    .enable_key_rotation(true)
                    .key_policy(key_policy),
            ),
        ));
        out.emit(CfnResource::new(
            &p.stack,
            p.id("SecretsKeyAlias"),
            Entry::new(kms::Alias::new(
                format!("alias/eks/{name}"),
                key.reference(),
            )),
        ));
        out.emit(CfnResource::new(
            &p.stack,
            p.id("Logs"),
            Entry::new(
                logs::LogGroup::new()
                    .log_group_name(log_group_name.as_str())
                    .retention_in_days(i64::from(self.log_retention_days))
                    .kms_key_id(key.arn()),
            ),
        ));

        let key_use = PolicyDocument::new([Statement::allow([
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:ListGrants",
            "kms:DescribeKey",
        ])
        .resource(key.arn())]);
        out.emit(CfnResource::new(
            &p.stack,
            p.id("ClusterRole"),
            Entry::new(
                iam::Role::new(service_trust("eks.amazonaws.com"))
                    .description(format!("Control plane of EKS cluster {name}"))
                    .managed_policy_arns(vec![managed_policy("AmazonEKSClusterPolicy")])
                    .policies(vec![iam::GroupPolicy2::new(key_use, "secrets-encryption")]),
            ),
        ));

        let mut vpc = eks::ResourcesVpcConfig::new(subnets()).endpoint_private_access(true);
        vpc = match &self.endpoint {
            EndpointAccess::Private => vpc.endpoint_public_access(false),
            EndpointAccess::PublicAndPrivate(cidrs) => {
                vpc.endpoint_public_access(true).public_access_cidrs(
                    // Malformed ranges were reported by `validate`: nothing is written then.
                    cidrs
                        .iter()
                        .flatten()
                        .map(|cidr| Value::from(cidr.to_string()))
                        .collect::<Vec<_>>(),
                )
            }
        };
        let log_types = [
            eks::LoggingTypeConfigType::Api,
            eks::LoggingTypeConfigType::Audit,
            eks::LoggingTypeConfigType::Authenticator,
            eks::LoggingTypeConfigType::ControllerManager,
            eks::LoggingTypeConfigType::Scheduler,
        ]
        .into_iter()
        .map(|t| eks::LoggingTypeConfig::new().type_(t))
        .collect::<Vec<_>>();
        out.emit(CfnResource::new(
            &p.stack,
            p.id("Cluster"),
            Entry::new(
                eks::Cluster::new(vpc, cluster_role.arn())
                    .name(name)
                    .version(self.version.as_str())
                    .encryption_config(vec![
                        eks::EncryptionConfig::new()
                            .provider(eks::Provider::new().key_arn(key.arn()))
                            .resources(vec![Value::from("secrets")]),
                    ])
                    .logging(
                        eks::Logging::new()
                            .cluster_logging(eks::ClusterLogging::new().enabled_types(log_types)),
                    )
                    .access_config(
                        eks::AccessConfig::new()
                            .authentication_mode(eks::AuthenticationMode::Api)
                            .bootstrap_cluster_creator_admin_permissions(true),
                    )
                    .deletion_protection(self.deletion_protection),
            )
            // EKS writes to the log group if it exists, and creates an unencrypted one if not.
            .depends_on(&log_group),
        ));

        out.emit(CfnResource::new(
            &p.stack,
            p.id("OidcProvider"),
            Entry::new(
                iam::OidcProvider::new()
                    .url(cluster.open_id_connect_issuer_url())
                    .client_id_list(vec![Value::from(STS_AUDIENCE)]),
            ),
        ));

        out.emit(CfnResource::new(
            &p.stack,
            p.id("NodeRole"),
            Entry::new(
                iam::Role::new(service_trust("ec2.amazonaws.com"))
                    .description(format!("Nodes of EKS cluster {name}"))
                    .managed_policy_arns(
                        [
                            "AmazonEKSWorkerNodePolicy",
                            "AmazonEKS_CNI_Policy",
                            "AmazonEC2ContainerRegistryReadOnly",
                            "AmazonSSMManagedInstanceCore",
                        ]
                        .map(managed_policy)
                        .to_vec(),
                    ),
            ),
        ));

        // A duplicate node group or role is reported by `validate`; only the first is rendered.
        let mut seen = BTreeSet::new();
        let mut node_groups = Vec::new();
        for group in &self.node_groups {
            if !seen.insert(group.name.as_str()) {
                continue;
            }
            let local = format!("{}/NodeGroup", group.name);
            node_groups.push(p.reference::<eks::Nodegroup>(&local));
            let template_id = p.id(&format!("{}/LaunchTemplate", group.name));
            let template: ResourceRef<ec2::LaunchTemplate> =
                p.reference(&format!("{}/LaunchTemplate", group.name));
            out.emit(CfnResource::new(
                &p.stack,
                template_id,
                Entry::new(ec2::LaunchTemplate::new(
                    ec2::LaunchTemplateData::new()
                        .metadata_options(
                            ec2::MetadataOptions::new()
                                .http_endpoint(ec2::HttpEndpoint::Enabled)
                                .http_tokens(ec2::HttpTokens::Required)
                                .http_put_response_hop_limit(1),
                        )
                        .block_device_mappings(vec![
                            ec2::LaunchTemplateBlockDeviceMapping::new()
                                .device_name("/dev/xvda")
                                .ebs(
                                    ec2::LaunchTemplateEbs::new()
                                        .volume_type(ec2::VolumeType::Gp3)
                                        .volume_size(i64::from(group.disk_gib))
                                        .encrypted(true)
                                        .delete_on_termination(true),
                                ),
                        ]),
                )),
            ));
            let ami = match group.instance_types.first().and_then(|t| instance_arch(t)) {
                Some(Arch::Arm64) => eks::AmiType::Al2023Arm64Standard,
                _ => eks::AmiType::Al2023X86_64Standard,
            };
            let mut resource = eks::Nodegroup::new(cluster.reference(), node_role.arn(), subnets())
                .ami_type(ami)
                .capacity_type(if group.spot {
                    eks::CapacityType::Spot
                } else {
                    eks::CapacityType::OnDemand
                })
                .version(self.version.as_str())
                .instance_types(
                    group
                        .instance_types
                        .iter()
                        .map(Value::from)
                        .collect::<Vec<_>>(),
                )
                .scaling_config(
                    eks::ScalingConfig::new()
                        .min_size(group.min)
                        .max_size(group.max)
                        .desired_size(group.desired_size()),
                )
                .update_config(eks::UpdateConfig::new().max_unavailable(1.0))
                .node_repair_config(eks::NodeRepairConfig::new().enabled(true))
                .launch_template(
                    eks::LaunchTemplateSpecification::new()
                        .id(template.reference())
                        .version(template.latest_version_number()),
                );
            if !group.labels.is_empty() {
                resource = resource.labels(
                    group
                        .labels
                        .iter()
                        .map(|(k, v)| (k.clone(), Value::from(v)))
                        .collect::<BTreeMap<_, _>>(),
                );
            }
            if !group.taints.is_empty() {
                resource = resource.taints(
                    group
                        .taints
                        .iter()
                        .map(|(key, value, effect)| {
                            let taint = eks::Taint::new().key(key).effect(effect.to_cfn());
                            if value.is_empty() {
                                taint
                            } else {
                                taint.value(value)
                            }
                        })
                        .collect::<Vec<_>>(),
                );
            }
            out.emit(CfnResource::new(
                &p.stack,
                p.id(&local),
                Entry::new(resource),
            ));
        }

        let ebs_role: ResourceRef<iam::Role> =
            p.reference(&role_name(EBS_CSI_NAMESPACE, EBS_CSI_SERVICE_ACCOUNT));
        // Daemon sets first; CoreDNS and the EBS CSI controller are deployments that need nodes.
        for (addon, needs_nodes) in [
            ("vpc-cni", false),
            ("kube-proxy", false),
            ("eks-pod-identity-agent", false),
            ("coredns", true),
            ("aws-ebs-csi-driver", true),
        ] {
            let mut resource = eks::Addon::new(addon, cluster.reference())
                .resolve_conflicts(eks::ResolveConflicts::Overwrite);
            if addon == "aws-ebs-csi-driver" {
                resource = resource.service_account_role_arn(ebs_role.arn());
            }
            let mut entry = Entry::new(resource);
            if needs_nodes {
                for group in &node_groups {
                    entry = entry.depends_on(group);
                }
            }
            out.emit(CfnResource::new(
                &p.stack,
                p.id(&format!("{addon}/Addon")),
                entry,
            ));
        }

        let mut seen = BTreeSet::new();
        for role in &self.roles {
            if seen.insert((&role.namespace, &role.service_account)) {
                self.render_role(cx, role, &cluster, &oidc, out);
            }
        }
        self.render_external_secrets_reads(cx, out);
        self.render_keda_reads(cx, out);
        // The stores through which `connect` copies AWS credentials and addresses into
        // namespaces (see `aws::bridge`): each only when something syncs from it, so that a
        // cluster that syncs nothing needs no External Secrets.
        let labels = Labels::new(cx, name, "cluster");
        let syncs = |f: fn(&super::bridge::Read) -> bool| {
            self.reads.as_ref().is_some_and(|reads| reads.any(f))
        };
        let stores = [
            (
                super::bridge::SECRETS_MANAGER_STORE,
                AwsService::SecretsManager,
                syncs(|r| matches!(r, super::bridge::Read::Secret { .. })),
            ),
            (
                super::bridge::PARAMETER_STORE,
                AwsService::ParameterStore,
                syncs(|r| matches!(r, super::bridge::Read::Parameter { .. })),
            ),
        ];
        for (store, service, _) in stores.into_iter().filter(|(_, _, used)| *used) {
            out.emit(Manifest::new(ClusterSecretStore {
                metadata: ObjectMeta {
                    name: Some(store.to_owned()),
                    labels: Some(labels.all()),
                    ..Default::default()
                },
                spec: SecretStoreSpec {
                    provider: SecretStoreProvider::Aws(AwsProvider {
                        service,
                        region: self.region.clone(),
                        role: None,
                        auth: Some(AwsAuth::Jwt(AwsJwtAuth {
                            service_account_ref: ServiceAccountSelector {
                                name: EXTERNAL_SECRETS.1.to_owned(),
                                namespace: Some(EXTERNAL_SECRETS.0.to_owned()),
                                audiences: Vec::new(),
                            },
                        })),
                    }),
                    ..Default::default()
                },
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_types_have_an_architecture() {
        for (t, arch) in [
            ("m6i.large", Some(Arch::X86_64)),
            ("g5.xlarge", Some(Arch::X86_64)),
            ("g4ad.xlarge", Some(Arch::X86_64)),
            ("u-6tb1.metal", Some(Arch::X86_64)),
            ("m7g.large", Some(Arch::Arm64)),
            ("c6gn.2xlarge", Some(Arch::Arm64)),
            ("g5g.xlarge", Some(Arch::Arm64)),
            ("a1.medium", Some(Arch::Arm64)),
            ("m6ilarge", None),
            ("m.large", None),
            ("M6i.large", None),
            ("m6i.", None),
            ("m6i.large.x", None),
        ] {
            assert_eq!(instance_arch(t), arch, "{t}");
        }
    }

    #[test]
    fn label_keys_and_values() {
        assert_eq!(check_key("workload"), None);
        assert_eq!(check_key("acme.com/team"), None);
        assert_eq!(check_key("node.kubernetes.io/role_x.1"), None);
        assert!(check_key("Acme.com/team").is_some());
        assert!(check_key("acme.com/").is_some());
        assert!(check_key("a/b/c").is_some());
        assert!(check_key(&"k".repeat(64)).is_some());
        assert_eq!(check_value(""), None);
        assert_eq!(check_value("CPU-heavy_1.0"), None);
        assert!(check_value("-x").is_some());
        assert!(check_value("a b").is_some());
    }
}

super::accept_methods!(Cluster);
