//! Assertions on a synthesized app, for the tests of programs and construct libraries (CDK's
//! `Template.fromStack(..)`, typed): synthesize in memory, find objects by kind and name or by
//! the construct that emitted them, match their properties partially, count them, check what a
//! wiring edge opened, and snapshot every file.
//!
//! ```
//! use girder_constructs::WebService;
//! use girder_core::App;
//! use girder_k8s::KubernetesExt;
//! use girder_synth::testing::Synthesized;
//! use k8s_openapi::api::apps::v1::Deployment;
//! use serde_json::json;
//!
//! girder_core::environment!(pub Prod = "prod");
//! girder_k8s::namespace!(pub Shop = "shop");
//!
//! let app = App::new("store");
//! let shop = app.environment(Prod).kubernetes().namespace(Shop);
//! let api = WebService::new(&shop, "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
//! let web = WebService::new(&shop, "web").image("ghcr.io/acme/web:1.0.0").port(8080).build();
//! web.env("API_URL", web.connect(&api).url());
//!
//! let out = Synthesized::of(&app);
//! // By kind and `namespace/name`, matched partially (arrays: each expected element
//! // matches some element).
//! out.k8s("apps/v1", "Deployment", "shop/web").has_properties(json!({
//!     "spec": { "template": { "spec": { "containers": [
//!         { "env": [{ "name": "API_URL", "value": "http://api.shop.svc.cluster.local:8080" }] }
//!     ] } } }
//! }));
//! // Typed, as k8s-openapi's struct.
//! let deployment: Deployment = out.object("shop", "api");
//! assert_eq!(deployment.metadata.name.as_deref(), Some("api"));
//! // By the construct that emitted it.
//! out.k8s_at("Service", "prod/shop/api").has_properties(json!({ "spec": { "type": "ClusterIP" } }));
//! assert_eq!(out.count_k8s("Deployment"), 2);
//! // The edge opened web's egress and api's ingress on api's port.
//! out.allows("prod/shop/web", "prod/shop/api", 8080);
//! ```
//!
//! Every assertion panics with what it looked for and what there is, as `assert!` does.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use girder_core::App;
use girder_k8s::rules::network;
use k8s_openapi::Resource;
use k8s_openapi::api::core::v1::{Namespace, PodSpec};
use k8s_openapi::api::networking::v1::{NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicySpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::Value;

use crate::engine::{Assembly, MANIFEST, Options, synthesize_with};

/// serde_json's `json!`, for the expected properties, without a dependency on serde_json.
pub use serde_json::json;

/// The label every namespace carries with its own name.
const NAMESPACE_NAME: &str = "kubernetes.io/metadata.name";

/// A Kubernetes object of a [`Synthesized`] app, as JSON, with where it comes from.
#[derive(Debug, Clone)]
struct K8sObject {
    env: String,
    path: String,
    value: Value,
}

impl K8sObject {
    fn str_at(&self, pointer: &str) -> &str {
        self.value
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    fn kind(&self) -> &str {
        self.str_at("/kind")
    }

    /// `namespace/name`, or `name` for a cluster-scoped object.
    fn key(&self) -> String {
        let (ns, name) = (
            self.str_at("/metadata/namespace"),
            self.str_at("/metadata/name"),
        );
        if ns.is_empty() {
            name.to_owned()
        } else {
            format!("{ns}/{name}")
        }
    }

    fn describe(&self) -> String {
        format!(
            "{} {} {} (from `{}`)",
            self.str_at("/apiVersion"),
            self.kind(),
            self.key(),
            self.path
        )
    }
}

/// An app synthesized in memory, to assert on: its files, its final Kubernetes objects (with
/// the construct that emitted each), its CloudFormation resources and its Compose projects.
pub struct Synthesized {
    assembly: Assembly,
    k8s: Vec<K8sObject>,
}

impl fmt::Debug for Synthesized {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Synthesized")
            .field("files", &self.assembly.files.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Synthesized {
    /// Synthesizes `app`, which must be valid.
    ///
    /// # Panics
    ///
    /// When the program is invalid, with every diagnostic.
    pub fn of(app: &App) -> Synthesized {
        Synthesized::try_of(app)
            .unwrap_or_else(|errors| panic!("the app does not synthesize:\n{errors}"))
    }

    /// Synthesizes `app`, or returns its diagnostics as printed: for tests of bad input.
    ///
    /// ```
    /// # use girder_constructs::WebService;
    /// # use girder_k8s::KubernetesExt;
    /// # girder_core::environment!(pub Prod = "prod");
    /// # girder_k8s::namespace!(pub Shop = "shop");
    /// let app = girder_core::App::new("store");
    /// let shop = app.environment(Prod).kubernetes().namespace(Shop);
    /// WebService::new(&shop, "api").image("ghcr.io/acme/api:1.0.0").port(8080).run_as(0).build();
    /// let errors = girder_synth::testing::Synthesized::try_of(&app).unwrap_err();
    /// assert!(errors.contains("prod/shop/api"), "{errors}");
    /// ```
    pub fn try_of(app: &App) -> Result<Synthesized, String> {
        let options = Options {
            keep_objects: true,
            ..Options::default()
        };
        let mut assembly = synthesize_with(app, &options).map_err(|d| d.to_string())?;
        let k8s = std::mem::take(&mut assembly.kubernetes)
            .into_iter()
            .map(|o| K8sObject {
                value: o.manifest.object().to_value().unwrap_or_else(|e| {
                    panic!(
                        "girder internal error: {} as JSON: {e}",
                        o.manifest.describe()
                    )
                }),
                env: o.env,
                path: o.path,
            })
            .collect();
        Ok(Synthesized { assembly, k8s })
    }

    /// The assembly synthesis returned (its final Kubernetes objects moved into `self`).
    pub fn assembly(&self) -> &Assembly {
        &self.assembly
    }

    /// The Kubernetes object of kind `kind` (of API version `api_version`) named `key`:
    /// `namespace/name`, or `name` for a cluster-scoped object.
    ///
    /// # Panics
    ///
    /// When there is no such object (listing those of the kind), or one per environment.
    pub fn k8s(&self, api_version: &str, kind: &str, key: &str) -> Found {
        self.one(&format!("{api_version} {kind} {key}"), kind, |o| {
            o.str_at("/apiVersion") == api_version && o.kind() == kind && o.key() == key
        })
    }

    /// The Kubernetes object of kind `kind` that the construct at `path` emitted (e.g. the
    /// `Service` of `prod/shop/api`).
    ///
    /// # Panics
    ///
    /// When it emitted none or more than one.
    pub fn k8s_at(&self, kind: &str, path: &str) -> Found {
        self.one(&format!("{kind} of `{path}`"), kind, |o| {
            o.kind() == kind && o.path == path
        })
    }

    /// The Kubernetes object `namespace/name` of type `K`, as k8s-openapi's struct.
    ///
    /// # Panics
    ///
    /// When there is no such object, or it does not read back as a `K`.
    pub fn object<K>(&self, namespace: &str, name: &str) -> K
    where
        K: Resource + serde::de::DeserializeOwned,
    {
        let key = if namespace.is_empty() {
            name.to_owned()
        } else {
            format!("{namespace}/{name}")
        };
        let found = self.k8s(K::API_VERSION, K::KIND, &key);
        serde_json::from_value(found.value.clone())
            .unwrap_or_else(|e| panic!("{} does not read back as a {}: {e}", found.what, K::KIND))
    }

    /// The number of Kubernetes objects of kind `kind`, in every environment.
    pub fn count_k8s(&self, kind: &str) -> usize {
        self.k8s.iter().filter(|o| o.kind() == kind).count()
    }

    fn one(&self, what: &str, kind: &str, pick: impl Fn(&K8sObject) -> bool) -> Found {
        let found: Vec<&K8sObject> = self.k8s.iter().filter(|o| pick(o)).collect();
        match found.as_slice() {
            [one] => Found {
                what: one.describe(),
                value: one.value.clone(),
                properties: None,
            },
            [] => {
                let of_kind: Vec<String> = self
                    .k8s
                    .iter()
                    .filter(|o| o.kind() == kind)
                    .map(K8sObject::describe)
                    .collect();
                panic!(
                    "no Kubernetes object {what}; the {kind} objects are:\n  {}",
                    if of_kind.is_empty() {
                        "(none)".to_owned()
                    } else {
                        of_kind.join("\n  ")
                    }
                )
            }
            many => panic!(
                "{} Kubernetes objects are {what}:\n  {}",
                many.len(),
                many.iter()
                    .map(|o| format!("{} in `{}`", o.describe(), o.env))
                    .collect::<Vec<_>>()
                    .join("\n  ")
            ),
        }
    }

    /// The CloudFormation templates, by file, as JSON.
    fn templates(&self) -> impl Iterator<Item = (&String, Value)> {
        self.assembly
            .files
            .iter()
            .filter(|(path, _)| path.ends_with(".template.json"))
            .map(|(path, text)| {
                let value = serde_json::from_str(&text.to_string())
                    .unwrap_or_else(|e| panic!("girder internal error: {path} is not JSON: {e}"));
                (path, value)
            })
    }

    /// Every resource of every template: (template, logical id, resource).
    fn resources(&self) -> Vec<(String, String, Value)> {
        let mut out = Vec::new();
        for (file, template) in self.templates() {
            if let Some(Value::Object(resources)) = template.get("Resources") {
                for (id, resource) in resources {
                    out.push((file.clone(), id.clone(), resource.clone()));
                }
            }
        }
        out
    }

    /// The CloudFormation resource of type `type_name` (e.g. `AWS::S3::Bucket`) whose logical
    /// id is `logical_id`, in any stack; its [`Found::has_properties`] matches its
    /// `Properties`.
    ///
    /// # Panics
    ///
    /// When there is no such resource (listing those of the type).
    pub fn resource(&self, type_name: &str, logical_id: &str) -> Found {
        let resources = self.resources();
        let of_type = |(_, _, r): &&(String, String, Value)| {
            r.get("Type").and_then(Value::as_str) == Some(type_name)
        };
        let found: Vec<&(String, String, Value)> = resources
            .iter()
            .filter(of_type)
            .filter(|(_, id, _)| id == logical_id)
            .collect();
        match found.as_slice() {
            [(file, id, resource)] => Found {
                what: format!("{type_name} {id} (in {file})"),
                value: resource.clone(),
                properties: Some("Properties"),
            },
            _ => panic!(
                "no single {type_name} `{logical_id}`; the {type_name} resources are:\n  {}",
                resources
                    .iter()
                    .filter(of_type)
                    .map(|(file, id, _)| format!("{id} (in {file})"))
                    .collect::<Vec<_>>()
                    .join("\n  ")
            ),
        }
    }

    /// The CloudFormation resource of type `type_name` that the construct at `path` emitted
    /// (e.g. the `AWS::S3::Bucket` of `prod/aws/data/uploads`); its
    /// [`Found::has_properties`] matches its `Properties`.
    ///
    /// # Panics
    ///
    /// When it emitted none or more than one (listing the resources of the type, with the
    /// construct of each).
    pub fn resource_at(&self, type_name: &str, path: &str) -> Found {
        let resources = self.resources();
        let emitter = |file: &String, id: &String| {
            self.assembly
                .resource_paths
                .get(&(file.clone(), id.clone()))
                .map_or("", String::as_str)
                .to_owned()
        };
        let of_type: Vec<&(String, String, Value)> = resources
            .iter()
            .filter(|(_, _, r)| r.get("Type").and_then(Value::as_str) == Some(type_name))
            .collect();
        let found: Vec<&&(String, String, Value)> = of_type
            .iter()
            .filter(|(file, id, _)| emitter(file, id) == path)
            .collect();
        match found.as_slice() {
            [(file, id, resource)] => Found {
                what: format!("{type_name} {id} of `{path}` (in {file})"),
                value: resource.clone(),
                properties: Some("Properties"),
            },
            _ => panic!(
                "`{path}` emitted {} {type_name} resources, not one; the {type_name} resources are:\n  {}",
                found.len(),
                of_type
                    .iter()
                    .map(|(file, id, _)| format!("{id} of `{}` (in {file})", emitter(file, id)))
                    .collect::<Vec<_>>()
                    .join("\n  ")
            ),
        }
    }

    /// The number of CloudFormation resources of type `type_name`, in every stack.
    pub fn count_resources(&self, type_name: &str) -> usize {
        self.resources()
            .iter()
            .filter(|(_, _, r)| r.get("Type").and_then(Value::as_str) == Some(type_name))
            .count()
    }

    /// The Compose project of environment `env` (`env.compose()`).
    ///
    /// ```
    /// # use girder_constructs::WebService;
    /// use girder_constructs::compose::ComposeExt;
    /// # girder_core::environment!(pub Dev = "dev");
    /// let app = girder_core::App::new("store");
    /// let dev = app.environment(Dev).compose();
    /// WebService::new(&dev, "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
    /// girder_synth::testing::Synthesized::of(&app)
    ///     .compose("dev")
    ///     .service("api")
    ///     .has_properties(serde_json::json!({ "image": "ghcr.io/acme/api:1.0.0" }));
    /// ```
    ///
    /// # Panics
    ///
    /// When `env` has no Compose project.
    pub fn compose(&self, env: &str) -> ComposeFile {
        let path = format!("{env}/compose/{}", girder_compose::FILE);
        let Some(text) = self.assembly.files.get(&path) else {
            panic!(
                "no Compose project for environment `{env}`: the Compose environments are {:?}",
                self.assembly.compose.keys().collect::<Vec<_>>()
            );
        };
        let value: Value = serde_saphyr::from_str(&text.to_string())
            .unwrap_or_else(|e| panic!("girder internal error: {path} is not YAML: {e}"));
        ComposeFile { path, value }
    }

    /// Every file but `manifest.json`, each after a `# <path>` line, in path order: a stable
    /// text for an `insta` snapshot (Girder's output is deterministic, so nothing is redacted).
    ///
    /// ```
    /// # use girder_k8s::KubernetesExt;
    /// # girder_core::environment!(pub Prod = "prod");
    /// # girder_k8s::namespace!(pub Shop = "shop");
    /// let app = girder_core::App::new("store");
    /// app.environment(Prod).kubernetes().namespace(Shop);
    /// let text = girder_synth::testing::Synthesized::of(&app).snapshot_files();
    /// assert!(text.starts_with("# prod/k8s/shop.yaml\n"));
    /// // insta::assert_snapshot!(text);
    /// ```
    pub fn snapshot_files(&self) -> String {
        let mut out = String::new();
        for (path, text) in &self.assembly.files {
            if path != MANIFEST {
                let _ = write!(out, "# {path}\n{text}");
            }
        }
        out
    }

    /// Asserts that the NetworkPolicies let the pods of the workload at `client` open
    /// connections to the pods of the workload at `server` on the server's container port
    /// `port`: an egress rule of the client's policies and an ingress rule of the server's
    /// admit the other side's pods and the port (by number, or by the name the server's
    /// container gives it), as `connect` makes them. Both must be in one environment.
    ///
    /// # Panics
    ///
    /// When either side does not allow it, saying which; or when a path emitted no workload.
    pub fn allows(&self, client: &str, server: &str, port: u16) -> &Self {
        if let Err(why) = self.check_allows(client, server, port) {
            panic!("`{client}` cannot reach `{server}` on port {port}: {why}");
        }
        self
    }

    /// Asserts the opposite of [`Synthesized::allows`]: one side or both refuse the flow.
    ///
    /// # Panics
    ///
    /// When both sides allow it, or a path emitted no workload.
    pub fn denies(&self, client: &str, server: &str, port: u16) -> &Self {
        if self.check_allows(client, server, port).is_ok() {
            panic!("`{client}` can reach `{server}` on port {port}, which should be refused");
        }
        self
    }

    fn check_allows(&self, client: &str, server: &str, port: u16) -> Result<(), String> {
        let client = self.pods(client);
        let server = self.pods(server);
        let port_names: Vec<&str> = server
            .spec
            .containers
            .iter()
            .flat_map(|c| c.ports.iter().flatten())
            .filter(|p| p.container_port == i32::from(port))
            .filter_map(|p| p.name.as_deref())
            .collect();
        let port_ok = |ports: &Option<Vec<NetworkPolicyPort>>| {
            ports.as_ref().is_none_or(|ports| {
                ports.is_empty()
                    || ports.iter().any(|p| match &p.port {
                        None => true,
                        Some(IntOrString::Int(n)) => {
                            *n == i32::from(port)
                                || p.end_port
                                    .is_some_and(|end| (*n..=end).contains(&port.into()))
                        }
                        Some(IntOrString::String(name)) => port_names.contains(&name.as_str()),
                    })
            })
        };
        let egress = self.isolated_and_admitted(&client, "Egress", |rule| {
            let rule = rule.egress.as_ref()?;
            Some(
                rule.iter()
                    .filter(|r| port_ok(&r.ports))
                    .any(|r| self.peers_select(r.to.as_deref(), &client, &server)),
            )
        });
        let ingress = self.isolated_and_admitted(&server, "Ingress", |rule| {
            let rule = rule.ingress.as_ref()?;
            Some(
                rule.iter()
                    .filter(|r| port_ok(&r.ports))
                    .any(|r| self.peers_select(r.from.as_deref(), &server, &client)),
            )
        });
        match (egress, ingress) {
            (true, true) => Ok(()),
            (false, true) => Err("no egress rule of the client's NetworkPolicies allows it".into()),
            (true, false) => {
                Err("no ingress rule of the server's NetworkPolicies allows it".into())
            }
            (false, false) => {
                Err("neither the client's egress nor the server's ingress allows it".into())
            }
        }
    }

    /// The pods of the workload the construct at `path` emitted.
    fn pods(&self, path: &str) -> Pods {
        let workload = self.k8s.iter().filter(|o| o.path == path).find_map(|o| {
            let template = match o.kind() {
                "CronJob" => o.value.pointer("/spec/jobTemplate/spec/template")?,
                _ => o.value.pointer("/spec/template")?,
            };
            let spec: PodSpec = serde_json::from_value(template.get("spec")?.clone()).ok()?;
            let labels: BTreeMap<String, String> =
                serde_json::from_value(template.pointer("/metadata/labels")?.clone()).ok()?;
            Some(Pods {
                env: o.env.clone(),
                namespace: o.str_at("/metadata/namespace").to_owned(),
                labels,
                spec,
            })
        });
        workload.unwrap_or_else(|| {
            let paths: std::collections::BTreeSet<&str> =
                self.k8s.iter().map(|o| o.path.as_str()).collect();
            panic!(
                "`{path}` emitted no workload; the constructs that emitted Kubernetes objects are:\n  {}",
                paths.into_iter().collect::<Vec<_>>().join("\n  ")
            )
        })
    }

    /// Whether the policies of `pods`' namespace that select them and isolate them in
    /// `direction` (all must be considered) are absent, or one of their rules admits the flow.
    fn isolated_and_admitted(
        &self,
        pods: &Pods,
        direction: &str,
        admits: impl Fn(&NetworkPolicySpec) -> Option<bool>,
    ) -> bool {
        let mut isolated = false;
        for policy in self.k8s.iter().filter(|o| {
            o.env == pods.env
                && o.kind() == "NetworkPolicy"
                && o.str_at("/metadata/namespace") == pods.namespace
        }) {
            let Some(spec) = policy
                .value
                .get("spec")
                .cloned()
                .and_then(|s| serde_json::from_value::<NetworkPolicySpec>(s).ok())
            else {
                continue;
            };
            let selects = spec
                .pod_selector
                .as_ref()
                .is_none_or(|s| network::matches(s, Some(&pods.labels)));
            let isolates = spec.policy_types.iter().flatten().any(|t| t == direction);
            if !selects || !isolates {
                continue;
            }
            isolated = true;
            if admits(&spec) == Some(true) {
                return true;
            }
        }
        !isolated
    }

    /// Whether `peers` (of a policy in `own`'s namespace; `None`: every peer) select `other`'s
    /// pods.
    fn peers_select(&self, peers: Option<&[NetworkPolicyPeer]>, own: &Pods, other: &Pods) -> bool {
        let Some(peers) = peers else { return true };
        let ns_labels = self.namespace_labels(&other.env, &other.namespace);
        peers.iter().any(|peer| {
            if peer.ip_block.is_some() {
                return false;
            }
            let ns_ok = match &peer.namespace_selector {
                None => own.namespace == other.namespace,
                Some(selector) => network::matches(selector, Some(&ns_labels)),
            };
            ns_ok
                && peer
                    .pod_selector
                    .as_ref()
                    .is_none_or(|s| network::matches(s, Some(&other.labels)))
        })
    }

    /// The labels of namespace `name` of `env`, with the one the API server gives every
    /// namespace.
    fn namespace_labels(&self, env: &str, name: &str) -> BTreeMap<String, String> {
        let mut labels: BTreeMap<String, String> = self
            .k8s
            .iter()
            .filter(|o| o.env == env && o.kind() == Namespace::KIND)
            .filter(|o| o.str_at("/metadata/name") == name)
            .find_map(|o| serde_json::from_value(o.value.pointer("/metadata/labels")?.clone()).ok())
            .unwrap_or_default();
        labels.insert(NAMESPACE_NAME.to_owned(), name.to_owned());
        labels
    }
}

/// The pods of one workload.
struct Pods {
    env: String,
    namespace: String,
    labels: BTreeMap<String, String>,
    spec: PodSpec,
}

/// A Compose project of a [`Synthesized`] app.
#[derive(Debug, Clone)]
pub struct ComposeFile {
    path: String,
    value: Value,
}

impl ComposeFile {
    /// The service `name` (a workload's object name).
    ///
    /// # Panics
    ///
    /// When the project has no such service (listing its services).
    pub fn service(&self, name: &str) -> Found {
        match self.value.pointer(&format!("/services/{name}")) {
            Some(service) => Found {
                what: format!("Compose service `{name}` of {}", self.path),
                value: service.clone(),
                properties: None,
            },
            None => panic!(
                "no Compose service `{name}` in {}; its services are {:?}",
                self.path,
                self.value
                    .get("services")
                    .and_then(Value::as_object)
                    .map(|s| s.keys().collect::<Vec<_>>())
                    .unwrap_or_default()
            ),
        }
    }

    /// The whole `compose.yaml`, as JSON.
    pub fn json(&self) -> &Value {
        &self.value
    }
}

/// An object found in a [`Synthesized`] app, to assert on.
#[derive(Debug, Clone)]
pub struct Found {
    what: String,
    value: Value,
    /// The member [`Found::has_properties`] matches (a CloudFormation resource's
    /// `Properties`), or `None` for the whole object.
    properties: Option<&'static str>,
}

impl Found {
    /// The object as JSON.
    pub fn json(&self) -> &Value {
        &self.value
    }

    /// Asserts that the object (a CloudFormation resource: its `Properties`) has `expected`:
    /// every key of an expected object is in the actual one with a matching value, every
    /// element of an expected array matches some element of the actual array (CDK's
    /// `objectLike` and `arrayWith`, recursively), and any other value is equal.
    ///
    /// # Panics
    ///
    /// When it does not, with the path of the first mismatch and the whole object.
    pub fn has_properties(&self, expected: Value) -> &Self {
        let actual = match self.properties {
            Some(member) => self.value.get(member).unwrap_or(&Value::Null),
            None => &self.value,
        };
        if let Err(mismatch) = contains(actual, &expected) {
            panic!(
                "{} does not have the expected properties: {mismatch}\nthe object:\n{}",
                self.what,
                serde_json::to_string_pretty(actual).unwrap_or_default()
            );
        }
        self
    }
}

/// Where `actual` does not contain `expected`, in the sense of [`Found::has_properties`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The JSON pointer of the first mismatch, e.g. `/spec/replicas`.
    pub at: String,
    /// What was expected there, and what there is.
    pub why: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.at.is_empty() { "/" } else { &self.at };
        write!(f, "at `{at}`: {}", self.why)
    }
}

/// Whether `actual` contains `expected` (see [`Found::has_properties`]); the first mismatch
/// otherwise.
///
/// ```
/// use girder_synth::testing::contains;
/// use serde_json::json;
///
/// let actual = json!({ "ports": [{ "name": "http", "port": 80 }, { "name": "metrics", "port": 9090 }] });
/// assert!(contains(&actual, &json!({ "ports": [{ "port": 9090 }] })).is_ok());
/// let mismatch = contains(&actual, &json!({ "ports": [{ "port": 443 }] })).unwrap_err();
/// assert_eq!(mismatch.at, "/ports");
/// ```
pub fn contains(actual: &Value, expected: &Value) -> Result<(), Mismatch> {
    contains_at(actual, expected, String::new())
}

fn contains_at(actual: &Value, expected: &Value, at: String) -> Result<(), Mismatch> {
    match (expected, actual) {
        (Value::Object(want), Value::Object(have)) => {
            for (key, want) in want {
                let at = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                match have.get(key) {
                    Some(have) => contains_at(have, want, at)?,
                    None => {
                        return Err(Mismatch {
                            at,
                            why: format!("missing; expected {want}"),
                        });
                    }
                }
            }
            Ok(())
        }
        (Value::Array(want), Value::Array(have)) => {
            for (i, want) in want.iter().enumerate() {
                if !have
                    .iter()
                    .any(|have| contains_at(have, want, String::new()).is_ok())
                {
                    // The closest element's mismatch, when there is one element to compare.
                    let why = match have.as_slice() {
                        [only] => {
                            let inner = contains_at(only, want, format!("{at}/0"))
                                .err()
                                .map(|inner| inner.to_string())
                                .unwrap_or_default();
                            format!(
                                "expected element {i} ({want}) matches no element; in the only one, {inner}"
                            )
                        }
                        _ => format!(
                            "expected element {i} ({want}) matches none of the {} elements",
                            have.len()
                        ),
                    };
                    return Err(Mismatch { at, why });
                }
            }
            Ok(())
        }
        (want, have) if want == have => Ok(()),
        (want, have) => Err(Mismatch {
            at,
            why: format!("expected {want}, found {have}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use girder_constructs::WebService;
    use girder_constructs::compose::ComposeExt;
    use girder_k8s::KubernetesExt;
    use k8s_openapi::api::core::v1::Service;
    use serde_json::json;

    girder_core::environment!(Prod = "prod");
    girder_core::environment!(Dev = "dev");
    girder_k8s::namespace!(Shop = "shop");

    /// `web` connected to `api`; `admin` connected to nothing.
    fn app() -> App {
        let app = App::new("store");
        let shop = app.environment(Prod).kubernetes().namespace(Shop);
        let service = |id: &str| {
            WebService::new(&shop, id)
                .image(format!("ghcr.io/acme/{id}:1.0.0"))
                .port(8080)
                .build()
        };
        let (api, web, _admin) = (service("api"), service("web"), service("admin"));
        web.env("API_URL", web.connect(&api).url());
        girder_constructs::AcceptImageTags::because("test images").apply_to(&app.environment(Prod));
        app
    }

    #[test]
    fn contains_matches_subsets_and_names_the_first_mismatch() {
        let actual = json!({
            "spec": { "replicas": 2, "ports": [{ "name": "http", "port": 80 }, { "name": "metrics", "port": 9090 }] },
            "kind": "Service",
        });
        assert!(contains(&actual, &json!({})).is_ok());
        assert!(
            contains(
                &actual,
                &json!({ "spec": { "ports": [{ "port": 9090 }, { "name": "http" }] } })
            )
            .is_ok()
        );
        let m = contains(&actual, &json!({ "spec": { "replicas": 3 } })).unwrap_err();
        assert_eq!(m.at, "/spec/replicas");
        assert_eq!(m.to_string(), "at `/spec/replicas`: expected 3, found 2");
        let m = contains(&actual, &json!({ "spec": { "paused": false } })).unwrap_err();
        assert_eq!(m.at, "/spec/paused");
        assert!(m.why.starts_with("missing"), "{m}");
        let m = contains(&actual, &json!({ "spec": { "ports": [{ "port": 443 }] } })).unwrap_err();
        assert_eq!(m.at, "/spec/ports");
        assert!(m.why.contains("none of the 2 elements"), "{m}");
        // A type mismatch, and an array expected where there is an object.
        assert!(contains(&json!({ "a": "1" }), &json!({ "a": 1 })).is_err());
        assert!(contains(&json!({ "a": {} }), &json!({ "a": [] })).is_err());
        // The only element's own mismatch is given.
        let m = contains(&json!([{ "a": 1 }]), &json!([{ "a": 2 }])).unwrap_err();
        assert!(m.why.contains("at `/0/a`: expected 2, found 1"), "{m}");
    }

    #[test]
    fn finds_objects_by_name_by_construct_and_typed_and_counts_them() {
        let out = Synthesized::of(&app());
        out.k8s("v1", "Service", "shop/api")
            .has_properties(json!({ "spec": { "ports": [{ "port": 8080, "name": "http" }] } }));
        out.k8s("v1", "Namespace", "shop");
        let deployment = out.k8s_at("Deployment", "prod/shop/web");
        assert_eq!(deployment.json()["metadata"]["name"], "web");
        let service: Service = out.object("shop", "admin");
        assert_eq!(service.metadata.name.as_deref(), Some("admin"));
        assert_eq!(out.count_k8s("Deployment"), 3);
        assert_eq!(
            out.count_k8s("NetworkPolicy"),
            4,
            "three services and default-deny"
        );
        assert_eq!(out.count_resources("AWS::S3::Bucket"), 0);
        let text = out.snapshot_files();
        assert!(text.starts_with("# prod/k8s/shop.yaml\n"), "{text}");
        assert!(!text.contains(MANIFEST));
    }

    #[test]
    #[should_panic(expected = "at `/spec/type`: expected \"LoadBalancer\", found \"ClusterIP\"")]
    fn a_mismatch_panics_with_its_path() {
        Synthesized::of(&app())
            .k8s_at("Service", "prod/shop/api")
            .has_properties(json!({ "spec": { "type": "LoadBalancer" } }));
    }

    #[test]
    #[should_panic(expected = "v1 Service shop/api (from `prod/shop/api`)")]
    fn a_missing_object_panics_listing_those_of_its_kind() {
        Synthesized::of(&app()).k8s("v1", "Service", "shop/nope");
    }

    #[test]
    fn an_edge_allows_its_flow_and_nothing_else() {
        let out = Synthesized::of(&app());
        out.allows("prod/shop/web", "prod/shop/api", 8080);
        out.denies("prod/shop/api", "prod/shop/web", 8080)
            .denies("prod/shop/web", "prod/shop/api", 9090)
            .denies("prod/shop/admin", "prod/shop/api", 8080);
    }

    #[test]
    #[should_panic(expected = "no egress rule of the client's NetworkPolicies allows it")]
    fn a_refused_flow_says_which_side_refuses() {
        let app = app();
        // The server admits the namespace's pods, but admin's own policy does not let it out.
        let shop = app.environment(Prod).kubernetes().namespace(Shop);
        WebService::new(&shop, "open")
            .image("ghcr.io/acme/open:1.0.0")
            .port(8080)
            .build()
            .allow_from(girder_constructs::Peer::namespace("shop"));
        let out = Synthesized::of(&app);
        out.denies("prod/shop/web", "prod/shop/open", 8080);
        out.allows("prod/shop/admin", "prod/shop/open", 8080);
    }

    #[test]
    fn an_invalid_app_gives_its_diagnostics() {
        let app = App::new("store");
        let shop = app.environment(Prod).kubernetes().namespace(Shop);
        WebService::new(&shop, "api")
            .image("ghcr.io/acme/api:1.0.0")
            .port(8080)
            .run_as(0)
            .build();
        let errors = Synthesized::try_of(&app).unwrap_err();
        assert!(errors.contains("prod/shop/api"), "{errors}");
    }

    #[test]
    fn compose_services_are_found_by_name() {
        let app = App::new("store");
        let dev = app.environment(Dev).compose();
        let api = WebService::new(&dev, "api")
            .image("ghcr.io/acme/api:1.0.0")
            .port(8080)
            .build();
        let web = WebService::new(&dev, "web")
            .image("ghcr.io/acme/web:1.0.0")
            .port(8080)
            .build();
        web.env("API_URL", web.connect(&api).url());
        let out = Synthesized::of(&app);
        out.compose("dev")
            .service("web")
            .has_properties(json!({ "environment": { "API_URL": "http://api:8080" } }));
        assert!(out.compose("dev").json()["services"].get("api").is_some());
    }
}
