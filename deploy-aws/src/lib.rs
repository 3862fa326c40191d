//! Girder's CloudFormation deployer (being written).

use girder_synth::Assembly;
use girder_synth::remote::{
    Console, DeployOptions, Deployer, Failed, LiveDiff, LiveDiffOptions, Selection, Target,
};

/// Deploys the CloudFormation stacks of an assembly.
#[derive(Debug, Default)]
pub struct CloudFormation {}

impl Deployer for CloudFormation {
    fn target(&self) -> Target {
        Target::CloudFormation
    }
    fn has_work(&self, assembly: &Assembly, selection: &Selection) -> bool {
        assembly
            .manifest
            .stacks
            .iter()
            .any(|s| selection.includes(s.template.split('/').next().unwrap_or_default()))
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
