//! [`Bucket`]: an S3 bucket, private and encrypted.

use std::fmt;
use std::marker::PhantomData;

use girder_aws::checks::Check;
use girder_aws::policy::{PolicyDocument, Principal, Statement};
use girder_aws::{CfnResource, DeletionPolicy, Entry, Expr, InStack, Json, ResourceRef};
use girder_aws::{UpdateReplacePolicy, fns, s3};
use girder_core::{Construct, Context, Diagnostic, Diagnostics, Emitted, EnvironmentName, Handle};

use super::bridge::{ApiService, Grantee, api_server};
use super::{Accepted, Placement};

/// An S3 bucket, secure by default:
/// * all public access blocked, ACLs disabled (bucket owner enforced);
/// * encrypted with KMS (the account's `aws/s3` key unless set), bucket keys on;
/// * versioned, noncurrent versions expired after 30 days, incomplete uploads aborted after 7;
/// * a bucket policy that denies requests without TLS;
/// * server access logs in its stack's access-log bucket ([`AccessLogs`]), under `<id>/`;
/// * `DeletionPolicy: Retain` (a bucket holds data).
///
/// ```
/// use girder_aws::AwsExt;
/// use girder_constructs::Bucket;
///
/// girder_core::environment!(pub Prod = "prod");
/// let app = girder_core::App::new("shop");
/// let data = app.environment(Prod).aws("123456789012", "eu-west-1").stack("data");
/// let uploads = Bucket::new(&data, "uploads").expire_objects_after_days(365).build();
/// let _arn = uploads.arn();
/// ```
pub struct Bucket<E> {
    handle: Handle<BucketSpec>,
    resource: ResourceRef<s3::Bucket>,
    _env: PhantomData<fn() -> E>,
}

impl<E> Clone for Bucket<E> {
    fn clone(&self) -> Self {
        Bucket {
            handle: self.handle.clone(),
            resource: self.resource.clone(),
            _env: PhantomData,
        }
    }
}

impl<E> fmt::Debug for Bucket<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bucket({})", self.handle.path())
    }
}

/// The model of a [`Bucket`].
#[derive(Debug)]
pub struct BucketSpec {
    /// The checkov checks accepted on its resources, with the reasons.
    accepted: Accepted,
    placement: Placement,
    resource: ResourceRef<s3::Bucket>,
    /// Keep every version of every object (default `true`).
    pub versioned: bool,
    /// Days after which a noncurrent version is deleted (default 30).
    pub noncurrent_days: u32,
    /// Days after which current objects expire (default: never).
    pub expire_days: Option<u32>,
    /// A KMS key ARN to encrypt with (default: the account's `aws/s3` key).
    kms_key: Option<Expr<String>>,
    /// Where its server access logs go: the stack's access-log bucket, and the prefix.
    logs: (ResourceRef<s3::Bucket>, String),
    api: ApiService,
}

// `new` starts a builder whose `build` returns the construct, as bon builders do.
#[allow(clippy::new_ret_no_self)]
#[bon::bon]
impl<E: EnvironmentName> Bucket<E> {
    /// Starts a bucket with id `id` in `stack`.
    #[builder(start_fn = new, finish_fn = build)]
    pub fn create(
        #[builder(start_fn)] stack: &impl InStack<Env = E>,
        #[builder(start_fn, into)] id: String,
        /// Keep every version of every object (default `true`).
        #[builder(default = true)]
        versioned: bool,
        /// Days after which a noncurrent version is deleted (default 30).
        #[builder(default = 30)]
        noncurrent_versions_days: u32,
        /// Days after which current objects expire (default: never).
        expire_objects_after_days: Option<u32>,
        /// A customer-managed KMS key to encrypt with (default: the account's `aws/s3` key).
        kms_key: Option<Expr<String>>,
    ) -> Bucket<E> {
        let stack = stack.stack();
        let app = stack.app();
        let placement = Placement::in_stack(stack, &id);
        let resource: ResourceRef<s3::Bucket> = placement.reference("Bucket");
        let prefix = format!("{id}/");
        let logs = AccessLogs::of(stack);
        logs.handle.update(|spec| {
            spec.sources.push((resource.arn(), prefix.clone()));
        });
        let handle = app.add(
            stack.node(),
            id,
            BucketSpec {
                accepted: Accepted::default(),
                placement,
                resource: resource.clone(),
                versioned,
                noncurrent_days: noncurrent_versions_days,
                expire_days: expire_objects_after_days,
                kms_key,
                logs: (logs.bucket, prefix),
                api: ApiService::default(),
            },
        );
        Bucket {
            handle,
            resource,
            _env: PhantomData,
        }
    }
}

