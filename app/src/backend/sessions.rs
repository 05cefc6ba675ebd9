//! The `sessions` table, and turning a request's token into the user behind it.

use super::{AppState, tokens::Claims};
use crate::domain::Timestamp;
use crate::domain::UserId;
use crate::domain::{Account, AccountStatus, AppError, Role};
use http::{HeaderMap, header};
use sqlx::{Any, Executor};

/// The cookie that carries the session token in browsers.
pub const COOKIE: &str = "curbside_session";

/// The signed-in user of a request, as the sessions table says right now:
/// their account (`user.id`, `user.role`, … through `Deref`) and the
/// session it came with.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub account: Account,
    pub session_id: String,
    /// When this session ends by itself.
    pub session_expires_at: Timestamp,
}

impl CurrentUser {
    /// How long a connection opened with this session may stay open (an
    /// event stream, a location socket): until the session expires.
    pub fn session_left(&self, now: Timestamp) -> std::time::Duration {
        std::time::Duration::from_millis((self.session_expires_at - now).max(0) as u64)
    }
}

impl std::ops::Deref for CurrentUser {
    type Target = Account;
    fn deref(&self) -> &Account {
        &self.account
    }
}

/// A new session row and its token.
pub struct Issued {
    pub session_id: String,
    pub token: String,
    pub expires_at: Timestamp,
}

/// Starts a session for a user and signs its token.
pub async fn start<'e>(
    exec: impl Executor<'e, Database = Any>,
    state: &AppState,
    user_id: &UserId,
    user_agent: Option<&str>,
    now: Timestamp,
) -> Result<Issued, AppError> {
    let session_id = super::new_id();
    let expires_at = now + state.auth.session_ttl;
    sqlx::query(
        "INSERT INTO sessions (id, user_id, created_at, expires_at, user_agent) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&session_id)
    .bind(user_id)
    .bind(now)
    .bind(expires_at)
    .bind(user_agent.map(|ua| ua.chars().take(300).collect::<String>()))
    .execute(exec)
    .await?;
    let token = state
        .auth
        .keys
        .issue(&Claims {
            sid: session_id.clone(),
            sub: user_id.to_owned(),
            iat: now.millis() / 1000,
            exp: expires_at.millis() / 1000,
        })
        .map_err(|e| {
            tracing::error!(error = %e, "signing a session token failed");
            AppError::Internal
        })?;
    Ok(Issued {
        session_id,
        token,
        expires_at,
    })
}

pub async fn revoke<'e>(
    exec: impl Executor<'e, Database = Any>,
    session_id: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(session_id)
        .execute(exec)
        .await?;
    Ok(())
}

/// Ends every live session of a user but `keep` (the one making the request, if any).
/// Returns how many ended.
pub async fn revoke_all<'e>(
    exec: impl Executor<'e, Database = Any>,
    user_id: &UserId,
    keep: Option<&str>,
    now: Timestamp,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND id <> $3",
    )
    .bind(now)
    .bind(user_id)
    .bind(keep.unwrap_or(""))
    .execute(exec)
    .await?;
    Ok(done.rows_affected())
}

/// Forgets a user's sessions that can never be used again: expired, or
/// revoked over a week ago (recent ones help explain "why was I logged out").
pub async fn prune<'e>(
    exec: impl Executor<'e, Database = Any>,
    user_id: &UserId,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    const WEEK_MS: i64 = 7 * 24 * 3600 * 1000;
    sqlx::query(
        "DELETE FROM sessions WHERE user_id = $1 AND (expires_at <= $2 OR revoked_at <= $3)",
    )
    .bind(user_id)
    .bind(now)
    .bind(now - WEEK_MS)
    .execute(exec)
    .await?;
    Ok(())
}

/// The `Authorization: Bearer …` token of a request, if it sends one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .filter(|t| !t.is_empty())
}

/// The token of a request: `Authorization: Bearer …` first, then the session cookie.
pub fn token_from_headers(headers: &HeaderMap) -> Option<String> {
    if let Some(t) = bearer(headers) {
        return Some(t.to_owned());
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE && !value.is_empty())
        .map(|(_, value)| value.to_owned())
}

#[derive(sqlx::FromRow)]
struct SessionUser {
    id: UserId,
    name: String,
    email: String,
    phone: Option<String>,
    role: Role,
    status: AccountStatus,
    created_at: Timestamp,
    expires_at: Timestamp,
}

/// Who a request is from: `None` for no token, a bad or expired token, a
/// revoked session, or a suspended account. Entry points ask through
/// `api::caller`, which keeps the answer for the rest of the request.
pub async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    now: Timestamp,
) -> Result<Option<CurrentUser>, AppError> {
    let Some(token) = token_from_headers(headers) else {
        return Ok(None);
    };
    let Some(claims) = state.auth.keys.read(&token) else {
        return Ok(None);
    };
    let row: Option<SessionUser> = sqlx::query_as(
        "SELECT u.id, u.name, u.email, u.phone, u.role, u.status, u.created_at, s.expires_at \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > $3",
    )
    .bind(&claims.sid)
    .bind(&claims.sub)
    .bind(now)
    .fetch_optional(&state.db)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    if !row.status.may_sign_in() {
        return Ok(None);
    }
    Ok(Some(CurrentUser {
        account: Account {
            id: row.id,
            name: row.name,
            email: row.email,
            phone: row.phone,
            role: row.role,
            status: row.status,
            created_at: row.created_at,
        },
        session_id: claims.sid,
        session_expires_at: row.expires_at,
    }))
}

/// Whether a session still lets its user in: not revoked, not expired,
/// and its account not suspended. An open event stream asks this when told
/// its user's sessions changed.
pub async fn still_open(
    db: &super::Db,
    session_id: &str,
    now: Timestamp,
) -> Result<bool, AppError> {
    let row: Option<(AccountStatus,)> = sqlx::query_as(
        "SELECT u.status FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2",
    )
    .bind(session_id)
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(row.is_some_and(|(status,)| status.may_sign_in()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn the_token_comes_from_bearer_or_the_cookie() {
        assert_eq!(
            token_from_headers(&headers(&[("authorization", "Bearer abc")])).as_deref(),
            Some("abc")
        );
        assert_eq!(
            token_from_headers(&headers(&[("authorization", "bearer  abc ")])).as_deref(),
            Some("abc")
        );
        assert_eq!(
            token_from_headers(&headers(&[("cookie", "a=1; curbside_session=xyz; b=2")]))
                .as_deref(),
            Some("xyz")
        );
        assert_eq!(
            token_from_headers(&headers(&[
                ("authorization", "Bearer abc"),
                ("cookie", "curbside_session=xyz")
            ]))
            .as_deref(),
            Some("abc")
        );
        assert_eq!(
            token_from_headers(&headers(&[("authorization", "Basic abc")])),
            None
        );
        assert_eq!(
            token_from_headers(&headers(&[("cookie", "curbside_session=")])),
            None
        );
        assert_eq!(
            token_from_headers(&headers(&[("cookie", "xcurbside_session=1")])),
            None
        );
    }
}
