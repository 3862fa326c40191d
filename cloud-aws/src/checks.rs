//! checkov's CloudFormation checks, at synth: the findings the validators would report later,
//! reported by Girder on the final resources with the same ids.
//!
//! Each [`Check`] is evaluated as checkov evaluates it, on the properties of every resource of
//! the types it runs on, after the program's aspects of `CfnResource` and any edit of the
//! properties. A check that fires is an error, unless the resource carries checkov's own
//! suppression, `Metadata: {"checkov": {"skip": [{"id": "CKV_AWS_18", "comment": "<reason>"}]}}`,
//! which an AWS construct writes with `.accept(Check::CKV_AWS_18, "<reason>")` (and
//! [`crate::Entry::checkov_skip`] on a hand-made resource): the suppression Girder honours and
//! the one checkov reads are the same metadata, so the reason is in the template for reviewers.
//!
//! Where a value checkov inspects is an intrinsic function (`Ref`, `Fn::GetAtt`, `Fn::Sub`,
//! `Fn::If`, ...), which neither checkov nor Girder can resolve before deployment, the check
//! does not fire: a value that only presence matters for (a KMS key, a retention) counts as set.
//!
//! A suppression must earn its place: one of a check Girder does not evaluate, of a check checkov
//! does not run on the resource's type, twice for one check, or of a check that would not fire
//! on the resource is an error. (One without a reason, or whose id is not a checkov id, is
//! reported by [`crate::limits`].)
//!
//! | id | checkov's title | runs on |
//! |---|---|---|
//! | `CKV_AWS_7` | Ensure rotation for customer created CMKs is enabled | `AWS::KMS::Key` |
//! | `CKV_AWS_16` | Ensure all data stored in the RDS is securely encrypted at rest | `AWS::RDS::DBInstance` |
//! | `CKV_AWS_17` | Ensure all data stored in RDS is not publicly accessible | `AWS::RDS::DBInstance` |
//! | `CKV_AWS_18` | Ensure the S3 bucket has access logging enabled | `AWS::S3::Bucket` |
//! | `CKV_AWS_19` | Ensure the S3 bucket has server-side-encryption enabled | `AWS::S3::Bucket` |
//! | `CKV_AWS_20` | Ensure the S3 bucket does not allow READ permissions to everyone | `AWS::S3::Bucket` |
//! | `CKV_AWS_21` | Ensure the S3 bucket has versioning enabled | `AWS::S3::Bucket` |
//! | `CKV_AWS_23` | Ensure every security groups rule has a description | `AWS::EC2::SecurityGroup`, `..Ingress`, `..Egress` |
//! | `CKV_AWS_24` | Ensure no security groups allow ingress from 0.0.0.0:0 to port 22 | `AWS::EC2::SecurityGroup`, `..Ingress` |
//! | `CKV_AWS_25` | Ensure no security groups allow ingress from 0.0.0.0:0 to port 3389 | `AWS::EC2::SecurityGroup`, `..Ingress` |
//! | `CKV_AWS_26` | Ensure all data stored in the SNS topic is encrypted | `AWS::SNS::Topic` |
//! | `CKV_AWS_27` | Ensure all data stored in the SQS queue is encrypted | `AWS::SQS::Queue` |
//! | `CKV_AWS_29` | Ensure all data stored in the ElastiCache Replication Group is securely encrypted at rest | `AWS::ElastiCache::ReplicationGroup` |
//! | `CKV_AWS_30` | Ensure all data stored in the ElastiCache Replication Group is securely encrypted at transit | `AWS::ElastiCache::ReplicationGroup` |
//! | `CKV_AWS_31` | Ensure all data stored in the ElastiCache Replication Group is securely encrypted at transit and has auth token | `AWS::ElastiCache::ReplicationGroup` |
//! | `CKV_AWS_32` | Ensure ECR policy is not set to public | `AWS::ECR::Repository` |
//! | `CKV_AWS_33` | Ensure KMS key policy does not contain wildcard (*) principal | `AWS::KMS::Key` |
//! | `CKV_AWS_40` | Ensure IAM policies are attached only to groups or roles (...) | `AWS::IAM::Policy` |
//! | `CKV_AWS_51` | Ensure ECR Image Tags are immutable | `AWS::ECR::Repository` |
//! | `CKV_AWS_53` | Ensure S3 bucket has block public ACLs enabled | `AWS::S3::Bucket` |
//! | `CKV_AWS_54` | Ensure S3 bucket has block public policy enabled | `AWS::S3::Bucket` |
//! | `CKV_AWS_55` | Ensure S3 bucket has ignore public ACLs enabled | `AWS::S3::Bucket` |
//! | `CKV_AWS_56` | Ensure S3 bucket has RestrictPublicBuckets enabled | `AWS::S3::Bucket` |
//! | `CKV_AWS_57` | Ensure the S3 bucket does not allow WRITE permissions to everyone | `AWS::S3::Bucket` |
//! | `CKV_AWS_58` | Ensure EKS Cluster has Secrets Encryption Enabled | `AWS::EKS::Cluster` |
//! | `CKV_AWS_60` | Ensure IAM role allows only specific services or principals to assume it | `AWS::IAM::Role` |
//! | `CKV_AWS_61` | Ensure AWS IAM policy does not allow assume role permission across all services | `AWS::IAM::Role` |
//! | `CKV_AWS_62` | Ensure no IAM policies that allow full "*-*" administrative privileges are not created | `AWS::IAM::Policy`, `Role`, `Group`, `User` |
//! | `CKV_AWS_63` | Ensure no IAM policies documents allow "*" as a statement's actions | `AWS::IAM::Policy`, `Role`, `Group`, `User` |
//! | `CKV_AWS_66` | Ensure that CloudWatch Log Group specifies retention days | `AWS::Logs::LogGroup` |
//! | `CKV_AWS_79` | Ensure Instance Metadata Service Version 1 is not enabled | `AWS::EC2::LaunchTemplate` |
//! | `CKV_AWS_88` | EC2 instance should not have public IP. | `AWS::EC2::LaunchTemplate` |
//! | `CKV_AWS_96` | Ensure all data stored in Aurora is securely encrypted at rest | `AWS::RDS::DBCluster` |
//! | `CKV_AWS_100` | Ensure AWS EKS node group does not have implicit SSH access from 0.0.0.0/0 | `AWS::EKS::Nodegroup` |
//! | `CKV_AWS_118` | Ensure that enhanced monitoring is enabled for Amazon RDS instances | `AWS::RDS::DBInstance` |
//! | `CKV_AWS_136` | Ensure that ECR repositories are encrypted using KMS | `AWS::ECR::Repository` |
//! | `CKV_AWS_149` | Ensure that Secrets Manager secret is encrypted using KMS CMK | `AWS::SecretsManager::Secret` |
//! | `CKV_AWS_157` | Ensure that RDS instances have Multi-AZ enabled | `AWS::RDS::DBInstance` |
//! | `CKV_AWS_158` | Ensure that CloudWatch Log Group is encrypted by KMS | `AWS::Logs::LogGroup` |
//! | `CKV_AWS_161` | Ensure RDS database has IAM authentication enabled | `AWS::RDS::DBInstance` |
//! | `CKV_AWS_162` | Ensure RDS cluster has IAM authentication enabled | `AWS::RDS::DBCluster` |
//! | `CKV_AWS_163` | Ensure ECR image scanning on push is enabled | `AWS::ECR::Repository` |
//! | `CKV_AWS_166` | Ensure Backup Vault is encrypted at rest using KMS CMK | `AWS::Backup::BackupVault` |
//! | `CKV_AWS_260` | Ensure no security groups allow ingress from 0.0.0.0:0 to port 80 | `AWS::EC2::SecurityGroup`, `..Ingress` |
//!
//! Every one is an error at synth when it fires. checkov's IAM checks that judge actions by
//! their access level (`CKV_AWS_107` to `_111`), its check of secrets in SSM parameters
//! (`CKV_AWS_384`; Girder's own secret scan reports literal secrets in any template) and its
//! graph checks (`CKV2_AWS_*`) are not evaluated: a suppression of one is an error, as it could
//! not be shown to have an effect.
//!
//! ```
//! use girder_aws::checks::Check;
//!
//! assert_eq!(Check::CKV_AWS_18.id(), "CKV_AWS_18");
//! assert_eq!(Check::CKV_AWS_18.title(), "Ensure the S3 bucket has access logging enabled");
//! assert_eq!(Check::CKV_AWS_18.resource_types(), ["AWS::S3::Bucket"]);
//! ```

use serde::{Serialize, ser};
use serde_json::{Map, Value};

use crate::entry::ResourceEntry;

/// A checkov check of CloudFormation resources that Girder evaluates at synth, and that an AWS
/// construct may accept with a reason (`.accept(Check::CKV_AWS_157, "why")`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Check(&'static str);

macro_rules! checks {
    ($($id:ident: $doc:literal),* $(,)?) => {
        impl Check {
            $(
                #[doc = $doc]
                pub const $id: Check = Check(stringify!($id));
            )*

            /// Every check Girder evaluates, by id.
            pub const ALL: &'static [Check] = &[$(Check::$id),*];
        }
    };
}

