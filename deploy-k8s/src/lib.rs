//! Girder's Kubernetes deployer (being written).

use girder_synth::Assembly;
use girder_synth::remote::{
    Console, DeployOptions, Deployer, Failed, LiveDiff, LiveDiffOptions, Selection, Target,
};

/// Deploys the Kubernetes objects of an assembly.
#[derive(Debug, Default)]
pub struct Kubernetes {}

impl Deployer for Kubernetes {
    fn target(&self) -> Target {
        Target::Kubernetes
    }
    fn has_work(&self, assembly: &Assembly, selection: &Selection) -> bool {
        assembly
            .kubernetes
            .iter()
            .any(|o| selection.includes(&o.env))
    }
    fn deploy(
        &self,
        _: &Assembly,
        _: &DeployOptions,
        console: &mut Console<'_>,
    ) -> Result<(), Failed> {
        let _ = writeln!(console.err, "not yet");
        Err(Failed(girder_synth::EXIT_USAGE))
    }
    fn diff_live(
        &self,
        _: &Assembly,
        _: &LiveDiffOptions,
        _: &mut Console<'_>,
    ) -> Result<LiveDiff, Failed> {
        Err(Failed(girder_synth::EXIT_USAGE))
    }
    fn destroy(&self, _: &Assembly, _: &DeployOptions, _: &mut Console<'_>) -> Result<(), Failed> {
        Err(Failed(girder_synth::EXIT_USAGE))
    }
}
use std::io::Write;
