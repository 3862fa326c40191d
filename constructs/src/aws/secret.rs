//! [`AwsSecret`]: a Secrets Manager secret whose value Secrets Manager generates, encrypted with a
//! customer-managed KMS key, under a name known at synth.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use girder_aws::dynamic::SecretReference;
use girder_aws::{
    Aws, CfnResource, DynamicReference, Entry, Expr, InStack, LogicalId, ResourceRef, Value,
};
use girder_aws::{kms, secretsmanager};
use girder_core::{Construct, Context, Diagnostic, Diagnostics, Emitted, EnvironmentName, Handle};

use super::bridge::{ApiService, Read, api_server};
use super::postgres::kms_key;
use super::{Accepted, Placement};

/// The id of the KMS key a stack's secrets share, a child of the stack.
const STACK_KEY_ID: &str = "secrets-key";
/// Characters left out of generated passwords: `"`, `'`, `\`, `/`, `@` and the space break
/// connection strings and shells; `:`, `?`, `#`, `%`, `[` and `]` would need escaping in a URL.
const PASSWORD_EXCLUDED: &str = "\"@/\\':?#%[]` ";
/// The longest value Secrets Manager generates.
const MAX_LENGTH: u32 = 4096;
/// The longest secret name.
const MAX_NAME: usize = 512;

/// How Secrets Manager generates an [`AwsSecret`]'s value when the stack creates it. The value
/// never passes through Girder or the template.
///
/// ```
/// use girder_constructs::aws::Generate;
///
/// // A 32-character password: letters, digits and punctuation that needs no quoting.
/// let password = Generate::password(32);
/// // `{"username": "app", "password": "<generated>"}`.
/// let credentials = Generate::password(32).json_key("password").field("username", "app");
/// assert_eq!(credentials.keys().collect::<Vec<_>>(), ["password", "username"]);
/// # let _ = password;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct Generate {
    length: u32,
    punctuation: bool,
    json_key: Option<String>,
    fields: BTreeMap<String, String>,
}

impl Generate {
    /// A password of `length` characters (1 to 4,096): letters, digits and the punctuation that
    /// needs no quoting in a URL or a shell, at least one of each.
    pub fn password(length: u32) -> Self {
        Generate {
            length,
            punctuation: true,
            json_key: None,
            fields: BTreeMap::new(),
        }
    }

    /// A token of `length` characters (1 to 4,096): letters and digits only, at least one of
    /// each.
    pub fn token(length: u32) -> Self {
        Generate {
            punctuation: false,
            ..Generate::password(length)
        }
    }

    /// Makes the value a JSON object whose key `key` holds the generated string (default: the
    /// value is the bare string).
    pub fn json_key(mut self, key: impl Into<String>) -> Self {
        self.json_key = Some(key.into());
        self
    }

    /// Adds the fixed field `key` = `value` to the JSON object (e.g. a user name next to the
    /// password); needs [`Generate::json_key`]. Not a place for secrets: fixed fields are
    /// written in the template.
    pub fn field(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.fields.insert(key.into(), value.into());
        self
    }