checks! {
    CKV_AWS_7: "Ensure rotation for customer created CMKs is enabled (symmetric and HMAC keys).",
    CKV_AWS_16: "Ensure all data stored in the RDS is securely encrypted at rest (not Aurora).",
    CKV_AWS_17: "Ensure all data stored in RDS is not publicly accessible.",
    CKV_AWS_18: "Ensure the S3 bucket has access logging enabled.",
    CKV_AWS_19: "Ensure the S3 bucket has server-side-encryption enabled.",
    CKV_AWS_20: "Ensure the S3 bucket does not allow READ permissions to everyone.",
    CKV_AWS_21: "Ensure the S3 bucket has versioning enabled.",
    CKV_AWS_23: "Ensure every security groups rule has a description.",
    CKV_AWS_24: "Ensure no security groups allow ingress from 0.0.0.0:0 to port 22.",
    CKV_AWS_25: "Ensure no security groups allow ingress from 0.0.0.0:0 to port 3389.",
    CKV_AWS_26: "Ensure all data stored in the SNS topic is encrypted.",
    CKV_AWS_27: "Ensure all data stored in the SQS queue is encrypted.",
    CKV_AWS_29: "Ensure all data stored in the ElastiCache Replication Group is securely encrypted at rest.",
    CKV_AWS_30: "Ensure all data stored in the ElastiCache Replication Group is securely encrypted at transit.",
    CKV_AWS_31: "Ensure all data stored in the ElastiCache Replication Group is securely encrypted at transit and has auth token.",
    CKV_AWS_32: "Ensure ECR policy is not set to public.",
    CKV_AWS_33: "Ensure KMS key policy does not contain wildcard (*) principal.",
    CKV_AWS_40: "Ensure IAM policies are attached only to groups or roles.",
    CKV_AWS_51: "Ensure ECR Image Tags are immutable.",
    CKV_AWS_53: "Ensure S3 bucket has block public ACLs enabled.",
    CKV_AWS_54: "Ensure S3 bucket has block public policy enabled.",
    CKV_AWS_55: "Ensure S3 bucket has ignore public ACLs enabled.",
    CKV_AWS_56: "Ensure S3 bucket has RestrictPublicBuckets enabled.",
    CKV_AWS_57: "Ensure the S3 bucket does not allow WRITE permissions to everyone.",
    CKV_AWS_58: "Ensure EKS Cluster has Secrets Encryption Enabled.",
    CKV_AWS_60: "Ensure IAM role allows only specific services or principals to assume it.",
    CKV_AWS_61: "Ensure AWS IAM policy does not allow assume role permission across all services.",
    CKV_AWS_62: "Ensure no IAM policies that allow full \"*-*\" administrative privileges are not created.",
    CKV_AWS_63: "Ensure no IAM policies documents allow \"*\" as a statement's actions.",
    CKV_AWS_66: "Ensure that CloudWatch Log Group specifies retention days.",
    CKV_AWS_79: "Ensure Instance Metadata Service Version 1 is not enabled.",
    CKV_AWS_88: "EC2 instance should not have public IP.",
    CKV_AWS_96: "Ensure all data stored in Aurora is securely encrypted at rest.",
    CKV_AWS_100: "Ensure AWS EKS node group does not have implicit SSH access from 0.0.0.0/0.",
    CKV_AWS_118: "Ensure that enhanced monitoring is enabled for Amazon RDS instances.",
    CKV_AWS_136: "Ensure that ECR repositories are encrypted using KMS.",
    CKV_AWS_149: "Ensure that Secrets Manager secret is encrypted using KMS CMK.",
    CKV_AWS_157: "Ensure that RDS instances have Multi-AZ enabled (not Aurora).",
    CKV_AWS_158: "Ensure that CloudWatch Log Group is encrypted by KMS.",
    CKV_AWS_161: "Ensure RDS database has IAM authentication enabled (MySQL and PostgreSQL).",
    CKV_AWS_162: "Ensure RDS cluster has IAM authentication enabled.",
    CKV_AWS_163: "Ensure ECR image scanning on push is enabled.",
    CKV_AWS_166: "Ensure Backup Vault is encrypted at rest using KMS CMK.",
    CKV_AWS_260: "Ensure no security groups allow ingress from 0.0.0.0:0 to port 80.",
}

impl Check {
    /// checkov's id, e.g. `CKV_AWS_18`.
    pub fn id(self) -> &'static str {
        self.0
    }

    /// checkov's title of the check.
    pub fn title(self) -> &'static str {
        rule(self.0).map_or("", |r| r.title)
    }

    /// The resource types checkov runs the check on.
    pub fn resource_types(self) -> &'static [&'static str] {
        rule(self.0).map_or(&[], |r| r.types)
    }

    /// Whether checkov runs the check on resources of `type_name` (`AWS::S3::Bucket`).
    pub fn runs_on(self, type_name: &str) -> bool {
        self.resource_types().contains(&type_name)
    }
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// A check that fired on a resource, or a suppression that is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// Where in the resource, e.g. `Properties.LoggingConfiguration`.
    pub field: String,
    /// What is wrong, starting with the check's id and title when a check fired.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

/// Where a check fired: the field path under `Properties`, and what is wrong.
type Fired = (String, String);

/// A check's test: `Some` when it fires on the properties of a resource of the given type.
type Test = fn(&str, &Map<String, Value>) -> Option<Fired>;

struct Rule {
    id: &'static str,
    title: &'static str,
    types: &'static [&'static str],
    fires: Test,
    hint: &'static str,
}

const ACCEPT: &str = "or, if the resource needs it, accept it on its construct with the reason a reviewer reads: `.accept(Check::{id}, \"..\")`";

const BUCKET: &[&str] = &["AWS::S3::Bucket"];
const DB_INSTANCE: &[&str] = &["AWS::RDS::DBInstance"];
const DB_CLUSTER: &[&str] = &["AWS::RDS::DBCluster"];
const KMS_KEY: &[&str] = &["AWS::KMS::Key"];
const REPLICATION_GROUP: &[&str] = &["AWS::ElastiCache::ReplicationGroup"];
const REPOSITORY: &[&str] = &["AWS::ECR::Repository"];
const LOG_GROUP: &[&str] = &["AWS::Logs::LogGroup"];
const LAUNCH_TEMPLATE: &[&str] = &["AWS::EC2::LaunchTemplate"];
const ROLE: &[&str] = &["AWS::IAM::Role"];
const IAM_DOCUMENTS: &[&str] = &[
    "AWS::IAM::Policy",
    "AWS::IAM::Group",
    "AWS::IAM::Role",
    "AWS::IAM::User",
];
const SG_RULES: &[&str] = &[
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress",
];
const SG_INGRESS: &[&str] = &["AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress"];

