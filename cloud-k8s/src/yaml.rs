//! Multi-document YAML in a stable order: the same program gives byte-identical files.

use std::cmp::Ordering;

use crate::object::{Manifest, ObjectError};

/// The apply order of kinds: what others depend on comes first (namespaces, then policies,
/// accounts and configuration, then services and workloads, then autoscalers and routes).
/// Kinds not listed (custom resources) come last, by name.
const KIND_ORDER: &[&str] = &[
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
];

/// Where a kind goes in a file: its index in the apply order, or after all known kinds.
pub fn kind_rank(kind: &str) -> usize {
    KIND_ORDER
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(KIND_ORDER.len())
}

/// The order of objects in a file: by kind rank, kind, namespace, name, then API version.
pub fn compare(a: &Manifest, b: &Manifest) -> Ordering {
    let (a, b) = (a.object(), b.object());
    kind_rank(a.kind())
        .cmp(&kind_rank(b.kind()))
        .then_with(|| a.kind().cmp(b.kind()))
        .then_with(|| a.meta().namespace.cmp(&b.meta().namespace))
        .then_with(|| a.meta().name.cmp(&b.meta().name))
        .then_with(|| a.api_version().cmp(b.api_version()))
}

/// Sorts `manifests` into file order and writes them as one multi-document YAML file.
///
/// Large files are serialized on all cores; the result does not depend on how many. Each object
/// is dropped as soon as it is written, so the objects and their YAML are not held twice.
pub fn to_documents(mut manifests: Vec<Manifest>) -> Result<String, ObjectError> {
    manifests.sort_by(compare);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    if threads < 2 || manifests.len() < 512 {
        return write_chunk(manifests);
    }
    let per = manifests.len().div_ceil(threads);
    let mut chunks = Vec::with_capacity(threads);
    while manifests.len() > per {
        let rest = manifests.split_off(per);
        chunks.push(std::mem::replace(&mut manifests, rest));
    }
    chunks.push(manifests);
    let parts: Vec<Result<String, ObjectError>> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|c| s.spawn(move || write_chunk(c)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let mut parts = parts.into_iter();
    let mut out = parts.next().transpose()?.unwrap_or_default();
    for part in parts {
        out.push_str(&part?);
    }
    Ok(out)
}

fn write_chunk(manifests: Vec<Manifest>) -> Result<String, ObjectError> {
    let mut out = String::with_capacity(manifests.len() * 1024);
    for m in manifests {
        out.push_str("---\n");
        m.write_yaml(&mut out)?;
    }
    Ok(out)
}
