//! The CloudFormation target through synthesis: templates, limits, logical IDs, exports.

use girder::aws::AwsExt;
use girder::prelude::*;
use girder::testing::Synthesized;
use serde_json::json;

use crate::{Prod, Staging, synth_errors};

fn template(app: &App, path: &str) -> serde_json::Value {
    let assembly = girder::synth::synthesize(app).unwrap_or_else(|d| panic!("synth failed:\n{d}"));
    let text = assembly
        .files
        .get(path)
        .unwrap_or_else(|| {
            panic!(
                "no {path} in {:?}",
                assembly.files.keys().collect::<Vec<_>>()
            )
        })
        .to_string();
    serde_json::from_str(&text).expect("JSON")
}

#[test]
fn bucket_and_queue_snapshot() {
    let app = App::new("shop");
    let data = app
        .environment(Prod)
        .aws("123456789012", "eu-west-1")
        .stack("data");
    Bucket::new(&data, "uploads")
        .expire_objects_after_days(365)
        .build();
    Queue::new(&data, "jobs")
        .visibility_timeout_seconds(120)
        .build();
    let out = Synthesized::of(&app);
    let assembly = out.assembly();
    let text = assembly.files["prod/cfn/shop-prod-data.template.json"].to_string();
    insta::assert_snapshot!(text);
    // The uploads bucket and the stack's access-log bucket, each with its policy.
    assert_eq!(out.count_resources("AWS::S3::Bucket"), 2);
    assert_eq!(out.count_resources("AWS::S3::BucketPolicy"), 2);
    out.resource("AWS::S3::Bucket", "UploadsBucketb8a681f0")
        .has_properties(json!({
            "LifecycleConfiguration": { "Rules": [{ "ExpirationInDays": 365, "Status": "Enabled" }] },
            "PublicAccessBlockConfiguration": { "BlockPublicAcls": true, "RestrictPublicBuckets": true },
        }));
    out.resource_at("AWS::S3::Bucket", "prod/aws/data/uploads")
        .has_properties(json!({ "VersioningConfiguration": { "Status": "Enabled" } }));
    out.resource("AWS::SQS::Queue", "JobsQueue0d0a2111")
        .has_properties(json!({ "VisibilityTimeout": 120 }));
    let manifest = assembly.files[girder::synth::MANIFEST].to_string();
    assert!(
        manifest.contains("\"stack\": \"shop-prod-data\""),
        "{manifest}"
    );
    crate::validate(&app, "bucket-and-queue");
}

#[test]
fn logical_ids_do_not_move_when_constructs_are_added_around() {
    let ids = |extra: bool| {
        let app = App::new("shop");
        let data = app
            .environment(Prod)
            .aws("123456789012", "eu-west-1")
            .stack("data");
        if extra {
            Queue::new(&data, "before").build();
        }
        Bucket::new(&data, "uploads").build();
        if extra {
            Bucket::new(&data, "after").build();
        }
        let t = template(&app, "prod/cfn/shop-prod-data.template.json");
        let mut ids: Vec<String> = t["Resources"]
            .as_object()
            .expect("resources")
            .keys()
            .filter(|k| k.starts_with("Uploads"))
            .cloned()
            .collect();
        ids.sort();
        ids
    };
    let alone = ids(false);
    assert_eq!(alone.len(), 2, "{alone:?}");
    assert_eq!(alone, ids(true));
}

#[test]
fn a_stack_over_the_resource_limit_is_reported_with_its_name() {
    let app = App::new("shop");
    let data = app
        .environment(Prod)
        .aws("123456789012", "eu-west-1")
        .stack("data");
    // Two resources per bucket (the bucket and its policy), and the stack's access-log bucket
    // and its policy: 251 buckets make 504.
    for i in 0..251 {
        Bucket::new(&data, format!("b{i}")).build();
    }
    let errors = synth_errors(&app);
    assert!(errors.contains("shop-prod-data"), "{errors}");
    assert!(errors.contains("504 resources"), "{errors}");
    assert!(errors.contains("hint: "), "{errors}");
}

