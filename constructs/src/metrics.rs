//! Typed metrics: a workload's metrics declared once as a shape ([`metrics!`](crate::metrics!)),
//! reachable only through the [`ServiceMonitor`](crate::monitoring::ServiceMonitor) or
//! [`PodMonitor`](crate::monitoring::PodMonitor) that scrapes them, and queried with PromQL
//! operations that fit each metric's type. Re-exported by [`crate::monitoring`].
//!
//! A query carries the environment `E` and namespace `N` of the workload whose metrics it reads,
//! and selects that workload's series only (`namespace`, `endpoint` and `service` through a
//! ServiceMonitor or `job` through a PodMonitor, the labels the Prometheus Operator gives every
//! series it scrapes). An
//! [`AlertRule`](crate::monitoring::AlertRule), a [`Dashboard`](crate::monitoring::Dashboard)
//! panel or a [`Scaler::prometheus`](crate::Scaler::prometheus) of `E` and `N` accepts nothing
//! else.

use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;

use girder_core::{App, Diagnostic, NodeId};

use crate::monitoring::Window;

/// Declares the shape of a workload's metrics: each metric's type (`counter`, `gauge` or
/// `histogram`), name and labels.
///
/// ```
/// girder_constructs::metrics! {
///     /// What the API exposes on `/metrics`.
///     pub struct ApiMetrics {
///         /// Requests served.
///         counter http_requests_total [method, status],
///         histogram http_request_duration_seconds [route],
///         gauge queue_depth [],
///     }
/// }
/// ```
///
/// declares `ApiMetrics<E, N>`, whose only constructor is `ApiMetrics::of(&monitor)` with a
/// [`ServiceMonitor`](crate::monitoring::ServiceMonitor) or a
/// [`PodMonitor`](crate::monitoring::PodMonitor) of `E` and `N`, and one method per
/// metric returning a [`Metric`] of that type whose labels are fields: `.filter(|l|
/// l.status.matches("5.."))`, `.sum_by(|l| [l.route])`. A histogram is declared by its base
/// name (its series are `<name>_bucket`, `<name>_count` and `<name>_sum`); its `le` label and
/// the labels every scraped series has (`namespace`, `service`, `endpoint`, `job`, `instance`,
/// `pod`, `container`) are not declared: synth reports them.
///
/// See [`crate::monitoring`] for a complete program.
#[macro_export]
macro_rules! metrics {
    (
        $(#[$meta:meta])*
        $vis:vis struct $ty:ident {
            $($(#[$mmeta:meta])* $kind:ident $metric:ident [$($label:ident),* $(,)?]),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $ty<E, N> {
            scrape: $crate::monitoring::Scrape<E, N>,
        }

        impl<E, N> ::core::clone::Clone for $ty<E, N> {
            fn clone(&self) -> Self {
                $ty { scrape: ::core::clone::Clone::clone(&self.scrape) }
            }
        }

        impl<E, N> ::core::fmt::Debug for $ty<E, N> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                write!(f, "{}({:?})", stringify!($ty), self.scrape)
            }
        }

        impl<E, N> $ty<E, N> {
            /// The metrics this shape declares.
            pub const METRICS: &'static [$crate::monitoring::DeclaredMetric] = &[$(
                $crate::monitoring::DeclaredMetric {
                    name: stringify!($metric),
                    kind: $crate::__metric_kind!($kind),
                    labels: &[$($crate::monitoring::__label_name(stringify!($label))),*],
                }
            ),*];

            /// The metrics that `monitor` scrapes, of this shape: the only way to reach them.
            pub fn of(monitor: &impl $crate::monitoring::Scraped<E, N>) -> Self {
                $ty {
                    scrape: $crate::monitoring::Scraped::scrape(
                        monitor,
                        stringify!($ty),
                        Self::METRICS,
                    ),
                }
            }
        }

        const _: () = {
            $(
                #[doc = concat!("The labels of `", stringify!($metric), "`.")]
                #[allow(non_camel_case_types)]
                #[derive(Debug, Clone, Copy)]
                pub struct $metric {
                    $(
                        #[doc = concat!("The label `", stringify!($label), "`.")]
                        pub $label: $crate::monitoring::Label<$metric>,
                    )*
                }

                impl $crate::monitoring::LabelSet for $metric {
                    const LABELS: Self = $metric {
                        $($label: $crate::monitoring::Label::ident(stringify!($label)),)*
                    };
                }
            )*

            impl<E, N> $ty<E, N> {
                $(
                    #[doc = concat!("The ", stringify!($kind), " `", stringify!($metric), "`.")]
                    $(#[$mmeta])*
                    pub fn $metric(&self) -> $crate::monitoring::Metric<$crate::__metric_type!($kind), E, N, $metric> {
                        $crate::monitoring::Metric::new(&self.scrape, stringify!($metric))
                    }
                )*
            }
        };
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __metric_type {
    (counter) => {
        $crate::monitoring::Counter
    };
    (gauge) => {
        $crate::monitoring::Gauge
    };
    (histogram) => {
        $crate::monitoring::Histogram
    };
    ($other:ident) => {
        ::core::compile_error!(concat!(
            "`",
            stringify!($other),
            "` is not a metric type: write `counter`, `gauge` or `histogram`"
        ))
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __metric_kind {
    (counter) => {
        $crate::monitoring::MetricKind::Counter
    };
    (gauge) => {
        $crate::monitoring::MetricKind::Gauge
    };
    (histogram) => {
        $crate::monitoring::MetricKind::Histogram
    };
    ($other:ident) => {
        $crate::monitoring::MetricKind::Counter
    };
}

/// The type of a declared metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// Only goes up (and back to zero when the process restarts): read with `rate`.
    Counter,
    /// Goes up and down: read its value.
    Gauge,
    /// Observations counted in buckets: read quantiles.
    Histogram,
}

/// One metric of a shape, as [`metrics!`](crate::metrics!) declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeclaredMetric {
    /// Its name (a histogram's base name).
    pub name: &'static str,
    /// Its type.
    pub kind: MetricKind,
    /// Its labels.
    pub labels: &'static [&'static str],
}

/// Labels every series scraped through a ServiceMonitor or a PodMonitor has: they pin the
/// workload, so a shape does not declare them.
const SCRAPE_LABELS: &[&str] = &[
    "namespace",
    "service",
    "endpoint",
    "job",
    "instance",
    "pod",
    "container",
];

impl DeclaredMetric {
    /// What is wrong with this declaration, if anything: a name Prometheus does not accept, a
    /// label the scrape sets, a histogram declared by one of its series.
    pub(crate) fn problems(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        if !valid_name(self.name, true) {
            problems.push((
                format!("`{}` is not a valid metric name", self.name),
                "metric names are ASCII letters, digits, '_' and ':', not starting with a digit"
                    .to_owned(),
            ));
        }
        if self.kind == MetricKind::Histogram {
            for suffix in ["_bucket", "_count", "_sum"] {
                if let Some(base) = self.name.strip_suffix(suffix) {
                    problems.push((
                        format!("histogram `{}` is declared by one of its series", self.name),
                        format!("declare it by its base name, `histogram {base} [..]`: `quantile`, `count` and `sum` read its series"),
                    ));
                }
            }
        }
        for label in self.labels {
            if !valid_name(label, false) || label.starts_with("__") {
                problems.push((
                    format!("`{}`: `{label}` is not a valid label name", self.name),
                    "label names are ASCII letters, digits and '_', not starting with a digit or `__`".to_owned(),
                ));
            } else if SCRAPE_LABELS.contains(label) {
                problems.push((
                    format!("`{}` declares the label `{label}`, which the scrape sets", self.name),
                    "remove it: every query already selects the monitored workload's series by the labels the scrape sets".to_owned(),
                ));
            } else if *label == "le" && self.kind == MetricKind::Histogram {
                problems.push((
                    format!("histogram `{}` declares its bucket label `le`", self.name),
                    "remove it: `quantile` aggregates by `le` itself".to_owned(),
                ));
            }
        }
        problems
    }
}

fn valid_name(name: &str, colon: bool) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || (colon && c == ':'))
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || (colon && c == ':'))
}