    /// The keys of the JSON object, sorted (none for a bare string).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        let mut keys: Vec<&str> = self.fields.keys().map(String::as_str).collect();
        if let Some(key) = &self.json_key {
            keys.push(key);
        }
        keys.sort_unstable();
        keys.dedup();
        keys.into_iter()
    }

    fn check(&self, path: &str, diags: &mut Diagnostics) {
        if !(1..=MAX_LENGTH).contains(&self.length) {
            diags.push(
                Diagnostic::error(
                    path,
                    format!("a generated value of {} characters", self.length),
                )
                .hint("Secrets Manager generates 1 to 4,096 characters; 32 is a good default"),
            );
        }
        if !self.fields.is_empty() && self.json_key.is_none() {
            diags.push(
                Diagnostic::error(path, "fixed fields without a key for the generated value")
                    .hint("name the generated value's key, e.g. `Generate::password(32).json_key(\"password\").field(\"username\", \"app\")`"),
            );
        }
        if let Some(key) = &self.json_key {
            if key.is_empty() {
                diags.push(
                    Diagnostic::error(path, "the generated value's JSON key is empty")
                        .hint("name it, e.g. `.json_key(\"password\")`"),
                );
            }
            if self.fields.contains_key(key) {
                diags.push(
                    Diagnostic::error(
                        path,
                        format!("key `{key}` is both generated and a fixed field"),
                    )
                    .hint("give the fixed field another key"),
                );
            }
        }
    }

    fn to_cfn(&self) -> secretsmanager::GenerateSecretString {
        let mut generate = secretsmanager::GenerateSecretString::new()
            .password_length(i64::from(self.length))
            .require_each_included_type(true);
        generate = if self.punctuation {
            generate.exclude_characters(PASSWORD_EXCLUDED)
        } else {
            generate.exclude_punctuation(true)
        };
        if let Some(key) = &self.json_key {
            let template = serde_json::Value::Object(
                self.fields
                    .iter()
                    .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                    .collect(),
            );
            generate = generate
                .secret_string_template(template.to_string())
                .generate_string_key(key.as_str());
        }
        generate
    }
}

impl Default for Generate {
    /// [`Generate::password`] of 32 characters.
    fn default() -> Self {
        Generate::password(32)
    }
}

/// A Secrets Manager secret, secure by default:
/// * its value is generated by Secrets Manager when the stack creates it ([`Generate`], default
///   a 32-character password): it is never in the template, in Girder's output or in the
///   program;
/// * encrypted with a customer-managed KMS key: by default one key per stack, shared by the
///   stack's secrets, rotated yearly, administered by the account through IAM (`alias/<stack
///   name>/secrets`);
/// * named `<stack name>/<id>` ([`AwsSecret::name`]), known at synth, so Kubernetes-side tooling
///   (External Secrets, the CSI driver) can refer to it by name;
/// * `DeletionPolicy: Retain` and `UpdateReplacePolicy: Retain`, like its key.
///
/// Readers need `secretsmanager:GetSecretValue` on the secret and `kms:Decrypt` on its key:
/// [`Role::grant_read_secret`](super::Role::grant_read_secret) grants both, the decryption only
/// through Secrets Manager and only for this secret.
///
/// **One key per stack.** A key costs a monthly fee and counts against the stack's 500
/// resources; one per secret would cost both for every secret without isolating anything more:
/// a reader also needs `GetSecretValue` on the secret, and the grant ties `kms:Decrypt` to the
/// secret's ARN through the encryption context. Pass `.kms_key(arn)` to use a key of your own.
///
/// **A named secret cannot be replaced in place.** CloudFormation creates a replacement before
/// it deletes the old resource, and two secrets cannot share a name: a change that replaces the
/// secret (renaming its stack or id) fails. A deleted secret keeps its name for its recovery
/// window (7 to 30 days), and a retained one keeps it until deleted by hand: recreating the
/// stack under the same name fails until then. Rotation is not set up: rotating needs a function
/// that also updates the secret's consumers.
///
/// ```
/// use girder_aws::AwsExt;
/// use girder_constructs::aws::{AwsSecret, Generate};
///
/// girder_core::environment!(pub Prod = "prod");
/// let app = girder_core::App::new("shop");
/// let data = app.environment(Prod).aws("123456789012", "eu-west-1").stack("data");
/// let token = AwsSecret::new(&data, "api-token").generate(Generate::token(40)).build();
/// assert_eq!(token.name(), "shop-prod-data/api-token");
/// let db = AwsSecret::new(&data, "orders-db")
///     .generate(Generate::password(32).json_key("password").field("username", "orders"))
///     .description("orders database credentials")
///     .build();
/// let _password = db.reference().json_key("password"); // `{{resolve:secretsmanager:...}}`
/// ```
pub struct AwsSecret<E> {
    handle: Handle<AwsSecretSpec>,
    resource: ResourceRef<secretsmanager::Secret>,
    key_arn: Expr<String>,
    name: String,
    _env: PhantomData<fn() -> E>,
}

