//! Hand-written resource types (the generated ones are behind features) and helpers.

use girder_aws::*;
use girder_core::{Diagnostics, Severity};

/// Declares a resource struct whose fields are all optional properties.
macro_rules! test_resource {
    ($(#[$doc:meta])* $name:ident = $type_name:literal { $($field:ident : $ty:ty => $json:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, serde::Serialize)]
        pub(crate) struct $name {
            $(
                #[serde(rename = $json, skip_serializing_if = "Option::is_none")]
                pub(crate) $field: Option<$ty>,
            )*
        }

        impl Walk for $name {
            fn walk(&self, _f: &mut dyn FnMut(&Intrinsic)) {
                $(self.$field.walk(_f);)*
            }
            fn walk_mut(&mut self, _f: &mut dyn FnMut(&mut Intrinsic)) {
                $(self.$field.walk_mut(_f);)*
            }
        }

        impl Resource for $name {
            const TYPE_NAME: &'static str = $type_name;
            const CREATE_ONLY: &'static [&'static str] = &[];
            const DOCUMENTATION: &'static str = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/";
        }
    };
}

test_resource!(
    /// `AWS::S3::Bucket`.
    TestBucket = "AWS::S3::Bucket" { bucket_name: Value<String> => "BucketName" }
);
test_resource!(
    /// `AWS::SNS::Topic`.
    TestTopic = "AWS::SNS::Topic" {
        display_name: Value<String> => "DisplayName",
        topic_name: Value<String> => "TopicName",
    }
);
test_resource!(
    /// `AWS::SQS::Queue`.
    TestQueue = "AWS::SQS::Queue" {
        queue_name: Value<String> => "QueueName",
        redrive_policy: Json => "RedrivePolicy",
        message_retention_period: Value<i64> => "MessageRetentionPeriod",
    }
);
test_resource!(
    /// `AWS::SSM::Parameter`.
    TestSsmParameter = "AWS::SSM::Parameter" {
        kind: Value<String> => "Type",
        value: Value<String> => "Value",
        name: Value<String> => "Name",
    }
);
test_resource!(
    /// `AWS::EC2::VPC`.
    TestVpc = "AWS::EC2::VPC" { cidr_block: Value<String> => "CidrBlock" }
);
test_resource!(
    /// `AWS::EC2::Subnet`.
    TestSubnet = "AWS::EC2::Subnet" {
        vpc_id: Value<String> => "VpcId",
        cidr_block: Value<String> => "CidrBlock",
        availability_zone: Value<String> => "AvailabilityZone",
        ipv6_cidr_block: Value<String> => "Ipv6CidrBlock",
    }
);
test_resource!(
    /// `AWS::RDS::DBInstance`.
    TestDb = "AWS::RDS::DBInstance" {
        engine: Value<String> => "Engine",
        db_instance_class: Value<String> => "DBInstanceClass",
        allocated_storage: Value<String> => "AllocatedStorage",
        master_username: Value<String> => "MasterUsername",
        master_user_password: Value<String> => "MasterUserPassword",
    }
);
test_resource!(
    /// `AWS::Logs::LogGroup`.
    TestLogGroup = "AWS::Logs::LogGroup" { retention_in_days: Value<i64> => "RetentionInDays" }
);

pub(crate) const ACCOUNT: &str = "123456789012";

/// The test account in `region`.
pub(crate) fn env(region: &str) -> AwsEnvironment {
    AwsEnvironment::new(ACCOUNT, region).unwrap_or_else(|e| panic!("{e}"))
}

/// `eu-west-1` of the test account.
pub(crate) fn eu() -> AwsEnvironment {
    env("eu-west-1")
}

/// An explicit logical ID.
pub(crate) fn id(id: &str) -> LogicalId {
    LogicalId::new(id).unwrap_or_else(|e| panic!("{e}"))
}

/// Some value as JSON.
pub(crate) fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_else(|e| panic!("{e}"))
}

/// Synthesizes, failing the test with every diagnostic on error.
pub(crate) fn synth(app: CloudAssembly, previous: &ExportLedger) -> Synthesis {
    match app.synthesize(previous) {
        Ok(synthesis) => synthesis,
        Err(diags) => panic!("synthesis failed:\n{diags}"),
    }
}

/// Synthesizes, expecting errors.
pub(crate) fn synth_errors(app: CloudAssembly) -> Diagnostics {
    match app.synthesize(&ExportLedger::default()) {
        Ok(_) => panic!("synthesis succeeded"),
        Err(diags) => diags,
    }
}

/// The messages of the errors.
pub(crate) fn error_messages(diags: &Diagnostics) -> Vec<String> {
    diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.message.clone())
        .collect()
}

/// The body of the stack called `name`, parsed.
pub(crate) fn body(synthesis: &Synthesis, name: &str) -> serde_json::Value {
    let stack = synthesis
        .stack_named(name)
        .unwrap_or_else(|| panic!("no stack {name}"));
    serde_json::from_str(stack.body()).unwrap_or_else(|e| panic!("{e}"))
}
