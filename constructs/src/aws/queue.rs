//! [`Queue`]: an SQS queue with a dead-letter queue.

use std::fmt;
use std::marker::PhantomData;

use girder_aws::sqs;
use girder_aws::{CfnResource, Entry, Expr, InStack, Json, ResourceRef};
use girder_core::{Construct, Context, Diagnostic, Diagnostics, Emitted, EnvironmentName, Handle};

use girder_aws::policy::Statement;

use super::Placement;
use super::bridge::{ApiService, Grantee, api_server};

/// An SQS queue and its dead-letter queue, secure by default:
/// * encrypted at rest with KMS (the account's `aws/sqs` key);
/// * a message that fails `max_receives` times (default 5) moves to the dead-letter queue, which
///   keeps messages 14 days;
/// * messages kept 4 days, visibility timeout 30 s, long polling (20 s).
///
/// ```
/// use girder_aws::AwsExt;
/// use girder_constructs::Queue;
///
/// girder_core::environment!(pub Prod = "prod");
/// let app = girder_core::App::new("shop");
/// let data = app.environment(Prod).aws("123456789012", "eu-west-1").stack("data");
/// let jobs = Queue::new(&data, "jobs").visibility_timeout_seconds(120).build();
/// let _url = jobs.url();
/// ```
pub struct Queue<E> {
    handle: Handle<QueueSpec>,
    resource: ResourceRef<sqs::Queue>,
    dead_letters: ResourceRef<sqs::Queue>,
    _env: PhantomData<fn() -> E>,
}

impl<E> Clone for Queue<E> {
    fn clone(&self) -> Self {
        Queue {
            handle: self.handle.clone(),
            resource: self.resource.clone(),
            dead_letters: self.dead_letters.clone(),
            _env: PhantomData,
        }
    }
}

impl<E> fmt::Debug for Queue<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Queue({})", self.handle.path())
    }
}

/// The model of a [`Queue`].
#[derive(Debug)]
pub struct QueueSpec {
    placement: Placement,
    resource: ResourceRef<sqs::Queue>,
    dead_letters: ResourceRef<sqs::Queue>,
    /// Seconds a received message stays invisible to other consumers (0 to 43,200).
    pub visibility_timeout: u32,
    /// Days a message is kept (1 to 14).
    pub retention_days: u32,
    /// Receives before a message moves to the dead-letter queue (1 to 1,000).
    pub max_receives: u32,
    api: ApiService,
}

// `new` starts a builder whose `build` returns the construct, as bon builders do.
#[allow(clippy::new_ret_no_self)]
#[bon::bon]
impl<E: EnvironmentName> Queue<E> {
    /// Starts a queue with id `id` in `stack`.
    #[builder(start_fn = new, finish_fn = build)]
    pub fn create(
        #[builder(start_fn)] stack: &impl InStack<Env = E>,
        #[builder(start_fn, into)] id: String,
        /// Seconds a received message stays invisible to other consumers (default 30; 0 to 43,200).
        #[builder(default = 30)]
        visibility_timeout_seconds: u32,
        /// Days a message is kept (default 4; 1 to 14).
        #[builder(default = 4)]
        retention_days: u32,
        /// Receives before a message moves to the dead-letter queue (default 5; 1 to 1,000).
        #[builder(default = 5)]
        max_receives: u32,
    ) -> Queue<E> {
        let stack = stack.stack();
        let app = stack.app();
        let placement = Placement::in_stack(stack, &id);
        let resource = placement.reference("Queue");
        let dead_letters = placement.reference("DeadLetters");
        let handle = app.add(
            stack.node(),
            id,
            QueueSpec {
                placement,
                resource: resource.clone(),
                dead_letters: dead_letters.clone(),
                visibility_timeout: visibility_timeout_seconds,
                retention_days,
                max_receives,
                api: ApiService::default(),
            },
        );
        Queue {
            handle,
            resource,
            dead_letters,
            _env: PhantomData,
        }
    }
}

