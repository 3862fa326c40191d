//! The cargo features of the generated services: one per module in `cloud-aws/Cargo.toml` (and
//! `full`, all of them), and one pass-through per module in the facade's `girder/Cargo.toml`.
//!
//! Both lists live between two marker comments, [`BEGIN`] and [`END`]; the generator rewrites
//! what is between them and leaves the rest of the manifest alone. `--check` compares instead of
//! writing, so that CI fails when a manifest does not follow the generated modules.

use std::path::Path;

/// The comment that opens a generated feature list.
pub(crate) const BEGIN: &str =
    "# @generated features: girder-codegen writes the lines up to the end marker; do not edit.";
/// The comment that closes it.
pub(crate) const END: &str = "# @end generated features";

/// The generated region of `cloud-aws/Cargo.toml`: `full` and one empty feature per module.
pub(crate) fn cloud_aws_features(modules: &[String]) -> String {
    let mut out = String::from(
        "# Every generated service module (`girder_aws::s3`, ...; see cloud-aws/src/generated).\nfull = [\n",
    );
    for module in modules {
        out.push_str(&format!("    \"{module}\",\n"));
    }
    out.push_str("]\n");
    for module in modules {
        out.push_str(&format!("{module} = []\n"));
    }
    out
}

/// The generated region of `girder/Cargo.toml`: one pass-through feature per module.
pub(crate) fn facade_features(modules: &[String]) -> String {
    modules
        .iter()
        .map(|module| format!("{module} = [\"girder-aws/{module}\"]\n"))
        .collect()
}

/// `manifest` with the text between the markers replaced by `region`; an error naming `file`
/// when the markers are missing or a feature outside them has the name of a generated one.
pub(crate) fn replace_region(
    manifest: &str,
    region: &str,
    modules: &[String],
    file: &str,
) -> Result<String, String> {
    let hint = format!(
        "put the lines `{BEGIN}` and `{END}` in the `[features]` table of {file}, where the generated features belong"
    );
    let start = manifest
        .find(&format!("{BEGIN}\n"))
        .ok_or_else(|| format!("{file} has no `{BEGIN}` line: {hint}"))?;
    let body = start + BEGIN.len() + 1;
    let end = manifest[body..]
        .find(&format!("{END}\n"))
        .map(|i| body + i)
        .ok_or_else(|| format!("{file} has no `{END}` line after the begin marker: {hint}"))?;
    let outside = format!("{}{}", &manifest[..start], &manifest[end..]);
    for line in outside.lines() {
        let name = line.split('=').next().unwrap_or("").trim();
        if line.contains('=') && modules.iter().any(|m| m == name) {
            return Err(format!(
                "{file} defines the feature `{name}` outside the generated features, and a generated \
                 service module has that name: rename or remove that feature"
            ));
        }
    }
    Ok(format!("{}{region}{}", &manifest[..body], &manifest[end..]))
}

/// Rewrites (or, with `check`, compares) the generated features of both manifests of
/// `workspace`.
pub(crate) fn update(workspace: &Path, modules: &[String], check: bool) -> Result<(), String> {
    let files = [
        ("cloud-aws/Cargo.toml", cloud_aws_features(modules)),
        ("girder/Cargo.toml", facade_features(modules)),
    ];
    for (file, region) in files {
        let path = workspace.join(file);
        let old = std::fs::read_to_string(&path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        let new = replace_region(&old, &region, modules, file)?;
        if new == old {
            continue;
        }
        if check {
            return Err(format!(
                "the features of {file} do not follow the generated modules: run \
                 `cargo run -p girder-codegen -- --schemas <schemas> --out cloud-aws/src/generated --manifests .` \
                 and commit the result"
            ));
        }
        std::fs::write(&path, new).map_err(|e| format!("writing {}: {e}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modules(names: &[&str]) -> Vec<String> {
        names.iter().map(|&n| n.to_owned()).collect()
    }

    #[test]
    fn the_region_between_the_markers_is_replaced() {
        let manifest = format!("[features]\ndefault = []\n{BEGIN}\nold = []\n{END}\n\n[deps]\n");
        let new = replace_region(&manifest, "s3 = []\n", &modules(&["s3"]), "x").expect("markers");
        assert_eq!(
            new,
            format!("[features]\ndefault = []\n{BEGIN}\ns3 = []\n{END}\n\n[deps]\n")
        );
    }

    #[test]
    fn missing_markers_and_clashing_features_are_errors() {
        let err = replace_region("[features]\n", "", &[], "girder/Cargo.toml").unwrap_err();
        assert!(err.contains("girder/Cargo.toml has no"), "{err}");
        let manifest = format!("{BEGIN}\n{END}\n");
        assert!(replace_region(&manifest, "", &[], "x").is_ok());
        let clash = format!("s3 = [\"x\"]\n{BEGIN}\n{END}\n");
        let err = replace_region(&clash, "", &modules(&["s3"]), "x").unwrap_err();
        assert!(err.contains("`s3`"), "{err}");
    }

    #[test]
    fn features_list_every_module() {
        let region = cloud_aws_features(&modules(&["s3", "sqs"]));
        assert!(region.contains("full = [\n    \"s3\",\n    \"sqs\",\n]\ns3 = []\nsqs = []\n"));
        assert_eq!(
            facade_features(&modules(&["s3"])),
            "s3 = [\"girder-aws/s3\"]\n"
        );
    }

    /// The committed manifests and `lib.rs` follow the committed modules (CI checks the same with
    /// `--manifests . --check` after regenerating).
    #[test]
    fn the_committed_manifests_follow_the_committed_modules() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let index = std::fs::read_to_string(root.join("cloud-aws/src/generated/mod.rs"))
            .expect("reads mod.rs");
        let modules: Vec<String> = index
            .lines()
            .filter_map(|l| l.strip_prefix("pub mod "))
            .filter_map(|l| l.strip_suffix(';'))
            .filter(|&m| m != "registry")
            .map(str::to_owned)
            .collect();
        assert!(modules.len() > 300, "{} modules", modules.len());
        for (file, region) in [
            ("cloud-aws/Cargo.toml", cloud_aws_features(&modules)),
            ("girder/Cargo.toml", facade_features(&modules)),
        ] {
            let manifest = std::fs::read_to_string(root.join(file)).expect("reads");
            assert_eq!(
                replace_region(&manifest, &region, &modules, file).as_ref(),
                Ok(&manifest),
                "{file}"
            );
        }
        let lib = std::fs::read_to_string(root.join("cloud-aws/src/lib.rs")).expect("reads");
        assert!(
            lib.contains("\npub use generated::*;\n"),
            "lib.rs re-exports every generated module"
        );
    }
}
