//! The CloudFormation deployer against moto's CloudFormation server, driven as users drive it:
//! a Girder program and its command line (`deploy`, `diff --live`, `destroy`, `bootstrap`).
//!
//! Every test but the unreachable endpoint's needs the server: `.ci/run` starts it and sets
//! `GIRDER_TEST_AWS_ENDPOINT`. moto's state is shared: each test has its own app (stack names)
//! and, where the account's bootstrap stack matters, its own region.

use std::process::ExitCode;
use std::sync::Arc;

use aws_sdk_cloudformation::config::{BehaviorVersion, Credentials, Region};
use girder_aws::{AwsExt, CfnResource, Entry, InStack, LogicalId, StackAddress};
use girder_constructs::{Bucket, Queue};
use girder_core::{App, Construct, Context, Emitted};
use girder_deploy_aws::{CloudFormation, TOOLKIT_STACK};
use girder_synth::{EXIT_CHANGES, EXIT_DEPLOY_FAILED, EXIT_NOT_DEPLOYED, EXIT_UNAVAILABLE};

girder_core::environment!(
    /// The tests' environment.
    pub Prod = "prod"
);

const ACCOUNT: &str = "123456789012";

fn endpoint() -> String {
    std::env::var("GIRDER_TEST_AWS_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "set GIRDER_TEST_AWS_ENDPOINT to moto's URL, e.g. start \
             `~/.cache/girder-tools/moto/bin/moto_server -H 127.0.0.1 -p 15000` and set \
             GIRDER_TEST_AWS_ENDPOINT=http://127.0.0.1:15000"
        )
    })
}

fn credentials() -> Credentials {
    Credentials::new("test", "test", None, None, "girder-tests")
}

/// The command's exit code, stdout and stderr.
struct Run {
    code: ExitCode,
    out: String,
    err: String,
}

impl Run {
    fn expect(&self, code: u8) -> &Self {
        assert_eq!(
            self.code,
            ExitCode::from(code),
            "expected exit {code}\n--- stdout\n{}\n--- stderr\n{}",
            self.out,
            self.err
        );
        self
    }
}

