//! The Compose form of one environment's final Kubernetes objects.
//!
//! | Kubernetes | Compose |
//! |---|---|
//! | a Deployment, StatefulSet or Job | a service of the same name (`restart: unless-stopped`; a Job `on-failure`) |
//! | `replicas`, an HPA's `minReplicas`, a KEDA ScaledObject's `minReplicaCount` | `deploy.replicas` (an autoscaler's range is noted: Compose does not scale) |
//! | `resources` | `deploy.resources` (limits and reservations) |
//! | `command`, `args` | `entrypoint`, `command` (`$(VAR)` expanded; `$` escaped as `$$`) |
//! | `env` literal, ConfigMap key the program writes | `environment` literal |
//! | Secret key, ConfigMap key declared existing | `environment: ${VAR:?…}`, read from the host's environment ([`Variable`]) |
//! | `runAsUser`/`runAsGroup`, `readOnlyRootFilesystem`, dropped and added capabilities, `allowPrivilegeEscalation: false` | `user`, `read_only`, `cap_drop`, `cap_add`, `security_opt: [no-new-privileges:true]` |
//! | `emptyDir` | a `tmpfs` mount of the same size |
//! | a StatefulSet's volume claim, a PersistentVolumeClaim | a named volume (`<service>-<claim>`, or the claim's name), mounted `nocopy`: it starts empty, as a claim does, never with the image's files |
//! | `fsGroup` (a non-root pod's volumes are writable by it) | the one-shot [`VOLUME_INIT`] service gives each named volume's root to the user (`chown`), before the services using it start |
//! | an exec readiness (else liveness) probe | `healthcheck` (a TCP or HTTP probe only for images known to carry a client: PostgreSQL's `pg_isready`, Redis's `redis-cli`); its `start_period` the larger initial delay of the two probes, since a client's `service_healthy` fails `docker compose up` once the server turns unhealthy, where Kubernetes would keep waiting |
//! | a Service selecting the workload | the service's own network, `internal` (no way out) |
//! | a NetworkPolicy admitting a client's pods | the client joins the server's network, and `depends_on` it (`service_healthy` when the server has a healthcheck) |
//! | egress to an address range | the `egress` network, the only one with a way out |
//! | a Job (Argo CD `PreSync` hook: before the rollout) | a service of the construct's name (not the object's, which hashes the template); the services that use one of its servers too (a migration's database) `depends_on` it with `service_completed_successfully` |
//! | Ingresses | a reverse proxy (see [`crate::proxy`]) |
//!
//! A service that joins no network gets `network_mode: none`: with NetworkPolicies denying all
//! by default, a workload nobody connects to and that connects to nothing has no network
//! either. What has no Compose form (an `envFrom`, a CronJob, a monitor, a scaler, a host port)
//! is an error naming the object, never dropped.

use std::collections::{BTreeMap, BTreeSet};

use compose_spec::service::deploy::resources::{Cpus, Limits, Reservations, Resources};
use compose_spec::service::healthcheck::{Command as Check, Test};
use compose_spec::service::network_config::NetworkMode;
use compose_spec::service::volumes::mount::{self, Common, Mount, Tmpfs, TmpfsOptions};
use compose_spec::service::volumes::{AbsolutePath, Volumes as Mounts};
use compose_spec::service::{
    ByteValue, Command, Condition, Dependency, Deploy, Healthcheck, NetworkConfig, Restart, User,
};
use compose_spec::{
    Compose, Identifier, ListOrMap, MapKey, Name, Network, Resource, Service, ShortOrLong, Value,
};
use indexmap::IndexMap;
use k8s_openapi::api::core::v1::{
    Container, EnvVar, PodSecurityContext, PodTemplateSpec, Probe, SecurityContext,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use crate::input::{Input, Object};
use crate::proxy::{self, Route};
use crate::settings::ProjectSettings;

/// The network every service that may reach addresses outside the project joins.
pub const EGRESS: &str = "egress";
/// The one-shot service that gives the named volumes of non-root services to their users
/// before those start (Kubernetes' `fsGroup`: a fresh volume belongs to root).
pub const VOLUME_INIT: &str = "volume-init";
/// The image of [`VOLUME_INIT`] (BusyBox's `chown`).
pub const VOLUME_INIT_IMAGE: &str = "busybox:1.36.1";

/// The Compose form of one environment.
#[derive(Debug, Clone)]
pub struct Output {
    /// The project.
    pub compose: Compose,
    /// Files beside `compose.yaml`, by name (the proxy's configuration).
    pub files: BTreeMap<String, String>,
    /// The variables the host's environment must set, sorted by name.
    pub variables: Vec<Variable>,
    /// What the Compose form could not carry over, for the program's author (warnings).
    pub notes: Vec<Finding>,
    /// The construct whose workload each service is, by service name (the proxy and
    /// `volume-init` are no construct's).
    pub constructs: BTreeMap<String, usize>,
}

/// A variable of the host's environment a service reads (`${VAR:?…}`): a Secret's key, never
/// written into the output, or a key of a ConfigMap the program declares existing.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Variable {
    /// Its name, `DB_SECRET_PASSWORD`.
    pub name: String,
    /// The object it stands for: `Secret db-secret` or `ConfigMap settings`.
    pub object: String,
    /// The key of that object.
    pub key: String,
    /// Whether it holds a secret.
    pub secret: bool,
}

/// Something the Compose form cannot express, about the object a construct emitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The emitting construct's index; `None` for a finding about the project as a whole
    /// (its name), which the caller reports at the environment.
    pub construct: Option<usize>,
    /// The object, `Deployment api`.
    pub object: String,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub hint: String,
}

impl Finding {
    fn new(input: &Input, message: impl Into<String>, hint: impl Into<String>) -> Finding {
        Finding {
            construct: Some(input.construct),
            object: input.object.describe(),
            message: message.into(),
            hint: hint.into(),
        }
    }
}

