//! What a workload may do with the AWS API construct it connects to: one edge gives it
//! everything that implies.
//!
//! `web.connect(&bucket)` returns an [`AwsAccess`], which says nothing until the access is
//! chosen: `.read()`, `.write()` or `.read_write()` on a [`Bucket`], `.consume()` or `.send()`
//! on a [`Queue`], `.read()` on an [`AwsSecret`]. The choice produces:
//! * the workload's own IAM role (IRSA), created with its first such connection and trusted by
//!   its service account alone, in the cluster's stack; later connections add to it;
//! * the grant, least privilege: the actions of that access on that resource's ARN (and on its
//!   KMS key, only through the service and only for it), in an `AWS::IAM::Policy` of the
//!   resource's stack;
//! * the service account's `eks.amazonaws.com/role-arn` annotation;
//! * the egress to AWS's endpoint on 443 and the typed address ([`Published::value`]).
//!
//! Only the chosen access gives the address, so a connection whose access is never chosen
//! gives none; dropping one is reported at synth.
//!
//! ```
//! use girder_aws::AwsExt;
//! use girder_constructs::aws::{Cluster, Network, NodeGroup};
//! use girder_constructs::{Bucket, Queue, WebService};
//!
//! girder_core::environment!(pub Prod = "prod");
//! girder_k8s::namespace!(pub Shop = "shop");
//! let app = girder_core::App::new("shop");
//! let aws = app.environment(Prod).aws("123456789012", "eu-west-1");
//! let base = aws.stack("base");
//! let net = Network::new(&base, "net").availability_zones(2).build();
//! let eks = Cluster::new(&base, "eks")
//!     .network(&net)
//!     .node_group(NodeGroup::new("general").instance_types(["m6i.large"]).scaling(2..=4))
//!     .build();
//! let data = aws.stack("data");
//! let uploads = Bucket::new(&data, "uploads").build();
//! let jobs = Queue::new(&data, "jobs").build();
//! let shop = eks.kubernetes().namespace(Shop);
//! let web = WebService::new(&shop, "web").image("ghcr.io/acme/web:1.0.0").port(8080).build();
//! web.env("UPLOADS_BUCKET", web.connect(&uploads).read().value())
//!     .env("JOBS_QUEUE_URL", web.connect(&jobs).send().value());
//! ```
//!
//! The access must be chosen before the address can be had:
//!
//! ```compile_fail
//! # use girder_aws::AwsExt;
//! # use girder_constructs::aws::{Cluster, Network, NodeGroup};
//! # use girder_constructs::{Bucket, WebService};
//! # girder_core::environment!(pub Prod = "prod");
//! # girder_k8s::namespace!(pub Shop = "shop");
//! # let app = girder_core::App::new("shop");
//! # let aws = app.environment(Prod).aws("123456789012", "eu-west-1");
//! # let base = aws.stack("base");
//! # let net = Network::new(&base, "net").availability_zones(2).build();
//! # let eks = Cluster::new(&base, "eks").network(&net)
//! #     .node_group(NodeGroup::new("general").instance_types(["m6i.large"]).scaling(2..=4)).build();
//! # let uploads = Bucket::new(&base, "uploads").build();
//! # let shop = eks.kubernetes().namespace(Shop);
//! # let web = WebService::new(&shop, "web").image("ghcr.io/acme/web:1.0.0").port(8080).build();
//! web.env("UPLOADS_BUCKET", web.connect(&uploads).value());
//! ```

use std::fmt;
use std::rc::Rc;
use std::sync::Arc;

use girder_aws::policy::Statement;
use girder_aws::{Expr, Json, StackAddress};
use girder_core::{App, Diagnostic, EnvironmentName, NodeId};

use super::bridge::{Published, cluster_access};
use super::eks::OnEksCluster;
use super::{AwsSecret, Bucket, Queue};

/// The IAM role a workload's pods run as: its ARN, and the namespace and service account its
/// trust policy names.
pub(crate) type RoleBinding = (String, String, String);

