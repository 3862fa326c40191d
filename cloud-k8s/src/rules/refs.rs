//! References to Secrets and ConfigMaps, checked on the final objects.
//!
//! - **Unknown references.** Every Secret and ConfigMap a pod template reads (an environment
//!   variable's `secretKeyRef` or `configMapKeyRef`, `envFrom`, a `secret`, `configMap` or
//!   `projected` volume, `imagePullSecrets`) must be one the program creates (a `Secret` or
//!   `ConfigMap` it emits, the target of an `ExternalSecret` or a `SealedSecret`) or declares as
//!   existing ([`Declarations::existing`], what `secret!` types' `existing` calls). Otherwise the
//!   pod would not start (`CreateContainerConfigError`), or the reference reached the program
//!   around its typed Secrets: an escape hatch (`edit`, a JSON patch, an aspect) is checked like
//!   everything else. A reference marked `optional: true` is allowed: the pod starts without
//!   the object, which is what the program asked for (`imagePullSecrets` has no such flag).
//!   The Secrets KEDA reads for a scaler (a `TriggerAuthentication`'s `secretTargetRef`) are
//!   checked the same way.
//! - **Credentials without a path.** A database's credentials Secret
//!   ([`Declarations::credentials`]) may be read only by the server's own pods and by pods that
//!   the NetworkPolicies let reach the server (what `connect` writes): its pods, or for a
//!   managed database outside the cluster (RDS, ElastiCache), every address range it has. A
//!   workload that reads a database's password without connecting, or through another
//!   workload's connection, is refused. (KEDA's operator reads a scaler's password without a
//!   path of its own.)
//!
//! The declarations are kept on the app's root ([`Declarations::of`]); synthesis hands them to
//! [`super::Checker::existing`] and [`super::Checker::credentials`].

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use girder_core::cidr::Cidr;
use girder_core::{App, NodeId};
use k8s_openapi::api::core::v1::PodSpec;

use super::Finding;

/// What kind of object a reference names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RefKind {
    /// A Secret.
    Secret,
    /// A ConfigMap.
    ConfigMap,
}

impl RefKind {
    fn name(self) -> &'static str {
        match self {
            RefKind::Secret => "Secret",
            RefKind::ConfigMap => "ConfigMap",
        }
    }
}

/// A database's credentials Secret: who the server is, so that its readers can be checked
/// against the NetworkPolicies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The environment.
    pub env: String,
    /// The namespace of the Secret and of the server's pods.
    pub namespace: String,
    /// The Secret's name.
    pub secret: String,
    /// The server's construct path, for messages.
    pub server: String,
    /// The labels that select the server's pods (empty for a server outside the cluster).
    pub selector: BTreeMap<String, String>,
    /// For a server outside the cluster (a managed database): the address ranges its readers'
    /// NetworkPolicies must let them reach; empty for a server in the cluster.
    pub ranges: Vec<Cidr>,
}

/// What a program declares about Secrets and ConfigMaps it does not emit: the objects that
/// exist in the cluster already, and which Secrets are a server's credentials.
#[derive(Debug, Clone, Default)]
pub struct Declarations {
    /// (environment, namespace, kind, name) of every object declared existing.
    pub existing: BTreeSet<(String, String, RefKind, String)>,
    /// Every credentials Secret, in the order declared.
    pub credentials: Vec<Credentials>,
}

/// The declarations, kept on the app's root while the program builds.
#[derive(Debug, Clone, Default)]
struct Declared(Rc<RefCell<Declarations>>);

impl Declarations {
    fn declared(app: &App) -> Declared {
        app.attachment_or_default::<Declared>(NodeId::ROOT)
    }

    /// Declares that the `kind` object `name` exists in `namespace` of environment `env`
    /// although the program does not emit it (an operator or a person creates it).
    pub fn existing(app: &App, env: &str, namespace: &str, kind: RefKind, name: &str) {
        Self::declared(app).0.borrow_mut().existing.insert((
            env.to_owned(),
            namespace.to_owned(),
            kind,
            name.to_owned(),
        ));
    }

    /// Declares `credentials`: a Secret only the server's pods and its connected clients read.
    pub fn credentials(app: &App, credentials: Credentials) {
        let declared = Self::declared(app);
        let mut declared = declared.0.borrow_mut();
        if !declared.credentials.contains(&credentials) {
            declared.credentials.push(credentials);
        }
    }

    /// Everything `app` declares.
    pub fn of(app: &App) -> Declarations {
        app.attachment::<Declared>(NodeId::ROOT)
            .map(|d| d.0.borrow().clone())
            .unwrap_or_default()
    }
}

/// One reference of a pod template.
#[derive(Debug)]
struct Reference {
    kind: RefKind,
    name: String,
    field: String,
}

/// The pods of one workload that read Secrets or ConfigMaps.
#[derive(Debug)]
struct Reader {
    env: usize,
    construct: usize,
    object: String,
    namespace: String,
    labels: BTreeMap<String, String>,
    refs: Vec<Reference>,
    /// Whether pods read the references (a `TriggerAuthentication` is read by KEDA's operator,
    /// which needs no network path to a database to read its password).
    pods: bool,
}

