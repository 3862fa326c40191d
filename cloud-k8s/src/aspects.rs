//! Ready-made aspects for Kubernetes objects: policy a platform team applies to every object.
//!
//! Register them on an app (`app.aspect(CommonLabels::new().label("team", "payments"))`) or on one
//! environment. [`DefaultResources`] also runs as a Girder built-in, after the program's own
//! aspects; the checks of the final objects (resources, pod security, names, …) are in
//! [`crate::rules`], which runs after every aspect, edit and patch.

use std::collections::BTreeMap;

use girder_core::{Aspect, Visit};
use k8s_openapi::api::core::v1::ResourceRequirements;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use crate::object::{Manifest, Object, RawObject, pod_template_path};
use crate::quantity::{Cpu, Memory, Resources};

/// Adds labels to every object (and to the pod templates of workloads).
#[derive(Debug, Clone, Default)]
pub struct CommonLabels {
    labels: BTreeMap<String, String>,
}

impl CommonLabels {
    /// No labels yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one label.
    #[must_use]
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }
}

impl Aspect<Manifest> for CommonLabels {
    fn visit(&self, m: &mut Manifest, _visit: &mut Visit<'_>) {
        let obj = m.object_mut();
        let labels = obj.meta_mut().labels.get_or_insert_with(BTreeMap::new);
        labels.extend(self.labels.clone());
        if let Some(meta) = obj.pod_template_mut().and_then(|t| t.metadata) {
            let labels = meta.labels.get_or_insert_with(BTreeMap::new);
            labels.extend(self.labels.clone());
        }
    }
}

/// Adds annotations to every object.
#[derive(Debug, Clone, Default)]
pub struct CommonAnnotations {
    annotations: BTreeMap<String, String>,
}

impl CommonAnnotations {
    /// No annotations yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one annotation.
    #[must_use]
    pub fn annotation(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.annotations.insert(key.into(), value.into());
        self
    }
}

impl Aspect<Manifest> for CommonAnnotations {
    fn visit(&self, m: &mut Manifest, _visit: &mut Visit<'_>) {
        let meta = m.object_mut().meta_mut();
        meta.annotations
            .get_or_insert_with(BTreeMap::new)
            .extend(self.annotations.clone());
    }
}

/// Fails synth for any container image outside the allowed registries.
#[derive(Debug, Clone, Default)]
pub struct ImageAllowList {
    prefixes: Vec<String>,
}

impl ImageAllowList {
    /// Allows images whose reference starts with one of `prefixes` (e.g. `ghcr.io/acme/`).
    pub fn new(prefixes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        ImageAllowList {
            prefixes: prefixes.into_iter().map(Into::into).collect(),
        }
    }
}

impl Aspect<Manifest> for ImageAllowList {
    fn visit(&self, m: &mut Manifest, visit: &mut Visit<'_>) {
        let bad: Vec<String> = m
            .object()
            .images()
            .into_iter()
            .filter(|image| !self.prefixes.iter().any(|p| image.starts_with(p.as_str())))
            .collect();
        for image in bad {
            visit.error(
                format!("image `{image}` is not from an allowed registry"),
                format!("use an image from {}", self.prefixes.join(", ")),
            );
        }
    }
}

/// Fills the requests and limits a container leaves unset. A filled limit is never below the
/// container's own request, and a filled request never above its own limit.
#[derive(Debug, Clone, Copy)]
pub struct DefaultResources(pub Resources);

impl DefaultResources {
    /// Girder's defaults ([`Resources::GIRDER_DEFAULT`]).
    pub fn girder() -> Self {
        DefaultResources(Resources::GIRDER_DEFAULT)
    }
}

fn quantity(map: &Option<BTreeMap<String, Quantity>>, key: &str) -> Option<String> {
    map.as_ref()?.get(key).map(|q| q.0.clone())
}

impl Aspect<Manifest> for DefaultResources {
    fn visit(&self, m: &mut Manifest, _visit: &mut Visit<'_>) {
        self.fill(m);
    }
}

impl DefaultResources {
    /// Fills the requests and limits the containers of `m` leave unset (as the aspect does).
    pub fn fill(&self, m: &mut Manifest) {
        if let Some(raw) = m.downcast_mut::<RawObject>() {
            self.fill_raw(raw);
            return;
        }
        let Some(spec) = m.object_mut().pod_spec_mut() else {
            return;
        };
        for c in spec
            .containers
            .iter_mut()
            .chain(spec.init_containers.iter_mut().flatten())
        {
            self.fill_one(
                c.resources
                    .get_or_insert_with(ResourceRequirements::default),
            );
        }
    }

    fn fill_one(&self, r: &mut ResourceRequirements) {
        let d = self.0;
        fill::<Cpu>(r, "cpu", d.cpu_request, d.cpu_limit);
        fill::<Memory>(r, "memory", d.memory_request, d.memory_limit);
    }

    /// Fills a JSON-patched workload's containers as [`DefaultResources::fill`] does a typed one.
    fn fill_raw(&self, raw: &mut RawObject) {
        let Some(path) = pod_template_path(raw.api_version(), raw.kind()) else {
            return;
        };
        let rest = raw.rest_mut();
        let node = match path.split_first() {
            // A Pod is its own template.
            None => rest.get_mut("spec"),
            Some((first, more)) => {
                let mut node = rest.get_mut(*first);
                for key in more {
                    node = node.and_then(|n| n.get_mut(*key));
                }
                node.and_then(|n| n.get_mut("spec"))
            }
        };
        let Some(spec) = node else { return };
        for list in ["containers", "initContainers"] {
            let containers = spec.get_mut(list).and_then(|c| c.as_array_mut());
            for c in containers.into_iter().flatten() {
                let Some(c) = c.as_object_mut() else { continue };
                let mut r = c
                    .get("resources")
                    .and_then(|r| serde_json::from_value::<ResourceRequirements>(r.clone()).ok())
                    .unwrap_or_default();
                self.fill_one(&mut r);
                if let Ok(value) = serde_json::to_value(&r) {
                    c.insert("resources".into(), value);
                }
            }
        }
    }
}

fn fill<Q>(r: &mut ResourceRequirements, key: &str, request: Option<Q>, limit: Option<Q>)
where
    Q: std::str::FromStr + Ord + Copy + std::fmt::Display,
{
    let own_request = quantity(&r.requests, key).and_then(|q| q.parse::<Q>().ok());
    let own_limit = quantity(&r.limits, key).and_then(|q| q.parse::<Q>().ok());
    let has_request = quantity(&r.requests, key).is_some();
    let has_limit = quantity(&r.limits, key).is_some();
    if !has_request && let Some(req) = request {
        let req = own_limit.map_or(req, |l| req.min(l));
        r.requests
            .get_or_insert_with(BTreeMap::new)
            .insert(key.into(), Quantity(req.to_string()));
    }
    if !has_limit && let Some(lim) = limit {
        let lim = own_request.map_or(lim, |q| lim.max(q));
        r.limits
            .get_or_insert_with(BTreeMap::new)
            .insert(key.into(), Quantity(lim.to_string()));
    }
}
