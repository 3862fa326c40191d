use girder::constructs::PgVersion;
use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Shop = "shop");

fn main() {
    let app = App::new("store");
    let ns = app.environment(Prod).kubernetes().namespace(Shop);
    // The credentials are required.
    PostgresInCluster::new(&ns, "db", PgVersion::V16).build();
}
