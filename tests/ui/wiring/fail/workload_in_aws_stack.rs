use girder::prelude::*;

girder::environment!(Prod = "prod");

fn main() {
    let app = App::new("store");
    let data = app.environment(Prod).aws("123456789012", "eu-west-1").stack("data");
    let _api = WebService::new(&data, "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
}
