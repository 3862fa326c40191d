//! `cargo run -p girder-examples --bin scraper -- synth --out dist`

fn main() -> std::process::ExitCode {
    girder::run(girder_examples::scraper())
}
