//! Names and namespaces of the final objects: every object has a name the API server accepts
//! for its kind, namespaced objects are in a namespace and cluster-scoped ones are not, and no
//! object goes into a namespace the program does not declare (cross-object: see
//! [`super::Checker`]).
//!
//! Name rules follow the API server's validation
//! (<https://kubernetes.io/docs/concepts/overview/working-with-objects/names/>):
//! most kinds take a DNS-1123 subdomain; `Namespace` a DNS-1123 label; `Service` a DNS-1035 label
//! (it becomes a DNS name); `CronJob` at most 52 characters (its Jobs append 11); RBAC kinds a
//! path segment (they may hold `:`).

use girder_core::name::{MAX_LABEL, is_dns1035_label, is_dns1123_label, is_dns1123_subdomain};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::Finding;

/// Namespaces Kubernetes reserves for itself: the `kube-` prefix.
pub const RESERVED_PREFIX: &str = "kube-";

/// The name rule of a kind, and why a name breaks it.
fn name_problem(api_version: &str, kind: &str, name: &str) -> Option<String> {
    let rbac = api_version.starts_with("rbac.authorization.k8s.io/");
    match kind {
        "Namespace" if !is_dns1123_label(name) => Some(
            "a Namespace name must be a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit".into(),
        ),
        "Service" if !is_dns1035_label(name) => Some(
            "a Service name must be a DNS-1035 label: at most 63 lowercase letters, digits and '-', starting with a letter".into(),
        ),
        "CronJob" if name.len() > 52 => {
            Some("a CronJob name may have at most 52 characters (its Jobs add 11)".into())
        }
        _ if rbac => (name == "." || name == ".." || name.contains(['/', '%']))
            .then(|| "an RBAC object's name may not be `.` or `..` nor contain `/` or `%`".into()),
        "Namespace" | "Service" => None,
        _ if !is_dns1123_subdomain(name) => Some(format!(
            "a {kind} name must be a DNS-1123 subdomain: at most 253 lowercase letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit"
        )),
        _ => None,
    }
}

/// Checks the name and namespace of one object.
pub fn check(
    object: &str,
    api_version: &str,
    kind: &str,
    cluster_scoped: bool,
    meta: &ObjectMeta,
    out: &mut Vec<Finding>,
) {
    match meta.name.as_deref() {
        None | Some("") => out.push(Finding::new(
            object,
            "metadata.name",
            "the object has no name",
            "give it a name (an edit or patch removed `metadata.name`; `generateName` does not work with `kubectl apply`)",
        )),
        Some(name) => {
            if let Some(problem) = name_problem(api_version, kind, name) {
                out.push(Finding::new(
                    object,
                    "metadata.name",
                    format!("`{name}` is not a valid name: {problem}"),
                    "use the name the construct derives from its id, or a valid one",
                ));
            }
        }
    }
    match (&meta.namespace, cluster_scoped) {
        (Some(ns), true) => out.push(Finding::new(
            object,
            "metadata.namespace",
            format!("a {kind} is cluster-scoped, but it is given namespace `{ns}`"),
            "remove `metadata.namespace`",
        )),
        (None, false) => out.push(Finding::new(
            object,
            "metadata.namespace",
            format!("a {kind} lives in a namespace, but it has none"),
            "create it in a namespace of the program (`env.kubernetes().namespace(…)`)",
        )),
        (Some(ns), false) if !is_dns1123_label(ns) || ns.len() > MAX_LABEL => {
            out.push(Finding::new(
                object,
                "metadata.namespace",
                format!("`{ns}` is not a valid namespace name"),
                "namespace names are DNS-1123 labels: lowercase letters, digits and '-'",
            ))
        }
        _ => {}
    }
    if kind == "Namespace"
        && api_version == "v1"
        && let Some(name) = meta.name.as_deref()
        && (name.starts_with(RESERVED_PREFIX) || name == "default")
    {
        out.push(Finding::new(
            object,
            "metadata.name",
            format!("namespace `{name}` belongs to Kubernetes, not to this program"),
            "declare a namespace of your own with `girder::namespace!` and put the objects there",
        ));
    }
}

/// The finding for an object in a namespace the program does not declare.
pub fn undeclared_namespace(object: &str, namespace: &str) -> Finding {
    let hint = if namespace.starts_with(RESERVED_PREFIX) || namespace == "default" {
        "objects may only go into namespaces the program declares; `kube-*` and `default` belong to the cluster: use a namespace of your own"
    } else {
        "objects may only go into namespaces the program declares: declare it (`girder::namespace!` and `k8s.namespace(…)`) or move the object"
    };
    Finding::new(
        object,
        "metadata.namespace",
        format!("namespace `{namespace}` is not declared by this program"),
        hint,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(api_version: &str, kind: &str, cluster: bool, meta: ObjectMeta) -> Vec<String> {
        let mut out = Vec::new();
        check("o", api_version, kind, cluster, &meta, &mut out);
        out.into_iter().map(|f| f.message()).collect()
    }

    fn meta(name: Option<&str>, ns: Option<&str>) -> ObjectMeta {
        ObjectMeta {
            name: name.map(Into::into),
            namespace: ns.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn names_follow_the_rule_of_their_kind() {
        assert!(
            findings(
                "apps/v1",
                "Deployment",
                false,
                meta(Some("api.v2"), Some("shop"))
            )
            .is_empty()
        );
        assert!(!findings("v1", "Service", false, meta(Some("api.v2"), Some("shop"))).is_empty());
        assert!(!findings("v1", "Service", false, meta(Some("2api"), Some("shop"))).is_empty());
        assert!(
            !findings(
                "apps/v1",
                "Deployment",
                false,
                meta(Some("Api"), Some("shop"))
            )
            .is_empty()
        );
        assert!(
            !findings(
                "batch/v1",
                "CronJob",
                false,
                meta(Some(&"a".repeat(53)), Some("shop"))
            )
            .is_empty()
        );
        assert!(
            findings(
                "rbac.authorization.k8s.io/v1",
                "ClusterRole",
                true,
                meta(Some("system:x"), None)
            )
            .is_empty()
        );
        let unnamed = findings("v1", "ConfigMap", false, meta(None, Some("shop")));
        assert_eq!(unnamed, ["metadata.name: the object has no name"]);
    }

    #[test]
    fn scope_and_reserved_namespaces_are_checked() {
        assert!(!findings("v1", "ConfigMap", false, meta(Some("a"), None)).is_empty());
        assert!(!findings("v1", "Namespace", true, meta(Some("a"), Some("b"))).is_empty());
        assert!(!findings("v1", "Namespace", true, meta(Some("kube-system"), None)).is_empty());
        assert!(findings("v1", "Namespace", true, meta(Some("shop"), None)).is_empty());
        assert!(
            undeclared_namespace("o", "kube-system")
                .hint
                .contains("belong to the cluster")
        );
    }
}