const RULES: &[Rule] = &[
    Rule {
        id: "CKV_AWS_7",
        title: "Ensure rotation for customer created CMKs is enabled",
        types: KMS_KEY,
        fires: |_, p| {
            // checkov does not judge asymmetric keys, which cannot rotate.
            if let Some(Value::String(spec)) = p.get("KeySpec")
                && !spec.contains("SYMMETRIC_DEFAULT")
                && !spec.contains("HMAC")
            {
                return None;
            }
            expect(
                p,
                &["EnableKeyRotation"],
                Expect::Bool(true),
                Missing::Fires,
            )
            .then(|| fired("EnableKeyRotation", "the key's material is never rotated"))
        },
        hint: "remove the edit that turns off `EnableKeyRotation`: Girder's keys rotate yearly",
    },
    Rule {
        id: "CKV_AWS_16",
        title: "Ensure all data stored in the RDS is securely encrypted at rest",
        types: DB_INSTANCE,
        fires: |_, p| {
            (!aurora(p) && expect(p, &["StorageEncrypted"], Expect::Bool(true), Missing::Fires))
                .then(|| {
                    fired(
                        "StorageEncrypted",
                        "the instance's storage is not encrypted",
                    )
                })
        },
        hint: "remove the edit of `StorageEncrypted`: Girder encrypts a database with its own KMS key",
    },
    Rule {
        id: "CKV_AWS_17",
        title: "Ensure all data stored in RDS is not publicly accessible",
        types: DB_INSTANCE,
        fires: |_, p| {
            expect(
                p,
                &["PubliclyAccessible"],
                Expect::Bool(false),
                Missing::Passes,
            )
            .then(|| {
                fired(
                    "PubliclyAccessible",
                    "the instance has a public address, reachable from the internet",
                )
            })
        },
        hint: "remove the edit of `PubliclyAccessible`: Girder's databases are reached from the workloads connected to them",
    },
    Rule {
        id: "CKV_AWS_18",
        title: "Ensure the S3 bucket has access logging enabled",
        types: BUCKET,
        fires: |_, p| {
            expect(p, &["LoggingConfiguration"], Expect::Any, Missing::Fires)
                .then(|| fired("LoggingConfiguration", "the bucket's access is not logged"))
        },
        hint: "remove the edit that drops `LoggingConfiguration`: a Girder `Bucket` logs to its stack's access-log bucket",
    },
    Rule {
        id: "CKV_AWS_19",
        title: "Ensure the S3 bucket has server-side-encryption enabled",
        types: BUCKET,
        fires: |_, p| {
            let path = [
                "BucketEncryption",
                "ServerSideEncryptionConfiguration",
                "0",
                "ServerSideEncryptionByDefault",
                "SSEAlgorithm",
            ];
            expect(
                p,
                &path,
                Expect::Strs(&["AES256", "aws:kms"]),
                Missing::Passes,
            )
            .then(|| {
                fired(
                    &path.join("."),
                    "the bucket's default encryption is neither `aws:kms` nor `AES256`",
                )
            })
        },
        hint: "remove the edit of `BucketEncryption`: Girder encrypts a bucket with KMS",
    },
    Rule {
        id: "CKV_AWS_20",
        title: "Ensure the S3 bucket does not allow READ permissions to everyone",
        types: BUCKET,
        fires: |_, p| {
            forbidden(p, "AccessControl", &["PublicRead", "PublicReadWrite"])
                .then(|| fired("AccessControl", "the bucket's ACL lets anyone read it"))
        },
        hint: "remove the edit of `AccessControl`: Girder's buckets are private, and their owner owns every object",
    },
    Rule {
        id: "CKV_AWS_21",
        title: "Ensure the S3 bucket has versioning enabled",
        types: BUCKET,
        fires: |_, p| {
            expect(
                p,
                &["VersioningConfiguration", "Status"],
                Expect::Strs(&["Enabled"]),
                Missing::Fires,
            )
            .then(|| {
                fired(
                    "VersioningConfiguration.Status",
                    "an overwritten or deleted object cannot be recovered",
                )
            })
        },
        hint: "remove the edit of `VersioningConfiguration`: Girder versions buckets and expires noncurrent versions after `noncurrent_days`",
    },
    Rule {
        id: "CKV_AWS_23",
        title: "Ensure every security groups rule has a description",
        types: SG_RULES,
        fires: |ty, p| {
            if ty != "AWS::EC2::SecurityGroup" {
                return (!truthy(p.get("Description")))
                    .then(|| fired("Description", "the rule has no description"));
            }
            for key in ["SecurityGroupIngress", "SecurityGroupEgress"] {
                let Some(Value::Array(rules)) = p.get(key) else {
                    continue;
                };
                for (i, rule) in rules.iter().enumerate() {
                    if let Value::Object(rule) = rule
                        && !is_intrinsic(rule)
                        && !truthy(rule.get("Description"))
                    {
                        return Some(fired(
                            &format!("{key}.{i}.Description"),
                            "the rule has no description",
                        ));
                    }
                }
            }
            None
        },
        hint: "describe the rule (`Description`): Girder describes each rule it writes by what it lets in",
    },
    Rule {
        id: "CKV_AWS_24",
        title: "Ensure no security groups allow ingress from 0.0.0.0:0 to port 22",
        types: SG_INGRESS,
        fires: |ty, p| open_port(ty, p, 22),
        hint: "remove the rule, or let in only the addresses that need the port (a security group, a prefix list or a narrower CIDR)",
    },
    Rule {
        id: "CKV_AWS_25",
        title: "Ensure no security groups allow ingress from 0.0.0.0:0 to port 3389",
        types: SG_INGRESS,
        fires: |ty, p| open_port(ty, p, 3389),
        hint: "remove the rule, or let in only the addresses that need the port (a security group, a prefix list or a narrower CIDR)",
    },
    Rule {
        id: "CKV_AWS_26",
        title: "Ensure all data stored in the SNS topic is encrypted",
        types: &["AWS::SNS::Topic"],
        fires: |_, p| {
            expect(p, &["KmsMasterKeyId"], Expect::Any, Missing::Fires).then(|| {
                fired(
                    "KmsMasterKeyId",
                    "the topic's messages are not encrypted with KMS",
                )
            })
        },
        hint: "set `KmsMasterKeyId` to a KMS key whose policy lets the publishers use it",
    },
    Rule {
        id: "CKV_AWS_27",
        title: "Ensure all data stored in the SQS queue is encrypted",
        types: &["AWS::SQS::Queue"],
        fires: |_, p| {
            expect(p, &["KmsMasterKeyId"], Expect::Any, Missing::Fires).then(|| {
                fired(
                    "KmsMasterKeyId",
                    "the queue's messages are not encrypted with KMS",
                )
            })
        },
        hint: "remove the edit that drops `KmsMasterKeyId`: a Girder `Queue` is encrypted with KMS",
    },
    Rule {
        id: "CKV_AWS_29",
        title: "Ensure all data stored in the ElastiCache Replication Group is securely encrypted at rest",
        types: REPLICATION_GROUP,
        fires: |_, p| {
            expect(
                p,
                &["AtRestEncryptionEnabled"],
                Expect::Bool(true),
                Missing::Fires,
            )
            .then(|| {
                fired(
                    "AtRestEncryptionEnabled",
                    "the cache's data is not encrypted at rest",
                )
            })
        },
        hint: "remove the edit of `AtRestEncryptionEnabled`: Girder encrypts a cache with its own KMS key",
    },
    Rule {
        id: "CKV_AWS_30",
        title: "Ensure all data stored in the ElastiCache Replication Group is securely encrypted at transit",
        types: REPLICATION_GROUP,
        fires: |_, p| {
            expect(
                p,
                &["TransitEncryptionEnabled"],
                Expect::Bool(true),
                Missing::Fires,
            )
            .then(|| {
                fired(
                    "TransitEncryptionEnabled",
                    "clients reach the cache without TLS",
                )
            })
        },
        hint: "remove the edit of `TransitEncryptionEnabled`: Girder's caches require TLS",
    },
    Rule {
        id: "CKV_AWS_31",
        title: "Ensure all data stored in the ElastiCache Replication Group is securely encrypted at transit and has auth token",
        types: REPLICATION_GROUP,
        fires: |_, p| {
            let authenticated = p.contains_key("AuthToken") || p.contains_key("UserGroupIds");
            let encrypted = p
                .get("TransitEncryptionEnabled")
                .is_some_and(|v| truthy(Some(v)));
            (!(authenticated && encrypted)).then(|| {
                fired(
                    "AuthToken",
                    "clients reach the cache without both TLS and an auth token (or user group)",
                )
            })
        },
        hint: "remove the edit of `TransitEncryptionEnabled` or `AuthToken`: Girder's caches require TLS and a generated token",
    },
    Rule {
        id: "CKV_AWS_32",
        title: "Ensure ECR policy is not set to public",
        types: REPOSITORY,
        fires: |_, p| {
            let statements = match p.get("RepositoryPolicyText") {
                Some(Value::Object(policy)) => policy.get("Statement"),
                Some(Value::String(text)) => {
                    let policy: Value = serde_json::from_str(text).ok()?;
                    return public_repository(policy.get("Statement"));
                }
                _ => None,
            };
            public_repository(statements)
        },
        hint: "name the accounts or principals that pull (or add an `aws:PrincipalOrgID` condition) instead of `*`",
    },
    Rule {
        id: "CKV_AWS_33",
        title: "Ensure KMS key policy does not contain wildcard (*) principal",
        types: KMS_KEY,
        fires: |_, p| {
            let Some(Value::Object(policy)) = p.get("KeyPolicy") else {
                return None;
            };
            let Some(Value::Array(statements)) = policy.get("Statement") else {
                return None;
            };
            statements.iter().enumerate().find_map(|(i, s)| {
                let s = s.as_object()?;
                if s.get("Effect").and_then(Value::as_str) == Some("Deny") {
                    return None;
                }
                let mut principal = s.get("Principal")?;
                if let Value::Object(p) = principal
                    && let Some(aws) = p.get("AWS")
                {
                    principal = aws;
                }
                wildcard(principal).then(|| {
                    fired(
                        &format!("KeyPolicy.Statement.{i}.Principal"),
                        "the key policy allows any principal",
                    )
                })
            })
        },
        hint: "name the principals in the key policy: Girder's keys allow the account root and the roles granted access",
    },
    Rule {
        id: "CKV_AWS_40",
        title: "Ensure IAM policies are attached only to groups or roles (Reducing access management complexity may in-turn reduce opportunity for a principal to inadvertently receive or retain excessive privileges.)",
        types: &["AWS::IAM::Policy"],
        fires: |_, p| {
            p.contains_key("Users")
                .then(|| fired("Users", "the policy is attached to IAM users"))
        },
        hint: "attach the policy to a role (`Roles`) and let the users assume it",
    },
    Rule {
        id: "CKV_AWS_51",
        title: "Ensure ECR Image Tags are immutable",
        types: REPOSITORY,
        fires: |_, p| {
            expect(
                p,
                &["ImageTagMutability"],
                Expect::Strs(&["IMMUTABLE"]),
                Missing::Fires,
            )
            .then(|| {
                fired(
                    "ImageTagMutability",
                    "a pushed tag can be moved to another image",
                )
            })
        },
        hint: "remove the edit of `ImageTagMutability`: Girder's repositories keep tags immutable",
    },
    Rule {
        id: "CKV_AWS_53",
        title: "Ensure S3 bucket has block public ACLs enabled",
        types: BUCKET,
        fires: |_, p| public_access_block(p, "BlockPublicAcls"),
        hint: "remove the edit of `PublicAccessBlockConfiguration`: Girder blocks all public access to a bucket",
    },
    Rule {
        id: "CKV_AWS_54",
        title: "Ensure S3 bucket has block public policy enabled",
        types: BUCKET,
        fires: |_, p| public_access_block(p, "BlockPublicPolicy"),
        hint: "remove the edit of `PublicAccessBlockConfiguration`: Girder blocks all public access to a bucket",
    },
    Rule {
        id: "CKV_AWS_55",
        title: "Ensure S3 bucket has ignore public ACLs enabled",
        types: BUCKET,
        fires: |_, p| public_access_block(p, "IgnorePublicAcls"),
        hint: "remove the edit of `PublicAccessBlockConfiguration`: Girder blocks all public access to a bucket",
    },
    Rule {
        id: "CKV_AWS_56",
        title: "Ensure S3 bucket has RestrictPublicBuckets enabled",
        types: BUCKET,
        fires: |_, p| public_access_block(p, "RestrictPublicBuckets"),
        hint: "remove the edit of `PublicAccessBlockConfiguration`: Girder blocks all public access to a bucket",
    },
    Rule {
        id: "CKV_AWS_57",
        title: "Ensure the S3 bucket does not allow WRITE permissions to everyone",
        types: BUCKET,
        fires: |_, p| {
            forbidden(p, "AccessControl", &["PublicReadWrite"])
                .then(|| fired("AccessControl", "the bucket's ACL lets anyone write to it"))
        },
        hint: "remove the edit of `AccessControl`: Girder's buckets are private, and their owner owns every object",
    },
    Rule {
        id: "CKV_AWS_58",
        title: "Ensure EKS Cluster has Secrets Encryption Enabled",
        types: &["AWS::EKS::Cluster"],
        fires: |_, p| {
            let configs = match p.get("EncryptionConfig") {
                None => return Some(secrets_unencrypted()),
                Some(Value::Array(configs)) => configs,
                Some(_) => return None,
            };
            let mut unsure = false;
            for config in configs {
                match config.get("Resources") {
                    Some(Value::Array(resources)) => {
                        if resources.iter().any(|r| r.as_str() == Some("secrets")) {
                            return None;
                        }
                        unsure |= resources.iter().any(|r| !r.is_string());
                    }
                    Some(_) => unsure = true,
                    None => {}
                }
                unsure |= config.as_object().is_some_and(is_intrinsic);
            }
            (!unsure).then(secrets_unencrypted)
        },
        hint: "remove the edit of `EncryptionConfig`: Girder encrypts a cluster's Secrets with its own KMS key",
    },
    Rule {
        id: "CKV_AWS_60",
        title: "Ensure IAM role allows only specific services or principals to assume it",
        types: ROLE,
        fires: |_, p| {
            let statements = assume_role_statements(p)?;
            statements.iter().enumerate().find_map(|(i, s)| {
                let s = s.as_object()?;
                if s.get("Effect").and_then(Value::as_str) == Some("Deny") {
                    return None;
                }
                let aws = s.get("Principal")?.as_object()?.get("AWS")?;
                wildcard(aws).then(|| {
                    fired(
                        &format!("AssumeRolePolicyDocument.Statement.{i}.Principal.AWS"),
                        "any AWS principal may assume the role",
                    )
                })
            })
        },
        hint: "trust only the principals that assume the role: Girder's roles trust a service, or one service account through the cluster's OIDC provider",
    },
    Rule {
        id: "CKV_AWS_61",
        title: "Ensure AWS IAM policy does not allow assume role permission across all services",
        types: ROLE,
        fires: |_, p| {
            // checkov reads the first statement's first AWS principal only.
            let first = assume_role_statements(p)?.first()?;
            let principal = first.get("Principal")?.get("AWS")?.as_array()?.first()?;
            let principal = principal.as_str()?;
            account_access(principal).then(|| {
                fired(
                    "AssumeRolePolicyDocument.Statement.0.Principal.AWS",
                    &format!(
                        "any principal of account `{principal}` may assume the role, if its own policies allow"
                    ),
                )
            })
        },
        hint: "trust a role or service of the account, not the whole account",
    },
    Rule {
        id: "CKV_AWS_62",
        title: "Ensure no IAM policies that allow full \"*-*\" administrative privileges are not created",
        types: IAM_DOCUMENTS,
        fires: |ty, p| {
            policy_documents(ty, p).find_map(|(at, document)| {
                statements(document).find_map(|(i, s)| {
                    let s = s.as_object()?;
                    s.get("Action")?;
                    let allows = s.get("Effect").is_none_or(|e| e.as_str() == Some("Allow"));
                    (allows && contains_star(s.get("Action")) && contains_star(s.get("Resource")))
                        .then(|| {
                            fired(
                                &format!("{at}.Statement.{i}"),
                                "the policy allows every action on every resource",
                            )
                        })
                })
            })
        },
        hint: "allow the actions the principal needs on its resources: Girder's grants (`.read()`, `.write()` on a connection) name both",
    },
    Rule {
        id: "CKV_AWS_63",
        title: "Ensure no IAM policies documents allow \"*\" as a statement's actions",
        types: IAM_DOCUMENTS,
        fires: |ty, p| {
            policy_documents(ty, p).find_map(|(at, document)| {
                // checkov judges the first statement of each document only, and only one that
                // says `"Effect": "Allow"`.
                let (i, s) = statements(document).next()?;
                let s = s.as_object()?;
                (s.get("Effect").and_then(Value::as_str) == Some("Allow")
                    && contains_star(s.get("Action")))
                .then(|| {
                    fired(
                        &format!("{at}.Statement.{i}.Action"),
                        "the policy allows every action",
                    )
                })
            })
        },
        hint: "list the actions the principal needs: Girder's grants (`.read()`, `.write()` on a connection) name them",
    },
    Rule {
        id: "CKV_AWS_66",
        title: "Ensure that CloudWatch Log Group specifies retention days",
        types: LOG_GROUP,
        fires: |_, p| {
            expect(p, &["RetentionInDays"], Expect::Any, Missing::Fires)
                .then(|| fired("RetentionInDays", "the log group keeps its logs forever"))
        },
        hint: "remove the edit that drops `RetentionInDays`: Girder keeps a cluster's logs for a set number of days",
    },
    Rule {
        id: "CKV_AWS_79",
        title: "Ensure Instance Metadata Service Version 1 is not enabled",
        types: LAUNCH_TEMPLATE,
        fires: |_, p| {
            let path = ["LaunchTemplateData", "MetadataOptions", "HttpTokens"];
            let disabled = ["LaunchTemplateData", "MetadataOptions", "HttpEndpoint"];
            if let At::Value(Value::String(endpoint)) = at(p, &disabled)
                && endpoint == "disabled"
            {
                return None;
            }
            expect(p, &path, Expect::Strs(&["required"]), Missing::Fires).then(|| {
                fired(
                    &path.join("."),
                    "the nodes answer IMDSv1 requests, without a session token",
                )
            })
        },
        hint: "remove the edit of `MetadataOptions`: Girder's node groups require IMDSv2 tokens",
    },
    Rule {
        id: "CKV_AWS_88",
        title: "EC2 instance should not have public IP.",
        types: LAUNCH_TEMPLATE,
        fires: |_, p| {
            let Some(Value::Array(interfaces)) = p
                .get("LaunchTemplateData")
                .and_then(|d| d.get("NetworkInterfaces"))
            else {
                return None;
            };
            for (i, interface) in interfaces.iter().enumerate() {
                // checkov stops, undecided, at an interface that does not say.
                let public = interface.get("AssociatePublicIpAddress")?;
                if public == &Value::Bool(true) {
                    return Some(fired(
                        &format!(
                            "LaunchTemplateData.NetworkInterfaces.{i}.AssociatePublicIpAddress"
                        ),
                        "the instances get a public address",
                    ));
                }
            }
            None
        },
        hint: "remove `AssociatePublicIpAddress`: Girder's nodes run in private subnets and reach out through NAT",
    },
    Rule {
        id: "CKV_AWS_96",
        title: "Ensure all data stored in Aurora is securely encrypted at rest",
        types: DB_CLUSTER,
        fires: |_, p| {
            // A cluster restored from a snapshot or a cluster takes its source's encryption.
            if p.contains_key("SnapshotIdentifier") || p.contains_key("SourceDBClusterIdentifier") {
                return None;
            }
            expect(p, &["StorageEncrypted"], Expect::Bool(true), Missing::Fires)
                .then(|| fired("StorageEncrypted", "the cluster's storage is not encrypted"))
        },
        hint: "set `StorageEncrypted: true`, with a KMS key of the stack (`KmsKeyId`)",
    },
    Rule {
        id: "CKV_AWS_100",
        title: "Ensure AWS EKS node group does not have implicit SSH access from 0.0.0.0/0",
        types: &["AWS::EKS::Nodegroup"],
        fires: |_, p| {
            let Some(Value::Object(remote)) = p.get("RemoteAccess") else {
                return None;
            };
            (remote.contains_key("Ec2SshKey") && !remote.contains_key("SourceSecurityGroups")).then(
                || {
                    fired(
                        "RemoteAccess",
                        "SSH to the nodes is open to every address, with the key pair",
                    )
                },
            )
        },
        hint: "remove `RemoteAccess` (reach nodes with SSM Session Manager), or limit it with `SourceSecurityGroups`",
    },
    Rule {
        id: "CKV_AWS_118",
        title: "Ensure that enhanced monitoring is enabled for Amazon RDS instances",
        types: DB_INSTANCE,
        fires: |_, p| {
            expect(
                p,
                &["MonitoringInterval"],
                Expect::Ints(&[1, 5, 10, 15, 30, 60]),
                Missing::Fires,
            )
            .then(|| {
                fired(
                    "MonitoringInterval",
                    "the instance has no enhanced monitoring (an interval of 1, 5, 10, 15, 30 or 60 seconds)",
                )
            })
        },
        hint: "remove the edit of `MonitoringInterval`: Girder monitors a database every 60 seconds",
    },
    Rule {
        id: "CKV_AWS_136",
        title: "Ensure that ECR repositories are encrypted using KMS",
        types: REPOSITORY,
        fires: |_, p| {
            let path = ["EncryptionConfiguration", "EncryptionType"];
            expect(p, &path, Expect::Strs(&["KMS"]), Missing::Fires).then(|| {
                fired(
                    &path.join("."),
                    "the repository's images are not encrypted with KMS",
                )
            })
        },
        hint: "remove the edit of `EncryptionConfiguration`: Girder encrypts a repository with KMS",
    },
    Rule {
        id: "CKV_AWS_149",
        title: "Ensure that Secrets Manager secret is encrypted using KMS CMK",
        types: &["AWS::SecretsManager::Secret"],
        fires: |_, p| {
            let own_key = match p.get("KmsKeyId") {
                Some(Value::String(key)) => !key.is_empty() && !key.contains("aws/"),
                Some(value) => truthy(Some(value)),
                None => false,
            };
            (!own_key).then(|| {
                fired(
                    "KmsKeyId",
                    "the secret is encrypted with the account's `aws/secretsmanager` key, which every principal of the account with access to Secrets Manager may use",
                )
            })
        },
        hint: "remove the edit of `KmsKeyId`: Girder encrypts a secret with a key of its own",
    },
    Rule {
        id: "CKV_AWS_157",
        title: "Ensure that RDS instances have Multi-AZ enabled",
        types: DB_INSTANCE,
        fires: |_, p| {
            (!aurora(p) && expect(p, &["MultiAZ"], Expect::Bool(true), Missing::Fires)).then(|| {
                fired(
                    "MultiAZ",
                    "the instance runs in one availability zone: its failure stops the database",
                )
            })
        },
        hint: "keep `multi_az(true)` (the default of `Postgres`)",
    },
    Rule {
        id: "CKV_AWS_158",
        title: "Ensure that CloudWatch Log Group is encrypted by KMS",
        types: LOG_GROUP,
        fires: |_, p| {
            expect(p, &["KmsKeyId"], Expect::Any, Missing::Fires)
                .then(|| fired("KmsKeyId", "the log group is not encrypted with a KMS key"))
        },
        hint: "remove the edit that drops `KmsKeyId`: Girder encrypts a cluster's logs with its own KMS key",
    },
    Rule {
        id: "CKV_AWS_161",
        title: "Ensure RDS database has IAM authentication enabled",
        types: DB_INSTANCE,
        fires: |_, p| {
            let engine = p.get("Engine").and_then(Value::as_str);
            (matches!(engine, Some("mysql" | "postgres"))
                && expect(
                    p,
                    &["EnableIAMDatabaseAuthentication"],
                    Expect::Bool(true),
                    Missing::Fires,
                ))
            .then(|| {
                fired(
                    "EnableIAMDatabaseAuthentication",
                    "the database accepts passwords only, not IAM credentials",
                )
            })
        },
        hint: "remove the edit of `EnableIAMDatabaseAuthentication`: Girder enables IAM authentication on its databases",
    },
    Rule {
        id: "CKV_AWS_162",
        title: "Ensure RDS cluster has IAM authentication enabled",
        types: DB_CLUSTER,
        fires: |_, p| {
            expect(
                p,
                &["EnableIAMDatabaseAuthentication"],
                Expect::Bool(true),
                Missing::Fires,
            )
            .then(|| {
                fired(
                    "EnableIAMDatabaseAuthentication",
                    "the cluster accepts passwords only, not IAM credentials",
                )
            })
        },
        hint: "set `EnableIAMDatabaseAuthentication: true`",
    },
    Rule {
        id: "CKV_AWS_163",
        title: "Ensure ECR image scanning on push is enabled",
        types: REPOSITORY,
        fires: |_, p| {
            let path = ["ImageScanningConfiguration", "ScanOnPush"];
            expect(p, &path, Expect::Bool(true), Missing::Fires).then(|| {
                fired(
                    &path.join("."),
                    "pushed images are not scanned for vulnerabilities",
                )
            })
        },
        hint: "remove the edit of `ImageScanningConfiguration`: Girder's repositories scan on push",
    },
    Rule {
        id: "CKV_AWS_166",
        title: "Ensure Backup Vault is encrypted at rest using KMS CMK",
        types: &["AWS::Backup::BackupVault"],
        fires: |_, p| {
            expect(p, &["EncryptionKeyArn"], Expect::Any, Missing::Fires).then(|| {
                fired(
                    "EncryptionKeyArn",
                    "the vault's recovery points are encrypted with the account's AWS managed key",
                )
            })
        },
        hint: "remove the edit that drops `EncryptionKeyArn`: Girder encrypts a database's backups with the database's key",
    },
    Rule {
        id: "CKV_AWS_260",
        title: "Ensure no security groups allow ingress from 0.0.0.0:0 to port 80",
        types: SG_INGRESS,
        fires: |ty, p| open_port(ty, p, 80),
        hint: "remove the rule, or let in only the addresses that need the port (a security group, a prefix list or a narrower CIDR)",
    },
];

fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

fn fired(field: &str, message: &str) -> Fired {
    (field.to_owned(), message.to_owned())
}

/// Whether `object` is an intrinsic function (`{"Ref": ..}`, `{"Fn::GetAtt": ..}`, ...): a value
/// known once deployed, which no check can judge.
fn is_intrinsic(object: &Map<String, Value>) -> bool {
    object.len() == 1
        && object
            .keys()
            .all(|k| k == "Ref" || k == "Condition" || k.starts_with("Fn::"))
}

fn intrinsic(value: &Value) -> bool {
    value.as_object().is_some_and(is_intrinsic)
}

/// A value as checkov finds it at a path of the properties.
enum At<'a> {
    /// The path does not exist.
    Missing,
    /// An intrinsic function stands on the path: known once deployed.
    Unknown,
    /// The value.
    Value(&'a Value),
}

/// The value at `path` (keys, and list indices as numbers) of `properties`.
fn at<'a>(properties: &'a Map<String, Value>, path: &[&str]) -> At<'a> {
    let Some((first, rest)) = path.split_first() else {
        return At::Missing;
    };
    let Some(mut value) = properties.get(*first) else {
        return At::Missing;
    };
    for key in rest {
        if intrinsic(value) {
            return At::Unknown;
        }
        let next = match value {
            Value::Object(map) => map.get(*key),
            Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        let Some(next) = next else {
            return At::Missing;
        };
        value = next;
    }
    if intrinsic(value) {
        At::Unknown
    } else {
        At::Value(value)
    }
}

