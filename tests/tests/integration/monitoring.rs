//! Monitoring: typed metrics read only through the ServiceMonitor or PodMonitor that scrapes
//! them, and what reads them (alerts, dashboards, scalers), with the checks synth adds to the
//! types.

use girder::constructs::monitoring::{
    AlertRule, Dashboard, HttpMetrics, Panel, PodMonitor, ServiceMonitor, Severity, Unit, Window,
};
use girder::constructs::{Scaler, Worker};
use girder::prelude::*;

use crate::WithAddOns;
use crate::{Prod, Web, synth_errors, synth_text};

girder::metrics! {
    /// What the API exposes on its metrics port.
    pub struct ApiMetrics {
        /// Requests answered.
        counter http_requests_total [method, status],
        histogram http_request_duration_seconds [route],
        gauge queue_depth [queue],
    }
}

girder::metrics! {
    /// A shape that declares what the scrape and the histogram already give.
    pub struct Overlapping {
        counter requests_total [namespace, status],
        histogram latency_seconds_bucket [le],
    }
}

/// An API with a metrics port, scraped, and its typed metrics.
fn scraped(app: &App) -> (Namespace<Prod, Web>, ApiMetrics<Prod, Web>) {
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    crate::accept_test_tags(ns.environment());
    let api = WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .build();
    let metrics_port = api.add_port(Port::tcp("metrics", 9090));
    let metrics = ApiMetrics::of(&ServiceMonitor::new(&api, &metrics_port).build());
    (ns, metrics)
}

/// Every operation of every metric type, each as an alert, so that promtool checks them all.
fn every_query_form(app: &App) {
    let (ns, m) = scraped(app);
    let five = Window::minutes(5);
    let requests = m.http_requests_total();
    let latency = m.http_request_duration_seconds();
    let depth = m.queue_depth();
    let alerts = [
        (
            "error-ratio",
            requests
                .clone()
                .filter(|l| l.status.matches("5.."))
                .filter(|l| l.method.not_equals("OPTIONS"))
                .rate(five)
                .sum()
                .ratio(requests.rate(five).sum())
                .gt(0.05),
        ),
        (
            "requests-by-method",
            requests
                .increase(Window::hours(1))
                .sum_by(|l| [l.method, l.status])
                .lt(1.0),
        ),
        ("latency", latency.quantile(0.95, five).gt(1.0)),
        (
            "latency-by-route",
            latency.quantile_by(0.99, five, |l| [l.route]).gt(2.0),
        ),
        (
            "mean-latency",
            latency
                .clone()
                .sum()
                .rate(five)
                .sum()
                .ratio(latency.count().rate(five).sum())
                .gt(0.5),
        ),
        (
            "queue",
            depth
                .clone()
                .filter(|l| l.queue.equals("celery"))
                .value()
                .gt(100.0),
        ),
        (
            "queue-growing",
            depth.delta(Window::minutes(10)).max().gt(50.0),
        ),
        (
            "queue-average",
            depth
                .avg_over_time(Window::hours(1))
                .avg_by(|l| [l.queue])
                .gt(20.0),
        ),
        (
            "queue-peak",
            depth
                .max_over_time(five)
                .max_by(|l| [l.queue])
                .plus(depth.min_over_time(five).min())
                .gt(10.0),
        ),
        (
            "queue-raw",
            depth
                .filter(|l| l.queue.not_matches("tmp-.*"))
                .value()
                .lt(0.0),
        ),
    ];
    for (id, expr) in alerts {
        AlertRule::new(&ns, id)
            .expr(expr)
            .summary(format!("{id} is off"))
            .build();
    }
    Worker::new(&ns, "drain")
        .image("ghcr.io/acme/drain:1.0.0")
        .replicas(1..=10)
        .build()
        .scale_on(Scaler::prometheus(
            m.queue_depth().max_over_time(five).sum(),
            20,
        ));
}

#[test]
fn a_worker_scales_on_a_typed_query() {
    let app = App::new("shop");
    let (ns, m) = scraped(&app);
    Worker::new(&ns, "drain")
        .image("ghcr.io/acme/drain:1.0.0")
        .replicas(1..=10)
        .build()
        .scale_on(Scaler::prometheus(
            m.queue_depth()
                .filter(|l| l.queue.equals("orders"))
                .value()
                .sum(),
            20,
        ));
    let text = synth_text(&app);
    let scaled = text
        .split("\n---\n")
        .find(|doc| doc.contains("kind: ScaledObject"))
        .unwrap_or_else(|| panic!("no ScaledObject in:\n{text}"));
    for expected in [
        "type: prometheus",
        "serverAddress: http://prometheus-operated.monitoring.svc.cluster.local:9090",
        r#"query: "sum(queue_depth{namespace=\"web\", service=\"api\", endpoint=\"metrics\", queue=\"orders\"})""#,
        "threshold: \"20\"",
    ] {
        assert!(
            scaled.contains(expected),
            "missing `{expected}` in:\n{scaled}"
        );
    }
}

