//! What a cluster serves (from discovery), and the custom resources the program defines itself:
//! how each object's API version and kind resolve to a REST resource.

use std::collections::BTreeMap;

use kube::core::{ApiResource, Version};
use kube::discovery::{Discovery, Scope};
use serde_json::Value;

use crate::applyset::GroupKind;
use crate::cluster::{Cluster, ClusterError};

/// A resource the objects of one API version and kind are stored in.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Resolved {
    /// The REST resource.
    pub(crate) resource: ApiResource,
    /// Whether its objects live in namespaces.
    pub(crate) namespaced: bool,
}

/// How an object's API version and kind resolve.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Resolution {
    /// The cluster serves it.
    Served(Resolved),
    /// A CustomResourceDefinition the program applies first will serve it.
    Defined(Resolved),
    /// The cluster serves the kind in other versions of the group (`autoscaling/v2beta2`), in
    /// its order of preference.
    OtherVersions(Vec<String>),
    /// Nothing serves the kind.
    Unknown,
}

/// What a cluster serves: by group and kind, each served version with its resource, the
/// preferred version first.
#[derive(Debug, Clone, Default)]
pub(crate) struct Catalog {
    kinds: BTreeMap<GroupKind, Vec<(String, Resolved)>>,
    /// The custom resources of the CustomResourceDefinitions the program emits.
    defined: BTreeMap<GroupKind, Vec<(String, Resolved)>>,
}

impl Catalog {
    /// Runs discovery on `cluster` (the aggregated form where the API server has it: two
    /// requests instead of one per group).
    pub(crate) async fn discover(cluster: &Cluster) -> Result<Catalog, ClusterError> {
        let aggregated = Discovery::new(cluster.client.clone())
            .run_aggregated()
            .await;
        // An API server without aggregated discovery (before 1.26) may answer with the plain
        // form, which reads as no group at all.
        let discovery = match aggregated {
            Ok(discovery) if discovery.has_group("") => discovery,
            _ => Discovery::new(cluster.client.clone())
                .run()
                .await
                .map_err(|e| cluster.fault("discovering the served API versions", e))?,
        };
        let mut catalog = Catalog::default();
        for group in discovery.groups() {
            for version in group.versions() {
                for (resource, caps) in group.versioned_resources(version) {
                    catalog.serve(resource, caps.scope == Scope::Namespaced);
                }
            }
            // The preferred version first.
            if let Some(preferred) = group.preferred_version() {
                for versions in catalog.kinds.values_mut() {
                    if let Some(at) = versions
                        .iter()
                        .position(|(v, r)| v == preferred && r.resource.group == group.name())
                    {
                        let first = versions.remove(at);
                        versions.insert(0, first);
                    }
                }
            }
        }
        Ok(catalog)
    }

    /// Records that the cluster serves `resource`.
    pub(crate) fn serve(&mut self, resource: ApiResource, namespaced: bool) {
        let key = GroupKind {
            group: resource.group.clone(),
            kind: resource.kind.clone(),
        };
        let versions = self.kinds.entry(key).or_default();
        if !versions.iter().any(|(v, _)| *v == resource.version) {
            versions.push((
                resource.version.clone(),
                Resolved {
                    resource,
                    namespaced,
                },
            ));
        }
    }

    /// Records the custom resources the CustomResourceDefinition `crd` (JSON) defines; the
    /// program applies it before them.
    pub(crate) fn define(&mut self, crd: &Value) {
        let spec = &crd["spec"];
        let (Some(group), Some(kind), Some(plural)) = (
            spec["group"].as_str(),
            spec["names"]["kind"].as_str(),
            spec["names"]["plural"].as_str(),
        ) else {
            return;
        };
        let namespaced = spec["scope"].as_str() != Some("Cluster");
        let versions = spec["versions"].as_array().into_iter().flatten();
        for version in versions {
            if version["served"].as_bool() == Some(false) {
                continue;
            }
            let Some(name) = version["name"].as_str() else {
                continue;
            };
            let resource = ApiResource {
                group: group.to_owned(),
                version: name.to_owned(),
                api_version: format!("{group}/{name}"),
                kind: kind.to_owned(),
                plural: plural.to_owned(),
            };
            self.defined
                .entry(GroupKind {
                    group: group.to_owned(),
                    kind: kind.to_owned(),
                })
                .or_default()
                .push((
                    name.to_owned(),
                    Resolved {
                        resource,
                        namespaced,
                    },
                ));
        }
    }

