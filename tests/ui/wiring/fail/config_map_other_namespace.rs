use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::environment!(Staging = "staging");
girder::namespace!(Shop = "shop");
girder::namespace!(Billing = "billing");
girder::secret! {
    /// Credentials of the orders database.
    struct OrdersDb { username, password }
}
girder::config_map! {
    /// Settings of the orders service.
    struct OrdersConfig { region }
}

fn service<E: girder::core::EnvironmentName, N: girder::k8s::NamespaceName>(
    ns: &girder::k8s::Namespace<E, N>,
    id: &str,
) -> WebService<E, N> {
    WebService::new(ns, id).image("ghcr.io/acme/app:1.0.0").port(8080).build()
}

fn main() {
    let app = App::new("store");
    let k8s = app.environment(Prod).kubernetes();
    let config = OrdersConfig::existing(&k8s.namespace(Shop), "orders");
    let invoices = service(&k8s.namespace(Billing), "invoices");
    invoices.env("REGION", config.region());
}
