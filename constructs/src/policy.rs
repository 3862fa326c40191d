//! Accepting a checkov finding on one workload, with the reason a reviewer reads.
//!
//! Girder reports checkov's Kubernetes checks at synth, on the final objects, with checkov's
//! ids ([`girder_k8s::rules::policy`]). A workload that must break one says so:
//!
//! ```
//! use girder_constructs::{Check, WebService};
//! use girder_core::App;
//! use girder_k8s::KubernetesExt;
//! use girder_k8s::k8s_openapi::api::apps::v1::Deployment;
//!
//! girder_core::environment!(pub Prod = "prod");
//! girder_k8s::namespace!(pub Web = "web");
//!
//! let app = App::new("shop");
//! let ns = app.environment(Prod).kubernetes().namespace(Web);
//! let legacy = WebService::new(&ns, "legacy")
//!     .image("ghcr.io/acme/legacy:2.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
//!     .port(8080)
//!     .build();
//! // The vendor image only works as UID 1000: without `accept`, synth fails with CKV_K8S_40.
//! legacy.edit(|d: &mut Deployment| {
//!     let pod = d.spec.as_mut().unwrap().template.spec.as_mut().unwrap();
//!     pod.security_context.as_mut().unwrap().run_as_user = Some(1000);
//! });
//! legacy.accept(Check::CKV_K8S_40, "the vendor image only runs as UID 1000");
//! ```
//!
//! The Deployment then carries `checkov.io/skip1: CKV_K8S_40=the vendor image only runs as UID
//! 1000`: the suppression synth honours is the one checkov reads, on the final object. A reason
//! that is empty, or an `accept` of a check that would not fire on the workload, fails synth.

/// Implements `accept` on the workload `$ty<E, N>` (whose handle's model has a field
/// `overrides: Overrides`); used by `workload_methods!`.
macro_rules! policy_methods {
    ($ty:ident $(, $extra:ident)*) => {
        impl<E: girder_core::EnvironmentName, N: girder_k8s::NamespaceName $(, $extra)*> $ty<E, N $(, $extra)*> {
            /// Accepts checkov's `check` on this workload because of `reason`: synth does not
            /// report it, and the workload's object carries checkov's suppression,
            /// `checkov.io/skipN: <id>=<reason>`, for reviewers and the validators. An empty
            /// reason, or a check that would not fire on the final object, fails synth.
            pub fn accept(
                &self,
                check: girder_k8s::rules::policy::Check,
                reason: impl Into<String>,
            ) -> &Self {
                let reason = reason.into();
                self.handle.update(|s| s.overrides.accept(check, reason));
                self
            }
        }
    };
}

pub(crate) use policy_methods;
