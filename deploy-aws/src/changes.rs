//! A change set's changes as Girder shows and judges them: the table printed before executing,
//! and which changes replace or delete stateful resources.

use std::fmt::Write as _;

use girder_aws::diff::Risk;
use girder_aws::replacement::stake;

/// One resource change of a change set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChangeRow {
    /// `Add`, `Modify`, `Remove`, `Import`, `Dynamic`.
    pub(crate) action: String,
    /// The logical ID.
    pub(crate) logical_id: String,
    /// The resource type.
    pub(crate) resource_type: String,
    /// For a `Modify`: `True`, `False` or `Conditional`.
    pub(crate) replacement: Option<String>,
    /// The properties whose change replaces the resource (always or conditionally).
    pub(crate) causes: Vec<String>,
}

impl ChangeRow {
    /// What CloudFormation's answer risks, if anything: a replacement, as a [`Risk`].
    pub(crate) fn replacement_risk(&self) -> Option<Risk> {
        let certain = match self.replacement.as_deref() {
            Some("True") => true,
            Some("Conditional") => false,
            _ => return None,
        };
        Some(Risk::ChangeSetReplacement {
            certain,
            causes: self.causes.clone(),
            stake: stake(&self.resource_type),
        })
    }

    /// Why this change loses stateful data, if it does: a removed resource, or a replaced one,
    /// whose type holds data or carries resources that do.
    pub(crate) fn destroys(&self) -> Option<String> {
        let stake = stake(&self.resource_type)?;
        let replaced = matches!(self.replacement.as_deref(), Some("True" | "Conditional"));
        let verb = match self.action.as_str() {
            "Remove" => "deletes",
            "Modify" if replaced => {
                if self.replacement.as_deref() == Some("True") {
                    "replaces"
                } else {
                    "may replace"
                }
            }
            _ => return None,
        };
        Some(format!(
            "{verb} the {} {} ({})",
            stake.noun(),
            self.logical_id,
            self.resource_type
        ))
    }
}

/// The change set's table: one line per change, aligned, under a header.
pub(crate) fn render_table(stack: &str, rows: &[ChangeRow]) -> String {
    let mut out = String::new();
    if rows.is_empty() {
        let _ = writeln!(out, "stack {stack}: no resource changes");
        return out;
    }
    let header = ["ACTION", "LOGICAL ID", "TYPE", "REPLACEMENT", "CAUSED BY"];
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|row| {
            [
                row.action.clone(),
                row.logical_id.clone(),
                row.resource_type.clone(),
                row.replacement.clone().unwrap_or_else(|| "-".to_owned()),
                if row.causes.is_empty() {
                    "-".to_owned()
                } else {
                    row.causes.join(", ")
                },
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for line in &cells {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let _ = writeln!(
        out,
        "stack {stack}: {} change{}",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    );
    let mut line = |cells: &[&str]| {
        let mut text = String::from(" ");
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                text.push(' ');
                text.push_str(cell);
            } else {
                let _ = write!(text, " {cell:<width$}", width = widths[i]);
            }
        }
        let _ = writeln!(out, "{}", text.trim_end());
    };
    line(&header);
    for row in &cells {
        let refs: Vec<&str> = row.iter().map(String::as_str).collect();
        line(&refs);
    }
    out
}

/// Whether a change set's status reason says the template changes nothing.
pub(crate) fn is_no_change(reason: &str) -> bool {
    reason.contains("didn't contain changes")
        || reason.contains("No updates are to be performed")
        || reason.contains("does not contain changes")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        action: &str,
        id: &str,
        ty: &str,
        replacement: Option<&str>,
        causes: &[&str],
    ) -> ChangeRow {
        ChangeRow {
            action: action.into(),
            logical_id: id.into(),
            resource_type: ty.into(),
            replacement: replacement.map(Into::into),
            causes: causes.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    #[test]
    fn the_table_aligns_every_column_and_names_the_causes() {
        let rows = [
            row("Add", "JobsQueue", "AWS::SQS::Queue", None, &[]),
            row(
                "Modify",
                "FilesBucket",
                "AWS::S3::Bucket",
                Some("True"),
                &["BucketName", "ObjectLockEnabled"],
            ),
        ];
        assert_eq!(
            render_table("shop-prod-data", &rows),
            "stack shop-prod-data: 2 changes\n  \
             ACTION LOGICAL ID  TYPE            REPLACEMENT CAUSED BY\n  \
             Add    JobsQueue   AWS::SQS::Queue -           -\n  \
             Modify FilesBucket AWS::S3::Bucket True        BucketName, ObjectLockEnabled\n"
        );
        assert_eq!(render_table("s", &[]), "stack s: no resource changes\n");
    }

    #[test]
    fn removing_or_replacing_what_holds_data_destroys_it() {
        let removed = row("Remove", "Files", "AWS::S3::Bucket", None, &[]);
        assert_eq!(
            removed.destroys().as_deref(),
            Some("deletes the bucket Files (AWS::S3::Bucket)")
        );
        let replaced = row(
            "Modify",
            "Db",
            "AWS::RDS::DBInstance",
            Some("True"),
            &["Engine"],
        );
        assert!(
            replaced
                .destroys()
                .is_some_and(|d| d.starts_with("replaces the database"))
        );
        let maybe = row(
            "Modify",
            "Db",
            "AWS::RDS::DBInstance",
            Some("Conditional"),
            &[],
        );
        assert!(
            maybe
                .destroys()
                .is_some_and(|d| d.starts_with("may replace"))
        );
        // In place, or nothing at stake: nothing lost.
        assert_eq!(
            row("Modify", "Db", "AWS::RDS::DBInstance", Some("False"), &[]).destroys(),
            None
        );
        assert_eq!(
            row("Remove", "Jobs", "AWS::IAM::Role", None, &[]).destroys(),
            None
        );
        assert_eq!(
            row("Add", "Files", "AWS::S3::Bucket", None, &[]).destroys(),
            None
        );
    }

    #[test]
    fn a_replacement_answer_becomes_a_risk() {
        let replaced = row(
            "Modify",
            "Files",
            "AWS::S3::Bucket",
            Some("True"),
            &["BucketName"],
        );
        let risk = replaced.replacement_risk();
        assert!(risk.as_ref().is_some_and(Risk::is_destructive));
        assert_eq!(
            row("Modify", "F", "AWS::S3::Bucket", Some("False"), &[]).replacement_risk(),
            None
        );
        assert!(is_no_change(
            "The submitted information didn't contain changes. Submit different information to create a change set."
        ));
        assert!(!is_no_change("Template format error"));
    }
}
