//! The seed systems as Girder programs. Each binary in `src/bin` runs one of these apps; the
//! snapshot tests synthesize them in-process.

pub mod bench;
mod city_graph;
mod exchange;
mod helloworld;
mod scale;
mod scale_aws;
mod scraper;
mod screener;

pub use city_graph::city_graph;
pub use exchange::exchange;
pub use helloworld::helloworld;
pub use scale::scale;
pub use scale_aws::scale_aws;
pub use scraper::scraper;
pub use screener::screener;
