//! Server-side apply of one object, with field manager [`FIELD_MANAGER`], and what the API
//! server's refusals mean.

use std::collections::BTreeSet;

use girder_k8s::diff::ObjectKey;
use kube::api::{Patch, PatchParams};
use serde_json::Value;

use crate::catalog::Resolved;
use crate::cluster::{Cluster, ClusterError, classify};
use crate::state::api;

/// The field manager of every change Girder makes.
pub const FIELD_MANAGER: &str = "girder";

/// One field another field manager owns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Conflict {
    /// The other manager (`kubectl-edit`, `helm`, `kube-controller-manager`).
    pub(crate) manager: String,
    /// The field (`.spec.replicas`).
    pub(crate) field: String,
}

/// Why an object was not applied.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum ApplyError {
    /// Other field managers own fields the program sets.
    #[error("{key}: {}", describe_conflicts(conflicts))]
    Conflict {
        key: ObjectKey,
        conflicts: Vec<Conflict>,
    },
    /// The API server refused the object (an immutable field, a failed validation).
    #[error("{key}: the API server refused it: HTTP {code} {reason}: {message}")]
    Refused {
        key: ObjectKey,
        code: u16,
        reason: String,
        message: String,
    },
    /// A custom resource whose definition was applied is still not served.
    #[error("{key}: its CustomResourceDefinition was applied but the API server does not serve {kind} yet", kind = key.kind)]
    NotServedYet { key: ObjectKey },
    /// The cluster could not be asked.
    #[error(transparent)]
    Cluster(ClusterError),
}

impl ApplyError {
    /// What to do about it.
    pub(crate) fn hint(&self) -> String {
        match self {
            ApplyError::Conflict { conflicts, .. } => {
                let managers: BTreeSet<&str> =
                    conflicts.iter().map(|c| c.manager.as_str()).collect();
                let managers: Vec<&str> = managers.into_iter().collect();
                format!(
                    "{} changed {} since Girder applied it: stop that change (or remove the field from the program), or pass --force-conflicts to take the field{} over",
                    managers.join(", "),
                    if conflicts.len() == 1 { "this field" } else { "these fields" },
                    if conflicts.len() == 1 { "" } else { "s" }
                )
            }
            ApplyError::Refused { code: 422, message, .. } if message.contains("immutable") => {
                "an immutable field changed: delete the object and deploy again (`kubectl delete`), or keep the field as it is".into()
            }
            ApplyError::Refused { .. } => {
                "fix the object in the program (its message names the field); `diff --live` shows every refusal without changing anything".into()
            }
            ApplyError::NotServedYet { .. } => {
                "deploy again in a moment; if it persists, check the CRD's status (`kubectl get crd -o yaml`)".into()
            }
            ApplyError::Cluster(e) => e.hint(),
        }
    }
}

/// `field manager "kubectl-edit" owns .spec.replicas; field manager "helm" owns .data.a`.
fn describe_conflicts(conflicts: &[Conflict]) -> String {
    let mut by_manager: Vec<(String, Vec<&str>)> = Vec::new();
    for c in conflicts {
        match by_manager.iter_mut().find(|(m, _)| *m == c.manager) {
            Some((_, fields)) => fields.push(&c.field),
            None => by_manager.push((c.manager.clone(), vec![&c.field])),
        }
    }
    let parts: Vec<String> = by_manager
        .into_iter()
        .map(|(manager, fields)| format!("field manager \"{manager}\" owns {}", fields.join(", ")))
        .collect();
    format!("conflict: {}", parts.join("; "))
}

/// How an apply is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mode {
    /// Take fields other managers own.
    pub(crate) force: bool,
    /// Only ask what would happen.
    pub(crate) dry_run: bool,
}

/// Applies `value` (`key`) to the resource `resolved`; returns the object as the API server
/// stored it (or would have, in a dry run).
pub(crate) async fn apply(
    cluster: &Cluster,
    resolved: &Resolved,
    key: &ObjectKey,
    value: &Value,
    mode: Mode,
) -> Result<Value, ApplyError> {
    let api = api(cluster, resolved, &key.namespace);
    let mut params = PatchParams::apply(FIELD_MANAGER);
    if mode.force {
        params = params.force();
    }
    if mode.dry_run {
        params = params.dry_run();
    }
    match api.patch(&key.name, &params, &Patch::Apply(value)).await {
        Ok(object) => serde_json::to_value(object).map_err(|e| {
            ApplyError::Cluster(ClusterError::Request {
                what: format!("applying {key}"),
                message: e.to_string(),
            })
        }),
        Err(error) => Err(refusal(&cluster.server, key, error)),
    }
}

