//! What every workload shares: its container and pod security ([`PodModel`]), its network wiring
//! ([`Wiring`]), and the methods that set them ([`workload_methods!`]).

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use girder_core::{Diagnostic, Diagnostics, Environment, EnvironmentName, NodeId};
use girder_k8s::image::{ImageRef, Pinning};
use girder_k8s::k8s_openapi::api::core::v1::{
    Capabilities, Container, ContainerPort, EmptyDirVolumeSource,
    PersistentVolumeClaimVolumeSource, PodSecurityContext, PodSpec, SeccompProfile,
    SecurityContext, ServiceAccount, Toleration, Volume, VolumeMount,
};
use girder_k8s::k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use girder_k8s::k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use girder_k8s::k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use girder_k8s::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use girder_k8s::quantity::Resources;

use crate::wiring::{Client, EnvValue};
use crate::workload::{Peer, Port, Probe, env_to_k8s, validate_env};

/// The UID and GID pods run as unless a workload's `run_as` says otherwise.
pub const DEFAULT_UID: i64 = 10001;

/// A writable directory of a container, backed by an `emptyDir` or a persistent volume claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mount {
    pub(crate) volume: String,
    pub(crate) path: String,
    /// `Some(size)`: an `emptyDir` with this size limit; `None`: a volume defined elsewhere
    /// (a StatefulSet's claim template) or a claim (`pvc`).
    pub(crate) scratch: Option<&'static str>,
    /// The PersistentVolumeClaim the volume mounts, if it is one.
    pub(crate) pvc: Option<String>,
}

impl Mount {
    pub(crate) fn scratch(volume: &str, path: &str, size: &'static str) -> Mount {
        Mount {
            volume: volume.into(),
            path: path.into(),
            scratch: Some(size),
            pvc: None,
        }
    }

    pub(crate) fn claim(volume: &str, path: &str) -> Mount {
        Mount {
            volume: volume.into(),
            path: path.into(),
            scratch: None,
            pvc: None,
        }
    }

    pub(crate) fn pvc(volume: &str, path: &str, claim: &str) -> Mount {
        Mount {
            volume: volume.into(),
            path: path.into(),
            scratch: None,
            pvc: Some(claim.into()),
        }
    }
}

/// The container a workload runs and its pod-level settings, secure by default.
#[derive(Debug, Clone)]
pub(crate) struct PodModel {
    pub(crate) name: String,
    pub(crate) image: String,
    pub(crate) command: Vec<String>,
    pub(crate) args: Vec<String>,
    pub(crate) env: Vec<(String, EnvValue)>,
    pub(crate) resources: Resources,
    pub(crate) run_as: i64,
    pub(crate) ports: Vec<Port>,
    /// Probes against the first port (`None`: no probe).
    pub(crate) liveness: Option<Probe>,
    pub(crate) readiness: Option<Probe>,
    pub(crate) mounts: Vec<Mount>,
    /// The IAM role the pods assume (IRSA): its ARN, and the namespace and service account
    /// its trust policy names.
    pub(crate) aws_role: Option<(String, String, String)>,
    /// Node labels the pods must run on, in the order given (a key given twice is reported).
    pub(crate) node_selector: Vec<(String, String)>,
    /// The container's name (default: the workload's object name).
    pub(crate) container: String,
    /// Annotations of the pods (their template's metadata).
    pub(crate) annotations: Vec<(String, String)>,
    /// Seconds the pods get to stop after SIGTERM (default: Kubernetes', 30).
    pub(crate) termination_grace_seconds: Option<u32>,
    /// Taints the pods tolerate: key, value, effect.
    pub(crate) tolerations: Vec<(String, String, String)>,
    /// Why this workload's image pinned by tag only is accepted (`.accept_image_tag`), if it is.
    pub(crate) image_tag_accepted: Option<String>,
    /// Its environment's [`AcceptImageTags`].
    pub(crate) image_tag_policy: ImageTagPolicy,
}

impl PodModel {
    pub(crate) fn new(
        name: String,
        image: String,
        run_as: i64,
        image_tag_policy: ImageTagPolicy,
    ) -> PodModel {
        PodModel {
            container: name.clone(),
            annotations: Vec::new(),
            termination_grace_seconds: None,
            name,
            image,
            command: Vec::new(),
            args: Vec::new(),
            env: Vec::new(),
            resources: Resources::default(),
            run_as,
            ports: Vec::new(),
            liveness: None,
            readiness: None,
            mounts: vec![Mount::scratch("tmp", "/tmp", "64Mi")],
            aws_role: None,
            node_selector: Vec::new(),
            tolerations: Vec::new(),
            image_tag_accepted: None,
            image_tag_policy,
        }
    }

    /// The workload's ServiceAccount, annotated with the IAM role its pods assume (IRSA), if
    /// any. The API token is never mounted.
    pub(crate) fn service_account(&self, meta: ObjectMeta) -> ServiceAccount {
        let mut meta = meta;
        if let Some((arn, _, _)) = &self.aws_role {
            meta.annotations = Some(BTreeMap::from([(
                "eks.amazonaws.com/role-arn".to_owned(),
                arn.clone(),
            )]));
        }
        ServiceAccount {
            metadata: meta,
            automount_service_account_token: Some(false),
            ..Default::default()
        }
    }

