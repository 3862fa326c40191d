//! Girder's CloudFormation deployer: `deploy`, `diff --live`, `destroy` and `bootstrap` for the
//! stacks of a synthesized program, by change sets.
//!
//! ```no_run
//! use girder_deploy_aws::CloudFormation;
//!
//! fn main() -> std::process::ExitCode {
//!     let app = girder_core::App::new("shop");
//!     // ... environments, stacks and constructs ...
//!     girder_synth::run_deployers(app, &[&CloudFormation::default()])
//! }
//! ```
//!
//! # What each command does
//!
//! * **`deploy`**, stack by stack in the manifest's order (producers before importers): a
//!   change set (`CREATE` for a new stack, `UPDATE` otherwise, with `CAPABILITY_NAMED_IAM`),
//!   described in full and printed as a table (action, logical ID, type, replacement, the
//!   properties that cause it). A change that deletes or replaces a stateful resource
//!   ([`girder_aws::replacement::stake`]), by CloudFormation's answer or by Girder's own
//!   comparison of the deployed template with the new one, stops the deploy unless
//!   `--allow-destroy`. Then it asks (unless `--yes`; with no one to ask, it only shows the
//!   change sets), executes, and prints the stack's events until it settles or `--timeout`
//!   passes; a failure names the failed resources and CloudFormation's reasons. A template
//!   that changes nothing is reported as `no changes`, so a second deploy is a no-op.
//!   CloudFormation stacks are always waited for (`--no-wait` concerns Kubernetes rollouts):
//!   later stacks import their outputs.
//! * **Stack states**: a stack busy with another operation is waited for within the timeout; an
//!   empty stack left by an interrupted first deploy (`REVIEW_IN_PROGRESS`, with only Girder's
//!   change sets) is deleted and created again; a failed first create (`ROLLBACK_COMPLETE`) is
//!   deleted and created again only with `--allow-destroy`; `UPDATE_ROLLBACK_FAILED` needs a
//!   person (`continue-update-rollback`). Change sets named `girder-*` left by an interrupted
//!   run are deleted first.
//! * **`bootstrap`** creates or updates the `GirderToolkit` stack in each account and region of
//!   the selected stacks: an S3 bucket, encrypted, versioned, private, TLS-only, retained when
//!   the stack is deleted, whose name is the stack's output `AssetBucketName`. A template over
//!   CloudFormation's inline limit of 51,200 bytes is uploaded there under its content's
//!   SHA-256 (uploaded once) and passed as `TemplateURL`. `deploy` does not bootstrap by
//!   itself: creating an account-wide bucket needs other permissions and is decided once, so a
//!   large template in an account without it stops the deploy before any change, with a hint
//!   to run `bootstrap`.
//! * **`diff --live`** compares each deployed template (`GetTemplate`) with the program's, as
//!   `diff --against` compares outputs (a stack not deployed is all added), adds
//!   CloudFormation's own replacement answers from a change set made and deleted without being
//!   executed, and with `--drift`, the resources that drifted and how (secret values
//!   redacted).
//! * **`destroy`** deletes the environment's stacks in reverse order, after showing them;
//!   stacks holding stateful resources are refused (nothing is deleted) unless
//!   `--allow-destroy`. The toolkit stack stays.
//!
//! # Accounts, credentials, endpoints
//!
//! Each stack's account and region come from the program. Credentials come from the standard
//! chain (environment, profiles, SSO, instance roles), or from
//! [`CloudFormation::with_credentials`]. Before anything else the deployer asks STS whose the
//! credentials are, and refuses to act on a stack of another account. `--endpoint-url` (or
//! `AWS_ENDPOINT_URL`) replaces AWS's endpoints, for tests against a local server. TLS is
//! rustls with ring.
//!
//! # Exit codes
//!
//! An unreachable endpoint, missing or refused credentials, or credentials of another account
//! give `EXIT_UNAVAILABLE` (69); a refusal that changed nothing (a destructive change without
//! `--allow-destroy`, not confirmed, a stack in a state that needs a person, a change set
//! CloudFormation could not make, no asset bucket) gives `EXIT_NOT_DEPLOYED` (6); a failed or
//! timed-out execution, or a refusal after earlier stacks were deployed, gives
//! `EXIT_DEPLOY_FAILED` (5). Each is printed as `error:` with a `  hint:` line.

mod assets;
mod changes;
mod connect;
mod deploy;
mod destroy;
mod fault;
mod live;
mod ops;
mod state;

