//! The three commands for one environment, top to bottom: `deploy` (read, preflight, apply in
//! phases, prune, wait), `diff --live` and `destroy`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Write;
use std::time::Duration;

use futures::{StreamExt, stream};
use girder_k8s::diff::ObjectKey;
use girder_k8s::immutable::removal_loss;
use girder_synth::diff::Report;
use girder_synth::remote::{Console, DeployOptions, Endpoints, Failed};
use girder_synth::{EXIT_DEPLOY_FAILED, EXIT_NOT_DEPLOYED, EXIT_UNAVAILABLE};
use kube::api::DeleteParams;

use crate::apply::{ApplyError, Mode, apply};
use crate::applyset::{GroupKind, Parent};
use crate::catalog::{Catalog, Resolution, Resolved};
use crate::cluster::{Cluster, ClusterError, classify};
use crate::live::compare_live;
use crate::objects::{Desired, Identity};
use crate::phase::{PHASES, Phase};
use crate::preflight;
use crate::state::{CONCURRENCY, NamespaceState, Read, State, api, core};
use crate::wait::{AddOnWait, Rollout, wait, wait_for_add_ons, waits_for};

/// One environment's part of the program.
#[derive(Debug)]
pub(crate) struct Env<'a> {
    /// The app's name.
    pub(crate) app: &'a str,
    /// The environment's name.
    pub(crate) name: &'a str,
    /// The kube context the program names for it.
    pub(crate) context: Option<&'a str>,
    /// Its objects.
    pub(crate) desired: Vec<Desired>,
}

/// Prints `error: <message>` and its hint to `err`.
pub(crate) fn error(err: &mut dyn Write, message: impl fmt::Display, hint: impl fmt::Display) {
    let _ = writeln!(err, "error: {message}\n  hint: {hint}");
}

fn cluster_failed(err: &mut dyn Write, e: &ClusterError) -> Failed {
    error(err, e, e.hint());
    Failed(e.exit_code())
}

async fn connect(
    env: &Env<'_>,
    endpoints: &Endpoints,
    err: &mut dyn Write,
) -> Result<Cluster, Failed> {
    Cluster::connect(endpoints, env.context).await.map_err(|e| {
        error(err, format!("{}: {e}", env.name), e.hint());
        Failed(e.exit_code())
    })
}

/// What applying one object did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Created,
    Configured,
    Unchanged,
}

/// Counts of what a deploy did.
#[derive(Debug, Default)]
struct Tally {
    created: usize,
    configured: usize,
    unchanged: usize,
    pruned: usize,
    /// Every phase was applied (what waits for an add-on aside).
    phases_done: bool,
}

impl Tally {
    fn changed(&self) -> usize {
        self.created + self.configured + self.pruned
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.changed() == 0 {
            write!(f, "no changes ({} objects unchanged)", self.unchanged)
        } else {
            write!(
                f,
                "{} created, {} configured, {} unchanged, {} pruned",
                self.created, self.configured, self.unchanged, self.pruned
            )
        }
    }
}

/// The members of the ApplySets that the program no longer has.
fn to_prune<'s>(state: &'s State, desired: &[Desired]) -> Vec<&'s crate::state::Member> {
    let kept: BTreeSet<Identity> = desired.iter().map(Desired::identity).collect();
    state
        .members
        .iter()
        .filter(|m| !kept.contains(&m.identity))
        .collect()
}

/// Refuses, listing them, to delete objects whose deletion loses data without
/// `--allow-destroy`.
fn refuse_stateful(
    keys: &[&ObjectKey],
    verb: &str,
    allow_destroy: bool,
    err: &mut dyn Write,
) -> Result<(), Failed> {
    let stateful: Vec<(&ObjectKey, girder_k8s::immutable::Loss)> = keys
        .iter()
        .filter_map(|k| Some((*k, removal_loss(&k.api_version, &k.kind)?)))
        .collect();
    if stateful.is_empty() || allow_destroy {
        return Ok(());
    }
    for (key, loss) in &stateful {
        error(
            err,
            format!("{key} would be {verb}: {loss}"),
            "pass --allow-destroy to delete it, or keep it in the program",
        );
    }
    let _ = writeln!(
        err,
        "error: {} object{} holding data would be {verb} without --allow-destroy; nothing was changed",
        stateful.len(),
        if stateful.len() == 1 { "" } else { "s" }
    );
    Err(Failed(EXIT_NOT_DEPLOYED))
}

