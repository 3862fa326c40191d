//! How many pods a workload runs: a fixed count, or a range an autoscaler scales within. The
//! shape is a type, so that a setting that only means something for one shape does not compile
//! on the other: an autoscaling target on a fixed count, a scaler on a worker that cannot scale.

use std::fmt;
use std::marker::PhantomData;
use std::ops::RangeInclusive;

use girder_core::{Diagnostic, Diagnostics};

/// The shape of a fixed replica count: no autoscaler (see [`Replicas::fixed`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fixed;

/// The shape of a replica range an autoscaler scales within (see [`Replicas::between`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Autoscaled;

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Fixed {}
    impl Sealed for super::Autoscaled {}
}

/// A replica shape: [`Fixed`] or [`Autoscaled`].
pub trait Shape: sealed::Sealed + 'static {
    /// Whether an autoscaler scales the workload.
    const AUTOSCALED: bool;
}
impl Shape for Fixed {
    const AUTOSCALED: bool = false;
}
impl Shape for Autoscaled {
    const AUTOSCALED: bool = true;
}

/// The shapes an autoscaler can act on: only [`Autoscaled`].
#[diagnostic::on_unimplemented(
    message = "a fixed replica count cannot autoscale: `{Self}` has no autoscaler to take this setting",
    label = "only a replica range autoscales",
    note = "give a range instead of a count: `.replicas(Replicas::between(2, 10).cpu(70))` or `.replicas(2..=10)`",
    note = "or keep the fixed count and drop the autoscaling setting: it would have no effect"
)]
pub trait Scalable: Shape {}
impl Scalable for Autoscaled {}

/// How many pods run, with the shape `S` as a type: [`Replicas::fixed`] (or a plain `3`) has no
/// autoscaler; [`Replicas::between`] (or `2..=10`) is a range, whose autoscaling targets are part
/// of the value.
///
/// ```
/// use girder_constructs::Replicas;
///
/// let web = Replicas::between(2, 10).cpu(60).memory(80);
/// let one = Replicas::fixed(1);
/// # let _ = (web, one);
/// ```
///
/// A target on a fixed count would do nothing, so it does not compile:
///
/// ```compile_fail
/// # use girder_constructs::Replicas;
/// let three = Replicas::fixed(3).cpu(70);
/// ```
pub struct Replicas<S> {
    min: u32,
    max: u32,
    cpu: Option<u8>,
    memory: Option<u8>,
    _shape: PhantomData<fn() -> S>,
}

impl<S> Clone for Replicas<S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for Replicas<S> {}

impl<S> PartialEq for Replicas<S> {
    fn eq(&self, other: &Self) -> bool {
        (self.min, self.max, self.cpu, self.memory)
            == (other.min, other.max, other.cpu, other.memory)
    }
}

impl<S> Eq for Replicas<S> {}

impl<S: Shape> fmt::Debug for Replicas<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.count(), f)
    }
}

impl Replicas<Fixed> {
    /// Exactly `n` pods, no autoscaler.
    pub fn fixed(n: u32) -> Replicas<Fixed> {
        Replicas {
            min: n,
            max: n,
            cpu: None,
            memory: None,
            _shape: PhantomData,
        }
    }
}

impl Replicas<Autoscaled> {
    /// From `min` to `max` pods, scaled by an autoscaler; `min` below `max` (checked at synth).
    pub fn between(min: u32, max: u32) -> Replicas<Autoscaled> {
        Replicas {
            min,
            max,
            cpu: None,
            memory: None,
            _shape: PhantomData,
        }
    }
}

impl<S> Replicas<S> {
    /// Scales on average CPU utilization, in percent of the request (1 to 100). A
    /// [`WebService`](crate::WebService) range without any target scales at 70 % CPU.
    #[must_use]
    pub fn cpu(mut self, percent: u8) -> Self
    where
        S: Scalable,
    {
        self.cpu = Some(percent);
        self
    }

    /// Scales on average memory utilization too, in percent of the request (1 to 100).
    #[must_use]
    pub fn memory(mut self, percent: u8) -> Self
    where
        S: Scalable,
    {
        self.memory = Some(percent);
        self
    }

