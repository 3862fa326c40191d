//! The Compose half of `girder diff`: how a `compose.yaml` splits into keyed objects, what
//! updating or removing one risks, and which of its values a report hides.
//!
//! * A Compose file splits into its services, networks, volumes, configs and secrets, each
//!   keyed by its section and name ([`ObjectKey`]), and the rest of the file (`name`, `x-…`
//!   extensions), keyed by its top-level field ([`Section::Field`]).
//! * A named volume holds a service's data: removing it from the file (or renaming it, which is
//!   a removal and an addition) starts its services on an empty volume, and changing what
//!   Compose creates it as (`name`, `driver`, `driver_opts`, `external`) makes Compose refuse
//!   the existing one or use another. Both are destructive [`Risk`]s. Everything else (a
//!   service's image, its environment, a network) is a plain change: `docker compose up -d`
//!   recreates the containers.
//! * [`redact`] hides literal values under names that say "secret" (an `environment` entry
//!   `DB_PASSWORD: hunter2`), the value after a secret flag in a command, and any string that
//!   carries a credential itself; `${VAR:?…}` interpolations are references, shown as they are.
//!
//! ```
//! use girder_compose::diff::{ObjectKey, Section, objects, removal_risk};
//! use serde_json::json;
//!
//! let file = json!({"name": "shop-dev",
//!     "services": {"db": {"image": "postgres:16", "volumes": [{"type": "volume", "source": "db-data", "target": "/data"}]}},
//!     "volumes": {"db-data": null}});
//! let parts = objects(file.as_object().unwrap().clone());
//! let keys: Vec<String> = parts.iter().map(|(key, _)| key.to_string()).collect();
//! assert_eq!(keys, ["compose/field name", "compose/service db", "compose/volume db-data"]);
//! let volume = ObjectKey::new(Section::Volume, "db-data");
//! assert!(removal_risk(&volume).is_some_and(|risk| risk.is_destructive()));
//! assert!(removal_risk(&ObjectKey::new(Section::Service, "db")).is_none());
//! ```

use std::fmt;

use girder_core::secrets::{REDACTED, check_text, hides_value_of, is_not_literal, redact_command};
use serde_json::{Map, Value};

/// A part of a Compose file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Section {
    /// A top-level field that is no section of named elements (`name`, an `x-…` extension).
    Field,
    /// A service (`services.<name>`).
    Service,
    /// A network (`networks.<name>`).
    Network,
    /// A named volume (`volumes.<name>`).
    Volume,
    /// A config (`configs.<name>`).
    Config,
    /// A secret (`secrets.<name>`).
    Secret,
}

impl Section {
    /// The section of top-level field `field`, `None` for a field that is no section.
    fn of(field: &str) -> Option<Section> {
        Some(match field {
            "services" => Section::Service,
            "networks" => Section::Network,
            "volumes" => Section::Volume,
            "configs" => Section::Config,
            "secrets" => Section::Secret,
            _ => return None,
        })
    }

    /// The section's name as keys show it: `service`, `volume`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Field => "field",
            Section::Service => "service",
            Section::Network => "network",
            Section::Volume => "volume",
            Section::Config => "config",
            Section::Secret => "secret",
        }
    }
}

/// The identity of a part of a Compose file: its section and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub struct ObjectKey {
    /// The section.
    pub section: Section,
    /// The element's name, or the top-level field's for [`Section::Field`].
    pub name: String,
}

impl ObjectKey {
    /// The key of element `name` of `section`.
    pub fn new(section: Section, name: impl Into<String>) -> ObjectKey {
        ObjectKey {
            section,
            name: name.into(),
        }
    }
}

impl fmt::Display for ObjectKey {
    /// `compose/service api`, `compose/volume db-data`, `compose/field name`: as `manifest.json`
    /// lists a Compose file's objects.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "compose/{} {}", self.section.as_str(), self.name)
    }
}

