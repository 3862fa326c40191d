//! The one-edge AWS wiring as a user writes it: a namespace on the cluster, accesses chosen on
//! the edges, an image from an ECR repository; RDS and Redis reached from the same namespace.
use girder::aws::AwsExt;
use girder::constructs::aws::{AwsSecret, Cluster, Network, NodeGroup, Postgres, Repository};
use girder::constructs::{Scaler, Worker};
use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Shop = "shop");
girder::namespace!(Other = "other");

fn main() {
    let app = App::new("store");
    let aws = app.environment(Prod).aws("123456789012", "eu-west-1");
    let base = aws.stack("base");
    let net = Network::new(&base, "net").availability_zones(2).build();
    let eks = Cluster::new(&base, "eks")
        .network(&net)
        .node_group(NodeGroup::new("general").instance_types(["m6i.large"]).scaling(2..=4))
        .build();
    let data = aws.stack("data");
    let db = Postgres::rds(&data, "orders").network(&net).build();
    let pages = Bucket::new(&data, "pages").build();
    let jobs = Queue::new(&data, "jobs").build();
    let token = AwsSecret::new(&data, "token").build();
    let repo = Repository::new(&aws.stack("images"), "web").build();
    let shop = eks.kubernetes().namespace(Shop);
    let web = WebService::new(&shop, "web").image(repo.image("3.2.0")).port(8080).build();
    let pg = web.connect(&db);
    web.env("DB_HOST", pg.host())
        .env("DB_PASSWORD", pg.password())
        .env("PAGES_BUCKET", web.connect(&pages).read_write().value())
        .env("TOKEN_ARN", web.connect(&token).read().value())
        .env("JOBS_QUEUE_URL", web.connect(&jobs).send().value());
    let worker = Worker::new(&shop, "worker")
        .image(repo.image_digest(format!("sha256:{}", "ab".repeat(32))))
        .replicas(0..=5)
        .build();
    let to_jobs = worker.connect(&jobs).consume();
    worker.env("JOBS_QUEUE_URL", to_jobs.value()).scale_on(Scaler::sqs(&to_jobs, 10));
    worker.env("PAGES_BUCKET", worker.connect(&pages).write().value());
    // In-cluster servers are reached from any namespace of the environment.
    let other = app.environment(Prod).kubernetes().namespace(Other);
    let api = WebService::new(&other, "api").image("ghcr.io/acme/api:1.0.0").port(8080).build();
    web.env("API_URL", web.connect(&api).url());
}
