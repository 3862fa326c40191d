//! [`Role`]: an IAM role with a name known at synth and typed, least-privilege grants.

use std::fmt;
use std::marker::PhantomData;

use girder_aws::iam;
use girder_aws::policy::{PolicyDocument, Principal, Statement};
use girder_aws::{CfnResource, Entry, Expr, InStack, Json, LogicalId, ResourceRef, Value};
use girder_core::name::derive;
use girder_core::{Construct, Context, Diagnostic, Diagnostics, Emitted, EnvironmentName, Handle};

use super::{Accepted, AwsSecret, Bucket, Cluster, Placement, Queue};

/// The longest role name IAM accepts.
const MAX_NAME: usize = 64;
/// The most characters of inline policies a role may have (whitespace not counted).
const MAX_INLINE_POLICY: usize = 10_240;
/// The service principal of EKS Pod Identity.
const POD_IDENTITY: &str = "pods.eks.amazonaws.com";
/// The longest ARNs the typed grants name, as IAM counts them once CloudFormation resolves
/// them: a bucket (`arn:aws:s3:::` and 63 characters), a queue (80-character name), a KMS key.
const BUCKET_ARN: usize = 13 + 63;
const QUEUE_ARN: usize = "arn:aws:sqs:ap-southeast-4:123456789012:".len() + 80;
const KEY_ARN: usize = "arn:aws:kms:ap-southeast-4:123456789012:key/".len() + 36;
/// A secret's ARN without its name (`-` and six random characters end it).
const SECRET_ARN: usize = "arn:aws:secretsmanager:ap-southeast-4:123456789012:secret:-abcdef".len();

/// The characters of a statement `{"Effect":"Allow","Action":[..],"Resource":[..]}` with
/// `actions`, resources of lengths `resources` and `StringEquals` conditions of key and value
/// lengths `conditions`, without whitespace (as IAM counts a policy's size).
fn statement_chars(actions: &[&str], resources: &[usize], conditions: &[(usize, usize)]) -> usize {
    let list = |lengths: &mut dyn Iterator<Item = usize>| -> usize {
        // Each item quoted, and a comma between two.
        lengths.map(|n| n + 3).sum::<usize>().saturating_sub(1)
    };
    let mut chars = r#"{"Effect":"Allow","Action":[],"Resource":[]}"#.len()
        + list(&mut actions.iter().map(|a| a.len()))
        + list(&mut resources.iter().copied());
    if !conditions.is_empty() {
        chars += r#","Condition":{"StringEquals":{}}"#.len()
            + conditions
                .iter()
                .map(|(k, v)| k + v + 6)
                .sum::<usize>()
                .saturating_sub(1);
    }
    chars
}

/// Who may assume a [`Role`]: its trust policy.
///
/// A [`Principal`] converts into one (`Principal::Service("lambda.amazonaws.com".into())`), and so
/// does a whole [`PolicyDocument`] or a [`Json`] document.
///
/// ```
/// use girder_aws::policy::Principal;
/// use girder_constructs::aws::Trust;
///
/// girder_core::environment!(pub Prod = "prod");
/// let lambda: Trust<Prod> = Principal::Service("lambda.amazonaws.com".into()).into();
/// let pods: Trust<Prod> = Trust::eks_pod_identity();
/// # let _ = (lambda, pods);
/// ```
pub struct Trust<E> {
    kind: TrustKind,
    _env: PhantomData<fn() -> E>,
}

impl<E> Clone for Trust<E> {
    fn clone(&self) -> Self {
        Trust {
            kind: self.kind.clone(),
            _env: PhantomData,
        }
    }
}

impl<E> fmt::Debug for Trust<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

#[derive(Debug, Clone)]
enum TrustKind {
    /// One principal, which assumes the role with `sts:AssumeRole`.
    Principal(Principal),
    /// EKS Pod Identity: `pods.eks.amazonaws.com` with `sts:AssumeRole` and `sts:TagSession`.
    PodIdentity,
    /// IRSA: one service account of one cluster, through the cluster's OIDC provider.
    ServiceAccount {
        cluster: String,
        provider_arn: Expr<String>,
        issuer_url: Expr<String>,
        namespace: String,
        service_account: String,
    },
    /// A trust policy written out.
    Document(Json),
}

