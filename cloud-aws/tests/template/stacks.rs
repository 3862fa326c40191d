//! References between stacks: exports, imports, dependencies, and what is rejected.

use girder_aws::fns::{join, select, sub};
use girder_aws::*;
use serde_json::json;

use crate::support::*;

/// `data` holds a bucket and a VPC; `api` refers to them.
fn two_stacks() -> (CloudAssembly, ResourceRef<TestBucket>, ResourceRef<TestVpc>) {
    let mut app = CloudAssembly::new();
    let data = app.stack(&eu(), "data");
    let bucket = data.add(id("Assets"), TestBucket::default());
    let vpc = data.add(
        id("Network"),
        TestVpc {
            cidr_block: Some("10.0.0.0/16".into()),
        },
    );
    (app, bucket, vpc)
}

#[test]
fn a_reference_to_another_stack_becomes_an_import() {
    let (mut app, bucket, _) = two_stacks();
    let api = app.stack(&eu(), "api");
    api.add(
        id("Uploads"),
        TestQueue {
            queue_name: Some(join("-", [bucket.reference().into(), "uploads".into()]).into()),
            ..Default::default()
        },
    );
    api.add(
        id("Local"),
        TestTopic {
            display_name: Some(bucket.get_att::<String>("Arn").into()),
            ..Default::default()
        },
    );
    let synthesis = synth(app, &ExportLedger::default());

    let api = body(&synthesis, "api");
    assert_eq!(
        api["Resources"]["Uploads"]["Properties"]["QueueName"],
        json!({"Fn::Join": ["-", [{"Fn::ImportValue": "data:Assets:Ref"}, "uploads"]]})
    );
    assert_eq!(
        api["Resources"]["Local"]["Properties"]["DisplayName"],
        json!({"Fn::ImportValue": "data:Assets:Arn"})
    );

    let data = body(&synthesis, "data");
    let outputs = data["Outputs"].as_object().unwrap();
    assert_eq!(outputs.len(), 2);
    let by_export = |name: &str| {
        outputs
            .iter()
            .find(|(_, o)| o["Export"]["Name"] == name)
            .unwrap_or_else(|| panic!("no export {name}"))
    };
    let (ref_id, ref_output) = by_export("data:Assets:Ref");
    assert!(ref_id.starts_with("ExportAssetsRef"), "{ref_id}");
    assert_eq!(ref_output["Value"], json!({"Ref": "Assets"}));
    assert_eq!(
        ref_output["Description"],
        json!("Exported by Girder for stack(s) `api`")
    );
    let (arn_id, arn_output) = by_export("data:Assets:Arn");
    assert!(arn_id.starts_with("ExportAssetsArn"), "{arn_id}");
    assert_eq!(
        arn_output["Value"],
        json!({"Fn::GetAtt": ["Assets", "Arn"]})
    );

    // The producer deploys first; the consumer depends on it.
    let order: Vec<&str> = synthesis
        .stacks()
        .iter()
        .map(|s| s.address().name())
        .collect();
    assert_eq!(order, ["data", "api"]);
    let api = synthesis.stack_named("api").unwrap();
    assert_eq!(api.dependencies().len(), 1);
    assert_eq!(api.dependencies()[0].name(), "data");
    assert!(
        synthesis
            .stack_named("data")
            .unwrap()
            .dependencies()
            .is_empty()
    );

    let ledger = synthesis.ledger();
    assert_eq!(ledger.exports().len(), 2);
    for export in ledger.exports() {
        assert_eq!(export.producer.name(), "data");
        assert_eq!(export.importers, ["api"]);
        assert_eq!(export.resource, "Assets");
    }
}

#[test]
fn deployment_order_puts_producers_first_whatever_the_creation_order() {
    let mut app = CloudAssembly::new();
    // Created first, but consumes from the stack created last.
    let consumer_topic = {
        let stack = app.stack(&eu(), "consumer");
        stack.add(id("Placeholder"), TestTopic::default())
    };
    let producer = app.stack(&eu(), "producer");
    let bucket = producer.add(id("Bucket"), TestBucket::default());
    let middle = app.stack(&eu(), "middle");
    let queue = middle.add(
        id("Queue"),
        TestQueue {
            queue_name: Some(bucket.reference().into()),
            ..Default::default()
        },
    );
    app.stack(&eu(), "consumer").add(
        id("Topic"),
        TestTopic {
            display_name: Some(queue.get_att::<String>("QueueName").into()),
            ..Default::default()
        },
    );
    let _ = consumer_topic;
    let synthesis = synth(app, &ExportLedger::default());
    let order: Vec<&str> = synthesis
        .stacks()
        .iter()
        .map(|s| s.address().name())
        .collect();
    assert_eq!(order, ["producer", "middle", "consumer"]);
}

