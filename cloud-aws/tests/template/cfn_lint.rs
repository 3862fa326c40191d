//! cfn-lint on synthesized templates, when it is installed (`bash ../shared/validate/install.sh`).
//! With `GIRDER_VALIDATE=1` (as CI runs the tests) a missing cfn-lint fails these tests, so the
//! check cannot silently disappear there; on a fresh machine they only lint what they can.

use std::path::PathBuf;
use std::process::Command;

use girder_aws::fns::{get_azs, select, sub};
use girder_aws::*;

use crate::support::*;

fn cfn_lint_binary() -> Option<PathBuf> {
    let tools = std::env::var_os("GIRDER_TOOLS")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache/girder-tools"))
        })?;
    let binary = tools.join("lint/bin/cfn-lint");
    binary.is_file().then_some(binary)
}

/// Runs cfn-lint on every template of `synthesis`, each with its stack's region; fails the test
/// on any finding.
pub(crate) fn lint(synthesis: &Synthesis, label: &str) {
    let findings = findings(synthesis, label).unwrap_or_default();
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}

/// cfn-lint's findings on every template of `synthesis` (one entry per template with findings),
/// or `None` when cfn-lint is not installed and `GIRDER_VALIDATE` is not set.
pub(crate) fn findings(synthesis: &Synthesis, label: &str) -> Option<Vec<String>> {
    let Some(binary) = cfn_lint_binary() else {
        if std::env::var_os("GIRDER_VALIDATE").is_none() {
            eprintln!(
                "cfn-lint is not installed: not linted (CI sets GIRDER_VALIDATE=1 and requires it)"
            );
            return None;
        }
        panic!(
            "GIRDER_VALIDATE is set but cfn-lint is not installed at $GIRDER_TOOLS/lint/bin/cfn-lint \
             (default ~/.cache/girder-tools): run `bash ../shared/validate/install.sh`"
        );
    };
    let dir = std::env::temp_dir().join(format!(
        "girder-aws-cfn-lint-{}-{label}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let mut findings = Vec::new();
    for stack in synthesis.stacks() {
        let address = stack.address();
        let file = dir.join(format!("{}.json", address.name()));
        std::fs::write(&file, stack.body()).unwrap_or_else(|e| panic!("{e}"));
        let output = Command::new(&binary)
            .arg("--regions")
            .arg(address.region().as_str())
            .arg("--")
            .arg(&file)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        if !output.status.success() {
            findings.push(format!(
                "cfn-lint found problems in {label}/{}:\n{}{}\n--- template ---\n{}",
                address.name(),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr),
                stack.body()
            ));
        }
    }
    if std::env::var_os("GIRDER_KEEP_LINTED").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Some(findings)
}

/// An untyped resource of a real type passes cfn-lint; a property its schema does not have is
/// reported by cfn-lint like in a typed resource.
#[test]
fn raw_resources_are_linted_like_typed_ones() {
    let resource = |properties: serde_json::Value| {
        let mut app = CloudAssembly::new();
        let stack = app.stack(&eu(), "raw");
        let queue = stack.add(
            id("Queue"),
            CfnResource::raw("AWS::SQS::Queue", serde_json::json!({"DelaySeconds": 5}))
                .expect("a valid raw resource"),
        );
        stack.add(
            id("Topic"),
            Entry::from(CfnResource::raw("AWS::SNS::Topic", properties).expect("valid"))
                .depends_on(&queue),
        );
        stack.add_output("QueueArn", Output::new(queue.get_att::<String>("Arn")));
        synth(app, &ExportLedger::default())
    };
    let good = resource(serde_json::json!({"TopicName": "alerts", "DisplayName": "Alerts"}));
    let body = body(&good, "raw");
    assert_eq!(body["Resources"]["Topic"]["Type"], "AWS::SNS::Topic");
    assert_eq!(
        body["Resources"]["Topic"]["DependsOn"],
        serde_json::json!(["Queue"])
    );
    lint(&good, "raw-good");

    let bad = resource(serde_json::json!({"TopicName": "alerts", "NoSuchProperty": 1}));
    if let Some(findings) = findings(&bad, "raw-bad") {
        let all = findings.join("\n");
        assert!(
            all.contains("NoSuchProperty") && all.contains("E3002"),
            "cfn-lint reports the unknown property: {all}"
        );
    }
}

/// Three stacks in one account and region, referring to each other in every supported way.
pub(crate) fn multi_stack_app() -> CloudAssembly {
    let mut app = CloudAssembly::new();
    let env = eu();

    let network = app.stack(&env, "shop-network");
    network.set_description("Network of the shop");
    let vpc = network.add(
        LogicalId::from_path(["prod", "network"], "Vpc"),
        TestVpc {
            cidr_block: Some("10.0.0.0/16".into()),
        },
    );

    let data = app.stack(&env, "shop-data");
    let size = data.add_parameter(
        "InstanceClass",
        Parameter::string()
            .default("db.t4g.micro")
            .allowed_values(["db.t4g.micro", "db.r6g.large"]),
    );
    let subnet = data.add(
        LogicalId::from_path(["prod", "data"], "Subnet"),
        TestSubnet {
            vpc_id: Some(vpc.reference().into()),
            cidr_block: Some("10.0.1.0/24".into()),
            availability_zone: Some(select(0, get_azs("")).into()),
            ..Default::default()
        },
    );
    let db = data.add(
        LogicalId::from_path(["prod", "data", "orders-db"], "Instance"),
        TestDb {
            engine: Some("postgres".into()),
            db_instance_class: Some(size.reference().into()),
            allocated_storage: Some("20".into()),
            master_username: Some("orders".into()),
            master_user_password: Some(
                DynamicReference::secrets_manager("prod/orders-db")
                    .json_key("password")
                    .into(),
            ),
        },
    );
    let assets = data.add(
        LogicalId::from_path(["prod", "data"], "Assets"),
        TestBucket::default(),
    );

    let api = app.stack(&env, "shop-api");
    api.add(
        LogicalId::from_path(["prod", "api"], "Endpoint"),
        TestSsmParameter {
            kind: Some("String".into()),
            value: Some(
                sub("${Host}:${Port} in ${Subnet} (${AWS::Region})")
                    .var("Host", db.get_att::<String>("Endpoint.Address"))
                    .var("Port", db.get_att::<String>("Endpoint.Port"))
                    .var("Subnet", subnet.reference())
                    .into(),
            ),
            name: Some("/prod/api/db-endpoint".into()),
        },
    );
    api.add(
        LogicalId::from_path(["prod", "api"], "AssetsArn"),
        Entry::new(TestSsmParameter {
            kind: Some("String".into()),
            value: Some(assets.get_att::<String>("Arn").into()),
            ..Default::default()
        })
        .depends_on(&vpc),
    );
    app.stack(&env, "shop-data").add_output(
        "DbHost",
        Output::new(db.get_att::<String>("Endpoint.Address")).description("Database host"),
    );
    app
}

#[test]
fn a_multi_stack_app_passes_cfn_lint() {
    let synthesis = synth(multi_stack_app(), &ExportLedger::default());
    let names: Vec<&str> = synthesis
        .stacks()
        .iter()
        .map(|s| s.address().name())
        .collect();
    assert_eq!(names, ["shop-network", "shop-data", "shop-api"]);
    lint(&synthesis, "multi-stack");
}
