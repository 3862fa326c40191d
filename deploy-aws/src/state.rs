//! What a stack's status means for the next deploy.

/// A stack's status, as `deploy` acts on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StackState {
    /// No such stack (or only a deleted one): a `CREATE` change set makes it.
    Missing,
    /// A stack with no resources, made by a `CREATE` change set never executed (or whose
    /// execution failed before creating anything): it is deleted and created again.
    Review,
    /// A stack that takes an `UPDATE` change set.
    Ready,
    /// The first create failed and rolled back: it holds nothing, and can only be deleted.
    FailedCreate,
    /// An operation is running: wait for it.
    InProgress,
    /// The last update could not roll back: a person must continue the rollback.
    RollbackFailed,
    /// A delete failed: a person must look at what is left.
    DeleteFailed,
    /// A status this version of Girder does not know.
    Unknown,
}

impl StackState {
    /// The state of a stack with status `status` (`None`: no such stack).
    pub(crate) fn of(status: Option<&str>) -> StackState {
        let Some(status) = status else {
            return StackState::Missing;
        };
        match status {
            "DELETE_COMPLETE" => StackState::Missing,
            "REVIEW_IN_PROGRESS" => StackState::Review,
            "CREATE_COMPLETE"
            | "UPDATE_COMPLETE"
            | "UPDATE_ROLLBACK_COMPLETE"
            | "IMPORT_COMPLETE"
            | "IMPORT_ROLLBACK_COMPLETE" => StackState::Ready,
            "ROLLBACK_COMPLETE" | "CREATE_FAILED" => StackState::FailedCreate,
            "UPDATE_ROLLBACK_FAILED" | "UPDATE_FAILED" | "IMPORT_ROLLBACK_FAILED" => {
                StackState::RollbackFailed
            }
            "ROLLBACK_FAILED" | "DELETE_FAILED" => StackState::DeleteFailed,
            s if s.ends_with("_IN_PROGRESS") => StackState::InProgress,
            _ => StackState::Unknown,
        }
    }
}

/// How an operation on a stack ended, once its status is no longer in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Still running.
    Running,
    /// It did what was asked.
    Succeeded,
    /// It failed (and rolled back, or could not).
    Failed,
}

/// The outcome of creating or updating (`deleting == false`) or deleting a stack, by its status.
pub(crate) fn outcome(status: &str, deleting: bool) -> Outcome {
    if status.ends_with("_IN_PROGRESS") && status != "REVIEW_IN_PROGRESS" {
        return Outcome::Running;
    }
    let ok = if deleting {
        status == "DELETE_COMPLETE"
    } else {
        matches!(
            status,
            "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "IMPORT_COMPLETE"
        )
    };
    if ok {
        Outcome::Succeeded
    } else {
        Outcome::Failed
    }
}

/// Whether a resource event's status says the resource failed.
pub(crate) fn is_failure(status: &str) -> bool {
    status.ends_with("_FAILED")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified_for_the_next_deploy() {
        assert_eq!(StackState::of(None), StackState::Missing);
        assert_eq!(StackState::of(Some("DELETE_COMPLETE")), StackState::Missing);
        assert_eq!(
            StackState::of(Some("REVIEW_IN_PROGRESS")),
            StackState::Review
        );
        for ready in [
            "CREATE_COMPLETE",
            "UPDATE_COMPLETE",
            "UPDATE_ROLLBACK_COMPLETE",
        ] {
            assert_eq!(StackState::of(Some(ready)), StackState::Ready, "{ready}");
        }
        assert_eq!(
            StackState::of(Some("ROLLBACK_COMPLETE")),
            StackState::FailedCreate
        );
        assert_eq!(
            StackState::of(Some("UPDATE_ROLLBACK_FAILED")),
            StackState::RollbackFailed
        );
        assert_eq!(
            StackState::of(Some("DELETE_FAILED")),
            StackState::DeleteFailed
        );
        for running in [
            "CREATE_IN_PROGRESS",
            "UPDATE_IN_PROGRESS",
            "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
            "UPDATE_ROLLBACK_IN_PROGRESS",
            "DELETE_IN_PROGRESS",
            "ROLLBACK_IN_PROGRESS",
        ] {
            assert_eq!(
                StackState::of(Some(running)),
                StackState::InProgress,
                "{running}"
            );
        }
        assert_eq!(StackState::of(Some("SOMETHING_NEW")), StackState::Unknown);
    }

    #[test]
    fn outcomes_tell_success_from_rollback() {
        assert_eq!(outcome("CREATE_IN_PROGRESS", false), Outcome::Running);
        assert_eq!(outcome("CREATE_COMPLETE", false), Outcome::Succeeded);
        assert_eq!(outcome("UPDATE_COMPLETE", false), Outcome::Succeeded);
        assert_eq!(outcome("ROLLBACK_COMPLETE", false), Outcome::Failed);
        assert_eq!(outcome("UPDATE_ROLLBACK_COMPLETE", false), Outcome::Failed);
        assert_eq!(outcome("UPDATE_ROLLBACK_FAILED", false), Outcome::Failed);
        assert_eq!(outcome("REVIEW_IN_PROGRESS", false), Outcome::Failed);
        assert_eq!(outcome("DELETE_IN_PROGRESS", true), Outcome::Running);
        assert_eq!(outcome("DELETE_COMPLETE", true), Outcome::Succeeded);
        assert_eq!(outcome("DELETE_FAILED", true), Outcome::Failed);
        assert!(is_failure("CREATE_FAILED"));
        assert!(!is_failure("CREATE_COMPLETE"));
    }
}
