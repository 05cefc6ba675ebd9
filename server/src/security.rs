//! Headers every answer carries, and the refusal of state-changing requests sent by other sites.

use axum::{
    Json,
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::json;
use std::sync::Arc;

/// What the two middlewares need, read from the configuration once.
pub struct WebGuards {
    /// The policy for answers that are not pages (pages add their nonce).
    pub default_policy: HeaderValue,
    /// `Strict-Transport-Security` when the public URL is https.
    pub hsts: bool,
    /// `PUBLIC_URL`'s origin, which browsers send as `Origin`.
    pub public_origin: String,
}

const PERMISSIONS_POLICY: &str = "geolocation=(self), camera=(), microphone=(), payment=(), usb=()";

/// Adds the security headers to every answer: pages, the API, files and the event stream.
pub async fn security_headers(
    State(guards): State<Arc<WebGuards>>,
    req: Request,
    next: Next,
) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            guards.default_policy.clone(),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static(PERMISSIONS_POLICY),
    );
    if guards.hsts {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    res
}

/// Refuses a state-changing request that a browser says another site sent:
/// the session cookie would otherwise act for its owner (SameSite=Lax lets
/// a same-site sibling through, and not every browser enforces it).
/// Clients that send neither `Origin` nor `Sec-Fetch-Site` (API clients
/// with a bearer token, curl) are not browsers acting for someone else.
pub async fn same_origin_writes(
    State(guards): State<Arc<WebGuards>>,
    req: Request,
    next: Next,
) -> Response {
    let host = header_text(req.headers(), header::HOST).map(str::to_owned);
    if let Some(why) = cross_site(req.method(), req.headers(), &guards.public_origin) {
        tracing::warn!(
            method = %req.method(),
            path = %req.uri().path(),
            origin = ?req.headers().get(header::ORIGIN),
            why,
            "cross-site request refused"
        );
        return (
            StatusCode::FORBIDDEN,
            Json(json!({
                "error": "forbidden",
                "message": "This request came from another website and was refused. \
                            Open Curbside itself and try again.",
            })),
        )
            .into_response();
    }
    let mut res = next.run(req).await;
    // A form posted without JavaScript is sent back where its `Referer`
    // says it came from; only ever to a page of this site.
    if let Some(location) = header_text(res.headers(), header::LOCATION)
        && let Some(local) = local_redirect(location, host.as_deref(), &guards.public_origin)
        && let Ok(v) = HeaderValue::from_str(&local)
    {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Whether `origin` (`scheme://host[:port]`) is this site: `PUBLIC_URL`'s
/// origin, or the host the request was sent to, which is right whatever
/// `PUBLIC_URL` says when the site is reached by another name (a LAN
/// address, a test's port).
fn is_ours(origin: &str, host: Option<&str>, public_origin: &str) -> bool {
    let origin = origin.trim().to_ascii_lowercase();
    origin == public_origin
        || origin
            .split_once("://")
            .is_some_and(|(_, authority)| host.is_some_and(|h| h.eq_ignore_ascii_case(authority)))
}

/// Why the request is refused as cross-site, or `None` to let it through.
fn cross_site(method: &Method, headers: &HeaderMap, public_origin: &str) -> Option<&'static str> {
    // A WebSocket handshake is a GET that acts with the session cookie for
    // as long as the connection lasts (a phone's fixes): checked as a write.
    let upgrade =
        header_text(headers, header::UPGRADE).is_some_and(|u| u.eq_ignore_ascii_case("websocket"));
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) && !upgrade {
        return None;
    }
    match header_text(headers, header::HeaderName::from_static("sec-fetch-site")) {
        Some("cross-site") => return Some("Sec-Fetch-Site: cross-site"),
        // A sibling subdomain is another site as far as we are concerned.
        Some("same-site") => return Some("Sec-Fetch-Site: same-site"),
        _ => {}
    }
    match headers.get(header::ORIGIN).map(HeaderValue::to_str) {
        None => None,
        Some(Err(_)) => Some("unreadable Origin"),
        Some(Ok(o)) if is_ours(o, header_text(headers, header::HOST), public_origin) => None,
        Some(Ok(_)) => Some("Origin is another site"),
    }
}

