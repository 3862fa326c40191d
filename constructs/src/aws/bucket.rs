//! [`Bucket`]: an S3 bucket, private and encrypted.

use std::fmt;
use std::marker::PhantomData;

use girder_aws::policy::{PolicyDocument, Principal, Statement};
use girder_aws::s3;
use girder_aws::{CfnResource, Entry, Expr, InStack, ResourceRef};
use girder_core::{Construct, Context, Diagnostic, Diagnostics, Emitted, EnvironmentName, Handle};

use super::Placement;
use super::bridge::{ApiService, Grantee, api_server};

/// An S3 bucket, secure by default:
/// * all public access blocked, ACLs disabled (bucket owner enforced);
/// * encrypted with KMS (the account's `aws/s3` key unless set), bucket keys on;
/// * versioned, noncurrent versions expired after 30 days, incomplete uploads aborted after 7;
/// * a bucket policy that denies requests without TLS;
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
        let resource = placement.reference("Bucket");
        let handle = app.add(
            stack.node(),
            id,
            BucketSpec {
                placement,
                resource: resource.clone(),
                versioned,
                noncurrent_days: noncurrent_versions_days,
                expire_days: expire_objects_after_days,
                kms_key,
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
        let bucket = s3::Bucket::new()
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
            .bucket_encryption(encryption)
            .versioning_configuration(s3::VersioningConfiguration::new(if self.versioned {
                s3::VersioningConfigurationStatus::Enabled
            } else {
                s3::VersioningConfigurationStatus::Suspended
            }))
            .lifecycle_configuration(s3::LifecycleConfiguration::new(rules));
        let entry = Entry::new(bucket).checkov_skip(
            "CKV_AWS_18",
            "server access logs are not kept per bucket: S3 data events go to the account's CloudTrail",
        );
        out.push(CfnResource::new(
            &placement.stack,
            reference.target().logical_id().clone(),
            entry,
        ));
        let tls_only = PolicyDocument::new([Statement::deny(["s3:*"])
            .sid("DenyInsecureTransport")
            .principal(Principal::Any)
            .resource(reference.arn())
            .resource_objects(reference.arn())
            .condition("Bool", "aws:SecureTransport", "false")]);
        out.push(CfnResource::new(
            &placement.stack,
            placement.id("Policy"),
            Entry::new(s3::BucketPolicy::new(reference.reference(), tls_only)),
        ));
    }
}
