//! Helm charts as dependencies of a program, without a `helm` binary: a chart becomes the
//! objects through which the cluster's GitOps controller installs it — Flux's `HelmRepository`
//! and `HelmRelease`, or Argo CD's `Application` — chosen per environment ([`GitOps`]).
//!
//! * [`charts`] holds typed values for the add-ons Girder's constructs rely on (ingress-nginx,
//!   cert-manager, kube-prometheus-stack, KEDA, External Secrets, Istio): one serde struct per
//!   chart, with only the values Girder knows the meaning of, so that an unknown key does not
//!   compile. [`Release::untyped`] takes any other chart with a map of values.
//! * [`AddOn`] names those add-ons: what each serves (its API groups, its ingress class) and
//!   which chart provides it. The rule [`crate::rules`] applies on the final objects refuses an
//!   object that needs an add-on the environment neither installs nor declares installed
//!   ([`crate::Kubernetes::installed_add_on`]).
//! * [`installers`] says which of an environment's objects install which add-on: what that rule
//!   reads, and what the deployer waits for before applying the objects an add-on serves.
//!
//! ```
//! use girder_k8s::helm::{GitOps, Release, charts::{Chart, Keda}};
//! use girder_k8s::labels::Labels;
//!
//! let releases = Keda::default().releases(Keda::VERSION).unwrap();
//! assert_eq!(releases[0].name, "keda");
//! assert_eq!(releases[0].namespace, "keda");
//! let objects = GitOps::flux().manifests("keda", &releases, &Default::default());
//! let kinds: Vec<_> = objects.iter().map(|m| m.object().kind().to_owned()).collect();
//! assert_eq!(kinds, ["HelmRepository", "HelmRelease"]);
//! ```

pub mod charts;

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::{Map, Value};

use crate::Manifest;
use crate::crd::argo_cd::{
    Application, ApplicationDestination, ApplicationSource, ApplicationSourceHelm, ApplicationSpec,
    AutomatedSync, Backoff, RetryStrategy, SyncPolicy,
};
use crate::crd::flux::{
    CrdsPolicy, CrossNamespaceReference, HelmChartTemplate, HelmChartTemplateSpec, HelmRelease,
    HelmReleaseSpec, HelmRepository, HelmRepositorySpec, Install, Remediation, RepositoryType,
    SourceReference, Upgrade,
};

/// How an environment's cluster installs Helm charts: the GitOps controller that reads the
/// objects Girder writes for each chart.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GitOps {
    /// Flux: a `HelmRepository` and a `HelmRelease` per chart, in Flux's namespace.
    Flux {
        /// Flux's namespace (`flux-system` as `flux bootstrap` installs it).
        namespace: String,
    },
    /// Argo CD: an `Application` per release, in Argo CD's namespace.
    ArgoCd {
        /// Argo CD's namespace (`argocd` as its install manifests create it).
        namespace: String,
        /// The Argo CD project of the Applications.
        project: String,
    },
}

impl GitOps {
    /// Flux as `flux bootstrap` installs it, in `flux-system`.
    pub fn flux() -> Self {
        GitOps::Flux {
            namespace: "flux-system".into(),
        }
    }

    /// Argo CD as its install manifests create it, in `argocd`, with project `default`.
    pub fn argo_cd() -> Self {
        GitOps::ArgoCd {
            namespace: "argocd".into(),
            project: "default".into(),
        }
    }

    /// The controller's namespace, where the objects of each chart go. The controller's
    /// installation created it: the program does not.
    pub fn namespace(&self) -> &str {
        match self {
            GitOps::Flux { namespace } | GitOps::ArgoCd { namespace, .. } => namespace,
        }
    }

