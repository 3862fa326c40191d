use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Web = "web");

fn main() {
    let app = App::new("shop");
    let ns = app.environment(Prod).kubernetes().namespace(Web);
    let api = WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.0.0")
        .port(8080)
        .extra_ports([Port::tcp("metrics", 9090)])
        .build();
    // A port is the `Port` the service was built with, not its name.
    ServiceMonitor::new(&api, "metrics").build();
}
