//! Monitoring: [`AlertRule`]s from typed PromQL ([`Promql`]), [`ServiceMonitor`]s for a
//! service's metrics port, and Grafana [`Dashboard`]s as ConfigMaps.
//!
//! ```
//! use girder_constructs::monitoring::{AlertRule, Severity, Window};
//! use girder_constructs::WebService;
//! use girder_core::App;
//! use girder_k8s::KubernetesExt;
//!
//! girder_core::environment!(pub Prod = "prod");
//! girder_k8s::namespace!(pub Web = "web");
//!
//! let app = App::new("shop");
//! let ns = app.environment(Prod).kubernetes().namespace(Web);
//! let api = WebService::new(&ns, "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
//! AlertRule::new(&ns, "api-errors")
//!     .expr(api.metrics().http_error_ratio(Window::minutes(5)).gt(0.05))
//!     .for_(Window::minutes(5))
//!     .severity(Severity::Page)
//!     .summary("More than 5% of API requests fail")
//!     .build();
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use bon::bon;
use girder_core::{Construct, Context, Diagnostic, Diagnostics, Emitted, EnvironmentName, Handle};
use girder_k8s::crd::monitoring::{
    Endpoint as ScrapeEndpoint, NamespaceSelector, PrometheusRule, PrometheusRuleSpec, Rule,
    RuleGroup, RuleKind, ServiceMonitor as ServiceMonitorObject, ServiceMonitorSpec,
};
use girder_k8s::k8s_openapi::api::core::v1::ConfigMap;
use girder_k8s::k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use girder_k8s::labels::Labels;
use girder_k8s::{Manifest, NamespaceName, NamespaceScope};

use crate::WebService;
use crate::workload::{Peer, Port, PortOf};

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

/// A PromQL expression, built from typed parts so that it is well-formed by construction.
#[derive(Debug, Clone, PartialEq)]
pub struct Promql(String);

/// A metric name with label matchers: `name{label="value", other=~"regex"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    name: String,
    matchers: Vec<(String, &'static str, String)>,
}

fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Metric {
    /// The metric `name` (e.g. `http_requests_total`).
    pub fn new(name: &str) -> Metric {
        Metric {
            name: name.into(),
            matchers: Vec::new(),
        }
    }

    /// Only series whose label `key` equals `value`.
    #[must_use]
    pub fn label(mut self, key: &str, value: &str) -> Metric {
        self.matchers.push((key.into(), "=", value.into()));
        self
    }

    /// Only series whose label `key` matches the regular expression `regex`.
    #[must_use]
    pub fn matching(mut self, key: &str, regex: &str) -> Metric {
        self.matchers.push((key.into(), "=~", regex.into()));
        self
    }

    fn selector(&self) -> String {
        if self.matchers.is_empty() {
            return self.name.clone();
        }
        let matchers: Vec<String> = self
            .matchers
            .iter()
            .map(|(k, op, v)| format!("{k}{op}{}", quote(v)))
            .collect();
        format!("{}{{{}}}", self.name, matchers.join(", "))
    }

    /// `rate(metric[window])`: the per-second increase of a counter.
    pub fn rate(&self, window: Window) -> Promql {
        Promql(format!("rate({}[{window}])", self.selector()))
    }

    /// The instant value of a gauge.
    pub fn value(&self) -> Promql {
        Promql(self.selector())
    }
}

impl Promql {
    /// `sum(expr)`.
    pub fn sum(self) -> Promql {
        Promql(format!("sum({})", self.0))
    }

    /// `sum by (labels) (expr)`.
    pub fn sum_by(self, labels: &[&str]) -> Promql {
        Promql(format!("sum by ({}) ({})", labels.join(", "), self.0))
    }

    /// `expr / other`.
    pub fn ratio(self, other: Promql) -> Promql {
        Promql(format!("({}) / ({})", self.0, other.0))
    }

    /// `histogram_quantile(q, sum by (le) (rate(bucket[window])))` over a histogram's buckets.
    pub fn histogram_quantile(q: f64, buckets: &Metric, window: Window) -> Promql {
        Promql(format!(
            "histogram_quantile({q}, sum by (le) ({}))",
            buckets.rate(window).0
        ))
    }

    /// `expr > threshold`: an alert condition.
    pub fn gt(self, threshold: f64) -> Promql {
        Promql(format!("{} > {threshold}", self.0))
    }

    /// `expr < threshold`.
    pub fn lt(self, threshold: f64) -> Promql {
        Promql(format!("{} < {threshold}", self.0))
    }

    /// An expression written by hand, checked at synth for balanced brackets and quotes (and by
    /// `promtool` in CI).
    pub fn raw(expr: &str) -> Promql {
        Promql(expr.into())
    }