/// The workload at the client end of a connection, as the AWS side needs it: its service
/// account's name, and how to run its pods as a role.
#[derive(Clone)]
pub(crate) struct WorkloadIdentity {
    pub(crate) service_account: String,
    pub(crate) bind: Rc<dyn Fn(RoleBinding)>,
}

impl fmt::Debug for WorkloadIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WorkloadIdentity({})", self.service_account)
    }
}

/// An AWS construct clients reach through AWS's API (S3, SQS, Secrets Manager).
pub(crate) trait ApiConstruct {
    /// The app, the construct's node and its stack.
    fn placed(&self) -> (&App, NodeId, &Arc<StackAddress>);
}

/// A workload's connection to an AWS API construct `S` (a [`Bucket`], a [`Queue`], an
/// [`AwsSecret`]) whose access is not chosen yet: choose it to get the address, the IAM role and
/// the grant (see the module `girder_constructs::aws::access`). Dropping it unchosen is reported
/// at synth.
#[must_use = "choose the access, e.g. `.read()`: it grants the workload's role and gives the address"]
pub struct AwsAccess<E, N, S> {
    published: Option<Published<E, N, S>>,
}

impl<E, N, S> AwsAccess<E, N, S> {
    pub(crate) fn new(published: Published<E, N, S>) -> Self {
        AwsAccess {
            published: Some(published),
        }
    }
}

impl<E, N, S> fmt::Debug for AwsAccess<E, N, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.published {
            Some(p) => write!(f, "AwsAccess({:?})", p.connection),
            None => f.write_str("AwsAccess(chosen)"),
        }
    }
}

impl<E, N, S> Drop for AwsAccess<E, N, S> {
    fn drop(&mut self) {
        let Some(published) = self.published.take() else {
            return;
        };
        // The connection is reported here, with what to do; not again as an unused address.
        published.connection.mark_used();
        let endpoint = published.connection.endpoint();
        let client = published
            .connection
            .client_path()
            .unwrap_or("a workload")
            .to_owned();
        if let Some(app) = published.connection.app() {
            app.report(
                Diagnostic::error(
                    client.as_str(),
                    format!("the connection to `{}` chooses no access", endpoint.path),
                )
                .cause("a connection to an AWS resource grants the workload's IAM role what it may do there, and gives the address only then")
                .hint("choose it: `.read()`, `.write()` or `.read_write()` for a bucket, `.consume()` or `.send()` for a queue, `.read()` for a secret"),
            );
        }
    }
}

/// Grants the workload's own role `statements` on the construct `access` connects to, and runs
/// its pods as that role.
fn grant<E: EnvironmentName, N: OnEksCluster, S: ApiConstruct>(
    mut access: AwsAccess<E, N, S>,
    statements: Vec<Statement>,
) -> Published<E, N, S> {
    let Some(published) = access.published.take() else {
        unreachable!("an access is chosen once: the methods take it by value")
    };
    let (app, node, stack) = published.server.placed();
    let client = published.connection.client_path().unwrap_or_default();
    match (
        published.connection.workload(),
        cluster_access(app, node),
    ) {
        (Some(workload), Some(access)) => {
            let arn = access.roles.grant(
                N::NAME,
                &workload.service_account,
                stack,
                statements,
            );
            (workload.bind)((arn, N::NAME.to_owned(), workload.service_account.clone()));
        }
        (None, _) => app.report(
            Diagnostic::error(
                app.path(node).as_str(),
                "a connection that no workload made chooses an access",
            )
            .hint("connect from the workload: `web.connect(&resource).read()`"),
        ),
        (_, None) => app.report(
            Diagnostic::error(
                client,
                format!(
                    "`{}` is reached with an IAM role, and environment `{}` has no EKS cluster to trust it",
                    app.path(node),
                    E::NAME
                ),
            )
            .hint("declare the environment's `Cluster` before connecting, and create the namespace with `eks.kubernetes().namespace(..)`"),
        ),
    }
    published
}

impl<E: EnvironmentName, N: OnEksCluster> AwsAccess<E, N, Bucket<E>> {
    fn bucket(&self) -> Option<&Bucket<E>> {
        self.published.as_ref().map(|p| &p.server)
    }