    /// The metadata of the pod template: the workload's labels and the pods' annotations.
    pub(crate) fn template_meta(&self, labels: BTreeMap<String, String>) -> ObjectMeta {
        ObjectMeta {
            labels: Some(labels),
            annotations: (!self.annotations.is_empty())
                .then(|| self.annotations.iter().cloned().collect()),
            ..Default::default()
        }
    }

    /// Runs the pods as the IAM role `binding`, unless they run as another already: returns that
    /// other role's ARN then.
    #[cfg(feature = "aws")]
    fn bind_role(&mut self, binding: (String, String, String)) -> Option<String> {
        match &self.aws_role {
            Some((arn, _, _)) if *arn != binding.0 => Some(arn.clone()),
            _ => {
                self.aws_role = Some(binding);
                None
            }
        }
    }

    /// Reports an IAM role whose trust policy names another service account than this
    /// workload's (`namespace/name`).
    pub(crate) fn validate_role(&self, path: &str, namespace: &str, diags: &mut Diagnostics) {
        if let Some((_, ns, sa)) = &self.aws_role
            && (ns != namespace || *sa != self.name)
        {
            diags.push(
                Diagnostic::error(path, format!("the IAM role trusts service account `{ns}/{sa}`, and this workload runs as `{namespace}/{}`", self.name))
                    .hint(format!("create the role for this workload: `cluster.service_account_role(\"{namespace}\", \"{}\", policy)`", self.name)),
            );
        }
    }

