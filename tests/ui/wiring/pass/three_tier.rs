//! A three-tier program as a user writes it: no generic parameter spelled out anywhere, one
//! function reused for two environments.
use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::environment!(Staging = "staging");
girder::namespace!(Shop = "shop");
girder::namespace!(Data = "data");
girder::secret! {
    /// Credentials of the orders database.
    struct OrdersDb { username, password = "db-password" }
}

fn system<E: girder::core::EnvironmentName>(env: &Environment<E>) {
    let k8s = env.kubernetes();
    let shop = k8s.namespace(Shop);
    let data = k8s.namespace(Data);
    let db = WebService::new(&data, "db").image("postgres:16.4").port(Port::tcp("pg", 5432)).replicas(1).build();
    let api = WebService::new(&shop, "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
    let web = WebService::new(&shop, "web").image("ghcr.io/acme/web:1.0.0").port(8080).build();
    let creds = OrdersDb::existing(&shop, "orders-db");
    let to_db = api.connect(&db);
    api.env("DB_HOST", to_db.host())
        .env("DB_PORT", to_db.port())
        .env("DB_USER", creds.username())
        .env("DB_PASSWORD", creds.password());
    web.env("API_URL", web.connect(&api).url());
}

fn main() {
    let app = App::new("store");
    system(&app.environment(Prod));
    system(&app.environment(Staging));
    let _ = girder::synth::synthesize(&app);
}
