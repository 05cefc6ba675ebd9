//! The HTTP router: health checks, server functions, pages, static files and middleware.

use app::{App, backend::AppState, shell};
use axum::{Json, Router, extract::State, http::StatusCode, routing::get};
use leptos_axum::{LeptosRoutes, generate_route_list};
use serde_json::{Value, json};
use std::time::Duration;
use tower_http::{compression::CompressionLayer, timeout::TimeoutLayer, trace::TraceLayer};

pub fn router(state: AppState, request_timeout: Duration) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        // Pages and server functions; AppState reaches both as context.
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Alive: the process answers. Says nothing about its dependencies.
async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Ready for traffic: the database answers too.
async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match sqlx::query("SELECT 1").execute(&state.db).await {
        Ok(_) => (
            StatusCode::OK,
            Json(json!({ "status": "ready", "database": "ok" })),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "database": "unreachable" })),
            )
        }
    }
}
