//! Custom resources from Rust types: a program's own `CustomResourceDefinition`s and their
//! objects, from kube's `#[derive(CustomResource)]` (with schemars' `JsonSchema` for the schema).
//!
//! [`Crd`] emits the definition of a derived type `T` in the cluster's `_cluster.yaml`, and
//! [`CustomObject`] emits an object of `T` in a namespace (or, for a cluster-scoped kind, in the
//! cluster). Both go through the whole pipeline: aspects, then Girder's checks on the final
//! objects, where
//! - the definition's schema must be structural ([`crate::rules::structural`]): a violation is a
//!   synth error naming the construct, the JSON path in the schema and what to change in the
//!   Rust type;
//! - an object of `T` is refused unless the program emits `T`'s definition ([`Crd`]) or declares
//!   it installed ([`Kubernetes::installed`] does not apply: a derived type is not a
//!   `k8s_openapi::Resource`, so use [`installed`]);
//! - in each file the definition comes before the objects of its kind (kinds Girder does not
//!   know are written last), and `deploy` applies definitions first.
//!
//! The derive lives in the program: add `kube = { version = "5", default-features = false,
//! features = ["derive"] }` (no client: neither hyper nor tokio), `schemars = "1"`, `serde`
//! and `serde_json` to its `[dependencies]`; the code kube generates names these crates by path.
//! It also names `k8s_openapi`: a program that takes it through Girder rather than as a
//! dependency of its own says so with `#[kube(crates(k8s_openapi = "girder::k8s_openapi"))]`.
//! A namespaced kind only goes into a namespace and a cluster-scoped kind only into the cluster:
//! the other way does not compile.
//!
//! ```
//! use girder_core::App;
//! use girder_k8s::KubernetesExt;
//! use girder_k8s::custom::{Crd, CustomObject};
//! use kube::CustomResource;
//! use schemars::JsonSchema;
//! use serde::{Deserialize, Serialize};
//!
//! girder_core::environment!(pub Prod = "prod");
//! girder_k8s::namespace!(pub Shop = "shop");
//!
//! /// A backup schedule our operator reconciles.
//! #[derive(CustomResource, JsonSchema, Serialize, Deserialize, Clone, Debug)]
//! #[kube(group = "platform.example.com", version = "v1", kind = "Backup", namespaced)]
//! pub struct BackupSpec {
//!     /// A cron schedule.
//!     pub schedule: String,
//!     /// How many backups to keep.
//!     pub keep: u32,
//! }
//!
//! let app = App::new("store");
//! let k8s = app.environment(Prod).kubernetes();
//! let shop = k8s.namespace(Shop);
//! Crd::<Backup>::new(&k8s);
//! let nightly = CustomObject::new(
//!     &shop,
//!     Backup::new("nightly", BackupSpec { schedule: "0 3 * * *".into(), keep: 7 }),
//! );
//! assert_eq!(nightly.name(), "nightly");
//! ```
//!
//! A cluster-scoped object in a namespace does not compile:
//!
//! ```compile_fail
//! # use girder_core::App;
//! # use girder_k8s::KubernetesExt;
//! # use girder_k8s::custom::CustomObject;
//! # use kube::CustomResource;
//! # use schemars::JsonSchema;
//! # use serde::{Deserialize, Serialize};
//! # girder_core::environment!(pub Prod = "prod");
//! # girder_k8s::namespace!(pub Shop = "shop");
//! #[derive(CustomResource, JsonSchema, Serialize, Deserialize, Clone, Debug)]
//! #[kube(group = "platform.example.com", version = "v1", kind = "Tenant")] // no `namespaced`
//! pub struct TenantSpec {
//!     pub owner: String,
//! }
//! let app = App::new("store");
//! let shop = app.environment(Prod).kubernetes().namespace(Shop);
//! CustomObject::new(&shop, Tenant::new("acme", TenantSpec { owner: "ops".into() }));
//! ```
//!
//! Third-party CRDs become Rust types with [kopium](https://github.com/kube-rs/kopium)
//! (`kopium -f crd.yaml > src/crd.rs`): the types it writes derive `CustomResource`, so their
//! objects are [`CustomObject`]s; declare the operator's kinds [`installed`] rather than emitting
//! a [`Crd`] another installer owns.

use std::any::TypeId;
use std::marker::PhantomData;

use girder_core::{
    Construct, Context, Diagnostic, Diagnostics, Emitted, EnvironmentName, Handle, NodeId,
};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::{ClusterResourceScope, NamespaceResourceScope};
use serde::Serialize;
use serde_json::Value;

pub use kube_core::CustomResourceExt;

use crate::labels::Labels;
use crate::object::{Manifest, Object, PodTemplate, PodTemplateMut};
use crate::scope::{InstalledKinds, Kubernetes, NamespaceScope};

/// A custom resource type derived with kube's `#[derive(CustomResource)]`: the generated root
/// type (named after the `kind`), which carries its definition ([`CustomResourceExt::crd`]).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a custom resource type derived with kube's `#[derive(CustomResource)]`",
    note = "derive it on the spec struct: `#[derive(CustomResource, JsonSchema, Serialize, Deserialize, Clone, Debug)]` with `#[kube(group = \"...\", version = \"...\", kind = \"...\")]`, then use the generated type named after the `kind`, not the spec"
)]
pub trait DerivedResource:
    kube_core::Resource<DynamicType = ()> + CustomResourceExt + Serialize + Clone + 'static
{
}