#[test]
fn list_attributes_are_joined_and_split() {
    let (mut app, _, vpc) = two_stacks();
    let blocks: Expr<Vec<String>> = vpc.get_att("Ipv6CidrBlocks");
    app.stack(&eu(), "api").add(
        id("Subnet"),
        TestSubnet {
            vpc_id: Some(vpc.reference().into()),
            cidr_block: Some("10.0.1.0/24".into()),
            ipv6_cidr_block: Some(select(0, blocks).into()),
            ..Default::default()
        },
    );
    let synthesis = synth(app, &ExportLedger::default());
    let api = body(&synthesis, "api");
    assert_eq!(
        api["Resources"]["Subnet"]["Properties"]["Ipv6CidrBlock"],
        json!({"Fn::Select": [0, {"Fn::Split": ["||", {"Fn::ImportValue": "data:Network:Ipv6CidrBlocks"}]}]})
    );
    let data = body(&synthesis, "data");
    let output = data["Outputs"]
        .as_object()
        .unwrap()
        .values()
        .find(|o| o["Export"]["Name"] == "data:Network:Ipv6CidrBlocks")
        .unwrap();
    assert_eq!(
        output["Value"],
        json!({"Fn::Join": ["||", {"Fn::GetAtt": ["Network", "Ipv6CidrBlocks"]}]})
    );
    assert!(synthesis.ledger().exports().iter().any(|e| e.list));
}

#[test]
fn references_inside_the_same_stack_stay_as_they_are() {
    let (mut app, bucket, _) = two_stacks();
    app.stack(&eu(), "data").add(
        id("Topic"),
        TestTopic {
            display_name: Some(bucket.get_att::<String>("Arn").into()),
            ..Default::default()
        },
    );
    let synthesis = synth(app, &ExportLedger::default());
    let data = body(&synthesis, "data");
    assert_eq!(
        data["Resources"]["Topic"]["Properties"]["DisplayName"],
        json!({"Fn::GetAtt": ["Assets", "Arn"]})
    );
    assert!(data.get("Outputs").is_none());
    assert!(synthesis.ledger().is_empty());
}

#[test]
fn depends_on_another_stack_becomes_a_stack_dependency() {
    let (mut app, bucket, _) = two_stacks();
    let api = app.stack(&eu(), "api");
    let first = api.add(id("First"), TestTopic::default());
    api.add(
        id("Second"),
        Entry::new(TestTopic::default())
            .depends_on(&bucket)
            .depends_on(&first),
    );
    let synthesis = synth(app, &ExportLedger::default());
    let api_body = body(&synthesis, "api");
    assert_eq!(
        api_body["Resources"]["Second"]["DependsOn"],
        json!(["First"])
    );
    let api = synthesis.stack_named("api").unwrap();
    assert_eq!(api.dependencies()[0].name(), "data");
    assert!(
        synthesis.ledger().is_empty(),
        "a dependency exports nothing"
    );
}

#[test]
fn outputs_and_secret_ids_are_resolved_too() {
    let (mut app, bucket, _) = two_stacks();
    let api = app.stack(&eu(), "api");
    api.add(
        id("Db"),
        TestDb {
            engine: Some("postgres".into()),
            db_instance_class: Some("db.t4g.micro".into()),
            allocated_storage: Some("20".into()),
            master_username: Some("app".into()),
            master_user_password: Some(
                DynamicReference::secrets_manager(bucket.reference())
                    .json_key("password")
                    .into(),
            ),
        },
    );
    api.add_output("Assets", Output::new(bucket.get_att::<String>("Arn")));
    let synthesis = synth(app, &ExportLedger::default());
    let api = body(&synthesis, "api");
    assert_eq!(
        api["Outputs"]["Assets"]["Value"],
        json!({"Fn::ImportValue": "data:Assets:Arn"})
    );
    assert_eq!(
        api["Resources"]["Db"]["Properties"]["MasterUserPassword"],
        json!({"Fn::Join": ["", [
            "{{resolve:secretsmanager:",
            {"Fn::ImportValue": "data:Assets:Ref"},
            ":SecretString:password::}}"
        ]]})
    );
}