#[test]
fn invalid_accounts_and_bucket_settings_are_all_reported() {
    let app = App::new("shop");
    let data = app
        .environment(Prod)
        .aws("12345", "eu-west-1")
        .stack("data");
    Bucket::new(&data, "uploads")
        .noncurrent_versions_days(0)
        .build();
    Queue::new(&data, "jobs")
        .retention_days(30)
        .max_receives(0)
        .build();
    let errors = synth_errors(&app);
    for message in [
        "12345",
        "noncurrent versions expire after 0 days",
        "retention of 30 days",
        "max receives 0",
    ] {
        assert!(
            errors.contains(message),
            "missing `{message}` in:\n{errors}"
        );
    }
}

#[test]
fn environments_keep_their_own_accounts() {
    let app = App::new("shop");
    let prod = app
        .environment(Prod)
        .aws("123456789012", "eu-west-1")
        .stack("data");
    let staging = app
        .environment(Staging)
        .aws("210987654321", "us-east-1")
        .stack("data");
    Bucket::new(&prod, "uploads").build();
    Bucket::new(&staging, "uploads").build();
    let assembly = girder::synth::synthesize(&app).unwrap_or_else(|d| panic!("{d}"));
    assert!(
        assembly
            .files
            .contains_key("prod/cfn/shop-prod-data.template.json")
    );
    assert!(
        assembly
            .files
            .contains_key("staging/cfn/shop-staging-data.template.json")
    );
    let manifest = assembly.files[girder::synth::MANIFEST].to_string();
    assert!(
        manifest.contains("\"account\": \"210987654321\""),
        "{manifest}"
    );
}

/// A reference between stacks becomes an export; the ledger in manifest.json keeps the export
/// one more synth after the reference is removed.
#[test]
fn removed_references_keep_their_export_one_more_synth() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("dist");
    let program = |linked: bool| {
        let app = App::new("shop");
        let aws = app.environment(Prod).aws("123456789012", "eu-west-1");
        let keys = Bucket::new(&aws.stack("keys"), "archive").build();
        let data = aws.stack("data");
        let uploads = Bucket::new(&data, "uploads");
        if linked {
            uploads.kms_key(keys.arn()).build();
        } else {
            uploads.build();
        }
        app
    };
    let synth = |app: &App| {
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        let args = ["shop", "synth", "--out", out.to_str().expect("utf-8")];
        let code = girder::synth::run_with(app, args, &mut stdout, &mut stderr);
        assert_eq!(
            code,
            std::process::ExitCode::SUCCESS,
            "{}",
            String::from_utf8_lossy(&stderr)
        );
        let keys = std::fs::read_to_string(out.join("prod/cfn/shop-prod-keys.template.json"))
            .expect("keys template");
        keys.contains("\"Export\"")
    };
    assert!(synth(&program(true)), "the producer exports the ARN");
    assert!(
        synth(&program(false)),
        "kept one more synth after the reference went"
    );
    assert!(!synth(&program(false)), "dropped the synth after that");
}

#[test]
fn network_snapshot_and_validators() {
    let app = App::new("shop");
    let base = app
        .environment(Prod)
        .aws("123456789012", "eu-west-1")
        .stack("base");
    girder::constructs::aws::Network::new(&base, "net")
        .availability_zones(3)
        .build();
    let t = template(&app, "prod/cfn/shop-prod-base.template.json");
    let resources = t["Resources"].as_object().expect("resources");
    let count = |ty: &str| resources.values().filter(|r| r["Type"] == ty).count();
    assert_eq!(count("AWS::EC2::Subnet"), 6);
    assert_eq!(count("AWS::EC2::NatGateway"), 3);
    insta::assert_snapshot!(serde_json::to_string_pretty(&t).expect("JSON"));
    crate::validate(&app, "network");
}

