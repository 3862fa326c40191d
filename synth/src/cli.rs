//! The command line an infra program embeds: `synth`, `list`, `diff`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use girder_core::{App, Diagnostics};

use crate::engine::{Assembly, MANIFEST, Options, SynthError, synthesize_to, synthesize_with};
use crate::output::OutputError;
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
  2   the command line is invalid
  3   diff: the synthesized output differs from --against
  4   diff: a change replaces or deletes stateful data or breaks an immutable field
  70  the program panicked (a bug in Girder or in the program): the message says where
  73  the output path holds files Girder did not write; nothing was changed
  74  reading or writing files failed";

#[derive(Parser, Debug)]
#[command(about = "Synthesize this Girder app into Kubernetes YAML", after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Validate the app and write its output: one file per target unit plus manifest.json.
    #[command(after_help = EXIT_CODES)]
    Synth {
        /// The output directory, replaced whole (all files or none).
        #[arg(long, default_value = "dist")]
        out: PathBuf,
    },
    /// Print the construct tree with paths and kinds.
    List,
    /// Compare a fresh synth with a previous output directory, object by object.
    #[command(after_help = EXIT_CODES)]
    Diff {
        /// The previous output directory.
        #[arg(long)]
        against: PathBuf,
    },
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
    run_with(
        &app,
        std::env::args_os(),
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    )
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
    match crate::panic::catch(|| run_command(app, args, &mut *out, &mut *err)) {
        Ok(code) => code,
        Err(panic) => {
            let _ = writeln!(err, "{panic}");
            ExitCode::from(EXIT_INTERNAL)
        }
    }
}

fn run_command<I, T>(app: &App, args: I, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode
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
    ExitCode::from(match cli.command {
        Command::Synth { out: dir } => synth(app, &dir, out, err),
        Command::List => list(app, out),
        Command::Diff { against } => diff(app, &against, out, err),
    })
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

fn synth(app: &App, dir: &std::path::Path, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let staging = match Staging::new(dir) {
        Ok(staging) => staging,
        Err(e) => {
            // An invalid program is reported as such first: nothing could be written anyway.
            if let Err(code) = synthesize_with_or_report(app, &Options::default(), err) {
                return code;
            }
            return report_write_error(&e, err);
        }
    };
    // The previous output is taken as the last deployed one: its exports between stacks are kept
    // one more synthesis when they lose their last importer.
    let options = Options {
        previous_exports: staging
            .previous()
            .map(|m| m.exports.clone())
            .unwrap_or_default(),
    };
    let written = match synthesize_to(app, &options, &staging) {
        Ok(written) => written,
        Err(SynthError::Invalid(diags)) => return report_invalid(app, &diags, err),
        Err(SynthError::Write(e)) => return report_write_error(&e, err),
    };
    report(&written.warnings, err);
    if let Err(e) = staging.commit() {
        return report_write_error(&e, err);
    }
    let files = written.files.len() - 1;
    let _ = writeln!(
        out,
        "wrote {} objects in {files} file{} to {} (index: {MANIFEST})",
        written.objects,
        if files == 1 { "" } else { "s" },
        dir.display()
    );
    EXIT_OK
}

fn list(app: &App, out: &mut dyn Write) -> u8 {
    for (depth, path, kind) in app.outline() {
        let _ = writeln!(out, "{:indent$}{path}  ({kind})", "", indent = depth * 2);
    }
    EXIT_OK
}

fn diff(app: &App, against: &std::path::Path, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
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
    let options = Options {
        previous_exports: previous.exports,
    };
    let assembly = match synthesize_with_or_report(app, &options, err) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let mut new = assembly.contents();
    new.remove(MANIFEST);
    match crate::diff::diff(&old, &new) {
        Ok(report) => {
            let _ = writeln!(out, "{report}");
            if report.destructive() > 0 {
                EXIT_DESTRUCTIVE
            } else if report.is_empty() {
                EXIT_OK
            } else {
                EXIT_CHANGES
            }
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
