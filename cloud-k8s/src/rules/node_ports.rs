//! Node ports across objects: a node port is allocated cluster-wide, so two Services of one
//! environment (one cluster) cannot both claim it; the API server refuses the second.

use std::collections::HashMap;

use k8s_openapi::api::core::v1::Service;

use super::{Finding, Origin};

/// One Service port's node port, as written.
#[derive(Debug)]
struct Claim {
    origin: Origin,
    node_port: i32,
    field: String,
}

/// The node ports the Services of each environment set, in the order they were seen.
#[derive(Debug, Default)]
pub(super) struct NodePorts {
    claims: Vec<Claim>,
}

impl NodePorts {
    /// Records the node ports `service` sets (whatever its type: the API server allocates any
    /// it is given).
    pub(super) fn observe(&mut self, service: &Service, origin: &Origin) {
        let ports = service.spec.iter().flat_map(|s| s.ports.iter().flatten());
        for (i, port) in ports.enumerate() {
            let Some(node_port) = port.node_port.filter(|p| *p != 0) else {
                continue;
            };
            // One Service may use a node port for TCP and UDP alike; across Services it is one.
            if self.claims.iter().any(|c| {
                c.node_port == node_port
                    && c.origin.env == origin.env
                    && c.origin.object == origin.object
            }) {
                continue;
            }
            self.claims.push(Claim {
                origin: origin.clone(),
                node_port,
                field: format!("spec.ports[{i}].nodePort"),
            });
        }
    }

    /// A finding for every Service that claims a node port an earlier Service of its
    /// environment claimed, naming that one.
    pub(super) fn check(&self) -> Vec<(usize, Finding)> {
        let mut first: HashMap<(usize, i32), &Claim> = HashMap::new();
        let mut findings = Vec::new();
        for claim in &self.claims {
            let Some(earlier) = first.get(&(claim.origin.env, claim.node_port)) else {
                first.insert((claim.origin.env, claim.node_port), claim);
                continue;
            };
            findings.push((
                claim.origin.construct,
                Finding::new(
                    &claim.origin.object,
                    &claim.field,
                    format!(
                        "node port {} is also claimed by {} (`{}`) in the same cluster",
                        claim.node_port, earlier.origin.object, earlier.field
                    ),
                    "node ports are allocated cluster-wide and the API server refuses a second claim: give each exposed service its own node port (30000 to 32767), or expose one of them through a load balancer or an ingress",
                ),
            ));
        }
        findings
    }
}
