//! External Secrets Operator resources (`external-secrets.io/v1`).
//!
//! Field meanings: <https://external-secrets.io/latest/api/spec/>.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde::{Deserialize, Serialize};

custom_resource! {
    /// An `ExternalSecret`: a Secret kept in sync with an external store; see
    /// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.ExternalSecret>.
    ExternalSecret(ExternalSecretSpec): "external-secrets.io" / "v1", "externalsecrets", NamespaceResourceScope
}

custom_resource! {
    /// A `SecretStore`: access to an external store from one namespace; see
    /// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.SecretStore>.
    SecretStore(SecretStoreSpec): "external-secrets.io" / "v1", "secretstores", NamespaceResourceScope
}

custom_resource! {
    /// A `ClusterSecretStore`: a [`SecretStore`] usable from every namespace its `conditions`
    /// admit; see
    /// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.ClusterSecretStore>.
    ClusterSecretStore(SecretStoreSpec): "external-secrets.io" / "v1", "clustersecretstores", ClusterResourceScope
}

/// Spec of an [`ExternalSecret`]; see
/// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.ExternalSecretSpec>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalSecretSpec {
    /// `secretStoreRef`: the store to read from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_store_ref: Option<SecretStoreRef>,
    /// `target`: the Secret to write; one named after the `ExternalSecret` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<ExternalSecretTarget>,
    /// `refreshInterval`, a Go duration such as `1h`; `0` never refreshes. ESO's default is `1h`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_interval: Option<String>,
    /// `refreshPolicy`; `Periodic` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_policy: Option<RefreshPolicy>,
    /// `data`: one Secret key per remote value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<ExternalSecretData>,
    /// `dataFrom`: many Secret keys from one remote value or a search.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_from: Vec<ExternalSecretDataFrom>,
}

/// `secretStoreRef`; see
/// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.SecretStoreRef>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretStoreRef {
    /// `name` of the store.
    pub name: String,
    /// `kind`; `SecretStore` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<SecretStoreKind>,
}

string_enum! {
    /// `secretStoreRef.kind`; see
    /// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.SecretStoreRef>.
    SecretStoreKind { SecretStore = "SecretStore", ClusterSecretStore = "ClusterSecretStore" }
}

string_enum! {
    /// `refreshPolicy`; see
    /// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.ExternalSecretRefreshPolicy>.
    RefreshPolicy { CreatedOnce = "CreatedOnce", Periodic = "Periodic", OnChange = "OnChange" }
}

/// `target`; see
/// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.ExternalSecretTarget>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalSecretTarget {
    /// `name` of the Secret; the `ExternalSecret`'s name when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `creationPolicy`; `Owner` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_policy: Option<CreationPolicy>,
    /// `deletionPolicy` when the remote value disappears; `Retain` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_policy: Option<DeletionPolicy>,
    /// `immutable`: create the Secret immutable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub immutable: Option<bool>,
    /// `template` of the Secret's type, metadata and data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<ExternalSecretTemplate>,
}

string_enum! {
    /// `target.creationPolicy`; see
    /// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.ExternalSecretCreationPolicy>.
    CreationPolicy { Owner = "Owner", Orphan = "Orphan", Merge = "Merge", None = "None" }
}

string_enum! {
    /// `target.deletionPolicy`; see
    /// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.ExternalSecretDeletionPolicy>.
    DeletionPolicy { Delete = "Delete", Merge = "Merge", Retain = "Retain" }
}

/// `target.template`; see
/// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.ExternalSecretTemplate>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalSecretTemplate {
    /// `type` of the Secret, such as `kubernetes.io/dockerconfigjson`; `Opaque` when absent.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// `engineVersion`; `v2` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_version: Option<TemplateEngineVersion>,
    /// `mergePolicy` of templated and fetched keys; `Replace` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_policy: Option<TemplateMergePolicy>,
    /// `metadata`: labels and annotations of the Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<TemplateMetadata>,
    /// `data`: Secret keys rendered from Go templates over the fetched values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, String>,
}

string_enum! {
    /// `template.engineVersion`; see
    /// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.TemplateEngineVersion>.
    TemplateEngineVersion { V2 = "v2" }
}

