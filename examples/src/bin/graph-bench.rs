//! The wiring graph's benchmark:
//! `cargo run --release -p girder-examples --bin graph-bench -- N [--svg] [--keep DIR]`.
//!
//! Builds N web services, each connected to the next two ([`girder_examples::wired`]),
//! synthesizes them (which builds the graph from the final objects), then draws it as Mermaid and DOT,
//! and with `--svg` lays it out with Graphviz's `dot`; prints the time of each step and the
//! graph's size. `--keep DIR` writes `DIR/wired.mmd` and `DIR/wired.dot`.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let n = args.next().and_then(|n| n.parse::<usize>().ok());
    let (mut svg, mut keep, mut usage) = (false, None, n.is_none());
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--svg" => svg = true,
            "--keep" => keep = args.next().map(std::path::PathBuf::from),
            _ => usage = true,
        }
    }
    let (Some(n), false) = (n, usage) else {
        eprintln!("usage: graph-bench N [--svg] [--keep DIR]");
        return ExitCode::from(2);
    };
    let app = girder_examples::wired(n);
    let t0 = Instant::now();
    let assembly = match girder::synth::synthesize(&app) {
        Ok(assembly) => assembly,
        Err(diags) => {
            eprintln!("{diags}");
            return ExitCode::from(1);
        }
    };
    let t_synth = t0.elapsed();
    let graph = assembly.manifest.graph;
    let t1 = Instant::now();
    let mermaid = graph.mermaid();
    let t_mermaid = t1.elapsed();
    let t2 = Instant::now();
    let dot = graph.dot();
    let t_dot = t2.elapsed();
    if let Some(dir) = keep {
        let written = std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(dir.join("wired.mmd"), &mermaid))
            .and_then(|()| std::fs::write(dir.join("wired.dot"), &dot));
        if let Err(e) = written {
            eprintln!("error: cannot write into {}: {e}", dir.display());
            return ExitCode::from(74);
        }
    }
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "services:        {n}");
    let _ = writeln!(out, "nodes:           {}", graph.nodes.len());
    let _ = writeln!(out, "edges:           {}", graph.edges.len());
    let _ = writeln!(out, "synth (graph included): {:.1} ms", ms(t_synth));
    let _ = writeln!(
        out,
        "mermaid:         {:.1} ms ({} bytes)",
        ms(t_mermaid),
        mermaid.len()
    );
    let _ = writeln!(
        out,
        "dot text:        {:.1} ms ({} bytes)",
        ms(t_dot),
        dot.len()
    );
    if svg {
        let t3 = Instant::now();
        match graph.svg() {
            Ok(svg) => {
                let _ = writeln!(
                    out,
                    "svg (Graphviz):  {:.1} ms ({} bytes)",
                    ms(t3.elapsed()),
                    svg.len()
                );
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(69);
            }
        }
    }
    ExitCode::SUCCESS
}
