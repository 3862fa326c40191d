//! The AWS data constructs: PostgreSQL on RDS, Redis on ElastiCache, ECR repositories and
//! CloudWatch alarms, through synthesis and the validators.

use girder::aws::fns::import_value;
use girder::aws::{AwsExt, AwsStack};
use girder::constructs::aws::{
    Alarm, Backups, Comparison, Metric, Network, PgExtension, Postgres, PostgresVersion,
    RedisCluster, Repository, Statistic,
};
use girder::prelude::*;

use crate::{Prod, synth_errors};

const DATA: &str = "prod/cfn/shop-prod-data.template.json";

/// The network in stack `base` and a stack `data` for the data constructs, as a platform team
/// lays them out.
fn layout(app: &App) -> (AwsStack<Prod>, Network<Prod>) {
    let aws = app.environment(Prod).aws("123456789012", "eu-west-1");
    let net = Network::new(&aws.stack("base"), "net").build();
    (aws.stack("data"), net)
}

fn templates(app: &App) -> Vec<(String, serde_json::Value)> {
    let assembly = girder::synth::synthesize(app).unwrap_or_else(|d| panic!("synth failed:\n{d}"));
    assembly
        .files
        .iter()
        .filter(|(path, _)| path.ends_with(".template.json"))
        .map(|(path, text)| {
            (
                path.to_string(),
                serde_json::from_str(&text.to_string()).expect("JSON"),
            )
        })
        .collect()
}

fn template(app: &App, path: &str) -> serde_json::Value {
    templates(app)
        .into_iter()
        .find(|(p, _)| p == path)
        .unwrap_or_else(|| panic!("no {path}"))
        .1
}

/// The resources of `template` of type `ty`.
fn of_type<'a>(template: &'a serde_json::Value, ty: &str) -> Vec<&'a serde_json::Value> {
    template["Resources"]
        .as_object()
        .expect("resources")
        .values()
        .filter(|r| r["Type"] == ty)
        .collect()
}

#[test]
fn postgres_snapshot_and_validators() {
    let app = App::new("shop");
    let (data, net) = layout(&app);
    let db = Postgres::rds(&data, "orders")
        .network(&net)
        .engine(PostgresVersion::V16)
        .extension(PgExtension::PostGis)
        .extension(PgExtension::PgCron)
        .instance_class("db.m6g.large")
        .storage_gib(100)
        .backups(Backups::daily().retain_days(30).weekly_retain_weeks(12))
        .build();
    db.allow_from_security_group(
        import_value("shop-prod-cluster:NodeSecurityGroupId"),
        "Kubernetes nodes",
    );
    db.allow_from_cidr(net.private_cidrs()[0], "private subnet of zone a");
    assert_eq!((db.database_name(), db.port()), ("orders", 5432));

    let t = template(&app, DATA);
    let instance = of_type(&t, "AWS::RDS::DBInstance")[0];
    assert_eq!(instance["DeletionPolicy"], "Snapshot");
    assert_eq!(instance["Properties"]["EngineVersion"], "16.13");
    assert_eq!(instance["Properties"]["MaxAllocatedStorage"], 200);
    let params = &of_type(&t, "AWS::RDS::DBParameterGroup")[0]["Properties"];
    assert_eq!(params["Family"], "postgres16");
    assert_eq!(
        params["Parameters"]["shared_preload_libraries"],
        "pg_stat_statements,pg_cron"
    );
    assert_eq!(params["Parameters"]["rds.force_ssl"], "1");
    assert_eq!(params["Parameters"]["cron.database_name"], "orders");
    let plan = &of_type(&t, "AWS::Backup::BackupPlan")[0]["Properties"]["BackupPlan"];
    let retention: Vec<_> = plan["BackupPlanRule"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["Lifecycle"]["DeleteAfterDays"].as_f64().expect("days"))
        .collect();
    assert_eq!(retention, [30.0, 84.0]);
    let ingress = &of_type(&t, "AWS::EC2::SecurityGroup")[0]["Properties"]["SecurityGroupIngress"];
    assert_eq!(ingress.as_array().map(Vec::len), Some(2), "{ingress}");
    insta::assert_snapshot!(serde_json::to_string_pretty(&t).expect("JSON"));
    crate::validate(&app, "postgres");
}

#[test]
fn redis_snapshot_and_validators() {
    let app = App::new("shop");
    let (data, net) = layout(&app);
    let cache = RedisCluster::new(&data, "cache")
        .network(&net)
        .node_type("cache.t4g.small")
        .replicas(2)
        .build();
    assert_eq!(cache.port(), 6379);

    let t = template(&app, DATA);
    let group = of_type(&t, "AWS::ElastiCache::ReplicationGroup")[0];
    assert_eq!(group["DeletionPolicy"], "Snapshot");
    let props = &group["Properties"];
    assert_eq!(props["NumCacheClusters"], 3);
    assert_eq!(props["AutomaticFailoverEnabled"], true);
    assert_eq!(props["MultiAZEnabled"], true);
    assert_eq!(props["TransitEncryptionEnabled"], true);
    let sg = &of_type(&t, "AWS::EC2::SecurityGroup")[0]["Properties"];
    assert!(
        sg.get("SecurityGroupIngress").is_none(),
        "no ingress until the program allows a client: {sg}"
    );
    insta::assert_snapshot!(serde_json::to_string_pretty(&t).expect("JSON"));
    crate::validate(&app, "redis");
}

