//! Add-ons across objects: an object that only an add-on serves ([`AddOn`]) — a KEDA
//! ScaledObject, a cert-manager Certificate, an Ingress of class `nginx` — has no effect unless
//! its environment installs that add-on (a Flux `HelmRelease` or an Argo CD `Application` of its
//! chart, among the program's objects: [`crate::helm::installers`]) or declares it installed
//! another way ([`crate::Kubernetes::installed_add_on`]).

use std::any::Any;
use std::collections::{BTreeMap, HashSet};

use k8s_openapi::Resource;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::api::networking::v1::Ingress;
use serde_json::Value;

use super::{Finding, Origin};
use crate::crd::argo_cd::Application;
use crate::crd::cert_manager::{ClusterIssuer, ClusterIssuerSpec};
use crate::crd::flux::{HelmRelease, HelmRepository};
use crate::helm::{AddOn, installers};
use crate::object::Object;

/// The label by which kube-prometheus-stack's Grafana finds dashboards.
const GRAFANA_DASHBOARD: &str = "grafana_dashboard";

/// An object's need of an add-on.
#[derive(Debug)]
struct Need {
    origin: Origin,
    add_on: AddOn,
    field: String,
    why: String,
}

/// What the objects of each environment need and install.
#[derive(Debug, Default)]
pub(super) struct AddOns {
    needs: Vec<Need>,
    /// Add-ons declared installed, by environment.
    installed: HashSet<(usize, AddOn)>,
    /// The objects through which a GitOps controller installs charts (Flux HelmRepositories and
    /// HelmReleases, Argo CD Applications), as JSON, by environment.
    gitops: BTreeMap<usize, Vec<Value>>,
    /// Environments without a cluster (Compose projects).
    without_cluster: HashSet<usize>,
}

impl AddOns {
    /// Declares `add_on` installed in environment `env`.
    pub(super) fn installed(&mut self, env: usize, add_on: AddOn) {
        self.installed.insert((env, add_on));
    }

    /// Declares that environment `env` has no cluster: nothing of it needs an add-on.
    pub(super) fn without_cluster(&mut self, env: usize) {
        self.without_cluster.insert(env);
    }

    /// Records that the construct of `origin` needs `add_on` because `why`, shown by `field`
    /// of its object (empty: by the construct itself).
    pub(super) fn need(&mut self, origin: Origin, add_on: AddOn, field: String, why: String) {
        self.needs.push(Need {
            origin,
            add_on,
            field,
            why,
        });
    }

    /// Records what `obj` (typed when its kind is known) needs and installs.
    pub(super) fn observe(&mut self, obj: &dyn Object, origin: &Origin) {
        let any: &dyn Any = obj;
        let mut need = |add_on: AddOn, field: &str, why: String| {
            self.need(origin.clone(), add_on, field.to_owned(), why);
        };
        if let Some(add_on) = AddOn::serving(obj.api_version()) {
            need(
                add_on,
                "apiVersion",
                format!("{} serves {} objects", add_on, obj.kind()),
            );
        }
        if let Some(map) = any.downcast_ref::<ConfigMap>()
            && map
                .metadata
                .labels
                .as_ref()
                .is_some_and(|l| l.contains_key(GRAFANA_DASHBOARD))
        {
            need(
                AddOn::KubePrometheusStack,
                &format!("metadata.labels.{GRAFANA_DASHBOARD}"),
                "its Grafana loads dashboards from ConfigMaps with this label".into(),
            );
        } else if let Some(ingress) = any.downcast_ref::<Ingress>() {
            let class = ingress
                .spec
                .as_ref()
                .and_then(|s| s.ingress_class_name.as_deref());
            if let Some(add_on) = class.and_then(AddOn::ingress_class) {
                need(
                    add_on,
                    "spec.ingressClassName",
                    format!(
                        "{add_on} serves the ingress class `{}`",
                        class.unwrap_or_default()
                    ),
                );
            }
            let annotations = ingress.metadata.annotations.iter().flatten();
            for (key, _) in annotations.filter(|(k, _)| k.starts_with("cert-manager.io/")) {
                need(
                    AddOn::CertManager,
                    &format!("metadata.annotations.{key}"),
                    format!("cert-manager reads the annotation `{key}`"),
                );
            }
        } else if let Some(issuer) = any.downcast_ref::<ClusterIssuer>()
            && let ClusterIssuerSpec::Acme(acme) = &issuer.spec
        {
            for (i, solver) in acme.solvers.iter().enumerate() {
                let class = solver
                    .http01
                    .as_ref()
                    .and_then(|h| h.ingress.as_ref())
                    .and_then(|i| i.ingress_class_name.as_deref());
                if let Some(add_on) = class.and_then(AddOn::ingress_class) {
                    need(
                        add_on,
                        &format!("spec.acme.solvers[{i}].http01.ingress.ingressClassName"),
                        format!(
                            "HTTP-01 challenges are answered through the ingress class `{}`, which {add_on} serves",
                            class.unwrap_or_default()
                        ),
                    );
                }
            }
        }
        let (api_version, kind) = (obj.api_version(), obj.kind());
        let gitops = [
            (HelmRelease::API_VERSION, HelmRelease::KIND),
            (HelmRepository::API_VERSION, HelmRepository::KIND),
            (Application::API_VERSION, Application::KIND),
        ];
        if gitops.contains(&(api_version, kind))
            && let Ok(value) = obj.to_value()
        {
            self.gitops.entry(origin.env).or_default().push(value);
        }
    }

    /// A finding for every need whose add-on its environment neither installs nor declares;
    /// `envs` names the environments by index.
    pub(super) fn check(&self, envs: &[String]) -> Vec<(usize, Finding)> {
        let mut installed = self.installed.clone();
        for (env, objects) in &self.gitops {
            installed.extend(installers(objects).into_iter().map(|i| (*env, i.add_on)));
        }
        // One finding per construct and add-on: an Ingress's class and its issuer's
        // annotation are one missing add-on each, not one per field.
        let mut reported = HashSet::new();
        self.needs
            .iter()
            .filter(|n| reported.insert((n.origin.env, n.origin.construct, n.add_on)))
            .filter(|n| {
                !installed.contains(&(n.origin.env, n.add_on))
                    && !self.without_cluster.contains(&n.origin.env)
            })
            .map(|n| {
                let env = envs.get(n.origin.env).map_or("", String::as_str);
                (
                    n.origin.construct,
                    Finding::new(
                        &n.origin.object,
                        &n.field,
                        format!(
                            "needs {add_on} ({why}), which environment `{env}` neither installs nor declares installed",
                            add_on = n.add_on,
                            why = n.why,
                        ),
                        n.add_on.install_hint(),
                    ),
                )
            })
            .collect()
    }
}
