//! The JSON of each intrinsic function, and its result type.

use girder_aws::fns::{
    base64, cidr, find_in_map, get_azs, if_, import_value, join, join_list, select, split, sub,
};
use girder_aws::*;
use serde_json::json;

use crate::support::*;

/// A stack with a bucket, a parameter, a condition and a mapping to refer to.
struct Fixture {
    bucket: ResourceRef<TestBucket>,
    env_name: ParameterRef<String>,
    is_prod: ConditionRef,
    amis: MappingRef<String>,
}

fn fixture() -> Fixture {
    let mut app = CloudAssembly::new();
    let stack = app.stack(&eu(), "fixture");
    let bucket = stack.add(id("Bucket"), TestBucket::default());
    let env_name = stack.add_parameter("EnvName", Parameter::string());
    let is_prod = stack.add_condition("IsProd", Cond::equals(env_name.reference(), "prod"));
    let amis = stack.add_mapping(
        "Amis",
        Mapping::<String>::new().entry("eu-west-1", "Arm", "ami-1"),
    );
    Fixture {
        bucket,
        env_name,
        is_prod,
        amis,
    }
}

#[test]
fn ref_and_get_att() {
    let f = fixture();
    let reference: Expr<String> = f.bucket.reference();
    let arn: Expr<String> = f.bucket.get_att("Arn");
    assert_eq!(json(&reference), json!({"Ref": "Bucket"}));
    assert_eq!(json(&arn), json!({"Fn::GetAtt": ["Bucket", "Arn"]}));
    assert_eq!(json(&f.env_name.reference()), json!({"Ref": "EnvName"}));
}

#[test]
fn pseudo_parameters() {
    let strings: [(Expr<String>, &str); 7] = [
        (Pseudo::account_id(), "AWS::AccountId"),
        (Pseudo::partition(), "AWS::Partition"),
        (Pseudo::region(), "AWS::Region"),
        (Pseudo::stack_id(), "AWS::StackId"),
        (Pseudo::stack_name(), "AWS::StackName"),
        (Pseudo::url_suffix(), "AWS::URLSuffix"),
        (Pseudo::no_value(), "AWS::NoValue"),
    ];
    for (expr, name) in strings {
        assert_eq!(json(&expr), json!({ "Ref": name }));
    }
    let arns: Expr<Vec<String>> = Pseudo::notification_arns();
    assert_eq!(json(&arns), json!({"Ref": "AWS::NotificationARNs"}));
    for pseudo in Pseudo::ALL {
        assert_eq!(Pseudo::from_name(pseudo.name()), Some(pseudo));
    }
}

#[test]
fn sub_with_and_without_variables() {
    let f = fixture();
    let plain: Expr<String> = sub("arn:${AWS::Partition}:s3:::x").into();
    assert_eq!(
        json(&plain),
        json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::x"})
    );
    let with_vars: Expr<String> = sub("${Arn}/*-${Env}")
        .var("Arn", f.bucket.get_att::<String>("Arn"))
        .var("Env", "literal")
        .into();
    assert_eq!(
        json(&with_vars),
        json!({"Fn::Sub": ["${Arn}/*-${Env}", {
            "Arn": {"Fn::GetAtt": ["Bucket", "Arn"]},
            "Env": "literal"
        }]})
    );
}

#[test]
fn join_and_join_list() {
    let f = fixture();
    let joined: Expr<String> = join(
        "",
        ["arn:".into(), f.bucket.get_att::<String>("Arn").into()],
    );
    assert_eq!(
        json(&joined),
        json!({"Fn::Join": ["", ["arn:", {"Fn::GetAtt": ["Bucket", "Arn"]}]]})
    );
    let azs: Expr<String> = join_list(",", get_azs(""));
    assert_eq!(json(&azs), json!({"Fn::Join": [",", {"Fn::GetAZs": ""}]}));
}

#[test]
fn select_split_get_azs() {
    let first_az: Expr<String> = select(0, get_azs(Pseudo::region()));
    assert_eq!(
        json(&first_az),
        json!({"Fn::Select": [0, {"Fn::GetAZs": {"Ref": "AWS::Region"}}]})
    );
    let parts: Expr<Vec<String>> = split(",", "a,b");
    assert_eq!(json(&parts), json!({"Fn::Split": [",", "a,b"]}));
    let second: Expr<String> = select(1, vec!["a".to_owned(), "b".to_owned()]);
    assert_eq!(json(&second), json!({"Fn::Select": [1, ["a", "b"]]}));
}

#[test]
fn import_value_and_base64() {
    let imported: Expr<String> = import_value("network:VpcId");
    assert_eq!(json(&imported), json!({"Fn::ImportValue": "network:VpcId"}));
    let user_data: Expr<String> = base64(sub("#!/bin/sh\necho ${AWS::Region}"));
    assert_eq!(
        json(&user_data),
        json!({"Fn::Base64": {"Fn::Sub": "#!/bin/sh\necho ${AWS::Region}"}})
    );
}

