//! The wiring graph (`graph`): the edges come from the final objects and are told apart by
//! what declared them; the Mermaid and DOT texts of two examples; the SVG by the real `dot`; the
//! changed edges in `diff`'s reports; the README's graphs are the build's.

use girder::k8s_openapi::api::networking::v1::NetworkPolicy;
use girder::prelude::*;
use girder::synth::graph::{EdgeKind, Graph, NodeKind};
use serde_json::json;

use crate::{Data, Prod, Web, run_cli};

fn graph(app: &App) -> Graph {
    girder::synth::synthesize(app)
        .unwrap_or_else(|d| panic!("synth failed:\n{d}"))
        .manifest
        .graph
}

/// The edges as `from -> to (port, kind)` with node labels, sorted.
fn edges(graph: &Graph) -> Vec<String> {
    let label = |id: &str| {
        graph
            .nodes
            .iter()
            .find(|n| n.id == id)
            .map_or_else(|| format!("?{id}"), |n| n.label.clone())
    };
    let mut out: Vec<String> = graph
        .edges
        .iter()
        .map(|e| {
            format!(
                "{} -> {} ({}, {})",
                label(&e.from),
                label(&e.to),
                e.port,
                e.kind.describe()
            )
        })
        .collect();
    out.sort();
    out
}

/// web → api → db, and a metrics scraper admitted by a raw rule; `connect_web` adds web's edge.
fn program(connect_web: bool) -> App {
    let app = App::new("shop");
    let env = app.environment(Prod);
    crate::accept_test_tags(&env);
    let k8s = env.kubernetes();
    let web_ns = k8s.namespace(Web);
    let data = k8s.namespace(Data);
    let db = StatefulService::new(&data, "db")
        .image("ghcr.io/acme/orders-db:16.4")
        .port(Port::tcp("pg", 5432))
        .volume(DataVolume::new(
            "data",
            "/var/lib/postgresql/data",
            Memory::gib(10),
        ))
        .build();
    let api = WebService::new(&web_ns, "api")
        .image("ghcr.io/acme/api:1.4.2")
        .port(8080)
        .build();
    let to_db = api.connect(&db);
    api.env("DB_HOST", to_db.host());
    let web = WebService::new(&web_ns, "web")
        .image("ghcr.io/acme/web:2.0.1")
        .port(8080)
        .build();
    if connect_web {
        let to_api = web.connect(&api);
        web.env("API_URL", to_api.url());
    }
    // A raw rule pair, not a `connect`: the scraper may reach api's pods, which admit it.
    let scraper = Worker::new(&web_ns, "scraper")
        .image("ghcr.io/acme/scraper:0.3.0")
        .replicas(1)
        .build();
    scraper.allow_to(
        Peer::pods_labelled("app.kubernetes.io/name", "api"),
        Port::tcp("http", 8080),
    );
    api.allow_from(Peer::pods_labelled("app.kubernetes.io/name", "scraper"));
    app
}

#[test]
fn edges_come_from_the_final_objects_and_tell_connect_from_other_rules() {
    let graph = graph(&program(true));
    assert_eq!(
        edges(&graph),
        [
            "api -> db (TCP 5432, connect)",
            "scraper -> api (TCP 8080, rule, not a connect)",
            "web -> api (TCP 8080, connect)",
        ]
    );
    let db = graph.nodes.iter().find(|n| n.label == "db").expect("db");
    assert_eq!(db.kind, NodeKind::DataStore);
    assert_eq!(db.detail, "StatefulService");
    assert_eq!(db.group, "data");
    assert_eq!(db.construct, "prod/data/db");
}

#[test]
fn a_connect_the_final_objects_refuse_is_drawn_blocked() {
    // web keeps its connection to api without an address (no reachability check sees it), and a
    // patch narrows web's policy to DNS only: the edge is still declared, and refused.
    let app = program(false);
    let env = app.environment(Prod);
    let web_ns = env.kubernetes().namespace(Web);
    let api = WebService::new(&web_ns, "search")
        .image("ghcr.io/acme/search:1.0.0")
        .port(9200)
        .build();
    let client = Worker::new(&web_ns, "indexer")
        .image("ghcr.io/acme/indexer:1.0.0")
        .replicas(1)
        .build();
    client.connect(&api).keep();
    client.patch::<NetworkPolicy>(
        serde_json::from_value(json!([{ "op": "remove", "path": "/spec/egress/1" }]))
            .expect("a valid JSON patch"),
    );
    let graph = graph(&app);
    let blocked: Vec<String> = edges(&graph)
        .into_iter()
        .filter(|e| e.contains("blocked"))
        .collect();
    assert_eq!(blocked, ["indexer -> search (TCP 9200, blocked connect)"]);
    assert!(graph.edges.iter().any(|e| e.kind == EdgeKind::Blocked));
    assert!(graph.mermaid().contains("--x"), "{}", graph.mermaid());
}

#[test]
fn aws_servers_entries_and_the_internet_are_drawn_beside_the_cluster() {
    let graph = graph(&girder_examples::scraper());
    let edges = edges(&graph);
    for expected in [
        "web -> db (TCP 5432, connect)",
        "parser -> pages (TCP 443, connect)",
        "scraper.example.com -> web (TCP http, entry)",
        "scrapers -> internet (TCP 80, rule, not a connect)",
    ] {
        assert!(
            edges.iter().any(|e| e == expected),
            "{expected} in {edges:#?}"
        );
    }
    let db = graph.nodes.iter().find(|n| n.label == "db").expect("db");
    assert_eq!(
        (db.kind, db.detail.as_str(), db.group.as_str()),
        (NodeKind::External, "Postgres", "data")
    );
}

