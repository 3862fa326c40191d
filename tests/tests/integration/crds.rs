//! Custom resources from Rust types: a CustomResourceDefinition derived with kube's
//! `#[derive(CustomResource)]`, its objects, the check of kinds, and the structural-schema rule.

use girder::k8s::custom::{Crd, CustomObject, installed};
use girder::prelude::*;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Prod, Web, synth_errors, synth_text};

/// A widget our operator runs: the namespaced kind of the tests.
#[derive(CustomResource, JsonSchema, Serialize, Deserialize, Clone, Debug)]
#[kube(
    group = "girder.example.com",
    version = "v1",
    kind = "Widget",
    namespaced,
    shortname = "wd",
    crates(k8s_openapi = "girder::k8s_openapi")
)]
pub(crate) struct WidgetSpec {
    /// How many replicas the operator runs.
    pub(crate) size: u32,
    /// The colour, one of a closed set.
    pub(crate) colour: Colour,
    /// Where the widget reports, if anywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) endpoint: Option<String>,
    /// Free-form tags.
    #[serde(default)]
    pub(crate) tags: Vec<String>,
}

/// A widget's colour.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Colour {
    /// Blue.
    Blue,
    /// Green.
    Green,
}

/// A tenant of the platform: the cluster-scoped kind of the tests.
#[derive(CustomResource, JsonSchema, Serialize, Deserialize, Clone, Debug)]
#[kube(
    group = "girder.example.com",
    version = "v1",
    kind = "Tenant",
    crates(k8s_openapi = "girder::k8s_openapi")
)]
pub(crate) struct TenantSpec {
    /// Who owns the tenant.
    pub(crate) owner: String,
}

/// A kind whose schema is not structural: a free-form `serde_json::Value` (no `type`) and an
/// untagged enum of a number and a string (kube's derive moves the types out of its `anyOf`,
/// leaving none).
#[derive(CustomResource, JsonSchema, Serialize, Deserialize, Clone, Debug)]
#[kube(
    group = "girder.example.com",
    version = "v1",
    kind = "Loose",
    namespaced,
    crates(k8s_openapi = "girder::k8s_openapi")
)]
pub(crate) struct LooseSpec {
    /// Anything at all.
    pub(crate) anything: serde_json::Value,
    /// Either form of a source.
    pub(crate) source: Source,
}

/// A source given either by a count or by a path.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Debug)]
#[serde(untagged)]
pub(crate) enum Source {
    /// A number of retries.
    Count(u32),
    /// A path.
    Path(String),
}

/// The fix the hint gives for `Loose`: free-form data with a schema that has a type and keeps
/// unknown fields, and a tagged enum.
#[derive(CustomResource, JsonSchema, Serialize, Deserialize, Clone, Debug)]
#[kube(
    group = "girder.example.com",
    version = "v1",
    kind = "Fixed",
    namespaced,
    crates(k8s_openapi = "girder::k8s_openapi")
)]
pub(crate) struct FixedSpec {
    /// Anything at all, as an object whose fields are kept.
    #[schemars(schema_with = "free_form")]
    pub(crate) anything: serde_json::Value,
    /// Either form of a source.
    pub(crate) source: TaggedSource,
}

/// A source given either by a count or by a path, externally tagged (serde's default).
#[derive(JsonSchema, Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "lowercase")]
pub(crate) enum TaggedSource {
    /// A number of retries.
    Count {
        /// How many.
        count: u32,
    },
    /// A path.
    Path {
        /// Where.
        path: String,
    },
}

/// A kind kube's derive cannot make structural: an internally tagged enum, whose tag has a
/// different schema (`enum: [count]`, `enum: [path]`) in each variant.
#[derive(CustomResource, JsonSchema, Serialize, Deserialize, Clone, Debug)]
#[kube(
    group = "girder.example.com",
    version = "v1",
    kind = "Internal",
    namespaced,
    crates(k8s_openapi = "girder::k8s_openapi")
)]
pub(crate) struct InternalSpec {
    /// Either form of a source.
    pub(crate) source: InternalSource,
}

/// A source given either by a count or by a path, internally tagged.
#[derive(JsonSchema, Serialize, Deserialize, Clone, Debug)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub(crate) enum InternalSource {
    /// A number of retries.
    Count {
        /// How many.
        count: u32,
    },
    /// A path.
    Path {
        /// Where.
        path: String,
    },
}

fn free_form(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})
}

