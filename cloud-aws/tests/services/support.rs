//! What the generated per-service tests share: one template holding every service's sample
//! resource, linted once by cfn-lint; each test looks up its own resource's findings.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use girder_aws::parameter::Parameter;
use girder_aws::*;

/// The region the samples are linted in: the registry's reference region.
const REGION: &str = "us-east-1";

/// The rules these tests do not apply. cfn-lint's rules about a service's lifecycle (shut down:
/// E3710; shutting down: W3696; in maintenance: W3697) state AWS's plans for a type, not
/// anything about the generated code, which covers every registry type. W2506 asks for an
/// AWS-specific parameter type (`AWS::EC2::Image::Id`) where a parameter is used for an image ID:
/// the samples share one `String` parameter, `Text`.
const IGNORED_RULES: &str = "E3710,W3696,W3697,W2506";

/// What linting the samples found.
struct Linted {
    /// Every resource's type by logical ID, as the synthesized template has it.
    types: BTreeMap<String, String>,
    /// cfn-lint's findings by logical ID (`""` for findings outside `Resources`); `None` when
    /// cfn-lint is not installed and `GIRDER_VALIDATE` is not set.
    findings: Option<BTreeMap<String, Vec<String>>>,
    /// The template, for failure messages.
    body: String,
}

fn cfn_lint_binary() -> Option<PathBuf> {
    let tools = std::env::var_os("GIRDER_TOOLS")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache/girder-tools"))
        })?;
    let binary = tools.join("lint/bin/cfn-lint");
    binary.is_file().then_some(binary)
}

/// The logical ID of a service's sample.
fn logical_id(module: &str) -> String {
    let mut id = String::new();
    let mut chars = module.chars();
    if let Some(first) = chars.next() {
        id.extend(first.to_uppercase());
    }
    id.extend(chars);
    id
}

fn lint_all() -> Linted {
    let env = AwsEnvironment::new("123456789012", REGION).expect("a valid environment");
    let mut app = CloudAssembly::new();
    let stack = app.stack(&env, "services");
    // No default: cfn-lint would check it against every pattern the parameter is used for.
    let text = stack.add_parameter("Text", Parameter::string());
    for (module, _, entry) in crate::samples(&text.reference()) {
        stack.add_entry(
            LogicalId::new(logical_id(module)).expect("a valid logical ID"),
            entry,
        );
    }
    let synthesis = app
        .synthesize(&ExportLedger::default())
        .unwrap_or_else(|d| panic!("the samples do not synthesize: {d}"));
    let body = synthesis
        .stack_named("services")
        .expect("the stack")
        .body()
        .to_owned();
    let template: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let types = template["Resources"]
        .as_object()
        .expect("resources")
        .iter()
        .map(|(id, r)| (id.clone(), r["Type"].as_str().unwrap_or("").to_owned()))
        .collect();
    let findings = cfn_lint(&body);
    Linted {
        types,
        findings,
        body,
    }
}

/// cfn-lint's findings on `body`, by logical ID.
fn cfn_lint(body: &str) -> Option<BTreeMap<String, Vec<String>>> {
    let Some(binary) = cfn_lint_binary() else {
        assert!(
            std::env::var_os("GIRDER_VALIDATE").is_none(),
            "GIRDER_VALIDATE is set but cfn-lint is not installed at $GIRDER_TOOLS/lint/bin/cfn-lint \
             (default ~/.cache/girder-tools): run `bash ../shared/validate/install.sh`"
        );
        eprintln!(
            "cfn-lint is not installed: not linted (CI sets GIRDER_VALIDATE=1 and requires it)"
        );
        return None;
    };
    let dir = std::env::temp_dir().join(format!("girder-aws-services-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let file = dir.join("services.json");
    std::fs::write(&file, body).unwrap_or_else(|e| panic!("{e}"));
    let output = Command::new(&binary)
        .args(["--format", "json", "--regions", REGION])
        .args(["--ignore-checks", IGNORED_RULES])
        .arg("--")
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", binary.display()));
    if std::env::var_os("GIRDER_KEEP_LINTED").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let matches: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "cfn-lint's JSON output does not parse ({e}):\n{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let mut findings: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for m in matches {
        let path = m["Location"]["Path"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let id = match (path.first().and_then(|p| p.as_str()), path.get(1)) {
            (Some("Resources"), Some(id)) => id.as_str().unwrap_or("").to_owned(),
            _ => String::new(),
        };
        let path: Vec<String> = path
            .iter()
            .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_owned))
            .collect();
        findings.entry(id).or_default().push(format!(
            "{} {} at {}",
            m["Rule"]["Id"].as_str().unwrap_or("?"),
            m["Message"].as_str().unwrap_or("?"),
            path.join("/")
        ));
    }
    Some(findings)
}

/// Checks the sample of service `module`: it is in the template with its type, and cfn-lint
/// found nothing in it (nor outside every resource).
pub(crate) fn check(module: &str) {
    static LINTED: OnceLock<Linted> = OnceLock::new();
    let linted = LINTED.get_or_init(lint_all);
    let id = logical_id(module);
    let type_name = linted
        .types
        .get(&id)
        .unwrap_or_else(|| panic!("no resource {id} in the template:\n{}", linted.body));
    let Some(findings) = &linted.findings else {
        return;
    };
    let mut own: Vec<&String> = findings.get(&id).into_iter().flatten().collect();
    own.extend(findings.get("").into_iter().flatten());
    let template: serde_json::Value = serde_json::from_str(&linted.body).expect("JSON");
    assert!(
        own.is_empty(),
        "cfn-lint rejects the `{type_name}` sample of `{module}` (logical ID {id}):\n{}\n--- resource ---\n{}",
        own.iter()
            .map(|f| format!("  {f}"))
            .collect::<Vec<_>>()
            .join("\n"),
        serde_json::to_string_pretty(&template["Resources"][&id]).unwrap_or_default()
    );
}
