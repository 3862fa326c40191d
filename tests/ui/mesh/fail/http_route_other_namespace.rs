use girder::constructs::HttpRoute;
use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Shop = "shop");
girder::namespace!(Billing = "billing");

fn main() {
    let app = App::new("store");
    let k8s = app.environment(Prod).kubernetes();
    let invoices = WebService::new(&k8s.namespace(Billing), "invoices")
        .image("ghcr.io/acme/invoices:1.0.0")
        .port(8080)
        .build();
    HttpRoute::new(&k8s.namespace(Shop), "public")
        .gateway("ingress", "istio-system", Some("https"))
        .build()
        .route("/invoices", &invoices);
}
