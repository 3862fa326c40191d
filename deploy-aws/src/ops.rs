//! CloudFormation's operations as the commands use them: stacks, change sets (all pages),
//! events streamed until a stack settles, the asset bucket's uploads.

use std::collections::HashSet;
use std::io::Write;
use std::time::Duration;

use aws_sdk_cloudformation::types::{
    Capability, ChangeAction, ChangeSetStatus, ChangeSetType, RequiresRecreation,
    ResourceAttribute, TemplateStage,
};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::time::Instant;

use crate::assets::{self, Delivery};
use crate::changes::{ChangeRow, is_no_change};
use crate::connect::Connection;
use crate::fault::{Fault, code_of, message_of};
use crate::state::{Outcome, is_failure, outcome};

/// The prefix of the change sets Girder makes; leftovers with it are deleted.
pub(crate) const CHANGE_SET_PREFIX: &str = "girder-";

/// A deployed stack as `DescribeStacks` gives it.
#[derive(Debug, Clone)]
pub(crate) struct StackInfo {
    /// The stack's ARN.
    pub(crate) id: String,
    /// Its status.
    pub(crate) status: String,
    /// Its outputs, by key.
    pub(crate) outputs: Vec<(String, String)>,
}

/// The stack `name`, `None` when there is none.
pub(crate) async fn describe(conn: &Connection, name: &str) -> Result<Option<StackInfo>, Fault> {
    match conn.cfn.describe_stacks().stack_name(name).send().await {
        Ok(out) => Ok(out.stacks().first().map(|stack| StackInfo {
            id: stack.stack_id().unwrap_or(name).to_owned(),
            status: stack
                .stack_status()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            outputs: stack
                .outputs()
                .iter()
                .filter_map(|o| Some((o.output_key()?.to_owned(), o.output_value()?.to_owned())))
                .collect(),
        })),
        Err(e) if is_missing(code_of(&e), message_of(&e)) => Ok(None),
        Err(e) => Err(Fault::of_sdk("DescribeStacks", name, e)),
    }
}

/// Whether an error says the stack does not exist.
fn is_missing(code: Option<&str>, message: Option<&str>) -> bool {
    code == Some("ValidationError") && message.is_some_and(|m| m.contains("does not exist"))
}

/// The template stack `name` was last deployed with, `None` when there is no stack.
pub(crate) async fn deployed_template(
    conn: &Connection,
    name: &str,
) -> Result<Option<String>, Fault> {
    let sent = conn
        .cfn
        .get_template()
        .stack_name(name)
        .template_stage(TemplateStage::Original)
        .send()
        .await;
    match sent {
        Ok(out) => Ok(out.template_body().map(str::to_owned)),
        Err(e) if is_missing(code_of(&e), message_of(&e)) => Ok(None),
        Err(e) => Err(Fault::of_sdk("GetTemplate", name, e)),
    }
}

/// The change sets of stack `name` not yet executed: `(id, name)`.
pub(crate) async fn change_sets(
    conn: &Connection,
    name: &str,
) -> Result<Vec<(String, String)>, Fault> {
    let mut found = Vec::new();
    let mut token = None;
    loop {
        let sent = conn
            .cfn
            .list_change_sets()
            .stack_name(name)
            .set_next_token(token)
            .send()
            .await;
        let out = match sent {
            Ok(out) => out,
            Err(e) if is_missing(code_of(&e), message_of(&e)) => return Ok(found),
            Err(e) => return Err(Fault::of_sdk("ListChangeSets", name, e)),
        };
        for summary in out.summaries() {
            // Some servers list every stack's change sets: keep this stack's.
            if summary.stack_name().is_some_and(|s| s != name) {
                continue;
            }
            // An executed change set is history, not a leftover (AWS removes them; some
            // servers keep them).
            if summary.execution_status()
                == Some(&aws_sdk_cloudformation::types::ExecutionStatus::ExecuteComplete)
            {
                continue;
            }
            if let (Some(id), Some(cs)) = (summary.change_set_id(), summary.change_set_name()) {
                found.push((id.to_owned(), cs.to_owned()));
            }
        }
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(found);
        }
    }
}

/// Deletes the change sets a previous, interrupted run of Girder left on stack `name`.
pub(crate) async fn delete_leftovers(
    conn: &Connection,
    name: &str,
    err: &mut dyn Write,
) -> Result<(), Fault> {
    for (id, cs) in change_sets(conn, name).await? {
        if cs.starts_with(CHANGE_SET_PREFIX) {
            let _ = writeln!(
                err,
                "stack {name}: deleting change set {cs} left by an earlier run"
            );
            delete_change_set(conn, name, &id).await?;
        }
    }
    Ok(())
}

