//! checkov's Kubernetes checks, at synth: the findings the validators would report later,
//! reported by Girder on the final objects with the same ids.
//!
//! Each [`Check`] is evaluated as checkov evaluates it, on the pod template of every workload
//! (`Deployment`, `StatefulSet`, `DaemonSet`, `ReplicaSet`, `Job`, `CronJob`, `Pod`) after the
//! program's aspects, typed edits and JSON patches. A check that fires is an error (a warning for
//! the few that a program may choose to fail: probes and tag-pinned images), unless the object
//! carries checkov's own suppression, `checkov.io/skipN: CKV_K8S_40=<reason>`, which a workload
//! writes with `.accept(Check::CKV_K8S_40, "<reason>")`: the suppression Girder honours and the
//! one checkov reads are the same annotation, so the reason is in the output for reviewers.
//!
//! A suppression must earn its place: one without a reason, of a check that would not fire on
//! the object, of a check checkov does not run on its kind, twice for one check, or of a check
//! Girder does not know is an error. The checks the Pod Security Standards' `restricted` profile
//! already implies (privileged containers, host namespaces, privilege escalation, root, added
//! capabilities but `NET_BIND_SERVICE`, ...) are reported by [`super::pod_security`]; a
//! suppression of one of them is an error too, since the API server refuses such pods whatever
//! checkov is told.
//!
//! | id | checkov's title | at synth |
//! |---|---|---|
//! | `CKV_K8S_8` | Liveness Probe Should be Configured | warning |
//! | `CKV_K8S_9` | Readiness Probe Should be Configured | warning |
//! | `CKV_K8S_10` | CPU requests should be set | error |
//! | `CKV_K8S_11` | CPU limits should be set | error |
//! | `CKV_K8S_12` | Memory requests should be set | error |
//! | `CKV_K8S_13` | Memory limits should be set | error |
//! | `CKV_K8S_14` | Image Tag should be fixed - not latest or blank | error |
//! | `CKV_K8S_15` | Image Pull Policy should be Always | error |
//! | `CKV_K8S_22` | Use read-only filesystem for containers where possible | error |
//! | `CKV_K8S_25` | Minimize the admission of containers with added capability | error |
//! | `CKV_K8S_26` | Do not specify hostPort unless absolutely necessary | error |
//! | `CKV_K8S_29` | Apply security context to your pods and containers | error |
//! | `CKV_K8S_31` | Ensure that the seccomp profile is set to docker/default or runtime/default | error |
//! | `CKV_K8S_35` | Prefer using secrets as files over secrets as environment variables | error |
//! | `CKV_K8S_38` | Ensure that Service Account Tokens are only mounted where necessary | error |
//! | `CKV_K8S_40` | Containers should run as a high UID to avoid host conflict | error |
//! | `CKV_K8S_43` | Image should use digest | warning |
//! | `CKV_K8S_16` to `_20`, `_23`, `_27`, `_28`, `_30`, `_37`, `_39` | (implied by Pod Security `restricted`) | [`super::pod_security`]; not suppressible |
//!
//! ```
//! use girder_k8s::rules::policy::Check;
//!
//! assert_eq!(Check::CKV_K8S_40.id(), "CKV_K8S_40");
//! assert_eq!(Check::CKV_K8S_40.title(), "Containers should run as a high UID to avoid host conflict");
//! ```

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, PodSecurityContext, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::Finding;
use crate::image::{ImageRef, Pinning};
use crate::object::{Object, pod_template_path};

/// A checkov check of Kubernetes workloads that Girder evaluates at synth and that a workload
/// may accept with a reason (`.accept(Check::CKV_K8S_40, "why")`). The checks the Pod Security
/// Standards imply have no constant: nothing can accept them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Check(&'static str);

impl Check {
    /// Liveness Probe Should be Configured (not run on Jobs and CronJobs).
    pub const CKV_K8S_8: Check = Check("CKV_K8S_8");
    /// Readiness Probe Should be Configured (not run on Jobs and CronJobs).
    pub const CKV_K8S_9: Check = Check("CKV_K8S_9");
    /// CPU requests should be set.
    pub const CKV_K8S_10: Check = Check("CKV_K8S_10");
    /// CPU limits should be set.
    pub const CKV_K8S_11: Check = Check("CKV_K8S_11");
    /// Memory requests should be set.
    pub const CKV_K8S_12: Check = Check("CKV_K8S_12");
    /// Memory limits should be set.
    pub const CKV_K8S_13: Check = Check("CKV_K8S_13");
    /// Image Tag should be fixed - not latest or blank.
    pub const CKV_K8S_14: Check = Check("CKV_K8S_14");
    /// Image Pull Policy should be Always (unless the image is pinned by digest).
    pub const CKV_K8S_15: Check = Check("CKV_K8S_15");
    /// Use read-only filesystem for containers where possible.
    pub const CKV_K8S_22: Check = Check("CKV_K8S_22");
    /// Minimize the admission of containers with added capability (`NET_BIND_SERVICE`, the one
    /// the `restricted` profile allows).
    pub const CKV_K8S_25: Check = Check("CKV_K8S_25");
    /// Do not specify hostPort unless absolutely necessary (`hostPort: 0`; other host ports
    /// break the `restricted` profile).
    pub const CKV_K8S_26: Check = Check("CKV_K8S_26");
    /// Apply security context to your pods and containers (the pod's).
    pub const CKV_K8S_29: Check = Check("CKV_K8S_29");
    /// Ensure that the seccomp profile is set to docker/default or runtime/default (a
    /// `Localhost` profile, which `restricted` allows).
    pub const CKV_K8S_31: Check = Check("CKV_K8S_31");
    /// Prefer using secrets as files over secrets as environment variables.
    pub const CKV_K8S_35: Check = Check("CKV_K8S_35");
    /// Ensure that Service Account Tokens are only mounted where necessary.
    pub const CKV_K8S_38: Check = Check("CKV_K8S_38");
    /// Containers should run as a high UID to avoid host conflict (10000 or more).
    pub const CKV_K8S_40: Check = Check("CKV_K8S_40");
    /// Image should use digest.
    pub const CKV_K8S_43: Check = Check("CKV_K8S_43");

