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
    Ingress, IngressBackend, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::network::matches;
use crate::crd::gateway::HTTPRoute;
use crate::labels::{COMPONENT, NAME};
use crate::object::Object;

/// The label every namespace carries with its own name.
const NAMESPACE_NAME: &str = "kubernetes.io/metadata.name";

/// A workload's pods: one node of the wiring graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    /// The environment.
    pub env: String,
    /// The construct that emitted it (the number given to [`super::Checker::observe`]).
    pub construct: usize,
    /// Its namespace.
    pub namespace: String,
    /// Its kind: `Deployment`, `StatefulSet`, `CronJob`, ...
    pub kind: String,
    /// Its name.
    pub name: String,
    /// What the construct made it for (its pods' `app.kubernetes.io/component` label:
    /// `web-service`, `worker`, `postgres`, ...), if it says.
    pub component: Option<String>,
    labels: BTreeMap<String, String>,
    /// Container ports: (number, name).
    ports: Vec<(i32, Option<String>)>,
}

impl Workload {
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
    /// The objects that allow it (`NetworkPolicy shop/db`, `Ingress shop/web`), sorted.
    pub via: Vec<String>,
}

/// The workloads and flows of a program, per [`Flows::topology`].
#[derive(Debug, Clone, Default)]
pub struct Topology {
    /// Every workload, in the order they were seen.
    pub workloads: Vec<Workload>,
    /// Every flow, sorted.
    pub flows: Vec<Flow>,
}

#[derive(Debug)]
struct Policy {
    env: String,
    namespace: String,
    object: String,
    spec: k8s_openapi::api::networking::v1::NetworkPolicySpec,
}

#[derive(Debug)]
struct Route {
    env: String,
    object: String,
    host: String,
    service: String,
    service_namespace: String,
    port: String,
}

