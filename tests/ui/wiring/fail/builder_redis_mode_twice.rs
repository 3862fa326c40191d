use girder::constructs::{RedisPassword, RedisStore};
use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Shop = "shop");

fn main() {
    let app = App::new("store");
    let ns = app.environment(Prod).kubernetes().namespace(Shop);
    // The mode given twice: the last would silently win.
    RedisInCluster::new(&ns, "redis")
        .mode(RedisStore::new(RedisPassword::existing(&ns, "redis")))
        .mode(RedisStore::new(RedisPassword::existing(&ns, "redis-2")))
        .build();
}
