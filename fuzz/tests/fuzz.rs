//! The fuzz targets: each replays its corpus (`fuzz/corpus/<target>/`), then checks a property
//! on generated inputs. See the crate docs for the short and the long run.

use std::collections::BTreeMap;

use girder_fuzz::{corpus, json_object, json_value, tricky_string};
use proptest::prelude::*;
use serde_json::Value;

/// The name scheme: `derive` always gives a DNS-1123 label within its limit, the same one for
/// the same parts, and `check_id` accepts only valid DNS-1035 labels.
mod names {
    use super::*;
    use girder_core::name::{check_id, derive, is_dns1035_label, is_dns1123_label};

    fn check_derive(parts: &[&str], max: usize) -> Result<(), TestCaseError> {
        let name = derive(parts, max);
        prop_assert!(is_dns1123_label(&name), "{parts:?} ({max}) gave {name:?}");
        prop_assert!(
            name.len() <= max.clamp(10, 63),
            "{parts:?} ({max}) gave {name:?}"
        );
        prop_assert_eq!(&name, &derive(parts, max));
        Ok(())
    }

    fn check_id_agrees(id: &str) -> Result<(), TestCaseError> {
        let valid = check_id(id).is_none();
        prop_assert_eq!(valid, is_dns1035_label(id), "{:?}", id);
        Ok(())
    }

    #[test]
    fn corpus_replays() {
        for (name, text) in corpus("names") {
            for line in text.lines() {
                let parts: Vec<&str> = line.split('/').collect();
                check_derive(&parts, 63).unwrap_or_else(|e| panic!("{name}: {e}"));
                check_derive(&parts, 10).unwrap_or_else(|e| panic!("{name}: {e}"));
                check_id_agrees(line).unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        }
    }

    proptest! {
        #[test]
        fn derived_names_are_labels(parts in prop::collection::vec(tricky_string(), 1..5), max in 0usize..300) {
            let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
            check_derive(&parts, max)?;
        }

        #[test]
        fn ids_are_checked_exactly(id in prop_oneof![tricky_string(), "[a-z0-9-]{0,70}"]) {
            check_id_agrees(&id)?;
        }
    }
}

/// Quantities: parsing never panics, and what is written parses back to the same amount.
mod quantities {
    use super::*;
    use girder_k8s::quantity::{Cpu, Memory};

    fn check(text: &str) -> Result<(), TestCaseError> {
        if let Ok(cpu) = text.parse::<Cpu>() {
            prop_assert_eq!(cpu.to_string().parse::<Cpu>(), Ok(cpu), "{:?}", text);
        }
        if let Ok(memory) = text.parse::<Memory>() {
            prop_assert_eq!(
                memory.to_string().parse::<Memory>(),
                Ok(memory),
                "{:?}",
                text
            );
        }
        Ok(())
    }

    #[test]
    fn corpus_replays() {
        for (name, text) in corpus("quantity") {
            for line in text.lines() {
                check(line).unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        }
    }

    proptest! {
        #[test]
        fn parsing_never_panics_and_round_trips(text in prop_oneof![tricky_string(), "[0-9.]{0,22}(m|k|Ki|M|Mi|G|Gi|T|Ti|E|Ei|e3|)"]) {
            check(&text)?;
        }

        #[test]
        fn written_amounts_parse_back(millis in any::<u64>(), bytes in any::<u64>()) {
            let cpu = Cpu::millis(millis);
            prop_assert_eq!(cpu.to_string().parse::<Cpu>(), Ok(cpu));
            let memory = Memory::bytes(bytes);
            prop_assert_eq!(memory.to_string().parse::<Memory>(), Ok(memory));
        }
    }
}

/// The YAML writer: any JSON value it writes parses back, as YAML, to the same value.
mod yaml {
    use super::*;

    fn round_trip(value: &Value) -> Result<(), TestCaseError> {
        let mut text = String::new();
        girder_k8s::emit::to_yaml(&mut text, value)
            .map_err(|e| TestCaseError::fail(format!("{value}: {e}")))?;
        let back: Value = serde_saphyr::from_str(&text).map_err(|e| {
            TestCaseError::fail(format!("{value}\nwrote\n{text}\nwhich does not parse: {e}"))
        })?;
        prop_assert!(
            same(&back, value),
            "{}\nwrote\n{}\nwhich reads as {}",
            value,
            text,
            back
        );
        Ok(())
    }

