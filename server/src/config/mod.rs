//! Settings from environment variables (and `.env`), checked before anything starts.
//!
//! Every setting is a field of [`Config`], in one list an operator reads
//! beside the README's table; `from_lookup` reads them section by section,
//! each with its default and its range.

mod read;
mod sections;
mod services;
#[cfg(test)]
mod tests;

pub use services::StripeSettings;

use app::backend::photos::storage::S3Settings;
use app::{
    backend::{policy::ContentPolicy, store::fixes::Trail},
    domain::{Feature, FeatureFlags, map::MapSettings, tracking::DistanceModel},
};
use leptos::config::Env;
use read::{bad, parse_bool, parse_float, parse_range};
use sections::{
    content_policy, demo_data, features, first_admin, map_settings, push_settings, site,
};
use services::{s3_settings, stripe_settings};
use std::{fmt, net::SocketAddr, path::PathBuf, time::Duration};

/// A bad setting: names the variable and says what it accepts.
#[derive(Debug, thiserror::Error)]
#[error("invalid {var}={value:?}: expected {expected}")]
pub struct ConfigError {
    pub var: &'static str,
    pub value: String,
    pub expected: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    pub listen_addr: SocketAddr,
    pub public_url: String,
    pub site_root: String,
    /// cargo-leptos's list of the bundle's hashed names; relative to the
    /// server binary's folder (where cargo-leptos writes it) or absolute.
    pub hash_file: String,
    /// `DEV` turns on live reload under `cargo leptos watch`.
    pub leptos_env: Env,
    pub features: FeatureFlags,
    pub log_format: LogFormat,
    pub db_max_connections: u32,
    pub request_timeout: Duration,
    /// Where generated secrets (and the default SQLite file) live.
    pub data_dir: PathBuf,
    /// `JWT_SECRET`; when unset, one is generated once and kept in `data_dir`.
    pub jwt_secret: Option<String>,
    /// `METRICS_TOKEN`: turns on `GET /metrics`, for callers that send it as a Bearer token.
    pub metrics_token: Option<String>,
    pub session_ttl: Duration,
    pub trust_forwarded_for: bool,
    /// `SIGNUPS_PER_HOUR`: registrations one client address may make in an hour.
    pub signups_per_hour: usize,
    /// `MESSAGES_PER_MINUTE`: messages one person may send in a minute; 0: no limit.
    pub messages_per_minute: usize,
    /// `ADMIN_EMAIL` + `ADMIN_PASSWORD`: the first admin, made at start-up while there is none.
    pub first_admin: Option<FirstAdmin>,
    /// `DEMO_DATA`: seed demo accounts into an empty database.
    pub demo_data: bool,
    /// `EVENTS_RETENTION_DAYS`: how long real-time events stay replayable.
    pub events_retention: Duration,
    /// `EVENTS_SAFETY_POLL_MS`: how often the event pump reads the table
    /// without being told of a commit (a missed notification's worst delay).
    pub events_safety_poll: Duration,
    /// `EVENTS_STREAM_BUFFER`: events one stream may have waiting before
    /// it is cut off (it then reconnects and catches up by replay).
    pub events_stream_buffer: usize,
    /// `CSP_*_SRC`: the sources beyond this site the browser may use.
    pub content_policy: ContentPolicy,
    /// `MAP_TILE_URL`, `MAP_ATTRIBUTION`: the maps' tile layer.
    pub map: MapSettings,
    /// `ETA_ROAD_FACTOR`, `ETA_SPEED_KMH`: the arrival estimate without a routing service.
    pub eta_model: DistanceModel,
    /// `LOCATION_TRAIL`: what is kept of the way there once a job ends.
    pub location_trail: Trail,
    /// `OSRM_URL`: an OSRM-compatible routing service for arrival estimates.
    pub osrm_url: Option<String>,
    /// `OSRM_TIMEOUT_MS`: how long to wait for it before the distance estimate stands in.
    pub osrm_timeout: Duration,
    /// `STRIPE_*`: card payments through Stripe; `None` is the demo payment mode.
    pub stripe: Option<StripeSettings>,
    /// `S3_*`: photos in an S3 bucket; `None` keeps them under `DATA_DIR/photos`.
    pub s3: Option<S3Settings>,
    /// `PHOTO_URL_TTL_SECS`: how long a link to a photo works.
    pub photo_url_ttl: Duration,
    /// `PHOTO_RETENTION_DAYS`: photos of a completed or cancelled job are kept this long.
    pub photo_retention: Duration,
    /// `PHOTO_PROCESSING_CONCURRENCY`: photos decoded and re-encoded at once.
    pub photo_concurrency: usize,
    /// `PHOTO_DECODE_MEMORY_MB`: the memory all photos being processed may
    /// hold together, in MiB (at least what the largest photo needs).
    pub photo_memory_mib: u32,
    /// `VAPID_PRIVATE_KEY`: the push key (32 bytes, base64url); when unset,
    /// one is generated once and kept in `data_dir`.
    pub vapid_private_key: Option<String>,
    /// `VAPID_SUBJECT`: the contact push services may write to (`mailto:`
    /// or `https:`); `PUBLIC_URL` by default.
    pub vapid_subject: String,
    /// `PUSH_ALLOW_LOOPBACK_HTTP`: accept `http://localhost` push endpoints
    /// (a local push service stand-in); never on a public server.
    pub push_allow_loopback_http: bool,
    /// `PUSH_ALLOWED_HOSTS`: push services endpoints may point at (and
    /// their subdomains), comma-separated; empty allows any public host.
    pub push_allowed_hosts: Vec<String>,
}