#[diagnostic::do_not_recommend]
impl<T> DerivedResource for T where
    T: kube_core::Resource<DynamicType = ()> + CustomResourceExt + Serialize + Clone + 'static
{
}

/// An object of a derived custom resource type `T`, as Girder emits it: an [`Object`] (`T`
/// itself is a `kube_core::Resource`, not a `k8s_openapi::Resource`). Aspects reach the typed
/// object with `manifest.downcast_mut::<Custom<T>>()`.
#[derive(Debug, Clone)]
pub struct Custom<T> {
    object: T,
    api_version: String,
    kind: String,
}

impl<T: DerivedResource> Custom<T> {
    /// Wraps `object`.
    pub fn new(object: T) -> Self {
        Custom {
            api_version: T::api_version(&()).into_owned(),
            kind: T::kind(&()).into_owned(),
            object,
        }
    }

    /// The typed object.
    pub fn get(&self) -> &T {
        &self.object
    }

    /// The typed object, to change (in an aspect).
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.object
    }
}

impl<T: DerivedResource> Object for Custom<T> {
    fn api_version(&self) -> &str {
        &self.api_version
    }
    fn kind(&self) -> &str {
        &self.kind
    }
    fn cluster_scoped(&self) -> bool {
        TypeId::of::<T::Scope>() == TypeId::of::<ClusterResourceScope>()
    }
    fn meta(&self) -> &ObjectMeta {
        self.object.meta()
    }
    fn meta_mut(&mut self) -> &mut ObjectMeta {
        self.object.meta_mut()
    }
    fn pod_template(&self) -> Option<PodTemplate<'_>> {
        None
    }
    fn pod_template_mut(&mut self) -> Option<PodTemplateMut<'_>> {
        None
    }
    fn to_value(&self) -> Result<Value, serde_json::Error> {
        serde_json::to_value(&self.object)
    }
    fn write_yaml(&self, out: &mut String) -> Result<(), crate::emit::EmitError> {
        crate::emit::to_yaml(out, &self.object)
    }
}

/// Declares that the cluster serves the derived custom resource `T` although the program does
/// not emit its definition (an operator's Helm chart installed it): objects of `T` then pass the
/// check of API versions and kinds. The counterpart of [`Kubernetes::installed`] for derived
/// types.
///
/// ```
/// # use girder_core::App;
/// # use girder_k8s::KubernetesExt;
/// # use kube::CustomResource;
/// # use schemars::JsonSchema;
/// # use serde::{Deserialize, Serialize};
/// # girder_core::environment!(pub Prod = "prod");
/// #[derive(CustomResource, JsonSchema, Serialize, Deserialize, Clone, Debug)]
/// #[kube(group = "platform.example.com", version = "v1", kind = "Backup", namespaced)]
/// pub struct BackupSpec {
///     pub schedule: String,
/// }
/// let app = App::new("store");
/// girder_k8s::custom::installed::<Backup, _>(&app.environment(Prod).kubernetes());
/// ```
pub fn installed<T: DerivedResource, E: EnvironmentName>(cluster: &Kubernetes<E>) {
    InstalledKinds::declare(cluster.app(), E::NAME, &T::api_version(&()), &T::kind(&()));
}

/// The `CustomResourceDefinition` of the derived type `T`, emitted in the cluster
/// (`<env>/k8s/_cluster.yaml`), with Girder's labels. Its id in the tree is the definition's
/// name with dots as dashes (`backups-platform-example-com`); its schema must be structural.
pub struct Crd<T> {
    handle: Handle<CrdSpec>,
    _type: PhantomData<fn() -> T>,
}

impl<T: DerivedResource> Crd<T> {
    /// Emits the definition of `T` in `cluster`.
    ///
    /// kube's derive panics when it cannot merge the variants of an enum into one structural
    /// object (a property whose schema differs between variants, such as an internally tagged
    /// enum's tag); that panic is caught and reported at synth with the construct's path (it
    /// needs `panic = "unwind"`, Rust's default).
    pub fn new<E: EnvironmentName>(cluster: &Kubernetes<E>) -> Self {
        let crd = std::panic::catch_unwind(T::crd).map_err(|payload| {
            payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "kube's derive panicked".to_owned())
        });
        let id = T::crd_name().replace('.', "-");
        Crd {
            handle: cluster.app().add(cluster.node(), id, CrdSpec { crd }),
            _type: PhantomData,
        }
    }
}

impl<T: DerivedResource> Crd<T> {
    /// The definition's name, `<plural>.<group>`.
    pub fn name(&self) -> String {
        T::crd_name().to_owned()
    }

    /// The handle to its model in the tree.
    pub fn handle(&self) -> &Handle<CrdSpec> {
        &self.handle
    }
}

