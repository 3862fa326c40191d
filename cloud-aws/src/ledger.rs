//! The export ledger: which exports each synthesis created for references between stacks, and
//! who imported them. The next synthesis reads it to keep exports that were just dropped for one
//! more deployment (see [`crate::stack`]).

use serde::{Deserialize, Serialize};

use crate::address::StackAddress;

/// The exports of one synthesis that Girder created for references between stacks, sorted by
/// producer and export name. Serializable: the synthesizer stores it in its manifest.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportLedger {
    exports: Vec<LedgerExport>,
}

impl ExportLedger {
    /// An empty ledger: the first synthesis.
    pub fn new() -> Self {
        Self::default()
    }

    pub(crate) fn from_exports(mut exports: Vec<LedgerExport>) -> Self {
        exports.sort_by(|a, b| (&a.producer, &a.name).cmp(&(&b.producer, &b.name)));
        Self { exports }
    }

    /// Every export.
    pub fn exports(&self) -> &[LedgerExport] {
        &self.exports
    }

    /// The export `name` of the stack `producer`.
    pub fn get(&self, producer: &StackAddress, name: &str) -> Option<&LedgerExport> {
        self.exports
            .iter()
            .find(|e| &e.producer == producer && e.name == name)
    }

    /// Whether there are no exports.
    pub fn is_empty(&self) -> bool {
        self.exports.is_empty()
    }
}

/// One export: the value of a resource's `Ref` or attribute, exported by its stack.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LedgerExport {
    /// The export name.
    pub name: String,
    /// The stack that exports it.
    pub producer: StackAddress,
    /// The output's logical ID in the producer.
    pub output: String,
    /// The logical ID of the exported resource.
    pub resource: String,
    /// The attribute (`Fn::GetAtt`), or `None` for `Ref`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    /// Whether the value is a list, exported joined by `||`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub list: bool,
    /// The names of the stacks (same account and region) that import it. Empty for an export kept
    /// one more deployment after its last import was removed.
    pub importers: Vec<String>,
}

impl LedgerExport {
    /// Whether the export is only kept because the previous synthesis imported it.
    pub fn is_retained(&self) -> bool {
        self.importers.is_empty()
    }
}
