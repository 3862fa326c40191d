//! Girder's integration tests: one binary, one module per area.

#[path = "integration/cli.rs"]
mod cli;
#[path = "integration/helloworld.rs"]
mod helloworld;
#[path = "integration/invalid.rs"]
mod invalid;
#[path = "integration/web_service.rs"]
mod web_service;
#[path = "integration/wiring.rs"]
mod wiring;

use girder::prelude::*;

girder::environment!(pub Prod = "prod");
girder::environment!(pub Staging = "staging");
girder::namespace!(pub Web = "web");
girder::namespace!(pub Api = "api");
girder::namespace!(pub Data = "data");
girder::namespace!(pub HelloworldNs = "helloworld");
girder::secret! {
    /// The API's credentials.
    pub struct ApiCredentials { password }
}
girder::secret! {
    /// Tokens of other services.
    pub struct Tokens { api }
}
girder::config_map! {
    /// The API's settings.
    pub struct ApiConfig { flags }
}

/// Synthesizes `app` and returns every file but the index, joined for a snapshot.
pub fn synth_text(app: &App) -> String {
    let assembly = girder::synth::synthesize(app).unwrap_or_else(|d| panic!("synth failed:\n{d}"));
    assembly
        .files
        .iter()
        .filter(|(path, _)| path.as_str() != girder::synth::MANIFEST)
        .map(|(path, text)| format!("# {path}\n{text}"))
        .collect()
}

/// Synthesizes `app`, which must be invalid, and returns its diagnostics as printed.
pub fn synth_errors(app: &App) -> String {
    match girder::synth::synthesize(app) {
        Ok(_) => panic!("synth succeeded, but the app is invalid"),
        Err(d) => d.to_string(),
    }
}
