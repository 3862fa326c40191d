//! Issue #18 §5, on the AWS side: External Secrets reads exactly what the program syncs, every
//! bucket logs its access, and a too-long id is reported against the id the user wrote.

use girder::aws::AwsExt;
use girder::constructs::aws::AccessLogs;
use girder::constructs::aws::{
    AwsSecret, Cluster, ExistingAwsSecret, Network, NodeGroup, Postgres,
};
use girder::constructs::{Bucket, DataVolume, Queue};
use girder::prelude::*;
use serde_json::Value as Json;

use crate::WithAddOns;
use crate::{Api, Prod, Web, synth_errors};

girder::secret! {
    /// Keys of a JSON secret kept in Secrets Manager.
    pub struct PaymentKeys { stripe }
}

/// An image pinned by digest, as checkov wants.
const IMAGE: &str = "ghcr.io/acme/api:1.4.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const STRIPE: &str = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:payments/stripe-AbC123";
const STRIPE_KEY: &str =
    "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn network(app: &App) -> Network<Prod> {
    let base = app
        .environment(Prod)
        .aws("123456789012", "eu-west-1")
        .stack("base");
    Network::new(&base, "net").availability_zones(2).build()
}

fn cluster(app: &App, net: &Network<Prod>) -> Cluster<Prod> {
    let base = app
        .environment(Prod)
        .aws("123456789012", "eu-west-1")
        .stack("base");
    Cluster::new(&base, "eks")
        .network(net)
        .node_group(
            NodeGroup::new("general")
                .instance_types(["m6i.large"])
                .scaling(2..=4),
        )
        .build()
}

/// A program whose pods get a database's credentials, a queue's URL, a secret of the program
/// and a secret created elsewhere through External Secrets; the cluster is declared first or
/// last.
fn synced(cluster_first: bool) -> App {
    let app = App::new("shop");
    let net = network(&app);
    let eks = cluster_first.then(|| cluster(&app, &net));
    let prod = app.environment(Prod);
    let aws = prod.aws("123456789012", "eu-west-1");
    let data = aws.stack("data");
    let db = Postgres::rds(&data, "orders").network(&net).build();
    let jobs = Queue::new(&data, "jobs").build();
    let token = AwsSecret::new(&data, "api-token").build();
    // Syncing needs no path to AWS: a namespace of the environment's Kubernetes, before the
    // cluster is declared, is synced to as well.
    let ns = prod.kubernetes().with_add_ons().namespace(Api);
    let tokens = WebService::new(&ns, "tokens")
        .image(IMAGE)
        .port(8080)
        .build();
    girder::secret! { struct Token { password } }
    tokens.env(
        "TOKEN",
        Token::from_aws_secret(&ns, "api-token", &token).password(),
    );
    let stripe = ExistingAwsSecret::from_arn(&aws, STRIPE).kms_key(STRIPE_KEY);
    tokens.env(
        "STRIPE",
        PaymentKeys::from_aws_secret(&ns, "stripe", &stripe).stripe(),
    );
    // A connection needs the cluster's security group: it comes from a namespace on the
    // cluster.
    let eks = eks.unwrap_or_else(|| cluster(&app, &net));
    let api = WebService::new(&eks.kubernetes().with_add_ons().namespace(Web), "api")
        .image(IMAGE)
        .port(8080)
        .build();
    let pg = api.connect(&db);
    api.env("DB_PASSWORD", pg.password());
    api.env("JOBS_URL", api.connect(&jobs).send().value());
    app
}

/// The CloudFormation template of stack `stack` of `prod`, parsed.
fn template(app: &App, stack: &str) -> Json {
    let assembly = girder::synth::synthesize(app).unwrap_or_else(|d| panic!("{d}"));
    let text = &assembly.files[format!("prod/cfn/shop-prod-{stack}.template.json").as_str()];
    serde_json::from_str(&text.to_string()).expect("JSON")
}

/// `json` with the hash suffix of every logical ID taken off (`OrdersKeyc0ffee12` → `OrdersKey`).
fn ids(json: &Json) -> Json {
    match json {
        Json::String(s) => {
            let (head, tail) = s.split_at(s.len().saturating_sub(8));
            let hashed = s.starts_with(|c: char| c.is_ascii_uppercase())
                && !head.is_empty()
                && tail
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            Json::String(if hashed { head } else { s }.to_owned())
        }
        Json::Array(items) => Json::Array(items.iter().map(ids).collect()),
        Json::Object(map) => Json::Object(map.iter().map(|(k, v)| (k.clone(), ids(v))).collect()),
        other => other.clone(),
    }
}

