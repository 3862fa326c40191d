//! The synth-time wiring check: an environment variable that points at a Service of this program
//! must be backed by NetworkPolicies on both sides (what `connect` produces); otherwise the pod
//! would fail at run time, or the address reached the program around the wiring.
//!
//! It works on the emitted objects, so it also sees through typed edits: Services, workloads'
//! pod templates and NetworkPolicies are collected while objects stream through synthesis, and
//! checked once all are known.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use girder_k8s::Manifest;
use girder_k8s::k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use girder_k8s::k8s_openapi::api::batch::v1::{CronJob, Job};
use girder_k8s::k8s_openapi::api::core::v1::{Pod, PodSpec, PodTemplateSpec, Service};
use girder_k8s::k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicyPeer};
use girder_k8s::k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

type Labels = BTreeMap<String, String>;

/// The label every namespace carries with its own name.
const NAMESPACE_NAME: &str = "kubernetes.io/metadata.name";

/// One side of a NetworkPolicy rule: which pods in which namespaces.
#[derive(Debug, Clone)]
struct Peer {
    /// `None`: the policy's own namespace; `Some(None)`: every namespace; otherwise the namespace
    /// whose name is given.
    namespace: Option<Option<String>>,
    /// `None`: every pod of those namespaces.
    pods: Option<Labels>,
    /// A CIDR peer, which never selects pods.
    cidr: bool,
}

#[derive(Debug)]
struct Policy {
    env: Arc<str>,
    namespace: String,
    selects: Labels,
    ingress: Option<Vec<Peer>>,
    egress: Option<Vec<Peer>>,
}

#[derive(Debug)]
struct Workload {
    env: Arc<str>,
    construct: usize,
    object: String,
    namespace: String,
    labels: Labels,
    /// Environment variables with literal values that name a host.
    hosts: Vec<(String, String)>,
}

/// A wiring problem, by the index of the construct that emitted the workload.
#[derive(Debug)]
pub(crate) struct Problem {
    pub(crate) construct: usize,
    pub(crate) object: String,
    pub(crate) message: String,
    pub(crate) hint: String,
}

/// The facts the check needs, collected object by object.
#[derive(Debug, Default)]
pub(crate) struct Facts {
    /// (environment, namespace, name) → the Service's selector.
    services: HashMap<(Arc<str>, String, String), Labels>,
    policies: Vec<Policy>,
    workloads: Vec<Workload>,
}

fn selector_labels(selector: Option<&LabelSelector>) -> Option<Labels> {
    let selector = selector?;
    // Match expressions are not modelled: such a selector is treated as selecting nothing
    // known, which can only make the check stricter.
    if selector
        .match_expressions
        .as_ref()
        .is_some_and(|e| !e.is_empty())
    {
        return None;
    }
    Some(selector.match_labels.clone().unwrap_or_default())
}

fn peer(p: &NetworkPolicyPeer) -> Peer {
    let namespace = p.namespace_selector.as_ref().map(|s| {
        let labels = selector_labels(Some(s)).unwrap_or_default();
        labels.get(NAMESPACE_NAME).cloned()
    });
    Peer {
        namespace,
        pods: p.pod_selector.as_ref().map(|s| {
            selector_labels(Some(s)).unwrap_or_else(|| {
                // An expression selector: select a label no pod has.
                Labels::from([("girder.dev/unmodelled-selector".into(), String::new())])
            })
        }),
        cidr: p.ip_block.is_some(),
    }
}

fn template(t: &PodTemplateSpec) -> Option<(Option<&Labels>, &PodSpec)> {
    let labels = t.metadata.as_ref().and_then(|m| m.labels.as_ref());
    t.spec.as_ref().map(|s| (labels, s))
}

