//! [`Postgres`]: PostgreSQL on RDS, private, encrypted, backed up; and what the other data
//! constructs share with it (security groups that admit nobody by default, KMS keys, service
//! roles).

use std::fmt;
use std::marker::PhantomData;

use girder_aws::checks::Check;
use girder_aws::fns::sub;
use girder_aws::policy::{PolicyDocument, Principal, Statement};
use girder_aws::{
    CfnResource, DeletionPolicy, DynamicReference, Entry, Expr, InStack, Json, ResourceRef,
    UpdateReplacePolicy, Value,
};
use girder_aws::{backup, ec2, iam, kms, rds, secretsmanager};
use girder_core::cidr::{Cidr, CidrError};
use girder_core::{Construct, Context, Diagnostic, Diagnostics, Emitted, EnvironmentName, Handle};

use girder_k8s::NamespaceName;

use super::bridge::{
    KubernetesClients, cluster_access, external_secrets_read_store, host_parameter,
};
use super::{Accepted, Network, Placement};
use crate::secret::{Key, KeySource, KeyedObject};
use crate::wiring::{Address, Client, Connection, Endpoint, Server};
use crate::workload::Port;

/// The PostgreSQL port.
const PORT: u16 = 5432;
/// The master user's name, kept in the secret next to the password.
const MASTER_USERNAME: &str = "dbadmin";
/// Characters left out of generated passwords: RDS rejects `/`, `@`, `"` and spaces; `'`, `\`,
/// `:`, `?`, `#`, `%`, `[` and `]` would need quoting in a shell or escaping in a URL.
const PASSWORD_EXCLUDED: &str = "\"@/\\':?#%[]";

/// A major PostgreSQL version, pinned to a minor version RDS offers; RDS applies later minor
/// versions in the maintenance window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PostgresVersion {
    /// PostgreSQL 14 (`14.22`).
    V14,
    /// PostgreSQL 15 (`15.17`).
    V15,
    /// PostgreSQL 16 (`16.13`).
    V16,
    /// PostgreSQL 17 (`17.9`), the default.
    #[default]
    V17,
    /// PostgreSQL 18 (`18.3`).
    V18,
}

impl PostgresVersion {
    /// The RDS engine version, e.g. `16.13`.
    pub fn engine_version(self) -> &'static str {
        match self {
            PostgresVersion::V14 => "14.22",
            PostgresVersion::V15 => "15.17",
            PostgresVersion::V16 => "16.13",
            PostgresVersion::V17 => "17.9",
            PostgresVersion::V18 => "18.3",
        }
    }

    /// The major version, e.g. `16`.
    pub fn major(self) -> u8 {
        match self {
            PostgresVersion::V14 => 14,
            PostgresVersion::V15 => 15,
            PostgresVersion::V16 => 16,
            PostgresVersion::V17 => 17,
            PostgresVersion::V18 => 18,
        }
    }

    /// The parameter group family, e.g. `postgres16`.
    pub fn family(self) -> String {
        format!("postgres{}", self.major())
    }
}

/// A PostgreSQL extension the database needs. The construct loads the libraries an extension
/// needs at server start (`shared_preload_libraries`); the application still runs
/// `CREATE EXTENSION` (see [`PgExtension::name`]) in its migrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum PgExtension {
    /// PostGIS: geographic types and functions.
    PostGis,
    /// pgvector: vector similarity search.
    PgVector,
    /// pg_stat_statements: query statistics (preloaded).
    PgStatStatements,
    /// pg_cron: scheduled jobs inside the database (preloaded; its jobs run in
    /// [`Postgres::database_name`]).
    PgCron,
    /// pgAudit: session and object audit logging (preloaded; logs DDL and role changes).
    PgAudit,
    /// TimescaleDB: RDS does not offer it, so asking for it is an error at synth.
    TimescaleDb,
}

impl PgExtension {
    /// The name `CREATE EXTENSION` takes, e.g. `vector`.
    pub fn name(self) -> &'static str {
        match self {
            PgExtension::PostGis => "postgis",
            PgExtension::PgVector => "vector",
            PgExtension::PgStatStatements => "pg_stat_statements",
            PgExtension::PgCron => "pg_cron",
            PgExtension::PgAudit => "pgaudit",
            PgExtension::TimescaleDb => "timescaledb",
        }
    }

    /// The library loaded at server start, if the extension needs one.
    fn preload(self) -> Option<&'static str> {
        match self {
            PgExtension::PgStatStatements => Some("pg_stat_statements"),
            PgExtension::PgCron => Some("pg_cron"),
            PgExtension::PgAudit => Some("pgaudit"),
            PgExtension::PostGis | PgExtension::PgVector | PgExtension::TimescaleDb => None,
        }
    }

    /// Why RDS cannot run the extension on `version`, with what to do instead.
    fn unsupported_on_rds(self, _version: PostgresVersion) -> Option<(&'static str, &'static str)> {
        match self {
            PgExtension::TimescaleDb => Some((
                "RDS for PostgreSQL does not offer the TimescaleDB extension",
                "use native partitioning (with `PgExtension::PgCron` for retention jobs), or run TimescaleDB yourself on Kubernetes or Timescale Cloud",
            )),
            _ => None,
        }
    }
}