/// Deletes the change set `id` of stack `name`.
pub(crate) async fn delete_change_set(
    conn: &Connection,
    name: &str,
    id: &str,
) -> Result<(), Fault> {
    conn.cfn
        .delete_change_set()
        .change_set_name(id)
        .send()
        .await
        .map(drop)
        .map_err(|e| Fault::of_sdk("DeleteChangeSet", name, e))
}

/// A change set once CloudFormation has made it.
#[derive(Debug)]
pub(crate) enum ChangeSet {
    /// Ready to execute.
    Ready {
        /// Its ARN.
        id: String,
        /// Its changes, every page.
        rows: Vec<ChangeRow>,
    },
    /// The template changes nothing.
    NoChanges {
        /// Its ARN.
        id: String,
    },
    /// CloudFormation could not make it.
    Failed {
        /// Its ARN.
        id: String,
        /// CloudFormation's reason.
        reason: String,
    },
}

/// Creates a change set of `kind` for stack `name` with template `body` (uploaded to `bucket`
/// when over the inline limit) and waits until CloudFormation has made it or `deadline`.
pub(crate) async fn create_change_set(
    conn: &Connection,
    name: &str,
    kind: ChangeSetType,
    body: &str,
    bucket: Option<&str>,
    change_set_name: &str,
    deadline: Instant,
) -> Result<ChangeSet, Fault> {
    let mut request = conn
        .cfn
        .create_change_set()
        .stack_name(name)
        .change_set_name(change_set_name)
        .change_set_type(kind)
        .capabilities(Capability::CapabilityNamedIam)
        .description("made by girder");
    request = match (assets::delivery(body), bucket) {
        (Delivery::Inline, _) => request.template_body(body),
        (Delivery::Bucket { key }, Some(bucket)) => {
            upload(conn, bucket, &key, body).await?;
            request.template_url(assets::template_url(bucket, &conn.region, &key))
        }
        (Delivery::Bucket { .. }, None) => {
            return Err(Fault::NotBootstrapped {
                stack: name.to_owned(),
                size: body.len(),
                account: conn.account.clone(),
                region: conn.region.clone(),
            });
        }
    };
    let id = match request.send().await {
        Ok(out) => out.id().unwrap_or(change_set_name).to_owned(),
        Err(e) => {
            let fault = Fault::of_sdk("CreateChangeSet", name, e);
            return match fault {
                // CloudFormation rejects an invalid template or a missing import at once.
                Fault::Api { code, message, .. } if code == "ValidationError" => {
                    if is_no_change(&message) {
                        return Ok(ChangeSet::NoChanges { id: String::new() });
                    }
                    Err(Fault::ChangeSetFailed {
                        stack: name.to_owned(),
                        reason: message,
                    })
                }
                other => Err(other),
            };
        }
    };
    let mut pause = Duration::from_millis(200);
    loop {
        let first = conn
            .cfn
            .describe_change_set()
            .change_set_name(&id)
            .send()
            .await
            .map_err(|e| Fault::of_sdk("DescribeChangeSet", name, e))?;
        match first.status() {
            Some(ChangeSetStatus::CreateComplete) => {
                let mut rows: Vec<ChangeRow> = first.changes().iter().filter_map(row).collect();
                let mut token = first.next_token().map(str::to_owned);
                while let Some(next) = token {
                    let page = conn
                        .cfn
                        .describe_change_set()
                        .change_set_name(&id)
                        .next_token(next)
                        .send()
                        .await
                        .map_err(|e| Fault::of_sdk("DescribeChangeSet", name, e))?;
                    rows.extend(page.changes().iter().filter_map(row));
                    token = page.next_token().map(str::to_owned);
                }
                return Ok(ChangeSet::Ready { id, rows });
            }
            Some(ChangeSetStatus::Failed) => {
                let reason = first
                    .status_reason()
                    .unwrap_or("no reason given")
                    .to_owned();
                return Ok(if is_no_change(&reason) {
                    ChangeSet::NoChanges { id }
                } else {
                    ChangeSet::Failed { id, reason }
                });
            }
            Some(ChangeSetStatus::DeleteComplete | ChangeSetStatus::DeleteFailed) => {
                return Ok(ChangeSet::Failed {
                    id,
                    reason: "the change set was deleted while it was made (by another deploy?)"
                        .to_owned(),
                });
            }
            _ => {}
        }
        if Instant::now() + pause > deadline {
            let _ = delete_change_set(conn, name, &id).await;
            return Err(Fault::Failed {
                what: format!(
                    "CloudFormation did not finish the change set of stack {name} in time"
                ),
                hint: "deploy again with a longer --timeout; the change set was deleted and \
                       nothing was changed"
                    .to_owned(),
            });
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(5));
    }
}