/// The resources of type `kind` in `template`.
fn resources<'a>(template: &'a Json, kind: &str) -> Vec<(&'a String, &'a Json)> {
    template["Resources"]
        .as_object()
        .expect("resources")
        .iter()
        .filter(|(_, r)| r["Type"] == kind)
        .collect()
}

/// The statement `sid` of the External Secrets policy of `template`.
fn statement<'a>(template: &'a Json, sid: &str) -> &'a Json {
    let policies: Vec<_> = resources(template, "AWS::IAM::Policy")
        .into_iter()
        .filter(|(_, p)| p["Properties"]["PolicyName"] == "external-secrets-reads")
        .collect();
    let [(_, policy)] = policies[..] else {
        panic!("one External Secrets policy: {policies:#?}")
    };
    policy["Properties"]["PolicyDocument"]["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .find(|s| s["Sid"] == sid)
        .unwrap_or_else(|| panic!("statement {sid}: {policy:#}"))
}

#[test]
fn external_secrets_reads_only_the_secrets_and_parameters_it_syncs() {
    for cluster_first in [true, false] {
        let app = synced(cluster_first);
        let all = crate::synth_text(&app);
        for wildcard in [
            "secret:shop-prod-*",
            ":key/*",
            "parameter/girder/shop/prod/*",
        ] {
            assert!(!all.contains(wildcard), "{wildcard} in\n{all}");
        }
        let data = template(&app, "data");
        let policies = resources(&data, "AWS::IAM::Policy");
        let Some((_, policy)) = policies
            .iter()
            .find(|(_, p)| p["Properties"]["PolicyName"] == "external-secrets-reads")
        else {
            panic!("no External Secrets policy in {data:#}")
        };
        let policy = &policy["Properties"];
        // The other policy is the grant of `api`'s connection to `jobs`: sending, nothing else.
        let grants: Vec<_> = policies
            .iter()
            .filter(|(_, p)| p["Properties"]["PolicyName"] == "connections")
            .collect();
        assert_eq!(grants.len(), 1, "{policies:#?}");
        assert_eq!(
            grants[0].1["Properties"]["PolicyDocument"]["Statement"][0]["Action"],
            serde_json::json!(["sqs:SendMessage", "sqs:GetQueueAttributes"])
        );
        // Attached to External Secrets' role, imported from the cluster's stack.
        assert!(
            policy["Roles"][0]["Fn::ImportValue"].is_string(),
            "{policy:#}"
        );
        // The secrets by `Ref` (their ARNs end in a random suffix)...
        let read = statement(&data, "ReadSecrets");
        assert_eq!(
            ids(&read["Resource"]),
            serde_json::json!([{"Ref": "ApiTokenSecret"}, {"Ref": "OrdersSecret"}]),
            "{read:#}"
        );
        // ...their keys, only through Secrets Manager and only for those secrets...
        let decrypt = statement(&data, "DecryptTheSecrets");
        assert_eq!(
            ids(&decrypt["Resource"]),
            serde_json::json!([
                {"Fn::GetAtt": ["SecretsKeyKey", "Arn"]},
                {"Fn::GetAtt": ["OrdersKey", "Arn"]}
            ]),
            "{decrypt:#}"
        );
        let condition = &decrypt["Condition"]["StringEquals"];
        assert_eq!(
            condition["kms:ViaService"],
            "secretsmanager.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            condition["kms:EncryptionContext:SecretARN"],
            read["Resource"]
        );
        // ...and the parameters by their exact names.
        let parameters = statement(&data, "ReadParameters");
        assert_eq!(
            parameters["Resource"],
            serde_json::json!([
                {"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/girder/shop/prod/shop-prod-data/orders/host"},
                {"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/girder/shop/prod/shop-prod-data/jobs/url"}
            ]),
            "{parameters:#}"
        );
        // The secret created elsewhere: its full ARN and its key, in the cluster's stack.
        let base = template(&app, "base");
        assert_eq!(
            statement(&base, "ReadSecrets")["Resource"],
            serde_json::json!([STRIPE])
        );
        assert_eq!(
            statement(&base, "DecryptTheSecrets")["Resource"],
            serde_json::json!([STRIPE_KEY])
        );
        let role = resources(&base, "AWS::IAM::Role")
            .into_iter()
            .find(|(id, _)| id.contains("ExternalSecrets"))
            .expect("External Secrets' role")
            .1;
        assert!(role["Properties"]["Policies"].is_null(), "{role:#}");
        crate::validate(&app, "external-secrets-reads");
    }
}