impl<E> Trust<E> {
    fn new(kind: TrustKind) -> Self {
        Trust {
            kind,
            _env: PhantomData,
        }
    }

    /// The AWS service `service` (e.g. `lambda.amazonaws.com`) assumes the role.
    pub fn service(service: impl Into<String>) -> Self {
        Trust::new(TrustKind::Principal(Principal::Service(service.into())))
    }

    /// Pods of an EKS cluster assume the role through EKS Pod Identity (`pods.eks.amazonaws.com`,
    /// with `sts:TagSession`); an `AWS::EKS::PodIdentityAssociation` names the service account.
    pub fn eks_pod_identity() -> Self {
        Trust::new(TrustKind::PodIdentity)
    }

    /// Pods running as `service_account` of `namespace` in `cluster` assume the role through the
    /// cluster's OIDC provider (IRSA); annotate the service account with the role's
    /// [`arn_literal`](Role::arn_literal) (e.g. `Worker::aws_role`). Both names must be DNS
    /// labels.
    pub fn service_account(
        cluster: &Cluster<E>,
        namespace: impl Into<String>,
        service_account: impl Into<String>,
    ) -> Self
    where
        E: EnvironmentName,
    {
        Trust::new(TrustKind::ServiceAccount {
            cluster: cluster.name().to_owned(),
            provider_arn: cluster.oidc_provider_arn(),
            issuer_url: cluster.oidc_issuer_url(),
            namespace: namespace.into(),
            service_account: service_account.into(),
        })
    }

    /// A trust policy written out, e.g. with conditions on an external ID.
    pub fn document(document: impl Into<Json>) -> Self {
        Trust::new(TrustKind::Document(document.into()))
    }
}

impl<E> From<Principal> for Trust<E> {
    fn from(principal: Principal) -> Self {
        Trust::new(TrustKind::Principal(principal))
    }
}

impl<E> From<PolicyDocument> for Trust<E> {
    fn from(document: PolicyDocument) -> Self {
        Trust::document(document)
    }
}

impl<E> From<Json> for Trust<E> {
    fn from(document: Json) -> Self {
        Trust::document(document)
    }
}

impl TrustKind {
    fn check(&self, path: &str, diags: &mut Diagnostics) {
        match self {
            TrustKind::Principal(Principal::Any) => diags.push(
                Diagnostic::error(path, "the role trusts any principal (`*`)")
                    .hint("name who assumes it: a service (`Principal::Service(..)`), an account or role (`Principal::Aws(..)`), or a service account (`Trust::service_account(..)`)"),
            ),
            TrustKind::Principal(Principal::Federated(_)) => diags.push(
                Diagnostic::error(path, "the role trusts an identity provider without conditions")
                    .hint("anyone the provider vouches for could assume it: use `Trust::service_account(..)` for a Kubernetes service account, or `Trust::document(..)` with conditions on the token's claims"),
            ),
            TrustKind::ServiceAccount {
                namespace,
                service_account,
                ..
            } => {
                for (what, name) in [("namespace", namespace), ("service account", service_account)] {
                    if !girder_core::name::is_dns1123_label(name) {
                        diags.push(
                            Diagnostic::error(path, format!("the role trusts {what} `{name}`, which is not a DNS label"))
                                .hint("Kubernetes names are lowercase letters, digits and '-', at most 63 characters, e.g. `orders-api`"),
                        );
                    }
                }
            }
            _ => {}
        }
    }

