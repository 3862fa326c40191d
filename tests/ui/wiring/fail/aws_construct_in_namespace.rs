use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Shop = "shop");

fn main() {
    let app = App::new("store");
    let shop = app.environment(Prod).kubernetes().namespace(Shop);
    let _uploads = Bucket::new(&shop, "uploads").build();
}