    /// The pod spec: one container, non-root, read-only root filesystem, no capabilities.
    pub(crate) fn spec(&self, service_account: Option<&str>) -> PodSpec {
        let pull = if self.image.contains("@sha256:") {
            "IfNotPresent"
        } else {
            "Always"
        };
        let main_port = self.ports.first();
        PodSpec {
            node_selector: (!self.node_selector.is_empty())
                .then(|| self.node_selector.iter().cloned().collect()),
            termination_grace_period_seconds: self.termination_grace_seconds.map(i64::from),
            tolerations: (!self.tolerations.is_empty()).then(|| {
                self.tolerations
                    .iter()
                    .map(|(key, value, effect)| Toleration {
                        key: Some(key.clone()),
                        operator: Some("Equal".into()),
                        value: Some(value.clone()),
                        effect: Some(effect.clone()),
                        ..Default::default()
                    })
                    .collect()
            }),
            service_account_name: service_account.map(str::to_owned),
            // IRSA does not need the API token: EKS's webhook projects its own web identity
            // token (audience sts.amazonaws.com) into pods whose service account names a role.
            automount_service_account_token: Some(false),
            security_context: Some(PodSecurityContext {
                run_as_non_root: Some(true),
                run_as_user: Some(self.run_as),
                run_as_group: Some(self.run_as),
                fs_group: Some(self.run_as),
                seccomp_profile: Some(SeccompProfile {
                    type_: "RuntimeDefault".into(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            containers: vec![Container {
                name: self.container.clone(),
                image: Some(self.image.clone()),
                image_pull_policy: Some(pull.into()),
                command: (!self.command.is_empty()).then(|| self.command.clone()),
                args: (!self.args.is_empty()).then(|| self.args.clone()),
                ports: (!self.ports.is_empty()).then(|| {
                    self.ports
                        .iter()
                        .map(|p| ContainerPort {
                            name: Some(p.name().to_owned()),
                            container_port: p.number().into(),
                            protocol: Some(p.protocol().as_str().into()),
                            ..Default::default()
                        })
                        .collect()
                }),
                env: (!self.env.is_empty()).then(|| env_to_k8s(&self.env)),
                resources: Some(self.resources.to_k8s()),
                liveness_probe: self
                    .liveness
                    .as_ref()
                    .filter(|p| main_port.is_some() || !p.needs_port())
                    .map(|p| p.to_k8s(main_port)),
                readiness_probe: self
                    .readiness
                    .as_ref()
                    .filter(|p| main_port.is_some() || !p.needs_port())
                    .map(|p| p.to_k8s(main_port)),
                security_context: Some(SecurityContext {
                    allow_privilege_escalation: Some(false),
                    privileged: Some(false),
                    read_only_root_filesystem: Some(true),
                    run_as_non_root: Some(true),
                    capabilities: Some(Capabilities {
                        drop: Some(vec!["ALL".into()]),
                        add: None,
                    }),
                    ..Default::default()
                }),
                volume_mounts: Some(
                    self.mounts
                        .iter()
                        .map(|m| VolumeMount {
                            name: m.volume.clone(),
                            mount_path: m.path.clone(),
                            ..Default::default()
                        })
                        .collect(),
                ),
                ..Default::default()
            }],
            volumes: Some(
                self.mounts
                    .iter()
                    .filter_map(|m| {
                        if let Some(claim) = &m.pvc {
                            return Some(Volume {
                                name: m.volume.clone(),
                                persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                                    claim_name: claim.clone(),
                                    read_only: Some(false),
                                }),
                                ..Default::default()
                            });
                        }
                        Some(Volume {
                            name: m.volume.clone(),
                            empty_dir: Some(EmptyDirVolumeSource {
                                size_limit: Some(Quantity(m.scratch?.into())),
                                ..Default::default()
                            }),
                            ..Default::default()
                        })
                    })
                    .collect(),
            ),
            ..Default::default()
        }
    }

    /// Why an image pinned by tag only is accepted: the workload's own reason, else its
    /// environment's.
    fn tag_reason(&self) -> Option<String> {
        self.image_tag_accepted
            .clone()
            .or_else(|| self.image_tag_policy.reason())
    }

    /// checkov findings this pod cannot fix by itself, with the reason a reviewer reads, as
    /// `checkov.io/skipN` annotations for the workload object.
    pub(crate) fn checkov_annotations(&self) -> BTreeMap<String, String> {
        self.checkov_skips(true, !self.ports.is_empty())
    }

    /// [`checkov_annotations`](Self::checkov_annotations) of a worker's pods, which serve no
    /// traffic even when they declare a port (for Prometheus to scrape): the probe checks are
    /// skipped unless a probe is set.
    pub(crate) fn worker_checkov_annotations(&self) -> BTreeMap<String, String> {
        self.checkov_skips(true, false)
    }

    /// [`checkov_annotations`](Self::checkov_annotations) of a Job's or CronJob's pods:
    /// checkov runs no probe check on those, so a skip of one would have no effect.
    pub(crate) fn batch_checkov_annotations(&self) -> BTreeMap<String, String> {
        self.checkov_skips(false, false)
    }

    /// The skips; `probes`: whether checkov runs its probe checks on the kind, `serves`: whether
    /// the pods serve traffic (then they have probes, and nothing is skipped).
    fn checkov_skips(&self, probes: bool, serves: bool) -> BTreeMap<String, String> {
        let mut skips = Vec::new();
        // Only where the program accepted tags, with its own reason: otherwise checkov reports
        // the image, and synth has already warned (a tag) or failed (no tag, `latest`).
        if let Some(reason) = self.tag_reason()
            && !reason.trim().is_empty()
            && ImageRef::parse(&self.image).is_ok_and(|i| i.pinning() == Pinning::Tag)
        {
            skips.push(format!("CKV_K8S_43={reason}"));
        }
        if probes && !serves && self.liveness.is_none() {
            skips.push(if self.ports.is_empty() {
                "CKV_K8S_8=a worker serves no port: the kubelet restarts it when its process exits; set `.liveness(Probe::exec(..))` for a deeper check"
                    .to_owned()
            } else {
                "CKV_K8S_8=a worker serves no traffic, only its metrics: the kubelet restarts it when its process exits; set `.liveness(..)` for a deeper check"
                    .to_owned()
            });
        }
        if probes && !serves && self.readiness.is_none() {
            skips.push(
                "CKV_K8S_9=a worker receives no traffic, so readiness gates nothing".to_owned(),
            );
        }
        if self.env.iter().any(|(_, v)| {
            matches!(
                v,
                EnvValue::Key {
                    source: crate::secret::KeySource::Secret,
                    ..
                }
            )
        }) {
            skips.push(
                "CKV_K8S_35=the app reads credentials from its environment; only secretKeyRef references are written, never values"
                    .to_owned(),
            );
        }
        skips
            .into_iter()
            .enumerate()
            .map(|(i, skip)| (format!("checkov.io/skip{}", i + 1), skip))
            .collect()
    }

    /// Checks that every writable directory is an absolute path mounted once.
    fn validate_mounts(&self, path: &str, diags: &mut Diagnostics) {
        for (i, mount) in self.mounts.iter().enumerate() {
            if !mount.path.starts_with('/') {
                diags.push(
                    Diagnostic::error(
                        path,
                        format!("the directory `{}` is not an absolute path", mount.path),
                    )
                    .hint("give the path in the container from the root, e.g. `/opt/app/logs`"),
                );
            } else if self.mounts[..i].iter().any(|m| m.path == mount.path) {
                diags.push(
                    Diagnostic::error(path, format!("`{}` is mounted twice", mount.path))
                        .hint("give each writable directory once (`/tmp` is always writable)"),
                );
            }
        }
    }

    /// Checks the image, ports, probes, user and environment.
    pub(crate) fn validate(&self, path: &str, diags: &mut Diagnostics) {
        let tag_reason = self.tag_reason();
        validate_image(path, &self.image, diags);
        if tag_reason.is_some_and(|reason| reason.trim().is_empty()) {
            diags.push(
                Diagnostic::error(path, "the image tag is accepted with an empty reason")
                    .hint("say why a tag is acceptable here, e.g. `AcceptImageTags::because(\"promoted by tag from a signed registry\")`"),
            );
        }
        for port in &self.ports {
            port.validate(path, diags);
        }
        for (i, port) in self.ports.iter().enumerate() {
            if self.ports[..i].iter().any(|p| {
                p.name() == port.name()
                    || p.number() == port.number()
                    || p.service_number() == port.service_number()
            }) {
                diags.push(
                    Diagnostic::error(
                        path,
                        format!(
                            "port `{}` ({}) is declared twice",
                            port.name(),
                            port.number()
                        ),
                    )
                    .hint("give every port its own name and number"),
                );
            }
        }
        if self.run_as == 0 {
            diags.push(Diagnostic::error(path, "run_as is 0 (root)").hint(
                "pods must not run as root; keep the default (10001) or pick another non-zero UID",
            ));
        }
        for (which, probe) in [("liveness", &self.liveness), ("readiness", &self.readiness)] {
            if let Some(p) = probe
                && p.needs_port()
                && self.ports.is_empty()
            {
                diags.push(
                    Diagnostic::error(
                        path,
                        format!("the {which} probe needs a port, and this workload declares none"),
                    )
                    .hint("use `Probe::exec([..])`, a command that exits 0 when healthy"),
                );
            }
        }
        if let Some(p) = &self.liveness {
            p.validate(path, "liveness", self.ports.first(), diags);
        }
        if let Some(p) = &self.readiness {
            p.validate(path, "readiness", self.ports.first(), diags);
        }
        self.validate_pod_settings(path, diags);
        self.validate_mounts(path, diags);
        validate_env(path, &self.env, diags);
        for (key, _, effect) in &self.tolerations {
            if !matches!(
                effect.as_str(),
                "NoSchedule" | "PreferNoSchedule" | "NoExecute"
            ) {
                diags.push(
                    Diagnostic::error(
                        path,
                        format!("toleration of `{key}`: unknown effect `{effect}`"),
                    )
                    .hint("use `NoSchedule`, `PreferNoSchedule` or `NoExecute`"),
                );
            }
        }
    }
}

impl PodModel {
    /// Checks the settings of `pod_methods!`: container name, annotations, node selector,
    /// grace period, and a per-workload tag acceptance that has nothing to accept.
    fn validate_pod_settings(&self, path: &str, diags: &mut Diagnostics) {
        if !girder_core::name::is_dns1123_label(&self.container) {
            diags.push(
                Diagnostic::error(
                    path,
                    format!(
                        "container name `{}` is not a DNS-1123 label",
                        self.container
                    ),
                )
                .hint("use at most 63 lowercase letters, digits and '-', e.g. `server`"),
            );
        }
        for (i, (key, _)) in self.annotations.iter().enumerate() {
            if self.annotations[..i].iter().any(|(k, _)| k == key) {
                diags.push(
                    Diagnostic::error(path, format!("pod annotation `{key}` is set twice"))
                        .hint("set each annotation once; the first value would have no effect"),
                );
            }
            if !valid_annotation_key(key) {
                diags.push(
                    Diagnostic::error(path, format!("`{key}` is not a valid annotation key"))
                        .hint("write `[prefix/]name`: a DNS subdomain prefix and a name of at most 63 letters, digits, '-', '_' and '.'"),
                );
            }
        }
        for (i, (key, _)) in self.node_selector.iter().enumerate() {
            if self.node_selector[..i].iter().any(|(k, _)| k == key) {
                diags.push(
                    Diagnostic::error(path, format!("node selector `{key}` is set twice"))
                        .hint("a node has one value per label: select each label once; the first value would have no effect"),
                );
            }
        }
        if self.image_tag_accepted.is_some()
            && ImageRef::parse(&self.image).is_ok_and(|i| i.pinning() == Pinning::Digest)
        {
            diags.push(
                Diagnostic::error(
                    path,
                    format!(
                        "accepts a tag for image `{}`, which is pinned by digest",
                        self.image
                    ),
                )
                .cause("`.accept_image_tag(..)` would have no effect")
                .hint("remove `.accept_image_tag(..)`"),
            );
        }
    }
}

/// Whether `key` is a Kubernetes annotation key: an optional DNS subdomain prefix and `/`, and
/// a name of at most 63 alphanumerics, `-`, `_` and `.`, starting and ending alphanumeric.
fn valid_annotation_key(key: &str) -> bool {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(&c))
        && name
            .bytes()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .bytes()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric());
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty() && p.len() <= 253 && p.split('.').all(girder_core::name::is_dns1123_label)
    });
    name_ok && prefix_ok
}

