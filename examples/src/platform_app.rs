//! A product team's app on the platform team's library (`examples/platform`): two
//! `StandardService`s, the storefront calling the orders API, which keeps its data in
//! PostgreSQL. Each service brings its monitor, alert, dashboard and the organisation's labels.

use girder::constructs::{DatabaseCredentials, PgVersion, PostgresInCluster};
use girder::prelude::*;
use girder_platform_example::StandardService;

girder::environment!(
    /// Production.
    pub Prod = "prod"
);
girder::namespace!(
    /// The shop's services and data.
    pub Shop = "shop"
);

/// The app: `storefront` → `orders` → `orders-db`.
pub fn platform_app() -> App {
    let app = App::new("shop");
    let k8s = app.environment(Prod).kubernetes();
    // The platform team runs kube-prometheus-stack in every cluster, for the monitors and
    // alerts of its standard services.
    k8s.installed_add_on(AddOn::KubePrometheusStack);
    AcceptImageTags::because("the shop's images are pinned by release tag")
        .apply_to(k8s.environment());
    let ns = k8s.namespace(Shop);

    let db = PostgresInCluster::new(&ns, "orders-db", PgVersion::V16)
        .database("orders")
        .credentials(DatabaseCredentials::existing(&ns, "orders-db-credentials"))
        .storage(Memory::gib(20))
        .build();
    let orders = StandardService::new(&ns, "orders")
        .image("ghcr.io/acme/orders:3.2.0")
        .port(8080)
        .team("checkout")
        .cost_center("cc-4711")
        .replicas(3..=12)
        .max_error_ratio(0.01)
        .build();
    let pg = orders.connect(&db);
    orders
        .env("DB_HOST", pg.host())
        .env("DB_NAME", pg.database())
        .env("DB_USER", pg.username())
        .env("DB_PASSWORD", pg.password());

    let storefront = StandardService::new(&ns, "storefront")
        .image("ghcr.io/acme/storefront:5.0.1")
        .port(3000)
        .team("web")
        .build();
    storefront.env("ORDERS_URL", storefront.connect(&orders).url());
    app
}
