use girder::constructs::{DatabaseCredentials, PgVersion};
use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Shop = "shop");
girder::namespace!(Billing = "billing");

fn main() {
    let app = App::new("store");
    let k8s = app.environment(Prod).kubernetes();
    let shop = k8s.namespace(Shop);
    let db = PostgresInCluster::new(&shop, "db", PgVersion::V16)
        .credentials(DatabaseCredentials::existing(&shop, "db-credentials"))
        .build();
    let invoices = WebService::new(&k8s.namespace(Billing), "invoices")
        .image("ghcr.io/acme/invoices:1.0.0")
        .port(8080)
        .build();
    let pg = invoices.connect(&db);
    // The credentials Secret lives in `shop`: a pod of `billing` cannot read it.
    invoices.env("DB_HOST", pg.host()).env("DB_PASSWORD", pg.password());
}
