//! Reachability: an environment variable that points at a Service of this program must be
//! backed by NetworkPolicies on both sides (what `connect` produces); otherwise the pod would
//! fail at run time, or the address reached the program around the wiring.
//!
//! It works on the final objects, so it also sees through typed edits, patches and aspects:
//! Services, workloads' pod templates and NetworkPolicies are collected while objects stream
//! through synthesis, and checked once all are known.

use std::any::Any;
use std::collections::{BTreeMap, HashMap};

use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicyPeer};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use girder_core::cidr::Cidr;

use super::Finding;
use crate::object::Object;

/// An interned string: label keys and values, namespaces and names repeat across thousands of
/// objects, and the check only compares them.
type Sym = u32;

/// Labels as sorted (key, value) pairs of interned strings.
type Labels = Box<[(Sym, Sym)]>;

#[derive(Debug, Default)]
struct Interner {
    ids: HashMap<String, Sym>,
    names: Vec<String>,
}

impl Interner {
    fn intern(&mut self, s: &str) -> Sym {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.names.len() as Sym;
        self.names.push(s.to_owned());
        self.ids.insert(s.to_owned(), id);
        id
    }

    fn get(&self, s: &str) -> Option<Sym> {
        self.ids.get(s).copied()
    }

    fn name(&self, id: Sym) -> &str {
        &self.names[id as usize]
    }

    fn labels<'a>(&mut self, map: impl IntoIterator<Item = (&'a String, &'a String)>) -> Labels {
        let mut labels: Vec<(Sym, Sym)> = map
            .into_iter()
            .map(|(k, v)| (self.intern(k), self.intern(v)))
            .collect();
        labels.sort_unstable();
        labels.into_boxed_slice()
    }
}

/// Whether every label of `want` is in `have`.
fn subset(want: &[(Sym, Sym)], have: &[(Sym, Sym)]) -> bool {
    want.iter().all(|w| have.binary_search(w).is_ok())
}

/// The label every namespace carries with its own name.
const NAMESPACE_NAME: &str = "kubernetes.io/metadata.name";

/// One side of a NetworkPolicy rule: which pods in which namespaces.
#[derive(Debug, Clone)]
struct Peer {
    /// `None`: the policy's own namespace; `Some(None)`: every namespace; otherwise the namespace
    /// whose name is given.
    namespace: Option<Option<Sym>>,
    /// `None`: every pod of those namespaces.
    pods: Option<Labels>,
    /// A CIDR peer, which never selects pods.
    cidr: bool,
    /// The range of a CIDR peer without exceptions (one with exceptions is not modelled, which
    /// can only make the check stricter).
    block: Option<Cidr>,
    /// A rule without peers: every destination, in the cluster or outside it.
    anywhere: bool,
}

impl Peer {
    /// Whether the peer admits every address of `range`, outside the cluster.
    fn covers(&self, range: &Cidr) -> bool {
        self.anywhere || self.block.is_some_and(|b| b.contains(range))
    }
}

#[derive(Debug)]
struct Policy {
    env: Sym,
    namespace: Sym,
    selects: Labels,
    ingress: Option<Vec<Peer>>,
    egress: Option<Vec<Peer>>,
}

#[derive(Debug)]
struct Workload {
    env: Sym,
    construct: usize,
    object: String,
    namespace: Sym,
    labels: Labels,
    /// Environment variables with literal values that name a host.
    hosts: Vec<(String, String)>,
}

/// The facts the check needs, collected object by object.
#[derive(Debug, Default)]
pub(crate) struct Reach {
    strings: Interner,
    /// (environment, namespace, name) → the Service's selector.
    services: HashMap<(Sym, Sym, Sym), Labels>,
    policies: Vec<Policy>,
    workloads: Vec<Workload>,
}