/// The Compose form of `inputs`, the final objects of one environment, as project `project`
/// with the settings the program declared; or everything that has no Compose form.
pub fn translate(
    project: &str,
    settings: &ProjectSettings,
    inputs: &[Input],
) -> Result<Output, Vec<Finding>> {
    let mut cx = Translation {
        settings,
        inputs,
        errors: Vec::new(),
        notes: Vec::new(),
        variables: BTreeMap::new(),
        constructs: BTreeMap::new(),
    };
    let name = match Name::new(project) {
        Ok(name) => Some(name),
        Err(error) => {
            cx.errors.push(Finding {
                construct: None,
                object: format!("project {project}"),
                message: format!("`{project}` is not a Compose project name: {error}"),
                hint: "name the app and the environment with lowercase letters, digits, `-` and `_`, starting with a letter or digit".into(),
            });
            None
        }
    };
    let (compose, proxy) = cx.project(name);
    let mut files = BTreeMap::new();
    if let Some((_, caddyfile)) = proxy {
        files.insert(proxy::CADDYFILE.to_owned(), caddyfile);
    }
    if !cx.errors.is_empty() {
        return Err(cx.errors);
    }
    Ok(Output {
        compose,
        files,
        variables: cx.variables.into_values().collect(),
        notes: cx.notes,
        constructs: cx.constructs,
    })
}

/// A workload of the environment: what becomes a service.
struct Workload<'a> {
    input: &'a Input,
    name: String,
    kind: WorkloadKind,
    template: &'a PodTemplateSpec,
    replicas: Option<i32>,
    /// A StatefulSet's volume claims: (claim name, requested size).
    claims: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WorkloadKind {
    Deployment,
    StatefulSet,
    Job,
}

impl Workload<'_> {
    fn labels(&self) -> BTreeMap<String, String> {
        self.template
            .metadata
            .as_ref()
            .and_then(|m| m.labels.clone())
            .unwrap_or_default()
    }

    fn selected_by(&self, selector: &BTreeMap<String, String>) -> bool {
        let labels = self.labels();
        !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
    }
}

struct Translation<'a> {
    settings: &'a ProjectSettings,
    inputs: &'a [Input],
    errors: Vec<Finding>,
    notes: Vec<Finding>,
    variables: BTreeMap<String, Variable>,
    constructs: BTreeMap<String, usize>,
}

