//! Server functions, one module per feature. Thin: who is calling, may they, then the backend.
//!
//! Every function has a fixed URL under `/api/` (see docs/API.md) so other
//! clients can call it and the URL does not change between builds.

pub mod admin;
pub mod auth;
pub mod garage;
#[cfg(feature = "ssr")]
pub mod guard;
pub mod jobs;
pub mod mechanic;
pub mod quotes;
pub mod site;
