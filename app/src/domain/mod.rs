//! Pure types and rules shared by server and browser. No I/O here.

pub mod features;

pub use features::{Feature, FeatureFlags};