impl<'a> Translation<'a> {
    fn workloads(&mut self) -> Vec<Workload<'a>> {
        let mut out = Vec::new();
        for input in self.inputs {
            let (meta, kind, template, replicas, claims) = match &input.object {
                Object::Deployment(d) => {
                    let Some(spec) = &d.spec else { continue };
                    (
                        &d.metadata,
                        WorkloadKind::Deployment,
                        &spec.template,
                        spec.replicas,
                        Vec::new(),
                    )
                }
                Object::StatefulSet(s) => {
                    let Some(spec) = &s.spec else { continue };
                    let claims = spec
                        .volume_claim_templates
                        .iter()
                        .flatten()
                        .filter_map(|c| c.metadata.name.clone())
                        .collect();
                    (
                        &s.metadata,
                        WorkloadKind::StatefulSet,
                        &spec.template,
                        spec.replicas,
                        claims,
                    )
                }
                Object::Job(j) => {
                    let Some(spec) = &j.spec else { continue };
                    (
                        &j.metadata,
                        WorkloadKind::Job,
                        &spec.template,
                        Some(1),
                        Vec::new(),
                    )
                }
                _ => continue,
            };
            // A Job's object name ends with a hash of its release (Kubernetes cannot change a
            // Job, so each release is a new one); its service keeps the construct's name.
            let mut name = meta.name.clone().unwrap_or_default();
            if kind == WorkloadKind::Job
                && let Some((base, hash)) = name.rsplit_once('-')
                && hash.len() == 8
                && hash.bytes().all(|b| b.is_ascii_hexdigit())
            {
                name = base.to_owned();
            }
            out.push(Workload {
                input,
                name,
                kind,
                template,
                replicas,
                claims,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// The project, and the proxy's routes and configuration when an Ingress asks for one.
    fn project(&mut self, name: Option<Name>) -> (Compose, Option<(Vec<Route>, String)>) {
        let workloads = self.workloads();
        self.constructs = workloads
            .iter()
            .map(|w| (w.name.clone(), w.input.construct))
            .collect();
        let mut compose = Compose {
            name,
            ..Compose::default()
        };
        // Which workload each Service selects (by Service name), and its ports by name.
        let mut servers: BTreeMap<String, usize> = BTreeMap::new();
        let mut service_ports: BTreeMap<String, BTreeMap<String, i32>> = BTreeMap::new();
        let mut config_maps: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut claims: BTreeSet<String> = BTreeSet::new();
        let mut hpa_min: BTreeMap<String, (i32, i32)> = BTreeMap::new();
        let mut ingresses = Vec::new();
        let mut certificates: BTreeMap<String, String> = BTreeMap::new();
        for input in self.inputs {
            match &input.object {
                Object::Service(service) => {
                    let name = service.metadata.name.clone().unwrap_or_default();
                    let Some(spec) = &service.spec else { continue };
                    if let Some(kind) = spec.type_.as_deref()
                        && kind != "ClusterIP"
                    {
                        self.errors.push(Finding::new(
                            input,
                            format!("a `{kind}` Service has no Compose form: Compose publishes no port but the proxy's"),
                            "reach the service from outside through an `Ingress`, whose proxy publishes ports 80 and 443",
                        ));
                        continue;
                    }
                    let selector = spec.selector.clone().unwrap_or_default();
                    match workloads.iter().position(|w| w.selected_by(&selector)) {
                        Some(w) => {
                            servers.insert(name.clone(), w);
                        }
                        None => self.errors.push(Finding::new(
                            input,
                            "the Service selects no workload of the project",
                            "a Compose service is its workload: select the pods of a workload created in this scope",
                        )),
                    }
                    let ports = spec
                        .ports
                        .iter()
                        .flatten()
                        .filter_map(|p| {
                            let target = match &p.target_port {
                                Some(
                                    k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(
                                        n,
                                    ),
                                ) => *n,
                                _ => p.port,
                            };
                            Some((p.name.clone()?, target))
                        })
                        .collect();
                    service_ports.insert(name, ports);
                }
                Object::ConfigMap(map) => {
                    config_maps.insert(
                        map.metadata.name.clone().unwrap_or_default(),
                        map.data.clone().unwrap_or_default(),
                    );
                }
                Object::PersistentVolumeClaim(claim) => {
                    claims.insert(claim.metadata.name.clone().unwrap_or_default());
                }
                Object::HorizontalPodAutoscaler(hpa) => {
                    if let Some(spec) = &hpa.spec {
                        hpa_min.insert(
                            spec.scale_target_ref.name.clone(),
                            (spec.min_replicas.unwrap_or(1), spec.max_replicas),
                        );
                    }
                }
                Object::ScaledObject {
                    target, min, max, ..
                } => {
                    hpa_min.insert(target.clone(), (*min, *max));
                }
                Object::Ingress(ingress) => ingresses.push((input, ingress.as_ref())),
                Object::Certificate {
                    secret_name,
                    issuer,
                    ..
                } => {
                    certificates.insert(secret_name.clone(), issuer.clone());
                }
                Object::NetworkPolicy(_)
                | Object::Deployment(_)
                | Object::StatefulSet(_)
                | Object::Job(_) => {}
                Object::Other {
                    api_version, kind, ..
                } => {
                    if !ignorable(api_version, kind) {
                        self.errors.push(Finding::new(
                            input,
                            format!("`{api_version} {kind}` has no Compose form"),
                            no_form_hint(kind),
                        ));
                    }
                }
            }
        }

        // Who may reach whom: a server's NetworkPolicy admitting a client's pods.
        let mut reaches: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
        let mut egress: BTreeSet<usize> = BTreeSet::new();
        for input in self.inputs {
            let Object::NetworkPolicy(policy) = &input.object else {
                continue;
            };
            let Some(spec) = &policy.spec else { continue };
            let selector = spec
                .pod_selector
                .as_ref()
                .and_then(|s| s.match_labels.clone())
                .unwrap_or_default();
            let namespace = policy.metadata.namespace.clone().unwrap_or_default();
            let Some(server) = workloads.iter().position(|w| w.selected_by(&selector)) else {
                // The namespace's default-deny (an empty selector) and policies of nothing.
                continue;
            };
            for rule in spec.ingress.iter().flatten() {
                for peer in rule.from.iter().flatten() {
                    if peer.ip_block.is_some() {
                        self.errors.push(Finding::new(
                            input,
                            "admitting an address range has no Compose form: a Compose project publishes no port but the proxy's",
                            "reach the workload from outside through an `Ingress`",
                        ));
                        continue;
                    }
                    let own = peer.namespace_selector.as_ref().is_none_or(|ns| {
                        ns.match_labels
                            .as_ref()
                            .and_then(|l| l.get("kubernetes.io/metadata.name"))
                            == Some(&namespace)
                    });
                    let Some(labels) = peer
                        .pod_selector
                        .as_ref()
                        .and_then(|s| s.match_labels.clone())
                    else {
                        continue;
                    };
                    if !own {
                        // Controllers of the cluster (ingress-nginx, Prometheus, KEDA): the proxy
                        // joins the networks of the services an Ingress routes to.
                        continue;
                    }
                    for (client, w) in workloads.iter().enumerate() {
                        if client != server && w.selected_by(&labels) {
                            reaches.entry(client).or_default().insert(server);
                        }
                    }
                }
            }
            for rule in spec.egress.iter().flatten() {
                if rule.to.iter().flatten().any(|peer| peer.ip_block.is_some()) {
                    egress.insert(server);
                }
            }
        }

        let routes = proxy::routes(
            &ingresses,
            &certificates,
            self.settings,
            &service_ports,
            &mut self.errors,
        );
        let proxied: BTreeSet<usize> = routes
            .iter()
            .filter_map(|r| servers.get(&r.service).copied())
            .collect();

        let server_of: BTreeSet<usize> = servers.values().copied().collect();
        let mut healthy = BTreeSet::new();
        // The named volumes of non-root services, by the owner they need (`uid:gid`), and
        // the services that wait for them to be given to it.
        let mut owned: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut owners_wait: BTreeSet<usize> = BTreeSet::new();
        let mut services: Vec<(String, Service)> = Vec::new();
        for (i, w) in workloads.iter().enumerate() {
            let mut service = self.service(w, &config_maps, hpa_min.get(&w.name));
            if service.healthcheck.is_some() {
                healthy.insert(i);
            }
            let volumes = named_volumes(&service.volumes);
            if let Some(owner) = volume_owner(w.template)
                && !volumes.is_empty()
            {
                owned.entry(owner).or_default().extend(volumes);
                owners_wait.insert(i);
            }
            // Networks: its own if it serves, the servers it reaches, the way out if allowed.
            let mut networks = BTreeSet::new();
            if server_of.contains(&i) {
                networks.insert(w.name.clone());
            }
            for server in reaches.get(&i).into_iter().flatten() {
                networks.insert(workloads[*server].name.clone());
            }
            if egress.contains(&i) {
                networks.insert(EGRESS.to_owned());
            }
            if networks.is_empty() {
                service.network_config = Some(NetworkConfig::NetworkMode(NetworkMode::None));
            } else {
                service.network_config = Some(NetworkConfig::Networks(ShortOrLong::Short(
                    networks.iter().filter_map(|n| identifier(n)).collect(),
                )));
            }
            for claim in &w.claims {
                if let Some(id) = identifier(&format!("{}-{claim}", w.name)) {
                    compose.volumes.insert(id, None);
                }
            }
            services.push((w.name.clone(), service));
        }
        for claim in &claims {
            if let Some(id) = identifier(claim) {
                compose.volumes.insert(id, None);
            }
        }

        // Start order: clients after their servers, and after the Jobs that use one of their
        // servers too (migrations), unless such a Job waits for the client itself.
        let jobs: Vec<usize> = (0..workloads.len())
            .filter(|&i| workloads[i].kind == WorkloadKind::Job)
            .collect();
        let waits = |i: usize| reaches.get(&i).cloned().unwrap_or_default();
        for (i, (_, service)) in services.iter_mut().enumerate() {
            let mut depends = IndexMap::new();
            for server in waits(i) {
                let condition = if healthy.contains(&server) {
                    Condition::ServiceHealthy
                } else {
                    Condition::ServiceStarted
                };
                if let Some(id) = identifier(&workloads[server].name) {
                    depends.insert(id, dependency(condition));
                }
            }
            let servers = waits(i);
            if owners_wait.contains(&i)
                && let Some(id) = identifier(VOLUME_INIT)
            {
                depends.insert(id, dependency(Condition::ServiceCompletedSuccessfully));
            }
            for &job in &jobs {
                // A migration: a Job of a server this service uses too.
                let migrates = waits(job).iter().any(|server| servers.contains(server));
                if job != i
                    && migrates
                    && !depends_on(&reaches, job, i)
                    && let Some(id) = identifier(&workloads[job].name)
                {
                    depends.insert(id, dependency(Condition::ServiceCompletedSuccessfully));
                }
            }
            depends.sort_keys();
            if !depends.is_empty() {
                service.depends_on = ShortOrLong::Long(depends);
            }
        }

        let mut networks: BTreeSet<String> = server_of
            .iter()
            .map(|&i| workloads[i].name.clone())
            .collect();
        let proxy = if routes.is_empty() {
            None
        } else {
            let joined: BTreeSet<String> =
                proxied.iter().map(|&i| workloads[i].name.clone()).collect();
            if let Some(id) = identifier(proxy::VOLUME) {
                compose.volumes.insert(id, None);
            }
            if let Some(id) = identifier(proxy::CONFIG) {
                compose.configs.insert(
                    id,
                    Resource::Compose(compose_spec::Config {
                        source: compose_spec::config::Source::File(proxy::CADDYFILE.into()),
                        labels: ListOrMap::default(),
                        extensions: IndexMap::default(),
                    }),
                );
            }
            let (name, mut service) = proxy::service(&joined);
            // The proxy runs as a non-root user too: its volume is given to it first.
            owned
                .entry(proxy::USER.to_owned())
                .or_default()
                .insert(proxy::VOLUME.to_owned());
            if let Some(id) = identifier(VOLUME_INIT) {
                service.depends_on = ShortOrLong::Long(IndexMap::from([(
                    id,
                    dependency(Condition::ServiceCompletedSuccessfully),
                )]));
            }
            services.push((name, service));
            let caddyfile = proxy::caddyfile(&routes);
            Some((routes, caddyfile))
        };
        if !owned.is_empty() {
            services.push((VOLUME_INIT.to_owned(), volume_init(&owned)));
        }
        let uses_egress = services.iter().any(|(_, s)| match &s.network_config {
            Some(NetworkConfig::Networks(ShortOrLong::Short(set))) => {
                set.iter().any(|n| n.as_str() == EGRESS)
            }
            _ => false,
        });
        for network in &networks {
            if let Some(id) = identifier(network) {
                compose.networks.insert(
                    id,
                    Some(Resource::Compose(Network {
                        internal: true,
                        ..Network::default()
                    })),
                );
            }
        }
        if uses_egress || proxy.is_some() {
            networks.insert(EGRESS.to_owned());
            if let Some(id) = identifier(EGRESS) {
                compose.networks.insert(id, None);
            }
        }
        self.host_ports(&services, &workloads);
        compose.networks.sort_keys();
        compose.volumes.sort_keys();
        services.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, service) in services {
            match identifier(&name) {
                Some(id) if compose.services.contains_key(&id) => self.errors.push(Finding {
                    construct: workloads
                        .iter()
                        .find(|w| w.name == name)
                        .map(|w| w.input.construct),
                    object: format!("service {name}"),
                    message: format!("two workloads would be Compose service `{name}`"),
                    hint: if name == proxy::SERVICE || name == VOLUME_INIT {
                        format!("`{name}` is also the name of a service Girder adds (the reverse proxy, or the one that gives the volumes to their users): rename the workload")
                    } else {
                        "a Compose project has one namespace of names: rename one of the workloads".into()
                    },
                }),
                Some(id) => {
                    compose.services.insert(id, service);
                }
                None => self.errors.push(Finding {
                    construct: self.constructs.get(&name).copied(),
                    object: name.clone(),
                    message: format!("`{name}` is not a Compose service name"),
                    hint: "name constructs with lowercase letters, digits and `-`".into(),
                }),
            }
        }
        (compose, proxy)
    }

    /// Reports host ports published by two services (the proxy's 80 and 443 included): the
    /// second could not start.
    fn host_ports(&mut self, services: &[(String, Service)], workloads: &[Workload<'_>]) {
        let mut published: BTreeMap<(u16, String), &str> = BTreeMap::new();
        for (name, service) in services {
            for port in &service.ports {
                let ShortOrLong::Long(port) = port else {
                    continue;
                };
                let Some(host) = port.published.as_ref().map(|r| r.start()) else {
                    continue;
                };
                let protocol = port
                    .protocol
                    .as_ref()
                    .map_or_else(|| "tcp".to_owned(), |p| p.to_string());
                if let Some(first) = published.insert((host, protocol.clone()), name) {
                    let construct = workloads
                        .iter()
                        .find(|w| w.name == *name || w.name == first)
                        .map(|w| w.input.construct);
                    self.errors.push(Finding {
                        construct,
                        object: format!("service {name}"),
                        message: format!("services `{first}` and `{name}` both publish host port {host}/{protocol}"),
                        hint: "a host port is published once: route web traffic through the Ingress proxy (80 and 443), or give the services different host ports".into(),
                    });
                }
            }
        }
    }

    /// The service of workload `w`, without networks and start order.
    fn service(
        &mut self,
        w: &Workload<'_>,
        config_maps: &BTreeMap<String, BTreeMap<String, String>>,
        autoscaled: Option<&(i32, i32)>,
    ) -> Service {
        let input = w.input;
        let mut service = Service::default();
        let Some(pod) = &w.template.spec else {
            return service;
        };
        if pod.init_containers.as_ref().is_some_and(|c| !c.is_empty()) {
            self.errors.push(Finding::new(
                input,
                "init containers have no Compose form",
                "run the step as a `Job` the workload waits for",
            ));
        }
        let container = match pod.containers.as_slice() {
            [one] => one,
            [] => return service,
            [first, ..] => {
                self.errors.push(Finding::new(
                    input,
                    format!(
                        "{} containers in one pod have no Compose form: a Compose service runs one",
                        pod.containers.len()
                    ),
                    "split the sidecar into a workload of its own",
                ));
                first
            }
        };
        service.image = container
            .image
            .as_deref()
            .and_then(|i| compose_spec::service::Image::parse(i).ok());
        let env = self.environment(input, container, config_maps);
        let expand = |args: &Vec<String>| -> Vec<String> {
            args.iter().map(|a| expand_references(a, &env)).collect()
        };
        if let Some(command) = &container.command {
            service.entrypoint = Some(Command::List(expand(command)));
        }
        if let Some(args) = &container.args {
            service.command = Some(Command::List(expand(args)));
        }
        let mut map = IndexMap::new();
        for (name, value) in &env {
            if let Ok(key) = MapKey::new(name.as_str()) {
                map.insert(key, Some(Value::String(value.clone())));
            }
        }
        service.environment = ListOrMap::Map(map);
        // A host port (an escape hatch; checkov's CKV_K8S_26 accepted) is published.
        for port in container.ports.iter().flatten() {
            let (Some(host), Ok(target)) = (port.host_port, u16::try_from(port.container_port))
            else {
                continue;
            };
            let Ok(host) = u16::try_from(host) else {
                continue;
            };
            service
                .ports
                .insert(ShortOrLong::Long(compose_spec::service::ports::Port {
                    published: compose_spec::service::ports::Range::new(host, None).ok(),
                    protocol: port.protocol.as_deref().map(|p| {
                        compose_spec::service::ports::Protocol::parse(p.to_ascii_lowercase())
                    }),
                    ..compose_spec::service::ports::Port::new(target)
                }));
        }
        if let Some(dir) = &container.working_dir {
            service.working_dir = AbsolutePath::new(dir).ok();
        }
        self.security(
            &mut service,
            pod.security_context.as_ref(),
            container.security_context.as_ref(),
        );
        self.mounts(&mut service, w, pod, container);
        service.healthcheck = self.healthcheck(w, container, &mut service.extensions);
        service.restart = Some(match w.kind {
            WorkloadKind::Job => Restart::OnFailure,
            WorkloadKind::Deployment | WorkloadKind::StatefulSet => Restart::UnlessStopped,
        });
        if let Some(grace) = pod.termination_grace_period_seconds {
            service.stop_grace_period = u64::try_from(grace)
                .ok()
                .map(std::time::Duration::from_secs);
        }
        let replicas = match autoscaled {
            Some(&(min, max)) => {
                note(
                    &mut service.extensions,
                    "replicas",
                    format!("{min}, the minimum of {min} to {max}: Compose does not autoscale"),
                );
                self.notes.push(Finding::new(
                    input,
                    format!("Compose does not autoscale: the service runs its minimum, {min} of {min} to {max} replicas"),
                    "scale by hand with `docker compose up --scale`, or give the Compose environment a replica count",
                ));
                Some(min)
            }
            None => w.replicas,
        };
        let resources = container.resources.as_ref();
        let quantity =
            |m: Option<&BTreeMap<String, Quantity>>, key: &str| m.and_then(|m| m.get(key)).cloned();
        let limits = Limits {
            cpus: quantity(resources.and_then(|r| r.limits.as_ref()), "cpu").and_then(|q| cpus(&q)),
            memory: quantity(resources.and_then(|r| r.limits.as_ref()), "memory")
                .and_then(|q| bytes(&q)),
            ..Limits::default()
        };
        let reservations = Reservations {
            cpus: quantity(resources.and_then(|r| r.requests.as_ref()), "cpu")
                .and_then(|q| cpus(&q)),
            memory: quantity(resources.and_then(|r| r.requests.as_ref()), "memory")
                .and_then(|q| bytes(&q)),
            ..Reservations::default()
        };
        let resources = Resources {
            limits: (!limits.is_empty()).then_some(limits),
            reservations: (!reservations.is_empty()).then_some(reservations),
            ..Resources::default()
        };
        service.deploy = Some(Deploy {
            replicas: replicas.and_then(|r| u64::try_from(r).ok()),
            resources: (!resources.is_empty()).then_some(resources),
            ..Deploy::default()
        });
        service
    }

    /// The container's environment, each value as Compose reads it (literals escaped, secrets
    /// as `${VAR:?…}`), in the container's order.
    fn environment(
        &mut self,
        input: &Input,
        container: &Container,
        config_maps: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> Vec<(String, String)> {
        if container.env_from.as_ref().is_some_and(|e| !e.is_empty()) {
            self.errors.push(Finding::new(
                input,
                "`envFrom` has no Compose form: the keys of the object are not known before it exists",
                "set each variable from its key (`.env(\"NAME\", secret.key())`)",
            ));
        }
        let mut out = Vec::new();
        for EnvVar {
            name,
            value,
            value_from,
        } in container.env.iter().flatten()
        {
            let text = match (value, value_from) {
                (Some(value), _) => escape(value),
                (None, Some(from)) => {
                    if let Some(key) = &from.secret_key_ref {
                        self.variable(input, "Secret", &key.name, &key.key, true)
                    } else if let Some(key) = &from.config_map_key_ref {
                        match config_maps
                            .get(&key.name)
                            .and_then(|data| data.get(&key.key))
                        {
                            Some(value) => escape(value),
                            None => self.variable(input, "ConfigMap", &key.name, &key.key, false),
                        }
                    } else if let Some(field) = &from.field_ref {
                        self.errors.push(Finding::new(
                            input,
                            format!("environment variable `{name}` reads the pod's field `{}`, which has no Compose form", field.field_path),
                            "set a literal value for the Compose environment",
                        ));
                        continue;
                    } else {
                        self.errors.push(Finding::new(
                            input,
                            format!("environment variable `{name}` reads the container's resources, which have no Compose form"),
                            "set a literal value for the Compose environment",
                        ));
                        continue;
                    }
                }
                (None, None) => String::new(),
            };
            out.push((name.clone(), text));
        }
        out
    }

    /// `${VAR:?…}` for key `key` of `kind` `object`, recording the variable.
    fn variable(
        &mut self,
        input: &Input,
        kind: &str,
        object: &str,
        key: &str,
        secret: bool,
    ) -> String {
        let Some(name) = variable_name(object, key) else {
            self.errors.push(Finding::new(
                input,
                format!("key `{key}` of {kind} `{object}` gives no environment variable name"),
                "name the object and its keys with letters and digits",
            ));
            return String::new();
        };
        let variable = Variable {
            name: name.clone(),
            object: format!("{kind} {object}"),
            key: key.to_owned(),
            secret,
        };
        match self.variables.get(&name) {
            Some(other) if *other != variable => self.errors.push(Finding::new(
                input,
                format!(
                    "key `{key}` of {kind} `{object}` and key `{}` of {} both become variable `{name}`",
                    other.key, other.object
                ),
                "rename one of the two objects or keys",
            )),
            Some(_) => {}
            None => {
                self.variables.insert(name.clone(), variable);
            }
        }
        format!("${{{name}:?set {name}: key {key} of {kind} {object}}}")
    }

    fn security(
        &mut self,
        service: &mut Service,
        pod: Option<&PodSecurityContext>,
        container: Option<&SecurityContext>,
    ) {
        let user = container
            .and_then(|c| c.run_as_user)
            .or(pod.and_then(|p| p.run_as_user));
        let group = container
            .and_then(|c| c.run_as_group)
            .or(pod.and_then(|p| p.run_as_group));
        if let Some(user) = user {
            let text = match group {
                Some(group) => format!("{user}:{group}"),
                None => user.to_string(),
            };
            service.user = User::parse(text).ok();
        }
        if let Some(c) = container {
            service.read_only = c.read_only_root_filesystem == Some(true);
            if let Some(caps) = &c.capabilities {
                service.cap_drop = caps.drop.iter().flatten().cloned().collect();
                service.cap_add = caps.add.iter().flatten().cloned().collect();
            }
            if c.allow_privilege_escalation == Some(false) {
                service
                    .security_opt
                    .insert("no-new-privileges:true".to_owned());
            }
            service.privileged = c.privileged == Some(true);
        }
    }

    fn mounts(
        &mut self,
        service: &mut Service,
        w: &Workload<'_>,
        pod: &k8s_openapi::api::core::v1::PodSpec,
        container: &Container,
    ) {
        let input = w.input;
        let volumes: BTreeMap<&str, &k8s_openapi::api::core::v1::Volume> = pod
            .volumes
            .iter()
            .flatten()
            .map(|v| (v.name.as_str(), v))
            .collect();
        let mut mounts = Mounts::default();
        for mount in container.volume_mounts.iter().flatten() {
            let Ok(target) = AbsolutePath::new(&mount.mount_path) else {
                continue;
            };
            let read_only = mount.read_only == Some(true);
            let common = Common {
                read_only,
                ..Common::new(target)
            };
            if w.claims.contains(&mount.name) {
                let volume = format!("{}-{}", w.name, mount.name);
                mounts.insert(ShortOrLong::Long(Mount::Volume(mount::Volume {
                    source: identifier(&volume),
                    volume: Some(nocopy()),
                    common,
                })));
                continue;
            }
            let Some(volume) = volumes.get(mount.name.as_str()) else {
                continue;
            };
            if let Some(dir) = &volume.empty_dir {
                mounts.insert(ShortOrLong::Long(Mount::Tmpfs(Tmpfs {
                    tmpfs: Some(TmpfsOptions {
                        size: dir.size_limit.as_ref().and_then(bytes),
                        ..TmpfsOptions::default()
                    }),
                    common,
                })));
            } else if let Some(claim) = &volume.persistent_volume_claim {
                mounts.insert(ShortOrLong::Long(Mount::Volume(mount::Volume {
                    source: identifier(&claim.claim_name),
                    volume: Some(nocopy()),
                    common,
                })));
            } else {
                self.errors.push(Finding::new(
                    input,
                    format!("volume `{}` mounted at `{}` has no Compose form", volume.name, mount.mount_path),
                    "read the Secret's or ConfigMap's keys as environment variables, or use a scratch directory",
                ));
            }
        }
        service.volumes = mounts;
    }

    fn healthcheck(
        &mut self,
        w: &Workload<'_>,
        container: &Container,
        extensions: &mut compose_spec::Extensions,
    ) -> Option<Healthcheck> {
        let probe = container
            .readiness_probe
            .as_ref()
            .or(container.liveness_probe.as_ref())?;
        // Compose fails a client's `service_healthy` once the server turns unhealthy; Kubernetes
        // keeps waiting, and restarts only after the liveness probe's initial delay: the
        // larger delay is the grace of a first start (PostgreSQL's initdb, for one).
        let grace = [&container.readiness_probe, &container.liveness_probe]
            .into_iter()
            .flatten()
            .filter_map(|p| p.initial_delay_seconds)
            .max();
        let timing = |test: Test, probe: &Probe| {
            Healthcheck::Command(Check {
                test: Some(test),
                interval: Some(secs(probe.period_seconds.unwrap_or(10))),
                timeout: Some(secs(probe.timeout_seconds.unwrap_or(1))),
                retries: probe.failure_threshold.and_then(|n| u64::try_from(n).ok()),
                start_period: grace.filter(|&s| s > 0).map(secs),
                ..Check::default()
            })
        };
        if let Some(exec) = &probe.exec {
            let command: Vec<String> = exec.command.iter().flatten().map(|a| escape(a)).collect();
            return Some(timing(Test::Command(command), probe));
        }
        let image = container.image.as_deref().unwrap_or_default();
        if let Some(test) = known_image_check(image, container) {
            return Some(timing(test, probe));
        }
        let what = if probe.http_get.is_some() {
            "an HTTP probe"
        } else if probe.tcp_socket.is_some() {
            "a TCP probe"
        } else {
            "a gRPC probe"
        };
        note(
            extensions,
            "healthcheck",
            format!("none: {what} needs a client the image `{image}` may lack"),
        );
        self.notes.push(Finding::new(
            w.input,
            format!("{what} has no Compose healthcheck without a client in the image `{image}`: the service has none, and its clients wait only for it to start"),
            "give the workload an exec probe (`Probe::exec([...])`) with a command its image has, to get a healthcheck",
        ));
        None
    }
}

/// Records in the output what the Compose form could not carry over: `x-girder-<what>` on the
/// service (Compose ignores `x-` keys).
fn note(extensions: &mut compose_spec::Extensions, what: &str, text: String) {
    if let Ok(key) = compose_spec::ExtensionKey::new(format!("x-girder-{what}")) {
        extensions.insert(key, compose_spec::YamlValue::String(text));
    }
}

/// Whether `from` waits, directly or through its servers, for `on`.
fn depends_on(reaches: &BTreeMap<usize, BTreeSet<usize>>, from: usize, on: usize) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from];
    while let Some(next) = stack.pop() {
        if next == on {
            return true;
        }
        if seen.insert(next) {
            stack.extend(reaches.get(&next).into_iter().flatten().copied());
        }
    }
    false
}

/// `nocopy`: a named volume starts empty, as a Kubernetes claim does, and keeps the owner
/// [`VOLUME_INIT`] gives it (Docker would otherwise copy the image's directory, and its owner,
/// into a volume it mounts while the volume is empty).
fn nocopy() -> mount::VolumeOptions {
    mount::VolumeOptions {
        nocopy: true,
        ..mount::VolumeOptions::default()
    }
}

/// The named volumes a service mounts.
fn named_volumes(mounts: &Mounts) -> BTreeSet<String> {
    mounts
        .iter()
        .filter_map(|m| match m {
            ShortOrLong::Long(Mount::Volume(v)) => v.source.as_ref().map(|s| s.to_string()),
            _ => None,
        })
        .collect()
}

/// The owner (`uid:gid`) a pod's volumes need: its user, and its `fsGroup` (else its group);
/// none for a pod that runs as root or as its image's user.
fn volume_owner(template: &PodTemplateSpec) -> Option<String> {
    let pod = template.spec.as_ref()?;
    let context = pod.security_context.as_ref();
    let container = pod
        .containers
        .first()
        .and_then(|c| c.security_context.as_ref());
    let user = container
        .and_then(|c| c.run_as_user)
        .or(context.and_then(|p| p.run_as_user))
        .filter(|&uid| uid != 0)?;
    let group = context
        .and_then(|p| p.fs_group)
        .or(container.and_then(|c| c.run_as_group))
        .or(context.and_then(|p| p.run_as_group))
        .unwrap_or(user);
    Some(format!("{user}:{group}"))
}

/// The one-shot service that gives each volume of `owned` (by owner) to its owner: only the
/// volume's root (what a fresh volume gets wrong), so that it needs no capability but `CHOWN`
/// and succeeds on every start, whatever the service then wrote inside with its own modes.
fn volume_init(owned: &BTreeMap<String, BTreeSet<String>>) -> Service {
    let mut mounts = Mounts::default();
    let mut steps = Vec::new();
    for (owner, volumes) in owned {
        let mut step = vec!["chown".to_owned(), owner.clone()];
        for volume in volumes {
            let path = format!("/volumes/{volume}");
            if let Ok(target) = AbsolutePath::new(&path) {
                mounts.insert(ShortOrLong::Long(Mount::Volume(mount::Volume {
                    source: identifier(volume),
                    volume: Some(nocopy()),
                    common: Common::new(target),
                })));
            }
            step.push(path);
        }
        steps.push(step);
    }
    let entrypoint = match steps.as_slice() {
        [one] => one.clone(),
        _ => vec![
            "/bin/sh".to_owned(),
            "-c".to_owned(),
            steps
                .iter()
                .map(|s| s.join(" "))
                .collect::<Vec<_>>()
                .join(" && "),
        ],
    };
    Service {
        image: compose_spec::service::Image::parse(VOLUME_INIT_IMAGE).ok(),
        user: User::parse("0:0").ok(),
        entrypoint: Some(Command::List(entrypoint)),
        read_only: true,
        cap_drop: ["ALL".to_owned()].into_iter().collect(),
        cap_add: ["CHOWN".to_owned()].into_iter().collect(),
        security_opt: ["no-new-privileges:true".to_owned()].into_iter().collect(),
        network_config: Some(NetworkConfig::NetworkMode(NetworkMode::None)),
        restart: Some(Restart::No),
        volumes: mounts,
        ..Service::default()
    }
}

fn dependency(condition: Condition) -> Dependency {
    Dependency {
        condition,
        restart: false,
        required: true,
    }
}

/// A healthcheck for images known to carry a client of their own server.
fn known_image_check(image: &str, container: &Container) -> Option<Test> {
    let repository = image.split(['@', ':']).next().unwrap_or(image);
    let repository = repository.rsplit('/').next().unwrap_or(repository);
    let port = container
        .ports
        .iter()
        .flatten()
        .next()
        .map(|p| p.container_port);
    match repository {
        "postgres" | "timescaledb" | "timescaledb-ha" | "postgis" => {
            let port = port.unwrap_or(5432);
            Some(Test::Command(vec![
                "pg_isready".into(),
                "--host=127.0.0.1".into(),
                format!("--port={port}"),
            ]))
        }
        "redis" | "valkey" => {
            let port = port.unwrap_or(6379);
            let password = container
                .env
                .iter()
                .flatten()
                .any(|e| e.name == "REDIS_PASSWORD");
            let auth = if password {
                " -a \"$$REDIS_PASSWORD\" --no-auth-warning"
            } else {
                ""
            };
            Some(Test::ShellCommand(format!(
                "redis-cli -h 127.0.0.1 -p {port}{auth} ping | grep -q PONG"
            )))
        }
        _ => None,
    }
}

/// Kubernetes objects that mean nothing on one host: skipped without a word.
fn ignorable(api_version: &str, kind: &str) -> bool {
    matches!(
        (api_version, kind),
        ("v1", "Namespace")
            | ("v1", "ServiceAccount")
            | ("policy/v1", "PodDisruptionBudget")
            | ("policy/v1beta1", "PodDisruptionBudget")
    )
}

fn no_form_hint(kind: &str) -> String {
    match kind {
        "CronJob" => "Compose runs nothing on a schedule: create the CronJob (e.g. database backups) only in the Kubernetes environment".into(),
        "Secret" => "a Secret's values would be written into the output: declare it existing (`::existing`), and set its keys in the host's environment".into(),
        "ClusterIssuer" | "Issuer" => "a Compose proxy gets its certificates itself: give the Ingress a `ComposeIssuer`".into(),
        _ => format!("create the {kind} only in a Kubernetes environment"),
    }
}

/// `value` with `$` escaped as `$$`, so that Compose passes it through uninterpolated.
pub(crate) fn escape(value: &str) -> String {
    value.replace('$', "$$")
}

/// A container argument with Kubernetes' `$(VAR)` references to the container's own variables
/// replaced by their Compose values; the rest escaped. `$$(VAR)` stays literal, as in Kubernetes.
fn expand_references(arg: &str, env: &[(String, String)]) -> String {
    let mut out = String::new();
    let mut rest = arg;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at].replace('$', "$$"));
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("$$(") {
            out.push_str("$$(");
            rest = after;
            continue;
        }
        if let Some(after) = tail.strip_prefix("$(")
            && let Some(end) = after.find(')')
            && let Some((_, value)) = env.iter().rev().find(|(n, _)| *n == after[..end])
        {
            out.push_str(value);
            rest = &after[end + 1..];
            continue;
        }
        out.push_str("$$");
        rest = &tail[1..];
    }
    out.push_str(rest);
    out
}