/// Connects to `env`'s cluster and reads it ([`State::read`]); the program's objects too when
/// `doing` says what the command does with them, printed with the cluster: a verb and a
/// preposition (`("deploying", "to")`: `prod: deploying 8 objects to context ...`).
async fn open(
    env: &Env<'_>,
    endpoints: &Endpoints,
    doing: Option<(&str, &str)>,
    console: &mut Console<'_>,
) -> Result<(Cluster, State), Failed> {
    let cluster = connect(env, endpoints, console.err).await?;
    if let Some((verb, preposition)) = doing {
        let (name, count, cluster) = (env.name, env.desired.len(), cluster.describe());
        let _ = writeln!(
            console.err,
            "{name}: {verb} {count} objects {preposition} {cluster}"
        );
    }
    let read = Read {
        app: env.app,
        env: env.name,
        objects: doing.is_some(),
    };
    let state = State::read(&cluster, read, &env.desired)
        .await
        .map_err(|e| cluster_failed(console.err, &e))?;
    warn_unserved(&state, console.err);
    Ok((cluster, state))
}

/// Deploys `env`.
pub(crate) async fn deploy(
    env: &Env<'_>,
    options: &DeployOptions,
    console: &mut Console<'_>,
) -> Result<(), Failed> {
    let (cluster, mut state) =
        open(env, &options.endpoints, Some(("deploying", "to")), console).await?;
    let preflight = preflight::check(&env.desired, &state, &cluster.version);
    let problems = &preflight.problems;
    if !problems.is_empty() {
        for p in problems {
            error(console.err, p, p.hint());
        }
        let _ = writeln!(
            console.err,
            "error: {}: preflight found {} problem{}; nothing was applied",
            env.name,
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        );
        return Err(Failed(EXIT_NOT_DEPLOYED));
    }
    let deferred: BTreeSet<usize> = preflight.deferred.iter().map(|d| d.at).collect();
    for d in &preflight.deferred {
        let _ = writeln!(
            console.err,
            "{}: deferring {}: {}",
            env.name,
            env.desired[d.at].key,
            d.reason(&env.desired)
        );
    }
    let prune: Vec<crate::state::Member> = to_prune(&state, &env.desired)
        .into_iter()
        .cloned()
        .collect();
    let keys: Vec<&ObjectKey> = prune.iter().map(|m| &m.key).collect();
    refuse_stateful(&keys, "pruned", options.allow_destroy, console.err)?;
    if !options.yes {
        let report = compare_live(
            &cluster,
            env.name,
            &env.desired,
            &deferred,
            &state,
            console.err,
        )
        .await
        .map_err(|e| cluster_failed(console.err, &e))?;
        let _ = writeln!(console.out, "{report}");
        if report.is_empty() {
            return Ok(());
        }
        if !console.confirm(&format!("deploy these changes to {}?", env.name)) {
            error(
                console.err,
                format!("{}: not confirmed; nothing was applied", env.name),
                "pass --yes to deploy without asking (CI)",
            );
            return Err(Failed(EXIT_NOT_DEPLOYED));
        }
    }

    let mut tally = Tally::default();
    let mut applied_parents: BTreeSet<Parent> = BTreeSet::new();
    // The parents record the kinds of the deferred objects once those are applied: until then
    // the cluster may not serve them.
    let kinds = state.parents(
        (0..env.desired.len())
            .filter(|i| !deferred.contains(i))
            .map(|i| &env.desired[i]),
    );
    let owners: BTreeSet<&Parent> = env.desired.iter().map(|d| &d.parent).collect();
    let has_crds = env
        .desired
        .iter()
        .any(|d| d.key.kind == "CustomResourceDefinition");
    for phase in PHASES {
        // Each parent is widened before its first member is applied: the cluster's and those
        // of existing namespaces first, the others once the namespaces are created.
        if phase <= Phase::Configuration {
            for parent in &owners {
                let ready = parent.cluster
                    || phase > Phase::Foundation
                    || state.namespaces.get(&parent.namespace) == Some(&NamespaceState::Active);
                if !ready || applied_parents.contains(*parent) {
                    continue;
                }
                let recorded = kinds.get(*parent).cloned().unwrap_or_default();
                apply_parent(&cluster, parent, &recorded)
                    .await
                    .map_err(|e| {
                        partial(
                            console.err,
                            env,
                            &tally,
                            &e.to_string(),
                            &e.hint(),
                            exit_of(&e),
                        )
                    })?;
                applied_parents.insert((*parent).clone());
            }
        }
        if phase == Phase::Configuration && has_crds {
            state.catalog = refresh_catalog(&cluster, env, console.err).await?;
        }
        let items: Vec<usize> = (0..env.desired.len())
            .filter(|&i| env.desired[i].phase == phase && !deferred.contains(&i))
            .collect();
        if items.is_empty() {
            continue;
        }
        let _ = writeln!(console.err, "{}: applying {}", env.name, phase.describe());
        let results = apply_all(&cluster, &state, env, &items, options.force_conflicts).await;
        count(env, results, &mut tally, console)?;
    }
    tally.phases_done = true;
    if !preflight.deferred.is_empty() {
        apply_deferred(
            &cluster,
            &mut state,
            env,
            &preflight.deferred,
            options,
            &mut tally,
            console,
        )
        .await?;
    }

    // Prune, in reverse phase order; then record exactly what each ApplySet holds.
    let retired: Vec<&Parent> = state
        .parents
        .iter()
        .map(|l| &l.parent)
        .filter(|p| !env.desired.iter().any(|d| d.parent == **p))
        .collect();
    let pruned = delete_members(&cluster, &prune, &retired, console.out, "pruned").await;
    tally.pruned += pruned.deleted;
    if let Some(e) = pruned.failure {
        return Err(partial(
            console.err,
            env,
            &tally,
            &e.to_string(),
            &e.hint(),
            e.exit_code(),
        ));
    }
    let exact: BTreeMap<Parent, BTreeSet<GroupKind>> =
        env.desired.iter().fold(BTreeMap::new(), |mut m, d| {
            m.entry(d.parent.clone()).or_default().insert(d.gk());
            m
        });
    for (parent, kinds) in &exact {
        if let Err(e) = apply_parent(&cluster, parent, kinds).await {
            return Err(partial(
                console.err,
                env,
                &tally,
                &e.to_string(),
                &e.hint(),
                exit_of(&e),
            ));
        }
    }
    let _ = writeln!(console.out, "{}: {tally}", env.name);

    if options.wait {
        let rollouts = rollouts(&state.catalog, &env.desired);
        if !rollouts.is_empty() {
            let _ = writeln!(
                console.err,
                "{}: waiting for {} rollout{} (timeout {}s)",
                env.name,
                rollouts.len(),
                if rollouts.len() == 1 { "" } else { "s" },
                options.timeout.as_secs()
            );
            let failures = wait(
                &cluster,
                &rollouts,
                options.timeout,
                console.err,
                console.terminal,
            )
            .await;
            if !failures.is_empty() {
                for f in &failures {
                    error(console.err, f, f.hint());
                }
                let _ = writeln!(
                    console.err,
                    "error: {}: {} of {} rollouts did not finish; the objects were applied",
                    env.name,
                    failures.len(),
                    rollouts.len()
                );
                return Err(Failed(EXIT_DEPLOY_FAILED));
            }
            let _ = writeln!(
                console.out,
                "{}: {} rollouts finished",
                env.name,
                rollouts.len()
            );
        }
    }
    Ok(())
}

