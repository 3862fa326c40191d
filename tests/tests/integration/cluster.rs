//! `Cluster`: EKS on CloudFormation, its node groups and IAM roles for service accounts.

use girder::aws::AwsExt;
use girder::aws::policy::{PolicyDocument, Statement};
use girder::constructs::aws::{
    Cluster, EndpointAccess, KubernetesVersion, Network, NodeGroup, TaintEffect,
};
use girder::prelude::*;

use crate::WithAddOns;
use crate::{Prod, Web, synth_errors};

const TEMPLATE: &str = "prod/cfn/shop-prod-base.template.json";

/// The two-node-group cluster of the construct's docs, with one IRSA role.
fn shop() -> (App, Cluster<Prod>) {
    let app = App::new("shop");
    let base = app
        .environment(Prod)
        .aws("123456789012", "eu-west-1")
        .stack("base");
    let net = Network::new(&base, "net").availability_zones(3).build();
    let eks = Cluster::new(&base, "eks")
        .network(&net)
        .version(KubernetesVersion::V1_33)
        .endpoint(EndpointAccess::Private)
        .node_group(
            NodeGroup::new("general")
                .instance_types(["m6i.large"])
                .scaling(3..=10),
        )
        .node_group(
            NodeGroup::new("cpu")
                .instance_types(["c6i.2xlarge"])
                .scaling(0..=20)
                .disk_gib(100)
                .label("workload", "cpu")
                .taint("workload", "cpu", TaintEffect::NoSchedule),
        )
        .build();
    eks.service_account_role(
        "shop",
        "api",
        PolicyDocument::new([
            Statement::allow(["s3:GetObject"]).resource("arn:aws:s3:::shop-uploads/*")
        ]),
    );
    (app, eks)
}

fn template(app: &App) -> serde_json::Value {
    let assembly = girder::synth::synthesize(app).unwrap_or_else(|d| panic!("synth failed:\n{d}"));
    serde_json::from_str(&assembly.files[TEMPLATE].to_string()).expect("JSON")
}

fn resources_of<'a>(
    t: &'a serde_json::Value,
    ty: &str,
) -> Vec<(&'a String, &'a serde_json::Value)> {
    t["Resources"]
        .as_object()
        .expect("resources")
        .iter()
        .filter(|(_, r)| r["Type"] == ty)
        .collect()
}

#[test]
fn cluster_snapshot_and_validators() {
    let (app, eks) = shop();
    assert_eq!(eks.name(), "shop-prod-base-eks");
    let t = template(&app);
    let count = |ty: &str| resources_of(&t, ty).len();
    assert_eq!(count("AWS::EKS::Cluster"), 1);
    assert_eq!(count("AWS::EKS::Nodegroup"), 2);
    assert_eq!(count("AWS::EKS::Addon"), 5);
    assert_eq!(count("AWS::IAM::OIDCProvider"), 1);
    // Cluster, nodes, the EBS CSI driver, External Secrets, KEDA and shop/api.
    assert_eq!(count("AWS::IAM::Role"), 6);
    assert_eq!(count("AWS::KMS::Key"), 1);

    let (_, cluster) = resources_of(&t, "AWS::EKS::Cluster")[0];
    let props = &cluster["Properties"];
    assert_eq!(props["ResourcesVpcConfig"]["EndpointPublicAccess"], false);
    assert_eq!(props["ResourcesVpcConfig"]["EndpointPrivateAccess"], true);
    assert_eq!(
        props["ResourcesVpcConfig"]["SubnetIds"]
            .as_array()
            .expect("subnets")
            .len(),
        3
    );
    assert_eq!(props["EncryptionConfig"][0]["Resources"][0], "secrets");
    assert_eq!(
        props["Logging"]["ClusterLogging"]["EnabledTypes"]
            .as_array()
            .expect("log types")
            .len(),
        5
    );
    assert_eq!(props["AccessConfig"]["AuthenticationMode"], "API");
    assert_eq!(props["Version"], "1.33");

    let (_, key) = resources_of(&t, "AWS::KMS::Key")[0];
    assert_eq!(key["Properties"]["EnableKeyRotation"], true);

    let groups = resources_of(&t, "AWS::EKS::Nodegroup");
    let cpu = groups
        .iter()
        .map(|(_, g)| &g["Properties"])
        .find(|p| p["InstanceTypes"][0] == "c6i.2xlarge")
        .expect("cpu group");
    assert_eq!(cpu["ScalingConfig"]["MinSize"], 0);
    assert_eq!(cpu["ScalingConfig"]["MaxSize"], 20);
    assert_eq!(cpu["ScalingConfig"]["DesiredSize"], 0);
    assert_eq!(cpu["Labels"]["workload"], "cpu");
    assert_eq!(cpu["Taints"][0]["Effect"], "NO_SCHEDULE");
    assert_eq!(cpu["AmiType"], "AL2023_x86_64_STANDARD");

    // Every group launches from its own template: IMDSv2 only, one hop (pods cannot reach the
    // node's role), and an encrypted gp3 root volume.
    let templates = resources_of(&t, "AWS::EC2::LaunchTemplate");
    assert_eq!(templates.len(), 2);
    for (_, group) in &groups {
        let id = group["Properties"]["LaunchTemplate"]["Id"]["Ref"]
            .as_str()
            .expect("a launch template reference");
        let (_, template) = templates
            .iter()
            .find(|(name, _)| name.as_str() == id)
            .expect("the group's template");
        let data = &template["Properties"]["LaunchTemplateData"];
        assert_eq!(data["MetadataOptions"]["HttpTokens"], "required");
        assert_eq!(data["MetadataOptions"]["HttpPutResponseHopLimit"], 1);
        let root = &data["BlockDeviceMappings"][0];
        assert_eq!(root["DeviceName"], "/dev/xvda");
        assert_eq!(root["Ebs"]["Encrypted"], true);
        assert_eq!(root["Ebs"]["VolumeType"], "gp3");
    }
    let cpu_template = &templates
        .iter()
        .find(|(name, _)| Some(name.as_str()) == cpu["LaunchTemplate"]["Id"]["Ref"].as_str())
        .expect("cpu template")
        .1;
    assert_eq!(
        cpu_template["Properties"]["LaunchTemplateData"]["BlockDeviceMappings"][0]["Ebs"]["VolumeSize"],
        100
    );

    insta::assert_snapshot!(serde_json::to_string_pretty(&t).expect("JSON"));
    crate::validate(&app, "cluster");
}

