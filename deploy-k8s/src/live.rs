//! `diff --live`: each object as the API server would store it (a server-side dry-run apply)
//! against the object as it is, both stripped of what `kubectl diff` ignores; ApplySet members
//! the program no longer has are removals; refused changes are destructive risks.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use futures::{StreamExt, stream};
use girder_k8s::diff::Risk as KubeRisk;
use girder_synth::diff::{ObjectKey as ReportKey, Report, Risk, compare};
use serde_json::{Value, json};

use crate::apply::{ApplyError, Mode, apply};
use crate::applyset::PREFIX;
use crate::catalog::Resolution;
use crate::cluster::{Cluster, ClusterError};
use crate::objects::{Desired, Identity};
use crate::state::{CONCURRENCY, NamespaceState, State};

/// The metadata fields the API server sets, which a comparison ignores.
const SERVER_METADATA: &[&str] = &[
    "managedFields",
    "resourceVersion",
    "uid",
    "generation",
    "creationTimestamp",
    "selfLink",
];

/// Annotations tools write that a comparison ignores (besides the ApplySet's).
const TOOL_ANNOTATIONS: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    crate::unchanged::HASH_ANNOTATION,
];

/// Strips `object` of what the API server or the deployer add, as `kubectl diff` does: the
/// server's metadata (managed fields, resource version, uid, generation, creation time, self
/// link), `status`, and the ApplySet labels and annotations.
pub fn strip(object: &mut Value) {
    let Value::Object(map) = object else {
        return;
    };
    map.remove("status");
    let Some(Value::Object(metadata)) = map.get_mut("metadata") else {
        return;
    };
    for field in SERVER_METADATA {
        metadata.remove(*field);
    }
    for field in ["labels", "annotations"] {
        if let Some(Value::Object(entries)) = metadata.get_mut(field) {
            entries
                .retain(|k, _| !k.starts_with(PREFIX) && !TOOL_ANNOTATIONS.contains(&k.as_str()));
            if entries.is_empty() {
                metadata.remove(field);
            }
        }
    }
}

/// A stripped copy of `object`.
fn stripped(object: &Value) -> Value {
    let mut copy = object.clone();
    strip(&mut copy);
    copy
}

/// The report key of `key` in environment `env`.
pub(crate) fn report_key(env: &str, key: &girder_k8s::diff::ObjectKey) -> ReportKey {
    ReportKey::Kubernetes {
        scope: env.to_owned(),
        key: key.clone(),
    }
}

/// What the dry run of one object found.
enum Found {
    /// The object as it would be stored.
    Would(Value),
    /// The object as it would be stored, taking fields other managers own: `deploy` needs
    /// `--force-conflicts`.
    Forced(Value, ApplyError),
    /// The API server refused it.
    Refused(String),
    /// It cannot be dry-run (its definition or namespace is created by the same deploy, or an
    /// add-on the deploy installs serves it): the program's object.
    Program,
}

