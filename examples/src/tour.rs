//! The deploy tour (README: Deploy): a small system that the test endpoints can run end to end,
//! the test kube-apiserver (Kubernetes 1.20, no controllers) and moto's CloudFormation server.
//! A worker and its migration Job on Kubernetes, an upload bucket and a job queue on AWS.

use girder::prelude::*;

girder::environment!(
    /// Development: the test endpoints.
    pub Dev = "dev"
);
girder::namespace!(
    /// The tour's workloads.
    pub Tour = "tour"
);

/// The AWS account the tour's stacks are addressed to (moto's).
pub const TOUR_ACCOUNT: &str = "123456789012";

/// The tour's AWS region.
pub const TOUR_REGION: &str = "us-east-1";

/// The tour: on Kubernetes (kube context `girder-test`, the test server's), a worker with a
/// fixed replica count (Kubernetes 1.20 serves no `autoscaling/v2` and no `policy/v1`, which a
/// replica range and a `WebService` emit) and its migration Job; on AWS, stack `data` with a
/// bucket and a queue (with its dead-letter queue).
pub fn tour() -> App {
    let app = App::new("tour");
    let dev = app.environment(Dev);
    let k8s = dev.kubernetes();
    k8s.context("girder-test");
    AcceptImageTags::because("the tour's images are examples, deployed by tag")
        .apply_to(k8s.environment());
    let ns = k8s.namespace(Tour);
    Worker::new(&ns, "worker")
        .image("ghcr.io/example/tour-worker:1.0.0")
        .replicas(1)
        .build();
    Job::new(&ns, "migrate")
        .image("ghcr.io/example/tour-migrate:1.0.0")
        .command(["migrate", "--to", "latest"])
        .build();
    let data = dev.aws(TOUR_ACCOUNT, TOUR_REGION).stack("data");
    Bucket::new(&data, "uploads").build();
    Queue::new(&data, "jobs").build();
    app
}