    /// Every check above, in the order of their ids: what a workload may accept.
    ///
    /// ```
    /// use girder_k8s::rules::policy::Check;
    ///
    /// assert!(Check::ALL.contains(&Check::CKV_K8S_40));
    /// assert_eq!(Check::ALL.iter().find(|c| c.id() == "CKV_K8S_43"), Some(&Check::CKV_K8S_43));
    /// ```
    pub const ALL: [Check; 17] = [
        Check::CKV_K8S_8,
        Check::CKV_K8S_9,
        Check::CKV_K8S_10,
        Check::CKV_K8S_11,
        Check::CKV_K8S_12,
        Check::CKV_K8S_13,
        Check::CKV_K8S_14,
        Check::CKV_K8S_15,
        Check::CKV_K8S_22,
        Check::CKV_K8S_25,
        Check::CKV_K8S_26,
        Check::CKV_K8S_29,
        Check::CKV_K8S_31,
        Check::CKV_K8S_35,
        Check::CKV_K8S_38,
        Check::CKV_K8S_40,
        Check::CKV_K8S_43,
    ];

    /// checkov's id, e.g. `CKV_K8S_40`.
    pub fn id(self) -> &'static str {
        self.0
    }

    /// checkov's title of the check.
    pub fn title(self) -> &'static str {
        rule(self.0).map_or("", |r| r.title)
    }
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// The annotation key prefixes checkov reads suppressions from.
const SKIP_PREFIXES: [&str; 3] = ["checkov.io/skip", "bridgecrew.io/skip", "cortex.io/skip"];

/// What a check that fires does to synthesis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Error,
    Warning,
    /// Implied by the Pod Security Standards' `restricted` profile: [`super::pod_security`]
    /// reports it, and nothing can accept it.
    PodSecurity,
}

/// Which workloads checkov runs a check on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kinds {
    /// Every kind with a pod template.
    Workloads,
    /// Not Jobs and CronJobs (probes).
    LongRunning,
}

/// Where a check fired: the field path under the pod spec, and what is wrong.
type Fired = (String, String);

struct Rule {
    id: &'static str,
    title: &'static str,
    level: Level,
    kinds: Kinds,
    /// Whether the check fires on a pod spec (`None` for [`Level::PodSecurity`]).
    fires: Option<fn(&PodSpec) -> Option<Fired>>,
    hint: &'static str,
}

const ACCEPT: &str = "or, if the workload needs it, accept it with the reason a reviewer reads: `.accept(Check::{id}, \"..\")`";

