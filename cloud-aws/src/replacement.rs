//! What an update, a replacement or a removal of a CloudFormation resource costs: the rules
//! `girder diff` checks a change against.
//!
//! * Which properties replace a resource when they change: the type's create-only properties
//!   from the generated registry ([`crate::registry::create_only`], every generated type), plus
//!   the conditionally create-only properties the registry schemas list but the generated
//!   registry does not carry yet ([`replacing_properties`]).
//! * Which updates CloudFormation cannot apply at all, because the service refuses them (a
//!   storage shrink): [`refused_updates`].
//! * What is at stake when a resource is replaced or deleted: [`stake`]. A type holds data when
//!   it has default deletion policies ([`crate::entry::STATEFUL_DEFAULTS`]) or is listed here
//!   (a backup vault); a type is a foundation when the resources that hold data are built on it
//!   (a VPC, an EKS cluster), so that replacing it replaces or breaks them too.
//!
//! ```
//! use girder_aws::replacement::{replacing_properties, stake, Stake};
//!
//! assert!(replacing_properties("AWS::RDS::DBInstance").any(|p| p == "/Engine"));
//! assert_eq!(stake("AWS::RDS::DBInstance"), Some(Stake::Data("database")));
//! assert!(matches!(stake("AWS::EC2::VPC"), Some(Stake::Foundation { .. })));
//! assert_eq!(stake("AWS::SQS::Queue"), None);
//! ```

use std::fmt;

use serde_json::Value;

use crate::entry::default_policies;
use crate::registry::create_only;

/// What replacing or deleting a resource of a type loses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stake {
    /// The resource holds data (`"database"`, `"bucket"`): its replacement starts empty.
    Data(&'static str),
    /// Resources that hold data are built on it: replacing it replaces or breaks them too.
    Foundation {
        /// What it is (`"VPC"`).
        noun: &'static str,
        /// What goes with it (`"every subnet, security group and database in it"`).
        with: &'static str,
    },
}

impl Stake {
    /// What the resource is: `"database"`, `"VPC"`.
    pub fn noun(self) -> &'static str {
        match self {
            Stake::Data(noun) | Stake::Foundation { noun, .. } => noun,
        }
    }
}

impl fmt::Display for Stake {
    /// `database`, or `VPC, and with it every subnet, ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stake::Data(noun) => f.write_str(noun),
            Stake::Foundation { noun, with } => write!(f, "{noun}, and with it {with}"),
        }
    }
}

/// What each type that holds data holds, for the report. Types with default deletion policies
/// that are not listed hold a `"stateful resource"`.
const HOLDS: &[(&str, &str)] = &[
    ("AWS::RDS::DBInstance", "database"),
    ("AWS::RDS::DBCluster", "database"),
    ("AWS::DocDB::DBCluster", "database"),
    ("AWS::Neptune::DBCluster", "database"),
    ("AWS::Redshift::Cluster", "database"),
    ("AWS::DynamoDB::Table", "database"),
    ("AWS::DynamoDB::GlobalTable", "database"),
    ("AWS::ElastiCache::ReplicationGroup", "cache"),
    ("AWS::ElastiCache::CacheCluster", "cache"),
    ("AWS::EC2::Volume", "volume"),
    ("AWS::S3::Bucket", "bucket"),
    ("AWS::KMS::Key", "KMS key"),
    ("AWS::SecretsManager::Secret", "secret"),
    ("AWS::Logs::LogGroup", "log group"),
    ("AWS::ECR::Repository", "repository"),
    ("AWS::EFS::FileSystem", "file system"),
    ("AWS::Cognito::UserPool", "user pool"),
    // Not given default policies (CloudFormation cannot delete a vault that holds recovery
    // points, so a removal fails rather than loses them), but a renamed vault is a new, empty
    // one: the recovery points stay behind in the old one, outside the stack.
    ("AWS::Backup::BackupVault", "backup vault"),
];

/// Types the resources that hold data are built on. Replacing one changes its physical ID, which
/// the resources built on it name in create-only properties (a subnet's, a security group's and
/// a database subnet group's `VpcId`; a node group's and an add-on's `ClusterName`), so they are
/// replaced in turn — or the update fails because the old one still has dependents.
const FOUNDATIONS: &[(&str, &str, &str)] = &[
    (
        "AWS::EC2::VPC",
        "VPC",
        "every subnet, security group, database and cluster in it",
    ),
    (
        "AWS::EKS::Cluster",
        "EKS cluster",
        "every node group, workload and volume on it",
    ),
];

/// What replacing or deleting a resource of `type_name` loses, `None` when nothing is lost that
/// a new resource does not recreate.
pub fn stake(type_name: &str) -> Option<Stake> {
    if let Some((_, noun, with)) = FOUNDATIONS.iter().find(|(t, ..)| *t == type_name) {
        return Some(Stake::Foundation { noun, with });
    }
    let listed = HOLDS.iter().find(|(t, _)| *t == type_name).map(|(_, h)| *h);
    match (listed, default_policies(type_name)) {
        (Some(holds), _) => Some(Stake::Data(holds)),
        (None, Some(_)) => Some(Stake::Data("stateful resource")),
        (None, None) => None,
    }
}

