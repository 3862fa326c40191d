use girder::constructs::monitoring::{ServiceMonitor, Window};
use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Web = "web");
girder::metrics! {
    struct ApiMetrics { counter http_requests_total [method, status] }
}

fn main() {
    let app = App::new("shop");
    let ns = app.environment(Prod).kubernetes().namespace(Web);
    let api = WebService::new(&ns, "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
    let api_metrics = ApiMetrics::of(&ServiceMonitor::new(&api, api.port()).build());
    // `code` is not a label of `http_requests_total` in this shape.
    let _errors = api_metrics
        .http_requests_total()
        .filter(|l| l.code.matches("5.."))
        .rate(Window::minutes(5));
}
