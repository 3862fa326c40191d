use girder::constructs::RedisCache;
use girder::k8s::quantity::Memory;
use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Shop = "shop");

fn main() {
    let app = App::new("store");
    let ns = app.environment(Prod).kubernetes().namespace(Shop);
    let cache = RedisInCluster::new(&ns, "cache")
        .mode(RedisCache::new(Memory::mib(256)))
        .build();
    let api = WebService::new(&ns, "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
    let conn = api.connect(&cache);
    // A cache has no password.
    api.env("CACHE_URL", conn.url()).env("CACHE_PASSWORD", conn.password());
}
