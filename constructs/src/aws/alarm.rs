//! [`Alarm`]: a CloudWatch alarm on one metric, and [`Alarm::queue_depth`] for an SQS backlog.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use girder_aws::cloudwatch;
use girder_aws::{CfnResource, Entry, Expr, InStack, LogicalId, ResourceRef, Value};
use girder_core::{Construct, Context, Diagnostic, Diagnostics, Emitted, EnvironmentName, Handle};

use super::{Placement, Queue};

/// How a metric's datapoints in one period are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Statistic {
    /// The mean (the default).
    #[default]
    Average,
    /// The highest value.
    Maximum,
    /// The lowest value.
    Minimum,
    /// The total.
    Sum,
    /// The number of datapoints.
    SampleCount,
}

/// How the statistic is compared with the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Comparison {
    /// `>=` (the default).
    #[default]
    GreaterThanOrEqual,
    /// `>`.
    GreaterThan,
    /// `<`.
    LessThan,
    /// `<=`.
    LessThanOrEqual,
}

impl Comparison {
    fn to_cfn(self) -> cloudwatch::ComparisonOperator {
        use cloudwatch::ComparisonOperator as C;
        match self {
            Comparison::GreaterThanOrEqual => C::GreaterThanOrEqualToThreshold,
            Comparison::GreaterThan => C::GreaterThanThreshold,
            Comparison::LessThan => C::LessThanThreshold,
            Comparison::LessThanOrEqual => C::LessThanOrEqualToThreshold,
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Comparison::GreaterThanOrEqual => ">=",
            Comparison::GreaterThan => ">",
            Comparison::LessThan => "<",
            Comparison::LessThanOrEqual => "<=",
        }
    }
}

impl Statistic {
    fn label(self) -> &'static str {
        match self {
            Statistic::Average => "average",
            Statistic::Maximum => "maximum",
            Statistic::Minimum => "minimum",
            Statistic::Sum => "sum",
            Statistic::SampleCount => "sample count",
        }
    }

    fn to_cfn(self) -> cloudwatch::Statistic {
        use cloudwatch::Statistic as S;
        match self {
            Statistic::Average => S::Average,
            Statistic::Maximum => S::Maximum,
            Statistic::Minimum => S::Minimum,
            Statistic::Sum => S::Sum,
            Statistic::SampleCount => S::SampleCount,
        }
    }
}

/// A CloudWatch metric: a namespace, a name and dimensions.
///
/// ```
/// use girder_constructs::aws::Metric;
/// let cpu = Metric::new("AWS/RDS", "CPUUtilization").dimension("DBInstanceIdentifier", "orders");
/// assert_eq!(cpu.name(), "CPUUtilization");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct Metric {
    // Namespaces, metric names and dimension names are nearly always literals: they are kept
    // without a copy, as every alarm of a program keeps its metric.
    namespace: Cow<'static, str>,
    name: Cow<'static, str>,
    dimensions: Vec<(Cow<'static, str>, Value<String>)>,
}

impl Metric {
    /// The metric `name` of `namespace` (`AWS/SQS`, `AWS/RDS`, or your own).
    pub fn new(
        namespace: impl Into<Cow<'static, str>>,
        name: impl Into<Cow<'static, str>>,
    ) -> Self {
        Metric {
            namespace: namespace.into(),
            name: name.into(),
            dimensions: Vec::new(),
        }
    }

    /// Narrows the metric to dimension `name` = `value` (a literal or an expression).
    pub fn dimension(
        mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl Into<Value<String>>,
    ) -> Self {
        // A metric has a dimension or two: room for four would be mostly empty.
        self.dimensions.reserve_exact(1);
        self.dimensions.push((name.into(), value.into()));
        self
    }

    /// The namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The metric's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// A CloudWatch alarm on one metric: it fires when the metric's statistic over a period compares
/// with the threshold for `evaluation_periods` periods in a row, and notifies an SNS topic if
/// given. Missing data keeps the alarm's state (CloudWatch's `missing`).
///
/// ```
/// use girder_aws::AwsExt;
/// use girder_constructs::aws::{Alarm, Comparison, Metric, Statistic};
/// use girder_constructs::Queue;
///
/// girder_core::environment!(pub Prod = "prod");
/// let app = girder_core::App::new("shop");
/// let data = app.environment(Prod).aws("123456789012", "eu-west-1").stack("data");
/// let jobs = Queue::new(&data, "jobs").build();
/// // The usual one: a backlog of 1,000 messages for 5 minutes.
/// Alarm::queue_depth(&data, "jobs-backlog").queue(&jobs).threshold(1000).build();
/// // Any metric.
/// Alarm::new(&data, "jobs-failing")
///     .metric(Metric::new("AWS/SQS", "ApproximateNumberOfMessagesVisible")
///         .dimension("QueueName", jobs.name()))
///     .statistic(Statistic::Maximum)
///     .comparison(Comparison::GreaterThan)
///     .threshold(0.0)
///     .build();
/// ```
pub struct Alarm<E> {
    handle: Handle<AlarmSpec>,
    resource: ResourceRef<cloudwatch::Alarm>,
    _env: PhantomData<fn() -> E>,
}

impl<E> Clone for Alarm<E> {
    fn clone(&self) -> Self {
        Alarm {
            handle: self.handle.clone(),
            resource: self.resource.clone(),
            _env: PhantomData,
        }
    }
}

impl<E> fmt::Debug for Alarm<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Alarm({})", self.handle.path())
    }
}