string_enum! {
    /// `template.mergePolicy`; see
    /// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.TemplateMergePolicy>.
    TemplateMergePolicy { Replace = "Replace", Merge = "Merge" }
}

/// `template.metadata`; see
/// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.ExternalSecretTemplateMetadata>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateMetadata {
    /// `labels` of the Secret.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// `annotations` of the Secret.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// One of `data`; see
/// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.ExternalSecretData>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalSecretData {
    /// `secretKey`: the key in the Secret.
    pub secret_key: String,
    /// `remoteRef`: the remote value.
    pub remote_ref: RemoteRef,
}

/// `remoteRef` or `dataFrom[].extract`; see
/// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.ExternalSecretDataRemoteRef>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteRef {
    /// `key`: the name of the remote secret.
    pub key: String,
    /// `property` of a JSON remote value; the whole value when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
    /// `version` of the remote secret; the latest when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `decodingStrategy` applied to the value; `None` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoding_strategy: Option<DecodingStrategy>,
}

string_enum! {
    /// `decodingStrategy`; see
    /// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.ExternalSecretDecodingStrategy>.
    DecodingStrategy { Auto = "Auto", Base64 = "Base64", Base64Url = "Base64URL", None = "None" }
}

/// One of `dataFrom`: set `extract` or `find`; see
/// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.ExternalSecretDataFromRemoteRef>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalSecretDataFrom {
    /// `extract`: every property of one JSON remote value becomes a key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extract: Option<RemoteRef>,
    /// `find`: every remote secret matching becomes a key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub find: Option<ExternalSecretFind>,
    /// `rewrite` of the resulting keys, applied in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rewrite: Vec<Rewrite>,
}

/// `dataFrom[].find`; see
/// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.ExternalSecretFind>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalSecretFind {
    /// `path`: the root path to search under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `name`: match remote secret names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<FindName>,
    /// `tags`: match remote secrets carrying all of these tags.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// `find.name`; see <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.FindName>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FindName {
    /// `regexp` the name must match.
    pub regexp: String,
}

/// One of `dataFrom[].rewrite`; see
/// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.ExternalSecretRewrite>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rewrite {
    /// `regexp`: replace `source` matches in each key with `target`.
    pub regexp: RewriteRegexp,
}

/// `rewrite[].regexp`; see
/// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.ExternalSecretRewriteRegexp>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RewriteRegexp {
    /// `source`: the regular expression.
    pub source: String,
    /// `target`: the replacement, with `$1`-style groups.
    pub target: String,
}

/// Spec of a [`SecretStore`] or [`ClusterSecretStore`]; see
/// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.SecretStoreSpec>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretStoreSpec {
    /// `provider`: the external store.
    pub provider: SecretStoreProvider,
    /// `controller`: the ESO instance (its `--controller-class`) that handles this store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller: Option<String>,
    /// `refreshInterval` of the store's validation, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_interval: Option<i32>,
    /// `retrySettings` for calls to the provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_settings: Option<RetrySettings>,
    /// `conditions` on the namespaces that may use a [`ClusterSecretStore`]; all when empty.
    /// Ignored on a [`SecretStore`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<ClusterSecretStoreCondition>,
}

/// `provider`: exactly one provider; see
/// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.SecretStoreProvider>.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SecretStoreProvider {
    /// `aws`: AWS Secrets Manager or Parameter Store.
    Aws(AwsProvider),
    /// `kubernetes`: Secrets of a (possibly remote) Kubernetes cluster.
    Kubernetes(KubernetesProvider),
}

/// The local cluster's Kubernetes provider, with no `auth` yet.
impl Default for SecretStoreProvider {
    fn default() -> Self {
        Self::Kubernetes(KubernetesProvider::default())
    }
}

/// `retrySettings`; see
/// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.SecretStoreRetrySettings>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetrySettings {
    /// `maxRetries`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<i32>,
    /// `retryInterval`, a Go duration such as `10s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_interval: Option<String>,
}

/// One of `conditions`; see
/// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.ClusterSecretStoreCondition>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterSecretStoreCondition {
    /// `namespaces` admitted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    /// `namespaceSelector`: namespaces admitted by label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<LabelSelector>,
    /// `namespaceRegexes`: namespaces admitted by regular expression.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespace_regexes: Vec<String>,
}

