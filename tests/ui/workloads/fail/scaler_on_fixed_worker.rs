//! A scaler on a worker with a fixed replica count would emit a ScaledObject that scales nothing.
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
    let celery = Worker::new(&ns, "celery")
        .image("ghcr.io/acme/worker:1.0.0")
        .replicas(2)
        .build();
    let broker = celery.connect(&redis);
    celery.env("BROKER_URL", broker.url());
    celery.scale_on(Scaler::redis_list(&broker, "celery", 10));
}
