use girder::constructs::monitoring::ServiceMonitor;
use girder::constructs::{Scaler, Worker};
use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Web = "web");
girder::namespace!(Jobs = "jobs");
girder::metrics! {
    struct ApiMetrics { gauge queue_depth [] }
}

fn main() {
    let app = App::new("shop");
    let k8s = app.environment(Prod).kubernetes();
    let api = WebService::new(&k8s.namespace(Web), "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
    let api_metrics = ApiMetrics::of(&ServiceMonitor::new(&api, api.port()).build());
    let worker = Worker::new(&k8s.namespace(Jobs), "drain").image("ghcr.io/acme/drain:1.0.0").replicas(1..=5).build();
    // A worker of `jobs` scaled on the metrics of `web`.
    worker.scale_on(Scaler::prometheus(api_metrics.queue_depth().value().sum(), 10));
}
