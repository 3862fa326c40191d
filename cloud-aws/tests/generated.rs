//! The generated resource types: what they serialize to, and the schema facts they carry.
#![cfg(feature = "full")]

use std::sync::Arc;

use girder_aws::intrinsic::ResourceTarget;
use girder_aws::s3::{
    Bucket, BucketEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionByDefaultSseAlgorithm, ServerSideEncryptionRule, Tag,
    VersioningConfiguration, VersioningConfigurationStatus,
};
use girder_aws::{
    AwsEnvironment, Intrinsic, Json, LogicalId, Resource, ResourceRef, StackAddress, Value, Walk,
    kms, rds, sqs,
};
use serde_json::json;

/// A reference to a resource of type `R` with the logical ID `id` in a test stack.
fn reference<R>(id: &str) -> ResourceRef<R> {
    let env = AwsEnvironment::new("123456789012", "eu-west-1").expect("valid environment");
    let stack = Arc::new(StackAddress::new(&env, "test"));
    ResourceRef::new(ResourceTarget::new(
        stack,
        LogicalId::new(id).expect("valid logical id"),
    ))
}

fn count_intrinsics(resource: &impl Walk) -> usize {
    let mut count = 0;
    resource.walk(&mut |_: &Intrinsic| count += 1);
    count
}

#[test]
fn bucket_with_versioning_and_encryption() {
    let key = reference::<kms::Key>("LogsKey");
    let bucket = Bucket::new()
        .bucket_name("acme-logs")
        .versioning_configuration(VersioningConfiguration::new(
            VersioningConfigurationStatus::Enabled,
        ))
        .bucket_encryption(BucketEncryption::new(vec![
            ServerSideEncryptionRule::new()
                .bucket_key_enabled(true)
                .server_side_encryption_by_default(
                    ServerSideEncryptionByDefault::new(
                        ServerSideEncryptionByDefaultSseAlgorithm::AwsKms,
                    )
                    .kms_master_key_id(key.arn()),
                ),
        ]))
        .tags(vec![Tag::new("team", "platform")]);

    assert_eq!(
        serde_json::to_value(&bucket).expect("serializes"),
        json!({
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [{
                    "BucketKeyEnabled": true,
                    "ServerSideEncryptionByDefault": {
                        "KMSMasterKeyID": {"Fn::GetAtt": ["LogsKey", "Arn"]},
                        "SSEAlgorithm": "aws:kms"
                    }
                }]
            },
            "BucketName": "acme-logs",
            "Tags": [{"Key": "team", "Value": "platform"}],
            "VersioningConfiguration": {"Status": "Enabled"}
        })
    );
    assert_eq!(
        count_intrinsics(&bucket),
        1,
        "Walk finds the key's Fn::GetAtt"
    );
}

#[test]
fn properties_serialize_in_alphabetical_order() {
    let bucket = Bucket::new()
        .versioning_configuration(VersioningConfiguration::new(
            VersioningConfigurationStatus::Suspended,
        ))
        .bucket_name("b")
        .access_control(girder_aws::s3::AccessControl::Private);
    assert_eq!(
        serde_json::to_string(&bucket).expect("serializes"),
        r#"{"AccessControl":"Private","BucketName":"b","VersioningConfiguration":{"Status":"Suspended"}}"#
    );
}

