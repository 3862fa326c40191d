//! A platform team's construct library on Girder: [`StandardService`], the organisation's web
//! service — a [`WebService`] with its metrics scraped, an error-rate alert on its SLO, a
//! dashboard, and the organisation's labels on every object — which product teams compose like
//! Girder's own constructs.
//!
//! ```
//! use girder::prelude::*;
//! use girder_platform_example::StandardService;
//!
//! girder::environment!(pub Prod = "prod");
//! girder::namespace!(pub Shop = "shop");
//!
//! let app = App::new("store");
//! let shop = app.environment(Prod).kubernetes().namespace(Shop);
//! let api = StandardService::new(&shop, "api")
//!     .image("ghcr.io/acme/api:1.4.2")
//!     .port(8080)
//!     .team("payments")
//!     .build();
//! let web = StandardService::new(&shop, "web")
//!     .image("ghcr.io/acme/web:2.0.1")
//!     .port(8080)
//!     .team("storefront")
//!     .max_error_ratio(0.01)
//!     .build();
//! web.env("API_URL", web.connect(&api).url());
//! assert_eq!(api.web().name(), "api");
//! ```
//!
//! Image, port and team are required: a service without its team does not compile.
//!
//! ```compile_fail
//! # use girder::prelude::*;
//! # girder::environment!(pub Prod = "prod");
//! # girder::namespace!(pub Shop = "shop");
//! # let shop = App::new("store").environment(Prod).kubernetes().namespace(Shop);
//! girder_platform_example::StandardService::new(&shop, "api")
//!     .image("ghcr.io/acme/api:1.4.2")
//!     .port(8080)
//!     .build();
//! ```

use girder::constructs::composite::{Composite, MAIN};
use girder::constructs::monitoring::{HttpMetrics, Panel, Severity, Unit, Window};
use girder::constructs::wiring::{Client, Endpoint, InEnvironment, IntoEnv, Reachable, Server};
use girder::constructs::{Connection, ReplicaCount};
use girder::k8s::NamespaceScope;
use girder::prelude::*;

/// The cost center of services whose builder names none.
pub const DEFAULT_COST_CENTER: &str = "shared";

/// Where the organisation's runbooks live: a service's error-rate runbook is
/// `<RUNBOOKS>/<team>/<service>-errors` unless its builder names another.
pub const RUNBOOKS: &str = "https://runbooks.acme.example";

/// The organisation's web service: a [`WebService`] on an HTTP port whose `/metrics` (the
/// [`HttpMetrics`] shape) a `ServiceMonitor` scrapes, an `AlertRule` that pages when the share
/// of 5xx answers stays above the SLO's error ratio for 5 minutes, a `Dashboard` of its errors,
/// latency and traffic, and the labels `team` and `cost-center` on every object and pod.
///
/// Defaults: the `WebService`'s (2 to 10 replicas at 70 % CPU, TCP probes, restricted pods),
/// readiness on `GET /ready`, an error ratio of 5 %, cost center [`DEFAULT_COST_CENTER`], the
/// team's runbook under [`RUNBOOKS`].
///
/// It is a node of the tree (`list` shows it, kind `StandardService`, with its parts below);
/// clients [`connect`](StandardService::connect) to it as to a web service, it connects to
/// servers and takes environment values as one, and [`web`](StandardService::web) hands out
/// the wrapped service for the escape hatches (`deployment_mut`, `patch`, `add_port`).
pub struct StandardService<E, N> {
    parts: Composite<E, N>,
    web: WebService<E, N>,
}

impl<E, N> Clone for StandardService<E, N> {
    fn clone(&self) -> Self {
        StandardService {
            parts: self.parts.clone(),
            web: self.web.clone(),
        }
    }
}