/// How long backups are kept: RDS automated backups (point-in-time recovery) for
/// [`Backups::retain_days`], and an AWS Backup plan with a daily snapshot kept as long and,
/// optionally, a weekly snapshot kept for weeks.
///
/// ```
/// use girder_constructs::aws::Backups;
/// let backups = Backups::daily().retain_days(30).weekly_retain_weeks(12);
/// assert_eq!(backups.days(), 30);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct Backups {
    days: u32,
    weeks: Option<u32>,
}

impl Default for Backups {
    fn default() -> Self {
        Backups::daily()
    }
}

impl Backups {
    /// Daily backups kept 7 days, no weekly backups.
    pub fn daily() -> Self {
        Backups {
            days: 7,
            weeks: None,
        }
    }

    /// Keeps daily backups and point-in-time recovery `days` days (1 to 35, RDS's limit).
    pub fn retain_days(mut self, days: u32) -> Self {
        self.days = days;
        self
    }

    /// Adds a weekly backup (Sundays) kept `weeks` weeks.
    pub fn weekly_retain_weeks(mut self, weeks: u32) -> Self {
        self.weeks = Some(weeks);
        self
    }

    /// Days daily backups are kept.
    pub fn days(&self) -> u32 {
        self.days
    }

    /// Weeks weekly backups are kept, if they are taken.
    pub fn weeks(&self) -> Option<u32> {
        self.weeks
    }
}

/// Where a connection to a database or cache may come from.
#[derive(Debug, Clone)]
pub(super) enum Source {
    /// Members of a security group.
    SecurityGroup(Expr<String>),
    /// An IPv4 range, as given (an error is reported at synth).
    Cidr(Result<Cidr, CidrError>),
}

/// One ingress rule of a data construct's security group.
#[derive(Debug, Clone)]
pub(super) struct IngressRule {
    pub(super) source: Source,
    pub(super) description: String,
}

/// Reports malformed ranges and descriptions of `rules`.
pub(super) fn check_ingress(rules: &[IngressRule], path: &str, diags: &mut Diagnostics) {
    for rule in rules {
        if let Source::Cidr(cidr) = &rule.source {
            let range = "write an IPv4 range such as `10.0.128.0/19` (a private subnet: `network.private_cidrs()`)";
            match cidr {
                Err(error) => diags.push(Diagnostic::error(path, error.to_string()).hint(range)),
                Ok(cidr) if !cidr.is_ipv4() => diags.push(
                    Diagnostic::error(path, format!("ingress from `{cidr}`, an IPv6 range"))
                        .cause("the network's subnets, and so its databases and caches, are IPv4 only")
                        .hint(range),
                ),
                Ok(cidr) if cidr.is_any() => diags.push(
                    Diagnostic::error(path, format!("ingress from `{cidr}`: every address"))
                        .hint("admit the clients' security group (`allow_from_security_group`) or their subnets' ranges"),
                ),
                Ok(_) => {}
            }
        }
        let d = &rule.description;
        let allowed = |c: char| c.is_ascii_alphanumeric() || " ._-:/()#,@[]+=&;{}!$*".contains(c);
        if d.is_empty() || d.len() > 255 || !d.chars().all(allowed) {
            diags.push(
                Diagnostic::error(path, format!("ingress rule description `{d}`"))
                    .hint("say who connects in 1 to 255 letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*"),
            );
        }
    }
}

/// A security group in `vpc_id` admitting `rules` on TCP `port` and sending nothing: databases
/// and caches do not open connections, so the one egress rule matches no traffic (ICMP type
/// 252 code 86 to 255.255.255.255, as the AWS CDK writes it).
pub(super) fn security_group(
    description: String,
    vpc_id: Expr<String>,
    port: u16,
    rules: &[IngressRule],
) -> ec2::SecurityGroup {
    let ingress: Vec<ec2::Ingress> = rules
        .iter()
        .filter_map(|rule| {
            let ingress = ec2::Ingress::new("tcp")
                .from_port(i64::from(port))
                .to_port(i64::from(port))
                .description(rule.description.as_str());
            match &rule.source {
                Source::SecurityGroup(id) => Some(ingress.source_security_group_id(id.clone())),
                Source::Cidr(Ok(cidr)) => Some(ingress.cidr_ip(cidr.to_string())),
                // Reported by `check_ingress`: nothing is written.
                Source::Cidr(Err(_)) => None,
            }
        })
        .collect();
    let mut group = ec2::SecurityGroup::new(description)
        .vpc_id(vpc_id)
        .security_group_egress(vec![
            ec2::Egress::new("icmp")
                .cidr_ip("255.255.255.255/32")
                .from_port(252)
                .to_port(86)
                .description("Disallow all traffic"),
        ]);
    if !ingress.is_empty() {
        group = group.security_group_ingress(ingress);
    }
    group
}

