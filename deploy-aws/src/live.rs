//! `diff --live`: the deployed templates against the program's, with CloudFormation's own
//! answer (a change set made and deleted, never executed) and, when asked, drift.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_cloudformation::types::{
    ChangeSetType, StackDriftDetectionStatus, StackResourceDriftStatus,
};
use girder_aws::diff::{PropertyDrift, Risk as CfnRisk};
use girder_synth::Assembly;
use girder_synth::diff::{ObjectKey, Report, Risk, compare};
use girder_synth::remote::{Console, Selection};
use serde_json::Value;
use tokio::time::Instant;

use crate::connect::{Connection, Settings};
use crate::deploy::{asset_bucket, connect_all, connection_of, selected, template_objects};
use crate::fault::Fault;
use crate::ops::{self, ChangeSet};
use crate::state::StackState;

/// How long CloudFormation's answers (change sets, drift detection) are waited for.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(300);

/// Compares the selected stacks with what is deployed.
pub(crate) async fn diff_live(
    assembly: &Assembly,
    selection: &Selection,
    drift: bool,
    settings: &Settings,
    console: &mut Console<'_>,
) -> Result<Report, Fault> {
    let steps = selected(assembly, selection);
    let connections = connect_all(settings, steps.iter().map(|(step, ..)| *step)).await?;
    let mut old: BTreeMap<ObjectKey, Value> = BTreeMap::new();
    let mut new: BTreeMap<ObjectKey, Value> = BTreeMap::new();
    let mut deployed = Vec::new();
    for (step, env, body) in &steps {
        let conn = connection_of(&connections, step)?;
        new.extend(template_objects(env, &step.stack, body));
        let Some(info) = ops::describe(conn, &step.stack).await? else {
            continue;
        };
        if let Some(text) = ops::deployed_template(conn, &step.stack).await? {
            if serde_json::from_str::<Value>(&text).is_err() {
                let _ = writeln!(
                    console.err,
                    "warning: stack {}'s deployed template is not JSON (not written by Girder?): \
                     every part of it is shown as added",
                    step.stack
                );
            }
            old.extend(template_objects(env, &step.stack, &text));
        }
        deployed.push((conn, *step, *env, body, info.status));
    }
    let mut report = compare(&old, &new);
    for (conn, step, env, body, status) in deployed {
        if StackState::of(Some(&status)) == StackState::Ready {
            change_set_risks(conn, &step.stack, env, body, &mut report, console).await?;
        } else {
            let _ = writeln!(
                console.err,
                "note: stack {} is {status}: CloudFormation's own answer (a change set) is \
                 not asked for",
                step.stack
            );
        }
        if drift {
            drift_risks(conn, &step.stack, env, &mut report, console).await?;
        }
    }
    Ok(report)
}

/// The key of resource `logical_id` of type `resource_type` of stack `stack`.
fn resource_key(env: &str, stack: &str, logical_id: &str, resource_type: &str) -> ObjectKey {
    ObjectKey::CloudFormation {
        scope: env.to_owned(),
        key: girder_aws::diff::ObjectKey::Resource {
            stack: stack.to_owned(),
            logical_id: logical_id.to_owned(),
            resource_type: resource_type.to_owned(),
        },
    }
}

