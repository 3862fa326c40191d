//! [`Repository`]: an ECR repository for container images.

use std::fmt;
use std::marker::PhantomData;

use girder_aws::ecr;
use girder_aws::{CfnResource, Entry, Expr, InStack, ResourceRef};
use girder_core::{Construct, Context, Diagnostic, Diagnostics, Emitted, EnvironmentName, Handle};

use super::{Accepted, Placement};

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
/// // What a workload's `.image(..)` takes:
/// assert_eq!(
///     api.image("3.2.0").as_str(),
///     "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-prod-data/api:3.2.0"
/// );
/// ```
pub struct Repository<E> {
    handle: Handle<RepositorySpec>,
    resource: ResourceRef<ecr::Repository>,
    name: String,
    /// `<account>.dkr.ecr.<region>.<domain>/<name>`, known at synth.
    literal_uri: String,
    _env: PhantomData<fn() -> E>,
}

impl<E> Clone for Repository<E> {
    fn clone(&self) -> Self {
        Repository {
            handle: self.handle.clone(),
            resource: self.resource.clone(),
            name: self.name.clone(),
            literal_uri: self.literal_uri.clone(),
            _env: PhantomData,
        }
    }
}

/// An image of a [`Repository`] of environment `E`, by tag or by digest: the registry, the
/// repository's name and the tag or digest, checked when made ([`Repository::image`],
/// [`Repository::image_digest`]). A workload's `.image(..)` takes it.
///
/// ```
/// use girder_aws::AwsExt;
/// use girder_constructs::aws::Repository;
///
/// girder_core::environment!(pub Prod = "prod");
/// let app = girder_core::App::new("shop");
/// let images = app.environment(Prod).aws("123456789012", "eu-west-1").stack("images");
/// let web = Repository::new(&images, "web").build();
/// let pinned = web.image_digest(
///     "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
/// );
/// assert!(pinned.as_str().ends_with("/shop-prod-images/web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
/// ```
pub struct EcrImage<E> {
    reference: String,
    _env: PhantomData<fn() -> E>,
}

impl<E> Clone for EcrImage<E> {
    fn clone(&self) -> Self {
        EcrImage {
            reference: self.reference.clone(),
            _env: PhantomData,
        }
    }
}

impl<E> fmt::Debug for EcrImage<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EcrImage({})", self.reference)
    }
}

impl<E> fmt::Display for EcrImage<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reference)
    }
}

impl<E> EcrImage<E> {
    /// The image reference, `<registry>/<repository>:<tag>` or `...@sha256:<digest>`.
    pub fn as_str(&self) -> &str {
        &self.reference
    }
}

impl<E> From<EcrImage<E>> for String {
    fn from(image: EcrImage<E>) -> String {
        image.reference
    }
}

/// Why `tag` is not a Docker image tag (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`).
fn check_tag(tag: &str) -> Option<&'static str> {
    let mut bytes = tag.bytes();
    match bytes.next() {
        None => Some("it is empty"),
        Some(_) if tag.len() > 128 => Some("it is longer than 128 characters"),
        Some(first) if !(first.is_ascii_alphanumeric() || first == b'_') => {
            Some("it starts with another character than a letter, a digit or `_`")
        }
        Some(_) if !bytes.all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b)) => {
            Some("it may only contain letters, digits, `_`, `.` and `-`")
        }
        _ => None,
    }
}

/// Whether `digest` is `sha256:` and 64 lowercase hexadecimal digits.
fn is_digest(digest: &str) -> bool {
    digest.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

impl<E> fmt::Debug for Repository<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Repository({}, {})", self.handle.path(), self.name)
    }
}

/// The model of a [`Repository`].
#[derive(Debug)]
pub struct RepositorySpec {
    /// The checkov checks accepted on its resources, with the reasons.
    accepted: Accepted,
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
        let region = placement.stack.region().as_str();
        let domain = if region.starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        };
        let literal_uri = format!(
            "{}.dkr.ecr.{region}.{domain}/{name}",
            placement.stack.account()
        );
        let handle = app.add(
            stack.node(),
            id,
            RepositorySpec {
                accepted: Accepted::default(),
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
            literal_uri,
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

    /// The image of this repository tagged `tag` (e.g. `3.2.0`), for a workload's `.image(..)`:
    /// `<account>.dkr.ecr.<region>.amazonaws.com/<name>:<tag>`. A tag Docker does not accept is
    /// reported at synth. Tags are immutable in the repository; pin a digest with
    /// [`Repository::image_digest`] where the environment asks for one.
    pub fn image(&self, tag: impl Into<String>) -> EcrImage<E> {
        let tag = tag.into();
        if let Some(why) = check_tag(&tag) {
            self.handle.app().report(
                Diagnostic::error(
                    self.handle.path().as_str(),
                    format!("image tag `{tag}`: {why}"),
                )
                .hint("a tag is 1 to 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`, e.g. `3.2.0`; pass a digest to `image_digest`"),
            );
        }
        EcrImage {
            reference: format!("{}:{tag}", self.literal_uri),
            _env: PhantomData,
        }
    }

    /// The image of this repository with digest `digest` (`sha256:` and 64 lowercase
    /// hexadecimal digits), for a workload's `.image(..)`:
    /// `<account>.dkr.ecr.<region>.amazonaws.com/<name>@<digest>`. Anything else is reported at
    /// synth.
    pub fn image_digest(&self, digest: impl Into<String>) -> EcrImage<E> {
        let digest = digest.into();
        if !is_digest(&digest) {
            self.handle.app().report(
                Diagnostic::error(
                    self.handle.path().as_str(),
                    format!("image digest `{digest}` is not `sha256:` and 64 hexadecimal digits"),
                )
                .hint("copy the digest CI printed when it pushed, e.g. from `aws ecr describe-images --query 'imageDetails[].imageDigest'`"),
            );
        }
        EcrImage {
            reference: format!("{}@{digest}", self.literal_uri),
            _env: PhantomData,
        }
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

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        self.render_resources(cx, out);
        self.accepted.apply(&[], cx, out);
    }
}

impl RepositorySpec {
    /// Emits the construct's resources (`render` then writes what it accepts on them).
    fn render_resources(&self, _cx: &Context<'_>, out: &mut Emitted) {
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
        let mut encryption = ecr::RepositoryEncryptionConfiguration::new(ecr::EncryptionType::Kms);
        if let Some(key) = &self.kms_key {
            encryption = encryption.kms_key(key.clone());
        }
        let repository = ecr::Repository::new()
            .repository_name(self.name.as_str())
            .image_tag_mutability(ecr::RepositoryImageTagMutability::Immutable)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_digests() {
        assert_eq!(check_tag("3.2.0"), None);
        assert_eq!(check_tag("_build-7.rc_1"), None);
        assert!(check_tag("").is_some());
        assert!(check_tag(".hidden").is_some());
        assert!(check_tag("-x").is_some());
        assert!(check_tag("v1:2").is_some());
        assert!(check_tag(&"a".repeat(129)).is_some());
        assert_eq!(check_tag(&"a".repeat(128)), None);
        let hex = "0123456789abcdef".repeat(4);
        assert!(is_digest(&format!("sha256:{hex}")));
        assert!(!is_digest(&format!("sha256:{}", hex.to_uppercase())));
        assert!(!is_digest(&format!("sha512:{hex}")));
        assert!(!is_digest("sha256:abc"));
    }
}

super::accept_methods!(Repository);
