//! `girder-codegen` turns AWS CloudFormation registry schemas (the copies cfn-lint ships) into
//! the typed resources of `girder-aws`: one module per AWS service in `cloud-aws/src/generated`.
//!
//! ```sh
//! cargo run -p girder-codegen -- --schemas <site-packages>/cfnlint/data/schemas \
//!     --out cloud-aws/src/generated --tests cloud-aws/tests/services.rs --manifests .
//! ```
//!
//! It generates every resource type of `providers/us-east-1.json` (the reference region: 1,854
//! types of 308 services with cfn-lint 1.58.0, Alexa's skill included); `--resources` takes a list
//! instead, for experiments. A type that some region lacks is generated all the same: cfn-lint,
//! run with the stack's region, reports where it is unavailable. The output is deterministic and
//! rustfmt-formatted, so CI regenerates it and fails on any difference.
//!
//! Besides the modules it writes:
//! - with `--manifests <workspace>`, the service features of `cloud-aws/Cargo.toml` (one per
//!   module, and `full`) and the pass-through features of `girder/Cargo.toml`, between their
//!   `# @generated features` marker comments (`--check` compares instead of writing);
//! - with `--tests <file>`, the per-service test (`cloud-aws/tests/services.rs`): one resource per
//!   service with its required properties filled from the schema, checked by cfn-lint (see
//!   `sample.rs` for how values are chosen and which services have no fillable type).
//!
//! # What it generates
//!
//! Per service (`AWS::S3::*` → module `s3`, cargo feature `s3`):
//! - one struct per resource type, holding its properties, with `impl Resource` (type name,
//!   create-only pointers, documentation link) and an `impl ResourceRef<T>` with one `Fn::GetAtt`
//!   accessor per read-only property whose type is a scalar or a list of scalars;
//! - one struct per object definition (or inline object) and one enum per string enum that the
//!   resources reach: definitions nothing uses are not generated.
//!
//! And, compiled without any feature, `registry.rs` (`girder_aws::registry`): every generated
//! type's create-only properties in a table sorted by type name, looked up by
//! `create_only(type_name)`, so that `girder diff` can tell which changes replace a resource.
//!
//! Read-only properties are not fields (CloudFormation rejects them); required ones are the
//! arguments of `new`, in alphabetical order; every optional one has a builder setter. Structs
//! without required properties also derive `Default`.
//!
//! Rustdoc: every resource links to its page of the CloudFormation reference
//! (`TemplateReference/aws-resource-<service>-<type>.html`), every property type to its page
//! (`aws-properties-<service>-<type>-<name>.html`, after the first resource using it) and every
//! property to its anchor there (`#cfn-<service>-<type>-<property>`). A property's doc is the
//! schema's description (on one line, AWS's code spans and links kept, other Markdown and HTML
//! escaped), then the facts: type, required or optional, create-only, deprecated, allowed values,
//! pattern, lengths, ranges, item counts.
//!
//! # Type mapping
//!
//! | schema | Rust |
//! |---|---|
//! | `string`, `integer`, `number`, `boolean` | `Value<String>`, `Value<i64>`, `Value<f64>`, `Value<bool>` |
//! | `string` with `enum` | `Value<E>`, `E` a generated `#[non_exhaustive]` enum |
//! | `integer` with `enum` | `Value<i64>` (log retention days and the like) |
//! | `array` of X | `Value<Vec<X'>>`, X' mapped the same way (so elements can be expressions) |
//! | `object` with `properties`, `$ref` to one | the struct (`Box`ed when it closes a cycle) |
//! | `object` with only `patternProperties` / `additionalProperties` | `BTreeMap<String, X'>` |
//! | `$ref` to a non-object definition | that definition, mapped inline |
//! | several types (`["object", "string"]` policy documents), `oneOf` objects, empty objects, no type | `Json` |
//!
//! The generator prints how many properties fell back to `Json` (`--verbose` lists them).
//!
//! # Names
//!
//! AWS names are split into words with acronyms as one word (Rust API guidelines, like the AWS
//! SDK for Rust): types are `UpperCamelCase` (`AWS::RDS::DBInstance` → `DbInstance`,
//! `AWS::EC2::VPC` → `Vpc`), fields and setters `snake_case` (`KMSMasterKeyID` →
//! `kms_master_key_id`), with a trailing underscore for Rust keywords (`type_`). Enum variants
//! are the `UpperCamelCase` of the value (`aws:kms` → `AwsKms`, `1` → `V1`), with a counter when
//! two values collide.
//!
//! A nested type is named after its definition, or after the property for an inline object or
//! enum. Identical types within a module are shared (EC2's `Tag`). When different types of one
//! module want the same name, the one used by the most resources keeps it and the others are
//! prefixed with their resource (definitions) or owning type (inline types): ELB's `Tag` and
//! `LoadBalancerTag`, S3's `ServerSideEncryptionByDefaultSseAlgorithm` and
//! `MetadataTableEncryptionConfigurationSseAlgorithm`. A counter settles anything left.

