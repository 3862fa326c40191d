//! Kubernetes scopes: the cluster of an environment, and its namespaces.

use std::any::TypeId;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use girder_core::{
    App, Construct, Context, Emitted, Environment, EnvironmentName, Handle, NodeId, name,
};
use k8s_openapi::api::core::v1::Namespace as NamespaceObject;
use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicySpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use crate::helm::{AddOn, GitOps};
use crate::labels::Labels;
use crate::object::Manifest;

/// The name of the NetworkPolicy that denies all traffic in every Girder namespace.
pub const DEFAULT_DENY: &str = "default-deny";

/// The identity of a Kubernetes namespace as a type: declare one with
/// [`namespace!`](crate::namespace).
///
/// Workloads, secrets and config maps carry their namespace's type, so a secret of one namespace
/// cannot be used by a workload of another: that does not compile, as Kubernetes would not
/// resolve it either.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a namespace type",
    label = "expected a namespace declared with `girder::namespace!`",
    note = "declare the namespace once, e.g. `girder::namespace!(pub Shop = \"shop\");`, then call `env.kubernetes().namespace(Shop)`"
)]
pub trait NamespaceName: Copy + fmt::Debug + 'static {
    /// The namespace's name.
    const NAME: &'static str;

    /// Whether clients reach a server's pods directly on their container port, with the server's
    /// name as its host (a Compose project, where no Service stands in front), rather than
    /// through its Service (`api.shop.svc.cluster.local` on the Service's port).
    const DIRECT: bool = false;

    /// The DNS name clients use for the server `service` of this namespace:
    /// `<service>.<namespace>.svc.cluster.local`, or `service` itself where [`Self::DIRECT`].
    fn host(service: &str) -> String {
        if Self::DIRECT {
            service.to_owned()
        } else {
            format!("{service}.{}.svc.cluster.local", Self::NAME)
        }
    }
}

/// A namespace of a Kubernetes cluster, as opposed to a Compose project: the scope of the
/// constructs that need a cluster's controllers (the Prometheus operator's monitors and rules,
/// KEDA's scalers, Istio's traffic splits, cert-manager's issuers). Every type declared with
/// [`namespace!`](crate::namespace) is one.
#[diagnostic::on_unimplemented(
    message = "this construct needs a Kubernetes cluster, and `{Self}` is a Compose project",
    label = "no Compose form",
    note = "a Compose project runs no Prometheus operator (ServiceMonitor, PodMonitor, AlertRule, Dashboard), no KEDA (`scale_on`: give the workload a replica count), no Istio (TrafficSplit: route to one version) and no cert-manager (`LetsEncrypt`: use `ComposeIssuer::acme` or `ComposeIssuer::self_signed`)",
    note = "create this construct only where the scope is a Kubernetes namespace: keep it out of the function shared with the Compose environment, or bound that function by `N: OnKubernetes`"
)]
pub trait OnKubernetes: NamespaceName {}

/// Declares a namespace type: `girder::namespace!(pub Shop = "shop");`.
///
/// ```
/// girder_core::environment!(pub Prod = "prod");
/// girder_k8s::namespace!(pub Shop = "shop");
///
/// use girder_k8s::KubernetesExt;
/// let app = girder_core::App::new("store");
/// let shop = app.environment(Prod).kubernetes().namespace(Shop);
/// assert_eq!(shop.name(), "shop");
/// ```
#[macro_export]
macro_rules! namespace {
    ($(#[$meta:meta])* $vis:vis $ty:ident = $name:literal) => {
        #[doc = concat!("The `", $name, "` namespace.")]
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        $vis struct $ty;

        impl $crate::NamespaceName for $ty {
            const NAME: &'static str = $name;
        }

        impl $crate::OnKubernetes for $ty {}
    };
}

/// The Kubernetes cluster of an environment: the scope of namespaces and cluster-wide objects.
///
/// ```
/// girder_core::environment!(pub Prod = "prod");
/// girder_k8s::namespace!(pub Web = "web");
///
/// use girder_k8s::KubernetesExt;
/// let app = girder_core::App::new("shop");
/// let ns = app.environment(Prod).kubernetes().namespace(Web);
/// assert_eq!(ns.name(), "web");
/// ```
pub struct Kubernetes<E> {
    env: Environment<E>,
}

impl<E> Clone for Kubernetes<E> {
    fn clone(&self) -> Self {
        Kubernetes {
            env: self.env.clone(),
        }
    }
}

impl<E: EnvironmentName> fmt::Debug for Kubernetes<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Kubernetes").field(&E::NAME).finish()
    }
}

