//! The seed systems as Girder programs. Each binary in `src/bin` runs one of these apps; the
//! snapshot tests synthesize them in-process.

mod helloworld;
mod scale;
mod screener;

pub use helloworld::helloworld;
pub use scale::scale;
pub use screener::screener;
