//! [`Job`] (run to completion, e.g. a database migration) and [`CronJob`] (on a schedule).
//!
//! **Ordering a migration before a rollout.** A `Job` is annotated as an Argo CD `PreSync` hook
//! (`argocd.argoproj.io/hook`), so a GitOps sync runs it to completion before it applies the
//! Deployments; Girder's `deploy` (planned) applies Jobs first and waits for them the same way.
//! Its name ends with a hash of its image and command, so a new release runs a new Job and a
//! re-apply of the same release does not.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use bon::bon;
use girder_core::{Construct, Context, Diagnostic, Diagnostics, Emitted, EnvironmentName, Handle};
use girder_k8s::cron::{CronError, Schedule};
use girder_k8s::k8s_openapi::api::batch::v1::{
    CronJob as CronJobObject, CronJobSpec, Job as JobObject, JobSpec, JobTemplateSpec,
};
use girder_k8s::k8s_openapi::api::core::v1::{
    PersistentVolumeClaim, PersistentVolumeClaimSpec, PodTemplateSpec, VolumeResourceRequirements,
};
use girder_k8s::k8s_openapi::api::networking::v1::NetworkPolicy;
use girder_k8s::k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use girder_k8s::k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use girder_k8s::labels::Labels;
use girder_k8s::quantity::{Memory, Resources};
use girder_k8s::{Manifest, NamespaceName, NamespaceScope, Overrides};

use crate::edit::{PodEdit, pod_edit};
use crate::pod::{
    DEFAULT_UID, ImageTagPolicy, Mount, PodModel, Wiring, emit_workload, object_meta, pod_methods,
    workload_methods,
};

/// What a [`Job`] and a [`CronJob`] share.
#[doc(hidden)]
pub struct Batch {
    name: String,
    namespace: String,
    pod: PodModel,
    backoff_limit: u32,
    deadline_seconds: u32,
    /// A PersistentVolumeClaim the pods mount (`claim name`, size, storage class).
    claim: Option<(String, Memory, Option<String>)>,
    /// How many times `volume` was called: a job has one claim, a second call would replace it.
    volume_calls: u32,
    wiring: Wiring,
    overrides: Overrides,
}

impl Batch {
    fn meta(&self, labels: &Labels) -> ObjectMeta {
        object_meta(&self.name, &self.namespace, labels)
    }

    fn validate(&self, path: &str, diags: &mut Diagnostics) {
        self.pod.validate(path, diags);
        self.wiring.validate_ingress(path, &self.pod.ports, diags);
        if self.volume_calls > 1 {
            diags.push(
                Diagnostic::error(
                    path,
                    format!("`.volume(..)` is called {} times", self.volume_calls),
                )
                .cause("a job mounts one claim: the earlier calls would have no effect")
                .hint("call `.volume(path, size)` once"),
            );
        }
        if self.deadline_seconds == 0 {
            diags.push(
                Diagnostic::error(path, "the deadline is 0 seconds")
                    .hint("give the job time to finish, e.g. `.deadline_seconds(600)`"),
            );
        }
        self.wiring.validate(path, &self.pod.env, diags);
    }

    fn job_spec(&self, labels: &Labels) -> JobSpec {
        let mut pod = self.pod.spec(Some(&self.name));
        pod.restart_policy = Some("Never".into());
        JobSpec {
            backoff_limit: Some(self.backoff_limit as i32),
            active_deadline_seconds: Some(i64::from(self.deadline_seconds)),
            ttl_seconds_after_finished: Some(86_400),
            template: PodTemplateSpec {
                metadata: Some(self.pod.template_meta(labels.all())),
                spec: Some(pod),
            },
            ..Default::default()
        }
    }