/// Compares the program's objects for environment `env` with the cluster, as `state` read it;
/// the objects `deferred` (by index: their kind is served once an add-on the program installs
/// is) are to be created. Notes (conflicts a deploy would meet) go to `err`.
pub(crate) async fn compare_live(
    cluster: &Cluster,
    env: &str,
    desired: &[Desired],
    deferred: &BTreeSet<usize>,
    state: &State,
    err: &mut dyn Write,
) -> Result<Report, ClusterError> {
    let runs = desired
        .iter()
        .zip(&state.live)
        .enumerate()
        .map(|(at, (d, live))| async move {
            let found = match state.catalog.resolve(&d.key.api_version, &d.key.kind) {
                // Not served yet: the deploy applies it once its add-on is installed.
                Resolution::Unknown if deferred.contains(&at) => Found::Program,
                // Applying it would change nothing: no dry run needed.
                Resolution::Served(_)
                    if live
                        .as_ref()
                        .is_some_and(|live| crate::unchanged::unchanged(live, &d.value)) =>
                {
                    Found::Would(live.clone().unwrap_or_default())
                }
                Resolution::Served(resolved) => {
                    let dry = |force| Mode {
                        force,
                        dry_run: true,
                    };
                    match apply(cluster, &resolved, &d.key, &d.value, dry(false)).await {
                        Ok(value) => Found::Would(value),
                        Err(conflict @ ApplyError::Conflict { .. }) => {
                            match apply(cluster, &resolved, &d.key, &d.value, dry(true)).await {
                                Ok(value) => Found::Forced(value, conflict),
                                Err(ApplyError::Cluster(e)) => return Err(e),
                                Err(other) => Found::Refused(refused_message(&other)),
                            }
                        }
                        // Its namespace is created by the same deploy.
                        Err(ApplyError::Refused { code: 404, .. })
                            if state.namespaces.get(&d.key.namespace)
                                == Some(&NamespaceState::Missing) =>
                        {
                            Found::Program
                        }
                        Err(ApplyError::Cluster(e)) => return Err(e),
                        Err(other) => Found::Refused(refused_message(&other)),
                    }
                }
                Resolution::Defined(_) => Found::Program,
                Resolution::OtherVersions(served) => Found::Refused(format!(
                    "this cluster serves {} {}, not {}",
                    served.join(", "),
                    d.key.kind,
                    d.key.api_version
                )),
                Resolution::Unknown => Found::Refused(format!(
                    "this cluster does not serve {} {}",
                    d.key.api_version, d.key.kind
                )),
            };
            Ok::<_, ClusterError>(found)
        });
    let found: Vec<Result<Found, ClusterError>> =
        stream::iter(runs).buffered(CONCURRENCY).collect().await;
    let mut old = BTreeMap::new();
    let mut new = BTreeMap::new();
    let mut risks = Vec::new();
    for ((d, live), found) in desired.iter().zip(&state.live).zip(found) {
        let key = report_key(env, &d.key);
        let live = live.as_ref().map(stripped);
        if let Some(live) = &live {
            old.insert(key.clone(), live.clone());
        }
        match found? {
            Found::Would(value) => {
                new.insert(key, stripped(&value));
            }
            Found::Forced(value, conflict) => {
                let _ = writeln!(err, "note: {conflict}\n  hint: {}", conflict.hint());
                new.insert(key, stripped(&value));
            }
            Found::Program => {
                new.insert(key, stripped(&d.value));
            }
            Found::Refused(message) => {
                // What the server refused is shown as it is, with the refusal.
                match &live {
                    Some(live) => new.insert(key.clone(), live.clone()),
                    None => new.insert(key.clone(), stripped(&d.value)),
                };
                risks.push((
                    key,
                    Risk::Kubernetes(KubeRisk::Refused {
                        kind: d.key.kind.clone(),
                        message,
                    }),
                ));
            }
        }
    }
    let kept: BTreeSet<Identity> = desired.iter().map(Desired::identity).collect();
    for member in &state.members {
        if !kept.contains(&member.identity) {
            old.insert(
                report_key(env, &member.key),
                json!({"apiVersion": member.key.api_version, "kind": member.key.kind,
                    "metadata": {"name": member.key.name}}),
            );
        }
    }
    let mut report = compare(&old, &new);
    for (key, risk) in risks {
        report.add_risk(&key, risk);
    }
    Ok(report)
}

/// The API server's words for a refusal.
fn refused_message(error: &ApplyError) -> String {
    match error {
        ApplyError::Refused { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_removes_what_kubectl_diff_ignores() {
        let mut live = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {
                "name": "api", "namespace": "web", "uid": "1", "resourceVersion": "42",
                "generation": 3, "creationTimestamp": "2024-01-01T00:00:00Z", "selfLink": "/x",
                "managedFields": [{"manager": "girder"}],
                "labels": {"app": "api", "applyset.kubernetes.io/part-of": "applyset-x-v1"},
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"},
            },
            "spec": {"replicas": 2},
            "status": {"replicas": 2},
        });
        strip(&mut live);
        assert_eq!(
            live,
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "api", "namespace": "web", "labels": {"app": "api"}},
                "spec": {"replicas": 2}})
        );
        let mut not_an_object = json!("text");
        strip(&mut not_an_object);
        assert_eq!(not_an_object, "text");
    }
}
