//! Girder's checks of the **final** Kubernetes objects: what is written, after the program's
//! aspects, typed edits (`deployment_mut`, `edit::<K>`) and JSON patches, whatever form the
//! object is in (a typed k8s-openapi object or a [`RawObject`], read back as its typed form).
//! Escape hatches exist so that a program is never blocked; they do not skip these guarantees.
//!
//! | module | what it refuses |
//! |---|---|
//! | [`api`] | an `apiVersion` or kind the cluster does not serve, unless the program emits its CRD |
//! | [`names`] | no name, a name invalid for its kind, a wrong scope, a namespace the program does not declare |
//! | [`pod_security`] | a pod template that breaks the Pod Security Standards' `restricted` profile |
//! | [`resources`] | a limit below its request, a request or limit that is not a quantity |
//! | [`policy`] | what checkov's Kubernetes checks report (same ids), unless accepted with a reason |
//! | [`network`] | an edit that widens a NetworkPolicy beyond its wiring |
//! | [`structural`] | a CustomResourceDefinition whose schema is not structural (the JSON path of each offending node) |
//! | [`refs`] (cross-object) | a pod reading a Secret or ConfigMap the program neither creates nor declares existing; a pod reading a database's credentials without a network path to it |
//! | `add_ons` (cross-object) | an object only an add-on serves (KEDA, cert-manager, the Prometheus operator, External Secrets, Istio, ingress-nginx's class) in an environment that neither installs that add-on ([`crate::helm`]) nor declares it installed |
//! | [`Checker`] (cross-object) | a selector that matches nothing (Service, NetworkPolicy, PodDisruptionBudget, HPA or KEDA target, ServiceMonitor, PodMonitor); pods relabelled so that a policy or Service of another construct selects them; an environment variable naming a Service the policies do not let its pods reach; a node port two Services of one environment claim |
//!
//! [`Checker::observe`] takes each object as it is written and runs the per-object rules;
//! [`Checker::finish`] runs the rules that need every object. Each [`Finding`] names the object
//! (`apps/v1 Deployment shop/api`), the field path and what to do.
//!
//! ```
//! use girder_k8s::Manifest;
//! use girder_k8s::k8s_openapi::api::core::v1::ConfigMap;
//! use girder_k8s::rules::Checker;
//!
//! let mut checker = Checker::default();
//! // A ConfigMap without a name, in a namespace the program does not declare.
//! checker.observe(&Manifest::new(ConfigMap::default()), "prod", 0);
//! let findings = checker.finish();
//! assert!(findings.iter().any(|(_, f)| f.field == "metadata.name"));
//! ```

mod add_ons;
pub mod api;
pub mod flows;
pub mod names;
pub mod network;
mod node_ports;
pub mod pod_security;
pub mod policy;
mod reach;
pub mod refs;
pub mod resources;
pub mod structural;

use std::any::Any;
use std::collections::{BTreeMap, HashMap, HashSet};

use k8s_openapi::api::autoscaling;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret, Service};
use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicySpec};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use crate::crd::external_secrets::ExternalSecret;
use crate::crd::keda::{ScaledObject, TriggerAuthentication};
use crate::crd::monitoring::{NamespaceSelector, PodMonitor, ServiceMonitor};
use crate::object::{AsBuilt, Manifest, Object, RawObject, pod_template_path};

/// One problem with a final object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The object, e.g. `apps/v1 Deployment shop/api`.
    pub object: String,
    /// The field path in the object, e.g. `spec.template.spec.hostNetwork` (empty for the whole
    /// object).
    pub field: String,
    /// What is wrong, naming the bad value.
    pub message: String,
    /// What to do about it.
    pub hint: String,
    /// Whether it is only a warning: synthesis goes on ([`policy`]'s probe and digest checks).
    pub warning: bool,
}

impl Finding {
    /// A finding about `field` of `object`.
    pub fn new(
        object: impl Into<String>,
        field: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Finding {
            object: object.into(),
            field: field.into(),
            message: message.into(),
            hint: hint.into(),
            warning: false,
        }
    }

    /// The same finding, as a warning.
    #[must_use]
    pub fn into_warning(self) -> Self {
        Finding {
            warning: true,
            ..self
        }
    }