impl<E: EnvironmentName> Queue<E> {
    /// The queue's URL (`Ref`).
    pub fn url(&self) -> Expr<String> {
        self.resource.queue_url()
    }

    /// The queue's ARN.
    pub fn arn(&self) -> Expr<String> {
        self.resource.arn()
    }

    /// The queue's name: the last field of its ARN (`Fn::Select [5, Fn::Split [":", arn]]`),
    /// e.g. for the `QueueName` dimension of its CloudWatch metrics.
    pub fn name(&self) -> Expr<String> {
        girder_aws::fns::select(5, girder_aws::fns::split(":", self.arn()))
    }

    /// The dead-letter queue's ARN.
    pub fn dead_letter_arn(&self) -> Expr<String> {
        self.dead_letters.arn()
    }
}

impl<E> crate::wiring::InEnvironment<E> for Queue<E> {}

impl<E: EnvironmentName> Queue<E> {
    /// Lets `principal` receive and delete messages (and read the attributes KEDA scales on).
    pub fn grant_consume(&self, principal: &impl Grantee) {
        principal.grant(
            Statement::allow([
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:ChangeMessageVisibility",
                "sqs:GetQueueAttributes",
                "sqs:GetQueueUrl",
            ])
            .resource(self.arn()),
        );
    }

    /// Lets `principal` send messages.
    pub fn grant_send(&self, principal: &impl Grantee) {
        principal.grant(
            Statement::allow([
                "sqs:SendMessage",
                "sqs:GetQueueAttributes",
                "sqs:GetQueueUrl",
            ])
            .resource(self.arn()),
        );
    }
}

api_server!(Queue, "url");

impl Construct for QueueSpec {
    fn kind(&self) -> &'static str {
        "Queue"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        let path = cx.path.as_str();
        self.api.clients.validate(path, diags);
        if self.visibility_timeout > 43_200 {
            diags.push(
                Diagnostic::error(
                    path,
                    format!(
                        "visibility timeout {} s is above 12 hours",
                        self.visibility_timeout
                    ),
                )
                .hint("SQS accepts 0 to 43,200 seconds"),
            );
        }
        if !(1..=14).contains(&self.retention_days) {
            diags.push(
                Diagnostic::error(path, format!("retention of {} days", self.retention_days))
                    .hint("SQS keeps messages 1 to 14 days"),
            );
        }
        if !(1..=1000).contains(&self.max_receives) {
            diags.push(
                Diagnostic::error(path, format!("max receives {}", self.max_receives))
                    .hint("a redrive policy allows 1 to 1,000 receives"),
            );
        }
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        let placement = &self.placement;
        let queue = &self.resource;
        self.api
            .render(cx, "queue", placement, ("url", || queue.queue_url()), out);
        let dead_letters = &self.dead_letters;
        out.push(CfnResource::new(
            &placement.stack,
            dead_letters.target().logical_id().clone(),
            Entry::new(
                sqs::Queue::new()
                    .kms_master_key_id("alias/aws/sqs")
                    .message_retention_period(14 * 24 * 3600),
            ),
        ));
        let redrive = Json::Object(
            [
                (
                    "deadLetterTargetArn".to_owned(),
                    Json::from(dead_letters.arn()),
                ),
                (
                    "maxReceiveCount".to_owned(),
                    Json::from(serde_json::json!(self.max_receives)),
                ),
            ]
            .into(),
        );
        out.push(CfnResource::new(
            &placement.stack,
            queue.target().logical_id().clone(),
            Entry::new(
                sqs::Queue::new()
                    .kms_master_key_id("alias/aws/sqs")
                    .visibility_timeout(i64::from(self.visibility_timeout))
                    .message_retention_period(i64::from(self.retention_days) * 24 * 3600)
                    .receive_message_wait_time_seconds(20)
                    .redrive_policy(redrive),
            ),
        ));
    }
}