/// The variable name of key `key` of object `object`: `DB_SECRET_PASSWORD`.
pub fn variable_name(object: &str, key: &str) -> Option<String> {
    let mut name = String::new();
    for c in object.chars().chain(['_']).chain(key.chars()) {
        let c = if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        };
        if c == '_' && (name.is_empty() || name.ends_with('_')) {
            continue;
        }
        name.push(c);
    }
    let name = name.trim_end_matches('_').to_owned();
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic()) && name.contains('_');
    valid.then_some(name)
}

fn identifier(name: &str) -> Option<Identifier> {
    Identifier::new(name).ok()
}

fn secs(seconds: i32) -> std::time::Duration {
    std::time::Duration::from_secs(u64::try_from(seconds).unwrap_or(0))
}

/// A Kubernetes CPU quantity (`500m`, `2`) as Compose's `cpus`.
fn cpus(q: &Quantity) -> Option<Cpus> {
    let text = q.0.as_str();
    let value = match text.strip_suffix('m') {
        Some(millis) => millis.parse::<f64>().ok()? / 1000.0,
        None => text.parse::<f64>().ok()?,
    };
    Cpus::new(value).ok()
}

/// A Kubernetes memory quantity (`128Mi`, `1Gi`, `64M`) in the largest binary unit that
/// expresses it exactly (Docker reads `m` and `g` as MiB and GiB).
fn bytes(q: &Quantity) -> Option<ByteValue> {
    let text = q.0.as_str();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let factor: u64 = match unit {
        "" => 1,
        "Ki" => 1 << 10,
        "Mi" => 1 << 20,
        "Gi" => 1 << 30,
        "Ti" => 1 << 40,
        "k" => 1_000,
        "M" => 1_000_000,
        "G" => 1_000_000_000,
        "T" => 1_000_000_000_000,
        _ => return None,
    };
    let total = number.checked_mul(factor)?;
    Some(if total % (1 << 30) == 0 {
        ByteValue::Gigabytes(total >> 30)
    } else if total % (1 << 20) == 0 {
        ByteValue::Megabytes(total >> 20)
    } else if total % (1 << 10) == 0 {
        ByteValue::Kilobytes(total >> 10)
    } else {
        ByteValue::Bytes(total)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(name: &str, host_port: Option<i32>) -> Input {
        use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
        use k8s_openapi::api::core::v1::{ContainerPort, PodSpec};
        use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
        let container = Container {
            name: name.to_owned(),
            image: Some("ghcr.io/acme/app:1.0.0".into()),
            ports: Some(vec![ContainerPort {
                container_port: 8080,
                host_port,
                ..ContainerPort::default()
            }]),
            ..Container::default()
        };
        let deployment = Deployment {
            metadata: ObjectMeta {
                name: Some(name.to_owned()),
                ..ObjectMeta::default()
            },
            spec: Some(DeploymentSpec {
                template: PodTemplateSpec {
                    metadata: None,
                    spec: Some(PodSpec {
                        containers: vec![container],
                        ..PodSpec::default()
                    }),
                },
                ..DeploymentSpec::default()
            }),
            ..Deployment::default()
        };
        Input {
            construct: name.len(),
            object: Object::Deployment(Box::new(deployment)),
        }
    }

    #[test]
    fn a_host_port_is_published_once() {
        let settings = ProjectSettings::default();
        let one = translate("shop-dev", &settings, &[deployment("api", Some(8080))])
            .expect("one service publishes");
        let api = &one.compose.services[0];
        assert_eq!(api.ports.len(), 1);
        let errors = translate(
            "shop-dev",
            &settings,
            &[deployment("api", Some(8080)), deployment("web", Some(8080))],
        )
        .expect_err("two services publish 8080");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0]
                .message
                .contains("`api` and `web` both publish host port 8080/tcp"),
            "{errors:?}"
        );
    }

    #[test]
    fn a_project_name_compose_rejects() {
        let errors = translate(
            "Shop_Dev",
            &ProjectSettings::default(),
            &[deployment("api", None)],
        )
        .expect_err("uppercase");
        assert!(
            errors[0].message.contains("is not a Compose project name"),
            "{errors:?}"
        );
    }

    #[test]
    fn variable_names() {
        assert_eq!(
            variable_name("db-secret", "password").as_deref(),
            Some("DB_SECRET_PASSWORD")
        );
        assert_eq!(
            variable_name("tls", "tls.crt").as_deref(),
            Some("TLS_TLS_CRT")
        );
        assert_eq!(variable_name("-", "."), None);
    }

    #[test]
    fn references_expand_and_dollars_escape() {
        let env = vec![(
            "REDIS_PASSWORD".to_owned(),
            "${REDIS_SECRET_PASSWORD:?x}".to_owned(),
        )];
        assert_eq!(
            expand_references("$(REDIS_PASSWORD)", &env),
            "${REDIS_SECRET_PASSWORD:?x}"
        );
        assert_eq!(expand_references("cost $5", &env), "cost $$5");
        assert_eq!(expand_references("$(UNKNOWN)", &env), "$$(UNKNOWN)");
        assert_eq!(
            expand_references("$$(REDIS_PASSWORD)", &env),
            "$$(REDIS_PASSWORD)"
        );
    }

    #[test]
    fn quantities() {
        assert_eq!(
            bytes(&Quantity("128Mi".into())),
            Some(ByteValue::Megabytes(128))
        );
        assert_eq!(
            bytes(&Quantity("1Gi".into())),
            Some(ByteValue::Gigabytes(1))
        );
        assert_eq!(
            bytes(&Quantity("64M".into())),
            Some(ByteValue::Kilobytes(62_500))
        );
        assert_eq!(
            bytes(&Quantity("1000".into())),
            Some(ByteValue::Bytes(1000))
        );
        assert_eq!(
            cpus(&Quantity("500m".into())).map(|c| c.into_inner()),
            Some(0.5)
        );
    }

    #[test]
    fn volumes_are_given_to_their_owners_root_only() {
        let mut owned = BTreeMap::new();
        owned.insert(
            "10001:10001".to_owned(),
            BTreeSet::from(["postgres-data".to_owned(), "redis-data".to_owned()]),
        );
        let list = |items: &[&str]| {
            Some(Command::List(
                items.iter().map(|s| (*s).to_owned()).collect(),
            ))
        };
        assert_eq!(
            volume_init(&owned).entrypoint,
            list(&[
                "chown",
                "10001:10001",
                "/volumes/postgres-data",
                "/volumes/redis-data"
            ])
        );
        owned.insert("999:999".to_owned(), BTreeSet::from(["cache".to_owned()]));
        let two = volume_init(&owned);
        assert_eq!(
            two.entrypoint,
            list(&[
                "/bin/sh",
                "-c",
                "chown 10001:10001 /volumes/postgres-data /volumes/redis-data && chown 999:999 /volumes/cache"
            ])
        );
        assert_eq!(named_volumes(&two.volumes).len(), 3);
    }

    #[test]
    fn a_volume_belongs_to_the_user_and_the_fs_group() {
        let pod = |user: i64, fs_group: Option<i64>| PodTemplateSpec {
            spec: Some(k8s_openapi::api::core::v1::PodSpec {
                security_context: Some(PodSecurityContext {
                    run_as_user: Some(user),
                    run_as_group: Some(user),
                    fs_group,
                    ..PodSecurityContext::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(
            volume_owner(&pod(10001, Some(2000))).as_deref(),
            Some("10001:2000")
        );
        assert_eq!(
            volume_owner(&pod(10001, None)).as_deref(),
            Some("10001:10001")
        );
        assert_eq!(volume_owner(&pod(0, Some(2000))), None);
    }
}
