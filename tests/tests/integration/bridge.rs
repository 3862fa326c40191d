//! One edge across targets: a pod connects to an RDS database.

use girder::aws::AwsExt;
use girder::constructs::aws::{Cluster, Network, NodeGroup, Postgres};
use girder::prelude::*;

use crate::{Prod, Web, synth_errors};

fn program(with_cluster: bool) -> App {
    let app = App::new("shop");
    let prod = app.environment(Prod);
    crate::accept_test_tags(&prod);
    let aws = prod.aws("123456789012", "eu-west-1");
    let base = aws.stack("base");
    let net = Network::new(&base, "net").availability_zones(2).build();
    if with_cluster {
        Cluster::new(&base, "eks")
            .network(&net)
            .node_group(
                NodeGroup::new("general")
                    .instance_types(["m6i.large"])
                    .scaling(2..=4),
            )
            .build();
    }
    let db = Postgres::rds(&aws.stack("data"), "orders")
        .network(&net)
        .build();
    let ns = prod.kubernetes().namespace(Web);
    let api = WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .build();
    let pg = api.connect(&db);
    api.env("DB_HOST", pg.host())
        .env("DB_PORT", pg.port())
        .env("DB_NAME", pg.database())
        .env("DB_USER", pg.username())
        .env("DB_PASSWORD", pg.password());
    app
}

#[test]
fn connecting_a_pod_to_rds_wires_both_targets() {
    let app = program(true);
    let assembly = girder::synth::synthesize(&app).unwrap_or_else(|d| panic!("{d}"));
    let web = assembly.files["prod/k8s/web.yaml"].to_string();
    // The credentials and the address arrive as Secrets kept by External Secrets...
    assert!(web.contains("kind: ExternalSecret"), "{web}");
    assert!(
        web.contains("key: /girder/shop/prod/shop-prod-data/orders/host"),
        "{web}"
    );
    assert!(web.contains("name: orders-credentials"), "{web}");
    // ...the pod's policy reaches the private subnets on 5432 only...
    assert!(web.contains("cidr: \"10.0.128.0/19\""), "{web}");
    assert!(web.contains("port: 5432"), "{web}");
    // ...and no value is written.
    assert!(!web.contains("password:"), "{web}");
    let data = assembly.files["prod/cfn/shop-prod-data.template.json"].to_string();
    assert!(
        data.contains("\"AWS::SSM::Parameter\""),
        "the address is published"
    );
    assert!(
        data.contains("PostgreSQL from the EKS cluster pods"),
        "{data}"
    );
    assert!(
        data.contains("Fn::ImportValue"),
        "the cluster's group comes from its stack"
    );
    insta::assert_snapshot!(web);
    crate::validate(&app, "bridge");
}

#[test]
fn a_pod_without_a_cluster_cannot_reach_rds() {
    let errors = synth_errors(&program(false));
    assert!(
        errors.contains("connects from Kubernetes, and this environment has no EKS cluster"),
        "{errors}"
    );
}

girder::secret! {
    /// Keys of a JSON secret kept in Secrets Manager.
    pub struct ApiKeys { stripe, mapbox }
}

#[test]
fn a_secrets_manager_secret_is_synced_by_reference() {
    let app = App::new("shop");
    crate::accept_test_tags(&app.environment(Prod));
    let ns = app.environment(Prod).kubernetes().namespace(Web);
    let data = app
        .environment(Prod)
        .aws("123456789012", "eu-west-1")
        .stack("data");
    let secret = girder::constructs::aws::AwsSecret::new(&data, "api-keys").build();
    let keys = ApiKeys::from_aws_secret(&ns, "api-keys", &secret);
    let api = WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .build();
    api.env("STRIPE_KEY", keys.stripe());
    let text = crate::synth_text(&app);
    assert!(text.contains("kind: ExternalSecret"), "{text}");
    assert!(text.contains("property: mapbox"), "{text}");
    assert!(text.contains("key: shop-prod-data/api-keys"), "{text}");
    crate::validate(&app, "synced-secret");
}
