//! `AwsSecret` (Secrets Manager) and `Role` (IAM): templates, grants, trust policies, and the
//! validators.

use girder::aws::AwsExt;
use girder::aws::policy::{PolicyDocument, Principal, Statement};
use girder::constructs::aws::{AwsSecret, Cluster, Generate, Network, NodeGroup, Role, Trust};
use girder::prelude::*;

use crate::{Prod, synth_errors};

const DATA: &str = "prod/cfn/shop-prod-data.template.json";

fn template(app: &App, path: &str) -> serde_json::Value {
    let assembly = girder::synth::synthesize(app).unwrap_or_else(|d| panic!("synth failed:\n{d}"));
    serde_json::from_str(&assembly.files[path].to_string()).expect("JSON")
}

/// The resources of `template` of type `ty`, with their logical IDs.
fn of_type<'a>(
    template: &'a serde_json::Value,
    ty: &str,
) -> Vec<(&'a String, &'a serde_json::Value)> {
    template["Resources"]
        .as_object()
        .expect("resources")
        .iter()
        .filter(|(_, r)| r["Type"] == ty)
        .collect()
}

/// A worker that reads a bucket and two secrets, consumes one queue and sends to another.
fn shop() -> App {
    let app = App::new("shop");
    let data = app
        .environment(Prod)
        .aws("123456789012", "eu-west-1")
        .stack("data");
    let uploads = Bucket::new(&data, "uploads").build();
    let jobs = Queue::new(&data, "jobs").build();
    let results = Queue::new(&data, "results").build();
    let token = AwsSecret::new(&data, "api-token")
        .generate(Generate::token(40))
        .build();
    let db = AwsSecret::new(&data, "orders-db")
        .generate(
            Generate::password(32)
                .json_key("password")
                .field("username", "orders"),
        )
        .description("orders database credentials")
        .build();
    assert_eq!(token.name(), "shop-prod-data/api-token");
    assert_eq!(db.name(), "shop-prod-data/orders-db");
    let worker = Role::new(&data, "worker")
        .assumed_by(Principal::Service("lambda.amazonaws.com".into()))
        .build();
    worker
        .grant_read(&uploads)
        .grant_read_secret(&token)
        .grant_read_secret(&db)
        .grant_consume(&jobs)
        .grant_send(&results)
        // A second grant of the same thing adds nothing.
        .grant_read(&uploads);
    assert_eq!(
        worker.arn_literal(),
        "arn:aws:iam::123456789012:role/shop-prod-data-worker"
    );
    app
}