/// A symmetric KMS key with yearly rotation whose policy leaves access to the account's IAM
/// policies (the default key policy, written out).
pub(super) fn kms_key(description: String) -> kms::Key {
    let policy = PolicyDocument::new([Statement::allow(["kms:*"])
        .sid("AccountAdministersTheKey")
        .principal(Principal::Aws(
            sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")
                .expr()
                .into(),
        ))
        .resource("*")]);
    kms::Key::new()
        .description(description)
        .enable_key_rotation(true)
        .key_policy(Json::from(policy))
}

/// A role `service` (`backup.amazonaws.com`) assumes, with AWS managed policies `policies`
/// (names below `arn:<partition>:iam::aws:policy/`).
pub(super) fn service_role(service: &str, policies: &[&str]) -> iam::Role {
    let trust = PolicyDocument::new([
        Statement::allow(["sts:AssumeRole"]).principal(Principal::Service(service.to_owned()))
    ]);
    let arns: Vec<Value<String>> = policies
        .iter()
        .map(|p| {
            sub(format!("arn:${{AWS::Partition}}:iam::aws:policy/{p}"))
                .expr()
                .into()
        })
        .collect();
    iam::Role::new(Json::from(trust)).managed_policy_arns(arns)
}

/// Whether `class` is `<prefix>.<family>.<size>`, e.g. `db.m6g.large`.
pub(super) fn class_shape(class: &str, prefix: &str) -> bool {
    let mut parts = class.split('.');
    let (Some(p), Some(family), Some(size), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    p == prefix
        && family.starts_with(|c: char| c.is_ascii_lowercase())
        && family
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && !size.is_empty()
        && size
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// What a data construct learns from its [`Network`] when it is built.
#[derive(Debug, Clone)]
pub(super) struct Subnets {
    pub(super) path: String,
    pub(super) vpc_id: Expr<String>,
    pub(super) private: Vec<Expr<String>>,
}

impl Subnets {
    pub(super) fn of<E: EnvironmentName>(network: &Network<E>) -> Self {
        Subnets {
            path: network.path(),
            vpc_id: network.vpc_id(),
            private: network.private_subnet_ids(),
        }
    }

    /// Reports a network of fewer than two zones: subnet groups need two, and `multi_az` needs
    /// a standby in another zone.
    pub(super) fn check_zones(&self, path: &str, multi_az: bool, diags: &mut Diagnostics) {
        let zones = self.private.len();
        if zones >= 2 {
            return;
        }
        let message = if multi_az {
            format!(
                "Multi-AZ in network `{}`, which spans {zones} availability zone",
                self.path
            )
        } else {
            format!(
                "network `{}` spans {zones} availability zone; a subnet group needs 2",
                self.path
            )
        };
        diags.push(
            Diagnostic::error(path, message)
                .hint("give the network 2 or more zones: `.availability_zones(2)` or more"),
        );
    }
}

/// PostgreSQL on RDS, secure by default:
/// * in the network's private subnets, not publicly accessible, behind a security group that
///   admits nobody until the program calls [`Postgres::allow_from_security_group`] or
///   [`Postgres::allow_from_cidr`], and that lets nothing out;
/// * TLS required (`rds.force_ssl`), IAM database authentication on;
/// * storage (gp3, default 50 GiB, growing automatically up to twice that), Performance
///   Insights and the credentials encrypted with a KMS key of its own, rotated yearly;
/// * the master password generated by Secrets Manager into a secret (`username`, `password`)
///   that the instance reads through a dynamic reference: it never appears in a template;
/// * Multi-AZ, deletion protection, `DeletionPolicy: Snapshot`, minor versions upgraded in the
///   maintenance window (Sundays 04:00 UTC), logs to CloudWatch, enhanced monitoring every
///   60 seconds;
/// * backups: point-in-time recovery and an AWS Backup plan into an encrypted vault of its own
///   (see [`Backups`]; default: daily, kept 7 days).
///
/// ```
/// use girder_aws::AwsExt;
/// use girder_constructs::aws::{Backups, Network, PgExtension, Postgres, PostgresVersion};
///
/// girder_core::environment!(pub Prod = "prod");
/// let app = girder_core::App::new("shop");
/// let data = app.environment(Prod).aws("123456789012", "eu-west-1").stack("data");
/// let net = Network::new(&data, "net").build();
/// let db = Postgres::rds(&data, "orders")
///     .network(&net)
///     .engine(PostgresVersion::V16)
///     .extension(PgExtension::PostGis)
///     .instance_class("db.m6g.large")
///     .storage_gib(100)
///     .backups(Backups::daily().retain_days(30).weekly_retain_weeks(12))
///     .build();
/// db.allow_from_cidr(net.private_cidrs()[0], "API pods in zone a");
/// assert_eq!((db.database_name(), db.port()), ("orders", 5432));
/// ```
pub struct Postgres<E> {
    handle: Handle<PostgresSpec>,
    instance: ResourceRef<rds::DbInstance>,
    secret: ResourceRef<secretsmanager::Secret>,
    group: ResourceRef<ec2::SecurityGroup>,
    key: ResourceRef<kms::Key>,
    database_name: String,
    cidrs: Vec<Cidr>,
    _env: PhantomData<fn() -> E>,
}

impl<E> Clone for Postgres<E> {
    fn clone(&self) -> Self {
        Postgres {
            handle: self.handle.clone(),
            instance: self.instance.clone(),
            secret: self.secret.clone(),
            group: self.group.clone(),
            key: self.key.clone(),
            database_name: self.database_name.clone(),
            cidrs: self.cidrs.clone(),
            _env: PhantomData,
        }
    }
}

impl<E> fmt::Debug for Postgres<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Postgres({})", self.handle.path())
    }
}

