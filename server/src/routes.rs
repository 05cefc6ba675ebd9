//! The HTTP router: health checks, server functions, pages, static files and middleware.

use crate::{
    api_answers, form_text,
    pwa::{self, OFFLINE, SERVICE_WORKER, START},
    request_id,
    security::{self, WebGuards},
};
use app::{
    App,
    api::{
        caller,
        events::{self, EVENTS},
        health::{HEALTHZ, READYZ, healthz, readyz},
        location_socket::{LOCATION_SOCKET, location_socket},
        metrics::{self, METRICS},
        payments::{STRIPE_WEBHOOK, stripe_webhook},
        photos::{blob_put, file_get},
    },
    backend::{AppState, access},
    domain::{
        JobId,
        account::{needs_sign_in, page_redirect},
    },
    shell,
};
use axum::{
    Router,
    extract::DefaultBodyLimit,
    extract::{Request, State},
    handler::Handler,
    http::{Method, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post, put},
};
use leptos_axum::{LeptosRoutes, generate_route_list};
use serde_json::Value;
use std::{collections::HashMap, sync::Arc, time::Duration};
use tower::util::option_layer;
use tower_http::{
    compression::CompressionLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    services::ServeDir,
    timeout::TimeoutLayer,
    trace::TraceLayer,
};

const PHOTO_BLOB: &str = "/api/photo_blob/{*key}";
const PHOTO_FILE: &str = "/api/photo_file/{*key}";

/// Every route `router` serves, as `(METHOD, path)` (`{id}` for a
/// parameter), sorted: read from the router itself, so a route added to it
/// is listed without anyone keeping a table. axum tells its paths and each
/// path's methods only in its `Debug` form; if that form ever changes, the
/// list comes out empty and the authorization test, which needs every
/// route, fails. The fallback (the site's files) is not a route.
pub fn served(router: &Router) -> Vec<(String, String)> {
    const METHODS: [&str; 8] = [
        "get", "delete", "options", "patch", "post", "put", "trace", "connect",
    ];
    let text = format!("{router:?}");
    let text = text.split("fallback_router:").next().unwrap_or_default();
    let mut methods: HashMap<&str, Vec<String>> = HashMap::new();
    let mut paths: HashMap<&str, &str> = HashMap::new();
    for entry in text.split("RouteId(").skip(1) {
        let Some((id, rest)) = entry.split_once("): ") else {
            continue;
        };
        if let Some(path) = rest.strip_prefix('"') {
            paths.insert(id, path.split('"').next().unwrap_or_default());
        } else if rest.starts_with("MethodRouter(") {
            let found = METHODS
                .into_iter()
                .filter(|m| {
                    rest.contains(&format!(" {m}: ")) && !rest.contains(&format!(" {m}: None"))
                })
                .map(str::to_uppercase);
            methods.entry(id).or_default().extend(found);
        }
    }
    let mut table: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(id, path)| {
            methods
                .get(id)
                .into_iter()
                .flatten()
                .map(|m| (m.clone(), (*path).to_owned()))
        })
        .collect();
    table.sort();
    table.dedup();
    table
}

