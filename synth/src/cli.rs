//! The command line an infra program embeds: `synth`, `list`, `diff`, and with deployers
//! (the facade's `deploy` feature) `deploy`, `diff --live`, `destroy` and `bootstrap`.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use girder_core::{App, Diagnostics};

use crate::engine::{Assembly, ComposeProject, MANIFEST, Options, synthesize_with};
use crate::output::OutputError;
use crate::remote::{
    Console, DeployOptions, Deployer, Endpoints, Failed, LiveDiffOptions, Selection, Target,
};
use crate::write::{Staging, WriteError};

/// Exit code: success; for `diff`, no changes.
pub const EXIT_OK: u8 = 0;
/// Exit code: the program is wrong (validation errors); nothing was written.
pub const EXIT_INVALID: u8 = 1;
/// Exit code: the command line is wrong.
pub const EXIT_USAGE: u8 = 2;
/// Exit code: `diff` found changes.
pub const EXIT_CHANGES: u8 = 3;
/// Exit code: `diff` found a change that replaces or deletes stateful data or breaks an immutable
/// field (marked `! destructive` in its report).
pub const EXIT_DESTRUCTIVE: u8 = 4;
/// Exit code: `deploy` or `destroy` failed part-way: a resource or a rollout failed, or the
/// timeout passed; what was done and why it failed are printed, and the next `deploy` completes
/// it.
pub const EXIT_DEPLOY_FAILED: u8 = 5;
/// Exit code: `deploy` or `destroy` changed nothing: a preflight check failed, a destructive
/// change was not allowed (`--allow-destroy`), or it was not confirmed (`--yes`).
pub const EXIT_NOT_DEPLOYED: u8 = 6;
/// Exit code: a cluster or a cloud endpoint could not be reached, or refused the credentials.
pub const EXIT_UNAVAILABLE: u8 = 69;
/// Exit code: the program panicked (in Girder or in a closure of the program); the message says
/// where.
pub const EXIT_INTERNAL: u8 = 70;
/// Exit code: the output path is not a directory Girder wrote (another tool's files, files added
/// beside Girder's, a symbolic link, a file): it was left untouched.
pub const EXIT_FOREIGN_OUTPUT: u8 = 73;
/// Exit code: reading or writing files failed.
pub const EXIT_IO: u8 = 74;

const EXIT_CODES: &str = "\
Exit codes:
  0   success (diff: no changes)
  1   the program is invalid: every error is printed, nothing is written
  2   the command line is invalid; or deploy, destroy or diff --live of a Docker Compose
      environment (`env.compose()`), which Girder does not deploy: the message gives the
      `docker compose` command (deploy still writes --out)
  3   diff: the synthesized output differs from --against
  4   diff: a change replaces or deletes stateful data or breaks an immutable field
  5   deploy/destroy failed part-way (a resource, a rollout, the timeout): the next deploy completes it
  6   deploy/destroy changed nothing: preflight failed, a destructive change needs --allow-destroy,
      or it was not confirmed (--yes)
  69  a cluster or cloud endpoint is unreachable or refused the credentials
  70  the program panicked (a bug in Girder or in the program): the message says where
  73  the output path holds files Girder did not write; nothing was changed
  74  reading or writing files failed";

/// How `diff` prints its report.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
enum Format {
    /// For a terminal: `+`, `-`, `~` per object, its changed fields, then counts.
    #[default]
    Text,
    /// For a pull-request comment: a summary table, destructive changes first, one
    /// collapsible section per object; under GitHub's 65,536 characters.
    Markdown,
    /// For `jq` and policy tools: `{"format": "girder-diff", "version": 1, ...}` (its JSON
    /// Schema: `synth/schema/diff-v1.json`).
    Json,
}

/// How `graph` draws the wiring graph.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
enum GraphFormat {
    /// A Mermaid flowchart, for Markdown (GitHub, GitLab) and the Mermaid tools.
    #[default]
    Mermaid,
    /// Graphviz's DOT language.
    Dot,
    /// SVG, laid out by Graphviz's `dot`.
    Svg,
}

/// Where and how `diff` writes its report.
#[derive(Args, Debug)]
struct ReportArgs {
    /// The report's format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// With `--format markdown`: also write the whole Markdown report here, which the report
    /// names when it had to be shortened to fit a comment.
    #[arg(long, value_name = "FILE")]
    full_output: Option<PathBuf>,
}