    /// The objects through which this controller installs `releases` (in order: each depends on
    /// the ones before it), named after the releases; `repository` names Flux's
    /// `HelmRepository` objects (suffixed when the releases come from several repositories).
    pub fn manifests(
        &self,
        repository: &str,
        releases: &[Release],
        labels: &BTreeMap<String, String>,
    ) -> Vec<Manifest> {
        let meta = |name: &str| ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(self.namespace().to_owned()),
            labels: (!labels.is_empty()).then(|| labels.clone()),
            ..Default::default()
        };
        let mut out = Vec::new();
        match self {
            GitOps::Flux { namespace } => {
                // One HelmRepository per distinct repository, in order of first use.
                let mut repositories: Vec<&str> = Vec::new();
                for release in releases {
                    if !repositories.contains(&release.repository.as_str()) {
                        repositories.push(&release.repository);
                    }
                }
                let repository_name = |url: &str| {
                    let i = repositories.iter().position(|r| *r == url).unwrap_or(0);
                    if i == 0 {
                        repository.to_owned()
                    } else {
                        format!("{repository}-{}", i + 1)
                    }
                };
                for url in &repositories {
                    let (url, oci) = match url.strip_prefix("oci://") {
                        Some(_) => (url.to_string(), Some(RepositoryType::Oci)),
                        None => (url.to_string(), None),
                    };
                    out.push(Manifest::new(HelmRepository {
                        metadata: meta(&repository_name(&url)),
                        spec: HelmRepositorySpec {
                            url,
                            repository_type: oci,
                            interval: Some("1h".into()),
                        },
                    }));
                }
                let retries = || Some(Remediation { retries: Some(3) });
                for (i, release) in releases.iter().enumerate() {
                    out.push(Manifest::new(HelmRelease {
                        metadata: meta(&release.name),
                        spec: HelmReleaseSpec {
                            interval: "10m".into(),
                            release_name: Some(release.name.clone()),
                            target_namespace: Some(release.namespace.clone()),
                            // Helm's history beside the release's objects, as `helm install -n`
                            // keeps it: `helm ls -n <namespace>` shows it.
                            storage_namespace: Some(release.namespace.clone()),
                            chart: Some(HelmChartTemplate {
                                spec: HelmChartTemplateSpec {
                                    chart: release.chart.clone(),
                                    version: Some(release.version.clone()),
                                    source_ref: SourceReference {
                                        kind: "HelmRepository".into(),
                                        name: repository_name(&release.repository),
                                        namespace: Some(namespace.clone()),
                                    },
                                    interval: None,
                                },
                            }),
                            depends_on: releases[..i]
                                .last()
                                .map(|before| CrossNamespaceReference {
                                    name: before.name.clone(),
                                    namespace: Some(namespace.clone()),
                                })
                                .into_iter()
                                .collect(),
                            install: Some(Install {
                                create_namespace: Some(true),
                                crds: Some(CrdsPolicy::CreateReplace),
                                remediation: retries(),
                            }),
                            upgrade: Some(Upgrade {
                                crds: Some(CrdsPolicy::CreateReplace),
                                remediation: retries(),
                            }),
                            values: (!release.values.is_empty()).then(|| release.values.clone()),
                        },
                    }));
                }
            }
            GitOps::ArgoCd { project, .. } => {
                for (i, release) in releases.iter().enumerate() {
                    let mut metadata = meta(&release.name);
                    // Argo CD deletes what an Application installed when the Application goes.
                    metadata.finalizers =
                        Some(vec!["resources-finalizer.argocd.argoproj.io".into()]);
                    // Releases of one chart sync in order, as Flux's `dependsOn` makes them.
                    if releases.len() > 1 {
                        metadata.annotations = Some(BTreeMap::from([(
                            "argocd.argoproj.io/sync-wave".into(),
                            i.to_string(),
                        )]));
                    }
                    let repo_url = release
                        .repository
                        .strip_prefix("oci://")
                        .unwrap_or(&release.repository)
                        .to_owned();
                    out.push(Manifest::new(Application {
                        metadata,
                        spec: ApplicationSpec {
                            project: project.clone(),
                            source: ApplicationSource {
                                repo_url,
                                chart: Some(release.chart.clone()),
                                target_revision: Some(release.version.clone()),
                                helm: Some(ApplicationSourceHelm {
                                    release_name: Some(release.name.clone()),
                                    values_object: (!release.values.is_empty())
                                        .then(|| release.values.clone()),
                                }),
                            },
                            destination: ApplicationDestination {
                                server: Some("https://kubernetes.default.svc".into()),
                                namespace: Some(release.namespace.clone()),
                            },
                            sync_policy: Some(SyncPolicy {
                                automated: Some(AutomatedSync {
                                    prune: Some(true),
                                    self_heal: Some(true),
                                }),
                                sync_options: vec![
                                    "CreateNamespace=true".into(),
                                    // CRDs larger than the client-side annotation limit
                                    // (kube-prometheus-stack's) apply only server-side.
                                    "ServerSideApply=true".into(),
                                ],
                                // A release whose CRDs another release of the chart installs
                                // (istiod after Istio's base) fails until they exist: Argo CD
                                // orders separate Applications only under a parent one.
                                retry: Some(RetryStrategy {
                                    limit: Some(10),
                                    backoff: Some(Backoff {
                                        duration: Some("30s".into()),
                                        factor: Some(2),
                                        max_duration: Some("5m".into()),
                                    }),
                                }),
                            }),
                        },
                    }));
                }
            }
        }
        out
    }
}

