//! Waiting for rollouts: Deployments, StatefulSets and DaemonSets available at their new
//! generation, Jobs complete; on failure or at the timeout, the reason the cluster gives (the
//! workload's conditions, its pods' waiting reasons, Warning events).
//!
//! Waiting for add-ons too ([`wait_for_add_ons`]): the Flux `HelmRelease` or Argo CD
//! `Application` that installs one ready, and the kinds it serves served.

use std::collections::BTreeSet;
use std::io::Write;
use std::time::Duration;

use futures::{StreamExt, stream};
use girder_k8s::diff::ObjectKey;
use girder_k8s::helm::AddOn;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use kube::api::ListParams;
use serde_json::Value;
use tokio::time::Instant;

use crate::catalog::{Catalog, Resolution, Resolved};
use crate::cluster::{Cluster, chain};
use crate::preflight::named;
use crate::state::{CONCURRENCY, api, core};

/// How often the rollouts are looked at.
const POLL: Duration = Duration::from_secs(1);

/// Whether objects of API `group` and `kind` are waited for.
pub(crate) fn waits_for(group: &str, kind: &str) -> bool {
    matches!(
        (group, kind),
        ("apps", "Deployment" | "StatefulSet" | "DaemonSet") | ("batch", "Job")
    )
}

/// Where a rollout is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Finished: what it reached.
    Done(String),
    /// Still going: what it waits for.
    Waiting(String),
    /// It will not finish: why.
    Failed(String),
}

/// Judges the rollout of the `kind` object `object` (JSON, with its status).
pub(crate) fn judge(kind: &str, object: &Value) -> Verdict {
    let status = &object["status"];
    let int = |v: &Value| v.as_i64().unwrap_or(0);
    let generation = int(&object["metadata"]["generation"]);
    let observed = status["observedGeneration"].as_i64().unwrap_or(-1);
    let condition = |type_: &str| condition(status, type_);
    if kind == "Job" {
        if condition("Complete").is_some_and(|c| c["status"] == "True") {
            return Verdict::Done("complete".into());
        }
        if let Some(failed) = condition("Failed").filter(|c| c["status"] == "True") {
            return Verdict::Failed(explain(failed));
        }
        return Verdict::Waiting(format!(
            "{} running, {} succeeded, {} failed",
            int(&status["active"]),
            int(&status["succeeded"]),
            int(&status["failed"])
        ));
    }
    if observed < generation {
        return Verdict::Waiting(format!(
            "the {kind} controller has not seen generation {generation} yet"
        ));
    }
    let desired = object["spec"]["replicas"].as_i64().unwrap_or(1);
    match kind {
        "Deployment" => {
            if let Some(stuck) = condition("Progressing").filter(|c| c["status"] == "False") {
                return Verdict::Failed(explain(stuck));
            }
            let updated = int(&status["updatedReplicas"]);
            let replicas = int(&status["replicas"]);
            let available = int(&status["availableReplicas"]);
            let failure = condition("ReplicaFailure")
                .filter(|c| c["status"] == "True")
                .map(|c| format!(" ({})", explain(c)))
                .unwrap_or_default();
            if updated < desired {
                Verdict::Waiting(format!("{updated} of {desired} replicas updated{failure}"))
            } else if replicas > updated {
                Verdict::Waiting(format!(
                    "{} old replica{} pending termination{failure}",
                    replicas - updated,
                    if replicas - updated == 1 { "" } else { "s" }
                ))
            } else if available < updated {
                Verdict::Waiting(format!(
                    "{available} of {updated} updated replicas available{failure}"
                ))
            } else {
                Verdict::Done(format!("{available}/{desired} available"))
            }
        }
        "StatefulSet" => {
            let updated = int(&status["updatedReplicas"]);
            let ready = int(&status["readyReplicas"]);
            let on_delete = object["spec"]["updateStrategy"]["type"] == "OnDelete";
            if !on_delete && updated < desired {
                Verdict::Waiting(format!("{updated} of {desired} pods updated"))
            } else if ready < desired {
                Verdict::Waiting(format!("{ready} of {desired} pods ready"))
            } else {
                Verdict::Done(format!("{ready}/{desired} ready"))
            }
        }
        "DaemonSet" => {
            let desired = int(&status["desiredNumberScheduled"]);
            let updated = int(&status["updatedNumberScheduled"]);
            let available = int(&status["numberAvailable"]);
            if updated < desired {
                Verdict::Waiting(format!("{updated} of {desired} nodes updated"))
            } else if available < desired {
                Verdict::Waiting(format!("{available} of {desired} nodes available"))
            } else {
                Verdict::Done(format!("{available}/{desired} available"))
            }
        }
        _ => Verdict::Done("applied".into()),
    }
}

