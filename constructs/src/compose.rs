//! Docker Compose environments: the same constructs, for a laptop or a single host.
//!
//! `app.environment(Dev).compose()` is a scope in which workloads, in-cluster databases, typed
//! secrets and config, Jobs and Ingresses are created exactly as in a Kubernetes namespace, so
//! one function generic over the scope builds both:
//!
//! ```
//! use girder_constructs::compose::{ComposeExt, ComposeIssuer};
//! use girder_constructs::{Ingress, Issuer, WebService};
//! use girder_core::{App, EnvironmentName};
//! use girder_k8s::{KubernetesExt, Namespace, NamespaceName};
//!
//! girder_core::environment!(pub Prod = "prod");
//! girder_core::environment!(pub Dev = "dev");
//! girder_k8s::namespace!(pub Web = "web");
//!
//! /// The system, wherever it runs.
//! fn system<E: EnvironmentName, N: NamespaceName>(ns: &Namespace<E, N>, tls: &impl Issuer<E>) {
//!     let api = WebService::new(ns, "api").image("ghcr.io/acme/api:1.4.2").port(8080).build();
//!     Ingress::new(ns, "public").host("api.example.com").issuer(tls).build().route("/", &api);
//! }
//!
//! let app = App::new("shop");
//! let k8s = app.environment(Prod).kubernetes();
//! let issuer = girder_constructs::LetsEncrypt::new(&k8s, "letsencrypt").email("ops@example.com").build();
//! system(&k8s.namespace(Web), &issuer);
//!
//! let dev = app.environment(Dev).compose();
//! system(&dev, &ComposeIssuer::self_signed(&dev));
//! ```
//!
//! Clients reach a server by its Compose service name on its container port (`api:8080`, the
//! addresses a [`Connection`](crate::Connection) gives in a Compose scope). Constructs that need
//! a cluster's controllers (monitors, alert rules, dashboards, KEDA scalers, Istio traffic splits,
//! Gateway API routes) and the AWS data stores do not compile in a Compose scope
//! ([`girder_k8s::OnKubernetes`], [`crate::wiring::Reachable`]). Synthesis writes
//! `<env>/compose/compose.yaml` (see `girder_compose` for how each object carries over).

use std::fmt;
use std::marker::PhantomData;

use girder_compose::{Projects, Tls};
use girder_core::{Diagnostic, Environment, EnvironmentName};
use girder_k8s::{KubernetesExt, Namespace, NamespaceName};

use crate::ingress::Issuer;

/// The scope type of a Compose environment: `Namespace<E, Compose>`, from
/// [`ComposeExt::compose`]. Clients reach its servers directly, by service name.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Compose;

impl fmt::Debug for Compose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Compose")
    }
}

impl NamespaceName for Compose {
    const NAME: &'static str = "compose";
    const DIRECT: bool = true;
}

/// Gives every [`Environment`] a Compose project.
pub trait ComposeExt<E> {
    /// The environment as a Compose project, whose output goes to `<env>/compose/`: the scope
    /// its constructs are created in. An environment is a Compose project or a Kubernetes
    /// cluster, not both (synth says so).
    fn compose(&self) -> Namespace<E, Compose>;
}

impl<E: EnvironmentName> ComposeExt<E> for Environment<E> {
    fn compose(&self) -> Namespace<E, Compose> {
        Projects::declare(self.app(), E::NAME);
        self.kubernetes().namespace(Compose)
    }
}

/// Where the reverse proxy of a Compose environment gets the certificates of the Ingresses'
/// TLS hosts: pass it to [`Ingress`](crate::Ingress)'s `.issuer(..)`, as a `LetsEncrypt` issuer
/// on Kubernetes. The private keys are made inside the proxy and kept in its volume, never in
/// the output.
#[derive(Debug, Clone)]
pub struct ComposeIssuer<E> {
    name: &'static str,
    _env: PhantomData<fn() -> E>,
}

impl<E: EnvironmentName> ComposeIssuer<E> {
    /// Certificates from the proxy's own local authority: for development, where browsers
    /// warn until that authority is trusted.
    pub fn self_signed(scope: &Namespace<E, Compose>) -> ComposeIssuer<E> {
        Self::declare(scope, "self-signed", Tls::SelfSigned)
    }

    /// Certificates from Let's Encrypt, for a host the internet reaches on ports 80 and 443;
    /// `email` receives expiry notices.
    pub fn acme(scope: &Namespace<E, Compose>, email: impl Into<String>) -> ComposeIssuer<E> {
        let tls = Tls::Acme {
            email: email.into(),
            staging: false,
        };
        Self::declare(scope, "acme", tls)
    }

    /// Certificates from Let's Encrypt's staging endpoint (not trusted by browsers; for trying
    /// a host out without the production rate limits).
    pub fn acme_staging(
        scope: &Namespace<E, Compose>,
        email: impl Into<String>,
    ) -> ComposeIssuer<E> {
        let tls = Tls::Acme {
            email: email.into(),
            staging: true,
        };
        Self::declare(scope, "acme-staging", tls)
    }

    fn declare(scope: &Namespace<E, Compose>, name: &'static str, tls: Tls) -> ComposeIssuer<E> {
        if let Some(existing) = Projects::issuer(scope.app(), E::NAME, name, tls.clone()) {
            scope.app().report(
                Diagnostic::error(
                    scope.environment().name(),
                    format!("the Compose issuer `{name}` is declared twice, differently: {existing:?} and {tls:?}"),
                )
                .hint("an environment's proxy has one ACME account: declare the issuer once and pass it to every Ingress"),
            );
        }
        ComposeIssuer {
            name,
            _env: PhantomData,
        }
    }
}

impl<E> Issuer<E> for ComposeIssuer<E> {
    fn issuer_name(&self) -> &str {
        self.name
    }
}
