//! How pods reach AWS data stores through `connect`: the one wiring edge that spans both
//! targets.
//!
//! When a Kubernetes workload connects to an AWS server (an RDS database, an ElastiCache
//! group), the edge produces:
//! * on AWS: an ingress rule in the server's security group from the EKS cluster's security
//!   group (the cluster publishes it on its environment: [`ClusterAccess`]), and an SSM
//!   parameter holding the server's address;
//! * on Kubernetes, in the client's namespace: `ExternalSecret`s that copy the address (from SSM
//!   Parameter Store) and the credentials (from Secrets Manager) into Secrets, through the
//!   cluster's `ClusterSecretStore`s; and an egress rule in the client's NetworkPolicy to the
//!   network's private subnets on the server's port;
//! * for the client: Secret keys of its own namespace (typed: usable only there) for the
//!   address and credentials. No value ever appears in the output.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::sync::Arc;

use girder_aws::policy::{PolicyDocument, Statement};
use girder_aws::{CfnResource, Entry, Expr, Json, StackAddress, Value};
use girder_aws::{ResourceRef, iam, kms, secretsmanager, ssm};
use girder_core::{App, Context, Diagnostic, Diagnostics, NodeId};
use girder_k8s::Manifest;
use girder_k8s::crd::external_secrets::{
    CreationPolicy, ExternalSecret, ExternalSecretData, ExternalSecretSpec, ExternalSecretTarget,
    RemoteRef, SecretStoreKind, SecretStoreRef,
};
use girder_k8s::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use girder_k8s::labels::Labels;

use super::Placement;

/// The name of the `ClusterSecretStore` reading Secrets Manager.
pub const SECRETS_MANAGER_STORE: &str = "aws-secrets-manager";
/// The name of the `ClusterSecretStore` reading SSM Parameter Store.
pub const PARAMETER_STORE: &str = "aws-parameter-store";

/// What an EKS cluster publishes on its environment so that AWS servers admit its pods.
#[derive(Debug, Clone)]
pub struct ClusterAccess {
    /// The cluster security group, which the nodes and pods use.
    pub security_group_id: Expr<String>,
    /// Where the workloads' own IAM roles go.
    pub(crate) roles: super::cluster::WorkloadRoles,
}

/// The environment node of a construct in a stack (`<env>/aws/<stack>/<id>`).
pub(crate) fn environment_of(app: &App, stack_node: NodeId) -> Option<NodeId> {
    let aws = app.parent(stack_node)?;
    app.parent(aws)
}

/// The SSM parameter a server publishes its address under.
pub(crate) fn host_parameter(app: &str, env: &str, unique: &str) -> String {
    published_parameter(app, env, unique, "host")
}

/// The SSM parameter a server publishes `what` (its address, URL or name) under.
pub(crate) fn published_parameter(app: &str, env: &str, unique: &str, what: &str) -> String {
    ["/girder/", app, "/", env, "/", unique, "/", what].concat()
}

/// What External Secrets reads from AWS, in the stack that holds it: a Secrets Manager secret
/// (its ARN, and the customer-managed KMS key that encrypts it, if any) or an SSM parameter (by
/// name; Girder's parameters are `String`s, which need no key).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Read {
    /// `secretsmanager:GetSecretValue` and `DescribeSecret` on `arn`; `kms:Decrypt` on `key`.
    Secret {
        arn: Value<String>,
        key: Option<Value<String>>,
    },
    /// `ssm:GetParameter(s)` on the parameter `name` (which starts with `/`).
    Parameter { name: String },
}

/// The reads of one stack: rendered as one `AWS::IAM::Policy` of the External Secrets role in
/// that stack, so that the policy refers to the secrets with `Ref` (their ARNs end in a random
/// suffix) and the stack depends on the cluster's, as the servers' security groups already do.
#[derive(Debug)]
pub(crate) struct StackReads {
    /// The stack, or `None` for secrets created outside the program (named by a full ARN):
    /// their policy goes to the cluster's stack.
    pub(crate) stack: Option<Arc<StackAddress>>,
    pub(crate) reads: Vec<Read>,
}

/// Everything External Secrets syncs into an environment's namespaces, filled in as the program
/// declares it (a `connect` from a pod to an AWS server, a typed secret synced with
/// `from_aws_secret`) and read when the cluster renders: a read declared anywhere in the
/// program, before or after the cluster, is granted, and nothing else is.
#[derive(Debug, Clone, Default)]
pub(crate) struct ExternalSecretsReads(Rc<RefCell<BTreeMap<String, StackReads>>>);