/// `provider.aws`; see
/// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.AWSProvider> and
/// <https://external-secrets.io/latest/provider/aws-secrets-manager/>.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AwsProvider {
    /// `service`: which AWS service stores the secrets.
    pub service: AwsService,
    /// `region` of the service, such as `eu-west-1`.
    pub region: String,
    /// `role`: an IAM role ARN to assume after authenticating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// `auth`; the controller's own credentials when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<AwsAuth>,
}

string_enum! {
    /// `aws.service`; see
    /// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.AWSServiceType>.
    AwsService { SecretsManager = "SecretsManager", ParameterStore = "ParameterStore" }
}

/// `aws.auth`: exactly one method; see
/// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.AWSAuth>.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AwsAuth {
    /// `jwt`: the token of a ServiceAccount annotated for IRSA.
    Jwt(AwsJwtAuth),
    /// `secretRef`: static access keys from a Secret.
    SecretRef(AwsAuthSecretRef),
}

/// `auth.jwt`; see <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.AWSJWTAuth>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AwsJwtAuth {
    /// `serviceAccountRef`: the ServiceAccount whose token is exchanged.
    pub service_account_ref: ServiceAccountSelector,
}

/// `auth.secretRef`; see
/// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.AWSAuthSecretRef>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AwsAuthSecretRef {
    /// `accessKeyIDSecretRef`: the access key ID.
    #[serde(rename = "accessKeyIDSecretRef")]
    pub access_key_id_secret_ref: SecretKeySelector,
    /// `secretAccessKeySecretRef`: the secret access key.
    pub secret_access_key_secret_ref: SecretKeySelector,
}

/// A ServiceAccount reference; see
/// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.ServiceAccountSelector>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccountSelector {
    /// `name` of the ServiceAccount.
    pub name: String,
    /// `namespace` of the ServiceAccount (cluster stores only); the `ExternalSecret`'s when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `audiences` of the requested token.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audiences: Vec<String>,
}

/// A Secret key reference; see
/// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.SecretKeySelector>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretKeySelector {
    /// `name` of the Secret.
    pub name: String,
    /// `key` within the Secret.
    pub key: String,
    /// `namespace` of the Secret (cluster stores only); the `ExternalSecret`'s when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// `provider.kubernetes`; see
/// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.KubernetesProvider> and
/// <https://external-secrets.io/latest/provider/kubernetes/>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KubernetesProvider {
    /// `remoteNamespace` to read Secrets from; `default` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_namespace: Option<String>,
    /// `server`: where the API server is and how to trust it; the local cluster when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<KubernetesServer>,
    /// `auth` against the API server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<KubernetesAuth>,
}

/// `kubernetes.server`; see
/// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.KubernetesServer>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KubernetesServer {
    /// `url` of the API server; `kubernetes.default` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `caProvider`: where the API server's CA certificate is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_provider: Option<CaProvider>,
}

/// `server.caProvider`; see
/// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.CAProvider>.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaProvider {
    /// `type` of the object holding the certificate.
    #[serde(rename = "type")]
    pub type_: CaProviderType,
    /// `name` of the object.
    pub name: String,
    /// `key` within the object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// `namespace` of the object (cluster stores only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

string_enum! {
    /// `caProvider.type`; see
    /// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.CAProviderType>.
    CaProviderType { Secret = "Secret", ConfigMap = "ConfigMap" }
}

/// `kubernetes.auth`: exactly one method; see
/// <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.KubernetesAuth>.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum KubernetesAuth {
    /// `serviceAccount`: a token requested for this ServiceAccount.
    ServiceAccount(ServiceAccountSelector),
    /// `token`: a static bearer token from a Secret.
    Token(TokenAuth),
}