/// One change of a change set as a row, `None` for what is not a resource change.
fn row(change: &aws_sdk_cloudformation::types::Change) -> Option<ChangeRow> {
    let rc = change.resource_change()?;
    let action = match rc.action() {
        Some(ChangeAction::Add) => "Add".to_owned(),
        Some(ChangeAction::Modify) => "Modify".to_owned(),
        Some(ChangeAction::Remove) => "Remove".to_owned(),
        Some(other) => other.as_str().to_owned(),
        None => "?".to_owned(),
    };
    let mut causes: Vec<String> = rc
        .details()
        .iter()
        .filter_map(|detail| {
            let target = detail.target()?;
            let recreates = matches!(
                target.requires_recreation(),
                Some(RequiresRecreation::Always | RequiresRecreation::Conditionally)
            );
            let property = target.attribute() == Some(&ResourceAttribute::Properties);
            (recreates && property).then(|| target.name().unwrap_or("?").to_owned())
        })
        .collect();
    causes.sort();
    causes.dedup();
    Some(ChangeRow {
        action,
        logical_id: rc.logical_resource_id().unwrap_or("?").to_owned(),
        resource_type: rc.resource_type().unwrap_or("?").to_owned(),
        replacement: rc.replacement().map(|r| r.as_str().to_owned()),
        causes,
    })
}

/// Uploads `body` to `bucket` under `key`, unless it is there already.
async fn upload(conn: &Connection, bucket: &str, key: &str, body: &str) -> Result<(), Fault> {
    let head = conn.s3.head_object().bucket(bucket).key(key).send().await;
    if head.is_ok() {
        return Ok(());
    }
    conn.s3
        .put_object()
        .bucket(bucket)
        .key(key)
        .content_type("application/json")
        .body(body.as_bytes().to_vec().into())
        .send()
        .await
        .map(drop)
        .map_err(|e| Fault::of_sdk("PutObject (asset bucket)", bucket, e))
}

/// The newest event of stack `id` (its ARN, or its name): events after it are the next
/// operation's.
pub(crate) async fn newest_event(conn: &Connection, id: &str) -> Option<String> {
    let out = conn
        .cfn
        .describe_stack_events()
        .stack_name(id)
        .send()
        .await
        .ok()?;
    out.stack_events()
        .first()
        .and_then(|e| e.event_id())
        .map(str::to_owned)
}

/// One event of a stack, as printed.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    /// The logical ID (the stack's name for the stack itself).
    pub(crate) logical_id: String,
    /// The resource type.
    pub(crate) resource_type: String,
    /// The status.
    pub(crate) status: String,
    /// CloudFormation's reason, if any.
    pub(crate) reason: Option<String>,
}

impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.logical_id, self.resource_type, self.status
        )?;
        match &self.reason {
            Some(reason) if !reason.is_empty() => write!(f, ": {reason}"),
            _ => Ok(()),
        }
    }
}

/// Shows a stack's events as they come: a spinner at a terminal, plain lines otherwise.
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Progress of `what`.
    pub(crate) fn new(terminal: bool, what: &str) -> Progress {
        let bar = terminal.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}") {
                bar.set_style(style);
            }
            bar.set_message(what.to_owned());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress { bar }
    }

    /// Prints a line without breaking the spinner.
    pub(crate) fn line(&self, err: &mut dyn Write, text: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| {
                let _ = writeln!(err, "{text}");
            }),
            None => {
                let _ = writeln!(err, "{text}");
            }
        }
    }

    /// Shows `text` as the current state.
    pub(crate) fn status(&self, text: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(text.to_owned());
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// How waiting for a stack ended.
#[derive(Debug)]
pub(crate) struct Settled {
    /// The last status seen.
    pub(crate) status: String,
    /// Whether it succeeded, failed, or the deadline passed while it ran.
    pub(crate) outcome: Outcome,
    /// The events that failed, oldest first.
    pub(crate) failures: Vec<Event>,
}

/// What [`wait`] waits for.
#[derive(Debug, Clone)]
pub(crate) struct Watch {
    /// Whether the stack is being deleted (else created or updated).
    pub(crate) deleting: bool,
    /// The newest event before the operation: only later ones are shown.
    pub(crate) after: Option<String>,
    /// When to stop waiting.
    pub(crate) deadline: Instant,
}

/// Waits until stack `id` settles (created or updated, or deleted) or the deadline passes,
/// printing every new event to `err` as `  <name>: <event>`.
pub(crate) async fn wait(
    conn: &Connection,
    id: &str,
    name: &str,
    watch: Watch,
    progress: &Progress,
    err: &mut dyn Write,
) -> Result<Settled, Fault> {
    let Watch {
        deleting,
        after,
        deadline,
    } = watch;
    let mut seen: HashSet<String> = HashSet::new();
    let mut marker = after;
    let mut failures = Vec::new();
    let mut pause = Duration::from_millis(200);
    loop {
        // Events, newest first, back to the marker.
        let mut fresh = Vec::new();
        let mut token = None;
        'pages: for _ in 0..10 {
            let out = conn
                .cfn
                .describe_stack_events()
                .stack_name(id)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| Fault::of_sdk("DescribeStackEvents", name, e))?;
            for event in out.stack_events() {
                let event_id = event.event_id().unwrap_or_default().to_owned();
                if marker.as_deref() == Some(event_id.as_str()) || seen.contains(&event_id) {
                    break 'pages;
                }
                fresh.push((event_id, event.clone()));
            }
            token = out.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        if let Some((newest, _)) = fresh.first() {
            marker = Some(newest.clone());
        }
        for (event_id, event) in fresh.into_iter().rev() {
            seen.insert(event_id);
            let shown = Event {
                logical_id: event.logical_resource_id().unwrap_or("?").to_owned(),
                resource_type: event.resource_type().unwrap_or("?").to_owned(),
                status: event
                    .resource_status()
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default(),
                reason: event.resource_status_reason().map(str::to_owned),
            };
            progress.line(err, &format!("  {name}: {shown}"));
            progress.status(&format!("{name}: {shown}"));
            if is_failure(&shown.status) {
                failures.push(shown);
            }
        }
        let status = match describe(conn, id).await? {
            Some(info) => info.status,
            // A deleted stack is found by its ARN; by its name it is gone.
            None => "DELETE_COMPLETE".to_owned(),
        };
        let settled = outcome(&status, deleting);
        if settled != Outcome::Running {
            return Ok(Settled {
                status,
                outcome: settled,
                failures,
            });
        }
        if Instant::now() + pause > deadline {
            return Ok(Settled {
                status,
                outcome: Outcome::Running,
                failures,
            });
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(5));
    }
}

