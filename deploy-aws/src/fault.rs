//! What went wrong talking to AWS, with the exit code and the hint each fault is reported with.

use std::io::Write;

use aws_sdk_cloudformation::error::{ProvideErrorMetadata, SdkError};
use girder_synth::{EXIT_DEPLOY_FAILED, EXIT_NOT_DEPLOYED, EXIT_UNAVAILABLE};

/// Error codes by which AWS refuses credentials.
const CREDENTIAL_CODES: &[&str] = &[
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "InvalidAccessKeyId",
    "RequestExpired",
    "AuthFailure",
    "InvalidToken",
    "TokenRefreshRequired",
];

/// A fault of a deployer command: printed as `error:` and `  hint:` lines, and ending the
/// command with its exit code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum Fault {
    /// The endpoint could not be reached (no connection, DNS, TLS, timeout).
    #[error("cannot reach AWS ({operation}): {detail}")]
    Unreachable {
        /// The operation tried.
        operation: &'static str,
        /// What the connection said.
        detail: String,
    },
    /// No credentials were found by the standard chain.
    #[error("no AWS credentials: {detail}")]
    NoCredentials {
        /// What the credential chain said.
        detail: String,
    },
    /// AWS refused the credentials (expired, unknown, bad signature).
    #[error("AWS refused the credentials ({operation}): {code}: {message}")]
    Credentials {
        /// The operation tried.
        operation: &'static str,
        /// AWS's error code.
        code: String,
        /// AWS's message.
        message: String,
    },
    /// The credentials belong to another account than the stack's.
    #[error("stack {stack} is for account {expected}, but the credentials are of account {actual}")]
    WrongAccount {
        /// The stack.
        stack: String,
        /// The program's account.
        expected: String,
        /// The credentials' account.
        actual: String,
    },
    /// A call that reads or prepares failed: nothing was changed by it.
    #[error("{operation} for stack {stack} failed: {code}: {message}")]
    Api {
        /// The operation.
        operation: &'static str,
        /// The stack (or bucket) it was about.
        stack: String,
        /// AWS's error code, or the kind of failure.
        code: String,
        /// AWS's message.
        message: String,
    },
    /// The change set could not be made: CloudFormation's reason is printed.
    #[error("CloudFormation could not make a change set for stack {stack}: {reason}")]
    ChangeSetFailed {
        /// The stack.
        stack: String,
        /// CloudFormation's `StatusReason`.
        reason: String,
    },
    /// The stack is in a state that Girder does not change without being told to.
    #[error("stack {stack} is {status}: {why}")]
    StackState {
        /// The stack.
        stack: String,
        /// Its status.
        status: String,
        /// What the status means.
        why: String,
        /// What to do.
        hint: String,
    },
    /// A change replaces or deletes stateful resources, and `--allow-destroy` was not given.
    #[error("stack {stack}: {count} change(s) replace or delete stateful resources: {what}")]
    Destructive {
        /// The stack.
        stack: String,
        /// How many.
        count: usize,
        /// Which.
        what: String,
    },
    /// `destroy` would delete stateful resources, and `--allow-destroy` was not given.
    #[error("{count} stateful resource(s) would be deleted: {what}")]
    StatefulStacks {
        /// How many.
        count: usize,
        /// Which.
        what: String,
    },
    /// Nobody confirmed the change.
    #[error("{what} was not confirmed; nothing was changed")]
    NotConfirmed {
        /// What was to be done.
        what: String,
    },
    /// A template needs the asset bucket, and the account has none.
    #[error(
        "stack {stack}'s template is {size} bytes, over CloudFormation's inline limit of 51,200, \
         and account {account} has no Girder asset bucket in {region}"
    )]
    NotBootstrapped {
        /// The stack.
        stack: String,
        /// The template's size.
        size: usize,
        /// The account.
        account: String,
        /// The region.
        region: String,
    },
    /// The deployer's async runtime could not start.
    #[error("could not start the deployer's runtime: {detail}")]
    Runtime {
        /// What the system said.
        detail: String,
    },
    /// Drift detection failed or is not offered by the endpoint.
    #[error("drift detection of stack {stack} failed ({operation}): {code}: {message}")]
    DriftFailed {
        /// The operation.
        operation: &'static str,
        /// The stack.
        stack: String,
        /// AWS's error code, or the kind of failure.
        code: String,
        /// AWS's message.
        message: String,
    },
    /// Executing, deleting or waiting failed part-way.
    #[error("{what}")]
    Failed {
        /// What failed, with CloudFormation's reasons.
        what: String,
        /// What to do.
        hint: String,
    },
}