    /// The message, after the field path when there is one: `spec.hostNetwork: …`.
    pub fn message(&self) -> String {
        if self.field.is_empty() {
            self.message.clone()
        } else {
            format!("{}: {}", self.field, self.message)
        }
    }
}

/// Where an object was emitted: its environment's index in [`Checker`], the emitting
/// construct (the caller's index), and the object's name for findings.
#[derive(Debug, Clone)]
struct Origin {
    env: usize,
    construct: usize,
    object: String,
}

/// Pods of a workload, as written and as built.
#[derive(Debug)]
struct Pods {
    origin: Origin,
    namespace: String,
    kind: String,
    name: String,
    labels: BTreeMap<String, String>,
    /// The labels as built, when an edit changed them.
    built: Option<BTreeMap<String, String>>,
    /// The containers' ports: (number, name).
    ports: Vec<(i32, Option<String>)>,
}

/// What a selector must find, once every object is known.
#[derive(Debug)]
enum Target {
    /// Pods of the selector's namespace.
    Pods(LabelSelector),
    /// Pods of these namespaces (`None`: every namespace).
    PodsIn(LabelSelector, Option<Vec<String>>),
    /// Services of these namespaces (`None`: every namespace).
    Services(LabelSelector, Option<Vec<String>>),
    /// A workload of the namespace by kind and name.
    Workload { kind: String, name: String },
}

#[derive(Debug)]
struct Selector {
    origin: Origin,
    namespace: String,
    field: &'static str,
    what: &'static str,
    target: Target,
}

/// A NetworkPolicy peer or Service selector that admits pods by their identity labels.
#[derive(Debug)]
struct Admits {
    origin: Origin,
    /// The namespace the selected pods must be in (`None`: any).
    namespace: Option<String>,
    selector: LabelSelector,
    /// What the object does to the selected pods, e.g. `admits`.
    verb: &'static str,
}

/// The labels that identify a construct's pods (what `connect` selects by).
const IDENTITY: [&str; 2] = [crate::labels::NAME, crate::labels::INSTANCE];

/// The final-object checks, fed object by object; see the [module](self) documentation.
#[derive(Debug, Default)]
pub struct Checker {
    envs: Vec<String>,
    findings: Vec<(usize, Finding)>,
    /// Declared namespaces, by environment.
    namespaces: HashSet<(usize, String)>,
    /// Objects in a namespace not declared when they were seen.
    in_namespaces: Vec<(Origin, String)>,
    /// Kinds declared by CRDs, by environment: (environment, API version, kind).
    kinds: HashSet<(usize, String, String)>,
    /// Objects of a kind not known when they were seen.
    unknown: Vec<(Origin, String, String)>,
    pods: Vec<Pods>,
    services: Vec<(usize, String, BTreeMap<String, String>)>,
    selectors: Vec<Selector>,
    admits: Vec<Admits>,
    reach: reach::Reach,
    flows: flows::Flows,
    refs: refs::Refs,
    node_ports: node_ports::NodePorts,
    add_ons: add_ons::AddOns,
}

impl Checker {
    fn env(&mut self, env: &str) -> usize {
        match self.envs.iter().position(|e| e == env) {
            Some(i) => i,
            None => {
                self.envs.push(env.to_owned());
                self.envs.len() - 1
            }
        }
    }

    /// Declares that the cluster of environment `env` serves `kind` at `api_version` although
    /// no CustomResourceDefinition of it is emitted ([`crate::Kubernetes::installed`]).
    /// A kind an add-on serves ([`crate::helm::AddOn::serving`]) declares that add-on
    /// installed: the operator that serves it runs in the cluster.
    pub fn installed(&mut self, env: &str, api_version: &str, kind: &str) {
        let env = self.env(env);
        if let Some(add_on) = crate::helm::AddOn::serving(api_version) {
            self.add_ons.installed(env, add_on);
        }
        self.kinds
            .insert((env, api_version.to_owned(), kind.to_owned()));
    }

    /// Declares that the cluster of environment `env` runs `add_on` although the program does
    /// not install it ([`crate::Kubernetes::installed_add_on`]).
    pub fn installed_add_on(&mut self, env: &str, add_on: crate::helm::AddOn) {
        let env = self.env(env);
        self.add_ons.installed(env, add_on);
    }