/// One Helm release of a chart: which chart, at which version, as which release, in which
/// namespace, with which values.
#[derive(Clone, Debug, PartialEq)]
pub struct Release {
    /// The release's name (`helm install <name>`).
    pub name: String,
    /// The namespace of the chart's objects.
    pub namespace: String,
    /// The chart repository: `https://…` (an index) or `oci://…` (a registry).
    pub repository: String,
    /// The chart's name in the repository.
    pub chart: String,
    /// The chart's exact version.
    pub version: String,
    /// The values, as the chart reads them.
    pub values: Map<String, Value>,
}

impl Release {
    /// A release of any chart, with values as a map: for charts [`charts`] has no type for.
    pub fn untyped(
        name: impl Into<String>,
        namespace: impl Into<String>,
        repository: impl Into<String>,
        chart: impl Into<String>,
        version: impl Into<String>,
        values: Map<String, Value>,
    ) -> Self {
        Release {
            name: name.into(),
            namespace: namespace.into(),
            repository: repository.into(),
            chart: chart.into(),
            version: version.into(),
            values,
        }
    }

    /// What is wrong with the release, if anything: names that are not DNS labels, a
    /// repository that is neither `https://` nor `oci://`, an empty version.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (what, value) in [("release name", &self.name), ("namespace", &self.namespace)] {
            if !girder_core::name::is_dns1123_label(value) || value.len() > 53 {
                problems.push(format!(
                    "the {what} `{value}` is not a DNS label of at most 53 characters (Helm's limit for release names)"
                ));
            }
        }
        let url = &self.repository;
        let scheme_ok = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("oci://"))
            .is_some_and(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace));
        if !scheme_ok {
            problems.push(format!(
                "the repository `{url}` is neither an `https://` index nor an `oci://` registry"
            ));
        }
        if self.chart.is_empty() || self.chart.contains(['/', ' ']) {
            problems.push(format!("`{}` is not a chart name", self.chart));
        }
        if self.version.is_empty() || self.version.contains([' ', '*', '>', '<', '^', '~']) {
            problems.push(format!(
                "`{}` is not an exact chart version: Girder pins versions, so that a synth is reproducible",
                self.version
            ));
        }
        problems
    }
}

/// A platform add-on Girder's constructs rely on: the operator or controller that serves some
/// of the objects they emit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AddOn {
    /// ingress-nginx: serves Ingresses of class `nginx`.
    IngressNginx,
    /// cert-manager: serves `cert-manager.io` objects (Certificates, issuers).
    CertManager,
    /// kube-prometheus-stack: the Prometheus operator serves `monitoring.coreos.com` objects
    /// (ServiceMonitors, PodMonitors, PrometheusRules), and its Grafana loads dashboards.
    KubePrometheusStack,
    /// KEDA: serves `keda.sh` objects (ScaledObjects, trigger authentications).
    Keda,
    /// External Secrets: serves `external-secrets.io` objects.
    ExternalSecrets,
    /// Istio: serves `networking.istio.io` and `security.istio.io` objects.
    Istio,
}

impl AddOn {
    /// Every add-on.
    pub const ALL: [AddOn; 6] = [
        AddOn::IngressNginx,
        AddOn::CertManager,
        AddOn::KubePrometheusStack,
        AddOn::Keda,
        AddOn::ExternalSecrets,
        AddOn::Istio,
    ];

