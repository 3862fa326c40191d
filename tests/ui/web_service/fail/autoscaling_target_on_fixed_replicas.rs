//! A CPU target on a fixed replica count would be dropped: no autoscaler reads it.
use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Web = "web");

fn main() {
    let app = App::new("shop");
    let ns = app.environment(Prod).kubernetes().namespace(Web);
    let _api = WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.0.0")
        .port(8080)
        .replicas(Replicas::fixed(3).cpu(70))
        .build();
}
