//! The helloworld example: snapshot and determinism.

use crate::synth_text;

#[test]
fn helloworld_snapshot() {
    insta::assert_snapshot!(synth_text(&girder_examples::helloworld()));
}

#[test]
fn output_is_byte_identical_every_run() {
    let a = girder::synth::synthesize(&girder_examples::helloworld()).expect("valid");
    let b = girder::synth::synthesize(&girder_examples::helloworld()).expect("valid");
    assert_eq!(a.files, b.files);
    let scale_a = girder::synth::synthesize(&girder_examples::scale(600)).expect("valid");
    let scale_b = girder::synth::synthesize(&girder_examples::scale(600)).expect("valid");
    assert_eq!(
        scale_a.files, scale_b.files,
        "parallel serialization must not change the output"
    );
}

#[test]
fn both_environments_carry_the_same_api() {
    use girder::testing::{Synthesized, json};
    let out = Synthesized::of(&girder_examples::helloworld());
    // Production: the Deployment behind ingress-nginx, autoscaled from 2 to 6.
    out.k8s("apps/v1", "Deployment", "helloworld/api")
        .has_properties(json!({"spec": {"template": {"spec": {
            "containers": [{"image": "ghcr.io/example/helloworld-api:1.0.0"}]
        }}}}));
    out.k8s(
        "autoscaling/v2",
        "HorizontalPodAutoscaler",
        "helloworld/api",
    )
    .has_properties(json!({"spec": {"minReplicas": 2, "maxReplicas": 6}}));
    // Development: the same workload as a Compose service on its own internal network, two
    // replicas (the minimum), behind the proxy, which alone publishes ports.
    let dev = out.compose("dev");
    dev.service("api").has_properties(json!({
        "image": "ghcr.io/example/helloworld-api:1.0.0",
        "networks": ["api"],
        "deploy": {"replicas": 2},
        "read_only": true,
    }));
    dev.service("proxy")
        .has_properties(json!({"networks": ["api"], "ports": [{"published": 443}]}));
    assert_eq!(
        out.count_k8s("Deployment"),
        1,
        "the dev api is not a Deployment"
    );
}