#[test]
fn a_scaler_query_that_is_not_promql_is_reported_at_the_monitor() {
    let app = App::new("shop");
    let (ns, m) = scraped(&app);
    Worker::new(&ns, "drain")
        .image("ghcr.io/acme/drain:1.0.0")
        .replicas(1..=10)
        .build()
        .scale_on(Scaler::prometheus(
            m.http_requests_total().rate(Window::seconds(0)).sum(),
            0,
        ));
    let errors = synth_errors(&app);
    for expected in [
        "the scaler's query `sum(rate(http_requests_total{namespace=\"web\", service=\"api\", endpoint=\"metrics\"}[0s]))`: a range of 0s is not PromQL: a window is at least 1 second\n  --> prod/web/api-monitor",
        "the scaler's query `sum(rate(http_requests_total{namespace=\"web\", service=\"api\", endpoint=\"metrics\"}[0s]))`: one pod per 0 is no threshold\n  --> prod/web/api-monitor",
    ] {
        assert!(
            errors.contains(expected),
            "missing `{expected}` in:\n{errors}"
        );
    }
}

#[test]
fn monitoring_snapshot() {
    let app = App::new("shop");
    let (ns, m) = scraped(&app);
    let five = Window::minutes(5);
    AlertRule::new(&ns, "api-queue")
        .expr(m.queue_depth().value().max().gt(100.0))
        .severity(Severity::Page)
        .summary("The API's queue is long")
        .runbook("https://runbooks.example.com/api-queue")
        .build();
    Dashboard::new(&ns, "api-overview")
        .title("API")
        .panels([
            Panel::timeseries("Requests", Unit::RequestsPerSecond).query(
                "{{status}}",
                m.http_requests_total().rate(five).sum_by(|l| [l.status]),
            ),
            Panel::timeseries("Latency", Unit::Seconds).query(
                "p95",
                m.http_request_duration_seconds().quantile(0.95, five),
            ),
        ])
        .build();
    let text = synth_text(&app);
    let monitoring: String = text
        .split("\n---\n")
        .filter(|doc| {
            [
                "kind: PrometheusRule",
                "kind: ServiceMonitor",
                "kind: ConfigMap",
            ]
            .iter()
            .any(|k| doc.contains(k))
        })
        .collect::<Vec<_>>()
        .join("\n---\n");
    insta::assert_snapshot!(monitoring);
}

#[test]
fn a_query_selects_exactly_the_scraped_workload() {
    let app = App::new("shop");
    let (_, m) = scraped(&app);
    let query = m
        .http_requests_total()
        .filter(|l| l.status.matches("5.."))
        .rate(Window::minutes(5))
        .sum();
    assert_eq!(
        query.as_str(),
        r#"sum(rate(http_requests_total{namespace="web", service="api", endpoint="metrics", status=~"5.."}[5m]))"#
    );
    let p95 = m
        .http_request_duration_seconds()
        .quantile(0.95, Window::seconds(90));
    assert_eq!(
        p95.as_str(),
        r#"histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="web", service="api", endpoint="metrics"}[90s])))"#
    );
    // A label value is quoted, whatever it holds.
    let odd = m
        .queue_depth()
        .filter(|l| l.queue.equals("a\"b\\c"))
        .value();
    assert_eq!(
        Into::<girder::constructs::monitoring::Promql<_, _>>::into(odd).as_str(),
        r#"queue_depth{namespace="web", service="api", endpoint="metrics", queue="a\"b\\c"}"#
    );
}

#[test]
fn the_built_in_http_shape_reads_the_main_port() {
    let app = App::new("shop");
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    let front = WebService::new(&ns, "front")
        .image("ghcr.io/acme/front:1.0.0")
        .port(8080)
        .build();
    let http = HttpMetrics::of(&ServiceMonitor::new(&front, front.port()).build());
    assert_eq!(
        http.error_ratio(Window::minutes(5)).as_str(),
        r#"(sum(rate(http_requests_total{namespace="web", service="front", endpoint="http", status=~"5.."}[5m]))) / (sum(rate(http_requests_total{namespace="web", service="front", endpoint="http"}[5m])))"#
    );
}

