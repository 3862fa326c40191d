//! The wiring graph's benchmark: `cargo run --release -p girder-examples --bin graph-bench -- N [--svg]`.
//!
//! Builds the scale benchmark's N web services (each connected to the next), synthesizes them
//! (which builds the graph from the final objects), then draws the graph as Mermaid and DOT,
//! and with `--svg` lays it out with Graphviz's `dot`; prints the time of each step and the
//! graph's size.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (n, svg) = match args.as_slice() {
        [n] => (n.parse::<usize>().ok(), false),
        [n, flag] if flag == "--svg" => (n.parse::<usize>().ok(), true),
        _ => (None, false),
    };
    let Some(n) = n else {
        eprintln!("usage: graph-bench N [--svg]");
        return ExitCode::from(2);
    };
    let app = girder_examples::scale(n);
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