impl ExternalSecretsReads {
    /// The registry of the environment `env`, created on first use.
    pub(crate) fn of(app: &App, env: NodeId) -> Self {
        app.attachment_or_default::<ExternalSecretsReads>(env)
    }

    /// Records `read` of `stack` (`None`: outside the program), once.
    pub(crate) fn add(&self, stack: Option<&Arc<StackAddress>>, read: Read) {
        let mut groups = self.0.borrow_mut();
        let group = groups
            .entry(stack.map_or_else(String::new, |s| s.name().to_owned()))
            .or_insert_with(|| StackReads {
                stack: stack.cloned(),
                reads: Vec::new(),
            });
        if !group.reads.contains(&read) {
            group.reads.push(read);
        }
    }

    /// Whether any read of any stack satisfies `f`.
    pub(crate) fn any(&self, f: impl Fn(&Read) -> bool) -> bool {
        self.0
            .borrow()
            .values()
            .any(|group| group.reads.iter().any(&f))
    }

    /// Calls `f` with each stack's reads, in the order of the stacks' names (secrets from
    /// outside the program first).
    pub(crate) fn for_each(&self, mut f: impl FnMut(&StackReads)) {
        for group in self.0.borrow().values() {
            f(group);
        }
    }
}

/// Records, for the environment of the AWS construct at `node` (in a stack), that External
/// Secrets reads `reads` of that construct's stack.
pub(crate) fn external_secrets_read(
    app: &App,
    node: NodeId,
    stack: &Arc<StackAddress>,
    reads: impl IntoIterator<Item = Read>,
) {
    let Some(env) = app.parent(node).and_then(|s| environment_of(app, s)) else {
        return;
    };
    let registry = ExternalSecretsReads::of(app, env);
    for read in reads {
        registry.add(Some(stack), read);
    }
}

/// The Secret of credentials External Secrets keeps in namespace `N` of environment `env` for the managed
/// server at `server` (outside the cluster, at the address ranges `ranges`), declared so that
/// synth lets only pods whose NetworkPolicies reach those ranges read it: the clients that
/// connected, never a neighbour that borrowed the keys.
pub(crate) fn credentials_secret<C, N: girder_k8s::NamespaceName>(
    app: &App,
    node: NodeId,
    env: &str,
    ranges: &[girder_core::cidr::Cidr],
) -> crate::secret::KeyedObject<C, N> {
    let name = format!("{}-credentials", app.id(node));
    girder_k8s::rules::refs::Declarations::credentials(
        app,
        girder_k8s::rules::refs::Credentials {
            env: env.to_owned(),
            namespace: N::NAME.to_owned(),
            secret: name.clone(),
            server: app.path(node).to_string(),
            selector: BTreeMap::new(),
            ranges: ranges.to_vec(),
        },
    );
    crate::secret::KeyedObject::from_parts(&name, crate::secret::KeySource::Secret)
}

/// Records that External Secrets reads what a client of the AWS data store at `node` is given:
/// its credentials `secret` (encrypted with `key`) and the parameter `host_parameter` that
/// holds its address.
pub(crate) fn external_secrets_read_store(
    app: &App,
    node: NodeId,
    secret: &ResourceRef<secretsmanager::Secret>,
    key: &ResourceRef<kms::Key>,
    host_parameter: String,
) {
    external_secrets_read(
        app,
        node,
        secret.target().stack_arc(),
        [
            Read::Secret {
                arn: secret.reference().into(),
                key: Some(key.arn().into()),
            },
            Read::Parameter {
                name: host_parameter,
            },
        ],
    );
}