    /// Records that construct number `construct` of environment `env` needs an add-on that none
    /// of its objects shows ([`crate::helm::NeedsAddOn`]).
    pub fn needs_add_on(&mut self, env: &str, construct: usize, need: crate::helm::NeedsAddOn) {
        let origin = Origin {
            env: self.env(env),
            construct,
            object: String::new(),
        };
        self.add_ons
            .need(origin, need.add_on, String::new(), need.why);
    }

    /// Declares that environment `env` has no cluster: its objects become another form (a
    /// Compose project, which serves Ingresses with its own proxy and refuses what it cannot
    /// translate), so no add-on serves them and none is needed.
    pub fn without_cluster(&mut self, env: &str) {
        let env = self.env(env);
        self.add_ons.without_cluster(env);
    }

    /// Declares that namespace `namespace` exists in the cluster of environment `env` although
    /// the program does not emit it (a GitOps controller's, [`crate::helm::GitOps::namespace`]):
    /// objects may go there.
    pub fn existing_namespace(&mut self, env: &str, namespace: &str) {
        let env = self.env(env);
        self.namespaces.insert((env, namespace.to_owned()));
    }

    /// Declares that the `kind` object `name` exists in `namespace` of environment `env`
    /// although the program does not emit it ([`refs::Declarations::existing`]): pods may read
    /// it.
    pub fn existing(&mut self, env: &str, namespace: &str, kind: refs::RefKind, name: &str) {
        let env = self.env(env);
        self.refs.known(env, namespace, kind, name);
    }

    /// Declares a database's credentials Secret ([`refs::Declarations::credentials`]): only
    /// the server's pods and pods with a network path to it may read it.
    pub fn credentials(&mut self, credentials: refs::Credentials) {
        let env = self.env(&credentials.env);
        self.refs.credentials(env, credentials);
    }

    /// Checks one final object, emitted in environment `env` by construct number `construct`
    /// (the caller's numbering, returned with each finding), and records what the cross-object
    /// rules need.
    pub fn observe(&mut self, manifest: &Manifest, env: &str, construct: usize) {
        let obj = manifest.object();
        let origin = Origin {
            env: self.env(env),
            construct,
            object: manifest.identity(),
        };
        let mut out = Vec::new();
        let (api_version, kind) = (obj.api_version(), obj.kind());
        let known = api::known(api_version, kind);
        if known.is_none() {
            self.unknown
                .push((origin.clone(), api_version.to_owned(), kind.to_owned()));
        }
        // A patched object is read back as its typed form, so that every rule sees it.
        let any: &dyn Any = obj;
        let read_back;
        let typed: Option<&dyn Object> = match (any.downcast_ref::<RawObject>(), known) {
            (None, _) => Some(obj),
            (Some(raw), Some(known)) => {
                match serde_json::to_value(raw).and_then(|v| known.typed(v)) {
                    Ok(t) => {
                        read_back = t;
                        Some(read_back.as_ref())
                    }
                    Err(err) => {
                        out.push(Finding::new(
                            &origin.object,
                            "",
                            format!(
                                "the patched object is not a valid {api_version} {kind}: {err}"
                            ),
                            "check the JSON patch against the API reference of the kind",
                        ));
                        None
                    }
                }
            }
            (Some(_), None) => None,
        };
        let cluster_scoped = known.map_or(obj.cluster_scoped(), |k| k.cluster_scoped);
        let meta = obj.meta();
        if kind == "SealedSecret"
            && api_version.starts_with("bitnami.com/")
            && let (Some(ns), Some(name)) = (&meta.namespace, &meta.name)
        {
            // Sealed Secrets' controller creates a Secret of the same name.
            self.refs.known(origin.env, ns, refs::RefKind::Secret, name);
        }
        names::check(
            &origin.object,
            api_version,
            kind,
            cluster_scoped,
            meta,
            &mut out,
        );
        if let Some(ns) = &meta.namespace
            && !cluster_scoped
            && !self.namespaces.contains(&(origin.env, ns.clone()))
        {
            self.in_namespaces.push((origin.clone(), ns.clone()));
        }
        self.add_ons.observe(typed.unwrap_or(obj), &origin);
        if let Some(typed) = typed {
            self.observe_typed(typed, manifest.as_built(), &origin, &mut out);
            self.reach
                .observe(typed, &origin.object, env, origin.construct);
            self.flows.observe(typed, origin.env);
        }
        self.findings
            .extend(out.into_iter().map(|f| (construct, f)));
    }

