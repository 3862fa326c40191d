//! Helm charts as dependencies: the objects through which Flux or Argo CD install a chart, the
//! typed values, and the rule that an object only an add-on serves needs that add-on in its
//! environment — checked on the final objects, so that an escape hatch can neither hide a need
//! nor fake an installation.

use girder::constructs::helm::{NeedsAddOn, Release};
use girder::k8s::crd::flux::HelmRelease;
use girder::k8s::crd::keda::ScaledObject;
use girder::prelude::*;

use crate::{Prod, Web, accept_test_tags, synth_errors, synth_file, synth_text, validate};

/// A shop whose worker KEDA scales (it emits a ScaledObject), with `gitops` chosen.
fn shop(gitops: Option<GitOps>) -> (App, girder::k8s::Kubernetes<Prod>) {
    let app = App::new("shop");
    let k8s = app.environment(Prod).kubernetes();
    accept_test_tags(k8s.environment());
    if let Some(gitops) = gitops {
        k8s.gitops(gitops);
    }
    Worker::new(&k8s.namespace(Web), "worker")
        .image("ghcr.io/acme/worker:1.0.0")
        .replicas(Replicas::between(1, 4).cpu(80))
        .build();
    (app, k8s)
}

/// How many errors of `errors` are at construct `path` and contain `message`; each has a hint.
fn count(errors: &str, path: &str, message: &str) -> usize {
    errors
        .split("error: ")
        .filter(|e| {
            let at = |after: &str| e.contains(&format!("--> {path}{after}"));
            e.contains(message) && (at(" (") || at("\n"))
        })
        .inspect(|e| assert!(e.contains("hint: "), "no hint in {e}"))
        .count()
}

#[test]
fn an_object_only_a_missing_add_on_serves_is_refused_at_its_construct() {
    let (app, _) = shop(None);
    let errors = synth_errors(&app);
    assert_eq!(
        count(&errors, "prod/web/worker", "needs KEDA"),
        1,
        "{errors}"
    );
    assert!(
        errors.contains("HelmChart::new(&k8s, \"keda\", charts::Keda::default())")
            && errors.contains("k8s.installed_add_on(AddOn::Keda)"),
        "{errors}"
    );
}

#[test]
fn a_chart_of_the_add_on_installs_it_through_flux_or_argo_cd() {
    let (flux, k8s) = shop(Some(GitOps::flux()));
    HelmChart::new(&k8s, "keda", charts::Keda::default()).build();
    insta::assert_snapshot!("flux", synth_file(&flux, "prod/k8s/flux-system.yaml"));

    let (argo, k8s) = shop(Some(GitOps::argo_cd()));
    HelmChart::new(
        &k8s,
        "keda",
        charts::Keda::with_aws_role("arn:aws:iam::123456789012:role/keda"),
    )
    .version("2.17.1")
    .build();
    insta::assert_snapshot!("argo_cd", synth_file(&argo, "prod/k8s/argocd.yaml"));
}

#[test]
fn every_typed_chart_passes_the_validators_with_both_controllers() {
    for (label, gitops) in [("flux", GitOps::flux()), ("argo-cd", GitOps::argo_cd())] {
        let (app, k8s) = shop(Some(gitops));
        HelmChart::new(&k8s, "ingress-nginx", charts::IngressNginx::default()).build();
        HelmChart::new(&k8s, "cert-manager", charts::CertManager::default()).build();
        HelmChart::new(&k8s, "prometheus", charts::KubePrometheusStack::default()).build();
        HelmChart::new(&k8s, "keda", charts::Keda::default()).build();
        HelmChart::new(&k8s, "external-secrets", charts::ExternalSecrets::default()).build();
        let istio = charts::Istio {
            ingress_gateway: Some(charts::IstioGatewayValues::default()),
            ..Default::default()
        };
        HelmChart::new(&k8s, "istio", istio).build();
        let text = synth_text(&app);
        let installers =
            text.matches("kind: HelmRelease").count() + text.matches("kind: Application").count();
        // Istio is three releases (base, istiod, the gateway), the others one each.
        assert_eq!(installers, 8, "{label}");
        validate(&app, &format!("helm-{label}"));
    }
}

#[test]
fn an_untyped_chart_counts_by_its_repository_and_chart() {
    let keda = |repository: &str| {
        Release::untyped(
            "keda",
            "keda",
            repository,
            "keda",
            "2.17.2",
            Default::default(),
        )
    };
    let (app, k8s) = shop(Some(GitOps::flux()));
    HelmChart::untyped(&k8s, "keda", keda("https://kedacore.github.io/charts/"));
    synth_text(&app);

    // The same chart name from another repository is not KEDA's.
    let (app, k8s) = shop(Some(GitOps::flux()));
    HelmChart::untyped(&k8s, "keda", keda("https://charts.example.com"));
    let errors = synth_errors(&app);
    assert_eq!(
        count(&errors, "prod/web/worker", "needs KEDA"),
        1,
        "{errors}"
    );
}