/// `auth.token`; see <https://external-secrets.io/latest/api/spec/#external-secrets.io/v1.TokenAuth>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenAuth {
    /// `bearerToken`: the Secret key holding the token.
    pub bearer_token: SecretKeySelector,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crd::tests::{check_example, meta};
    use serde_json::json;

    #[test]
    fn external_secret() {
        let secret = ExternalSecret {
            metadata: meta("orders-db", Some("orders")),
            spec: ExternalSecretSpec {
                secret_store_ref: Some(SecretStoreRef {
                    name: "aws-secrets-manager".into(),
                    kind: Some(SecretStoreKind::ClusterSecretStore),
                }),
                target: Some(ExternalSecretTarget {
                    name: Some("orders-db".into()),
                    creation_policy: Some(CreationPolicy::Owner),
                    deletion_policy: Some(DeletionPolicy::Retain),
                    immutable: None,
                    template: Some(ExternalSecretTemplate {
                        engine_version: Some(TemplateEngineVersion::V2),
                        merge_policy: Some(TemplateMergePolicy::Merge),
                        metadata: Some(TemplateMetadata {
                            labels: [("app".into(), "orders".into())].into(),
                            annotations: BTreeMap::new(),
                        }),
                        data: [(
                            "DATABASE_URL".into(),
                            "postgres://{{ .username }}:{{ .password }}@db:5432/orders".into(),
                        )]
                        .into(),
                        ..Default::default()
                    }),
                }),
                refresh_interval: Some("1h".into()),
                refresh_policy: None,
                data: vec![
                    ExternalSecretData {
                        secret_key: "username".into(),
                        remote_ref: RemoteRef {
                            key: "prod/orders/db".into(),
                            property: Some("username".into()),
                            ..Default::default()
                        },
                    },
                    ExternalSecretData {
                        secret_key: "password".into(),
                        remote_ref: RemoteRef {
                            key: "prod/orders/db".into(),
                            property: Some("password".into()),
                            version: Some("AWSCURRENT".into()),
                            decoding_strategy: None,
                        },
                    },
                ],
                data_from: vec![ExternalSecretDataFrom {
                    find: Some(ExternalSecretFind {
                        path: Some("prod/orders/".into()),
                        name: Some(FindName {
                            regexp: "^feature-.*".into(),
                        }),
                        tags: BTreeMap::new(),
                    }),
                    rewrite: vec![Rewrite {
                        regexp: RewriteRegexp {
                            source: "prod/orders/(.*)".into(),
                            target: "$1".into(),
                        },
                    }],
                    ..Default::default()
                }],
            },
        };
        check_example(
            "eso-externalsecret",
            &secret,
            &json!({
                "apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
                "metadata": {"name": "orders-db", "namespace": "orders"},
                "spec": {
                    "secretStoreRef": {"name": "aws-secrets-manager", "kind": "ClusterSecretStore"},
                    "target": {
                        "name": "orders-db", "creationPolicy": "Owner", "deletionPolicy": "Retain",
                        "template": {
                            "engineVersion": "v2", "mergePolicy": "Merge",
                            "metadata": {"labels": {"app": "orders"}},
                            "data": {"DATABASE_URL": "postgres://{{ .username }}:{{ .password }}@db:5432/orders"}
                        }
                    },
                    "refreshInterval": "1h",
                    "data": [
                        {"secretKey": "username", "remoteRef": {"key": "prod/orders/db", "property": "username"}},
                        {"secretKey": "password", "remoteRef": {
                            "key": "prod/orders/db", "property": "password", "version": "AWSCURRENT"}}
                    ],
                    "dataFrom": [{
                        "find": {"path": "prod/orders/", "name": {"regexp": "^feature-.*"}},
                        "rewrite": [{"regexp": {"source": "prod/orders/(.*)", "target": "$1"}}]
                    }]
                }
            }),
        );
    }

    #[test]
    fn cluster_secret_store_aws() {
        let store = ClusterSecretStore {
            metadata: meta("aws-secrets-manager", None),
            spec: SecretStoreSpec {
                provider: SecretStoreProvider::Aws(AwsProvider {
                    service: AwsService::SecretsManager,
                    region: "eu-west-1".into(),
                    role: None,
                    auth: Some(AwsAuth::Jwt(AwsJwtAuth {
                        service_account_ref: ServiceAccountSelector {
                            name: "external-secrets".into(),
                            namespace: Some("external-secrets".into()),
                            audiences: vec![],
                        },
                    })),
                }),
                controller: None,
                refresh_interval: None,
                retry_settings: Some(RetrySettings {
                    max_retries: Some(5),
                    retry_interval: Some("10s".into()),
                }),
                conditions: vec![ClusterSecretStoreCondition {
                    namespaces: vec!["orders".into(), "payments".into()],
                    ..Default::default()
                }],
            },
        };
        check_example(
            "eso-clustersecretstore-aws",
            &store,
            &json!({
                "apiVersion": "external-secrets.io/v1", "kind": "ClusterSecretStore",
                "metadata": {"name": "aws-secrets-manager"},
                "spec": {
                    "provider": {"aws": {
                        "service": "SecretsManager", "region": "eu-west-1",
                        "auth": {"jwt": {"serviceAccountRef": {
                            "name": "external-secrets", "namespace": "external-secrets"}}}
                    }},
                    "retrySettings": {"maxRetries": 5, "retryInterval": "10s"},
                    "conditions": [{"namespaces": ["orders", "payments"]}]
                }
            }),
        );
    }

    #[test]
    fn secret_stores() {
        let store = SecretStore {
            metadata: meta("shared-secrets", Some("orders")),
            spec: SecretStoreSpec {
                provider: SecretStoreProvider::Kubernetes(KubernetesProvider {
                    remote_namespace: Some("shared".into()),
                    server: Some(KubernetesServer {
                        url: None,
                        ca_provider: Some(CaProvider {
                            type_: CaProviderType::ConfigMap,
                            name: "kube-root-ca.crt".into(),
                            key: Some("ca.crt".into()),
                            namespace: None,
                        }),
                    }),
                    auth: Some(KubernetesAuth::ServiceAccount(ServiceAccountSelector {
                        name: "secret-reader".into(),
                        ..Default::default()
                    })),
                }),
                controller: None,
                refresh_interval: Some(300),
                retry_settings: None,
                conditions: vec![],
            },
        };
        check_example(
            "eso-secretstore-kubernetes",
            &store,
            &json!({
                "apiVersion": "external-secrets.io/v1", "kind": "SecretStore",
                "metadata": {"name": "shared-secrets", "namespace": "orders"},
                "spec": {
                    "provider": {"kubernetes": {
                        "remoteNamespace": "shared",
                        "server": {"caProvider": {"type": "ConfigMap", "name": "kube-root-ca.crt", "key": "ca.crt"}},
                        "auth": {"serviceAccount": {"name": "secret-reader"}}
                    }},
                    "refreshInterval": 300
                }
            }),
        );
        let keys = SecretKeySelector {
            name: "aws-keys".into(),
            key: "access-key-id".into(),
            namespace: None,
        };
        let parameters = SecretStore {
            metadata: meta("parameters", Some("orders")),
            spec: SecretStoreSpec {
                provider: SecretStoreProvider::Aws(AwsProvider {
                    service: AwsService::ParameterStore,
                    region: "us-east-1".into(),
                    role: Some("arn:aws:iam::123456789012:role/orders-parameters".into()),
                    auth: Some(AwsAuth::SecretRef(AwsAuthSecretRef {
                        access_key_id_secret_ref: keys.clone(),
                        secret_access_key_secret_ref: SecretKeySelector {
                            key: "secret-access-key".into(),
                            ..keys
                        },
                    })),
                }),
                controller: Some("internal".into()),
                refresh_interval: None,
                retry_settings: None,
                conditions: vec![],
            },
        };
        check_example(
            "eso-secretstore-aws-keys",
            &parameters,
            &json!({
                "apiVersion": "external-secrets.io/v1", "kind": "SecretStore",
                "metadata": {"name": "parameters", "namespace": "orders"},
                "spec": {
                    "provider": {"aws": {
                        "service": "ParameterStore", "region": "us-east-1",
                        "role": "arn:aws:iam::123456789012:role/orders-parameters",
                        "auth": {"secretRef": {
                            "accessKeyIDSecretRef": {"name": "aws-keys", "key": "access-key-id"},
                            "secretAccessKeySecretRef": {"name": "aws-keys", "key": "secret-access-key"}
                        }}
                    }},
                    "controller": "internal"
                }
            }),
        );
    }
}