fn pod_template(m: &Manifest) -> Option<(Option<&Labels>, &PodSpec)> {
    if let Some(d) = m.downcast_ref::<Deployment>() {
        template(&d.spec.as_ref()?.template)
    } else if let Some(s) = m.downcast_ref::<StatefulSet>() {
        template(&s.spec.as_ref()?.template)
    } else if let Some(d) = m.downcast_ref::<DaemonSet>() {
        template(&d.spec.as_ref()?.template)
    } else if let Some(j) = m.downcast_ref::<Job>() {
        template(&j.spec.as_ref()?.template)
    } else if let Some(c) = m.downcast_ref::<CronJob>() {
        template(&c.spec.as_ref()?.job_template.spec.as_ref()?.template)
    } else if let Some(p) = m.downcast_ref::<Pod>() {
        Some((p.metadata.labels.as_ref(), p.spec.as_ref()?))
    } else {
        None
    }
}

/// The host an environment value names, if it looks like an address: `scheme://host…`,
/// `host:port`, or a dotted name.
fn host_of(value: &str) -> Option<&str> {
    let value = value.trim();
    let rest = match value.split_once("://") {
        Some((_, rest)) => rest.rsplit_once('@').map_or(rest, |(_, r)| r),
        None => value,
    };
    let host = rest.split(['/', '?', '#']).next()?;
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !port.is_empty() => h,
        _ => host,
    };
    let plain = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    let address_like = value.contains("://") || host.len() < rest.len() || host.contains('.');
    (plain && address_like).then_some(host)
}

impl Facts {
    /// Records what the check needs from `manifest`, emitted by construct `construct`.
    pub(crate) fn observe(
        &mut self,
        manifest: &Manifest,
        env: &Arc<str>,
        construct: usize,
        object: &str,
    ) {
        let obj = manifest.object();
        let namespace = obj.meta().namespace.clone().unwrap_or_default();
        if let Some(service) = manifest.downcast_ref::<Service>() {
            let selector = service.spec.as_ref().and_then(|s| s.selector.clone());
            if let (Some(name), Some(selector)) = (&service.metadata.name, selector) {
                self.services
                    .insert((env.clone(), namespace, name.clone()), selector);
            }
        } else if let Some(policy) = manifest.downcast_ref::<NetworkPolicy>() {
            let Some(spec) = &policy.spec else { return };
            let types = spec.policy_types.clone().unwrap_or_default();
            let rules =
                |kind: &str, peers: Vec<Peer>| types.iter().any(|t| t == kind).then_some(peers);
            let ingress = spec.ingress.iter().flatten().flat_map(|r| match &r.from {
                Some(from) => from.iter().map(peer).collect::<Vec<_>>(),
                None => vec![Peer {
                    namespace: Some(None),
                    pods: None,
                    cidr: false,
                }],
            });
            let egress = spec.egress.iter().flatten().flat_map(|r| match &r.to {
                Some(to) => to.iter().map(peer).collect::<Vec<_>>(),
                None => vec![Peer {
                    namespace: Some(None),
                    pods: None,
                    cidr: false,
                }],
            });
            self.policies.push(Policy {
                env: env.clone(),
                namespace,
                selects: selector_labels(spec.pod_selector.as_ref()).unwrap_or_default(),
                ingress: rules("Ingress", ingress.collect()),
                egress: rules("Egress", egress.collect()),
            });
        } else if let Some((labels, spec)) = pod_template(manifest) {
            let hosts: Vec<(String, String)> = spec
                .containers
                .iter()
                .chain(spec.init_containers.iter().flatten())
                .flat_map(|c| c.env.iter().flatten())
                .filter_map(|e| {
                    let host = host_of(e.value.as_deref()?)?;
                    Some((e.name.clone(), host.to_owned()))
                })
                .collect();
            if !hosts.is_empty() {
                self.workloads.push(Workload {
                    env: env.clone(),
                    construct,
                    object: object.to_owned(),
                    namespace,
                    labels: labels.cloned().unwrap_or_default(),
                    hosts,
                });
            }
        }
    }

