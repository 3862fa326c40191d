//! The template model and its JSON: sections, order, attributes, stateful defaults.

use girder_aws::entry::CheckovSkip;
use girder_aws::parameter::AwsParameterType;
use girder_aws::*;
use serde_json::json;

use crate::support::*;

/// One stack using every section.
fn every_section() -> CloudAssembly {
    let mut app = CloudAssembly::new();
    let stack = app.stack(&eu(), "shop");
    stack.set_description("The shop");
    stack.set_metadata("Owner", json!({"team": "platform"}));
    let env_name = stack.add_parameter(
        "EnvName",
        Parameter::string()
            .description("Environment")
            .default("prod")
            .allowed_values(["prod", "staging"]),
    );
    stack.add_parameter(
        "Retention",
        Parameter::integer().default(7).min_value(1).max_value(30),
    );
    stack.add_parameter("Subnets", Parameter::aws_list(AwsParameterType::SubnetId));
    stack.add_parameter("Token", Parameter::string().no_echo());
    let amis = stack.add_mapping(
        "Amis",
        Mapping::<String>::new()
            .entry("eu-west-1", "Arm", "ami-1")
            .entry("us-east-1", "Arm", "ami-2"),
    );
    let is_prod = stack.add_condition("IsProd", Cond::equals(env_name.reference(), "prod"));
    let logs = stack.add(
        id("Logs"),
        Entry::new(TestLogGroup {
            retention_in_days: Some(fns::if_(&is_prod, Value::from(30), Pseudo::no_value()).into()),
        })
        .checkov_skip("CKV_AWS_158", "logs hold no customer data"),
    );
    let bucket = stack.add(
        id("Bucket"),
        Entry::new(TestBucket {
            bucket_name: Some(fns::find_in_map(&amis, Pseudo::region(), "Arm").into()),
        })
        .depends_on(&logs)
        .condition(&is_prod)
        .metadata("Purpose", "assets"),
    );
    stack.add_output(
        "BucketArn",
        Output::new(bucket.get_att::<String>("Arn"))
            .description("the bucket")
            .condition(&is_prod)
            .export("shop-bucket-arn"),
    );
    app
}

const EVERY_SECTION: &str = r#"{
 "AWSTemplateFormatVersion": "2010-09-09",
 "Description": "The shop",
 "Metadata": {
  "Owner": {
   "team": "platform"
  }
 },
 "Parameters": {
  "EnvName": {
   "Type": "String",
   "Description": "Environment",
   "Default": "prod",
   "AllowedValues": [
    "prod",
    "staging"
   ]
  },
  "Retention": {
   "Type": "Number",
   "Default": "7",
   "MinValue": 1,
   "MaxValue": 30
  },
  "Subnets": {
   "Type": "List<AWS::EC2::Subnet::Id>"
  },
  "Token": {
   "Type": "String",
   "NoEcho": true
  }
 },
 "Mappings": {
  "Amis": {
   "eu-west-1": {
    "Arm": "ami-1"
   },
   "us-east-1": {
    "Arm": "ami-2"
   }
  }
 },
 "Conditions": {
  "IsProd": {
   "Fn::Equals": [
    {
     "Ref": "EnvName"
    },
    "prod"
   ]
  }
 },
 "Resources": {
  "Bucket": {
   "Type": "AWS::S3::Bucket",
   "Properties": {
    "BucketName": {
     "Fn::FindInMap": [
      "Amis",
      {
       "Ref": "AWS::Region"
      },
      "Arm"
     ]
    }
   },
   "DependsOn": [
    "Logs"
   ],
   "Condition": "IsProd",
   "DeletionPolicy": "Retain",
   "UpdateReplacePolicy": "Retain",
   "Metadata": {
    "Purpose": "assets"
   }
  },
  "Logs": {
   "Type": "AWS::Logs::LogGroup",
   "Properties": {
    "RetentionInDays": {
     "Fn::If": [
      "IsProd",
      30,
      {
       "Ref": "AWS::NoValue"
      }
     ]
    }
   },
   "DeletionPolicy": "Retain",
   "UpdateReplacePolicy": "Retain",
   "Metadata": {
    "checkov": {
     "skip": [
      {
       "id": "CKV_AWS_158",
       "comment": "logs hold no customer data"
      }
     ]
    }
   }
  }
 },
 "Outputs": {
  "BucketArn": {
   "Description": "the bucket",
   "Condition": "IsProd",
   "Value": {
    "Fn::GetAtt": [
     "Bucket",
     "Arn"
    ]
   },
   "Export": {
    "Name": "shop-bucket-arn"
   }
  }
 }
}
"#;

#[test]
fn writes_every_section_in_order() {
    let synthesis = synth(every_section(), &ExportLedger::default());
    let body = synthesis.stack_named("shop").unwrap().body();
    assert_eq!(body, EVERY_SECTION);
    assert!(synthesis.warnings().is_empty());
}

#[test]
fn output_is_the_same_whatever_the_insertion_order() {
    let build = |reverse: bool| {
        let mut app = CloudAssembly::new();
        let stack = app.stack(&eu(), "order");
        let mut names: Vec<String> = (0..50).map(|i| format!("Topic{i}")).collect();
        if reverse {
            names.reverse();
        }
        for name in &names {
            stack.add_parameter(name, Parameter::string());
            stack.add(id(name), TestTopic::default());
        }
        synth(app, &ExportLedger::default())
            .stack_named("order")
            .unwrap()
            .body()
            .to_owned()
    };
    assert_eq!(build(false), build(true));
}