/// A workload to wait for.
#[derive(Debug, Clone)]
pub(crate) struct Rollout {
    /// The workload.
    pub(crate) key: ObjectKey,
    /// Its resource.
    pub(crate) resolved: Resolved,
}

/// Why a rollout did not finish.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum WaitError {
    /// The cluster says it will not finish.
    #[error("{key}: the rollout failed: {reason}{}", lines(details))]
    Failed {
        key: ObjectKey,
        reason: String,
        details: Vec<String>,
    },
    /// It had not finished when the timeout passed.
    #[error("{key}: not ready after {}s: {last}{}", timeout.as_secs(), lines(details))]
    TimedOut {
        key: ObjectKey,
        last: String,
        timeout: Duration,
        details: Vec<String>,
    },
}

impl WaitError {
    /// What to do about it.
    pub(crate) fn hint(&self) -> String {
        match self {
            WaitError::Failed { key, .. } | WaitError::TimedOut { key, .. } => format!(
                "the objects are applied; fix the cause and deploy again (`kubectl describe {} {}{}` shows more), or pass a longer --timeout",
                key.kind.to_lowercase(),
                key.name,
                if key.namespace.is_empty() {
                    String::new()
                } else {
                    format!(" -n {}", key.namespace)
                }
            ),
        }
    }
}

fn lines(details: &[String]) -> String {
    details.iter().map(|d| format!("\n    {d}")).collect()
}

/// How progress is shown: bars on a terminal, a line per change otherwise.
enum Display<'a> {
    Bars {
        bars: Vec<ProgressBar>,
        /// Keeps drawing the bars.
        _multi: MultiProgress,
    },
    Lines(&'a mut dyn Write, Vec<String>),
}

impl Display<'_> {
    fn show(&mut self, at: usize, key: &ObjectKey, text: &str) {
        match self {
            Display::Bars { bars, .. } => {
                if let Some(bar) = bars.get(at) {
                    bar.set_message(format!("{key}: {text}"));
                    bar.tick();
                }
            }
            Display::Lines(err, last) => {
                if last.get(at).is_some_and(|l| l != text) {
                    let _ = writeln!(err, "  {key}: {text}");
                    last[at] = text.to_owned();
                }
            }
        }
    }

    fn finish(&mut self, at: usize, key: &ObjectKey, text: &str) {
        match self {
            Display::Bars { bars, .. } => {
                if let Some(bar) = bars.get(at) {
                    bar.finish_with_message(format!("{key}: {text}"));
                }
            }
            Display::Lines(err, last) => {
                let _ = writeln!(err, "  {key}: {text}");
                if let Some(l) = last.get_mut(at) {
                    text.clone_into(l);
                }
            }
        }
    }
}

