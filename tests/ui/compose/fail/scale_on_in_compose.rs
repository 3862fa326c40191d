//! A Compose project runs no KEDA: a scaler there would scale nothing.
use girder::constructs::{Scaler, Worker};
use girder::prelude::*;

girder::environment!(Dev = "dev");

fn main() {
    let app = App::new("shop");
    let dev = app.environment(Dev).compose();
    let redis = WebService::new(&dev, "redis")
        .image("redis:7.4")
        .port(Port::tcp("redis", 6379))
        .replicas(1)
        .build();
    let celery = Worker::new(&dev, "celery")
        .image("ghcr.io/acme/worker:1.0.0")
        .replicas(1..=10)
        .build();
    let broker = celery.connect(&redis);
    celery.env("BROKER_URL", broker.url());
    celery.scale_on(Scaler::redis_list(&broker, "celery", 10));
}
