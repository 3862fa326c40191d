//! The scale benchmark's app: N web services as a typical team declares them.

use girder::prelude::*;

girder::environment!(
    /// The benchmark's only environment.
    pub Bench = "bench"
);
girder::namespace!(
    /// The namespace of the benchmark's services.
    pub Services = "services"
);
girder::secret! {
    /// A token every service reads.
    pub struct SharedCredentials { api_token = "api-token" }
}

/// `n` web services in one namespace, each with an env var from a Secret key, CPU and memory
/// requests and limits, liveness and readiness probes, a Service, a NetworkPolicy admitting pods
/// labelled `role=frontend`, and an autoscaler from 2 to 10 pods at 70 % CPU.
pub fn scale(n: usize) -> App {
    let app = App::new("scale");
    let ns = app.environment(Bench).kubernetes().namespace(Services);
    let secret = SharedCredentials::existing(&ns, "shared-credentials");
    for i in 0..n {
        let svc = WebService::new(&ns, format!("svc-{i}"))
            .image(format!("registry.example.com/team/svc-{i}:1.0.{i}"))
            .port(8080)
            .replicas(Replicas::between(2, 10).cpu(70))
            .resources(
                Resources::new()
                    .cpu(Cpu::millis(250), Cpu::cores(1))
                    .memory(Memory::mib(256), Memory::mib(512)),
            )
            .liveness(Probe::http("/healthz"))
            .readiness(Probe::http("/ready"))
            .build();
        svc.env("API_TOKEN", secret.api_token());
        svc.allow_from(Peer::pods_labelled("role", "frontend"));
    }
    app
}

/// `n` web services in one namespace where each connects to the next two (`svc-i` to
/// `svc-(i+1)` and `svc-(i+2)`, wrapping around): about `2n` edges for the wiring graph's
/// benchmark (`graph-bench`).
pub fn wired(n: usize) -> App {
    let app = App::new("wired");
    let ns = app.environment(Bench).kubernetes().namespace(Services);
    let services: Vec<_> = (0..n)
        .map(|i| {
            WebService::new(&ns, format!("svc-{i}"))
                .image(format!("registry.example.com/team/svc-{i}:1.0.{i}"))
                .port(8080)
                .replicas(2)
                .build()
        })
        .collect();
    for (i, svc) in services.iter().enumerate() {
        for step in [1, 2] {
            let j = (i + step) % n;
            if j != i {
                let conn = svc.connect(&services[j]);
                svc.env(format!("NEXT_{step}_URL"), conn.url());
            }
        }
    }
    app
}
