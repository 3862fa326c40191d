//! Seed 002: a Flask `/helloworld` API behind a TLS reverse proxy, horizontally scaled; on
//! Kubernetes in production, on Docker Compose in development (the seed's own deployment).
//! See `examples/helloworld/README.md` for the choices made.

use girder::prelude::*;

girder::environment!(
    /// Production, on Kubernetes.
    pub Prod = "prod"
);
girder::environment!(
    /// Development, on Docker Compose.
    pub Dev = "dev"
);
girder::namespace!(
    /// The API and its ingress.
    pub Helloworld = "helloworld"
);

/// The API and its public route, wherever they run: `ns` is a Kubernetes namespace or a
/// Compose project, `tls` where the route's certificate comes from.
pub fn system<E: EnvironmentName, N: NamespaceName>(
    ns: &Namespace<E, N>,
    tls: &impl Issuer<E>,
) -> WebService<E, N> {
    let api = WebService::new(ns, "api")
        .image("ghcr.io/example/helloworld-api:1.0.0")
        .port(8000)
        .replicas(2..=6)
        .command([
            "gunicorn",
            "--bind",
            "0.0.0.0:8000",
            "--workers",
            "2",
            "app:app",
        ])
        .resources(
            Resources::new()
                .cpu(Cpu::millis(100), Cpu::millis(500))
                .memory(Memory::mib(128), Memory::mib(256)),
        )
        .readiness(Probe::http("/helloworld").period(5))
        .liveness(Probe::http("/helloworld").initial_delay(10))
        .build();
    api.env("PYTHONUNBUFFERED", "1");

    Ingress::new(ns, "public")
        .host("helloworld.example.com")
        .issuer(tls)
        .build()
        .route("/helloworld", &api);
    api
}

/// The helloworld app: in production the API as a WebService behind ingress-nginx, with a
/// Let's Encrypt certificate from cert-manager; in development the same function as a Compose
/// project behind Caddy, with a certificate of Caddy's own local authority.
pub fn helloworld() -> App {
    let app = App::new("helloworld");
    // The seed builds and deploys its images by release tag.
    let tags = girder::constructs::AcceptImageTags::because(
        "the seed deploys images by release tag; CI pins digests at release",
    );

    let k8s = app.environment(Prod).kubernetes();
    tags.clone().apply_to(k8s.environment());
    // What the TLS ingress needs in the cluster, installed by Flux.
    k8s.gitops(GitOps::flux());
    HelmChart::new(&k8s, "ingress-nginx", charts::IngressNginx::default()).build();
    HelmChart::new(&k8s, "cert-manager", charts::CertManager::default()).build();
    let issuer = LetsEncrypt::new(&k8s, "letsencrypt")
        .email("ops@example.com")
        .build();
    system(&k8s.namespace(Helloworld), &issuer);

    let dev = app.environment(Dev);
    tags.apply_to(&dev);
    let compose = dev.compose();
    system(&compose, &ComposeIssuer::self_signed(&compose));

    app
}
