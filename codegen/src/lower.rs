//! Lowering: CloudFormation registry schemas → a small model of Rust types (structs, enums and
//! the type of every field), one model per service module.
//!
//! Every use of a definition is lowered where it is used, because read-only and create-only
//! pointers (`/properties/Endpoint/Address`) depend on the path; identical results are then
//! shared. Names are chosen last, once per module, so collisions are resolved in one place.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as JsonValue;

use crate::naming;

/// Index of a [`NamedType`] in [`Lowerer::types`].
pub(crate) type Id = usize;

/// The type of a field, before it is spelled in Rust.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    /// `Value<String>`.
    String,
    /// `Value<i64>`.
    Integer,
    /// `Value<f64>`.
    Number,
    /// `Value<bool>`.
    Boolean,
    /// `Value<TheEnum>`.
    Enum(Id),
    /// `Value<Vec<element>>`.
    Array(Box<Ty>),
    /// `BTreeMap<String, value>`.
    Map(Box<Ty>),
    /// The struct itself (boxed when the field closes a cycle).
    Struct(Id),
    /// `Json`: anything without a faithful typed mapping.
    Json,
}

impl Ty {
    fn key(&self, lowerer: &Lowerer) -> String {
        match self {
            Ty::String => "s".into(),
            Ty::Integer => "i".into(),
            Ty::Number => "n".into(),
            Ty::Boolean => "b".into(),
            Ty::Enum(id) => format!("e{}", lowerer.resolve(*id)),
            Ty::Array(item) => format!("[{}]", item.key(lowerer)),
            Ty::Map(value) => format!("{{{}}}", value.key(lowerer)),
            Ty::Struct(id) => format!("t{}", lowerer.resolve(*id)),
            Ty::Json => "j".into(),
        }
    }
}

/// A struct field.
#[derive(Clone, Debug)]
pub(crate) struct Field {
    /// The AWS property name (`BucketName`).
    pub(crate) aws_name: String,
    /// The Rust field, parameter and setter name (`bucket_name`).
    pub(crate) ident: String,
    pub(crate) ty: Ty,
    pub(crate) required: bool,
    /// Changing it replaces the resource (`createOnlyProperties`).
    pub(crate) create_only: bool,
    /// Listed in `deprecatedProperties`.
    pub(crate) deprecated: bool,
    /// `Box`ed because it closes a cycle of structs.
    pub(crate) boxed: bool,
    /// What the schema says about the values.
    pub(crate) facts: Facts,
}

/// The schema's description and constraints of a property (after `$ref`s), for its rustdoc and
/// for the test values the generator derives.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Facts {
    pub(crate) description: Option<String>,
    pub(crate) pattern: Option<String>,
    pub(crate) min_length: Option<u64>,
    pub(crate) max_length: Option<u64>,
    pub(crate) minimum: Option<f64>,
    pub(crate) maximum: Option<f64>,
    pub(crate) min_items: Option<u64>,
    pub(crate) max_items: Option<u64>,
    /// `enum` values that are not strings (string enums are Rust enums), as JSON.
    pub(crate) allowed: Vec<String>,
    /// The facts of an array's items.
    pub(crate) items: Option<Box<Facts>>,
    /// `format` (`AWS::EC2::VPC.Id`, `date-time`), which cfn-lint checks.
    pub(crate) format: Option<String>,
    /// The schema combines or conditions its properties (`oneOf`, `anyOf`, `allOf`, `not`,
    /// `dependencies`, `dependentRequired`, `if`): required properties alone may not be valid.
    pub(crate) combined: bool,
    /// `enumCaseInsensitive`, cfn-lint's keyword: string values accepted in any case.
    pub(crate) case_insensitive: Vec<String>,
    pub(crate) min_properties: Option<u64>,
    pub(crate) unique_items: bool,
}

/// Whether `node` holds a keyword that constrains its properties beyond `required`.
pub(crate) fn combined(node: &JsonValue) -> bool {
    [
        "oneOf",
        "anyOf",
        "allOf",
        "not",
        "dependencies",
        "dependentRequired",
        "dependentSchemas",
        "if",
    ]
    .iter()
    .any(|k| node.get(k).is_some())
}

impl Facts {
    /// The facts of `node` (in the schema `root`), following `$ref`s.
    pub(crate) fn of(root: &JsonValue, node: &JsonValue) -> Facts {
        Self::read(root, node, 0)
    }

