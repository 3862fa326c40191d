//! NetworkPolicy reasoning on the final objects: label selectors, the flows a policy allows,
//! and whether an edit widened a policy beyond what its construct built.
//!
//! Wiring (`connect`, `allow_from`, `allow_to`) decides who may talk to whom; a typed edit, a
//! JSON patch or an aspect must not widen a NetworkPolicy behind its back. The check compares
//! the written policy with the one the construct built ([`crate::object::AsBuilt`]): a new
//! (direction, peer, port) flow, a changed `podSelector` (other pods lose their isolation) or a
//! dropped `policyTypes` entry (a direction stops being isolated) is an error.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicySpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::Finding;

/// Whether `selector` selects an object labelled `labels`, with Kubernetes' semantics: every
/// `matchLabels` pair and every `matchExpressions` requirement must hold; an empty selector
/// selects everything.
pub fn matches(selector: &LabelSelector, labels: Option<&BTreeMap<String, String>>) -> bool {
    let get = |key: &str| labels.and_then(|l| l.get(key));
    let pairs = selector
        .match_labels
        .iter()
        .flatten()
        .all(|(k, v)| get(k) == Some(v));
    pairs
        && selector.match_expressions.iter().flatten().all(|e| {
            let value = get(&e.key);
            let values = e.values.as_deref().unwrap_or_default();
            match e.operator.as_str() {
                "In" => value.is_some_and(|v| values.contains(v)),
                "NotIn" => value.is_none_or(|v| !values.contains(v)),
                "Exists" => value.is_some(),
                "DoesNotExist" => value.is_none(),
                // An unknown operator: the API server refuses the object; select nothing.
                _ => false,
            }
        })
}

/// Whether `selector` is empty (selects everything).
pub fn is_empty(selector: &LabelSelector) -> bool {
    selector
        .match_labels
        .as_ref()
        .is_none_or(BTreeMap::is_empty)
        && selector
            .match_expressions
            .as_ref()
            .is_none_or(Vec::is_empty)
}

/// A selector of exactly these labels.
pub fn of_labels(labels: &BTreeMap<String, String>) -> LabelSelector {
    LabelSelector {
        match_labels: Some(labels.clone()),
        match_expressions: None,
    }
}

/// Every (direction, peer, port) a policy allows, as comparable text.
pub fn flows(spec: &NetworkPolicySpec) -> Vec<String> {
    let mut out = Vec::new();
    let any_peer = [NetworkPolicyPeer::default()];
    let any_port = [NetworkPolicyPort::default()];
    for rule in spec.ingress.iter().flatten() {
        for peer in rule.from.as_deref().unwrap_or(&any_peer) {
            for port in rule.ports.as_deref().unwrap_or(&any_port) {
                out.push(format!(
                    "ingress from {} on {}",
                    text(peer, "anywhere"),
                    text(port, "every port")
                ));
            }
        }
    }
    for rule in spec.egress.iter().flatten() {
        for peer in rule.to.as_deref().unwrap_or(&any_peer) {
            for port in rule.ports.as_deref().unwrap_or(&any_port) {
                out.push(format!(
                    "egress to {} on {}",
                    text(peer, "anywhere"),
                    text(port, "every port")
                ));
            }
        }
    }
    out
}

/// Compact JSON of a policy's part, for [`flows`]; an empty one (which allows everything) in
/// words.
fn text<T: serde::Serialize + Default + PartialEq>(value: &T, everything: &str) -> String {
    if *value == T::default() {
        everything.to_owned()
    } else {
        serde_json::to_string(value).unwrap_or_default()
    }
}

const HINT_WIRING: &str = "declare the flow instead: `connect` to a service of this program, or `allow_from`/`allow_to` for peers outside it";

/// Reports what an edit added to a NetworkPolicy that the construct built as `built`.
pub fn check_widening(
    object: &str,
    built: &NetworkPolicySpec,
    written: &NetworkPolicySpec,
    out: &mut Vec<Finding>,
) {
    if built == written {
        return;
    }
    let declared = flows(built);
    let extra: Vec<String> = flows(written)
        .into_iter()
        .filter(|f| !declared.contains(f))
        .collect();
    if !extra.is_empty() {
        out.push(Finding::new(
            object,
            "spec",
            format!(
                "an edit widens the NetworkPolicy beyond the wiring: {}",
                extra.join("; ")
            ),
            HINT_WIRING,
        ));
    }
    if built.pod_selector != written.pod_selector {
        out.push(Finding::new(
            object,
            "spec.podSelector",
            "an edit changes which pods the NetworkPolicy isolates: the pods it built for would accept any traffic",
            "remove the edit: each construct's policy selects its own pods",
        ));
    }
    let types = |s: &NetworkPolicySpec| s.policy_types.clone().unwrap_or_default();
    for kind in types(built) {
        if !types(written).contains(&kind) {
            out.push(Finding::new(
                object,
                "spec.policyTypes",
                format!("an edit drops `{kind}` from the NetworkPolicy's types: that direction is no longer isolated"),
                HINT_WIRING,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::networking::v1::{IPBlock, NetworkPolicyEgressRule};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn selectors_match_labels_and_expressions() {
        let pod = labels(&[("app", "api"), ("tier", "web")]);
        assert!(matches(&of_labels(&labels(&[("app", "api")])), Some(&pod)));
        assert!(!matches(&of_labels(&labels(&[("app", "db")])), Some(&pod)));
        assert!(matches(&LabelSelector::default(), None));
        let expr = |op: &str, values: &[&str]| LabelSelector {
            match_labels: None,
            match_expressions: Some(vec![LabelSelectorRequirement {
                key: "tier".into(),
                operator: op.into(),
                values: Some(values.iter().map(|v| (*v).to_owned()).collect()),
            }]),
        };
        assert!(matches(&expr("In", &["web", "x"]), Some(&pod)));
        assert!(!matches(&expr("NotIn", &["web"]), Some(&pod)));
        assert!(matches(&expr("Exists", &[]), Some(&pod)));
        assert!(!matches(&expr("DoesNotExist", &[]), Some(&pod)));
        assert!(!matches(&expr("Bogus", &[]), Some(&pod)));
    }

    fn deny_all() -> NetworkPolicySpec {
        NetworkPolicySpec {
            pod_selector: Some(of_labels(&labels(&[("app", "api")]))),
            policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
            ..Default::default()
        }
    }

    #[test]
    fn widening_a_policy_is_reported_and_keeping_it_is_not() {
        let built = deny_all();
        let mut out = Vec::new();
        check_widening("o", &built, &built.clone(), &mut out);
        assert!(out.is_empty());
        let mut written = deny_all();
        written.egress = Some(vec![NetworkPolicyEgressRule {
            to: Some(vec![NetworkPolicyPeer {
                ip_block: Some(IPBlock {
                    cidr: "0.0.0.0/0".into(),
                    except: None,
                }),
                ..Default::default()
            }]),
            ports: None,
        }]);
        written.policy_types = Some(vec!["Egress".into()]);
        written.pod_selector = Some(of_labels(&labels(&[("app", "nothing")])));
        check_widening("o", &built, &written, &mut out);
        let fields: Vec<&str> = out.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["spec", "spec.podSelector", "spec.policyTypes"]);
        assert!(out[0].message.contains("0.0.0.0/0"));
    }
}