/// Checks an image reference is well formed ([`ImageRef`]). How firmly it is pinned (no tag or
/// `latest`: an error; a tag alone: a warning unless accepted) is checked on the final objects,
/// with checkov's ids CKV_K8S_14 and CKV_K8S_43 (`girder_k8s::rules::policy`).
pub(crate) fn validate_image(path: &str, image: &str, diags: &mut Diagnostics) {
    match ImageRef::parse(image) {
        Ok(_) => {}
        Err(_) if image.trim().is_empty() => {
            diags.push(
                Diagnostic::error(path, "the image is empty")
                    .hint("set `.image(\"registry.example.com/team/app:1.2.3@sha256:<digest>\")`"),
            );
        }
        Err(err) => {
            diags.push(
                Diagnostic::error(path, format!("invalid image reference `{image}`: {err}"))
                    .hint("write `[registry[:port]/]repository:tag@sha256:<digest>`, e.g. `ghcr.io/acme/api:1.4.2@sha256:<digest>`"),
            );
        }
    }
}

/// Accepts images pinned by tag only in one environment, with the reason a reviewer reads:
/// its workloads (those created before [`apply_to`](Self::apply_to) as well as after) get no
/// warning at synth, and their objects carry a `checkov.io/skip` of `CKV_K8S_43` ("image should
/// use a digest") with this reason. `:latest` and missing tags stay errors. One workload accepts
/// its own tag with `.accept_image_tag(reason)`.
///
/// ```
/// use girder_constructs::{AcceptImageTags, WebService};
/// use girder_core::App;
/// use girder_k8s::KubernetesExt;
///
/// girder_core::environment!(pub Staging = "staging");
/// girder_k8s::namespace!(pub Web = "web");
///
/// let app = App::new("shop");
/// let staging = app.environment(Staging);
/// AcceptImageTags::because("staging follows release tags; prod pins digests").apply_to(&staging);
/// let ns = staging.kubernetes().namespace(Web);
/// WebService::new(&ns, "api").image("ghcr.io/acme/api:1.4.2").port(8080).build();
/// ```
#[derive(Debug, Clone)]
pub struct AcceptImageTags {
    reason: String,
}

