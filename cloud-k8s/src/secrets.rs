//! Secrets in Kubernetes output: every value of an object as it is written, read back from its
//! YAML, checked with [`girder_core::secrets`].
//!
//! The YAML is the text [`crate::emit`] wrote for the final object (after construct rendering,
//! typed edits, JSON patches and aspects), so nothing reaches a file without being looked at.
//! That emitter writes one block-style scalar per line, plain or double-quoted with JSON
//! escapes, which is all this reader understands; it needs no YAML parser and allocates only
//! for quoted strings and findings.
//!
//! What is checked: every string against the value rules (a URL with a password, a known key
//! format, a random-looking token); a map entry's value against its key (annotations, labels,
//! ConfigMap data, any field); an `env` item's `value` against its `name`; the words of `args`
//! and `command` as a command line (`--password=…`, `--token …`, `PGPASSWORD=… psql`); and
//! every entry of a `Secret`'s `data` and `stringData`, which is written in clear text (base64
//! is no encryption) and always reported. The names of External Secrets objects are not
//! checked: they name the keys of a secret store, and hold no value.
//!
//! ```
//! use girder_core::secrets::Suspicion;
//!
//! let yaml = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - env:\n    - name: DB_PASSWORD\n      value: hunter2\n    name: api\n";
//! let found = girder_k8s::secrets::scan("v1", "Pod", yaml, || "Pod shop/api".to_owned());
//! assert_eq!(found[0].field, "spec.containers[0].env[name=DB_PASSWORD].value");
//! assert_eq!(found[0].suspicion, Suspicion::Name("password"));
//! ```

use std::borrow::Cow;

use girder_core::secrets::{Finding, Suspicion, check_command, check_named, check_value};

/// What to use instead of a literal secret on Kubernetes.
pub const HINT: &str = "read it from a Secret the program does not write: declare it with `girder::secret!` and pass its key to `.env(..)` (a `secretKeyRef`), or sync it from a secret store with External Secrets";

/// Why a `Secret`'s data is always reported.
const SECRET_DATA: &str =
    "it is the data of a Kubernetes Secret written into the output (base64 is not encryption)";

/// Where a frame is in its parent.
enum Seg<'a> {
    /// A key as written: plain, or double-quoted.
    Key(&'a str),
    Item(usize),
}

/// One open map entry or sequence item, at the column of its key or dash. Scalars are kept
/// as written and unquoted only when checked: most are plain.
struct Frame<'a> {
    col: usize,
    seg: Seg<'a>,
    /// For an item: its `name` (or `key`) and its `value`, checked together when it ends.
    name: Option<&'a str>,
    value: Option<&'a str>,
}

struct Reader<'a, F: Fn() -> String> {
    stack: Vec<Frame<'a>>,
    /// The open `args` or `command` (its frame's index) and its items, checked as a command
    /// line when it ends.
    command: Option<(usize, Vec<&'a str>)>,
    /// A `Secret`: the entries of `data` and `stringData` are reported.
    secret: bool,
    /// Names are checked (not in External Secrets objects).
    names: bool,
    object: F,
    found: Vec<Finding>,
}

/// Checks one object written as `yaml` (one document, without `---`) by [`crate::emit`];
/// `object` describes it (`Deployment shop/api`) for the findings, only when there are some.
pub fn scan(
    api_version: &str,
    kind: &str,
    yaml: &str,
    object: impl Fn() -> String,
) -> Vec<Finding> {
    let mut reader = Reader {
        stack: Vec::new(),
        command: None,
        secret: kind == "Secret" && api_version == "v1",
        names: !api_version.starts_with("external-secrets.io/"),
        object,
        found: Vec::new(),
    };
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', yaml.as_bytes()) {
        reader.line(&yaml[start..end]);
        start = end + 1;
    }
    reader.line(&yaml[start..]);
    reader.close(0, false);
    reader.found
}

/// The end of the double-quoted string `text` starts with: the index of its closing quote.
fn quoted_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// The string a scalar holds: plain, or double-quoted with JSON escapes.
fn unquote(text: &str) -> Cow<'_, str> {
    if text.starts_with('"') {
        serde_json::from_str::<String>(text).map_or(Cow::Borrowed(text), Cow::Owned)
    } else {
        Cow::Borrowed(text)
    }
}

