//! `deploy` and `bootstrap`: each stack by a change set, shown, judged, confirmed, executed and
//! followed until it settles.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use aws_sdk_cloudformation::types::ChangeSetType;
use girder_synth::Assembly;
use girder_synth::diff::{ObjectKey, compare};
use girder_synth::output::DeployStep;
use girder_synth::remote::{Console, Selection};
use serde_json::Value;
use tokio::time::Instant;

use crate::assets::{self, BUCKET_OUTPUT, Delivery, TOOLKIT_STACK};
use crate::changes::{ChangeRow, render_table};
use crate::connect::{Connection, Settings, connect};
use crate::fault::Fault;
use crate::ops::{self, ChangeSet, Progress, Watch, failure_lines};
use crate::state::{Outcome, StackState};

/// How a deploy may act.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy {
    /// Execute without asking.
    pub(crate) yes: bool,
    /// Replace or delete stateful resources.
    pub(crate) allow_destroy: bool,
    /// How long to wait for each stack.
    pub(crate) timeout: Duration,
}

impl Policy {
    /// The policy the command line's `options` set.
    pub(crate) fn of(options: &girder_synth::remote::DeployOptions) -> Self {
        Policy {
            yes: options.yes,
            allow_destroy: options.allow_destroy,
            timeout: options.timeout,
        }
    }
}

/// What deploying one stack did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Done {
    /// Nothing to change.
    Unchanged,
    /// Executed and settled.
    Deployed,
    /// Shown only: no one could confirm it.
    Shown,
}

/// The selected stacks of the assembly, in deploy order, with their environment and template.
pub(crate) fn selected<'a>(
    assembly: &'a Assembly,
    selection: &Selection,
) -> Vec<(&'a DeployStep, &'a str, String)> {
    assembly
        .manifest
        .stacks
        .iter()
        .filter_map(|step| {
            let env = step.template.split('/').next().unwrap_or_default();
            if !selection.includes(env) {
                return None;
            }
            let body = assembly.files.get(&step.template)?.to_string();
            Some((step, env, body))
        })
        .collect()
}

/// Connects once to each account and region of `steps`.
pub(crate) async fn connect_all<'s>(
    settings: &Settings,
    steps: impl IntoIterator<Item = &'s DeployStep>,
) -> Result<BTreeMap<(String, String), Connection>, Fault> {
    let mut connections = BTreeMap::new();
    for step in steps {
        let at = (step.account.clone(), step.region.clone());
        if let std::collections::btree_map::Entry::Vacant(slot) = connections.entry(at) {
            slot.insert(connect(settings, &step.account, &step.region, &step.stack).await?);
        }
    }
    Ok(connections)
}

/// The connection of `step` (made by [`connect_all`]).
pub(crate) fn connection_of<'c>(
    connections: &'c BTreeMap<(String, String), Connection>,
    step: &DeployStep,
) -> Result<&'c Connection, Fault> {
    connections
        .get(&(step.account.clone(), step.region.clone()))
        .ok_or_else(|| Fault::Api {
            operation: "connect",
            stack: step.stack.clone(),
            code: "no connection".to_owned(),
            message: format!("no client for {}/{}", step.account, step.region),
        })
}

/// The asset bucket of the connection's account and region, `None` when not bootstrapped.
pub(crate) async fn asset_bucket(conn: &Connection) -> Result<Option<String>, Fault> {
    let Some(info) = ops::describe(conn, TOOLKIT_STACK).await? else {
        return Ok(None);
    };
    if StackState::of(Some(&info.status)) != StackState::Ready {
        return Ok(None);
    }
    if let Some((_, bucket)) = info
        .outputs
        .into_iter()
        .find(|(key, _)| key == BUCKET_OUTPUT)
    {
        return Ok(Some(bucket));
    }
    // Without its output (a server that does not compute outputs), the bucket resource's
    // physical ID is its name.
    let resource = conn
        .cfn
        .describe_stack_resource()
        .stack_name(TOOLKIT_STACK)
        .logical_resource_id(assets::BUCKET_RESOURCE)
        .send()
        .await;
    Ok(resource.ok().and_then(|out| {
        out.stack_resource_detail()
            .and_then(|detail| detail.physical_resource_id())
            .map(str::to_owned)
    }))
}

