//! Typed Secrets and ConfigMaps: their keys are methods, and their namespace is part of their type.
//!
//! Declare a shape once with [`secret!`](macro@crate::secret) (or [`config_map!`](crate::config_map)),
//! then refer to an existing object of that shape in a namespace:
//!
//! ```
//! use girder_constructs::{WebService, secret};
//! use girder_core::App;
//! use girder_k8s::KubernetesExt;
//!
//! girder_core::environment!(pub Prod = "prod");
//! girder_k8s::namespace!(pub Shop = "shop");
//! secret! {
//!     /// Credentials of the orders database.
//!     pub struct OrdersDb { username, password = "db-password" }
//! }
//!
//! let app = App::new("store");
//! let shop = app.environment(Prod).kubernetes().namespace(Shop);
//! let creds = OrdersDb::existing(&shop, "orders-db");
//! let api = WebService::new(&shop, "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
//! api.env("DB_PASSWORD", creds.password());
//! ```
//!
//! A key the shape does not declare does not compile:
//!
//! ```compile_fail
//! # use girder_constructs::secret;
//! # use girder_k8s::KubernetesExt;
//! # girder_core::environment!(pub Prod = "prod");
//! # girder_k8s::namespace!(pub Shop = "shop");
//! # secret! { pub struct OrdersDb { username, password } }
//! # let app = girder_core::App::new("store");
//! # let shop = app.environment(Prod).kubernetes().namespace(Shop);
//! let creds = OrdersDb::existing(&shop, "orders-db");
//! let key = creds.passwrd();
//! ```
//!
//! Nor does a key used by a workload of another namespace, since Kubernetes only resolves a
//! `secretKeyRef` in the pod's own namespace:
//!
//! ```compile_fail
//! # use girder_constructs::{WebService, secret};
//! # use girder_k8s::KubernetesExt;
//! # girder_core::environment!(pub Prod = "prod");
//! # girder_k8s::namespace!(pub Shop = "shop");
//! # girder_k8s::namespace!(pub Billing = "billing");
//! # secret! { pub struct OrdersDb { username, password } }
//! # let app = girder_core::App::new("store");
//! # let k8s = app.environment(Prod).kubernetes();
//! let creds = OrdersDb::existing(&k8s.namespace(Shop), "orders-db");
//! let invoices = WebService::new(&k8s.namespace(Billing), "invoices")
//!     .image("ghcr.io/acme/invoices:1.0.0").port(8080).build();
//! invoices.env("DB_PASSWORD", creds.password());
//! ```

use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;

use girder_core::{Diagnostic, EnvironmentName, name};
use girder_k8s::rules::refs::{Declarations, RefKind};
use girder_k8s::{Namespace, NamespaceName};

/// What kind of object holds a key: it decides between `secretKeyRef` and `configMapKeyRef`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// A Secret: only a reference is ever written, never the value.
    Secret,
    /// A ConfigMap.
    ConfigMap,
}

impl KeySource {
    /// The kind of object, for the checks of references.
    pub(crate) fn kind(self) -> RefKind {
        match self {
            KeySource::Secret => RefKind::Secret,
            KeySource::ConfigMap => RefKind::ConfigMap,
        }
    }
}

/// An existing Secret or ConfigMap in namespace `N` of environment `E`: what the types generated
/// by [`secret!`](macro@crate::secret) and [`config_map!`](crate::config_map) wrap.
pub struct KeyedObject<E, N> {
    name: Rc<str>,
    source: KeySource,
    _scope: PhantomData<fn() -> (E, N)>,
}

impl<E, N> Clone for KeyedObject<E, N> {
    fn clone(&self) -> Self {
        KeyedObject {
            name: self.name.clone(),
            source: self.source,
            _scope: PhantomData,
        }
    }
}

impl<E, N> fmt::Debug for KeyedObject<E, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} {}", self.source, self.name)
    }
}

impl<E: EnvironmentName, N: NamespaceName> KeyedObject<E, N> {
    /// The existing object `name` of `namespace`. An invalid name is reported at synth.
    ///
    /// This declares that the object exists in the cluster although the program does not
    /// create it: pods may read it. A Secret or ConfigMap a pod reads that the program neither
    /// creates nor declares this way is refused at synth (see `girder_k8s::rules::refs`).
    pub fn existing(namespace: &Namespace<E, N>, name: &str, source: KeySource) -> Self {
        Declarations::existing(
            namespace.app(),
            namespace.environment().name(),
            N::NAME,
            source.kind(),
            name,
        );
        if !name::is_dns1123_subdomain(name) {
            let what = match source {
                KeySource::Secret => "Secret",
                KeySource::ConfigMap => "ConfigMap",
            };
            namespace.app().report(
                Diagnostic::error(
                    format!("{}/{}", E::NAME, N::NAME),
                    format!("`{name}` is not a valid {what} name"),
                )
                .hint(
                    "object names are DNS-1123 subdomains: lowercase letters, digits, '-' and '.'",
                ),
            );
        }
        KeyedObject {
            name: name.into(),
            source,
            _scope: PhantomData,
        }
    }
}