    fn document(&self) -> Json {
        match self {
            TrustKind::Principal(principal) => PolicyDocument::new([Statement::allow([
                "sts:AssumeRole",
            ])
            .principal(principal.clone())])
            .into(),
            TrustKind::PodIdentity => {
                // The same for every role: built once, and shared by every template.
                static TRUST: std::sync::LazyLock<PolicyDocument> =
                    std::sync::LazyLock::new(|| {
                        PolicyDocument::new([Statement::allow([
                            "sts:AssumeRole",
                            "sts:TagSession",
                        ])
                        .principal(Principal::Service(POD_IDENTITY.to_owned()))])
                    });
                TRUST.clone().into()
            }
            TrustKind::ServiceAccount {
                provider_arn,
                issuer_url,
                namespace,
                service_account,
                ..
            } => super::cluster::irsa_trust(
                provider_arn.clone(),
                issuer_url.clone(),
                namespace,
                service_account,
            )
            .into(),
            TrustKind::Document(document) => document.clone(),
        }
    }

    fn description(&self, path: &str) -> String {
        match self {
            TrustKind::ServiceAccount {
                cluster,
                namespace,
                service_account,
                ..
            } => format!(
                "{path}: IRSA for service account {namespace}/{service_account} of EKS cluster {cluster}"
            ),
            _ => path.to_owned(),
        }
    }
}

/// An IAM role, secure by default:
/// * named `<stack name>-<id>` (cut to 63 characters with a hash suffix when longer), so its
///   ARN is known at synth ([`Role::arn_literal`]) and a Kubernetes service account can be
///   annotated with it;
/// * no permissions until granted, and then only what the grant names: [`Role::grant_read`] on
///   a bucket, [`Role::grant_read_secret`], [`Role::grant_consume`] and [`Role::grant_send`] on
///   a queue, each on that resource's ARN alone (one inline policy, `grants`);
/// * sessions of one hour.
///
/// A role with neither a grant nor a managed policy is reported as a warning. A named role
/// cannot be replaced in place: renaming its stack or id fails the update (IAM role names are
/// unique in the account) — remove the role in one deployment and add it in the next.
///
/// ```
/// use girder_aws::AwsExt;
/// use girder_aws::policy::Principal;
/// use girder_constructs::aws::{AwsSecret, Role};
/// use girder_constructs::{Bucket, Queue};
///
/// girder_core::environment!(pub Prod = "prod");
/// let app = girder_core::App::new("shop");
/// let data = app.environment(Prod).aws("123456789012", "eu-west-1").stack("data");
/// let uploads = Bucket::new(&data, "uploads").build();
/// let jobs = Queue::new(&data, "jobs").build();
/// let token = AwsSecret::new(&data, "api-token").build();
/// let worker = Role::new(&data, "worker")
///     .assumed_by(Principal::Service("lambda.amazonaws.com".into()))
///     .build();
/// worker.grant_read(&uploads).grant_read_secret(&token).grant_consume(&jobs);
/// assert_eq!(worker.arn_literal(), "arn:aws:iam::123456789012:role/shop-prod-data-worker");
/// ```
pub struct Role<E> {
    handle: Handle<RoleSpec>,
    resource: ResourceRef<iam::Role>,
    name: String,
    arn: String,
    _env: PhantomData<fn() -> E>,
}

impl<E> Clone for Role<E> {
    fn clone(&self) -> Self {
        Role {
            handle: self.handle.clone(),
            resource: self.resource.clone(),
            name: self.name.clone(),
            arn: self.arn.clone(),
            _env: PhantomData,
        }
    }
}

impl<E> fmt::Debug for Role<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Role({}, {})", self.handle.path(), self.name)
    }
}

/// The model of a [`Role`].
#[derive(Debug)]
pub struct RoleSpec {
    /// The checkov checks accepted on its resources, with the reasons.
    accepted: Accepted,
    placement: Placement,
    /// The role's logical ID.
    id: LogicalId,
    /// The role's name.
    pub name: String,
    trust: TrustKind,
    /// A description (default: the construct's path).
    pub description: Option<String>,
    /// Hours a session lasts (1 to 12).
    pub max_session_hours: u32,
    /// The role's inline policy: the statements granted, in order. The template shares it.
    pub grants: PolicyDocument,
    /// AWS managed policies attached, by name below `arn:<partition>:iam::aws:policy/`.
    pub managed_policies: Vec<String>,
    /// The size of the inline policy, as IAM will count it (estimated for expressions).
    policy_chars: usize,
}