impl AcceptImageTags {
    /// Accepts release tags because of `reason` (written into the checkov skip annotations;
    /// an empty reason is an error at synth).
    pub fn because(reason: impl Into<String>) -> AcceptImageTags {
        AcceptImageTags {
            reason: reason.into(),
        }
    }

    /// Applies to every workload of `env`; a second call replaces the reason.
    pub fn apply_to<E: EnvironmentName>(self, env: &Environment<E>) {
        *ImageTagPolicy::of(env).0.borrow_mut() = Some(self.reason);
    }
}

/// An environment's [`AcceptImageTags`], shared by its workloads: published on the environment's
/// node by the first workload or `apply_to`, whichever comes first.
#[derive(Debug, Clone, Default)]
pub(crate) struct ImageTagPolicy(Rc<RefCell<Option<String>>>);

impl ImageTagPolicy {
    pub(crate) fn of<E: EnvironmentName>(env: &Environment<E>) -> ImageTagPolicy {
        env.app()
            .attachment_or_default::<ImageTagPolicy>(env.node())
    }

    fn reason(&self) -> Option<String> {
        self.0.borrow().clone()
    }
}

/// A connection a workload opens, as its model keeps it.
#[derive(Debug, Clone)]
pub(crate) struct Edge {
    pub(crate) server: NodeId,
    pub(crate) server_path: String,
    pub(crate) peers: Vec<Peer>,
    pub(crate) port: Port,
    pub(crate) kept: Rc<Cell<bool>>,
}

/// Who may reach a workload and whom it may reach: what its NetworkPolicy allows.
#[derive(Debug, Clone, Default)]
pub(crate) struct Wiring {
    /// Peers outside the program, admitted on a port (`None`: the first port).
    pub(crate) ingress_from: Vec<(Peer, Option<Port>)>,
    /// Destinations outside the program.
    pub(crate) egress_to: Vec<(Peer, Port)>,
    /// Connections to servers of the program.
    pub(crate) connections: Vec<Edge>,
    /// Clients of the program that connect to a port.
    pub(crate) clients: Vec<(Client, Port)>,
}

fn policy_port(p: &Port) -> NetworkPolicyPort {
    NetworkPolicyPort {
        port: Some(IntOrString::Int(p.number().into())),
        protocol: Some(p.protocol().as_str().into()),
        ..Default::default()
    }
}

impl Wiring {
    /// The NetworkPolicy of the pods `selector` selects, listening on `ports`: ingress only
    /// from declared peers and clients, on their port; egress to kube-dns, connections and
    /// declared destinations.
    pub(crate) fn policy(
        &self,
        meta: ObjectMeta,
        selector: LabelSelector,
        ports: &[Port],
    ) -> NetworkPolicy {
        // Group the admitted peers by port, in the order ports are declared.
        let mut by_port: Vec<(Port, Vec<NetworkPolicyPeer>)> = Vec::new();
        let mut admit = |peer: &Peer, port: &Port| match by_port.iter_mut().find(|(p, _)| p == port)
        {
            Some((_, peers)) => peers.push(peer.to_k8s()),
            None => by_port.push((port.clone(), vec![peer.to_k8s()])),
        };
        for (peer, port) in &self.ingress_from {
            if let Some(port) = port.as_ref().or(ports.first()) {
                admit(peer, port);
            }
        }
        for (client, port) in &self.clients {
            let peer = Peer::NamespacePods {
                namespace: client.namespace.to_owned(),
                labels: client.selector.clone(),
            };
            admit(&peer, port);
        }
        by_port.sort_by_key(|(p, _)| ports.iter().position(|q| q == p));
        let ingress = (!by_port.is_empty()).then(|| {
            by_port
                .into_iter()
                .map(|(port, from)| NetworkPolicyIngressRule {
                    from: Some(from),
                    ports: Some(vec![policy_port(&port)]),
                })
                .collect()
        });
        let dns = NetworkPolicyEgressRule {
            to: Some(vec![NetworkPolicyPeer {
                namespace_selector: Some(LabelSelector {
                    match_labels: Some(BTreeMap::from([(
                        "kubernetes.io/metadata.name".into(),
                        "kube-system".into(),
                    )])),
                    ..Default::default()
                }),
                pod_selector: Some(LabelSelector {
                    match_labels: Some(BTreeMap::from([("k8s-app".into(), "kube-dns".into())])),
                    ..Default::default()
                }),
                ..Default::default()
            }]),
            ports: Some(vec![
                policy_port(&Port::udp("dns", 53)),
                policy_port(&Port::tcp("dns-tcp", 53)),
            ]),
        };
        let mut egress = vec![dns];
        egress.extend(
            self.egress_to
                .iter()
                .map(|(peer, p)| NetworkPolicyEgressRule {
                    to: Some(vec![peer.to_k8s()]),
                    ports: Some(vec![policy_port(p)]),
                }),
        );
        egress.extend(self.connections.iter().map(|e| NetworkPolicyEgressRule {
            to: Some(e.peers.iter().map(Peer::to_k8s).collect()),
            ports: Some(vec![policy_port(&e.port)]),
        }));
        NetworkPolicy {
            metadata: meta,
            spec: Some(NetworkPolicySpec {
                pod_selector: Some(selector),
                policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
                ingress,
                egress: Some(egress),
            }),
        }
    }