#[test]
fn db_instance_with_expressions() {
    let subnets = reference::<rds::DbSubnetGroup>("DbSubnets");
    let key = reference::<kms::Key>("DbKey");
    let instance = rds::DbInstance::new()
        .engine("postgres")
        .engine_version("16.4")
        .db_instance_class("db.t4g.medium")
        .allocated_storage("20")
        .storage_encrypted(true)
        .kms_key_id(key.arn())
        .db_subnet_group_name(subnets.reference())
        .vpc_security_groups(vec![
            Value::from("sg-0123"),
            reference::<girder_aws::ec2::SecurityGroup>("Sg")
                .group_id()
                .into(),
        ])
        .manage_master_user_password(true)
        .backup_retention_period(7);

    let mut mutated = instance.clone();
    mutated.walk_mut(&mut |_: &mut Intrinsic| {});
    assert_eq!(mutated, instance);
    assert_eq!(count_intrinsics(&instance), 3);
    assert_eq!(
        serde_json::to_value(&instance).expect("serializes"),
        json!({
            "AllocatedStorage": "20",
            "BackupRetentionPeriod": 7,
            "DBInstanceClass": "db.t4g.medium",
            "DBSubnetGroupName": {"Ref": "DbSubnets"},
            "Engine": "postgres",
            "EngineVersion": "16.4",
            "KmsKeyId": {"Fn::GetAtt": ["DbKey", "Arn"]},
            "ManageMasterUserPassword": true,
            "StorageEncrypted": true,
            "VPCSecurityGroups": ["sg-0123", {"Fn::GetAtt": ["Sg", "GroupId"]}]
        })
    );
    let endpoint: girder_aws::Expr<String> = reference::<rds::DbInstance>("Db").endpoint_address();
    assert_eq!(
        serde_json::to_value(&endpoint).expect("serializes"),
        json!({"Fn::GetAtt": ["Db", "Endpoint.Address"]})
    );
}

#[test]
fn queue_with_a_json_redrive_policy() {
    let dead_letters = reference::<sqs::Queue>("DeadLetters");
    let queue = sqs::Queue::new()
        .queue_name("jobs")
        .visibility_timeout(120)
        .message_retention_period(1_209_600)
        .sqs_managed_sse_enabled(true)
        .redrive_policy(Json::Object(
            [
                (
                    "deadLetterTargetArn".to_owned(),
                    Json::from(dead_letters.arn()),
                ),
                ("maxReceiveCount".to_owned(), Json::from(json!(5))),
            ]
            .into_iter()
            .collect(),
        ));
    assert_eq!(
        serde_json::to_value(&queue).expect("serializes"),
        json!({
            "MessageRetentionPeriod": 1_209_600,
            "QueueName": "jobs",
            "RedrivePolicy": {
                "deadLetterTargetArn": {"Fn::GetAtt": ["DeadLetters", "Arn"]},
                "maxReceiveCount": 5
            },
            "SqsManagedSseEnabled": true,
            "VisibilityTimeout": 120
        })
    );
    assert_eq!(count_intrinsics(&queue), 1);
}

#[test]
fn required_properties_are_constructor_arguments() {
    let policy = sqs::QueuePolicy::new(
        json!({"Version": "2012-10-17", "Statement": []}),
        vec![reference::<sqs::Queue>("Jobs").reference().into()],
    );
    assert_eq!(
        serde_json::to_value(&policy).expect("serializes"),
        json!({
            "PolicyDocument": {"Statement": [], "Version": "2012-10-17"},
            "Queues": [{"Ref": "Jobs"}]
        })
    );
}

#[test]
fn schema_facts() {
    assert_eq!(Bucket::TYPE_NAME, "AWS::S3::Bucket");
    assert_eq!(
        Bucket::CREATE_ONLY,
        ["/BucketName", "/BucketNamePrefix", "/BucketNamespace"]
    );
    assert_eq!(sqs::Queue::TYPE_NAME, "AWS::SQS::Queue");
    assert_eq!(sqs::Queue::CREATE_ONLY, ["/FifoQueue", "/QueueName"]);
    assert_eq!(rds::DbInstance::TYPE_NAME, "AWS::RDS::DBInstance");
    assert!(rds::DbInstance::CREATE_ONLY.contains(&"/DBInstanceIdentifier"));
    assert!(rds::DbInstance::CREATE_ONLY.contains(&"/KmsKeyId"));
    assert_eq!(girder_aws::ec2::Vpc::TYPE_NAME, "AWS::EC2::VPC");
    assert_eq!(
        girder_aws::ec2::Vpc::DOCUMENTATION,
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-vpc.html"
    );
    assert_eq!(
        girder_aws::elasticloadbalancingv2::LoadBalancer::DOCUMENTATION,
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-elasticloadbalancingv2-loadbalancer.html",
        "the CloudFormation reference, also where the schema's documentationUrl is the older user guide"
    );
    // A schema pointing to a service's own guide (IoT) still links to the CloudFormation reference.
    assert_eq!(
        girder_aws::iot::JobTemplate::DOCUMENTATION,
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iot-jobtemplate.html"
    );
}
