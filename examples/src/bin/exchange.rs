//! `cargo run -p girder-examples --bin exchange -- synth --out dist`

fn main() -> std::process::ExitCode {
    girder::run(girder_examples::exchange())
}