/// Waits up to `timeout` for every rollout; returns those that failed or did not finish, and
/// prints progress to `err` (bars when `terminal`).
pub(crate) async fn wait(
    cluster: &Cluster,
    rollouts: &[Rollout],
    timeout: Duration,
    err: &mut dyn Write,
    terminal: bool,
) -> Vec<WaitError> {
    let deadline = Instant::now() + timeout;
    let mut display = if terminal {
        let multi = MultiProgress::new();
        let style = ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let bars = rollouts
            .iter()
            .map(|r| {
                let bar = multi.add(ProgressBar::new_spinner());
                bar.set_style(style.clone());
                bar.set_message(format!("{}: waiting", r.key));
                bar
            })
            .collect();
        Display::Bars {
            bars,
            _multi: multi,
        }
    } else {
        Display::Lines(err, vec![String::new(); rollouts.len()])
    };
    let mut last: Vec<(String, Option<Value>)> =
        vec![("not read yet".into(), None); rollouts.len()];
    let mut pending: Vec<usize> = (0..rollouts.len()).collect();
    let mut failures = Vec::new();
    while !pending.is_empty() {
        let reads = pending.iter().map(|&at| {
            let rollout = &rollouts[at];
            async move {
                let api = api(cluster, &rollout.resolved, &rollout.key.namespace);
                let read = tokio::time::timeout_at(deadline, api.get(&rollout.key.name)).await;
                (at, read)
            }
        });
        let reads: Vec<_> = stream::iter(reads)
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        let mut still = Vec::new();
        for (at, read) in reads {
            let key = &rollouts[at].key;
            let object = match read {
                Ok(Ok(object)) => serde_json::to_value(object).ok(),
                Ok(Err(e)) => {
                    last[at].0 = format!("cannot read it: {}", chain(&e));
                    None
                }
                Err(_) => None,
            };
            let Some(object) = object else {
                still.push(at);
                continue;
            };
            match judge(&key.kind, &object) {
                Verdict::Done(text) => display.finish(at, key, &text),
                Verdict::Failed(reason) => {
                    display.finish(at, key, &format!("failed: {reason}"));
                    let details = details(cluster, key, &object).await;
                    failures.push(WaitError::Failed {
                        key: key.clone(),
                        reason,
                        details,
                    });
                }
                Verdict::Waiting(text) => {
                    display.show(at, key, &text);
                    last[at] = (text, Some(object));
                    still.push(at);
                }
            }
        }
        still.sort_unstable();
        pending = still;
        if pending.is_empty() {
            break;
        }
        if Instant::now() >= deadline {
            for &at in &pending {
                let key = &rollouts[at].key;
                let details = match &last[at].1 {
                    Some(object) => {
                        // The details are read even though the time is up: a few requests, each
                        // bounded by the client's timeouts.
                        tokio::time::timeout(Duration::from_secs(10), details(cluster, key, object))
                            .await
                            .unwrap_or_default()
                    }
                    None => Vec::new(),
                };
                display.finish(at, key, &format!("timed out: {}", last[at].0));
                failures.push(WaitError::TimedOut {
                    key: key.clone(),
                    last: last[at].0.clone(),
                    timeout,
                    details,
                });
            }
            break;
        }
        tokio::time::sleep_until(deadline.min(Instant::now() + POLL)).await;
    }
    failures
}

/// Judges the object that installs an add-on (`kind`: a Flux `HelmRelease` or an Argo CD
/// `Application`; JSON, with its status): a HelmRelease is done when its `Ready` condition is
/// true at its generation (it failed when Flux gave up: `Stalled`), an Application when it is
/// `Healthy` and `Synced`.
pub(crate) fn judge_installer(kind: &str, object: &Value) -> Verdict {
    let status = &object["status"];
    let condition = |type_: &str| condition(status, type_);
    if kind == "Application" {
        let health = status["health"]["status"].as_str();
        let sync = status["sync"]["status"].as_str();
        if health == Some("Healthy") && sync == Some("Synced") {
            return Verdict::Done("Healthy and Synced".into());
        }
        if health.is_none() && sync.is_none() {
            return Verdict::Waiting(
                "Argo CD has not reported on it yet (is Argo CD running?)".into(),
            );
        }
        let message = status["operationState"]["message"]
            .as_str()
            .or(status["health"]["message"].as_str())
            .map(|m| format!(": {}", m.trim()))
            .unwrap_or_default();
        return Verdict::Waiting(format!(
            "health {}, sync {}{message}",
            health.unwrap_or("unknown"),
            sync.unwrap_or("unknown")
        ));
    }
    if let Some(stalled) = condition("Stalled").filter(|c| c["status"] == "True") {
        return Verdict::Failed(explain(stalled));
    }
    let Some(ready) = condition("Ready") else {
        return Verdict::Waiting(
            "Flux has not reported on it yet: no Ready condition (is Flux running? `flux check`)"
                .into(),
        );
    };
    let generation = object["metadata"]["generation"].as_i64().unwrap_or(0);
    let observed = status["observedGeneration"].as_i64().unwrap_or(-1);
    let said = explain(ready);
    let said = if said.is_empty() {
        String::new()
    } else {
        format!(": {said}")
    };
    if observed < generation {
        Verdict::Waiting(format!(
            "Flux has not reconciled generation {generation} yet (Ready {}{said})",
            ready["status"].as_str().unwrap_or("Unknown")
        ))
    } else if ready["status"] == "True" {
        Verdict::Done(format!("Ready{said}"))
    } else {
        Verdict::Waiting(format!(
            "Ready {}{said}",
            ready["status"].as_str().unwrap_or("Unknown")
        ))
    }
}