impl RoleSpec {
    /// Adds `statement` of `chars` characters, unless the policy has it already.
    fn grant(&mut self, statement: Statement, chars: usize) {
        if !self.grants.statements().contains(&statement) {
            self.grants.push(statement);
            self.policy_chars += chars + 1;
        }
    }
}

/// The partition of `region`: `aws-cn` for China, `aws-us-gov` for GovCloud, `aws` otherwise.
fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// Why `name` is not an IAM role name, or `None`.
fn check_name(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("it is empty")
    } else if name.len() > MAX_NAME {
        Some("it is longer than 64 characters")
    } else if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
    {
        Some("it may only contain letters, digits and `+=,.@_-`")
    } else {
        None
    }
}

// `new` starts a builder whose `build` returns the construct, as bon builders do.
#[allow(clippy::new_ret_no_self)]
#[bon::bon]
impl<E: EnvironmentName> Role<E> {
    /// Starts a role with id `id` in `stack`.
    #[builder(start_fn = new, finish_fn = build)]
    pub fn create(
        #[builder(start_fn)] stack: &impl InStack<Env = E>,
        #[builder(start_fn, into)] id: String,
        /// Who may assume the role (required): a [`Principal`], a [`Trust`] or a trust policy
        /// document.
        #[builder(into)]
        assumed_by: Trust<E>,
        /// The role's name (default `<stack name>-<id>`, cut to 63 characters with a hash suffix
        /// when longer); 1 to 64 letters, digits and `+=,.@_-`, unique in the account.
        #[builder(into)]
        name: Option<String>,
        /// A description (default: the construct's path); at most 1,000 characters.
        #[builder(into)]
        description: Option<String>,
        /// Hours a session lasts (default 1; 1 to 12).
        #[builder(default = 1)]
        max_session_hours: u32,
    ) -> Role<E> {
        let stack = stack.stack();
        let app = stack.app();
        let placement = Placement::in_stack(stack, &id);
        let resource = placement.reference("Role");
        let name = name.unwrap_or_else(|| derive(&[placement.stack.name(), &id], MAX_NAME));
        let address = &placement.stack;
        let arn = format!(
            "arn:{}:iam::{}:role/{name}",
            partition(address.region().as_str()),
            address.account()
        );
        let handle = app.add(
            stack.node(),
            id,
            RoleSpec {
                accepted: Accepted::default(),
                placement,
                id: resource.target().logical_id().clone(),
                name: name.clone(),
                trust: assumed_by.kind,
                description,
                max_session_hours,
                grants: PolicyDocument::default(),
                managed_policies: Vec::new(),
                policy_chars: r#"{"Version":"2012-10-17","Statement":[]}"#.len(),
            },
        );
        Role {
            handle,
            resource,
            name,
            arn,
            _env: PhantomData,
        }
    }
}

impl<E: EnvironmentName> Role<E> {
    /// The role's name, known at synth.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The role's ARN (`Fn::GetAtt`), for a template: a resource that uses it is created after
    /// the role.
    pub fn arn(&self) -> Expr<String> {
        self.resource.arn()
    }

    /// The role's ARN as text, `arn:aws:iam::<account>:role/<name>`, known at synth (its name
    /// is fixed): what a Kubernetes service account's `eks.amazonaws.com/role-arn` annotation
    /// holds (e.g. `Worker::aws_role`).
    pub fn arn_literal(&self) -> &str {
        &self.arn
    }

    /// The typed reference to the `AWS::IAM::Role`.
    pub fn resource(&self) -> &ResourceRef<iam::Role> {
        &self.resource
    }

    /// Lets the role read the objects of `bucket` and list its keys (`s3:GetObject` on its
    /// objects, `s3:ListBucket` on the bucket).
    pub fn grant_read(&self, bucket: &Bucket<E>) -> &Self {
        let objects = Statement::allow(["s3:GetObject"]).resource_objects(bucket.arn());
        let list = Statement::allow(["s3:ListBucket"]).resource(bucket.arn());
        self.handle.update(|spec| {
            spec.grant(
                objects,
                statement_chars(&["s3:GetObject"], &[BUCKET_ARN + 2], &[]),
            );
            spec.grant(
                list,
                statement_chars(&["s3:ListBucket"], &[BUCKET_ARN], &[]),
            );
        });
        self
    }

