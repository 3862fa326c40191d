//! The guide (`docs/src`), compiled as doctests so that its examples cannot rot: one struct
//! per chapter, each holding the chapter's text as its documentation.

/// Introduction.
#[cfg(doctest)]
#[doc = include_str!("../../docs/src/introduction.md")]
struct Introduction;

/// Chapter 1: getting started.
#[cfg(doctest)]
#[doc = include_str!("../../docs/src/getting-started.md")]
struct GettingStarted;

/// Chapter 2: concepts.
#[cfg(doctest)]
#[doc = include_str!("../../docs/src/concepts.md")]
struct Concepts;

/// Chapter 3: wiring and what the compiler checks.
#[cfg(doctest)]
#[doc = include_str!("../../docs/src/wiring.md")]
struct Wiring;

/// Chapter 3, continued: seeing the wiring graph (no Rust snippet; kept here so that every
/// chapter is read by rustdoc).
#[cfg(doctest)]
#[doc = include_str!("../../docs/src/graph.md")]
struct Graph;

/// Chapter 4: the constructs.
#[cfg(doctest)]
#[doc = include_str!("../../docs/src/constructs.md")]
struct Constructs;

/// Chapter 5: targets and output layout.
#[cfg(doctest)]
#[doc = include_str!("../../docs/src/targets.md")]
struct Targets;

/// Chapter 6: the command line and exit codes.
#[cfg(doctest)]
#[doc = include_str!("../../docs/src/cli.md")]
struct Cli;

/// Chapter 7: CI, synth and diff in a pull request.
#[cfg(doctest)]
#[doc = include_str!("../../docs/src/ci.md")]
struct Ci;

/// Chapter 8: escape hatches and aspects.
#[cfg(doctest)]
#[doc = include_str!("../../docs/src/escape-hatches.md")]
struct EscapeHatches;

/// Chapter 9: writing your own construct.
#[cfg(doctest)]
#[doc = include_str!("../../docs/src/own-constructs.md")]
struct OwnConstructs;

/// Chapter 10: performance.
#[cfg(doctest)]
#[doc = include_str!("../../docs/src/performance.md")]
struct Performance;