/// Deploys the selected stacks in order. Stops at the first stack that fails or is refused.
pub(crate) async fn deploy(
    assembly: &Assembly,
    selection: &Selection,
    policy: Policy,
    settings: &Settings,
    console: &mut Console<'_>,
) -> Result<(), Fault> {
    let steps = selected(assembly, selection);
    let connections = connect_all(settings, steps.iter().map(|(step, ..)| *step)).await?;
    // Every template over the inline limit needs its account's bucket: checked before any
    // change, so that a missing bootstrap changes nothing.
    let mut buckets: BTreeMap<(String, String), String> = BTreeMap::new();
    for (step, _, body) in &steps {
        let at = (step.account.clone(), step.region.clone());
        if assets::delivery(body) == Delivery::Inline || buckets.contains_key(&at) {
            continue;
        }
        let conn = connection_of(&connections, step)?;
        match asset_bucket(conn).await? {
            Some(bucket) => {
                buckets.insert(at, bucket);
            }
            None => {
                return Err(Fault::NotBootstrapped {
                    stack: step.stack.clone(),
                    size: body.len(),
                    account: step.account.clone(),
                    region: step.region.clone(),
                });
            }
        }
    }
    let mut deployed: Vec<&str> = Vec::new();
    let mut shown = 0;
    for (step, env, body) in &steps {
        let conn = connection_of(&connections, step)?;
        let bucket = buckets
            .get(&(step.account.clone(), step.region.clone()))
            .map(String::as_str);
        match deploy_stack(conn, &step.stack, env, body, bucket, policy, console).await {
            Ok(Done::Deployed) => deployed.push(&step.stack),
            Ok(Done::Unchanged) => {}
            Ok(Done::Shown) => shown += 1,
            Err(fault) if !deployed.is_empty() => {
                return Err(part_way(fault, &deployed));
            }
            Err(fault) => return Err(fault),
        }
    }
    if shown > 0 {
        return Err(Fault::NotConfirmed {
            what: format!(
                "deploying {shown} stack{} (no terminal to ask, and no --yes)",
                if shown == 1 { "" } else { "s" }
            ),
        });
    }
    Ok(())
}

/// A fault after some stacks were deployed: the deploy failed part-way.
fn part_way(fault: Fault, deployed: &[&str]) -> Fault {
    if matches!(fault, Fault::Failed { .. }) {
        return fault;
    }
    let hint = fault.hint();
    Fault::Failed {
        what: format!(
            "{fault}\n  note: stack{} {} {} deployed before it",
            if deployed.len() == 1 { "" } else { "s" },
            deployed.join(", "),
            if deployed.len() == 1 { "was" } else { "were" },
        ),
        hint: format!("{hint}; the next deploy goes on from this stack"),
    }
}

