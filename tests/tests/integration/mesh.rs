//! Istio traffic splits and Gateway API routes: snapshots, validators, the NetworkPolicies they
//! imply, and the mistakes synth reports.

use girder::constructs::{HttpRoute, TrafficSplit};
use girder::prelude::*;
use serde_json::{Value, json};

use crate::WithAddOns;
use crate::{Prod, Web, synth_errors, synth_text};

/// Every YAML document of the synthesized files, as JSON.
fn documents(app: &App) -> Vec<Value> {
    let assembly = girder::synth::synthesize(app).unwrap_or_else(|d| panic!("synth failed:\n{d}"));
    assembly
        .files
        .iter()
        .filter(|(path, _)| path.ends_with(".yaml"))
        .flat_map(|(_, text)| {
            let text = text.to_string();
            serde_saphyr::from_multiple::<Value>(&text).expect("valid YAML")
        })
        .collect()
}

/// The document of `kind` named `name`.
fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

/// Whether `labels` carries every label of `selector`.
fn selects(selector: &Value, labels: &Value) -> bool {
    let selector = selector.as_object().expect("a label map");
    !selector.is_empty() && selector.iter().all(|(k, v)| &labels[k] == v)
}

/// The seed's API: v1 and v2 behind one Service, 90/10, v2 also by header and by path; the web
/// front end is a client of the split.
fn api_versions() -> App {
    let app = App::new("shop");
    crate::accept_test_tags(&app.environment(Prod));
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    let v1 = WebService::new(&ns, "api-v1")
        .image("ghcr.io/acme/api:1.9.0")
        .port(8080)
        .readiness(Probe::http("/ready"))
        .build();
    let v2 = WebService::new(&ns, "api-v2")
        .image("ghcr.io/acme/api:2.0.0")
        .port(8080)
        .readiness(Probe::http("/ready"))
        .replicas(2..=4)
        .build();
    let api = TrafficSplit::new(&ns, "api")
        .host_port(8080)
        .to(&v1, 90)
        .to(&v2, 10)
        .header_route("x-api-version", "2", &v2)
        .path_route("/api/v2", &v2)
        .build();
    let web = WebService::new(&ns, "web")
        .image("ghcr.io/acme/web:3.1.0")
        .port(8080)
        .build();
    web.env("API_URL", web.connect(&api).url());
    app
}

#[test]
fn traffic_split_snapshot() {
    insta::assert_snapshot!(synth_text(&api_versions()));
}

#[test]
fn traffic_split_passes_the_validators() {
    crate::validate(&api_versions(), "traffic-split");
}

/// The split's Service, subsets and NetworkPolicies line up with the versions' pods: the client
/// reaches the split's pods, and each version admits the client on its port.
#[test]
fn a_client_of_the_split_is_admitted_by_both_versions() {
    let docs = documents(&api_versions());
    let web_pods = &find(&docs, "Deployment", "web")["spec"]["template"]["metadata"]["labels"];
    let service = find(&docs, "Service", "api");
    assert_eq!(
        service["spec"]["selector"],
        json!({"split.girder.dev/api": "member"})
    );
    let subsets = &find(&docs, "DestinationRule", "api")["spec"]["subsets"];
    for (i, version) in ["api-v1", "api-v2"].into_iter().enumerate() {
        let pods = &find(&docs, "Deployment", version)["spec"]["template"]["metadata"]["labels"];
        assert!(
            selects(&service["spec"]["selector"], pods),
            "the split's Service selects {version}'s pods"
        );
        assert_eq!(subsets[i]["name"], version);
        assert!(
            selects(&subsets[i]["labels"], pods),
            "subset {version} selects its pods"
        );
        let other = if i == 0 { "api-v2" } else { "api-v1" };
        let other_pods =
            &find(&docs, "Deployment", other)["spec"]["template"]["metadata"]["labels"];
        assert!(
            !selects(&subsets[i]["labels"], other_pods),
            "subset {version} selects only its own pods"
        );
        let policy = find(&docs, "NetworkPolicy", version);
        assert!(selects(&policy["spec"]["podSelector"]["matchLabels"], pods));
        let admitted = policy["spec"]["ingress"]
            .as_array()
            .expect("ingress rules")
            .iter()
            .any(|rule| {
                rule["ports"] == json!([{"port": 8080, "protocol": "TCP"}])
                    && rule["from"].as_array().into_iter().flatten().any(|peer| {
                        peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                            == "web"
                            && selects(&peer["podSelector"]["matchLabels"], web_pods)
                    })
            });
        assert!(admitted, "{version} admits web on 8080: {policy}");
    }
    let egress = &find(&docs, "NetworkPolicy", "web")["spec"]["egress"];
    assert!(
        egress.as_array().expect("egress rules").iter().any(|rule| {
            rule["ports"] == json!([{"port": 8080, "protocol": "TCP"}])
                && rule["to"][0]["podSelector"]["matchLabels"] == service["spec"]["selector"]
        }),
        "web may connect to the split's pods: {egress}"
    );
    let env = &find(&docs, "Deployment", "web")["spec"]["template"]["spec"]["containers"][0]["env"];
    assert_eq!(
        env,
        &json!([{"name": "API_URL", "value": "http://api.web.svc.cluster.local:8080"}])
    );
}

