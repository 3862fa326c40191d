//! The per-service test: `cloud-aws/tests/services.rs`, one resource per service built from the
//! generated types with every required property filled from the schema, for cfn-lint.
//!
//! Per service, the resource is the first type (in alphabetical order) whose required properties
//! the sampler can fill:
//! - an enum gets its first value, an integer enum its first allowed value, a string with
//!   cfn-lint's `enumCaseInsensitive` its first value;
//! - a number gets its `minimum` (else 1, or its `maximum` when that is below 1);
//! - a string with a `pattern` or a `format` (or several shapes) is a `Ref` to the template parameter `Text`:
//!   cfn-lint does not check a reference against a pattern, and a literal that matches an
//!   arbitrary regular expression cannot be derived reliably; any other string is a literal of
//!   the schema's length bounds;
//! - a list gets `max(minItems, 1)` elements, a map one entry, an object its required properties.
//!
//! Types that cfn-lint extends with checks of its own (`data/schemas/extensions`: instance types
//! by region, properties that exclude each other) are picked only when no other type of the
//! service can be: their required properties alone say too little. Nor does it fill a property that falls back to `Json` (no typed shape to derive a value from), a
//! type whose schema combines its properties (`oneOf`, `anyOf`, `dependencies`, ...: the required
//! properties alone may not be valid), or objects nested deeper than [`MAX_DEPTH`]; a service
//! none of whose types it can fill is listed in the file's docs instead.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::lower::{Facts, Field, Kind, ServiceModel, Ty};
use crate::naming;

/// How deep the sampler follows nested required objects.
const MAX_DEPTH: usize = 8;

/// One service's sample: the resource type and the Rust expression that builds it.
pub(crate) struct Sample {
    pub(crate) module: String,
    pub(crate) type_name: String,
    pub(crate) expression: String,
}

/// The sample of `model`: its first resource the sampler can fill, preferring the types cfn-lint
/// does not extend (`extended`), or `None`.
pub(crate) fn sample(model: &ServiceModel, extended: &BTreeSet<String>) -> Option<Sample> {
    let pick = |want_extended: bool| {
        model.resources.iter().find_map(|resource| {
            if resource.combined || extended.contains(&resource.type_name) != want_extended {
                return None;
            }
            let expression = structure(model, resource.id, 0)?;
            Some(Sample {
                module: model.module.clone(),
                type_name: resource.type_name.clone(),
                expression,
            })
        })
    };
    pick(false).or_else(|| pick(true))
}

/// `Name::new(required…)` of struct `id`.
fn structure(model: &ServiceModel, id: crate::lower::Id, depth: usize) -> Option<String> {
    if depth > MAX_DEPTH {
        return None;
    }
    let ty = model.get(id);
    let Kind::Struct(fields) = &ty.kind else {
        return None;
    };
    let args: Option<Vec<String>> = fields
        .iter()
        .filter(|f| f.required)
        .map(|f| field(model, f, depth))
        .collect();
    Some(format!(
        "{}::{}::new({})",
        model.module,
        ty.name,
        args?.join(", ")
    ))
}

fn field(model: &ServiceModel, field: &Field, depth: usize) -> Option<String> {
    if field.facts.combined && matches!(field.ty, Ty::Struct(_)) {
        return None;
    }
    value(model, &field.ty, &field.facts, depth)
}

/// An expression of the exact Rust type of `ty` (`Value<String>`, `Vec<…>`, a struct, ...).
fn value(model: &ServiceModel, ty: &Ty, facts: &Facts, depth: usize) -> Option<String> {
    Some(match ty {
        Ty::String => {
            if let Some(first) = facts.case_insensitive.first() {
                format!("string({first:?})")
            } else if facts.pattern.is_some() || facts.format.is_some() || facts.combined {
                "text_ref(text)".to_owned()
            } else {
                format!("string({:?})", literal(facts))
            }
        }
        Ty::Integer => format!("integer({})", integer(facts)),
        Ty::Number => format!("number({:?})", number(facts)),
        Ty::Boolean => "boolean(true)".to_owned(),
        Ty::Enum(id) => {
            let ty = model.get(*id);
            let Kind::Enum(values) = &ty.kind else {
                return None;
            };
            let first = values.first()?;
            format!(
                "Value::from({}::{}::{})",
                model.module,
                ty.name,
                naming::variant_ident(first)
            )
        }
        Ty::Array(item) => {
            let facts_items = facts.items.as_deref().cloned().unwrap_or_default();
            let element = value(model, item, &facts_items, depth + 1)?;
            let count = facts.min_items.unwrap_or(1).max(1);
            // Identical elements would break `uniqueItems`.
            if count > 16 || (count > 1 && facts.unique_items) {
                return None;
            }
            let elements = vec![element; usize::try_from(count).ok()?];
            format!("Value::from(vec![{}])", elements.join(", "))
        }
        Ty::Map(inner) => {
            let element = value(model, inner, &Facts::default(), depth + 1)?;
            format!("BTreeMap::from([(\"Key\".to_owned(), {element})])")
        }
        Ty::Struct(id) => {
            if facts.combined || facts.min_properties.is_some_and(|n| n > 0) {
                return None;
            }
            structure(model, *id, depth + 1)?
        }
        Ty::Json => return None,
    })
}

