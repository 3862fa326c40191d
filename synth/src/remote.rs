//! What `deploy`, `diff --live` and `destroy` ask of a target's deployer.
//!
//! The command line ([`crate::run_with_deployers`]) synthesizes the program, then hands the
//! [`Assembly`] to one [`Deployer`] per target. The deployers live in their own crates
//! (`girder-deploy-k8s`, `girder-deploy-aws`), behind the facade's `deploy` feature, so that a
//! program that only synthesizes never compiles a cloud client: this module has no dependency
//! beyond synthesis.

use std::fmt;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use crate::diff::Report;
use crate::engine::Assembly;

/// A target a deployer deploys to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
#[non_exhaustive]
pub enum Target {
    /// Kubernetes clusters, by server-side apply.
    #[value(name = "k8s")]
    Kubernetes,
    /// CloudFormation stacks, by change sets.
    #[value(name = "cfn")]
    CloudFormation,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Target::Kubernetes => "Kubernetes",
            Target::CloudFormation => "CloudFormation",
        })
    }
}

/// Where the clouds are, when not where the program and the standard configuration say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Endpoints {
    /// A kubeconfig file instead of `$KUBECONFIG` or `~/.kube/config`.
    pub kubeconfig: Option<PathBuf>,
    /// A kube context instead of the environment's (`Kubernetes::context`) or the kubeconfig's
    /// current one.
    pub context: Option<String>,
    /// An AWS endpoint instead of AWS's (`--endpoint-url`, or `AWS_ENDPOINT_URL`): for tests.
    pub aws_endpoint_url: Option<String>,
}

/// Which environments a command acts on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// One environment, or every environment when `None`.
    pub env: Option<String>,
}

impl Selection {
    /// Whether environment `env` is selected.
    pub fn includes(&self, env: &str) -> bool {
        self.env.as_deref().is_none_or(|e| e == env)
    }
}

/// `deploy`'s options.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeployOptions {
    /// The environments to deploy.
    pub selection: Selection,
    /// Where the clouds are.
    pub endpoints: Endpoints,
    /// Deploy without asking (CI); without a terminal and without it, changes are only shown.
    pub yes: bool,
    /// Allow deleting or replacing stateful resources (PersistentVolumeClaims, StatefulSets,
    /// Namespaces, databases, buckets, ...).
    pub allow_destroy: bool,
    /// Take ownership of fields another field manager owns (Kubernetes).
    pub force_conflicts: bool,
    /// How long to wait for rollouts and stacks before giving up.
    pub timeout: Duration,
    /// Whether to wait for rollouts to finish.
    pub wait: bool,
}

impl DeployOptions {
    /// Options for `selection` with the command line's defaults: ask before deploying, destroy
    /// nothing stateful, take no field, wait up to five minutes.
    pub fn new(selection: Selection) -> Self {
        DeployOptions {
            selection,
            endpoints: Endpoints::default(),
            yes: false,
            allow_destroy: false,
            force_conflicts: false,
            timeout: Duration::from_secs(300),
            wait: true,
        }
    }
}

/// `diff --live`'s options.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LiveDiffOptions {
    /// The environments to compare.
    pub selection: Selection,
    /// Where the clouds are.
    pub endpoints: Endpoints,
    /// Also detect drift of CloudFormation stacks (slow: CloudFormation inspects every
    /// resource).
    pub drift: bool,
}

impl LiveDiffOptions {
    /// Options for `selection`, without drift detection.
    pub fn new(selection: Selection) -> Self {
        LiveDiffOptions {
            selection,
            endpoints: Endpoints::default(),
            drift: false,
        }
    }
}

/// Where a deployer prints, and how it asks for confirmation.
pub struct Console<'a> {
    /// Results: tables, reports.
    pub out: &'a mut dyn Write,
    /// Progress, warnings, errors.
    pub err: &'a mut dyn Write,
    /// Whether a person is at a terminal: progress bars instead of lines, and questions can be
    /// asked.
    pub terminal: bool,
    /// Asks a yes/no question, `None` when there is no one to ask.
    pub confirm: Option<&'a mut dyn FnMut(&str) -> bool>,
}

impl fmt::Debug for Console<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Console")
            .field("terminal", &self.terminal)
            .field("confirm", &self.confirm.is_some())
            .finish_non_exhaustive()
    }
}

impl Console<'_> {
    /// Asks `question`; `false` when no one can answer.
    pub fn confirm(&mut self, question: &str) -> bool {
        self.confirm.as_mut().is_some_and(|ask| ask(question))
    }
}

/// What a deployer found when it compared the program with what is running: the same report as
/// `diff --against`, where objects to be pruned or deleted are removals.
#[derive(Debug, Default)]
pub struct LiveDiff {
    /// The differences, with their risks.
    pub report: Report,
}

/// A deployer failed; it has printed what happened. The exit code says how (see the command
/// line's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failed(pub u8);

/// Deploys an assembly to one target.
///
/// Deployers are given the assembly of a synthesis made with
/// [`Options::keep_objects`](crate::Options::keep_objects): the Kubernetes objects as typed
/// objects ([`Assembly::kubernetes`]), the CloudFormation templates as the text that was
/// written, in the stacks' deploy order ([`Assembly::manifest`]).
pub trait Deployer {
    /// The target this deployer deploys to.
    fn target(&self) -> Target;

    /// Whether the assembly has anything for this target in `selection`.
    fn has_work(&self, assembly: &Assembly, selection: &Selection) -> bool;

    /// Puts the assembly's objects for this target in place; prints what it does.
    fn deploy(
        &self,
        assembly: &Assembly,
        options: &DeployOptions,
        console: &mut Console<'_>,
    ) -> Result<(), Failed>;

    /// Compares the assembly with what is running, without changing anything.
    fn diff_live(
        &self,
        assembly: &Assembly,
        options: &LiveDiffOptions,
        console: &mut Console<'_>,
    ) -> Result<LiveDiff, Failed>;

    /// Creates what deploying needs once per account or cluster (the CloudFormation asset
    /// bucket); a target that needs nothing does nothing.
    fn bootstrap(
        &self,
        assembly: &Assembly,
        options: &DeployOptions,
        console: &mut Console<'_>,
    ) -> Result<(), Failed> {
        let _ = (assembly, options, console);
        Ok(())
    }

    /// Deletes what this program deployed to the selected environment.
    fn destroy(
        &self,
        assembly: &Assembly,
        options: &DeployOptions,
        console: &mut Console<'_>,
    ) -> Result<(), Failed>;
}
