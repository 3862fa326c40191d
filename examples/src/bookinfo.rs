//! Istio's Bookinfo, a public multi-service reference system, re-expressed in Girder with no
//! escape hatch: no `edit`, `patch` or aspect touches an object. See
//! `examples/bookinfo/README.md` for how it maps to Istio's `bookinfo.yaml`.

use girder::prelude::*;

girder::environment!(
    /// Production.
    pub Prod = "prod"
);
girder::namespace!(
    /// The four services of the book store and their ingress.
    pub Bookinfo = "bookinfo"
);

/// Istio publishes Bookinfo's images by release tag.
const RELEASE: &str = "1.20.3";

fn image(service: &str) -> String {
    format!("docker.io/istio/examples-bookinfo-{service}:{RELEASE}")
}

/// A Bookinfo service: every one listens on 9080 and answers `/health`.
fn service(
    ns: &Namespace<Prod, Bookinfo>,
    id: &str,
    image_name: &str,
) -> WebService<Prod, Bookinfo> {
    WebService::new(ns, id)
        .image(image(image_name))
        .port(9080)
        .replicas(2..=4)
        .readiness(Probe::http("/health").period(5))
        .liveness(Probe::http("/health").initial_delay(15))
        .build()
}

/// Bookinfo: `productpage` (Python) calls `details` (Ruby) and `reviews` (Java, three
/// versions behind one Service, split by Istio), and `reviews` v2 and v3 call `ratings`
/// (Node.js). Every edge is a `connect`, so each NetworkPolicy admits exactly its callers.
pub fn bookinfo() -> App {
    let app = App::new("bookinfo");
    let k8s = app.environment(Prod).kubernetes();
    girder::constructs::AcceptImageTags::because(
        "Istio publishes the Bookinfo images by release tag only",
    )
    .apply_to(k8s.environment());
    // Istio with its ingress path, installed by Argo CD.
    k8s.gitops(GitOps::argo_cd());
    HelmChart::new(&k8s, "istio", charts::Istio::default()).build();
    HelmChart::new(&k8s, "ingress-nginx", charts::IngressNginx::default()).build();
    HelmChart::new(&k8s, "cert-manager", charts::CertManager::default()).build();
    let ns = k8s.namespace(Bookinfo);

    let details = service(&ns, "details", "details-v1");
    let ratings = service(&ns, "ratings", "ratings-v1");

    // Three versions of reviews: v1 shows no stars, v2 black ones, v3 red ones. Open Liberty
    // writes its logs and work area under its install directory.
    let reviews: Vec<WebService<Prod, Bookinfo>> =
        [("v1", None), ("v2", Some("black")), ("v3", Some("red"))]
            .into_iter()
            .map(|(version, stars)| {
                let reviews = service(
                    &ns,
                    &format!("reviews-{version}"),
                    &format!("reviews-{version}"),
                );
                reviews.scratch_dir("/opt/ibm/wlp/output");
                reviews.env(
                    "ENABLE_RATINGS",
                    if stars.is_some() { "true" } else { "false" },
                );
                if let Some(color) = stars {
                    // The service appends `:9080` to the host it is given.
                    reviews
                        .env("RATINGS_HOSTNAME", reviews.connect(&ratings).host())
                        .env("STAR_COLOR", color);
                }
                reviews
            })
            .collect();
    // One `reviews` Service for the three: most requests to v1, some to v2 and v3, and every
    // request of the signed-in user `jason` to v2 (Bookinfo's routing demo).
    let split = TrafficSplit::new(&ns, "reviews")
        .to(&reviews[0], 80)
        .to(&reviews[1], 10)
        .to(&reviews[2], 10)
        .header_route("end-user", "jason", &reviews[1])
        .build();

    let productpage = WebService::new(&ns, "productpage")
        .image(image("productpage-v1"))
        .port(9080)
        .replicas(2..=6)
        .readiness(Probe::http("/health").period(5))
        .liveness(Probe::http("/health").initial_delay(15))
        .build();
    let to_details = productpage.connect(&details);
    let to_reviews = productpage.connect(&split);
    let to_ratings = productpage.connect(&ratings);
    productpage
        .env("DETAILS_HOSTNAME", to_details.host())
        .env("DETAILS_SERVICE_PORT", to_details.port())
        .env("REVIEWS_HOSTNAME", to_reviews.host())
        .env("REVIEWS_SERVICE_PORT", to_reviews.port())
        .env("RATINGS_HOSTNAME", to_ratings.host())
        .env("RATINGS_SERVICE_PORT", to_ratings.port());

    let issuer = LetsEncrypt::new(&k8s, "letsencrypt")
        .email("ops@example.com")
        .build();
    let public = Ingress::new(&ns, "public")
        .host("bookinfo.example.com")
        .issuer(&issuer)
        .build();
    for path in [
        "/productpage",
        "/static",
        "/login",
        "/logout",
        "/api/v1/products",
    ] {
        public.route(path, &productpage);
    }
    app
}
