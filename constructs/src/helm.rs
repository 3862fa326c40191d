//! [`HelmChart`]: a Helm chart as a dependency of the program, installed by the environment's
//! GitOps controller ([`GitOps`]: Flux or Argo CD) from the objects it emits; no `helm` binary
//! runs. Typed values for the platform add-ons are in [`charts`]; any other chart takes a map.
//!
//! ```
//! use girder_constructs::HelmChart;
//! use girder_core::App;
//! use girder_k8s::KubernetesExt;
//! use girder_k8s::helm::{GitOps, charts::{IngressNginx, IngressNginxController, Keda}};
//!
//! girder_core::environment!(pub Prod = "prod");
//!
//! let app = App::new("shop");
//! let k8s = app.environment(Prod).kubernetes();
//! k8s.gitops(GitOps::flux());
//! HelmChart::new(&k8s, "keda", Keda::default()).build();
//! HelmChart::new(&k8s, "ingress-nginx", IngressNginx {
//!     controller: IngressNginxController { replica_count: Some(2), ..Default::default() },
//! })
//! .version("4.13.3")
//! .build();
//! ```

use std::marker::PhantomData;

use girder_core::{Construct, Context, Diagnostic, Diagnostics, Emitted, Handle};
use girder_k8s::helm::charts::Chart;
use girder_k8s::labels::Labels;
use girder_k8s::{GitOpsChoices, Kubernetes};

pub use girder_k8s::helm::{AddOn, GitOps, NeedsAddOn, Release, charts};

/// A Helm chart the environment's GitOps controller installs: Flux's `HelmRepository` and a
/// `HelmRelease` per release, or an Argo CD `Application` per release, as the environment chose
/// with [`Kubernetes::gitops`]. Its releases install the chart's CRDs and create their
/// namespace; releases of one chart install in order.
///
/// A chart of a known add-on ([`AddOn`]) is what lets the objects that need it pass synth:
/// without KEDA's chart (or `k8s.installed_add_on(AddOn::Keda)`), a worker's ScaledObject is
/// refused, as it would do nothing.
///
/// ```
/// use girder_constructs::HelmChart;
/// use girder_core::App;
/// use girder_k8s::KubernetesExt;
/// use girder_k8s::helm::{GitOps, Release};
///
/// girder_core::environment!(pub Prod = "prod");
///
/// let app = App::new("shop");
/// let k8s = app.environment(Prod).kubernetes();
/// k8s.gitops(GitOps::argo_cd());
/// // A chart without typed values: its values as a map.
/// let values = serde_json::json!({"replicaCount": 2});
/// HelmChart::untyped(&k8s, "podinfo", Release::untyped(
///     "podinfo", "podinfo", "oci://ghcr.io/stefanprodan/charts", "podinfo", "6.7.1",
///     values.as_object().unwrap().clone(),
/// ));
/// ```
#[derive(Clone, Debug)]
pub struct HelmChart<E> {
    handle: Handle<HelmChartSpec>,
    _env: PhantomData<fn() -> E>,
}

/// The model of a [`HelmChart`].
#[derive(Debug)]
pub struct HelmChartSpec {
    name: String,
    /// The releases, or why the typed values did not serialize.
    releases: Result<Vec<Release>, String>,
    choices: GitOpsChoices,
}

// `new` starts a builder whose `build` returns the construct, as bon builders do.
#[allow(clippy::new_ret_no_self)]
#[bon::bon]
impl<E: girder_core::EnvironmentName> HelmChart<E> {
    /// Starts a chart with typed values ([`charts`]) in the cluster, with id `id`.
    #[builder(start_fn = new, finish_fn = build)]
    pub fn create<C: Chart>(
        #[builder(start_fn)] cluster: &Kubernetes<E>,
        #[builder(start_fn, into)] id: String,
        #[builder(start_fn)] chart: C,
        /// The chart's exact version (default: the one its values are written for,
        /// `C::VERSION`).
        #[builder(into)]
        version: Option<String>,
    ) -> HelmChart<E> {
        let version = version.unwrap_or_else(|| C::VERSION.to_owned());
        let releases = chart.releases(&version).map_err(|e| e.to_string());
        Self::add(cluster, id, releases)
    }