    /// Lets the workload read objects and list keys (`s3:GetObject` on the objects,
    /// `s3:ListBucket` on the bucket; `kms:Decrypt` on its customer-managed key, if it has
    /// one, through S3 only).
    pub fn read(self) -> Published<E, N, Bucket<E>> {
        let statements = self
            .bucket()
            .map(|b| b.access_statements(true, false))
            .unwrap_or_default();
        grant(self, statements)
    }

    /// Lets the workload write objects (`s3:PutObject` on the objects; `kms:GenerateDataKey`
    /// on its customer-managed key, if it has one, through S3 only). It can neither read nor
    /// list nor delete.
    pub fn write(self) -> Published<E, N, Bucket<E>> {
        let statements = self
            .bucket()
            .map(|b| b.access_statements(false, true))
            .unwrap_or_default();
        grant(self, statements)
    }

    /// Lets the workload read, list, write and delete objects (both of the above, and
    /// `s3:DeleteObject`).
    pub fn read_write(self) -> Published<E, N, Bucket<E>> {
        let statements = self
            .bucket()
            .map(|b| b.access_statements(true, true))
            .unwrap_or_default();
        grant(self, statements)
    }
}

impl<E: EnvironmentName, N: OnEksCluster> AwsAccess<E, N, Queue<E>> {
    /// Lets the workload receive and delete messages (`sqs:ReceiveMessage`, `DeleteMessage`,
    /// `ChangeMessageVisibility` and `GetQueueAttributes` on the queue).
    pub fn consume(self) -> Published<E, N, Queue<E>> {
        let statements = self
            .published
            .as_ref()
            .map(|p| {
                vec![
                    Statement::allow([
                        "sqs:ReceiveMessage",
                        "sqs:DeleteMessage",
                        "sqs:ChangeMessageVisibility",
                        "sqs:GetQueueAttributes",
                    ])
                    .resource(p.server.arn()),
                ]
            })
            .unwrap_or_default();
        grant(self, statements)
    }

    /// Lets the workload send messages (`sqs:SendMessage` and `GetQueueAttributes` on the
    /// queue).
    pub fn send(self) -> Published<E, N, Queue<E>> {
        let statements = self
            .published
            .as_ref()
            .map(|p| {
                vec![
                    Statement::allow(["sqs:SendMessage", "sqs:GetQueueAttributes"])
                        .resource(p.server.arn()),
                ]
            })
            .unwrap_or_default();
        grant(self, statements)
    }
}

impl<E: EnvironmentName, N: OnEksCluster> AwsAccess<E, N, AwsSecret<E>> {
    /// Lets the workload read the secret's value (`secretsmanager:GetSecretValue` and
    /// `DescribeSecret` on the secret; `kms:Decrypt` on its key, only through Secrets Manager and
    /// only for this secret). The address is the secret's ARN.
    pub fn read(self) -> Published<E, N, AwsSecret<E>> {
        let statements = self
            .published
            .as_ref()
            .map(|p| {
                let secret = &p.server;
                let region = p.server.placed().2.region().as_str().to_owned();
                vec![
                    Statement::allow([
                        "secretsmanager:GetSecretValue",
                        "secretsmanager:DescribeSecret",
                    ])
                    .resource(secret.arn()),
                    Statement::allow(["kms:Decrypt"])
                        .resource(secret.key_arn())
                        .condition(
                            "StringEquals",
                            "kms:ViaService",
                            format!("secretsmanager.{region}.amazonaws.com"),
                        )
                        .condition(
                            "StringEquals",
                            "kms:EncryptionContext:SecretARN",
                            Json::from(secret.arn()),
                        ),
                ]
            })
            .unwrap_or_default();
        grant(self, statements)
    }
}

/// A KMS statement on `key`, only through the service `service` (e.g. `s3`) in `region`.
pub(crate) fn key_through(
    actions: &[&'static str],
    key: Expr<String>,
    service: &str,
    region: &str,
) -> Statement {
    Statement::allow(actions.iter().copied())
        .resource(key)
        .condition(
            "StringEquals",
            "kms:ViaService",
            format!("{service}.{region}.amazonaws.com"),
        )
}