/// The series of one workload that one ServiceMonitor or PodMonitor scrapes: what every query
/// of a metrics shape selects. Only a [`Scraped`] construct gives one.
pub struct Scrape<E, N> {
    origin: Origin,
    namespace: Rc<str>,
    target: ScrapeTarget,
    endpoint: Rc<str>,
    _scope: PhantomData<fn() -> (E, N)>,
}

/// What the Prometheus Operator labels a scraped workload's series with, besides its namespace
/// and the port's name (`endpoint`).
#[derive(Clone)]
pub(crate) enum ScrapeTarget {
    /// Through a ServiceMonitor: `service`, the Service's name.
    Service(Rc<str>),
    /// Through a PodMonitor: `job`, `<namespace>/<PodMonitor name>`.
    Job(Rc<str>),
}

impl ScrapeTarget {
    fn matcher(&self) -> String {
        match self {
            ScrapeTarget::Service(name) => format!("service={}", quote(name)),
            ScrapeTarget::Job(job) => format!("job={}", quote(job)),
        }
    }
}

impl<E, N> Clone for Scrape<E, N> {
    fn clone(&self) -> Self {
        Scrape {
            origin: self.origin.clone(),
            namespace: self.namespace.clone(),
            target: self.target.clone(),
            endpoint: self.endpoint.clone(),
            _scope: PhantomData,
        }
    }
}

