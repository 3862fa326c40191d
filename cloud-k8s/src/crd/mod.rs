//! Typed custom resources for popular operators, as plain serde structs.
//!
//! Each resource serializes as `apiVersion`, `kind`, `metadata`, `spec` (in that order) and
//! implements [`k8s_openapi::Resource`] and [`k8s_openapi::Metadata`], so it can be used
//! wherever the built-in `k8s_openapi` types are.

use k8s_openapi::Resource;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::de::{Deserialize, Deserializer, Error as _};
use serde::ser::{Serialize, SerializeStruct, Serializer};

/// Defines a custom resource struct `{ metadata, spec }` and its trait implementations.
macro_rules! custom_resource {
    (
        $(#[$doc:meta])*
        $name:ident($spec:ty): $group:literal / $version:literal, $plural:literal, $scope:ident
    ) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct $name {
            /// Standard object metadata.
            pub metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
            /// Desired state of the resource.
            pub spec: $spec,
        }

        impl k8s_openapi::Resource for $name {
            const API_VERSION: &'static str = concat!($group, "/", $version);
            const GROUP: &'static str = $group;
            const KIND: &'static str = stringify!($name);
            const VERSION: &'static str = $version;
            const URL_PATH_SEGMENT: &'static str = $plural;
            type Scope = k8s_openapi::$scope;
        }


        impl k8s_openapi::Metadata for $name {
            type Ty = k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
            fn metadata(&self) -> &Self::Ty {
                &self.metadata
            }
            fn metadata_mut(&mut self) -> &mut Self::Ty {
                &mut self.metadata
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                $crate::crd::serialize_resource::<Self, S>(&self.metadata, &self.spec, serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let (metadata, spec) = $crate::crd::deserialize_resource::<Self, D, _>(deserializer)?;
                Ok(Self { metadata, spec })
            }
        }
    };
}

/// Defines a `Copy` enum whose variants serialize as the given strings (`Variant = "value"`,
/// optionally `| "alias"` accepted when deserializing); each variant is documented by its value.
macro_rules! string_enum {
    (
        $(#[$doc:meta])*
        $name:ident { $($variant:ident = $value:literal $(| $alias:literal)*),+ $(,)? }
    ) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $(
                #[doc = concat!("`", $value, "`.")]
                #[serde(rename = $value $(, alias = $alias)*)]
                $variant,
            )+
        }
    };
}

pub mod argo_cd;
pub mod cert_manager;
pub mod external_secrets;
pub mod flux;
pub mod gateway;
pub mod istio;
pub mod keda;
pub mod monitoring;

pub use argo_cd::Application;
pub use cert_manager::{Certificate, ClusterIssuer};
pub use external_secrets::{ClusterSecretStore, ExternalSecret, SecretStore};
pub use flux::{HelmRelease, HelmRepository};
pub use gateway::{Gateway, HTTPRoute};
pub use istio::{DestinationRule, VirtualService};
pub use keda::{ClusterTriggerAuthentication, ScaledObject, TriggerAuthentication};
pub use monitoring::{PodMonitor, PrometheusRule, ServiceMonitor};

/// Writes `apiVersion`, `kind`, `metadata`, `spec` in that order.
fn serialize_resource<R: Resource, S: Serializer>(
    metadata: &ObjectMeta,
    spec: &impl Serialize,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut state = serializer.serialize_struct(R::KIND, 4)?;
    state.serialize_field("apiVersion", R::API_VERSION)?;
    state.serialize_field("kind", R::KIND)?;
    state.serialize_field("metadata", metadata)?;
    state.serialize_field("spec", spec)?;
    state.end()
}

/// Wire form of a custom resource, before `apiVersion` and `kind` are checked.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire<Spec> {
    api_version: String,
    kind: String,
    #[serde(default)]
    metadata: ObjectMeta,
    spec: Spec,
}

/// Reads the wire form and rejects an `apiVersion` or `kind` other than `R`'s.
fn deserialize_resource<'de, R: Resource, D: Deserializer<'de>, Spec: Deserialize<'de>>(
    deserializer: D,
) -> Result<(ObjectMeta, Spec), D::Error> {
    let wire = Wire::<Spec>::deserialize(deserializer)?;
    if wire.api_version != R::API_VERSION || wire.kind != R::KIND {
        return Err(D::Error::custom(format!(
            "expected {}/{}, got {}/{}",
            R::API_VERSION,
            R::KIND,
            wire.api_version,
            wire.kind
        )));
    }
    Ok((wire.metadata, wire.spec))
}

#[cfg(test)]
pub(crate) mod tests {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    use serde::{Serialize, de::DeserializeOwned};

    /// Metadata with a name and an optional namespace.
    pub(crate) fn meta(name: &str, namespace: Option<&str>) -> ObjectMeta {
        let (name, namespace) = (Some(name.into()), namespace.map(Into::into));
        ObjectMeta {
            name,
            namespace,
            ..Default::default()
        }
    }

    /// Checks `value` serializes to `expected` with keys in Kubernetes order and round-trips.
    /// When `GIRDER_CRD_EXAMPLES` names a directory, also writes the JSON there (as `name.yaml`)
    /// for schema validation with `validate-cr.mjs`.
    pub(crate) fn check_example<T>(name: &str, value: &T, expected: &serde_json::Value)
    where
        T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        let text = serde_json::to_string_pretty(value).unwrap();
        let positions: Vec<usize> = ["\"apiVersion\"", "\"kind\"", "\"metadata\"", "\"spec\""]
            .iter()
            .map(|key| text.find(key).unwrap())
            .collect();
        assert!(positions.is_sorted(), "key order in {text}");
        assert_eq!(
            &serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            expected
        );
        assert_eq!(&serde_json::from_str::<T>(&text).unwrap(), value);
        if let Some(dir) = std::env::var_os("GIRDER_CRD_EXAMPLES") {
            std::fs::write(
                std::path::Path::new(&dir).join(format!("{name}.yaml")),
                text,
            )
            .unwrap();
        }
    }

    #[test]
    fn rejects_wrong_kind() {
        let json =
            r#"{"apiVersion":"cert-manager.io/v1","kind":"Issuer","spec":{"selfSigned":{}}}"#;
        let err = serde_json::from_str::<super::ClusterIssuer>(json).unwrap_err();
        assert!(
            err.to_string()
                .contains("expected cert-manager.io/v1/ClusterIssuer"),
            "{err}"
        );
    }
}
