//! The seed examples: snapshots, determinism and the validators.

use crate::synth_text;

#[test]
fn screener_snapshot() {
    insta::assert_snapshot!(synth_text(&girder_examples::screener()));
}

#[test]
fn screener_passes_the_validators() {
    crate::validate(&girder_examples::screener(), "screener");
}