    /// Checks that every peer admitted with `allow_from`/`allow_from_on` has a port to come in
    /// on, one the workload declares among `ports`.
    pub(crate) fn validate_ingress(&self, path: &str, ports: &[Port], diags: &mut Diagnostics) {
        for (_, port) in &self.ingress_from {
            match port {
                None if ports.is_empty() => diags.push(
                    Diagnostic::error(path, "admits traffic, and declares no port to admit it on")
                        .cause("the NetworkPolicy rule would have no effect: nothing listens")
                        .hint("remove `.allow_from(..)`; a workload without a port is reached by nothing"),
                ),
                Some(port) if !ports.contains(port) => diags.push(
                    Diagnostic::error(
                        path,
                        format!(
                            "admits traffic on port {}, which it does not declare",
                            port.describe()
                        ),
                    )
                    .hint("pass one of its ports to `allow_from_on`: its main port (`.port()`) or a handle from `.add_port(..)`"),
                ),
                _ => {}
            }
        }
    }

    /// Checks peers, ports and that every connection's address is used in `env`.
    pub(crate) fn validate(&self, path: &str, env: &[(String, EnvValue)], diags: &mut Diagnostics) {
        for edge in &self.connections {
            let used = env.iter().any(
                |(_, v)| matches!(v, EnvValue::Address { server, .. } if *server == edge.server),
            );
            if !used && !edge.kept.get() {
                diags.push(
                    Diagnostic::error(
                        path,
                        format!("the connection to `{}` is never used", edge.server_path),
                    )
                    .cause("no environment variable carries its address, so the NetworkPolicy rules it adds would allow traffic nothing needs")
                    .hint("pass its address, e.g. `.env(\"API_URL\", conn.url())`, call `conn.keep()` if the program finds the server another way, or remove the `connect`"),
                );
            }
        }
        for (i, edge) in self.connections.iter().enumerate() {
            if self.connections[..i]
                .iter()
                .any(|e| e.server == edge.server && e.port == edge.port)
            {
                diags.push(
                    Diagnostic::warning(path, format!("connects to `{}` twice", edge.server_path))
                        .hint("connect once and reuse the connection's addresses"),
                );
            }
        }
        for peer in self
            .ingress_from
            .iter()
            .map(|(p, _)| p)
            .chain(self.egress_to.iter().map(|(p, _)| p))
        {
            peer.validate(path, diags);
        }
        for (_, port) in &self.egress_to {
            if port.number() == 0 {
                diags.push(
                    Diagnostic::error(path, format!("egress port `{}` is 0", port.name()))
                        .hint("use 1 to 65535"),
                );
            }
        }
    }
}

/// The metadata of a workload's object `name` in `namespace`, with its standard labels.
pub(crate) fn object_meta(
    name: &str,
    namespace: &str,
    labels: &girder_k8s::labels::Labels,
) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: Some(namespace.to_owned()),
        labels: Some(labels.all()),
        ..Default::default()
    }
}

/// Ends a workload's render: adds its NetworkPolicy, applies the program's edits and patches,
/// and emits the objects, any problem, and a [`girder_core::Wire`] per connection of `wiring`
/// for the wiring graph. That no edit widened the policy is checked on the
/// final objects (`girder_k8s::rules::network`), after aspects too.
pub(crate) fn emit_workload(
    cx: &girder_core::Context<'_>,
    mut manifests: Vec<girder_k8s::Manifest>,
    policy: NetworkPolicy,
    wiring: &Wiring,
    overrides: &girder_k8s::Overrides,
    out: &mut girder_core::Emitted,
) {
    for edge in &wiring.connections {
        let pods = edge.peers.iter().find_map(|p| match p {
            crate::workload::Peer::NamespacePods { namespace, labels } => {
                Some((namespace.clone(), labels.clone()))
            }
            _ => None,
        });
        out.emit(girder_core::Wire {
            server: edge.server,
            server_path: edge.server_path.clone(),
            port: edge.port.number(),
            protocol: edge.port.protocol().as_str().to_owned(),
            outside: pods.is_none(),
            namespace: pods.as_ref().map(|(ns, _)| ns.clone()).unwrap_or_default(),
            selector: pods.map(|(_, labels)| labels).unwrap_or_default(),
        });
    }
    let mut diags = Diagnostics::new();
    manifests.push(girder_k8s::Manifest::new(policy));
    overrides.apply(cx.path.as_str(), &mut manifests, &mut diags);
    for d in diags {
        out.emit(d);
    }
    for m in manifests {
        out.emit(m);
    }
}

