//! CloudFormation's limits and naming rules, checked at synthesis. Each problem is a
//! [`Diagnostic`] naming the stack, with a hint; all of them are collected.

use std::collections::HashMap;

use girder_core::{Diagnostic, Diagnostics};

use crate::address::StackAddress;
use crate::dynamic::SECRET_PROPERTIES;
use crate::entry::ResourceEntry;
use crate::logical_id::LogicalId;
use crate::logical_id::{MAX_LOGICAL_ID, is_valid};
use crate::stack::Stack;
use crate::template::Template;
use crate::value::Value;

/// Resources per template.
pub const MAX_RESOURCES: usize = 500;
/// Outputs per template.
pub const MAX_OUTPUTS: usize = 200;
/// Parameters per template.
pub const MAX_PARAMETERS: usize = 200;
/// Mappings per template.
pub const MAX_MAPPINGS: usize = 200;
/// Entries per mapping level.
pub const MAX_MAPPING_ENTRIES: usize = 200;
/// Template body size when uploaded through S3, in bytes.
pub const MAX_TEMPLATE_BYTES: usize = 1_048_576;
/// Template body size when passed inline to the API, in bytes: larger templates must go through
/// S3.
pub const MAX_INLINE_TEMPLATE_BYTES: usize = 51_200;
/// Stack name length.
pub const MAX_STACK_NAME: usize = 128;
/// Template description length, in bytes.
pub const MAX_DESCRIPTION: usize = 1024;

const SPLIT: &str =
    "split the stack: move some constructs into another stack of the same account and region";

/// Why a stack name is rejected, or `None`.
pub fn check_stack_name(name: &str) -> Option<&'static str> {
    let bytes = name.as_bytes();
    if bytes.is_empty() {
        Some("it is empty")
    } else if bytes.len() > MAX_STACK_NAME {
        Some("it is longer than 128 characters")
    } else if !bytes[0].is_ascii_alphabetic() {
        Some("it must start with a letter")
    } else if !bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
    {
        Some("it may only contain letters, digits and '-'")
    } else {
        None
    }
}

/// Why an export name is rejected, or `None`: 1 to 255 letters, digits, `:` and `-`.
pub fn check_export_name(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("it is empty")
    } else if name.len() > crate::synth::MAX_EXPORT_NAME {
        Some("it is longer than 255 characters")
    } else if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b':' || b == b'-')
    {
        Some("it may only contain letters, digits, ':' and '-'")
    } else {
        None
    }
}

fn too_many(
    diags: &mut Diagnostics,
    path: &str,
    stack: &str,
    count: usize,
    what: &str,
    max: usize,
) {
    if count > max {
        diags.push(
            Diagnostic::error(
                path,
                format!("stack `{stack}` has {count} {what}; CloudFormation allows {max}"),
            )
            .hint(SPLIT),
        );
    }
}

fn check_names<'a>(
    diags: &mut Diagnostics,
    path: &str,
    what: &str,
    names: impl IntoIterator<Item = &'a String>,
) {
    for name in names {
        if !is_valid(name) {
            diags.push(
                Diagnostic::error(path, format!("`{name}` is not a valid {what} name")).hint(
                    format!("use 1 to {MAX_LOGICAL_ID} ASCII letters and digits"),
                ),
            );
        }
    }
}

/// Checks one stack's name, counts and names; `resources` is how many resources it has (its
/// template holds none by now: each was checked with [`check_resource`] as it was prepared).
pub(crate) fn check_stack(stack: &Stack, resources: usize, path: &str, diags: &mut Diagnostics) {
    let name = stack.name();
    if let Some(problem) = check_stack_name(name) {
        diags.push(
            Diagnostic::error(
                path,
                format!("`{name}` is not a valid stack name: {problem}"),
            )
            .hint("use up to 128 letters, digits and '-', starting with a letter"),
        );
    }
    let template = stack.template();
    if resources == 0 {
        diags.push(
            Diagnostic::error(path, format!("stack `{name}` has no resources"))
                .cause("CloudFormation requires at least one resource per template")
                .hint("add a resource or remove the stack"),
        );
    }
    too_many(diags, path, name, resources, "resources", MAX_RESOURCES);
    too_many(
        diags,
        path,
        name,
        template.outputs().len(),
        "outputs",
        MAX_OUTPUTS,
    );
    too_many(
        diags,
        path,
        name,
        template.parameters().len(),
        "parameters",
        MAX_PARAMETERS,
    );
    too_many(
        diags,
        path,
        name,
        template.mappings().len(),
        "mappings",
        MAX_MAPPINGS,
    );
    if let Some(description) = template.description()
        && description.len() > MAX_DESCRIPTION
    {
        diags.push(
            Diagnostic::error(
                path,
                format!("the description of stack `{name}` has {} bytes; CloudFormation allows {MAX_DESCRIPTION}", description.len()),
            )
            .hint("shorten it"),
        );
    }
    check_names(diags, path, "parameter", template.parameters().keys());
    check_names(diags, path, "condition", template.conditions().keys());
    check_names(diags, path, "mapping", template.mappings().keys());
    check_names(diags, path, "output", template.outputs().keys());
    for (parameter, def) in template.parameters() {
        if def.no_echo() && def.default_value().is_some() {
            diags.push(
                Diagnostic::error(
                    path,
                    format!("the NoEcho parameter `{parameter}` has a default value"),
                )
                .cause("the default would be a secret written into the template")
                .hint(
                    "remove the default, or read the secret with DynamicReference::secrets_manager",
                ),
            );
        }
    }
    check_mappings(template, path, diags);
}