#[test]
fn irsa_trust_policy_names_the_service_account_and_the_audience() {
    let (app, eks) = shop();
    let role = eks.service_account_role("web", "front", PolicyDocument::default());
    assert_eq!((role.namespace(), role.service_account()), ("web", "front"));
    let t = template(&app);
    let oidc = resources_of(&t, "AWS::IAM::OIDCProvider")[0].0.clone();
    let cluster = resources_of(&t, "AWS::EKS::Cluster")[0].0.clone();
    let (_, api) = resources_of(&t, "AWS::IAM::Role")
        .into_iter()
        .find(|(id, _)| id.contains("ShopApi"))
        .expect("the shop/api role");
    let sub = api["Properties"]["AssumeRolePolicyDocument"]["Fn::Sub"]
        .as_array()
        .expect("the trust policy is an Fn::Sub string with variables");
    assert_eq!(
        sub[1]["Provider"],
        serde_json::json!({"Fn::GetAtt": [oidc, "Arn"]})
    );
    assert_eq!(
        sub[1]["Issuer"],
        serde_json::json!({"Fn::Select": [1, {"Fn::Split": ["//", {"Fn::GetAtt": [cluster, "OpenIdConnectIssuerUrl"]}]}]})
    );
    let policy: serde_json::Value =
        serde_json::from_str(sub[0].as_str().expect("string")).expect("the template is JSON");
    let statement = &policy["Statement"][0];
    assert_eq!(policy["Version"], "2012-10-17");
    assert_eq!(statement["Effect"], "Allow");
    assert_eq!(statement["Principal"]["Federated"], "${Provider}");
    assert_eq!(statement["Action"], "sts:AssumeRoleWithWebIdentity");
    assert_eq!(
        statement["Condition"]["StringEquals"],
        serde_json::json!({
            "${Issuer}:sub": "system:serviceaccount:shop:api",
            "${Issuer}:aud": "sts.amazonaws.com",
        })
    );
    // The permissions are the document given, inline.
    assert_eq!(
        api["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0]["Action"][0],
        "s3:GetObject"
    );
    // A role given an empty document has no inline policy.
    let (_, front) = resources_of(&t, "AWS::IAM::Role")
        .into_iter()
        .find(|(id, _)| id.contains("WebFront"))
        .expect("the web/front role");
    assert!(front["Properties"].get("Policies").is_none());
}

#[test]
// `10..=3` is the mistake under test.
#[allow(clippy::reversed_empty_ranges)]
fn every_cluster_error_is_reported_at_once() {
    let app = App::new("shop");
    let base = app
        .environment(Prod)
        .aws("123456789012", "eu-west-1")
        .stack("base");
    let net = Network::new(&base, "net").availability_zones(1).build();
    let eks = Cluster::new(&base, "eks")
        .network(&net)
        .endpoint(EndpointAccess::public_and_private([
            "0.0.0.0/0",
            "10.0.0.300/8",
        ]))
        .log_retention_days(42)
        .node_group(
            NodeGroup::new("general")
                .instance_types(["m6i.large", "m7g.large"])
                .scaling(10..=3),
        )
        .node_group(NodeGroup::new("general").instance_types(["m6i.large"]))
        .node_group(NodeGroup::new("Big_Nodes").scaling(0..=0).disk_gib(8))
        .node_group(
            NodeGroup::new("odd")
                .instance_types(["m6ilarge"])
                .scaling(1..=3)
                .desired(5)
                .label("-bad", "ok")
                .label("team", "not a value")
                .taint("acme.com/", "x", TaintEffect::NoExecute),
        )
        .build();
    eks.service_account_role("Shop", "api_v2", PolicyDocument::default());
    eks.service_account_role(
        "kube-system",
        "ebs-csi-controller-sa",
        PolicyDocument::default(),
    );
    let errors = synth_errors(&app);
    for message in [
        "spans 1 availability zone",
        "node group `general`: scaling 10..=3: the minimum is above the maximum",
        "node group `general`: instance types of two architectures",
        "two node groups are named `general`",
        "node group `Big_Nodes`: invalid name",
        "node group `Big_Nodes`: scaling 0..=0: at most 0 nodes",
        "node group `Big_Nodes`: no instance type",
        "node group `Big_Nodes`: a root volume of 8 GiB",
        "node group `odd`: `m6ilarge` is not an instance type",
        "node group `odd`: 5 desired nodes, outside 1..=3",
        "node group `odd`: label key `-bad`",
        "node group `odd`: label `team` value `not a value`",
        "node group `odd`: taint key `acme.com/`",
        "`0.0.0.0/0` opens the API server to the whole internet",
        "`10.0.0.300/8` is not a CIDR range: `10.0.0.300` is not an IPv4 or IPv6 address",
        "control-plane logs kept 42 days",
        "service account role Shop/api_v2: namespace `Shop` is not a DNS label",
        "service account role Shop/api_v2: service account `api_v2` is not a DNS label",
        "service account kube-system/ebs-csi-controller-sa is given two roles",
    ] {
        assert!(
            errors.contains(message),
            "missing `{message}` in:\n{errors}"
        );
    }
    assert!(errors.contains("--> prod/aws/base/eks"), "{errors}");
    assert_eq!(
        errors.matches("error: ").count(),
        errors.matches("hint: ").count(),
        "every error has a hint:\n{errors}"
    );
    // A duplicate is reported once, by the cluster: the second one is not rendered.
    assert!(!errors.contains("twice"), "{errors}");
}

#[test]
fn a_cluster_without_node_groups_is_reported() {
    let app = App::new("shop");
    let base = app
        .environment(Prod)
        .aws("123456789012", "eu-west-1")
        .stack("base");
    let net = Network::new(&base, "net").build();
    Cluster::new(&base, "eks").network(&net).build();
    let errors = synth_errors(&app);
    assert!(errors.contains("the cluster has no node group"), "{errors}");
}

#[test]
fn arm_instance_types_get_the_arm_ami_and_a_public_endpoint_lists_its_ranges() {
    let app = App::new("shop");
    let base = app
        .environment(Prod)
        .aws("123456789012", "eu-west-1")
        .stack("base");
    let net = Network::new(&base, "net").build();
    Cluster::new(&base, "eks")
        .network(&net)
        .endpoint(EndpointAccess::public_and_private(["203.0.113.0/24"]))
        .node_group(
            NodeGroup::new("graviton")
                .instance_types(["m7g.large", "c6gn.xlarge"])
                .spot(),
        )
        .build();
    let t = template(&app);
    let (_, group) = resources_of(&t, "AWS::EKS::Nodegroup")[0];
    assert_eq!(group["Properties"]["AmiType"], "AL2023_ARM_64_STANDARD");
    assert_eq!(group["Properties"]["CapacityType"], "SPOT");
    let (_, cluster) = resources_of(&t, "AWS::EKS::Cluster")[0];
    let vpc = &cluster["Properties"]["ResourcesVpcConfig"];
    assert_eq!(vpc["EndpointPublicAccess"], true);
    assert_eq!(
        vpc["PublicAccessCidrs"],
        serde_json::json!(["203.0.113.0/24"])
    );
}

#[test]
fn the_cluster_is_the_environments_kubernetes_scope() {
    let (app, eks) = shop();
    let web = eks.kubernetes().with_add_ons().namespace(Web);
    WebService::new(&web, "front")
        .image("ghcr.io/acme/front:1.0.0")
        .port(8080)
        .build();
    let assembly = girder::synth::synthesize(&app).unwrap_or_else(|d| panic!("{d}"));
    assert!(assembly.files.contains_key(TEMPLATE));
    assert!(
        assembly.files.contains_key("prod/k8s/web.yaml"),
        "{:?}",
        assembly.files.keys().collect::<Vec<_>>()
    );
}
