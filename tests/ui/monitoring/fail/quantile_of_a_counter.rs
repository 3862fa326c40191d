use girder::constructs::monitoring::{ServiceMonitor, Window};
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
    // A counter has no buckets to take a quantile of.
    let _ = api_metrics.http_requests_total().quantile(0.95, Window::minutes(5));
}
