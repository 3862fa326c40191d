use girder::constructs::monitoring::{AlertRule, ServiceMonitor, Window};
use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::environment!(Staging = "staging");
girder::namespace!(Web = "web");
girder::metrics! {
    struct ApiMetrics { counter http_requests_total [status] }
}

fn main() {
    let app = App::new("shop");
    let staging = app.environment(Staging).kubernetes().namespace(Web);
    let prod = app.environment(Prod).kubernetes().namespace(Web);
    let api = WebService::new(&staging, "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
    let staging_api = ApiMetrics::of(&ServiceMonitor::new(&api, api.port()).build());
    // A production alert on staging's metrics: another cluster's Prometheus holds them.
    AlertRule::new(&prod, "api-errors")
        .expr(staging_api.http_requests_total().rate(Window::minutes(5)).sum().gt(10.0))
        .summary("Too many requests")
        .build();
}