/// Counts what applying did in `tally`, printing each change; fails (printed) when an object
/// could not be applied.
fn count(
    env: &Env<'_>,
    results: Vec<(usize, Result<Outcome, ApplyError>)>,
    tally: &mut Tally,
    console: &mut Console<'_>,
) -> Result<(), Failed> {
    let mut failures = Vec::new();
    for (i, result) in results {
        let key = &env.desired[i].key;
        match result {
            Ok(Outcome::Created) => {
                tally.created += 1;
                let _ = writeln!(console.out, "  created {key}");
            }
            Ok(Outcome::Configured) => {
                tally.configured += 1;
                let _ = writeln!(console.out, "  configured {key}");
            }
            Ok(Outcome::Unchanged) => tally.unchanged += 1,
            Err(e) => failures.push(e),
        }
    }
    if failures.is_empty() {
        return Ok(());
    }
    for e in &failures {
        error(console.err, e, e.hint());
    }
    let code = failures
        .iter()
        .map(exit_of)
        .find(|c| *c == EXIT_UNAVAILABLE)
        .unwrap_or(EXIT_DEPLOY_FAILED);
    let message = format!(
        "{} object{} could not be applied",
        failures.len(),
        if failures.len() == 1 { "" } else { "s" }
    );
    Err(partial(
        console.err,
        env,
        tally,
        &message,
        "fix what is reported above and deploy again: it completes this deploy",
        code,
    ))
}