    /// Its usual name, e.g. `ingress-nginx`.
    pub fn name(self) -> &'static str {
        match self {
            AddOn::IngressNginx => "ingress-nginx",
            AddOn::CertManager => "cert-manager",
            AddOn::KubePrometheusStack => "kube-prometheus-stack",
            AddOn::Keda => "KEDA",
            AddOn::ExternalSecrets => "External Secrets",
            AddOn::Istio => "Istio",
        }
    }

    /// The chart that provides it — (repository, chart) — and the type in [`charts`] that
    /// installs it.
    pub fn chart(self) -> (&'static str, &'static str, &'static str) {
        match self {
            AddOn::IngressNginx => (
                charts::INGRESS_NGINX_REPOSITORY,
                "ingress-nginx",
                "IngressNginx",
            ),
            AddOn::CertManager => (charts::JETSTACK_REPOSITORY, "cert-manager", "CertManager"),
            AddOn::KubePrometheusStack => (
                charts::PROMETHEUS_COMMUNITY_REPOSITORY,
                "kube-prometheus-stack",
                "KubePrometheusStack",
            ),
            AddOn::Keda => (charts::KEDA_REPOSITORY, "keda", "Keda"),
            AddOn::ExternalSecrets => (
                charts::EXTERNAL_SECRETS_REPOSITORY,
                "external-secrets",
                "ExternalSecrets",
            ),
            AddOn::Istio => (charts::ISTIO_REPOSITORY, "istiod", "Istio"),
        }
    }

    /// The add-on a release of chart `chart` from `repository` installs, if any. Repositories
    /// compare without a trailing `/`.
    pub fn provided_by(repository: &str, chart: &str) -> Option<AddOn> {
        let repository = repository.trim_end_matches('/');
        AddOn::ALL.into_iter().find(|a| {
            let (r, c, _) = a.chart();
            r == repository && c == chart
        })
    }

    /// The add-on that serves objects of `api_version` (by its API group), if any.
    pub fn serving(api_version: &str) -> Option<AddOn> {
        let group = api_version.split_once('/').map_or("", |(g, _)| g);
        Some(match group {
            "cert-manager.io" | "acme.cert-manager.io" => AddOn::CertManager,
            "monitoring.coreos.com" => AddOn::KubePrometheusStack,
            "keda.sh" => AddOn::Keda,
            "external-secrets.io" | "generators.external-secrets.io" => AddOn::ExternalSecrets,
            "networking.istio.io" | "security.istio.io" | "telemetry.istio.io" => AddOn::Istio,
            _ => return None,
        })
    }

    /// The add-on that serves Ingresses of class `class`, if one of these does.
    pub fn ingress_class(class: &str) -> Option<AddOn> {
        (class == charts::NGINX_CLASS).then_some(AddOn::IngressNginx)
    }

    /// How to install it in a program, for hints.
    pub fn install_hint(self) -> String {
        let (_, id, ty) = self.chart();
        format!(
            "install {name} in this environment: `HelmChart::new(&k8s, \"{id}\", charts::{ty}::default()).build()` (with `k8s.gitops(GitOps::flux())` or `GitOps::argo_cd()`), or, when it is installed another way, declare it: `k8s.installed_add_on(AddOn::{variant:?})`",
            name = self.name(),
            variant = self,
        )
    }
}

/// A construct's need of an add-on that none of its objects shows (a platform construct that
/// relies on Istio's sidecars, on the Prometheus operator scraping a label): emitted beside its
/// objects, it is checked like the needs of their kinds.
///
/// ```
/// use girder_core::{Construct, Context, Emitted};
/// use girder_k8s::helm::{AddOn, NeedsAddOn};
///
/// #[derive(Debug)]
/// struct MeshedService;
///
/// impl Construct for MeshedService {
///     fn kind(&self) -> &'static str {
///         "MeshedService"
///     }
///     fn render(&self, _cx: &Context<'_>, out: &mut Emitted) {
///         out.emit(NeedsAddOn::new(AddOn::Istio, "its pods take mutual TLS from Istio's sidecars"));
///     }
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeedsAddOn {
    /// The add-on.
    pub add_on: AddOn,
    /// Why the construct needs it, for the error when it is missing.
    pub why: String,
}

impl NeedsAddOn {
    /// The need of `add_on`, because `why`.
    pub fn new(add_on: AddOn, why: impl Into<String>) -> Self {
        NeedsAddOn {
            add_on,
            why: why.into(),
        }
    }
}

impl girder_core::Artifact for NeedsAddOn {
    const WHAT: &'static str = "add-on need";
}

/// An object of a program that installs an add-on ([`installers`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Installer {
    /// The add-on it installs.
    pub add_on: AddOn,
    /// Its index among the objects given to [`installers`]: a Flux `HelmRelease` or an Argo CD
    /// `Application`.
    pub index: usize,
}

