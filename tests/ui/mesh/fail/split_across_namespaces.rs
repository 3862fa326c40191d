use girder::constructs::TrafficSplit;
use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Shop = "shop");
girder::namespace!(Billing = "billing");

fn main() {
    let app = App::new("store");
    let k8s = app.environment(Prod).kubernetes();
    let v1 = WebService::new(&k8s.namespace(Billing), "api-v1")
        .image("ghcr.io/acme/api:1.9.0")
        .port(8080)
        .build();
    TrafficSplit::new(&k8s.namespace(Shop), "api").to(&v1, 100).build();
}
