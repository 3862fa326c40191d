//! A diff [`Report`] in the forms a reviewer reads it: text for a terminal (its `Display`),
//! Markdown for a pull-request comment, JSON for `jq` and policy tools.
//!
//! * **Markdown** ([`markdown`]): a summary table per environment and target (added, changed,
//!   removed, destructive), the destructive changes first and flagged, then one collapsible
//!   section per object with its changed fields. A report longer than a GitHub comment allows
//!   ([`COMMENT_LIMIT`]) keeps the summary and the destructive changes whole and lists the other
//!   objects without their fields, saying where the full diff is.
//! * **JSON** ([`json`]): `{"format": "girder-diff", "version": 1, ...}`, described by the JSON
//!   Schema [`JSON_SCHEMA`] (`synth/schema/diff-v1.json`). A change of the version is a change of
//!   the schema; fields are only added within a version.
//!
//! Values come from the report, whose secret values are already redacted: no format shows one.
//!
//! ```
//! use girder_synth::diff::diff;
//! use girder_synth::report::{json, markdown};
//! use std::collections::BTreeMap;
//!
//! let old = BTreeMap::from([(
//!     "prod/k8s/web.yaml".to_owned(),
//!     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: api, namespace: web}\ndata: {mode: a}\n".to_owned(),
//! )]);
//! let mut new = old.clone();
//! new.insert("prod/k8s/web.yaml".into(), old["prod/k8s/web.yaml"].replace("mode: a", "mode: b"));
//! let report = diff(&old, &new).unwrap();
//! assert!(markdown(&report, None).text.contains("| prod | Kubernetes | 0 | 1 | 0 | 0 |"));
//! assert_eq!(json(&report)["changes"][0]["fields"][0]["path"], "data.mode");
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json as value};

use crate::diff::{Change, FieldChange, ObjectKey, Report, Risk};

/// The longest comment GitHub accepts, in characters.
pub const COMMENT_LIMIT: usize = 65_536;

/// The JSON Schema of [`json`]'s output (draft 2020-12).
pub const JSON_SCHEMA: &str = include_str!("../schema/diff-v1.json");

/// The version of [`json`]'s output.
pub const JSON_VERSION: u32 = 1;

/// The longest value shown in a Markdown table cell, in characters; longer ones are cut.
const CELL: usize = 160;

/// A report as Markdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Markdown {
    /// The Markdown text.
    pub text: String,
    /// Whether objects were listed without their fields to stay under the limit.
    pub shortened: bool,
}

/// The target a key belongs to, as the summary names it.
fn target(key: &ObjectKey) -> &'static str {
    match key {
        ObjectKey::Kubernetes { .. } => "Kubernetes",
        ObjectKey::CloudFormation { .. } => "CloudFormation",
        ObjectKey::Compose { .. } => "Compose",
        ObjectKey::Document { .. } => "other",
    }
}

/// The environment of a key (its stage directory), empty for a document outside one.
fn environment(key: &ObjectKey) -> &str {
    match key {
        ObjectKey::Kubernetes { scope, .. }
        | ObjectKey::CloudFormation { scope, .. }
        | ObjectKey::Compose { scope, .. } => scope,
        ObjectKey::Document { .. } => "",
    }
}

/// The object of a key without its environment, e.g. `apps/v1 Deployment web/api`.
fn object(key: &ObjectKey) -> String {
    match key {
        ObjectKey::Kubernetes { key, .. } => key.to_string(),
        ObjectKey::CloudFormation { key, .. } => key.to_string(),
        ObjectKey::Compose { key, .. } => key.to_string(),
        ObjectKey::Document { .. } => key.to_string(),
    }
}

