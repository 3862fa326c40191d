//! Monitoring: [`ServiceMonitor`]s and [`PodMonitor`]s (for workers, which have no Service) that
//! scrape a workload's declared metrics port, the typed metrics they give
//! ([`metrics!`](crate::metrics!), [`Metric`], [`Promql`]), and what reads them: [`AlertRule`]s,
//! Grafana [`Dashboard`]s and [`Scaler::prometheus`](crate::Scaler::prometheus).
//!
//! A workload's metrics are a declared shape, reachable only through the monitor that scrapes
//! them, and every query carries the environment and namespace of the workload it reads:
//!
//! ```
//! use girder_constructs::monitoring::{AlertRule, ServiceMonitor, Severity, Window};
//! use girder_constructs::{Port, WebService};
//! use girder_core::App;
//! use girder_k8s::KubernetesExt;
//!
//! girder_core::environment!(pub Prod = "prod");
//! girder_k8s::namespace!(pub Web = "web");
//! girder_constructs::metrics! {
//!     /// What the API exposes on `/metrics`.
//!     pub struct ApiMetrics {
//!         counter http_requests_total [method, status],
//!         histogram http_request_duration_seconds [route],
//!         gauge queue_depth [],
//!     }
//! }
//!
//! let app = App::new("shop");
//! let ns = app.environment(Prod).kubernetes().namespace(Web);
//! let api = WebService::new(&ns, "api")
//!     .image("ghcr.io/acme/api:1.0.0")
//!     .port(8080)
//!     .build();
//! let metrics_port = api.add_port(Port::tcp("metrics", 9090));
//! let api_metrics = ApiMetrics::of(&ServiceMonitor::new(&api, &metrics_port).build());
//!
//! let requests = api_metrics.http_requests_total();
//! let errors = requests.clone().filter(|l| l.status.matches("5.."));
//! AlertRule::new(&ns, "api-errors")
//!     .expr(
//!         errors.rate(Window::minutes(5)).sum()
//!             .ratio(requests.rate(Window::minutes(5)).sum())
//!             .gt(0.05),
//!     )
//!     .severity(Severity::Page)
//!     .summary("More than 5% of API requests fail")
//!     .runbook("https://runbooks.example.com/api-errors")
//!     .build();
//! AlertRule::new(&ns, "api-slow")
//!     .expr(api_metrics.http_request_duration_seconds().quantile(0.95, Window::minutes(5)).gt(1.0))
//!     .summary("API p95 latency above 1 s")
//!     .build();
//! ```
//!
//! The query selects exactly that workload's series:
//! `rate(http_requests_total{namespace="web", service="api", endpoint="metrics", status=~"5.."}[5m])`.
//!
//! A label the shape does not declare does not compile, nor does an operation that does not fit
//! the metric's type (`rate` of a gauge):
//!
//! ```compile_fail
//! # use girder_constructs::monitoring::{ServiceMonitor, Window};
//! # use girder_constructs::WebService;
//! # use girder_k8s::KubernetesExt;
//! # girder_core::environment!(pub Prod = "prod");
//! # girder_k8s::namespace!(pub Web = "web");
//! # girder_constructs::metrics! { pub struct ApiMetrics { gauge queue_depth [] } }
//! # let app = girder_core::App::new("shop");
//! # let ns = app.environment(Prod).kubernetes().namespace(Web);
//! # let api = WebService::new(&ns, "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
//! let api_metrics = ApiMetrics::of(&ServiceMonitor::new(&api, api.port()).build());
//! api_metrics.queue_depth().rate(Window::minutes(5));
//! ```
//!
//! Nor does an alert of one namespace on the metrics of another (or of another environment):
//! Prometheus evaluates a namespace's rules with that namespace's label when the operator
//! enforces it, and another environment's metrics are in another cluster's Prometheus.
//!
//! ```compile_fail
//! # use girder_constructs::monitoring::{AlertRule, ServiceMonitor, Window};
//! # use girder_constructs::WebService;
//! # use girder_k8s::KubernetesExt;
//! # girder_core::environment!(pub Prod = "prod");
//! # girder_k8s::namespace!(pub Web = "web");
//! # girder_k8s::namespace!(pub Billing = "billing");
//! # girder_constructs::metrics! { pub struct ApiMetrics { gauge queue_depth [] } }
//! # let app = girder_core::App::new("shop");
//! # let k8s = app.environment(Prod).kubernetes();
//! # let api = WebService::new(&k8s.namespace(Web), "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
//! let api_metrics = ApiMetrics::of(&ServiceMonitor::new(&api, api.port()).build());
//! AlertRule::new(&k8s.namespace(Billing), "queue")
//!     .expr(api_metrics.queue_depth().value().gt(100.0))
//!     .summary("The queue is long")
//!     .build();
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use bon::bon;
use girder_core::{Construct, Context, Diagnostic, Diagnostics, Emitted, EnvironmentName, Handle};
use girder_k8s::crd::monitoring::{
    Endpoint as ScrapeEndpoint, NamespaceSelector, PodMetricsEndpoint,
    PodMonitor as PodMonitorObject, PodMonitorSpec, PrometheusRule, PrometheusRuleSpec, Rule,
    RuleGroup, RuleKind, ServiceMonitor as ServiceMonitorObject, ServiceMonitorSpec,
};
use girder_k8s::k8s_openapi::api::core::v1::ConfigMap;
use girder_k8s::k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use girder_k8s::labels::Labels;
use girder_k8s::{Manifest, NamespaceName, NamespaceScope, OnKubernetes};

