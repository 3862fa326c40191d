//! The Pod Security Standards' `restricted` profile, checked at synth on every pod template.
//!
//! Girder labels its namespaces `pod-security.kubernetes.io/enforce: restricted`, so the API
//! server's Pod Security Admission would refuse (or, for a Deployment, silently never create) a
//! pod that breaks one of these rules. The rules and their field lists are those of
//! <https://kubernetes.io/docs/concepts/security/pod-security-standards/> ("latest", as the
//! namespaces pin `enforce-version: latest`): the `baseline` controls, which `restricted`
//! includes, then the `restricted` ones. Each check below quotes the control it implements.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Capabilities, PodSpec, SELinuxOptions, SeccompProfile, SecurityContext,
    WindowsSecurityContextOptions,
};

use super::Finding;

/// The namespace label Girder enforces the profile with.
pub const ENFORCE_LABEL: &str = "pod-security.kubernetes.io/enforce";

/// Baseline, "Sysctls": the safe set, allowed in every profile.
const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];

/// Baseline, "SELinux": the allowed `seLinuxOptions.type` values.
const SELINUX_TYPES: &[&str] = &[
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

const HINT_DEFAULTS: &str = "remove the edit: Girder's pods already meet the `restricted` profile (non-root, no privilege escalation, all capabilities dropped, RuntimeDefault seccomp)";

/// One container's place and settings, as the checks need them.
struct Container<'a> {
    field: String,
    ports: Vec<i32>,
    security: Option<&'a SecurityContext>,
}

