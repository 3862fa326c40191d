//! `cargo run -p girder-examples --bin screener -- synth --out dist`

fn main() -> std::process::ExitCode {
    girder::run(girder_examples::screener())
}