#[doc(hidden)]
pub use crate::metrics::__label_name;
use crate::metrics::ScrapeTarget;
pub use crate::metrics::{
    Counter, DeclaredMetric, Gauge, Histogram, IsCounter, IsGauge, IsHistogram, Label, LabelSet,
    Matcher, Metric, MetricKind, Promql, Query, Scrape, Scraped, Vector,
};
use crate::monitoring::pods::Pods;
use crate::workload::{OwnPort, Peer, Port, PortOf};
use crate::{Scaler, WebService};
use girder_k8s::crd::keda::TriggerType;

/// A PromQL duration: whole seconds, written in the largest exact unit (`5m`, `90s`, `1h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Window(u32);

impl Window {
    /// `n` seconds.
    pub const fn seconds(n: u32) -> Window {
        Window(n)
    }

    /// `n` minutes.
    pub const fn minutes(n: u32) -> Window {
        Window(n * 60)
    }

    /// `n` hours.
    pub const fn hours(n: u32) -> Window {
        Window(n * 3600)
    }

    /// Why a range over this window is not PromQL, if it is not.
    pub(crate) fn problem(self) -> Option<String> {
        (self.0 == 0)
            .then(|| "a range of 0s is not PromQL: a window is at least 1 second".to_owned())
    }
}

crate::metrics! {
    /// The request metrics most HTTP instrumentation exposes (Prometheus' client libraries'
    /// conventions, `prometheus-fastapi-instrumentator`, ...): requests by handler, method and
    /// status, and their duration in seconds. Take it from the [`ServiceMonitor`] of a service
    /// that exposes them: `HttpMetrics::of(&monitor)`.
    pub struct HttpMetrics {
        /// Requests answered.
        counter http_requests_total [handler, method, status],
        /// How long requests took, in seconds.
        histogram http_request_duration_seconds [handler, method],
    }
}

impl<E, N> HttpMetrics<E, N> {
    /// The share of requests answered with a 5xx status over `window`.
    pub fn error_ratio(&self, window: Window) -> Promql<E, N> {
        let requests = self.http_requests_total();
        let errors = requests
            .clone()
            .filter(|l| l.status.matches("5.."))
            .rate(window)
            .sum();
        errors.ratio(requests.rate(window).sum())
    }

    /// The `q` quantile (e.g. 0.95) of request latency in seconds over `window`.
    pub fn latency_quantile(&self, q: f64, window: Window) -> Promql<E, N> {
        self.http_request_duration_seconds().quantile(q, window)
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => f.write_str("0s"),
            s if s % 3600 == 0 => write!(f, "{}h", s / 3600),
            s if s % 60 == 0 => write!(f, "{}m", s / 60),
            s => write!(f, "{s}s"),
        }
    }
}

impl<E: EnvironmentName, N: OnKubernetes> Scaler<E, N> {
    /// KEDA's Prometheus scaler: one pod per `per_pod` of `query`'s value, a query of the
    /// metrics of workloads in the worker's own environment and namespace, built from their
    /// shapes ([`metrics!`](crate::metrics!)). KEDA asks the Prometheus of kube-prometheus-stack
    /// (`prometheus-operated` in `monitoring`). A query that is not PromQL (a window of 0s, a
    /// quantile outside 0..1) or a `per_pod` of 0 is reported at synth.
    ///
    /// ```
    /// # use girder_constructs::monitoring::{ServiceMonitor, Window};
    /// # use girder_constructs::{Scaler, WebService, Worker};
    /// # use girder_k8s::KubernetesExt;
    /// # girder_core::environment!(pub Prod = "prod");
    /// # girder_k8s::namespace!(pub Shop = "shop");
    /// girder_constructs::metrics! { pub struct Orders { gauge orders_pending [] } }
    /// # let app = girder_core::App::new("shop");
    /// # let ns = app.environment(Prod).kubernetes().namespace(Shop);
    /// let api = WebService::new(&ns, "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
    /// let orders = Orders::of(&ServiceMonitor::new(&api, api.port()).build());
    /// let worker = Worker::new(&ns, "fulfil").image("ghcr.io/acme/fulfil:1.0.0").replicas(1..=10).build();
    /// worker.scale_on(Scaler::prometheus(orders.orders_pending().value().sum(), 50));
    /// ```
    pub fn prometheus(query: impl Query<E, N>, per_pod: u32) -> Self {
        let query = query.into_promql();
        query.report(
            "the scaler's query",
            (per_pod == 0).then(|| "one pod per 0 is no threshold".to_owned()),
        );
        Scaler::new(
            TriggerType::Prometheus,
            [
                ("serverAddress", PROMETHEUS_SERVER.to_owned()),
                ("query", query.as_str().to_owned()),
                ("threshold", per_pod.to_string()),
            ],
        )
    }
}

/// The Prometheus that kube-prometheus-stack runs, as its operator's Service names it.
const PROMETHEUS_SERVER: &str = "http://prometheus-operated.monitoring.svc.cluster.local:9090";

/// How urgent an alert is: its `severity` label, which Alertmanager routes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Wake someone up.
    Page,
    /// Look at it during working hours.
    Ticket,
    /// For dashboards only.
    Info,
}

