//! checkov's CloudFormation checks at synth (`girder::aws::checks`): each fires on a final
//! resource of a real construct broken through an escape hatch (an aspect of `CfnResource` that
//! edits the typed properties) with its id, the construct's path and a hint; Girder's defaults
//! are silent; `accept` silences a finding and writes checkov's own suppression into the
//! template's `Metadata`; a suppression without a reason or an effect is an error.

use girder::aws::checks::Check;
use girder::aws::{AwsExt, AwsStack, CfnResource, Json, Resource, Value};
use girder::aws::{
    backup, ec2, ecr, eks, elasticache, iam, kms, logs, rds, s3, secretsmanager, sqs,
};
use girder::constructs::aws::{Network, NodeGroup, PostgresVersion, Trust};
use girder::prelude::*;
use serde_json::json;

use crate::WithAddOns;
use crate::{Prod, Web, synth_errors};

/// The constructs a program writes, every default kept.
struct System {
    bucket: Bucket<Prod>,
    db: Postgres<Prod>,
}

fn system(app: &App, multi_az: bool) -> System {
    let aws = app.environment(Prod).aws("123456789012", "eu-west-1");
    let base = aws.stack("base");
    let net = Network::new(&base, "net").availability_zones(2).build();
    let eks = Cluster::new(&base, "eks")
        .network(&net)
        .node_group(
            NodeGroup::new("general")
                .instance_types(["t3.large"])
                .scaling(1..=3)
                .desired(2),
        )
        .build();
    let data: AwsStack<Prod> = aws.stack("data");
    let bucket = Bucket::new(&data, "uploads").build();
    let db = Postgres::rds(&data, "db")
        .network(&net)
        .engine(PostgresVersion::V15)
        .multi_az(multi_az)
        .build();
    RedisCluster::new(&data, "cache").network(&net).build();
    let jobs = Queue::new(&data, "jobs").build();
    let token = AwsSecret::new(&data, "token").build();
    Repository::new(&data, "api").build();
    Role::new(&data, "worker")
        .assumed_by(Trust::eks_pod_identity())
        .build()
        .grant_read(&bucket)
        .grant_read_secret(&token)
        .grant_consume(&jobs);
    // A workload's grants through its connections: an `AWS::IAM::Policy` of the cluster.
    let web = WebService::new(&eks.kubernetes().with_add_ons().namespace(Web), "web")
        .image(IMAGE)
        .port(8080)
        .build();
    web.env("UPLOADS", web.connect(&bucket).read().value());
    System { bucket, db }
}

const IMAGE: &str = "ghcr.io/acme/web:1.4.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// Edits the properties of every resource of type `R` (the escape hatch of AWS constructs).
fn edit<R: Resource>(app: &App, f: fn(&mut R)) {
    app.aspect(move |resource: &mut CfnResource, _: &mut Visit<'_>| {
        if let Some(properties) = resource.entry.properties_mut::<R>() {
            f(properties);
        }
    });
}

fn policy(document: serde_json::Value) -> Json {
    document.into()
}

/// The errors in `text` (the printed diagnostics) that report `id` on the construct at `path`.
fn reported<'a>(text: &'a str, id: &str, path: &str) -> Vec<&'a str> {
    text.split("\nerror: ")
        .filter(|e| e.contains(&format!(": {id} (")) && e.contains(&format!("  --> {path} (")))
        .collect()
}