const RULES: &[Rule] = &[
    Rule {
        id: "CKV_K8S_8",
        title: "Liveness Probe Should be Configured",
        level: Level::Warning,
        kinds: Kinds::LongRunning,
        fires: Some(|spec| probe(spec, "livenessProbe", |c| c.liveness_probe.is_some())),
        hint: "set `.liveness(Probe::..)` (a web service probes its port by default), or remove the edit that drops it",
    },
    Rule {
        id: "CKV_K8S_9",
        title: "Readiness Probe Should be Configured",
        level: Level::Warning,
        kinds: Kinds::LongRunning,
        fires: Some(|spec| probe(spec, "readinessProbe", |c| c.readiness_probe.is_some())),
        hint: "set `.readiness(Probe::..)` (a web service probes its port by default), or remove the edit that drops it",
    },
    Rule {
        id: "CKV_K8S_10",
        title: "CPU requests should be set",
        level: Level::Error,
        kinds: Kinds::Workloads,
        fires: Some(|spec| resource(spec, "requests", "cpu")),
        hint: "remove the edit or patch that drops it: Girder's `DefaultResources` sets every request and limit",
    },
    Rule {
        id: "CKV_K8S_11",
        title: "CPU limits should be set",
        level: Level::Error,
        kinds: Kinds::Workloads,
        fires: Some(|spec| resource(spec, "limits", "cpu")),
        hint: "remove the edit or patch that drops it: Girder's `DefaultResources` sets every request and limit",
    },
    Rule {
        id: "CKV_K8S_12",
        title: "Memory requests should be set",
        level: Level::Error,
        kinds: Kinds::Workloads,
        fires: Some(|spec| resource(spec, "requests", "memory")),
        hint: "remove the edit or patch that drops it: Girder's `DefaultResources` sets every request and limit",
    },
    Rule {
        id: "CKV_K8S_13",
        title: "Memory limits should be set",
        level: Level::Error,
        kinds: Kinds::Workloads,
        fires: Some(|spec| resource(spec, "limits", "memory")),
        hint: "remove the edit or patch that drops it: Girder's `DefaultResources` sets every request and limit",
    },
    Rule {
        id: "CKV_K8S_14",
        title: "Image Tag should be fixed - not latest or blank",
        level: Level::Error,
        kinds: Kinds::Workloads,
        fires: Some(|spec| {
            containers(spec).find_map(|(list, c)| {
                let at = format!("spec.{list}[name={}].image", c.name);
                // An empty image is the construct's error ("the image is empty").
                let Some(image) = c.image.as_deref() else {
                    return Some((at, format!("container `{}` names no image", c.name)));
                };
                if pinning(image) != Pinning::Latest {
                    return None;
                }
                let parsed = ImageRef::parse(image).ok()?;
                let what = if parsed.tag().is_some() {
                    "is `latest`"
                } else {
                    "has no tag: it means `latest`"
                };
                Some((
                    at,
                    format!(
                        "image `{image}` {what}, whatever was pushed last; pin it by digest, `{}`, or at least by a release tag",
                        parsed.digest_form()
                    ),
                ))
            })
        }),
        hint: "pin the image by digest (`repository:tag@sha256:<digest>`), or at least by a release tag",
    },
    Rule {
        id: "CKV_K8S_15",
        title: "Image Pull Policy should be Always",
        level: Level::Error,
        kinds: Kinds::Workloads,
        fires: Some(|spec| {
            containers(spec).find_map(|(list, c)| {
                let image = c.image.as_deref()?;
                let policy = c.image_pull_policy.as_deref();
                let fires = match (pinning(image), policy) {
                    (Pinning::Digest, _) | (_, Some("Always")) | (Pinning::Latest, None) => false,
                    (Pinning::Tag, None) | (_, Some(_)) => true,
                };
                // An invalid reference is the construct's error.
                (fires && ImageRef::parse(image).is_ok()).then(|| {
                    (
                        format!("spec.{list}[name={}].imagePullPolicy", c.name),
                        format!(
                            "image `{image}` is pinned by tag, and the pull policy is {}: a node may run an older image of the same tag",
                            policy.map_or_else(|| "unset".to_owned(), |p| format!("`{p}`"))
                        ),
                    )
                })
            })
        }),
        hint: "remove the edit of `imagePullPolicy` (Girder writes `Always` for an image pinned by tag), or pin the image by digest",
    },
    Rule {
        id: "CKV_K8S_22",
        title: "Use read-only filesystem for containers where possible",
        level: Level::Error,
        kinds: Kinds::Workloads,
        fires: Some(|spec| {
            containers(spec).find_map(|(list, c)| {
                let read_only = c
                    .security_context
                    .as_ref()
                    .and_then(|s| s.read_only_root_filesystem);
                (read_only != Some(true)).then(|| {
                    (
                        format!(
                            "spec.{list}[name={}].securityContext.readOnlyRootFilesystem",
                            c.name
                        ),
                        format!("container `{}` can write to its root filesystem", c.name),
                    )
                })
            })
        }),
        hint: "remove the edit: Girder mounts a writable `/tmp`; a workload that writes elsewhere needs a volume there",
    },
    Rule {
        id: "CKV_K8S_25",
        title: "Minimize the admission of containers with added capability",
        level: Level::Error,
        kinds: Kinds::Workloads,
        fires: Some(|spec| {
            containers(spec).find_map(|(list, c)| {
                let added = c
                    .security_context
                    .as_ref()
                    .and_then(|s| s.capabilities.as_ref())
                    .and_then(|caps| caps.add.as_ref())
                    .filter(|add| !add.is_empty())?;
                // Any other capability breaks `restricted`: `pod_security` reports it.
                added.iter().all(|cap| cap == "NET_BIND_SERVICE").then(|| {
                    (
                        format!(
                            "spec.{list}[name={}].securityContext.capabilities.add",
                            c.name
                        ),
                        format!("container `{}` adds capability NET_BIND_SERVICE", c.name),
                    )
                })
            })
        }),
        hint: "listen on a port above 1023 (the Service maps it to the port clients use) and remove the capability",
    },
    Rule {
        id: "CKV_K8S_26",
        title: "Do not specify hostPort unless absolutely necessary",
        level: Level::Error,
        kinds: Kinds::Workloads,
        fires: Some(|spec| {
            containers(spec).find_map(|(list, c)| {
                // Another host port than 0 breaks `restricted`: `pod_security` reports it.
                let port = c.ports.iter().flatten().find(|p| p.host_port.is_some())?;
                (port.host_port == Some(0)).then(|| {
                    (
                        format!("spec.{list}[name={}].ports", c.name),
                        format!(
                            "container `{}` sets `hostPort: 0` on port {}",
                            c.name, port.container_port
                        ),
                    )
                })
            })
        }),
        hint: "remove `hostPort`: it has no effect at 0, and a Service reaches the pod",
    },
    Rule {
        id: "CKV_K8S_29",
        title: "Apply security context to your pods and containers",
        level: Level::Error,
        kinds: Kinds::Workloads,
        fires: Some(|spec| {
            let empty = spec
                .security_context
                .as_ref()
                .is_none_or(|s| *s == PodSecurityContext::default());
            empty.then(|| {
                (
                    "spec.securityContext".to_owned(),
                    "the pod has no security context".to_owned(),
                )
            })
        }),
        hint: "remove the edit that drops it: Girder sets the pod's user, group and seccomp profile",
    },
    Rule {
        id: "CKV_K8S_31",
        title: "Ensure that the seccomp profile is set to docker/default or runtime/default",
        level: Level::Error,
        kinds: Kinds::Workloads,
        fires: Some(|spec| {
            // `restricted` allows RuntimeDefault or Localhost: checkov only the first.
            let pod = spec
                .security_context
                .as_ref()
                .and_then(|s| s.seccomp_profile.as_ref());
            if let Some(profile) = pod {
                return (profile.type_ == "Localhost").then(|| {
                    (
                        "spec.securityContext.seccompProfile.type".to_owned(),
                        "the pod's seccomp profile is `Localhost`, not RuntimeDefault".to_owned(),
                    )
                });
            }
            spec.containers.iter().find_map(|c| {
                let profile = c.security_context.as_ref()?.seccomp_profile.as_ref()?;
                (profile.type_ == "Localhost").then(|| {
                    (
                        format!(
                            "spec.containers[name={}].securityContext.seccompProfile.type",
                            c.name
                        ),
                        format!(
                            "container `{}`'s seccomp profile is `Localhost`, not RuntimeDefault",
                            c.name
                        ),
                    )
                })
            })
        }),
        hint: "remove the edit: Girder sets the RuntimeDefault profile on the pod",
    },
    Rule {
        id: "CKV_K8S_35",
        title: "Prefer using secrets as files over secrets as environment variables",
        level: Level::Error,
        kinds: Kinds::Workloads,
        fires: Some(|spec| {
            containers(spec).find_map(|(list, c)| {
                let env = c.env.iter().flatten().find(|e| {
                    e.value_from
                        .as_ref()
                        .is_some_and(|v| v.secret_key_ref.is_some())
                });
                if let Some(env) = env {
                    return Some((
                        format!("spec.{list}[name={}].env[name={}]", c.name, env.name),
                        format!(
                            "container `{}` reads a Secret into environment variable `{}`",
                            c.name, env.name
                        ),
                    ));
                }
                c.env_from
                    .iter()
                    .flatten()
                    .any(|e| e.secret_ref.is_some())
                    .then(|| {
                        (
                            format!("spec.{list}[name={}].envFrom", c.name),
                            format!(
                                "container `{}` reads a whole Secret into its environment",
                                c.name
                            ),
                        )
                    })
            })
        }),
        hint: "pass the key with `.env(name, secret.key())`, which records why the environment is acceptable, instead of an edit",
    },
    Rule {
        id: "CKV_K8S_38",
        title: "Ensure that Service Account Tokens are only mounted where necessary",
        level: Level::Error,
        kinds: Kinds::Workloads,
        fires: Some(|spec| {
            (spec.automount_service_account_token != Some(false)).then(|| {
                (
                    "spec.automountServiceAccountToken".to_owned(),
                    "the pod mounts a Kubernetes API token".to_owned(),
                )
            })
        }),
        hint: "remove the edit: Girder's pods mount no API token (IRSA projects its own web identity token)",
    },
    Rule {
        id: "CKV_K8S_40",
        title: "Containers should run as a high UID to avoid host conflict",
        level: Level::Error,
        kinds: Kinds::Workloads,
        fires: Some(high_uid),
        hint: "run as a UID of 10000 or more (the workload's `run_as`; Girder's default is 10001), and build the image for it",
    },
    Rule {
        id: "CKV_K8S_43",
        title: "Image should use digest",
        level: Level::Warning,
        kinds: Kinds::Workloads,
        fires: Some(|spec| {
            containers(spec).find_map(|(list, c)| {
                let image = c.image.as_deref()?;
                // No tag or `latest` is CKV_K8S_14's error.
                if pinning(image) != Pinning::Tag {
                    return None;
                }
                let parsed = ImageRef::parse(image).ok()?;
                Some((
                    format!("spec.{list}[name={}].image", c.name),
                    format!(
                        "image `{image}` is pinned by tag only: the registry can move the tag to other bytes; pin the digest too, `{}`",
                        parsed.digest_form()
                    ),
                ))
            })
        }),
        hint: "pin the digest, or accept tags with a reason: `AcceptImageTags::because(\"..\").apply_to(&env)` for an environment, `.accept_image_tag(\"..\")` or `.accept(Check::CKV_K8S_43, \"..\")` for one workload",
    },
    psa("CKV_K8S_16", "Container should not be privileged"),
    psa(
        "CKV_K8S_17",
        "Containers should not share the host process ID namespace",
    ),
    psa(
        "CKV_K8S_18",
        "Containers should not share the host IPC namespace",
    ),
    psa(
        "CKV_K8S_19",
        "Containers should not share the host network namespace",
    ),
    psa(
        "CKV_K8S_20",
        "Containers should not run with allowPrivilegeEscalation",
    ),
    psa("CKV_K8S_23", "Minimize the admission of root containers"),
    psa(
        "CKV_K8S_27",
        "Do not expose the docker daemon socket to containers",
    ),
    psa(
        "CKV_K8S_28",
        "Minimize the admission of containers with the NET_RAW capability",
    ),
    psa("CKV_K8S_30", "Apply security context to your containers"),
    psa(
        "CKV_K8S_37",
        "Minimize the admission of containers with capabilities assigned",
    ),
    psa(
        "CKV_K8S_39",
        "Do not use the CAP_SYS_ADMIN linux capability",
    ),
];