#[test]
fn a_cluster_that_syncs_nothing_grants_nothing_to_external_secrets() {
    let app = App::new("shop");
    cluster(&app, &network(&app));
    let base = template(&app, "base");
    assert!(resources(&base, "AWS::IAM::Policy").is_empty());
    let text = base.to_string();
    assert!(!text.contains("secretsmanager:GetSecretValue"), "{text}");
    assert!(!text.contains("ssm:GetParameter"), "{text}");
    assert!(!text.contains("kms:ViaService"), "{text}");
}

#[test]
fn a_secret_created_elsewhere_is_named_by_its_full_arn() {
    let app = App::new("shop");
    cluster(&app, &network(&app));
    let aws = app.environment(Prod).aws("123456789012", "eu-west-1");
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    let api = WebService::new(&ns, "api").image(IMAGE).port(8080).build();
    let partial = ExistingAwsSecret::from_arn(
        &aws,
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:payments/*",
    );
    api.env(
        "STRIPE",
        PaymentKeys::from_aws_secret(&ns, "stripe", &partial).stripe(),
    );
    let errors = synth_errors(&app);
    assert!(errors.contains("it has a wildcard"), "{errors}");
    assert!(
        errors.contains("-->") && errors.contains("prod/aws"),
        "{errors}"
    );
    assert!(errors.contains("describe-secret"), "{errors}");
}

/// Two buckets of one stack, one of another, with the access logs of `data` kept `days` days.
fn buckets(days: Option<u32>) -> App {
    let app = App::new("shop");
    let aws = app.environment(Prod).aws("123456789012", "eu-west-1");
    let data = aws.stack("data");
    Bucket::new(&data, "uploads").build();
    Bucket::new(&data, "exports").build();
    Bucket::new(&aws.stack("media"), "images").build();
    if let Some(days) = days {
        AccessLogs::of(&data).expire_after_days(days);
    }
    app
}

#[test]
fn every_bucket_logs_its_access_to_a_private_log_bucket_of_its_stack() {
    let app = buckets(None);
    for (stack, sources) in [
        ("data", &["uploads", "exports"][..]),
        ("media", &["images"]),
    ] {
        let template = template(&app, stack);
        let all = resources(&template, "AWS::S3::Bucket");
        let (log_id, log) = all
            .iter()
            .find(|(id, _)| id.starts_with("AccessLogs"))
            .expect("the stack's log bucket");
        let log_ref = serde_json::json!({ "Ref": log_id });
        // Every bucket of the stack logs there, under its id, with no suppression left.
        for source in sources {
            let (_, bucket) = all
                .iter()
                .find(|(id, _)| id.to_ascii_lowercase().starts_with(source))
                .expect("bucket");
            let logging = &bucket["Properties"]["LoggingConfiguration"];
            assert_eq!(logging["DestinationBucketName"], log_ref, "{bucket:#}");
            assert_eq!(logging["LogFilePrefix"], format!("{source}/"));
            assert!(bucket["Metadata"].is_null(), "no checkov skip: {bucket:#}");
        }
        // The log bucket: SSE-S3, private, versioned, retained, logs expire after 90 days.
        let properties = &log["Properties"];
        assert_eq!(
            properties["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
                ["SSEAlgorithm"],
            "AES256"
        );
        let block = &properties["PublicAccessBlockConfiguration"];
        for flag in [
            "BlockPublicAcls",
            "BlockPublicPolicy",
            "IgnorePublicAcls",
            "RestrictPublicBuckets",
        ] {
            assert_eq!(block[flag], true, "{flag}");
        }
        assert_eq!(
            properties["OwnershipControls"]["Rules"][0]["ObjectOwnership"],
            "BucketOwnerEnforced"
        );
        assert_eq!(properties["VersioningConfiguration"]["Status"], "Enabled");
        assert_eq!(log["DeletionPolicy"], "Retain");
        assert_eq!(log["UpdateReplacePolicy"], "Retain");
        assert_eq!(
            properties["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"],
            90
        );
        assert!(properties["LoggingConfiguration"].is_null());
        let skip = &log["Metadata"]["checkov"]["skip"][0];
        assert_eq!(skip["id"], "CKV_AWS_18");
        assert!(
            skip["comment"]
                .as_str()
                .is_some_and(|c| c.contains("without end"))
        );
        // Only S3's logging service writes, only under the prefixes, only for these buckets.
        let policies = resources(&template, "AWS::S3::BucketPolicy");
        let (_, policy) = policies
            .iter()
            .find(|(_, p)| p["Properties"]["Bucket"] == log_ref)
            .expect("the log bucket's policy");
        let statements = policy["Properties"]["PolicyDocument"]["Statement"]
            .as_array()
            .expect("statements");
        let allows: Vec<&Json> = statements
            .iter()
            .filter(|s| s["Effect"] == "Allow")
            .collect();
        let [write] = allows[..] else {
            panic!("one Allow: {policy:#}")
        };
        assert_eq!(
            write["Principal"],
            serde_json::json!({"Service": "logging.s3.amazonaws.com"})
        );
        assert_eq!(write["Action"], serde_json::json!(["s3:PutObject"]));
        assert_eq!(
            write["Resource"].as_array().map(Vec::len),
            Some(sources.len())
        );
        let condition = &write["Condition"];
        assert_eq!(
            condition["StringEquals"]["aws:SourceAccount"],
            "123456789012"
        );
        assert_eq!(
            condition["ArnLike"]["aws:SourceArn"]
                .as_array()
                .map(Vec::len),
            Some(sources.len()),
            "{condition:#}"
        );
        assert!(
            statements
                .iter()
                .any(|s| s["Sid"] == "DenyInsecureTransport" && s["Effect"] == "Deny")
        );
    }
    crate::validate(&app, "access-logs");
}

#[test]
fn access_logs_are_kept_as_long_as_asked() {
    let app = buckets(Some(365));
    let data = template(&app, "data");
    let (_, log) = resources(&data, "AWS::S3::Bucket")
        .into_iter()
        .find(|(id, _)| id.starts_with("AccessLogs"))
        .expect("log bucket");
    assert_eq!(
        log["Properties"]["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"],
        365
    );
    let errors = synth_errors(&buckets(Some(0)));
    assert!(
        errors.contains("access logs expire after 0 days"),
        "{errors}"
    );
    assert!(errors.contains("prod/aws/data/access-logs"), "{errors}");
}

/// A CronJob and a StatefulService with ids of `len` characters.
fn long_ids(len: usize) -> App {
    let app = App::new("shop");
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    let id = |first: char| format!("{first}{}", "x".repeat(len - 1));
    CronJob::new(&ns, id('c'))
        .image(IMAGE)
        .schedule("0 6 * * *")
        .build();
    StatefulService::new(&ns, id('s'))
        .image(IMAGE)
        .port(6379)
        .volume(DataVolume::new("data", "/data", Memory::gib(1)))
        .build();
    app
}

#[test]
fn an_id_too_long_for_what_kubernetes_appends_is_reported_against_that_id() {
    // 52 characters leave room for the 11 Kubernetes appends: valid.
    crate::synth_text(&long_ids(52));
    // 60 characters are a valid id, and too long once Kubernetes appends its suffix.
    let errors = synth_errors(&long_ids(60));
    let cron = format!("c{}", "x".repeat(59));
    let stateful = format!("s{}", "x".repeat(59));
    for (id, kind, suffix) in [
        (&cron, "CronJob", "-<10-digit schedule time>"),
        (&stateful, "StatefulSet", "-<10-character revision hash>"),
    ] {
        assert!(
            errors.contains(&format!("error: id `{id}` is too long for a {kind}:")),
            "{errors}"
        );
        assert!(errors.contains(&format!("appends `{suffix}`")), "{errors}");
        assert!(errors.contains(&format!("--> prod/web/{id}\n")), "{errors}");
        assert!(
            errors.contains(&format!("a {kind} name has at most 52 characters")),
            "{errors}"
        );
    }
}