impl<E, N> fmt::Debug for Scrape<E, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, {} port {}",
            self.namespace,
            self.target.matcher(),
            self.endpoint
        )
    }
}

impl<E, N> Scrape<E, N> {
    pub(crate) fn new(
        app: &App,
        monitor: NodeId,
        namespace: &str,
        target: ScrapeTarget,
        endpoint: &str,
    ) -> Self {
        Scrape {
            origin: Origin {
                app: app.clone(),
                monitor,
            },
            namespace: namespace.into(),
            target,
            endpoint: endpoint.into(),
            _scope: PhantomData,
        }
    }
}

/// The monitor whose metrics a query reads: where a problem of a query that no construct
/// validates (a scaler's) is reported.
#[derive(Clone)]
struct Origin {
    app: App,
    monitor: NodeId,
}

/// A construct through which Prometheus scrapes a workload's metrics: the only source of a
/// metrics shape ([`metrics!`](crate::metrics!)).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not scraped by Prometheus: it has no metrics to query",
    label = "not a scrape of metrics",
    note = "metrics exist where Prometheus scrapes them: monitor the workload's metrics port with `let monitor = ServiceMonitor::new(&service, &metrics_port).build();` (a `PodMonitor` for a worker), then `ApiMetrics::of(&monitor)`"
)]
pub trait Scraped<E, N> {
    /// The series it scrapes, recording that `shape` (declaring `metrics`) is read from them so
    /// that synth checks the declaration.
    fn scrape(&self, shape: &'static str, metrics: &'static [DeclaredMetric]) -> Scrape<E, N>;
}

/// The labels of one metric, a struct with one [`Label`] field per declared label, generated by
/// [`metrics!`](crate::metrics!).
pub trait LabelSet: Copy + 'static {
    /// The labels.
    const LABELS: Self;
}

/// A declared label of the metric whose label set is `L`: a field of `L`.
pub struct Label<L> {
    name: &'static str,
    _set: PhantomData<fn() -> L>,
}

impl<L> Clone for Label<L> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<L> Copy for Label<L> {}