#[test]
fn the_graphs_of_two_examples() {
    for (name, app) in [
        ("scraper", girder_examples::scraper()),
        ("city-graph", girder_examples::city_graph()),
    ] {
        let graph = graph(&app);
        insta::assert_snapshot!(format!("{name}.mmd"), graph.mermaid());
        insta::assert_snapshot!(format!("{name}.dot"), graph.dot());
        // Deterministic: the same program draws the same bytes.
        assert_eq!(graph.mermaid(), self::graph(&app).mermaid());
    }
}

#[test]
fn graph_command_filters_an_environment_and_refuses_an_unknown_one() {
    let app = girder_examples::city_graph();
    let (code, out, err) = run_cli(&app, &["graph", "--env", "staging", "--format", "dot"]);
    assert_eq!(code, std::process::ExitCode::SUCCESS, "{err}");
    assert!(out.contains("environment staging") && !out.contains("environment prod"));
    let (code, _, err) = run_cli(&app, &["graph", "--env", "qa"]);
    assert_eq!(code, std::process::ExitCode::from(2));
    assert!(
        err.contains("no environment `qa`") && err.contains("prod, staging"),
        "{err}"
    );
}

#[test]
fn svg_is_laid_out_by_graphviz() {
    if which("dot").is_none() {
        assert!(
            std::env::var_os("GIRDER_REQUIRE_TOOLS").is_none(),
            "Graphviz's `dot` is missing, and GIRDER_REQUIRE_TOOLS says CI has it"
        );
        eprintln!("SKIPPED svg_is_laid_out_by_graphviz: Graphviz's `dot` is not installed");
        return;
    }
    let svg = graph(&girder_examples::scraper())
        .svg()
        .expect("dot lays the graph out");
    assert!(svg.contains("<svg"), "{svg}");
    for label in ["dispatcher", "Postgres", "scraper.example.com", "legend"] {
        assert!(svg.contains(label), "{label} in the SVG");
    }
}

fn which(tool: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(tool))
            .find(|p| p.is_file())
    })
}

#[test]
fn diff_shows_the_edges_a_change_adds() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("dist");
    let out = out.to_str().expect("utf-8 path");
    let (code, _, err) = run_cli(&program(false), &["synth", "--out", out]);
    assert_eq!(code, std::process::ExitCode::SUCCESS, "{err}");
    let changed = program(true);
    let (_, text, _) = run_cli(&changed, &["diff", "--against", out]);
    assert!(
        text.contains(
            "+ wiring prod/web/Deployment/web -> prod/web/Deployment/api (TCP 8080, connect)"
        ),
        "{text}"
    );
    let (_, markdown, _) = run_cli(
        &changed,
        &["diff", "--against", out, "--format", "markdown"],
    );
    assert!(
        markdown.contains("#### Wiring: 1 edge added, 0 removed"),
        "{markdown}"
    );
    assert!(
        markdown.contains("```mermaid\nflowchart LR\n"),
        "{markdown}"
    );
    assert!(markdown.contains("added: TCP 8080"), "{markdown}");
    let (_, json, _) = run_cli(&changed, &["diff", "--against", out, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(
        json["wiring"]["added"],
        json!([{
            "from": "prod/web/Deployment/web",
            "to": "prod/web/Deployment/api",
            "port": "TCP 8080",
            "kind": "connect",
        }])
    );
    // The same program: no wiring section.
    let (_, same, _) = run_cli(
        &program(false),
        &["diff", "--against", out, "--format", "markdown"],
    );
    assert!(!same.contains("Wiring"), "{same}");
}

/// The README's and the guide's graphs are the examples' own: regenerate them with
/// `GIRDER_BLESS=1 cargo test -p girder-tests --test integration graph::`.
#[test]
fn the_readme_and_guide_graphs_are_generated() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let graphs = [
        ("scraper", graph(&girder_examples::scraper()).mermaid()),
        (
            "city-graph",
            graph(&girder_examples::city_graph())
                .environment("prod")
                .mermaid(),
        ),
    ];
    for file in ["README.md", "docs/src/graph.md"] {
        let path = root.join(file);
        let text = std::fs::read_to_string(&path).expect("readable");
        let mut new = text.clone();
        for (name, mermaid) in &graphs {
            let start = format!("<!-- graph {name}: generated by the tests, do not edit -->\n");
            let end = format!("<!-- end of graph {name} -->");
            let Some(at) = new.find(&start) else { continue };
            let from = at + start.len();
            let to = from + new[from..].find(&end).expect("the graph's end marker");
            new.replace_range(from..to, &format!("```mermaid\n{mermaid}```\n"));
        }
        assert!(
            new.contains("<!-- graph "),
            "{file} shows no generated graph"
        );
        if std::env::var_os("GIRDER_BLESS").is_some() {
            std::fs::write(&path, &new).expect("writable");
        } else {
            assert!(
                new == text,
                "{file}'s graphs are not the examples' graphs: run `GIRDER_BLESS=1 cargo test -p girder-tests --test integration graph::`"
            );
        }
    }
}