    fn read(root: &JsonValue, node: &JsonValue, depth: usize) -> Facts {
        let own = node;
        let node = deref(root, node);
        let text = |key: &str| {
            own.get(key)
                .or_else(|| node.get(key))
                .and_then(JsonValue::as_str)
                .map(str::to_owned)
        };
        let uint = |key: &str| node.get(key).and_then(JsonValue::as_u64);
        let num = |key: &str| node.get(key).and_then(JsonValue::as_f64);
        let allowed = match node.get("enum").and_then(JsonValue::as_array) {
            Some(values) if !values.iter().all(JsonValue::is_string) => {
                values.iter().map(JsonValue::to_string).collect()
            }
            _ => Vec::new(),
        };
        // cfn-lint's own keyword, in the schemas it patches: the values it accepts.
        let case_insensitive = node
            .get("enumCaseInsensitive")
            .and_then(JsonValue::as_array)
            .map(|values| {
                values
                    .iter()
                    .filter_map(JsonValue::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let items = match node.get("items") {
            Some(items) if items.is_object() && depth < MAX_DEPTH => {
                Some(Box::new(Self::read(root, items, depth + 1)))
            }
            _ => None,
        };
        Facts {
            description: text("description"),
            pattern: node
                .get("pattern")
                .and_then(JsonValue::as_str)
                .map(str::to_owned),
            min_length: uint("minLength"),
            max_length: uint("maxLength"),
            minimum: num("minimum"),
            maximum: num("maximum"),
            min_items: uint("minItems"),
            max_items: uint("maxItems"),
            allowed,
            items,
            format: text("format"),
            combined: combined(node) || combined(own),
            case_insensitive,
            min_properties: uint("minProperties"),
            unique_items: node.get("uniqueItems").and_then(JsonValue::as_bool) == Some(true),
        }
    }
}

/// What a named type is.
#[derive(Clone, Debug)]
pub(crate) enum Kind {
    Struct(Vec<Field>),
    /// The accepted string values, in schema order.
    Enum(Vec<String>),
}

/// A struct or enum that the module defines.
#[derive(Clone, Debug)]
pub(crate) struct NamedType {
    /// The schema's name for it: the definition name, the property name for an inline object or
    /// enum, the last segment of the type name for a resource.
    pub(crate) aws_name: String,
    /// `Some(index into ServiceModel::resources)` for a resource's properties struct.
    pub(crate) resource: Option<usize>,
    /// Prefix used when the plain name collides: the resource's Rust name for definitions, the
    /// owning type's name for inline types.
    qualifier: String,
    pub(crate) kind: Kind,
    /// Resources (indices into `ServiceModel::resources`) that use this type.
    pub(crate) used_by: BTreeSet<usize>,
    /// The Rust name, chosen by [`Lowerer::finish`].
    pub(crate) name: String,
    /// Set when an identical type was lowered before: this one is not emitted.
    alias: Option<Id>,
}

/// One `ResourceRef<R>` accessor: `Fn::GetAtt` of a read-only property.
#[derive(Clone, Debug)]
pub(crate) struct Attribute {
    /// `Endpoint.Address`.
    pub(crate) name: String,
    /// `endpoint_address`.
    pub(crate) method: String,
    /// The Rust result type (`String`, `i64`, `Vec<String>`).
    pub(crate) rust_type: String,
}

/// A resource type of the module.
#[derive(Clone, Debug)]
pub(crate) struct ResourceModel {
    /// `AWS::S3::Bucket`.
    pub(crate) type_name: String,
    /// The properties struct.
    pub(crate) id: Id,
    pub(crate) documentation: String,
    /// The schema's `description`.
    pub(crate) description: Option<String>,
    /// The schema combines or conditions its properties (see [`Facts::combined`]).
    pub(crate) combined: bool,
    /// `createOnlyProperties` without the `/properties` prefix, in schema order.
    pub(crate) create_only: Vec<String>,
    pub(crate) attributes: Vec<Attribute>,
}

/// Everything one service module defines.
#[derive(Debug)]
pub(crate) struct ServiceModel {
    /// `s3`.
    pub(crate) module: String,
    /// `S3`, as in `AWS::S3::Bucket`.
    pub(crate) service: String,
    /// Sorted by type name.
    pub(crate) resources: Vec<ResourceModel>,
    /// Every type; those with an alias are not emitted.
    types: Vec<NamedType>,
    /// Properties (and nested parts) that fell back to `Json`: `AWS::X::Y/Path: reason`.
    pub(crate) fallbacks: Vec<String>,
    /// Read-only properties that get no accessor: `AWS::X::Y/Path: reason`.
    pub(crate) skipped_attributes: Vec<String>,
}

impl ServiceModel {
    /// The type `id` stands for, after sharing.
    pub(crate) fn get(&self, id: Id) -> &NamedType {
        let mut id = id;
        while let Some(next) = self.types[id].alias {
            id = next;
        }
        &self.types[id]
    }

    /// The types to emit, resources first (by name), then the others by name.
    pub(crate) fn emitted(&self) -> Vec<&NamedType> {
        let mut types: Vec<&NamedType> = self.types.iter().filter(|t| t.alias.is_none()).collect();
        types.sort_by(|a, b| (a.resource.is_none(), &a.name).cmp(&(b.resource.is_none(), &b.name)));
        types
    }
}

/// An error in a schema the generator cannot work around.
#[derive(Debug)]
pub(crate) struct SchemaError(pub(crate) String);

impl std::fmt::Display for SchemaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Type names the generated modules import or use: a definition with one of these names is
/// always qualified.
const RESERVED: &[&str] = &[
    "BTreeMap",
    "Box",
    "Expr",
    "Intrinsic",
    "Json",
    "None",
    "Option",
    "Resource",
    "ResourceRef",
    "Self",
    "Serialize",
    "Some",
    "String",
    "Value",
    "Vec",
    "Walk",
];

/// How deep `$ref`s to non-object definitions may nest before the generator gives up (`Json`).
const MAX_DEPTH: usize = 64;

/// Lowers the resources of one service.
pub(crate) struct Lowerer {
    types: Vec<NamedType>,
    keys: BTreeMap<String, Id>,
    fallbacks: Vec<String>,
    skipped_attributes: Vec<String>,
}

/// What lowering one resource needs to know.
struct Scope<'a> {
    root: &'a JsonValue,
    type_name: &'a str,
    resource: usize,
    resource_rust: String,
    read_only: BTreeSet<String>,
    create_only: BTreeSet<String>,
    deprecated: BTreeSet<String>,
    /// Definitions being lowered as structs, outermost first: a `$ref` to one of them is a cycle.
    stack: Vec<(String, Id)>,
    depth: usize,
}

/// `/properties/A/B` → `/A/B`.
fn strip_properties(pointer: &str) -> String {
    pointer
        .strip_prefix("/properties")
        .unwrap_or(pointer)
        .to_owned()
}

fn pointer_list(schema: &JsonValue, key: &str) -> Vec<String> {
    schema
        .get(key)
        .and_then(JsonValue::as_array)
        .map(|list| {
            list.iter()
                .filter_map(JsonValue::as_str)
                .map(strip_properties)
                .collect()
        })
        .unwrap_or_default()
}

/// The schema's `type`, if it names exactly one type.
fn single_type(schema: &JsonValue) -> Result<Option<&str>, ()> {
    match schema.get("type") {
        None => Ok(None),
        Some(JsonValue::String(t)) => Ok(Some(t)),
        Some(JsonValue::Array(types)) => {
            let set: BTreeSet<&str> = types.iter().filter_map(JsonValue::as_str).collect();
            match set.len() {
                1 => Ok(set.into_iter().next()),
                _ => Err(()),
            }
        }
        Some(_) => Err(()),
    }
}

fn properties(schema: &JsonValue) -> Option<&serde_json::Map<String, JsonValue>> {
    schema
        .get("properties")
        .and_then(JsonValue::as_object)
        .filter(|p| !p.is_empty())
}

fn string_enum(schema: &JsonValue) -> Option<Vec<String>> {
    let values = schema.get("enum")?.as_array()?;
    let mut out: Vec<String> = Vec::new();
    for value in values {
        let value = value.as_str()?.to_owned();
        if !out.contains(&value) {
            out.push(value);
        }
    }
    (!out.is_empty()).then_some(out)
}

impl Lowerer {
    pub(crate) fn new() -> Self {
        Self {
            types: Vec::new(),
            keys: BTreeMap::new(),
            fallbacks: Vec::new(),
            skipped_attributes: Vec::new(),
        }
    }

    fn resolve(&self, mut id: Id) -> Id {
        while let Some(next) = self.types[id].alias {
            id = next;
        }
        id
    }

    fn placeholder(&mut self, aws_name: &str, qualifier: &str, resource: Option<usize>) -> Id {
        self.types.push(NamedType {
            aws_name: aws_name.to_owned(),
            resource,
            qualifier: qualifier.to_owned(),
            kind: Kind::Enum(Vec::new()),
            used_by: BTreeSet::new(),
            name: String::new(),
            alias: None,
        });
        self.types.len() - 1
    }

    /// Completes type `id`; if an identical type exists, `id` becomes its alias. Returns the
    /// type to use.
    fn complete(&mut self, id: Id, kind: Kind, resource: usize) -> Id {
        let kind_key = match &kind {
            Kind::Struct(fields) => fields
                .iter()
                .map(|f| {
                    format!(
                        "{}:{}:{}{}{}{}",
                        f.aws_name,
                        f.ty.key(self),
                        u8::from(f.required),
                        u8::from(f.create_only),
                        u8::from(f.deprecated),
                        u8::from(f.boxed)
                    )
                })
                .collect::<Vec<_>>()
                .join(","),
            Kind::Enum(values) => values.join("\u{0}"),
        };
        let owner = match self.types[id].resource {
            Some(r) => format!("resource{r}"),
            None => String::new(),
        };
        let kind_tag = if matches!(kind, Kind::Struct(_)) {
            "struct"
        } else {
            "enum"
        };
        let key = format!("{owner}|{kind_tag}|{}|{kind_key}", self.types[id].aws_name);
        self.types[id].kind = kind;
        let target = match self.keys.get(&key) {
            Some(&existing) => {
                self.types[id].alias = Some(existing);
                existing
            }
            None => {
                self.keys.insert(key, id);
                id
            }
        };
        self.types[target].used_by.insert(resource);
        target
    }

    fn fallback(&mut self, scope: &Scope<'_>, path: &str, reason: &str) -> Ty {
        let path = if path.is_empty() { "/" } else { path };
        self.fallbacks
            .push(format!("{}{path}: {reason}", scope.type_name));
        Ty::Json
    }

    /// Lowers resource `index` (its schema is `schema`).
    pub(crate) fn resource(
        &mut self,
        index: usize,
        schema: &JsonValue,
    ) -> Result<ResourceModel, SchemaError> {
        let type_name = schema
            .get("typeName")
            .and_then(JsonValue::as_str)
            .ok_or_else(|| SchemaError("a schema without `typeName`".into()))?;
        let last = type_name.rsplit("::").next().unwrap_or(type_name);
        let mut scope = Scope {
            root: schema,
            type_name,
            resource: index,
            resource_rust: naming::type_ident(last),
            read_only: pointer_list(schema, "readOnlyProperties")
                .into_iter()
                .collect(),
            create_only: pointer_list(schema, "createOnlyProperties")
                .into_iter()
                .collect(),
            deprecated: pointer_list(schema, "deprecatedProperties")
                .into_iter()
                .collect(),
            stack: Vec::new(),
            depth: 0,
        };
        if properties(schema).is_none() {
            return Err(SchemaError(format!(
                "{type_name}: the schema has no `properties`"
            )));
        }
        let id = self.placeholder(last, "", Some(index));
        let owner = scope.resource_rust.clone();
        let fields = self.fields(&mut scope, schema, "", &owner);
        self.complete(id, Kind::Struct(fields), index);

        // The CloudFormation reference page, also where a schema's `documentationUrl` points to
        // a service's own guide: property anchors follow this page's pattern.
        let documentation = documentation_url(type_name);
        let description = schema
            .get("description")
            .and_then(JsonValue::as_str)
            .map(str::to_owned);
        let (attributes, skipped) = attributes(schema, type_name);
        self.skipped_attributes.extend(skipped);
        Ok(ResourceModel {
            type_name: type_name.to_owned(),
            id,
            documentation,
            description,
            combined: combined(schema),
            create_only: pointer_list(schema, "createOnlyProperties"),
            attributes,
        })
    }

    /// The fields of an object schema at `path`, sorted by AWS name, read-only ones left out.
    fn fields(
        &mut self,
        scope: &mut Scope<'_>,
        schema: &JsonValue,
        path: &str,
        owner: &str,
    ) -> Vec<Field> {
        let required: BTreeSet<&str> = schema
            .get("required")
            .and_then(JsonValue::as_array)
            .map(|r| r.iter().filter_map(JsonValue::as_str).collect())
            .unwrap_or_default();
        let Some(props) = properties(schema) else {
            return Vec::new();
        };
        let mut sorted: Vec<(&String, &JsonValue)> = props.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        let mut idents = BTreeSet::new();
        let mut fields = Vec::new();
        for (name, prop) in sorted {
            let prop_path = format!("{path}/{name}");
            if scope.read_only.contains(&prop_path) || !writable(scope, prop, &prop_path, 0) {
                continue;
            }
            let ty = self.node(scope, prop, &prop_path, name, owner);
            let boxed = matches!(ty, Ty::Struct(t) if scope.stack.iter().any(|(_, s)| *s == t));
            fields.push(Field {
                aws_name: name.clone(),
                ident: naming::unique(&naming::field_ident(name), "_", &mut idents),
                ty,
                required: required.contains(name.as_str()),
                create_only: scope.create_only.contains(&prop_path),
                deprecated: scope.deprecated.contains(&prop_path),
                boxed,
                facts: Facts::of(scope.root, prop),
            });
        }
        fields
    }

    /// Lowers the schema `schema` found at `path`; `hint` names an inline struct or enum,
    /// `owner` qualifies that name on collision.
    fn node(
        &mut self,
        scope: &mut Scope<'_>,
        schema: &JsonValue,
        path: &str,
        hint: &str,
        owner: &str,
    ) -> Ty {
        if let Some(reference) = schema.get("$ref") {
            let Some(name) = reference
                .as_str()
                .and_then(|r| r.strip_prefix("#/definitions/"))
            else {
                return self.fallback(scope, path, "a `$ref` outside `#/definitions`");
            };
            return self.definition(scope, name, path);
        }
        let Ok(ty) = single_type(schema) else {
            return self.fallback(scope, path, "several types");
        };
        let ty = match ty {
            Some(ty) => ty,
            None if properties(schema).is_some() => "object",
            None if string_enum(schema).is_some() => "string",
            None => return self.fallback(scope, path, "no type"),
        };
        match ty {
            "string" => match string_enum(schema) {
                Some(values) => Ty::Enum(self.enumeration(scope, hint, owner, values)),
                None => Ty::String,
            },
            // Integer enums (log retention days) stay integers: CloudFormation accepts numbers.
            "integer" => Ty::Integer,
            "number" => Ty::Number,
            "boolean" => Ty::Boolean,
            "array" => match schema.get("items") {
                Some(items) if items.is_object() => {
                    let item = self.node(scope, items, &format!("{path}/*"), hint, owner);
                    Ty::Array(Box::new(item))
                }
                _ => {
                    let item = self.fallback(scope, &format!("{path}/*"), "array without `items`");
                    Ty::Array(Box::new(item))
                }
            },
            "object" => self.object(scope, schema, path, hint, owner),
            other => self.fallback(scope, path, &format!("type `{other}`")),
        }
    }

    fn object(
        &mut self,
        scope: &mut Scope<'_>,
        schema: &JsonValue,
        path: &str,
        hint: &str,
        owner: &str,
    ) -> Ty {
        if properties(schema).is_some() {
            let id = self.placeholder(hint, owner, None);
            let own_name = naming::type_ident(hint);
            let fields = self.fields(scope, schema, path, &own_name);
            return Ty::Struct(self.complete(id, Kind::Struct(fields), scope.resource));
        }
        let mut value_schemas: Vec<&JsonValue> = Vec::new();
        if let Some(patterns) = schema
            .get("patternProperties")
            .and_then(JsonValue::as_object)
        {
            value_schemas.extend(patterns.values());
        }
        if let Some(additional) = schema.get("additionalProperties").filter(|a| a.is_object()) {
            value_schemas.push(additional);
        }
        value_schemas.dedup();
        match value_schemas.as_slice() {
            [] => {
                let reason = if schema.get("oneOf").is_some() || schema.get("anyOf").is_some() {
                    "an object that is one of several shapes"
                } else {
                    "an object without properties"
                };
                self.fallback(scope, path, reason)
            }
            [value] => {
                let value = self.node(scope, value, &format!("{path}/*"), hint, owner);
                Ty::Map(Box::new(value))
            }
            _ => self.fallback(scope, path, "a map with several value schemas"),
        }
    }

    fn definition(&mut self, scope: &mut Scope<'_>, name: &str, path: &str) -> Ty {
        if let Some((_, id)) = scope.stack.iter().find(|(n, _)| n == name) {
            return Ty::Struct(*id);
        }
        let root = scope.root;
        let Some(definition) = root.get("definitions").and_then(|d| d.get(name)) else {
            return self.fallback(
                scope,
                path,
                &format!("`$ref` to a missing definition `{name}`"),
            );
        };
        let is_object = properties(definition).is_some()
            && matches!(single_type(definition), Ok(None | Some("object")));
        if is_object {
            let qualifier = scope.resource_rust.clone();
            let id = self.placeholder(name, &qualifier, None);
            scope.stack.push((name.to_owned(), id));
            let own_name = naming::type_ident(name);
            let fields = self.fields(scope, definition, path, &own_name);
            scope.stack.pop();
            return Ty::Struct(self.complete(id, Kind::Struct(fields), scope.resource));
        }
        if matches!(single_type(definition), Ok(None | Some("string")))
            && let Some(values) = string_enum(definition)
        {
            let qualifier = scope.resource_rust.clone();
            return Ty::Enum(self.enumeration(scope, name, &qualifier, values));
        }
        if scope.depth >= MAX_DEPTH {
            return self.fallback(scope, path, "definitions nest too deeply");
        }
        scope.depth += 1;
        let owner = scope.resource_rust.clone();
        let ty = self.node(scope, definition, path, name, &owner);
        scope.depth -= 1;
        ty
    }

    fn enumeration(
        &mut self,
        scope: &Scope<'_>,
        name: &str,
        qualifier: &str,
        values: Vec<String>,
    ) -> Id {
        let id = self.placeholder(name, qualifier, None);
        self.complete(id, Kind::Enum(values), scope.resource)
    }

    /// Names every type and hands over the model. `resources` is what [`Lowerer::resource`]
    /// returned, in index order.
    pub(crate) fn finish(
        mut self,
        module: &str,
        service: &str,
        resources: Vec<ResourceModel>,
    ) -> ServiceModel {
        let mut taken: BTreeSet<String> = RESERVED.iter().map(|s| (*s).to_owned()).collect();
        let live: Vec<Id> = (0..self.types.len())
            .filter(|&i| self.types[i].alias.is_none())
            .collect();
        for &id in &live {
            if self.types[id].resource.is_some() {
                let name = naming::type_ident(&self.types[id].aws_name);
                self.types[id].name = naming::unique(&name, "", &mut taken);
            }
        }
        let mut groups: BTreeMap<String, Vec<Id>> = BTreeMap::new();
        for &id in &live {
            if self.types[id].resource.is_none() {
                groups
                    .entry(naming::type_ident(&self.types[id].aws_name))
                    .or_default()
                    .push(id);
            }
        }
        let mut crowded = Vec::new();
        for (base, ids) in &groups {
            // The plain name goes to the only type with that name, or, when several differ, to
            // the one more resources use than any other (`Tag` of most ELB resources); the
            // others are qualified (`LoadBalancerTag`).
            let users = |id: &Id| self.types[*id].used_by.len();
            let most = ids.iter().map(users).max().unwrap_or(0);
            let mut leaders = ids.iter().filter(|id| users(id) == most);
            let winner = match (leaders.next(), leaders.next()) {
                (Some(&id), None) if !taken.contains(base) => Some(id),
                _ => None,
            };
            if let Some(id) = winner {
                taken.insert(base.clone());
                self.types[id].name = base.clone();
            }
            crowded.extend(
                ids.iter()
                    .filter(|&&id| Some(id) != winner)
                    .map(|&id| (base.clone(), id)),
            );
        }
        crowded.sort_by_key(|(_, id)| *id);
        for (base, id) in crowded {
            let qualified = format!("{}{base}", self.types[id].qualifier);
            self.types[id].name = naming::unique(&qualified, "", &mut taken);
        }
        ServiceModel {
            module: module.to_owned(),
            service: service.to_owned(),
            resources,
            types: self.types,
            fallbacks: self.fallbacks,
            skipped_attributes: self.skipped_attributes,
        }
    }
}

/// Whether a template can set anything in `schema` at `path`: false for an object all of whose
/// properties are read-only (EKS's `CertificateAuthority`), which is then left out like a
/// read-only property.
fn writable(scope: &Scope<'_>, schema: &JsonValue, path: &str, depth: usize) -> bool {
    let node = deref(scope.root, schema);
    if depth >= MAX_DEPTH {
        return true;
    }
    if let Some(props) = properties(node) {
        return props.iter().any(|(name, prop)| {
            let prop_path = format!("{path}/{name}");
            !scope.read_only.contains(&prop_path) && writable(scope, prop, &prop_path, depth + 1)
        });
    }
    match node.get("items") {
        Some(items) if single_type(node) == Ok(Some("array")) => {
            writable(scope, items, &format!("{path}/*"), depth + 1)
        }
        _ => true,
    }
}

/// The AWS CloudFormation reference page of a resource type.
pub(crate) fn documentation_url(type_name: &str) -> String {
    let slug: Vec<String> = type_name
        .split("::")
        .skip(1)
        .map(str::to_ascii_lowercase)
        .collect();
    format!(
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-{}.html",
        slug.join("-")
    )
}

/// Names `ResourceRef`'s own methods: an attribute with one of these names gets `_attribute`.
const REF_METHODS: &[&str] = &["get_att", "new", "reference", "target", "clone", "fmt"];

/// The `Fn::GetAtt` accessors of a resource: one per read-only property with a scalar or
/// list-of-scalars type. Also returns the read-only properties left out, with the reason.
fn attributes(schema: &JsonValue, type_name: &str) -> (Vec<Attribute>, Vec<String>) {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    let mut methods = BTreeSet::new();
    for pointer in pointer_list(schema, "readOnlyProperties") {
        let segments: Vec<&str> = pointer.split('/').skip(1).collect();
        let resolved = if segments.contains(&"*") {
            Err("inside a list")
        } else {
            attribute_type(schema, &segments)
        };
        match resolved {
            Ok(rust_type) => {
                let snake: Vec<String> = segments.iter().map(|s| naming::snake(s)).collect();
                let mut method = naming::field_ident(&snake.join("_"));
                if REF_METHODS.contains(&method.as_str()) {
                    method.push_str("_attribute");
                }
                out.push(Attribute {
                    name: segments.join("."),
                    method: naming::unique(&method, "_", &mut methods),
                    rust_type,
                });
            }
            Err(reason) => skipped.push(format!("{type_name}{pointer}: {reason}")),
        }
    }
    (out, skipped)
}

/// Follows `$ref`s from `node` to the definition they end at.
fn deref<'a>(schema: &'a JsonValue, mut node: &'a JsonValue) -> &'a JsonValue {
    for _ in 0..MAX_DEPTH {
        let target = node
            .get("$ref")
            .and_then(JsonValue::as_str)
            .and_then(|r| r.strip_prefix("#/definitions/"))
            .and_then(|name| schema.get("definitions")?.get(name));
        match target {
            Some(target) => node = target,
            None => break,
        }
    }
    node
}

/// Follows `segments` through properties and `$ref`s and maps the schema found to a Rust type.
fn attribute_type<'a>(schema: &'a JsonValue, segments: &[&str]) -> Result<String, &'static str> {
    let deref = |node: &'a JsonValue| deref(schema, node);
    let mut node = schema;
    for segment in segments {
        node = deref(node)
            .get("properties")
            .and_then(|p| p.get(*segment))
            .ok_or("not found in the schema")?;
    }
    let node = deref(node);
    let scalar = |node: &JsonValue| match single_type(node) {
        Ok(Some("string")) => Some("String"),
        Ok(None) if string_enum(node).is_some() => Some("String"),
        Ok(Some("integer")) => Some("i64"),
        Ok(Some("number")) => Some("f64"),
        Ok(Some("boolean")) => Some("bool"),
        _ => None,
    };
    if let Some(scalar) = scalar(node) {
        return Ok(scalar.to_owned());
    }
    match single_type(node) {
        Ok(Some("array")) => {
            let item = node
                .get("items")
                .map(deref)
                .ok_or("a list without `items`")?;
            scalar(item)
                .map(|s| format!("Vec<{s}>"))
                .ok_or("a list of objects")
        }
        Ok(Some("object")) | Ok(None) => Err("an object"),
        _ => Err("several types"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lower(schema: JsonValue) -> ServiceModel {
        let mut lowerer = Lowerer::new();
        let resource = lowerer.resource(0, &schema).expect("lowers");
        lowerer.finish("test", "Test", vec![resource])
    }

    fn field<'m>(model: &'m ServiceModel, ty: &str, field: &str) -> &'m Field {
        let t = model
            .emitted()
            .into_iter()
            .find(|t| t.name == ty)
            .expect("type exists");
        let Kind::Struct(fields) = &t.kind else {
            panic!("{ty} is not a struct")
        };
        fields
            .iter()
            .find(|f| f.aws_name == field)
            .expect("field exists")
    }

