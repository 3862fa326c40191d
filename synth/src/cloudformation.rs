//! The CloudFormation templates of an output: resources filed into their stacks as constructs
//! emit them, then synthesized together by [`girder_aws`] (references between stacks become
//! exports and imports, stacks are ordered, limits checked, secrets looked for) and written
//! once each. Each resource is checked as it is filed: checkov's checks, by their ids.

use std::collections::HashMap;

use girder_aws::{
    AwsEnvironment, CfnResource, CloudAssembly, ExportLedger, LogicalId, Secret, StackAddress,
    SynthesizedStack,
};
use girder_core::{Diagnostic, Diagnostics};

/// The path of a stack's template in the output: `<env>/cfn/<stack>.template.json`.
pub(crate) fn template_path(env: &str, address: &StackAddress) -> String {
    format!("{env}/cfn/{}.template.json", address.name())
}

/// The stacks being filled.
#[derive(Default)]
pub(crate) struct Stacks {
    assembly: CloudAssembly,
    /// The environment of each stack, for its template's path.
    envs: HashMap<StackAddress, String>,
    /// The construct that emitted each resource, for the secrets found in it.
    emitters: HashMap<(StackAddress, LogicalId), usize>,
}

/// The synthesized stacks: each with its environment, in deploy order; the exports for the next
/// synthesis; and what looks like a secret, by construct.
pub(crate) struct Synthesized {
    pub(crate) stacks: Vec<(String, SynthesizedStack)>,
    pub(crate) exports: ExportLedger,
    pub(crate) secrets: Vec<(usize, girder_core::secrets::Finding)>,
    /// The construct that emitted each resource.
    pub(crate) emitters: HashMap<(StackAddress, LogicalId), usize>,
}

impl Stacks {
    /// Files `resource`, emitted by the construct `construct` at `path` in environment `env`,
    /// once checkov's checks ([`girder_aws::checks`]) have run on it as it stands: after the
    /// program's aspects, before synthesis resolves its references.
    pub(crate) fn add(
        &mut self,
        resource: CfnResource,
        env: &str,
        path: &str,
        construct: usize,
        diags: &mut Diagnostics,
    ) {
        let CfnResource { stack, id, entry } = resource;
        let address = stack.as_ref();
        for finding in girder_aws::checks::check(&entry) {
            diags.push(
                Diagnostic::error(path, format!("{}: {}", finding.field, finding.message))
                    .object(format!("{} {}/{id}", entry.type_name(), address.name()))
                    .hint(finding.hint),
            );
        }
        if !self.envs.contains_key(address) {
            let Ok(aws) =
                AwsEnvironment::new(address.account().as_str(), address.region().as_str())
            else {
                // The scope reported the invalid account or region already; its resources are
                // not filed.
                return;
            };
            let stack = self.assembly.stack(&aws, address.name());
            // Diagnostics about the stack name its scope: `<env>/aws/<stack id>`.
            let scope: Vec<&str> = path.split('/').take(3).collect();
            stack.set_path(scope.join("/"));
            self.envs.insert(address.clone(), env.to_owned());
        }
        if let Some(filed) = self.assembly.get_mut(address) {
            self.emitters
                .entry((address.clone(), id.clone()))
                .or_insert(construct);
            filed.add_entry(id, entry);
        }
    }

    /// Synthesizes the stacks with the exports of the last deployed synthesis; `None` when
    /// there is no stack, or errors (added to `diags`).
    pub(crate) fn synthesize(
        self,
        previous: &ExportLedger,
        diags: &mut Diagnostics,
    ) -> Option<Synthesized> {
        let Stacks {
            assembly,
            envs,
            emitters,
        } = self;
        if assembly.stacks().is_empty() {
            return None;
        }
        let synthesis = match assembly.synthesize(previous) {
            Ok(synthesis) => synthesis,
            Err(errors) => {
                diags.extend(errors);
                return None;
            }
        };
        let (stacks, exports, warnings, secrets) = synthesis.into_parts();
        diags.extend(warnings);
        let stacks = stacks
            .into_iter()
            .map(|stack| {
                let env = envs.get(stack.address()).cloned().unwrap_or_default();
                (env, stack)
            })
            .collect();
        let secrets = secrets
            .into_iter()
            .filter_map(|Secret { stack, id, finding }| {
                let construct = emitters.get(&(stack, id))?;
                Some((*construct, finding))
            })
            .collect();
        Some(Synthesized {
            stacks,
            exports,
            secrets,
            emitters,
        })
    }
}