#[derive(Parser, Debug)]
#[command(
    about = "Synthesize this Girder app into Kubernetes YAML and CloudFormation, and deploy it",
    after_help = EXIT_CODES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Validate the app and write its output: one file per target unit plus manifest.json.
    /// For each Docker Compose environment, print how to start it and the names of the
    /// variables it reads from the host's environment.
    #[command(after_help = EXIT_CODES)]
    Synth {
        /// The output directory, replaced whole (all files or none).
        #[arg(long, default_value = "dist")]
        out: PathBuf,
    },
    /// Print the construct tree with paths and kinds.
    List,
    /// Draw the wiring graph: every workload, data store and server outside the cluster, and
    /// every flow the final objects allow, by port. `connect` edges are solid; other rules
    /// (`allow_from`, `allow_to`, aspects, patches) dotted; entries from Ingress hosts thick;
    /// a `connect` the objects refuse red.
    #[command(after_help = EXIT_CODES)]
    Graph {
        /// Only this environment (with the outside it reaches).
        #[arg(long)]
        env: Option<String>,
        /// The graph's format: Mermaid (GitHub renders it in Markdown), Graphviz DOT, or SVG
        /// laid out by Graphviz's `dot` (which must be installed).
        #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
        format: GraphFormat,
        /// Write the graph to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Compare a fresh synth with a previous output directory (`--against`) or with what is
    /// running (`--live`), object by object. `--live` does not read Docker Compose
    /// environments: compare those `--against` the output they were started from.
    #[command(after_help = EXIT_CODES)]
    Diff {
        /// The previous output directory.
        #[arg(long, required_unless_present = "live", conflicts_with = "live")]
        against: Option<PathBuf>,
        /// Compare with the clusters and stacks (server-side dry run, change sets).
        #[arg(long)]
        live: bool,
        /// With `--live`, also detect drift of the CloudFormation stacks.
        #[arg(long, requires = "live")]
        drift: bool,
        #[command(flatten)]
        scope: ScopeArgs,
        #[command(flatten)]
        endpoints: EndpointArgs,
        #[command(flatten)]
        report: ReportArgs,
    },
    /// Synthesize into `--out`, then deploy: CloudFormation stacks by change sets, then
    /// Kubernetes objects by server-side apply, pruning what the program no longer has.
    /// Docker Compose environments are written, not deployed: `docker compose up` starts them.
    #[command(after_help = EXIT_CODES)]
    Deploy {
        #[command(flatten)]
        scope: ScopeArgs,
        #[command(flatten)]
        deploy: DeployArgs,
        /// The output directory, replaced whole, as `synth` does.
        #[arg(long, default_value = "dist")]
        out: PathBuf,
        #[command(flatten)]
        endpoints: EndpointArgs,
    },
    /// Delete what this program deployed to an environment (not a Docker Compose one: `docker
    /// compose down` stops it).
    #[command(after_help = EXIT_CODES)]
    Destroy {
        /// The environment to destroy.
        #[arg(long)]
        env: String,
        /// Only this target.
        #[arg(long, value_enum)]
        target: Option<Target>,
        #[command(flatten)]
        deploy: DeployArgs,
        #[command(flatten)]
        endpoints: EndpointArgs,
    },
    /// Create what deploying needs once per account and region: the CloudFormation asset bucket
    /// that holds templates over CloudFormation's inline size limit.
    #[command(after_help = EXIT_CODES)]
    Bootstrap {
        #[command(flatten)]
        scope: ScopeArgs,
        #[command(flatten)]
        endpoints: EndpointArgs,
    },
}

/// Which environments and targets a command acts on.
#[derive(Args, Debug)]
struct ScopeArgs {
    /// Only this environment (default: every environment).
    #[arg(long)]
    env: Option<String>,
    /// Only this target (default: every target).
    #[arg(long, value_enum)]
    target: Option<Target>,
}

