//! The export ledger across syntheses: adding a reference, removing it, synthesizing again.

use girder_aws::ledger::LedgerExport;
use girder_aws::*;

use crate::cfn_lint::lint;
use crate::support::*;

/// `data` has a bucket; `api` refers to it when `referenced`; `data` keeps its bucket unless
/// `without_bucket`.
fn app(referenced: bool, without_bucket: bool) -> CloudAssembly {
    let mut app = CloudAssembly::new();
    let data = app.stack(&eu(), "data");
    data.add(id("Topic"), TestTopic::default());
    let bucket = (!without_bucket).then(|| data.add(id("Assets"), TestBucket::default()));
    let api = app.stack(&eu(), "api");
    let display_name = match (&bucket, referenced) {
        (Some(bucket), true) => Some(bucket.get_att::<String>("Arn").into()),
        _ => None,
    };
    api.add(
        id("Topic"),
        TestTopic {
            display_name,
            ..Default::default()
        },
    );
    app
}

/// The export names `stack` declares, with the output descriptions.
fn exports(synthesis: &Synthesis, stack: &str) -> Vec<(String, String)> {
    let body = body(synthesis, stack);
    body.get("Outputs")
        .and_then(|o| o.as_object())
        .map(|outputs| {
            outputs
                .values()
                .filter_map(|o| {
                    Some((
                        o["Export"]["Name"].as_str()?.to_owned(),
                        o["Description"].as_str().unwrap_or_default().to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn imports(synthesis: &Synthesis, stack: &str) -> bool {
    synthesis
        .stack_named(stack)
        .unwrap_or_else(|| panic!("no stack {stack}"))
        .body()
        .contains("Fn::ImportValue")
}

/// No export imported by the previous step is missing from this one.
fn assert_no_imported_export_removed(previous: &ExportLedger, now: &Synthesis) {
    for export in previous.exports().iter().filter(|e| !e.is_retained()) {
        let declared = exports(now, export.producer.name());
        assert!(
            declared.iter().any(|(name, _)| name == &export.name),
            "the export {} that {:?} imported was removed",
            export.name,
            export.importers
        );
    }
}

/// The ledger survives the manifest (JSON) unchanged.
fn round_trip(ledger: &ExportLedger) -> ExportLedger {
    let text = serde_json::to_string_pretty(ledger).unwrap_or_else(|e| panic!("{e}"));
    let back: ExportLedger = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(&back, ledger);
    back
}

#[test]
fn removing_a_reference_keeps_the_export_one_more_deployment() {
    // 1. The reference is added: exported and imported.
    let first = synth(app(true, false), &ExportLedger::default());
    assert!(imports(&first, "api"));
    let declared = exports(&first, "data");
    assert_eq!(declared.len(), 1);
    assert_eq!(declared[0].0, "data:Assets:Arn");
    let ledger1 = round_trip(first.ledger());
    let export: &LedgerExport = &ledger1.exports()[0];
    assert_eq!(export.importers, ["api"]);
    assert!(!export.is_retained());
    lint(&first, "ledger-1");

    // 2. The reference is removed: the consumer no longer imports, the producer keeps the export,
    //    marked as retained.
    let second = synth(app(false, false), &ledger1);
    assert!(!imports(&second, "api"));
    assert_no_imported_export_removed(&ledger1, &second);
    let declared = exports(&second, "data");
    assert_eq!(declared.len(), 1);
    assert!(
        declared[0]
            .1
            .starts_with("Retained for one more deployment: stack(s) `api`"),
        "{}",
        declared[0].1
    );
    let ledger2 = round_trip(second.ledger());
    assert!(ledger2.exports()[0].is_retained());
    // The retained output is the same output as before: same ID, same value.
    let outputs_1 = body(&first, "data")["Outputs"].clone();
    let outputs_2 = body(&second, "data")["Outputs"].clone();
    let (id_1, output_1) = outputs_1.as_object().unwrap().iter().next().unwrap();
    let (id_2, output_2) = outputs_2.as_object().unwrap().iter().next().unwrap();
    assert_eq!(id_1, id_2);
    assert_eq!(output_1["Value"], output_2["Value"]);
    assert_eq!(output_1["Export"], output_2["Export"]);
    lint(&second, "ledger-2");

    // Synthesizing again from the same deployed ledger gives the same output.
    let again = synth(app(false, false), &ledger1);
    assert_eq!(
        again.stack_named("data").unwrap().body(),
        second.stack_named("data").unwrap().body()
    );

    // 3. The next synthesis drops it.
    let third = synth(app(false, false), &ledger2);
    assert_no_imported_export_removed(&ledger2, &third);
    assert!(exports(&third, "data").is_empty());
    assert!(third.ledger().is_empty());
    lint(&third, "ledger-3");

    // 4. Adding the reference back exports it again.
    let fourth = synth(app(true, false), third.ledger());
    assert_eq!(exports(&fourth, "data").len(), 1);
    assert!(imports(&fourth, "api"));
}

#[test]
fn an_export_imported_again_before_it_was_dropped_is_not_retained() {
    let first = synth(app(true, false), &ExportLedger::default());
    let second = synth(app(false, false), first.ledger());
    let third = synth(app(true, false), second.ledger());
    let declared = exports(&third, "data");
    assert_eq!(declared.len(), 1);
    assert!(declared[0].1.starts_with("Exported by Girder"));
    assert_eq!(third.ledger().exports()[0].importers, ["api"]);
}

#[test]
fn removing_an_imported_resource_at_once_is_an_error() {
    let first = synth(app(true, false), &ExportLedger::default());
    let diags = app(false, true).synthesize(first.ledger()).unwrap_err();
    let errors: Vec<_> = diags.iter().collect();
    assert_eq!(errors.len(), 1, "{diags}");
    assert_eq!(
        errors[0].message,
        "stack `data` no longer has `Assets`, whose export `data:Assets:Arn` stack(s) `api` imported in the previous deployment"
    );
    assert!(
        errors[0]
            .hint
            .as_deref()
            .unwrap()
            .contains("then remove it")
    );
    // Once the reference was removed and deployed, the resource can go.
    let second = synth(app(false, false), first.ledger());
    let third = synth(app(false, true), second.ledger());
    assert!(exports(&third, "data").is_empty());
}

#[test]
fn a_producer_stack_that_left_the_app_is_not_an_error() {
    let first = synth(app(true, false), &ExportLedger::default());
    let mut alone = CloudAssembly::new();
    alone
        .stack(&eu(), "api")
        .add(id("Topic"), TestTopic::default());
    let second = synth(alone, first.ledger());
    assert!(second.ledger().is_empty());
}