    /// The expression's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Why the expression cannot be PromQL, if it obviously cannot.
    fn problem(&self) -> Option<String> {
        if self.0.trim().is_empty() {
            return Some("the expression is empty".into());
        }
        let mut stack = Vec::new();
        let mut in_string = false;
        let mut escaped = false;
        for c in self.0.chars() {
            if in_string {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => in_string = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '"' => in_string = true,
                '(' | '[' | '{' => stack.push(c),
                ')' | ']' | '}' => {
                    let open = match c {
                        ')' => '(',
                        ']' => '[',
                        _ => '{',
                    };
                    if stack.pop() != Some(open) {
                        return Some(format!("`{c}` has no matching `{open}`"));
                    }
                }
                _ => {}
            }
        }
        if in_string {
            Some("a string is not closed".into())
        } else {
            stack.pop().map(|open| format!("`{open}` is not closed"))
        }
    }
}

impl fmt::Display for Promql {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The metrics a [`WebService`] exposes by the common conventions
/// (`http_requests_total{status}` and `http_request_duration_seconds_bucket`), selected by its
/// namespace and Service.
#[derive(Debug, Clone)]
pub struct ServiceMetrics {
    namespace: String,
    service: String,
}

impl ServiceMetrics {
    fn metric(&self, name: &str) -> Metric {
        Metric::new(name)
            .label("namespace", &self.namespace)
            .label("service", &self.service)
    }

    /// The share of requests answered with a 5xx status over `window`.
    pub fn http_error_ratio(&self, window: Window) -> Promql {
        let errors = self
            .metric("http_requests_total")
            .matching("status", "5..")
            .rate(window)
            .sum();
        let all = self.metric("http_requests_total").rate(window).sum();
        errors.ratio(all)
    }