/// How `deploy` and `destroy` behave.
#[derive(Args, Debug)]
struct DeployArgs {
    /// Do not ask for confirmation (CI). Without a terminal and without it, nothing is changed.
    #[arg(long)]
    yes: bool,
    /// Allow deleting or replacing stateful resources (volumes, StatefulSets, Namespaces,
    /// databases, buckets).
    #[arg(long)]
    allow_destroy: bool,
    /// Take ownership of fields another field manager owns (Kubernetes).
    #[arg(long)]
    force_conflicts: bool,
    /// How long to wait for rollouts and stacks, e.g. `90s`, `10m`.
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    timeout: Duration,
    /// Do not wait for rollouts to finish.
    #[arg(long)]
    no_wait: bool,
}

/// Where the clusters and cloud endpoints are, when not where the program says.
#[derive(Args, Debug)]
struct EndpointArgs {
    /// The kubeconfig file (default: `$KUBECONFIG`, then `~/.kube/config`).
    #[arg(long)]
    kubeconfig: Option<PathBuf>,
    /// The kube context, instead of the environment's or the kubeconfig's current one.
    #[arg(long)]
    context: Option<String>,
    /// The AWS endpoint (tests; default: AWS's, or `AWS_ENDPOINT_URL`).
    #[arg(long)]
    endpoint_url: Option<String>,
}

impl EndpointArgs {
    fn endpoints(self) -> Endpoints {
        Endpoints {
            kubeconfig: self.kubeconfig,
            context: self.context,
            aws_endpoint_url: self.endpoint_url,
        }
    }
}

/// `90s`, `10m`, `1h`, or seconds.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let (digits, unit) = text
        .find(|c: char| !c.is_ascii_digit())
        .map_or((text, ""), |at| text.split_at(at));
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a duration: write e.g. `90s`, `10m` or `1h`"))?;
    let seconds = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("`{text}`: the unit is `s`, `m` or `h`")),
    };
    Ok(Duration::from_secs(seconds))
}

/// Runs the command line of the current process against `app`; returns the exit code.
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     let app = girder_core::App::new("shop");
///     // ... constructs ...
///     girder_synth::run(app)
/// }
/// ```
pub fn run(app: App) -> ExitCode {
    run_deployers(app, &[])
}

/// Runs the command line of the current process against `app`, with `deployers` for `deploy`,
/// `diff --live`, `destroy` and `bootstrap` (the facade's `girder::run` passes Girder's when
/// its `deploy` feature is on). Questions are asked on the terminal, when there is one.
pub fn run_deployers(app: App, deployers: &[&dyn Deployer]) -> ExitCode {
    use std::io::IsTerminal;
    let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let mut ask = |question: &str| {
        eprint!("{question} [y/N] ");
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer).is_ok()
            && matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes")
    };
    let session = Session {
        deployers,
        terminal,
        ask: terminal.then_some(&mut ask as &mut dyn FnMut(&str) -> bool),
    };
    run_session(
        &app,
        std::env::args_os(),
        &mut std::io::stdout(),
        &mut std::io::stderr(),
        session,
    )
}

/// Runs the command line `args` with `deployers`, printing to `out` and `err`, with no one to
/// answer questions (as in CI: `deploy` changes something only with `--yes`); returns the exit
/// code. See [`run_with`].
pub fn run_with_deployers<I, T>(
    app: &App,
    args: I,
    out: &mut dyn Write,
    err: &mut dyn Write,
    deployers: &[&dyn Deployer],
) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let session = Session {
        deployers,
        terminal: false,
        ask: None,
    };
    run_session(app, args, out, err, session)
}

/// The deployers of a run, and how it talks to a person.
struct Session<'a> {
    deployers: &'a [&'a dyn Deployer],
    terminal: bool,
    ask: Option<&'a mut dyn FnMut(&str) -> bool>,
}

/// Runs the command line `args` (the first is the program name) against `app`, printing to
/// `out` and `err`; returns the exit code.
///
/// A panic while the command runs (in Girder, or in a closure of the program such as an aspect or
/// a typed edit) is reported with where it happened, and gives [`EXIT_INTERNAL`].
pub fn run_with<I, T>(app: &App, args: I, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    run_with_deployers(app, args, out, err, &[])
}

