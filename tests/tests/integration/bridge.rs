//! One edge across targets: a pod connects to an RDS database, a bucket, a queue, a secret.

use girder::aws::{AwsExt, AwsStack};
use girder::constructs::aws::{
    AwsSecret, Cluster, EcrImage, Eks, Network, NodeGroup, Postgres, RdsConnection, Repository,
};
use girder::constructs::{Bucket, Queue, Worker};
use girder::prelude::*;
use serde_json::Value as Json;

use crate::WithAddOns;
use crate::{Prod, Web, synth_errors};

/// The network and the EKS cluster of `prod`, in stack `base`.
fn platform(app: &App) -> (Network<Prod>, Cluster<Prod>) {
    let base = app
        .environment(Prod)
        .aws("123456789012", "eu-west-1")
        .stack("base");
    let net = Network::new(&base, "net").availability_zones(2).build();
    let eks = Cluster::new(&base, "eks")
        .network(&net)
        .node_group(
            NodeGroup::new("general")
                .instance_types(["m6i.large"])
                .scaling(2..=4),
        )
        .build();
    (net, eks)
}

/// The API of namespace `web` on the EKS cluster of `prod`, the client of an RDS Postgres
/// (`orders`, in stack `data`): the app, the namespace, the API and its connection.
type RdsClient = (
    App,
    Namespace<Prod, Eks<Web>>,
    WebService<Prod, Eks<Web>>,
    RdsConnection<Prod, Eks<Web>>,
);

fn rds_client() -> RdsClient {
    let app = App::new("shop");
    let prod = app.environment(Prod);
    crate::accept_test_tags(&prod);
    let aws = prod.aws("123456789012", "eu-west-1");
    let (net, eks) = platform(&app);
    let db = Postgres::rds(&aws.stack("data"), "orders")
        .network(&net)
        .build();
    let ns = eks.kubernetes().with_add_ons().namespace(Web);
    let api = WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .build();
    let pg = api.connect(&db);
    (app, ns, api, pg)
}

fn program() -> App {
    let (app, _, api, pg) = rds_client();
    api.env("DB_HOST", pg.host())
        .env("DB_PORT", pg.port())
        .env("DB_NAME", pg.database())
        .env("DB_USER", pg.username())
        .env("DB_PASSWORD", pg.password());
    app
}

#[test]
fn connecting_a_pod_to_rds_wires_both_targets() {
    let app = program();
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

girder::secret! {
    /// Keys of a JSON secret kept in Secrets Manager.
    pub struct ApiKeys { stripe, mapbox }
}

#[test]
fn a_secrets_manager_secret_is_synced_by_reference() {
    let app = App::new("shop");
    crate::accept_test_tags(&app.environment(Prod));
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
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

/// The data stack of `prod`.
fn data(app: &App) -> AwsStack<Prod> {
    app.environment(Prod)
        .aws("123456789012", "eu-west-1")
        .stack("data")
}

/// The CloudFormation template of stack `stack` of `prod`, parsed.
fn template(assembly: &girder::synth::Assembly, stack: &str) -> Json {
    let text = &assembly.files[format!("prod/cfn/shop-prod-{stack}.template.json").as_str()];
    serde_json::from_str(&text.to_string()).expect("JSON")
}

/// The resources of type `kind` in `template`, by logical ID.
fn resources<'a>(template: &'a Json, kind: &str) -> Vec<(&'a String, &'a Json)> {
    template["Resources"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, r)| r["Type"] == kind)
        .collect()
}

/// A web service and a worker on the cluster that read, write, consume and send through their
/// connections alone: no role, grant or annotation is written in the program.
fn one_edge() -> App {
    let app = App::new("shop");
    crate::accept_test_tags(&app.environment(Prod));
    let (_, eks) = platform(&app);
    let data = data(&app);
    let pages = Bucket::new(&data, "pages").build();
    let jobs = Queue::new(&data, "jobs").build();
    let token = AwsSecret::new(&data, "api-token").build();
    let images = app
        .environment(Prod)
        .aws("123456789012", "eu-west-1")
        .stack("images");
    let repo = Repository::new(&images, "web").build();
    let ns = eks.kubernetes().with_add_ons().namespace(Web);
    let web = WebService::new(&ns, "web")
        .image(repo.image("3.2.0"))
        .port(8080)
        .build();
    web.env("PAGES_BUCKET", web.connect(&pages).read().value())
        .env("JOBS_QUEUE_URL", web.connect(&jobs).send().value())
        .env("TOKEN_ARN", web.connect(&token).read().value());
    let crawler = Worker::new(&ns, "crawler")
        .image("ghcr.io/acme/crawler:2.0.0")
        .replicas(1)
        .build();
    crawler
        .env("JOBS_QUEUE_URL", crawler.connect(&jobs).consume().value())
        .env("PAGES_BUCKET", crawler.connect(&pages).write().value());
    app
}