    fn names(model: &ServiceModel) -> Vec<String> {
        model.emitted().iter().map(|t| t.name.clone()).collect()
    }

    #[test]
    fn scalars_arrays_and_maps() {
        let model = lower(json!({
            "typeName": "AWS::Test::Thing",
            "properties": {
                "Name": {"type": "string"},
                "Count": {"type": "integer"},
                "Ratio": {"type": "number"},
                "Enabled": {"type": "boolean"},
                "Ids": {"type": "array", "items": {"type": "string"}},
                "Labels": {"type": "object", "patternProperties": {"^.+$": {"type": "string"}}},
                "Extra": {"type": "object", "additionalProperties": {"type": "integer"}},
                "Days": {"type": "integer", "enum": [1, 3, 5]}
            },
            "required": ["Name", "Count"]
        }));
        assert_eq!(field(&model, "Thing", "Name").ty, Ty::String);
        assert!(field(&model, "Thing", "Name").required);
        assert_eq!(field(&model, "Thing", "Count").ty, Ty::Integer);
        assert_eq!(field(&model, "Thing", "Ratio").ty, Ty::Number);
        assert!(!field(&model, "Thing", "Ratio").required);
        assert_eq!(field(&model, "Thing", "Enabled").ty, Ty::Boolean);
        assert_eq!(
            field(&model, "Thing", "Ids").ty,
            Ty::Array(Box::new(Ty::String))
        );
        assert_eq!(
            field(&model, "Thing", "Labels").ty,
            Ty::Map(Box::new(Ty::String))
        );
        assert_eq!(
            field(&model, "Thing", "Extra").ty,
            Ty::Map(Box::new(Ty::Integer))
        );
        assert_eq!(field(&model, "Thing", "Days").ty, Ty::Integer);
        assert!(model.fallbacks.is_empty(), "{:?}", model.fallbacks);
    }