    /// Lets the role read `secret` (`secretsmanager:GetSecretValue` and `DescribeSecret`) and
    /// decrypt it (`kms:Decrypt` on its key, only through Secrets Manager and only for this
    /// secret, by the encryption context).
    pub fn grant_read_secret(&self, secret: &AwsSecret<E>) -> &Self {
        const READ: [&str; 2] = [
            "secretsmanager:GetSecretValue",
            "secretsmanager:DescribeSecret",
        ];
        const CONTEXT: &str = "kms:EncryptionContext:SecretARN";
        let secret_arn = SECRET_ARN + secret.name().len();
        let read = Statement::allow(READ).resource(secret.arn());
        self.handle.update(|spec| {
            let via = format!(
                "secretsmanager.{}.amazonaws.com",
                spec.placement.stack.region()
            );
            let chars = statement_chars(
                &["kms:Decrypt"],
                &[KEY_ARN],
                &[
                    ("kms:ViaService".len(), via.len()),
                    (CONTEXT.len(), secret_arn),
                ],
            );
            let decrypt = Statement::allow(["kms:Decrypt"])
                .resource(secret.key_arn())
                .condition("StringEquals", "kms:ViaService", via)
                .condition("StringEquals", CONTEXT, Json::from(secret.arn()));
            spec.grant(read, statement_chars(&READ, &[secret_arn], &[]));
            spec.grant(decrypt, chars);
        });
        self
    }

    /// Lets the role receive and delete messages of `queue` (`sqs:ReceiveMessage`,
    /// `DeleteMessage`, `ChangeMessageVisibility`, `GetQueueAttributes`).
    pub fn grant_consume(&self, queue: &Queue<E>) -> &Self {
        const CONSUME: [&str; 4] = [
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:ChangeMessageVisibility",
            "sqs:GetQueueAttributes",
        ];
        let statement = Statement::allow(CONSUME).resource(queue.arn());
        let chars = statement_chars(&CONSUME, &[QUEUE_ARN], &[]);
        self.handle.update(|spec| spec.grant(statement, chars));
        self
    }

    /// Lets the role send messages to `queue` (`sqs:SendMessage`, `GetQueueAttributes`,
    /// `GetQueueUrl`).
    pub fn grant_send(&self, queue: &Queue<E>) -> &Self {
        const SEND: [&str; 3] = [
            "sqs:SendMessage",
            "sqs:GetQueueAttributes",
            "sqs:GetQueueUrl",
        ];
        let statement = Statement::allow(SEND).resource(queue.arn());
        let chars = statement_chars(&SEND, &[QUEUE_ARN], &[]);
        self.handle.update(|spec| spec.grant(statement, chars));
        self
    }

    /// Adds `statement` to the role's inline policy, for what the typed grants do not cover.
    /// Name the resources: checkov rejects `*` for actions that take one.
    pub fn grant(&self, statement: Statement) -> &Self {
        // Expressions count as written, which is close to the ARNs they become.
        let chars = serde_json::to_string(&statement).map_or(0, |s| s.len());
        self.handle.update(|spec| spec.grant(statement, chars));
        self
    }

    /// Attaches the AWS managed policy `name` (below `arn:<partition>:iam::aws:policy/`, e.g.
    /// `service-role/AWSLambdaBasicExecutionRole`).
    pub fn attach_managed_policy(&self, name: impl Into<String>) -> &Self {
        let name = name.into();
        self.handle.update(|spec| {
            if !spec.managed_policies.contains(&name) {
                spec.managed_policies.push(name);
            }
        });
        self
    }
}

impl<E> crate::wiring::InEnvironment<E> for Role<E> {}

impl<E: EnvironmentName> super::bridge::Grantee for Role<E> {
    fn grant(&self, statement: Statement) {
        Role::grant(self, statement);
    }
}