#[test]
fn one_edge_gives_each_workload_its_role_its_grants_and_its_address() {
    let app = one_edge();
    let assembly = girder::synth::synthesize(&app).unwrap_or_else(|d| panic!("{d}"));
    let base = template(&assembly, "base");
    let data = template(&assembly, "data");
    // One role per workload, in the cluster's stack, trusted by its service account alone.
    let roles: Vec<&Json> = resources(&base, "AWS::IAM::Role")
        .into_iter()
        .map(|(_, r)| &r["Properties"])
        .filter(|r| {
            r["Description"]
                .as_str()
                .is_some_and(|d| d.contains("service account web/"))
        })
        .collect();
    assert_eq!(roles.len(), 2, "{roles:#?}");
    for (role, sa) in roles.iter().zip(["crawler", "web"]) {
        assert_eq!(role["RoleName"], format!("shop-prod-base-eks-web-{sa}"));
        let trust = role["AssumeRolePolicyDocument"]["Fn::Sub"][0]
            .as_str()
            .expect("trust");
        assert!(
            trust.contains(&format!("system:serviceaccount:web:{sa}")),
            "{trust}"
        );
        assert!(
            role["Policies"].is_null(),
            "grants are in the data stack: {role:#}"
        );
    }
    // Its grants: one policy per role in the stack of what it reaches, exactly the chosen access.
    let policies: Vec<_> = resources(&data, "AWS::IAM::Policy")
        .into_iter()
        .filter(|(_, p)| p["Properties"]["PolicyName"] == "connections")
        .collect();
    let grants = |who: &str| -> Json {
        let (_, policy) = policies
            .iter()
            .find(|(id, _)| id.contains(&format!("Web{who}RoleGrants")))
            .unwrap_or_else(|| panic!("no grants of {who} in {policies:#?}"));
        assert!(
            policy["Properties"]["Roles"][0]["Fn::ImportValue"].is_string(),
            "{policy:#}"
        );
        policy["Properties"]["PolicyDocument"]["Statement"].clone()
    };
    let web = grants("Web").to_string();
    let crawler = grants("Crawler").to_string();
    for (text, yes, no) in [
        (
            &web,
            &[
                "s3:GetObject",
                "s3:ListBucket",
                "sqs:SendMessage",
                "secretsmanager:GetSecretValue",
                "kms:Decrypt",
                "kms:EncryptionContext:SecretARN",
            ][..],
            &[
                "s3:PutObject",
                "s3:DeleteObject",
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
            ][..],
        ),
        (
            &crawler,
            &["s3:PutObject", "sqs:ReceiveMessage", "sqs:DeleteMessage"][..],
            &[
                "s3:GetObject",
                "s3:ListBucket",
                "s3:DeleteObject",
                "sqs:SendMessage",
                "secretsmanager",
            ][..],
        ),
    ] {
        for action in yes {
            assert!(text.contains(action), "{action} missing in {text}");
        }
        for action in no {
            assert!(!text.contains(action), "{action} granted in {text}");
        }
        assert!(!text.contains("\"*\""), "a wildcard in {text}");
    }
    // The service accounts run as those roles; the image comes from the repository.
    let yaml = assembly.files["prod/k8s/web.yaml"].to_string();
    for sa in ["web", "crawler"] {
        assert!(
            yaml.contains(&format!(
                "eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/shop-prod-base-eks-web-{sa}"
            )),
            "{yaml}"
        );
    }
    assert!(
        yaml.contains(
            "image: \"123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-prod-images/web:3.2.0\""
        ),
        "{yaml}"
    );
    insta::assert_snapshot!(
        "one_edge_grants",
        serde_json::to_string_pretty(&policies).expect("JSON")
    );
    crate::validate(&app, "one-edge");
}

#[test]
fn a_role_asked_for_is_the_one_the_connections_grant() {
    for asked_first in [true, false] {
        let app = App::new("shop");
        crate::accept_test_tags(&app.environment(Prod));
        let (_, eks) = platform(&app);
        let pages = Bucket::new(&data(&app), "pages").build();
        let ns = eks.kubernetes().with_add_ons().namespace(Web);
        let web = WebService::new(&ns, "web")
            .image("ghcr.io/acme/web:1.0.0")
            .port(8080)
            .build();
        let ask = || {
            let role = eks.service_account_role("web", "web", Default::default());
            web.aws_role(&role);
        };
        if asked_first {
            ask();
        }
        web.env("PAGES_BUCKET", web.connect(&pages).read().value());
        if !asked_first {
            ask();
        }
        let assembly = girder::synth::synthesize(&app).unwrap_or_else(|d| panic!("{d}"));
        let base = template(&assembly, "base");
        let web_roles = resources(&base, "AWS::IAM::Role")
            .into_iter()
            .filter(|(_, r)| r["Properties"]["RoleName"] == "shop-prod-base-eks-web-web")
            .count();
        assert_eq!(web_roles, 1, "asked first: {asked_first}: {base:#}");
        let data = template(&assembly, "data");
        let grants = resources(&data, "AWS::IAM::Policy")
            .into_iter()
            .filter(|(_, p)| p["Properties"]["PolicyName"] == "connections")
            .count();
        assert_eq!(grants, 1, "asked first: {asked_first}");
    }
}