fn widget(name: &str, size: u32, colour: Colour) -> Widget {
    Widget::new(
        name,
        WidgetSpec {
            size,
            colour,
            endpoint: None,
            tags: vec!["team-a".into()],
        },
    )
}

/// The definitions of both kinds, two widgets in `web` and a tenant in the cluster.
fn program() -> App {
    let app = App::new("shop");
    let k8s = app.environment(Prod).kubernetes();
    let web = k8s.namespace(Web);
    Crd::<Widget>::new(&k8s);
    Crd::<Tenant>::new(&k8s);
    CustomObject::new(&web, widget("blue", 3, Colour::Blue));
    let mut green = widget("green", 1, Colour::Green);
    green.spec.endpoint = Some("https://reports.example.com".into());
    green
        .metadata
        .labels
        .get_or_insert_default()
        .insert("tier".into(), "gold".into());
    CustomObject::new(&web, green);
    CustomObject::in_cluster(
        &k8s,
        Tenant::new(
            "acme",
            TenantSpec {
                owner: "ops".into(),
            },
        ),
    );
    app
}

#[test]
fn derived_definitions_and_their_objects_snapshot() {
    let app = program();
    let text = synth_text(&app);
    insta::assert_snapshot!(text);

    // The definitions are in the cluster's file, before the objects of their kinds: the
    // tenant in the same file, the widgets in their namespace's file, which comes after.
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("`{needle}` in:\n{text}"))
    };
    let cluster = at("# prod/k8s/_cluster.yaml");
    let widgets = at("name: widgets.girder.example.com");
    let tenants = at("name: tenants.girder.example.com");
    let tenant = at("kind: Tenant\nmetadata:");
    let web = at("# prod/k8s/web.yaml");
    let blue = at("kind: Widget\nmetadata:");
    assert!(
        cluster < widgets && widgets < tenant && tenants < tenant,
        "{text}"
    );
    assert!(tenant < web && web < blue, "{text}");
    assert_eq!(text.matches("kind: Widget\nmetadata:").count(), 2, "{text}");

    // Girder sets the namespace and its labels, and keeps the object's own.
    assert!(text.contains("namespace: web"), "{text}");
    assert!(text.contains("tier: gold"), "{text}");
    validate_with_definitions(&app, "crds");
}

#[test]
fn an_object_whose_definition_is_neither_emitted_nor_installed_is_refused() {
    let app = App::new("shop");
    let k8s = app.environment(Prod).kubernetes();
    CustomObject::new(&k8s.namespace(Web), widget("blue", 3, Colour::Blue));
    let errors = synth_errors(&app);
    assert!(
        errors.contains("prod/web/blue")
            && errors.contains("the cluster serves no Widget at `girder.example.com/v1`")
            && errors.contains("emit its CustomResourceDefinition"),
        "{errors}"
    );

    // Declared installed (an operator's chart owns the definition), it passes.
    let app = App::new("shop");
    let k8s = app.environment(Prod).kubernetes();
    installed::<Widget, _>(&k8s);
    CustomObject::new(&k8s.namespace(Web), widget("blue", 3, Colour::Blue));
    let text = synth_text(&app);
    assert!(!text.contains("CustomResourceDefinition"), "{text}");
    assert!(text.contains("kind: Widget"), "{text}");
}

#[test]
fn a_definition_whose_schema_is_not_structural_is_refused_with_its_path() {
    let app = App::new("shop");
    let k8s = app.environment(Prod).kubernetes();
    Crd::<Loose>::new(&k8s);
    Crd::<Internal>::new(&k8s);
    let errors = synth_errors(&app);
    insta::assert_snapshot!(errors);
    assert!(
        errors.contains("prod/looses-girder-example-com")
            && errors.contains("the schema is not structural")
            && errors.contains(
                "spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.anything"
            )
            && errors.contains("prod/internals-girder-example-com")
            && errors.contains("kube's derive could not make a structural schema of the type"),
        "{errors}"
    );
}

#[test]
fn the_fix_the_hint_gives_is_structural() {
    let app = App::new("shop");
    let k8s = app.environment(Prod).kubernetes();
    Crd::<Fixed>::new(&k8s);
    let text = synth_text(&app);
    assert!(
        text.contains("x-kubernetes-preserve-unknown-fields: true"),
        "{text}"
    );
}

