//! `cargo run -p girder-examples --bin bookinfo -- synth --out dist`

fn main() -> std::process::ExitCode {
    girder::run(girder_examples::bookinfo())
}