pub fn router(state: AppState, request_timeout: Duration, guards: Arc<WebGuards>) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let shell_files = Arc::new(pwa::Shell::new(&state.assets));
    let offline_page = shell_files.clone();
    // The built site's files, precompressed copies (`.br`, `.gz`) preferred,
    // conditional requests answered 304; anything else is the app's
    // not-found page. (leptos_axum's own file handler drops the request's
    // `If-Modified-Since`, so it never answers 304.)
    let site_files = ServeDir::new(&*state.leptos_options.site_root)
        .precompressed_br()
        .precompressed_gzip()
        .call_fallback_on_method_not_allowed(true)
        .fallback(
            leptos_axum::file_and_error_handler::<AppState, _>(shell).with_state(state.clone()),
        );
    Router::new()
        .route(HEALTHZ, get(healthz))
        .route(READYZ, get(readyz))
        .route(METRICS, get(metrics::metrics))
        .route(
            SERVICE_WORKER,
            get(move || async move { shell_files.worker() }),
        )
        .route(OFFLINE, get(move || async move { offline_page.offline() }))
        .route(START, get(pwa::start))
        .route(STRIPE_WEBHOOK, post(stripe_webhook))
        // A photo's bytes: at most the 5 MB cap (axum's default is 2 MB).
        .route(
            PHOTO_BLOB,
            put(blob_put).layer(DefaultBodyLimit::max(
                app::domain::photo::MAX_BYTES as usize + 1,
            )),
        )
        .route(PHOTO_FILE, get(file_get))
        // Pages and server functions; AppState reaches both as context.
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback_service(site_files)
        .layer(middleware::from_fn_with_state(state.clone(), page_guard))
        .layer(middleware::from_fn(unreadable_request_is_400))
        // Only when metrics are on: otherwise every request would build its labels for nothing.
        .layer(option_layer(
            state
                .metrics
                .is_some()
                .then(|| middleware::from_fn(metrics::track)),
        ))
        .layer(middleware::from_fn_with_state(
            state.assets.hashed,
            pwa::cache_headers,
        ))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(TraceLayer::new_for_http())
        // Outside the layers above: an event stream is never compressed or
        // timed out, and their wrappers around its body cost about 6 KB per
        // open stream (a third of it) for nothing. It logs for itself.
        .route(EVENTS, get(events::events))
        // Likewise a phone's location socket: one connection for a drive.
        .route(LOCATION_SOCKET, get(location_socket))
        .layer(middleware::from_fn(form_text::form_text))
        .layer(middleware::from_fn(api_answers::api_answers))
        // Outside the routes: a refused cross-site write never reaches a handler, and
        // every answer, refusals and the event stream included, has the headers.
        .layer(middleware::from_fn_with_state(
            guards.clone(),
            security::same_origin_writes,
        ))
        .layer(middleware::from_fn_with_state(
            guards,
            security::security_headers,
        ))
        // Around everything: each answer, refusals included, names its
        // request, and every log line is written in the request's span.
        .layer(middleware::from_fn(request_id::in_span))
        .layer(PropagateRequestIdLayer::new(request_id::HEADER))
        .layer(SetRequestIdLayer::new(request_id::HEADER, MakeRequestUuid))
        .layer(middleware::from_fn(request_id::drop_unusable))
        .with_state(state)
}

/// Pages behind sign-in, checked before they render: a visitor goes to the
/// login page (and comes back after), a user in another role's area goes to
/// their own. The same rule runs in the browser for in-app navigation.
async fn page_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path_and_query = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned());
    if req.method() != Method::GET || !needs_sign_in(&path_and_query) {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let user = match caller::resolve(&mut parts, &state).await {
        Ok(user) => user,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    if let Some(to) = page_redirect(user.as_ref().map(|u| u.role), &path_and_query) {
        return Redirect::to(&to).into_response();
    }
    // A job page the caller may not see renders its "not found" words; the
    // status says so too, decided by the rule the job's API uses.
    let hidden = match (job_page_id(parts.uri.path()), &user) {
        (Some(id), Some(user)) => match access::may_see(&state.db, user, &JobId::from(id)).await {
            Ok(seen) => !seen,
            Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
        _ => false,
    };
    let mut res = next.run(Request::from_parts(parts, body)).await;
    if hidden && res.status() == StatusCode::OK {
        *res.status_mut() = StatusCode::NOT_FOUND;
    }
    res
}

/// The job's id in `/customer/jobs/{id}`, `/mechanic/jobs/{id}` or `/admin/jobs/{id}`.
fn job_page_id(path: &str) -> Option<&str> {
    let mut parts = path.trim_start_matches('/').split('/');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("customer" | "mechanic" | "admin"), Some("jobs"), Some(id), None)
            if !id.is_empty() =>
        {
            Some(id)
        }
        _ => None,
    }
}

/// server_fn answers arguments it cannot read (a missing field, a JSON body
/// where a form is expected) with 500, before our code runs. That is the
/// client's mistake, and API clients should see it as one: 400.
async fn unreadable_request_is_400(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !res.headers().contains_key("serverfnerror")
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let kind = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned));
    if kind.as_deref() == Some("request") {
        parts.status = StatusCode::BAD_REQUEST;
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_routes_a_router_serves_are_read_from_it_layers_and_fallback_aside() {
        let router: Router = Router::new()
            .route("/a", get(|| async {}).post(|| async {}))
            .route("/b/{id}", put(|| async {}))
            .fallback_service(ServeDir::new("."))
            .layer(CompressionLayer::new())
            .route("/c", post(|| async {}));
        let want: Vec<(String, String)> = [
            ("GET", "/a"),
            ("POST", "/a"),
            ("POST", "/c"),
            ("PUT", "/b/{id}"),
        ]
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
        assert_eq!(served(&router), want);
    }
}
