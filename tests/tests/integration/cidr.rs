//! CIDR ranges: every construct API that takes one checks it with the one `Cidr` type, and a
//! malformed range is reported at synth with the construct's path, beside every other error.

use girder::aws::AwsExt;
use girder::constructs::aws::{
    Cluster, EndpointAccess, Network, NodeGroup, Postgres, RedisCluster,
};
use girder::prelude::*;

use crate::WithAddOns;
use crate::{Prod, Web, synth_errors, synth_text};

/// A program giving a bad range to each API that takes one.
fn every_api_with(bad: &str) -> App {
    let app = App::new("shop");
    let prod = app.environment(Prod);
    let aws = prod.aws("123456789012", "eu-west-1");
    let base = aws.stack("base");
    let data = aws.stack("data");
    let net = Network::new(&base, "net").cidr(bad).build();
    let eks = Cluster::new(&base, "eks")
        .network(&net)
        .endpoint(EndpointAccess::public_and_private([bad]))
        .node_group(NodeGroup::new("general").instance_types(["m6i.large"]))
        .build();
    let db = Postgres::rds(&data, "db").network(&net).build();
    db.allow_from_cidr(bad, "office");
    let cache = RedisCluster::new(&data, "cache").network(&net).build();
    cache.allow_from_cidr(bad, "office");
    let ns = eks.kubernetes().with_add_ons().namespace(Web);
    WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.0")
        .port(8080)
        .build()
        .allow_from(Peer::cidr(bad));
    Worker::new(&ns, "crawler")
        .image("ghcr.io/acme/crawler:1.0")
        .replicas(1)
        .build()
        .allow_to(Peer::cidr(bad), Port::tcp("https", 443));
    app
}

/// The paths of the constructs [`every_api_with`] gives the range to.
const PATHS: [&str; 6] = [
    "prod/aws/base/net",
    "prod/aws/base/eks",
    "prod/aws/data/db",
    "prod/aws/data/cache",
    "prod/web/api",
    "prod/web/crawler",
];

/// `errors` reports `message` at each of `paths`, as `error: <message>` then `--> <path>`.
fn assert_reported_at(errors: &str, message: &str, paths: &[&str]) {
    for path in paths {
        let expected = format!("error: {message}\n  --> {path}\n");
        assert!(
            errors.contains(&expected),
            "missing\n{expected}in\n{errors}"
        );
    }
}

#[test]
fn a_malformed_range_in_each_api_is_reported_at_synth_with_the_construct_path() {
    let errors = synth_errors(&every_api_with("10.0.0.300/16"));
    assert_reported_at(
        &errors,
        "`10.0.0.300/16` is not a CIDR range: `10.0.0.300` is not an IPv4 or IPv6 address",
        &PATHS,
    );
    let errors = synth_errors(&every_api_with("10.0.0.0/33"));
    assert_reported_at(
        &errors,
        "`10.0.0.0/33` is not a CIDR range: the prefix length is 0 to 32 for an IPv4 address",
        &PATHS,
    );
    let errors = synth_errors(&every_api_with("10.0.0.0"));
    assert_reported_at(
        &errors,
        "`10.0.0.0` is not a CIDR range: write an address and a prefix length, e.g. `10.0.0.0/16`",
        &PATHS,
    );
}

#[test]
fn host_bits_after_the_prefix_are_reported_with_the_range_meant() {
    let errors = synth_errors(&every_api_with("10.20.0.1/16"));
    assert_reported_at(
        &errors,
        "`10.20.0.1/16` has bits set after its 16-bit prefix: write `10.20.0.0/16` for the range, or `10.20.0.1/32` for the one address",
        &PATHS,
    );
}

#[test]
fn ipv6_ranges_are_written_where_the_target_takes_them_and_refused_where_it_does_not() {
    let errors = synth_errors(&every_api_with("2001:db8::/32"));
    assert_reported_at(
        &errors,
        "`2001:db8::/32` is not a private IPv4 /16",
        &["prod/aws/base/net"],
    );
    assert_reported_at(
        &errors,
        "`2001:db8::/32` is not an IPv4 range",
        &["prod/aws/base/eks"],
    );
    assert_reported_at(
        &errors,
        "ingress from `2001:db8::/32`, an IPv6 range",
        &["prod/aws/data/db", "prod/aws/data/cache"],
    );
    // NetworkPolicies take IPv6 blocks: no error at the workloads.
    assert_eq!(
        crate::scaler::error_paths(&errors),
        [
            "prod/aws/base/net",
            "prod/aws/base/eks",
            "prod/aws/data/db",
            "prod/aws/data/cache"
        ],
        "{errors}"
    );
}

#[test]
fn typed_and_text_ranges_are_written_in_canonical_form() {
    let app = App::new("shop");
    let prod = app.environment(Prod);
    let base = prod.aws("123456789012", "eu-west-1").stack("base");
    let vpc: Cidr = "10.20.0.0/16".parse().expect("a valid range");
    let net = Network::new(&base, "net").cidr(vpc).build();
    assert_eq!(net.cidr(), Some(vpc));
    assert_eq!(net.private_cidrs()[1].to_string(), "10.20.160.0/19");
    let eks = Cluster::new(&base, "eks")
        .network(&net)
        .node_group(NodeGroup::new("general").instance_types(["m6i.large"]))
        .build();
    let ns = eks.kubernetes().with_add_ons().namespace(Web);
    WebService::new(&ns, "api")
        .image("ghcr.io/acme/api:1.0")
        .port(8080)
        .build()
        .allow_from(Peer::cidr("2001:DB8:0::/48"));
    let text = synth_text(&app);
    assert!(text.contains(r#""CidrBlock": "10.20.0.0/16""#), "{text}");
    assert!(text.contains(r#""CidrBlock": "10.20.16.0/20""#), "{text}");
    assert!(text.contains(r#""CidrBlock": "10.20.160.0/19""#), "{text}");
    assert!(text.contains(r#"cidr: "2001:db8::/48""#), "{text}");
}