fn check_mappings(template: &Template, path: &str, diags: &mut Diagnostics) {
    for (mapping, entries) in template.mappings() {
        let mut problems = Vec::new();
        if entries.is_empty() {
            problems.push("it has no entries".to_owned());
        }
        if entries.len() > MAX_MAPPING_ENTRIES {
            problems.push(format!(
                "it has {} first-level keys (at most {MAX_MAPPING_ENTRIES})",
                entries.len()
            ));
        }
        for (top, second) in entries {
            if top.is_empty()
                || !top
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
            {
                problems.push(format!(
                    "the key `{top}` may only contain letters, digits, '.' and '-'"
                ));
            }
            if second.len() > MAX_MAPPING_ENTRIES {
                problems.push(format!(
                    "`{top}` has {} keys (at most {MAX_MAPPING_ENTRIES})",
                    second.len()
                ));
            }
            for (key, value) in second {
                if !is_valid(key) {
                    problems.push(format!(
                        "the key `{top}.{key}` may only contain letters and digits"
                    ));
                }
                if value.is_null() || value.is_object() {
                    problems.push(format!(
                        "the value at `{top}.{key}` is not a string, number, boolean or list"
                    ));
                }
            }
        }
        for problem in problems {
            diags.push(
                Diagnostic::error(path, format!("mapping `{mapping}`: {problem}"))
                    .hint("see the Mappings section of the CloudFormation user guide"),
            );
        }
    }
}

/// Checks one resource: its checkov skips and the literal secrets in its properties. `text` is
/// the resource as written into its template, or `None` when it is not written yet.
pub(crate) fn check_resource(
    id: &LogicalId,
    entry: &ResourceEntry,
    text: Option<&[u8]>,
    path: &str,
    diags: &mut Diagnostics,
) {
    let object = || format!("{} {id}", entry.type_name());
    for skip in entry.checkov_skips() {
        let valid_id = ["CKV_AWS_", "CKV2_AWS_"].iter().any(|prefix| {
            skip.id
                .strip_prefix(prefix)
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        });
        if !valid_id {
            diags.push(
                Diagnostic::error(
                    path,
                    format!("`{}` is not a checkov check of AWS resources", skip.id),
                )
                .object(object())
                .hint("use an id such as `CKV_AWS_18` or `CKV2_AWS_6`"),
            );
        }
        if skip.comment.trim().is_empty() {
            diags.push(
                Diagnostic::error(
                    path,
                    format!("the checkov skip of `{}` says nothing about why", skip.id),
                )
                .object(object())
                .hint("give the reason the check does not apply as the comment"),
            );
        }
    }
    if !entry.checkov_skips().is_empty() && entry.metadata().contains_key("checkov") {
        diags.push(
            Diagnostic::error(
                path,
                "both checkov_skip and the metadata key `checkov` are set",
            )
            .object(object())
            .hint("use checkov_skip only"),
        );
    }
    if let Some((_, pointers)) = SECRET_PROPERTIES
        .iter()
        .find(|(t, _)| *t == entry.type_name())
        && text.is_none_or(|text| pointers.iter().any(|p| may_have(text, p)))
    {
        check_secrets(entry, pointers, path, &object(), diags);
    }
}

/// Whether a resource written as `text` may have a value at `pointer` below its properties:
/// whether it has the first key of the pointer anywhere (`"SecretString": `). Most resources of
/// these types carry no such property (a generated secret, a password from a parameter), and
/// need not be turned into JSON values to tell.
fn may_have(text: &[u8], pointer: &str) -> bool {
    let first = pointer
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or("")
        .as_bytes();
    // Text that is not UTF-8 (never written) gets the full check.
    let Ok(text) = std::str::from_utf8(text) else {
        return true;
    };
    // `"<first>": `, composed on the stack: this runs on the thread that writes templates, where
    // a heap allocation may be a chunk the other thread freed, and growing it would lock that
    // thread's arena. A key too long for the buffer (none is) gets the full check.
    let mut key = [0u8; 68];
    let Some(room) = key.get_mut(..first.len() + 4) else {
        return true;
    };
    room[0] = b'"';
    room[1..=first.len()].copy_from_slice(first);
    room[first.len() + 1..].copy_from_slice(b"\": ");
    std::str::from_utf8(room).map_or(true, |key| text.contains(key))
}