/// Gives every [`Environment`] its Kubernetes cluster.
pub trait KubernetesExt<E> {
    /// The environment's Kubernetes cluster, whose output goes to `<env>/k8s/`.
    fn kubernetes(&self) -> Kubernetes<E>;
}

impl<E: EnvironmentName> KubernetesExt<E> for Environment<E> {
    fn kubernetes(&self) -> Kubernetes<E> {
        Kubernetes { env: self.clone() }
    }
}

impl<E: EnvironmentName> Kubernetes<E> {
    /// The namespace `N` (declared with [`namespace!`](crate::namespace)), created on first use;
    /// a namespace is also a construct whose id is its name.
    pub fn namespace<N: NamespaceName>(&self, _namespace: N) -> Namespace<E, N> {
        let app = self.env.app();
        let existing = app
            .child(self.env.node(), N::NAME)
            .and_then(|n| app.handle::<NamespaceSpec>(n));
        let handle = existing.unwrap_or_else(|| {
            app.add(
                self.env.node(),
                N::NAME,
                NamespaceSpec {
                    name: N::NAME.to_owned(),
                    labels: BTreeMap::new(),
                },
            )
        });
        app.claim(handle.node(), TypeId::of::<N>(), std::any::type_name::<N>());
        Namespace {
            handle,
            env: self.env.clone(),
            _namespace: PhantomData,
        }
    }

    /// The environment.
    pub fn environment(&self) -> &Environment<E> {
        &self.env
    }

    /// The app.
    pub fn app(&self) -> &App {
        self.env.app()
    }

    /// The node under which cluster-scoped constructs are added (the environment's).
    pub fn node(&self) -> NodeId {
        self.env.node()
    }

    /// Names the kube context (in the kubeconfig) of this environment's cluster, which `deploy`
    /// and `diff --live` use unless `--context` says otherwise; without it, they use the
    /// kubeconfig's current context, as kubectl does.
    ///
    /// ```
    /// # use girder_core::App;
    /// # use girder_k8s::KubernetesExt;
    /// girder_core::environment!(pub Prod = "prod");
    /// let app = App::new("shop");
    /// app.environment(Prod).kubernetes().context("prod-eks");
    /// assert_eq!(girder_k8s::KubeContexts::of(&app).unwrap()["prod"], "prod-eks");
    /// ```
    pub fn context(&self, name: impl Into<String>) -> &Self {
        let app = self.env.app();
        let contexts = app.attachment_or_default::<KubeContexts>(NodeId::ROOT);
        contexts
            .0
            .borrow_mut()
            .entry(self.env.name().to_owned())
            .or_default()
            .insert(name.into());
        self
    }

    /// Declares that this environment's cluster serves the custom resource `K` although the
    /// program does not emit its CustomResourceDefinition (an operator installed another way):
    /// objects of `K` then pass the check of API versions and kinds
    /// ([`crate::rules::api`]). Without it, or the CRD emitted, synth refuses them, as the API
    /// server would. A kind of an add-on ([`AddOn::serving`]) declares the add-on installed,
    /// as [`Kubernetes::installed_add_on`] does.
    ///
    /// ```
    /// # use girder_core::App;
    /// # use girder_k8s::KubernetesExt;
    /// girder_core::environment!(pub Prod = "prod");
    /// let app = App::new("shop");
    /// // The Prometheus operator is installed by the platform's Helm release:
    /// app.environment(Prod)
    ///     .kubernetes()
    ///     .installed::<girder_k8s::crd::monitoring::PrometheusRule>();
    /// ```
    pub fn installed<K: k8s_openapi::Resource>(&self) -> &Self {
        InstalledKinds::declare(self.env.app(), self.env.name(), K::API_VERSION, K::KIND);
        self
    }