#[test]
fn if_with_no_value() {
    let f = fixture();
    let size: Expr<String> = if_::<String>(&f.is_prod, "large", "small");
    assert_eq!(json(&size), json!({"Fn::If": ["IsProd", "large", "small"]}));
    let days: Expr<i64> = if_(&f.is_prod, Value::from(30), Pseudo::no_value());
    assert_eq!(
        json(&days),
        json!({"Fn::If": ["IsProd", 30, {"Ref": "AWS::NoValue"}]})
    );
}

#[test]
fn condition_functions() {
    let f = fixture();
    let cond = Cond::and([
        f.is_prod.cond(),
        Cond::not(Cond::equals(Pseudo::region(), "us-east-1")),
        Cond::or([
            Cond::equals(f.env_name.reference(), "a"),
            Cond::equals("b", f.env_name.reference()),
        ]),
    ]);
    assert_eq!(
        json(&cond),
        json!({"Fn::And": [
            {"Condition": "IsProd"},
            {"Fn::Not": [{"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}]},
            {"Fn::Or": [
                {"Fn::Equals": [{"Ref": "EnvName"}, "a"]},
                {"Fn::Equals": ["b", {"Ref": "EnvName"}]}
            ]}
        ]})
    );
}

#[test]
fn cidr_and_find_in_map() {
    let f = fixture();
    let blocks: Expr<Vec<String>> = cidr("10.0.0.0/16", 4, 8);
    assert_eq!(json(&blocks), json!({"Fn::Cidr": ["10.0.0.0/16", 4, 8]}));
    let ami: Expr<String> = find_in_map(&f.amis, Pseudo::region(), "Arm");
    assert_eq!(
        json(&ami),
        json!({"Fn::FindInMap": ["Amis", {"Ref": "AWS::Region"}, "Arm"]})
    );
}

#[test]
fn dynamic_references() {
    let f = fixture();
    assert_eq!(
        json(&DynamicReference::ssm("/prod/db/host")),
        json!("{{resolve:ssm:/prod/db/host}}")
    );
    assert_eq!(
        json(&DynamicReference::ssm_version("/prod/db/host", 3)),
        json!("{{resolve:ssm:/prod/db/host:3}}")
    );
    assert_eq!(
        json(&DynamicReference::ssm_secure("/prod/key")),
        json!("{{resolve:ssm-secure:/prod/key}}")
    );
    let whole: Expr<String> = DynamicReference::secrets_manager("prod/db").into();
    assert_eq!(json(&whole), json!("{{resolve:secretsmanager:prod/db}}"));
    let key: Expr<String> = DynamicReference::secrets_manager("prod/db")
        .json_key("password")
        .into();
    assert_eq!(
        json(&key),
        json!("{{resolve:secretsmanager:prod/db:SecretString:password::}}")
    );
    let staged: Expr<String> = DynamicReference::secrets_manager("prod/db")
        .json_key("password")
        .version_stage("AWSPREVIOUS")
        .into();
    assert_eq!(
        json(&staged),
        json!("{{resolve:secretsmanager:prod/db:SecretString:password:AWSPREVIOUS:}}")
    );
    // A secret of the app, by reference: the same string, joined at deploy time.
    let by_ref: Expr<String> = DynamicReference::secrets_manager(f.bucket.reference())
        .json_key("password")
        .into();
    assert_eq!(
        json(&by_ref),
        json!({"Fn::Join": ["", [
            "{{resolve:secretsmanager:",
            {"Ref": "Bucket"},
            ":SecretString:password::}}"
        ]]})
    );
}

#[test]
fn walk_visits_nested_intrinsics_outermost_first() {
    let f = fixture();
    let value: Value<String> = join(
        "-",
        [
            f.bucket.reference().into(),
            select(0, split(",", f.bucket.get_att::<String>("Arn"))).into(),
        ],
    )
    .into();
    let mut seen = Vec::new();
    value.walk(&mut |i| seen.push(i.function_name()));
    assert_eq!(
        seen,
        ["Fn::Join", "Ref", "Fn::Select", "Fn::Split", "Fn::GetAtt"]
    );
}

#[test]
fn cidr_counts_and_bits_outside_their_ranges_are_errors() {
    let mut app = CloudAssembly::new();
    app.stack(&eu(), "network").add(
        id("Vpc"),
        TestVpc {
            cidr_block: Some(select(0, cidr("10.0.0.0/16", 0, 129)).into()),
        },
    );
    assert_eq!(
        error_messages(&synth_errors(app)),
        [
            "Fn::Cidr count 0 is outside 1..=256",
            "Fn::Cidr cidr bits 129 is outside 1..=128",
        ]
    );
}