impl<E, N> KeyedObject<E, N> {
    /// The object's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// An object this crate creates (or has External Secrets create) in namespace `N`, named
    /// `name`: never public, so that no program can forge a key into a namespace.
    pub(crate) fn from_parts(name: &str, source: KeySource) -> Self {
        KeyedObject {
            name: name.into(),
            source,
            _scope: PhantomData,
        }
    }

    /// One of its keys; the generated methods call this with the declared key names.
    pub fn key(&self, key: &'static str) -> Key<E, N> {
        Key {
            object: self.name.clone(),
            key,
            source: self.source,
            _scope: PhantomData,
        }
    }
}

/// One key of a Secret or ConfigMap of namespace `N` in environment `E`: usable as an
/// environment variable only by workloads of that namespace.
pub struct Key<E, N> {
    object: Rc<str>,
    key: &'static str,
    source: KeySource,
    _scope: PhantomData<fn() -> (E, N)>,
}

impl<E, N> Clone for Key<E, N> {
    fn clone(&self) -> Self {
        Key {
            object: self.object.clone(),
            key: self.key,
            source: self.source,
            _scope: PhantomData,
        }
    }
}

impl<E, N> fmt::Debug for Key<E, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} {}[{}]", self.source, self.object, self.key)
    }
}

impl<E, N> Key<E, N> {
    /// The Secret's or ConfigMap's name.
    pub fn object(&self) -> &str {
        &self.object
    }

    /// The key.
    pub fn key(&self) -> &'static str {
        self.key
    }

    /// Whether it is a key of a Secret or of a ConfigMap.
    pub fn source(&self) -> KeySource {
        self.source
    }
}

/// A key of a Secret (see [`secret!`](macro@crate::secret)).
pub type SecretKey<E, N> = Key<E, N>;

