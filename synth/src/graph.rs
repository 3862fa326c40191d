//! The wiring graph: one node per workload, data store and server outside the cluster, one edge
//! per flow the final objects allow, drawn as Mermaid (which GitHub renders in Markdown), as
//! Graphviz DOT, or as SVG through Graphviz's `dot`.
//!
//! The edges come from the **final** Kubernetes objects (`girder_k8s::rules::flows`: both
//! sides' NetworkPolicies, Ingresses and HTTPRoutes, after aspects, edits and patches), and each
//! is classified by what the program declared ([`girder_core::Wire`], one per `connect`):
//!
//! | edge | drawn | what allows it |
//! |---|---|---|
//! | [`EdgeKind::Connect`] | solid | a `connect` |
//! | [`EdgeKind::Rule`] | dotted, grey | anything else: `allow_from`/`allow_to`, an aspect, an edit, a patch |
//! | [`EdgeKind::Entry`] | thick, blue | an Ingress or HTTPRoute host, into the cluster |
//! | [`EdgeKind::Blocked`] | red, crossed | a `connect` whose traffic the final objects refuse |
//!
//! A server outside the cluster (an AWS database, an AWS API) has no pods: its `connect` edge
//! goes to its construct, beside the cluster, in the group of its stack.
//!
//! Every synthesis keeps the graph in `manifest.json`, so that `diff` can show the edges a change
//! adds or removes ([`Changes`]). The output is deterministic: nodes and edges are sorted.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::{Command, Stdio};

use girder_core::{App, NodeId, Wire};
use girder_k8s::rules::flows::{End, Topology};
use serde::{Deserialize, Serialize};

/// The wiring graph of a program; see the [module](self) documentation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Graph {
    /// Every node, sorted by id.
    pub nodes: Vec<Node>,
    /// Every edge, sorted.
    pub edges: Vec<Edge>,
}

/// One node of a [`Graph`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Node {
    /// Its id, unique in the graph: `prod/shop/Deployment/api` for a workload,
    /// `external:prod/data/db` for a server outside the cluster (its construct's path),
    /// `/range:0.0.0.0/0`, `prod/namespace:ingress-nginx`, `prod/host:shop.example.com`.
    pub id: String,
    /// What it is.
    pub kind: NodeKind,
    /// Its name: the workload's, the construct's id, the range, namespace or host.
    pub label: String,
    /// What it is in the program: the construct's kind (`WebService`, `Postgres`, `Bucket`),
    /// or empty for what the program does not build.
    pub detail: String,
    /// Its environment.
    pub env: String,
    /// The group it is drawn in: the namespace of a workload, the parent (a stack) of a server
    /// outside the cluster, empty for the outside.
    pub group: String,
    /// The path of the construct that made it, empty for the outside.
    pub construct: String,
}

/// What a [`Node`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeKind {
    /// A workload's pods (a Deployment, a Job, a CronJob, ...).
    Workload,
    /// A workload that keeps data: a StatefulSet (a database, a cache, a broker).
    DataStore,
    /// A server outside the cluster the program connects to (an AWS database, an AWS API).
    External,
    /// An address range (`0.0.0.0/0`: the internet; `*`: anything).
    Range,
    /// Pods of a namespace where the program puts none (an ingress controller, monitoring).
    Namespace,
    /// A host name routed into the cluster.
    Host,
}

/// One edge of a [`Graph`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Edge {
    /// The id of the node that opens the connections.
    pub from: String,
    /// The id of the node that accepts them.
    pub to: String,
    /// Protocol and port: `TCP 5432`, `TCP http`, `any port`.
    pub port: String,
    /// What allows it.
    pub kind: EdgeKind,
}

/// What allows an [`Edge`]; see the [module](self) documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EdgeKind {
    /// A `connect`.
    Connect,
    /// A rule that is not a `connect`: `allow_from`, `allow_to`, an aspect, an edit, a patch.
    Rule,
    /// An Ingress or HTTPRoute host.
    Entry,
    /// A `connect` whose traffic the final objects refuse.
    Blocked,
}

impl EdgeKind {
    /// What allows the edge, in words: `connect`, `rule, not a connect`, `entry`,
    /// `blocked connect`.
    pub fn describe(self) -> &'static str {
        match self {
            EdgeKind::Connect => "connect",
            EdgeKind::Rule => "rule, not a connect",
            EdgeKind::Entry => "entry",
            EdgeKind::Blocked => "blocked connect",
        }
    }
}

