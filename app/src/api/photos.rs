//! Photos of a job: `/api/photo_upload` (a signed PUT for one photo),
//! `/api/photo_done` (check and list what was sent), `/api/photos` (a
//! job's photos), `/api/delete_photo`; and for the local store, the PUT
//! and GET those signed links point at: `/api/photo_blob/{key}` and
//! `/api/photo_file/{key}`.

use crate::domain::{
    AppError, JobId, PhotoId,
    photo::{Photo, UploadTicket},
};
use leptos::prelude::*;
use server_fn::codec::GetUrl;

#[cfg(feature = "ssr")]
use {
    super::guard::{self, respond},
    crate::{
        backend::flows::photos,
        domain::{Feature, Timestamp},
    },
};

/// `POST /api/photo_upload`: permission to send one photo of `kind`
/// (`problem`, `before`, `diagnostic`, `parts`, `after`) to the job:
/// `PUT` exactly `byte_size` bytes of `content_type` to the answer's `url`
/// with its `headers`, then call `/api/photo_done` with its `id`.
#[server(endpoint = "photo_upload")]
pub async fn begin_photo(
    job_id: JobId,
    kind: String,
    caption: Option<String>,
    byte_size: u64,
    content_type: String,
) -> Result<UploadTicket, AppError> {
    respond(
        async move {
            guard::require_feature(Feature::Photos)?;
            let user = guard::require_user().await?;
            let state = guard::state();
            photos::begin(
                &state.db,
                &state.photos,
                &user,
                &job_id,
                &kind,
                caption.as_deref(),
                byte_size,
                &content_type,
                Timestamp::now(),
            )
            .await
        }
        .await,
    )
}

/// `POST /api/photo_done`: the photo `id` was sent; it is checked,
/// stored without its metadata and listed. Safe to repeat.
#[server(endpoint = "photo_done")]
pub async fn finish_photo(id: PhotoId) -> Result<Photo, AppError> {
    respond(
        async move {
            guard::require_feature(Feature::Photos)?;
            let user = guard::require_user().await?;
            let state = guard::state();
            photos::finish(&state.db, &state.photos, &user, &id, Timestamp::now()).await
        }
        .await,
    )
}

/// `GET /api/photos?job_id=…`: the job's photos the caller may see, oldest first.
#[server(endpoint = "photos", input = GetUrl)]
pub async fn job_photos(job_id: JobId) -> Result<Vec<Photo>, AppError> {
    respond(
        async move {
            guard::require_feature(Feature::Photos)?;
            let user = guard::require_user().await?;
            let state = guard::state();
            photos::list(&state.db, &state.photos, &user, &job_id, Timestamp::now()).await
        }
        .await,
    )
}

