//! KEDA resources (`keda.sh/v1alpha1`).
//!
//! Field meanings: <https://keda.sh/docs/latest/reference/scaledobject-spec/> and
//! <https://keda.sh/docs/latest/concepts/authentication/>.

use std::collections::BTreeMap;

use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscalerBehavior;
use serde::{Deserialize, Serialize};

custom_resource! {
    /// A KEDA `ScaledObject`: event-driven scaling of a Deployment or StatefulSet; see
    /// <https://keda.sh/docs/latest/reference/scaledobject-spec/>.
    ScaledObject(ScaledObjectSpec): "keda.sh" / "v1alpha1", "scaledobjects", NamespaceResourceScope
}

custom_resource! {
    /// A KEDA `TriggerAuthentication`: how triggers in its namespace authenticate; see
    /// <https://keda.sh/docs/latest/concepts/authentication/>.
    TriggerAuthentication(TriggerAuthenticationSpec): "keda.sh" / "v1alpha1", "triggerauthentications", NamespaceResourceScope
}

custom_resource! {
    /// A KEDA `ClusterTriggerAuthentication`: a [`TriggerAuthentication`] usable from every
    /// namespace; see <https://keda.sh/docs/latest/concepts/authentication/>.
    ClusterTriggerAuthentication(TriggerAuthenticationSpec): "keda.sh" / "v1alpha1", "clustertriggerauthentications", ClusterResourceScope
}

/// Spec of a [`ScaledObject`]; see
/// <https://keda.sh/docs/latest/reference/scaledobject-spec/>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaledObjectSpec {
    /// `scaleTargetRef`: the workload to scale.
    pub scale_target_ref: ScaleTargetRef,
    /// `pollingInterval` in seconds; KEDA's default is 30.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub polling_interval: Option<i32>,
    /// `initialCooldownPeriod` in seconds before the first scale to zero; KEDA's default is 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_cooldown_period: Option<i32>,
    /// `cooldownPeriod` in seconds after the last active trigger before scaling to zero;
    /// KEDA's default is 300.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldown_period: Option<i32>,
    /// `idleReplicaCount`: replicas while no trigger is active (only 0 is supported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_replica_count: Option<i32>,
    /// `minReplicaCount`; KEDA's default is 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_replica_count: Option<i32>,
    /// `maxReplicaCount`; KEDA's default is 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_replica_count: Option<i32>,
    /// `fallback`: replicas to run while a scaler keeps failing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<Fallback>,
    /// `advanced` options, such as the HPA's scaling behavior.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advanced: Option<AdvancedConfig>,
    /// `triggers` (required by the schema, so always serialized).
    pub triggers: Vec<Trigger>,
}

/// `scaleTargetRef`; see
/// <https://keda.sh/docs/latest/reference/scaledobject-spec/#scaletargetref>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaleTargetRef {
    /// `apiVersion` of the target; `apps/v1` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// `kind` of the target; `Deployment` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `name` of the target, in the `ScaledObject`'s namespace.
    pub name: String,
    /// `envSourceContainerName`: the container whose environment triggers may read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_source_container_name: Option<String>,
}

/// `fallback`; see <https://keda.sh/docs/latest/reference/scaledobject-spec/#fallback>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fallback {
    /// `failureThreshold`: consecutive scaler failures before the fallback applies.
    pub failure_threshold: i32,
    /// `replicas` to run during the fallback.
    pub replicas: i32,
    /// `behavior`; `static` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behavior: Option<FallbackBehavior>,
}

string_enum! {
    /// `fallback.behavior`; see <https://keda.sh/docs/latest/reference/scaledobject-spec/#fallback>.
    FallbackBehavior {
        Static = "static", CurrentReplicas = "currentReplicas",
        CurrentReplicasIfHigher = "currentReplicasIfHigher",
        CurrentReplicasIfLower = "currentReplicasIfLower",
    }
}

/// `advanced`; see <https://keda.sh/docs/latest/reference/scaledobject-spec/#advanced>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvancedConfig {
    /// `restoreToOriginalReplicaCount` when the `ScaledObject` is deleted; KEDA's default is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore_to_original_replica_count: Option<bool>,
    /// `horizontalPodAutoscalerConfig`: settings of the HPA that KEDA creates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizontal_pod_autoscaler_config: Option<HorizontalPodAutoscalerConfig>,
}

/// `advanced.horizontalPodAutoscalerConfig`; see
/// <https://keda.sh/docs/latest/reference/scaledobject-spec/#horizontalpodautoscalerconfig>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HorizontalPodAutoscalerConfig {
    /// `name` of the HPA; `keda-hpa-<scaledobject>` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `behavior`: the HPA's scale-up and scale-down policies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behavior: Option<HorizontalPodAutoscalerBehavior>,
}