/// Why a graph could not be drawn.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GraphError {
    /// Graphviz's `dot` could not be run.
    #[error(
        "could not run Graphviz's `dot` ({0}): install Graphviz (Debian: `apt-get install graphviz`), or ask for `--format mermaid` or `--format dot`"
    )]
    NoGraphviz(std::io::Error),
    /// `dot` failed.
    #[error("Graphviz's `dot` failed: {0}")]
    Graphviz(String),
}

/// The edges one graph adds to and removes from another.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Edges of the new graph only.
    pub added: Vec<Edge>,
    /// Edges of the old graph only.
    pub removed: Vec<Edge>,
    /// The nodes those edges join, from the new graph or else the old one, sorted by id.
    pub nodes: Vec<Node>,
}

impl Changes {
    /// The edges `new` adds to `old` and those it removes.
    pub fn between(old: &Graph, new: &Graph) -> Changes {
        let before: BTreeSet<&Edge> = old.edges.iter().collect();
        let after: BTreeSet<&Edge> = new.edges.iter().collect();
        let added: Vec<Edge> = after.difference(&before).map(|e| (*e).clone()).collect();
        let removed: Vec<Edge> = before.difference(&after).map(|e| (*e).clone()).collect();
        let ids: BTreeSet<&str> = added
            .iter()
            .chain(&removed)
            .flat_map(|e| [e.from.as_str(), e.to.as_str()])
            .collect();
        let mut nodes: BTreeMap<&str, &Node> = BTreeMap::new();
        for node in old.nodes.iter().chain(&new.nodes) {
            if ids.contains(node.id.as_str()) {
                nodes.insert(&node.id, node);
            }
        }
        Changes {
            nodes: nodes.into_values().cloned().collect(),
            added,
            removed,
        }
    }

    /// Whether no edge changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }

    /// The changed edges as a Mermaid flowchart: added edges green, removed ones red and
    /// dotted, with their nodes in their groups.
    pub fn mermaid(&self) -> String {
        let mut edges: Vec<(Edge, Mark)> = Vec::new();
        edges.extend(self.added.iter().map(|e| (e.clone(), Mark::Added)));
        edges.extend(self.removed.iter().map(|e| (e.clone(), Mark::Removed)));
        mermaid(&self.nodes, &edges)
    }
}

/// How an edge of a change is marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// Drawn as its kind says.
    Plain,
    /// Added by the change: green.
    Added,
    /// Removed by the change: red.
    Removed,
}