impl Severity {
    fn as_str(self) -> &'static str {
        match self {
            Severity::Page => "page",
            Severity::Ticket => "ticket",
            Severity::Info => "info",
        }
    }
}

/// The Prometheus the monitoring constructs target: its namespace, the labels of its pods (for
/// NetworkPolicies) and the label its operator selects rules and monitors by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prometheus {
    namespace: String,
    pod_labels: BTreeMap<String, String>,
    select: (String, String),
}

impl Prometheus {
    /// kube-prometheus-stack installed as release `prometheus` in namespace `monitoring`.
    pub fn kube_prometheus_stack() -> Prometheus {
        Prometheus {
            namespace: "monitoring".into(),
            pod_labels: BTreeMap::from([("app.kubernetes.io/name".into(), "prometheus".into())]),
            select: ("release".into(), "prometheus".into()),
        }
    }

    fn peer(&self) -> Peer {
        Peer::NamespacePods {
            namespace: self.namespace.clone(),
            labels: self.pod_labels.clone(),
        }
    }
}

impl Default for Prometheus {
    fn default() -> Self {
        Prometheus::kube_prometheus_stack()
    }
}

/// One alert, as a `PrometheusRule` with one group.
pub struct AlertRule<E, N> {
    handle: Handle<AlertRuleSpec>,
    _scope: PhantomData<fn() -> (E, N)>,
}

impl<E, N> fmt::Debug for AlertRule<E, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AlertRule({})", self.handle.path())
    }
}

/// The model of an [`AlertRule`].
#[derive(Debug)]
pub struct AlertRuleSpec {
    name: String,
    namespace: String,
    alert: String,
    /// The condition's text.
    expr: String,
    /// What is wrong with it, found while it was built.
    expr_problems: Vec<String>,
    for_: Window,
    severity: Severity,
    summary: String,
    runbook: Option<String>,
    prometheus: Prometheus,
}

fn alert_name(id: &str) -> String {
    id.split('-')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

// `new` starts a builder whose `build` returns the construct, as bon builders do.
#[allow(clippy::new_ret_no_self)]
#[bon]
impl<E: EnvironmentName, N: OnKubernetes> AlertRule<E, N> {
    /// Starts an alert with id `id` (its alert name is the id in PascalCase) in `namespace`;
    /// `expr` and `summary` are required.
    #[builder(start_fn = new, finish_fn = build)]
    pub fn create(
        #[builder(start_fn)] scope: &impl NamespaceScope<Env = E, Ns = N>,
        #[builder(start_fn, into)] id: String,
        /// The condition: the alert fires while it returns series. A query of the metrics of
        /// workloads in the alert's own environment and namespace, built from their shapes
        /// ([`metrics!`](crate::metrics!)).
        #[builder(with = |expr: impl Query<E, N>| expr.into_promql())]
        expr: Promql<E, N>,
        /// How long the condition must hold before the alert fires (default 5 minutes).
        #[builder(default = Window::minutes(5))]
        for_: Window,
        /// The `severity` label (default `Ticket`).
        #[builder(default = Severity::Ticket)]
        severity: Severity,
        /// The `summary` annotation: what is wrong, in one line.
        #[builder(into)]
        summary: String,
        /// The `runbook_url` annotation: what to do.
        #[builder(into)]
        runbook: Option<String>,
        /// The Prometheus that evaluates it (default: kube-prometheus-stack).
        #[builder(default)]
        prometheus: Prometheus,
    ) -> AlertRule<E, N> {
        let namespace = scope.namespace();
        let name = scope.object_name(&id);
        let spec = AlertRuleSpec {
            // In a composite construct, the composite's name too: `api-errors`, `ApiErrors`.
            alert: alert_name(&name),
            name,
            namespace: N::NAME.into(),
            expr: expr.as_str().to_owned(),
            expr_problems: expr.problems().to_vec(),
            for_,
            severity,
            summary,
            runbook,
            prometheus,
        };
        AlertRule {
            handle: namespace.app().add(scope.parent(), id, spec),
            _scope: PhantomData,
        }
    }
}

impl Construct for AlertRuleSpec {
    fn kind(&self) -> &'static str {
        "AlertRule"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        let path = cx.path.as_str();
        for problem in &self.expr_problems {
            diags.push(
                Diagnostic::error(path, format!("in `{}`: {problem}", self.expr))
                    .hint("a window is at least `Window::seconds(1)`, a quantile between 0 and 1, a threshold a finite number"),
            );
        }
        if self.summary.trim().is_empty() {
            diags
                .push(Diagnostic::error(path, "the alert has no summary").hint(
                    "say what is wrong in one line: it is what the person paged reads first",
                ));
        }
        if self.severity == Severity::Page && self.runbook.is_none() {
            diags.push(
                Diagnostic::warning(path, "a paging alert without a runbook")
                    .hint("set `.runbook(\"https://...\")`: say what to do when it fires"),
            );
        }
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        let labels = Labels::new(cx, &self.name, "alert-rule");
        let mut object_labels = labels.all();
        object_labels.insert(
            self.prometheus.select.0.clone(),
            self.prometheus.select.1.clone(),
        );
        let mut annotations = BTreeMap::from([("summary".to_owned(), self.summary.clone())]);
        if let Some(runbook) = &self.runbook {
            annotations.insert("runbook_url".into(), runbook.clone());
        }
        out.emit(Manifest::new(PrometheusRule {
            metadata: ObjectMeta {
                name: Some(self.name.clone()),
                namespace: Some(self.namespace.clone()),
                labels: Some(object_labels),
                ..Default::default()
            },
            spec: PrometheusRuleSpec {
                groups: vec![RuleGroup {
                    name: self.name.clone(),
                    interval: None,
                    rules: vec![Rule {
                        kind: RuleKind::Alert(self.alert.clone()),
                        expr: self.expr.clone(),
                        for_: Some(self.for_.to_string()),
                        labels: BTreeMap::from([(
                            "severity".to_owned(),
                            self.severity.as_str().to_owned(),
                        )]),
                        annotations,
                    }],
                }],
            },
        }));
    }
}