    fn observe_typed(
        &mut self,
        obj: &dyn Object,
        built: Option<&AsBuilt>,
        origin: &Origin,
        out: &mut Vec<Finding>,
    ) {
        let any: &dyn Any = obj;
        let meta = obj.meta();
        let namespace = meta.namespace.clone().unwrap_or_default();
        let name = meta.name.clone().unwrap_or_default();
        let object = origin.object.as_str();
        policy::check(object, obj, out);
        if let Some(auth) = any.downcast_ref::<TriggerAuthentication>() {
            let secrets = auth
                .spec
                .secret_target_ref
                .iter()
                .enumerate()
                .map(|(i, r)| (format!("spec.secretTargetRef[{i}].name"), r.name.clone()));
            self.refs.observe_operator_secrets(
                origin.env,
                origin.construct,
                object,
                &namespace,
                secrets,
            );
        }
        if let Some(template) = obj.pod_template() {
            let field = pod_template_path(obj.api_version(), obj.kind())
                .unwrap_or_default()
                .join(".");
            if let Some(spec) = template.spec {
                let annotations = template.metadata.and_then(|m| m.annotations.as_ref());
                pod_security::check(object, &field, annotations, spec, out);
                resources::check(object, &field, spec, out);
                self.refs.observe_pods(
                    origin.env,
                    origin.construct,
                    object,
                    &namespace,
                    template.labels(),
                    &field,
                    spec,
                );
            }
            let labels = template.labels().cloned().unwrap_or_default();
            let built = built
                .and_then(|b| b.pod_labels.as_ref())
                .filter(|b| **b != labels)
                .cloned();
            let ports = template
                .spec
                .iter()
                .flat_map(|s| &s.containers)
                .flat_map(|c| c.ports.iter().flatten())
                .map(|p| (p.container_port, p.name.clone()))
                .collect();
            self.pods.push(Pods {
                origin: origin.clone(),
                namespace: namespace.clone(),
                kind: obj.kind().to_owned(),
                name,
                labels,
                built,
                ports,
            });
        } else if let Some(policy) = any.downcast_ref::<NetworkPolicy>() {
            let no_spec = NetworkPolicySpec::default();
            let spec = policy.spec.as_ref().unwrap_or(&no_spec);
            if let Some(built) = built.and_then(|b| b.policy.as_ref()) {
                network::check_widening(object, built, spec, out);
            }
            if let Some(selector) = spec.pod_selector.as_ref().filter(|s| !network::is_empty(s)) {
                self.selectors.push(Selector {
                    origin: origin.clone(),
                    namespace: namespace.clone(),
                    field: "spec.podSelector",
                    what: "pod",
                    target: Target::Pods(selector.clone()),
                });
            }
            let rules =
                spec.ingress
                    .iter()
                    .flatten()
                    .flat_map(|r| r.from.iter().flatten().map(|p| ("admits", p)))
                    .chain(
                        spec.egress.iter().flatten().flat_map(|r| {
                            r.to.iter().flatten().map(|p| ("lets its pods reach", p))
                        }),
                    );
            for (verb, peer) in rules {
                let Some(selector) = &peer.pod_selector else {
                    continue;
                };
                let namespace = match &peer.namespace_selector {
                    None => Some(namespace.clone()),
                    Some(ns) => ns
                        .match_labels
                        .as_ref()
                        .and_then(|l| l.get("kubernetes.io/metadata.name"))
                        .cloned(),
                };
                self.admits.push(Admits {
                    origin: origin.clone(),
                    namespace,
                    selector: selector.clone(),
                    verb,
                });
            }
        } else if let Some(service) = any.downcast_ref::<Service>() {
            self.node_ports.observe(service, origin);
            let selector = service.spec.as_ref().and_then(|s| s.selector.as_ref());
            if let Some(selector) = selector.filter(|s| !s.is_empty()) {
                let selector = network::of_labels(selector);
                self.selectors.push(Selector {
                    origin: origin.clone(),
                    namespace: namespace.clone(),
                    field: "spec.selector",
                    what: "pod",
                    target: Target::Pods(selector.clone()),
                });
                self.admits.push(Admits {
                    origin: origin.clone(),
                    namespace: Some(namespace.clone()),
                    selector,
                    verb: "sends its traffic to",
                });
            }
            self.services.push((
                origin.env,
                namespace,
                meta.labels.clone().unwrap_or_default(),
            ));
        } else if let Some(pdb) = any.downcast_ref::<PodDisruptionBudget>() {
            if let Some(selector) = pdb.spec.as_ref().and_then(|s| s.selector.clone()) {
                self.selectors.push(Selector {
                    origin: origin.clone(),
                    namespace,
                    field: "spec.selector",
                    what: "pod",
                    target: Target::Pods(selector),
                });
            }
        } else if let Some(target) = any
            .downcast_ref::<autoscaling::v2::HorizontalPodAutoscaler>()
            .and_then(|hpa| hpa.spec.as_ref())
            .map(|s| {
                (
                    s.scale_target_ref.kind.clone(),
                    s.scale_target_ref.name.clone(),
                )
            })
            .or_else(|| {
                any.downcast_ref::<autoscaling::v1::HorizontalPodAutoscaler>()
                    .and_then(|hpa| hpa.spec.as_ref())
                    .map(|s| {
                        (
                            s.scale_target_ref.kind.clone(),
                            s.scale_target_ref.name.clone(),
                        )
                    })
            })
        {
            let (kind, name) = target;
            self.selectors.push(Selector {
                origin: origin.clone(),
                namespace,
                field: "spec.scaleTargetRef",
                what: "workload",
                target: Target::Workload { kind, name },
            });
        } else if let Some(scaled) = any.downcast_ref::<ScaledObject>() {
            let target = &scaled.spec.scale_target_ref;
            self.selectors.push(Selector {
                origin: origin.clone(),
                namespace,
                field: "spec.scaleTargetRef",
                what: "workload",
                target: Target::Workload {
                    kind: target.kind.clone().unwrap_or_else(|| "Deployment".into()),
                    name: target.name.clone(),
                },
            });
        } else if let Some(monitor) = any.downcast_ref::<ServiceMonitor>() {
            let namespaces = monitored(monitor.spec.namespace_selector.as_ref(), &namespace);
            self.selectors.push(Selector {
                origin: origin.clone(),
                namespace,
                field: "spec.selector",
                what: "Service",
                target: Target::Services(monitor.spec.selector.clone(), namespaces),
            });
        } else if let Some(monitor) = any.downcast_ref::<PodMonitor>() {
            let namespaces = monitored(monitor.spec.namespace_selector.as_ref(), &namespace);
            self.selectors.push(Selector {
                origin: origin.clone(),
                namespace,
                field: "spec.selector",
                what: "pod",
                target: Target::PodsIn(monitor.spec.selector.clone(), namespaces),
            });
        } else if any.is::<Secret>() {
            self.refs
                .known(origin.env, &namespace, refs::RefKind::Secret, &name);
        } else if any.is::<ConfigMap>() {
            self.refs
                .known(origin.env, &namespace, refs::RefKind::ConfigMap, &name);
        } else if let Some(external) = any.downcast_ref::<ExternalSecret>() {
            // The Secret it creates: its target's name, or its own.
            let target = external
                .spec
                .target
                .as_ref()
                .and_then(|t| t.name.as_deref())
                .unwrap_or(&name);
            self.refs
                .known(origin.env, &namespace, refs::RefKind::Secret, target);
        } else if let Some(crd) = any.downcast_ref::<CustomResourceDefinition>() {
            structural::check(&origin.object, crd, out);
            for (api_version, kind) in api::declared_by(crd) {
                self.kinds.insert((origin.env, api_version, kind));
            }
        } else if let Some(ns) = any.downcast_ref::<Namespace>() {
            pod_security::check_namespace(object, ns.metadata.labels.as_ref(), out);
            self.namespaces.insert((origin.env, name));
        }
    }

