//! Writing output: streamed templates, atomic replacement, failures that leave nothing behind.

use std::collections::BTreeMap;
use std::path::Path;

use girder::synth::write::{Staging, WriteError};
use girder::synth::{Options, SynthError};

/// Every file below `dir`, by its path relative to `dir`.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(root, &path, files);
            } else {
                let rel = path.strip_prefix(root).expect("below root");
                let contents = std::fs::read(&path).expect("readable");
                files.insert(rel.to_string_lossy().into_owned(), contents);
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files);
    files
}

#[test]
fn streamed_synthesis_writes_what_the_assembly_holds() {
    // city-graph has CloudFormation stacks (streamed) and Kubernetes files (written at the end).
    let app = girder_examples::city_graph();
    let dir = tempfile::tempdir().expect("tempdir");
    let (kept, streamed) = (dir.path().join("kept"), dir.path().join("streamed"));
    let assembly = girder::synth::synthesize(&app).unwrap_or_else(|d| panic!("{d}"));
    girder::synth::write::write(&assembly, &kept).expect("written");

    let staging = Staging::new(&streamed).expect("staged");
    let written = girder::synth::synthesize_to(&app, &Options::default(), &staging)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!streamed.exists(), "nothing shows before the commit");
    staging.commit().expect("committed");

    let files = tree(&streamed);
    assert_eq!(files, tree(&kept));
    assert!(files.keys().any(|p| p.ends_with(".template.json")));
    let sizes: Vec<(String, usize)> = assembly
        .files
        .iter()
        .map(|(path, text)| (path.clone(), text.len()))
        .collect();
    assert_eq!(written.files, sizes);
    assert_eq!(written.objects, assembly.objects);
}

#[test]
fn failed_template_write_leaves_previous_output_and_no_staging() {
    let app = girder_examples::city_graph();
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("dist");
    let previous =
        girder::synth::synthesize(&girder_examples::helloworld()).unwrap_or_else(|d| panic!("{d}"));
    girder::synth::write::write(&previous, &out).expect("written");
    let before = tree(&out);

    let staging = Staging::new(&out).expect("staged");
    // A file where prod's templates must go: the streamed write of a template fails (the
    // Kubernetes files, written after synthesis, would not).
    let tmp = std::fs::read_dir(dir.path())
        .expect("readable")
        .map(|e| e.expect("entry").path())
        .find(|p| p.to_string_lossy().contains(".dist.girder-new-"))
        .expect("a staging directory");
    std::fs::create_dir_all(tmp.join("prod")).expect("created");
    std::fs::write(tmp.join("prod/cfn"), "in the way").expect("written");

    let result = girder::synth::synthesize_to(&app, &Options::default(), &staging);
    assert!(
        matches!(result, Err(SynthError::Write(WriteError::Io { .. }))),
        "{result:?}"
    );
    drop(staging);
    assert_eq!(tree(&out), before, "the previous output is untouched");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("readable")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(left, ["dist"], "the staging directory is removed");
}