/// A `ServiceMonitor` that scrapes a [`WebService`]'s metrics port, and the NetworkPolicy rule
/// that lets Prometheus in on that port only.
///
/// ```
/// use girder_constructs::monitoring::ServiceMonitor;
/// use girder_constructs::{Port, WebService};
/// use girder_core::App;
/// use girder_k8s::KubernetesExt;
///
/// girder_core::environment!(pub Prod = "prod");
/// girder_k8s::namespace!(pub Web = "web");
///
/// let app = App::new("shop");
/// let ns = app.environment(Prod).kubernetes().namespace(Web);
/// let api = WebService::new(&ns, "api")
///     .image("ghcr.io/acme/api:1.0.0")
///     .port(8080)
///     .build();
/// let metrics = api.add_port(Port::tcp("metrics", 9090));
/// let monitor = ServiceMonitor::new(&api, &metrics).build();
/// // Its metrics, typed: the only way to query them (see the module docs).
/// let http = girder_constructs::monitoring::HttpMetrics::of(&monitor);
/// ```
///
/// The port is a handle the service handed out (its main port, `api.port()`, or one from
/// `api.add_port(..)`), not a name: a port name is not accepted.
///
/// ```compile_fail
/// # use girder_constructs::monitoring::ServiceMonitor;
/// # use girder_constructs::{Port, WebService};
/// # use girder_k8s::KubernetesExt;
/// # girder_core::environment!(pub Prod = "prod");
/// # girder_k8s::namespace!(pub Web = "web");
/// # let app = girder_core::App::new("shop");
/// # let ns = app.environment(Prod).kubernetes().namespace(Web);
/// # let api = WebService::new(&ns, "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
/// ServiceMonitor::new(&api, "http").build();
/// ```
pub struct ServiceMonitor<E, N> {
    handle: Handle<ServiceMonitorSpecModel>,
    _scope: PhantomData<fn() -> (E, N)>,
}

impl<E, N> fmt::Debug for ServiceMonitor<E, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ServiceMonitor({})", self.handle.path())
    }
}

/// The model of a [`ServiceMonitor`].
#[derive(Debug)]
pub struct ServiceMonitorSpecModel {
    scrape: ScrapeModel,
}

/// What a [`ServiceMonitor`] or a [`PodMonitor`] scrapes, and how.
#[derive(Debug)]
struct ScrapeModel {
    /// The monitor's object name: the workload's.
    name: String,
    namespace: String,
    /// The identity labels of the workload's Service or pods.
    selector: BTreeMap<String, String>,
    /// The scraped port, and the workload that must declare it.
    port: Port,
    workload: String,
    declared: bool,
    path: String,
    interval: Window,
    prometheus: Prometheus,
    /// The metrics shapes read from what it scrapes: their names, checked at synth.
    shapes: Vec<(&'static str, &'static [DeclaredMetric])>,
}

impl ScrapeModel {
    /// The model of a monitor of `port` of the workload `pods`, which admitted Prometheus on
    /// the port if it `declared` it.
    fn new(
        pods: &Pods,
        namespace: &str,
        port: &Port,
        declared: bool,
        (path, interval, prometheus): (String, Window, Prometheus),
    ) -> Self {
        ScrapeModel {
            name: pods.name.clone(),
            namespace: namespace.to_owned(),
            selector: Labels::selector_of(&pods.app.path(pods.node), &pods.name),
            port: port.clone(),
            workload: pods.app.path(pods.node).to_string(),
            declared,
            path,
            interval,
            prometheus,
            shapes: Vec::new(),
        }
    }

    /// Records that `shape` is read from the scraped series, for synth to check it.
    fn record(&mut self, shape: &'static str, metrics: &'static [DeclaredMetric]) {
        if !self
            .shapes
            .iter()
            .any(|(name, m)| *name == shape && *m == metrics)
        {
            self.shapes.push((shape, metrics));
        }
    }

    /// Reports an undeclared port (with `hint`: which handle to pass), a shape that declares
    /// what the scrape sets, a relative path.
    fn validate(&self, cx: &Context<'_>, hint: String, diags: &mut Diagnostics) {
        if !self.declared {
            let port = &self.port;
            diags.push(
                Diagnostic::error(
                    cx.path.as_str(),
                    format!(
                        "monitors port {}, which `{}` does not declare",
                        port.describe(),
                        self.workload
                    ),
                )
                .hint(hint),
            );
        }
        for (shape, metrics) in &self.shapes {
            for metric in *metrics {
                for (problem, hint) in metric.problems() {
                    diags.push(
                        Diagnostic::error(
                            cx.path.as_str(),
                            format!("metrics shape `{shape}`: {problem}"),
                        )
                        .hint(hint),
                    );
                }
            }
        }
        if !self.path.starts_with('/') {
            diags.push(
                Diagnostic::error(
                    cx.path.as_str(),
                    format!("metrics path `{}` does not start with '/'", self.path),
                )
                .hint("e.g. `/metrics`"),
            );
        }
    }