    /// Chooses how this environment's cluster installs Helm charts ([`crate::helm`]): Flux's
    /// `HelmRepository` and `HelmRelease` ([`GitOps::flux`]) or Argo CD's `Application`
    /// ([`GitOps::argo_cd`]), in the controller's namespace, which its installation created.
    /// Synth refuses two different choices for one environment, and a chart in an environment
    /// that makes none.
    ///
    /// ```
    /// # use girder_core::App;
    /// # use girder_k8s::KubernetesExt;
    /// use girder_k8s::helm::GitOps;
    /// girder_core::environment!(pub Prod = "prod");
    /// let app = App::new("shop");
    /// app.environment(Prod).kubernetes().gitops(GitOps::flux());
    /// ```
    pub fn gitops(&self, gitops: GitOps) -> &Self {
        GitOpsChoices::of_app(self.env.app())
            .0
            .borrow_mut()
            .entry(self.env.name().to_owned())
            .or_default()
            .insert(gitops);
        self
    }

    /// Declares that this environment's cluster runs `add_on` although the program does not
    /// install it with a Helm chart (a managed add-on, another team's installation): objects
    /// that need it then pass the check of add-ons. Without it, or the add-on's chart in the
    /// program, synth refuses them, as they would have no effect.
    ///
    /// ```
    /// # use girder_core::App;
    /// # use girder_k8s::KubernetesExt;
    /// use girder_k8s::helm::AddOn;
    /// girder_core::environment!(pub Prod = "prod");
    /// let app = App::new("shop");
    /// // The platform team runs KEDA in every cluster.
    /// app.environment(Prod).kubernetes().installed_add_on(AddOn::Keda);
    /// ```
    pub fn installed_add_on(&self, add_on: AddOn) -> &Self {
        let declared = self
            .env
            .app()
            .attachment_or_default::<InstalledAddOns>(NodeId::ROOT);
        declared
            .0
            .borrow_mut()
            .insert((self.env.name().to_owned(), add_on));
        self
    }
}

/// The kube context of each environment that names one ([`Kubernetes::context`]): every name
/// given, by environment.
#[derive(Debug, Clone, Default)]
pub struct KubeContexts(
    std::rc::Rc<std::cell::RefCell<BTreeMap<String, std::collections::BTreeSet<String>>>>,
);

impl KubeContexts {
    /// The kube context of each environment of `app` that names one; or, when an environment
    /// names more than one, every such environment with its names (an error of the program).
    #[allow(clippy::type_complexity)]
    pub fn of(app: &App) -> Result<BTreeMap<String, String>, Vec<(String, Vec<String>)>> {
        let Some(contexts) = app.attachment::<KubeContexts>(NodeId::ROOT) else {
            return Ok(BTreeMap::new());
        };
        let contexts = contexts.0.borrow();
        let conflicts: Vec<(String, Vec<String>)> = contexts
            .iter()
            .filter(|(_, names)| names.len() > 1)
            .map(|(env, names)| (env.clone(), names.iter().cloned().collect()))
            .collect();
        if !conflicts.is_empty() {
            return Err(conflicts);
        }
        Ok(contexts
            .iter()
            .filter_map(|(env, names)| Some((env.clone(), names.first()?.clone())))
            .collect())
    }
}

/// The custom resources each environment's cluster serves without the program emitting their
/// CustomResourceDefinitions ([`Kubernetes::installed`]), as (environment, API version, kind).
#[derive(Debug, Clone, Default)]
pub struct InstalledKinds(
    std::rc::Rc<std::cell::RefCell<std::collections::BTreeSet<(String, String, String)>>>,
);

