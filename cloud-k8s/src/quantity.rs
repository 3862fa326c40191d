//! CPU and memory quantities as types: no unit typos, comparable, printed in Kubernetes' canonical form.

use std::fmt;
use std::str::FromStr;

use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

/// Why a quantity could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QuantityError {
    /// The text is not a number with a known suffix.
    #[error("`{text}` is not a {what} quantity (examples: {examples})")]
    Parse {
        /// The bad text.
        text: String,
        /// `CPU` or `memory`.
        what: &'static str,
        /// Valid examples.
        examples: &'static str,
    },
}

/// An amount of CPU, in millicores.
///
/// ```
/// use girder_k8s::quantity::Cpu;
/// assert_eq!(Cpu::millis(250).to_string(), "250m");
/// assert_eq!(Cpu::cores(2).to_string(), "2");
/// assert_eq!("1.5".parse::<Cpu>().unwrap(), Cpu::millis(1500));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cpu(u64);

impl Cpu {
    /// `m` millicores (1000 = one core).
    pub const fn millis(m: u64) -> Cpu {
        Cpu(m)
    }
    /// `n` whole cores.
    pub const fn cores(n: u64) -> Cpu {
        Cpu(n * 1000)
    }
    /// The amount in millicores.
    pub const fn as_millis(self) -> u64 {
        self.0
    }
    /// As a Kubernetes quantity.
    pub fn to_quantity(self) -> Quantity {
        Quantity(self.to_string())
    }
}

impl fmt::Display for Cpu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_multiple_of(1000) {
            write!(f, "{}", self.0 / 1000)
        } else {
            write!(f, "{}m", self.0)
        }
    }
}

impl FromStr for Cpu {
    type Err = QuantityError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || QuantityError::Parse {
            text: s.to_owned(),
            what: "CPU",
            examples: "250m, 1, 1.5",
        };
        if let Some(m) = s.strip_suffix('m') {
            return m.parse().map(Cpu).map_err(|_| err());
        }
        let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
        if frac.len() > 3 || whole.is_empty() && frac.is_empty() {
            return Err(err());
        }
        let whole: u64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| err())?
        };
        let frac_millis: u64 = if frac.is_empty() {
            0
        } else {
            format!("{frac:0<3}").parse().map_err(|_| err())?
        };
        whole
            .checked_mul(1000)
            .and_then(|w| w.checked_add(frac_millis))
            .map(Cpu)
            .ok_or_else(err)
    }
}

/// An amount of memory, in bytes.
///
/// ```
/// use girder_k8s::quantity::Memory;
/// assert_eq!(Memory::mib(512).to_string(), "512Mi");
/// assert_eq!(Memory::gib(2).to_string(), "2Gi");
/// assert_eq!("256Mi".parse::<Memory>().unwrap(), Memory::mib(256));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Memory(u64);

const UNITS: [(&str, u64); 8] = [
    ("Ti", 1 << 40),
    ("Gi", 1 << 30),
    ("Mi", 1 << 20),
    ("Ki", 1 << 10),
    ("T", 1_000_000_000_000),
    ("G", 1_000_000_000),
    ("M", 1_000_000),
    ("k", 1_000),
];

impl Memory {
    /// `n` bytes.
    pub const fn bytes(n: u64) -> Memory {
        Memory(n)
    }
    /// `n` mebibytes.
    pub const fn mib(n: u64) -> Memory {
        Memory(n << 20)
    }
    /// `n` gibibytes.
    pub const fn gib(n: u64) -> Memory {
        Memory(n << 30)
    }
    /// The amount in bytes.
    pub const fn as_bytes(self) -> u64 {
        self.0
    }
    /// As a Kubernetes quantity.
    pub fn to_quantity(self) -> Quantity {
        Quantity(self.to_string())
    }
}

impl fmt::Display for Memory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (suffix, size) in UNITS.iter().take(4) {
            if self.0 != 0 && self.0.is_multiple_of(*size) {
                return write!(f, "{}{suffix}", self.0 / size);
            }
        }
        write!(f, "{}", self.0)
    }
}