fn run_session<I, T>(
    app: &App,
    args: I,
    out: &mut dyn Write,
    err: &mut dyn Write,
    session: Session<'_>,
) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let (to_out, to_err) = (&mut *out, &mut *err);
    match crate::panic::catch(move || run_command(app, args, to_out, to_err, session)) {
        Ok(code) => code,
        Err(panic) => {
            let _ = writeln!(err, "{panic}");
            ExitCode::from(EXIT_INTERNAL)
        }
    }
}

fn run_command<I, T>(
    app: &App,
    args: I,
    out: &mut dyn Write,
    err: &mut dyn Write,
    session: Session<'_>,
) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let text = e.render().to_string();
            let _ = if e.use_stderr() {
                err.write_all(text.as_bytes())
            } else {
                out.write_all(text.as_bytes())
            };
            return ExitCode::from(code);
        }
    };
    let mut console = Console {
        out,
        err,
        terminal: session.terminal,
        confirm: session.ask.map(|ask| ask as &mut dyn FnMut(&str) -> bool),
    };
    let deployers = session.deployers;
    ExitCode::from(match cli.command {
        Command::Synth { out: dir } => synth(app, &dir, console.out, console.err),
        Command::List => list(app, console.out),
        Command::Graph { env, format, out } => graph(
            app,
            env.as_deref(),
            format,
            out.as_deref(),
            console.out,
            console.err,
        ),
        Command::Diff {
            against: Some(against),
            report,
            ..
        } => diff(app, &against, &report, console.out, console.err),
        Command::Diff {
            against: None,
            drift,
            scope,
            endpoints,
            report,
            ..
        } => {
            let mut options = LiveDiffOptions::new(Selection { env: scope.env });
            options.endpoints = endpoints.endpoints();
            options.drift = drift;
            diff_live(
                app,
                deployers,
                scope.target,
                &options,
                &report,
                &mut console,
            )
        }
        Command::Deploy {
            scope,
            deploy: args,
            out: dir,
            endpoints,
        } => {
            let options = deploy_options(Selection { env: scope.env }, args, endpoints);
            deploy(app, deployers, scope.target, &dir, &options, &mut console)
        }
        Command::Destroy {
            env,
            target,
            deploy: args,
            endpoints,
        } => {
            let options = deploy_options(Selection { env: Some(env) }, args, endpoints);
            destroy(app, deployers, target, &options, &mut console)
        }
        Command::Bootstrap { scope, endpoints } => {
            let mut options = DeployOptions::new(Selection { env: scope.env });
            options.endpoints = endpoints.endpoints();
            bootstrap(app, deployers, scope.target, &options, &mut console)
        }
    })
}

fn deploy_options(
    selection: Selection,
    args: DeployArgs,
    endpoints: EndpointArgs,
) -> DeployOptions {
    let mut options = DeployOptions::new(selection);
    options.endpoints = endpoints.endpoints();
    options.yes = args.yes;
    options.allow_destroy = args.allow_destroy;
    options.force_conflicts = args.force_conflicts;
    options.timeout = args.timeout;
    options.wait = !args.no_wait;
    options
}

fn report(diags: &Diagnostics, err: &mut dyn Write) {
    for d in diags {
        let _ = writeln!(err, "{d}\n");
    }
}

fn synthesize_with_or_report(
    app: &App,
    options: &Options,
    err: &mut dyn Write,
) -> Result<Assembly, u8> {
    match synthesize_with(app, options) {
        Ok(assembly) => {
            report(&assembly.warnings, err);
            Ok(assembly)
        }
        Err(diags) => Err(report_invalid(app, &diags, err)),
    }
}

/// Reports an invalid program's errors and warnings; returns the exit code.
fn report_invalid(app: &App, diags: &Diagnostics, err: &mut dyn Write) -> u8 {
    report(diags, err);
    let n = diags.error_count();
    let _ = writeln!(
        err,
        "error: `{}` is invalid: {n} error{}; nothing was written",
        app.name(),
        if n == 1 { "" } else { "s" }
    );
    EXIT_INVALID
}