/// What a value check accepts.
enum Expect {
    /// Any value but null and the empty string.
    Any,
    Bool(bool),
    Strs(&'static [&'static str]),
    /// Numbers, written as numbers or strings.
    Ints(&'static [i64]),
}

/// What a value check concludes when the value is absent.
#[derive(PartialEq)]
enum Missing {
    Fires,
    Passes,
}

/// checkov's value check: whether the value at `path` makes the check fire.
fn expect(
    properties: &Map<String, Value>,
    path: &[&str],
    expected: Expect,
    missing: Missing,
) -> bool {
    let value = match at(properties, path) {
        At::Missing => return missing == Missing::Fires,
        At::Unknown => return false,
        At::Value(value) => value,
    };
    if let Expect::Any = expected {
        return matches!(value, Value::Null) || value.as_str() == Some("");
    }
    let value = match value {
        Value::Array(items) if items.len() == 1 => &items[0],
        value => value,
    };
    if intrinsic(value) {
        return false;
    }
    let matches = match (&expected, value) {
        (Expect::Any, _) => true,
        (Expect::Bool(b), Value::Bool(v)) => v == b,
        // CloudFormation takes "true" and "false" for booleans; checkov too.
        (Expect::Bool(b), Value::String(v)) => {
            v.eq_ignore_ascii_case(if *b { "true" } else { "false" })
        }
        (Expect::Strs(options), Value::String(v)) => options.contains(&v.as_str()),
        (Expect::Ints(options), Value::Number(n)) => {
            n.as_i64().is_some_and(|n| options.contains(&n))
        }
        (Expect::Ints(options), Value::String(v)) => v
            .parse::<i64>()
            .is_ok_and(|n| options.contains(&n) && n.to_string() == *v),
        _ => false,
    };
    !matches
}

/// checkov's negative value check: whether the value at `key` is one of `values`.
fn forbidden(properties: &Map<String, Value>, key: &str, values: &[&str]) -> bool {
    properties
        .get(key)
        .and_then(Value::as_str)
        .is_some_and(|v| values.contains(&v))
}

/// Python's truth of a value: absent, null, false, 0, "" and empty collections are false.
fn truthy(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64() != Some(0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
    }
}

fn aurora(properties: &Map<String, Value>) -> bool {
    match properties.get("Engine") {
        Some(Value::String(engine)) => engine.contains("aurora"),
        // An engine known once deployed: checkov cannot tell, and Girder does not fire.
        Some(_) => true,
        None => false,
    }
}

fn public_access_block(properties: &Map<String, Value>, key: &str) -> Option<Fired> {
    let path = ["PublicAccessBlockConfiguration", key];
    expect(properties, &path, Expect::Bool(true), Missing::Fires).then(|| {
        fired(
            &path.join("."),
            &format!("`{key}` is not `true`: the bucket may be made public"),
        )
    })
}

fn secrets_unencrypted() -> Fired {
    fired(
        "EncryptionConfig",
        "the cluster's Kubernetes Secrets are not encrypted with a KMS key",
    )
}

