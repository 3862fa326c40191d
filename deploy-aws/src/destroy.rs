//! `destroy`: the selected environment's stacks, deleted in reverse deploy order (importers
//! before the stacks they import from), refused while they hold stateful resources.

use girder_aws::replacement::stake;
use girder_synth::Assembly;
use girder_synth::remote::{Console, Selection};
use serde_json::Value;
use tokio::time::Instant;

use crate::deploy::{Policy, connect_all, connection_of, selected};
use crate::fault::Fault;
use crate::ops::{self, Progress};
use crate::state::Outcome;

/// The stateful resources of a template: `(logical id, type, what is at stake)`.
pub(crate) fn stateful_resources(template: &str) -> Vec<(String, String, String)> {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(template) else {
        return Vec::new();
    };
    let Some(Value::Object(resources)) = map.get("Resources") else {
        return Vec::new();
    };
    resources
        .iter()
        .filter_map(|(id, resource)| {
            let ty = resource["Type"].as_str()?;
            let stake = stake(ty)?;
            Some((id.clone(), ty.to_owned(), stake.noun().to_owned()))
        })
        .collect()
}

/// Deletes the selected stacks.
pub(crate) async fn destroy(
    assembly: &Assembly,
    selection: &Selection,
    policy: Policy,
    settings: &crate::connect::Settings,
    console: &mut Console<'_>,
) -> Result<(), Fault> {
    let mut steps = selected(assembly, selection);
    steps.reverse();
    let connections = connect_all(settings, steps.iter().map(|(step, ..)| *step)).await?;
    let deadline = Instant::now() + policy.timeout;
    // What is deployed, and what of it holds data.
    let mut present = Vec::new();
    let mut stateful = Vec::new();
    for (step, _, body) in &steps {
        let conn = connection_of(&connections, step)?;
        let Some(info) = ops::wait_idle(conn, &step.stack, deadline, console.err).await? else {
            let _ = writeln!(console.out, "stack {}: not deployed", step.stack);
            continue;
        };
        let deployed = ops::deployed_template(conn, &step.stack).await?;
        for (id, ty, noun) in stateful_resources(deployed.as_deref().unwrap_or(body)) {
            stateful.push(format!("{} {id} ({ty}) in stack {}", noun, step.stack));
        }
        present.push((conn, *step, info));
    }
    if present.is_empty() {
        let _ = writeln!(console.out, "nothing to destroy");
        return Ok(());
    }
    let _ = writeln!(console.out, "stacks to delete, in this order:");
    for (_, step, info) in &present {
        let _ = writeln!(console.out, "  {} ({})", step.stack, info.status);
    }
    if !stateful.is_empty() {
        for what in &stateful {
            let _ = writeln!(console.out, "  ! destructive: deletes the {what}");
        }
        if !policy.allow_destroy {
            return Err(Fault::StatefulStacks {
                count: stateful.len(),
                what: stateful.join("; "),
            });
        }
    }
    if !policy.yes {
        let question = format!(
            "Delete {} stack{}?",
            present.len(),
            if present.len() == 1 { "" } else { "s" }
        );
        if console.confirm.is_none() || !console.confirm(&question) {
            return Err(Fault::NotConfirmed {
                what: "destroying the stacks".to_owned(),
            });
        }
    }
    let mut deleted: Vec<&str> = Vec::new();
    for (conn, step, info) in &present {
        let progress = Progress::new(console.terminal, &format!("deleting {}", step.stack));
        let _ = writeln!(console.err, "stack {}: deleting", step.stack);
        let settled = ops::delete_stack(
            conn,
            &info.id,
            &step.stack,
            deadline,
            &progress,
            console.err,
        )
        .await?;
        drop(progress);
        let done_before = if deleted.is_empty() {
            String::new()
        } else {
            format!("; deleted before it: {}", deleted.join(", "))
        };
        match settled.outcome {
            Outcome::Succeeded => {
                let _ = writeln!(console.out, "stack {}: deleted", step.stack);
                deleted.push(&step.stack);
            }
            Outcome::Failed => {
                return Err(Fault::Failed {
                    what: format!(
                        "stack {} could not be deleted: {}{}{done_before}",
                        step.stack,
                        settled.status,
                        ops::failure_lines(&settled.failures)
                    ),
                    hint: "remove what blocks the resources named above (a non-empty bucket, \
                           a resource another stack uses), then run destroy again"
                        .to_owned(),
                });
            }
            Outcome::Running => {
                return Err(Fault::Failed {
                    what: format!(
                        "stack {} is still {} after the timeout{done_before}",
                        step.stack, settled.status
                    ),
                    hint: "CloudFormation goes on deleting it: run destroy again later, or give \
                           a longer --timeout"
                        .to_owned(),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stateful_resources_are_those_with_something_at_stake() {
        let template = r#"{"Resources": {
            "Files": {"Type": "AWS::S3::Bucket"},
            "Jobs": {"Type": "AWS::IAM::Role"},
            "Db": {"Type": "AWS::RDS::DBInstance"}
        }}"#;
        let found = stateful_resources(template);
        let ids: Vec<&str> = found.iter().map(|(id, ..)| id.as_str()).collect();
        assert_eq!(ids, ["Db", "Files"]);
        assert_eq!(found[1].2, "bucket");
        assert!(stateful_resources("not json").is_empty());
    }
}
