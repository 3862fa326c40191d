//! An RDS database admits the EKS cluster's security group: a namespace of the environment's
//! Kubernetes (not made from the cluster) has no path to it.
use girder::aws::AwsExt;
use girder::constructs::aws::{Cluster, Network, NodeGroup, Postgres};
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
    let _ = eks;
    let db = Postgres::rds(&aws.stack("data"), "orders").network(&net).build();
    let shop = app.environment(Prod).kubernetes().namespace(Shop);
    let api = WebService::new(&shop, "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
    let pg = api.connect(&db);
    api.env("DB_PASSWORD", pg.password());
}
