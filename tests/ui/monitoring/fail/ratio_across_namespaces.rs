use girder::constructs::monitoring::{ServiceMonitor, Window};
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
    let api = WebService::new(&k8s.namespace(Web), "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
    let invoices = WebService::new(&k8s.namespace(Billing), "invoices").image("ghcr.io/acme/invoices:1.0.0").port(8080).build();
    let api_metrics = ApiMetrics::of(&ServiceMonitor::new(&api, api.port()).build());
    let invoice_metrics = ApiMetrics::of(&ServiceMonitor::new(&invoices, invoices.port()).build());
    // One expression over two namespaces' metrics.
    let _ = api_metrics
        .http_requests_total()
        .rate(Window::minutes(5))
        .sum()
        .ratio(invoice_metrics.http_requests_total().rate(Window::minutes(5)).sum());
}