/// An add-on to wait for before applying the objects it serves.
#[derive(Debug, Clone)]
pub(crate) struct AddOnWait {
    /// The add-on.
    pub(crate) add_on: AddOn,
    /// The object that installs it.
    pub(crate) installer: ObjectKey,
    /// Its resource.
    pub(crate) resolved: Resolved,
    /// The (API version, kind) it must serve: those of the objects waiting for it.
    pub(crate) kinds: BTreeSet<(String, String)>,
    /// The objects waiting for it.
    pub(crate) objects: Vec<ObjectKey>,
}

impl AddOnWait {
    /// `KEDA, installed by HelmRelease flux-system/keda`.
    pub(crate) fn describe(&self) -> String {
        format!("{}, installed by {}", self.add_on, named(&self.installer))
    }

    /// The kinds it must serve, for sentences.
    pub(crate) fn kinds(&self) -> String {
        let kinds: Vec<String> = self.kinds.iter().map(|(v, k)| format!("{v} {k}")).collect();
        kinds.join(", ")
    }
}

/// Why an add-on did not come to serve the objects waiting for it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum AddOnError {
    /// Its controller gave up installing it.
    #[error(
        "{add_on}, installed by {}, failed to install: {reason}; not applied: {}",
        named(installer),
        objects(not_applied)
    )]
    Failed {
        add_on: AddOn,
        installer: ObjectKey,
        reason: String,
        not_applied: Vec<ObjectKey>,
    },
    /// It was not ready when the timeout passed.
    #[error("{add_on}, installed by {}, was not ready after {}s: {last}; not applied: {}", named(installer), timeout.as_secs(), objects(not_applied))]
    NotReady {
        add_on: AddOn,
        installer: ObjectKey,
        /// Its last status (with its last Ready message, if any).
        last: String,
        timeout: Duration,
        not_applied: Vec<ObjectKey>,
    },
    /// It is ready, but the cluster did not serve its kinds before the timeout.
    #[error("{add_on}, installed by {}, is ready, but the cluster did not serve {kinds} within {}s{last}; not applied: {}", named(installer), timeout.as_secs(), objects(not_applied))]
    NotServed {
        add_on: AddOn,
        installer: ObjectKey,
        kinds: String,
        /// Why discovery failed, if it did.
        last: String,
        timeout: Duration,
        not_applied: Vec<ObjectKey>,
    },
}

fn objects(keys: &[ObjectKey]) -> String {
    let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
    keys.join(", ")
}

impl AddOnError {
    /// What to do about it.
    pub(crate) fn hint(&self) -> String {
        let installer = match self {
            AddOnError::Failed { installer, .. }
            | AddOnError::NotReady { installer, .. }
            | AddOnError::NotServed { installer, .. } => installer,
        };
        let (name, namespace) = (&installer.name, &installer.namespace);
        let look = if installer.kind == "Application" {
            format!("`argocd app get {name}`, `kubectl describe application {name} -n {namespace}`")
        } else {
            format!(
                "`flux get helmreleases -n {namespace} {name}`, `kubectl describe helmrelease {name} -n {namespace}`"
            )
        };
        let why = match self {
            AddOnError::NotServed { kinds, .. } => {
                format!("check that its chart's version serves {kinds} (`kubectl api-resources`)")
            }
            _ => format!("see why it does not install ({look})"),
        };
        format!(
            "the objects applied before stay applied; {why}, then deploy again: it applies the rest (or pass a longer --timeout)"
        )
    }
}

/// Prints `  <installer>: <text>` to `err`.
fn progress(err: &mut dyn Write, wait: &AddOnWait, text: &str) {
    let _ = writeln!(err, "  {}: {text}", named(&wait.installer));
}

