//! Girder's Kubernetes deployer: `deploy`, `diff --live` and `destroy` for the Kubernetes
//! objects of a Girder program, against the cluster kubectl would use.
//!
//! ```no_run
//! fn main() -> std::process::ExitCode {
//!     let app = girder_core::App::new("shop");
//!     // ... constructs ...
//!     girder_synth::run_deployers(app, &[&girder_deploy_k8s::Kubernetes::default()])
//! }
//! ```
//!
//! `deploy`, for each selected environment:
//!
//! 1. **Connects** with `--kubeconfig` and `--context`, else the environment's context
//!    (`env.kubernetes().context(..)`), else what kubectl uses (`$KUBECONFIG`,
//!    `~/.kube/config`, its current context; in a pod, its service account). An unreachable API
//!    server or refused credentials exit with 69.
//! 2. **Preflight**, before anything is sent: every object's API version and kind must be
//!    served (discovery), or defined by a CustomResourceDefinition the program emits, or served
//!    by an add-on the program installs in the same environment (a Flux `HelmRelease` or an
//!    Argo CD `Application` of its chart: [`girder_k8s::helm::installers`]): such an object is
//!    deferred (`served once KEDA is installed by HelmRelease flux-system/keda`). Flux's or
//!    Argo CD's own kinds must be served (a hint says to bootstrap Flux or install Argo CD).
//!    Namespaces must not be terminating; no object may belong to another ApplySet. Every
//!    problem is printed at once, with the versions the cluster does serve and the Kubernetes
//!    version required; nothing is applied (exit 6). Pruning an object that holds data (a
//!    PersistentVolumeClaim, a StatefulSet, a Namespace, a CustomResourceDefinition) without
//!    `--allow-destroy` is refused here too.
//! 3. **Server-side apply** with field manager [`FIELD_MANAGER`], in [`phase`] order,
//!    concurrently within a phase, of every object but the deferred ones. A field another
//!    manager owns is a conflict, reported with the manager and the fields;
//!    `--force-conflicts` takes them.
//! 4. **Add-ons**, when objects were deferred: waits, within `--timeout` and even with
//!    `--no-wait`, for the object that installs each add-on to be ready (a HelmRelease's
//!    `Ready` condition true at its generation; an Application `Healthy` and `Synced`) and for
//!    the cluster to serve the deferred kinds (discovery, read again), then applies the deferred
//!    objects, members of their ApplySets like any other. On timeout, or when Flux gives up on
//!    the release (`Stalled`), the error names the add-on, the installing object, its last
//!    status (its `Ready` message) and the objects not applied; what was applied stays, pruning
//!    is not done (exit 5), and the next deploy completes it.
//! 5. **Prune** with the ApplySet convention ([`applyset`]): members of the program's ApplySets
//!    it no longer has are deleted, in reverse phase order. Objects without Girder's `part-of`
//!    label are never touched.
//! 6. **Wait** (unless `--no-wait`) until Deployments, StatefulSets and DaemonSets are available
//!    at their new generation and Jobs complete, up to `--timeout`; a failure or the timeout is
//!    reported with the reason the cluster gives (conditions, pods' waiting reasons, Warning
//!    events) and exits with 5.
//!
//! A second deploy of the same program changes nothing and says so, and sends no request per
//! object: the program's objects are read by listing each kind once per namespace, and an
//! object that holds everything the program sets, stamped with the hash of what the program
//! made ([`HASH_ANNOTATION`]), is left alone (see `unchanged.rs`); any other existing object is
//! dry-run first and left alone when the API server would store it as it is. Without `--yes`,
//! `deploy` shows the changes (as `diff --live`) and asks; with no one to ask, nothing is
//! applied.
//!
//! `diff --live` dry-runs the apply of every object and compares the result with the live
//! object, both stripped as `kubectl diff` strips them ([`strip`]); members to be pruned are
//! removals, refused changes (an immutable field) destructive risks; objects deferred until an
//! add-on of the program serves them are to be created. `destroy` deletes the
//! members and the parents of the environment's ApplySets, asking first unless `--yes`.
//!
//! This crate has no cargo features; the facade's `deploy` feature brings it in.

