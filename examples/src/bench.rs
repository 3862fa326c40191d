//! What the benchmark binaries share: argument parsing, timing and the printed figures.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use girder::prelude::App;

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The minor page faults of this process so far (field 10 of `/proc/self/stat`): each is a
/// fresh page of memory the kernel had to map, a cost the timings include.
fn minor_faults() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces; the fields after it are plain numbers.
    let after_name = &stat[stat.rfind(')')? + 2..];
    after_name.split_whitespace().nth(7)?.parse().ok()
}

/// Runs benchmark `name`: builds `build(N)` from the command line `N [--out DIR]`, synthesizes
/// and writes it, and prints the in-process time of each phase, the number of objects (`unit`)
/// and stacks, the bytes written, the peak resident memory and the page faults.
pub fn run(name: &str, unit: &str, build: impl FnOnce(usize) -> App) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (n, out) = match args.as_slice() {
        [n, flag, out] if flag == "--out" => (n.parse::<usize>().ok(), out.clone()),
        [n] => (n.parse::<usize>().ok(), format!("dist-{name}")),
        _ => (None, String::new()),
    };
    let Some(n) = n else {
        eprintln!("usage: {name} N [--out DIR]");
        return ExitCode::from(2);
    };
    let t0 = Instant::now();
    let app = build(n);
    let t_build = t0.elapsed();
    let t1 = Instant::now();
    let staging = match girder::synth::write::Staging::new(std::path::Path::new(&out)) {
        Ok(staging) => staging,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(74);
        }
    };
    let written =
        match girder::synth::synthesize_to(&app, &girder::synth::Options::default(), &staging) {
            Ok(written) => written,
            Err(girder::synth::SynthError::Invalid(diags)) => {
                eprintln!("{diags}");
                return ExitCode::from(1);
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(74);
            }
        };
    let t_synth = t1.elapsed();
    let t2 = Instant::now();
    if let Err(e) = staging.commit() {
        eprintln!("error: {e}");
        return ExitCode::from(74);
    }
    let t_commit = t2.elapsed();
    let bytes: usize = written.files.iter().map(|(_, len)| len).sum();
    let stacks = written
        .files
        .iter()
        .filter(|(p, _)| p.ends_with(".template.json"))
        .count();
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    // A closed stdout (`| head`) is not an error of the benchmark.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "services:        {n}");
    if stacks > 0 {
        let _ = writeln!(out, "stacks:          {stacks}");
    }
    let _ = writeln!(out, "{unit:<17}{}", written.objects);
    let _ = writeln!(out, "bytes written:   {bytes}");
    let _ = writeln!(out, "build:           {:.2} ms", ms(t_build));
    let _ = writeln!(
        out,
        "synth:           {:.2} ms (validate, render, serialize, write)",
        ms(t_synth)
    );
    let _ = writeln!(
        out,
        "commit:          {:.2} ms (rename into place)",
        ms(t_commit)
    );
    let _ = writeln!(out, "total:           {:.2} ms", ms(t0.elapsed()));
    if let Some(kib) = peak_rss_kib() {
        let _ = writeln!(out, "peak RSS:        {:.1} MiB", kib as f64 / 1024.0);
    }
    if let Some(faults) = minor_faults() {
        let _ = writeln!(out, "page faults:     {faults}");
    }
    // As `girder::run` does: the process ends here, and the OS takes the memory back faster
    // than freeing every construct.
    std::mem::forget(app);
    ExitCode::SUCCESS
}