/// The policy that lets External Secrets read `reads`, and nothing else: the secrets' and
/// parameters' own ARNs, and `kms:Decrypt` on their keys only through Secrets Manager in
/// `region` and only for those secrets (the encryption context Secrets Manager passes names
/// the secret). `None` when there is nothing to read.
pub(crate) fn external_secrets_policy(reads: &[Read], region: &str) -> Option<PolicyDocument> {
    let mut secrets: Vec<Value<String>> = Vec::new();
    let mut keys: Vec<Value<String>> = Vec::new();
    let mut parameters: Vec<Value<String>> = Vec::new();
    for read in reads {
        match read {
            Read::Secret { arn, key } => {
                secrets.push(arn.clone());
                if let Some(key) = key
                    && !keys.contains(key)
                {
                    keys.push(key.clone());
                }
            }
            Read::Parameter { name } => parameters.push(
                girder_aws::fns::sub(format!(
                    "arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter{name}"
                ))
                .into(),
            ),
        }
    }
    let mut statements = Vec::new();
    if !secrets.is_empty() {
        let mut read = Statement::allow([
            "secretsmanager:GetSecretValue",
            "secretsmanager:DescribeSecret",
        ])
        .sid("ReadSecrets");
        for arn in &secrets {
            read = read.resource(arn.clone());
        }
        statements.push(read);
    }
    if !keys.is_empty() {
        let mut decrypt = Statement::allow(["kms:Decrypt"]).sid("DecryptTheSecrets");
        for key in keys {
            decrypt = decrypt.resource(key);
        }
        statements.push(
            decrypt
                .condition(
                    "StringEquals",
                    "kms:ViaService",
                    format!("secretsmanager.{region}.amazonaws.com"),
                )
                .condition(
                    "StringEquals",
                    "kms:EncryptionContext:SecretARN",
                    Json::Array(secrets.into_iter().map(Json::from).collect()),
                ),
        );
    }
    if !parameters.is_empty() {
        let mut read =
            Statement::allow(["ssm:GetParameter", "ssm:GetParameters"]).sid("ReadParameters");
        for arn in parameters {
            read = read.resource(arn);
        }
        statements.push(read);
    }
    (!statements.is_empty()).then(|| PolicyDocument::new(statements))
}

/// The `AWS::IAM::Policy` of `group` for the role `role` (a `Ref` to its name).
pub(crate) fn external_secrets_policy_resource(
    group: &StackReads,
    region: &str,
    role: Expr<String>,
) -> Option<iam::Policy> {
    external_secrets_policy(&group.reads, region).map(|document| {
        iam::Policy::new(document, "external-secrets-reads").roles(vec![Value::from(role)])
    })
}

/// Grants permissions to a principal: an IRSA role of the cluster, or an IAM role.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an IAM principal that can be granted permissions",
    note = "a workload is granted what it connects to: `web.connect(&bucket).read()`",
    note = "grant to a role shared deliberately: `cluster.service_account_role(namespace, service_account, policy)`"
)]
pub trait Grantee {
    /// Adds `statement` to the principal's policy.
    fn grant(&self, statement: girder_aws::policy::Statement);
}

/// A Secrets Manager secret's name and the keys to copy: (Kubernetes key, JSON property, or
/// `None` for a plain-text secret).
pub(crate) type Credentials<'a> = (&'a str, &'a [(&'a str, Option<&'a str>)]);

/// The Kubernetes clients of an AWS server: the namespaces to copy its connection into, and
/// whether a cluster was there to admit them.
#[derive(Debug, Default)]
pub(crate) struct KubernetesClients {
    pub(crate) namespaces: BTreeSet<&'static str>,
    /// A client path that connected while no EKS cluster was declared in its environment.
    pub(crate) without_cluster: Option<String>,
    pub(crate) cluster_group: Option<Expr<String>>,
}

impl KubernetesClients {
    /// Records a client of `namespace`; `access` is its environment's cluster, if any. Returns
    /// the cluster's security group the first time one is seen: the server admits it then.
    pub(crate) fn admit(
        &mut self,
        namespace: &'static str,
        path: &str,
        access: Option<ClusterAccess>,
    ) -> Option<Expr<String>> {
        self.namespaces.insert(namespace);
        match access {
            Some(a) => {
                let first = self.cluster_group.is_none();
                self.cluster_group = Some(a.security_group_id.clone());
                first.then_some(a.security_group_id)
            }
            None => {
                self.without_cluster = Some(path.to_owned());
                None
            }
        }
    }

    pub(crate) fn validate(&self, path: &str, diags: &mut Diagnostics) {
        if let Some(client) = &self.without_cluster {
            diags.push(
                Diagnostic::error(path, format!("`{client}` connects from Kubernetes, and this environment has no EKS cluster"))
                    .hint("declare the environment's `Cluster`: its security group is what the database admits, and its secret stores carry the credentials"),
            );
        }
    }

