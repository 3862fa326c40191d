//! Every workload accepts a check with a reason; the constant names checkov's id.
use girder::prelude::*;

girder::environment!(Prod = "prod");
girder::namespace!(Shop = "shop");

fn main() {
    let app = App::new("shop");
    let shop = app.environment(Prod).kubernetes().namespace(Shop);
    let image = "ghcr.io/acme/app:1.0.0";
    WebService::new(&shop, "api").image(image).port(8080).build()
        .accept(Check::CKV_K8S_40, "the vendor image runs as UID 1000");
    Worker::new(&shop, "worker").image(image).replicas(1).build()
        .accept(Check::CKV_K8S_43, "promoted by tag");
    Job::new(&shop, "migrate").image(image).build()
        .accept(Check::CKV_K8S_22, "the migration tool writes to its root filesystem");
    CronJob::new(&shop, "report").image(image).schedule("0 3 * * *").build()
        .accept(Check::CKV_K8S_38, "the report reads the API");
    StatefulService::new(&shop, "cache")
        .image(image)
        .port(6379)
        .volume(DataVolume::new("data", "/data", Memory::gib(1)))
        .build()
        .accept(Check::CKV_K8S_9, "the cache is ready when it listens");
    assert_eq!(Check::CKV_K8S_40.id(), "CKV_K8S_40");
}
