//! What the Kubernetes API server refuses on update, and what deleting an object takes with it:
//! the rules `girder diff` checks a change against.
//!
//! The rules follow the API server's update validation (`pkg/apis/*/validation/validation.go` in
//! kubernetes/kubernetes, as of 1.33): a field that cannot change once the object exists makes
//! `kubectl apply` fail, and the object must be deleted and created again; a quantity that may only
//! grow (a PersistentVolumeClaim's storage) is refused when it shrinks. Quantities are compared as
//! [`Memory`] amounts, so `1Gi` and `1024Mi` are the same size.
//!
//! ```
//! use girder_k8s::immutable::{update_violations, Violation};
//! use serde_json::json;
//!
//! let pvc = |size: &str| json!({"spec": {"resources": {"requests": {"storage": size}}}});
//! let found = update_violations("v1", "PersistentVolumeClaim", &pvc("10Gi"), &pvc("5Gi"));
//! assert_eq!(found.len(), 1);
//! assert_eq!(found[0].to_string(), "spec.resources.requests.storage shrinks from 10Gi to 5Gi");
//! assert!(update_violations("v1", "PersistentVolumeClaim", &pvc("10Gi"), &pvc("20Gi")).is_empty());
//! ```

use std::fmt;

use serde_json::Value;

use crate::quantity::Memory;

/// A change of an existing object that the API server refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Violation {
    /// A field that cannot change once the object exists changed.
    Immutable {
        /// The field, as a dotted path from the object root (`spec.selector`).
        field: String,
    },
    /// A quantity that may only grow shrank.
    Shrinks {
        /// The field, as a dotted path from the object root.
        field: String,
        /// The old amount.
        old: Memory,
        /// The new, smaller amount.
        new: Memory,
    },
}

impl Violation {
    /// The field the violation is about.
    pub fn field(&self) -> &str {
        match self {
            Violation::Immutable { field } | Violation::Shrinks { field, .. } => field,
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::Immutable { field } => write!(f, "{field} is immutable"),
            Violation::Shrinks { field, old, new } => {
                write!(f, "{field} shrinks from {old} to {new}")
            }
        }
    }
}

/// One rule of a kind.
enum Rule {
    /// The field cannot change.
    Fixed(&'static str),
    /// Nothing below `root` may change but the `mutable` fields (paths relative to `root`), and
    /// the `settable` ones while they are unset.
    FixedExcept {
        root: &'static str,
        mutable: &'static [&'static str],
        settable: &'static [&'static str],
    },
    /// The fields cannot change when the old object has `immutable: true`.
    FixedOnceImmutable(&'static [&'static str]),
    /// The quantity may grow but never shrink.
    Grows(&'static str),
}

/// The update rules, by API group and kind. Each entry names the validation function it follows.
const RULES: &[(&str, &str, &[Rule])] = &[
    // apps/v1 ValidateDeploymentUpdate, ValidateReplicaSetUpdate, ValidateDaemonSetSpecUpdate:
    // "field is immutable" on spec.selector.
    ("apps", "Deployment", &[Rule::Fixed("spec.selector")]),
    ("apps", "ReplicaSet", &[Rule::Fixed("spec.selector")]),
    ("apps", "DaemonSet", &[Rule::Fixed("spec.selector")]),
    // ValidateStatefulSetUpdate: "updates to statefulset spec for fields other than 'replicas',
    // 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit',
    // 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden" — so the
    // volumeClaimTemplates (their storage too), serviceName, selector and podManagementPolicy.
    (
        "apps",
        "StatefulSet",
        &[Rule::FixedExcept {
            root: "spec",
            mutable: &[
                "replicas",
                "ordinals",
                "template",
                "updateStrategy",
                "revisionHistoryLimit",
                "persistentVolumeClaimRetentionPolicy",
                "minReadySeconds",
            ],
            settable: &[],
        }],
    ),
    // ValidateJobSpecUpdate: ValidateImmutableField on selector, template, completionMode,
    // podFailurePolicy and backoffLimitPerIndex.
    (
        "batch",
        "Job",
        &[
            Rule::Fixed("spec.selector"),
            Rule::Fixed("spec.template"),
            Rule::Fixed("spec.completionMode"),
            Rule::Fixed("spec.podFailurePolicy"),
            Rule::Fixed("spec.backoffLimitPerIndex"),
        ],
    ),
    // ValidateServiceUpdate / validateServiceClusterIPsRelatedFields: "field is immutable" on
    // spec.clusterIP and spec.clusterIPs (transitions to and from ExternalName aside).
    (
        "",
        "Service",
        &[
            Rule::Fixed("spec.clusterIP"),
            Rule::Fixed("spec.clusterIPs"),
        ],
    ),
    // ValidatePersistentVolumeClaimUpdate: "spec is immutable after creation except
    // resources.requests and volumeAttributesClassName for bound claims" (volumeName may be set
    // once), and spec.resources.requests.storage "can not be less than previous value".
    (
        "",
        "PersistentVolumeClaim",
        &[
            Rule::FixedExcept {
                root: "spec",
                mutable: &["resources.requests", "volumeAttributesClassName"],
                settable: &["volumeName"],
            },
            Rule::Grows("spec.resources.requests.storage"),
        ],
    ),
    // ValidateConfigMapUpdate: "field is immutable when `immutable` is set" on data, binaryData
    // and immutable itself.
    (
        "",
        "ConfigMap",
        &[Rule::FixedOnceImmutable(&[
            "data",
            "binaryData",
            "immutable",
        ])],
    ),
    // ValidateSecretUpdate: the type never changes; data and immutable are fixed once
    // `immutable` is set (stringData is written into data).
    (
        "",
        "Secret",
        &[
            Rule::Fixed("type"),
            Rule::FixedOnceImmutable(&["data", "stringData", "immutable"]),
        ],
    ),
    // ValidateRoleBindingUpdate / ValidateClusterRoleBindingUpdate: "cannot change roleRef".
    (
        "rbac.authorization.k8s.io",
        "RoleBinding",
        &[Rule::Fixed("roleRef")],
    ),
    (
        "rbac.authorization.k8s.io",
        "ClusterRoleBinding",
        &[Rule::Fixed("roleRef")],
    ),
    // ValidateStorageClassUpdate: "updates to parameters are forbidden", and provisioner,
    // reclaimPolicy and volumeBindingMode are immutable.
    (
        "storage.k8s.io",
        "StorageClass",
        &[
            Rule::Fixed("provisioner"),
            Rule::Fixed("parameters"),
            Rule::Fixed("reclaimPolicy"),
            Rule::Fixed("volumeBindingMode"),
        ],
    ),
];