impl<E> Clone for AwsSecret<E> {
    fn clone(&self) -> Self {
        AwsSecret {
            handle: self.handle.clone(),
            resource: self.resource.clone(),
            key_arn: self.key_arn.clone(),
            name: self.name.clone(),
            _env: PhantomData,
        }
    }
}

impl<E> fmt::Debug for AwsSecret<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AwsSecret({}, {})", self.handle.path(), self.name)
    }
}

/// The model of an [`AwsSecret`].
#[derive(Debug)]
pub struct AwsSecretSpec {
    /// The checkov checks accepted on its resources, with the reasons.
    accepted: Accepted,
    placement: Placement,
    /// The secret's logical ID.
    id: LogicalId,
    /// The secret's name, `<stack name>/<id>`.
    pub name: String,
    /// How its value is generated.
    pub generate: Generate,
    /// A description (default: the construct's path).
    pub description: Option<String>,
    key_arn: Expr<String>,
    api: ApiService,
}

/// The model of the KMS key the secrets of one stack share (created with the stack's first
/// [`AwsSecret`] that brings no key of its own).
#[derive(Debug)]
pub struct SecretsKeySpec {
    placement: Placement,
    alias: String,
    arn: Expr<String>,
}

impl SecretsKeySpec {
    /// The key of `stack`'s secrets: its ARN, created on first use.
    fn arn_in<E: EnvironmentName>(stack: &girder_aws::AwsStack<E>) -> Expr<String> {
        let app = stack.app();
        let Some(node) = app.child(stack.node(), STACK_KEY_ID) else {
            let placement = Placement::in_stack(stack, STACK_KEY_ID);
            let alias = format!("alias/{}/secrets", placement.stack.name());
            let arn = placement.reference::<kms::Key>("Key").arn();
            let spec = SecretsKeySpec {
                placement,
                alias,
                arn: arn.clone(),
            };
            app.add(stack.node(), STACK_KEY_ID, spec);
            return arn;
        };
        if let Some(key) = app.handle::<SecretsKeySpec>(node) {
            return key.read(|spec| spec.arn.clone());
        }
        app.report(
            Diagnostic::error(
                app.path(node).as_str(),
                format!(
                    "id `{STACK_KEY_ID}` is taken, and the stack's secrets need it for their KMS key"
                ),
            )
            .hint("rename that construct, or give the secrets a key with `.kms_key(..)`"),
        );
        Placement::new(stack, app.path(node))
            .reference::<kms::Key>("Key")
            .arn()
    }
}

impl Construct for SecretsKeySpec {
    fn kind(&self) -> &'static str {
        "SecretsKey"
    }

    fn render(&self, _cx: &Context<'_>, out: &mut Emitted) {
        let p = &self.placement;
        let key: ResourceRef<kms::Key> = p.reference("Key");
        out.emit(CfnResource::new(
            &p.stack,
            p.id("Key"),
            Entry::new(kms_key(format!(
                "{}: Secrets Manager secrets",
                p.stack.name()
            ))),
        ));
        out.emit(CfnResource::new(
            &p.stack,
            p.id("Alias"),
            Entry::new(kms::Alias::new(self.alias.as_str(), key.reference())),
        ));
    }
}