    /// The objects both kinds emit besides the job itself: ServiceAccount and claim; returns
    /// the NetworkPolicy, emitted last.
    fn render_common(&self, labels: &Labels, manifests: &mut Vec<Manifest>) -> NetworkPolicy {
        manifests.push(Manifest::new(self.pod.service_account(self.meta(labels))));
        if let Some((claim, size, class)) = &self.claim {
            manifests.push(Manifest::new(PersistentVolumeClaim {
                metadata: ObjectMeta {
                    name: Some(claim.clone()),
                    ..self.meta(labels)
                },
                spec: Some(PersistentVolumeClaimSpec {
                    access_modes: Some(vec!["ReadWriteOnce".into()]),
                    storage_class_name: class.clone(),
                    resources: Some(VolumeResourceRequirements {
                        requests: Some(BTreeMap::from([(
                            "storage".to_owned(),
                            Quantity(size.to_string()),
                        )])),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            }));
        }
        let selector = LabelSelector {
            match_labels: Some(labels.selector()),
            ..Default::default()
        };
        self.wiring
            .policy(self.meta(labels), selector, &self.pod.ports)
    }

    fn finish(
        &self,
        cx: &Context<'_>,
        manifests: Vec<Manifest>,
        policy: NetworkPolicy,
        out: &mut Emitted,
    ) {
        emit_workload(cx, manifests, policy, &self.wiring, &self.overrides, out);
    }
}

macro_rules! batch_struct {
    ($ty:ident, $spec:ident, $what:literal) => {
        #[doc = concat!("The handle of a ", $what, ".")]
        pub struct $ty<E, N> {
            handle: Handle<$spec>,
            name: String,
            _scope: PhantomData<fn() -> (E, N)>,
        }

        impl<E, N> Clone for $ty<E, N> {
            fn clone(&self) -> Self {
                $ty {
                    handle: self.handle.clone(),
                    name: self.name.clone(),
                    _scope: PhantomData,
                }
            }
        }

        impl<E: EnvironmentName, N: NamespaceName> fmt::Debug for $ty<E, N> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($ty), self.handle.path())
            }
        }
    };
}

batch_struct!(Job, JobModel, "Job (see [`Job::new`])");
batch_struct!(CronJob, CronJobModel, "CronJob (see [`CronJob::new`])");

/// The model of a [`Job`].
pub struct JobModel {
    batch: Batch,
}

/// The model of a [`CronJob`].
pub struct CronJobModel {
    batch: Batch,
    /// The schedule as written, for the error message and for rendering a refused one.
    schedule_text: String,
    /// The schedule, parsed when the construct is created and reported at validation.
    schedule: Result<Schedule, CronError>,
    time_zone: Option<String>,
}

#[allow(clippy::too_many_arguments)]
fn new_batch(
    name: String,
    namespace: &str,
    image: String,
    run_as: i64,
    command: Vec<String>,
    args: Vec<String>,
    resources: Resources,
    deadline_seconds: u32,
    tags: ImageTagPolicy,
) -> Batch {
    let mut pod = PodModel::new(name.clone(), image, run_as, tags);
    pod.command = command;
    pod.args = args;
    pod.resources = resources;
    Batch {
        name,
        namespace: namespace.to_owned(),
        pod,
        backoff_limit: 3,
        deadline_seconds,
        claim: None,
        volume_calls: 0,
        wiring: Wiring::default(),
        overrides: Overrides::default(),
    }
}

// `new` starts a builder whose `build` returns the construct, as bon builders do.
#[allow(clippy::new_ret_no_self)]
#[bon]
impl<E: EnvironmentName, N: NamespaceName> Job<E, N> {
    /// Starts a Job with id `id` in `namespace`, run once per release (see the module docs for
    /// ordering); `image` is required.
    ///
    /// ```
    /// use girder_constructs::Job;
    /// use girder_core::App;
    /// use girder_k8s::KubernetesExt;
    ///
    /// girder_core::environment!(pub Prod = "prod");
    /// girder_k8s::namespace!(pub Api = "api");
    ///
    /// let app = App::new("city");
    /// let ns = app.environment(Prod).kubernetes().namespace(Api);
    /// Job::new(&ns, "migrate").image("ghcr.io/acme/api:2.3.0").command(["alembic", "upgrade", "head"]).build();
    /// ```
    #[builder(start_fn = new, finish_fn = build)]
    pub fn create(
        #[builder(start_fn)] scope: &impl NamespaceScope<Env = E, Ns = N>,
        #[builder(start_fn, into)] id: String,
        /// The container image (pin a tag or a digest).
        #[builder(into)]
        image: String,
        /// The command.
        #[builder(default, with = |items: impl IntoIterator<Item = impl Into<String>>| items.into_iter().map(Into::into).collect())]
        command: Vec<String>,
        /// The arguments.
        #[builder(default, with = |items: impl IntoIterator<Item = impl Into<String>>| items.into_iter().map(Into::into).collect())]
        args: Vec<String>,
        /// Seconds before the job is stopped (default 600).
        #[builder(default = 600)]
        deadline_seconds: u32,
        /// Requests and limits (default: the `DefaultResources` aspect's).
        #[builder(default)]
        resources: Resources,
        /// The UID and GID to run as (default [`DEFAULT_UID`]).
        #[builder(default = DEFAULT_UID)]
        run_as: i64,
    ) -> Job<E, N> {
        let namespace = scope.namespace();
        let base = scope.object_name(&id);
        // A new release (image or command) is a new Job; the same release is the same Job.
        let release = format!("{image}\u{0}{}", command.join("\u{0}"));
        let hash = girder_core::name::fnv1a(release.as_bytes()) as u32;
        let name = girder_core::name::derive(
            &[&base, &format!("{hash:08x}")],
            girder_core::name::MAX_LABEL,
        );
        let batch = new_batch(
            name.clone(),
            namespace.name(),
            image,
            run_as,
            command,
            args,
            resources,
            deadline_seconds,
            ImageTagPolicy::of(namespace.environment()),
        );
        let handle = namespace.app().add(scope.parent(), id, JobModel { batch });
        Job {
            handle,
            name,
            _scope: PhantomData,
        }
    }
}

// `new` starts a builder whose `build` returns the construct, as bon builders do.
#[allow(clippy::new_ret_no_self)]
#[bon]
impl<E: EnvironmentName, N: NamespaceName> CronJob<E, N> {
    /// Starts a CronJob with id `id` in `namespace`; `image` and `schedule` are required.
    ///
    /// ```
    /// use girder_constructs::CronJob;
    /// use girder_core::App;
    /// use girder_k8s::KubernetesExt;
    ///
    /// girder_core::environment!(pub Prod = "prod");
    /// girder_k8s::namespace!(pub Ops = "ops");
    ///
    /// let app = App::new("shop");
    /// let ns = app.environment(Prod).kubernetes().namespace(Ops);
    /// CronJob::new(&ns, "report").image("ghcr.io/acme/report:1.0.0").schedule("0 6 * * *").build();
    /// ```
    #[builder(start_fn = new, finish_fn = build)]
    pub fn create(
        #[builder(start_fn)] scope: &impl NamespaceScope<Env = E, Ns = N>,
        #[builder(start_fn, into)] id: String,
        /// The container image (pin a tag or a digest).
        #[builder(into)]
        image: String,
        /// The schedule, in cron syntax (`minute hour day-of-month month day-of-week`, or a macro
        /// such as `@daily`), checked at synth against Kubernetes' grammar (see
        /// [`Schedule`](girder_k8s::cron::Schedule)) and written in its canonical form.
        #[builder(into)]
        schedule: String,
        /// The IANA time zone of the schedule (default: the controller's, usually UTC).
        #[builder(into)]
        time_zone: Option<String>,
        /// The command.
        #[builder(default, with = |items: impl IntoIterator<Item = impl Into<String>>| items.into_iter().map(Into::into).collect())]
        command: Vec<String>,
        /// The arguments.
        #[builder(default, with = |items: impl IntoIterator<Item = impl Into<String>>| items.into_iter().map(Into::into).collect())]
        args: Vec<String>,
        /// Seconds before a run is stopped (default 3600).
        #[builder(default = 3600)]
        deadline_seconds: u32,
        /// Requests and limits (default: the `DefaultResources` aspect's).
        #[builder(default)]
        resources: Resources,
        /// The UID and GID to run as (default [`DEFAULT_UID`]).
        #[builder(default = DEFAULT_UID)]
        run_as: i64,
    ) -> CronJob<E, N> {
        let namespace = scope.namespace();
        let name = scope.object_name(&id);
        let batch = new_batch(
            name.clone(),
            namespace.name(),
            image,
            run_as,
            command,
            args,
            resources,
            deadline_seconds,
            ImageTagPolicy::of(namespace.environment()),
        );
        let handle = namespace.app().add(
            scope.parent(),
            id,
            CronJobModel {
                batch,
                schedule: Schedule::parse(&schedule),
                schedule_text: schedule,
                time_zone,
            },
        );
        CronJob {
            handle,
            name,
            _scope: PhantomData,
        }
    }
}

/// The methods Jobs and CronJobs share with every workload, on their `batch` model.
macro_rules! batch_methods {
    ($ty:ident) => {
        impl<E: EnvironmentName, N: NamespaceName> $ty<E, N> {
            /// Mounts a new PersistentVolumeClaim of `size` at `path` (e.g. where backups go).
            pub fn volume(&self, path: &str, size: Memory) -> &Self {
                let claim = format!("{}-data", self.name);
                self.handle.update(|s| {
                    s.volume_calls += 1;
                    if s.claim.is_none() {
                        s.claim = Some((claim.clone(), size, None));
                        s.pod.mounts.push(Mount::pvc("data", path, &claim));
                    }
                });
                self
            }
        }
    };
}
batch_methods!(Job);
batch_methods!(CronJob);

impl<E: EnvironmentName, N: NamespaceName> Job<E, N> {
    /// Changes the emitted Job before it is written, through a [`PodEdit`].
    pub fn job_mut(&self, f: impl FnMut(&mut PodEdit<'_, JobObject>) + 'static) -> &Self {
        self.handle.update(|s| pod_edit(&mut s.overrides, f));
        self
    }
}

impl<E: EnvironmentName, N: NamespaceName> CronJob<E, N> {
    /// Changes the emitted CronJob before it is written, through a [`PodEdit`].
    pub fn cron_job_mut(&self, f: impl FnMut(&mut PodEdit<'_, CronJobObject>) + 'static) -> &Self {
        self.handle.update(|s| pod_edit(&mut s.overrides, f));
        self
    }
}

/// `workload_methods!` reaches `s.pod`, `s.wiring` and `s.overrides`; the batch models expose
/// them through `Deref` to their `Batch`.
impl std::ops::Deref for JobModel {
    type Target = Batch;
    fn deref(&self) -> &Batch {
        &self.batch
    }
}
impl std::ops::DerefMut for JobModel {
    fn deref_mut(&mut self) -> &mut Batch {
        &mut self.batch
    }
}
impl std::ops::Deref for CronJobModel {
    type Target = Batch;
    fn deref(&self) -> &Batch {
        &self.batch
    }
}
impl std::ops::DerefMut for CronJobModel {
    fn deref_mut(&mut self) -> &mut Batch {
        &mut self.batch
    }
}

workload_methods!(Job);
workload_methods!(CronJob);
pod_methods!(Job);
pod_methods!(CronJob);

impl Construct for JobModel {
    fn kind(&self) -> &'static str {
        "Job"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        self.batch.validate(cx.path.as_str(), diags);
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        let b = &self.batch;
        let labels = Labels::new(cx, &b.name, "job");
        let mut manifests = Vec::with_capacity(4);
        let policy = b.render_common(&labels, &mut manifests);
        let mut annotations = b.pod.batch_checkov_annotations();
        annotations.insert("argocd.argoproj.io/hook".into(), "PreSync".into());
        annotations.insert(
            "argocd.argoproj.io/hook-delete-policy".into(),
            "BeforeHookCreation".into(),
        );
        manifests.push(Manifest::new(JobObject {
            metadata: ObjectMeta {
                annotations: Some(annotations),
                ..b.meta(&labels)
            },
            spec: Some(b.job_spec(&labels)),
            ..Default::default()
        }));
        b.finish(cx, manifests, policy, out);
    }
}

impl Construct for CronJobModel {
    fn kind(&self) -> &'static str {
        "CronJob"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        let path = cx.path.as_str();
        self.batch.validate(path, diags);
        // The CronJob controller names each run's Job `<name>-<scheduled time in minutes>`.
        const RUN: girder_core::name::Suffix = girder_core::name::Suffix {
            shape: "-<10-digit schedule time>",
            len: 11,
            by: "Kubernetes, naming each run's Job,",
            limit: girder_core::name::MAX_LABEL,
        };
        if let Some(error) = RUN.check(path, "CronJob", &self.batch.name) {
            diags.push(error);
        }
        if let Err(err) = &self.schedule {
            diags.push(
                Diagnostic::error(
                    path,
                    format!("`{}` is not a cron schedule: {err}", self.schedule_text),
                )
                .hint(err.hint()),
            );
        }
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        let b = &self.batch;
        let labels = Labels::new(cx, &b.name, "cron-job");
        let mut manifests = Vec::with_capacity(4);
        let policy = b.render_common(&labels, &mut manifests);
        let checkov = b.pod.batch_checkov_annotations();
        manifests.push(Manifest::new(CronJobObject {
            metadata: ObjectMeta {
                annotations: (!checkov.is_empty()).then_some(checkov),
                ..b.meta(&labels)
            },
            spec: Some(CronJobSpec {
                schedule: match &self.schedule {
                    Ok(schedule) => schedule.to_string(),
                    Err(_) => self.schedule_text.clone(),
                },
                time_zone: self.time_zone.clone(),
                concurrency_policy: Some("Forbid".into()),
                starting_deadline_seconds: Some(300),
                successful_jobs_history_limit: Some(3),
                failed_jobs_history_limit: Some(3),
                job_template: JobTemplateSpec {
                    metadata: Some(ObjectMeta {
                        labels: Some(labels.all()),
                        ..Default::default()
                    }),
                    spec: Some(b.job_spec(&labels)),
                },
                ..Default::default()
            }),
            ..Default::default()
        }));
        b.finish(cx, manifests, policy, out);
    }
}