/// How a test breaks the final resources of the system for one check: the check, the
/// construct path and the resource type it is reported on, and the edit.
type Break = (&'static str, &'static str, &'static str, fn(&App));

const BROKEN: &[Break] = &[
    ("CKV_AWS_7", "prod/aws/data/db", "AWS::KMS::Key", |app| {
        edit(app, |k: &mut kms::Key| {
            k.enable_key_rotation = Some(false.into())
        });
    }),
    (
        "CKV_AWS_16",
        "prod/aws/data/db",
        "AWS::RDS::DBInstance",
        |app| {
            edit(app, |d: &mut rds::DbInstance| {
                d.storage_encrypted = Some(false.into())
            });
        },
    ),
    (
        "CKV_AWS_17",
        "prod/aws/data/db",
        "AWS::RDS::DBInstance",
        |app| {
            edit(app, |d: &mut rds::DbInstance| {
                d.publicly_accessible = Some(true.into())
            });
        },
    ),
    (
        "CKV_AWS_18",
        "prod/aws/data/uploads",
        "AWS::S3::Bucket",
        |app| {
            edit(app, |b: &mut s3::Bucket| b.logging_configuration = None);
        },
    ),
    (
        "CKV_AWS_19",
        "prod/aws/data/uploads",
        "AWS::S3::Bucket",
        |app| {
            edit(app, |b: &mut s3::Bucket| {
                b.bucket_encryption = Some(s3::BucketEncryption::new(vec![
                    s3::ServerSideEncryptionRule::new().server_side_encryption_by_default(
                        s3::ServerSideEncryptionByDefault::new(
                            s3::ServerSideEncryptionByDefaultSseAlgorithm::AwsKmsDsse,
                        ),
                    ),
                ]));
            });
        },
    ),
    (
        "CKV_AWS_20",
        "prod/aws/data/uploads",
        "AWS::S3::Bucket",
        |app| {
            edit(app, |b: &mut s3::Bucket| {
                b.access_control = Some(s3::AccessControl::PublicRead.into());
            });
        },
    ),
    (
        "CKV_AWS_21",
        "prod/aws/data/uploads",
        "AWS::S3::Bucket",
        |app| {
            edit(app, |b: &mut s3::Bucket| b.versioning_configuration = None);
        },
    ),
    (
        "CKV_AWS_23",
        "prod/aws/data/db",
        "AWS::EC2::SecurityGroup",
        |app| {
            edit(app, |g: &mut ec2::SecurityGroup| {
                push_ingress(
                    g,
                    ec2::Ingress::new("tcp")
                        .from_port(5432)
                        .to_port(5432)
                        .cidr_ip("10.0.0.0/8"),
                );
            });
        },
    ),
    (
        "CKV_AWS_24",
        "prod/aws/data/db",
        "AWS::EC2::SecurityGroup",
        |app| {
            edit(app, |g: &mut ec2::SecurityGroup| push_ingress(g, open(22)));
        },
    ),
    (
        "CKV_AWS_25",
        "prod/aws/data/db",
        "AWS::EC2::SecurityGroup",
        |app| {
            edit(app, |g: &mut ec2::SecurityGroup| {
                push_ingress(g, open(3389))
            });
        },
    ),
    (
        "CKV_AWS_27",
        "prod/aws/data/jobs",
        "AWS::SQS::Queue",
        |app| {
            edit(app, |q: &mut sqs::Queue| q.kms_master_key_id = None);
        },
    ),
    (
        "CKV_AWS_29",
        "prod/aws/data/cache",
        "AWS::ElastiCache::ReplicationGroup",
        |app| {
            edit(app, |r: &mut elasticache::ReplicationGroup| {
                r.at_rest_encryption_enabled = Some(false.into());
            });
        },
    ),
    (
        "CKV_AWS_30",
        "prod/aws/data/cache",
        "AWS::ElastiCache::ReplicationGroup",
        |app| {
            edit(app, |r: &mut elasticache::ReplicationGroup| {
                r.transit_encryption_enabled = Some(false.into());
            });
        },
    ),
    (
        "CKV_AWS_31",
        "prod/aws/data/cache",
        "AWS::ElastiCache::ReplicationGroup",
        |app| {
            edit(app, |r: &mut elasticache::ReplicationGroup| {
                r.auth_token = None;
                r.user_group_ids = None;
            });
        },
    ),
    (
        "CKV_AWS_32",
        "prod/aws/data/api",
        "AWS::ECR::Repository",
        |app| {
            edit(app, |r: &mut ecr::Repository| {
                r.repository_policy_text = Some(policy(json!({
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": ["ecr:BatchGetImage"]}]
                })));
            });
        },
    ),
    ("CKV_AWS_33", "prod/aws/data/db", "AWS::KMS::Key", |app| {
        edit(app, |k: &mut kms::Key| {
            k.key_policy = Some(policy(json!({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}]
            })));
        });
    }),
    (
        "CKV_AWS_40",
        "prod/aws/base/eks",
        "AWS::IAM::Policy",
        |app| {
            edit(app, |p: &mut iam::Policy| {
                p.users = Some(vec![Value::from("alice")].into());
            });
        },
    ),
    (
        "CKV_AWS_51",
        "prod/aws/data/api",
        "AWS::ECR::Repository",
        |app| {
            edit(app, |r: &mut ecr::Repository| {
                r.image_tag_mutability = Some(ecr::RepositoryImageTagMutability::Mutable.into());
            });
        },
    ),
    (
        "CKV_AWS_53",
        "prod/aws/data/uploads",
        "AWS::S3::Bucket",
        |app| {
            edit(app, |b: &mut s3::Bucket| {
                if let Some(block) = &mut b.public_access_block_configuration {
                    block.block_public_acls = Some(false.into());
                }
            });
        },
    ),
    (
        "CKV_AWS_54",
        "prod/aws/data/uploads",
        "AWS::S3::Bucket",
        |app| {
            edit(app, |b: &mut s3::Bucket| {
                if let Some(block) = &mut b.public_access_block_configuration {
                    block.block_public_policy = None;
                }
            });
        },
    ),
    (
        "CKV_AWS_55",
        "prod/aws/data/uploads",
        "AWS::S3::Bucket",
        |app| {
            edit(app, |b: &mut s3::Bucket| {
                if let Some(block) = &mut b.public_access_block_configuration {
                    block.ignore_public_acls = Some(false.into());
                }
            });
        },
    ),
    (
        "CKV_AWS_56",
        "prod/aws/data/uploads",
        "AWS::S3::Bucket",
        |app| {
            edit(app, |b: &mut s3::Bucket| {
                if let Some(block) = &mut b.public_access_block_configuration {
                    block.restrict_public_buckets = Some(false.into());
                }
            });
        },
    ),
    (
        "CKV_AWS_57",
        "prod/aws/data/uploads",
        "AWS::S3::Bucket",
        |app| {
            edit(app, |b: &mut s3::Bucket| {
                b.access_control = Some(s3::AccessControl::PublicReadWrite.into());
            });
        },
    ),
    (
        "CKV_AWS_58",
        "prod/aws/base/eks",
        "AWS::EKS::Cluster",
        |app| {
            edit(app, |c: &mut eks::Cluster| c.encryption_config = None);
        },
    ),
    (
        "CKV_AWS_60",
        "prod/aws/data/worker",
        "AWS::IAM::Role",
        |app| {
            edit(app, |r: &mut iam::Role| {
                r.assume_role_policy_document = policy(json!({
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]
                }));
            });
        },
    ),
    (
        "CKV_AWS_61",
        "prod/aws/data/worker",
        "AWS::IAM::Role",
        |app| {
            edit(app, |r: &mut iam::Role| {
                r.assume_role_policy_document = policy(json!({
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::123456789012:root"]}, "Action": "sts:AssumeRole"}]
                }));
            });
        },
    ),
    (
        "CKV_AWS_62",
        "prod/aws/base/eks",
        "AWS::IAM::Policy",
        |app| {
            edit(app, |p: &mut iam::Policy| {
                p.policy_document = policy(json!({
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
                }));
            });
        },
    ),
    (
        "CKV_AWS_63",
        "prod/aws/base/eks",
        "AWS::IAM::Policy",
        |app| {
            edit(app, |p: &mut iam::Policy| {
                p.policy_document = policy(json!({
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": ["*"], "Resource": ["arn:aws:s3:::shop-uploads/*"]}]
                }));
            });
        },
    ),
    (
        "CKV_AWS_66",
        "prod/aws/base/eks",
        "AWS::Logs::LogGroup",
        |app| {
            edit(app, |l: &mut logs::LogGroup| l.retention_in_days = None);
        },
    ),
    (
        "CKV_AWS_79",
        "prod/aws/base/eks",
        "AWS::EC2::LaunchTemplate",
        |app| {
            edit(app, |t: &mut ec2::LaunchTemplate| {
                if let Some(options) = &mut t.launch_template_data.metadata_options {
                    options.http_tokens = Some(ec2::HttpTokens::Optional.into());
                }
            });
        },
    ),
    (
        "CKV_AWS_88",
        "prod/aws/base/eks",
        "AWS::EC2::LaunchTemplate",
        |app| {
            edit(app, |t: &mut ec2::LaunchTemplate| {
                t.launch_template_data.network_interfaces = Some(
                    vec![
                        ec2::LaunchTemplateNetworkInterface::new()
                            .associate_public_ip_address(true),
                    ]
                    .into(),
                );
            });
        },
    ),
    (
        "CKV_AWS_100",
        "prod/aws/base/eks",
        "AWS::EKS::Nodegroup",
        |app| {
            edit(app, |n: &mut eks::Nodegroup| {
                n.remote_access = Some(eks::RemoteAccess::new("ops"));
            });
        },
    ),
    (
        "CKV_AWS_118",
        "prod/aws/data/db",
        "AWS::RDS::DBInstance",
        |app| {
            edit(app, |d: &mut rds::DbInstance| {
                d.monitoring_interval = Some(0.into())
            });
        },
    ),
    (
        "CKV_AWS_136",
        "prod/aws/data/api",
        "AWS::ECR::Repository",
        |app| {
            edit(app, |r: &mut ecr::Repository| {
                r.encryption_configuration = Some(ecr::RepositoryEncryptionConfiguration::new(
                    ecr::EncryptionType::Aes256,
                ));
            });
        },
    ),
    (
        "CKV_AWS_149",
        "prod/aws/data/token",
        "AWS::SecretsManager::Secret",
        |app| {
            edit(app, |s: &mut secretsmanager::Secret| {
                s.kms_key_id = Some("alias/aws/secretsmanager".into());
            });
        },
    ),
    (
        "CKV_AWS_157",
        "prod/aws/data/db",
        "AWS::RDS::DBInstance",
        |app| {
            edit(app, |d: &mut rds::DbInstance| {
                d.multi_az = Some(false.into())
            });
        },
    ),
    (
        "CKV_AWS_158",
        "prod/aws/base/eks",
        "AWS::Logs::LogGroup",
        |app| {
            edit(app, |l: &mut logs::LogGroup| l.kms_key_id = None);
        },
    ),
    (
        "CKV_AWS_161",
        "prod/aws/data/db",
        "AWS::RDS::DBInstance",
        |app| {
            edit(app, |d: &mut rds::DbInstance| {
                d.enable_iam_database_authentication = Some(false.into());
            });
        },
    ),
    (
        "CKV_AWS_163",
        "prod/aws/data/api",
        "AWS::ECR::Repository",
        |app| {
            edit(app, |r: &mut ecr::Repository| {
                r.image_scanning_configuration = None
            });
        },
    ),
    (
        "CKV_AWS_166",
        "prod/aws/data/db",
        "AWS::Backup::BackupVault",
        |app| {
            edit(app, |v: &mut backup::BackupVault| {
                v.encryption_key_arn = None
            });
        },
    ),
    (
        "CKV_AWS_260",
        "prod/aws/data/db",
        "AWS::EC2::SecurityGroup",
        |app| {
            edit(app, |g: &mut ec2::SecurityGroup| push_ingress(g, open(80)));
        },
    ),
];

/// An ingress rule open to the internet on `port`, described.
fn open(port: i32) -> ec2::Ingress {
    ec2::Ingress::new("tcp")
        .from_port(port)
        .to_port(port)
        .cidr_ip("0.0.0.0/0")
        .description("from anywhere")
}

fn push_ingress(group: &mut ec2::SecurityGroup, rule: ec2::Ingress) {
    match &mut group.security_group_ingress {
        Some(Value::Literal(rules)) => rules.push(rule),
        rules => *rules = Some(vec![rule].into()),
    }
}

#[test]
fn each_check_fires_on_a_resource_broken_through_an_escape_hatch() {
    // Every check that runs on a type Girder's constructs emit (the others, on SNS topics,
    // Aurora clusters and stand-alone rules, are tested in `girder_aws::checks`).
    let tested: Vec<&str> = BROKEN.iter().map(|(id, ..)| *id).collect();
    let untested: Vec<&str> = Check::ALL
        .iter()
        .map(|c| c.id())
        .filter(|id| !tested.contains(id))
        .collect();
    assert_eq!(untested, ["CKV_AWS_26", "CKV_AWS_96", "CKV_AWS_162"]);
    for (id, path, type_name, break_it) in BROKEN {
        let app = App::new("shop");
        system(&app, true);
        break_it(&app);
        let text = match girder::synth::synthesize(&app) {
            Ok(_) => panic!("{id}: synth succeeded on the broken resources"),
            Err(d) => d.to_string(),
        };
        let errors = reported(&text, id, path);
        let error = errors
            .iter()
            .find(|e| e.contains(&format!("  --> {path} ({type_name} ")))
            .unwrap_or_else(|| panic!("{id} is not reported on {path}'s {type_name}:\n{text}"));
        assert!(error.contains("  hint: "), "{id} has no hint:\n{error}");
        assert!(
            error.contains(&format!("`.accept(Check::{id}, \"..\")`")),
            "{id}'s hint does not say how to accept it:\n{error}"
        );
        let check = Check::ALL.iter().find(|c| c.id() == *id).expect("a check");
        assert!(error.contains(check.title()), "{error}");
    }
}

#[test]
fn girder_defaults_are_silent_and_carry_only_their_own_reasons() {
    let app = App::new("shop");
    system(&app, false);
    let assembly = girder::synth::synthesize(&app).unwrap_or_else(|d| panic!("{d}"));
    let mut skipped = Vec::new();
    for (path, text) in &assembly.files {
        if !path.ends_with(".template.json") {
            continue;
        }
        let template: serde_json::Value = serde_json::from_str(&text.to_string()).expect("JSON");
        for (id, resource) in template["Resources"].as_object().expect("resources") {
            for skip in resource["Metadata"]["checkov"]["skip"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let check = skip["id"].as_str().unwrap_or("");
                let kind = resource["Type"].as_str().unwrap_or("");
                skipped.push((
                    id.split_at(id.len().min(4)).0.to_owned(),
                    kind.to_owned(),
                    check.to_owned(),
                ));
            }
        }
    }
    crate::validate(&app, "cfn-policy-defaults");
    skipped.sort();
    // The access-log bucket does not log itself; a single-AZ database is the program's choice.
    assert_eq!(
        skipped,
        [
            (
                "Acce".to_owned(),
                "AWS::S3::Bucket".to_owned(),
                "CKV_AWS_18".to_owned()
            ),
            (
                "DbIn".to_owned(),
                "AWS::RDS::DBInstance".to_owned(),
                "CKV_AWS_157".to_owned()
            ),
        ],
    );
}

fn resource_metadata(app: &App, stack: &str, type_name: &str) -> serde_json::Value {
    let assembly = girder::synth::synthesize(app).unwrap_or_else(|d| panic!("{d}"));
    let path = format!("prod/cfn/shop-prod-{stack}.template.json");
    let template: serde_json::Value =
        serde_json::from_str(&assembly.files[path.as_str()].to_string()).expect("JSON");
    let resource = template["Resources"]
        .as_object()
        .expect("resources")
        .values()
        .find(|r| r["Type"] == type_name)
        .unwrap_or_else(|| panic!("no {type_name} in {path}"));
    resource["Metadata"].clone()
}

#[test]
fn accept_silences_a_finding_and_writes_checkovs_suppression() {
    let app = App::new("shop");
    let system = system(&app, true);
    edit(&app, |d: &mut rds::DbInstance| {
        d.monitoring_interval = Some(0.into())
    });
    system
        .db
        .accept(Check::CKV_AWS_118, "the vendor's agent monitors the host");
    let metadata = resource_metadata(&app, "data", "AWS::RDS::DBInstance");
    assert_eq!(
        metadata,
        json!({"checkov": {"skip": [
            {"id": "CKV_AWS_118", "comment": "the vendor's agent monitors the host"}
        ]}})
    );
    // checkov reads the same suppression.
    crate::validate(&app, "cfn-policy-accepted");
}

#[test]
fn a_programs_reason_replaces_girders_own() {
    let app = App::new("shop");
    let system = system(&app, false);
    system
        .db
        .accept(Check::CKV_AWS_157, "staging: a zone failure may stop it");
    let metadata = resource_metadata(&app, "data", "AWS::RDS::DBInstance");
    assert_eq!(
        metadata,
        json!({"checkov": {"skip": [
            {"id": "CKV_AWS_157", "comment": "staging: a zone failure may stop it"}
        ]}})
    );
}

#[test]
fn a_suppression_must_have_a_reason_and_an_effect() {
    let app = App::new("shop");
    let System { bucket, db } = system(&app, true);
    // No reason: the finding stands, and the acceptance is an error of its own.
    edit(&app, |b: &mut s3::Bucket| b.versioning_configuration = None);
    bucket.accept(Check::CKV_AWS_21, " ");
    // Nothing to suppress.
    bucket.accept(Check::CKV_AWS_18, "logs go to the organization's trail");
    // Twice.
    db.accept(Check::CKV_AWS_118, "monitored by the vendor's agent");
    db.accept(Check::CKV_AWS_118, "really");
    edit(&app, |d: &mut rds::DbInstance| d.monitoring_interval = None);
    // On a construct that emits no resource the check runs on.
    bucket.accept(Check::CKV_AWS_157, "not a database");
    // Through an escape hatch: an id Girder does not evaluate, and a check of another type.
    app.aspect(|resource: &mut CfnResource, _: &mut Visit<'_>| {
        if resource.entry.type_name() == "AWS::SQS::Queue" {
            resource.entry.add_checkov_skip("CKV_AWS_999", "made up");
            resource
                .entry
                .add_checkov_skip("CKV_AWS_18", "a queue is no bucket");
        }
    });
    let text = synth_errors(&app);
    let expected = [
        (
            "prod/aws/data/uploads",
            "the acceptance of `CKV_AWS_21` gives no reason",
        ),
        (
            "prod/aws/data/uploads",
            "CKV_AWS_21 (Ensure the S3 bucket has versioning enabled)",
        ),
        (
            "prod/aws/data/uploads",
            "`CKV_AWS_18` (Ensure the S3 bucket has access logging enabled) would not fire on this resource",
        ),
        ("prod/aws/data/db", "`CKV_AWS_118` is suppressed twice"),
        (
            "prod/aws/data/uploads",
            "`CKV_AWS_157` (Ensure that RDS instances have Multi-AZ enabled) runs on AWS::RDS::DBInstance, and this construct emits none",
        ),
        (
            "prod/aws/data/jobs",
            "`CKV_AWS_999` is not a checkov check Girder evaluates",
        ),
        (
            "prod/aws/data/jobs",
            "`CKV_AWS_18` has no effect here: checkov runs it on AWS::S3::Bucket, not on AWS::SQS::Queue",
        ),
    ];
    for (path, message) in expected {
        let on_path = text.match_indices(message).any(|(at, _)| {
            let place = text[at..].lines().nth(1).unwrap_or("");
            place.starts_with(&format!("  --> {path}"))
        });
        assert!(on_path, "`{message}` is not reported on {path}:\n{text}");
    }
    // The accepted finding is not reported.
    assert!(!text.contains(": CKV_AWS_118 ("), "{text}");
}
