//! The asset bucket: where templates over CloudFormation's inline limit go, created once per
//! account and region by the `GirderToolkit` stack (`bootstrap`).

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The bootstrap stack's name, in every account and region.
pub(crate) const TOOLKIT_STACK: &str = "GirderToolkit";

/// The bootstrap stack's output that names the asset bucket.
pub(crate) const BUCKET_OUTPUT: &str = "AssetBucketName";

/// The logical ID of the asset bucket in the bootstrap stack.
pub(crate) const BUCKET_RESOURCE: &str = "AssetBucket";

/// The largest template CloudFormation takes inline (`TemplateBody`), in bytes.
pub(crate) const INLINE_LIMIT: usize = 51_200;

/// How a template reaches CloudFormation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// In the request (`TemplateBody`).
    Inline,
    /// Uploaded to the asset bucket under `key`, passed as `TemplateURL`.
    Bucket {
        /// The object key: the content's hash.
        key: String,
    },
}

/// How `body` reaches CloudFormation: inline up to [`INLINE_LIMIT`] bytes, else through the
/// asset bucket under its content's hash (the same template is uploaded once).
pub(crate) fn delivery(body: &str) -> Delivery {
    if body.len() <= INLINE_LIMIT {
        Delivery::Inline
    } else {
        Delivery::Bucket {
            key: asset_key(body),
        }
    }
}

/// The object key of a template: `templates/<sha256 of its bytes>.json`.
pub(crate) fn asset_key(body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("templates/{hex}.json")
}

/// The URL CloudFormation reads an uploaded template from.
pub(crate) fn template_url(bucket: &str, region: &str, key: &str) -> String {
    let domain = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("https://{bucket}.s3.{region}.{domain}/{key}")
}

/// The bootstrap stack's template: a private, encrypted, versioned bucket that only accepts
/// TLS, kept when the stack is deleted; old template versions expire after 30 days.
pub(crate) fn toolkit_template() -> String {
    let template: Value = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Girder's asset bucket: CloudFormation templates over the inline size limit (girder bootstrap)",
        "Resources": {
            "AssetBucket": {
                "Type": "AWS::S3::Bucket",
                "DeletionPolicy": "Retain",
                "UpdateReplacePolicy": "Retain",
                "Properties": {
                    "BucketEncryption": {
                        "ServerSideEncryptionConfiguration": [
                            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                        ]
                    },
                    "PublicAccessBlockConfiguration": {
                        "BlockPublicAcls": true,
                        "BlockPublicPolicy": true,
                        "IgnorePublicAcls": true,
                        "RestrictPublicBuckets": true
                    },
                    "VersioningConfiguration": {"Status": "Enabled"},
                    "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                    "LifecycleConfiguration": {
                        "Rules": [{
                            "Id": "ExpireOldVersions",
                            "Status": "Enabled",
                            "NoncurrentVersionExpiration": {"NoncurrentDays": 30}
                        }]
                    }
                }
            },
            "AssetBucketPolicy": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {
                    "Bucket": {"Ref": "AssetBucket"},
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Sid": "TlsOnly",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [
                                {"Fn::GetAtt": ["AssetBucket", "Arn"]},
                                {"Fn::Join": ["", [{"Fn::GetAtt": ["AssetBucket", "Arn"]}, "/*"]]}
                            ],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}}
                        }]
                    }
                }
            }
        },
        "Outputs": {
            BUCKET_OUTPUT: {
                "Description": "The bucket Girder uploads large templates to",
                "Value": {"Ref": "AssetBucket"}
            }
        }
    });
    let mut text = serde_json::to_string_pretty(&template).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_over_the_inline_limit_go_through_the_bucket_by_content_hash() {
        assert_eq!(delivery(&"x".repeat(INLINE_LIMIT)), Delivery::Inline);
        let large = "x".repeat(INLINE_LIMIT + 1);
        let Delivery::Bucket { key } = delivery(&large) else {
            panic!("a template over the limit is uploaded");
        };
        assert_eq!(key, asset_key(&large));
        assert!(key.starts_with("templates/") && key.ends_with(".json"));
        assert_eq!(key.len(), "templates/".len() + 64 + ".json".len());
        assert_ne!(asset_key("a"), asset_key("b"));
        assert_eq!(
            template_url("b", "eu-west-1", "templates/k.json"),
            "https://b.s3.eu-west-1.amazonaws.com/templates/k.json"
        );
        assert!(template_url("b", "cn-north-1", "k").contains("amazonaws.com.cn"));
    }

    #[test]
    fn the_toolkit_bucket_is_private_encrypted_versioned_and_tls_only() {
        let text = toolkit_template();
        let template: Value = serde_json::from_str(&text).unwrap_or_default();
        let bucket = &template["Resources"]["AssetBucket"];
        assert_eq!(bucket["DeletionPolicy"], "Retain");
        let props = &bucket["Properties"];
        assert_eq!(
            props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
                ["SSEAlgorithm"],
            "AES256"
        );
        for flag in [
            "BlockPublicAcls",
            "BlockPublicPolicy",
            "IgnorePublicAcls",
            "RestrictPublicBuckets",
        ] {
            assert_eq!(
                props["PublicAccessBlockConfiguration"][flag], true,
                "{flag}"
            );
        }
        assert_eq!(props["VersioningConfiguration"]["Status"], "Enabled");
        let statement = &template["Resources"]["AssetBucketPolicy"]["Properties"]["PolicyDocument"]
            ["Statement"][0];
        assert_eq!(statement["Effect"], "Deny");
        assert_eq!(
            statement["Condition"]["Bool"]["aws:SecureTransport"],
            "false"
        );
        assert_eq!(
            template["Outputs"][BUCKET_OUTPUT]["Value"]["Ref"],
            "AssetBucket"
        );
        assert!(text.len() < INLINE_LIMIT);
    }
}