/// The admin made on first start from the environment.
#[derive(Clone)]
pub struct FirstAdmin {
    pub email: String,
    pub name: String,
    pub password: String,
}

impl Config {
    /// Cookies are marked `Secure` when the site is served over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// `scheme://host[:port]` of `PUBLIC_URL`: what a browser sends as `Origin`.
    pub fn public_origin(&self) -> String {
        let (scheme, rest) = self
            .public_url
            .split_once("://")
            .unwrap_or(("http", &self.public_url));
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        format!("{scheme}://{}", host.to_ascii_lowercase())
    }
}

impl Config {
    /// For `server routes`, which builds the app to read its router and
    /// serves nothing: any free port, and no first admin or demo data made.
    pub fn only_to_list_routes(mut self) -> Self {
        self.listen_addr = SocketAddr::from(([127, 0, 0, 1], 0));
        self.first_admin = None;
        self.demo_data = false;
        self
    }
}

impl fmt::Debug for Config {
    /// Never prints secrets: the database URL may carry a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database", &redact_url(&self.database_url))
            .field("listen_addr", &self.listen_addr)
            .field("public_url", &self.public_url)
            .field("features", &self.features)
            .field("stripe", &self.stripe)
            .field("data_dir", &self.data_dir)
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "***"))
            .field(
                "vapid_private_key",
                &self.vapid_private_key.as_ref().map(|_| "***"),
            )
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "***"))
            .field("session_ttl", &self.session_ttl)
            .field("first_admin", &self.first_admin.as_ref().map(|a| &a.email))
            .field("demo_data", &self.demo_data)
            .finish_non_exhaustive()
    }
}

/// `postgres://user:secret@host/db` becomes `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/curbside.db";
pub const DEFAULT_SITE_ADDR: &str = "127.0.0.1:3000";
/// An HS256 key shorter than this is guessable offline from one token.
pub const MIN_SECRET_LEN: usize = 32;

