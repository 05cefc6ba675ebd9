//! Logging: human-readable by default, JSON lines with LOG_FORMAT=json.

use crate::config::LogFormat;
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let registry = tracing_subscriber::registry().with(filter);
    // Logs go to stderr; stdout carries only the start-up lines people read.
    let _ = match format {
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
        LogFormat::Pretty => registry
            .with(fmt::layer().with_writer(std::io::stderr))
            .try_init(),
    };
}