/// Reports an output that could not be written; returns the exit code.
fn report_write_error(e: &WriteError, err: &mut dyn Write) -> u8 {
    let _ = writeln!(err, "error: {e}");
    if let Some(cause) = std::error::Error::source(e) {
        let _ = writeln!(err, "  caused by: {cause}");
    }
    match e {
        WriteError::ForeignDirectory { .. } => {
            let _ = writeln!(
                err,
                "  hint: Girder never deletes files it did not write: pass a new or empty directory, or a previous Girder output, to --out"
            );
            EXIT_FOREIGN_OUTPUT
        }
        _ => {
            let _ = writeln!(
                err,
                "  hint: check the permissions and free space of --out and its parent"
            );
            EXIT_IO
        }
    }
}

fn synth(app: &App, dir: &Path, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let assembly = match write_output(app, dir, false, out, err) {
        Ok(assembly) => assembly,
        Err(code) => return code,
    };
    for (env, project) in &assembly.compose {
        let _ = writeln!(
            out,
            "{env}: Docker Compose project `{}`: start it with `{}`",
            project.project,
            compose_up(dir, project)
        );
        let example = dir.join(&project.dir).join(girder_compose::ENV_EXAMPLE);
        let _ = if project.variables.is_empty() {
            writeln!(out, "  it reads no variables from the host's environment")
        } else {
            writeln!(
                out,
                "  it reads from the host's environment (names in {}; export them, or give `--env-file` a copy kept outside {}): {}",
                example.display(),
                dir.display(),
                project.variables.join(", ")
            )
        };
    }
    EXIT_OK
}

/// The command that starts Compose project `project` written to `dir`.
fn compose_up(dir: &Path, project: &ComposeProject) -> String {
    let file = dir.join(&project.dir).join(girder_compose::FILE);
    format!("docker compose -f {} up -d", file.display())
}

/// The Docker Compose environments `selection` names, when it names nothing else: an
/// environment given by `--env` that is one, or, without `--env`, every environment when each
/// is one. Such a selection is no deployer's: the command says what to run instead.
fn only_compose(app: &App, selection: &Selection) -> Option<Vec<String>> {
    let compose = girder_compose::Projects::of(app);
    let envs: Vec<String> = match &selection.env {
        Some(env) => vec![env.clone()],
        None => app
            .outline()
            .into_iter()
            .filter(|(depth, ..)| *depth == 0)
            .map(|(_, path, _)| path.as_str().to_owned())
            .collect(),
    };
    (!envs.is_empty() && envs.iter().all(|env| compose.contains_key(env))).then_some(envs)
}

/// The Compose projects of `assembly` that `selection` includes.
fn selected_compose<'a>(
    assembly: &'a Assembly,
    selection: &'a Selection,
) -> impl Iterator<Item = (&'a String, &'a ComposeProject)> {
    assembly
        .compose
        .iter()
        .filter(|(env, _)| selection.includes(env))
}

/// Synthesizes `app` into `dir` (replaced whole, all files or none); with `keep_objects`, the
/// assembly keeps its Kubernetes objects for deployers.
fn write_output(
    app: &App,
    dir: &Path,
    keep_objects: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Assembly, u8> {
    let staging = match Staging::new(dir) {
        Ok(staging) => staging,
        Err(e) => {
            // An invalid program is reported as such first: nothing could be written anyway.
            synthesize_with_or_report(app, &Options::default(), err)?;
            return Err(report_write_error(&e, err));
        }
    };
    // The previous output is taken as the last deployed one: its exports between stacks are kept
    // one more synthesis when they lose their last importer.
    let options = Options {
        previous_exports: staging
            .previous()
            .map(|m| m.exports.clone())
            .unwrap_or_default(),
        keep_objects,
    };
    let assembly = match synthesize_with(app, &options) {
        Ok(assembly) => assembly,
        Err(diags) => return Err(report_invalid(app, &diags, err)),
    };
    report(&assembly.warnings, err);
    if let Err(e) = staging
        .put_assembly(&assembly)
        .and_then(|()| staging.commit())
    {
        return Err(report_write_error(&e, err));
    }
    let files = assembly.files.len() - 1;
    let _ = writeln!(
        out,
        "wrote {} objects in {files} file{} to {} (index: {MANIFEST})",
        assembly.objects,
        if files == 1 { "" } else { "s" },
        dir.display()
    );
    Ok(assembly)
}

/// The deployers of the targets `target` selects (every target when `None`) that have work in
/// `selection`, in deploy order: CloudFormation (clusters, databases, queues) before the
/// Kubernetes objects that use them. `Err` with the exit code when none can act, or the
/// environment is not the program's.
fn select<'a>(
    assembly: &Assembly,
    deployers: &[&'a dyn Deployer],
    target: Option<Target>,
    selection: &Selection,
    err: &mut dyn Write,
) -> Result<Vec<&'a dyn Deployer>, u8> {
    if let Some(env) = &selection.env {
        let envs: BTreeSet<&str> = assembly
            .manifest
            .files
            .iter()
            .filter_map(|file| file.path.split('/').next())
            .collect();
        if !envs.contains(env.as_str()) {
            let known: Vec<&str> = envs.into_iter().collect();
            let _ = writeln!(
                err,
                "error: `{}` has no environment `{env}` with output\n  hint: its environments are: {}",
                assembly.manifest.app,
                if known.is_empty() {
                    "(none)".to_owned()
                } else {
                    known.join(", ")
                }
            );
            return Err(EXIT_USAGE);
        }
    }
    let mut selected: Vec<&dyn Deployer> = deployers
        .iter()
        .copied()
        .filter(|d| target.is_none_or(|t| t == d.target()))
        .filter(|d| d.has_work(assembly, selection))
        .collect();
    selected.sort_by_key(|d| d.target() != Target::CloudFormation);
    Ok(selected)
}