// `new` starts a builder whose `build` returns the construct, as bon builders do.
#[allow(clippy::new_ret_no_self)]
#[bon::bon]
impl<E: EnvironmentName> AwsSecret<E> {
    /// Starts a secret with id `id` in `stack`.
    #[builder(start_fn = new, finish_fn = build)]
    pub fn create(
        #[builder(start_fn)] stack: &impl InStack<Env = E>,
        #[builder(start_fn, into)] id: String,
        /// How Secrets Manager generates the value (default [`Generate::password`] of 32
        /// characters).
        #[builder(default)]
        generate: Generate,
        /// A description (default: the construct's path); at most 2,048 characters.
        #[builder(into)]
        description: Option<String>,
        /// The ARN of a customer-managed KMS key to encrypt with (default: the stack's key for
        /// secrets, created with its first secret).
        kms_key: Option<Expr<String>>,
    ) -> AwsSecret<E> {
        let stack = stack.stack();
        let app = stack.app();
        let placement = Placement::in_stack(stack, &id);
        let resource = placement.reference("Secret");
        let name = format!("{}/{id}", placement.stack.name());
        let key_arn = kms_key.unwrap_or_else(|| SecretsKeySpec::arn_in(stack));
        let handle = app.add(
            stack.node(),
            id,
            AwsSecretSpec {
                accepted: Accepted::default(),
                placement,
                id: resource.target().logical_id().clone(),
                name: name.clone(),
                generate,
                description,
                key_arn: key_arn.clone(),
                api: ApiService::default(),
            },
        );
        AwsSecret {
            handle,
            resource,
            key_arn,
            name,
            _env: PhantomData,
        }
    }
}

impl<E: EnvironmentName> AwsSecret<E> {
    /// The secret's ARN (`Ref`); it ends in a random suffix, so it is only known once deployed.
    pub fn arn(&self) -> Expr<String> {
        self.resource.reference()
    }

    /// The secret's name, `<stack name>/<id>`, known at synth: what External Secrets' `remoteRef`
    /// or the AWS CLI take.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The ARN of the KMS key that encrypts the secret: readers need `kms:Decrypt` on it.
    pub fn key_arn(&self) -> Expr<String> {
        self.key_arn.clone()
    }

    /// A dynamic reference to the value (`{{resolve:secretsmanager:<arn>}}`), for a property of
    /// another resource that takes a secret; pick a key of a JSON value with
    /// [`SecretReference::json_key`]. CloudFormation resolves it at deploy time: the value is
    /// still never in the template.
    pub fn reference(&self) -> SecretReference {
        DynamicReference::secrets_manager(self.arn())
    }

    /// The typed reference to the `AWS::SecretsManager::Secret`.
    pub fn resource(&self) -> &ResourceRef<secretsmanager::Secret> {
        &self.resource
    }
}

impl<E> crate::wiring::InEnvironment<E> for AwsSecret<E> {}

api_server!(AwsSecret, "arn");

impl Construct for AwsSecretSpec {
    fn kind(&self) -> &'static str {
        "AwsSecret"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        let path = cx.path.as_str();
        self.api.clients.validate(path, diags);
        self.generate.check(path, diags);
        if self.name.len() > MAX_NAME {
            diags.push(
                Diagnostic::error(
                    path,
                    format!("secret name `{}` is longer than 512 characters", self.name),
                )
                .hint("shorten the stack's or the secret's id"),
            );
        }
        // Secrets Manager appends `-` and six characters to a secret's name in its ARN; a name
        // that ends the same way makes partial ARNs ambiguous.
        let bytes = self.name.as_bytes();
        if bytes.len() > 7
            && bytes[bytes.len() - 7] == b'-'
            && bytes[bytes.len() - 6..]
                .iter()
                .all(u8::is_ascii_alphanumeric)
        {
            diags.push(
                Diagnostic::warning(
                    path,
                    format!("secret name `{}` ends with `-` and six characters, like the suffix Secrets Manager adds to ARNs", self.name),
                )
                .hint("a partial ARN of this secret would be ambiguous: end the id differently, e.g. `api-token` instead of `api-secret`"),
            );
        }
        if self.description.as_ref().is_some_and(|d| d.len() > 2048) {
            diags.push(
                Diagnostic::error(path, "a description over 2,048 characters")
                    .hint("shorten it; link to a runbook instead"),
            );
        }
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        self.render_resources(cx, out);
        self.accepted.apply(&[], cx, out);
    }
}

