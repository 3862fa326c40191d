use girder::constructs::TrafficSplit;
use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Shop = "shop");

fn main() {
    let app = App::new("store");
    let shop = app.environment(Prod).kubernetes().namespace(Shop);
    let v2 = WebService::new(&shop, "api-v2").image("ghcr.io/acme/api:2.0.0").port(8080).build();
    TrafficSplit::new(&shop, "api").header_route("x-api-version", "2", &v2).build();
}