impl<L> fmt::Debug for Label<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// The label name an identifier spells (`r#type` is `type`).
#[doc(hidden)]
pub const fn __label_name(ident: &'static str) -> &'static str {
    match ident.as_bytes() {
        [b'r', b'#', rest @ ..] => match std::str::from_utf8(rest) {
            Ok(name) => name,
            Err(_) => ident,
        },
        _ => ident,
    }
}

impl<L> Label<L> {
    /// The label `name`; [`metrics!`](crate::metrics!) creates them.
    #[doc(hidden)]
    pub const fn ident(ident: &'static str) -> Label<L> {
        Label {
            name: __label_name(ident),
            _set: PhantomData,
        }
    }

    /// The label's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Series whose label equals `value`.
    pub fn equals(self, value: &str) -> Matcher<L> {
        self.matcher("=", value)
    }

    /// Series whose label does not equal `value`.
    pub fn not_equals(self, value: &str) -> Matcher<L> {
        self.matcher("!=", value)
    }

    /// Series whose label matches the regular expression `regex` (RE2, anchored at both ends).
    pub fn matches(self, regex: &str) -> Matcher<L> {
        self.matcher("=~", regex)
    }

    /// Series whose label does not match the regular expression `regex`.
    pub fn not_matches(self, regex: &str) -> Matcher<L> {
        self.matcher("!~", regex)
    }

    fn matcher(self, op: &'static str, value: &str) -> Matcher<L> {
        Matcher {
            label: self.name,
            op,
            value: value.to_owned(),
            _set: PhantomData,
        }
    }
}

/// A condition on one declared label of the metric whose label set is `L`.
pub struct Matcher<L> {
    label: &'static str,
    op: &'static str,
    value: String,
    _set: PhantomData<fn() -> L>,
}

impl<L> fmt::Debug for Matcher<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.label, self.op, quote(&self.value))
    }
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

/// The type of a counter (see [`Metric`]).
#[derive(Debug)]
pub enum Counter {}
/// The type of a gauge (see [`Metric`]).
#[derive(Debug)]
pub enum Gauge {}
/// The type of a histogram (see [`Metric`]).
#[derive(Debug)]
pub enum Histogram {}

/// A counter: what `rate` and `increase` read.
#[diagnostic::on_unimplemented(
    message = "`rate` and `increase` read a counter, and this metric is not one",
    label = "not a counter",
    note = "a gauge is read with `.value()` (or `.avg_over_time(window)`, `.delta(window)`); a histogram with `.quantile(q, window)`, or `.count()` for the counter of its observations"
)]
pub trait IsCounter {}
impl IsCounter for Counter {}

/// A gauge: what `value` and the `*_over_time` functions read.
#[diagnostic::on_unimplemented(
    message = "`value`, `delta` and the `*_over_time` functions read a gauge, and this metric is not one",
    label = "not a gauge",
    note = "a counter only goes up: read it with `.rate(window)` or `.increase(window)`; a histogram with `.quantile(q, window)`"
)]
pub trait IsGauge {}
impl IsGauge for Gauge {}

/// A histogram: what `quantile`, `count` and `sum` read.
#[diagnostic::on_unimplemented(
    message = "`quantile`, `count` and `sum` read a histogram, and this metric is not one",
    label = "not a histogram",
    note = "declare the metric as `histogram <name> [..]` if it has `_bucket` series; a counter is read with `.rate(window)`, a gauge with `.value()`"
)]
pub trait IsHistogram {}
impl IsHistogram for Histogram {}