mod emit;
mod lower;
mod manifests;
mod naming;
mod sample;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use clap::Parser;
use serde_json::Value as JsonValue;

/// Generates girder-aws's typed CloudFormation resources from the registry schemas.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// cfn-lint's `data/schemas` directory (it holds `providers/` and `resources/`).
    #[arg(long)]
    schemas: PathBuf,
    /// The directory to write `mod.rs`, `registry.rs` and the service modules to. Other `.rs`
    /// files in it are removed; files whose content did not change are not rewritten.
    #[arg(long)]
    out: PathBuf,
    /// A resource list (one type name a line, `#` comments) to generate instead of every type of
    /// `providers/us-east-1.json`: for experiments, CI generates the whole registry.
    #[arg(long)]
    resources: Option<PathBuf>,
    /// The workspace whose `cloud-aws/Cargo.toml` and `girder/Cargo.toml` get one feature per
    /// generated service, between their `# @generated features` marker comments.
    #[arg(long)]
    manifests: Option<PathBuf>,
    /// Where to write the per-service test (`cloud-aws/tests/services.rs`): one resource per
    /// service with its required properties filled from the schema, checked by cfn-lint.
    #[arg(long)]
    tests: Option<PathBuf>,
    /// With `--manifests`: fail if the feature lists differ from what would be written, instead
    /// of writing them.
    #[arg(long, requires = "manifests")]
    check: bool,
    /// Print every property that fell back to `Json` and every read-only property without an
    /// accessor.
    #[arg(long, short)]
    verbose: bool,
}

/// A failure, printed as `error: …`.
#[derive(Debug)]
struct Error(String);

impl<E: std::fmt::Display> From<E> for Error {
    fn from(error: E) -> Self {
        Error(error.to_string())
    }
}

fn context<T, E: std::fmt::Display>(
    result: Result<T, E>,
    what: impl FnOnce() -> String,
) -> Result<T, Error> {
    result.map_err(|e| Error(format!("{}: {e}", what())))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The resource types of `list`, grouped by module name (`AWS::S3::Bucket` → `s3`).
fn parse_resources(list: &str) -> Result<BTreeMap<String, (String, Vec<String>)>, Error> {
    let mut services: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for (number, line) in list.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split("::").collect();
        let [_, service, name] = parts.as_slice() else {
            return Err(Error(format!(
                "resource list line {}: `{line}` is not a type name like `AWS::S3::Bucket`",
                number + 1
            )));
        };
        let valid = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric());
        if !valid(service) || !valid(name) {
            return Err(Error(format!(
                "resource list line {}: `{line}` is not valid",
                number + 1
            )));
        }
        let module = service.to_ascii_lowercase();
        let entry = services
            .entry(module)
            .or_insert_with(|| ((*service).to_owned(), Vec::new()));
        if entry.0 != *service {
            return Err(Error(format!(
                "resource list line {}: `{service}` and `{}` would share the module `{}`",
                number + 1,
                entry.0,
                service.to_ascii_lowercase()
            )));
        }
        if entry.1.iter().any(|t| t == line) {
            return Err(Error(format!(
                "resource list line {}: `{line}` is listed twice",
                number + 1
            )));
        }
        entry.1.push(line.to_owned());
    }
    for (_, types) in services.values_mut() {
        types.sort();
    }
    Ok(services)
}

fn read_json(path: &Path) -> Result<JsonValue, Error> {
    let text = context(std::fs::read_to_string(path), || {
        format!("reading {}", path.display())
    })?;
    context(serde_json::from_str(&text), || {
        format!("parsing {}", path.display())
    })
}

/// cfn-lint's version, from `cfnlint/version.py` two levels above `data/schemas`.
fn source_version(schemas: &Path) -> Result<String, Error> {
    let path = schemas.join("../../version.py");
    let text = context(std::fs::read_to_string(&path), || {
        format!("reading cfn-lint's version from {}", path.display())
    })?;
    text.lines()
        .find_map(|line| line.trim().strip_prefix("__version__ = "))
        .map(|v| v.trim_matches(|c| c == '"' || c == '\'').to_owned())
        .ok_or_else(|| Error(format!("no `__version__` in {}", path.display())))
}

