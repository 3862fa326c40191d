//! The network flows the final objects allow: which pods may open connections to which, on
//! which port, and what reaches the pods from outside the program or leaves it. This is what
//! the wiring graph draws (`girder graph`), read from the objects as written (after aspects,
//! typed edits and patches), never from what the constructs meant.
//!
//! A flow between two workloads of the program needs both NetworkPolicies: the server's
//! ingress rule must admit the client's pods on the port, and the client's egress rules must
//! let them out to the server's pods on that port (or the client's pods must not be isolated
//! for egress). Only what an ingress rule names counts as a flow: a namespace whose pods no
//! policy isolates admits everything, and drawing "everything" would hide the wiring.
//!
//! What comes from outside: an ingress rule's IP block, a namespace the program puts no pods
//! in (an ingress controller's, a monitoring namespace), and the hosts of Ingresses and
//! HTTPRoutes through the Services they route to. What leaves: an egress rule's IP block and
//! pods of such namespaces, but not the DNS rule every workload carries.

use std::any::Any;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::networking::v1::{
    Ingress, IngressBackend, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyPeer,
    NetworkPolicyPort,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::LabelIndex;
use super::network::matches;
use crate::crd::gateway::HTTPRoute;
use crate::labels::{COMPONENT, NAME};
use crate::object::Object;

/// The label every namespace carries with its own name.
const NAMESPACE_NAME: &str = "kubernetes.io/metadata.name";

/// A workload's pods: one node of the wiring graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload<'a> {
    /// The environment.
    pub env: &'a str,
    /// The environment's index in the [`super::Checker`].
    env_at: usize,
    /// The construct that emitted it (the number given to [`super::Checker::observe`]).
    pub construct: usize,
    /// Its namespace.
    pub namespace: &'a str,
    /// Its kind: `Deployment`, `StatefulSet`, `CronJob`, ...
    pub kind: &'a str,
    /// Its name.
    pub name: &'a str,
    labels: &'a BTreeMap<String, String>,
    /// Container ports: (number, name).
    ports: &'a [(i32, Option<String>)],
}

impl<'a> Workload<'a> {
    /// A workload's pods in environment `env` (the checker's environment number `env_at`),
    /// with their `labels` and container `ports`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        env: &'a str,
        env_at: usize,
        construct: usize,
        namespace: &'a str,
        kind: &'a str,
        name: &'a str,
        labels: &'a BTreeMap<String, String>,
        ports: &'a [(i32, Option<String>)],
    ) -> Self {
        Workload {
            env,
            env_at,
            construct,
            namespace,
            kind,
            name,
            labels,
            ports,
        }
    }

    /// What the construct made it for (its pods' `app.kubernetes.io/component` label:
    /// `web-service`, `worker`, `postgres`, ...), if it says.
    pub fn component(&self) -> Option<&'a str> {
        self.labels.get(COMPONENT).map(String::as_str)
    }
}

impl Workload<'_> {
    /// Whether pods labelled at least `selector` in `namespace` are this workload's.
    pub fn selected_by(&self, namespace: &str, selector: &BTreeMap<String, String>) -> bool {
        self.namespace == namespace && selector.iter().all(|(k, v)| self.labels.get(k) == Some(v))
    }
}

/// One end of a [`Flow`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum End {
    /// The pods of a workload, by its index in [`Topology::workloads`].
    Pods(usize),
    /// An address range (`0.0.0.0/0` for the internet; `*` for a rule that names no peer,
    /// which admits or reaches everything).
    Range(String),
    /// Pods of a namespace where the program puts none (an ingress controller's, monitoring's),
    /// or of every namespace labelled so, in an environment.
    Namespace {
        /// The environment.
        env: String,
        /// The namespace's name, or its selector's labels for a selector by other labels.
        name: String,
    },
    /// A host name routed to the pods by an Ingress or HTTPRoute.
    Host {
        /// The environment.
        env: String,
        /// The host (`*` for a rule without one).
        host: String,
    },
}