fn deploy(
    app: &App,
    deployers: &[&dyn Deployer],
    target: Option<Target>,
    dir: &Path,
    options: &DeployOptions,
    console: &mut Console<'_>,
) -> u8 {
    let only = only_compose(app, &options.selection);
    if deployers.is_empty() && only.is_none() {
        return no_deployers(console.err);
    }
    let assembly = match write_output(app, dir, true, console.out, console.err) {
        Ok(assembly) => assembly,
        Err(code) => return code,
    };
    for (env, project) in selected_compose(&assembly, &options.selection) {
        let up = compose_up(dir, project);
        let _ = if only.is_some() {
            writeln!(
                console.err,
                "error: `{env}` is a Docker Compose environment, which Girder does not deploy\n  hint: its files are written: start it with `{up}`"
            )
        } else {
            writeln!(
                console.err,
                "note: `{env}` is a Docker Compose environment, which Girder does not deploy: start it with `{up}`"
            )
        };
    }
    if only.is_some() {
        return EXIT_USAGE;
    }
    let selected = match select(
        &assembly,
        deployers,
        target,
        &options.selection,
        console.err,
    ) {
        Ok(selected) => selected,
        Err(code) => return code,
    };
    if selected.is_empty() {
        let _ = writeln!(console.out, "nothing to deploy");
    }
    for deployer in selected {
        if let Err(Failed(code)) = deployer.deploy(&assembly, options, console) {
            return code;
        }
    }
    EXIT_OK
}

fn destroy(
    app: &App,
    deployers: &[&dyn Deployer],
    target: Option<Target>,
    options: &DeployOptions,
    console: &mut Console<'_>,
) -> u8 {
    if only_compose(app, &options.selection).is_some() {
        return compose_not_deployed(app, &options.selection, "destroy", console.err);
    }
    let (assembly, mut selected) =
        match prepare(app, deployers, target, &options.selection, console.err) {
            Ok(prepared) => prepared,
            Err(code) => return code,
        };
    // The Kubernetes objects go before the clusters and databases they use.
    selected.reverse();
    for deployer in selected {
        if let Err(Failed(code)) = deployer.destroy(&assembly, options, console) {
            return code;
        }
    }
    EXIT_OK
}

fn bootstrap(
    app: &App,
    deployers: &[&dyn Deployer],
    target: Option<Target>,
    options: &DeployOptions,
    console: &mut Console<'_>,
) -> u8 {
    let (assembly, selected) =
        match prepare(app, deployers, target, &options.selection, console.err) {
            Ok(prepared) => prepared,
            Err(code) => return code,
        };
    for deployer in selected {
        if let Err(Failed(code)) = deployer.bootstrap(&assembly, options, console) {
            return code;
        }
    }
    EXIT_OK
}

