use girder::constructs::monitoring::{Dashboard, Panel, ServiceMonitor, Unit, Window};
use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Web = "web");
girder::namespace!(Ops = "ops");
girder::metrics! {
    struct ApiMetrics { counter http_requests_total [status] }
}

fn main() {
    let app = App::new("shop");
    let k8s = app.environment(Prod).kubernetes();
    let api = WebService::new(&k8s.namespace(Web), "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
    let api_metrics = ApiMetrics::of(&ServiceMonitor::new(&api, api.port()).build());
    let requests = Panel::timeseries("Requests", Unit::RequestsPerSecond)
        .query("all", api_metrics.http_requests_total().rate(Window::minutes(5)).sum());
    // A dashboard of `ops` showing a panel of `web`'s metrics.
    Dashboard::new(&k8s.namespace(Ops), "overview").title("Overview").panels([requests]).build();
}
