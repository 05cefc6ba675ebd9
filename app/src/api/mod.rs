//! Every HTTP entry point: server functions, one module per feature, and
//! the plain axum routes (the event stream, health checks). Thin: who is
//! calling ([`caller`]), may they, then the backend.
//!
//! Every function has a fixed URL under `/api/` (see docs/API.md) so other
//! clients can call it and the URL does not change between builds.

pub mod admin;
pub mod auth;
#[cfg(feature = "ssr")]
pub mod caller;
pub mod chat;
#[cfg(feature = "ssr")]
pub mod events;
pub mod garage;
#[cfg(feature = "ssr")]
pub mod guard;
#[cfg(feature = "ssr")]
pub mod health;
pub mod jobs;
#[cfg(feature = "ssr")]
pub mod location_socket;
pub mod mechanic;
#[cfg(feature = "ssr")]
pub mod metrics;
pub mod notifications;
#[cfg_attr(not(feature = "ssr"), allow(unused_imports))]
pub mod payments;
pub mod photos;
pub mod quotes;
pub mod site;
