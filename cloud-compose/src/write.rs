//! The files of a Compose project: `compose.yaml`, and `.env.example`.

use crate::translate::{Output, Variable};

/// Why a Compose file could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The model did not serialize.
    #[error("the Compose file did not serialize: {0}")]
    Serialize(String),
}

/// `compose.yaml`'s text, with a header saying what wrote it.
pub fn compose_yaml(output: &Output) -> Result<String, WriteError> {
    let body = serde_saphyr::to_string(&output.compose)
        .map_err(|e| WriteError::Serialize(e.to_string()))?;
    let mut text = String::from(
        "# Written by Girder. Secrets are read from the host's environment (see .env.example).\n",
    );
    text.push_str(&body);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

/// `.env.example`: every variable the project reads, with what it stands for, and no value.
pub fn env_example(variables: &[Variable]) -> String {
    let mut text = String::from(
        "# The variables this Compose project reads from the host's environment; Girder never\n\
         # writes their values. Export them in the shell, or copy this file outside the output\n\
         # directory (synth replaces it whole and refuses files it did not write), fill it in, keep\n\
         # it out of version control, and pass it: docker compose --env-file <file> -f compose.yaml up -d\n",
    );
    for v in variables {
        let what = if v.secret { "secret" } else { "config" };
        text.push_str(&format!(
            "\n# {what}: key `{}` of {}\n{}=\n",
            v.key, v.object, v.name
        ));
    }
    text
}