/// Checks one pod template (`field` is its path in the object, e.g. `spec.template`, empty for a
/// `Pod`) against the `restricted` profile.
pub fn check(
    object: &str,
    field: &str,
    annotations: Option<&BTreeMap<String, String>>,
    spec: &PodSpec,
    out: &mut Vec<Finding>,
) {
    let at = |rest: &str| {
        if field.is_empty() {
            rest.to_owned()
        } else {
            format!("{field}.{rest}")
        }
    };
    let mut push = |path: String, message: String, hint: &str| {
        out.push(Finding::new(object, path, message, hint));
    };
    let pod_sc = spec.security_context.as_ref();
    let windows = spec.os.as_ref().is_some_and(|os| os.name == "windows");

    // Baseline, "Host Namespaces": hostNetwork, hostPID and hostIPC must be unset or false.
    for (name, value) in [
        ("hostNetwork", spec.host_network),
        ("hostPID", spec.host_pid),
        ("hostIPC", spec.host_ipc),
    ] {
        if value == Some(true) {
            push(
                at(&format!("spec.{name}")),
                format!(
                    "`{name}: true` shares the node's namespaces (Pod Security `baseline` forbids it)"
                ),
                HINT_DEFAULTS,
            );
        }
    }
    // Baseline, "HostProcess": windowsOptions.hostProcess must be unset or false.
    if host_process(pod_sc.and_then(|s| s.windows_options.as_ref())) {
        push(
            at("spec.securityContext.windowsOptions.hostProcess"),
            "a HostProcess pod has the node's privileges (Pod Security `baseline` forbids it)"
                .into(),
            HINT_DEFAULTS,
        );
    }
    // Baseline, "Sysctls": only the safe set.
    for sysctl in pod_sc
        .and_then(|s| s.sysctls.as_ref())
        .into_iter()
        .flatten()
    {
        if !SAFE_SYSCTLS.contains(&sysctl.name.as_str()) {
            push(
                at("spec.securityContext.sysctls"),
                format!(
                    "sysctl `{}` is not in the safe set (Pod Security `baseline`)",
                    sysctl.name
                ),
                "remove it, or set it on the nodes",
            );
        }
    }
    // Baseline, "SELinux" at pod level.
    if let Some(problem) = selinux(pod_sc.and_then(|s| s.se_linux_options.as_ref())) {
        push(
            at("spec.securityContext.seLinuxOptions"),
            problem,
            HINT_DEFAULTS,
        );
    }
    // Baseline, "AppArmor": the pod's profile, and the annotations of older clusters.
    if let Some(t) = pod_sc
        .and_then(|s| s.app_armor_profile.as_ref())
        .map(|p| p.type_.as_str())
        && !matches!(t, "RuntimeDefault" | "Localhost")
    {
        push(
            at("spec.securityContext.appArmorProfile.type"),
            format!(
                "AppArmor profile `{t}` (Pod Security `baseline` allows RuntimeDefault or Localhost)"
            ),
            HINT_DEFAULTS,
        );
    }
    for (key, value) in annotations.into_iter().flatten() {
        if key.starts_with("container.apparmor.security.beta.kubernetes.io/")
            && value != "runtime/default"
            && !value.starts_with("localhost/")
        {
            push(
                at(&format!("metadata.annotations.{key}")),
                format!(
                    "AppArmor profile `{value}` (Pod Security `baseline` allows runtime/default or localhost/*)"
                ),
                HINT_DEFAULTS,
            );
        }
    }
    // Restricted, "Volume Types": only configMap, csi, downwardAPI, emptyDir, ephemeral,
    // persistentVolumeClaim, projected and secret (baseline already forbids hostPath).
    for volume in spec.volumes.iter().flatten() {
        let v = volume;
        let allowed = v.config_map.is_some()
            || v.csi.is_some()
            || v.downward_api.is_some()
            || v.empty_dir.is_some()
            || v.ephemeral.is_some()
            || v.persistent_volume_claim.is_some()
            || v.projected.is_some()
            || v.secret.is_some();
        if !allowed {
            let what = if v.host_path.is_some() {
                "a hostPath volume mounts the node's files"
            } else {
                "its type is not one the profile allows"
            };
            push(
                at(&format!("spec.volumes[name={}]", v.name)),
                format!(
                    "volume `{}`: {what} (Pod Security `restricted` allows configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret)",
                    v.name
                ),
                "use a PersistentVolumeClaim, a ConfigMap, a Secret or an emptyDir",
            );
        }
    }

    let pod_non_root = pod_sc.and_then(|s| s.run_as_non_root) == Some(true);
    let pod_seccomp = pod_sc.and_then(|s| s.seccomp_profile.as_ref());
    // Baseline, "Seccomp": the pod's profile must not be Unconfined.
    // Restricted, "Seccomp": RuntimeDefault or Localhost, at pod level or on every container.
    let pod_seccomp_ok = pod_seccomp.is_some_and(seccomp_confined);
    if pod_seccomp.is_some_and(|p| !seccomp_confined(p)) {
        push(
            at("spec.securityContext.seccompProfile.type"),
            "the pod's seccomp profile is not RuntimeDefault or Localhost (Pod Security `restricted`)".into(),
            HINT_DEFAULTS,
        );
    }
    // Restricted, "Running as Non-root user": runAsUser must not be 0.
    if pod_sc.and_then(|s| s.run_as_user) == Some(0) {
        push(
            at("spec.securityContext.runAsUser"),
            "the pod runs as user 0 (root) (Pod Security `restricted`)".into(),
            "run as a non-root user (the workload's `run_as`)",
        );
    }

    let containers = spec
        .containers
        .iter()
        .map(|c| {
            (
                "containers",
                &c.name,
                c.ports.as_deref(),
                c.security_context.as_ref(),
            )
        })
        .chain(spec.init_containers.iter().flatten().map(|c| {
            (
                "initContainers",
                &c.name,
                c.ports.as_deref(),
                c.security_context.as_ref(),
            )
        }))
        .chain(spec.ephemeral_containers.iter().flatten().map(|c| {
            (
                "ephemeralContainers",
                &c.name,
                c.ports.as_deref(),
                c.security_context.as_ref(),
            )
        }))
        .map(|(list, name, ports, security)| Container {
            field: at(&format!("spec.{list}[name={name}]")),
            ports: ports
                .into_iter()
                .flatten()
                .filter_map(|p| p.host_port)
                .filter(|p| *p != 0)
                .collect(),
            security,
        });
    for c in containers {
        let sc = c.security;
        let f = |rest: &str| format!("{}.{rest}", c.field);
        // Baseline, "Host Ports": hostPort must be unset or 0.
        for port in &c.ports {
            push(
                f("ports"),
                format!(
                    "host port {port} binds the node's network (Pod Security `baseline` forbids it)"
                ),
                "remove `hostPort`: a Service reaches the pod",
            );
        }
        // Baseline, "Privileged Containers".
        if sc.and_then(|s| s.privileged) == Some(true) {
            push(
                f("securityContext.privileged"),
                "a privileged container has every device and capability of the node (Pod Security `baseline` forbids it)".into(),
                HINT_DEFAULTS,
            );
        }
        // Baseline, "HostProcess".
        if host_process(sc.and_then(|s| s.windows_options.as_ref())) {
            push(
                f("securityContext.windowsOptions.hostProcess"),
                "a HostProcess container has the node's privileges (Pod Security `baseline` forbids it)".into(),
                HINT_DEFAULTS,
            );
        }
        // Baseline, "/proc Mount Type": unset or Default.
        if let Some(mount) = sc.and_then(|s| s.proc_mount.as_deref())
            && mount != "Default"
        {
            push(
                f("securityContext.procMount"),
                format!(
                    "procMount `{mount}` unmasks /proc (Pod Security `baseline` allows Default)"
                ),
                HINT_DEFAULTS,
            );
        }
        // Baseline, "SELinux".
        if let Some(problem) = selinux(sc.and_then(|s| s.se_linux_options.as_ref())) {
            push(f("securityContext.seLinuxOptions"), problem, HINT_DEFAULTS);
        }
        // Baseline, "AppArmor".
        if let Some(t) = sc
            .and_then(|s| s.app_armor_profile.as_ref())
            .map(|p| p.type_.as_str())
            && !matches!(t, "RuntimeDefault" | "Localhost")
        {
            push(
                f("securityContext.appArmorProfile.type"),
                format!(
                    "AppArmor profile `{t}` (Pod Security `baseline` allows RuntimeDefault or Localhost)"
                ),
                HINT_DEFAULTS,
            );
        }
        // Restricted, "Running as Non-root": runAsNonRoot true on the container, or on the pod
        // and not false on the container.
        match sc.and_then(|s| s.run_as_non_root) {
            Some(true) => {}
            Some(false) => push(
                f("securityContext.runAsNonRoot"),
                "`runAsNonRoot: false` (Pod Security `restricted` requires true)".into(),
                HINT_DEFAULTS,
            ),
            None if !pod_non_root => push(
                f("securityContext.runAsNonRoot"),
                "neither the container nor the pod sets `runAsNonRoot: true` (Pod Security `restricted`)".into(),
                HINT_DEFAULTS,
            ),
            None => {}
        }
        // Restricted, "Running as Non-root user".
        if sc.and_then(|s| s.run_as_user) == Some(0) {
            push(
                f("securityContext.runAsUser"),
                "the container runs as user 0 (root) (Pod Security `restricted`)".into(),
                "run as a non-root user (the workload's `run_as`)",
            );
        }
        // Restricted, "Seccomp": containers may not be Unconfined and, without a pod
        // profile, must set RuntimeDefault or Localhost.
        match sc.and_then(|s| s.seccomp_profile.as_ref()) {
            Some(p) if !seccomp_confined(p) => push(
                f("securityContext.seccompProfile.type"),
                format!("seccomp profile `{}` (Pod Security `restricted` allows RuntimeDefault or Localhost)", p.type_),
                HINT_DEFAULTS,
            ),
            None if !pod_seccomp_ok && !windows => push(
                f("securityContext.seccompProfile"),
                "no seccomp profile on the container or the pod (Pod Security `restricted` requires RuntimeDefault or Localhost)".into(),
                HINT_DEFAULTS,
            ),
            _ => {}
        }
        if windows {
            // The remaining restricted controls are Linux-only.
            continue;
        }
        // Restricted, "Privilege Escalation": allowPrivilegeEscalation must be false.
        if sc.and_then(|s| s.allow_privilege_escalation) != Some(false) {
            push(
                f("securityContext.allowPrivilegeEscalation"),
                "`allowPrivilegeEscalation` is not false (Pod Security `restricted` requires false)".into(),
                HINT_DEFAULTS,
            );
        }
        // Restricted, "Capabilities": drop ALL; add at most NET_BIND_SERVICE.
        let caps: Option<&Capabilities> = sc.and_then(|s| s.capabilities.as_ref());
        if !caps
            .and_then(|c| c.drop.as_ref())
            .is_some_and(|d| d.iter().any(|c| c == "ALL"))
        {
            push(
                f("securityContext.capabilities.drop"),
                "the container does not drop ALL capabilities (Pod Security `restricted`)".into(),
                HINT_DEFAULTS,
            );
        }
        for added in caps.and_then(|c| c.add.as_ref()).into_iter().flatten() {
            if added != "NET_BIND_SERVICE" {
                push(
                    f("securityContext.capabilities.add"),
                    format!(
                        "capability `{added}` is added (Pod Security `restricted` allows only NET_BIND_SERVICE)"
                    ),
                    "remove it: a pod that needs it belongs outside a restricted namespace, which Girder does not build",
                );
            }
        }
    }
}