/// Makes a change set for stack `name` without executing it, adds its replacements to
/// `report`, and deletes it.
async fn change_set_risks(
    conn: &Connection,
    name: &str,
    env: &str,
    body: &str,
    report: &mut Report,
    console: &mut Console<'_>,
) -> Result<(), Fault> {
    let bucket = if crate::assets::delivery(body) == crate::assets::Delivery::Inline {
        None
    } else {
        asset_bucket(conn).await?
    };
    let deadline = Instant::now() + ANSWER_TIMEOUT;
    let cs_name = ops::change_set_name(true);
    let made = ops::create_change_set(
        conn,
        name,
        ChangeSetType::Update,
        body,
        bucket.as_deref(),
        &cs_name,
        deadline,
    )
    .await;
    match made {
        Ok(ChangeSet::Ready { id, rows }) => {
            for row in &rows {
                if let Some(risk) = row.replacement_risk() {
                    let key = resource_key(env, name, &row.logical_id, &row.resource_type);
                    report.add_risk(&key, Risk::CloudFormation(risk));
                }
            }
            ops::delete_change_set(conn, name, &id).await
        }
        Ok(ChangeSet::NoChanges { id }) => {
            if !id.is_empty() {
                ops::delete_change_set(conn, name, &id).await?;
            }
            Ok(())
        }
        Ok(ChangeSet::Failed { id, reason }) => {
            let _ = ops::delete_change_set(conn, name, &id).await;
            let _ = writeln!(
                console.err,
                "warning: CloudFormation could not make a change set for stack {name}: \
                 {reason}\n  hint: deploying fails the same way; fix it in the program"
            );
            Ok(())
        }
        Err(fault @ (Fault::ChangeSetFailed { .. } | Fault::NotBootstrapped { .. })) => {
            let _ = writeln!(console.err, "warning: {fault}\n  hint: {}", fault.hint());
            Ok(())
        }
        Err(other) => Err(other),
    }
}

/// Detects drift of stack `name` and adds each drifted resource to `report`.
async fn drift_risks(
    conn: &Connection,
    name: &str,
    env: &str,
    report: &mut Report,
    console: &mut Console<'_>,
) -> Result<(), Fault> {
    let _ = writeln!(console.err, "stack {name}: detecting drift");
    let started = conn
        .cfn
        .detect_stack_drift()
        .stack_name(name)
        .send()
        .await
        .map_err(|e| drift_fault(Fault::of_sdk("DetectStackDrift", name, e)))?;
    let detection = started
        .stack_drift_detection_id()
        .unwrap_or_default()
        .to_owned();
    let deadline = Instant::now() + ANSWER_TIMEOUT;
    let mut pause = Duration::from_millis(500);
    loop {
        let status = conn
            .cfn
            .describe_stack_drift_detection_status()
            .stack_drift_detection_id(&detection)
            .send()
            .await
            .map_err(|e| {
                drift_fault(Fault::of_sdk("DescribeStackDriftDetectionStatus", name, e))
            })?;
        match status.detection_status() {
            Some(StackDriftDetectionStatus::DetectionComplete) => break,
            Some(StackDriftDetectionStatus::DetectionFailed) => {
                // Some resources could not be checked; the others' results stand.
                let _ = writeln!(
                    console.err,
                    "warning: stack {name}: drift detection failed for some resources: {}",
                    status
                        .detection_status_reason()
                        .unwrap_or("no reason given")
                );
                break;
            }
            _ => {}
        }
        if Instant::now() + pause > deadline {
            return Err(Fault::Failed {
                what: format!("drift detection of stack {name} did not finish in time"),
                hint: "run `diff --live --drift` again later, or without --drift".to_owned(),
            });
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(5));
    }
    let mut token = None;
    loop {
        let page = conn
            .cfn
            .describe_stack_resource_drifts()
            .stack_name(name)
            .stack_resource_drift_status_filters(StackResourceDriftStatus::Modified)
            .stack_resource_drift_status_filters(StackResourceDriftStatus::Deleted)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| drift_fault(Fault::of_sdk("DescribeStackResourceDrifts", name, e)))?;
        for drift in page.stack_resource_drifts() {
            let status = drift
                .stack_resource_drift_status()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default();
            let differences = drift
                .property_differences()
                .iter()
                .map(|d| {
                    PropertyDrift::new(
                        d.property_path().unwrap_or_default(),
                        d.expected_value(),
                        d.actual_value(),
                    )
                })
                .collect();
            let key = resource_key(
                env,
                name,
                drift.logical_resource_id().unwrap_or_default(),
                drift.resource_type().unwrap_or_default(),
            );
            report.add_risk(
                &key,
                Risk::CloudFormation(CfnRisk::Drifted {
                    status,
                    differences,
                }),
            );
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(());
        }
    }
}

/// A drift call that failed: an endpoint that does not detect drift says so.
fn drift_fault(fault: Fault) -> Fault {
    match fault {
        Fault::Api {
            operation,
            stack,
            code,
            message,
        } => Fault::DriftFailed {
            operation,
            stack,
            code,
            message,
        },
        other => other,
    }
}