/// One metric of a scraped workload: its type `K` ([`Counter`], [`Gauge`] or [`Histogram`]),
/// the environment `E` and namespace `N` of the workload, and its label set `L` (the labels its
/// shape declares). The operations it offers depend on its type:
///
/// | type | reads |
/// |---|---|
/// | counter | [`rate`](Metric::rate), [`increase`](Metric::increase) |
/// | gauge | [`value`](Metric::value), [`delta`](Metric::delta), [`avg_over_time`](Metric::avg_over_time), [`max_over_time`](Metric::max_over_time), [`min_over_time`](Metric::min_over_time) |
/// | histogram | [`quantile`](Metric::quantile), [`quantile_by`](Metric::quantile_by), [`count`](Metric::count), [`sum`](Metric::sum) |
///
/// Any of them narrows its series with [`filter`](Metric::filter) on a declared label.
pub struct Metric<K, E, N, L> {
    scrape: Scrape<E, N>,
    name: String,
    matchers: Vec<String>,
    _kind: PhantomData<fn() -> (K, L)>,
}

impl<K, E, N, L> Clone for Metric<K, E, N, L> {
    fn clone(&self) -> Self {
        Metric {
            scrape: self.scrape.clone(),
            name: self.name.clone(),
            matchers: self.matchers.clone(),
            _kind: PhantomData,
        }
    }
}

impl<K, E, N, L> fmt::Debug for Metric<K, E, N, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.selector(""))
    }
}

impl<K, E, N, L: LabelSet> Metric<K, E, N, L> {
    /// The metric `name` of the series `scrape` selects; [`metrics!`](crate::metrics!) creates them.
    #[doc(hidden)]
    pub fn new(scrape: &Scrape<E, N>, name: &'static str) -> Self {
        Metric {
            scrape: scrape.clone(),
            name: name.to_owned(),
            matchers: Vec::new(),
            _kind: PhantomData,
        }
    }

    /// Only the series whose declared labels match: `.filter(|l| l.status.matches("5.."))`.
    #[must_use]
    pub fn filter(mut self, matcher: impl FnOnce(&L) -> Matcher<L>) -> Self {
        self.matchers.push(format!("{:?}", matcher(&L::LABELS)));
        self
    }
}

impl<K, E, N, L> Metric<K, E, N, L> {
    /// `name{namespace="..", service="..", endpoint="..", matchers..}` (`job` instead of
    /// `service` through a PodMonitor), with `suffix` appended to the name (a histogram's
    /// series).
    fn selector(&self, suffix: &str) -> String {
        let s = &self.scrape;
        let mut matchers = vec![
            format!("namespace={}", quote(&s.namespace)),
            s.target.matcher(),
            format!("endpoint={}", quote(&s.endpoint)),
        ];
        matchers.extend(self.matchers.iter().cloned());
        format!("{}{suffix}{{{}}}", self.name, matchers.join(", "))
    }

    fn range(&self, function: &str, suffix: &str, window: Window) -> Vector<E, N, L> {
        Vector::new(
            &self.scrape.origin,
            format!("{function}({}[{window}])", self.selector(suffix)),
            window.problem(),
        )
    }

    fn retyped<K2>(self, suffix: &str) -> Metric<K2, E, N, L> {
        Metric {
            scrape: self.scrape,
            name: format!("{}{suffix}", self.name),
            matchers: self.matchers,
            _kind: PhantomData,
        }
    }
}

impl<K, E, N, L: LabelSet> Metric<K, E, N, L> {
    /// `rate(counter[window])`: its per-second increase, averaged over `window`.
    pub fn rate(&self, window: Window) -> Vector<E, N, L>
    where
        K: IsCounter,
    {
        self.range("rate", "", window)
    }

    /// `increase(counter[window])`: how much it grew over `window`.
    pub fn increase(&self, window: Window) -> Vector<E, N, L>
    where
        K: IsCounter,
    {
        self.range("increase", "", window)
    }

    /// The gauge's current value.
    pub fn value(&self) -> Vector<E, N, L>
    where
        K: IsGauge,
    {
        Vector::new(&self.scrape.origin, self.selector(""), None)
    }

