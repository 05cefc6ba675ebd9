//! `GET /metrics` in Prometheus' text format, for a scraper holding
//! `METRICS_TOKEN`; and the request counts and latencies it reports.
//!
//! Off (404) unless `METRICS_TOKEN` is set: the figures say how busy the
//! service is, which is not for everyone.

use crate::backend::{AppState, Metrics, sessions};
use axum::{
    extract::{MatchedPath, Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http::{HeaderMap, StatusCode, header};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
use std::time::Instant;

pub const METRICS: &str = "/metrics";
const REQUESTS: &str = "curbside_http_requests_total";
const LATENCY: &str = "curbside_http_request_duration_seconds";

/// Installs the process's recorder. Call once, at start-up, when metrics are on.
pub fn install(token: String) -> Result<Metrics, String> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full(LATENCY.to_owned()),
            &[
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ],
        )
        .map_err(|e| e.to_string())?
        .install_recorder()
        .map_err(|e| e.to_string())?;
    // Histograms and counters fold their samples in here, not on every scrape.
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
        loop {
            tick.tick().await;
            upkeep.run_upkeep();
        }
    });
    Ok(Metrics { handle, token })
}

/// Counts each request and times it (installed only when metrics are on), by method, route (its pattern, so
/// ids do not make a series each) and status class.
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "other".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let res = next.run(req).await;
    let status = format!("{}xx", res.status().as_u16() / 100);
    metrics::counter!(REQUESTS, "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!(LATENCY, "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    res
}

pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(m) = state.metrics.as_deref() else {
        return (
            StatusCode::NOT_FOUND,
            "Metrics are off: set METRICS_TOKEN to turn them on.",
        )
            .into_response();
    };
    if !allowed(&headers, m) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "Send METRICS_TOKEN as a Bearer token.",
        )
            .into_response();
    }
    // Read at scrape time: what is open right now.
    metrics::gauge!("curbside_event_streams_open").set(state.live.subscribers() as f64);
    metrics::gauge!("curbside_db_pool_connections").set(f64::from(state.db.size()));
    metrics::gauge!("curbside_db_pool_idle").set(state.db.num_idle() as f64);
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        m.handle.render(),
    )
        .into_response()
}

/// The request's Bearer token is the metrics token (compared in constant time).
fn allowed(headers: &HeaderMap, m: &Metrics) -> bool {
    let given = sessions::bearer(headers).unwrap_or_default().as_bytes();
    let want = m.token.as_bytes();
    given.len() == want.len()
        && given
            .iter()
            .zip(want)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}
