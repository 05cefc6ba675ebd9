//! A request id on every request: the caller's `X-Request-Id` when it is a
//! plain token (a load balancer's, or a client's that wants to match its
//! own logs), otherwise a new UUID. It is sent back on every answer and is
//! a field of the span every log line of the request is written in, so a
//! user's report ("it failed, request id …") finds its lines in the logs.

use axum::{extract::Request, http::HeaderName, middleware::Next, response::Response};
use tower_http::request_id::RequestId;
use tracing::Instrument as _;

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The longest caller id kept; longer ones are replaced.
const MAX_LEN: usize = 64;

/// Whether a caller's id is kept: letters, digits and `-_.:` only, so a
/// log line never carries quotes, spaces or anything a log reader parses.
pub fn is_plain(id: &[u8]) -> bool {
    !id.is_empty()
        && id.len() <= MAX_LEN
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Drops a caller's id that is not plain, so a new one is made for it.
pub async fn drop_unusable(mut req: Request, next: Next) -> Response {
    if req
        .headers()
        .get(&HEADER)
        .is_some_and(|v| !is_plain(v.as_bytes()))
    {
        req.headers_mut().remove(&HEADER);
    }
    next.run(req).await
}

/// Runs the request inside a span that names its id.
pub async fn in_span(req: Request, next: Next) -> Response {
    let id = req
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or("")
        .to_owned();
    // At the error level so it is kept whatever RUST_LOG says: a span that
    // is filtered out lends its fields to no line, and a warning logged
    // under RUST_LOG=warn must still name its request.
    let span = tracing::error_span!("http", request_id = %id);
    next.run(req).instrument(span).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_token_is_kept_and_anything_else_is_not() {
        assert!(is_plain(b"0190f3c2-7d1e-4b8a-9e55-2a6f0c1d9b3e"));
        assert!(is_plain(b"lb:host-1.42_7"));
        assert!(!is_plain(b""));
        assert!(!is_plain(b"has space"));
        assert!(!is_plain(b"quote\"d"));
        assert!(!is_plain(&[b'a'; MAX_LEN + 1]));
        assert!(is_plain(&[b'a'; MAX_LEN]));
    }
}