    /// The monitor's metadata: its labels and the one its Prometheus selects monitors by.
    fn meta(&self, cx: &Context<'_>, component: &'static str) -> ObjectMeta {
        let mut labels = Labels::new(cx, &self.name, component).all();
        labels.insert(
            self.prometheus.select.0.clone(),
            self.prometheus.select.1.clone(),
        );
        ObjectMeta {
            name: Some(self.name.clone()),
            namespace: Some(self.namespace.clone()),
            labels: Some(labels),
            ..Default::default()
        }
    }

    fn selector(&self) -> (LabelSelector, Option<NamespaceSelector>) {
        (
            LabelSelector {
                match_labels: Some(self.selector.clone()),
                ..Default::default()
            },
            Some(NamespaceSelector {
                any: false,
                match_names: vec![self.namespace.clone()],
            }),
        )
    }
}

// `new` starts a builder whose `build` returns the construct, as bon builders do.
#[allow(clippy::new_ret_no_self)]
#[bon]
impl<E: EnvironmentName, N: OnKubernetes> ServiceMonitor<E, N> {
    /// Starts a monitor of `service`'s port `port`: its main port (`service.port()`) or one
    /// `service.add_port(..)` returned. A port of another service is reported at synth.
    #[builder(start_fn = new, finish_fn = build)]
    pub fn create(
        #[builder(start_fn)] service: &WebService<E, N>,
        #[builder(start_fn)] port: &impl OwnPort<WebService<E, N>>,
        /// The metrics path (default `/metrics`).
        #[builder(into, default = "/metrics".to_owned())]
        path: String,
        /// How often Prometheus scrapes (default 30 s).
        #[builder(default = Window::seconds(30))]
        interval: Window,
        /// The Prometheus that scrapes (default: kube-prometheus-stack).
        #[builder(default)]
        prometheus: Prometheus,
    ) -> ServiceMonitor<E, N> {
        let port = port.handle();
        let declared = service.declares(port);
        if declared {
            service.allow_from_on(prometheus.peer(), port);
        }
        let pods = pods::Sealed::pods(service);
        let spec = ServiceMonitorSpecModel {
            scrape: ScrapeModel::new(
                &pods,
                N::NAME,
                port.as_port(),
                declared,
                (path, interval, prometheus),
            ),
        };
        ServiceMonitor {
            handle: pods.add_monitor("monitor", spec),
            _scope: PhantomData,
        }
    }
}

impl<E: EnvironmentName, N: OnKubernetes> Scraped<E, N> for ServiceMonitor<E, N> {
    fn scrape(&self, shape: &'static str, metrics: &'static [DeclaredMetric]) -> Scrape<E, N> {
        let (app, node) = (self.handle.app(), self.handle.node());
        self.handle.update(|s| {
            let s = &mut s.scrape;
            s.record(shape, metrics);
            let target = ScrapeTarget::Service(s.name.as_str().into());
            Scrape::new(app, node, &s.namespace, target, s.port.name())
        })
    }
}

impl Construct for ServiceMonitorSpecModel {
    fn kind(&self) -> &'static str {
        "ServiceMonitor"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        let port = &self.scrape.port;
        let hint = format!(
            "pass a port handle of the service: its main port (`service.port()`) or the one `service.add_port(Port::{}(\"{}\", {}))` returned",
            port.protocol().as_str().to_ascii_lowercase(),
            port.name(),
            port.number()
        );
        self.scrape.validate(cx, hint, diags);
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        let s = &self.scrape;
        let (selector, namespace_selector) = s.selector();
        out.emit(Manifest::new(ServiceMonitorObject {
            metadata: s.meta(cx, "service-monitor"),
            spec: ServiceMonitorSpec {
                selector,
                namespace_selector,
                endpoints: vec![ScrapeEndpoint {
                    port: Some(s.port.name().to_owned()),
                    path: Some(s.path.clone()),
                    interval: Some(s.interval.to_string()),
                    scheme: None,
                }],
            },
        }));
    }
}

/// A workload whose pods a [`PodMonitor`] scrapes: a [`Worker`](crate::Worker), a
/// [`WebService`] or a [`StatefulService`](crate::StatefulService). Sealed.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no pods for a PodMonitor to scrape",
    label = "not a workload",
    note = "a PodMonitor scrapes the pods of a `Worker`, `WebService` or `StatefulService`: pass the workload and one of its port handles (`worker.add_port(Port::tcp(\"metrics\", 9100))`)"
)]
pub trait MonitoredPods: pods::Sealed {
    /// The workload's environment.
    type Env: EnvironmentName;
    /// The workload's namespace.
    type Ns: NamespaceName;
}

/// What a monitor needs of the workload it scrapes; private, so that only workloads are.
pub(crate) mod pods {
    use girder_core::{App, Construct, Handle, NodeId};

    use super::{Peer, PortOf};

    /// The workload's pods, and the rule that lets Prometheus in.
    pub trait Sealed: Sized {
        /// Where the workload is, and its object name.
        fn pods(&self) -> Pods;
        /// Admits `peer` on `port` if the workload declares it; whether it does.
        fn admit_scraper(&self, peer: Peer, port: &PortOf<Self>) -> bool;
    }