/// A selector's match labels, or `None` for expression selectors: they are not modelled, which
/// can only make the check stricter.
fn selector_labels(selector: Option<&LabelSelector>) -> Option<Option<&BTreeMap<String, String>>> {
    let selector = selector?;
    if selector
        .match_expressions
        .as_ref()
        .is_some_and(|e| !e.is_empty())
    {
        return None;
    }
    Some(selector.match_labels.as_ref())
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

impl Reach {
    fn peer(&mut self, p: &NetworkPolicyPeer) -> Peer {
        let namespace = p.namespace_selector.as_ref().map(|s| {
            selector_labels(Some(s))
                .flatten()
                .and_then(|labels| labels.get(NAMESPACE_NAME))
                .map(|ns| self.strings.intern(ns))
        });
        let pods = p
            .pod_selector
            .as_ref()
            .map(|s| match selector_labels(Some(s)) {
                Some(labels) => self.strings.labels(labels.into_iter().flatten()),
                None => {
                    // An expression selector: select a label no pod has.
                    let key = self.strings.intern("girder.dev/unmodelled-selector");
                    let value = self.strings.intern("");
                    vec![(key, value)].into_boxed_slice()
                }
            });
        Peer {
            namespace,
            pods,
            cidr: p.ip_block.is_some(),
            block: p
                .ip_block
                .as_ref()
                .filter(|b| b.except.as_ref().is_none_or(Vec::is_empty))
                .and_then(|b| b.cidr.parse().ok()),
            anywhere: false,
        }
    }

    fn all_peers() -> Vec<Peer> {
        vec![Peer {
            namespace: Some(None),
            pods: None,
            cidr: false,
            block: None,
            anywhere: true,
        }]
    }

    /// Records what the check needs from `obj` (named `object`), emitted by construct
    /// `construct` in environment `env`.
    pub(crate) fn observe(&mut self, obj: &dyn Object, object: &str, env: &str, construct: usize) {
        let any: &dyn Any = obj;
        let env = self.strings.intern(env);
        let namespace = self
            .strings
            .intern(obj.meta().namespace.as_deref().unwrap_or_default());
        if let Some(service) = any.downcast_ref::<Service>() {
            let selector = service.spec.as_ref().and_then(|s| s.selector.as_ref());
            if let (Some(name), Some(selector)) = (&service.metadata.name, selector) {
                let name = self.strings.intern(name);
                let selector = self.strings.labels(selector);
                self.services.insert((env, namespace, name), selector);
            }
        } else if let Some(policy) = any.downcast_ref::<NetworkPolicy>() {
            let Some(spec) = &policy.spec else { return };
            let has = |kind: &str| spec.policy_types.iter().flatten().any(|t| t == kind);
            let mut ingress = Vec::new();
            for rule in spec.ingress.iter().flatten() {
                match &rule.from {
                    Some(from) => {
                        for p in from {
                            let peer = self.peer(p);
                            ingress.push(peer);
                        }
                    }
                    None => ingress.extend(Self::all_peers()),
                }
            }
            let mut egress = Vec::new();
            for rule in spec.egress.iter().flatten() {
                match &rule.to {
                    Some(to) => {
                        for p in to {
                            let peer = self.peer(p);
                            egress.push(peer);
                        }
                    }
                    None => egress.extend(Self::all_peers()),
                }
            }
            let selects = match selector_labels(spec.pod_selector.as_ref()) {
                Some(labels) => self.strings.labels(labels.into_iter().flatten()),
                None => Labels::default(),
            };
            self.policies.push(Policy {
                env,
                namespace,
                selects,
                ingress: has("Ingress").then_some(ingress),
                egress: has("Egress").then_some(egress),
            });
        } else if let Some(template) = obj.pod_template()
            && let Some(spec) = template.spec
        {
            let labels = template.labels();
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
                let labels = self.strings.labels(labels.into_iter().flatten());
                self.workloads.push(Workload {
                    env,
                    construct,
                    object: object.to_owned(),
                    namespace,
                    labels,
                    hosts,
                });
            }
        }
    }

    /// The Service a host names, seen from namespace `from`.
    fn service(&self, env: Sym, host: &str, from: Sym) -> Option<(Sym, Sym)> {
        let host = host.strip_suffix(".cluster.local").unwrap_or(host);
        let host = host.strip_suffix(".svc").unwrap_or(host);
        let (ns, name) = match host.split_once('.') {
            Some((name, ns)) if !ns.contains('.') => {
                (self.strings.get(ns)?, self.strings.get(name)?)
            }
            Some(_) => return None,
            None => (from, self.strings.get(host)?),
        };
        self.services
            .contains_key(&(env, ns, name))
            .then_some((ns, name))
    }

    /// Whether `peer`, in a policy of namespace `policy_ns`, selects pods labelled `labels` in
    /// namespace `ns`.
    fn selects(peer: &Peer, policy_ns: Sym, ns: Sym, labels: &[(Sym, Sym)]) -> bool {
        if peer.cidr {
            return false;
        }
        let ns_ok = match peer.namespace {
            None => policy_ns == ns,
            Some(None) => true,
            Some(Some(name)) => name == ns,
        };
        ns_ok && peer.pods.as_ref().is_none_or(|want| subset(want, labels))
    }

    /// Whether pods labelled `labels` in `ns` are either not isolated by the policies' `rules`
    /// (ingress or egress) or allowed by one of their peers (`allows`).
    fn isolated_and_allowed(
        &self,
        env: Sym,
        ns: Sym,
        labels: &[(Sym, Sym)],
        rules: impl Fn(&Policy) -> Option<&Vec<Peer>>,
        allows: impl Fn(&Peer) -> bool,
    ) -> bool {
        let mut isolated = false;
        for policy in self
            .policies
            .iter()
            .filter(|p| p.env == env && p.namespace == ns)
        {
            if !subset(&policy.selects, labels) {
                continue;
            }
            if let Some(peers) = rules(policy) {
                isolated = true;
                if peers.iter().any(&allows) {
                    return true;
                }
            }
        }
        !isolated
    }

    /// Interned labels for a lookup: a label no object carries cannot be in any policy, so it
    /// is left out.
    fn lookup(&self, labels: &BTreeMap<String, String>) -> Labels {
        let mut out: Vec<(Sym, Sym)> = labels
            .iter()
            .filter_map(|(k, v)| Some((self.strings.get(k)?, self.strings.get(v)?)))
            .collect();
        out.sort_unstable();
        out.into_boxed_slice()
    }

    /// Whether the NetworkPolicies of environment `env` let pods labelled `labels` in
    /// `namespace` open connections to pods labelled `server_labels` in `server_namespace`, on
    /// both sides.
    pub(crate) fn reaches(
        &self,
        env: &str,
        namespace: &str,
        labels: &BTreeMap<String, String>,
        server_namespace: &str,
        server_labels: &BTreeMap<String, String>,
    ) -> bool {
        // A string no object carries: no policy selects it.
        const NONE: Sym = Sym::MAX;
        let sym = |s: &str| self.strings.get(s).unwrap_or(NONE);
        let (env, ns, server_ns) = (sym(env), sym(namespace), sym(server_namespace));
        let (labels, server_labels) = (self.lookup(labels), self.lookup(server_labels));
        self.isolated_and_allowed(
            env,
            ns,
            &labels,
            |p| p.egress.as_ref(),
            |p| Self::selects(p, ns, server_ns, &server_labels),
        ) && self.isolated_and_allowed(
            env,
            server_ns,
            &server_labels,
            |p| p.ingress.as_ref(),
            |p| Self::selects(p, server_ns, ns, &labels),
        )
    }

    /// Whether the NetworkPolicies of environment `env` let pods labelled `labels` in
    /// `namespace` open connections to every address of `ranges`: a server outside the cluster,
    /// which has no NetworkPolicy of its own.
    pub(crate) fn reaches_ranges(
        &self,
        env: &str,
        namespace: &str,
        labels: &BTreeMap<String, String>,
        ranges: &[Cidr],
    ) -> bool {
        const NONE: Sym = Sym::MAX;
        let sym = |s: &str| self.strings.get(s).unwrap_or(NONE);
        let labels = self.lookup(labels);
        ranges.iter().all(|range| {
            self.isolated_and_allowed(
                sym(env),
                sym(namespace),
                &labels,
                |p| p.egress.as_ref(),
                |p| p.covers(range),
            )
        })
    }

    /// Every environment variable that names a Service its pods cannot reach, by construct.
    pub(crate) fn check(&self) -> Vec<(usize, Finding)> {
        let mut problems = Vec::new();
        for w in &self.workloads {
            for (var, host) in &w.hosts {
                let Some((ns, name)) = self.service(w.env, host, w.namespace) else {
                    continue;
                };
                let selector = &self.services[&(w.env, ns, name)];
                let egress = self.isolated_and_allowed(
                    w.env,
                    w.namespace,
                    &w.labels,
                    |p| p.egress.as_ref(),
                    |p| Self::selects(p, w.namespace, ns, selector),
                );
                let ingress = self.isolated_and_allowed(
                    w.env,
                    ns,
                    selector,
                    |p| p.ingress.as_ref(),
                    |p| Self::selects(p, ns, w.namespace, &w.labels),
                );
                if egress && ingress {
                    continue;
                }
                let side = match (egress, ingress) {
                    (false, false) => "neither lets its pods out nor lets them in",
                    (false, true) => "its pods may not connect out to it",
                    _ => "the Service's pods do not admit it",
                };
                let (ns, name) = (self.strings.name(ns), self.strings.name(name));
                problems.push((
                    w.construct,
                    Finding::new(
                        &w.object,
                        "",
                        format!(
                            "`{var}` points at Service {ns}/{name}, but the NetworkPolicies say {side}"
                        ),
                        "wire it: `client.connect(&server)` and pass the connection's address (`.env(\"…\", conn.url())`)",
                    ),
                ));
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