    /// `delta(gauge[window])`: how much it changed over `window`.
    pub fn delta(&self, window: Window) -> Vector<E, N, L>
    where
        K: IsGauge,
    {
        self.range("delta", "", window)
    }

    /// `avg_over_time(gauge[window])`.
    pub fn avg_over_time(&self, window: Window) -> Vector<E, N, L>
    where
        K: IsGauge,
    {
        self.range("avg_over_time", "", window)
    }

    /// `max_over_time(gauge[window])`.
    pub fn max_over_time(&self, window: Window) -> Vector<E, N, L>
    where
        K: IsGauge,
    {
        self.range("max_over_time", "", window)
    }

    /// `min_over_time(gauge[window])`.
    pub fn min_over_time(&self, window: Window) -> Vector<E, N, L>
    where
        K: IsGauge,
    {
        self.range("min_over_time", "", window)
    }

    /// The `q` quantile (0 to 1, e.g. 0.95) of the observations over `window`, across all the
    /// workload's series: `histogram_quantile(q, sum by (le) (rate(<name>_bucket[window])))`.
    pub fn quantile(&self, q: f64, window: Window) -> Promql<E, N>
    where
        K: IsHistogram,
    {
        self.quantile_by_labels(q, window, &[])
    }

    /// The `q` quantile per value of the `by` labels: `.quantile_by(0.95, window, |l| [l.route])`.
    pub fn quantile_by<I>(&self, q: f64, window: Window, by: impl FnOnce(&L) -> I) -> Promql<E, N>
    where
        K: IsHistogram,
        I: IntoIterator<Item = Label<L>>,
    {
        let by: Vec<&str> = by(&L::LABELS).into_iter().map(|l| l.name).collect();
        self.quantile_by_labels(q, window, &by)
    }

    fn quantile_by_labels(&self, q: f64, window: Window, by: &[&str]) -> Promql<E, N> {
        let buckets = self.range("rate", "_bucket", window);
        let by = std::iter::once("le")
            .chain(by.iter().copied())
            .collect::<Vec<_>>()
            .join(", ");
        let mut problems = buckets.problems;
        if !(0.0..=1.0).contains(&q) {
            problems.push(format!(
                "the quantile {q} of `{}` is not between 0 and 1",
                self.name
            ));
        }
        Promql::new(
            buckets.origin,
            format!("histogram_quantile({q}, sum by ({by}) ({}))", buckets.expr),
            problems,
        )
    }

    /// The counter of the histogram's observations, `<name>_count`.
    pub fn count(self) -> Metric<Counter, E, N, L>
    where
        K: IsHistogram,
    {
        self.retyped("_count")
    }

    /// The counter of the sum of the histogram's observations, `<name>_sum` (its rate over the
    /// rate of [`count`](Metric::count) is the mean observation).
    pub fn sum(self) -> Metric<Counter, E, N, L>
    where
        K: IsHistogram,
    {
        self.retyped("_sum")
    }
}

/// An instant vector of one workload's series, which still have the labels `L` of their metric:
/// what `rate` or `value` returns. Aggregate it ([`sum`](Vector::sum), [`sum_by`](Vector::sum_by),
/// ...), compare it ([`gt`](Vector::gt), ...), or use it as it is, as a [`Query`].
pub struct Vector<E, N, L> {
    origin: Origin,
    expr: String,
    problems: Vec<String>,
    _scope: PhantomData<fn() -> (E, N)>,
    _labels: PhantomData<fn() -> L>,
}

impl<E, N, L> Clone for Vector<E, N, L> {
    fn clone(&self) -> Self {
        Vector {
            origin: self.origin.clone(),
            expr: self.expr.clone(),
            problems: self.problems.clone(),
            _scope: PhantomData,
            _labels: PhantomData,
        }
    }
}

impl<E, N, L> fmt::Debug for Vector<E, N, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.expr)
    }
}

