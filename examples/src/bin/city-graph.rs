//! `cargo run -p girder-examples --bin city-graph -- synth --out dist`

fn main() -> std::process::ExitCode {
    girder::run(girder_examples::city_graph())
}