/// Which add-ons one environment's `objects` (JSON, as the API server takes them) install, and
/// by which object, in the order of the objects:
///
/// * a Flux `HelmRelease` whose chart (`spec.chart.spec.chart`) comes from a `HelmRepository`
///   among the objects (`spec.chart.spec.sourceRef`, its namespace defaulting to the
///   release's), joined to that repository's `spec.url`;
/// * an Argo CD `Application` of `spec.source.chart` from `spec.source.repoURL` (which names an
///   OCI registry without its `oci://` scheme).
///
/// Either installs the add-on whose chart it is ([`AddOn::provided_by`]). A release whose
/// repository is not among the objects, or whose chart is not an add-on's, installs none.
///
/// ```
/// use girder_k8s::helm::{AddOn, GitOps, installers, charts::{Chart, Keda}};
///
/// let releases = Keda::default().releases(Keda::VERSION).unwrap();
/// let objects: Vec<_> = GitOps::flux()
///     .manifests("keda", &releases, &Default::default())
///     .iter()
///     .map(|m| m.object().to_value().unwrap())
///     .collect();
/// let found = installers(&objects);
/// assert_eq!(found.len(), 1);
/// assert_eq!(found[0].add_on, AddOn::Keda);
/// assert_eq!(objects[found[0].index]["kind"], "HelmRelease");
/// ```
pub fn installers<'a>(objects: impl IntoIterator<Item = &'a Value>) -> Vec<Installer> {
    let objects: Vec<&Value> = objects.into_iter().collect();
    let text = |v: &'a Value| v.as_str().unwrap_or_default();
    // (namespace, name, URL) of each Flux HelmRepository.
    let repositories: Vec<(&str, &str, &str)> = objects
        .iter()
        .filter(|o| is::<HelmRepository>(o))
        .map(|o| {
            let meta = &o["metadata"];
            (
                text(&meta["namespace"]),
                text(&meta["name"]),
                text(&o["spec"]["url"]),
            )
        })
        .collect();
    objects
        .iter()
        .enumerate()
        .filter_map(|(index, o)| {
            let add_on = if is::<HelmRelease>(o) {
                let chart = &o["spec"]["chart"]["spec"];
                let source = &chart["sourceRef"];
                if source["kind"] != "HelmRepository" {
                    return None;
                }
                let namespace = source["namespace"]
                    .as_str()
                    .unwrap_or(text(&o["metadata"]["namespace"]));
                let name = text(&source["name"]);
                let (_, _, url) = repositories
                    .iter()
                    .find(|(ns, n, _)| *ns == namespace && *n == name)?;
                AddOn::provided_by(url, text(&chart["chart"]))
            } else if is::<Application>(o) {
                let source = &o["spec"]["source"];
                let (url, chart) = (text(&source["repoURL"]), text(&source["chart"]));
                AddOn::provided_by(url, chart)
                    .or_else(|| AddOn::provided_by(&format!("oci://{url}"), chart))
            } else {
                None
            }?;
            Some(Installer { add_on, index })
        })
        .collect()
}

/// Whether `object` is of `R`'s group and kind (in any version).
fn is<R: k8s_openapi::Resource>(object: &Value) -> bool {
    object["kind"] == R::KIND
        && object["apiVersion"]
            .as_str()
            .and_then(|v| v.split_once('/'))
            .is_some_and(|(group, _)| group == R::GROUP)
}

