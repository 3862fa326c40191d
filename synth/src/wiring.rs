//! The checks of the final Kubernetes objects, run as objects stream through synthesis: a thin
//! hand-off to [`girder_k8s::rules::Checker`], which owns every Kubernetes rule (pod security,
//! names and namespaces, API versions, NetworkPolicy reasoning, selectors, reachability).
//!
//! The serializing thread feeds each object as it is written, after the program's aspects,
//! typed edits and JSON patches, so that no escape hatch skips a check; the problems are read
//! once every object is known.

use std::sync::Arc;

use girder_k8s::Manifest;
use girder_k8s::rules::Checker;

/// A problem with a final object, by the index of the construct that emitted it.
#[derive(Debug)]
pub(crate) struct Problem {
    pub(crate) construct: usize,
    pub(crate) object: String,
    pub(crate) message: String,
    pub(crate) hint: String,
}

/// The final-object checks, fed object by object.
#[derive(Debug, Default)]
pub(crate) struct Facts {
    checker: Checker,
}

impl Facts {
    /// Checks `manifest`, emitted by construct `construct` in environment `env`.
    pub(crate) fn observe(&mut self, manifest: &Manifest, env: &Arc<str>, construct: usize) {
        self.checker.observe(manifest, env, construct);
    }

    /// Declares that environment `env`'s cluster serves `kind` at `api_version`.
    pub(crate) fn installed(&mut self, env: &str, api_version: &str, kind: &str) {
        self.checker.installed(env, api_version, kind);
    }

    /// Every problem found, once every object was observed.
    pub(crate) fn check(&self) -> Vec<Problem> {
        self.checker
            .finish()
            .into_iter()
            .map(|(construct, finding)| Problem {
                construct,
                message: finding.message(),
                object: finding.object,
                hint: finding.hint,
            })
            .collect()
    }
}
