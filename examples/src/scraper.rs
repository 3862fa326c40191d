//! Seed 004: the web scraper — Django web app, dispatcher, Celery scraping workers autoscaled on
//! SQS depth, a parsing service; SQS, RDS PostgreSQL, S3 and ECR on AWS, all on EKS.
//! See `examples/scraper/README.md` for the choices made.

use girder::aws::AwsExt;
use girder::constructs::aws::{Cluster, Network, NodeGroup, Postgres, PostgresVersion, Repository};
use girder::constructs::{Scaler, Worker};
use girder::prelude::*;

girder::environment!(
    /// Production.
    pub Prod = "prod"
);
girder::namespace!(
    /// The scraper's workloads.
    pub Scraper = "scraper"
);
girder::secret! {
    /// Django's signing key, created outside the program.
    pub struct DjangoSecrets { secret_key = "secret-key" }
}

const ACCOUNT: &str = "123456789012";
const REGION: &str = "eu-west-1";

/// The scraper app.
pub fn scraper() -> App {
    let app = App::new("scraper");
    let prod = app.environment(Prod);
    // The seed pushes release-tagged images to ECR and deploys them by tag.
    girder::constructs::AcceptImageTags::because(
        "the seed deploys ECR images by release tag; CI pins digests at release",
    )
    .apply_to(&prod);
    let aws = prod.aws(ACCOUNT, REGION);

    // The platform: network and cluster in one stack, data in another, images in a third.
    let base = aws.stack("base");
    let net = Network::new(&base, "net").availability_zones(3).build();
    let eks = Cluster::new(&base, "eks")
        .network(&net)
        .node_group(
            NodeGroup::new("general")
                .instance_types(["m6i.large"])
                .scaling(3..=10),
        )
        .node_group(
            NodeGroup::new("scrapers")
                .instance_types(["c6i.xlarge"])
                .scaling(0..=30)
                .spot(),
        )
        .build();
    let data = aws.stack("data");
    let db = Postgres::rds(&data, "db")
        .network(&net)
        .engine(PostgresVersion::V16)
        .instance_class("db.m6g.large")
        .storage_gib(100)
        .build();
    let pages = Bucket::new(&data, "pages")
        .expire_objects_after_days(90)
        .build();
    let jobs = Queue::new(&data, "jobs")
        .visibility_timeout_seconds(300)
        .build();
    let parsed = Queue::new(&data, "parsed")
        .visibility_timeout_seconds(120)
        .build();
    let images = aws.stack("images");
    let image = |name: &str| Repository::new(&images, name).build().image("3.2.0");

    // The cluster's add-ons, installed by Flux: External Secrets and KEDA (its SQS scalers)
    // with the IAM roles the cluster made for them, ingress-nginx and cert-manager for the
    // public site.
    let k8s = eks.kubernetes();
    k8s.gitops(GitOps::flux());
    let secrets = charts::ExternalSecrets::with_aws_role(eks.external_secrets_role_arn());
    HelmChart::new(&k8s, "external-secrets", secrets).build();
    HelmChart::new(
        &k8s,
        "keda",
        charts::Keda::with_aws_role(eks.keda_role_arn()),
    )
    .build();
    HelmChart::new(&k8s, "ingress-nginx", charts::IngressNginx::default()).build();
    HelmChart::new(&k8s, "cert-manager", charts::CertManager::default()).build();
    let ns = k8s.namespace(Scraper);
    let django = DjangoSecrets::existing(&ns, "django");

    let web = WebService::new(&ns, "web")
        .image(image("web"))
        .port(8000)
        .replicas(2..=6)
        .readiness(Probe::http("/healthz"))
        .build();
    let pg = web.connect(&db);
    web.env("DB_HOST", pg.host())
        .env("DB_NAME", pg.database())
        .env("DB_USER", pg.username())
        .env("DB_PASSWORD", pg.password())
        .env("DJANGO_SECRET_KEY", django.secret_key());
    web.env("PAGES_BUCKET", web.connect(&pages).read().value());

    // The dispatcher turns schedules into scrape jobs on the queue.
    let dispatcher = Worker::new(&ns, "dispatcher")
        .image(image("dispatcher"))
        .replicas(1)
        .build();
    dispatcher.env("JOBS_QUEUE_URL", dispatcher.connect(&jobs).send().value());
    let pg = dispatcher.connect(&db);
    dispatcher
        .env("DB_HOST", pg.host())
        .env("DB_USER", pg.username())
        .env("DB_PASSWORD", pg.password());

    // Scrapers fetch pages from the internet: they may open HTTP and HTTPS anywhere.
    let scrapers = Worker::new(&ns, "scrapers")
        .image(image("scrapers"))
        .command([
            "celery",
            "-A",
            "scraper",
            "worker",
            "-Q",
            "jobs",
            "--concurrency",
            "8",
        ])
        .replicas(Replicas::between(0, 30).cpu(80))
        .build();
    let to_jobs = scrapers.connect(&jobs).consume();
    scrapers
        .env("JOBS_QUEUE_URL", to_jobs.value())
        .env("PARSED_QUEUE_URL", scrapers.connect(&parsed).send().value())
        .env(
            "PAGES_BUCKET",
            scrapers.connect(&pages).read_write().value(),
        )
        .allow_to(Peer::cidr("0.0.0.0/0"), Port::tcp("https", 443))
        .allow_to(Peer::cidr("0.0.0.0/0"), Port::tcp("http", 80));
    scrapers.scale_on(Scaler::sqs(&to_jobs, 10));

    // The parser reads stored pages and writes results to the database.
    let parser = Worker::new(&ns, "parser")
        .image(image("parser"))
        .replicas(1..=8)
        .build();
    let to_parsed = parser.connect(&parsed).consume();
    parser
        .env("PARSED_QUEUE_URL", to_parsed.value())
        .env("PAGES_BUCKET", parser.connect(&pages).read().value());
    let pg = parser.connect(&db);
    parser
        .env("DB_HOST", pg.host())
        .env("DB_USER", pg.username())
        .env("DB_PASSWORD", pg.password());
    parser.scale_on(Scaler::sqs(&to_parsed, 20));

    let issuer = LetsEncrypt::new(&eks.kubernetes(), "letsencrypt")
        .email("ops@example.com")
        .build();
    Ingress::new(&ns, "public")
        .host("scraper.example.com")
        .issuer(&issuer)
        .build()
        .route("/", &web);
    app
}
