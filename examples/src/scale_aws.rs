//! The AWS scale benchmark's app: N services as a team declares their AWS side.

use girder::aws::AwsExt;
use girder::constructs::aws::{Alarm, AwsSecret, Generate, Role, Trust};
use girder::prelude::*;

girder::environment!(
    /// The AWS benchmark's only environment.
    pub AwsBench = "bench"
);

/// Services per stack. Each service makes 7 resources (a bucket and its policy, a queue and its
/// dead-letter queue, a secret, a role and an alarm) and each stack 2 more (the secrets' KMS key
/// and its alias): 50 services are 352 resources, under CloudFormation's 500 (71 would fit).
const SERVICES_PER_STACK: usize = 50;

/// `n` services, 50 to a stack, each with a bucket, a generated secret, a queue, an IAM role
/// (EKS Pod Identity) that reads the bucket and the secret and consumes the queue, and an alarm
/// on the queue's backlog.
pub fn scale_aws(n: usize) -> App {
    let app = App::new("scale");
    let aws = app.environment(AwsBench).aws("123456789012", "eu-west-1");
    for first in (0..n).step_by(SERVICES_PER_STACK) {
        let stack = aws.stack(&format!("services-{}", first / SERVICES_PER_STACK));
        for i in first..n.min(first + SERVICES_PER_STACK) {
            let files = Bucket::new(&stack, format!("svc-{i}-files")).build();
            let token = AwsSecret::new(&stack, format!("svc-{i}-token"))
                .generate(Generate::password(32))
                .build();
            let jobs = Queue::new(&stack, format!("svc-{i}-jobs")).build();
            Role::new(&stack, format!("svc-{i}-role"))
                .assumed_by(Trust::eks_pod_identity())
                .build()
                .grant_read(&files)
                .grant_read_secret(&token)
                .grant_consume(&jobs);
            Alarm::queue_depth(&stack, format!("svc-{i}-backlog"))
                .queue(&jobs)
                .threshold(1000)
                .build();
        }
    }
    app
}
