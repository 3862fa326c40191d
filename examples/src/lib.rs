//! The seed systems as Girder programs. Each binary in `src/bin` runs one of these apps; the
//! snapshot tests synthesize them in-process.
//!
//! `bookinfo` re-expresses Istio's Bookinfo, a public reference system, with no escape hatch.
//! `tour` is the README's deploy walkthrough, made to run on the test endpoints.
//! `platform_app` is a product team's app built on a platform team's construct library
//! (`examples/platform`).
//!
//! The examples on AWS (`city_graph`, `scraper`, `scale_aws`, `tour`) need the `aws` feature (default);
//! the others are Kubernetes-only and build without it, and so without any AWS service.

pub mod bench;
mod bookinfo;
#[cfg(feature = "aws")]
mod city_graph;
mod exchange;
pub mod helloworld;
mod platform_app;
mod scale;
#[cfg(feature = "aws")]
mod scale_aws;
#[cfg(feature = "aws")]
mod scraper;
pub mod screener;
#[cfg(feature = "aws")]
mod tour;

pub use bookinfo::bookinfo;
#[cfg(feature = "aws")]
pub use city_graph::city_graph;
pub use exchange::exchange;
pub use helloworld::helloworld;
pub use platform_app::platform_app;
pub use scale::{scale, wired};
#[cfg(feature = "aws")]
pub use scale_aws::scale_aws;
#[cfg(feature = "aws")]
pub use scraper::scraper;
pub use screener::screener;
#[cfg(feature = "aws")]
pub use tour::{TOUR_ACCOUNT, TOUR_REGION, tour};