/// The API group of an `apiVersion`: `apps` for `apps/v1`, empty for the core group's `v1`.
pub fn api_group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

/// The value at a dotted `path` below `value`, if any.
fn at<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}

/// Every update of an object of `kind` (in `api_version`) from `old` to `new` that the API
/// server refuses, in the order of the kind's rules; empty for kinds without rules (custom
/// resources included).
pub fn update_violations(
    api_version: &str,
    kind: &str,
    old: &Value,
    new: &Value,
) -> Vec<Violation> {
    let group = api_group(api_version);
    let Some((.., rules)) = RULES.iter().find(|(g, k, _)| *g == group && *k == kind) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for rule in *rules {
        match rule {
            Rule::Fixed(field) => fixed(field, old, new, &mut out),
            Rule::FixedOnceImmutable(fields) => {
                if old.get("immutable") == Some(&Value::Bool(true)) {
                    fields
                        .iter()
                        .for_each(|field| fixed(field, old, new, &mut out));
                }
            }
            Rule::FixedExcept {
                root,
                mutable,
                settable,
            } => {
                let (a, b) = (at(old, root), at(new, root));
                except(root, a, b, "", mutable, settable, &mut out);
            }
            Rule::Grows(field) => {
                let size = |v: &Value| at(v, field)?.as_str()?.parse::<Memory>().ok();
                if let (Some(a), Some(b)) = (size(old), size(new))
                    && b < a
                {
                    out.push(Violation::Shrinks {
                        field: (*field).to_owned(),
                        old: a,
                        new: b,
                    });
                }
            }
        }
    }
    out
}

fn fixed(field: &str, old: &Value, new: &Value, out: &mut Vec<Violation>) {
    if at(old, field) != at(new, field) {
        out.push(Violation::Immutable {
            field: field.to_owned(),
        });
    }
}

/// Records the fields below `path` (`rel` from the rule's root) that differ and are neither
/// mutable nor settable while unset.
fn except(
    path: &str,
    old: Option<&Value>,
    new: Option<&Value>,
    rel: &str,
    mutable: &[&str],
    settable: &[&str],
    out: &mut Vec<Violation>,
) {
    if old == new || mutable.contains(&rel) || (settable.contains(&rel) && old.is_none()) {
        return;
    }
    let deeper =
        |m: &&str| rel.is_empty() || m.strip_prefix(rel).is_some_and(|r| r.starts_with('.'));
    let splits = mutable.iter().chain(settable).any(deeper);
    match (old, new) {
        (Some(Value::Object(a)), Some(Value::Object(b))) if splits => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let join = |base: &str| {
                    if base.is_empty() {
                        key.clone()
                    } else {
                        format!("{base}.{key}")
                    }
                };
                except(
                    &join(path),
                    a.get(key),
                    b.get(key),
                    &join(rel),
                    mutable,
                    settable,
                    out,
                );
            }
        }
        _ => out.push(Violation::Immutable {
            field: path.to_owned(),
        }),
    }
}

/// What deleting an object of a kind loses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Loss {
    /// A PersistentVolumeClaim: its volume, unless the volume's reclaim policy retains it.
    Volume,
    /// A StatefulSet: its pods, which hold data.
    StatefulPods,
    /// A Namespace: the API server deletes every object in it, PersistentVolumeClaims included.
    Namespace,
    /// A CustomResourceDefinition: the API server deletes every object of its kind.
    CustomResources,
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Loss::Volume => {
                "deletes the PersistentVolumeClaim: its volume's data is lost unless the volume \
                 is retained"
            }
            Loss::StatefulPods => "deletes the StatefulSet, whose pods hold data",
            Loss::Namespace => {
                "deletes the Namespace and every object in it, PersistentVolumeClaims and their \
                 data included"
            }
            Loss::CustomResources => {
                "deletes the CustomResourceDefinition and every object of its kind"
            }
        })
    }
}

