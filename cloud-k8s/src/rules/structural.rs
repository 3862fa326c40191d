//! Structural schemas: the API server refuses a `CustomResourceDefinition` (`apiextensions.k8s.io/v1`)
//! whose `openAPIV3Schema` is not
//! [structural](https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema),
//! so synth refuses it first, naming the JSON path of each offending node.
//!
//! A schema is structural when
//! 1. the root, every property (`properties`, `additionalProperties`) and every array item
//!    (`items`) has a non-empty `type`, except a node with `x-kubernetes-int-or-string` or
//!    `x-kubernetes-preserve-unknown-fields`;
//! 2. every property and item named inside `allOf`, `anyOf`, `oneOf` or `not` is also specified
//!    outside of them;
//! 3. nothing inside `allOf`, `anyOf`, `oneOf` or `not` sets `description`, `type`, `default`,
//!    `additionalProperties` or `nullable` (except the `anyOf: [{type: integer}, {type: string}]`
//!    of `x-kubernetes-int-or-string`);
//! 4. under `metadata`, only `name` and `generateName` are restricted;
//!
//! and `apiextensions.k8s.io/v1` also refuses `$ref`, `$schema`, `id`, `definitions`,
//! `dependencies`, `additionalItems`, `patternProperties`, `uniqueItems: true`, an `items` array,
//! `additionalProperties` beside `properties` or set to `false`, and
//! `x-kubernetes-preserve-unknown-fields: false`.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceDefinition, JSONSchemaProps, JSONSchemaPropsOrArray, JSONSchemaPropsOrBool,
};

use super::Finding;

/// One way a schema is not structural: the JSON path of the node in the object, what is wrong
/// and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The node's path in the `CustomResourceDefinition`, e.g.
    /// `spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.extra`.
    pub path: String,
    /// What is wrong.
    pub problem: String,
    /// What to do about it in a Rust type deriving `JsonSchema`.
    pub hint: &'static str,
}

const TYPE_HINT: &str = "a field of type `serde_json::Value`, or an untagged enum whose variants have different types, has no `type`: use a typed struct or an externally tagged enum (serde's default), or mark the field `#[schemars(schema_with = \"...\")]` with a schema that has one (for free-form data, `type: object` with `x-kubernetes-preserve-unknown-fields: true`)";
const JUNCTOR_HINT: &str = "use an externally tagged enum (serde's default) instead of `#[serde(untagged)]`, or give the field a hand-written schema with `#[schemars(schema_with = \"...\")]` that declares every property outside `anyOf`/`oneOf`";
const FORBIDDEN_HINT: &str = "generate the schema with kube's `#[derive(CustomResource)]`, which inlines subschemas and rewrites them for Kubernetes, or remove the keyword from the hand-written schema";

/// Every violation of the structural-schema rules in `crd`, in the order of its versions and
/// fields.
pub fn violations(crd: &CustomResourceDefinition) -> Vec<Violation> {
    let mut out = Vec::new();
    for (i, version) in crd.spec.versions.iter().enumerate() {
        let path = format!("spec.versions[{i}].schema.openAPIV3Schema");
        match version
            .schema
            .as_ref()
            .and_then(|s| s.open_api_v3_schema.as_ref())
        {
            None => out.push(Violation {
                path,
                problem: format!("version `{}` has no schema", version.name),
                hint: "an apiextensions.k8s.io/v1 CustomResourceDefinition needs a schema per version: derive `JsonSchema` on the spec and keep kube's default `#[kube(schema = \"derived\")]`",
            }),
            Some(root) => {
                if root.type_.as_deref() != Some("object") {
                    out.push(Violation {
                        path: path.clone(),
                        problem: "the root of the schema is not `type: object`".into(),
                        hint: "a custom resource is an object: derive the schema from a struct",
                    });
                }
                if let Some(meta) = root.properties.as_ref().and_then(|p| p.get("metadata")) {
                    check_metadata(meta, &format!("{path}.properties.metadata"), &mut out);
                }
                node(root, &path, false, &mut out);
            }
        }
    }
    out
}

/// Reports every violation of `crd` as a finding about `object`.
pub(crate) fn check(object: &str, crd: &CustomResourceDefinition, out: &mut Vec<Finding>) {
    for v in violations(crd) {
        out.push(Finding::new(
            object,
            v.path,
            format!("the schema is not structural: {}", v.problem),
            v.hint,
        ));
    }
}

/// Rule 4: under `metadata`, only `name` and `generateName` may be restricted.
fn check_metadata(meta: &JSONSchemaProps, path: &str, out: &mut Vec<Violation>) {
    let allowed = ["name", "generateName"];
    for key in meta.properties.iter().flat_map(|p| p.keys()) {
        if !allowed.contains(&key.as_str()) {
            out.push(Violation {
                path: format!("{path}.properties.{key}"),
                problem: format!("it restricts `metadata.{key}`"),
                hint: "only `metadata.name` and `metadata.generateName` may be restricted: leave `metadata` out of the spec type (kube's derive adds it)",
            });
        }
    }
}