/// The model of a [`Postgres`].
#[derive(Debug)]
pub struct PostgresSpec {
    /// The checkov checks accepted on its resources, with the reasons.
    accepted: Accepted,
    placement: Placement,
    /// `<stack name>/<id>`, for names AWS wants unique in the account and region.
    unique: String,
    subnets: Subnets,
    /// The engine version.
    pub version: PostgresVersion,
    /// The extensions, in the order asked for.
    pub extensions: Vec<PgExtension>,
    /// The instance class, e.g. `db.t4g.medium`.
    pub instance_class: String,
    /// Storage allocated at creation, in GiB.
    pub storage_gib: u32,
    /// The ceiling of storage autoscaling, in GiB.
    pub max_storage_gib: Option<u32>,
    /// A standby in another zone.
    pub multi_az: bool,
    /// Backup retention.
    pub backups: Backups,
    /// The database created with the instance.
    pub database_name: String,
    /// Deletion protection.
    pub deletion_protection: bool,
    ingress: Vec<IngressRule>,
    /// The SSM parameter its address is published under for Kubernetes clients.
    host_parameter: String,
    clients: KubernetesClients,
}

// `rds` starts a builder whose `build` returns the construct, as bon builders do.
#[bon::bon]
impl<E: EnvironmentName> Postgres<E> {
    /// Starts a PostgreSQL instance on RDS with id `id` in `stack`.
    #[builder(start_fn = rds, finish_fn = build, builder_type = PostgresRdsBuilder)]
    pub fn create(
        #[builder(start_fn)] stack: &impl InStack<Env = E>,
        #[builder(start_fn, into)] id: String,
        /// Extensions to prepare for (default none); call once per extension.
        #[builder(field)]
        extensions: Vec<PgExtension>,
        /// The network whose private subnets hold the instance (required).
        network: &Network<E>,
        /// The PostgreSQL version (default [`PostgresVersion::V17`]).
        #[builder(default)]
        engine: PostgresVersion,
        /// The instance class, `db.<family>.<size>` (default `db.t4g.medium`).
        #[builder(into, default = "db.t4g.medium".to_owned())]
        instance_class: String,
        /// Storage allocated at creation, in GiB (default 50; 20 to 65,536).
        #[builder(default = 50)]
        storage_gib: u32,
        /// The most storage autoscaling may grow to, in GiB (default twice `storage_gib`, at
        /// most 65,536; at least 10 % above `storage_gib`).
        max_storage_gib: Option<u32>,
        /// Keep a synchronous standby in another availability zone (default `true`).
        #[builder(default = true)]
        multi_az: bool,
        /// Backup retention (default [`Backups::daily`]: 7 days).
        #[builder(default)]
        backups: Backups,
        /// The database created with the instance (default the id, `-` replaced by `_`).
        #[builder(into)]
        database_name: Option<String>,
        /// Refuse to delete the instance (default `true`); turn it off before removing it.
        #[builder(default = true)]
        deletion_protection: bool,
    ) -> Postgres<E> {
        let stack = stack.stack();
        let app = stack.app();
        let placement = Placement::in_stack(stack, &id);
        let instance = placement.reference("Instance");
        let secret = placement.reference("Secret");
        let group = placement.reference("SecurityGroup");
        let key = placement.reference("Key");
        let database_name = database_name.unwrap_or_else(|| id.replace('-', "_"));
        let host_parameter = host_parameter(
            app.name(),
            E::NAME,
            &format!("{}/{id}", placement.stack.name()),
        );
        let cidrs = network.private_cidrs().to_vec();
        let max_storage_gib = max_storage_gib.or_else(|| {
            let doubled = storage_gib.saturating_mul(2).min(65_536);
            (u64::from(doubled) * 10 >= u64::from(storage_gib) * 11).then_some(doubled)
        });
        let handle = app.add(
            stack.node(),
            id.clone(),
            PostgresSpec {
                accepted: Accepted::default(),
                unique: format!("{}/{id}", placement.stack.name()),
                placement,
                subnets: Subnets::of(network),
                version: engine,
                extensions,
                instance_class,
                storage_gib,
                max_storage_gib,
                multi_az,
                backups,
                database_name: database_name.clone(),
                deletion_protection,
                ingress: Vec::new(),
                host_parameter,
                clients: KubernetesClients::default(),
            },
        );
        Postgres {
            handle,
            instance,
            secret,
            group,
            key,
            database_name,
            cidrs,
            _env: PhantomData,
        }
    }
}