impl<E: EnvironmentName> Bucket<E> {
    /// The bucket's ARN.
    pub fn arn(&self) -> Expr<String> {
        self.resource.arn()
    }

    /// The bucket's name (`Ref`).
    pub fn name(&self) -> Expr<String> {
        self.resource.reference()
    }

    /// The typed reference to the `AWS::S3::Bucket`.
    pub fn resource(&self) -> &ResourceRef<s3::Bucket> {
        &self.resource
    }
}

impl<E> crate::wiring::InEnvironment<E> for Bucket<E> {}

impl<E: EnvironmentName> Bucket<E> {
    /// The statements of a connection's access: reading objects and listing keys, writing
    /// objects, or both and deleting; with the bucket's customer-managed key, if any, used
    /// through S3 only.
    pub(crate) fn access_statements(&self, read: bool, write: bool) -> Vec<Statement> {
        let mut objects: Vec<&'static str> = Vec::new();
        let mut key: Vec<&'static str> = Vec::new();
        if read {
            objects.push("s3:GetObject");
            key.push("kms:Decrypt");
        }
        if write {
            objects.push("s3:PutObject");
            key.push("kms:GenerateDataKey");
        }
        if read && write {
            objects.push("s3:DeleteObject");
        }
        let mut statements = vec![Statement::allow(objects).resource_objects(self.arn())];
        if read {
            statements.push(Statement::allow(["s3:ListBucket"]).resource(self.arn()));
        }
        let (kms_key, region) = self.handle.read(|spec| {
            (
                spec.kms_key.clone(),
                spec.placement.stack.region().as_str().to_owned(),
            )
        });
        if let Some(kms_key) = kms_key {
            statements.push(super::access::key_through(&key, kms_key, "s3", &region));
        }
        statements
    }

    /// Lets `principal` list the bucket and read its objects.
    pub fn grant_read(&self, principal: &impl Grantee) {
        principal.grant(
            Statement::allow(["s3:GetObject", "s3:ListBucket"])
                .resource(self.arn())
                .resource_objects(self.arn()),
        );
    }

    /// Lets `principal` list, read, write and delete objects.
    pub fn grant_read_write(&self, principal: &impl Grantee) {
        principal.grant(
            Statement::allow([
                "s3:GetObject",
                "s3:ListBucket",
                "s3:PutObject",
                "s3:DeleteObject",
            ])
            .resource(self.arn())
            .resource_objects(self.arn()),
        );
    }
}

api_server!(Bucket, "name");

impl Construct for BucketSpec {
    fn kind(&self) -> &'static str {
        "Bucket"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        self.api.clients.validate(cx.path.as_str(), diags);
        if self.noncurrent_days == 0 {
            diags.push(
                Diagnostic::error(cx.path.as_str(), "noncurrent versions expire after 0 days")
                    .hint("S3 needs at least 1 day; keep the default (30) or disable versioning"),
            );
        }
        if self.expire_days == Some(0) {
            diags.push(
                Diagnostic::error(cx.path.as_str(), "objects expire after 0 days")
                    .hint("S3 needs at least 1 day"),
            );
        }
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        self.render_resources(cx, out);
        self.accepted.apply(&[], cx, out);
    }
}

