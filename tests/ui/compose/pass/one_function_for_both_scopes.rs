//! One function, generic over the environment and the scope, builds a system in a Kubernetes
//! namespace and in a Compose project.
use girder::constructs::{DatabaseCredentials, Job, PgVersion, PostgresInCluster, Worker};
use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::environment!(Dev = "dev");
girder::namespace!(Shop = "shop");

fn system<E: EnvironmentName, N: NamespaceName>(ns: &Namespace<E, N>, tls: &impl Issuer<E>) {
    let db = PostgresInCluster::new(ns, "db", PgVersion::V16)
        .credentials(DatabaseCredentials::existing(ns, "db-credentials"))
        .build();
    let api = WebService::new(ns, "api").image("ghcr.io/acme/api:1.4.2").port(8080).build();
    let pg = api.connect(&db);
    api.env("DB_HOST", pg.host()).env("DB_PASSWORD", pg.password());
    let worker = Worker::new(ns, "worker").image("ghcr.io/acme/api:1.4.2").replicas(2).build();
    worker.env("API_URL", worker.connect(&api).url());
    let migrate = Job::new(ns, "migrate").image("ghcr.io/acme/api:1.4.2").build();
    migrate.env("DB_HOST", migrate.connect(&db).host());
    Ingress::new(ns, "public").host("shop.example.com").issuer(tls).build().route("/", &api);
}

/// What only a cluster has: bounded by `OnKubernetes`.
fn monitoring<E: EnvironmentName, N: OnKubernetes>(ns: &Namespace<E, N>) {
    let api = WebService::new(ns, "metrics").image("ghcr.io/acme/api:1.4.2").port(8080).build();
    ServiceMonitor::new(&api, api.port()).build();
}

fn main() {
    let app = App::new("shop");
    let k8s = app.environment(Prod).kubernetes();
    let issuer = LetsEncrypt::new(&k8s, "letsencrypt").email("ops@example.com").build();
    let shop = k8s.namespace(Shop);
    system(&shop, &issuer);
    monitoring(&shop);

    let dev = app.environment(Dev).compose();
    system(&dev, &ComposeIssuer::self_signed(&dev));
}
