//! How Girder records what it deployed, so that it can prune what a program no longer has: the
//! ApplySet convention of [KEP-3659](https://github.com/kubernetes/enhancements/tree/master/keps/sig-cli/3659-kubectl-apply-prune),
//! which `kubectl apply --prune --applyset` understands too.
//!
//! * **One parent per environment and namespace.** Each namespace the program deploys to holds a
//!   Secret `girder-applyset-<app>-<env>` (no data: it only carries labels and annotations), the
//!   parent of the program's objects in that namespace.
//! * **Cluster-scoped objects** (Namespaces, CustomResourceDefinitions, ClusterRoles, ...) have
//!   their own parent: the Secret `girder-applyset-<app>-<env>.cluster` in the `default`
//!   namespace, which always exists and is never deleted. A namespace's parent cannot track the
//!   namespace itself (deleting the namespace would delete its parent), and Kubernetes has no
//!   built-in cluster-scoped kind kubectl accepts as a parent.
//! * The parent carries the label `applyset.kubernetes.io/id` ([`applyset_id`]), the annotation
//!   `applyset.kubernetes.io/tooling: girder/<version>` and
//!   `applyset.kubernetes.io/contains-group-kinds`: the sorted, comma-separated `Kind.group` of
//!   its members' kinds. Each member carries the label `applyset.kubernetes.io/part-of: <id>`.
//! * `deploy` widens each parent's group-kinds to those of the previous and the current objects
//!   before applying, and narrows them to the current ones once pruning is done, as kubectl does:
//!   a deploy that stops half-way leaves every member findable, and the next one prunes them.
//! * An object without the `part-of` label of one of the program's parents is never pruned or
//!   deleted.
//!
//! ```
//! use girder_deploy_k8s::applyset::{Parent, applyset_id};
//!
//! let parent = Parent::namespaced("shop", "prod", "web");
//! assert_eq!(parent.name, "girder-applyset-shop-prod");
//! assert_eq!(parent.id, applyset_id("girder-applyset-shop-prod", "web", "Secret", ""));
//! assert!(parent.id.starts_with("applyset-") && parent.id.ends_with("-v1"));
//! ```

use std::collections::BTreeSet;
use std::fmt;

use base64::Engine as _;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The label of a parent: the ApplySet's id.
pub const ID_LABEL: &str = "applyset.kubernetes.io/id";
/// The label of a member: the id of the ApplySet it belongs to.
pub const PART_OF_LABEL: &str = "applyset.kubernetes.io/part-of";
/// The annotation of a parent: the tool that manages the ApplySet.
pub const TOOLING_ANNOTATION: &str = "applyset.kubernetes.io/tooling";
/// The annotation of a parent: the group-kinds of its members.
pub const CONTAINS_ANNOTATION: &str = "applyset.kubernetes.io/contains-group-kinds";
/// The prefix of every ApplySet label and annotation (`kubectl diff` and `diff --live` ignore
/// them).
pub const PREFIX: &str = "applyset.kubernetes.io/";
/// The value of the tooling annotation Girder writes: `girder/<version>`.
pub const TOOLING: &str = concat!("girder/", env!("CARGO_PKG_VERSION"));
/// The namespace of the parents of cluster-scoped objects.
pub const CLUSTER_PARENT_NAMESPACE: &str = "default";

/// The ApplySet id of the parent `name` in `namespace` of `kind` and API `group` (empty for the
/// core group), as KEP-3659 defines it: `applyset-<base64url(sha256("<name>.<namespace>.<kind>.<group>"))>-v1`,
/// unpadded.
pub fn applyset_id(name: &str, namespace: &str, kind: &str, group: &str) -> String {
    let digest = Sha256::digest(format!("{name}.{namespace}.{kind}.{group}").as_bytes());
    format!(
        "applyset-{}-v1",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
    )
}

/// The kind of an object without its version: what an ApplySet records.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupKind {
    /// The API group, empty for the core group.
    pub group: String,
    /// The kind.
    pub kind: String,
}

impl GroupKind {
    /// The group-kind of `api_version` (`apps/v1`, `v1`) and `kind`.
    pub fn of(api_version: &str, kind: &str) -> GroupKind {
        GroupKind {
            group: api_version
                .rsplit_once('/')
                .map_or("", |(group, _)| group)
                .to_owned(),
            kind: kind.to_owned(),
        }
    }

    /// Parses `Kind.group` (or `Kind` for the core group).
    pub fn parse(text: &str) -> Option<GroupKind> {
        let text = text.trim();
        let (kind, group) = text.split_once('.').unwrap_or((text, ""));
        (!kind.is_empty()).then(|| GroupKind {
            group: group.to_owned(),
            kind: kind.to_owned(),
        })
    }
}

impl fmt::Display for GroupKind {
    /// `Deployment.apps`, `ConfigMap`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.kind)
        } else {
            write!(f, "{}.{}", self.kind, self.group)
        }
    }
}

/// The value of [`CONTAINS_ANNOTATION`] for `kinds`: sorted, comma-separated.
pub fn contains_annotation(kinds: &BTreeSet<GroupKind>) -> String {
    let mut texts: Vec<String> = kinds.iter().map(ToString::to_string).collect();
    texts.sort();
    texts.join(",")
}

/// The group-kinds of a [`CONTAINS_ANNOTATION`] value; unreadable items are skipped.
pub fn parse_contains(text: &str) -> BTreeSet<GroupKind> {
    text.split(',').filter_map(GroupKind::parse).collect()
}

/// A parent of an ApplySet: a Secret that records the members' kinds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Parent {
    /// The Secret's namespace.
    pub namespace: String,
    /// The Secret's name.
    pub name: String,
    /// The ApplySet id.
    pub id: String,
    /// Whether it is the parent of the environment's cluster-scoped objects.
    pub cluster: bool,
}