impl BucketSpec {
    /// Emits the construct's resources (`render` then writes what it accepts on them).
    fn render_resources(&self, cx: &Context<'_>, out: &mut Emitted) {
        let placement = &self.placement;
        let reference = &self.resource;
        self.api.render(
            cx,
            "bucket",
            placement,
            ("name", || reference.reference()),
            out,
        );
        // Sized exactly: a lifecycle rule is 400 bytes, and every bucket of a program keeps its
        // rules until the templates are written.
        let mut rules = Vec::with_capacity(
            1 + usize::from(self.versioned) + usize::from(self.expire_days.is_some()),
        );
        rules.push(
            s3::Rule::new(s3::RuleStatus::Enabled)
                .id("abort-incomplete-uploads")
                .abort_incomplete_multipart_upload(s3::AbortIncompleteMultipartUpload::new(7)),
        );
        if self.versioned {
            rules.push(
                s3::Rule::new(s3::RuleStatus::Enabled)
                    .id("expire-noncurrent-versions")
                    .noncurrent_version_expiration(s3::NoncurrentVersionExpiration::new(
                        i64::from(self.noncurrent_days),
                    )),
            );
        }
        if let Some(days) = self.expire_days {
            rules.push(
                s3::Rule::new(s3::RuleStatus::Enabled)
                    .id("expire-objects")
                    .expiration_in_days(i64::from(days)),
            );
        }
        let mut sse = s3::ServerSideEncryptionByDefault::new(
            s3::ServerSideEncryptionByDefaultSseAlgorithm::AwsKms,
        );
        if let Some(key) = &self.kms_key {
            sse = sse.kms_master_key_id(key.clone());
        }
        let encryption = s3::BucketEncryption::new(vec![
            s3::ServerSideEncryptionRule::new()
                .server_side_encryption_by_default(sse)
                .bucket_key_enabled(true),
        ]);
        let bucket = private_bucket()
            .bucket_encryption(encryption)
            .versioning_configuration(s3::VersioningConfiguration::new(if self.versioned {
                s3::VersioningConfigurationStatus::Enabled
            } else {
                s3::VersioningConfigurationStatus::Suspended
            }))
            .lifecycle_configuration(s3::LifecycleConfiguration::new(rules));
        let (log_bucket, prefix) = &self.logs;
        let bucket = bucket.logging_configuration(
            s3::LoggingConfiguration::new()
                .destination_bucket_name(log_bucket.reference())
                .log_file_prefix(prefix.as_str()),
        );
        out.emit(CfnResource::new(
            &placement.stack,
            reference.target().logical_id().clone(),
            Entry::new(bucket),
        ));
        out.emit(CfnResource::new(
            &placement.stack,
            placement.id("Policy"),
            Entry::new(s3::BucketPolicy::new(
                reference.reference(),
                PolicyDocument::new([tls_only(reference)]),
            )),
        ));
    }
}

/// Denies every request to `bucket` and its objects that does not use TLS.
fn tls_only(bucket: &ResourceRef<s3::Bucket>) -> Statement {
    Statement::deny(["s3:*"])
        .sid("DenyInsecureTransport")
        .principal(Principal::Any)
        .resource(bucket.arn())
        .resource_objects(bucket.arn())
        .condition("Bool", "aws:SecureTransport", "false")
}

/// The id of a stack's access-log bucket, a child of the stack.
const ACCESS_LOGS_ID: &str = "access-logs";
/// The service that delivers S3 server access logs.
const LOGGING_SERVICE: &str = "logging.s3.amazonaws.com";

