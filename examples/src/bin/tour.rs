//! `cargo run -p girder-examples --features deploy --bin tour -- deploy --yes` (README: Deploy)

fn main() -> std::process::ExitCode {
    girder::run(girder_examples::tour())
}