/// Whether `schema` is the `anyOf: [{type: integer}, {type: string}]` of an int-or-string.
fn int_or_string_branches(schema: &JSONSchemaProps) -> bool {
    schema.x_kubernetes_int_or_string == Some(true)
        && [&schema.any_of, &schema.one_of]
            .into_iter()
            .flatten()
            .flatten()
            .all(|b| {
                matches!(b.type_.as_deref(), Some("integer" | "string"))
                    && b == &JSONSchemaProps {
                        type_: b.type_.clone(),
                        ..Default::default()
                    }
            })
}

fn node(schema: &JSONSchemaProps, path: &str, in_junctor: bool, out: &mut Vec<Violation>) {
    forbidden(schema, path, out);
    let exempt = schema.x_kubernetes_int_or_string == Some(true)
        || schema.x_kubernetes_preserve_unknown_fields == Some(true);
    if in_junctor {
        // Rule 3: value validations only inside the junctors.
        let set = [
            ("description", schema.description.is_some()),
            ("type", schema.type_.is_some()),
            ("default", schema.default.is_some()),
            (
                "additionalProperties",
                schema.additional_properties.is_some(),
            ),
            ("nullable", schema.nullable.is_some()),
        ];
        for (key, _) in set.iter().filter(|(_, set)| *set) {
            out.push(Violation {
                path: path.to_owned(),
                problem: format!("`{key}` is set inside `allOf`, `anyOf`, `oneOf` or `not`"),
                hint: JUNCTOR_HINT,
            });
        }
    } else if !exempt && schema.type_.as_deref().is_none_or(str::is_empty) {
        // Rule 1.
        out.push(Violation {
            path: path.to_owned(),
            problem: "this node has no `type`".into(),
            hint: TYPE_HINT,
        });
    }
    if let Some(properties) = &schema.properties {
        for (key, child) in properties {
            node(child, &format!("{path}.properties.{key}"), in_junctor, out);
        }
    }
    match &schema.additional_properties {
        Some(JSONSchemaPropsOrBool::Schema(child)) => {
            node(
                child,
                &format!("{path}.additionalProperties"),
                in_junctor,
                out,
            );
        }
        Some(JSONSchemaPropsOrBool::Bool(false)) => out.push(Violation {
            path: format!("{path}.additionalProperties"),
            problem: "`additionalProperties: false` is not allowed".into(),
            hint: "leave it out: a structural schema prunes unknown fields already",
        }),
        _ => {}
    }
    if schema.properties.is_some() && schema.additional_properties.is_some() {
        out.push(Violation {
            path: path.to_owned(),
            problem: "`properties` and `additionalProperties` are both set".into(),
            hint: "a node is either a struct (`properties`) or a map (`additionalProperties`): with `#[serde(flatten)]` of a map, let kube's derive rewrite it to `x-kubernetes-preserve-unknown-fields`, or split the type",
        });
    }
    match &schema.items {
        Some(JSONSchemaPropsOrArray::Schema(child)) => {
            node(child, &format!("{path}.items"), in_junctor, out);
        }
        Some(JSONSchemaPropsOrArray::Schemas(_)) => out.push(Violation {
            path: format!("{path}.items"),
            problem: "`items` is a list of schemas (a tuple)".into(),
            hint: "use a `Vec<T>` of one type, or a struct instead of a tuple",
        }),
        None => {}
    }
    if int_or_string_branches(schema) {
        return;
    }
    let junctors = [
        ("allOf", schema.all_of.as_deref()),
        ("anyOf", schema.any_of.as_deref()),
        ("oneOf", schema.one_of.as_deref()),
    ];
    for (name, branches) in junctors {
        for (i, branch) in branches.into_iter().flatten().enumerate() {
            let at = format!("{path}.{name}[{i}]");
            node(branch, &at, true, out);
            specified_outside(schema, branch, &at, out);
        }
    }
    if let Some(not) = &schema.not {
        let at = format!("{path}.not");
        node(not, &at, true, out);
        specified_outside(schema, not, &at, out);
    }
}

/// Rule 2: what a junctor's branch names must be specified outside the junctors too.
fn specified_outside(
    outer: &JSONSchemaProps,
    branch: &JSONSchemaProps,
    path: &str,
    out: &mut Vec<Violation>,
) {
    for key in branch.properties.iter().flat_map(|p| p.keys()) {
        if !outer
            .properties
            .as_ref()
            .is_some_and(|p| p.contains_key(key))
        {
            out.push(Violation {
                path: format!("{path}.properties.{key}"),
                problem: format!("property `{key}` is only specified inside a junctor"),
                hint: JUNCTOR_HINT,
            });
        }
    }
    if branch.items.is_some() && outer.items.is_none() {
        out.push(Violation {
            path: format!("{path}.items"),
            problem: "`items` is only specified inside a junctor".into(),
            hint: JUNCTOR_HINT,
        });
    }
}

