//! Monitoring as a user writes it: shapes declared once, one function for two environments, no
//! generic parameter spelled out, every query typed.
use girder::constructs::monitoring::{
    AlertRule, Dashboard, HttpMetrics, Panel, ServiceMonitor, Severity, Unit, Window,
};
use girder::constructs::{Scaler, Worker};
use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::environment!(Staging = "staging");
girder::namespace!(Shop = "shop");
girder::metrics! {
    /// What the orders service exposes.
    pub struct OrdersMetrics {
        /// Orders placed.
        counter orders_total [r#type, region],
        histogram checkout_duration_seconds [step],
        gauge open_carts [],
    }
}

fn system<E: girder::core::EnvironmentName>(env: &Environment<E>) {
    let shop = env.kubernetes().namespace(Shop);
    let orders = WebService::new(&shop, "orders")
        .image("ghcr.io/acme/orders:1.0.0")
        .port(8080)
        .build();
    let metrics_port = orders.add_port(Port::tcp("metrics", 9090));
    let front = WebService::new(&shop, "front").image("ghcr.io/acme/front:1.0.0").port(8080).build();
    let orders_metrics = OrdersMetrics::of(&ServiceMonitor::new(&orders, &metrics_port).build());
    let front_http = HttpMetrics::of(&ServiceMonitor::new(&front, front.port()).build());
    let five = Window::minutes(5);

    AlertRule::new(&shop, "no-orders")
        .expr(orders_metrics.orders_total().filter(|l| l.r#type.equals("web")).increase(Window::hours(1)).sum().lt(1.0))
        .severity(Severity::Page)
        .summary("No web order in an hour")
        .runbook("https://runbooks.example.com/orders")
        .build();
    AlertRule::new(&shop, "front-errors")
        .expr(front_http.error_ratio(five).gt(0.05))
        .summary("More than 5% of front requests fail")
        .build();
    let checkout = orders_metrics.checkout_duration_seconds();
    Dashboard::new(&shop, "orders")
        .title("Orders")
        .panels([
            Panel::timeseries("Orders by region", Unit::PerSecond)
                .query("{{region}}", orders_metrics.orders_total().rate(five).sum_by(|l| [l.region])),
            Panel::timeseries("Checkout", Unit::Seconds)
                .query("p95 by step", checkout.quantile_by(0.95, five, |l| [l.step]))
                .query("mean", checkout.clone().sum().rate(five).sum().ratio(checkout.count().rate(five).sum())),
            Panel::timeseries("Open carts", Unit::Count)
                .query("now", orders_metrics.open_carts().value())
                .query("max 1h", orders_metrics.open_carts().max_over_time(Window::hours(1)).max()),
            Panel::timeseries("Requests", Unit::RequestsPerSecond).query(
                "front",
                front_http.http_requests_total().rate(five).sum().plus(
                    orders_metrics.orders_total().rate(five).sum(),
                ),
            ),
        ])
        .build();
    Worker::new(&shop, "fulfil")
        .image("ghcr.io/acme/fulfil:1.0.0")
        .replicas(1..=10)
        .build()
        .scale_on(Scaler::prometheus(orders_metrics.open_carts().value().sum(), 50));
}

fn main() {
    let app = App::new("store");
    system(&app.environment(Prod));
    system(&app.environment(Staging));
    let _ = girder::synth::synthesize(&app);
}