    /// The SSM parameter and, per client namespace, the ExternalSecrets of the server at `cx`
    /// (a `component` such as `postgres`), named after its id. Without clients, nothing: the
    /// labels and the published value are only computed when there is one.
    pub(crate) fn render(
        &self,
        cx: &Context<'_>,
        component: &'static str,
        placement: &Placement,
        published: (&str, &str, impl FnOnce() -> Expr<String>),
        credentials: Option<Credentials<'_>>,
        out: &mut girder_core::Emitted,
    ) {
        if self.namespaces.is_empty() {
            return;
        }
        let name = cx.path.segments().last().unwrap_or_default();
        let labels = Labels::new(cx, name, component);
        let (key, parameter, value) = published;
        let value = value();
        let mut id: String = key[..1].to_ascii_uppercase();
        id.push_str(&key[1..]);
        out.emit(CfnResource::new(
            &placement.stack,
            placement.id(&format!("{id}Parameter")),
            Entry::new(
                ssm::Parameter::new(ssm::Type::String, value)
                    .name(parameter)
                    .description(format!(
                        "The {key} Kubernetes clients use (read by External Secrets)"
                    )),
            ),
        ));
        for namespace in &self.namespaces {
            let meta = |object: String| ObjectMeta {
                name: Some(object),
                namespace: Some((*namespace).to_owned()),
                labels: Some(labels.all()),
                ..Default::default()
            };
            let store = |store: &str| SecretStoreRef {
                name: store.to_owned(),
                kind: Some(SecretStoreKind::ClusterSecretStore),
            };
            let endpoint = format!("{name}-endpoint");
            out.emit(Manifest::new(ExternalSecret {
                metadata: meta(endpoint.clone()),
                spec: ExternalSecretSpec {
                    secret_store_ref: Some(store(PARAMETER_STORE)),
                    target: Some(ExternalSecretTarget {
                        name: Some(endpoint.clone()),
                        creation_policy: Some(CreationPolicy::Owner),
                        ..Default::default()
                    }),
                    refresh_interval: Some("1h".into()),
                    data: vec![ExternalSecretData {
                        secret_key: key.into(),
                        remote_ref: RemoteRef {
                            key: parameter.to_owned(),
                            ..Default::default()
                        },
                    }],
                    ..Default::default()
                },
            }));
            if let Some((secret, keys)) = credentials {
                let object = format!("{name}-credentials");
                out.emit(Manifest::new(ExternalSecret {
                    metadata: meta(object.clone()),
                    spec: ExternalSecretSpec {
                        secret_store_ref: Some(store(SECRETS_MANAGER_STORE)),
                        target: Some(ExternalSecretTarget {
                            name: Some(object),
                            creation_policy: Some(CreationPolicy::Owner),
                            ..Default::default()
                        }),
                        refresh_interval: Some("1h".into()),
                        data: keys
                            .iter()
                            .map(|(key, property)| ExternalSecretData {
                                secret_key: (*key).to_owned(),
                                remote_ref: RemoteRef {
                                    key: secret.to_owned(),
                                    property: property.map(str::to_owned),
                                    ..Default::default()
                                },
                            })
                            .collect(),
                        ..Default::default()
                    },
                }));
            }
        }
    }
}

/// What an AWS API service (SQS, S3) needs to be a [`crate::wiring::Server`] for pods: clients
/// reach AWS's public HTTPS endpoint (egress on 443), and one value (a queue's URL, a bucket's
/// name) is published for them through SSM and External Secrets.
#[derive(Debug, Default)]
pub(crate) struct ApiService {
    pub(crate) clients: KubernetesClients,
}