/// Traffic the final objects allow, from one end to the other.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Flow {
    /// Who opens the connections.
    pub from: End,
    /// Who accepts them.
    pub to: End,
    /// The port and protocol: `TCP 5432`, `TCP http` for a named port, `any port` for a rule
    /// without ports.
    pub port: String,
}

/// The workloads and flows of a program ([`super::Checker::topology`]).
#[derive(Debug, Clone, Default)]
pub struct Topology<'a> {
    /// Every workload, in the order they were seen.
    pub workloads: Vec<Workload<'a>>,
    /// Every flow, sorted.
    pub flows: Vec<Flow>,
}

#[derive(Debug)]
struct Policy {
    env: usize,
    namespace: String,
    spec: k8s_openapi::api::networking::v1::NetworkPolicySpec,
}

#[derive(Debug)]
struct Route {
    env: usize,
    host: String,
    service: String,
    service_namespace: String,
    port: String,
}

/// What the flows need, collected object by object.
#[derive(Debug, Default)]
pub(crate) struct Flows {
    policies: Vec<Policy>,
    /// (environment, namespace, name) → the Service's selector.
    services: HashMap<(usize, String, String), BTreeMap<String, String>>,
    routes: Vec<Route>,
}

/// A rule's port as the flow names it.
fn port_label(port: &NetworkPolicyPort) -> String {
    let protocol = port.protocol.as_deref().unwrap_or("TCP");
    match &port.port {
        Some(IntOrString::Int(n)) => match port.end_port {
            Some(end) => format!("{protocol} {n}-{end}"),
            None => format!("{protocol} {n}"),
        },
        Some(IntOrString::String(name)) => format!("{protocol} {name}"),
        None => format!("{protocol} any port"),
    }
}

/// Flows from `from` to every workload of `to` on every port of a rule.
fn admit(
    flows: &mut BTreeSet<Flow>,
    from: &End,
    to: &[usize],
    ports: &[(Option<&NetworkPolicyPort>, String)],
) {
    for &s in to {
        for (_, label) in ports {
            flows.insert(Flow {
                from: from.clone(),
                to: End::Pods(s),
                port: label.clone(),
            });
        }
    }
}

/// A rule's ports with their labels (one `any port` entry for a rule without ports), labelled
/// once for every flow the rule allows.
fn rule_ports(ports: Option<&[NetworkPolicyPort]>) -> Vec<(Option<&NetworkPolicyPort>, String)> {
    match ports {
        Some(ports) if !ports.is_empty() => {
            ports.iter().map(|p| (Some(p), port_label(p))).collect()
        }
        _ => vec![(None, "any port".to_owned())],
    }
}

/// Whether an egress rule's `port` lets out traffic to `target`'s port `wanted` (a number,
/// or a name the target's containers give a number).
fn port_allows(
    port: &NetworkPolicyPort,
    wanted: &NetworkPolicyPort,
    target: &Workload<'_>,
) -> bool {
    if port.protocol.as_deref().unwrap_or("TCP") != wanted.protocol.as_deref().unwrap_or("TCP") {
        return false;
    }
    let number = |p: &Option<IntOrString>| match p {
        Some(IntOrString::Int(n)) => Some(*n),
        Some(IntOrString::String(name)) => target
            .ports
            .iter()
            .find(|(_, n)| n.as_deref() == Some(name))
            .map(|(number, _)| *number),
        None => None,
    };
    match (&port.port, &wanted.port) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(a), Some(b)) if a == b => true,
        (a, b) => match (number(a), number(b)) {
            (Some(lo), Some(n)) => lo <= n && n <= port.end_port.unwrap_or(lo),
            _ => false,
        },
    }
}