// `new` starts a builder whose `build` returns the construct, as bon builders do.
#[allow(clippy::new_ret_no_self)]
#[girder::bon::bon(crate = ::girder::bon)]
impl<E: EnvironmentName, N: OnKubernetes> StandardService<E, N> {
    /// Starts a standard service with id `id` in `scope`; `image`, `port` and `team` are
    /// required.
    #[builder(start_fn = new, finish_fn = build)]
    pub fn create(
        #[builder(start_fn)] scope: &impl NamespaceScope<Env = E, Ns = N>,
        #[builder(start_fn, into)] id: String,
        /// The container image (pin a tag or a digest).
        #[builder(into)]
        image: String,
        /// The HTTP port it serves on, `/metrics` included.
        port: u16,
        /// The owning team: the `team` label, and who the alert pages.
        #[builder(into)]
        team: String,
        /// The `cost-center` label (default [`DEFAULT_COST_CENTER`]).
        #[builder(into, default = DEFAULT_COST_CENTER.to_owned())]
        cost_center: String,
        /// A fixed count or an autoscaling range (default: the `WebService`'s, `2..=10`).
        #[builder(into, default = ReplicaCount::from(2..=10))]
        replicas: ReplicaCount,
        /// Requests and limits (default: the `DefaultResources` aspect's).
        #[builder(default)]
        resources: Resources,
        /// The readiness probe (default `GET /ready`).
        #[builder(default = Probe::http("/ready"))]
        readiness: Probe,
        /// The SLO: the share of 5xx answers above which the alert pages (default 0.05), in
        /// (0, 1).
        #[builder(default = 0.05)]
        max_error_ratio: f64,
        /// What to do when the error-rate alert fires (default
        /// `<RUNBOOKS>/<team>/<service>-errors`, see [`RUNBOOKS`]).
        #[builder(into)]
        runbook: Option<String>,
    ) -> StandardService<E, N> {
        let parts = Composite::new(scope, id, "StandardService");
        for (label, value) in [("team", &team), ("cost-center", &cost_center)] {
            if let Some(why) = girder::core::name::check_id(value) {
                parts.error(
                    format!("the {label} `{value}` is not a label value: {why}"),
                    format!(
                        "name the {label} in lowercase letters, digits and '-', e.g. `payments`"
                    ),
                );
            }
        }
        if !(max_error_ratio > 0.0 && max_error_ratio < 1.0) {
            parts.error(
                format!("the error ratio {max_error_ratio} is not between 0 and 1"),
                "give the SLO's share of failed requests, e.g. `.max_error_ratio(0.01)` for 99 % success",
            );
        }
        parts.app().aspect_at(
            parts.node(),
            CommonLabels::new()
                .label("team", team.clone())
                .label("cost-center", cost_center),
        );

        let web = WebService::new(&parts, MAIN)
            .image(image)
            .port(port)
            .replicas(replicas)
            .resources(resources)
            .readiness(readiness)
            .build();
        let http = HttpMetrics::of(&ServiceMonitor::new(&web, web.port()).build());
        let five = Window::minutes(5);
        AlertRule::new(&parts, "errors")
            .expr(http.error_ratio(five).gt(max_error_ratio))
            .severity(Severity::Page)
            .runbook(
                runbook.unwrap_or_else(|| format!("{RUNBOOKS}/{team}/{}-errors", parts.name())),
            )
            .summary(format!(
                "{} fails more than {:.1} % of requests (team {team})",
                parts.name(),
                max_error_ratio * 100.0
            ))
            .build();
        Dashboard::new(&parts, "overview")
            .title(format!("{} ({team})", parts.name()))
            .panels([
                Panel::timeseries("Error ratio", Unit::Ratio).query("5xx", http.error_ratio(five)),
                Panel::timeseries("Latency", Unit::Seconds)
                    .query("p50", http.latency_quantile(0.5, five))
                    .query("p95", http.latency_quantile(0.95, five)),
                Panel::timeseries("Requests", Unit::RequestsPerSecond).query(
                    "{{status}}",
                    http.http_requests_total().rate(five).sum_by(|l| [l.status]),
                ),
            ])
            .build();
        StandardService { parts, web }
    }
}

impl<E: EnvironmentName, N: OnKubernetes> StandardService<E, N> {
    /// The wrapped web service: its escape hatches (`deployment_mut`, `patch`, `add_port`,
    /// `allow_from_on`) and its port.
    pub fn web(&self) -> &WebService<E, N> {
        &self.web
    }

    /// The service's path, e.g. `prod/shop/api`.
    pub fn path(&self) -> girder::core::Path {
        self.parts.path()
    }

    /// Sets an environment variable: a literal, a key of a typed Secret or ConfigMap of its
    /// namespace, or an address from a connection (see [`WebService::env`]).
    pub fn env(&self, name: impl Into<String>, value: impl IntoEnv<E, N>) -> &Self {
        self.web.env(name, value);
        self
    }

    /// Connects to `server` (see [`WebService::connect`]): egress to it, ingress on its side,
    /// and the connection whose addresses go into [`env`](Self::env).
    pub fn connect<S>(&self, server: &S) -> S::Connection<E, N>
    where
        S: Server + InEnvironment<E> + Reachable<N> + Clone + 'static,
    {
        self.web.connect(server)
    }
}

/// Clients connect to its web service.
impl<E: EnvironmentName, N: OnKubernetes> Server for StandardService<E, N> {
    type Connection<C, M> = Connection<C>;

    fn endpoint(&self) -> Endpoint {
        self.web.endpoint()
    }

    fn admit(&self, client: Client) {
        self.web.admit(client);
    }

    fn connection<C, M: NamespaceName>(&self, connection: Connection<C>) -> Connection<C> {
        connection
    }
}

impl<E, N> InEnvironment<E> for StandardService<E, N> {}

/// Reachable from every namespace of the cluster, as its web service is.
impl<E, N, M> Reachable<M> for StandardService<E, N> {}
