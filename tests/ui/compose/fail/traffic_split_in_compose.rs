//! A Compose project runs no Istio: a traffic split there would split nothing.
use girder::constructs::TrafficSplit;
use girder::prelude::*;

girder::environment!(Dev = "dev");

fn main() {
    let app = App::new("store");
    let dev = app.environment(Dev).compose();
    let v1 = WebService::new(&dev, "api-v1").image("ghcr.io/acme/api:1.9.0").port(8080).build();
    let v2 = WebService::new(&dev, "api-v2").image("ghcr.io/acme/api:2.0.0").port(8080).build();
    TrafficSplit::new(&dev, "api").to(&v1, 90).to(&v2, 10).build();
}