const fn psa(id: &'static str, title: &'static str) -> Rule {
    Rule {
        id,
        title,
        level: Level::PodSecurity,
        kinds: Kinds::Workloads,
        fires: None,
        hint: "",
    }
}

fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// The containers and init containers, as checkov reads them, with their list's name.
fn containers(spec: &PodSpec) -> impl Iterator<Item = (&'static str, &Container)> {
    spec.containers.iter().map(|c| ("containers", c)).chain(
        spec.init_containers
            .iter()
            .flatten()
            .map(|c| ("initContainers", c)),
    )
}

/// How firmly `image` is pinned, as [`ImageRef::pinning`] says of a valid reference, without
/// parsing it (most images pass; a check parses the reference only to report it).
fn pinning(image: &str) -> Pinning {
    if image.contains('@') {
        return Pinning::Digest;
    }
    let name = &image[image.rfind('/').map_or(0, |i| i + 1)..];
    match name.rfind(':').map(|i| &name[i + 1..]) {
        None | Some("latest") => Pinning::Latest,
        Some(_) => Pinning::Tag,
    }
}

fn probe(spec: &PodSpec, field: &str, has: fn(&Container) -> bool) -> Option<Fired> {
    spec.containers.iter().find(|c| !has(c)).map(|c| {
        (
            format!("spec.containers[name={}].{field}", c.name),
            format!("container `{}` has no {field}", c.name),
        )
    })
}

