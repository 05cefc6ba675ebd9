//! Everything under `/api/` answers like an API: statuses and the
//! documented JSON error, whatever the client's `Accept` says and whichever
//! layer answered (an unknown path, a wrong method).

use axum::{
    Json,
    extract::Request,
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::json;
use std::{collections::HashMap, sync::OnceLock};

/// The longest request line target and the most header bytes an API
/// request may carry; longer ones are answered 414 and 431 in JSON here
/// (hyper's own limits, far above these, answer without a body).
pub const MAX_URI_BYTES: usize = 8 * 1024;
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// The middleware. Only a form a page posted itself (no JavaScript yet)
/// keeps server_fn's redirect back to the page; for every other client a
/// `text/html` in `Accept` is dropped before server_fn sees it, so errors
/// keep their status instead of turning into a 302. `HEAD` of a read is
/// answered as its `GET` (hyper drops the body).
pub async fn api_answers(mut req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let path = req.uri().path().to_owned();
    let target = req.uri().path().len() + req.uri().query().map_or(0, |q| q.len() + 1);
    if target > MAX_URI_BYTES {
        return refuse(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!(
                "A request's address can be at most {} KB; send long arguments as a form (POST).",
                MAX_URI_BYTES / 1024
            ),
        );
    }
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    if header_bytes > MAX_HEADER_BYTES {
        return refuse(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            format!(
                "A request's headers can be at most {} KB together.",
                MAX_HEADER_BYTES / 1024
            ),
        );
    }
    if req.method() == Method::HEAD && allowed_methods(&path).split(", ").any(|m| m == "GET") {
        *req.method_mut() = Method::GET;
    }
    let method = req.method().clone();
    if !is_page_form_post(&method, req.headers()) && accepts_html(req.headers()) {
        req.headers_mut()
            .insert(header::ACCEPT, HeaderValue::from_static("application/json"));
    }
    let res = next.run(req).await;
    let json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    match res.status() {
        StatusCode::NOT_FOUND if !json => (
            StatusCode::NOT_FOUND,
            Json(json!({
                "error": "not_found",
                "message": format!("There is no API endpoint at {path}. docs/API.md lists them."),
            })),
        )
            .into_response(),
        StatusCode::METHOD_NOT_ALLOWED if !json => {
            let allow = allowed_methods(&path);
            let message = match allow.as_str() {
                "" => format!("{path} does not take {method}."),
                a => format!("{path} does not take {method}; use {a}."),
            };
            let mut answer = (
                StatusCode::METHOD_NOT_ALLOWED,
                Json(json!({ "error": "method_not_allowed", "message": message })),
            )
                .into_response();
            if let Ok(a) = HeaderValue::from_str(&allow) {
                answer.headers_mut().insert(header::ALLOW, a);
            }
            answer
        }
        _ => res,
    }
}

fn refuse(status: StatusCode, kind: &str, message: String) -> Response {
    (status, Json(json!({ "error": kind, "message": message }))).into_response()
}

static ROUTES: OnceLock<HashMap<String, Vec<String>>> = OnceLock::new();

/// Keeps the routes the router serves (`routes::served`), for `Allow`.
pub fn remember_routes(served: &[(String, String)]) {
    let mut by_path: HashMap<String, Vec<String>> = HashMap::new();
    for (method, path) in served {
        by_path
            .entry(path.clone())
            .or_default()
            .push(method.clone());
    }
    let _ = ROUTES.set(by_path);
}

/// `Allow` for `path`, e.g. `POST`, from the routes the router serves
/// (the router itself does not say).
fn allowed_methods(path: &str) -> String {
    ROUTES
        .get()
        .and_then(|table| table.get(path))
        .map(|m| m.join(", "))
        .unwrap_or_default()
}

fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// A browser submitting a page's `<form>` itself: a POST of form fields as
/// a navigation (`Sec-Fetch-Mode: navigate`), or, from a browser too old to
/// send Fetch metadata, with the page it came from as `Referer`. Scripts,
/// `fetch` and API clients are none of these.
fn is_page_form_post(method: &Method, headers: &HeaderMap) -> bool {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.starts_with("application/x-www-form-urlencoded")
                || v.starts_with("multipart/form-data")
        });
    if *method != Method::POST || !form || !accepts_html(headers) {
        return false;
    }
    match headers.get("sec-fetch-mode").and_then(|v| v.to_str().ok()) {
        Some(mode) => mode == "navigate",
        None => headers.contains_key(header::REFERER),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");
    const HTML: (&str, &str) = ("accept", "text/html,application/xhtml+xml");

    #[test]
    fn a_page_posting_its_form_is_a_form_post() {
        let navigate = headers(&[FORM, HTML, ("sec-fetch-mode", "navigate")]);
        assert!(is_page_form_post(&Method::POST, &navigate));
        let old_browser = headers(&[FORM, HTML, ("referer", "http://127.0.0.1:3000/login")]);
        assert!(is_page_form_post(&Method::POST, &old_browser));
    }

    #[test]
    fn api_clients_and_scripts_are_not() {
        for h in [
            // curl -H 'Accept: text/html' with a form
            headers(&[FORM, HTML]),
            // fetch() from a script, even with a Referer
            headers(&[
                FORM,
                HTML,
                ("sec-fetch-mode", "cors"),
                ("referer", "http://127.0.0.1:3000/login"),
            ]),
            // JSON only
            headers(&[FORM, ("sec-fetch-mode", "navigate")]),
            // not a form
            headers(&[
                ("content-type", "application/json"),
                HTML,
                ("sec-fetch-mode", "navigate"),
            ]),
        ] {
            assert!(!is_page_form_post(&Method::POST, &h), "{h:?}");
        }
        let typed_in = headers(&[HTML, ("sec-fetch-mode", "navigate")]);
        assert!(!is_page_form_post(&Method::GET, &typed_in));
    }
}
