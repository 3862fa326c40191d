//! Integration tests of the CloudFormation model: intrinsics, templates, stacks, the export
//! ledger, logical IDs, limits, and cfn-lint on synthesized output. One test binary.

#[path = "template/support.rs"]
mod support;

#[path = "template/cfn_lint.rs"]
mod cfn_lint;
#[path = "template/intrinsics.rs"]
mod intrinsics;
#[path = "template/ledger.rs"]
mod ledger;
#[path = "template/limits.rs"]
mod limits;
#[path = "template/logical_ids.rs"]
mod logical_ids;
#[path = "template/model.rs"]
mod model;
#[path = "template/stacks.rs"]
mod stacks;
