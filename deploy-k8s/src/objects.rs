//! The program's objects for one environment, as JSON, with what the deployer needs to know of
//! each: its identity, kind, phase and ApplySet.

use std::collections::{BTreeMap, BTreeSet};

use girder_k8s::diff::ObjectKey;
use girder_synth::Assembly;
use girder_synth::remote::Selection;
use serde_json::Value;

use crate::applyset::{GroupKind, Parent, label_member};
use crate::phase::{Phase, phase_of};

/// Why the program's objects could not be prepared.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum ObjectsError {
    /// An object could not be turned into JSON.
    #[error("{object}: cannot be serialized to JSON")]
    Serialize {
        object: String,
        #[source]
        source: serde_json::Error,
    },
    /// Two objects of the program have the same identity.
    #[error("{key} is emitted twice")]
    Duplicate { key: ObjectKey },
}

/// Who an object is to the API server, whatever its version: what pruning compares.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Identity {
    /// Its group and kind.
    pub(crate) gk: GroupKind,
    /// Its namespace, empty when cluster-scoped.
    pub(crate) namespace: String,
    /// Its name.
    pub(crate) name: String,
}

/// One of the program's objects.
#[derive(Debug, Clone)]
pub(crate) struct Desired {
    /// Its key in reports.
    pub(crate) key: ObjectKey,
    /// Its phase.
    pub(crate) phase: Phase,
    /// The object, labelled as a member of its ApplySet.
    pub(crate) value: Value,
    /// The ApplySet it belongs to.
    pub(crate) parent: Parent,
}

impl Desired {
    /// Its group and kind.
    pub(crate) fn gk(&self) -> GroupKind {
        GroupKind::of(&self.key.api_version, &self.key.kind)
    }

    /// Its identity.
    pub(crate) fn identity(&self) -> Identity {
        Identity {
            gk: self.gk(),
            namespace: self.key.namespace.clone(),
            name: self.key.name.clone(),
        }
    }
}

/// The environments of `assembly` that `selection` selects and have Kubernetes objects, each
/// with its objects in render order.
pub(crate) fn environments(
    assembly: &Assembly,
    selection: &Selection,
) -> Result<BTreeMap<String, Vec<Desired>>, ObjectsError> {
    let app = assembly.manifest.app.as_str();
    let mut envs: BTreeMap<String, Vec<Desired>> = BTreeMap::new();
    let mut seen: BTreeSet<(String, Identity)> = BTreeSet::new();
    for object in &assembly.kubernetes {
        if !selection.includes(&object.env) {
            continue;
        }
        let manifest = object.manifest.object();
        let mut value = manifest
            .to_value()
            .map_err(|source| ObjectsError::Serialize {
                object: object.manifest.describe(),
                source,
            })?;
        let namespace = if manifest.cluster_scoped() {
            String::new()
        } else {
            manifest.meta().namespace.clone().unwrap_or_default()
        };
        let key = ObjectKey::of(&value).map(|mut key| {
            key.namespace = namespace.clone();
            key
        });
        let Some(key) = key else {
            // Girder's checks name every object; one without a name cannot be applied.
            return Err(ObjectsError::Serialize {
                object: object.manifest.describe(),
                source: serde::de::Error::custom("the object has no apiVersion, kind or name"),
            });
        };
        let parent = if namespace.is_empty() {
            Parent::cluster(app, &object.env)
        } else {
            Parent::namespaced(app, &object.env, &namespace)
        };
        label_member(&mut value, &parent.id);
        crate::unchanged::stamp(&mut value);
        let gk = GroupKind::of(&key.api_version, &key.kind);
        let desired = Desired {
            phase: phase_of(&gk.group, &gk.kind),
            key,
            value,
            parent,
        };
        if !seen.insert((object.env.clone(), desired.identity())) {
            return Err(ObjectsError::Duplicate { key: desired.key });
        }
        envs.entry(object.env.clone()).or_default().push(desired);
    }
    Ok(envs)
}
