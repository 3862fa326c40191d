//! Property-based fuzzing of Girder's parsers and writers.
//!
//! cargo-fuzz needs a nightly toolchain, which Girder's builds do not use, so the targets are
//! [proptest](https://docs.rs/proptest) properties that run on stable under `cargo test`, each
//! first replaying its committed corpus (`fuzz/corpus/<target>/`: inputs that once mattered,
//! and the tricky cases each writer must survive), then generating new inputs. The number of
//! generated cases is proptest's `PROPTEST_CASES` (256 by default):
//!
//! ```sh
//! cargo test -p girder-fuzz                                   # the short run (CI)
//! PROPTEST_CASES=100000 cargo test -p girder-fuzz --release   # the long run
//! ```
//!
//! A failing case found by a run is minimized by proptest and printed; add it to the target's
//! corpus as a new file, so that every later run replays it.
//!
//! This crate holds the shared strategies; the targets are in `tests/fuzz.rs`.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::{Map, Number, Value};

/// The inputs of a target's corpus, by file name, in name order.
///
/// ```
/// let inputs = girder_fuzz::corpus("cron");
/// assert!(inputs.iter().any(|(name, _)| name.ends_with(".txt")));
/// ```
pub fn corpus(target: &str) -> Vec<(String, String)> {
    let dir = corpus_dir(target);
    let mut inputs: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the corpus {} cannot be read: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("a corpus entry").path();
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{} cannot be read: {e}", path.display()));
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, text)
        })
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "the corpus {} is empty", dir.display());
    inputs
}

/// The directory of a target's corpus.
pub fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target)
}

/// Strings that writers and parsers get wrong: YAML's and JSON's special words and
/// characters, numbers in disguise, whitespace at the edges, control and non-ASCII
/// characters — and arbitrary strings.
pub fn tricky_string() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        "",
        " ",
        "~",
        "null",
        "Null",
        "NULL",
        "true",
        "True",
        "false",
        "yes",
        "no",
        "on",
        "off",
        "y",
        "n",
        "0",
        "-0",
        "1e3",
        "0x1F",
        "0o17",
        "017",
        "1_000",
        ".5",
        "-.inf",
        ".nan",
        "1.0",
        "+1",
        "- item",
        "key: value",
        "a #comment",
        "#",
        "&anchor",
        "*alias",
        "!tag",
        "|",
        ">",
        "'",
        "\"",
        "\\",
        "%",
        "@",
        "`",
        "{",
        "}",
        "[",
        "]",
        ",",
        "?",
        ":",
        "-",
        "---",
        "...",
        "\t",
        "\n",
        "a\nb",
        "a\n",
        " a",
        "a ",
        "\u{0}",
        "\u{7f}",
        "\u{85}",
        "\u{2028}",
        "\u{feff}",
        "é",
        "日本",
        "🦀",
        "2026-12-06",
        "12:30",
        "=",
    ])
    .prop_map(str::to_owned);
    prop_oneof![
        3 => special,
        2 => "[ -~]{0,12}",
        2 => any::<String>(),
        1 => prop::collection::vec(prop::sample::select(vec!["a", " ", ":", "-", "#", "\n", "'", "\"", "0", "é"]), 0..8)
            .prop_map(|parts| parts.concat()),
    ]
}

/// JSON numbers of every kind: small and extreme integers, and finite floats.
pub fn number() -> impl Strategy<Value = Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::from),
        any::<u64>().prop_map(Number::from),
        (-1000i64..1000).prop_map(Number::from),
        any::<f64>().prop_filter_map("finite", Number::from_f64),
        prop::sample::select(vec![
            0.0,
            -0.0,
            0.5,
            1.0,
            1e21,
            1e-7,
            f64::MAX,
            f64::MIN_POSITIVE
        ])
        .prop_filter_map("finite", Number::from_f64),
    ]
}

/// Arbitrary JSON values, nested a few levels, with [`tricky_string`]s as keys and strings.
pub fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number().prop_map(Value::Number),
        tricky_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((tricky_string(), inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Arbitrary JSON objects (a Kubernetes document or a CloudFormation template is one).
pub fn json_object() -> impl Strategy<Value = Value> {
    prop::collection::vec((tricky_string(), json_value()), 0..8)
        .prop_map(|entries| Value::Object(entries.into_iter().collect()))
}