/// Properties whose change may replace the resource although the generated registry does not
/// list them as create-only: the registry schemas' `conditionalCreateOnlyProperties` that Girder
/// treats as replacing. Treated as create-only: a `girder diff` that warns too often is better
/// than one that misses a replaced database.
const CONDITIONALLY_CREATE_ONLY: &[(&str, &[&str])] = &[
    // aws-rds-dbinstance.json and aws-rds-dbcluster.json list Engine under
    // conditionalCreateOnlyProperties: RDS changes an engine in place only between editions of
    // one engine (Oracle or SQL Server); any other engine change is a new database. See
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-rds-dbinstance.html#cfn-rds-dbinstance-engine
    ("AWS::RDS::DBCluster", &["/Engine"]),
    ("AWS::RDS::DBInstance", &["/Engine"]),
];

/// The properties (JSON pointers below `Properties`, `*` for any index or key) whose change
/// replaces a resource of `type_name`: its create-only properties from the registry, then the
/// conditionally create-only ones Girder treats as replacing. Empty for a type the registry
/// does not know.
pub fn replacing_properties(type_name: &str) -> impl Iterator<Item = &'static str> {
    let conditional = CONDITIONALLY_CREATE_ONLY
        .iter()
        .find(|(t, _)| *t == type_name)
        .map_or(&[][..], |(_, p)| p);
    create_only(type_name)
        .unwrap_or_default()
        .iter()
        .chain(conditional)
        .copied()
}

/// An update the service refuses, so that CloudFormation's update fails and rolls back.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RefusedUpdate {
    /// The property, a JSON pointer below `Properties` (`/AllocatedStorage`).
    pub property: &'static str,
    /// Why the service refuses it.
    pub reason: &'static str,
}

impl fmt::Display for RefusedUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.property.trim_start_matches('/');
        write!(f, "{name} {}", self.reason)
    }
}

/// Numeric properties that can only grow: `(type, property pointer, reason)`.
const GROW_ONLY: &[(&str, &str, &str)] = &[
    // "You can't reduce the amount of storage for a DB instance after storage has been
    // allocated": https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIOPS.ModifyingExisting.html
    (
        "AWS::RDS::DBInstance",
        "/AllocatedStorage",
        "shrinks: RDS cannot reduce a database's allocated storage",
    ),
    // Multi-AZ DB clusters have allocated storage under the same rule.
    (
        "AWS::RDS::DBCluster",
        "/AllocatedStorage",
        "shrinks: RDS cannot reduce a database's allocated storage",
    ),
    // "You can't decrease the size of an EBS volume":
    // https://docs.aws.amazon.com/ebs/latest/userguide/modify-volume-requirements.html
    (
        "AWS::EC2::Volume",
        "/Size",
        "shrinks: EBS cannot reduce a volume's size",
    ),
];

/// The updates of a resource of `type_name` from the properties `old` to `new` that the service
/// refuses. A value that is not a literal number (an intrinsic function) is not compared.
///
/// ```
/// use girder_aws::replacement::refused_updates;
/// use serde_json::json;
///
/// let db = |gb: &str| json!({"AllocatedStorage": gb});
/// let refused = refused_updates("AWS::RDS::DBInstance", &db("100"), &db("50"));
/// assert_eq!(refused[0].to_string(), "AllocatedStorage shrinks: RDS cannot reduce a database's allocated storage");
/// assert!(refused_updates("AWS::RDS::DBInstance", &db("50"), &db("100")).is_empty());
/// ```
pub fn refused_updates(type_name: &str, old: &Value, new: &Value) -> Vec<RefusedUpdate> {
    let number = |v: &Value, pointer: &str| match v.pointer(pointer)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    GROW_ONLY
        .iter()
        .filter(|(t, ..)| *t == type_name)
        .filter_map(|&(_, property, reason)| {
            let (a, b) = (number(old, property)?, number(new, property)?);
            (b < a).then_some(RefusedUpdate { property, reason })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_stateful_default_type_holds_data() {
        for (type_name, ..) in crate::entry::STATEFUL_DEFAULTS {
            assert!(
                matches!(stake(type_name), Some(Stake::Data(h)) if h != "stateful resource"),
                "{type_name}"
            );
        }
        assert_eq!(
            stake("AWS::Backup::BackupVault"),
            Some(Stake::Data("backup vault"))
        );
        assert_eq!(
            stake("AWS::EKS::Cluster").map(|s| s.to_string()),
            Some("EKS cluster, and with it every node group, workload and volume on it".into())
        );
    }

    #[test]
    fn foundations_and_replacing_properties_are_in_the_registry() {
        for (type_name, ..) in FOUNDATIONS {
            assert!(create_only(type_name).is_some(), "{type_name}");
        }
        for (type_name, props) in CONDITIONALLY_CREATE_ONLY {
            let all: Vec<_> = replacing_properties(type_name).collect();
            assert!(props.iter().all(|p| all.contains(p)), "{type_name}");
            assert!(all.contains(&"/StorageEncrypted"), "{type_name}");
        }
        assert_eq!(replacing_properties("AWS::Example::Unknown").count(), 0);
    }

    #[test]
    fn shrinks_are_refused_and_intrinsics_not_compared() {
        let size = |v: Value| json!({"Size": v});
        assert_eq!(
            refused_updates("AWS::EC2::Volume", &size(json!(100)), &size(json!("20"))),
            [RefusedUpdate {
                property: "/Size",
                reason: "shrinks: EBS cannot reduce a volume's size"
            }]
        );
        let param = json!({"Ref": "Size"});
        assert!(refused_updates("AWS::EC2::Volume", &size(json!(100)), &size(param)).is_empty());
        assert!(refused_updates("AWS::S3::Bucket", &size(json!(2)), &size(json!(1))).is_empty());
    }
}
