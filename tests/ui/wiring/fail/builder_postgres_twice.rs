use girder::constructs::{DatabaseCredentials, PgVersion};
use girder::k8s::quantity::Memory;
use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Shop = "shop");

fn main() {
    let app = App::new("store");
    let ns = app.environment(Prod).kubernetes().namespace(Shop);
    // A setter given twice: the last would silently win.
    PostgresInCluster::new(&ns, "db", PgVersion::V16)
        .credentials(DatabaseCredentials::existing(&ns, "db-credentials"))
        .storage(Memory::gib(50))
        .storage(Memory::gib(100))
        .build();
}