/// Waits until the add-ons the program installs serve the `deferred` objects' kinds (the
/// objects that install them ready, the kinds served), within the deploy's timeout, then
/// applies those objects, their parents widened first. On timeout, what was applied stays.
async fn apply_deferred(
    cluster: &Cluster,
    state: &mut State,
    env: &Env<'_>,
    deferred: &[preflight::Deferred],
    options: &DeployOptions,
    tally: &mut Tally,
    console: &mut Console<'_>,
) -> Result<(), Failed> {
    // One wait per installing object, in the program's order.
    let mut waits: Vec<(usize, AddOnWait)> = Vec::new();
    for d in deferred {
        let object = &env.desired[d.at].key;
        if !waits.iter().any(|(at, _)| *at == d.installer) {
            let installer = &env.desired[d.installer].key;
            let resolved = match state
                .catalog
                .resolve(&installer.api_version, &installer.kind)
            {
                Resolution::Served(resolved) | Resolution::Defined(resolved) => resolved,
                // The preflight refused it.
                _ => continue,
            };
            waits.push((
                d.installer,
                AddOnWait {
                    add_on: d.add_on,
                    installer: installer.clone(),
                    resolved,
                    kinds: BTreeSet::new(),
                    objects: Vec::new(),
                },
            ));
        }
        if let Some((_, wait)) = waits.iter_mut().find(|(at, _)| *at == d.installer) {
            wait.kinds
                .insert((object.api_version.clone(), object.kind.clone()));
            wait.objects.push(object.clone());
        }
    }
    let waits: Vec<AddOnWait> = waits.into_iter().map(|(_, w)| w).collect();
    for wait in &waits {
        let _ = writeln!(
            console.err,
            "{}: waiting for {}, to serve {} (timeout {}s)",
            env.name,
            wait.describe(),
            wait.kinds(),
            options.timeout.as_secs()
        );
    }
    let catalog = match wait_for_add_ons(cluster, &waits, options.timeout, console.err).await {
        Ok(catalog) => catalog,
        Err(errors) => {
            for e in &errors {
                error(console.err, e, e.hint());
            }
            let message = format!(
                "{} object{} waiting for an add-on {} not applied",
                deferred.len(),
                if deferred.len() == 1 { "" } else { "s" },
                if deferred.len() == 1 { "was" } else { "were" },
            );
            return Err(partial(
                console.err,
                env,
                tally,
                &message,
                "deploy again once the add-on is ready: it applies what was not applied, then prunes",
                EXIT_DEPLOY_FAILED,
            ));
        }
    };
    state.catalog = catalog;
    for d in &env.desired {
        if d.key.kind == "CustomResourceDefinition" {
            state.catalog.define(&d.value);
        }
    }
    // Their parents record their kinds before they are applied, as every other member's.
    let kinds = state.parents(&env.desired);
    let parents: BTreeSet<&Parent> = deferred.iter().map(|d| &env.desired[d.at].parent).collect();
    for parent in parents {
        let recorded = kinds.get(parent).cloned().unwrap_or_default();
        apply_parent(cluster, parent, &recorded)
            .await
            .map_err(|e| {
                partial(
                    console.err,
                    env,
                    tally,
                    &e.to_string(),
                    &e.hint(),
                    exit_of(&e),
                )
            })?;
    }
    let add_ons: Vec<String> = waits.iter().map(|w| w.add_on.to_string()).collect();
    let _ = writeln!(
        console.err,
        "{}: applying what {} serve{}",
        env.name,
        add_ons.join(" and "),
        if add_ons.len() == 1 { "s" } else { "" }
    );
    let items: Vec<usize> = deferred.iter().map(|d| d.at).collect();
    let results = apply_all(cluster, state, env, &items, options.force_conflicts).await;
    count(env, results, tally, console)
}

