//! Rules open only ports the workload handed out: not another namespace's workload's port, not
//! a port of another kind of workload, not a `Port` value it never declared.
use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Web = "web");
girder::namespace!(Admin = "admin");

fn main() {
    let app = App::new("shop");
    let k8s = app.environment(Prod).kubernetes();
    let web = k8s.namespace(Web);
    let api = WebService::new(&web, "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
    let admin = WebService::new(&k8s.namespace(Admin), "admin")
        .image("ghcr.io/acme/admin:1.0.0")
        .port(8080)
        .build();
    let db = StatefulService::new(&web, "db")
        .image("postgres:16.4")
        .port(Port::tcp("pg", 5432))
        .volume(DataVolume::new("data", "/data", Memory::gib(10)))
        .build();
    api.allow_from_on(Peer::namespace("monitoring"), admin.port());
    api.allow_from_on(Peer::namespace("monitoring"), db.port());
    api.allow_from_on(Peer::namespace("monitoring"), &Port::tcp("admin", 9000));
}