impl AwsSecretSpec {
    /// Emits the construct's resources (`render` then writes what it accepts on them).
    fn render_resources(&self, cx: &Context<'_>, out: &mut Emitted) {
        let p = &self.placement;
        let secret: ResourceRef<secretsmanager::Secret> = p.reference("Secret");
        self.api
            .render(cx, "secret", p, ("arn", || secret.reference()), out);
        let description = self
            .description
            .clone()
            .unwrap_or_else(|| cx.path.to_string());
        let secret = secretsmanager::Secret::new()
            .name(self.name.as_str())
            .description(description)
            .kms_key_id(self.key_arn.clone())
            .generate_secret_string(self.generate.to_cfn());
        // No rotation schedule: rotating an application secret needs a function that also
        // updates its consumers. (checkov's rotation check, CKV2_AWS_57, is Terraform's only.)
        out.emit(CfnResource::new(
            &p.stack,
            self.id.clone(),
            Entry::new(secret),
        ));
    }
}

/// What External Secrets needs to sync a Secrets Manager secret into a namespace: the key it
/// asks Secrets Manager for, and what its role must be granted (the secret's exact ARN, and the
/// KMS key that encrypts it). Made by [`SyncableSecret::source`].
#[derive(Debug, Clone)]
pub struct SecretSource {
    pub(crate) remote_key: String,
    pub(crate) stack: Option<std::sync::Arc<girder_aws::StackAddress>>,
    pub(crate) read: Read,
}

impl SecretSource {
    /// What External Secrets' `remoteRef.key` holds: the secret's name, or its full ARN for a
    /// secret created outside the program.
    pub fn remote_key(&self) -> &str {
        &self.remote_key
    }
}

/// A Secrets Manager secret that External Secrets can sync into a Kubernetes namespace (the
/// `from_aws_secret` of the types [`secret!`](macro@crate::secret) declares): an
/// [`AwsSecret`] of the program, or an [`ExistingAwsSecret`] named by its full ARN. The
/// cluster's External Secrets role is granted that secret alone.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Secrets Manager secret External Secrets can sync",
    note = "pass an `AwsSecret` of the program, or `ExistingAwsSecret::from_arn(&aws, \"arn:aws:secretsmanager:...\")` for a secret created elsewhere"
)]
pub trait SyncableSecret<E> {
    /// The secret's name or ARN, and what reading it takes.
    fn source(&self) -> SecretSource;
}

impl<E: EnvironmentName> SyncableSecret<E> for AwsSecret<E> {
    fn source(&self) -> SecretSource {
        SecretSource {
            remote_key: self.name.clone(),
            stack: Some(self.resource.target().stack_arc().clone()),
            read: Read::Secret {
                arn: self.arn().into(),
                key: Some(self.key_arn.clone().into()),
            },
        }
    }
}

/// A Secrets Manager secret created outside the program, named by its full ARN (with the six
/// random characters Secrets Manager ends it with): External Secrets' role is granted that ARN
/// alone, never a prefix.
///
/// ```
/// use girder_aws::AwsExt;
/// use girder_constructs::aws::ExistingAwsSecret;
///
/// girder_core::environment!(pub Prod = "prod");
/// let app = girder_core::App::new("shop");
/// let aws = app.environment(Prod).aws("123456789012", "eu-west-1");
/// let stripe = ExistingAwsSecret::from_arn(
///     &aws,
///     "arn:aws:secretsmanager:eu-west-1:123456789012:secret:payments/stripe-AbC123",
/// )
/// .kms_key("arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab");
/// # let _ = stripe;
/// ```
pub struct ExistingAwsSecret<E> {
    arn: String,
    key: Option<String>,
    _env: PhantomData<fn() -> E>,
}

impl<E> Clone for ExistingAwsSecret<E> {
    fn clone(&self) -> Self {
        ExistingAwsSecret {
            arn: self.arn.clone(),
            key: self.key.clone(),
            _env: PhantomData,
        }
    }
}

impl<E> fmt::Debug for ExistingAwsSecret<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ExistingAwsSecret({})", self.arn)
    }
}