/// What a failed apply of `key` means.
pub(crate) fn refusal(server: &str, key: &ObjectKey, error: kube::Error) -> ApplyError {
    match error {
        kube::Error::Api(status) if status.code == 409 => {
            let causes = status
                .details
                .as_ref()
                .map(|d| d.causes.as_slice())
                .unwrap_or_default();
            let conflicts: Vec<Conflict> = causes
                .iter()
                .filter(|c| c.reason == "FieldManagerConflict" || !c.field.is_empty())
                .map(|c| Conflict {
                    manager: manager_of(&c.message)
                        .unwrap_or("another field manager")
                        .to_owned(),
                    field: c.field.clone(),
                })
                .collect();
            if conflicts.is_empty() {
                // A 409 without causes: the object changed while being applied.
                ApplyError::Refused {
                    key: key.clone(),
                    code: status.code,
                    reason: status.reason.clone(),
                    message: status.message.clone(),
                }
            } else {
                ApplyError::Conflict {
                    key: key.clone(),
                    conflicts,
                }
            }
        }
        kube::Error::Api(status) if matches!(status.code, 400 | 404 | 405 | 406 | 415 | 422) => {
            ApplyError::Refused {
                key: key.clone(),
                code: status.code,
                reason: status.reason.clone(),
                message: status.message.clone(),
            }
        }
        other => ApplyError::Cluster(classify(server, &format!("applying {key}"), other)),
    }
}

/// The manager a conflict's message names: `conflict with "kubectl-edit" using apps/v1`.
fn manager_of(message: &str) -> Option<&str> {
    let start = message.find('"')? + 1;
    let len = message[start..].find('"')?;
    Some(&message[start..start + len])
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::core::Status;
    use kube::core::response::{StatusCause, StatusDetails};
    use serde_json::json;

    fn key() -> ObjectKey {
        let mut key = ObjectKey::of(
            &json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"}}),
        )
        .unwrap();
        key.namespace = "web".into();
        key
    }

    #[test]
    fn conflicts_name_the_other_managers_and_their_fields() {
        let cause = |manager: &str, field: &str| StatusCause {
            reason: "FieldManagerConflict".into(),
            message: format!("conflict with \"{manager}\" using apps/v1"),
            field: field.into(),
        };
        let status = Status {
            code: 409,
            reason: "Conflict".into(),
            message: "Apply failed with 2 conflicts".into(),
            details: Some(StatusDetails {
                causes: vec![
                    cause("kubectl-edit", ".spec.replicas"),
                    cause(
                        "kubectl-edit",
                        ".spec.template.spec.containers[name=\"app\"].image",
                    ),
                    cause("helm", ".metadata.labels.tier"),
                ],
                name: "api".into(),
                group: "apps".into(),
                kind: "deployments".into(),
                uid: String::new(),
                retry_after_seconds: 0,
            }),
            ..Status::default()
        };
        let e = refusal("https://k", &key(), kube::Error::Api(Box::new(status)));
        assert_eq!(
            e.to_string(),
            "apps/v1 Deployment web/api: conflict: field manager \"kubectl-edit\" owns .spec.replicas, .spec.template.spec.containers[name=\"app\"].image; field manager \"helm\" owns .metadata.labels.tier"
        );
        assert!(
            e.hint()
                .starts_with("helm, kubectl-edit changed these fields"),
            "{}",
            e.hint()
        );
        assert!(e.hint().contains("--force-conflicts"));
    }

    #[test]
    fn refusals_keep_the_servers_message() {
        let status = Status {
            code: 422,
            reason: "Invalid".into(),
            message: "Deployment.apps \"api\" is invalid: spec.selector: Invalid value: ...: field is immutable".into(),
            ..Status::default()
        };
        let e = refusal("https://k", &key(), kube::Error::Api(Box::new(status)));
        assert!(matches!(e, ApplyError::Refused { code: 422, .. }));
        assert!(e.hint().contains("immutable"));
        assert_eq!(manager_of("conflict with \"a b\" using v1"), Some("a b"));
        assert_eq!(manager_of("no quotes"), None);
    }
}
