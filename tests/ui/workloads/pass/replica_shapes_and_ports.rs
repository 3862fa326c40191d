//! What the replica shapes and port handles allow: targets on a range, scalers on a worker with
//! a range, rules on a workload's own ports, and no generic parameter spelled out.
use girder::constructs::{Scaler, Worker};
use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Jobs = "jobs");

fn main() {
    let app = App::new("shop");
    let ns = app.environment(Prod).kubernetes().namespace(Jobs);
    let redis = WebService::new(&ns, "redis")
        .image("redis:7.4")
        .port(Port::tcp("redis", 6379))
        .replicas(1)
        .build();
    let api = WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.0.0")
        .port(8080)
        .replicas(Replicas::between(2, 10).cpu(60).memory(80))
        .build();
    let metrics = api.add_port(Port::tcp("metrics", 9090));
    api.allow_from_on(Peer::namespace("monitoring"), &metrics)
        .allow_from_on(Peer::cidr("10.0.0.0/8"), api.port());
    let celery = Worker::new(&ns, "celery")
        .image("ghcr.io/acme/worker:1.0.0")
        .replicas(1..=20)
        .build();
    let broker = celery.connect(&redis);
    celery.env("BROKER_URL", broker.url());
    celery.scale_on(Scaler::redis_list(&broker, "celery", 10));
    let beat = Worker::new(&ns, "beat")
        .image("ghcr.io/acme/worker:1.0.0")
        .replicas(1)
        .build();
    beat.deployment_mut(|d| d.main_container().args = Some(vec!["beat".into()]));
}
