//! [`Queue`]: an SQS queue with a dead-letter queue.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::Arc;

use girder_aws::policy::{PolicyDocument, Statement};
use girder_aws::{CfnResource, Entry, Expr, InStack, Json, ResourceRef, StackAddress, Value};
use girder_aws::{iam, sqs};
use girder_core::{
    App, Construct, Context, Diagnostic, Diagnostics, Emitted, EnvironmentName, Handle, NodeId,
};

use super::bridge::{ApiService, Grantee, Published, api_server, environment_of};
use super::{Accepted, Placement};
use crate::wiring::{EnvValue, IntoEnv};

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
    /// The checkov checks accepted on its resources, with the reasons.
    accepted: Accepted,
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
                accepted: Accepted::default(),
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

/// What a KEDA SQS scaler knows of the queue it watches, taken from a worker's connection to it
/// (see `Scaler::sqs`).
#[derive(Debug, Clone)]
pub(crate) struct ScaledQueue {
    /// The queue's node and path.
    pub(crate) node: NodeId,
    pub(crate) path: String,
    /// The queue's region.
    pub(crate) region: String,
    /// The Secret key that carries the queue's URL in the worker's namespace: the environment
    /// variable set from it is the one KEDA reads (`queueURLFromEnv`).
    pub(crate) url: EnvValue,
    stack: Arc<StackAddress>,
    arn: Expr<String>,
    /// The environment's registry, if the queue is in an environment.
    queues: Option<ScaledQueues>,
}

impl ScaledQueue {
    /// The queue behind `connection`.
    pub(crate) fn of<E: EnvironmentName, N>(connection: &Published<E, N, Queue<E>>) -> Self {
        let queue = &connection.server;
        let app = queue.handle.app();
        let node = queue.handle.node();
        let stack = queue.resource.target().stack_arc().clone();
        ScaledQueue {
            node,
            path: queue.handle.path().to_string(),
            region: stack.region().as_str().to_owned(),
            url: IntoEnv::<E, N>::into_env(connection.object.key(connection.key)),
            arn: queue.arn(),
            stack,
            queues: app
                .parent(node)
                .and_then(|stack| environment_of(app, stack))
                .map(|env| ScaledQueues::of(app, env)),
        }
    }

    /// Records that a scaler watches this queue: KEDA's role may read its depth.
    pub(crate) fn register(&self) {
        if let Some(queues) = &self.queues {
            queues.add(&self.stack, self.arn.clone());
        }
    }
}

/// The queues of one stack that KEDA's SQS scalers watch.
#[derive(Debug)]
pub(crate) struct StackQueues {
    pub(crate) stack: Arc<StackAddress>,
    arns: Vec<Expr<String>>,
}

/// Every queue an environment's KEDA scalers watch, filled in as the program declares them
/// (`worker.scale_on(Scaler::sqs(..))`) and read when the environment's cluster renders: the
/// KEDA operator's role may read the depth of these queues, wherever they were declared, and of
/// no other.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScaledQueues(Rc<RefCell<BTreeMap<String, StackQueues>>>);

impl ScaledQueues {
    /// The registry of the environment `env`, created on first use.
    pub(crate) fn of(app: &App, env: NodeId) -> Self {
        app.attachment_or_default::<ScaledQueues>(env)
    }

    fn add(&self, stack: &Arc<StackAddress>, arn: Expr<String>) {
        let mut stacks = self.0.borrow_mut();
        let group = stacks
            .entry(stack.name().to_owned())
            .or_insert_with(|| StackQueues {
                stack: stack.clone(),
                arns: Vec::new(),
            });
        if !group.arns.contains(&arn) {
            group.arns.push(arn);
        }
    }

    /// Calls `f` with each stack's queues, in the order of the stacks' names.
    pub(crate) fn for_each(&self, mut f: impl FnMut(&StackQueues)) {
        for group in self.0.borrow().values() {
            f(group);
        }
    }
}

impl StackQueues {
    /// The `AWS::IAM::Policy` that lets `role` (a `Ref` to its name) read the depth of these
    /// queues, by their exact ARNs.
    pub(crate) fn depth_policy(&self, role: Expr<String>) -> iam::Policy {
        let mut read = Statement::allow(["sqs:GetQueueAttributes"]).sid("ReadQueueDepth");
        for arn in &self.arns {
            read = read.resource(arn.clone());
        }
        iam::Policy::new(PolicyDocument::new([read]), "keda-queue-depth")
            .roles(vec![Value::from(role)])
    }
}

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
        self.render_resources(cx, out);
        self.accepted.apply(&[], cx, out);
    }
}

impl QueueSpec {
    /// Emits the construct's resources (`render` then writes what it accepts on them).
    fn render_resources(&self, cx: &Context<'_>, out: &mut Emitted) {
        let placement = &self.placement;
        let queue = &self.resource;
        self.api
            .render(cx, "queue", placement, ("url", || queue.queue_url()), out);
        let dead_letters = &self.dead_letters;
        out.emit(CfnResource::new(
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
        out.emit(CfnResource::new(
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

super::accept_methods!(Queue);