    #[test]
    fn unmappable_shapes_fall_back_to_json() {
        let model = lower(json!({
            "typeName": "AWS::Test::Thing",
            "properties": {
                "Policy": {"type": ["object", "string"]},
                "Free": {"type": "object"},
                "Anything": {},
                "Either": {"type": "object", "oneOf": [
                    {"properties": {"A": {"type": "string"}}},
                    {"properties": {"B": {"type": "string"}}}
                ]}
            }
        }));
        for name in ["Policy", "Free", "Anything", "Either"] {
            assert_eq!(field(&model, "Thing", name).ty, Ty::Json, "{name}");
        }
        assert_eq!(model.fallbacks.len(), 4);
    }

    #[test]
    fn definitions_become_structs_and_enums() {
        let model = lower(json!({
            "typeName": "AWS::Test::Thing",
            "definitions": {
                "Tag": {"type": "object", "properties": {
                    "Key": {"type": "string"}, "Value": {"type": "string"}
                }, "required": ["Key", "Value"]},
                "Mode": {"type": "string", "enum": ["on", "off"]},
                "Arn": {"type": "string"}
            },
            "properties": {
                "Tags": {"type": "array", "items": {"$ref": "#/definitions/Tag"}},
                "Mode": {"$ref": "#/definitions/Mode"},
                "Arn": {"$ref": "#/definitions/Arn"},
                "Status": {"type": "string", "enum": ["Enabled", "Suspended"]}
            }
        }));
        assert_eq!(names(&model), ["Thing", "Mode", "Status", "Tag"]);
        let Ty::Array(item) = &field(&model, "Thing", "Tags").ty else {
            panic!("not an array")
        };
        let Ty::Struct(tag) = **item else {
            panic!("not a struct")
        };
        assert_eq!(model.get(tag).name, "Tag");
        assert!(field(&model, "Tag", "Key").required);
        assert_eq!(field(&model, "Thing", "Arn").ty, Ty::String);
        let Ty::Enum(status) = field(&model, "Thing", "Status").ty else {
            panic!("not an enum")
        };
        let Kind::Enum(values) = &model.get(status).kind else {
            panic!("not an enum")
        };
        assert_eq!(values, &["Enabled", "Suspended"]);
    }