fn diff_live(
    app: &App,
    deployers: &[&dyn Deployer],
    target: Option<Target>,
    options: &LiveDiffOptions,
    report_args: &ReportArgs,
    console: &mut Console<'_>,
) -> u8 {
    if only_compose(app, &options.selection).is_some() {
        return compose_not_deployed(app, &options.selection, "diff --live", console.err);
    }
    let (assembly, selected) =
        match prepare(app, deployers, target, &options.selection, console.err) {
            Ok(prepared) => prepared,
            Err(code) => return code,
        };
    for (env, project) in selected_compose(&assembly, &options.selection) {
        let _ = writeln!(
            console.err,
            "note: `{env}` is a Docker Compose environment: not compared (Girder does not read what runs in it; `docker compose -p {} ps` shows it); compare its files with `diff --against` the output it was started from",
            project.project
        );
    }
    let mut report = crate::diff::Report::default();
    for deployer in selected {
        match deployer.diff_live(&assembly, options, console) {
            Ok(live) => report.merge(live.report),
            Err(Failed(code)) => return code,
        }
    }
    print_report(&report, report_args, console.out, console.err)
}

/// Synthesizes `app` in memory (see [`synthesize_for`]) and selects the deployers that act on
/// it (see [`select`]); `Err` with the exit code.
fn prepare<'a>(
    app: &App,
    deployers: &[&'a dyn Deployer],
    target: Option<Target>,
    selection: &Selection,
    err: &mut dyn Write,
) -> Result<(Assembly, Vec<&'a dyn Deployer>), u8> {
    let assembly = synthesize_for(app, deployers, err)?;
    let selected = select(&assembly, deployers, target, selection, err)?;
    Ok((assembly, selected))
}

/// Synthesizes `app` in memory for a deployer, keeping its objects; `Err` with the exit code
/// when the program is invalid or there is no deployer.
fn synthesize_for(
    app: &App,
    deployers: &[&dyn Deployer],
    err: &mut dyn Write,
) -> Result<Assembly, u8> {
    if deployers.is_empty() {
        return Err(no_deployers(err));
    }
    let options = Options {
        keep_objects: true,
        ..Options::default()
    };
    synthesize_with_or_report(app, &options, err)
}

/// Reports that `command` does not act on the Docker Compose environments `selection` names,
/// with the `docker compose` command that does; returns the exit code.
fn compose_not_deployed(
    app: &App,
    selection: &Selection,
    command: &str,
    err: &mut dyn Write,
) -> u8 {
    // Synthesized for the project names (and to report an invalid program as such).
    let assembly = match synthesize_with_or_report(app, &Options::default(), err) {
        Ok(assembly) => assembly,
        Err(code) => return code,
    };
    for (env, project) in selected_compose(&assembly, selection) {
        let name = &project.project;
        let hint = if command == "destroy" {
            format!(
                "stop it with `docker compose -p {name} down` (`--volumes` also deletes its named volumes and their data)"
            )
        } else {
            format!(
                "`docker compose -p {name} ps` shows what runs; `diff --against` the output it was started from compares its files"
            )
        };
        let _ = writeln!(
            err,
            "error: `{env}` is a Docker Compose environment: Girder did not deploy it, and `{command}` does not act on it\n  hint: {hint}"
        );
    }
    EXIT_USAGE
}

/// Reports that the program has no deployers; returns the exit code.
fn no_deployers(err: &mut dyn Write) -> u8 {
    let _ = writeln!(
        err,
        "error: this program was built without Girder's deployers\n  hint: enable the `deploy` feature of the `girder` dependency (`girder = {{ version = \"0.1\", features = [\"deploy\"] }}`) and end `main` with `girder::run(app)`"
    );
    EXIT_USAGE
}

