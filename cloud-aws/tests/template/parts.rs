//! Stacks prepared in parts, as a program prepares them while it renders: the templates are the
//! ones whole stacks give, and what a part cannot check alone is checked at the end.

use std::sync::Arc;

use girder_aws::intrinsic::ResourceTarget;
use girder_aws::part::Part;
use girder_aws::*;
use girder_core::Diagnostics;
use serde_json::json;

use crate::support::*;

/// `data` holds a bucket; `api` holds a queue named after it and a topic whose display name is
/// the ARN of `Later`, which `api` gets after the rest. With `in_parts`, each stack's resources
/// so far are taken as a part at each step, and `Later` stays in its stack until synthesis.
fn app(in_parts: bool) -> (CloudAssembly, Vec<Part>) {
    let mut app = CloudAssembly::new();
    let mut parts = Vec::new();
    let data = app.stack(&eu(), "data");
    let bucket = data.add(id("Assets"), TestBucket::default());
    if in_parts {
        parts.push(data.take_part());
    }
    let api = app.stack(&eu(), "api");
    // A reference made before its target exists, to an equal but separate address.
    let later = ResourceRef::<TestTopic>::new(ResourceTarget::new(
        Arc::new(api.address().clone()),
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
    if in_parts {
        parts.push(api.take_part());
    }
    app.stack(&eu(), "api")
        .add(id("Later"), TestTopic::default());
    (app, parts)
}

fn synth_parts(app: CloudAssembly, mut parts: Vec<Part>) -> Result<Synthesis, Diagnostics> {
    let prepared = parts.iter_mut().map(Part::prepare).collect();
    app.synthesize_parts(prepared, &ExportLedger::default(), None)
}

#[test]
fn parts_give_the_templates_of_whole_stacks() {
    let (whole, _) = app(false);
    let whole = synth(whole, &ExportLedger::default());
    let (app, parts) = app(true);
    assert_eq!(parts.len(), 2);
    let in_parts = synth_parts(app, parts).unwrap_or_else(|d| panic!("{d}"));
    for name in ["data", "api"] {
        let stack = in_parts.stack_named(name).unwrap();
        assert_eq!(
            stack.body(),
            whole.stack_named(name).unwrap().body(),
            "{name}"
        );
        assert_eq!(stack.body_len(), stack.body().len());
    }
    let api = body(&in_parts, "api");
    assert_eq!(
        api["Resources"]["Uploads"]["Properties"]["QueueName"],
        json!({"Fn::ImportValue": "data:Assets:Ref"})
    );
    assert_eq!(
        api["Resources"]["Alerts"]["Properties"]["DisplayName"],
        json!({"Fn::GetAtt": ["Later", "TopicArn"]})
    );
    // The producer declares the export though its only part was prepared first.
    assert_eq!(
        body(&in_parts, "data")["Outputs"]
            .as_object()
            .unwrap()
            .len(),
        1
    );
    let ids: Vec<&str> = in_parts
        .stack_named("api")
        .unwrap()
        .resources()
        .iter()
        .map(|(_, id)| id.as_str())
        .collect();
    assert_eq!(ids, ["Alerts", "Later", "Uploads"]);
}

#[test]
fn what_parts_cannot_check_alone_is_checked_at_the_end() {
    let mut app = CloudAssembly::new();
    let mut parts = Vec::new();
    let api = app.stack(&eu(), "api");
    let address = Arc::new(api.address().clone());
    let missing = ResourceRef::<TestTopic>::new(ResourceTarget::new(address, id("Missing")));
    let elsewhere = ResourceRef::<TestTopic>::new(ResourceTarget::new(
        Arc::new(StackAddress::new(&eu(), "nowhere")),
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
    parts.push(api.take_part());
    // The same logical ID again, in a later part of the same stack.
    let api = app.stack(&eu(), "api");
    api.add(id("First"), TestTopic::default());
    parts.push(api.take_part());
    let diags = synth_parts(app, parts).expect_err("synthesis succeeded");
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

#[test]
fn a_part_of_a_stack_of_another_assembly_is_an_error() {
    let mut other = CloudAssembly::new();
    let stray = other.stack(&eu(), "stray");
    stray.add(id("Topic"), TestTopic::default());
    let part = stray.take_part();
    let mut app = CloudAssembly::new();
    app.stack(&eu(), "api")
        .add(id("Topic"), TestTopic::default());
    let diags = synth_parts(app, vec![part]).expect_err("synthesis succeeded");
    assert_eq!(
        error_messages(&diags),
        ["a part of stack `stray` was prepared, but the stack is not part of this app"]
    );
}