/// Whether a principal is `*` or a list holding `*`.
fn wildcard(principal: &Value) -> bool {
    match principal {
        Value::String(p) => p == "*",
        Value::Array(items) => items.iter().any(|p| p.as_str() == Some("*")),
        _ => false,
    }
}

fn contains_star(value: Option<&Value>) -> bool {
    match value {
        Some(Value::String(s)) => s == "*",
        Some(Value::Array(items)) => items.iter().any(|v| v.as_str() == Some("*")),
        _ => false,
    }
}

/// checkov's test of an account principal: a string starting with 12 digits, or an account's
/// root ARN.
fn account_access(principal: &str) -> bool {
    let digits = |s: &str| s.len() >= 12 && s.as_bytes()[..12].iter().all(u8::is_ascii_digit);
    digits(principal)
        || principal
            .strip_prefix("arn:aws:iam::")
            .is_some_and(|rest| digits(rest) && rest[12..].starts_with(":root"))
}

fn assume_role_statements(properties: &Map<String, Value>) -> Option<&Vec<Value>> {
    properties
        .get("AssumeRolePolicyDocument")?
        .get("Statement")?
        .as_array()
}

/// The policy documents of an IAM resource: `PolicyDocument` of a policy, each inline
/// `Policies[i].PolicyDocument` of a role, group or user; with where they are.
fn policy_documents<'a>(
    type_name: &str,
    properties: &'a Map<String, Value>,
) -> Box<dyn Iterator<Item = (String, &'a Value)> + 'a> {
    if type_name == "AWS::IAM::Policy" {
        return Box::new(
            properties
                .get("PolicyDocument")
                .map(|d| ("PolicyDocument".to_owned(), d))
                .into_iter(),
        );
    }
    let policies = properties.get("Policies").and_then(Value::as_array);
    Box::new(
        policies
            .into_iter()
            .flatten()
            .enumerate()
            .filter_map(|(i, policy)| {
                Some((
                    format!("Policies.{i}.PolicyDocument"),
                    policy.get("PolicyDocument")?,
                ))
            }),
    )
}

/// The statements of a policy document (one statement may stand alone, as checkov reads it).
fn statements(document: &Value) -> Box<dyn Iterator<Item = (usize, &Value)> + '_> {
    match document.get("Statement") {
        Some(Value::Array(items)) => Box::new(items.iter().enumerate()),
        Some(statement @ Value::Object(_)) => Box::new(std::iter::once((0, statement))),
        _ => Box::new(std::iter::empty()),
    }
}

fn public_repository(statements: Option<&Value>) -> Option<Fired> {
    let statements = statements?.as_array()?;
    statements.iter().enumerate().find_map(|(i, s)| {
        let s = s.as_object()?;
        let mut principal = s.get("Principal")?;
        if let Value::Object(p) = principal
            && let Some(aws) = p.get("AWS")
        {
            principal = aws;
        }
        let constrained = s.get("Condition").is_some_and(|c| {
            [
                "StringEquals",
                "ForAllValues:StringEquals",
                "ForAnyValue:StringEquals",
            ]
            .iter()
            .find_map(|op| c.get(*op))
            .and_then(Value::as_object)
            .is_some_and(|m| m.contains_key("aws:PrincipalOrgID"))
        });
        (wildcard(principal) && !constrained).then(|| {
            fired(
                &format!("RepositoryPolicyText.Statement.{i}.Principal"),
                "the repository policy allows any principal",
            )
        })
    })
}

/// checkov's open-port check of a security group's ingress rules, or of one ingress rule.
fn open_port(type_name: &str, properties: &Map<String, Value>, port: i64) -> Option<Fired> {
    let rules: Vec<(String, &Map<String, Value>)> = if type_name == "AWS::EC2::SecurityGroup" {
        match properties.get("SecurityGroupIngress") {
            Some(Value::Array(rules)) => rules
                .iter()
                .enumerate()
                .filter_map(|(i, r)| Some((format!("SecurityGroupIngress.{i}"), r.as_object()?)))
                .collect(),
            _ => return None,
        }
    } else {
        vec![(String::new(), properties)]
    };
    rules.into_iter().find_map(|(at, rule)| {
        let (from, to) = match (rule.get("FromPort")?, rule.get("ToPort")?) {
            (Value::Number(from), Value::Number(to)) => (from.as_i64()?, to.as_i64()?),
            (Value::String(from), Value::String(to)) => (from.parse().ok()?, to.parse().ok()?),
            _ => return None,
        };
        if !(from <= port && port <= to) {
            return None;
        }
        let open = match (rule.get("CidrIp"), rule.get("CidrIpv6")) {
            (Some(cidr), _) => cidr.as_str() == Some("0.0.0.0/0"),
            (None, Some(cidr)) => matches!(
                cidr.as_str(),
                Some("::/0" | "0000:0000:0000:0000:0000:0000:0000:0000/0")
            ),
            (None, None) => false,
        };
        let field = if at.is_empty() {
            "CidrIp".to_owned()
        } else {
            format!("{at}.CidrIp")
        };
        open.then(|| {
            (
                field,
                format!("the rule lets every address in to port {port} (ports {from} to {to})"),
            )
        })
    })
}

/// One suppression found on a resource.
struct Skip {
    id: String,
    /// Whether a check that fired used it.
    used: bool,
}

/// The suppressions of a resource: the typed ones, or those of a `checkov` metadata key set by
/// hand (which checkov reads as well; [`crate::limits`] reports a resource with both).
fn skips(entry: &ResourceEntry) -> Vec<Skip> {
    if !entry.checkov_skips().is_empty() {
        return entry
            .checkov_skips()
            .iter()
            .map(|s| Skip {
                id: s.id.trim().to_owned(),
                used: false,
            })
            .collect();
    }
    let Some(raw) = entry.metadata().get("checkov") else {
        return Vec::new();
    };
    let Ok(raw) = serde_json::to_value(raw) else {
        return Vec::new();
    };
    raw.get("skip")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| s.get("id")?.as_str())
        .map(|id| Skip {
            id: id.trim().to_owned(),
            used: false,
        })
        .collect()
}