impl<E: EnvironmentName> ExistingAwsSecret<E> {
    /// The secret whose full ARN is `arn`
    /// (`arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 characters>`), in
    /// the region of `aws` (External Secrets' stores read that region). A partial ARN, a
    /// wildcard or another region is reported at synth.
    pub fn from_arn(aws: &Aws<E>, arn: impl Into<String>) -> Self {
        let arn = arn.into();
        if let Err(why) = check_secret_arn(&arn, aws.environment().region().as_str()) {
            aws.app().report(
                Diagnostic::error(
                    format!("{}/aws", E::NAME),
                    format!("secret ARN `{arn}`: {why}"),
                )
                .hint("copy the secret's full ARN from the console or `aws secretsmanager describe-secret --secret-id <name> --query ARN`: it ends in `-` and six random characters"),
            );
        }
        ExistingAwsSecret {
            arn,
            key: None,
            _env: PhantomData,
        }
    }

    /// The ARN of the customer-managed KMS key that encrypts the secret (default: the account's
    /// `aws/secretsmanager` key, which needs no grant): External Secrets may decrypt with it
    /// only through Secrets Manager, and only for this secret.
    #[must_use]
    pub fn kms_key(mut self, arn: impl Into<String>) -> Self {
        self.key = Some(arn.into());
        self
    }

    /// The secret's ARN.
    pub fn arn(&self) -> &str {
        &self.arn
    }
}

impl<E: EnvironmentName> SyncableSecret<E> for ExistingAwsSecret<E> {
    fn source(&self) -> SecretSource {
        SecretSource {
            remote_key: self.arn.clone(),
            stack: None,
            read: Read::Secret {
                arn: Value::from(self.arn.as_str()),
                key: self.key.as_deref().map(Value::from),
            },
        }
    }
}

/// Why `arn` is not the full ARN of a Secrets Manager secret in `region`.
fn check_secret_arn(arn: &str, region: &str) -> Result<(), String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, in_region, account, resource] = parts[..] else {
        return Err(
            "it is not an ARN (`arn:aws:secretsmanager:<region>:<account>:secret:<name>`)".into(),
        );
    };
    let name = resource.strip_prefix("secret:");
    let (true, Some(name)) = (
        prefix == "arn" && !partition.is_empty() && service == "secretsmanager",
        name,
    ) else {
        return Err("it is not the ARN of a Secrets Manager secret".into());
    };
    if arn.contains(['*', '?']) {
        return Err("it has a wildcard: name one secret".into());
    }
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("account `{account}` is not 12 digits"));
    }
    if in_region != region {
        return Err(format!(
            "it is in region `{in_region}`, and External Secrets reads `{region}`"
        ));
    }
    let bytes = name.as_bytes();
    let suffixed = bytes.len() > 7
        && bytes[bytes.len() - 7] == b'-'
        && bytes[bytes.len() - 6..]
            .iter()
            .all(u8::is_ascii_alphanumeric);
    if !suffixed {
        return Err("it is a partial ARN: the full ARN ends in `-` and the six characters Secrets Manager adds".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn existing_secrets_are_named_by_their_full_arn() {
        let region = "eu-west-1";
        let full = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:payments/stripe-AbC123";
        assert_eq!(check_secret_arn(full, region), Ok(()));
        for (arn, why) in [
            ("payments/stripe", "not an ARN"),
            (
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:payments/stripe",
                "partial ARN",
            ),
            (
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:payments/*",
                "wildcard",
            ),
            (
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:payments/stripe-AbC123",
                "region `us-east-1`",
            ),
            (
                "arn:aws:ssm:eu-west-1:123456789012:parameter/payments/stripe-AbC123",
                "not the ARN of a Secrets Manager secret",
            ),
            (
                "arn:aws:secretsmanager:eu-west-1:1234:secret:payments/stripe-AbC123",
                "12 digits",
            ),
        ] {
            let error = check_secret_arn(arn, region).expect_err(arn);
            assert!(error.contains(why), "{arn}: {error}");
        }
    }
}

super::accept_methods!(AwsSecret);