/// What deleting an object of `kind` (in `api_version`) loses, `None` when it holds nothing
/// that a new object would not recreate.
///
/// ```
/// use girder_k8s::immutable::{removal_loss, Loss};
/// assert_eq!(removal_loss("v1", "Namespace"), Some(Loss::Namespace));
/// assert_eq!(removal_loss("apps/v1", "Deployment"), None);
/// ```
pub fn removal_loss(api_version: &str, kind: &str) -> Option<Loss> {
    match (api_group(api_version), kind) {
        ("", "PersistentVolumeClaim") => Some(Loss::Volume),
        ("apps", "StatefulSet") => Some(Loss::StatefulPods),
        ("", "Namespace") => Some(Loss::Namespace),
        ("apiextensions.k8s.io", "CustomResourceDefinition") => Some(Loss::CustomResources),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(found: &[Violation]) -> Vec<&str> {
        found.iter().map(Violation::field).collect()
    }

    #[test]
    fn pvc_spec_is_immutable_but_its_storage_may_grow() {
        let pvc = |mode: &str, size: &str| {
            json!({"spec": {"volumeMode": mode, "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": size}}}})
        };
        let check = |a, b| update_violations("v1", "PersistentVolumeClaim", &a, &b);
        assert!(check(pvc("Filesystem", "1Gi"), pvc("Filesystem", "2Gi")).is_empty());
        // The same size written another way is no change to the API server.
        assert!(check(pvc("Filesystem", "1Gi"), pvc("Filesystem", "1024Mi")).is_empty());
        assert_eq!(
            check(pvc("Filesystem", "2Gi"), pvc("Block", "1Gi")),
            [
                Violation::Immutable {
                    field: "spec.volumeMode".into()
                },
                Violation::Shrinks {
                    field: "spec.resources.requests.storage".into(),
                    old: Memory::gib(2),
                    new: Memory::gib(1),
                },
            ]
        );
        // resources.limits is not among the mutable fields; volumeName may be set once.
        let limited = json!({"spec": {"resources": {"limits": {"storage": "1Gi"}}}});
        let bound = json!({"spec": {"volumeName": "pv-1"}});
        assert_eq!(
            fields(&check(json!({"spec": {}}), limited)),
            ["spec.resources"]
        );
        assert!(check(json!({"spec": {}}), bound.clone()).is_empty());
        let rebound = json!({"spec": {"volumeName": "pv-2"}});
        assert_eq!(fields(&check(bound, rebound)), ["spec.volumeName"]);
    }

    #[test]
    fn statefulset_spec_is_immutable_but_for_its_allowed_fields() {
        let sts = |replicas: u8, size: &str| {
            json!({"spec": {"replicas": replicas, "serviceName": "db", "template": {"x": replicas},
                "volumeClaimTemplates": [{"metadata": {"name": "data"},
                    "spec": {"resources": {"requests": {"storage": size}}}}]}})
        };
        let check = |a, b| update_violations("apps/v1", "StatefulSet", &a, &b);
        assert!(check(sts(1, "10Gi"), sts(3, "10Gi")).is_empty());
        assert_eq!(
            fields(&check(sts(1, "10Gi"), sts(1, "5Gi"))),
            ["spec.volumeClaimTemplates"]
        );
    }

    #[test]
    fn other_kinds() {
        let secret = |ty: &str| json!({"type": ty, "data": {"k": "dg=="}});
        assert_eq!(
            fields(&update_violations(
                "v1",
                "Secret",
                &secret("Opaque"),
                &secret("kubernetes.io/tls")
            )),
            ["type"]
        );
        let binding = |role: &str| json!({"roleRef": {"kind": "Role", "name": role}});
        assert_eq!(
            update_violations(
                "rbac.authorization.k8s.io/v1",
                "RoleBinding",
                &binding("a"),
                &binding("b")
            )
            .len(),
            1
        );
        let class = |p: &str| json!({"provisioner": "ebs.csi.aws.com", "parameters": {"type": p}});
        assert_eq!(
            fields(&update_violations(
                "storage.k8s.io/v1",
                "StorageClass",
                &class("gp2"),
                &class("gp3")
            )),
            ["parameters"]
        );
        // A custom resource of the same kind name is not checked.
        assert!(
            update_violations(
                "example.com/v1",
                "StatefulSet",
                &json!({"spec": 1}),
                &json!({"spec": 2})
            )
            .is_empty()
        );
    }

    #[test]
    fn removals() {
        assert_eq!(
            removal_loss("v1", "PersistentVolumeClaim"),
            Some(Loss::Volume)
        );
        assert_eq!(
            removal_loss("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
            Some(Loss::CustomResources)
        );
        assert_eq!(removal_loss("example.com/v1", "Namespace"), None);
    }
}