/// A large program's stacks are prepared on two threads as they render: each template is the
/// one its stack gives alone.
#[test]
fn stacks_prepared_while_rendering_match_the_stacks_alone() {
    let build = |only: Option<usize>| {
        let app = App::new("shop");
        let aws = app.environment(Prod).aws("123456789012", "eu-west-1");
        for s in (0..12).filter(|s| only.is_none_or(|o| o == *s)) {
            let stack = aws.stack(&format!("s{s}"));
            for i in 0..40 {
                Queue::new(&stack, format!("q{i}")).build();
            }
        }
        girder::synth::synthesize(&app).unwrap_or_else(|d| panic!("{d}"))
    };
    let all = build(None);
    for s in 0..12 {
        let path = format!("prod/cfn/shop-prod-s{s}.template.json");
        let alone = build(Some(s));
        assert_eq!(
            all.files[&path].to_string(),
            alone.files[&path].to_string(),
            "{path}"
        );
    }
}

/// The app `shop` with its `prod` stack `data`.
fn shop_data() -> (App, girder::aws::AwsStack<Prod>) {
    let app = App::new("shop");
    let data = app
        .environment(Prod)
        .aws("123456789012", "eu-west-1")
        .stack("data");
    (app, data)
}

#[test]
fn an_aspect_of_cloudformation_resources_visits_each_one_and_can_fail_synth() {
    let (app, data) = shop_data();
    Bucket::new(&data, "uploads").build();
    Queue::new(&data, "jobs").build();
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let log = seen.clone();
    app.aspect(
        move |resource: &mut girder::aws::CfnResource, visit: &mut Visit<'_>| {
            let type_name = resource.entry.type_name();
            log.borrow_mut().push(type_name);
            if type_name == "AWS::SQS::Queue" {
                visit.error("every queue needs an owner", "tag it with `owner`");
            }
        },
    );
    let errors = synth_errors(&app);
    // The queue and its dead-letter queue, each named.
    let found: Vec<&str> = errors
        .split("error: every queue needs an owner\n  --> ")
        .skip(1)
        .collect();
    assert_eq!(found.len(), 2, "{errors}");
    for at in found {
        assert!(
            at.starts_with("prod/aws/data/jobs (AWS::SQS::Queue shop-prod-data/Jobs"),
            "{errors}"
        );
    }
    let seen = seen.borrow();
    assert!(seen.contains(&"AWS::S3::Bucket"), "{seen:?}");
    assert_eq!(seen.iter().filter(|t| **t == "AWS::SQS::Queue").count(), 2);
}

#[test]
fn the_assembly_carries_the_index_that_manifest_json_holds() {
    let (app, data) = shop_data();
    Bucket::new(&data, "uploads").build();
    let assembly = girder::synth::synthesize(&app).unwrap_or_else(|d| panic!("{d}"));
    let written = assembly.files[girder::synth::MANIFEST].to_string();
    let read = girder::synth::output::Manifest::parse(&written).expect("Girder's manifest");
    assert_eq!(read, assembly.manifest);
    assert_eq!(assembly.manifest.environments(), ["prod"]);
    let step = assembly.manifest.stacks_of("prod").next().expect("a stack");
    assert_eq!(step.stack, "shop-prod-data");
    let file = &assembly.manifest.files[0];
    assert!(file.objects.iter().any(|o| matches!(
        o.id(),
        girder::synth::output::ObjectId::CloudFormation {
            type_name: "AWS::S3::Bucket",
            ..
        }
    )));
}

/// `resource_at` names the construct of every resource of the type when none matches.
#[test]
#[should_panic(expected = "UploadsBucketb8a681f0 of `prod/aws/data/uploads`")]
fn a_resource_of_another_construct_is_not_found() {
    let app = App::new("shop");
    let data = app
        .environment(Prod)
        .aws("123456789012", "eu-west-1")
        .stack("data");
    Bucket::new(&data, "uploads").build();
    Synthesized::of(&app).resource_at("AWS::S3::Bucket", "prod/aws/data/downloads");
}