#[test]
fn the_export_of_a_conditional_resource_has_its_condition() {
    let mut app = CloudAssembly::new();
    let data = app.stack(&eu(), "data");
    let always = data.add_condition("Always", Cond::equals("a", "a"));
    let bucket = data.add(
        id("Bucket"),
        Entry::new(TestBucket::default()).condition(&always),
    );
    app.stack(&eu(), "api").add(
        id("Topic"),
        TestTopic {
            display_name: Some(bucket.reference().into()),
            ..Default::default()
        },
    );
    let synthesis = synth(app, &ExportLedger::default());
    let data = body(&synthesis, "data");
    let output = data["Outputs"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap();
    assert_eq!(output["Condition"], json!("Always"));
}

#[test]
fn references_across_regions_or_accounts_are_errors_with_a_hint() {
    let (mut app, bucket, _) = two_stacks();
    app.stack(&env("us-east-1"), "edge").add(
        id("Topic"),
        TestTopic {
            display_name: Some(bucket.reference().into()),
            ..Default::default()
        },
    );
    let other_account = AwsEnvironment::new("210987654321", "eu-west-1").unwrap();
    app.stack(&other_account, "audit").add(
        id("Topic"),
        TestTopic {
            display_name: Some(bucket.get_att::<String>("Arn").into()),
            ..Default::default()
        },
    );
    let diags = synth_errors(app);
    let errors: Vec<_> = diags.iter().collect();
    assert_eq!(errors.len(), 2, "{diags}");
    assert!(
        errors[0].message.contains("in region eu-west-1"),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].message.contains("in account 123456789012"),
        "{}",
        errors[1]
    );
    for error in errors {
        assert!(error.hint.as_deref().unwrap().contains("SSM parameter"));
        assert_eq!(error.object.as_deref(), Some("AWS::SNS::Topic Topic"));
    }
}

#[test]
fn a_cycle_between_stacks_names_both() {
    let mut app = CloudAssembly::new();
    let a_bucket = app
        .stack(&eu(), "alpha")
        .add(id("Bucket"), TestBucket::default());
    let b_bucket = app.stack(&eu(), "beta").add(
        id("Bucket"),
        TestBucket {
            bucket_name: Some(a_bucket.reference().into()),
        },
    );
    app.stack(&eu(), "alpha").add(
        id("Topic"),
        TestTopic {
            display_name: Some(b_bucket.reference().into()),
            ..Default::default()
        },
    );
    let diags = synth_errors(app);
    let messages = error_messages(&diags);
    assert_eq!(messages, ["stacks `alpha` and `beta` depend on each other"]);
    let cause = diags.iter().next().unwrap().cause.clone().unwrap();
    assert!(
        cause.contains("`alpha` (AWS::SNS::Topic Topic) refers to `Bucket` of `beta`"),
        "{cause}"
    );
    assert!(
        cause.contains("`beta` (AWS::S3::Bucket Bucket) refers to `Bucket` of `alpha`"),
        "{cause}"
    );
}

#[test]
fn parameters_conditions_and_mappings_stay_in_their_stack() {
    let mut app = CloudAssembly::new();
    let data = app.stack(&eu(), "data");
    let name = data.add_parameter("Name", Parameter::string());
    let is_prod = data.add_condition("IsProd", Cond::equals(name.reference(), "prod"));
    let map = data.add_mapping("Names", Mapping::<String>::new().entry("a", "b", "c"));
    data.add(id("Bucket"), TestBucket::default());
    let api = app.stack(&eu(), "api");
    api.add(
        id("Topic"),
        Entry::new(TestTopic {
            display_name: Some(name.reference().into()),
            topic_name: Some(fns::find_in_map(&map, "a", "b").into()),
        })
        .condition(&is_prod),
    );
    let messages = error_messages(&synth_errors(app));
    assert_eq!(
        messages,
        [
            "stack `api` uses the parameter `Name` of stack `data`",
            "stack `api` uses the mapping `Names` of stack `data`",
            "stack `api` uses the condition `IsProd` of stack `data`",
        ]
    );
}

