//! Every field of every API form and query holds plain text, checked once
//! here before any handler runs: a control character other than a line
//! break or tab gets 422 naming the field (`domain::text::check_plain`).
//! One place covers every free-text field, today's and tomorrow's, and both
//! databases answer the same (PostgreSQL cannot store NUL; SQLite could).
//! A POST body over the limit, however it is labelled, is answered 413
//! naming the limit.

use app::{
    api::payments::STRIPE_WEBHOOK,
    domain::{AppError, text::check_plain},
};
use axum::{
    Json,
    body::Body,
    extract::Request,
    http::{Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::json;

/// The largest form body a server function takes (axum's default limit,
/// which server functions read under).
pub const FORM_LIMIT: usize = 2 * 1024 * 1024;

pub async fn form_text(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    if let Some(query) = req.uri().query()
        && let Err(e) = check_pairs(query.as_bytes())
    {
        return refuse(e);
    }
    if !carries_a_form(&req) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, FORM_LIMIT).await {
        Ok(bytes) => bytes,
        Err(_) => return too_large(),
    };
    if let Err(e) = check_pairs(&bytes) {
        return refuse(e);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Server functions read a POST's body as a form whatever its
/// `Content-Type` says (or without one), so every POST body is checked,
/// not only those labelled as forms. The Stripe webhook's signed JSON is
/// the one POST under `/api/` read otherwise; photo bytes come by PUT.
fn carries_a_form(req: &Request) -> bool {
    req.method() == Method::POST && req.uri().path() != STRIPE_WEBHOOK
}

fn check_pairs(encoded: &[u8]) -> Result<(), AppError> {
    for (name, value) in form_urlencoded::parse(encoded) {
        check_plain(&name, &name)?;
        check_plain(&name, &value)?;
    }
    Ok(())
}

fn refuse(e: AppError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
    (status, Json(e)).into_response()
}

fn too_large() -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        Json(json!({
            "error": "too_large",
            "message": format!("A form can be at most {} MB.", FORM_LIMIT / (1024 * 1024)),
        })),
    )
        .into_response()
}