impl<E: EnvironmentName, St: InStack<Env = E>, S: postgres_rds_builder::State>
    PostgresRdsBuilder<'_, '_, E, St, S>
{
    /// Prepares for `extension` (loads its library at server start if it needs one); call once
    /// per extension.
    pub fn extension(mut self, extension: PgExtension) -> Self {
        if !self.extensions.contains(&extension) {
            self.extensions.push(extension);
        }
        self
    }
}

impl<E: EnvironmentName> Postgres<E> {
    /// Admits connections on 5432 from members of the security group `sg_id` (e.g. the
    /// Kubernetes nodes' or pods' group), described by `description`.
    pub fn allow_from_security_group(&self, sg_id: Expr<String>, description: &str) {
        self.handle.update(|spec| {
            spec.ingress.push(IngressRule {
                source: Source::SecurityGroup(sg_id),
                description: description.to_owned(),
            });
        });
    }

    /// Admits connections on 5432 from the IPv4 range `cidr` (`"10.0.128.0/19"`, or a
    /// [`Cidr`] such as a private subnet of the network), described by `description`. A
    /// malformed range, an IPv6 range or `0.0.0.0/0` fails synth with the database's path.
    pub fn allow_from_cidr(
        &self,
        cidr: impl TryInto<Cidr, Error: Into<CidrError>>,
        description: &str,
    ) {
        let cidr = cidr.try_into().map_err(Into::into);
        self.handle.update(|spec| {
            spec.ingress.push(IngressRule {
                source: Source::Cidr(cidr),
                description: description.to_owned(),
            });
        });
    }

    /// The instance's DNS name.
    pub fn endpoint_address(&self) -> Expr<String> {
        self.instance.endpoint_address()
    }

    /// The port, 5432.
    pub fn port(&self) -> u16 {
        PORT
    }

    /// The ARN of the secret holding `username` and `password`.
    pub fn secret_arn(&self) -> Expr<String> {
        self.secret.reference()
    }

    /// The ARN of the KMS key that encrypts the storage and the secret: readers of the secret
    /// need `kms:Decrypt` on it.
    pub fn key_arn(&self) -> Expr<String> {
        self.key.arn()
    }

    /// The ID of the instance's security group.
    pub fn security_group_id(&self) -> Expr<String> {
        self.group.group_id()
    }

    /// The database created with the instance.
    pub fn database_name(&self) -> &str {
        &self.database_name
    }

    /// The instance's ARN.
    pub fn arn(&self) -> Expr<String> {
        self.instance.db_instance_arn()
    }

    /// The typed reference to the `AWS::RDS::DBInstance`.
    pub fn resource(&self) -> &ResourceRef<rds::DbInstance> {
        &self.instance
    }
}

impl<E> crate::wiring::InEnvironment<E> for Postgres<E> {}

