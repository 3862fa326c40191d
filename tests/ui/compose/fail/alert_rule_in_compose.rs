//! A Compose project runs no Prometheus operator: an alert rule there would evaluate nothing.
use girder::constructs::monitoring::{AlertRule, ServiceMonitor, Window};
use girder::prelude::*;

girder::environment!(Dev = "dev");
girder::metrics! {
    struct ApiMetrics { counter http_requests_total [status] }
}

fn main() {
    let app = App::new("shop");
    let dev = app.environment(Dev).compose();
    let api = WebService::new(&dev, "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
    let metrics = ApiMetrics::of(&ServiceMonitor::new(&api, api.port()).build());
    AlertRule::new(&dev, "api-errors")
        .expr(metrics.http_requests_total().rate(Window::minutes(5)).sum().gt(10.0))
        .summary("Too many requests")
        .build();
}
