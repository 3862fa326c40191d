//! Telling, from the live object alone, that applying the program's object would change
//! nothing, so that a redeploy of an unchanged program sends no request per object.
//!
//! Every object Girder applies carries [`HASH_ANNOTATION`], the SHA-256 of the object as the
//! program made it. A live object is unchanged when it *contains* the program's object: every
//! field the program sets has the same value live (fields the server or other tools added are
//! ignored), the annotation included. The annotation catches what containment cannot: a field
//! the program no longer sets, which server-side apply would remove. A field the program sets
//! to its zero value (`0`, `false`, `""`) may be absent live, as the API server drops zero
//! values of fields that have no pointer type (`initialDelaySeconds: 0`), but only where
//! Girder's apply still owns it (its managed fields): a field another tool removed is a change.
//! Anything else (a value another tool changed, a quantity the server normalized) falls through
//! to a dry run.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The annotation holding the SHA-256 of the object as the program made it.
pub const HASH_ANNOTATION: &str = "girder.dev/applied-hash";

/// Stamps `object` with the hash of what it is now, without a previous stamp (its
/// [`HASH_ANNOTATION`]).
pub(crate) fn stamp(object: &mut Value) {
    if let Some(annotations) = object
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
        .and_then(Value::as_object_mut)
    {
        annotations.remove(HASH_ANNOTATION);
    }
    let Ok(bytes) = serde_json::to_vec(&*object) else {
        return;
    };
    let hash: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let annotations = metadata
        .entry("annotations")
        .or_insert_with(|| Value::Object(Default::default()));
    if let Value::Object(annotations) = annotations {
        annotations.insert(HASH_ANNOTATION.to_owned(), Value::String(hash));
    }
}

/// Whether applying `desired` (stamped) would leave `live` as it is: `live` contains it, as the
/// module docs say.
pub(crate) fn unchanged(live: &Value, desired: &Value) -> bool {
    contains(live, desired, girders_fields(live))
}

/// The fields Girder's apply owns in `live` (its `managedFields` entry, in the `FieldsV1`
/// format: `f:<field>`, `k:<list key as JSON>`, `v:<set value as JSON>`, `i:<index>`).
fn girders_fields(live: &Value) -> Option<&Value> {
    live["metadata"]["managedFields"]
        .as_array()?
        .iter()
        .find(|entry| {
            entry["manager"] == crate::apply::FIELD_MANAGER
                && entry["operation"] == "Apply"
                && entry["fieldsType"] == "FieldsV1"
        })
        .map(|entry| &entry["fieldsV1"])
}

/// Whether `live` holds every field of `desired` with the same value: maps may have more keys
/// live, lists must have the same length and contain the desired elements in order, a `null`
/// the program sets matches an absent field, and so does a zero value where `owned` (the
/// managed fields at this place) says Girder's apply owns the field.
fn contains(live: &Value, desired: &Value, owned: Option<&Value>) -> bool {
    match (live, desired) {
        (Value::Object(live), Value::Object(desired)) => desired.iter().all(|(k, d)| {
            let owned = owned.and_then(|o| o.get(format!("f:{k}")));
            match live.get(k) {
                Some(l) => contains(l, d, owned),
                None => d.is_null() || (is_zero(d) && owned.is_some()),
            }
        }),
        (Value::Array(live), Value::Array(desired)) => {
            live.len() == desired.len()
                && live
                    .iter()
                    .zip(desired)
                    .enumerate()
                    .all(|(i, (l, d))| contains(l, d, owned.and_then(|o| element(o, i, d))))
        }
        (live, desired) => live == desired,
    }
}

/// The managed fields of the list element `element` at index `index`, in the managed fields
/// `owned` of its list: by its key fields (`k:{"name":"app"}`), its value (`v:"ALL"`) or its
/// index (`i:0`).
fn element<'o>(owned: &'o Value, index: usize, element: &Value) -> Option<&'o Value> {
    let entries = owned.as_object()?;
    if let Some(found) = entries.get(&format!("i:{index}")) {
        return Some(found);
    }
    if let Ok(value) = serde_json::to_string(element)
        && let Some(found) = entries.get(&format!("v:{value}"))
    {
        return Some(found);
    }
    entries.iter().find_map(|(name, found)| {
        let keys: serde_json::Map<String, Value> =
            serde_json::from_str(name.strip_prefix("k:")?).ok()?;
        keys.iter()
            .all(|(k, v)| element.get(k) == Some(v))
            .then_some(found)
    })
}