    #[test]
    fn recursive_definitions_are_boxed() {
        let model = lower(json!({
            "typeName": "AWS::Test::Thing",
            "definitions": {
                "Node": {"type": "object", "properties": {
                    "Next": {"$ref": "#/definitions/Node"},
                    "Children": {"type": "array", "items": {"$ref": "#/definitions/Node"}}
                }}
            },
            "properties": {"Root": {"$ref": "#/definitions/Node"}}
        }));
        assert!(field(&model, "Node", "Next").boxed);
        assert!(
            !field(&model, "Node", "Children").boxed,
            "a Vec is already indirect"
        );
        assert!(!field(&model, "Thing", "Root").boxed);
    }

    #[test]
    fn read_only_create_only_and_attributes() {
        let model = lower(json!({
            "typeName": "AWS::Test::Thing",
            "definitions": {"Endpoint": {"type": "object", "properties": {
                "Address": {"type": "string"}, "Port": {"type": "integer"}, "Zone": {"type": "string"}
            }}},
            "properties": {
                "Arn": {"type": "string"},
                "Name": {"type": "string"},
                "Endpoint": {"$ref": "#/definitions/Endpoint"},
                "Ips": {"type": "array", "items": {"type": "string"}},
                "Status": {"type": "object", "properties": {"State": {"type": "string"}}}
            },
            "readOnlyProperties": ["/properties/Arn", "/properties/Endpoint/Address",
                "/properties/Endpoint/Port", "/properties/Ips", "/properties/Status/State"],
            "createOnlyProperties": ["/properties/Name", "/properties/Endpoint/Zone"]
        }));
        let Some(Kind::Struct(fields)) = model.emitted().first().map(|t| t.kind.clone()) else {
            panic!("no resource struct")
        };
        let names: Vec<&str> = fields.iter().map(|f| f.aws_name.as_str()).collect();
        assert_eq!(names, ["Endpoint", "Name"], "all of `Status` is read-only");
        assert!(field(&model, "Thing", "Name").create_only);
        assert!(field(&model, "Endpoint", "Zone").create_only);
        let Kind::Struct(endpoint) = &model.emitted()[1].kind else {
            panic!("not a struct")
        };
        assert_eq!(endpoint.len(), 1, "read-only nested fields are left out");
        let attributes: Vec<(String, String, String)> = model.resources[0]
            .attributes
            .iter()
            .map(|a| (a.name.clone(), a.method.clone(), a.rust_type.clone()))
            .collect();
        assert_eq!(
            attributes,
            [
                ("Arn".into(), "arn".into(), "String".into()),
                (
                    "Endpoint.Address".into(),
                    "endpoint_address".into(),
                    "String".into()
                ),
                ("Endpoint.Port".into(), "endpoint_port".into(), "i64".into()),
                ("Ips".into(), "ips".into(), "Vec<String>".into()),
                (
                    "Status.State".into(),
                    "status_state".into(),
                    "String".into()
                ),
            ]
        );
        assert_eq!(model.resources[0].create_only, ["/Name", "/Endpoint/Zone"]);
    }

