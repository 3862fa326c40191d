use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Shop = "shop");

fn main() {
    let app = App::new("store");
    let ns = app.environment(Prod).kubernetes().namespace(Shop);
    // A store or a cache: the mode is required.
    RedisInCluster::new(&ns, "redis").build();
}