/// Objects by name, then (environment, namespace, kind): looked up by a borrowed name.
type ByName = HashMap<String, Vec<(usize, String, RefKind)>>;

fn contains(map: &ByName, env: usize, namespace: &str, kind: RefKind, name: &str) -> bool {
    map.get(name).is_some_and(|v| {
        v.iter()
            .any(|(e, ns, k)| *e == env && ns == namespace && *k == kind)
    })
}

/// The facts the checks need, collected object by object.
#[derive(Debug, Default)]
pub(crate) struct Refs {
    /// What is created or declared existing.
    known: ByName,
    /// The credentials Secrets.
    credential_names: ByName,
    readers: Vec<Reader>,
    /// (environment, credentials).
    credentials: Vec<(usize, Credentials)>,
}

impl Refs {
    /// Records an object the program creates or declares.
    pub(crate) fn known(&mut self, env: usize, namespace: &str, kind: RefKind, name: &str) {
        if !contains(&self.known, env, namespace, kind, name) {
            self.known
                .entry(name.to_owned())
                .or_default()
                .push((env, namespace.to_owned(), kind));
        }
    }

    /// Records a credentials Secret; before the objects that read it are observed.
    pub(crate) fn credentials(&mut self, env: usize, credentials: Credentials) {
        self.credential_names
            .entry(credentials.secret.clone())
            .or_default()
            .push((env, credentials.namespace.clone(), RefKind::Secret));
        self.credentials.push((env, credentials));
    }

    /// Records what the pod spec at `field` (e.g. `spec.template.spec`) of `object` reads.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn observe_pods(
        &mut self,
        env: usize,
        construct: usize,
        object: &str,
        namespace: &str,
        labels: Option<&BTreeMap<String, String>>,
        field: &str,
        spec: &PodSpec,
    ) {
        // Only what may need a finding is kept: a reference to an object not known yet, or to
        // credentials (most references name a declared object: nothing to keep).
        let mut credentials = false;
        let refs = references(field, spec, |kind, name| {
            let is_credentials = contains(&self.credential_names, env, namespace, kind, name);
            credentials |= is_credentials;
            is_credentials || !contains(&self.known, env, namespace, kind, name)
        });
        if refs.is_empty() {
            return;
        }
        self.readers.push(Reader {
            env,
            construct,
            object: object.to_owned(),
            namespace: namespace.to_owned(),
            labels: if credentials {
                labels.cloned().unwrap_or_default()
            } else {
                BTreeMap::new()
            },
            refs,
            pods: true,
        });
    }

    /// Records the Secrets (`field`, name) that an operator reads for object `object` of
    /// `namespace` (a KEDA `TriggerAuthentication`): each must be created or declared too.
    pub(crate) fn observe_operator_secrets(
        &mut self,
        env: usize,
        construct: usize,
        object: &str,
        namespace: &str,
        secrets: impl IntoIterator<Item = (String, String)>,
    ) {
        let refs: Vec<Reference> = secrets
            .into_iter()
            .filter(|(_, name)| !contains(&self.known, env, namespace, RefKind::Secret, name))
            .map(|(field, name)| Reference {
                kind: RefKind::Secret,
                name,
                field,
            })
            .collect();
        if refs.is_empty() {
            return;
        }
        self.readers.push(Reader {
            env,
            construct,
            object: object.to_owned(),
            namespace: namespace.to_owned(),
            labels: BTreeMap::new(),
            refs,
            pods: false,
        });
    }

    /// Every reference to an object neither created nor declared, and every credentials
    /// Secret read by pods without a path to its server (`reaches(env, namespace, labels,
    /// server namespace, server labels)`).
    pub(crate) fn check(
        &self,
        envs: &[String],
        reaches: impl Fn(&str, &str, &BTreeMap<String, String>, &Credentials) -> bool,
    ) -> Vec<(usize, Finding)> {
        let mut findings = Vec::new();
        let mut credentials: HashMap<(usize, &str, &str), Vec<&Credentials>> = HashMap::new();
        for (env, c) in &self.credentials {
            credentials
                .entry((*env, c.namespace.as_str(), c.secret.as_str()))
                .or_default()
                .push(c);
        }
        for reader in &self.readers {
            for r in &reader.refs {
                if !contains(&self.known, reader.env, &reader.namespace, r.kind, &r.name) {
                    let kind = r.kind.name();
                    let shape = match r.kind {
                        RefKind::Secret => "secret!",
                        RefKind::ConfigMap => "config_map!",
                    };
                    findings.push((
                        reader.construct,
                        Finding::new(
                            &reader.object,
                            &r.field,
                            format!(
                                "{} {kind} `{}/{}`, which the program neither creates nor declares existing",
                                if reader.pods { "the pods read" } else { "KEDA reads" },
                                reader.namespace, r.name
                            ),
                            format!(
                                "declare it with a `{shape}` type's `existing(&namespace, \"{}\")` and take its keys from there, create it (a `config!` ConfigMap, an ExternalSecret), or mark the reference `optional: true` if the pods run without it",
                                r.name
                            ),
                        ),
                    ));
                }
                if r.kind != RefKind::Secret || !reader.pods {
                    continue;
                }
                let Some(servers) =
                    credentials.get(&(reader.env, reader.namespace.as_str(), r.name.as_str()))
                else {
                    continue;
                };
                for server in servers {
                    let own = !server.selector.is_empty()
                        && server
                            .selector
                            .iter()
                            .all(|(k, v)| reader.labels.get(k) == Some(v));
                    if own || reaches(&envs[reader.env], &reader.namespace, &reader.labels, server)
                    {
                        continue;
                    }
                    findings.push((
                        reader.construct,
                        Finding::new(
                            &reader.object,
                            &r.field,
                            format!(
                                "the pods read Secret `{}/{}`, the credentials of {}, but the NetworkPolicies give them no path to it",
                                reader.namespace, r.name, server.server
                            ),
                            "take credentials from the connection that opens the path: `let db = client.connect(&database); client.env(\"DB_PASSWORD\", db.password())` on the workload that reads them",
                        ),
                    ));
                }
            }
        }
        findings
    }
}