/// Reports literal strings in the properties that carry secrets.
fn check_secrets(
    entry: &ResourceEntry,
    pointers: &[&str],
    path: &str,
    object: &str,
    diags: &mut Diagnostics,
) {
    let Ok(properties) = entry.properties_value() else {
        return;
    };
    for pointer in pointers {
        let mut found = Vec::new();
        collect(
            &properties,
            pointer
                .trim_start_matches('/')
                .split('/')
                .collect::<Vec<_>>()
                .as_slice(),
            &mut found,
        );
        for value in found {
            if let serde_json::Value::String(text) = value
                && !text.starts_with("{{resolve:")
            {
                diags.push(
                    Diagnostic::error(
                        path,
                        format!("`{}` is a literal string: the secret would be written into the template", pointer.trim_start_matches('/')),
                    )
                    .object(object.to_owned())
                    .hint("use DynamicReference::secrets_manager(..).json_key(..) so CloudFormation reads it at deploy time"),
                );
            }
        }
    }
}

/// The values at a JSON pointer whose `*` segments match every list element.
fn collect<'a>(
    value: &'a serde_json::Value,
    segments: &[&str],
    out: &mut Vec<&'a serde_json::Value>,
) {
    let Some((first, rest)) = segments.split_first() else {
        out.push(value);
        return;
    };
    match (value, *first) {
        (serde_json::Value::Array(items), "*") => items.iter().for_each(|v| collect(v, rest, out)),
        (serde_json::Value::Object(map), key) => {
            if let Some(v) = map.get(key) {
                collect(v, rest, out);
            }
        }
        _ => {}
    }
}

/// Checks the size of a template body.
pub(crate) fn check_body(
    address: &StackAddress,
    path: &str,
    bytes: usize,
    diags: &mut Diagnostics,
) {
    let name = address.name();
    if bytes > MAX_TEMPLATE_BYTES {
        diags.push(
            Diagnostic::error(
                path,
                format!("the template of stack `{name}` has {bytes} bytes; CloudFormation allows {MAX_TEMPLATE_BYTES}"),
            )
            .hint(SPLIT),
        );
    } else if bytes > MAX_INLINE_TEMPLATE_BYTES {
        diags.push(
            Diagnostic::warning(
                path,
                format!(
                    "the template of stack `{name}` has {bytes} bytes, more than the {MAX_INLINE_TEMPLATE_BYTES} that can be passed inline"
                ),
            )
            .hint("deploy it through an S3 bucket (--s3-bucket), or split the stack"),
        );
    }
}

/// Checks the literal export names of every output: charset, length, uniqueness per account and
/// region.
pub(crate) fn check_export_names(
    stacks: &[(&StackAddress, &Template, &str)],
    diags: &mut Diagnostics,
) {
    let mut seen: HashMap<(&str, &str, &str), &str> = HashMap::new();
    for (address, template, path) in stacks {
        for (output, definition) in template.outputs() {
            let Some(Value::Literal(name)) = definition.export_name() else {
                continue;
            };
            if let Some(problem) = check_export_name(name) {
                diags.push(
                    Diagnostic::error(
                        *path,
                        format!("`{name}` is not a valid export name: {problem}"),
                    )
                    .object(format!("output {output}"))
                    .hint("use up to 255 letters, digits, ':' and '-'"),
                );
            }
            let key = (
                address.account().as_str(),
                address.region().as_str(),
                name.as_str(),
            );
            if let Some(first) = seen.insert(key, address.name()) {
                diags.push(
                    Diagnostic::error(
                        *path,
                        format!(
                            "the export `{name}` is declared by stacks `{first}` and `{}` of the same account and region",
                            address.name()
                        ),
                    )
                    .object(format!("output {output}"))
                    .hint("export names are unique per account and region: rename one"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::may_have;

    #[test]
    fn only_text_with_the_first_key_of_a_pointer_may_have_a_secret() {
        let written = br#""Db": {
      "Type": "AWS::RDS::DBInstance",
      "Properties": {
        "MasterUserPassword": "hunter2"
      }
    }"#;
        assert!(may_have(written, "/MasterUserPassword"));
        assert!(may_have(
            br#"{"Users": [{"Password": "x"}]}"#,
            "/Users/*/Password"
        ));
        assert!(!may_have(
            br#""Secret": {"GenerateSecretString": {"PasswordLength": 32}}"#,
            "/SecretString"
        ));
        // A name in a value, not a key, is no reason to look closer.
        assert!(!may_have(
            br#""Description": "MasterUserPassword""#,
            "/MasterUserPassword"
        ));
        // Text that is not UTF-8 gets the full check.
        assert!(may_have(&[0xff, 0xfe], "/Password"));
        // A key longer than any property name is looked for the long way.
        assert!(may_have(b"{}", &format!("/{}", "K".repeat(100))));
    }
}