/// Whether the file at `path` (relative, `/`-separated) is a Compose file Girder wrote:
/// `<env>/compose/compose.yaml`.
pub fn is_compose_file(path: &str) -> bool {
    let (dirs, file) = path.rsplit_once('/').unwrap_or(("", path));
    let dir = dirs.rsplit_once('/').map_or(dirs, |(_, d)| d);
    file == crate::FILE && dir == crate::DIR
}

/// The parts of the Compose file `file`, keyed, in key order. An element without a body
/// (`db-data:` alone) is `null`.
pub fn objects(file: Map<String, Value>) -> Vec<(ObjectKey, Value)> {
    let mut parts = Vec::new();
    for (field, value) in file {
        match (Section::of(&field), value) {
            (Some(section), Value::Object(elements)) => parts.extend(
                elements
                    .into_iter()
                    .map(|(name, element)| (ObjectKey::new(section, name), element)),
            ),
            // A section that is not a map is kept whole, as any other field.
            (_, value) => parts.push((ObjectKey::new(Section::Field, field), value)),
        }
    }
    parts.sort_by(|a, b| a.0.cmp(&b.0));
    parts
}

/// Why applying a change of a Compose file loses data. Every one is destructive
/// ([`Risk::is_destructive`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Risk {
    /// A named volume leaves the file (removed or renamed): its services start on an empty
    /// volume, and the old one's data is orphaned.
    VolumeRemoved {
        /// The volume's name in the file.
        name: String,
    },
    /// What Compose creates a named volume as changed: Compose refuses the existing volume,
    /// or uses another, empty one.
    VolumeReplaced {
        /// The volume's name in the file.
        name: String,
        /// The changed fields (`driver`).
        fields: Vec<String>,
    },
}

impl Risk {
    /// Whether the change loses data: always, for a Compose risk.
    pub fn is_destructive(&self) -> bool {
        true
    }
}

impl fmt::Display for Risk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Risk::VolumeRemoved { name } => write!(
                f,
                "named volume `{name}` leaves the project: its services start on an empty \
                 volume, and its data is orphaned (deleted by `docker compose down -v` or \
                 `docker volume prune`); a rename is a new, empty volume"
            ),
            Risk::VolumeReplaced { name, fields } => write!(
                f,
                "{} of named volume `{name}` changed: Compose refuses the existing volume or \
                 creates another, empty one; move the data first",
                fields.join(", ")
            ),
        }
    }
}

/// The fields of a named volume that decide which volume Compose uses and how it creates it.
const VOLUME_IDENTITY: [&str; 4] = ["name", "driver", "driver_opts", "external"];

/// The risks of updating the part `key` from `old` to `new`.
pub fn update_risks(key: &ObjectKey, old: &Value, new: &Value) -> Vec<Risk> {
    if key.section != Section::Volume {
        return Vec::new();
    }
    let fields: Vec<String> = VOLUME_IDENTITY
        .iter()
        .filter(|field| old.get(**field) != new.get(**field))
        .map(|field| (*field).to_owned())
        .collect();
    if fields.is_empty() {
        return Vec::new();
    }
    vec![Risk::VolumeReplaced {
        name: key.name.clone(),
        fields,
    }]
}

/// The risk of removing the part `key`, `None` when its removal loses nothing.
pub fn removal_risk(key: &ObjectKey) -> Option<Risk> {
    (key.section == Section::Volume).then(|| Risk::VolumeRemoved {
        name: key.name.clone(),
    })
}

/// Replaces every secret value of the part `value` with [`REDACTED`], keeping its shape: a
/// literal under a name that says "secret" (an `environment` entry, as a map or as a
/// `NAME=value` list item), the value after a secret flag in a command, and any string that
/// carries a credential itself. References (`${VAR:?…}`) are no values, and stay.
pub fn redact(value: &mut Value) {
    redact_below(value, false);
}