impl InstalledKinds {
    /// Declares `kind` at `api_version` installed in environment `env` of `app`.
    pub(crate) fn declare(app: &App, env: &str, api_version: &str, kind: &str) {
        // Kept on the app's root, by environment: synth reads them without walking the tree.
        let kinds = app.attachment_or_default::<InstalledKinds>(NodeId::ROOT);
        kinds
            .0
            .borrow_mut()
            .insert((env.to_owned(), api_version.to_owned(), kind.to_owned()));
    }

    /// The kinds declared installed in each environment of `app`: (environment, API version,
    /// kind), sorted.
    pub fn of(app: &App) -> Vec<(String, String, String)> {
        app.attachment::<InstalledKinds>(NodeId::ROOT)
            .map(|kinds| kinds.0.borrow().iter().cloned().collect())
            .unwrap_or_default()
    }
}

/// How each environment's cluster installs Helm charts ([`Kubernetes::gitops`]): every choice
/// made, by environment. Shared: a chart reads its environment's choice when it renders,
/// whenever the program made it.
#[derive(Debug, Clone, Default)]
pub struct GitOpsChoices(
    std::rc::Rc<std::cell::RefCell<BTreeMap<String, std::collections::BTreeSet<GitOps>>>>,
);

impl GitOpsChoices {
    /// The choices of `app` (an empty set of choices the first time).
    pub fn of_app(app: &App) -> GitOpsChoices {
        app.attachment_or_default::<GitOpsChoices>(NodeId::ROOT)
    }

    /// Environment `env`'s choice: `Ok(None)` when it made none, `Err` with every choice when
    /// it made several.
    pub fn choice(&self, env: &str) -> Result<Option<GitOps>, Vec<GitOps>> {
        match self.0.borrow().get(env) {
            None => Ok(None),
            Some(choices) if choices.len() == 1 => Ok(choices.first().cloned()),
            Some(choices) => Err(choices.iter().cloned().collect()),
        }
    }

    /// Every environment's choices, sorted by environment.
    pub fn all(&self) -> Vec<(String, Vec<GitOps>)> {
        self.0
            .borrow()
            .iter()
            .map(|(env, choices)| (env.clone(), choices.iter().cloned().collect()))
            .collect()
    }
}

/// The add-ons each environment's cluster runs without the program installing them
/// ([`Kubernetes::installed_add_on`]).
#[derive(Debug, Clone, Default)]
pub struct InstalledAddOns(
    std::rc::Rc<std::cell::RefCell<std::collections::BTreeSet<(String, AddOn)>>>,
);

impl InstalledAddOns {
    /// The add-ons declared installed in each environment of `app`: (environment, add-on),
    /// sorted.
    pub fn of(app: &App) -> Vec<(String, AddOn)> {
        app.attachment::<InstalledAddOns>(NodeId::ROOT)
            .map(|declared| declared.0.borrow().iter().cloned().collect())
            .unwrap_or_default()
    }
}

/// A Kubernetes namespace: the scope of workloads. It emits the `Namespace` object (Pod Security
/// Admission `restricted`) and a NetworkPolicy that denies all ingress and egress, so that every
/// allowed flow is one that a construct declared.
pub struct Namespace<E, N> {
    handle: Handle<NamespaceSpec>,
    env: Environment<E>,
    _namespace: PhantomData<fn() -> N>,
}

impl<E, N> Clone for Namespace<E, N> {
    fn clone(&self) -> Self {
        Namespace {
            handle: self.handle.clone(),
            env: self.env.clone(),
            _namespace: PhantomData,
        }
    }
}

impl<E: EnvironmentName, N: NamespaceName> fmt::Debug for Namespace<E, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Namespace({}/{})", E::NAME, N::NAME)
    }
}

