//! Where stacks deploy: an AWS [`Account`] and [`Region`] (together an [`AwsEnvironment`]), and
//! a stack's identity, its [`StackAddress`].
//!
//! The address types are plain values checked once, when they are made; they depend on nothing
//! else of this crate, so that everything naming a stack (intrinsics, references, the export
//! ledger, templates, stacks) can build on them.
//!
//! ```
//! use girder_aws::AwsEnvironment;
//! use girder_aws::address::{EnvironmentError, StackAddress};
//!
//! let prod = AwsEnvironment::new("123456789012", "eu-west-1")?;
//! let data = StackAddress::new(&prod, "shop-data");
//! assert_eq!(data.to_string(), "123456789012/eu-west-1/shop-data");
//! assert!(data.same_environment(&StackAddress::new(&prod, "shop-api")));
//! assert_eq!(
//!     AwsEnvironment::new("1234", "eu-west-1"),
//!     Err(EnvironmentError::Account("1234".into()))
//! );
//! # Ok::<(), EnvironmentError>(())
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

/// An environment value CloudFormation would not accept.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnvironmentError {
    /// The account ID is not 12 digits.
    #[error("`{0}` is not an AWS account ID: use its 12 digits, e.g. `123456789012`")]
    Account(String),
    /// The region is not a region name.
    #[error("`{0}` is not an AWS region name such as `eu-west-1`")]
    Region(String),
}

/// A 12-digit AWS account ID.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Account(String);

impl Account {
    /// Checks that `id` is 12 digits.
    pub fn new(id: impl Into<String>) -> Result<Self, EnvironmentError> {
        let id = id.into();
        if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(id))
        } else {
            Err(EnvironmentError::Account(id))
        }
    }

    /// The ID.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An AWS region name, e.g. `eu-west-1`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Region(String);

impl Region {
    /// Checks that `name` looks like a region: lowercase words and a number joined by `-`
    /// (`eu-west-1`, `us-gov-east-1`).
    pub fn new(name: impl Into<String>) -> Result<Self, EnvironmentError> {
        let name = name.into();
        let parts: Vec<&str> = name.split('-').collect();
        let valid = parts.len() >= 3
            && parts[..parts.len() - 1]
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
            && parts
                .last()
                .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        if valid {
            Ok(Self(name))
        } else {
            Err(EnvironmentError::Region(name))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! string_newtype {
    ($($t:ident),*) => {$(
        impl TryFrom<String> for $t {
            type Error = EnvironmentError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                $t::new(value)
            }
        }
        impl From<$t> for String {
            fn from(value: $t) -> Self {
                value.0
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}
string_newtype!(Account, Region);

/// Where stacks deploy: an AWS account and region.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AwsEnvironment {
    account: Account,
    region: Region,
}

impl AwsEnvironment {
    /// The account `account` (12 digits) in `region` (`eu-west-1`).
    pub fn new(account: &str, region: &str) -> Result<Self, EnvironmentError> {
        Ok(Self {
            account: Account::new(account)?,
            region: Region::new(region)?,
        })
    }

    /// The account.
    pub fn account(&self) -> &Account {
        &self.account
    }

    /// The region.
    pub fn region(&self) -> &Region {
        &self.region
    }

    /// A stand-in (`000000000000`, `us-east-1`) for an environment whose account or region was
    /// invalid: the error is reported, and synthesis stops before anything is written.
    pub(crate) fn placeholder() -> Self {
        Self {
            account: Account("000000000000".into()),
            region: Region("us-east-1".into()),
        }
    }
}

/// A stack's identity: account, region and stack name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct StackAddress {
    account: Account,
    region: Region,
    name: String,
}

impl StackAddress {
    /// The stack `name` in `env`. The name is checked at synthesis.
    pub fn new(env: &AwsEnvironment, name: impl Into<String>) -> Self {
        Self {
            account: env.account.clone(),
            region: env.region.clone(),
            name: name.into(),
        }
    }

    /// The account.
    pub fn account(&self) -> &Account {
        &self.account
    }

    /// The region.
    pub fn region(&self) -> &Region {
        &self.region
    }

    /// The stack name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether both stacks deploy to the same account and region (exports work between them).
    pub fn same_environment(&self, other: &StackAddress) -> bool {
        self.account == other.account && self.region == other.region
    }
}

/// `account/region/name`.
impl fmt::Display for StackAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.account, self.region, self.name)
    }
}