/// Whether an id has the form of a checkov check of AWS resources (what [`crate::limits`]
/// reports otherwise).
fn checkov_form(id: &str) -> bool {
    ["CKV_AWS_", "CKV2_AWS_"].iter().any(|prefix| {
        id.strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// Whether any check runs on resources of `type_name`: the resources worth turning into JSON.
fn checked(type_name: &str) -> bool {
    RULES.iter().any(|r| r.types.contains(&type_name))
}

/// The properties the checks of each type read (every property of a type not listed).
const READ: &[(&str, &[&str])] = &[
    (
        "AWS::S3::Bucket",
        &[
            "AccessControl",
            "BucketEncryption",
            "LoggingConfiguration",
            "PublicAccessBlockConfiguration",
            "VersioningConfiguration",
        ],
    ),
    (
        "AWS::RDS::DBInstance",
        &[
            "EnableIAMDatabaseAuthentication",
            "Engine",
            "MonitoringInterval",
            "MultiAZ",
            "PubliclyAccessible",
            "StorageEncrypted",
        ],
    ),
    (
        "AWS::RDS::DBCluster",
        &[
            "EnableIAMDatabaseAuthentication",
            "SnapshotIdentifier",
            "SourceDBClusterIdentifier",
            "StorageEncrypted",
        ],
    ),
    (
        "AWS::KMS::Key",
        &["EnableKeyRotation", "KeyPolicy", "KeySpec"],
    ),
    (
        "AWS::ElastiCache::ReplicationGroup",
        &[
            "AtRestEncryptionEnabled",
            "AuthToken",
            "TransitEncryptionEnabled",
            "UserGroupIds",
        ],
    ),
    (
        "AWS::ECR::Repository",
        &[
            "EncryptionConfiguration",
            "ImageScanningConfiguration",
            "ImageTagMutability",
            "RepositoryPolicyText",
        ],
    ),
    ("AWS::Logs::LogGroup", &["KmsKeyId", "RetentionInDays"]),
    ("AWS::EC2::LaunchTemplate", &["LaunchTemplateData"]),
    ("AWS::IAM::Role", &["AssumeRolePolicyDocument", "Policies"]),
    ("AWS::IAM::Policy", &["PolicyDocument", "Users"]),
    ("AWS::IAM::Group", &["Policies"]),
    ("AWS::IAM::User", &["Policies"]),
    (
        "AWS::EC2::SecurityGroup",
        &["SecurityGroupEgress", "SecurityGroupIngress"],
    ),
    ("AWS::SNS::Topic", &["KmsMasterKeyId"]),
    ("AWS::SQS::Queue", &["KmsMasterKeyId"]),
    ("AWS::SecretsManager::Secret", &["KmsKeyId"]),
    ("AWS::EKS::Cluster", &["EncryptionConfig"]),
    ("AWS::EKS::Nodegroup", &["RemoteAccess"]),
    ("AWS::Backup::BackupVault", &["EncryptionKeyArn"]),
];

/// The IAM types, whose checks (`CKV_AWS_40`, `_60` to `_63`) are all that run on them.
const IAM: &[&str] = &[
    "AWS::IAM::Policy",
    "AWS::IAM::Group",
    "AWS::IAM::Role",
    "AWS::IAM::User",
];

/// Whether an IAM check may fire on `entry`: each needs the string `"*"` (an
/// action, a resource or a principal), an `"AWS"` principal (an account) or `"Users"`. Most
/// documents name none, and need not be built into JSON values (which would cost synth a tenth
/// more on a program of many roles): a walk of them tells, without writing them anywhere.
fn iam_may_fire(entry: &ResourceEntry) -> bool {
    entry.screen_properties()
}

fn read(type_name: &str) -> Option<&'static [&'static str]> {
    READ.iter()
        .find(|(t, _)| *t == type_name)
        .map(|(_, keys)| *keys)
}

/// Runs the checks on one final resource, honouring the suppressions it carries, and checks
/// those suppressions.
///
/// ```
/// use girder_aws::checks::check;
/// use girder_aws::{Entry, Intrinsic, Resource, ResourceEntry, Walk};
///
/// // A topic type; `girder_aws::sns::Topic` (feature `sns`) is the generated one.
/// #[derive(Clone, Debug, Default, serde::Serialize)]
/// struct Topic {}
/// impl Walk for Topic {
///     fn walk(&self, _: &mut dyn FnMut(&Intrinsic)) {}
///     fn walk_mut(&mut self, _: &mut dyn FnMut(&mut Intrinsic)) {}
/// }
/// impl Resource for Topic {
///     const TYPE_NAME: &'static str = "AWS::SNS::Topic";
///     const CREATE_ONLY: &'static [&'static str] = &[];
///     const DOCUMENTATION: &'static str = "";
/// }
///
/// // Without `KmsMasterKeyId`, CKV_AWS_26 fires...
/// let plain = ResourceEntry::new(Topic::default());
/// let findings = check(&plain);
/// assert!(findings[0].message.starts_with("CKV_AWS_26 (Ensure all data stored in the SNS topic is encrypted)"));
/// // ...unless the resource accepts it with a reason.
/// let accepted: ResourceEntry = Entry::new(Topic::default())
///     .checkov_skip("CKV_AWS_26", "alerts carry no data")
///     .into();
/// assert!(check(&accepted).is_empty());
/// // A suppression of a check that does not run on topics is an error.
/// let wrong: ResourceEntry = Entry::new(Topic::default())
///     .checkov_skip("CKV_AWS_26", "alerts carry no data")
///     .checkov_skip("CKV_AWS_18", "no logs")
///     .into();
/// assert!(check(&wrong)[0].message.contains("checkov runs it on AWS::S3::Bucket"));
/// ```
pub fn check(entry: &ResourceEntry) -> Vec<Finding> {
    let type_name = entry.type_name();
    let mut skips = skips(entry);
    let mut out = Vec::new();
    if !checked(type_name) && skips.is_empty() {
        return out;
    }
    if skips.is_empty() && IAM.contains(&type_name) && !iam_may_fire(entry) {
        return out;
    }
    let properties = entry.pick_properties(read(type_name)).unwrap_or_default();
    let properties = &properties;
    for rule in RULES.iter().filter(|r| r.types.contains(&type_name)) {
        let Some((field, message)) = (rule.fires)(type_name, properties) else {
            continue;
        };
        if let Some(skip) = skips.iter_mut().find(|s| s.id == rule.id) {
            skip.used = true;
            continue;
        }
        out.push(Finding {
            field: format!("Properties.{field}"),
            message: format!("{} ({}): {message}", rule.id, rule.title),
            hint: format!("{}, {}", rule.hint, ACCEPT.replace("{id}", rule.id)),
        });
    }
    for (i, skip) in skips.iter().enumerate() {
        let id = skip.id.as_str();
        let mut push = |message: String, hint: &str| {
            out.push(Finding {
                field: format!("Metadata.checkov.skip.{i}"),
                message,
                hint: hint.to_owned(),
            });
        };
        if skips[..i].iter().any(|s| s.id == id) {
            push(
                format!("`{id}` is suppressed twice"),
                "accept a check once per resource",
            );
            continue;
        }
        if !checkov_form(id) {
            // `limits` reports it.
            continue;
        }
        let Some(rule) = rule(id) else {
            push(
                format!(
                    "`{id}` is not a checkov check Girder evaluates, so the suppression cannot be shown to have an effect"
                ),
                "remove it; Girder evaluates the checks listed in `girder::aws::checks` (`Check::CKV_AWS_..`)",
            );
            continue;
        };
        if !rule.types.contains(&type_name) {
            push(
                format!(
                    "`{id}` has no effect here: checkov runs it on {}, not on {type_name}",
                    rule.types.join(", ")
                ),
                "remove the suppression",
            );
        } else if !skip.used {
            push(
                format!(
                    "`{id}` ({}) would not fire on this resource, so its suppression has no effect",
                    rule.title
                ),
                "remove the suppression (or `.accept`), which would otherwise hide a future finding",
            );
        }
    }
    out
}

/// The properties a check reads, as JSON: only the top-level `keys` of `properties` (every
/// key when `keys` is `None`). Resources carry much that no check reads (tags, lifecycle rules,
/// alarm dimensions), and turning all of it into JSON values would cost synth a fifth more.
pub(crate) fn pick<R: Serialize + ?Sized>(
    properties: &R,
    keys: Option<&[&str]>,
) -> serde_json::Result<Map<String, Value>> {
    let all = |properties: &R| match serde_json::to_value(properties)? {
        Value::Object(map) => Ok(map),
        _ => Ok(Map::new()),
    };
    let Some(keys) = keys else {
        return all(properties);
    };
    match properties.serialize(Picker { keys }) {
        Ok(map) => Ok(map),
        // Properties that are not a plain struct (a map, a flattened struct): all of them.
        Err(Unpicked) => all(properties),
    }
}

/// The error of [`Picker`]: the properties are not a struct it can pick fields of.
#[derive(Debug)]
struct Unpicked;

impl std::fmt::Display for Unpicked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not a struct")
    }
}

impl std::error::Error for Unpicked {}

impl ser::Error for Unpicked {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Unpicked
    }
}

/// A serializer of a struct into the JSON values of some of its fields.
struct Picker<'k> {
    keys: &'k [&'k str],
}

/// The fields picked so far.
struct Picked<'k> {
    keys: &'k [&'k str],
    map: Map<String, Value>,
}

impl ser::SerializeStruct for Picked<'_> {
    type Ok = Map<String, Value>;
    type Error = Unpicked;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unpicked> {
        if self.keys.contains(&key) {
            let value = serde_json::to_value(value).map_err(|_| Unpicked)?;
            self.map.insert(key.to_owned(), value);
        }
        Ok(())
    }

    fn end(self) -> Result<Self::Ok, Unpicked> {
        Ok(self.map)
    }
}

macro_rules! unpicked {
    ($($name:ident($($arg:ty),*);)*) => {
        $(fn $name(self, $(_: $arg),*) -> Result<Self::Ok, Unpicked> { Err(Unpicked) })*
    };
}

