//! `GET /healthz` and `GET /readyz`: for load balancers and orchestrators.

use crate::backend::AppState;
use axum::{Json, extract::State};
use http::StatusCode;
use serde_json::{Value, json};

pub const HEALTHZ: &str = "/healthz";
pub const READYZ: &str = "/readyz";

/// Alive: the process answers. Says nothing about its dependencies.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Ready for traffic: the database answers too.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
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