    /// The `q` quantile (e.g. 0.95) of request latency in seconds over `window`.
    pub fn latency_quantile(&self, q: f64, window: Window) -> Promql {
        Promql::histogram_quantile(
            q,
            &self.metric("http_request_duration_seconds_bucket"),
            window,
        )
    }
}

impl<E: EnvironmentName, N: NamespaceName> WebService<E, N> {
    /// Its request metrics, for alerts and dashboards.
    pub fn metrics(&self) -> ServiceMetrics {
        ServiceMetrics {
            namespace: N::NAME.into(),
            service: self.name().to_owned(),
        }
    }
}

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
    expr: Promql,
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
impl<E: EnvironmentName, N: NamespaceName> AlertRule<E, N> {
    /// Starts an alert with id `id` (its alert name is the id in PascalCase) in `namespace`;
    /// `expr` and `summary` are required.
    #[builder(start_fn = new, finish_fn = build)]
    pub fn create(
        #[builder(start_fn)] scope: &impl NamespaceScope<Env = E, Ns = N>,
        #[builder(start_fn, into)] id: String,
        /// The condition: the alert fires while it returns series.
        expr: Promql,
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
        let spec = AlertRuleSpec {
            name: namespace.object_name(&id),
            namespace: N::NAME.into(),
            alert: alert_name(&id),
            expr,
            for_,
            severity,
            summary,
            runbook,
            prometheus,
        };
        AlertRule {
            handle: namespace.app().add(namespace.node(), id, spec),
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
        if let Some(problem) = self.expr.problem() {
            diags.push(
                Diagnostic::error(path, format!("invalid PromQL `{}`: {problem}", self.expr))
                    .hint("build the expression with `Metric` and `Promql`, or fix the brackets and quotes"),
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
                        expr: self.expr.0.clone(),
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
/// ServiceMonitor::new(&api, &metrics).build();
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
    name: String,
    namespace: String,
    selector: BTreeMap<String, String>,
    /// The scraped port, and the service that must declare it.
    port: Port,
    service: String,
    declared: bool,
    path: String,
    interval: Window,
    prometheus: Prometheus,
}

// `new` starts a builder whose `build` returns the construct, as bon builders do.
#[allow(clippy::new_ret_no_self)]
#[bon]
impl<E: EnvironmentName, N: NamespaceName> ServiceMonitor<E, N> {
    /// Starts a monitor of `service`'s port `port`: its main port (`service.port()`) or one of
    /// its `extra_ports`. A port the service does not declare is reported at synth.
    #[builder(start_fn = new, finish_fn = build)]
    pub fn create(
        #[builder(start_fn)] service: &WebService<E, N>,
        #[builder(start_fn)] port: &PortOf<WebService<E, N>>,
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
        let declared = service.declares(port);
        if declared {
            service.allow_from_on(prometheus.peer(), port);
        }
        let handle = service.handle();
        let app = handle.app();
        let parent = app.parent(handle.node()).unwrap_or(handle.node());
        let id = format!("{}-monitor", app.id(handle.node()));
        let spec = ServiceMonitorSpecModel {
            name: service.name().to_owned(),
            namespace: N::NAME.into(),
            selector: Labels::selector_of(&handle.path(), service.name()),
            port: port.as_port().clone(),
            service: handle.path().to_string(),
            declared,
            path,
            interval,
            prometheus,
        };
        ServiceMonitor {
            handle: app.add(parent, id, spec),
            _scope: PhantomData,
        }
    }
}

impl Construct for ServiceMonitorSpecModel {
    fn kind(&self) -> &'static str {
        "ServiceMonitor"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        if !self.declared {
            let port = &self.port;
            diags.push(
                Diagnostic::error(
                    cx.path.as_str(),
                    format!(
                        "monitors port {}, which `{}` does not declare",
                        port.describe(),
                        self.service
                    ),
                )
                .hint(format!(
                    "pass a port handle of the service: its main port (`service.port()`) or the one `service.add_port(Port::{}(\"{}\", {}))` returned",
                    port.protocol().as_str().to_ascii_lowercase(),
                    port.name(),
                    port.number()
                )),
            );
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

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        let labels = Labels::new(cx, &self.name, "service-monitor");
        let mut object_labels = labels.all();
        object_labels.insert(
            self.prometheus.select.0.clone(),
            self.prometheus.select.1.clone(),
        );
        out.emit(Manifest::new(ServiceMonitorObject {
            metadata: ObjectMeta {
                name: Some(self.name.clone()),
                namespace: Some(self.namespace.clone()),
                labels: Some(object_labels),
                ..Default::default()
            },
            spec: ServiceMonitorSpec {
                selector: LabelSelector {
                    match_labels: Some(self.selector.clone()),
                    ..Default::default()
                },
                namespace_selector: Some(NamespaceSelector {
                    any: false,
                    match_names: vec![self.namespace.clone()],
                }),
                endpoints: vec![ScrapeEndpoint {
                    port: Some(self.port.name().to_owned()),
                    path: Some(self.path.clone()),
                    interval: Some(self.interval.to_string()),
                    scheme: None,
                }],
            },
        }));
    }
}

/// One panel of a [`Dashboard`]: a time series of PromQL expressions.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    title: String,
    unit: &'static str,
    queries: Vec<(String, Promql)>,
}

impl Panel {
    /// A time-series panel titled `title` in `unit` (Grafana's unit id: `percentunit`, `s`,
    /// `reqps`, `short`...).
    pub fn timeseries(title: &str, unit: &'static str) -> Panel {
        Panel {
            title: title.into(),
            unit,
            queries: Vec::new(),
        }
    }

    /// Plots `expr` with the legend `legend`.
    #[must_use]
    pub fn query(mut self, legend: &str, expr: Promql) -> Panel {
        self.queries.push((legend.into(), expr));
        self
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
    panels: Vec<Panel>,
}

// `new` starts a builder whose `build` returns the construct, as bon builders do.
#[allow(clippy::new_ret_no_self)]
#[bon]
impl<E: EnvironmentName, N: NamespaceName> Dashboard<E, N> {
    /// Starts a dashboard with id `id` in `namespace`, titled `title`.
    #[builder(start_fn = new, finish_fn = build)]
    pub fn create(
        #[builder(start_fn)] scope: &impl NamespaceScope<Env = E, Ns = N>,
        #[builder(start_fn, into)] id: String,
        /// The title Grafana shows.
        #[builder(into)]
        title: String,
        /// The panels, two per row.
        #[builder(default, with = |panels: impl IntoIterator<Item = Panel>| panels.into_iter().collect())]
        panels: Vec<Panel>,
    ) -> Dashboard<E, N> {
        let namespace = scope.namespace();
        let spec = DashboardSpec {
            name: namespace.object_name(&format!("{id}-dashboard")),
            namespace: N::NAME.into(),
            title,
            panels,
        };
        Dashboard {
            handle: namespace.app().add(namespace.node(), id, spec),
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
                            "expr": expr.as_str(),
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
                    "fieldConfig": {"defaults": {"unit": p.unit}, "overrides": []},
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
            for (_, expr) in &p.queries {
                if let Some(problem) = expr.problem() {
                    diags.push(
                        Diagnostic::error(
                            cx.path.as_str(),
                            format!("panel `{}`: invalid PromQL `{expr}`: {problem}", p.title),
                        )
                        .hint("build the expression with `Metric` and `Promql`"),
                    );
                }
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