#[test]
fn every_query_form_passes_the_validators() {
    let app = App::new("shop");
    every_query_form(&app);
    crate::validate(&app, "monitoring");
}

#[test]
fn a_shape_declaring_what_the_scrape_gives_is_reported() {
    let app = App::new("shop");
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    let api = WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .build();
    let _ = Overlapping::of(&ServiceMonitor::new(&api, api.port()).build());
    let errors = synth_errors(&app);
    for expected in [
        "metrics shape `Overlapping`: `requests_total` declares the label `namespace`, which the scrape sets\n  --> prod/web/api-monitor",
        "metrics shape `Overlapping`: histogram `latency_seconds_bucket` is declared by one of its series\n  --> prod/web/api-monitor",
        "declare it by its base name, `histogram latency_seconds [..]`",
        "metrics shape `Overlapping`: histogram `latency_seconds_bucket` declares its bucket label `le`\n  --> prod/web/api-monitor",
    ] {
        assert!(
            errors.contains(expected),
            "missing `{expected}` in:\n{errors}"
        );
    }
}

#[test]
fn a_bad_window_quantile_or_threshold_is_reported_with_the_construct() {
    let app = App::new("shop");
    let (ns, m) = scraped(&app);
    AlertRule::new(&ns, "empty-window")
        .expr(
            m.http_requests_total()
                .rate(Window::seconds(0))
                .sum()
                .gt(1.0),
        )
        .summary("Never")
        .build();
    AlertRule::new(&ns, "percent-quantile")
        .expr(
            m.http_request_duration_seconds()
                .quantile(95.0, Window::minutes(5))
                .gt(1.0),
        )
        .summary("Slow")
        .build();
    Dashboard::new(&ns, "odd")
        .title("Odd")
        .panels([
            Panel::timeseries("Queue", Unit::Count)
                .query("nan", m.queue_depth().value().gt(f64::NAN)),
            Panel::timeseries("Empty", Unit::Count),
        ])
        .build();
    let errors = synth_errors(&app);
    for expected in [
        "error: in `sum(rate(http_requests_total{namespace=\"web\", service=\"api\", endpoint=\"metrics\"}[0s])) > 1`: a range of 0s is not PromQL: a window is at least 1 second\n  --> prod/web/empty-window",
        "the quantile 95 of `http_request_duration_seconds` is not between 0 and 1\n  --> prod/web/percent-quantile",
        "panel `Queue`: the threshold NaN is not a finite number\n  --> prod/web/odd",
        "panel `Empty` has no query: it would stay empty\n  --> prod/web/odd",
    ] {
        assert!(
            errors.contains(expected),
            "missing `{expected}` in:\n{errors}"
        );
    }
}

girder::metrics! {
    /// What a queue worker exposes on its metrics port.
    pub struct DrainMetrics {
        /// Jobs finished, by queue and outcome.
        counter jobs_total [queue, outcome],
        /// How long a job took, in seconds.
        histogram job_duration_seconds [queue],
        /// Jobs waiting.
        gauge jobs_waiting [queue],
    }
}

/// A worker with a metrics port, scraped through a PodMonitor, an alert and a dashboard on its
/// metrics, and a second worker that scales on them.
fn worker_scraped(app: &App) -> Namespace<Prod, Web> {
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    crate::accept_test_tags(ns.environment());
    let drain = Worker::new(&ns, "drain")
        .image("ghcr.io/acme/drain:1.0.0")
        .replicas(2)
        .build();
    let metrics_port = drain.add_port(Port::tcp("metrics", 9100));
    let m = DrainMetrics::of(
        &PodMonitor::new(&drain, &metrics_port)
            .interval(Window::seconds(15))
            .build(),
    );
    let five = Window::minutes(5);
    let jobs = m.jobs_total();
    AlertRule::new(&ns, "drain-failing")
        .expr(
            jobs.clone()
                .filter(|l| l.outcome.equals("failed"))
                .rate(five)
                .sum()
                .ratio(jobs.rate(five).sum())
                .gt(0.1),
        )
        .severity(Severity::Page)
        .summary("More than 10% of jobs fail")
        .runbook("https://runbooks.example.com/drain-failing")
        .build();
    Dashboard::new(&ns, "drain-overview")
        .title("Drain")
        .panels([
            Panel::timeseries("Jobs", Unit::PerSecond)
                .query("{{outcome}}", jobs.rate(five).sum_by(|l| [l.outcome])),
            Panel::timeseries("Duration", Unit::Seconds)
                .query("p95", m.job_duration_seconds().quantile(0.95, five)),
        ])
        .build();
    Worker::new(&ns, "overflow")
        .image("ghcr.io/acme/drain:1.0.0")
        .replicas(1..=10)
        .build()
        .scale_on(Scaler::prometheus(m.jobs_waiting().value().sum(), 100));
    ns
}