/// A line's content after its dashes: a key (as written) with or without a scalar, or a
/// scalar alone.
fn split_entry(rest: &str) -> (Option<&str>, Option<&str>) {
    if rest.starts_with('"') {
        if let Some(end) = quoted_end(rest)
            && let Some(after) = rest[end + 1..].strip_prefix(':')
        {
            let value = after.strip_prefix(' ').filter(|v| !v.is_empty());
            return (Some(&rest[..=end]), value);
        }
        return (None, Some(rest));
    }
    // A plain key ends at the first `: ` (a plain scalar never holds one).
    let bytes = rest.as_bytes();
    if let Some(at) =
        (0..bytes.len().saturating_sub(1)).find(|&i| bytes[i] == b':' && bytes[i + 1] == b' ')
    {
        return (Some(&rest[..at]), Some(&rest[at + 2..]));
    }
    match rest.strip_suffix(':') {
        Some(key) => (Some(key), None),
        None => (None, Some(rest)),
    }
}

impl<'a, F: Fn() -> String> Reader<'a, F> {
    fn line(&mut self, line: &'a str) {
        let indent = line.bytes().take_while(|&b| b == b' ').count();
        let mut col = indent;
        let mut rest = &line[indent..];
        while let Some(after) = rest.strip_prefix("- ") {
            self.dash(col);
            col += 2;
            rest = after;
        }
        if rest == "-" {
            self.dash(col);
            return;
        }
        if rest.is_empty() {
            return;
        }
        match split_entry(rest) {
            (Some(key), value) => {
                self.key(col, key);
                if let Some(value) = value {
                    self.scalar(value, true);
                }
            }
            (None, Some(value)) => self.scalar(value, false),
            (None, None) => {}
        }
    }

    /// A `- ` at `col`: the next item of the sequence there, or its first.
    fn dash(&mut self, col: usize) {
        self.close(col + 1, false);
        let next = match self.stack.last() {
            Some(Frame {
                col: c,
                seg: Seg::Item(i),
                ..
            }) if *c == col => Some(i + 1),
            _ => None,
        };
        if next.is_some() {
            self.close(col, true);
        }
        self.push(col, Seg::Item(next.unwrap_or(0)));
    }

    /// A key at `col`: the next entry of the map there, or its first.
    fn key(&mut self, col: usize, key: &'a str) {
        self.close(col + 1, false);
        // A sequence under the previous key has its dashes at the key's column.
        while matches!(self.stack.last(), Some(f) if f.col == col && matches!(f.seg, Seg::Item(_)))
        {
            self.close(col, true);
        }
        if matches!(self.stack.last(), Some(f) if f.col == col) {
            self.close(col, true);
        }
        if (key == "args" || key == "command") && self.command.is_none() {
            self.command = Some((self.stack.len(), Vec::new()));
        }
        self.push(col, Seg::Key(key));
    }

    fn push(&mut self, col: usize, seg: Seg<'a>) {
        self.stack.push(Frame {
            col,
            seg,
            name: None,
            value: None,
        });
    }

    /// Ends the frames at `col` or deeper (only the last one at `col` when `one` is set).
    fn close(&mut self, col: usize, one: bool) {
        while let Some(frame) = self.stack.last() {
            if frame.col < col {
                return;
            }
            let Some(frame) = self.stack.pop() else {
                return;
            };
            self.finish(frame);
            if one {
                return;
            }
        }
    }

    /// Checks what a frame collected: an item's `value` against its `name`, a command line.
    fn finish(&mut self, frame: Frame<'a>) {
        if let Some(value) = frame.value {
            let value = unquote(value);
            let name = frame.name.map(unquote);
            let name = name.as_deref();
            let suspicion = if self.names {
                check_named(name.unwrap_or("value"), &value)
            } else {
                check_value(&value)
            };
            if let Some(suspicion) = suspicion {
                let item = match (name, &frame.seg) {
                    (Some(name), _) => format!("[name={name}]"),
                    (None, Seg::Item(i)) => format!("[{i}]"),
                    (None, Seg::Key(_)) => String::new(),
                };
                let field = format!("{}{item}.value", self.path());
                self.report(field, name.map(str::to_owned), suspicion);
            }
        }
        if matches!(self.command, Some((at, _)) if at == self.stack.len())
            && let (Some((_, words)), Seg::Key(key)) = (self.command.take(), &frame.seg)
            && self.names
        {
            let words: Vec<Cow<'_, str>> = words.into_iter().map(unquote).collect();
            let words: Vec<&str> = words.iter().map(|w| w.as_ref()).collect();
            let path = self.path();
            let dot = if path.is_empty() { "" } else { "." };
            for (i, flag, suspicion) in check_command(&words) {
                let field = format!("{path}{dot}{key}[{i}]");
                self.report(field, Some(flag.to_owned()), suspicion);
            }
        }
    }

