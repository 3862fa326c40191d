//! [`Ingress`] with TLS from cert-manager, and the [`LetsEncrypt`] issuer behind it.

use std::marker::PhantomData;

use girder_core::{
    Construct, Context, Diagnostic, Diagnostics, Emitted, EnvironmentName, Handle, name,
};
use girder_k8s::crd::cert_manager::{
    AcmeIssuer, AcmeSolver, Certificate, CertificatePrivateKey, CertificateSpec, ClusterIssuer,
    ClusterIssuerSpec, Http01Ingress, Http01Solver, IssuerRef, PrivateKeyAlgorithm, RotationPolicy,
    SecretKeySelector,
};
use girder_k8s::k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress as IngressObject, IngressBackend, IngressRule,
    IngressServiceBackend, IngressSpec, IngressTLS, ServiceBackendPort,
};
use girder_k8s::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use girder_k8s::labels::Labels;
use girder_k8s::{Kubernetes, Manifest, NamespaceName, NamespaceScope};

use crate::WebService;
use crate::workload::Peer;

/// The ingress controller that serves an [`Ingress`]: its class and where its pods run, so that
/// routed services admit exactly its traffic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngressController {
    class: String,
    namespace: String,
    pod_label: (String, String),
}

impl IngressController {
    /// ingress-nginx as its Helm chart installs it: class `nginx`, namespace `ingress-nginx`,
    /// pods labelled `app.kubernetes.io/name=ingress-nginx`.
    pub fn nginx() -> Self {
        IngressController {
            class: "nginx".into(),
            namespace: "ingress-nginx".into(),
            pod_label: ("app.kubernetes.io/name".into(), "ingress-nginx".into()),
        }
    }

    /// Another controller: its ingress class, namespace and one label of its pods.
    pub fn custom(
        class: impl Into<String>,
        namespace: impl Into<String>,
        pod_label: (impl Into<String>, impl Into<String>),
    ) -> Self {
        IngressController {
            class: class.into(),
            namespace: namespace.into(),
            pod_label: (pod_label.0.into(), pod_label.1.into()),
        }
    }

    fn peer(&self) -> Peer {
        Peer::NamespacePods {
            namespace: self.namespace.clone(),
            labels: [(self.pod_label.0.clone(), self.pod_label.1.clone())].into(),
        }
    }
}

/// Let's Encrypt's production ACME endpoint.
pub const LETS_ENCRYPT_PRODUCTION: &str = "https://acme-v02.api.letsencrypt.org/directory";
/// Let's Encrypt's staging ACME endpoint (untrusted certificates, generous rate limits).
pub const LETS_ENCRYPT_STAGING: &str = "https://acme-staging-v02.api.letsencrypt.org/directory";

/// A cert-manager `ClusterIssuer` for Let's Encrypt certificates, solved by HTTP-01 through the
/// ingress controller.
///
/// ```
/// use girder_constructs::LetsEncrypt;
/// use girder_core::App;
/// use girder_k8s::KubernetesExt;
///
/// girder_core::environment!(pub Prod = "prod");
///
/// let app = App::new("shop");
/// let k8s = app.environment(Prod).kubernetes();
/// let issuer = LetsEncrypt::new(&k8s, "letsencrypt").email("ops@example.com").build();
/// assert_eq!(issuer.name(), "letsencrypt");
/// ```
#[derive(Clone, Debug)]
pub struct LetsEncrypt<E> {
    handle: Handle<LetsEncryptSpec>,
    name: String,
    _env: PhantomData<fn() -> E>,
}

/// The model of a [`LetsEncrypt`] issuer.
#[derive(Debug)]
pub struct LetsEncryptSpec {
    name: String,
    email: String,
    server: &'static str,
    class: String,
}