/// Whether `value` is a zero value the API server may drop.
fn is_zero(value: &Value) -> bool {
    match value {
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Null => true,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn deployment(image: &str) -> Value {
        let mut object = json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "api", "namespace": "web", "labels": {"app": "api"}},
            "spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}},
        });
        stamp(&mut object);
        object
    }

    /// The object as an API server stores it: defaults and server metadata added.
    fn stored(desired: &Value) -> Value {
        let mut live = desired.clone();
        live["metadata"]["uid"] = json!("1234");
        live["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = json!("1");
        live["spec"]["replicas"] = json!(1);
        live["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] =
            json!("IfNotPresent");
        live["status"] = json!({"replicas": 1});
        live
    }

    #[test]
    fn an_applied_object_with_server_defaults_is_unchanged() {
        let desired = deployment("api:1");
        assert!(unchanged(&stored(&desired), &desired));
    }

    #[test]
    fn a_changed_value_a_removed_field_or_a_changed_list_is_not() {
        let live = stored(&deployment("api:1"));
        assert!(!unchanged(&live, &deployment("api:2")));

        // The program no longer sets the label: containment alone would miss it.
        let mut fewer = deployment("api:1");
        fewer["metadata"]["labels"] = json!({});
        stamp(&mut fewer);
        assert!(contains(
            &live["metadata"]["labels"],
            &fewer["metadata"]["labels"],
            None
        ));
        assert!(!unchanged(&live, &fewer), "the hash differs");

        // Another tool changed the image the program sets.
        let mut edited = live.clone();
        edited["spec"]["template"]["spec"]["containers"][0]["image"] = json!("api:9");
        assert!(!unchanged(&edited, &deployment("api:1")));

        // A container added live.
        let mut more = live;
        if let Some(containers) = more["spec"]["template"]["spec"]["containers"].as_array_mut() {
            containers.push(json!({"name": "sidecar"}));
        }
        assert!(!unchanged(&more, &deployment("api:1")));
    }

    #[test]
    fn a_zero_value_may_be_absent_only_where_girders_apply_owns_it() {
        let mut desired = deployment("api:1");
        desired["spec"]["template"]["spec"]["automountServiceAccountToken"] = json!(false);
        desired["spec"]["template"]["spec"]["containers"][0]["livenessProbe"] =
            json!({"initialDelaySeconds": 0});
        stamp(&mut desired);
        // The server dropped the probe's zero delay (no pointer type); Girder owns both fields.
        let mut live = stored(&desired);
        if let Some(probe) =
            live["spec"]["template"]["spec"]["containers"][0]["livenessProbe"].as_object_mut()
        {
            probe.remove("initialDelaySeconds");
        }
        live["metadata"]["managedFields"] = json!([{
            "manager": "girder",
            "operation": "Apply",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:spec": {"f:template": {"f:spec": {
                "f:automountServiceAccountToken": {},
                "f:containers": {"k:{\"name\":\"app\"}": {
                    ".": {}, "f:name": {}, "f:image": {},
                    "f:livenessProbe": {"f:initialDelaySeconds": {}},
                }},
            }}}},
        }]);
        assert!(unchanged(&live, &desired));

        // Another tool removed `automountServiceAccountToken: false` (its default is true):
        // Girder no longer owns it, so it is a change.
        let mut removed = live.clone();
        if let Some(spec) = removed["spec"]["template"]["spec"].as_object_mut() {
            spec.remove("automountServiceAccountToken");
        }
        if let Some(owned) =
            removed["metadata"]["managedFields"][0]["fieldsV1"]["f:spec"]["f:template"]["f:spec"]
                .as_object_mut()
        {
            owned.remove("f:automountServiceAccountToken");
        }
        assert!(!unchanged(&removed, &desired));

        // Without managed fields, nothing absent is taken for a zero.
        let mut unmanaged = live;
        if let Some(metadata) = unmanaged["metadata"].as_object_mut() {
            metadata.remove("managedFields");
        }
        assert!(!unchanged(&unmanaged, &desired));
    }

    #[test]
    fn the_hash_follows_the_object() {
        let (a, b) = (deployment("api:1"), deployment("api:1"));
        assert_eq!(a, b);
        assert_ne!(
            a["metadata"]["annotations"][HASH_ANNOTATION],
            deployment("api:2")["metadata"]["annotations"][HASH_ANNOTATION]
        );
    }
}