/// Counts per (environment, target): added, changed, removed, destructive.
fn summary(changes: &[(&Change, &[Risk])]) -> BTreeMap<(String, &'static str), [usize; 4]> {
    let mut rows: BTreeMap<(String, &'static str), [usize; 4]> = BTreeMap::new();
    for (change, risks) in changes {
        let k = change.key();
        let row = rows
            .entry((environment(k).to_owned(), target(k)))
            .or_default();
        match change {
            Change::Added(_) => row[0] += 1,
            Change::Changed(..) => row[1] += 1,
            Change::Removed(_) => row[2] += 1,
        }
        if risks.iter().any(|r| r.is_destructive()) {
            row[3] += 1;
        }
    }
    rows
}

/// Text safe inside an HTML element of a Markdown table cell.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("&#124;"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// A value as a table cell: `<code>…</code>`, cut at [`CELL`] characters; `(absent)` for none.
fn cell(value: Option<&Value>) -> String {
    let Some(value) = value else {
        return "<i>(absent)</i>".into();
    };
    let text = value.to_string();
    let shown: String = text.chars().take(CELL).collect();
    let cut = if shown.len() < text.len() { "…" } else { "" };
    format!("<code>{}{cut}</code>", escape(&shown))
}

/// The sign of a change: `+`, `-` or `~`.
fn sign(change: &Change) -> char {
    match change {
        Change::Added(_) => '+',
        Change::Removed(_) => '-',
        Change::Changed(..) => '~',
    }
}

/// One object's section: a summary line, its risks and its fields, collapsible; a line for an
/// object with neither.
fn section(change: &Change, risks: &[Risk], open: bool) -> String {
    let k = change.key();
    let env = environment(k);
    let env = if env.is_empty() {
        String::new()
    } else {
        format!("[{}] ", escape(env))
    };
    let fields: &[FieldChange] = match change {
        Change::Changed(_, fields) => fields,
        _ => &[],
    };
    let what = match change {
        Change::Added(_) => "added".to_owned(),
        Change::Removed(_) => "removed".to_owned(),
        Change::Changed(..) if fields.len() == 1 => "1 field".to_owned(),
        Change::Changed(..) => format!("{} fields", fields.len()),
    };
    let mut out = String::new();
    if fields.is_empty() && risks.is_empty() {
        // Nothing to unfold: an added or removed object is one line.
        let _ = writeln!(
            out,
            "- {} <code>{env}{}</code> ({what})\n",
            sign(change),
            escape(&object(k))
        );
        return out;
    }
    let flag = if risks.iter().any(|r| r.is_destructive()) {
        "⛔ "
    } else if risks.is_empty() {
        ""
    } else {
        "⚠️ "
    };
    let _ = writeln!(
        out,
        "<details{}><summary>{flag}{} <code>{env}{}</code> ({what})</summary>\n",
        if open { " open" } else { "" },
        sign(change),
        escape(&object(k)),
    );
    for risk in risks {
        let label = if risk.is_destructive() {
            "destructive"
        } else {
            "warning"
        };
        let _ = writeln!(out, "- **{label}**: {}", escape(&risk.to_string()));
    }
    if !risks.is_empty() {
        out.push('\n');
    }
    if !fields.is_empty() {
        out.push_str("| field | before | after |\n|---|---|---|\n");
        for field in fields {
            let _ = writeln!(
                out,
                "| <code>{}</code> | {} | {} |",
                escape(&field.path),
                cell(field.old.as_ref()),
                cell(field.new.as_ref())
            );
        }
        out.push('\n');
    }
    out.push_str("</details>\n\n");
    out
}

/// `report` as Markdown for a pull-request comment, under [`COMMENT_LIMIT`] characters with
/// room for what a workflow adds (a marker to find its comment again, a header); `full` names
/// where the complete diff is (a file, a CI artifact), for a shortened report.
pub fn markdown(report: &Report, full: Option<&str>) -> Markdown {
    markdown_with_limit(report, COMMENT_LIMIT - WORKFLOW_ROOM, full)
}

/// What [`markdown`] leaves of [`COMMENT_LIMIT`] to the workflow that posts it.
const WORKFLOW_ROOM: usize = 1_024;

/// `report` as Markdown of at most about `limit` characters (see [`markdown`]): over it, the
/// objects that are not destructive are listed without their fields.
pub fn markdown_with_limit(report: &Report, limit: usize, full: Option<&str>) -> Markdown {
    let changes: Vec<(&Change, &[Risk])> = report.entries().collect();
    let mut head = String::from("### Girder diff\n\n");
    if report.is_empty() {
        head.push_str("No changes.\n");
        return Markdown {
            text: head,
            shortened: false,
        };
    }
    head.push_str("| environment | target | added | changed | removed | destructive |\n");
    head.push_str("|---|---|---:|---:|---:|---:|\n");
    for ((env, target), [a, c, r, d]) in summary(&changes) {
        let env = if env.is_empty() {
            "—".to_owned()
        } else {
            escape(&env)
        };
        let d = if d > 0 {
            format!("**{d}** ⛔")
        } else {
            d.to_string()
        };
        let _ = writeln!(head, "| {env} | {target} | {a} | {c} | {r} | {d} |");
    }
    head.push('\n');
    head.push_str(&wiring_section(report));
    let (destructive, rest): (Vec<_>, Vec<_>) = changes
        .iter()
        .partition(|(_, risks)| risks.iter().any(Risk::is_destructive));
    if !destructive.is_empty() {
        let n = destructive.len();
        let _ = writeln!(
            head,
            "> [!CAUTION]\n> {n} destructive change{}: {} replace or delete stateful data, or break an immutable field.\n",
            if n == 1 { "" } else { "s" },
            if n == 1 { "it would" } else { "they would" },
        );
    }
    // Destructive changes first and open, then the others.
    let sections = |items: &[&(&Change, &[Risk])], open: bool| -> Vec<String> {
        items.iter().map(|(c, r)| section(c, r, open)).collect()
    };
    let (loud, quiet) = (sections(&destructive, true), sections(&rest, false));
    let whole = head.len() + loud.iter().chain(&quiet).map(String::len).sum::<usize>();
    if whole <= limit {
        return Markdown {
            text: head + &loud.concat() + &quiet.concat(),
            shortened: false,
        };
    }
    // Too long: as many whole destructive sections as fit, then every object as one line.
    let note = match full {
        Some(full) => format!("The full diff is in `{}`.", escape(full)),
        None => "Run `diff --format markdown` locally for the full diff.".to_owned(),
    };
    let mut text = head;
    let _ = writeln!(
        text,
        "The diff is longer than a comment allows: objects are listed without their fields. {note}\n"
    );
    let reserve = 200;
    let mut detailed = 0;
    for section in &loud {
        if text.len() + section.len() + reserve > limit {
            break;
        }
        text.push_str(section);
        detailed += 1;
    }
    let lines = destructive[detailed..]
        .iter()
        .chain(&rest)
        .map(|(change, risks)| {
            let k = change.key();
            let flag = if risks.iter().any(Risk::is_destructive) {
                " ⛔"
            } else if risks.is_empty() {
                ""
            } else {
                " ⚠️"
            };
            format!(
                "- {} <code>[{}] {}</code>{flag}\n",
                sign(change),
                escape(environment(k)),
                escape(&object(k))
            )
        });
    let mut listed = detailed;
    for line in lines {
        if text.len() + line.len() + reserve > limit {
            break;
        }
        text.push_str(&line);
        listed += 1;
    }
    if listed < changes.len() {
        let _ = writeln!(text, "\n… and {} more objects.", changes.len() - listed);
    }
    Markdown {
        text,
        shortened: true,
    }
}

/// The key's own fields, by target.
fn key_fields(key: &ObjectKey) -> Value {
    match key {
        ObjectKey::Kubernetes { key, .. } => value!({
            "apiVersion": key.api_version,
            "kind": key.kind,
            "namespace": key.namespace,
            "name": key.name,
        }),
        ObjectKey::CloudFormation { key, .. } => match key {
            girder_aws::diff::ObjectKey::Stack { stack } => {
                value!({"stack": stack, "part": "template"})
            }
            girder_aws::diff::ObjectKey::Resource {
                stack,
                logical_id,
                resource_type,
            } => value!({
                "stack": stack,
                "part": "resource",
                "logicalId": logical_id,
                "type": resource_type,
            }),
            girder_aws::diff::ObjectKey::Output { stack, name } => {
                value!({"stack": stack, "part": "output", "name": name})
            }
            other => value!({"part": "other", "description": other.to_string()}),
        },
        ObjectKey::Compose { key, .. } => value!({
            "section": key.section.as_str(),
            "name": key.name,
        }),
        ObjectKey::Document { path, index } => value!({"path": path, "index": index}),
    }
}

/// `report` as JSON, described by [`JSON_SCHEMA`].
pub fn json(report: &Report) -> Value {
    let changes: Vec<(&Change, &[Risk])> = report.entries().collect();
    let rows: Vec<Value> = summary(&changes)
        .into_iter()
        .map(|((env, target), [a, c, r, d])| {
            value!({
                "environment": env,
                "target": target.to_lowercase(),
                "added": a,
                "changed": c,
                "removed": r,
                "destructive": d,
            })
        })
        .collect();
    let items: Vec<Value> = changes
        .iter()
        .map(|(change, risks)| {
            let k = change.key();
            let fields: Vec<Value> = match change {
                Change::Changed(_, fields) => fields
                    .iter()
                    .map(|f| {
                        let mut field = serde_json::Map::new();
                        field.insert("path".into(), f.path.clone().into());
                        if let Some(old) = &f.old {
                            field.insert("old".into(), old.clone());
                        }
                        if let Some(new) = &f.new {
                            field.insert("new".into(), new.clone());
                        }
                        Value::Object(field)
                    })
                    .collect(),
                _ => Vec::new(),
            };
            value!({
                "change": match change {
                    Change::Added(_) => "added",
                    Change::Removed(_) => "removed",
                    Change::Changed(..) => "changed",
                },
                "environment": environment(k),
                "target": target(k).to_lowercase(),
                "object": object(k),
                "key": key_fields(k),
                "destructive": risks.iter().any(|r| r.is_destructive()),
                "risks": risks.iter().map(|r| value!({
                    "destructive": r.is_destructive(),
                    "message": r.to_string(),
                })).collect::<Vec<_>>(),
                "fields": fields,
            })
        })
        .collect();
    value!({
        "format": "girder-diff",
        "version": JSON_VERSION,
        "summary": {
            "added": report.added(),
            "changed": report.changed(),
            "removed": report.removed(),
            "destructive": report.destructive(),
        },
        "environments": rows,
        "changes": items,
        "wiring": {
            "added": report.wiring().added.iter().map(edge_json).collect::<Vec<_>>(),
            "removed": report.wiring().removed.iter().map(edge_json).collect::<Vec<_>>(),
        },
    })
}

/// An edge of the wiring graph in the JSON report.
fn edge_json(edge: &crate::graph::Edge) -> Value {
    serde_json::to_value(edge).unwrap_or(Value::Null)
}

/// The Markdown section of the wiring graph's changed edges: a Mermaid graph GitHub and GitLab
/// draw, or only the counts when the graph is too big for a comment.
fn wiring_section(report: &Report) -> String {
    let wiring = report.wiring();
    if wiring.is_empty() {
        return String::new();
    }
    let (a, r) = (wiring.added.len(), wiring.removed.len());
    let mut out = format!(
        "#### Wiring: {a} edge{} added, {r} removed\n\n",
        if a == 1 { "" } else { "s" }
    );
    let graph = wiring.mermaid();
    if graph.len() <= WIRING_LIMIT {
        let _ = writeln!(
            out,
            "Added edges are green, removed ones red and dashed.\n\n```mermaid\n{graph}```\n"
        );
    } else {
        let _ = writeln!(
            out,
            "Too many edges to draw in a comment: run `graph` on both versions.\n"
        );
    }
    out
}

/// The most characters of Mermaid a comment carries (a quarter of what a comment allows).
const WIRING_LIMIT: usize = COMMENT_LIMIT / 4;

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::diff::diff;

    /// One output file holding a Secret with `password` and a ConfigMap with `token`.
    fn output(password: &str, token: &str) -> BTreeMap<String, String> {
        let secret = format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: db, namespace: web}}\nstringData: {{password: {password}}}\n"
        );
        let config = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: api, namespace: web}}\ndata: {{API_TOKEN: {token}, mode: fast}}\n"
        );
        BTreeMap::from([(
            "prod/k8s/web.yaml".to_owned(),
            format!("{secret}---\n{config}"),
        )])
    }

    #[test]
    fn no_format_shows_a_secret_value() {
        let old = output(
            "hunter2-old-password",
            "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB",
        );
        let new = output(
            "hunter2-new-password",
            "ghp_ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zy",
        );
        let report = diff(&old, &new).expect("compares");
        assert_eq!(report.changed(), 2, "{report}");
        let texts = [
            report.to_string(),
            markdown(&report, None).text,
            json(&report).to_string(),
        ];
        for text in texts {
            for secret in ["hunter2", "ghp_"] {
                assert!(!text.contains(secret), "{secret} in:\n{text}");
            }
            assert!(text.contains("redacted"), "{text}");
        }
    }

    #[test]
    fn a_shortened_report_stays_under_its_limit_and_counts_what_it_left_out() {
        let mut old = BTreeMap::new();
        let mut new = BTreeMap::new();
        for i in 0..200 {
            let map = |mode: &str| {
                format!(
                    "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: map-{i}, namespace: web}}\ndata: {{mode: {mode}}}\n"
                )
            };
            old.insert(format!("prod/k8s/web-{i:03}.yaml"), map("slow"));
            new.insert(format!("prod/k8s/web-{i:03}.yaml"), map("fast"));
        }
        let report = diff(&old, &new).expect("compares");
        let whole = markdown_with_limit(&report, usize::MAX, None);
        assert!(!whole.shortened);
        let limit = 8_000;
        assert!(whole.text.len() > limit);
        let short = markdown_with_limit(&report, limit, Some("full-diff.md"));
        assert!(short.shortened);
        assert!(short.text.len() <= limit, "{}", short.text.len());
        assert!(short.text.contains("The full diff is in `full-diff.md`."));
        let listed = short.text.matches("v1 ConfigMap web/map-").count();
        assert!(
            short
                .text
                .contains(&format!("… and {} more objects.", 200 - listed)),
            "{}",
            short.text
        );
        // The summary always counts every change.
        assert!(
            short
                .text
                .contains("| prod | Kubernetes | 0 | 200 | 0 | 0 |")
        );
    }
}