// `new` starts a builder whose `build` returns the construct, as bon builders do.
#[allow(clippy::new_ret_no_self)]
#[bon::bon]
impl<E: EnvironmentName> LetsEncrypt<E> {
    /// Starts an issuer with id `id` in the cluster; the account `email` is required.
    #[builder(start_fn = new, finish_fn = build)]
    pub fn create(
        #[builder(start_fn)] cluster: &Kubernetes<E>,
        #[builder(start_fn, into)] id: String,
        /// Where Let's Encrypt sends expiry notices.
        #[builder(into)]
        email: String,
        /// Use the staging endpoint (default `false`: production).
        #[builder(default)]
        staging: bool,
        /// The controller that serves HTTP-01 challenges (default: ingress-nginx).
        #[builder(default = IngressController::nginx())]
        controller: IngressController,
    ) -> LetsEncrypt<E> {
        let name = name::derive(&[&id], name::MAX_LABEL);
        let server = if staging {
            LETS_ENCRYPT_STAGING
        } else {
            LETS_ENCRYPT_PRODUCTION
        };
        let spec = LetsEncryptSpec {
            name: name.clone(),
            email,
            server,
            class: controller.class,
        };
        LetsEncrypt {
            handle: cluster.app().add(cluster.node(), id, spec),
            name,
            _env: PhantomData,
        }
    }
}

impl<E> LetsEncrypt<E> {
    /// The `ClusterIssuer`'s name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The handle to its model in the tree.
    pub fn handle(&self) -> &Handle<LetsEncryptSpec> {
        &self.handle
    }
}

impl Construct for LetsEncryptSpec {
    fn kind(&self) -> &'static str {
        "LetsEncrypt"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        let valid = self.email.split_once('@').is_some_and(|(user, domain)| {
            !user.is_empty() && domain.contains('.') && !self.email.contains(char::is_whitespace)
        });
        if !valid {
            diags.push(
                Diagnostic::error(cx.path.as_str(), format!("`{}` is not an email address", self.email))
                    .hint("Let's Encrypt sends certificate expiry notices to this address, e.g. `ops@example.com`"),
            );
        }
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        let labels = Labels::new(cx, &self.name, "cluster-issuer");
        out.emit(Manifest::new(ClusterIssuer {
            metadata: ObjectMeta {
                name: Some(self.name.clone()),
                labels: Some(labels.all()),
                ..Default::default()
            },
            spec: ClusterIssuerSpec::Acme(AcmeIssuer {
                server: self.server.into(),
                email: Some(self.email.clone()),
                private_key_secret_ref: SecretKeySelector {
                    name: format!("{}-account-key", self.name),
                    key: None,
                },
                solvers: vec![AcmeSolver {
                    http01: Some(Http01Solver {
                        ingress: Some(Http01Ingress {
                            ingress_class_name: Some(self.class.clone()),
                        }),
                    }),
                }],
            }),
        }));
    }
}

/// A certificate issuer usable by the Ingresses of environment `E`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot issue certificates for an Ingress of environment `{E}`",
    label = "an issuer of another environment",
    note = "a ClusterIssuer exists only in its own cluster: create a `LetsEncrypt` issuer in `{E}`'s cluster and pass it"
)]
pub trait Issuer<E> {
    /// The ClusterIssuer's name.
    fn issuer_name(&self) -> &str;
}

impl<E> Issuer<E> for LetsEncrypt<E> {
    fn issuer_name(&self) -> &str {
        self.name()
    }
}

/// A service an Ingress of namespace `N` in environment `E` can route to.
#[diagnostic::on_unimplemented(
    message = "an Ingress of namespace `{N}` cannot route to `{Self}`",
    label = "not a service of namespace `{N}` in `{E}`",
    note = "Kubernetes resolves an Ingress backend in the Ingress's own namespace: create an Ingress in the service's namespace, or route to a service of `{N}`"
)]
pub trait Routable<E, N> {
    /// The service.
    fn web_service(&self) -> &WebService<E, N>;
}