    /// The workloads of every object seen and the network flows their final objects allow
    /// (what the wiring graph draws; see [`flows`]).
    pub fn topology(&self) -> flows::Topology<'_> {
        let workloads = self
            .pods
            .iter()
            .map(|p| {
                flows::Workload::new(
                    &self.envs[p.origin.env],
                    p.origin.env,
                    p.origin.construct,
                    &p.namespace,
                    &p.kind,
                    &p.name,
                    &p.labels,
                    &p.ports,
                )
            })
            .collect();
        self.flows.topology(&self.envs, workloads)
    }

    /// Runs the rules that need every object, and returns every finding (with the construct
    /// number given to [`Checker::observe`]), in the order the objects were seen.
    pub fn finish(&self) -> Vec<(usize, Finding)> {
        let mut findings = self.findings.clone();
        let mut push = |origin: &Origin, finding: Finding| {
            findings.push((origin.construct, finding));
        };
        for (origin, api_version, kind) in &self.unknown {
            if self
                .kinds
                .contains(&(origin.env, api_version.clone(), kind.clone()))
            {
                continue;
            }
            let versions = api::versions_of(kind);
            let hint = if versions.is_empty() {
                format!(
                    "declare the kind: emit its CustomResourceDefinition (group and served version `{api_version}`, kind `{kind}`) from the program, or, when an operator installs it another way, declare it installed: `env.kubernetes().installed::<{kind}>()`"
                )
            } else {
                format!(
                    "{kind} is served as {}: use that apiVersion",
                    versions.join(", ")
                )
            };
            push(
                origin,
                Finding::new(
                    &origin.object,
                    "apiVersion",
                    format!(
                        "the cluster serves no {kind} at `{api_version}`, and the program declares no such kind"
                    ),
                    hint,
                ),
            );
        }
        for (origin, namespace) in &self.in_namespaces {
            if !self.namespaces.contains(&(origin.env, namespace.clone())) {
                push(
                    origin,
                    names::undeclared_namespace(&origin.object, namespace),
                );
            }
        }
        // Pods and Services by environment and label: a selector is tried only against what
        // carries one of its `matchLabels` pairs, not against every pod of the program.
        let pods = LabelIndex::new(self.pods.iter().map(|p| (p.origin.env, &p.labels)));
        let services = LabelIndex::new(self.services.iter().map(|(env, _, l)| (*env, l)));
        let workloads: HashSet<(usize, &str, &str, &str)> = self
            .pods
            .iter()
            .map(|p| {
                (
                    p.origin.env,
                    p.namespace.as_str(),
                    p.kind.as_str(),
                    p.name.as_str(),
                )
            })
            .collect();
        for s in &self.selectors {
            let found = match &s.target {
                Target::Pods(selector) => pods.candidates(s.origin.env, selector).any(|i| {
                    let p = &self.pods[i];
                    p.namespace == s.namespace && network::matches(selector, Some(&p.labels))
                }),
                Target::PodsIn(selector, namespaces) => {
                    pods.candidates(s.origin.env, selector).any(|i| {
                        let p = &self.pods[i];
                        namespaces.as_ref().is_none_or(|n| n.contains(&p.namespace))
                            && network::matches(selector, Some(&p.labels))
                    })
                }
                Target::Services(selector, namespaces) => {
                    services.candidates(s.origin.env, selector).any(|i| {
                        let (_, ns, labels) = &self.services[i];
                        namespaces.as_ref().is_none_or(|n| n.contains(ns))
                            && network::matches(selector, Some(labels))
                    })
                }
                Target::Workload { kind, name } => workloads.contains(&(
                    s.origin.env,
                    s.namespace.as_str(),
                    kind.as_str(),
                    name.as_str(),
                )),
            };
            if !found {
                let field = s.field;
                push(
                    &s.origin,
                    Finding::new(
                        &s.origin.object,
                        field,
                        format!("`{field}` matches no {} of this program", s.what),
                        "select what the construct built: an edit, patch or aspect changed the selector or the labels it selects",
                    ),
                );
            }
        }
        for p in &self.pods {
            let Some(built) = &p.built else { continue };
            if *built == p.labels {
                continue;
            }
            for a in &self.admits {
                if a.origin.env != p.origin.env
                    || a.origin.construct == p.origin.construct
                    || !identity(&a.selector)
                    || a.namespace.as_ref().is_some_and(|ns| *ns != p.namespace)
                {
                    continue;
                }
                if network::matches(&a.selector, Some(&p.labels))
                    && !network::matches(&a.selector, Some(built))
                {
                    push(
                        &p.origin,
                        Finding::new(
                            &p.origin.object,
                            pod_labels_field(&p.kind),
                            format!(
                                "the pods are relabelled so that {} {} them, though the wiring did not connect them",
                                a.origin.object, a.verb
                            ),
                            "keep the pods' `app.kubernetes.io/*` labels; to talk to a service, `connect` to it",
                        ),
                    );
                }
            }
        }
        findings.extend(self.node_ports.check());
        findings.extend(self.add_ons.check(&self.envs));
        findings.extend(self.reach.check());
        findings.extend(self.refs.check(&self.envs, |env, ns, labels, server| {
            if server.ranges.is_empty() {
                self.reach
                    .reaches(env, ns, labels, &server.namespace, &server.selector)
            } else {
                self.reach.reaches_ranges(env, ns, labels, &server.ranges)
            }
        }));
        findings
    }
}