/// One of `triggers`; see <https://keda.sh/docs/latest/reference/scaledobject-spec/#triggers>
/// and each scaler's page under <https://keda.sh/docs/latest/scalers/>.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Trigger {
    /// `type`: the scaler.
    #[serde(rename = "type")]
    pub type_: TriggerType,
    /// `name` of the trigger, for `scalingModifiers` and status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `metadata`: the scaler's parameters, all strings (required by the schema).
    pub metadata: BTreeMap<String, String>,
    /// `authenticationRef`: the (cluster) trigger authentication supplying credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_ref: Option<AuthenticationRef>,
    /// `metricType` of the HPA metric; `AverageValue` when absent (`Utilization` for `cpu` and
    /// `memory`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_type: Option<MetricType>,
    /// `useCachedMetrics`: answer the HPA from the last poll instead of querying the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_cached_metrics: Option<bool>,
}

string_enum! {
    /// `triggers[].type`: the scalers covered here; see <https://keda.sh/docs/latest/scalers/>.
    TriggerType {
        Cpu = "cpu", Memory = "memory", Cron = "cron", Prometheus = "prometheus",
        MetricsApi = "metrics-api", AwsSqsQueue = "aws-sqs-queue",
        AwsCloudwatch = "aws-cloudwatch", AwsDynamodb = "aws-dynamodb",
        AwsDynamodbStreams = "aws-dynamodb-streams", AwsKinesisStream = "aws-kinesis-stream",
        GcpPubsub = "gcp-pubsub", AzureServiceBus = "azure-servicebus", AzureQueue = "azure-queue",
        Redis = "redis", RedisCluster = "redis-cluster", RedisStreams = "redis-streams",
        Kafka = "kafka", Rabbitmq = "rabbitmq", NatsJetstream = "nats-jetstream",
        Postgresql = "postgresql", Mysql = "mysql", KubernetesWorkload = "kubernetes-workload",
        External = "external", ExternalPush = "external-push",
    }
}

string_enum! {
    /// `triggers[].metricType`; see
    /// <https://keda.sh/docs/latest/reference/scaledobject-spec/#triggers>.
    MetricType { AverageValue = "AverageValue", Value = "Value", Utilization = "Utilization" }
}

/// `triggers[].authenticationRef`; see
/// <https://keda.sh/docs/latest/concepts/authentication/#re-use-credentials-and-delegate-auth-with-triggerauthentication>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationRef {
    /// `name` of the authentication resource.
    pub name: String,
    /// `kind`; `TriggerAuthentication` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<AuthenticationKind>,
}

string_enum! {
    /// `authenticationRef.kind`; see <https://keda.sh/docs/latest/concepts/authentication/>.
    AuthenticationKind {
        TriggerAuthentication = "TriggerAuthentication",
        ClusterTriggerAuthentication = "ClusterTriggerAuthentication",
    }
}

/// Spec of a [`TriggerAuthentication`] or [`ClusterTriggerAuthentication`]; see
/// <https://keda.sh/docs/latest/concepts/authentication/>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerAuthenticationSpec {
    /// `podIdentity`: authenticate as the platform's workload identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_identity: Option<PodIdentity>,
    /// `secretTargetRef`: scaler parameters read from Secret keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secret_target_ref: Vec<SecretTargetRef>,
    /// `env`: scaler parameters read from the scale target's environment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<AuthEnvironment>,
}

/// `podIdentity`; see
/// <https://keda.sh/docs/latest/concepts/authentication/#pod-authentication-providers>.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodIdentity {
    /// `provider` of the identity.
    pub provider: PodIdentityProvider,
    /// `roleArn`: the AWS role KEDA assumes (`aws` only); excludes `identityOwner`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// `identityOwner`: whose identity to use (`aws` only); `keda` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_owner: Option<IdentityOwner>,
    /// `identityId`: the Azure identity's client ID (`azure-workload` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_id: Option<String>,
}

string_enum! {
    /// `podIdentity.provider`; see
    /// <https://keda.sh/docs/latest/concepts/authentication/#pod-authentication-providers>.
    PodIdentityProvider {
        None = "none", Aws = "aws", AwsEks = "aws-eks", AzureWorkload = "azure-workload",
        Gcp = "gcp",
    }
}

string_enum! {
    /// `podIdentity.identityOwner`; see <https://keda.sh/docs/latest/authentication-providers/aws/>.
    IdentityOwner { Keda = "keda", Workload = "workload" }
}

/// One of `secretTargetRef`; see
/// <https://keda.sh/docs/latest/authentication-providers/secret/>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretTargetRef {
    /// `parameter`: the scaler's authentication parameter.
    pub parameter: String,
    /// `name` of the Secret, in the resource's namespace (KEDA's own for a
    /// [`ClusterTriggerAuthentication`]).
    pub name: String,
    /// `key` within the Secret.
    pub key: String,
}