impl Parent {
    /// The parent of the objects of `app` in environment `env` and `namespace`.
    pub fn namespaced(app: &str, env: &str, namespace: &str) -> Parent {
        Parent::new(namespace, namespaced_parent_name(app, env), false)
    }

    /// The parent of the cluster-scoped objects of `app` in environment `env`.
    pub fn cluster(app: &str, env: &str) -> Parent {
        Parent::new(
            CLUSTER_PARENT_NAMESPACE,
            cluster_parent_name(app, env),
            true,
        )
    }

    fn new(namespace: &str, name: String, cluster: bool) -> Parent {
        Parent {
            id: applyset_id(&name, namespace, "Secret", ""),
            namespace: namespace.to_owned(),
            name,
            cluster,
        }
    }

    /// The parent object to apply, recording `kinds`.
    pub fn object(&self, kinds: &BTreeSet<GroupKind>) -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": self.name,
                "namespace": self.namespace,
                "labels": {ID_LABEL: self.id},
                "annotations": {
                    TOOLING_ANNOTATION: TOOLING,
                    CONTAINS_ANNOTATION: contains_annotation(kinds),
                },
            },
            "type": "Opaque",
        })
    }
}

impl fmt::Display for Parent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret {}/{}", self.namespace, self.name)
    }
}

/// The name of the parents in namespaces: `girder-applyset-<app>-<env>`.
pub fn namespaced_parent_name(app: &str, env: &str) -> String {
    format!("girder-applyset-{app}-{env}")
}

/// The name of the parent of cluster-scoped objects: `girder-applyset-<app>-<env>.cluster` (a
/// dot cannot occur in the names of apps and environments, so it never equals a namespace's
/// parent).
pub fn cluster_parent_name(app: &str, env: &str) -> String {
    format!("girder-applyset-{app}-{env}.cluster")
}

/// Whether a tooling annotation's value is Girder's (any version).
pub fn is_girder_tooling(value: &str) -> bool {
    value.starts_with("girder/")
}

/// Adds the `part-of` label of the ApplySet `id` to the object `value`.
pub fn label_member(value: &mut Value, id: &str) {
    if let Value::Object(object) = value {
        let metadata = object
            .entry("metadata")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Value::Object(metadata) = metadata {
            let labels = metadata
                .entry("labels")
                .or_insert_with(|| Value::Object(Default::default()));
            if let Value::Object(labels) = labels {
                labels.insert(PART_OF_LABEL.to_owned(), Value::String(id.to_owned()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_is_kubectls() {
        // kubectl's own test (staging/src/k8s.io/kubectl/pkg/cmd/apply/apply_test.go):
        // the Secret `my-set` in namespace `test`.
        let id = applyset_id("my-set", "test", "Secret", "");
        assert_eq!(
            id,
            "applyset-0eFHV8ySqp7XoShsGvyWFQD3s96yqwHmzc4e0HR1dsY-v1"
        );
        // Any other parent has another id.
        assert_ne!(id, applyset_id("my-set", "prod", "Secret", ""));
        assert!(!id.contains('='), "unpadded");
    }

    #[test]
    fn parents_of_namespaces_and_the_cluster_differ() {
        let web = Parent::namespaced("shop", "prod", "web");
        let api = Parent::namespaced("shop", "prod", "api");
        let cluster = Parent::cluster("shop", "prod");
        assert_eq!(web.name, api.name);
        assert_ne!(web.id, api.id);
        assert_eq!(cluster.namespace, "default");
        assert_eq!(cluster.name, "girder-applyset-shop-prod.cluster");
        assert_ne!(cluster.id, Parent::namespaced("shop", "prod", "default").id);
        assert_ne!(
            Parent::namespaced("shop", "prod", "web").id,
            Parent::namespaced("shop", "staging", "web").id
        );
    }

    #[test]
    fn group_kinds_are_written_as_kubectl_writes_them() {
        let kinds: BTreeSet<GroupKind> = [
            GroupKind::of("v1", "ConfigMap"),
            GroupKind::of("apps/v1", "Deployment"),
            GroupKind::of("networking.k8s.io/v1", "NetworkPolicy"),
            GroupKind::of("v1", "ConfigMap"),
        ]
        .into();
        let text = contains_annotation(&kinds);
        assert_eq!(
            text,
            "ConfigMap,Deployment.apps,NetworkPolicy.networking.k8s.io"
        );
        assert_eq!(parse_contains(&text), kinds);
        assert_eq!(parse_contains(""), BTreeSet::new());
        assert_eq!(
            GroupKind::parse("Deployment.apps"),
            Some(GroupKind::of("apps/v1", "Deployment"))
        );
    }

    #[test]
    fn parent_object_records_the_kinds_and_members_are_labelled() {
        let parent = Parent::namespaced("shop", "prod", "web");
        let kinds = [GroupKind::of("apps/v1", "Deployment")].into();
        let object = parent.object(&kinds);
        assert_eq!(object["metadata"]["labels"][ID_LABEL], parent.id.as_str());
        assert_eq!(
            object["metadata"]["annotations"][CONTAINS_ANNOTATION],
            "Deployment.apps"
        );
        assert!(is_girder_tooling(
            object["metadata"]["annotations"][TOOLING_ANNOTATION]
                .as_str()
                .unwrap()
        ));
        assert!(object.get("data").is_none());
        let mut member = json!({"metadata": {"name": "api"}});
        label_member(&mut member, &parent.id);
        assert_eq!(
            member["metadata"]["labels"][PART_OF_LABEL],
            parent.id.as_str()
        );
    }
}