impl Flows {
    /// Records what the flows need from `obj`, emitted in the checker's environment number
    /// `env` (the workloads come from the [`super::Checker`]'s pods).
    pub(crate) fn observe(&mut self, obj: &dyn Object, env: usize) {
        let any: &dyn Any = obj;
        let meta = obj.meta();
        let namespace = meta.namespace.clone().unwrap_or_default();
        if let Some(policy) = any.downcast_ref::<NetworkPolicy>() {
            if let Some(spec) = &policy.spec {
                self.policies.push(Policy {
                    env,
                    namespace,
                    spec: spec.clone(),
                });
            }
        } else if let Some(service) = any.downcast_ref::<Service>() {
            let selector = service.spec.as_ref().and_then(|s| s.selector.as_ref());
            if let (Some(name), Some(selector)) = (&meta.name, selector) {
                self.services
                    .insert((env, namespace, name.clone()), selector.clone());
            }
        } else if let Some(ingress) = any.downcast_ref::<Ingress>() {
            self.observe_ingress(ingress, env, &namespace);
        } else if let Some(route) = any.downcast_ref::<HTTPRoute>() {
            let hosts = if route.spec.hostnames.is_empty() {
                vec!["*".to_owned()]
            } else {
                route.spec.hostnames.clone()
            };
            for backend in route.spec.rules.iter().flat_map(|r| &r.backend_refs) {
                if backend.kind.as_deref().is_some_and(|k| k != "Service") {
                    continue;
                }
                for host in &hosts {
                    self.routes.push(Route {
                        env,
                        host: host.clone(),
                        service: backend.name.clone(),
                        service_namespace: backend
                            .namespace
                            .clone()
                            .unwrap_or_else(|| namespace.clone()),
                        port: backend
                            .port
                            .map_or_else(|| "any port".to_owned(), |p| format!("TCP {p}")),
                    });
                }
            }
        }
    }

    fn observe_ingress(&mut self, ingress: &Ingress, env: usize, namespace: &str) {
        let Some(spec) = &ingress.spec else { return };
        let mut add = |host: &str, backend: &IngressBackend| {
            let Some(service) = &backend.service else {
                return;
            };
            let port = match service.port.as_ref() {
                Some(p) => match (&p.number, &p.name) {
                    (Some(n), _) => format!("TCP {n}"),
                    (None, Some(name)) => format!("TCP {name}"),
                    (None, None) => "any port".to_owned(),
                },
                None => "any port".to_owned(),
            };
            self.routes.push(Route {
                env,
                host: host.to_owned(),
                service: service.name.clone(),
                service_namespace: namespace.to_owned(),
                port,
            });
        };
        if let Some(backend) = &spec.default_backend {
            add("*", backend);
        }
        for rule in spec.rules.iter().flatten() {
            let host = rule.host.as_deref().unwrap_or("*");
            for path in rule.http.iter().flat_map(|h| &h.paths) {
                add(host, &path.backend);
            }
        }
    }