fn redact_below(value: &mut Value, named: bool) {
    match value {
        Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                redact_below(field, named || hides_value_of(key));
            }
        }
        Value::Array(items) => {
            // `environment` as a list: `NAME=value`, redacted as `NAME=<redacted>`.
            let mut listed = Vec::new();
            for (at, item) in items.iter_mut().enumerate() {
                if let Some((name, literal)) = item.as_str().and_then(|s| s.split_once('='))
                    && hides_value_of(name)
                    && !is_not_literal(literal)
                {
                    *item = Value::from(format!("{name}={REDACTED}"));
                    listed.push(at);
                }
            }
            if listed.is_empty() {
                redact_command(items, Value::as_str, || Value::from(REDACTED));
            }
            for (at, item) in items.iter_mut().enumerate() {
                if !listed.contains(&at) {
                    redact_below(item, named);
                }
            }
        }
        Value::String(s) if (named && !is_not_literal(s)) || check_text(s).is_some() => {
            *value = Value::from(REDACTED);
        }
        Value::Number(_) if named => *value = Value::from(REDACTED),
        _ => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn compose_files_are_found_by_path() {
        assert!(is_compose_file("dev/compose/compose.yaml"));
        assert!(!is_compose_file("dev/k8s/compose.yaml"));
        assert!(!is_compose_file("dev/compose/Caddyfile"));
    }

    #[test]
    fn a_file_splits_into_sections_and_the_rest() {
        let file = json!({
            "name": "shop-dev",
            "x-note": {"a": 1},
            "services": {"api": {"image": "a:1"}, "db": {"image": "postgres:16"}},
            "networks": {"db": {"internal": true}, "egress": null},
            "volumes": {"db-data": null},
            "configs": {"caddyfile": {"file": "Caddyfile"}},
        });
        let keys: Vec<String> = objects(file.as_object().unwrap().clone())
            .into_iter()
            .map(|(k, _)| k.to_string())
            .collect();
        assert_eq!(
            keys,
            [
                "compose/field name",
                "compose/field x-note",
                "compose/service api",
                "compose/service db",
                "compose/network db",
                "compose/network egress",
                "compose/volume db-data",
                "compose/config caddyfile",
            ]
        );
    }

    #[test]
    fn volumes_carry_the_risks() {
        let volume = ObjectKey::new(Section::Volume, "db-data");
        let risks = update_risks(&volume, &json!(null), &json!({"driver": "nfs"}));
        assert_eq!(
            risks,
            [Risk::VolumeReplaced {
                name: "db-data".into(),
                fields: vec!["driver".into()]
            }]
        );
        assert!(update_risks(&volume, &json!({"labels": {}}), &json!(null)).is_empty());
        let service = ObjectKey::new(Section::Service, "api");
        assert!(
            update_risks(&service, &json!({"image": "a:1"}), &json!({"image": "a:2"})).is_empty()
        );
        assert!(removal_risk(&service).is_none());
        assert!(removal_risk(&ObjectKey::new(Section::Network, "db")).is_none());
    }

    #[test]
    fn secret_literals_are_redacted_and_references_kept() {
        let mut service = json!({
            "environment": {
                "DB_PASSWORD": "hunter2",
                "API_TOKEN": "${TOKENS_API:?set TOKENS_API}",
                "LOG_LEVEL": "info",
            },
            "command": ["--password", "hunter2", "--port", "5432"],
        });
        redact(&mut service);
        assert_eq!(service["environment"]["DB_PASSWORD"], REDACTED);
        assert_eq!(
            service["environment"]["API_TOKEN"],
            "${TOKENS_API:?set TOKENS_API}"
        );
        assert_eq!(service["environment"]["LOG_LEVEL"], "info");
        assert_eq!(
            service["command"],
            json!(["--password", REDACTED, "--port", "5432"])
        );
        let mut listed = json!({"environment": ["DB_PASSWORD=hunter2", "LOG_LEVEL=info"]});
        redact(&mut listed);
        assert_eq!(
            listed["environment"],
            json!([format!("DB_PASSWORD={REDACTED}"), "LOG_LEVEL=info"])
        );
    }
}