/// Creates or updates the bootstrap stack of each account and region of the selected stacks.
pub(crate) async fn bootstrap(
    assembly: &Assembly,
    selection: &Selection,
    timeout: Duration,
    settings: &Settings,
    console: &mut Console<'_>,
) -> Result<(), Fault> {
    let steps = selected(assembly, selection);
    let connections = connect_all(settings, steps.iter().map(|(step, ..)| *step)).await?;
    let template = assets::toolkit_template();
    // The toolkit is Girder's own: `bootstrap` is the confirmation, and its bucket is never
    // replaced (it is retained and would need a person).
    let policy = Policy {
        yes: true,
        allow_destroy: false,
        timeout,
    };
    for ((account, region), conn) in &connections {
        deploy_stack(conn, TOOLKIT_STACK, "", &template, None, policy, console).await?;
        match asset_bucket(conn).await? {
            Some(bucket) => {
                let _ = writeln!(
                    console.out,
                    "bootstrapped account {account} in {region}: asset bucket {bucket}"
                );
            }
            None => {
                return Err(Fault::Failed {
                    what: format!(
                        "stack {TOOLKIT_STACK} in account {account}, {region} has no output \
                         {BUCKET_OUTPUT}"
                    ),
                    hint: format!(
                        "look at stack {TOOLKIT_STACK} in the CloudFormation console; delete it \
                         if it is not Girder's, then run `bootstrap` again"
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Deploys one stack: settles its state, makes a change set, shows it, refuses what destroys
/// data unless allowed, asks, executes and follows it. `env` is the scope of its objects in
/// Girder's own comparison (empty for the toolkit).
pub(crate) async fn deploy_stack(
    conn: &Connection,
    name: &str,
    env: &str,
    body: &str,
    bucket: Option<&str>,
    policy: Policy,
    console: &mut Console<'_>,
) -> Result<Done, Fault> {
    let deadline = Instant::now() + policy.timeout;
    let info = prepare(conn, name, policy, deadline, console).await?;
    let kind = if info.is_some() {
        ChangeSetType::Update
    } else {
        ChangeSetType::Create
    };
    if info.is_some() {
        ops::delete_leftovers(conn, name, console.err).await?;
    }
    let created = kind == ChangeSetType::Create;
    let cs_name = ops::change_set_name(false);
    let made = ops::create_change_set(conn, name, kind, body, bucket, &cs_name, deadline).await?;
    // Discards the change set, and for a stack that did not exist, the empty stack it made.
    let discard = |id: String| async move {
        let _ = ops::delete_change_set(conn, name, &id).await;
        if created {
            let _ = conn.cfn.delete_stack().stack_name(name).send().await;
        }
    };
    let (id, rows) = match made {
        ChangeSet::NoChanges { id } => {
            if !id.is_empty() {
                let _ = ops::delete_change_set(conn, name, &id).await;
            }
            let _ = writeln!(console.out, "stack {name}: no changes");
            return Ok(Done::Unchanged);
        }
        ChangeSet::Failed { id, reason } => {
            discard(id).await;
            return Err(Fault::ChangeSetFailed {
                stack: name.to_owned(),
                reason,
            });
        }
        ChangeSet::Ready { id, rows } => (id, rows),
    };
    let _ = write!(console.out, "{}", render_table(name, &rows));
    let destroyed = if info.is_some() {
        destructive(conn, name, env, body, &rows).await?
    } else {
        Vec::new()
    };
    if !destroyed.is_empty() {
        for what in &destroyed {
            let _ = writeln!(console.out, "  ! destructive: {what}");
        }
        if !policy.allow_destroy {
            discard(id).await;
            return Err(Fault::Destructive {
                stack: name.to_owned(),
                count: destroyed.len(),
                what: destroyed.join("; "),
            });
        }
        let _ = writeln!(
            console.err,
            "warning: stack {name}: deploying {} destructive change{} (--allow-destroy)",
            destroyed.len(),
            if destroyed.len() == 1 { "" } else { "s" }
        );
    }
    if !policy.yes {
        if console.confirm.is_none() {
            discard(id).await;
            return Ok(Done::Shown);
        }
        let question = format!(
            "Deploy {} change{} to stack {name}?",
            rows.len(),
            if rows.len() == 1 { "" } else { "s" }
        );
        if !console.confirm(&question) {
            discard(id).await;
            return Err(Fault::NotConfirmed {
                what: format!("deploying stack {name}"),
            });
        }
    }
    execute(conn, name, &id, deadline, console).await?;
    Ok(Done::Deployed)
}

/// Brings stack `name` to a state a change set can be made in: waits for a running operation,
/// deletes an empty stack left by an earlier run, deletes a failed first create when allowed.
/// Gives the stack, `None` when it is to be created.
async fn prepare(
    conn: &Connection,
    name: &str,
    policy: Policy,
    deadline: Instant,
    console: &mut Console<'_>,
) -> Result<Option<ops::StackInfo>, Fault> {
    let info = ops::wait_idle(conn, name, deadline, console.err).await?;
    let status = info.as_ref().map(|i| i.status.clone());
    let refuse = |why: &str, hint: String| Fault::StackState {
        stack: name.to_owned(),
        status: status.clone().unwrap_or_default(),
        why: why.to_owned(),
        hint,
    };
    match StackState::of(status.as_deref()) {
        StackState::Ready => Ok(info),
        StackState::Missing => Ok(None),
        StackState::InProgress => Err(refuse(
            &format!(
                "another operation is still running after {:?}",
                policy.timeout
            ),
            "wait for it to finish (see the stack's events in the CloudFormation console), or \
             give a longer --timeout; then deploy again. Nothing was changed"
                .to_owned(),
        )),
        StackState::Review => {
            let foreign: Vec<String> = ops::change_sets(conn, name)
                .await?
                .into_iter()
                .map(|(_, cs)| cs)
                .filter(|cs| !cs.starts_with(ops::CHANGE_SET_PREFIX))
                .collect();
            if !foreign.is_empty() {
                return Err(refuse(
                    &format!(
                        "it has no resources yet, and change sets Girder did not make await \
                         review: {}",
                        foreign.join(", ")
                    ),
                    format!(
                        "execute or delete those change sets (`aws cloudformation \
                         delete-change-set --stack-name {name} --change-set-name NAME`), then \
                         deploy again"
                    ),
                ));
            }
            // An empty stack left by an interrupted or failed first deploy: made again.
            let _ = writeln!(
                console.err,
                "stack {name}: deleting the empty stack an earlier deploy left \
                 (REVIEW_IN_PROGRESS), to create it again"
            );
            remove(conn, name, info.as_ref(), deadline, console).await?;
            Ok(None)
        }
        StackState::FailedCreate => {
            if !policy.allow_destroy {
                return Err(refuse(
                    "its first create failed and rolled back: it holds no resources, and \
                     CloudFormation cannot update it",
                    format!(
                        "read why in its events (`aws cloudformation describe-stack-events \
                         --stack-name {name}`), fix the program, and deploy again with \
                         --allow-destroy to delete the failed stack and create it again"
                    ),
                ));
            }
            let _ = writeln!(
                console.err,
                "stack {name}: its first create failed (ROLLBACK_COMPLETE); deleting it to create \
                 it again (--allow-destroy)"
            );
            remove(conn, name, info.as_ref(), deadline, console).await?;
            Ok(None)
        }
        StackState::RollbackFailed => Err(refuse(
            "an update failed and could not roll back: CloudFormation will not update it",
            format!(
                "fix what blocked the rollback (its events say which resources), then run `aws \
                 cloudformation continue-update-rollback --stack-name {name}` (with \
                 --resources-to-skip for resources that cannot be restored), and deploy again"
            ),
        )),
        StackState::DeleteFailed => Err(refuse(
            "a delete failed: some of its resources are left",
            format!(
                "read its events for the resources CloudFormation could not delete, remove what \
                 blocks them, then `aws cloudformation delete-stack --stack-name {name}` and \
                 deploy again"
            ),
        )),
        StackState::Unknown => Err(refuse(
            "Girder does not know this status",
            "look at the stack in the CloudFormation console and bring it to a *_COMPLETE \
             status, then deploy again"
                .to_owned(),
        )),
    }
}

/// Deletes stack `name` and waits until it is gone.
async fn remove(
    conn: &Connection,
    name: &str,
    info: Option<&ops::StackInfo>,
    deadline: Instant,
    console: &mut Console<'_>,
) -> Result<(), Fault> {
    let id = info.map_or(name, |i| i.id.as_str());
    let progress = Progress::new(console.terminal, &format!("deleting {name}"));
    let settled = ops::delete_stack(conn, id, name, deadline, &progress, console.err).await?;
    drop(progress);
    if settled.outcome == Outcome::Succeeded {
        Ok(())
    } else {
        Err(Fault::StackState {
            stack: name.to_owned(),
            status: settled.status,
            why: format!(
                "deleting it to create it again did not finish{}",
                failure_lines(&settled.failures)
            ),
            hint: format!("delete stack {name} in the CloudFormation console, then deploy again"),
        })
    }
}

/// What a change set to `name` destroys: CloudFormation's answer (removed or replaced
/// resources whose type holds data), then what Girder's own comparison of the deployed
/// template with `body` finds about other resources (create-only properties, moved logical
/// IDs).
async fn destructive(
    conn: &Connection,
    name: &str,
    env: &str,
    body: &str,
    rows: &[ChangeRow],
) -> Result<Vec<String>, Fault> {
    let mut found: Vec<String> = rows.iter().filter_map(ChangeRow::destroys).collect();
    let flagged: BTreeSet<&str> = rows
        .iter()
        .filter(|row| row.destroys().is_some())
        .map(|row| row.logical_id.as_str())
        .collect();
    let Some(deployed) = ops::deployed_template(conn, name).await? else {
        return Ok(found);
    };
    let old = template_objects(env, name, &deployed);
    let new = template_objects(env, name, body);
    let report = compare(&old, &new);
    for (change, risk) in report.risks() {
        if !risk.is_destructive() {
            continue;
        }
        let key = match change {
            girder_synth::diff::Change::Added(k)
            | girder_synth::diff::Change::Removed(k)
            | girder_synth::diff::Change::Changed(k, _) => k,
        };
        if let ObjectKey::CloudFormation {
            key: girder_aws::diff::ObjectKey::Resource { logical_id, .. },
            ..
        } = key
            && flagged.contains(logical_id.as_str())
        {
            continue;
        }
        found.push(format!("{key}: {risk}"));
    }
    Ok(found)
}

/// The compared objects of template `text` of stack `name` in scope `env`; an unreadable
/// template has none.
pub(crate) fn template_objects(env: &str, name: &str, text: &str) -> BTreeMap<ObjectKey, Value> {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
        return BTreeMap::new();
    };
    girder_aws::diff::objects(name, map)
        .unwrap_or_default()
        .into_iter()
        .map(|(key, value)| {
            let scope = env.to_owned();
            (ObjectKey::CloudFormation { scope, key }, value)
        })
        .collect()
}

/// Executes change set `id` of stack `name` and follows it until it settles.
async fn execute(
    conn: &Connection,
    name: &str,
    id: &str,
    deadline: Instant,
    console: &mut Console<'_>,
) -> Result<(), Fault> {
    let stack_id = ops::describe(conn, name)
        .await?
        .map_or_else(|| name.to_owned(), |info| info.id);
    let after = ops::newest_event(conn, &stack_id).await;
    let progress = Progress::new(console.terminal, &format!("deploying {name}"));
    let _ = writeln!(console.err, "stack {name}: executing change set");
    if let Err(e) = conn
        .cfn
        .execute_change_set()
        .change_set_name(id)
        .send()
        .await
    {
        let fault = Fault::of_sdk("ExecuteChangeSet", name, e);
        let failures = match ops::describe(conn, &stack_id).await {
            Ok(Some(info)) => format!(" (the stack is {})", info.status),
            _ => String::new(),
        };
        return Err(match fault {
            Fault::Api { code, message, .. } => Fault::Failed {
                what: format!(
                    "stack {name}: CloudFormation failed to execute the change set{failures}: \
                     {code}: {message}"
                ),
                hint: "fix what CloudFormation names in the program and deploy again; the next \
                       deploy completes or replaces this one"
                    .to_owned(),
            },
            other => other,
        });
    }
    let watch = Watch {
        deleting: false,
        after,
        deadline,
    };
    let settled = ops::wait(conn, &stack_id, name, watch, &progress, console.err).await?;
    drop(progress);
    match settled.outcome {
        Outcome::Succeeded => {
            let _ = writeln!(console.out, "stack {name}: {}", settled.status);
            Ok(())
        }
        Outcome::Failed => {
            let first_create = settled.status == "ROLLBACK_COMPLETE";
            Err(Fault::Failed {
                what: format!(
                    "stack {name} failed: {}{}",
                    settled.status,
                    if settled.failures.is_empty() {
                        String::new()
                    } else {
                        format!("; failed resources:{}", failure_lines(&settled.failures))
                    }
                ),
                hint: if first_create {
                    "fix the resources named above in the program, then deploy again with \
                     --allow-destroy to delete the rolled-back stack and create it again"
                        .to_owned()
                } else {
                    "fix the resources named above in the program and deploy again; \
                     CloudFormation rolled the stack back to its previous template"
                        .to_owned()
                },
            })
        }
        Outcome::Running => Err(Fault::Failed {
            what: format!(
                "stack {name} is still {} after the timeout{}",
                settled.status,
                failure_lines(&settled.failures)
            ),
            hint: "CloudFormation goes on without Girder: follow it in the console; the next \
                   deploy waits for it (give a longer --timeout)"
                .to_owned(),
        }),
    }
}
