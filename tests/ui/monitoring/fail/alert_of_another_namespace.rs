use girder::constructs::monitoring::{AlertRule, ServiceMonitor, Window};
use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Web = "web");
girder::namespace!(Billing = "billing");
girder::metrics! {
    struct ApiMetrics { counter http_requests_total [status] }
}

fn main() {
    let app = App::new("shop");
    let k8s = app.environment(Prod).kubernetes();
    let web = k8s.namespace(Web);
    let api = WebService::new(&web, "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
    let api_metrics = ApiMetrics::of(&ServiceMonitor::new(&api, api.port()).build());
    // An alert of `billing` on the metrics of `web`.
    AlertRule::new(&k8s.namespace(Billing), "api-errors")
        .expr(api_metrics.http_requests_total().rate(Window::minutes(5)).sum().gt(10.0))
        .summary("Too many requests")
        .build();
}
