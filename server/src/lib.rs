//! The Curbside server: configuration, start-up, the HTTP router.

pub mod api_answers;
pub mod cli;
pub mod config;
pub mod form_text;
pub mod memory;
pub mod pwa;
pub mod request_id;
pub mod routes;
pub mod secrets;
pub mod security;
pub mod startup;
pub mod telemetry;