impl FromStr for Memory {
    type Err = QuantityError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || QuantityError::Parse {
            text: s.to_owned(),
            what: "memory",
            examples: "128Mi, 1Gi, 500M",
        };
        let (digits, factor) = UNITS
            .iter()
            .find_map(|(suffix, size)| s.strip_suffix(suffix).map(|d| (d, *size)))
            .unwrap_or((s, 1));
        let n: u64 = digits.parse().map_err(|_| err())?;
        n.checked_mul(factor).map(Memory).ok_or_else(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_round_trips() {
        for text in ["100m", "1", "2", "1500m"] {
            assert_eq!(text.parse::<Cpu>().unwrap().to_string(), text);
        }
        assert_eq!("0.25".parse::<Cpu>().unwrap(), Cpu::millis(250));
        assert!("1.2345".parse::<Cpu>().is_err());
        assert!("lots".parse::<Cpu>().is_err());
        assert!(".".parse::<Cpu>().is_err());
    }

    #[test]
    fn memory_round_trips() {
        for text in ["128Mi", "1Gi", "3Ki", "1Ti"] {
            assert_eq!(text.parse::<Memory>().unwrap().to_string(), text);
        }
        assert_eq!("1G".parse::<Memory>().unwrap().as_bytes(), 1_000_000_000);
        assert_eq!(Memory::bytes(1000).to_string(), "1000");
        let err = "12Zi".parse::<Memory>().unwrap_err().to_string();
        assert!(err.contains("`12Zi`"), "{err}");
    }
}

/// CPU and memory requests and limits of a container. Unset values are filled by the
/// `DefaultResources` aspect (Girder's defaults: [`Resources::GIRDER_DEFAULT`]).
///
/// ```
/// use girder_k8s::quantity::{Cpu, Memory, Resources};
/// let r = Resources::new().cpu(Cpu::millis(250), Cpu::cores(1)).memory(Memory::mib(256), Memory::mib(512));
/// assert_eq!(r.memory_limit, Some(Memory::mib(512)));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resources {
    /// CPU the scheduler reserves.
    pub cpu_request: Option<Cpu>,
    /// CPU the container is throttled at.
    pub cpu_limit: Option<Cpu>,
    /// Memory the scheduler reserves.
    pub memory_request: Option<Memory>,
    /// Memory the container is killed at.
    pub memory_limit: Option<Memory>,
}

impl Resources {
    /// Girder's defaults: CPU 100m requested, 500m limit; memory 128Mi requested, 256Mi limit.
    pub const GIRDER_DEFAULT: Resources = Resources {
        cpu_request: Some(Cpu::millis(100)),
        cpu_limit: Some(Cpu::millis(500)),
        memory_request: Some(Memory::mib(128)),
        memory_limit: Some(Memory::mib(256)),
    };

    /// Nothing set.
    pub fn new() -> Resources {
        Resources::default()
    }

    /// Sets the CPU request and limit.
    #[must_use]
    pub fn cpu(mut self, request: Cpu, limit: Cpu) -> Resources {
        self.cpu_request = Some(request);
        self.cpu_limit = Some(limit);
        self
    }

    /// Sets the memory request and limit.
    #[must_use]
    pub fn memory(mut self, request: Memory, limit: Memory) -> Resources {
        self.memory_request = Some(request);
        self.memory_limit = Some(limit);
        self
    }

    /// As Kubernetes resource requirements.
    pub fn to_k8s(&self) -> k8s_openapi::api::core::v1::ResourceRequirements {
        use std::collections::BTreeMap;
        let mut requests = BTreeMap::new();
        let mut limits = BTreeMap::new();
        if let Some(c) = self.cpu_request {
            requests.insert("cpu".to_owned(), c.to_quantity());
        }
        if let Some(m) = self.memory_request {
            requests.insert("memory".to_owned(), m.to_quantity());
        }
        if let Some(c) = self.cpu_limit {
            limits.insert("cpu".to_owned(), c.to_quantity());
        }
        if let Some(m) = self.memory_limit {
            limits.insert("memory".to_owned(), m.to_quantity());
        }
        k8s_openapi::api::core::v1::ResourceRequirements {
            requests: (!requests.is_empty()).then_some(requests),
            limits: (!limits.is_empty()).then_some(limits),
            ..Default::default()
        }
    }
}
