use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Shop = "shop");
girder::namespace!(Billing = "billing");
girder::secret! {
    /// Credentials of the orders database.
    struct OrdersDb { username, password }
}

fn main() {
    let app = App::new("store");
    let k8s = app.environment(Prod).kubernetes();
    let invoices = WebService::new(&k8s.namespace(Billing), "invoices")
        .image("ghcr.io/acme/invoices:1.0.0")
        .port(8080)
        .build();
    // A key forged by name, without the namespace's handle: no such constructor.
    let db = OrdersDb::<Prod, Billing>::from_name("orders-db");
    let object = girder::constructs::secret::KeyedObject::<Prod, Billing>::from_parts(
        "orders-db",
        girder::constructs::KeySource::Secret,
    );
    invoices.env("DB_PASSWORD", db.password());
    let _ = object;
}
