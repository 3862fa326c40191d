use girder::constructs::monitoring::{AlertRule, ServiceMonitor};
use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Web = "web");
girder::metrics! {
    struct ApiMetrics { counter http_requests_total [status] }
}

fn main() {
    let app = App::new("shop");
    let ns = app.environment(Prod).kubernetes().namespace(Web);
    let api = WebService::new(&ns, "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
    let api_metrics = ApiMetrics::of(&ServiceMonitor::new(&api, api.port()).build());
    // A counter's raw value is not a condition: take its rate.
    AlertRule::new(&ns, "requests")
        .expr(api_metrics.http_requests_total())
        .summary("Requests")
        .build();
}
