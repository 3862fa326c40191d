//! `cargo run -p girder-examples --bin platform-app -- synth --out dist`

fn main() -> std::process::ExitCode {
    girder::run(girder_examples::platform_app())
}