impl Config {
    /// Reads the process environment, after loading `.env` when there is one
    /// (variables already set win over the file).
    pub fn from_env() -> Result<Self, ConfigError> {
        let _ = dotenvy::dotenv();
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Parses settings from any lookup, so tests need not touch the process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |k: &str| {
            get(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let (database_url, listen_addr, public_url) = site(&get)?;
        let features = features(&get)?;

        let leptos_env = match get("LEPTOS_ENV").map(|v| v.to_ascii_uppercase()).as_deref() {
            None | Some("PROD") => Env::PROD,
            Some("DEV") => Env::DEV,
            Some(_) => {
                return Err(bad(
                    "LEPTOS_ENV",
                    &get("LEPTOS_ENV").unwrap_or_default(),
                    "DEV or PROD",
                ));
            }
        };

        let log_format = match get("LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => return Err(bad("LOG_FORMAT", other, "pretty or json")),
        };

        let jwt_secret = get("JWT_SECRET");
        if let Some(secret) = &jwt_secret
            && secret.len() < MIN_SECRET_LEN
        {
            return Err(bad(
                "JWT_SECRET",
                "***",
                &format!(
                    "at least {MIN_SECRET_LEN} characters (or leave it unset to have one generated)"
                ),
            ));
        }
        let metrics_token = get("METRICS_TOKEN");
        if let Some(token) = &metrics_token
            && token.len() < 16
        {
            return Err(bad(
                "METRICS_TOKEN",
                "***",
                "at least 16 characters (or leave it unset to keep /metrics off)",
            ));
        }
        let trust_forwarded_for = match get("TRUST_FORWARDED_FOR") {
            Some(v) => parse_bool("TRUST_FORWARDED_FOR", &v)?,
            None => false,
        };

        let first_admin = first_admin(&get)?;
        let demo_data = demo_data(&get, &public_url, listen_addr)?;

        let map = map_settings(&get)?;
        let eta_model = DistanceModel {
            road_factor: parse_float(&get, "ETA_ROAD_FACTOR", 1.3, 1.0, 3.0)?,
            speed_kmh: parse_float(&get, "ETA_SPEED_KMH", 30.0, 5.0, 130.0)?,
        };
        let location_trail = match get("LOCATION_TRAIL") {
            None => Trail::default(),
            Some(v) => {
                Trail::parse(&v).ok_or_else(|| bad("LOCATION_TRAIL", &v, "purge or coarse"))?
            }
        };
        let osrm_url = match get("OSRM_URL") {
            None => None,
            Some(v) if v.starts_with("http://") && v.len() > "http://".len() => Some(v),
            Some(v) => {
                return Err(bad(
                    "OSRM_URL",
                    &v,
                    "an http:// URL of an OSRM-compatible routing service beside the app (e.g. http://127.0.0.1:5000)",
                ));
            }
        };
        let stripe = stripe_settings(&get, features.enabled(Feature::Payments), &public_url)?;
        let s3 = s3_settings(&get)?;
        let content_policy = content_policy(
            &get,
            leptos_env == Env::DEV,
            &map,
            s3.as_ref(),
            stripe
                .as_ref()
                .filter(|_| features.enabled(Feature::Payments)),
        )?;

        let (vapid_subject, push_allow_loopback_http, push_allowed_hosts) =
            push_settings(&get, &public_url)?;
        Ok(Self {
            vapid_private_key: get("VAPID_PRIVATE_KEY").filter(|k| !k.trim().is_empty()),
            vapid_subject,
            push_allow_loopback_http,
            push_allowed_hosts,
            stripe,
            s3,
            photo_url_ttl: Duration::from_secs(parse_range(
                &get,
                "PHOTO_URL_TTL_SECS",
                3_600,
                1,
                7 * 24 * 3_600,
            )?),
            photo_retention: Duration::from_secs(
                parse_range(&get, "PHOTO_RETENTION_DAYS", 365, 1, 36_500)? * 24 * 3600,
            ),
            photo_concurrency: parse_range(&get, "PHOTO_PROCESSING_CONCURRENCY", 2, 1, 64)?
                as usize,
            photo_memory_mib: parse_range(
                &get,
                "PHOTO_DECODE_MEMORY_MB",
                256,
                app::backend::photos::min_memory_mib().into(),
                65_536,
            )? as u32,
            content_policy,
            map,
            eta_model,
            location_trail,
            osrm_url,
            osrm_timeout: Duration::from_millis(parse_range(
                &get,
                "OSRM_TIMEOUT_MS",
                2_000,
                100,
                60_000,
            )?),
            database_url,
            listen_addr,
            public_url: public_url.trim_end_matches('/').to_owned(),
            site_root: get("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into()),
            hash_file: get("LEPTOS_HASH_FILE_NAME").unwrap_or_else(|| "hash.txt".into()),
            leptos_env,
            features,
            log_format,
            db_max_connections: parse_range(&get, "DB_MAX_CONNECTIONS", 10, 1, 1_000)? as u32,
            request_timeout: Duration::from_secs(parse_range(
                &get,
                "REQUEST_TIMEOUT_SECS",
                30,
                1,
                3_600,
            )?),
            data_dir: PathBuf::from(get("DATA_DIR").unwrap_or_else(|| "./data".into())),
            jwt_secret,
            metrics_token,
            session_ttl: Duration::from_secs(parse_range(
                &get,
                "SESSION_TTL_SECS",
                30 * 24 * 3600,
                1,
                366 * 24 * 3600,
            )?),
            trust_forwarded_for,
            signups_per_hour: parse_range(&get, "SIGNUPS_PER_HOUR", 20, 1, 100_000)? as usize,
            messages_per_minute: parse_range(
                &get,
                "MESSAGES_PER_MINUTE",
                app::domain::chat::SENDS_PER_WINDOW as u64,
                0,
                100_000,
            )? as usize,
            first_admin,
            demo_data,
            events_retention: Duration::from_secs(
                parse_range(&get, "EVENTS_RETENTION_DAYS", 7, 1, 3_650)? * 24 * 3600,
            ),
            events_stream_buffer: parse_range(&get, "EVENTS_STREAM_BUFFER", 1024, 1, 1_000_000)?
                as usize,
            events_safety_poll: Duration::from_millis(parse_range(
                &get,
                "EVENTS_SAFETY_POLL_MS",
                2_000,
                100,
                3_600_000,
            )?),
        })
    }
}
