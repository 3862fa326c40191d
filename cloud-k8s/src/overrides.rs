//! Escape hatches: typed edits and JSON patches of the objects a construct emits.

use std::cell::RefCell;

use girder_core::{Diagnostic, Diagnostics};
use k8s_openapi::Resource;

use crate::object::{Manifest, Object};
use crate::rules::policy::{self, Check};

/// A typed edit: `FnMut`, so that an edit may keep state (a counter, a value it moves in);
/// applying it needs `&mut`, while constructs render through `&self`.
type Edit = RefCell<Box<dyn FnMut(&mut Manifest) -> bool>>;

/// Changes a program asked for on the objects of one construct, applied when it is synthesized.
///
/// Typed edits run first, in the order given, then JSON patches (RFC 6902). Each must match at
/// least one emitted object, or synth reports it: an edit of an object the construct does not emit
/// is a mistake, not a no-op.
#[derive(Default)]
pub struct Overrides {
    /// checkov checks accepted, with their reasons: suppressions written first, on the
    /// objects that carry a pod template.
    accepted: Vec<(Check, String)>,
    edits: Vec<(&'static str, Edit)>,
    patches: Vec<(&'static str, &'static str, json_patch::Patch)>,
}

impl std::fmt::Debug for Overrides {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Overrides")
            .field("accepted", &self.accepted)
            .field("edits", &self.edits.len())
            .field("patches", &self.patches.len())
            .finish()
    }
}

impl Overrides {
    /// Accepts checkov's `check` on the objects that carry a pod template, because of `reason`:
    /// a `checkov.io/skipN: <id>=<reason>` annotation, written before the typed edits. The
    /// final-object rules ([`crate::rules::policy`]) check that it has a reason and an effect.
    pub fn accept(&mut self, check: Check, reason: String) {
        self.accepted.push((check, reason));
    }

    /// Registers a typed edit of every emitted object of type `K`.
    pub fn edit<K: Object>(&mut self, mut f: impl FnMut(&mut K) + 'static) {
        let kind = std::any::type_name::<K>()
            .rsplit("::")
            .next()
            .unwrap_or("object");
        self.edits.push((
            kind,
            RefCell::new(Box::new(move |m: &mut Manifest| {
                match m.downcast_mut::<K>() {
                    Some(k) => {
                        f(k);
                        true
                    }
                    None => false,
                }
            })),
        ));
    }

    /// Registers a JSON patch of every emitted object of kind `K`.
    pub fn patch<K: Resource>(&mut self, patch: json_patch::Patch) {
        self.patches.push((K::API_VERSION, K::KIND, patch));
    }

    /// Whether there is nothing to apply.
    pub fn is_empty(&self) -> bool {
        self.accepted.is_empty() && self.edits.is_empty() && self.patches.is_empty()
    }

    /// Applies every edit, then every patch, to `manifests`; reports what did not apply.
    pub fn apply(&self, path: &str, manifests: &mut [Manifest], diags: &mut Diagnostics) {
        for (check, reason) in &self.accepted {
            let mut matched = false;
            for m in manifests.iter_mut() {
                if m.object().pod_template().is_some() {
                    policy::annotate(m.object_mut().meta_mut(), *check, reason);
                    matched = true;
                }
            }
            if !matched {
                diags.push(
                    Diagnostic::error(
                        path,
                        format!("accepts {check}, but this construct emits no workload"),
                    )
                    .hint("remove the `accept`: checkov runs it on workloads only"),
                );
            }
        }
        if self.edits.is_empty() && self.patches.is_empty() {
            return;
        }
        // The final-object rules compare what the edits leave with what the construct built.
        for m in manifests.iter_mut() {
            m.keep_as_built();
        }
        for (kind, edit) in &self.edits {
            let mut matched = false;
            // Only an edit that renders this construct again from inside itself finds it
            // borrowed; it is reported rather than run twice at once.
            let Ok(mut edit) = edit.try_borrow_mut() else {
                diags.push(
                    Diagnostic::error(path, format!("typed edit of a {kind} ran inside itself"))
                        .hint("do not synthesize the app from inside an edit"),
                );
                continue;
            };
            for m in manifests.iter_mut() {
                matched |= (*edit)(m);
            }
            if !matched {
                diags.push(
                    Diagnostic::error(path, format!("typed edit of a {kind}, but this construct emits none"))
                        .hint("remove the edit, or change the props so that the construct emits that object"),
                );
            }
        }
        for (api_version, kind, patch) in &self.patches {
            let mut matched = false;
            for m in manifests.iter_mut() {
                if m.object().api_version() == *api_version && m.object().kind() == *kind {
                    matched = true;
                    if let Err(err) = m.apply_patch(patch) {
                        let cause = std::error::Error::source(&err).map(ToString::to_string);
                        let mut d = Diagnostic::error(path, err.to_string())
                            .hint("check the patch's paths against the synthesized object (`synth` without the patch)");
                        d.cause = cause;
                        diags.push(d);
                    }
                }
            }
            if !matched {
                diags.push(
                    Diagnostic::error(
                        path,
                        format!("JSON patch of a {kind}, but this construct emits none"),
                    )
                    .hint("remove the patch, or patch an object kind the construct emits"),
                );
            }
        }
    }
}