/// A string of the schema's length bounds.
fn literal(facts: &Facts) -> String {
    let min = facts.min_length.unwrap_or(1).max(1);
    let max = facts.max_length.unwrap_or(u64::MAX).max(min);
    let length = usize::try_from(min.max(6).min(max)).unwrap_or(6);
    "girder".chars().cycle().take(length).collect()
}

fn integer(facts: &Facts) -> i64 {
    if let Some(first) = facts.allowed.first().and_then(|v| v.parse::<i64>().ok()) {
        return first;
    }
    match (facts.minimum, facts.maximum) {
        (Some(min), _) => min.ceil() as i64,
        (None, Some(max)) if max < 1.0 => max.floor() as i64,
        _ => 1,
    }
}

fn number(facts: &Facts) -> f64 {
    if let Some(first) = facts.allowed.first().and_then(|v| v.parse::<f64>().ok()) {
        return first;
    }
    match (facts.minimum, facts.maximum) {
        (Some(min), _) => min,
        (None, Some(max)) if max < 1.0 => max,
        _ => 1.0,
    }
}

/// The source of `cloud-aws/tests/services.rs`.
pub(crate) fn test_file(source_version: &str, samples: &[Sample], unfilled: &[String]) -> String {
    let mut out = crate::emit::header(source_version);
    out.push_str(
        "//! One resource per generated service, every required property filled with a value \
         derived from the schema, checked by cfn-lint (with `GIRDER_VALIDATE=1` a missing cfn-lint \
         fails the tests). One test per service; cfn-lint runs once on a template holding them all \
         (in us-east-1, the reference region) and each test reports its resource's findings.\n//!\n\
         //! The resource of a service is the first type, in alphabetical order, whose required \
         properties the generator's sampler can fill (see `codegen/src/sample.rs`): enums get \
         their first value, numbers their minimum, plain strings a literal of the schema's length; \
         a string with a `pattern` or a `format` is a `Ref` to the template parameter `Text`, \
         since cfn-lint does not check a reference against a pattern.\n",
    );
    if !unfilled.is_empty() {
        let _ = writeln!(
            out,
            "//!\n//! Services none of whose types the sampler can fill (a required property \
             without a typed shape, or a schema combining its properties): {}.",
            unfilled
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let all: String = samples.iter().map(|s| s.expression.as_str()).collect();
    out.push_str("#![cfg(feature = \"full\")]\n\n");
    if all.contains("BTreeMap::") {
        out.push_str("use std::collections::BTreeMap;\n\n");
    }
    out.push_str("use girder_aws::*;\n\n#[path = \"services/support.rs\"]\nmod support;\n\n");
    for (name, ty) in [
        ("string", "&str"),
        ("integer", "i64"),
        ("number", "f64"),
        ("boolean", "bool"),
    ] {
        if all.contains(&format!("{name}(")) {
            let rust = if ty == "&str" { "String" } else { ty };
            let _ = writeln!(
                out,
                "fn {name}(value: {ty}) -> Value<{rust}> {{\n    Value::from(value)\n}}\n"
            );
        }
    }
    if all.contains("text_ref(") {
        out.push_str(
            "/// `text`, a `Ref` to the template parameter `Text`, as a property value.\n\
             fn text_ref(text: &Expr<String>) -> Value<String> {\n    Value::from(text.clone())\n}\n\n",
        );
    }
    out.push_str(
        "/// `(service module, resource type, the resource)` of every service.\n\
         pub(crate) fn samples(text: &Expr<String>) -> Vec<(&'static str, &'static str, ResourceEntry)> {\n    vec![\n",
    );
    for sample in samples {
        let _ = writeln!(
            out,
            "        ({:?}, {:?}, ResourceEntry::new({})),",
            sample.module, sample.type_name, sample.expression
        );
    }
    out.push_str("    ]\n}\n\n");
    for sample in samples {
        let _ = writeln!(
            out,
            "#[test]\nfn {}() {{\n    support::check({:?});\n}}\n",
            naming::field_ident(&sample.module),
            sample.module
        );
    }
    out
}