/// The model of an [`Alarm`].
#[derive(Debug)]
pub struct AlarmSpec {
    placement: Placement,
    /// The alarm's logical ID.
    id: LogicalId,
    /// The metric watched.
    pub metric: Metric,
    /// How datapoints combine over a period.
    pub statistic: Statistic,
    /// The period, in seconds.
    pub period_seconds: u32,
    /// Periods in a row that must breach.
    pub evaluation_periods: u32,
    /// The threshold.
    pub threshold: f64,
    /// How the statistic compares with the threshold.
    pub comparison: Comparison,
    /// A description; by default the path and the condition.
    pub description: Option<String>,
    /// The SNS topic notified when the alarm fires and recovers.
    notify: Option<Expr<String>>,
}

// `new` starts a builder whose `build` returns the construct, as bon builders do.
#[allow(clippy::new_ret_no_self)]
#[bon::bon]
impl<E: EnvironmentName> Alarm<E> {
    /// Starts an alarm with id `id` in `stack`.
    #[builder(start_fn = new, finish_fn = build)]
    pub fn create(
        #[builder(start_fn)] stack: &impl InStack<Env = E>,
        #[builder(start_fn, into)] id: String,
        /// The metric to watch (required).
        metric: Metric,
        /// How datapoints combine over a period (default [`Statistic::Average`]).
        #[builder(default)]
        statistic: Statistic,
        /// The period, in seconds: 10, 20, 30 or a multiple of 60 (default 60).
        #[builder(default = 60)]
        period_seconds: u32,
        /// Periods in a row that must breach (default 5); periods × seconds is at most a day.
        #[builder(default = 5)]
        evaluation_periods: u32,
        /// The threshold (required).
        threshold: f64,
        /// How the statistic compares with the threshold (default
        /// [`Comparison::GreaterThanOrEqual`]).
        #[builder(default)]
        comparison: Comparison,
        /// A description (default: the path and the condition).
        #[builder(into)]
        description: Option<String>,
        /// The ARN of an SNS topic to notify when the alarm fires and recovers (default none).
        notify: Option<Expr<String>>,
    ) -> Alarm<E> {
        let stack = stack.stack();
        let app = stack.app();
        let placement = Placement::in_stack(stack, &id);
        let resource = placement.reference("Alarm");
        let handle = app.add(
            stack.node(),
            id,
            AlarmSpec {
                placement,
                id: resource.target().logical_id().clone(),
                metric,
                statistic,
                period_seconds,
                evaluation_periods,
                threshold,
                comparison,
                description,
                notify,
            },
        );
        Alarm {
            handle,
            resource,
            _env: PhantomData,
        }
    }

    /// Starts an alarm on an SQS queue's backlog: the most messages visible
    /// (`ApproximateNumberOfMessagesVisible`, maximum per minute) at or above `threshold` for
    /// `minutes` minutes in a row (default 5).
    #[builder(start_fn = queue_depth, finish_fn = build)]
    pub fn create_queue_depth(
        #[builder(start_fn)] stack: &impl InStack<Env = E>,
        #[builder(start_fn, into)] id: String,
        /// The queue (required).
        queue: &Queue<E>,
        /// Messages waiting that fire the alarm (required).
        threshold: u32,
        /// Minutes the backlog must last (default 5; at most 1,440).
        #[builder(default = 5)]
        minutes: u32,
        /// The ARN of an SNS topic to notify when the alarm fires and recovers (default none).
        notify: Option<Expr<String>>,
    ) -> Alarm<E> {
        Alarm::new(stack, id)
            .metric(
                Metric::new("AWS/SQS", "ApproximateNumberOfMessagesVisible")
                    .dimension("QueueName", queue.name()),
            )
            .statistic(Statistic::Maximum)
            .period_seconds(60)
            .evaluation_periods(minutes)
            .threshold(f64::from(threshold))
            .comparison(Comparison::GreaterThanOrEqual)
            .maybe_notify(notify)
            .build()
    }
}