/// Runs the pods of the workload at `handle` (whose model's pod is `pod`) as the IAM role
/// `binding`; a second, different role is reported: a pod runs as one role.
#[cfg(feature = "aws")]
pub(crate) fn bind_role<T: girder_core::Construct>(
    handle: &girder_core::Handle<T>,
    binding: (String, String, String),
    pod: impl FnOnce(&mut T) -> &mut PodModel,
) {
    let arn = binding.0.clone();
    if let Some(other) = handle.update(|s| pod(s).bind_role(binding)) {
        handle.app().report(
            Diagnostic::error(
                handle.path().as_str(),
                format!("the pods would run as two IAM roles: `{other}` and `{arn}`"),
            )
            .hint("a pod runs as one role: its connections grant the role of its own service account, so give `aws_role` only the role `cluster.service_account_role(..)` made for this workload"),
        );
    }
}

/// Implements the methods every workload construct shares, on `$ty<E, N>` whose handle's model
/// has fields `pod: PodModel`, `wiring: Wiring` and `overrides: Overrides`.
macro_rules! workload_methods {
    ($ty:ident $(, $extra:ident)*) => {
        impl<E: girder_core::EnvironmentName, N: girder_k8s::NamespaceName $(, $extra)*> $ty<E, N $(, $extra)*> {
            /// Accepts this workload's image pinned by tag only, because of `reason`: no
            /// warning at synth, and a `checkov.io/skip` of `CKV_K8S_43` with this reason (see
            /// [`AcceptImageTags`]($crate::AcceptImageTags) for a whole environment).
            pub fn accept_image_tag(&self, reason: impl Into<String>) -> &Self {
                let reason = reason.into();
                self.handle
                    .update(|s| s.pod.image_tag_accepted = Some(reason));
                self
            }

            /// Sets environment variable `name` to a literal, a key of a Secret or ConfigMap of
            /// this namespace, or an address or credential from one of this workload's
            /// connections.
            pub fn env(
                &self,
                name: impl Into<String>,
                value: impl $crate::wiring::IntoEnv<E, N>,
            ) -> &Self {
                let value = value.into_env();
                self.handle.update(|s| s.pod.env.push((name.into(), value)));
                self
            }

            /// Connects to `server`: this workload may open connections to the server's port,
            /// the server admits them, and the returned connection gives the addresses (and, for
            /// databases, the credentials) to put in the environment. Both NetworkPolicies get
            /// exactly that rule.
            pub fn connect<S>(&self, server: &S) -> S::Connection<E, N>
            where
                S: $crate::wiring::Server
                    + $crate::wiring::InEnvironment<E>
                    + $crate::wiring::Reachable<N>
                    + Clone
                    + 'static,
            {
                let endpoint = server.endpoint();
                let kept = std::rc::Rc::new(std::cell::Cell::new(false));
                let peers = if endpoint.cidrs.is_empty() {
                    vec![$crate::workload::Peer::NamespacePods {
                        namespace: endpoint.namespace.to_owned(),
                        labels: endpoint.selector.clone(),
                    }]
                } else {
                    endpoint
                        .cidrs
                        .iter()
                        .map(|c| $crate::workload::Peer::Cidr(Ok(*c)))
                        .collect()
                };
                self.handle.update(|s| {
                    s.wiring.connections.push($crate::pod::Edge {
                        server: endpoint.node,
                        server_path: endpoint.path.clone(),
                        peers,
                        port: endpoint.port.clone(),
                        kept: kept.clone(),
                    })
                });
                let path = self.handle.path();
                server.admit($crate::wiring::Client {
                    node: self.handle.node(),
                    path: path.to_string(),
                    namespace: N::NAME,
                    selector: girder_k8s::labels::Labels::selector_of(&path, &self.name),
                });
                let admitter = {
                    let server = server.clone();
                    std::rc::Rc::new(move |client| server.admit(client))
                        as std::rc::Rc<dyn Fn($crate::wiring::Client)>
                };
                let connection = $crate::wiring::Connection::new(endpoint, kept, admitter)
                    .made_by(self.handle.app(), path.to_string());
                #[cfg(feature = "aws")]
                let connection = {
                    let handle = self.handle.clone();
                    connection.run_as(self.name.clone(), move |binding| {
                        $crate::pod::bind_role(&handle, binding, |s| &mut s.pod)
                    })
                };
                server.connection::<E, N>(connection)
            }

            /// Admits traffic from `peer` to the first port: for peers outside this program (an
            /// ingress controller, a monitoring namespace). Workloads of this program connect
            /// with `connect` instead.
            pub fn allow_from(&self, peer: $crate::workload::Peer) -> &Self {
                self.handle
                    .update(|s| s.wiring.ingress_from.push((peer, None)));
                self
            }

            /// Lets the pods open connections to `peer` on `port`: for destinations outside
            /// this program. Servers of this program are reached with `connect`.
            pub fn allow_to(
                &self,
                peer: $crate::workload::Peer,
                port: impl Into<$crate::workload::Port>,
            ) -> &Self {
                let port = port.into();
                self.handle
                    .update(|s| s.wiring.egress_to.push((peer, port)));
                self
            }

            /// Changes the emitted object of type `K` (e.g. its `Deployment`) before it is
            /// written.
            pub fn edit<K: girder_k8s::Object>(&self, f: impl FnMut(&mut K) + 'static) -> &Self {
                self.handle.update(|s| s.overrides.edit(f));
                self
            }

            /// Applies an RFC 6902 JSON patch to the emitted object of kind `K`, after typed
            /// edits: the escape hatch for fields the types do not reach.
            pub fn patch<K: girder_k8s::k8s_openapi::Resource>(
                &self,
                patch: json_patch::Patch,
            ) -> &Self {
                self.handle.update(|s| s.overrides.patch::<K>(patch));
                self
            }

            /// Runs the pods with the IAM role `role` (IRSA), made deliberately with
            /// `cluster.service_account_role(..)`: the service account is annotated with its
            /// ARN, and EKS projects a web identity token for it. The role must trust this
            /// workload's service account (checked at synth); the workload's connections
            /// (`connect(&bucket).read()`) add their grants to it. Workloads that only connect
            /// need no call: their first connection to an AWS resource makes their role. With
            /// the `aws` feature.
            #[cfg(feature = "aws")]
            pub fn aws_role(&self, role: &$crate::aws::ServiceAccountRole<E>) -> &Self {
                let binding = (
                    role.arn_literal().to_owned(),
                    role.namespace().to_owned(),
                    role.service_account().to_owned(),
                );
                $crate::pod::bind_role(&self.handle, binding, |s| &mut s.pod);
                self
            }

            /// Runs the pods only on nodes labelled `key=value` (e.g. a node group's label).
            pub fn node_selector(&self, key: &str, value: &str) -> &Self {
                let (key, value) = (key.to_owned(), value.to_owned());
                self.handle.update(|s| s.pod.node_selector.push((key, value)));
                self
            }

            /// Lets the pods run on nodes tainted `key=value` with `effect` (`NoSchedule`,
            /// `PreferNoSchedule` or `NoExecute`).
            pub fn tolerate(&self, key: &str, value: &str, effect: &str) -> &Self {
                let toleration = (key.to_owned(), value.to_owned(), effect.to_owned());
                self.handle.update(|s| s.pod.tolerations.push(toleration));
                self
            }

            /// The object name of its Deployment, Service and the rest.
            pub fn name(&self) -> &str {
                &self.name
            }

            /// The namespace it runs in.
            pub fn namespace(&self) -> &'static str {
                N::NAME
            }
        }

        impl<E, N $(, $extra)*> $crate::wiring::InEnvironment<E> for $ty<E, N $(, $extra)*> {}
        $crate::policy::policy_methods!($ty $(, $extra)*);
    };
}