    /// Where a monitored workload is in the tree, and its object name.
    #[derive(Debug)]
    pub struct Pods {
        pub(super) app: App,
        pub(super) node: NodeId,
        pub(super) name: String,
    }

    impl Pods {
        /// The pods of the workload of `handle`, named `name`.
        pub(crate) fn of<T: Construct>(handle: &Handle<T>, name: &str) -> Pods {
            Pods {
                app: handle.app().clone(),
                node: handle.node(),
                name: name.to_owned(),
            }
        }

        /// Adds a monitor of the workload beside it, with id `<workload id>-<suffix>`.
        pub(super) fn add_monitor<T: Construct>(&self, suffix: &str, spec: T) -> Handle<T> {
            let app = &self.app;
            let parent = app.parent(self.node).unwrap_or(self.node);
            app.add(parent, format!("{}-{suffix}", app.id(self.node)), spec)
        }
    }
}

impl<E: EnvironmentName, N: NamespaceName> pods::Sealed for WebService<E, N> {
    fn pods(&self) -> Pods {
        Pods::of(self.handle(), self.name())
    }

    fn admit_scraper(&self, peer: Peer, port: &PortOf<Self>) -> bool {
        let declared = self.declares(port);
        if declared {
            self.allow_from_on(peer, port);
        }
        declared
    }
}

impl<E: EnvironmentName, N: NamespaceName> MonitoredPods for WebService<E, N> {
    type Env = E;
    type Ns = N;
}

/// A `PodMonitor` that scrapes a workload's pods on one of its ports, and the NetworkPolicy
/// rule that lets Prometheus in on that port only: for a [`Worker`](crate::Worker), which has
/// no Service for a [`ServiceMonitor`] (or any workload whose pods should be scraped one by
/// one). Its metrics are typed like a ServiceMonitor's: `ApiMetrics::of(&pod_monitor)`, and
/// select the workload's series by the `job` the operator gives them (`<namespace>/<name>`).
///
/// ```
/// use girder_constructs::monitoring::{AlertRule, PodMonitor, Window};
/// use girder_constructs::{Port, Worker};
/// use girder_k8s::KubernetesExt;
///
/// girder_core::environment!(pub Prod = "prod");
/// girder_k8s::namespace!(pub Jobs = "jobs");
/// girder_constructs::metrics! {
///     pub struct DrainMetrics { counter jobs_failed_total [queue] }
/// }
///
/// let app = girder_core::App::new("shop");
/// let ns = app.environment(Prod).kubernetes().namespace(Jobs);
/// let drain = Worker::new(&ns, "drain").image("ghcr.io/acme/drain:1.0.0").replicas(1).build();
/// let metrics_port = drain.add_port(Port::tcp("metrics", 9100));
/// let drained = DrainMetrics::of(&PodMonitor::new(&drain, &metrics_port).build());
/// let failures = drained.jobs_failed_total().rate(Window::minutes(5)).sum();
/// assert_eq!(
///     failures.as_str(),
///     r#"sum(rate(jobs_failed_total{namespace="jobs", job="jobs/drain", endpoint="metrics"}[5m]))"#
/// );
/// AlertRule::new(&ns, "drain-failing").expr(failures.gt(0.1)).summary("Jobs fail").build();
/// ```
///
/// The port is a handle the workload handed out: one of another workload does not compile.
///
/// ```compile_fail
/// # use girder_constructs::monitoring::PodMonitor;
/// # use girder_constructs::{Port, WebService, Worker};
/// # use girder_k8s::KubernetesExt;
/// # girder_core::environment!(pub Prod = "prod");
/// # girder_k8s::namespace!(pub Jobs = "jobs");
/// # let app = girder_core::App::new("shop");
/// # let ns = app.environment(Prod).kubernetes().namespace(Jobs);
/// let api = WebService::new(&ns, "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
/// let drain = Worker::new(&ns, "drain").image("ghcr.io/acme/drain:1.0.0").replicas(1).build();
/// PodMonitor::new(&drain, api.port()).build();
/// ```
pub struct PodMonitor<E, N> {
    handle: Handle<PodMonitorSpecModel>,
    _scope: PhantomData<fn() -> (E, N)>,
}

impl<E, N> fmt::Debug for PodMonitor<E, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PodMonitor({})", self.handle.path())
    }
}

/// The model of a [`PodMonitor`].
#[derive(Debug)]
pub struct PodMonitorSpecModel {
    scrape: ScrapeModel,
}

// `new` starts a builder whose `build` returns the construct, as bon builders do.
#[allow(clippy::new_ret_no_self)]
#[bon]
impl<E: EnvironmentName, N: OnKubernetes> PodMonitor<E, N> {
    /// Starts a monitor of the pods of `workload` on its port `port`: one its `add_port(..)`
    /// returned (or a web service's main port). A port of another workload of the same type is
    /// reported at synth.
    #[builder(start_fn = new, finish_fn = build)]
    pub fn create<W: MonitoredPods<Env = E, Ns = N>>(
        #[builder(start_fn)] workload: &W,
        #[builder(start_fn)] port: &impl OwnPort<W>,
        /// The metrics path (default `/metrics`).
        #[builder(into, default = "/metrics".to_owned())]
        path: String,
        /// How often Prometheus scrapes (default 30 s).
        #[builder(default = Window::seconds(30))]
        interval: Window,
        /// The Prometheus that scrapes (default: kube-prometheus-stack).
        #[builder(default)]
        prometheus: Prometheus,
    ) -> PodMonitor<E, N> {
        let port = port.handle();
        let declared = workload.admit_scraper(prometheus.peer(), port);
        let pods = workload.pods();
        let spec = PodMonitorSpecModel {
            scrape: ScrapeModel::new(
                &pods,
                N::NAME,
                port.as_port(),
                declared,
                (path, interval, prometheus),
            ),
        };
        PodMonitor {
            handle: pods.add_monitor("pod-monitor", spec),
            _scope: PhantomData,
        }
    }
}