    /// A scalar: the value of the key just read (`keyed`), or an item of a sequence.
    fn scalar(&mut self, text: &'a str, keyed: bool) {
        if matches!(text, "{}" | "[]" | "null") {
            return;
        }
        let depth = self.stack.len();
        if !keyed {
            // An item of `args` or `command`.
            if let Some((at, words)) = &mut self.command
                && *at + 2 == depth
            {
                words.push(text);
            }
            if let Some(suspicion) = check_value(&unquote(text)) {
                let field = self.path();
                self.report(field, None, suspicion);
            }
            return;
        }
        let Some(Frame {
            seg: Seg::Key(key), ..
        }) = self.stack.last()
        else {
            return;
        };
        let key = *key;
        if self.secret && depth == 2 && matches!(self.stack[0].seg, Seg::Key("data" | "stringData"))
        {
            let field = self.path();
            let key = unquote(key).into_owned();
            self.report(field, Some(key), Suspicion::Place(SECRET_DATA));
            return;
        }
        // An item's `name` and `value` are checked together when the item ends.
        if depth >= 2
            && let Some(item) = self.stack.get_mut(depth - 2)
            && matches!(item.seg, Seg::Item(_))
        {
            match key {
                "name" | "key" | "Name" | "Key" => item.name = Some(text),
                "value" | "Value" => {
                    item.value = Some(text);
                    return;
                }
                _ => {}
            }
        }
        let value = unquote(text);
        let suspicion = if self.names {
            check_named(&unquote(key), &value)
        } else {
            check_value(&value)
        };
        if let Some(suspicion) = suspicion {
            let field = self.path();
            self.report(field, Some(unquote(key).into_owned()), suspicion);
        }
    }