pub(crate) use workload_methods;

/// Implements the pod settings every workload construct shares (container name, pod
/// annotations, grace period) on `$ty<E, N, ..>`, whose handle's model has a field
/// `pod: PodModel`.
macro_rules! pod_methods {
    ($ty:ident $(, $extra:ident)*) => {
        impl<E: girder_core::EnvironmentName, N: girder_k8s::NamespaceName $(, $extra)*> $ty<E, N $(, $extra)*> {
            /// Names the container `name` (default: the workload's object name), e.g. for
            /// `kubectl logs -c` or a log pipeline that keys on it.
            pub fn container_name(&self, name: impl Into<String>) -> &Self {
                let name = name.into();
                self.handle.update(|s| s.pod.container = name);
                self
            }

            /// Annotates the pods (their template) with `key: value`, e.g. for an agent that
            /// reads pod annotations. A key set twice fails synth.
            pub fn pod_annotation(&self, key: impl Into<String>, value: impl Into<String>) -> &Self {
                let entry = (key.into(), value.into());
                self.handle.update(|s| s.pod.annotations.push(entry));
                self
            }

            /// Gives the pods a writable scratch directory at `path` (an `emptyDir` of at most
            /// 256Mi, emptied when the pod goes), besides `/tmp`: for software that writes logs
            /// or caches under its install directory while the root filesystem stays
            /// read-only. A path that is not absolute, or one mounted twice, fails synth.
            pub fn scratch_dir(&self, path: impl Into<String>) -> &Self {
                let path = path.into();
                self.handle.update(|s| {
                    let n = s.pod.mounts.iter().filter(|m| m.volume.starts_with("scratch-")).count();
                    s.pod.mounts.push($crate::pod::Mount::scratch(&format!("scratch-{n}"), &path, "256Mi"));
                });
                self
            }

            /// Gives the pods `seconds` to shut down after SIGTERM before they are killed
            /// (`terminationGracePeriodSeconds`; default: Kubernetes' 30).
            pub fn termination_grace_seconds(&self, seconds: u32) -> &Self {
                self.handle
                    .update(|s| s.pod.termination_grace_seconds = Some(seconds));
                self
            }
        }
    };
}

pub(crate) use pod_methods;