/// Formats `source` with the workspace's rustfmt (run from the workspace root so that
/// `rust-toolchain.toml` and any `rustfmt.toml` apply, wherever the output goes).
fn rustfmt(source: &str, file: &str) -> Result<String, Error> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut child = context(
        Command::new(std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into()))
            .args(["--edition", "2024", "--emit", "stdout"])
            .current_dir(&workspace)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn(),
        || "running rustfmt".to_owned(),
    )?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| Error("rustfmt has no stdin".into()))?;
    let input = source.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = context(child.wait_with_output(), || "running rustfmt".to_owned())?;
    context(
        writer.join().map_err(|_| "the writer thread panicked")?,
        || "writing to rustfmt".to_owned(),
    )?;
    if !output.status.success() {
        return Err(Error(format!(
            "rustfmt rejected the generated {file}:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    Ok(String::from_utf8(output.stdout)?)
}

fn run(cli: &Cli) -> Result<(), Error> {
    let version = source_version(&cli.schemas)?;
    let providers = read_json(&cli.schemas.join("providers/us-east-1.json"))?;
    let list = match &cli.resources {
        Some(path) => context(std::fs::read_to_string(path), || {
            format!("reading {}", path.display())
        })?,
        None => registry_types(&providers)?,
    };
    let services = parse_resources(&list)?;

    let mut files: BTreeMap<String, String> = BTreeMap::new();
    let mut registry: Vec<(String, Vec<String>)> = Vec::new();
    let (mut fallbacks, mut skipped) = (0, 0);
    let (mut samples, mut unfilled) = (Vec::new(), Vec::new());
    let extended = extended_types(&cli.schemas, &providers);
    for (module, (service, types)) in &services {
        let mut lowerer = lower::Lowerer::new();
        let mut resources = Vec::new();
        for (index, type_name) in types.iter().enumerate() {
            let hash = providers
                .get(type_name)
                .and_then(JsonValue::as_str)
                .ok_or_else(|| Error(format!("{type_name} is not in providers/us-east-1.json")))?;
            let schema = read_json(&cli.schemas.join("resources").join(format!("{hash}.json")))?;
            if schema.get("typeName").and_then(JsonValue::as_str) != Some(type_name) {
                return Err(Error(format!(
                    "the schema of {type_name} names another type"
                )));
            }
            resources.push(lowerer.resource(index, &schema).map_err(|e| Error(e.0))?);
        }
        let model = lowerer.finish(module, service, resources);
        registry.extend(
            model
                .resources
                .iter()
                .map(|r| (r.type_name.clone(), r.create_only.clone())),
        );
        match sample::sample(&model, &extended) {
            Some(sample) => samples.push(sample),
            None => unfilled.push(module.clone()),
        }
        let emitted = model.emitted();
        eprintln!(
            "{module}: {} resources, {} property types, {} Json fallbacks, {} read-only properties without an accessor",
            model.resources.len(),
            emitted.len() - model.resources.len(),
            model.fallbacks.len(),
            model.skipped_attributes.len()
        );
        fallbacks += model.fallbacks.len();
        skipped += model.skipped_attributes.len();
        if cli.verbose {
            for line in model.fallbacks.iter().chain(&model.skipped_attributes) {
                eprintln!("  {line}");
            }
        }
        let file = format!("{module}.rs");
        let source = rustfmt(&emit::service(&model, &version), &file)?;
        files.insert(file, source);
    }
    let modules: Vec<String> = services.keys().cloned().collect();
    files.insert(
        "mod.rs".into(),
        rustfmt(&emit::module_index(&version, &modules), "mod.rs")?,
    );
    files.insert(
        "registry.rs".into(),
        rustfmt(&emit::registry(&version, &registry), "registry.rs")?,
    );
    eprintln!(
        "total: {fallbacks} Json fallbacks, {skipped} read-only properties without an accessor"
    );
    write_files(&cli.out, &files)?;
    if let Some(path) = &cli.tests {
        eprintln!(
            "tests: {} services sampled; none of the types of {} services can be filled: {}",
            samples.len(),
            unfilled.len(),
            unfilled.join(", ")
        );
        let source = rustfmt(
            &sample::test_file(&version, &samples, &unfilled),
            "services.rs",
        )?;
        if std::fs::read_to_string(path).ok().as_deref() != Some(source.as_str()) {
            context(std::fs::write(path, source), || {
                format!("writing {}", path.display())
            })?;
        }
    }
    if let Some(workspace) = &cli.manifests {
        manifests::update(workspace, &modules, cli.check).map_err(Error)?;
    }
    Ok(())
}

/// The types cfn-lint checks with schemas of its own beyond the registry's (`extensions/`, one
/// directory per type: `aws_s3_bucket`).
fn extended_types(schemas: &Path, providers: &JsonValue) -> std::collections::BTreeSet<String> {
    let dirs: std::collections::BTreeSet<String> = std::fs::read_dir(schemas.join("extensions"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    providers
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, _)| name)
        .filter(|name| dirs.contains(&name.replace("::", "_").to_ascii_lowercase()))
        .cloned()
        .collect()
}

/// Every type name of `providers/us-east-1.json` (the reference region), one a line, sorted.
fn registry_types(providers: &JsonValue) -> Result<String, Error> {
    let map = providers.as_object().ok_or_else(|| {
        Error("providers/us-east-1.json is not an object of type names".to_owned())
    })?;
    let mut names: Vec<&str> = map.keys().map(String::as_str).collect();
    names.sort_unstable();
    Ok(names.join("\n"))
}

/// Writes `files` into `out`, leaving unchanged files alone (their mtime too) and removing
/// `.rs` files that are no longer generated.
fn write_files(out: &Path, files: &BTreeMap<String, String>) -> Result<(), Error> {
    context(std::fs::create_dir_all(out), || {
        format!("creating {}", out.display())
    })?;
    let entries = context(std::fs::read_dir(out), || {
        format!("reading {}", out.display())
    })?;
    for entry in entries {
        let path = entry?.path();
        let stale = path.extension().is_some_and(|e| e == "rs")
            && path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !files.contains_key(n));
        if stale {
            context(std::fs::remove_file(&path), || {
                format!("removing {}", path.display())
            })?;
        }
    }
    for (name, source) in files {
        let path = out.join(name);
        if std::fs::read_to_string(&path).is_ok_and(|old| old == *source) {
            continue;
        }
        context(std::fs::write(&path, source), || {
            format!("writing {}", path.display())
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_parses_into_modules() {
        let services = parse_resources(
            "# comment\nAWS::S3::Bucket\nAWS::S3::AccessPoint\nAlexa::ASK::Skill\n\nAWS::ElasticLoadBalancingV2::LoadBalancer",
        )
        .expect("valid list");
        assert!(services.contains_key("elasticloadbalancingv2"));
        assert_eq!(services["s3"].0, "S3");
        assert_eq!(
            services["s3"].1,
            ["AWS::S3::AccessPoint", "AWS::S3::Bucket"],
            "sorted"
        );
        assert_eq!(services["ask"].1, ["Alexa::ASK::Skill"]);
    }

    #[test]
    fn the_registry_list_is_every_provider_key_sorted() {
        let providers = serde_json::json!({"AWS::SQS::Queue": "a", "Alexa::ASK::Skill": "b", "AWS::S3::Bucket": "c"});
        assert_eq!(
            registry_types(&providers).expect("an object"),
            "AWS::S3::Bucket\nAWS::SQS::Queue\nAlexa::ASK::Skill"
        );
        assert!(registry_types(&serde_json::json!([])).is_err());
    }

    /// One generated module per kind of service, from schemas copied into `codegen/tests/schemas`
    /// (so that only a change of the generator changes them): a simple one (SQS's queue), one
    /// with nested property types (an S3 access point), one with polymorphic properties (Amazon
    /// Q Business's plugin: several types, `oneOf`).
    #[test]
    fn generated_modules_by_kind() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas");
        for (module, service, file) in [
            ("sqs", "SQS", "aws-sqs-queue.json"),
            ("s3", "S3", "aws-s3-accesspoint.json"),
            ("qbusiness", "QBusiness", "aws-qbusiness-plugin.json"),
        ] {
            let schema = read_json(&dir.join(file)).expect("a fixture schema");
            let mut lowerer = lower::Lowerer::new();
            let resource = lowerer.resource(0, &schema).expect("lowers");
            let model = lowerer.finish(module, service, vec![resource]);
            let source = rustfmt(&emit::service(&model, "fixture"), module).expect("formats");
            insta::assert_snapshot!(module, source);
        }
    }

    #[test]
    fn bad_lines_are_rejected() {
        assert!(parse_resources("AWS::S3").is_err());
        assert!(parse_resources("AWS::S3::Bucket\nAWS::S3::Bucket").is_err());
        assert!(parse_resources("AWS::S3::Bu-cket").is_err());
        assert!(parse_resources("AWS::S3::Bucket\nAWS::s3::Thing").is_err());
    }
}