impl<E: EnvironmentName, N: NamespaceName> Namespace<E, N> {
    /// The namespace's name.
    pub fn name(&self) -> &'static str {
        N::NAME
    }

    /// The namespace's node, the parent of the constructs created in it.
    pub fn node(&self) -> NodeId {
        self.handle.node()
    }

    /// The app.
    pub fn app(&self) -> &App {
        self.handle.app()
    }

    /// The environment.
    pub fn environment(&self) -> &Environment<E> {
        &self.env
    }

    /// The object name of a construct `id` created directly in this namespace.
    pub fn object_name(&self, id: &str) -> String {
        name::derive(&[id], name::MAX_LABEL)
    }

    /// Adds a label to the `Namespace` object (e.g. for other teams' NetworkPolicies to select it).
    pub fn label(&self, key: impl Into<String>, value: impl Into<String>) -> &Self {
        self.handle
            .update(|ns| ns.labels.insert(key.into(), value.into()));
        self
    }
}

/// A scope Kubernetes workloads can be created in: a [`Namespace`], or a composite construct's
/// scope inside one.
///
/// Workload constructors take `&impl NamespaceScope`, so a workload created directly in an
/// environment, a cluster or an AWS stack does not compile. A scope is a [`Namespace`], or a
/// scope inside one that places the constructs created in it under another node of the tree
/// ([`NamespaceScope::parent`]) and names their objects ([`NamespaceScope::object_name`]): a
/// composite construct's.
#[diagnostic::on_unimplemented(
    message = "Kubernetes workloads are created inside a namespace, and `{Self}` is not one",
    label = "expected `&Namespace<_, _>`",
    note = "get the namespace from the cluster, e.g. `let ns = env.kubernetes().namespace(Shop);`, and pass `&ns`"
)]
pub trait NamespaceScope {
    /// The environment type.
    type Env: EnvironmentName;
    /// The namespace type.
    type Ns: NamespaceName;
    /// The namespace.
    fn namespace(&self) -> &Namespace<Self::Env, Self::Ns>;

    /// The node a construct created in this scope is added under: the namespace's own, or a
    /// composite construct's, whose parts are its children in the tree (and in `list`).
    fn parent(&self) -> NodeId {
        self.namespace().node()
    }

    /// The object name of a construct `id` created in this scope: its id in a namespace;
    /// in a composite construct, the composite's name and the id (see
    /// `girder_constructs::Composite`).
    fn object_name(&self, id: &str) -> String {
        self.namespace().object_name(id)
    }
}

impl<E: EnvironmentName, N: NamespaceName> NamespaceScope for Namespace<E, N> {
    type Env = E;
    type Ns = N;
    fn namespace(&self) -> &Namespace<E, N> {
        self
    }
}

/// The model of a [`Namespace`].
#[derive(Debug)]
pub struct NamespaceSpec {
    name: String,
    labels: BTreeMap<String, String>,
}

impl Construct for NamespaceSpec {
    fn kind(&self) -> &'static str {
        "Namespace"
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        let labels = Labels::new(cx, &self.name, "namespace");
        let mut ns_labels = labels.all();
        ns_labels.insert(
            "pod-security.kubernetes.io/enforce".into(),
            "restricted".into(),
        );
        ns_labels.insert(
            "pod-security.kubernetes.io/enforce-version".into(),
            "latest".into(),
        );
        ns_labels.extend(self.labels.clone());
        out.emit(Manifest::new(NamespaceObject {
            metadata: ObjectMeta {
                name: Some(self.name.clone()),
                labels: Some(ns_labels),
                ..Default::default()
            },
            ..Default::default()
        }));
        out.emit(Manifest::new(NetworkPolicy {
            metadata: ObjectMeta {
                name: Some(DEFAULT_DENY.into()),
                namespace: Some(self.name.clone()),
                labels: Some(labels.all()),
                ..Default::default()
            },
            spec: Some(NetworkPolicySpec {
                pod_selector: Some(LabelSelector::default()),
                policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
                ..Default::default()
            }),
        }));
    }
}