/// The model of a [`Crd`]: the definition kube's derive generated, or why it could not.
#[derive(Debug)]
pub struct CrdSpec {
    crd: Result<CustomResourceDefinition, String>,
}

impl CrdSpec {
    /// The definition, as it will be emitted (before Girder's labels); `None` if kube's derive
    /// could not generate it (a synth error).
    pub fn definition(&self) -> Option<&CustomResourceDefinition> {
        self.crd.as_ref().ok()
    }
}

impl Construct for CrdSpec {
    fn kind(&self) -> &'static str {
        "CustomResourceDefinition"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        if let Err(why) = &self.crd {
            diags.push(
                Diagnostic::error(
                    cx.path.as_str(),
                    format!("kube's derive could not make a structural schema of the type: {why}"),
                )
                .hint("kube merges the variants of an enum into one object, so a property must have the same schema in every variant: use an externally tagged enum (serde's default) instead of `#[serde(tag = \"...\")]`, or give the field a hand-written schema with `#[schemars(schema_with = \"...\")]`"),
            );
        }
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        let Ok(crd) = &self.crd else { return };
        let mut crd = crd.clone();
        // The plural is a DNS label: `<plural>.<group>` may be longer than a label value.
        let mut labels =
            Labels::new(cx, &crd.spec.names.plural, "custom-resource-definition").all();
        labels.extend(crd.metadata.labels.take().unwrap_or_default());
        crd.metadata.labels = Some(labels);
        out.emit(Manifest::new(crd));
    }
}

/// An object of the derived custom resource type `T`: in a namespace ([`CustomObject::new`])
/// or, for a cluster-scoped kind, in the cluster ([`CustomObject::in_cluster`]). Its id and
/// object name are the object's `metadata.name` (`Backup::new("nightly", spec)`); Girder sets
/// its namespace and adds its labels.
pub struct CustomObject<T> {
    handle: Handle<CustomObjectSpec<T>>,
    name: String,
}

impl<T> CustomObject<T>
where
    T: DerivedResource + kube_core::Resource<Scope = NamespaceResourceScope>,
{
    /// Emits `object` in the namespace `ns`.
    pub fn new(ns: &impl NamespaceScope, object: T) -> Self {
        let ns = ns.namespace();
        Self::add(ns.app(), ns.node(), Some(ns.name()), object)
    }
}

impl<T> CustomObject<T>
where
    T: DerivedResource + kube_core::Resource<Scope = ClusterResourceScope>,
{
    /// Emits the cluster-scoped `object` in `cluster`.
    pub fn in_cluster<E: EnvironmentName>(cluster: &Kubernetes<E>, object: T) -> Self {
        Self::add(cluster.app(), cluster.node(), None, object)
    }
}

impl<T: DerivedResource> CustomObject<T> {
    fn add(app: &girder_core::App, parent: NodeId, namespace: Option<&str>, object: T) -> Self {
        let name = object.meta().name.clone().unwrap_or_default();
        let spec = CustomObjectSpec {
            object,
            namespace: namespace.map(str::to_owned),
        };
        CustomObject {
            handle: app.add(parent, name.clone(), spec),
            name,
        }
    }
}

impl<T> CustomObject<T> {
    /// The object's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The handle to its model in the tree.
    pub fn handle(&self) -> &Handle<CustomObjectSpec<T>> {
        &self.handle
    }
}

/// The model of a [`CustomObject`].
#[derive(Debug)]
pub struct CustomObjectSpec<T> {
    object: T,
    namespace: Option<String>,
}

impl<T> CustomObjectSpec<T> {
    /// The object as given (before Girder's namespace and labels).
    pub fn object(&self) -> &T {
        &self.object
    }
}

impl<T: DerivedResource> Construct for CustomObjectSpec<T> {
    fn kind(&self) -> &'static str {
        "CustomObject"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        let meta = self.object.meta();
        let kind = T::kind(&());
        if meta.name.is_none() {
            diags.push(
                Diagnostic::error(cx.path.as_str(), format!("the {kind} object has no name"))
                    .hint(format!(
                        "create it with kube's generated constructor, `{kind}::new(\"name\", spec)`: the name is also the construct's id"
                    )),
            );
        }
        let given = meta.namespace.as_deref();
        if given.is_some() && given != self.namespace.as_deref() {
            let given = given.unwrap_or_default();
            let problem = match &self.namespace {
                Some(ns) => format!(
                    "the {kind} object names namespace `{given}`, but it is created in `{ns}`"
                ),
                None => format!("the cluster-scoped {kind} object names namespace `{given}`"),
            };
            diags.push(
                Diagnostic::error(cx.path.as_str(), problem).hint(
                    "leave `metadata.namespace` unset: Girder sets it from the namespace the object is created in",
                ),
            );
        }
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        let mut object = Custom::new(self.object.clone());
        let name = object.meta().name.clone().unwrap_or_default();
        let mut labels = Labels::new(cx, &name, "custom-object").all();
        let meta = object.meta_mut();
        labels.extend(meta.labels.take().unwrap_or_default());
        meta.labels = Some(labels);
        meta.namespace.clone_from(&self.namespace);
        out.emit(Manifest::new(object));
    }
}
