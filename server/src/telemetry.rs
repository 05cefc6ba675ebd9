//! Logging: human-readable by default, JSON lines with LOG_FORMAT=json; and,
//! when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, every span exported as an
//! OpenTelemetry trace over OTLP/HTTP (the `OTEL_*` variables of the
//! OpenTelemetry specification apply: headers, batch delay, sampling).

use crate::config::LogFormat;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::{Resource, trace::SdkTracerProvider};
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

/// Keeps the trace exporter alive; `shutdown` sends what is still queued.
#[must_use]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    pub fn shutdown(self) {
        if let Some(provider) = self.provider
            && let Err(e) = provider.shutdown()
        {
            eprintln!("warning: could not send the last traces: {e}");
        }
    }
}

pub fn init(format: LogFormat) -> Telemetry {
    // RUST_LOG chooses what is logged; traces keep every flow's span
    // whatever the log level, so a quiet log still has its traces.
    let logs =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let provider = otlp_provider();
    let traces = provider.as_ref().map(|p| {
        tracing_opentelemetry::layer()
            .with_tracer(p.tracer("curbside"))
            .with_filter(EnvFilter::new("info,sqlx=warn"))
    });
    let registry = tracing_subscriber::registry().with(traces);
    // Logs go to stderr; stdout carries only the start-up lines people read.
    let _ = match format {
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_writer(std::io::stderr)
                    .with_filter(logs),
            )
            .try_init(),
        LogFormat::Pretty => registry
            .with(fmt::layer().with_writer(std::io::stderr).with_filter(logs))
            .try_init(),
    };
    Telemetry { provider }
}

/// The trace pipeline, when an OTLP endpoint is configured. Its HTTP
/// client blocks, so it is built (and later runs) off the async runtime.
fn otlp_provider() -> Option<SdkTracerProvider> {
    let endpoint = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT")
        .ok()
        .filter(|e| !e.trim().is_empty())?;
    let built = std::thread::spawn(move || {
        opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')))
            .build()
    })
    .join();
    match built {
        Ok(Ok(exporter)) => Some(
            SdkTracerProvider::builder()
                .with_batch_exporter(exporter)
                .with_resource(Resource::builder().with_service_name("curbside").build())
                .build(),
        ),
        Ok(Err(e)) => {
            eprintln!("warning: traces will not be exported: {e}");
            None
        }
        Err(_) => {
            eprintln!("warning: traces will not be exported: the exporter could not be built");
            None
        }
    }
}
