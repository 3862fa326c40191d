//! The helloworld example: snapshot and determinism.

use crate::synth_text;

#[test]
fn helloworld_snapshot() {
    insta::assert_snapshot!(synth_text(&girder_examples::helloworld()));
}

#[test]
fn output_is_byte_identical_every_run() {
    let a = girder::synth::synthesize(&girder_examples::helloworld()).expect("valid");
    let b = girder::synth::synthesize(&girder_examples::helloworld()).expect("valid");
    assert_eq!(a.files, b.files);
    let scale_a = girder::synth::synthesize(&girder_examples::scale(600)).expect("valid");
    let scale_b = girder::synth::synthesize(&girder_examples::scale(600)).expect("valid");
    assert_eq!(
        scale_a.files, scale_b.files,
        "parallel serialization must not change the output"
    );
}
