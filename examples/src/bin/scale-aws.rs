//! The AWS scale benchmark: `cargo run --release -p girder-examples --bin scale-aws -- N --out DIR`.
//!
//! Builds N services (bucket, secret, queue, role, alarm each) in stacks of 50, synthesizes and
//! writes their CloudFormation templates, and prints the in-process time of each phase, the
//! number of resources and the peak resident memory.

use std::process::ExitCode;
use std::time::Instant;

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (n, out) = match args.as_slice() {
        [n, flag, out] if flag == "--out" => (n.parse::<usize>().ok(), out.clone()),
        [n] => (n.parse::<usize>().ok(), "dist-scale-aws".to_owned()),
        _ => (None, String::new()),
    };
    let Some(n) = n else {
        eprintln!("usage: scale-aws N [--out DIR]");
        return ExitCode::from(2);
    };
    let t0 = Instant::now();
    let app = girder_examples::scale_aws(n);
    let t_build = t0.elapsed();
    let t1 = Instant::now();
    let assembly = match girder::synth::synthesize(&app) {
        Ok(a) => a,
        Err(diags) => {
            eprintln!("{diags}");
            return ExitCode::from(1);
        }
    };
    let t_synth = t1.elapsed();
    let t2 = Instant::now();
    if let Err(e) = girder::synth::write::write(&assembly, std::path::Path::new(&out)) {
        eprintln!("error: {e}");
        return ExitCode::from(74);
    }
    let t_write = t2.elapsed();
    let bytes: usize = assembly.files.values().map(|t| t.len()).sum();
    let stacks = assembly
        .files
        .keys()
        .filter(|p| p.ends_with(".template.json"))
        .count();
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    println!("services:        {n}");
    println!("stacks:          {stacks}");
    println!("resources:       {}", assembly.objects);
    println!("bytes written:   {bytes}");
    println!("build:           {:.2} ms", ms(t_build));
    println!(
        "synth:           {:.2} ms (validate, render, serialize)",
        ms(t_synth)
    );
    println!("write:           {:.2} ms", ms(t_write));
    println!("total:           {:.2} ms", ms(t0.elapsed()));
    if let Some(kib) = peak_rss_kib() {
        println!("peak RSS:        {:.1} MiB", kib as f64 / 1024.0);
    }
    ExitCode::SUCCESS
}