impl Graph {
    /// The graph of a program from its final objects' `topology` and the `wires` its
    /// constructs declared (by construct number, as `path_of` knows them).
    pub(crate) fn build(
        app: &App,
        topology: &Topology,
        wires: &[(usize, Wire)],
        path_of: &dyn Fn(usize) -> (String, NodeId),
    ) -> Graph {
        let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
        let mut edges: BTreeSet<Edge> = BTreeSet::new();
        // Each workload's node id and construct path, and the workloads of each path.
        let mut workload_ids = Vec::with_capacity(topology.workloads.len());
        let mut paths = Vec::with_capacity(topology.workloads.len());
        let mut by_path: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, w) in topology.workloads.iter().enumerate() {
            let id = format!("{}/{}/{}/{}", w.env, w.namespace, w.kind, w.name);
            let (path, node) = path_of(w.construct);
            nodes.entry(id.clone()).or_insert_with(|| Node {
                id: id.clone(),
                kind: if w.kind == "StatefulSet" {
                    NodeKind::DataStore
                } else {
                    NodeKind::Workload
                },
                label: w.name.to_owned(),
                detail: app.kind(node).to_owned(),
                env: w.env.to_owned(),
                group: w.namespace.to_owned(),
                construct: path.clone(),
            });
            by_path.entry(path.clone()).or_default().push(i);
            workload_ids.push(id);
            paths.push(path);
        }
        let outside = |end: &End, nodes: &mut BTreeMap<String, Node>| -> String {
            let (env, kind, label) = match end {
                End::Pods(i) => return workload_ids[*i].clone(),
                End::Range(range) => (String::new(), NodeKind::Range, range.clone()),
                End::Namespace { env, name } => (env.clone(), NodeKind::Namespace, name.clone()),
                End::Host { env, host } => (env.clone(), NodeKind::Host, host.clone()),
            };
            let what = match kind {
                NodeKind::Range => "range",
                NodeKind::Namespace => "namespace",
                _ => "host",
            };
            let id = format!("{env}/{what}:{label}");
            nodes.entry(id.clone()).or_insert_with(|| Node {
                id: id.clone(),
                kind,
                label: match (kind, label.as_str()) {
                    (NodeKind::Range, "0.0.0.0/0") => "internet".to_owned(),
                    (NodeKind::Range, "*") => "anywhere".to_owned(),
                    _ => label,
                },
                detail: String::new(),
                env,
                group: String::new(),
                construct: String::new(),
            });
            id
        };
        // The declared connections by client path and port label, and whether a flow of the
        // final objects carries each.
        let mut declared: HashMap<(String, String), Vec<(&Wire, bool)>> = HashMap::new();
        for (construct, wire) in wires {
            let port = format!("{} {}", wire.protocol, wire.port);
            declared
                .entry((path_of(*construct).0, port))
                .or_default()
                .push((wire, false));
        }
        for flow in &topology.flows {
            let from = outside(&flow.from, &mut nodes);
            let to = outside(&flow.to, &mut nodes);
            if matches!(flow.from, End::Host { .. }) {
                edges.insert(Edge {
                    from,
                    to,
                    port: flow.port.clone(),
                    kind: EdgeKind::Entry,
                });
                continue;
            }
            // A flow a `connect` explains: to the server's pods, or, for a server outside the
            // cluster, the range its wire reaches it by (the edge then goes to the server).
            let server = match &flow.to {
                End::Pods(i) => Some(&topology.workloads[*i]),
                _ => None,
            };
            let mut explained = false;
            if let End::Pods(client) = &flow.from
                && let Some(candidates) =
                    declared.get_mut(&(paths[*client].clone(), flow.port.clone()))
            {
                for (wire, used) in candidates {
                    let carries = match (server, wire.outside) {
                        (Some(server), false) => {
                            server.selected_by(&wire.namespace, &wire.selector)
                        }
                        (None, true) => matches!(flow.to, End::Range(_)),
                        _ => false,
                    };
                    if carries {
                        *used = true;
                        explained = true;
                    }
                }
            }
            if explained && server.is_none() {
                continue; // drawn to the server below
            }
            edges.insert(Edge {
                from,
                to,
                port: flow.port.clone(),
                kind: if explained {
                    EdgeKind::Connect
                } else {
                    EdgeKind::Rule
                },
            });
        }
        // A server outside the cluster is drawn where a connection reaches it; a connection
        // no flow carries is drawn blocked.
        for ((client, port), list) in &declared {
            for (wire, used) in list {
                if *used && !wire.outside {
                    continue; // drawn from its flow
                }
                let servers: Vec<String> = if wire.outside {
                    let env = wire.server_path.split('/').next().unwrap_or_default();
                    let id = format!("external:{}", wire.server_path);
                    let group = app
                        .parent(wire.server)
                        .map(|p| app.id(p))
                        .unwrap_or_default();
                    nodes.entry(id.clone()).or_insert_with(|| Node {
                        id: id.clone(),
                        kind: NodeKind::External,
                        label: app.id(wire.server),
                        detail: app.kind(wire.server).to_owned(),
                        env: env.to_owned(),
                        group,
                        construct: wire.server_path.clone(),
                    });
                    vec![id]
                } else {
                    topology
                        .workloads
                        .iter()
                        .zip(&workload_ids)
                        .filter(|(w, _)| w.selected_by(&wire.namespace, &wire.selector))
                        .map(|(_, id)| id.clone())
                        .collect()
                };
                let kind = if *used {
                    EdgeKind::Connect
                } else {
                    EdgeKind::Blocked
                };
                for &from in by_path.get(client).into_iter().flatten() {
                    for to in &servers {
                        edges.insert(Edge {
                            from: workload_ids[from].clone(),
                            to: to.clone(),
                            port: port.clone(),
                            kind,
                        });
                    }
                }
            }
        }
        // The outside is drawn where an edge reaches it (a range a `connect` explains is not).
        let reached: BTreeSet<&str> = edges
            .iter()
            .flat_map(|e| [e.from.as_str(), e.to.as_str()])
            .collect();
        let nodes = nodes
            .into_values()
            .filter(|n| {
                matches!(
                    n.kind,
                    NodeKind::Workload | NodeKind::DataStore | NodeKind::External
                ) || reached.contains(n.id.as_str())
            })
            .collect();
        Graph {
            nodes,
            edges: edges.into_iter().collect(),
        }
    }

    /// Whether the graph has no node.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The part of the graph in environment `env` (with the outside it reaches).
    pub fn environment(&self, env: &str) -> Graph {
        let edges: Vec<Edge> = self
            .edges
            .iter()
            .filter(|e| {
                [&e.from, &e.to]
                    .iter()
                    .any(|id| self.env_of(id) == Some(env))
            })
            .cloned()
            .collect();
        let ids: BTreeSet<&str> = edges
            .iter()
            .flat_map(|e| [e.from.as_str(), e.to.as_str()])
            .collect();
        Graph {
            nodes: self
                .nodes
                .iter()
                .filter(|n| n.env == env || ids.contains(n.id.as_str()))
                .cloned()
                .collect(),
            edges,
        }
    }

    fn env_of(&self, id: &str) -> Option<&str> {
        self.nodes
            .binary_search_by(|n| n.id.as_str().cmp(id))
            .ok()
            .map(|i| self.nodes[i].env.as_str())
            .filter(|env| !env.is_empty())
    }

    /// The graph as a Mermaid flowchart (`flowchart LR`): environments and groups as
    /// subgraphs, data stores as cylinders, the outside as circles, edge styles by kind.
    pub fn mermaid(&self) -> String {
        let edges: Vec<(Edge, Mark)> = self
            .edges
            .iter()
            .map(|e| (e.clone(), Mark::Plain))
            .collect();
        mermaid(&self.nodes, &edges)
    }

    /// The graph in Graphviz's DOT language, with a legend.
    pub fn dot(&self) -> String {
        let mut out = String::from(
            "digraph wiring {\n  rankdir=LR;\n  newrank=true;\n  compound=true;\n  fontname=\"Helvetica\";\n  node [fontname=\"Helvetica\", fontsize=11, style=\"rounded,filled\", shape=box, fillcolor=\"#eef3fb\", color=\"#4a6fa5\"];\n  edge [fontname=\"Helvetica\", fontsize=9];\n",
        );
        let numbers = numbering(&self.nodes);
        let mut cluster = 0;
        for (env, groups) in grouped(&self.nodes) {
            let indent = if env.is_empty() {
                "  "
            } else {
                cluster += 1;
                let _ = writeln!(
                    out,
                    "  subgraph cluster_{cluster} {{\n    label=\"{}\";\n    style=\"rounded\";\n    color=\"#999999\";",
                    dot_escape(&format!("environment {env}"))
                );
                "    "
            };
            for (group, nodes) in groups {
                let inner = if group.is_empty() {
                    indent.to_owned()
                } else {
                    cluster += 1;
                    let _ = writeln!(
                        out,
                        "{indent}subgraph cluster_{cluster} {{\n{indent}  label=\"{}\";\n{indent}  style=\"rounded,dashed\";\n{indent}  color=\"#bbbbbb\";",
                        dot_escape(&group_label(nodes[0], &group))
                    );
                    format!("{indent}  ")
                };
                for node in nodes {
                    let (shape, fill) = match node.kind {
                        NodeKind::Workload => ("box", "#eef3fb"),
                        NodeKind::DataStore => ("cylinder", "#fdf3e1"),
                        NodeKind::External => ("cylinder", "#fbeee6"),
                        NodeKind::Range => ("ellipse", "#f2f2f2"),
                        NodeKind::Namespace => ("component", "#f2f2f2"),
                        NodeKind::Host => ("cds", "#e8f4ea"),
                    };
                    let label = if node.detail.is_empty() {
                        node.label.clone()
                    } else {
                        format!("{}\n{}", node.label, node.detail)
                    };
                    let _ = writeln!(
                        out,
                        "{inner}n{} [label=\"{}\", shape={shape}, fillcolor=\"{fill}\", tooltip=\"{}\"];",
                        numbers[node.id.as_str()],
                        dot_escape(&label),
                        dot_escape(&node.id)
                    );
                }
                if !group.is_empty() {
                    let _ = writeln!(out, "{indent}}}");
                }
            }
            if !env.is_empty() {
                out.push_str("  }\n");
            }
        }
        for edge in &self.edges {
            let (Some(from), Some(to)) = (
                numbers.get(edge.from.as_str()),
                numbers.get(edge.to.as_str()),
            ) else {
                continue;
            };
            let style = match edge.kind {
                EdgeKind::Connect => "color=\"#2d4f7c\"",
                EdgeKind::Rule => "style=dashed, color=\"#888888\", fontcolor=\"#666666\"",
                EdgeKind::Entry => "penwidth=2, color=\"#2e7d32\"",
                EdgeKind::Blocked => {
                    "style=dashed, color=\"#c62828\", fontcolor=\"#c62828\", arrowhead=tee"
                }
            };
            let _ = writeln!(
                out,
                "  n{from} -> n{to} [label=\"{}\", {style}];",
                dot_escape(&edge_label(edge))
            );
        }
        out.push_str(concat!(
            "  subgraph cluster_legend {\n    label=\"legend\";\n    style=\"rounded\";\n    color=\"#cccccc\";\n    fontsize=10;\n",
            "    node [shape=plaintext, style=\"\", fontsize=9, label=\"\", width=0.1, height=0.1];\n",
            "    la; lb; lc; ld; le; lf; lg; lh;\n",
            "    la -> lb [label=\"connect\", color=\"#2d4f7c\"];\n",
            "    lc -> ld [label=\"rule, not a connect\", style=dashed, color=\"#888888\"];\n",
            "    le -> lf [label=\"entry\", penwidth=2, color=\"#2e7d32\"];\n",
            "    lg -> lh [label=\"blocked connect\", style=dashed, color=\"#c62828\", arrowhead=tee];\n",
            "  }\n}\n"
        ));
        out
    }

    /// The graph as SVG, laid out by Graphviz (`dot` must be on the `PATH`): in ranks, left to
    /// right, up to [`RANKED_NODES`] nodes; beyond, by the force-directed `sfdp` engine, since
    /// ranking 1,000 services takes `dot` half a minute and `sfdp` under a second.
    pub fn svg(&self) -> Result<String, GraphError> {
        let engine = if self.nodes.len() <= RANKED_NODES {
            "-Kdot"
        } else {
            "-Ksfdp"
        };
        let mut child = Command::new("dot")
            .args([engine, "-Tsvg"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(GraphError::NoGraphviz)?;
        let dot = self.dot();
        let writer = child
            .stdin
            .take()
            .map(|mut stdin| std::thread::spawn(move || stdin.write_all(dot.as_bytes())));
        let output = child
            .wait_with_output()
            .map_err(|e| GraphError::Graphviz(e.to_string()))?;
        if let Some(writer) = writer {
            match writer.join() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(GraphError::Graphviz(e.to_string())),
                Err(_) => return Err(GraphError::Graphviz("the writer panicked".into())),
            }
        }
        if !output.status.success() {
            return Err(GraphError::Graphviz(
                String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            ));
        }
        String::from_utf8(output.stdout).map_err(|e| GraphError::Graphviz(e.to_string()))
    }
}