fn host_process(options: Option<&WindowsSecurityContextOptions>) -> bool {
    options.and_then(|o| o.host_process) == Some(true)
}

fn seccomp_confined(profile: &SeccompProfile) -> bool {
    matches!(profile.type_.as_str(), "RuntimeDefault" | "Localhost")
}

fn selinux(options: Option<&SELinuxOptions>) -> Option<String> {
    let options = options?;
    if let Some(t) = options.type_.as_deref()
        && !t.is_empty()
        && !SELINUX_TYPES.contains(&t)
    {
        return Some(format!(
            "SELinux type `{t}` (Pod Security `baseline` allows container_t, container_init_t, container_kvm_t and container_engine_t)"
        ));
    }
    (options.user.as_deref().is_some_and(|u| !u.is_empty())
        || options.role.as_deref().is_some_and(|r| !r.is_empty()))
    .then(|| "a custom SELinux user or role (Pod Security `baseline` forbids them)".to_owned())
}

/// Checks a `Namespace` object keeps Girder's `restricted` enforcement (an edit or patch may
/// not lower it).
pub fn check_namespace(
    object: &str,
    labels: Option<&BTreeMap<String, String>>,
    out: &mut Vec<Finding>,
) {
    let level = labels.and_then(|l| l.get(ENFORCE_LABEL));
    if level.map(String::as_str) != Some("restricted") {
        out.push(Finding::new(
            object,
            format!("metadata.labels.{ENFORCE_LABEL}"),
            format!(
                "the namespace does not enforce the `restricted` Pod Security Standard (it is {})",
                level.map_or_else(|| "unset".to_owned(), |l| format!("`{l}`"))
            ),
            "remove the edit that changes the label: Girder's pods are built for `restricted`",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{
        Container, ContainerPort, HostPathVolumeSource, PodSecurityContext, Volume,
    };

    /// A pod spec like the ones Girder's constructs build.
    fn girder_pod() -> PodSpec {
        PodSpec {
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
                security_context: Some(SecurityContext {
                    allow_privilege_escalation: Some(false),
                    privileged: Some(false),
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

    fn fields(spec: &PodSpec) -> Vec<String> {
        let mut out = Vec::new();
        check("o", "spec.template", None, spec, &mut out);
        out.into_iter().map(|f| f.field).collect()
    }

    fn container(spec: &mut PodSpec) -> &mut SecurityContext {
        spec.containers[0].security_context.get_or_insert_default()
    }

    #[test]
    fn girder_pods_meet_the_profile() {
        assert!(fields(&girder_pod()).is_empty());
    }

    #[test]
    fn host_namespaces_privileges_and_capabilities_are_refused() {
        let mut spec = girder_pod();
        spec.host_network = Some(true);
        spec.host_pid = Some(true);
        spec.host_ipc = Some(true);
        container(&mut spec).privileged = Some(true);
        container(&mut spec).allow_privilege_escalation = None;
        container(&mut spec).capabilities = Some(Capabilities {
            add: Some(vec!["SYS_ADMIN".into(), "NET_BIND_SERVICE".into()]),
            drop: None,
        });
        spec.containers[0].ports = Some(vec![ContainerPort {
            container_port: 80,
            host_port: Some(80),
            ..Default::default()
        }]);
        let f = fields(&spec);
        let c = "spec.template.spec.containers[name=api]";
        for want in [
            "spec.template.spec.hostNetwork".to_owned(),
            "spec.template.spec.hostPID".to_owned(),
            "spec.template.spec.hostIPC".to_owned(),
            format!("{c}.securityContext.privileged"),
            format!("{c}.securityContext.allowPrivilegeEscalation"),
            format!("{c}.securityContext.capabilities.drop"),
            format!("{c}.securityContext.capabilities.add"),
            format!("{c}.ports"),
        ] {
            assert!(f.contains(&want), "{want} missing from {f:?}");
        }
        // NET_BIND_SERVICE is allowed: only SYS_ADMIN is reported.
        assert_eq!(
            f.iter().filter(|x| x.ends_with("capabilities.add")).count(),
            1
        );
    }

    #[test]
    fn root_seccomp_and_volumes_are_refused() {
        let mut spec = girder_pod();
        spec.security_context = None;
        spec.volumes = Some(vec![Volume {
            name: "node".into(),
            host_path: Some(HostPathVolumeSource {
                path: "/".into(),
                type_: None,
            }),
            ..Default::default()
        }]);
        container(&mut spec).run_as_user = Some(0);
        let f = fields(&spec);
        let c = "spec.template.spec.containers[name=api]";
        for want in [
            format!("{c}.securityContext.runAsNonRoot"),
            format!("{c}.securityContext.runAsUser"),
            format!("{c}.securityContext.seccompProfile"),
            "spec.template.spec.volumes[name=node]".to_owned(),
        ] {
            assert!(f.contains(&want), "{want} missing from {f:?}");
        }
        let mut unconfined = girder_pod();
        container(&mut unconfined).seccomp_profile = Some(SeccompProfile {
            type_: "Unconfined".into(),
            ..Default::default()
        });
        assert_eq!(
            fields(&unconfined),
            [format!("{c}.securityContext.seccompProfile.type")]
        );
    }

    #[test]
    fn namespaces_must_enforce_restricted() {
        let mut out = Vec::new();
        let labels = BTreeMap::from([(ENFORCE_LABEL.to_owned(), "privileged".to_owned())]);
        check_namespace("v1 Namespace shop", Some(&labels), &mut out);
        check_namespace("v1 Namespace shop", None, &mut out);
        assert_eq!(out.len(), 2);
        let ok = BTreeMap::from([(ENFORCE_LABEL.to_owned(), "restricted".to_owned())]);
        check_namespace("v1 Namespace shop", Some(&ok), &mut out);
        assert_eq!(out.len(), 2);
    }
}