    /// Every workload and every flow between them and the outside, in environments named by
    /// `envs` (the checker's); see the [module](self) documentation.
    pub(crate) fn topology<'a>(
        &'a self,
        envs: &[String],
        workloads: Vec<Workload<'a>>,
    ) -> Topology<'a> {
        let index = LabelIndex::new(workloads.iter().map(|w| (w.env_at, w.labels)));
        let namespaces: BTreeSet<(usize, &str)> =
            workloads.iter().map(|w| (w.env_at, w.namespace)).collect();
        let every_pod = LabelSelector::default();
        let egress = self.egress_index();
        let mut flows: BTreeSet<Flow> = BTreeSet::new();
        for policy in &self.policies {
            let env = policy.env;
            let pod_selector = policy.spec.pod_selector.as_ref().unwrap_or(&every_pod);
            let selected: Vec<usize> = index
                .candidates(env, pod_selector)
                .filter(|&i| {
                    let w = &workloads[i];
                    w.namespace == policy.namespace && matches(pod_selector, Some(w.labels))
                })
                .collect();
            if selected.is_empty() {
                continue;
            }
            let has = |kind: &str| policy.spec.policy_types.iter().flatten().any(|t| t == kind);
            if has("Ingress") {
                for rule in policy.spec.ingress.iter().flatten() {
                    let ports = rule_ports(rule.ports.as_deref());
                    let Some(peers) = &rule.from else {
                        admit(&mut flows, &End::Range("*".into()), &selected, &ports);
                        continue;
                    };
                    for peer in peers {
                        if let Some(block) = &peer.ip_block {
                            admit(
                                &mut flows,
                                &End::Range(block.cidr.clone()),
                                &selected,
                                &ports,
                            );
                            continue;
                        }
                        if let Some(outside) =
                            outside_namespace(envs, env, peer, &policy.namespace, &namespaces)
                        {
                            admit(&mut flows, &outside, &selected, &ports);
                        }
                        let pods = peer.pod_selector.as_ref().unwrap_or(&every_pod);
                        for c in index.candidates(env, pods) {
                            if !selects(peer, &policy.namespace, &workloads[c]) {
                                continue;
                            }
                            for &s in selected.iter().filter(|&&s| s != c) {
                                for (port, label) in &ports {
                                    if self.lets_out(&egress, &workloads[c], &workloads[s], *port) {
                                        flows.insert(Flow {
                                            from: End::Pods(c),
                                            to: End::Pods(s),
                                            port: label.clone(),
                                        });
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if has("Egress") {
                for rule in policy.spec.egress.iter().flatten() {
                    if is_dns(rule) {
                        continue;
                    }
                    let ports = rule_ports(rule.ports.as_deref());
                    let targets: Vec<End> = match &rule.to {
                        None => vec![End::Range("*".into())],
                        Some(peers) => peers
                            .iter()
                            .filter_map(|peer| match &peer.ip_block {
                                Some(block) => Some(End::Range(block.cidr.clone())),
                                None => outside_namespace(
                                    envs,
                                    env,
                                    peer,
                                    &policy.namespace,
                                    &namespaces,
                                ),
                            })
                            .collect(),
                    };
                    for target in targets {
                        for &s in &selected {
                            for (_, label) in &ports {
                                flows.insert(Flow {
                                    from: End::Pods(s),
                                    to: target.clone(),
                                    port: label.clone(),
                                });
                            }
                        }
                    }
                }
            }
        }
        for route in &self.routes {
            let key = (
                route.env,
                route.service_namespace.clone(),
                route.service.clone(),
            );
            let Some(labels) = self.services.get(&key) else {
                continue;
            };
            let selector = LabelSelector {
                match_labels: Some(labels.clone()),
                ..Default::default()
            };
            for s in index.candidates(route.env, &selector) {
                if workloads[s].selected_by(&route.service_namespace, labels) {
                    flows.insert(Flow {
                        from: End::Host {
                            env: envs[route.env].clone(),
                            host: route.host.clone(),
                        },
                        to: End::Pods(s),
                        port: route.port.clone(),
                    });
                }
            }
        }
        Topology {
            workloads,
            flows: flows.into_iter().collect(),
        }
    }

    /// The policies isolating pods for egress, by environment, namespace and the first label
    /// pair of their pod selector (an empty key for a selector without one).
    fn egress_index(&self) -> EgressIndex<'_> {
        let mut index: EgressIndex<'_> = HashMap::new();
        for (i, policy) in self.policies.iter().enumerate() {
            let egress = policy
                .spec
                .policy_types
                .iter()
                .flatten()
                .any(|t| t == "Egress");
            if !egress {
                continue;
            }
            let first = policy
                .spec
                .pod_selector
                .as_ref()
                .and_then(|s| s.match_labels.iter().flatten().next())
                .map_or(("", ""), |(k, v)| (k.as_str(), v.as_str()));
            index
                .entry((policy.env, &policy.namespace, first.0, first.1))
                .or_default()
                .push(i);
        }
        index
    }

    /// Whether `client`'s pods may open connections to `server`'s on `port`: no policy
    /// isolates them for egress, or one lets them out.
    fn lets_out(
        &self,
        index: &EgressIndex<'_>,
        client: &Workload<'_>,
        server: &Workload<'_>,
        port: Option<&NetworkPolicyPort>,
    ) -> bool {
        let mut candidates: Vec<usize> = index
            .get(&(client.env_at, client.namespace, "", ""))
            .cloned()
            .unwrap_or_default();
        for (k, v) in client.labels {
            let found = index.get(&(client.env_at, client.namespace, k.as_str(), v.as_str()));
            candidates.extend(found.into_iter().flatten());
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut isolated = false;
        for policy in candidates.into_iter().map(|i| &self.policies[i]) {
            let isolates = policy
                .spec
                .pod_selector
                .as_ref()
                .is_none_or(|sel| matches(sel, Some(client.labels)));
            if !isolates {
                continue;
            }
            isolated = true;
            let allows = policy.spec.egress.iter().flatten().any(|rule| {
                let peer_ok = rule.to.as_ref().is_none_or(|peers| {
                    peers.iter().any(|p| selects(p, &policy.namespace, server))
                });
                let port_ok = match (&rule.ports, port) {
                    (None, _) => true,
                    (Some(ports), _) if ports.is_empty() => true,
                    (Some(_), None) => false,
                    (Some(ports), Some(wanted)) => {
                        ports.iter().any(|p| port_allows(p, wanted, server))
                    }
                };
                peer_ok && port_ok
            });
            if allows {
                return true;
            }
        }
        !isolated
    }
}

/// The namespace outside the program a peer names (in the checker's environment number
/// `env`, named by `envs`): one named by its selector where the program has no pods, or every namespace of a selector by other labels.
fn outside_namespace(
    envs: &[String],
    env: usize,
    peer: &NetworkPolicyPeer,
    policy_ns: &str,
    namespaces: &BTreeSet<(usize, &str)>,
) -> Option<End> {
    let selector = peer.namespace_selector.as_ref()?;
    let labels = selector.match_labels.clone().unwrap_or_default();
    let name = match labels.get(NAMESPACE_NAME) {
        Some(name) if labels.len() == 1 => {
            if namespaces.contains(&(env, name.as_str())) || name == policy_ns {
                return None;
            }
            name.clone()
        }
        _ if labels.is_empty() && selector.match_expressions.is_none() => {
            // Every namespace: the program's own pods are flows already; the rest is
            // "any namespace".
            "any namespace".to_owned()
        }
        _ => labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(","),
    };
    let name = match peer
        .pod_selector
        .as_ref()
        .and_then(|s| s.match_labels.as_ref())
    {
        Some(pods) if !pods.is_empty() => {
            let who = pods.get(NAME).cloned().unwrap_or_else(|| {
                pods.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(",")
            });
            format!("{name}: {who}")
        }
        _ => name,
    };
    Some(End::Namespace {
        env: envs[env].clone(),
        name,
    })
}

/// Policies isolating pods for egress by (environment, namespace, key, value) of their pod
/// selector's first label pair.
type EgressIndex<'a> = HashMap<(usize, &'a str, &'a str, &'a str), Vec<usize>>;

/// Whether `peer`, in a policy of `policy_ns`, selects `w`'s pods.
fn selects(peer: &NetworkPolicyPeer, policy_ns: &str, w: &Workload<'_>) -> bool {
    if peer.ip_block.is_some() {
        return false;
    }
    let namespace_ok = match &peer.namespace_selector {
        None => w.namespace == policy_ns,
        Some(s) => matches(s, Some(&namespace_labels(w.namespace))),
    };
    namespace_ok
        && peer
            .pod_selector
            .as_ref()
            .is_none_or(|s| matches(s, Some(w.labels)))
}

/// The labels of a namespace as a namespace selector sees them: its name (the program's
/// namespaces carry no other label a policy selects by).
fn namespace_labels(namespace: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(NAMESPACE_NAME.to_owned(), namespace.to_owned())])
}

/// Whether an egress rule only reaches the cluster's DNS in `kube-system` on port 53 (every
/// workload's first egress rule): not drawn.
fn is_dns(rule: &NetworkPolicyEgressRule) -> bool {
    let peers_ok = rule.to.as_ref().is_some_and(|peers| {
        !peers.is_empty()
            && peers.iter().all(|p| {
                p.ip_block.is_none()
                    && p.namespace_selector
                        .as_ref()
                        .and_then(|s| s.match_labels.as_ref())
                        .and_then(|l| l.get(NAMESPACE_NAME))
                        .is_some_and(|ns| ns == "kube-system")
            })
    });
    let ports_ok = rule.ports.as_ref().is_some_and(|ports| {
        !ports.is_empty() && ports.iter().all(|p| p.port == Some(IntOrString::Int(53)))
    });
    peers_ok && ports_ok
}