/// What `apiextensions.k8s.io/v1` refuses in any node.
fn forbidden(schema: &JSONSchemaProps, path: &str, out: &mut Vec<Violation>) {
    let keys = [
        ("$ref", schema.ref_path.is_some()),
        ("$schema", schema.schema.is_some()),
        ("id", schema.id.is_some()),
        ("definitions", schema.definitions.is_some()),
        ("dependencies", schema.dependencies.is_some()),
        ("additionalItems", schema.additional_items.is_some()),
        ("patternProperties", schema.pattern_properties.is_some()),
    ];
    for (key, _) in keys.iter().filter(|(_, set)| *set) {
        out.push(Violation {
            path: path.to_owned(),
            problem: format!("`{key}` is not allowed in a CustomResourceDefinition's schema"),
            hint: FORBIDDEN_HINT,
        });
    }
    if schema.unique_items == Some(true) {
        out.push(Violation {
            path: path.to_owned(),
            problem: "`uniqueItems: true` is not allowed".into(),
            hint: "use a list with `x-kubernetes-list-type: set` instead (`#[schemars(extend(\"x-kubernetes-list-type\" = \"set\"))]`), or a `BTreeMap`",
        });
    }
    if schema.x_kubernetes_preserve_unknown_fields == Some(false) {
        out.push(Violation {
            path: path.to_owned(),
            problem: "`x-kubernetes-preserve-unknown-fields: false` is not allowed".into(),
            hint: "leave it out, or set it to `true`",
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn crd(schema: serde_json::Value) -> CustomResourceDefinition {
        serde_json::from_value(json!({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "scope": "Namespaced",
                "names": {"kind": "Widget", "plural": "widgets"},
                "versions": [{"name": "v1", "served": true, "storage": true,
                    "schema": {"openAPIV3Schema": schema}}]}
        }))
        .expect("a CRD")
    }

    fn paths(schema: serde_json::Value) -> Vec<(String, String)> {
        violations(&crd(schema))
            .into_iter()
            .map(|v| (v.path, v.problem))
            .collect()
    }

    const ROOT: &str = "spec.versions[0].schema.openAPIV3Schema";

    #[test]
    fn a_structural_schema_passes() {
        let schema = json!({"type": "object", "properties": {
            "spec": {"type": "object", "required": ["size"], "properties": {
                "size": {"type": "integer", "nullable": true},
                "port": {"x-kubernetes-int-or-string": true,
                    "anyOf": [{"type": "integer"}, {"type": "string"}]},
                "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                "tags": {"type": "array", "items": {"type": "string"}},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "mode": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
                    "oneOf": [{"required": ["a"]}, {"required": ["b"]}]}}}}});
        assert_eq!(paths(schema), []);
    }

    #[test]
    fn every_violation_is_reported_with_its_path() {
        let schema = json!({"type": "object", "properties": {
            "metadata": {"type": "object", "properties": {"labels": {"type": "object"}}},
            "spec": {"type": "object", "properties": {
                "free": {},
                "either": {"type": "object", "anyOf": [
                    {"type": "object", "properties": {"a": {"type": "string"}}}]},
                "both": {"type": "object", "properties": {"x": {"type": "string"}},
                    "additionalProperties": {"type": "string"}},
                "linked": {"$ref": "#/definitions/Other"},
                "unique": {"type": "array", "uniqueItems": true, "items": {"type": "string"}}}}}});
        let spec = format!("{ROOT}.properties.spec.properties");
        assert_eq!(
            paths(schema),
            [
                (
                    format!("{ROOT}.properties.metadata.properties.labels"),
                    "it restricts `metadata.labels`".to_owned()
                ),
                (
                    format!("{spec}.both"),
                    "`properties` and `additionalProperties` are both set".to_owned()
                ),
                (
                    format!("{spec}.either.anyOf[0]"),
                    "`type` is set inside `allOf`, `anyOf`, `oneOf` or `not`".to_owned()
                ),
                (
                    format!("{spec}.either.anyOf[0].properties.a"),
                    "`type` is set inside `allOf`, `anyOf`, `oneOf` or `not`".to_owned()
                ),
                (
                    format!("{spec}.either.anyOf[0].properties.a"),
                    "property `a` is only specified inside a junctor".to_owned()
                ),
                (format!("{spec}.free"), "this node has no `type`".to_owned()),
                (
                    format!("{spec}.linked"),
                    "`$ref` is not allowed in a CustomResourceDefinition's schema".to_owned()
                ),
                (
                    format!("{spec}.linked"),
                    "this node has no `type`".to_owned()
                ),
                (
                    format!("{spec}.unique"),
                    "`uniqueItems: true` is not allowed".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn a_version_without_a_schema_or_an_object_root_is_refused() {
        let mut no_schema = crd(json!({"type": "object"}));
        no_schema.spec.versions[0].schema = None;
        assert_eq!(
            violations(&no_schema)[0].problem,
            "version `v1` has no schema"
        );
        assert_eq!(
            paths(json!({"type": "string"})),
            [(
                ROOT.to_owned(),
                "the root of the schema is not `type: object`".to_owned()
            )]
        );
    }
}