/// The bucket that receives the server access logs of every [`Bucket`] of a stack: created with
/// the stack's first bucket, one per stack, with nothing to configure. Each bucket logs under
/// `<its id>/`.
///
/// * **One per stack.** S3 delivers access logs only to a bucket of the same account and
///   region, which a stack's buckets share; a bucket in each stack keeps stacks independent of
///   each other (no export to import, no stack to deploy first, nothing to update elsewhere when
///   a stack is removed). It costs one bucket per stack that has buckets.
/// * **Encrypted with S3-managed keys (SSE-S3).** S3 server access logging cannot deliver to a
///   bucket whose default encryption is SSE-KMS: the logging service has no grant on the key.
/// * **Private:** all public access blocked, ACLs disabled (bucket owner enforced), requests
///   without TLS denied; only `logging.s3.amazonaws.com` may write, only `s3:PutObject` under
///   the prefixes of this stack's buckets, and only for those buckets
///   (`aws:SourceArn`) of this account (`aws:SourceAccount`).
/// * **Versioned and kept:** `DeletionPolicy: Retain` and `UpdateReplacePolicy: Retain`; logs
///   expire after 90 days by default ([`AccessLogs::expire_after_days`]), their noncurrent
///   versions a day later.
/// * It does not log its own access: its log deliveries would be logged, and those logs'
///   deliveries, without end (checkov's CKV_AWS_18 is skipped on it with that reason).
///
/// ```
/// use girder_aws::AwsExt;
/// use girder_constructs::Bucket;
/// use girder_constructs::aws::AccessLogs;
///
/// girder_core::environment!(pub Prod = "prod");
/// let app = girder_core::App::new("shop");
/// let data = app.environment(Prod).aws("123456789012", "eu-west-1").stack("data");
/// let uploads = Bucket::new(&data, "uploads").build(); // logs to `data`'s access-log bucket
/// AccessLogs::of(&data).expire_after_days(365);          // kept a year instead of 90 days
/// # let _ = uploads;
/// ```
pub struct AccessLogs<E> {
    handle: Handle<AccessLogsSpec>,
    bucket: ResourceRef<s3::Bucket>,
    _env: PhantomData<fn() -> E>,
}

impl<E> fmt::Debug for AccessLogs<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccessLogs({})", self.handle.path())
    }
}

/// The model of a stack's [`AccessLogs`] bucket.
#[derive(Debug)]
pub struct AccessLogsSpec {
    /// The checkov checks accepted on its resources, with the reasons.
    accepted: Accepted,
    placement: Placement,
    /// Days after which a log expires (default 90).
    pub expire_days: u32,
    /// The buckets that log here: their ARNs and prefixes.
    sources: Vec<(Expr<String>, String)>,
    /// The bucket, if its id was free; otherwise the construct that took the id.
    taken: bool,
}

impl<E: EnvironmentName> AccessLogs<E> {
    /// The access-log bucket of `stack`, created on first use (its buckets create it).
    pub fn of(stack: &impl InStack<Env = E>) -> Self {
        let stack = stack.stack();
        let app = stack.app();
        let existing = app.child(stack.node(), ACCESS_LOGS_ID);
        let handle = existing
            .and_then(|node| app.handle::<AccessLogsSpec>(node))
            .unwrap_or_else(|| {
                // A construct of another kind with the id is reported as a duplicate id by the
                // tree; this one then renders nothing (`taken`).
                app.add(
                    stack.node(),
                    ACCESS_LOGS_ID,
                    AccessLogsSpec {
                        accepted: Accepted::default(),
                        placement: Placement::in_stack(stack, ACCESS_LOGS_ID),
                        expire_days: 90,
                        sources: Vec::new(),
                        taken: existing.is_some(),
                    },
                )
            });
        let bucket = handle.read(|spec| spec.placement.reference("Bucket"));
        AccessLogs {
            handle,
            bucket,
            _env: PhantomData,
        }
    }

    /// Keeps the logs `days` days (default 90; at least 1).
    pub fn expire_after_days(&self, days: u32) -> &Self {
        self.handle.update(|spec| spec.expire_days = days);
        self
    }

    /// The log bucket's name (`Ref`).
    pub fn name(&self) -> Expr<String> {
        self.bucket.reference()
    }

    /// The typed reference to the log bucket.
    pub fn resource(&self) -> &ResourceRef<s3::Bucket> {
        &self.bucket
    }
}

