use girder::constructs::monitoring::{ServiceMonitor, Window};
use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Web = "web");
girder::metrics! {
    struct ApiMetrics { gauge queue_depth [queue] }
}

fn main() {
    let app = App::new("shop");
    let ns = app.environment(Prod).kubernetes().namespace(Web);
    let api = WebService::new(&ns, "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
    let api_metrics = ApiMetrics::of(&ServiceMonitor::new(&api, api.port()).build());
    // A gauge goes up and down: its rate means nothing.
    let _ = api_metrics.queue_depth().rate(Window::minutes(5));
}