/// Runs `prog <args> --endpoint-url <moto>` (and `--out` for deploy) against `app`.
fn girder(app: &App, args: &[&str], url: &str) -> Run {
    let out_dir = tempfile::tempdir().expect("a temporary directory");
    let out_path = out_dir.path().join("dist");
    let mut argv: Vec<String> = vec!["prog".into()];
    argv.extend(args.iter().map(|a| (*a).to_owned()));
    argv.extend(["--endpoint-url".into(), url.to_owned()]);
    if args.first() == Some(&"deploy") {
        argv.extend(["--out".into(), out_path.display().to_string()]);
    }
    let deployer = CloudFormation::with_credentials(credentials());
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = girder_synth::run_with_deployers(app, argv, &mut out, &mut err, &[&deployer]);
    Run {
        code,
        out: String::from_utf8_lossy(&out).into_owned(),
        err: String::from_utf8_lossy(&err).into_owned(),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

async fn sdk_config(region: &str) -> aws_config::SdkConfig {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .endpoint_url(endpoint())
        .credentials_provider(credentials())
        .http_client(http)
        .load()
        .await
}

/// The status of stack `name` in moto, `None` when there is none.
fn stack_status(region: &str, name: &str) -> Option<String> {
    runtime().block_on(async {
        let cfn = aws_sdk_cloudformation::Client::new(&sdk_config(region).await);
        let out = cfn.describe_stacks().stack_name(name).send().await.ok()?;
        let stack = out.stacks().first()?;
        stack.stack_status().map(|s| s.as_str().to_owned())
    })
}

/// Deletes stacks `names` if a previous run left them (moto keeps its state while it runs).
fn fresh(region: &str, names: &[&str]) {
    runtime().block_on(async {
        let cfn = aws_sdk_cloudformation::Client::new(&sdk_config(region).await);
        for name in names {
            let _ = cfn.delete_stack().stack_name(*name).send().await;
        }
    });
}

/// The `(logical id, type)` of each resource of stack `name` in moto.
fn stack_resources(region: &str, name: &str) -> Vec<(String, String)> {
    runtime().block_on(async {
        let cfn = aws_sdk_cloudformation::Client::new(&sdk_config(region).await);
        let out = cfn
            .describe_stack_resources()
            .stack_name(name)
            .send()
            .await
            .expect("the stack's resources");
        let mut found: Vec<(String, String)> = out
            .stack_resources()
            .iter()
            .map(|r| {
                (
                    r.logical_resource_id().unwrap_or_default().to_owned(),
                    r.resource_type().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        found.sort();
        found
    })
}

/// An app `name` whose environment `prod` is in `region`, with stack `data` holding a queue per
/// name in `queues`, and a bucket `files` if `bucket`.
fn app_with(name: &str, region: &str, queues: &[&str], bucket: bool) -> App {
    let app = App::new(name);
    let data = app.environment(Prod).aws(ACCOUNT, region).stack("data");
    for queue in queues {
        Queue::new(&data, *queue).build();
    }
    if bucket {
        Bucket::new(&data, "files").build();
    }
    app
}

/// A FIFO queue whose name lacks `.fifo`: CloudFormation (and moto) fail to create it. It is
/// encrypted like a Girder `Queue`, so that only the name is wrong (synth's checks pass it).
#[derive(Debug)]
struct BrokenQueue {
    stack: Arc<StackAddress>,
}

impl Construct for BrokenQueue {
    fn kind(&self) -> &'static str {
        "BrokenQueue"
    }

    fn render(&self, _: &Context<'_>, out: &mut Emitted) {
        let queue = girder_aws::sqs::Queue::new()
            .fifo_queue(true)
            .kms_master_key_id("alias/aws/sqs")
            .queue_name("broken-without-suffix");
        let id = LogicalId::new("BrokenQueue").expect("a valid logical id");
        out.emit(CfnResource::new(&self.stack, id, Entry::new(queue)));
    }
}

#[test]
#[ignore = "needs moto's CloudFormation server (.ci/run starts it): GIRDER_TEST_AWS_ENDPOINT"]
fn bootstrap_creates_the_asset_bucket_stack_once() {
    let url = endpoint();
    let region = "eu-north-1";
    fresh(region, &[TOOLKIT_STACK]);
    let app = app_with("boot", region, &["jobs"], false);
    let first = girder(&app, &["bootstrap"], &url);
    first.expect(0);
    let line = first
        .out
        .lines()
        .find(|l| l.starts_with(&format!("bootstrapped account {ACCOUNT} in {region}")))
        .unwrap_or_else(|| panic!("the bucket is named: {}", first.out));
    let bucket = line.rsplit(' ').next().unwrap_or_default().to_owned();
    assert_eq!(
        stack_status(region, TOOLKIT_STACK).as_deref(),
        Some("CREATE_COMPLETE")
    );
    let resources = stack_resources(region, TOOLKIT_STACK);
    assert!(
        resources.contains(&("AssetBucket".into(), "AWS::S3::Bucket".into())),
        "{resources:?}"
    );
    runtime().block_on(async {
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk_config(region).await)
                .force_path_style(true)
                .build(),
        );
        s3.head_bucket()
            .bucket(&bucket)
            .send()
            .await
            .expect("the asset bucket exists");
        // moto does not apply a bucket's settings from a template: the deployed template says
        // them (its content is checked by the unit tests).
        let cfn = aws_sdk_cloudformation::Client::new(&sdk_config(region).await);
        let template = cfn
            .get_template()
            .stack_name(TOOLKIT_STACK)
            .send()
            .await
            .expect("the toolkit's template");
        let body = template.template_body().unwrap_or_default();
        for setting in [
            "VersioningConfiguration",
            "PublicAccessBlockConfiguration",
            "BucketEncryption",
            "aws:SecureTransport",
        ] {
            assert!(body.contains(setting), "{setting}: {body}");
        }
    });
    // Idempotent: the second bootstrap changes nothing.
    let again = girder(&app, &["bootstrap"], &url);
    again.expect(0);
    assert!(
        again
            .out
            .contains(&format!("stack {TOOLKIT_STACK}: no changes")),
        "{}",
        again.out
    );
    assert!(again.out.contains(&bucket), "{}", again.out);
}

#[test]
#[ignore = "needs moto's CloudFormation server (.ci/run starts it): GIRDER_TEST_AWS_ENDPOINT"]
fn create_update_and_an_idempotent_deploy_then_diff_live() {
    let url = endpoint();
    let region = "eu-west-1";
    let stack = "lifecycle-prod-data";
    fresh(region, &[stack]);
    // Not deployed: diff --live shows every part as added.
    let v1 = app_with("lifecycle", region, &["jobs"], false);
    let before = girder(&v1, &["diff", "--live"], &url);
    before.expect(EXIT_CHANGES);
    assert!(
        before
            .out
            .contains("+ [prod] AWS::SQS::Queue lifecycle-prod-data/"),
        "{}",
        before.out
    );
    let created = girder(&v1, &["deploy", "--yes"], &url);
    created.expect(0);
    assert!(
        created.out.contains(&format!("stack {stack}: ")),
        "{}",
        created.out
    );
    assert!(
        created.out.contains("ACTION"),
        "the change set is shown: {}",
        created.out
    );
    assert!(created.out.contains("Add"), "{}", created.out);
    assert!(
        created
            .out
            .contains(&format!("stack {stack}: CREATE_COMPLETE")),
        "{}",
        created.out
    );
    assert!(
        created
            .err
            .contains(&format!("stack {stack}: executing change set"))
    );
    let queues = |r: &[(String, String)]| r.iter().filter(|(_, t)| t == "AWS::SQS::Queue").count();
    assert_eq!(
        queues(&stack_resources(region, stack)),
        2,
        "a queue and its dead letters"
    );
    // Deployed: no difference.
    girder(&v1, &["diff", "--live"], &url).expect(0);
    // An update through a change set: a second queue.
    let v2 = app_with("lifecycle", region, &["jobs", "mail"], false);
    let diff = girder(&v2, &["diff", "--live"], &url);
    diff.expect(EXIT_CHANGES);
    assert!(
        diff.out.contains("+ [prod] AWS::SQS::Queue"),
        "{}",
        diff.out
    );
    assert!(diff.out.contains("added"), "{}", diff.out);
    let updated = girder(&v2, &["deploy", "--yes"], &url);
    updated.expect(0);
    assert!(
        updated
            .out
            .contains(&format!("stack {stack}: UPDATE_COMPLETE")),
        "{}",
        updated.out
    );
    assert_eq!(queues(&stack_resources(region, stack)), 4);
    // Idempotent: the same program again changes nothing, and no change set is left.
    let again = girder(&v2, &["deploy", "--yes"], &url);
    again.expect(0);
    assert!(
        again.out.contains(&format!("stack {stack}: no changes")),
        "{}",
        again.out
    );
    girder(&v2, &["diff", "--live"], &url).expect(0);
    let left = runtime().block_on(async {
        let cfn = aws_sdk_cloudformation::Client::new(&sdk_config(region).await);
        let out = cfn
            .list_change_sets()
            .stack_name(stack)
            .send()
            .await
            .expect("change sets");
        out.summaries()
            .iter()
            .filter(|s| s.stack_name() == Some(stack))
            .filter(|s| s.execution_status().map(|e| e.as_str()) == Some("AVAILABLE"))
            .count()
    });
    assert_eq!(left, 0, "no change set is left behind");
}

#[test]
#[ignore = "needs moto's CloudFormation server (.ci/run starts it): GIRDER_TEST_AWS_ENDPOINT"]
fn a_large_template_needs_bootstrap_then_goes_through_the_asset_bucket() {
    let url = endpoint();
    let region = "ap-south-1";
    let stack = "large-prod-data";
    fresh(region, &[stack, TOOLKIT_STACK]);
    let names: Vec<String> = (0..150).map(|i| format!("queue-{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let app = app_with("large", region, &refs, false);
    let assembly = girder_synth::synthesize(&app).expect("a valid program");
    let size = assembly.files["prod/cfn/large-prod-data.template.json"]
        .to_string()
        .len();
    assert!(
        size > 51_200,
        "the template is over the inline limit: {size} bytes"
    );
    // Without the bucket: refused before any change.
    let refused = girder(&app, &["deploy", "--yes"], &url);
    refused.expect(EXIT_NOT_DEPLOYED);
    assert!(
        refused.err.contains("over CloudFormation's inline limit"),
        "{}",
        refused.err
    );
    assert!(
        refused.err.contains("hint: run `bootstrap`"),
        "{}",
        refused.err
    );
    assert_eq!(stack_status(region, stack), None, "nothing was created");
    girder(&app, &["bootstrap"], &url).expect(0);
    let deployed = girder(&app, &["deploy", "--yes"], &url);
    deployed.expect(0);
    assert!(
        deployed
            .out
            .contains(&format!("stack {stack}: CREATE_COMPLETE")),
        "{}",
        deployed.out
    );
    // The template is in the bucket under its content hash, and larger than the inline limit.
    let objects = runtime().block_on(async {
        let config = sdk_config(region).await;
        let cfn = aws_sdk_cloudformation::Client::new(&config);
        // moto gives stacks made by change sets no outputs: the bucket resource names it.
        let toolkit = cfn
            .describe_stack_resource()
            .stack_name(TOOLKIT_STACK)
            .logical_resource_id("AssetBucket")
            .send()
            .await
            .expect("the toolkit's bucket");
        let bucket = toolkit
            .stack_resource_detail()
            .and_then(|d| d.physical_resource_id())
            .expect("the bucket's name")
            .to_owned();
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        );
        let listed = s3
            .list_objects_v2()
            .bucket(&bucket)
            .send()
            .await
            .expect("the bucket's objects");
        listed
            .contents()
            .iter()
            .map(|o| {
                (
                    o.key().unwrap_or_default().to_owned(),
                    o.size().unwrap_or_default(),
                )
            })
            .collect::<Vec<_>>()
    });
    assert_eq!(objects.len(), 1, "{objects:?}");
    assert!(objects[0].0.starts_with("templates/") && objects[0].0.ends_with(".json"));
    assert!(objects[0].1 > 51_200, "{objects:?}");
    assert_eq!(stack_resources(region, stack).len(), 300);
    // The same template again: no changes, and not uploaded twice.
    let again = girder(&app, &["deploy", "--yes"], &url);
    again.expect(0);
    assert!(
        again.out.contains(&format!("stack {stack}: no changes")),
        "{}",
        again.out
    );
    girder(&app, &["diff", "--live"], &url).expect(0);
}

#[test]
#[ignore = "needs moto's CloudFormation server (.ci/run starts it): GIRDER_TEST_AWS_ENDPOINT"]
fn a_failing_resource_is_reported_and_the_next_deploy_recovers() {
    let url = endpoint();
    let region = "eu-west-1";
    let stack = "broken-prod-data";
    fresh(region, &[stack]);
    let app = app_with("broken", region, &["jobs"], false);
    let data = app.environment(Prod).aws(ACCOUNT, region).stack("data");
    let address = data.stack().address().clone();
    let _ = app.add(data.node(), "broken", BrokenQueue { stack: address });
    let failed = girder(&app, &["deploy", "--yes"], &url);
    failed.expect(EXIT_DEPLOY_FAILED);
    assert!(
        failed.err.contains("Queue name must end in .fifo"),
        "CloudFormation's reason is shown: {}",
        failed.err
    );
    assert!(failed.err.contains("  hint: "), "{}", failed.err);
    // The fixed program: the empty stack the failed create left is made again.
    let fixed = app_with("broken", region, &["jobs"], false);
    let recovered = girder(&fixed, &["deploy", "--yes"], &url);
    recovered.expect(0);
    assert!(
        recovered
            .err
            .contains("deleting the empty stack an earlier deploy left"),
        "{}",
        recovered.err
    );
    assert_eq!(
        stack_status(region, stack).as_deref(),
        Some("CREATE_COMPLETE")
    );
    let again = girder(&fixed, &["deploy", "--yes"], &url);
    again.expect(0);
    assert!(
        again.out.contains(&format!("stack {stack}: no changes")),
        "{}",
        again.out
    );
}

#[test]
#[ignore = "needs moto's CloudFormation server (.ci/run starts it): GIRDER_TEST_AWS_ENDPOINT"]
fn deleting_a_stateful_resource_needs_allow_destroy() {
    let url = endpoint();
    let region = "eu-west-1";
    let stack = "keep-prod-data";
    fresh(region, &[stack]);
    let v1 = app_with("keep", region, &["jobs"], true);
    girder(&v1, &["deploy", "--yes"], &url).expect(0);
    let bucket = |r: &[(String, String)]| r.iter().any(|(_, t)| t == "AWS::S3::Bucket");
    assert!(bucket(&stack_resources(region, stack)));
    // The bucket leaves the program.
    let v2 = app_with("keep", region, &["jobs"], false);
    let diff = girder(&v2, &["diff", "--live"], &url);
    diff.expect(girder_synth::EXIT_DESTRUCTIVE);
    assert!(diff.out.contains("! destructive"), "{}", diff.out);
    let refused = girder(&v2, &["deploy", "--yes"], &url);
    refused.expect(EXIT_NOT_DEPLOYED);
    assert!(
        refused.out.contains("Remove"),
        "the change set is shown: {}",
        refused.out
    );
    assert!(
        refused.out.contains("! destructive: deletes the bucket"),
        "{}",
        refused.out
    );
    assert!(refused.err.contains("--allow-destroy"), "{}", refused.err);
    assert!(
        bucket(&stack_resources(region, stack)),
        "nothing was deleted"
    );
    let allowed = girder(&v2, &["deploy", "--yes", "--allow-destroy"], &url);
    allowed.expect(0);
    assert!(!bucket(&stack_resources(region, stack)));
}

#[test]
#[ignore = "needs moto's CloudFormation server (.ci/run starts it): GIRDER_TEST_AWS_ENDPOINT"]
fn without_yes_and_without_a_terminal_nothing_is_executed() {
    let url = endpoint();
    let region = "eu-west-1";
    fresh(region, &["shy-prod-data"]);
    let app = app_with("shy", region, &["jobs"], false);
    let shown = girder(&app, &["deploy"], &url);
    shown.expect(EXIT_NOT_DEPLOYED);
    assert!(
        shown.out.contains("ACTION"),
        "the change set is shown: {}",
        shown.out
    );
    assert!(shown.out.contains("AWS::SQS::Queue"), "{}", shown.out);
    assert!(shown.err.contains("--yes"), "{}", shown.err);
    assert_eq!(
        stack_status(region, "shy-prod-data"),
        None,
        "no stack is left"
    );
}

#[test]
#[ignore = "needs moto's CloudFormation server (.ci/run starts it): GIRDER_TEST_AWS_ENDPOINT"]
fn destroy_refuses_stateful_stacks_without_allow_destroy() {
    let url = endpoint();
    let region = "eu-west-1";
    fresh(region, &["gone-prod-data", "gone-prod-work"]);
    let app = App::new("gone");
    let aws = app.environment(Prod).aws(ACCOUNT, region);
    let data = aws.stack("data");
    let work = aws.stack("work");
    Bucket::new(&data, "files").build();
    Queue::new(&work, "jobs").build();
    girder(&app, &["deploy", "--yes"], &url).expect(0);
    assert!(stack_status(region, "gone-prod-data").is_some());
    let unconfirmed = girder(&app, &["destroy", "--env", "prod", "--allow-destroy"], &url);
    unconfirmed.expect(EXIT_NOT_DEPLOYED);
    assert!(unconfirmed.err.contains("--yes"), "{}", unconfirmed.err);
    let refused = girder(&app, &["destroy", "--env", "prod", "--yes"], &url);
    refused.expect(EXIT_NOT_DEPLOYED);
    assert!(
        refused.out.contains("! destructive: deletes the bucket"),
        "{}",
        refused.out
    );
    assert!(refused.err.contains("--allow-destroy"), "{}", refused.err);
    assert!(
        stack_status(region, "gone-prod-data").is_some(),
        "nothing was deleted"
    );
    assert!(
        stack_status(region, "gone-prod-work").is_some(),
        "nothing was deleted"
    );
    let destroyed = girder(
        &app,
        &["destroy", "--env", "prod", "--yes", "--allow-destroy"],
        &url,
    );
    destroyed.expect(0);
    assert!(
        destroyed.out.contains("stack gone-prod-work: deleted"),
        "{}",
        destroyed.out
    );
    assert!(
        destroyed.out.contains("stack gone-prod-data: deleted"),
        "{}",
        destroyed.out
    );
    assert_eq!(stack_status(region, "gone-prod-data"), None);
    assert_eq!(stack_status(region, "gone-prod-work"), None);
    // Destroying what is gone does nothing.
    let again = girder(&app, &["destroy", "--env", "prod", "--yes"], &url);
    again.expect(0);
    assert!(again.out.contains("nothing to destroy"), "{}", again.out);
}

#[test]
#[ignore = "needs moto's CloudFormation server (.ci/run starts it): GIRDER_TEST_AWS_ENDPOINT"]
fn credentials_of_another_account_are_refused() {
    let url = endpoint();
    let app = App::new("elsewhere");
    let data = app
        .environment(Prod)
        .aws("111111111111", "eu-west-1")
        .stack("data");
    Queue::new(&data, "jobs").build();
    let refused = girder(&app, &["deploy", "--yes"], &url);
    refused.expect(EXIT_UNAVAILABLE);
    assert!(
        refused.err.contains(
            "is for account 111111111111, but the credentials are of account 123456789012"
        ),
        "{}",
        refused.err
    );
    assert!(
        refused
            .err
            .contains("  hint: use credentials of account 111111111111")
    );
    assert_eq!(stack_status("eu-west-1", "elsewhere-prod-data"), None);
}

#[test]
#[ignore = "needs moto's CloudFormation server (.ci/run starts it): GIRDER_TEST_AWS_ENDPOINT"]
fn drift_detection_that_the_endpoint_cannot_do_is_reported() {
    // moto does not detect drift: `--drift` must say so, not report "no changes".
    let url = endpoint();
    fresh("eu-west-1", &["drift-prod-data"]);
    let app = app_with("drift", "eu-west-1", &["jobs"], false);
    girder(&app, &["deploy", "--yes"], &url).expect(0);
    let run = girder(&app, &["diff", "--live", "--drift"], &url);
    run.expect(EXIT_UNAVAILABLE);
    assert!(
        run.err
            .contains("drift detection of stack drift-prod-data failed"),
        "{}",
        run.err
    );
    assert!(run.err.contains("without --drift"), "{}", run.err);
}

#[test]
fn an_unreachable_endpoint_exits_69_and_changes_nothing() {
    let app = app_with("nowhere", "eu-west-1", &["jobs"], false);
    // Port 9 (discard) on loopback: nothing listens.
    let run = girder(&app, &["deploy", "--yes"], "http://127.0.0.1:9");
    run.expect(EXIT_UNAVAILABLE);
    assert!(run.err.contains("error: cannot reach AWS"), "{}", run.err);
    assert!(run.err.contains("  hint: check the network"), "{}", run.err);
    let diff = girder(&app, &["diff", "--live"], "http://127.0.0.1:9");
    diff.expect(EXIT_UNAVAILABLE);
}

#[test]
fn missing_credentials_exit_69() {
    #[derive(Debug)]
    struct NoCredentials;
    impl aws_sdk_cloudformation::config::ProvideCredentials for NoCredentials {
        fn provide_credentials<'a>(
            &'a self,
        ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
        where
            Self: 'a,
        {
            aws_credential_types::provider::future::ProvideCredentials::ready(Err(
                aws_credential_types::provider::error::CredentialsError::not_loaded(
                    "no profile, no environment variables",
                ),
            ))
        }
    }
    let app = app_with("anonymous", "eu-west-1", &["jobs"], false);
    let deployer = CloudFormation::with_credentials(NoCredentials);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let out_dir = tempfile::tempdir().expect("a temporary directory");
    let dist = out_dir.path().join("dist").display().to_string();
    let argv = [
        "prog",
        "deploy",
        "--yes",
        "--out",
        &dist,
        "--endpoint-url",
        "http://127.0.0.1:9",
    ];
    let code = girder_synth::run_with_deployers(&app, argv, &mut out, &mut err, &[&deployer]);
    let err = String::from_utf8_lossy(&err);
    assert_eq!(code, ExitCode::from(EXIT_UNAVAILABLE), "{err}");
    assert!(err.contains("error: no AWS credentials"), "{err}");
    assert!(err.contains("hint: configure credentials"), "{err}");
}