use std::fmt;
use std::future::Future;

use aws_sdk_cloudformation::config::{ProvideCredentials, SharedCredentialsProvider};
use girder_synth::Assembly;
use girder_synth::remote::{
    Console, DeployOptions, Deployer, Failed, LiveDiff, LiveDiffOptions, Selection, Target,
};

use crate::connect::Settings;
use crate::deploy::Policy;
use crate::fault::Fault;

/// The name of the bootstrap stack `bootstrap` creates in each account and region.
pub const TOOLKIT_STACK: &str = assets::TOOLKIT_STACK;

/// Deploys the CloudFormation stacks of an assembly by change sets (see the crate's docs).
#[derive(Default, Clone)]
pub struct CloudFormation {
    credentials: Option<SharedCredentialsProvider>,
}

impl fmt::Debug for CloudFormation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CloudFormation")
            .field(
                "credentials",
                &if self.credentials.is_some() {
                    "given"
                } else {
                    "standard chain"
                },
            )
            .finish()
    }
}

impl CloudFormation {
    /// A deployer that uses `credentials` instead of the standard chain: a program that holds
    /// its own, or a test against a local endpoint.
    ///
    /// ```
    /// use aws_sdk_cloudformation::config::Credentials;
    ///
    /// let deployer = girder_deploy_aws::CloudFormation::with_credentials(
    ///     Credentials::new("test", "test", None, None, "tests"),
    /// );
    /// assert!(format!("{deployer:?}").contains("given"));
    /// ```
    pub fn with_credentials(credentials: impl ProvideCredentials + 'static) -> Self {
        CloudFormation {
            credentials: Some(SharedCredentialsProvider::new(credentials)),
        }
    }

    fn settings(&self, endpoint_url: Option<&String>) -> Settings {
        Settings {
            endpoint_url: endpoint_url.cloned(),
            credentials: self.credentials.clone(),
        }
    }
}

/// Runs `work` on a runtime of its own.
fn run<T>(work: impl Future<Output = Result<T, Fault>>) -> Result<T, Fault> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Fault::Runtime {
            detail: e.to_string(),
        })?;
    runtime.block_on(work)
}

/// Prints the fault of `result`, if any, and gives its exit code.
fn finish<T>(err: &mut dyn std::io::Write, result: Result<T, Fault>) -> Result<T, Failed> {
    result.map_err(|fault| {
        fault.print(err);
        Failed(fault.exit_code())
    })
}

impl Deployer for CloudFormation {
    fn target(&self) -> Target {
        Target::CloudFormation
    }

    fn has_work(&self, assembly: &Assembly, selection: &Selection) -> bool {
        !deploy::selected(assembly, selection).is_empty()
    }

    fn deploy(
        &self,
        assembly: &Assembly,
        options: &DeployOptions,
        console: &mut Console<'_>,
    ) -> Result<(), Failed> {
        let settings = self.settings(options.endpoints.aws_endpoint_url.as_ref());
        let policy = Policy::of(options);
        let result = run(deploy::deploy(
            assembly,
            &options.selection,
            policy,
            &settings,
            console,
        ));
        finish(console.err, result)
    }

    fn diff_live(
        &self,
        assembly: &Assembly,
        options: &LiveDiffOptions,
        console: &mut Console<'_>,
    ) -> Result<LiveDiff, Failed> {
        let settings = self.settings(options.endpoints.aws_endpoint_url.as_ref());
        let result = run(live::diff_live(
            assembly,
            &options.selection,
            options.drift,
            &settings,
            console,
        ));
        let report = finish(console.err, result)?;
        Ok(LiveDiff { report })
    }

    fn bootstrap(
        &self,
        assembly: &Assembly,
        options: &DeployOptions,
        console: &mut Console<'_>,
    ) -> Result<(), Failed> {
        let settings = self.settings(options.endpoints.aws_endpoint_url.as_ref());
        let result = run(deploy::bootstrap(
            assembly,
            &options.selection,
            options.timeout,
            &settings,
            console,
        ));
        finish(console.err, result)
    }

    fn destroy(
        &self,
        assembly: &Assembly,
        options: &DeployOptions,
        console: &mut Console<'_>,
    ) -> Result<(), Failed> {
        let settings = self.settings(options.endpoints.aws_endpoint_url.as_ref());
        let policy = Policy::of(options);
        let result = run(destroy::destroy(
            assembly,
            &options.selection,
            policy,
            &settings,
            console,
        ));
        finish(console.err, result)
    }
}