/// Prints a diff report; returns `diff`'s exit code for it.
/// Writes `report` as `args` ask; returns the exit code of what it found, or of the failure to
/// write it.
fn print_report(
    report: &crate::diff::Report,
    args: &ReportArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    if args.full_output.is_some() && args.format != Format::Markdown {
        let _ = writeln!(
            err,
            "error: --full-output is the whole Markdown report, and the format is {:?}\n  hint: add `--format markdown`, or drop --full-output",
            args.format
        );
        return EXIT_USAGE;
    }
    let mut files = Vec::new();
    let text = match args.format {
        Format::Text => format!("{report}\n"),
        Format::Markdown => {
            let full_name = args.full_output.as_ref().map(|p| p.display().to_string());
            let comment = crate::report::markdown(report, full_name.as_deref());
            if let Some(path) = &args.full_output {
                // The whole report is the comment unless the comment had to be shortened.
                let whole = if comment.shortened {
                    crate::report::markdown_with_limit(report, usize::MAX, None).text
                } else {
                    comment.text.clone()
                };
                files.push((path, whole));
            }
            comment.text
        }
        Format::Json => {
            let json = crate::report::json(report);
            serde_json::to_string_pretty(&json).unwrap_or_default() + "\n"
        }
    };
    match &args.output {
        Some(path) => files.push((path, text)),
        None => {
            let _ = out.write_all(text.as_bytes());
        }
    }
    for (path, text) in files {
        if let Err(code) = write_file(path, &text, "the report", err) {
            return code;
        }
    }
    if report.destructive() > 0 {
        EXIT_DESTRUCTIVE
    } else if report.is_empty() {
        EXIT_OK
    } else {
        EXIT_CHANGES
    }
}

fn list(app: &App, out: &mut dyn Write) -> u8 {
    for (depth, path, kind) in app.outline() {
        let _ = writeln!(out, "{:indent$}{path}  ({kind})", "", indent = depth * 2);
    }
    EXIT_OK
}

fn graph(
    app: &App,
    env: Option<&str>,
    format: GraphFormat,
    path: Option<&Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let assembly = match synthesize_with_or_report(app, &Options::default(), err) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let graph = match env {
        Some(env) if !assembly.manifest.environments().contains(&env) => {
            let _ = writeln!(
                err,
                "error: the program has no environment `{env}`\n  hint: one of: {}",
                assembly.manifest.environments().join(", ")
            );
            return EXIT_USAGE;
        }
        Some(env) => assembly.manifest.graph.environment(env),
        None => assembly.manifest.graph,
    };
    let text = match format {
        GraphFormat::Mermaid => graph.mermaid(),
        GraphFormat::Dot => graph.dot(),
        GraphFormat::Svg => match graph.svg() {
            Ok(svg) => svg,
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                return EXIT_UNAVAILABLE;
            }
        },
    };
    match path {
        Some(path) => write_file(path, &text, "the graph", err)
            .err()
            .unwrap_or(EXIT_OK),
        None => {
            let _ = out.write_all(text.as_bytes());
            EXIT_OK
        }
    }
}

/// Writes `text` (`what` it is, for the message) to `path`, or says why not and gives the exit
/// code.
fn write_file(path: &Path, text: &str, what: &str, err: &mut dyn Write) -> Result<(), u8> {
    std::fs::write(path, text).map_err(|e| {
        let _ = writeln!(err, "error: cannot write {what} to {}: {e}", path.display());
        EXIT_IO
    })
}

fn diff(
    app: &App,
    against: &Path,
    args: &ReportArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let (previous, old) = match crate::output::read(against) {
        Ok(read) => read,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            if let Some(cause) = std::error::Error::source(&e) {
                let _ = writeln!(err, "  caused by: {cause}");
            }
            let hint = match e {
                OutputError::NotOurs { .. } | OutputError::Missing { .. } => {
                    "pass a directory written by `synth`, e.g. the output of the main branch"
                }
                _ => "synthesize the previous version again into a new directory",
            };
            let _ = writeln!(err, "  hint: {hint}");
            return EXIT_IO;
        }
    };
    // The output compared against stands for what is deployed: synthesize with its exports, so
    // that an export kept one more deployment is not reported as a change.
    let previous_graph = previous.graph;
    let options = Options {
        previous_exports: previous.exports,
        ..Options::default()
    };
    let assembly = match synthesize_with_or_report(app, &options, err) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let mut new = assembly.contents();
    new.remove(MANIFEST);
    match crate::diff::diff(&old, &new) {
        Ok(mut report) => {
            report.set_wiring(crate::graph::Changes::between(
                &previous_graph,
                &assembly.manifest.graph,
            ));
            print_report(&report, args, out, err)
        }
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            if let Some(cause) = std::error::Error::source(&e) {
                let _ = writeln!(err, "  caused by: {cause}");
            }
            EXIT_IO
        }
    }
}