#[test]
fn an_object_that_names_another_namespace_or_no_name_is_refused() {
    let app = App::new("shop");
    let k8s = app.environment(Prod).kubernetes();
    Crd::<Widget>::new(&k8s);
    let mut elsewhere = widget("blue", 3, Colour::Blue);
    elsewhere.metadata.namespace = Some("api".into());
    CustomObject::new(&k8s.namespace(Web), elsewhere);
    let errors = synth_errors(&app);
    assert!(
        errors.contains("prod/web/blue")
            && errors
                .contains("the Widget object names namespace `api`, but it is created in `web`")
            && errors.contains("leave `metadata.namespace` unset"),
        "{errors}"
    );
}

/// What `crate::validate` does, for custom resources whose schema no validator ships: every
/// validator on the output with `CHECKOV_ENFORCE=1` and `kubernetes-validate --strict` (which
/// checks the definitions themselves), where the only custom resources left unvalidated must
/// be those whose definition the output holds; then each of those is validated against the
/// `openAPIV3Schema` of its definition in the output (ajv, from the validators' tools).
fn validate_with_definitions(app: &App, label: &str) {
    if std::env::var_os("GIRDER_VALIDATE").is_none() {
        eprintln!("GIRDER_VALIDATE is not set: {label} is validated by CI");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join(label);
    let assembly = girder::synth::synthesize(app).unwrap_or_else(|d| panic!("{d}"));
    girder::synth::write::write(&assembly, &out).expect("written");
    let shared = std::env::var("GIRDER_SHARED")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared").to_owned());
    let output = std::process::Command::new("bash")
        .arg(format!("{shared}/validate/validate.sh"))
        .arg(&out)
        .env("CHECKOV_ENFORCE", "1")
        .output()
        .expect("validate.sh runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "validate.sh failed on {label}:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!("{label}: {}", stdout.lines().last().unwrap_or_default());
    let unvalidated: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("UNVALIDATED"))
        .collect();
    assert_eq!(unvalidated.len(), 3, "{stdout}");
    assert!(
        unvalidated
            .iter()
            .all(|l| l.contains(" girder.example.com/v1 ")),
        "{stdout}"
    );

    let tools = std::env::var("GIRDER_TOOLS").unwrap_or_else(|_| {
        format!(
            "{}/.cache/girder-tools",
            std::env::var("HOME").expect("HOME")
        )
    });
    let output = std::process::Command::new("node")
        .arg("--input-type=module")
        .arg("-e")
        .arg(AGAINST_DEFINITIONS)
        .arg(&out)
        .env("GIRDER_TOOLS", tools)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "custom resources against their definitions failed on {label}:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("3 checked against their definitions, 0 failed"),
        "{stdout}"
    );
    eprintln!("{label}: {}", stdout.trim_end());
}

/// Validates every custom resource under a directory against the `openAPIV3Schema` of the
/// served version of its CustomResourceDefinition in the same directory (ajv with OpenAPI's
/// `nullable`; the `x-kubernetes-*` extensions are annotations to it).
const AGAINST_DEFINITIONS: &str = r#"
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
const require = createRequire(path.join(process.env.GIRDER_TOOLS, 'package.json'));
const yaml = require('js-yaml');
const Ajv = require('ajv');
const files = [];
const walk = (d) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) {
  const p = path.join(d, e.name);
  if (e.isDirectory()) walk(p); else if (p.endsWith('.yaml')) files.push(p); } };
walk(process.argv[process.argv.length - 1]);
const docs = files.flatMap((f) => yaml.loadAll(fs.readFileSync(f, 'utf8')).filter(Boolean));
const schemas = new Map();
for (const d of docs.filter((d) => d.kind === 'CustomResourceDefinition')) {
  for (const v of d.spec.versions.filter((v) => v.served)) {
    schemas.set(`${d.spec.group}/${v.name} ${d.spec.names.kind}`, v.schema.openAPIV3Schema);
  }
}
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
let checked = 0, failed = 0;
for (const d of docs) {
  const schema = schemas.get(`${d.apiVersion} ${d.kind}`);
  if (!schema) continue;
  checked++;
  const validate = ajv.compile(schema);
  if (!validate(d)) { failed++; console.log(`FAIL ${d.kind}/${d.metadata.name}: ${ajv.errorsText(validate.errors)}`); }
}
console.log(`custom resources: ${checked} checked against their definitions, ${failed} failed`);
process.exit(failed || checked === 0 ? 1 : 0);
"#;