/// Declares the shape of a Secret: its keys, each reached through a method.
///
/// `secret! { pub struct Db { username, password = "db-password" } }` declares `Db<E, N>`
/// with `Db::existing(&namespace, "name")` and the methods `username()` and `password()`
/// (the latter reads the key `db-password`). See the [module docs](mod@crate::secret) for an example.
#[macro_export]
macro_rules! secret {
    ($(#[$meta:meta])* $vis:vis struct $ty:ident { $($(#[$kmeta:meta])* $key:ident $(= $rename:literal)?),* $(,)? }) => {
        $crate::__keyed_object!(Secret, $(#[$meta])* $vis struct $ty { $($(#[$kmeta])* $key $(= $rename)?),* });
    };
}

/// Declares the shape of a ConfigMap: its keys, each reached through a method.
///
/// The same as [`secret!`](macro@crate::secret), for non-secret configuration: the environment variables
/// it feeds use `configMapKeyRef`.
#[macro_export]
macro_rules! config_map {
    ($(#[$meta:meta])* $vis:vis struct $ty:ident { $($(#[$kmeta:meta])* $key:ident $(= $rename:literal)?),* $(,)? }) => {
        $crate::__keyed_object!(ConfigMap, $(#[$meta])* $vis struct $ty { $($(#[$kmeta])* $key $(= $rename)?),* });
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __keyed_object {
    ($source:ident, $(#[$meta:meta])* $vis:vis struct $ty:ident { $($(#[$kmeta:meta])* $key:ident $(= $rename:literal)?),* }) => {
        $(#[$meta])*
        $vis struct $ty<E, N> {
            object: $crate::secret::KeyedObject<E, N>,
        }

        impl<E, N> ::core::clone::Clone for $ty<E, N> {
            fn clone(&self) -> Self {
                $ty { object: self.object.clone() }
            }
        }

        impl<E, N> ::core::fmt::Debug for $ty<E, N> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Debug::fmt(&self.object, f)
            }
        }

        impl<E, N> $crate::wiring::InEnvironment<E> for $ty<E, N> {}

        impl<E: $crate::__private::EnvironmentName, N: $crate::__private::NamespaceName> $ty<E, N> {
            #[doc = concat!("The existing ", stringify!($source), " `name` of `namespace`: declares that the cluster has it (pods may read it; a ", stringify!($source), " a pod reads that the program neither creates nor declares is refused at synth).")]
            pub fn existing(namespace: &$crate::__private::Namespace<E, N>, name: &str) -> Self {
                $ty {
                    object: $crate::secret::KeyedObject::existing(
                        namespace,
                        name,
                        $crate::secret::KeySource::$source,
                    ),
                }
            }

            $crate::__from_aws_secret!();
        }

        impl<E, N> $ty<E, N> {
            /// The keys this shape declares, as written in the object.
            pub const KEYS: &'static [&'static str] = &[$($crate::__key_name!($key $(= $rename)?)),*];

            /// The object's name.
            pub fn name(&self) -> &str {
                self.object.name()
            }

            $(
                #[doc = concat!("The key `", $crate::__key_name!($key $(= $rename)?), "`.")]
                $(#[$kmeta])*
                pub fn $key(&self) -> $crate::secret::Key<E, N> {
                    self.object.key($crate::__key_name!($key $(= $rename)?))
                }
            )*
        }
    };
}

/// `from_aws_secret`, inside the `impl` of a type [`secret!`](macro@crate::secret) declares:
/// with the `aws` feature only, which the expansion cannot test (a `cfg` in a macro is evaluated
/// in the program's crate).
#[cfg(feature = "aws")]
#[doc(hidden)]
#[macro_export]
macro_rules! __from_aws_secret {
    () => {
        /// A Secret `name` in `namespace` kept in sync by External Secrets with the AWS
        /// Secrets Manager secret `secret` (an `AwsSecret` of the program, or an
        /// `ExistingAwsSecret` named by its full ARN), whose JSON value has one property
        /// per declared key. Only the reference is written; the cluster's External
        /// Secrets role is granted this secret (and its KMS key) alone.
        pub fn from_aws_secret(
            namespace: &$crate::__private::Namespace<E, N>,
            name: &str,
            secret: &impl $crate::aws::SyncableSecret<E>,
        ) -> Self {
            $crate::secret::sync_from_aws(namespace, name, secret.source(), Self::KEYS);
            Self::existing(namespace, name)
        }
    };
}

/// Without the `aws` feature, the types [`secret!`](macro@crate::secret) declares have no
/// `from_aws_secret`.
#[cfg(not(feature = "aws"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __from_aws_secret {
    () => {};
}

#[doc(hidden)]
#[macro_export]
macro_rules! __key_name {
    ($key:ident = $rename:literal) => {
        $rename
    };
    ($key:ident) => {
        stringify!($key)
    };
}

/// The model of a Secret synced from AWS Secrets Manager (see `from_aws_secret` on the types
/// [`secret!`](macro@crate::secret) declares).
#[cfg(feature = "aws")]
#[derive(Debug)]
pub struct SyncedSecretSpec {
    name: String,
    namespace: String,
    remote: String,
    keys: &'static [&'static str],
}

#[cfg(feature = "aws")]
#[doc(hidden)]
pub fn sync_from_aws<E: EnvironmentName, N: NamespaceName>(
    namespace: &Namespace<E, N>,
    name: &str,
    source: crate::aws::SecretSource,
    keys: &'static [&'static str],
) {
    crate::aws::bridge::ExternalSecretsReads::of(namespace.app(), namespace.environment().node())
        .add(source.stack.as_ref(), source.read);
    let spec = SyncedSecretSpec {
        name: name.to_owned(),
        namespace: N::NAME.to_owned(),
        remote: source.remote_key,
        keys,
    };
    namespace
        .app()
        .add(namespace.node(), format!("{name}-sync"), spec);
}

#[cfg(feature = "aws")]
impl girder_core::Construct for SyncedSecretSpec {
    fn kind(&self) -> &'static str {
        "SyncedSecret"
    }

    fn validate(&self, cx: &girder_core::Context<'_>, diags: &mut girder_core::Diagnostics) {
        if self.remote.trim().is_empty() {
            diags.push(
                Diagnostic::error(cx.path.as_str(), "the AWS secret name is empty")
                    .hint("pass the Secrets Manager secret's name, e.g. `aws_secret.name()`"),
            );
        }
    }

    fn render(&self, cx: &girder_core::Context<'_>, out: &mut girder_core::Emitted) {
        use girder_k8s::crd::external_secrets::{
            CreationPolicy, ExternalSecret, ExternalSecretData, ExternalSecretSpec,
            ExternalSecretTarget, RemoteRef, SecretStoreKind, SecretStoreRef,
        };
        let labels = girder_k8s::labels::Labels::new(cx, &self.name, "synced-secret");
        out.emit(girder_k8s::Manifest::new(ExternalSecret {
            metadata: girder_k8s::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                name: Some(self.name.clone()),
                namespace: Some(self.namespace.clone()),
                labels: Some(labels.all()),
                ..Default::default()
            },
            spec: ExternalSecretSpec {
                secret_store_ref: Some(SecretStoreRef {
                    name: crate::aws::bridge::SECRETS_MANAGER_STORE.to_owned(),
                    kind: Some(SecretStoreKind::ClusterSecretStore),
                }),
                target: Some(ExternalSecretTarget {
                    name: Some(self.name.clone()),
                    creation_policy: Some(CreationPolicy::Owner),
                    ..Default::default()
                }),
                refresh_interval: Some("1h".into()),
                data: self
                    .keys
                    .iter()
                    .map(|key| ExternalSecretData {
                        secret_key: (*key).to_owned(),
                        remote_ref: RemoteRef {
                            key: self.remote.clone(),
                            property: Some((*key).to_owned()),
                            ..Default::default()
                        },
                    })
                    .collect(),
                ..Default::default()
            },
        }));
    }
}