#[test]
fn secret_and_role_snapshot_and_validators() {
    let app = shop();
    let t = template(&app, DATA);

    let keys = of_type(&t, "AWS::KMS::Key");
    assert_eq!(keys.len(), 1, "the stack's secrets share one key");
    let (key_id, key) = keys[0];
    assert_eq!(key["Properties"]["EnableKeyRotation"], true);
    assert_eq!(key["DeletionPolicy"], "Retain");
    let aliases = of_type(&t, "AWS::KMS::Alias");
    assert_eq!(
        aliases[0].1["Properties"]["AliasName"],
        "alias/shop-prod-data/secrets"
    );

    let secrets = of_type(&t, "AWS::SecretsManager::Secret");
    assert_eq!(secrets.len(), 2);
    for (_, secret) in &secrets {
        let props = &secret["Properties"];
        assert_eq!(secret["DeletionPolicy"], "Retain");
        assert_eq!(secret["UpdateReplacePolicy"], "Retain");
        assert_eq!(props["KmsKeyId"]["Fn::GetAtt"][0], key_id.as_str());
        assert!(props.get("SecretString").is_none(), "{props}");
        assert!(props["GenerateSecretString"].is_object(), "{props}");
    }
    let names: Vec<_> = secrets
        .iter()
        .map(|(_, s)| s["Properties"]["Name"].as_str().expect("name"))
        .collect();
    assert!(names.contains(&"shop-prod-data/api-token"), "{names:?}");
    let db = secrets
        .iter()
        .find(|(_, s)| s["Properties"]["Name"] == "shop-prod-data/orders-db")
        .expect("orders-db")
        .1;
    let generate = &db["Properties"]["GenerateSecretString"];
    assert_eq!(generate["GenerateStringKey"], "password");
    assert_eq!(generate["SecretStringTemplate"], r#"{"username":"orders"}"#);
    assert_eq!(generate["PasswordLength"], 32);

    let roles = of_type(&t, "AWS::IAM::Role");
    assert_eq!(roles.len(), 1);
    let role = &roles[0].1["Properties"];
    assert_eq!(role["RoleName"], "shop-prod-data-worker");
    assert_eq!(role["MaxSessionDuration"], 3600);
    let trust = &role["AssumeRolePolicyDocument"]["Statement"][0];
    assert_eq!(trust["Principal"]["Service"], "lambda.amazonaws.com");
    let statements = role["Policies"][0]["PolicyDocument"]["Statement"]
        .as_array()
        .expect("statements");
    // Bucket (2), two secrets (2 each), consume, send: the repeated bucket grant is not added.
    assert_eq!(statements.len(), 8, "{statements:#?}");
    let decrypt: Vec<_> = statements
        .iter()
        .filter(|s| s["Action"][0] == "kms:Decrypt")
        .collect();
    assert_eq!(decrypt.len(), 2);
    let equals = &decrypt[0]["Condition"]["StringEquals"];
    assert_eq!(
        equals["kms:ViaService"],
        "secretsmanager.eu-west-1.amazonaws.com"
    );
    assert!(equals["kms:EncryptionContext:SecretARN"]["Ref"].is_string());
    for statement in statements {
        let resources = statement["Resource"].as_array().expect("resources");
        assert!(
            resources.iter().all(|r| r != "*"),
            "every grant names its resource: {statement}"
        );
    }

    insta::assert_snapshot!(serde_json::to_string_pretty(&t).expect("JSON"));
    crate::validate(&app, "security");
}

/// The value of a secret is generated by Secrets Manager: nothing in the output can hold it.
#[test]
fn no_secret_value_is_written() {
    let app = shop();
    let assembly = girder::synth::synthesize(&app).unwrap_or_else(|d| panic!("{d}"));
    for (path, text) in &assembly.files {
        let text = text.to_string();
        assert!(!text.contains("\"SecretString\""), "{path}");
        assert!(!text.contains("resolve:secretsmanager"), "{path}");
    }
}

#[test]
fn a_secret_with_its_own_key_creates_none() {
    let app = App::new("shop");
    let aws = app.environment(Prod).aws("123456789012", "eu-west-1");
    let data = aws.stack("data");
    let other = AwsSecret::new(&aws.stack("keys"), "seed").build();
    AwsSecret::new(&data, "api-token")
        .kms_key(other.key_arn())
        .build();
    let t = template(&app, DATA);
    assert!(of_type(&t, "AWS::KMS::Key").is_empty());
    let secret = of_type(&t, "AWS::SecretsManager::Secret")[0].1;
    assert!(
        secret["Properties"]["KmsKeyId"]["Fn::ImportValue"].is_string(),
        "{secret}"
    );
}

/// IRSA: the role trusts one service account of the cluster (in another stack, through
/// exports), and its literal ARN is what the service account's annotation takes.
#[test]
fn a_role_can_trust_a_service_account_of_a_cluster() {
    let app = App::new("shop");
    let aws = app.environment(Prod).aws("123456789012", "eu-west-1");
    let base = aws.stack("base");
    let net = Network::new(&base, "net").build();
    let eks = Cluster::new(&base, "eks")
        .network(&net)
        .node_group(NodeGroup::new("general").instance_types(["m6i.large"]))
        .build();
    let data = aws.stack("data");
    let uploads = Bucket::new(&data, "uploads").build();
    let reader = Role::new(&data, "reader")
        .assumed_by(Trust::service_account(&eks, "shop", "api"))
        .build();
    reader.grant_read(&uploads);

    let t = template(&app, DATA);
    let role = &of_type(&t, "AWS::IAM::Role")[0].1["Properties"];
    let sub = &role["AssumeRolePolicyDocument"]["Fn::Sub"];
    let document = sub[0].as_str().expect("an Fn::Sub template");
    assert!(
        document.contains("system:serviceaccount:shop:api"),
        "{document}"
    );
    assert!(document.contains("sts:AssumeRoleWithWebIdentity"));
    assert!(sub[1]["Provider"]["Fn::ImportValue"].is_string(), "{sub}");
    assert!(
        role["Description"]
            .as_str()
            .is_some_and(|d| d.contains("shop/api")),
        "{role}"
    );
    assert_eq!(
        reader.arn_literal(),
        "arn:aws:iam::123456789012:role/shop-prod-data-reader"
    );
    crate::validate(&app, "irsa-role");
}

#[test]
fn a_grant_on_a_bucket_of_another_stack_imports_its_arn_and_leaves_the_role_as_it_was() {
    let app = App::new("shop");
    let aws = app.environment(Prod).aws("123456789012", "eu-west-1");
    let uploads = Bucket::new(&aws.stack("files"), "uploads").build();
    let data = aws.stack("data");
    let local = Bucket::new(&data, "local").build();
    let reader = Role::new(&data, "reader")
        .assumed_by(Trust::eks_pod_identity())
        .build();
    reader.grant_read(&uploads).grant_read(&local);

    let first = girder::synth::synthesize(&app).unwrap_or_else(|d| panic!("{d}"));
    let t: serde_json::Value = serde_json::from_str(&first.files[DATA].to_string()).expect("JSON");
    let role = &of_type(&t, "AWS::IAM::Role")[0].1["Properties"];
    let statements = role["Policies"][0]["PolicyDocument"]["Statement"]
        .as_array()
        .expect("statements");
    let resources: Vec<&serde_json::Value> = statements
        .iter()
        .flat_map(|s| s["Resource"].as_array().expect("resources"))
        .collect();
    // The other stack's bucket, imported (its objects and itself); this stack's, by GetAtt.
    let imports = resources
        .iter()
        .filter(|r| r.to_string().contains("Fn::ImportValue"))
        .count();
    let local_arns = resources
        .iter()
        .filter(|r| r.to_string().contains("Fn::GetAtt"))
        .count();
    assert_eq!((imports, local_arns), (2, 2), "{resources:?}");
    // The role's own policy is not rewritten: a second synthesis writes the same files.
    let second = girder::synth::synthesize(&app).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(first.files.len(), second.files.len());
    for (path, text) in &first.files {
        assert_eq!(text.to_string(), second.files[path].to_string(), "{path}");
    }
}

#[test]
fn long_role_names_are_cut_with_a_hash() {
    let app = App::new("shop");
    let data = app
        .environment(Prod)
        .aws("123456789012", "eu-west-1")
        .stack("a-rather-long-stack-name-for-the-data-of-the-team");
    let role = Role::new(&data, "the-worker-that-reads-everything")
        .assumed_by(Trust::eks_pod_identity())
        .build();
    role.attach_managed_policy("AmazonS3ReadOnlyAccess");
    assert!(role.name().len() <= 64, "{}", role.name());
    assert!(role.name().starts_with("shop-prod-a-rather-long"));
    assert_ne!(
        role.name(),
        Role::new(&data, "the-worker-that-reads-everything-2")
            .assumed_by(Trust::eks_pod_identity())
            .build()
            .name()
    );
    let assembly = girder::synth::synthesize(&app).unwrap_or_else(|d| panic!("{d}"));
    assert!(
        assembly
            .warnings
            .iter()
            .any(|w| w.message.contains("is granted nothing")),
        "the second role has no grant: {}",
        assembly.warnings
    );
}

#[test]
fn every_secret_and_role_error_is_reported_at_once() {
    let app = App::new("shop");
    let data = app
        .environment(Prod)
        .aws("123456789012", "eu-west-1")
        .stack("data");
    AwsSecret::new(&data, "empty")
        .generate(Generate::password(0))
        .build();
    AwsSecret::new(&data, "fields")
        .generate(Generate::token(16).field("username", "app"))
        .build();
    AwsSecret::new(&data, "twice")
        .generate(Generate::token(16).json_key("user").field("user", "app"))
        .build();
    Role::new(&data, "anyone")
        .assumed_by(Principal::Any)
        .max_session_hours(13)
        .build()
        .grant(Statement::allow(["s3:GetObject"]).resource("arn:aws:s3:::x/*"));
    Role::new(&data, "named")
        .assumed_by(PolicyDocument::new([Statement::allow(["sts:AssumeRole"])
            .principal(Principal::Service("ec2.amazonaws.com".into()))]))
        .name("team/worker")
        .build()
        .attach_managed_policy("ReadOnlyAccess");
    // Each consume grant is a statement of about 260 characters once its ARN is resolved.
    let busy = Role::new(&data, "busy")
        .assumed_by(Trust::eks_pod_identity())
        .build();
    for i in 0..40 {
        busy.grant_consume(&Queue::new(&data, format!("q{i}")).build());
    }
    // The stack's key for secrets needs the id `secrets-key`.
    let other = app
        .environment(Prod)
        .aws("123456789012", "eu-west-1")
        .stack("other");
    Bucket::new(&other, "secrets-key").build();
    AwsSecret::new(&other, "token").build();
    let errors = synth_errors(&app);
    for message in [
        "id `secrets-key` is taken",
        "the role's grants take up to 10",
        "a generated value of 0 characters",
        "fixed fields without a key for the generated value",
        "key `user` is both generated and a fixed field",
        "the role trusts any principal",
        "sessions of 13 hours",
        "role name `team/worker`",
    ] {
        assert!(
            errors.contains(message),
            "missing `{message}` in:\n{errors}"
        );
    }
}

/// The AWS benchmark's app: 50 services to a stack keep each template under CloudFormation's
/// 500 resources, and its output passes the validators.
#[test]
fn scale_aws_stacks_stay_under_the_resource_limit() {
    let app = girder_examples::scale_aws(120);
    let assembly = girder::synth::synthesize(&app).unwrap_or_else(|d| panic!("{d}"));
    let counts: Vec<usize> = assembly
        .files
        .iter()
        .filter(|(path, _)| path.ends_with(".template.json"))
        .map(|(_, text)| {
            let t: serde_json::Value = serde_json::from_str(&text.to_string()).expect("JSON");
            t["Resources"].as_object().expect("resources").len()
        })
        .collect();
    // 7 resources a service, the stack's key for secrets with its alias, and its access-log
    // bucket with its policy.
    assert_eq!(counts, [50 * 7 + 4, 50 * 7 + 4, 20 * 7 + 4]);
    assert_eq!(assembly.objects, 120 * 7 + 3 * 4);
    crate::validate(&girder_examples::scale_aws(60), "scale-aws");
}