    /// How objects of `api_version` and `kind` resolve.
    pub(crate) fn resolve(&self, api_version: &str, kind: &str) -> Resolution {
        let gk = GroupKind::of(api_version, kind);
        let version = api_version.rsplit('/').next().unwrap_or(api_version);
        let find = |map: &BTreeMap<GroupKind, Vec<(String, Resolved)>>| {
            map.get(&gk)
                .and_then(|versions| versions.iter().find(|(v, _)| v == version))
                .map(|(_, r)| r.clone())
        };
        if let Some(resolved) = find(&self.kinds) {
            return Resolution::Served(resolved);
        }
        if let Some(resolved) = find(&self.defined) {
            return Resolution::Defined(resolved);
        }
        match self.kinds.get(&gk) {
            Some(versions) if !versions.is_empty() => {
                // Stable versions first, then the newest betas (Kubernetes' own priority).
                let mut versions: Vec<&(String, Resolved)> = versions.iter().collect();
                versions.sort_by_key(|(v, _)| std::cmp::Reverse(Version::parse(v).priority()));
                Resolution::OtherVersions(
                    versions
                        .iter()
                        .map(|(_, r)| r.resource.api_version.clone())
                        .collect(),
                )
            }
            _ => Resolution::Unknown,
        }
    }

    /// The preferred resource of group-kind `gk`, to list its objects.
    pub(crate) fn preferred(&self, gk: &GroupKind) -> Option<&Resolved> {
        self.kinds
            .get(gk)
            .and_then(|versions| versions.first())
            .map(|(_, r)| r)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn resource(api_version: &str, kind: &str, plural: &str) -> ApiResource {
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        ApiResource {
            group: group.into(),
            version: version.into(),
            api_version: api_version.into(),
            kind: kind.into(),
            plural: plural.into(),
        }
    }

    /// What a Kubernetes 1.20 API server serves, in part.
    pub(crate) fn kubernetes_1_20() -> Catalog {
        let mut catalog = Catalog::default();
        for (api_version, kind, plural, namespaced) in [
            ("v1", "Namespace", "namespaces", false),
            ("v1", "ConfigMap", "configmaps", true),
            ("apps/v1", "Deployment", "deployments", true),
            (
                "autoscaling/v1",
                "HorizontalPodAutoscaler",
                "horizontalpodautoscalers",
                true,
            ),
            (
                "autoscaling/v2beta1",
                "HorizontalPodAutoscaler",
                "horizontalpodautoscalers",
                true,
            ),
            (
                "autoscaling/v2beta2",
                "HorizontalPodAutoscaler",
                "horizontalpodautoscalers",
                true,
            ),
            (
                "policy/v1beta1",
                "PodDisruptionBudget",
                "poddisruptionbudgets",
                true,
            ),
            ("batch/v1", "Job", "jobs", true),
            ("batch/v1beta1", "CronJob", "cronjobs", true),
        ] {
            catalog.serve(resource(api_version, kind, plural), namespaced);
        }
        catalog
    }

    #[test]
    fn served_defined_other_versions_and_unknown_kinds() {
        let mut catalog = kubernetes_1_20();
        assert!(matches!(
            catalog.resolve("apps/v1", "Deployment"),
            Resolution::Served(Resolved {
                namespaced: true,
                ..
            })
        ));
        assert_eq!(
            catalog.resolve("autoscaling/v2", "HorizontalPodAutoscaler"),
            Resolution::OtherVersions(vec![
                "autoscaling/v1".into(),
                "autoscaling/v2beta2".into(),
                "autoscaling/v2beta1".into()
            ])
        );
        assert_eq!(
            catalog.resolve("monitoring.coreos.com/v1", "ServiceMonitor"),
            Resolution::Unknown
        );
        catalog.define(
            &json!({"spec": {"group": "monitoring.coreos.com", "scope": "Namespaced",
            "names": {"kind": "ServiceMonitor", "plural": "servicemonitors"},
            "versions": [{"name": "v1", "served": true}]}}),
        );
        let Resolution::Defined(resolved) =
            catalog.resolve("monitoring.coreos.com/v1", "ServiceMonitor")
        else {
            panic!("defined by the program's CRD");
        };
        assert_eq!(resolved.resource.plural, "servicemonitors");
        assert!(resolved.namespaced);
        assert_eq!(
            catalog
                .preferred(&GroupKind::of("apps/v1", "Deployment"))
                .map(|r| r.resource.plural.as_str()),
            Some("deployments")
        );
    }
}
