//! The AWS scale benchmark: `cargo run --release -p girder-examples --bin scale-aws -- N --out DIR`.
//!
//! Builds N services (bucket, secret, queue, role, alarm each) in stacks of 50, synthesizes and
//! writes their CloudFormation templates, and prints the in-process time of each phase, the
//! number of resources and the peak resident memory.

fn main() -> std::process::ExitCode {
    girder_examples::bench::run("scale-aws", "resources:", girder_examples::scale_aws)
}