    /// The path of the innermost frame: `spec.template.spec.containers[0].args[2]`.
    fn path(&self) -> String {
        let mut path = String::new();
        for frame in &self.stack {
            match &frame.seg {
                Seg::Key(key) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&unquote(key));
                }
                Seg::Item(i) => {
                    path.push('[');
                    path.push_str(&i.to_string());
                    path.push(']');
                }
            }
        }
        path
    }

    fn report(&mut self, field: String, name: Option<String>, suspicion: Suspicion) {
        self.found.push(Finding {
            object: (self.object)(),
            field,
            name,
            suspicion,
            hint: HINT,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::to_yaml;
    use serde_json::json;

    fn found(api_version: &str, kind: &str, value: &serde_json::Value) -> Vec<(String, Suspicion)> {
        let mut yaml = String::new();
        to_yaml(&mut yaml, value).expect("written");
        scan(api_version, kind, &yaml, || "Thing x".to_owned())
            .into_iter()
            .map(|f| (f.field, f.suspicion))
            .collect()
    }

    #[test]
    fn env_values_are_checked_against_their_names() {
        let pod = json!({"spec": {"containers": [
            {"env": [
                {"name": "LOG_LEVEL", "value": "info"},
                {"value": "hunter2", "name": "DB_PASSWORD"},
                {"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {"key": "token", "name": "api"}}},
                {"name": "DATABASE_URL", "value": "postgres://app:hunter2@db/app"}
            ], "name": "api"}
        ]}});
        assert_eq!(
            found("v1", "Pod", &pod),
            [
                (
                    "spec.containers[0].env[name=DB_PASSWORD].value".to_owned(),
                    Suspicion::Name("password")
                ),
                (
                    "spec.containers[0].env[name=DATABASE_URL].value".to_owned(),
                    Suspicion::UrlPassword
                ),
            ]
        );
    }

    #[test]
    fn annotations_labels_and_any_field_are_checked_against_their_keys() {
        let object = json!({"metadata": {
            "annotations": {"example.com/db-password": "hunter2", "note": "fine"},
            "labels": {"api-token": "abc123"},
            "name": "x"
        }, "spec": {"auth": {"clientSecret": "s3cr3t"}, "token": "${TOKEN}"}});
        assert_eq!(
            found("example.com/v1", "Thing", &object),
            [
                (
                    "metadata.annotations.example.com/db-password".to_owned(),
                    Suspicion::Name("password")
                ),
                (
                    "metadata.labels.api-token".to_owned(),
                    Suspicion::Name("token")
                ),
                (
                    "spec.auth.clientSecret".to_owned(),
                    Suspicion::Name("secret")
                ),
            ]
        );
    }

    #[test]
    fn args_and_command_are_read_as_command_lines() {
        let pod = json!({"spec": {"containers": [{
            "args": ["--port=8080", "--db-password", "hunter2", "--password=$(DB_PASSWORD)"],
            "command": ["sh", "-c", "PGPASSWORD=hunter2 pg_dump"],
            "name": "api"
        }]}});
        assert_eq!(
            found("v1", "Pod", &pod),
            [
                (
                    "spec.containers[0].args[2]".to_owned(),
                    Suspicion::Name("password")
                ),
                (
                    "spec.containers[0].command[2]".to_owned(),
                    Suspicion::Name("password")
                ),
            ]
        );
    }

    #[test]
    fn every_entry_of_a_secret_is_reported() {
        let secret = json!({"apiVersion": "v1", "data": {"a": "aHVudGVyMg=="}, "kind": "Secret",
            "metadata": {"name": "db"}, "stringData": {"b": "x"}, "type": "Opaque"});
        let entries = found("v1", "Secret", &secret);
        assert_eq!(entries.len(), 2, "{entries:?}");
        assert_eq!(entries[0].0, "data.a");
        assert_eq!(entries[1].0, "stringData.b");
        assert!(matches!(entries[0].1, Suspicion::Place(_)));
        // A ConfigMap's data is only checked like any field.
        let config = json!({"data": {"a": "aHVudGVyMg==", "LOG_LEVEL": "info"}});
        assert_eq!(found("v1", "ConfigMap", &config), []);
    }

    #[test]
    fn external_secrets_name_keys_of_a_store_and_values_are_still_checked() {
        let external = json!({"spec": {"data": [
            {"remoteRef": {"key": "shop/db", "property": "password"}, "secretKey": "password"}
        ], "target": {"template": {"data": {"url": "postgres://a:hunter2@db/x"}}}}});
        assert_eq!(
            found("external-secrets.io/v1", "ExternalSecret", &external),
            [(
                "spec.target.template.data.url".to_owned(),
                Suspicion::UrlPassword
            )]
        );
    }

    #[test]
    fn quoted_keys_and_values_nested_lists_and_empty_values_are_read() {
        let object = json!({
            "a": {"x: y": "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "e": {}, "f": []},
            "b": [["AKIAIOSFODNN7EXAMPLE"], [{"k": "v"}]],
            "c": "line one\nclient_secret: \"quoted\"",
            "d": [{"name": "x", "password": "true"}, {"name": "y", "password": "1"}]
        });
        assert_eq!(
            found("v1", "Thing", &object),
            [
                ("a.x: y".to_owned(), Suspicion::Format("a GitHub token")),
                (
                    "b[0][0]".to_owned(),
                    Suspicion::Format("an AWS access key ID")
                ),
                ("d[1].password".to_owned(), Suspicion::Name("password")),
            ]
        );
    }

    #[test]
    fn no_finding_says_the_value() {
        let pod = json!({"spec": {"containers": [{"env": [{"name": "TOKEN", "value": "canary-8d1e"}], "name": "api"}]}});
        let mut yaml = String::new();
        to_yaml(&mut yaml, &pod).expect("written");
        let found = scan("v1", "Pod", &yaml, || "Pod x".to_owned());
        assert_eq!(found.len(), 1);
        assert!(!format!("{found:?}").contains("canary-8d1e"));
    }
}