impl<E, N> Routable<E, N> for WebService<E, N> {
    fn web_service(&self) -> &WebService<E, N> {
        self
    }
}

/// HTTPS routing from outside the cluster to services of one namespace, with a certificate
/// issued by cert-manager. Each [`Ingress::route`] also admits the ingress controller's pods in the
/// routed service's NetworkPolicy, on its port only.
///
/// ```
/// use girder_constructs::{Ingress, LetsEncrypt, WebService};
/// use girder_core::App;
/// use girder_k8s::KubernetesExt;
///
/// girder_core::environment!(pub Prod = "prod");
/// girder_k8s::namespace!(pub Web = "web");
///
/// let app = App::new("shop");
/// let k8s = app.environment(Prod).kubernetes();
/// let ns = k8s.namespace(Web);
/// let issuer = LetsEncrypt::new(&k8s, "letsencrypt").email("ops@example.com").build();
/// let api = WebService::new(&ns, "api").image("ghcr.io/acme/api:1.4.2").port(8080).build();
/// let public = Ingress::new(&ns, "public").host("api.example.com").issuer(&issuer).build();
/// public.route("/", &api);
/// ```
#[derive(Clone, Debug)]
pub struct Ingress<E, N> {
    handle: Handle<IngressSpecModel>,
    _scope: PhantomData<fn() -> (E, N)>,
}

/// The model of an [`Ingress`].
#[derive(Debug)]
pub struct IngressSpecModel {
    name: String,
    namespace: String,
    host: String,
    issuer: String,
    controller: IngressController,
    routes: Vec<Route>,
}

#[derive(Debug)]
struct Route {
    path: String,
    service: String,
    port: String,
    namespace: String,
}

// `new` starts a builder whose `build` returns the construct, as bon builders do.
#[allow(clippy::new_ret_no_self)]
#[bon::bon]
impl<E: EnvironmentName, N: NamespaceName> Ingress<E, N> {
    /// Starts an ingress with id `id` in `namespace`; `host` and `issuer` are required.
    #[builder(start_fn = new, finish_fn = build)]
    pub fn create(
        #[builder(start_fn)] scope: &impl NamespaceScope<Env = E, Ns = N>,
        #[builder(start_fn, into)] id: String,
        /// The public host name, e.g. `api.example.com`.
        #[builder(into)]
        host: String,
        /// The issuer of its TLS certificate (of the same environment).
        issuer: &impl Issuer<E>,
        /// The controller that serves it (default: ingress-nginx).
        #[builder(default = IngressController::nginx())]
        controller: IngressController,
    ) -> Ingress<E, N> {
        let namespace = scope.namespace();
        let spec = IngressSpecModel {
            name: scope.object_name(&id),
            namespace: namespace.name().to_owned(),
            host,
            issuer: issuer.issuer_name().to_owned(),
            controller,
            routes: Vec::new(),
        };
        Ingress {
            handle: namespace.app().add(scope.parent(), id, spec),
            _scope: PhantomData,
        }
    }
}

impl<E: EnvironmentName, N: NamespaceName> Ingress<E, N> {
    /// Routes requests whose path starts with `path` to `service` (of the same namespace, as
    /// Kubernetes requires), and admits the ingress controller in `service`'s NetworkPolicy.
    pub fn route(&self, path: impl Into<String>, service: &impl Routable<E, N>) -> &Self {
        let service = service.web_service();
        let path = path.into();
        if !service.handle().app().same(self.handle.app()) {
            self.handle.app().report(
                Diagnostic::error(
                    self.handle.path().as_str(),
                    format!("route `{path}` goes to a service of another app"),
                )
                .hint("create the service in the same `App` as the ingress"),
            );
            return self;
        }
        let peer = self.handle.update(|s| {
            s.routes.push(Route {
                path,
                service: service.name().to_owned(),
                port: service.port().name().to_owned(),
                namespace: service.namespace().to_owned(),
            });
            s.controller.peer()
        });
        service.allow_from(peer);
        self
    }