impl<E, N, L> Vector<E, N, L> {
    fn new(origin: &Origin, expr: String, problem: Option<String>) -> Self {
        Vector {
            origin: origin.clone(),
            expr,
            problems: problem.into_iter().collect(),
            _scope: PhantomData,
            _labels: PhantomData,
        }
    }
}

impl<E, N, L: LabelSet> Vector<E, N, L> {
    fn aggregate(self, op: &str, by: Option<Vec<&str>>) -> Promql<E, N> {
        let expr = match by {
            None => format!("{op}({})", self.expr),
            Some(by) => format!("{op} by ({}) ({})", by.join(", "), self.expr),
        };
        Promql::new(self.origin, expr, self.problems)
    }

    fn labels<I: IntoIterator<Item = Label<L>>>(by: impl FnOnce(&L) -> I) -> Vec<&'static str> {
        by(&L::LABELS).into_iter().map(|l| l.name).collect()
    }

    /// `sum(expr)`.
    pub fn sum(self) -> Promql<E, N> {
        self.aggregate("sum", None)
    }

    /// `sum by (labels) (expr)`: `.sum_by(|l| [l.status])`.
    pub fn sum_by<I: IntoIterator<Item = Label<L>>>(
        self,
        by: impl FnOnce(&L) -> I,
    ) -> Promql<E, N> {
        let by = Self::labels(by);
        self.aggregate("sum", Some(by))
    }

    /// `avg(expr)`.
    pub fn avg(self) -> Promql<E, N> {
        self.aggregate("avg", None)
    }

    /// `avg by (labels) (expr)`.
    pub fn avg_by<I: IntoIterator<Item = Label<L>>>(
        self,
        by: impl FnOnce(&L) -> I,
    ) -> Promql<E, N> {
        let by = Self::labels(by);
        self.aggregate("avg", Some(by))
    }

    /// `max(expr)`.
    pub fn max(self) -> Promql<E, N> {
        self.aggregate("max", None)
    }

    /// `max by (labels) (expr)`.
    pub fn max_by<I: IntoIterator<Item = Label<L>>>(
        self,
        by: impl FnOnce(&L) -> I,
    ) -> Promql<E, N> {
        let by = Self::labels(by);
        self.aggregate("max", Some(by))
    }

    /// `min(expr)`.
    pub fn min(self) -> Promql<E, N> {
        self.aggregate("min", None)
    }

    /// `expr > threshold`: the series above `threshold`.
    pub fn gt(self, threshold: f64) -> Promql<E, N> {
        Promql::from(self).gt(threshold)
    }

    /// `expr < threshold`: the series below `threshold`.
    pub fn lt(self, threshold: f64) -> Promql<E, N> {
        Promql::from(self).lt(threshold)
    }
}

impl<E, N, L> From<Vector<E, N, L>> for Promql<E, N> {
    fn from(v: Vector<E, N, L>) -> Self {
        Promql {
            origin: v.origin,
            expr: v.expr,
            problems: v.problems,
            _scope: PhantomData,
        }
    }
}

/// A PromQL expression over the metrics of workloads of namespace `N` in environment `E`, built
/// from typed parts so that it is well-formed and selects only those workloads' series. There is
/// no constructor from text: a string can name any metric of any workload, which is what the
/// types exist to prevent.
pub struct Promql<E, N> {
    origin: Origin,
    expr: String,
    /// What synth reports about it (a quantile outside 0..1, an empty window).
    problems: Vec<String>,
    _scope: PhantomData<fn() -> (E, N)>,
}

impl<E, N> Clone for Promql<E, N> {
    fn clone(&self) -> Self {
        Promql {
            origin: self.origin.clone(),
            expr: self.expr.clone(),
            problems: self.problems.clone(),
            _scope: PhantomData,
        }
    }
}

impl<E, N> fmt::Debug for Promql<E, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Promql({})", self.expr)
    }
}

impl<E, N> fmt::Display for Promql<E, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.expr)
    }
}