/// The objects of `kinds` in `text`, one document each.
fn documents(text: &str, kinds: &[&str]) -> String {
    text.split("\n---\n")
        .filter(|doc| kinds.iter().any(|k| doc.contains(&format!("kind: {k}\n"))))
        .collect::<Vec<_>>()
        .join("\n---\n")
}

#[test]
fn pod_monitor_snapshot() {
    let app = App::new("shop");
    worker_scraped(&app);
    let text = synth_text(&app);
    // The PodMonitor, the worker's pods with their metrics port, the rule that lets Prometheus
    // in on that port only, and what reads the metrics.
    insta::assert_snapshot!(documents(
        &text,
        &[
            "PodMonitor",
            "Deployment",
            "NetworkPolicy",
            "PrometheusRule",
            "ScaledObject"
        ]
    ));
}

#[test]
fn a_worker_s_metrics_are_queried_by_the_pod_monitor_s_job() {
    let app = App::new("shop");
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    let drain = Worker::new(&ns, "drain")
        .image("ghcr.io/acme/drain:1.0.0")
        .replicas(1)
        .build();
    let port = drain.add_port(Port::tcp("metrics", 9100));
    let m = DrainMetrics::of(&PodMonitor::new(&drain, &port).build());
    assert_eq!(
        m.jobs_total()
            .filter(|l| l.queue.equals("orders"))
            .rate(Window::minutes(5))
            .sum()
            .as_str(),
        r#"sum(rate(jobs_total{namespace="web", job="web/drain", endpoint="metrics", queue="orders"}[5m]))"#
    );
    // Any workload's pods can be scraped: a web service's too, by its own `job`.
    let api = WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .build();
    let http = HttpMetrics::of(&PodMonitor::new(&api, api.port()).build());
    assert_eq!(
        http.latency_quantile(0.5, Window::minutes(1)).as_str(),
        r#"histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="web", job="web/api", endpoint="http"}[1m])))"#
    );
}

#[test]
fn a_pod_monitor_of_another_worker_s_port_is_refused_naming_both() {
    let app = App::new("shop");
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    let drain = Worker::new(&ns, "drain")
        .image("ghcr.io/acme/drain:1.0.0")
        .replicas(1)
        .build();
    let sweep = Worker::new(&ns, "sweep")
        .image("ghcr.io/acme/sweep:1.0.0")
        .replicas(1)
        .build();
    let sweep_metrics = sweep.add_port(Port::tcp("metrics", 9100));
    let _ = DrainMetrics::of(&PodMonitor::new(&drain, &sweep_metrics).build());
    let errors = synth_errors(&app);
    for expected in [
        "monitors port `metrics` (9100/TCP), which `prod/web/drain` does not declare\n  --> prod/web/drain-pod-monitor",
        "pass a port handle of the workload: the one its `.add_port(Port::tcp(\"metrics\", 9100))` returned",
    ] {
        assert!(
            errors.contains(expected),
            "missing `{expected}` in:\n{errors}"
        );
    }
    // Nothing was opened on the worker that does not listen on the port.
    assert!(!errors.contains("admits traffic"), "{errors}");
}

#[test]
fn a_pod_monitor_whose_selector_an_aspect_changed_is_refused() {
    let app = App::new("shop");
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    crate::accept_test_tags(ns.environment());
    let drain = Worker::new(&ns, "drain")
        .image("ghcr.io/acme/drain:1.0.0")
        .replicas(1)
        .build();
    let port = drain.add_port(Port::tcp("metrics", 9100));
    PodMonitor::new(&drain, &port).build();
    app.aspect(|m: &mut girder::k8s::Manifest, _: &mut Visit<'_>| {
        if let Some(monitor) = m.downcast_mut::<girder::k8s::crd::PodMonitor>() {
            monitor.spec.selector.match_labels = Some([("app".into(), "nobody".into())].into());
        }
    });
    let errors = synth_errors(&app);
    assert!(
        errors.contains("spec.selector: `spec.selector` matches no pod of this program"),
        "{errors}"
    );
}

#[test]
fn a_worker_s_pod_monitor_passes_the_validators() {
    let app = App::new("shop");
    worker_scraped(&app);
    crate::validate(&app, "pod-monitor");
}