#[test]
fn stateful_types_get_default_policies_unless_set() {
    let mut app = CloudAssembly::new();
    let stack = app.stack(&eu(), "data");
    stack.add(id("Db"), TestDb::default());
    stack.add(id("Bucket"), TestBucket::default());
    stack.add(id("Topic"), TestTopic::default());
    stack.add(
        id("Scratch"),
        Entry::new(TestBucket::default())
            .deletion_policy(DeletionPolicy::Delete)
            .update_replace_policy(UpdateReplacePolicy::Delete),
    );
    stack.add(
        id("Archive"),
        Entry::new(TestDb::default()).deletion_policy(DeletionPolicy::RetainExceptOnDelete),
    );
    let resources = stack.template().resources();
    let policies = |name: &str| {
        let entry = &resources[&id(name)];
        (entry.deletion_policy(), entry.update_replace_policy())
    };
    use DeletionPolicy as D;
    use UpdateReplacePolicy as U;
    assert_eq!(policies("Db"), (Some(D::Snapshot), Some(U::Snapshot)));
    assert_eq!(policies("Bucket"), (Some(D::Retain), Some(U::Retain)));
    assert_eq!(policies("Topic"), (None, None));
    assert_eq!(policies("Scratch"), (Some(D::Delete), Some(U::Delete)));
    assert_eq!(
        policies("Archive"),
        (Some(D::RetainExceptOnDelete), Some(U::Snapshot))
    );
    let topic = &resources[&id("Topic")];
    assert_eq!(topic.type_name(), "AWS::SNS::Topic");
    assert!(topic.properties::<TestTopic>().is_some());
    assert!(topic.properties::<TestBucket>().is_none());
}

#[test]
fn checkov_skips_merge_with_other_metadata() {
    let mut app = CloudAssembly::new();
    let stack = app.stack(&eu(), "meta");
    stack.add(
        id("Topic"),
        Entry::new(TestTopic::default())
            .metadata("aaa", "first")
            .metadata("zzz", "last")
            .checkov_skip("CKV_AWS_26", "no data")
            .checkov_skip("CKV2_AWS_1", "also fine"),
    );
    let entry = &stack.template().resources()[&id("Topic")];
    assert_eq!(
        entry.checkov_skips(),
        [
            CheckovSkip {
                id: "CKV_AWS_26".into(),
                comment: "no data".into()
            },
            CheckovSkip {
                id: "CKV2_AWS_1".into(),
                comment: "also fine".into()
            }
        ]
    );
    let synthesis = synth(app, &ExportLedger::default());
    let metadata = &body(&synthesis, "meta")["Resources"]["Topic"]["Metadata"];
    assert_eq!(
        metadata,
        &json!({
            "aaa": "first",
            "checkov": {"skip": [
                {"id": "CKV_AWS_26", "comment": "no data"},
                {"id": "CKV2_AWS_1", "comment": "also fine"}
            ]},
            "zzz": "last"
        })
    );
    let text = synthesis.stack_named("meta").unwrap().body();
    let aaa = text.find("\"aaa\"").unwrap();
    let checkov = text.find("\"checkov\"").unwrap();
    let zzz = text.find("\"zzz\"").unwrap();
    assert!(aaa < checkov && checkov < zzz, "metadata keys are sorted");
}

#[test]
fn a_template_can_be_written_on_its_own() {
    let mut template = Template::new();
    template.insert_resource(id("Topic"), ResourceEntry::new(TestTopic::default()));
    let text = template.to_json().unwrap();
    assert!(text.ends_with("}\n"));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).unwrap(),
        json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {}}}
        })
    );
}

#[test]
fn parameter_types() {
    let cases: Vec<(String, &str)> = vec![
        (Parameter::string().def().type_name().into(), "String"),
        (Parameter::number().def().type_name().into(), "Number"),
        (Parameter::integer().def().type_name().into(), "Number"),
        (
            Parameter::number_list().def().type_name().into(),
            "List<Number>",
        ),
        (
            Parameter::comma_delimited_list().def().type_name().into(),
            "CommaDelimitedList",
        ),
        (
            Parameter::aws(AwsParameterType::VpcId)
                .def()
                .type_name()
                .into(),
            "AWS::EC2::VPC::Id",
        ),
        (
            Parameter::ssm("/x").def().type_name().into(),
            "AWS::SSM::Parameter::Value<String>",
        ),
        (
            Parameter::ssm_aws(AwsParameterType::ImageId, "/x")
                .def()
                .type_name()
                .into(),
            "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
        ),
        (
            Parameter::ssm_list("/x").def().type_name().into(),
            "AWS::SSM::Parameter::Value<List<String>>",
        ),
    ];
    for (actual, expected) in cases {
        assert_eq!(actual, expected);
    }
    let list = Parameter::comma_delimited_list().default(vec!["a".to_owned(), "b".to_owned()]);
    assert_eq!(list.def().default_value(), Some("a,b"));
}