    /// A chart that [`charts`] has no type for: one release, its values as a map.
    pub fn untyped(cluster: &Kubernetes<E>, id: impl Into<String>, release: Release) -> Self {
        Self::add(cluster, id.into(), Ok(vec![release]))
    }

    fn add(cluster: &Kubernetes<E>, id: String, releases: Result<Vec<Release>, String>) -> Self {
        let app = cluster.app();
        let spec = HelmChartSpec {
            name: id.clone(),
            releases,
            choices: GitOpsChoices::of_app(app),
        };
        HelmChart {
            handle: app.add(cluster.node(), id, spec),
            _env: PhantomData,
        }
    }
}

impl<E> HelmChart<E> {
    /// The handle to its model in the tree.
    pub fn handle(&self) -> &Handle<HelmChartSpec> {
        &self.handle
    }

    /// Its releases (empty when its values did not serialize, which synth reports).
    pub fn releases(&self) -> Vec<Release> {
        self.handle
            .read(|spec| spec.releases.clone().unwrap_or_default())
    }
}

impl HelmChartSpec {
    /// The environment's GitOps controller, or the choices it made instead of one.
    fn gitops(&self, env: &str) -> Result<GitOps, Vec<GitOps>> {
        match self.choices.choice(env) {
            Ok(Some(gitops)) => Ok(gitops),
            Ok(None) => Err(Vec::new()),
            Err(choices) => Err(choices),
        }
    }
}

/// Why environment `cx.env` has no one GitOps controller: it chose none, or these `choices`.
fn no_gitops(cx: &Context<'_>, choices: &[GitOps]) -> Diagnostic {
    if choices.is_empty() {
        return Diagnostic::error(
            cx.path.as_str(),
            format!("environment `{}` chooses no GitOps controller to install Helm charts", cx.env),
        )
        .hint("choose one for the environment: `k8s.gitops(GitOps::flux())` or `k8s.gitops(GitOps::argo_cd())`");
    }
    let names: Vec<String> = choices.iter().map(|c| format!("{c:?}")).collect();
    Diagnostic::error(
        cx.path.as_str(),
        format!(
            "environment `{}` chooses {} GitOps controllers: {}",
            cx.env,
            choices.len(),
            names.join(", ")
        ),
    )
    .hint("a cluster's charts are installed by one controller: call `k8s.gitops(..)` once per environment")
}

impl Construct for HelmChartSpec {
    fn kind(&self) -> &'static str {
        "HelmChart"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        if let Err(choices) = self.gitops(cx.env) {
            diags.push(no_gitops(cx, &choices));
        }
        let releases = match &self.releases {
            Ok(releases) => releases,
            Err(error) => {
                diags.push(
                    Diagnostic::error(
                        cx.path.as_str(),
                        format!("the chart's values do not serialize: {error}"),
                    )
                    .hint("typed values serialize as a map of the chart's keys"),
                );
                return;
            }
        };
        for release in releases {
            for problem in release.problems() {
                diags.push(
                    Diagnostic::error(cx.path.as_str(), format!("release `{}`: {problem}", release.name))
                        .hint("a release is `Release::untyped(name, namespace, \"https://…\" or \"oci://…\", chart, exact version, values)`"),
                );
            }
        }
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        let (Ok(gitops), Ok(releases)) = (self.gitops(cx.env), &self.releases) else {
            return;
        };
        let labels = Labels::new(cx, &self.name, "helm-chart").all();
        for manifest in gitops.manifests(&self.name, releases, &labels) {
            out.emit(manifest);
        }
    }
}

/// The typed charts, re-exported beside [`HelmChart`].
pub use charts::{CertManager, ExternalSecrets, IngressNginx, Istio, Keda, KubePrometheusStack};