impl Fault {
    /// The command's exit code for this fault.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Fault::Unreachable { .. }
            | Fault::NoCredentials { .. }
            | Fault::Credentials { .. }
            | Fault::WrongAccount { .. }
            | Fault::DriftFailed { .. }
            | Fault::Runtime { .. } => EXIT_UNAVAILABLE,
            Fault::Api { .. }
            | Fault::ChangeSetFailed { .. }
            | Fault::StackState { .. }
            | Fault::Destructive { .. }
            | Fault::StatefulStacks { .. }
            | Fault::NotConfirmed { .. }
            | Fault::NotBootstrapped { .. } => EXIT_NOT_DEPLOYED,
            Fault::Failed { .. } => EXIT_DEPLOY_FAILED,
        }
    }

    /// What to do about it.
    pub(crate) fn hint(&self) -> String {
        match self {
            Fault::Unreachable { .. } => "check the network, the region and --endpoint-url (or \
                 AWS_ENDPOINT_URL); nothing was changed"
                .to_owned(),
            Fault::NoCredentials { .. } => "configure credentials as the AWS CLI does \
                 (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, `aws sso login`); nothing \
                 was changed"
                .to_owned(),
            Fault::Credentials { .. } => "renew the credentials (e.g. `aws sso login`, or new \
                 keys) and run the command again; nothing was changed"
                .to_owned(),
            Fault::WrongAccount { expected, .. } => format!(
                "use credentials of account {expected} (e.g. AWS_PROFILE of that account); \
                 nothing was changed"
            ),
            Fault::Api { .. } => "check the permissions of the credentials for CloudFormation \
                 and S3, and run the command again"
                .to_owned(),
            Fault::Runtime { .. } => {
                "the system is out of threads or file descriptors; try again".to_owned()
            }
            Fault::DriftFailed { .. } => "check that the credentials may call \
                 cloudformation:DetectStackDrift and read every resource of the stack, and that \
                 the endpoint detects drift; or run `diff --live` without --drift"
                .to_owned(),
            Fault::ChangeSetFailed { .. } => "fix what CloudFormation names above in the \
                 program; the change set was deleted and nothing was changed"
                .to_owned(),
            Fault::StackState { hint, .. } | Fault::Failed { hint, .. } => hint.clone(),
            Fault::Destructive { .. } => "if losing that data is intended, deploy again with \
                 --allow-destroy; otherwise keep the resource's properties and logical ID (see \
                 `diff --live`). Nothing was changed"
                .to_owned(),
            Fault::StatefulStacks { .. } => "if losing that data is intended, run destroy again \
                 with --allow-destroy (resources with DeletionPolicy Retain stay, outside any \
                 stack); nothing was deleted"
                .to_owned(),
            Fault::NotConfirmed { .. } => "pass --yes to deploy without a question (CI), or run \
                 it at a terminal to answer"
                .to_owned(),
            Fault::NotBootstrapped {
                account, region, ..
            } => format!(
                "run `bootstrap` once for account {account} in {region} (it creates the \
                 GirderToolkit stack and its asset bucket), then deploy again; nothing was changed"
            ),
        }
    }

    /// Prints the fault to `err` as `error:` and `  hint:` lines.
    pub(crate) fn print(&self, err: &mut dyn Write) {
        let _ = writeln!(err, "error: {self}");
        let _ = writeln!(err, "  hint: {}", self.hint());
    }

    /// Classifies a failed call of `operation` about `stack`.
    pub(crate) fn of_sdk<E, R>(operation: &'static str, stack: &str, e: SdkError<E, R>) -> Fault
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        match &e {
            SdkError::DispatchFailure(dispatch) => {
                let detail = chain(&e);
                let credentials = detail.to_lowercase();
                if dispatch.is_other()
                    && (credentials.contains("credential") || credentials.contains("identity"))
                {
                    Fault::NoCredentials { detail }
                } else {
                    Fault::Unreachable { operation, detail }
                }
            }
            SdkError::TimeoutError(_) => Fault::Unreachable {
                operation,
                detail: chain(&e),
            },
            SdkError::ServiceError(service) => {
                let err = service.err();
                let code = err.code().unwrap_or("Unknown").to_owned();
                let message = err.message().unwrap_or_default().to_owned();
                if CREDENTIAL_CODES.contains(&code.as_str()) {
                    Fault::Credentials {
                        operation,
                        code,
                        message,
                    }
                } else {
                    Fault::Api {
                        operation,
                        stack: stack.to_owned(),
                        code,
                        message,
                    }
                }
            }
            _ => Fault::Api {
                operation,
                stack: stack.to_owned(),
                code: "no answer".to_owned(),
                message: chain(&e),
            },
        }
    }
}

/// The error and its causes, joined by `: `.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = cause.source();
    }
    out
}

/// AWS's error code of a failed call, if AWS answered.
pub(crate) fn code_of<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> Option<&str> {
    match e {
        SdkError::ServiceError(service) => service.err().code(),
        _ => None,
    }
}

/// AWS's message of a failed call, if AWS answered.
pub(crate) fn message_of<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> Option<&str> {
    match e {
        SdkError::ServiceError(service) => service.err().message(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreachable_and_credential_faults_exit_69_and_say_what_to_do() {
        let fault = Fault::WrongAccount {
            stack: "shop-prod-data".into(),
            expected: "111111111111".into(),
            actual: "123456789012".into(),
        };
        assert_eq!(fault.exit_code(), EXIT_UNAVAILABLE);
        let mut err = Vec::new();
        fault.print(&mut err);
        let text = String::from_utf8_lossy(&err);
        assert!(text.starts_with("error: stack shop-prod-data is for account 111111111111"));
        assert!(text.contains("\n  hint: use credentials of account 111111111111"));
        let refused = Fault::Credentials {
            operation: "GetCallerIdentity",
            code: "ExpiredToken".into(),
            message: "expired".into(),
        };
        assert_eq!(refused.exit_code(), EXIT_UNAVAILABLE);
        assert!(refused.hint().contains("renew"));
    }

    #[test]
    fn refusals_change_nothing_and_failures_are_part_way() {
        let destructive = Fault::Destructive {
            stack: "s".into(),
            count: 1,
            what: "Remove AWS::S3::Bucket Files".into(),
        };
        assert_eq!(destructive.exit_code(), EXIT_NOT_DEPLOYED);
        assert!(destructive.hint().contains("--allow-destroy"));
        let failed = Fault::Failed {
            what: "x".into(),
            hint: "y".into(),
        };
        assert_eq!(failed.exit_code(), EXIT_DEPLOY_FAILED);
    }
}
