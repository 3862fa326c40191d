//! The Compose files of an output: the final Kubernetes objects of each Compose environment,
//! checked like any other, handed to `girder_compose` once every construct has rendered.
//!
//! Each environment declared with `env.compose()` writes `<env>/compose/compose.yaml`, the
//! proxy's `Caddyfile` beside it when an Ingress asks for one, and `.env.example`, the names
//! of the variables the project reads from the host's environment (never a value).

use std::collections::BTreeMap;

use girder_compose::{Input, Object, ProjectSettings, Projects};
use girder_core::secrets::{self, Finding as SecretFinding};
use girder_core::{App, Diagnostic, Diagnostics};
use girder_k8s::Manifest;
use girder_k8s::crd::cert_manager::Certificate;
use girder_k8s::crd::keda::ScaledObject;
use serde::de::DeserializeOwned;

use crate::engine::ComposeProject;
use crate::output::{ManifestFile, ObjectRef};
use crate::text::Text;

/// The Compose environments of a synthesis and the objects each has received.
#[derive(Default)]
pub(crate) struct ComposeProjects {
    settings: BTreeMap<String, ProjectSettings>,
    inputs: BTreeMap<String, Vec<Input>>,
    /// The namespaces created in each Compose environment: its own scope's, and any other
    /// (from `env.kubernetes()`), which is an error.
    namespaces: BTreeMap<String, Vec<(usize, String)>>,
}

/// What the Compose projects add to the output.
pub(crate) struct Written {
    /// Files by path, and how each is listed in `manifest.json`.
    pub(crate) files: Vec<(String, Text, ManifestFile)>,
    /// Secret-looking values found in them, with the path of the construct (or environment) they are in.
    pub(crate) secrets: Vec<(String, SecretFinding)>,
    /// The projects written, by environment.
    pub(crate) projects: BTreeMap<String, ComposeProject>,
}

impl ComposeProjects {
    /// The Compose environments `app` declares.
    pub(crate) fn of(app: &App) -> Self {
        let settings = Projects::of(app);
        let inputs = settings
            .keys()
            .map(|env| (env.clone(), Vec::new()))
            .collect();
        ComposeProjects {
            settings,
            inputs,
            namespaces: BTreeMap::new(),
        }
    }

    /// Whether environment `env` is a Compose project.
    pub(crate) fn contains(&self, env: &str) -> bool {
        self.settings.contains_key(env)
    }

    /// The Compose environments, by name.
    pub(crate) fn environments(&self) -> impl Iterator<Item = &str> {
        self.settings.keys().map(String::as_str)
    }

    /// Takes the final object `manifest` of Compose environment `env`, emitted by construct
    /// `construct`.
    pub(crate) fn add(&mut self, env: &str, construct: usize, manifest: &Manifest) {
        let object = object(manifest);
        if let Object::Other {
            api_version,
            kind,
            name,
        } = &object
            && api_version == "v1"
            && kind == "Namespace"
        {
            self.namespaces
                .entry(env.to_owned())
                .or_default()
                .push((construct, name.clone()));
        }
        if let Some(inputs) = self.inputs.get_mut(env) {
            inputs.push(Input { construct, object });
        }
    }

    /// Translates every project, reporting what has no Compose form (with the path of the
    /// construct at `path_of`) into `diags`; the files of the projects that translated.
    pub(crate) fn finish(
        self,
        app: &App,
        path_of: &dyn Fn(usize) -> String,
        diags: &mut Diagnostics,
    ) -> Written {
        let mut written = Written {
            files: Vec::new(),
            secrets: Vec::new(),
            projects: BTreeMap::new(),
        };
        for (env, namespaces) in &self.namespaces {
            if let [_, others @ ..] = namespaces.as_slice() {
                for (construct, name) in others {
                    diags.push(
                        Diagnostic::error(path_of(*construct), format!("environment `{env}` is a Compose project, and namespace `{name}` would be a second scope in it"))
                            .hint("an environment is a Compose project or a Kubernetes cluster: create the constructs in the scope `env.compose()` returns, or in another environment"),
                    );
                }
            }
        }
        for (env, inputs) in self.inputs {
            let settings = &self.settings[&env];
            let project = format!("{}-{env}", app.name());
            let dir = format!("{env}/{}", girder_compose::DIR);
            // A finding about the project as a whole is the environment's.
            let path_or_env =
                |construct: Option<usize>| construct.map_or_else(|| env.clone(), path_of);
            let output = match girder_compose::translate(&project, settings, &inputs) {
                Ok(output) => output,
                Err(findings) => {
                    for f in findings {
                        diags.push(
                            Diagnostic::error(path_or_env(f.construct), f.message)
                                .object(f.object)
                                .hint(f.hint),
                        );
                    }
                    continue;
                }
            };
            for note in &output.notes {
                diags.push(
                    Diagnostic::warning(path_or_env(note.construct), note.message.clone())
                        .object(note.object.clone())
                        .hint(note.hint.clone()),
                );
            }
            written.secrets.extend(
                scan(&output)
                    .into_iter()
                    .map(|(construct, finding)| (path_or_env(construct), finding)),
            );
            let text = match girder_compose::write::compose_yaml(&output) {
                Ok(text) => text,
                Err(error) => {
                    diags.push(
                        Diagnostic::error(env.as_str(), error.to_string())
                            .hint("this is a bug in Girder: please report it"),
                    );
                    continue;
                }
            };
            let mut objects: Vec<ObjectRef> = Vec::new();
            let listed = [
                (
                    "service",
                    output.compose.services.keys().collect::<Vec<_>>(),
                ),
                ("network", output.compose.networks.keys().collect()),
                ("volume", output.compose.volumes.keys().collect()),
                ("config", output.compose.configs.keys().collect()),
            ];
            for (kind, names) in listed {
                objects.extend(
                    names
                        .into_iter()
                        .map(|n| ObjectRef::compose(kind, n.as_str())),
                );
            }
            let path = format!("{dir}/{}", girder_compose::FILE);
            written.files.push((
                path.clone(),
                Text::new(text),
                ManifestFile { objects, path },
            ));
            written.projects.insert(
                env.clone(),
                ComposeProject {
                    project: project.clone(),
                    dir: dir.clone(),
                    variables: output.variables.iter().map(|v| v.name.clone()).collect(),
                },
            );
            let mut extra = output.files;
            extra.insert(
                girder_compose::ENV_EXAMPLE.to_owned(),
                girder_compose::write::env_example(&output.variables),
            );
            for (name, text) in extra {
                let path = format!("{dir}/{name}");
                written.files.push((
                    path.clone(),
                    Text::new(text),
                    ManifestFile {
                        objects: Vec::new(),
                        path,
                    },
                ));
            }
        }
        written
    }
}

