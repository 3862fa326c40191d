//! The in-cluster databases' builders: every setter once, the required ones set; Redis as a
//! store (with its password) and as a cache (without).
use girder::constructs::{
    DatabaseCredentials, PgDump, PgVersion, RedisCache, RedisPassword, RedisStore,
};
use girder::k8s::quantity::Memory;
use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Shop = "shop");

fn main() {
    let app = App::new("store");
    let ns = app.environment(Prod).kubernetes().namespace(Shop);
    let db = PostgresInCluster::new(&ns, "db", PgVersion::V17)
        .timescale()
        .credentials(DatabaseCredentials::existing(&ns, "db-credentials"))
        .database("orders")
        .storage(Memory::gib(50))
        .storage_class("fast-ssd")
        .backups(PgDump::daily())
        .build();
    let redis = RedisInCluster::new(&ns, "redis")
        .mode(RedisStore::new(RedisPassword::existing(&ns, "redis")).storage(Memory::gib(5)))
        .build();
    let cache = RedisInCluster::new(&ns, "cache")
        .mode(RedisCache::new(Memory::mib(256)))
        .build();
    let api = WebService::new(&ns, "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
    let pg = api.connect(&db);
    let store = api.connect(&redis);
    let cached = api.connect(&cache);
    api.env("DB_HOST", pg.host())
        .env("DB_PASSWORD", pg.password())
        .env("REDIS_URL", store.url())
        .env("REDIS_PASSWORD", store.password())
        .env("CACHE_URL", cached.url());
}