/// Objects (by their index in a list) by environment and label, for [`Checker::finish`]'s
/// selector checks and the flows' workloads ([`flows`]).
struct LabelIndex<'a> {
    /// Every object of each environment.
    by_env: HashMap<usize, Vec<usize>>,
    /// The objects carrying each (environment, key, value).
    by_label: HashMap<(usize, &'a str, &'a str), Vec<usize>>,
}

impl<'a> LabelIndex<'a> {
    fn new(objects: impl Iterator<Item = (usize, &'a BTreeMap<String, String>)>) -> Self {
        let mut index = LabelIndex {
            by_env: HashMap::new(),
            by_label: HashMap::new(),
        };
        for (i, (env, labels)) in objects.enumerate() {
            index.by_env.entry(env).or_default().push(i);
            for (k, v) in labels {
                index.by_label.entry((env, k, v)).or_default().push(i);
            }
        }
        index
    }

    /// The objects of `env` that `selector` may select: those with its first `matchLabels`
    /// pair, or every object of `env` for a selector without one.
    fn candidates<'s>(
        &'s self,
        env: usize,
        selector: &'s LabelSelector,
    ) -> impl Iterator<Item = usize> + 's {
        let list = match selector.match_labels.iter().flatten().next() {
            Some((k, v)) => self.by_label.get(&(env, k.as_str(), v.as_str())),
            None => self.by_env.get(&env),
        };
        list.into_iter().flatten().copied()
    }
}

