//! KEDA's SQS scaler: it names its queue by the worker's typed connection, and KEDA's role may
//! read the depth of exactly the queues scalers watch.

use girder::aws::AwsExt;
use girder::constructs::aws::{Cluster, Eks, Network, NodeGroup};
use girder::constructs::{Autoscaled, Scaler, Worker};
use girder::prelude::*;

use crate::WithAddOns;
use crate::{Prod, Web, synth_errors};

/// A cluster in `base`, three queues in `data` and one in `more`, and two workers in `web`:
/// `crawler` scales from 1 to 10 pods, `parser` from 1 to 4, both on CPU at least.
struct Shop {
    app: App,
    jobs: Queue<Prod>,
    parsed: Queue<Prod>,
    unused: Queue<Prod>,
    elsewhere: Queue<Prod>,
    crawler: Worker<Prod, Eks<Web>, Autoscaled>,
    parser: Worker<Prod, Eks<Web>, Autoscaled>,
}

fn shop() -> Shop {
    let app = App::new("shop");
    let aws = app.environment(Prod).aws("123456789012", "eu-west-1");
    let base = aws.stack("base");
    let net = Network::new(&base, "net").build();
    let eks = Cluster::new(&base, "eks")
        .network(&net)
        .node_group(NodeGroup::new("general").instance_types(["m6i.large"]))
        .build();
    let data = aws.stack("data");
    let jobs = Queue::new(&data, "jobs").build();
    let parsed = Queue::new(&data, "parsed").build();
    let unused = Queue::new(&data, "unused").build();
    let elsewhere = Queue::new(&aws.stack("more"), "elsewhere").build();
    let ns = eks.kubernetes().with_add_ons().namespace(Web);
    let worker = |name: &str, replicas: Replicas<Autoscaled>| {
        Worker::new(&ns, name)
            .image("ghcr.io/acme/worker:1.0")
            .replicas(replicas)
            .build()
    };
    Shop {
        crawler: worker("crawler", Replicas::between(1, 10).cpu(80)),
        parser: worker("parser", Replicas::between(1, 4).cpu(80)),
        app,
        jobs,
        parsed,
        unused,
        elsewhere,
    }
}

/// The path of each error of `errors` (diagnostics as printed), in order; warnings left out.
pub(crate) fn error_paths(errors: &str) -> Vec<&str> {
    let lines: Vec<&str> = errors.lines().collect();
    lines
        .windows(2)
        .filter(|pair| pair[0].starts_with("error: "))
        .filter_map(|pair| pair[1].strip_prefix("  --> "))
        .collect()
}

fn templates(app: &App) -> Vec<(String, serde_json::Value)> {
    let assembly = girder::synth::synthesize(app).unwrap_or_else(|d| panic!("synth failed:\n{d}"));
    assembly
        .files
        .iter()
        .filter(|(path, _)| path.ends_with(".template.json"))
        .map(|(path, text)| {
            let json = serde_json::from_str(&text.to_string()).expect("JSON");
            (path.to_string(), json)
        })
        .collect()
}

/// Every statement, in any template, that grants `sqs:GetQueueAttributes` to KEDA's role, with
/// the template's path and the logical IDs its resources name.
fn keda_grants(app: &App) -> Vec<(String, Vec<String>)> {
    let mut grants = Vec::new();
    for (path, template) in templates(app) {
        for resource in template["Resources"]
            .as_object()
            .expect("resources")
            .values()
        {
            let text = resource.to_string();
            if !text.contains("sqs:GetQueueAttributes") || !text.contains("KedaOperator") {
                continue;
            }
            let statements = resource["Properties"]["PolicyDocument"]["Statement"]
                .as_array()
                .expect("a policy resource");
            for statement in statements {
                let ids = statement["Resource"]
                    .as_array()
                    .expect("resources")
                    .iter()
                    .map(|arn| arn["Fn::GetAtt"][0].as_str().expect("a GetAtt").to_owned())
                    .collect();
                grants.push((path.clone(), ids));
            }
        }
    }
    grants
}