/// Every Secret and ConfigMap `spec` (at `field`) reads without `optional: true`, that `keep`
/// keeps.
fn references(
    field: &str,
    spec: &PodSpec,
    mut keep: impl FnMut(RefKind, &str) -> bool,
) -> Vec<Reference> {
    let mut refs = Vec::new();
    let mut push = |kind, name: &str, optional: Option<bool>, path: &dyn Fn() -> String| {
        if optional != Some(true) && keep(kind, name) {
            refs.push(Reference {
                kind,
                name: name.to_owned(),
                field: path(),
            });
        }
    };
    let prefix = if field.is_empty() { "spec" } else { field };
    let spec_of = if field.is_empty() { "" } else { ".spec" };
    let containers = spec
        .containers
        .iter()
        .enumerate()
        .map(|(i, c)| ("containers", i, c.env.as_ref(), c.env_from.as_ref()))
        .chain(
            spec.init_containers
                .iter()
                .flatten()
                .enumerate()
                .map(|(i, c)| ("initContainers", i, c.env.as_ref(), c.env_from.as_ref())),
        )
        .chain(
            spec.ephemeral_containers
                .iter()
                .flatten()
                .enumerate()
                .map(|(i, c)| {
                    (
                        "ephemeralContainers",
                        i,
                        c.env.as_ref(),
                        c.env_from.as_ref(),
                    )
                }),
        );
    for (list, i, env, env_from) in containers {
        for (j, var) in env.into_iter().flatten().enumerate() {
            let Some(from) = &var.value_from else {
                continue;
            };
            let at = || format!("{prefix}{spec_of}.{list}[{i}].env[{j}].valueFrom");
            if let Some(s) = &from.secret_key_ref {
                push(RefKind::Secret, &s.name, s.optional, &|| {
                    format!("{}.secretKeyRef.name", at())
                });
            }
            if let Some(c) = &from.config_map_key_ref {
                push(RefKind::ConfigMap, &c.name, c.optional, &|| {
                    format!("{}.configMapKeyRef.name", at())
                });
            }
        }
        for (j, source) in env_from.into_iter().flatten().enumerate() {
            let at = || format!("{prefix}{spec_of}.{list}[{i}].envFrom[{j}]");
            if let Some(s) = &source.secret_ref {
                push(RefKind::Secret, &s.name, s.optional, &|| {
                    format!("{}.secretRef.name", at())
                });
            }
            if let Some(c) = &source.config_map_ref {
                push(RefKind::ConfigMap, &c.name, c.optional, &|| {
                    format!("{}.configMapRef.name", at())
                });
            }
        }
    }
    for (i, volume) in spec.volumes.iter().flatten().enumerate() {
        let at = || format!("{prefix}{spec_of}.volumes[{i}]");
        if let Some(s) = &volume.secret {
            let name = s.secret_name.as_deref().unwrap_or_default();
            push(RefKind::Secret, name, s.optional, &|| {
                format!("{}.secret.secretName", at())
            });
        }
        if let Some(c) = &volume.config_map {
            push(RefKind::ConfigMap, &c.name, c.optional, &|| {
                format!("{}.configMap.name", at())
            });
        }
        let sources = volume
            .projected
            .iter()
            .flat_map(|p| p.sources.iter().flatten());
        for (k, source) in sources.enumerate() {
            if let Some(s) = &source.secret {
                push(RefKind::Secret, &s.name, s.optional, &|| {
                    format!("{}.projected.sources[{k}].secret.name", at())
                });
            }
            if let Some(c) = &source.config_map {
                push(RefKind::ConfigMap, &c.name, c.optional, &|| {
                    format!("{}.projected.sources[{k}].configMap.name", at())
                });
            }
        }
    }
    for (i, secret) in spec.image_pull_secrets.iter().flatten().enumerate() {
        push(RefKind::Secret, &secret.name, None, &|| {
            format!("{prefix}{spec_of}.imagePullSecrets[{i}].name")
        });
    }
    refs
}