    #[test]
    fn collisions_are_qualified_and_identical_types_shared() {
        let tag = json!({"type": "object", "properties": {"Key": {"type": "string"}}});
        let mut lowerer = Lowerer::new();
        let first = json!({
            "typeName": "AWS::Test::First",
            "definitions": {"Tag": tag, "Rule": {"type": "object", "properties": {
                "A": {"type": "string"}}}},
            "properties": {"Tags": {"$ref": "#/definitions/Tag"}, "Rule": {"$ref": "#/definitions/Rule"}}
        });
        let second = json!({
            "typeName": "AWS::Test::Second",
            "definitions": {"Tag": tag, "Rule": {"type": "object", "properties": {
                "B": {"type": "string"}}}},
            "properties": {"Tags": {"$ref": "#/definitions/Tag"}, "Rule": {"$ref": "#/definitions/Rule"}}
        });
        let resources = vec![
            lowerer.resource(0, &first).expect("lowers"),
            lowerer.resource(1, &second).expect("lowers"),
        ];
        let model = lowerer.finish("test", "Test", resources);
        assert_eq!(
            names(&model),
            ["First", "Second", "FirstRule", "SecondRule", "Tag"]
        );
        let tag = model
            .emitted()
            .into_iter()
            .find(|t| t.name == "Tag")
            .expect("shared Tag");
        assert_eq!(tag.used_by.iter().copied().collect::<Vec<_>>(), [0, 1]);
    }

    #[test]
    fn the_most_used_shape_keeps_the_plain_name() {
        let schema = |name: &str, value_required: bool| {
            let required = if value_required {
                json!(["Key", "Value"])
            } else {
                json!(["Key"])
            };
            json!({
                "typeName": format!("AWS::Test::{name}"),
                "definitions": {"Tag": {"type": "object", "required": required, "properties": {
                    "Key": {"type": "string"}, "Value": {"type": "string"}}}},
                "properties": {"Tags": {"type": "array", "items": {"$ref": "#/definitions/Tag"}}}
            })
        };
        let mut lowerer = Lowerer::new();
        let resources = vec![
            lowerer
                .resource(0, &schema("Alpha", false))
                .expect("lowers"),
            lowerer.resource(1, &schema("Beta", true)).expect("lowers"),
            lowerer.resource(2, &schema("Gamma", true)).expect("lowers"),
        ];
        let model = lowerer.finish("test", "Test", resources);
        assert_eq!(names(&model), ["Alpha", "Beta", "Gamma", "AlphaTag", "Tag"]);
    }
}
