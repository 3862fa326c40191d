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
    app.synthesize_parts(prepared, &ExportLedger::default(), None, None)
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

/// Templates written to a map of files, as a program writes them into its output directory.
#[derive(Default)]
struct Files(
    std::sync::Mutex<std::collections::HashMap<String, String>>,
    std::sync::atomic::AtomicUsize,
);

impl Files {
    fn put(&self, address: &StackAddress, text: &[u8]) {
        let text = String::from_utf8(text.to_vec()).expect("a template is UTF-8");
        let mut files = self.0.lock().expect("lock");
        files.insert(address.name().to_owned(), text);
        self.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    fn writes(&self) -> usize {
        self.1.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn get(&self, name: &str) -> Option<String> {
        self.0.lock().expect("lock").get(name).cloned()
    }
}

/// Prepares `parts`, writes the text of each stack's first part ahead, and synthesizes into
/// `files`, reading back from them when `read_back`. One buffer serves every part whose text is
/// written ahead, as it does a thread that prepares parts.
fn synth_written_ahead(
    app: CloudAssembly,
    mut parts: Vec<Part>,
    files: &Files,
    read_back: bool,
) -> Result<Synthesis, Diagnostics> {
    let mut seen = std::collections::HashSet::new();
    let mut prepared = Vec::new();
    let mut buffer = Vec::new();
    for part in &mut parts {
        let mut ready = part.prepare_into(std::mem::take(&mut buffer));
        if seen.insert(ready.stack().clone()) {
            let address = ready.stack().clone();
            buffer = ready.write_text(|text| files.put(&address, text));
            assert!(buffer.is_empty());
            // A text is handed out once.
            let again = ready.write_text(|_| panic!("the text was written twice"));
            assert_eq!(again.capacity(), 0);
        }
        prepared.push(ready);
    }
    let emit = |address: &StackAddress, text: &[u8]| files.put(address, text);
    let read = |address: &StackAddress| files.get(address.name()).map(String::into_bytes);
    app.synthesize_parts(
        prepared,
        &ExportLedger::default(),
        Some(&emit),
        read_back.then_some(&read),
    )
}

#[test]
fn parts_written_ahead_are_read_back_when_their_stack_gets_more() {
    let (whole, _) = app(false);
    let whole = synth(whole, &ExportLedger::default());
    let (app, parts) = app(true);
    let files = Files::default();
    let synthesis = synth_written_ahead(app, parts, &files, true).unwrap_or_else(|d| panic!("{d}"));
    // `data` gets an export and `api` a second part: both are written again, whole.
    assert_eq!(files.writes(), 4);
    for name in ["data", "api"] {
        let expected = whole.stack_named(name).unwrap().body();
        assert_eq!(files.get(name).as_deref(), Some(expected), "{name}");
        assert_eq!(
            synthesis.stack_named(name).unwrap().body_len(),
            expected.len()
        );
    }
}

#[test]
fn a_part_written_ahead_that_cannot_be_read_back_is_an_error() {
    let (app, parts) = app(true);
    let diags =
        synth_written_ahead(app, parts, &Files::default(), false).expect_err("synthesis succeeded");
    assert_eq!(
        error_messages(&diags),
        [
            "cannot write the template of stack `data`",
            "cannot write the template of stack `api`",
        ],
        "{diags}"
    );
}

#[test]
fn a_stack_of_one_part_written_ahead_is_not_written_again() {
    let mut app = CloudAssembly::new();
    let solo = app.stack(&eu(), "solo");
    solo.add(id("Topic"), TestTopic::default());
    let parts = vec![solo.take_part()];
    let files = Files::default();
    let synthesis =
        synth_written_ahead(app, parts, &files, false).unwrap_or_else(|d| panic!("{d}"));
    let text = files.get("solo").unwrap();
    assert!(text.contains("\"Topic\""), "{text}");
    assert_eq!(files.writes(), 1);
    assert_eq!(
        synthesis.stack_named("solo").unwrap().body_len(),
        text.len()
    );
}

#[test]
fn a_prepared_part_sheds_its_resources_a_few_at_a_time() {
    let mut app = CloudAssembly::new();
    let stack = app.stack(&eu(), "many");
    for name in ["A", "B", "C", "D", "E"] {
        stack.add(id(name), TestTopic::default());
    }
    let mut part = stack.take_part();
    let prepared = part.prepare();
    assert_eq!(part.len(), 5);
    assert_eq!(part.shed(2), 2);
    assert_eq!(part.len(), 3);
    assert_eq!(part.shed(0), 0);
    // No more than it has.
    assert_eq!(part.shed(10), 3);
    assert!(part.is_empty());
    assert_eq!(part.shed(1), 0);
    // What was prepared does not need them.
    let synthesis = app
        .synthesize_parts(vec![prepared], &ExportLedger::default(), None, None)
        .unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(synthesis.stack_named("many").unwrap().resources().len(), 5);
}