impl Construct for AccessLogsSpec {
    fn kind(&self) -> &'static str {
        "AccessLogs"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        if self.expire_days == 0 {
            diags.push(
                Diagnostic::error(cx.path.as_str(), "access logs expire after 0 days").hint(
                    "keep them at least 1 day, e.g. `AccessLogs::of(&stack).expire_after_days(90)`",
                ),
            );
        }
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        self.render_resources(cx, out);
        self.accepted
            .apply(&[(Check::CKV_AWS_18, NO_SELF_LOGGING)], cx, out);
    }
}

/// Why the access-log bucket accepts CKV_AWS_18.
const NO_SELF_LOGGING: &str = "this is the stack's access-log bucket: logging its own access would log each log delivery, and that delivery's log, without end";

impl AccessLogsSpec {
    /// Emits the construct's resources (`render` then writes what it accepts on them).
    fn render_resources(&self, _cx: &Context<'_>, out: &mut Emitted) {
        if self.sources.is_empty() || self.taken {
            return;
        }
        let p = &self.placement;
        let bucket: ResourceRef<s3::Bucket> = p.reference("Bucket");
        let rules = vec![
            s3::Rule::new(s3::RuleStatus::Enabled)
                .id("expire-logs")
                .expiration_in_days(i64::from(self.expire_days))
                .noncurrent_version_expiration(s3::NoncurrentVersionExpiration::new(1)),
            s3::Rule::new(s3::RuleStatus::Enabled)
                .id("abort-incomplete-uploads")
                .abort_incomplete_multipart_upload(s3::AbortIncompleteMultipartUpload::new(1)),
        ];
        let resource = private_bucket()
            .bucket_encryption(s3::BucketEncryption::new(vec![
                s3::ServerSideEncryptionRule::new().server_side_encryption_by_default(
                    s3::ServerSideEncryptionByDefault::new(
                        s3::ServerSideEncryptionByDefaultSseAlgorithm::Aes256,
                    ),
                ),
            ]))
            .versioning_configuration(s3::VersioningConfiguration::new(
                s3::VersioningConfigurationStatus::Enabled,
            ))
            .lifecycle_configuration(s3::LifecycleConfiguration::new(rules));
        out.emit(CfnResource::new(
            &p.stack,
            p.id("Bucket"),
            Entry::new(resource)
                .deletion_policy(DeletionPolicy::Retain)
                .update_replace_policy(UpdateReplacePolicy::Retain),
        ));
        let mut write = Statement::allow(["s3:PutObject"])
            .sid("S3ServerAccessLogs")
            .principal(Principal::Service(LOGGING_SERVICE.to_owned()));
        for (_, prefix) in &self.sources {
            write = write.resource(fns::join(
                "",
                [bucket.arn().into(), format!("/{prefix}*").into()],
            ));
        }
        let write = write
            .condition(
                "ArnLike",
                "aws:SourceArn",
                Json::Array(
                    self.sources
                        .iter()
                        .map(|(arn, _)| Json::from(arn.clone()))
                        .collect(),
                ),
            )
            .condition(
                "StringEquals",
                "aws:SourceAccount",
                Json::from(p.stack.account().as_str()),
            );
        out.emit(CfnResource::new(
            &p.stack,
            p.id("Policy"),
            Entry::new(s3::BucketPolicy::new(
                bucket.reference(),
                PolicyDocument::new([tls_only(&bucket), write]),
            )),
        ));
    }
}

/// A bucket no one outside the account can reach: every public access blocked, ACLs disabled
/// (the bucket owner owns every object).
fn private_bucket() -> s3::Bucket {
    s3::Bucket::new()
        .public_access_block_configuration(
            s3::PublicAccessBlockConfiguration::new()
                .block_public_acls(true)
                .block_public_policy(true)
                .ignore_public_acls(true)
                .restrict_public_buckets(true),
        )
        .ownership_controls(s3::OwnershipControls::new(vec![
            s3::OwnershipControlsRule::new()
                .object_ownership(s3::ObjectOwnership::BucketOwnerEnforced),
        ]))
}

super::accept_methods!(Bucket);

super::accept_methods!(AccessLogs);