#[test]
fn traffic_split_mistakes_are_reported_at_once() {
    let app = App::new("shop");
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    // Release tags accepted: only the split's mistakes are reported.
    girder::constructs::AcceptImageTags::because("test images").apply_to(ns.environment());
    let v1 = WebService::new(&ns, "api-v1")
        .image("ghcr.io/acme/api:1.9.0")
        .port(8080)
        .build();
    let v2 = WebService::new(&ns, "api-v2")
        .image("ghcr.io/acme/api:2.0.0")
        .port(8081)
        .build();
    let v3 = WebService::new(&ns, "api-v3")
        .image("ghcr.io/acme/api:3.0.0")
        .port(Port::tcp("grpc", 8080))
        .build();
    TrafficSplit::new(&ns, "api")
        .to(&v1, 90)
        .to(&v2, 20)
        .header_route("X-Api-Version", "3", &v3)
        .path_route("v3", &v3)
        .build();
    TrafficSplit::new(&ns, "pinned")
        .host_port(9090)
        .to(&v1, 50)
        .to(&v1, 50)
        .build();
    let errors = synth_errors(&app);
    for (path, message) in [
        (
            "prod/web/api",
            "the weights add up to 110, not 100 (`api-v1` 90, `api-v2` 20)",
        ),
        (
            "prod/web/api",
            "`prod/web/api-v2` listens on `http` 8081/TCP, but the split serves `http` 8080/TCP",
        ),
        (
            "prod/web/api",
            "`prod/web/api-v3` listens on `grpc` 8080/TCP, but the split serves `http` 8080/TCP",
        ),
        ("prod/web/api", "invalid header name `X-Api-Version`"),
        (
            "prod/web/api",
            "path route `v3` is not an absolute URL path",
        ),
        ("prod/web/pinned", "`api-v1` is given a weight twice"),
        (
            "prod/web/pinned",
            "`prod/web/api-v1` listens on `http` 8080/TCP, but the split serves `http` 9090/TCP",
        ),
    ] {
        let found = errors
            .split("error: ")
            .any(|e| e.contains(message) && e.contains(&format!("--> {path}\n")));
        assert!(found, "missing `{message}` at `{path}` in:\n{errors}");
    }
    assert_eq!(errors.matches("error: ").count(), 7, "{errors}");
    assert_eq!(errors.matches("hint: ").count(), 7, "{errors}");
}

/// v1 and v2 behind an Istio Gateway API gateway by path, admitted only from its pods.
fn public_routes() -> App {
    let app = App::new("shop");
    crate::accept_test_tags(&app.environment(Prod));
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    let v1 = WebService::new(&ns, "api-v1")
        .image("ghcr.io/acme/api:1.9.0")
        .port(8080)
        .build();
    let v2 = WebService::new(&ns, "api-v2")
        .image("ghcr.io/acme/api:2.0.0")
        .port(Port::tcp("http", 9000))
        .build();
    HttpRoute::new(&ns, "public")
        .gateway("istio-ingress", "istio-system", Some("https"))
        .host("api.example.com")
        .build()
        .route("/v1", &v1)
        .route("/v2", &v2);
    app
}

#[test]
fn http_route_snapshot() {
    insta::assert_snapshot!(synth_text(&public_routes()));
}

#[test]
fn http_route_passes_the_validators() {
    crate::validate(&public_routes(), "http-route");
}

#[test]
fn http_route_admits_the_gateway_on_the_routed_port_only() {
    let docs = documents(&public_routes());
    let route = find(&docs, "HTTPRoute", "public");
    assert_eq!(
        route["spec"]["parentRefs"],
        json!([{"name": "istio-ingress", "namespace": "istio-system", "sectionName": "https"}])
    );
    assert_eq!(route["spec"]["hostnames"], json!(["api.example.com"]));
    for (i, (version, port)) in [("api-v1", 8080), ("api-v2", 9000)].into_iter().enumerate() {
        let rule = &route["spec"]["rules"][i];
        assert_eq!(
            rule["backendRefs"],
            json!([{"name": version, "port": port}])
        );
        let ingress = &find(&docs, "NetworkPolicy", version)["spec"]["ingress"];
        assert_eq!(
            ingress,
            &json!([{
                "from": [{
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "istio-system"}},
                    "podSelector": {"matchLabels": {"gateway.networking.k8s.io/gateway-name": "istio-ingress"}}
                }],
                "ports": [{"port": port, "protocol": "TCP"}]
            }])
        );
    }
}

