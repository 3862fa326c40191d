//! An RDS database admits the EKS cluster's security group: a Compose project on a laptop has
//! no path to it.
use girder::aws::AwsExt;
use girder::constructs::aws::{Network, Postgres};
use girder::prelude::*;

girder::environment!(Dev = "dev");

fn main() {
    let app = App::new("store");
    let aws = app.environment(Dev).aws("123456789012", "eu-west-1");
    let net = Network::new(&aws.stack("base"), "net").availability_zones(2).build();
    let db = Postgres::rds(&aws.stack("data"), "orders").network(&net).build();
    let dev = app.environment(Dev).compose();
    let api = WebService::new(&dev, "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
    let pg = api.connect(&db);
    api.env("DB_PASSWORD", pg.password());
}