/// The object the Compose target reads, from a final Kubernetes object.
fn object(manifest: &Manifest) -> Object {
    let o = manifest.object();
    let (api_version, kind) = (o.api_version().to_owned(), o.kind().to_owned());
    let name = o.meta().name.clone().unwrap_or_default();
    let other = || Object::Other {
        api_version: api_version.clone(),
        kind: kind.clone(),
        name: name.clone(),
    };
    let Ok(value) = o.to_value() else {
        return other();
    };
    fn typed<T: DeserializeOwned>(value: serde_json::Value) -> Option<Box<T>> {
        serde_json::from_value(value).ok().map(Box::new)
    }
    let typed = match (api_version.as_str(), kind.as_str()) {
        ("apps/v1", "Deployment") => typed(value).map(Object::Deployment),
        ("apps/v1", "StatefulSet") => typed(value).map(Object::StatefulSet),
        ("batch/v1", "Job") => typed(value).map(Object::Job),
        ("v1", "Service") => typed(value).map(Object::Service),
        ("v1", "ConfigMap") => typed(value).map(Object::ConfigMap),
        ("v1", "PersistentVolumeClaim") => typed(value).map(Object::PersistentVolumeClaim),
        ("networking.k8s.io/v1", "NetworkPolicy") => typed(value).map(Object::NetworkPolicy),
        ("networking.k8s.io/v1", "Ingress") => typed(value).map(Object::Ingress),
        ("autoscaling/v2", "HorizontalPodAutoscaler") => {
            typed(value).map(Object::HorizontalPodAutoscaler)
        }
        ("keda.sh/v1alpha1", "ScaledObject") => {
            typed::<ScaledObject>(value).map(|s| Object::ScaledObject {
                name: name.clone(),
                target: s.spec.scale_target_ref.name.clone(),
                min: s.spec.min_replica_count.unwrap_or(0),
                max: s.spec.max_replica_count.unwrap_or(100),
            })
        }
        ("cert-manager.io/v1", "Certificate") => {
            typed::<Certificate>(value).map(|c| Object::Certificate {
                name: name.clone(),
                secret_name: c.spec.secret_name.clone(),
                issuer: c.spec.issuer_ref.name.clone(),
            })
        }
        _ => None,
    };
    typed.unwrap_or_else(other)
}

const HINT: &str = "read it from a typed Secret's key, which Compose takes from the host's environment (`${VAR:?…}`)";

fn finding(
    object: &str,
    field: String,
    name: Option<&str>,
    suspicion: secrets::Suspicion,
) -> SecretFinding {
    SecretFinding {
        object: object.to_owned(),
        field,
        name: name.map(str::to_owned),
        suspicion,
        hint: HINT,
    }
}

/// Secret-looking literals in the services' environments and commands: the Compose form of
/// what the Kubernetes writer scans.
fn scan(output: &girder_compose::Output) -> Vec<(Option<usize>, SecretFinding)> {
    use girder_compose::compose_spec::service::Command;
    use girder_compose::compose_spec::{ListOrMap, Value};
    // The construct of each service, by name (the proxy's is none: it carries no secret).
    let mut found = Vec::new();
    for (name, service) in &output.compose.services {
        // The proxy and `volume-init` are no construct's: what they hold is the environment's.
        let construct = output.constructs.get(name.as_str()).copied();
        let object = format!("service {name}");
        if let ListOrMap::Map(map) = &service.environment {
            for (key, value) in map {
                let Some(Value::String(value)) = value else {
                    continue;
                };
                if let Some(suspicion) = secrets::check_named(key.as_str(), value) {
                    found.push((
                        construct,
                        finding(
                            &object,
                            format!("services.{name}.environment.{key}"),
                            Some(key.as_str()),
                            suspicion,
                        ),
                    ));
                }
            }
        }
        for (field, command) in [
            ("entrypoint", &service.entrypoint),
            ("command", &service.command),
        ] {
            let Some(Command::List(items)) = command else {
                continue;
            };
            let items: Vec<&str> = items.iter().map(String::as_str).collect();
            for (at, flag, suspicion) in secrets::check_command(&items) {
                found.push((
                    construct,
                    finding(
                        &object,
                        format!("services.{name}.{field}[{at}]"),
                        Some(flag),
                        suspicion,
                    ),
                ));
            }
        }
    }
    found
}