/// Waits while stack `name`'s status is in progress (another operation), until `deadline`;
/// gives the status it settled in, or the one it still has.
pub(crate) async fn wait_idle(
    conn: &Connection,
    name: &str,
    deadline: Instant,
    err: &mut dyn Write,
) -> Result<Option<StackInfo>, Fault> {
    let mut pause = Duration::from_secs(1);
    let mut told = false;
    loop {
        let info = describe(conn, name).await?;
        let busy = info.as_ref().is_some_and(|i| {
            i.status.ends_with("_IN_PROGRESS") && i.status != "REVIEW_IN_PROGRESS"
        });
        if !busy || Instant::now() + pause > deadline {
            return Ok(info);
        }
        if !told {
            if let Some(info) = &info {
                let _ = writeln!(
                    err,
                    "stack {name} is {}: waiting for that operation to finish",
                    info.status
                );
            }
            told = true;
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(10));
    }
}

/// Deletes stack `name` (by its ARN `id`) and waits until it is gone or `deadline` passes.
pub(crate) async fn delete_stack(
    conn: &Connection,
    id: &str,
    name: &str,
    deadline: Instant,
    progress: &Progress,
    err: &mut dyn Write,
) -> Result<Settled, Fault> {
    let after = newest_event(conn, id).await;
    conn.cfn
        .delete_stack()
        .stack_name(id)
        .send()
        .await
        .map_err(|e| Fault::of_sdk("DeleteStack", name, e))?;
    let watch = Watch {
        deleting: true,
        after,
        deadline,
    };
    wait(conn, id, name, watch, progress, err).await
}

/// The failed events as lines under a message.
pub(crate) fn failure_lines(failures: &[Event]) -> String {
    failures
        .iter()
        .map(|event| format!("\n  {event}"))
        .collect()
}

/// A fresh change set name: `girder-<unix ms>` (`girder-diff-<unix ms>` for `diff --live`).
pub(crate) fn change_set_name(diff: bool) -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    if diff {
        format!("{CHANGE_SET_PREFIX}diff-{millis}")
    } else {
        format!("{CHANGE_SET_PREFIX}{millis}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_read_as_resource_type_status_and_reason() {
        let event = Event {
            logical_id: "Jobs".into(),
            resource_type: "AWS::SQS::Queue".into(),
            status: "CREATE_FAILED".into(),
            reason: Some("Queue name must end in .fifo".into()),
        };
        assert_eq!(
            event.to_string(),
            "Jobs AWS::SQS::Queue CREATE_FAILED: Queue name must end in .fifo"
        );
        assert_eq!(
            failure_lines(&[event]),
            "\n  Jobs AWS::SQS::Queue CREATE_FAILED: Queue name must end in .fifo"
        );
        assert!(change_set_name(false).starts_with("girder-"));
        assert!(change_set_name(true).starts_with("girder-diff-"));
        assert!(is_missing(
            Some("ValidationError"),
            Some("Stack with id x does not exist")
        ));
        assert!(!is_missing(Some("ValidationError"), Some("Template error")));
    }
}