mod apply;
pub mod applyset;
mod catalog;
mod cluster;
mod live;
mod objects;
pub mod phase;
mod preflight;
mod run;
mod state;
mod unchanged;
mod wait;

use std::collections::BTreeMap;

use girder_synth::remote::{
    Console, DeployOptions, Deployer, Failed, LiveDiff, LiveDiffOptions, Selection, Target,
};
use girder_synth::{Assembly, EXIT_NOT_DEPLOYED};

pub use apply::FIELD_MANAGER;
pub use live::strip;
pub use unchanged::HASH_ANNOTATION;

use objects::Desired;
use run::{Env, error};

/// Deploys the Kubernetes objects of an assembly (see the crate docs).
#[derive(Debug, Default)]
pub struct Kubernetes {}

/// The selected environments of `assembly` with their objects, or the failure (printed).
fn environments(
    assembly: &Assembly,
    selection: &Selection,
    console: &mut Console<'_>,
) -> Result<BTreeMap<String, Vec<Desired>>, Failed> {
    objects::environments(assembly, selection).map_err(|e| {
        error(
            console.err,
            &e,
            "this is a bug in Girder or in a custom object type: please report it",
        );
        Failed(EXIT_NOT_DEPLOYED)
    })
}

/// A runtime for the client (the trait is synchronous), or the failure (printed).
fn runtime(console: &mut Console<'_>) -> Result<tokio::runtime::Runtime, Failed> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| {
            error(
                console.err,
                format!("cannot start the Kubernetes client's runtime: {e}"),
                "check the process's thread and file limits (`ulimit -a`)",
            );
            Failed(EXIT_NOT_DEPLOYED)
        })
}

/// Environment `name` of `assembly`, with its objects `desired`.
fn env<'a>(assembly: &'a Assembly, name: &'a str, desired: Vec<Desired>) -> Env<'a> {
    Env {
        app: &assembly.manifest.app,
        context: assembly.kube_contexts.get(name).map(String::as_str),
        name,
        desired,
    }
}

impl Deployer for Kubernetes {
    fn target(&self) -> Target {
        Target::Kubernetes
    }

    fn has_work(&self, assembly: &Assembly, selection: &Selection) -> bool {
        assembly
            .kubernetes
            .iter()
            .any(|o| selection.includes(&o.env))
    }

    fn deploy(
        &self,
        assembly: &Assembly,
        options: &DeployOptions,
        console: &mut Console<'_>,
    ) -> Result<(), Failed> {
        let envs = environments(assembly, &options.selection, console)?;
        runtime(console)?.block_on(async {
            for (name, desired) in envs {
                let env = env(assembly, &name, desired);
                run::deploy(&env, options, console).await?;
            }
            Ok(())
        })
    }

    fn diff_live(
        &self,
        assembly: &Assembly,
        options: &LiveDiffOptions,
        console: &mut Console<'_>,
    ) -> Result<LiveDiff, Failed> {
        let envs = environments(assembly, &options.selection, console)?;
        runtime(console)?.block_on(async {
            let mut live = LiveDiff::default();
            for (name, desired) in envs {
                let env = env(assembly, &name, desired);
                live.report
                    .merge(run::diff_live(&env, &options.endpoints, console).await?);
            }
            Ok(live)
        })
    }

    fn destroy(
        &self,
        assembly: &Assembly,
        options: &DeployOptions,
        console: &mut Console<'_>,
    ) -> Result<(), Failed> {
        let mut envs = environments(assembly, &options.selection, console)?;
        // `destroy` names one environment; one whose objects the program no longer emits still
        // has its ApplySets on the cluster.
        if let Some(env) = &options.selection.env {
            envs.entry(env.clone()).or_default();
        }
        runtime(console)?.block_on(async {
            for (name, desired) in envs {
                let env = env(assembly, &name, desired);
                run::destroy(&env, options, console).await?;
            }
            Ok(())
        })
    }
}