/// The most nodes [`Graph::svg`] lays out in ranks with `dot`.
pub const RANKED_NODES: usize = 300;

/// Node numbers (`n0`, `n1`, ...) in id order: ids hold characters neither language takes.
fn numbering(nodes: &[Node]) -> BTreeMap<&str, usize> {
    nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect()
}

/// Nodes by environment, then group (the outside, with no environment, first).
fn grouped(nodes: &[Node]) -> BTreeMap<&str, BTreeMap<String, Vec<&Node>>> {
    let mut out: BTreeMap<&str, BTreeMap<String, Vec<&Node>>> = BTreeMap::new();
    for node in nodes {
        out.entry(&node.env)
            .or_default()
            .entry(node.group.clone())
            .or_default()
            .push(node);
    }
    out
}

fn group_label(first: &Node, group: &str) -> String {
    match first.kind {
        NodeKind::External => format!("AWS {group}"),
        _ => format!("namespace {group}"),
    }
}

fn edge_label(edge: &Edge) -> String {
    match edge.kind {
        EdgeKind::Connect | EdgeKind::Entry => edge.port.clone(),
        kind => format!("{} ({})", edge.port, kind.describe()),
    }
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Text Mermaid shows as is in a quoted label.
fn mermaid_escape(s: &str) -> String {
    s.replace('&', "#amp;")
        .replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
}

fn mermaid(nodes: &[Node], edges: &[(Edge, Mark)]) -> String {
    let mut out = String::from("flowchart LR\n");
    let numbers = numbering(nodes);
    let mut subgraph = 0;
    for (env, groups) in grouped(nodes) {
        let indent = if env.is_empty() {
            "  "
        } else {
            subgraph += 1;
            let _ = writeln!(
                out,
                "  subgraph s{subgraph}[\"{}\"]",
                mermaid_escape(&format!("environment {env}"))
            );
            "    "
        };
        for (group, nodes) in groups {
            let inner = if group.is_empty() {
                indent.to_owned()
            } else {
                subgraph += 1;
                let _ = writeln!(
                    out,
                    "{indent}subgraph s{subgraph}[\"{}\"]",
                    mermaid_escape(&group_label(nodes[0], &group))
                );
                format!("{indent}  ")
            };
            for node in nodes {
                let label = if node.detail.is_empty() {
                    mermaid_escape(&node.label)
                } else {
                    format!(
                        "{}<br/><small>{}</small>",
                        mermaid_escape(&node.label),
                        mermaid_escape(&node.detail)
                    )
                };
                let (open, close, class) = match node.kind {
                    NodeKind::Workload => ("(", ")", "workload"),
                    NodeKind::DataStore => ("[(", ")]", "store"),
                    NodeKind::External => ("[(", ")]", "external"),
                    NodeKind::Range => ("((", "))", "outside"),
                    NodeKind::Namespace => ("[[", "]]", "outside"),
                    NodeKind::Host => ("[/", "/]", "host"),
                };
                let _ = writeln!(
                    out,
                    "{inner}n{}{open}\"{label}\"{close}:::{class}",
                    numbers[node.id.as_str()]
                );
            }
            if !group.is_empty() {
                let _ = writeln!(out, "{indent}end");
            }
        }
        if !env.is_empty() {
            out.push_str("  end\n");
        }
    }
    let mut styles: Vec<(usize, &str)> = Vec::new();
    let mut drawn = 0;
    for (edge, mark) in edges {
        let (Some(from), Some(to)) = (
            numbers.get(edge.from.as_str()),
            numbers.get(edge.to.as_str()),
        ) else {
            continue;
        };
        let arrow = match edge.kind {
            EdgeKind::Connect => "-->",
            EdgeKind::Rule => "-.->",
            EdgeKind::Entry => "==>",
            EdgeKind::Blocked => "--x",
        };
        let label = match mark {
            Mark::Plain => edge_label(edge),
            Mark::Added => format!("added: {}", edge_label(edge)),
            Mark::Removed => format!("removed: {}", edge_label(edge)),
        };
        let _ = writeln!(
            out,
            "  n{from} {arrow}|\"{}\"| n{to}",
            mermaid_escape(&label)
        );
        let style = match (mark, edge.kind) {
            (Mark::Added, _) => Some("stroke:#2e7d32,stroke-width:3px"),
            (Mark::Removed, _) => Some("stroke:#c62828,stroke-width:3px,stroke-dasharray:4"),
            (Mark::Plain, EdgeKind::Rule) => Some("stroke:#888888"),
            (Mark::Plain, EdgeKind::Entry) => Some("stroke:#2e7d32"),
            (Mark::Plain, EdgeKind::Blocked) => Some("stroke:#c62828"),
            (Mark::Plain, EdgeKind::Connect) => None,
        };
        if let Some(style) = style {
            styles.push((drawn, style));
        }
        drawn += 1;
    }
    for (i, style) in styles {
        let _ = writeln!(out, "  linkStyle {i} {style}");
    }
    out.push_str(concat!(
        "  classDef workload fill:#eef3fb,stroke:#4a6fa5\n",
        "  classDef store fill:#fdf3e1,stroke:#b7791f\n",
        "  classDef external fill:#fbeee6,stroke:#c05621\n",
        "  classDef outside fill:#f2f2f2,stroke:#888888\n",
        "  classDef host fill:#e8f4ea,stroke:#2e7d32\n",
    ));
    out
}