    /// The Service a host names, seen from namespace `from`.
    fn service(&self, env: &Arc<str>, host: &str, from: &str) -> Option<(String, String)> {
        let host = host.strip_suffix(".cluster.local").unwrap_or(host);
        let host = host.strip_suffix(".svc").unwrap_or(host);
        let key = match host.split_once('.') {
            Some((name, ns)) if !ns.contains('.') => (ns.to_owned(), name.to_owned()),
            Some(_) => return None,
            None => (from.to_owned(), host.to_owned()),
        };
        self.services
            .contains_key(&(env.clone(), key.0.clone(), key.1.clone()))
            .then_some(key)
    }

    /// Whether `peer`, in a policy of namespace `policy_ns`, selects pods labelled `labels` in
    /// namespace `ns`.
    fn selects(peer: &Peer, policy_ns: &str, ns: &str, labels: &Labels) -> bool {
        if peer.cidr {
            return false;
        }
        let ns_ok = match &peer.namespace {
            None => policy_ns == ns,
            Some(None) => true,
            Some(Some(name)) => name == ns,
        };
        let pods_ok = peer
            .pods
            .as_ref()
            .is_none_or(|want| want.iter().all(|(k, v)| labels.get(k) == Some(v)));
        ns_ok && pods_ok
    }

    #[allow(clippy::too_many_arguments)]
    fn isolated_and_allowed(
        &self,
        env: &Arc<str>,
        ns: &str,
        labels: &Labels,
        rules: impl Fn(&Policy) -> Option<&Vec<Peer>>,
        other_ns: &str,
        other_labels: &Labels,
    ) -> bool {
        let mut isolated = false;
        for policy in self
            .policies
            .iter()
            .filter(|p| p.env == *env && p.namespace == ns)
        {
            if !policy.selects.iter().all(|(k, v)| labels.get(k) == Some(v)) {
                continue;
            }
            if let Some(peers) = rules(policy) {
                isolated = true;
                if peers
                    .iter()
                    .any(|p| Self::selects(p, ns, other_ns, other_labels))
                {
                    return true;
                }
            }
        }
        !isolated
    }

    /// Every environment variable that names a Service its pods cannot reach.
    pub(crate) fn check(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        for w in &self.workloads {
            for (var, host) in &w.hosts {
                let Some((ns, name)) = self.service(&w.env, host, &w.namespace) else {
                    continue;
                };
                let selector = &self.services[&(w.env.clone(), ns.clone(), name.clone())];
                let egress = self.isolated_and_allowed(
                    &w.env,
                    &w.namespace,
                    &w.labels,
                    |p| p.egress.as_ref(),
                    &ns,
                    selector,
                );
                let ingress = self.isolated_and_allowed(
                    &w.env,
                    &ns,
                    selector,
                    |p| p.ingress.as_ref(),
                    &w.namespace,
                    &w.labels,
                );
                if egress && ingress {
                    continue;
                }
                let side = match (egress, ingress) {
                    (false, false) => "neither lets its pods out nor lets them in",
                    (false, true) => "its pods may not connect out to it",
                    _ => "the Service's pods do not admit it",
                };
                problems.push(Problem {
                    construct: w.construct,
                    object: w.object.clone(),
                    message: format!(
                        "`{var}` points at Service {ns}/{name}, but the NetworkPolicies say {side}"
                    ),
                    hint: "wire it: `client.connect(&server)` and pass the connection's address (`.env(\"…\", conn.url())`)".into(),
                });
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn hosts_are_found_in_addresses_only() {
        assert_eq!(
            host_of("http://api.shop.svc.cluster.local:8080/v1"),
            Some("api.shop.svc.cluster.local")
        );
        assert_eq!(
            host_of("postgres://user@db.data:5432/orders"),
            Some("db.data")
        );
        assert_eq!(host_of("redis:6379"), Some("redis"));
        assert_eq!(host_of("api.shop"), Some("api.shop"));
        assert_eq!(host_of("info"), None);
        assert_eq!(host_of("Some Text: here"), None);
        assert_eq!(host_of("1"), None);
    }
}