impl Construct for PostgresSpec {
    fn kind(&self) -> &'static str {
        "Postgres"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        let path = cx.path.as_str();
        self.clients.validate(path, diags);
        if !class_shape(&self.instance_class, "db") {
            diags.push(
                Diagnostic::error(path, format!("instance class `{}`", self.instance_class))
                    .hint("write `db.<family>.<size>`, e.g. `db.t4g.medium` or `db.m6g.large`"),
            );
        }
        if !(20..=65_536).contains(&self.storage_gib) {
            diags.push(
                Diagnostic::error(path, format!("storage of {} GiB", self.storage_gib))
                    .hint("gp3 storage for PostgreSQL is 20 to 65,536 GiB"),
            );
        }
        if let Some(max) = self.max_storage_gib
            && (max > 65_536 || u64::from(max) * 10 < u64::from(self.storage_gib) * 11)
        {
            diags.push(
                Diagnostic::error(
                    path,
                    format!(
                        "storage autoscaling up to {max} GiB from {} GiB",
                        self.storage_gib
                    ),
                )
                .hint(
                    "the ceiling must be at least 10 % above `storage_gib` and at most 65,536 GiB",
                ),
            );
        }
        let days = self.backups.days;
        if !(1..=35).contains(&days) {
            diags.push(
                Diagnostic::error(path, format!("backups kept {days} days"))
                    .hint("RDS keeps automated backups 1 to 35 days; keep longer with `weekly_retain_weeks`"),
            );
        }
        if self.backups.weeks == Some(0) {
            diags.push(
                Diagnostic::error(path, "weekly backups kept 0 weeks")
                    .hint("keep them at least 1 week, or leave out `weekly_retain_weeks`"),
            );
        }
        for extension in &self.extensions {
            if let Some((problem, hint)) = extension.unsupported_on_rds(self.version) {
                diags.push(
                    Diagnostic::error(
                        path,
                        format!(
                            "extension `{}` on PostgreSQL {}: {problem}",
                            extension.name(),
                            self.version.engine_version()
                        ),
                    )
                    .hint(hint),
                );
            }
        }
        let name = &self.database_name;
        if name.is_empty()
            || name.len() > 63
            || !name.starts_with(|c: char| c.is_ascii_lowercase())
            || !name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            || ["rdsadmin", "template0", "template1"].contains(&name.as_str())
        {
            diags.push(
                Diagnostic::error(path, format!("database name `{name}`"))
                    .hint("use 1 to 63 lowercase letters, digits and `_`, starting with a letter"),
            );
        }
        self.subnets.check_zones(path, self.multi_az, diags);
        check_ingress(&self.ingress, path, diags);
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        self.render_resources(cx, out);
        let single_az = (Check::CKV_AWS_157, SINGLE_AZ);
        let builtin: &[_] = if self.multi_az { &[] } else { &[single_az] };
        self.accepted.apply(builtin, cx, out);
    }
}

/// Why a database of `multi_az(false)` accepts CKV_AWS_157 (unless the program gives its own
/// reason with `accept`).
const SINGLE_AZ: &str =
    "single-AZ by the program's choice (`multi_az(false)`), for a non-production environment";

