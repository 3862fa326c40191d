//! [`Cidr`]: an IP address range in CIDR notation (`10.0.0.0/16`, `2001:db8::/32`), checked
//! once, where it enters the program.
//!
//! A range is valid when its address is an IPv4 or IPv6 address, its prefix length fits the
//! address (at most 32 or 128) and the address has no bit set past the prefix: `10.0.0.1/16` is
//! refused (it is almost always a typo for `10.0.0.0/16` or `10.0.0.1/32`), and the error names
//! the range that was meant. [`Display`](fmt::Display) writes the canonical form, which is what
//! Kubernetes and CloudFormation are given.
//!
//! Both targets take ranges (NetworkPolicy `ipBlock`s, security group rules, VPCs), so the type
//! lives here, beside the other target-neutral values.
//!
//! ```
//! use girder_core::cidr::{Cidr, CidrError};
//!
//! let private: Cidr = "10.0.128.0/19".parse()?;
//! assert_eq!(private.prefix(), 19);
//! assert_eq!(private.to_string(), "10.0.128.0/19");
//! assert_eq!(Cidr::try_from("2001:DB8::/32")?.to_string(), "2001:db8::/32");
//!
//! let typo = "10.0.0.1/16".parse::<Cidr>().unwrap_err();
//! assert_eq!(
//!     typo.to_string(),
//!     "`10.0.0.1/16` has bits set after its 16-bit prefix: write `10.0.0.0/16` for the range, or `10.0.0.1/32` for the one address"
//! );
//! # Ok::<(), CidrError>(())
//! ```

use std::convert::Infallible;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// Why a text is not a CIDR range. Each variant shows the text.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CidrError {
    /// There is no `/` and prefix length.
    #[error("`{0}` is not a CIDR range: write an address and a prefix length, e.g. `10.0.0.0/16`")]
    MissingPrefix(String),
    /// The part before `/` is not an IPv4 or IPv6 address.
    #[error("`{0}` is not a CIDR range: `{1}` is not an IPv4 or IPv6 address")]
    Address(String, String),
    /// The prefix length is not a number from 0 to 32 (IPv4) or 128 (IPv6).
    #[error(
        "`{value}` is not a CIDR range: the prefix length is 0 to {max} for an {family} address"
    )]
    Prefix {
        /// The text.
        value: String,
        /// 32 or 128.
        max: u8,
        /// `IPv4` or `IPv6`.
        family: &'static str,
    },
    /// The address has bits set after the prefix.
    #[error(
        "`{value}` has bits set after its {prefix}-bit prefix: write `{network}` for the range, or `{host}` for the one address"
    )]
    HostBits {
        /// The text.
        value: String,
        /// The prefix length.
        prefix: u8,
        /// The range the prefix selects, e.g. `10.0.0.0/16`.
        network: Cidr,
        /// The single address, e.g. `10.0.0.1/32`.
        host: Cidr,
    },
}

/// `Cidr` itself converts without error (the `TryFrom` every type has): constructs that take
/// `impl TryInto<Cidr, Error: Into<CidrError>>` accept a `Cidr`, a `&str` and a `String`.
impl From<Infallible> for CidrError {
    fn from(never: Infallible) -> Self {
        match never {}
    }
}

