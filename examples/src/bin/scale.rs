//! The scale benchmark: `cargo run --release -p girder-examples --bin scale -- N --out DIR`.
//!
//! Builds N web services, synthesizes and writes them, and prints the in-process time of each
//! phase, the number of objects and the peak resident memory.

fn main() -> std::process::ExitCode {
    girder_examples::bench::run("scale", "objects:", girder_examples::scale)
}