#[test]
fn sub_placeholders_need_values() {
    let mut app = CloudAssembly::new();
    let stack = app.stack(&eu(), "subs");
    let bucket = stack.add(id("Bucket"), TestBucket::default());
    stack.add(
        id("Topic"),
        TestTopic {
            display_name: Some(
                sub("${Bucket}-${AWS::Region}-${!Literal}-${Known}")
                    .var("Known", bucket.reference())
                    .into(),
            ),
            topic_name: Some(sub("${Unclosed").into()),
        },
    );
    let diags = synth_errors(app);
    let messages = error_messages(&diags);
    assert_eq!(messages.len(), 2, "{diags}");
    assert!(
        messages[0].contains("`${Bucket}`, which has no value"),
        "{}",
        messages[0]
    );
    assert!(messages[1].contains("unclosed"), "{}", messages[1]);
}

#[test]
fn malformed_dynamic_references_are_reported() {
    let mut app = CloudAssembly::new();
    app.stack(&eu(), "dyn").add(
        id("Topic"),
        TestTopic {
            display_name: Some(DynamicReference::ssm("has space").into()),
            topic_name: Some(
                DynamicReference::secrets_manager("db")
                    .json_key("a:b")
                    .into(),
            ),
        },
    );
    let messages = error_messages(&synth_errors(app));
    assert_eq!(messages.len(), 2);
    assert!(messages[0].contains("`has space` is not an SSM parameter name"));
    assert!(messages[1].contains("the JSON key `a:b` contains `:`"));
}

#[test]
fn conditions_may_not_refer_to_resources() {
    let mut app = CloudAssembly::new();
    let stack = app.stack(&eu(), "cond");
    let bucket = stack.add(id("Bucket"), TestBucket::default());
    stack.add_condition("Odd", Cond::equals(bucket.reference(), "x"));
    stack.add_condition("Lonely", Cond::and([Cond::equals("a", "a")]));
    let messages = error_messages(&synth_errors(app));
    assert_eq!(
        messages,
        [
            "Fn::And has 1 conditions; CloudFormation takes 2 to 10",
            "condition `Odd` refers to a resource",
        ]
    );
}

/// Fills `data`, `a`, `b` and `c` with 120 resources each: enough for synthesis to work on two
/// halves at once, `data` and `a` the first, `b` and `c` the second.
fn four_large_stacks(app: &mut CloudAssembly) {
    for name in ["data", "a", "b", "c"] {
        let stack = app.stack(&eu(), name);
        for i in 0..120 {
            stack.add(id(&format!("Filler{i}")), TestTopic::default());
        }
    }
}

/// Large assemblies are resolved in two halves at once: an export that stacks of both halves
/// import is declared once, for all of them, and the errors of both halves come in stack order.
#[test]
fn large_assemblies_resolve_across_both_halves_like_small_ones() {
    let (mut app, bucket, _) = two_stacks();
    four_large_stacks(&mut app);
    for name in ["a", "c"] {
        app.stack(&eu(), name).add(
            id("Uploads"),
            TestQueue {
                queue_name: Some(bucket.reference().into()),
                ..Default::default()
            },
        );
    }
    let synthesis = synth(app, &ExportLedger::default());
    for name in ["a", "c"] {
        assert_eq!(
            body(&synthesis, name)["Resources"]["Uploads"]["Properties"]["QueueName"],
            json!({"Fn::ImportValue": "data:Assets:Ref"}),
            "{name}"
        );
    }
    let outputs = body(&synthesis, "data")["Outputs"].clone();
    let outputs = outputs.as_object().unwrap();
    assert_eq!(outputs.len(), 1, "{outputs:?}");
    let output = outputs.values().next().unwrap();
    assert_eq!(
        output["Description"],
        json!("Exported by Girder for stack(s) `a`, `c`")
    );
    let ledger = synthesis.ledger();
    assert_eq!(ledger.exports().len(), 1);
    assert_eq!(ledger.exports()[0].importers, ["a", "c"]);
    let order: Vec<&str> = synthesis
        .stacks()
        .iter()
        .map(|s| s.address().name())
        .collect();
    assert_eq!(order, ["data", "a", "b", "c"]);

    // A reference to a resource no stack has, in each half.
    let (mut app, _, _) = two_stacks();
    let mut missing = CloudAssembly::new();
    let gone = missing
        .stack(&eu(), "gone")
        .add(id("Gone"), TestBucket::default());
    four_large_stacks(&mut app);
    for name in ["c", "a"] {
        app.stack(&eu(), name).add(
            id("Orphan"),
            TestTopic {
                display_name: Some(gone.reference().into()),
                ..Default::default()
            },
        );
    }
    let diags = synth_errors(app);
    let paths: Vec<&str> = diags.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(paths.len(), 2, "{diags}");
    assert_eq!(
        paths,
        ["123456789012/eu-west-1/a", "123456789012/eu-west-1/c"]
    );
    for error in diags.iter() {
        assert!(error.message.contains("not part of this app"), "{error}");
    }
}

