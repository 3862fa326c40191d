//! The checks the `restricted` Pod Security profile implies cannot be accepted: the API server
//! refuses such pods whatever checkov is told, so `Check` has no constant for them.
use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Shop = "shop");

fn main() {
    let app = App::new("shop");
    let shop = app.environment(Prod).kubernetes().namespace(Shop);
    let api = WebService::new(&shop, "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
    api.accept(Check::CKV_K8S_20, "the app escalates privileges");
}