fn exit_of(e: &ApplyError) -> u8 {
    match e {
        ApplyError::Cluster(e) => e.exit_code(),
        _ => EXIT_DEPLOY_FAILED,
    }
}

/// Reports a deploy that stopped part-way; returns its failure.
fn partial(
    err: &mut dyn Write,
    env: &Env<'_>,
    tally: &Tally,
    message: &str,
    hint: &str,
    code: u8,
) -> Failed {
    error(
        err,
        format!(
            "{}: the deploy stopped part-way: {message}; before it stopped: {} created, {} configured, {} pruned; {} not done",
            env.name,
            tally.created,
            tally.configured,
            tally.pruned,
            if tally.phases_done {
                "pruning was"
            } else {
                "later phases and pruning were"
            }
        ),
        hint,
    );
    Failed(code)
}

fn warn_unserved(state: &State, err: &mut dyn Write) {
    for gk in &state.unserved {
        let _ = writeln!(
            err,
            "warning: a previous deploy recorded objects of kind {gk}, which this cluster no longer serves: they cannot be listed or pruned"
        );
    }
}

/// Waits for the program's CustomResourceDefinitions to be established, then reads what the
/// cluster serves again.
async fn refresh_catalog(
    cluster: &Cluster,
    env: &Env<'_>,
    err: &mut dyn Write,
) -> Result<Catalog, Failed> {
    let crds = Resolved {
        resource: kube::core::ApiResource {
            group: "apiextensions.k8s.io".into(),
            version: "v1".into(),
            api_version: "apiextensions.k8s.io/v1".into(),
            kind: "CustomResourceDefinition".into(),
            plural: "customresourcedefinitions".into(),
        },
        namespaced: false,
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    for d in env
        .desired
        .iter()
        .filter(|d| d.key.kind == "CustomResourceDefinition")
    {
        loop {
            let crd = api(cluster, &crds, "").get(&d.key.name).await;
            let established = crd.as_ref().is_ok_and(|crd| {
                crd.data["status"]["conditions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|c| c["type"] == "Established" && c["status"] == "True")
            });
            if established || tokio::time::Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    let mut catalog = Catalog::discover(cluster)
        .await
        .map_err(|e| cluster_failed(err, &e))?;
    for d in &env.desired {
        if d.key.kind == "CustomResourceDefinition" {
            catalog.define(&d.value);
        }
    }
    Ok(catalog)
}

/// Applies the objects `items` of `env` concurrently; returns what each did.
async fn apply_all(
    cluster: &Cluster,
    state: &State,
    env: &Env<'_>,
    items: &[usize],
    force: bool,
) -> Vec<(usize, Result<Outcome, ApplyError>)> {
    let mode = Mode {
        force,
        dry_run: false,
    };
    let runs = items.iter().map(|&i| {
        let d = &env.desired[i];
        let before = state.live[i].as_ref().and_then(|live| {
            live["metadata"]["resourceVersion"]
                .as_str()
                .map(str::to_owned)
        });
        async move {
            let resolved = match state.catalog.resolve(&d.key.api_version, &d.key.kind) {
                Resolution::Served(resolved) => resolved,
                _ => {
                    return (i, Err(ApplyError::NotServedYet { key: d.key.clone() }));
                }
            };
            // An object that exists and holds everything the program sets is left alone
            // ([`crate::unchanged`]); otherwise it is dry-run first: when the API server would
            // store it as it is, it is left alone too (some API servers write no-op applies,
            // which would make a redeploy look like a change).
            if let Some(live) = &state.live[i] {
                if crate::unchanged::unchanged(live, &d.value) {
                    return (i, Ok(Outcome::Unchanged));
                }
                let dry = Mode {
                    dry_run: true,
                    ..mode
                };
                match apply(cluster, &resolved, &d.key, &d.value, dry).await {
                    Ok(would) => {
                        let (mut would, mut live) = (would, live.clone());
                        crate::live::strip(&mut would);
                        crate::live::strip(&mut live);
                        if would == live {
                            return (i, Ok(Outcome::Unchanged));
                        }
                    }
                    Err(e) => return (i, Err(e)),
                }
            }
            let result = apply(cluster, &resolved, &d.key, &d.value, mode)
                .await
                .map(|stored| {
                    let after = stored["metadata"]["resourceVersion"].as_str();
                    match (&before, after) {
                        (None, _) => Outcome::Created,
                        (Some(b), Some(a)) if b == a => Outcome::Unchanged,
                        _ => Outcome::Configured,
                    }
                });
            (i, result)
        }
    });
    let mut results: Vec<_> = stream::iter(runs)
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    results.sort_by_key(|(i, _)| *i);
    results
}

/// Applies the parent `parent`, recording `kinds`.
async fn apply_parent(
    cluster: &Cluster,
    parent: &Parent,
    kinds: &BTreeSet<GroupKind>,
) -> Result<(), ApplyError> {
    let value = parent.object(kinds);
    let key = ObjectKey::of(&value).map(|mut k| {
        k.namespace = parent.namespace.clone();
        k
    });
    let Some(key) = key else {
        return Ok(());
    };
    let mode = Mode {
        force: true,
        dry_run: false,
    };
    apply(
        cluster,
        &core("Secret", "secrets", true),
        &key,
        &value,
        mode,
    )
    .await
    .map(|_| ())
}

/// What deleting members did.
struct Deleted {
    deleted: usize,
    failure: Option<ClusterError>,
}

/// Deletes `members` in reverse phase order, then the `parents` (those of namespaces first),
/// printing `<verb> <key>` for each to `out`. Objects already gone count as deleted.
async fn delete_members(
    cluster: &Cluster,
    members: &[crate::state::Member],
    parents: &[&Parent],
    out: &mut dyn Write,
    verb: &str,
) -> Deleted {
    let mut done = Deleted {
        deleted: 0,
        failure: None,
    };
    let secrets = core("Secret", "secrets", true);
    for phase in PHASES.iter().rev() {
        // The parents in namespaces go before the namespaces themselves.
        if *phase == Phase::Foundation {
            for parent in parents.iter().filter(|p| !p.cluster) {
                if let Err(e) = delete(cluster, &secrets, &parent.namespace, &parent.name).await {
                    done.failure = Some(e);
                    return done;
                }
            }
        }
        let batch: Vec<&crate::state::Member> = members
            .iter()
            .filter(|m| crate::phase::phase_of(&m.identity.gk.group, &m.identity.gk.kind) == *phase)
            .collect();
        let runs = batch.iter().map(|m| async move {
            (
                *m,
                delete(
                    cluster,
                    &m.resolved,
                    &m.identity.namespace,
                    &m.identity.name,
                )
                .await,
            )
        });
        let results: Vec<_> = stream::iter(runs)
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        let mut results = results;
        results.sort_by(|a, b| a.0.identity.cmp(&b.0.identity));
        for (member, result) in results {
            match result {
                Ok(()) => {
                    done.deleted += 1;
                    let _ = writeln!(out, "  {verb} {}", member.key);
                }
                Err(e) => {
                    if done.failure.is_none() {
                        done.failure = Some(e);
                    }
                }
            }
        }
        if done.failure.is_some() {
            return done;
        }
    }
    for parent in parents.iter().filter(|p| p.cluster) {
        if let Err(e) = delete(cluster, &secrets, &parent.namespace, &parent.name).await {
            done.failure = Some(e);
            return done;
        }
    }
    done
}

/// Deletes one object (in the background: its dependents follow); gone already is fine.
async fn delete(
    cluster: &Cluster,
    resolved: &Resolved,
    namespace: &str,
    name: &str,
) -> Result<(), ClusterError> {
    match api(cluster, resolved, namespace)
        .delete(name, &DeleteParams::background())
        .await
    {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
        Err(e) => Err(classify(
            &cluster.server,
            &format!(
                "deleting {} {}{name}",
                resolved.resource.kind,
                if namespace.is_empty() || !resolved.namespaced {
                    String::new()
                } else {
                    format!("{namespace}/")
                }
            ),
            e,
        )),
    }
}

/// The workloads of `desired` to wait for.
fn rollouts(catalog: &Catalog, desired: &[Desired]) -> Vec<Rollout> {
    desired
        .iter()
        .filter(|d| {
            let gk = d.gk();
            waits_for(&gk.group, &gk.kind)
        })
        .filter_map(|d| match catalog.resolve(&d.key.api_version, &d.key.kind) {
            Resolution::Served(resolved) => Some(Rollout {
                key: d.key.clone(),
                resolved,
            }),
            _ => None,
        })
        .collect()
}

/// Compares `env` with its cluster.
pub(crate) async fn diff_live(
    env: &Env<'_>,
    endpoints: &Endpoints,
    console: &mut Console<'_>,
) -> Result<Report, Failed> {
    let (cluster, state) = open(env, endpoints, Some(("comparing", "with")), console).await?;
    let preflight = preflight::check(&env.desired, &state, &cluster.version);
    for d in &preflight.deferred {
        let _ = writeln!(
            console.err,
            "note: {}: {}; shown as to be created",
            env.desired[d.at].key,
            d.reason(&env.desired)
        );
    }
    let deferred: BTreeSet<usize> = preflight.deferred.iter().map(|d| d.at).collect();
    for p in preflight.problems {
        // Kinds the cluster does not serve are refusals in the report; the rest are told here.
        if !matches!(
            p,
            preflight::Problem::OtherVersions { .. }
                | preflight::Problem::NotServed { .. }
                | preflight::Problem::MissingDefinition { .. }
        ) {
            let _ = writeln!(console.err, "warning: {p}\n  hint: {}", p.hint());
        }
    }
    compare_live(
        &cluster,
        env.name,
        &env.desired,
        &deferred,
        &state,
        console.err,
    )
    .await
    .map_err(|e| cluster_failed(console.err, &e))
}

/// Deletes what the program deployed to `env`.
pub(crate) async fn destroy(
    env: &Env<'_>,
    options: &DeployOptions,
    console: &mut Console<'_>,
) -> Result<(), Failed> {
    let (cluster, state) = open(env, &options.endpoints, None, console).await?;
    let foreign: Vec<&Parent> = state
        .parents
        .iter()
        .filter(|l| {
            l.tooling
                .as_deref()
                .is_some_and(|t| !crate::applyset::is_girder_tooling(t))
        })
        .map(|l| &l.parent)
        .collect();
    if let Some(parent) = foreign.first() {
        error(
            console.err,
            format!(
                "{parent}, which Girder uses as an ApplySet parent, is managed by another tool; nothing was deleted"
            ),
            "rename the app, or remove the other tool's ApplySet",
        );
        return Err(Failed(EXIT_NOT_DEPLOYED));
    }
    let members = &state.members;
    let parents: Vec<&Parent> = state.parents.iter().map(|l| &l.parent).collect();
    if members.is_empty() && parents.is_empty() {
        let _ = writeln!(
            console.out,
            "{}: nothing to delete ({} has deployed nothing to {})",
            env.name,
            env.app,
            cluster.describe()
        );
        return Ok(());
    }
    let keys: Vec<&ObjectKey> = members.iter().map(|m| &m.key).collect();
    refuse_stateful(&keys, "deleted", options.allow_destroy, console.err)?;
    let _ = writeln!(
        console.out,
        "{}: {} objects of {} on {}:",
        env.name,
        members.len(),
        env.app,
        cluster.describe()
    );
    for key in &keys {
        let _ = writeln!(console.out, "  {key}");
    }
    if !options.yes
        && !console.confirm(&format!(
            "delete these {} objects from {}?",
            members.len(),
            env.name
        ))
    {
        error(
            console.err,
            format!("{}: not confirmed; nothing was deleted", env.name),
            "pass --yes to delete without asking (CI)",
        );
        return Err(Failed(EXIT_NOT_DEPLOYED));
    }
    let deleted = delete_members(&cluster, members, &parents, console.out, "deleted").await;
    if let Some(e) = deleted.failure {
        error(
            console.err,
            format!(
                "{}: destroy stopped part-way after deleting {} objects: {e}",
                env.name, deleted.deleted
            ),
            format!("{}; destroy again to delete the rest", e.hint()),
        );
        return Err(Failed(match e.exit_code() {
            EXIT_UNAVAILABLE => EXIT_UNAVAILABLE,
            _ => EXIT_DEPLOY_FAILED,
        }));
    }
    let _ = writeln!(
        console.out,
        "{}: deleted {} objects",
        env.name, deleted.deleted
    );
    Ok(())
}
