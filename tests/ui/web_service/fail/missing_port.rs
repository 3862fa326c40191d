use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Web = "web");

fn main() {
    let app = App::new("shop");
    let ns = app.environment(Prod).kubernetes().namespace(Web);
    let _api = WebService::new(&ns, "api").image("ghcr.io/acme/api:1.0.0").build();
}