impl<E: EnvironmentName> Alarm<E> {
    /// The alarm's ARN.
    pub fn arn(&self) -> Expr<String> {
        self.resource.arn()
    }

    /// The alarm's name (`Ref`).
    pub fn name(&self) -> Expr<String> {
        self.resource.reference()
    }

    /// The typed reference to the `AWS::CloudWatch::Alarm`.
    pub fn resource(&self) -> &ResourceRef<cloudwatch::Alarm> {
        &self.resource
    }
}

impl<E> crate::wiring::InEnvironment<E> for Alarm<E> {}

impl Construct for AlarmSpec {
    fn kind(&self) -> &'static str {
        "Alarm"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        let path = cx.path.as_str();
        let period = self.period_seconds;
        if !(matches!(period, 10 | 20 | 30) || (period > 0 && period.is_multiple_of(60))) {
            diags.push(
                Diagnostic::error(path, format!("a period of {period} s"))
                    .hint("CloudWatch alarms use 10, 20, 30 or a multiple of 60 seconds"),
            );
        }
        let periods = self.evaluation_periods;
        if periods == 0 || u64::from(periods) * u64::from(period) > 86_400 {
            diags.push(
                Diagnostic::error(
                    path,
                    format!("{periods} evaluation periods of {period} s"),
                )
                .hint("evaluate at least 1 period, and at most a day in all (periods × seconds ≤ 86,400)"),
            );
        }
        if !self.threshold.is_finite() {
            diags.push(
                Diagnostic::error(path, format!("threshold {}", self.threshold))
                    .hint("use a finite number"),
            );
        }
        let metric = &self.metric;
        for (what, text) in [
            ("namespace", &metric.namespace),
            ("metric name", &metric.name),
        ] {
            if text.is_empty() || text.len() > 255 {
                diags.push(
                    Diagnostic::error(path, format!("{what} `{text}`"))
                        .hint("use 1 to 255 characters, e.g. `AWS/SQS` and `ApproximateNumberOfMessagesVisible`"),
                );
            }
        }
        if metric.dimensions.len() > 30 {
            diags.push(
                Diagnostic::error(path, format!("{} dimensions", metric.dimensions.len()))
                    .hint("a metric has at most 30 dimensions"),
            );
        }
        if self.description.as_ref().is_some_and(|d| d.len() > 1024) {
            diags.push(
                Diagnostic::error(path, "a description over 1,024 characters")
                    .hint("shorten it; link to a runbook instead"),
            );
        }
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        let description = self.description.clone().unwrap_or_else(|| {
            // `<path>: <statistic> <metric> <comparison> <threshold> for <n> x <period> s`,
            // composed in place: one for every alarm of a program.
            use std::fmt::Write;
            let mut text = String::with_capacity(cx.path.as_str().len() + 96);
            for part in [
                cx.path.as_str(),
                ": ",
                self.statistic.label(),
                " ",
                &self.metric.name,
                " ",
                self.comparison.symbol(),
                " ",
            ] {
                text.push_str(part);
            }
            let _ = write!(text, "{}", self.threshold);
            text.push_str(" for ");
            let _ = write!(text, "{}", self.evaluation_periods);
            text.push_str(" x ");
            let _ = write!(text, "{}", self.period_seconds);
            text.push_str(" s");
            text
        });
        let dimensions: Vec<cloudwatch::Dimension> = self
            .metric
            .dimensions
            .iter()
            .map(|(name, value)| cloudwatch::Dimension::new(&**name, value.clone()))
            .collect();
        let mut alarm = cloudwatch::Alarm::new()
            .alarm_description(description)
            .namespace(&*self.metric.namespace)
            .metric_name(&*self.metric.name)
            .statistic(self.statistic.to_cfn())
            .period(i64::from(self.period_seconds))
            .evaluation_periods(i64::from(self.evaluation_periods))
            .threshold(self.threshold)
            .comparison_operator(self.comparison.to_cfn())
            .treat_missing_data(cloudwatch::TreatMissingData::Missing);
        if !dimensions.is_empty() {
            alarm = alarm.dimensions(dimensions);
        }
        if let Some(topic) = &self.notify {
            alarm = alarm
                .alarm_actions(vec![Value::from(topic.clone())])
                .ok_actions(vec![Value::from(topic.clone())]);
        }
        let p = &self.placement;
        out.emit(CfnResource::new(
            &p.stack,
            self.id.clone(),
            Entry::new(alarm),
        ));
    }
}