/// An IPv4 or IPv6 address range: an address whose bits after the prefix length are zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cidr {
    address: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Every IPv4 address, `0.0.0.0/0`.
    pub const ANY_V4: Cidr = Cidr {
        address: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        prefix: 0,
    };
    /// Every IPv6 address, `::/0`.
    pub const ANY_V6: Cidr = Cidr {
        address: IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        prefix: 0,
    };

    /// The range of `prefix` bits starting at `address`; an error if the prefix is longer than
    /// the address or `address` has bits set after it.
    pub fn new(address: IpAddr, prefix: u8) -> Result<Self, CidrError> {
        let text = || format!("{address}/{prefix}");
        let max = max_prefix(address);
        if prefix > max {
            return Err(CidrError::Prefix {
                value: text(),
                max,
                family: family(address),
            });
        }
        let network = Cidr {
            address: mask(address, prefix),
            prefix,
        };
        if network.address != address {
            return Err(CidrError::HostBits {
                value: text(),
                prefix,
                network,
                host: Cidr {
                    address,
                    prefix: max,
                },
            });
        }
        Ok(network)
    }

    /// The first address of the range.
    pub fn address(&self) -> IpAddr {
        self.address
    }

    /// The prefix length: how many leading bits every address of the range shares.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether this is an IPv4 range.
    pub fn is_ipv4(&self) -> bool {
        self.address.is_ipv4()
    }

    /// Whether every address of `other` is in this range (of the same family).
    ///
    /// ```
    /// use girder_core::cidr::Cidr;
    ///
    /// let vpc: Cidr = "10.20.0.0/16".parse()?;
    /// assert!(vpc.contains(&"10.20.128.0/19".parse()?));
    /// assert!(!vpc.contains(&"10.21.0.0/19".parse()?));
    /// assert!(!vpc.contains(&"10.0.0.0/8".parse()?));
    /// # Ok::<(), girder_core::cidr::CidrError>(())
    /// ```
    pub fn contains(&self, other: &Cidr) -> bool {
        self.is_ipv4() == other.is_ipv4()
            && self.prefix <= other.prefix
            && mask(other.address, self.prefix) == self.address
    }

    /// Whether the range is every address of its family (`0.0.0.0/0`, `::/0`).
    pub fn is_any(&self) -> bool {
        self.prefix == 0
    }

    /// The `index`-th range of `prefix` bits inside this one, counting from its first address:
    /// how an address plan splits a network. `None` when `prefix` is shorter than this range's
    /// or longer than the address, or when there are not that many.
    ///
    /// ```
    /// use girder_core::cidr::Cidr;
    ///
    /// let vpc: Cidr = "10.20.0.0/16".parse()?;
    /// assert_eq!(vpc.subnet(19, 4).map(|c| c.to_string()).as_deref(), Some("10.20.128.0/19"));
    /// assert_eq!(vpc.subnet(19, 8), None);
    /// assert_eq!(vpc.subnet(8, 0), None);
    /// # Ok::<(), girder_core::cidr::CidrError>(())
    /// ```
    pub fn subnet(&self, prefix: u8, index: u32) -> Option<Cidr> {
        let max = max_prefix(self.address);
        if prefix < self.prefix || prefix > max {
            return None;
        }
        let count = 1u128.checked_shl(u32::from(prefix - self.prefix));
        if count.is_some_and(|count| u128::from(index) >= count) {
            return None;
        }
        let offset = u128::from(index).checked_shl(u32::from(max - prefix))?;
        let address = match self.address {
            IpAddr::V4(v4) => {
                let offset = u32::try_from(offset).ok()?;
                IpAddr::V4(Ipv4Addr::from(u32::from(v4).checked_add(offset)?))
            }
            IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6).checked_add(offset)?)),
        };
        Some(Cidr { address, prefix })
    }
}

fn max_prefix(address: IpAddr) -> u8 {
    if address.is_ipv4() { 32 } else { 128 }
}

fn family(address: IpAddr) -> &'static str {
    if address.is_ipv4() { "IPv4" } else { "IPv6" }
}

/// `address` with every bit after the first `prefix` bits cleared (`prefix` fits the family).
fn mask(address: IpAddr, prefix: u8) -> IpAddr {
    match address {
        IpAddr::V4(v4) => {
            let keep = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(u32::from(v4) & keep))
        }
        IpAddr::V6(v6) => {
            let keep = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(v6) & keep))
        }
    }
}

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let Some((address, prefix)) = value.split_once('/') else {
            return Err(CidrError::MissingPrefix(value.to_owned()));
        };
        let address: IpAddr = address
            .parse()
            .map_err(|_| CidrError::Address(value.to_owned(), address.to_owned()))?;
        let max = max_prefix(address);
        // Digits only: `u8::from_str` would also take `+16`.
        let prefix = (!prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_digit()))
            .then(|| prefix.parse::<u8>().ok())
            .flatten()
            .filter(|p| *p <= max)
            .ok_or_else(|| CidrError::Prefix {
                value: value.to_owned(),
                max,
                family: family(address),
            })?;
        Cidr::new(address, prefix).map_err(|error| match error {
            CidrError::HostBits {
                prefix,
                network,
                host,
                ..
            } => CidrError::HostBits {
                value: value.to_owned(),
                prefix,
                network,
                host,
            },
            other => other,
        })
    }
}

impl TryFrom<&str> for Cidr {
    type Error = CidrError;

