//! [`Wire`]: a connection a construct declares, for the wiring graph.

use crate::NodeId;

/// A connection a workload declares with `connect`, emitted with its objects: the wiring graph
/// (`girder graph`) draws the flows the final objects allow, and a flow a `Wire` explains as a
/// `connect` edge; anything else the objects allow (a raw `allow_to`, an aspect, a patch) is
/// drawn apart. A server outside the cluster (an AWS database, an AWS API) has no pods: its
/// `Wire` is the edge, drawn to the server's construct.
///
/// ```
/// use girder_core::{Emitted, NodeId, Wire};
///
/// let mut out = Emitted::new();
/// out.emit(Wire {
///     server: NodeId::ROOT,
///     server_path: "prod/data/db".into(),
///     port: 5432,
///     protocol: "TCP".into(),
///     outside: false,
///     namespace: "data".into(),
///     selector: [("app.kubernetes.io/name".to_owned(), "db".to_owned())].into(),
/// });
/// assert_eq!(out.take::<Wire>().len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wire {
    /// The server's node.
    pub server: NodeId,
    /// The server's path, e.g. `prod/data/db`.
    pub server_path: String,
    /// The port the client connects to.
    pub port: u16,
    /// Its protocol: `TCP`, `UDP` or `SCTP`.
    pub protocol: String,
    /// Whether the server is outside the cluster (reached by address range, not by pods).
    pub outside: bool,
    /// The namespace of the server's pods (empty outside the cluster).
    pub namespace: String,
    /// The labels of the server's pods (empty outside the cluster): a server may be several
    /// workloads, e.g. a traffic split's versions.
    pub selector: std::collections::BTreeMap<String, String>,
}

impl crate::Artifact for Wire {
    const WHAT: &'static str = "wire";
}
