use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Jobs = "jobs");

fn main() {
    let app = App::new("shop");
    let ns = app.environment(Prod).kubernetes().namespace(Jobs);
    let api = WebService::new(&ns, "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
    let drain = Worker::new(&ns, "drain").image("ghcr.io/acme/drain:1.0.0").replicas(1).build();
    let _metrics = drain.add_port(Port::tcp("metrics", 9100));
    // The web service's port, not one the worker declared: the worker does not listen on it.
    PodMonitor::new(&drain, api.port()).build();
}