fn resource(spec: &PodSpec, which: &str, key: &str) -> Option<Fired> {
    containers(spec).find_map(|(list, c)| {
        let resources = c.resources.as_ref();
        let map = match which {
            "requests" => resources.and_then(|r| r.requests.as_ref()),
            _ => resources.and_then(|r| r.limits.as_ref()),
        };
        let set = map
            .and_then(|m| m.get(key))
            .is_some_and(|q| !q.0.is_empty());
        (!set).then(|| {
            let what = if which == "requests" {
                "request"
            } else {
                "limit"
            };
            (
                format!("spec.{list}[name={}].resources.{which}.{key}", c.name),
                format!("container `{}` has no {key} {what}", c.name),
            )
        })
    })
}

/// CKV_K8S_40 as checkov decides it: the pod's `runAsUser`, overridden by each container's
/// (only `containers`); a pod in its own user namespace (`hostUsers: false`) passes.
fn high_uid(spec: &PodSpec) -> Option<Fired> {
    const HIGH: i64 = 10000;
    if spec.host_users == Some(false) {
        return None;
    }
    let pod = spec.security_context.as_ref().and_then(|s| s.run_as_user);
    let low = |uid: i64| uid < HIGH;
    for c in &spec.containers {
        let own = c.security_context.as_ref().and_then(|s| s.run_as_user);
        let field = format!("spec.containers[name={}].securityContext.runAsUser", c.name);
        match (own, pod) {
            (Some(uid), _) if low(uid) => {
                return Some((
                    field,
                    format!("container `{}` runs as UID {uid}, below 10000", c.name),
                ));
            }
            (Some(_), _) => {}
            (None, Some(uid)) if low(uid) => {
                return Some((
                    "spec.securityContext.runAsUser".to_owned(),
                    format!("the pod runs as UID {uid}, below 10000"),
                ));
            }
            (None, Some(_)) => {}
            (None, None) => {
                return Some((
                    field,
                    format!(
                        "container `{}` sets no `runAsUser`, nor does the pod: the image's user runs",
                        c.name
                    ),
                ));
            }
        }
    }
    // checkov fails a pod without containers.
    spec.containers.is_empty().then(|| {
        (
            "spec.containers".to_owned(),
            "the pod has no containers".to_owned(),
        )
    })
}

/// One suppression found on an object.
struct Skip<'a> {
    key: &'a str,
    id: &'a str,
    /// The reason, `None` when the value has no `=`.
    reason: Option<&'a str>,
    /// Whether a check that fired used it.
    used: bool,
}

fn skips(meta: &ObjectMeta) -> Vec<Skip<'_>> {
    let Some(annotations) = &meta.annotations else {
        return Vec::new();
    };
    annotations
        .iter()
        .filter(|(key, _)| SKIP_PREFIXES.iter().any(|p| key.contains(p)))
        .map(|(key, value)| {
            let (id, reason) = match value.split_once('=') {
                Some((id, reason)) => (id, Some(reason)),
                None => (value.as_str(), None),
            };
            Skip {
                key,
                id: id.trim(),
                reason,
                used: false,
            }
        })
        .collect()
}

/// Runs the checks on one final object (`object` names it in findings), honouring the
/// suppressions it carries, and checks those suppressions.
pub fn check(object: &str, obj: &dyn Object, out: &mut Vec<Finding>) {
    let meta = obj.meta();
    let mut skips = skips(meta);
    let kind = obj.kind();
    let spec = obj.pod_spec();
    if let Some(spec) = spec {
        for rule in RULES {
            let Some(fires) = rule.fires else { continue };
            if !runs_on(rule, kind) {
                continue;
            }
            let Some((field, message)) = fires(spec) else {
                continue;
            };
            if let Some(skip) = skips.iter_mut().find(|s| s.id == rule.id) {
                skip.used = true;
                continue;
            }
            let hint = if rule.hint.contains(".accept(") {
                rule.hint.to_owned()
            } else {
                format!("{}, {}", rule.hint, ACCEPT.replace("{id}", rule.id))
            };
            let prefix = pod_template_path(obj.api_version(), kind)
                .map(|p| p.join("."))
                .filter(|p| !p.is_empty())
                .map(|p| format!("{p}."))
                .unwrap_or_default();
            let mut finding = Finding::new(
                object,
                format!("{prefix}{field}"),
                format!("{} ({}): {message}", rule.id, rule.title),
                hint,
            );
            if rule.level == Level::Warning {
                finding = finding.into_warning();
            }
            out.push(finding);
        }
    }
    for (i, skip) in skips.iter().enumerate() {
        let field = format!("metadata.annotations.{}", skip.key);
        let mut push = |message: String, hint: &str| {
            out.push(Finding::new(object, field.clone(), message, hint));
        };
        let id = skip.id;
        match skip.reason.map(str::trim) {
            None | Some("") => push(
                format!("the suppression of `{id}` gives no reason"),
                "say why the finding is acceptable here, e.g. `.accept(Check::CKV_K8S_40, \"the vendor image runs as UID 1000\")`",
            ),
            Some(reason) if reason.contains('=') => push(
                format!(
                    "the reason of the suppression of `{id}` contains `=`, which checkov cannot read"
                ),
                "write the reason without `=`",
            ),
            Some(_) => {}
        }
        if skips[..i].iter().any(|s| s.id == id) {
            push(
                format!("`{id}` is suppressed twice"),
                "accept a check once per workload",
            );
            continue;
        }
        let Some(rule) = rule(id) else {
            push(
                format!(
                    "`{id}` is not a checkov check Girder evaluates, so the suppression cannot be shown to have an effect"
                ),
                "remove it; Girder checks CKV_K8S_8 to _15, _22, _25, _26, _29, _31, _35, _38, _40 and _43 (the others the `restricted` Pod Security profile enforces)",
            );
            continue;
        };
        if rule.level == Level::PodSecurity {
            push(
                format!(
                    "`{id}` ({}) cannot be suppressed: the namespaces enforce the `restricted` Pod Security profile, whose API server check refuses such pods whatever checkov is told",
                    rule.title
                ),
                "remove the suppression, and the edit that breaks the profile if there is one",
            );
        } else if spec.is_none() || !runs_on(rule, kind) {
            push(
                format!("`{id}` has no effect here: checkov does not run it on a {kind}"),
                "remove the suppression",
            );
        } else if !skip.used {
            push(
                format!(
                    "`{id}` ({}) would not fire on this object, so its suppression has no effect",
                    rule.title
                ),
                "remove the suppression (or `.accept`), which would otherwise hide a future finding",
            );
        }
    }
}