#[test]
fn a_reference_made_before_its_target_exists_resolves() {
    let mut app = CloudAssembly::new();
    let bucket = app
        .stack(&eu(), "data")
        .add(id("Assets"), TestBucket::default());
    let api = app.stack(&eu(), "api");
    // To an equal but separate address.
    let later = ResourceRef::<TestTopic>::new(intrinsic::ResourceTarget::new(
        std::sync::Arc::new(api.address().clone()),
        id("Later"),
    ));
    api.add(
        id("Uploads"),
        TestQueue {
            queue_name: Some(bucket.reference().into()),
            ..Default::default()
        },
    );
    api.add(
        id("Alerts"),
        TestTopic {
            display_name: Some(later.get_att::<String>("TopicArn").into()),
            ..Default::default()
        },
    );
    app.stack(&eu(), "api")
        .add(id("Later"), TestTopic::default());
    let synthesis = synth(app, &ExportLedger::default());
    let api = body(&synthesis, "api");
    assert_eq!(
        api["Resources"]["Uploads"]["Properties"]["QueueName"],
        json!({"Fn::ImportValue": "data:Assets:Ref"})
    );
    assert_eq!(
        api["Resources"]["Alerts"]["Properties"]["DisplayName"],
        json!({"Fn::GetAtt": ["Later", "TopicArn"]})
    );
    let outputs = body(&synthesis, "data")["Outputs"]
        .as_object()
        .unwrap()
        .len();
    assert_eq!(outputs, 1);
    let ids: Vec<&str> = synthesis
        .stack_named("api")
        .unwrap()
        .resources()
        .iter()
        .map(|(_, id)| id.as_str())
        .collect();
    assert_eq!(ids, ["Alerts", "Later", "Uploads"]);
}

#[test]
fn missing_targets_and_duplicates_are_all_reported() {
    let mut app = CloudAssembly::new();
    let api = app.stack(&eu(), "api");
    let missing = ResourceRef::<TestTopic>::new(intrinsic::ResourceTarget::new(
        std::sync::Arc::new(api.address().clone()),
        id("Missing"),
    ));
    let elsewhere = ResourceRef::<TestTopic>::new(intrinsic::ResourceTarget::new(
        std::sync::Arc::new(StackAddress::new(&eu(), "nowhere")),
        id("Topic"),
    ));
    api.add(
        id("First"),
        TestTopic {
            display_name: Some(missing.get_att::<String>("TopicName").into()),
            ..Default::default()
        },
    );
    api.add(
        id("Second"),
        TestTopic {
            display_name: Some(elsewhere.get_att::<String>("TopicName").into()),
            ..Default::default()
        },
    );
    // The same logical ID again, added later.
    app.stack(&eu(), "api")
        .add(id("First"), TestTopic::default());
    let diags = synth_errors(app);
    assert_eq!(
        error_messages(&diags),
        [
            "stack `api` declares the resource `First` twice",
            "refers to `Missing`, which stack `api` does not have",
            "refers to `Topic` in stack `123456789012/eu-west-1/nowhere`, which is not part of this app",
        ],
        "{diags}"
    );
}