impl<E: EnvironmentName, N: OnKubernetes> Scraped<E, N> for PodMonitor<E, N> {
    fn scrape(&self, shape: &'static str, metrics: &'static [DeclaredMetric]) -> Scrape<E, N> {
        let (app, node) = (self.handle.app(), self.handle.node());
        self.handle.update(|s| {
            let s = &mut s.scrape;
            s.record(shape, metrics);
            // The operator's `job` of a PodMonitor's targets: its namespace and name.
            let target = ScrapeTarget::Job(format!("{}/{}", s.namespace, s.name).into());
            Scrape::new(app, node, &s.namespace, target, s.port.name())
        })
    }
}

impl Construct for PodMonitorSpecModel {
    fn kind(&self) -> &'static str {
        "PodMonitor"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        let port = &self.scrape.port;
        let hint = format!(
            "pass a port handle of the workload: the one its `.add_port(Port::{}(\"{}\", {}))` returned",
            port.protocol().as_str().to_ascii_lowercase(),
            port.name(),
            port.number()
        );
        self.scrape.validate(cx, hint, diags);
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        let s = &self.scrape;
        let (selector, namespace_selector) = s.selector();
        out.emit(Manifest::new(PodMonitorObject {
            metadata: s.meta(cx, "pod-monitor"),
            spec: PodMonitorSpec {
                selector,
                namespace_selector,
                pod_metrics_endpoints: vec![PodMetricsEndpoint {
                    port: Some(s.port.name().to_owned()),
                    path: Some(s.path.clone()),
                    interval: Some(s.interval.to_string()),
                    scheme: None,
                }],
            },
        }));
    }
}

/// What a [`Panel`]'s values measure: Grafana's unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unit {
    /// A plain number (`short`).
    Count,
    /// A ratio shown as a percentage (`percentunit`: 0.05 is 5 %).
    Ratio,
    /// Seconds (`s`).
    Seconds,
    /// Requests per second (`reqps`).
    RequestsPerSecond,
    /// Operations per second (`ops`).
    PerSecond,
    /// Bytes (`bytes`).
    Bytes,
}

impl Unit {
    fn grafana(self) -> &'static str {
        match self {
            Unit::Count => "short",
            Unit::Ratio => "percentunit",
            Unit::Seconds => "s",
            Unit::RequestsPerSecond => "reqps",
            Unit::PerSecond => "ops",
            Unit::Bytes => "bytes",
        }
    }
}

/// One panel of a [`Dashboard`] of namespace `N` in environment `E`: a time series of queries
/// of the metrics of workloads of that namespace.
pub struct Panel<E, N> {
    title: String,
    unit: Unit,
    queries: Vec<(String, Promql<E, N>)>,
}

impl<E, N> Clone for Panel<E, N> {
    fn clone(&self) -> Self {
        Panel {
            title: self.title.clone(),
            unit: self.unit,
            queries: self.queries.clone(),
        }
    }
}

impl<E, N> fmt::Debug for Panel<E, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Panel")
            .field("title", &self.title)
            .field("unit", &self.unit)
            .field("queries", &self.queries)
            .finish()
    }
}

impl<E, N> Panel<E, N> {
    /// A time-series panel titled `title` whose values are in `unit`.
    pub fn timeseries(title: &str, unit: Unit) -> Panel<E, N> {
        Panel {
            title: title.into(),
            unit,
            queries: Vec::new(),
        }
    }

    /// Plots `query` with the legend `legend`.
    #[must_use]
    pub fn query(mut self, legend: &str, query: impl Query<E, N>) -> Panel<E, N> {
        self.queries.push((legend.into(), query.into_promql()));
        self
    }
}

/// A panel of a [`Dashboard`] of namespace `N` in environment `E`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a panel of the metrics of namespace `{N}` in environment `{E}`",
    label = "a panel of another environment or namespace",
    note = "a dashboard shows the metrics of workloads in its own environment and namespace: build its panels' queries from the shapes of those workloads (`ApiMetrics::of(&monitor)`), or create the dashboard in the namespace they read"
)]
pub trait PanelOf<E, N> {
    /// The panel.
    fn into_panel(self) -> Panel<E, N>;
}

impl<E, N> PanelOf<E, N> for Panel<E, N> {
    fn into_panel(self) -> Panel<E, N> {
        self
    }
}

/// A panel as the model holds it: its queries' text, and their problems.
#[derive(Debug, Clone, PartialEq)]
struct PanelModel {
    title: String,
    unit: Unit,
    queries: Vec<(String, String)>,
    problems: Vec<String>,
}