impl PostgresSpec {
    /// Emits the construct's resources (`render` then writes what it accepts on them).
    fn render_resources(&self, cx: &Context<'_>, out: &mut Emitted) {
        let p = &self.placement;
        let path = cx.path.as_str();
        let key: ResourceRef<kms::Key> = p.reference("Key");
        let group: ResourceRef<ec2::SecurityGroup> = p.reference("SecurityGroup");
        let secret: ResourceRef<secretsmanager::Secret> = p.reference("Secret");
        let subnets: ResourceRef<rds::DbSubnetGroup> = p.reference("SubnetGroup");
        let parameters: ResourceRef<rds::DbParameterGroup> = p.reference("Parameters");
        let monitoring: ResourceRef<iam::Role> = p.reference("MonitoringRole");
        let instance: ResourceRef<rds::DbInstance> = p.reference("Instance");
        self.clients.render(
            cx,
            "postgres",
            p,
            ("host", &self.host_parameter, || instance.endpoint_address()),
            Some((
                self.unique.as_str(),
                &[
                    ("username", Some("username")),
                    ("password", Some("password")),
                ],
            )),
            out,
        );
        let mut push = |name: &str, entry: girder_aws::ResourceEntry| {
            out.emit(CfnResource::new(&p.stack, p.id(name), entry));
        };

        push(
            "Key",
            Entry::new(kms_key(format!(
                "{path}: PostgreSQL storage, credentials and backups"
            )))
            .into(),
        );
        push(
            "KeyAlias",
            Entry::new(kms::Alias::new(
                format!("alias/{}", self.unique),
                key.reference(),
            ))
            .into(),
        );
        push(
            "SecurityGroup",
            Entry::new(security_group(
                format!("{path}: PostgreSQL clients"),
                self.subnets.vpc_id.clone(),
                PORT,
                &self.ingress,
            ))
            .into(),
        );
        push(
            "Secret",
            Entry::new(
                secretsmanager::Secret::new()
                    .name(self.unique.as_str())
                    .description(format!("{path}: PostgreSQL master user"))
                    .kms_key_id(key.arn())
                    .generate_secret_string(
                        secretsmanager::GenerateSecretString::new()
                            .secret_string_template(format!(
                                r#"{{"username":"{MASTER_USERNAME}"}}"#
                            ))
                            .generate_string_key("password")
                            .password_length(32)
                            .exclude_characters(PASSWORD_EXCLUDED),
                    ),
            )
            .into(),
        );
        push(
            "SubnetGroup",
            Entry::new(rds::DbSubnetGroup::new(
                format!("{path}: private subnets"),
                self.subnets
                    .private
                    .iter()
                    .cloned()
                    .map(Value::from)
                    .collect::<Vec<_>>(),
            ))
            .into(),
        );
        let mut preload: Vec<&str> = self.extensions.iter().filter_map(|e| e.preload()).collect();
        if !preload.is_empty() && !preload.contains(&"pg_stat_statements") {
            // RDS preloads it by default; setting the list must keep it.
            preload.insert(0, "pg_stat_statements");
        }
        let mut settings: Vec<(&str, String)> = vec![
            ("rds.force_ssl", "1".to_owned()),
            ("log_connections", "1".to_owned()),
            ("log_disconnections", "1".to_owned()),
            ("log_lock_waits", "1".to_owned()),
            ("log_min_duration_statement", "1000".to_owned()),
            ("log_statement", "ddl".to_owned()),
        ];
        if !preload.is_empty() {
            settings.push(("shared_preload_libraries", preload.join(",")));
        }
        if self.extensions.contains(&PgExtension::PgCron) {
            // pg_cron's jobs live in one database: the application's.
            settings.push(("cron.database_name", self.database_name.clone()));
        }
        if self.extensions.contains(&PgExtension::PgAudit) {
            settings.push(("pgaudit.log", "ddl,role".to_owned()));
        }
        push(
            "Parameters",
            Entry::new(
                rds::DbParameterGroup::new(
                    format!("{path}: PostgreSQL {}", self.version.major()),
                    self.version.family(),
                )
                .parameters(Json::Object(
                    settings
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), Json::from(v)))
                        .collect(),
                )),
            )
            .into(),
        );
        push(
            "MonitoringRole",
            Entry::new(service_role(
                "monitoring.rds.amazonaws.com",
                &["service-role/AmazonRDSEnhancedMonitoringRole"],
            ))
            .into(),
        );
        let secret_value = |field: &str| -> Expr<String> {
            DynamicReference::secrets_manager(secret.reference())
                .json_key(field)
                .into()
        };
        let mut db = rds::DbInstance::new()
            .engine("postgres")
            .engine_version(self.version.engine_version())
            .db_instance_class(self.instance_class.as_str())
            .db_name(self.database_name.as_str())
            .port(PORT.to_string())
            .master_username(secret_value("username"))
            .master_user_password(secret_value("password"))
            .storage_type("gp3")
            .allocated_storage(self.storage_gib.to_string())
            .storage_encrypted(true)
            .kms_key_id(key.arn())
            .db_subnet_group_name(subnets.reference())
            .vpc_security_groups(vec![Value::from(group.group_id())])
            .db_parameter_group_name(parameters.reference())
            .publicly_accessible(false)
            .multi_az(self.multi_az)
            .deletion_protection(self.deletion_protection)
            .backup_retention_period(i64::from(self.backups.days))
            .preferred_backup_window("01:00-02:00")
            .preferred_maintenance_window("sun:04:00-sun:05:00")
            .copy_tags_to_snapshot(true)
            .enable_iam_database_authentication(true)
            .enable_performance_insights(true)
            .performance_insights_kms_key_id(key.arn())
            .performance_insights_retention_period(7)
            .enable_cloudwatch_logs_exports(vec![
                Value::from("postgresql".to_owned()),
                Value::from("upgrade".to_owned()),
            ])
            .auto_minor_version_upgrade(true)
            .monitoring_interval(60)
            .monitoring_role_arn(monitoring.arn());
        if let Some(max) = self.max_storage_gib {
            db = db.max_allocated_storage(i64::from(max));
        }
        push("Instance", Entry::new(db).into());

        // AWS Backup: a vault under the same key, a plan, and a selection of the instance.
        let vault: ResourceRef<backup::BackupVault> = p.reference("BackupVault");
        let plan: ResourceRef<backup::BackupPlan> = p.reference("BackupPlan");
        let backup_role: ResourceRef<iam::Role> = p.reference("BackupRole");
        let name = girder_core::name::derive(&[self.unique.as_str()], 50);
        push(
            "BackupVault",
            // Recovery points outlive the instance and the stack.
            Entry::new(backup::BackupVault::new(name.clone()).encryption_key_arn(key.arn()))
                .deletion_policy(DeletionPolicy::Retain)
                .update_replace_policy(UpdateReplacePolicy::Retain)
                .into(),
        );
        let mut rules = vec![
            backup::BackupRuleResourceType::new("daily", vault.reference())
                .schedule_expression("cron(0 3 ? * * *)")
                .start_window_minutes(60.0)
                .completion_window_minutes(180.0)
                .lifecycle(
                    backup::LifecycleResourceType::new()
                        .delete_after_days(f64::from(self.backups.days)),
                ),
        ];
        if let Some(weeks) = self.backups.weeks {
            rules.push(
                backup::BackupRuleResourceType::new("weekly", vault.reference())
                    .schedule_expression("cron(0 5 ? * SUN *)")
                    .start_window_minutes(60.0)
                    .completion_window_minutes(180.0)
                    .lifecycle(
                        backup::LifecycleResourceType::new()
                            .delete_after_days(f64::from(weeks.saturating_mul(7))),
                    ),
            );
        }
        push(
            "BackupPlan",
            Entry::new(backup::BackupPlan::new(
                backup::BackupPlanResourceType::new(name.clone(), rules),
            ))
            .into(),
        );
        push(
            "BackupRole",
            Entry::new(service_role(
                "backup.amazonaws.com",
                &[
                    "service-role/AWSBackupServiceRolePolicyForBackup",
                    "service-role/AWSBackupServiceRolePolicyForRestores",
                ],
            ))
            .into(),
        );
        push(
            "BackupSelection",
            Entry::new(backup::BackupSelection::new(
                plan.backup_plan_id(),
                backup::BackupSelectionResourceType::new(backup_role.arn(), name)
                    .resources(vec![Value::from(instance.db_instance_arn())]),
            ))
            .into(),
        );
    }
}