/// Waits up to `timeout` until the object that installs each add-on of `waits` is ready
/// ([`judge_installer`]), then until the cluster serves their kinds (discovery, read again);
/// returns what the cluster then serves, or why an add-on did not come. Progress goes to `err`,
/// a line per change.
pub(crate) async fn wait_for_add_ons(
    cluster: &Cluster,
    waits: &[AddOnWait],
    timeout: Duration,
    err: &mut dyn Write,
) -> Result<Catalog, Vec<AddOnError>> {
    let deadline = Instant::now() + timeout;
    let mut last: Vec<String> = vec!["not read yet".into(); waits.len()];
    let mut ready = vec![false; waits.len()];
    let mut told_serving = false;
    let mut discovery = String::new();
    loop {
        let reads =
            waits
                .iter()
                .enumerate()
                .filter(|(at, _)| !ready[*at])
                .map(|(at, wait)| async move {
                    let api = api(cluster, &wait.resolved, &wait.installer.namespace);
                    let read =
                        tokio::time::timeout_at(deadline, api.get(&wait.installer.name)).await;
                    (at, read)
                });
        let reads: Vec<_> = stream::iter(reads)
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        let mut failures = Vec::new();
        for (at, read) in reads {
            let wait = &waits[at];
            let verdict = match read {
                Ok(Ok(object)) => match serde_json::to_value(object) {
                    Ok(object) => judge_installer(&wait.installer.kind, &object),
                    Err(e) => Verdict::Waiting(format!("cannot read it: {e}")),
                },
                Ok(Err(e)) => Verdict::Waiting(format!("cannot read it: {}", chain(&e))),
                Err(_) => continue,
            };
            match verdict {
                Verdict::Done(text) => {
                    ready[at] = true;
                    progress(err, wait, &format!("ready ({text})"));
                }
                Verdict::Failed(reason) => {
                    progress(err, wait, &format!("failed: {reason}"));
                    failures.push(AddOnError::Failed {
                        add_on: wait.add_on,
                        installer: wait.installer.clone(),
                        reason,
                        not_applied: wait.objects.clone(),
                    });
                }
                Verdict::Waiting(text) => {
                    if last[at] != text {
                        progress(err, wait, &text);
                        last[at] = text;
                    }
                }
            }
        }
        if !failures.is_empty() {
            return Err(failures);
        }
        let mut unserved: Vec<usize> = Vec::new();
        if ready.iter().all(|r| *r) {
            match Catalog::discover(cluster).await {
                Ok(catalog) => {
                    unserved = (0..waits.len())
                        .filter(|&at| {
                            waits[at].kinds.iter().any(|(v, k)| {
                                !matches!(catalog.resolve(v, k), Resolution::Served(_))
                            })
                        })
                        .collect();
                    if unserved.is_empty() {
                        return Ok(catalog);
                    }
                }
                Err(e) => {
                    // An add-on's aggregated API (KEDA's metrics server) can fail discovery
                    // until its pods run.
                    discovery = format!(" (discovery failed: {e})");
                    unserved = (0..waits.len()).collect();
                }
            }
            if !told_serving {
                for &at in &unserved {
                    let wait = &waits[at];
                    let _ = writeln!(err, "  waiting for the cluster to serve {}", wait.kinds());
                }
                told_serving = true;
            }
        }
        if Instant::now() >= deadline {
            let errors = (0..waits.len())
                .filter(|&at| !ready[at] || unserved.contains(&at))
                .map(|at| {
                    let wait = &waits[at];
                    if ready[at] {
                        AddOnError::NotServed {
                            add_on: wait.add_on,
                            installer: wait.installer.clone(),
                            kinds: wait.kinds(),
                            last: discovery.clone(),
                            timeout,
                            not_applied: wait.objects.clone(),
                        }
                    } else {
                        AddOnError::NotReady {
                            add_on: wait.add_on,
                            installer: wait.installer.clone(),
                            last: last[at].clone(),
                            timeout,
                            not_applied: wait.objects.clone(),
                        }
                    }
                })
                .collect();
            return Err(errors);
        }
        tokio::time::sleep_until(deadline.min(Instant::now() + POLL)).await;
    }
}

