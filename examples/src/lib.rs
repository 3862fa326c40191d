//! The seed systems as Girder programs. Each binary in `src/bin` runs one of these apps; the
//! snapshot tests synthesize them in-process.
//!
//! The examples on AWS (`city_graph`, `scraper`, `scale_aws`) need the `aws` feature (default);
//! the others are Kubernetes-only and build without it, and so without any AWS service.

pub mod bench;
#[cfg(feature = "aws")]
mod city_graph;
mod exchange;
mod helloworld;
mod scale;
#[cfg(feature = "aws")]
mod scale_aws;
#[cfg(feature = "aws")]
mod scraper;
mod screener;

#[cfg(feature = "aws")]
pub use city_graph::city_graph;
pub use exchange::exchange;
pub use helloworld::helloworld;
pub use scale::scale;
#[cfg(feature = "aws")]
pub use scale_aws::scale_aws;
#[cfg(feature = "aws")]
pub use scraper::scraper;
pub use screener::screener;
