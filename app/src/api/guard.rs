//! What every server function asks first: who is calling, may they, and how to answer them.

use crate::domain::Timestamp;
use crate::{
    backend::{
        AppState,
        flows::accounts::Client,
        sessions::{COOKIE, CurrentUser},
    },
    domain::{AppError, Feature, Role},
};
use axum::extract::ConnectInfo;
use http::{HeaderValue, StatusCode, header, request::Parts};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use std::net::SocketAddr;

pub fn state() -> AppState {
    expect_context::<AppState>()
}

fn parts() -> Result<Parts, AppError> {
    use_context::<Parts>().ok_or_else(|| {
        tracing::error!("server function called without request parts");
        AppError::Internal
    })
}

/// The signed-in user, or `None`; a suspended account counts as signed out.
/// A page behind sign-in was resolved by the page guard moments ago.
pub async fn current_user() -> Result<Option<CurrentUser>, AppError> {
    super::caller::resolve(&mut parts()?, &state()).await
}

pub async fn require_user() -> Result<CurrentUser, AppError> {
    current_user().await?.ok_or(AppError::Unauthenticated)
}

/// The signed-in user if their role is one of `roles`; checked on the server, always.
pub async fn require_role(roles: &[Role]) -> Result<CurrentUser, AppError> {
    let user = require_user().await?;
    if roles.contains(&user.role) {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Refuses a request to a feature switched off by its `ENABLE_*` setting.
pub fn require_feature(feature: Feature) -> Result<(), AppError> {
    if state().features.enabled(feature) {
        Ok(())
    } else {
        Err(AppError::feature_off(feature))
    }
}

/// Who is on the other end of this request, as sign-in records it.
pub fn client() -> Client {
    Client {
        ip: client_ip(),
        user_agent: user_agent(),
    }
}

/// The caller's address: the socket peer, or behind a trusted proxy the
/// last `X-Forwarded-For` entry (the one the proxy itself added).
fn client_ip() -> String {
    let Ok(parts) = parts() else {
        return "unknown".into();
    };
    if state().auth.trust_forwarded_for
        && let Some(ip) = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|s| !s.is_empty())
    {
        // A proxy writes an address here; bound whatever arrives before storing it.
        return ip.chars().take(64).collect();
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn user_agent() -> Option<String> {
    parts()
        .ok()?
        .headers
        .get(header::USER_AGENT)?
        .to_str()
        .ok()
        .map(str::to_owned)
}

fn append_header(name: http::HeaderName, value: &str) {
    match (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(value),
    ) {
        (Some(res), Ok(v)) => res.append_header(name, v),
        _ => tracing::error!(%name, "could not set a response header"),
    }
}

/// Puts the session token in an HttpOnly cookie that lives as long as the session.
pub fn set_session_cookie(token: &str, expires_at: Timestamp) {
    let max_age = ((expires_at - Timestamp::now()) / 1000).max(0);
    let secure = if state().auth.secure_cookie {
        "; Secure"
    } else {
        ""
    };
    append_header(
        header::SET_COOKIE,
        &format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"),
    );
}

pub fn clear_session_cookie() {
    let secure = if state().auth.secure_cookie {
        "; Secure"
    } else {
        ""
    };
    append_header(
        header::SET_COOKIE,
        &format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    );
}

/// A plain form post from a browser (before the app has loaded), as opposed
/// to the app's own calls and API clients. leptos_axum draws the same line.
fn accepts_html(parts: &Parts) -> bool {
    parts
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// Says where the client should go next. A plain form post (no JS) gets a
/// real redirect; the app and API clients get a `Location` header on the
/// 200 answer and decide themselves (the app reloads the page, so the new
/// session is rendered on the server from the start).
pub fn redirect_to(path: &str) {
    if parts().is_ok_and(|p| accepts_html(&p)) {
        leptos_axum::redirect(path);
    } else if let Some(res) = use_context::<ResponseOptions>()
        && let Ok(v) = HeaderValue::from_str(path)
    {
        res.insert_header(header::LOCATION, v);
    }
}

/// Finishes a server function. When it was called over HTTP (not while a
/// page renders on the server), an error also sets the HTTP status, and a
/// lock-out says when to retry, so API clients need not parse the body.
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(e) = &result
        && let Ok(parts) = parts()
        && parts.uri.path().starts_with("/api/")
        && let Some(res) = use_context::<ResponseOptions>()
    {
        // A browser posting a plain form (no JS) gets leptos_axum's redirect
        // back to the form instead; a status here would replace it.
        if !accepts_html(&parts) {
            res.set_status(
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            );
        }
        if let Some(secs) = e.retry_after() {
            append_header(header::RETRY_AFTER, &secs.to_string());
        }
    }
    result
}