#[test]
fn an_add_on_or_its_kind_declared_installed_counts() {
    let (app, k8s) = shop(None);
    k8s.installed_add_on(AddOn::Keda);
    synth_text(&app);
    let (app, k8s) = shop(None);
    k8s.installed::<ScaledObject>();
    synth_text(&app);
    // Another add-on does not.
    let (app, k8s) = shop(None);
    k8s.installed_add_on(AddOn::CertManager);
    assert_eq!(
        count(&synth_errors(&app), "prod/web/worker", "needs KEDA"),
        1
    );
}

#[test]
fn an_escape_hatch_cannot_fake_an_installation_or_hide_a_need() {
    // An aspect that points the release at another chart: KEDA is no longer installed.
    let (app, k8s) = shop(Some(GitOps::flux()));
    HelmChart::new(&k8s, "keda", charts::Keda::default()).build();
    app.aspect(|m: &mut Manifest, _: &mut Visit<'_>| {
        if let Some(release) = m.downcast_mut::<HelmRelease>()
            && let Some(chart) = release.spec.chart.as_mut()
        {
            chart.spec.chart = "keda-fork".into();
        }
    });
    let errors = synth_errors(&app);
    assert_eq!(
        count(&errors, "prod/web/worker", "needs KEDA"),
        1,
        "{errors}"
    );

    // A JSON patch that moves an object into a group an add-on serves: it needs that add-on.
    let (app, k8s) = shop(Some(GitOps::flux()));
    HelmChart::new(&k8s, "keda", charts::Keda::default()).build();
    let patch: girder::json_patch::Patch = serde_json::from_value(serde_json::json!([
        {"op": "add", "path": "/spec/ingressClassName", "value": "nginx"}
    ]))
    .expect("a patch");
    let ns = k8s.namespace(Web);
    let api = WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.0.0")
        .port(8080)
        .build();
    let issuer = LetsEncrypt::new(&k8s, "letsencrypt")
        .email("ops@example.com")
        .build();
    HelmChart::new(&k8s, "cert-manager", charts::CertManager::default()).build();
    Ingress::new(&ns, "public")
        .host("shop.example.com")
        .issuer(&issuer)
        .controller(IngressController::custom(
            "traefik",
            "traefik",
            ("app", "traefik"),
        ))
        .build()
        .route("/", &api);
    app.aspect(move |m: &mut Manifest, _: &mut Visit<'_>| {
        if m.object().kind() == "Ingress" {
            m.apply_patch(&patch).expect("applies");
        }
    });
    let errors = synth_errors(&app);
    assert_eq!(
        count(&errors, "prod/web/public", "needs ingress-nginx"),
        1,
        "{errors}"
    );
}

#[test]
fn a_chart_needs_one_gitops_controller_and_valid_releases() {
    let (app, k8s) = shop(None);
    HelmChart::new(&k8s, "keda", charts::Keda::default()).build();
    let errors = synth_errors(&app);
    assert_eq!(
        count(
            &errors,
            "prod/keda",
            "environment `prod` chooses no GitOps controller"
        ),
        1,
        "{errors}"
    );

    let (app, k8s) = shop(Some(GitOps::flux()));
    k8s.gitops(GitOps::argo_cd());
    HelmChart::new(&k8s, "keda", charts::Keda::default()).build();
    let errors = synth_errors(&app);
    assert_eq!(
        count(&errors, "prod/keda", "chooses 2 GitOps controllers"),
        1,
        "{errors}"
    );

    let (app, k8s) = shop(Some(GitOps::flux()));
    k8s.installed_add_on(AddOn::Keda);
    let bad = Release::untyped(
        "Podinfo",
        "podinfo",
        "http://charts.example.com",
        "podinfo",
        "^6",
        Default::default(),
    );
    HelmChart::untyped(&k8s, "podinfo", bad);
    let errors = synth_errors(&app);
    for message in [
        "the release name `Podinfo` is not a DNS label",
        "`http://charts.example.com` is neither an `https://` index nor an `oci://` registry",
        "`^6` is not an exact chart version",
    ] {
        assert_eq!(
            count(&errors, "prod/podinfo", message),
            1,
            "{message}: {errors}"
        );
    }
}

/// A platform construct that relies on Istio's sidecars without emitting an Istio object.
#[derive(Debug)]
struct Meshed;

impl girder::core::Construct for Meshed {
    fn kind(&self) -> &'static str {
        "Meshed"
    }

    fn render(&self, _cx: &girder::core::Context<'_>, out: &mut girder::core::Emitted) {
        out.emit(NeedsAddOn::new(
            AddOn::Istio,
            "its pods take mutual TLS from Istio's sidecars",
        ));
    }
}

#[test]
fn a_construct_declares_a_need_its_objects_do_not_show() {
    let (app, k8s) = shop(Some(GitOps::flux()));
    k8s.installed_add_on(AddOn::Keda);
    app.add(k8s.node(), "meshed", Meshed);
    let errors = synth_errors(&app);
    assert_eq!(
        count(
            &errors,
            "prod/meshed",
            "needs Istio (its pods take mutual TLS from Istio's sidecars)"
        ),
        1,
        "{errors}"
    );
    HelmChart::new(&k8s, "istio", charts::Istio::default()).build();
    synth_text(&app);
}
