use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Jobs = "jobs");
girder::namespace!(Billing = "billing");

fn main() {
    let app = App::new("shop");
    let k8s = app.environment(Prod).kubernetes();
    let drain = Worker::new(&k8s.namespace(Jobs), "drain")
        .image("ghcr.io/acme/drain:1.0.0")
        .replicas(1)
        .build();
    let invoices = Worker::new(&k8s.namespace(Billing), "invoices")
        .image("ghcr.io/acme/invoices:1.0.0")
        .replicas(1)
        .build();
    let invoices_metrics = invoices.add_port(Port::tcp("metrics", 9100));
    // A port of the worker of `billing`, for a monitor of the worker of `jobs`.
    PodMonitor::new(&drain, &invoices_metrics).build();
}
