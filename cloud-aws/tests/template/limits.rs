//! CloudFormation's limits and naming rules, reported at synthesis with the stack and a hint.

use girder_aws::limits::{check_export_name, check_stack_name};
use girder_aws::*;
use girder_core::Severity;

use crate::support::*;

#[test]
fn too_many_resources_outputs_parameters_and_mappings() {
    let mut app = CloudAssembly::new();
    let stack = app.stack(&eu(), "huge");
    stack.set_path("prod/huge");
    for i in 0..501 {
        stack.add(id(&format!("Topic{i}")), TestTopic::default());
    }
    for i in 0..201 {
        stack.add_output(&format!("Out{i}"), Output::new("x"));
        stack.add_parameter(&format!("Param{i}"), Parameter::string().default("x"));
        stack.add_mapping(
            &format!("Map{i}"),
            Mapping::<String>::new().entry("a", "b", "c"),
        );
    }
    let diags = synth_errors(app);
    assert_eq!(
        error_messages(&diags),
        [
            "stack `huge` has 501 resources; CloudFormation allows 500",
            "stack `huge` has 201 outputs; CloudFormation allows 200",
            "stack `huge` has 201 parameters; CloudFormation allows 200",
            "stack `huge` has 201 mappings; CloudFormation allows 200",
        ]
    );
    for d in diags.iter().filter(|d| d.severity == Severity::Error) {
        assert_eq!(d.path, "prod/huge");
        assert!(d.hint.as_deref().unwrap().starts_with("split the stack"));
    }
}

/// A stack of `count` topics whose names have `size` bytes.
fn sized(count: usize, size: usize) -> CloudAssembly {
    let mut app = CloudAssembly::new();
    let stack = app.stack(&eu(), "big");
    for i in 0..count {
        stack.add(
            id(&format!("Topic{i}")),
            TestTopic {
                display_name: Some("x".repeat(size).into()),
                ..Default::default()
            },
        );
    }
    app
}

#[test]
fn a_body_above_the_inline_limit_is_a_warning() {
    let synthesis = synth(sized(10, 6_000), &ExportLedger::default());
    let warnings: Vec<_> = synthesis.warnings().iter().collect();
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].severity, Severity::Warning);
    assert!(
        warnings[0]
            .message
            .contains("more than the 51200 that can be passed inline"),
        "{}",
        warnings[0]
    );
}

#[test]
fn a_body_above_one_megabyte_is_an_error() {
    let diags = synth_errors(sized(3, 400_000));
    let messages = error_messages(&diags);
    assert_eq!(messages.len(), 1);
    assert!(
        messages[0].starts_with("the template of stack `big` has 1200"),
        "{}",
        messages[0]
    );
    assert!(messages[0].ends_with("CloudFormation allows 1048576"));
}

#[test]
fn stack_names() {
    assert_eq!(check_stack_name("shop-data-2"), None);
    assert_eq!(check_stack_name("A"), None);
    assert_eq!(check_stack_name(""), Some("it is empty"));
    assert_eq!(
        check_stack_name("2shop"),
        Some("it must start with a letter")
    );
    assert_eq!(
        check_stack_name("-shop"),
        Some("it must start with a letter")
    );
    assert_eq!(
        check_stack_name("shop_data"),
        Some("it may only contain letters, digits and '-'")
    );
    assert_eq!(check_stack_name(&"s".repeat(128)), None);
    assert_eq!(
        check_stack_name(&"s".repeat(129)),
        Some("it is longer than 128 characters")
    );

    let mut app = CloudAssembly::new();
    app.stack(&eu(), "shop_data")
        .add(id("Topic"), TestTopic::default());
    let messages = error_messages(&synth_errors(app));
    assert_eq!(
        messages,
        ["`shop_data` is not a valid stack name: it may only contain letters, digits and '-'"]
    );
}

#[test]
fn export_names() {
    assert_eq!(check_export_name("shop:Bucket:Arn-1"), None);
    assert!(check_export_name("").is_some());
    assert!(check_export_name("shop/bucket").is_some());
    assert!(check_export_name(&"e".repeat(256)).is_some());

    let mut app = CloudAssembly::new();
    let a = app.stack(&eu(), "alpha");
    a.add(id("Topic"), TestTopic::default());
    a.add_output("Bad", Output::new("x").export("has space"));
    a.add_output("Shared", Output::new("x").export("shared"));
    let b = app.stack(&eu(), "beta");
    b.add(id("Topic"), TestTopic::default());
    b.add_output("Shared", Output::new("y").export("shared"));
    // Another region may reuse the name.
    let c = app.stack(&env("us-east-1"), "gamma");
    c.add(id("Topic"), TestTopic::default());
    c.add_output("Shared", Output::new("y").export("shared"));
    let messages = error_messages(&synth_errors(app));
    assert_eq!(
        messages,
        [
            "`has space` is not a valid export name: it may only contain letters, digits, ':' and '-'",
            "the export `shared` is declared by stacks `alpha` and `beta` of the same account and region",
        ]
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut app = CloudAssembly::new();
    let stack = app.stack(&eu(), "9lives");
    stack.add_parameter("bad-name", Parameter::string());
    stack.add_parameter("Secret", Parameter::string().no_echo().default("hunter2"));
    stack.add_condition("Also_bad", Cond::equals("a", "b"));
    stack.add_mapping("Empty", Mapping::<String>::new());
    stack.add(
        id("Db"),
        Entry::new(TestDb {
            master_user_password: Some("hunter2".into()),
            ..Default::default()
        })
        .checkov_skip("CKV_GCP_1", "")
        .metadata("checkov", "manual"),
    );
    stack.add(
        id("SafeDb"),
        TestDb {
            master_user_password: Some(
                DynamicReference::secrets_manager("prod/db")
                    .json_key("password")
                    .into(),
            ),
            ..Default::default()
        },
    );
    stack.set_description("d".repeat(1025));
    app.stack(&eu(), "empty");
    let diags = synth_errors(app);
    let messages = error_messages(&diags);
    assert_eq!(
        messages,
        // Resources are checked as their part is prepared, the stacks once all are known.
        [
            "`CKV_GCP_1` is not a checkov check of AWS resources",
            "the checkov skip of `CKV_GCP_1` says nothing about why",
            "both checkov_skip and the metadata key `checkov` are set",
            "`MasterUserPassword` is a literal string: the secret would be written into the template",
            "`9lives` is not a valid stack name: it must start with a letter",
            "the description of stack `9lives` has 1025 bytes; CloudFormation allows 1024",
            "`bad-name` is not a valid parameter name",
            "`Also_bad` is not a valid condition name",
            "the NoEcho parameter `Secret` has a default value",
            "mapping `Empty`: it has no entries",
            "stack `empty` has no resources",
        ],
        "{diags}"
    );
    let literal = diags
        .iter()
        .find(|d| d.message.contains("literal string"))
        .unwrap();
    assert_eq!(literal.object.as_deref(), Some("AWS::RDS::DBInstance Db"));
    assert!(
        literal
            .hint
            .as_deref()
            .unwrap()
            .contains("DynamicReference::secrets_manager")
    );
}

#[test]
fn diagnostics_print_with_the_stack_and_hint() {
    let mut app = CloudAssembly::new();
    app.stack(&eu(), "empty");
    let text = synth_errors(app).to_string();
    assert_eq!(
        text,
        "error: stack `empty` has no resources\n  --> 123456789012/eu-west-1/empty\n  caused by: CloudFormation requires at least one resource per template\n  hint: add a resource or remove the stack"
    );
}