impl<E, N> From<Panel<E, N>> for PanelModel {
    fn from(p: Panel<E, N>) -> Self {
        PanelModel {
            problems: p
                .queries
                .iter()
                .flat_map(|(_, q)| q.problems().iter().cloned())
                .collect(),
            queries: p
                .queries
                .into_iter()
                .map(|(legend, q)| (legend, q.as_str().to_owned()))
                .collect(),
            title: p.title,
            unit: p.unit,
        }
    }
}

/// A Grafana dashboard as a ConfigMap that Grafana's sidecar loads (label `grafana_dashboard`).
pub struct Dashboard<E, N> {
    handle: Handle<DashboardSpec>,
    _scope: PhantomData<fn() -> (E, N)>,
}

impl<E, N> fmt::Debug for Dashboard<E, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dashboard({})", self.handle.path())
    }
}

/// The model of a [`Dashboard`].
#[derive(Debug)]
pub struct DashboardSpec {
    name: String,
    namespace: String,
    title: String,
    panels: Vec<PanelModel>,
}

// `new` starts a builder whose `build` returns the construct, as bon builders do.
#[allow(clippy::new_ret_no_self)]
#[bon]
impl<E: EnvironmentName, N: OnKubernetes> Dashboard<E, N> {
    /// Starts a dashboard with id `id` in `namespace`, titled `title`.
    #[builder(start_fn = new, finish_fn = build)]
    pub fn create(
        #[builder(start_fn)] scope: &impl NamespaceScope<Env = E, Ns = N>,
        #[builder(start_fn, into)] id: String,
        /// The title Grafana shows.
        #[builder(into)]
        title: String,
        /// The panels, two per row: each a [`Panel`] of queries of the metrics of workloads
        /// in the dashboard's environment and namespace.
        #[builder(with = |panels: impl IntoIterator<Item = impl PanelOf<E, N>>| panels.into_iter().map(|p| p.into_panel()).collect())]
        panels: Vec<Panel<E, N>>,
    ) -> Dashboard<E, N> {
        let namespace = scope.namespace();
        let spec = DashboardSpec {
            name: scope.object_name(&format!("{id}-dashboard")),
            namespace: N::NAME.into(),
            title,
            panels: panels.into_iter().map(PanelModel::from).collect(),
        };
        Dashboard {
            handle: namespace.app().add(scope.parent(), id, spec),
            _scope: PhantomData,
        }
    }
}

impl DashboardSpec {
    fn json(&self, uid: &str) -> serde_json::Value {
        let panels: Vec<serde_json::Value> = self
            .panels
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let targets: Vec<serde_json::Value> = p
                    .queries
                    .iter()
                    .enumerate()
                    .map(|(j, (legend, expr))| {
                        serde_json::json!({
                            "refId": ((b'A' + (j % 26) as u8) as char).to_string(),
                            "expr": expr,
                            "legendFormat": legend,
                            "datasource": {"type": "prometheus", "uid": "${datasource}"},
                        })
                    })
                    .collect();
                serde_json::json!({
                    "id": i + 1,
                    "type": "timeseries",
                    "title": p.title,
                    "gridPos": {"h": 8, "w": 12, "x": (i % 2) * 12, "y": (i / 2) * 8},
                    "fieldConfig": {"defaults": {"unit": p.unit.grafana()}, "overrides": []},
                    "datasource": {"type": "prometheus", "uid": "${datasource}"},
                    "targets": targets,
                })
            })
            .collect();
        serde_json::json!({
            "uid": uid,
            "title": self.title,
            "schemaVersion": 39,
            "editable": false,
            "time": {"from": "now-6h", "to": "now"},
            "templating": {"list": [{
                "name": "datasource", "type": "datasource", "query": "prometheus",
                "label": "Data source"
            }]},
            "panels": panels,
        })
    }
}

impl Construct for DashboardSpec {
    fn kind(&self) -> &'static str {
        "Dashboard"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        if self.panels.is_empty() {
            diags.push(
                Diagnostic::error(cx.path.as_str(), "the dashboard has no panel")
                    .hint("add `.panels([Panel::timeseries(..).query(..)])`"),
            );
        }
        for p in &self.panels {
            if p.queries.is_empty() {
                diags.push(
                    Diagnostic::error(
                        cx.path.as_str(),
                        format!("panel `{}` has no query: it would stay empty", p.title),
                    )
                    .hint("add `.query(\"legend\", metrics.<metric>()...)` to it, or remove it"),
                );
            }
            for problem in &p.problems {
                diags.push(
                    Diagnostic::error(
                        cx.path.as_str(),
                        format!("panel `{}`: {problem}", p.title),
                    )
                    .hint("a window is at least `Window::seconds(1)`, a quantile between 0 and 1, a threshold a finite number"),
                );
            }
        }
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        let labels = Labels::new(cx, &self.name, "dashboard");
        let mut object_labels = labels.all();
        object_labels.insert("grafana_dashboard".into(), "1".into());
        let uid = girder_core::name::derive(&[&self.namespace, &self.name], 40);
        let json = serde_json::to_string_pretty(&self.json(&uid)).unwrap_or_default();
        out.emit(Manifest::new(ConfigMap {
            metadata: ObjectMeta {
                name: Some(self.name.clone()),
                namespace: Some(self.namespace.clone()),
                labels: Some(object_labels),
                ..Default::default()
            },
            data: Some(BTreeMap::from([(format!("{}.json", self.name), json)])),
            ..Default::default()
        }));
    }
}