    fn try_from(value: &str) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl TryFrom<&String> for Cidr {
    type Error = CidrError;

    fn try_from(value: &String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl TryFrom<String> for Cidr {
    type Error = CidrError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<&Cidr> for Cidr {
    fn from(value: &Cidr) -> Self {
        *value
    }
}

/// The canonical form: `10.0.0.0/16`, `2001:db8::/32` (IPv6 compressed, lowercase).
impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(value: &str) -> Result<Cidr, CidrError> {
        value.parse()
    }

    #[test]
    fn valid_ranges_parse_and_print_canonically() {
        for (text, canonical, prefix) in [
            ("10.0.0.0/16", "10.0.0.0/16", 16),
            ("10.0.128.0/19", "10.0.128.0/19", 19),
            ("203.0.113.7/32", "203.0.113.7/32", 32),
            ("0.0.0.0/0", "0.0.0.0/0", 0),
            ("2001:db8::/32", "2001:db8::/32", 32),
            ("2001:DB8:0:0::/64", "2001:db8::/64", 64),
            ("::/0", "::/0", 0),
            ("fe80::1/128", "fe80::1/128", 128),
        ] {
            let cidr = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(cidr.to_string(), canonical);
            assert_eq!(cidr.prefix(), prefix);
            assert_eq!(parse(&cidr.to_string()), Ok(cidr));
        }
        assert_eq!(parse("0.0.0.0/0"), Ok(Cidr::ANY_V4));
        assert_eq!(parse("::/0"), Ok(Cidr::ANY_V6));
        assert!(Cidr::ANY_V4.is_any() && Cidr::ANY_V4.is_ipv4());
        assert!(!parse("2001:db8::/32").unwrap().is_ipv4());
    }

    #[test]
    fn malformed_ranges_are_errors_that_show_the_value() {
        for (text, expected) in [
            ("10.0.0.0", CidrError::MissingPrefix("10.0.0.0".into())),
            ("", CidrError::MissingPrefix(String::new())),
            (
                "10.0.0/16",
                CidrError::Address("10.0.0/16".into(), "10.0.0".into()),
            ),
            (
                "shop/16",
                CidrError::Address("shop/16".into(), "shop".into()),
            ),
            (
                " 10.0.0.0/16",
                CidrError::Address(" 10.0.0.0/16".into(), " 10.0.0.0".into()),
            ),
        ] {
            assert_eq!(parse(text), Err(expected.clone()), "{text}");
            assert!(expected.to_string().contains(&format!("`{text}`")));
        }
        for (text, max) in [
            ("10.0.0.0/33", 32),
            ("10.0.0.0/", 32),
            ("10.0.0.0/+8", 32),
            ("10.0.0.0/-1", 32),
            ("10.0.0.0/999", 32),
            ("10.0.0.0/16/8", 32),
            ("2001:db8::/129", 128),
        ] {
            let error = parse(text).unwrap_err();
            assert!(
                matches!(&error, CidrError::Prefix { value, max: m, .. } if value == text && *m == max),
                "{text}: {error:?}"
            );
            assert!(error.to_string().contains(&format!("`{text}`")), "{error}");
        }
        assert!(matches!(
            Cidr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 40),
            Err(CidrError::Prefix { max: 32, .. })
        ));
    }

    #[test]
    fn host_bits_after_the_prefix_are_an_error_naming_the_range_meant() {
        let error = parse("10.0.0.1/16").unwrap_err();
        assert_eq!(
            error,
            CidrError::HostBits {
                value: "10.0.0.1/16".into(),
                prefix: 16,
                network: parse("10.0.0.0/16").unwrap(),
                host: parse("10.0.0.1/32").unwrap(),
            }
        );
        let error = parse("2001:db8::1/64").unwrap_err();
        assert_eq!(
            error.to_string(),
            "`2001:db8::1/64` has bits set after its 64-bit prefix: write `2001:db8::/64` for the range, or `2001:db8::1/128` for the one address"
        );
        assert!(parse("10.0.0.128/25").is_ok());
        assert!(parse("10.0.0.64/25").is_err());
        assert!(parse("0.0.0.1/0").is_err());
    }

    #[test]
    fn subnets_split_a_range_in_order() {
        let vpc = parse("10.20.0.0/16").unwrap();
        let subnets: Vec<String> = (0..3)
            .filter_map(|i| vpc.subnet(20, i))
            .map(|c| c.to_string())
            .collect();
        assert_eq!(subnets, ["10.20.0.0/20", "10.20.16.0/20", "10.20.32.0/20"]);
        assert_eq!(vpc.subnet(16, 0), Some(vpc));
        assert_eq!(vpc.subnet(16, 1), None);
        assert_eq!(vpc.subnet(32, 65_535), parse("10.20.255.255/32").ok());
        assert_eq!(vpc.subnet(33, 0), None);
        assert_eq!(Cidr::ANY_V4.subnet(1, 1), parse("128.0.0.0/1").ok());
        assert_eq!(
            Cidr::ANY_V6.subnet(128, u32::MAX),
            parse("::ffff:ffff/128").ok()
        );
        assert_eq!(
            parse("2001:db8::/32").unwrap().subnet(48, 1),
            parse("2001:db8:1::/48").ok()
        );
    }

    #[test]
    fn every_input_type_converts() {
        let cidr = parse("10.0.0.0/8").unwrap();
        assert_eq!(Cidr::try_from("10.0.0.0/8"), Ok(cidr));
        assert_eq!(Cidr::try_from(String::from("10.0.0.0/8")), Ok(cidr));
        assert_eq!(Cidr::try_from(&String::from("10.0.0.0/8")), Ok(cidr));
        assert_eq!(Cidr::from(&cidr), cidr);
        fn take(range: impl TryInto<Cidr, Error: Into<CidrError>>) -> Result<Cidr, CidrError> {
            range.try_into().map_err(Into::into)
        }
        assert_eq!(take(cidr), Ok(cidr));
        assert_eq!(take("10.0.0.0/8"), Ok(cidr));
        assert!(take("10.0.0.0/33").is_err());
    }
}
