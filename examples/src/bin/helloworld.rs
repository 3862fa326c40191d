//! `cargo run -p girder-examples --bin helloworld -- synth --out dist`

fn main() -> std::process::ExitCode {
    girder::run(girder_examples::helloworld())
}
