//! Who is calling: one answer for pages, server functions and the event stream.
//!
//! The session behind a request is looked up once; whatever asks again
//! during the same request (a page guard, then the page's own server
//! functions) reads the answer kept in the request's extensions.

use crate::domain::Timestamp;
use crate::{
    backend::{AppState, sessions},
    domain::AppError,
};
use axum::{
    Json,
    extract::FromRequestParts,
    response::{IntoResponse, Response},
};
use http::{StatusCode, request::Parts};

pub use crate::backend::sessions::CurrentUser;

/// The caller as already looked up for this request.
#[derive(Debug, Clone)]
struct Resolved(Option<CurrentUser>);

/// The signed-in user of this request, or `None` (no token, a bad or expired
/// one, a revoked session, a suspended account). Every entry point asks here.
pub async fn resolve(parts: &mut Parts, state: &AppState) -> Result<Option<CurrentUser>, AppError> {
    if let Some(Resolved(user)) = parts.extensions.get() {
        return Ok(user.clone());
    }
    let user = sessions::authenticate(state, &parts.headers, Timestamp::now()).await?;
    parts.extensions.insert(Resolved(user.clone()));
    Ok(user)
}

/// As an extractor: the signed-in user, or a 401 answer.
impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        resolve(parts, state)
            .await?
            .ok_or(AppError::Unauthenticated)
    }
}

/// An error from an entry point that is not a server function: its status
/// and the same JSON body server functions answer with.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry_after = self.retry_after();
        let mut res = (status, Json(self)).into_response();
        if let Some(secs) = retry_after {
            res.headers_mut()
                .insert(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
        }
        res
    }
}
