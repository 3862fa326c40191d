//! Seed 002: a Flask `/helloworld` API behind a TLS reverse proxy, horizontally scaled.
//! See `examples/helloworld/README.md` for the choices made.

use girder::prelude::*;

girder::environment!(
    /// Production.
    pub Prod = "prod"
);
girder::namespace!(
    /// The API and its ingress.
    pub Helloworld = "helloworld"
);

/// The helloworld app: the API as a WebService behind ingress-nginx, with a Let's Encrypt
/// certificate from cert-manager.
pub fn helloworld() -> App {
    let app = App::new("helloworld");
    let k8s = app.environment(Prod).kubernetes();
    // The seed builds and deploys its images by release tag.
    girder::constructs::AcceptImageTags::because(
        "the seed deploys images by release tag; CI pins digests at release",
    )
    .apply_to(k8s.environment());
    let ns = k8s.namespace(Helloworld);

    let issuer = LetsEncrypt::new(&k8s, "letsencrypt")
        .email("ops@example.com")
        .build();

    let api = WebService::new(&ns, "api")
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

    Ingress::new(&ns, "public")
        .host("helloworld.example.com")
        .issuer(&issuer)
        .build()
        .route("/helloworld", &api);

    app
}
