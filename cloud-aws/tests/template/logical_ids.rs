//! Logical IDs derived from construct paths stay put.

use girder_aws::*;

use crate::support::*;

fn db_id() -> LogicalId {
    LogicalId::from_path(["prod", "data", "orders-db"], "Instance")
}

#[test]
fn ids_follow_the_documented_scheme() {
    let hash = girder_core::name::fnv1a(b"prod/data/orders-db/Instance") as u32;
    assert_eq!(
        db_id().as_str(),
        format!("ProdDataOrdersDbInstance{hash:08x}")
    );
}

#[test]
fn adding_constructs_around_one_never_changes_its_id_or_entry() {
    let build = |extra: bool| {
        let mut app = CloudAssembly::new();
        let stack = app.stack(&eu(), "data");
        if extra {
            stack.add(
                LogicalId::from_path(["prod", "data"], "Aaa"),
                TestTopic::default(),
            );
            stack.add(
                LogicalId::from_path(["prod", "data", "orders-db"], "Replica"),
                TestDb::default(),
            );
            stack.add(
                LogicalId::from_path(["prod", "data", "orders-db", "logs"], "Group"),
                TestLogGroup::default(),
            );
            stack.add(
                LogicalId::from_path(["prod"], "DataOrdersDbInstance"),
                TestTopic::default(),
            );
        }
        let db = stack.add(db_id(), TestDb::default());
        if extra {
            stack.add(
                LogicalId::from_path(["prod", "zzz"], "Last"),
                TestTopic::default(),
            );
        }
        let synthesis = synth(app, &ExportLedger::default());
        let entry = body(&synthesis, "data")["Resources"][db.logical_id().as_str()].clone();
        (db.logical_id().clone(), entry)
    };
    let (alone_id, alone_entry) = build(false);
    let (crowded_id, crowded_entry) = build(true);
    assert_eq!(alone_id, crowded_id);
    assert_eq!(alone_id, db_id());
    assert!(!alone_entry.is_null());
    assert_eq!(alone_entry, crowded_entry);
}

#[test]
fn an_explicit_id_overrides_the_derived_one() {
    let mut app = CloudAssembly::new();
    let db = app
        .stack(&eu(), "data")
        .add(id("OrdersDb"), TestDb::default());
    assert_eq!(db.logical_id().as_str(), "OrdersDb");
    let synthesis = synth(app, &ExportLedger::default());
    assert!(body(&synthesis, "data")["Resources"]["OrdersDb"].is_object());
}

#[test]
fn a_duplicate_id_is_reported_and_the_first_kept() {
    let mut app = CloudAssembly::new();
    let stack = app.stack(&eu(), "dup");
    stack.add(
        id("Topic"),
        TestTopic {
            display_name: Some("first".into()),
            ..Default::default()
        },
    );
    stack.add(id("Topic"), TestBucket::default());
    assert_eq!(
        stack.template().resources()[&id("Topic")].type_name(),
        "AWS::SNS::Topic"
    );
    let messages = error_messages(&synth_errors(app));
    assert_eq!(
        messages,
        ["stack `dup` declares the resource `Topic` twice"]
    );
}