/// `Some(path)` to send instead of `location` when it is an absolute URL:
/// its path on this site, or the home page when it names another site.
/// `None`: it is a path already.
fn local_redirect(location: &str, host: Option<&str>, public_origin: &str) -> Option<String> {
    let (scheme, rest) = location.split_once("://")?;
    let split = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let path = &rest[split..];
    let ours = is_ours(&location[..scheme.len() + 3 + split], host, public_origin);
    Some(match path {
        p if ours && p.starts_with('/') && !p.starts_with("//") => p.to_owned(),
        p if ours && !p.is_empty() => format!("/{p}"),
        _ => "/".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUBLIC: &str = "https://curbside.example.com";

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn another_sites_writes_are_refused() {
        for h in [
            headers(&[("origin", "https://evil.example")]),
            headers(&[("sec-fetch-site", "cross-site")]),
            headers(&[("sec-fetch-site", "same-site")]),
            headers(&[("origin", "null")]),
            headers(&[
                ("origin", "https://evil.example"),
                ("host", "curbside.example.com"),
            ]),
            headers(&[
                ("origin", "https://curbside.example.com.evil.example"),
                ("host", "curbside.example.com"),
            ]),
        ] {
            assert!(cross_site(&Method::POST, &h, PUBLIC).is_some(), "{h:?}");
        }
    }

    #[test]
    fn own_pages_api_clients_and_reads_pass() {
        for h in [
            headers(&[]),
            headers(&[("authorization", "Bearer x")]),
            headers(&[("origin", "https://curbside.example.com")]),
            headers(&[("origin", "HTTPS://Curbside.example.com")]),
            headers(&[("sec-fetch-site", "same-origin"), ("origin", PUBLIC)]),
            headers(&[
                ("origin", "http://127.0.0.1:4000"),
                ("host", "127.0.0.1:4000"),
            ]),
        ] {
            assert_eq!(cross_site(&Method::POST, &h, PUBLIC), None, "{h:?}");
        }
        let evil = headers(&[("origin", "https://evil.example")]);
        assert_eq!(cross_site(&Method::GET, &evil, PUBLIC), None);
    }

    #[test]
    fn a_websocket_handshake_from_another_site_is_refused_like_a_write() {
        let evil = headers(&[("origin", "https://evil.example"), ("upgrade", "websocket")]);
        assert!(cross_site(&Method::GET, &evil, PUBLIC).is_some());
        let ours = headers(&[("origin", PUBLIC), ("upgrade", "WebSocket")]);
        assert_eq!(cross_site(&Method::GET, &ours, PUBLIC), None);
        let phone_app = headers(&[("upgrade", "websocket"), ("authorization", "Bearer x")]);
        assert_eq!(cross_site(&Method::GET, &phone_app, PUBLIC), None);
    }

    #[test]
    fn redirects_stay_on_this_site() {
        let host = Some("127.0.0.1:4000");
        let r = |l| local_redirect(l, host, PUBLIC);
        assert_eq!(r("/login?next=/account"), None);
        assert_eq!(
            r("http://127.0.0.1:4000/login?__err=x").as_deref(),
            Some("/login?__err=x")
        );
        assert_eq!(
            r("https://curbside.example.com/account").as_deref(),
            Some("/account")
        );
        assert_eq!(
            r("https://evil.example/phish?__err=x").as_deref(),
            Some("/")
        );
        assert_eq!(
            r("https://127.0.0.1:4000.evil.example/").as_deref(),
            Some("/")
        );
        assert_eq!(r("http://127.0.0.1:4000").as_deref(), Some("/"));
    }
}
