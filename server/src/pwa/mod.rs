//! The installable app: its service worker, the page it shows offline,
//! where the installed app starts, and how long browsers keep each file.

use app::{
    api::caller,
    backend::AppState,
    backend::assets::{BuildAssets, short_hash},
};
use axum::{
    body::Bytes,
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};

/// The service worker, at the root so that it controls every page.
pub const SERVICE_WORKER: &str = "/sw.js";
/// What a page opened without a connection shows (from the worker's cache).
pub const OFFLINE: &str = "/offline";
/// The manifest's `start_url`: each role's home, the landing page for visitors.
pub const START: &str = "/start";

const WORKER_JS: &str = include_str!("sw.js");
const OFFLINE_HTML: &str = include_str!("offline.html");
/// Files other than the bundle that the offline page and the installed app need.
const SHELL_FILES: [&str; 6] = [
    "/pwa.js",
    "/icon.svg",
    "/manifest.webmanifest",
    "/icons/icon-192.png",
    "/icons/icon-512.png",
    "/icons/maskable-512.png",
];

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// The worker and the offline page for this build, made once at start-up.
pub struct Shell {
    worker: Bytes,
    offline: Bytes,
}

impl Shell {
    pub fn new(assets: &BuildAssets) -> Self {
        let offline = OFFLINE_HTML.replace("{css}", &assets.css);
        let mut precache = vec![OFFLINE, &assets.css, &assets.js, &assets.wasm];
        precache.extend(SHELL_FILES);
        // The offline page and the worker's own code change without the
        // bundle changing; either must make browsers install the new worker.
        let worker = format!(
            "const VERSION = \"{}\";\nconst HASHED = {};\nconst PRECACHE = {};\n{WORKER_JS}",
            short_hash(&(&assets.version, &offline, WORKER_JS)),
            assets.hashed,
            serde_json::to_string(&precache).unwrap_or_else(|_| "[]".to_owned()),
        );
        Self {
            worker: Bytes::from(worker),
            offline: Bytes::from(offline),
        }
    }

    pub fn worker(&self) -> Response {
        (
            [
                (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                (header::CACHE_CONTROL, REVALIDATE),
            ],
            self.worker.clone(),
        )
            .into_response()
    }

    pub fn offline(&self) -> Response {
        (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, REVALIDATE),
            ],
            self.offline.clone(),
        )
            .into_response()
    }
}

/// Sends the installed app to the signed-in user's own area.
pub async fn start(State(state): State<AppState>, req: Request) -> Response {
    let (mut parts, _) = req.into_parts();
    match caller::resolve(&mut parts, &state).await {
        Ok(user) => Redirect::to(user.map_or("/", |u| u.role.home())).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// How long a browser may keep a file without asking again: a year for the
/// bundle's hashed files (a new build has new names), otherwise it asks
/// each time and gets a 304 when nothing changed. Pages and the API decide
/// for themselves.
pub async fn cache_headers(State(hashed): State<bool>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let mut res = next.run(req).await;
    let ok = matches!(res.status(), StatusCode::OK | StatusCode::NOT_MODIFIED);
    if !ok || res.headers().contains_key(header::CACHE_CONTROL) {
        return res;
    }
    if let Some(policy) = cache_policy(&path, hashed) {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    res
}

/// `None` for pages and the API: only files (a name with an extension) get a policy here.
fn cache_policy(path: &str, hashed: bool) -> Option<&'static str> {
    let name = path.rsplit('/').next().unwrap_or_default();
    if path.starts_with("/api/") || !name.contains('.') {
        return None;
    }
    Some(if hashed && path.starts_with("/pkg/") {
        IMMUTABLE
    } else {
        REVALIDATE
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assets(hashed: bool) -> BuildAssets {
        BuildAssets::new(
            "/pkg/curbside.C.css".into(),
            "/pkg/curbside.J.js".into(),
            "/pkg/curbside.W.wasm".into(),
            hashed,
            "v1".into(),
        )
    }

    fn text(body: &Bytes) -> &str {
        std::str::from_utf8(body).unwrap()
    }

    #[test]
    fn only_hashed_bundle_files_are_kept_for_a_year() {
        assert_eq!(
            cache_policy("/pkg/curbside.Abc.wasm", true),
            Some(IMMUTABLE)
        );
        assert_eq!(cache_policy("/pkg/curbside.wasm", false), Some(REVALIDATE));
        assert_eq!(cache_policy("/icons/icon-192.png", true), Some(REVALIDATE));
        assert_eq!(cache_policy("/customer/jobs/abc", true), None);
        assert_eq!(cache_policy("/api/site_config", true), None);
        assert_eq!(cache_policy("/api/x.json", true), None);
    }

    #[test]
    fn the_worker_precaches_this_builds_shell() {
        let shell = Shell::new(&assets(true));
        assert!(text(&shell.worker).contains(r#""/pkg/curbside.W.wasm""#));
        assert!(text(&shell.worker).contains(r#""/offline""#));
        assert!(text(&shell.worker).contains("const HASHED = true;"));
        assert!(text(&shell.offline).contains(r#"href="/pkg/curbside.C.css""#));
    }

    #[test]
    fn a_new_bundle_makes_a_new_worker() {
        let one = Shell::new(&assets(true)).worker;
        let mut changed = assets(true);
        changed.version = "v2".into();
        assert_ne!(one, Shell::new(&changed).worker);
        assert_eq!(one, Shell::new(&assets(true)).worker);
    }
}
