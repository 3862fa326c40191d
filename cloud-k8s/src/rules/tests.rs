//! Unit tests of the cross-object rules of [`super::Checker`].

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{Namespace, PodSpec, PodTemplateSpec, Service, ServiceSpec};
use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use super::{Checker, Finding};
use crate::Manifest;
use crate::labels::{INSTANCE, NAME};

fn meta(name: &str, ns: Option<&str>, labels: BTreeMap<String, String>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.into()),
        namespace: ns.map(Into::into),
        labels: Some(labels),
        ..Default::default()
    }
}

fn identity(name: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (NAME.to_owned(), name.to_owned()),
        (INSTANCE.to_owned(), format!("prod-shop-{name}")),
    ])
}

fn namespace() -> Manifest {
    Manifest::new(Namespace {
        metadata: meta(
            "shop",
            None,
            BTreeMap::from([(
                "pod-security.kubernetes.io/enforce".to_owned(),
                "restricted".to_owned(),
            )]),
        ),
        ..Default::default()
    })
}

/// A Deployment of pods labelled with `name`'s identity; the pod spec is empty, so pod security
/// findings are filtered out by [`cross`].
fn deployment(name: &str) -> Deployment {
    Deployment {
        metadata: meta(name, Some("shop"), identity(name)),
        spec: Some(DeploymentSpec {
            selector: LabelSelector {
                match_labels: Some(identity(name)),
                ..Default::default()
            },
            template: PodTemplateSpec {
                metadata: Some(meta(name, None, identity(name))),
                spec: Some(PodSpec::default()),
            },
            ..Default::default()
        }),
        status: None,
    }
}

fn service(name: &str, selects: &str) -> Manifest {
    Manifest::new(Service {
        metadata: meta(name, Some("shop"), identity(name)),
        spec: Some(ServiceSpec {
            selector: Some(identity(selects)),
            ..Default::default()
        }),
        ..Default::default()
    })
}

/// A policy of `name`'s pods that admits the pods of `client`.
fn policy(name: &str, client: &str) -> Manifest {
    Manifest::new(NetworkPolicy {
        metadata: meta(name, Some("shop"), identity(name)),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector {
                match_labels: Some(identity(name)),
                ..Default::default()
            }),
            ingress: Some(vec![NetworkPolicyIngressRule {
                from: Some(vec![NetworkPolicyPeer {
                    pod_selector: Some(LabelSelector {
                        match_labels: Some(identity(client)),
                        ..Default::default()
                    }),
                    ..Default::default()
                }]),
                ports: None,
            }]),
            policy_types: Some(vec!["Ingress".into()]),
            egress: None,
        }),
    })
}

/// The findings that are not about pod security, each with its construct number.
fn cross(manifests: Vec<(usize, Manifest)>) -> Vec<(usize, Finding)> {
    let mut checker = Checker::default();
    for (construct, m) in &manifests {
        checker.observe(m, "prod", *construct);
    }
    checker
        .finish()
        .into_iter()
        .filter(|(_, f)| !f.message.contains("Pod Security") && !f.message.starts_with("CKV_K8S_"))
        .collect()
}

#[test]
fn a_consistent_program_has_no_findings() {
    let found = cross(vec![
        (0, namespace()),
        (1, Manifest::new(deployment("api"))),
        (1, service("api", "api")),
        (1, policy("api", "web")),
        (2, Manifest::new(deployment("web"))),
    ]);
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn selectors_that_match_nothing_are_reported() {
    let found = cross(vec![
        (0, namespace()),
        (1, Manifest::new(deployment("api"))),
        (1, service("api", "gone")),
        (1, policy("gone", "web")),
    ]);
    let fields: Vec<&str> = found.iter().map(|(_, f)| f.field.as_str()).collect();
    assert_eq!(fields, ["spec.selector", "spec.podSelector"]);
}

#[test]
fn relabelled_pods_that_another_policy_admits_are_reported() {
    // The worker's pods take the identity of `web`, which `api`'s policy admits.
    let mut worker = Manifest::new(deployment("worker"));
    // An edit (typed edit, patch or aspect) is about to change it.
    worker.keep_as_built();
    if let Some(d) = worker.downcast_mut::<Deployment>()
        && let Some(spec) = d.spec.as_mut()
    {
        spec.template.metadata = Some(meta("worker", None, identity("web")));
    }
    let found = cross(vec![
        (0, namespace()),
        (1, Manifest::new(deployment("api"))),
        (1, policy("api", "web")),
        (2, worker),
    ]);
    assert_eq!(found.len(), 1, "{found:?}");
    let (construct, finding) = &found[0];
    assert_eq!(*construct, 2);
    assert_eq!(finding.field, "spec.template.metadata.labels");
    assert!(finding.message.contains("NetworkPolicy shop/api admits"));
}

#[test]
fn undeclared_namespaces_and_kinds_are_reported() {
    let mut deployment = deployment("api");
    deployment.metadata.namespace = Some("kube-system".into());
    let found = cross(vec![(0, namespace()), (1, Manifest::new(deployment))]);
    assert!(found.iter().any(|(_, f)| {
        f.message
            .contains("namespace `kube-system` is not declared")
    }));
}

/// A `NodePort` Service of `name`'s pods whose ports (protocol, node port) are `ports`.
fn node_port_service(name: &str, ports: &[(&str, i32)]) -> Manifest {
    use k8s_openapi::api::core::v1::ServicePort;
    Manifest::new(Service {
        metadata: meta(&format!("{name}-external"), Some("shop"), identity(name)),
        spec: Some(ServiceSpec {
            type_: Some("NodePort".into()),
            selector: Some(identity(name)),
            ports: Some(
                ports
                    .iter()
                    .enumerate()
                    .map(|(i, (protocol, node_port))| ServicePort {
                        name: Some(format!("p{i}")),
                        port: 8080 + i as i32,
                        protocol: Some((*protocol).into()),
                        node_port: Some(*node_port),
                        ..Default::default()
                    })
                    .collect(),
            ),
            ..Default::default()
        }),
        ..Default::default()
    })
}

#[test]
fn a_node_port_two_services_of_one_environment_claim_is_reported_at_the_second() {
    let found = cross(vec![
        (0, namespace()),
        (1, Manifest::new(deployment("api"))),
        // One Service may serve a node port over TCP and UDP.
        (
            1,
            node_port_service("api", &[("TCP", 30080), ("UDP", 30080)]),
        ),
        (2, Manifest::new(deployment("admin"))),
        (
            2,
            node_port_service("admin", &[("TCP", 30081), ("TCP", 30080)]),
        ),
    ]);
    assert_eq!(found.len(), 1, "{found:?}");
    let (construct, finding) = &found[0];
    assert_eq!(*construct, 2);
    assert_eq!(finding.object, "v1 Service shop/admin-external");
    assert_eq!(finding.field, "spec.ports[1].nodePort");
    assert_eq!(
        finding.message,
        "node port 30080 is also claimed by v1 Service shop/api-external (`spec.ports[0].nodePort`) in the same cluster"
    );
}

#[test]
fn the_same_node_port_in_two_environments_is_two_clusters_ports() {
    let mut checker = Checker::default();
    for env in ["prod", "staging"] {
        checker.observe(&namespace(), env, 0);
        checker.observe(&Manifest::new(deployment("api")), env, 1);
        checker.observe(&node_port_service("api", &[("TCP", 30080)]), env, 1);
    }
    let found: Vec<_> = checker
        .finish()
        .into_iter()
        .filter(|(_, f)| f.message.contains("node port"))
        .collect();
    assert!(found.is_empty(), "{found:?}");
}
