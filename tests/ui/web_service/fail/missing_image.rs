use girder::prelude::*;

fn main() {
    let app = App::new("shop");
    let ns = app.environment("prod").kubernetes().namespace("web");
    let _api = WebService::new(&ns, "api").port(8080).build();
}