/// What the flows need, collected object by object.
#[derive(Debug, Default)]
pub(crate) struct Flows {
    workloads: Vec<Workload>,
    policies: Vec<Policy>,
    /// (environment, namespace, name) → the Service's selector and its ports (port → target).
    services: HashMap<(String, String, String), Service>,
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

/// Whether an egress rule's `port` lets out traffic to `target`'s port `wanted` (a number,
/// or a name the target's containers give a number).
fn port_allows(port: &NetworkPolicyPort, wanted: &NetworkPolicyPort, target: &Workload) -> bool {
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
    /// Records what the flows need from `obj` (named `object`), emitted by construct
    /// `construct` in environment `env`.
    pub(crate) fn observe(&mut self, obj: &dyn Object, object: &str, env: &str, construct: usize) {
        let any: &dyn Any = obj;
        let meta = obj.meta();
        let namespace = meta.namespace.clone().unwrap_or_default();
        if let Some(policy) = any.downcast_ref::<NetworkPolicy>() {
            if let Some(spec) = &policy.spec {
                self.policies.push(Policy {
                    env: env.to_owned(),
                    namespace,
                    object: object_name(object).to_owned(),
                    spec: spec.clone(),
                });
            }
        } else if let Some(service) = any.downcast_ref::<Service>() {
            if let Some(name) = &meta.name {
                self.services
                    .insert((env.to_owned(), namespace, name.clone()), service.clone());
            }
        } else if let Some(ingress) = any.downcast_ref::<Ingress>() {
            self.observe_ingress(ingress, object, env, &namespace);
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
                        env: env.to_owned(),
                        object: object_name(object).to_owned(),
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
        } else if let Some(template) = obj.pod_template() {
            let labels = template.labels().cloned().unwrap_or_default();
            let ports = template
                .spec
                .iter()
                .flat_map(|s| &s.containers)
                .flat_map(|c| c.ports.iter().flatten())
                .map(|p| (p.container_port, p.name.clone()))
                .collect();
            self.workloads.push(Workload {
                env: env.to_owned(),
                construct,
                namespace,
                kind: obj.kind().to_owned(),
                name: meta.name.clone().unwrap_or_default(),
                component: labels.get(COMPONENT).cloned(),
                labels,
                ports,
            });
        }
    }

    fn observe_ingress(&mut self, ingress: &Ingress, object: &str, env: &str, namespace: &str) {
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
                env: env.to_owned(),
                object: object_name(object).to_owned(),
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

    /// Every workload and every flow between them and the outside; see the
    /// [module](self) documentation.
    pub(crate) fn topology(&self) -> Topology {
        let mut index: HashMap<(&str, &str, &str), Vec<usize>> = HashMap::new();
        let mut by_env: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut namespaces: BTreeSet<(&str, &str)> = BTreeSet::new();
        for (i, w) in self.workloads.iter().enumerate() {
            by_env.entry(&w.env).or_default().push(i);
            namespaces.insert((&w.env, &w.namespace));
            for (k, v) in &w.labels {
                index.entry((&w.env, k, v)).or_default().push(i);
            }
        }
        // The workloads of `env` a selector may select: those with its first label pair.
        let candidates = |env: &str, selector: Option<&LabelSelector>| -> Vec<usize> {
            let first = selector.and_then(|s| s.match_labels.iter().flatten().next());
            match first {
                Some((k, v)) => index.get(&(env, k, v)).cloned().unwrap_or_default(),
                None => by_env.get(env).cloned().unwrap_or_default(),
            }
        };
        let mut flows: BTreeMap<(End, End, String), BTreeSet<String>> = BTreeMap::new();
        let mut add = |from: End, to: End, port: String, via: &str| {
            flows
                .entry((from, to, port))
                .or_default()
                .insert(via.to_owned());
        };
        for policy in &self.policies {
            let env = policy.env.as_str();
            let selected: Vec<usize> = candidates(env, policy.spec.pod_selector.as_ref())
                .into_iter()
                .filter(|&i| {
                    let w = &self.workloads[i];
                    w.namespace == policy.namespace
                        && policy
                            .spec
                            .pod_selector
                            .as_ref()
                            .is_none_or(|s| matches(s, Some(&w.labels)))
                })
                .collect();
            if selected.is_empty() {
                continue;
            }
            let has = |kind: &str| policy.spec.policy_types.iter().flatten().any(|t| t == kind);
            if has("Ingress") {
                for rule in policy.spec.ingress.iter().flatten() {
                    let ports: Vec<Option<&NetworkPolicyPort>> = match &rule.ports {
                        Some(ports) if !ports.is_empty() => ports.iter().map(Some).collect(),
                        _ => vec![None],
                    };
                    let Some(peers) = &rule.from else {
                        for &s in &selected {
                            for port in &ports {
                                add(
                                    End::Range("*".into()),
                                    End::Pods(s),
                                    port.map_or_else(|| "any port".into(), port_label),
                                    &policy.object,
                                );
                            }
                        }
                        continue;
                    };
                    for peer in peers {
                        if let Some(block) = &peer.ip_block {
                            for &s in &selected {
                                for port in &ports {
                                    add(
                                        End::Range(block.cidr.clone()),
                                        End::Pods(s),
                                        port.map_or_else(|| "any port".into(), port_label),
                                        &policy.object,
                                    );
                                }
                            }
                            continue;
                        }
                        let clients: Vec<usize> = candidates(env, peer.pod_selector.as_ref())
                            .into_iter()
                            .filter(|&c| self.selects(peer, &policy.namespace, &self.workloads[c]))
                            .collect();
                        if let Some(outside) =
                            self.outside_namespace(env, peer, &policy.namespace, &namespaces)
                        {
                            for &s in &selected {
                                for port in &ports {
                                    add(
                                        outside.clone(),
                                        End::Pods(s),
                                        port.map_or_else(|| "any port".into(), port_label),
                                        &policy.object,
                                    );
                                }
                            }
                        }
                        for &c in &clients {
                            for &s in &selected {
                                if c == s {
                                    continue;
                                }
                                for port in &ports {
                                    if let Some(egress) = self.lets_out(c, s, *port) {
                                        let mut via = vec![policy.object.as_str()];
                                        via.extend(egress);
                                        for v in via {
                                            add(
                                                End::Pods(c),
                                                End::Pods(s),
                                                port.map_or_else(|| "any port".into(), port_label),
                                                v,
                                            );
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if has("Egress") {
                for rule in policy.spec.egress.iter().flatten() {
                    let ports: Vec<String> = match &rule.ports {
                        Some(ports) if !ports.is_empty() => ports.iter().map(port_label).collect(),
                        _ => vec!["any port".into()],
                    };
                    let targets: Vec<End> = match &rule.to {
                        None => vec![End::Range("*".into())],
                        Some(peers) => peers
                            .iter()
                            .filter_map(|peer| match &peer.ip_block {
                                Some(block) => Some(End::Range(block.cidr.clone())),
                                None => self.outside_namespace(
                                    env,
                                    peer,
                                    &policy.namespace,
                                    &namespaces,
                                ),
                            })
                            .collect(),
                    };
                    for target in targets {
                        if is_dns(&target, &ports) {
                            continue;
                        }
                        for &s in &selected {
                            for port in &ports {
                                add(End::Pods(s), target.clone(), port.clone(), &policy.object);
                            }
                        }
                    }
                }
            }
        }
        for route in &self.routes {
            let key = (
                route.env.clone(),
                route.service_namespace.clone(),
                route.service.clone(),
            );
            let Some(selector) = self
                .services
                .get(&key)
                .and_then(|s| s.spec.as_ref())
                .and_then(|s| s.selector.as_ref())
            else {
                continue;
            };
            let selector = LabelSelector {
                match_labels: Some(selector.clone()),
                ..Default::default()
            };
            for s in candidates(&route.env, Some(&selector)) {
                let w = &self.workloads[s];
                if w.namespace == route.service_namespace && matches(&selector, Some(&w.labels)) {
                    add(
                        End::Host {
                            env: route.env.clone(),
                            host: route.host.clone(),
                        },
                        End::Pods(s),
                        route.port.clone(),
                        &route.object,
                    );
                }
            }
        }
        Topology {
            workloads: self.workloads.clone(),
            flows: flows
                .into_iter()
                .map(|((from, to, port), via)| Flow {
                    from,
                    to,
                    port,
                    via: via.into_iter().collect(),
                })
                .collect(),
        }
    }

    /// Whether `peer`, in a policy of `policy_ns`, selects `w`'s pods.
    fn selects(&self, peer: &NetworkPolicyPeer, policy_ns: &str, w: &Workload) -> bool {
        if peer.ip_block.is_some() {
            return false;
        }
        let namespace_ok = match &peer.namespace_selector {
            None => w.namespace == policy_ns,
            Some(s) => matches(s, Some(&namespace_labels(&w.namespace))),
        };
        namespace_ok
            && peer
                .pod_selector
                .as_ref()
                .is_none_or(|s| matches(s, Some(&w.labels)))
    }

    /// The namespace outside the program a peer names: one named by its selector where the
    /// program has no pods, or every namespace of a selector by other labels.
    fn outside_namespace(
        &self,
        env: &str,
        peer: &NetworkPolicyPeer,
        policy_ns: &str,
        namespaces: &BTreeSet<(&str, &str)>,
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
            env: env.to_owned(),
            name,
        })
    }

    /// The egress policies that let client `c`'s pods out to server `s` on `port` (empty when
    /// no policy isolates them for egress), or `None` when they may not.
    fn lets_out(&self, c: usize, s: usize, port: Option<&NetworkPolicyPort>) -> Option<Vec<&str>> {
        let client = &self.workloads[c];
        let server = &self.workloads[s];
        let mut isolated = false;
        let mut allowing = Vec::new();
        for policy in self
            .policies
            .iter()
            .filter(|p| p.env == client.env && p.namespace == client.namespace)
        {
            let selects = policy
                .spec
                .pod_selector
                .as_ref()
                .is_none_or(|sel| matches(sel, Some(&client.labels)));
            let egress = policy
                .spec
                .policy_types
                .iter()
                .flatten()
                .any(|t| t == "Egress");
            if !selects || !egress {
                continue;
            }
            isolated = true;
            let allows = policy.spec.egress.iter().flatten().any(|rule| {
                let peer_ok = rule.to.as_ref().is_none_or(|peers| {
                    peers
                        .iter()
                        .any(|p| self.selects(p, &policy.namespace, server))
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
                allowing.push(policy.object.as_str());
            }
        }
        (!isolated || !allowing.is_empty()).then_some(allowing)
    }
}

/// The labels of a namespace as a namespace selector sees them: its name (the program's
/// namespaces carry no other label a policy selects by).
fn namespace_labels(namespace: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(NAMESPACE_NAME.to_owned(), namespace.to_owned())])
}

/// Whether a destination is the cluster's DNS (every workload's first egress rule).
fn is_dns(target: &End, ports: &[String]) -> bool {
    matches!(target, End::Namespace { name, .. } if name.starts_with("kube-system"))
        && ports.iter().all(|p| p.ends_with(" 53"))
}

/// `Kind namespace/name` from an object's identity `apiVersion Kind namespace/name`.
fn object_name(identity: &str) -> &str {
    identity.split_once(' ').map_or(identity, |(_, rest)| rest)
}