impl ApiService {
    /// The SSM parameter and ExternalSecrets that publish `value` as `key` (`url`, `name`) for
    /// the Kubernetes clients of the construct at `cx`, created directly in its stack; nothing
    /// without clients.
    pub(crate) fn render(
        &self,
        cx: &Context<'_>,
        component: &'static str,
        placement: &Placement,
        (key, value): (&'static str, impl FnOnce() -> Expr<String>),
        out: &mut girder_core::Emitted,
    ) {
        if self.clients.namespaces.is_empty() {
            return;
        }
        let id = cx.path.segments().last().unwrap_or_default();
        let unique = [placement.stack.name(), "/", id].concat();
        let parameter = published_parameter(cx.app, cx.env, &unique, key);
        self.clients.render(
            cx,
            component,
            placement,
            (key, &parameter, value),
            None,
            out,
        );
    }
}

/// The endpoint of an AWS API service for pods: AWS's public addresses on HTTPS.
pub(crate) fn api_endpoint(node: NodeId, path: String) -> crate::wiring::Endpoint {
    crate::wiring::Endpoint {
        node,
        path,
        namespace: "",
        selector: Default::default(),
        host: String::new(),
        port: crate::workload::Port::tcp("https", 443),
        scheme: Some("https"),
        // AWS's service endpoints have no fixed range; with VPC interface endpoints this would
        // be the VPC's range.
        cidrs: vec![girder_core::cidr::Cidr::ANY_V4],
    }
}

/// The EKS cluster of the environment of the AWS construct at `node` (in a stack), if any.
pub(crate) fn cluster_access(app: &App, node: NodeId) -> Option<ClusterAccess> {
    app.parent(node)
        .and_then(|stack| environment_of(app, stack))
        .and_then(|env| app.attachment::<ClusterAccess>(env))
}

/// Makes an AWS API construct (its model has an `api: ApiService` field) a server for pods:
/// clients reach AWS's endpoint on 443 and get the published `$key` (a URL, a name).
macro_rules! api_server {
    ($ty:ident, $key:literal) => {
        impl<E: girder_core::EnvironmentName> $crate::wiring::Server for $ty<E> {
            type Connection<C, M> = $crate::aws::AwsAccess<C, M, $ty<E>>;

            fn endpoint(&self) -> $crate::wiring::Endpoint {
                $crate::aws::bridge::api_endpoint(
                    self.handle.node(),
                    self.handle.path().to_string(),
                )
            }

            fn admit(&self, client: $crate::wiring::Client) {
                let app = self.handle.app();
                let access = $crate::aws::bridge::cluster_access(app, self.handle.node());
                let stack = self.resource.target().stack_arc();
                let unique = [stack.name(), "/", &app.id(self.handle.node())].concat();
                $crate::aws::bridge::external_secrets_read(
                    app,
                    self.handle.node(),
                    stack,
                    [$crate::aws::bridge::Read::Parameter {
                        name: $crate::aws::bridge::published_parameter(
                            app.name(),
                            E::NAME,
                            &unique,
                            $key,
                        ),
                    }],
                );
                self.handle.update(|spec| {
                    spec.api
                        .clients
                        .admit(client.namespace, &client.path, access);
                });
            }

            fn connection<C, M: girder_k8s::NamespaceName>(
                &self,
                connection: $crate::wiring::Connection<C>,
            ) -> $crate::aws::AwsAccess<C, M, $ty<E>> {
                let name = self.handle.app().id(self.handle.node());
                $crate::aws::AwsAccess::new($crate::aws::bridge::Published {
                    connection,
                    server: self.clone(),
                    object: $crate::secret::KeyedObject::from_parts(
                        &format!("{name}-endpoint"),
                        $crate::secret::KeySource::Secret,
                    ),
                    key: $key,
                })
            }
        }

        impl<E: girder_core::EnvironmentName, N: $crate::aws::OnEksCluster>
            $crate::wiring::Reachable<N> for $ty<E>
        {
        }

        impl<E: girder_core::EnvironmentName> $crate::aws::ApiConstruct for $ty<E> {
            fn placed(
                &self,
            ) -> (
                &girder_core::App,
                girder_core::NodeId,
                &std::sync::Arc<girder_aws::StackAddress>,
            ) {
                (
                    self.handle.app(),
                    self.handle.node(),
                    self.resource.target().stack_arc(),
                )
            }
        }
    };
}

pub(crate) use api_server;

/// One value of an AWS construct `S` (a [`crate::Queue`], a [`crate::Bucket`]), as a key of a
/// Secret External Secrets keeps in the client's namespace (`<construct>-endpoint`): what a
/// connection gives once its access is chosen ([`AwsAccess`](super::AwsAccess)).
pub struct Published<E, N, S> {
    pub(crate) connection: crate::wiring::Connection<E>,
    /// The construct connected to.
    pub(crate) server: S,
    pub(crate) object: crate::secret::KeyedObject<E, N>,
    pub(crate) key: &'static str,
}

impl<E, N, S> Published<E, N, S> {
    /// The value, for an environment variable.
    pub fn value(&self) -> crate::secret::Key<E, N> {
        self.connection.mark_used();
        self.object.key(self.key)
    }

    /// Keeps the connection although no environment variable carries the value.
    pub fn keep(self) {
        self.connection.keep();
    }
}