/// Only namespaces on the EKS cluster reach it: it admits the cluster's security group.
impl<E: EnvironmentName, N: super::OnEksCluster> crate::wiring::Reachable<N> for Postgres<E> {}

impl<E: EnvironmentName> Server for Postgres<E> {
    type Connection<C, M> = RdsConnection<C, M>;

    fn endpoint(&self) -> Endpoint {
        let path = self.handle.path();
        Endpoint {
            node: self.handle.node(),
            path: path.to_string(),
            namespace: "",
            selector: Default::default(),
            host: String::new(),
            port: Port::tcp("postgres", 5432),
            scheme: Some("postgresql"),
            cidrs: self.cidrs.clone(),
        }
    }

    fn admit(&self, client: Client) {
        let access = cluster_access(self.handle.app(), self.handle.node());
        let parameter = self.handle.read(|spec| spec.host_parameter.clone());
        external_secrets_read_store(
            self.handle.app(),
            self.handle.node(),
            &self.secret,
            &self.key,
            parameter,
        );
        self.handle.update(|spec| {
            if let Some(group) = spec.clients.admit(client.namespace, &client.path, access) {
                spec.ingress.push(IngressRule {
                    source: Source::SecurityGroup(group),
                    description: "PostgreSQL from the EKS cluster pods".into(),
                });
            }
        });
    }

    fn connection<C, M: NamespaceName>(&self, connection: Connection<C>) -> RdsConnection<C, M> {
        let name = self.handle.app().id(self.handle.node());
        RdsConnection {
            connection,
            endpoint: KeyedObject::from_parts(&format!("{name}-endpoint"), KeySource::Secret),
            credentials: super::bridge::credentials_secret::<C, M>(
                self.handle.app(),
                self.handle.node(),
                E::NAME,
                &self.cidrs,
            ),
            database: self.database_name.clone(),
        }
    }
}

/// What a Kubernetes client of an RDS [`Postgres`] gets from `connect`: the address and the
/// credentials as keys of Secrets that External Secrets keeps in the client's namespace.
pub struct RdsConnection<E, N> {
    connection: Connection<E>,
    endpoint: KeyedObject<E, N>,
    credentials: KeyedObject<E, N>,
    database: String,
}

impl<E, N> RdsConnection<E, N> {
    /// The instance's address (key `host` of `<db>-endpoint`).
    pub fn host(&self) -> Key<E, N> {
        self.connection.mark_used();
        self.endpoint.key("host")
    }

    /// The port, 5432.
    pub fn port(&self) -> Address<E> {
        self.connection.port()
    }

    /// The database's name.
    pub fn database(&self) -> &str {
        &self.database
    }

    /// The master user's name (key `username` of `<db>-credentials`).
    pub fn username(&self) -> Key<E, N> {
        self.connection.mark_used();
        self.credentials.key("username")
    }

    /// The master user's password (key `password` of `<db>-credentials`).
    pub fn password(&self) -> Key<E, N> {
        self.connection.mark_used();
        self.credentials.key("password")
    }
}

super::accept_methods!(Postgres);
