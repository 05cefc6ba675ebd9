#![recursion_limit = "256"]
//! Curbside: the shared crate, compiled for the server (`ssr`) and the browser (`hydrate`).

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod domain;
pub mod ui;

pub use ui::{App, shell};