    /// The count as the models keep it, without its shape type.
    pub fn count(&self) -> ReplicaCount
    where
        S: Shape,
    {
        if !S::AUTOSCALED {
            ReplicaCount::Fixed(self.min)
        } else {
            ReplicaCount::Autoscaled(Autoscaling {
                min: self.min,
                max: self.max,
                cpu: self.cpu,
                memory: self.memory,
            })
        }
    }
}

impl From<u32> for Replicas<Fixed> {
    fn from(n: u32) -> Self {
        Replicas::fixed(n)
    }
}

impl From<RangeInclusive<u32>> for Replicas<Autoscaled> {
    fn from(range: RangeInclusive<u32>) -> Self {
        Replicas::between(*range.start(), *range.end())
    }
}

/// A replica count as a construct's model keeps it, for aspects: a fixed count has no field for
/// an autoscaling target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplicaCount {
    /// Exactly this many pods.
    Fixed(u32),
    /// A range and what the autoscaler scales on.
    Autoscaled(Autoscaling),
}

/// The range and targets of an autoscaled workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Autoscaling {
    /// The fewest pods.
    pub min: u32,
    /// The most pods.
    pub max: u32,
    /// Target average CPU utilization, in percent of the request.
    pub cpu: Option<u8>,
    /// Target average memory utilization, in percent of the request.
    pub memory: Option<u8>,
}

impl From<u32> for ReplicaCount {
    fn from(n: u32) -> Self {
        ReplicaCount::Fixed(n)
    }
}

impl From<RangeInclusive<u32>> for ReplicaCount {
    fn from(range: RangeInclusive<u32>) -> Self {
        Replicas::from(range).count()
    }
}

impl<S: Shape> From<Replicas<S>> for ReplicaCount {
    fn from(replicas: Replicas<S>) -> Self {
        replicas.count()
    }
}

impl ReplicaCount {
    /// The fewest pods.
    pub fn min(&self) -> u32 {
        match self {
            ReplicaCount::Fixed(n) => *n,
            ReplicaCount::Autoscaled(a) => a.min,
        }
    }

    /// The most pods.
    pub fn max(&self) -> u32 {
        match self {
            ReplicaCount::Fixed(n) => *n,
            ReplicaCount::Autoscaled(a) => a.max,
        }
    }

    /// Reports a range that does not scale and targets out of 1 to 100; `min_allowed` is the
    /// fewest pods the workload may have (1 for a service, 0 for a queue worker).
    pub(crate) fn validate(&self, path: &str, min_allowed: u32, diags: &mut Diagnostics) {
        let (min, max) = (self.min(), self.max());
        if min < min_allowed || max == 0 {
            diags.push(
                Diagnostic::error(
                    path,
                    format!("replicas must be at least {}", min_allowed.max(1)),
                )
                .hint("a workload with no pods does nothing; use `.replicas(1)` or more"),
            );
        }
        let ReplicaCount::Autoscaled(a) = self else {
            return;
        };
        if min > max {
            diags.push(
                Diagnostic::error(
                    path,
                    format!("replicas {min}..={max}: the minimum is above the maximum"),
                )
                .hint(format!(
                    "write the range low to high, e.g. `.replicas({max}..={min})`"
                )),
            );
        } else if min == max {
            diags.push(
                Diagnostic::error(
                    path,
                    format!("replicas {min}..={max}: a range of one count does not scale"),
                )
                .cause("the autoscaler and its targets would have no effect")
                .hint(format!(
                    "use a fixed count, `.replicas({min})`, or widen the range"
                )),
            );
        }
        for (what, target) in [("cpu", a.cpu), ("memory", a.memory)] {
            if let Some(t) = target
                && (t == 0 || t > 100)
            {
                diags.push(
                    Diagnostic::error(path, format!("the {what} target is {t}%"))
                        .hint("an autoscaling target is a utilization between 1 and 100 percent of the request"),
                );
            }
        }
    }
}
