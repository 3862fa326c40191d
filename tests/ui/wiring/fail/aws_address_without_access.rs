//! A connection to a bucket gives no address until its access is chosen.
use girder::aws::AwsExt;
use girder::constructs::aws::{Cluster, Network, NodeGroup};
use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Shop = "shop");

fn main() {
    let app = App::new("store");
    let aws = app.environment(Prod).aws("123456789012", "eu-west-1");
    let base = aws.stack("base");
    let net = Network::new(&base, "net").availability_zones(2).build();
    let eks = Cluster::new(&base, "eks")
        .network(&net)
        .node_group(NodeGroup::new("general").instance_types(["m6i.large"]).scaling(2..=4))
        .build();
    let pages = Bucket::new(&aws.stack("data"), "pages").build();
    let shop = eks.kubernetes().namespace(Shop);
    let web = WebService::new(&shop, "web").image("ghcr.io/acme/web:1.0.0").port(8080).build();
    web.env("PAGES_BUCKET", web.connect(&pages).value());
}