    #[test]
    fn corpus_replays() {
        for (name, text) in corpus("yaml") {
            let value: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            round_trip(&value).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    proptest! {
        #[test]
        fn written_yaml_reads_back(value in json_value()) {
            round_trip(&value)?;
        }
    }
}

/// The JSON writer of CloudFormation templates and the manifest: what it writes is what
/// serde_json writes with one-space indentation, byte for byte, and parses back to the value.
mod json {
    use super::*;
    use serde::Serialize;

    fn serde_json_pretty(value: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(
            &mut out,
            serde_json::ser::PrettyFormatter::with_indent(b" "),
        );
        value
            .serialize(&mut ser)
            .expect("serde_json writes any value");
        out
    }

    fn check(value: &Value) -> Result<(), TestCaseError> {
        let mut out = Vec::new();
        girder_aws::json::write_pretty(&mut out, value)
            .map_err(|e| TestCaseError::fail(format!("{value}: {e}")))?;
        let expected = serde_json_pretty(value);
        prop_assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&expected)
        );
        let back: Value =
            serde_json::from_slice(&out).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(same(&back, value));
        Ok(())
    }

    #[test]
    fn corpus_replays() {
        for (name, text) in corpus("json") {
            let value: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            check(&value).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    proptest! {
        #[test]
        fn written_json_is_serde_json_s(value in json_value()) {
            check(&value)?;
        }
    }
}

/// The diff reader: any two outputs, valid or not, give a report or an error, never a panic;
/// an output compared with itself has no changes; and what one direction adds, the other
/// removes.
mod diff {
    use super::*;
    use girder_synth::diff::diff;

    /// A Kubernetes object or a file's worth of garbage, and templates with arbitrary
    /// properties, as an output's files by path.
    fn output() -> impl Strategy<Value = BTreeMap<String, String>> {
        let kind = prop::sample::select(vec![
            ("v1", "ConfigMap"),
            ("v1", "Secret"),
            ("v1", "Service"),
            ("v1", "PersistentVolumeClaim"),
            ("v1", "Namespace"),
            ("apps/v1", "Deployment"),
            ("apps/v1", "StatefulSet"),
            ("batch/v1", "Job"),
        ]);
        let object = (kind, "[a-c]{1,2}", json_object(), json_object()).prop_map(
            |((api, kind), name, spec, data)| {
                serde_json::json!({
                    "apiVersion": api, "kind": kind,
                    "metadata": {"name": name, "namespace": "shop"},
                    "spec": spec, "data": data,
                })
            },
        );
        let k8s = prop::collection::vec(object, 0..4).prop_map(|docs| {
            let mut text = String::new();
            for doc in docs {
                text.push_str("---\n");
                girder_k8s::emit::to_yaml(&mut text, &doc).expect("a JSON value is written");
            }
            text
        });
        let resource_type = prop::sample::select(vec![
            "AWS::S3::Bucket",
            "AWS::RDS::DBInstance",
            "AWS::EKS::Cluster",
            "AWS::IAM::Role",
            "AWS::Custom::Thing",
        ]);
        let template =
            prop::collection::btree_map("[A-C][a-c0-9]{0,2}", (resource_type, json_object()), 0..4)
                .prop_map(|resources| {
                    let resources: serde_json::Map<String, Value> = resources
                        .into_iter()
                        .map(|(id, (ty, props))| {
                            (id, serde_json::json!({"Type": ty, "Properties": props}))
                        })
                        .collect();
                    serde_json::to_string_pretty(&serde_json::json!({"Resources": resources}))
                        .expect("a JSON value is written")
                });
        let garbage = tricky_string();
        (k8s, template, prop::option::of(garbage)).prop_map(|(k8s, template, garbage)| {
            let mut files = BTreeMap::new();
            files.insert("prod/k8s/shop.yaml".to_owned(), k8s);
            files.insert("prod/cfn/data.template.json".to_owned(), template);
            if let Some(garbage) = garbage {
                files.insert("prod/k8s/other.yaml".to_owned(), garbage);
            }
            files
        })
    }

    fn check(
        old: &BTreeMap<String, String>,
        new: &BTreeMap<String, String>,
    ) -> Result<(), TestCaseError> {
        if let Ok(report) = diff(old, old) {
            prop_assert!(
                report.is_empty(),
                "an output differs from itself:\n{}",
                report
            );
        }
        match (diff(old, new), diff(new, old)) {
            (Ok(forward), Ok(backward)) => {
                prop_assert_eq!(forward.added(), backward.removed());
                prop_assert_eq!(forward.changed(), backward.changed());
                let _ = forward.to_string();
            }
            (Err(_), _) | (_, Err(_)) => {}
        }
        Ok(())
    }

    #[test]
    fn corpus_replays() {
        let files: Vec<(String, String)> = corpus("diff");
        let as_output = |(name, text): &(String, String)| {
            let path = if name.ends_with(".json") {
                "prod/cfn/data.template.json"
            } else {
                "prod/k8s/shop.yaml"
            };
            BTreeMap::from([(path.to_owned(), text.clone())])
        };
        for old in &files {
            for new in &files {
                check(&as_output(old), &as_output(new))
                    .unwrap_or_else(|e| panic!("{} against {}: {e}", old.0, new.0));
            }
        }
    }

    proptest! {
        #[test]
        fn any_two_outputs_compare(old in output(), new in output()) {
            check(&old, &new)?;
        }
    }
}

/// Reading a previous output's `manifest.json`: any text is accepted as Girder's or refused
/// with a reason, never a panic.
mod manifest {
    use super::*;
    use girder_synth::output::Manifest;

    #[test]
    fn corpus_replays() {
        let mut girders = 0;
        for (name, text) in corpus("manifest") {
            if Manifest::parse(&text).is_ok() {
                girders += 1;
                assert!(name.starts_with("girder-"), "{name} was taken for Girder's");
            } else {
                assert!(!name.starts_with("girder-"), "{name} was refused");
            }
        }
        assert!(girders > 0);
    }

    proptest! {
        #[test]
        fn any_text_is_read_or_refused(value in json_value(), text in tricky_string()) {
            let _ = Manifest::parse(&value.to_string());
            let _ = Manifest::parse(&text);
        }
    }
}

/// The cron parser: never panics, accepts every schedule of the grammar, refuses numbers out
/// of range, and what it writes parses back to the same schedule.
mod cron {
    use super::*;
    use girder_k8s::cron::Schedule;

    fn check(text: &str) -> Result<(), TestCaseError> {
        if let Ok(schedule) = Schedule::parse(text) {
            let written = schedule.to_string();
            let again = Schedule::parse(&written);
            prop_assert_eq!(
                again.as_ref(),
                Ok(&schedule),
                "{:?} was written as {:?}",
                text,
                written
            );
        }
        Ok(())
    }

    /// One field of the grammar, with numbers within `low..=high`.
    fn field(low: u8, high: u8) -> impl Strategy<Value = String> {
        // Steps stay within the range they step through: a longer step would select only its
        // first value, which the parser refuses as a likely mistake.
        let n = low..=high;
        let item = prop_oneof![
            Just("*".to_owned()),
            (1u8..=high - low).prop_map(|s| format!("*/{s}")),
            n.clone().prop_map(|v| v.to_string()),
            (n.clone(), n.clone()).prop_map(|(a, b)| format!("{}-{}", a.min(b), a.max(b))),
            (n.clone(), n)
                .prop_filter("a range to step through", |(a, b)| a != b)
                .prop_flat_map(|(a, b)| {
                    let (a, b) = (a.min(b), a.max(b));
                    (1u8..=b - a).prop_map(move |s| format!("{a}-{b}/{s}"))
                }),
        ];
        prop::collection::vec(item, 1..4).prop_map(|items| items.join(","))
    }

    fn schedule() -> impl Strategy<Value = String> {
        (
            field(0, 59),
            field(0, 23),
            field(1, 31),
            field(1, 12),
            field(0, 6),
        )
            .prop_map(|(m, h, dom, mon, dow)| format!("{m} {h} {dom} {mon} {dow}"))
    }

    #[test]
    fn corpus_replays() {
        for (name, text) in corpus("cron") {
            for line in text.lines() {
                let (expect, schedule) = line.split_once(' ').unwrap_or((line, ""));
                let parsed = Schedule::parse(schedule);
                match expect {
                    "ok" => assert!(parsed.is_ok(), "{name}: {schedule:?}: {parsed:?}"),
                    "err" => assert!(parsed.is_err(), "{name}: {schedule:?} was accepted"),
                    other => panic!("{name}: a line starts with `ok` or `err`, not {other:?}"),
                }
                check(schedule).unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        }
    }

    proptest! {
        #[test]
        fn any_text_never_panics(text in prop_oneof![tricky_string(), "[0-9*/,? -]{0,20}", "[0-9a-zA-Z@*/,-]{1,8}( [0-9a-zA-Z*/,?-]{1,8}){4}"]) {
            check(&text)?;
        }

        #[test]
        fn the_grammar_is_accepted(text in schedule()) {
            let parsed = Schedule::parse(&text);
            prop_assert!(parsed.is_ok(), "{:?}: {:?}", text, parsed);
            check(&text)?;
        }

        #[test]
        fn numbers_out_of_range_are_refused(field in 0usize..5, excess in 1u16..200) {
            let highs = [59u16, 23, 31, 12, 6];
            let mut fields = vec!["*".to_owned(); 5];
            fields[field] = (highs[field] + excess).to_string();
            let text = fields.join(" ");
            prop_assert!(Schedule::parse(&text).is_err(), "{:?} was accepted", text);
        }
    }
}

/// Values equal as JSON, with floats compared by value (`-0.0` and `0.0` are the same number).
/// serde_json reads floats back exactly here: this crate enables its `float_roundtrip`.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            _ if x == y => true,
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}
