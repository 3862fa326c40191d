//! [`Repository`]: an ECR repository for container images.

use std::fmt;
use std::marker::PhantomData;

use girder_aws::ecr;
use girder_aws::{CfnResource, Entry, Expr, InStack, ResourceRef};
use girder_core::{Construct, Context, Diagnostic, Diagnostics, Emitted, EnvironmentName, Handle};

use super::Placement;

/// An ECR repository, secure by default:
/// * tags are immutable: a tag names one image forever, so a deployment cannot change under a
///   running version;
/// * every pushed image is scanned for vulnerabilities;
/// * encrypted with KMS (the account's `aws/ecr` key unless set);
/// * a lifecycle policy expires untagged images after 14 days and keeps the last 50 images;
/// * `DeletionPolicy: Retain` (deleting the stack keeps the images).
///
/// Its name is `<stack name>/<id>` (`shop-prod-data/api`) unless set, so CI knows where to push.
///
/// ```
/// use girder_aws::AwsExt;
/// use girder_constructs::aws::Repository;
///
/// girder_core::environment!(pub Prod = "prod");
/// let app = girder_core::App::new("shop");
/// let data = app.environment(Prod).aws("123456789012", "eu-west-1").stack("data");
/// let api = Repository::new(&data, "api").keep_images(100).build();
/// assert_eq!(api.name(), "shop-prod-data/api");
/// let _uri = api.uri();
/// ```
pub struct Repository<E> {
    handle: Handle<RepositorySpec>,
    resource: ResourceRef<ecr::Repository>,
    name: String,
    _env: PhantomData<fn() -> E>,
}

impl<E> Clone for Repository<E> {
    fn clone(&self) -> Self {
        Repository {
            handle: self.handle.clone(),
            resource: self.resource.clone(),
            name: self.name.clone(),
            _env: PhantomData,
        }
    }
}

impl<E> fmt::Debug for Repository<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Repository({}, {})", self.handle.path(), self.name)
    }
}

/// The model of a [`Repository`].
#[derive(Debug)]
pub struct RepositorySpec {
    placement: Placement,
    /// The repository's name.
    pub name: String,
    /// Images kept, newest first; older ones expire.
    pub keep_images: u32,
    /// Days after which an untagged image expires.
    pub untagged_days: u32,
    /// A customer-managed KMS key (default: the account's `aws/ecr` key).
    kms_key: Option<Expr<String>>,
}

// `new` starts a builder whose `build` returns the construct, as bon builders do.
#[allow(clippy::new_ret_no_self)]
#[bon::bon]
impl<E: EnvironmentName> Repository<E> {
    /// Starts a repository with id `id` in `stack`.
    #[builder(start_fn = new, finish_fn = build)]
    pub fn create(
        #[builder(start_fn)] stack: &impl InStack<Env = E>,
        #[builder(start_fn, into)] id: String,
        /// The repository's name, e.g. `acme/api` (default `<stack name>/<id>`, lowercase).
        #[builder(into)]
        name: Option<String>,
        /// Images kept, newest first (default 50); older ones expire.
        #[builder(default = 50)]
        keep_images: u32,
        /// Days after which an untagged image expires (default 14).
        #[builder(default = 14)]
        expire_untagged_after_days: u32,
        /// A customer-managed KMS key to encrypt with (default: the account's `aws/ecr` key).
        kms_key: Option<Expr<String>>,
    ) -> Repository<E> {
        let stack = stack.stack();
        let app = stack.app();
        let placement = Placement::in_stack(stack, &id);
        let resource = placement.reference("Repository");
        let name =
            name.unwrap_or_else(|| format!("{}/{id}", placement.stack.name()).to_ascii_lowercase());
        let handle = app.add(
            stack.node(),
            id,
            RepositorySpec {
                placement,
                name: name.clone(),
                keep_images,
                untagged_days: expire_untagged_after_days,
                kms_key,
            },
        );
        Repository {
            handle,
            resource,
            name,
            _env: PhantomData,
        }
    }
}

impl<E: EnvironmentName> Repository<E> {
    /// The repository's name, e.g. `shop-prod-data/api`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The repository's URI, `<account>.dkr.ecr.<region>.amazonaws.com/<name>`: an image is
    /// `<uri>:<tag>`.
    pub fn uri(&self) -> Expr<String> {
        self.resource.repository_uri()
    }

    /// The repository's ARN.
    pub fn arn(&self) -> Expr<String> {
        self.resource.arn()
    }

    /// The typed reference to the `AWS::ECR::Repository`.
    pub fn resource(&self) -> &ResourceRef<ecr::Repository> {
        &self.resource
    }
}

impl<E> crate::wiring::InEnvironment<E> for Repository<E> {}

/// Whether `name` is a valid ECR repository name.
fn valid_name(name: &str) -> bool {
    let component = |c: &str| {
        !c.is_empty()
            && c.split(['.', '_', '-']).all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit())
            })
    };
    (2..=256).contains(&name.len()) && name.split('/').all(component)
}

impl Construct for RepositorySpec {
    fn kind(&self) -> &'static str {
        "Repository"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        let path = cx.path.as_str();
        if !valid_name(&self.name) {
            diags.push(
                Diagnostic::error(path, format!("repository name `{}`", self.name)).hint(
                    "use 2 to 256 lowercase letters and digits, separated by single `.`, `_`, `-` or `/`",
                ),
            );
        }
        if self.keep_images == 0 {
            diags.push(
                Diagnostic::error(path, "keeps 0 images")
                    .hint("keep at least 1 image, e.g. `.keep_images(50)`"),
            );
        }
        if self.untagged_days == 0 {
            diags.push(
                Diagnostic::error(path, "untagged images expire after 0 days")
                    .hint("ECR lifecycle rules count at least 1 day"),
            );
        }
    }

    fn render(&self, _cx: &Context<'_>, out: &mut Emitted) {
        let policy = serde_json::json!({
            "rules": [
                {
                    "rulePriority": 1,
                    "description": format!("expire untagged images after {} days", self.untagged_days),
                    "selection": {
                        "tagStatus": "untagged",
                        "countType": "sinceImagePushed",
                        "countUnit": "days",
                        "countNumber": self.untagged_days,
                    },
                    "action": {"type": "expire"},
                },
                {
                    "rulePriority": 2,
                    "description": format!("keep the last {} images", self.keep_images),
                    "selection": {
                        "tagStatus": "any",
                        "countType": "imageCountMoreThan",
                        "countNumber": self.keep_images,
                    },
                    "action": {"type": "expire"},
                },
            ]
        });
        let mut encryption = ecr::EncryptionConfiguration::new(ecr::EncryptionType::Kms);
        if let Some(key) = &self.kms_key {
            encryption = encryption.kms_key(key.clone());
        }
        let repository = ecr::Repository::new()
            .repository_name(self.name.as_str())
            .image_tag_mutability(ecr::ImageTagMutability::Immutable)
            .image_scanning_configuration(ecr::ImageScanningConfiguration::new().scan_on_push(true))
            .encryption_configuration(encryption)
            .lifecycle_policy(
                ecr::LifecyclePolicy::new().lifecycle_policy_text(policy.to_string()),
            );
        let p = &self.placement;
        out.emit(CfnResource::new(
            &p.stack,
            p.id("Repository"),
            Entry::new(repository),
        ));
    }
}