impl std::fmt::Display for AddOn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::charts::{Chart, Istio, Keda};
    use super::*;

    #[test]
    fn flux_objects_of_a_chart_with_several_releases() {
        let releases = Istio::default().releases("1.26.3").unwrap();
        let objects = GitOps::flux().manifests("istio", &releases, &BTreeMap::new());
        let names: Vec<String> = objects.iter().map(|m| m.identity()).collect();
        assert_eq!(
            names,
            [
                "source.toolkit.fluxcd.io/v1 HelmRepository flux-system/istio",
                "helm.toolkit.fluxcd.io/v2 HelmRelease flux-system/istio-base",
                "helm.toolkit.fluxcd.io/v2 HelmRelease flux-system/istiod",
            ]
        );
        let istiod = objects[2].downcast_ref::<HelmRelease>().unwrap();
        assert_eq!(istiod.spec.depends_on[0].name, "istio-base");
        assert_eq!(
            istiod.spec.storage_namespace.as_deref(),
            Some("istio-system")
        );
    }

    #[test]
    fn argo_cd_applications_sync_in_order() {
        let releases = Istio::default().releases("1.26.3").unwrap();
        let objects = GitOps::argo_cd().manifests("istio", &releases, &BTreeMap::new());
        let waves: Vec<_> = objects
            .iter()
            .map(|m| {
                let app = m.downcast_ref::<Application>().unwrap();
                app.metadata.annotations.as_ref().unwrap()["argocd.argoproj.io/sync-wave"].clone()
            })
            .collect();
        assert_eq!(waves, ["0", "1"]);
        let single = GitOps::argo_cd().manifests(
            "keda",
            &Keda::default().releases("2.17.2").unwrap(),
            &BTreeMap::new(),
        );
        let app = single[0].downcast_ref::<Application>().unwrap();
        assert!(app.metadata.annotations.is_none());
        assert_eq!(app.spec.source.repo_url, charts::KEDA_REPOSITORY);
    }

    #[test]
    fn oci_repositories() {
        let release = Release::untyped(
            "podinfo",
            "podinfo",
            "oci://ghcr.io/stefanprodan/charts",
            "podinfo",
            "6.7.1",
            Map::new(),
        );
        assert!(release.problems().is_empty());
        let flux =
            GitOps::flux().manifests("podinfo", std::slice::from_ref(&release), &BTreeMap::new());
        let repo = flux[0].downcast_ref::<HelmRepository>().unwrap();
        assert_eq!(repo.spec.repository_type, Some(RepositoryType::Oci));
        let argo = GitOps::argo_cd().manifests("podinfo", &[release], &BTreeMap::new());
        let app = argo[0].downcast_ref::<Application>().unwrap();
        assert_eq!(app.spec.source.repo_url, "ghcr.io/stefanprodan/charts");
    }

    #[test]
    fn bad_releases_are_described() {
        let release = Release::untyped(
            "Podinfo",
            "pod info",
            "http://example.com",
            "a/b",
            "^6",
            Map::new(),
        );
        let problems = release.problems();
        assert_eq!(problems.len(), 5, "{problems:#?}");
    }

    #[test]
    fn installers_join_flux_releases_to_their_repositories() {
        let values = |manifests: Vec<Manifest>| -> Vec<Value> {
            manifests
                .iter()
                .map(|m| m.object().to_value().unwrap())
                .collect()
        };
        let istio = Istio::default().releases("1.26.3").unwrap();
        let keda = Keda::default().releases("2.17.2").unwrap();
        // HelmRepository istio, HelmRelease istio-base (Istio's CRDs, not an add-on's chart),
        // HelmRelease istiod; then an Argo CD Application of KEDA.
        let mut objects = values(GitOps::flux().manifests("istio", &istio, &BTreeMap::new()));
        objects.extend(values(GitOps::argo_cd().manifests(
            "keda",
            &keda,
            &BTreeMap::new(),
        )));
        // A release whose repository is not among the objects installs nothing.
        let mut orphan = objects[2].clone();
        orphan["metadata"]["name"] = "orphan".into();
        orphan["spec"]["chart"]["spec"]["sourceRef"]["name"] = "elsewhere".into();
        objects.push(orphan);
        // Nor does a release of a chart from another repository of the same name.
        let mut podinfo = values(GitOps::flux().manifests(
            "istio",
            &[Release::untyped(
                "istiod",
                "istio-system",
                "https://example.com/charts",
                "istiod",
                "1.0.0",
                Map::new(),
            )],
            &BTreeMap::new(),
        ));
        podinfo[0]["metadata"]["name"] = "other".into();
        podinfo[1]["spec"]["chart"]["spec"]["sourceRef"]["name"] = "other".into();
        objects.extend(podinfo);
        assert_eq!(
            installers(&objects),
            [
                Installer {
                    add_on: AddOn::Istio,
                    index: 2
                },
                Installer {
                    add_on: AddOn::Keda,
                    index: 3
                },
            ]
        );
        assert!(installers(&[serde_json::json!({"kind": "HelmRelease"})]).is_empty());
    }

    #[test]
    fn add_ons_are_recognized_by_chart_and_by_group() {
        for add_on in AddOn::ALL {
            let (repository, chart, _) = add_on.chart();
            assert_eq!(
                AddOn::provided_by(&format!("{repository}/"), chart),
                Some(add_on)
            );
        }
        assert_eq!(AddOn::serving("keda.sh/v1alpha1"), Some(AddOn::Keda));
        assert_eq!(AddOn::serving("apps/v1"), None);
        assert_eq!(AddOn::serving("v1"), None);
        assert_eq!(AddOn::ingress_class("nginx"), Some(AddOn::IngressNginx));
        assert!(
            AddOn::Keda
                .install_hint()
                .contains("charts::Keda::default()")
        );
    }
}