/// What the cluster says about a workload that does not roll out: its pods' waiting reasons
/// and unscheduled conditions, and recent Warning events about it and its pods.
async fn details(cluster: &Cluster, key: &ObjectKey, object: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let selector: Vec<String> = object["spec"]["selector"]["matchLabels"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some(format!("{k}={}", v.as_str()?)))
        .collect();
    let mut pods: Vec<String> = Vec::new();
    if !selector.is_empty() {
        let api = api(cluster, &core("Pod", "pods", true), &key.namespace);
        let params = ListParams::default().labels(&selector.join(",")).limit(20);
        if let Ok(list) = api.list(&params).await {
            for pod in list.items {
                let name = pod.metadata.name.clone().unwrap_or_default();
                let status = &pod.data["status"];
                for c in status["containerStatuses"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .chain(
                        status["initContainerStatuses"]
                            .as_array()
                            .into_iter()
                            .flatten(),
                    )
                {
                    let waiting = &c["state"]["waiting"];
                    if let Some(reason) = waiting["reason"].as_str() {
                        let message = waiting["message"].as_str().unwrap_or("");
                        found.push(format!(
                            "pod {name}: container {}: {reason}{}{message}",
                            c["name"].as_str().unwrap_or("?"),
                            if message.is_empty() { "" } else { ": " }
                        ));
                    }
                }
                for c in status["conditions"].as_array().into_iter().flatten() {
                    if c["type"] == "PodScheduled" && c["status"] == "False" {
                        found.push(format!(
                            "pod {name}: not scheduled: {}: {}",
                            c["reason"].as_str().unwrap_or("?"),
                            c["message"].as_str().unwrap_or("")
                        ));
                    }
                }
                pods.push(name);
            }
        }
    }
    let events = api(cluster, &core("Event", "events", true), &key.namespace);
    let params = ListParams::default().fields("type=Warning");
    if let Ok(list) = events.list(&params).await {
        let prefix = format!("{}-", key.name);
        let mut warnings: Vec<(String, String)> = list
            .items
            .into_iter()
            .filter_map(|event| {
                let about = &event.data["involvedObject"];
                let name = about["name"].as_str()?;
                let kind = about["kind"].as_str().unwrap_or("");
                let ours = (kind == key.kind && name == key.name)
                    || pods.iter().any(|p| p == name)
                    || (matches!(kind, "Pod" | "ReplicaSet") && name.starts_with(&prefix));
                if !ours {
                    return None;
                }
                let when = event.data["lastTimestamp"]
                    .as_str()
                    .or(event.data["eventTime"].as_str())
                    .unwrap_or("")
                    .to_owned();
                Some((
                    when,
                    format!(
                        "Warning {} ({kind} {name}): {}",
                        event.data["reason"].as_str().unwrap_or("?"),
                        event.data["message"].as_str().unwrap_or("").trim()
                    ),
                ))
            })
            .collect();
        warnings.sort();
        let mut seen = Vec::new();
        for (_, text) in warnings.into_iter().rev() {
            if !seen.contains(&text) && seen.len() < 5 {
                seen.push(text);
            }
        }
        found.extend(seen);
    }
    found
}

/// The condition of type `type_` in `status.conditions`, if any.
fn condition<'a>(status: &'a Value, type_: &str) -> Option<&'a Value> {
    status["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == type_)
}