impl<'k> ser::Serializer for Picker<'k> {
    type Ok = Map<String, Value>;
    type Error = Unpicked;
    type SerializeSeq = ser::Impossible<Self::Ok, Unpicked>;
    type SerializeTuple = ser::Impossible<Self::Ok, Unpicked>;
    type SerializeTupleStruct = ser::Impossible<Self::Ok, Unpicked>;
    type SerializeTupleVariant = ser::Impossible<Self::Ok, Unpicked>;
    type SerializeMap = ser::Impossible<Self::Ok, Unpicked>;
    type SerializeStruct = Picked<'k>;
    type SerializeStructVariant = ser::Impossible<Self::Ok, Unpicked>;

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Picked<'k>, Unpicked> {
        Ok(Picked {
            keys: self.keys,
            map: Map::new(),
        })
    }

    unpicked! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_char(char);
        serialize_str(&str);
        serialize_bytes(&[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<Self::Ok, Unpicked> {
        Err(Unpicked)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<Self::Ok, Unpicked> {
        Err(Unpicked)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Self::Ok, Unpicked> {
        Err(Unpicked)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Unpicked> {
        Err(Unpicked)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unpicked> {
        Err(Unpicked)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Unpicked> {
        Err(Unpicked)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unpicked> {
        Err(Unpicked)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unpicked> {
        Err(Unpicked)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unpicked> {
        Err(Unpicked)
    }
}

/// Walks a resource's properties for what an IAM check needs to fire (see [`iam_may_fire`]),
/// without writing them anywhere; stops at the first.
struct Screen {
    /// Whether the next string is a map key.
    key: bool,
}

impl Screen {
    fn string(&mut self, v: &str) -> Result<(), Unpicked> {
        let key = std::mem::take(&mut self.key);
        let hit = if key {
            v == "AWS" || v == "Users"
        } else {
            v == "*"
        };
        if hit { Err(Unpicked) } else { Ok(()) }
    }
}

macro_rules! screened {
    ($($name:ident($($arg:ty),*);)*) => {
        $(fn $name(self, $(_: $arg),*) -> Result<(), Unpicked> {
            self.key = false;
            Ok(())
        })*
    };
}

impl ser::Serializer for &mut Screen {
    type Ok = ();
    type Error = Unpicked;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    screened! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_char(char);
        serialize_bytes(&[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(&'static str);
    }

    fn serialize_str(self, v: &str) -> Result<(), Unpicked> {
        self.string(v)
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        v: &'static str,
    ) -> Result<(), Unpicked> {
        self.string(v)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Unpicked> {
        v.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Unpicked> {
        v.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        v: &T,
    ) -> Result<(), Unpicked> {
        v.serialize(self)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Unpicked> {
        Ok(self)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self, Unpicked> {
        Ok(self)
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Unpicked> {
        Ok(self)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Unpicked> {
        Ok(self)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self, Unpicked> {
        Ok(self)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Unpicked> {
        Ok(self)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Unpicked> {
        Ok(self)
    }
}

macro_rules! screen_elements {
    ($($trait:ident :: $method:ident),*) => {
        $(impl ser::$trait for &mut Screen {
            type Ok = ();
            type Error = Unpicked;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unpicked> {
                v.serialize(&mut **self)
            }
            fn end(self) -> Result<(), Unpicked> {
                Ok(())
            }
        })*
    };
}

screen_elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for &mut Screen {
    type Ok = ();
    type Error = Unpicked;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), Unpicked> {
        self.key = true;
        k.serialize(&mut **self)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unpicked> {
        v.serialize(&mut **self)
    }
    fn end(self) -> Result<(), Unpicked> {
        Ok(())
    }
}

impl ser::SerializeStruct for &mut Screen {
    type Ok = ();
    type Error = Unpicked;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), Unpicked> {
        self.key = true;
        self.string(key)?;
        v.serialize(&mut **self)
    }
    fn end(self) -> Result<(), Unpicked> {
        Ok(())
    }
}

impl ser::SerializeStructVariant for &mut Screen {
    type Ok = ();
    type Error = Unpicked;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), Unpicked> {
        self.key = true;
        self.string(key)?;
        v.serialize(&mut **self)
    }
    fn end(self) -> Result<(), Unpicked> {
        Ok(())
    }
}

/// Whether `properties` hold the string `"*"`, or a key `AWS` or `Users`.
pub(crate) fn screen<R: Serialize + ?Sized>(properties: &R) -> bool {
    properties.serialize(&mut Screen { key: false }).is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_constant_has_a_rule_and_every_rule_is_known() {
        for rule in RULES {
            assert!(checkov_form(rule.id), "{}", rule.id);
            assert!(!rule.types.is_empty(), "{}", rule.id);
            assert_eq!(
                RULES.iter().filter(|r| r.id == rule.id).count(),
                1,
                "{}",
                rule.id
            );
        }
        assert_eq!(Check::ALL.len(), RULES.len());
        for check in Check::ALL {
            assert!(!check.title().is_empty(), "{check}");
        }
        assert!(Check::CKV_AWS_24.runs_on("AWS::EC2::SecurityGroupIngress"));
    }

    #[test]
    fn intrinsics_do_not_fire() {
        let props = serde_json::json!({
            "MultiAZ": {"Fn::If": ["Prod", true, false]},
            "StorageEncrypted": {"Ref": "Encrypted"},
            "MonitoringInterval": "60",
            "PubliclyAccessible": "false",
            "Engine": "postgres",
            "EnableIAMDatabaseAuthentication": "True",
        });
        let Value::Object(props) = props else {
            unreachable!()
        };
        for id in [
            "CKV_AWS_16",
            "CKV_AWS_17",
            "CKV_AWS_118",
            "CKV_AWS_157",
            "CKV_AWS_161",
        ] {
            let rule = rule(id).unwrap();
            assert_eq!((rule.fires)("AWS::RDS::DBInstance", &props), None, "{id}");
        }
    }

    fn fires(id: &str, type_name: &str, properties: Value) -> bool {
        let Value::Object(properties) = properties else {
            panic!("properties are an object")
        };
        (rule(id).expect("a rule").fires)(type_name, &properties).is_some()
    }

    #[test]
    fn the_checks_of_types_girders_constructs_do_not_emit() {
        use serde_json::json;
        // SNS topics.
        assert!(fires("CKV_AWS_26", "AWS::SNS::Topic", json!({})));
        let key = json!({"KmsMasterKeyId": {"Ref": "Key"}});
        assert!(!fires("CKV_AWS_26", "AWS::SNS::Topic", key));
        // Aurora clusters.
        let cluster = json!({"Engine": "aurora-postgresql", "StorageEncrypted": false});
        assert!(fires("CKV_AWS_96", "AWS::RDS::DBCluster", cluster));
        let restored = json!({"SnapshotIdentifier": "snap", "StorageEncrypted": false});
        assert!(!fires("CKV_AWS_96", "AWS::RDS::DBCluster", restored));
        assert!(fires("CKV_AWS_162", "AWS::RDS::DBCluster", json!({})));
        let iam = json!({"EnableIAMDatabaseAuthentication": "true"});
        assert!(!fires("CKV_AWS_162", "AWS::RDS::DBCluster", iam));
        // Stand-alone security group rules.
        let ingress =
            json!({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0"});
        assert!(fires(
            "CKV_AWS_24",
            "AWS::EC2::SecurityGroupIngress",
            ingress.clone()
        ));
        assert!(fires(
            "CKV_AWS_23",
            "AWS::EC2::SecurityGroupIngress",
            ingress
        ));
        let egress = json!({"IpProtocol": "-1", "CidrIp": "0.0.0.0/0", "Description": "out"});
        assert!(!fires(
            "CKV_AWS_23",
            "AWS::EC2::SecurityGroupEgress",
            egress
        ));
    }

    #[test]
    fn only_the_properties_checks_read_are_turned_into_json() {
        #[derive(Serialize)]
        struct Queue {
            #[serde(rename = "KmsMasterKeyId")]
            key: Option<&'static str>,
            #[serde(rename = "Tags")]
            tags: Vec<&'static str>,
        }
        let queue = Queue {
            key: Some("alias/jobs"),
            tags: vec!["team"],
        };
        let picked = pick(&queue, read("AWS::SQS::Queue")).unwrap();
        assert_eq!(
            Value::Object(picked),
            serde_json::json!({"KmsMasterKeyId": "alias/jobs"})
        );
        let all = pick(&queue, None).unwrap();
        assert_eq!(all.len(), 2);
        // A map is taken whole.
        let map = std::collections::BTreeMap::from([("KmsMasterKeyId", 1), ("Tags", 2)]);
        assert_eq!(pick(&map, read("AWS::SQS::Queue")).unwrap().len(), 2);
        // Every type a check runs on reads what its checks read, or everything.
        for rule in RULES {
            for ty in rule.types {
                assert!(
                    read(ty).is_some() || ty.starts_with("AWS::EC2::SecurityGroup"),
                    "{ty}"
                );
            }
        }
    }

    #[test]
    fn the_iam_screen_finds_what_the_iam_checks_need() {
        use serde_json::json;
        #[derive(Serialize)]
        struct Policy {
            #[serde(rename = "PolicyDocument")]
            document: Value,
            #[serde(rename = "Users", skip_serializing_if = "Option::is_none")]
            users: Option<Vec<&'static str>>,
        }
        let document =
            |statement: Value| json!({"Version": "2012-10-17", "Statement": [statement]});
        let named = document(
            json!({"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [{"Fn::Sub": "arn:aws:s3:::b/*"}]}),
        );
        let policy = |document: Value, users| Policy { document, users };
        assert!(!screen(&policy(named.clone(), None)));
        assert!(screen(&policy(named, Some(vec!["alice"]))));
        let star =
            document(json!({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b"}));
        assert!(screen(&policy(star, None)));
        let account = document(json!({"Effect": "Allow", "Principal": {"AWS": ["123456789012"]}}));
        assert!(screen(&policy(account, None)));
    }

    #[test]
    fn a_checkov_key_written_by_hand_is_honoured_as_checkov_reads_it() {
        use crate::entry::Entry;
        use crate::intrinsic::Intrinsic;
        use crate::resource::{Resource, Walk};
        #[derive(Clone, Debug, Default, Serialize)]
        struct Topic {}
        impl Walk for Topic {
            fn walk(&self, _: &mut dyn FnMut(&Intrinsic)) {}
            fn walk_mut(&mut self, _: &mut dyn FnMut(&mut Intrinsic)) {}
        }
        impl Resource for Topic {
            const TYPE_NAME: &'static str = "AWS::SNS::Topic";
            const CREATE_ONLY: &'static [&'static str] = &[];
            const DOCUMENTATION: &'static str = "";
        }
        let skip = |id: &str| serde_json::json!({"skip": [{"id": id, "comment": "alerts only"}]});
        let honoured: ResourceEntry = Entry::new(Topic {})
            .metadata("checkov", skip("CKV_AWS_26"))
            .into();
        assert_eq!(check(&honoured), []);
        let unknown: ResourceEntry = Entry::new(Topic {})
            .metadata("checkov", skip("CKV_AWS_999"))
            .into();
        let messages: Vec<String> = check(&unknown).into_iter().map(|f| f.message).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].starts_with("CKV_AWS_26 ("), "{messages:?}");
        assert!(
            messages[1].contains("`CKV_AWS_999` is not a checkov check Girder evaluates"),
            "{messages:?}"
        );
    }

    #[test]
    fn open_ports_as_checkov_reads_them() {
        let Value::Object(props) = serde_json::json!({
            "SecurityGroupIngress": [
                {"IpProtocol": "-1", "FromPort": -1, "ToPort": -1, "CidrIp": "0.0.0.0/0"},
                {"IpProtocol": "tcp", "FromPort": 0, "ToPort": 1024, "CidrIpv6": "::/0"},
            ]
        }) else {
            unreachable!()
        };
        assert!(open_port("AWS::EC2::SecurityGroup", &props, 22).is_some());
        assert!(open_port("AWS::EC2::SecurityGroup", &props, 3389).is_none());
        assert!(account_access("arn:aws:iam::123456789012:root"));
        assert!(account_access("123456789012"));
        assert!(!account_access("arn:aws:iam::123456789012:role/ci"));
    }
}