#[test]
fn kedas_role_reads_exactly_the_queues_scalers_watch() {
    let shop = shop();
    let jobs = shop.crawler.connect(&shop.jobs).consume();
    shop.crawler
        .env("JOBS_QUEUE_URL", jobs.value())
        .scale_on(Scaler::sqs(&jobs, 10));
    // Connected and used, but not scaled on: KEDA does not read it.
    shop.crawler.env(
        "UNUSED_QUEUE_URL",
        shop.crawler.connect(&shop.unused).consume().value(),
    );
    let parsed = shop.parser.connect(&shop.parsed).consume();
    let elsewhere = shop.parser.connect(&shop.elsewhere).consume();
    shop.parser
        .env("PARSED_QUEUE_URL", parsed.value())
        .env("ELSEWHERE_QUEUE_URL", elsewhere.value())
        .scale_on(Scaler::sqs(&parsed, 5))
        .scale_on(Scaler::sqs(&elsewhere, 5));

    let grants = keda_grants(&shop.app);
    assert_eq!(
        grants,
        [
            (
                "prod/cfn/shop-prod-data.template.json".to_owned(),
                vec![
                    "JobsQueue0d0a2111".to_owned(),
                    "ParsedQueuec9c44d68".to_owned()
                ]
            ),
            (
                "prod/cfn/shop-prod-more.template.json".to_owned(),
                vec!["ElsewhereQueuee6cce3e3".to_owned()]
            ),
        ],
        "{grants:#?}"
    );
    // No wildcard anywhere: no ARN pattern in any template.
    for (path, template) in templates(&shop.app) {
        assert!(!template.to_string().contains("arn:aws:sqs:"), "{path}");
    }
}

#[test]
fn without_scalers_kedas_role_reads_no_queue() {
    let shop = shop();
    let jobs = shop.crawler.connect(&shop.jobs).consume();
    shop.crawler.env("JOBS_QUEUE_URL", jobs.value());
    assert_eq!(keda_grants(&shop.app), []);
}

#[test]
fn the_scaler_reads_the_url_from_the_variable_set_from_its_connection() {
    let shop = shop();
    let jobs = shop.crawler.connect(&shop.jobs).consume();
    shop.crawler
        .env("WORK_QUEUE", jobs.value())
        .scale_on(Scaler::sqs(&jobs, 10));
    let text = crate::synth_text(&shop.app);
    assert!(text.contains("queueURLFromEnv: WORK_QUEUE\n"), "{text}");
    assert!(text.contains("awsRegion: eu-west-1\n"), "{text}");
}

#[test]
fn a_scaler_on_a_queue_the_worker_is_not_connected_to_is_a_synth_error() {
    let shop = shop();
    let jobs = shop.crawler.connect(&shop.jobs).consume();
    shop.crawler.env("JOBS_QUEUE_URL", jobs.value());
    // The parser scales on the crawler's connection: it never connected to `jobs`.
    shop.parser.scale_on(Scaler::sqs(&jobs, 10));
    let errors = synth_errors(&shop.app);
    assert!(
        errors.contains(
            "error: scales on the queue `prod/aws/data/jobs`, which this worker is not connected to\n  --> prod/web/parser\n"
        ),
        "{errors}"
    );
    assert!(errors.contains("hint: connect this worker and scale on its own connection"));
    assert_eq!(error_paths(&errors), ["prod/web/parser"], "{errors}");
}

#[test]
fn a_scaler_whose_url_no_variable_carries_is_a_synth_error() {
    let shop = shop();
    let jobs = shop.crawler.connect(&shop.jobs).consume();
    shop.crawler.scale_on(Scaler::sqs(&jobs, 10));
    let errors = synth_errors(&shop.app);
    assert!(
        errors.contains(
            "error: scales on the queue `prod/aws/data/jobs`, and no environment variable carries its URL\n  --> prod/web/crawler\n"
        ),
        "{errors}"
    );
}