#[test]
fn gateway_pods_are_configurable() {
    let app = App::new("shop");
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    let api = WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.9.0")
        .port(8080)
        .build();
    HttpRoute::new(&ns, "public")
        .gateway("ingress", "istio-system", None)
        .gateway_pods("istio", "ingressgateway")
        .build()
        .route("/", &api);
    let docs = documents(&app);
    let route = find(&docs, "HTTPRoute", "public");
    assert_eq!(
        route["spec"]["parentRefs"],
        json!([{"name": "ingress", "namespace": "istio-system"}])
    );
    assert!(route["spec"].get("hostnames").is_none());
    let from = &find(&docs, "NetworkPolicy", "api")["spec"]["ingress"][0]["from"][0];
    assert_eq!(
        from["podSelector"],
        json!({"matchLabels": {"istio": "ingressgateway"}})
    );
}

#[test]
fn http_route_mistakes_are_reported_at_once() {
    let app = App::new("shop");
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    let api = WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.9.0")
        .port(8080)
        .build();
    HttpRoute::new(&ns, "public")
        .gateway("Public", "istio-system", Some("HTTPS"))
        .host("api.example.com.")
        .build()
        .route("v1", &api)
        .route("v1", &api);
    HttpRoute::new(&ns, "empty")
        .gateway("public", "istio-system", None)
        .build();
    let errors = synth_errors(&app);
    for (path, message) in [
        ("prod/web/public", "`Public` is not a valid Gateway name"),
        ("prod/web/public", "`HTTPS` is not a valid listener name"),
        (
            "prod/web/public",
            "`api.example.com.` is not a valid host name",
        ),
        (
            "prod/web/public",
            "route path `v1` is not an absolute URL path",
        ),
        ("prod/web/public", "route path `v1` is routed twice"),
        ("prod/web/empty", "the HTTPRoute has no route"),
    ] {
        let found = errors
            .split("error: ")
            .any(|e| e.contains(message) && e.contains(&format!("--> {path}\n")));
        assert!(found, "missing `{message}` at `{path}` in:\n{errors}");
    }
    assert_eq!(errors.matches("error: ").count(), 7, "{errors}");
}

/// Versions whose Service port differs from their container port: the split's Service listens
/// on the Service port too, so a client's address works through the split, the VirtualService
/// routes to that port, and the NetworkPolicies still open the container's.
#[test]
fn a_split_serves_the_versions_service_port() {
    let app = App::new("shop");
    crate::accept_test_tags(&app.environment(Prod));
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    let version = |id: &str, port: Port| {
        WebService::new(&ns, id)
            .image("ghcr.io/acme/api:1.9.0")
            .port(port)
            .build()
    };
    let v1 = version("api-v1", Port::http(8080).service_port(80));
    let v2 = version("api-v2", Port::http(8080).service_port(80));
    let api = TrafficSplit::new(&ns, "api")
        .to(&v1, 50)
        .to(&v2, 50)
        .build();
    let web = version("web", Port::http(8080));
    web.env("API_URL", web.connect(&api).url());
    let docs = documents(&app);
    let service = find(&docs, "Service", "api");
    assert_eq!(service["spec"]["ports"][0]["port"], 80, "{service}");
    assert_eq!(
        service["spec"]["ports"][0]["targetPort"], "http",
        "{service}"
    );
    let routes = &find(&docs, "VirtualService", "api")["spec"]["http"];
    assert_eq!(
        routes[0]["route"][0]["destination"]["port"]["number"], 80,
        "{routes}"
    );
    let text = synth_text(&app);
    assert!(
        text.contains("value: http://api.web.svc.cluster.local:80"),
        "{text}"
    );
    let policy = find(&docs, "NetworkPolicy", "api");
    assert_eq!(
        policy["spec"]["ingress"][0]["ports"][0]["port"], 8080,
        "{policy}"
    );

    // A version behind another Service port would answer on a port the split does not serve.
    let app = App::new("shop");
    crate::accept_test_tags(&app.environment(Prod));
    let ns = app
        .environment(Prod)
        .kubernetes()
        .with_add_ons()
        .namespace(Web);
    let v1 = WebService::new(&ns, "api-v1")
        .image("ghcr.io/acme/api:1.9.0")
        .port(Port::http(8080).service_port(80))
        .build();
    let v2 = WebService::new(&ns, "api-v2")
        .image("ghcr.io/acme/api:2.0.0")
        .port(8080)
        .build();
    TrafficSplit::new(&ns, "api")
        .to(&v1, 50)
        .to(&v2, 50)
        .build();
    let errors = synth_errors(&app);
    assert!(
        errors.contains(
            "`prod/web/api-v2` listens on `http` 8080/TCP, but the split serves `http` 8080/TCP (Service port 80)"
        ),
        "{errors}"
    );
}