    /// The namespace of the ingress.
    pub fn namespace(&self) -> &'static str {
        N::NAME
    }
}

impl Construct for IngressSpecModel {
    fn kind(&self) -> &'static str {
        "Ingress"
    }

    fn validate(&self, cx: &Context<'_>, diags: &mut Diagnostics) {
        let path = cx.path.as_str();
        if !name::is_dns1123_subdomain(&self.host) {
            diags.push(
                Diagnostic::error(path, format!("`{}` is not a valid host name", self.host))
                    .hint("use a lowercase DNS name such as `api.example.com`"),
            );
        }
        if self.routes.is_empty() {
            diags.push(
                Diagnostic::error(path, "the ingress has no route")
                    .hint("add one with `.route(\"/\", &service)`, or remove the ingress"),
            );
        }
        for (i, r) in self.routes.iter().enumerate() {
            if !r.path.starts_with('/') {
                diags.push(
                    Diagnostic::error(
                        path,
                        format!("route path `{}` does not start with '/'", r.path),
                    )
                    .hint("write an absolute path prefix, e.g. `/api`"),
                );
            }
            if self.routes[..i].iter().any(|o| o.path == r.path) {
                diags.push(
                    Diagnostic::error(path, format!("route path `{}` is routed twice", r.path))
                        .hint("route each path prefix to one service"),
                );
            }
            if r.namespace != self.namespace {
                diags.push(
                    Diagnostic::error(
                        path,
                        format!(
                            "route `{}` goes to service `{}/{}`, outside namespace `{}`",
                            r.path, r.namespace, r.service, self.namespace
                        ),
                    )
                    .cause("an Ingress can only route to Services of its own namespace")
                    .hint(format!(
                        "create an Ingress in namespace `{}` for that service",
                        r.namespace
                    )),
                );
            }
        }
    }

    fn render(&self, cx: &Context<'_>, out: &mut Emitted) {
        let labels = Labels::new(cx, &self.name, "ingress");
        let meta = ObjectMeta {
            name: Some(self.name.clone()),
            namespace: Some(self.namespace.clone()),
            labels: Some(labels.all()),
            ..Default::default()
        };
        let secret = format!("{}-tls", self.name);
        out.emit(Manifest::new(Certificate {
            metadata: meta.clone(),
            spec: CertificateSpec {
                secret_name: secret.clone(),
                issuer_ref: IssuerRef {
                    name: self.issuer.clone(),
                    kind: Some("ClusterIssuer".into()),
                    group: Some("cert-manager.io".into()),
                },
                dns_names: vec![self.host.clone()],
                private_key: Some(CertificatePrivateKey {
                    algorithm: Some(PrivateKeyAlgorithm::Ecdsa),
                    size: Some(256),
                    rotation_policy: Some(RotationPolicy::Always),
                }),
                ..Default::default()
            },
        }));
        let paths = self
            .routes
            .iter()
            .map(|r| HTTPIngressPath {
                path: Some(r.path.clone()),
                path_type: "Prefix".into(),
                backend: IngressBackend {
                    service: Some(IngressServiceBackend {
                        name: r.service.clone(),
                        port: Some(ServiceBackendPort {
                            name: Some(r.port.clone()),
                            number: None,
                        }),
                    }),
                    ..Default::default()
                },
            })
            .collect();
        out.emit(Manifest::new(IngressObject {
            metadata: meta,
            spec: Some(IngressSpec {
                ingress_class_name: Some(self.controller.class.clone()),
                tls: Some(vec![IngressTLS {
                    hosts: Some(vec![self.host.clone()]),
                    secret_name: Some(secret),
                }]),
                rules: Some(vec![IngressRule {
                    host: Some(self.host.clone()),
                    http: Some(HTTPIngressRuleValue { paths }),
                }]),
                ..Default::default()
            }),
            ..Default::default()
        }));
    }
}