/// `POST /api/delete_photo`: the uploader removes their photo.
#[server(endpoint = "delete_photo")]
pub async fn delete_photo(id: PhotoId) -> Result<(), AppError> {
    respond(
        async move {
            guard::require_feature(Feature::Photos)?;
            let user = guard::require_user().await?;
            let state = guard::state();
            photos::delete(&state.db, &state.photos, &user, &id).await
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
pub use files::{blob_put, file_get};

/// The local store's own links.
#[cfg(feature = "ssr")]
mod files {
    use super::super::caller;
    use crate::{
        backend::{
            AppState,
            flows::photos,
            photos::{
                signing::{Refusal, SignedParams, UrlGrant},
                storage::{LocalDisk, PhotoStore},
            },
            sessions::CurrentUser,
        },
        domain::{AppError, Feature, Timestamp},
    };
    use axum::{
        body::{Body, to_bytes},
        extract::{Path, Query, Request, State},
        http::{HeaderValue, StatusCode, header},
        response::{IntoResponse, Response},
    };
    use std::sync::Arc;

    fn refused(r: Refusal) -> Response {
        tracing::debug!(reason = %r, "photo link refused");
        let (status, kind) = match r {
            Refusal::Expired => (StatusCode::GONE, "expired"),
            Refusal::OtherUser | Refusal::Malformed | Refusal::BadSignature => {
                (StatusCode::FORBIDDEN, "forbidden")
            }
        };
        (
            status,
            axum::Json(serde_json::json!({
                "error": kind,
                "message": format!("This photo link does not work: {r}. Open the job's photos again."),
            })),
        )
            .into_response()
    }

    /// What both links check first: the feature, the local store, and
    /// the signature for this caller now. The answer to send otherwise.
    async fn signed(
        state: &AppState,
        upload: bool,
        key: &str,
        params: &SignedParams,
        parts: &mut axum::http::request::Parts,
        now: Timestamp,
    ) -> Result<(Arc<LocalDisk>, UrlGrant, Option<CurrentUser>), Response> {
        if !state.features.enabled(Feature::Photos) {
            return Err(AppError::feature_off(Feature::Photos).into_response());
        }
        let local = state
            .photos
            .local
            .clone()
            .ok_or_else(|| AppError::NotFound.into_response())?;
        let caller = caller::resolve(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let grant = local
            .signer()
            .verify(
                upload,
                key,
                params,
                caller.as_ref().map(|u| u.id.as_str()),
                now,
            )
            .map_err(refused)?;
        Ok((local, grant, caller))
    }

    /// `PUT /api/photo_blob/{key}?u&exp&len&type&sig`: an upload's bytes.
    pub async fn blob_put(
        State(state): State<AppState>,
        Path(key): Path<String>,
        Query(params): Query<SignedParams>,
        req: Request,
    ) -> Response {
        let (mut parts, body) = req.into_parts();
        let (local, grant, _) =
            match signed(&state, true, &key, &params, &mut parts, Timestamp::now()).await {
                Ok(s) => s,
                Err(answer) => return answer,
            };
        // The link outlives the upload: bytes sent again after the photo
        // was listed would sit in the store unchecked.
        if let Err(e) = photos::check_awaiting(&state.db, &key).await {
            return e.into_response();
        }
        let sent_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !sent_type.eq_ignore_ascii_case(&grant.content_type) {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(AppError::invalid(
                    "photo",
                    format!("Send the photo as {}, as asked.", grant.content_type),
                )),
            )
                .into_response();
        }
        // Exactly the signed size: more is cut off at once, less is refused.
        let bytes = match to_bytes(body, grant.len as usize).await {
            Ok(b) if b.len() as u64 == grant.len => b,
            Ok(_) => {
                return (
                    StatusCode::BAD_REQUEST,
                    axum::Json(AppError::invalid(
                        "photo",
                        "The photo arrived incomplete. Send it again.",
                    )),
                )
                    .into_response();
            }
            Err(_) => {
                return (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    axum::Json(crate::domain::photo::too_big(grant.len + 1)),
                )
                    .into_response();
            }
        };
        match local.put(&key, bytes.to_vec()).await {
            Ok(()) => StatusCode::OK.into_response(),
            Err(e) => AppError::from(e).into_response(),
        }
    }

    /// `GET /api/photo_file/{key}?u&exp&sig`: a stored size of a photo.
    pub async fn file_get(
        State(state): State<AppState>,
        Path(key): Path<String>,
        Query(params): Query<SignedParams>,
        req: Request,
    ) -> Response {
        let (mut parts, _) = req.into_parts();
        let now = Timestamp::now();
        let (local, grant, caller) =
            match signed(&state, false, &key, &params, &mut parts, now).await {
                Ok(s) => s,
                Err(answer) => return answer,
            };
        let Some(user) = caller else {
            return AppError::Unauthenticated.into_response();
        };
        if let Err(e) = photos::may_read(&state.db, &user, &key).await {
            return e.into_response();
        }
        let bytes = match local.get(&key, crate::domain::photo::MAX_BYTES).await {
            Ok(Some(b)) => b,
            Ok(None) => return AppError::NotFound.into_response(),
            Err(e) => return AppError::from(e).into_response(),
        };
        let max_age = ((grant.expires_at - now) / 1000).max(0);
        let mut res = Body::from(bytes).into_response();
        let headers = res.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
        // The link is this user's: private caches only, and not past its end.
        if let Ok(v) = HeaderValue::from_str(&format!("private, max-age={max_age}")) {
            headers.insert(header::CACHE_CONTROL, v);
        }
        res
    }
}