impl Construct for RoleSpec {
    fn kind(&self) -> &'static str {
        "Role"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        let path = cx.path.as_str();
        if let Some(why) = check_name(&self.name) {
            diags.push(
                Diagnostic::error(path, format!("role name `{}`: {why}", self.name))
                    .hint("IAM role names are 1 to 64 letters, digits and `+=,.@_-`; leave `name` out for `<stack name>-<id>`"),
            );
        }
        self.trust.check(path, diags);
        if !(1..=12).contains(&self.max_session_hours) {
            diags.push(
                Diagnostic::error(
                    path,
                    format!("sessions of {} hours", self.max_session_hours),
                )
                .hint("IAM allows sessions of 1 to 12 hours"),
            );
        }
        if self.description.as_ref().is_some_and(|d| d.len() > 1000) {
            diags.push(
                Diagnostic::error(path, "a description over 1,000 characters").hint("shorten it"),
            );
        }
        if self.grants.is_empty() && self.managed_policies.is_empty() {
            diags.push(
                Diagnostic::warning(path, format!("role `{}` is granted nothing", self.name))
                    .hint("grant what it needs, e.g. `role.grant_read(&bucket)`, or remove it"),
            );
        }
        if self.policy_chars > MAX_INLINE_POLICY {
            diags.push(
                Diagnostic::error(
                    path,
                    format!(
                        "the role's grants take up to {} characters",
                        self.policy_chars
                    ),
                )
                .hint("IAM allows 10,240 characters of inline policies per role: split the work between roles"),
            );
        }
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        self.render_resources(cx, out);
        self.accepted.apply(&[], cx, out);
    }
}

impl RoleSpec {
    /// Emits the construct's resources (`render` then writes what it accepts on them).
    fn render_resources(&self, cx: &Context<'_>, out: &mut Emitted) {
        let p = &self.placement;
        let description = self
            .description
            .clone()
            .unwrap_or_else(|| self.trust.description(cx.path.as_str()));
        let mut role = iam::Role::new(self.trust.document())
            .role_name(self.name.as_str())
            .description(description)
            .max_session_duration(i64::from(self.max_session_hours) * 3600);
        if !self.grants.is_empty() {
            role = role.policies(vec![iam::GroupPolicy2::new(self.grants.clone(), "grants")]);
        }
        if !self.managed_policies.is_empty() {
            let arns: Vec<Value<String>> = self
                .managed_policies
                .iter()
                .map(|name| super::cluster::managed_policy(name))
                .collect();
            role = role.managed_policy_arns(arns);
        }
        out.emit(CfnResource::new(
            &p.stack,
            self.id.clone(),
            Entry::new(role),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names() {
        assert_eq!(check_name("shop-prod-data-worker"), None);
        assert_eq!(check_name("a+b=c,d.e@f_g-h"), None);
        assert!(check_name("").is_some());
        assert!(check_name(&"r".repeat(65)).is_some());
        assert!(check_name("team/worker").is_some());
        let long = derive(&[&"s".repeat(60), "worker"], MAX_NAME);
        assert!(
            long.len() <= MAX_NAME && check_name(&long).is_none(),
            "{long}"
        );
    }

    #[test]
    fn statement_sizes_are_counted_as_iam_counts_them() {
        let written = |statement: Statement| serde_json::to_string(&statement).expect("JSON").len();
        let arn = "arn:aws:s3:::uploads";
        assert_eq!(
            statement_chars(&["s3:GetObject", "s3:ListBucket"], &[arn.len()], &[]),
            written(Statement::allow(["s3:GetObject", "s3:ListBucket"]).resource(arn))
        );
        let via = "secretsmanager.eu-west-1.amazonaws.com";
        assert_eq!(
            statement_chars(
                &["kms:Decrypt"],
                &[arn.len(), 3],
                &[("kms:ViaService".len(), via.len()), (3, 4)]
            ),
            written(
                Statement::allow(["kms:Decrypt"])
                    .resource(arn)
                    .resource("key")
                    .condition("StringEquals", "kms:ViaService", via)
                    .condition("StringEquals", "abc", "abcd")
            )
        );
    }

    #[test]
    fn partitions() {
        assert_eq!(partition("eu-west-1"), "aws");
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
    }
}

super::accept_methods!(Role);