#[test]
fn repository_snapshot_and_validators() {
    let app = App::new("shop");
    let (data, _) = layout(&app);
    let api = Repository::new(&data, "api").build();
    Repository::new(&data, "worker")
        .name("acme/worker")
        .keep_images(200)
        .expire_untagged_after_days(3)
        .build();
    assert_eq!(api.name(), "shop-prod-data/api");

    let t = template(&app, DATA);
    for repository in of_type(&t, "AWS::ECR::Repository") {
        assert_eq!(repository["DeletionPolicy"], "Retain");
        assert_eq!(repository["Properties"]["ImageTagMutability"], "IMMUTABLE");
    }
    insta::assert_snapshot!(serde_json::to_string_pretty(&t).expect("JSON"));
    crate::validate(&app, "repository");
}

#[test]
fn alarms_snapshot_and_validators() {
    let app = App::new("shop");
    let (data, _) = layout(&app);
    let jobs = Queue::new(&data, "jobs").build();
    Alarm::queue_depth(&data, "jobs-backlog")
        .queue(&jobs)
        .threshold(1000)
        .notify(import_value("shop-prod-alerts:OnCallTopicArn"))
        .build();
    Alarm::new(&data, "jobs-stale")
        .metric(
            Metric::new("AWS/SQS", "ApproximateAgeOfOldestMessage")
                .dimension("QueueName", jobs.name()),
        )
        .statistic(Statistic::Maximum)
        .period_seconds(300)
        .evaluation_periods(3)
        .comparison(Comparison::GreaterThan)
        .threshold(900.0)
        .description("jobs wait more than 15 minutes: see the runbook")
        .build();

    let t = template(&app, DATA);
    let alarms = of_type(&t, "AWS::CloudWatch::Alarm");
    assert_eq!(alarms.len(), 2);
    let dimension = &alarms[0]["Properties"]["Dimensions"][0];
    assert_eq!(dimension["Name"], "QueueName");
    assert_eq!(dimension["Value"]["Fn::Select"][0], 5, "{dimension}");
    insta::assert_snapshot!(serde_json::to_string_pretty(&t).expect("JSON"));
    crate::validate(&app, "alarms");
}

#[test]
fn every_data_validation_error_is_reported_at_once() {
    let app = App::new("shop");
    let aws = app.environment(Prod).aws("123456789012", "eu-west-1");
    let data = aws.stack("data");
    let narrow = Network::new(&aws.stack("base"), "narrow")
        .availability_zones(1)
        .build();
    let db = Postgres::rds(&data, "db")
        .network(&narrow)
        .instance_class("m6g.large")
        .storage_gib(10)
        .backups(Backups::daily().retain_days(40).weekly_retain_weeks(0))
        .extension(PgExtension::TimescaleDb)
        .database_name("Orders-DB")
        .build();
    db.allow_from_cidr("0.0.0.0/0", "everyone");
    db.allow_from_cidr("10.0.0.1/16", "");
    RedisCluster::new(&data, "single")
        .network(&narrow)
        .node_type("t4g.small")
        .replicas(0)
        .build();
    RedisCluster::new(&data, "wide")
        .network(&narrow)
        .replicas(6)
        .failover(false)
        .snapshot_retention_days(40)
        .build();
    Repository::new(&data, "images")
        .name("Bad_Name")
        .keep_images(0)
        .build();
    Alarm::new(&data, "odd")
        .metric(Metric::new("AWS/SQS", ""))
        .period_seconds(45)
        .evaluation_periods(0)
        .threshold(f64::NAN)
        .build();

    let errors = synth_errors(&app);
    for message in [
        // Postgres
        "instance class `m6g.large`\n  --> prod/aws/data/db",
        "storage of 10 GiB",
        "backups kept 40 days",
        "weekly backups kept 0 weeks",
        "extension `timescaledb` on PostgreSQL 17.9: RDS for PostgreSQL does not offer",
        "database name `Orders-DB`",
        "Multi-AZ in network `prod/aws/base/narrow`, which spans 1 availability zone",
        "ingress from `0.0.0.0/0`: every address",
        "`10.0.0.1/16` has bits set after its 16-bit prefix: write `10.0.0.0/16` for the range",
        "ingress rule description ``",
        // Redis
        "node type `t4g.small`\n  --> prod/aws/data/single",
        "automatic failover on a single node",
        "6 replicas",
        "snapshots kept 40 days",
        "network `prod/aws/base/narrow` spans 1 availability zone; a subnet group needs 2",
        // Repository
        "repository name `Bad_Name`",
        "keeps 0 images",
        // Alarm
        "a period of 45 s",
        "0 evaluation periods of 45 s",
        "threshold NaN",
        "metric name ``",
    ] {
        assert!(
            errors.contains(message),
            "missing `{message}` in:\n{errors}"
        );
    }
    assert!(errors.contains("hint: "), "{errors}");
}

/// Every secret-carrying property is a `{{resolve:secretsmanager:...}}` reference, never a
/// literal, and no secret holds a literal value.
#[test]
fn no_template_holds_a_literal_password_or_token() {
    let app = App::new("shop");
    let (data, net) = layout(&app);
    Postgres::rds(&data, "db").network(&net).build();
    RedisCluster::new(&data, "cache").network(&net).build();

    fn check(value: &serde_json::Value, key: &str, found: &mut usize) {
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    check(v, k, found);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| check(v, key, found)),
            _ => {}
        }
        if ["MasterUserPassword", "MasterUsername", "AuthToken"].contains(&key) {
            let text = value.to_string();
            assert!(
                text.contains("{{resolve:secretsmanager:"),
                "{key} is not a dynamic reference: {text}"
            );
            *found += 1;
        }
        assert!(
            key != "SecretString",
            "a secret with a literal value: {value}"
        );
    }
    let mut found = 0;
    for (path, t) in templates(&app) {
        let mut here = 0;
        check(&t, "", &mut here);
        assert!(
            path != DATA || here == 3,
            "{path}: {here} secret properties"
        );
        found += here;
    }
    assert_eq!(found, 3);
}