#[test]
fn a_connection_whose_access_is_never_chosen_is_a_synth_error() {
    let app = App::new("shop");
    crate::accept_test_tags(&app.environment(Prod));
    let (_, eks) = platform(&app);
    let pages = Bucket::new(&data(&app), "pages").build();
    let ns = eks.kubernetes().with_add_ons().namespace(Web);
    let web = WebService::new(&ns, "web")
        .image("ghcr.io/acme/web:1.0.0")
        .port(8080)
        .build();
    let _ = web.connect(&pages);
    let errors = synth_errors(&app);
    assert!(
        errors.contains(
            "error: the connection to `prod/aws/data/pages` chooses no access\n  --> prod/web/web"
        ),
        "{errors}"
    );
    assert!(errors.contains("hint: choose it: `.read()`"), "{errors}");
    // Reported once, not again as an unused connection.
    assert!(!errors.contains("is never used"), "{errors}");
}

#[test]
fn a_pod_runs_as_one_role() {
    let app = App::new("shop");
    crate::accept_test_tags(&app.environment(Prod));
    let (_, eks) = platform(&app);
    let pages = Bucket::new(&data(&app), "pages").build();
    let ns = eks.kubernetes().with_add_ons().namespace(Web);
    let web = WebService::new(&ns, "web")
        .image("ghcr.io/acme/web:1.0.0")
        .port(8080)
        .build();
    web.env("PAGES_BUCKET", web.connect(&pages).read().value());
    // A role made for another service account, given to `web` after its connection made its own.
    let shared = eks.service_account_role("web", "shared", Default::default());
    web.aws_role(&shared);
    let errors = synth_errors(&app);
    assert!(
        errors.contains("error: the pods would run as two IAM roles: `arn:aws:iam::123456789012:role/shop-prod-base-eks-web-web` and `arn:aws:iam::123456789012:role/shop-prod-base-eks-web-shared`\n  --> prod/web/web"),
        "{errors}"
    );
}

#[test]
fn a_second_cluster_in_an_environment_is_a_synth_error() {
    let app = App::new("shop");
    let (net, _) = platform(&app);
    Cluster::new(&data(&app), "other")
        .network(&net)
        .node_group(
            NodeGroup::new("general")
                .instance_types(["m6i.large"])
                .scaling(2..=4),
        )
        .build();
    let errors = synth_errors(&app);
    assert!(
        errors.contains(
            "error: a second EKS cluster in environment `prod`\n  --> prod/aws/data/other"
        ),
        "{errors}"
    );
}

#[test]
fn ecr_images_are_checked_tags_and_digests() {
    let app = App::new("shop");
    let images = app
        .environment(Prod)
        .aws("123456789012", "cn-north-1")
        .stack("images");
    let repo = Repository::new(&images, "web").build();
    let digest = format!("sha256:{}", "0123456789abcdef".repeat(4));
    let pinned: EcrImage<Prod> = repo.image_digest(&digest);
    assert_eq!(
        String::from(pinned),
        format!("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/shop-prod-images/web@{digest}")
    );
    let _ = repo.image("-latest");
    let _ = repo.image_digest("sha256:abc");
    let errors = synth_errors(&app);
    assert!(
        errors.contains("error: image tag `-latest`: it starts with another character than a letter, a digit or `_`\n  --> prod/aws/images/web"),
        "{errors}"
    );
    assert!(
        errors.contains(
            "error: image digest `sha256:abc` is not `sha256:` and 64 hexadecimal digits"
        ),
        "{errors}"
    );
}

/// RDS credentials are read only by the pods that connected: a neighbour in the same namespace
/// that borrows the keys of the API's connection has no path to the database and fails synth,
/// and so does one that a JSON patch hands the Secret to.
#[test]
fn rds_credentials_go_only_to_the_pods_that_connected() {
    use girder::k8s_openapi::api::apps::v1::Deployment;

    let (app, ns, api, pg) = rds_client();
    api.env("DB_PASSWORD", pg.password());
    let report = Worker::new(&ns, "report")
        .image("ghcr.io/acme/report:1.0.0")
        .replicas(1)
        .build();
    report.env("DB_PASSWORD", pg.password());
    let audit = WebService::new(&ns, "audit")
        .image("ghcr.io/acme/audit:1.0.0")
        .port(8080)
        .build();
    audit.patch::<Deployment>(
        serde_json::from_value(serde_json::json!([{
            "op": "add",
            "path": "/spec/template/spec/containers/0/env",
            "value": [{ "name": "DB_USER", "valueFrom": { "secretKeyRef":
                { "name": "orders-credentials", "key": "username" } } }],
        }]))
        .expect("a patch"),
    );
    audit.accept(
        Check::CKV_K8S_35,
        "the audit tool reads its database user from its environment",
    );
    let errors = synth_errors(&app);
    for workload in ["report", "audit"] {
        assert!(
            errors.contains(&format!(
                "the pods read Secret `web/orders-credentials`, the credentials of prod/aws/data/orders, but the NetworkPolicies give them no path to it\n  --> prod/web/{workload} ("
            )),
            "{workload}:\n{errors}"
        );
    }
    assert!(!errors.contains("--> prod/web/api "), "{errors}");
}