fn runs_on(rule: &Rule, kind: &str) -> bool {
    match rule.kinds {
        Kinds::Workloads => true,
        Kinds::LongRunning => !matches!(kind, "Job" | "CronJob"),
    }
}

/// Adds `checkov.io/skipN: <id>=<reason>` to `meta`, after the suppressions already there: how
/// a workload accepts a check ([`crate::Overrides::accept`]).
pub fn annotate(meta: &mut ObjectMeta, check: Check, reason: &str) {
    let annotations = meta.annotations.get_or_insert_with(BTreeMap::new);
    let next = annotations
        .keys()
        .filter_map(|k| k.strip_prefix("checkov.io/skip"))
        .filter_map(|n| n.parse::<u32>().ok())
        .max()
        .unwrap_or(0)
        + 1;
    annotations.insert(
        format!("checkov.io/skip{next}"),
        format!("{}={reason}", check.id()),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
    use k8s_openapi::api::batch::v1::{Job, JobSpec};
    use k8s_openapi::api::core::v1::{
        Capabilities, ContainerPort, EnvVar, EnvVarSource, PodTemplateSpec, Probe,
        ResourceRequirements, SeccompProfile, SecretKeySelector, SecurityContext, Service,
        TCPSocketAction,
    };
    use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
    use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

    fn quantities(cpu: &str, memory: &str) -> Option<BTreeMap<String, Quantity>> {
        Some(BTreeMap::from([
            ("cpu".to_owned(), Quantity(cpu.into())),
            ("memory".to_owned(), Quantity(memory.into())),
        ]))
    }

    /// A pod spec as Girder's constructs build it.
    fn girder_pod() -> PodSpec {
        let probe = Probe {
            tcp_socket: Some(TCPSocketAction {
                port: IntOrString::Int(8080),
                host: None,
            }),
            ..Default::default()
        };
        PodSpec {
            automount_service_account_token: Some(false),
            security_context: Some(PodSecurityContext {
                run_as_non_root: Some(true),
                run_as_user: Some(10001),
                seccomp_profile: Some(SeccompProfile {
                    type_: "RuntimeDefault".into(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            containers: vec![Container {
                name: "api".into(),
                image: Some("ghcr.io/acme/api:1.0@sha256:abc".into()),
                image_pull_policy: Some("IfNotPresent".into()),
                liveness_probe: Some(probe.clone()),
                readiness_probe: Some(probe),
                resources: Some(ResourceRequirements {
                    requests: quantities("100m", "128Mi"),
                    limits: quantities("500m", "256Mi"),
                    ..Default::default()
                }),
                security_context: Some(SecurityContext {
                    allow_privilege_escalation: Some(false),
                    read_only_root_filesystem: Some(true),
                    capabilities: Some(Capabilities {
                        drop: Some(vec!["ALL".into()]),
                        add: None,
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    /// The fixture pod's one container.
    fn main(spec: &mut PodSpec) -> &mut Container {
        &mut spec.containers[0]
    }

    /// The container's security context.
    fn container_security(spec: &mut PodSpec) -> &mut SecurityContext {
        main(spec).security_context.get_or_insert_default()
    }

    /// The pod's security context.
    fn pod_security(spec: &mut PodSpec) -> &mut PodSecurityContext {
        spec.security_context.get_or_insert_default()
    }

    /// Which quantities of the container's resources.
    #[derive(Clone, Copy)]
    enum Quantities {
        Requests,
        Limits,
    }
    use Quantities::{Limits, Requests};

    /// The container's requests or limits.
    fn resources(spec: &mut PodSpec, which: Quantities) -> &mut BTreeMap<String, Quantity> {
        let r = main(spec).resources.get_or_insert_default();
        match which {
            Requests => r.requests.get_or_insert_default(),
            Limits => r.limits.get_or_insert_default(),
        }
    }

    /// Sets the container's image and pull policy.
    fn image(spec: &mut PodSpec, image: &str, pull: &str) {
        let c = main(spec);
        c.image = Some(image.into());
        c.image_pull_policy = Some(pull.into());
    }

    /// Metadata named `api` with `skips` as its annotations.
    fn annotated(skips: &[(&str, &str)]) -> ObjectMeta {
        ObjectMeta {
            name: Some("api".into()),
            annotations: (!skips.is_empty()).then(|| {
                skips
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect()
            }),
            ..Default::default()
        }
    }

    fn deployment(spec: PodSpec, skips: &[(&str, &str)]) -> Deployment {
        Deployment {
            metadata: annotated(skips),
            spec: Some(DeploymentSpec {
                template: PodTemplateSpec {
                    metadata: None,
                    spec: Some(spec),
                },
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn run(obj: &dyn Object) -> Vec<Finding> {
        let mut out = Vec::new();
        check("apps/v1 Deployment shop/api", obj, &mut out);
        out
    }

    fn ids(found: &[Finding]) -> Vec<String> {
        found
            .iter()
            .map(|f| {
                f.message
                    .split([' ', '`'])
                    .find(|w| !w.is_empty())
                    .unwrap_or("")
                    .to_owned()
            })
            .collect()
    }

    #[test]
    fn girder_pods_pass_every_check() {
        assert!(run(&deployment(girder_pod(), &[])).is_empty());
    }

    /// Each evaluated check fires on a pod broken for it, and only it (beside those it implies).
    #[test]
    fn each_check_fires_with_its_id_field_and_hint() {
        type Break = fn(&mut PodSpec);
        let cases: &[(&str, Break, &str)] = &[
            (
                "CKV_K8S_8",
                |s| main(s).liveness_probe = None,
                "spec.template.spec.containers[name=api].livenessProbe",
            ),
            (
                "CKV_K8S_9",
                |s| main(s).readiness_probe = None,
                "spec.template.spec.containers[name=api].readinessProbe",
            ),
            (
                "CKV_K8S_10",
                |s| {
                    resources(s, Requests).remove("cpu");
                },
                "spec.template.spec.containers[name=api].resources.requests.cpu",
            ),
            (
                "CKV_K8S_11",
                |s| {
                    resources(s, Limits).remove("cpu");
                },
                "spec.template.spec.containers[name=api].resources.limits.cpu",
            ),
            (
                "CKV_K8S_12",
                |s| {
                    resources(s, Requests).remove("memory");
                },
                "spec.template.spec.containers[name=api].resources.requests.memory",
            ),
            (
                "CKV_K8S_13",
                |s| {
                    resources(s, Limits).remove("memory");
                },
                "spec.template.spec.containers[name=api].resources.limits.memory",
            ),
            (
                "CKV_K8S_14",
                |s| image(s, "ghcr.io/acme/api", "Always"),
                "spec.template.spec.containers[name=api].image",
            ),
            (
                "CKV_K8S_15",
                |s| main(s).image = Some("ghcr.io/acme/api:1.0".into()),
                "spec.template.spec.containers[name=api].imagePullPolicy",
            ),
            (
                "CKV_K8S_22",
                |s| container_security(s).read_only_root_filesystem = Some(false),
                "spec.template.spec.containers[name=api].securityContext.readOnlyRootFilesystem",
            ),
            (
                "CKV_K8S_25",
                |s| {
                    container_security(s)
                        .capabilities
                        .get_or_insert_default()
                        .add = Some(vec!["NET_BIND_SERVICE".into()])
                },
                "spec.template.spec.containers[name=api].securityContext.capabilities.add",
            ),
            (
                "CKV_K8S_26",
                |s| {
                    main(s).ports = Some(vec![ContainerPort {
                        container_port: 8080,
                        host_port: Some(0),
                        ..Default::default()
                    }])
                },
                "spec.template.spec.containers[name=api].ports",
            ),
            (
                "CKV_K8S_29",
                |s| {
                    let pod = s.security_context.take().unwrap_or_default();
                    let c = container_security(s);
                    c.run_as_user = pod.run_as_user;
                    c.seccomp_profile = pod.seccomp_profile;
                    c.run_as_non_root = Some(true);
                },
                "spec.template.spec.securityContext",
            ),
            (
                "CKV_K8S_31",
                |s| {
                    pod_security(s)
                        .seccomp_profile
                        .get_or_insert_default()
                        .type_ = "Localhost".into()
                },
                "spec.template.spec.securityContext.seccompProfile.type",
            ),
            (
                "CKV_K8S_35",
                |s| {
                    main(s).env = Some(vec![EnvVar {
                        name: "TOKEN".into(),
                        value_from: Some(EnvVarSource {
                            secret_key_ref: Some(SecretKeySelector {
                                name: "t".into(),
                                key: "k".into(),
                                optional: None,
                            }),
                            ..Default::default()
                        }),
                        value: None,
                    }])
                },
                "spec.template.spec.containers[name=api].env[name=TOKEN]",
            ),
            (
                "CKV_K8S_38",
                |s| s.automount_service_account_token = None,
                "spec.template.spec.automountServiceAccountToken",
            ),
            (
                "CKV_K8S_40",
                |s| pod_security(s).run_as_user = Some(1000),
                "spec.template.spec.securityContext.runAsUser",
            ),
            (
                "CKV_K8S_43",
                |s| image(s, "ghcr.io/acme/api:1.0", "Always"),
                "spec.template.spec.containers[name=api].image",
            ),
        ];
        for (id, brk, field) in cases {
            let mut spec = girder_pod();
            brk(&mut spec);
            let found = run(&deployment(spec.clone(), &[]));
            // A tag-pinned image pulled `IfNotPresent` is also CKV_K8S_43's warning.
            let expected: &[&str] = if *id == "CKV_K8S_15" {
                &["CKV_K8S_15", "CKV_K8S_43"]
            } else {
                &[*id]
            };
            assert_eq!(ids(&found), expected, "{id}: {found:#?}");
            assert_eq!(found[0].field, *field, "{id}");
            assert!(
                found[0].hint.contains(&format!("`.accept(Check::{id}, ")),
                "{id}: {}",
                found[0].hint
            );
            let warning = matches!(*id, "CKV_K8S_8" | "CKV_K8S_9" | "CKV_K8S_43");
            assert_eq!(found[0].warning, warning, "{id}");
            // Accepted with a reason: silent.
            let skips: Vec<_> = expected
                .iter()
                .enumerate()
                .map(|(i, id)| (format!("checkov.io/skip{i}"), format!("{id}=because")))
                .collect();
            let skips: Vec<_> = skips
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let accepted = run(&deployment(spec, &skips));
            assert!(accepted.is_empty(), "{id}: {accepted:#?}");
        }
    }

    #[test]
    fn every_evaluated_check_has_a_constant() {
        let evaluated: Vec<_> = RULES
            .iter()
            .filter(|r| r.fires.is_some())
            .map(|r| r.id)
            .collect();
        assert_eq!(Check::ALL.map(Check::id).to_vec(), evaluated);
        assert!(Check::ALL.iter().all(|c| !c.title().is_empty()));
    }

    #[test]
    fn uid_follows_checkov_container_overrides() {
        let mut spec = girder_pod();
        container_security(&mut spec).run_as_user = Some(1000);
        assert_eq!(ids(&run(&deployment(spec.clone(), &[]))), ["CKV_K8S_40"]);
        pod_security(&mut spec).run_as_user = Some(1000);
        container_security(&mut spec).run_as_user = Some(20000);
        assert!(run(&deployment(spec.clone(), &[])).is_empty());
        spec.host_users = Some(false);
        container_security(&mut spec).run_as_user = Some(1);
        assert!(run(&deployment(spec, &[])).is_empty());
    }

    #[test]
    fn suppressions_must_have_a_reason_and_an_effect() {
        let found = run(&deployment(
            girder_pod(),
            &[
                ("checkov.io/skip1", "CKV_K8S_40"),
                ("checkov.io/skip2", "CKV_K8S_22="),
                ("checkov.io/skip3", "CKV_K8S_20=needed"),
                ("checkov.io/skip4", "CKV_K8S_999=why"),
                ("checkov.io/skip5", "CKV_K8S_38=a=b"),
                ("checkov.io/skip6", "CKV_K8S_38=again"),
            ],
        ));
        let messages: Vec<_> = found.iter().map(Finding::message).collect();
        let expect = [
            "metadata.annotations.checkov.io/skip1: the suppression of `CKV_K8S_40` gives no reason",
            "metadata.annotations.checkov.io/skip1: `CKV_K8S_40` (Containers should run as a high UID to avoid host conflict) would not fire on this object, so its suppression has no effect",
            "metadata.annotations.checkov.io/skip2: the suppression of `CKV_K8S_22` gives no reason",
            "metadata.annotations.checkov.io/skip2: `CKV_K8S_22` (Use read-only filesystem for containers where possible) would not fire on this object, so its suppression has no effect",
            "metadata.annotations.checkov.io/skip3: `CKV_K8S_20` (Containers should not run with allowPrivilegeEscalation) cannot be suppressed: the namespaces enforce the `restricted` Pod Security profile, whose API server check refuses such pods whatever checkov is told",
            "metadata.annotations.checkov.io/skip4: `CKV_K8S_999` is not a checkov check Girder evaluates, so the suppression cannot be shown to have an effect",
            "metadata.annotations.checkov.io/skip5: the reason of the suppression of `CKV_K8S_38` contains `=`, which checkov cannot read",
            "metadata.annotations.checkov.io/skip5: `CKV_K8S_38` (Ensure that Service Account Tokens are only mounted where necessary) would not fire on this object, so its suppression has no effect",
            "metadata.annotations.checkov.io/skip6: `CKV_K8S_38` is suppressed twice",
        ];
        assert_eq!(messages, expect);
        assert!(found.iter().all(|f| !f.warning));
    }

    #[test]
    fn probes_are_not_checked_on_jobs_and_skips_elsewhere_have_no_effect() {
        let mut spec = girder_pod();
        main(&mut spec).liveness_probe = None;
        let job = Job {
            metadata: annotated(&[("checkov.io/skip1", "CKV_K8S_8=a job")]),
            spec: Some(JobSpec {
                template: PodTemplateSpec {
                    metadata: None,
                    spec: Some(spec),
                },
                ..Default::default()
            }),
            ..Default::default()
        };
        let found = run(&job);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0]
                .message
                .contains("checkov does not run it on a Job")
        );
        let mut service = Service::default();
        annotate(&mut service.metadata, Check::CKV_K8S_40, "no pods");
        let found = run(&service);
        assert!(
            found[0].message.contains("does not run it on a Service"),
            "{found:#?}"
        );
    }

    #[test]
    fn annotate_numbers_after_existing_skips() {
        let mut meta = ObjectMeta {
            annotations: Some(BTreeMap::from([(
                "checkov.io/skip2".to_owned(),
                "CKV_K8S_43=tags".to_owned(),
            )])),
            ..Default::default()
        };
        annotate(&mut meta, Check::CKV_K8S_40, "vendor image");
        assert_eq!(
            meta.annotations.unwrap()["checkov.io/skip3"],
            "CKV_K8S_40=vendor image"
        );
    }
}
