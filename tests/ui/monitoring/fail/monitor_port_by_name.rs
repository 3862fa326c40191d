use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Web = "web");

fn main() {
    let app = App::new("shop");
    let ns = app.environment(Prod).kubernetes().namespace(Web);
    let api = WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.0.0")
        .port(8080)
        .build();
    let _metrics = api.add_port(Port::tcp("metrics", 9090));
    // A port is the handle the service handed out, not its name.
    ServiceMonitor::new(&api, "metrics").build();
}