impl<E, N> Promql<E, N> {
    fn new(origin: Origin, expr: String, problems: Vec<String>) -> Self {
        Promql {
            origin,
            expr,
            problems,
            _scope: PhantomData,
        }
    }

    fn binary(self, op: &str, other: Promql<E, N>) -> Promql<E, N> {
        let mut problems = self.problems;
        problems.extend(other.problems);
        Promql::new(
            self.origin,
            format!("({}) {op} ({})", self.expr, other.expr),
            problems,
        )
    }

    /// `(expr) / (other)`: e.g. failed requests over all requests. `other` reads metrics of the
    /// same environment and namespace.
    pub fn ratio(self, other: impl Query<E, N>) -> Promql<E, N> {
        self.binary("/", other.into_promql())
    }

    /// `(expr) + (other)`: e.g. the requests of two versions of a service. As PromQL matches
    /// series by their labels, a side without series (a version that served nothing yet) makes
    /// the sum empty.
    pub fn plus(self, other: impl Query<E, N>) -> Promql<E, N> {
        self.binary("+", other.into_promql())
    }

    /// `expr > threshold`: an alert condition.
    pub fn gt(self, threshold: f64) -> Promql<E, N> {
        self.compare(">", threshold)
    }

    /// `expr < threshold`.
    pub fn lt(self, threshold: f64) -> Promql<E, N> {
        self.compare("<", threshold)
    }

    fn compare(mut self, op: &str, threshold: f64) -> Promql<E, N> {
        if !threshold.is_finite() {
            self.problems
                .push(format!("the threshold {threshold} is not a finite number"));
        }
        self.expr = format!("{} {op} {threshold}", self.expr);
        self
    }

    /// The expression's text.
    pub fn as_str(&self) -> &str {
        &self.expr
    }

    /// What synth reports about it.
    pub(crate) fn problems(&self) -> &[String] {
        &self.problems
    }

    /// Reports its problems, and `more`, at the path of the monitor whose metrics it reads, as
    /// used by `what`: for a user no construct of its own validates (a scaler).
    pub(crate) fn report(&self, what: &str, more: impl IntoIterator<Item = String>) {
        let Origin { app, monitor } = &self.origin;
        for problem in self.problems.iter().cloned().chain(more) {
            app.report(
                Diagnostic::error(
                    app.path(*monitor).as_str(),
                    format!("{what} `{}`: {problem}", self.expr),
                )
                .hint("a window is at least `Window::seconds(1)`, a quantile between 0 and 1, a threshold a finite number and above 0"),
            );
        }
    }
}

/// A query over the metrics of workloads of namespace `N` in environment `E`: a [`Promql`]
/// expression or a [`Vector`], built from a metrics shape ([`metrics!`](crate::metrics!)) of a
/// workload that a [`ServiceMonitor`](crate::monitoring::ServiceMonitor) of `E` and `N` scrapes.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a query of the metrics of namespace `{N}` in environment `{E}`",
    label = "not a query of this environment and namespace",
    note = "an alert, a dashboard panel or a scaler reads only the metrics of workloads in its own environment and namespace (a rule evaluated with another namespace's label, or another cluster's Prometheus, selects nothing)",
    note = "build the query from the shape of a workload of this namespace: `ApiMetrics::of(&monitor).http_requests_total().rate(Window::minutes(5)).sum()`, with `monitor` the `ServiceMonitor` of that workload; a metric itself is not a query: take its `.rate(..)`, `.value()` or `.quantile(..)`"
)]
pub trait Query<E, N> {
    /// The expression.
    fn into_promql(self) -> Promql<E, N>;
}

impl<E, N> Query<E, N> for Promql<E, N> {
    fn into_promql(self) -> Promql<E, N> {
        self
    }
}

impl<E, N, L> Query<E, N> for Vector<E, N, L> {
    fn into_promql(self) -> Promql<E, N> {
        self.into()
    }
}
