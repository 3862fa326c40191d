//! [`Composite`]: the scope of a construct made of other constructs, which a platform team
//! writes once (its "standard service": a web service, its monitor, its alerts, its dashboard)
//! and product teams use like Girder's own.
//!
//! A composite is a node of the tree with its parts as children: `Composite::new(scope, id,
//! kind)` adds the node, and the parts are created with the composite as their scope, exactly
//! as in a namespace. `list` shows the composite with its kind and its parts below it; every
//! part's problems carry a path inside the composite's (`prod/shop/api/main: …`); a part's
//! objects are named after the composite (`api-errors`), and the part whose id is
//! [`MAIN`] takes the composite's own name (`api`), so that clients and Ingresses
//! address the composite by its name.
//!
//! ```
//! use girder_constructs::monitoring::{AlertRule, HttpMetrics, ServiceMonitor, Window};
//! use girder_constructs::composite::{Composite, MAIN};
//! use girder_constructs::WebService;
//! use girder_core::{App, EnvironmentName};
//! use girder_k8s::{KubernetesExt, NamespaceScope, OnKubernetes};
//!
//! girder_core::environment!(pub Prod = "prod");
//! girder_k8s::namespace!(pub Shop = "shop");
//!
//! /// A web service with its error-rate alert.
//! fn alerted_service<E: EnvironmentName, N: OnKubernetes>(
//!     scope: &impl NamespaceScope<Env = E, Ns = N>,
//!     id: &str,
//!     image: &str,
//! ) -> WebService<E, N> {
//!     let parts = Composite::new(scope, id, "AlertedService");
//!     let web = WebService::new(&parts, MAIN).image(image).port(8080).build();
//!     let http = HttpMetrics::of(&ServiceMonitor::new(&web, web.port()).build());
//!     AlertRule::new(&parts, "errors")
//!         .expr(http.error_ratio(Window::minutes(5)).gt(0.05))
//!         .summary("the service fails requests")
//!         .build();
//!     web
//! }
//!
//! let app = App::new("store");
//! let shop = app.environment(Prod).kubernetes().namespace(Shop);
//! let api = alerted_service(&shop, "api", "ghcr.io/acme/api:1.0.0");
//! assert_eq!(api.name(), "api");
//! assert_eq!(api.handle().path().as_str(), "prod/shop/api/main");
//! ```
//!
//! A composite that creates no part in its scope (its parts created in the namespace instead)
//! is an error at synth, with its path and what to do.

use std::fmt;

use girder_core::{
    App, Construct, Context, Diagnostic, Diagnostics, Emitted, EnvironmentName, Handle, NodeId,
    Path, name,
};
use girder_k8s::{Namespace, NamespaceName, NamespaceScope};

/// The scope of a composite construct's parts (see the [module docs](self)): a
/// [`NamespaceScope`] whose constructs are added under the composite's node and named after it.
/// A composite is itself created in any namespace scope, so composites nest.
pub struct Composite<E, N> {
    namespace: Namespace<E, N>,
    handle: Handle<CompositeSpec>,
    name: String,
}

impl<E, N> Clone for Composite<E, N> {
    fn clone(&self) -> Self {
        Composite {
            namespace: self.namespace.clone(),
            handle: self.handle.clone(),
            name: self.name.clone(),
        }
    }
}

impl<E, N> fmt::Debug for Composite<E, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Composite({})", self.handle.path())
    }
}

/// The id of the part that takes its composite's own name for its objects: its main workload,
/// which clients connect to.
pub const MAIN: &str = "main";

impl<E: EnvironmentName, N: NamespaceName> Composite<E, N> {
    /// Adds a composite construct of kind `kind` (what `list` shows, e.g. `StandardService`)
    /// with id `id` in `scope`, and returns the scope of its parts.
    pub fn new(
        scope: &impl NamespaceScope<Env = E, Ns = N>,
        id: impl Into<String>,
        kind: &'static str,
    ) -> Composite<E, N> {
        let id = id.into();
        let namespace = scope.namespace().clone();
        let name = scope.object_name(&id);
        let app = namespace.app().clone();
        let spec = CompositeSpec {
            kind,
            app: app.clone(),
        };
        let handle = app.add(scope.parent(), id, spec);
        Composite {
            namespace,
            handle,
            name,
        }
    }

    /// The composite's node.
    pub fn node(&self) -> NodeId {
        self.handle.node()
    }

    /// The composite's path, e.g. `prod/shop/api`.
    pub fn path(&self) -> Path {
        self.handle.path()
    }

    /// The name of the composite's objects (and of its [`MAIN`] part's).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The app.
    pub fn app(&self) -> &App {
        self.handle.app()
    }

    /// Reports a problem of the composite's own props (say, a threshold out of range), with
    /// its path; synthesis fails with it, beside every other problem.
    pub fn error(&self, message: impl Into<String>, hint: impl Into<String>) {
        self.app()
            .report(Diagnostic::error(self.path().as_str(), message.into()).hint(hint.into()));
    }
}

impl<E: EnvironmentName, N: NamespaceName> NamespaceScope for Composite<E, N> {
    type Env = E;
    type Ns = N;

    fn namespace(&self) -> &Namespace<E, N> {
        &self.namespace
    }

    fn parent(&self) -> NodeId {
        self.handle.node()
    }

    fn object_name(&self, id: &str) -> String {
        if id == MAIN {
            self.name.clone()
        } else {
            name::derive(&[&self.name, id], name::MAX_LABEL)
        }
    }
}

/// The node of a [`Composite`]: it emits nothing of its own (its parts do) and checks that it
/// has parts.
pub struct CompositeSpec {
    kind: &'static str,
    app: App,
}

impl Construct for CompositeSpec {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        if self.app.children(cx.node).is_empty() {
            diags.push(
                Diagnostic::error(
                    cx.path.as_str(),
                    format!("the {} has no parts: nothing was created in its scope", self.kind),
                )
                .cause("its parts were created in the namespace, or not at all")
                .hint(format!(
                    "create each part with the composite as its scope, e.g. `WebService::new(&parts, MAIN)` where `parts = Composite::new(scope, id, \"{}\")`",
                    self.kind
                )),
            );
        }
    }

    fn render(&self, _cx: &Context<'_>, _out: &mut Emitted) {}
}