/// The namespaces a ServiceMonitor or PodMonitor of `namespace` selects in (`None`: every one).
fn monitored(selector: Option<&NamespaceSelector>, namespace: &str) -> Option<Vec<String>> {
    match selector {
        Some(s) if s.any => None,
        Some(s) if !s.match_names.is_empty() => Some(s.match_names.clone()),
        _ => Some(vec![namespace.to_owned()]),
    }
}

/// Whether a selector selects by the labels that identify a construct's pods: the selectors
/// `connect` writes, meant for one construct. (A selector of other labels, e.g. from
/// `allow_from(Peer::pods_labelled(..))`, admits whoever carries them, by design.)
fn identity(selector: &LabelSelector) -> bool {
    selector
        .match_labels
        .iter()
        .flatten()
        .any(|(k, _)| IDENTITY.contains(&k.as_str()))
}

/// The field path of a workload's pod labels.
fn pod_labels_field(kind: &str) -> String {
    let path = crate::object::POD_TEMPLATE_KINDS
        .iter()
        .find(|(_, k, _)| *k == kind)
        .map(|(_, _, path)| path.join("."))
        .unwrap_or_default();
    if path.is_empty() {
        "metadata.labels".to_owned()
    } else {
        format!("{path}.metadata.labels")
    }
}

#[cfg(test)]
mod tests;