/// A condition's reason and message, as one line: `reason: message`, or whichever it has.
fn explain(condition: &Value) -> String {
    let reason = condition["reason"].as_str().unwrap_or("");
    let message = condition["message"].as_str().unwrap_or("").trim();
    match (reason.is_empty(), message.is_empty()) {
        (false, false) => format!("{reason}: {message}"),
        (false, true) => reason.to_owned(),
        _ => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deployments_are_done_when_available_at_their_generation() {
        let d = |generation: i64, status: Value| json!({"metadata": {"generation": generation}, "spec": {"replicas": 2}, "status": status});
        assert!(
            matches!(judge("Deployment", &d(2, json!({"observedGeneration": 1}))), Verdict::Waiting(t) if t.contains("generation 2"))
        );
        assert_eq!(
            judge(
                "Deployment",
                &d(
                    2,
                    json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 2, "availableReplicas": 2})
                )
            ),
            Verdict::Waiting("1 old replica pending termination".into())
        );
        assert_eq!(
            judge(
                "Deployment",
                &d(
                    2,
                    json!({"observedGeneration": 2, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 1})
                )
            ),
            Verdict::Waiting("1 of 2 updated replicas available".into())
        );
        assert_eq!(
            judge(
                "Deployment",
                &d(
                    2,
                    json!({"observedGeneration": 2, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2})
                )
            ),
            Verdict::Done("2/2 available".into())
        );
        assert_eq!(
            judge(
                "Deployment",
                &d(
                    2,
                    json!({"observedGeneration": 2, "updatedReplicas": 1,
                "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                    "message": "ReplicaSet \"api-5d\" has timed out progressing."}]})
                )
            ),
            Verdict::Failed(
                "ProgressDeadlineExceeded: ReplicaSet \"api-5d\" has timed out progressing.".into()
            )
        );
    }

    #[test]
    fn an_add_on_is_ready_when_its_release_or_application_is() {
        let release = |generation: i64, status: Value| json!({"metadata": {"generation": generation}, "status": status});
        assert!(matches!(
            judge_installer("HelmRelease", &release(1, json!({}))),
            Verdict::Waiting(t) if t.contains("no Ready condition")
        ));
        let ready = |status: &str, observed: i64| {
            json!({"observedGeneration": observed, "conditions": [{"type": "Ready", "status": status,
                "reason": "InstallSucceeded", "message": "Helm install succeeded for release keda/keda.v1"}]})
        };
        assert_eq!(
            judge_installer("HelmRelease", &release(2, ready("True", 1))),
            Verdict::Waiting("Flux has not reconciled generation 2 yet (Ready True: InstallSucceeded: Helm install succeeded for release keda/keda.v1)".into())
        );
        assert_eq!(
            judge_installer("HelmRelease", &release(2, ready("True", 2))),
            Verdict::Done(
                "Ready: InstallSucceeded: Helm install succeeded for release keda/keda.v1".into()
            )
        );
        assert!(matches!(
            judge_installer("HelmRelease", &release(2, ready("Unknown", 2))),
            Verdict::Waiting(t) if t.starts_with("Ready Unknown: InstallSucceeded")
        ));
        assert_eq!(
            judge_installer(
                "HelmRelease",
                &release(
                    1,
                    json!({"observedGeneration": 1, "conditions": [
                        {"type": "Ready", "status": "False", "reason": "InstallFailed", "message": "timed out"},
                        {"type": "Stalled", "status": "True", "reason": "RetriesExceeded", "message": "Failed to install after 3 attempts"}]})
                )
            ),
            Verdict::Failed("RetriesExceeded: Failed to install after 3 attempts".into())
        );
        let app = |health: &str, sync: &str| json!({"status": {"health": {"status": health}, "sync": {"status": sync}}});
        assert_eq!(
            judge_installer("Application", &app("Healthy", "Synced")),
            Verdict::Done("Healthy and Synced".into())
        );
        assert_eq!(
            judge_installer("Application", &app("Progressing", "Synced")),
            Verdict::Waiting("health Progressing, sync Synced".into())
        );
        assert!(matches!(
            judge_installer("Application", &json!({})),
            Verdict::Waiting(t) if t.contains("is Argo CD running?")
        ));
    }

    #[test]
    fn jobs_statefulsets_and_daemonsets() {
        assert_eq!(
            judge(
                "Job",
                &json!({"status": {"conditions": [{"type": "Complete", "status": "True"}]}})
            ),
            Verdict::Done("complete".into())
        );
        assert_eq!(
            judge(
                "Job",
                &json!({"status": {"failed": 4, "conditions": [{"type": "Failed", "status": "True",
                "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}]}})
            ),
            Verdict::Failed(
                "BackoffLimitExceeded: Job has reached the specified backoff limit".into()
            )
        );
        assert_eq!(
            judge("Job", &json!({"status": {"active": 1}})),
            Verdict::Waiting("1 running, 0 succeeded, 0 failed".into())
        );
        let sts = json!({"metadata": {"generation": 1}, "spec": {"replicas": 1},
            "status": {"observedGeneration": 1, "updatedReplicas": 1, "readyReplicas": 0}});
        assert_eq!(
            judge("StatefulSet", &sts),
            Verdict::Waiting("0 of 1 pods ready".into())
        );
        let ds = json!({"metadata": {"generation": 1}, "status": {"observedGeneration": 1,
            "desiredNumberScheduled": 3, "updatedNumberScheduled": 3, "numberAvailable": 3}});
        assert_eq!(
            judge("DaemonSet", &ds),
            Verdict::Done("3/3 available".into())
        );
        assert!(waits_for("apps", "Deployment") && waits_for("batch", "Job"));
        assert!(!waits_for("", "Service") && !waits_for("batch", "CronJob"));
    }
}