/// One of `env`; see <https://keda.sh/docs/latest/authentication-providers/environment-variable/>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthEnvironment {
    /// `parameter`: the scaler's authentication parameter.
    pub parameter: String,
    /// `name` of the environment variable.
    pub name: String,
    /// `containerName`; the scale target's `envSourceContainerName` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crd::tests::{check_example, meta};
    use k8s_openapi::api::autoscaling::v2::{HPAScalingPolicy, HPAScalingRules};
    use serde_json::json;

    #[test]
    fn scaled_object() {
        let behavior = HorizontalPodAutoscalerBehavior {
            scale_down: Some(HPAScalingRules {
                stabilization_window_seconds: Some(300),
                policies: Some(vec![HPAScalingPolicy {
                    type_: "Percent".into(),
                    value: 50,
                    period_seconds: 60,
                }]),
                ..Default::default()
            }),
            ..Default::default()
        };
        let sqs = Trigger {
            type_: TriggerType::AwsSqsQueue,
            name: Some("orders-queue".into()),
            metadata: [
                (
                    "queueURL",
                    "https://sqs.eu-west-1.amazonaws.com/123456789012/orders",
                ),
                ("queueLength", "20"),
                ("awsRegion", "eu-west-1"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .into(),
            authentication_ref: Some(AuthenticationRef {
                name: "aws-workload".into(),
                kind: None,
            }),
            metric_type: Some(MetricType::AverageValue),
            use_cached_metrics: None,
        };
        let cpu = Trigger {
            type_: TriggerType::Cpu,
            name: None,
            metadata: [("value".into(), "70".into())].into(),
            authentication_ref: None,
            metric_type: Some(MetricType::Utilization),
            use_cached_metrics: None,
        };
        let scaled = ScaledObject {
            metadata: meta("worker", Some("orders")),
            spec: ScaledObjectSpec {
                scale_target_ref: ScaleTargetRef {
                    name: "worker".into(),
                    ..Default::default()
                },
                polling_interval: Some(15),
                cooldown_period: Some(120),
                min_replica_count: Some(1),
                max_replica_count: Some(20),
                fallback: Some(Fallback {
                    failure_threshold: 3,
                    replicas: 4,
                    behavior: Some(FallbackBehavior::CurrentReplicasIfHigher),
                }),
                advanced: Some(AdvancedConfig {
                    restore_to_original_replica_count: None,
                    horizontal_pod_autoscaler_config: Some(HorizontalPodAutoscalerConfig {
                        name: None,
                        behavior: Some(behavior),
                    }),
                }),
                triggers: vec![sqs, cpu],
                ..Default::default()
            },
        };
        check_example(
            "keda-scaledobject",
            &scaled,
            &json!({
                "apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
                "metadata": {"name": "worker", "namespace": "orders"},
                "spec": {
                    "scaleTargetRef": {"name": "worker"},
                    "pollingInterval": 15, "cooldownPeriod": 120,
                    "minReplicaCount": 1, "maxReplicaCount": 20,
                    "fallback": {"failureThreshold": 3, "replicas": 4, "behavior": "currentReplicasIfHigher"},
                    "advanced": {"horizontalPodAutoscalerConfig": {"behavior": {"scaleDown": {
                        "stabilizationWindowSeconds": 300,
                        "policies": [{"type": "Percent", "value": 50, "periodSeconds": 60}]
                    }}}},
                    "triggers": [
                        {"type": "aws-sqs-queue", "name": "orders-queue", "metadata": {
                            "awsRegion": "eu-west-1", "queueLength": "20",
                            "queueURL": "https://sqs.eu-west-1.amazonaws.com/123456789012/orders"
                         }, "authenticationRef": {"name": "aws-workload"}, "metricType": "AverageValue"},
                        {"type": "cpu", "metadata": {"value": "70"}, "metricType": "Utilization"}
                    ]
                }
            }),
        );
    }

    #[test]
    fn trigger_authentications() {
        let aws = TriggerAuthentication {
            metadata: meta("aws-workload", Some("orders")),
            spec: TriggerAuthenticationSpec {
                pod_identity: Some(PodIdentity {
                    provider: PodIdentityProvider::Aws,
                    role_arn: None,
                    identity_owner: Some(IdentityOwner::Workload),
                    identity_id: None,
                }),
                ..Default::default()
            },
        };
        check_example(
            "keda-triggerauthentication-aws",
            &aws,
            &json!({
                "apiVersion": "keda.sh/v1alpha1", "kind": "TriggerAuthentication",
                "metadata": {"name": "aws-workload", "namespace": "orders"},
                "spec": {"podIdentity": {"provider": "aws", "identityOwner": "workload"}}
            }),
        );
        let redis = ClusterTriggerAuthentication {
            metadata: meta("redis", None),
            spec: TriggerAuthenticationSpec {
                pod_identity: None,
                secret_target_ref: vec![SecretTargetRef {
                    parameter: "password".into(),
                    name: "redis-auth".into(),
                    key: "password".into(),
                }],
                env: vec![AuthEnvironment {
                    parameter: "address".into(),
                    name: "REDIS_ADDRESS".into(),
                    container_name: Some("worker".into()),
                }],
            },
        };
        check_example(
            "keda-clustertriggerauthentication-secret",
            &redis,
            &json!({
                "apiVersion": "keda.sh/v1alpha1", "kind": "ClusterTriggerAuthentication",
                "metadata": {"name": "redis"},
                "spec": {
                    "secretTargetRef": [{"parameter": "password", "name": "redis-auth", "key": "password"}],
                    "env": [{"parameter": "address", "name": "REDIS_ADDRESS", "containerName": "worker"}]
                }
            }),
        );
    }
}
